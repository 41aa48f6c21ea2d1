import { describe, expect, it } from 'vitest';
import { LocalStatus, SubmitError } from '../src/endpoint/endpoint.js';
import { EventKind, EventView } from '../src/endpoint/events.js';
import { TestNetwork } from '../src/testing/test-network.js';
import { StatusCode } from '../src/wire/constants.js';
import { connect, equalBytes, makeEndpoint, payloadOf, QUIESCENT_ZERO, quiescentState } from './endpoint-harness.js';

function pair(seed: number) {
  const a = makeEndpoint(seed * 2 + 1, { notifyRetransmitsMax: 3 });
  const b = makeEndpoint(seed * 2 + 2, { notifyRetransmitsMax: 3 });
  connect(a, 0, b, 1);
  const net = new TestNetwork({ endpoints: [a, b], seed });
  return { a, b, net };
}

describe('Endpoint cancellation (milestone 3, partial)', () => {
  for (const size of [64, 200_000]) {
    it(`requester cancels a delivered ${size} B request before its response`, () => {
      const { a, b, net } = pair(1);
      const payload = payloadOf(1, 0, size);
      const h = a.submitRequest(1, payload, 0, size);
      net.wake();
      const view = new EventView();
      let requestHandle = -1;
      while (requestHandle < 0 && net.step()) {
        while (b.pollEvent(view)) if (view.event === EventKind.RequestReceived) requestHandle = view.handle;
      }
      expect(requestHandle).toBeGreaterThanOrEqual(0);
      expect(a.cancel(h)).toBe(true);
      expect(a.cancel(h)).toBe(false);
      net.wake();
      net.runUntilIdle(10_000_000);
      expect(a.pollEvent(view)).toBe(true);
      expect(view.event).toBe(EventKind.Failed);
      expect(view.status).toBe(StatusCode.Cancelled);
      expect(view.handle).toBe(h);
      expect(a.pollEvent(view)).toBe(false);
      // The responder learns that the request it holds was cancelled and can no longer answer it.
      expect(b.pollEvent(view)).toBe(true);
      expect(view.event).toBe(EventKind.Failed);
      expect(view.handle).toBe(requestHandle);
      expect(b.respond(requestHandle, payload, 0, 10)).toBe(SubmitError.BadHandle);
      net.runUntilIdle(10_000_000);
      expect(quiescentState(a)).toEqual(QUIESCENT_ZERO);
      expect(quiescentState(b)).toEqual(QUIESCENT_ZERO);
    });
  }

  it('responder refuses a request with APPLICATION_ERROR', () => {
    const { a, b, net } = pair(2);
    const h = a.submitRequest(1, new Uint8Array(10), 0, 10);
    net.wake();
    const view = new EventView();
    let failed = false;
    while (net.step()) {
      while (b.pollEvent(view)) {
        if (view.event === EventKind.RequestReceived) {
          expect(b.cancel(view.handle, StatusCode.ApplicationError)).toBe(true);
          net.wake();
        }
      }
      while (a.pollEvent(view)) {
        expect(view.event).toBe(EventKind.Failed);
        expect(view.status).toBe(StatusCode.ApplicationError);
        expect(view.handle).toBe(h);
        failed = true;
      }
    }
    expect(failed).toBe(true);
    expect(quiescentState(a)).toEqual(QUIESCENT_ZERO);
    expect(quiescentState(b)).toEqual(QUIESCENT_ZERO);
  });

  it('sender cancels a bulk transfer in flight: both sides release everything', () => {
    const { a, b, net } = pair(3);
    const payload = payloadOf(3, 0, 2 << 20);
    const h = a.submitBulk(1, payload, 0, payload.length);
    net.wake();
    while (b.counter('chunkBytesReceived') < 300_000 && net.step()) {
      /* run until the transfer is well under way */
    }
    expect(b.counter('chunkBytesReceived')).toBeGreaterThan(0);
    expect(a.cancel(h)).toBe(true);
    net.wake();
    net.runUntilIdle(10_000_000);
    const view = new EventView();
    expect(a.pollEvent(view)).toBe(true);
    expect(view.status).toBe(StatusCode.Cancelled);
    expect(b.pollEvent(view)).toBe(false);
    expect(quiescentState(a)).toEqual(QUIESCENT_ZERO);
    expect(quiescentState(b)).toEqual(QUIESCENT_ZERO);
  });
});

describe('Endpoint broadcast', () => {
  it('one sealed buffer to three peers; a dead peer fails alone', () => {
    const endpoints = [0, 1, 2, 3].map((i) => makeEndpoint(50 + i, { notifyRetransmitsMax: 3 }));
    const [root] = endpoints;
    if (root === undefined) throw new Error('no root');
    for (let i = 1; i < 4; i++) connect(root, 0, endpoints[i] as (typeof endpoints)[number], i);
    const net = new TestNetwork({ endpoints, seed: 8 });
    net.partition(0, 3);
    const payload = payloadOf(8, 0, 300_000);
    const handles = new Float64Array(3);
    expect(root.submitBroadcast([1, 2, 3], payload, 0, payload.length, handles)).toBe(3);
    expect(root.config.buffers.liveCount).toBe(1);
    net.wake();
    net.runUntilIdle(60_000_000);
    const view = new EventView();
    const outcome = new Map<number, number>();
    while (root.pollEvent(view)) outcome.set(view.handle, view.event === EventKind.Completed ? 0 : view.status);
    expect(outcome.get(handles[0] as number)).toBe(0);
    expect(outcome.get(handles[1] as number)).toBe(0);
    // The dead peer: peer health probes it and declares it FAILED (or a phase timer runs out first).
    expect([StatusCode.Timeout, LocalStatus.PeerUnreachable]).toContain(outcome.get(handles[2] as number));
    for (const i of [1, 2]) {
      const e = endpoints[i] as (typeof endpoints)[number];
      expect(e.pollEvent(view)).toBe(true);
      expect(view.event).toBe(EventKind.TransferReceived);
      expect(equalBytes(view.payload, view.payloadOffset, view.payloadLength, payload)).toBe(true);
    }
    expect(quiescentState(root)).toEqual(QUIESCENT_ZERO);
  });
});
