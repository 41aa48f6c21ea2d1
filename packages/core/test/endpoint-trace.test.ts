/**
 * Endpoint tracing (trace.ts): the trace is checked against two oracles — the spec's transfer state
 * machines (spec/state-machines.md, encoded below as a table of allowed transitions: every observed
 * per-transfer sequence must be a connected path through it, starting at IDLE / NOTIFIED and ending
 * terminal) and the engine's own counters (ENDPOINT_COUNTER_NAMES) — over RPC workloads on the
 * TestNetwork with loss, reordering, duplication and corruption, random ones from fast-check
 * included. Tracing must not change behaviour: an endpoint pair without a tracer produces the same
 * network trace hash as one with.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CongestionAction } from '../src/congestion/controller.js';
import type { EndpointOptions } from '../src/endpoint/config.js';
import { ENDPOINT_COUNTER_NAMES, type Endpoint, LocalStatus } from '../src/endpoint/endpoint.js';
import { EventKind, EventView } from '../src/endpoint/events.js';
import { TimerKind } from '../src/endpoint/timer-kinds.js';
import {
  type EndpointTracer,
  formatTraceRecord,
  isTerminalTraceState,
  TRACE_ERRORS,
  TRACE_KIND_COUNT,
  TRACE_KINDS,
  TRACE_STATE_COUNT,
  TRACE_TIMER_NAMES,
  TraceCounters,
  TraceError,
  TraceFanout,
  TraceKind,
  TraceRecorder,
  TraceState,
  traceStateName,
  traceStateRole,
} from '../src/endpoint/trace.js';
import { ReceiverState, SenderState } from '../src/endpoint/transfer-table.js';
import { PeerState } from '../src/peer-health.js';
import { type LinkUpdate, TestNetwork } from '../src/testing/test-network.js';
import { MessageType, StatusCode } from '../src/wire/constants.js';
import { connect, makeEndpoint, payloadOf, responseOf } from './endpoint-harness.js';

const S = TraceState;

/**
 * Allowed transitions, from spec/state-machines.md (sender-transfer and receiver-transfer
 * transition tables). Rows marked (engine) are from the same file's "Engine decisions": implied
 * acceptance (a PULL_REQUEST or the RESPONSE implies a lost ACCEPT) and the receiver states outside
 * the table (OFFERED with applicationBulkDestination, an inline stream item held for its turn).
 */
const ALLOWED: ReadonlyMap<number, readonly number[]> = new Map<number, readonly number[]>([
  [S.SenderIdle, [S.SenderQueued]],
  [S.SenderQueued, [S.SenderNotifying, S.SenderFailed, S.SenderCancelled]],
  [
    S.SenderNotifying,
    [
      S.SenderAwaitingResponse,
      S.SenderCompleted,
      S.SenderAccepted,
      S.SenderHeld,
      S.SenderQueued,
      S.SenderFailed,
      S.SenderCancelled,
      S.SenderServingPulls, // (engine) a PULL_REQUEST implies the lost ACCEPT; ACCEPTED_UNSCHEDULED
      S.SenderDraining, // ACCEPTED_UNSCHEDULED with every unscheduled chunk sent
    ],
  ],
  [
    S.SenderHeld,
    [
      S.SenderAccepted,
      S.SenderAwaitingResponse,
      S.SenderCompleted,
      S.SenderQueued,
      S.SenderFailed,
      S.SenderCancelled,
      S.SenderServingPulls, // (engine) a PULL_REQUEST implies the lost ACCEPT
    ],
  ],
  [
    S.SenderAccepted,
    [
      S.SenderServingPulls,
      S.SenderFailed,
      S.SenderCancelled,
      S.SenderAwaitingResponse, // (engine) the response implies delivery
    ],
  ],
  [
    S.SenderServingPulls,
    [S.SenderDraining, S.SenderAwaitingResponse, S.SenderCompleted, S.SenderFailed, S.SenderCancelled],
  ],
  [S.SenderDraining, [S.SenderAwaitingResponse, S.SenderCompleted, S.SenderFailed, S.SenderCancelled]],
  [S.SenderAwaitingResponse, [S.SenderCompleted, S.SenderFailed, S.SenderCancelled]],
  [
    S.ReceiverNotified,
    [
      S.ReceiverAccepted,
      S.ReceiverQueued,
      S.ReceiverDelivered,
      S.ReceiverOffered, // (engine) applicationBulkDestination
      S.ReceiverReassembling, // (engine) inline stream item held for its turn
      S.ReceiverPulling, // UNSCHEDULED notify taken: an implicit pull of the whole sealed stream
    ],
  ],
  [S.ReceiverOffered, [S.ReceiverQueued, S.ReceiverAccepted, S.ReceiverFailed]],
  [S.ReceiverQueued, [S.ReceiverAccepted, S.ReceiverDelivered, S.ReceiverFailed]],
  [S.ReceiverAccepted, [S.ReceiverPulling, S.ReceiverFailed]],
  [S.ReceiverPulling, [S.ReceiverReassembling, S.ReceiverFailed]],
  [S.ReceiverReassembling, [S.ReceiverDelivered, S.ReceiverFailed]],
  // A delivered request the requester gave up on fails; one the application refuses is CANCELLED.
  [S.ReceiverDelivered, [S.None, S.ReceiverFailed, S.ReceiverCancelled]],
  [S.ReceiverFailed, [S.None]],
  [S.ReceiverCancelled, [S.None]],
]);

const STRIDE = 8;

/** Keeps every record (tests only: grows). */
class Collector implements EndpointTracer {
  readonly r: number[] = [];
  onTrace(
    kind: number,
    nowUs: number,
    handle: number,
    peer: number,
    a: number,
    b: number,
    c: number,
    correlation: number,
  ): void {
    this.r.push(kind, nowUs, handle, peer, a, b, c, correlation);
  }
  get length(): number {
    return this.r.length / STRIDE;
  }
  field(i: number, f: number): number {
    return this.r[i * STRIDE + f] as number;
  }
  count(kind: number, a = -1): number {
    let n = 0;
    for (let i = 0; i < this.length; i++) if (this.field(i, 0) === kind && (a < 0 || this.field(i, 4) === a)) n++;
    return n;
  }
  sumB(kind: number, a = -1): number {
    let n = 0;
    for (let i = 0; i < this.length; i++) {
      if (this.field(i, 0) === kind && (a < 0 || this.field(i, 4) === a)) n += this.field(i, 5);
    }
    return n;
  }
  format(i: number): string {
    const f = (k: number): number => this.field(i, k);
    return formatTraceRecord(f(0), f(1), f(2), f(3), f(4), f(5), f(6), f(7));
  }
}

/** Every violation of the state machines in one endpoint's trace (empty when the trace is valid). */
function stateViolations(col: Collector, label: string): string[] {
  const sequences = new Map<number, number[]>();
  const violations: string[] = [];
  for (let i = 0; i < col.length; i++) {
    if (col.field(i, 0) !== TraceKind.TransferState) continue;
    const handle = col.field(i, 2);
    let seq = sequences.get(handle);
    if (seq === undefined) {
      seq = [];
      sequences.set(handle, seq);
    }
    seq.push(i);
  }
  for (const [handle, records] of sequences) {
    let prev = -1;
    for (const i of records) {
      const from = col.field(i, 4);
      const to = col.field(i, 5);
      if (prev === -1 && from !== S.SenderIdle && from !== S.ReceiverNotified) {
        violations.push(`${label} handle ${handle} starts at ${traceStateName(from)}: ${col.format(i)}`);
      }
      if (prev !== -1 && from !== prev) {
        violations.push(`${label} handle ${handle} jumps from ${traceStateName(prev)}: ${col.format(i)}`);
      }
      if (!(ALLOWED.get(from) ?? []).includes(to)) {
        violations.push(`${label} handle ${handle} not allowed: ${col.format(i)}`);
      }
      prev = to;
    }
    const last = col.field(records[records.length - 1] as number, 5);
    if (!(isTerminalTraceState(last) || last === S.None)) {
      violations.push(`${label} handle ${handle} ends in ${traceStateName(last)}`);
    }
  }
  return violations;
}

/** The engine's counters that the trace must reproduce exactly. */
function counterMismatches(e: Endpoint, col: Collector, label: string): string[] {
  const K = TraceKind;
  const pairs: [string, number, number][] = [
    ['notifyEntriesSent', e.counter('notifyEntriesSent'), col.count(K.MessageSent, MessageType.TransferNotify)],
    ['pullsSent', e.counter('pullsSent'), col.count(K.MessageSent, MessageType.PullRequest)],
    ['datagramsSent', e.counter('controlDatagramsSent') + e.counter('dataDatagramsSent'), col.count(K.DatagramSent)],
    ['wireBytesSent', e.counter('wireBytesSent'), col.sumB(K.DatagramSent)],
    ['payloadBytesSent', e.counter('payloadBytesSent'), col.sumB(K.MessageSent, MessageType.DataChunks)],
    ['datagramsReceived', e.counter('datagramsReceived'), col.count(K.DatagramReceived)],
    ['chunksReceived', e.counter('chunksReceived'), col.count(K.MessageReceived, MessageType.DataChunks)],
    ['chunksDropped', e.counter('chunksDropped'), col.count(K.Error, TraceError.ChunkDropped)],
    ['recordsFailed', e.counter('recordsFailed'), col.count(K.Error, TraceError.RecordFailed)],
    ['notifiesRejected', e.counter('notifiesRejected'), col.count(K.Error, TraceError.NotifyRejected)],
    ['deliveriesRefused', e.counter('deliveriesRefused'), col.count(K.Error, TraceError.DeliveryRefused)],
    ['sendRangesDropped', e.counter('sendRangesDropped'), col.count(K.Error, TraceError.SendRangeDropped)],
    [
      'datagramsRejected',
      e.counter('datagramsRejected'),
      col.count(K.Error, TraceError.AuthenticationFailed) +
        col.count(K.Error, TraceError.DecodeRejected) +
        col.count(K.Error, TraceError.UnknownPathSecret),
    ],
    ['peersFailed', e.counter('peersFailed'), healthEntered(col, PeerState.Failed)],
  ];
  return pairs
    .filter(([, want, got]) => want !== got)
    .map(([n, want, got]) => `${label} ${n}: engine ${want}, trace ${got}`);
}

function healthEntered(col: Collector, state: number): number {
  let n = 0;
  for (let i = 0; i < col.length; i++) if (col.field(i, 0) === TraceKind.HealthChange && col.field(i, 5) === state) n++;
  return n;
}

interface TracedRun {
  readonly a: Endpoint;
  readonly b: Endpoint;
  readonly net: TestNetwork;
  readonly ta: Collector;
  readonly tb: Collector;
  readonly completed: number;
  readonly failed: number;
  readonly failedStatuses: number[];
  /** Request handle → causality token (causal requests only). */
  readonly tokens: Map<number, number>;
  readonly idle: boolean;
}

interface TracedScenario {
  readonly seed: number;
  readonly count: number;
  readonly size: (i: number) => number;
  readonly link?: LinkUpdate;
  readonly endpoint?: Partial<EndpointOptions>;
  /** Attach tracers (default true). */
  readonly traced?: boolean;
  /** Chains of causal requests: i % 3 = 0 causal, then two dependents on the previous one. */
  readonly causal?: boolean;
  /** The server refuses every 7th request with APPLICATION_ERROR instead of answering. */
  readonly refuseSome?: boolean;
  /** attemptsMax of every request (default 1). */
  readonly attemptsMax?: number;
  readonly timeLimitUs?: number;
}

/** `count` RPCs from endpoint 0 to 1 on a TestNetwork, each answered when polled (sizes: `size(i)` both ways). */
function runTraced(s: TracedScenario): TracedRun {
  const traced = s.traced !== false;
  const ta = new Collector();
  const tb = new Collector();
  const a = makeEndpoint(s.seed * 2 + 1, { ...s.endpoint, ...(traced ? { tracer: ta } : {}) });
  const b = makeEndpoint(s.seed * 2 + 2, { ...s.endpoint, ...(traced ? { tracer: tb } : {}) });
  connect(a, 0, b, 1);
  const net = new TestNetwork({
    endpoints: [a, b],
    seed: s.seed,
    link: s.link ?? {},
    inFlightMax: 8192,
    transmitsPerInstantMax: 256,
  });
  const tokens = new Map<number, number>();
  let previous = 0;
  for (let i = 0; i < s.count; i++) {
    const payload = payloadOf(s.seed, i, s.size(i));
    let options: { metadata: number; priority: number; attemptsMax: number; causal?: boolean; dependsOn?: number[] } = {
      metadata: i,
      priority: i % 8,
      attemptsMax: s.attemptsMax ?? 1,
    };
    if (s.causal === true) {
      if (i % 3 === 0 || previous === 0) options = { ...options, causal: true };
      else options = { ...options, dependsOn: [previous] };
    }
    const handle = a.submitRequest(1, payload, 0, payload.length, options);
    expect(handle).toBeGreaterThanOrEqual(0);
    if (s.causal === true) {
      const token = a.tokenOf(handle);
      expect(token).not.toBe(0);
      tokens.set(handle, token);
      if (i % 3 === 0) previous = token;
    }
  }
  net.wake();
  const view = new EventView();
  let completed = 0;
  let failed = 0;
  const failedStatuses: number[] = [];
  let idle = false;
  const limit = s.timeLimitUs ?? 60_000_000;
  for (;;) {
    if (!net.step()) {
      idle = true;
      break;
    }
    let woke = false;
    while (b.pollEvent(view)) {
      if (view.event !== EventKind.RequestReceived) continue;
      const i = view.metadata;
      if (s.refuseSome === true && i % 7 === 3) {
        b.cancel(view.handle, StatusCode.ApplicationError);
      } else {
        const response = responseOf(payloadOf(s.seed, i, s.size(i)), s.size(s.count - 1 - i));
        b.respond(view.handle, response, 0, response.length, { metadata: i });
      }
      woke = true;
    }
    while (a.pollEvent(view)) {
      if (view.event === EventKind.ResponseReceived) completed++;
      else if (view.event === EventKind.Failed) {
        failed++;
        failedStatuses.push(view.status);
      }
    }
    if (woke) net.wake();
    if (net.nowUs > limit) break;
  }
  return { a, b, net, ta, tb, completed, failed, failedStatuses, tokens, idle };
}

/** Log-uniform sizes in [0, maxBytes] (deterministic per (seed, i)). */
function sizeOf(seed: number, i: number, maxBytes: number): number {
  let x = (seed * 747796405 + i * 2891336453 + 12345) >>> 0;
  x = (Math.imul(x ^ (x >>> 16), 0x45d9f3b) ^ (x >>> 13)) >>> 0;
  const u = x / 2 ** 32;
  if (u < 0.05) return 0;
  return Math.min(maxBytes, Math.floor(Math.exp(u * Math.log(maxBytes + 1))) - 1);
}

const RETRIES = { notifyRetransmitsMax: 30, pullRetransmitsMax: 30, silentExpiriesMax: 30, tailProbesMax: 30 };

function expectValid(r: TracedRun): void {
  expect(stateViolations(r.ta, 'a')).toEqual([]);
  expect(stateViolations(r.tb, 'b')).toEqual([]);
  expect(counterMismatches(r.a, r.ta, 'a')).toEqual([]);
  expect(counterMismatches(r.b, r.tb, 'b')).toEqual([]);
}

describe('trace tables', () => {
  it('trace states 1–7 and 9–16 are the engine states; names and roles line up', () => {
    expect(S.SenderQueued).toBe(SenderState.Queued);
    expect(S.SenderNotifying).toBe(SenderState.Notifying);
    expect(S.SenderHeld).toBe(SenderState.Held);
    expect(S.SenderAccepted).toBe(SenderState.Accepted);
    expect(S.SenderServingPulls).toBe(SenderState.ServingPulls);
    expect(S.SenderDraining).toBe(SenderState.Draining);
    expect(S.SenderAwaitingResponse).toBe(SenderState.AwaitingResponse);
    expect(S.ReceiverOffered).toBe(ReceiverState.Offered);
    expect(S.ReceiverQueued).toBe(ReceiverState.Queued);
    expect(S.ReceiverAccepted).toBe(ReceiverState.Accepted);
    expect(S.ReceiverPulling).toBe(ReceiverState.Pulling);
    expect(S.ReceiverReassembling).toBe(ReceiverState.Reassembling);
    expect(S.ReceiverDelivered).toBe(ReceiverState.Delivered);
    expect(S.ReceiverFailed).toBe(ReceiverState.Failed);
    expect(S.ReceiverCancelled).toBe(ReceiverState.Cancelled);
    expect(Object.keys(S).length).toBe(TRACE_STATE_COUNT);
    expect(traceStateName(S.SenderIdle)).toBe('sender IDLE');
    expect(traceStateName(S.ReceiverNotified)).toBe('receiver NOTIFIED');
    expect(traceStateName(S.None)).toBe('(none)');
    for (const [from, tos] of ALLOWED) {
      for (const to of tos) {
        if (to !== S.None) expect(traceStateRole(to)).toBe(traceStateRole(from));
      }
    }
  });

  it('every kind and error reason is defined once, with distinct names', () => {
    expect(Object.keys(TraceKind).length).toBe(TRACE_KIND_COUNT);
    expect(new Set(TRACE_KINDS.map((k) => k.name)).size).toBe(TRACE_KIND_COUNT);
    expect(Object.keys(TraceError).length).toBe(TRACE_ERRORS.length);
    expect(new Set(TRACE_ERRORS.map((k) => k.name)).size).toBe(TRACE_ERRORS.length);
  });

  it('formats records with names', () => {
    expect(formatTraceRecord(TraceKind.TransferState, 5, 3, 1, S.SenderQueued, S.SenderNotifying, 0, 3)).toBe(
      '5us TRANSFER_STATE handle=3 peer=1 from=sender QUEUED to=sender NOTIFYING status=OK corr=3',
    );
    expect(formatTraceRecord(TraceKind.MessageSent, 7, -1, 0, MessageType.PullRequest, 40, 0, -1)).toContain(
      'type=PULL_REQUEST bytes=40',
    );
    expect(formatTraceRecord(TraceKind.Error, 9, -1, 0, TraceError.ChunkDropped, 2, 1200, -1)).toContain(
      'reason=CHUNK_DROPPED why=2 sealedOffset=1200',
    );
    expect(
      formatTraceRecord(
        TraceKind.TransferState,
        1,
        2,
        0,
        S.SenderQueued,
        S.SenderFailed,
        LocalStatus.PeerUnreachable,
        2,
      ),
    ).toContain('status=PEER_UNREACHABLE');
    expect(formatTraceRecord(TraceKind.HealthChange, 1, -1, 2, PeerState.Healthy, PeerState.Probing, 0, -1)).toContain(
      'from=HEALTHY to=PROBING cause=PHASE_TIMEOUT',
    );
  });
});

describe('TraceRecorder and TraceCounters', () => {
  it('the recorder keeps the last N records, oldest first, and counts what it overwrote', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 0, max: 60 }), (capacity, n) => {
        const rec = new TraceRecorder(capacity);
        const model: number[] = [];
        for (let i = 0; i < n; i++) {
          rec.onTrace(i % TRACE_KIND_COUNT, i * 10, i, 1, i + 1, i + 2, i + 3, i + 4);
          model.push(i);
          if (model.length > capacity) model.splice(0, 1);
        }
        expect(rec.size).toBe(model.length);
        expect(rec.total).toBe(n);
        expect(rec.overwritten).toBe(Math.max(0, n - capacity));
        for (let k = 0; k < model.length; k++) {
          const i = model[k] as number;
          expect([rec.kindAt(k), rec.timeAt(k), rec.handleAt(k), rec.peerAt(k)]).toEqual([
            i % TRACE_KIND_COUNT,
            i * 10,
            i,
            1,
          ]);
          expect([rec.aAt(k), rec.bAt(k), rec.cAt(k), rec.correlationAt(k)]).toEqual([i + 1, i + 2, i + 3, i + 4]);
        }
        expect(
          rec
            .dump()
            .split('\n')
            .filter((l) => l !== '').length,
        ).toBe(model.length);
      }),
    );
  });

  it('counters ignore out-of-range peers and values instead of growing', () => {
    const c = new TraceCounters({ peersMax: 2 });
    c.onTrace(TraceKind.DatagramSent, 0, -1, 5, 1, 100, 0, -1);
    c.onTrace(TraceKind.DatagramSent, 0, -1, 1, 1, 100, 0, -1);
    c.onTrace(TraceKind.MessageSent, 0, -1, 1, 999, 100, 0, -1);
    c.onTrace(99, 0, -1, 1, 0, 0, 0, -1);
    expect(c.count(TraceKind.DatagramSent)).toBe(2);
    expect(Array.from(c.bytesSent)).toEqual([0, 100]);
    expect(c.count(TraceKind.MessageSent)).toBe(1);
    expect(TraceCounters.total(c.messagesSent)).toBe(0);
    c.reset();
    expect(c.count(TraceKind.DatagramSent)).toBe(0);
  });
});

describe('Endpoint trace over RPCs', () => {
  it('no loss: valid paths, engine counters reproduced, every message sent is received by type', () => {
    const counters = [new TraceCounters({ peersMax: 4 }), new TraceCounters({ peersMax: 4 })];
    const r = runTraced({ seed: 3, count: 60, size: (i) => sizeOf(3, i, 300_000) });
    expect(r.completed).toBe(60);
    expect(r.idle).toBe(true);
    expectValid(r);
    expect(r.net.stats().droppedLoss).toBe(0);
    // Replay the collected records into TraceCounters through a fan-out: same totals.
    const fan = [new TraceFanout([counters[0] as TraceCounters]), new TraceFanout([counters[1] as TraceCounters])];
    for (const [k, col] of [r.ta, r.tb].entries()) {
      for (let i = 0; i < col.length; i++) {
        const f = (n: number): number => col.field(i, n);
        fan[k]?.onTrace(f(0), f(1), f(2), f(3), f(4), f(5), f(6), f(7));
      }
    }
    const [ca, cb] = counters as [TraceCounters, TraceCounters];
    for (let type = 0; type < 64; type++) {
      expect([type, ca.messagesSent[type]]).toEqual([type, cb.messagesReceived[type]]);
      expect([type, cb.messagesSent[type]]).toEqual([type, ca.messagesReceived[type]]);
      expect([type, ca.messageBytesSent[type]]).toEqual([type, cb.messageBytesReceived[type]]);
    }
    expect(ca.bytesSent[1]).toBe(r.a.counter('wireBytesSent'));
    expect(cb.bytesReceived[0]).toBe(r.a.counter('wireBytesSent'));
    expect(ca.messagesSent[MessageType.TransferNotify]).toBe(120 - 60 + r.a.counter('notifyRetransmits'));
    // Every request: one sender path on a, one receiver path on b (and the reverse for responses).
    expect(ca.statesEntered[S.SenderCompleted]).toBe(60);
    expect(cb.statesEntered[S.SenderCompleted]).toBe(60);
    expect(cb.statesEntered[S.None]).toBe(60);
    expect(ca.statesEntered[S.None]).toBe(60);
  });

  for (const loss of [0.05, 0.2]) {
    it(`loss ${loss * 100}% with reordering and duplication: every transfer path is valid and ends terminal`, () => {
      const seed = 40 + loss * 100;
      const r = runTraced({
        seed,
        count: 80,
        size: (i) => sizeOf(seed, i, 400_000),
        link: { lossProbability: loss, reorderProbability: 0.1, reorderDelayUs: 40, duplicateProbability: 0.05 },
        endpoint: RETRIES,
      });
      expect(r.completed + r.failed).toBe(80);
      expect(r.idle).toBe(true);
      expect(r.net.stats().droppedLoss).toBeGreaterThan(0);
      expectValid(r);
      expect(r.ta.count(TraceKind.TimerExpired)).toBeGreaterThan(0);
      expect(r.tb.count(TraceKind.TimerExpired)).toBeGreaterThan(0);
    });
  }

  it('corruption: rejected datagrams are traced as errors (engine counters match)', () => {
    const r = runTraced({
      seed: 8,
      count: 40,
      size: (i) => sizeOf(8, i, 100_000),
      link: { corruptProbability: 0.05 },
      endpoint: RETRIES,
    });
    expect(r.completed + r.failed).toBe(40);
    expectValid(r);
    const errors =
      r.ta.count(TraceKind.Error, TraceError.AuthenticationFailed) +
      r.tb.count(TraceKind.Error, TraceError.AuthenticationFailed) +
      r.ta.count(TraceKind.Error, TraceError.DecodeRejected) +
      r.tb.count(TraceKind.Error, TraceError.DecodeRejected) +
      r.ta.count(TraceKind.Error, TraceError.ChunkDropped) +
      r.tb.count(TraceKind.Error, TraceError.ChunkDropped) +
      r.ta.count(TraceKind.Error, TraceError.RecordFailed) +
      r.tb.count(TraceKind.Error, TraceError.RecordFailed);
    expect(errors).toBeGreaterThan(0);
  });

  it('refused requests: FAILED paths carry the status; CANCELLED on the refusing side', () => {
    const r = runTraced({ seed: 9, count: 30, size: (i) => sizeOf(9, i, 50_000), refuseSome: true });
    expect(r.failed).toBeGreaterThan(0);
    expect(r.failedStatuses.every((s) => s === StatusCode.ApplicationError)).toBe(true);
    expectValid(r);
    let failedWithStatus = 0;
    for (let i = 0; i < r.ta.length; i++) {
      if (r.ta.field(i, 0) === TraceKind.TransferState && r.ta.field(i, 5) === S.SenderFailed) {
        expect(r.ta.field(i, 6)).toBe(StatusCode.ApplicationError);
        failedWithStatus++;
      }
    }
    expect(failedWithStatus).toBe(r.failed);
    expect(r.tb.count(TraceKind.TransferState)).toBeGreaterThan(0);
    let cancelled = 0;
    for (let i = 0; i < r.tb.length; i++) {
      if (r.tb.field(i, 0) === TraceKind.TransferState && r.tb.field(i, 5) === S.ReceiverCancelled) cancelled++;
    }
    expect(cancelled).toBe(r.failed);
  });

  it('receiver limits: ACCEPT QUEUED (HELD / receiver QUEUED) and REJECTED OVERLOADED retries (QUEUED again)', () => {
    const r = runTraced({
      seed: 23,
      count: 40,
      size: (i) => 2000 + sizeOf(23, i, 100_000),
      endpoint: { receiversActiveMax: 2, receiversMax: 12 },
      attemptsMax: 50,
    });
    expect(r.completed).toBe(40);
    expectValid(r);
    const entered = (col: Collector, state: number): number => {
      let n = 0;
      for (let i = 0; i < col.length; i++)
        if (col.field(i, 0) === TraceKind.TransferState && col.field(i, 5) === state) n++;
      return n;
    };
    expect(entered(r.ta, S.SenderHeld)).toBeGreaterThan(0);
    expect(entered(r.tb, S.ReceiverQueued)).toBe(r.b.counter('acceptsQueued'));
    expect(entered(r.ta, S.SenderQueued)).toBe(40 + r.a.counter('attemptsRetried'));
    expect(r.a.counter('attemptsRetried')).toBeGreaterThan(0);
  });

  it('streams and offered bulk transfers: their receiver paths are valid too', () => {
    const ta = new Collector();
    const tb = new Collector();
    const a = makeEndpoint(31, { tracer: ta, applicationBulkDestination: true });
    const b = makeEndpoint(32, { tracer: tb, applicationBulkDestination: true });
    connect(a, 0, b, 1);
    const net = new TestNetwork({ endpoints: [a, b], seed: 6, link: { lossProbability: 0.05 }, inFlightMax: 8192 });
    const stream = a.openStream(1);
    expect(stream).toBeGreaterThanOrEqual(0);
    const item = payloadOf(2, 2, 200);
    for (let i = 0; i < 8; i++) {
      expect(a.submitStreamItem(stream, item, 0, item.length, { endOfStream: i === 7 })).toBeGreaterThanOrEqual(0);
    }
    const bulk = payloadOf(3, 3, 150_000);
    for (let i = 0; i < 4; i++) expect(a.submitBulk(1, bulk, 0, bulk.length)).toBeGreaterThanOrEqual(0);
    net.wake();
    const view = new EventView();
    let items = 0;
    let offers = 0;
    let received = 0;
    for (let n = 0; n < 1_000_000 && net.step(); n++) {
      let woke = false;
      while (b.pollEvent(view)) {
        if (view.event === EventKind.StreamItem) items++;
        if (view.event === EventKind.StreamEnded) b.closeStream(view.handle);
        if (view.event === EventKind.BulkOffered) {
          offers++;
          if (offers === 2) b.cancel(view.handle, StatusCode.ApplicationError);
          else b.acceptBulk(view.handle, new Uint8Array(b.destinationBytesFor(view.handle)), 0);
        }
        if (view.event === EventKind.TransferReceived) received++;
        woke = true;
      }
      let aEvents = 0;
      while (a.pollEvent(view)) aEvents++;
      if (aEvents > 0) woke = true;
      if (woke) net.wake();
    }
    expect([items, offers, received]).toEqual([8, 4, 3]);
    expect(stateViolations(ta, 'a')).toEqual([]);
    expect(stateViolations(tb, 'b')).toEqual([]);
    expect(counterMismatches(a, ta, 'a')).toEqual([]);
    expect(counterMismatches(b, tb, 'b')).toEqual([]);
    const entered = (col: Collector, from: number, to: number): number => {
      let k = 0;
      for (let i = 0; i < col.length; i++) {
        if (col.field(i, 0) === TraceKind.TransferState && col.field(i, 4) === from && col.field(i, 5) === to) k++;
      }
      return k;
    };
    expect(entered(tb, S.ReceiverNotified, S.ReceiverReassembling)).toBe(8);
    expect(entered(tb, S.ReceiverNotified, S.ReceiverOffered)).toBe(4);
    expect(entered(tb, S.ReceiverOffered, S.ReceiverFailed)).toBe(1);
    expect(tb.count(TraceKind.MessageSent, MessageType.StreamClose)).toBeGreaterThan(0);
    expect(ta.count(TraceKind.MessageReceived, MessageType.StreamClose)).toBeGreaterThan(0);
  });

  it('causal chains whose root is refused: dependents fail DEPENDENCY_FAILED from QUEUED', () => {
    const r = runTraced({ seed: 29, count: 30, size: (i) => sizeOf(29, i, 20_000), causal: true, refuseSome: true });
    expect(r.completed + r.failed).toBe(30);
    expectValid(r);
    let dependencyFailed = 0;
    for (let i = 0; i < r.ta.length; i++) {
      if (r.ta.field(i, 0) !== TraceKind.TransferState || r.ta.field(i, 6) !== LocalStatus.DependencyFailed) continue;
      expect([r.ta.field(i, 4), r.ta.field(i, 5)]).toEqual([S.SenderQueued, S.SenderFailed]);
      expect(r.ta.field(i, 7)).toBe(r.tokens.get(r.ta.field(i, 2)));
      dependencyFailed++;
    }
    expect(dependencyFailed).toBeGreaterThan(0);
  });

  it('causal transfers: every record of a causal request carries its causality token', () => {
    const r = runTraced({
      seed: 11,
      count: 30,
      size: (i) => sizeOf(11, i, 200_000),
      link: { lossProbability: 0.05 },
      causal: true,
      endpoint: RETRIES,
    });
    expect(r.completed).toBe(30);
    expectValid(r);
    let carried = 0;
    for (let i = 0; i < r.ta.length; i++) {
      const token = r.tokens.get(r.ta.field(i, 2));
      if (token === undefined) continue;
      expect(r.ta.field(i, 7)).toBe(token);
      carried++;
    }
    // Each request has at least IDLE→QUEUED, QUEUED→NOTIFYING, one message and a terminal record.
    expect(carried).toBeGreaterThanOrEqual(4 * 30);
    // Without a token the correlation is the handle.
    for (let i = 0; i < r.tb.length; i++) {
      if (r.tb.field(i, 2) >= 0) expect(r.tb.field(i, 7)).toBe(r.tb.field(i, 2));
    }
  });

  it('a silent peer: health changes are traced up to FAILED and the transfers fail PEER_UNREACHABLE', () => {
    const ta = new Collector();
    const a = makeEndpoint(21, { tracer: ta, peerHealth: { failQuietMinUs: 50_000 } });
    const b = makeEndpoint(22);
    connect(a, 0, b, 1);
    const net = new TestNetwork({ endpoints: [a, b], seed: 5, link: {}, inFlightMax: 8192 });
    net.partition(0, 1);
    const payload = payloadOf(1, 1, 5000);
    for (let i = 0; i < 5; i++) a.submitRequest(1, payload, 0, payload.length);
    net.wake();
    net.runUntilIdle(120_000_000);
    expect(healthEntered(ta, PeerState.Failed)).toBe(1);
    expect(a.counter('peersFailed')).toBe(1);
    expect(stateViolations(ta, 'a')).toEqual([]);
    expect(counterMismatches(a, ta, 'a')).toEqual([]);
    let unreachable = 0;
    for (let i = 0; i < ta.length; i++) {
      if (ta.field(i, 0) === TraceKind.TransferState && ta.field(i, 6) === LocalStatus.PeerUnreachable) unreachable++;
    }
    expect(unreachable).toBe(5);
    // Health changes form a chain per peer.
    let state: number = PeerState.Healthy;
    for (let i = 0; i < ta.length; i++) {
      if (ta.field(i, 0) !== TraceKind.HealthChange) continue;
      if (ta.field(i, 4) === state || state === PeerState.Healthy) state = ta.field(i, 5);
      else expect.unreachable(`health jumps: ${ta.format(i)}`);
    }
  });

  it('congestion control: every controller action is traced once', () => {
    const r = runTraced({
      seed: 13,
      count: 20,
      size: (i) => sizeOf(13, i, 1 << 20),
      link: { bytesPerSecond: 50_000_000, queueBytesMax: 64 * 1024, lossProbability: 0.01 },
      endpoint: { ...RETRIES, congestionControl: true },
    });
    expect(r.completed + r.failed).toBe(20);
    expectValid(r);
    for (const [e, col, peer] of [
      [r.a, r.ta, 1],
      [r.b, r.tb, 0],
    ] as const) {
      const controller = e.congestion.controllers[peer];
      for (let action = 1; action <= CongestionAction.TimeoutCollapse; action++) {
        let traced = 0;
        for (let i = 0; i < col.length; i++) {
          if (col.field(i, 0) === TraceKind.CongestionAction && col.field(i, 4) === action) {
            expect(col.field(i, 3)).toBe(peer);
            traced++;
          }
        }
        expect([action, traced]).toEqual([action, controller?.actionCounts[action]]);
      }
    }
    expect(r.ta.count(TraceKind.CongestionAction)).toBeGreaterThan(1);
    expect(r.ta.count(TraceKind.CongestionAction, CongestionAction.EnterStartup)).toBe(1);
  });

  it('tracing changes nothing: the same network trace and counters with and without a tracer', () => {
    const scenario = {
      seed: 17,
      count: 50,
      size: (i: number) => sizeOf(17, i, 300_000),
      link: { lossProbability: 0.1, duplicateProbability: 0.05, reorderProbability: 0.1 },
      endpoint: RETRIES,
    };
    const traced = runTraced(scenario);
    const plain = runTraced({ ...scenario, traced: false });
    expect(traced.ta.length).toBeGreaterThan(0);
    expect(plain.ta.length).toBe(0);
    expect(traced.net.traceHash()).toBe(plain.net.traceHash());
    expect(traced.net.nowUs).toBe(plain.net.nowUs);
    for (const name of ENDPOINT_COUNTER_NAMES) {
      expect([name, traced.a.counter(name), traced.b.counter(name)]).toEqual([
        name,
        plain.a.counter(name),
        plain.b.counter(name),
      ]);
    }
  });

  it('setTracer attaches and detaches at run time', () => {
    const r = runTraced({ seed: 19, count: 5, size: () => 100, traced: false });
    const rec = new TraceRecorder(64);
    r.a.setTracer(rec);
    const payload = payloadOf(1, 1, 100);
    r.a.submitRequest(1, payload, 0, payload.length);
    expect(rec.size).toBe(1);
    expect(rec.format(0)).toContain('from=sender IDLE to=sender QUEUED');
    r.a.setTracer(null);
    r.a.submitRequest(1, payload, 0, payload.length);
    expect(rec.size).toBe(1);
  });

  it('random faults (fast-check): paths valid, counters reproduced', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 25 }),
        fc.double({ min: 0, max: 0.25, noNaN: true }),
        fc.double({ min: 0, max: 0.2, noNaN: true }),
        fc.boolean(),
        (seed, count, loss, dup, causal) => {
          const r = runTraced({
            seed,
            count,
            size: (i) => sizeOf(seed, i, 150_000),
            link: { lossProbability: loss, duplicateProbability: dup, reorderProbability: 0.1 },
            endpoint: RETRIES,
            causal,
          });
          expect(r.completed + r.failed).toBe(count);
          expectValid(r);
        },
      ),
      { numRuns: 12 },
    );
  });
});

describe('timer kind names', () => {
  it('name every timer kind the engine arms, from the one definition', () => {
    for (const [key, value] of Object.entries(TimerKind)) {
      expect(TRACE_TIMER_NAMES[value], key).toBe(key.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase());
    }
    expect(TRACE_TIMER_NAMES[TimerKind.ResetHold]).toBe('RESET_HOLD');
    expect(TRACE_TIMER_NAMES[TimerKind.StreamTimeWait]).toBe('STREAM_TIME_WAIT');
  });
});
