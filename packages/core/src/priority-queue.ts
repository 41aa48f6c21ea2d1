/**
 * The NIC worker's 8-level priority queue of ready work (BRIEF "Priorities"): strict priority
 * between levels, FIFO within a level, plus a configurable anti-starvation share so the oldest
 * lower-priority work always moves.
 *
 * This module owns only the ordering. It is intrusive: entries are the owner's integer slot ids
 * `0 .. capacity-1` (e.g. transfer slot indexes); the queue keeps per-id links, level and
 * enqueue sequence in preallocated typed arrays and never allocates after construction. Every
 * operation — push, pop, peek, remove, changePriority — is O(1) (at most one pass over the 8
 * levels).
 */
import { assert } from './assert.js';
import { InvalidArgumentError } from './errors.js';

/** Number of priority levels. */
export const PRIORITY_LEVEL_COUNT = 8;
/** The highest priority (served first). */
export const PRIORITY_HIGHEST = 0;
/** The lowest priority (served last). */
export const PRIORITY_LOWEST = 7;
/** Largest `capacity` a {@link PriorityQueue} accepts (17 bytes of typed arrays per id). */
export const PRIORITY_QUEUE_CAPACITY_MAX = 2 ** 26;
/**
 * Default anti-starvation period: one contended pop in 16 (6.25 %, inside Homa's 5–10 % "FIFO
 * fraction") serves the oldest lower-priority entry.
 */
export const PRIORITY_QUEUE_ANTI_STARVATION_EVERY_DEFAULT = 16;

/** Level marker of an id that is not queued. */
const NOT_QUEUED = -1;
/** End-of-list marker in the link arrays. */
const NONE = -1;

/** Options of a {@link PriorityQueue}. */
export interface PriorityQueueOptions {
  /**
   * Number of ids the queue can hold: ids are `0 .. capacity-1`. The queue can never overflow
   * (each id is queued at most once), so the capacity is its only limit. 1 .. 2^26.
   */
  readonly capacity: number;
  /**
   * Anti-starvation period N: among *contended* pops (pops made while at least two levels are
   * non-empty), every N-th one serves the oldest entry of the non-highest non-empty levels
   * instead of the head of the highest level. The share given to lower priorities under
   * contention is exactly 1/N. `0` means strict priority. Otherwise an integer 2 .. 2^30
   * (1 would invert priorities). Default {@link PRIORITY_QUEUE_ANTI_STARVATION_EVERY_DEFAULT}.
   */
  readonly antiStarvationEvery?: number;
  /**
   * When the enqueue sequence counter reaches this value, queued entries are renumbered
   * 0, 1, 2, … in age order (O(8 × size), once) and counting resumes. The default,
   * `Number.MAX_SAFE_INTEGER`, is never reached in practice (2.8 years at 10^8 pushes/s); the
   * option exists so tests can exercise the renumbering. Integer, capacity < value ≤ 2^53 − 1.
   */
  readonly sequenceLimit?: number;
}

/** Index of the lowest set bit of a non-zero 32-bit integer (count trailing zeros). */
function ctz(bits: number): number {
  return 31 - Math.clz32(bits & -bits);
}

function isIntegerIn(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

/**
 * An 8-level intrusive priority queue of integer ids (0 = highest priority … 7 = lowest).
 *
 * Ordering: `pop()` returns the head (oldest entry) of the highest-priority non-empty level,
 * except that every N-th contended pop (see {@link PriorityQueueOptions.antiStarvationEvery})
 * returns the oldest entry — smallest enqueue sequence — among all the other non-empty levels.
 * Each level is FIFO, so its head is its oldest entry and finding the oldest compares at most 7
 * heads. The rule is deterministic: the same operations give the same order.
 *
 * Errors: ids outside `0 .. capacity-1` (or not integers), priorities outside `0 .. 7` and
 * pushing an id that is already queued throw {@link InvalidArgumentError} (programming errors of
 * the owner). Operations on an id that is valid but not queued return `false` / `-1`.
 */
export class PriorityQueue {
  /** Number of ids (`0 .. capacity-1`) the queue can hold. */
  readonly capacity: number;
  /** Anti-starvation period N (0 = strict priority). */
  readonly antiStarvationEvery: number;
  /** Enqueue sequence value that triggers renumbering. */
  readonly sequenceLimit: number;

  // Per-id state, indexed by id.
  private readonly nextOf: Int32Array;
  private readonly prevOf: Int32Array;
  private readonly levelOf: Int8Array;
  /** Enqueue sequence (age): a double, exact up to 2^53. */
  private readonly sequenceOf: Float64Array;

  // Per-level state, indexed by level.
  private readonly headOf: Int32Array;
  private readonly tailOf: Int32Array;
  private readonly countOf: Int32Array;
  /** Renumbering cursors (preallocated so renumbering does not allocate). */
  private readonly cursorOf: Int32Array;

  /** Bit `l` set ⇔ level `l` is non-empty. */
  private bitmap: number;
  private count: number;
  private nextSequence: number;
  /** Contended pops left until the next anti-starvation pop (1 ⇒ the next contended pop is one). */
  private contendedPopsUntilOldest: number;
  private antiStarvationPopCount: number;

  constructor(options: PriorityQueueOptions) {
    const capacity = options.capacity;
    if (!isIntegerIn(capacity, 1, PRIORITY_QUEUE_CAPACITY_MAX)) {
      throw new InvalidArgumentError(
        `PriorityQueue capacity must be an integer in 1 .. ${PRIORITY_QUEUE_CAPACITY_MAX}, got ${capacity}`,
      );
    }
    const every = options.antiStarvationEvery ?? PRIORITY_QUEUE_ANTI_STARVATION_EVERY_DEFAULT;
    if (every !== 0 && !isIntegerIn(every, 2, 2 ** 30)) {
      throw new InvalidArgumentError(
        `PriorityQueue antiStarvationEvery must be 0 (strict priority) or an integer in 2 .. 2^30, got ${every}`,
      );
    }
    const sequenceLimit = options.sequenceLimit ?? Number.MAX_SAFE_INTEGER;
    if (!isIntegerIn(sequenceLimit, capacity + 1, Number.MAX_SAFE_INTEGER)) {
      throw new InvalidArgumentError(
        `PriorityQueue sequenceLimit must be an integer in capacity+1 .. 2^53-1, got ${sequenceLimit}`,
      );
    }
    this.capacity = capacity;
    this.antiStarvationEvery = every;
    this.sequenceLimit = sequenceLimit;
    this.nextOf = new Int32Array(capacity).fill(NONE);
    this.prevOf = new Int32Array(capacity).fill(NONE);
    this.levelOf = new Int8Array(capacity).fill(NOT_QUEUED);
    this.sequenceOf = new Float64Array(capacity);
    this.headOf = new Int32Array(PRIORITY_LEVEL_COUNT).fill(NONE);
    this.tailOf = new Int32Array(PRIORITY_LEVEL_COUNT).fill(NONE);
    this.countOf = new Int32Array(PRIORITY_LEVEL_COUNT);
    this.cursorOf = new Int32Array(PRIORITY_LEVEL_COUNT);
    this.bitmap = 0;
    this.count = 0;
    this.nextSequence = 0;
    this.contendedPopsUntilOldest = every;
    this.antiStarvationPopCount = 0;
  }

  /** Number of queued ids. */
  get size(): number {
    return this.count;
  }

  /** Bitmap of non-empty levels: bit `l` is set when level `l` holds at least one id. */
  get levelBitmap(): number {
    return this.bitmap;
  }

  /** How many pops so far served an entry by the anti-starvation rule (a metric; reset by `clear`). */
  get antiStarvationPops(): number {
    return this.antiStarvationPopCount;
  }

  /** Number of ids queued at `level` (0 .. 7). */
  sizeOf(level: number): number {
    if (!isIntegerIn(level, PRIORITY_HIGHEST, PRIORITY_LOWEST)) throwInvalidPriority(level);
    return this.countOf[level] as number;
  }

  /** Whether `id` is queued. */
  has(id: number): boolean {
    this.checkId(id);
    return this.levelOf[id] !== NOT_QUEUED;
  }

  /** The level `id` is queued at, or -1 when it is not queued. */
  priorityOf(id: number): number {
    this.checkId(id);
    return this.levelOf[id] as number;
  }

  /**
   * Queues `id` at the tail of level `priority` (0 highest … 7 lowest).
   * @throws InvalidArgumentError when `id` is out of range or already queued, or `priority` is not 0 .. 7.
   */
  push(id: number, priority: number): void {
    this.checkId(id);
    if ((priority & 7) !== priority) throwInvalidPriority(priority);
    if (this.levelOf[id] !== NOT_QUEUED) {
      throw new InvalidArgumentError(`PriorityQueue.push: id ${id} is already queued; remove it or use changePriority`);
    }
    this.append(id, priority);
  }

  /**
   * Removes and returns the next id (see the class comment for the order), or -1 when empty.
   */
  pop(): number {
    const bitmap = this.bitmap;
    if (bitmap === 0) return NONE;
    const lowerLevels = bitmap & (bitmap - 1);
    if (lowerLevels !== 0 && this.antiStarvationEvery !== 0 && --this.contendedPopsUntilOldest === 0) {
      this.contendedPopsUntilOldest = this.antiStarvationEvery;
      this.antiStarvationPopCount++;
      return this.popHead(this.oldestLevelIn(lowerLevels));
    }
    return this.popHead(ctz(bitmap));
  }

  /** The id the next `pop()` would return (anti-starvation rule included), or -1 when empty. */
  peek(): number {
    const bitmap = this.bitmap;
    if (bitmap === 0) return NONE;
    const lowerLevels = bitmap & (bitmap - 1);
    if (lowerLevels !== 0 && this.antiStarvationEvery !== 0 && this.contendedPopsUntilOldest === 1) {
      return this.headOf[this.oldestLevelIn(lowerLevels)] as number;
    }
    return this.headOf[ctz(bitmap)] as number;
  }

  /** Removes `id` wherever it is queued. Returns false when it was not queued. */
  remove(id: number): boolean {
    this.checkId(id);
    if (this.levelOf[id] === NOT_QUEUED) return false;
    this.unlink(id);
    return true;
  }

  /**
   * Moves a queued `id` to the tail of level `priority`. It gets a fresh enqueue sequence, i.e.
   * it loses its age: this is exactly `remove(id)` + `push(id, priority)`, and it keeps every
   * level ordered by age, which the O(levels) oldest-entry search relies on. When `priority` is
   * the id's current level nothing changes (position and age are kept).
   * Returns false (and does nothing) when `id` is not queued.
   * @throws InvalidArgumentError when `id` is out of range or `priority` is not 0 .. 7.
   */
  changePriority(id: number, priority: number): boolean {
    this.checkId(id);
    if ((priority & 7) !== priority) throwInvalidPriority(priority);
    const level = this.levelOf[id] as number;
    if (level === NOT_QUEUED) return false;
    if (level === priority) return true;
    this.unlink(id);
    this.append(id, priority);
    return true;
  }

  /**
   * Empties the queue and returns it to its freshly constructed state (sequence counter,
   * anti-starvation phase and metric included). O(size).
   */
  clear(): void {
    const levelOf = this.levelOf;
    const nextOf = this.nextOf;
    const prevOf = this.prevOf;
    for (let level = 0; level < PRIORITY_LEVEL_COUNT; level++) {
      let id = this.headOf[level] as number;
      while (id !== NONE) {
        const next = nextOf[id] as number;
        levelOf[id] = NOT_QUEUED;
        nextOf[id] = NONE;
        prevOf[id] = NONE;
        id = next;
      }
      this.headOf[level] = NONE;
      this.tailOf[level] = NONE;
      this.countOf[level] = 0;
    }
    this.bitmap = 0;
    this.count = 0;
    this.nextSequence = 0;
    this.contendedPopsUntilOldest = this.antiStarvationEvery;
    this.antiStarvationPopCount = 0;
  }

  /**
   * Checks every internal invariant (links, counts, bitmap, age order within levels) and throws
   * an AssertionError on the first violation. O(capacity): for tests and debugging only.
   */
  assertInvariants(): void {
    let total = 0;
    for (let level = 0; level < PRIORITY_LEVEL_COUNT; level++) {
      let id = this.headOf[level] as number;
      let previous = NONE;
      let previousSequence = -1;
      let n = 0;
      while (id !== NONE) {
        assert(id >= 0 && id < this.capacity, 'priority queue: link out of range');
        assert(this.levelOf[id] === level, 'priority queue: entry level mismatch');
        assert(this.prevOf[id] === previous, 'priority queue: broken prev link');
        const sequence = this.sequenceOf[id] as number;
        assert(sequence > previousSequence, 'priority queue: level not in age order');
        assert(sequence < this.nextSequence, 'priority queue: sequence from the future');
        previousSequence = sequence;
        previous = id;
        id = this.nextOf[id] as number;
        n++;
        assert(n <= this.capacity, 'priority queue: cycle in a level');
      }
      assert(this.tailOf[level] === previous, 'priority queue: tail mismatch');
      assert(this.countOf[level] === n, 'priority queue: level count mismatch');
      assert(((this.bitmap >> level) & 1) === (n > 0 ? 1 : 0), 'priority queue: bitmap mismatch');
      total += n;
    }
    assert(this.bitmap >>> PRIORITY_LEVEL_COUNT === 0, 'priority queue: bitmap has stray bits');
    assert(this.count === total, 'priority queue: size mismatch');
    let queued = 0;
    for (let id = 0; id < this.capacity; id++) if (this.levelOf[id] !== NOT_QUEUED) queued++;
    assert(queued === total, 'priority queue: unlinked entry marked queued');
    const every = this.antiStarvationEvery;
    assert(
      every === 0 || (this.contendedPopsUntilOldest >= 1 && this.contendedPopsUntilOldest <= every),
      'priority queue: anti-starvation countdown out of range',
    );
  }

  private checkId(id: number): void {
    // `>>> 0` maps negatives, fractions, NaN and values ≥ 2^32 to something different from `id`.
    if (id >>> 0 !== id || id >= this.capacity) {
      throw new InvalidArgumentError(
        `PriorityQueue: id ${id} is not an integer in 0 .. ${this.capacity - 1}; ids are the owner's slot indexes`,
      );
    }
  }

  private append(id: number, level: number): void {
    if (this.nextSequence >= this.sequenceLimit) this.renumber();
    this.sequenceOf[id] = this.nextSequence++;
    this.levelOf[id] = level;
    const tail = this.tailOf[level] as number;
    this.prevOf[id] = tail;
    this.nextOf[id] = NONE;
    if (tail === NONE) {
      this.headOf[level] = id;
      this.bitmap |= 1 << level;
    } else {
      this.nextOf[tail] = id;
    }
    this.tailOf[level] = id;
    this.countOf[level] = (this.countOf[level] as number) + 1;
    this.count++;
  }

  private unlink(id: number): void {
    const level = this.levelOf[id] as number;
    const prev = this.prevOf[id] as number;
    const next = this.nextOf[id] as number;
    if (prev === NONE) this.headOf[level] = next;
    else this.nextOf[prev] = next;
    if (next === NONE) this.tailOf[level] = prev;
    else this.prevOf[next] = prev;
    this.nextOf[id] = NONE;
    this.prevOf[id] = NONE;
    this.levelOf[id] = NOT_QUEUED;
    const levelCount = (this.countOf[level] as number) - 1;
    this.countOf[level] = levelCount;
    if (levelCount === 0) this.bitmap &= ~(1 << level);
    this.count--;
  }

  /** Unlinks and returns the head of a non-empty `level` (the pop fast path of `unlink`). */
  private popHead(level: number): number {
    const id = this.headOf[level] as number;
    const next = this.nextOf[id] as number;
    this.headOf[level] = next;
    if (next === NONE) {
      this.tailOf[level] = NONE;
      this.bitmap &= ~(1 << level);
    } else {
      this.prevOf[next] = NONE;
      this.nextOf[id] = NONE;
    }
    this.levelOf[id] = NOT_QUEUED;
    this.countOf[level] = (this.countOf[level] as number) - 1;
    this.count--;
    return id;
  }

  /** The level whose head is the oldest among the non-empty `levels` (a non-zero bitmap). */
  private oldestLevelIn(levels: number): number {
    let oldestLevel = -1;
    let oldestSequence = Number.POSITIVE_INFINITY;
    let remaining = levels;
    while (remaining !== 0) {
      const level = ctz(remaining);
      remaining &= remaining - 1;
      const sequence = this.sequenceOf[this.headOf[level] as number] as number;
      if (sequence < oldestSequence) {
        oldestSequence = sequence;
        oldestLevel = level;
      }
    }
    return oldestLevel;
  }

  /**
   * Renumbers queued entries 0, 1, 2, … in age order by merging the 8 age-ordered levels, so the
   * relative order every decision depends on is unchanged.
   */
  private renumber(): void {
    const cursorOf = this.cursorOf;
    for (let level = 0; level < PRIORITY_LEVEL_COUNT; level++) cursorOf[level] = this.headOf[level] as number;
    for (let sequence = 0; sequence < this.count; sequence++) {
      let oldestLevel = -1;
      let oldestSequence = Number.POSITIVE_INFINITY;
      for (let level = 0; level < PRIORITY_LEVEL_COUNT; level++) {
        const id = cursorOf[level] as number;
        if (id !== NONE && (this.sequenceOf[id] as number) < oldestSequence) {
          oldestSequence = this.sequenceOf[id] as number;
          oldestLevel = level;
        }
      }
      assert(oldestLevel !== -1, 'priority queue: renumbering ran out of entries');
      const id = cursorOf[oldestLevel] as number;
      this.sequenceOf[id] = sequence;
      cursorOf[oldestLevel] = this.nextOf[id] as number;
    }
    this.nextSequence = this.count;
  }
}

function throwInvalidPriority(priority: number): never {
  throw new InvalidArgumentError(
    `PriorityQueue: priority ${priority} is not an integer in ${PRIORITY_HIGHEST} (highest) .. ${PRIORITY_LOWEST} (lowest)`,
  );
}
