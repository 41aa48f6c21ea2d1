import { BackpressureError, DependencyKind, InvalidArgumentError } from '@dcq/core';
import { Prng } from '@dcq/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  broadcast,
  causalityChains,
  FixedSize,
  fanOut,
  homaPriorityCutoffs,
  incast,
  LogUniformSize,
  loadHomaWorkload,
  mergeTransferLists,
  offeredLoad,
  PriorityAssigner,
  SizeDistribution,
  TransferKind,
  type TransferList,
  TransferListBuilder,
  UniformSize,
  WORKLOAD_PRIORITY_DEFAULT,
} from '../src/workloads/index.js';

const w1 = loadHomaWorkload('w1');
const w4 = loadHomaWorkload('w4');
const w5 = loadHomaWorkload('w5');
const LINK_25G = 25e9;

const COLUMNS = [
  'timeNs',
  'srcHost',
  'dstHost',
  'sizeBytes',
  'responseSizeBytes',
  'priority',
  'kind',
  'dependency',
  'dependencyKind',
  'group',
] as const;

type Row = Record<(typeof COLUMNS)[number], number>;

function rows(list: TransferList): Row[] {
  return Array.from({ length: list.count }, (_, i) => {
    const row = {} as Row;
    for (const column of COLUMNS) row[column] = list[column][i] as number;
    return row;
  });
}

function expectSameList(a: TransferList, b: TransferList): void {
  expect(a.count).toBe(b.count);
  expect(a.groupCount).toBe(b.groupCount);
  for (const column of COLUMNS) expect(a[column], column).toEqual(b[column]);
}

/** Structural invariants every finished list must satisfy (violations counted, then asserted once). */
function checkInvariants(list: TransferList): void {
  const violations: string[] = [];
  for (let i = 0; i < list.count && violations.length < 5; i++) {
    if (i > 0 && (list.timeNs[i] as number) < (list.timeNs[i - 1] as number)) violations.push(`row ${i}: time`);
    if (list.srcHost[i] === list.dstHost[i]) violations.push(`row ${i}: src = dst`);
    const dependency = list.dependency[i] as number;
    if (dependency >= i) violations.push(`row ${i}: dependency ${dependency}`);
    if (dependency >= 0 && (list.timeNs[dependency] as number) > (list.timeNs[i] as number)) {
      violations.push(`row ${i}: dependency submitted later`);
    }
    if ((list.group[i] as number) >= list.groupCount) violations.push(`row ${i}: group`);
  }
  expect(violations).toEqual([]);
  for (const column of COLUMNS) expect(list[column].length).toBe(list.count);
}

function chiSquareCritical(df: number, z: number): number {
  const a = 2 / (9 * df);
  return df * (1 - a + z * Math.sqrt(a)) ** 3;
}

function uniformityChiSquare(counts: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i] as number;
  const expected = total / counts.length;
  let stat = 0;
  for (let i = 0; i < counts.length; i++) stat += ((counts[i] as number) - expected) ** 2 / expected;
  return stat;
}

describe('offeredLoad', () => {
  it('offers W1 at 80% on 16 hosts at 25 Gbps within 2% over 1 ms, Poisson per host, destinations uniform ≠ source', () => {
    const hosts = 16;
    const durationNs = 1_000_000;
    const workload = offeredLoad({
      sizes: w1,
      hostCount: hosts,
      loadFraction: 0.8,
      linkRateBitsPerSecond: LINK_25G,
      durationNs,
      seed: 1,
    });
    const list = workload.list;
    expect(workload.arrivalsPerHostPerSecond).toBeCloseTo((0.8 * LINK_25G) / 8 / w1.meanBytes, 3);
    expect(Math.abs(list.count - workload.expectedCount)).toBeLessThan(5 * Math.sqrt(workload.expectedCount));
    expect(Math.abs(workload.offeredLoadFraction / 0.8 - 1)).toBeLessThan(0.02);
    let bytes = 0;
    const perSource = new Float64Array(hosts);
    const perDestination = new Float64Array(hosts);
    let gapSum = 0;
    let gapSquares = 0;
    for (let i = 0; i < list.count; i++) {
      bytes += list.sizeBytes[i] as number;
      const src = list.srcHost[i] as number;
      perSource[src] = (perSource[src] as number) + 1;
      perDestination[list.dstHost[i] as number] = (perDestination[list.dstHost[i] as number] as number) + 1;
      if (i > 0) {
        const gap = (list.timeNs[i] as number) - (list.timeNs[i - 1] as number);
        gapSum += gap;
        gapSquares += gap * gap;
      }
    }
    expect(bytes).toBe(workload.offeredBytes);
    expect(list.kind.every((kind) => kind === TransferKind.Message)).toBe(true);
    expect(list.priority.every((priority) => priority === WORKLOAD_PRIORITY_DEFAULT)).toBe(true);
    expect(list.timeNs[0]).toBeGreaterThanOrEqual(0);
    expect(list.timeNs[list.count - 1]).toBeLessThan(durationNs);
    expect(uniformityChiSquare(perSource)).toBeLessThan(chiSquareCritical(hosts - 1, 4.5));
    expect(uniformityChiSquare(perDestination)).toBeLessThan(chiSquareCritical(hosts - 1, 4.5));
    // Exponential gaps: coefficient of variation 1 (integer-ns flooring adds a little variance at ~4.7 ns gaps).
    const gaps = list.count - 1;
    const meanGap = gapSum / gaps;
    const cv = Math.sqrt(gapSquares / gaps - meanGap * meanGap) / meanGap;
    expect(meanGap).toBeCloseTo(1e9 / (hosts * workload.arrivalsPerHostPerSecond), 0);
    expect(Math.abs(cv - 1)).toBeLessThan(0.05);
    checkInvariants(list);
  });

  it('offers the heavy-tailed W4 and W5 within 3% over long windows', () => {
    // Relative standard deviation of a compound Poisson sum: sqrt((1 + cv²)/n); the windows keep it ≤ 0.75%.
    const cases = [
      { sizes: w4, durationNs: 1_900_000_000 },
      { sizes: w5, durationNs: 8_000_000_000 },
    ];
    for (const { sizes, durationNs } of cases) {
      const workload = offeredLoad({
        sizes,
        hostCount: 16,
        loadFraction: 0.8,
        linkRateBitsPerSecond: LINK_25G,
        durationNs,
        seed: 5,
      });
      const cv = sizes.stdDevBytes / sizes.meanBytes;
      expect(Math.sqrt((1 + cv * cv) / workload.list.count)).toBeLessThan(0.0076);
      expect(Math.abs(workload.offeredLoadFraction / 0.8 - 1), sizes.name).toBeLessThan(0.03);
    }
  });

  it('is deterministic per seed; a different load keeps the same sizes and endpoints', () => {
    const options = {
      sizes: w4,
      hostCount: 8,
      loadFraction: 0.5,
      linkRateBitsPerSecond: 10e9,
      durationNs: 20_000_000,
      seed: 77,
      priority: { kind: 'random', priorities: [0, 1, 7] } as const,
    };
    const a = offeredLoad(options).list;
    expectSameList(a, offeredLoad(options).list);
    const other = offeredLoad({ ...options, seed: 78 }).list;
    expect(other.sizeBytes.subarray(0, 50)).not.toEqual(a.sizeBytes.subarray(0, 50));
    const heavier = offeredLoad({ ...options, loadFraction: 0.9 }).list;
    expect(heavier.count).toBeGreaterThan(a.count);
    for (const column of ['sizeBytes', 'srcHost', 'dstHost', 'priority'] as const) {
      expect(heavier[column].subarray(0, a.count), column).toEqual(a[column]);
    }
  });

  it('starts at startNs and refuses bad options or too many rows', () => {
    const list = offeredLoad({
      sizes: new FixedSize(1000),
      hostCount: 2,
      loadFraction: 1,
      linkRateBitsPerSecond: 8e9,
      durationNs: 1_000_000,
      startNs: 5_000_000,
      seed: 2,
    }).list;
    expect(list.timeNs[0]).toBeGreaterThanOrEqual(5_000_000);
    expect(list.timeNs[list.count - 1]).toBeLessThan(6_000_000);
    expect(list.dstHost.every((dst, i) => dst === 1 - (list.srcHost[i] as number))).toBe(true);
    // 64 hosts each offering 1-byte messages at 8 Gbps: 64 arrivals per ns, so every whole ns of
    // [start, start + duration) is hit and nothing falls outside it.
    const dense = offeredLoad({
      sizes: new FixedSize(1),
      hostCount: 64,
      loadFraction: 1,
      linkRateBitsPerSecond: 8e9,
      durationNs: 1000,
      startNs: 7,
      seed: 3,
    }).list;
    expect(dense.timeNs[0]).toBe(7);
    expect(dense.timeNs[dense.count - 1]).toBe(1006);
    expect(new Set(dense.timeNs).size).toBe(1000);
    const base = { sizes: w1, hostCount: 4, loadFraction: 0.5, linkRateBitsPerSecond: 1e9, durationNs: 1e6, seed: 1 };
    expect(() => offeredLoad({ ...base, transfersMax: 3 })).toThrow(BackpressureError);
    expect(() => offeredLoad({ ...base, hostCount: 1 })).toThrow(InvalidArgumentError);
    expect(() => offeredLoad({ ...base, loadFraction: 0 })).toThrow(InvalidArgumentError);
    expect(() => offeredLoad({ ...base, durationNs: 0.5 })).toThrow(InvalidArgumentError);
    expect(() => offeredLoad({ ...base, durationNs: 1e13 })).toThrow(/rows/);
    expect(() => offeredLoad({ ...base, seed: -1 })).toThrow(InvalidArgumentError);
  });
});

describe('incast, broadcast, fan-out and chains', () => {
  it('incast: N senders × size → one receiver at t = start, or jittered and time-ordered', () => {
    const senders = Array.from({ length: 100 }, (_, i) => i + 1);
    const plain = incast({ receiverHost: 0, senderHosts: senders, sizes: new FixedSize(64_000), startNs: 10, seed: 1 });
    expect(plain.count).toBe(100);
    expect(new Set(plain.srcHost).size).toBe(100);
    expect(plain.dstHost.every((host) => host === 0)).toBe(true);
    expect(plain.timeNs.every((time) => time === 10)).toBe(true);
    expect(plain.sizeBytes.every((size) => size === 64_000)).toBe(true);
    const jittered = incast({
      receiverHost: 0,
      senderHosts: senders,
      messagesPerSender: 3,
      sizes: w4,
      jitterNs: 1000,
      seed: 9,
    });
    expect(jittered.count).toBe(300);
    checkInvariants(jittered);
    expect(jittered.timeNs.every((time) => time >= 0 && time <= 1000)).toBe(true);
    expect(new Set(jittered.timeNs).size).toBeGreaterThan(100);
    const perSender = new Map<number, number>();
    for (const host of jittered.srcHost) perSender.set(host, (perSender.get(host) ?? 0) + 1);
    expect([...perSender.values()].every((count) => count === 3)).toBe(true);
    expectSameList(
      jittered,
      incast({ receiverHost: 0, senderHosts: senders, messagesPerSender: 3, sizes: w4, jitterNs: 1000, seed: 9 }),
    );
    const narrow = incast({
      receiverHost: 0,
      senderHosts: senders,
      messagesPerSender: 4,
      sizes: w1,
      jitterNs: 3,
      seed: 2,
    });
    expect([...new Set(narrow.timeNs)].sort()).toEqual([0, 1, 2, 3]);
    expect(() => incast({ receiverHost: 1, senderHosts: senders, sizes: w1, seed: 1 })).toThrow(/also a sender/);
    expect(() => incast({ receiverHost: 0, senderHosts: [1, 1], sizes: w1, seed: 1 })).toThrow(/twice/);
  });

  it('broadcast: one payload, one row per peer, one group', () => {
    const list = broadcast({ srcHost: 3, peerHosts: [0, 1, 2, 4], sizeBytes: 1 << 20, startNs: 7, priority: 1 });
    expect(rows(list)).toEqual(
      [0, 1, 2, 4].map((dst) => ({
        timeNs: 7,
        srcHost: 3,
        dstHost: dst,
        sizeBytes: 1 << 20,
        responseSizeBytes: 0,
        priority: 1,
        kind: TransferKind.Broadcast,
        dependency: -1,
        dependencyKind: 0,
        group: 0,
      })),
    );
    expect(list.groupCount).toBe(1);
    expect(() => broadcast({ srcHost: 0, peerHosts: [0, 1], sizeBytes: 1 })).toThrow(InvalidArgumentError);
    expect(() => broadcast({ srcHost: 0, peerHosts: [1], sizeBytes: 1, priority: 8 })).toThrow(InvalidArgumentError);
  });

  it('fan-out: 10,000 RPCs to 100–500 peers at once, round-robin balanced or random', () => {
    const sizes = new LogUniformSize({ minBytes: 4096, maxBytes: 1 << 20 });
    for (const peerCount of [100, 333, 500]) {
      const peers = Array.from({ length: peerCount }, (_, i) => i + 1);
      const list = fanOut({ clientHost: 0, peerHosts: peers, rpcsPerBurst: 10_000, sizes, seed: 4 });
      expect(list.count).toBe(10_000);
      expect(list.groupCount).toBe(1);
      const perPeer = new Map<number, number>();
      for (const host of list.dstHost) perPeer.set(host, (perPeer.get(host) ?? 0) + 1);
      expect(perPeer.size).toBe(peerCount);
      for (const count of perPeer.values()) {
        expect(count === Math.floor(10_000 / peerCount) || count === Math.ceil(10_000 / peerCount)).toBe(true);
      }
      expect(list.timeNs.every((time) => time === 0)).toBe(true);
      expect(list.kind.every((kind) => kind === TransferKind.Rpc)).toBe(true);
      expect(list.sizeBytes.every((size) => size >= 4096 && size <= 1 << 20)).toBe(true);
    }
    const peers = Array.from({ length: 200 }, (_, i) => i + 1);
    const random = fanOut({
      clientHost: 0,
      peerHosts: peers,
      rpcsPerBurst: 20_000,
      burstCount: 2,
      burstIntervalNs: 1_000_000,
      sizes: new UniformSize({ minBytes: 1, maxBytes: 100 }),
      responseSizes: new FixedSize(16),
      seed: 4,
      peerChoice: 'random',
    });
    expect(random.count).toBe(40_000);
    expect(random.groupCount).toBe(2);
    const counts = new Float64Array(201);
    let misplaced = 0;
    for (let i = 0; i < random.count; i++) {
      counts[random.dstHost[i] as number] = (counts[random.dstHost[i] as number] as number) + 1;
      if (random.group[i] !== (i < 20_000 ? 0 : 1) || random.timeNs[i] !== (i < 20_000 ? 0 : 1_000_000)) misplaced++;
    }
    expect(misplaced).toBe(0);
    expect(counts[0]).toBe(0);
    expect(uniformityChiSquare(counts.subarray(1))).toBeLessThan(chiSquareCritical(199, 4.5));
    expect(random.responseSizeBytes.every((size) => size === 16)).toBe(true);
    checkInvariants(random);
  });

  it('causality chains: step i depends on step i − 1 of its chain with the chosen kind', () => {
    const list = causalityChains({
      srcHost: 0,
      peerHosts: [1, 2, 3],
      chainCount: 4,
      chainLength: 5,
      dependencyKind: DependencyKind.RequestSent,
      sizes: new FixedSize(100),
      chainIntervalNs: 50,
      seed: 1,
      peerChoice: 'roundRobin',
    });
    expect(list.count).toBe(20);
    expect(list.groupCount).toBe(4);
    for (let i = 0; i < 20; i++) {
      const chain = Math.floor(i / 5);
      const step = i % 5;
      expect(list.group[i]).toBe(chain);
      expect(list.timeNs[i]).toBe(chain * 50);
      expect(list.dependency[i]).toBe(step === 0 ? -1 : i - 1);
      expect(list.dependencyKind[i]).toBe(step === 0 ? 0 : DependencyKind.RequestSent);
      expect(list.dstHost[i]).toBe([1, 2, 3][(chain + step) % 3]);
    }
    checkInvariants(list);
    const defaults = causalityChains({
      srcHost: 0,
      peerHosts: [1, 2],
      chainCount: 1,
      chainLength: 3,
      sizes: w1,
      seed: 2,
    });
    expect(Array.from(defaults.dependencyKind)).toEqual([0, 3, 3]);
    expect(() =>
      causalityChains({
        srcHost: 0,
        peerHosts: [1],
        chainCount: 1,
        chainLength: 2,
        sizes: w1,
        seed: 2,
        dependencyKind: 4 as 3,
      }),
    ).toThrow(InvalidArgumentError);
  });
});

describe('priorities', () => {
  it('size cut-offs map sizes like a naive scan; random picks follow the listed weights', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1e6 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 7 }),
        fc.array(fc.integer({ min: 0, max: 2e6 }), { maxLength: 50 }),
        (rawCutoffs, firstPriority, sizes) => {
          const cutoffs = rawCutoffs.sort((a, b) => a - b).slice(0, 8 - firstPriority);
          fc.pre(cutoffs.length > 0);
          const assigner = new PriorityAssigner({ kind: 'sizeCutoffs', cutoffsBytes: cutoffs, firstPriority });
          const prng = Prng.fromSeed({ seed: 0 });
          for (const size of sizes) {
            let level = cutoffs.findIndex((cutoff) => size <= cutoff);
            if (level < 0) level = cutoffs.length - 1;
            expect(assigner.priorityOf(size, prng)).toBe(firstPriority + level);
          }
        },
      ),
    );
    const random = new PriorityAssigner({ kind: 'random', priorities: [0, 7, 7, 7] });
    const prng = Prng.fromSeed({ seed: 5 });
    let high = 0;
    for (let i = 0; i < 40_000; i++) if (random.priorityOf(100, prng) === 0) high++;
    expect(Math.abs(high - 10_000)).toBeLessThan(5 * Math.sqrt(40_000 * 0.25 * 0.75));
    expect(() => new PriorityAssigner({ kind: 'fixed', priority: 8 })).toThrow(InvalidArgumentError);
    expect(() => new PriorityAssigner({ kind: 'sizeCutoffs', cutoffsBytes: [5, 3] })).toThrow(InvalidArgumentError);
    expect(() => new PriorityAssigner({ kind: 'sizeCutoffs', cutoffsBytes: [1, 2], firstPriority: 7 })).toThrow(
      InvalidArgumentError,
    );
    expect(() => new PriorityAssigner({ kind: 'random', priorities: [] })).toThrow(InvalidArgumentError);
  });

  it('Homa cut-offs are the smallest sizes reaching each equal share (brute force)', () => {
    const distributionArbitrary = fc
      .array(fc.record({ step: fc.integer({ min: 1, max: 5000 }), weight: fc.integer({ min: 0, max: 100 }) }), {
        minLength: 1,
        maxLength: 30,
      })
      .filter((points) => points.some((p) => p.weight > 0));
    fc.assert(
      fc.property(
        distributionArbitrary,
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom('bytes' as const, 'messages' as const),
        fc.option(fc.integer({ min: 1, max: 20_000 }), { nil: undefined }),
        (points, levels, basis, cap) => {
          let size = 0;
          const sizes = points.map((p) => {
            size += p.step;
            return size;
          });
          const weights = points.map((p) => p.weight);
          const distribution = new SizeDistribution({ name: 'random', sizesBytes: sizes, weights });
          const { cutoffsBytes, shares } = homaPriorityCutoffs(distribution, {
            levels,
            basis,
            ...(cap === undefined ? {} : { bytesPerMessageCap: cap }),
          });
          const mass = (s: number, w: number): number => (basis === 'bytes' ? w * Math.min(s, cap ?? s) : w);
          const total = sizes.reduce((sum, s, i) => sum + mass(s, weights[i] as number), 0);
          const shareUpTo = (limit: number): number =>
            sizes.reduce((sum, s, i) => sum + (s <= limit ? mass(s, weights[i] as number) : 0), 0) / total;
          expect(cutoffsBytes.length).toBe(levels);
          expect(cutoffsBytes[levels - 1]).toBe(distribution.maxBytes);
          for (let k = 0; k < levels - 1; k++) {
            const expected = sizes.find((s) => shareUpTo(s) >= (k + 1) / levels - 1e-9);
            expect(cutoffsBytes[k]).toBe(expected);
          }
          let shareSum = 0;
          for (let k = 0; k < levels; k++) {
            const below = k === 0 ? -1 : (cutoffsBytes[k - 1] as number);
            expect(shares[k]).toBeCloseTo(shareUpTo(cutoffsBytes[k] as number) - shareUpTo(below), 9);
            shareSum += shares[k] as number;
          }
          expect(shareSum).toBeCloseTo(1, 9);
        },
      ),
    );
  });

  it('Homa cut-offs on W4 split bytes into eight shares of about 1/8 and drive the size rule', () => {
    const { cutoffsBytes, shares } = homaPriorityCutoffs(w4);
    for (let k = 1; k < 8; k++) expect(cutoffsBytes[k]).toBeGreaterThan(cutoffsBytes[k - 1] as number);
    for (const share of shares) expect(Math.abs(share - 1 / 8)).toBeLessThan(0.05);
    // 21 of 49 messages are ≤ 20 B: exactly 3/7, which floating point sees just below the target.
    const exact = new SizeDistribution({
      name: 'sevenths',
      sizesBytes: [10, 20, 30, 40, 50, 60],
      weights: [10, 11, 12, 13, 1, 2],
    });
    expect(homaPriorityCutoffs(exact, { levels: 7, basis: 'messages' }).cutoffsBytes[2]).toBe(20);
    const byMessages = homaPriorityCutoffs(w1, { basis: 'messages' });
    expect(byMessages.cutoffsBytes[0]).toBe(8); // 31% of W1's messages are 8 bytes: levels 0 and 1 both end at 8
    expect(byMessages.cutoffsBytes[1]).toBe(8);
    expect(byMessages.shares[1]).toBe(0);
    const list = offeredLoad({
      sizes: w4,
      hostCount: 4,
      loadFraction: 0.5,
      linkRateBitsPerSecond: LINK_25G,
      durationNs: 10_000_000,
      seed: 3,
      priority: { kind: 'sizeCutoffs', cutoffsBytes },
    }).list;
    let misassigned = 0;
    for (let i = 0; i < list.count; i++) {
      const size = list.sizeBytes[i] as number;
      const priority = list.priority[i] as number;
      if (size > (cutoffsBytes[priority] as number)) misassigned++;
      if (priority > 0 && size <= (cutoffsBytes[priority - 1] as number)) misassigned++;
    }
    expect(list.count).toBeGreaterThan(100);
    expect(misassigned).toBe(0);
    expect(() => homaPriorityCutoffs(w4, { levels: 9 })).toThrow(InvalidArgumentError);
  });
});

describe('TransferListBuilder and mergeTransferLists', () => {
  it('sorts by (time, append order) and renumbers dependencies and groups like a naive model', () => {
    const rowArbitrary = fc.record({
      time: fc.integer({ min: 0, max: 20 }),
      group: fc.integer({ min: -1, max: 4 }),
      dependsBack: fc.integer({ min: 0, max: 5 }),
    });
    fc.assert(
      fc.property(fc.array(rowArbitrary, { maxLength: 60 }), (specs) => {
        const builder = new TransferListBuilder(specs.length);
        specs.forEach((spec, i) => {
          const row = builder.append();
          builder.timeNs[row] = spec.time;
          builder.srcHost[row] = i;
          builder.dstHost[row] = i + 1;
          builder.group[row] = spec.group === -1 ? -1 : spec.group * 10;
          const dependency = i - spec.dependsBack;
          if (spec.dependsBack > 0 && dependency >= 0 && (specs[dependency] as { time: number }).time <= spec.time) {
            builder.dependency[row] = dependency;
            builder.dependencyKind[row] = DependencyKind.ResponseReceived;
          }
        });
        const list = builder.finish({ sortByTime: true });
        const order = specs.map((_, i) => i).sort((a, b) => (specs[a]?.time ?? 0) - (specs[b]?.time ?? 0) || a - b);
        const groupIds = new Map<number, number>();
        order.forEach((from, i) => {
          expect(list.srcHost[i]).toBe(from); // srcHost carries the original index
          const dependency = builder.dependency[from] as number;
          expect(list.dependency[i]).toBe(dependency < 0 ? -1 : order.indexOf(dependency));
          const group = builder.group[from] as number;
          if (group >= 0 && !groupIds.has(group)) groupIds.set(group, groupIds.size);
          expect(list.group[i]).toBe(group < 0 ? -1 : groupIds.get(group));
        });
        expect(list.groupCount).toBe(groupIds.size);
        checkInvariants(list);
      }),
    );
  });

  it('rejects rows that break an invariant, naming the row', () => {
    const cases: [string, (b: TransferListBuilder, row: number) => void, RegExp][] = [
      [
        'same host',
        (b, r) => {
          b.dstHost[r] = b.srcHost[r] as number;
        },
        /distinct/,
      ],
      [
        'fractional time',
        (b, r) => {
          b.timeNs[r] = 1.5;
        },
        /integer ns/,
      ],
      [
        'forward dependency',
        (b, r) => {
          b.dependency[r] = r + 1;
        },
        /earlier row/,
      ],
      [
        'self dependency',
        (b, r) => {
          b.dependency[r] = r;
        },
        /earlier row/,
      ],
      [
        'dangling kind',
        (b, r) => {
          b.dependencyKind[r] = 1;
        },
        /without a dependency/,
      ],
      [
        'priority',
        (b, r) => {
          b.priority[r] = 8;
        },
        /priority/,
      ],
      [
        'response on message',
        (b, r) => {
          b.responseSizeBytes[r] = 5;
        },
        /only RPC/,
      ],
      [
        'kind',
        (b, r) => {
          b.kind[r] = 3;
        },
        /TransferKind/,
      ],
    ];
    for (const [name, corrupt, message] of cases) {
      const builder = new TransferListBuilder(3);
      for (let i = 0; i < 3; i++) {
        const row = builder.append();
        builder.srcHost[row] = 0;
        builder.dstHost[row] = 1;
        builder.timeNs[row] = i;
      }
      corrupt(builder, 1);
      expect(() => builder.finish(), name).toThrow(message);
    }
    const unsorted = new TransferListBuilder(2);
    for (const time of [5, 3]) {
      const row = unsorted.append();
      unsorted.timeNs[row] = time;
      unsorted.dstHost[row] = 1;
    }
    expect(() => unsorted.finish()).toThrow(/non-decreasing/);
    expect(unsorted.finish({ sortByTime: true }).timeNs).toEqual(new Float64Array([3, 5]));
    const full = new TransferListBuilder(1);
    full.append();
    expect(() => full.append()).toThrow(BackpressureError);
  });

  it('merges a background load with an incast and chains, keeping each list’s rows, dependencies and groups', () => {
    const background = offeredLoad({
      sizes: w1,
      hostCount: 8,
      loadFraction: 0.3,
      linkRateBitsPerSecond: 10e9,
      durationNs: 50_000,
      seed: 1,
    }).list;
    const burst = incast({
      receiverHost: 0,
      senderHosts: [1, 2, 3, 4, 5, 6, 7],
      sizes: new FixedSize(10_000),
      seed: 1,
    });
    const chains = causalityChains({
      srcHost: 1,
      peerHosts: [2, 3],
      chainCount: 3,
      chainLength: 4,
      sizes: w1,
      seed: 1,
    });
    const merged = mergeTransferLists([background, burst, chains], { timeOffsetsNs: [0, 20_000, 10_000] });
    expect(merged.count).toBe(background.count + burst.count + chains.count);
    expect(merged.groupCount).toBe(3);
    checkInvariants(merged);
    const incastRows = rows(merged).filter(
      (row) => row.timeNs === 20_000 && row.dstHost === 0 && row.sizeBytes === 10_000,
    );
    expect(incastRows.length).toBe(7);
    const chainRows = rows(merged)
      .map((row, index) => ({ ...row, index }))
      .filter((row) => row.kind === TransferKind.Rpc);
    expect(chainRows.length).toBe(12);
    for (const row of chainRows) {
      if (row.dependency >= 0) {
        expect(merged.group[row.dependency]).toBe(row.group);
        expect(merged.kind[row.dependency]).toBe(TransferKind.Rpc);
      }
    }
    expect(() => mergeTransferLists([burst], { timeOffsetsNs: [-1] })).toThrow(InvalidArgumentError);
  });
});
