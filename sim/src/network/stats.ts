/**
 * The simulator's counters: which exist, what each means, where each lives in the flat
 * `Float64Array`s the {@link SimNetwork} updates on its hot path, and the plain objects the
 * accessors build from them (allocating, off the hot path). Counters are doubles: exact up to 2^53.
 *
 * Conservation (checked by the tests): every datagram an endpoint emits plus every duplicate is,
 * at any moment, exactly one of: delivered, dropped for one counted reason, or in the network:
 * `Σ nic.sent + Σ link.duplicated = Σ nic.delivered + Σ nic drops + Σ link drops + inFlight`.
 */

/** Priority classes of a port (TransmitInfo.priority 0 … 7, 0 highest). */
export const PRIORITY_CLASSES = 8;

// Per-link counters, `link * LINK_STAT_COUNT + index`.
/** @internal */ export const L_TX_DATAGRAMS = 0;
/** @internal */ export const L_TX_BYTES = 1;
/** @internal */ export const L_DELIVERED_DATAGRAMS = 2;
/** @internal */ export const L_DELIVERED_BYTES = 3;
/** @internal */ export const L_DROPPED_QUEUE = 4;
/** @internal */ export const L_DROPPED_QUEUE_BYTES = 5;
/** @internal */ export const L_DROPPED_DOWN = 6;
/** @internal */ export const L_DROPPED_LOSS = 7;
/** @internal */ export const L_DROPPED_BURST_LOSS = 8;
/** @internal */ export const L_DROPPED_NO_SLOT = 9;
/** @internal */ export const L_DROPPED_FLUSHED = 10;
/** @internal */ export const L_DUPLICATED = 11;
/** @internal */ export const L_CORRUPTED = 12;
/** @internal */ export const L_REORDERED = 13;
/** @internal */ export const L_QUEUE_BYTES_PEAK = 14;
/** @internal */ export const L_QUEUE_DATAGRAMS_PEAK = 15;
/** @internal */ export const L_BUSY_NS = 16;
/** @internal */ export const LINK_STAT_COUNT = 17;

// Per-link, per-class counters, `(link * PRIORITY_CLASSES + class) * CLASS_STAT_COUNT + index`.
/** @internal */ export const C_TX_DATAGRAMS = 0;
/** @internal */ export const C_TX_BYTES = 1;
/** @internal */ export const C_DROPPED_QUEUE = 2;
/** @internal */ export const C_DROPPED_QUEUE_BYTES = 3;
/** @internal */ export const C_QUEUE_BYTES_PEAK = 4;
/** @internal */ export const CLASS_STAT_COUNT = 5;

// Per-NIC counters, `nic * NIC_STAT_COUNT + index`.
/** @internal */ export const N_SENT_DATAGRAMS = 0;
/** @internal */ export const N_SENT_BYTES = 1;
/** @internal */ export const N_DELIVERED_DATAGRAMS = 2;
/** @internal */ export const N_DELIVERED_BYTES = 3;
/** @internal */ export const N_DROPPED_MTU = 4;
/** @internal */ export const N_DROPPED_NO_SLOT = 5;
/** @internal */ export const N_DROPPED_NO_ROUTE = 6;
/** @internal */ export const N_DROPPED_NIC_DOWN = 7;
/** @internal */ export const N_DROPPED_HOST_DOWN = 8;
/** @internal */ export const N_DROPPED_PARTITION = 9;
/** @internal */ export const N_DROPPED_UNKNOWN_PEER = 10;
/** @internal */ export const N_TIMEOUT_CALLS = 11;
/** @internal */ export const N_POLL_CALLS = 12;
/** @internal */ export const N_TRANSMIT_CAP_HITS = 13;
/** @internal */ export const N_BACKPRESSURE_STALLS = 14;
/** @internal */ export const NIC_STAT_COUNT = 15;

/** Counters of one priority class on one link's port. Bytes are datagram (payload) bytes. */
export interface ClassStats {
  /** Datagrams of this class that finished serializing onto the link. */
  readonly txDatagrams: number;
  /** Their bytes. */
  readonly txBytes: number;
  /** Tail drops of this class at the port's buffer bound. */
  readonly droppedQueue: number;
  /** Their bytes. */
  readonly droppedQueueBytes: number;
  /** Largest buffer occupancy of this class seen, in wire bytes. */
  readonly queueBytesPeak: number;
}

/** Counters of one directed link and the port that drives it. Bytes are datagram bytes unless noted. */
export interface LinkStats {
  /** The link's name, e.g. `leaf0->h3.n1`. */
  readonly name: string;
  /** Datagrams that finished serializing onto the link (before its faults). */
  readonly txDatagrams: number;
  /** Their bytes. */
  readonly txBytes: number;
  /** Copies that reached the far end (duplicates included; arrival-side drops are counted per NIC). */
  readonly deliveredDatagrams: number;
  /** Their bytes. */
  readonly deliveredBytes: number;
  /** Tail drops at the port's buffer bound (all classes). */
  readonly droppedQueue: number;
  /** Their bytes. */
  readonly droppedQueueBytes: number;
  /** Dropped because the link was down (or its NIC failed) at departure. */
  readonly droppedDown: number;
  /** Dropped by uniform loss. */
  readonly droppedLoss: number;
  /** Dropped by the Gilbert–Elliott channel. */
  readonly droppedBurstLoss: number;
  /** Duplicates that found no free datagram slot. */
  readonly droppedNoSlot: number;
  /** Discarded from the queue of a crashed host's NIC. */
  readonly droppedFlushed: number;
  /** Duplicate copies made. */
  readonly duplicated: number;
  /** Copies with a flipped bit. */
  readonly corrupted: number;
  /** Copies given the reordering delay. */
  readonly reordered: number;
  /** Largest buffer occupancy seen, wire bytes. */
  readonly queueBytesPeak: number;
  /** Largest buffer occupancy seen, datagrams (the one serializing included). */
  readonly queueDatagramsPeak: number;
  /** Current buffer occupancy, wire bytes. */
  readonly queueBytes: number;
  /** Total time the port spent serializing, ns (utilisation = busyNs / elapsed). */
  readonly busyNs: number;
  /** Per priority class, index = class. */
  readonly classes: readonly ClassStats[];
}

/** Counters of one NIC and the endpoint behind it. */
export interface NicStats {
  /** Datagrams its endpoint emitted (before any check). */
  readonly sentDatagrams: number;
  /** Their bytes. */
  readonly sentBytes: number;
  /** Datagrams handed to its endpoint. */
  readonly deliveredDatagrams: number;
  /** Their bytes. */
  readonly deliveredBytes: number;
  /** Emitted datagrams larger than the MTU, dropped. */
  readonly droppedMtu: number;
  /** Emitted while every datagram slot was in use, dropped. */
  readonly droppedNoSlot: number;
  /** Emitted to a peer index that maps to no address, dropped. */
  readonly droppedNoRoute: number;
  /** Arrived while this NIC was failed, dropped. */
  readonly droppedNicDown: number;
  /** Arrived while this NIC's host was crashed, dropped. */
  readonly droppedHostDown: number;
  /** Addressed to this NIC and dropped by a partition (at the first switch or on arrival). */
  readonly droppedPartition: number;
  /** Arrived from an address this NIC has no peer index for, dropped. */
  readonly droppedUnknownPeer: number;
  /** `handleTimeout` calls. */
  readonly timeoutCalls: number;
  /** Times its endpoint was polled for transmits (one per instant it was due). */
  readonly pollCalls: number;
  /** Times the per-instant transmit cap cut a poll short. */
  readonly transmitCapHits: number;
  /** Times polling paused because the NIC's transmit queue was full (socket backpressure). */
  readonly backpressureStalls: number;
}

/** Totals of one host over its NICs. */
export interface HostStats {
  /** Datagrams its endpoints emitted. */
  readonly sentDatagrams: number;
  /** Their bytes. */
  readonly sentBytes: number;
  /** Datagrams delivered to its endpoints. */
  readonly deliveredDatagrams: number;
  /** Their bytes. */
  readonly deliveredBytes: number;
  /** Times it restarted. */
  readonly incarnation: number;
}

/** Network-wide totals plus the driver's own counters. */
export interface SimNetworkStats {
  /** Sum over NICs. */
  readonly nics: NicStats;
  /** Sum over links (peaks are maxima; `name` is `all`; busyNs is summed). */
  readonly links: LinkStats;
  /** Instants processed. */
  readonly instants: number;
  /** Instants cut short by the rounds cap. */
  readonly roundCapHits: number;
  /** Datagrams queued or in flight now. */
  readonly inFlightDatagrams: number;
  /** Largest number of datagram slots in use at once. */
  readonly slotsPeak: number;
  /** Link-level events processed (departures and arrivals). */
  readonly hopEvents: number;
}

/** Builds a {@link ClassStats} from `values[base …]`. */
export function classStatsAt(values: Float64Array, base: number): ClassStats {
  return {
    txDatagrams: values[base + C_TX_DATAGRAMS] as number,
    txBytes: values[base + C_TX_BYTES] as number,
    droppedQueue: values[base + C_DROPPED_QUEUE] as number,
    droppedQueueBytes: values[base + C_DROPPED_QUEUE_BYTES] as number,
    queueBytesPeak: values[base + C_QUEUE_BYTES_PEAK] as number,
  };
}

/** Builds a {@link LinkStats} from `values[base …]` and the per-class block `classValues[classBase …]`. */
export function linkStatsAt(
  name: string,
  values: Float64Array,
  base: number,
  queueBytes: number,
  classValues: Float64Array,
  classBase: number,
): LinkStats {
  const classes: ClassStats[] = [];
  for (let c = 0; c < PRIORITY_CLASSES; c++) classes.push(classStatsAt(classValues, classBase + c * CLASS_STAT_COUNT));
  return {
    name,
    txDatagrams: values[base + L_TX_DATAGRAMS] as number,
    txBytes: values[base + L_TX_BYTES] as number,
    deliveredDatagrams: values[base + L_DELIVERED_DATAGRAMS] as number,
    deliveredBytes: values[base + L_DELIVERED_BYTES] as number,
    droppedQueue: values[base + L_DROPPED_QUEUE] as number,
    droppedQueueBytes: values[base + L_DROPPED_QUEUE_BYTES] as number,
    droppedDown: values[base + L_DROPPED_DOWN] as number,
    droppedLoss: values[base + L_DROPPED_LOSS] as number,
    droppedBurstLoss: values[base + L_DROPPED_BURST_LOSS] as number,
    droppedNoSlot: values[base + L_DROPPED_NO_SLOT] as number,
    droppedFlushed: values[base + L_DROPPED_FLUSHED] as number,
    duplicated: values[base + L_DUPLICATED] as number,
    corrupted: values[base + L_CORRUPTED] as number,
    reordered: values[base + L_REORDERED] as number,
    queueBytesPeak: values[base + L_QUEUE_BYTES_PEAK] as number,
    queueDatagramsPeak: values[base + L_QUEUE_DATAGRAMS_PEAK] as number,
    queueBytes,
    busyNs: values[base + L_BUSY_NS] as number,
    classes,
  };
}

/** Builds a {@link NicStats} from `values[base …]`. */
export function nicStatsAt(values: Float64Array, base: number): NicStats {
  return {
    sentDatagrams: values[base + N_SENT_DATAGRAMS] as number,
    sentBytes: values[base + N_SENT_BYTES] as number,
    deliveredDatagrams: values[base + N_DELIVERED_DATAGRAMS] as number,
    deliveredBytes: values[base + N_DELIVERED_BYTES] as number,
    droppedMtu: values[base + N_DROPPED_MTU] as number,
    droppedNoSlot: values[base + N_DROPPED_NO_SLOT] as number,
    droppedNoRoute: values[base + N_DROPPED_NO_ROUTE] as number,
    droppedNicDown: values[base + N_DROPPED_NIC_DOWN] as number,
    droppedHostDown: values[base + N_DROPPED_HOST_DOWN] as number,
    droppedPartition: values[base + N_DROPPED_PARTITION] as number,
    droppedUnknownPeer: values[base + N_DROPPED_UNKNOWN_PEER] as number,
    timeoutCalls: values[base + N_TIMEOUT_CALLS] as number,
    pollCalls: values[base + N_POLL_CALLS] as number,
    transmitCapHits: values[base + N_TRANSMIT_CAP_HITS] as number,
    backpressureStalls: values[base + N_BACKPRESSURE_STALLS] as number,
  };
}

/** Which link counters are maxima rather than sums when totalled. */
export function isPeakLinkStat(index: number): boolean {
  return index === L_QUEUE_BYTES_PEAK || index === L_QUEUE_DATAGRAMS_PEAK;
}
