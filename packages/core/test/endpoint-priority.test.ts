/**
 * Network priority (spec: congestion.md#network-priority): CONTROL datagrams in class 0, DATA in
 * the class of its transfer's priority; the sender serves the highest class first across peers;
 * receivers pull short urgent transfers beyond their window (preemptive pulls).
 */
import { describe, expect, it } from 'vitest';
import type { EndpointOptions } from '../src/endpoint/config.js';
import type { Endpoint } from '../src/endpoint/endpoint.js';
import { EventKind, EventView } from '../src/endpoint/events.js';
import { TransmitInfo } from '../src/endpoint-io.js';
import { DatagramKind } from '../src/wire/constants.js';
import { connect, equalBytes, makeEndpoint, payloadOf, quiescentState } from './endpoint-harness.js';

interface Sent {
  readonly from: number;
  readonly to: number;
  readonly data: boolean;
  readonly priority: number;
  /** Metadata of the transfers whose chunks the datagram carries (DATA only, from the receiver's view). */
  readonly bytes: number;
}

/**
 * A lossless zero-delay pump over `endpoints` (peer index = array index): each round, every
 * endpoint's datagrams are polled (at most `perRound` each, so queues build up) and delivered.
 */
class Pump {
  readonly sent: Sent[] = [];
  nowUs = 0;
  private readonly out = new Uint8Array(9000);
  private readonly info = new TransmitInfo();

  constructor(
    readonly endpoints: readonly Endpoint[],
    readonly perRound: number,
  ) {}

  /** One round; returns the number of datagrams moved. */
  round(): number {
    let moved = 0;
    this.nowUs += 1;
    for (const e of this.endpoints) {
      if (e.pollTimeoutUs() <= this.nowUs) e.handleTimeout(this.nowUs);
    }
    for (let from = 0; from < this.endpoints.length; from++) {
      const e = this.endpoints[from] as Endpoint;
      for (let k = 0; k < this.perRound; k++) {
        const length = e.pollTransmit(this.nowUs, this.out, 0, this.info);
        if (length === 0) break;
        const to = this.info.peer;
        const data = (this.out[0] as number) >>> 4 === DatagramKind.Data;
        this.sent.push({ from, to, data, priority: this.info.priority, bytes: length });
        (this.endpoints[to] as Endpoint).handleDatagram(this.nowUs, this.out, 0, length, from);
        moved++;
      }
    }
    return moved;
  }

  /** Rounds until nothing moves and no timer is due within `idleUs`. */
  run(onRound: () => void, roundsMax = 100_000): void {
    for (let r = 0; r < roundsMax; r++) {
      const moved = this.round();
      onRound();
      if (moved === 0) {
        const next = Math.min(...this.endpoints.map((e) => e.pollTimeoutUs()));
        if (!Number.isFinite(next)) return;
        this.nowUs = Math.max(this.nowUs, Math.ceil(next) - 1);
      }
    }
    throw new Error('pump did not settle');
  }
}

function endpoints(count: number, options: Partial<EndpointOptions>): Endpoint[] {
  const list = Array.from({ length: count }, (_, i) => makeEndpoint(300 + i, { timeWaitUs: 1000, ...options }));
  for (let i = 0; i < count; i++)
    for (let j = i + 1; j < count; j++) connect(list[i] as Endpoint, i, list[j] as Endpoint, j);
  return list;
}

describe('network priority classes', () => {
  it('CONTROL datagrams go out in class 0, DATA in the class of its transfer priority (6 and 7 share 7)', () => {
    const [a, b] = endpoints(2, { pullBytes: 16 * 1024 }) as [Endpoint, Endpoint];
    const pump = new Pump([a, b], 64);
    const priorities = [0, 3, 5, 6, 7];
    for (const priority of priorities) {
      const payload = payloadOf(1, priority, 40_000);
      expect(a.submitBulk(1, payload, 0, payload.length, { priority, metadata: priority })).toBeGreaterThanOrEqual(0);
    }
    const view = new EventView();
    let received = 0;
    pump.run(() => {
      while (b.pollEvent(view)) {
        if (view.event !== EventKind.TransferReceived) continue;
        received++;
        expect(
          equalBytes(view.payload, view.payloadOffset, view.payloadLength, payloadOf(1, view.metadata, 40_000)),
        ).toBe(true);
      }
      while (a.pollEvent(view)) {}
    });
    expect(received).toBe(priorities.length);
    const control = pump.sent.filter((s) => !s.data);
    const data = pump.sent.filter((s) => s.data);
    expect(control.length).toBeGreaterThan(0);
    for (const s of control) expect(s.priority).toBe(0);
    // Every DATA datagram is in one of the classes of the submitted priorities, and each is used.
    const classes = new Set(data.map((s) => s.priority));
    expect([...classes].sort()).toEqual([1, 4, 6, 7]);
    const zero = { ...quiescentState(a) };
    for (const key of Object.keys(zero)) zero[key] = 0;
    expect(quiescentState(a)).toEqual(zero);
    expect(quiescentState(b)).toEqual(zero);
  });

  it('the sender serves the highest class first across peers: an urgent transfer to one peer overtakes bulk to others', () => {
    // a sends 1 MB at priority 7 to each of b and c, then (once those are flowing) 20 KB at
    // priority 0 to d. With one ring for all work, d waited for b's and c's rounds.
    const list = endpoints(4, { pullBytes: 64 * 1024, receiveWindowBytes: 256 * 1024 });
    const [a, b, c, d] = list as [Endpoint, Endpoint, Endpoint, Endpoint];
    const pump = new Pump(list, 4);
    const big = payloadOf(2, 0, 1_000_000);
    expect(a.submitBulk(1, big, 0, big.length, { priority: 7 })).toBeGreaterThanOrEqual(0);
    expect(a.submitBulk(2, big, 0, big.length, { priority: 7 })).toBeGreaterThanOrEqual(0);
    for (let r = 0; r < 40; r++) pump.round();
    const dataBefore = pump.sent.filter((s) => s.data && s.from === 0).length;
    expect(dataBefore).toBeGreaterThan(20); // bulk DATA is flowing
    const small = payloadOf(2, 1, 20_000);
    expect(a.submitBulk(3, small, 0, small.length, { priority: 0 })).toBeGreaterThanOrEqual(0);
    const submittedAt = pump.sent.length;
    const view = new EventView();
    let smallDoneAt = -1;
    let bigDone = 0;
    pump.run(() => {
      while (d.pollEvent(view)) if (view.event === EventKind.TransferReceived) smallDoneAt = pump.sent.length;
      for (const e of [b, c]) while (e.pollEvent(view)) if (view.event === EventKind.TransferReceived) bigDone++;
      while (a.pollEvent(view)) {}
    });
    expect(bigDone).toBe(2);
    expect(smallDoneAt).toBeGreaterThan(0);
    const afterSubmit = pump.sent.slice(submittedAt, smallDoneAt);
    const smallData = afterSubmit.map((s, i) => ({ s, i })).filter(({ s }) => s.data && s.from === 0 && s.to === 3);
    expect(smallData.length).toBeGreaterThanOrEqual(14); // 20 KB in ~1.4 KB datagrams
    const first = (smallData[0] as { i: number }).i;
    const last = (smallData[smallData.length - 1] as { i: number }).i;
    const bulk = (from: number, to: number) =>
      afterSubmit.slice(from, to).filter((s) => s.data && s.from === 0 && s.to !== 3).length;
    // Before its first DATA: only the rest of the round in which its notify went out (the pull
    // comes back within the round); after that not one bulk datagram until it is done.
    expect(bulk(0, first)).toBeLessThanOrEqual(4);
    expect(bulk(first, last)).toBe(0);
    for (const { s } of smallData) expect(s.priority).toBe(1);
  });

  it('preemptive pulls: a short urgent transfer is pulled while long transfers hold the whole window', () => {
    const run = (pullPreemptBytes: number) => {
      // c serves b slowly (b's window fills with pulls c answers late); a sends b a short urgent transfer
      // (pulled, not unscheduled: this is about the pull scheduler).
      const list = endpoints(3, {
        pullBytes: 16 * 1024,
        receiveWindowBytes: 32 * 1024,
        pullPreemptBytes,
        unscheduledBytesMax: 0,
      });
      const [a, b, c] = list as [Endpoint, Endpoint, Endpoint];
      const out = new Uint8Array(9000);
      const info = new TransmitInfo();
      const big = payloadOf(3, 0, 200_000);
      for (let i = 0; i < 4; i++)
        expect(c.submitBulk(1, big, 0, big.length, { priority: 7 })).toBeGreaterThanOrEqual(0);
      // Move c's notify to b and b's pulls to c, but hold c's DATA back (a congested sender).
      let now = 1;
      for (let r = 0; r < 10; r++, now++) {
        for (const [from, e] of [
          [1, b],
          [2, c],
        ] as const) {
          for (;;) {
            const length = e.pollTransmit(now, out, 0, info);
            if (length === 0) break;
            if ((out[0] as number) >>> 4 === DatagramKind.Data) continue; // lost in a deep queue
            (list[info.peer] as Endpoint).handleDatagram(now, out, 0, length, from);
          }
        }
      }
      expect(b.pullBytesOutstanding).toBeGreaterThanOrEqual(32 * 1024);
      const small = payloadOf(3, 1, 3000);
      expect(a.submitBulk(1, small, 0, small.length, { priority: 0 })).toBeGreaterThanOrEqual(0);
      let pulledSmall = false;
      for (let r = 0; r < 10; r++, now++) {
        for (const [from, e] of [
          [0, a],
          [1, b],
        ] as const) {
          for (;;) {
            const length = e.pollTransmit(now, out, 0, info);
            if (length === 0) break;
            if (from === 0 && (out[0] as number) >>> 4 === DatagramKind.Data) pulledSmall = true;
            if (info.peer === 2) continue; // nothing more reaches c
            (list[info.peer] as Endpoint).handleDatagram(now, out, 0, length, from);
          }
        }
      }
      return { pulledSmall, outstanding: b.pullBytesOutstanding };
    };
    const on = run(16 * 1024);
    expect(on.pulledSmall).toBe(true);
    expect(on.outstanding).toBeLessThanOrEqual(32 * 1024 + 16 * 1024);
    const off = run(0);
    expect(off.pulledSmall).toBe(false); // the window alone holds it back
  });
});
