import { describe, expect, it } from 'vitest';
import { DependencyKind } from '../src/causality-map.js';
import { LocalStatus } from '../src/endpoint/endpoint.js';
import { EventKind, EventView } from '../src/endpoint/events.js';
import { TestNetwork } from '../src/testing/test-network.js';
import { StatusCode } from '../src/wire/constants.js';
import { connect, makeEndpoint, quiescentState } from './endpoint-harness.js';

function setup(seed: number) {
  const a = makeEndpoint(seed * 2 + 1);
  const b = makeEndpoint(seed * 2 + 2);
  connect(a, 0, b, 1);
  const net = new TestNetwork({ endpoints: [a, b], seed, link: { delayUs: 50 } });
  return { a, b, net };
}

describe('Endpoint causality (milestone 3, partial)', () => {
  it('a dependent is not notified before its dependency is answered (ResponseReceivedCascade)', () => {
    const { a, b, net } = setup(1);
    const hA = a.submitRequest(1, new Uint8Array(100), 0, 100, { causal: true, metadata: 1 });
    const hB = a.submitRequest(1, new Uint8Array(200_000), 0, 200_000, { dependsOn: [a.tokenOf(hA)], metadata: 2 });
    expect(a.tokenOf(hA)).not.toBe(0);
    net.wake();
    const view = new EventView();
    const received: number[] = [];
    let heldA = -1;
    let answeredAt = -1;
    const responses: number[] = [];
    while (net.step() && net.nowUs < 10_000_000) {
      while (b.pollEvent(view)) {
        if (view.event !== EventKind.RequestReceived) continue;
        received.push(view.metadata);
        if (view.metadata === 1) heldA = view.handle;
        else {
          // B arrives only after A was answered (and A's response delivered).
          expect(answeredAt).toBeGreaterThan(0);
          expect(net.nowUs).toBeGreaterThan(answeredAt);
          b.respond(view.handle, new Uint8Array(8), 0, 8);
        }
        net.wake();
      }
      if (heldA >= 0 && answeredAt < 0 && net.nowUs > 5_000) {
        answeredAt = net.nowUs;
        b.respond(heldA, new Uint8Array(8), 0, 8);
        net.wake();
      }
      while (a.pollEvent(view)) {
        expect(view.event).toBe(EventKind.ResponseReceived);
        responses.push(view.handle);
      }
    }
    expect(received).toEqual([1, 2]);
    expect(responses).toEqual([hA, hB]);
    net.runUntil(net.nowUs + 1_000_000);
    expect(quiescentState(a).transfers).toBe(0);
    expect(a.causality.entriesLive).toBe(0);
  });

  it('a failed dependency cascades (DEPENDENCY_FAILED) and releases non-cascading dependents', () => {
    const { a, b, net } = setup(2);
    const hA = a.submitRequest(1, new Uint8Array(10), 0, 10, { causal: true });
    const token = a.tokenOf(hA);
    const hB = a.submitRequest(1, new Uint8Array(10), 0, 10, { dependsOn: [token], causal: true });
    const hC = a.submitRequest(1, new Uint8Array(10), 0, 10, { dependsOn: [a.tokenOf(hB)] });
    const hD = a.submitRequest(1, new Uint8Array(10), 0, 10, {
      dependsOn: [token],
      dependencyKinds: DependencyKind.ResponseReceived,
    });
    expect(a.cancel(hA)).toBe(true);
    net.wake();
    const view = new EventView();
    const outcome = new Map<number, number>();
    while (net.step()) {
      while (b.pollEvent(view)) {
        if (view.event === EventKind.RequestReceived) {
          b.respond(view.handle, new Uint8Array(4), 0, 4);
          net.wake();
        }
      }
      while (a.pollEvent(view)) outcome.set(view.handle, view.event === EventKind.Failed ? view.status : -1);
    }
    expect(outcome.get(hA)).toBe(StatusCode.Cancelled);
    expect(outcome.get(hB)).toBe(LocalStatus.DependencyFailed);
    expect(outcome.get(hC)).toBe(LocalStatus.DependencyFailed);
    expect(outcome.get(hD)).toBe(-1); // RESPONSE_RECEIVED: a non-cascading edge proceeds
    expect(a.causality.entriesLive).toBe(0);
  });

  it('RequestSent edges release the dependent once the dependency is accepted, before its response', () => {
    const { a, b, net } = setup(3);
    const hA = a.submitRequest(1, new Uint8Array(10), 0, 10, { causal: true, metadata: 1 });
    a.submitRequest(1, new Uint8Array(10), 0, 10, {
      dependsOn: [a.tokenOf(hA)],
      dependencyKinds: DependencyKind.RequestSentCascade,
      metadata: 2,
    });
    net.wake();
    const view = new EventView();
    const received: number[] = [];
    // A stays unanswered (peer health keeps probing the idle peer): run for a bounded time.
    while (net.step() && net.nowUs < 200_000) {
      while (b.pollEvent(view)) if (view.event === EventKind.RequestReceived) received.push(view.metadata);
    }
    // Nobody answered A, yet B was delivered: it only waited for A to be accepted.
    expect(received).toEqual([1, 2]);
  });
});
