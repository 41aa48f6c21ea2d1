/**
 * Responses are admitted by the requester even at `receiversMax` (they answer its own requests),
 * retry when its table is full, and a response that fails for good fails its request (the
 * requester would otherwise wait forever: response timeouts are infinite by default).
 */
import { describe, expect, it } from 'vitest';
import type { EndpointOptions } from '../src/endpoint/config.js';
import { type Endpoint, LocalStatus } from '../src/endpoint/endpoint.js';
import { EventKind, EventView } from '../src/endpoint/events.js';
import { TestNetwork } from '../src/testing/test-network.js';
import { StatusCode } from '../src/wire/constants.js';
import { connect, equalBytes, makeEndpoint, payloadOf, quiescentState } from './endpoint-harness.js';

interface Outcome {
  responses: number;
  failed: number[];
  corrupt: number;
  a: Endpoint;
  b: Endpoint;
  net: TestNetwork;
}

/**
 * b first sends `inbound` small BULK transfers to a (each leaves a time-wait record at a), then a
 * sends `requests` requests to b, which answers each with a 64 B response (`respondAttempts`).
 */
function run(
  requester: Partial<EndpointOptions>,
  inbound: number,
  requests: number,
  respondAttempts: number | undefined,
  loss = 0,
): Outcome {
  const a = makeEndpoint(51, { timeWaitUs: 20_000, ...requester });
  const b = makeEndpoint(52, { timeWaitUs: 20_000 });
  connect(a, 0, b, 1);
  const net = new TestNetwork({ endpoints: [a, b], seed: 9, link: { lossProbability: loss } });
  const view = new EventView();
  for (let i = 0; i < inbound; i++) expect(b.submitBulk(0, payloadOf(3, i, 100), 0, 100)).toBeGreaterThanOrEqual(0);
  net.wake();
  let bulks = 0;
  while (bulks < inbound && net.step()) {
    while (a.pollEvent(view)) if (view.event === EventKind.TransferReceived) bulks++;
    while (b.pollEvent(view)) {}
  }
  expect(bulks).toBe(inbound);
  const out: Outcome = { responses: 0, failed: [], corrupt: 0, a, b, net };
  for (let i = 0; i < requests; i++) {
    expect(a.submitRequest(1, payloadOf(4, i, 64), 0, 64, { metadata: i })).toBeGreaterThanOrEqual(0);
  }
  net.wake();
  const deadlineUs = net.nowUs + 60_000_000;
  while (net.step() && net.nowUs < deadlineUs) {
    while (b.pollEvent(view)) {
      if (view.event !== EventKind.RequestReceived) continue;
      const response = payloadOf(5, view.metadata, 64);
      const options =
        respondAttempts === undefined
          ? { metadata: view.metadata }
          : { metadata: view.metadata, attemptsMax: respondAttempts };
      expect(b.respond(view.handle, response, 0, response.length, options)).toBeGreaterThanOrEqual(0);
    }
    while (a.pollEvent(view)) {
      if (view.event === EventKind.ResponseReceived) {
        out.responses++;
        if (!equalBytes(view.payload, view.payloadOffset, view.payloadLength, payloadOf(5, view.metadata, 64)))
          out.corrupt++;
      } else if (view.event === EventKind.Failed) {
        out.failed.push(view.status);
      }
    }
  }
  return out;
}

function expectQuiescent(o: Outcome): void {
  o.net.runUntil(o.net.nowUs + 100_000);
  for (const e of [o.a, o.b]) {
    const state = quiescentState(e);
    for (const key of Object.keys(state)) expect(state[key], key).toBe(0);
  }
}

describe('response admission at the requester', () => {
  it('a response to our own request is admitted at receiversMax (time-wait records fill it)', () => {
    // receiversMax 6 of transfersMax 16: six inbound bulks leave six time-wait records.
    const o = run({ transfersMax: 16, receiversMax: 6 }, 6, 4, undefined);
    expect(o.responses).toBe(4);
    expect(o.failed).toEqual([]);
    expect(o.a.counter('notifiesRejected')).toBe(0); // admitted at once, never refused and retried
    expect(o.b.counter('attemptsRetried')).toBe(0);
    expect(o.corrupt).toBe(0);
    expectQuiescent(o);
  });

  it('a table full of time-wait records: the response retries until a record expires, then arrives', () => {
    // 12 time-wait records + 4 requests fill transfersMax 16: every response is refused OVERLOADED
    // until the records expire (20 ms), and is retried (16 attempts by default for responses).
    const o = run({ transfersMax: 16, receiversMax: 12 }, 12, 4, undefined);
    expect(o.responses).toBe(4);
    expect(o.failed).toEqual([]);
    expect(o.b.counter('attemptsRetried')).toBeGreaterThan(0);
    expectQuiescent(o);
  });

  it('a response that fails for good fails its request with the same status (no request waits forever)', () => {
    const o = run({ transfersMax: 16, receiversMax: 12 }, 12, 4, 1);
    expect(o.responses).toBe(0);
    expect(o.failed).toEqual([
      StatusCode.Overloaded,
      StatusCode.Overloaded,
      StatusCode.Overloaded,
      StatusCode.Overloaded,
    ]);
    expectQuiescent(o);
  });

  it('with 10% loss every request still ends exactly once (response or typed failure)', () => {
    const o = run({ transfersMax: 16, receiversMax: 12 }, 12, 4, 1, 0.1);
    expect(o.responses + o.failed.length).toBe(4);
    expect(o.corrupt).toBe(0);
    expectQuiescent(o);
  });
});

describe('a response that fails with a local status', () => {
  it('tells the requester CANCELLED on the wire (a LocalStatus never travels) and does not throw', () => {
    const a = makeEndpoint(61, { timeWaitUs: 20_000 });
    const b = makeEndpoint(62, { timeWaitUs: 20_000, notifyRetransmitsMax: 200 });
    connect(a, 0, b, 1);
    const net = new TestNetwork({ endpoints: [a, b], seed: 3 });
    const view = new EventView();
    expect(a.submitRequest(1, payloadOf(6, 0, 64), 0, 64)).toBeGreaterThanOrEqual(0);
    net.wake();
    let request = -1;
    while (request < 0 && net.step()) {
      while (b.pollEvent(view)) if (view.event === EventKind.RequestReceived) request = view.handle;
      while (a.pollEvent(view)) {}
    }
    expect(request).toBeGreaterThanOrEqual(0);
    // Cut b → a (a's probes still reach b, b's answers do not): b's response goes unanswered and peer
    // health declares a FAILED, failing the response with LocalStatus.PeerUnreachable (256).
    net.setLink(1, 0, { down: true });
    expect(b.respond(request, payloadOf(7, 0, 64), 0, 64)).toBeGreaterThanOrEqual(0);
    let responseStatus = -1;
    const deadlineUs = net.nowUs + 30_000_000;
    while (responseStatus < 0 && net.step() && net.nowUs < deadlineUs) {
      while (b.pollEvent(view)) if (view.event === EventKind.Failed) responseStatus = view.status;
      while (a.pollEvent(view)) {}
    }
    expect(responseStatus).toBe(LocalStatus.PeerUnreachable);
    // b still sends its FLOW_RESET for the request (status mapped to CANCELLED): no encoder throw.
    expect(() => net.runUntil(net.nowUs + 1_000_000)).not.toThrow();
  });
});
