/**
 * Unscheduled data (spec: protocol.md#unscheduled): a buffer transfer whose sealed size is at most
 * `unscheduledBytesMax` sends its sealed stream right behind its notify; a receiver with room takes
 * it as an implicit pull of [0, S) (ACCEPT ACCEPTED_UNSCHEDULED), one without drops it and pulls.
 * Every recovery path is driven here: chunks lost, the notify lost (chunks arrive for an unknown
 * transfer), the final RANGE_ACK lost (tail probe named by the sender id), a receiver that does not
 * take them, and random faults against the at-most-once, byte-exact model.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EndpointOptions } from '../src/endpoint/config.js';
import type { Endpoint } from '../src/endpoint/endpoint.js';
import { EventKind, EventView } from '../src/endpoint/events.js';
import { InvalidArgumentError } from '../src/errors.js';
import { type LinkUpdate, TestNetwork } from '../src/testing/test-network.js';
import { DatagramKind } from '../src/wire/constants.js';
import {
  connect,
  equalBytes,
  makeEndpoint,
  payloadOf,
  QUIESCENT_ZERO,
  quiescentState,
  runRpcs,
  TappedEndpoint,
} from './endpoint-harness.js';

/** Hands datagrams to an endpoint unless `drop` says otherwise (decided before decryption). */
class Filter extends TappedEndpoint {
  drop: (bytes: Uint8Array, offset: number, length: number) => boolean = () => false;
  dropped = 0;
  constructor(inner: Endpoint) {
    super(inner);
    this.tap = (bytes, offset, length) => {
      if (!this.drop(bytes, offset, length)) return true;
      this.dropped++;
      return false;
    };
  }
}

const kindOf = (bytes: Uint8Array, offset: number): number => (bytes[offset] as number) >> 4;

interface Sent {
  readonly a: Endpoint;
  readonly b: Endpoint;
  readonly fa: Filter;
  readonly fb: Filter;
  readonly net: TestNetwork;
}

function pair(
  seed: number,
  aOptions: Partial<EndpointOptions> = {},
  bOptions: Partial<EndpointOptions> = {},
  link: LinkUpdate = { delayUs: 20 },
): Sent {
  const a = makeEndpoint(seed * 2 + 1, aOptions);
  const b = makeEndpoint(seed * 2 + 2, bOptions);
  connect(a, 0, b, 1);
  const fa = new Filter(a);
  const fb = new Filter(b);
  const net = new TestNetwork({ endpoints: [fa, fb], seed, link });
  return { a, b, fa, fb, net };
}

interface Delivery {
  /** Virtual time b delivered the payload (µs), or -1. */
  readonly receivedUs: number;
  readonly deliveries: number;
  readonly completed: number;
}

/**
 * Sends `payload` a → b as BULK (metadata 7) and runs until idle; checks the bytes b delivers for
 * it. `completed` counts every transfer a completes (earlier submissions included).
 */
function deliver(s: Sent, payload: Uint8Array, onReceived?: () => void): Delivery {
  expect(s.a.submitBulk(1, payload, 0, payload.length, { metadata: 7 })).toBeGreaterThanOrEqual(0);
  s.net.wake();
  const view = new EventView();
  let receivedUs = -1;
  let deliveries = 0;
  let completed = 0;
  while (s.net.step() && s.net.nowUs < 10_000_000) {
    while (s.b.pollEvent(view)) {
      if (view.event !== EventKind.TransferReceived || view.metadata !== 7) continue;
      expect(equalBytes(view.payload, view.payloadOffset, view.payloadLength, payload)).toBe(true);
      deliveries++;
      if (receivedUs < 0) receivedUs = s.net.nowUs;
      onReceived?.();
    }
    while (s.a.pollEvent(view)) if (view.event === EventKind.Completed) completed++;
  }
  s.net.runUntil(s.net.nowUs + 2_000_000);
  expect(quiescentState(s.a)).toEqual(QUIESCENT_ZERO);
  expect(quiescentState(s.b)).toEqual(QUIESCENT_ZERO);
  expect(s.b.receiversActive).toBe(0); // a taken transfer gives its receive slot back
  return { receivedUs, deliveries, completed };
}

describe('Endpoint unscheduled data (protocol.md#unscheduled)', () => {
  it('a 4 KiB transfer arrives without a pull, one round trip earlier than a pulled one', () => {
    const payload = payloadOf(1, 0, 4096);
    const fast = pair(1);
    const got = deliver(fast, payload);
    expect(got).toMatchObject({ deliveries: 1, completed: 1 });
    expect(fast.a.counter('unscheduledSent')).toBe(1);
    expect(fast.b.counter('unscheduledTaken')).toBe(1);
    expect(fast.b.counter('pullsSent')).toBe(0);
    expect(fast.b.counter('chunksDropped')).toBe(0);

    const off = { unscheduledBytesMax: 0 };
    const slow = pair(1, off, off);
    const pulled = deliver(slow, payload);
    expect(pulled).toMatchObject({ deliveries: 1, completed: 1 });
    expect(slow.a.counter('unscheduledSent')).toBe(0);
    expect(slow.b.counter('pullsSent')).toBe(1);
    // The pull round trip is 2 × 20 µs of link delay.
    expect(pulled.receivedUs - got.receivedUs).toBeGreaterThanOrEqual(40);
  });

  it('only up to unscheduledBytesMax sealed bytes: one more and the transfer is pulled', () => {
    // One 64 KiB record: sealed = payload + 16.
    const at = pair(2, { unscheduledBytesMax: 8192 });
    expect(deliver(at, payloadOf(2, 0, 8192 - 16))).toMatchObject({ deliveries: 1, completed: 1 });
    expect(at.a.counter('unscheduledSent')).toBe(1);
    expect(at.b.counter('pullsSent')).toBe(0);
    const over = pair(2, { unscheduledBytesMax: 8192 });
    expect(deliver(over, payloadOf(2, 0, 8192 - 15))).toMatchObject({ deliveries: 1, completed: 1 });
    expect(over.a.counter('unscheduledSent')).toBe(0);
    expect(over.b.counter('pullsSent')).toBeGreaterThanOrEqual(1);
  });

  it('unscheduledBytesMax is validated: 0 … 65,536 (the protocol maximum)', () => {
    expect(makeEndpoint(1, { unscheduledBytesMax: 65_536 }).config.unscheduledBytesMax).toBe(65_536);
    expect(makeEndpoint(1, { unscheduledBytesMax: 0 }).config.unscheduledBytesMax).toBe(0);
    expect(() => makeEndpoint(1, { unscheduledBytesMax: 65_537 })).toThrow(InvalidArgumentError);
    expect(() => makeEndpoint(1, { unscheduledBytesMax: -1 })).toThrow(InvalidArgumentError);
  });

  it('a receiver that does not take them (its own limit, or no reassembly memory) drops the chunks and pulls', () => {
    for (const bOptions of [{ unscheduledBytesMax: 0 }, { reassemblyBytesMax: 4096 }]) {
      const s = pair(3, {}, bOptions);
      expect(deliver(s, payloadOf(3, 0, 6000))).toMatchObject({ deliveries: 1, completed: 1 });
      expect(s.a.counter('unscheduledSent')).toBe(1);
      expect(s.b.counter('unscheduledTaken')).toBe(0);
      expect(s.b.counter('chunksDropped')).toBeGreaterThanOrEqual(1);
      expect(s.b.counter('pullsSent')).toBeGreaterThanOrEqual(1);
    }
  });

  it('a receiver with no free receive slot answers QUEUED: nothing taken, pulled once a slot frees', () => {
    const s = pair(8, {}, { receiversActiveMax: 1 });
    const big = payloadOf(8, 0, 40_000);
    expect(s.a.submitBulk(1, big, 0, big.length, { metadata: 1 })).toBeGreaterThanOrEqual(0);
    const got = deliver(s, payloadOf(8, 1, 3000));
    expect(got.completed).toBe(2);
    expect(s.a.counter('unscheduledSent')).toBe(1);
    expect(s.b.counter('unscheduledTaken')).toBe(0);
    expect(s.b.counter('acceptsQueued')).toBeGreaterThanOrEqual(1);
  });

  it('a window smaller than the transfer does not refuse them: the bytes are in flight already', () => {
    const s = pair(7, {}, { receiveWindowBytes: 1024, pullPreemptBytes: 0 });
    expect(deliver(s, payloadOf(7, 0, 6000))).toMatchObject({ deliveries: 1, completed: 1 });
    expect(s.b.counter('unscheduledTaken')).toBe(1);
    expect(s.b.counter('pullsSent')).toBe(0);
    expect(s.b.counter('chunksDropped')).toBe(0);
  });

  it('a lost unscheduled chunk is re-pulled when the pull timer expires', () => {
    const s = pair(4);
    let dataSeen = 0;
    s.fb.drop = (bytes, offset) => kindOf(bytes, offset) === DatagramKind.Data && dataSeen++ === 1;
    expect(deliver(s, payloadOf(4, 0, 4096))).toMatchObject({ deliveries: 1, completed: 1 });
    expect(s.fb.dropped).toBe(1);
    expect(s.b.counter('unscheduledTaken')).toBe(1);
    expect(s.b.counter('pullRetransmits')).toBeGreaterThanOrEqual(1);
  });

  it('a lost notify: its chunks find no transfer, the retransmitted notify (not UNSCHEDULED) is pulled', () => {
    const s = pair(5);
    let controlSeen = 0;
    s.fb.drop = (bytes, offset) => kindOf(bytes, offset) !== DatagramKind.Data && controlSeen++ === 0;
    expect(deliver(s, payloadOf(5, 0, 4096))).toMatchObject({ deliveries: 1, completed: 1 });
    expect(s.fb.dropped).toBe(1);
    expect(s.a.counter('unscheduledSent')).toBe(1);
    expect(s.a.counter('notifyRetransmits')).toBeGreaterThanOrEqual(1);
    expect(s.b.counter('unscheduledTaken')).toBe(0);
    expect(s.b.counter('chunksDropped')).toBeGreaterThanOrEqual(1);
    expect(s.b.counter('pullsSent')).toBeGreaterThanOrEqual(1);
  });

  it('a lost final RANGE_ACK: the tail probe (pull id 0, the sender id) is answered and the sender completes', () => {
    // A slow link: the ACCEPT leaves long before the last chunk arrives, so the final RANGE_ACK
    // travels alone; the second control datagram a receives is that one.
    const s = pair(6, {}, {}, { delayUs: 20, bytesPerSecond: 10e6 });
    let control = 0;
    s.fa.drop = (bytes, offset) => kindOf(bytes, offset) !== DatagramKind.Data && ++control === 2;
    const got = deliver(s, payloadOf(6, 0, 4096));
    expect(got).toMatchObject({ deliveries: 1, completed: 1 });
    expect(s.fa.dropped).toBe(1);
    expect(s.b.counter('unscheduledTaken')).toBe(1);
    expect(s.a.counter('tailProbes')).toBeGreaterThanOrEqual(1);
    expect(s.b.counter('pullsSent')).toBe(0);
  });

  it('property: sizes around the limit under loss, reordering and duplication keep the model', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.constantFrom(0, 0.05, 0.2),
        fc.array(fc.integer({ min: 0, max: 40_000 }), { minLength: 8, maxLength: 40 }),
        (seed, loss, sizes) => {
          const r = runRpcs({
            seed,
            count: sizes.length,
            requestSize: (i) => sizes[i] as number,
            responseSize: (i) => sizes[sizes.length - 1 - i] as number,
            link: {
              delayUs: 20,
              lossProbability: loss,
              reorderProbability: 0.1,
              reorderDelayUs: 30,
              duplicateProbability: 0.05,
            },
            endpoint: { recordSizeLog2: 10 },
          });
          expect(r.corrupt).toBe(0);
          expect(r.duplicateRequests).toBe(0);
          expect(r.duplicateResponses).toBe(0);
          expect(r.completed + r.failed).toBe(sizes.length);
          if (loss === 0) expect(r.completed).toBe(sizes.length);
          expect(r.a.counter('unscheduledSent') + r.b.counter('unscheduledSent')).toBeGreaterThan(0);
          r.net.runUntil(r.net.nowUs + 5_000_000);
          expect(quiescentState(r.a)).toEqual(QUIESCENT_ZERO);
          expect(quiescentState(r.b)).toEqual(QUIESCENT_ZERO);
        },
      ),
      { numRuns: 25 },
    );
  });
});
