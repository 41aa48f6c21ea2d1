/**
 * Completion-time summaries of the completed transfers of a run (count, min, mean, percentiles,
 * max), in nanoseconds.
 */
import { percentileKey, percentileOfSorted, REPORT_PERCENTS } from './percentiles.js';
import { type TransferRecords, TransferStatus } from './transfer-records.js';

/** A summary of a set of values (NaN fields when it is empty). */
export interface ValueSummary {
  /** Number of values. */
  readonly count: number;
  /** Smallest value. */
  readonly min: number;
  /** Arithmetic mean. */
  readonly mean: number;
  /** Largest value. */
  readonly max: number;
  /** Nearest-rank percentiles, keyed `p50`, `p99`, `p99.9`, … */
  readonly percentiles: Readonly<Record<string, number>>;
}

/** Summarizes `values` (NaN values are skipped) with the given percentiles (default 50, 99, 99.9). */
export function summarizeValues(
  values: ArrayLike<number>,
  percents: ArrayLike<number> = REPORT_PERCENTS,
): ValueSummary {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i] as number)) count++;
  const sorted = new Float64Array(count);
  let at = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    if (Number.isNaN(value)) continue;
    sorted[at++] = value;
    sum += value;
  }
  sorted.sort();
  const keyed: Record<string, number> = {};
  for (let p = 0; p < percents.length; p++) {
    keyed[percentileKey(percents[p] as number)] = percentileOfSorted(sorted, percents[p] as number);
  }
  return {
    count,
    min: count === 0 ? Number.NaN : (sorted[0] as number),
    mean: count === 0 ? Number.NaN : sum / count,
    max: count === 0 ? Number.NaN : (sorted[count - 1] as number),
    percentiles: keyed,
  };
}

/** Completion times (endNs − startNs) of the Completed records, NaN for the others. */
export function completionTimesNs(records: TransferRecords): Float64Array {
  const times = new Float64Array(records.count);
  for (let i = 0; i < records.count; i++) {
    times[i] =
      records.status[i] === TransferStatus.Completed
        ? (records.endNs[i] as number) - (records.startNs[i] as number)
        : Number.NaN;
  }
  return times;
}
