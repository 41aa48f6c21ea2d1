/**
 * Per-peer state of the endpoint: the peer's sealer (control keys toward it), notify sequence and
 * credit, RTT estimator, liveness, the heads of its intrusive transfer lists (control, wait, data),
 * its ring of stateless replies, and its place in the transmit round-robin.
 */
import { assert } from '../assert.js';
import { RttEstimator } from '../rtt-estimator.js';
import type { ControlDatagramSealer } from '../secure-datagram.js';
import { NONE } from './transfer-table.js';

/** Kinds of stateless replies (messages for which no transfer slot exists). */
export const ReplyKind = {
  /** FLOW_RESET(a = sender id, b = receiver id, status). */
  FlowReset: 1,
  /** TRANSFER_ACCEPT REJECTED(a = sender id, status = reason), receiver id 0. */
  Reject: 2,
  /** TRANSFER_CHALLENGE for held notify `held`. */
  Challenge: 3,
  /** TRANSFER_CHALLENGE_RESPONSE(a = sender id, b = notify sequence, nonce). */
  ChallengeResponse: 4,
  /** CANCEL_PULL(a = sender id, every pull). */
  CancelPull: 5,
  /** PROBE_RESPONSE(a hi = probe id, a lo = timestamp). */
  ProbeResponse: 6,
  /** PROBE(a hi = probe id, a lo = timestamp). */
  Probe: 7,
  /** STREAM_CLOSE_ACK(a = stream id, status = flags). */
  StreamCloseAck: 8,
} as const;

/** Bytes of a challenge nonce. */
const NONCE_BYTES = 16;

/** Transmit classes (= network priority classes): 0 for CONTROL datagrams, 1 … 7 for DATA. */
export const TRANSMIT_CLASSES = 8;

/** Structure-of-arrays peer state. */
export class PeerTable {
  readonly capacity: number;
  readonly repliesMax: number;
  readonly active: Uint8Array;
  readonly sealers: (ControlDatagramSealer | null)[];
  readonly rtt: RttEstimator[];
  readonly nextNotifySeq: Float64Array;
  readonly notifyCredit: Float64Array;
  readonly lastHeardUs: Float64Array;
  readonly roundCount: Int32Array;
  readonly inRing: Uint8Array;
  // Reply ring (per peer, repliesMax entries).
  readonly replyHead: Int32Array;
  readonly replyCount: Int32Array;
  readonly replyKind: Uint8Array;
  readonly replyAHi: Uint32Array;
  readonly replyALo: Uint32Array;
  readonly replyBHi: Uint32Array;
  readonly replyBLo: Uint32Array;
  readonly replyStatus: Uint16Array;
  readonly replyNonce: Uint8Array;
  /** Replies dropped because a peer's ring was full (the peer retransmits). */
  repliesDropped: number;
  // Round-robin rings of peers with something to send, one per transmit class (0 = control).
  private readonly ring: Int32Array;
  private readonly ringHeads: Int32Array;
  private readonly ringCounts: Int32Array;
  /** The class of the ring the last {@link peekRing} chose. */
  ringClass: number;

  constructor(capacity: number, repliesMax: number) {
    this.capacity = capacity;
    this.repliesMax = repliesMax;
    this.active = new Uint8Array(capacity);
    this.sealers = new Array<ControlDatagramSealer | null>(capacity).fill(null);
    this.rtt = [];
    for (let i = 0; i < capacity; i++) this.rtt.push(new RttEstimator());
    this.nextNotifySeq = new Float64Array(capacity);
    this.notifyCredit = new Float64Array(capacity);
    this.lastHeardUs = new Float64Array(capacity).fill(-1);
    this.roundCount = new Int32Array(capacity);
    this.inRing = new Uint8Array(capacity * TRANSMIT_CLASSES);
    this.replyHead = new Int32Array(capacity);
    this.replyCount = new Int32Array(capacity);
    const n = capacity * repliesMax;
    this.replyKind = new Uint8Array(n);
    this.replyAHi = new Uint32Array(n);
    this.replyALo = new Uint32Array(n);
    this.replyBHi = new Uint32Array(n);
    this.replyBLo = new Uint32Array(n);
    this.replyStatus = new Uint16Array(n);
    this.replyNonce = new Uint8Array(n * NONCE_BYTES);
    this.repliesDropped = 0;
    this.ring = new Int32Array(capacity * TRANSMIT_CLASSES);
    this.ringHeads = new Int32Array(TRANSMIT_CLASSES);
    this.ringCounts = new Int32Array(TRANSMIT_CLASSES);
    this.ringClass = 0;
  }

  /** Peers waiting in the transmit rings (a peer counts once per class it waits in). */
  get ringSize(): number {
    let total = 0;
    for (let c = 0; c < TRANSMIT_CLASSES; c++) total += this.ringCounts[c] as number;
    return total;
  }

  /**
   * Queues `peer` for transmission in class `transmitClass` (0 = control, the highest; 1 … 7 =
   * DATA of that network class); a no-op if it already waits there. spec: congestion.md#network-priority
   */
  schedule(peer: number, transmitClass = 0): void {
    const flag = peer * TRANSMIT_CLASSES + transmitClass;
    if (this.inRing[flag] === 1) return;
    this.inRing[flag] = 1;
    const base = transmitClass * this.capacity;
    const count = this.ringCounts[transmitClass] as number;
    this.ring[base + (((this.ringHeads[transmitClass] as number) + count) % this.capacity)] = peer;
    this.ringCounts[transmitClass] = count + 1;
  }

  /**
   * The peer at the head of the highest-priority non-empty ring, or {@link NONE}; its class is
   * {@link ringClass} until the next call.
   */
  peekRing(): number {
    for (let c = 0; c < TRANSMIT_CLASSES; c++) {
      if ((this.ringCounts[c] as number) > 0) {
        this.ringClass = c;
        return this.ring[c * this.capacity + (this.ringHeads[c] as number)] as number;
      }
    }
    return NONE;
  }

  /**
   * Removes the head peer of the ring {@link peekRing} chose; `requeue` puts it back at that ring's
   * tail (its round count restarts).
   */
  rotate(requeue: boolean): void {
    const c = this.ringClass;
    const count = this.ringCounts[c] as number;
    assert(count > 0, 'rotate of an empty ring');
    const head = this.ringHeads[c] as number;
    const peer = this.ring[c * this.capacity + head] as number;
    this.ringHeads[c] = (head + 1) % this.capacity;
    this.ringCounts[c] = count - 1;
    this.roundCount[peer] = 0;
    this.inRing[peer * TRANSMIT_CLASSES + c] = 0;
    if (requeue) this.schedule(peer, c);
  }

  /**
   * Appends a reply; returns its ring index (fill the fields there) or {@link NONE} when the
   * peer's ring is full (the reply is dropped and counted: every reply answers a retransmittable
   * message).
   */
  pushReply(peer: number, kind: number): number {
    const count = this.replyCount[peer] as number;
    if (count >= this.repliesMax) {
      this.repliesDropped++;
      return NONE;
    }
    const index = peer * this.repliesMax + (((this.replyHead[peer] as number) + count) % this.repliesMax);
    this.replyKind[index] = kind;
    this.replyCount[peer] = count + 1;
    this.schedule(peer);
    return index;
  }

  /** Ring index of the oldest reply of `peer` (requires a non-empty ring). */
  firstReply(peer: number): number {
    return peer * this.repliesMax + (this.replyHead[peer] as number);
  }

  /** Drops the oldest reply of `peer`. */
  popReply(peer: number): void {
    this.replyHead[peer] = ((this.replyHead[peer] as number) + 1) % this.repliesMax;
    this.replyCount[peer] = (this.replyCount[peer] as number) - 1;
  }
}

export { NONCE_BYTES as REPLY_NONCE_BYTES };
