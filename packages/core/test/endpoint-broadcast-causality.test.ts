/**
 * Causality for broadcasts (docs/engine.md#broadcast): every copy of `submitBroadcast` gets its own
 * token and waits for the broadcast's dependencies, so no copy is notified before they hold, a
 * failed cascading dependency fails every copy with DEPENDENCY_FAILED, and a transfer may depend
 * on the whole broadcast (every copy's token) or on the copy to one peer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CausalityMap, DependencyKind } from '../src/causality-map.js';
import { type Endpoint, LocalStatus, SubmitError } from '../src/endpoint/endpoint.js';
import { EventKind, EventView } from '../src/endpoint/events.js';
import { TransmitInfo } from '../src/endpoint-io.js';
import { TestNetwork } from '../src/testing/test-network.js';
import { StatusCode } from '../src/wire/constants.js';
import { connect, equalBytes, makeEndpoint, payloadOf, QUIESCENT_ZERO, quiescentState } from './endpoint-harness.js';

/** Endpoint 0 (the root) connected to endpoints 1 … n. */
function star(n: number, seed: number, overrides: Parameters<typeof makeEndpoint>[1] = {}) {
  const endpoints: Endpoint[] = [];
  for (let i = 0; i <= n; i++) endpoints.push(makeEndpoint(seed * 16 + i, { peersMax: n + 1, ...overrides }));
  const root = endpoints[0] as Endpoint;
  for (let i = 1; i <= n; i++) connect(root, 0, endpoints[i] as Endpoint, i);
  const net = new TestNetwork({ endpoints, seed, link: { delayUs: 20 } });
  return { endpoints, root, net };
}

/** One event as seen by the test: [endpoint, kind, handle, status, metadata, time]. */
type Seen = [number, number, number, number, number, number];

/**
 * Runs the network, polling every endpoint; `onEvent` may act (respond, submit) and returns true
 * to wake the network. Stops when idle or at `untilUs`.
 */
function drive(
  endpoints: Endpoint[],
  net: TestNetwork,
  untilUs: number,
  onEvent: (e: number, view: EventView) => boolean = () => false,
  onStep: () => boolean = () => false,
): Seen[] {
  const seen: Seen[] = [];
  const view = new EventView();
  net.wake();
  while (net.nowUs < untilUs && net.step()) {
    let woke = onStep();
    for (let e = 0; e < endpoints.length; e++) {
      const endpoint = endpoints[e] as Endpoint;
      while (endpoint.pollEvent(view)) {
        seen.push([e, view.event, view.handle, view.status, view.metadata, net.nowUs]);
        if (onEvent(e, view)) woke = true;
      }
    }
    if (woke) net.wake();
  }
  return seen;
}

describe('Endpoint broadcast causality', () => {
  it('a broadcast that depends on a request waits until it is answered, then reaches every peer', () => {
    const { endpoints, root, net } = star(3, 1);
    const request = root.submitRequest(1, new Uint8Array(16), 0, 16, { causal: true, metadata: 7 });
    const payload = payloadOf(1, 0, 5000);
    const handles = new Float64Array(3);
    expect(
      root.submitBroadcast([1, 2, 3], payload, 0, payload.length, handles, { dependsOn: [root.tokenOf(request)] }),
    ).toBe(3);
    // Each copy has its own token.
    const tokens = new Set(Array.from(handles, (h) => root.tokenOf(h)));
    expect(tokens.size).toBe(3);
    expect(tokens.has(0)).toBe(false);
    let held = -1;
    const seen = drive(
      endpoints,
      net,
      1_000_000,
      (e, view) => {
        if (e === 1 && view.event === EventKind.RequestReceived) held = view.handle;
        if (e > 0 && view.event === EventKind.TransferReceived) {
          expect(equalBytes(view.payload, view.payloadOffset, view.payloadLength, payload)).toBe(true);
        }
        return false;
      },
      () => {
        // The request is answered only at 5 ms: until then no copy may leave.
        if (held >= 0 && net.nowUs >= 5_000) {
          (endpoints[1] as Endpoint).respond(held, new Uint8Array(4), 0, 4);
          held = -1;
          return true;
        }
        return false;
      },
    );
    const answeredAt = seen.find((s) => s[0] === 0 && s[1] === EventKind.ResponseReceived)?.[5] ?? -1;
    expect(answeredAt).toBeGreaterThanOrEqual(5_000);
    const received = seen.filter((s) => s[0] > 0 && s[1] === EventKind.TransferReceived);
    expect(received.map((s) => s[0]).sort()).toEqual([1, 2, 3]);
    for (const s of received) expect(s[5]).toBeGreaterThan(answeredAt);
    const completed = seen.filter((s) => s[0] === 0 && s[1] === EventKind.Completed).map((s) => s[2]);
    expect(completed.sort()).toEqual(Array.from(handles).sort());
    net.runUntil(net.nowUs + 1_000_000);
    expect(root.causality.entriesLive).toBe(0);
    for (const e of endpoints) expect(quiescentState(e)).toEqual(QUIESCENT_ZERO);
  });

  it('a failed cascading dependency fails every copy with DEPENDENCY_FAILED; a non-cascading one lets them go', () => {
    const { endpoints, root, net } = star(3, 2);
    const request = root.submitRequest(1, new Uint8Array(16), 0, 16, { causal: true });
    const token = root.tokenOf(request);
    const payload = payloadOf(2, 0, 3000);
    const cascading = new Float64Array(3);
    const proceeding = new Float64Array(3);
    expect(root.submitBroadcast([1, 2, 3], payload, 0, payload.length, cascading, { dependsOn: [token] })).toBe(3);
    expect(
      root.submitBroadcast([1, 2, 3], payload, 0, payload.length, proceeding, {
        dependsOn: [token],
        dependencyKinds: DependencyKind.ResponseReceived,
      }),
    ).toBe(3);
    expect(root.config.buffers.liveCount).toBe(2);
    expect(root.cancel(request)).toBe(true);
    const seen = drive(endpoints, net, 1_000_000);
    const outcome = new Map<number, number>();
    for (const s of seen) if (s[0] === 0) outcome.set(s[2], s[1] === EventKind.Failed ? s[3] : -s[1]);
    expect(outcome.get(request)).toBe(StatusCode.Cancelled);
    for (const h of cascading) expect(outcome.get(h)).toBe(LocalStatus.DependencyFailed);
    for (const h of proceeding) expect(outcome.get(h)).toBe(-EventKind.Completed);
    // Each peer received exactly one payload: the non-cascading broadcast's copy.
    const received = seen.filter((s) => s[0] > 0 && s[1] === EventKind.TransferReceived).map((s) => s[0]);
    expect(received.sort()).toEqual([1, 2, 3]);
    net.runUntil(net.nowUs + 1_000_000);
    expect(root.causality.entriesLive).toBe(0);
    for (const e of endpoints) expect(quiescentState(e)).toEqual(QUIESCENT_ZERO);
  });

  it('a dependency that already failed fails every copy at once (nothing is sent)', () => {
    const { endpoints, root, net } = star(2, 3);
    const request = root.submitRequest(1, new Uint8Array(16), 0, 16, { causal: true });
    const dependent = root.submitRequest(1, new Uint8Array(16), 0, 16, {
      dependsOn: [root.tokenOf(request)],
      causal: true,
    });
    root.cancel(request); // the dependent fails on the next poll; its token is still live now
    const handles = new Float64Array(2);
    const payload = new Uint8Array(100);
    expect(root.submitBroadcast([1, 2], payload, 0, 100, handles, { dependsOn: [root.tokenOf(dependent)] })).toBe(2);
    const seen = drive(endpoints, net, 1_000_000);
    for (const h of handles) {
      expect(seen.find((s) => s[0] === 0 && s[2] === h)?.[3]).toBe(LocalStatus.DependencyFailed);
    }
    expect(seen.filter((s) => s[0] > 0)).toEqual([]);
    expect(root.counter('notifyEntriesSent')).toBe(0);
    for (const e of endpoints) expect(quiescentState(e)).toEqual(QUIESCENT_ZERO);
  });

  it('a dependent of the whole broadcast waits for every copy; one of a single copy waits for that copy only', () => {
    const { endpoints, root, net } = star(3, 4);
    // The copy to peer 3 crosses a long path (10 ms each way): it completes after ~40 ms.
    net.setLink(0, 3, { delayUs: 10_000 });
    net.setLink(3, 0, { delayUs: 10_000 });
    const payload = payloadOf(4, 0, 200_000);
    const handles = new Float64Array(3);
    expect(root.submitBroadcast([1, 2, 3], payload, 0, payload.length, handles, { causal: true })).toBe(3);
    const all = Array.from(handles, (h) => root.tokenOf(h));
    const afterAll = root.submitRequest(1, new Uint8Array(8), 0, 8, { dependsOn: all, metadata: 1 });
    const afterCopy2 = root.submitRequest(2, new Uint8Array(8), 0, 8, { dependsOn: [all[1] as number], metadata: 2 });
    expect(afterAll).toBeGreaterThanOrEqual(0);
    expect(afterCopy2).toBeGreaterThanOrEqual(0);
    const seen = drive(endpoints, net, 5_000_000, (e, view) => {
      if (view.event === EventKind.RequestReceived) {
        (endpoints[e] as Endpoint).respond(view.handle, new Uint8Array(4), 0, 4);
        return true;
      }
      return false;
    });
    const doneAt = (h: number) => seen.find((s) => s[0] === 0 && s[2] === h && s[1] === EventKind.Completed)?.[5] ?? -1;
    const requestAt = (e: number, metadata: number) =>
      seen.find((s) => s[0] === e && s[1] === EventKind.RequestReceived && s[4] === metadata)?.[5] ?? -1;
    const lastCopyAt = Math.max(...Array.from(handles, doneAt));
    expect(Math.min(...Array.from(handles, doneAt))).toBeGreaterThan(0);
    expect(lastCopyAt).toBe(doneAt(handles[2] as number)); // the slow one
    expect(lastCopyAt).toBeGreaterThan(30_000);
    expect(requestAt(1, 1)).toBeGreaterThan(lastCopyAt);
    // Per-peer order without head-of-line blocking: after the copy to peer 2, long before peer 3's.
    expect(requestAt(2, 2)).toBeGreaterThan(doneAt(handles[1] as number));
    expect(requestAt(2, 2)).toBeLessThan(lastCopyAt);
    net.runUntil(net.nowUs + 1_000_000);
    expect(root.causality.entriesLive).toBe(0);
    for (const e of endpoints) expect(quiescentState(e)).toEqual(QUIESCENT_ZERO);
  });

  it('a dependent of the whole broadcast fails when one copy fails (cascade) and proceeds without cascade', () => {
    const { endpoints, root, net } = star(3, 5);
    net.partition(0, 3);
    const handles = new Float64Array(3);
    expect(
      root.submitBroadcast([1, 2, 3], new Uint8Array(2000), 0, 2000, handles, { causal: true, deadlineUs: 2_000 }),
    ).toBe(3);
    const all = Array.from(handles, (h) => root.tokenOf(h));
    const cascading = root.submitRequest(1, new Uint8Array(8), 0, 8, { dependsOn: all });
    const proceeding = root.submitRequest(1, new Uint8Array(8), 0, 8, {
      dependsOn: all,
      dependencyKinds: DependencyKind.ResponseReceived,
      metadata: 9,
    });
    const seen = drive(endpoints, net, 1_000_000, (e, view) => {
      if (view.event === EventKind.RequestReceived) {
        (endpoints[e] as Endpoint).respond(view.handle, new Uint8Array(4), 0, 4);
        return true;
      }
      return false;
    });
    const of = (h: number) => seen.find((s) => s[0] === 0 && s[2] === h);
    expect(of(handles[2] as number)?.slice(1, 4)).toEqual([EventKind.Failed, handles[2], StatusCode.Timeout]);
    expect(of(cascading)?.[3]).toBe(LocalStatus.DependencyFailed);
    expect(of(proceeding)?.[1]).toBe(EventKind.ResponseReceived);
    // The non-cascading dependent went only once the failed copy had ended (at its deadline).
    const proceededAt = seen.find((s) => s[0] === 1 && s[1] === EventKind.RequestReceived)?.[5] ?? -1;
    expect(proceededAt).toBeGreaterThan(2_000);
    net.healAll();
    net.runUntil(net.nowUs + 1_000_000);
    expect(root.causality.entriesLive).toBe(0);
    for (const e of endpoints) expect(quiescentState(e)).toEqual(QUIESCENT_ZERO);
  });

  it('is all or nothing when the causality map runs out part-way (WOULD_BLOCK, then WRITABLE)', () => {
    const causality = new CausalityMap({ entryCapacityInitial: 4, entryCapacityMax: 4 });
    const { root } = star(3, 6, { causality });
    const blocker = root.submitRequest(1, new Uint8Array(8), 0, 8, { causal: true });
    expect(causality.entriesLive).toBe(1);
    const handles = new Float64Array(4).fill(-1);
    const payload = new Uint8Array(4000);
    // Four copies need four entries; three are free.
    expect(
      root.submitBroadcast([1, 2, 3, 1], payload, 0, payload.length, handles, { causal: true, deadlineUs: 1_000 }),
    ).toBe(SubmitError.WouldBlock);
    expect(root.transfersLive).toBe(1);
    expect(root.config.buffers.liveCount).toBe(0);
    expect(root.timersActive).toBe(0);
    // The map frees an entry once its owner polled its notification (pollTransmit polls the map).
    const out = new Uint8Array(2048);
    const info = new TransmitInfo();
    const drain = () => {
      while (root.pollTransmit(0, out, 0, info) > 0) {}
    };
    drain();
    expect(causality.entriesLive).toBe(1);
    // Once the blocker's entry is gone, WRITABLE says when to retry, and the retry fits.
    root.cancel(blocker);
    drain();
    const view = new EventView();
    const kinds: number[] = [];
    while (root.pollEvent(view)) kinds.push(view.event);
    expect(kinds).toContain(EventKind.Writable);
    expect(root.submitBroadcast([1, 2, 3, 1], payload, 0, payload.length, handles, { causal: true })).toBe(4);
    expect(causality.entriesLive).toBe(4);
  });

  it('model: random dependencies, kinds and fates decide every copy and a dependent of all copies', () => {
    const dependency = fc.record({
      cancel: fc.boolean(),
      answerDelayUs: fc.integer({ min: 0, max: 3_000 }),
      cascade: fc.boolean(),
      chosen: fc.boolean(),
    });
    const scenario = fc.record({
      dependencies: fc.array(dependency, { minLength: 1, maxLength: 3 }),
      dependentCascades: fc.boolean(),
      seed: fc.integer({ min: 1, max: 1_000 }),
    });
    fc.assert(
      fc.property(scenario, ({ dependencies, dependentCascades, seed }) => {
        const { endpoints, root, net } = star(3, seed);
        const requests = dependencies.map((_, i) =>
          root.submitRequest(1, new Uint8Array(8), 0, 8, { causal: true, metadata: i + 1 }),
        );
        const chosen = dependencies.map((d, i) => ({ ...d, handle: requests[i] as number }));
        if (!chosen.some((d) => d.chosen)) (chosen[0] as { chosen: boolean }).chosen = true;
        const deps = chosen.filter((d) => d.chosen);
        const handles = new Float64Array(3);
        const payload = payloadOf(seed, 0, 2_500);
        const result = root.submitBroadcast([1, 2, 3], payload, 0, payload.length, handles, {
          dependsOn: deps.map((d) => root.tokenOf(d.handle)),
          dependencyKinds: deps.map((d) =>
            d.cascade ? DependencyKind.ResponseReceivedCascade : DependencyKind.ResponseReceived,
          ),
        });
        expect(result).toBe(3);
        const dependent = root.submitRequest(2, new Uint8Array(8), 0, 8, {
          dependsOn: Array.from(handles, (h) => root.tokenOf(h)),
          dependencyKinds: dependentCascades ? DependencyKind.ResponseReceivedCascade : DependencyKind.ResponseReceived,
          metadata: 100,
        });
        expect(dependent).toBeGreaterThanOrEqual(0);
        for (const d of chosen) if (d.cancel) root.cancel(d.handle);
        const answers: [number, number][] = []; // [due µs, request handle at endpoint 1]
        const seen = drive(
          endpoints,
          net,
          2_000_000,
          (e, view) => {
            if (view.event !== EventKind.RequestReceived) return false;
            if (e === 1) {
              const d = chosen[view.metadata - 1];
              answers.push([net.nowUs + (d?.answerDelayUs ?? 0), view.handle]);
              return false;
            }
            (endpoints[e] as Endpoint).respond(view.handle, new Uint8Array(4), 0, 4);
            return true;
          },
          () => {
            let woke = false;
            for (const answer of answers) {
              if (answer[1] >= 0 && answer[0] <= net.nowUs) {
                (endpoints[1] as Endpoint).respond(answer[1], new Uint8Array(4), 0, 4);
                answer[1] = -1;
                woke = true;
              }
            }
            return woke;
          },
        );
        const rootEvent = (h: number) => seen.find((x) => x[0] === 0 && x[2] === h);
        // Reference model.
        const copiesFail = deps.some((d) => d.cancel && d.cascade);
        const gateUs = Math.max(
          0,
          ...deps.filter((d) => !d.cancel).map((d) => rootEvent(d.handle)?.[5] ?? Number.POSITIVE_INFINITY),
        );
        const delivered = seen.filter((x) => x[0] > 0 && x[1] === EventKind.TransferReceived);
        if (copiesFail) {
          for (const h of handles)
            expect(rootEvent(h)?.slice(1, 4)).toEqual([EventKind.Failed, h, LocalStatus.DependencyFailed]);
          expect(delivered).toEqual([]);
        } else {
          for (const h of handles) expect(rootEvent(h)?.[1]).toBe(EventKind.Completed);
          expect(delivered.map((x) => x[0]).sort()).toEqual([1, 2, 3]);
          for (const x of delivered) expect(x[5]).toBeGreaterThan(gateUs);
        }
        const dependentEvent = rootEvent(dependent);
        const dependentArrived = seen.find((x) => x[0] === 2 && x[1] === EventKind.RequestReceived);
        if (copiesFail && dependentCascades) {
          expect(dependentEvent?.[3]).toBe(LocalStatus.DependencyFailed);
          expect(dependentArrived).toBeUndefined();
        } else {
          expect(dependentEvent?.[1]).toBe(EventKind.ResponseReceived);
          const copiesEndedUs = Math.max(...Array.from(handles, (h) => rootEvent(h)?.[5] ?? Number.POSITIVE_INFINITY));
          expect(dependentArrived?.[5]).toBeGreaterThanOrEqual(copiesEndedUs);
        }
        net.runUntil(net.nowUs + 1_000_000);
        expect(root.causality.entriesLive).toBe(0);
        for (const e of endpoints) expect(quiescentState(e)).toEqual(QUIESCENT_ZERO);
      }),
      { numRuns: 12 },
    );
  });
});
