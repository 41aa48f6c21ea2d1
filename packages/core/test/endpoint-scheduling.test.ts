import { describe, expect, it } from 'vitest';
import type { EndpointOptions } from '../src/endpoint/config.js';
import type { Endpoint } from '../src/endpoint/endpoint.js';
import { EventKind, EventView } from '../src/endpoint/events.js';
import { SenderState } from '../src/endpoint/transfer-table.js';
import { type LinkUpdate, TestNetwork } from '../src/testing/test-network.js';
import { StatusCode } from '../src/wire/constants.js';
import { connect, equalBytes, makeEndpoint, payloadOf, quiescentState } from './endpoint-harness.js';

interface BulkRun {
  readonly a: Endpoint;
  readonly b: Endpoint;
  readonly net: TestNetwork;
  /** Transfer indexes in the order the receiver delivered them. */
  readonly order: number[];
  /** The receiver's chunk bytes received when it delivered each transfer (by transfer index). */
  readonly receivedAtDelivery: number[];
  readonly corrupt: number;
  readonly completed: number;
  readonly maxActive: number;
  readonly maxNotifying: number;
}

/** Sends `sizes.length` BULK transfers from a to b (all submitted at once), with priorities. */
function runBulk(
  sizes: readonly number[],
  priorities: readonly number[],
  sender: Partial<EndpointOptions>,
  receiver: Partial<EndpointOptions>,
  link: LinkUpdate = {},
): BulkRun {
  const a = makeEndpoint(101, sender);
  const b = makeEndpoint(102, receiver);
  connect(a, 0, b, 1);
  const net = new TestNetwork({ endpoints: [a, b], seed: 5, link, inFlightMax: 8192 });
  for (let i = 0; i < sizes.length; i++) {
    const payload = payloadOf(9, i, sizes[i] as number);
    const h = a.submitBulk(1, payload, 0, payload.length, { metadata: i, priority: priorities[i] as number });
    expect(h).toBeGreaterThanOrEqual(0);
  }
  net.wake();
  const view = new EventView();
  const order: number[] = [];
  const receivedAtDelivery: number[] = [];
  let corrupt = 0;
  let completed = 0;
  let maxActive = 0;
  let maxNotifying = 0;
  while (net.step()) {
    maxActive = Math.max(maxActive, b.receiversActive);
    let notifying = 0;
    for (let s = 0; s < a.transfers.capacity; s++) if (a.transfers.state[s] === SenderState.Notifying) notifying++;
    maxNotifying = Math.max(maxNotifying, notifying);
    while (b.pollEvent(view)) {
      if (view.event !== EventKind.TransferReceived) continue;
      order.push(view.metadata);
      receivedAtDelivery[view.metadata] = b.counter('chunkBytesReceived');
      const expected = payloadOf(9, view.metadata, sizes[view.metadata] as number);
      if (!equalBytes(view.payload, view.payloadOffset, view.payloadLength, expected)) corrupt++;
    }
    while (a.pollEvent(view)) if (view.event === EventKind.Completed) completed++;
    if (net.nowUs > 100_000_000) break;
  }
  return { a, b, net, order, receivedAtDelivery, corrupt, completed, maxActive, maxNotifying };
}

describe('Endpoint receiver-side scheduling (milestone 2)', () => {
  it('pulls in priority order: priority 0 transfers finish before priority 7 ones', () => {
    const n = 24;
    const sizes = Array.from({ length: n }, () => 60_000);
    const priorities = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 7 : 0));
    const r = runBulk(sizes, priorities, {}, { pullBytes: 8192, receiveWindowBytes: 8192 });
    expect(r.corrupt).toBe(0);
    expect(r.order.length).toBe(n);
    const rank = (p: number) => {
      const ranks = r.order.map((i, k) => (priorities[i] === p ? k : -1)).filter((k) => k >= 0);
      return ranks.reduce((x, y) => x + y, 0) / ranks.length;
    };
    expect(rank(0)).toBeLessThan(rank(7));
    // The first finishers are all high priority.
    for (const i of r.order.slice(0, 6)) expect(priorities[i]).toBe(0);
  });

  it('within a priority, the transfer with the fewest bytes left is pulled first (SRPT)', () => {
    // Submitted largest first. Shared round-robin, the 200 KB one would finish after about 3 × 200 KB
    // had arrived; shortest-remaining-first finishes it after about 200 KB (plus the 1-in-16 age
    // share the others get).
    const sizes = [600_000, 200_000, 400_000];
    const r = runBulk(sizes, [3, 3, 3], {}, { pullBytes: 8192, receiveWindowBytes: 8192, unscheduledBytesMax: 0 });
    expect(r.corrupt).toBe(0);
    expect(r.order).toEqual([1, 2, 0]);
    const sealedOverhead = 1.01; // 16-byte tags per 64 KiB record
    expect(r.receivedAtDelivery[1]).toBeLessThan(200_000 * sealedOverhead + 0.1 * 400_000);
    expect(r.receivedAtDelivery[2]).toBeLessThan(600_000 * sealedOverhead + 0.1 * 600_000);
  });

  it('receiver rate: pulls are paced at the configured rate and the sender obeys the desired rate', () => {
    const rate = 4 * 1024 * 1024;
    const bytes = 1 << 20;
    const r = runBulk([bytes], [3], {}, { receiveRateBytesPerSecond: rate, pullBytes: 32768 });
    expect(r.order).toEqual([0]);
    // 1 MiB at 4 MiB/s takes at least ~250 ms (minus one burst).
    expect(r.net.nowUs).toBeGreaterThan(200_000);
    expect(r.b.counter('pacingStalls')).toBeGreaterThan(0);
  });

  it('a very slow receiver (a pull every 0.5 s) keeps the transfer alive through peer-health probes', () => {
    const r = runBulk([256 * 1024], [3], {}, { receiveRateBytesPerSecond: 64 * 1024, pullBytes: 32 * 1024 });
    expect(r.order).toEqual([0]);
    expect(r.completed).toBe(1);
    expect(r.net.nowUs).toBeGreaterThan(3_000_000);
    expect(r.a.counter('probesSent')).toBeGreaterThan(0);
  });

  it('sender rate cap paces DATA datagrams', () => {
    const r = runBulk([1 << 20], [3], { sendRateBytesPerSecond: 8 * 1024 * 1024 }, {});
    expect(r.order).toEqual([0]);
    expect(r.net.nowUs).toBeGreaterThan(100_000);
    expect(r.a.counter('pacingStalls')).toBeGreaterThan(0);
  });

  it('active receiver limit: extra transfers get ACCEPT QUEUED and run later', () => {
    const sizes = Array.from({ length: 10 }, (_, i) => 50_000 + i);
    const r = runBulk(
      sizes,
      sizes.map(() => 3),
      {},
      { receiversActiveMax: 2 },
    );
    expect(r.corrupt).toBe(0);
    expect(r.order.length).toBe(10);
    expect(r.completed).toBe(10);
    expect(r.maxActive).toBeLessThanOrEqual(2);
    expect(r.b.counter('acceptsQueued')).toBeGreaterThanOrEqual(8);
    expect(quiescentState(r.b).transfers).toBeGreaterThanOrEqual(0);
  });

  it('notify credit: at most notifyCreditInitial notifies are unanswered at once', () => {
    const sizes = Array.from({ length: 50 }, () => 100);
    const r = runBulk(
      sizes,
      sizes.map(() => 3),
      { notifyCreditInitial: 4 },
      {},
      { delayUs: 50 },
    );
    expect(r.order.length).toBe(50);
    expect(r.completed).toBe(50);
    expect(r.maxNotifying).toBeLessThanOrEqual(4);
    expect(r.a.counter('creditStalls')).toBeGreaterThan(0);
  });

  it('reassembly memory limit holds', () => {
    const sizes = Array.from({ length: 10 }, () => 120_000);
    const r = runBulk(
      sizes,
      sizes.map(() => 3),
      {},
      { reassemblyBytesMax: 300_000 },
    );
    expect(r.order.length).toBe(10);
    expect(r.corrupt).toBe(0);
    expect(r.b.reassemblyBytesPeak).toBeLessThanOrEqual(300_000);
    expect(r.b.reassemblyBytesPeak).toBeGreaterThan(120_000);
  });
});

describe('Endpoint BULK into an application destination', () => {
  it('offers, places the payload at the given offset, and refuses on cancel', () => {
    const a = makeEndpoint(201);
    const b = makeEndpoint(202, { applicationBulkDestination: true });
    connect(a, 0, b, 1);
    const net = new TestNetwork({ endpoints: [a, b], seed: 12, link: { lossProbability: 0.05 } });
    const first = payloadOf(12, 0, 300_000);
    const second = payloadOf(12, 1, 5_000);
    const hFirst = a.submitBulk(1, first, 0, first.length, { metadata: 1 });
    const hSecond = a.submitBulk(1, second, 0, second.length, { metadata: 2 });
    net.wake();
    const view = new EventView();
    let destination: Uint8Array | null = null;
    let delivered = false;
    const outcomes = new Map<number, number>();
    while (net.step()) {
      while (b.pollEvent(view)) {
        if (view.event === EventKind.BulkOffered) {
          if (view.metadata === 2) {
            expect(b.cancel(view.handle, StatusCode.Rejected)).toBe(true);
          } else {
            expect(view.payloadLength).toBe(first.length);
            const need = b.destinationBytesFor(view.handle);
            expect(need).toBeGreaterThanOrEqual(first.length);
            destination = new Uint8Array(100 + need + 50);
            expect(b.acceptBulk(view.handle, destination, 101 + need)).toBe(false);
            expect(b.acceptBulk(view.handle, destination, 100)).toBe(true);
          }
          net.wake();
        } else if (view.event === EventKind.TransferReceived) {
          expect(view.payload).toBe(destination);
          expect(view.payloadOffset).toBe(100);
          expect(equalBytes(view.payload, view.payloadOffset, view.payloadLength, first)).toBe(true);
          delivered = true;
        }
      }
      while (a.pollEvent(view)) outcomes.set(view.handle, view.event === EventKind.Completed ? 0 : view.status);
    }
    expect(delivered).toBe(true);
    expect(outcomes.get(hFirst)).toBe(0);
    expect(outcomes.get(hSecond)).toBe(StatusCode.Rejected);
    net.runUntil(net.nowUs + 1_000_000);
    expect(quiescentState(a).transfers).toBe(0);
    expect(quiescentState(b).transfers).toBe(0);
    expect(b.reassemblyBytesPeak).toBe(0);
  });
});

describe('Endpoint pull scheduling under a tight reassembly budget', () => {
  it('transfers holding reassembly memory keep being pulled while new ones wait for memory (no deadlock)', () => {
    // 12 × 100 KB into a 250 KB reassembly budget, 16 KB pulls: two transfers fit at once; a new
    // transfer at the head of the pull queue that cannot get memory must not stop the pulls of the
    // transfers that hold it (they are the ones that free it).
    const sizes = Array.from({ length: 12 }, () => 100_000);
    const priorities = sizes.map(() => 3);
    const r = runBulk(
      sizes,
      priorities,
      {},
      { pullBytes: 16 * 1024, receiveWindowBytes: 64 * 1024, reassemblyBytesMax: 250_000 },
    );
    expect(r.corrupt).toBe(0);
    expect(r.order.length).toBe(12);
    expect(r.completed).toBe(12);
    expect(r.b.reassemblyBytesPeak).toBeLessThanOrEqual(250_000);
    r.net.runUntil(r.net.nowUs + 1_000_000);
    expect(quiescentState(r.b).pullsQueued).toBe(0);
    expect(quiescentState(r.b).reassemblyBytes).toBe(0);
  });
});
