/**
 * Per-transfer deadlines (SubmitOptions.deadlineUs): a transfer still live at its deadline FAILS
 * with TIMEOUT in whatever state it is in (queued for credit, notifying a silent peer, serving pulls
 * over a slow link), the receiver is released by the FLOW_RESET, and a transfer that finishes first
 * is unaffected (its deadline entry is cancelled).
 */
import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../src/endpoint/endpoint.js';
import { EventKind, EventView } from '../src/endpoint/events.js';
import { TestNetwork } from '../src/testing/test-network.js';
import { StatusCode } from '../src/wire/constants.js';
import { connect, makeEndpoint, QUIESCENT_ZERO, quiescentState } from './endpoint-harness.js';

describe('Endpoint per-transfer deadlines', () => {
  it('a bulk transfer over a slow link fails TIMEOUT at its deadline; both sides are released', () => {
    const a = makeEndpoint(1);
    const b = makeEndpoint(2);
    connect(a, 0, b, 1);
    // 1 MB/s: 500 kB take ~0.5 s; the deadline is 50 ms.
    const net = new TestNetwork({ endpoints: [a, b], seed: 5, link: { bytesPerSecond: 1e6, delayUs: 10 } });
    const handle = a.submitBulk(1, new Uint8Array(500_000), 0, 500_000, { deadlineUs: 50_000 });
    const quick = a.submitBulk(1, new Uint8Array(100), 0, 100, { deadlineUs: 40_000 });
    expect(handle).toBeGreaterThanOrEqual(0);
    net.wake();
    const view = new EventView();
    const outcomes = new Map<number, [number, number, number]>();
    while (net.step() && net.nowUs < 2_000_000) {
      while (a.pollEvent(view)) outcomes.set(view.handle, [view.event, view.status, net.nowUs]);
      while (b.pollEvent(view)) expect(view.payloadLength).not.toBe(500_000);
    }
    const [event, status, atUs] = outcomes.get(handle) ?? [-1, -1, -1];
    expect([event, status]).toEqual([EventKind.Failed, StatusCode.Timeout]);
    expect(atUs).toBeGreaterThanOrEqual(50_000);
    expect(atUs).toBeLessThan(51_000);
    // The small one finished before its deadline: COMPLETED, no TIMEOUT later.
    expect(outcomes.get(quick)?.[0]).toBe(EventKind.Completed);
    net.runUntil(net.nowUs + 1_000_000);
    expect(quiescentState(a)).toEqual(QUIESCENT_ZERO);
    expect(quiescentState(b)).toEqual(QUIESCENT_ZERO);
  });

  it('a notify to a partitioned peer fails TIMEOUT at the deadline, not after its retransmissions', () => {
    const a = makeEndpoint(3);
    const b = makeEndpoint(4);
    connect(a, 0, b, 1);
    const net = new TestNetwork({ endpoints: [a, b], seed: 6 });
    net.partition(0, 1);
    const handle = a.submitRequest(1, new Uint8Array(10), 0, 10, { deadlineUs: 2_000 });
    net.wake();
    const view = new EventView();
    let got: [number, number, number] | undefined;
    while (net.step() && net.nowUs < 1_000_000 && got === undefined) {
      while (a.pollEvent(view)) got = [view.handle, view.status, net.nowUs];
    }
    expect(got?.[0]).toBe(handle);
    expect(got?.[1]).toBe(StatusCode.Timeout);
    expect(got?.[2]).toBe(2_000);
    expect(() => a.submitBulk(1, new Uint8Array(10), 0, 10, { deadlineUs: Number.NaN })).toThrow();
    net.healAll();
    net.runUntil(net.nowUs + 1_000_000);
    expect(quiescentState(a)).toEqual(QUIESCENT_ZERO);
    expect(quiescentState(b)).toEqual(QUIESCENT_ZERO);
  });

  it('every copy of a broadcast has the deadline: 8 peers, 3 partitioned — 5 complete, 3 fail TIMEOUT at it', () => {
    const endpoints = [];
    // The root's table is exactly the broadcast: 8 phase timers and 8 deadlines must fit the wheel.
    for (let i = 0; i <= 8; i++) endpoints.push(makeEndpoint(20 + i, { peersMax: 9, transfersMax: i === 0 ? 8 : 64 }));
    const root = endpoints[0] as Endpoint;
    for (let i = 1; i <= 8; i++) connect(root, 0, endpoints[i] as Endpoint, i);
    const net = new TestNetwork({ endpoints, seed: 7, link: { delayUs: 20 } });
    const partitioned = [2, 5, 8]; // not the first copy: it always had its deadline
    for (const p of partitioned) net.partition(0, p);
    const payload = new Uint8Array(20_000).fill(5);
    const handles = new Float64Array(8);
    const peers = [1, 2, 3, 4, 5, 6, 7, 8];
    expect(root.submitBroadcast(peers, payload, 0, payload.length, handles, { deadlineUs: 2_000 })).toBe(8);
    expect(root.timersActive).toBe(8); // one deadline entry per copy
    net.wake();
    const view = new EventView();
    const outcomes = new Map<number, [number, number, number]>();
    while (net.step() && net.nowUs < 1_000_000) {
      while (root.pollEvent(view)) outcomes.set(view.handle, [view.event, view.status, net.nowUs]);
      for (let i = 1; i <= 8; i++) {
        while ((endpoints[i] as Endpoint).pollEvent(view)) expect(view.payloadLength).toBe(payload.length);
      }
    }
    for (let i = 0; i < 8; i++) {
      const [event, status, atUs] = outcomes.get(handles[i] as number) ?? [-1, -1, -1];
      if (partitioned.includes(peers[i] as number)) {
        expect([event, status, atUs]).toEqual([EventKind.Failed, StatusCode.Timeout, 2_000]);
      } else {
        expect(event).toBe(EventKind.Completed);
        expect(atUs).toBeLessThan(2_000);
      }
    }
    net.healAll();
    net.runUntil(net.nowUs + 1_000_000);
    for (const e of endpoints) expect(quiescentState(e)).toEqual(QUIESCENT_ZERO);
  });
});
