/**
 * Delivery-rate sampling, as in the IETF draft "Delivery Rate Estimation"
 * (draft-cheng-iccrg-delivery-rate-estimation) that BBR is built on: each acknowledgement event
 * yields a sample "this many bytes were delivered over this interval", measured between the send
 * and acknowledgement of the newest acknowledged packet and the connection state recorded when
 * that packet was sent.
 *
 * This module owns the connection-side state of the draft (`C.delivered`, `C.delivered_time`,
 * `C.first_sent_time`, `C.app_limited`, plus BBRv3's `C.lost`) and the per-event sample. The
 * per-packet state (`P.*`) lives in the *engine's* memory: the engine gives every sent packet (or
 * DATA chunk — whatever unit it acknowledges) a record of {@link DELIVERY_RECORD_FIELDS} numbers in
 * a Float64Array it owns, this module writes the record on send and reads it on acknowledgement or
 * loss. Doubles hold byte counts and µs times exactly up to 2^53, so no field wraps.
 *
 * Departures from the draft:
 * - The draft marks an acknowledged packet by zeroing `P.delivered_time`; virtual time starts at 0,
 *   so a record has an explicit {@link DeliveryRecordFlag.Settled} flag instead, and acknowledging
 *   or losing a settled record is a no-op (duplicate RANGE_ACKs are harmless).
 * - A record also keeps the bytes in flight when it was sent (`tx_in_flight`) and `C.lost` at that
 *   time, the two numbers BBRv2/v3 need to judge whether loss was caused by too much data in flight.
 * - The RTT sample of an event is taken from the newest acknowledged record *not* marked
 *   {@link DeliveryRecordFlag.Retransmission} (Karn's rule: an ack of a re-sent chunk may answer
 *   either copy).
 *
 * Per acknowledgement event: {@link DeliveryRateEstimator.onPacketAcked} for each newly
 * acknowledged record, then {@link DeliveryRateEstimator.generateSample} once. Nothing allocates.
 *
 * spec: congestion.md#delivery-rate
 */
import { assert } from '../assert.js';

/** Numbers per delivery record; the record of packet k lives at `records[k × 8 … k × 8 + 7]`. */
export const DELIVERY_RECORD_FIELDS = 8;

/**
 * Offsets of the fields of a delivery record (relative to the record's first index). The engine
 * keeps the record from send until the packet is acknowledged or declared lost; it never needs to
 * interpret the fields itself except {@link DeliveryRecordField.Bytes} and
 * {@link DeliveryRecordField.SentTimeUs}, which it may read.
 */
export const DeliveryRecordField = {
  /** `P.delivered`: bytes delivered on the connection when the packet was sent. */
  Delivered: 0,
  /** `P.delivered_time`: `C.delivered_time` when the packet was sent, µs. */
  DeliveredTimeUs: 1,
  /** `P.first_sent_time`: send time of the packet most recently acknowledged when it was sent, µs. */
  FirstSentTimeUs: 2,
  /** `P.sent_time`, µs. */
  SentTimeUs: 3,
  /** Size of the packet in bytes (what counts toward bytes in flight). */
  Bytes: 4,
  /** `P.tx_in_flight`: bytes in flight just after the packet was sent, itself included. */
  TxInFlight: 5,
  /** `P.lost`: bytes declared lost on the connection when the packet was sent. */
  Lost: 6,
  /** Bit set of {@link DeliveryRecordFlag}. */
  Flags: 7,
} as const;

/** Flags of a delivery record. */
export const DeliveryRecordFlag = {
  /** Sent while the sender was application-limited: its rate sample may underestimate the path. */
  AppLimited: 1,
  /** A retransmission (a re-pulled range): acknowledges give no RTT sample (Karn's rule). */
  Retransmission: 2,
  /** Already acknowledged or declared lost: later acknowledgements and losses are ignored. */
  Settled: 4,
} as const;

/**
 * Connection-side delivery-rate state and the sample of the current acknowledgement event. See the
 * module comment for the call order.
 */
export class DeliveryRateEstimator {
  /** `C.delivered`: total bytes acknowledged. */
  deliveredBytes: number;
  /** `C.delivered_time`: time of the last acknowledgement, µs. */
  deliveredTimeUs: number;
  /** `C.first_sent_time`: send time of the newest packet acknowledged so far, µs. */
  firstSentTimeUs: number;
  /** `C.lost`: total bytes declared lost. */
  lostBytes: number;
  /** `C.app_limited`: 0, or the value of `deliveredBytes` after which the app-limited phase ends. */
  appLimitedUntilBytes: number;

  // The sample of the last generateSample(); valid until the next acknowledgement event.
  /** Whether the last event acknowledged at least one packet not settled before. */
  sampleHasData: boolean;
  /** Whether the last {@link DeliveryRateEstimator.generateSample} produced a rate. */
  sampleValid: boolean;
  /** Delivery rate of the last sample, bytes/s (0 when invalid). */
  sampleRateBytesPerSec: number;
  /** Bytes delivered over the sample's interval (`rs.delivered`). */
  sampleDeliveredBytes: number;
  /** The sample's interval, µs: max(send elapsed, ack elapsed). */
  sampleIntervalUs: number;
  /** Whether the sample's newest packet was sent app-limited (`rs.is_app_limited`). */
  sampleAppLimited: boolean;
  /** `P.delivered` of the sample's newest packet (`rs.prior_delivered`): the round-trip marker. */
  samplePriorDeliveredBytes: number;
  /** Bytes in flight when the sample's newest packet was sent (`rs.tx_in_flight`). */
  sampleTxInFlightBytes: number;
  /** RTT of the event (now − send time of the newest non-retransmitted packet), µs; −1 if none. */
  sampleRttUs: number;
  /** Bytes newly acknowledged in the event. */
  sampleAckedBytes: number;

  // Accumulators of the current acknowledgement event.
  private eventHasData: boolean;
  private eventPriorDelivered: number;
  private eventPriorTimeUs: number;
  private eventSendElapsedUs: number;
  private eventAckElapsedUs: number;
  private eventAppLimited: boolean;
  private eventTxInFlight: number;
  private eventNewestSentUs: number;
  private eventRttSentUs: number;
  private eventAckedBytes: number;

  constructor() {
    this.deliveredBytes = 0;
    this.deliveredTimeUs = 0;
    this.firstSentTimeUs = 0;
    this.lostBytes = 0;
    this.appLimitedUntilBytes = 0;
    this.sampleHasData = false;
    this.sampleValid = false;
    this.sampleRateBytesPerSec = 0;
    this.sampleDeliveredBytes = 0;
    this.sampleIntervalUs = 0;
    this.sampleAppLimited = false;
    this.samplePriorDeliveredBytes = 0;
    this.sampleTxInFlightBytes = 0;
    this.sampleRttUs = -1;
    this.sampleAckedBytes = 0;
    this.eventHasData = false;
    this.eventPriorDelivered = 0;
    this.eventPriorTimeUs = 0;
    this.eventSendElapsedUs = 0;
    this.eventAckElapsedUs = 0;
    this.eventAppLimited = false;
    this.eventTxInFlight = 0;
    this.eventNewestSentUs = Number.NEGATIVE_INFINITY;
    this.eventRttSentUs = Number.NEGATIVE_INFINITY;
    this.eventAckedBytes = 0;
  }

  /** Whether the sender is in an app-limited phase (samples are marked app-limited). */
  get isAppLimited(): boolean {
    return this.appLimitedUntilBytes !== 0;
  }

  /**
   * Writes the record of a packet being sent (draft §3.2 "Transmitting a data packet").
   * `bytesInFlight` excludes the packet itself; `flags` may hold
   * {@link DeliveryRecordFlag.Retransmission}.
   */
  onPacketSent(
    nowUs: number,
    bytes: number,
    bytesInFlight: number,
    records: Float64Array,
    offset: number,
    flags: number,
  ): void {
    assert(bytes > 0, 'delivery record of an empty packet');
    assert(offset >= 0 && offset + DELIVERY_RECORD_FIELDS <= records.length, 'delivery record outside its array');
    if (bytesInFlight <= 0) {
      // Nothing in flight: the send and ack clocks restart now, so idle time is not a sample.
      this.firstSentTimeUs = nowUs;
      this.deliveredTimeUs = nowUs;
    }
    records[offset + DeliveryRecordField.Delivered] = this.deliveredBytes;
    records[offset + DeliveryRecordField.DeliveredTimeUs] = this.deliveredTimeUs;
    records[offset + DeliveryRecordField.FirstSentTimeUs] = this.firstSentTimeUs;
    records[offset + DeliveryRecordField.SentTimeUs] = nowUs;
    records[offset + DeliveryRecordField.Bytes] = bytes;
    records[offset + DeliveryRecordField.TxInFlight] = (bytesInFlight > 0 ? bytesInFlight : 0) + bytes;
    records[offset + DeliveryRecordField.Lost] = this.lostBytes;
    records[offset + DeliveryRecordField.Flags] =
      (flags & DeliveryRecordFlag.Retransmission) |
      (this.appLimitedUntilBytes !== 0 ? DeliveryRecordFlag.AppLimited : 0);
  }

  /**
   * Accounts one newly acknowledged packet to the current event (draft §3.3 "UpdateRateSample").
   * Returns its bytes, or 0 if the record was already settled.
   */
  onPacketAcked(nowUs: number, records: Float64Array, offset: number): number {
    assert(offset >= 0 && offset + DELIVERY_RECORD_FIELDS <= records.length, 'delivery record outside its array');
    const flags = records[offset + DeliveryRecordField.Flags] as number;
    if ((flags & DeliveryRecordFlag.Settled) !== 0) return 0;
    records[offset + DeliveryRecordField.Flags] = flags | DeliveryRecordFlag.Settled;
    const bytes = records[offset + DeliveryRecordField.Bytes] as number;
    const sentUs = records[offset + DeliveryRecordField.SentTimeUs] as number;
    this.deliveredBytes += bytes;
    this.deliveredTimeUs = nowUs;
    this.eventAckedBytes += bytes;
    // The newest packet (latest send) defines the sample; ties go to the one processed last.
    if (!this.eventHasData || sentUs >= this.eventNewestSentUs) {
      this.eventHasData = true;
      this.eventNewestSentUs = sentUs;
      this.eventPriorDelivered = records[offset + DeliveryRecordField.Delivered] as number;
      this.eventPriorTimeUs = records[offset + DeliveryRecordField.DeliveredTimeUs] as number;
      this.eventAppLimited = (flags & DeliveryRecordFlag.AppLimited) !== 0;
      this.eventSendElapsedUs = sentUs - (records[offset + DeliveryRecordField.FirstSentTimeUs] as number);
      this.eventAckElapsedUs = nowUs - this.eventPriorTimeUs;
      this.eventTxInFlight = records[offset + DeliveryRecordField.TxInFlight] as number;
      this.firstSentTimeUs = sentUs;
    }
    if ((flags & DeliveryRecordFlag.Retransmission) === 0 && sentUs > this.eventRttSentUs) this.eventRttSentUs = sentUs;
    return bytes;
  }

  /**
   * Accounts a packet declared lost (`C.lost += P.size`). Returns its bytes, or 0 if the record was
   * already settled. The record stays readable (BBR reads its `TxInFlight` and `Lost`).
   */
  onPacketLost(records: Float64Array, offset: number): number {
    assert(offset >= 0 && offset + DELIVERY_RECORD_FIELDS <= records.length, 'delivery record outside its array');
    const flags = records[offset + DeliveryRecordField.Flags] as number;
    if ((flags & DeliveryRecordFlag.Settled) !== 0) return 0;
    records[offset + DeliveryRecordField.Flags] = flags | DeliveryRecordFlag.Settled;
    const bytes = records[offset + DeliveryRecordField.Bytes] as number;
    this.lostBytes += bytes;
    return bytes;
  }

  /**
   * Marks the start of an app-limited phase (draft §3.4): the sender has less to send than the
   * window and pacing allow, so samples until the data now in flight is delivered are app-limited.
   */
  onAppLimited(bytesInFlight: number): void {
    const until = this.deliveredBytes + (bytesInFlight > 0 ? bytesInFlight : 0);
    this.appLimitedUntilBytes = until > 0 ? until : 1;
  }

  /**
   * Ends the acknowledgement event (draft §3.3 "GenerateRateSample") and fills the `sample*`
   * fields. `minRttUs` is the current min RTT; the event's own RTT sample counts if smaller. A
   * sample over an interval shorter than that is discarded, since it would overestimate the rate.
   * Returns whether a rate was produced; the RTT and acked-bytes fields are filled either way.
   */
  generateSample(nowUs: number, minRttUs: number): boolean {
    if (this.appLimitedUntilBytes !== 0 && this.deliveredBytes > this.appLimitedUntilBytes) {
      this.appLimitedUntilBytes = 0;
    }
    this.sampleAckedBytes = this.eventAckedBytes;
    const rttUs = nowUs - this.eventRttSentUs;
    // No RTT when every acked packet was a retransmission, or when time went backwards.
    this.sampleRttUs = rttUs >= 0 && rttUs < Number.POSITIVE_INFINITY ? rttUs : -1;
    this.sampleHasData = this.eventHasData;
    let valid = false;
    if (this.eventHasData) {
      const intervalUs = Math.max(this.eventSendElapsedUs, this.eventAckElapsedUs);
      const delivered = this.deliveredBytes - this.eventPriorDelivered;
      this.sampleDeliveredBytes = delivered;
      this.sampleIntervalUs = intervalUs;
      this.sampleAppLimited = this.eventAppLimited;
      this.samplePriorDeliveredBytes = this.eventPriorDelivered;
      this.sampleTxInFlightBytes = this.eventTxInFlight;
      const floorUs = this.sampleRttUs >= 0 && this.sampleRttUs < minRttUs ? this.sampleRttUs : minRttUs;
      valid = intervalUs > 0 && intervalUs >= floorUs && delivered > 0;
      this.sampleRateBytesPerSec = valid ? (delivered * 1_000_000) / intervalUs : 0;
    } else {
      this.sampleDeliveredBytes = 0;
      this.sampleIntervalUs = 0;
      this.sampleAppLimited = false;
      this.sampleRateBytesPerSec = 0;
      this.sampleTxInFlightBytes = 0;
    }
    this.sampleValid = valid;
    this.eventHasData = false;
    this.eventNewestSentUs = Number.NEGATIVE_INFINITY;
    this.eventRttSentUs = Number.NEGATIVE_INFINITY;
    this.eventAckedBytes = 0;
    return valid;
  }

  /** Whether the event being accumulated has at least one newly acknowledged packet. */
  get eventHasAcks(): boolean {
    return this.eventHasData;
  }

  /** Forgets everything (e.g. the peer's state was reset). */
  reset(): void {
    this.deliveredBytes = 0;
    this.deliveredTimeUs = 0;
    this.firstSentTimeUs = 0;
    this.lostBytes = 0;
    this.appLimitedUntilBytes = 0;
    this.sampleHasData = false;
    this.sampleValid = false;
    this.sampleRateBytesPerSec = 0;
    this.sampleDeliveredBytes = 0;
    this.sampleIntervalUs = 0;
    this.sampleAppLimited = false;
    this.samplePriorDeliveredBytes = 0;
    this.sampleTxInFlightBytes = 0;
    this.sampleRttUs = -1;
    this.sampleAckedBytes = 0;
    this.eventHasData = false;
    this.eventPriorDelivered = 0;
    this.eventPriorTimeUs = 0;
    this.eventSendElapsedUs = 0;
    this.eventAckElapsedUs = 0;
    this.eventAppLimited = false;
    this.eventTxInFlight = 0;
    this.eventNewestSentUs = Number.NEGATIVE_INFINITY;
    this.eventRttSentUs = Number.NEGATIVE_INFINITY;
    this.eventAckedBytes = 0;
  }
}
