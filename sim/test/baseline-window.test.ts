/**
 * The baseline's sending rules, driven by hand without a network: each transfer bursts exactly its
 * window at once, acks slide it, priorities reach TransmitInfo (data, acks and responses), and the
 * RTO follows max(3 × SRTT, floor) with exponential backoff until the transfer gives up.
 */
import { TransmitInfo } from '@dcq/core';
import { describe, expect, it } from 'vitest';
import { BASELINE_STATUS_TIMEOUT, SenderDrivenTransport } from '../src/index.js';
import { SimDelivery, SimOutcome, SimTransferRequest } from '../src/scenario/transport.js';

const CHUNK = 1000;
const WINDOW_CHUNKS = 8;

function pair(): { a: SenderDrivenTransport; b: SenderDrivenTransport } {
  const options = { peersMax: 2, chunkBytes: CHUNK, windowBytes: CHUNK * WINDOW_CHUNKS, rtoFloorUs: 100 };
  return { a: new SenderDrivenTransport(options), b: new SenderDrivenTransport(options) };
}

function request(fields: Partial<SimTransferRequest>): SimTransferRequest {
  return Object.assign(new SimTransferRequest(), fields);
}

interface Sent {
  bytes: Uint8Array;
  peer: number;
  priority: number;
}

/** Polls `t` until it has nothing to send. */
function drain(t: SenderDrivenTransport, nowUs: number): Sent[] {
  const out: Sent[] = [];
  const buffer = new Uint8Array(2000);
  const info = new TransmitInfo();
  for (;;) {
    const length = t.pollTransmit(nowUs, buffer, 0, info);
    if (length === 0) return out;
    out.push({ bytes: buffer.slice(0, length), peer: info.peer, priority: info.priority });
  }
}

function deliver(to: SenderDrivenTransport, nowUs: number, datagrams: Sent[], fromPeer: number): void {
  for (const d of datagrams) to.handleDatagram(nowUs, d.bytes, 0, d.bytes.length, fromPeer);
}

describe('SenderDrivenTransport window', () => {
  it('bursts exactly one window per transfer, independently, and slides it as acks arrive', () => {
    const { a, b } = pair();
    a.submit(0, request({ peer: 1, tag: 1, sizeBytes: 20 * CHUNK, priority: 3 }));
    a.submit(0, request({ peer: 1, tag: 2, sizeBytes: 20 * CHUNK, priority: 6 }));
    a.submit(0, request({ peer: 1, tag: 3, sizeBytes: 2 * CHUNK + 1, priority: 0 }));
    const burst = drain(a, 0);
    expect(burst.length).toBe(WINDOW_CHUNKS * 2 + 3); // two full windows plus the small message whole
    expect(burst.map((d) => d.priority).sort()).toEqual([
      ...new Array(3).fill(0),
      ...new Array(WINDOW_CHUNKS).fill(3),
      ...new Array(WINDOW_CHUNKS).fill(6),
    ]);
    expect(burst.every((d) => d.peer === 1)).toBe(true);
    expect(a.pollTimeoutUs()).toBe(1000); // the initial RTO before any RTT sample
    deliver(b, 10, burst, 0);
    const acks = drain(b, 10);
    expect(acks.length).toBe(burst.length);
    expect(acks.map((d) => d.priority)).toEqual(burst.map((d) => d.priority)); // acks keep the class
    deliver(a, 20, acks, 1);
    const outcome = new SimOutcome();
    expect(a.pollOutcome(outcome)).toBe(true);
    expect(outcome.tag).toBe(3);
    // The two windows slid by a full window each.
    const second = drain(a, 20);
    expect(second.length).toBe(WINDOW_CHUNKS * 2);
    // RTT samples of 20 µs: RTO = max(3 × 20, 100) = 100.
    expect(a.pollTimeoutUs()).toBe(120);
  });

  it('answers an RPC at the request priority and completes it on the response', () => {
    const { a, b } = pair();
    a.submit(0, request({ peer: 1, tag: 7, sizeBytes: 10, responseSizeBytes: 3 * CHUNK, priority: 5 }));
    deliver(b, 1, drain(a, 0), 0);
    const fromB = drain(b, 1);
    expect(fromB.length).toBe(1 + 3); // the ack, then the whole response
    expect(fromB.every((d) => d.priority === 5 && d.peer === 0)).toBe(true);
    const delivery = new SimDelivery();
    expect(b.pollDelivery(delivery)).toBe(true);
    expect([delivery.tag, delivery.isResponse, delivery.length]).toEqual([7, false, 10]);
    deliver(a, 2, fromB, 1);
    const outcome = new SimOutcome();
    expect(a.pollOutcome(outcome)).toBe(true);
    expect([outcome.tag, outcome.status]).toEqual([7, 0]);
    expect(a.pollDelivery(delivery)).toBe(true);
    expect([delivery.tag, delivery.isResponse, delivery.length]).toEqual([7, true, 3 * CHUNK]);
  });

  it('backs off exponentially on timeouts, resends the unacked window, and gives up after attemptsMax', () => {
    const t = new SenderDrivenTransport({
      peersMax: 2,
      chunkBytes: CHUNK,
      windowBytes: CHUNK * WINDOW_CHUNKS,
      rtoInitialUs: 100,
      rtoMaxUs: 1000,
      attemptsMax: 5,
    });
    t.submit(0, request({ peer: 1, tag: 1, sizeBytes: 3 * CHUNK }));
    expect(drain(t, 0).length).toBe(3);
    const deadlines: number[] = [];
    let now = 0;
    for (let k = 0; k < 6; k++) {
      now = t.pollTimeoutUs();
      deadlines.push(now);
      t.handleTimeout(now);
      if (k < 5) expect(drain(t, now).length).toBe(3);
    }
    // 100, then +200, +400, +800, +1000 (capped), +1000.
    expect(deadlines).toEqual([100, 300, 700, 1500, 2500, 3500]);
    const outcome = new SimOutcome();
    expect(t.pollOutcome(outcome)).toBe(true);
    expect([outcome.status, outcome.retransmissions]).toEqual([BASELINE_STATUS_TIMEOUT, 15]);
    expect(t.pollTimeoutUs()).toBe(Number.POSITIVE_INFINITY);
  });
});
