/**
 * "At most once per RTT" for re-sent verdicts (spec: state-machines.md#receiver-transfer): a
 * replayed or duplicated notify of a transfer we hold, a duplicated tail chunk of a delivered
 * transfer, and messages naming a sender transfer we no longer hold each used to cost one reply per
 * received copy. Now a transfer re-sends its verdict at most once per min(srtt, phaseTimeoutMinUs);
 * the rest are counted in `verdictsSuppressed`. The first verdict is never delayed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../src/endpoint/endpoint.js';
import { EventKind, EventView } from '../src/endpoint/events.js';
import type { EndpointTracer } from '../src/endpoint/trace.js';
import { TraceKind } from '../src/endpoint/trace.js';
import { TransmitInfo } from '../src/endpoint-io.js';
import { TestNetwork } from '../src/testing/test-network.js';
import { MessageType, StatusCode } from '../src/wire/constants.js';
import { connect, makeEndpoint, quiescentState, RecordingEndpoint as Recorder } from './endpoint-harness.js';

/** Counts the messages an endpoint sends, by message type and handle (−1: stateless replies). */
class SentMessages implements EndpointTracer {
  readonly counts = new Map<string, number>();
  pullsReceived = 0;
  onTrace(kind: number, _nowUs: number, handle: number, _peer: number, a: number): void {
    if (kind === TraceKind.MessageReceived && a === MessageType.PullRequest) this.pullsReceived++;
    if (kind !== TraceKind.MessageSent) return;
    const key = `${a}/${handle}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  count(type: number, handle: number): number {
    return this.counts.get(`${type}/${handle}`) ?? 0;
  }
}

function pair(seed: number, timeWaitUs = 200_000) {
  const tracerA = new SentMessages();
  const tracerB = new SentMessages();
  const a = makeEndpoint(seed * 2 + 1, { tracer: tracerA });
  const b = makeEndpoint(seed * 2 + 2, { tracer: tracerB, timeWaitUs });
  connect(a, 0, b, 1);
  const ra = new Recorder(a);
  const rb = new Recorder(b);
  const net = new TestNetwork({ endpoints: [ra, rb], seed, link: { delayUs: 20 }, inFlightMax: 8192 });
  return { a, b, ra, rb, net, tracerA, tracerB };
}

const out = new Uint8Array(65536);
const info = new TransmitInfo();

/** Feeds `copies` copies of each datagram into `e` at `nowUs`, sending (to nowhere) after each one. */
function inject(e: Endpoint, datagrams: Uint8Array[], copies: number, nowUs: number, peer: number): void {
  for (let k = 0; k < copies; k++) {
    for (const d of datagrams) {
      e.handleDatagram(nowUs, d.slice(), 0, d.length, peer);
      while (e.pollTransmit(nowUs, out, 0, info) > 0) {}
    }
  }
}

describe('Endpoint re-sent verdicts: at most once per RTT', () => {
  it('1,000 replays of a notify (below the replay window) produce at most 2 verdicts; FLOW_RESET replies alike', () => {
    // A long time-wait: the refused request's record must outlive pushing the replay window.
    const { a, b, rb, net, tracerB } = pair(1, 10_000_000);
    const view = new EventView();
    // X: delivered, never answered (its record stays without time-wait). Y: refused by the
    // application (a CANCELLED record in time-wait that answers with FLOW_RESET(APPLICATION_ERROR)).
    a.submitRequest(1, new Uint8Array(16), 0, 16, { metadata: 1 });
    a.submitRequest(1, new Uint8Array(16), 0, 16, { metadata: 2 });
    net.wake();
    let x = -1;
    while (net.step() && x < 0) {
      while (b.pollEvent(view)) {
        if (view.metadata === 1) x = view.handle;
        else b.cancel(view.handle, StatusCode.ApplicationError);
      }
    }
    net.runUntilIdle(net.nowUs + 10_000);
    const notifies = rb.captured.slice(); // the notifies of X and Y (nothing else went to b)
    rb.recording = false;
    // Push both notifies below b's 4096-sequence replay window with 4,200 more (tiny one-way).
    let sent = 0;
    while (sent < 4200) {
      while (sent < 4200 && a.submitBulk(1, new Uint8Array(1), 0, 1) >= 0) sent++;
      net.wake();
      net.runUntilIdle(net.nowUs + 1_000_000);
      while (a.pollEvent(view)) {}
      while (b.pollEvent(view)) {}
    }
    const known = b.admission.counters[7] as number; // KnownTransfer
    const acceptsBefore = tracerB.count(MessageType.TransferAccept, x);
    const resetsBefore = tracerB.count(MessageType.FlowReset, -1);
    const now = net.nowUs;
    inject(b, notifies, 1000, now, 0);
    expect(b.admission.counters[7]).toBe(known + 2000); // every copy reached the known-transfer path
    const accepts = tracerB.count(MessageType.TransferAccept, x) - acceptsBefore;
    const resets = tracerB.count(MessageType.FlowReset, -1) - resetsBefore;
    expect(accepts).toBeGreaterThanOrEqual(1);
    expect(accepts).toBeLessThanOrEqual(2);
    expect(resets).toBeGreaterThanOrEqual(1);
    expect(resets).toBeLessThanOrEqual(2);
    expect(b.counter('verdictsSuppressed')).toBeGreaterThanOrEqual(2000 - 4);
    // Once the interval (≤ phaseTimeoutMinUs) has passed, the next copy is answered at once.
    inject(b, notifies, 1, now + b.config.phaseTimeoutMinUs, 0);
    expect(tracerB.count(MessageType.TransferAccept, x) - acceptsBefore).toBe(accepts + 1);
    expect(tracerB.count(MessageType.FlowReset, -1) - resetsBefore).toBe(resets + 1);
    expect(b.counter('deliveriesRefused')).toBe(0);
  });

  it('1,000 duplicates of the last DATA chunk of a delivered transfer: at most 2 RANGE_ACK COMPLETE', () => {
    const { a, b, ra, rb, net, tracerB } = pair(2);
    const payload = new Uint8Array(3000).fill(1);
    a.submitBulk(1, payload, 0, payload.length);
    net.wake();
    const view = new EventView();
    let receiver = -1;
    while (net.step() && receiver < 0) {
      while (b.pollEvent(view)) if (view.event === EventKind.TransferReceived) receiver = view.handle;
    }
    net.runUntilIdle(net.nowUs + 10_000);
    ra.recording = false;
    rb.recording = false;
    const data = rb.captured.filter((d) => (d[0] as number) >> 4 === 3); // DATA datagrams
    expect(data.length).toBeGreaterThan(0);
    const before = tracerB.count(MessageType.RangeAck, receiver);
    inject(b, data, 1000, net.nowUs, 0);
    const acks = tracerB.count(MessageType.RangeAck, receiver) - before;
    expect(acks).toBeGreaterThanOrEqual(1);
    expect(acks).toBeLessThanOrEqual(2);
    expect(b.counter('verdictsSuppressed')).toBeGreaterThanOrEqual(1000 * data.length - 2);
  });

  it('1,000 replays of ACCEPT / PULL for a finished sender: at most 2 FLOW_RESET(UNKNOWN_TRANSFER)', () => {
    const { a, b, ra, net, tracerA } = pair(3);
    // Above unscheduledBytesMax: the receiver pulls, so there is a PULL_REQUEST to replay.
    const payload = new Uint8Array(40_000).fill(2);
    a.submitBulk(1, payload, 0, payload.length);
    net.wake();
    net.runUntilIdle(1_000_000);
    const view = new EventView();
    expect(a.pollEvent(view) && view.event).toBe(EventKind.Completed);
    ra.recording = false;
    expect(a.transfersLive).toBe(0);
    // Every control datagram the sender received (ACCEPT, PULL_REQUEST, RANGE_ACK COMPLETE).
    const control = ra.captured.filter((d) => (d[0] as number) >> 4 !== 3);
    const before = tracerA.count(MessageType.FlowReset, -1);
    inject(a, control, 1000, net.nowUs, 1);
    const resets = tracerA.count(MessageType.FlowReset, -1) - before;
    expect(resets).toBeGreaterThanOrEqual(1);
    expect(resets).toBeLessThanOrEqual(2);
    expect(a.counter('verdictsSuppressed')).toBeGreaterThanOrEqual(2 * 1000 - 2);
    // b never saw any of it: no state left anywhere once its time-wait passed.
    net.runUntil(net.nowUs + 1_000_000);
    expect(quiescentState(a).transfers).toBe(0);
    expect(quiescentState(b).transfers).toBe(0);
  });

  it('model: copies at random gaps are answered exactly when the last answer is an interval old', () => {
    // One delivered transfer, then duplicates of its DATA at random times: the reference model
    // answers a copy iff no answer went out in the interval before it.
    const { a, b, ra, rb, net, tracerB } = pair(4);
    const payload = new Uint8Array(1500).fill(3);
    a.submitBulk(1, payload, 0, payload.length);
    net.wake();
    const view = new EventView();
    let receiver = -1;
    while (net.step() && receiver < 0) {
      while (b.pollEvent(view)) if (view.event === EventKind.TransferReceived) receiver = view.handle;
    }
    net.runUntilIdle(net.nowUs + 10_000);
    ra.recording = false;
    rb.recording = false;
    const data = rb.captured.filter((d) => (d[0] as number) >> 4 === 3).slice(-1);
    const srttUs = Math.ceil(b.peers.rtt[0]?.smoothedRttUs ?? 1000);
    const intervalUs = Math.min(srttUs, b.config.phaseTimeoutMinUs);
    expect(intervalUs).toBeGreaterThan(0);
    let nowUs = net.nowUs;
    let lastAnsweredUs = Number.NEGATIVE_INFINITY;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 * intervalUs }), { minLength: 1, maxLength: 40 }), (gaps) => {
        for (const gap of gaps) {
          nowUs += gap;
          const before = tracerB.count(MessageType.RangeAck, receiver);
          const suppressedBefore = b.counter('verdictsSuppressed');
          inject(b, data, 1, nowUs, 0);
          const answered = tracerB.count(MessageType.RangeAck, receiver) - before;
          const expected = nowUs - lastAnsweredUs >= intervalUs ? 1 : 0;
          expect(answered).toBe(expected);
          expect(b.counter('verdictsSuppressed') - suppressedBefore).toBe(1 - expected);
          if (expected === 1) lastAnsweredUs = nowUs;
        }
      }),
      { numRuns: 30 },
    );
    // The receiver is still in time-wait (200 ms): all of it happened within its life.
    expect(nowUs - net.nowUs).toBeLessThan(200_000);
  });

  it('1,000 copies of the PULL_REQUESTs a live sender is serving queue their ranges once (no extra DATA)', () => {
    // The sender paces its DATA (10 MB/s), so a pull's range is still queued when the receiver
    // sends its next pull (at half of the previous one): copies of both arrive then.
    const run = (copies: number) => {
      const tracerA = new SentMessages();
      const a = makeEndpoint(51, { tracer: tracerA, sendRateBytesPerSecond: 10e6 });
      const b = makeEndpoint(52, { pullBytes: 65536, receiveWindowBytes: 4 * 65536, pullPreemptBytes: 0 });
      connect(a, 0, b, 1);
      // The datagrams that brought the sender PULL_REQUESTs, and how many each held.
      const pullDatagrams: Uint8Array[] = [];
      let pullsInThem = 0;
      const ra = new Recorder(a);
      ra.recording = false;
      const inner = ra.handleDatagram.bind(ra);
      ra.handleDatagram = (nowUs, bytes, offset, length, peer) => {
        const copy = bytes.slice(offset, offset + length);
        const before = tracerA.pullsReceived;
        inner(nowUs, bytes, offset, length, peer);
        if (tracerA.pullsReceived > before && pullDatagrams.length < 2) {
          pullDatagrams.push(copy);
          pullsInThem += tracerA.pullsReceived - before;
        }
      };
      const net = new TestNetwork({ endpoints: [ra, b], seed: 5, link: { delayUs: 20 } });
      const payload = new Uint8Array(1_000_000).fill(4);
      a.submitBulk(1, payload, 0, payload.length);
      net.wake();
      let injected = false;
      while (net.step()) {
        if (!injected && copies > 0 && pullDatagrams.length === 2) {
          injected = true;
          for (let k = 0; k < copies; k++) {
            for (const d of pullDatagrams) a.handleDatagram(net.nowUs, d.slice(), 0, d.length, 1);
          }
          net.wake();
        }
      }
      const view = new EventView();
      expect(a.pollEvent(view) && view.event).toBe(EventKind.Completed);
      const sent = a.counter('payloadBytesSent');
      return { sent, suppressed: a.counter('verdictsSuppressed'), injected, pullsInThem };
    };
    const plain = run(0);
    const flooded = run(1000);
    expect(flooded.injected).toBe(true);
    expect(flooded.pullsInThem).toBe(2); // the first (ranges still queued) and the last pull received
    expect(flooded.sent).toBe(plain.sent);
    expect(flooded.suppressed - plain.suppressed).toBe(1000 * flooded.pullsInThem);
  });
});
