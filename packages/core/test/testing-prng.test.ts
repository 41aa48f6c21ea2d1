import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../src/errors.js';
import {
  FNV1A32_OFFSET_BASIS,
  fnv1a32,
  fnv1a32Uint53,
  fnv1a32Word,
  PRNG_STATE_WORDS,
  Prng,
  portableExp,
  portableLog,
  seedPrngState,
} from '../src/testing/index.js';

/** Random doubles over the whole bit space (both signs, subnormals, NaNs, infinities). */
const anyDouble = fc
  .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }))
  .map(([high, low]) => {
    const view = new DataView(new ArrayBuffer(8));
    view.setUint32(0, high);
    view.setUint32(4, low);
    return view.getFloat64(0);
  });

describe('xoshiro128**', () => {
  it('matches the reference output for state {1, 2, 3, 4}', () => {
    // First outputs of the reference C implementation (prng.di.unimi.it) from s = {1, 2, 3, 4}.
    const prng = new Prng(Uint32Array.of(1, 2, 3, 4));
    const outputs = Array.from({ length: 6 }, () => prng.nextU32());
    expect(outputs).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it('is pinned for a seed: the same numbers on every platform, forever', () => {
    // Golden values: a change here changes every seeded test run in the repository.
    const prng = Prng.fromSeed({ seed: 42 });
    const golden = Array.from({ length: 4 }, () => prng.nextU32());
    const again = Prng.fromSeed({ seed: 42 });
    expect(Array.from({ length: 4 }, () => again.nextU32())).toEqual(golden);
    expect(golden).toEqual([2960021525, 3818041185, 3574854602, 1766520586]);
    const floats = Prng.fromSeed({ seed: 7, stream: 3 });
    expect([floats.nextFloat(), floats.exponential(10), floats.normal(), floats.logNormal(1, 0.5)]).toEqual([
      0.7541810919660452, 10.15233866888001, -0.6916125749564012, 1.2867991456840306,
    ]);
  });

  it('gives different sequences for different seeds, streams and high seed bits', () => {
    const first = (seed: number, stream: number): number[] => {
      const prng = Prng.fromSeed({ seed, stream });
      return [prng.nextU32(), prng.nextU32()];
    };
    const seen = new Set<string>();
    for (const seed of [0, 1, 2, 2 ** 32, 2 ** 32 + 1, 2 ** 52, Number.MAX_SAFE_INTEGER]) {
      for (const stream of [0, 1, 2, 0xffffffff]) seen.add(first(seed, stream).join(','));
    }
    expect(seen.size).toBe(7 * 4);
  });

  it('a cursor over many states draws each state independently', () => {
    const states = new Uint32Array(3 * PRNG_STATE_WORDS);
    for (let i = 0; i < 3; i++) seedPrngState(states, i, 99, i);
    const cursor = new Prng(states);
    const interleaved: number[][] = [[], [], []];
    for (let round = 0; round < 5; round++) {
      for (const i of [2, 0, 1]) {
        cursor.select(i);
        (interleaved[i] as number[]).push(cursor.nextU32());
      }
    }
    for (let i = 0; i < 3; i++) {
      const alone = Prng.fromSeed({ seed: 99, stream: i });
      expect(interleaved[i]).toEqual(Array.from({ length: 5 }, () => alone.nextU32()));
    }
  });

  it('rejects bad seeds, streams, indexes and bounds', () => {
    expect(() => Prng.fromSeed({ seed: -1 })).toThrow(InvalidArgumentError);
    expect(() => Prng.fromSeed({ seed: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => Prng.fromSeed({ seed: 2 ** 53 })).toThrow(InvalidArgumentError);
    expect(() => Prng.fromSeed({ seed: 1, stream: 2 ** 32 })).toThrow(InvalidArgumentError);
    expect(() => new Prng(new Uint32Array(5))).toThrow(InvalidArgumentError);
    expect(() => seedPrngState(new Uint32Array(4), 1, 0, 0)).toThrow(InvalidArgumentError);
    const prng = Prng.fromSeed({ seed: 1 });
    expect(() => prng.select(1)).toThrow(InvalidArgumentError);
    expect(() => prng.intBelow(0)).toThrow(InvalidArgumentError);
    expect(() => prng.intBelow(2 ** 53 + 2)).toThrow(InvalidArgumentError);
    expect(() => prng.intBelow(2.5)).toThrow(InvalidArgumentError);
    expect(() => prng.intBetween(3, 2)).toThrow(InvalidArgumentError);
  });
});

describe('distributions', () => {
  it('intBelow and intBetween stay in range for any bound and seed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 2 ** 32 }), fc.constant(2 ** 53)),
        (seed, bound) => {
          const prng = Prng.fromSeed({ seed });
          for (let i = 0; i < 50; i++) {
            const value = prng.intBelow(bound);
            expect(Number.isInteger(value) && value >= 0 && value < bound).toBe(true);
            const between = prng.intBetween(-5, bound - 6);
            expect(between >= -5 && between <= bound - 6).toBe(true);
          }
        },
      ),
    );
  });

  it('intBelow is uniform (chi-square over 10 buckets) and floats are in [0, 1) with mean 1/2', () => {
    const prng = Prng.fromSeed({ seed: 2024 });
    const buckets = new Array<number>(10).fill(0);
    const draws = 100_000;
    for (let i = 0; i < draws; i++) {
      const bucket = prng.intBelow(10);
      buckets[bucket] = (buckets[bucket] as number) + 1;
    }
    const expected = draws / 10;
    const chiSquare = buckets.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
    expect(chiSquare).toBeLessThan(27.88); // p = 0.001 for 9 degrees of freedom
    let sum = 0;
    for (let i = 0; i < draws; i++) {
      const value = prng.nextFloat();
      expect(value >= 0 && value < 1).toBe(true);
      sum += value;
    }
    // σ of the mean of U(0,1) is sqrt(1/12 / n).
    expect(Math.abs(sum / draws - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / draws));
  });

  it('chance(p) hits with frequency p and always consumes one output', () => {
    const prng = Prng.fromSeed({ seed: 5 });
    const twin = Prng.fromSeed({ seed: 5 });
    let hits = 0;
    const n = 50_000;
    for (let i = 0; i < n; i++) {
      if (prng.chance(0.3)) hits++;
      twin.nextU32();
    }
    expect(Math.abs(hits - n * 0.3)).toBeLessThan(5 * Math.sqrt(n * 0.3 * 0.7));
    expect(prng.nextU32()).toBe(twin.nextU32());
    expect(prng.chance(0)).toBe(false);
    expect(prng.chance(1)).toBe(true);
    twin.nextU32(); // the two chance() calls above
    twin.nextU32();
    expect(prng.nextU32()).toBe(twin.nextU32());
  });

  it('exponential, normal and log-normal have the configured moments', () => {
    const prng = Prng.fromSeed({ seed: 11 });
    const n = 40_000;
    let sumExp = 0;
    let sumNormal = 0;
    let sumNormalSquared = 0;
    const logNormals: number[] = [];
    for (let i = 0; i < n; i++) {
      const e = prng.exponential(25);
      expect(e).toBeGreaterThanOrEqual(0);
      sumExp += e;
      const z = prng.normal();
      sumNormal += z;
      sumNormalSquared += z * z;
      logNormals.push(prng.logNormal(Math.log(100), 0.5));
    }
    expect(Math.abs(sumExp / n - 25)).toBeLessThan((5 * 25) / Math.sqrt(n));
    expect(Math.abs(sumNormal / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(sumNormalSquared / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    logNormals.sort((a, b) => a - b);
    const median = logNormals[n / 2] as number;
    expect(median).toBeGreaterThan(97);
    expect(median).toBeLessThan(103);
  });

  it('shuffle permutes and depends only on the seed', () => {
    const shuffled = (seed: number): number[] => {
      const values = Int32Array.from({ length: 20 }, (_, i) => i);
      Prng.fromSeed({ seed }).shuffle(values);
      return Array.from(values);
    };
    expect([...shuffled(3)].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(shuffled(3)).toEqual(shuffled(3));
    expect(shuffled(3)).not.toEqual(shuffled(4));
  });
});

describe('portable log and exp', () => {
  it('are bit-identical to V8 (fdlibm) over random doubles', () => {
    fc.assert(
      fc.property(anyDouble, (x) => {
        expect(Object.is(portableLog(x), Math.log(x))).toBe(true);
        expect(Object.is(portableExp(x), Math.exp(x))).toBe(true);
      }),
      { numRuns: 20_000 },
    );
    fc.assert(
      fc.property(
        fc.double({ min: -800, max: 800, noNaN: true }),
        fc.double({ min: 0, max: 2, noNaN: true }),
        (a, b) => {
          expect(Object.is(portableExp(a), Math.exp(a))).toBe(true);
          expect(Object.is(portableLog(b), Math.log(b))).toBe(true);
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('handle the special cases', () => {
    const cases = [0, -0, 1, -1, 2, 0.5, Math.E, 5e-324, 2.2250738585072014e-308, 1 + 2 ** -52, 1 - 2 ** -53];
    const more = [709.782712893384, 709.79, -745.1332191019411, -745.14, 1e-30, -1e-30, 0.3465, 1.0397, -708.4];
    for (const x of [...cases, ...more, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN]) {
      expect(Object.is(portableLog(x), Math.log(x))).toBe(true);
      expect(Object.is(portableExp(x), Math.exp(x))).toBe(true);
    }
    expect(portableLog(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(portableLog(-1)).toBeNaN();
    expect(portableExp(1)).toBe(Math.E);
  });
});

describe('FNV-1a 32', () => {
  it('matches the published test vectors', () => {
    const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
    expect(fnv1a32(ascii(''), 0, 0)).toBe(0x811c9dc5);
    expect(fnv1a32(ascii('a'), 0, 1)).toBe(0xe40c292c);
    expect(fnv1a32(ascii('foobar'), 0, 6)).toBe(0xbf9cf968);
    expect(fnv1a32(ascii('xxfoobar'), 2, 6)).toBe(0xbf9cf968);
    // Continuing a hash equals hashing the concatenation.
    expect(fnv1a32(ascii('bar'), 0, 3, fnv1a32(ascii('foo'), 0, 3))).toBe(0xbf9cf968);
  });

  it('folds words little-endian and 53-bit integers as low then high word', () => {
    const bytes = Uint8Array.of(0x78, 0x56, 0x34, 0x12);
    expect(fnv1a32Word(FNV1A32_OFFSET_BASIS, 0x12345678)).toBe(fnv1a32(bytes, 0, 4));
    expect(fnv1a32Word(FNV1A32_OFFSET_BASIS, -1)).toBe(fnv1a32(Uint8Array.of(255, 255, 255, 255), 0, 4));
    const value = 2 ** 40 + 5;
    expect(fnv1a32Uint53(FNV1A32_OFFSET_BASIS, value)).toBe(fnv1a32Word(fnv1a32Word(FNV1A32_OFFSET_BASIS, 5), 2 ** 8));
    expect(fnv1a32Uint53(FNV1A32_OFFSET_BASIS, 2 ** 40)).not.toBe(fnv1a32Uint53(FNV1A32_OFFSET_BASIS, 0));
  });
});
