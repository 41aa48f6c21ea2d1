/**
 * The application's acceptor: a synchronous decision per NEW flow the peer opens (accept, reject
 * with a status, or queue until the application admits it), and the engine's bookkeeping of the
 * flows it queued. Owns {@link FlowDecision}, {@link FlowAcceptor}, the reusable {@link NewFlowView}
 * handed to the acceptor, and {@link HeldFlows} (per-slot "held by the application" marks, the FIFO
 * of admitted flows waiting for event-ring room, counters). The transfer machine itself stays in
 * endpoint.ts, which calls this module from hooks marked `acceptor hook`.
 *
 * spec: state-machines.md#receiver-transfer ((none) × notify: refused by the application's
 * admission policy → REJECTED; NOTIFIED × decide → QUEUED)
 */
import { InvalidArgumentError } from '../errors.js';
import { IntrusiveLists } from '../intrusive-lists.js';
import { EMPTY_BYTES } from '../wire/bytes.js';
import { STATUS_CODE_MAX, StatusCode } from '../wire/constants.js';

/** What an acceptor decides for a new flow. */
export const FlowDecision = {
  /** Take it as the engine would without an acceptor (its own limits still apply). */
  Accept: 0,
  /** Refuse it: ACCEPT REJECTED(`view.rejectStatus`, default REJECTED); the sender fails with that status. */
  Reject: 1,
  /**
   * Hold it: ACCEPT QUEUED, nothing is pulled or delivered until `Endpoint.admit(handle)` (then it
   * runs like any accepted flow) or `Endpoint.cancel(handle, status)` (the sender fails with status).
   */
  Queue: 2,
} as const;

/** A {@link FlowDecision} value. */
export type FlowDecision = (typeof FlowDecision)[keyof typeof FlowDecision];

/**
 * Decides a new flow, synchronously, once per new transfer the peer opens (a request, a bulk
 * transfer, a stream item; never a response to our own request, never a retransmission or replay
 * of a transfer the engine already holds). `flow` and its bytes are valid during the call only.
 * It must not call back into the endpoint; an exception thrown by it propagates out of
 * `handleDatagram` with nothing of the flow kept (the sender retransmits its notify).
 */
export type FlowAcceptor = (flow: NewFlowView) => FlowDecision;

/** The new flow an acceptor decides (one reusable instance; valid during the call only). */
export class NewFlowView {
  /** The handle the flow has from now on (for `admit` / `cancel` after a Queue decision). */
  handle: number;
  /** The peer index. */
  peer: number;
  /** TransferKind (UNARY_REQUEST, BULK, STREAM_REQUEST_ITEM, STREAM_RESPONSE_ITEM). */
  kind: number;
  /** 0 (highest) … 7 (lowest). */
  priority: number;
  /** Payload size in bytes. */
  payloadBytes: number;
  /** The payload travels inline in the notify (small flows); otherwise the receiver pulls it. */
  inline: boolean;
  /** The sender set application metadata. */
  hasMetadata: boolean;
  /** Application metadata (0 when absent). */
  metadata: number;
  /** Bytes holding the application header (valid during the call only). */
  header: Uint8Array;
  /** Offset of the header in {@link header}. */
  headerOffset: number;
  /** Header length (0 when absent). */
  headerLength: number;
  /** The stream handle of a stream item, else -1. */
  stream: number;
  /** A stream item's index, else 0. */
  itemIndex: number;
  /** Status sent with a Reject decision (a non-OK StatusCode; reset to REJECTED before each call). */
  rejectStatus: number;

  constructor() {
    this.handle = -1;
    this.peer = -1;
    this.kind = 0;
    this.priority = 0;
    this.payloadBytes = 0;
    this.inline = false;
    this.hasMetadata = false;
    this.metadata = 0;
    this.header = EMPTY_BYTES;
    this.headerOffset = 0;
    this.headerLength = 0;
    this.stream = -1;
    this.itemIndex = 0;
    this.rejectStatus = StatusCode.Rejected;
  }

  /**
   * Rejects with `status` (default REJECTED; OVERLOADED / LIMIT_EXCEEDED let a sender with attempts
   * left retry after a backoff; any other status fails it): returns {@link FlowDecision.Reject}.
   */
  reject(status: number = StatusCode.Rejected): FlowDecision {
    this.rejectStatus = status;
    return FlowDecision.Reject;
  }

  /** A copy of the header bytes (convenience for tests; allocates). */
  headerCopy(): Uint8Array {
    return this.header.slice(this.headerOffset, this.headerOffset + this.headerLength);
  }
}

/** {@link HeldFlows.held} marks. */
export const HeldMark = {
  /** Not held by the application. */
  None: 0,
  /** Queued by the acceptor: waits for admit / cancel. */
  Queued: 1,
  /** Admitted; its delivery (inline) or offer (BULK_OFFERED) waits for room in the event ring. */
  Admitted: 2,
} as const;

/** Counters of the acceptor (read-only outside the engine). */
export interface FlowAcceptorCounters {
  /** Acceptor calls. */
  asked: number;
  /** Accept decisions. */
  accepted: number;
  /** Reject decisions. */
  rejected: number;
  /** Queue decisions. */
  queued: number;
  /** Queued flows admitted. */
  admitted: number;
  /** Queued flows refused by the application (cancel). */
  cancelled: number;
}

/** Per-slot state of flows the application holds (queued by the acceptor). */
export class HeldFlows {
  /** The acceptor, or null (every new flow is accepted by the engine's limits alone). */
  readonly acceptor: FlowAcceptor | null;
  /** The view handed to the acceptor. */
  readonly view: NewFlowView;
  /** Per transfer slot: a {@link HeldMark}. */
  readonly held: Uint8Array;
  /** One list (0): admitted flows waiting for event-ring room, FIFO. */
  readonly waiting: IntrusiveLists;
  /** Decision counters. */
  readonly counters: FlowAcceptorCounters;
  /** Sender side, per transfer slot: when the HELD wait being timed began, µs (−1: not timing). */
  readonly pokeAtUs: Float64Array;
  /** Sender side: a HELD sender re-sends its notify after being HELD this long, µs. */
  readonly heldPokeUs: number;
  /** Sender side: notifies re-sent by HELD senders. */
  pokes: number;
  private heldCount: number;

  constructor(acceptor: FlowAcceptor | null, transfersMax: number, heldPokeUs: number) {
    this.acceptor = acceptor;
    this.view = new NewFlowView();
    this.held = new Uint8Array(transfersMax);
    this.waiting = new IntrusiveLists(transfersMax, 1);
    this.counters = { asked: 0, accepted: 0, rejected: 0, queued: 0, admitted: 0, cancelled: 0 };
    this.pokeAtUs = new Float64Array(transfersMax).fill(-1);
    this.heldPokeUs = heldPokeUs;
    this.pokes = 0;
    this.heldCount = 0;
  }

  /** Flows held by the application (queued, or admitted and waiting for event room). */
  get count(): number {
    return this.heldCount;
  }

  /**
   * Checks an acceptor's answer: returns the decision, or throws {@link InvalidArgumentError} for
   * anything but a {@link FlowDecision} (and, for Reject, a non-OK wire status code).
   */
  validate(decision: unknown): FlowDecision {
    if (decision === FlowDecision.Accept || decision === FlowDecision.Queue) return decision;
    if (decision === FlowDecision.Reject) {
      const status = this.view.rejectStatus;
      if (Number.isInteger(status) && status > StatusCode.Ok && status <= STATUS_CODE_MAX) return decision;
      throw new InvalidArgumentError(`acceptor reject status must be a non-OK status code, got ${status}`);
    }
    throw new InvalidArgumentError(`acceptor must return a FlowDecision (0, 1 or 2), got ${String(decision)}`);
  }

  /** Marks a new receiver slot (every new receiver passes here: the mark is reset for reused slots). */
  mark(slot: number, queued: boolean): void {
    this.held[slot] = queued ? HeldMark.Queued : HeldMark.None;
    if (queued) this.heldCount++;
  }

  /** The flow leaves the application's hold (admitted and running, failed or cancelled). */
  release(slot: number): void {
    if (this.held[slot] === HeldMark.None) return;
    this.held[slot] = HeldMark.None;
    this.waiting.remove(slot);
    this.heldCount--;
  }

  /** An admitted flow must wait for event-ring room. */
  wait(slot: number): void {
    this.held[slot] = HeldMark.Admitted;
    this.waiting.pushBack(0, slot);
  }
}
