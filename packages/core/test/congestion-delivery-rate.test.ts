import { describe, expect, it } from 'vitest';
import {
  DELIVERY_RECORD_FIELDS,
  DeliveryRateEstimator,
  DeliveryRecordField,
  DeliveryRecordFlag,
} from '../src/index.js';

/** A tiny sender: records in a Float64Array, bytes in flight tracked like the engine would. */
class Sender {
  readonly estimator = new DeliveryRateEstimator();
  readonly records = new Float64Array(64 * DELIVERY_RECORD_FIELDS);
  bytesInFlight = 0;

  send(nowUs: number, packet: number, bytes: number, flags = 0): void {
    this.estimator.onPacketSent(nowUs, bytes, this.bytesInFlight, this.records, packet * DELIVERY_RECORD_FIELDS, flags);
    this.bytesInFlight += bytes;
  }

  ack(nowUs: number, packet: number): number {
    const acked = this.estimator.onPacketAcked(nowUs, this.records, packet * DELIVERY_RECORD_FIELDS);
    this.bytesInFlight -= acked;
    return acked;
  }

  lose(packet: number): number {
    const lost = this.estimator.onPacketLost(this.records, packet * DELIVERY_RECORD_FIELDS);
    this.bytesInFlight -= lost;
    return lost;
  }

  field(packet: number, field: number): number {
    return this.records[packet * DELIVERY_RECORD_FIELDS + field] as number;
  }
}

describe('DeliveryRateEstimator', () => {
  it('writes the draft per-packet state into the record', () => {
    const s = new Sender();
    s.send(10, 0, 1000);
    s.send(12, 1, 500, DeliveryRecordFlag.Retransmission);
    expect(s.field(0, DeliveryRecordField.Delivered)).toBe(0);
    expect(s.field(0, DeliveryRecordField.DeliveredTimeUs)).toBe(10); // nothing in flight: clocks restart
    expect(s.field(0, DeliveryRecordField.FirstSentTimeUs)).toBe(10);
    expect(s.field(0, DeliveryRecordField.SentTimeUs)).toBe(10);
    expect(s.field(0, DeliveryRecordField.Bytes)).toBe(1000);
    expect(s.field(0, DeliveryRecordField.TxInFlight)).toBe(1000);
    expect(s.field(0, DeliveryRecordField.Flags)).toBe(0);
    expect(s.field(1, DeliveryRecordField.DeliveredTimeUs)).toBe(10); // still in flight: not restarted
    expect(s.field(1, DeliveryRecordField.SentTimeUs)).toBe(12);
    expect(s.field(1, DeliveryRecordField.TxInFlight)).toBe(1500);
    expect(s.field(1, DeliveryRecordField.Flags)).toBe(DeliveryRecordFlag.Retransmission);
  });

  it('first flight: rate = delivered / max(send elapsed, ack elapsed) per ack', () => {
    // 10 packets of 1000 B sent 1 µs apart from t = 0, each acked 100 µs after it was sent.
    const s = new Sender();
    for (let k = 0; k < 10; k++) s.send(k, k, 1000);
    for (let k = 0; k < 10; k++) {
      s.ack(100 + k, k);
      expect(s.estimator.generateSample(100 + k, 100)).toBe(true);
      // prior state of packet k: delivered 0 at time 0; send elapsed k, ack elapsed 100 + k.
      expect(s.estimator.sampleDeliveredBytes).toBe((k + 1) * 1000);
      expect(s.estimator.sampleIntervalUs).toBe(100 + k);
      expect(s.estimator.sampleRateBytesPerSec).toBeCloseTo(((k + 1) * 1000 * 1e6) / (100 + k), 6);
      expect(s.estimator.sampleRttUs).toBe(100);
      expect(s.estimator.samplePriorDeliveredBytes).toBe(0);
      expect(s.estimator.sampleAckedBytes).toBe(1000);
    }
    expect(s.estimator.deliveredBytes).toBe(10_000);
  });

  it('steady state: a packet sent after acks began measures the ack-clocked rate', () => {
    // Send 1000 B every 10 µs (100 MB/s), RTT 100 µs: in the second flight each sample covers
    // exactly the packets acked since the packet's prior ack.
    const s = new Sender();
    let next = 0;
    const ackAt = new Map<number, number>();
    for (let t = 0; t <= 400; t++) {
      const due = ackAt.get(t);
      if (due !== undefined) {
        s.ack(t, due);
        s.estimator.generateSample(t, 100);
        if (t >= 250) {
          expect(s.estimator.sampleIntervalUs).toBe(100);
          expect(s.estimator.sampleDeliveredBytes).toBe(10_000);
          expect(s.estimator.sampleRateBytesPerSec).toBe(100_000_000);
        }
      }
      if (t % 10 === 0 && t < 300) {
        s.send(t, next % 64, 1000);
        ackAt.set(t + 100, next % 64);
        next++;
      }
    }
  });

  it('an aggregated ack takes the newest packet’s state, whatever the order', () => {
    const s = new Sender();
    for (let k = 0; k < 4; k++) s.send(k * 10, k, 1000);
    // Ack 3, 1, 0, 2 in one event at t = 200.
    for (const k of [3, 1, 0, 2]) s.ack(200, k);
    expect(s.estimator.generateSample(200, 100)).toBe(true);
    expect(s.estimator.sampleDeliveredBytes).toBe(4000);
    // newest = packet 3: sent at 30 with first_sent 0 → send elapsed 30; ack elapsed 200 − 0.
    expect(s.estimator.sampleIntervalUs).toBe(200);
    expect(s.estimator.sampleRttUs).toBe(170);
    expect(s.estimator.sampleAckedBytes).toBe(4000);
    expect(s.estimator.sampleTxInFlightBytes).toBe(4000);
    expect(s.estimator.firstSentTimeUs).toBe(30);
  });

  it('ignores duplicate acks and acks of lost packets; a lost packet counts in C.lost once', () => {
    const s = new Sender();
    s.send(0, 0, 1000);
    s.send(0, 1, 1000);
    expect(s.lose(1)).toBe(1000);
    expect(s.lose(1)).toBe(0);
    expect(s.ack(50, 1)).toBe(0);
    expect(s.estimator.lostBytes).toBe(1000);
    expect(s.ack(50, 0)).toBe(1000);
    expect(s.ack(51, 0)).toBe(0);
    expect(s.estimator.deliveredBytes).toBe(1000);
    s.send(60, 2, 700);
    expect(s.field(2, DeliveryRecordField.Lost)).toBe(1000);
  });

  it('an event with only duplicates produces no sample', () => {
    const s = new Sender();
    s.send(0, 0, 1000);
    s.ack(100, 0);
    s.estimator.generateSample(100, 100);
    s.ack(150, 0);
    expect(s.estimator.generateSample(150, 100)).toBe(false);
    expect(s.estimator.sampleHasData).toBe(false);
    expect(s.estimator.sampleAckedBytes).toBe(0);
    expect(s.estimator.sampleRttUs).toBe(-1);
  });

  it('gives no RTT for retransmissions (Karn) but still a rate', () => {
    const s = new Sender();
    s.send(0, 0, 1000, DeliveryRecordFlag.Retransmission);
    s.ack(80, 0);
    expect(s.estimator.generateSample(80, 50)).toBe(true);
    expect(s.estimator.sampleRttUs).toBe(-1);
    // With a fresh packet in the same event the RTT comes from the fresh one.
    s.send(100, 1, 1000);
    s.send(110, 2, 1000, DeliveryRecordFlag.Retransmission);
    s.ack(200, 1);
    s.ack(200, 2);
    s.estimator.generateSample(200, 50);
    expect(s.estimator.sampleRttUs).toBe(100);
  });

  it('discards a sample whose interval is below min RTT', () => {
    const s = new Sender();
    s.send(0, 0, 1000);
    s.ack(30, 0);
    // The event's own RTT (30) counts as min RTT: interval 30 is accepted although 100 is passed.
    expect(s.estimator.generateSample(30, 100)).toBe(true);
    // A retransmission acked 1 µs after its send (the ack answered the original copy): no RTT
    // sample, interval 1 µs < min RTT 30 — the rate would be absurd, so it is discarded.
    s.send(80, 1, 1000, DeliveryRecordFlag.Retransmission);
    s.ack(81, 1);
    expect(s.estimator.generateSample(81, 30)).toBe(false);
    expect(s.estimator.sampleValid).toBe(false);
    expect(s.estimator.sampleRateBytesPerSec).toBe(0);
    expect(s.estimator.sampleHasData).toBe(true);
  });

  it('excludes idle time: sending with nothing in flight restarts both clocks', () => {
    const s = new Sender();
    s.send(0, 0, 1000);
    s.ack(100, 0);
    s.estimator.generateSample(100, 100);
    // Idle for 1 s, then one packet.
    s.send(1_000_100, 1, 1000);
    s.ack(1_000_200, 1);
    expect(s.estimator.generateSample(1_000_200, 100)).toBe(true);
    expect(s.estimator.sampleIntervalUs).toBe(100);
    expect(s.estimator.sampleRateBytesPerSec).toBe(10_000_000);
  });

  it('marks packets app-limited until the data in flight at that time is delivered', () => {
    const s = new Sender();
    s.send(0, 0, 1000);
    s.send(0, 1, 1000);
    s.estimator.onAppLimited(s.bytesInFlight); // until delivered > 0 + 2000
    expect(s.estimator.isAppLimited).toBe(true);
    s.send(1, 2, 1000);
    expect(s.field(2, DeliveryRecordField.Flags) & DeliveryRecordFlag.AppLimited).toBe(DeliveryRecordFlag.AppLimited);
    s.ack(100, 0);
    s.ack(100, 1);
    s.estimator.generateSample(100, 100);
    expect(s.estimator.sampleAppLimited).toBe(false); // packets 0 and 1 were sent before
    expect(s.estimator.isAppLimited).toBe(true); // delivered 2000 is not > 2000 yet
    s.ack(101, 2);
    s.estimator.generateSample(101, 100);
    expect(s.estimator.sampleAppLimited).toBe(true);
    expect(s.estimator.isAppLimited).toBe(false); // 3000 > 2000: the phase ended
    s.send(102, 3, 1000);
    expect(s.field(3, DeliveryRecordField.Flags) & DeliveryRecordFlag.AppLimited).toBe(0);
    // With nothing in flight the marker is 1, so the next delivery ends it.
    const idle = new DeliveryRateEstimator();
    idle.onAppLimited(0);
    expect(idle.appLimitedUntilBytes).toBe(1);
  });

  it('reset forgets everything', () => {
    const s = new Sender();
    s.send(0, 0, 1000);
    s.ack(10, 0);
    s.estimator.generateSample(10, 10);
    s.estimator.onAppLimited(0);
    s.estimator.reset();
    expect(s.estimator.deliveredBytes).toBe(0);
    expect(s.estimator.lostBytes).toBe(0);
    expect(s.estimator.isAppLimited).toBe(false);
    expect(s.estimator.sampleValid).toBe(false);
    expect(s.estimator.sampleRttUs).toBe(-1);
  });

  it('asserts on records outside the array and on empty packets', () => {
    const s = new Sender();
    expect(() => s.estimator.onPacketSent(0, 1000, 0, s.records, s.records.length, 0)).toThrow();
    expect(() => s.estimator.onPacketSent(0, 0, 0, s.records, 0, 0)).toThrow();
    expect(() => s.estimator.onPacketAcked(0, s.records, -8)).toThrow();
  });
});
