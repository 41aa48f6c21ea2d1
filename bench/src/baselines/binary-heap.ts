/**
 * Baseline of the `pq` benchmark: the priority queue most schedulers use — a binary min-heap of
 * integer ids keyed by (priority, enqueue sequence), so it gives the same order as a strict
 * 8-level FIFO priority queue. Written the way a careful implementation would be: preallocated
 * typed arrays, the two-part key packed into one double (priority × 2^50 + sequence, exact below
 * 2^53) stored next to the id in heap order, hole-based sifting. It supports only push and pop
 * (no remove-by-handle, hence no position index to maintain), which favours the baseline.
 */

/** Value `pop()` returns on an empty heap. */
export const BINARY_HEAP_EMPTY = -1;

/** Key span of one priority level: sequences must stay below it. */
const SEQUENCE_SPAN = 2 ** 50;

/** Options of a {@link BinaryHeapPriorityQueue}. */
export interface BinaryHeapPriorityQueueOptions {
  /** Maximum number of queued ids. */
  readonly capacity: number;
}

/** A binary min-heap of ids ordered by (priority, push order). */
export class BinaryHeapPriorityQueue {
  /** Maximum number of queued ids. */
  readonly capacity: number;
  /** Keys in heap order. */
  private readonly keys: Float64Array;
  /** Ids in heap order. */
  private readonly ids: Int32Array;
  private count: number;
  private nextSequence: number;

  constructor(options: BinaryHeapPriorityQueueOptions) {
    if (!Number.isInteger(options.capacity) || options.capacity < 1) {
      throw new RangeError(`BinaryHeapPriorityQueue capacity must be a positive integer, got ${options.capacity}`);
    }
    this.capacity = options.capacity;
    this.keys = new Float64Array(options.capacity);
    this.ids = new Int32Array(options.capacity);
    this.count = 0;
    this.nextSequence = 0;
  }

  /** Number of queued ids. */
  get size(): number {
    return this.count;
  }

  /** Queues `id` at `priority` (0 highest … 7 lowest). Returns false when full. */
  push(id: number, priority: number): boolean {
    if (this.count === this.capacity) return false;
    const key = priority * SEQUENCE_SPAN + this.nextSequence++;
    const keys = this.keys;
    const ids = this.ids;
    let hole = this.count++;
    while (hole > 0) {
      const parent = (hole - 1) >> 1;
      const parentKey = keys[parent] as number;
      if (parentKey <= key) break;
      keys[hole] = parentKey;
      ids[hole] = ids[parent] as number;
      hole = parent;
    }
    keys[hole] = key;
    ids[hole] = id;
    return true;
  }

  /** Removes and returns the id with the smallest (priority, sequence), or {@link BINARY_HEAP_EMPTY}. */
  pop(): number {
    if (this.count === 0) return BINARY_HEAP_EMPTY;
    const keys = this.keys;
    const ids = this.ids;
    const top = ids[0] as number;
    const count = --this.count;
    if (count === 0) return top;
    const key = keys[count] as number;
    const id = ids[count] as number;
    let hole = 0;
    for (;;) {
      let child = 2 * hole + 1;
      if (child >= count) break;
      let childKey = keys[child] as number;
      const right = child + 1;
      if (right < count) {
        const rightKey = keys[right] as number;
        if (rightKey < childKey) {
          child = right;
          childKey = rightKey;
        }
      }
      if (key <= childKey) break;
      keys[hole] = childKey;
      ids[hole] = ids[child] as number;
      hole = child;
    }
    keys[hole] = key;
    ids[hole] = id;
    return top;
  }
}
