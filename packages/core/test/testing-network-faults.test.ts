import { describe, expect, it } from 'vitest';
import type { DatagramEndpoint } from '../src/endpoint-io.js';
import {
  gilbertElliottFromBurst,
  type LinkUpdate,
  TestNetwork,
  type TestNetworkOptions,
  type TraceEntry,
  TraceKind,
} from '../src/testing/index.js';
import { EchoEndpoint, PingEndpoint, SinkEndpoint, StreamEndpoint } from './testing-fakes.js';

const TRACE_CAPACITY = 1 << 17;

/** Expects a binomial count to be within 5σ of n·p. */
function expectBinomial(observed: number, n: number, p: number): void {
  const sigma = Math.sqrt(n * p * (1 - p));
  expect(Math.abs(observed - n * p)).toBeLessThanOrEqual(5 * sigma);
}

/** One stream 0 → 1 of `count` datagrams, one per µs, over a link configured with `link`. */
function streamRun(
  seed: number,
  link: LinkUpdate,
  count: number,
  extra: Partial<TestNetworkOptions> = {},
): { net: TestNetwork; sink: SinkEndpoint } {
  const sender = new StreamEndpoint({ self: 0, peer: 1, count, intervalUs: 1, length: 48 });
  const sink = new SinkEndpoint();
  const net = new TestNetwork({
    endpoints: [sender, sink],
    seed,
    link,
    traceCapacity: TRACE_CAPACITY,
    inFlightMax: 4096,
    ...extra,
  });
  expect(net.runUntilIdle(100_000_000)).toBe(true);
  return { net, sink };
}

function idsOf(entries: readonly TraceEntry[], kind: TraceKind): number[] {
  return entries.filter((e) => e.kind === kind).map((e) => e.datagramId);
}

/** Lengths of the runs of consecutive lost sequence numbers among 0 .. count − 1. */
function lossRuns(received: ReadonlySet<number>, count: number): number[] {
  const runs: number[] = [];
  let run = 0;
  for (let seq = 0; seq < count; seq++) {
    if (received.has(seq)) {
      if (run > 0) runs.push(run);
      run = 0;
    } else {
      run++;
    }
  }
  if (run > 0) runs.push(run);
  return runs;
}

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

describe('TestNetwork: loss', () => {
  it('uniform loss: exact count for the seed, within 5σ of n·p', () => {
    const count = 20_000;
    const { net, sink } = streamRun(12345, { lossProbability: 0.1 }, count);
    const lost = count - sink.arrivals.length;
    expect(net.stats().droppedLoss).toBe(lost);
    expectBinomial(lost, count, 0.1);
    expect(lost).toBe(2013); // pinned: the generator and its draw order are part of the contract
    expect(idsOf(net.traceEntries(), TraceKind.DropLoss)).toHaveLength(lost);
    // Another seed loses other datagrams.
    const other = streamRun(54321, { lossProbability: 0.1 }, count);
    expect(other.sink.arrivals.map((a) => a.seq)).not.toEqual(sink.arrivals.map((a) => a.seq));
  });

  it('Gilbert–Elliott loss comes in bursts of the configured mean length', () => {
    const count = 50_000;
    const burstLoss = gilbertElliottFromBurst({ lossRate: 0.05, meanBurstLength: 4 });
    expect(burstLoss.badToGoodProbability).toBe(0.25);
    const { net, sink } = streamRun(777, { burstLoss }, count);
    const received = new Set(sink.arrivals.map((a) => a.seq));
    const lost = count - received.size;
    expect(net.stats().droppedBurstLoss).toBe(lost);
    expect(lost).toBe(2610); // pinned for the seed
    // Loss count of a two-state Markov channel: variance n·π(1−π)·(1+ρ)/(1−ρ), ρ = 1 − g − b.
    const rho = 1 - burstLoss.goodToBadProbability - burstLoss.badToGoodProbability;
    const sigma = Math.sqrt(count * 0.05 * 0.95 * ((1 + rho) / (1 - rho)));
    expect(Math.abs(lost - count * 0.05)).toBeLessThanOrEqual(5 * sigma);
    // Bad-state runs are geometric with mean 4 and variance (1 − b)/b² = 12.
    const runs = lossRuns(received, count);
    const sigmaMean = Math.sqrt(12 / runs.length);
    expect(Math.abs(mean(runs) - 4)).toBeLessThanOrEqual(5 * sigmaMean);
    // Uniform loss at the same rate has runs of mean ≈ 1/(1 − p) ≈ 1.05.
    const uniform = streamRun(777, { lossProbability: 0.05 }, count);
    const uniformRuns = lossRuns(new Set(uniform.sink.arrivals.map((a) => a.seq)), count);
    expect(mean(uniformRuns)).toBeLessThan(1.2);
  });

  it('honours per-state loss probabilities and restarts in the good state when reconfigured', () => {
    // Never leaves the good state, which loses 20%: behaves like uniform loss.
    const count = 20_000;
    const burstLoss = { goodToBadProbability: 0, badToGoodProbability: 1, lossProbabilityGood: 0.2 };
    const { net } = streamRun(3, { burstLoss }, count);
    expectBinomial(net.stats().droppedBurstLoss, count, 0.2);
    expect(net.getLink(0, 1).burstLoss).toEqual({ ...burstLoss, lossProbabilityBad: 1 });
    // Always bad, losing everything: nothing arrives.
    const blackHole = streamRun(3, { burstLoss: { goodToBadProbability: 1, badToGoodProbability: 0 } }, 100);
    expect(blackHole.sink.arrivals.length).toBe(1); // the first datagram leaves in the good state
  });

  it('decisions are independent of other faults and of traffic on other links', () => {
    const count = 5000;
    const lossOnly = streamRun(99, { lossProbability: 0.1 }, count);
    const everything = streamRun(
      99,
      {
        lossProbability: 0.1,
        jitter: 'exponential',
        jitterUs: 30,
        duplicateProbability: 0.2,
        corruptProbability: 0.2,
        reorderProbability: 0.2,
      },
      count,
    );
    expect(idsOf(everything.net.traceEntries(), TraceKind.DropLoss)).toEqual(
      idsOf(lossOnly.net.traceEntries(), TraceKind.DropLoss),
    );

    // Stream 2 → 3 loses the same datagrams whether or not 0 → 1 carries lossy traffic too.
    const lostOn23 = (withCrossTraffic: boolean): number[] => {
      const sink = new SinkEndpoint();
      const endpoints: DatagramEndpoint[] = [
        new StreamEndpoint({ self: 0, peer: 1, count: withCrossTraffic ? 3000 : 0, intervalUs: 1, length: 48 }),
        new SinkEndpoint(),
        new StreamEndpoint({ self: 2, peer: 3, count: 3000, intervalUs: 1, length: 48 }),
        sink,
      ];
      const net = new TestNetwork({ endpoints, seed: 5, link: { lossProbability: 0.2 }, inFlightMax: 4096 });
      net.runUntilIdle(1_000_000);
      const received = new Set(sink.arrivals.map((a) => a.seq));
      return Array.from({ length: 3000 }, (_, seq) => seq).filter((seq) => !received.has(seq));
    };
    expect(lostOn23(true)).toEqual(lostOn23(false));
  });
});

describe('TestNetwork: duplication, reordering, corruption, jitter', () => {
  it('duplicates at the configured rate; copies are separate buffers', () => {
    const count = 20_000;
    const { net, sink } = streamRun(4242, { duplicateProbability: 0.1 }, count);
    const duplicated = net.stats().duplicated;
    expectBinomial(duplicated, count, 0.1);
    expect(duplicated).toBe(1961); // pinned for the seed
    expect(sink.arrivals.length).toBe(count + duplicated);
    // The sink scribbles over every input: both copies must still arrive intact.
    expect(sink.arrivals.every((a) => a.intact)).toBe(true);
    const seen = new Map<number, number>();
    for (const a of sink.arrivals) seen.set(a.seq, (seen.get(a.seq) ?? 0) + 1);
    const twice = [...seen.entries()].filter(([, n]) => n === 2).map(([seq]) => seq);
    expect(twice.sort((a, b) => a - b)).toEqual(idsOf(net.traceEntries(), TraceKind.Duplicate));
  });

  it('reorders at the configured rate: a reordered datagram is overtaken by its successors', () => {
    const count = 20_000;
    const { net, sink } = streamRun(31337, { reorderProbability: 0.1, reorderDelayUs: 5, delayUs: 10 }, count);
    const reordered = net.stats().reordered;
    expectBinomial(reordered, count, 0.1);
    const reorderedIds = new Set(idsOf(net.traceEntries(), TraceKind.Reorder));
    expect(reorderedIds.size).toBe(reordered);
    // Datagram seq is sent at time seq: arrival at seq + 10, or seq + 15 when reordered.
    for (const a of sink.arrivals) expect(a.timeUs).toBe(a.seq + (reorderedIds.has(a.seq) ? 15 : 10));
    let highest = -1;
    let late = 0;
    for (const a of sink.arrivals) {
      if (a.seq < highest) {
        late++;
        expect(reorderedIds.has(a.seq)).toBe(true);
      }
      highest = Math.max(highest, a.seq);
    }
    expect(late).toBeGreaterThan(reordered * 0.9);
  });

  it('corrupts at the configured rate by flipping exactly one bit', () => {
    const count = 20_000;
    const { net, sink } = streamRun(8, { corruptProbability: 0.1 }, count, { hashEvents: true });
    const corrupted = net.stats().corrupted;
    expectBinomial(corrupted, count, 0.1);
    // The checksum detects any single-byte change, so the broken arrivals are exactly the corrupted ones.
    expect(sink.arrivals.filter((a) => !a.intact)).toHaveLength(corrupted);
    const entries = net.traceEntries();
    const corruptIds = idsOf(entries, TraceKind.Corrupt);
    expect(corruptIds).toHaveLength(corrupted);
    // A corrupted datagram is delivered with the corrupted bytes' hash, not the sent one.
    const byId = new Map<number, { send?: number; corrupt?: number; deliver?: number }>();
    for (const e of entries) {
      const record = byId.get(e.datagramId) ?? {};
      if (e.kind === TraceKind.Send) record.send = e.bytesHash;
      if (e.kind === TraceKind.Corrupt) record.corrupt = e.bytesHash;
      if (e.kind === TraceKind.Deliver) record.deliver = e.bytesHash;
      byId.set(e.datagramId, record);
    }
    for (const id of corruptIds) {
      const record = byId.get(id);
      expect(record?.deliver).toBe(record?.corrupt);
      expect(record?.deliver).not.toBe(record?.send);
    }
  });

  it('a duplicate is copied before the original is corrupted: faults hit each copy independently', () => {
    const count = 5000;
    const { net, sink } = streamRun(21, { duplicateProbability: 0.5, corruptProbability: 0.5 }, count);
    const stats = net.stats();
    expect(sink.arrivals.length).toBe(count + stats.duplicated);
    expect(sink.arrivals.filter((a) => !a.intact)).toHaveLength(stats.corrupted);
    expectBinomial(stats.corrupted, count + stats.duplicated, 0.5);
  });

  it('uniform jitter spans [delay, delay + jitterUs]; exponential jitter has the configured mean', () => {
    const count = 20_000;
    const uniform = streamRun(17, { delayUs: 10, jitter: 'uniform', jitterUs: 20 }, count);
    const uniformDelays = uniform.sink.arrivals.map((a) => a.timeUs - a.seq);
    expect(Math.min(...uniformDelays)).toBe(10);
    expect(Math.max(...uniformDelays)).toBe(30);
    expect(new Set(uniformDelays).size).toBe(21);
    // Var of a discrete uniform on 21 values: (21² − 1)/12.
    expect(Math.abs(mean(uniformDelays) - 20)).toBeLessThan(5 * Math.sqrt((21 ** 2 - 1) / 12 / count));

    const exponential = streamRun(17, { delayUs: 10, jitter: 'exponential', jitterUs: 20 }, count);
    const extra = exponential.sink.arrivals.map((a) => a.timeUs - a.seq - 10);
    expect(Math.min(...extra)).toBe(0);
    // Rounding to µs keeps the mean (up to the tiny rounding bias); σ of the mean is 20/√n.
    expect(Math.abs(mean(extra) - 20)).toBeLessThan(5 * (20 / Math.sqrt(count)) + 0.05);
  });
});

describe('TestNetwork: determinism', () => {
  const busyRun = (seed: number, shufflePollOrder = false): { hash: number; stats: object; rtts: number[][] } => {
    const pings = [
      new PingEndpoint({ self: 0, peer: 1, count: 400, intervalUs: 7, length: 300 }),
      new PingEndpoint({ self: 2, peer: 3, count: 400, intervalUs: 5, length: 1200 }),
    ];
    const endpoints: DatagramEndpoint[] = [
      pings[0] as PingEndpoint,
      new EchoEndpoint(),
      pings[1] as PingEndpoint,
      new EchoEndpoint(),
    ];
    const net = new TestNetwork({
      endpoints,
      seed,
      shufflePollOrder,
      link: {
        delayUs: 20,
        jitter: 'exponential',
        jitterUs: 5,
        bytesPerSecond: 200e6,
        queueBytesMax: 20_000,
        lossProbability: 0.02,
        burstLoss: gilbertElliottFromBurst({ lossRate: 0.02, meanBurstLength: 3 }),
        duplicateProbability: 0.02,
        reorderProbability: 0.05,
        corruptProbability: 0.02,
      },
    });
    net.setLink(3, 2, { bytesPerSecond: 50e6, queueBytesMax: 4000 }); // a clogged return path
    net.runUntil(1000);
    net.partition(0, 1);
    net.runUntil(1500);
    net.heal(0, 1);
    net.crash(3);
    net.runUntil(1800);
    net.replace(3, new EchoEndpoint());
    expect(net.runUntilIdle(10_000_000)).toBe(true);
    const stats = net.stats();
    expect(stats.sentDatagrams).toBeGreaterThan(1000);
    expect(stats.droppedLoss + stats.droppedBurstLoss + stats.droppedQueue).toBeGreaterThan(0);
    return { hash: net.traceHash(), stats, rtts: pings.map((p) => p.rttsUs) };
  };

  it('same seed ⇒ identical trace hash, stats and endpoint observations; different seed ⇒ different', () => {
    const first = busyRun(2024);
    const second = busyRun(2024);
    expect(second.hash).toBe(first.hash);
    expect(second.stats).toEqual(first.stats);
    expect(second.rtts).toEqual(first.rtts);
    const other = busyRun(2025);
    expect(other.hash).not.toBe(first.hash);
    expect(other.rtts).not.toEqual(first.rtts);
  });

  it('a shuffled poll order is reproducible from the seed', () => {
    const first = busyRun(7, true);
    expect(busyRun(7, true).hash).toBe(first.hash);
    expect(busyRun(8, true).hash).not.toBe(first.hash);
  });

  it('the trace hash sees every kind of event, including link changes', () => {
    const hashAfter = (mutate: (net: TestNetwork) => void): number => {
      const net = new TestNetwork({ endpoints: [new SinkEndpoint(), new SinkEndpoint()], seed: 1 });
      mutate(net);
      return net.traceHash();
    };
    const nothing = hashAfter(() => {});
    expect(hashAfter(() => {})).toBe(nothing);
    const hashes = [
      hashAfter((net) => net.partition(0, 1)),
      hashAfter((net) => net.partitionOneWay(1, 0)),
      hashAfter((net) => net.crash(1)),
      hashAfter((net) => net.wake()),
      hashAfter((net) => net.replace(0, new SinkEndpoint())),
      hashAfter((net) => net.setLinks({ delayUs: 3 })),
    ];
    expect(new Set([nothing, ...hashes]).size).toBe(hashes.length + 1);
  });
});
