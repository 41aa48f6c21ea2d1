/**
 * The benchmark convention every dcq benchmark follows: a named benchmark measures a candidate and
 * a baseline in the same process, alternating rounds so machine noise hits both alike, reports
 * medians, prints one summary line and writes `bench/results/<name>.json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Options every benchmark receives from the runner. */
export interface BenchOptions {
  /** Shorter runs with smaller sizes (used by tests and `--quick`); numbers are then indicative only. */
  readonly quick: boolean;
}

/** Whether a larger metric value is better (throughput) or a smaller one (latency, bytes). */
export type Better = 'higher' | 'lower';

/** What a benchmark returns; the runner adds `ratio`, `node` and `date`. */
export interface BenchOutcome {
  /** What is measured, e.g. `timer ops/s at 100k live timers`. */
  readonly metric: string;
  /** Unit of `value` and `baselineValue`, e.g. `ops/s`. */
  readonly unit: string;
  /** Whether higher or lower values are better; defaults to `higher`. */
  readonly better?: Better;
  /** The candidate's median. */
  readonly value: number;
  /** Name of the baseline, e.g. `binary-heap timer queue`. */
  readonly baseline: string;
  /** The baseline's median, measured in the same run. */
  readonly baselineValue: number;
  /** Parameters of the run (sizes, counts, mixes). */
  readonly params: Record<string, unknown>;
  /** Further measurements (other sizes, percentiles), reported but not summarised. */
  readonly details?: Record<string, unknown>;
}

/** A runnable benchmark. */
export interface Benchmark {
  /** Name used on the command line and as the result file name. */
  readonly name: string;
  /** Group for `--summary <group>` (e.g. `core`). */
  readonly group: string;
  /** One sentence: what it compares. */
  readonly description: string;
  run(options: BenchOptions): Promise<BenchOutcome> | BenchOutcome;
}

/** The JSON written to `bench/results/<name>.json`. */
export interface BenchResult extends BenchOutcome {
  readonly name: string;
  /** How many times better than the baseline (> 1 = better), whichever direction `better` says. */
  readonly ratio: number;
  readonly node: string;
  readonly date: string;
}

/** Computes the ratio of a candidate against its baseline (> 1 means the candidate is better). */
export function ratioOf(value: number, baselineValue: number, better: Better = 'higher'): number {
  if (!(value > 0) || !(baselineValue > 0)) return 0;
  return better === 'higher' ? value / baselineValue : baselineValue / value;
}

/** Median of a non-empty list of numbers. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Nanoseconds from a monotonic clock. */
export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/**
 * A timed body: performs some work and returns how many operations it did. It is called
 * repeatedly until a round's time budget is used.
 */
export type Body = () => number;

/** Rate measurement options. */
export interface RateOptions {
  /** Rounds per contender (alternating ABAB…); the median round is reported. */
  readonly rounds: number;
  /** Minimum wall time per round in milliseconds. */
  readonly roundMs: number;
  /** Untimed warm-up time per contender in milliseconds. */
  readonly warmupMs: number;
}

/** Default rate options for full and quick runs. */
export function rateOptions(options: BenchOptions): RateOptions {
  return options.quick ? { rounds: 3, roundMs: 40, warmupMs: 20 } : { rounds: 7, roundMs: 300, warmupMs: 300 };
}

function timeRound(body: Body, roundMs: number): number {
  const budgetNs = roundMs * 1e6;
  let ops = 0;
  const start = nowNs();
  let elapsed = 0;
  do {
    ops += body();
    elapsed = nowNs() - start;
  } while (elapsed < budgetNs);
  return (ops * 1e9) / elapsed;
}

/**
 * Measures the operation rate (ops/s) of a candidate and a baseline, alternating rounds between
 * them, and returns both medians.
 */
export function compareRates(
  candidate: Body,
  baseline: Body,
  options: RateOptions,
): { value: number; baselineValue: number } {
  timeRound(candidate, options.warmupMs);
  timeRound(baseline, options.warmupMs);
  const a: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    a.push(timeRound(candidate, options.roundMs));
    b.push(timeRound(baseline, options.roundMs));
  }
  return { value: median(a), baselineValue: median(b) };
}

/** Measures the median operation rate (ops/s) of one body. */
export function measureRate(body: Body, options: RateOptions): number {
  timeRound(body, options.warmupMs);
  const rates: number[] = [];
  for (let round = 0; round < options.rounds; round++) rates.push(timeRound(body, options.roundMs));
  return median(rates);
}

/** Formats a number with SI suffixes for the summary line. */
export function formatNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${(value / 1e9).toFixed(2)}G`;
  if (abs >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (abs >= 1e3) return `${(value / 1e3).toFixed(1)}k`;
  if (abs >= 100 || Number.isInteger(value)) return value.toFixed(0);
  return value.toPrecision(3);
}

/** Directory results are written to (`bench/results`). */
export const resultsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

/** Completes an outcome into a result record. */
export function toResult(name: string, outcome: BenchOutcome): BenchResult {
  return {
    name,
    ...outcome,
    ratio: ratioOf(outcome.value, outcome.baselineValue, outcome.better ?? 'higher'),
    node: process.version,
    date: new Date().toISOString(),
  };
}

/** Writes a result to `<dir>/<name>.json` and returns the path. */
export function writeResult(result: BenchResult, dir: string = resultsDir): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${result.name}.json`);
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}

/** The one-line summary a benchmark prints. */
export function summaryLine(result: BenchResult): string {
  return `${result.name}: ${result.metric} = ${formatNumber(result.value)} ${result.unit} vs ${result.baseline} ${formatNumber(result.baselineValue)} ${result.unit} (ratio ${result.ratio.toFixed(2)}x)`;
}
