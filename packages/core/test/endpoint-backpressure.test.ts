/**
 * Send-side backpressure (backpressure.ts): the priority throttle (lower priorities refused first,
 * checked against a naive model of the reserve rule with fast-check), the WRITABLE readiness edge
 * (exactly once after a refusal, when capacity is back; a retry then succeeds) for every refusal
 * kind, and the inline switch (small payloads by reference under overload or a notify backlog).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LocalBufferRegistry } from '../src/endpoint/buffer-registry.js';
import { resolveEndpointConfig } from '../src/endpoint/config.js';
import { type Endpoint, SubmitError } from '../src/endpoint/endpoint.js';
import { EventKind, EventView } from '../src/endpoint/events.js';
import { InvalidArgumentError } from '../src/errors.js';
import { TestNetwork } from '../src/testing/test-network.js';
import { TransferKind } from '../src/wire/constants.js';
import { connect, equalBytes, makeEndpoint, payloadOf, QUIESCENT_ZERO, quiescentState } from './endpoint-harness.js';

/** Drains `e`'s events; returns how many WRITABLE events came and the other events' kinds. */
function drain(e: Endpoint, view = new EventView()): { writable: number; peers: number[]; others: number[] } {
  const out = { writable: 0, peers: [] as number[], others: [] as number[] };
  while (e.pollEvent(view)) {
    if (view.event === EventKind.Writable) {
      out.writable++;
      out.peers.push(view.peer);
    } else {
      out.others.push(view.event);
    }
  }
  return out;
}

describe('Endpoint backpressure: the priority throttle', () => {
  it('model: random submits (priorities 0 … 7), cancels and polls; WRITABLE once per refusal edge', () => {
    const capacity = 32;
    const op = fc.oneof(
      fc.record({ kind: fc.constant<'submit'>('submit'), priority: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant<'cancel'>('cancel'), pick: fc.nat() }),
      fc.record({ kind: fc.constant<'poll'>('poll') }),
    );
    fc.assert(
      fc.property(fc.double({ min: 0, max: 0.9, noNaN: true }), fc.array(op, { maxLength: 120 }), (share, ops) => {
        const a = makeEndpoint(1, { transfersMax: capacity, priorityReserveShare: share, eventsMax: 4096 });
        const b = makeEndpoint(2);
        connect(a, 0, b, 1);
        // The naive model: priority p may fill the table up to capacity − ⌊capacity × share × p / 7⌋.
        const limit = (p: number): number => capacity - Math.floor(capacity * ((share * p) / 7));
        const fits = (live: number, p: number): boolean => live === 0 || live + 1 <= limit(p);
        const live: number[] = [];
        let armed = false;
        let needPriority = 7;
        let writableModel = 0;
        let writableSeen = 0;
        for (const o of ops) {
          if (o.kind === 'submit') {
            const h = a.submitRequest(1, new Uint8Array(8), 0, 8, { priority: o.priority });
            if (fits(live.length, o.priority)) {
              expect(h).toBeGreaterThanOrEqual(0);
              live.push(h);
            } else {
              expect(h).toBe(SubmitError.WouldBlock);
              needPriority = armed ? Math.min(needPriority, o.priority) : o.priority;
              armed = true;
            }
          } else if (o.kind === 'cancel') {
            if (live.length === 0) continue;
            const [h] = live.splice(o.pick % live.length, 1);
            expect(a.cancel(h as number)).toBe(true);
          } else {
            if (armed && fits(live.length, needPriority)) {
              writableModel++;
              armed = false;
            }
            writableSeen += drain(a).writable;
            expect(writableSeen).toBe(writableModel);
          }
        }
        expect(a.transfersLive).toBe(live.length);
      }),
      { numRuns: 60 },
    );
  });

  it('a full table refuses priority 7 first, then 3, while priority 0 fills it', () => {
    const a = makeEndpoint(1, { transfersMax: 64 }); // default share 1/8: reserves 8 (p7), 3 (p3), 0 (p0)
    const b = makeEndpoint(2);
    connect(a, 0, b, 1);
    const p = new Uint8Array(8);
    let low = 0;
    while (a.submitRequest(1, p, 0, 8, { priority: 7 }) >= 0) low++;
    expect(low).toBe(56);
    let mid = 0;
    while (a.submitRequest(1, p, 0, 8, { priority: 3 }) >= 0) mid++;
    expect(mid).toBe(5);
    let high = 0;
    while (a.submitRequest(1, p, 0, 8, { priority: 0 }) >= 0) high++;
    expect(high).toBe(3);
    expect(a.transfersLive).toBe(64);
    expect(a.pressure.throttled).toBeGreaterThanOrEqual(2);
    // Responses are exempt: they answer requests already admitted.
    const r = makeEndpoint(5, { transfersMax: 16 });
    const q = makeEndpoint(6);
    connect(q, 0, r, 1);
    const net = new TestNetwork({ endpoints: [q, r], seed: 1 });
    q.submitRequest(1, p, 0, 8);
    net.wake();
    net.runUntilIdle(1_000_000);
    const view = new EventView();
    expect(r.pollEvent(view)).toBe(true);
    while (r.submitBulk(0, p, 0, 8, { priority: 7 }) >= 0);
    expect(r.transfersLive).toBe(14); // 16 − ⌊16 × 0.125⌋ for priority 7 (the request's record included)
    expect(r.respond(view.handle, p, 0, 8, { priority: 7 })).toBeGreaterThanOrEqual(0);
    // Broadcast: the whole fan-out must fit its priority's share.
    const c = makeEndpoint(3, { transfersMax: 64, peersMax: 4 });
    connect(c, 0, makeEndpoint(4), 1);
    const out = new Float64Array(60);
    expect(c.submitBulk(1, p, 0, 8, { priority: 0 })).toBeGreaterThanOrEqual(0);
    expect(c.submitBroadcast(new Array(60).fill(1), p, 0, 8, out, { priority: 7 })).toBe(SubmitError.WouldBlock);
    expect(c.submitBroadcast(new Array(60).fill(1), p, 0, 8, out, { priority: 0 })).toBe(60);
  });

  it("the buffer registry's budget: priority 7 gets BufferFull while priority 0 still seals", () => {
    const buffers = new LocalBufferRegistry({ capacity: 64, bytesMax: 1_000_000 });
    const a = makeEndpoint(1, { buffers, priorityReserveShare: 0.5 });
    const b = makeEndpoint(2);
    connect(a, 0, b, 1);
    const p = new Uint8Array(100_000);
    let low = 0;
    for (;;) {
      const h = a.submitBulk(1, p, 0, p.length, { priority: 7 });
      if (h < 0) {
        expect(h).toBe(SubmitError.BufferFull);
        break;
      }
      low++;
    }
    expect(low).toBe(4); // half the budget: 4 × 100 KiB sealed (+ tags) ≤ 500 kB < 5 ×
    let high = 0;
    while (a.submitBulk(1, p, 0, p.length, { priority: 0 }) >= 0) high++;
    expect(high).toBe(5);
    expect(buffers.bytesInUse).toBeLessThanOrEqual(1_000_000);
    // A payload above the registry's whole budget can never fit: TooLarge, not BufferFull.
    const big = new Uint8Array(1_100_000);
    expect(a.submitBulk(1, big, 0, big.length, { priority: 0 })).toBe(SubmitError.TooLarge);
  });

  it('options are validated', () => {
    const base = { provider: makeEndpoint(1).config.provider, buffers: new LocalBufferRegistry() };
    expect(() => resolveEndpointConfig({ ...base, priorityReserveShare: 0.95 })).toThrow(InvalidArgumentError);
    expect(() => resolveEndpointConfig({ ...base, priorityReserveShare: -0.1 })).toThrow(InvalidArgumentError);
    expect(() => resolveEndpointConfig({ ...base, inlineBacklogMax: 0 })).toThrow(InvalidArgumentError);
    expect(() => resolveEndpointConfig({ ...base, inlineOverloadHoldUs: -1 })).toThrow(InvalidArgumentError);
    const c = resolveEndpointConfig(base);
    expect([c.priorityReserveShare, c.inlineBacklogMax, c.inlineOverloadHoldUs, c.acceptor]).toEqual([
      0.125,
      1024,
      100_000,
      null,
    ]);
  });
});

describe('Endpoint backpressure: WRITABLE', () => {
  it('transfer table full: WouldBlock, then exactly one WRITABLE once transfers finish; the retry succeeds', () => {
    const a = makeEndpoint(1, { transfersMax: 8, priorityReserveShare: 0 });
    const b = makeEndpoint(2);
    connect(a, 0, b, 1);
    const net = new TestNetwork({ endpoints: [a, b], seed: 1 });
    const p = new Uint8Array(64);
    for (let i = 0; i < 8; i++) expect(a.submitBulk(1, p, 0, p.length)).toBeGreaterThanOrEqual(0);
    expect(a.submitBulk(1, p, 0, p.length)).toBe(SubmitError.WouldBlock);
    expect(a.submitRequest(1, p, 0, p.length, { priority: 1 })).toBe(SubmitError.WouldBlock);
    expect(drain(a).writable).toBe(0); // nothing has finished yet
    net.wake();
    let writable = 0;
    let completed = 0;
    let retried = false;
    const view = new EventView();
    while (net.step() && net.nowUs < 5_000_000) {
      drain(b, view);
      while (a.pollEvent(view)) {
        if (view.event === EventKind.Writable) {
          writable++;
          expect(view.peer).toBe(-1);
          expect(a.submitBulk(1, p, 0, p.length)).toBeGreaterThanOrEqual(0);
          retried = true;
          net.wake();
        } else if (view.event === EventKind.Completed) {
          completed++;
        }
      }
    }
    expect(retried).toBe(true);
    expect(writable).toBe(1);
    expect(completed).toBe(9);
    expect(a.pressure.writableEvents).toBe(1);
    net.runUntil(net.nowUs + 1_000_000);
    drain(b);
    expect(drain(a).writable).toBe(0);
    expect(quiescentState(a)).toEqual(QUIESCENT_ZERO);
    expect(quiescentState(b)).toEqual(QUIESCENT_ZERO);
  });

  it('registry full: BufferFull, then one WRITABLE once a buffer is released', () => {
    const buffers = new LocalBufferRegistry({ capacity: 2, bytesMax: 1 << 30 });
    const a = makeEndpoint(1, { buffers, priorityReserveShare: 0 });
    const b = makeEndpoint(2);
    connect(a, 0, b, 1);
    const net = new TestNetwork({ endpoints: [a, b], seed: 2 });
    const p = payloadOf(2, 0, 50_000);
    expect(a.submitBulk(1, p, 0, p.length)).toBeGreaterThanOrEqual(0);
    expect(a.submitBulk(1, p, 0, p.length)).toBeGreaterThanOrEqual(0);
    expect(a.submitBulk(1, p, 0, p.length)).toBe(SubmitError.BufferFull);
    // An inline payload needs no buffer: still accepted.
    expect(a.submitBulk(1, p, 0, 100)).toBeGreaterThanOrEqual(0);
    expect(drain(a).writable).toBe(0);
    net.wake();
    let writable = 0;
    let completed = 0;
    const view = new EventView();
    while (net.step() && net.nowUs < 5_000_000) {
      drain(b, view);
      while (a.pollEvent(view)) {
        if (view.event === EventKind.Writable) {
          writable++;
          expect(a.submitBulk(1, p, 0, p.length)).toBeGreaterThanOrEqual(0);
          net.wake();
        } else if (view.event === EventKind.Completed) {
          completed++;
        }
      }
    }
    expect(writable).toBe(1);
    expect(completed).toBe(4);
    net.runUntil(net.nowUs + 1_000_000);
    drain(b);
    expect(quiescentState(a)).toEqual(QUIESCENT_ZERO);
    expect(quiescentState(b)).toEqual(QUIESCENT_ZERO);
  });

  it('unpolled events at eventsMax: WouldBlock, WRITABLE after the application polls', () => {
    const a = makeEndpoint(1, { eventsMax: 2 });
    const b = makeEndpoint(2);
    connect(a, 0, b, 1);
    const net = new TestNetwork({ endpoints: [a, b], seed: 3 });
    for (let i = 0; i < 3; i++) expect(a.submitBulk(1, new Uint8Array(10), 0, 10)).toBeGreaterThanOrEqual(0);
    net.wake();
    net.runUntilIdle(1_000_000);
    expect(a.events.size).toBe(3); // terminal events always fit
    expect(a.submitBulk(1, new Uint8Array(10), 0, 10)).toBe(SubmitError.WouldBlock);
    const d = drain(a);
    expect(d.others).toEqual([EventKind.Completed, EventKind.Completed, EventKind.Completed]);
    expect(d.writable).toBe(1);
    expect(a.submitBulk(1, new Uint8Array(10), 0, 10)).toBeGreaterThanOrEqual(0);
    net.wake();
    net.runUntil(net.nowUs + 1_000_000);
    expect(drain(a)).toEqual({ writable: 0, peers: [], others: [EventKind.Completed] });
    drain(b);
    expect(quiescentState(a)).toEqual(QUIESCENT_ZERO);
  });

  it("per-peer blocks name the peer: the peer's stream share and a stream's queue depth", () => {
    const a = makeEndpoint(1, { streamsPerPeerMax: 1, streamQueueDepthMax: 2 });
    const b = makeEndpoint(2);
    connect(a, 0, b, 1);
    const net = new TestNetwork({ endpoints: [a, b], seed: 4 });
    const s = a.openStream(1);
    expect(s).toBeGreaterThanOrEqual(0);
    expect(a.openStream(1)).toBe(SubmitError.WouldBlock);
    const item = new Uint8Array(20_000);
    expect(a.submitStreamItem(s, item, 0, item.length)).toBeGreaterThanOrEqual(0);
    expect(a.submitStreamItem(s, item, 0, item.length)).toBeGreaterThanOrEqual(0);
    expect(a.submitStreamItem(s, item, 0, item.length)).toBe(SubmitError.WouldBlock);
    expect(drain(a).writable).toBe(0);
    net.wake();
    const view = new EventView();
    const peers: number[] = [];
    let sent = 2;
    let closed = false;
    while (net.step() && net.nowUs < 5_000_000) {
      while (b.pollEvent(view)) {
        if (view.event === EventKind.StreamEnded) {
          b.closeStream(view.handle);
          net.wake();
        }
      }
      while (a.pollEvent(view)) {
        if (view.event === EventKind.Writable) {
          peers.push(view.peer);
          if (sent < 3) {
            expect(a.submitStreamItem(s, item, 0, item.length, { endOfStream: true })).toBeGreaterThanOrEqual(0);
            sent++;
          } else {
            expect(a.openStream(1)).toBeGreaterThanOrEqual(0);
          }
          net.wake();
        }
        if (view.event === EventKind.StreamClosed) {
          closed = true;
          // The stream record waits out its time-wait before the peer's share has room again.
          expect(a.openStream(1)).toBe(SubmitError.WouldBlock);
        }
      }
    }
    expect(closed).toBe(true);
    expect(peers).toEqual([1, 1]);
  });
});

describe('Endpoint backpressure: inline payloads switched off under overload', () => {
  it('after ACCEPT REJECTED(OVERLOADED) small payloads go by reference; the receiver pulls them intact', () => {
    const a = makeEndpoint(1);
    const b = makeEndpoint(2, { transfersMax: 16, receiversMax: 2 });
    connect(a, 0, b, 1);
    const net = new TestNetwork({ endpoints: [a, b], seed: 5 });
    const payloads = Array.from({ length: 4 }, (_, i) => payloadOf(5, i, 300));
    for (const p of payloads) a.submitRequest(1, p, 0, p.length, { attemptsMax: 20, metadata: 1 });
    net.wake();
    net.runUntil(2_000); // two requests held by b (not answered yet), two refused OVERLOADED
    expect(b.counter('notifiesRejected')).toBeGreaterThan(0);
    expect(a.config.buffers.liveCount).toBe(0);
    const late = payloadOf(5, 9, 300);
    expect(a.submitRequest(1, late, 0, late.length, { attemptsMax: 20, metadata: 2 })).toBeGreaterThanOrEqual(0);
    expect(a.config.buffers.liveCount).toBe(1); // sealed: it goes by reference
    expect(a.pressure.inlineSuppressed).toBe(1);
    const view = new EventView();
    let intact = 0;
    let answered = 0;
    while (net.step() && net.nowUs < 10_000_000) {
      while (b.pollEvent(view)) {
        if (view.event !== EventKind.RequestReceived) continue;
        if (view.metadata === 2 && equalBytes(view.payload, view.payloadOffset, view.payloadLength, late)) intact++;
        b.respond(view.handle, new Uint8Array(1), 0, 1);
        net.wake();
      }
      while (a.pollEvent(view)) {
        expect(view.event).toBe(EventKind.ResponseReceived);
        answered++;
      }
    }
    expect(intact).toBe(1);
    expect(answered).toBe(5);
    // Once the hold passed, small payloads go inline again.
    net.runUntil(net.nowUs + 200_000);
    expect(a.submitBulk(1, late, 0, late.length)).toBeGreaterThanOrEqual(0);
    expect(a.config.buffers.liveCount).toBe(0);
  });

  it('a notify backlog at inlineBacklogMax sends further small payloads by reference', () => {
    const a = makeEndpoint(1, { inlineBacklogMax: 4, notifyCreditInitial: 2 });
    const b = makeEndpoint(2);
    connect(a, 0, b, 1);
    const net = new TestNetwork({ endpoints: [a, b], seed: 6 });
    const payloads = Array.from({ length: 10 }, (_, i) => payloadOf(6, i, 200 + i));
    for (let i = 0; i < 10; i++) a.submitBulk(1, payloads[i] as Uint8Array, 0, 200 + i, { metadata: i + 1 });
    expect(a.config.buffers.liveCount).toBe(6);
    expect(a.pressure.inlineSuppressed).toBe(6);
    net.wake();
    const view = new EventView();
    const got = new Set<number>();
    let completed = 0;
    while (net.step() && net.nowUs < 5_000_000) {
      while (b.pollEvent(view)) {
        expect(view.event).toBe(EventKind.TransferReceived);
        expect(view.kind).toBe(TransferKind.Bulk);
        const i = view.metadata - 1;
        expect(equalBytes(view.payload, view.payloadOffset, view.payloadLength, payloads[i] as Uint8Array)).toBe(true);
        got.add(i);
      }
      while (a.pollEvent(view)) if (view.event === EventKind.Completed) completed++;
    }
    expect(got.size).toBe(10);
    expect(completed).toBe(10);
    // By reference: pulled, or (once the backlog is gone) taken unscheduled (protocol.md#unscheduled).
    expect(b.counter('pullsSent') + b.counter('unscheduledTaken')).toBeGreaterThanOrEqual(6);
    net.runUntil(net.nowUs + 1_000_000);
    expect(quiescentState(a)).toEqual(QUIESCENT_ZERO);
    expect(quiescentState(b)).toEqual(QUIESCENT_ZERO);
  });
});
