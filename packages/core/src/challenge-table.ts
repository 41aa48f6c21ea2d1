/**
 * Outstanding TRANSFER_CHALLENGEs. Owns, for every notify that arrived below its replay window, the
 * random nonce we challenged its sender with, the deadline by which the response must arrive and
 * an opaque cookie the engine uses to find the held notify. Bounded in total and per peer;
 * lookups by (peer, sender transfer id) are hashed, expiry is a min-heap on deadlines. Nothing
 * allocates after construction.
 *
 * spec: replay-and-secrets.md#challenge
 */
import { assert } from './assert.js';
import { InvalidArgumentError } from './errors.js';

/** Length of a challenge nonce in bytes. */
export const CHALLENGE_NONCE_BYTES = 16;

/** Default {@link ChallengeTableOptions.capacity}. */
export const CHALLENGE_CAPACITY_DEFAULT = 1024;
/** Default {@link ChallengeTableOptions.perPeerMax}. */
export const CHALLENGE_PER_PEER_MAX_DEFAULT = 64;

/** {@link ChallengeTable.open}: the table is full; drop the notify unanswered. */
export const CHALLENGE_FULL = -1;
/** {@link ChallengeTable.open}: this peer already has its maximum of open challenges; drop the notify unanswered. */
export const CHALLENGE_PEER_FULL = -2;
/** {@link ChallengeTable.open}: this exact notify is already being challenged; drop the copy. */
export const CHALLENGE_DUPLICATE = -3;
/** {@link ChallengeTable.match} / {@link ChallengeTable.cancel}: no such challenge (or wrong nonce). */
export const CHALLENGE_NO_MATCH = -1;

/** Which notify a challenge is about. The engine may keep one mutable instance and reuse it. */
export interface ChallengeKey {
  /** Engine peer slot the notify came from. */
  readonly peerSlot: number;
  /** High 32 bits of the sender's transfer id (as carried in the notify). */
  readonly senderTransferIdHi: number;
  /** Low 32 bits of the sender's transfer id. */
  readonly senderTransferIdLo: number;
  /** The notify's sequence number (integer below 2^53). */
  readonly notifySequence: number;
}

/** What {@link ChallengeTable.open} records besides the key. */
export interface ChallengeOpen extends ChallengeKey {
  /** Absolute time (µs) after which the challenge expires and the held notify is dropped. */
  readonly deadlineUs: number;
  /** Opaque non-negative safe integer handed back on match, expiry or cancel (e.g. a held-notify slot). */
  readonly cookie: number;
}

/** Configuration of a {@link ChallengeTable}. */
export interface ChallengeTableOptions {
  /** Maximum open challenges in total; 1 ..= 2^20. */
  readonly capacity: number;
  /** Peer slots are integers in [0, peerSlotCapacity). */
  readonly peerSlotCapacity: number;
  /** Maximum open challenges per peer, so one peer's replays cannot starve the others; 1 ..= capacity. */
  readonly perPeerMax: number;
  /** Source of the nonces: cryptographically random bytes (a `CryptoProvider` fits as is). */
  readonly random: ChallengeRandom;
}

/** The random source a {@link ChallengeTable} needs (the `randomFill` of `CryptoProvider`). */
export interface ChallengeRandom {
  /** Fills `out` entirely with random bytes. */
  randomFill(out: Uint8Array): void;
}

const NONE = -1;

/**
 * Bounded table of outstanding challenges.
 *
 * At the bound, {@link open} returns {@link CHALLENGE_FULL} or {@link CHALLENGE_PEER_FULL}: the
 * engine drops the notify without answering (and without delivering anything). That is safe —
 * the notify was below the replay window, so it is either a replay (dropping it is right) or a
 * genuine late notify, whose sender times out and retransmits it with a fresh notify sequence.
 *
 * A response matches at most once: {@link match} removes the challenge. A wrong nonce does not
 * match and leaves the challenge open until its deadline.
 */
export class ChallengeTable {
  /** Maximum open challenges. */
  readonly capacity: number;
  /** Peer slots must be below this. */
  readonly peerSlotCapacity: number;
  /** Maximum open challenges per peer. */
  readonly perPeerMax: number;
  /** Challenges opened. */
  openedTotal: number;
  /** Opens refused because the table or the peer's share was full. */
  refusedTotal: number;
  /** Responses that matched. */
  matchedTotal: number;
  /** Responses that matched no open challenge (unknown key or wrong nonce). */
  unmatchedTotal: number;
  /** Challenges that reached their deadline. */
  expiredTotal: number;

  private readonly random: ChallengeRandom;
  private readonly nonceScratch: Uint8Array;
  private readonly peer: Int32Array;
  private readonly transferHi: Uint32Array;
  private readonly transferLo: Uint32Array;
  private readonly sequence: Float64Array;
  private readonly deadline: Float64Array;
  private readonly cookies: Float64Array;
  private readonly nonces: Uint8Array;
  private readonly live: Uint8Array;
  private readonly freeSlots: Int32Array;
  private freeCount: number;
  private readonly perPeerCount: Int32Array;
  // Hash chains over (peer, sender transfer id): bucket heads and doubly linked chains.
  private readonly buckets: Int32Array;
  private readonly bucketShift: number;
  private readonly chainNext: Int32Array;
  private readonly chainPrev: Int32Array;
  // Min-heap of slots ordered by deadline; heapIndex[slot] is the slot's position.
  private readonly heap: Int32Array;
  private readonly heapIndex: Int32Array;
  private heapSize: number;

  constructor(options: ChallengeTableOptions) {
    const { capacity, peerSlotCapacity, perPeerMax } = options;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1 << 20) {
      throw new InvalidArgumentError(`challenge capacity must be an integer in [1, 2^20], got ${capacity}`);
    }
    if (!Number.isInteger(peerSlotCapacity) || peerSlotCapacity < 1 || peerSlotCapacity > 1 << 24) {
      throw new InvalidArgumentError(
        `challenge peerSlotCapacity must be an integer in [1, 2^24], got ${peerSlotCapacity}`,
      );
    }
    if (!Number.isInteger(perPeerMax) || perPeerMax < 1 || perPeerMax > capacity) {
      throw new InvalidArgumentError(`challenge perPeerMax must be an integer in [1, capacity], got ${perPeerMax}`);
    }
    this.capacity = capacity;
    this.peerSlotCapacity = peerSlotCapacity;
    this.perPeerMax = perPeerMax;
    this.openedTotal = 0;
    this.refusedTotal = 0;
    this.matchedTotal = 0;
    this.unmatchedTotal = 0;
    this.expiredTotal = 0;
    this.random = options.random;
    this.nonceScratch = new Uint8Array(CHALLENGE_NONCE_BYTES);
    this.peer = new Int32Array(capacity);
    this.transferHi = new Uint32Array(capacity);
    this.transferLo = new Uint32Array(capacity);
    this.sequence = new Float64Array(capacity);
    this.deadline = new Float64Array(capacity);
    this.cookies = new Float64Array(capacity);
    this.nonces = new Uint8Array(capacity * CHALLENGE_NONCE_BYTES);
    this.live = new Uint8Array(capacity);
    this.freeSlots = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.freeSlots[i] = capacity - 1 - i;
    this.freeCount = capacity;
    this.perPeerCount = new Int32Array(peerSlotCapacity);
    let bucketBits = 1;
    while (1 << bucketBits < capacity) bucketBits++;
    this.buckets = new Int32Array(1 << bucketBits).fill(NONE);
    this.bucketShift = 32 - bucketBits;
    this.chainNext = new Int32Array(capacity).fill(NONE);
    this.chainPrev = new Int32Array(capacity).fill(NONE);
    this.heap = new Int32Array(capacity);
    this.heapIndex = new Int32Array(capacity).fill(NONE);
    this.heapSize = 0;
  }

  /** Open challenges. */
  get size(): number {
    return this.capacity - this.freeCount;
  }

  /** Open challenges of one peer. */
  peerCount(peerSlot: number): number {
    assert(peerSlot >= 0 && peerSlot < this.peerSlotCapacity, 'challenge peer slot out of range');
    return this.perPeerCount[peerSlot] as number;
  }

  /** Earliest deadline of an open challenge (µs), or +Infinity when none is open. */
  nextDeadlineUs(): number {
    return this.heapSize === 0 ? Number.POSITIVE_INFINITY : (this.deadline[this.heap[0] as number] as number);
  }

  /**
   * Opens a challenge with a fresh random nonce. Returns the challenge slot (use
   * {@link writeNonce} to encode TRANSFER_CHALLENGE), or {@link CHALLENGE_DUPLICATE},
   * {@link CHALLENGE_PEER_FULL} or {@link CHALLENGE_FULL}.
   */
  open(challenge: ChallengeOpen): number {
    const { peerSlot, senderTransferIdHi, senderTransferIdLo, notifySequence, deadlineUs, cookie } = challenge;
    if (!(peerSlot >= 0 && peerSlot < this.peerSlotCapacity && Number.isInteger(peerSlot))) {
      throw new InvalidArgumentError(`challenge peerSlot must be an integer in [0, ${this.peerSlotCapacity})`);
    }
    if (!Number.isSafeInteger(cookie) || cookie < 0) {
      throw new InvalidArgumentError('challenge cookie must be a non-negative safe integer');
    }
    if (Number.isNaN(deadlineUs)) throw new InvalidArgumentError('challenge deadlineUs must be a number');
    const bucket = this.bucketOf(peerSlot, senderTransferIdHi, senderTransferIdLo);
    if (this.find(bucket, challenge) !== NONE) return CHALLENGE_DUPLICATE;
    if (this.freeCount === 0) {
      this.refusedTotal++;
      return CHALLENGE_FULL;
    }
    if ((this.perPeerCount[peerSlot] as number) >= this.perPeerMax) {
      this.refusedTotal++;
      return CHALLENGE_PEER_FULL;
    }
    this.freeCount--;
    const slot = this.freeSlots[this.freeCount] as number;
    assert(this.live[slot] === 0, 'challenge slot handed out twice');
    this.live[slot] = 1;
    this.peer[slot] = peerSlot;
    this.transferHi[slot] = senderTransferIdHi;
    this.transferLo[slot] = senderTransferIdLo;
    this.sequence[slot] = notifySequence;
    this.deadline[slot] = deadlineUs;
    this.cookies[slot] = cookie;
    const scratch = this.nonceScratch;
    this.random.randomFill(scratch);
    this.nonces.set(scratch, slot * CHALLENGE_NONCE_BYTES);
    this.perPeerCount[peerSlot] = (this.perPeerCount[peerSlot] as number) + 1;
    // Insert at the head of the bucket's chain.
    const head = this.buckets[bucket] as number;
    this.chainNext[slot] = head;
    this.chainPrev[slot] = NONE;
    if (head !== NONE) this.chainPrev[head] = slot;
    this.buckets[bucket] = slot;
    // Insert into the deadline heap.
    this.heap[this.heapSize] = slot;
    this.heapIndex[slot] = this.heapSize;
    this.heapSize++;
    this.siftUp(this.heapSize - 1);
    this.openedTotal++;
    return slot;
  }

  /** Copies the nonce of open challenge `slot` into `out` at `offset` (16 bytes). */
  writeNonce(slot: number, out: Uint8Array, offset: number): void {
    assert(slot >= 0 && slot < this.capacity && this.live[slot] === 1, 'writeNonce of a closed challenge');
    const start = slot * CHALLENGE_NONCE_BYTES;
    out.set(this.nonces.subarray(start, start + CHALLENGE_NONCE_BYTES), offset);
  }

  /**
   * Matches a TRANSFER_CHALLENGE_RESPONSE. When an open challenge has this key and its nonce equals
   * the 16 bytes at `nonce[nonceOffset]` (compared in constant time), closes it and returns its
   * cookie; otherwise returns {@link CHALLENGE_NO_MATCH} and changes nothing.
   */
  match(key: ChallengeKey, nonce: Uint8Array, nonceOffset: number): number {
    const bucket = this.bucketOf(key.peerSlot, key.senderTransferIdHi, key.senderTransferIdLo);
    const slot = this.find(bucket, key);
    if (slot === NONE || nonceOffset < 0 || nonceOffset + CHALLENGE_NONCE_BYTES > nonce.length) {
      this.unmatchedTotal++;
      return CHALLENGE_NO_MATCH;
    }
    const nonces = this.nonces;
    const start = slot * CHALLENGE_NONCE_BYTES;
    let difference = 0;
    for (let i = 0; i < CHALLENGE_NONCE_BYTES; i++) {
      difference |= (nonces[start + i] as number) ^ (nonce[nonceOffset + i] as number);
    }
    if (difference !== 0) {
      this.unmatchedTotal++;
      return CHALLENGE_NO_MATCH;
    }
    this.matchedTotal++;
    return this.close(slot, bucket);
  }

  /** Closes the challenge with this key without a response; returns its cookie or {@link CHALLENGE_NO_MATCH}. */
  cancel(key: ChallengeKey): number {
    const bucket = this.bucketOf(key.peerSlot, key.senderTransferIdHi, key.senderTransferIdLo);
    const slot = this.find(bucket, key);
    return slot === NONE ? CHALLENGE_NO_MATCH : this.close(slot, bucket);
  }

  /**
   * Closes every challenge for (peer, sender transfer id) whatever its notify sequence (the sender
   * answered with FLOW_RESET). Writes up to `outCookies.length` cookies and returns how many;
   * call again while it returns `outCookies.length`.
   */
  cancelTransfer(transfer: Omit<ChallengeKey, 'notifySequence'>, outCookies: Float64Array): number {
    const { peerSlot, senderTransferIdHi, senderTransferIdLo } = transfer;
    const bucket = this.bucketOf(peerSlot, senderTransferIdHi, senderTransferIdLo);
    let count = 0;
    let slot = this.buckets[bucket] as number;
    while (slot !== NONE && count < outCookies.length) {
      const next = this.chainNext[slot] as number;
      if (
        this.peer[slot] === peerSlot &&
        this.transferHi[slot] === senderTransferIdHi >>> 0 &&
        this.transferLo[slot] === senderTransferIdLo >>> 0
      ) {
        outCookies[count++] = this.close(slot, bucket);
      }
      slot = next;
    }
    return count;
  }

  /**
   * Closes every challenge of a peer (peer failed, reset or removed). Writes up to
   * `outCookies.length` cookies and returns how many; call again while it returns
   * `outCookies.length`. Scans the table: a cold path.
   */
  cancelPeer(peerSlot: number, outCookies: Float64Array): number {
    let count = 0;
    if (!(peerSlot >= 0 && peerSlot < this.peerSlotCapacity) || this.perPeerCount[peerSlot] === 0) return 0;
    for (let slot = 0; slot < this.capacity && count < outCookies.length; slot++) {
      if (this.live[slot] === 1 && this.peer[slot] === peerSlot) {
        const bucket = this.bucketOf(peerSlot, this.transferHi[slot] as number, this.transferLo[slot] as number);
        outCookies[count++] = this.close(slot, bucket);
      }
    }
    return count;
  }

  /**
   * Closes challenges whose deadline is at or before `nowUs`, earliest first, writing their cookies
   * (the held notifies to drop) to `outCookies`. Returns how many; call again while it returns
   * `outCookies.length`.
   */
  expire(nowUs: number, outCookies: Float64Array): number {
    let count = 0;
    while (this.heapSize > 0 && count < outCookies.length) {
      const slot = this.heap[0] as number;
      if ((this.deadline[slot] as number) > nowUs) break;
      const bucket = this.bucketOf(
        this.peer[slot] as number,
        this.transferHi[slot] as number,
        this.transferLo[slot] as number,
      );
      outCookies[count++] = this.close(slot, bucket);
      this.expiredTotal++;
    }
    return count;
  }

  private bucketOf(peerSlot: number, transferHi: number, transferLo: number): number {
    // Multiplicative hashing; Math.imul and >>> intentionally work modulo 2^32.
    let h = Math.imul(transferLo ^ Math.imul(peerSlot, 0x85ebca6b), 0x9e3779b1);
    h = Math.imul(h ^ transferHi ^ (h >>> 15), 0xc2b2ae35);
    return (h >>> this.bucketShift) & (this.buckets.length - 1);
  }

  private find(bucket: number, key: ChallengeKey): number {
    const hi = key.senderTransferIdHi >>> 0;
    const lo = key.senderTransferIdLo >>> 0;
    let slot = this.buckets[bucket] as number;
    while (slot !== NONE) {
      if (
        this.transferLo[slot] === lo &&
        this.sequence[slot] === key.notifySequence &&
        this.peer[slot] === key.peerSlot &&
        this.transferHi[slot] === hi
      ) {
        return slot;
      }
      slot = this.chainNext[slot] as number;
    }
    return NONE;
  }

  private close(slot: number, bucket: number): number {
    assert(this.live[slot] === 1, 'close of a closed challenge');
    // Unlink from the hash chain.
    const next = this.chainNext[slot] as number;
    const prev = this.chainPrev[slot] as number;
    if (prev === NONE) {
      assert(this.buckets[bucket] === slot, 'challenge chain head mismatch');
      this.buckets[bucket] = next;
    } else {
      this.chainNext[prev] = next;
    }
    if (next !== NONE) this.chainPrev[next] = prev;
    this.chainNext[slot] = NONE;
    this.chainPrev[slot] = NONE;
    // Remove from the heap: move the last element into the hole and restore order.
    const position = this.heapIndex[slot] as number;
    this.heapSize--;
    const last = this.heap[this.heapSize] as number;
    this.heapIndex[slot] = NONE;
    if (position !== this.heapSize) {
      this.heap[position] = last;
      this.heapIndex[last] = position;
      this.siftDown(position);
      this.siftUp(this.heapIndex[last] as number);
    }
    const peerSlot = this.peer[slot] as number;
    this.perPeerCount[peerSlot] = (this.perPeerCount[peerSlot] as number) - 1;
    this.live[slot] = 0;
    this.nonces.fill(0, slot * CHALLENGE_NONCE_BYTES, (slot + 1) * CHALLENGE_NONCE_BYTES);
    this.freeSlots[this.freeCount] = slot;
    this.freeCount++;
    return this.cookies[slot] as number;
  }

  private siftUp(position: number): void {
    const heap = this.heap;
    const slot = heap[position] as number;
    const deadlineUs = this.deadline[slot] as number;
    while (position > 0) {
      const parentPosition = (position - 1) >> 1;
      const parent = heap[parentPosition] as number;
      if ((this.deadline[parent] as number) <= deadlineUs) break;
      heap[position] = parent;
      this.heapIndex[parent] = position;
      position = parentPosition;
    }
    heap[position] = slot;
    this.heapIndex[slot] = position;
  }

  private siftDown(position: number): void {
    const heap = this.heap;
    const size = this.heapSize;
    const slot = heap[position] as number;
    const deadlineUs = this.deadline[slot] as number;
    for (;;) {
      const left = 2 * position + 1;
      if (left >= size) break;
      const right = left + 1;
      let child = left;
      if (
        right < size &&
        (this.deadline[heap[right] as number] as number) < (this.deadline[heap[left] as number] as number)
      ) {
        child = right;
      }
      const childSlot = heap[child] as number;
      if ((this.deadline[childSlot] as number) >= deadlineUs) break;
      heap[position] = childSlot;
      this.heapIndex[childSlot] = position;
      position = child;
    }
    heap[position] = slot;
    this.heapIndex[slot] = position;
  }
}
