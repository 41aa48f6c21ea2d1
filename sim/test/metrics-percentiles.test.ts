import { InvalidArgumentError } from '@dcq/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bucketOf,
  fixedSizeBuckets,
  formatBytes,
  percentileOfSorted,
  percentileRank,
  percentiles,
  quantileSizeBucketsOfDistribution,
  quantileSizeBucketsOfSizes,
  sizeBucketsFromEdges,
  slowdownByBucket,
  summarizeValues,
} from '../src/metrics/index.js';
import { HOMA_WORKLOAD_NAMES, loadHomaWorkloads } from '../src/workloads/index.js';

/** Reference: the smallest sample x with at least p% of the samples ≤ x (the nearest-rank definition, by counting). */
function naivePercentile(values: readonly number[], percent: number): number {
  if (values.length === 0) return Number.NaN;
  const candidates = [...values].sort((a, b) => a - b);
  for (const candidate of candidates) {
    const atMost = values.filter((value) => value <= candidate).length;
    if (atMost * 100 >= percent * values.length - 1e-7) return candidate;
  }
  return candidates[candidates.length - 1] as number;
}

const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 });
const percent = fc.oneof(
  fc.constantFrom(0, 50, 90, 99, 99.9, 99.99, 100),
  fc.double({ min: 0, max: 100, noNaN: true }),
);

describe('percentiles (nearest rank)', () => {
  it('match the counting definition on random samples', () => {
    fc.assert(
      fc.property(
        fc.array(finite, { minLength: 1, maxLength: 300 }),
        fc.array(percent, { minLength: 1, maxLength: 6 }),
        (values, ps) => {
          const result = percentiles(values, ps);
          ps.forEach((p, i) => {
            // -0 and 0 sort as equal, so either may be the sample at a rank: compare by value.
            expect((result[i] as number) + 0).toBe(naivePercentile(values, p) + 0);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('take p99.9 of 1000 samples as rank 999 and handle the ends', () => {
    expect(percentileRank(1000, 99.9)).toBe(999);
    expect(percentileRank(1000, 99.99)).toBe(1000);
    expect(percentileRank(10, 0)).toBe(1);
    expect(percentileRank(10, 100)).toBe(10);
    expect(percentileRank(3, 50)).toBe(2);
    expect(percentileRank(4, 50)).toBe(2);
    expect(percentileRank(100, 99)).toBe(99);
    expect(percentileRank(101, 99)).toBe(100);
    // In floating point 99.9·41000/100 = 40959.00000000001 (→ 40960) and 99.999·99991/100 = 99990.00009 is near an integer.
    expect(percentileRank(41_000, 99.9)).toBe(40_959);
    expect(percentileRank(3000, 33.3)).toBe(999);
    expect(percentileRank(99_991, 99.999)).toBe(99_991);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1 << 24 }), fc.integer({ min: 0, max: 100_000 }), (count, thousandths) => {
        // Reference in BigInt: ⌈thousandths·count / 100000⌉.
        const product = BigInt(thousandths) * BigInt(count);
        const expected = Number((product + 99_999n) / 100_000n);
        expect(percentileRank(count, thousandths / 1000)).toBe(Math.min(count, Math.max(1, expected)));
      }),
      { numRuns: 2000 },
    );
    const values = Array.from({ length: 1000 }, (_, i) => 1000 - i);
    expect(Array.from(percentiles(values, [50, 99, 99.9]))).toEqual([500, 990, 999]);
    expect(percentileOfSorted([], 50)).toBeNaN();
    expect(() => percentiles([1, Number.NaN], [50])).toThrow(InvalidArgumentError);
    expect(() => percentileRank(10, 101)).toThrow(InvalidArgumentError);
  });

  it('summaries skip NaN (unfinished transfers)', () => {
    const summary = summarizeValues([3, Number.NaN, 1, 2], [50]);
    expect(summary).toEqual({ count: 3, min: 1, mean: 2, max: 3, percentiles: { p50: 2 } });
    expect(summarizeValues([]).count).toBe(0);
    expect(summarizeValues([]).mean).toBeNaN();
  });
});

describe('size buckets', () => {
  it('fixed buckets are <1 KB, 1–10 KB, 10–100 KB, 100 KB–1 MB, ≥1 MB, half-open', () => {
    const buckets = fixedSizeBuckets();
    expect(buckets.labels).toEqual(['<1 KB', '1 KB–10 KB', '10 KB–100 KB', '100 KB–1 MB', '≥1 MB']);
    expect([0, 999, 1000, 9999, 10_000, 999_999, 1_000_000, 3e7].map((size) => bucketOf(buckets, size))).toEqual([
      0, 0, 1, 1, 2, 3, 4, 4,
    ]);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 1e6 }), { maxLength: 12 }),
        fc.integer({ min: -5, max: 2e6 }),
        (raw, size) => {
          const edges = raw.sort((a, b) => a - b);
          expect(bucketOf(sizeBucketsFromEdges(edges), size)).toBe(edges.filter((edge) => edge <= size).length);
        },
      ),
    );
    expect(() => sizeBucketsFromEdges([10, 10])).toThrow(InvalidArgumentError);
    expect(formatBytes(100_001)).toBe('100 KB');
    expect(formatBytes(2_564_690)).toBe('2.56 MB');
    expect(formatBytes(8)).toBe('8 B');
  });

  it('decile buckets of each Homa workload hold about a tenth of the messages each', () => {
    const workloads = loadHomaWorkloads();
    for (const name of HOMA_WORKLOAD_NAMES) {
      const distribution = workloads[name];
      const buckets = quantileSizeBucketsOfDistribution(distribution);
      expect(buckets.labels.length).toBe(buckets.edgesBytes.length + 1);
      // Reference edges: one past the first size whose cumulative probability reaches each decile.
      const expected: number[] = [];
      for (let decile = 1; decile < 10; decile++) {
        let cumulative = 0;
        for (let i = 0; i < distribution.pointCount; i++) {
          cumulative += distribution.probabilityAt(i);
          if (cumulative >= decile / 10 - 1e-12) {
            const edge = (distribution.sizesBytes[i] as number) + 1;
            if (edge <= distribution.maxBytes && !expected.includes(edge)) expected.push(edge);
            break;
          }
        }
      }
      expect(Array.from(buckets.edgesBytes), name).toEqual(expected);
      let below = 0;
      for (let b = 0; b <= buckets.edgesBytes.length; b++) {
        const upper = b === buckets.edgesBytes.length ? Number.POSITIVE_INFINITY : (buckets.edgesBytes[b] as number);
        const mass = distribution.cdfAt(upper - 1) - below;
        below += mass;
        expect(mass, `${name} bucket ${b}`).toBeGreaterThan(0);
      }
      expect(below).toBeCloseTo(1, 9);
    }
    // W1: 31% of the messages are 8 bytes, so the first three deciles share one bucket.
    const w1 = quantileSizeBucketsOfDistribution(workloads.w1);
    expect(w1.edgesBytes[0]).toBe(9);
    expect(w1.labels[0]).toBe('≤8 B');
    expect(w1.edgesBytes.length).toBe(7);
  });

  it('decile buckets of observed sizes put each sample where the counting definition says', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 200 }), (sizes) => {
        const buckets = quantileSizeBucketsOfSizes(sizes);
        const sorted = [...sizes].sort((a, b) => a - b);
        const expectedEdges = [
          ...new Set([1, 2, 3, 4, 5, 6, 7, 8, 9].map((k) => naivePercentile(sorted, k * 10) + 1)),
        ].filter((edge) => edge <= (sorted[sorted.length - 1] as number));
        expect(Array.from(buckets.edgesBytes)).toEqual(expectedEdges);
      }),
    );
  });
});

describe('slowdownByBucket', () => {
  it('matches filtering each bucket and taking naive percentiles', () => {
    const sample = fc.record({
      size: fc.integer({ min: 0, max: 3_000_000 }),
      slowdown: fc.oneof(fc.double({ min: 1, max: 1000, noNaN: true }), fc.constant(Number.NaN)),
    });
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 400 }), fc.boolean(), (samples, fixed) => {
        const sizes = samples.map((s) => s.size);
        const slowdowns = samples.map((s) => s.slowdown);
        const buckets = fixed ? fixedSizeBuckets() : quantileSizeBucketsOfSizes(sizes);
        const result = slowdownByBucket({ sizesBytes: sizes, slowdowns, buckets, percents: [50, 99, 99.9] });
        expect(result.length).toBe(buckets.edgesBytes.length + 1);
        result.forEach((bucket, b) => {
          const inBucket = samples.filter(
            (s) => !Number.isNaN(s.slowdown) && s.size >= bucket.lowerBytes && s.size < bucket.upperBytes,
          );
          const values = inBucket.map((s) => s.slowdown);
          expect(bucket.count).toBe(values.length);
          expect(bucket.label).toBe(buckets.labels[b]);
          expect(Array.from(bucket.percentiles)).toEqual([50, 99, 99.9].map((p) => naivePercentile(values, p)));
          if (values.length > 0) {
            expect(bucket.mean).toBeCloseTo(values.reduce((a, v) => a + v, 0) / values.length, 9);
            expect(bucket.sizeMinBytes).toBe(Math.min(...inBucket.map((s) => s.size)));
            expect(bucket.sizeMaxBytes).toBe(Math.max(...inBucket.map((s) => s.size)));
          } else {
            expect(bucket.mean).toBeNaN();
            expect(bucket.sizeMaxBytes).toBeNaN();
          }
        });
      }),
      { numRuns: 200 },
    );
    expect(() => slowdownByBucket({ sizesBytes: [1], slowdowns: [], buckets: fixedSizeBuckets() })).toThrow(
      InvalidArgumentError,
    );
  });
});
