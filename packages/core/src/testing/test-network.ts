/**
 * The deterministic in-memory test network (quinn's "pair", TigerBeetle's packet simulator): it
 * drives N {@link DatagramEndpoint}s in virtual time through directed links that delay, rate-limit,
 * queue, lose (uniformly or in Gilbert–Elliott bursts), duplicate, reorder, corrupt and partition
 * datagrams, all decided by seeded generators, so a run is a pure function of (seed, endpoints,
 * test code). It owns the virtual clock, the datagram buffers in flight, the per-link fault model,
 * the per-link and total statistics and the event trace.
 *
 * ## Time
 * Virtual time is an integer number of µs held in a double. An endpoint's `pollTimeoutUs()` that
 * is not an integer is rounded up: `handleTimeout(t)` runs at the first integer `t ≥` the timeout.
 *
 * ## One instant (`step`)
 * At the next instant `t` (the earliest of: a datagram delivery or link departure, an endpoint
 * timeout, a deferred poll) the network repeats rounds of
 * 1. every event due at or before `t`, in (time, insertion) order: link departures and deliveries
 *    (`handleDatagram(t, bytes, 0, length, source)`);
 * 2. `handleTimeout(t)` for every live endpoint whose `pollTimeoutUs() ≤ t`;
 * 3. `pollTransmit(t, …)` of every live endpoint until it returns 0, at most
 *    `transmitsPerInstantMax` datagrams per endpoint per instant — an endpoint that reaches the
 *    cap (a counted `transmitCapHit`) is polled again at `t + 1`;
 * until nothing more is due at `t` (zero-delay links can make a round trip within one instant),
 * at most `roundsPerInstantMax` rounds (a counted `roundCapHit`; what is still due moves to
 * `t + 1`). Endpoints are visited in index order, or in a seeded permutation drawn per instant
 * when `shufflePollOrder` is set — never in an order that depends on anything else. Crashed
 * endpoints are neither polled nor timed.
 *
 * ## Life of a datagram on link a → b
 * 1. Send (poll time `t`): the endpoint writes straight into a network-owned slot of
 *    `datagramBytesMax` bytes (so endpoints may reuse their buffers); with every slot in use it is
 *    dropped (`droppedInFlight`). A link that is down drops it (`droppedDown`).
 * 2. Queue (finite `bytesPerSecond` only): a FIFO bounded by `queueBytesMax` bytes, counting every
 *    datagram not yet departed (including the one being serialized); a datagram that does not fit
 *    is tail-dropped (`droppedQueue`). Departure times are exact: within a busy period that
 *    started at `s`, the datagram that brings the period's total to `B` bytes departs at
 *    `s + ⌈B · 10^6 / bytesPerSecond⌉`, so rounding never accumulates.
 * 3. Departure (at once on an unlimited link): uniform loss (`droppedLoss`), then Gilbert–Elliott
 *    loss (`droppedBurstLoss`; the loss probability of the current state applies, then the state
 *    steps), then duplication (one extra copy with its own delay and faults).
 * 4. Flight, per copy: corruption flips one uniformly chosen bit; the delay is
 *    `delayUs + jitter + (reordered ? reorderDelayUs : 0)`, jitter being none, uniform on
 *    `[0, jitterUs]` or a rounded exponential of mean `jitterUs` (jitter alone can reorder too).
 * 5. Arrival: dropped if the link is down now (`droppedDown`: a datagram crosses only a link that
 *    is up both when it is sent and when it arrives) or the destination is crashed
 *    (`droppedCrashed`); otherwise delivered — to whatever endpoint sits at index b then, so old
 *    datagrams reach a replacement.
 *
 * ## Determinism
 * Every link has two generator streams derived from (seed, link): the *decision* stream draws
 * exactly six 32-bit numbers per departing datagram (uniform loss, burst loss, burst state step,
 * duplication, reordering, corruption) whatever the configuration, and the *value* stream draws
 * jitter, corrupted bit positions and the duplicate's own decisions. So enabling, say, jitter
 * does not change which datagrams are lost, and traffic on one link never shifts another link's
 * faults. The draws (and the fault parameters they use) are {@link LinkFaultDraws}, shared with the
 * simulator's network. The network's own stream only shuffles the poll order.
 *
 * ## Trace
 * Every event (send, deliver, each drop reason, duplicate, corrupt, reorder, timeout, crash,
 * replace, wake, link change) is folded into a running 32-bit FNV-1a hash ({@link
 * TestNetwork.traceHash}) together with its time, endpoints, length, datagram id and the FNV-1a
 * hash of its bytes; the last `traceCapacity` events are also kept for inspection.
 */
import { assert } from '../assert.js';
import type { DatagramEndpoint } from '../endpoint-io.js';
import { TransmitInfo } from '../endpoint-io.js';
import { InvalidArgumentError } from '../errors.js';
import { EventQueue } from './event-queue.js';
import { FNV1A32_OFFSET_BASIS, fnv1a32, fnv1a32Uint53, fnv1a32Word } from './fnv.js';
import {
  checkDuration,
  checkGilbertElliott,
  checkProbability,
  FAULT_BURST_LOSS,
  FAULT_CORRUPT,
  FAULT_DUPLICATE,
  FAULT_LOSS,
  FAULT_REORDER,
  flipBit,
  type GilbertElliott,
  type JitterKind,
  jitterCodeOf,
  LinkFaultDraws,
} from './link-fault-draws.js';
import { PRNG_STATE_WORDS, Prng, seedPrngState } from './prng.js';

/** Most endpoints a {@link TestNetwork} connects (it keeps state for all N² directed links). */
export const TEST_NETWORK_ENDPOINTS_MAX = 256;
/** Default largest datagram, in bytes (a jumbo frame). */
export const TEST_NETWORK_DATAGRAM_BYTES_MAX_DEFAULT = 9000;
/** Default number of datagram slots: datagrams queued or in flight at once. */
export const TEST_NETWORK_IN_FLIGHT_MAX_DEFAULT = 1024;
/** Largest `inFlightMax` accepted. */
export const TEST_NETWORK_IN_FLIGHT_LIMIT = 2 ** 20;
/** Largest slot arena (`inFlightMax × datagramBytesMax`) accepted, in bytes. */
export const TEST_NETWORK_ARENA_BYTES_LIMIT = 2 ** 30;
/** Default cap of datagrams polled from one endpoint in one instant. */
export const TEST_NETWORK_TRANSMITS_PER_INSTANT_DEFAULT = 64;
/** Default cap of deliver/timeout/poll rounds in one instant. */
export const TEST_NETWORK_ROUNDS_PER_INSTANT_DEFAULT = 64;
/** Default one-way link delay, in µs. */
export const LINK_DELAY_US_DEFAULT = 10;
/** Default byte bound of a rate-limited link's queue (1 MiB). */
export const LINK_QUEUE_BYTES_MAX_DEFAULT = 1 << 20;
/** Default extra delay of a reordered datagram, in µs. */
export const LINK_REORDER_DELAY_US_DEFAULT = 50;

/** The full configuration of one directed link; see the module comment for the semantics. */
export interface LinkConfig {
  /** Partitioned: nothing crosses the link (default false). */
  readonly down: boolean;
  /** Fixed one-way delay in µs: a safe non-negative integer (default {@link LINK_DELAY_US_DEFAULT}). */
  readonly delayUs: number;
  /** Jitter distribution added to the delay (default 'none'). */
  readonly jitter: JitterKind;
  /** Jitter scale in µs: the uniform maximum or the exponential mean (default 0). */
  readonly jitterUs: number;
  /** Serialization rate in bytes/s, or Infinity for no rate limit and no queue (default Infinity). */
  readonly bytesPerSecond: number;
  /** Byte bound of the queue of a rate-limited link (default {@link LINK_QUEUE_BYTES_MAX_DEFAULT}). */
  readonly queueBytesMax: number;
  /** Independent loss probability per datagram, in [0, 1] (default 0). */
  readonly lossProbability: number;
  /** Bursty loss channel, or null for none (default null). Changing it restarts the channel in the good state. */
  readonly burstLoss: GilbertElliott | null;
  /** Probability that a departing datagram is duplicated (default 0). */
  readonly duplicateProbability: number;
  /** Probability that a datagram copy gets `reorderDelayUs` extra delay (default 0). */
  readonly reorderProbability: number;
  /** Extra delay of a reordered copy, in µs (default {@link LINK_REORDER_DELAY_US_DEFAULT}). */
  readonly reorderDelayUs: number;
  /** Probability that a datagram copy has one random bit flipped (default 0). */
  readonly corruptProbability: number;
}

/** A change to some fields of a {@link LinkConfig}. */
export type LinkUpdate = Partial<LinkConfig>;

/** Per-link (or total) counters. Datagram conservation: `sent + duplicated = delivered + Σ dropped + inFlight`. */
export interface LinkStats {
  /** Datagrams the source endpoint emitted onto the link. */
  readonly sentDatagrams: number;
  /** Bytes of those datagrams. */
  readonly sentBytes: number;
  /** Datagrams handed to the destination endpoint (duplicates included). */
  readonly deliveredDatagrams: number;
  /** Bytes of those datagrams. */
  readonly deliveredBytes: number;
  /** Dropped because the link was down at send or arrival time. */
  readonly droppedDown: number;
  /** Dropped by the uniform loss probability. */
  readonly droppedLoss: number;
  /** Dropped by the Gilbert–Elliott channel. */
  readonly droppedBurstLoss: number;
  /** Tail-dropped at the queue bound. */
  readonly droppedQueue: number;
  /** Dropped because every datagram slot was in use (`inFlightMax`). */
  readonly droppedInFlight: number;
  /** Dropped on arrival at a crashed endpoint. */
  readonly droppedCrashed: number;
  /** Copies made by the duplication fault (a copy that found no free slot also counts in droppedInFlight). */
  readonly duplicated: number;
  /** Copies with a flipped bit. */
  readonly corrupted: number;
  /** Copies given the reordering delay. */
  readonly reordered: number;
  /** Largest queue occupancy seen, in bytes (max over links for totals). */
  readonly queueBytesPeak: number;
  /** Largest queue occupancy seen, in datagrams (max over links for totals). */
  readonly queueDatagramsPeak: number;
  /** Datagrams currently queued or in flight. */
  readonly inFlightDatagrams: number;
}

/** Totals over all links plus the driver's own counters. */
export interface TestNetworkStats extends LinkStats {
  /** Instants processed. */
  readonly instants: number;
  /** `handleTimeout` calls made. */
  readonly timeoutCalls: number;
  /** Times an endpoint reached `transmitsPerInstantMax` in an instant. */
  readonly transmitCapHits: number;
  /** Instants cut short by `roundsPerInstantMax`. */
  readonly roundCapHits: number;
  /** Largest number of datagram slots in use at once. */
  readonly inFlightPeak: number;
}

/** Kinds of trace events. */
export const TraceKind = {
  /** An endpoint emitted a datagram (before any fault). */
  Send: 1,
  /** A datagram was handed to its destination. */
  Deliver: 2,
  /** Dropped: link down at send or arrival. */
  DropDown: 3,
  /** Dropped: uniform loss. */
  DropLoss: 4,
  /** Dropped: Gilbert–Elliott loss. */
  DropBurstLoss: 5,
  /** Dropped: queue full. */
  DropQueue: 6,
  /** Dropped: no free datagram slot. */
  DropInFlight: 7,
  /** Dropped: destination crashed. */
  DropCrashed: 8,
  /** A duplicate copy was made (bytes of the copy). */
  Duplicate: 9,
  /** A copy had a bit flipped (bytes after the flip). */
  Corrupt: 10,
  /** A copy got the reordering delay. */
  Reorder: 11,
  /** `handleTimeout` ran (src = endpoint). */
  Timeout: 12,
  /** An endpoint crashed (src = endpoint). */
  Crash: 13,
  /** An endpoint was replaced (src = endpoint). */
  Replace: 14,
  /** The test called `wake()`. */
  Wake: 15,
  /** A link's configuration changed (src/dst = the link, −1/−1 for all links). */
  LinkChange: 16,
} as const;

/** A trace event kind. */
export type TraceKind = (typeof TraceKind)[keyof typeof TraceKind];

const TRACE_KIND_NAMES: readonly string[] = [
  'none',
  'send',
  'deliver',
  'drop-down',
  'drop-loss',
  'drop-burst-loss',
  'drop-queue',
  'drop-in-flight',
  'drop-crashed',
  'duplicate',
  'corrupt',
  'reorder',
  'timeout',
  'crash',
  'replace',
  'wake',
  'link-change',
];

/** The name of a trace kind, e.g. `drop-loss`. */
export function traceKindName(kind: number): string {
  return TRACE_KIND_NAMES[kind] ?? `unknown(${kind})`;
}

/** One recorded trace event. */
export interface TraceEntry {
  /** Virtual time, µs. */
  readonly timeUs: number;
  /** What happened. */
  readonly kind: TraceKind;
  /** Source endpoint (or the endpoint concerned; −1 when none). */
  readonly src: number;
  /** Destination endpoint (−1 when none). */
  readonly dst: number;
  /** Datagram length in bytes (0 for non-datagram events). */
  readonly length: number;
  /** FNV-1a 32 of the datagram bytes at that moment (0 for non-datagram events). */
  readonly bytesHash: number;
  /** Network-wide number of the datagram, shared by its duplicate (−1 for non-datagram events). */
  readonly datagramId: number;
}

/** Options of a {@link TestNetwork}. */
export interface TestNetworkOptions {
  /** The endpoints, addressed by their index (1 .. {@link TEST_NETWORK_ENDPOINTS_MAX}). */
  readonly endpoints: readonly DatagramEndpoint[];
  /** Seed of every random decision: a safe non-negative integer. */
  readonly seed: number;
  /** Initial virtual time, µs: a safe non-negative integer (default 0). */
  readonly startUs?: number;
  /** Configuration applied to every link (over the defaults). */
  readonly link?: LinkUpdate;
  /** Largest datagram an endpoint may emit, bytes (default {@link TEST_NETWORK_DATAGRAM_BYTES_MAX_DEFAULT}). */
  readonly datagramBytesMax?: number;
  /** Datagram slots: most datagrams queued or in flight at once (default {@link TEST_NETWORK_IN_FLIGHT_MAX_DEFAULT}). */
  readonly inFlightMax?: number;
  /** Cap of datagrams polled from one endpoint per instant (default {@link TEST_NETWORK_TRANSMITS_PER_INSTANT_DEFAULT}). */
  readonly transmitsPerInstantMax?: number;
  /** Cap of rounds per instant (default {@link TEST_NETWORK_ROUNDS_PER_INSTANT_DEFAULT}). */
  readonly roundsPerInstantMax?: number;
  /** Trace events kept for {@link TestNetwork.traceEntries} (a ring of the latest; default 0: none). */
  readonly traceCapacity?: number;
  /** Maintain {@link TestNetwork.traceHash} (hashes every datagram's bytes; default true). */
  readonly hashEvents?: boolean;
  /** Poll endpoints in a seeded random order per instant instead of index order (default false). */
  readonly shufflePollOrder?: boolean;
}

const DEFAULT_LINK: LinkConfig = {
  down: false,
  delayUs: LINK_DELAY_US_DEFAULT,
  jitter: 'none',
  jitterUs: 0,
  bytesPerSecond: Number.POSITIVE_INFINITY,
  queueBytesMax: LINK_QUEUE_BYTES_MAX_DEFAULT,
  lossProbability: 0,
  burstLoss: null,
  duplicateProbability: 0,
  reorderProbability: 0,
  reorderDelayUs: LINK_REORDER_DELAY_US_DEFAULT,
  corruptProbability: 0,
};

const EVENT_DEPART = 1;
const EVENT_DELIVER = 2;

const MICROS_PER_SECOND = 1_000_000;
/** Rebase a busy period before bytes × 10^6 leaves the exact-integer range of doubles. */
const BUSY_MICRO_BYTES_REBASE = 2 ** 52;

// Stat indices into the per-link and total Float64Arrays.
const S_SENT_DATAGRAMS = 0;
const S_SENT_BYTES = 1;
const S_DELIVERED_DATAGRAMS = 2;
const S_DELIVERED_BYTES = 3;
const S_DROPPED_DOWN = 4;
const S_DROPPED_LOSS = 5;
const S_DROPPED_BURST_LOSS = 6;
const S_DROPPED_QUEUE = 7;
const S_DROPPED_IN_FLIGHT = 8;
const S_DROPPED_CRASHED = 9;
const S_DUPLICATED = 10;
const S_CORRUPTED = 11;
const S_REORDERED = 12;
const S_QUEUE_BYTES_PEAK = 13;
const S_QUEUE_DATAGRAMS_PEAK = 14;
const S_IN_FLIGHT = 15;
const STAT_COUNT = 16;

const STREAM_NETWORK = 0;
/** Link `l`'s fault streams are `1 + 2l` and `2 + 2l`, after the network's own stream. */
const STREAM_FIRST_LINK = 1;

function optionInteger(value: number | undefined, fallback: number, min: number, max: number, name: string): number {
  const result = value ?? fallback;
  if (!Number.isSafeInteger(result) || result < min || result > max) {
    throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}], got ${result}`);
  }
  return result;
}

function checkMicros(value: number, name: string): number {
  return checkDuration(value, name, 'µs');
}

/**
 * N endpoints joined by N² directed links in virtual time; see the module comment for the model.
 * Typical use: build endpoints, `new TestNetwork({ endpoints, seed })`, configure links, then
 * `runUntil` / `runUntilIdle` / `step`, changing links, crashing and replacing endpoints between
 * calls, and assert on the endpoints' own records, {@link TestNetwork.stats} and the trace.
 */
export class TestNetwork {
  /** Number of endpoints. */
  readonly endpointCount: number;
  /** Largest datagram accepted from an endpoint, bytes. */
  readonly datagramBytesMax: number;
  /** Number of datagram slots. */
  readonly inFlightMax: number;
  /** Cap of datagrams polled from one endpoint per instant. */
  readonly transmitsPerInstantMax: number;
  /** Cap of rounds per instant. */
  readonly roundsPerInstantMax: number;
  /** Trace events kept. */
  readonly traceCapacity: number;

  private readonly endpoints: DatagramEndpoint[];
  private readonly crashed: Uint8Array;
  private readonly sentThisInstant: Int32Array;
  private readonly order: Int32Array;
  private readonly shufflePollOrder: boolean;
  private readonly hashing: boolean;
  private readonly info: TransmitInfo;
  private readonly queue: EventQueue;
  private readonly networkPrng: Prng;
  /** Fault parameters, Gilbert–Elliott states and draws of every link. */
  private readonly faults: LinkFaultDraws;

  private clockUs: number;
  private lastInstantUs: number;
  /** The test asked for a poll at the current time (`wake`, `replace`, start). */
  private externalDue: boolean;
  /** When endpoints that hit the transmit cap must be polled again (Infinity: none). */
  private capDueUs: number;

  // Link configuration, indexed by link = from * N + to.
  private readonly linkCount: number;
  private readonly linkDown: Uint8Array;
  private readonly linkDelayUs: Float64Array;
  private readonly linkBytesPerSecond: Float64Array;
  private readonly linkQueueBytesMax: Float64Array;
  // Link queue state.
  private readonly linkQueuedBytes: Float64Array;
  private readonly linkQueuedDatagrams: Int32Array;
  private readonly linkBusyStartUs: Float64Array;
  private readonly linkBusyBytes: Float64Array;
  private readonly linkLastDepartureUs: Float64Array;
  // Statistics.
  private readonly linkStatValues: Float64Array;
  private readonly totalStatValues: Float64Array;
  private instants: number;
  private timeoutCalls: number;
  private transmitCapHits: number;
  private roundCapHits: number;
  private capHitThisInstant: boolean;

  // Datagram slots.
  private readonly arena: Uint8Array;
  private readonly slotViews: Uint8Array[];
  private readonly scratch: Uint8Array;
  private readonly slotLength: Int32Array;
  private readonly slotSrc: Int32Array;
  private readonly slotDst: Int32Array;
  private readonly slotId: Float64Array;
  private readonly slotNext: Int32Array;
  private freeHead: number;
  private inFlight: number;
  private inFlightPeak: number;
  private nextDatagramId: number;

  // Trace.
  private readonly traceTimeUs: Float64Array;
  private readonly traceKinds: Uint8Array;
  private readonly traceSrc: Int32Array;
  private readonly traceDst: Int32Array;
  private readonly traceLength: Int32Array;
  private readonly traceBytesHash: Uint32Array;
  private readonly traceDatagramId: Float64Array;
  private traceCount: number;
  private runningHash: number;

  constructor(options: TestNetworkOptions) {
    const count = options.endpoints.length;
    if (count < 1 || count > TEST_NETWORK_ENDPOINTS_MAX) {
      throw new InvalidArgumentError(`a test network needs 1 to ${TEST_NETWORK_ENDPOINTS_MAX} endpoints, got ${count}`);
    }
    const startUs = optionInteger(options.startUs, 0, 0, Number.MAX_SAFE_INTEGER, 'startUs');
    this.endpointCount = count;
    this.datagramBytesMax = optionInteger(
      options.datagramBytesMax,
      TEST_NETWORK_DATAGRAM_BYTES_MAX_DEFAULT,
      1,
      TEST_NETWORK_ARENA_BYTES_LIMIT,
      'datagramBytesMax',
    );
    this.inFlightMax = optionInteger(
      options.inFlightMax,
      TEST_NETWORK_IN_FLIGHT_MAX_DEFAULT,
      1,
      TEST_NETWORK_IN_FLIGHT_LIMIT,
      'inFlightMax',
    );
    if (this.inFlightMax * this.datagramBytesMax > TEST_NETWORK_ARENA_BYTES_LIMIT) {
      throw new InvalidArgumentError(
        `inFlightMax × datagramBytesMax must not exceed 2^30 bytes, got ${this.inFlightMax} × ${this.datagramBytesMax}; lower one of them`,
      );
    }
    this.transmitsPerInstantMax = optionInteger(
      options.transmitsPerInstantMax,
      TEST_NETWORK_TRANSMITS_PER_INSTANT_DEFAULT,
      1,
      2 ** 30,
      'transmitsPerInstantMax',
    );
    this.roundsPerInstantMax = optionInteger(
      options.roundsPerInstantMax,
      TEST_NETWORK_ROUNDS_PER_INSTANT_DEFAULT,
      1,
      2 ** 30,
      'roundsPerInstantMax',
    );
    this.traceCapacity = optionInteger(options.traceCapacity, 0, 0, 2 ** 26, 'traceCapacity');

    this.endpoints = options.endpoints.slice();
    this.crashed = new Uint8Array(count);
    this.sentThisInstant = new Int32Array(count);
    this.order = new Int32Array(count);
    for (let i = 0; i < count; i++) this.order[i] = i;
    this.shufflePollOrder = options.shufflePollOrder ?? false;
    this.hashing = options.hashEvents ?? true;
    this.info = new TransmitInfo();
    this.queue = new EventQueue(this.inFlightMax);

    const linkCount = count * count;
    this.linkCount = linkCount;
    const seed = options.seed;
    const networkState = new Uint32Array(PRNG_STATE_WORDS);
    seedPrngState(networkState, 0, seed, STREAM_NETWORK);
    this.networkPrng = new Prng(networkState);
    this.faults = new LinkFaultDraws({ linkCount, seed, firstStream: STREAM_FIRST_LINK });

    this.clockUs = startUs;
    this.lastInstantUs = startUs - 1;
    this.externalDue = true; // everyone is polled once at the start
    this.capDueUs = Number.POSITIVE_INFINITY;

    this.linkDown = new Uint8Array(linkCount);
    this.linkDelayUs = new Float64Array(linkCount);
    this.linkBytesPerSecond = new Float64Array(linkCount);
    this.linkQueueBytesMax = new Float64Array(linkCount);
    this.linkQueuedBytes = new Float64Array(linkCount);
    this.linkQueuedDatagrams = new Int32Array(linkCount);
    this.linkBusyStartUs = new Float64Array(linkCount);
    this.linkBusyBytes = new Float64Array(linkCount);
    this.linkLastDepartureUs = new Float64Array(linkCount);
    this.linkStatValues = new Float64Array(linkCount * STAT_COUNT);
    this.totalStatValues = new Float64Array(STAT_COUNT);
    this.instants = 0;
    this.timeoutCalls = 0;
    this.transmitCapHits = 0;
    this.roundCapHits = 0;
    this.capHitThisInstant = false;

    const slotBytes = this.datagramBytesMax;
    const slots = this.inFlightMax;
    // One zero-filled arena: the OS commits its pages only when datagrams touch them.
    this.arena = new Uint8Array(slots * slotBytes);
    this.slotViews = new Array<Uint8Array>(slots);
    for (let slot = 0; slot < slots; slot++) {
      this.slotViews[slot] = this.arena.subarray(slot * slotBytes, (slot + 1) * slotBytes);
    }
    this.scratch = new Uint8Array(slotBytes);
    this.slotLength = new Int32Array(slots);
    this.slotSrc = new Int32Array(slots);
    this.slotDst = new Int32Array(slots);
    this.slotId = new Float64Array(slots);
    this.slotNext = new Int32Array(slots);
    for (let slot = 0; slot < slots; slot++) this.slotNext[slot] = slot + 1 < slots ? slot + 1 : -1;
    this.freeHead = 0;
    this.inFlight = 0;
    this.inFlightPeak = 0;
    this.nextDatagramId = 0;

    const traceCapacity = this.traceCapacity;
    this.traceTimeUs = new Float64Array(traceCapacity);
    this.traceKinds = new Uint8Array(traceCapacity);
    this.traceSrc = new Int32Array(traceCapacity);
    this.traceDst = new Int32Array(traceCapacity);
    this.traceLength = new Int32Array(traceCapacity);
    this.traceBytesHash = new Uint32Array(traceCapacity);
    this.traceDatagramId = new Float64Array(traceCapacity);
    this.traceCount = 0;
    this.runningHash = FNV1A32_OFFSET_BASIS;

    const initial = options.link === undefined ? DEFAULT_LINK : { ...DEFAULT_LINK, ...options.link };
    for (let link = 0; link < linkCount; link++) this.applyLink(link, initial);
  }

  // ---------------------------------------------------------------------------------------------
  // Getters

  /** Current virtual time, µs. */
  get nowUs(): number {
    return this.clockUs;
  }

  /** Datagrams currently queued or in flight. */
  get inFlightDatagrams(): number {
    return this.inFlight;
  }

  /** Number of trace events recorded since the start (the ring keeps the last `traceCapacity`). */
  get traceTotal(): number {
    return this.traceCount;
  }

  /** The endpoint currently at `index` (the crashed one, if crashed and not replaced). */
  endpoint(index: number): DatagramEndpoint {
    this.checkEndpoint(index, 'endpoint');
    return this.endpoints[index] as DatagramEndpoint;
  }

  /** Whether endpoint `index` is crashed. */
  isCrashed(index: number): boolean {
    this.checkEndpoint(index, 'endpoint');
    return this.crashed[index] === 1;
  }

  /** The configuration of link `from → to`. */
  getLink(from: number, to: number): LinkConfig {
    const link = this.linkIndex(from, to);
    const faults = this.faults.parameters(link);
    return {
      down: this.linkDown[link] === 1,
      delayUs: this.linkDelayUs[link] as number,
      jitter: faults.jitter,
      jitterUs: faults.jitterScale,
      bytesPerSecond: this.linkBytesPerSecond[link] as number,
      queueBytesMax: this.linkQueueBytesMax[link] as number,
      lossProbability: faults.lossProbability,
      burstLoss: faults.burstLoss,
      duplicateProbability: faults.duplicateProbability,
      reorderProbability: faults.reorderProbability,
      reorderDelayUs: faults.reorderDelay,
      corruptProbability: faults.corruptProbability,
    };
  }

  /** Counters of link `from → to`. */
  linkStats(from: number, to: number): LinkStats {
    return this.statsAt(this.linkStatValues, this.linkIndex(from, to) * STAT_COUNT);
  }

  /** Totals over all links plus the driver's counters. */
  stats(): TestNetworkStats {
    return {
      ...this.statsAt(this.totalStatValues, 0),
      instants: this.instants,
      timeoutCalls: this.timeoutCalls,
      transmitCapHits: this.transmitCapHits,
      roundCapHits: this.roundCapHits,
      inFlightPeak: this.inFlightPeak,
    };
  }

  /** The running FNV-1a 32 hash of every event so far: equal for equal runs. */
  traceHash(): number {
    return this.runningHash;
  }

  /** The retained trace events, oldest first (allocates; for assertions and debugging). */
  traceEntries(): TraceEntry[] {
    const capacity = this.traceCapacity;
    const kept = Math.min(this.traceCount, capacity);
    const entries: TraceEntry[] = [];
    for (let k = 0; k < kept; k++) {
      const i = (this.traceCount - kept + k) % capacity;
      entries.push({
        timeUs: this.traceTimeUs[i] as number,
        kind: this.traceKinds[i] as TraceKind,
        src: this.traceSrc[i] as number,
        dst: this.traceDst[i] as number,
        length: this.traceLength[i] as number,
        bytesHash: this.traceBytesHash[i] as number,
        datagramId: this.traceDatagramId[i] as number,
      });
    }
    return entries;
  }

  /**
   * Time of the next instant the network would process: `nowUs` after `wake`/`replace`, else the
   * earliest pending event, endpoint timeout or deferred poll (never an already processed
   * instant); Infinity when nothing is pending.
   */
  nextEventUs(): number {
    if (this.externalDue) return this.clockUs;
    let next = this.queue.peekTimeUs();
    if (this.capDueUs < next) next = this.capDueUs;
    for (let i = 0; i < this.endpointCount; i++) {
      if (this.crashed[i] === 1) continue;
      const timeout = this.timeoutOf(i);
      if (timeout < next) next = timeout;
    }
    if (next < this.clockUs) next = this.clockUs; // a deadline the test moved into the past
    if (next <= this.lastInstantUs) next = this.lastInstantUs + 1; // never process an instant twice
    return next;
  }

  // ---------------------------------------------------------------------------------------------
  // Commands (between runs)

  /** Changes some fields of link `from → to`. Changing the rate mid-queue applies to later datagrams. */
  setLink(from: number, to: number, update: LinkUpdate): void {
    const link = this.linkIndex(from, to);
    this.applyLink(link, this.mergeLink(link, update));
    this.record(TraceKind.LinkChange, from, to, 0, 0, -1);
  }

  /** Changes some fields of every link. */
  setLinks(update: LinkUpdate): void {
    for (let link = 0; link < this.linkCount; link++) this.applyLink(link, this.mergeLink(link, update));
    this.record(TraceKind.LinkChange, -1, -1, 0, 0, -1);
  }

  /** Cuts both directions between `a` and `b`. */
  partition(a: number, b: number): void {
    this.setDown(a, b, 1);
    this.setDown(b, a, 1);
  }

  /** Cuts only `from → to` (an asymmetric partition). */
  partitionOneWay(from: number, to: number): void {
    this.setDown(from, to, 1);
  }

  /** Restores both directions between `a` and `b`. */
  heal(a: number, b: number): void {
    this.setDown(a, b, 0);
    this.setDown(b, a, 0);
  }

  /** Restores only `from → to`. */
  healOneWay(from: number, to: number): void {
    this.setDown(from, to, 0);
  }

  /** Cuts every link to and from `index`. */
  isolate(index: number): void {
    this.checkEndpoint(index, 'isolate');
    for (let other = 0; other < this.endpointCount; other++) {
      if (other !== index) this.partition(index, other);
    }
  }

  /** Restores every link. */
  healAll(): void {
    this.linkDown.fill(0);
    this.record(TraceKind.LinkChange, -1, -1, 0, 0, -1);
  }

  /**
   * Crashes endpoint `index`: it is no longer polled or timed and datagrams arriving for it are
   * dropped. Datagrams it already sent stay in the network.
   */
  crash(index: number): void {
    this.checkEndpoint(index, 'crash');
    this.crashed[index] = 1;
    this.record(TraceKind.Crash, index, -1, 0, 0, -1);
  }

  /**
   * Puts `endpoint` at `index` (a restart, crashed or not); it is polled at the current time in the
   * next step and receives whatever is still in flight to `index`.
   */
  replace(index: number, endpoint: DatagramEndpoint): void {
    this.checkEndpoint(index, 'replace');
    this.endpoints[index] = endpoint;
    this.crashed[index] = 0;
    this.externalDue = true;
    this.record(TraceKind.Replace, index, -1, 0, 0, -1);
  }

  /** The doorbell: the test gave endpoints new work; poll every endpoint at the current time in the next step. */
  wake(): void {
    this.externalDue = true;
    this.record(TraceKind.Wake, -1, -1, 0, 0, -1);
  }

  // ---------------------------------------------------------------------------------------------
  // Driving

  /** Processes the next instant. Returns false, doing nothing, when nothing is pending at all. */
  step(): boolean {
    const next = this.nextEventUs();
    if (next === Number.POSITIVE_INFINITY) return false;
    this.processInstant(next);
    return true;
  }

  /**
   * Processes every instant up to and including `timeUs` (a safe integer ≥ `nowUs`), then sets the
   * clock to `timeUs`. Returns the number of instants processed.
   */
  runUntil(timeUs: number): number {
    this.checkTarget(timeUs, 'runUntil');
    let processed = 0;
    for (;;) {
      const next = this.nextEventUs();
      if (next > timeUs) break;
      this.processInstant(next);
      processed++;
    }
    this.clockUs = timeUs;
    return processed;
  }

  /**
   * Runs until the network is idle — no datagram queued or in flight and no endpoint timeout or
   * deferred poll at or before `maxTimeUs` — and returns true with the clock at the last instant;
   * or returns false with the clock at `maxTimeUs` if it is not idle by then.
   */
  runUntilIdle(maxTimeUs: number): boolean {
    this.checkTarget(maxTimeUs, 'runUntilIdle');
    for (;;) {
      const next = this.nextEventUs();
      if (next > maxTimeUs) {
        if (this.inFlight === 0) return true;
        this.clockUs = maxTimeUs;
        return false;
      }
      this.processInstant(next);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The instant

  private processInstant(t: number): void {
    // An instant is processed once, unless the test rang the doorbell (wake/replace) after it.
    assert(t >= this.clockUs && (t > this.lastInstantUs || this.externalDue), 'instant in the past');
    this.clockUs = t;
    this.lastInstantUs = t;
    this.externalDue = false;
    this.capDueUs = Number.POSITIVE_INFINITY;
    this.capHitThisInstant = false;
    this.instants++;
    this.sentThisInstant.fill(0);
    if (this.shufflePollOrder) this.networkPrng.shuffle(this.order);
    for (let round = 1; ; round++) {
      this.processDueEvents(t);
      this.runTimers(t);
      this.pollEndpoints(t);
      if (!this.dueAt(t)) break;
      if (round === this.roundsPerInstantMax) {
        this.roundCapHits++;
        break;
      }
    }
    if (this.capHitThisInstant) this.capDueUs = t + 1;
  }

  private dueAt(t: number): boolean {
    if (this.queue.peekTimeUs() <= t) return true;
    for (let i = 0; i < this.endpointCount; i++) {
      if (this.crashed[i] === 0 && this.timeoutOf(i) <= t) return true;
    }
    return false;
  }

  private processDueEvents(t: number): void {
    const queue = this.queue;
    while (queue.peekTimeUs() <= t) {
      const kind = queue.peekKind();
      const slot = queue.peekTarget();
      queue.pop();
      if (kind === EVENT_DEPART) this.departQueued(slot, t);
      else this.deliver(slot, t);
    }
  }

  private runTimers(t: number): void {
    const order = this.order;
    for (let k = 0; k < this.endpointCount; k++) {
      const i = order[k] as number;
      if (this.crashed[i] === 1 || this.timeoutOf(i) > t) continue;
      this.timeoutCalls++;
      this.record(TraceKind.Timeout, i, -1, 0, 0, -1);
      (this.endpoints[i] as DatagramEndpoint).handleTimeout(t);
    }
  }

  private pollEndpoints(t: number): void {
    const order = this.order;
    for (let k = 0; k < this.endpointCount; k++) {
      const i = order[k] as number;
      if (this.crashed[i] === 0) this.pollEndpoint(i, t);
    }
  }

  private pollEndpoint(src: number, t: number): void {
    const endpoint = this.endpoints[src] as DatagramEndpoint;
    const info = this.info;
    const cap = this.transmitsPerInstantMax;
    let sent = this.sentThisInstant[src] as number;
    if (sent >= cap) return;
    while (sent < cap) {
      const slot = this.allocateSlot();
      const buffer = slot >= 0 ? (this.slotViews[slot] as Uint8Array) : this.scratch;
      info.peer = -1;
      info.priority = 0;
      const length = endpoint.pollTransmit(t, buffer, 0, info);
      if (length === 0) {
        if (slot >= 0) this.releaseSlot(slot);
        this.sentThisInstant[src] = sent;
        return;
      }
      const dst = info.peer;
      if (!Number.isInteger(length) || length < 0 || length > this.datagramBytesMax) {
        if (slot >= 0) this.releaseSlot(slot);
        throw new InvalidArgumentError(
          `endpoint ${src} returned datagram length ${length} from pollTransmit; it must be an integer in [0, ${this.datagramBytesMax}] (datagramBytesMax)`,
        );
      }
      if (!Number.isInteger(dst) || dst < 0 || dst >= this.endpointCount) {
        if (slot >= 0) this.releaseSlot(slot);
        throw new InvalidArgumentError(
          `endpoint ${src} sent a datagram to peer ${dst}; TransmitInfo.peer must be an endpoint index in [0, ${this.endpointCount})`,
        );
      }
      sent++;
      if (slot >= 0) this.send(slot, src, dst, length, t);
      else this.dropUnslotted(src, dst, length);
    }
    this.sentThisInstant[src] = sent;
    this.transmitCapHits++;
    this.capHitThisInstant = true;
  }

  // ---------------------------------------------------------------------------------------------
  // The life of a datagram

  private send(slot: number, src: number, dst: number, length: number, t: number): void {
    const link = src * this.endpointCount + dst;
    const id = this.nextDatagramId++;
    this.slotLength[slot] = length;
    this.slotSrc[slot] = src;
    this.slotDst[slot] = dst;
    this.slotId[slot] = id;
    this.addStat(link, S_SENT_DATAGRAMS, 1);
    this.addStat(link, S_SENT_BYTES, length);
    this.addStat(link, S_IN_FLIGHT, 1);
    this.notePeak();
    this.record(TraceKind.Send, src, dst, length, this.hashSlot(slot), id);
    if (this.linkDown[link] === 1) {
      this.drop(slot, link, S_DROPPED_DOWN, TraceKind.DropDown);
      return;
    }
    const bytesPerSecond = this.linkBytesPerSecond[link] as number;
    if (bytesPerSecond === Number.POSITIVE_INFINITY) {
      this.depart(slot, link, t);
      return;
    }
    const queuedBytes = (this.linkQueuedBytes[link] as number) + length;
    if (queuedBytes > (this.linkQueueBytesMax[link] as number)) {
      this.drop(slot, link, S_DROPPED_QUEUE, TraceKind.DropQueue);
      return;
    }
    const queuedDatagrams = (this.linkQueuedDatagrams[link] as number) + 1;
    this.linkQueuedBytes[link] = queuedBytes;
    this.linkQueuedDatagrams[link] = queuedDatagrams;
    this.peakStat(link, S_QUEUE_BYTES_PEAK, queuedBytes);
    this.peakStat(link, S_QUEUE_DATAGRAMS_PEAK, queuedDatagrams);
    if (t >= (this.linkLastDepartureUs[link] as number)) {
      // The link is idle: a new busy period starts now.
      this.linkBusyStartUs[link] = t;
      this.linkBusyBytes[link] = 0;
    }
    const busyBytes = (this.linkBusyBytes[link] as number) + length;
    const departureUs =
      (this.linkBusyStartUs[link] as number) + Math.ceil((busyBytes * MICROS_PER_SECOND) / bytesPerSecond);
    if (busyBytes * MICROS_PER_SECOND >= BUSY_MICRO_BYTES_REBASE) {
      this.linkBusyStartUs[link] = departureUs;
      this.linkBusyBytes[link] = 0;
    } else {
      this.linkBusyBytes[link] = busyBytes;
    }
    this.linkLastDepartureUs[link] = departureUs;
    const queued = this.queue.push(departureUs, EVENT_DEPART, slot);
    assert(queued, 'event queue smaller than the slot count');
  }

  /** Emitted while every slot was in use: counted and traced, never stored. */
  private dropUnslotted(src: number, dst: number, length: number): void {
    const link = src * this.endpointCount + dst;
    const id = this.nextDatagramId++;
    const hash = this.hashing || this.traceCapacity > 0 ? fnv1a32(this.scratch, 0, length) : 0;
    this.addStat(link, S_SENT_DATAGRAMS, 1);
    this.addStat(link, S_SENT_BYTES, length);
    this.addStat(link, S_DROPPED_IN_FLIGHT, 1);
    this.record(TraceKind.Send, src, dst, length, hash, id);
    this.record(TraceKind.DropInFlight, src, dst, length, hash, id);
  }

  private departQueued(slot: number, t: number): void {
    const link = (this.slotSrc[slot] as number) * this.endpointCount + (this.slotDst[slot] as number);
    const length = this.slotLength[slot] as number;
    this.linkQueuedBytes[link] = (this.linkQueuedBytes[link] as number) - length;
    this.linkQueuedDatagrams[link] = (this.linkQueuedDatagrams[link] as number) - 1;
    assert((this.linkQueuedDatagrams[link] as number) >= 0, 'link queue underflow');
    this.depart(slot, link, t);
  }

  private depart(slot: number, link: number, t: number): void {
    // Exactly six decision draws per departing datagram, whatever the configuration.
    const faults = this.faults.drawDeparture(link);
    if ((faults & FAULT_LOSS) !== 0) {
      this.drop(slot, link, S_DROPPED_LOSS, TraceKind.DropLoss);
      return;
    }
    if ((faults & FAULT_BURST_LOSS) !== 0) {
      this.drop(slot, link, S_DROPPED_BURST_LOSS, TraceKind.DropBurstLoss);
      return;
    }
    let copy = -1;
    if ((faults & FAULT_DUPLICATE) !== 0) {
      // Copy before the original's faults touch its bytes.
      copy = this.duplicate(slot, link);
    }
    this.launch(slot, link, t, faults);
    if (copy >= 0) this.launch(copy, link, t, this.faults.drawCopyFaults(link));
  }

  /** Makes the duplicate of `slot`; returns its slot, or −1 (counted as an in-flight drop) when none is free. */
  private duplicate(slot: number, link: number): number {
    const length = this.slotLength[slot] as number;
    const src = this.slotSrc[slot] as number;
    const dst = this.slotDst[slot] as number;
    const id = this.slotId[slot] as number;
    this.addStat(link, S_DUPLICATED, 1);
    const copy = this.allocateSlot();
    if (copy < 0) {
      this.addStat(link, S_DROPPED_IN_FLIGHT, 1);
      this.record(TraceKind.DropInFlight, src, dst, length, this.hashSlot(slot), id);
      return -1;
    }
    const from = slot * this.datagramBytesMax;
    this.arena.copyWithin(copy * this.datagramBytesMax, from, from + length);
    this.slotLength[copy] = length;
    this.slotSrc[copy] = src;
    this.slotDst[copy] = dst;
    this.slotId[copy] = id;
    this.addStat(link, S_IN_FLIGHT, 1);
    this.notePeak();
    this.record(TraceKind.Duplicate, src, dst, length, this.hashSlot(copy), id);
    return copy;
  }

  /** Applies corruption, jitter and reordering (`copyFaults` bits) to one copy and schedules its arrival. */
  private launch(slot: number, link: number, t: number, copyFaults: number): void {
    const length = this.slotLength[slot] as number;
    const src = this.slotSrc[slot] as number;
    const dst = this.slotDst[slot] as number;
    const id = this.slotId[slot] as number;
    if ((copyFaults & FAULT_CORRUPT) !== 0) {
      flipBit(this.arena, slot * this.datagramBytesMax, this.faults.drawCorruptBit(link, length));
      this.addStat(link, S_CORRUPTED, 1);
      this.record(TraceKind.Corrupt, src, dst, length, this.hashSlot(slot), id);
    }
    const delayUs = (this.linkDelayUs[link] as number) + this.faults.drawDelay(link, copyFaults);
    if ((copyFaults & FAULT_REORDER) !== 0) {
      this.addStat(link, S_REORDERED, 1);
      this.record(TraceKind.Reorder, src, dst, length, this.hashSlot(slot), id);
    }
    const queued = this.queue.push(t + delayUs, EVENT_DELIVER, slot);
    assert(queued, 'event queue smaller than the slot count');
  }

  private deliver(slot: number, t: number): void {
    const src = this.slotSrc[slot] as number;
    const dst = this.slotDst[slot] as number;
    const link = src * this.endpointCount + dst;
    if (this.linkDown[link] === 1) {
      this.drop(slot, link, S_DROPPED_DOWN, TraceKind.DropDown);
      return;
    }
    if (this.crashed[dst] === 1) {
      this.drop(slot, link, S_DROPPED_CRASHED, TraceKind.DropCrashed);
      return;
    }
    const length = this.slotLength[slot] as number;
    this.addStat(link, S_DELIVERED_DATAGRAMS, 1);
    this.addStat(link, S_DELIVERED_BYTES, length);
    this.record(TraceKind.Deliver, src, dst, length, this.hashSlot(slot), this.slotId[slot] as number);
    // Freed first: the endpoint may decrypt in place but cannot keep the bytes, and no slot is
    // allocated before it returns.
    this.freeSlot(slot, link);
    (this.endpoints[dst] as DatagramEndpoint).handleDatagram(t, this.slotViews[slot] as Uint8Array, 0, length, src);
  }

  private drop(slot: number, link: number, stat: number, kind: TraceKind): void {
    this.addStat(link, stat, 1);
    this.record(
      kind,
      this.slotSrc[slot] as number,
      this.slotDst[slot] as number,
      this.slotLength[slot] as number,
      this.hashSlot(slot),
      this.slotId[slot] as number,
    );
    this.freeSlot(slot, link);
  }

  // ---------------------------------------------------------------------------------------------
  // Slots

  private allocateSlot(): number {
    const slot = this.freeHead;
    if (slot < 0) return -1;
    this.freeHead = this.slotNext[slot] as number;
    this.slotNext[slot] = -1;
    this.inFlight++;
    return slot;
  }

  /** Updates the in-flight peak once a slot really holds a datagram (a poll borrows one first). */
  private notePeak(): void {
    if (this.inFlight > this.inFlightPeak) this.inFlightPeak = this.inFlight;
  }

  /** Returns a slot that never held a sent datagram (the poll returned 0 or failed). */
  private releaseSlot(slot: number): void {
    this.slotNext[slot] = this.freeHead;
    this.freeHead = slot;
    this.inFlight--;
  }

  private freeSlot(slot: number, link: number): void {
    this.addStat(link, S_IN_FLIGHT, -1);
    this.releaseSlot(slot);
  }

  // ---------------------------------------------------------------------------------------------
  // Statistics and trace

  private addStat(link: number, stat: number, amount: number): void {
    const at = link * STAT_COUNT + stat;
    this.linkStatValues[at] = (this.linkStatValues[at] as number) + amount;
    this.totalStatValues[stat] = (this.totalStatValues[stat] as number) + amount;
  }

  private peakStat(link: number, stat: number, value: number): void {
    const at = link * STAT_COUNT + stat;
    if (value > (this.linkStatValues[at] as number)) this.linkStatValues[at] = value;
    if (value > (this.totalStatValues[stat] as number)) this.totalStatValues[stat] = value;
  }

  private statsAt(values: Float64Array, base: number): LinkStats {
    const at = (stat: number): number => values[base + stat] as number;
    return {
      sentDatagrams: at(S_SENT_DATAGRAMS),
      sentBytes: at(S_SENT_BYTES),
      deliveredDatagrams: at(S_DELIVERED_DATAGRAMS),
      deliveredBytes: at(S_DELIVERED_BYTES),
      droppedDown: at(S_DROPPED_DOWN),
      droppedLoss: at(S_DROPPED_LOSS),
      droppedBurstLoss: at(S_DROPPED_BURST_LOSS),
      droppedQueue: at(S_DROPPED_QUEUE),
      droppedInFlight: at(S_DROPPED_IN_FLIGHT),
      droppedCrashed: at(S_DROPPED_CRASHED),
      duplicated: at(S_DUPLICATED),
      corrupted: at(S_CORRUPTED),
      reordered: at(S_REORDERED),
      queueBytesPeak: at(S_QUEUE_BYTES_PEAK),
      queueDatagramsPeak: at(S_QUEUE_DATAGRAMS_PEAK),
      inFlightDatagrams: at(S_IN_FLIGHT),
    };
  }

  private hashSlot(slot: number): number {
    if (!this.hashing && this.traceCapacity === 0) return 0;
    return fnv1a32(this.arena, slot * this.datagramBytesMax, this.slotLength[slot] as number);
  }

  private record(kind: TraceKind, src: number, dst: number, length: number, bytesHash: number, id: number): void {
    const t = this.clockUs;
    if (this.hashing) {
      let h = fnv1a32Word(this.runningHash, kind);
      h = fnv1a32Uint53(h, t);
      h = fnv1a32Word(h, src);
      h = fnv1a32Word(h, dst);
      h = fnv1a32Word(h, length);
      h = fnv1a32Word(h, bytesHash);
      this.runningHash = fnv1a32Uint53(h, id + 1);
    }
    const capacity = this.traceCapacity;
    if (capacity > 0) {
      const i = this.traceCount % capacity;
      this.traceTimeUs[i] = t;
      this.traceKinds[i] = kind;
      this.traceSrc[i] = src;
      this.traceDst[i] = dst;
      this.traceLength[i] = length;
      this.traceBytesHash[i] = bytesHash;
      this.traceDatagramId[i] = id;
    }
    this.traceCount++;
  }

  // ---------------------------------------------------------------------------------------------
  // Configuration helpers

  private mergeLink(link: number, update: LinkUpdate): LinkConfig {
    const current = this.getLinkByIndex(link);
    return { ...current, ...update };
  }

  private getLinkByIndex(link: number): LinkConfig {
    const n = this.endpointCount;
    return this.getLink(Math.floor(link / n), link % n);
  }

  private applyLink(link: number, config: LinkConfig): void {
    jitterCodeOf(config.jitter);
    const delayUs = checkMicros(config.delayUs, 'delayUs');
    const jitterUs = checkMicros(config.jitterUs, 'jitterUs');
    const reorderDelayUs = checkMicros(config.reorderDelayUs, 'reorderDelayUs');
    const bytesPerSecond = config.bytesPerSecond;
    if (!(bytesPerSecond > 0)) {
      throw new InvalidArgumentError(
        `bytesPerSecond must be positive (Infinity: no rate limit), got ${bytesPerSecond}`,
      );
    }
    const queueBytesMax = config.queueBytesMax;
    if (!Number.isSafeInteger(queueBytesMax) || queueBytesMax < 0) {
      throw new InvalidArgumentError(`queueBytesMax must be a safe non-negative integer, got ${queueBytesMax}`);
    }
    checkProbability(config.lossProbability, 'lossProbability');
    checkProbability(config.duplicateProbability, 'duplicateProbability');
    checkProbability(config.reorderProbability, 'reorderProbability');
    checkProbability(config.corruptProbability, 'corruptProbability');
    if (config.burstLoss !== null) checkGilbertElliott(config.burstLoss);
    if (typeof config.down !== 'boolean') throw new InvalidArgumentError('down must be a boolean');

    if (bytesPerSecond !== this.linkBytesPerSecond[link]) {
      // A new rate applies from the last scheduled departure on.
      this.linkBusyStartUs[link] = this.linkLastDepartureUs[link] as number;
      this.linkBusyBytes[link] = 0;
    }
    this.linkDown[link] = config.down ? 1 : 0;
    this.linkDelayUs[link] = delayUs;
    this.linkBytesPerSecond[link] = bytesPerSecond;
    this.linkQueueBytesMax[link] = queueBytesMax;
    this.faults.configure(link, {
      lossProbability: config.lossProbability,
      burstLoss: config.burstLoss,
      duplicateProbability: config.duplicateProbability,
      reorderProbability: config.reorderProbability,
      reorderDelay: reorderDelayUs,
      jitter: config.jitter,
      jitterScale: jitterUs,
      corruptProbability: config.corruptProbability,
    });
  }

  private setDown(from: number, to: number, down: number): void {
    const link = this.linkIndex(from, to);
    this.linkDown[link] = down;
    this.record(TraceKind.LinkChange, from, to, 0, 0, -1);
  }

  private linkIndex(from: number, to: number): number {
    this.checkEndpoint(from, 'link source');
    this.checkEndpoint(to, 'link destination');
    return from * this.endpointCount + to;
  }

  private checkEndpoint(index: number, what: string): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.endpointCount) {
      throw new InvalidArgumentError(`${what}: endpoint index must be in [0, ${this.endpointCount}), got ${index}`);
    }
  }

  private checkTarget(timeUs: number, what: string): void {
    if (!Number.isSafeInteger(timeUs) || timeUs < this.clockUs) {
      throw new InvalidArgumentError(`${what}: time must be a safe integer >= nowUs (${this.clockUs}), got ${timeUs}`);
    }
  }

  /** Endpoint `i`'s next deadline rounded up to an integer µs (Infinity when none). */
  private timeoutOf(i: number): number {
    const timeout = (this.endpoints[i] as DatagramEndpoint).pollTimeoutUs();
    if (Number.isNaN(timeout)) throw new InvalidArgumentError(`endpoint ${i} returned NaN from pollTimeoutUs`);
    return Math.ceil(timeout);
  }
}
