/**
 * The application acceptor (flow-acceptor.ts): accept / reject(status) / queue + admit / queue +
 * cancel per new flow, for unary requests and bulk transfers, inline and buffer-backed, without and
 * with 10 % loss. The model: every flow's plan says what the receiver's application must see (never
 * a queued flow before admit, exactly once after; never a rejected or cancelled one) and what the
 * sender must see (success, or FAILED with exactly the refusal's status); the acceptor is asked
 * exactly once per flow (final statuses keep a time-wait record that answers retransmissions).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EndpointOptions } from '../src/endpoint/config.js';
import type { Endpoint } from '../src/endpoint/endpoint.js';
import { EventKind, EventView } from '../src/endpoint/events.js';
import { FlowDecision, type NewFlowView } from '../src/endpoint/flow-acceptor.js';
import { InvalidArgumentError } from '../src/errors.js';
import { TestNetwork } from '../src/testing/test-network.js';
import { StatusCode, TransferKind } from '../src/wire/constants.js';
import { connect, equalBytes, makeEndpoint, payloadOf, QUIESCENT_ZERO, quiescentState } from './endpoint-harness.js';

function quiet(e: Endpoint): Record<string, number> {
  return { ...quiescentState(e), flowsHeld: e.flowsHeld, receiversActive: e.receiversActive, streams: e.streamsLive };
}
const QUIET = { ...QUIESCENT_ZERO, flowsHeld: 0, receiversActive: 0, streams: 0 };

type Decision = 'accept' | 'reject' | 'queue-admit' | 'queue-cancel';

interface FlowPlan {
  readonly size: number;
  readonly bulk: boolean;
  readonly decision: Decision;
  /** Reject / cancel status (final: never retried). */
  readonly status: number;
  /** Queued flows: admitted / cancelled this long after the acceptor queued them, µs. */
  readonly holdUs: number;
}

interface FlowRun {
  readonly calls: number[];
  readonly delivered: number[];
  readonly deliveredBeforeAdmit: number;
  readonly senderOutcome: (number | undefined)[];
  readonly corrupt: number;
  readonly a: Endpoint;
  readonly b: Endpoint;
}

const FINAL_STATUSES = [StatusCode.Rejected, StatusCode.ApplicationError, StatusCode.Cancelled];
const SUCCESS = -1;

/**
 * Runs `plans` from endpoint 0 (sender) to endpoint 1 (acceptor), answering every request, and
 * returns what each side saw. Metadata i + 1 names flow i.
 */
function runFlows(
  seed: number,
  plans: readonly FlowPlan[],
  loss: number,
  receiver: Partial<EndpointOptions> = {},
): FlowRun {
  const n = plans.length;
  const calls = new Array<number>(n).fill(0);
  const delivered = new Array<number>(n).fill(0);
  const admitted = new Array<boolean>(n).fill(false);
  const senderOutcome = new Array<number | undefined>(n).fill(undefined);
  const due: { index: number; handle: number; atUs: number }[] = [];
  let deliveredBeforeAdmit = 0;
  let corrupt = 0;
  let net: TestNetwork | null = null;
  const acceptor = (flow: NewFlowView): FlowDecision => {
    const i = flow.metadata - 1;
    const plan = plans[i];
    if (plan === undefined) {
      corrupt++;
      return FlowDecision.Accept;
    }
    calls[i] = (calls[i] as number) + 1;
    if (flow.payloadBytes !== plan.size || flow.kind !== (plan.bulk ? TransferKind.Bulk : TransferKind.UnaryRequest)) {
      corrupt++;
    }
    if (flow.inline !== plan.size <= 1024) corrupt++;
    switch (plan.decision) {
      case 'accept':
        return FlowDecision.Accept;
      case 'reject':
        return flow.reject(plan.status);
      default:
        due.push({ index: i, handle: flow.handle, atUs: (net?.nowUs ?? 0) + plan.holdUs });
        return FlowDecision.Queue;
    }
  };
  const a = makeEndpoint(seed * 2 + 1, { notifyRetransmitsMax: 20, pullRetransmitsMax: 20 });
  const b = makeEndpoint(seed * 2 + 2, {
    notifyRetransmitsMax: 20,
    pullRetransmitsMax: 20,
    acceptor,
    ...receiver,
  });
  connect(a, 0, b, 1);
  net = new TestNetwork({ endpoints: [a, b], seed, link: { lossProbability: loss } });
  const handles = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const plan = plans[i] as FlowPlan;
    const payload = payloadOf(seed, i, plan.size);
    const options = { metadata: i + 1 };
    const h = plan.bulk
      ? a.submitBulk(1, payload, 0, payload.length, options)
      : a.submitRequest(1, payload, 0, payload.length, options);
    expect(h).toBeGreaterThanOrEqual(0);
    handles.set(h, i);
  }
  net.wake();
  const view = new EventView();
  const done = (): boolean => senderOutcome.every((o) => o !== undefined) && due.length === 0;
  while (!done() && net.nowUs < 60_000_000) {
    net.runUntil(net.nowUs + 500);
    let woke = false;
    for (let k = 0; k < due.length; ) {
      const d = due[k] as { index: number; handle: number; atUs: number };
      if (d.atUs > net.nowUs) {
        k++;
        continue;
      }
      due.splice(k, 1);
      const plan = plans[d.index] as FlowPlan;
      if (plan.decision === 'queue-admit') {
        admitted[d.index] = true;
        expect(b.admit(d.handle)).toBe(true);
        expect(b.admit(d.handle)).toBe(false);
      } else {
        expect(b.cancel(d.handle, plan.status)).toBe(true);
        expect(b.admit(d.handle)).toBe(false);
      }
      woke = true;
    }
    while (b.pollEvent(view)) {
      // Our responses completing.
      if (view.event === EventKind.Completed && view.kind === TransferKind.Response) continue;
      const i = view.metadata - 1;
      const plan = plans[i];
      if (
        plan === undefined ||
        (view.event !== EventKind.RequestReceived && view.event !== EventKind.TransferReceived)
      ) {
        corrupt++;
        continue;
      }
      if (plan.decision.startsWith('queue') && !admitted[i]) deliveredBeforeAdmit++;
      delivered[i] = (delivered[i] as number) + 1;
      if (!equalBytes(view.payload, view.payloadOffset, view.payloadLength, payloadOf(seed, i, plan.size))) corrupt++;
      if (view.event === EventKind.RequestReceived) {
        expect(b.respond(view.handle, new Uint8Array([i & 0xff]), 0, 1)).toBeGreaterThanOrEqual(0);
        woke = true;
      }
    }
    while (a.pollEvent(view)) {
      const i = handles.get(view.handle);
      if (i === undefined || senderOutcome[i] !== undefined) {
        corrupt++;
        continue;
      }
      if (view.event === EventKind.ResponseReceived || view.event === EventKind.Completed) senderOutcome[i] = SUCCESS;
      else if (view.event === EventKind.Failed) senderOutcome[i] = view.status;
    }
    if (woke) net.wake();
  }
  // Time-wait records (200 ms in the harness) expire; then everything is back to zero.
  net.runUntil(net.nowUs + 1_000_000);
  return { calls, delivered, deliveredBeforeAdmit, senderOutcome, corrupt, a, b };
}

function expectModel(plans: readonly FlowPlan[], r: FlowRun): void {
  expect(r.corrupt).toBe(0);
  expect(r.deliveredBeforeAdmit).toBe(0);
  for (let i = 0; i < plans.length; i++) {
    const plan = plans[i] as FlowPlan;
    const deliveredOnce = plan.decision === 'accept' || plan.decision === 'queue-admit';
    expect([i, r.calls[i]]).toEqual([i, 1]);
    expect([i, r.delivered[i]]).toEqual([i, deliveredOnce ? 1 : 0]);
    expect([i, r.senderOutcome[i]]).toEqual([i, deliveredOnce ? SUCCESS : plan.status]);
  }
  expect(quiet(r.a)).toEqual(QUIET);
  expect(quiet(r.b)).toEqual(QUIET);
}

const planArbitrary = fc.record({
  size: fc.oneof(fc.integer({ min: 1, max: 900 }), fc.integer({ min: 2_000, max: 70_000 })),
  bulk: fc.boolean(),
  decision: fc.constantFrom<Decision>('accept', 'reject', 'queue-admit', 'queue-cancel'),
  status: fc.constantFrom(...FINAL_STATUSES),
  holdUs: fc.integer({ min: 0, max: 300_000 }),
});

describe('Endpoint acceptor: accept / reject / queue per new flow', () => {
  it('model: random flows and decisions, no loss', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.array(planArbitrary, { minLength: 1, maxLength: 16 }),
        (seed, plans) => {
          expectModel(plans, runFlows(seed, plans, 0));
        },
      ),
      { numRuns: 8 },
    );
  });

  it('model: random flows and decisions under 10 % loss (retransmissions never ask again)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.array(planArbitrary, { minLength: 4, maxLength: 14 }),
        (seed, plans) => {
          const r = runFlows(seed, plans, 0.1);
          expectModel(plans, r);
        },
      ),
      { numRuns: 6 },
    );
  });

  it('every decision for unary and bulk, inline and buffer-backed, explicitly', () => {
    const plans: FlowPlan[] = [];
    for (const bulk of [false, true]) {
      for (const size of [100, 40_000]) {
        plans.push({ size, bulk, decision: 'accept', status: 0, holdUs: 0 });
        plans.push({ size, bulk, decision: 'reject', status: StatusCode.Rejected, holdUs: 0 });
        plans.push({ size, bulk, decision: 'reject', status: StatusCode.ApplicationError, holdUs: 0 });
        plans.push({ size, bulk, decision: 'queue-admit', status: 0, holdUs: 50_000 });
        plans.push({ size, bulk, decision: 'queue-cancel', status: StatusCode.Rejected, holdUs: 50_000 });
      }
    }
    const r = runFlows(5, plans, 0);
    expectModel(plans, r);
    expect(r.b.flows.counters).toEqual({ asked: 20, accepted: 4, rejected: 8, queued: 8, admitted: 4, cancelled: 4 });
    const lossy = runFlows(6, plans, 0.1);
    expectModel(plans, lossy);
    expect(lossy.b.flows.counters.asked).toBe(20);
  });

  it('a queued flow waits long (seconds) without its sender failing, then runs once admitted', () => {
    const plans: FlowPlan[] = [
      { size: 300, bulk: false, decision: 'queue-admit', status: 0, holdUs: 3_000_000 },
      { size: 60_000, bulk: false, decision: 'queue-admit', status: 0, holdUs: 3_000_000 },
      { size: 60_000, bulk: true, decision: 'queue-admit', status: 0, holdUs: 3_000_000 },
    ];
    const r = runFlows(7, plans, 0);
    expectModel(plans, r);
    expect(r.a.flows.pokes).toBeGreaterThan(0);
  });

  it('a refusal of a held flow whose FLOW_RESET is lost still reaches the sender (HELD senders ask again)', () => {
    let handle = -1;
    const b = makeEndpoint(92, {
      acceptor: (flow) => {
        handle = flow.handle;
        return FlowDecision.Queue;
      },
    });
    const a = makeEndpoint(91);
    connect(a, 0, b, 1);
    const net = new TestNetwork({ endpoints: [a, b], seed: 11 });
    const h = a.submitRequest(1, new Uint8Array(5_000), 0, 5_000);
    net.wake();
    net.runUntil(20_000);
    net.partitionOneWay(1, 0);
    expect(b.cancel(handle, StatusCode.ApplicationError)).toBe(true);
    net.wake();
    net.runUntil(net.nowUs + 5_000);
    net.healOneWay(1, 0);
    expect(net.linkStats(1, 0).droppedDown).toBeGreaterThan(0);
    const view = new EventView();
    expect(a.pollEvent(view)).toBe(false);
    net.runUntil(net.nowUs + 150_000);
    expect(a.pollEvent(view)).toBe(true);
    expect([view.event, view.handle, view.status]).toEqual([EventKind.Failed, h, StatusCode.ApplicationError]);
    expect(a.flows.pokes).toBeGreaterThan(0);
    expect(b.flows.counters.asked).toBe(1);
    net.runUntil(net.nowUs + 1_000_000);
    expect(quiet(a)).toEqual(QUIET);
    expect(quiet(b)).toEqual(QUIET);
  });

  it('a held flow the sender gives up on ends with FAILED for its handle; admit then returns false', () => {
    let handle = -1;
    const b = makeEndpoint(102, {
      acceptor: (flow) => {
        handle = flow.handle;
        return FlowDecision.Queue;
      },
    });
    const a = makeEndpoint(101);
    connect(a, 0, b, 1);
    const net = new TestNetwork({ endpoints: [a, b], seed: 12 });
    const h = a.submitBulk(1, new Uint8Array(40_000), 0, 40_000);
    net.wake();
    net.runUntil(20_000);
    expect(b.flowsHeld).toBe(1);
    expect(a.cancel(h)).toBe(true);
    net.wake();
    net.runUntil(net.nowUs + 20_000);
    const view = new EventView();
    expect(b.pollEvent(view)).toBe(true);
    expect([view.event, view.handle, view.status]).toEqual([EventKind.Failed, handle, StatusCode.Cancelled]);
    expect(b.admit(handle)).toBe(false);
    expect(b.flowsHeld).toBe(0);
    expect(a.pollEvent(view)).toBe(true);
    expect([view.event, view.status]).toEqual([EventKind.Failed, StatusCode.Cancelled]);
    net.runUntil(net.nowUs + 1_000_000);
    expect(quiet(a)).toEqual(QUIET);
    expect(quiet(b)).toEqual(QUIET);
  });

  it('the view: peer, kind, priority, size, metadata, header, inline, and the handle the flow keeps', () => {
    let seen: Record<string, unknown> | null = null;
    let header: Uint8Array | null = null;
    let viewHandle = -1;
    const b = makeEndpoint(12, {
      acceptor: (flow) => {
        seen = {
          peer: flow.peer,
          kind: flow.kind,
          priority: flow.priority,
          payloadBytes: flow.payloadBytes,
          inline: flow.inline,
          hasMetadata: flow.hasMetadata,
          metadata: flow.metadata,
          stream: flow.stream,
        };
        header = flow.headerCopy();
        viewHandle = flow.handle;
        return FlowDecision.Accept;
      },
    });
    const a = makeEndpoint(11);
    connect(a, 0, b, 1);
    const net = new TestNetwork({ endpoints: [a, b], seed: 3 });
    a.submitRequest(1, new Uint8Array(77), 0, 77, { priority: 5, metadata: 0xabcdef, header: Uint8Array.of(1, 2, 3) });
    net.wake();
    net.runUntilIdle(1_000_000);
    expect(seen).toEqual({
      peer: 0,
      kind: TransferKind.UnaryRequest,
      priority: 5,
      payloadBytes: 77,
      inline: true,
      hasMetadata: true,
      metadata: 0xabcdef,
      stream: -1,
    });
    expect(header).toEqual(Uint8Array.of(1, 2, 3));
    const view = new EventView();
    expect(b.pollEvent(view)).toBe(true);
    expect(view.event).toBe(EventKind.RequestReceived);
    expect(view.handle).toBe(viewHandle);
  });

  it('a transient reject (OVERLOADED) lets a sender with attempts left retry; the retry is asked again', () => {
    let calls = 0;
    const b = makeEndpoint(22, {
      acceptor: (flow) => {
        calls++;
        return calls === 1 ? flow.reject(StatusCode.Overloaded) : FlowDecision.Accept;
      },
    });
    const a = makeEndpoint(21);
    connect(a, 0, b, 1);
    const net = new TestNetwork({ endpoints: [a, b], seed: 4 });
    const h = a.submitRequest(1, new Uint8Array(10), 0, 10, { attemptsMax: 3 });
    net.wake();
    const view = new EventView();
    let responded = false;
    while (net.step() && net.nowUs < 5_000_000) {
      while (b.pollEvent(view)) {
        if (view.event === EventKind.Completed) continue; // our response
        expect(view.event).toBe(EventKind.RequestReceived);
        b.respond(view.handle, new Uint8Array(1), 0, 1);
        net.wake();
      }
      while (a.pollEvent(view)) {
        expect([view.event, view.handle]).toEqual([EventKind.ResponseReceived, h]);
        responded = true;
      }
    }
    expect(responded).toBe(true);
    expect(calls).toBe(2);
    expect(a.counter('attemptsRetried')).toBe(1);
    net.runUntil(net.nowUs + 1_000_000);
    expect(quiet(a)).toEqual(QUIET);
    expect(quiet(b)).toEqual(QUIET);
  });

  it('held flows are bounded by receiversMax: beyond it new notifies are refused OVERLOADED', () => {
    const held: number[] = [];
    const b = makeEndpoint(32, {
      transfersMax: 64,
      receiversMax: 4,
      acceptor: (flow) => {
        held.push(flow.handle);
        return FlowDecision.Queue;
      },
    });
    const a = makeEndpoint(31);
    connect(a, 0, b, 1);
    const net = new TestNetwork({ endpoints: [a, b], seed: 5 });
    for (let i = 0; i < 6; i++) a.submitRequest(1, new Uint8Array(500), 0, 500, { metadata: i + 1 });
    net.wake();
    net.runUntil(200_000);
    expect(held.length).toBe(4);
    expect(b.flowsHeld).toBe(4);
    const view = new EventView();
    expect(b.pollEvent(view)).toBe(false);
    const failed: number[] = [];
    while (a.pollEvent(view)) failed.push(view.status);
    expect(failed).toEqual([StatusCode.Overloaded, StatusCode.Overloaded]);
    for (const h of held) expect(b.cancel(h, StatusCode.Rejected)).toBe(true);
    net.wake();
    net.runUntil(net.nowUs + 1_000_000);
    while (a.pollEvent(view)) failed.push(view.status);
    expect(failed.slice(2)).toEqual([
      StatusCode.Rejected,
      StatusCode.Rejected,
      StatusCode.Rejected,
      StatusCode.Rejected,
    ]);
    expect(b.pollEvent(view)).toBe(false);
    expect(quiet(a)).toEqual(QUIET);
    expect(quiet(b)).toEqual(QUIET);
  });

  it('an admitted inline flow waits for event-ring room and is delivered from pollEvent', () => {
    const held: number[] = [];
    const b = makeEndpoint(42, {
      eventsMax: 2,
      acceptor: (flow) => {
        if (flow.metadata >= 10) return FlowDecision.Accept;
        held.push(flow.handle);
        return FlowDecision.Queue;
      },
    });
    const a = makeEndpoint(41);
    connect(a, 0, b, 1);
    const net = new TestNetwork({ endpoints: [a, b], seed: 6 });
    a.submitRequest(1, new Uint8Array(20), 0, 20, { metadata: 1 });
    a.submitBulk(1, new Uint8Array(20), 0, 20, { metadata: 10 });
    a.submitBulk(1, new Uint8Array(20), 0, 20, { metadata: 11 });
    net.wake();
    net.runUntil(100_000);
    expect(b.events.size).toBe(2);
    expect(held.length).toBe(1);
    expect(b.admit(held[0] as number)).toBe(true);
    expect(b.events.size).toBe(2); // waits: the ring is at eventsMax
    const view = new EventView();
    const order: number[] = [];
    while (b.pollEvent(view)) {
      order.push(view.metadata);
      if (view.event === EventKind.RequestReceived) b.respond(view.handle, new Uint8Array(1), 0, 1);
    }
    expect(order).toEqual([10, 11, 1]);
    net.wake();
    net.runUntil(net.nowUs + 1_000_000);
    expect(b.pollEvent(view)).toBe(true);
    expect(view.event).toBe(EventKind.Completed); // our response
    const outcomes: number[] = [];
    while (a.pollEvent(view)) outcomes.push(view.event);
    expect(outcomes.sort()).toEqual([EventKind.ResponseReceived, EventKind.Completed, EventKind.Completed].sort());
    expect(quiet(a)).toEqual(QUIET);
    expect(quiet(b)).toEqual(QUIET);
  });

  it('a queued BULK for an application destination is offered only once admitted', () => {
    let handle = -1;
    const b = makeEndpoint(52, {
      applicationBulkDestination: true,
      acceptor: (flow) => {
        handle = flow.handle;
        return FlowDecision.Queue;
      },
    });
    const a = makeEndpoint(51);
    connect(a, 0, b, 1);
    const net = new TestNetwork({ endpoints: [a, b], seed: 7, link: { lossProbability: 0.1 } });
    const payload = payloadOf(7, 0, 100_000);
    const h = a.submitBulk(1, payload, 0, payload.length);
    net.wake();
    net.runUntil(500_000);
    const view = new EventView();
    expect(b.pollEvent(view)).toBe(false);
    expect(b.admit(handle)).toBe(true);
    expect(b.pollEvent(view)).toBe(true);
    expect([view.event, view.handle, view.payloadLength]).toEqual([EventKind.BulkOffered, handle, payload.length]);
    const destination = new Uint8Array(b.destinationBytesFor(handle));
    expect(b.acceptBulk(handle, destination, 0)).toBe(true);
    net.wake();
    let received = false;
    while (net.step() && net.nowUs < 20_000_000) {
      while (b.pollEvent(view)) {
        expect(view.event).toBe(EventKind.TransferReceived);
        expect(equalBytes(view.payload, view.payloadOffset, view.payloadLength, payload)).toBe(true);
        received = true;
      }
    }
    expect(received).toBe(true);
    expect(a.pollEvent(view)).toBe(true);
    expect([view.event, view.handle]).toEqual([EventKind.Completed, h]);
    net.runUntil(net.nowUs + 1_000_000);
    expect(quiet(a)).toEqual(QUIET);
    expect(quiet(b)).toEqual(QUIET);
  });

  it('stream items: the view names the stream and item index; a queued item holds the stream order', () => {
    const seen: [number, number][] = [];
    let queuedItem = -1;
    const b = makeEndpoint(62, {
      acceptor: (flow) => {
        seen.push([flow.kind, flow.itemIndex]);
        if (flow.itemIndex === 0) {
          queuedItem = flow.handle;
          return FlowDecision.Queue;
        }
        return FlowDecision.Accept;
      },
    });
    const a = makeEndpoint(61);
    connect(a, 0, b, 1);
    const net = new TestNetwork({ endpoints: [a, b], seed: 8 });
    const s = a.openStream(1);
    expect(s).toBeGreaterThanOrEqual(0);
    a.submitStreamItem(s, Uint8Array.of(0), 0, 1);
    a.submitStreamItem(s, new Uint8Array(30_000).fill(1), 0, 30_000);
    a.submitStreamItem(s, Uint8Array.of(2), 0, 1, { endOfStream: true });
    net.wake();
    net.runUntil(300_000);
    const view = new EventView();
    const items: number[] = [];
    let stream = -1;
    while (b.pollEvent(view)) {
      if (view.event === EventKind.StreamOpened) stream = view.handle;
      if (view.event === EventKind.StreamItem) items.push(view.itemIndex);
    }
    expect(seen.map((x) => x[1]).sort()).toEqual([0, 1, 2]);
    expect(seen.every((x) => x[0] === TransferKind.StreamRequestItem)).toBe(true);
    expect(items).toEqual([]); // item 0 is queued: nothing after it may be delivered
    expect(b.admit(queuedItem)).toBe(true);
    net.wake();
    let ended = false;
    while (net.step() && net.nowUs < 10_000_000) {
      while (b.pollEvent(view)) {
        if (view.event === EventKind.StreamItem) items.push(view.itemIndex);
        if (view.event === EventKind.StreamEnded) {
          ended = true;
          b.closeStream(stream);
          net.wake();
        }
      }
      while (a.pollEvent(view)) expect(view.event === EventKind.Failed).toBe(false);
    }
    expect(items).toEqual([0, 1, 2]);
    expect(ended).toBe(true);
    net.runUntil(net.nowUs + 1_000_000);
    while (a.pollEvent(view)) expect(view.event === EventKind.Failed).toBe(false);
    while (b.pollEvent(view)) expect(view.event === EventKind.Failed).toBe(false);
    expect(quiet(a)).toEqual(QUIET);
    expect(quiet(b)).toEqual(QUIET);
  });

  it('an invalid decision or a throwing acceptor throws out of handleDatagram and keeps nothing', () => {
    for (const acceptor of [
      () => 7 as FlowDecision,
      (flow: NewFlowView) => flow.reject(StatusCode.Ok),
      () => {
        throw new RangeError('application bug');
      },
    ]) {
      const b = makeEndpoint(72, { acceptor });
      const a = makeEndpoint(71);
      connect(a, 0, b, 1);
      const net = new TestNetwork({ endpoints: [a, b], seed: 9 });
      a.submitRequest(1, new Uint8Array(10), 0, 10);
      net.wake();
      let thrown: unknown = null;
      try {
        net.runUntil(10_000);
      } catch (error) {
        thrown = error;
      }
      expect(thrown instanceof InvalidArgumentError || thrown instanceof RangeError).toBe(true);
      expect(b.transfersLive).toBe(0);
      expect(b.receiversIndexed).toBe(0);
      expect(b.flowsHeld).toBe(0);
    }
  });

  it('responses are never asked (they answer our own requests)', () => {
    let asked = 0;
    const acceptor = (): FlowDecision => {
      asked++;
      return FlowDecision.Accept;
    };
    const a = makeEndpoint(81, { acceptor });
    const b = makeEndpoint(82, { acceptor });
    connect(a, 0, b, 1);
    const net = new TestNetwork({ endpoints: [a, b], seed: 10 });
    a.submitRequest(1, new Uint8Array(10), 0, 10);
    net.wake();
    const view = new EventView();
    let answered = false;
    while (net.step()) {
      while (b.pollEvent(view)) {
        b.respond(view.handle, new Uint8Array(10), 0, 10);
        net.wake();
      }
      while (a.pollEvent(view)) answered = view.event === EventKind.ResponseReceived;
    }
    expect(answered).toBe(true);
    expect(asked).toBe(1);
    expect(a.flows.counters.asked).toBe(0);
  });
});
