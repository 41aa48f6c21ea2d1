/**
 * The sender-driven baseline on SimNetwork: byte-exact messages and RPCs, many concurrent
 * transfers, recovery from random loss by timeout retransmission, dependencies, limits, state
 * returning to zero, and determinism.
 */
import { describe, expect, it } from 'vitest';
import {
  BASELINE_STATUS_DEPENDENCY_FAILED,
  BASELINE_STATUS_OK,
  BASELINE_STATUS_TIMEOUT,
  BASELINE_SUBMIT_BACKPRESSURE,
  SenderDrivenTransport,
} from '../src/index.js';
import { SimTransferRequest } from '../src/scenario/transport.js';
import { type BaselineRun, type PlannedTransfer, runBaseline, totalStat } from './baseline-fixture.js';

function expectAllOk(run: BaselineRun, transfers: readonly PlannedTransfer[]): void {
  expect(run.status.size).toBe(transfers.length);
  for (const t of transfers) expect(run.status.get(t.tag), `tag ${t.tag}`).toBe(BASELINE_STATUS_OK);
  for (const t of transfers) {
    expect(run.deliveries.get(`req:${t.tag}`), `request ${t.tag}`).toBe(1);
    if ((t.responseSizeBytes ?? 0) > 0) expect(run.deliveries.get(`rsp:${t.tag}`), `response ${t.tag}`).toBe(1);
  }
  expect(run.badDeliveries).toBe(0);
}

function expectQuiescent(run: BaselineRun): void {
  expect(run.state).toEqual({ transfers: 0, buffers: 0, timers: 0, heldBytes: 0 });
}

describe('SenderDrivenTransport basics', () => {
  it('delivers one message and one RPC byte-exact, then holds no state', () => {
    const transfers: PlannedTransfer[] = [
      { from: 0, to: 1, tag: 1, sizeBytes: 100_000 },
      { from: 1, to: 0, tag: 2, sizeBytes: 3000, responseSizeBytes: 150_001 },
    ];
    const run = runBaseline({ seed: 1, hostCount: 2, transfers });
    expectAllOk(run, transfers);
    expectQuiescent(run);
    expect(totalStat(run, 'dataRetransmitted')).toBe(0);
    // 100 000 B in 1400 B chunks, 3000 B in 3 chunks, 150 001 B in 108 chunks.
    expect(totalStat(run, 'dataSent')).toBe(72 + 3 + 108);
    expect(totalStat(run, 'acksSent')).toBe(72 + 3 + 108);
  });

  it('handles empty messages and empty requests', () => {
    const transfers: PlannedTransfer[] = [
      { from: 0, to: 1, tag: 10, sizeBytes: 0 },
      { from: 0, to: 1, tag: 11, sizeBytes: 0, responseSizeBytes: 1 },
      { from: 1, to: 0, tag: 12, sizeBytes: 1400 },
      { from: 1, to: 0, tag: 13, sizeBytes: 1401 },
    ];
    const run = runBaseline({ seed: 2, hostCount: 2, transfers });
    expectAllOk(run, transfers);
    expectQuiescent(run);
  });

  it('completes 1000 concurrent messages and RPCs between two hosts', () => {
    const transfers: PlannedTransfer[] = [];
    for (let i = 0; i < 1000; i++) {
      const rpc = i % 4 === 0;
      transfers.push({
        from: i % 2,
        to: 1 - (i % 2),
        tag: 1000 + i,
        sizeBytes: 1 + ((i * 7919) % 20_000),
        ...(rpc ? { responseSizeBytes: 1 + ((i * 104_729) % 10_000) } : {}),
        priority: i % 8,
      });
    }
    const run = runBaseline({ seed: 3, hostCount: 2, transfers, transport: { transfersMax: 2048 } });
    expectAllOk(run, transfers);
    expectQuiescent(run);
  });

  for (const loss of [0.01, 0.1]) {
    it(`recovers from ${loss * 100}% loss on every link, byte-exact, counting retransmissions`, () => {
      const transfers: PlannedTransfer[] = [];
      for (let i = 0; i < 60; i++) {
        transfers.push({
          from: i % 3,
          to: (i + 1) % 3,
          tag: 5000 + i,
          sizeBytes: 1 + ((i * 7919) % 60_000),
          ...(i % 3 === 0 ? { responseSizeBytes: 1 + ((i * 104_729) % 30_000) } : {}),
        });
      }
      const run = runBaseline({
        seed: 4,
        hostCount: 3,
        transfers,
        linkFaults: { lossProbability: loss },
        transport: { attemptsMax: 20 },
      });
      expectAllOk(run, transfers);
      expectQuiescent(run);
      const retransmitted = totalStat(run, 'dataRetransmitted');
      expect(retransmitted).toBeGreaterThan(0);
      expect(totalStat(run, 'rtoFired')).toBeGreaterThan(0);
      let reported = 0;
      for (const r of run.retransmissions.values()) reported += r;
      expect(reported).toBeGreaterThan(0);
      expect(reported).toBeLessThanOrEqual(retransmitted); // responses' retransmissions are the server's
      expect(run.net.stats().links.droppedLoss).toBeGreaterThan(0);
    });
  }

  it('is deterministic: same seed, same trace hash; another seed, another hash', () => {
    const transfers: PlannedTransfer[] = [];
    for (let i = 0; i < 40; i++) {
      transfers.push({ from: i % 4, to: (i + 1 + (i % 3)) % 4, tag: i, sizeBytes: 5000 + i * 977 });
    }
    const options = { hostCount: 4, transfers, linkFaults: { lossProbability: 0.05 } };
    const a = runBaseline({ seed: 9, ...options });
    const b = runBaseline({ seed: 9, ...options });
    const c = runBaseline({ seed: 10, ...options });
    expect(a.net.traceHash()).toBe(b.net.traceHash());
    expect(a.finishNs).toBe(b.finishNs);
    expect(c.net.traceHash()).not.toBe(a.net.traceHash());
  });
});

describe('SenderDrivenTransport failures, dependencies and limits', () => {
  it('times out after attemptsMax retransmission timeouts and cascades to dependants', () => {
    const transfers: PlannedTransfer[] = [
      { from: 0, to: 1, tag: 1, sizeBytes: 10_000 },
      { from: 0, to: 1, tag: 2, sizeBytes: 10_000, dependsOnTag: 1, dependencyCascades: true },
      { from: 0, to: 1, tag: 3, sizeBytes: 10_000, dependsOnTag: 2, dependencyCascades: true },
      { from: 0, to: 1, tag: 4, sizeBytes: 10_000, dependsOnTag: 1, dependencyCascades: false },
    ];
    const run = runBaseline({
      seed: 5,
      hostCount: 2,
      transfers,
      linkFaults: { lossProbability: 1 },
      transport: { attemptsMax: 3, rtoMaxUs: 10_000 },
      limitNs: 1_000_000_000,
    });
    expect(run.status.get(1)).toBe(BASELINE_STATUS_TIMEOUT);
    expect(run.status.get(2)).toBe(BASELINE_STATUS_DEPENDENCY_FAILED);
    expect(run.status.get(3)).toBe(BASELINE_STATUS_DEPENDENCY_FAILED);
    expect(run.status.get(4)).toBe(BASELINE_STATUS_TIMEOUT); // non-cascading: it ran, and failed itself
    expect(totalStat(run, 'transfersTimedOut')).toBe(2);
    // 1 + 3 timeouts per transfer that ran (the 4th one fails it), each resending the 8-chunk window.
    expect(run.retransmissions.get(1)).toBe(3 * 8);
    expect(run.deliveries.size).toBe(0);
    expectQuiescent(run);
  });

  it('starts a dependant only after its dependency completed', () => {
    const transfers: PlannedTransfer[] = [
      { from: 0, to: 1, tag: 1, sizeBytes: 200_000 },
      { from: 0, to: 1, tag: 2, sizeBytes: 1000, dependsOnTag: 1, dependencyCascades: true },
      { from: 0, to: 1, tag: 3, sizeBytes: 1000, dependsOnTag: 99, dependencyCascades: true }, // unknown: runs
      { from: 0, to: 1, tag: 4, sizeBytes: 1000, dependsOnTag: 1, dependencyCascades: false },
      { from: 0, to: 1, tag: 5, sizeBytes: 1000, dependsOnTag: 1, dependencyCascades: false },
    ];
    const run = runBaseline({ seed: 6, hostCount: 2, transfers, stepNs: 1000 });
    expectAllOk(run, transfers);
    expectQuiescent(run);
    // The 1000 B message would finish long before the 200 KB one if it did not wait.
    const order = [...run.status.keys()];
    expect(order.indexOf(2)).toBeGreaterThan(order.indexOf(1));
    expect(order.indexOf(3)).toBeLessThan(order.indexOf(1));
    expect(order.slice(-3)).toEqual([2, 4, 5]); // dependants start in submission order
  });

  it('applies backpressure at its slot and send-buffer limits and rejects bad requests', () => {
    const t = new SenderDrivenTransport({ peersMax: 2, transfersMax: 2, sendBytesMax: 64 * 1024 });
    const request = new SimTransferRequest();
    request.peer = 1;
    request.sizeBytes = 100;
    request.tag = 1;
    expect(t.submit(0, request)).toBe(0);
    request.tag = 2;
    request.sizeBytes = 60 * 1024; // the 4 KiB buffer of tag 1 + 64 KiB > 64 KiB
    expect(t.submit(0, request)).toBe(BASELINE_SUBMIT_BACKPRESSURE);
    request.sizeBytes = 100;
    expect(t.submit(0, request)).toBe(0);
    request.tag = 3;
    expect(t.submit(0, request)).toBe(BASELINE_SUBMIT_BACKPRESSURE); // both slots taken
    request.tag = 1;
    expect(() => t.submit(0, request)).toThrow(/already in flight/);
    request.tag = 9;
    request.sizeBytes = 64 * 1024 + 1;
    expect(() => t.submit(0, request)).toThrow(/never fit/);
    request.sizeBytes = 100;
    request.peer = 2;
    expect(() => t.submit(0, request)).toThrow(/peer/);
    request.peer = 1;
    request.priority = 8;
    expect(() => t.submit(0, request)).toThrow(/priority/);
  });

  it('never throws on garbage datagrams and counts them', () => {
    const t = new SenderDrivenTransport({ peersMax: 2 });
    const bytes = new Uint8Array(64);
    let seed = 12345;
    for (let i = 0; i < 2000; i++) {
      for (let k = 0; k < bytes.length; k++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        bytes[k] = seed >>> 24;
      }
      bytes[0] = (i % 3) + 1;
      t.handleDatagram(i, bytes, 0, (i * 7) % 65, i % 3);
    }
    expect(t.stats.malformed).toBeGreaterThan(0);
  });

  it('drops beyond its reassembly budget and still completes through retransmission', () => {
    const transfers: PlannedTransfer[] = [];
    for (let i = 0; i < 16; i++) transfers.push({ from: 0, to: 1, tag: 100 + i, sizeBytes: 100_000 });
    // 128 KiB buffers per message, a 512 KiB budget: at most 4 reassemble at once.
    const run = runBaseline({ seed: 7, hostCount: 2, transfers, transport: { reassemblyBytesMax: 512 * 1024 } });
    expectAllOk(run, transfers);
    expectQuiescent(run);
    expect(totalStat(run, 'dataDroppedReassemblyFull')).toBeGreaterThan(0);
    expect(totalStat(run, 'dataRetransmitted')).toBeGreaterThan(0);
  });
});
