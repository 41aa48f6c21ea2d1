/**
 * The test network's agenda: a binary min-heap of timed events over preallocated typed arrays.
 * Events with equal times come out in insertion order (ties are broken by a per-queue insertion
 * sequence number), which is what makes a simulation run reproducible: nothing depends on heap
 * layout. An event is two small integers, `kind` and `target`, so the network dispatches with a
 * `switch` instead of closures. Fixed capacity; `push` returns false when full.
 */
import { assert } from '../assert.js';
import { InvalidArgumentError } from '../errors.js';

/** Largest capacity an {@link EventQueue} accepts. */
export const EVENT_QUEUE_CAPACITY_MAX = 2 ** 26;

/** A min-heap of (time, kind, target) events, stable for equal times; see the module comment. */
export class EventQueue {
  /** Most events the queue holds. */
  readonly capacity: number;
  private readonly timeUs: Float64Array;
  private readonly sequence: Float64Array;
  private readonly kinds: Int32Array;
  private readonly targets: Int32Array;
  private count: number;
  private nextSequence: number;

  /** @param capacity - most events held at once: an integer in [1, {@link EVENT_QUEUE_CAPACITY_MAX}]. */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > EVENT_QUEUE_CAPACITY_MAX) {
      throw new InvalidArgumentError(`event queue capacity must be an integer in [1, 2^26], got ${capacity}`);
    }
    this.capacity = capacity;
    this.timeUs = new Float64Array(capacity);
    this.sequence = new Float64Array(capacity);
    this.kinds = new Int32Array(capacity);
    this.targets = new Int32Array(capacity);
    this.count = 0;
    this.nextSequence = 0;
  }

  /** Number of queued events. */
  get size(): number {
    return this.count;
  }

  /**
   * Queues an event at `timeUs` (any non-NaN number) with two int32 payloads. Returns false, and
   * queues nothing, when the queue already holds `capacity` events.
   */
  push(timeUs: number, kind: number, target: number): boolean {
    assert(!Number.isNaN(timeUs), 'event time is NaN');
    if (this.count === this.capacity) return false;
    const sequence = this.nextSequence;
    this.nextSequence = sequence + 1;
    // Sift up with a hole: move parents down until the new event's place is found.
    let hole = this.count;
    this.count = hole + 1;
    while (hole > 0) {
      const parent = (hole - 1) >> 1;
      const parentTime = this.timeUs[parent] as number;
      if (parentTime < timeUs || (parentTime === timeUs && (this.sequence[parent] as number) < sequence)) break;
      this.moveEntry(parent, hole);
      hole = parent;
    }
    this.timeUs[hole] = timeUs;
    this.sequence[hole] = sequence;
    this.kinds[hole] = kind;
    this.targets[hole] = target;
    return true;
  }

  /** Time of the earliest event, or Infinity when the queue is empty. */
  peekTimeUs(): number {
    return this.count === 0 ? Number.POSITIVE_INFINITY : (this.timeUs[0] as number);
  }

  /** Kind of the earliest event (the queue must not be empty). */
  peekKind(): number {
    assert(this.count > 0, 'peekKind on an empty event queue');
    return this.kinds[0] as number;
  }

  /** Target of the earliest event (the queue must not be empty). */
  peekTarget(): number {
    assert(this.count > 0, 'peekTarget on an empty event queue');
    return this.targets[0] as number;
  }

  /** Removes the earliest event (the queue must not be empty); read it with the `peek*` methods first. */
  pop(): void {
    assert(this.count > 0, 'pop on an empty event queue');
    const last = this.count - 1;
    this.count = last;
    if (last === 0) return;
    const time = this.timeUs[last] as number;
    const sequence = this.sequence[last] as number;
    // Sift the last event down from the root with a hole.
    let hole = 0;
    for (;;) {
      let child = 2 * hole + 1;
      if (child >= last) break;
      const right = child + 1;
      if (right < last && this.before(right, child)) child = right;
      const childTime = this.timeUs[child] as number;
      if (time < childTime || (time === childTime && sequence < (this.sequence[child] as number))) break;
      this.moveEntry(child, hole);
      hole = child;
    }
    this.moveEntry(last, hole);
  }

  /** Removes every event (the insertion sequence keeps counting, so order stays stable across clears). */
  clear(): void {
    this.count = 0;
  }

  private before(a: number, b: number): boolean {
    const ta = this.timeUs[a] as number;
    const tb = this.timeUs[b] as number;
    return ta < tb || (ta === tb && (this.sequence[a] as number) < (this.sequence[b] as number));
  }

  private moveEntry(from: number, to: number): void {
    this.timeUs[to] = this.timeUs[from] as number;
    this.sequence[to] = this.sequence[from] as number;
    this.kinds[to] = this.kinds[from] as number;
    this.targets[to] = this.targets[from] as number;
  }
}
