/**
 * Send-side backpressure to the application: the priority throttle (a share of the transfer table
 * and of the buffer registry's budget that lower priorities leave to higher ones, so priority 7 is
 * refused first), the WRITABLE readiness edge (armed by a refused submission, fired once when
 * capacity is back), and the inline-payload switch (small payloads go by reference, so the receiver
 * pulls them, while the peer signals overload or our notify backlog to it is long).
 *
 * Pure bookkeeping: endpoint.ts asks it (`tableAllows`, `buffersAllow`, `inlineAllowed`), tells it
 * about refusals (`refuse…`) and overload signals, and checks `due…` in `pollEvent` (hooks marked
 * `backpressure hook`).
 *
 * Documented in docs/engine.md#backpressure (the brief: senders "apply backpressure to the
 * application (lower priorities first) when the buffer pool is full").
 */
import { NOTIFY_PRIORITY_MAX } from '../wire/constants.js';

/** Causes recorded while WRITABLE is armed (bit mask). */
export const BlockCause = {
  /** submit / respond / broadcast: event ring, transfer table, priority share, buffer registry. */
  Submit: 0x01,
  /** openStream: stream table or the peer's share of it. */
  StreamOpen: 0x02,
  /** submitStreamItem: the stream's `streamQueueDepthMax` of our items are in flight. */
  StreamItem: 0x04,
  /** The causality map is at its entry / edge maximum. */
  Causality: 0x08,
} as const;

/** What the throttle reads from a buffer registry that declares its budget (LocalBufferRegistry does). */
export interface BufferBudget {
  /** Live buffers. */
  readonly liveCount: number;
  /** Sealed bytes held. */
  readonly bytesInUse: number;
  /** Live buffers at most (optional). */
  readonly capacity?: number;
  /** Sealed bytes at most (optional). */
  readonly bytesMax?: number;
}

/** Options of {@link SubmitPressure}. */
export interface SubmitPressureOptions {
  readonly transfersMax: number;
  readonly peersMax: number;
  readonly priorityReserveShare: number;
  readonly inlineBacklogMax: number;
  readonly inlineOverloadHoldUs: number;
  readonly buffers: BufferBudget;
}

const NONE = -1;
const PEER_MIXED = -2;

/** The priority throttle, the WRITABLE edge and the inline switch (see the module comment). */
export class SubmitPressure {
  /** Slots of the transfer table priority p may not use: index p. */
  readonly tableReserve: Float64Array;
  /** Fraction of the registry's budget priority p may not use: index p. */
  readonly bufferReserveShare: Float64Array;
  /** Registry slot capacity (Infinity when the registry does not declare one). */
  readonly bufferCapacity: number;
  /** Registry byte budget (Infinity when the registry does not declare one). */
  readonly bufferBytesMax: number;
  private readonly transfersMax: number;
  private readonly inlineBacklogMax: number;
  private readonly inlineOverloadHoldUs: number;
  /** Per peer: when its last ACCEPT REJECTED(OVERLOADED) arrived, µs (−Infinity: never). */
  private readonly overloadedAtUs: Float64Array;
  /** Submissions refused by the priority throttle (not by a hard limit). */
  throttled: number;
  /** Small payloads sent by reference instead of inline (overload or backlog). */
  inlineSuppressed: number;
  /** WRITABLE events pushed. */
  writableEvents: number;
  /** Causes recorded since the last WRITABLE ({@link BlockCause} bits; 0 = not armed). */
  causes: number;
  /** A WRITABLE was pushed and not yet polled. */
  outstanding: boolean;
  /** Submit cause: the most urgent (lowest) priority refused. */
  needPriority: number;
  /** Submit cause: the fewest transfer slots a refused submission needed (a broadcast needs N). */
  needSlots: number;
  /** Submit cause: the smallest sealed size refused BufferFull (0: none). */
  needBufferBytes: number;
  /** Submit cause: the registry's live buffers / bytes at the last BufferFull. */
  bufferLiveAtBlock: number;
  bufferBytesAtBlock: number;
  /** StreamOpen cause: the peer (NONE: only the global table was full). */
  openPeer: number;
  /** StreamItem cause: the stream handle refused last. */
  itemStream: number;
  /** Causality cause: entries / edges live when refused. */
  causalityEntries: number;
  causalityEdges: number;
  /** The peer every refusal since the edge concerned, NONE (global) or mixed. */
  private peer: number;

  constructor(options: SubmitPressureOptions) {
    const share = options.priorityReserveShare;
    this.transfersMax = options.transfersMax;
    this.tableReserve = new Float64Array(NOTIFY_PRIORITY_MAX + 1);
    this.bufferReserveShare = new Float64Array(NOTIFY_PRIORITY_MAX + 1);
    for (let p = 0; p <= NOTIFY_PRIORITY_MAX; p++) {
      // Linear: priority 0 may use everything, priority 7 leaves `share` of the table to the others.
      const fraction = (share * p) / NOTIFY_PRIORITY_MAX;
      this.tableReserve[p] = Math.floor(options.transfersMax * fraction);
      this.bufferReserveShare[p] = fraction;
    }
    const budget = options.buffers;
    this.bufferCapacity =
      typeof budget.capacity === 'number' && budget.capacity >= 0 ? budget.capacity : Number.POSITIVE_INFINITY;
    this.bufferBytesMax =
      typeof budget.bytesMax === 'number' && budget.bytesMax >= 0 ? budget.bytesMax : Number.POSITIVE_INFINITY;
    this.inlineBacklogMax = options.inlineBacklogMax;
    this.inlineOverloadHoldUs = options.inlineOverloadHoldUs;
    this.overloadedAtUs = new Float64Array(options.peersMax).fill(Number.NEGATIVE_INFINITY);
    this.throttled = 0;
    this.inlineSuppressed = 0;
    this.writableEvents = 0;
    this.causes = 0;
    this.outstanding = false;
    this.needPriority = NOTIFY_PRIORITY_MAX;
    this.needSlots = 1;
    this.needBufferBytes = 0;
    this.bufferLiveAtBlock = 0;
    this.bufferBytesAtBlock = 0;
    this.openPeer = NONE;
    this.itemStream = NONE;
    this.causalityEntries = 0;
    this.causalityEdges = 0;
    this.peer = NONE;
  }

  // ---- the priority throttle ----

  /**
   * Whether `slots` more transfers at `priority` fit: within the table minus the priority's
   * reserve (an empty table always takes them, so a large broadcast is never refused forever).
   */
  tableAllows(live: number, slots: number, priority: number): boolean {
    return live === 0 || live + slots <= this.transfersMax - (this.tableReserve[priority] as number);
  }

  /**
   * Whether a buffer of `sealedBytes` at `priority` fits the registry's declared budget minus the
   * priority's reserve (an empty registry always takes it; an undeclared budget always allows).
   */
  buffersAllow(buffers: BufferBudget, sealedBytes: number, priority: number): boolean {
    if (buffers.liveCount === 0) return true;
    const keep = 1 - (this.bufferReserveShare[priority] as number);
    return (
      buffers.liveCount + 1 <= Math.floor(this.bufferCapacity * keep) &&
      buffers.bytesInUse + sealedBytes <= Math.floor(this.bufferBytesMax * keep)
    );
  }

  // ---- the inline switch ----

  /** The peer refused a notify OVERLOADED: small payloads to it go by reference for a while. */
  peerOverloaded(peer: number, nowUs: number): void {
    this.overloadedAtUs[peer] = nowUs;
  }

  /**
   * Whether a small payload to `peer` may travel inline: not while the peer signalled overload in
   * the last `inlineOverloadHoldUs`, nor while `backlog` (our notifies waiting to be sent to it)
   * reaches `inlineBacklogMax`.
   */
  inlineAllowed(peer: number, backlog: number, nowUs: number): boolean {
    if (backlog < this.inlineBacklogMax && nowUs - (this.overloadedAtUs[peer] as number) >= this.inlineOverloadHoldUs) {
      return true;
    }
    this.inlineSuppressed++;
    return false;
  }

  // ---- the WRITABLE edge ----

  /**
   * Records a refused submit (WouldBlock / BufferFull: `bufferBytes` > 0, with the registry's live
   * buffers and bytes at the time, for registries that do not declare a budget).
   */
  refuseSubmit(
    priority: number,
    slots: number,
    bufferBytes: number,
    bufferLive: number,
    bufferBytesInUse: number,
  ): void {
    if (bufferBytes > 0) {
      this.bufferLiveAtBlock = bufferLive;
      this.bufferBytesAtBlock = bufferBytesInUse;
    }
    if ((this.causes & BlockCause.Submit) === 0) {
      this.needPriority = priority;
      this.needSlots = slots;
      this.needBufferBytes = bufferBytes;
    } else {
      if (priority < this.needPriority) this.needPriority = priority;
      if (slots < this.needSlots) this.needSlots = slots;
      if (bufferBytes > 0 && (this.needBufferBytes === 0 || bufferBytes < this.needBufferBytes)) {
        this.needBufferBytes = bufferBytes;
      }
    }
    this.arm(BlockCause.Submit, NONE);
  }

  /** Records a refused openStream (`peer`: the peer's share was the limit, else NONE). */
  refuseStreamOpen(peer: number): void {
    this.openPeer = (this.causes & BlockCause.StreamOpen) === 0 || this.openPeer === peer ? peer : NONE;
    this.arm(BlockCause.StreamOpen, peer);
  }

  /** Records a refused stream item (the stream's queue depth). */
  refuseStreamItem(stream: number, peer: number): void {
    this.itemStream = stream;
    this.arm(BlockCause.StreamItem, peer);
  }

  /** Records a causality-map refusal (entries / edges live at the time). */
  refuseCausality(entries: number, edges: number): void {
    this.causalityEntries = entries;
    this.causalityEdges = edges;
    this.arm(BlockCause.Causality, NONE);
  }

  private arm(cause: number, peer: number): void {
    if (this.causes === 0) this.peer = peer;
    else if (this.peer !== peer) this.peer = PEER_MIXED;
    this.causes |= cause;
  }

  /** The WRITABLE event's peer: the peer when every refusal since the edge was per-peer for it, else −1. */
  get writablePeer(): number {
    return this.peer >= 0 ? this.peer : -1;
  }

  /** WRITABLE was pushed: disarm until the next refusal (and until it is polled). */
  fired(): void {
    this.causes = 0;
    this.outstanding = true;
    this.writableEvents++;
  }
}
