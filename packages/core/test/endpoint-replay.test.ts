import { describe, expect, it } from 'vitest';
import { EventKind, EventView } from '../src/endpoint/events.js';
import { TestNetwork } from '../src/testing/test-network.js';
import { connect, makeEndpoint, RecordingEndpoint as Recorder } from './endpoint-harness.js';

function run(count: number, size: number, replayAfterUs: number) {
  const a = makeEndpoint(1);
  const b = makeEndpoint(2, { timeWaitUs: 100_000 });
  connect(a, 0, b, 1);
  const recorder = new Recorder(b);
  const net = new TestNetwork({ endpoints: [a, recorder], seed: 4, inFlightMax: 8192 });
  const payload = new Uint8Array(size).fill(3);
  let submitted = 0;
  const view = new EventView();
  let delivered = 0;
  const drain = () => {
    while (b.pollEvent(view)) {
      if (view.event === EventKind.RequestReceived) {
        delivered++;
        b.respond(view.handle, payload, 0, 8);
        net.wake();
      }
    }
    while (a.pollEvent(view)) {
      /* responses */
    }
    while (submitted < count && a.submitRequest(1, payload, 0, size) >= 0) {
      submitted++;
      net.wake();
    }
  };
  drain();
  while (net.step()) drain();
  expect(delivered).toBe(count);
  net.runUntil(net.nowUs + replayAfterUs);
  // Replay every captured datagram into b, then let the endpoints talk.
  for (const datagram of recorder.captured) b.handleDatagram(net.nowUs, datagram.slice(), 0, datagram.length, 0);
  net.wake();
  while (net.step()) drain();
  return { a, b, delivered };
}

describe('Endpoint replay protection', () => {
  it('replaying every datagram while the transfers are remembered delivers nothing twice', () => {
    const r = run(200, 64, 1_000);
    expect(r.delivered).toBe(200);
    expect(r.b.admission.counters[1]).toBeGreaterThan(0); // DUPLICATE
  });

  it('replaying below the replay window after time-wait: challenged, refused, never delivered', () => {
    const r = run(4600, 16, 500_000);
    expect(r.delivered).toBe(4600);
    expect(r.b.admission.counters[3]).toBeGreaterThan(0); // CHALLENGED
    expect(r.b.heldNotifies).toBe(0);
  });

  it('off-path DATA (right ids, wrong source peer) is dropped', () => {
    const a = makeEndpoint(1);
    const b = makeEndpoint(2);
    const c = makeEndpoint(3);
    connect(a, 0, b, 1);
    connect(c, 2, b, 1);
    const recorder = new Recorder(b);
    const net = new TestNetwork({ endpoints: [a, recorder, c], seed: 4 });
    const payload = new Uint8Array(100_000).fill(9);
    a.submitBulk(1, payload, 0, payload.length);
    net.wake();
    // Stop as soon as the first DATA datagram reached b, then inject its copy "from" peer 2.
    while (net.step()) {
      const data = recorder.captured.find((d) => d[0] === 0x30);
      if (data !== undefined) {
        const before = b.counter('chunksDropped');
        b.handleDatagram(net.nowUs, data.slice(), 0, data.length, 2);
        expect(b.counter('chunksDropped')).toBeGreaterThan(before);
        break;
      }
    }
    net.runUntilIdle(10_000_000);
    const view = new EventView();
    expect(b.pollEvent(view)).toBe(true);
    expect(view.event).toBe(EventKind.TransferReceived);
    expect(view.peer).toBe(0);
  });
});
