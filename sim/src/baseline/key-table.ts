/**
 * A fixed-capacity open-addressing hash map from (peer, tag, role) to a small integer, used by the
 * sender-driven baseline to find a transfer from a datagram's header. Linear probing with
 * backward-shift deletion (no tombstones, so lookups never degrade), typed arrays, no allocation
 * after construction. Full is a defined outcome: `insert` returns false.
 */
import { assert, InvalidArgumentError } from '@dcq/core';

/** Returned by {@link KeyTable.get} when the key is absent. */
export const KEY_ABSENT = -1;

/** Map (peer, tag, role) → value ≥ 0. */
export class KeyTable {
  /** Entries it can hold. */
  readonly entriesMax: number;
  private readonly mask: number;
  private readonly peers: Int32Array;
  private readonly tags: Int32Array;
  private readonly roles: Int32Array;
  /** Value of each bucket, −1 when empty. */
  private readonly values: Int32Array;
  private count: number;

  /** @param entriesMax - entries it must hold: an integer in [1, 2^24]. */
  constructor(entriesMax: number) {
    if (!Number.isInteger(entriesMax) || entriesMax < 1 || entriesMax > 2 ** 24) {
      throw new InvalidArgumentError(`key table entriesMax must be an integer in [1, 2^24], got ${entriesMax}`);
    }
    let buckets = 16;
    while (buckets < entriesMax * 2) buckets *= 2;
    this.entriesMax = entriesMax;
    this.mask = buckets - 1;
    this.peers = new Int32Array(buckets);
    this.tags = new Int32Array(buckets);
    this.roles = new Int32Array(buckets);
    this.values = new Int32Array(buckets).fill(-1);
    this.count = 0;
  }

  /** Entries held. */
  get size(): number {
    return this.count;
  }

  private home(peer: number, tag: number, role: number): number {
    let h = Math.imul(tag | 0, 0x9e3779b1) ^ Math.imul(peer + 1, 0x85ebca6b) ^ Math.imul(role + 7, 0xc2b2ae35);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    return h & this.mask;
  }

  private find(peer: number, tag: number, role: number): number {
    const t = tag | 0;
    let i = this.home(peer, tag, role);
    for (;;) {
      if ((this.values[i] as number) < 0) return -1;
      if (this.tags[i] === t && this.peers[i] === peer && this.roles[i] === role) return i;
      i = (i + 1) & this.mask;
    }
  }

  /** The value of the key, or {@link KEY_ABSENT}. */
  get(peer: number, tag: number, role: number): number {
    const i = this.find(peer, tag, role);
    return i < 0 ? KEY_ABSENT : (this.values[i] as number);
  }

  /** Inserts or overwrites the key with `value` (≥ 0). Returns false when the table is full. */
  insert(peer: number, tag: number, role: number, value: number): boolean {
    assert(value >= 0, 'key table value must be non-negative');
    const t = tag | 0;
    let i = this.home(peer, tag, role);
    for (;;) {
      if ((this.values[i] as number) < 0) break;
      if (this.tags[i] === t && this.peers[i] === peer && this.roles[i] === role) {
        this.values[i] = value;
        return true;
      }
      i = (i + 1) & this.mask;
    }
    if (this.count >= this.entriesMax) return false;
    this.peers[i] = peer;
    this.tags[i] = t;
    this.roles[i] = role;
    this.values[i] = value;
    this.count++;
    return true;
  }

  /** Removes the key; returns whether it was present. */
  remove(peer: number, tag: number, role: number): boolean {
    let i = this.find(peer, tag, role);
    if (i < 0) return false;
    this.count--;
    // Backward-shift deletion: pull later entries of the probe run into the hole.
    let j = i;
    for (;;) {
      j = (j + 1) & this.mask;
      if ((this.values[j] as number) < 0) break;
      const k = this.home(this.peers[j] as number, this.tags[j] as number, this.roles[j] as number);
      // Move j into i unless its home lies cyclically in (i, j].
      const inRange = i <= j ? i < k && k <= j : i < k || k <= j;
      if (inRange) continue;
      this.peers[i] = this.peers[j] as number;
      this.tags[i] = this.tags[j] as number;
      this.roles[i] = this.roles[j] as number;
      this.values[i] = this.values[j] as number;
      i = j;
    }
    this.values[i] = -1;
    return true;
  }
}
