import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  WINDOWED_FILTER_LENGTH_MAX,
  WindowedMaxFilter,
  WindowedMinFilter,
} from '../src/index.js';

/** The reference: every sample kept with its (clamped) epoch; the answer is a scan. */
class NaiveWindow {
  readonly samples: { epoch: number; value: number }[] = [];
  current = -1;

  constructor(readonly length: number) {}

  advance(epoch: number): void {
    if (epoch > this.current) this.current = epoch;
  }

  update(epoch: number, value: number): void {
    this.advance(epoch);
    if (!Number.isNaN(value)) this.samples.push({ epoch: this.current, value });
  }

  private inWindow(): number[] {
    return this.samples.filter((s) => s.epoch > this.current - this.length).map((s) => s.value);
  }

  max(): number {
    return Math.max(...this.inWindow());
  }

  min(): number {
    return Math.min(...this.inWindow());
  }

  reset(): void {
    this.samples.length = 0;
    this.current = -1;
  }
}

type Op =
  | { readonly kind: 'update'; readonly step: number; readonly value: number }
  | { readonly kind: 'advance'; readonly step: number }
  | { readonly kind: 'reset' };

// Steps may be negative (an older epoch: counted in the newest one) or jump past the window.
const stepArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant(0) },
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 3 }) },
  { weight: 1, arbitrary: fc.integer({ min: -3, max: -1 }) },
  { weight: 1, arbitrary: fc.integer({ min: 4, max: 40 }) },
);
const valueArb = fc.oneof(
  fc.integer({ min: 0, max: 1_000 }),
  // −0 and +0 compare equal, so which one a filter keeps is unspecified: use +0 only.
  fc.double({ min: -1e12, max: 1e12, noNaN: true }).map((v) => (v === 0 ? 0 : v)),
  fc.constant(Number.NaN),
);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('update' as const), step: stepArb, value: valueArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), step: stepArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reset' as const) }) },
);

describe('WindowedMaxFilter / WindowedMinFilter', () => {
  it('agree exactly with a naive windowed max and min over random sequences', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(opArb, { minLength: 1, maxLength: 300 }), (length, ops) => {
        const max = new WindowedMaxFilter({ windowLength: length });
        const min = new WindowedMinFilter({ windowLength: length });
        const naive = new NaiveWindow(length);
        let epoch = 0;
        for (const op of ops) {
          if (op.kind === 'reset') {
            max.reset();
            min.reset();
            naive.reset();
            epoch = 0;
          } else {
            epoch = Math.max(0, epoch + op.step);
            if (op.kind === 'update') {
              max.update(epoch, op.value);
              min.update(epoch, op.value);
              naive.update(epoch, op.value);
            } else {
              max.advance(epoch);
              min.advance(epoch);
              naive.advance(epoch);
            }
          }
          expect(max.value).toBe(naive.max());
          expect(min.value).toBe(naive.min());
          expect(max.hasValue).toBe(naive.max() !== Number.NEGATIVE_INFINITY);
          expect(min.hasValue).toBe(max.hasValue);
          expect(max.currentEpoch).toBe(naive.current);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a sample exactly windowLength epochs and drops it on the next', () => {
    const filter = new WindowedMaxFilter({ windowLength: 10 });
    filter.update(5, 100);
    filter.update(6, 40);
    filter.advance(14);
    expect(filter.value).toBe(100); // epochs 5..14 are in the window
    filter.advance(15);
    expect(filter.value).toBe(40);
    filter.advance(16);
    expect(filter.hasValue).toBe(false);
    expect(filter.value).toBe(Number.NEGATIVE_INFINITY);
  });

  it('counts a sample from an older epoch in the newest one', () => {
    const filter = new WindowedMinFilter({ windowLength: 2 });
    filter.update(10, 50);
    filter.update(3, 20); // time went backwards: counted in epoch 10
    expect(filter.value).toBe(20);
    filter.advance(11);
    expect(filter.value).toBe(20);
    filter.advance(12);
    expect(filter.hasValue).toBe(false);
    expect(filter.value).toBe(Number.POSITIVE_INFINITY);
  });

  it('with a window of one epoch holds only the current epoch', () => {
    const filter = new WindowedMaxFilter({ windowLength: 1 });
    filter.update(0, 7);
    filter.update(0, 3);
    expect(filter.value).toBe(7);
    filter.update(1, 2);
    expect(filter.value).toBe(2);
  });

  it('handles huge epoch jumps (time buckets late in a run)', () => {
    const filter = new WindowedMinFilter({ windowLength: 10 });
    filter.update(2 ** 40, 5);
    filter.update(2 ** 40 + 9, 9);
    expect(filter.value).toBe(5);
    filter.update(2 ** 52, 9);
    expect(filter.value).toBe(9);
  });

  it('ignores NaN samples', () => {
    const filter = new WindowedMaxFilter({ windowLength: 3 });
    filter.update(0, Number.NaN);
    expect(filter.hasValue).toBe(false);
    filter.update(0, 1);
    filter.update(0, Number.NaN);
    expect(filter.value).toBe(1);
  });

  it('rejects window lengths outside [1, 1024]', () => {
    for (const bad of [0, -1, 1.5, WINDOWED_FILTER_LENGTH_MAX + 1, Number.NaN]) {
      expect(() => new WindowedMaxFilter({ windowLength: bad })).toThrow(InvalidArgumentError);
      expect(() => new WindowedMinFilter({ windowLength: bad })).toThrow(InvalidArgumentError);
    }
    expect(new WindowedMaxFilter({ windowLength: WINDOWED_FILTER_LENGTH_MAX }).windowLength).toBe(1024);
  });
});
