/**
 * Baseline of the `wheel` benchmark: the timer queue most transports and runtimes use — a binary
 * min-heap keyed by deadline, with an index map (timer → heap position) so cancel and reschedule
 * are O(log n) in-place removals/updates (no lazy deletion, so the heap never holds dead entries).
 * Written the way a careful implementation would be: preallocated typed arrays, keys stored in
 * heap order next to the ids, hole-based sifting, the same generation-checked int32 handles and
 * the same API shape as `TimingWheel`, so the benchmark drives both with identical code.
 */

/** Handle value meaning "no timer". */
export const HEAP_TIMER_NONE = -1;

/** Options of a {@link HeapTimerQueue}. */
export interface HeapTimerQueueOptions {
  /** Maximum number of active timers; `schedule` returns {@link HEAP_TIMER_NONE} beyond it. */
  readonly timerCapacity: number;
  /** Initial time in µs. Default 0. */
  readonly startUs?: number;
}

const NONE = -1;

/** A binary-heap timer queue with O(log n) schedule, cancel, reschedule and expiry. */
export class HeapTimerQueue {
  /** Maximum number of active timers. */
  readonly timerCapacity: number;

  private readonly entryCount: number;
  private readonly indexBits: number;
  private readonly indexMask: number;
  private readonly generationMask: number;
  /** Deadlines in heap order. */
  private readonly heapKeys: Float64Array;
  /** Entry index at each heap position. */
  private readonly heapIds: Int32Array;
  /** Heap position of each entry; NONE when not in the heap. */
  private readonly positions: Int32Array;
  private readonly handles: Int32Array;
  private readonly kinds: Int32Array;
  private readonly targets: Int32Array;
  /** Free-list links (LIFO, like the wheel). */
  private readonly freeNext: Int32Array;
  private freeHead: number;
  private firedIndex: number;
  private heapCount: number;
  private nowUsValue: number;

  constructor(options: HeapTimerQueueOptions) {
    const { timerCapacity, startUs = 0 } = options;
    if (!Number.isInteger(timerCapacity) || timerCapacity < 1 || timerCapacity >= 2 ** 24) {
      throw new RangeError(`timerCapacity must be an integer 1 .. 2^24 - 1, got ${timerCapacity}`);
    }
    this.timerCapacity = timerCapacity;
    this.entryCount = timerCapacity + 1;
    this.indexBits = 32 - Math.clz32(this.entryCount - 1);
    this.indexMask = (1 << this.indexBits) - 1;
    this.generationMask = 2 ** (31 - this.indexBits) - 1;
    this.heapKeys = new Float64Array(timerCapacity);
    this.heapIds = new Int32Array(timerCapacity);
    this.positions = new Int32Array(this.entryCount).fill(NONE);
    this.handles = new Int32Array(this.entryCount);
    this.kinds = new Int32Array(this.entryCount);
    this.targets = new Int32Array(this.entryCount);
    this.freeNext = new Int32Array(this.entryCount);
    for (let index = 0; index < this.entryCount; index++) {
      this.handles[index] = index;
      this.freeNext[index] = index + 1 < this.entryCount ? index + 1 : NONE;
    }
    this.freeHead = 0;
    this.firedIndex = NONE;
    this.heapCount = 0;
    this.nowUsValue = startUs;
  }

  /** Number of active timers. */
  get size(): number {
    return this.heapCount;
  }

  /** Schedules a timer; returns its handle or {@link HEAP_TIMER_NONE} at capacity. O(log n). */
  schedule(deadlineUs: number, kind: number, target: number): number {
    if (this.heapCount >= this.timerCapacity) return HEAP_TIMER_NONE;
    const index = this.freeHead;
    this.freeHead = this.freeNext[index] as number;
    this.kinds[index] = kind;
    this.targets[index] = target;
    this.siftUp(this.heapCount++, deadlineUs, index);
    return this.handles[index] as number;
  }

  /** Moves an active timer to a new deadline; `false` if the handle is not active. O(log n). */
  reschedule(handle: number, deadlineUs: number): boolean {
    const index = this.activeIndexOf(handle);
    if (index === NONE) return false;
    const position = this.positions[index] as number;
    if (deadlineUs < (this.heapKeys[position] as number)) this.siftUp(position, deadlineUs, index);
    else this.siftDown(position, deadlineUs, index);
    return true;
  }

  /** Cancels an active timer; `false` if the handle is not active. O(log n). */
  cancel(handle: number): boolean {
    const index = this.activeIndexOf(handle);
    if (index === NONE) return false;
    this.removeAt(this.positions[index] as number);
    this.release(index);
    return true;
  }

  /** Whether the handle is active. */
  isActive(handle: number): boolean {
    return this.activeIndexOf(handle) !== NONE;
  }

  /** Kind of an active or just-delivered timer. */
  kindOf(handle: number): number {
    return this.kinds[handle & this.indexMask] as number;
  }

  /** Target of an active or just-delivered timer. */
  targetOf(handle: number): number {
    return this.targets[handle & this.indexMask] as number;
  }

  /** Moves time forward; due timers are then returned by `pollExpired`. */
  advanceTo(nowUs: number): void {
    if (this.firedIndex !== NONE) this.recycleFired();
    if (nowUs > this.nowUsValue) this.nowUsValue = nowUs;
  }

  /** Pops the earliest timer if it is due; returns its handle or {@link HEAP_TIMER_NONE}. O(log n). */
  pollExpired(): number {
    if (this.firedIndex !== NONE) this.recycleFired();
    if (this.heapCount === 0 || (this.heapKeys[0] as number) > this.nowUsValue) return HEAP_TIMER_NONE;
    const index = this.heapIds[0] as number;
    this.removeAt(0);
    this.firedIndex = index;
    return this.handles[index] as number;
  }

  /** Earliest deadline, or Infinity. O(1). */
  nextDeadlineUs(): number {
    return this.heapCount === 0 ? Number.POSITIVE_INFINITY : Math.max(this.heapKeys[0] as number, this.nowUsValue);
  }

  private activeIndexOf(handle: number): number {
    const index = handle & this.indexMask;
    if (index >= this.entryCount || this.handles[index] !== handle || this.positions[index] === NONE) return NONE;
    return index;
  }

  private removeAt(position: number): void {
    const removed = this.heapIds[position] as number;
    this.positions[removed] = NONE;
    const last = --this.heapCount;
    if (position === last) return;
    const key = this.heapKeys[last] as number;
    const id = this.heapIds[last] as number;
    if (position > 0 && key < (this.heapKeys[(position - 1) >> 1] as number)) this.siftUp(position, key, id);
    else this.siftDown(position, key, id);
  }

  private siftUp(start: number, key: number, id: number): void {
    const keys = this.heapKeys;
    const ids = this.heapIds;
    const positions = this.positions;
    let position = start;
    while (position > 0) {
      const parent = (position - 1) >> 1;
      const parentKey = keys[parent] as number;
      if (parentKey <= key) break;
      const parentId = ids[parent] as number;
      keys[position] = parentKey;
      ids[position] = parentId;
      positions[parentId] = position;
      position = parent;
    }
    keys[position] = key;
    ids[position] = id;
    positions[id] = position;
  }

  private siftDown(start: number, key: number, id: number): void {
    const keys = this.heapKeys;
    const ids = this.heapIds;
    const positions = this.positions;
    const count = this.heapCount;
    let position = start;
    for (;;) {
      let child = 2 * position + 1;
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
      if (childKey >= key) break;
      const childId = ids[child] as number;
      keys[position] = childKey;
      ids[position] = childId;
      positions[childId] = position;
      position = child;
    }
    keys[position] = key;
    ids[position] = id;
    positions[id] = position;
  }

  private release(index: number): void {
    const generation = (((this.handles[index] as number) >>> this.indexBits) + 1) & this.generationMask;
    this.handles[index] = (generation << this.indexBits) | index;
    this.freeNext[index] = this.freeHead;
    this.freeHead = index;
  }

  private recycleFired(): void {
    this.release(this.firedIndex);
    this.firedIndex = NONE;
  }
}
