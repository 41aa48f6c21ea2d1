import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AssertionError,
  BACKOFF_EXPONENT_MAX,
  BackoffEpochTable,
  BackoffPolicy,
  InvalidArgumentError,
  nextBackoffExponent,
  PHASE_TIMEOUT_MAX_US_DEFAULT,
  PHASE_TIMEOUT_MIN_US_DEFAULT,
  PHASE_TIMEOUT_US_LIMIT,
  phaseTimeoutUs,
  RttEstimator,
  retriesLeft,
  retryBudgetExhausted,
} from '../src/index.js';

/** The spec formula in BigInt arithmetic: an independent computation of timeout(srtt, k). */
function referenceTimeoutUs(srttUs: number, k: number, multiplier: number, minUs: number, maxUs: number): number {
  const scaled = BigInt(multiplier) * BigInt(srttUs);
  const base = scaled > BigInt(minUs) ? scaled : BigInt(minUs);
  const raw = base << BigInt(k);
  return Number(raw < BigInt(maxUs) ? raw : BigInt(maxUs));
}

describe('BackoffPolicy', () => {
  it('has the spec defaults', () => {
    const policy = new BackoffPolicy();
    expect(policy.phaseTimeoutMinUs).toBe(300);
    expect(policy.phaseTimeoutMaxUs).toBe(1_000_000);
    expect(policy.phaseTimeoutRttMultiplier).toBe(3);
    expect(PHASE_TIMEOUT_MIN_US_DEFAULT).toBe(300);
    expect(PHASE_TIMEOUT_MAX_US_DEFAULT).toBe(1_000_000);
  });

  it('validates its options', () => {
    expect(() => new BackoffPolicy({ phaseTimeoutMinUs: 0 })).toThrow(InvalidArgumentError);
    expect(() => new BackoffPolicy({ phaseTimeoutMinUs: 2_000_000 })).toThrow(InvalidArgumentError); // above max
    expect(() => new BackoffPolicy({ phaseTimeoutMaxUs: 0 })).toThrow(InvalidArgumentError);
    expect(() => new BackoffPolicy({ phaseTimeoutMaxUs: PHASE_TIMEOUT_US_LIMIT + 1 })).toThrow(InvalidArgumentError);
    expect(() => new BackoffPolicy({ phaseTimeoutMaxUs: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => new BackoffPolicy({ phaseTimeoutRttMultiplier: 0 })).toThrow(InvalidArgumentError);
    expect(() => new BackoffPolicy({ phaseTimeoutRttMultiplier: 65 })).toThrow(InvalidArgumentError);
    expect(() => new BackoffPolicy({ phaseTimeoutRttMultiplier: 2.5 })).toThrow(InvalidArgumentError);
    expect(new BackoffPolicy({ phaseTimeoutMinUs: 7, phaseTimeoutMaxUs: 7 }).timeoutUs(0, 5)).toBe(7);
  });

  it('gives exact values at each attempt: 3 × RTT doubling up to the cap (srtt 100 µs)', () => {
    const policy = new BackoffPolicy();
    const expected = [
      300, 600, 1200, 2400, 4800, 9600, 19_200, 38_400, 76_800, 153_600, 307_200, 614_400, 1_000_000, 1_000_000,
    ];
    expect(expected.map((_, k) => policy.timeoutUs(100, k))).toEqual(expected);
    expect(policy.timeoutUs(100, BACKOFF_EXPONENT_MAX)).toBe(1_000_000);
  });

  it('applies the floor to the base, not only to the first timeout', () => {
    const policy = new BackoffPolicy();
    expect(policy.baseUs(0)).toBe(300);
    expect(policy.baseUs(50)).toBe(300); // 150 < floor
    expect(policy.baseUs(100)).toBe(300); // exactly the floor
    expect(policy.baseUs(101)).toBe(303);
    expect([0, 1, 2, 3].map((k) => policy.timeoutUs(20, k))).toEqual([300, 600, 1200, 2400]);
    expect([0, 1, 2].map((k) => policy.timeoutUs(101, k))).toEqual([303, 606, 1212]);
  });

  it('uses the estimator initial RTT (1 ms) before any sample: 3 ms, 6 ms, ...', () => {
    const policy = new BackoffPolicy();
    const rtt = new RttEstimator();
    expect([0, 1, 2].map((k) => policy.timeoutUs(rtt.smoothedRttUs, k))).toEqual([3000, 6000, 12_000]);
    rtt.onSample(0, 40, 0);
    expect(policy.timeoutUs(rtt.smoothedRttUs, 0)).toBe(300); // 120 µs under the floor
  });

  it('caps even the first timeout when 3 × RTT is above the cap', () => {
    const policy = new BackoffPolicy({ phaseTimeoutMaxUs: 5000 });
    expect(policy.timeoutUs(2000, 0)).toBe(5000);
    expect(policy.timeoutUs(1000, 0)).toBe(3000);
    expect(policy.timeoutUs(1000, 1)).toBe(5000);
  });

  it('matches the BigInt reference for random configurations, RTTs and exponents', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 0, max: BACKOFF_EXPONENT_MAX }),
        (multiplier, minUs, extraUs, srttUs, k) => {
          const maxUs = Math.min(minUs + extraUs, PHASE_TIMEOUT_US_LIMIT);
          const policy = new BackoffPolicy({
            phaseTimeoutMinUs: minUs,
            phaseTimeoutMaxUs: maxUs,
            phaseTimeoutRttMultiplier: multiplier,
          });
          const timeoutUs = policy.timeoutUs(srttUs, k);
          expect(timeoutUs).toBe(referenceTimeoutUs(srttUs, k, multiplier, minUs, maxUs));
          expect(Number.isInteger(timeoutUs)).toBe(true);
          expect(timeoutUs).toBeLessThanOrEqual(maxUs);
          expect(timeoutUs).toBeGreaterThanOrEqual(Math.min(minUs, maxUs));
          if (k > 0) expect(timeoutUs).toBeGreaterThanOrEqual(policy.timeoutUs(srttUs, k - 1));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('rejects out-of-domain arguments with assertions (caller bugs)', () => {
    const policy = new BackoffPolicy();
    expect(() => policy.timeoutUs(100, -1)).toThrow(AssertionError);
    expect(() => policy.timeoutUs(100, BACKOFF_EXPONENT_MAX + 1)).toThrow(AssertionError);
    expect(() => policy.timeoutUs(100, 1.5)).toThrow(AssertionError);
    expect(() => policy.timeoutUs(-1, 0)).toThrow(AssertionError);
    expect(() => policy.timeoutUs(100.5, 0)).toThrow(AssertionError);
    expect(() => phaseTimeoutUs(300, 40, 1000)).toThrow(AssertionError);
  });
});

describe('phaseTimeoutUs', () => {
  it('is min(base × 2^k, max)', () => {
    expect(phaseTimeoutUs(300, 0, 1000)).toBe(300);
    expect(phaseTimeoutUs(300, 1, 1000)).toBe(600);
    expect(phaseTimeoutUs(300, 2, 1000)).toBe(1000);
    expect(phaseTimeoutUs(2 ** 40, 31, 2 ** 40)).toBe(2 ** 40);
    expect(phaseTimeoutUs(3, 31, Number.MAX_SAFE_INTEGER)).toBe(3 * 2 ** 31);
  });
});

describe('nextBackoffExponent', () => {
  it('restarts at the start exponent when the peer was heard, else grows by one and saturates', () => {
    expect(nextBackoffExponent(5, true, 0)).toBe(0);
    expect(nextBackoffExponent(5, true, 1)).toBe(1);
    expect(nextBackoffExponent(0, false, 0)).toBe(1);
    expect(nextBackoffExponent(7, false, 1)).toBe(8);
    expect(nextBackoffExponent(BACKOFF_EXPONENT_MAX - 1, false, 0)).toBe(BACKOFF_EXPONENT_MAX);
    expect(nextBackoffExponent(BACKOFF_EXPONENT_MAX, false, 0)).toBe(BACKOFF_EXPONENT_MAX);
  });
});

describe('retry budget', () => {
  it('allows exactly retriesMax retries before the failure becomes permanent', () => {
    for (const retriesMax of [0, 1, 3, 8]) {
      let used = 0;
      let retried = 0;
      // A transfer whose every try fails: retry while the budget allows, then give up.
      for (;;) {
        expect(retriesLeft(used, retriesMax)).toBe(retriesMax - used);
        if (retryBudgetExhausted(used, retriesMax)) break;
        used++;
        retried++;
      }
      expect(retried).toBe(retriesMax);
      expect(retriesLeft(used + 5, retriesMax)).toBe(0);
      expect(retryBudgetExhausted(used + 5, retriesMax)).toBe(true);
    }
  });
});

describe('BackoffEpochTable', () => {
  it('validates its capacity and slots', () => {
    expect(() => new BackoffEpochTable(0)).toThrow(InvalidArgumentError);
    expect(() => new BackoffEpochTable(1.5)).toThrow(InvalidArgumentError);
    const epochs = new BackoffEpochTable(2);
    expect(() => epochs.epochOf(2)).toThrow(AssertionError);
    expect(() => epochs.bump(-1)).toThrow(AssertionError);
  });

  it('tells whether a peer was heard since a timer was armed, per peer', () => {
    const epochs = new BackoffEpochTable(2);
    const armed0 = epochs.epochOf(0);
    const armed1 = epochs.epochOf(1);
    expect(epochs.heardSince(0, armed0)).toBe(false);
    epochs.bump(0);
    expect(epochs.heardSince(0, armed0)).toBe(true);
    expect(epochs.heardSince(1, armed1)).toBe(false); // other peers are unaffected
    expect(epochs.heardSince(0, epochs.epochOf(0))).toBe(false);
  });

  it('resets the backoff of every timer of a peer on any packet (model: per-timer "heard" flags)', () => {
    // Ops: 0 = a packet from the peer, 1..3 = timer t expires (and is re-armed), 4..6 = timer t restarts
    // its phase (k back to 0). Each timer stores the epoch when armed; the model stores a flag that a
    // packet sets for every timer.
    const op = fc.integer({ min: 0, max: 6 });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), fc.boolean(), (ops, degraded) => {
        const start = degraded ? 1 : 0;
        const epochs = new BackoffEpochTable(1);
        const armedEpoch = [0, 0, 0].map(() => epochs.epochOf(0));
        const exponent = [start, start, start];
        const modelHeard = [false, false, false];
        const modelExponent = [start, start, start];
        const policy = new BackoffPolicy();
        for (const o of ops) {
          if (o === 0) {
            epochs.bump(0);
            modelHeard.fill(true);
          } else if (o <= 3) {
            const t = o - 1;
            exponent[t] = nextBackoffExponent(
              exponent[t] as number,
              epochs.heardSince(0, armedEpoch[t] as number),
              start,
            );
            armedEpoch[t] = epochs.epochOf(0);
            modelExponent[t] = modelHeard[t] ? start : Math.min((modelExponent[t] as number) + 1, 31);
            modelHeard[t] = false;
          } else {
            const t = o - 4;
            exponent[t] = start;
            armedEpoch[t] = epochs.epochOf(0);
            modelExponent[t] = start;
            modelHeard[t] = false;
          }
          expect(exponent).toEqual(modelExponent);
          for (const k of exponent) expect(policy.timeoutUs(100, k)).toBe(Math.min(300 * 2 ** k, 1_000_000));
        }
      }),
      { numRuns: 300 },
    );
  });
});
