/**
 * Property test of the engine against the reference model of a unary RPC service: for random
 * workloads (count, sizes) and random network faults (loss, reordering, duplication, jitter,
 * corruption), every request is delivered to the responder at most once and byte-exact, every
 * request ends exactly once — with its byte-exact response, or (only when faults are heavy) with
 * a typed failure — and at quiescence every table, timer and buffer is empty.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LocalStatus } from '../src/endpoint/endpoint.js';
import { StatusCode } from '../src/wire/constants.js';
import { quiescentState, runRpcs } from './endpoint-harness.js';

const LONG = process.env.DCQ_LONG_TESTS !== undefined;

const scenario = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  count: fc.integer({ min: 1, max: LONG ? 300 : 60 }),
  maxSize: fc.constantFrom(0, 64, 1024, 1025, 20_000, 300_000, ...(LONG ? [1 << 20] : [])),
  loss: fc.constantFrom(0, 0.01, 0.1, 0.3),
  reorder: fc.constantFrom(0, 0.1, 0.5),
  duplicate: fc.constantFrom(0, 0.05),
  corrupt: fc.constantFrom(0, 0.01),
  jitterUs: fc.integer({ min: 0, max: 200 }),
});

describe('Endpoint against the RPC reference model', () => {
  it(
    'random workloads and faults',
    () => {
      fc.assert(
        fc.property(scenario, (s) => {
          const size = (salt: number) => (i: number) => {
            const x = Math.imul(i + 1, 2654435761) ^ Math.imul(s.seed + salt, 40503);
            return s.maxSize === 0 ? 0 : (x >>> 0) % (s.maxSize + 1);
          };
          const r = runRpcs({
            seed: s.seed,
            count: s.count,
            requestSize: size(1),
            responseSize: size(2),
            link: {
              lossProbability: s.loss,
              reorderProbability: s.reorder,
              duplicateProbability: s.duplicate,
              corruptProbability: s.corrupt,
              jitter: s.jitterUs > 0 ? 'uniform' : 'none',
              jitterUs: s.jitterUs,
            },
            endpoint: {
              notifyRetransmitsMax: 40,
              pullRetransmitsMax: 40,
              silentExpiriesMax: 40,
              tailProbesMax: 40,
              integrityFailuresMax: 1000,
            },
          });
          expect(r.corrupt).toBe(0);
          expect(r.duplicateRequests).toBe(0);
          expect(r.duplicateResponses).toBe(0);
          expect(r.completed + r.failed).toBe(s.count);
          for (const status of r.failedStatuses)
            expect([StatusCode.Timeout, LocalStatus.PeerUnreachable]).toContain(status);
          if (s.loss <= 0.1) expect(r.failed).toBe(0);
          expect(r.idle).toBe(true);
          expect(quiescentState(r.a).transfers).toBe(0);
          expect(quiescentState(r.b).transfers).toBe(0);
          expect(r.a.config.buffers.liveCount + r.b.config.buffers.liveCount).toBe(0);
          expect(r.a.timersActive + r.b.timersActive).toBe(0);
          expect(quiescentState(r.a).creditDrift).toBe(0);
          expect(quiescentState(r.b).creditDrift).toBe(0);
        }),
        { numRuns: LONG ? 40 : 12, seed: 20261123 },
      );
    },
    LONG ? 1_800_000 : 60_000,
  );
});
