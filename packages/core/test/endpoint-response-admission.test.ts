/**
 * Responses are admitted by the requester even at `receiversMax` (they answer its own requests),
 * retry when its table is full, and a response that fails for good fails its request (the
 * requester would otherwise wait forever: response timeouts are infinite by default).
 */
import { describe, expect, it } from 'vitest';
import type { EndpointOptions } from '../src/endpoint/config.js';
import type { Endpoint } from '../src/endpoint/endpoint.js';
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
