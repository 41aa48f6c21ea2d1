/**
 * JSON forms of scenario results: one run ({@link runResultToJson}) and a seed sweep
 * ({@link summarizeSweep}, {@link sweepToJson}), canonical (sorted keys, non-finite numbers as
 * null) so equal runs give byte-identical text.
 */
import { canonicalJson, type JsonValue } from '../metrics/run-report.js';
import { INVARIANT_NAMES, type InvariantName } from './invariants.js';
import type { RunResult } from './scenario.js';

/** Version tag of the sweep layout. */
export const SWEEP_SCHEMA = 'dcq-sim-sweep/1';

/** The canonical JSON text of one run (2-space indent, trailing newline). */
export function runResultToJson(result: RunResult): string {
  const { completionNs: _perTransfer, ...summary } = result;
  return `${JSON.stringify(canonicalJson(summary), null, 2)}\n`;
}

/** A run that threw instead of returning a result. */
export interface RunError {
  /** Its seed. */
  readonly seed: number;
  /** The error's stack (or message). */
  readonly message: string;
}

/** Aggregate of a seed sweep. */
export interface SweepSummary {
  /** Version tag. */
  readonly schema: string;
  /** Scenario, transport and crypto provider of every run. */
  readonly scenario: string;
  /** See {@link scenario}. */
  readonly transport: string;
  /** See {@link scenario}. */
  readonly cryptoProvider: string;
  /** Runs in the sweep. */
  readonly runs: number;
  /** Seeds with at least one violation or an error, ascending. */
  readonly failedSeeds: readonly number[];
  /** Violations per invariant over all runs. */
  readonly violations: Readonly<Record<InvariantName, number>>;
  /** Outcome counts over all runs. */
  readonly outcomes: Readonly<Record<string, number>>;
  /** Priority inversions over all runs. */
  readonly priorityInversions: number;
  /** Per seed: failed, trace hash, violation count, end time. */
  readonly seeds: readonly {
    readonly seed: number;
    readonly failed: boolean;
    readonly traceHash: number;
    readonly violations: number;
    readonly endNs: number;
  }[];
  /** Full results of the failing runs (at most 10). */
  readonly failures: readonly RunResult[];
  /** Runs that threw. */
  readonly errors: readonly RunError[];
}

/** Aggregates the results of a sweep (all of one scenario and transport) and the runs that threw. */
export function summarizeSweep(results: readonly RunResult[], errors: readonly RunError[] = []): SweepSummary {
  const violations = {} as Record<InvariantName, number>;
  for (const name of INVARIANT_NAMES) violations[name] = 0;
  const outcomes: Record<string, number> = {};
  let priorityInversions = 0;
  const seeds: {
    seed: number;
    failed: boolean;
    traceHash: number;
    violations: number;
    endNs: number;
  }[] = [];
  const failures: RunResult[] = [];
  for (const result of results) {
    let count = 0;
    for (const name of INVARIANT_NAMES) {
      const n = result.invariants.verdicts[name].violationCount;
      violations[name] += n;
      count += n;
    }
    for (const [name, n] of Object.entries(result.outcomes)) outcomes[name] = (outcomes[name] ?? 0) + n;
    priorityInversions += result.invariants.measurements.priorityInversions;
    seeds.push({
      seed: result.seed,
      failed: result.failed,
      traceHash: result.traceHash,
      violations: count,
      endNs: result.endNs,
    });
    if (result.failed && failures.length < 10) failures.push(result);
  }
  const first = results[0];
  return {
    schema: SWEEP_SCHEMA,
    scenario: first?.scenario ?? '',
    transport: first?.transport ?? '',
    cryptoProvider: first?.cryptoProvider ?? '',
    runs: results.length,
    failedSeeds: [
      ...seeds.filter((entry) => entry.failed).map((entry) => entry.seed),
      ...errors.map((e) => e.seed),
    ].sort((a, b) => a - b),
    violations,
    outcomes,
    priorityInversions,
    seeds,
    failures,
    errors,
  };
}

/** The canonical JSON text of a sweep summary. */
export function sweepToJson(summary: SweepSummary): string {
  const value: JsonValue = canonicalJson(summary);
  return `${JSON.stringify(value, null, 2)}\n`;
}
