/**
 * Streams end to end on the TestNetwork (state-machines.md#stream): the three patterns (streaming
 * request, streaming response, bidirectional) under loss, reordering and duplication against a
 * reference model (every item byte-exact, in index order, exactly once, on both sides; one
 * STREAM_ENDED and one STREAM_CLOSED per stream and side), closes from either side mid-stream,
 * per-stream queue limits with a slow reader, the stream table at its limit, a peer failing
 * mid-stream, quiescence and determinism.
 */
import { describe, expect, it } from 'vitest';
import type { EndpointOptions } from '../src/endpoint/config.js';
import { type Endpoint, LocalStatus, SubmitError } from '../src/endpoint/endpoint.js';
import { EventKind, EventView } from '../src/endpoint/events.js';
import { StreamState } from '../src/endpoint/streams.js';
import { type LinkUpdate, TestNetwork } from '../src/testing/test-network.js';
import { StatusCode, TransferKind } from '../src/wire/constants.js';
import { NotifyEntryView } from '../src/wire/transfer-notify.js';
import { connect, equalBytes, makeEndpoint, payloadOf, QUIESCENT_ZERO, quiescentState } from './endpoint-harness.js';

type Pattern = 'request' | 'response' | 'bidi';

function streamState(e: Endpoint): Record<string, number> {
  return {
    ...quiescentState(e),
    streams: e.streamsLive,
    streamBytes: e.streamBytesQueued,
    streamHeld: e.streamItemsHeld,
  };
}

const STREAM_ZERO = { ...QUIESCENT_ZERO, streams: 0, streamBytes: 0, streamHeld: 0 };

/** Item sizes: a mix of inline (≤ 1 KiB) and buffer-backed items (a function of seed, side, stream, index). */
function sizeOf(seed: number, side: number, stream: number, index: number): number {
  const x = (seed * 31 + side * 17 + stream * 7 + index * 13) % 5;
  return x === 0 ? 0 : x === 1 ? 100 : x === 2 ? 1000 : x === 3 ? 5000 : 70_000;
}

function itemBytes(seed: number, side: number, stream: number, index: number): Uint8Array {
  return payloadOf(seed * 1000 + side * 100 + stream, index, sizeOf(seed, side, stream, index));
}

interface Side {
  readonly e: Endpoint;
  /** stream number → handle. */
  readonly handles: number[];
  /** handle → stream number. */
  readonly numberOf: Map<number, number>;
  /** Items received per stream (next expected index). */
  readonly received: number[];
  /** Items sent per stream. */
  readonly sent: number[];
  /** Items to send per stream (set when the pattern says). */
  readonly toSend: number[];
  readonly ended: number[];
  readonly closed: number[];
  readonly closedStatus: number[];
  errors: string[];
  maxStreamBytes: number;
  opened: number;
  wouldBlocks: number;
}

function makeSide(e: Endpoint, streams: number): Side {
  return {
    e,
    handles: new Array<number>(streams).fill(-1),
    numberOf: new Map(),
    received: new Array<number>(streams).fill(0),
    sent: new Array<number>(streams).fill(0),
    toSend: new Array<number>(streams).fill(0),
    ended: new Array<number>(streams).fill(0),
    closed: new Array<number>(streams).fill(0),
    closedStatus: new Array<number>(streams).fill(-1),
    errors: [],
    maxStreamBytes: 0,
    opened: 0,
    wouldBlocks: 0,
  };
}

interface StreamRun {
  readonly seed: number;
  readonly pattern: Pattern;
  readonly streams: number;
  readonly items: number;
  readonly link?: LinkUpdate;
  readonly endpoint?: Partial<EndpointOptions>;
  /** Poll at most this many events per side per step (a slow reader). */
  readonly pollsPerStep?: number;
}

function runStreams(r: StreamRun) {
  const options: Partial<EndpointOptions> = { timeWaitUs: 200_000, ...r.endpoint };
  const a = makeEndpoint(r.seed * 2 + 1, options);
  const b = makeEndpoint(r.seed * 2 + 2, options);
  connect(a, 0, b, 1);
  const net = new TestNetwork({ endpoints: [a, b], seed: r.seed, link: r.link ?? {}, transmitsPerInstantMax: 256 });
  const client = makeSide(a, r.streams);
  const server = makeSide(b, r.streams);
  // Client: opens every stream; sends `items` items (request / bidi) or one item (response).
  for (let s = 0; s < r.streams; s++) {
    const h = a.openStream(1);
    expect(h).toBeGreaterThanOrEqual(0);
    client.handles[s] = h;
    client.numberOf.set(h, s);
    client.toSend[s] = r.pattern === 'response' ? 1 : r.items;
  }
  const view = new EventView();
  const pump = (side: Side, sideIndex: number): boolean => {
    let woke = false;
    for (let s = 0; s < r.streams; s++) {
      const h = side.handles[s] as number;
      while (h >= 0 && (side.sent[s] as number) < (side.toSend[s] as number)) {
        const i = side.sent[s] as number;
        const bytes = itemBytes(r.seed, sideIndex, s, i);
        const last = i === (side.toSend[s] as number) - 1;
        const got = side.e.submitStreamItem(h, bytes, 0, bytes.length, { endOfStream: last, metadata: s * 65536 + i });
        if (got === SubmitError.WouldBlock) {
          side.wouldBlocks++;
          break;
        }
        if (got < 0) {
          side.errors.push(`submit ${sideIndex}/${s}/${i}: ${got}`);
          break;
        }
        side.sent[s] = i + 1;
        woke = true;
      }
    }
    return woke;
  };
  const drain = (side: Side, sideIndex: number): boolean => {
    let woke = false;
    let polls = 0;
    const other = 1 - sideIndex;
    while ((r.pollsPerStep === undefined || polls < r.pollsPerStep) && side.e.pollEvent(view)) {
      polls++;
      if (view.event === EventKind.StreamOpened) {
        if (sideIndex === 0) side.errors.push('unexpected STREAM_OPENED');
        side.opened++;
      } else if (view.event === EventKind.StreamItem) {
        // The client's stream number travels in the metadata (s × 65536 + index).
        let s = side.numberOf.get(view.handle);
        if (s === undefined && sideIndex === 1) {
          s = Math.floor(view.metadata / 65536);
          side.handles[s] = view.handle;
          side.numberOf.set(view.handle, s);
          if (r.pattern === 'bidi') side.toSend[s] = r.items;
          woke = true;
        }
        if (s === undefined) {
          side.errors.push('item on an unknown stream');
          continue;
        }
        const i = side.received[s] as number;
        if (view.itemIndex !== i) side.errors.push(`stream ${s}: item ${view.itemIndex}, expected ${i}`);
        if (view.metadata !== s * 65536 + i) side.errors.push(`stream ${s}: metadata ${view.metadata}, expected ${i}`);
        const expected = itemBytes(r.seed, other, s, i);
        if (!equalBytes(view.payload, view.payloadOffset, view.payloadLength, expected)) {
          side.errors.push(`stream ${s}: item ${i} corrupt`);
        }
        side.received[s] = i + 1;
        if (sideIndex === 1 && r.pattern === 'response' && i === 0) {
          side.toSend[s] = r.items;
          woke = true;
        }
      } else if (view.event === EventKind.StreamEnded) {
        const s = side.numberOf.get(view.handle) ?? -1;
        if (s < 0) continue;
        side.ended[s] = (side.ended[s] as number) + 1;
        if (view.itemIndex !== side.received[s]) side.errors.push(`stream ${s}: ended at ${view.itemIndex}`);
        if (sideIndex === 1 && r.pattern === 'request') {
          side.toSend[s] = 1;
          woke = true;
        }
      } else if (view.event === EventKind.StreamClosed) {
        const s = side.numberOf.get(view.handle) ?? -1;
        if (s < 0) continue;
        side.closed[s] = (side.closed[s] as number) + 1;
        side.closedStatus[s] = view.status;
      } else if (view.event === EventKind.Failed) {
        side.errors.push(`item failed: ${view.status}`);
      }
    }
    return woke;
  };
  pump(client, 0);
  net.wake();
  for (let iteration = 0; iteration < 2_000_000; iteration++) {
    const stepped = net.step();
    client.maxStreamBytes = Math.max(client.maxStreamBytes, a.streamBytesQueued);
    server.maxStreamBytes = Math.max(server.maxStreamBytes, b.streamBytesQueued);
    let woke = drain(server, 1);
    woke = drain(client, 0) || woke;
    woke = pump(server, 1) || woke;
    woke = pump(client, 0) || woke;
    if (woke) net.wake();
    // A slow reader may still hold events when the network is idle: keep polling them.
    if (!stepped && !woke && a.events.size + b.events.size === 0) break;
    if (net.nowUs > 30_000_000) break;
  }
  return { a, b, net, client, server };
}

function expectComplete(run: ReturnType<typeof runStreams>, r: StreamRun): void {
  const { client, server } = run;
  expect(client.errors).toEqual([]);
  expect(server.errors).toEqual([]);
  const clientItems = r.pattern === 'response' ? 1 : r.items;
  const serverItems = r.pattern === 'request' ? 1 : r.items;
  expect(server.opened).toBe(r.streams);
  for (let s = 0; s < r.streams; s++) {
    expect(server.received[s]).toBe(clientItems);
    expect(client.received[s]).toBe(serverItems);
    expect(client.ended[s]).toBe(1);
    expect(server.ended[s]).toBe(1);
    expect(client.closed[s]).toBe(1);
    expect(server.closed[s]).toBe(1);
    expect(client.closedStatus[s]).toBe(StatusCode.Ok);
    expect(server.closedStatus[s]).toBe(StatusCode.Ok);
  }
  expect(streamState(run.a)).toEqual(STREAM_ZERO);
  expect(streamState(run.b)).toEqual(STREAM_ZERO);
}

describe('Endpoint streams: patterns end to end (state-machines.md#stream)', () => {
  const faults: [string, LinkUpdate][] = [
    ['clean', {}],
    [
      '10% loss, reordering, duplication',
      { lossProbability: 0.1, reorderProbability: 0.1, duplicateProbability: 0.05 },
    ],
    ['30% loss, reordering, duplication', { lossProbability: 0.3, reorderProbability: 0.2, duplicateProbability: 0.1 }],
  ];
  for (const pattern of ['request', 'response', 'bidi'] as const) {
    for (const [name, link] of faults) {
      it(`${pattern}: 3 streams × 12 items, ${name}`, () => {
        // Lossy links: more retransmissions than the defaults, so that no item times out (a
        // timed-out item aborts its stream, which the abort tests cover).
        const endpoint = {
          notifyRetransmitsMax: 24,
          pullRetransmitsMax: 24,
          silentExpiriesMax: 24,
          tailProbesMax: 24,
          streamCloseRetransmitsMax: 24,
        };
        const r: StreamRun = { seed: 11 + pattern.length, pattern, streams: 3, items: 12, link, endpoint };
        expectComplete(runStreams(r), r);
      });
    }
  }

  it('is deterministic: same seed, same trace', () => {
    const r: StreamRun = { seed: 5, pattern: 'bidi', streams: 2, items: 8, link: { lossProbability: 0.1 } };
    const x = runStreams(r);
    const y = runStreams(r);
    expect(x.net.traceHash()).toBe(y.net.traceHash());
    expect(x.net.nowUs).toBe(y.net.nowUs);
  });

  it('random runs against the model (fast-check seeds)', async () => {
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.constantFrom<Pattern>('request', 'response', 'bidi'),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 6 }),
        fc.double({ min: 0, max: 0.2, noNaN: true }),
        (seed, pattern, streams, items, loss) => {
          const r: StreamRun = {
            seed,
            pattern,
            streams,
            items,
            link: { lossProbability: loss, reorderProbability: 0.1, duplicateProbability: 0.05 },
            endpoint: { notifyRetransmitsMax: 24, pullRetransmitsMax: 24, streamCloseRetransmitsMax: 24 },
          };
          expectComplete(runStreams(r), r);
        },
      ),
      { numRuns: 8, seed: 42 },
    );
  });
});

describe('Endpoint streams: limits', () => {
  it('slow reader: receive memory stays under the per-stream limits and the sender is backpressured', () => {
    const r: StreamRun = {
      seed: 3,
      pattern: 'request',
      streams: 1,
      items: 40,
      pollsPerStep: 1,
      endpoint: { streamQueueDepthMax: 4, streamQueueBytesMax: 150_000 },
    };
    const run = runStreams(r);
    expectComplete(run, r);
    // The next item in order may exceed the byte limit by itself (70 kB items): limit + one item.
    expect(run.server.maxStreamBytes).toBeLessThanOrEqual(150_000 + 70_000);
    expect(run.server.maxStreamBytes).toBeGreaterThan(0);
    // Backpressure reached the sender: its window filled, and the receiver refused items beyond its queue.
    expect(run.client.wouldBlocks).toBeGreaterThan(0);
    expect(run.b.counter('notifiesRejected')).toBeGreaterThan(0);
  });

  it('the sender gets WouldBlock once streamQueueDepthMax items are in flight', () => {
    const a = makeEndpoint(1, { streamQueueDepthMax: 3 });
    const b = makeEndpoint(2, { streamQueueDepthMax: 3 });
    connect(a, 0, b, 1);
    const h = a.openStream(1);
    const bytes = new Uint8Array(10);
    for (let i = 0; i < 3; i++) expect(a.submitStreamItem(h, bytes, 0, 10)).toBeGreaterThanOrEqual(0);
    expect(a.submitStreamItem(h, bytes, 0, 10)).toBe(SubmitError.WouldBlock);
  });

  it('a receive queue at its depth refuses further items (LIMIT_EXCEEDED) until the application polls', () => {
    const opts = { streamQueueDepthMax: 2, timeWaitUs: 100_000 };
    const a = makeEndpoint(1, opts);
    const b = makeEndpoint(2, opts);
    connect(a, 0, b, 1);
    const net = new TestNetwork({ endpoints: [a, b], seed: 1 });
    const h = a.openStream(1);
    const bytes = new Uint8Array(10);
    expect(a.submitStreamItem(h, bytes, 0, 10)).toBeGreaterThanOrEqual(0);
    expect(a.submitStreamItem(h, bytes, 0, 10)).toBeGreaterThanOrEqual(0);
    net.wake();
    net.runUntilIdle(50_000);
    // Two items delivered, not polled: the queue is full; a third item is refused and retried.
    expect(a.submitStreamItem(h, bytes, 0, 10, { endOfStream: true })).toBeGreaterThanOrEqual(0);
    net.wake();
    for (let i = 0; i < 200; i++) net.step();
    expect(b.counter('notifiesRejected')).toBeGreaterThan(0);
    expect(b.events.size).toBe(3); // OPENED + 2 items
    const view = new EventView();
    const seen: number[] = [];
    for (let k = 0; k < 100 && seen.length < 5; k++) {
      while (b.pollEvent(view)) seen.push(view.event);
      net.wake();
      for (let i = 0; i < 50; i++) net.step();
    }
    expect(seen.slice(0, 5)).toEqual([
      EventKind.StreamOpened,
      EventKind.StreamItem,
      EventKind.StreamItem,
      EventKind.StreamItem,
      EventKind.StreamEnded,
    ]);
  });

  it('stream table at its limit: openStream WouldBlock, and a peer-opened stream beyond it is refused then retried', () => {
    const a = makeEndpoint(1, { streamsMax: 4, streamsPerPeerMax: 2 });
    const b = makeEndpoint(2, { streamsMax: 1, timeWaitUs: 50_000 });
    connect(a, 0, b, 1);
    const net = new TestNetwork({ endpoints: [a, b], seed: 2 });
    const s1 = a.openStream(1);
    const s2 = a.openStream(1);
    expect(a.openStream(1)).toBe(SubmitError.WouldBlock);
    const bytes = new Uint8Array(10);
    a.submitStreamItem(s1, bytes, 0, 10, { endOfStream: true });
    a.submitStreamItem(s2, bytes, 0, 10, { endOfStream: true });
    net.wake();
    const view = new EventView();
    const opened: number[] = [];
    let closed = 0;
    for (let k = 0; k < 100_000 && closed < 2; k++) {
      if (!net.step()) break;
      while (b.pollEvent(view)) {
        if (view.event === EventKind.StreamOpened) opened.push(view.handle);
        if (view.event === EventKind.StreamEnded) {
          b.closeStream(view.handle);
          net.wake();
        }
      }
      while (a.pollEvent(view)) if (view.event === EventKind.StreamClosed) closed++;
    }
    expect(closed).toBe(2);
    expect(opened.length).toBe(2);
    expect(b.counter('notifiesRejected')).toBeGreaterThan(0); // the second stream waited for room
    net.runUntilIdle(10_000_000);
    while (b.pollEvent(view));
    expect(streamState(a)).toEqual(STREAM_ZERO);
    expect(streamState(b)).toEqual(STREAM_ZERO);
  });
});

describe('Endpoint streams: closing and failure', () => {
  for (const closer of ['client', 'server'] as const) {
    it(`abort by the ${closer} mid-stream releases everything on both sides`, () => {
      const a = makeEndpoint(1);
      const b = makeEndpoint(2);
      connect(a, 0, b, 1);
      const net = new TestNetwork({ endpoints: [a, b], seed: 9, link: { lossProbability: 0.05 } });
      const h = a.openStream(1);
      const big = payloadOf(1, 0, 300_000);
      for (let i = 0; i < 4; i++) expect(a.submitStreamItem(h, big, 0, big.length)).toBeGreaterThanOrEqual(0);
      net.wake();
      const view = new EventView();
      let serverHandle = -1;
      let items = 0;
      while (items < 1 && net.step()) {
        while (b.pollEvent(view)) {
          if (view.event === EventKind.StreamOpened) serverHandle = view.handle;
          if (view.event === EventKind.StreamItem) items++;
        }
      }
      expect(serverHandle).toBeGreaterThanOrEqual(0);
      if (closer === 'client') expect(a.closeStream(h, StatusCode.Cancelled)).toBe(true);
      else expect(b.closeStream(serverHandle, StatusCode.ApplicationError)).toBe(true);
      net.wake();
      const clientEvents: [number, number][] = [];
      const serverEvents: [number, number][] = [];
      for (let k = 0; k < 100_000; k++) {
        if (!net.step()) break;
        while (a.pollEvent(view)) clientEvents.push([view.event, view.status]);
        while (b.pollEvent(view)) serverEvents.push([view.event, view.status]);
      }
      const status = closer === 'client' ? StatusCode.Cancelled : StatusCode.ApplicationError;
      // One STREAM_CLOSED per side; the client's unfinished items end FAILED.
      expect(clientEvents.filter(([e]) => e === EventKind.StreamClosed)).toEqual([[EventKind.StreamClosed, status]]);
      expect(serverEvents.filter(([e]) => e === EventKind.StreamClosed)).toEqual([[EventKind.StreamClosed, status]]);
      expect(clientEvents.filter(([e]) => e === EventKind.Failed).length).toBeGreaterThan(0);
      expect(serverEvents.filter(([e]) => e === EventKind.StreamItem).length).toBeLessThan(4);
      expect(a.submitStreamItem(h, big, 0, 10)).toBe(SubmitError.BadHandle);
      expect(streamState(a)).toEqual(STREAM_ZERO);
      expect(streamState(b)).toEqual(STREAM_ZERO);
    });
  }

  it('a late item after close is never delivered (time-wait refuses it UNKNOWN_STREAM)', () => {
    const a = makeEndpoint(1);
    const b = makeEndpoint(2);
    connect(a, 0, b, 1);
    const net = new TestNetwork({ endpoints: [a, b], seed: 4 });
    const h = a.openStream(1);
    const bytes = new Uint8Array(10);
    a.submitStreamItem(h, bytes, 0, 10);
    net.wake();
    const view = new EventView();
    let serverHandle = -1;
    while (serverHandle < 0 && net.step()) {
      while (b.pollEvent(view)) if (view.event === EventKind.StreamOpened) serverHandle = view.handle;
    }
    b.closeStream(serverHandle, StatusCode.Rejected);
    net.wake();
    const streamSlot = b.streams.slotOfHandle(serverHandle);
    for (let k = 0; k < 10_000 && b.streams.state[streamSlot] !== StreamState.Closed; k++) net.step();
    // CLOSED: a time-wait record that refuses late items with UNKNOWN_STREAM.
    expect(b.streams.state[streamSlot]).toBe(StreamState.Closed);
    // A late item notify for the closed stream is refused, never delivered.
    const late = new NotifyEntryView();
    late.kind = TransferKind.StreamRequestItem;
    late.streamIdHi = b.streams.wireIdHi[streamSlot] as number;
    late.streamIdLo = b.streams.wireIdLo[streamSlot] as number;
    late.streamItemIndex = 1;
    late.payloadSize = 10;
    expect(b.streams.admitItem(0, late)).toBe(StatusCode.UnknownStream);
    late.streamIdLo ^= 1;
    late.streamItemIndex = 5;
    // An unknown response-item stream (our namespace) is refused too.
    late.kind = TransferKind.StreamResponseItem;
    expect(b.streams.admitItem(0, late)).toBe(StatusCode.UnknownStream);
    // The client's stream is closed too: it can no longer send; a forged late item is refused.
    expect(a.submitStreamItem(h, bytes, 0, 10)).toBe(SubmitError.BadHandle);
    let items = 0;
    while (b.pollEvent(view)) if (view.event === EventKind.StreamItem) items++;
    net.runUntilIdle(10_000_000);
    while (b.pollEvent(view)) if (view.event === EventKind.StreamItem) items++;
    expect(items).toBeLessThanOrEqual(1);
    const clientClosed: number[] = [];
    while (a.pollEvent(view)) if (view.event === EventKind.StreamClosed) clientClosed.push(view.status);
    expect(clientClosed).toEqual([StatusCode.Rejected]);
    expect(streamState(a)).toEqual(STREAM_ZERO);
    expect(streamState(b)).toEqual(STREAM_ZERO);
  });

  it('a close that is never acknowledged ends the stream TIMEOUT after streamCloseRetransmitsMax', () => {
    const a = makeEndpoint(1, { streamCloseRetransmitsMax: 1, timeWaitUs: 100_000 });
    const b = makeEndpoint(2, { timeWaitUs: 100_000 });
    connect(a, 0, b, 1);
    const net = new TestNetwork({ endpoints: [a, b], seed: 8 });
    const h = a.openStream(1);
    const bytes = new Uint8Array(10);
    a.submitStreamItem(h, bytes, 0, 10, { endOfStream: true });
    net.wake();
    const view = new EventView();
    let completed = false;
    while (!completed && net.step()) {
      while (a.pollEvent(view)) if (view.event === EventKind.Completed) completed = true;
    }
    // The item completed and the close is on its way: from now on nothing comes back from b.
    net.partitionOneWay(1, 0);
    let closedStatus = -1;
    for (let k = 0; k < 100_000 && closedStatus < 0; k++) {
      if (!net.step()) break;
      while (a.pollEvent(view)) if (view.event === EventKind.StreamClosed) closedStatus = view.status;
      while (b.pollEvent(view));
    }
    expect(closedStatus).toBe(StatusCode.Timeout);
    expect(a.streams.slotOfHandle(h)).toBeGreaterThanOrEqual(0); // time-wait record
    expect(a.submitStreamItem(h, bytes, 0, 10)).toBe(SubmitError.BadHandle);
  });

  it('a peer that fails mid-stream closes its streams with PEER_UNREACHABLE', () => {
    const a = makeEndpoint(1, { timeWaitUs: 100_000 });
    const b = makeEndpoint(2, { timeWaitUs: 100_000 });
    connect(a, 0, b, 1);
    const net = new TestNetwork({ endpoints: [a, b], seed: 6 });
    const h = a.openStream(1);
    const bytes = new Uint8Array(10);
    a.submitStreamItem(h, bytes, 0, 10);
    net.wake();
    const view = new EventView();
    let opened = false;
    while (!opened && net.step()) {
      while (b.pollEvent(view)) if (view.event === EventKind.StreamOpened) opened = true;
    }
    net.partition(0, 1);
    const big = payloadOf(2, 0, 200_000);
    a.submitStreamItem(h, big, 0, big.length);
    net.wake();
    let closedStatus = -1;
    for (let k = 0; k < 1_000_000 && closedStatus < 0; k++) {
      if (!net.step()) break;
      while (a.pollEvent(view)) if (view.event === EventKind.StreamClosed) closedStatus = view.status;
    }
    expect(closedStatus).toBe(LocalStatus.PeerUnreachable);
    expect(a.counter('peersFailed')).toBe(1);
    net.runUntilIdle(120_000_000);
    while (a.pollEvent(view));
    expect(a.streamsLive).toBe(0);
    expect(a.transfersLive).toBe(0);
    expect(a.timersActive).toBe(0);
  });
});
