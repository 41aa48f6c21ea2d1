/**
 * The transfer table: every transfer of the endpoint — sender, receiver and time-wait records —
 * as one structure of arrays indexed by the transfer slot (the slot of the local transfer id from
 * {@link TransferIdAllocator}). Integer states, bit-mask flags, intrusive list links; the few
 * per-transfer objects (header / payload references, reassembly buffers, payload keys, range
 * sets) live in object arrays allocated once at construction.
 *
 * Also owns the receiver index: (peer, sender transfer id) → receiver slot, an open-addressing
 * hash over typed arrays with backward-shift deletion (no tombstones), so a retransmitted or
 * replayed notify finds its transfer in O(1).
 *
 * spec: state-machines.md#sender-transfer, state-machines.md#receiver-transfer
 */
import { assert } from '../assert.js';
import type { PayloadKey } from '../crypto/payload-records.js';
import { RangeSet } from '../range-set.js';
import { TransferIdAllocator } from '../slot-allocator.js';

/** Role of a transfer slot. */
export const Role = { Sender: 1, Receiver: 2 } as const;

/**
 * Sender states (spec names). QUEUED = waiting for its turn (credit); see state-machines.md.
 * spec: state-machines.md#sender-transfer
 */
export const SenderState = {
  Queued: 1,
  Notifying: 2,
  Held: 3,
  Accepted: 4,
  ServingPulls: 5,
  Draining: 6,
  AwaitingResponse: 7,
} as const;

/**
 * Receiver states (spec names). DELIVERED / FAILED / CANCELLED are time-wait records.
 * spec: state-machines.md#receiver-transfer
 */
export const ReceiverState = {
  /** A BULK transfer offered to the application (BULK_OFFERED), answered ACCEPT QUEUED until acceptBulk. */
  Offered: 9,
  Queued: 10,
  Accepted: 11,
  Pulling: 12,
  Reassembling: 13,
  Delivered: 14,
  Failed: 15,
  Cancelled: 16,
} as const;

/** Pending-output flags of a transfer (what its peer's next control datagram must carry). */
export const Pending = {
  /** Sender: a notify entry (first send or retransmission). */
  Notify: 0x01,
  /** Receiver: TRANSFER_ACCEPT with the current verdict. */
  Accept: 0x02,
  /** Receiver: PULL_REQUEST for the ranges in the transfer's pull scratch. */
  Pull: 0x04,
  /** Receiver: RANGE_ACK COMPLETE. */
  RangeAckComplete: 0x08,
  /** Receiver: RANGE_ACK of the received ranges (progress; keeps the sender's timers calm). */
  RangeAck: 0x20,
  /** Either: FLOW_RESET with the transfer's reset status. */
  FlowReset: 0x10,
} as const;

/** Transfer flags (bit mask). */
export const TransferFlag = {
  /** Inline payload (no buffer). */
  Inline: 0x01,
  /** Sender: the notify was retransmitted (no RTT sample from its ACCEPT). */
  Retransmitted: 0x02,
  /** Sender: a response is expected (UNARY_REQUEST). */
  ExpectsResponse: 0x04,
  /** Receiver: a delivered request the application has answered (or may no longer answer). */
  Responded: 0x08,
  /** Receiver: the current pull is a retransmission (no RTT sample). */
  PullRetransmission: 0x10,
  /** Receiver: the delivered transfer is a request waiting for respond() (no time-wait timer yet). */
  AwaitingRespond: 0x20,
  /** Receiver: the handle was given to the application (failures are reported). */
  Visible: 0x40,
  /** Sender: a new attempt (notifies carry the RETRY flag). */
  RetryAttempt: 0x100,
  /**
   * Sender: its first notify carried UNSCHEDULED and the sealed stream was queued behind it.
   * Receiver: it took the unscheduled chunks (implicit pull of [0, S)). spec: protocol.md#unscheduled
   */
  Unscheduled: 0x200,
  /** Sender: `retryOnPeerReset: false` — never re-attempted after a peer reset (peer-reset.ts). */
  RetryOnResetNever: 0x1000,
  /** Sender: `retryOnPeerReset: true` — the application declared it idempotent (peer-reset.ts). */
  RetryOnResetAlways: 0x2000,
  /** Sender, frozen: the peer's application provably never received it (decided when frozen). */
  ResetNeverDelivered: 0x4000,
  /** Sender: frozen while its peer is RESETTING (no timer but the hold, in no list, sends nothing). */
  Frozen: 0x8000,
} as const;

/** No slot / no link. */
export const NONE = -1;

/** Most ranges a sender keeps queued per transfer (the pulls it still has to serve). */
export const SEND_RANGES_MAX = 64;

/** Structure-of-arrays transfer state. Fields are public for the engine's modules; tests read them. */
export class TransferTable {
  /** Slots. */
  readonly capacity: number;
  /** Local transfer ids. */
  readonly ids: TransferIdAllocator;
  readonly role: Uint8Array;
  readonly state: Uint8Array;
  readonly peer: Int32Array;
  readonly kind: Uint8Array;
  readonly priority: Uint8Array;
  readonly flags: Uint16Array;
  readonly pending: Uint8Array;
  readonly resetStatus: Uint16Array;
  readonly metadata: Float64Array;
  readonly hasMetadata: Uint8Array;
  readonly payloadBytes: Float64Array;
  readonly sealedBytes: Float64Array;
  readonly recordSizeLog2: Uint8Array;
  /** Sender: buffer slot; receiver: unused. */
  readonly buffer: Int32Array;
  /** The peer's transfer id (sender: receiver id once accepted; receiver: sender id). */
  readonly peerIdHi: Uint32Array;
  readonly peerIdLo: Uint32Array;
  /** Reply-to: sender RESPONSE → the peer's request id; receiver RESPONSE → local request slot in `link`. */
  readonly replyToHi: Uint32Array;
  readonly replyToLo: Uint32Array;
  /** Requester: the response receiver slot; response receiver: the request slot. */
  readonly link: Int32Array;
  readonly linkGeneration: Uint32Array;
  // Timers and backoff.
  readonly timer: Int32Array;
  readonly timerKind: Uint8Array;
  readonly armedAtUs: Float64Array;
  readonly exponent: Uint8Array;
  readonly retransmits: Uint16Array;
  readonly silentExpiries: Uint16Array;
  readonly integrityFailures: Uint16Array;
  // Notify sequences (sender).
  readonly firstSeq: Float64Array;
  readonly lastSeq: Float64Array;
  readonly sentAtUs: Float64Array;
  // Pulls (receiver).
  readonly pullIdFirst: Float64Array;
  readonly pullIdLast: Float64Array;
  readonly requestedEnd: Float64Array;
  readonly outstandingBytes: Float64Array;
  readonly pullRangeCount: Uint8Array;
  /** Receiver: the ranges of the pending PULL_REQUEST ([start, end) pairs, 32 per slot). */
  readonly pullRanges: Float64Array;
  readonly reassemblyBytesHeld: Float64Array;
  /** Receiver: where the sealed stream starts in `reassembly` (0 unless an application destination). */
  readonly reassemblyOffset: Float64Array;
  /** Receiver: new bytes since the last RANGE_ACK. */
  readonly bytesSinceAck: Float64Array;
  readonly recordsVerified: Float64Array;
  // Sender: queued ranges to send (ring of SEND_RANGES_MAX per slot).
  readonly sendHead: Uint8Array;
  readonly sendCount: Uint8Array;
  readonly sendStart: Float64Array;
  readonly sendEnd: Float64Array;
  readonly sendPull: Float64Array;
  readonly sentEnd: Float64Array;
  readonly tailProbes: Uint16Array;
  /** Sender: attempts left after the current one, and the current attempt (0-based). */
  readonly attemptsLeft: Uint8Array;
  readonly attempt: Uint8Array;
  readonly lastPullId: Float64Array;
  // Objects.
  readonly headerRef: (Uint8Array | null)[];
  readonly inlineRef: (Uint8Array | null)[];
  readonly reassembly: (Uint8Array | null)[];
  readonly recordDone: (Uint8Array | null)[];
  readonly payloadKey: (PayloadKey | null)[];
  readonly received: (RangeSet | null)[];
  // Receiver index: (peer, sender id) → slot.
  private readonly indexSlots: Int32Array;
  private readonly indexMask: number;
  private indexCount: number;

  constructor(capacity: number, workerId: number) {
    this.capacity = capacity;
    this.ids = new TransferIdAllocator({ workerId, capacity });
    this.role = new Uint8Array(capacity);
    this.state = new Uint8Array(capacity);
    this.peer = new Int32Array(capacity).fill(NONE);
    this.kind = new Uint8Array(capacity);
    this.priority = new Uint8Array(capacity);
    this.flags = new Uint16Array(capacity);
    this.pending = new Uint8Array(capacity);
    this.resetStatus = new Uint16Array(capacity);
    this.metadata = new Float64Array(capacity);
    this.hasMetadata = new Uint8Array(capacity);
    this.payloadBytes = new Float64Array(capacity);
    this.sealedBytes = new Float64Array(capacity);
    this.recordSizeLog2 = new Uint8Array(capacity);
    this.buffer = new Int32Array(capacity).fill(NONE);
    this.peerIdHi = new Uint32Array(capacity);
    this.peerIdLo = new Uint32Array(capacity);
    this.replyToHi = new Uint32Array(capacity);
    this.replyToLo = new Uint32Array(capacity);
    this.link = new Int32Array(capacity).fill(NONE);
    this.linkGeneration = new Uint32Array(capacity);
    this.timer = new Int32Array(capacity).fill(NONE);
    this.timerKind = new Uint8Array(capacity);
    this.armedAtUs = new Float64Array(capacity);
    this.exponent = new Uint8Array(capacity);
    this.retransmits = new Uint16Array(capacity);
    this.silentExpiries = new Uint16Array(capacity);
    this.integrityFailures = new Uint16Array(capacity);
    this.firstSeq = new Float64Array(capacity);
    this.lastSeq = new Float64Array(capacity);
    this.sentAtUs = new Float64Array(capacity);
    this.pullIdFirst = new Float64Array(capacity);
    this.pullIdLast = new Float64Array(capacity);
    this.requestedEnd = new Float64Array(capacity);
    this.outstandingBytes = new Float64Array(capacity);
    this.pullRangeCount = new Uint8Array(capacity);
    this.pullRanges = new Float64Array(capacity * 64);
    this.reassemblyBytesHeld = new Float64Array(capacity);
    this.reassemblyOffset = new Float64Array(capacity);
    this.bytesSinceAck = new Float64Array(capacity);
    this.recordsVerified = new Float64Array(capacity);
    this.sendHead = new Uint8Array(capacity);
    this.sendCount = new Uint8Array(capacity);
    this.sendStart = new Float64Array(capacity * SEND_RANGES_MAX);
    this.sendEnd = new Float64Array(capacity * SEND_RANGES_MAX);
    this.sendPull = new Float64Array(capacity * SEND_RANGES_MAX);
    this.sentEnd = new Float64Array(capacity);
    this.tailProbes = new Uint16Array(capacity);
    this.attemptsLeft = new Uint8Array(capacity);
    this.attempt = new Uint8Array(capacity);
    this.lastPullId = new Float64Array(capacity);
    this.headerRef = new Array<Uint8Array | null>(capacity).fill(null);
    this.inlineRef = new Array<Uint8Array | null>(capacity).fill(null);
    this.reassembly = new Array<Uint8Array | null>(capacity).fill(null);
    this.recordDone = new Array<Uint8Array | null>(capacity).fill(null);
    this.payloadKey = new Array<PayloadKey | null>(capacity).fill(null);
    this.received = new Array<RangeSet | null>(capacity).fill(null);
    let size = 4;
    while (size < capacity * 2) size *= 2;
    this.indexSlots = new Int32Array(size).fill(NONE);
    this.indexMask = size - 1;
    this.indexCount = 0;
  }

  /** Live slots (any role, any state). */
  get liveCount(): number {
    return this.ids.liveCount;
  }

  /** Entries of the receiver index. */
  get indexedCount(): number {
    return this.indexCount;
  }

  /** Allocates a slot and resets its fields; returns it or {@link NONE} when the table is full. */
  allocate(role: number, peer: number): number {
    const slot = this.ids.allocate();
    if (slot < 0) return NONE;
    this.role[slot] = role;
    this.state[slot] = 0;
    this.peer[slot] = peer;
    this.kind[slot] = 0;
    this.priority[slot] = 0;
    this.flags[slot] = 0;
    this.pending[slot] = 0;
    this.resetStatus[slot] = 0;
    this.metadata[slot] = 0;
    this.hasMetadata[slot] = 0;
    this.payloadBytes[slot] = 0;
    this.sealedBytes[slot] = 0;
    this.recordSizeLog2[slot] = 0;
    this.buffer[slot] = NONE;
    this.peerIdHi[slot] = 0;
    this.peerIdLo[slot] = 0;
    this.replyToHi[slot] = 0;
    this.replyToLo[slot] = 0;
    this.link[slot] = NONE;
    this.linkGeneration[slot] = 0;
    this.timer[slot] = NONE;
    this.timerKind[slot] = 0;
    this.armedAtUs[slot] = 0;
    this.exponent[slot] = 0;
    this.retransmits[slot] = 0;
    this.silentExpiries[slot] = 0;
    this.integrityFailures[slot] = 0;
    this.firstSeq[slot] = 0;
    this.lastSeq[slot] = 0;
    this.sentAtUs[slot] = 0;
    this.pullIdFirst[slot] = 0;
    this.pullIdLast[slot] = 0;
    this.requestedEnd[slot] = 0;
    this.outstandingBytes[slot] = 0;
    this.pullRangeCount[slot] = 0;
    this.reassemblyBytesHeld[slot] = 0;
    this.reassemblyOffset[slot] = 0;
    this.bytesSinceAck[slot] = 0;
    this.recordsVerified[slot] = 0;
    this.sendHead[slot] = 0;
    this.sendCount[slot] = 0;
    this.sentEnd[slot] = 0;
    this.tailProbes[slot] = 0;
    this.attemptsLeft[slot] = 0;
    this.attempt[slot] = 0;
    this.lastPullId[slot] = 0;
    return slot;
  }

  /** Frees a slot (its id becomes stale). The caller has unlinked it and released its resources. */
  free(slot: number): void {
    this.role[slot] = 0;
    this.state[slot] = 0;
    this.peer[slot] = NONE;
    this.headerRef[slot] = null;
    this.inlineRef[slot] = null;
    this.reassembly[slot] = null;
    this.recordDone[slot] = null;
    this.payloadKey[slot] = null;
    this.ids.free(slot);
  }

  /** Handle of a live slot: generation × 2^28 + slot (an exact integer double). */
  handleOf(slot: number): number {
    return this.ids.slots.generationOf(slot) * HANDLE_SLOT_SPACE + slot;
  }

  /** The live slot a handle names, or {@link NONE}. */
  slotOfHandle(handle: number): number {
    if (!(Number.isInteger(handle) && handle >= 0)) return NONE;
    const slot = handle % HANDLE_SLOT_SPACE;
    const generation = (handle - slot) / HANDLE_SLOT_SPACE;
    if (slot >= this.capacity) return NONE;
    return this.ids.slots.isLive(slot, generation) ? slot : NONE;
  }

  /** A range set for a receiver slot (created once per slot, then reused). */
  rangeSetOf(slot: number): RangeSet {
    let set = this.received[slot] ?? null;
    if (set === null) {
      set = new RangeSet({ fragmentsMax: 1024 });
      this.received[slot] = set;
    }
    return set;
  }

  // ---- receiver index ----

  private hash(peer: number, hi: number, lo: number): number {
    let h = Math.imul(lo ^ 0x9e3779b9, 0x85ebca6b);
    h = Math.imul(h ^ hi ^ (h >>> 13), 0xc2b2ae35);
    h = Math.imul(h ^ peer ^ (h >>> 16), 0x27d4eb2f);
    return (h ^ (h >>> 15)) & this.indexMask;
  }

  /** Receiver slot for (peer, sender id), or {@link NONE}. */
  findReceiver(peer: number, hi: number, lo: number): number {
    let i = this.hash(peer, hi, lo);
    for (;;) {
      const slot = this.indexSlots[i] as number;
      if (slot === NONE) return NONE;
      if (this.peer[slot] === peer && this.peerIdHi[slot] === hi && this.peerIdLo[slot] === lo) return slot;
      i = (i + 1) & this.indexMask;
    }
  }

  /** Indexes a receiver slot by its peer and peer id (which must be set and not indexed yet). */
  indexReceiver(slot: number): void {
    let i = this.hash(this.peer[slot] as number, this.peerIdHi[slot] as number, this.peerIdLo[slot] as number);
    while (this.indexSlots[i] !== NONE) i = (i + 1) & this.indexMask;
    this.indexSlots[i] = slot;
    this.indexCount++;
  }

  /** Removes a receiver slot from the index. */
  unindexReceiver(slot: number): void {
    const mask = this.indexMask;
    let i = this.hash(this.peer[slot] as number, this.peerIdHi[slot] as number, this.peerIdLo[slot] as number);
    while (this.indexSlots[i] !== slot) {
      assert(this.indexSlots[i] !== NONE, 'unindex of a receiver that is not indexed');
      i = (i + 1) & mask;
    }
    // Backward-shift deletion.
    let hole = i;
    let j = (i + 1) & mask;
    for (;;) {
      const s = this.indexSlots[j] as number;
      if (s === NONE) break;
      const home = this.hash(this.peer[s] as number, this.peerIdHi[s] as number, this.peerIdLo[s] as number);
      const distHome = (j - home) & mask;
      const distHole = (j - hole) & mask;
      if (distHome >= distHole) {
        this.indexSlots[hole] = s;
        hole = j;
      }
      j = (j + 1) & mask;
    }
    this.indexSlots[hole] = NONE;
    this.indexCount--;
  }
}

/** Handles are generation × 2^28 + slot. */
export const HANDLE_SLOT_SPACE = 2 ** 28;
