/**
 * The built-in scenarios, by name (`dcq-sim <scenario>`): `smoke`, `incast`, `fanout` and `faults`,
 * each with small defaults suited to CI and numeric parameters (`--param key=value`). A definition
 * builds a {@link Scenario} for a seed, a transport (its capabilities shape the fault schedule) and
 * parameters; users may register their own definitions.
 */
import { InvalidArgumentError } from '@dcq/core';
import { Prng } from '@dcq/core/testing';
import type { HostConfig } from '../network/topology.js';
import { fanOut } from '../workloads/fan-out.js';
import { incast } from '../workloads/incast.js';
import { offeredLoad } from '../workloads/offered-load.js';
import type { PriorityRule } from '../workloads/priority-rules.js';
import { FixedSize } from '../workloads/size-samplers.js';
import { mergeTransferLists, WORKLOAD_PRIORITY_DEFAULT } from '../workloads/transfer-list.js';
import { RESULT_SCENARIOS } from './result-scenarios.js';
import type { FaultEvent, Scenario, SimTransportFactory } from './scenario.js';

/** One parameter of a scenario definition. */
export interface ScenarioParameterSpec {
  /** Name (`--param name=value`). */
  readonly name: string;
  /** Default value. */
  readonly defaultValue: number;
  /** What it sets. */
  readonly description: string;
  /** Smallest accepted value (default 0). */
  readonly min?: number;
  /** Largest accepted value (default 2^40). */
  readonly max?: number;
  /** Whether only integers are accepted (default true). */
  readonly integer?: boolean;
}

/** Resolved parameters: every declared name with a value. */
export type ScenarioParameters = Readonly<Record<string, number>>;

/** What a definition builds from. */
export interface ScenarioBuildContext {
  /** Seed of the run (workload and fault draws derive from it). */
  readonly seed: number;
  /** The transport the scenario will run with. */
  readonly transport: SimTransportFactory;
  /** Resolved parameters. */
  readonly parameters: ScenarioParameters;
}

/** A named, parameterised scenario. */
export interface ScenarioDefinition {
  /** Name on the command line. */
  readonly name: string;
  /** One line for `--list`. */
  readonly description: string;
  /** Its parameters. */
  readonly parameters: readonly ScenarioParameterSpec[];
  /** Builds the scenario. */
  build(context: ScenarioBuildContext): Scenario;
}

const definitions = new Map<string, ScenarioDefinition>();

/** Registers a scenario definition; throws if the name is taken. */
export function registerScenario(definition: ScenarioDefinition): void {
  if (definitions.has(definition.name)) {
    throw new InvalidArgumentError(`scenario '${definition.name}' is already registered`);
  }
  definitions.set(definition.name, definition);
}

/** Names of the registered scenarios, in registration order. */
export function scenarioNames(): string[] {
  return [...definitions.keys()];
}

/** The definition named `name`; throws an {@link InvalidArgumentError} listing the known ones. */
export function scenarioDefinition(name: string): ScenarioDefinition {
  const definition = definitions.get(name);
  if (definition === undefined) {
    throw new InvalidArgumentError(`unknown scenario '${name}'; known: ${scenarioNames().join(', ')}`);
  }
  return definition;
}

/**
 * Every parameter of `definition` with its value: `given` (text, e.g. from `--param`) over the
 * defaults. Throws an {@link InvalidArgumentError} for unknown names and bad values.
 */
export function resolveParameters(
  definition: ScenarioDefinition,
  given: Readonly<Record<string, string | number>> = {},
): ScenarioParameters {
  const result: Record<string, number> = {};
  for (const spec of definition.parameters) result[spec.name] = spec.defaultValue;
  for (const [name, raw] of Object.entries(given)) {
    const spec = definition.parameters.find((candidate) => candidate.name === name);
    if (spec === undefined) {
      const known = definition.parameters.map((candidate) => candidate.name).join(', ');
      throw new InvalidArgumentError(`scenario ${definition.name} has no parameter '${name}'; it has: ${known}`);
    }
    const value = typeof raw === 'number' ? raw : raw.trim() === '' ? Number.NaN : Number(raw);
    const min = spec.min ?? 0;
    const max = spec.max ?? 2 ** 40;
    const integer = spec.integer ?? true;
    if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
      throw new InvalidArgumentError(
        `parameter ${name} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got '${raw}'`,
      );
    }
    result[name] = value;
  }
  return result;
}

/** Builds registered scenario `name` for a seed and transport, with `given` parameters over the defaults. */
export function buildScenario(
  name: string,
  options: {
    readonly seed: number;
    readonly transport: SimTransportFactory;
    readonly parameters?: Readonly<Record<string, string | number>>;
  },
): Scenario {
  const definition = scenarioDefinition(name);
  const parameters = resolveParameters(definition, options.parameters);
  return definition.build({ seed: options.seed, transport: options.transport, parameters });
}

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

const PRIORITY_LEVELS_PARAMETER: ScenarioParameterSpec = {
  name: 'priorityLevels',
  defaultValue: 4,
  description: 'priorities drawn uniformly from 0..levels−1 (1: all at the default level 3)',
  min: 1,
  max: 8,
};

/** The priority rule of a `priorityLevels` parameter. */
function priorityRule(parameters: ScenarioParameters): PriorityRule {
  const levels = param(parameters, 'priorityLevels');
  if (levels === 1) return { kind: 'fixed', priority: WORKLOAD_PRIORITY_DEFAULT };
  return { kind: 'random', priorities: range(0, levels) };
}

const RATE_PARAMETER: ScenarioParameterSpec = {
  name: 'rateGbps',
  defaultValue: 25,
  description: 'NIC line rate, Gb/s',
  min: 1,
  max: 800,
};

/** `smoke`: two hosts, RPCs from host 0 to host 1 in small bursts. */
export const SMOKE_SCENARIO: ScenarioDefinition = {
  name: 'smoke',
  description: '2 hosts, 100 RPCs (4 KB requests, 1 KB responses) in 10 bursts',
  parameters: [
    { name: 'rpcs', defaultValue: 100, description: 'RPCs in total', min: 1, max: 1 << 20 },
    { name: 'bursts', defaultValue: 10, description: 'bursts the RPCs are split into', min: 1, max: 1 << 20 },
    { name: 'intervalUs', defaultValue: 20, description: 'time between bursts, µs', max: 1e9 },
    { name: 'requestBytes', defaultValue: 4096, description: 'request size' },
    { name: 'responseBytes', defaultValue: 1024, description: 'response size' },
    RATE_PARAMETER,
  ],
  build({ seed, parameters }) {
    const rpcs = param(parameters, 'rpcs');
    const bursts = Math.min(param(parameters, 'bursts'), rpcs);
    const intervalNs = param(parameters, 'intervalUs') * 1000;
    const perBurst = Math.ceil(rpcs / bursts);
    const workload = fanOut({
      clientHost: 0,
      peerHosts: [1],
      rpcsPerBurst: perBurst,
      burstCount: Math.ceil(rpcs / perBurst),
      burstIntervalNs: intervalNs,
      sizes: new FixedSize(param(parameters, 'requestBytes')),
      responseSizes: new FixedSize(param(parameters, 'responseBytes')),
      seed,
    });
    return {
      name: 'smoke',
      hosts: uniformHosts(2, param(parameters, 'rateGbps')),
      workload,
      workloadName: 'fixed-rpc',
      durationNs: Math.max(1, bursts * intervalNs),
      parameters,
    };
  },
};

/** `incast`: N senders send one message each to one receiver behind a shallow switch buffer. */
export const INCAST_SCENARIO: ScenarioDefinition = {
  name: 'incast',
  description: 'N senders × size → 1 receiver, shallow switch buffers',
  parameters: [
    { name: 'senders', defaultValue: 8, description: 'sending hosts', min: 1, max: 1000 },
    { name: 'sizeBytes', defaultValue: 64_000, description: 'message size' },
    { name: 'messagesPerSender', defaultValue: 1, description: 'messages per sender', min: 1, max: 1 << 16 },
    { name: 'jitterUs', defaultValue: 0, description: 'submission jitter, µs', max: 1e6 },
    { name: 'bufferBytes', defaultValue: 65_536, description: 'switch port buffer, bytes', min: 1 },
    RATE_PARAMETER,
  ],
  build({ seed, parameters }) {
    const senders = param(parameters, 'senders');
    const workload = incast({
      receiverHost: 0,
      senderHosts: range(1, senders + 1),
      messagesPerSender: param(parameters, 'messagesPerSender'),
      sizes: new FixedSize(param(parameters, 'sizeBytes')),
      jitterNs: param(parameters, 'jitterUs') * 1000,
      seed,
    });
    return {
      name: 'incast',
      hosts: uniformHosts(senders + 1, param(parameters, 'rateGbps')),
      network: { switchBufferBytes: param(parameters, 'bufferBytes') },
      workload,
      workloadName: 'incast',
      durationNs: Math.max(1_000_000, param(parameters, 'jitterUs') * 1000),
      limits: { drainNs: 10_000_000_000 },
      parameters,
    };
  },
};

/** `fanout`: one client bursts K RPCs over P peers. */
export const FANOUT_SCENARIO: ScenarioDefinition = {
  name: 'fanout',
  description: 'a burst of K RPCs from one client spread over P peers',
  parameters: [
    { name: 'peers', defaultValue: 8, description: 'peer hosts (P)', min: 1, max: 1000 },
    { name: 'rpcs', defaultValue: 200, description: 'RPCs in the burst (K)', min: 1, max: 1 << 20 },
    { name: 'requestBytes', defaultValue: 2048, description: 'request size' },
    { name: 'responseBytes', defaultValue: 256, description: 'response size' },
    PRIORITY_LEVELS_PARAMETER,
    RATE_PARAMETER,
  ],
  build({ seed, parameters }) {
    const peers = param(parameters, 'peers');
    const workload = fanOut({
      clientHost: 0,
      peerHosts: range(1, peers + 1),
      rpcsPerBurst: param(parameters, 'rpcs'),
      sizes: new FixedSize(param(parameters, 'requestBytes')),
      responseSizes: new FixedSize(param(parameters, 'responseBytes')),
      seed,
      priority: priorityRule(parameters),
    });
    return {
      name: 'fanout',
      hosts: uniformHosts(peers + 1, param(parameters, 'rateGbps')),
      workload,
      workloadName: 'fan-out',
      durationNs: 1_000_000,
      limits: { drainNs: 10_000_000_000 },
      parameters,
    };
  },
};

/** Fault-draw stream of the `faults` scenario (distinct from the workload generators' streams). */
const FAULTS_STREAM = 0x5ce7;

/**
 * `faults`: background messages plus RPCs among a few hosts while every link drops, duplicates,
 * reorders and corrupts datagrams, one host pair is partitioned for a while, and — when the
 * transport supports restarts — one host crashes and restarts. Faults end at 70% of the window.
 */
export const FAULTS_SCENARIO: ScenarioDefinition = {
  name: 'faults',
  description: 'loss, duplication, reordering, corruption, a partition and (if supported) a crash/restart',
  parameters: [
    { name: 'hosts', defaultValue: 4, description: 'hosts', min: 3, max: 256 },
    { name: 'durationUs', defaultValue: 2000, description: 'workload window, µs', min: 10, max: 1e9 },
    {
      name: 'load',
      defaultValue: 0.2,
      description: 'offered load per host (fraction)',
      min: 0.001,
      max: 4,
      integer: false,
    },
    { name: 'messageBytes', defaultValue: 8000, description: 'background message size', min: 1 },
    { name: 'rpcs', defaultValue: 50, description: 'RPCs from host 0 to the others', min: 1, max: 1 << 20 },
    { name: 'loss', defaultValue: 0.01, description: 'loss probability per link', max: 1, integer: false },
    { name: 'duplicate', defaultValue: 0.01, description: 'duplication probability per link', max: 1, integer: false },
    { name: 'reorder', defaultValue: 0.02, description: 'reordering probability per link', max: 1, integer: false },
    { name: 'corrupt', defaultValue: 0.002, description: 'corruption probability per link', max: 1, integer: false },
    { name: 'partition', defaultValue: 1, description: 'partition one host pair (0/1)', max: 1 },
    {
      name: 'restart',
      defaultValue: 1,
      description: 'crash and restart a host when the transport supports it (0/1)',
      max: 1,
    },
    PRIORITY_LEVELS_PARAMETER,
    RATE_PARAMETER,
  ],
  build({ seed, transport, parameters }) {
    const hostCount = param(parameters, 'hosts');
    const durationNs = param(parameters, 'durationUs') * 1000;
    const rateGbps = param(parameters, 'rateGbps');
    const background = offeredLoad({
      sizes: new FixedSize(param(parameters, 'messageBytes')),
      hostCount,
      loadFraction: param(parameters, 'load'),
      linkRateBitsPerSecond: rateGbps * 1e9,
      durationNs,
      seed,
      priority: priorityRule(parameters),
    }).list;
    const rpcs = fanOut({
      clientHost: 0,
      peerHosts: range(1, hostCount),
      rpcsPerBurst: param(parameters, 'rpcs'),
      burstCount: 1,
      sizes: new FixedSize(1024),
      responseSizes: new FixedSize(4096),
      seed,
      peerChoice: 'random',
      priority: priorityRule(parameters),
    });
    const workload = mergeTransferLists([background, rpcs], { timeOffsetsNs: [0, Math.floor(durationNs / 4)] });
    const prng = Prng.fromSeed({ seed, stream: FAULTS_STREAM });
    const faultsEndNs = Math.floor(durationNs * 0.7);
    const faults: FaultEvent[] = [
      {
        atNs: 0,
        action: {
          kind: 'linkFaults',
          faults: {
            lossProbability: param(parameters, 'loss'),
            duplicateProbability: param(parameters, 'duplicate'),
            reorderProbability: param(parameters, 'reorder'),
            reorderDelayNs: 5_000,
            corruptProbability: param(parameters, 'corrupt'),
          },
        },
      },
      {
        atNs: faultsEndNs,
        action: {
          kind: 'linkFaults',
          faults: { lossProbability: 0, duplicateProbability: 0, reorderProbability: 0, corruptProbability: 0 },
        },
      },
    ];
    if (param(parameters, 'partition') === 1) {
      const a = prng.intBelow(hostCount);
      const b = (a + 1 + prng.intBelow(hostCount - 1)) % hostCount;
      faults.push({ atNs: Math.floor(durationNs * 0.2), action: { kind: 'partition', hostA: a, hostB: b } });
      faults.push({ atNs: Math.floor(durationNs * 0.4), action: { kind: 'heal', hostA: a, hostB: b } });
    }
    if (param(parameters, 'restart') === 1 && transport.supportsRestart) {
      const host = 1 + prng.intBelow(hostCount - 1);
      faults.push({ atNs: Math.floor(durationNs * 0.5), action: { kind: 'crash', host } });
      faults.push({ atNs: Math.floor(durationNs * 0.6), action: { kind: 'restart', host } });
    }
    return {
      name: 'faults',
      hosts: uniformHosts(hostCount, rateGbps),
      workload,
      workloadName: 'faults-mix',
      faults,
      durationNs,
      limits: { drainNs: 30_000_000_000 },
      parameters,
    };
  },
};

registerScenario(SMOKE_SCENARIO);
registerScenario(INCAST_SCENARIO);
registerScenario(FANOUT_SCENARIO);
registerScenario(FAULTS_SCENARIO);
for (const definition of RESULT_SCENARIOS) registerScenario(definition);
