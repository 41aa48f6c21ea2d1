import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError, FRAGMENT_LIMIT, InvalidArgumentError, RANGE_OFFSET_MAX, RangeSet } from '../src/index.js';

/** Maximal runs of set bytes in a bitmap, as [start, end) pairs relative to the bitmap. */
function runsOf(bitmap: Uint8Array, from = 0, upTo = bitmap.length, value = 1): [number, number][] {
  const runs: [number, number][] = [];
  let i = from;
  while (i < upTo) {
    if (bitmap[i] !== value) {
      i++;
      continue;
    }
    const start = i;
    while (i < upTo && bitmap[i] === value) i++;
    runs.push([start, i]);
  }
  return runs;
}

function check(condition: boolean, rule: string): void {
  if (!condition) throw new Error(`model mismatch: ${rule}`);
}

function rangesOf(set: RangeSet): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < set.count; i++) out.push([set.startAt(i), set.endAt(i)]);
  return out;
}

type Op =
  | { kind: 'add' | 'remove'; a: number; b: number }
  | { kind: 'missing'; a: number; b: number; maxRanges: number }
  | { kind: 'query'; a: number; b: number };

/** Random operations over [0, universe): endpoints anywhere, or short ranges (many fragments). */
function opsArb(universe: number, maxLength: number, shortOnly: boolean): fc.Arbitrary<Op[]> {
  const anywhere = fc.tuple(fc.integer({ min: 0, max: universe }), fc.integer({ min: 0, max: universe }));
  const short = fc
    .tuple(fc.integer({ min: 0, max: universe }), fc.integer({ min: 0, max: 6 }))
    .map(([a, length]) => [a, Math.min(universe, a + length)] as [number, number]);
  const pair = shortOnly ? short : fc.oneof(anywhere, short, short);
  const op: fc.Arbitrary<Op> = fc
    .oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('add' as const), ab: pair }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), ab: pair }) },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('missing' as const),
          ab: anywhere,
          maxRanges: fc.integer({ min: 0, max: 6 }),
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('query' as const), ab: pair }) },
    )
    .map((o) => ({ ...o, a: o.ab[0], b: o.ab[1] }) as Op);
  return fc.array(op, { maxLength, size: 'max' });
}

/** Runs `ops` on a RangeSet and on a per-byte bitmap over [base, base + universe) and compares. */
function checkAgainstBitmap(fragmentsMax: number, base: number, universe: number, ops: readonly Op[]): void {
  const set = new RangeSet({ fragmentsMax });
  const bitmap = new Uint8Array(universe);
  const out = new Float64Array(12);
  for (const op of ops) {
    const lo = Math.min(op.a, op.b);
    const hi = Math.max(op.a, op.b);
    if (op.kind === 'add' || op.kind === 'remove') {
      const next = bitmap.slice();
      next.fill(op.kind === 'add' ? 1 : 0, lo, hi);
      let changed = 0;
      for (let i = lo; i < hi; i++) if (next[i] !== bitmap[i]) changed++;
      const limited = runsOf(next).length > fragmentsMax;
      const result = op.kind === 'add' ? set.add(base + lo, base + hi) : set.remove(base + lo, base + hi);
      if (limited) {
        expect(result).toBe(FRAGMENT_LIMIT);
      } else {
        expect(result).toBe(changed);
        bitmap.set(next);
      }
    } else if (op.kind === 'missing') {
      const expected = runsOf(bitmap, lo, hi, 0).slice(0, op.maxRanges);
      const written = set.missingIn(base + lo, base + hi, out, op.maxRanges);
      const actual: [number, number][] = [];
      for (let i = 0; i < written; i++) actual.push([(out[2 * i] as number) - base, (out[2 * i + 1] as number) - base]);
      expect(actual).toEqual(expected);
      if (base === 0) {
        const fromZero = runsOf(bitmap, 0, hi, 0).slice(0, op.maxRanges);
        const n = set.missing(hi, out, op.maxRanges);
        expect(n).toBe(fromZero.length);
        for (let i = 0; i < n; i++) expect([out[2 * i], out[2 * i + 1]]).toEqual(fromZero[i]);
      }
    } else {
      let all = true;
      for (let i = lo; i < hi; i++) if (bitmap[i] !== 1) all = false;
      expect(set.covers(base + lo, base + hi)).toBe(all);
      expect(set.has(base + lo)).toBe(lo < universe && bitmap[lo] === 1);
    }
    // Canonical form: the ranges are exactly the bitmap's maximal runs. Plain checks (not expect)
    // after every operation keep the property fast.
    const runs = runsOf(bitmap);
    check(set.count === runs.length && set.count <= fragmentsMax, 'fragment count differs from the model');
    for (let i = 0; i < runs.length; i++) {
      const [s, e] = runs[i] as [number, number];
      check(set.startAt(i) === base + s && set.endAt(i) === base + e, 'ranges differ from the model');
    }
    check(set.coveredBytes === bitmap.reduce((sum, v) => sum + v, 0), 'coveredBytes differs from the model');
    const first = runs[0];
    check(
      set.firstGapStart === (base === 0 && first !== undefined && first[0] === 0 ? first[1] : 0),
      'firstGapStart differs from the model',
    );
    const last = runs[runs.length - 1];
    check(set.endMax === (last === undefined ? 0 : base + last[1]), 'endMax differs from the model');
  }
}

describe('RangeSet vs a per-byte bitmap model', () => {
  it('agrees on contents, return values, limits and queries (few fragments, tight bound, 0 and 2^53 bases)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom(0, 1000, RANGE_OFFSET_MAX - 160),
        opsArb(160, 120, false),
        (fragmentsMax, base, ops) => checkAgainstBitmap(fragmentsMax, base, 160, ops),
      ),
      { numRuns: 300 },
    );
  });

  it('agrees with many fragments (long tail moves) over a 512-byte universe', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 17, max: 120 }),
        fc.constantFrom(0, RANGE_OFFSET_MAX - 512),
        opsArb(512, 250, true),
        (fragmentsMax, base, ops) => checkAgainstBitmap(fragmentsMax, base, 512, ops),
      ),
      { numRuns: 60 },
    );
  });
});

describe('RangeSet edges', () => {
  it('merges adjacent and overlapping ranges into one fragment', () => {
    const set = new RangeSet({ fragmentsMax: 4 });
    expect(set.add(0, 10)).toBe(10);
    expect(set.add(10, 20)).toBe(10);
    expect(rangesOf(set)).toEqual([[0, 20]]);
    expect(set.add(30, 40)).toBe(10);
    expect(set.add(25, 30)).toBe(5);
    expect(rangesOf(set)).toEqual([
      [0, 20],
      [25, 40],
    ]);
    expect(set.add(20, 25)).toBe(5);
    expect(rangesOf(set)).toEqual([[0, 40]]);
    expect(set.add(5, 15)).toBe(0);
    expect(set.coveredBytes).toBe(40);
  });

  it('merges many fragments spanned by one add', () => {
    const set = new RangeSet({ fragmentsMax: 8 });
    for (let i = 0; i < 8; i++) set.add(i * 10, i * 10 + 5);
    expect(set.count).toBe(8);
    expect(set.add(3, 72)).toBe(75 - 40);
    expect(rangesOf(set)).toEqual([[0, 75]]);
  });

  it('at the fragment bound: rejects a new fragment unchanged, accepts merges and extensions', () => {
    const set = new RangeSet({ fragmentsMax: 2 });
    expect(set.add(10, 20)).toBe(10);
    expect(set.add(30, 40)).toBe(10);
    expect(set.add(50, 60)).toBe(FRAGMENT_LIMIT);
    expect(set.add(0, 5)).toBe(FRAGMENT_LIMIT);
    expect(set.add(22, 28)).toBe(FRAGMENT_LIMIT);
    expect(rangesOf(set)).toEqual([
      [10, 20],
      [30, 40],
    ]);
    expect(set.coveredBytes).toBe(20);
    expect(set.add(40, 50)).toBe(10);
    expect(set.add(5, 10)).toBe(5);
    expect(set.add(15, 45)).toBe(10);
    expect(rangesOf(set)).toEqual([[5, 50]]);
    expect(set.add(60, 70)).toBe(10);
    expect(set.count).toBe(2);
  });

  it('at the fragment bound: rejects a splitting remove unchanged, accepts trims', () => {
    const set = new RangeSet({ fragmentsMax: 2 });
    set.add(0, 100);
    set.add(200, 300);
    expect(set.remove(40, 60)).toBe(FRAGMENT_LIMIT);
    expect(rangesOf(set)).toEqual([
      [0, 100],
      [200, 300],
    ]);
    expect(set.remove(90, 210)).toBe(20);
    expect(set.remove(0, 10)).toBe(10);
    expect(set.remove(250, 400)).toBe(50);
    expect(rangesOf(set)).toEqual([
      [10, 90],
      [210, 250],
    ]);
    const single = new RangeSet({ fragmentsMax: 1 });
    single.add(0, 10);
    expect(single.remove(3, 4)).toBe(FRAGMENT_LIMIT);
    expect(single.remove(0, 10)).toBe(10);
    expect(single.count).toBe(0);
  });

  it('treats zero-length ranges as no-ops, even at the bound', () => {
    const set = new RangeSet({ fragmentsMax: 1 });
    expect(set.add(5, 5)).toBe(0);
    expect(set.count).toBe(0);
    set.add(10, 20);
    expect(set.add(50, 50)).toBe(0);
    expect(set.remove(15, 15)).toBe(0);
    expect(rangesOf(set)).toEqual([[10, 20]]);
    expect(set.covers(7, 7)).toBe(true);
    expect(set.covers(30, 20)).toBe(true);
  });

  it('rejects ranges outside 0 <= start <= end <= 2^53', () => {
    const set = new RangeSet({ fragmentsMax: 4 });
    expect(() => set.add(10, 5)).toThrow(InvalidArgumentError);
    expect(() => set.add(-1, 5)).toThrow(InvalidArgumentError);
    expect(() => set.add(0.5, 5)).toThrow(InvalidArgumentError);
    expect(() => set.add(0, RANGE_OFFSET_MAX + 2)).toThrow(InvalidArgumentError);
    expect(() => set.add(0, Number.NaN)).toThrow(InvalidArgumentError);
    expect(() => set.remove(3, 2)).toThrow(InvalidArgumentError);
    expect(() => set.missing(-1, new Float64Array(2), 1)).toThrow(InvalidArgumentError);
    expect(() => set.missing(10, new Float64Array(2), 2)).toThrow(InvalidArgumentError);
    expect(set.count).toBe(0);
  });

  it('handles ranges ending exactly at 2^53', () => {
    const set = new RangeSet({ fragmentsMax: 4 });
    const top = RANGE_OFFSET_MAX;
    expect(set.add(top - 10, top)).toBe(10);
    expect(set.add(top - 30, top - 20)).toBe(10);
    expect(set.has(top - 1)).toBe(true);
    expect(set.has(top - 11)).toBe(false);
    expect(set.covers(top - 10, top)).toBe(true);
    expect(set.covers(top - 30, top)).toBe(false);
    const out = new Float64Array(4);
    expect(set.missingIn(top - 40, top, out, 2)).toBe(2);
    expect([...out]).toEqual([top - 40, top - 30, top - 20, top - 10]);
    expect(set.add(top - 20, top - 10)).toBe(10);
    expect(rangesOf(set)).toEqual([[top - 30, top]]);
    expect(set.coveredBytes).toBe(30);
    expect(set.endMax).toBe(top);
  });

  it('reports the contiguous prefix for in-order delivery', () => {
    const set = new RangeSet({ fragmentsMax: 4 });
    expect(set.firstGapStart).toBe(0);
    set.add(10, 20);
    expect(set.firstGapStart).toBe(0);
    set.add(0, 5);
    expect(set.firstGapStart).toBe(5);
    set.add(5, 10);
    expect(set.firstGapStart).toBe(20);
  });

  it('missing() lists gaps up to maxRanges, including the tail gap', () => {
    const set = new RangeSet({ fragmentsMax: 4 });
    set.add(10, 20);
    set.add(30, 40);
    const out = new Float64Array(6);
    expect(set.missing(50, out, 3)).toBe(3);
    expect([...out]).toEqual([0, 10, 20, 30, 40, 50]);
    expect(set.missing(50, out, 1)).toBe(1);
    expect([out[0], out[1]]).toEqual([0, 10]);
    expect(set.missing(35, out, 3)).toBe(2);
    expect([...out.subarray(0, 4)]).toEqual([0, 10, 20, 30]);
    expect(set.missing(0, out, 3)).toBe(0);
    expect(set.missing(50, out, 0)).toBe(0);
    expect(set.missingIn(12, 18, out, 3)).toBe(0);
  });

  it('clear() empties the set', () => {
    const set = new RangeSet({ fragmentsMax: 2 });
    set.add(0, 10);
    set.add(20, 30);
    set.clear();
    expect(set.count).toBe(0);
    expect(set.coveredBytes).toBe(0);
    expect(set.add(40, 50)).toBe(10);
  });

  it('asserts on out-of-range indices and validates options', () => {
    const set = new RangeSet({ fragmentsMax: 2 });
    set.add(0, 1);
    expect(() => set.startAt(1)).toThrow(AssertionError);
    expect(() => set.endAt(-1)).toThrow(AssertionError);
    expect(() => new RangeSet({ fragmentsMax: 0 })).toThrow(InvalidArgumentError);
    expect(() => new RangeSet({ fragmentsMax: 2.5 })).toThrow(InvalidArgumentError);
  });
});
