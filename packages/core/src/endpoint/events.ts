/**
 * Endpoint events: what the application learns from `Endpoint.pollEvent`. Event kinds are defined
 * ONCE in {@link EVENT_KINDS} (name, meaning, fields that are set); the numeric {@link EventKind}
 * values, the name lookup and the per-kind counters all derive from that table. Events wait in a
 * bounded FIFO ring ({@link EventQueue}); payload and header bytes that do not outlive the datagram
 * they came in (inline payloads, headers) are copied into a bounded byte arena, so nothing is
 * allocated per event. A polled event's bytes stay valid until the next `pollEvent`.
 */
import { assert } from '../assert.js';
import { EMPTY_BYTES } from '../wire/bytes.js';

/** Field names an event may carry (see {@link EventView}). */
export type EventField = 'handle' | 'peer' | 'kind' | 'status' | 'metadata' | 'header' | 'payload' | 'itemIndex';

/** One row of the event table. */
export interface EventKindDefinition {
  /** Log / metrics name. */
  readonly name: string;
  /** What it means. */
  readonly doc: string;
  /** The {@link EventView} fields set for this kind (others keep their reset values). */
  readonly fields: readonly EventField[];
}

/**
 * The event table. The index of a row is its {@link EventKind} value; rows are appended, never
 * reordered. Every kind has a counter in {@link EventQueue.counters} (same index).
 */
export const EVENT_KINDS: readonly EventKindDefinition[] = [
  {
    name: 'REQUEST_RECEIVED',
    doc: 'A UNARY_REQUEST was delivered; answer it with respond(handle, …).',
    fields: ['handle', 'peer', 'kind', 'metadata', 'header', 'payload'],
  },
  {
    name: 'RESPONSE_RECEIVED',
    doc: 'The response to the request `handle` was delivered; the request is complete.',
    fields: ['handle', 'peer', 'metadata', 'header', 'payload'],
  },
  {
    name: 'TRANSFER_RECEIVED',
    doc: 'A BULK transfer (or another one-way transfer) was delivered.',
    fields: ['handle', 'peer', 'kind', 'metadata', 'header', 'payload'],
  },
  {
    name: 'COMPLETED',
    doc: 'A sender transfer that expects no response (a response, a bulk transfer) was delivered.',
    fields: ['handle', 'peer', 'kind'],
  },
  {
    name: 'FAILED',
    doc: 'A transfer the application holds a handle to ended with a status (a StatusCode).',
    fields: ['handle', 'peer', 'kind', 'status'],
  },
  {
    name: 'BULK_OFFERED',
    doc: 'A BULK transfer waits for a destination (applicationBulkDestination): acceptBulk(handle, …) or cancel(handle). payloadLength is its size.',
    fields: ['handle', 'peer', 'kind', 'metadata', 'header', 'payload'],
  },
  {
    name: 'PEER_RESET',
    doc: 'The peer lost our path secret (restart): its streams and received transfers ended PEER_RESET, its sent transfers are frozen; install a new secret with addPeer (they then retry or fail PEER_RESET per retryOnPeerReset; after peerResetHoldUs they fail).',
    fields: ['peer', 'status'],
  },
  {
    name: 'STREAM_OPENED',
    doc: 'The peer opened a stream (its first item notify arrived); handle is the stream handle: send on it with submitStreamItem, end it with closeStream.',
    fields: ['handle', 'peer'],
  },
  {
    name: 'STREAM_ITEM',
    doc: "An item of the peer's direction of stream `handle`, delivered in item-index order (itemIndex), each exactly once.",
    fields: ['handle', 'peer', 'kind', 'metadata', 'header', 'payload', 'itemIndex'],
  },
  {
    name: 'STREAM_ENDED',
    doc: "The peer's direction of stream `handle` ended normally: every one of its itemIndex (= final count) items was delivered.",
    fields: ['handle', 'peer', 'itemIndex'],
  },
  {
    name: 'STREAM_CLOSED',
    doc: 'Stream `handle` is closed (both directions ended, or aborted / failed with `status`); the handle is stale from now on.',
    fields: ['handle', 'peer', 'status'],
  },
  {
    name: 'WRITABLE',
    doc: 'A submission was refused WouldBlock / BufferFull and capacity is available again: retry (a retry refused again re-arms it). peer is the peer when every refusal since the last WRITABLE was per-peer (its stream share or stream queue), else -1. At most one is outstanding.',
    fields: ['peer'],
  },
];

/** Numeric event kinds (indexes into {@link EVENT_KINDS}). */
export const EventKind = {
  RequestReceived: 0,
  ResponseReceived: 1,
  TransferReceived: 2,
  Completed: 3,
  Failed: 4,
  BulkOffered: 5,
  PeerReset: 6,
  StreamOpened: 7,
  StreamItem: 8,
  StreamEnded: 9,
  StreamClosed: 10,
  Writable: 11,
} as const;

/** An {@link EventKind} value. */
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

/** Number of event kinds. */
export const EVENT_KIND_COUNT = EVENT_KINDS.length;

/** The name of an event kind (`REQUEST_RECEIVED`), or `UNKNOWN(n)`. */
export function eventKindName(kind: number): string {
  return EVENT_KINDS[kind]?.name ?? `UNKNOWN(${kind})`;
}

/** A reusable event, filled by `Endpoint.pollEvent`. Bytes are valid until the next poll. */
export class EventView {
  /** An {@link EventKind}. */
  event: number;
  /** The transfer handle the event concerns. */
  handle: number;
  /** The peer index. */
  peer: number;
  /** The transfer kind (TransferKind). */
  kind: number;
  /** StatusCode of a FAILED event (0 otherwise). */
  status: number;
  /** Application metadata of the notify (0 when absent). */
  metadata: number;
  /** Bytes holding the header. */
  header: Uint8Array;
  /** Offset of the header. */
  headerOffset: number;
  /** Header length (0 when absent). */
  headerLength: number;
  /** Bytes holding the payload. */
  payload: Uint8Array;
  /** Offset of the payload. */
  payloadOffset: number;
  /** Payload length. */
  payloadLength: number;
  /** Stream events: the item index (STREAM_ITEM) or the final item count (STREAM_ENDED). */
  itemIndex: number;

  constructor() {
    this.event = 0;
    this.handle = 0;
    this.peer = -1;
    this.kind = 0;
    this.status = 0;
    this.metadata = 0;
    this.header = EMPTY_BYTES;
    this.headerOffset = 0;
    this.headerLength = 0;
    this.payload = EMPTY_BYTES;
    this.payloadOffset = 0;
    this.payloadLength = 0;
    this.itemIndex = 0;
  }

  /** A copy of the payload bytes (convenience for tests; allocates). */
  payloadCopy(): Uint8Array {
    return this.payload.slice(this.payloadOffset, this.payloadOffset + this.payloadLength);
  }

  /** A copy of the header bytes (convenience for tests; allocates). */
  headerCopy(): Uint8Array {
    return this.header.slice(this.headerOffset, this.headerOffset + this.headerLength);
  }
}

/** {@link EventQueue.reserveArena}: no room. */
export const ARENA_FULL = -1;

/**
 * The bounded event FIFO plus its byte arena. Push reserves arena space first ({@link reserveArena}),
 * copies bytes in, then {@link push}es; a full queue or arena is reported before anything changes,
 * so the engine can refuse the delivery (the peer retransmits) instead of growing.
 */
export class EventQueue {
  /** Events at most. */
  readonly capacity: number;
  /** Arena bytes. */
  readonly arena: Uint8Array;
  /** Events pushed per kind. */
  readonly counters: Float64Array;
  private readonly kinds: Uint8Array;
  private readonly handles: Float64Array;
  private readonly peers: Int32Array;
  private readonly transferKinds: Uint8Array;
  private readonly statuses: Uint16Array;
  private readonly metadatas: Float64Array;
  private readonly headerRefs: (Uint8Array | null)[];
  private readonly headerOffsets: Float64Array;
  private readonly headerLengths: Int32Array;
  private readonly payloadRefs: (Uint8Array | null)[];
  private readonly payloadOffsets: Float64Array;
  private readonly payloadLengths: Float64Array;
  private readonly arenaConsumed: Int32Array;
  private readonly itemIndexes: Float64Array;
  private head: number;
  private count: number;
  private arenaHead: number;
  private arenaUsed: number;
  private pendingConsumed: number;
  private reservedConsumed: number;

  constructor(capacity: number, arenaBytes: number) {
    this.capacity = capacity;
    this.arena = new Uint8Array(arenaBytes);
    this.counters = new Float64Array(EVENT_KIND_COUNT);
    this.kinds = new Uint8Array(capacity);
    this.handles = new Float64Array(capacity);
    this.peers = new Int32Array(capacity);
    this.transferKinds = new Uint8Array(capacity);
    this.statuses = new Uint16Array(capacity);
    this.metadatas = new Float64Array(capacity);
    this.headerRefs = new Array<Uint8Array | null>(capacity).fill(null);
    this.headerOffsets = new Float64Array(capacity);
    this.headerLengths = new Int32Array(capacity);
    this.payloadRefs = new Array<Uint8Array | null>(capacity).fill(null);
    this.payloadOffsets = new Float64Array(capacity);
    this.payloadLengths = new Float64Array(capacity);
    this.arenaConsumed = new Int32Array(capacity);
    this.itemIndexes = new Float64Array(capacity);
    this.head = 0;
    this.count = 0;
    this.arenaHead = 0;
    this.arenaUsed = 0;
    this.pendingConsumed = 0;
    this.reservedConsumed = 0;
  }

  /** Events waiting. */
  get size(): number {
    return this.count;
  }

  /** Arena bytes in use (including the event polled last). */
  get arenaBytesInUse(): number {
    return this.arenaUsed;
  }

  /** Whether one more event fits. */
  get hasRoom(): boolean {
    return this.count < this.capacity;
  }

  /**
   * Reserves `length` contiguous arena bytes for the next {@link push} and returns their offset, or
   * {@link ARENA_FULL}. Only one reservation may be outstanding; `push` consumes it.
   */
  reserveArena(length: number): number {
    if (length === 0) return 0;
    const size = this.arena.length;
    if (this.arenaUsed === 0) this.arenaHead = 0;
    const at = this.arenaHead;
    if (at + length <= size) {
      if (this.arenaUsed + this.reservedConsumed + length > size) return ARENA_FULL;
      this.reservedConsumed += length;
      this.arenaHead = at + length;
      this.arenaUsed += length;
      return at;
    }
    const waste = size - at;
    if (this.arenaUsed + this.reservedConsumed + waste + length > size) return ARENA_FULL;
    this.reservedConsumed += waste + length;
    this.arenaUsed += waste + length;
    this.arenaHead = length;
    return 0;
  }

  /** Gives back what {@link reserveArena} took when the event is not pushed after all (only the last reservation). */
  cancelReservation(): void {
    // Reservations are only cancelled right after being made (nothing else moved the head).
    this.arenaUsed -= this.reservedConsumed;
    this.arenaHead = (this.arenaHead - this.reservedConsumed + this.arena.length) % this.arena.length;
    this.reservedConsumed = 0;
  }

  /**
   * Appends an event. `header` / `payload` are either arena slices (pass `this.arena`) or external
   * arrays the engine keeps alive until the event is polled. Asserts {@link hasRoom}.
   */
  push(
    kind: number,
    handle: number,
    peer: number,
    transferKind: number,
    status: number,
    metadata: number,
    header: Uint8Array | null,
    headerOffset: number,
    headerLength: number,
    payload: Uint8Array | null,
    payloadOffset: number,
    payloadLength: number,
    itemIndex = 0,
  ): void {
    assert(this.count < this.capacity, 'event queue push without room');
    const at = (this.head + this.count) % this.capacity;
    this.kinds[at] = kind;
    this.handles[at] = handle;
    this.peers[at] = peer;
    this.transferKinds[at] = transferKind;
    this.statuses[at] = status;
    this.metadatas[at] = metadata;
    this.headerRefs[at] = header;
    this.headerOffsets[at] = headerOffset;
    this.headerLengths[at] = headerLength;
    this.payloadRefs[at] = payload;
    this.payloadOffsets[at] = payloadOffset;
    this.payloadLengths[at] = payloadLength;
    this.itemIndexes[at] = itemIndex;
    this.arenaConsumed[at] = this.reservedConsumed;
    this.reservedConsumed = 0;
    this.count++;
    this.counters[kind] = (this.counters[kind] as number) + 1;
  }

  /** Moves the oldest event into `view`; returns false when none is waiting. */
  pop(view: EventView): boolean {
    if (this.pendingConsumed !== 0) {
      this.arenaUsed -= this.pendingConsumed;
      this.pendingConsumed = 0;
    }
    if (this.count === 0) return false;
    const at = this.head;
    view.event = this.kinds[at] as number;
    view.handle = this.handles[at] as number;
    view.peer = this.peers[at] as number;
    view.kind = this.transferKinds[at] as number;
    view.status = this.statuses[at] as number;
    view.metadata = this.metadatas[at] as number;
    view.header = this.headerRefs[at] ?? EMPTY_BYTES;
    view.headerOffset = this.headerOffsets[at] as number;
    view.headerLength = this.headerLengths[at] as number;
    view.payload = this.payloadRefs[at] ?? EMPTY_BYTES;
    view.payloadOffset = this.payloadOffsets[at] as number;
    view.payloadLength = this.payloadLengths[at] as number;
    view.itemIndex = this.itemIndexes[at] as number;
    this.headerRefs[at] = null;
    this.payloadRefs[at] = null;
    this.pendingConsumed = this.arenaConsumed[at] as number;
    this.head = (at + 1) % this.capacity;
    this.count--;
    return true;
  }
}
