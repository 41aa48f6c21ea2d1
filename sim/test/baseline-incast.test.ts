/**
 * Why the baseline exists: under incast, every sender bursts its window into one switch port at
 * once, the shallow buffer overflows, and only timeouts repair the loss — everything completes, but
 * with many drops and retransmissions and a goodput well below 1. Plus a randomized check that any
 * mix of transfers, loss and dependencies ends with one outcome per transfer, exact deliveries for
 * the completed ones, and no state left.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BASELINE_STATUS_DEPENDENCY_FAILED, BASELINE_STATUS_OK } from '../src/index.js';
import { type PlannedTransfer, runBaseline, totalStat } from './baseline-fixture.js';

describe('SenderDrivenTransport under incast', () => {
  it('completes 32 × 256 KiB into one receiver through shallow buffers, with many drops and low goodput', () => {
    const senders = 32;
    const transfers: PlannedTransfer[] = [];
    for (let i = 0; i < senders; i++) transfers.push({ from: i + 1, to: 0, tag: 1 + i, sizeBytes: 256 * 1024 });
    const run = runBaseline({
      seed: 11,
      hostCount: senders + 1,
      rateBitsPerSecond: 100e9,
      switchBufferBytes: 128 * 1024,
      transfers,
      transport: { attemptsMax: 16 },
    });
    expect(run.status.size).toBe(senders);
    for (const t of transfers) expect(run.status.get(t.tag)).toBe(BASELINE_STATUS_OK);
    for (const t of transfers) expect(run.deliveries.get(`req:${t.tag}`)).toBe(1);
    expect(run.badDeliveries).toBe(0);
    expect(run.state).toEqual({ transfers: 0, buffers: 0, timers: 0, heldBytes: 0 });
    const downlink = run.net.linkStats(run.net.nicDownlink(0, 0));
    expect(downlink.droppedQueue).toBeGreaterThan(100);
    expect(totalStat(run, 'dataRetransmitted')).toBeGreaterThan(100);
    const goodput = run.deliveredBytes / run.wireBytes;
    expect(goodput).toBeLessThan(0.6); // measured ≈ 0.41 (vs ≈ 0.89 without collisions, below)
    // 8 MiB through a 100 Gb/s port needs ≈ 0.7 ms; timeouts stretch it far beyond.
    expect(run.finishNs).toBeGreaterThan(2_000_000);
  });

  it('has goodput near the header overhead when the same bytes do not collide', () => {
    const transfers: PlannedTransfer[] = [{ from: 1, to: 0, tag: 1, sizeBytes: 32 * 256 * 1024 }];
    const run = runBaseline({ seed: 11, hostCount: 2, switchBufferBytes: 128 * 1024, transfers });
    expect(run.status.get(1)).toBe(BASELINE_STATUS_OK);
    expect(run.net.linkStats(run.net.nicDownlink(0, 0)).droppedQueue).toBe(0);
    // Per 1400 B chunk: 28 B header + 66 B IP/UDP/framing, and an 82 B ack on the wire back: 1400 / 1576.
    expect(run.deliveredBytes / run.wireBytes).toBeCloseTo(1400 / 1576, 2);
  });
});

describe('SenderDrivenTransport randomized runs', () => {
  it('gives every transfer one outcome, delivers completed ones exactly once, and leaks nothing', () => {
    const transferArb = fc.record({
      from: fc.integer({ min: 0, max: 3 }),
      hop: fc.integer({ min: 1, max: 3 }),
      sizeBytes: fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 150_000 })),
      responseSizeBytes: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 80_000 })),
      priority: fc.integer({ min: 0, max: 7 }),
      dependsBack: fc.integer({ min: 0, max: 4 }),
      dependencyCascades: fc.boolean(),
    });
    const limitHits = ['dataDroppedNoInbound', 'dataDroppedReassemblyFull', 'dataDroppedResponseBlocked'] as const;
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(
        fc.array(transferArb, { minLength: 1, maxLength: 40 }),
        fc.constantFrom(0, 0.02, 0.2, 1),
        fc.integer({ min: 0, max: 1000 }),
        fc.boolean(),
        (specs, loss, seed, tight) => {
          const transfers: PlannedTransfer[] = specs.map((s, i) => {
            // A dependency on an earlier transfer of the same host, when there is one.
            let dependsOnTag = -1;
            if (s.dependsBack > 0) {
              for (let j = i - 1, seen = 0; j >= 0; j--) {
                if (specs[j]?.from === s.from && ++seen === s.dependsBack) {
                  dependsOnTag = j + 1;
                  break;
                }
              }
            }
            return {
              from: s.from,
              to: (s.from + s.hop) % 4,
              tag: i + 1,
              sizeBytes: s.sizeBytes,
              responseSizeBytes: s.responseSizeBytes,
              priority: s.priority,
              dependsOnTag,
              dependencyCascades: s.dependencyCascades,
            };
          });
          const run = runBaseline({
            seed,
            hostCount: 4,
            rateBitsPerSecond: 25e9,
            transfers,
            linkFaults: { lossProbability: loss },
            transport: {
              attemptsMax: loss === 1 ? 2 : 30,
              rtoMaxUs: 20_000,
              responseTimeoutUs: 2_000_000,
              // Tight limits exercise backpressure, blocked responses, reassembly drops and ack drops.
              ...(tight
                ? {
                    transfersMax: 3,
                    responsesMax: 1,
                    inboundMax: 3,
                    ackQueueMax: 4,
                    reassemblyBytesMax: 256 * 1024,
                    sendBytesMax: 256 * 1024,
                    responseBytesMax: 128 * 1024,
                  }
                : {}),
            },
            limitNs: 60_000_000_000,
          });
          // Reference model: a transfer that completed was delivered once (and its response once);
          // a cascading dependant of a failed transfer failed without sending anything.
          expect(run.status.size).toBe(transfers.length);
          expect(run.badDeliveries).toBe(0);
          for (const t of transfers) {
            const status = run.status.get(t.tag);
            if (status === BASELINE_STATUS_OK) {
              expect(run.deliveries.get(`req:${t.tag}`)).toBe(1);
              if ((t.responseSizeBytes ?? 0) > 0) expect(run.deliveries.get(`rsp:${t.tag}`)).toBe(1);
            } else {
              expect(run.deliveries.get(`rsp:${t.tag}`) ?? 0).toBe(0);
              expect(run.deliveries.get(`req:${t.tag}`) ?? 0).toBeLessThanOrEqual(1);
            }
            if (t.dependsOnTag !== undefined && t.dependsOnTag >= 0 && t.dependencyCascades) {
              if (run.status.get(t.dependsOnTag) !== BASELINE_STATUS_OK) {
                expect(status).toBe(BASELINE_STATUS_DEPENDENCY_FAILED);
                expect(run.deliveries.get(`req:${t.tag}`) ?? 0).toBe(0);
              }
            }
            if (loss === 0 && status !== BASELINE_STATUS_DEPENDENCY_FAILED) expect(status).toBe(BASELINE_STATUS_OK);
          }
          expect(run.state).toEqual({ transfers: 0, buffers: 0, timers: 0, heldBytes: 0 });
          for (const field of limitHits) seen.set(field, (seen.get(field) ?? 0) + totalStat(run, field));
        },
      ),
      { numRuns: 40, seed: 20261123 },
    );
    // The limits were actually reached somewhere in these runs.
    for (const field of limitHits) expect(seen.get(field), field).toBeGreaterThan(0);
  });
});
