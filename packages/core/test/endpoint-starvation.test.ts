/**
 * A pull whose DATA is delayed, not lost (spec: state-machines.md#engine-decisions, "Pull timer"):
 * under strict-priority NIC and switch queues an overloaded link holds the DATA of a low-priority
 * transfer for tens of ms while the sender's urgent traffic keeps flowing. The receiver re-pulls on
 * its pull timer, but only consecutive silent re-pulls count toward `pullRetransmitsMax`: a live,
 * heard sender is waited for (W4 at 80% load timed out 13 large transfers before this rule), while
 * a sender that falls silent still fails the transfer.
 */
import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../src/endpoint/endpoint.js';
import { EventKind, EventView } from '../src/endpoint/events.js';
import { TransmitInfo } from '../src/endpoint-io.js';
import { DatagramKind, StatusCode } from '../src/wire/constants.js';
import { connect, equalBytes, makeEndpoint, payloadOf } from './endpoint-harness.js';

/** The network class of DATA of priorities 6 and 7 (spec: congestion.md#network-priority). */
const STARVED_CLASS = 7;
const LINK_DELAY_US = 5;

interface Flight {
  readonly atUs: number;
  readonly to: number;
  readonly from: number;
  readonly bytes: Uint8Array;
}

/**
 * Two endpoints, 1 µs ticks, every datagram delivered after {@link LINK_DELAY_US} except DATA in
 * the starved class sent before `starvedUntilUs`, held until then (a strict-priority queue behind
 * higher classes), and everything from endpoint 0 dropped from `senderDeadAtUs` on.
 */
class StarvingPump {
  nowUs = 0;
  private readonly flights: Flight[] = [];
  private readonly out = new Uint8Array(9000);
  private readonly info = new TransmitInfo();

  constructor(
    readonly endpoints: readonly [Endpoint, Endpoint],
    readonly starvedUntilUs: number,
    readonly senderDeadAtUs = Number.POSITIVE_INFINITY,
  ) {}

  tick(): void {
    this.nowUs++;
    const now = this.nowUs;
    for (let i = 0; i < this.flights.length; ) {
      const f = this.flights[i] as Flight;
      if (f.atUs > now) {
        i++;
        continue;
      }
      this.flights.splice(i, 1);
      (this.endpoints[f.to] as Endpoint).handleDatagram(now, f.bytes, 0, f.bytes.length, f.from);
    }
    for (const e of this.endpoints) if (e.pollTimeoutUs() <= now) e.handleTimeout(now);
    for (let from = 0; from < 2; from++) {
      const e = this.endpoints[from] as Endpoint;
      for (;;) {
        const length = e.pollTransmit(now, this.out, 0, this.info);
        if (length === 0) break;
        if (from === 0 && now >= this.senderDeadAtUs) continue;
        const data = (this.out[0] as number) >>> 4 === DatagramKind.Data;
        const held = data && this.info.priority === STARVED_CLASS && now < this.starvedUntilUs;
        this.flights.push({
          atUs: held ? this.starvedUntilUs : now + LINK_DELAY_US,
          to: this.info.peer,
          from,
          bytes: this.out.slice(0, length),
        });
      }
    }
  }
}

const BULK_BYTES = 48 * 1024;
const BULK_TAG = 1;

/** Runs a 48 KiB priority-7 bulk from a to b while a sends b a small urgent message every `chatterEveryUs`. */
function run(options: {
  starvedUntilUs: number;
  chatterUntilUs: number;
  senderDeadAtUs?: number;
  endUs: number;
  warmUp: boolean;
}) {
  const a = makeEndpoint(71);
  const b = makeEndpoint(72);
  connect(a, 0, b, 1);
  const pump = new StarvingPump([a, b], options.starvedUntilUs, options.senderDeadAtUs);
  // A pulled (not inline, above unscheduledBytesMax) urgent message first gives the receiver an RTT
  // sample: its pull timer is then 300 µs (phaseTimeoutMinUs), not 3 ms (the initial 1 ms RTT).
  const warmUp = payloadOf(7, 3, 20_000);
  if (options.warmUp) {
    expect(a.submitBulk(1, warmUp, 0, warmUp.length, { priority: 0, metadata: 3 })).toBeGreaterThanOrEqual(0);
  }
  const bulk = payloadOf(7, BULK_TAG, BULK_BYTES);
  let handle = -1;
  const small = payloadOf(7, 2, 100);
  const view = new EventView();
  let senderOutcome: [number, number] | null = null;
  let deliveredAtUs = -1;
  while (pump.nowUs < options.endUs) {
    pump.tick();
    if (pump.nowUs === 100) {
      handle = a.submitBulk(1, bulk, 0, bulk.length, { priority: 7, metadata: BULK_TAG });
      expect(handle).toBeGreaterThanOrEqual(0);
    }
    // The sender's urgent traffic keeps the receiver hearing it (inline notifies, class 0).
    if (pump.nowUs % 200 === 0 && pump.nowUs < options.chatterUntilUs) {
      expect(
        a.submitBulk(1, small, 0, small.length, { priority: 0, metadata: 100 + pump.nowUs }),
      ).toBeGreaterThanOrEqual(0);
    }
    while (a.pollEvent(view)) {
      if (view.handle !== handle) continue;
      if (view.event === EventKind.Completed) senderOutcome = [EventKind.Completed, 0];
      if (view.event === EventKind.Failed) senderOutcome = [EventKind.Failed, view.status];
    }
    while (b.pollEvent(view)) {
      if (view.event !== EventKind.TransferReceived || view.metadata !== BULK_TAG) continue;
      expect(equalBytes(view.payload, view.payloadOffset, view.payloadLength, bulk)).toBe(true);
      deliveredAtUs = pump.nowUs;
    }
  }
  return { a, b, senderOutcome, deliveredAtUs };
}

describe('a pull delayed behind higher-priority traffic', () => {
  it('completes when its DATA arrives late while the sender is heard (no TIMEOUT after pullRetransmitsMax re-pulls)', () => {
    const { b, senderOutcome, deliveredAtUs } = run({
      starvedUntilUs: 20_000,
      chatterUntilUs: 25_000,
      endUs: 30_000,
      warmUp: true,
    });
    // The pull timer (300 µs, restarted by every datagram heard) re-pulled far more often than
    // pullRetransmitsMax (8): each of those re-pulls would have counted before.
    expect(b.counter('pullRetransmits')).toBeGreaterThan(8);
    expect(deliveredAtUs).toBeGreaterThanOrEqual(20_000);
    expect(senderOutcome).toEqual([EventKind.Completed, 0]);
  });

  it('still fails TIMEOUT when the sender falls silent', () => {
    const { senderOutcome, deliveredAtUs } = run({
      starvedUntilUs: Number.POSITIVE_INFINITY,
      chatterUntilUs: 0,
      senderDeadAtUs: 1_000,
      endUs: 400_000,
      warmUp: true,
    });
    expect(deliveredAtUs).toBe(-1);
    expect(senderOutcome).toEqual([EventKind.Failed, StatusCode.Timeout]);
  });
});
