/**
 * The sender-driven baseline: how the previous dcQUIC moved data, rebuilt on the simulator's
 * {@link SimTransport} contract so scenarios can run it beside dcq. It owns every piece of its own
 * protocol state: outgoing transfers (with their retransmission windows and timers), inbound
 * reassemblies, the acknowledgement queue, recent-completion history, and the echo server that
 * answers RPC requests.
 *
 * ## What it does (deliberately)
 * - A submitted message is cut into chunks of `chunkBytes`, each sent as one DATA datagram with the
 *   plaintext header of `baseline-header.ts` (no crypto: the baseline pays no crypto cost, which
 *   only favours it).
 * - Every transfer, independently, BURSTS a fixed window (`windowBytes`, or the whole message if
 *   smaller) as soon as it starts: no pacing, no congestion control, no coordination between
 *   transfers — a QUIC/TCP initial window per stream. Under fan-in (incast) the bursts of many
 *   senders meet in one switch port, which is exactly where the previous implementation collapsed.
 *   The window slides forward as the cumulative acknowledgement advances; it never grows or shrinks.
 * - The receiver acknowledges every DATA datagram (cumulative chunk count + the chunk that
 *   arrived, a one-entry selective ack). Chunks beyond its receive window, or messages that do not
 *   fit its reassembly budget, are dropped unacknowledged: retransmission recovers.
 * - Loss is repaired only on timeout: RTO = max(3 × smoothed RTT of the peer, `rtoFloorUs`), doubled
 *   per consecutive timeout up to `rtoMaxUs`; after `attemptsMax` consecutive timeouts without
 *   progress the transfer fails with {@link BASELINE_STATUS_TIMEOUT}. On a timeout every sent, unacknowledged
 *   chunk of the window is sent again (selectively acknowledged ones are skipped).
 * - RPCs: the receiving transport answers a complete request with a response of the requested size
 *   (an echo server; payload from {@link fillPayload}); the requester's outcome completes when the
 *   whole response has arrived. A request whose response cannot be started (no slot or buffer) has
 *   its final chunk dropped unacknowledged, so the requester's retransmission retries it later.
 * - Priorities only go into {@link TransmitInfo.priority} (the network's strict-priority queues);
 *   the transport itself sends round-robin over ready transfers, acknowledgements first.
 * - `dependsOnTag`: the transfer starts only once that tag's outcome is known; with
 *   `dependencyCascades` a failed dependency fails it with {@link BASELINE_STATUS_DEPENDENCY_FAILED}.
 *
 * ## Polling order
 * As {@link DatagramEndpoint}: `handleDatagram` for arrivals, `handleTimeout` when due, then
 * `pollTransmit` until 0. The application face (`submit`, `pollOutcome`, `pollDelivery`) may be
 * called between those; after `submit` the driver must wake the NIC.
 *
 * ## Limits
 * Everything is sized at construction: `transfersMax` own transfers and `responsesMax` responses
 * being sent, `inboundMax` reassembly slots, and byte budgets for own send buffers (`sendBytesMax`),
 * response buffers (`responseBytesMax`) and reassembly (`reassemblyBytesMax`); message buffers are
 * recycled by size class. Responses have slots and bytes of their own so that two hosts whose own
 * budgets are full of RPCs to each other can still answer each other (with one shared pool that is
 * a deadlock, broken only by timeouts). `ackQueueMax` bounds queued acknowledgements (beyond it
 * acks are dropped and counted: retransmission recovers), and the completion histories are FIFO
 * rings. `submit` returns {@link BASELINE_SUBMIT_BACKPRESSURE} when an own slot, an outcome entry or
 * send-buffer bytes are missing. Buffers are per message; nothing is allocated per datagram.
 */
import { assert, InvalidArgumentError, type TransmitInfo } from '@dcq/core';
import { fnv1a32 } from '@dcq/core/testing';
import { DeadlineHeap } from '../network/deadline-heap.js';
import {
  fillPayload,
  type SimDelivery,
  type SimOutcome,
  type SimStateCounters,
  type SimTransferRequest,
  type SimTransport,
} from '../scenario/transport.js';
import {
  ACK_BYTES,
  CHECKSUM_BYTES,
  DATA_HEADER_BYTES,
  FLAG_RESPONSE,
  readU32,
  readU64,
  TYPE_ACK,
  TYPE_DATA,
  writeAck,
  writeDataHeader,
  writeU32,
} from './baseline-header.js';
import { BufferPool } from './buffer-pool.js';
import { KeyTable } from './key-table.js';

/** Outcome status: completed. */
export const BASELINE_STATUS_OK = 0;
/** Outcome status: `attemptsMax` consecutive retransmission timeouts, or no response in time. */
export const BASELINE_STATUS_TIMEOUT = 1;
/** Outcome status: a cascading dependency failed. */
export const BASELINE_STATUS_DEPENDENCY_FAILED = 2;
/** `submit` result: no slot, outcome entry or send-buffer bytes; retry later. */
export const BASELINE_SUBMIT_BACKPRESSURE = -1;

/** Options of a {@link SenderDrivenTransport}; every field has a default. Times µs, sizes bytes. */
export interface SenderDrivenOptions {
  /** Peer indices the transport may address (default 64). */
  readonly peersMax?: number;
  /** Payload bytes per DATA datagram (default 1400; header adds 28). */
  readonly chunkBytes?: number;
  /** Fixed per-transfer window, bytes (default 65536): burst at start, slid by acks. */
  readonly windowBytes?: number;
  /** Own transfers in flight, including outcomes not yet polled (default 4096). */
  readonly transfersMax?: number;
  /** Responses being sent at once by the echo server (default: `transfersMax` / 4, at least 1). */
  readonly responsesMax?: number;
  /** Inbound reassembly slots, including messages waiting for `pollDelivery` (default 4096). */
  readonly inboundMax?: number;
  /** Budget of send buffers (whole messages held until acknowledged), bytes (default 1 GiB). */
  readonly sendBytesMax?: number;
  /** Budget of response buffers of the echo server, bytes (default: `sendBytesMax`). */
  readonly responseBytesMax?: number;
  /** Budget of reassembly buffers, bytes (default 64 MiB). */
  readonly reassemblyBytesMax?: number;
  /** Chunks accepted beyond the receiver's cumulative point (default 2 × the window in chunks). */
  readonly receiveWindowChunks?: number;
  /** RTO before the first RTT sample of a peer (default 1000). */
  readonly rtoInitialUs?: number;
  /** Smallest RTO (default 1000). */
  readonly rtoFloorUs?: number;
  /** Largest RTO after backoff (default 200000). */
  readonly rtoMaxUs?: number;
  /** Consecutive timeouts without progress before a transfer fails (default 10). */
  readonly attemptsMax?: number;
  /** How long a requester waits for a response after its request was acknowledged (default 5 s). */
  readonly responseTimeoutUs?: number;
  /** An inbound reassembly idle this long is abandoned (default 5 s). */
  readonly inboundIdleTimeoutUs?: number;
  /** Queued acknowledgements (default 8192); beyond it acks are dropped. */
  readonly ackQueueMax?: number;
  /** Own outcomes remembered for `dependsOnTag` (default 16384); older ones count as unknown (start). */
  readonly outcomeHistoryMax?: number;
  /**
   * Completed inbound messages remembered to re-ack duplicates without redelivering (default 16384),
   * a FIFO: it must outlive the senders' retransmissions, or a late duplicate is delivered again.
   */
  readonly completedHistoryMax?: number;
}

/** Counters of a {@link SenderDrivenTransport} (monotonic). */
export class SenderDrivenStats {
  /** DATA datagrams sent, first transmissions. */
  dataSent = 0;
  /** DATA datagrams sent again after a timeout. */
  dataRetransmitted = 0;
  /** Payload bytes sent (first transmissions and retransmissions). */
  payloadBytesSent = 0;
  /** ACK datagrams sent. */
  acksSent = 0;
  /** Acks not queued because the ack queue was full. */
  acksDropped = 0;
  /** Retransmission timeouts that fired. */
  rtoFired = 0;
  /** Own transfers that failed with {@link BASELINE_STATUS_TIMEOUT}. */
  transfersTimedOut = 0;
  /** Responses abandoned after `attemptsMax` timeouts. */
  responsesAbandoned = 0;
  /** DATA datagrams that carried a chunk already held or delivered. */
  dataDuplicate = 0;
  /** DATA dropped: no free inbound slot. */
  dataDroppedNoInbound = 0;
  /** DATA dropped: the reassembly budget is exhausted. */
  dataDroppedReassemblyFull = 0;
  /** DATA dropped: beyond the receive window. */
  dataDroppedBeyondWindow = 0;
  /** Final request chunks dropped because the response could not be started. */
  dataDroppedResponseBlocked = 0;
  /** DATA of a response nobody waits for (the request already failed). */
  dataDroppedUnsolicited = 0;
  /** Inbound reassemblies abandoned by the idle timeout. */
  inboundAbandoned = 0;
  /** Datagrams that failed to parse or contradicted the transfer's state. */
  malformed = 0;
}

const S_FREE = 0;
const S_WAITING = 1;
const S_SENDING = 2;
const S_AWAITING_RESPONSE = 3;

const R_FREE = 0;
const R_RECEIVING = 1;
const R_QUEUED = 2;
const R_HELD = 3;

/** Window flags of a sent chunk. */
const W_SENT = 1;
const W_ACKED = 2;
const W_NEEDS_RETRANSMIT = 4;
const W_RETRANSMITTED = 8;

/** DATA flags bits 4–6: the transfer's priority (acks and responses reuse it). */
const PRIORITY_SHIFT = 4;

const ROLE_OWN = 0;
const ROLE_SEND_RESPONSE = 1;
const ROLE_RECV = 2; // + FLAG_RESPONSE
const ROLE_DONE = 4; // + FLAG_RESPONSE
const ROLE_OUTCOME = 6;

function positiveInteger(name: string, value: number | undefined, fallback: number, max = 2 ** 30): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 1 || v > max) {
    throw new InvalidArgumentError(`sender-driven ${name} must be an integer in [1, ${max}], got ${v}`);
  }
  return v;
}

/** The sender-driven baseline transport on one simulated NIC. See the module comment. */
export class SenderDrivenTransport implements SimTransport {
  /** Name used in reports. */
  readonly name = 'sender-driven';
  /** Counters. */
  readonly stats: SenderDrivenStats;
  /** Peer indices it may address. */
  readonly peersMax: number;
  /** Payload bytes per DATA datagram. */
  readonly chunkBytes: number;
  /** The fixed per-transfer window, chunks. */
  readonly windowChunks: number;
  /** Own transfers in flight (including outcomes not yet polled). */
  readonly transfersMax: number;
  /** Responses being sent at once. */
  readonly responsesMax: number;
  /** Outgoing slots: `transfersMax + responsesMax`. */
  readonly sendSlotsMax: number;
  /** Inbound reassembly slots. */
  readonly inboundMax: number;
  /** Chunks accepted beyond the receiver's cumulative point. */
  readonly receiveWindowChunks: number;
  /** RTO before the first RTT sample of a peer, µs. */
  readonly rtoInitialUs: number;
  /** Smallest RTO, µs. */
  readonly rtoFloorUs: number;
  /** Largest RTO after backoff, µs. */
  readonly rtoMaxUs: number;
  /** Consecutive timeouts without progress before a transfer fails. */
  readonly attemptsMax: number;
  /** How long a requester waits for its response once the request is acknowledged, µs. */
  readonly responseTimeoutUs: number;
  /** Idle time after which an inbound reassembly is abandoned, µs. */
  readonly inboundIdleTimeoutUs: number;

  // Outgoing slots.
  private readonly sState: Uint8Array;
  private readonly sPeer: Int32Array;
  private readonly sTag: Uint32Array;
  private readonly sFlags: Uint8Array;
  private readonly sPriority: Uint8Array;
  private readonly sSize: Float64Array;
  private readonly sResponseSize: Float64Array;
  private readonly sChunks: Int32Array;
  /** Next chunk never sent. */
  private readonly sNext: Int32Array;
  /** Every chunk below is acknowledged. */
  private readonly sCumulative: Int32Array;
  /** Where the scan for chunks to retransmit resumes, or −1 when none are marked. */
  private readonly sRetransmitCursor: Int32Array;
  private readonly sRetransmits: Int32Array;
  private readonly sBackoff: Int32Array;
  private readonly sInReady: Uint8Array;
  private readonly sCascades: Uint8Array;
  private readonly sStatus: Int32Array;
  private readonly sWaiterHead: Int32Array;
  private readonly sWaiterNext: Int32Array;
  /** Last waiter of each slot, so dependants start in submission order. */
  private readonly sWaiterTail: Int32Array;
  private readonly sBuffer: (Uint8Array | null)[];
  /** Window flags, `slot × windowChunks + chunk % windowChunks`. */
  private readonly wFlags: Uint8Array;
  private readonly wSentUs: Float64Array;
  private readonly sFree: Int32Array;
  private sFreeCount: number;
  private ownLive: number;
  private responsesLive: number;

  // Inbound slots.
  private readonly rState: Uint8Array;
  private readonly rPeer: Int32Array;
  private readonly rTag: Uint32Array;
  private readonly rFlags: Uint8Array;
  private readonly rPriority: Uint8Array;
  private readonly rSize: Float64Array;
  private readonly rResponseSize: Float64Array;
  private readonly rChunkBytes: Int32Array;
  private readonly rChunks: Int32Array;
  private readonly rReceived: Int32Array;
  private readonly rCumulative: Int32Array;
  private readonly rBuffer: (Uint8Array | null)[];
  /** Receive-window bits, `slot × receiveWindowChunks + chunk % receiveWindowChunks`. */
  private readonly rBits: Uint8Array;
  private readonly rFree: Int32Array;
  private rFreeCount: number;
  private heldSlot: number;

  // Queues (rings).
  private readonly ready: Int32Array;
  private readyHead: number;
  private readyCount: number;
  private readonly ackPeer: Int32Array;
  private readonly ackTag: Uint32Array;
  private readonly ackFlags: Uint8Array;
  private readonly ackPriority: Uint8Array;
  private readonly ackCumulative: Int32Array;
  private readonly ackChunk: Int32Array;
  private ackHead: number;
  private ackCount: number;
  private readonly outTag: Uint32Array;
  private readonly outStatus: Int32Array;
  private readonly outRetransmits: Int32Array;
  private outHead: number;
  private outCount: number;
  private readonly deliveries: Int32Array;
  private deliveryHead: number;
  private deliveryCount: number;
  private readonly resolveStack: Int32Array;

  // Histories (FIFO rings whose entries live in `keys`).
  private readonly outcomeHistoryTag: Uint32Array;
  private outcomeHistoryHead: number;
  private outcomeHistoryCount: number;
  private readonly doneHistoryPeer: Int32Array;
  private readonly doneHistoryTag: Uint32Array;
  private readonly doneHistoryRole: Uint8Array;
  private doneHistoryHead: number;
  private doneHistoryCount: number;

  private readonly keys: KeyTable;
  /** Ids `[0, sendSlotsMax)` are outgoing slots, `[sendSlotsMax, …)` inbound slots. */
  private readonly timers: DeadlineHeap;
  private readonly srttUs: Float64Array;
  private readonly sendPool: BufferPool;
  /** Buffers of responses: a budget of their own, so answering never waits for own transfers. */
  private readonly responsePool: BufferPool;
  private readonly receivePool: BufferPool;
  private readonly dataFields: {
    flags: number;
    chunkBytes: number;
    tag: number;
    chunk: number;
    sizeBytes: number;
    responseSizeBytes: number;
  };
  private readonly ackFields: { flags: number; priority: number; tag: number; cumulative: number; chunk: number };

  constructor(options: SenderDrivenOptions = {}) {
    this.stats = new SenderDrivenStats();
    this.peersMax = positiveInteger('peersMax', options.peersMax, 64, 2 ** 20);
    this.chunkBytes = positiveInteger(
      'chunkBytes',
      options.chunkBytes,
      1400,
      65535 - DATA_HEADER_BYTES - CHECKSUM_BYTES,
    );
    const windowBytes = positiveInteger('windowBytes', options.windowBytes, 65536, 2 ** 30);
    this.windowChunks = Math.ceil(windowBytes / this.chunkBytes);
    this.transfersMax = positiveInteger('transfersMax', options.transfersMax, 4096, 2 ** 20);
    this.responsesMax = positiveInteger(
      'responsesMax',
      options.responsesMax,
      Math.max(1, this.transfersMax >> 2),
      2 ** 20,
    );
    this.sendSlotsMax = this.transfersMax + this.responsesMax;
    this.inboundMax = positiveInteger('inboundMax', options.inboundMax, 4096, 2 ** 20);
    const sendBytesMax = positiveInteger('sendBytesMax', options.sendBytesMax, 2 ** 30, 2 ** 40);
    const responseBytesMax = positiveInteger('responseBytesMax', options.responseBytesMax, sendBytesMax, 2 ** 40);
    const reassemblyBytesMax = positiveInteger('reassemblyBytesMax', options.reassemblyBytesMax, 2 ** 26, 2 ** 40);
    this.receiveWindowChunks = positiveInteger(
      'receiveWindowChunks',
      options.receiveWindowChunks,
      2 * this.windowChunks,
      2 ** 16,
    );
    this.rtoInitialUs = positiveInteger('rtoInitialUs', options.rtoInitialUs, 1000);
    this.rtoFloorUs = positiveInteger('rtoFloorUs', options.rtoFloorUs, 1000);
    this.rtoMaxUs = positiveInteger('rtoMaxUs', options.rtoMaxUs, 200_000);
    this.attemptsMax = positiveInteger('attemptsMax', options.attemptsMax, 10, 30);
    this.responseTimeoutUs = positiveInteger('responseTimeoutUs', options.responseTimeoutUs, 5_000_000);
    this.inboundIdleTimeoutUs = positiveInteger('inboundIdleTimeoutUs', options.inboundIdleTimeoutUs, 5_000_000);
    const ackQueueMax = positiveInteger('ackQueueMax', options.ackQueueMax, 8192, 2 ** 20);
    const outcomeHistoryMax = positiveInteger('outcomeHistoryMax', options.outcomeHistoryMax, 16384, 2 ** 20);
    const completedHistoryMax = positiveInteger('completedHistoryMax', options.completedHistoryMax, 16384, 2 ** 20);

    const S = this.sendSlotsMax;
    const W = this.windowChunks;
    this.sState = new Uint8Array(S);
    this.sPeer = new Int32Array(S);
    this.sTag = new Uint32Array(S);
    this.sFlags = new Uint8Array(S);
    this.sPriority = new Uint8Array(S);
    this.sSize = new Float64Array(S);
    this.sResponseSize = new Float64Array(S);
    this.sChunks = new Int32Array(S);
    this.sNext = new Int32Array(S);
    this.sCumulative = new Int32Array(S);
    this.sRetransmitCursor = new Int32Array(S).fill(-1);
    this.sRetransmits = new Int32Array(S);
    this.sBackoff = new Int32Array(S);
    this.sInReady = new Uint8Array(S);
    this.sCascades = new Uint8Array(S);
    this.sStatus = new Int32Array(S);
    this.sWaiterHead = new Int32Array(S).fill(-1);
    this.sWaiterNext = new Int32Array(S).fill(-1);
    this.sWaiterTail = new Int32Array(S).fill(-1);
    this.sBuffer = new Array<Uint8Array | null>(S).fill(null);
    this.wFlags = new Uint8Array(S * W);
    this.wSentUs = new Float64Array(S * W);
    this.sFree = new Int32Array(S);
    for (let i = 0; i < S; i++) this.sFree[i] = S - 1 - i;
    this.sFreeCount = S;
    this.ownLive = 0;
    this.responsesLive = 0;

    const R = this.inboundMax;
    this.rState = new Uint8Array(R);
    this.rPeer = new Int32Array(R);
    this.rTag = new Uint32Array(R);
    this.rFlags = new Uint8Array(R);
    this.rPriority = new Uint8Array(R);
    this.rSize = new Float64Array(R);
    this.rResponseSize = new Float64Array(R);
    this.rChunkBytes = new Int32Array(R);
    this.rChunks = new Int32Array(R);
    this.rReceived = new Int32Array(R);
    this.rCumulative = new Int32Array(R);
    this.rBuffer = new Array<Uint8Array | null>(R).fill(null);
    this.rBits = new Uint8Array(R * this.receiveWindowChunks);
    this.rFree = new Int32Array(R);
    for (let i = 0; i < R; i++) this.rFree[i] = R - 1 - i;
    this.rFreeCount = R;
    this.heldSlot = -1;

    this.ready = new Int32Array(S);
    this.readyHead = 0;
    this.readyCount = 0;
    this.ackPeer = new Int32Array(ackQueueMax);
    this.ackTag = new Uint32Array(ackQueueMax);
    this.ackFlags = new Uint8Array(ackQueueMax);
    this.ackPriority = new Uint8Array(ackQueueMax);
    this.ackCumulative = new Int32Array(ackQueueMax);
    this.ackChunk = new Int32Array(ackQueueMax);
    this.ackHead = 0;
    this.ackCount = 0;
    this.outTag = new Uint32Array(this.transfersMax);
    this.outStatus = new Int32Array(this.transfersMax);
    this.outRetransmits = new Int32Array(this.transfersMax);
    this.outHead = 0;
    this.outCount = 0;
    this.deliveries = new Int32Array(R);
    this.deliveryHead = 0;
    this.deliveryCount = 0;
    this.resolveStack = new Int32Array(S);

    this.outcomeHistoryTag = new Uint32Array(outcomeHistoryMax);
    this.outcomeHistoryHead = 0;
    this.outcomeHistoryCount = 0;
    this.doneHistoryPeer = new Int32Array(completedHistoryMax);
    this.doneHistoryTag = new Uint32Array(completedHistoryMax);
    this.doneHistoryRole = new Uint8Array(completedHistoryMax);
    this.doneHistoryHead = 0;
    this.doneHistoryCount = 0;

    this.keys = new KeyTable(S + R + outcomeHistoryMax + completedHistoryMax);
    this.timers = new DeadlineHeap(S + R);
    this.srttUs = new Float64Array(this.peersMax);
    this.sendPool = new BufferPool({ bytesMax: sendBytesMax, cachedBytesMax: Math.min(sendBytesMax, 2 ** 28) });
    this.responsePool = new BufferPool({
      bytesMax: responseBytesMax,
      cachedBytesMax: Math.min(responseBytesMax, 2 ** 28),
    });
    this.receivePool = new BufferPool({
      bytesMax: reassemblyBytesMax,
      cachedBytesMax: Math.min(reassemblyBytesMax, 2 ** 28),
    });
    this.dataFields = { flags: 0, chunkBytes: 0, tag: 0, chunk: 0, sizeBytes: 0, responseSizeBytes: 0 };
    this.ackFields = { flags: 0, priority: 0, tag: 0, cumulative: 0, chunk: 0 };
  }

  // ---------------------------------------------------------------------------------------------
  // Application face

  /** Starts a transfer (see {@link SimTransport.submit}); returns 0, or {@link BASELINE_SUBMIT_BACKPRESSURE}. */
  submit(_nowUs: number, request: SimTransferRequest): number {
    // No time needed: the burst starts at the next pollTransmit, which the driver calls after waking.
    const { peer, tag, sizeBytes, responseSizeBytes, priority } = request;
    if (!Number.isInteger(peer) || peer < 0 || peer >= this.peersMax) {
      throw new InvalidArgumentError(`sender-driven submit: peer must be in [0, ${this.peersMax}), got ${peer}`);
    }
    if (!Number.isInteger(tag) || tag < 0 || tag >= 2 ** 32) {
      throw new InvalidArgumentError(`sender-driven submit: tag must be an integer in [0, 2^32), got ${tag}`);
    }
    if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 0 || sizeBytes > 2 ** 31) {
      throw new InvalidArgumentError(`sender-driven submit: sizeBytes must be in [0, 2^31], got ${sizeBytes}`);
    }
    if (!Number.isSafeInteger(responseSizeBytes) || responseSizeBytes < 0 || responseSizeBytes > 2 ** 31) {
      throw new InvalidArgumentError(
        `sender-driven submit: responseSizeBytes must be in [0, 2^31], got ${responseSizeBytes}`,
      );
    }
    if (!Number.isInteger(priority) || priority < 0 || priority > 7) {
      throw new InvalidArgumentError(`sender-driven submit: priority must be in [0, 7], got ${priority}`);
    }
    if (!this.sendPool.fits(sizeBytes)) {
      throw new InvalidArgumentError(
        `sender-driven submit: ${sizeBytes} B can never fit the send budget (sendBytesMax, buffers are powers of two)`,
      );
    }
    if (this.keys.get(-1, tag, ROLE_OWN) >= 0) {
      throw new InvalidArgumentError(`sender-driven submit: tag ${tag} is already in flight`);
    }
    // Every own slot ends in exactly one outcome: keep room for all of them in the outcome ring.
    if (this.ownLive + this.outCount >= this.transfersMax) return BASELINE_SUBMIT_BACKPRESSURE;
    const buffer = this.sendPool.acquire(sizeBytes);
    if (buffer === null) return BASELINE_SUBMIT_BACKPRESSURE;
    fillPayload(tag, false, buffer, 0, sizeBytes);
    const s = this.allocateSend({ peer, tag, flags: 0, priority, sizeBytes, responseSizeBytes, buffer });
    this.ownLive++;
    this.keys.insert(-1, tag, ROLE_OWN, s);
    const dependsOn = request.dependsOnTag;
    this.sCascades[s] = request.dependencyCascades ? 1 : 0;
    if (dependsOn >= 0) {
      const dependency = this.keys.get(-1, dependsOn, ROLE_OWN);
      if (dependency >= 0) {
        this.sState[s] = S_WAITING;
        const tail = this.sWaiterTail[dependency] as number;
        if (tail < 0) this.sWaiterHead[dependency] = s;
        else this.sWaiterNext[tail] = s;
        this.sWaiterTail[dependency] = s;
        return 0;
      }
      const status = this.keys.get(-1, dependsOn, ROLE_OUTCOME);
      if (status > 0 && request.dependencyCascades) {
        this.finishOwn(s, BASELINE_STATUS_DEPENDENCY_FAILED);
        return 0;
      }
    }
    this.startSending(s);
    return 0;
  }

  /** Writes the next outcome into `out`; false when there is none. */
  pollOutcome(out: SimOutcome): boolean {
    if (this.outCount === 0) return false;
    const i = this.outHead;
    out.tag = this.outTag[i] as number;
    out.status = this.outStatus[i] as number;
    out.retransmissions = this.outRetransmits[i] as number;
    this.outHead = (i + 1) % this.transfersMax;
    this.outCount--;
    return true;
  }

  /** Writes the next delivery into `out` (its bytes valid until the next call); false when none. */
  pollDelivery(out: SimDelivery): boolean {
    if (this.heldSlot >= 0) {
      this.freeReceive(this.heldSlot);
      this.heldSlot = -1;
    }
    if (this.deliveryCount === 0) return false;
    const r = this.deliveries[this.deliveryHead] as number;
    this.deliveryHead = (this.deliveryHead + 1) % this.inboundMax;
    this.deliveryCount--;
    this.rState[r] = R_HELD;
    this.heldSlot = r;
    out.peer = this.rPeer[r] as number;
    out.tag = this.rTag[r] as number;
    out.isResponse = ((this.rFlags[r] as number) & FLAG_RESPONSE) !== 0;
    out.bytes = this.rBuffer[r] as Uint8Array;
    out.offset = 0;
    out.length = this.rSize[r] as number;
    return true;
  }

  /** Writes the live state into `out`: all zero once every transfer finished and was polled. */
  stateCounters(out: SimStateCounters): void {
    out.transfers = this.ownLive + this.responsesLive + (this.inboundMax - this.rFreeCount);
    out.buffers = this.sendPool.buffersLent + this.responsePool.buffersLent + this.receivePool.buffersLent;
    out.timers = this.timers.size;
    out.heldBytes = this.sendPool.bytesLent + this.responsePool.bytesLent + this.receivePool.bytesLent;
  }

  // ---------------------------------------------------------------------------------------------
  // Datagram endpoint

  /**
   * Handles one DATA or ACK datagram; never throws on malformed input (it is counted and dropped).
   * Every datagram ends with a 4-byte checksum (see {@link CHECKSUM_BYTES}); a mismatch drops it, as
   * the UDP checksum would on a real network.
   */
  handleDatagram(nowUs: number, bytes: Uint8Array, offset: number, datagramLength: number, peer: number): void {
    const length = datagramLength - CHECKSUM_BYTES;
    if (length < ACK_BYTES || peer < 0 || peer >= this.peersMax) {
      this.stats.malformed++;
      return;
    }
    if (readU32(bytes, offset + length) !== fnv1a32(bytes, offset, length)) {
      this.stats.malformed++;
      return;
    }
    const type = bytes[offset] as number;
    if (type === TYPE_ACK && length === ACK_BYTES) this.handleAck(nowUs, bytes, offset, peer);
    else if (type === TYPE_DATA && length >= DATA_HEADER_BYTES) this.handleData(nowUs, bytes, offset, length, peer);
    else this.stats.malformed++;
  }

  /** Fires every retransmission, response and idle timeout due at `nowUs`. */
  handleTimeout(nowUs: number): void {
    const timers = this.timers;
    while (timers.size > 0 && timers.peekDeadline() <= nowUs) {
      const id = timers.peekId();
      timers.remove(id);
      if (id < this.sendSlotsMax) this.onSendTimeout(id, nowUs);
      else this.onInboundIdle(id - this.sendSlotsMax);
    }
  }

  /** The earliest armed timer, or Infinity. */
  pollTimeoutUs(): number {
    return this.timers.peekDeadline();
  }

  /** Writes the next ACK (first) or DATA datagram, checksum appended; 0 when nothing is ready. */
  pollTransmit(nowUs: number, out: Uint8Array, offset: number, info: TransmitInfo): number {
    const length = this.transmitNext(nowUs, out, offset, info);
    if (length === 0) return 0;
    writeU32(out, offset + length, fnv1a32(out, offset, length));
    return length + CHECKSUM_BYTES;
  }

  private transmitNext(nowUs: number, out: Uint8Array, offset: number, info: TransmitInfo): number {
    if (this.ackCount > 0) return this.transmitAck(out, offset, info);
    while (this.readyCount > 0) {
      const s = this.ready[this.readyHead] as number;
      this.readyHead = (this.readyHead + 1) % this.sendSlotsMax;
      this.readyCount--;
      if (this.sState[s] !== S_SENDING) {
        this.sInReady[s] = 0;
        continue;
      }
      const chunk = this.nextChunkToSend(s);
      if (chunk < 0) {
        this.sInReady[s] = 0;
        continue;
      }
      const length = this.transmitData(nowUs, s, chunk, out, offset, info);
      // Round-robin: a transfer with more to send goes to the back of the ring.
      if (this.hasSomethingToSend(s)) this.pushReady(s);
      else this.sInReady[s] = 0;
      return length;
    }
    return 0;
  }

  // ---------------------------------------------------------------------------------------------
  // Sending

  private allocateSend(fields: {
    peer: number;
    tag: number;
    flags: number;
    priority: number;
    sizeBytes: number;
    responseSizeBytes: number;
    buffer: Uint8Array;
  }): number {
    assert(this.sFreeCount > 0, 'sender-driven: no free outgoing slot');
    const s = this.sFree[--this.sFreeCount] as number;
    this.sPeer[s] = fields.peer;
    this.sTag[s] = fields.tag;
    this.sFlags[s] = fields.flags;
    this.sPriority[s] = fields.priority;
    this.sSize[s] = fields.sizeBytes;
    this.sResponseSize[s] = fields.responseSizeBytes;
    this.sChunks[s] = Math.max(1, Math.ceil(fields.sizeBytes / this.chunkBytes));
    this.sNext[s] = 0;
    this.sCumulative[s] = 0;
    this.sRetransmitCursor[s] = -1;
    this.sRetransmits[s] = 0;
    this.sBackoff[s] = 0;
    this.sStatus[s] = 0;
    this.sWaiterHead[s] = -1;
    this.sWaiterNext[s] = -1;
    this.sWaiterTail[s] = -1;
    this.sBuffer[s] = fields.buffer;
    this.wFlags.fill(0, s * this.windowChunks, (s + 1) * this.windowChunks);
    return s;
  }

  private startSending(s: number): void {
    this.sState[s] = S_SENDING;
    if (this.sInReady[s] === 0) this.pushReady(s);
  }

  private pushReady(s: number): void {
    this.sInReady[s] = 1;
    this.ready[(this.readyHead + this.readyCount) % this.sendSlotsMax] = s;
    this.readyCount++;
  }

  private hasSomethingToSend(s: number): boolean {
    if ((this.sRetransmitCursor[s] as number) >= 0) return true;
    const limit = Math.min((this.sCumulative[s] as number) + this.windowChunks, this.sChunks[s] as number);
    return (this.sNext[s] as number) < limit;
  }

  /** The chunk `s` sends next (a marked retransmission first, then a new one in the window), or −1. */
  private nextChunkToSend(s: number): number {
    const W = this.windowChunks;
    const base = s * W;
    let cursor = this.sRetransmitCursor[s] as number;
    if (cursor >= 0) {
      const next = this.sNext[s] as number;
      if (cursor < (this.sCumulative[s] as number)) cursor = this.sCumulative[s] as number;
      while (cursor < next) {
        const f = this.wFlags[base + (cursor % W)] as number;
        if ((f & W_NEEDS_RETRANSMIT) !== 0 && (f & W_ACKED) === 0) {
          this.sRetransmitCursor[s] = cursor + 1;
          return cursor;
        }
        cursor++;
      }
      this.sRetransmitCursor[s] = -1;
    }
    const limit = Math.min((this.sCumulative[s] as number) + W, this.sChunks[s] as number);
    const next = this.sNext[s] as number;
    if (next < limit) {
      this.sNext[s] = next + 1;
      return next;
    }
    return -1;
  }

  private transmitData(nowUs: number, s: number, chunk: number, out: Uint8Array, offset: number, info: TransmitInfo) {
    const W = this.windowChunks;
    const at = s * W + (chunk % W);
    const size = this.sSize[s] as number;
    const start = chunk * this.chunkBytes;
    const payload = Math.min(this.chunkBytes, size - start);
    const f = this.dataFields;
    f.flags = (this.sFlags[s] as number) | ((this.sPriority[s] as number) << PRIORITY_SHIFT);
    f.chunkBytes = this.chunkBytes;
    f.tag = this.sTag[s] as number;
    f.chunk = chunk;
    f.sizeBytes = size;
    f.responseSizeBytes = this.sResponseSize[s] as number;
    writeDataHeader(out, offset, f);
    const buffer = this.sBuffer[s] as Uint8Array;
    out.set(buffer.subarray(start, start + payload), offset + DATA_HEADER_BYTES);
    const flags = this.wFlags[at] as number;
    if ((flags & W_NEEDS_RETRANSMIT) !== 0) {
      this.wFlags[at] = (flags & ~W_NEEDS_RETRANSMIT) | W_RETRANSMITTED;
      this.sRetransmits[s] = (this.sRetransmits[s] as number) + 1;
      this.stats.dataRetransmitted++;
    } else {
      this.wFlags[at] = W_SENT;
      this.stats.dataSent++;
    }
    this.wSentUs[at] = nowUs;
    this.stats.payloadBytesSent += payload;
    if (this.timers.deadlineOf(s) === Number.POSITIVE_INFINITY) this.timers.set(s, nowUs + this.rtoUs(s));
    info.peer = this.sPeer[s] as number;
    info.priority = this.sPriority[s] as number;
    return DATA_HEADER_BYTES + payload;
  }

  private rtoUs(s: number): number {
    const srtt = this.srttUs[this.sPeer[s] as number] as number;
    const base = srtt === 0 ? this.rtoInitialUs : Math.max(3 * srtt, this.rtoFloorUs);
    return Math.min(Math.ceil(base * 2 ** (this.sBackoff[s] as number)), this.rtoMaxUs);
  }

  private handleAck(nowUs: number, bytes: Uint8Array, offset: number, peer: number): void {
    const flags = (bytes[offset + 1] as number) & FLAG_RESPONSE;
    const tag = readU32(bytes, offset + 4);
    const cumulative = readU32(bytes, offset + 8);
    const chunk = readU32(bytes, offset + 12);
    const s = flags !== 0 ? this.keys.get(peer, tag, ROLE_SEND_RESPONSE) : this.keys.get(-1, tag, ROLE_OWN);
    if (s < 0 || this.sState[s] !== S_SENDING || this.sPeer[s] !== peer) return; // late or stray: ignore
    const next = this.sNext[s] as number;
    if (cumulative > next || chunk >= next) {
      this.stats.malformed++; // acknowledges a chunk never sent
      return;
    }
    const W = this.windowChunks;
    const base = s * W;
    let cum = this.sCumulative[s] as number;
    let progress = false;
    if (chunk >= cum) {
      const at = base + (chunk % W);
      const f = this.wFlags[at] as number;
      if ((f & W_ACKED) === 0) {
        progress = true;
        if ((f & W_RETRANSMITTED) === 0) {
          // Karn: only chunks sent once give RTT samples.
          const sample = nowUs - (this.wSentUs[at] as number);
          const p = peer;
          const srtt = this.srttUs[p] as number;
          this.srttUs[p] = srtt === 0 ? Math.max(sample, 1) : srtt + (Math.max(sample, 1) - srtt) / 8;
        }
        this.wFlags[at] = f | W_ACKED;
      }
    }
    while (cum < cumulative) {
      this.wFlags[base + (cum % W)] = 0;
      cum++;
      progress = true;
    }
    while (cum < next && ((this.wFlags[base + (cum % W)] as number) & W_ACKED) !== 0) {
      this.wFlags[base + (cum % W)] = 0;
      cum++;
    }
    this.sCumulative[s] = cum;
    if (cum === (this.sChunks[s] as number)) {
      this.sendComplete(s, nowUs);
      return;
    }
    if (progress) {
      this.sBackoff[s] = 0;
      this.timers.set(s, cum < next ? nowUs + this.rtoUs(s) : Number.POSITIVE_INFINITY);
    }
    if (this.sInReady[s] === 0 && this.hasSomethingToSend(s)) this.pushReady(s);
  }

  /** Every chunk of `s` is acknowledged. */
  private sendComplete(s: number, nowUs: number): void {
    if (((this.sFlags[s] as number) & FLAG_RESPONSE) !== 0) {
      this.freeSend(s);
      return;
    }
    if ((this.sResponseSize[s] as number) > 0) {
      this.sState[s] = S_AWAITING_RESPONSE;
      this.sendPool.release(this.sBuffer[s] as Uint8Array);
      this.sBuffer[s] = null;
      this.timers.set(s, nowUs + this.responseTimeoutUs);
      return;
    }
    this.finishOwn(s, BASELINE_STATUS_OK);
  }

  private onSendTimeout(s: number, nowUs: number): void {
    const state = this.sState[s];
    if (state === S_AWAITING_RESPONSE) {
      this.stats.transfersTimedOut++;
      this.finishOwn(s, BASELINE_STATUS_TIMEOUT);
      return;
    }
    if (state !== S_SENDING) return;
    this.stats.rtoFired++;
    const backoff = (this.sBackoff[s] as number) + 1;
    if (backoff > this.attemptsMax) {
      if (((this.sFlags[s] as number) & FLAG_RESPONSE) !== 0) {
        this.stats.responsesAbandoned++;
        this.freeSend(s);
      } else {
        this.stats.transfersTimedOut++;
        this.finishOwn(s, BASELINE_STATUS_TIMEOUT);
      }
      return;
    }
    this.sBackoff[s] = backoff;
    const W = this.windowChunks;
    const base = s * W;
    const cum = this.sCumulative[s] as number;
    const next = this.sNext[s] as number;
    for (let c = cum; c < next; c++) {
      const at = base + (c % W);
      const f = this.wFlags[at] as number;
      if ((f & W_ACKED) === 0) this.wFlags[at] = f | W_NEEDS_RETRANSMIT;
    }
    this.sRetransmitCursor[s] = cum;
    this.timers.set(s, nowUs + this.rtoUs(s));
    if (this.sInReady[s] === 0) this.pushReady(s);
  }

  /**
   * Ends own transfer `s` with `status`: queues its outcome, records it for later dependants, and
   * resolves the transfers waiting on it (starting them, or failing them in turn when they cascade).
   */
  private finishOwn(s: number, status: number): void {
    const stack = this.resolveStack;
    this.sStatus[s] = status;
    stack[0] = s;
    let depth = 1;
    while (depth > 0) {
      const x = stack[--depth] as number;
      const xStatus = this.sStatus[x] as number;
      this.pushOutcome(this.sTag[x] as number, xStatus, this.sRetransmits[x] as number);
      if (xStatus !== BASELINE_STATUS_OK && (this.sResponseSize[x] as number) > 0) this.abandonResponse(x);
      let w = this.sWaiterHead[x] as number;
      this.sWaiterHead[x] = -1;
      this.sWaiterTail[x] = -1;
      while (w >= 0) {
        const following = this.sWaiterNext[w] as number;
        this.sWaiterNext[w] = -1;
        if (xStatus !== BASELINE_STATUS_OK && this.sCascades[w] === 1) {
          this.sStatus[w] = BASELINE_STATUS_DEPENDENCY_FAILED;
          stack[depth++] = w;
        } else {
          this.startSending(w);
        }
        w = following;
      }
      this.freeSend(x);
    }
  }

  /** A failed RPC drops its partly received response, so nothing is delivered after the failure. */
  private abandonResponse(s: number): void {
    const peer = this.sPeer[s] as number;
    const tag = this.sTag[s] as number;
    const r = this.keys.get(peer, tag, ROLE_RECV + FLAG_RESPONSE);
    if (r < 0) return;
    this.stats.inboundAbandoned++;
    this.keys.remove(peer, tag, ROLE_RECV + FLAG_RESPONSE);
    this.freeReceive(r);
  }

  private pushOutcome(tag: number, status: number, retransmits: number): void {
    const i = (this.outHead + this.outCount) % this.transfersMax;
    this.outTag[i] = tag;
    this.outStatus[i] = status;
    this.outRetransmits[i] = retransmits;
    this.outCount++;
    // Remember the outcome for transfers submitted later with this tag as their dependency.
    const history = this.outcomeHistoryTag;
    if (this.outcomeHistoryCount === history.length) {
      this.keys.remove(-1, history[this.outcomeHistoryHead] as number, ROLE_OUTCOME);
      this.outcomeHistoryHead = (this.outcomeHistoryHead + 1) % history.length;
      this.outcomeHistoryCount--;
    }
    history[(this.outcomeHistoryHead + this.outcomeHistoryCount) % history.length] = tag;
    this.outcomeHistoryCount++;
    this.keys.insert(-1, tag, ROLE_OUTCOME, status);
  }

  private freeSend(s: number): void {
    const flags = this.sFlags[s] as number;
    const tag = this.sTag[s] as number;
    if ((flags & FLAG_RESPONSE) !== 0) {
      this.keys.remove(this.sPeer[s] as number, tag, ROLE_SEND_RESPONSE);
      this.responsesLive--;
    } else {
      this.keys.remove(-1, tag, ROLE_OWN);
      this.ownLive--;
    }
    this.timers.remove(s);
    const buffer = this.sBuffer[s];
    if (buffer !== null && buffer !== undefined) {
      if ((flags & FLAG_RESPONSE) !== 0) this.responsePool.release(buffer);
      else this.sendPool.release(buffer);
    }
    this.sBuffer[s] = null;
    this.sState[s] = S_FREE; // a stale entry in the ready ring is skipped (sInReady stays set meanwhile)
    this.sFree[this.sFreeCount++] = s;
  }

  // ---------------------------------------------------------------------------------------------
  // Receiving

  private handleData(nowUs: number, bytes: Uint8Array, offset: number, length: number, peer: number): void {
    const flags = (bytes[offset + 1] as number) & FLAG_RESPONSE;
    const priority = ((bytes[offset + 1] as number) >>> PRIORITY_SHIFT) & 7;
    const chunkBytes = (bytes[offset + 2] as number) | ((bytes[offset + 3] as number) << 8);
    const tag = readU32(bytes, offset + 4);
    const chunk = readU32(bytes, offset + 8);
    const size = readU64(bytes, offset + 12);
    const responseSize = readU64(bytes, offset + 20);
    if (chunkBytes === 0 || size > 2 ** 31 || responseSize > 2 ** 31) {
      this.stats.malformed++;
      return;
    }
    const chunks = Math.max(1, Math.ceil(size / chunkBytes));
    const start = chunk * chunkBytes;
    const payload = length - DATA_HEADER_BYTES;
    if (chunk >= chunks || payload !== Math.min(chunkBytes, size - start)) {
      this.stats.malformed++;
      return;
    }
    if (this.keys.get(peer, tag, ROLE_DONE + flags) >= 0) {
      // Already delivered: its acks were lost. Acknowledge everything again, deliver nothing.
      this.stats.dataDuplicate++;
      this.queueAck(peer, tag, flags, priority, chunks, chunk);
      return;
    }
    let r = this.keys.get(peer, tag, ROLE_RECV + flags);
    if (r < 0) {
      if (flags !== 0) {
        const own = this.keys.get(-1, tag, ROLE_OWN);
        const state = own < 0 ? S_FREE : this.sState[own];
        if (
          (state !== S_SENDING && state !== S_AWAITING_RESPONSE) ||
          this.sPeer[own] !== peer ||
          this.sResponseSize[own] !== size
        ) {
          this.stats.dataDroppedUnsolicited++;
          return;
        }
      }
      r = this.allocateReceive(peer, tag, flags, size, chunkBytes);
      if (r < 0) return;
      this.rResponseSize[r] = responseSize;
      this.rPriority[r] = priority;
    } else if (this.rSize[r] !== size || this.rChunkBytes[r] !== chunkBytes || this.rResponseSize[r] !== responseSize) {
      this.stats.malformed++;
      return;
    }
    const RW = this.receiveWindowChunks;
    const cum = this.rCumulative[r] as number;
    const bitAt = r * RW + (chunk % RW);
    if (chunk < cum || this.rBits[bitAt] === 1) {
      this.stats.dataDuplicate++;
      this.queueAck(peer, tag, flags, this.rPriority[r] as number, cum, chunk);
      return;
    }
    if (chunk >= cum + RW) {
      this.stats.dataDroppedBeyondWindow++;
      this.timers.set(this.sendSlotsMax + r, nowUs + this.inboundIdleTimeoutUs);
      return;
    }
    const completes = (this.rReceived[r] as number) + 1 === chunks;
    let responseBuffer: Uint8Array | null = null;
    if (completes && flags === 0 && responseSize > 0) {
      // The echo server must be able to answer before the request counts as received.
      if (this.responsesLive < this.responsesMax) responseBuffer = this.responsePool.acquire(responseSize);
      if (responseBuffer === null) {
        this.stats.dataDroppedResponseBlocked++;
        this.timers.set(this.sendSlotsMax + r, nowUs + this.inboundIdleTimeoutUs);
        return;
      }
    }
    (this.rBuffer[r] as Uint8Array).set(bytes.subarray(offset + DATA_HEADER_BYTES, offset + length), start);
    this.rBits[bitAt] = 1;
    this.rReceived[r] = (this.rReceived[r] as number) + 1;
    let c = cum;
    while (c < chunks && this.rBits[r * RW + (c % RW)] === 1) {
      this.rBits[r * RW + (c % RW)] = 0;
      c++;
    }
    this.rCumulative[r] = c;
    this.queueAck(peer, tag, flags, this.rPriority[r] as number, c, chunk);
    if (!completes) {
      this.timers.set(this.sendSlotsMax + r, nowUs + this.inboundIdleTimeoutUs);
      return;
    }
    this.receiveComplete(r, responseBuffer);
  }

  private allocateReceive(peer: number, tag: number, flags: number, size: number, chunkBytes: number): number {
    if (this.rFreeCount === 0) {
      this.stats.dataDroppedNoInbound++;
      return -1;
    }
    const buffer = this.receivePool.acquire(size);
    if (buffer === null) {
      this.stats.dataDroppedReassemblyFull++;
      return -1;
    }
    const r = this.rFree[--this.rFreeCount] as number;
    this.rState[r] = R_RECEIVING;
    this.rPeer[r] = peer;
    this.rTag[r] = tag;
    this.rFlags[r] = flags;
    this.rSize[r] = size;
    this.rChunkBytes[r] = chunkBytes;
    this.rChunks[r] = Math.max(1, Math.ceil(size / chunkBytes));
    this.rReceived[r] = 0;
    this.rCumulative[r] = 0;
    this.rBuffer[r] = buffer;
    this.rBits.fill(0, r * this.receiveWindowChunks, (r + 1) * this.receiveWindowChunks);
    this.keys.insert(peer, tag, ROLE_RECV + flags, r);
    return r;
  }

  private receiveComplete(r: number, responseBuffer: Uint8Array | null): void {
    const peer = this.rPeer[r] as number;
    const tag = this.rTag[r] as number;
    const flags = this.rFlags[r] as number;
    this.timers.remove(this.sendSlotsMax + r);
    this.keys.remove(peer, tag, ROLE_RECV + flags);
    this.rememberDone(peer, tag, ROLE_DONE + flags);
    this.rState[r] = R_QUEUED;
    this.deliveries[(this.deliveryHead + this.deliveryCount) % this.inboundMax] = r;
    this.deliveryCount++;
    if (flags !== 0) {
      const own = this.keys.get(-1, tag, ROLE_OWN);
      if (own >= 0 && this.sPeer[own] === peer) this.finishOwn(own, BASELINE_STATUS_OK);
      return;
    }
    if (responseBuffer !== null) {
      const size = this.rResponseSize[r] as number;
      fillPayload(tag, true, responseBuffer, 0, size);
      const s = this.allocateSend({
        peer,
        tag,
        flags: FLAG_RESPONSE,
        priority: this.rPriority[r] as number,
        sizeBytes: size,
        responseSizeBytes: 0,
        buffer: responseBuffer,
      });
      this.responsesLive++;
      this.keys.insert(peer, tag, ROLE_SEND_RESPONSE, s);
      this.startSending(s);
    }
  }

  private rememberDone(peer: number, tag: number, role: number): void {
    const n = this.doneHistoryTag.length;
    if (this.doneHistoryCount === n) {
      const h = this.doneHistoryHead;
      this.keys.remove(
        this.doneHistoryPeer[h] as number,
        this.doneHistoryTag[h] as number,
        this.doneHistoryRole[h] as number,
      );
      this.doneHistoryHead = (h + 1) % n;
      this.doneHistoryCount--;
    }
    const i = (this.doneHistoryHead + this.doneHistoryCount) % n;
    this.doneHistoryPeer[i] = peer;
    this.doneHistoryTag[i] = tag;
    this.doneHistoryRole[i] = role;
    this.doneHistoryCount++;
    this.keys.insert(peer, tag, role, 0);
  }

  private onInboundIdle(r: number): void {
    if (this.rState[r] !== R_RECEIVING) return;
    this.stats.inboundAbandoned++;
    this.keys.remove(this.rPeer[r] as number, this.rTag[r] as number, ROLE_RECV + (this.rFlags[r] as number));
    this.freeReceive(r);
  }

  private freeReceive(r: number): void {
    this.timers.remove(this.sendSlotsMax + r);
    const buffer = this.rBuffer[r];
    if (buffer !== null && buffer !== undefined) this.receivePool.release(buffer);
    this.rBuffer[r] = null;
    this.rState[r] = R_FREE;
    this.rFree[this.rFreeCount++] = r;
  }

  private queueAck(peer: number, tag: number, flags: number, priority: number, cumulative: number, chunk: number) {
    const capacity = this.ackPeer.length;
    if (this.ackCount === capacity) {
      this.stats.acksDropped++;
      return;
    }
    const i = (this.ackHead + this.ackCount) % capacity;
    this.ackPeer[i] = peer;
    this.ackTag[i] = tag;
    this.ackFlags[i] = flags;
    this.ackPriority[i] = priority;
    this.ackCumulative[i] = cumulative;
    this.ackChunk[i] = chunk;
    this.ackCount++;
  }

  private transmitAck(out: Uint8Array, offset: number, info: TransmitInfo): number {
    const i = this.ackHead;
    const f = this.ackFields;
    f.flags = this.ackFlags[i] as number;
    f.priority = this.ackPriority[i] as number;
    f.tag = this.ackTag[i] as number;
    f.cumulative = this.ackCumulative[i] as number;
    f.chunk = this.ackChunk[i] as number;
    writeAck(out, offset, f);
    info.peer = this.ackPeer[i] as number;
    info.priority = f.priority;
    this.ackHead = (i + 1) % this.ackPeer.length;
    this.ackCount--;
    this.stats.acksSent++;
    return ACK_BYTES;
  }
}
