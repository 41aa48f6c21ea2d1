/**
 * The JSON report of one simulator run: plain objects built in a fixed key order (so two runs of
 * the same seed give byte-identical JSON and two transports' reports diff cleanly), with
 * non-finite numbers written as null. Caller-supplied parameters are canonicalized (keys sorted).
 */
import { InvalidArgumentError } from '@dcq/core';
import { completionTimesNs, summarizeValues, type ValueSummary } from './completion-times.js';
import { linkUtilisation, transferTotals } from './goodput.js';
import { REPORT_PERCENTS } from './percentiles.js';
import type { PriorityInversionLog } from './priority-inversions.js';
import type { SizeBuckets } from './size-buckets.js';
import { bucketSlowdownToObject, computeSlowdowns, type IdealCompletion, slowdownByBucket } from './slowdown.js';
import type { TransferRecords } from './transfer-records.js';

/** Version tag of the report layout. */
export const RUN_REPORT_SCHEMA = 'dcq-sim-run/1';

/** A JSON value as the reports hold it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Input of {@link buildRunReport}. */
export interface RunReportInput {
  /** Scenario name, e.g. `w4-load80-16hosts`. */
  readonly name: string;
  /** Transport under test, e.g. `dcq` or a baseline's name. */
  readonly transport: string;
  /** Workload name, e.g. `W4`. */
  readonly workload: string;
  /** Seed of the run. */
  readonly seed: number;
  /** Scenario parameters (any JSON-like values; keys are sorted in the report). */
  readonly parameters?: Readonly<Record<string, unknown>>;
  /** Length of the measured window, ns (for utilisation). */
  readonly durationNs: number;
  /** The per-transfer records. */
  readonly records: TransferRecords;
  /** The ideal completion time model for slowdowns. */
  readonly ideal: IdealCompletion;
  /** The size buckets of the slowdown table. */
  readonly buckets: SizeBuckets;
  /** Percentiles to report (default 50, 99, 99.9). */
  readonly percents?: ArrayLike<number>;
  /** Host links the wire bytes were spread over and their rate, for utilisation (omit to skip). */
  readonly links?: { readonly count: number; readonly rateBitsPerSecond: number };
  /** Wire bytes not attributed to any transfer (default 0). */
  readonly unattributedWireBytes?: number;
  /** Packets dropped by queues (default 0). */
  readonly queueDrops?: number;
  /** Priority inversions observed (omit when not tracked). */
  readonly inversions?: PriorityInversionLog;
}

/** The report: a JSON object in a fixed key order. */
export type RunReport = { readonly [key: string]: JsonValue };

function summaryToJson(summary: ValueSummary): JsonValue {
  const object: { [key: string]: JsonValue } = {
    count: summary.count,
    min: finiteOrNull(summary.min),
    mean: finiteOrNull(summary.mean),
    max: finiteOrNull(summary.max),
  };
  for (const [key, value] of Object.entries(summary.percentiles)) object[key] = finiteOrNull(value);
  return object;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/**
 * Canonical JSON form of `value`: object keys sorted, typed arrays as arrays, non-finite numbers
 * as null, `undefined` properties dropped. Throws an {@link InvalidArgumentError} for functions,
 * symbols, bigints and cycles.
 */
export function canonicalJson(value: unknown, seen: Set<object> = new Set()): JsonValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return finiteOrNull(value);
  if (typeof value !== 'object') throw new InvalidArgumentError(`a ${typeof value} cannot go into a report`);
  if (seen.has(value)) throw new InvalidArgumentError('report parameters contain a cycle');
  seen.add(value);
  let result: JsonValue;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    result = Array.from(value as unknown as ArrayLike<number>, (item) => finiteOrNull(item));
  } else if (Array.isArray(value)) {
    result = value.map((item) => canonicalJson(item, seen));
  } else {
    const object: { [key: string]: JsonValue } = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined) object[key] = canonicalJson(item, seen);
    }
    result = object;
  }
  seen.delete(value);
  return result;
}

/** Builds the report of one run. */
export function buildRunReport(input: RunReportInput): RunReport {
  const percents = input.percents ?? REPORT_PERCENTS;
  const records = input.records;
  const totals = transferTotals(records, input.unattributedWireBytes ?? 0);
  const slowdowns = computeSlowdowns(records, input.ideal);
  const buckets = slowdownByBucket({
    sizesBytes: records.sizeBytes.subarray(0, records.count),
    slowdowns,
    buckets: input.buckets,
    percents,
  });
  const queueDrops = input.queueDrops ?? 0;
  if (!Number.isInteger(queueDrops) || queueDrops < 0) throw new InvalidArgumentError('queueDrops must be >= 0');

  let inversions: JsonValue = null;
  if (input.inversions !== undefined) {
    const summary = input.inversions.summarize();
    const pairs: JsonValue[] = [];
    for (let pair = 0; pair < 64; pair++) {
      const count = summary.byPair[pair] as number;
      if (count > 0) pairs.push({ servedPriority: pair >> 3, waitingPriority: pair & 7, count });
    }
    inversions = { total: summary.total, unstored: summary.unstored, byPair: pairs };
  }
  const utilisation =
    input.links === undefined
      ? null
      : linkUtilisation({
          wireBytes: totals.wireBytes,
          linkRateBitsPerSecond: input.links.rateBitsPerSecond,
          durationNs: input.durationNs,
          linkCount: input.links.count,
        });

  return {
    schema: RUN_REPORT_SCHEMA,
    name: input.name,
    transport: input.transport,
    workload: input.workload,
    seed: input.seed,
    parameters: canonicalJson(input.parameters ?? {}),
    durationNs: input.durationNs,
    transfers: {
      total: totals.transfers,
      completed: totals.completed,
      failed: totals.failed,
      cancelled: totals.cancelled,
      timedOut: totals.timedOut,
      pending: totals.pending,
    },
    bytes: {
      delivered: totals.deliveredBytes,
      wire: totals.wireBytes,
      goodput: finiteOrNull(totals.goodput),
    },
    utilisation: utilisation === null ? null : finiteOrNull(utilisation),
    retransmissions: totals.retransmissions,
    queueDrops,
    priorityInversions: inversions,
    completionTimeNs: summaryToJson(summarizeValues(completionTimesNs(records), percents)),
    slowdown: {
      overall: summaryToJson(summarizeValues(slowdowns, percents)),
      buckets: buckets.map((bucket) => canonicalRow(bucketSlowdownToObject(bucket, percents))),
    },
  };
}

function canonicalRow(row: Record<string, unknown>): JsonValue {
  const object: { [key: string]: JsonValue } = {};
  for (const [key, value] of Object.entries(row)) {
    object[key] = typeof value === 'number' ? finiteOrNull(value) : (value as JsonValue);
  }
  return object;
}

/** The report as JSON text (2-space indent, trailing newline). */
export function runReportToJson(report: RunReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
