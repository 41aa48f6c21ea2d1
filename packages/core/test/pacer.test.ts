import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, Pacer } from '../src/index.js';

const BURST = 65_536;

/** A step of a random send pattern: advance time, maybe change the rate, try to send. */
interface Step {
  readonly advanceUs: number;
  readonly rate: number | null;
  readonly bytes: number;
}

const rateArb = fc.oneof(
  fc.integer({ min: 1, max: 1_000 }),
  fc.integer({ min: 1_000, max: 10_000_000 }),
  fc.integer({ min: 10_000_000, max: 50_000_000_000 }),
);

const greedyRateArb = fc.oneof(
  fc.integer({ min: 1, max: 1_000 }),
  fc.integer({ min: 1_000, max: 10_000_000 }),
  fc.integer({ min: 10_000_000, max: 14_000_000_000 }),
);

const stepArb: fc.Arbitrary<Step> = fc.record({
  advanceUs: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 200_000 })),
  rate: fc.option(rateArb, { freq: 8 }),
  bytes: fc.oneof(fc.integer({ min: 1, max: 1_500 }), fc.integer({ min: 1, max: BURST })),
});

describe('Pacer', () => {
  it('never lets any window send more than rate x time + one burst (random patterns and rate changes)', () => {
    fc.assert(
      fc.property(rateArb, fc.array(stepArb, { minLength: 1, maxLength: 400, size: 'max' }), (initialRate, steps) => {
        const pacer = new Pacer({ burstBytesMax: BURST, bytesPerSecond: initialRate, nowUs: 0 });
        let nowUs = 0;
        let rate = initialRate;
        // Exact (BigInt) micro-byte totals since time 0: allowance accrued, bytes sent.
        let allowance = 0n;
        let sentTotal = 0n;
        // Window [send i, send j] sent S_j − S_(i−1) and accrued A_j − A_i; the bound is
        // (S_j − A_j) − (S_(i−1) − A_i) ≤ burst for all i ≤ j, checked in one pass with the
        // running minimum of S_(i−1) − A_i.
        let minBefore: bigint | null = null;
        let worstExcess: bigint | null = null;
        for (const step of steps) {
          allowance += BigInt(rate) * BigInt(step.advanceUs);
          nowUs += step.advanceUs;
          if (step.rate !== null) {
            pacer.setRate(nowUs, step.rate);
            rate = step.rate;
          }
          if (pacer.canSend(nowUs, step.bytes)) {
            pacer.onSend(nowUs, step.bytes);
            const before = sentTotal - allowance;
            if (minBefore === null || before < minBefore) minBefore = before;
            sentTotal += BigInt(step.bytes) * 1_000_000n;
            const excess = sentTotal - allowance - minBefore;
            if (worstExcess === null || excess > worstExcess) worstExcess = excess;
          }
        }
        if (worstExcess !== null) expect(worstExcess <= BigInt(BURST) * 1_000_000n).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('lets a greedy sender send within one packet of burst + rate x time, without drift (random rates)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_500 }),
        // Rates up to 14 GB/s: a greedy sender only keeps up when one µs of credit plus one packet
        // fits in the bucket (see the module comment of pacer.ts).
        fc.array(fc.record({ rate: greedyRateArb, durationUs: fc.integer({ min: 0, max: 5_000_000 }) }), {
          minLength: 1,
          maxLength: 8,
        }),
        (packetBytes, phases) => {
          const burst = 16_384;
          const pacer = new Pacer({ burstBytesMax: burst, bytesPerSecond: 1, nowUs: 0 });
          let nowUs = 0;
          let allowance = 0n;
          let sent = 0n;
          let violations = 0;
          for (const phase of phases) {
            pacer.setRate(nowUs, phase.rate);
            // Keep each phase to about 1,000 sends so the test stays fast at any rate.
            const durationUs = Math.min(phase.durationUs, Math.floor((1_000 * packetBytes * 1e6) / phase.rate));
            const phaseEndUs = nowUs + durationUs;
            for (;;) {
              const next = pacer.nextSendTimeUs(nowUs, packetBytes);
              if (next < nowUs) violations++;
              if (next > phaseEndUs) break;
              // Probing advances the pacer's clock, so only probe times the sender reaches anyway.
              if (next > nowUs && pacer.canSend(next - 1, packetBytes)) violations++;
              nowUs = next;
              if (!pacer.canSend(nowUs, packetBytes)) violations++;
              pacer.onSend(nowUs, packetBytes);
              sent += BigInt(packetBytes);
            }
            nowUs = phaseEndUs;
            allowance += BigInt(phase.rate) * BigInt(durationUs);
          }
          expect(violations).toBe(0);
          const sentMicro = sent * 1_000_000n;
          const budgetMicro = allowance + BigInt(burst) * 1_000_000n;
          // The bucket starts full and a greedy sender never lets it overflow, so exactly
          // budget − sent is left, and that is less than one packet (or it would have sent it).
          expect(sentMicro <= budgetMicro).toBe(true);
          expect(sentMicro + BigInt(packetBytes) * 1_000_000n > budgetMicro).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('stays exact over a long run (100 simulated seconds at an odd rate)', () => {
    const rate = 12_345_679;
    const packet = 1_500;
    const pacer = new Pacer({ burstBytesMax: BURST, bytesPerSecond: rate, nowUs: 0 });
    const endUs = 100_000_000;
    let nowUs = 0;
    let sent = 0;
    for (;;) {
      const next = pacer.nextSendTimeUs(nowUs, packet);
      if (next > endUs) break;
      nowUs = next;
      pacer.onSend(nowUs, packet);
      sent += packet;
    }
    // Greedy: sent = the largest multiple of the packet size that fits in burst + rate × T.
    const budget = BURST + (rate * endUs) / 1_000_000;
    expect(sent).toBe(Math.floor(budget / packet) * packet);
  });

  it('starts with a full bucket and caps credit at one burst after idling', () => {
    const pacer = new Pacer({ burstBytesMax: 10_000, bytesPerSecond: 1_000_000, nowUs: 5 });
    expect(pacer.creditBytes(5)).toBe(10_000);
    pacer.onSend(5, 10_000);
    expect(pacer.creditBytes(5)).toBe(0);
    expect(pacer.canSend(5, 1)).toBe(false);
    expect(pacer.nextSendTimeUs(5, 1)).toBe(6);
    expect(pacer.creditBytes(1_005)).toBe(1_000);
    expect(pacer.creditBytes(1_000_000_000)).toBe(10_000);
    expect(pacer.canSend(1_000_000_000, 10_000)).toBe(true);
    pacer.onSend(1_000_000_000, 10_000);
    expect(pacer.canSend(1_000_000_000, 1)).toBe(false);
  });

  it('computes the exact next send time, also for fractional per-µs rates', () => {
    const pacer = new Pacer({ burstBytesMax: 1_000, bytesPerSecond: 3, nowUs: 0 });
    pacer.onSend(0, 1_000);
    // 3 bytes/s: one byte takes 333,333.33… µs, so it may go at 333,334 µs, not before.
    expect(pacer.nextSendTimeUs(0, 1)).toBe(333_334);
    expect(pacer.canSend(333_333, 1)).toBe(false);
    expect(pacer.canSend(333_334, 1)).toBe(true);
    expect(pacer.nextSendTimeUs(333_334, 1)).toBe(333_334);
  });

  it('keeps credit earned at the old rate when the rate changes', () => {
    const pacer = new Pacer({ burstBytesMax: 100_000, bytesPerSecond: 1_000_000, nowUs: 0 });
    pacer.onSend(0, 100_000);
    pacer.setRate(10_000, 1);
    expect(pacer.creditBytes(10_000)).toBe(10_000);
    pacer.setRate(10_000, 2_000_000);
    expect(pacer.creditBytes(15_000)).toBe(20_000);
    expect(pacer.bytesPerSecond).toBe(2_000_000);
  });

  it('rate 0 pauses accrual: existing credit can be spent, then the next send time is Infinity', () => {
    const pacer = new Pacer({ burstBytesMax: 3_000, bytesPerSecond: 0, nowUs: 0 });
    expect(pacer.canSend(0, 3_000)).toBe(true);
    pacer.onSend(0, 2_000);
    expect(pacer.nextSendTimeUs(10, 1_000)).toBe(10);
    pacer.onSend(10, 1_000);
    expect(pacer.canSend(1e12, 1)).toBe(false);
    expect(pacer.nextSendTimeUs(1e12, 1)).toBe(Number.POSITIVE_INFINITY);
    pacer.setRate(1e12, 1_000_000);
    expect(pacer.nextSendTimeUs(1e12, 1)).toBe(1e12 + 1);
  });

  it('rate Infinity disables pacing; going back to a finite rate starts with a full bucket', () => {
    const pacer = new Pacer({ burstBytesMax: 1_000 });
    expect(pacer.bytesPerSecond).toBe(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 100; i++) {
      expect(pacer.canSend(0, 1_000_000)).toBe(true);
      pacer.onSend(0, 1_000_000);
    }
    expect(pacer.nextSendTimeUs(7, 1_000_000)).toBe(7);
    expect(pacer.creditBytes(7)).toBe(Number.POSITIVE_INFINITY);
    pacer.setRate(7, 1_000);
    expect(pacer.creditBytes(7)).toBe(1_000);
    expect(pacer.canSend(7, 1_000)).toBe(true);
  });

  it('allows a send above one burst once the bucket is full, then waits for the debt', () => {
    const pacer = new Pacer({ burstBytesMax: 1_000, bytesPerSecond: 1_000_000, nowUs: 0 });
    expect(pacer.canSend(0, 5_000)).toBe(true);
    pacer.onSend(0, 5_000);
    expect(pacer.creditBytes(0)).toBe(-4_000);
    // Repay 4,000 bytes of debt, then earn the one byte: 4,001 µs at 1 byte/µs.
    expect(pacer.nextSendTimeUs(0, 1)).toBe(4_001);
    expect(pacer.canSend(4_000, 1)).toBe(false);
    expect(pacer.canSend(4_001, 1)).toBe(true);
    expect(pacer.nextSendTimeUs(4_001, 5_000)).toBe(5_000);
  });

  it('treats time going backwards as no time passing', () => {
    const pacer = new Pacer({ burstBytesMax: 1_000, bytesPerSecond: 1_000_000, nowUs: 1_000 });
    pacer.onSend(1_000, 1_000);
    expect(pacer.creditBytes(500)).toBe(0);
    expect(pacer.nextSendTimeUs(500, 10)).toBe(1_010);
    expect(pacer.creditBytes(1_010)).toBe(10);
  });

  it('rounds rates to whole bytes/s and validates its options', () => {
    const pacer = new Pacer({ burstBytesMax: 1, bytesPerSecond: 0.2 });
    expect(pacer.bytesPerSecond).toBe(1);
    pacer.setRate(0, 2.5);
    expect(pacer.bytesPerSecond).toBe(3);
    expect(() => pacer.setRate(0, -1)).toThrow(InvalidArgumentError);
    expect(() => pacer.setRate(0, Number.NaN)).toThrow(InvalidArgumentError);
    expect(() => pacer.setRate(0, 2 ** 49)).toThrow(InvalidArgumentError);
    expect(() => new Pacer({ burstBytesMax: 0 })).toThrow(InvalidArgumentError);
    expect(() => new Pacer({ burstBytesMax: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => new Pacer({ burstBytesMax: 2 ** 32 + 1 })).toThrow(InvalidArgumentError);
  });
});
