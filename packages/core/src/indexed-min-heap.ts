/**
 * An indexed binary min-heap over integer ids `0 .. capacity-1`, ordered by (key, tie), both
 * doubles: each id holds at most one entry, and setting an id's key moves its single entry up or
 * down instead of leaving a stale one behind. Typed arrays sized at construction; no allocation
 * afterwards. Push, move and remove are O(log n); first, has and keyOf O(1).
 *
 * Used by the receiver's pull queue (endpoint/pull-queue.ts) and the simulator's timer agenda.
 * Callers choose the tie so that equal keys never depend on heap layout (e.g. the id itself, or an
 * arrival sequence).
 */
import { assert } from './assert.js';
import { InvalidArgumentError } from './errors.js';

/** Largest capacity an {@link IndexedMinHeap} accepts. */
export const INDEXED_MIN_HEAP_CAPACITY_MAX = 2 ** 26;

/** An indexed min-heap of (key, tie) per id; see the module comment. */
export class IndexedMinHeap {
  /** Ids are integers in [0, capacity). */
  readonly capacity: number;
  private readonly keys: Float64Array;
  private readonly ties: Float64Array;
  /** Position of each id in `heap`, or −1. */
  private readonly positions: Int32Array;
  /** Ids in heap order. */
  private readonly heap: Int32Array;
  private count = 0;

  /** @param capacity - number of ids: an integer in [1, {@link INDEXED_MIN_HEAP_CAPACITY_MAX}]. */
  constructor(capacity: number) {
    if (!(Number.isInteger(capacity) && capacity >= 1 && capacity <= INDEXED_MIN_HEAP_CAPACITY_MAX)) {
      throw new InvalidArgumentError(`indexed heap capacity must be an integer in [1, 2^26], got ${capacity}`);
    }
    this.capacity = capacity;
    this.keys = new Float64Array(capacity);
    this.ties = new Float64Array(capacity);
    this.positions = new Int32Array(capacity).fill(-1);
    this.heap = new Int32Array(capacity);
  }

  /** Number of ids holding an entry. */
  get size(): number {
    return this.count;
  }

  /** Whether `id` holds an entry. */
  has(id: number): boolean {
    return (this.positions[id] as number) >= 0;
  }

  /** The key of `id` (meaningful only while it holds an entry). */
  keyOf(id: number): number {
    return this.keys[id] as number;
  }

  /** The id with the smallest (key, tie), or -1 when empty. */
  first(): number {
    return this.count === 0 ? -1 : (this.heap[0] as number);
  }

  /** Gives `id` the entry (key, tie): inserts it, or moves its existing entry. Neither may be NaN. */
  set(id: number, key: number, tie: number): void {
    assert(Number.isInteger(id) && id >= 0 && id < this.capacity, 'indexed heap id out of range');
    assert(!Number.isNaN(key) && !Number.isNaN(tie), 'indexed heap key is NaN');
    this.keys[id] = key;
    this.ties[id] = tie;
    const position = this.positions[id] as number;
    if (position < 0) {
      const at = this.count++;
      this.heap[at] = id;
      this.positions[id] = at;
      this.siftUp(at);
      return;
    }
    this.siftUp(position);
    this.siftDown(this.positions[id] as number);
  }

  /** Removes the entry of `id`; returns whether it had one. */
  remove(id: number): boolean {
    if (!(id >= 0 && id < this.capacity)) return false;
    const position = this.positions[id] as number;
    if (position < 0) return false;
    this.positions[id] = -1;
    const last = --this.count;
    if (position === last) return true;
    const moved = this.heap[last] as number;
    this.heap[position] = moved;
    this.positions[moved] = position;
    this.siftUp(position);
    this.siftDown(this.positions[moved] as number);
    return true;
  }

  /** Removes every entry. */
  clear(): void {
    for (let k = 0; k < this.count; k++) this.positions[this.heap[k] as number] = -1;
    this.count = 0;
  }

  private before(a: number, b: number): boolean {
    const ka = this.keys[a] as number;
    const kb = this.keys[b] as number;
    return ka < kb || (ka === kb && (this.ties[a] as number) < (this.ties[b] as number));
  }

  private siftUp(position: number): void {
    const heap = this.heap;
    const id = heap[position] as number;
    let hole = position;
    while (hole > 0) {
      const parent = (hole - 1) >> 1;
      const parentId = heap[parent] as number;
      if (!this.before(id, parentId)) break;
      heap[hole] = parentId;
      this.positions[parentId] = hole;
      hole = parent;
    }
    heap[hole] = id;
    this.positions[id] = hole;
  }

  private siftDown(position: number): void {
    const heap = this.heap;
    const id = heap[position] as number;
    const count = this.count;
    let hole = position;
    for (;;) {
      let child = 2 * hole + 1;
      if (child >= count) break;
      const right = child + 1;
      if (right < count && this.before(heap[right] as number, heap[child] as number)) child = right;
      const childId = heap[child] as number;
      if (!this.before(childId, id)) break;
      heap[hole] = childId;
      this.positions[childId] = hole;
      hole = child;
    }
    heap[hole] = id;
    this.positions[id] = hole;
  }
}
