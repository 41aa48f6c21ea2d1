/**
 * SimNetwork link faults: each kind at its configured rate — the exact datagrams hit, re-derived
 * from the link's documented decision stream (seed, stream 1 + 2·link, six draws per departing
 * datagram), plus statistical bounds — and the independence guarantees: jitter never changes
 * which datagrams are lost, and faults on one link never shift another link's draws.
 */
import { gilbertElliottFromBurst, PRNG_STATE_WORDS, Prng, seedPrngState } from '@dcq/core/testing';
import { describe, expect, it } from 'vitest';
import { type LinkFaultsUpdate, SimTraceKind } from '../src/index.js';
import { conservation, entriesOf, fillDatagram, runTo, scriptedNetwork, uniformHosts } from './network-fakes.js';

const TWO_POW_32 = 4294967296;
const COUNT = 20_000;

/** The six decision draws of each of the first `count` datagrams leaving `link`. */
function decisionDraws(seed: number, link: number, count: number): Uint32Array[] {
  const states = new Uint32Array(PRNG_STATE_WORDS);
  seedPrngState(states, 0, seed, 1 + 2 * link);
  const prng = new Prng(states);
  const draws = Array.from({ length: 6 }, () => new Uint32Array(count));
  for (let k = 0; k < count; k++) for (let d = 0; d < 6; d++) (draws[d] as Uint32Array)[k] = prng.nextU32();
  return draws;
}

/** Host 0 sends `count` datagrams (tags 0 … count−1) to host 1; `faults` on the switch → host 1 link. */
function oneLinkRun(options: {
  readonly seed: number;
  readonly faults: LinkFaultsUpdate;
  readonly count?: number;
  readonly keepBytes?: boolean;
  readonly traceCapacity?: number;
}) {
  const count = options.count ?? COUNT;
  const made = scriptedNetwork({
    seed: options.seed,
    hosts: uniformHosts(2, 100e9, 500),
    keepBytes: options.keepBytes ?? false,
    traceCapacity: options.traceCapacity ?? 0,
    slotsMax: 4096,
  });
  const link = made.net.nicDownlink(1, 0);
  made.net.setLinkFaults(link, options.faults);
  for (let k = 0; k < count; k++) made.ep(0).send({ peer: 1, priority: 0, length: 200, tag: k });
  runTo(made.net, 1_000_000_000);
  expect(made.net.stats().inFlightDatagrams).toBe(0);
  const { lhs, rhs } = conservation(made.net);
  expect(rhs).toBe(lhs);
  return { ...made, link, count };
}

function withinSigmas(observed: number, n: number, p: number, sigmas: number): void {
  const sd = Math.sqrt(n * p * (1 - p));
  expect(Math.abs(observed - n * p)).toBeLessThan(sigmas * sd);
}

describe('SimNetwork link faults', () => {
  it('loses uniformly: exactly the datagrams the decision stream picks, at the configured rate', () => {
    const seed = 11;
    const { net, ep, link } = oneLinkRun({ seed, faults: { lossProbability: 0.1 } });
    const draws = decisionDraws(seed, link, COUNT);
    const expected: number[] = [];
    for (let k = 0; k < COUNT; k++) if (((draws[0] as Uint32Array)[k] as number) >= 0.1 * TWO_POW_32) expected.push(k);
    expect(ep(1).received.map((r) => r.tag)).toEqual(expected);
    const stats = net.linkStats(link);
    expect(stats.droppedLoss).toBe(COUNT - expected.length);
    expect(stats.txDatagrams).toBe(COUNT); // the port still serialized them
    withinSigmas(stats.droppedLoss, COUNT, 0.1, 5);
  });

  it('loses in Gilbert–Elliott bursts with the configured rate and mean burst length', () => {
    const seed = 12;
    const burstLoss = gilbertElliottFromBurst({ lossRate: 0.05, meanBurstLength: 4 });
    const { net, ep, link } = oneLinkRun({ seed, faults: { burstLoss } });
    const draws = decisionDraws(seed, link, COUNT);
    const lost = new Uint8Array(COUNT);
    let bad = false;
    for (let k = 0; k < COUNT; k++) {
      lost[k] = ((draws[1] as Uint32Array)[k] as number) < (bad ? 1 : 0) * TWO_POW_32 ? 1 : 0;
      const step = (draws[2] as Uint32Array)[k] as number;
      if (bad) bad = !(step < burstLoss.badToGoodProbability * TWO_POW_32);
      else bad = step < burstLoss.goodToBadProbability * TWO_POW_32;
    }
    const expected: number[] = [];
    for (let k = 0; k < COUNT; k++) if (lost[k] === 0) expected.push(k);
    expect(ep(1).received.map((r) => r.tag)).toEqual(expected);
    const dropped = net.linkStats(link).droppedBurstLoss;
    expect(dropped).toBe(COUNT - expected.length);
    expect(Math.abs(dropped / COUNT - 0.05)).toBeLessThan(0.015);
    let bursts = 0;
    for (let k = 0; k < COUNT; k++) if (lost[k] === 1 && (k === 0 || lost[k - 1] === 0)) bursts++;
    const meanBurst = dropped / bursts;
    expect(meanBurst).toBeGreaterThan(3);
    expect(meanBurst).toBeLessThan(5);
  });

  it('duplicates exactly the datagrams the decision stream picks', () => {
    const seed = 13;
    const { net, ep, link } = oneLinkRun({ seed, faults: { duplicateProbability: 0.05 } });
    const draws = decisionDraws(seed, link, COUNT);
    const expected: number[] = [];
    for (let k = 0; k < COUNT; k++) {
      expected.push(k);
      if (((draws[3] as Uint32Array)[k] as number) < 0.05 * TWO_POW_32) expected.push(k);
    }
    expect(ep(1).received.map((r) => r.tag)).toEqual(expected);
    expect(net.linkStats(link).duplicated).toBe(expected.length - COUNT);
    expect(net.nicStats(1, 0).deliveredDatagrams).toBe(expected.length);
    withinSigmas(expected.length - COUNT, COUNT, 0.05, 5);
  });

  it('corrupts by flipping exactly one bit in exactly the datagrams the decision stream picks', () => {
    const seed = 14;
    const count = 5000;
    const { net, ep, link } = oneLinkRun({ seed, count, faults: { corruptProbability: 0.05 }, keepBytes: true });
    const draws = decisionDraws(seed, link, count);
    const received = ep(1).received;
    expect(received.length).toBe(count);
    const reference = new Uint8Array(200);
    let corrupted = 0;
    for (let k = 0; k < count; k++) {
      fillDatagram(reference, 0, 200, k);
      const bytes = received[k]?.bytes as Uint8Array;
      let bitsDifferent = 0;
      for (let i = 0; i < 200; i++) {
        let x = (bytes[i] as number) ^ (reference[i] as number);
        while (x !== 0) {
          bitsDifferent += x & 1;
          x >>>= 1;
        }
      }
      const picked = ((draws[5] as Uint32Array)[k] as number) < 0.05 * TWO_POW_32;
      expect(bitsDifferent).toBe(picked ? 1 : 0);
      if (picked) corrupted++;
    }
    expect(net.linkStats(link).corrupted).toBe(corrupted);
    withinSigmas(corrupted, count, 0.05, 5);
  });

  it('reorders exactly the picked datagrams by the reordering delay', () => {
    const seed = 15;
    const count = 4000;
    const { net, ep, link } = oneLinkRun({
      seed,
      count,
      faults: { reorderProbability: 0.1, reorderDelayNs: 5000 },
      traceCapacity: 4 * count + 100,
    });
    const draws = decisionDraws(seed, link, count);
    const departs = new Map<number, number>();
    for (const e of entriesOf(net, SimTraceKind.Depart)) if (e.where === link) departs.set(e.datagramId, e.timeNs);
    let reordered = 0;
    for (const e of entriesOf(net, SimTraceKind.Deliver)) {
      // Datagram ids are emission order: id k carries tag k here.
      const picked = ((draws[4] as Uint32Array)[e.datagramId] as number) < 0.1 * TWO_POW_32;
      if (picked) reordered++;
      expect(e.timeNs).toBe((departs.get(e.datagramId) as number) + 500 + (picked ? 5000 : 0));
    }
    expect(net.linkStats(link).reordered).toBe(reordered);
    withinSigmas(reordered, count, 0.1, 5);
    const tags = ep(1).received.map((r) => r.tag);
    let inversions = 0;
    for (let k = 1; k < tags.length; k++) if ((tags[k] as number) < (tags[k - 1] as number)) inversions++;
    expect(inversions).toBeGreaterThan(0);
    expect([...tags].sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, k) => k));
  });

  it('adds uniform and exponential jitter within bounds, without changing which datagrams are lost', () => {
    const seed = 16;
    const count = 4000;
    for (const jitter of ['uniform', 'exponential'] as const) {
      const plain = oneLinkRun({ seed, count, faults: { lossProbability: 0.1 } });
      const jittered = oneLinkRun({
        seed,
        count,
        faults: { lossProbability: 0.1, jitter, jitterNs: 1000 },
        traceCapacity: 4 * count + 100,
      });
      const lostPlain = plain.ep(1).received.map((r) => r.tag);
      const lostJittered = jittered
        .ep(1)
        .received.map((r) => r.tag)
        .sort((a, b) => a - b);
      expect(lostJittered).toEqual(lostPlain);
      const departs = new Map<number, number>();
      for (const e of entriesOf(jittered.net, SimTraceKind.Depart)) {
        if (e.where === jittered.link) departs.set(e.datagramId, e.timeNs);
      }
      const extra = entriesOf(jittered.net, SimTraceKind.Deliver).map(
        (e) => e.timeNs - (departs.get(e.datagramId) as number) - 500,
      );
      expect(Math.min(...extra)).toBeGreaterThanOrEqual(0);
      if (jitter === 'uniform') expect(Math.max(...extra)).toBeLessThanOrEqual(1000);
      const mean = extra.reduce((a, b) => a + b, 0) / extra.length;
      expect(Math.abs(mean - (jitter === 'uniform' ? 500 : 1000))).toBeLessThan(jitter === 'uniform' ? 30 : 60);
    }
  });

  it('never shifts one link’s draws because of faults or traffic on another link', () => {
    const run = (extra: boolean) => {
      const { net, ep } = scriptedNetwork({ seed: 21, hosts: uniformHosts(4, 100e9, 500), slotsMax: 4096 });
      net.setLinkFaults(net.nicUplink(0, 0), { lossProbability: 0.2, duplicateProbability: 0.05 });
      if (extra) {
        net.setLinkFaults(net.nicUplink(1, 0), {
          lossProbability: 0.3,
          duplicateProbability: 0.2,
          corruptProbability: 0.1,
          jitter: 'uniform',
          jitterNs: 300,
        });
      }
      for (let k = 0; k < 3000; k++) {
        ep(0).send({ peer: 2, priority: 0, length: 300, tag: k });
        if (extra) ep(1).send({ peer: 3, priority: 1, length: 300, tag: 100_000 + k });
      }
      runTo(net, 100_000_000);
      if (extra) expect(ep(3).received.length).toBeGreaterThan(1000);
      return ep(2)
        .received.map((r) => r.tag)
        .sort((a, b) => a - b);
    };
    expect(run(true)).toEqual(run(false));
  });

  it('drops everything on a link that is down, and recovers when it is up again', () => {
    const { net, ep } = scriptedNetwork({ seed: 1, hosts: uniformHosts(2, 100e9, 500) });
    const link = net.nicUplink(0, 0);
    net.setLinkFaults(link, { down: true });
    for (let k = 0; k < 10; k++) ep(0).send({ peer: 1, priority: 0, length: 100, tag: k });
    runTo(net, 100_000);
    expect(net.linkStats(link).droppedDown).toBe(10);
    expect(ep(1).received.length).toBe(0);
    net.setLinkFaults(link, { down: false });
    ep(0).send({ peer: 1, priority: 0, length: 100, tag: 99 });
    net.wake(0, 0);
    runTo(net, 200_000);
    expect(ep(1).received.map((r) => r.tag)).toEqual([99]);
    expect(net.linkFaults(link).down).toBe(false);
  });

  it('validates fault configurations and leaves every link unchanged on a bad update', () => {
    const { net } = scriptedNetwork({ seed: 1, hosts: uniformHosts(2, 100e9, 500) });
    expect(() => net.setLinkFaults(0, { lossProbability: 1.5 })).toThrow(/lossProbability/);
    expect(() => net.setAllLinkFaults({ duplicateProbability: -1 })).toThrow(/duplicateProbability/);
    expect(() => net.setLinkFaults(0, { jitterNs: 0.5 })).toThrow(/jitterNs/);
    expect(() => net.setLinkFaults(99, {})).toThrow(/link must be/);
    expect(() => net.clogLink(0, { factor: 0.5, durationNs: 10 })).toThrow(/factor/);
    for (let link = 0; link < net.linkTotal; link++) expect(net.linkFaults(link).duplicateProbability).toBe(0);
  });
});

describe('SimNetwork datagram tap', () => {
  it('shows every delivered and dropped datagram with its bytes, before the endpoint sees them', () => {
    const seen: { kind: number; length: number; tag: number; src: number; dst: number }[] = [];
    const { net, ep } = scriptedNetwork({
      seed: 4,
      hosts: uniformHosts(2, 100e9, 500),
      tap: {
        onDatagram: (d) => {
          const b = d.bytes;
          const tag =
            (b[d.offset] as number) | ((b[d.offset + 1] as number) << 8) | ((b[d.offset + 2] as number) << 16);
          seen.push({ kind: d.kind, length: d.length, tag, src: d.sourceHost, dst: d.destinationHost });
        },
      },
    });
    net.setLinkFaults(net.nicDownlink(1, 0), { lossProbability: 0.3 });
    for (let k = 0; k < 200; k++) ep(0).send({ peer: 1, priority: 0, length: 100 + k, tag: k });
    runTo(net, 10_000_000);
    const delivered = seen.filter((s) => s.kind === SimTraceKind.Deliver);
    const lost = seen.filter((s) => s.kind === SimTraceKind.DropLoss);
    expect(delivered.length).toBe(net.nicStats(1, 0).deliveredDatagrams);
    expect(lost.length).toBe(net.linkStats(net.nicDownlink(1, 0)).droppedLoss);
    expect(delivered.length + lost.length).toBe(200);
    expect(delivered.map((s) => s.tag)).toEqual(ep(1).received.map((r) => r.tag));
    for (const s of seen) {
      expect([s.src, s.dst, s.length]).toEqual([0, 1, 100 + s.tag]);
    }
    net.setTap(null);
    ep(0).send({ peer: 1, priority: 0, length: 100, tag: 999 });
    net.wake(0, 0);
    runTo(net, 20_000_000);
    expect(seen.length).toBe(200);
  });
});
