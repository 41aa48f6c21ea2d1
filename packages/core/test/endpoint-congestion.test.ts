/**
 * The Endpoint's sender with per-peer BBR congestion control (congestion-glue.ts) on the
 * TestNetwork: bulk transfers through a rate-limited bottleneck link with a shallow queue, with
 * and without the controller, an incast, random loss, the delivery-record pool bound, and
 * quiescence of the congestion state.
 */
import { describe, expect, it } from 'vitest';
import type { EndpointOptions } from '../src/endpoint/config.js';
import type { Endpoint } from '../src/endpoint/endpoint.js';
import { EventKind, EventView } from '../src/endpoint/events.js';
import { type LinkUpdate, TestNetwork } from '../src/testing/test-network.js';
import { connect, equalBytes, makeEndpoint, payloadOf, QUIESCENT_ZERO, quiescentState } from './endpoint-harness.js';

interface BulkRun {
  readonly completedUs: number;
  readonly delivered: number;
  readonly failed: number;
  readonly drops: number;
  readonly lossDrops: number;
  readonly senders: Endpoint[];
  readonly receiver: Endpoint;
  readonly net: TestNetwork;
}

/**
 * `senderCount` senders (endpoints 1…n) each send `transfers` BULK transfers of `size` bytes to
 * endpoint 0 over links `link`; returns when all are delivered and completed (or at `limitUs`).
 */
function runBulk(options: {
  readonly seed: number;
  readonly senderCount: number;
  readonly transfers: number;
  readonly size: number;
  readonly link: LinkUpdate;
  readonly endpoint: Partial<EndpointOptions>;
  readonly receiver?: Partial<EndpointOptions>;
  readonly limitUs?: number;
}): BulkRun {
  const receiver = makeEndpoint(options.seed * 31, { peersMax: 16, ...options.endpoint, ...options.receiver });
  const senders: Endpoint[] = [];
  for (let i = 1; i <= options.senderCount; i++) {
    const sender = makeEndpoint(options.seed * 31 + i, { peersMax: 16, ...options.endpoint });
    connect(receiver, 0, sender, i);
    senders.push(sender);
  }
  const net = new TestNetwork({
    endpoints: [receiver, ...senders],
    seed: options.seed,
    link: options.link,
    inFlightMax: 16384,
    transmitsPerInstantMax: 256,
  });
  const payloads: Uint8Array[] = [];
  for (let k = 0; k < options.transfers; k++) payloads.push(payloadOf(options.seed, k, options.size));
  for (const sender of senders) {
    for (let k = 0; k < options.transfers; k++) {
      expect(sender.submitBulk(0, payloads[k] as Uint8Array, 0, options.size, { metadata: k })).toBeGreaterThanOrEqual(
        0,
      );
    }
  }
  net.wake();
  const total = options.senderCount * options.transfers;
  const view = new EventView();
  let delivered = 0;
  let completed = 0;
  let failed = 0;
  let completedUs = -1;
  const limitUs = options.limitUs ?? 5_000_000;
  while (net.step() && net.nowUs < limitUs) {
    while (receiver.pollEvent(view)) {
      if (view.event !== EventKind.TransferReceived) continue;
      expect(
        equalBytes(view.payload, view.payloadOffset, view.payloadLength, payloads[view.metadata] as Uint8Array),
      ).toBe(true);
      delivered++;
    }
    for (const sender of senders) {
      while (sender.pollEvent(view)) {
        if (view.event === EventKind.Completed) completed++;
        else failed++;
      }
    }
    if (completedUs < 0 && delivered === total && completed === total) completedUs = net.nowUs;
  }
  const stats = net.stats();
  return {
    completedUs,
    delivered,
    failed,
    drops: stats.droppedQueue,
    lossDrops: stats.droppedLoss,
    senders,
    receiver,
    net,
  };
}

function expectQuiescent(run: BulkRun): void {
  run.net.runUntil(run.net.nowUs + 1_000_000);
  for (const e of [run.receiver, ...run.senders]) {
    expect(quiescentState(e)).toEqual(QUIESCENT_ZERO);
    expect(e.congestion.recordsInUse).toBe(0);
    for (let peer = 0; peer < e.peers.capacity; peer++) expect(e.congestion.bytesInFlight[peer]).toBe(0);
  }
}

const BOTTLENECK: LinkUpdate = { bytesPerSecond: 100e6, queueBytesMax: 48 * 1024, delayUs: 10 };

describe('Endpoint congestion control (BBR per peer)', () => {
  it('a bulk transfer through a bottleneck reaches ≥ 80 % of the link with few queue drops; without BBR drops are many', () => {
    const size = 2 << 20;
    const withCc = runBulk({
      seed: 1,
      senderCount: 1,
      transfers: 1,
      size,
      link: BOTTLENECK,
      endpoint: { congestionControl: true },
    });
    const without = runBulk({
      seed: 1,
      senderCount: 1,
      transfers: 1,
      size,
      link: BOTTLENECK,
      endpoint: { congestionControl: false },
    });
    expect(withCc.failed).toBe(0);
    expect(withCc.completedUs).toBeGreaterThan(0);
    const goodput = size / (withCc.completedUs / 1e6);
    expect(goodput).toBeGreaterThanOrEqual(0.8 * 100e6);
    expect(withCc.drops).toBeLessThan(without.drops);
    console.log(
      `bottleneck: goodput ${(goodput / 1e6).toFixed(1)} MB/s, drops BBR ${withCc.drops}, without ${without.drops}`,
    );
    expect(withCc.drops).toBeLessThanOrEqual(5);
    const sender = withCc.senders[0] as Endpoint;
    expect(sender.congestion.chunksAcked).toBeGreaterThan(1000); // acks, not timers, settle the records
    expect(sender.congestion.actionTotal(2) + sender.congestion.actionTotal(3)).toBeGreaterThan(0); // left STARTUP
    expectQuiescent(withCc);
    expectQuiescent(without);
  });

  it('incast: 8 senders → 1 receiver over shallow queues: everything completes, fewer drops than without BBR', () => {
    const incast = (congestionControl: boolean): BulkRun =>
      runBulk({
        seed: 2,
        senderCount: 8,
        transfers: 2,
        size: 200_000,
        link: { bytesPerSecond: 25e6, queueBytesMax: 16 * 1024, delayUs: 10 },
        endpoint: { congestionControl, transfersMax: 512 },
        receiver: { receiveRateBytesPerSecond: 100e6 },
      });
    const run = incast(true);
    const without = incast(false);
    console.log(
      `incast drops: BBR ${run.drops} at ${run.completedUs} µs, without ${without.drops} at ${without.completedUs} µs`,
    );
    expect(run.failed).toBe(0);
    expect(run.delivered).toBe(16);
    expect(run.completedUs).toBeGreaterThan(0);
    expect(run.drops).toBeLessThan(without.drops / 3);
    expectQuiescent(run);
  });

  it('1 % random loss: completes at good throughput', () => {
    const size = 1 << 20;
    const run = runBulk({
      seed: 3,
      senderCount: 1,
      transfers: 2,
      size,
      link: { ...BOTTLENECK, lossProbability: 0.01 },
      endpoint: { congestionControl: true },
    });
    expect(run.failed).toBe(0);
    expect(run.lossDrops).toBeGreaterThan(0);
    expect(run.completedUs).toBeGreaterThan(0);
    const goodput = (2 * size) / (run.completedUs / 1e6);
    expect(goodput).toBeGreaterThanOrEqual(0.5 * 100e6);
    expect((run.senders[0] as Endpoint).congestion.chunksLost).toBeGreaterThan(0);
    expectQuiescent(run);
  });

  it('the delivery-record pool bound: DATA waits for acks, never exceeds it, and completes', () => {
    const recordsMax = 6;
    const sender = makeEndpoint(41, { congestionControl: true, congestionRecordsMax: recordsMax });
    const receiver = makeEndpoint(42, { congestionControl: true });
    connect(receiver, 0, sender, 1);
    const net = new TestNetwork({ endpoints: [receiver, sender], seed: 4, link: { delayUs: 10 } });
    const payload = payloadOf(4, 0, 300_000);
    sender.submitBulk(0, payload, 0, payload.length);
    net.wake();
    const view = new EventView();
    let done = false;
    let peak = 0;
    while (net.step() && net.nowUs < 2_000_000 && !done) {
      peak = Math.max(peak, sender.congestion.recordsInUse);
      while (receiver.pollEvent(view)) {
        expect(equalBytes(view.payload, view.payloadOffset, view.payloadLength, payload)).toBe(true);
      }
      while (sender.pollEvent(view)) {
        expect(view.event).toBe(EventKind.Completed);
        done = true;
      }
    }
    expect(done).toBe(true);
    expect(peak).toBe(recordsMax);
    expect(sender.congestion.recordStalls).toBeGreaterThan(0);
    net.runUntil(net.nowUs + 1_000_000);
    expect(quiescentState(sender)).toEqual(QUIESCENT_ZERO);
    expect(sender.congestion.recordsInUse).toBe(0);
  });

  it('30 % random loss (not congestion): every transfer completes, the window and the bandwidth estimate hold', () => {
    const size = 1 << 20;
    const lossy = (congestionControl: boolean): BulkRun =>
      runBulk({
        seed: 4,
        senderCount: 1,
        transfers: 4,
        size,
        link: { ...BOTTLENECK, lossProbability: 0.3 },
        endpoint: { congestionControl, pullRetransmitsMax: 30, silentExpiriesMax: 30, tailProbesMax: 30 },
      });
    const run = lossy(true);
    const without = lossy(false);
    expect(run.failed).toBe(0);
    expect(run.delivered).toBe(4);
    expect(run.lossDrops).toBeGreaterThan(1000);
    const goodput = (4 * size) / (run.completedUs / 1e6);
    // Measured: 19.8 MB/s (loss recovery is receiver-driven: each gap waits for a re-pull); with
    // the flag off the same run delivers 3 of 4 within 5 s (queue drops on top of the loss).
    console.log(
      `30 % loss: goodput BBR ${(goodput / 1e6).toFixed(1)} MB/s; without: ${without.delivered} of 4 delivered`,
    );
    expect(goodput).toBeGreaterThanOrEqual(0.1 * 100e6);
    const sender = run.senders[0] as Endpoint;
    const cc = sender.congestion.controllers[0];
    expect(cc).toBeDefined();
    if (cc === undefined) return;
    // The path shows ~30 % loss outside probing (plus acknowledgements lost with their datagrams).
    expect(cc.lossBaseline).toBeGreaterThan(0.2);
    // Delivery-rate samples see the goodput the link offers (≤ 70 MB/s): the estimate stays near it
    // (measured 65 MB/s), it does not collapse with the loss.
    expect(cc.maxBandwidthBytesPerSec).toBeGreaterThan(0.5 * 100e6);
    expect(cc.maxBandwidthBytesPerSec).toBeLessThan(1.1 * 100e6);
    expect(cc.pacingRateBytesPerSec).toBeGreaterThan(0.5 * 100e6);
    expectQuiescent(run);
  });

  it('a receiver asking for a rate below the sender pacer burst is served paced, without re-pulls', () => {
    // 64 KiB pulls at 256 KiB/s: the sender sends a 16 KiB burst, then one datagram every ~5 ms.
    const run = runBulk({
      seed: 5,
      senderCount: 1,
      transfers: 1,
      size: 256 * 1024,
      link: {},
      endpoint: {},
      receiver: { receiveRateBytesPerSecond: 256 * 1024, pullBytes: 64 * 1024 },
      limitUs: 10_000_000,
    });
    expect(run.failed).toBe(0);
    expect(run.delivered).toBe(1);
    expect(run.completedUs).toBeGreaterThan(700_000);
    expect(run.receiver.counter('pullRetransmits')).toBe(0);
    expectQuiescent(run);
  });

  it('is off by default (256 KiB acknowledgements); on: one controller per peer, records, 4 KiB acknowledgements', () => {
    const off = makeEndpoint(6);
    expect(off.congestion.enabled).toBe(false);
    expect(off.congestion.controllers.length).toBe(0);
    expect(off.config.ackEveryBytes).toBe(256 * 1024);
    const on = makeEndpoint(5, { congestionControl: true });
    expect(on.congestion.enabled).toBe(true);
    expect(on.congestion.controllers.length).toBe(on.config.peersMax);
    expect(on.congestion.recordsMax).toBe(8192);
    expect(on.config.ackEveryBytes).toBe(4 * 1024);
  });
});
