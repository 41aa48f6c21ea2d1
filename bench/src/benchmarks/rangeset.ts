/**
 * `rangeset`: the @dcq/core RangeSet (interleaved Float64Array bounds, binary search, copyWithin)
 * against a sorted array of `{ start, end }` objects (binary search + splice, gaps returned as new
 * objects): the structure a JavaScript developer would write first.
 *
 * Workload: reassembly of one message of C chunks of 1200 bytes per body call. Every arrival adds
 * its chunk; every 8th arrival asks for the missing ranges below the highest byte received (at
 * most 16, as a PULL_REQUEST would). 2% of arrivals are duplicates of an earlier chunk.
 * Scenarios: `window` (each chunk arrives up to 64 positions late: datacenter reordering, few
 * fragments) and `shuffled` (fully random order: up to ~C/4 fragments, the worst case).
 * Arrival orders come from a seeded xorshift32 and are precomputed. Ops counted: adds and
 * missing-range queries.
 */
import { RangeSet } from '@dcq/core';
import { type Benchmark, type BenchOptions, type BenchOutcome, compareRates, rateOptions } from '../harness.js';

const CHUNK_BYTES = 1200;
const QUERY_EVERY = 8;
const MISSING_MAX = 16;
const REORDER_WINDOW = 64;
const DUPLICATE_PERCENT = 2;
const SEED = 0x1b87_3593;

function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

/** Arrival order of chunk indices (with duplicates) for one message. */
function makeArrivals(chunks: number, scenario: 'window' | 'shuffled', seed: number): Int32Array {
  const random = xorshift(seed);
  const keys = new Float64Array(chunks);
  for (let i = 0; i < chunks; i++) keys[i] = scenario === 'window' ? i + random() * REORDER_WINDOW : random();
  const order = Array.from({ length: chunks }, (_, i) => i).sort((a, b) => (keys[a] as number) - (keys[b] as number));
  const arrivals: number[] = [];
  for (const chunk of order) {
    arrivals.push(chunk);
    if (random() * 100 < DUPLICATE_PERCENT && arrivals.length > 1) {
      arrivals.push(arrivals[Math.floor(random() * arrivals.length)] as number);
    }
  }
  return Int32Array.from(arrivals);
}

/** Baseline: sorted, disjoint, non-adjacent `{ start, end }` objects. */
interface Range {
  start: number;
  end: number;
}

class ObjectRangeList {
  ranges: Range[] = [];

  clear(): void {
    this.ranges = [];
  }

  /** Adds [start, end) and returns the newly covered bytes. */
  add(start: number, end: number): number {
    const ranges = this.ranges;
    let low = 0;
    let high = ranges.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((ranges[mid] as Range).end < start) low = mid + 1;
      else high = mid;
    }
    let mergedStart = start;
    let mergedEnd = end;
    let before = 0;
    let j = low;
    while (j < ranges.length && (ranges[j] as Range).start <= end) {
      const r = ranges[j] as Range;
      if (r.start < mergedStart) mergedStart = r.start;
      if (r.end > mergedEnd) mergedEnd = r.end;
      before += r.end - r.start;
      j++;
    }
    ranges.splice(low, j - low, { start: mergedStart, end: mergedEnd });
    return mergedEnd - mergedStart - before;
  }

  /** The gaps of [0, upTo), at most maxRanges, as new objects. */
  missing(upTo: number, maxRanges: number): Range[] {
    const gaps: Range[] = [];
    let cursor = 0;
    for (const r of this.ranges) {
      if (cursor >= upTo || gaps.length >= maxRanges) return gaps;
      if (r.start > cursor) gaps.push({ start: cursor, end: Math.min(r.start, upTo) });
      cursor = r.end;
    }
    if (cursor < upTo && gaps.length < maxRanges) gaps.push({ start: cursor, end: upTo });
    return gaps;
  }
}

interface Tally {
  covered: number;
  gaps: number;
}

function driveRangeSet(set: RangeSet, arrivals: Int32Array, out: Float64Array, tally: Tally): number {
  set.clear();
  let highest = 0;
  let gaps = 0;
  for (let i = 0; i < arrivals.length; i++) {
    const start = (arrivals[i] as number) * CHUNK_BYTES;
    const end = start + CHUNK_BYTES;
    set.add(start, end);
    if (end > highest) highest = end;
    if (i % QUERY_EVERY === QUERY_EVERY - 1) gaps += set.missing(highest, out, MISSING_MAX);
  }
  tally.covered = set.coveredBytes;
  tally.gaps += gaps;
  return arrivals.length + Math.floor(arrivals.length / QUERY_EVERY);
}

function driveObjects(list: ObjectRangeList, arrivals: Int32Array, tally: Tally): number {
  list.clear();
  let highest = 0;
  let gaps = 0;
  let covered = 0;
  for (let i = 0; i < arrivals.length; i++) {
    const start = (arrivals[i] as number) * CHUNK_BYTES;
    const end = start + CHUNK_BYTES;
    covered += list.add(start, end);
    if (end > highest) highest = end;
    if (i % QUERY_EVERY === QUERY_EVERY - 1) gaps += list.missing(highest, MISSING_MAX).length;
  }
  tally.covered = covered;
  tally.gaps += gaps;
  return arrivals.length + Math.floor(arrivals.length / QUERY_EVERY);
}

interface ScenarioResult {
  readonly scenario: string;
  readonly chunks: number;
  readonly rangeSetOpsPerSecond: number;
  readonly objectListOpsPerSecond: number;
  readonly ratio: number;
  readonly fragmentsMaxSeen: number;
}

function measure(scenario: 'window' | 'shuffled', chunks: number, options: BenchOptions): ScenarioResult {
  const arrivals = makeArrivals(chunks, scenario, SEED);
  const set = new RangeSet({ fragmentsMax: chunks });
  const list = new ObjectRangeList();
  const out = new Float64Array(2 * MISSING_MAX);
  const setTally: Tally = { covered: 0, gaps: 0 };
  const listTally: Tally = { covered: 0, gaps: 0 };
  // One untimed pass each to check both agree and to see how fragmented the set gets.
  let fragmentsMaxSeen = 0;
  set.clear();
  for (let i = 0; i < arrivals.length; i++) {
    const start = (arrivals[i] as number) * CHUNK_BYTES;
    set.add(start, start + CHUNK_BYTES);
    if (set.count > fragmentsMaxSeen) fragmentsMaxSeen = set.count;
  }
  const rates = compareRates(
    () => driveRangeSet(set, arrivals, out, setTally),
    () => driveObjects(list, arrivals, listTally),
    rateOptions(options),
  );
  const total = chunks * CHUNK_BYTES;
  if (setTally.covered !== total || listTally.covered !== total || set.count !== 1 || list.ranges.length !== 1) {
    throw new Error(
      `rangeset benchmark invariant broken (${scenario}): covered ${setTally.covered}/${listTally.covered}`,
    );
  }
  return {
    scenario,
    chunks,
    rangeSetOpsPerSecond: Math.round(rates.value),
    objectListOpsPerSecond: Math.round(rates.baselineValue),
    ratio: Number((rates.value / rates.baselineValue).toFixed(2)),
    fragmentsMaxSeen,
  };
}

/** The `rangeset` benchmark. */
export const rangesetBenchmark: Benchmark = {
  name: 'rangeset',
  group: 'core',
  description: 'RangeSet vs sorted array of {start,end} objects: reassembly adds + missing-range queries',
  run(options: BenchOptions): BenchOutcome {
    const chunks = options.quick ? 1_024 : 8_192;
    const results = [measure('window', chunks, options), measure('shuffled', chunks, options)];
    const main = results[0] as ScenarioResult;
    return {
      metric: `reassembly ops/s, ${chunks} chunks reordered within ${REORDER_WINDOW}`,
      unit: 'ops/s',
      value: main.rangeSetOpsPerSecond,
      baseline: 'sorted array of {start,end} objects',
      baselineValue: main.objectListOpsPerSecond,
      params: {
        chunks,
        chunkBytes: CHUNK_BYTES,
        reorderWindow: REORDER_WINDOW,
        duplicatePercent: DUPLICATE_PERCENT,
        queryEvery: QUERY_EVERY,
        missingMax: MISSING_MAX,
        opsCounted: 'add, missing',
        seed: SEED,
      },
      details: { scenarios: results },
    };
  },
};
