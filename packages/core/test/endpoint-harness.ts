/**
 * Test harness for the Endpoint: two (or more) endpoints with PSK path secrets on the
 * deterministic TestNetwork, an RPC workload driver with a reference model of what must happen
 * (each request answered at most once, byte-exact), and quiescence checks.
 */
import { NobleCryptoProvider } from '../src/crypto/noble-provider.js';
import { createSeededRandom } from '../src/crypto/random.js';
import { LocalBufferRegistry } from '../src/endpoint/buffer-registry.js';
import type { EndpointOptions } from '../src/endpoint/config.js';
import { Endpoint } from '../src/endpoint/endpoint.js';
import { EventKind, EventView } from '../src/endpoint/events.js';
import type { DatagramEndpoint, TransmitInfo } from '../src/endpoint-io.js';
import { type LinkUpdate, TestNetwork } from '../src/testing/test-network.js';

const PSK = new Uint8Array(32).fill(7);
const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** Creates an endpoint with its own seeded provider and registry. */
export function makeEndpoint(seed: number, overrides: Partial<EndpointOptions> = {}): Endpoint {
  const provider = new NobleCryptoProvider({ random: createSeededRandom(seed) });
  return new Endpoint({
    provider,
    buffers: new LocalBufferRegistry({ capacity: 8192 }),
    peersMax: 4,
    transfersMax: 8192,
    timeWaitUs: 200_000,
    ...overrides,
  });
}

/** Connects endpoints i and j with PSK secrets. */
export function connect(a: Endpoint, ai: number, b: Endpoint, bi: number): void {
  a.addPeer(bi, { psk: PSK, localIdentity: enc(`host-${ai}`), peerIdentity: enc(`host-${bi}`) }, 0);
  b.addPeer(ai, { psk: PSK, localIdentity: enc(`host-${bi}`), peerIdentity: enc(`host-${ai}`) }, 0);
}

/** Deterministic payload bytes for request i (a function of i only). */
export function payloadOf(seed: number, i: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = (seed * 2654435761 + i * 40503 + 1) >>> 0;
  for (let k = 0; k < size; k++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[k] = x >>> 24;
  }
  return out;
}

/** The response to a request: its bytes reversed, plus a marker byte (so it differs). */
export function responseOf(request: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let k = 0; k < size; k++) out[k] = ((request[k % Math.max(1, request.length)] ?? 0) ^ 0x5a ^ k) & 0xff;
  return out;
}

export interface RpcScenario {
  readonly seed: number;
  readonly count: number;
  /** Request size of RPC i. */
  readonly requestSize: (i: number) => number;
  /** Response size of RPC i. */
  readonly responseSize: (i: number) => number;
  readonly link?: LinkUpdate;
  readonly endpoint?: Partial<EndpointOptions>;
  /** Virtual time limit, µs. */
  readonly timeLimitUs?: number;
  readonly inFlightMax?: number;
}

export interface RpcOutcome {
  readonly completed: number;
  readonly failed: number;
  readonly failedStatuses: number[];
  readonly requestsDelivered: number;
  readonly duplicateRequests: number;
  readonly duplicateResponses: number;
  readonly corrupt: number;
  readonly traceHash: number;
  readonly endUs: number;
  readonly idle: boolean;
  readonly a: Endpoint;
  readonly b: Endpoint;
  readonly net: TestNetwork;
}

/**
 * Runs `count` unary RPCs from endpoint 0 to endpoint 1 (all submitted at time 0), answering every
 * request as soon as its event is polled; checks every payload byte for byte and counts deliveries.
 */
export function runRpcs(s: RpcScenario): RpcOutcome {
  const a = makeEndpoint(s.seed * 2 + 1, s.endpoint);
  const b = makeEndpoint(s.seed * 2 + 2, s.endpoint);
  connect(a, 0, b, 1);
  const net = new TestNetwork({
    endpoints: [a, b],
    seed: s.seed,
    link: s.link ?? {},
    inFlightMax: s.inFlightMax ?? 8192,
    transmitsPerInstantMax: 256,
  });
  const handleToIndex = new Map<number, number>();
  const requestDone = new Uint8Array(s.count);
  const delivered = new Uint8Array(s.count);
  let completed = 0;
  let failed = 0;
  const failedStatuses: number[] = [];
  let duplicateRequests = 0;
  let duplicateResponses = 0;
  let corrupt = 0;
  let requestsDelivered = 0;
  const metaOf = (i: number): number => (i * 7919) >>> 0;
  let next = 0;
  const submitSome = (): void => {
    while (next < s.count) {
      const i = next;
      const payload = payloadOf(s.seed, i, s.requestSize(i));
      const handle = a.submitRequest(1, payload, 0, payload.length, { metadata: metaOf(i), priority: i % 8 });
      if (handle < 0) break;
      handleToIndex.set(handle, i);
      next++;
    }
  };
  submitSome();
  net.wake();
  const view = new EventView();
  const limit = s.timeLimitUs ?? 60_000_000;
  let idle = false;
  for (;;) {
    if (!net.step()) {
      idle = true;
      break;
    }
    let woke = false;
    while (b.pollEvent(view)) {
      if (view.event !== EventKind.RequestReceived) continue;
      const i = view.metadata === 0 ? 0 : findIndex(view.metadata, s.count, metaOf);
      requestsDelivered++;
      if (i < 0) {
        corrupt++;
        continue;
      }
      if (delivered[i] === 1) duplicateRequests++;
      delivered[i] = 1;
      const expected = payloadOf(s.seed, i, s.requestSize(i));
      if (!equalBytes(view.payload, view.payloadOffset, view.payloadLength, expected)) corrupt++;
      const response = responseOf(expected, s.responseSize(i));
      const r = b.respond(view.handle, response, 0, response.length, { metadata: metaOf(i) });
      if (r < 0) corrupt++;
      woke = true;
    }
    while (a.pollEvent(view)) {
      const i = handleToIndex.get(view.handle);
      if (view.event === EventKind.ResponseReceived) {
        if (i === undefined) {
          corrupt++;
          continue;
        }
        if (requestDone[i] === 1) duplicateResponses++;
        requestDone[i] = 1;
        handleToIndex.delete(view.handle);
        const expected = responseOf(payloadOf(s.seed, i, s.requestSize(i)), s.responseSize(i));
        if (!equalBytes(view.payload, view.payloadOffset, view.payloadLength, expected)) corrupt++;
        completed++;
      } else if (view.event === EventKind.Failed) {
        if (i === undefined) continue;
        if (requestDone[i] === 1) duplicateResponses++;
        requestDone[i] = 1;
        handleToIndex.delete(view.handle);
        failed++;
        failedStatuses.push(view.status);
      }
    }
    if (next < s.count) {
      submitSome();
      woke = true;
    }
    if (woke) net.wake();
    if (net.nowUs > limit) break;
  }
  return {
    completed,
    failed,
    failedStatuses,
    requestsDelivered,
    duplicateRequests,
    duplicateResponses,
    corrupt,
    traceHash: net.traceHash(),
    endUs: net.nowUs,
    idle,
    a,
    b,
    net,
  };
}

function findIndex(metadata: number, count: number, metaOf: (i: number) => number): number {
  // metaOf is i × 7919 mod 2^32, invertible for i < 2^32 / 7919: divide.
  const i = metadata / 7919;
  return Number.isInteger(i) && i < count && metaOf(i) === metadata ? i : -1;
}

export function equalBytes(bytes: Uint8Array, offset: number, length: number, expected: Uint8Array): boolean {
  if (length !== expected.length) return false;
  for (let k = 0; k < length; k++) if (bytes[offset + k] !== expected[k]) return false;
  return true;
}

/** Every piece of state that must be back to zero once nothing is in flight. */
/** What {@link quiescentState} returns at quiescence: every count back to zero. */
export const QUIESCENT_ZERO = {
  transfers: 0,
  indexed: 0,
  timers: 0,
  pullsQueued: 0,
  pullBytesOutstanding: 0,
  reassemblyBytes: 0,
  buffers: 0,
  bufferBytes: 0,
  events: 0,
  held: 0,
  creditDrift: 0,
  receiversActive: 0,
} as const;

export function quiescentState(e: Endpoint): Record<string, number> {
  return {
    transfers: e.transfersLive,
    indexed: e.receiversIndexed,
    timers: e.timersActive,
    pullsQueued: e.pullsQueued,
    pullBytesOutstanding: e.pullBytesOutstanding,
    reassemblyBytes: e.reassemblyBytesInUse,
    buffers: e.config.buffers.liveCount,
    bufferBytes: e.config.buffers.bytesInUse,
    events: e.events.size,
    held: e.heldNotifies,
    creditDrift: creditDrift(e),
    receiversActive: e.receiversActive,
  };
}

/** Notify credit is conserved: at quiescence every peer's credit is back at its initial value. */
function creditDrift(e: Endpoint): number {
  let drift = 0;
  for (let peer = 0; peer < e.peers.capacity; peer++) {
    if (e.peers.active[peer] === 1) drift += (e.peers.notifyCredit[peer] as number) - e.config.notifyCreditInitial;
  }
  return drift;
}

/**
 * An endpoint behind a tap: each datagram it is handed goes to `tap` first (before the endpoint
 * decrypts it in place), and is dropped when `tap` returns false. Everything else passes through.
 */
export class TappedEndpoint implements DatagramEndpoint {
  /** Sees every received datagram first; false drops it. Default: keep all. */
  tap: (bytes: Uint8Array, offset: number, length: number) => boolean = () => true;
  constructor(readonly inner: Endpoint) {}
  handleDatagram(nowUs: number, bytes: Uint8Array, offset: number, length: number, peer: number): void {
    if (this.tap(bytes, offset, length)) this.inner.handleDatagram(nowUs, bytes, offset, length, peer);
  }
  handleTimeout(nowUs: number): void {
    this.inner.handleTimeout(nowUs);
  }
  pollTransmit(nowUs: number, out: Uint8Array, offset: number, info: TransmitInfo): number {
    return this.inner.pollTransmit(nowUs, out, offset, info);
  }
  pollTimeoutUs(): number {
    return this.inner.pollTimeoutUs();
  }
}

/** A {@link TappedEndpoint} that keeps a copy of every datagram it receives while `recording`. */
export class RecordingEndpoint extends TappedEndpoint {
  readonly captured: Uint8Array[] = [];
  recording = true;
  constructor(inner: Endpoint) {
    super(inner);
    this.tap = (bytes, offset, length) => {
      if (this.recording) this.captured.push(bytes.slice(offset, offset + length));
      return true;
    };
  }
}
