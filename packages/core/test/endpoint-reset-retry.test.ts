/**
 * Retries across a peer reset (RESETTING: frozen sender transfers, re-attempted or failed once the
 * application installs a new secret) and after a transient FLOW_RESET from the receiver.
 *
 * The restart scenario's reference model: at the moment the peer is cut off, every live request's
 * progress is read from the sender (state, inline or not, sealed bytes sent); from it and the
 * request's options the model predicts whether the request is re-attempted after `addPeer` or
 * fails PEER_RESET, and checks, independently of the engine, that every request re-attempted by
 * default was never delivered to the old incarnation's application, that no request is delivered
 * twice unless it was declared idempotent, that responses are byte-exact and that everything
 * returns to zero.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NobleCryptoProvider } from '../src/crypto/noble-provider.js';
import { createSeededRandom } from '../src/crypto/random.js';
import type { Endpoint } from '../src/endpoint/endpoint.js';
import { EventKind, EventView } from '../src/endpoint/events.js';
import { SenderState, TransferFlag } from '../src/endpoint/transfer-table.js';
import { derivePskResetKey } from '../src/path-secret-map.js';
import { PeerState } from '../src/peer-health.js';
import { TestNetwork } from '../src/testing/test-network.js';
import { StatusCode } from '../src/wire/constants.js';
import { equalBytes, makeEndpoint, payloadOf, QUIESCENT_ZERO, quiescentState, responseOf } from './endpoint-harness.js';

const PSK = new Uint8Array(32).fill(7);
const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const resetKeyOf = (name: string) =>
  derivePskResetKey(new NobleCryptoProvider({ random: createSeededRandom(1) }), PSK, enc(name));
const ZERO_STATE = QUIESCENT_ZERO;

function addPeerPsk(e: Endpoint, self: number, other: number, epoch: number, nowUs: number): void {
  e.addPeer(other, { psk: PSK, localIdentity: enc(`host-${self}`), peerIdentity: enc(`host-${other}`), epoch }, nowUs);
}

/** Request i: its size (inline, one record, several records), options and whether the old b answers it. */
const sizeOf = (i: number): number => [200, 8_000, 60_000, 200_000][i % 4] as number;
const retryOptionOf = (i: number): boolean | undefined => [undefined, undefined, undefined, true, false][i % 5];
const attemptsOf = (i: number): number => (i % 7 === 6 ? 1 : 3);
const oldAnswers = (i: number): boolean => i % 2 === 0;
const metaOf = (i: number): number => i + 1;

interface Snapshot {
  readonly state: number;
  readonly inline: boolean;
  /** Its first notify carried UNSCHEDULED (the sealed stream followed it at once). */
  readonly unscheduled: boolean;
  /** A notify was sent in its current attempt (firstSeq set). */
  readonly notified: boolean;
  readonly sentEnd: number;
  readonly sealed: number;
}

/** The model's view of "provably never reached the peer's application" (state-machines.md#sender-transfer). */
function neverDelivered(s: Snapshot): boolean {
  switch (s.state) {
    case SenderState.Queued:
      return true;
    case SenderState.Notifying:
      // protocol.md#unscheduled: every unscheduled byte sent may have been taken and delivered.
      return !s.inline && !(s.unscheduled && s.sentEnd >= s.sealed);
    case SenderState.Held:
    case SenderState.Accepted:
      return !s.inline;
    case SenderState.ServingPulls:
      return !s.inline && s.sentEnd < s.sealed;
    default:
      return false;
  }
}

interface RestartOutcome {
  readonly stages: Map<number, number>;
  readonly retried: number;
  readonly failedReset: number;
}

/**
 * 100 RPCs a → b; b answers the even ones. Once `cutAfterDelivered` requests reached b, the link
 * is cut, the senders' progress is snapshotted, b restarts with a new secret (b2, epoch 1) and the
 * link heals; a learns of the restart (UNKNOWN_PATH_SECRET) and, `addPeerDelayUs` later, installs
 * the new secret. b2 answers everything.
 */
function runRestart(seed: number, lossProbability: number, cutAfterDelivered: number): RestartOutcome {
  const count = 100;
  const common = { notifyCreditInitial: 24, peerResetHoldUs: 2_000_000 };
  const a = makeEndpoint(seed * 4 + 1, { ...common, statelessResetKey: resetKeyOf('host-0') });
  const bOptions = {
    ...common,
    statelessResetKey: resetKeyOf('host-1'),
    receiversActiveMax: 6,
    receiveWindowBytes: 96 * 1024,
  };
  const b = makeEndpoint(seed * 4 + 2, bOptions);
  addPeerPsk(a, 0, 1, 0, 0);
  addPeerPsk(b, 1, 0, 0, 0);
  const net = new TestNetwork({ endpoints: [a, b], seed, link: { lossProbability }, transmitsPerInstantMax: 256 });
  const handleOf = new Map<number, number>();
  const indexOf = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const payload = payloadOf(seed, i, sizeOf(i));
    const retryOnPeerReset = retryOptionOf(i);
    const h = a.submitRequest(1, payload, 0, payload.length, {
      metadata: metaOf(i),
      attemptsMax: attemptsOf(i),
      ...(retryOnPeerReset === undefined ? {} : { retryOnPeerReset }),
    });
    expect(h).toBeGreaterThanOrEqual(0);
    handleOf.set(i, h);
    indexOf.set(h, i);
  }
  net.wake();
  const view = new EventView();
  const deliveredOld = new Uint8Array(count);
  const deliveredNew = new Uint8Array(count);
  const outcome = new Int32Array(count).fill(-1); // -1 none, 0 response, else FAILED status
  let duplicates = 0;
  let corrupt = 0;
  let resetSeen = false;
  const serve = (e: Endpoint, delivered: Uint8Array, answerAll: boolean): void => {
    while (e.pollEvent(view)) {
      if (view.event !== EventKind.RequestReceived) continue;
      const i = view.metadata - 1;
      if (delivered[i] === 1) duplicates++;
      delivered[i] = 1;
      const expected = payloadOf(seed, i, sizeOf(i));
      if (!equalBytes(view.payload, view.payloadOffset, view.payloadLength, expected)) corrupt++;
      if (answerAll || oldAnswers(i)) {
        const response = responseOf(expected, 100 + (i % 3) * 3000);
        expect(e.respond(view.handle, response, 0, response.length)).toBeGreaterThanOrEqual(0);
        net.wake();
      }
    }
  };
  const drainA = (): void => {
    while (a.pollEvent(view)) {
      if (view.event === EventKind.PeerReset) {
        resetSeen = true;
        continue;
      }
      const i = indexOf.get(view.handle);
      if (i === undefined) {
        corrupt++;
        continue;
      }
      if (outcome[i] !== -1) duplicates++;
      if (view.event === EventKind.ResponseReceived) {
        outcome[i] = 0;
        const expected = responseOf(payloadOf(seed, i, sizeOf(i)), 100 + (i % 3) * 3000);
        if (!equalBytes(view.payload, view.payloadOffset, view.payloadLength, expected)) corrupt++;
      } else {
        expect(view.event).toBe(EventKind.Failed);
        outcome[i] = view.status;
      }
    }
  };
  let deliveredCount = 0;
  while (deliveredCount < cutAfterDelivered && net.step()) {
    serve(b, deliveredOld, false);
    drainA();
    deliveredCount = deliveredOld.reduce((n, x) => n + x, 0);
  }
  expect(deliveredCount).toBeGreaterThanOrEqual(cutAfterDelivered);
  // Cut the link (datagrams in flight are lost too) and let b finish what it already holds.
  net.partition(0, 1);
  const cutUs = net.nowUs;
  while (net.step() && net.nowUs < cutUs + 3_000) {
    serve(b, deliveredOld, false);
    drainA();
  }
  // The senders' progress: nothing from b can change it any more.
  const snapshots = new Map<number, Snapshot>();
  const stages = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const slot = a.transfers.slotOfHandle(handleOf.get(i) as number);
    if (slot < 0) continue;
    const flags = a.transfers.flags[slot] as number;
    const snap = {
      state: a.transfers.state[slot] as number,
      inline: (flags & TransferFlag.Inline) !== 0,
      unscheduled: (flags & TransferFlag.Unscheduled) !== 0,
      notified: (a.transfers.firstSeq[slot] as number) !== 0,
      sentEnd: a.transfers.sentEnd[slot] as number,
      sealed: a.transfers.sealedBytes[slot] as number,
    };
    snapshots.set(i, snap);
    stages.set(snap.state, (stages.get(snap.state) ?? 0) + 1);
  }
  // b restarts with a new epoch; a still speaks the old secret.
  const b2 = makeEndpoint(seed * 4 + 3, bOptions);
  addPeerPsk(b2, 1, 0, 1, net.nowUs);
  net.crash(1);
  net.replace(1, b2);
  net.heal(0, 1);
  while (!resetSeen && net.step() && net.nowUs < cutUs + 1_500_000) drainA();
  expect(resetSeen).toBe(true);
  expect(a.health.stateOf(1)).toBe(PeerState.Resetting);
  // Frozen: nothing failed yet, nothing sent to b2 but what it already had.
  for (const [i] of snapshots) expect(outcome[i]).toBe(-1);
  expect(a.sendersFrozenOf(1)).toBe(snapshots.size);
  // A little later the application installs the new secret (the PSK "re-handshake").
  net.runUntil(net.nowUs + 5_000);
  drainA();
  addPeerPsk(a, 0, 1, 1, net.nowUs);
  expect(a.sendersFrozenOf(1)).toBe(0);
  net.wake();
  const endLimit = net.nowUs + 30_000_000;
  while (outcome.some((o) => o === -1) && net.step() && net.nowUs < endLimit) {
    serve(b2, deliveredNew, true);
    drainA();
  }
  drainA();
  expect(corrupt).toBe(0);
  expect(duplicates).toBe(0);
  let retried = 0;
  let failedReset = 0;
  for (let i = 0; i < count; i++) {
    expect(outcome[i], `request ${i} has an outcome`).not.toBe(-1);
    const snap = snapshots.get(i);
    if (snap === undefined) {
      // Finished before the cut (answered by the old b).
      expect(outcome[i]).toBe(0);
      expect(deliveredOld[i]).toBe(1);
      expect(deliveredNew[i]).toBe(0);
      continue;
    }
    const option = retryOptionOf(i);
    const hasPayload = snap.inline || snap.state !== SenderState.AwaitingResponse;
    // A request never notified is simply sent under the new secret (no attempt used, any option);
    // the others are re-attempted per attempts left and retryOnPeerReset.
    const unsent = snap.state === SenderState.Queued && !snap.notified;
    const expectRetry =
      unsent || (attemptsOf(i) >= 2 && option !== false && hasPayload && (option === true || neverDelivered(snap)));
    if (expectRetry) {
      retried++;
      expect(outcome[i], `request ${i} (state ${snap.state}) retried to a response`).toBe(0);
      expect(deliveredNew[i]).toBe(1);
      // By default only requests the old incarnation never delivered are re-sent (at most once).
      if (option !== true) expect(deliveredOld[i], `request ${i} was not delivered before`).toBe(0);
    } else {
      failedReset++;
      expect(outcome[i], `request ${i} (state ${snap.state}) fails PEER_RESET`).toBe(StatusCode.PeerReset);
      expect(deliveredNew[i]).toBe(0);
    }
    if (option !== true) expect((deliveredOld[i] ?? 0) + (deliveredNew[i] ?? 0)).toBeLessThanOrEqual(1);
  }
  expect(a.counter('peerResetRetries')).toBe(retried);
  expect(a.counter('peerResetFailures')).toBe(failedReset);
  expect(a.counter('peersReset')).toBe(1);
  // Everything returns to zero once the time-wait records expire.
  net.runUntil(net.nowUs + 1_000_000);
  drainA();
  while (b2.pollEvent(view)) {}
  expect(quiescentState(a)).toEqual(ZERO_STATE);
  expect(quiescentState(b2)).toEqual(ZERO_STATE);
  expect(a.health.stateOf(1)).not.toBe(PeerState.Resetting);
  return { stages, retried, failedReset };
}

describe('Endpoint peer reset: frozen transfers retried or failed after the new secret', () => {
  it('validates peerResetHoldUs and retryOnPeerReset', () => {
    expect(() => makeEndpoint(1, { peerResetHoldUs: 0 })).toThrow(/peerResetHoldUs/);
    expect(() => makeEndpoint(1, { peerResetHoldUs: 1.5 })).toThrow(/peerResetHoldUs/);
    expect(makeEndpoint(1).config.peerResetHoldUs).toBe(10_000_000);
    const a = makeEndpoint(2);
    addPeerPsk(a, 0, 1, 0, 0);
    const bad = { retryOnPeerReset: 'yes' } as unknown as { retryOnPeerReset: boolean };
    expect(() => a.submitRequest(1, new Uint8Array(1), 0, 1, bad)).toThrow(/retryOnPeerReset/);
    expect(a.transfersLive).toBe(0);
  });

  it('100 requests in flight at several stages: retryable ones complete exactly once, the others fail PEER_RESET', () => {
    const { stages, retried, failedReset } = runRestart(31, 0, 20);
    // The scenario must cover the stages the decision depends on.
    expect(stages.get(SenderState.Queued) ?? 0).toBeGreaterThan(0);
    expect(stages.get(SenderState.AwaitingResponse) ?? 0).toBeGreaterThan(0);
    expect(
      (stages.get(SenderState.Notifying) ?? 0) +
        (stages.get(SenderState.Held) ?? 0) +
        (stages.get(SenderState.Accepted) ?? 0),
    ).toBeGreaterThan(0);
    expect((stages.get(SenderState.ServingPulls) ?? 0) + (stages.get(SenderState.Draining) ?? 0)).toBeGreaterThan(0);
    expect(retried).toBeGreaterThan(10);
    expect(failedReset).toBeGreaterThan(5);
  });

  it('the same at 10% loss, over several seeds and cut points', () => {
    const cases: (readonly [number, number])[] = process.env.DCQ_LONG_TESTS
      ? Array.from({ length: 24 }, (_, k) => [100 + k, 5 + ((k * 13) % 80)] as const)
      : [
          [41, 10],
          [42, 40],
          [43, 70],
        ];
    for (const [seed, cut] of cases) {
      const { retried } = runRestart(seed, 0.1, cut);
      expect(retried).toBeGreaterThan(0);
    }
  });

  it('property: any seed, cut point and loss rate keeps the model (at most once, byte-exact, all state freed)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 90 }),
        fc.constantFrom(0, 0.02, 0.1),
        (seed, cut, loss) => {
          runRestart(seed, loss, cut);
        },
      ),
      { numRuns: process.env.DCQ_LONG_TESTS ? 40 : 3 },
    );
  });

  it('no new secret within peerResetHoldUs: every frozen transfer fails PEER_RESET at the hold', () => {
    const holdUs = 300_000;
    const a = makeEndpoint(501, { statelessResetKey: resetKeyOf('host-0'), peerResetHoldUs: holdUs });
    const b = makeEndpoint(502, { statelessResetKey: resetKeyOf('host-1') });
    addPeerPsk(a, 0, 1, 0, 0);
    addPeerPsk(b, 1, 0, 0, 0);
    const net = new TestNetwork({ endpoints: [a, b], seed: 5 });
    const handles = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const p = payloadOf(5, i, sizeOf(i));
      handles.add(a.submitRequest(1, p, 0, p.length, { attemptsMax: 3, retryOnPeerReset: true }));
    }
    net.wake();
    const view = new EventView();
    // b receives some and never answers; then restarts.
    let received = 0;
    while (received < 8 && net.step())
      while (b.pollEvent(view)) if (view.event === EventKind.RequestReceived) received++;
    const b2 = makeEndpoint(503, { statelessResetKey: resetKeyOf('host-1') });
    addPeerPsk(b2, 1, 0, 1, net.nowUs);
    net.replace(1, b2);
    let resetAtUs = -1;
    const failedAt = new Map<number, number>();
    while (net.step() && net.nowUs < 5_000_000) {
      while (a.pollEvent(view)) {
        if (view.event === EventKind.PeerReset) resetAtUs = net.nowUs;
        else if (view.event === EventKind.Failed) {
          expect(view.status).toBe(StatusCode.PeerReset);
          expect(failedAt.has(view.handle)).toBe(false);
          failedAt.set(view.handle, net.nowUs);
        } else expect.unreachable(`unexpected event ${view.event}`);
      }
    }
    expect(resetAtUs).toBeGreaterThan(0);
    expect(failedAt.size).toBe(handles.size);
    for (const [h, at] of failedAt) {
      expect(handles.has(h)).toBe(true);
      expect(at).toBeGreaterThanOrEqual(resetAtUs + holdUs);
      expect(at).toBeLessThan(resetAtUs + holdUs + 20_000);
    }
    expect(a.sendersFrozenOf(1)).toBe(0);
    expect(a.counter('peerResetFailures')).toBe(handles.size);
    expect(quiescentState(a)).toEqual(ZERO_STATE);
    // A late new secret finds nothing to retry; new work flows.
    addPeerPsk(a, 0, 1, 1, net.nowUs);
    const h = a.submitRequest(1, new Uint8Array(10), 0, 10);
    net.wake();
    let answered = false;
    while (!answered && net.step()) {
      while (b2.pollEvent(view)) {
        if (view.event === EventKind.RequestReceived) b2.respond(view.handle, new Uint8Array(2), 0, 2);
        net.wake();
      }
      while (a.pollEvent(view)) if (view.event === EventKind.ResponseReceived && view.handle === h) answered = true;
      if (net.nowUs > 10_000_000) break;
    }
    expect(answered).toBe(true);
    expect(a.counter('peerResetRetries')).toBe(0);
  });

  it('submissions to a RESETTING peer wait frozen for the new secret (no attempt used), or fail PEER_RESET at the hold', () => {
    for (const installSecret of [true, false]) {
      const holdUs = 300_000;
      const a = makeEndpoint(701, { statelessResetKey: resetKeyOf('host-0'), peerResetHoldUs: holdUs });
      const b = makeEndpoint(702, { statelessResetKey: resetKeyOf('host-1') });
      addPeerPsk(a, 0, 1, 0, 0);
      addPeerPsk(b, 1, 0, 0, 0);
      const net = new TestNetwork({ endpoints: [a, b], seed: 7 });
      // b restarts before a sends anything: a's first notify is answered UNKNOWN_PATH_SECRET.
      const b2 = makeEndpoint(703, { statelessResetKey: resetKeyOf('host-1') });
      addPeerPsk(b2, 1, 0, 1, 0);
      net.replace(1, b2);
      const first = payloadOf(7, 0, 100);
      expect(a.submitRequest(1, first, 0, first.length, { retryOnPeerReset: false })).toBeGreaterThanOrEqual(0);
      net.wake();
      const view = new EventView();
      let resetAtUs = -1;
      while (resetAtUs < 0 && net.step() && net.nowUs < 1_000_000) {
        while (a.pollEvent(view)) if (view.event === EventKind.PeerReset) resetAtUs = net.nowUs;
      }
      expect(a.health.stateOf(1)).toBe(PeerState.Resetting);
      // New work for the RESETTING peer is taken (default attempts: 1, and even retryOnPeerReset
      // false: it is not a retry); a stream is not (its opener needs the peer now).
      const payloads = [payloadOf(7, 1, 300), payloadOf(7, 2, 20_000)];
      const handles = payloads.map((p, i) =>
        i === 0
          ? a.submitRequest(1, p, 0, p.length, { metadata: 1, retryOnPeerReset: false })
          : a.submitBulk(1, p, 0, p.length, { metadata: 2 }),
      );
      for (const h of handles) expect(h).toBeGreaterThanOrEqual(0);
      expect(a.openStream(1)).toBeLessThan(0);
      expect(a.sendersFrozenOf(1)).toBe(3);
      const sentBefore = a.counter('notifyEntriesSent');
      net.runUntil(net.nowUs + 50_000);
      expect(a.counter('notifyEntriesSent')).toBe(sentBefore); // frozen: nothing is sent
      if (installSecret) addPeerPsk(a, 0, 1, 1, net.nowUs);
      net.wake();
      const received = new Map<number, number>();
      const outcomes = new Map<number, number>();
      while (net.step() && net.nowUs < resetAtUs + 2_000_000) {
        while (b2.pollEvent(view)) {
          if (view.event === EventKind.RequestReceived || view.event === EventKind.TransferReceived) {
            const i = view.metadata;
            received.set(i, (received.get(i) ?? 0) + 1);
            expect(
              equalBytes(view.payload, view.payloadOffset, view.payloadLength, payloads[i - 1] as Uint8Array),
            ).toBe(true);
            if (view.event === EventKind.RequestReceived) b2.respond(view.handle, new Uint8Array(5), 0, 5);
            net.wake();
          }
        }
        while (a.pollEvent(view)) {
          expect(outcomes.has(view.handle)).toBe(false);
          outcomes.set(view.handle, view.event === EventKind.Failed ? view.status : view.event);
        }
      }
      // The request notified before the reset used its only attempt and said retryOnPeerReset: false.
      const [request, bulk] = handles as [number, number];
      if (installSecret) {
        expect([...received.entries()].sort()).toEqual([
          [1, 1],
          [2, 1],
        ]);
        expect(outcomes.get(request)).toBe(EventKind.ResponseReceived);
        expect(outcomes.get(bulk)).toBe(EventKind.Completed);
        expect(a.counter('peerResetRetries')).toBe(2);
        expect(a.counter('peerResetFailures')).toBe(1);
      } else {
        expect(received.size).toBe(0);
        expect(outcomes.get(request)).toBe(StatusCode.PeerReset);
        expect(outcomes.get(bulk)).toBe(StatusCode.PeerReset);
        expect(a.counter('peerResetFailures')).toBe(3);
      }
      expect(a.sendersFrozenOf(1)).toBe(0);
      net.runUntil(net.nowUs + 1_000_000);
      expect(quiescentState(a)).toEqual(ZERO_STATE);
    }
  });

  it('a frozen transfer can be cancelled or reach its deadline: it ends once, without traffic, and is not retried', () => {
    const a = makeEndpoint(601, { statelessResetKey: resetKeyOf('host-0') });
    const b = makeEndpoint(602, { statelessResetKey: resetKeyOf('host-1') });
    addPeerPsk(a, 0, 1, 0, 0);
    addPeerPsk(b, 1, 0, 0, 0);
    const net = new TestNetwork({ endpoints: [a, b], seed: 6 });
    // Three requests b never answers (the old b holds them); a notify-stalled one behind them.
    const opts = { attemptsMax: 3, retryOnPeerReset: true } as const;
    const hCancel = a.submitRequest(1, new Uint8Array(50), 0, 50, opts);
    const hDeadline = a.submitRequest(1, new Uint8Array(50), 0, 50, { ...opts, deadlineUs: 400_000 });
    const hRetry = a.submitRequest(1, new Uint8Array(50), 0, 50, opts);
    net.wake();
    const view = new EventView();
    let received = 0;
    while (received < 3 && net.step())
      while (b.pollEvent(view)) if (view.event === EventKind.RequestReceived) received++;
    const b2 = makeEndpoint(603, { statelessResetKey: resetKeyOf('host-1') });
    addPeerPsk(b2, 1, 0, 1, net.nowUs);
    net.replace(1, b2);
    let reset = false;
    while (!reset && net.step()) while (a.pollEvent(view)) if (view.event === EventKind.PeerReset) reset = true;
    expect(reset).toBe(true);
    expect(a.sendersFrozenOf(1)).toBe(3);
    expect(a.cancel(hCancel)).toBe(true);
    expect(a.sendersFrozenOf(1)).toBe(2);
    const sentBefore = net.linkStats(0, 1).sentDatagrams;
    net.runUntil(450_000);
    expect(net.linkStats(0, 1).sentDatagrams).toBe(sentBefore);
    expect(a.sendersFrozenOf(1)).toBe(1);
    const outcomes = new Map<number, number>();
    while (a.pollEvent(view)) outcomes.set(view.handle, view.status);
    expect(outcomes.get(hCancel)).toBe(StatusCode.Cancelled);
    expect(outcomes.get(hDeadline)).toBe(StatusCode.Timeout);
    addPeerPsk(a, 0, 1, 1, net.nowUs);
    net.wake();
    let answered = false;
    while (!answered && net.step() && net.nowUs < 5_000_000) {
      while (b2.pollEvent(view)) {
        if (view.event === EventKind.RequestReceived) b2.respond(view.handle, new Uint8Array(1), 0, 1);
        net.wake();
      }
      while (a.pollEvent(view)) {
        expect(view.handle).toBe(hRetry);
        expect(view.event).toBe(EventKind.ResponseReceived);
        answered = true;
      }
    }
    expect(answered).toBe(true);
    expect(a.counter('peerResetRetries')).toBe(1);
    net.runUntil(net.nowUs + 1_000_000);
    while (b2.pollEvent(view)) expect(view.event).not.toBe(EventKind.RequestReceived);
    expect(quiescentState(a)).toEqual(ZERO_STATE);
    expect(quiescentState(b2)).toEqual(ZERO_STATE);
  });
});

describe('Endpoint peer reset and causality', () => {
  it('a transfer waiting for a dependency on another peer stays frozen when the dependency completes, then goes under the new secret', () => {
    const a = makeEndpoint(701, { statelessResetKey: resetKeyOf('host-0') });
    const b = makeEndpoint(702, { statelessResetKey: resetKeyOf('host-1') });
    const c = makeEndpoint(704, { statelessResetKey: resetKeyOf('host-2') });
    addPeerPsk(a, 0, 1, 0, 0);
    addPeerPsk(b, 1, 0, 0, 0);
    addPeerPsk(a, 0, 2, 0, 0);
    addPeerPsk(c, 2, 0, 0, 0);
    const net = new TestNetwork({ endpoints: [a, b, c], seed: 7 });
    const view = new EventView();
    // R1 to c (c holds it), R0 to b (b holds it: a keeps talking to b), R2 to b after R1's response.
    const r1 = a.submitRequest(2, new Uint8Array(40), 0, 40, { causal: true });
    const r0 = a.submitRequest(1, new Uint8Array(40), 0, 40, { attemptsMax: 2 });
    const r2Payload = payloadOf(7, 2, 30_000);
    const r2 = a.submitRequest(1, r2Payload, 0, r2Payload.length, {
      dependsOn: [a.tokenOf(r1)],
      attemptsMax: 2,
      metadata: 2,
    });
    expect(r2).toBeGreaterThanOrEqual(0);
    net.wake();
    let heldAtC = -1;
    let heldAtB = 0;
    while ((heldAtC < 0 || heldAtB === 0) && net.step()) {
      while (c.pollEvent(view)) if (view.event === EventKind.RequestReceived) heldAtC = view.handle;
      while (b.pollEvent(view)) if (view.event === EventKind.RequestReceived) heldAtB++;
    }
    expect(heldAtB).toBe(1);
    const b2 = makeEndpoint(703, { statelessResetKey: resetKeyOf('host-1') });
    addPeerPsk(b2, 1, 0, 1, net.nowUs);
    net.replace(1, b2);
    const outcomes = new Map<number, number>();
    let reset = false;
    const drainA = (): void => {
      while (a.pollEvent(view)) {
        if (view.event === EventKind.PeerReset) reset = true;
        else outcomes.set(view.handle, view.event === EventKind.ResponseReceived ? 0 : view.status);
      }
    };
    while (!reset && net.step() && net.nowUs < 2_000_000) drainA();
    expect(reset).toBe(true);
    expect(a.sendersFrozenOf(1)).toBe(2);
    // The dependency completes while b is RESETTING: R2 must not go anywhere yet.
    c.respond(heldAtC, new Uint8Array(3), 0, 3);
    net.wake();
    const sent = net.linkStats(0, 1).sentDatagrams;
    net.runUntil(net.nowUs + 50_000);
    drainA();
    expect(outcomes.get(r1)).toBe(0);
    expect(outcomes.has(r2)).toBe(false);
    expect(net.linkStats(0, 1).sentDatagrams).toBe(sent);
    expect(a.sendersFrozenOf(1)).toBe(2);
    // The new secret: R0 (delivered, maybe executed) fails, R2 (never sent) goes now.
    addPeerPsk(a, 0, 1, 1, net.nowUs);
    net.wake();
    let r2Delivered = 0;
    while (!outcomes.has(r2) && net.step() && net.nowUs < 5_000_000) {
      while (b2.pollEvent(view)) {
        if (view.event !== EventKind.RequestReceived) continue;
        r2Delivered++;
        expect(view.metadata).toBe(2);
        expect(equalBytes(view.payload, view.payloadOffset, view.payloadLength, r2Payload)).toBe(true);
        b2.respond(view.handle, new Uint8Array(5), 0, 5);
        net.wake();
      }
      drainA();
    }
    expect(outcomes.get(r0)).toBe(StatusCode.PeerReset);
    expect(outcomes.get(r2)).toBe(0);
    expect(r2Delivered).toBe(1);
    net.runUntil(net.nowUs + 1_000_000);
    drainA();
    while (c.pollEvent(view)) {}
    while (b2.pollEvent(view)) expect(view.event).toBe(EventKind.Completed);
    expect(quiescentState(a)).toEqual(ZERO_STATE);
    expect(quiescentState(b2)).toEqual(ZERO_STATE);
    expect(quiescentState(c)).toEqual(ZERO_STATE);
  });
});

interface RefusalRun {
  readonly offers: Uint16Array;
  readonly received: Uint8Array;
  readonly outcome: Int32Array;
  readonly a: Endpoint;
  readonly b: Endpoint;
}

/**
 * `count` BULK transfers a → b; b's application is offered each one and refuses offer number k of
 * transfer i with `refuse(i, k)` (0 = accept). Payloads are checked byte for byte.
 */
function runRefusals(
  seed: number,
  count: number,
  attemptsMax: number,
  refuse: (i: number, k: number) => number,
  lossProbability: number,
): RefusalRun {
  const a = makeEndpoint(seed * 2 + 1);
  const b = makeEndpoint(seed * 2 + 2, { applicationBulkDestination: true });
  addPeerPsk(a, 0, 1, 0, 0);
  addPeerPsk(b, 1, 0, 0, 0);
  // Loss both ways: a FLOW_RESET lost on its way to a HELD sender is recovered by the HELD
  // sender's periodic notify re-send (answered from the receiver's record).
  const net = new TestNetwork({ endpoints: [a, b], seed, link: { lossProbability } });
  const sizeOfBulk = (i: number): number => 2_000 + ((i * 7_919) % 90_000);
  const indexOf = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const p = payloadOf(seed, i, sizeOfBulk(i));
    const h = a.submitBulk(1, p, 0, p.length, { metadata: i + 1, attemptsMax });
    expect(h).toBeGreaterThanOrEqual(0);
    indexOf.set(h, i);
  }
  net.wake();
  const view = new EventView();
  const offers = new Uint16Array(count);
  const received = new Uint8Array(count);
  const outcome = new Int32Array(count).fill(-1);
  const destinations = new Map<number, Uint8Array>();
  while (outcome.some((o) => o === -1) && net.step() && net.nowUs < 60_000_000) {
    while (b.pollEvent(view)) {
      const i = view.metadata - 1;
      if (view.event === EventKind.BulkOffered) {
        const status = refuse(i, offers[i] as number);
        offers[i] = (offers[i] as number) + 1;
        if (status !== 0) {
          expect(b.cancel(view.handle, status)).toBe(true);
        } else {
          const destination = new Uint8Array(b.destinationBytesFor(view.handle));
          destinations.set(view.handle, destination);
          expect(b.acceptBulk(view.handle, destination, 0)).toBe(true);
        }
        net.wake();
      } else if (view.event === EventKind.TransferReceived) {
        received[i] = (received[i] as number) + 1;
        expect(
          equalBytes(view.payload, view.payloadOffset, view.payloadLength, payloadOf(seed, i, sizeOfBulk(i))),
        ).toBe(true);
      }
    }
    while (a.pollEvent(view)) {
      const i = indexOf.get(view.handle) as number;
      expect(outcome[i]).toBe(-1);
      outcome[i] = view.event === EventKind.Completed ? 0 : view.status;
    }
  }
  net.runUntil(net.nowUs + 1_000_000);
  while (b.pollEvent(view)) expect(view.event).not.toBe(EventKind.TransferReceived);
  expect(quiescentState(a)).toEqual(ZERO_STATE);
  expect(quiescentState(b)).toEqual(ZERO_STATE);
  return { offers, received, outcome, a, b };
}

describe('Endpoint retries after a transient FLOW_RESET', () => {
  for (const loss of [0, 0.1]) {
    it(`refused OVERLOADED / LIMIT_EXCEEDED once, the sender retries to success (loss ${loss * 100}% both ways)`, () => {
      for (const seed of loss === 0 ? [70] : [71, 72, 73, 74]) {
        const count = 24;
        const r = runRefusals(
          seed,
          count,
          4,
          (i, k) => (k === 0 ? (i % 2 === 0 ? StatusCode.Overloaded : StatusCode.LimitExceeded) : 0),
          loss,
        );
        for (let i = 0; i < count; i++) {
          expect(r.outcome[i], `transfer ${i}`).toBe(0);
          expect(r.offers[i], `transfer ${i} offered twice`).toBe(2);
          expect(r.received[i]).toBe(1);
        }
        expect(r.a.counter('flowResetRetries')).toBe(count);
      }
    });
  }

  it('attempts exhausted: the transient status is the typed failure', () => {
    const r = runRefusals(81, 8, 3, () => StatusCode.Overloaded, 0);
    for (let i = 0; i < 8; i++) {
      expect(r.outcome[i]).toBe(StatusCode.Overloaded);
      expect(r.offers[i]).toBe(3);
      expect(r.received[i]).toBe(0);
    }
    expect(r.a.counter('flowResetRetries')).toBe(16);
  });

  it('a permanent status fails at once, attempts left or not', () => {
    const r = runRefusals(82, 8, 4, (i) => (i % 2 === 0 ? StatusCode.Rejected : StatusCode.ApplicationError), 0);
    for (let i = 0; i < 8; i++) {
      expect(r.outcome[i]).toBe(i % 2 === 0 ? StatusCode.Rejected : StatusCode.ApplicationError);
      expect(r.offers[i]).toBe(1);
    }
    expect(r.a.counter('flowResetRetries')).toBe(0);
  });

  it('a delivered request refused OVERLOADED by the application is not retried (it was delivered)', () => {
    const a = makeEndpoint(901);
    const b = makeEndpoint(902);
    addPeerPsk(a, 0, 1, 0, 0);
    addPeerPsk(b, 1, 0, 0, 0);
    const net = new TestNetwork({ endpoints: [a, b], seed: 9 });
    const small = a.submitRequest(1, new Uint8Array(100), 0, 100, { attemptsMax: 4 });
    const big = a.submitRequest(1, new Uint8Array(50_000), 0, 50_000, { attemptsMax: 4 });
    net.wake();
    const view = new EventView();
    let deliveries = 0;
    const outcomes = new Map<number, number>();
    while (outcomes.size < 2 && net.step()) {
      while (b.pollEvent(view)) {
        if (view.event === EventKind.RequestReceived) {
          deliveries++;
          expect(b.cancel(view.handle, StatusCode.Overloaded)).toBe(true);
          net.wake();
        }
      }
      while (a.pollEvent(view)) outcomes.set(view.handle, view.status);
    }
    expect(outcomes.get(small)).toBe(StatusCode.Overloaded);
    expect(outcomes.get(big)).toBe(StatusCode.Overloaded);
    net.runUntil(net.nowUs + 1_000_000);
    while (b.pollEvent(view)) if (view.event === EventKind.RequestReceived) deliveries++;
    expect(deliveries).toBe(2);
    expect(a.counter('flowResetRetries')).toBe(0);
    expect(quiescentState(a)).toEqual(ZERO_STATE);
    expect(quiescentState(b)).toEqual(ZERO_STATE);
  });
});
