/**
 * The simulator's datacenter network: it drives one {@link DatagramEndpoint} per NIC (the engine of
 * that NIC's worker) through NIC transmit queues, switch output ports with 8 strict-priority
 * classes and bounded buffers, and links with rates, propagation delays and seeded faults, in
 * integer-nanosecond virtual time. A run is a pure function of (options, seed, scenario code): the
 * same inputs give the same {@link SimNetwork.traceHash}. It owns the clock, the datagram buffers
 * in flight, the port queues, the link fault state, the peer tables, the host/NIC up-down state,
 * the scenario agenda, the counters and the trace. The shape of the fabric is {@link SimTopology}.
 *
 * ## Time
 * Virtual time is an integer number of ns held in a double (exact below 2^53 ns ≈ 104 days).
 * Endpoints speak µs: every call gets `nowUs = floor(nowNs / 1000)`, an integer, because the core's
 * pacer and timing wheel are exact on integer µs. A deadline from `pollTimeoutUs()` is rounded up
 * to a whole µs and fires at `ceil(timeoutUs) × 1000` ns, so `handleTimeout` always sees
 * `nowUs ≥ timeoutUs`; an endpoint gets at most one `handleTimeout` per µs (a deadline at or
 * before the µs of its last one fires at the next µs), so an endpoint that keeps reporting "now"
 * (e.g. while its NIC queue is full) cannot spin the network. Deliveries keep their ns times (the trace shows them); the endpoint sees
 * them truncated to the µs, which biases its RTT samples down by less than 1 µs.
 *
 * ## One instant
 * The next instant `t` is the earliest of: a link event (a port finishing a datagram, a datagram
 * arriving at a switch or NIC, a clog ending), an endpoint deadline, an endpoint the scenario woke
 * or restarted (the current time), or an endpoint deferred by the transmit cap (`t + 1`). At `t`
 * the network repeats rounds of
 * 1. every link event due at or before `t` in (time, insertion) order — arrivals at a NIC call
 *    `handleDatagram(nowUs, bytes, 0, length, peer)`;
 * 2. `handleTimeout(nowUs)` for every endpoint whose deadline is due, in (deadline, NIC) order;
 * 3. `pollTransmit(nowUs, …)` of every endpoint touched in 1–2 (or woken), in the order they were
 *    touched, until it returns 0, at most `transmitsPerInstantMax` datagrams per instant (then it
 *    is polled again at `t + 1`, counted in `transmitCapHits`), and only while its NIC queue has
 *    room for one more datagram (else it waits for the queue to drain — socket backpressure,
 *    counted in `backpressureStalls`); then its deadline is re-read;
 * until nothing more is due at `t`, at most `roundsPerInstantMax` rounds (`roundCapHits`; what is
 * still due moves to `t + 1`). Only touched endpoints are polled: an endpoint gains work only
 * through `handle*` calls or application commands, and after giving one work between runs the
 * scenario must ring its doorbell with {@link SimNetwork.wake} (as the app does in production).
 *
 * ## Life of a datagram
 * 1. Send: the endpoint writes straight into a pooled slot of `datagramBytesMax` bytes. Dropped
 *    (per-NIC counters) when no slot is free (`droppedNoSlot`), when `length + headerBytes > mtuBytes`
 *    (`droppedMtu`), or when its peer index maps to no address (`droppedNoRoute`).
 * 2. Each port (the NIC's, then each switch's output port on the path) queues it in the FIFO of its
 *    class (`TransmitInfo.priority`, 0 highest); the port's buffer bound counts wire bytes
 *    (`length + headerBytes + framingBytes`) of every queued datagram of every class, the one
 *    serializing included; one that does not fit is tail-dropped (counted per link and class). An
 *    idle port serves the lowest non-empty class first (strict priority, non-preemptive).
 *    Serialization is exact within a busy period that started at `s`: the datagram that brings the
 *    period's total to `B` bits finishes at `s + ⌈B · 10^9 / rate⌉` ns, so rounding never accumulates.
 * 3. When it finishes, the link's faults apply (below); each surviving copy arrives at the far
 *    node after the propagation delay (+ jitter, + the reordering delay).
 * 4. A switch forwards it: a single switch (or the destination's own leaf) to the port facing the
 *    destination NIC; otherwise up to a spine chosen by ECMP ({@link ecmpSpine}), then down to the
 *    destination's leaf. The first switch drops datagrams between partitioned hosts.
 * 5. Arrival at the destination NIC: dropped if its host is crashed (`droppedHostDown`), the NIC is
 *    failed (`droppedNicDown`), the hosts are partitioned (`droppedPartition`) or the NIC has no
 *    peer index for the sender's address (`droppedUnknownPeer`); else handed to the endpoint then
 *    in place (a restarted host's fresh endpoint receives old datagrams), and the slot is reused.
 *
 * ## Faults and determinism
 * Each link has two generator streams derived from (seed, link): a *decision* stream that draws
 * exactly six 32-bit numbers per departing datagram while any fault is configured on the link
 * (uniform loss, burst loss, burst state step, duplication, reordering, corruption) and none on a
 * fault-free link, and a *value* stream for jitter, bit positions and the duplicate's own
 * decisions. The draws and fault parameters are core's `LinkFaultDraws` (`@dcq/core/testing`),
 * shared with the core's `TestNetwork`, in ns here. So enabling jitter never changes which datagrams are lost, and traffic or faults on
 * one link never shift another link's draws. Per-datagram ECMP (`ecmp: 'packet'`) draws from the
 * leaf's own stream. Partitions (symmetric or one-way between hosts), link down, clogging (rate ÷
 * factor for a period, applied from the next datagram to start serializing), host crash and
 * restart (endpoints replaced by `createEndpoint` with the next incarnation: all state lost, so
 * peers find the path secret unknown), NIC failure and recovery can all change during a run;
 * host and NIC changes also post a {@link NetworkNotification} a router model can poll.
 *
 * ## Scenario events, and slow readers
 * `at(timeNs, kind, arg)` schedules a scenario event; `run(limitNs)` stops at each one (before the
 * network's own work at that time) and returns its kind, so a scenario scripts faults and
 * application behaviour at exact times without callbacks on the hot path. A slow application
 * reader is modelled through the engine, not the network: the scenario drains the engine's
 * completions only at its own scheduled events (e.g. N per period), so the engine's per-stream
 * queue-depth and byte limits stop its PULLs — receiver-driven flow control does the rest — and it
 * calls `wake()` after draining so the NIC worker resumes pulling.
 *
 * ## Observation
 * {@link SimNetwork.traceHash} folds every event (see `trace.ts`), the last `traceCapacity` events
 * are kept, counters exist per link (and priority class), per NIC and per host (see `stats.ts`),
 * per-link utilisation is bucketed when `utilization` is set, and an optional {@link DatagramTap}
 * (pcap capture) sees every delivered or dropped datagram with its bytes.
 *
 * ## Limits
 * Everything is allocated at construction: `slotsMax` datagram slots (the arena), one event per
 * slot and per port, `scenarioEventsMax` scenario events, `notificationsMax` notifications (newer
 * ones are dropped and counted when full), a trace ring of `traceCapacity` and the utilisation
 * buckets. Nothing allocates per datagram in steady state.
 */
import type { DatagramEndpoint } from '@dcq/core';
import { assert, BackpressureError, InvalidArgumentError, TransmitInfo } from '@dcq/core';
import {
  EventQueue,
  FAULT_BURST_LOSS,
  FAULT_CORRUPT,
  FAULT_DUPLICATE,
  FAULT_LOSS,
  FAULT_REORDER,
  flipBit,
  LinkFaultDraws,
  PRNG_STATE_WORDS,
  Prng,
  seedPrngState,
} from '@dcq/core/testing';
import { type DatagramTap, TappedDatagram } from './datagram-tap.js';
import { DeadlineHeap } from './deadline-heap.js';
import { type LinkFaults, type LinkFaultsUpdate, NO_LINK_FAULTS, validateLinkFaults } from './link-faults.js';
import {
  C_DROPPED_QUEUE,
  C_DROPPED_QUEUE_BYTES,
  C_QUEUE_BYTES_PEAK,
  C_TX_BYTES,
  C_TX_DATAGRAMS,
  CLASS_STAT_COUNT,
  type HostStats,
  isPeakLinkStat,
  L_BUSY_NS,
  L_CORRUPTED,
  L_DELIVERED_BYTES,
  L_DELIVERED_DATAGRAMS,
  L_DROPPED_BURST_LOSS,
  L_DROPPED_DOWN,
  L_DROPPED_FLUSHED,
  L_DROPPED_LOSS,
  L_DROPPED_NO_SLOT,
  L_DROPPED_QUEUE,
  L_DROPPED_QUEUE_BYTES,
  L_DUPLICATED,
  L_QUEUE_BYTES_PEAK,
  L_QUEUE_DATAGRAMS_PEAK,
  L_REORDERED,
  L_TX_BYTES,
  L_TX_DATAGRAMS,
  LINK_STAT_COUNT,
  type LinkStats,
  linkStatsAt,
  N_BACKPRESSURE_STALLS,
  N_DELIVERED_BYTES,
  N_DELIVERED_DATAGRAMS,
  N_DROPPED_HOST_DOWN,
  N_DROPPED_MTU,
  N_DROPPED_NIC_DOWN,
  N_DROPPED_NO_ROUTE,
  N_DROPPED_NO_SLOT,
  N_DROPPED_PARTITION,
  N_DROPPED_UNKNOWN_PEER,
  N_POLL_CALLS,
  N_SENT_BYTES,
  N_SENT_DATAGRAMS,
  N_TIMEOUT_CALLS,
  N_TRANSMIT_CAP_HITS,
  NIC_STAT_COUNT,
  type NicStats,
  nicStatsAt,
  PRIORITY_CLASSES,
  type SimNetworkStats,
} from './stats.js';
import { ecmpSpine, type FabricConfig, type HostConfig, SimTopology } from './topology.js';
import { hashDatagram, SimTrace, type SimTraceEntry, SimTraceKind } from './trace.js';

/** Default IP MTU, bytes. */
export const MTU_BYTES_DEFAULT = 1500;
/** Default per-datagram IP + UDP header bytes (IPv4): count toward the MTU and the wire. */
export const HEADER_BYTES_DEFAULT = 28;
/** Default per-datagram Ethernet framing on the wire: header 14 + FCS 4 + preamble 8 + inter-frame gap 12. */
export const FRAMING_BYTES_DEFAULT = 38;
/** Default datagram slot size, bytes: the largest datagram an endpoint may write (the engine's maximum). */
export const SIM_DATAGRAM_BYTES_MAX_DEFAULT = 9000;
/** Default number of datagram slots (datagrams queued or in flight at once). */
export const SIM_SLOTS_MAX_DEFAULT = 8192;
/** Largest `slotsMax` accepted. */
export const SIM_SLOTS_LIMIT = 2 ** 20;
/** Largest slot arena accepted, bytes. */
export const SIM_ARENA_BYTES_LIMIT = 2 ** 31;
/** Default buffer of each switch output port, bytes. */
export const SWITCH_BUFFER_BYTES_DEFAULT = 512 * 1024;
/** Default transmit queue of each NIC, bytes. */
export const NIC_QUEUE_BYTES_DEFAULT = 256 * 1024;
/** Default cap of datagrams polled from one endpoint per instant. */
export const SIM_TRANSMITS_PER_INSTANT_DEFAULT = 64;
/** Default cap of rounds per instant. */
export const SIM_ROUNDS_PER_INSTANT_DEFAULT = 64;
/** Default capacity of the scenario agenda. */
export const SCENARIO_EVENTS_MAX_DEFAULT = 65536;
/** Default capacity of the notification ring. */
export const NOTIFICATIONS_MAX_DEFAULT = 1024;
/** Returned by {@link SimNetwork.run} when it reached its time limit. */
export const RUN_LIMIT_REACHED = -1;

/** Where an endpoint sits, and which life of its host it belongs to (0 at start, +1 per restart). */
export interface EndpointAddress {
  /** Host index. */
  readonly host: number;
  /** NIC index within the host. */
  readonly nic: number;
  /** Restarts of the host so far. */
  readonly incarnation: number;
}

/** Per-link utilisation recording: busy time per bucket, for plots. */
export interface UtilizationOptions {
  /** Bucket width, ns (e.g. 10_000 for 10 µs): a positive safe integer. */
  readonly bucketNs: number;
  /** Buckets per link, from `startNs` on; busy time after the last bucket is not recorded. */
  readonly bucketCount: number;
}

/** Options of a {@link SimNetwork}. Sizes are bytes, times ns, rates bits/s. */
export interface SimNetworkOptions {
  /** Seed of every random decision: a safe non-negative integer. */
  readonly seed: number;
  /** The hosts and their NICs. */
  readonly hosts: readonly HostConfig[];
  /** The switching fabric (default: one switch). */
  readonly fabric?: FabricConfig;
  /** Creates the endpoint of a NIC: at start (incarnation 0) and on every host restart. */
  readonly createEndpoint: (address: EndpointAddress) => DatagramEndpoint;
  /** Initial virtual time, ns: a safe non-negative integer (default 0). */
  readonly startNs?: number;
  /** IP MTU (default {@link MTU_BYTES_DEFAULT}): datagrams with `length + headerBytes > mtuBytes` are dropped. */
  readonly mtuBytes?: number;
  /** IP + UDP header bytes per datagram (default {@link HEADER_BYTES_DEFAULT}). */
  readonly headerBytes?: number;
  /** Link-layer framing bytes per datagram on the wire (default {@link FRAMING_BYTES_DEFAULT}). */
  readonly framingBytes?: number;
  /** Slot size: the largest datagram an endpoint may write (default {@link SIM_DATAGRAM_BYTES_MAX_DEFAULT}). */
  readonly datagramBytesMax?: number;
  /** Datagram slots (default {@link SIM_SLOTS_MAX_DEFAULT}). */
  readonly slotsMax?: number;
  /** Buffer bound of every switch output port (default {@link SWITCH_BUFFER_BYTES_DEFAULT}). */
  readonly switchBufferBytes?: number;
  /** Transmit queue bound of every NIC (default {@link NIC_QUEUE_BYTES_DEFAULT}); at least one largest datagram. */
  readonly nicQueueBytes?: number;
  /** Peer indices per NIC (default: the number of hosts). */
  readonly peersMax?: number;
  /**
   * Initial peer tables: 'by-host' (default) maps peer `p` of NIC `(h, k)` to NIC `(p, k mod
   * nics(p))` for `p` < hosts; 'empty' maps nothing (set entries with {@link SimNetwork.setPeer}).
   */
  readonly peerTable?: 'by-host' | 'empty';
  /** Initial faults of every link (default none). */
  readonly linkFaults?: LinkFaultsUpdate;
  /** Cap of datagrams polled from one endpoint per instant (default {@link SIM_TRANSMITS_PER_INSTANT_DEFAULT}). */
  readonly transmitsPerInstantMax?: number;
  /** Cap of rounds per instant (default {@link SIM_ROUNDS_PER_INSTANT_DEFAULT}). */
  readonly roundsPerInstantMax?: number;
  /** Trace events kept for {@link SimNetwork.traceEntries} (default 0; the hash is always kept). */
  readonly traceCapacity?: number;
  /** Fold each datagram's bytes (word-wise FNV-1a, once per datagram) into the trace (default true). */
  readonly hashBytes?: boolean;
  /** Record per-link utilisation (default: off). */
  readonly utilization?: UtilizationOptions;
  /** Capacity of the scenario agenda (default {@link SCENARIO_EVENTS_MAX_DEFAULT}). */
  readonly scenarioEventsMax?: number;
  /** Capacity of the notification ring (default {@link NOTIFICATIONS_MAX_DEFAULT}). */
  readonly notificationsMax?: number;
  /** Sees every delivered or dropped datagram with a known destination, e.g. for pcap capture (default none). */
  readonly tap?: DatagramTap | null;
}

/** Kinds of {@link NetworkNotification}. */
export const NotificationKind = {
  /** A NIC failed: the router should move its peers to a surviving NIC. */
  NicFailed: 1,
  /** A failed NIC works again. */
  NicRecovered: 2,
  /** A host crashed: its endpoints are gone. */
  HostCrashed: 3,
  /** A host restarted with fresh endpoints (all protocol state lost). */
  HostRestarted: 4,
} as const;

/** A notification kind. */
export type NotificationKind = (typeof NotificationKind)[keyof typeof NotificationKind];

/** A host or NIC state change, filled by {@link SimNetwork.pollNotification} (reuse one object). */
export class NetworkNotification {
  /** What happened (0 before the first fill). */
  kind = 0;
  /** Host concerned. */
  host = -1;
  /** NIC index within the host (−1 for host-wide changes). */
  nic = -1;
  /** When, ns. */
  timeNs = 0;
}

const EVENT_TX_DONE = 1;
const EVENT_ARRIVE = 2;
const EVENT_UNCLOG = 3;

const NS_PER_SECOND = 1_000_000_000;
const NS_PER_US = 1000;
/** Rebase a busy period before bits × 10^9 leaves the exact-integer range of doubles. */
const BUSY_SCALED_BITS_REBASE = 2 ** 52;
/** Extra event-queue room for clog-end events (one per clog call still pending). */
const UNCLOG_EVENTS_SLACK = 4096;

/** Link `l`'s fault streams are `1 + 2l` and `2 + 2l`. */
const STREAM_FIRST_LINK = 1;

/** Adds `amount` to `values[index]` (a counter). */
function add(values: Float64Array, index: number, amount: number): void {
  values[index] = (values[index] as number) + amount;
}

function optionInteger(value: number | undefined, fallback: number, min: number, max: number, name: string): number {
  const result = value ?? fallback;
  if (!Number.isSafeInteger(result) || result < min || result > max) {
    throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}], got ${result}`);
  }
  return result;
}

/**
 * Hosts, NICs, switches and links in integer-ns virtual time; see the module comment for the model.
 * Typical use: `new SimNetwork({ seed, hosts, fabric, createEndpoint })`, configure faults, schedule
 * scenario events with `at`, then loop `run(limitNs)` handling each returned scenario event, and
 * assert on endpoints, {@link SimNetwork.stats} and {@link SimNetwork.traceHash}.
 */
export class SimNetwork {
  /** The validated topology (numbering of NICs, links and nodes). */
  readonly topology: SimTopology;
  /** IP MTU, bytes. */
  readonly mtuBytes: number;
  /** IP + UDP header bytes per datagram. */
  readonly headerBytes: number;
  /** Framing bytes per datagram on the wire. */
  readonly framingBytes: number;
  /** Slot size: largest datagram an endpoint may write. */
  readonly datagramBytesMax: number;
  /** Datagram slots. */
  readonly slotsMax: number;
  /** Peer indices per NIC. */
  readonly peersMax: number;
  /** Cap of datagrams polled from one endpoint per instant. */
  readonly transmitsPerInstantMax: number;
  /** Cap of rounds per instant. */
  readonly roundsPerInstantMax: number;
  /** Utilisation bucket width, ns (0: not recorded). */
  readonly utilizationBucketNs: number;
  /** Utilisation buckets per link. */
  readonly utilizationBucketCount: number;

  private readonly createEndpoint: (address: EndpointAddress) => DatagramEndpoint;
  private readonly hostCount: number;
  private readonly nicCount: number;
  private readonly leafCount: number;
  private readonly spineCount: number;
  private readonly portCount: number;
  private readonly hashBytes: boolean;
  private readonly info: TransmitInfo;
  private readonly queue: EventQueue;
  private readonly scenarioQueue: EventQueue;
  private readonly timers: DeadlineHeap;
  private readonly trace: SimTrace;
  /** Fault parameters, Gilbert–Elliott states and draws of every link (ns). */
  private readonly faults: LinkFaultDraws;
  private readonly switchPrng: Prng;
  private readonly startNs: number;
  private tap: DatagramTap | null;
  private readonly tapped: TappedDatagram;

  private clockNs: number;
  private lastInstantNs: number;
  private instantNowUs: number;
  private instants: number;
  private roundCapHits: number;
  private hopEvents: number;
  private capDueNs: number;
  private lastScenarioKind: number;
  private lastScenarioArg: number;

  // Hosts and NICs.
  private readonly endpoints: (DatagramEndpoint | null)[];
  private readonly hostCrashed: Uint8Array;
  private readonly hostIncarnation: Int32Array;
  private readonly nicFailed: Uint8Array;
  private readonly nicBlocked: Uint8Array;
  private readonly nicDirty: Uint8Array;
  private readonly dirtyList: Int32Array;
  private dirtyCount: number;
  private readonly nicDeferred: Uint8Array;
  private readonly deferredList: Int32Array;
  private deferredCount: number;
  private readonly nicSentInstant: Float64Array;
  private readonly nicSentCount: Int32Array;
  /** The µs of each endpoint's last `handleTimeout` (−1: none yet). */
  private readonly nicTimedUs: Float64Array;
  private readonly nicPollBytesMax: number;
  private readonly blocked: Uint8Array;

  // Peer tables.
  private readonly peerAddress: Int32Array;
  private readonly peerOfAddress: Int32Array;

  // Ports.
  private readonly portNextNode: Int32Array;
  private readonly portPropagationNs: Float64Array;
  private readonly portBaseRate: Float64Array;
  private readonly portRate: Float64Array;
  private readonly portClogFactor: Float64Array;
  private readonly portClogUntilNs: Float64Array;
  private readonly portBufferBytesMax: Float64Array;
  private readonly portQueuedBytes: Float64Array;
  private readonly portQueuedDatagrams: Int32Array;
  private readonly portClassHead: Int32Array;
  private readonly portClassTail: Int32Array;
  private readonly portClassBytes: Float64Array;
  private readonly portClassMask: Int32Array;
  private readonly portTxSlot: Int32Array;
  private readonly portFreeAtNs: Float64Array;
  private readonly portBusyStartNs: Float64Array;
  private readonly portBusyBits: Float64Array;

  // Link faults.
  private readonly linkDown: Uint8Array;
  /** Whether a link has any fault that draws (a copy of `faults.isFaulty`, read on every departure). */
  private readonly linkFaulty: Uint8Array;

  // Datagram slots.
  private readonly arena: Uint8Array;
  /** The arena as int32 words, for hashing. */
  private readonly arenaWords: Int32Array;
  private readonly scratchWords: Int32Array;
  private readonly slotViews: Uint8Array[];
  private readonly scratch: Uint8Array;
  private readonly slotLength: Int32Array;
  private readonly slotWireBytes: Int32Array;
  private readonly slotSrc: Int32Array;
  private readonly slotDst: Int32Array;
  private readonly slotClass: Uint8Array;
  private readonly slotPort: Int32Array;
  private readonly slotNext: Int32Array;
  private readonly slotHash: Uint32Array;
  private readonly slotId: Float64Array;
  private freeHead: number;
  private slotsInUse: number;
  private slotsPeak: number;
  private nextDatagramId: number;

  // Statistics.
  private readonly linkStatValues: Float64Array;
  private readonly classStatValues: Float64Array;
  private readonly nicStatValues: Float64Array;
  private readonly utilizationBusyNs: Float64Array;

  // Notifications.
  private readonly notificationsMax: number;
  private readonly notificationKind: Uint8Array;
  private readonly notificationHost: Int32Array;
  private readonly notificationNic: Int32Array;
  private readonly notificationTimeNs: Float64Array;
  private notificationHead: number;
  private notificationCount: number;
  private notificationsDropped: number;

  constructor(options: SimNetworkOptions) {
    const topology = new SimTopology(options.hosts, options.fabric ?? { kind: 'switch' });
    this.topology = topology;
    const hostCount = topology.hostCount;
    const nicCount = topology.nicCount;
    const portCount = topology.portCount;
    this.hostCount = hostCount;
    this.nicCount = nicCount;
    this.leafCount = topology.leafCount;
    this.spineCount = topology.spineCount;
    this.portCount = portCount;
    if (typeof options.createEndpoint !== 'function') {
      throw new InvalidArgumentError('createEndpoint must be a function returning a DatagramEndpoint');
    }
    this.createEndpoint = options.createEndpoint;

    const startNs = optionInteger(options.startNs, 0, 0, Number.MAX_SAFE_INTEGER, 'startNs');
    this.startNs = startNs;
    this.headerBytes = optionInteger(options.headerBytes, HEADER_BYTES_DEFAULT, 0, 1 << 16, 'headerBytes');
    this.framingBytes = optionInteger(options.framingBytes, FRAMING_BYTES_DEFAULT, 0, 1 << 16, 'framingBytes');
    this.mtuBytes = optionInteger(options.mtuBytes, MTU_BYTES_DEFAULT, this.headerBytes + 1, 1 << 20, 'mtuBytes');
    this.datagramBytesMax = optionInteger(
      options.datagramBytesMax,
      SIM_DATAGRAM_BYTES_MAX_DEFAULT,
      1,
      1 << 20,
      'datagramBytesMax',
    );
    this.slotsMax = optionInteger(options.slotsMax, SIM_SLOTS_MAX_DEFAULT, 1, SIM_SLOTS_LIMIT, 'slotsMax');
    if (this.slotsMax * this.datagramBytesMax > SIM_ARENA_BYTES_LIMIT) {
      throw new InvalidArgumentError(
        `slotsMax × datagramBytesMax must not exceed 2^31 bytes, got ${this.slotsMax} × ${this.datagramBytesMax}; lower one of them`,
      );
    }
    const wireBytesMax = this.datagramBytesMax + this.headerBytes + this.framingBytes;
    const switchBufferBytes = optionInteger(
      options.switchBufferBytes,
      SWITCH_BUFFER_BYTES_DEFAULT,
      0,
      2 ** 40,
      'switchBufferBytes',
    );
    const nicQueueBytes = optionInteger(
      options.nicQueueBytes,
      Math.max(NIC_QUEUE_BYTES_DEFAULT, wireBytesMax),
      wireBytesMax,
      2 ** 40,
      'nicQueueBytes (at least datagramBytesMax + headerBytes + framingBytes)',
    );
    // An endpoint is polled only while one more largest datagram fits: the NIC queue never tail-drops.
    this.nicPollBytesMax = nicQueueBytes - wireBytesMax;
    this.peersMax = optionInteger(options.peersMax, hostCount, 1, 1 << 16, 'peersMax');
    this.transmitsPerInstantMax = optionInteger(
      options.transmitsPerInstantMax,
      SIM_TRANSMITS_PER_INSTANT_DEFAULT,
      1,
      2 ** 30,
      'transmitsPerInstantMax',
    );
    this.roundsPerInstantMax = optionInteger(
      options.roundsPerInstantMax,
      SIM_ROUNDS_PER_INSTANT_DEFAULT,
      1,
      2 ** 30,
      'roundsPerInstantMax',
    );
    this.hashBytes = options.hashBytes ?? true;
    this.tap = options.tap ?? null;
    this.tapped = new TappedDatagram();
    this.info = new TransmitInfo();
    this.queue = new EventQueue(this.slotsMax + portCount + UNCLOG_EVENTS_SLACK);
    this.scenarioQueue = new EventQueue(
      optionInteger(options.scenarioEventsMax, SCENARIO_EVENTS_MAX_DEFAULT, 1, 2 ** 24, 'scenarioEventsMax'),
    );
    this.timers = new DeadlineHeap(nicCount);
    this.trace = new SimTrace(optionInteger(options.traceCapacity, 0, 0, 2 ** 24, 'traceCapacity'));

    const seed = options.seed;
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new InvalidArgumentError(`seed must be a safe non-negative integer, got ${seed}`);
    }
    // Streams 1 + 2·link and 2 + 2·link: one pair per link.
    this.faults = new LinkFaultDraws({ linkCount: portCount, seed, firstStream: STREAM_FIRST_LINK });
    const switchStates = new Uint32Array(this.leafCount * PRNG_STATE_WORDS);
    for (let leaf = 0; leaf < this.leafCount; leaf++) {
      // Streams after every link's pair: one per leaf (its ECMP spraying).
      seedPrngState(switchStates, leaf, seed, 1 + 2 * portCount + leaf);
    }
    this.switchPrng = new Prng(switchStates);

    this.clockNs = startNs;
    this.lastInstantNs = startNs - 1;
    this.instantNowUs = Math.floor(startNs / NS_PER_US);
    this.instants = 0;
    this.roundCapHits = 0;
    this.hopEvents = 0;
    this.capDueNs = Number.POSITIVE_INFINITY;
    this.lastScenarioKind = RUN_LIMIT_REACHED;
    this.lastScenarioArg = 0;

    this.endpoints = new Array<DatagramEndpoint | null>(nicCount).fill(null);
    this.hostCrashed = new Uint8Array(hostCount);
    this.hostIncarnation = new Int32Array(hostCount);
    this.nicFailed = new Uint8Array(nicCount);
    this.nicBlocked = new Uint8Array(nicCount);
    this.nicDirty = new Uint8Array(nicCount);
    this.dirtyList = new Int32Array(nicCount);
    this.dirtyCount = 0;
    this.nicDeferred = new Uint8Array(nicCount);
    this.deferredList = new Int32Array(nicCount);
    this.deferredCount = 0;
    this.nicSentInstant = new Float64Array(nicCount).fill(-1);
    this.nicSentCount = new Int32Array(nicCount);
    this.nicTimedUs = new Float64Array(nicCount).fill(-1);
    this.blocked = new Uint8Array(hostCount * hostCount);

    this.peerAddress = new Int32Array(nicCount * this.peersMax).fill(-1);
    this.peerOfAddress = new Int32Array(nicCount * nicCount).fill(-1);
    const peerTable = options.peerTable ?? 'by-host';
    if (peerTable !== 'by-host' && peerTable !== 'empty') {
      throw new InvalidArgumentError(`peerTable must be 'by-host' or 'empty', got ${String(peerTable)}`);
    }

    this.portNextNode = topology.portNextNode;
    this.portPropagationNs = topology.portPropagationDelayNs;
    this.portBaseRate = topology.portRateBitsPerSecond;
    this.portRate = Float64Array.from(topology.portRateBitsPerSecond);
    this.portClogFactor = new Float64Array(portCount).fill(1);
    this.portClogUntilNs = new Float64Array(portCount);
    this.portBufferBytesMax = new Float64Array(portCount);
    for (let port = 0; port < portCount; port++) {
      this.portBufferBytesMax[port] = port < nicCount ? nicQueueBytes : switchBufferBytes;
    }
    this.portQueuedBytes = new Float64Array(portCount);
    this.portQueuedDatagrams = new Int32Array(portCount);
    this.portClassHead = new Int32Array(portCount * PRIORITY_CLASSES).fill(-1);
    this.portClassTail = new Int32Array(portCount * PRIORITY_CLASSES).fill(-1);
    this.portClassBytes = new Float64Array(portCount * PRIORITY_CLASSES);
    this.portClassMask = new Int32Array(portCount);
    this.portTxSlot = new Int32Array(portCount).fill(-1);
    this.portFreeAtNs = new Float64Array(portCount).fill(-1);
    this.portBusyStartNs = new Float64Array(portCount);
    this.portBusyBits = new Float64Array(portCount);

    this.linkDown = new Uint8Array(portCount);
    this.linkFaulty = new Uint8Array(portCount);

    const slots = this.slotsMax;
    const slotBytes = this.datagramBytesMax;
    // One zero-filled arena: the OS commits its pages only when datagrams touch them.
    this.arena = new Uint8Array(slots * slotBytes);
    this.slotViews = new Array<Uint8Array>(slots);
    for (let slot = 0; slot < slots; slot++) {
      this.slotViews[slot] = this.arena.subarray(slot * slotBytes, (slot + 1) * slotBytes);
    }
    this.scratch = new Uint8Array(slotBytes);
    this.arenaWords = new Int32Array(this.arena.buffer, 0, this.arena.length >>> 2);
    this.scratchWords = new Int32Array(this.scratch.buffer, 0, slotBytes >>> 2);
    this.slotLength = new Int32Array(slots);
    this.slotWireBytes = new Int32Array(slots);
    this.slotSrc = new Int32Array(slots);
    this.slotDst = new Int32Array(slots);
    this.slotClass = new Uint8Array(slots);
    this.slotPort = new Int32Array(slots);
    this.slotNext = new Int32Array(slots);
    for (let slot = 0; slot < slots; slot++) this.slotNext[slot] = slot + 1 < slots ? slot + 1 : -1;
    this.slotHash = new Uint32Array(slots);
    this.slotId = new Float64Array(slots);
    this.freeHead = 0;
    this.slotsInUse = 0;
    this.slotsPeak = 0;
    this.nextDatagramId = 0;

    this.linkStatValues = new Float64Array(portCount * LINK_STAT_COUNT);
    this.classStatValues = new Float64Array(portCount * PRIORITY_CLASSES * CLASS_STAT_COUNT);
    this.nicStatValues = new Float64Array(nicCount * NIC_STAT_COUNT);
    const utilization = options.utilization;
    this.utilizationBucketNs =
      utilization === undefined
        ? 0
        : optionInteger(utilization.bucketNs, 0, 1, Number.MAX_SAFE_INTEGER, 'utilization.bucketNs');
    this.utilizationBucketCount =
      utilization === undefined ? 0 : optionInteger(utilization.bucketCount, 0, 1, 2 ** 24, 'utilization.bucketCount');
    if (portCount * this.utilizationBucketCount > 2 ** 27) {
      throw new InvalidArgumentError(
        `utilization buckets × links must not exceed 2^27, got ${this.utilizationBucketCount} × ${portCount}; use wider buckets`,
      );
    }
    this.utilizationBusyNs = new Float64Array(portCount * this.utilizationBucketCount);

    this.notificationsMax = optionInteger(
      options.notificationsMax,
      NOTIFICATIONS_MAX_DEFAULT,
      1,
      2 ** 20,
      'notificationsMax',
    );
    this.notificationKind = new Uint8Array(this.notificationsMax);
    this.notificationHost = new Int32Array(this.notificationsMax);
    this.notificationNic = new Int32Array(this.notificationsMax);
    this.notificationTimeNs = new Float64Array(this.notificationsMax);
    this.notificationHead = 0;
    this.notificationCount = 0;
    this.notificationsDropped = 0;

    const initialFaults: LinkFaults =
      options.linkFaults === undefined ? NO_LINK_FAULTS : { ...NO_LINK_FAULTS, ...options.linkFaults };
    for (let link = 0; link < portCount; link++) this.applyLinkFaults(link, initialFaults);

    if (peerTable === 'by-host') {
      for (let nic = 0; nic < nicCount; nic++) {
        const local = topology.nicLocal[nic] as number;
        const peers = Math.min(this.peersMax, hostCount);
        for (let p = 0; p < peers; p++) {
          const first = topology.hostFirstNic[p] as number;
          const nics = (topology.hostFirstNic[p + 1] as number) - first;
          this.setPeerEntry(nic, p, first + (local % nics));
        }
      }
    }
    for (let nic = 0; nic < nicCount; nic++) {
      this.endpoints[nic] = this.createEndpoint({
        host: topology.nicHost[nic] as number,
        nic: topology.nicLocal[nic] as number,
        incarnation: 0,
      });
      this.markDirty(nic); // everyone is polled once at the start
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Getters

  /** Current virtual time, ns. */
  get nowNs(): number {
    return this.clockNs;
  }

  /** Current virtual time as endpoints see it: `floor(nowNs / 1000)` µs. */
  get nowUs(): number {
    return Math.floor(this.clockNs / NS_PER_US);
  }

  /** Argument of the scenario event {@link SimNetwork.run} last returned. */
  get eventArg(): number {
    return this.lastScenarioArg;
  }

  /** Kind of the scenario event {@link SimNetwork.run} last returned ({@link RUN_LIMIT_REACHED} if none). */
  get eventKind(): number {
    return this.lastScenarioKind;
  }

  /** Datagrams queued in ports or in flight on links. */
  get inFlightDatagrams(): number {
    return this.slotsInUse;
  }

  /** Number of NICs (addresses). */
  get nicTotal(): number {
    return this.nicCount;
  }

  /** Number of links (= ports). */
  get linkTotal(): number {
    return this.portCount;
  }

  /** Scenario events scheduled and not yet returned by `run`. */
  get scenarioEventsPending(): number {
    return this.scenarioQueue.size;
  }

  /** Notifications waiting for {@link SimNetwork.pollNotification}. */
  get notificationsPending(): number {
    return this.notificationCount;
  }

  /** Notifications dropped because the ring was full. */
  get notificationsDroppedTotal(): number {
    return this.notificationsDropped;
  }

  /** The NIC id (address) of NIC `nic` of host `host`. */
  nicId(host: number, nic: number): number {
    this.checkHost(host);
    const first = this.topology.hostFirstNic[host] as number;
    const count = (this.topology.hostFirstNic[host + 1] as number) - first;
    if (!Number.isInteger(nic) || nic < 0 || nic >= count) {
      throw new InvalidArgumentError(`host ${host} has NICs 0..${count - 1}, got NIC ${nic}`);
    }
    return first + nic;
  }

  /** Number of NICs of host `host`. */
  nicsOf(host: number): number {
    this.checkHost(host);
    return (this.topology.hostFirstNic[host + 1] as number) - (this.topology.hostFirstNic[host] as number);
  }

  /** The endpoint of NIC `(host, nic)`, or null while its host is crashed. */
  endpoint(host: number, nic: number): DatagramEndpoint | null {
    return this.endpoints[this.nicId(host, nic)] as DatagramEndpoint | null;
  }

  /** Whether host `host` is crashed. */
  isHostCrashed(host: number): boolean {
    this.checkHost(host);
    return this.hostCrashed[host] === 1;
  }

  /** Restarts of host `host` so far. */
  incarnationOf(host: number): number {
    this.checkHost(host);
    return this.hostIncarnation[host] as number;
  }

  /** Whether NIC `(host, nic)` is failed. */
  isNicFailed(host: number, nic: number): boolean {
    return this.nicFailed[this.nicId(host, nic)] === 1;
  }

  /** The link from NIC `(host, nic)` to its switch. */
  nicUplink(host: number, nic: number): number {
    return this.nicId(host, nic);
  }

  /** The link from the switch to NIC `(host, nic)`. */
  nicDownlink(host: number, nic: number): number {
    return this.nicCount + this.nicId(host, nic);
  }

  /** The link leaf → spine of a leaf–spine fabric. */
  fabricUplink(options: { readonly leaf: number; readonly spine: number }): number {
    this.checkFabric(options.leaf, options.spine);
    return this.topology.leafUplink(options.leaf, options.spine);
  }

  /** The link spine → leaf of a leaf–spine fabric. */
  fabricDownlink(options: { readonly spine: number; readonly leaf: number }): number {
    this.checkFabric(options.leaf, options.spine);
    return this.topology.spineDownlink(options.spine, options.leaf);
  }

  /** A readable name of `link`, e.g. `leaf0->h3.n1`. */
  linkName(link: number): string {
    this.checkLink(link);
    return this.topology.linkName(link);
  }

  /** The address `{ host, nic }` peer index `peer` of NIC `(host, nic)` maps to, or null. */
  peerAddressOf(host: number, nic: number, peer: number): { host: number; nic: number } | null {
    const id = this.nicId(host, nic);
    this.checkPeer(peer);
    const address = this.peerAddress[id * this.peersMax + peer] as number;
    if (address < 0) return null;
    return { host: this.topology.nicHost[address] as number, nic: this.topology.nicLocal[address] as number };
  }

  /** The current faults of `link`. */
  linkFaults(link: number): LinkFaults {
    this.checkLink(link);
    const faults = this.faults.parameters(link);
    return {
      down: this.linkDown[link] === 1,
      lossProbability: faults.lossProbability,
      burstLoss: faults.burstLoss,
      duplicateProbability: faults.duplicateProbability,
      reorderProbability: faults.reorderProbability,
      reorderDelayNs: faults.reorderDelay,
      jitter: faults.jitter,
      jitterNs: faults.jitterScale,
      corruptProbability: faults.corruptProbability,
    };
  }

  /** The current rate of `link`, bits/s (its configured rate divided by an active clog factor). */
  linkRateBitsPerSecond(link: number): number {
    this.checkLink(link);
    return this.portRate[link] as number;
  }

  /** The buffer bound of `link`'s port, bytes (a NIC's transmit queue bound for NIC uplinks). */
  linkBufferBytes(link: number): number {
    this.checkLink(link);
    return this.portBufferBytesMax[link] as number;
  }

  /** Counters of `link` and its port. */
  linkStats(link: number): LinkStats {
    this.checkLink(link);
    return linkStatsAt(
      this.topology.linkName(link),
      this.linkStatValues,
      link * LINK_STAT_COUNT,
      this.portQueuedBytes[link] as number,
      this.classStatValues,
      link * PRIORITY_CLASSES * CLASS_STAT_COUNT,
    );
  }

  /** Counters of NIC `(host, nic)`. */
  nicStats(host: number, nic: number): NicStats {
    return nicStatsAt(this.nicStatValues, this.nicId(host, nic) * NIC_STAT_COUNT);
  }

  /** Totals of host `host` over its NICs. */
  hostStats(host: number): HostStats {
    this.checkHost(host);
    let sentDatagrams = 0;
    let sentBytes = 0;
    let deliveredDatagrams = 0;
    let deliveredBytes = 0;
    const end = this.topology.hostFirstNic[host + 1] as number;
    for (let nic = this.topology.hostFirstNic[host] as number; nic < end; nic++) {
      const base = nic * NIC_STAT_COUNT;
      sentDatagrams += this.nicStatValues[base + N_SENT_DATAGRAMS] as number;
      sentBytes += this.nicStatValues[base + N_SENT_BYTES] as number;
      deliveredDatagrams += this.nicStatValues[base + N_DELIVERED_DATAGRAMS] as number;
      deliveredBytes += this.nicStatValues[base + N_DELIVERED_BYTES] as number;
    }
    return {
      sentDatagrams,
      sentBytes,
      deliveredDatagrams,
      deliveredBytes,
      incarnation: this.hostIncarnation[host] as number,
    };
  }

  /** Network-wide totals. */
  stats(): SimNetworkStats {
    const links = new Float64Array(LINK_STAT_COUNT);
    const classes = new Float64Array(PRIORITY_CLASSES * CLASS_STAT_COUNT);
    let queueBytes = 0;
    for (let link = 0; link < this.portCount; link++) {
      for (let k = 0; k < LINK_STAT_COUNT; k++) {
        const value = this.linkStatValues[link * LINK_STAT_COUNT + k] as number;
        links[k] = isPeakLinkStat(k) ? Math.max(links[k] as number, value) : (links[k] as number) + value;
      }
      const base = link * PRIORITY_CLASSES * CLASS_STAT_COUNT;
      for (let k = 0; k < PRIORITY_CLASSES * CLASS_STAT_COUNT; k++) {
        const value = this.classStatValues[base + k] as number;
        classes[k] =
          k % CLASS_STAT_COUNT === C_QUEUE_BYTES_PEAK
            ? Math.max(classes[k] as number, value)
            : (classes[k] as number) + value;
      }
      queueBytes += this.portQueuedBytes[link] as number;
    }
    const nics = new Float64Array(NIC_STAT_COUNT);
    for (let nic = 0; nic < this.nicCount; nic++) {
      for (let k = 0; k < NIC_STAT_COUNT; k++) {
        nics[k] = (nics[k] as number) + (this.nicStatValues[nic * NIC_STAT_COUNT + k] as number);
      }
    }
    return {
      nics: nicStatsAt(nics, 0),
      links: linkStatsAt('all', links, 0, queueBytes, classes, 0),
      instants: this.instants,
      roundCapHits: this.roundCapHits,
      inFlightDatagrams: this.slotsInUse,
      slotsPeak: this.slotsPeak,
      hopEvents: this.hopEvents,
    };
  }

  /**
   * The utilisation of `link` per bucket (busy fraction in [0, 1]; bucket `i` covers
   * `[startNs + i·bucketNs, startNs + (i+1)·bucketNs)`). Empty when not recorded. Allocates.
   */
  linkUtilization(link: number): Float64Array {
    this.checkLink(link);
    const count = this.utilizationBucketCount;
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      out[i] = (this.utilizationBusyNs[link * count + i] as number) / this.utilizationBucketNs;
    }
    return out;
  }

  /** The running FNV-1a 32 hash of every event so far: equal for equal runs. */
  traceHash(): number {
    return this.trace.hash;
  }

  /** Events recorded since the start. */
  get traceTotal(): number {
    return this.trace.total;
  }

  /** The retained trace events, oldest first (allocates). */
  traceEntries(): SimTraceEntry[] {
    return this.trace.entries();
  }

  /**
   * Time of the next instant the network would process: `nowNs` when an endpoint was woken or
   * restarted, else the earliest link event, endpoint deadline or deferred poll (never an instant
   * already processed); Infinity when nothing is pending. Scenario events are not included.
   */
  nextInstantNs(): number {
    if (this.dirtyCount > 0) return this.clockNs;
    let next = this.queue.peekTimeUs();
    const timer = this.timers.peekDeadline();
    if (timer < next) next = timer;
    if (this.capDueNs < next) next = this.capDueNs;
    if (next <= this.lastInstantNs) next = this.lastInstantNs + 1;
    if (next < this.clockNs) next = this.clockNs;
    return next;
  }

  // ---------------------------------------------------------------------------------------------
  // Scenario agenda and notifications

  /**
   * Schedules scenario event (`kind`, `arg`) at `timeNs` (a safe integer ≥ `nowNs`); `kind` is an
   * integer in [0, 2^31), `arg` an int32, both meaningful to the scenario only. Events at equal
   * times come out in scheduling order. Throws {@link BackpressureError} when the agenda is full.
   */
  at(timeNs: number, kind: number, arg = 0): void {
    if (!Number.isSafeInteger(timeNs) || timeNs < this.clockNs) {
      throw new InvalidArgumentError(`at: time must be a safe integer >= nowNs (${this.clockNs}), got ${timeNs}`);
    }
    if (!Number.isInteger(kind) || kind < 0 || kind > 0x7fffffff) {
      throw new InvalidArgumentError(`at: kind must be an integer in [0, 2^31), got ${kind}`);
    }
    if (!Number.isInteger(arg) || arg < -0x80000000 || arg > 0x7fffffff) {
      throw new InvalidArgumentError(`at: arg must be an int32, got ${arg}`);
    }
    if (!this.scenarioQueue.push(timeNs, kind, arg)) {
      throw new BackpressureError(
        'scenarioEventsMax',
        this.scenarioQueue.capacity,
        `the scenario agenda holds ${this.scenarioQueue.capacity} events; raise scenarioEventsMax or schedule fewer ahead`,
      );
    }
  }

  /**
   * Takes the oldest notification into `out`; returns false (leaving `out` alone) when there is none.
   */
  pollNotification(out: NetworkNotification): boolean {
    if (this.notificationCount === 0) return false;
    const i = this.notificationHead;
    out.kind = this.notificationKind[i] as number;
    out.host = this.notificationHost[i] as number;
    out.nic = this.notificationNic[i] as number;
    out.timeNs = this.notificationTimeNs[i] as number;
    this.notificationHead = (i + 1) % this.notificationsMax;
    this.notificationCount--;
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Driving

  /**
   * Runs the network up to `limitNs` (a safe integer ≥ `nowNs`). Returns the kind of the first
   * scenario event due at or before `limitNs` — with the clock at its time, before the network's
   * own work at that time; read its argument from {@link SimNetwork.eventArg} — or
   * {@link RUN_LIMIT_REACHED} with the clock at `limitNs` when none is.
   */
  run(limitNs: number): number {
    if (!Number.isSafeInteger(limitNs) || limitNs < this.clockNs) {
      throw new InvalidArgumentError(`run: limit must be a safe integer >= nowNs (${this.clockNs}), got ${limitNs}`);
    }
    const scenario = this.scenarioQueue;
    for (;;) {
      const next = this.nextInstantNs();
      const scenarioAt = scenario.peekTimeUs();
      if (scenarioAt <= limitNs && scenarioAt <= next) {
        const kind = scenario.peekKind();
        const arg = scenario.peekTarget();
        scenario.pop();
        if (scenarioAt > this.clockNs) this.clockNs = scenarioAt;
        this.lastScenarioKind = kind;
        this.lastScenarioArg = arg;
        this.trace.record(SimTraceKind.ScenarioEvent, this.clockNs, kind, arg, 0, 0, -1, -1);
        return kind;
      }
      if (next > limitNs) {
        this.clockNs = limitNs;
        this.lastScenarioKind = RUN_LIMIT_REACHED;
        return RUN_LIMIT_REACHED;
      }
      this.processInstant(next);
    }
  }

  /** Processes the next network instant (ignoring scenario events). Returns false when nothing is pending. */
  step(): boolean {
    const next = this.nextInstantNs();
    if (next === Number.POSITIVE_INFINITY) return false;
    this.processInstant(next);
    return true;
  }

  /** Installs (or, with null, removes) the datagram tap. */
  setTap(tap: DatagramTap | null): void {
    this.tap = tap;
  }

  /** The doorbell: NIC `(host, nic)`'s endpoint got new work; poll it at the current time. */
  wake(host: number, nic: number): void {
    const id = this.nicId(host, nic);
    this.trace.record(SimTraceKind.Wake, this.clockNs, -1, -1, 0, 0, id, -1);
    if (this.endpoints[id] !== null) this.markDirty(id);
  }

  /** Rings every live endpoint's doorbell. */
  wakeAll(): void {
    this.trace.record(SimTraceKind.Wake, this.clockNs, -1, -1, 0, 0, -1, -1);
    for (let nic = 0; nic < this.nicCount; nic++) if (this.endpoints[nic] !== null) this.markDirty(nic);
  }

  // ---------------------------------------------------------------------------------------------
  // Faults and topology changes

  /** Changes some faults of `link`. */
  setLinkFaults(link: number, update: LinkFaultsUpdate): void {
    this.checkLink(link);
    this.applyLinkFaults(link, { ...this.linkFaults(link), ...update });
    this.trace.record(SimTraceKind.LinkChange, this.clockNs, -1, -1, 0, 0, link, -1);
  }

  /** Changes some faults of every link. */
  setAllLinkFaults(update: LinkFaultsUpdate): void {
    // Validate once before touching anything, so a bad update changes no link.
    validateLinkFaults({ ...NO_LINK_FAULTS, ...update });
    for (let link = 0; link < this.portCount; link++) {
      this.applyLinkFaults(link, { ...this.linkFaults(link), ...update });
    }
    this.trace.record(SimTraceKind.LinkChange, this.clockNs, -1, -1, 0, 0, -1, -1);
  }

  /**
   * Clogs `link`: its rate is divided by `factor` (≥ 1) for `durationNs` ns (a positive safe
   * integer, or Infinity until {@link SimNetwork.unclogLink}). The new rate applies from the next
   * datagram to start serializing. A later clog replaces an earlier one.
   */
  clogLink(link: number, options: { readonly factor: number; readonly durationNs: number }): void {
    this.checkLink(link);
    const { factor, durationNs } = options;
    if (!(factor >= 1 && factor <= 2 ** 32)) {
      throw new InvalidArgumentError(`clog factor must be a number in [1, 2^32], got ${factor}`);
    }
    const infinite = durationNs === Number.POSITIVE_INFINITY;
    if (!infinite && (!Number.isSafeInteger(durationNs) || durationNs < 1)) {
      throw new InvalidArgumentError(`clog durationNs must be a positive safe integer or Infinity, got ${durationNs}`);
    }
    const untilNs = infinite ? Number.POSITIVE_INFINITY : this.clockNs + durationNs;
    if (!infinite && !this.queue.push(untilNs, EVENT_UNCLOG, link)) {
      throw new BackpressureError(
        'clogEvents',
        UNCLOG_EVENTS_SLACK,
        'too many clog periods pending at once; wait for some to end before clogging more links',
      );
    }
    this.portClogUntilNs[link] = untilNs;
    this.setPortRate(link, factor);
  }

  /** Restores the configured rate of `link` (ends a clog early). */
  unclogLink(link: number): void {
    this.checkLink(link);
    this.portClogUntilNs[link] = 0;
    this.setPortRate(link, 1);
  }

  /** Sets the buffer bound of switch port `link`, bytes (NIC transmit queues are sized by `nicQueueBytes`). */
  setBufferBytes(link: number, bytesMax: number): void {
    this.checkLink(link);
    if (link < this.nicCount) {
      throw new InvalidArgumentError('a NIC transmit queue is sized by the nicQueueBytes option, not per link');
    }
    if (!Number.isSafeInteger(bytesMax) || bytesMax < 0 || bytesMax > 2 ** 40) {
      throw new InvalidArgumentError(`buffer bytes must be an integer in [0, 2^40], got ${bytesMax}`);
    }
    this.portBufferBytesMax[link] = bytesMax;
  }

  /** Cuts both directions between hosts `a` and `b` (≠ a). */
  partition(a: number, b: number): void {
    this.setBlocked(a, b, 1);
    this.setBlocked(b, a, 1);
  }

  /** Cuts only `fromHost → toHost` (an asymmetric partition). */
  partitionOneWay(options: { readonly fromHost: number; readonly toHost: number }): void {
    this.setBlocked(options.fromHost, options.toHost, 1);
  }

  /** Restores both directions between hosts `a` and `b`. */
  heal(a: number, b: number): void {
    this.setBlocked(a, b, 0);
    this.setBlocked(b, a, 0);
  }

  /** Restores only `fromHost → toHost`. */
  healOneWay(options: { readonly fromHost: number; readonly toHost: number }): void {
    this.setBlocked(options.fromHost, options.toHost, 0);
  }

  /** Cuts every host pair involving `host`. */
  isolateHost(host: number): void {
    this.checkHost(host);
    for (let other = 0; other < this.hostCount; other++) if (other !== host) this.partition(host, other);
  }

  /** Heals every partition. */
  healAll(): void {
    this.blocked.fill(0);
    this.trace.record(SimTraceKind.PartitionChange, this.clockNs, -1, -1, 0, 0, -1, -1);
  }

  /** Whether `fromHost → toHost` is partitioned. */
  isPartitioned(options: { readonly fromHost: number; readonly toHost: number }): boolean {
    this.checkHost(options.fromHost);
    this.checkHost(options.toHost);
    return this.blocked[options.fromHost * this.hostCount + options.toHost] === 1;
  }

  /**
   * Crashes `host`: its endpoints are dropped (all their state is lost), datagrams waiting in its
   * NIC queues are discarded (the one serializing still leaves), and datagrams arriving for it
   * are dropped until it restarts. Posts {@link NotificationKind.HostCrashed}.
   */
  crashHost(host: number): void {
    this.checkHost(host);
    if (this.hostCrashed[host] === 1) throw new InvalidArgumentError(`host ${host} is already crashed`);
    this.hostCrashed[host] = 1;
    this.trace.record(SimTraceKind.HostCrash, this.clockNs, host, -1, 0, 0, -1, -1);
    const end = this.topology.hostFirstNic[host + 1] as number;
    for (let nic = this.topology.hostFirstNic[host] as number; nic < end; nic++) {
      this.endpoints[nic] = null;
      this.timers.remove(nic);
      this.nicBlocked[nic] = 0;
      this.flushPort(nic);
    }
    this.notify(NotificationKind.HostCrashed, host, -1);
  }

  /**
   * Restarts `host` (crashing it first if it is up): every NIC gets a fresh endpoint from
   * `createEndpoint` with the next incarnation, polled at the current time. Peer tables and NIC
   * failures are network state and stay. Posts {@link NotificationKind.HostRestarted}.
   */
  restartHost(host: number): void {
    this.checkHost(host);
    if (this.hostCrashed[host] === 0) this.crashHost(host);
    const incarnation = (this.hostIncarnation[host] as number) + 1;
    this.hostIncarnation[host] = incarnation;
    this.hostCrashed[host] = 0;
    this.trace.record(SimTraceKind.HostRestart, this.clockNs, host, incarnation, 0, 0, -1, -1);
    const first = this.topology.hostFirstNic[host] as number;
    const end = this.topology.hostFirstNic[host + 1] as number;
    for (let nic = first; nic < end; nic++) {
      this.endpoints[nic] = this.createEndpoint({ host, nic: nic - first, incarnation });
      this.nicTimedUs[nic] = -1;
      this.markDirty(nic);
    }
    this.notify(NotificationKind.HostRestarted, host, -1);
  }

  /**
   * Fails NIC `(host, nic)`: everything it transmits is lost on its link and everything arriving
   * for it is dropped; its endpoint keeps running (its worker lives). Posts
   * {@link NotificationKind.NicFailed} so a router model can move its peers ({@link SimNetwork.remapPeers}).
   */
  failNic(host: number, nic: number): void {
    const id = this.nicId(host, nic);
    if (this.nicFailed[id] === 1) return;
    this.nicFailed[id] = 1;
    this.trace.record(SimTraceKind.NicFail, this.clockNs, id, -1, 0, 0, -1, -1);
    this.notify(NotificationKind.NicFailed, host, nic);
  }

  /** Recovers a failed NIC. Posts {@link NotificationKind.NicRecovered}. */
  recoverNic(host: number, nic: number): void {
    const id = this.nicId(host, nic);
    if (this.nicFailed[id] === 0) return;
    this.nicFailed[id] = 0;
    this.trace.record(SimTraceKind.NicRecover, this.clockNs, id, -1, 0, 0, -1, -1);
    this.notify(NotificationKind.NicRecovered, host, nic);
  }

  /** Maps peer index `peer` of NIC `(host, nic)` to NIC `(peerHost, peerNic)`. */
  setPeer(options: {
    readonly host: number;
    readonly nic: number;
    readonly peer: number;
    readonly peerHost: number;
    readonly peerNic: number;
  }): void {
    const id = this.nicId(options.host, options.nic);
    this.checkPeer(options.peer);
    const address = this.nicId(options.peerHost, options.peerNic);
    this.setPeerEntry(id, options.peer, address);
    this.trace.record(SimTraceKind.PeerChange, this.clockNs, id, address, options.peer, 0, -1, -1);
  }

  /** Unmaps peer index `peer` of NIC `(host, nic)`: datagrams to it are dropped as `droppedNoRoute`. */
  clearPeer(options: { readonly host: number; readonly nic: number; readonly peer: number }): void {
    const id = this.nicId(options.host, options.nic);
    this.checkPeer(options.peer);
    this.setPeerEntry(id, options.peer, -1);
    this.trace.record(SimTraceKind.PeerChange, this.clockNs, id, -1, options.peer, 0, -1, -1);
  }

  /**
   * Points every peer-table entry (of every NIC) that maps to NIC `(fromHost, fromNic)` at NIC
   * `(toHost, toNic)` instead: what a router does when a NIC fails. Returns the entries changed.
   */
  remapPeers(options: {
    readonly fromHost: number;
    readonly fromNic: number;
    readonly toHost: number;
    readonly toNic: number;
  }): number {
    const from = this.nicId(options.fromHost, options.fromNic);
    const to = this.nicId(options.toHost, options.toNic);
    let changed = 0;
    const peersMax = this.peersMax;
    for (let nic = 0; nic < this.nicCount; nic++) {
      for (let p = 0; p < peersMax; p++) {
        if (this.peerAddress[nic * peersMax + p] === from) {
          this.setPeerEntry(nic, p, to);
          this.trace.record(SimTraceKind.PeerChange, this.clockNs, nic, to, p, 0, -1, -1);
          changed++;
        }
      }
    }
    return changed;
  }

  // ---------------------------------------------------------------------------------------------
  // The instant

  private processInstant(t: number): void {
    assert(t >= this.clockNs && (t > this.lastInstantNs || this.dirtyCount > 0), 'instant in the past');
    this.clockNs = t;
    this.lastInstantNs = t;
    this.instantNowUs = Math.floor(t / NS_PER_US);
    this.instants++;
    if (this.capDueNs <= t) {
      this.capDueNs = Number.POSITIVE_INFINITY;
      for (let k = 0; k < this.deferredCount; k++) {
        const nic = this.deferredList[k] as number;
        this.nicDeferred[nic] = 0;
        if (this.endpoints[nic] !== null) this.markDirty(nic);
      }
      this.deferredCount = 0;
    }
    for (let round = 1; ; round++) {
      this.processDueEvents(t);
      this.fireTimers(t);
      this.pollDirty(t);
      if (this.queue.peekTimeUs() > t && this.timers.peekDeadline() > t) break;
      if (round === this.roundsPerInstantMax) {
        this.roundCapHits++;
        break;
      }
    }
  }

  private processDueEvents(t: number): void {
    const queue = this.queue;
    while (queue.peekTimeUs() <= t) {
      const kind = queue.peekKind();
      const target = queue.peekTarget();
      queue.pop();
      if (kind === EVENT_ARRIVE) this.arrive(target, t);
      else if (kind === EVENT_TX_DONE) this.transmitted(target, t);
      else this.clogEnded(target, t);
    }
  }

  private fireTimers(t: number): void {
    const timers = this.timers;
    const nowUs = this.instantNowUs;
    while (timers.peekDeadline() <= t) {
      const nic = timers.peekId();
      const endpoint = this.endpoints[nic];
      if (endpoint === null || endpoint === undefined) {
        timers.remove(nic);
        continue;
      }
      // The heap may be stale for endpoints that received datagrams this round: re-read first.
      const deadlineNs = this.deadlineNsOf(nic, endpoint);
      if (deadlineNs > t) {
        timers.set(nic, deadlineNs);
        continue;
      }
      timers.remove(nic);
      this.nicTimedUs[nic] = nowUs;
      add(this.nicStatValues, nic * NIC_STAT_COUNT + N_TIMEOUT_CALLS, 1);
      this.trace.record(SimTraceKind.Timeout, t, -1, -1, 0, 0, nic, -1);
      endpoint.handleTimeout(nowUs);
      this.markDirty(nic);
    }
  }

  private pollDirty(t: number): void {
    for (let k = 0; k < this.dirtyCount; k++) {
      const nic = this.dirtyList[k] as number;
      this.nicDirty[nic] = 0;
      this.pollNic(nic, t);
    }
    this.dirtyCount = 0;
  }

  private markDirty(nic: number): void {
    if (this.nicDirty[nic] === 1) return;
    this.nicDirty[nic] = 1;
    this.dirtyList[this.dirtyCount++] = nic;
  }

  /** The ns at which NIC `nic`'s endpoint is next due for `handleTimeout` (at most once per µs). */
  private deadlineNsOf(nic: number, endpoint: DatagramEndpoint): number {
    const timeoutUs = endpoint.pollTimeoutUs();
    if (Number.isNaN(timeoutUs)) {
      throw new InvalidArgumentError(`the endpoint of NIC ${nic} returned NaN from pollTimeoutUs`);
    }
    if (timeoutUs === Number.POSITIVE_INFINITY) return timeoutUs;
    const earliestUs = (this.nicTimedUs[nic] as number) + 1;
    const dueUs = Math.ceil(timeoutUs);
    return (dueUs < earliestUs ? earliestUs : dueUs) * NS_PER_US;
  }

  private pollNic(nic: number, t: number): void {
    const endpoint = this.endpoints[nic];
    if (endpoint === null || endpoint === undefined) return;
    const stats = this.nicStatValues;
    const statBase = nic * NIC_STAT_COUNT;
    const info = this.info;
    const cap = this.transmitsPerInstantMax;
    const nowUs = this.instantNowUs;
    let sent = this.nicSentInstant[nic] === this.instants ? (this.nicSentCount[nic] as number) : 0;
    if (sent >= cap) {
      // Already at the cap this instant (woken again by a timer or datagram): it is deferred to t + 1.
      this.timers.set(nic, this.deadlineNsOf(nic, endpoint));
      return;
    }
    add(stats, statBase + N_POLL_CALLS, 1);
    for (;;) {
      if ((this.portQueuedBytes[nic] as number) > this.nicPollBytesMax) {
        if (this.nicBlocked[nic] === 0) {
          this.nicBlocked[nic] = 1;
          add(stats, statBase + N_BACKPRESSURE_STALLS, 1);
        }
        break;
      }
      if (sent >= cap) {
        add(stats, statBase + N_TRANSMIT_CAP_HITS, 1);
        if (this.nicDeferred[nic] === 0) {
          this.nicDeferred[nic] = 1;
          this.deferredList[this.deferredCount++] = nic;
        }
        this.capDueNs = t + 1;
        break;
      }
      const slot = this.allocateSlot();
      const buffer = slot >= 0 ? (this.slotViews[slot] as Uint8Array) : this.scratch;
      info.peer = -1;
      info.priority = 0;
      const length = endpoint.pollTransmit(nowUs, buffer, 0, info);
      if (length === 0) {
        if (slot >= 0) this.releaseSlot(slot);
        break;
      }
      const peer = info.peer;
      const priority = info.priority;
      if (
        !Number.isInteger(length) ||
        length < 0 ||
        length > this.datagramBytesMax ||
        !Number.isInteger(peer) ||
        peer < 0 ||
        peer >= this.peersMax ||
        !Number.isInteger(priority) ||
        priority < 0 ||
        priority >= PRIORITY_CLASSES
      ) {
        if (slot >= 0) this.releaseSlot(slot);
        throw new InvalidArgumentError(
          `the endpoint of NIC ${nic} returned length ${length}, peer ${peer}, priority ${priority} from pollTransmit; ` +
            `need length in [0, ${this.datagramBytesMax}] (datagramBytesMax), peer in [0, ${this.peersMax}) (peersMax), priority in [0, 7]`,
        );
      }
      sent++;
      this.emit(nic, slot, length, peer, priority, t);
    }
    this.nicSentInstant[nic] = this.instants;
    this.nicSentCount[nic] = sent;
    this.timers.set(nic, this.deadlineNsOf(nic, endpoint));
  }

  // ---------------------------------------------------------------------------------------------
  // The life of a datagram

  private emit(nic: number, slot: number, length: number, peer: number, priority: number, t: number): void {
    const stats = this.nicStatValues;
    const statBase = nic * NIC_STAT_COUNT;
    const id = this.nextDatagramId++;
    add(stats, statBase + N_SENT_DATAGRAMS, 1);
    add(stats, statBase + N_SENT_BYTES, length);
    const dst = this.peerAddress[nic * this.peersMax + peer] as number;
    if (slot < 0) {
      const hash = this.hashBytes ? hashDatagram(this.scratch, this.scratchWords, 0, length) : 0;
      this.trace.record(SimTraceKind.Send, t, nic, dst, length, hash, nic, id);
      add(stats, statBase + N_DROPPED_NO_SLOT, 1);
      this.trace.record(SimTraceKind.DropNoSlot, t, nic, dst, length, hash, nic, id);
      return;
    }
    const hash = this.hashBytes ? hashDatagram(this.arena, this.arenaWords, slot * this.datagramBytesMax, length) : 0;
    this.slotLength[slot] = length;
    this.slotWireBytes[slot] = length + this.headerBytes + this.framingBytes;
    this.slotSrc[slot] = nic;
    this.slotDst[slot] = dst;
    this.slotClass[slot] = priority;
    this.slotPort[slot] = -1;
    this.slotHash[slot] = hash;
    this.slotId[slot] = id;
    if (this.slotsInUse > this.slotsPeak) this.slotsPeak = this.slotsInUse;
    this.trace.record(SimTraceKind.Send, t, nic, dst, length, hash, nic, id);
    if (length + this.headerBytes > this.mtuBytes) {
      add(stats, statBase + N_DROPPED_MTU, 1);
      this.dropSlot(slot, SimTraceKind.DropMtu, nic, t);
      return;
    }
    if (dst < 0) {
      add(stats, statBase + N_DROPPED_NO_ROUTE, 1);
      this.dropSlot(slot, SimTraceKind.DropNoRoute, nic, t);
      return;
    }
    this.enqueue(nic, slot, t);
  }

  /** Queues `slot` at `port` (tail drop at the buffer bound); starts serializing if the port is idle. */
  private enqueue(port: number, slot: number, t: number): void {
    const wire = this.slotWireBytes[slot] as number;
    const cls = this.slotClass[slot] as number;
    const queued = (this.portQueuedBytes[port] as number) + wire;
    const classAt = port * PRIORITY_CLASSES + cls;
    const classStatBase = classAt * CLASS_STAT_COUNT;
    if (queued > (this.portBufferBytesMax[port] as number)) {
      const length = this.slotLength[slot] as number;
      const linkBase = port * LINK_STAT_COUNT;
      add(this.linkStatValues, linkBase + L_DROPPED_QUEUE, 1);
      add(this.linkStatValues, linkBase + L_DROPPED_QUEUE_BYTES, length);
      add(this.classStatValues, classStatBase + C_DROPPED_QUEUE, 1);
      add(this.classStatValues, classStatBase + C_DROPPED_QUEUE_BYTES, length);
      this.dropSlot(slot, SimTraceKind.DropQueue, port, t);
      return;
    }
    this.portQueuedBytes[port] = queued;
    const datagrams = (this.portQueuedDatagrams[port] as number) + 1;
    this.portQueuedDatagrams[port] = datagrams;
    const classBytes = (this.portClassBytes[classAt] as number) + wire;
    this.portClassBytes[classAt] = classBytes;
    const linkBase = port * LINK_STAT_COUNT;
    if (queued > (this.linkStatValues[linkBase + L_QUEUE_BYTES_PEAK] as number)) {
      this.linkStatValues[linkBase + L_QUEUE_BYTES_PEAK] = queued;
    }
    if (datagrams > (this.linkStatValues[linkBase + L_QUEUE_DATAGRAMS_PEAK] as number)) {
      this.linkStatValues[linkBase + L_QUEUE_DATAGRAMS_PEAK] = datagrams;
    }
    if (classBytes > (this.classStatValues[classStatBase + C_QUEUE_BYTES_PEAK] as number)) {
      this.classStatValues[classStatBase + C_QUEUE_BYTES_PEAK] = classBytes;
    }
    this.slotNext[slot] = -1;
    const tail = this.portClassTail[classAt] as number;
    if (tail < 0) {
      this.portClassHead[classAt] = slot;
      this.portClassMask[port] = (this.portClassMask[port] as number) | (1 << cls);
    } else {
      this.slotNext[tail] = slot;
    }
    this.portClassTail[classAt] = slot;
    if ((this.portTxSlot[port] as number) < 0) this.startNext(port, t);
  }

  /** Starts serializing the head of the highest non-empty class of an idle `port` at `t`. */
  private startNext(port: number, t: number): void {
    const mask = this.portClassMask[port] as number;
    if (mask === 0) return;
    const cls = 31 - Math.clz32(mask & -mask);
    const classAt = port * PRIORITY_CLASSES + cls;
    const slot = this.portClassHead[classAt] as number;
    const next = this.slotNext[slot] as number;
    this.portClassHead[classAt] = next;
    if (next < 0) {
      this.portClassTail[classAt] = -1;
      this.portClassMask[port] = mask & ~(1 << cls);
    }
    this.portTxSlot[port] = slot;
    if (t > (this.portFreeAtNs[port] as number)) {
      // The port was idle: a new busy period starts now.
      this.portBusyStartNs[port] = t;
      this.portBusyBits[port] = 0;
    }
    const bits = (this.portBusyBits[port] as number) + 8 * (this.slotWireBytes[slot] as number);
    const scaled = bits * NS_PER_SECOND;
    const endNs = (this.portBusyStartNs[port] as number) + Math.ceil(scaled / (this.portRate[port] as number));
    if (scaled >= BUSY_SCALED_BITS_REBASE) {
      this.portBusyStartNs[port] = endNs;
      this.portBusyBits[port] = 0;
    } else {
      this.portBusyBits[port] = bits;
    }
    this.portFreeAtNs[port] = endNs;
    add(this.linkStatValues, port * LINK_STAT_COUNT + L_BUSY_NS, endNs - t);
    if (this.utilizationBucketCount > 0) this.recordBusy(port, t, endNs);
    const pushed = this.queue.push(endNs, EVENT_TX_DONE, port);
    assert(pushed, 'event queue smaller than slots plus ports');
  }

  /** `port` finished serializing its datagram at `t`. */
  private transmitted(port: number, t: number): void {
    this.hopEvents++;
    const slot = this.portTxSlot[port] as number;
    assert(slot >= 0, 'transmit done on an idle port');
    this.portTxSlot[port] = -1;
    const wire = this.slotWireBytes[slot] as number;
    const length = this.slotLength[slot] as number;
    const cls = this.slotClass[slot] as number;
    const classAt = port * PRIORITY_CLASSES + cls;
    this.portQueuedBytes[port] = (this.portQueuedBytes[port] as number) - wire;
    this.portQueuedDatagrams[port] = (this.portQueuedDatagrams[port] as number) - 1;
    this.portClassBytes[classAt] = (this.portClassBytes[classAt] as number) - wire;
    assert((this.portQueuedDatagrams[port] as number) >= 0, 'port queue underflow');
    assert(this.portQueuedDatagrams[port] !== 0 || this.portQueuedBytes[port] === 0, 'port bytes without datagrams');
    const linkBase = port * LINK_STAT_COUNT;
    add(this.linkStatValues, linkBase + L_TX_DATAGRAMS, 1);
    add(this.linkStatValues, linkBase + L_TX_BYTES, length);
    const classStatBase = classAt * CLASS_STAT_COUNT;
    add(this.classStatValues, classStatBase + C_TX_DATAGRAMS, 1);
    add(this.classStatValues, classStatBase + C_TX_BYTES, length);
    this.startNext(port, t); // keep the line busy; faults below never affect the port's timing
    if (port < this.nicCount) {
      if (this.nicBlocked[port] === 1 && (this.portQueuedBytes[port] as number) <= this.nicPollBytesMax) {
        this.nicBlocked[port] = 0;
        if (this.endpoints[port] !== null) this.markDirty(port);
      }
      if (this.nicFailed[port] === 1) {
        add(this.linkStatValues, linkBase + L_DROPPED_DOWN, 1);
        this.dropSlot(slot, SimTraceKind.DropLinkDown, port, t);
        return;
      }
    }
    this.trace.record(
      SimTraceKind.Depart,
      t,
      this.slotSrc[slot] as number,
      this.slotDst[slot] as number,
      length,
      this.slotHash[slot] as number,
      port,
      this.slotId[slot] as number,
    );
    this.depart(slot, port, t);
  }

  /** Applies `link`'s faults to a datagram entering it at `t` and schedules each surviving copy's arrival. */
  private depart(slot: number, link: number, t: number): void {
    if (this.linkDown[link] === 1) {
      add(this.linkStatValues, link * LINK_STAT_COUNT + L_DROPPED_DOWN, 1);
      this.dropSlot(slot, SimTraceKind.DropLinkDown, link, t);
      return;
    }
    if (this.linkFaulty[link] === 0) {
      this.slotPort[slot] = link;
      const pushed = this.queue.push(t + (this.portPropagationNs[link] as number), EVENT_ARRIVE, slot);
      assert(pushed, 'event queue smaller than slots plus ports');
      return;
    }
    // Exactly six decision draws per departing datagram on a link with any fault configured.
    const faults = this.faults.drawDeparture(link);
    const linkBase = link * LINK_STAT_COUNT;
    if ((faults & FAULT_LOSS) !== 0) {
      add(this.linkStatValues, linkBase + L_DROPPED_LOSS, 1);
      this.dropSlot(slot, SimTraceKind.DropLoss, link, t);
      return;
    }
    if ((faults & FAULT_BURST_LOSS) !== 0) {
      add(this.linkStatValues, linkBase + L_DROPPED_BURST_LOSS, 1);
      this.dropSlot(slot, SimTraceKind.DropBurstLoss, link, t);
      return;
    }
    let copy = -1;
    if ((faults & FAULT_DUPLICATE) !== 0) {
      copy = this.duplicate(slot, link, t); // copied before the original's faults touch its bytes
    }
    this.launch(slot, link, t, faults);
    if (copy >= 0) this.launch(copy, link, t, this.faults.drawCopyFaults(link));
  }

  /** Makes the duplicate of `slot` on `link`; returns its slot, or −1 (counted) when none is free. */
  private duplicate(slot: number, link: number, t: number): number {
    const linkBase = link * LINK_STAT_COUNT;
    add(this.linkStatValues, linkBase + L_DUPLICATED, 1);
    const length = this.slotLength[slot] as number;
    const copy = this.allocateSlot();
    if (copy < 0) {
      add(this.linkStatValues, linkBase + L_DROPPED_NO_SLOT, 1);
      this.traceSlot(SimTraceKind.DropNoSlot, slot, link, t);
      return -1;
    }
    const from = slot * this.datagramBytesMax;
    this.arena.copyWithin(copy * this.datagramBytesMax, from, from + length);
    this.slotLength[copy] = length;
    this.slotWireBytes[copy] = this.slotWireBytes[slot] as number;
    this.slotSrc[copy] = this.slotSrc[slot] as number;
    this.slotDst[copy] = this.slotDst[slot] as number;
    this.slotClass[copy] = this.slotClass[slot] as number;
    this.slotPort[copy] = link;
    this.slotHash[copy] = this.slotHash[slot] as number;
    this.slotId[copy] = this.slotId[slot] as number;
    if (this.slotsInUse > this.slotsPeak) this.slotsPeak = this.slotsInUse;
    this.traceSlot(SimTraceKind.Duplicate, copy, link, t);
    return copy;
  }

  /**
   * Applies corruption, jitter and reordering (`copyFaults` bits) to one copy and schedules its
   * arrival at the link's far end.
   */
  private launch(slot: number, link: number, t: number, copyFaults: number): void {
    const linkBase = link * LINK_STAT_COUNT;
    if ((copyFaults & FAULT_CORRUPT) !== 0) {
      const length = this.slotLength[slot] as number;
      flipBit(this.arena, slot * this.datagramBytesMax, this.faults.drawCorruptBit(link, length));
      if (this.hashBytes) {
        this.slotHash[slot] = hashDatagram(this.arena, this.arenaWords, slot * this.datagramBytesMax, length);
      }
      add(this.linkStatValues, linkBase + L_CORRUPTED, 1);
      this.traceSlot(SimTraceKind.Corrupt, slot, link, t);
    }
    const delayNs = (this.portPropagationNs[link] as number) + this.faults.drawDelay(link, copyFaults);
    if ((copyFaults & FAULT_REORDER) !== 0) {
      add(this.linkStatValues, linkBase + L_REORDERED, 1);
      this.traceSlot(SimTraceKind.Reorder, slot, link, t);
    }
    this.slotPort[slot] = link;
    const pushed = this.queue.push(t + delayNs, EVENT_ARRIVE, slot);
    assert(pushed, 'event queue smaller than slots plus ports');
  }

  /** A datagram reached the far end of its link at `t`: a switch forwards it, a NIC receives it. */
  private arrive(slot: number, t: number): void {
    this.hopEvents++;
    const link = this.slotPort[slot] as number;
    const linkBase = link * LINK_STAT_COUNT;
    add(this.linkStatValues, linkBase + L_DELIVERED_DATAGRAMS, 1);
    add(this.linkStatValues, linkBase + L_DELIVERED_BYTES, this.slotLength[slot] as number);
    const node = this.portNextNode[link] as number;
    const nicCount = this.nicCount;
    if (node < nicCount) {
      this.receive(slot, node, t);
      return;
    }
    const dst = this.slotDst[slot] as number;
    const topology = this.topology;
    const dstLeaf = topology.nicLeaf[dst] as number;
    const leaf = node - nicCount;
    if (leaf < this.leafCount) {
      if (link < nicCount && this.isBlocked(this.slotSrc[slot] as number, dst)) {
        add(this.nicStatValues, dst * NIC_STAT_COUNT + N_DROPPED_PARTITION, 1);
        this.dropSlot(slot, SimTraceKind.DropPartition, link, t);
        return;
      }
      if (dstLeaf === leaf) {
        this.enqueue(nicCount + dst, slot, t);
        return;
      }
      let spine: number;
      if (topology.sprayPackets) {
        this.switchPrng.select(leaf);
        spine = this.switchPrng.intBelow(this.spineCount);
      } else {
        spine = ecmpSpine(this.slotSrc[slot] as number, dst, topology.ecmpSalt, this.spineCount);
      }
      this.enqueue(topology.leafUplink(leaf, spine), slot, t);
      return;
    }
    const spine = leaf - this.leafCount;
    this.enqueue(topology.spineDownlink(spine, dstLeaf), slot, t);
  }

  /** Hands a datagram that reached NIC `nic` to its endpoint, or drops it for a counted reason. */
  private receive(slot: number, nic: number, t: number): void {
    const stats = this.nicStatValues;
    const statBase = nic * NIC_STAT_COUNT;
    const src = this.slotSrc[slot] as number;
    const endpoint = this.endpoints[nic];
    if (this.hostCrashed[this.topology.nicHost[nic] as number] === 1 || endpoint === null || endpoint === undefined) {
      add(stats, statBase + N_DROPPED_HOST_DOWN, 1);
      this.dropSlot(slot, SimTraceKind.DropHostDown, nic, t);
      return;
    }
    if (this.nicFailed[nic] === 1) {
      add(stats, statBase + N_DROPPED_NIC_DOWN, 1);
      this.dropSlot(slot, SimTraceKind.DropNicDown, nic, t);
      return;
    }
    if (this.isBlocked(src, nic)) {
      add(stats, statBase + N_DROPPED_PARTITION, 1);
      this.dropSlot(slot, SimTraceKind.DropPartition, nic, t);
      return;
    }
    const peer = this.peerOfAddress[nic * this.nicCount + src] as number;
    if (peer < 0) {
      add(stats, statBase + N_DROPPED_UNKNOWN_PEER, 1);
      this.dropSlot(slot, SimTraceKind.DropUnknownPeer, nic, t);
      return;
    }
    const length = this.slotLength[slot] as number;
    add(stats, statBase + N_DELIVERED_DATAGRAMS, 1);
    add(stats, statBase + N_DELIVERED_BYTES, length);
    this.traceSlot(SimTraceKind.Deliver, slot, nic, t);
    if (this.tap !== null) this.tapSlot(SimTraceKind.Deliver, slot, nic, t);
    endpoint.handleDatagram(this.instantNowUs, this.slotViews[slot] as Uint8Array, 0, length, peer);
    this.releaseSlot(slot);
    this.markDirty(nic);
  }

  private isBlocked(srcNic: number, dstNic: number): boolean {
    const hosts = this.topology.nicHost;
    return this.blocked[(hosts[srcNic] as number) * this.hostCount + (hosts[dstNic] as number)] === 1;
  }

  private clogEnded(link: number, t: number): void {
    if (this.portClogUntilNs[link] !== t) return; // replaced by a later clog or ended early
    this.portClogUntilNs[link] = 0;
    this.setPortRate(link, 1);
  }

  private setPortRate(link: number, factor: number): void {
    this.portClogFactor[link] = factor;
    this.portRate[link] = (this.portBaseRate[link] as number) / factor;
    // The datagram serializing keeps its end time; the next one starts a busy period at the new rate.
    this.portBusyStartNs[link] = this.portFreeAtNs[link] as number;
    this.portBusyBits[link] = 0;
    this.trace.record(SimTraceKind.Clog, this.clockNs, -1, -1, Math.round(factor * 1000), 0, link, -1);
  }

  /** Discards the datagrams waiting at `port` (not the one serializing). */
  private flushPort(port: number): void {
    const t = this.clockNs;
    for (let cls = 0; cls < PRIORITY_CLASSES; cls++) {
      const classAt = port * PRIORITY_CLASSES + cls;
      let slot = this.portClassHead[classAt] as number;
      while (slot >= 0) {
        const next = this.slotNext[slot] as number;
        add(this.linkStatValues, port * LINK_STAT_COUNT + L_DROPPED_FLUSHED, 1);
        this.dropSlot(slot, SimTraceKind.DropFlushed, port, t);
        slot = next;
      }
      this.portClassHead[classAt] = -1;
      this.portClassTail[classAt] = -1;
      this.portClassBytes[classAt] = 0;
    }
    this.portClassMask[port] = 0;
    const serializing = this.portTxSlot[port] as number;
    if (serializing >= 0) {
      const wire = this.slotWireBytes[serializing] as number;
      this.portQueuedBytes[port] = wire;
      this.portQueuedDatagrams[port] = 1;
      this.portClassBytes[port * PRIORITY_CLASSES + (this.slotClass[serializing] as number)] = wire;
    } else {
      this.portQueuedBytes[port] = 0;
      this.portQueuedDatagrams[port] = 0;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Slots, trace, utilisation

  private allocateSlot(): number {
    const slot = this.freeHead;
    if (slot < 0) return -1;
    this.freeHead = this.slotNext[slot] as number;
    this.slotNext[slot] = -1;
    this.slotsInUse++;
    return slot;
  }

  private releaseSlot(slot: number): void {
    this.slotNext[slot] = this.freeHead;
    this.freeHead = slot;
    this.slotsInUse--;
  }

  private dropSlot(slot: number, kind: SimTraceKind, where: number, t: number): void {
    this.traceSlot(kind, slot, where, t);
    if (this.tap !== null) this.tapSlot(kind, slot, where, t);
    this.releaseSlot(slot);
  }

  private tapSlot(kind: SimTraceKind, slot: number, where: number, t: number): void {
    const dst = this.slotDst[slot] as number;
    if (dst < 0 || this.tap === null) return;
    const src = this.slotSrc[slot] as number;
    const topology = this.topology;
    const record = this.tapped;
    record.kind = kind;
    record.timeNs = t;
    record.sourceHost = topology.nicHost[src] as number;
    record.sourceNic = topology.nicLocal[src] as number;
    record.destinationHost = topology.nicHost[dst] as number;
    record.destinationNic = topology.nicLocal[dst] as number;
    record.flags = 0;
    record.bytes = this.arena;
    record.offset = slot * this.datagramBytesMax;
    record.length = this.slotLength[slot] as number;
    record.where = where;
    record.datagramId = this.slotId[slot] as number;
    this.tap.onDatagram(record);
  }

  private traceSlot(kind: SimTraceKind, slot: number, where: number, t: number): void {
    this.trace.record(
      kind,
      t,
      this.slotSrc[slot] as number,
      this.slotDst[slot] as number,
      this.slotLength[slot] as number,
      this.slotHash[slot] as number,
      where,
      this.slotId[slot] as number,
    );
  }

  private recordBusy(port: number, fromNs: number, toNs: number): void {
    const bucketNs = this.utilizationBucketNs;
    const count = this.utilizationBucketCount;
    const base = port * count;
    let from = fromNs - this.startNs;
    const to = toNs - this.startNs;
    let bucket = Math.floor(from / bucketNs);
    while (from < to && bucket < count) {
      const bucketEnd = (bucket + 1) * bucketNs;
      const end = to < bucketEnd ? to : bucketEnd;
      this.utilizationBusyNs[base + bucket] = (this.utilizationBusyNs[base + bucket] as number) + (end - from);
      from = end;
      bucket++;
    }
  }

  private notify(kind: NotificationKind, host: number, nic: number): void {
    if (this.notificationCount === this.notificationsMax) {
      this.notificationsDropped++;
      return;
    }
    const i = (this.notificationHead + this.notificationCount) % this.notificationsMax;
    this.notificationKind[i] = kind;
    this.notificationHost[i] = host;
    this.notificationNic[i] = nic;
    this.notificationTimeNs[i] = this.clockNs;
    this.notificationCount++;
  }

  // ---------------------------------------------------------------------------------------------
  // Configuration helpers

  private applyLinkFaults(link: number, faults: LinkFaults): void {
    validateLinkFaults(faults);
    this.linkDown[link] = faults.down ? 1 : 0;
    this.faults.configure(link, {
      lossProbability: faults.lossProbability,
      burstLoss: faults.burstLoss,
      duplicateProbability: faults.duplicateProbability,
      reorderProbability: faults.reorderProbability,
      reorderDelay: faults.reorderDelayNs,
      jitter: faults.jitter,
      jitterScale: faults.jitterNs,
      corruptProbability: faults.corruptProbability,
    });
    this.linkFaulty[link] = this.faults.isFaulty(link) ? 1 : 0;
  }

  private setPeerEntry(nic: number, peer: number, address: number): void {
    const peersMax = this.peersMax;
    const nicCount = this.nicCount;
    const old = this.peerAddress[nic * peersMax + peer] as number;
    this.peerAddress[nic * peersMax + peer] = address;
    if (old >= 0 && this.peerOfAddress[nic * nicCount + old] === peer) {
      // Another peer index may still map to the old address: the lowest one answers for it.
      let replacement = -1;
      for (let p = 0; p < peersMax; p++) {
        if (this.peerAddress[nic * peersMax + p] === old) {
          replacement = p;
          break;
        }
      }
      this.peerOfAddress[nic * nicCount + old] = replacement;
    }
    if (address >= 0) this.peerOfAddress[nic * nicCount + address] = peer;
  }

  private setBlocked(fromHost: number, toHost: number, value: number): void {
    this.checkHost(fromHost);
    this.checkHost(toHost);
    if (fromHost === toHost) throw new InvalidArgumentError(`cannot partition host ${fromHost} from itself`);
    this.blocked[fromHost * this.hostCount + toHost] = value;
    this.trace.record(SimTraceKind.PartitionChange, this.clockNs, fromHost, toHost, value, 0, -1, -1);
  }

  private checkHost(host: number): void {
    if (!Number.isInteger(host) || host < 0 || host >= this.hostCount) {
      throw new InvalidArgumentError(`host must be an integer in [0, ${this.hostCount}), got ${host}`);
    }
  }

  private checkLink(link: number): void {
    if (!Number.isInteger(link) || link < 0 || link >= this.portCount) {
      throw new InvalidArgumentError(`link must be an integer in [0, ${this.portCount}), got ${link}`);
    }
  }

  private checkPeer(peer: number): void {
    if (!Number.isInteger(peer) || peer < 0 || peer >= this.peersMax) {
      throw new InvalidArgumentError(`peer index must be an integer in [0, ${this.peersMax}) (peersMax), got ${peer}`);
    }
  }

  private checkFabric(leaf: number, spine: number): void {
    if (this.spineCount === 0) throw new InvalidArgumentError('a single-switch fabric has no leaf–spine links');
    if (!Number.isInteger(leaf) || leaf < 0 || leaf >= this.leafCount) {
      throw new InvalidArgumentError(`leaf must be an integer in [0, ${this.leafCount}), got ${leaf}`);
    }
    if (!Number.isInteger(spine) || spine < 0 || spine >= this.spineCount) {
      throw new InvalidArgumentError(`spine must be an integer in [0, ${this.spineCount}), got ${spine}`);
    }
  }
}
