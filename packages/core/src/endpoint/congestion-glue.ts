/**
 * The glue between the Endpoint's sender and the per-peer congestion controllers: one
 * {@link BbrController} per peer slot (allocated at construction), the per-peer bytes in flight,
 * and a bounded pool of delivery records — one per DATA chunk sent and not yet acknowledged or
 * declared lost — linked per sender transfer so that a RANGE_ACK, a RETRANSMISSION re-pull or the
 * transfer's end finds its records without a search of the pool.
 *
 * Inputs from the protocol (spec: congestion.md#protocol-inputs):
 * - a RANGE_ACK acknowledges every record of its transfer whose bytes one of its ranges covers
 *   (`onPacketAcked` per chunk, one `onAckEnd` per RANGE_ACK); RANGE_ACK COMPLETE acknowledges
 *   every record of the transfer;
 * - a record still unacknowledged when a record of the same transfer sent
 *   {@link LOSS_REORDER_THRESHOLD} or more chunks later is acknowledged is declared lost (QUIC's
 *   packet threshold: its chunk, or the acknowledgement that covered it, was lost);
 * - a PULL_REQUEST with RETRANSMISSION declares lost every record overlapping its ranges (`onLoss`);
 * - a silent data / tail timer expiry is persistent congestion (`onTimeout`);
 * - the peer's pull queue running dry is app-limited (`onAppLimited`).
 *
 * Outputs: {@link SenderCongestion.windowOpen} gates every DATA chunk (window, record pool, or a
 * tail probe's one-datagram exemption) and {@link SenderCongestion.updatePacing} sets the peer's
 * pacer to min(`sendRateBytesPerSecond`, controller rate, receiver's desired rate).
 *
 * With `congestionControl: false` every method is a cheap no-op and the window is always open (the
 * engine then paces by the two caps only, as before). Nothing allocates after construction.
 *
 * spec: congestion.md#engine-interface, congestion.md#sender-rate
 */
import { assert } from '../assert.js';
import { BbrController } from '../congestion/bbr.js';
import { CONGESTION_ACTION_COUNT, senderPacingRateBytesPerSec } from '../congestion/controller.js';
import { DELIVERY_RECORD_FIELDS, DeliveryRecordField, DeliveryRecordFlag } from '../congestion/delivery-rate.js';
import type { Pacer } from '../pacer.js';
import type { RangeSet } from '../range-set.js';
import type { RangeAckView } from '../wire/pull-messages.js';
import type { EndpointConfig } from './config.js';
import { type EndpointTracer, TraceKind } from './trace.js';

const NONE = -1;

/**
 * A record is declared lost once a record of the same transfer sent this many chunks later is
 * acknowledged (QUIC's kPacketThreshold). spec: congestion.md#engine-glue
 */
export const LOSS_REORDER_THRESHOLD = 3;

/** Options of a {@link SenderCongestion}. */
export interface SenderCongestionOptions {
  /** The endpoint's configuration (limits, caps, `congestionControl`, `ackEveryBytes`). */
  readonly config: EndpointConfig;
  /** The per-peer DATA pacers (owned by the endpoint; this module sets their rates). */
  readonly pacers: readonly Pacer[];
  /** The desired rate of each peer's last PULL_REQUEST, KiB/s (0 = no limit); owned by the endpoint. */
  readonly desiredKiBps: Float64Array;
}

/** Per-peer congestion control of the sender; see the module comment. */
export class SenderCongestion {
  /** Whether controllers are in use (`congestionControl`). */
  readonly enabled: boolean;
  /** Delivery records at most (`congestionRecordsMax`): chunks in flight over all peers. */
  readonly recordsMax: number;
  /** One controller per peer slot (empty when disabled). */
  readonly controllers: BbrController[];
  /** Bytes in flight per peer: chunks sent, not yet acknowledged or declared lost. */
  readonly bytesInFlight: Float64Array;
  /** The records (DELIVERY_RECORD_FIELDS numbers each), owned here, written by the controllers. */
  readonly records: Float64Array;
  /** Chunks acknowledged (records settled by a RANGE_ACK). */
  chunksAcked: number;
  /** Chunks declared lost (RETRANSMISSION re-pulls). */
  chunksLost: number;
  /** Times a DATA send waited for the congestion window. */
  windowStalls: number;
  /** Times a DATA send waited for a free delivery record (the pool bound). */
  recordStalls: number;
  /** Persistent-congestion timeouts reported. */
  timeouts: number;
  /**
   * Receiver side: per receiver slot, the lowest sealed offset received since its last RANGE_ACK
   * (Infinity: none); the next RANGE_ACK starts at the range holding it, so acknowledgements cover
   * the newest chunks. spec: congestion.md#engine-glue
   */
  readonly ackFromOffset: Float64Array;
  /** Receiver side: per peer, when a DATA chunk answering one of our pulls last arrived from it, µs. */
  readonly lastDataUs: Float64Array;
  private readonly pacers: readonly Pacer[];
  private readonly desiredKiBps: Float64Array;
  private readonly capBytesPerSecond: number;
  private readonly recordSlot: Int32Array;
  private readonly recordPeer: Int32Array;
  private readonly recordStart: Float64Array;
  private readonly recordEnd: Float64Array;
  private readonly recordNext: Int32Array;
  private readonly recordSeq: Float64Array;
  // Per-peer doubly linked list of records in send order (oldest first): time-threshold loss.
  private readonly recordPeerNext: Int32Array;
  private readonly recordPeerPrev: Int32Array;
  private readonly peerHead: Int32Array;
  private readonly peerTail: Int32Array;
  private readonly lossTimeMinUs: number;
  /** Per peer: the last acknowledgement event, µs (time-threshold loss waits a loss time after it). */
  private readonly lastAckUs: Float64Array;
  private readonly transferSeq: Float64Array;
  private readonly transferHead: Int32Array;
  private readonly transferTail: Int32Array;
  private readonly probeCredit: Uint8Array;
  private readonly pacingRate: Float64Array;
  private freeHead: number;
  private recordsUsed: number;
  /** Trace subscriber (CONGESTION_ACTION records), or null. */
  private tracer: EndpointTracer | null;
  /** Per peer: the controller's action sequence and counts last traced (CONGESTION_ACTION_COUNT each). */
  private readonly actionSeenSeq: Float64Array;
  private readonly actionSeenCounts: Float64Array;

  constructor(options: SenderCongestionOptions) {
    const config = options.config;
    this.enabled = config.congestionControl;
    this.recordsMax = this.enabled ? config.congestionRecordsMax : 0;
    this.pacers = options.pacers;
    this.desiredKiBps = options.desiredKiBps;
    this.capBytesPerSecond = config.sendRateBytesPerSecond;
    this.controllers = [];
    const peers = config.peersMax;
    if (this.enabled) {
      // The receiver acknowledges every ackEveryBytes (configured alike on both sides): the window
      // must always admit two acknowledgement intervals, or a sender could wait for an ack that the
      // receiver only sends after more data. spec: congestion.md#engine-glue
      const mss = config.datagramSizeMax;
      const ackBytes = config.ackEveryBytes;
      const minCwndBytes = Math.max(4 * mss, 2 * ackBytes);
      for (let peer = 0; peer < peers; peer++) {
        this.controllers.push(
          new BbrController({
            mssBytes: mss,
            minCwndBytes,
            initialCwndBytes: Math.max(10 * mss, 2 * minCwndBytes),
            cwndExtraBytes: Math.max(4 * mss, 2 * ackBytes),
            randomSeed: (config.workerId * 65_537 + peer + 1) >>> 0,
          }),
        );
      }
    }
    this.bytesInFlight = new Float64Array(peers);
    const n = this.recordsMax;
    this.records = new Float64Array(n * DELIVERY_RECORD_FIELDS);
    this.recordSlot = new Int32Array(n).fill(NONE);
    this.recordPeer = new Int32Array(n);
    this.recordStart = new Float64Array(n);
    this.recordEnd = new Float64Array(n);
    this.recordNext = new Int32Array(n);
    this.recordSeq = new Float64Array(n);
    this.recordPeerNext = new Int32Array(n).fill(NONE);
    this.recordPeerPrev = new Int32Array(n).fill(NONE);
    this.peerHead = new Int32Array(peers).fill(NONE);
    this.peerTail = new Int32Array(peers).fill(NONE);
    this.lossTimeMinUs = config.phaseTimeoutMinUs;
    this.lastAckUs = new Float64Array(peers).fill(-1);
    this.transferSeq = new Float64Array(config.transfersMax);
    this.ackFromOffset = new Float64Array(config.transfersMax).fill(Number.POSITIVE_INFINITY);
    for (let i = 0; i < n; i++) this.recordNext[i] = i + 1 < n ? i + 1 : NONE;
    this.freeHead = n > 0 ? 0 : NONE;
    this.recordsUsed = 0;
    this.transferHead = new Int32Array(config.transfersMax).fill(NONE);
    this.transferTail = new Int32Array(config.transfersMax).fill(NONE);
    this.lastDataUs = new Float64Array(peers).fill(-1);
    this.probeCredit = new Uint8Array(peers);
    this.pacingRate = new Float64Array(peers).fill(-1);
    this.chunksAcked = 0;
    this.chunksLost = 0;
    this.windowStalls = 0;
    this.recordStalls = 0;
    this.timeouts = 0;
    this.tracer = null;
    this.actionSeenSeq = new Float64Array(this.enabled ? peers : 0);
    this.actionSeenCounts = new Float64Array(this.enabled ? peers * CONGESTION_ACTION_COUNT : 0);
  }

  /**
   * Sets the trace subscriber: from now on each controller action is traced (CONGESTION_ACTION,
   * peer, action, cwnd, pacing rate) when the pacing is next updated after it.
   */
  setTracer(tracer: EndpointTracer | null): void {
    this.tracer = tracer;
    for (let peer = 0; peer < this.controllers.length; peer++) this.syncActions(peer);
  }

  private syncActions(peer: number): void {
    const controller = this.controllers[peer] as BbrController;
    this.actionSeenSeq[peer] = controller.actionSequence;
    const base = peer * CONGESTION_ACTION_COUNT;
    for (let i = 0; i < CONGESTION_ACTION_COUNT; i++)
      this.actionSeenCounts[base + i] = controller.actionCounts[i] as number;
  }

  /** Traces the actions the peer's controller took since the last check (several may share one input). */
  private traceActions(nowUs: number, peer: number, rate: number, tracer: EndpointTracer): void {
    const controller = this.controllers[peer] as BbrController;
    const seq = controller.actionSequence;
    if (seq === this.actionSeenSeq[peer]) return;
    // A reset zeroes the controller's counts: every count it has now is new.
    const reset = seq < (this.actionSeenSeq[peer] as number);
    const base = peer * CONGESTION_ACTION_COUNT;
    const cwnd = controller.congestionWindowBytes;
    for (let action = 0; action < CONGESTION_ACTION_COUNT; action++) {
      const now = controller.actionCounts[action] as number;
      const seen = reset ? 0 : (this.actionSeenCounts[base + action] as number);
      for (let k = seen; k < now; k++)
        tracer.onTrace(TraceKind.CongestionAction, nowUs, -1, peer, action, cwnd, rate, -1);
    }
    this.syncActions(peer);
  }

  /** Delivery records in use (0 at quiescence). */
  get recordsInUse(): number {
    return this.recordsUsed;
  }

  /** Sum over peers of how often each congestion action happened (index = CongestionAction). */
  actionTotal(action: number): number {
    if (!(action >= 0 && action < CONGESTION_ACTION_COUNT)) return 0;
    let total = 0;
    for (let i = 0; i < this.controllers.length; i++) {
      total += (this.controllers[i] as BbrController).actionCounts[action] as number;
    }
    return total;
  }

  /** The peer's slot became (again) a new peer: fresh controller, nothing in flight. */
  resetPeer(nowUs: number, peer: number): void {
    this.probeCredit[peer] = 0;
    this.pacingRate[peer] = -1;
    this.lastAckUs[peer] = -1;
    if (!this.enabled) return;
    (this.controllers[peer] as BbrController).reset(nowUs);
    if (this.tracer !== null) {
      // The fresh controller's actions (EnterStartup) are all new to the trace.
      this.actionSeenSeq[peer] = -1;
      this.actionSeenCounts.fill(0, peer * CONGESTION_ACTION_COUNT, (peer + 1) * CONGESTION_ACTION_COUNT);
    }
  }

  /**
   * Whether one more DATA chunk may leave for `peer` now: the window has room and a record is free,
   * or a tail probe's one-datagram exemption is pending. Counts the stall when not.
   * spec: congestion.md#sender-rate
   */
  windowOpen(peer: number): boolean {
    if (!this.enabled || this.probeCredit[peer] === 1) return true;
    return this.windowRoom(peer);
  }

  /**
   * {@link windowOpen} for the first chunk of a datagram: first declares lost the peer's records
   * unacknowledged for the loss time (time threshold: a lost chunk, or a lost acknowledgement, must
   * not hold the window). `srttUs` is the peer's smoothed RTT. spec: congestion.md#engine-glue
   */
  windowOpenAt(nowUs: number, peer: number, srttUs: number): boolean {
    if (!this.enabled || this.probeCredit[peer] === 1) return true;
    const lossTimeUs = this.lossTimeUsFor(srttUs);
    let lost = 0;
    // Acknowledgements still flowing: the packet threshold judges loss (queueing is not loss).
    for (; nowUs - (this.lastAckUs[peer] as number) >= lossTimeUs; ) {
      const record = this.peerHead[peer] as number;
      if (record === NONE) break;
      const sentUs = this.records[record * DELIVERY_RECORD_FIELDS + DeliveryRecordField.SentTimeUs] as number;
      if (nowUs - sentUs < lossTimeUs) break;
      this.settleAnywhere(nowUs, peer, record);
      lost++;
    }
    if (lost > 0) this.endAck(nowUs, peer);
    return this.windowRoom(peer);
  }

  /** When the peer's oldest record reaches the loss time (Infinity: none in flight), µs. */
  lossDeadlineUs(peer: number, srttUs: number): number {
    const record = this.enabled ? (this.peerHead[peer] as number) : NONE;
    if (record === NONE) return Number.POSITIVE_INFINITY;
    const sentUs = this.records[record * DELIVERY_RECORD_FIELDS + DeliveryRecordField.SentTimeUs] as number;
    const ackUs = this.lastAckUs[peer] as number;
    return (sentUs > ackUs ? sentUs : ackUs) + this.lossTimeUsFor(srttUs);
  }

  private lossTimeUsFor(srttUs: number): number {
    const twice = 2 * srttUs;
    return twice > this.lossTimeMinUs ? twice : this.lossTimeMinUs;
  }

  /** Declares `record` lost, wherever it sits in its transfer's list. */
  private settleAnywhere(nowUs: number, peer: number, record: number): void {
    const slot = this.recordSlot[record] as number;
    let prev = NONE;
    for (let r = this.transferHead[slot] as number; r !== record; r = this.recordNext[r] as number) {
      assert(r !== NONE, 'delivery record missing from its transfer');
      prev = r;
    }
    this.settle(nowUs, peer, slot, record, prev, false);
  }

  private windowRoom(peer: number): boolean {
    if (this.freeHead === NONE) {
      this.recordStalls++;
      return false;
    }
    if (!(this.controllers[peer] as BbrController).canSend(this.bytesInFlight[peer] as number)) {
      this.windowStalls++;
      return false;
    }
    return true;
  }

  /** A tail probe is due: its datagram may leave even with the window full (like TCP's RTO probe). */
  allowProbe(peer: number): void {
    if (this.enabled) this.probeCredit[peer] = 1;
  }

  /** A DATA datagram left for `peer` (ends a pending probe exemption). */
  onDatagramSent(peer: number): void {
    this.probeCredit[peer] = 0;
  }

  /**
   * A chunk `[start, end)` of sender transfer `slot` left for `peer`. `retransmission`: those bytes
   * were sent before (no RTT sample from their acknowledgement). Untracked when the pool is empty
   * (only a probe can get here then).
   */
  onChunkSent(nowUs: number, peer: number, slot: number, start: number, end: number, retransmission: boolean): void {
    if (!this.enabled) return;
    const record = this.freeHead;
    if (record === NONE) return;
    this.freeHead = this.recordNext[record] as number;
    this.recordsUsed++;
    const bytes = end - start;
    const controller = this.controllers[peer] as BbrController;
    controller.onPacketSent(
      nowUs,
      bytes,
      this.bytesInFlight[peer] as number,
      this.records,
      record * DELIVERY_RECORD_FIELDS,
      retransmission ? DeliveryRecordFlag.Retransmission : 0,
    );
    this.bytesInFlight[peer] = (this.bytesInFlight[peer] as number) + bytes;
    this.recordSlot[record] = slot;
    this.recordPeer[record] = peer;
    this.recordStart[record] = start;
    this.recordEnd[record] = end;
    this.recordNext[record] = NONE;
    const seq = this.transferSeq[slot] as number;
    this.recordSeq[record] = seq;
    this.transferSeq[slot] = seq + 1;
    const tail = this.transferTail[slot] as number;
    if (tail === NONE) this.transferHead[slot] = record;
    else this.recordNext[tail] = record;
    this.transferTail[slot] = record;
    const peerTail = this.peerTail[peer] as number;
    this.recordPeerPrev[record] = peerTail;
    this.recordPeerNext[record] = NONE;
    if (peerTail === NONE) this.peerHead[peer] = record;
    else this.recordPeerNext[peerTail] = record;
    this.peerTail[peer] = record;
  }

  /**
   * A RANGE_ACK (not COMPLETE) for sender transfer `slot`: every record its ranges cover is
   * acknowledged, then the acknowledgement event ends. Returns whether anything was acknowledged.
   */
  onRangeAck(nowUs: number, peer: number, slot: number, view: RangeAckView): boolean {
    if (!this.enabled) return false;
    const offsets = view.rangeOffsets;
    const lengths = view.rangeLengths;
    const count = view.rangeCount;
    let acked = 0;
    let ackedSeqMax = -1;
    let prev = NONE;
    let record = this.transferHead[slot] as number;
    while (record !== NONE) {
      const next = this.recordNext[record] as number;
      const start = this.recordStart[record] as number;
      const end = this.recordEnd[record] as number;
      let covered = false;
      for (let i = 0; i < count; i++) {
        const s = offsets[i] as number;
        if (s > start) break; // ranges ascend: none further can start at or before `start`
        if (s + (lengths[i] as number) >= end) {
          covered = true;
          break;
        }
      }
      if (covered) {
        const seq = this.recordSeq[record] as number;
        if (seq > ackedSeqMax) ackedSeqMax = seq;
        this.settle(nowUs, peer, slot, record, prev, true);
        acked++;
      } else {
        prev = record;
      }
      record = next;
    }
    if (acked === 0) return false;
    // Packet threshold: older records still unacknowledged were lost (or their acknowledgement was).
    const lostBelow = ackedSeqMax - LOSS_REORDER_THRESHOLD;
    prev = NONE;
    record = this.transferHead[slot] as number;
    while (record !== NONE) {
      const next = this.recordNext[record] as number;
      if ((this.recordSeq[record] as number) <= lostBelow) this.settle(nowUs, peer, slot, record, prev, false);
      else prev = record;
      record = next;
    }
    this.endAck(nowUs, peer);
    return true;
  }

  /**
   * Receiver side: whether the peer sent us DATA (for any transfer) after `sinceUs`. A pull timer
   * expiring while it did is not a loss: the peer is serving pulls, ours waits its turn behind its
   * window and pacing. spec: congestion.md#engine-glue
   */
  peerSentDataSince(peer: number, sinceUs: number): boolean {
    return (this.lastDataUs[peer] as number) > sinceUs;
  }

  /** Receiver side: bytes from `start` of receiver `slot` arrived (they are in the next RANGE_ACK). */
  noteReceived(slot: number, start: number): void {
    if (start < (this.ackFromOffset[slot] as number)) this.ackFromOffset[slot] = start;
  }

  /**
   * Receiver side: index of the first range of `received` the next RANGE_ACK of `slot` carries
   * (the range holding the oldest byte received since the last one; with nothing new, the last
   * `rangesMax` ranges), and forgets what was noted.
   */
  ackFirstRange(slot: number, received: RangeSet, rangesMax: number): number {
    const from = this.ackFromOffset[slot] as number;
    this.ackFromOffset[slot] = Number.POSITIVE_INFINITY;
    const count = received.count;
    const last = count > rangesMax ? count - rangesMax : 0;
    if (from === Number.POSITIVE_INFINITY) return last;
    for (let i = 0; i < count; i++) {
      if (received.endAt(i) > from) return i;
    }
    return last;
  }

  /** RANGE_ACK COMPLETE (or a transfer otherwise known delivered): every record is acknowledged. */
  onTransferAcked(nowUs: number, peer: number, slot: number): void {
    if (!this.enabled) return;
    if ((this.transferHead[slot] as number) === NONE) return;
    for (let record = this.transferHead[slot] as number; record !== NONE; record = this.transferHead[slot] as number) {
      this.settle(nowUs, peer, slot, record, NONE, true);
    }
    this.endAck(nowUs, peer);
  }

  /**
   * A PULL_REQUEST with RETRANSMISSION for `slot` re-pulls `[start, end)`: every record overlapping
   * it is declared lost. spec: congestion.md#protocol-inputs (loss)
   */
  onRepull(nowUs: number, peer: number, slot: number, start: number, end: number): void {
    if (!this.enabled) return;
    let prev = NONE;
    let record = this.transferHead[slot] as number;
    while (record !== NONE) {
      const next = this.recordNext[record] as number;
      if ((this.recordStart[record] as number) < end && (this.recordEnd[record] as number) > start) {
        this.settle(nowUs, peer, slot, record, prev, false);
      } else {
        prev = record;
      }
      record = next;
    }
  }

  /**
   * The data (or tail) timer of sender transfer `slot` expired: its records sent before
   * `sentBeforeUs` (when the timer was armed, at least one timeout ago) are declared lost — a
   * record whose chunk or acknowledgement was lost must not hold the window for ever. Returns
   * whether any was. spec: congestion.md#engine-glue
   */
  onDataTimer(nowUs: number, peer: number, slot: number, sentBeforeUs: number): boolean {
    if (!this.enabled) return false;
    let lost = 0;
    let prev = NONE;
    let record = this.transferHead[slot] as number;
    while (record !== NONE) {
      const next = this.recordNext[record] as number;
      if ((this.records[record * DELIVERY_RECORD_FIELDS + DeliveryRecordField.SentTimeUs] as number) < sentBeforeUs) {
        this.settle(nowUs, peer, slot, record, prev, false);
        lost++;
      } else {
        prev = record;
      }
      record = next;
    }
    return lost > 0;
  }

  /** A silent data or tail timer expiry: persistent congestion. spec: congestion.md#timeout */
  onTimeout(nowUs: number, peer: number): void {
    if (!this.enabled) return;
    this.timeouts++;
    (this.controllers[peer] as BbrController).onTimeout(nowUs);
    this.updatePacing(nowUs, peer);
  }

  /** The peer's pulled data ran out while the window was open: its samples are app-limited. */
  onAppLimited(peer: number): void {
    if (!this.enabled) return;
    const controller = this.controllers[peer] as BbrController;
    const inFlight = this.bytesInFlight[peer] as number;
    if (controller.canSend(inFlight)) controller.onAppLimited(inFlight);
  }

  /** The transfer ended: its records are dropped (no signal: an ended transfer says nothing of the path). */
  releaseTransfer(slot: number): void {
    this.transferSeq[slot] = 0;
    this.ackFromOffset[slot] = Number.POSITIVE_INFINITY;
    if (!this.enabled) return;
    for (let record = this.transferHead[slot] as number; record !== NONE; record = this.transferHead[slot] as number) {
      const peer = this.recordPeer[record] as number;
      this.bytesInFlight[peer] =
        (this.bytesInFlight[peer] as number) -
        (this.records[record * DELIVERY_RECORD_FIELDS + DeliveryRecordField.Bytes] as number);
      this.unlink(slot, record, NONE);
    }
  }

  /**
   * Sets the peer's pacer to min(`sendRateBytesPerSecond`, controller rate, desired rate of the
   * receiver's last PULL_REQUEST). spec: congestion.md#sender-rate
   */
  updatePacing(nowUs: number, peer: number): void {
    const desired = this.desiredKiBps[peer] as number;
    const cap = this.capBytesPerSecond;
    let rate: number;
    if (this.enabled) {
      const controllerRate = (this.controllers[peer] as BbrController).pacingRateBytesPerSec;
      rate = senderPacingRateBytesPerSec(controllerRate < cap ? controllerRate : cap, desired);
    } else {
      rate = senderPacingRateBytesPerSec(cap, desired);
    }
    if (this.tracer !== null && this.enabled) this.traceActions(nowUs, peer, rate, this.tracer);
    if (rate === this.pacingRate[peer]) return;
    this.pacingRate[peer] = rate;
    this.pacers[peer]?.setRate(nowUs, rate);
  }

  private endAck(nowUs: number, peer: number): void {
    this.lastAckUs[peer] = nowUs;
    (this.controllers[peer] as BbrController).onAckEnd(nowUs, this.bytesInFlight[peer] as number);
    this.updatePacing(nowUs, peer);
  }

  private settle(nowUs: number, peer: number, slot: number, record: number, prev: number, acked: boolean): void {
    const controller = this.controllers[peer] as BbrController;
    const at = record * DELIVERY_RECORD_FIELDS;
    if (acked) {
      controller.onPacketAcked(nowUs, this.records, at);
      this.chunksAcked++;
    } else {
      controller.onLoss(nowUs, this.records, at);
      this.chunksLost++;
    }
    this.bytesInFlight[peer] =
      (this.bytesInFlight[peer] as number) - (this.records[at + DeliveryRecordField.Bytes] as number);
    this.unlink(slot, record, prev);
  }

  /** Unlinks `record` (whose predecessor in the transfer's list is `prev`) and frees it. */
  private unlink(slot: number, record: number, prev: number): void {
    assert(this.recordSlot[record] === slot, 'delivery record of another transfer');
    const next = this.recordNext[record] as number;
    if (prev === NONE) this.transferHead[slot] = next;
    else this.recordNext[prev] = next;
    if (this.transferTail[slot] === record) this.transferTail[slot] = prev;
    const peer = this.recordPeer[record] as number;
    const peerPrev = this.recordPeerPrev[record] as number;
    const peerNext = this.recordPeerNext[record] as number;
    if (peerPrev === NONE) this.peerHead[peer] = peerNext;
    else this.recordPeerNext[peerPrev] = peerNext;
    if (peerNext === NONE) this.peerTail[peer] = peerPrev;
    else this.recordPeerPrev[peerNext] = peerPrev;
    this.recordSlot[record] = NONE;
    this.recordNext[record] = this.freeHead;
    this.freeHead = record;
    this.recordsUsed--;
  }
}
