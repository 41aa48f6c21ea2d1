import { describe, expect, it } from 'vitest';
import { QUIESCENT_ZERO, quiescentState, runRpcs } from './endpoint-harness.js';

describe('Endpoint unary RPC (milestone 1)', () => {
  it('one small RPC end to end (inline both ways)', () => {
    const r = runRpcs({ seed: 1, count: 1, requestSize: () => 64, responseSize: () => 64 });
    expect(r.completed).toBe(1);
    expect(r.failed).toBe(0);
    expect(r.corrupt).toBe(0);
    expect(r.idle).toBe(true);
    expect(quiescentState(r.a)).toEqual(QUIESCENT_ZERO);
    expect(quiescentState(r.b)).toEqual(QUIESCENT_ZERO);
  });

  it('one buffer-backed RPC (request and response sealed, pulled, verified)', () => {
    const r = runRpcs({ seed: 2, count: 1, requestSize: () => 300_000, responseSize: () => 200_001 });
    expect(r.completed).toBe(1);
    expect(r.corrupt).toBe(0);
    expect(r.a.counter('pullsSent')).toBeGreaterThan(0);
    expect(r.b.counter('pullsSent')).toBeGreaterThan(0);
    expect(quiescentState(r.a)).toEqual(QUIESCENT_ZERO);
    expect(quiescentState(r.b)).toEqual(QUIESCENT_ZERO);
  });

  it('zero-length and boundary sizes', () => {
    const sizes = [0, 1, 1023, 1024, 1025, 1400, 65535, 65536, 65537, 131072 + 5];
    const r = runRpcs({
      seed: 3,
      count: sizes.length,
      requestSize: (i) => sizes[i] as number,
      responseSize: (i) => sizes[sizes.length - 1 - i] as number,
    });
    expect(r.completed).toBe(sizes.length);
    expect(r.corrupt).toBe(0);
    expect(quiescentState(r.a)).toEqual(QUIESCENT_ZERO);
    expect(quiescentState(r.b)).toEqual(QUIESCENT_ZERO);
  });

  it('100 concurrent RPCs batch many notify entries per datagram', () => {
    const r = runRpcs({ seed: 4, count: 100, requestSize: () => 64, responseSize: () => 64 });
    expect(r.completed).toBe(100);
    expect(r.duplicateRequests).toBe(0);
    // 100 notifies went out in far fewer than 100 control datagrams.
    expect(r.a.counter('notifyEntriesSent')).toBe(100);
    expect(r.a.counter('controlDatagramsSent')).toBeLessThan(30);
    expect(quiescentState(r.a)).toEqual(QUIESCENT_ZERO);
    expect(quiescentState(r.b)).toEqual(QUIESCENT_ZERO);
  });
});

/** Log-uniform sizes in [0, maxBytes] from a seeded LCG (deterministic per (seed, i)). */
function sizeOf(seed: number, i: number, maxBytes: number): number {
  let x = (seed * 747796405 + i * 2891336453 + 12345) >>> 0;
  x = (Math.imul(x ^ (x >>> 16), 0x45d9f3b) ^ (x >>> 13)) >>> 0;
  const u = x / 2 ** 32;
  if (u < 0.05) return 0;
  return Math.min(maxBytes, Math.floor(Math.exp(u * Math.log(maxBytes + 1))) - 1);
}

describe('Endpoint unary RPC under faults', () => {
  for (const loss of [0, 0.01, 0.1, 0.3]) {
    it(`100 RPCs, random sizes up to 1 MiB, loss ${loss * 100}%`, () => {
      const seed = 10 + Math.round(loss * 100);
      const r = runRpcs({
        seed,
        count: 100,
        requestSize: (i) => sizeOf(seed, i, 1 << 20),
        responseSize: (i) => sizeOf(seed + 1, i, 1 << 20),
        link: { lossProbability: loss },
        endpoint: { notifyRetransmitsMax: 30, pullRetransmitsMax: 30, silentExpiriesMax: 30, tailProbesMax: 30 },
      });
      expect(r.corrupt).toBe(0);
      expect(r.duplicateRequests).toBe(0);
      expect(r.duplicateResponses).toBe(0);
      expect(r.completed + r.failed).toBe(100);
      expect(r.completed).toBe(100);
      expect(r.idle).toBe(true);
      expect(quiescentState(r.a)).toEqual(QUIESCENT_ZERO);
      expect(quiescentState(r.b)).toEqual(QUIESCENT_ZERO);
      if (loss > 0) {
        expect(r.net.stats().droppedLoss).toBeGreaterThan(0);
        const retransmits =
          r.a.counter('notifyRetransmits') +
          r.b.counter('notifyRetransmits') +
          r.a.counter('pullRetransmits') +
          r.b.counter('pullRetransmits');
        expect(retransmits).toBeGreaterThan(0);
      }
    });
  }

  it('1,000 concurrent RPCs with reordering, duplication and 5% loss', () => {
    const seed = 77;
    const r = runRpcs({
      seed,
      count: 1000,
      requestSize: (i) => (i % 10 === 0 ? sizeOf(seed, i, 200_000) : sizeOf(seed, i, 2000)),
      responseSize: (i) => (i % 10 === 5 ? sizeOf(seed + 1, i, 200_000) : sizeOf(seed + 1, i, 2000)),
      link: {
        lossProbability: 0.05,
        reorderProbability: 0.2,
        reorderDelayUs: 40,
        duplicateProbability: 0.1,
        jitter: 'uniform',
        jitterUs: 20,
      },
      endpoint: { notifyRetransmitsMax: 30, pullRetransmitsMax: 30, silentExpiriesMax: 30, tailProbesMax: 30 },
    });
    const stats = r.net.stats();
    expect(stats.duplicated).toBeGreaterThan(0);
    expect(stats.reordered).toBeGreaterThan(0);
    expect(r.corrupt).toBe(0);
    expect(r.duplicateRequests).toBe(0);
    expect(r.duplicateResponses).toBe(0);
    expect(r.requestsDelivered).toBe(1000);
    expect(r.completed).toBe(1000);
    expect(quiescentState(r.a)).toEqual(QUIESCENT_ZERO);
    expect(quiescentState(r.b)).toEqual(QUIESCENT_ZERO);
  });

  it('is deterministic: same seed, same trace hash', () => {
    const run = () =>
      runRpcs({
        seed: 5,
        count: 50,
        requestSize: (i) => sizeOf(5, i, 100_000),
        responseSize: (i) => sizeOf(6, i, 100_000),
        link: { lossProbability: 0.1, reorderProbability: 0.1, duplicateProbability: 0.05 },
        endpoint: { notifyRetransmitsMax: 30, pullRetransmitsMax: 30, silentExpiriesMax: 30, tailProbesMax: 30 },
      });
    const first = run();
    const second = run();
    expect(first.completed).toBe(50);
    expect(second.traceHash).toBe(first.traceHash);
    expect(second.endUs).toBe(first.endUs);
  });
});
