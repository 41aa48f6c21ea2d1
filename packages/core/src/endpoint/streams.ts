/**
 * Streams of the endpoint: the stream table (structure of typed arrays, one row per stream slot,
 * time-wait records included) and the stream state machine of spec/state-machines.md#stream.
 *
 * A stream is (peer, opener side, stream id); ids of streams we open come from our own
 * {@link TransferIdAllocator} (never 0), ids of streams the peer opened are looked up in an
 * open-addressing index (peer, id) → slot. Items are ordinary transfers (STREAM_REQUEST_ITEM from
 * the opener, STREAM_RESPONSE_ITEM from the other side) linked to their stream through intrusive
 * per-stream lists indexed by the transfer slot; this module owns those links, the per-stream
 * counters and limits, the in-order delivery of received items (a bounded reorder hold), the
 * STREAM_CLOSE / STREAM_CLOSE_ACK handshake with its retransmit timer, and time-wait. The endpoint
 * calls it through small hooks and gives it a {@link StreamHost} for what only the endpoint can do
 * (cancel a transfer, deliver a held item, feed peer health, schedule output).
 *
 * spec: state-machines.md#stream
 */
import { assert } from '../assert.js';
import type { BackoffPolicy } from '../backoff.js';
import { IntrusiveLists } from '../intrusive-lists.js';
import { TransferIdAllocator } from '../slot-allocator.js';
import { TIMER_NONE, type TimingWheel } from '../timing-wheel.js';
import { ENCODE_NO_ROOM, StatusCode, StreamFlag, TransferKind } from '../wire/constants.js';
import { encodeStreamClose, type StreamCloseAckView, StreamCloseView } from '../wire/stream-messages.js';
import type { NotifyEntryView } from '../wire/transfer-notify.js';
import { EventKind, type EventQueue } from './events.js';
import { HANDLE_SLOT_SPACE, NONE } from './transfer-table.js';

/** Stream states (spec names). spec: state-machines.md#stream */
export const StreamState = {
  Open: 1,
  HalfClosedLocal: 2,
  HalfClosedRemote: 3,
  Closing: 4,
  /** Time-wait record: re-acknowledges duplicate closes and refuses late items (UNKNOWN_STREAM). */
  Closed: 5,
} as const;

/** Stream flags (bit mask). */
const SF = {
  /** We opened the stream (its id is in our namespace). */
  Opener: 0x01,
  /** Our direction ended: STREAM_CLOSE(OK, n) is owed to the peer. */
  LocalEnded: 0x02,
  /** Our STREAM_CLOSE (OK or abort) was acknowledged. */
  LocalAcked: 0x04,
  /** The peer's STREAM_CLOSE(OK, n) arrived (n in `recvFinal`). */
  RemoteEnded: 0x08,
  /** Items 0..n−1 of the peer's direction were delivered and STREAM_ENDED pushed. */
  EndReported: 0x10,
  /** We aborted (STREAM_CLOSE non-OK owed). */
  Aborted: 0x20,
  /** Counted as outstanding work of its peer (peer health). */
  Work: 0x40,
  /** On its peer's control list (a STREAM_CLOSE to send). */
  CtrlIn: 0x80,
} as const;

/** Timer kinds the endpoint gives this module (they share the endpoint's timing wheel). */
export interface StreamTimerKinds {
  readonly close: number;
  readonly timeWait: number;
}

/** What only the endpoint can do; implemented once by the endpoint (closures bound at construction). */
export interface StreamHost {
  /** Ends an item transfer with `status` (senders: FLOW_RESET if `sendReset`; receivers: CANCEL_PULL + FLOW_RESET). */
  cancelItem(slot: number, status: number, sendReset: boolean): void;
  /** Hands a held, complete receiver item to the application (STREAM_ITEM) and starts its time-wait. */
  deliverItem(slot: number, streamHandle: number, index: number): void;
  /** ± outstanding work of a peer (peer health). */
  addWork(peer: number, delta: number): void;
  /** A silent close-timer expiry: a failure sample for peer health (may fail the peer). */
  failureSample(peer: number, nowUs: number): void;
  /** Smoothed RTT of the peer, µs. */
  srttUs(peer: number): number;
  /** The peer's timeout exponent start (1 in DEGRADED). */
  exponentStart(peer: number): number;
  /** Whether phase timers of the peer are suspended (PROBING). */
  timersSuspended(peer: number): boolean;
  /** µs the peer was last heard (any authenticated datagram). */
  lastHeardUs(peer: number): number;
  /** Puts the peer on the transmit ring (control output is waiting). */
  schedulePeer(peer: number): void;
}

/** Limits of the stream table. */
export interface StreamLimits {
  readonly streamsMax: number;
  readonly streamsPerPeerMax: number;
  readonly streamQueueDepthMax: number;
  readonly streamQueueBytesMax: number;
  readonly streamCloseRetransmitsMax: number;
  readonly timeWaitUs: number;
}

/** {@link StreamEngine.open}: the table (or the peer's share of it) is full. */
export const STREAM_TABLE_FULL = -1;

/** Options of {@link StreamEngine}. */
export interface StreamEngineOptions {
  readonly limits: StreamLimits;
  readonly workerId: number;
  readonly peersMax: number;
  readonly transfersMax: number;
  readonly wheel: TimingWheel;
  readonly backoff: BackoffPolicy;
  readonly events: EventQueue;
  readonly timers: StreamTimerKinds;
  readonly host: StreamHost;
}

/**
 * The stream table and state machine. Fields are public for the endpoint's hooks and for tests
 * (read-only outside this module).
 */
export class StreamEngine {
  readonly limits: StreamLimits;
  /** Stream slots and the ids of streams we open. */
  readonly ids: TransferIdAllocator;
  readonly state: Uint8Array;
  readonly flags: Uint16Array;
  readonly peer: Int32Array;
  /** The stream id as it travels (ours when we opened it, else the peer's). */
  readonly wireIdHi: Uint32Array;
  readonly wireIdLo: Uint32Array;
  /** Items we assigned an index to (our direction's count so far). */
  readonly sendCount: Float64Array;
  /** Our item transfers still live. */
  readonly sendLive: Int32Array;
  /** Next item index of the peer's direction to deliver. */
  readonly recvNext: Float64Array;
  /** The peer's final item count (-1 until its STREAM_CLOSE(OK) arrives). */
  readonly recvFinal: Float64Array;
  /** Peer items admitted and not delivered yet (pulling or held for order). */
  readonly recvInProgress: Int32Array;
  /** STREAM_ITEM events pushed and not polled by the application. */
  readonly recvUnpolled: Int32Array;
  /** Payload bytes of in-progress and unpolled items. */
  readonly recvBytes: Float64Array;
  /** Status of our STREAM_CLOSE. */
  readonly closeStatus: Uint16Array;
  readonly timer: Int32Array;
  readonly armedAtUs: Float64Array;
  readonly exponent: Uint8Array;
  readonly retransmits: Uint16Array;
  /** Per stream: its active item transfers (element = transfer slot, list = stream slot). */
  readonly items: IntrusiveLists;
  // Per transfer slot.
  /** The stream a transfer belongs to while it is active, or NONE. */
  readonly streamOf: Int32Array;
  readonly itemIndex: Float64Array;
  readonly itemEnd: Uint8Array;
  /** Receiver item complete and waiting for its turn (reorder hold). */
  readonly itemHeld: Uint8Array;
  /** 1 = our sender item, 2 = a receiver item of the peer's direction. */
  readonly itemRole: Uint8Array;
  /** Receiver item: its payload bytes (counted in the stream's queue). */
  readonly itemBytes: Float64Array;
  // Per peer.
  readonly streamsOfPeer: Int32Array;
  /** Per peer: streams owing a STREAM_CLOSE (element = stream slot, list = peer). */
  private readonly ctrl: IntrusiveLists;
  /** The stream slot {@link admitItem} resolved (or created), or NONE. */
  admitted: number;
  private bytesQueued: number;
  private heldCount: number;
  private readonly indexSlots: Int32Array;
  private readonly indexMask: number;
  private indexCount: number;
  private readonly wheel: TimingWheel;
  private readonly backoff: BackoffPolicy;
  private readonly events: EventQueue;
  private readonly timers: StreamTimerKinds;
  private readonly host: StreamHost;
  private readonly closeView: StreamCloseView;

  constructor(options: StreamEngineOptions) {
    const limits = options.limits;
    const n = limits.streamsMax;
    const transfersMax = options.transfersMax;
    this.limits = limits;
    this.ids = new TransferIdAllocator({ workerId: options.workerId, capacity: n });
    this.state = new Uint8Array(n);
    this.flags = new Uint16Array(n);
    this.peer = new Int32Array(n).fill(NONE);
    this.wireIdHi = new Uint32Array(n);
    this.wireIdLo = new Uint32Array(n);
    this.sendCount = new Float64Array(n);
    this.sendLive = new Int32Array(n);
    this.recvNext = new Float64Array(n);
    this.recvFinal = new Float64Array(n);
    this.recvInProgress = new Int32Array(n);
    this.recvUnpolled = new Int32Array(n);
    this.recvBytes = new Float64Array(n);
    this.closeStatus = new Uint16Array(n);
    this.timer = new Int32Array(n).fill(NONE);
    this.armedAtUs = new Float64Array(n);
    this.exponent = new Uint8Array(n);
    this.retransmits = new Uint16Array(n);
    this.items = new IntrusiveLists(transfersMax, n);
    this.streamOf = new Int32Array(transfersMax).fill(NONE);
    this.itemIndex = new Float64Array(transfersMax);
    this.itemEnd = new Uint8Array(transfersMax);
    this.itemHeld = new Uint8Array(transfersMax);
    this.itemRole = new Uint8Array(transfersMax);
    this.itemBytes = new Float64Array(transfersMax);
    this.streamsOfPeer = new Int32Array(options.peersMax);
    this.ctrl = new IntrusiveLists(n, options.peersMax);
    this.admitted = NONE;
    this.bytesQueued = 0;
    this.heldCount = 0;
    let size = 4;
    while (size < n * 2) size *= 2;
    this.indexSlots = new Int32Array(size).fill(NONE);
    this.indexMask = size - 1;
    this.indexCount = 0;
    this.wheel = options.wheel;
    this.backoff = options.backoff;
    this.events = options.events;
    this.timers = options.timers;
    this.host = options.host;
    this.closeView = new StreamCloseView();
  }

  /** Live stream records (open, closing and time-wait). */
  get liveCount(): number {
    return this.ids.liveCount;
  }
  /** Payload bytes of received items not yet polled by the application (in progress included). */
  get queuedBytes(): number {
    return this.bytesQueued;
  }
  /** Received items held for order. */
  get held(): number {
    return this.heldCount;
  }
  /** Entries of the remote-stream index. */
  get indexed(): number {
    return this.indexCount;
  }

  /** Handle of a live stream slot (generation × 2^28 + slot). */
  handleOf(s: number): number {
    return this.ids.slots.generationOf(s) * HANDLE_SLOT_SPACE + s;
  }

  /** The live stream slot a handle names, or NONE. */
  slotOfHandle(handle: number): number {
    if (!(Number.isInteger(handle) && handle >= 0)) return NONE;
    const s = handle % HANDLE_SLOT_SPACE;
    if (s >= this.limits.streamsMax) return NONE;
    return this.ids.slots.isLive(s, (handle - s) / HANDLE_SLOT_SPACE) ? s : NONE;
  }

  /** Whether the stream may still carry our items. */
  canSend(s: number): boolean {
    return this.state[s] !== StreamState.Closed && ((this.flags[s] as number) & (SF.LocalEnded | SF.Aborted)) === 0;
  }

  /** Whether we opened the stream. */
  isOpener(s: number): boolean {
    return ((this.flags[s] as number) & SF.Opener) !== 0;
  }

  // ---- creation ----

  private allocate(peer: number, opener: boolean): number {
    if ((this.streamsOfPeer[peer] as number) >= this.limits.streamsPerPeerMax) return NONE;
    const s = this.ids.allocate();
    if (s < 0) return NONE;
    this.state[s] = StreamState.Open;
    this.flags[s] = opener ? SF.Opener : 0;
    this.peer[s] = peer;
    this.sendCount[s] = 0;
    this.sendLive[s] = 0;
    this.recvNext[s] = 0;
    this.recvFinal[s] = -1;
    this.recvInProgress[s] = 0;
    this.recvUnpolled[s] = 0;
    this.recvBytes[s] = 0;
    this.closeStatus[s] = 0;
    this.timer[s] = NONE;
    this.exponent[s] = 0;
    this.retransmits[s] = 0;

    this.streamsOfPeer[peer] = (this.streamsOfPeer[peer] as number) + 1;
    this.setWork(s, true);
    return s;
  }

  /**
   * Opens a stream to `peer` (we are the opener; the id is ours, never 0). Returns the slot or
   * {@link STREAM_TABLE_FULL}.
   *
   * spec: state-machines.md#stream ((none) × app opens)
   */
  open(peer: number): number {
    const s = this.allocate(peer, true);
    if (s === NONE) return STREAM_TABLE_FULL;
    this.wireIdHi[s] = this.ids.idHi(s);
    this.wireIdLo[s] = this.ids.idLo(s);
    return s;
  }

  /** The stream a message names: `peerOpened` says the id is in the peer's namespace. NONE if unknown. */
  find(peer: number, peerOpened: boolean, hi: number, lo: number): number {
    if (peerOpened) return this.findRemote(peer, hi, lo);
    const s = this.ids.resolve(hi, lo);
    if (s < 0 || this.peer[s] !== peer || ((this.flags[s] as number) & SF.Opener) === 0) return NONE;
    return s;
  }

  /**
   * Decides an item notify (before a receiver record exists). Returns StatusCode.Ok and sets
   * {@link admitted} to the stream (created for a new peer-opened stream, with STREAM_OPENED), or
   * the reject reason: UNKNOWN_STREAM (no such stream, wrong namespace, closed / aborted, past the
   * final count) or LIMIT_EXCEEDED (stream table full, or the stream's receive queue is at its
   * depth or byte limit — the sender retries the item later).
   *
   * spec: state-machines.md#stream ((none) × item notify; CLOSED × item notify)
   */
  admitItem(peer: number, entry: NotifyEntryView): number {
    this.admitted = NONE;
    const peerOpened = entry.kind === TransferKind.StreamRequestItem;
    let s = this.find(peer, peerOpened, entry.streamIdHi, entry.streamIdLo);
    const index = entry.streamItemIndex;
    if (s === NONE) {
      if (!peerOpened) return StatusCode.UnknownStream;
      s = this.allocate(peer, false);
      if (s === NONE) return StatusCode.LimitExceeded;
      this.wireIdHi[s] = entry.streamIdHi;
      this.wireIdLo[s] = entry.streamIdLo;
      this.indexRemote(s);
      this.push(EventKind.StreamOpened, s, 0, 0);
    }
    const flags = this.flags[s] as number;
    if (this.state[s] === StreamState.Closed || (flags & SF.Aborted) !== 0) return StatusCode.UnknownStream;
    const next = this.recvNext[s] as number;
    const final = this.recvFinal[s] as number;
    if (index < next || (final >= 0 && index >= final)) return StatusCode.UnknownStream;
    // Receive queue limits: the item the stream needs next is admitted whenever the application
    // has fewer than `depth` items unpolled (so held items can never block it); others only
    // within the depth and byte limits and the reorder window.
    const depth = this.limits.streamQueueDepthMax;
    const unpolled = this.recvUnpolled[s] as number;
    const inProgress = this.recvInProgress[s] as number;
    const fits =
      index === next
        ? unpolled < depth
        : index < next + depth &&
          unpolled + inProgress < depth &&
          (this.recvBytes[s] as number) + entry.payloadSize <= this.limits.streamQueueBytesMax;
    if (!fits) return StatusCode.LimitExceeded;
    this.admitted = s;
    return StatusCode.Ok;
  }

  // ---- item links ----

  private link(s: number, slot: number): void {
    assert(this.streamOf[slot] === NONE, 'transfer already on a stream');
    this.streamOf[slot] = s;
    this.itemHeld[slot] = 0;
    this.items.pushFront(s, slot);
  }

  private unlink(slot: number): number {
    const s = this.streamOf[slot] as number;
    if (s === NONE) return NONE;
    this.items.remove(slot);
    this.streamOf[slot] = NONE;
    if (this.itemHeld[slot] === 1) {
      this.itemHeld[slot] = 0;
      this.heldCount--;
    }
    return s;
  }

  /** A receiver record was created for an admitted item. */
  attachReceiver(s: number, slot: number, index: number, payloadBytes: number): void {
    this.link(s, slot);
    this.itemRole[slot] = 2;
    this.itemBytes[slot] = payloadBytes;
    this.itemIndex[slot] = index;
    this.itemEnd[slot] = 0;
    this.recvInProgress[s] = (this.recvInProgress[s] as number) + 1;
    this.recvBytes[s] = (this.recvBytes[s] as number) + payloadBytes;
    this.bytesQueued += payloadBytes;
  }

  /** A sender item was submitted: it takes the next index of our direction. */
  attachSender(s: number, slot: number, endOfStream: boolean): void {
    this.link(s, slot);
    this.itemRole[slot] = 1;
    this.itemBytes[slot] = 0;
    const index = this.sendCount[s] as number;
    this.itemIndex[slot] = index;
    this.itemEnd[slot] = endOfStream ? 1 : 0;
    this.sendCount[s] = index + 1;
    this.sendLive[s] = (this.sendLive[s] as number) + 1;
  }

  /** Wire fields of an item's notify: the stream id (hi, lo) — read after checking streamOf. */
  wireHiOf(slot: number): number {
    return this.wireIdHi[this.streamOf[slot] as number] as number;
  }
  /** Low half of the item's stream id. */
  wireLoOf(slot: number): number {
    return this.wireIdLo[this.streamOf[slot] as number] as number;
  }

  /**
   * A sender item ended (completed, or failed with `status` ≠ OK). A failed item breaks the
   * stream's order: the stream aborts with the item's status.
   */
  senderEnded(slot: number, status: number, nowUs: number): void {
    const s = this.unlink(slot);
    if (s === NONE) return;
    this.sendLive[s] = (this.sendLive[s] as number) - 1;
    if (status !== StatusCode.Ok) {
      this.abortOnItemFailure(s, status, nowUs);
      return;
    }
    const flags = this.flags[s] as number;
    if (
      (flags & (SF.LocalEnded | SF.Aborted | SF.LocalAcked)) === SF.LocalEnded &&
      this.sendLive[s] === 0 &&
      this.timer[s] === NONE &&
      this.state[s] !== StreamState.Closed
    ) {
      this.startClose(s, nowUs);
    }
    this.maybeClose(s, nowUs);
  }

  /** A receiver item failed (before delivery) with `status`: the stream aborts. */
  receiverFailed(slot: number, status: number, nowUs: number): void {
    const s = this.unlink(slot);
    if (s === NONE) return;
    this.releaseInProgress(s, slot);
    this.abortOnItemFailure(s, status, nowUs);
  }

  /** A receiver record is freed while still linked (peer reset): just drop the link. */
  receiverFreed(slot: number): void {
    const s = this.unlink(slot);
    if (s !== NONE) this.releaseInProgress(s, slot);
  }

  private releaseInProgress(s: number, slot: number): void {
    this.recvInProgress[s] = (this.recvInProgress[s] as number) - 1;
    this.dropBytes(s, this.itemBytes[slot] as number);
  }

  private dropBytes(s: number, bytes: number): void {
    this.recvBytes[s] = (this.recvBytes[s] as number) - bytes;
    this.bytesQueued -= bytes;
  }

  private abortOnItemFailure(s: number, status: number, nowUs: number): void {
    if (this.state[s] === StreamState.Closed || ((this.flags[s] as number) & SF.Aborted) !== 0) return;
    // Local statuses (PEER_UNREACHABLE, DEPENDENCY_FAILED) never travel: abort with CANCELLED.
    this.abort(s, status > 12 ? StatusCode.Cancelled : status, nowUs);
  }

  // ---- delivery in index order ----

  /**
   * A receiver item holds its whole payload: hold it, then deliver every item that is next in
   * order. spec: state-machines.md#stream (the receiver delivers items in index order)
   */
  itemReady(slot: number, nowUs: number): void {
    const s = this.streamOf[slot] as number;
    assert(s !== NONE, 'item ready without a stream');
    if (this.itemHeld[slot] === 0) {
      this.itemHeld[slot] = 1;
      this.heldCount++;
    }
    this.drain(s, nowUs);
  }

  private drain(s: number, nowUs: number): void {
    for (;;) {
      const next = this.recvNext[s] as number;
      let found = NONE;
      for (let slot = this.items.first(s); slot !== NONE; slot = this.items.next(slot)) {
        if (this.itemHeld[slot] === 1 && this.itemIndex[slot] === next) {
          found = slot;
          break;
        }
      }
      if (found === NONE) break;
      this.unlink(found);
      this.recvInProgress[s] = (this.recvInProgress[s] as number) - 1;
      this.recvUnpolled[s] = (this.recvUnpolled[s] as number) + 1;
      this.recvNext[s] = next + 1;
      this.host.deliverItem(found, this.handleOf(s), next);
    }
    this.checkEnded(s, nowUs);
  }

  /** The application polled a STREAM_ITEM event of `handle` (`payloadBytes` long). */
  itemPolled(handle: number, payloadBytes: number): void {
    const s = this.slotOfHandle(handle);
    if (s === NONE || (this.recvUnpolled[s] as number) <= 0) return;
    this.recvUnpolled[s] = (this.recvUnpolled[s] as number) - 1;
    this.dropBytes(s, payloadBytes);
  }

  private checkEnded(s: number, nowUs: number): void {
    const flags = this.flags[s] as number;
    if ((flags & (SF.RemoteEnded | SF.EndReported)) !== SF.RemoteEnded) return;
    if ((this.recvNext[s] as number) < (this.recvFinal[s] as number)) return;
    this.flags[s] = flags | SF.EndReported;
    this.push(EventKind.StreamEnded, s, 0, this.recvFinal[s] as number);
    this.maybeClose(s, nowUs);
  }

  // ---- closing ----

  /**
   * The application ends our direction (OK) or aborts the stream (any other status). Returns
   * false when the stream cannot take it (already ended / aborted / closed).
   *
   * spec: state-machines.md#stream (OPEN / HALF_CLOSED_REMOTE × app ends our direction; any × app aborts)
   */
  close(s: number, status: number, nowUs: number): boolean {
    if (this.state[s] === StreamState.Closed || ((this.flags[s] as number) & SF.Aborted) !== 0) return false;
    if (status !== StatusCode.Ok) {
      this.abort(s, status, nowUs);
      return true;
    }
    if (((this.flags[s] as number) & SF.LocalEnded) !== 0) return false;
    this.flags[s] = (this.flags[s] as number) | SF.LocalEnded;
    this.closeStatus[s] = StatusCode.Ok;
    this.refreshState(s);
    if (((this.flags[s] as number) & SF.Opener) !== 0 && this.sendCount[s] === 0) {
      // Nothing was ever sent: the peer does not know the stream; it ends here.
      this.toClosed(s, StatusCode.Ok, nowUs);
      return true;
    }
    // The STREAM_CLOSE(OK) follows the completion of our last item (so the peer holds the stream
    // and every item the count covers when it arrives).
    if ((this.sendLive[s] as number) === 0) this.startClose(s, nowUs);
    return true;
  }

  /** Aborts: cancels every active item (with resets to the peer), sends STREAM_CLOSE(status). */
  private abort(s: number, status: number, nowUs: number): void {
    this.cancelItems(s, StatusCode.Cancelled, true);
    this.flags[s] = ((this.flags[s] as number) | SF.Aborted) & ~SF.LocalAcked;
    this.closeStatus[s] = status;
    this.refreshState(s);
    this.startClose(s, nowUs);
  }

  private startClose(s: number, nowUs: number): void {
    this.retransmits[s] = 0;
    this.exponent[s] = this.host.exponentStart(this.peer[s] as number);
    this.markClose(s);
    this.arm(s, this.timers.close, nowUs, -1);
  }

  private cancelItems(s: number, status: number, sendReset: boolean): void {
    for (;;) {
      const slot = this.items.first(s);
      if (slot === NONE) break;
      const wasReceiver = this.itemRole[slot] === 2;
      this.unlink(slot);
      if (wasReceiver) {
        this.recvInProgress[s] = (this.recvInProgress[s] as number) - 1;
      } else {
        this.sendLive[s] = (this.sendLive[s] as number) - 1;
      }
      this.host.cancelItem(slot, status, sendReset);
    }
    // In-progress bytes go with the items; unpolled events keep theirs until polled or freed.
    this.bytesQueued -= this.recvBytes[s] as number;
    this.recvBytes[s] = 0;
    this.recvUnpolled[s] = 0;
    this.recvInProgress[s] = 0;
  }

  /** STREAM_CLOSE from the peer (the endpoint acknowledges every STREAM_CLOSE, known or not). */
  onClose(
    peer: number,
    hi: number,
    lo: number,
    peerOpened: boolean,
    status: number,
    count: number,
    nowUs: number,
  ): void {
    const s = this.find(peer, peerOpened, hi, lo);
    if (s === NONE || this.state[s] === StreamState.Closed) return;
    if (status !== StatusCode.Ok) {
      // spec: state-machines.md#stream (any × STREAM_CLOSE(non-OK) → ACK; cancel items locally; CLOSED)
      this.cancelItems(s, status, false);
      this.toClosed(s, status, nowUs);
      return;
    }
    const flags = this.flags[s] as number;
    if ((flags & (SF.RemoteEnded | SF.Aborted)) !== 0) return;
    // spec: state-machines.md#stream (OPEN / HALF_CLOSED_LOCAL × STREAM_CLOSE(OK, n))
    this.flags[s] = flags | SF.RemoteEnded;
    this.recvFinal[s] = count;
    this.refreshState(s);
    this.checkEnded(s, nowUs);
  }

  /** STREAM_CLOSE_ACK from the peer. spec: state-machines.md#stream (× STREAM_CLOSE_ACK) */
  onCloseAck(peer: number, view: StreamCloseAckView, nowUs: number): void {
    const peerOpened = (view.flags & StreamFlag.Opener) !== 0;
    const s = this.find(peer, peerOpened, view.streamIdHi, view.streamIdLo);
    if (s === NONE || this.state[s] === StreamState.Closed) return;
    const flags = this.flags[s] as number;
    if ((flags & (SF.LocalEnded | SF.Aborted)) === 0 || (flags & SF.LocalAcked) !== 0) return;
    this.flags[s] = flags | SF.LocalAcked;
    this.ctrlRemove(s);
    this.disarm(s);
    if ((flags & SF.Aborted) !== 0) {
      this.toClosed(s, this.closeStatus[s] as number, nowUs);
      return;
    }
    this.maybeClose(s, nowUs);
  }

  private maybeClose(s: number, nowUs: number): void {
    const flags = this.flags[s] as number;
    if (this.state[s] === StreamState.Closed || (flags & SF.Aborted) !== 0) return;
    const done = SF.LocalEnded | SF.LocalAcked | SF.EndReported;
    if ((flags & done) !== done || (this.sendLive[s] as number) > 0 || (this.recvInProgress[s] as number) > 0) return;
    this.toClosed(s, StatusCode.Ok, nowUs);
  }

  /** Enters CLOSED: one STREAM_CLOSED event, time-wait. */
  private toClosed(s: number, status: number, nowUs: number): void {
    this.ctrlRemove(s);
    this.state[s] = StreamState.Closed;
    this.setWork(s, false);
    this.push(EventKind.StreamClosed, s, status, 0);
    this.arm(s, this.timers.timeWait, nowUs, this.limits.timeWaitUs);
  }

  private refreshState(s: number): void {
    if (this.state[s] === StreamState.Closed) return;
    const flags = this.flags[s] as number;
    const local = (flags & SF.LocalEnded) !== 0;
    const remote = (flags & SF.RemoteEnded) !== 0;
    this.state[s] =
      (flags & SF.Aborted) !== 0 || (local && remote)
        ? StreamState.Closing
        : local
          ? StreamState.HalfClosedLocal
          : remote
            ? StreamState.HalfClosedRemote
            : StreamState.Open;
  }

  // ---- timers ----

  /** A stream timer expired (`kind` is one of {@link StreamTimerKinds}). */
  onTimer(kind: number, s: number, handle: number, nowUs: number): void {
    if (this.timer[s] !== handle) return;
    this.timer[s] = NONE;
    if (kind === this.timers.timeWait) {
      this.free(s);
      return;
    }
    // spec: state-machines.md#stream (HALF_CLOSED_LOCAL, CLOSING × close timer)
    const peer = this.peer[s] as number;
    const host = this.host;
    if (host.timersSuspended(peer)) {
      this.arm(s, kind, nowUs, -1);
      return;
    }
    if (host.lastHeardUs(peer) > (this.armedAtUs[s] as number)) {
      this.exponent[s] = host.exponentStart(peer);
    } else {
      this.exponent[s] = Math.min((this.exponent[s] as number) + 1, 31);
      host.failureSample(peer, nowUs);
      // The peer may just have failed, closing this stream.
      if (this.state[s] === StreamState.Closed || this.peer[s] !== peer || !this.ids.slots.isAllocated(s)) return;
    }
    const retransmits = (this.retransmits[s] as number) + 1;
    if (retransmits > this.limits.streamCloseRetransmitsMax) {
      this.cancelItems(s, StatusCode.Timeout, true);
      this.toClosed(s, StatusCode.Timeout, nowUs);
      return;
    }
    this.retransmits[s] = retransmits;
    this.markClose(s);
    this.arm(s, kind, nowUs, -1);
  }

  private arm(s: number, kind: number, nowUs: number, durationUs: number): void {
    const duration =
      durationUs >= 0
        ? durationUs
        : this.backoff.timeoutUs(this.host.srttUs(this.peer[s] as number), this.exponent[s] as number);
    this.armedAtUs[s] = nowUs;
    const handle = this.timer[s] as number;
    if (handle !== NONE) this.wheel.cancel(handle);
    const fresh = this.wheel.schedule(nowUs + duration, kind, s);
    assert(fresh !== TIMER_NONE, 'timing wheel sized for the stream table is full');
    this.timer[s] = fresh;
  }

  private disarm(s: number): void {
    const handle = this.timer[s] as number;
    if (handle !== NONE) {
      this.wheel.cancel(handle);
      this.timer[s] = NONE;
    }
  }

  private free(s: number): void {
    assert(this.items.isEmpty(s), 'freeing a stream with items');
    this.disarm(s);
    this.ctrlRemove(s);
    this.setWork(s, false);
    if (((this.flags[s] as number) & SF.Opener) === 0) this.unindexRemote(s);
    this.bytesQueued -= this.recvBytes[s] as number;
    this.recvBytes[s] = 0;
    const peer = this.peer[s] as number;
    this.streamsOfPeer[peer] = (this.streamsOfPeer[peer] as number) - 1;
    this.state[s] = 0;
    this.flags[s] = 0;
    this.peer[s] = NONE;
    this.ids.free(s);
  }

  // ---- peer failure / reset ----

  /**
   * The peer failed (`drop` false: every open stream closes with `status`, records stay in
   * time-wait) or was reset (`drop` true: every record of the peer goes, time-wait included, since
   * the restarted peer reuses ids). Item links are dropped without cancelling: the endpoint fails
   * the peer's transfers itself right after.
   *
   * spec: state-machines.md#stream (any but CLOSED × peer FAILED / peer reset confirmed)
   */
  closePeer(peer: number, status: number, drop: boolean, nowUs: number): void {
    for (let s = 0; s < this.limits.streamsMax; s++) {
      if (this.peer[s] !== peer || !this.ids.slots.isAllocated(s)) continue;
      while (!this.items.isEmpty(s)) this.unlink(this.items.first(s));
      this.bytesQueued -= this.recvBytes[s] as number;
      this.recvBytes[s] = 0;
      this.recvInProgress[s] = 0;
      this.recvUnpolled[s] = 0;
      this.sendLive[s] = 0;
      if (this.state[s] !== StreamState.Closed) this.toClosed(s, status, nowUs);
      if (drop) this.free(s);
    }
  }

  // ---- control output ----

  private markClose(s: number): void {
    const flags = this.flags[s] as number;
    if ((flags & SF.CtrlIn) !== 0) return;
    this.flags[s] = flags | SF.CtrlIn;
    const peer = this.peer[s] as number;
    this.ctrl.pushBack(peer, s);
    this.host.schedulePeer(peer);
  }

  private ctrlRemove(s: number): void {
    const flags = this.flags[s] as number;
    if ((flags & SF.CtrlIn) === 0) return;
    this.ctrl.remove(s);
    this.flags[s] = flags & ~SF.CtrlIn;
  }

  /** Whether STREAM_CLOSEs wait for the peer. */
  hasControl(peer: number): boolean {
    return !this.ctrl.isEmpty(peer);
  }

  /** Writes the peer's pending STREAM_CLOSEs into `out[at, end)`; returns the new `at`. */
  writeControl(peer: number, out: Uint8Array, at: number, end: number): number {
    const v = this.closeView;
    for (;;) {
      const s = this.ctrl.first(peer);
      if (s === NONE) break;
      v.streamIdHi = this.wireIdHi[s] as number;
      v.streamIdLo = this.wireIdLo[s] as number;
      v.flags = ((this.flags[s] as number) & SF.Opener) !== 0 ? StreamFlag.Opener : 0;
      v.statusCode = this.closeStatus[s] as number;
      v.finalItemCount = this.sendCount[s] as number;
      const n = encodeStreamClose(out, at, end, v);
      if (n === ENCODE_NO_ROOM || n < 0) break;
      at += n;
      this.ctrlRemove(s);
    }
    return at;
  }

  // ---- events, work ----

  private push(kind: number, s: number, status: number, itemIndex: number): void {
    const events = this.events;
    assert(events.hasRoom, 'event queue full for a stream event (sized for three per stream)');
    events.push(kind, this.handleOf(s), this.peer[s] as number, 0, status, 0, null, 0, 0, null, 0, 0, itemIndex);
  }

  private setWork(s: number, on: boolean): void {
    const flags = this.flags[s] as number;
    if (((flags & SF.Work) !== 0) === on) return;
    this.flags[s] = on ? flags | SF.Work : flags & ~SF.Work;
    this.host.addWork(this.peer[s] as number, on ? 1 : -1);
  }

  // ---- remote-stream index: (peer, id) → slot ----

  private hash(peer: number, hi: number, lo: number): number {
    let h = Math.imul(lo ^ 0x9e3779b9, 0x85ebca6b);
    h = Math.imul(h ^ hi ^ (h >>> 13), 0xc2b2ae35);
    h = Math.imul(h ^ peer ^ (h >>> 16), 0x27d4eb2f);
    return (h ^ (h >>> 15)) & this.indexMask;
  }

  private findRemote(peer: number, hi: number, lo: number): number {
    let i = this.hash(peer, hi, lo);
    for (;;) {
      const s = this.indexSlots[i] as number;
      if (s === NONE) return NONE;
      if (this.peer[s] === peer && this.wireIdHi[s] === hi && this.wireIdLo[s] === lo) return s;
      i = (i + 1) & this.indexMask;
    }
  }

  private indexRemote(s: number): void {
    let i = this.hash(this.peer[s] as number, this.wireIdHi[s] as number, this.wireIdLo[s] as number);
    while (this.indexSlots[i] !== NONE) i = (i + 1) & this.indexMask;
    this.indexSlots[i] = s;
    this.indexCount++;
  }

  private unindexRemote(s: number): void {
    const mask = this.indexMask;
    let i = this.hash(this.peer[s] as number, this.wireIdHi[s] as number, this.wireIdLo[s] as number);
    while (this.indexSlots[i] !== s) {
      assert(this.indexSlots[i] !== NONE, 'unindex of a stream that is not indexed');
      i = (i + 1) & mask;
    }
    let hole = i;
    let j = (i + 1) & mask;
    for (;;) {
      const t = this.indexSlots[j] as number;
      if (t === NONE) break;
      const home = this.hash(this.peer[t] as number, this.wireIdHi[t] as number, this.wireIdLo[t] as number);
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        this.indexSlots[hole] = t;
        hole = j;
      }
      j = (j + 1) & mask;
    }
    this.indexSlots[hole] = NONE;
    this.indexCount--;
  }
}
