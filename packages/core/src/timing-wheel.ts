/**
 * The NIC worker's timer queue: a hierarchical timing wheel (4 levels × 256 slots) driven by the
 * caller's clock, quinn-style — time is always an argument, the wheel never reads a clock.
 *
 * This module owns every per-transfer timer (notify, pull and data phase timeouts, pacing
 * wake-ups): scheduling, O(1) cancel and reschedule through generation-checked integer handles,
 * expiry in deadline order, and the next-deadline query the worker uses as its poll timeout.
 * Timers carry two small integers, `kind` and `target`, so the engine dispatches expiries with a
 * `switch` instead of closures. Everything is preallocated in the constructor; no operation
 * allocates.
 *
 * ## Structure
 * Time is counted in ticks of `tickUs` microseconds. Absolute ticks grow without bound (2^32 µs
 * is only 71 minutes), so a tick `T` (up to 2^53 − 1) is split into an *epoch* `⌊T / 2^32⌋` and a
 * 32-bit *low* part `T mod 2^32`; bit operations are only ever applied to low parts, never to
 * absolute ticks. The wheel holds the timers of the current epoch; a timer of a later epoch waits
 * in the *overflow list*, which is re-examined only when the wheel enters a new epoch (at most
 * once per 2^32 ticks, and never for epochs that hold no timer).
 *
 * Within the epoch a timer lives at the level of the highest base-256 digit in which its deadline
 * differs from the current tick, in the slot given by that digit of its deadline. Consequences:
 * - every occupied slot of a level lies *after* the current tick's digit of that level, and lower
 *   levels expire before higher ones, so the earliest slot of the whole wheel is the lowest set
 *   bit of 4 × 256 occupancy bits. Each level has 8 × 32-bit occupancy words and one 32-bit
 *   summary word has a bit per non-empty occupancy word: finding the next expiry is two
 *   count-trailing-zeros, never a scan over slots;
 * - a level-0 slot holds timers of exactly one tick; a level-k slot (k ≥ 1) is *cascaded* when the
 *   current tick reaches its first tick: its timers move to lower levels (or expire);
 * - `advanceTo` visits only non-empty slots, so a long pause costs O(timers), not O(ticks) —
 *   there is no timer storm and no per-tick loop.
 *
 * Timers are intrusive: each table entry carries its list links (doubly linked, per slot) so
 * removal is O(1) wherever the timer is — in a wheel slot, in the overflow list or in the FIFO of
 * expired timers that `pollExpired` drains. Pushing a timer later while it is in a level ≥ 1 slot
 * only updates its deadline: the cascade of that slot re-places it (a timer in a level ≥ 1 slot
 * can never be due before its slot cascades).
 *
 * ## Timing guarantee
 * A deadline `d` µs is rounded *up* to the tick `⌈d / tickUs⌉` and the wheel's current tick is
 * `⌊nowUs / tickUs⌋` of the last `advanceTo(nowUs)`. A timer expires during the first
 * `advanceTo(nowUs)` with `nowUs ≥ ⌈d / tickUs⌉ · tickUs`. Hence it never expires before its
 * deadline (`nowUs ≥ d`) and expires at most `tickUs − 1` µs after it for integer µs times (less
 * than one tick in general) relative to the `nowUs` passed to `advanceTo`. With the default
 * `tickUs` = 1 and integer µs deadlines, a timer expires at exactly the first `advanceTo(nowUs)`
 * with `nowUs ≥ deadlineUs`. A timer scheduled with `deadlineUs ≤` the wheel's current time
 * (zero or negative delay) is due at once: it is queued for `pollExpired` immediately, in the
 * current pass.
 *
 * ## Polling order (one worker-loop iteration)
 * `advanceTo(nowUs)` → `pollExpired()` until it returns {@link TIMER_NONE}, reading
 * `kindOf`/`targetOf` of each returned handle → `nextDeadlineUs()` as the poll timeout.
 */
import { assert } from './assert.js';
import { InvalidArgumentError, StaleHandleError } from './errors.js';

/** Handle value meaning "no timer": returned by `schedule` at capacity and by `pollExpired` when nothing is due. */
export const TIMER_NONE = -1;
/** Largest `timerCapacity` a {@link TimingWheel} accepts (handles keep at least 7 generation bits). */
export const TIMING_WHEEL_CAPACITY_MAX = 2 ** 24 - 1;
/** Largest time, in µs, the wheel accepts as a deadline, `startUs` or `advanceTo` argument (2^53 − 1). */
export const TIMING_WHEEL_TIME_US_MAX = Number.MAX_SAFE_INTEGER;
/** Number of levels of the wheel. */
export const TIMING_WHEEL_LEVEL_COUNT = 4;
/** Number of slots per level. */
export const TIMING_WHEEL_SLOT_COUNT = 256;
/** Ticks the wheel itself spans (256^4 = 2^32); later deadlines wait in the overflow list. */
export const TIMING_WHEEL_SPAN_TICKS = 2 ** 32;

/** Options of a {@link TimingWheel}. */
export interface TimingWheelOptions {
  /**
   * Maximum number of active timers (scheduled, not yet cancelled or delivered by
   * `pollExpired`). Integer 1 .. {@link TIMING_WHEEL_CAPACITY_MAX}. At the limit `schedule`
   * returns {@link TIMER_NONE}.
   */
  readonly timerCapacity: number;
  /** Tick length in microseconds: a positive safe integer. Default 1. */
  readonly tickUs?: number;
  /** The wheel's initial time in µs: 0 .. {@link TIMING_WHEEL_TIME_US_MAX}. Default 0. */
  readonly startUs?: number;
}

const SLOT_BITS = 8;
const WHEEL_LIST_COUNT = TIMING_WHEEL_LEVEL_COUNT * TIMING_WHEEL_SLOT_COUNT; // 1024 slot lists
const OVERFLOW_LIST = WHEEL_LIST_COUNT;
const EXPIRED_LIST = WHEEL_LIST_COUNT + 1;
const LIST_COUNT = WHEEL_LIST_COUNT + 2;
/** List id of an entry that is in no list (free, or fired and awaiting recycling): all ones in LIST_BITS. */
const NO_LIST = 0x7ff;
/** Bits of the state word holding the list id; the generation is above them. */
const LIST_BITS = 11;
const LIST_MASK = 0x7ff;
/** End-of-list marker. */
const NONE = -1;
/** Occupancy words per level (256 bits). */
const WORDS_PER_LEVEL = TIMING_WHEEL_SLOT_COUNT / 32;
/** Largest low part of a tick. */
const LOW_MAX = TIMING_WHEEL_SPAN_TICKS - 1;

/*
 * Entry layout. What cancel, reschedule, schedule and cascading touch lives in one Int32Array, 4
 * fields per timer (16 bytes, four timers per cache line): unlinking a timer then costs one cache
 * line for it and one per list neighbour, and a million timers take 16 MB. Fields only read on
 * expiry (`kind`, `target`) or when the overflow list is re-examined (the deadline's epoch) live
 * in separate arrays.
 */
const STRIDE_SHIFT = 2;
const F_NEXT = 0;
const F_PREV = 1;
/** `generation << LIST_BITS | list`, list being `level * 256 + slot`, OVERFLOW_LIST, EXPIRED_LIST or NO_LIST. */
const F_STATE = 2;
/** Deadline tick mod 2^32, stored as int32 bits (read back with `>>> 0`). */
const F_LOW = 3;
/** Largest number of generation bits (the state word has 32 − LIST_BITS above the list id). */
const GENERATION_BITS_MAX = 32 - LIST_BITS;

/**
 * Bits of a low tick above a level's digit: a level-k slot starts at the current tick with digits
 * 0..k cleared and digit k set to the slot.
 */
const PREFIX_MASKS: readonly number[] = [0xffffff00 | 0, 0xffff0000 | 0, 0xff000000 | 0, 0];

/** Index of the lowest set bit of a non-zero 32-bit integer (count trailing zeros). */
function ctz(bits: number): number {
  return 31 - Math.clz32(bits & -bits);
}

function isIntegerIn(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

/**
 * A hierarchical timing wheel of up to `timerCapacity` timers (see the module header for the
 * structure and the exact timing guarantee).
 *
 * Handles: `schedule` returns a non-negative int32 handle (`generation << indexBits | index`).
 * A handle is *active* from `schedule` until it is cancelled or delivered by `pollExpired`;
 * `cancel`/`reschedule` work on active handles only and return `false` (a no-op) for anything
 * else: a cancelled handle, a delivered one, one whose table slot has been reused since (the
 * generation differs), or a value that was never a handle. A timer that is due but not yet
 * delivered (queued for `pollExpired`) is still active: cancelling it means it is never
 * delivered; rescheduling it moves it back into the wheel.
 *
 * Recycling: the handle returned by `pollExpired` stays *readable* — `kindOf`/`targetOf` —
 * until the next `pollExpired()` or `advanceTo()` call; then its table slot is freed and the
 * generation is bumped. Generations have `min(21, 31 − indexBits)` bits (at least 7; 21 up to a
 * capacity of 1023, 11 at a capacity of a million), so a stale handle is detected unless its slot
 * has been reused a multiple of 2^bits times since. Freed slots are reused last-in first-out.
 *
 * Limits: at most `timerCapacity` active timers; at the limit `schedule` returns
 * {@link TIMER_NONE} (no exception: the engine reacts with backpressure on its own terms). The
 * fired-but-unrecycled handle does not count against the limit.
 *
 * Errors: a deadline or time that is NaN or above {@link TIMING_WHEEL_TIME_US_MAX}, or a `kind` /
 * `target` that is not an int32, throws {@link InvalidArgumentError}; `kindOf`/`targetOf` of an
 * unreadable handle throw {@link StaleHandleError}.
 */
export class TimingWheel {
  /** Maximum number of active timers. */
  readonly timerCapacity: number;
  /** Tick length in µs. */
  readonly tickUs: number;

  /** Table entries: capacity + 1 (the extra one holds the fired-but-unrecycled timer). */
  private readonly entryCount: number;
  /** Hot fields of each entry (F_NEXT, F_PREV, F_STATE, F_LOW). */
  private readonly entries: Int32Array;
  /** `kind` and `target` of each entry (2 per entry). */
  private readonly payloads: Int32Array;
  /** Deadline tick div 2^32 (< 2^21) of each overflow entry (unused for other entries). */
  private readonly epochs: Int32Array;
  private readonly indexBits: number;
  private readonly indexMask: number;
  private readonly generationMask: number;
  /** List heads: 1024 wheel slots, the overflow list and the expired FIFO. */
  private readonly heads: Int32Array;
  /** Occupancy bitmap: word `level * 8 + w` has bit `b` set iff slot `w * 32 + b` of the level is non-empty. */
  private readonly occupancy: Int32Array;
  /** Bit `level * 8 + w` set iff occupancy word `level * 8 + w` is non-zero. */
  private summaryBits: number;
  private expiredTail: number;
  private freeHead: number;
  /** Entry delivered by the last `pollExpired`, readable until the next poll/advance; NONE if none. */
  private firedIndex: number;
  private activeCount: number;
  /** The last time passed to `advanceTo` (or `startUs`). */
  private nowUsValue: number;
  /** Current tick = epoch * 2^32 + nowLow. */
  private nowTick: number;
  private epoch: number;
  private epochBaseTick: number;
  /** Current tick mod 2^32, as a non-negative double. */
  private nowLow: number;
  private overflowCount: number;
  /** Lower bound of the epochs in the overflow list (exact after each re-examination); Infinity when empty. */
  private overflowEpochMin: number;
  private slotEventCountValue: number;
  private cascadedCountValue: number;
  private overflowScanCountValue: number;

  constructor(options: TimingWheelOptions) {
    const { timerCapacity, tickUs = 1, startUs = 0 } = options;
    if (!isIntegerIn(timerCapacity, 1, TIMING_WHEEL_CAPACITY_MAX)) {
      throw new InvalidArgumentError(
        `timerCapacity must be an integer 1 .. ${TIMING_WHEEL_CAPACITY_MAX}, got ${timerCapacity}`,
      );
    }
    if (!isIntegerIn(tickUs, 1, Number.MAX_SAFE_INTEGER)) {
      throw new InvalidArgumentError(`tickUs must be a positive safe integer, got ${tickUs}`);
    }
    if (!(startUs >= 0 && startUs <= TIMING_WHEEL_TIME_US_MAX)) {
      throw new InvalidArgumentError(`startUs must be 0 .. ${TIMING_WHEEL_TIME_US_MAX}, got ${startUs}`);
    }
    this.timerCapacity = timerCapacity;
    this.tickUs = tickUs;
    this.entryCount = timerCapacity + 1;
    this.indexBits = 32 - Math.clz32(this.entryCount - 1);
    this.indexMask = (1 << this.indexBits) - 1;
    this.generationMask = 2 ** Math.min(31 - this.indexBits, GENERATION_BITS_MAX) - 1;
    this.entries = new Int32Array(this.entryCount << STRIDE_SHIFT);
    this.payloads = new Int32Array(this.entryCount * 2);
    this.epochs = new Int32Array(this.entryCount);
    this.heads = new Int32Array(LIST_COUNT).fill(NONE);
    this.occupancy = new Int32Array(TIMING_WHEEL_LEVEL_COUNT * WORDS_PER_LEVEL);
    this.summaryBits = 0;
    this.expiredTail = NONE;
    const e = this.entries;
    for (let index = 0; index < this.entryCount; index++) {
      const base = index << STRIDE_SHIFT;
      e[base + F_NEXT] = index + 1 < this.entryCount ? index + 1 : NONE;
      e[base + F_PREV] = NONE;
      e[base + F_STATE] = NO_LIST; // generation 0
    }
    this.freeHead = 0;
    this.firedIndex = NONE;
    this.activeCount = 0;
    this.nowUsValue = startUs;
    this.nowTick = Math.floor(startUs / tickUs);
    this.epoch = Math.floor(this.nowTick / TIMING_WHEEL_SPAN_TICKS);
    this.epochBaseTick = this.epoch * TIMING_WHEEL_SPAN_TICKS;
    this.nowLow = this.nowTick - this.epochBaseTick;
    this.overflowCount = 0;
    this.overflowEpochMin = Number.POSITIVE_INFINITY;
    this.slotEventCountValue = 0;
    this.cascadedCountValue = 0;
    this.overflowScanCountValue = 0;
  }

  /** Number of active timers (pending in the wheel or overflow list, or due and not yet delivered). */
  get size(): number {
    return this.activeCount;
  }

  /** The wheel's current time: the last `advanceTo` argument that moved time forward, or `startUs`. */
  get nowUs(): number {
    return this.nowUsValue;
  }

  /** Diagnostics: slots visited by `advanceTo` so far (each expired or cascaded; empty slots are never visited). */
  get slotEventCount(): number {
    return this.slotEventCountValue;
  }

  /** Diagnostics: timers moved from a higher level (or the overflow list) to a lower place so far. */
  get cascadedCount(): number {
    return this.cascadedCountValue;
  }

  /** Diagnostics: re-examinations of the overflow list so far (one per epoch entered that may hold timers). */
  get overflowScanCount(): number {
    return this.overflowScanCountValue;
  }

  /**
   * Schedules a timer that expires at `deadlineUs` (see the module header for rounding). A
   * deadline at or before the current time is due at once and is returned by the next
   * `pollExpired()`. O(1).
   *
   * @param kind what to do on expiry (an int32 the engine switches on, e.g. a NOTIFY timeout).
   * @param target whom it concerns (an int32, e.g. a transfer slot).
   * @returns the timer's handle, or {@link TIMER_NONE} when `timerCapacity` timers are active.
   */
  schedule(deadlineUs: number, kind: number, target: number): number {
    if (this.activeCount >= this.timerCapacity) return TIMER_NONE;
    if (!(deadlineUs <= TIMING_WHEEL_TIME_US_MAX)) throw this.deadlineError(deadlineUs);
    if ((kind | 0) !== kind || (target | 0) !== target) throw this.payloadError(kind, target);
    const index = this.freeHead;
    assert(index !== NONE, 'timing wheel free list empty below capacity');
    const e = this.entries;
    const base = index << STRIDE_SHIFT;
    this.freeHead = e[base + F_NEXT] as number;
    this.payloads[index << 1] = kind;
    this.payloads[(index << 1) + 1] = target;
    this.activeCount++;
    this.place(index, deadlineUs);
    return this.handleOf(index);
  }

  /**
   * Moves an active timer to a new deadline (earlier or later), keeping its handle, kind and
   * target. O(1). A timer pushed later while it waits in a level ≥ 1 slot stays in that slot with
   * its new deadline (the slot cascades before it could be due and re-places it), so re-arming a
   * timer on every ACK touches one table entry instead of four.
   *
   * @returns `false`, doing nothing, when `handle` is not active (cancelled, delivered, stale).
   */
  reschedule(handle: number, deadlineUs: number): boolean {
    if (!(deadlineUs <= TIMING_WHEEL_TIME_US_MAX)) throw this.deadlineError(deadlineUs);
    const index = this.activeIndexOf(handle);
    if (index === NONE) return false;
    const e = this.entries;
    const base = index << STRIDE_SHIFT;
    const list = (e[base + F_STATE] as number) & LIST_MASK;
    if (list >= TIMING_WHEEL_SLOT_COUNT && list < WHEEL_LIST_COUNT && deadlineUs > this.nowUsValue) {
      // Pushed later while in a level >= 1 slot (the usual case: a retransmission timer re-armed
      // on every ACK): only the deadline changes. Such a slot is cascaded before any of its
      // timers can be due, and the cascade places the timer by its current deadline, so it is
      // neither early nor late; level-0 slots stay exact. One cache line instead of four.
      const tick = this.tickUs === 1 ? Math.ceil(deadlineUs) : Math.ceil(deadlineUs / this.tickUs);
      const low = tick - this.epochBaseTick;
      if (low < TIMING_WHEEL_SPAN_TICKS && low >= (e[base + F_LOW] as number) >>> 0) {
        e[base + F_LOW] = low;
        return true;
      }
    }
    this.unlink(index);
    this.place(index, deadlineUs);
    return true;
  }

  /**
   * Cancels an active timer; it will not be delivered. O(1).
   *
   * @returns `false`, doing nothing, when `handle` is not active (cancelled, delivered, stale).
   */
  cancel(handle: number): boolean {
    const index = this.activeIndexOf(handle);
    if (index === NONE) return false;
    this.unlink(index);
    this.release(index);
    this.activeCount--;
    return true;
  }

  /** Whether `handle` is active: scheduled and neither cancelled nor delivered by `pollExpired`. */
  isActive(handle: number): boolean {
    return this.activeIndexOf(handle) !== NONE;
  }

  /**
   * The `kind` of an active timer or of the handle just returned by `pollExpired`.
   *
   * @throws {@link StaleHandleError} when `handle` is neither.
   */
  kindOf(handle: number): number {
    return this.payloads[this.readableIndexOf(handle) << 1] as number;
  }

  /**
   * The `target` of an active timer or of the handle just returned by `pollExpired`.
   *
   * @throws {@link StaleHandleError} when `handle` is neither.
   */
  targetOf(handle: number): number {
    return this.payloads[(this.readableIndexOf(handle) << 1) + 1] as number;
  }

  /**
   * Moves the wheel's time to `nowUs`: every timer whose rounded deadline tick is at or before
   * `⌊nowUs / tickUs⌋` becomes due and is queued, in deadline-tick order, for `pollExpired`
   * (timers of the same tick in unspecified order). Only non-empty slots are visited: the cost
   * is O(expired + cascaded timers + 1), whatever the length of the jump. A `nowUs` at or before
   * the current time changes nothing (time never moves backwards). Also recycles the handle
   * returned by the last `pollExpired`.
   */
  advanceTo(nowUs: number): void {
    if (this.firedIndex !== NONE) this.recycleFired();
    if (!(nowUs <= TIMING_WHEEL_TIME_US_MAX)) throw this.nowError(nowUs);
    if (nowUs <= this.nowUsValue) return;
    this.nowUsValue = nowUs;
    const tick = this.tickUs === 1 ? Math.floor(nowUs) : Math.floor(nowUs / this.tickUs);
    if (tick <= this.nowTick) return;
    if (tick - this.epochBaseTick >= TIMING_WHEEL_SPAN_TICKS) {
      this.advanceEpochs(Math.floor(tick / TIMING_WHEEL_SPAN_TICKS));
    }
    const targetLow = tick - this.epochBaseTick;
    if (this.summaryBits !== 0) this.expireThrough(targetLow);
    this.nowLow = targetLow;
    this.nowTick = tick;
  }

  /**
   * Delivers the next due timer: returns its handle, or {@link TIMER_NONE} when none is due. The
   * handle is no longer active; read `kindOf`/`targetOf` before the next `pollExpired()` or
   * `advanceTo()`, which recycle it. O(1).
   */
  pollExpired(): number {
    if (this.firedIndex !== NONE) this.recycleFired();
    const index = this.heads[EXPIRED_LIST] as number;
    if (index === NONE) return TIMER_NONE;
    this.unlink(index);
    this.firedIndex = index;
    this.activeCount--;
    return this.handleOf(index);
  }

  /**
   * The earliest time at which `advanceTo` will make a timer due, as the worker's poll timeout.
   * O(1).
   * - the current time when timers are already due (queued for `pollExpired`);
   * - exact — `⌈d / tickUs⌉ · tickUs` of the earliest deadline `d` — when that deadline is in the
   *   current 256-tick block of level 0;
   * - otherwise a lower bound: the first tick of the next slot to cascade (or of the next epoch
   *   holding overflow timers). Advancing to it does the cascade and yields a later, tighter
   *   value; at most 4 such steps (5 across an epoch) precede an expiry, plus one per timer that
   *   was pushed later while in a level ≥ 1 slot (see `reschedule`);
   * - `Infinity` when no timer is active.
   */
  nextDeadlineUs(): number {
    if (this.heads[EXPIRED_LIST] !== NONE) return this.nowUsValue;
    if (this.summaryBits !== 0) return (this.epochBaseTick + this.nextEventLow()) * this.tickUs;
    if (this.overflowCount > 0) return this.overflowEpochMin * TIMING_WHEEL_SPAN_TICKS * this.tickUs;
    return Number.POSITIVE_INFINITY;
  }

  // ---- internals ----

  private payloadError(kind: number, target: number): InvalidArgumentError {
    return new InvalidArgumentError(`timer kind and target must be int32 values, got ${kind} and ${target}`);
  }

  private nowError(nowUs: number): InvalidArgumentError {
    return new InvalidArgumentError(`nowUs must be a number <= ${TIMING_WHEEL_TIME_US_MAX}, got ${nowUs}`);
  }

  private deadlineError(deadlineUs: number): InvalidArgumentError {
    return new InvalidArgumentError(
      `deadlineUs must be a number <= ${TIMING_WHEEL_TIME_US_MAX} (a negative one is due at once), got ${deadlineUs}`,
    );
  }

  /** The current handle of an entry: `generation << indexBits | index`. */
  private handleOf(index: number): number {
    return (((this.entries[(index << STRIDE_SHIFT) + F_STATE] as number) >>> LIST_BITS) << this.indexBits) | index;
  }

  /** Entry index of an active handle, or NONE. */
  private activeIndexOf(handle: number): number {
    const index = handle & this.indexMask;
    if (index >= this.entryCount) return NONE;
    const state = this.entries[(index << STRIDE_SHIFT) + F_STATE] as number;
    // Comparing the whole rebuilt handle also rejects negative, fractional and oversized values.
    if ((state & LIST_MASK) === NO_LIST || (((state >>> LIST_BITS) << this.indexBits) | index) !== handle) return NONE;
    return index;
  }

  /** Entry index of an active or just-fired handle; throws StaleHandleError otherwise. */
  private readableIndexOf(handle: number): number {
    const index = handle & this.indexMask;
    if (index < this.entryCount) {
      const state = this.entries[(index << STRIDE_SHIFT) + F_STATE] as number;
      if (
        (((state >>> LIST_BITS) << this.indexBits) | index) === handle &&
        ((state & LIST_MASK) !== NO_LIST || index === this.firedIndex)
      ) {
        return index;
      }
    }
    throw new StaleHandleError(
      `timer handle ${handle} is not active (cancelled, or delivered and recycled): read kindOf/targetOf before the next pollExpired/advanceTo`,
    );
  }

  /** Puts an unlinked, allocated entry where `deadlineUs` belongs. */
  private place(index: number, deadlineUs: number): void {
    if (deadlineUs <= this.nowUsValue) {
      // Zero or negative delay: due in the current pass (its deadline fields are never read).
      this.appendExpired(index);
      return;
    }
    // Rounded up so a timer never expires early; > nowTick because deadlineUs > nowUs.
    const tick = this.tickUs === 1 ? Math.ceil(deadlineUs) : Math.ceil(deadlineUs / this.tickUs);
    const low = tick - this.epochBaseTick;
    if (low < TIMING_WHEEL_SPAN_TICKS) {
      // The common case: the deadline is in the current epoch. The epoch field is only kept for
      // overflow timers; wheel timers are always in the current epoch.
      this.entries[(index << STRIDE_SHIFT) + F_LOW] = low;
      this.insertInEpoch(index, low);
      return;
    }
    const epoch = Math.floor(tick / TIMING_WHEEL_SPAN_TICKS);
    this.entries[(index << STRIDE_SHIFT) + F_LOW] = tick - epoch * TIMING_WHEEL_SPAN_TICKS;
    this.epochs[index] = epoch;
    this.insertOverflow(index, epoch);
  }

  /** Links an entry whose deadline is in the current epoch, at or after the current tick. */
  private insertInEpoch(index: number, low: number): void {
    const diff = low ^ this.nowLow;
    if (diff === 0) {
      this.appendExpired(index);
      return;
    }
    // Level = highest differing base-256 digit; slot = that digit of the deadline.
    const level = (31 - Math.clz32(diff)) >> 3;
    const list = (level << SLOT_BITS) | ((low >>> (level << 3)) & 0xff);
    const e = this.entries;
    const base = index << STRIDE_SHIFT;
    const heads = this.heads;
    const head = heads[list] as number;
    e[base + F_NEXT] = head;
    e[base + F_PREV] = NONE;
    e[base + F_STATE] = ((e[base + F_STATE] as number) & ~LIST_MASK) | list;
    heads[list] = index;
    if (head !== NONE) {
      e[(head << STRIDE_SHIFT) + F_PREV] = index;
    } else {
      const word = list >> 5;
      this.occupancy[word] = (this.occupancy[word] as number) | (1 << (list & 31));
      this.summaryBits |= 1 << word;
    }
  }

  private insertOverflow(index: number, epoch: number): void {
    assert(epoch > this.epoch, 'timing wheel overflow timer not in a later epoch');
    this.linkFront(index, OVERFLOW_LIST);
    this.overflowCount++;
    if (epoch < this.overflowEpochMin) this.overflowEpochMin = epoch;
  }

  private linkFront(index: number, list: number): void {
    const e = this.entries;
    const base = index << STRIDE_SHIFT;
    const head = this.heads[list] as number;
    e[base + F_NEXT] = head;
    e[base + F_PREV] = NONE;
    e[base + F_STATE] = ((e[base + F_STATE] as number) & ~LIST_MASK) | list;
    if (head !== NONE) e[(head << STRIDE_SHIFT) + F_PREV] = index;
    this.heads[list] = index;
  }

  private appendExpired(index: number): void {
    const e = this.entries;
    const base = index << STRIDE_SHIFT;
    const tail = this.expiredTail;
    e[base + F_NEXT] = NONE;
    e[base + F_PREV] = tail;
    e[base + F_STATE] = ((e[base + F_STATE] as number) & ~LIST_MASK) | EXPIRED_LIST;
    if (tail !== NONE) e[(tail << STRIDE_SHIFT) + F_NEXT] = index;
    else this.heads[EXPIRED_LIST] = index;
    this.expiredTail = index;
  }

  /** Removes an entry from whichever list holds it. */
  private unlink(index: number): void {
    const e = this.entries;
    const base = index << STRIDE_SHIFT;
    const state = e[base + F_STATE] as number;
    const list = state & LIST_MASK;
    const next = e[base + F_NEXT] as number;
    const prev = e[base + F_PREV] as number;
    if (prev !== NONE) e[(prev << STRIDE_SHIFT) + F_NEXT] = next;
    else this.heads[list] = next;
    if (next !== NONE) e[(next << STRIDE_SHIFT) + F_PREV] = prev;
    e[base + F_STATE] = state | NO_LIST;
    if (list < WHEEL_LIST_COUNT) {
      if (prev === NONE && next === NONE) this.clearOccupied(list);
    } else if (list === EXPIRED_LIST) {
      if (next === NONE) this.expiredTail = prev;
    } else {
      assert(list === OVERFLOW_LIST, 'timing wheel unlink of an entry in no list');
      this.overflowCount--;
      if (this.overflowCount === 0) this.overflowEpochMin = Number.POSITIVE_INFINITY;
    }
  }

  private clearOccupied(list: number): void {
    const word = list >> 5;
    const bits = (this.occupancy[word] as number) & ~(1 << (list & 31));
    this.occupancy[word] = bits;
    if (bits === 0) this.summaryBits &= ~(1 << word);
  }

  /** Frees an unlinked entry and bumps its generation so its old handle becomes stale. */
  private release(index: number): void {
    const e = this.entries;
    const base = index << STRIDE_SHIFT;
    const generation = (((e[base + F_STATE] as number) >>> LIST_BITS) + 1) & this.generationMask;
    e[base + F_STATE] = (generation << LIST_BITS) | NO_LIST;
    e[base + F_NEXT] = this.freeHead;
    this.freeHead = index;
  }

  private recycleFired(): void {
    this.release(this.firedIndex);
    this.firedIndex = NONE;
  }

  /** Low tick of the earliest non-empty slot (summaryBits must be non-zero). */
  private nextEventLow(): number {
    const word = ctz(this.summaryBits);
    const bit = ctz(this.occupancy[word] as number);
    const level = word >> 3;
    const slot = ((word & 7) << 5) | bit;
    return ((this.nowLow & (PREFIX_MASKS[level] as number)) | (slot << (level << 3))) >>> 0;
  }

  /**
   * Visits, in time order, every non-empty slot starting at or before `targetLow` (same epoch):
   * level-0 slots expire, higher slots cascade. Leaves nowLow at the last visited slot's tick.
   */
  private expireThrough(targetLow: number): void {
    const occupancy = this.occupancy;
    const heads = this.heads;
    const e = this.entries;
    while (this.summaryBits !== 0) {
      const word = ctz(this.summaryBits);
      const bits = occupancy[word] as number;
      const bit = ctz(bits);
      const level = word >> 3;
      const slot = ((word & 7) << 5) | bit;
      const eventLow = ((this.nowLow & (PREFIX_MASKS[level] as number)) | (slot << (level << 3))) >>> 0;
      if (eventLow > targetLow) break;
      this.nowLow = eventLow;
      this.nowTick = this.epochBaseTick + eventLow;
      this.slotEventCountValue++;
      const list = (word << 5) | bit;
      let index = heads[list] as number;
      heads[list] = NONE;
      const remaining = bits & ~(1 << bit);
      occupancy[word] = remaining;
      if (remaining === 0) this.summaryBits &= ~(1 << word);
      if (level === 0) {
        // Every timer of a level-0 slot has this exact tick: splice the list onto the expired FIFO.
        const first = index;
        let last = NONE;
        while (index !== NONE) {
          const state = (index << STRIDE_SHIFT) + F_STATE;
          e[state] = ((e[state] as number) & ~LIST_MASK) | EXPIRED_LIST;
          last = index;
          index = e[(index << STRIDE_SHIFT) + F_NEXT] as number;
        }
        const tail = this.expiredTail;
        e[(first << STRIDE_SHIFT) + F_PREV] = tail;
        if (tail !== NONE) e[(tail << STRIDE_SHIFT) + F_NEXT] = first;
        else heads[EXPIRED_LIST] = first;
        this.expiredTail = last;
      } else {
        // The current tick entered this slot: its timers now differ from it in a lower digit.
        while (index !== NONE) {
          const base = index << STRIDE_SHIFT;
          const next = e[base + F_NEXT] as number;
          this.insertInEpoch(index, (e[base + F_LOW] as number) >>> 0);
          this.cascadedCountValue++;
          index = next;
        }
      }
    }
  }

  /**
   * Moves time to the start of `targetEpoch`: expires everything left in the current epoch, then
   * hops from epoch to epoch, visiting only epochs that may hold overflow timers.
   */
  private advanceEpochs(targetEpoch: number): void {
    for (;;) {
      if (this.summaryBits !== 0) this.expireThrough(LOW_MAX);
      assert(this.summaryBits === 0, 'timing wheel not empty at the end of an epoch');
      assert(this.overflowEpochMin > this.epoch, 'timing wheel overflow epoch already passed');
      const epoch = Math.min(this.overflowEpochMin, targetEpoch);
      this.epoch = epoch;
      this.epochBaseTick = epoch * TIMING_WHEEL_SPAN_TICKS;
      this.nowLow = 0;
      this.nowTick = this.epochBaseTick;
      if (this.overflowEpochMin === epoch) this.pullOverflow();
      if (epoch === targetEpoch) return;
    }
  }

  /** Re-examines the overflow list on entering an epoch: moves that epoch's timers into the wheel. */
  private pullOverflow(): void {
    this.overflowScanCountValue++;
    const e = this.entries;
    let epochMin = Number.POSITIVE_INFINITY;
    let index = this.heads[OVERFLOW_LIST] as number;
    while (index !== NONE) {
      const base = index << STRIDE_SHIFT;
      const next = e[base + F_NEXT] as number;
      const epoch = this.epochs[index] as number;
      if (epoch === this.epoch) {
        this.unlink(index);
        this.insertInEpoch(index, (e[base + F_LOW] as number) >>> 0);
        this.cascadedCountValue++;
      } else if (epoch < epochMin) {
        epochMin = epoch;
      }
      index = next;
    }
    this.overflowEpochMin = epochMin;
  }
}
