/**
 * Exact percentiles by sorting, with one documented method used everywhere in the reports.
 *
 * Method: nearest rank. The p-th percentile (0 ≤ p ≤ 100) of n values is the value of rank
 * r = ⌈p·n/100⌉ in ascending order (rank 1 for p = 0): the smallest sample such that at least p% of
 * the samples are ≤ it. It is always one of the samples (no interpolation), so "p99.9 slowdown =
 * 14.2" means some transfer really had slowdown 14.2 and 99.9% of them had at most that. The rank is
 * computed exactly in integers, reading p as the decimal it is written as (up to 6 digits after the
 * point: 99.9 is 999/10), so p99.9 of 41,000 samples is rank 40,959 although 99.9·41000/100 is
 * 40959.00000000001 in floating point.
 */
import { InvalidArgumentError } from '@dcq/core';

/** The percentiles the reports show by default: p50, p99, p99.9. */
export const REPORT_PERCENTS: readonly number[] = [50, 99, 99.9];

/** The 1-based nearest rank of percentile `percent` (0..100) among `count` (≥ 1) values. */
export function percentileRank(count: number, percent: number): number {
  if (!Number.isInteger(count) || count < 1) throw new InvalidArgumentError(`count must be >= 1, got ${count}`);
  if (!(percent >= 0 && percent <= 100)) throw new InvalidArgumentError(`percent must be in [0, 100], got ${percent}`);
  let rank = Math.ceil((percent * count) / 100); // fallback for percents with more than 6 decimals
  for (let scale = 1; scale <= 1e6; scale *= 10) {
    const numerator = Math.round(percent * scale);
    if (Math.abs(percent * scale - numerator) > 1e-7) continue;
    const product = numerator * count; // rank = ⌈numerator·count / (100·scale)⌉, in exact integers
    const denominator = 100 * scale;
    if (product > Number.MAX_SAFE_INTEGER) break;
    rank = Math.floor(product / denominator);
    while (rank * denominator > product) rank--;
    while (rank * denominator < product) rank++;
    break;
  }
  return rank < 1 ? 1 : rank > count ? count : rank;
}

/**
 * The `percent` percentile of `sorted[from, to)`, which must be sorted ascending (not checked).
 * NaN for an empty range.
 */
export function percentileOfSorted(sorted: ArrayLike<number>, percent: number, from = 0, to = sorted.length): number {
  if (to <= from) return Number.NaN;
  return sorted[from + percentileRank(to - from, percent) - 1] as number;
}

/** A sorted copy of `values`; throws an {@link InvalidArgumentError} if one is NaN. */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  const copy = Float64Array.from(values);
  for (let i = 0; i < copy.length; i++) {
    if (Number.isNaN(copy[i] as number)) throw new InvalidArgumentError(`value ${i} is NaN: filter it out first`);
  }
  return copy.sort();
}

/** The percentiles `percents` of `values` (one sort); NaN each when `values` is empty. */
export function percentiles(values: ArrayLike<number>, percents: ArrayLike<number>): Float64Array {
  const sorted = sortedCopy(values);
  const result = new Float64Array(percents.length);
  for (let i = 0; i < percents.length; i++) result[i] = percentileOfSorted(sorted, percents[i] as number);
  return result;
}

/** The report key of a percentile: `p50`, `p99`, `p99.9`. */
export function percentileKey(percent: number): string {
  return `p${percent}`;
}
