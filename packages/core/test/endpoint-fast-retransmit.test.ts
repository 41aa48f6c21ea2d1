/**
 * Fast retransmit of notifies (state-machines.md#sender-transfer, NOTIFYING × fast retransmit): an
 * ACCEPT for a notify sequence at least `fastRetransmitThreshold` (default 3; configurable) above an unanswered notify's
 * last sequence re-sends that notify at once instead of after its notify timer.
 */
import { describe, expect, it } from 'vitest';
import { EventKind, EventView } from '../src/endpoint/events.js';
import { TestNetwork } from '../src/testing/test-network.js';
import { connect, makeEndpoint, quiescentState } from './endpoint-harness.js';

function run(
  laterRequests: number,
  fastRetransmitThreshold?: number,
): { firstDoneUs: number; fast: number; a: ReturnType<typeof makeEndpoint> } {
  const a = makeEndpoint(11, fastRetransmitThreshold === undefined ? {} : { fastRetransmitThreshold });
  const b = makeEndpoint(12);
  connect(a, 0, b, 1);
  const net = new TestNetwork({ endpoints: [a, b], seed: 9, link: { delayUs: 10 } });
  // The first notify is lost (the link a → b is down while it leaves) …
  net.partitionOneWay(0, 1);
  const first = a.submitRequest(1, new Uint8Array(16), 0, 16);
  net.wake();
  net.runUntil(5);
  net.healOneWay(0, 1);
  // … later notifies get through; their ACCEPTs reveal the gap.
  for (let i = 0; i < laterRequests; i++) a.submitRequest(1, new Uint8Array(16), 0, 16);
  net.wake();
  const view = new EventView();
  let firstDoneUs = -1;
  while (net.step() && net.nowUs < 100_000) {
    while (b.pollEvent(view)) {
      if (view.event === EventKind.RequestReceived) b.respond(view.handle, new Uint8Array(8), 0, 8);
      net.wake();
    }
    while (a.pollEvent(view)) {
      expect(view.event).toBe(EventKind.ResponseReceived);
      if (view.handle === first) firstDoneUs = net.nowUs;
    }
  }
  net.runUntil(net.nowUs + 1_000_000);
  expect(quiescentState(a).transfers).toBe(0);
  expect(quiescentState(b).transfers).toBe(0);
  return { firstDoneUs, fast: a.notifyFastRetransmits, a };
}

describe('Endpoint fast retransmit of notifies', () => {
  it('an ACCEPT 3 sequences later re-sends the lost notify at once (well before its timer)', () => {
    const withGap = run(4);
    expect(withGap.fast).toBe(1);
    expect(withGap.firstDoneUs).toBeGreaterThan(0);
    expect(withGap.firstDoneUs).toBeLessThan(300); // the notify timer is ≥ 300 µs (phaseTimeoutMinUs)
    // Too few later notifies: no fast retransmit, the notify timer recovers it (later).
    const noGap = run(2);
    expect(noGap.fast).toBe(0);
    expect(noGap.firstDoneUs).toBeGreaterThanOrEqual(300);
    expect(noGap.a.counter('notifyRetransmits')).toBeGreaterThan(0);
  });

  it('fastRetransmitThreshold is configurable: 1 reacts to the very next ACCEPT, 5 needs five later notifies', () => {
    // Threshold 1: one later notify's ACCEPT is enough.
    const one = run(1, 1);
    expect(one.fast).toBe(1);
    expect(one.firstDoneUs).toBeLessThan(300);
    expect(run(1).fast).toBe(0); // the default (3) is not reached by one
    // Threshold 5: four later notifies are not enough, five are.
    const four = run(4, 5);
    expect(four.fast).toBe(0);
    expect(four.firstDoneUs).toBeGreaterThanOrEqual(300);
    const five = run(5, 5);
    expect(five.fast).toBe(1);
    expect(five.firstDoneUs).toBeLessThan(300);
    expect(five.a.config.fastRetransmitThreshold).toBe(5);
    expect(makeEndpoint(1).config.fastRetransmitThreshold).toBe(3);
    for (const bad of [0, 256, 1.5, Number.NaN]) {
      expect(() => makeEndpoint(1, { fastRetransmitThreshold: bad })).toThrow(/fastRetransmitThreshold/);
    }
  });
});
