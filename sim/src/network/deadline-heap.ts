/**
 * The simulator's timer agenda: an indexed binary min-heap holding at most one deadline per id
 * (one per NIC endpoint). Setting an id's deadline moves its single entry up or down, so a
 * deadline that changes on every poll never leaves stale entries behind — unlike a plain event
 * queue with lazy deletion, whose size would depend on how often endpoints re-arm. Ties are broken
 * by the smaller id, so the order never depends on heap layout. Fixed capacity, typed arrays, no
 * allocation after construction.
 */
import { assert, InvalidArgumentError } from '@dcq/core';

/** Largest capacity a {@link DeadlineHeap} accepts. */
export const DEADLINE_HEAP_CAPACITY_MAX = 2 ** 24;

/** An indexed min-heap of (deadline, id) with one entry per id; see the module comment. */
export class DeadlineHeap {
  /** Ids are integers in [0, capacity). */
  readonly capacity: number;
  /** Deadline of each id (Infinity when the id holds no entry). */
  private readonly deadlines: Float64Array;
  /** Position of each id in `heap`, or −1. */
  private readonly positions: Int32Array;
  /** Ids in heap order. */
  private readonly heap: Int32Array;
  private count: number;

  /** @param capacity - number of ids: an integer in [1, {@link DEADLINE_HEAP_CAPACITY_MAX}]. */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > DEADLINE_HEAP_CAPACITY_MAX) {
      throw new InvalidArgumentError(`deadline heap capacity must be an integer in [1, 2^24], got ${capacity}`);
    }
    this.capacity = capacity;
    this.deadlines = new Float64Array(capacity).fill(Number.POSITIVE_INFINITY);
    this.positions = new Int32Array(capacity).fill(-1);
    this.heap = new Int32Array(capacity);
    this.count = 0;
  }

  /** Number of ids holding a deadline. */
  get size(): number {
    return this.count;
  }

  /** The deadline of `id`, or Infinity when none is set. */
  deadlineOf(id: number): number {
    return this.deadlines[id] as number;
  }

  /** The earliest deadline, or Infinity when the heap is empty. */
  peekDeadline(): number {
    return this.count === 0 ? Number.POSITIVE_INFINITY : (this.deadlines[this.heap[0] as number] as number);
  }

  /** The id of the earliest deadline (the heap must not be empty). */
  peekId(): number {
    assert(this.count > 0, 'peekId on an empty deadline heap');
    return this.heap[0] as number;
  }

  /** Sets (or moves) the deadline of `id`; Infinity removes it. `deadline` must not be NaN. */
  set(id: number, deadline: number): void {
    assert(id >= 0 && id < this.capacity, 'deadline heap id out of range');
    assert(!Number.isNaN(deadline), 'deadline is NaN');
    if (deadline === Number.POSITIVE_INFINITY) {
      this.remove(id);
      return;
    }
    const position = this.positions[id] as number;
    const previous = this.deadlines[id] as number;
    this.deadlines[id] = deadline;
    if (position < 0) {
      const at = this.count;
      this.count = at + 1;
      this.heap[at] = id;
      this.positions[id] = at;
      this.siftUp(at);
    } else if (deadline < previous) {
      this.siftUp(position);
    } else if (deadline > previous) {
      this.siftDown(position);
    }
  }

  /** Removes the deadline of `id` (nothing happens when it has none). */
  remove(id: number): void {
    const position = this.positions[id] as number;
    if (position < 0) return;
    this.deadlines[id] = Number.POSITIVE_INFINITY;
    this.positions[id] = -1;
    const last = this.count - 1;
    this.count = last;
    if (position === last) return;
    const moved = this.heap[last] as number;
    this.heap[position] = moved;
    this.positions[moved] = position;
    this.siftUp(position);
    this.siftDown(this.positions[moved] as number);
  }

  /** Removes every deadline. */
  clear(): void {
    for (let k = 0; k < this.count; k++) {
      const id = this.heap[k] as number;
      this.positions[id] = -1;
      this.deadlines[id] = Number.POSITIVE_INFINITY;
    }
    this.count = 0;
  }

  private before(a: number, b: number): boolean {
    const da = this.deadlines[a] as number;
    const db = this.deadlines[b] as number;
    return da < db || (da === db && a < b);
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
