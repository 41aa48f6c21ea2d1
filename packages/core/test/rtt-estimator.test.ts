import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  RTT_GRANULARITY_US_DEFAULT,
  RTT_INITIAL_US_DEFAULT,
  RttEstimator,
} from '../src/index.js';

/** RFC 9002 §5.3 in real-number arithmetic, the reference the integer estimator approximates. */
class ReferenceRtt {
  min = 0;
  smoothed: number;
  variation: number;
  first = true;

  constructor(
    initialRttUs: number,
    readonly maxAckDelayUs: number,
  ) {
    this.smoothed = initialRttUs;
    this.variation = initialRttUs / 2;
  }

  sample(latest: number, ackDelay: number): number {
    if (this.first) {
      this.first = false;
      this.min = latest;
      this.smoothed = latest;
      this.variation = latest / 2;
      return latest;
    }
    this.min = Math.min(this.min, latest);
    const delay = Math.min(ackDelay, this.maxAckDelayUs);
    const adjusted = latest >= this.min + delay ? latest - delay : latest;
    this.variation = (3 / 4) * this.variation + (1 / 4) * Math.abs(this.smoothed - adjusted);
    this.smoothed = (7 / 8) * this.smoothed + (1 / 8) * adjusted;
    return adjusted;
  }
}

function check(condition: boolean, rule: string): void {
  if (!condition) throw new Error(`property violated: ${rule}`);
}

const sampleArb = fc.record({
  latest: fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 5_000_000 })),
  ackDelay: fc.integer({ min: 0, max: 1_000 }),
});

describe('RttEstimator', () => {
  it('uses the datacenter defaults before the first sample', () => {
    const rtt = new RttEstimator();
    expect(RTT_INITIAL_US_DEFAULT).toBe(1_000);
    expect(rtt.hasSample).toBe(false);
    expect(rtt.smoothedRttUs).toBe(1_000);
    expect(rtt.rttVarianceUs).toBe(500);
    expect(rtt.minRttUs).toBe(1_000);
    expect(rtt.latestRttUs).toBe(0);
    // PTO = smoothed + max(4 × rttvar, granularity) + max_ack_delay (0 by default).
    expect(rtt.ptoUs()).toBe(3_000);
    expect(rtt.ptoUs(250)).toBe(3_250);
    expect(rtt.granularityUs).toBe(RTT_GRANULARITY_US_DEFAULT);
  });

  it('follows RFC 9002 arithmetic on a hand-computed sequence', () => {
    const rtt = new RttEstimator({ initialRttUs: 1_000, maxAckDelayUs: 100, granularityUs: 100 });
    // First sample: everything initialised from it; the ack delay is not used.
    expect(rtt.onSample(10, 200, 50)).toBe(true);
    expect([rtt.latestRttUs, rtt.minRttUs, rtt.smoothedRttUs, rtt.rttVarianceUs]).toEqual([200, 200, 200, 100]);
    // 300 ≥ min 200 + delay 50 → adjusted 250; rttvar = 3/4·100 + 1/4·|200 − 250| = 87.5 (→ 88);
    // smoothed = 7/8·200 + 1/8·250 = 206.25 (→ 206).
    rtt.onSample(20, 300, 50);
    expect([rtt.minRttUs, rtt.smoothedRttUs, rtt.rttVarianceUs]).toEqual([200, 206, 88]);
    // Delay 500 capped to 100; 220 < 200 + 100 → not subtracted;
    // rttvar = 3/4·87.5 + 1/4·|206.25 − 220| = 69.0625 (→ 69); smoothed = 207.96875 (→ 208).
    rtt.onSample(30, 220, 500);
    expect([rtt.minRttUs, rtt.smoothedRttUs, rtt.rttVarianceUs]).toEqual([200, 208, 69]);
    // New minimum 150; rttvar = 3/4·69.0625 + 1/4·57.96875 = 66.2890625 (→ 66);
    // smoothed = 7/8·207.96875 + 1/8·150 = 200.72265625 (→ 201).
    rtt.onSample(40, 150, 0);
    expect([rtt.latestRttUs, rtt.minRttUs, rtt.smoothedRttUs, rtt.rttVarianceUs]).toEqual([150, 150, 201, 66]);
    // PTO = ⌈200.72265625 + max(265.15625, 100) + 100⌉ = ⌈565.87890625⌉.
    expect(rtt.ptoUs(100)).toBe(566);
    expect(rtt.ptoUs()).toBe(566);
    expect(rtt.sampleCount).toBe(4);
  });

  it('uses the granularity when the variance is small', () => {
    const rtt = new RttEstimator({ granularityUs: 100 });
    for (let i = 0; i < 50; i++) rtt.onSample(i, 40, 0);
    expect(rtt.smoothedRttUs).toBe(40);
    expect(rtt.rttVarianceUs).toBeLessThan(25);
    expect(rtt.ptoUs(0)).toBe(140);
  });

  it('subtracts the ack delay only while the result stays at or above min_rtt', () => {
    const rtt = new RttEstimator({ maxAckDelayUs: 1_000 });
    rtt.onSample(0, 100, 0);
    rtt.onSample(1, 180, 80); // 180 ≥ 100 + 80 → adjusted 100
    expect(rtt.smoothedRttUs).toBe(100);
    rtt.onSample(2, 180, 81); // 180 < 100 + 81 → adjusted 180: (700 + 180)/8 = 110
    expect(rtt.smoothedRttUs).toBe(110);
  });

  it('stays within the range of the adjusted samples and close to the real-number RFC arithmetic', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 500 }),
        fc.array(sampleArb, { minLength: 1, maxLength: 100, size: 'max' }),
        (initialRttUs, maxAckDelayUs, samples) => {
          const rtt = new RttEstimator({ initialRttUs, maxAckDelayUs, granularityUs: 1 });
          const reference = new ReferenceRtt(initialRttUs, maxAckDelayUs);
          let adjustedMin = Number.POSITIVE_INFINITY;
          let adjustedMax = 0;
          let latestMin = Number.POSITIVE_INFINITY;
          let nowUs = 0;
          for (const { latest, ackDelay } of samples) {
            nowUs += 10;
            const accepted = rtt.onSample(nowUs, latest, ackDelay);
            const adjusted = reference.sample(latest, ackDelay);
            adjustedMin = Math.min(adjustedMin, adjusted);
            adjustedMax = Math.max(adjustedMax, adjusted);
            latestMin = Math.min(latestMin, latest);
            const smoothed = rtt.smoothedRttUs;
            const variation = rtt.rttVarianceUs;
            // Plain checks (not expect) inside the loop keep the property fast; the message names the rule.
            check(accepted, 'valid sample rejected');
            check(Number.isInteger(smoothed) && Number.isInteger(variation), 'estimates not integers');
            check(smoothed >= adjustedMin && smoothed <= adjustedMax, 'smoothed outside the adjusted samples');
            check(rtt.minRttUs === latestMin && rtt.latestRttUs === latest, 'min/latest wrong');
            check(variation >= 0, 'negative rttvar');
            // Unrounded inside: the getters are the reference rounded, with no accumulated error.
            check(Math.abs(smoothed - reference.smoothed) <= 0.5, 'smoothed differs from RFC arithmetic');
            check(Math.abs(variation - reference.variation) <= 0.5, 'rttvar differs from RFC arithmetic');
            check(
              rtt.ptoUs(maxAckDelayUs) ===
                Math.ceil(reference.smoothed + Math.max(4 * reference.variation, 1) + maxAckDelayUs),
              'pto differs from RFC formula',
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('converges to a constant RTT exactly (no rounding bias)', () => {
    const rtt = new RttEstimator({ initialRttUs: 1_000 });
    rtt.onSample(0, 5_000, 0);
    for (let i = 1; i <= 200; i++) rtt.onSample(i, 73, 0);
    expect(rtt.smoothedRttUs).toBe(73);
    expect(rtt.rttVarianceUs).toBe(0);
  });

  it('windowed min_rtt: a sample after the window replaces an old minimum', () => {
    const rtt = new RttEstimator({ minRttWindowUs: 1_000 });
    rtt.onSample(0, 100, 0);
    rtt.onSample(500, 200, 0);
    expect(rtt.minRttUs).toBe(100);
    rtt.onSample(1_000, 300, 0);
    expect(rtt.minRttUs).toBe(100);
    rtt.onSample(1_001, 300, 0);
    expect(rtt.minRttUs).toBe(300);
    rtt.onSample(1_500, 250, 0);
    expect(rtt.minRttUs).toBe(250);
    rtt.onSample(2_400, 400, 0);
    expect(rtt.minRttUs).toBe(250);
    // Without a window the all-time minimum stays.
    const plain = new RttEstimator();
    plain.onSample(0, 100, 0);
    plain.onSample(1e9, 300, 0);
    expect(plain.minRttUs).toBe(100);
  });

  it('resetMinRtt() takes the latest sample as min_rtt (after persistent congestion)', () => {
    const rtt = new RttEstimator();
    rtt.resetMinRtt(0);
    expect(rtt.hasSample).toBe(false);
    rtt.onSample(0, 100, 0);
    rtt.onSample(1, 400, 0);
    rtt.resetMinRtt(2);
    expect(rtt.minRttUs).toBe(400);
  });

  it('ignores invalid samples and can be reset', () => {
    const rtt = new RttEstimator({ initialRttUs: 2_000 });
    for (const bad of [-1, Number.NaN, 1.5, Number.POSITIVE_INFINITY]) expect(rtt.onSample(0, bad, 0)).toBe(false);
    expect(rtt.hasSample).toBe(false);
    expect(rtt.smoothedRttUs).toBe(2_000);
    rtt.onSample(0, 0, 0);
    expect(rtt.smoothedRttUs).toBe(0);
    rtt.onSample(1, 10, -5);
    expect(rtt.smoothedRttUs).toBe(1);
    rtt.reset();
    expect(rtt.hasSample).toBe(false);
    expect(rtt.sampleCount).toBe(0);
    expect([rtt.smoothedRttUs, rtt.rttVarianceUs, rtt.minRttUs]).toEqual([2_000, 1_000, 2_000]);
  });

  it('validates its options', () => {
    expect(() => new RttEstimator({ initialRttUs: -1 })).toThrow(InvalidArgumentError);
    expect(() => new RttEstimator({ maxAckDelayUs: 0.5 })).toThrow(InvalidArgumentError);
    expect(() => new RttEstimator({ granularityUs: Number.NaN })).toThrow(InvalidArgumentError);
    expect(() => new RttEstimator({ minRttWindowUs: -5 })).toThrow(InvalidArgumentError);
  });
});
