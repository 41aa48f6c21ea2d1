import { BackpressureError, InvalidArgumentError } from '@dcq/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ByteTimeSeries,
  buildRunReport,
  canonicalJson,
  computeSlowdowns,
  fixedSizeBuckets,
  goodputRatio,
  goodputSeries,
  idealCompletionNs,
  idealFromPath,
  linkUtilisation,
  PriorityInversionLog,
  runReportToJson,
  TransferRecords,
  TransferStatus,
  transferTotals,
} from '../src/metrics/index.js';
import { FixedSize, fanOut } from '../src/workloads/index.js';

describe('goodput and utilisation', () => {
  it('goodput is delivered application bytes over all wire bytes', () => {
    expect(goodputRatio(900, 1000)).toBe(0.9);
    expect(goodputRatio(0, 0)).toBeNaN();
    expect(() => goodputRatio(-1, 10)).toThrow(InvalidArgumentError);
    // 25 Gbps for 1 ms carries 3,125,000 bytes per link.
    expect(linkUtilisation({ wireBytes: 3_125_000, linkRateBitsPerSecond: 25e9, durationNs: 1e6 })).toBeCloseTo(1, 12);
    expect(
      linkUtilisation({ wireBytes: 3_125_000, linkRateBitsPerSecond: 25e9, durationNs: 1e6, linkCount: 4 }),
    ).toBeCloseTo(0.25, 12);
  });

  it('totals count failed and pending wire bytes but deliver only completed bytes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            size: fc.integer({ min: 0, max: 1e7 }),
            extraWire: fc.integer({ min: 0, max: 1e6 }),
            status: fc.constantFrom(0, 1, 2, 3, 4),
            retransmissions: fc.integer({ min: 0, max: 50 }),
          }),
          { maxLength: 60 },
        ),
        fc.integer({ min: 0, max: 1e6 }),
        (transfers, unattributed) => {
          const records = new TransferRecords(transfers.length);
          let delivered = 0;
          let wire = unattributed;
          for (const transfer of transfers) {
            const index = records.open({ startNs: 0, sizeBytes: transfer.size });
            records.addWireBytes(index, transfer.size);
            records.addWireBytes(index, transfer.extraWire);
            records.addRetransmissions(index, transfer.retransmissions);
            if (transfer.status !== TransferStatus.Pending) records.close(index, 10, transfer.status as 1);
            if (transfer.status === TransferStatus.Completed) delivered += transfer.size;
            wire += transfer.size + transfer.extraWire;
          }
          const totals = transferTotals(records, unattributed);
          expect(totals.deliveredBytes).toBe(delivered);
          expect(totals.wireBytes).toBe(wire);
          expect(totals.goodput).toBe(wire === 0 ? Number.NaN : delivered / wire);
          expect(totals.retransmissions).toBe(transfers.reduce((sum, t) => sum + t.retransmissions, 0));
          const byStatus = [0, 1, 2, 3, 4].map((status) => transfers.filter((t) => t.status === status).length);
          expect([totals.pending, totals.completed, totals.failed, totals.cancelled, totals.timedOut]).toEqual(
            byStatus,
          );
        },
      ),
    );
  });

  it('time series bin bytes like a naive sum and report bytes outside the window', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ time: fc.integer({ min: -2000, max: 12_000 }), bytes: fc.integer({ min: 0, max: 1500 }) }),
          {
            maxLength: 100,
          },
        ),
        (events) => {
          const series = new ByteTimeSeries({ startNs: 0, binNs: 1000, binCount: 10 });
          for (const event of events) series.add(event.time, event.bytes);
          for (let bin = 0; bin < 10; bin++) {
            const expected = events
              .filter((e) => e.time >= bin * 1000 && e.time < (bin + 1) * 1000)
              .reduce((sum, e) => sum + e.bytes, 0);
            expect(series.bytes[bin]).toBe(expected);
          }
          expect(series.bytesBefore).toBe(events.filter((e) => e.time < 0).reduce((sum, e) => sum + e.bytes, 0));
          expect(series.bytesAfter).toBe(events.filter((e) => e.time >= 10_000).reduce((sum, e) => sum + e.bytes, 0));
        },
      ),
    );
    const wire = new ByteTimeSeries({ binNs: 1e6, binCount: 2 });
    const delivered = new ByteTimeSeries({ binNs: 1e6, binCount: 2 });
    wire.add(10, 3_125_000);
    delivered.add(20, 2_500_000);
    expect(Array.from(wire.utilisation(25e9))).toEqual([1, 0]);
    const goodput = goodputSeries(delivered, wire);
    expect(goodput[0]).toBe(0.8);
    expect(goodput[1]).toBeNaN();
    expect(Array.from(wire.binCentresNs())).toEqual([500_000, 1_500_000]);
    expect(() => goodputSeries(new ByteTimeSeries({ binNs: 5, binCount: 2 }), wire)).toThrow(InvalidArgumentError);
    expect(() => new ByteTimeSeries({ binNs: 0, binCount: 2 })).toThrow(InvalidArgumentError);
  });
});

describe('transfer records', () => {
  it('have a capacity limit and refuse misuse', () => {
    const records = new TransferRecords(1);
    const index = records.open({ startNs: 5, sizeBytes: 10, priority: 2, srcHost: 1, dstHost: 2 });
    expect(records.endNs[index]).toBeNaN();
    expect(() => records.open({ startNs: 0, sizeBytes: 1 })).toThrow(BackpressureError);
    expect(() => records.close(index, 4, TransferStatus.Completed)).toThrow(/before it started/);
    expect(() => records.close(index, 6, TransferStatus.Pending)).toThrow(InvalidArgumentError);
    records.close(index, 6, TransferStatus.Failed);
    expect(() => records.close(index, 7, TransferStatus.Completed)).toThrow(/already closed/);
    expect(() => records.addWireBytes(1, 5)).toThrow(InvalidArgumentError);
    expect(() => records.addWireBytes(0, -5)).toThrow(InvalidArgumentError);
    records.addRetransmissions(0, 0xffffffff);
    records.addRetransmissions(0);
    expect(records.retransmissions[0]).toBe(0xffffffff);
    expect(() => new TransferRecords(-1)).toThrow(InvalidArgumentError);
    expect(() => new TransferRecords(0).open({ startNs: 0, sizeBytes: 1, priority: 9 })).toThrow(BackpressureError);
    expect(() => new TransferRecords(1).open({ startNs: 0, sizeBytes: 1, priority: 9 })).toThrow(InvalidArgumentError);
  });

  it('open one record per workload row (RPC size = request + response)', () => {
    const list = fanOut({
      clientHost: 0,
      peerHosts: [1, 2],
      rpcsPerBurst: 3,
      sizes: new FixedSize(100),
      responseSizes: new FixedSize(20),
      seed: 1,
    });
    const records = TransferRecords.fromTransferList(list);
    expect(records.count).toBe(3);
    expect(Array.from(records.sizeBytes)).toEqual([120, 120, 120]);
    expect(Array.from(records.dstHost)).toEqual([1, 2, 1]);
    expect(Array.from(records.status)).toEqual([0, 0, 0]);
  });
});

describe('slowdown', () => {
  it('ideal completion = propagation + serialization + per-hop last-packet serialization', () => {
    const path = { linkRateBitsPerSecond: 10e9, oneWayPropagationNs: 1000, switchCount: 2, switchLatencyNs: 100 };
    // 3000 B at 10 Gbps = 2400 ns; packets of 1200, 1200, 600: the last (600 B = 480 ns) is re-serialized at 2 switches.
    expect(idealCompletionNs(3000, path)).toBeCloseTo(1000 + 2400 + 2 * (480 + 100), 9);
    // With 40 B headers: wire = 3000 + 3·40 = 3120 B = 2496 ns; last packet 640 B = 512 ns.
    expect(idealCompletionNs(3000, { ...path, packetOverheadBytes: 40 })).toBeCloseTo(1000 + 2496 + 2 * 612, 9);
    // An empty message is still one packet.
    expect(idealCompletionNs(0, { ...path, packetOverheadBytes: 40 })).toBeCloseTo(1000 + 32 + 2 * 132, 9);
    expect(idealCompletionNs(1200, { linkRateBitsPerSecond: 8e9, oneWayPropagationNs: 0, switchCount: 0 })).toBe(1200);
    expect(() => idealCompletionNs(10, { linkRateBitsPerSecond: 0, oneWayPropagationNs: 0 })).toThrow(
      InvalidArgumentError,
    );
  });

  it('slowdown = completion time / ideal for completed transfers, NaN otherwise', () => {
    const records = new TransferRecords(3);
    const path = { linkRateBitsPerSecond: 8e9, oneWayPropagationNs: 500, switchCount: 0 };
    for (let i = 0; i < 3; i++) records.open({ startNs: 100, sizeBytes: 1000 });
    records.close(0, 100 + 1500 * 3, TransferStatus.Completed); // ideal 1500 ns
    records.close(1, 200, TransferStatus.Failed);
    const slowdowns = computeSlowdowns(records, idealFromPath(path));
    expect(slowdowns[0]).toBeCloseTo(3, 12);
    expect(slowdowns[1]).toBeNaN();
    expect(slowdowns[2]).toBeNaN();
    expect(() => computeSlowdowns(records, () => 0)).toThrow(InvalidArgumentError);
  });
});

describe('priority inversions', () => {
  it('are counted per (served, waiting) pair, beyond capacity only in the total', () => {
    const log = new PriorityInversionLog(2);
    log.record({ timeNs: 1, location: 0, servedPriority: 7, waitingPriority: 0 });
    log.record({ timeNs: 2, location: 1, servedPriority: 7, waitingPriority: 0 });
    log.record({ timeNs: 3, location: 1, servedPriority: 3, waitingPriority: 2 });
    const summary = log.summarize();
    expect(summary.total).toBe(3);
    expect(summary.unstored).toBe(1);
    expect(summary.byPair[7 * 8 + 0]).toBe(2);
    expect(summary.byPair.reduce((a, b) => a + b, 0)).toBe(2);
    expect(() => log.record({ timeNs: 4, location: 0, servedPriority: 2, waitingPriority: 2 })).toThrow(
      InvalidArgumentError,
    );
    expect(() => log.record({ timeNs: 4, location: 0, servedPriority: 8, waitingPriority: 2 })).toThrow(
      InvalidArgumentError,
    );
  });
});

describe('run report', () => {
  function sampleRun(): TransferRecords {
    const records = new TransferRecords(4);
    const sizes = [500, 5000, 50_000, 2_000_000];
    sizes.forEach((size, i) => {
      const index = records.open({ startNs: i * 10, sizeBytes: size, priority: i });
      records.addWireBytes(index, size * 1.1);
      if (i < 3) records.close(index, i * 10 + size * 4, TransferStatus.Completed);
    });
    records.addRetransmissions(2, 3);
    return records;
  }

  it('is plain JSON in a fixed key order, identical across builds, with nulls for non-finite numbers', () => {
    const inversions = new PriorityInversionLog(4);
    inversions.record({ timeNs: 1, location: 0, servedPriority: 5, waitingPriority: 1 });
    const build = (): string =>
      runReportToJson(
        buildRunReport({
          name: 'unit',
          transport: 'dcq',
          workload: 'synthetic',
          seed: 9,
          parameters: { zeta: 1, alpha: { b: [1, Number.NaN], a: new Float64Array([2]) }, skipped: undefined },
          durationNs: 1e6,
          records: sampleRun(),
          ideal: idealFromPath({ linkRateBitsPerSecond: 8e9, oneWayPropagationNs: 0, switchCount: 0 }),
          buckets: fixedSizeBuckets(),
          links: { count: 2, rateBitsPerSecond: 8e9 },
          unattributedWireBytes: 100,
          queueDrops: 4,
          inversions,
        }),
      );
    const json = build();
    expect(json).toBe(build());
    const report = JSON.parse(json);
    expect(Object.keys(report)).toEqual([
      'schema',
      'name',
      'transport',
      'workload',
      'seed',
      'parameters',
      'durationNs',
      'transfers',
      'bytes',
      'utilisation',
      'retransmissions',
      'queueDrops',
      'priorityInversions',
      'completionTimeNs',
      'slowdown',
    ]);
    expect(report.parameters).toEqual({ alpha: { a: [2], b: [1, null] }, zeta: 1 });
    expect(Object.keys(report.parameters)).toEqual(['alpha', 'zeta']);
    expect(report.transfers).toEqual({ total: 4, completed: 3, failed: 0, cancelled: 0, timedOut: 0, pending: 1 });
    const wire = (500 + 5000 + 50_000 + 2_000_000) * 1.1 + 100;
    expect(report.bytes.delivered).toBe(55_500);
    expect(report.bytes.wire).toBeCloseTo(wire, 6);
    expect(report.bytes.goodput).toBeCloseTo(55_500 / wire, 12);
    expect(report.utilisation).toBeCloseTo((wire * 8) / (2 * 8e9 * 1e-3), 9);
    expect(report.retransmissions).toBe(3);
    expect(report.queueDrops).toBe(4);
    expect(report.priorityInversions).toEqual({
      total: 1,
      unstored: 0,
      byPair: [{ servedPriority: 5, waitingPriority: 1, count: 1 }],
    });
    // Each completed transfer took 4 ns per byte against an ideal of 1 ns per byte: slowdown 4.
    expect(report.slowdown.overall).toEqual({ count: 3, min: 4, mean: 4, max: 4, p50: 4, p99: 4, 'p99.9': 4 });
    expect(report.slowdown.buckets.map((b: { count: number }) => b.count)).toEqual([1, 1, 1, 0, 0]);
    expect(report.slowdown.buckets[4]).toEqual({
      label: '≥1 MB',
      lowerBytes: 1_000_000,
      upperBytes: null,
      count: 0,
      sizeMinBytes: null,
      sizeMaxBytes: null,
      mean: null,
      p50: null,
      p99: null,
      'p99.9': null,
    });
    expect(report.completionTimeNs.max).toBe(200_000);
    expect(json).not.toMatch(/NaN|Infinity/);
  });

  it('canonicalJson refuses what JSON cannot hold', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/cycle/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(InvalidArgumentError);
    expect(() => canonicalJson(1n)).toThrow(InvalidArgumentError);
    const shared = { a: 1 };
    expect(canonicalJson({ x: shared, y: shared })).toEqual({ x: { a: 1 }, y: { a: 1 } });
  });
});
