import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@dcq/core';
import { Prng } from '@dcq/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FixedSize,
  HOMA_WORKLOAD_FACTS,
  HOMA_WORKLOAD_NAMES,
  LogUniformSize,
  loadHomaWorkload,
  loadHomaWorkloads,
  parseSizeDistributionCsv,
  SizeDistribution,
  simDataDirectory,
  UniformSize,
} from '../src/workloads/index.js';

const workloads = loadHomaWorkloads();

/** Reference inverse CDF: a linear scan over the raw weights with the sampler's documented rule. */
function naivePoint(weights: readonly number[], u: number): number {
  let total = 0;
  for (const weight of weights) total += weight;
  const target = u * total;
  let cumulative = 0;
  let lastPositive = 0;
  for (let i = 0; i < weights.length; i++) {
    cumulative += weights[i] as number;
    if ((weights[i] as number) > 0) lastPositive = i;
    if (cumulative > target) return i;
  }
  return lastPositive;
}

/** Upper tail critical value of chi-square with `df` degrees of freedom at z standard deviations (Wilson–Hilferty). */
function chiSquareCritical(df: number, z: number): number {
  const a = 2 / (9 * df);
  return df * (1 - a + z * Math.sqrt(a)) ** 3;
}

/** Chi-square of observed point counts against the distribution, merging neighbouring points until each bin expects ≥ 20. */
function chiSquare(
  distribution: SizeDistribution,
  counts: Float64Array,
  samples: number,
): { stat: number; df: number } {
  let stat = 0;
  let bins = 0;
  let expected = 0;
  let observed = 0;
  for (let i = 0; i < distribution.pointCount; i++) {
    expected += distribution.probabilityAt(i) * samples;
    observed += counts[i] as number;
    if (expected >= 20 || i === distribution.pointCount - 1) {
      stat += (observed - expected) ** 2 / expected;
      bins++;
      expected = 0;
      observed = 0;
    }
  }
  return { stat, df: bins - 1 };
}

describe('Homa workloads W1–W5', () => {
  it('load from sim/data with the stated points, largest sizes and means', () => {
    expect(simDataDirectory()).toMatch(/sim\/data\/$/);
    const means: Record<string, number> = {};
    for (const name of HOMA_WORKLOAD_NAMES) {
      const distribution = workloads[name];
      const facts = HOMA_WORKLOAD_FACTS[name];
      expect(distribution.name).toBe(name.toUpperCase());
      expect(distribution.pointCount).toBe(facts.points);
      expect(distribution.maxBytes).toBe(facts.maxBytes);
      expect(Math.abs(distribution.meanBytes - facts.statedMeanBytes)).toBeLessThan(0.5);
      expect(distribution.cumulativeWeights[distribution.pointCount - 1]).toBeCloseTo(1, 9);
      means[name] = Math.round(distribution.meanBytes * 1000) / 1000;
    }
    // The means the data files give (README: ~189, ~442, ~2,928, ~127,797, ~2,564,690).
    expect(means).toEqual({ w1: 189.173, w2: 441.603, w3: 2927.679, w4: 127796.644, w5: 2564689.682 });
  });

  it('refuses a data file whose content does not match the README', () => {
    const directory = mkdtempSync(join(tmpdir(), 'dcq-workloads-'));
    const original = readFileSync(join(simDataDirectory(), 'homa-w2.csv'), 'utf8');
    const lines = original.trimEnd().split('\n');
    writeFileSync(join(directory, 'homa-w2.csv'), `${lines.slice(0, -1).join('\n')}\n`); // last point lost
    expect(() => loadHomaWorkload('w2', { dataDirectory: directory })).toThrow(/restore sim\/data\/homa-w2.csv/);
    const reweighted = lines.map((line, i) => (i === 2 ? line.replace(/,.*/, ',0.5') : line)).join('\n');
    writeFileSync(join(directory, 'homa-w2.csv'), reweighted); // same points, different mean
    expect(() => loadHomaWorkload('w2', { dataDirectory: directory })).toThrow(/mean/);
    expect(() => loadHomaWorkload('w6' as 'w1')).toThrow(InvalidArgumentError);
  });

  it('maps uniforms to points exactly like a linear scan of the raw weights', () => {
    const raw = new Map<string, number[]>();
    for (const name of HOMA_WORKLOAD_NAMES) {
      const text = readFileSync(join(simDataDirectory(), `homa-${name}.csv`), 'utf8');
      raw.set(
        name,
        text
          .trim()
          .split('\n')
          .slice(1)
          .map((line) => Number(line.split(',')[1])),
      );
    }
    fc.assert(
      fc.property(
        fc.constantFrom(...HOMA_WORKLOAD_NAMES),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (name, u) => {
          expect(workloads[name].pointAtUniform(u)).toBe(naivePoint(raw.get(name) as number[], u));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('maps uniforms to points like the reference on random distributions with zero weights', () => {
    const point = fc.record({ weight: fc.oneof(fc.constant(0), fc.double({ min: 1e-9, max: 1e3, noNaN: true })) });
    fc.assert(
      fc.property(
        fc.array(point, { minLength: 1, maxLength: 40 }).filter((points) => points.some((p) => p.weight > 0)),
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 20 }),
        (points, uniforms) => {
          const weights = points.map((p) => p.weight);
          const distribution = new SizeDistribution({
            name: 'random',
            sizesBytes: points.map((_, i) => 10 * (i + 1)),
            weights,
          });
          for (const u of [...uniforms, 0, 1 - 2 ** -53]) {
            const index = distribution.pointAtUniform(u);
            expect(index).toBe(naivePoint(weights, u));
            expect(weights[index]).toBeGreaterThan(0);
          }
        },
      ),
    );
  });

  it('gives each point its exact probability on a stratified grid of uniforms', () => {
    const grid = 1_000_000;
    for (const name of HOMA_WORKLOAD_NAMES) {
      const distribution = workloads[name];
      const counts = new Float64Array(distribution.pointCount);
      for (let i = 0; i < grid; i++) {
        const index = distribution.pointAtUniform((i + 0.5) / grid);
        counts[index] = (counts[index] as number) + 1;
      }
      for (let i = 0; i < distribution.pointCount; i++) {
        // A point owning an interval of length p of [0, 1) catches p·grid ± 1 grid cells.
        expect(Math.abs((counts[i] as number) - distribution.probabilityAt(i) * grid)).toBeLessThanOrEqual(1.000001);
      }
    }
  });

  it('reproduces each distribution when sampled with a seeded Prng (chi-square, mean)', () => {
    const samples = 200_000;
    for (const name of HOMA_WORKLOAD_NAMES) {
      const distribution = workloads[name];
      const prng = Prng.fromSeed({ seed: 42, stream: HOMA_WORKLOAD_NAMES.indexOf(name) });
      const counts = new Float64Array(distribution.pointCount);
      const indexOfSize = new Map<number, number>();
      distribution.sizesBytes.forEach((size, i) => {
        indexOfSize.set(size, i);
      });
      let sum = 0;
      for (let i = 0; i < samples; i++) {
        const size = distribution.sample(prng);
        const index = indexOfSize.get(size) as number;
        counts[index] = (counts[index] as number) + 1;
        sum += size;
      }
      const { stat, df } = chiSquare(distribution, counts, samples);
      expect(stat, `${name} chi-square ${stat} on ${df} df`).toBeLessThan(chiSquareCritical(df, 4.5));
      const standardError = distribution.stdDevBytes / Math.sqrt(samples);
      expect(Math.abs(sum / samples - distribution.meanBytes), name).toBeLessThan(5 * standardError);
    }
  });

  it('is deterministic per seed and differs across seeds', () => {
    const draw = (seed: number): number[] => {
      const prng = Prng.fromSeed({ seed });
      return Array.from({ length: 64 }, () => workloads.w4.sample(prng));
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('answers CDF and quantile queries consistently', () => {
    const w1 = workloads.w1;
    expect(w1.cdfAt(7)).toBe(0);
    expect(w1.cdfAt(8)).toBeCloseTo(0.31094, 9);
    expect(w1.cdfAt(1e9)).toBe(1);
    expect(w1.quantileBytes(0)).toBe(8);
    expect(w1.quantileBytes(0.3)).toBe(8);
    expect(w1.quantileBytes(1)).toBe(100_000);
    fc.assert(
      fc.property(fc.constantFrom(...HOMA_WORKLOAD_NAMES), fc.double({ min: 0, max: 1, noNaN: true }), (name, q) => {
        const distribution = workloads[name];
        const size = distribution.quantileBytes(q);
        expect(distribution.cdfAt(size)).toBeGreaterThanOrEqual(q - 1e-9);
        const index = distribution.sizesBytes.indexOf(size);
        if (index > 0) expect(distribution.cdfAt(distribution.sizesBytes[index - 1] as number)).toBeLessThan(q);
      }),
    );
  });
});

describe('parseSizeDistributionCsv', () => {
  it('accepts CRLF, blank lines and spaces', () => {
    const distribution = parseSizeDistributionCsv('size_bytes,weight\r\n\r\n 10 , 1\r\n20,3\r\n', 'crlf');
    expect(Array.from(distribution.sizesBytes)).toEqual([10, 20]);
    expect(distribution.meanBytes).toBe(17.5);
    expect(distribution.probabilityAt(1)).toBe(0.75);
  });

  it.each([
    ['', /empty file/],
    ['size,weight\n1,1\n', /header/],
    ['size_bytes,weight\n1\n', /line 2/],
    ['size_bytes,weight\n1,x\n', /line 2/],
    ['size_bytes,weight\n10,1\n10,1\n', /strictly increasing/],
    ['size_bytes,weight\n10,1\n5,1\n', /strictly increasing/],
    ['size_bytes,weight\n10,-1\n', /weight/],
    ['size_bytes,weight\n10.5,1\n', /integer/],
    ['size_bytes,weight\n10,0\n20,0\n', /all weights are zero/],
    ['size_bytes,weight\n', /1\.\.\d+ points/],
  ])('rejects %j', (text, message) => {
    expect(() => parseSizeDistributionCsv(text, 'bad')).toThrow(InvalidArgumentError);
    expect(() => parseSizeDistributionCsv(text, 'bad')).toThrow(message);
  });

  it('never draws a zero-weight point, including trailing ones', () => {
    const distribution = parseSizeDistributionCsv('size_bytes,weight\n1,0\n2,1\n3,0\n', 'zeros');
    expect(distribution.minBytes).toBe(2);
    expect(distribution.maxBytes).toBe(2);
    for (const u of [0, 0.5, 1 - 2 ** -53]) expect(distribution.sizeAtUniform(u)).toBe(2);
    expect(() => distribution.pointAtUniform(1)).toThrow(InvalidArgumentError);
  });
});

describe('parametric size samplers', () => {
  it('fixed and uniform sizes stay in range with the stated mean', () => {
    const prng = Prng.fromSeed({ seed: 3 });
    const fixed = new FixedSize(4096);
    expect(fixed.sample(prng)).toBe(4096);
    const uniform = new UniformSize({ minBytes: 10, maxBytes: 20 });
    const counts = new Array<number>(11).fill(0);
    for (let i = 0; i < 110_000; i++) {
      const size = uniform.sample(prng);
      counts[size - 10] = (counts[size - 10] as number) + 1;
    }
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(500);
    expect(uniform.meanBytes).toBe(15);
    expect(() => new UniformSize({ minBytes: 5, maxBytes: 4 })).toThrow(InvalidArgumentError);
    expect(() => new FixedSize(-1)).toThrow(InvalidArgumentError);
  });

  it('log-uniform mean matches the exact sum of k·P(k)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20_000 }), fc.integer({ min: 0, max: 30_000 }), (min, span) => {
        const sampler = new LogUniformSize({ minBytes: min, maxBytes: min + span });
        const total = Math.log((min + span + 1) / min);
        let mean = 0;
        for (let k = min; k <= min + span; k++) mean += (k * Math.log1p(1 / k)) / total;
        expect(Math.abs(sampler.meanBytes - mean)).toBeLessThan(1e-6 * mean);
      }),
      { numRuns: 60 },
    );
  });

  it('log-uniform 4 KiB–1 MiB puts equal mass in every octave and stays in range', () => {
    const sampler = new LogUniformSize({ minBytes: 4096, maxBytes: 1 << 20 });
    const prng = Prng.fromSeed({ seed: 11 });
    const octaves = new Float64Array(8);
    const samples = 160_000;
    let sum = 0;
    let outOfRange = 0;
    for (let i = 0; i < samples; i++) {
      const size = sampler.sample(prng);
      if (!(size >= 4096 && size <= 1 << 20 && Number.isInteger(size))) outOfRange++;
      const octave = Math.min(7, Math.floor(Math.log2(size / 4096)));
      octaves[octave] = (octaves[octave] as number) + 1;
      sum += size;
    }
    expect(outOfRange).toBe(0);
    let stat = 0;
    for (const count of octaves) stat += (count - samples / 8) ** 2 / (samples / 8);
    expect(stat).toBeLessThan(chiSquareCritical(7, 4.5));
    // Closed form of the continuous log-uniform mean minus the half byte lost to flooring.
    expect(sampler.meanBytes).toBeCloseTo((1048577 - 4096) / Math.log(1048577 / 4096) - 0.5, 1);
    const relativeSd = 1.5; // coefficient of variation of log-uniform over a 256:1 range is ≈ 1.34
    expect(Math.abs(sum / samples / sampler.meanBytes - 1)).toBeLessThan((5 * relativeSd) / Math.sqrt(samples));
  });
});
