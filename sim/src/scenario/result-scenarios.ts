/**
 * The scenarios behind the simulator's published results (issue 5, "Results to produce"):
 * `fanout-sizes` (a burst of RPCs with spread sizes from one client to many peers) and `w4-load`
 * (Homa's W4 workload at an offered load on N hosts with Homa-style size-based priorities). The
 * incast result uses the built-in `incast` scenario. Both are registered by name (`registry.ts`), so
 * `dcq-sim fanout-sizes --param rpcs=2000` reproduces what the `sim-*` benchmarks measure.
 */
import { InvalidArgumentError } from '@dcq/core';
import { HEADER_BYTES_DEFAULT, MTU_BYTES_DEFAULT } from '../network/sim-network.js';
import { type HostConfig, SIM_TRANSFERS_MAX_DEFAULT } from '../network/topology.js';
import { fanOut } from '../workloads/fan-out.js';
import { homaPriorityCutoffs } from '../workloads/homa-priority-cutoffs.js';
import { loadHomaWorkload } from '../workloads/homa-workloads.js';
import { offeredLoad } from '../workloads/offered-load.js';
import type { PriorityRule } from '../workloads/priority-rules.js';
import { FixedSize, LogUniformSize, type SizeSampler } from '../workloads/size-samplers.js';
import { WORKLOAD_PRIORITY_DEFAULT } from '../workloads/transfer-list.js';
import type { ScenarioDefinition, ScenarioParameters } from './registry.js';

function param(parameters: ScenarioParameters, name: string): number {
  const value = parameters[name];
  if (value === undefined) throw new InvalidArgumentError(`parameter ${name} is missing`);
  return value;
}

function uniformHosts(count: number, rateGbps: number): HostConfig[] {
  const hosts: HostConfig[] = [];
  for (let h = 0; h < count; h++) hosts.push({ nics: [{ rateBitsPerSecond: rateGbps * 1e9 }] });
  return hosts;
}

function range(from: number, to: number): number[] {
  const values: number[] = [];
  for (let v = from; v < to; v++) values.push(v);
  return values;
}

/** Bytes in a MiB (the `heldMiB` parameters). */
const MIB = 1024 * 1024;

/** Smallest `mtu` of `fanout-sizes`: the protocol's 1,200-byte minimum datagram plus IP/UDP headers. */
const FANOUT_MTU_MIN = 1200 + HEADER_BYTES_DEFAULT;
/** Largest `mtu` of `fanout-sizes`: the protocol's 9,000-byte maximum datagram plus IP/UDP headers. */
const FANOUT_MTU_MAX = 9000 + HEADER_BYTES_DEFAULT;

/**
 * `fanout-sizes`: one client (host 0) issues K RPCs at once, round-robin over P peers, with request
 * sizes log-uniform in [sizeMinBytes, sizeMaxBytes] (or drawn from Homa's W3 with `w3=1`) and small
 * fixed responses. The full scale is K = 10,000 over P = 200 peers (`--param rpcs=10000`,
 * several minutes of wall time: ≈1.9 GB of log-uniform requests; `sim-fanout` runs it); the default
 * is 2,000 to keep the command quick. The client's transfer table is sized for the burst (3 × K);
 * its memory stays within `heldMiB` (what does not fit waits as backpressure). `mtu` sets the
 * network's IP MTU and slot size; transports size their datagrams to `mtu − 28` (jumbo frames:
 * `mtu=9000`, 8,972-byte datagrams).
 */
export const FANOUT_SIZES_SCENARIO: ScenarioDefinition = {
  name: 'fanout-sizes',
  description: 'K concurrent RPCs of spread sizes (log-uniform 4 KiB–1 MiB or W3) from one client to P peers',
  parameters: [
    { name: 'peers', defaultValue: 200, description: 'peer hosts (P)', min: 1, max: 1000 },
    { name: 'rpcs', defaultValue: 2000, description: 'RPCs in the burst (K)', min: 1, max: 1 << 20 },
    { name: 'sizeMinBytes', defaultValue: 4096, description: 'smallest request (log-uniform)', min: 1 },
    { name: 'sizeMaxBytes', defaultValue: 1 << 20, description: 'largest request (log-uniform)', min: 1 },
    { name: 'w3', defaultValue: 0, description: 'draw request sizes from Homa W3 instead (0/1)', max: 1 },
    { name: 'responseBytes', defaultValue: 256, description: 'response size' },
    { name: 'heldMiB', defaultValue: 64, description: 'per-host held-bytes limit (memory invariant), MiB', min: 1 },
    { name: 'rateGbps', defaultValue: 100, description: 'NIC line rate, Gb/s', min: 1, max: 800 },
    {
      name: 'mtu',
      defaultValue: MTU_BYTES_DEFAULT,
      description: 'IP MTU, bytes (9000: jumbo frames); transports send datagrams of mtu − 28',
      min: FANOUT_MTU_MIN,
      max: FANOUT_MTU_MAX,
    },
  ],
  build({ seed, parameters }) {
    const peers = param(parameters, 'peers');
    const mtu = param(parameters, 'mtu');
    const minBytes = param(parameters, 'sizeMinBytes');
    const maxBytes = param(parameters, 'sizeMaxBytes');
    if (minBytes > maxBytes) throw new InvalidArgumentError('sizeMinBytes must be <= sizeMaxBytes');
    const sizes: SizeSampler =
      param(parameters, 'w3') === 1 ? loadHomaWorkload('w3') : new LogUniformSize({ minBytes, maxBytes });
    const workload = fanOut({
      clientHost: 0,
      peerHosts: range(1, peers + 1),
      rpcsPerBurst: param(parameters, 'rpcs'),
      sizes,
      responseSizes: new FixedSize(param(parameters, 'responseBytes')),
      seed,
    });
    // The client holds every RPC of the burst, each with its response's time-wait record after it.
    const hosts = uniformHosts(peers + 1, param(parameters, 'rateGbps'));
    hosts[0] = {
      ...(hosts[0] as HostConfig),
      transfersMax: Math.max(SIM_TRANSFERS_MAX_DEFAULT, 3 * param(parameters, 'rpcs')),
    };
    return {
      name: 'fanout-sizes',
      hosts,
      workload,
      workloadName: param(parameters, 'w3') === 1 ? 'fan-out-w3' : 'fan-out-log-uniform',
      // The MTU and a slot size to match: the largest datagram is what the MTU lets through.
      network: { mtuBytes: mtu, datagramBytesMax: mtu - HEADER_BYTES_DEFAULT },
      durationNs: 1_000_000,
      limits: { drainNs: 60_000_000_000, heldBytesPerHostMax: param(parameters, 'heldMiB') * MIB },
      parameters,
    };
  },
};

/**
 * `w4-load`: Homa's W4 (Hadoop-like) message sizes as Poisson arrivals at `load` of every host's
 * link, uniform destinations, for `durationUs`; priorities from Homa-style size cut-offs over
 * `priorityLevels` levels (small messages get the highest level, 0). As in Homa (§3.4), the levels
 * split the *unscheduled* bytes evenly: each message counts at most `priorityCapBytes` (RTTbytes;
 * default `rateGbps` × 1000 bytes, one 8 µs round trip). Counting whole messages instead puts
 * everything up to 190 KB in level 0, so small messages queue behind 100 KB transfers in one class.
 */
export const W4_LOAD_SCENARIO: ScenarioDefinition = {
  name: 'w4-load',
  description: 'Homa W4 at an offered load on N hosts, size-based priorities (slowdown by size)',
  parameters: [
    { name: 'hosts', defaultValue: 16, description: 'hosts', min: 2, max: 1024 },
    {
      name: 'load',
      defaultValue: 0.8,
      description: 'offered load per host (fraction)',
      min: 0.001,
      max: 4,
      integer: false,
    },
    { name: 'durationUs', defaultValue: 10_000, description: 'arrival window, µs', min: 10, max: 1e9 },
    {
      name: 'priorityLevels',
      defaultValue: 8,
      description: 'size cut-off levels (1: all at the default level)',
      min: 1,
      max: 8,
    },
    { name: 'heldMiB', defaultValue: 64, description: 'per-host held-bytes limit (memory invariant), MiB', min: 1 },
    { name: 'rateGbps', defaultValue: 10, description: 'NIC line rate, Gb/s (Homa simulated 10)', min: 1, max: 800 },
    {
      name: 'priorityCapBytes',
      defaultValue: 0,
      description: 'bytes of each message the priority cut-offs count (RTTbytes; 0: rateGbps × 1000)',
      min: 0,
    },
  ],
  build({ seed, parameters }) {
    const hostCount = param(parameters, 'hosts');
    const rateGbps = param(parameters, 'rateGbps');
    const distribution = loadHomaWorkload('w4');
    const levels = param(parameters, 'priorityLevels');
    const bytesPerMessageCap = param(parameters, 'priorityCapBytes') || rateGbps * 1000;
    const priority: PriorityRule =
      levels === 1
        ? { kind: 'fixed', priority: WORKLOAD_PRIORITY_DEFAULT }
        : {
            kind: 'sizeCutoffs',
            cutoffsBytes: homaPriorityCutoffs(distribution, { levels, bytesPerMessageCap }).cutoffsBytes,
          };
    const durationNs = param(parameters, 'durationUs') * 1000;
    const workload = offeredLoad({
      sizes: distribution,
      hostCount,
      loadFraction: param(parameters, 'load'),
      linkRateBitsPerSecond: rateGbps * 1e9,
      durationNs,
      seed,
      priority,
    }).list;
    return {
      name: 'w4-load',
      hosts: uniformHosts(hostCount, rateGbps),
      workload,
      workloadName: 'W4',
      durationNs,
      limits: { drainNs: 60_000_000_000, heldBytesPerHostMax: param(parameters, 'heldMiB') * MIB },
      parameters,
    };
  },
};

/**
 * The result scenarios, registered by `registry.ts` after its built-ins (this module imports only
 * types from the registry, so loading either first is safe).
 */
export const RESULT_SCENARIOS: readonly ScenarioDefinition[] = [FANOUT_SIZES_SCENARIO, W4_LOAD_SCENARIO];
