/**
 * A bounded set of byte offsets kept as sorted, disjoint, non-adjacent half-open ranges
 * [start, end), used for reassembly (what has arrived), RANGE_ACK (what to acknowledge) and
 * PULL_REQUEST (what is still missing).
 *
 * Storage is one preallocated Float64Array of interleaved bounds [start0, end0, start1, end1, …],
 * so offsets up to 2^53 are exact and one move shifts a whole tail. Positions are found by
 * binary search; appending at or extending the last range (in-order arrival) skips the search.
 *
 * The number of ranges ("fragments") is bounded by `fragmentsMax`. At the bound:
 * - an `add` that merges with or extends existing ranges always succeeds (it never needs a new
 *   fragment);
 * - an `add` that would need a new fragment while `count === fragmentsMax` returns
 *   {@link FRAGMENT_LIMIT} and leaves the set unchanged: the caller drops that data and pulls it
 *   again later, by which time the gaps around it have usually filled;
 * - a `remove` that would split one range in two while `count === fragmentsMax` returns
 *   {@link FRAGMENT_LIMIT} and leaves the set unchanged; every other `remove` succeeds.
 *
 * Zero-length ranges (start === end) are valid and no-ops. Offsets must be integers with
 * 0 ≤ start ≤ end ≤ 2^53; anything else is a caller bug (`InvalidArgumentError`): wire decoders
 * validate ranges before they get here.
 */
import { assert } from './assert.js';
import { InvalidArgumentError } from './errors.js';

/** Largest offset a range may end at: 2^53, the end of the exactly representable integers. */
export const RANGE_OFFSET_MAX = 2 ** 53;

/** Returned by `add`/`remove` when the change would need a fragment beyond `fragmentsMax`. */
export const FRAGMENT_LIMIT = -1;

/** Largest `fragmentsMax` accepted (the storage is preallocated). */
export const RANGE_SET_FRAGMENTS_MAX = 2 ** 24;

/** Options of a {@link RangeSet}. */
export interface RangeSetOptions {
  /** Maximum number of disjoint ranges held: 1 … {@link RANGE_SET_FRAGMENTS_MAX}. */
  readonly fragmentsMax: number;
}

/** Moves of up to this many numbers (16 ranges) use a loop instead of `copyWithin`. */
const SHORT_MOVE = 32;

const START = 0;
const END = 1;

function checkRange(start: number, end: number): void {
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= RANGE_OFFSET_MAX)) {
    throw new InvalidArgumentError(`a byte range needs integers 0 <= start <= end <= 2^53, got [${start}, ${end})`);
  }
}

/** Sorted disjoint half-open byte ranges with a fragment bound; see the module comment. */
export class RangeSet {
  /** Maximum number of ranges. */
  readonly fragmentsMax: number;
  /** Interleaved [start, end) bounds; entries [0, 2 × count) are valid. */
  private readonly bounds: Float64Array;
  private fragmentCount: number;
  private coveredTotal: number;

  constructor(options: RangeSetOptions) {
    const fragmentsMax = options.fragmentsMax;
    if (!(Number.isInteger(fragmentsMax) && fragmentsMax >= 1 && fragmentsMax <= RANGE_SET_FRAGMENTS_MAX)) {
      throw new InvalidArgumentError(
        `fragmentsMax must be an integer in [1, ${RANGE_SET_FRAGMENTS_MAX}], got ${fragmentsMax}`,
      );
    }
    this.fragmentsMax = fragmentsMax;
    this.bounds = new Float64Array(2 * fragmentsMax);
    this.fragmentCount = 0;
    this.coveredTotal = 0;
  }

  /** Number of disjoint ranges. */
  get count(): number {
    return this.fragmentCount;
  }

  /** Total bytes covered by all ranges. */
  get coveredBytes(): number {
    return this.coveredTotal;
  }

  /** End of the contiguous prefix starting at 0 (0 if offset 0 is missing): the in-order delivery point. */
  get firstGapStart(): number {
    return this.fragmentCount > 0 && this.bounds[0] === 0 ? (this.bounds[1] as number) : 0;
  }

  /** End of the last range (the highest covered offset + 1), or 0 when empty. */
  get endMax(): number {
    return this.fragmentCount > 0 ? (this.bounds[2 * this.fragmentCount - 1] as number) : 0;
  }

  /** Start of range `index` (0 ≤ index < count). */
  startAt(index: number): number {
    assert(index >>> 0 === index && index < this.fragmentCount, 'range index out of bounds');
    return this.bounds[2 * index] as number;
  }

  /** End (exclusive) of range `index` (0 ≤ index < count). */
  endAt(index: number): number {
    assert(index >>> 0 === index && index < this.fragmentCount, 'range index out of bounds');
    return this.bounds[2 * index + 1] as number;
  }

  /** Removes every range. */
  clear(): void {
    this.fragmentCount = 0;
    this.coveredTotal = 0;
  }

  /**
   * Adds [start, end), merging with overlapping and adjacent ranges. Returns the number of bytes
   * that were not covered before (0 for a duplicate or an empty range), or {@link FRAGMENT_LIMIT}
   * if the range would need a new fragment beyond `fragmentsMax` (the set is then unchanged).
   */
  add(start: number, end: number): number {
    checkRange(start, end);
    if (start === end) return 0;
    const b = this.bounds;
    const n = this.fragmentCount;
    if (n > 0) {
      // Fast path for in-order arrival: the range touches or extends the last fragment.
      const lastEnd = b[2 * n - 1] as number;
      if (start <= lastEnd && start >= (b[2 * n - 2] as number)) {
        if (end <= lastEnd) return 0;
        b[2 * n - 1] = end;
        const added = end - lastEnd;
        this.coveredTotal += added;
        return added;
      }
    }
    // Fragments first..last-1 overlap or touch [start, end).
    const first = this.search(END, start, true, 0);
    const last = this.search(START, end, false, first);
    if (first === last) {
      if (n === this.fragmentsMax) return FRAGMENT_LIMIT;
      this.move(2 * first + 2, 2 * first, 2 * n);
      b[2 * first] = start;
      b[2 * first + 1] = end;
      this.fragmentCount = n + 1;
      this.coveredTotal += end - start;
      return end - start;
    }
    let before = 0;
    for (let k = first; k < last; k++) before += (b[2 * k + 1] as number) - (b[2 * k] as number);
    const mergedStart = Math.min(start, b[2 * first] as number);
    const mergedEnd = Math.max(end, b[2 * last - 1] as number);
    b[2 * first] = mergedStart;
    b[2 * first + 1] = mergedEnd;
    if (last - first > 1) {
      this.move(2 * first + 2, 2 * last, 2 * n);
      this.fragmentCount = n - (last - first - 1);
    }
    const added = mergedEnd - mergedStart - before;
    this.coveredTotal += added;
    return added;
  }

  /**
   * Removes [start, end). Returns the number of bytes that were covered and are no longer, or
   * {@link FRAGMENT_LIMIT} if it would split a range while the set holds `fragmentsMax` ranges
   * (the set is then unchanged).
   */
  remove(start: number, end: number): number {
    checkRange(start, end);
    if (start === end) return 0;
    const b = this.bounds;
    const n = this.fragmentCount;
    // Fragments first..last-1 overlap [start, end) by at least one byte.
    const first = this.search(END, start, false, 0);
    if (first === n) return 0;
    const last = this.search(START, end, true, first);
    if (first === last) return 0;
    const firstStart = b[2 * first] as number;
    const lastEnd = b[2 * last - 1] as number;
    const keepLeft = firstStart < start;
    const keepRight = lastEnd > end;
    const kept = (keepLeft ? 1 : 0) + (keepRight ? 1 : 0);
    const countAfter = n - (last - first) + kept;
    if (countAfter > this.fragmentsMax) return FRAGMENT_LIMIT;
    let before = 0;
    for (let k = first; k < last; k++) before += (b[2 * k + 1] as number) - (b[2 * k] as number);
    // Move the tail first (memmove semantics), then write the remainders in front of it.
    this.move(2 * (first + kept), 2 * last, 2 * n);
    let at = 2 * first;
    if (keepLeft) {
      b[at] = firstStart;
      b[at + 1] = start;
      at += 2;
    }
    if (keepRight) {
      b[at] = end;
      b[at + 1] = lastEnd;
    }
    this.fragmentCount = countAfter;
    const removed = before - (keepLeft ? start - firstStart : 0) - (keepRight ? lastEnd - end : 0);
    this.coveredTotal -= removed;
    return removed;
  }

  /** Whether `offset` is covered. Any number is accepted. */
  has(offset: number): boolean {
    const index = this.search(END, offset, false, 0);
    return index < this.fragmentCount && (this.bounds[2 * index] as number) <= offset;
  }

  /** Whether every offset of [start, end) is covered; true for an empty range (end ≤ start). */
  covers(start: number, end: number): boolean {
    if (end <= start) return true;
    const index = this.search(END, start, false, 0);
    return (
      index < this.fragmentCount &&
      (this.bounds[2 * index] as number) <= start &&
      (this.bounds[2 * index + 1] as number) >= end
    );
  }

  /**
   * Writes the gaps of [0, upTo) in ascending order into `out` as interleaved [start, end) pairs,
   * at most `maxRanges` of them, and returns how many were written. `out` must hold
   * 2 × maxRanges numbers.
   */
  missing(upTo: number, out: Float64Array, maxRanges: number): number {
    return this.missingIn(0, upTo, out, maxRanges);
  }

  /** Like {@link RangeSet.missing} for the gaps of [from, upTo). */
  missingIn(from: number, upTo: number, out: Float64Array, maxRanges: number): number {
    checkRange(from, upTo);
    if (!(maxRanges >>> 0 === maxRanges && out.length >= 2 * maxRanges)) {
      throw new InvalidArgumentError(`out must hold 2 x maxRanges numbers (maxRanges ${maxRanges})`);
    }
    const b = this.bounds;
    const n = this.fragmentCount;
    let index = this.search(END, from, false, 0);
    let cursor = from;
    let written = 0;
    while (cursor < upTo && written < maxRanges) {
      if (index === n) {
        out[2 * written] = cursor;
        out[2 * written + 1] = upTo;
        written++;
        break;
      }
      const start = b[2 * index] as number;
      if (start > cursor) {
        out[2 * written] = cursor;
        out[2 * written + 1] = Math.min(start, upTo);
        written++;
      }
      cursor = b[2 * index + 1] as number;
      index++;
    }
    return written;
  }

  /**
   * Moves bounds[from, to) to start at `target` (memmove semantics). Short moves use a loop:
   * `copyWithin` is a runtime call whose fixed cost dominates when only a few ranges shift.
   */
  private move(target: number, from: number, to: number): void {
    const b = this.bounds;
    if (to - from > SHORT_MOVE) {
      b.copyWithin(target, from, to);
    } else if (target > from) {
      for (let k = to - 1, d = target + (to - from) - 1; k >= from; k--, d--) b[d] = b[k] as number;
    } else {
      for (let k = from, d = target; k < to; k++, d++) b[d] = b[k] as number;
    }
  }

  /**
   * Smallest index i in [low, count) whose start (field 0) or end (field 1) is > x, or ≥ x when
   * `orEqual`; count if there is none. Starts and ends are both strictly increasing.
   */
  private search(field: number, x: number, orEqual: boolean, low: number): number {
    const b = this.bounds;
    let high = this.fragmentCount;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const value = b[2 * mid + field] as number;
      if (value > x || (orEqual && value === x)) high = mid;
      else low = mid + 1;
    }
    return low;
  }
}
