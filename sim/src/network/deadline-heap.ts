/**
 * The simulator's timer agenda: an indexed binary min-heap holding at most one deadline per id
 * (one per NIC endpoint). Setting an id's deadline moves its single entry up or down, so a
 * deadline that changes on every poll never leaves stale entries behind — unlike a plain event
 * queue with lazy deletion, whose size would depend on how often endpoints re-arm. Ties are broken
 * by the smaller id, so the order never depends on heap layout. A thin layer over the engine's
 * {@link IndexedMinHeap} (the id is the tie): fixed capacity, no allocation after construction.
 */
import { assert, IndexedMinHeap, InvalidArgumentError } from '@dcq/core';

/** Largest capacity a {@link DeadlineHeap} accepts. */
export const DEADLINE_HEAP_CAPACITY_MAX = 2 ** 24;

/** An indexed min-heap of (deadline, id) with one entry per id; see the module comment. */
export class DeadlineHeap {
  /** Ids are integers in [0, capacity). */
  readonly capacity: number;
  /** The entries, tie-broken by the id itself. */
  private readonly heap: IndexedMinHeap;

  /** @param capacity - number of ids: an integer in [1, {@link DEADLINE_HEAP_CAPACITY_MAX}]. */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > DEADLINE_HEAP_CAPACITY_MAX) {
      throw new InvalidArgumentError(`deadline heap capacity must be an integer in [1, 2^24], got ${capacity}`);
    }
    this.capacity = capacity;
    this.heap = new IndexedMinHeap(capacity);
  }

  /** Number of ids holding a deadline. */
  get size(): number {
    return this.heap.size;
  }

  /** The deadline of `id`, or Infinity when none is set. */
  deadlineOf(id: number): number {
    return this.heap.has(id) ? this.heap.keyOf(id) : Number.POSITIVE_INFINITY;
  }

  /** The earliest deadline, or Infinity when the heap is empty. */
  peekDeadline(): number {
    const id = this.heap.first();
    return id < 0 ? Number.POSITIVE_INFINITY : this.heap.keyOf(id);
  }

  /** The id of the earliest deadline (the heap must not be empty). */
  peekId(): number {
    assert(this.heap.size > 0, 'peekId on an empty deadline heap');
    return this.heap.first();
  }

  /** Sets (or moves) the deadline of `id`; Infinity removes it. `deadline` must not be NaN. */
  set(id: number, deadline: number): void {
    assert(id >= 0 && id < this.capacity, 'deadline heap id out of range');
    assert(!Number.isNaN(deadline), 'deadline is NaN');
    if (deadline === Number.POSITIVE_INFINITY) this.heap.remove(id);
    else this.heap.set(id, deadline, id);
  }

  /** Removes the deadline of `id` (nothing happens when it has none). */
  remove(id: number): void {
    this.heap.remove(id);
  }

  /** Removes every deadline. */
  clear(): void {
    this.heap.clear();
  }
}
