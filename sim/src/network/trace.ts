/**
 * The simulator's event trace: every event of a run (a datagram emitted, leaving a port, dropped,
 * duplicated, corrupted, delivered; a timer; a fault or topology change; a scenario event) is
 * folded into a running 32-bit hash with its time in ns, its endpoints, its length, the hash of
 * its bytes, where it happened and the datagram's network-wide id. Equal hashes mean equal runs
 * (with overwhelming probability); the determinism tests compare them. The last `capacity`
 * events are also kept in a ring of typed arrays for assertions and debugging.
 *
 * Both hashes are FNV-1a over 32-bit words rather than bytes — `h = (h ^ word) × 16777619` — one
 * multiply per word instead of four, because hashing is the simulator's largest per-datagram cost.
 * Each step is a bijection of `h`, so a run that differs in any single field or datagram word
 * always changes the hash. Datagram words are read little-endian whatever the host's byte order,
 * so hashes are the same on every platform.
 */
import { assert, InvalidArgumentError } from '@dcq/core';
import { FNV1A32_OFFSET_BASIS } from '@dcq/core/testing';

const FNV1A32_PRIME = 0x01000193;
const TWO_POW_32 = 4294967296;
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * The word-wise FNV-1a hash of `bytes[offset, offset + length)`: little-endian 32-bit words, then
 * the 0–3 tail bytes one by one. `words` must view the same buffer as `bytes` from offset 0; it is
 * used when the host is little-endian and `offset` is 4-aligned. Returns an unsigned 32-bit integer.
 */
export function hashDatagram(bytes: Uint8Array, words: Int32Array, offset: number, length: number): number {
  let h = FNV1A32_OFFSET_BASIS;
  const wordCount = length >>> 2;
  if (HOST_LITTLE_ENDIAN && (offset & 3) === 0) {
    const first = offset >>> 2;
    const end = first + wordCount;
    for (let i = first; i < end; i++) h = Math.imul(h ^ (words[i] as number), FNV1A32_PRIME);
  } else {
    for (let i = 0; i < wordCount; i++) {
      const at = offset + 4 * i;
      const word =
        (bytes[at] as number) |
        ((bytes[at + 1] as number) << 8) |
        ((bytes[at + 2] as number) << 16) |
        ((bytes[at + 3] as number) << 24);
      h = Math.imul(h ^ word, FNV1A32_PRIME);
    }
  }
  const end = offset + length;
  for (let i = offset + 4 * wordCount; i < end; i++) h = Math.imul(h ^ (bytes[i] as number), FNV1A32_PRIME);
  return h >>> 0;
}

/** Largest trace ring accepted. */
export const TRACE_CAPACITY_MAX = 2 ** 24;

/** Kinds of trace events. `src`/`dst` are NIC ids unless the kind says otherwise. */
export const SimTraceKind = {
  /** An endpoint emitted a datagram (`where` = the sending NIC). */
  Send: 1,
  /** A datagram finished serializing on a port and entered its link (`where` = link id). */
  Depart: 2,
  /** A datagram was handed to its destination endpoint (`where` = the receiving NIC). */
  Deliver: 3,
  /** Tail-dropped at a full port buffer (`where` = link id, `length` = datagram bytes). */
  DropQueue: 4,
  /** Dropped by a link's uniform loss. */
  DropLoss: 5,
  /** Dropped by a link's Gilbert–Elliott channel. */
  DropBurstLoss: 6,
  /** Dropped: the link was down (or its sending NIC failed) when the datagram left the port. */
  DropLinkDown: 7,
  /** A duplicate copy was made on a link (bytes of the copy). */
  Duplicate: 8,
  /** A copy had one bit flipped on a link (bytes after the flip). */
  Corrupt: 9,
  /** A copy got the link's reordering delay. */
  Reorder: 10,
  /** Dropped at send: larger than the MTU. */
  DropMtu: 11,
  /** Dropped: no free datagram slot (`where` = NIC at send, link for a duplicate). */
  DropNoSlot: 12,
  /** Dropped at send: the peer index maps to no address. */
  DropNoRoute: 13,
  /** Dropped on arrival at a failed NIC. */
  DropNicDown: 14,
  /** Dropped on arrival at a crashed host. */
  DropHostDown: 15,
  /** Dropped by a partition between the two hosts (at the first switch or on arrival). */
  DropPartition: 16,
  /** Dropped on arrival: the receiving NIC has no peer index for the sender's address. */
  DropUnknownPeer: 17,
  /** Discarded from a crashed host's NIC queue. */
  DropFlushed: 18,
  /** `handleTimeout` ran (`where` = NIC). */
  Timeout: 19,
  /** A host crashed (`src` = host). */
  HostCrash: 20,
  /** A host restarted with fresh endpoints (`src` = host, `dst` = incarnation). */
  HostRestart: 21,
  /** A NIC failed (`src` = NIC). */
  NicFail: 22,
  /** A NIC recovered (`src` = NIC). */
  NicRecover: 23,
  /** A link's faults changed (`where` = link, −1 for all links). */
  LinkChange: 24,
  /** A partition was set or healed (`src`/`dst` = hosts, −1 for all; `length` = 1 set, 0 healed). */
  PartitionChange: 25,
  /** The scenario rang an endpoint's doorbell (`where` = NIC). */
  Wake: 26,
  /** A scenario event fired (`src` = its kind, `dst` = its argument). */
  ScenarioEvent: 27,
  /** A peer-table entry changed (`src` = NIC, `dst` = the new address or −1, `length` = peer index). */
  PeerChange: 28,
  /** A link's rate was clogged or restored (`where` = link, `length` = the rate divisor ×1000). */
  Clog: 29,
} as const;

/** A trace event kind. */
export type SimTraceKind = (typeof SimTraceKind)[keyof typeof SimTraceKind];

const KIND_NAMES: readonly string[] = [
  'none',
  'send',
  'depart',
  'deliver',
  'drop-queue',
  'drop-loss',
  'drop-burst-loss',
  'drop-link-down',
  'duplicate',
  'corrupt',
  'reorder',
  'drop-mtu',
  'drop-no-slot',
  'drop-no-route',
  'drop-nic-down',
  'drop-host-down',
  'drop-partition',
  'drop-unknown-peer',
  'drop-flushed',
  'timeout',
  'host-crash',
  'host-restart',
  'nic-fail',
  'nic-recover',
  'link-change',
  'partition-change',
  'wake',
  'scenario-event',
  'peer-change',
  'clog',
];

/** The name of a trace kind, e.g. `drop-queue`. */
export function simTraceKindName(kind: number): string {
  return KIND_NAMES[kind] ?? `unknown(${kind})`;
}

/** One recorded trace event. */
export interface SimTraceEntry {
  /** Virtual time, ns. */
  readonly timeNs: number;
  /** What happened. */
  readonly kind: SimTraceKind;
  /** Source NIC (or the object concerned, see {@link SimTraceKind}); −1 when none. */
  readonly src: number;
  /** Destination NIC (or a second argument); −1 when none. */
  readonly dst: number;
  /** Datagram length in bytes (0 for non-datagram events unless the kind says otherwise). */
  readonly length: number;
  /** {@link hashDatagram} of the datagram bytes at that moment (0 when not hashed or not a datagram). */
  readonly bytesHash: number;
  /** Where it happened: a link id or NIC id per the kind; −1 when none. */
  readonly where: number;
  /** Network-wide number of the datagram, shared by its duplicates; −1 for non-datagram events. */
  readonly datagramId: number;
}

/** The running hash plus the ring of recent events; see the module comment. */
export class SimTrace {
  /** Events kept in the ring (0: none). */
  readonly capacity: number;
  private readonly timeNs: Float64Array;
  private readonly kinds: Uint8Array;
  private readonly srcs: Int32Array;
  private readonly dsts: Int32Array;
  private readonly lengths: Int32Array;
  private readonly bytesHashes: Uint32Array;
  private readonly wheres: Int32Array;
  private readonly datagramIds: Float64Array;
  private recorded: number;
  private runningHash: number;

  /** @param capacity - events kept in the ring: an integer in [0, {@link TRACE_CAPACITY_MAX}]. */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0 || capacity > TRACE_CAPACITY_MAX) {
      throw new InvalidArgumentError(`traceCapacity must be an integer in [0, 2^24], got ${capacity}`);
    }
    this.capacity = capacity;
    this.timeNs = new Float64Array(capacity);
    this.kinds = new Uint8Array(capacity);
    this.srcs = new Int32Array(capacity);
    this.dsts = new Int32Array(capacity);
    this.lengths = new Int32Array(capacity);
    this.bytesHashes = new Uint32Array(capacity);
    this.wheres = new Int32Array(capacity);
    this.datagramIds = new Float64Array(capacity);
    this.recorded = 0;
    this.runningHash = FNV1A32_OFFSET_BASIS;
  }

  /** The running hash of every event recorded so far. */
  get hash(): number {
    return this.runningHash;
  }

  /** Events recorded since the start (the ring keeps the last `capacity`). */
  get total(): number {
    return this.recorded;
  }

  /** Folds one event into the hash and the ring. `timeNs` and `datagramId + 1` are safe non-negative integers. */
  record(
    kind: SimTraceKind,
    timeNs: number,
    src: number,
    dst: number,
    length: number,
    bytesHash: number,
    where: number,
    datagramId: number,
  ): void {
    const timeHigh = Math.floor(timeNs / TWO_POW_32);
    const idHigh = Math.floor((datagramId + 1) / TWO_POW_32);
    let h = Math.imul(this.runningHash ^ kind, FNV1A32_PRIME);
    h = Math.imul(h ^ (timeNs - timeHigh * TWO_POW_32), FNV1A32_PRIME);
    h = Math.imul(h ^ timeHigh, FNV1A32_PRIME);
    h = Math.imul(h ^ src, FNV1A32_PRIME);
    h = Math.imul(h ^ dst, FNV1A32_PRIME);
    h = Math.imul(h ^ length, FNV1A32_PRIME);
    h = Math.imul(h ^ bytesHash, FNV1A32_PRIME);
    h = Math.imul(h ^ where, FNV1A32_PRIME);
    h = Math.imul(h ^ (datagramId + 1 - idHigh * TWO_POW_32), FNV1A32_PRIME);
    this.runningHash = Math.imul(h ^ idHigh, FNV1A32_PRIME) >>> 0;
    const capacity = this.capacity;
    if (capacity > 0) {
      const i = this.recorded % capacity;
      this.timeNs[i] = timeNs;
      this.kinds[i] = kind;
      this.srcs[i] = src;
      this.dsts[i] = dst;
      this.lengths[i] = length;
      this.bytesHashes[i] = bytesHash;
      this.wheres[i] = where;
      this.datagramIds[i] = datagramId;
    }
    this.recorded++;
  }

  /** The retained events, oldest first (allocates; for assertions and debugging). */
  entries(): SimTraceEntry[] {
    const capacity = this.capacity;
    const kept = Math.min(this.recorded, capacity);
    const out: SimTraceEntry[] = [];
    for (let k = 0; k < kept; k++) {
      const i = (this.recorded - kept + k) % capacity;
      assert(i >= 0 && i < capacity, 'trace ring index out of range');
      out.push({
        timeNs: this.timeNs[i] as number,
        kind: this.kinds[i] as SimTraceKind,
        src: this.srcs[i] as number,
        dst: this.dsts[i] as number,
        length: this.lengths[i] as number,
        bytesHash: this.bytesHashes[i] as number,
        where: this.wheres[i] as number,
        datagramId: this.datagramIds[i] as number,
      });
    }
    return out;
  }
}
