/**
 * SimNetwork determinism and conservation: a busy leaf–spine run with every fault kind and
 * scripted partitions, crashes, NIC failures and clogs gives the same trace hash for the same
 * seed and a different one for another seed; random operation sequences (fast-check) never lose
 * track of a datagram; and a load test reports simulated datagrams per wall-clock second beside
 * the core's simpler TestNetwork on the same endpoints.
 */
import { Prng, TestNetwork } from '@dcq/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type HostConfig, RUN_LIMIT_REACHED, SimNetwork } from '../src/index.js';
import { BlastEndpoint, conservation, type ScriptedEndpoint, scriptedNetwork, uniformHosts } from './network-fakes.js';

const EVENT_PARTITION = 1;
const EVENT_HEAL = 2;
const EVENT_CRASH = 3;
const EVENT_RESTART = 4;
const EVENT_FAIL_NIC = 5;
const EVENT_CLOG = 6;
const EVENT_SEND = 7;

/** A busy faulty run; returns its trace hash and a few totals. */
function busyRun(seed: number): { hash: number; events: number; delivered: number; sent: number } {
  const hosts: HostConfig[] = [];
  for (let h = 0; h < 8; h++) {
    const rate = h % 2 === 0 ? 100e9 : 25e9;
    hosts.push({
      nics: h === 1 ? [{ rateBitsPerSecond: rate }, { rateBitsPerSecond: rate }] : [{ rateBitsPerSecond: rate }],
    });
  }
  // Odd hosts echo; even hosts send. Traffic comes from a fixed generator, the same for every seed.
  const { net, ep } = scriptedNetwork({
    seed,
    hosts,
    fabric: { kind: 'leaf-spine', leafCount: 2, spineCount: 2, uplinkRateBitsPerSecond: 100e9 },
    echoHosts: [1, 3, 5, 7],
    switchBufferBytes: 64 * 1024,
    linkFaults: {
      lossProbability: 0.01,
      duplicateProbability: 0.01,
      reorderProbability: 0.01,
      corruptProbability: 0.01,
      jitter: 'uniform',
      jitterNs: 200,
    },
  });
  net.setLinkFaults(net.fabricUplink({ leaf: 0, spine: 1 }), {
    burstLoss: { goodToBadProbability: 0.01, badToGoodProbability: 0.3 },
  });
  const traffic = Prng.fromSeed({ seed: 99 });
  for (let us = 0; us < 400; us += 2) net.at(us * 1000, EVENT_SEND, us);
  net.at(100_000, EVENT_PARTITION, 0);
  net.at(200_000, EVENT_HEAL, 0);
  net.at(150_000, EVENT_CRASH, 3);
  net.at(300_000, EVENT_RESTART, 3);
  net.at(120_000, EVENT_FAIL_NIC, 0);
  net.at(50_000, EVENT_CLOG, net.fabricUplink({ leaf: 1, spine: 0 }));
  for (;;) {
    const kind = net.run(1_000_000);
    if (kind === RUN_LIMIT_REACHED) break;
    const arg = net.eventArg;
    if (kind === EVENT_SEND) {
      for (let src = 0; src < 8; src += 2) {
        const endpoint = net.endpoint(src, 0) as ScriptedEndpoint | null;
        if (endpoint === null) continue;
        const burst = traffic.intBetween(1, 6);
        for (let k = 0; k < burst; k++) {
          endpoint.send({
            peer: 2 * traffic.intBelow(4) + 1,
            priority: traffic.intBelow(8),
            length: traffic.intBetween(64, 1400),
            tag: arg * 100 + k,
          });
        }
        net.wake(src, 0);
      }
    } else if (kind === EVENT_PARTITION) {
      net.partition(0, 5);
      net.partitionOneWay({ fromHost: 7, toHost: 2 });
    } else if (kind === EVENT_HEAL) {
      net.healAll();
    } else if (kind === EVENT_CRASH) {
      net.crashHost(arg);
    } else if (kind === EVENT_RESTART) {
      net.restartHost(arg);
    } else if (kind === EVENT_FAIL_NIC) {
      net.failNic(1, 0);
      net.remapPeers({ fromHost: 1, fromNic: 0, toHost: 1, toNic: 1 });
    } else if (kind === EVENT_CLOG) {
      net.clogLink(arg, { factor: 8, durationNs: 100_000 });
    }
  }
  const { lhs, rhs } = conservation(net);
  expect(rhs).toBe(lhs);
  const stats = net.stats();
  expect(stats.links.droppedLoss).toBeGreaterThan(0);
  expect(stats.links.duplicated).toBeGreaterThan(0);
  expect(stats.links.corrupted).toBeGreaterThan(0);
  expect(stats.nics.droppedPartition + stats.nics.droppedHostDown + stats.nics.droppedNicDown).toBeGreaterThan(0);
  expect(ep(1, 1).received.length).toBeGreaterThan(0); // the remapped NIC took over
  return {
    hash: net.traceHash(),
    events: net.traceTotal,
    delivered: stats.nics.deliveredDatagrams,
    sent: stats.nics.sentDatagrams,
  };
}

describe('SimNetwork determinism', () => {
  it('gives the same trace hash for the same seed and a different one for another seed', () => {
    const a = busyRun(1);
    const b = busyRun(1);
    expect(b).toEqual(a);
    expect(a.sent).toBeGreaterThan(1000);
    const c = busyRun(2);
    expect(c.hash).not.toBe(a.hash);
  });

  it('accounts for every datagram under random operation sequences (fast-check)', () => {
    const hostCount = 5;
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('send' as const),
        src: fc.nat(hostCount - 1),
        peer: fc.nat(hostCount - 1),
        count: fc.integer({ min: 1, max: 20 }),
        length: fc.integer({ min: 1, max: 1600 }),
        priority: fc.nat(7),
      }),
      fc.record({ kind: fc.constant('partition' as const), a: fc.nat(hostCount - 1), b: fc.nat(hostCount - 1) }),
      fc.record({ kind: fc.constant('heal' as const) }),
      fc.record({ kind: fc.constant('crash' as const), host: fc.nat(hostCount - 1) }),
      fc.record({ kind: fc.constant('restart' as const), host: fc.nat(hostCount - 1) }),
      fc.record({ kind: fc.constant('fail-nic' as const), host: fc.nat(hostCount - 1), up: fc.boolean() }),
      fc.record({
        kind: fc.constant('faults' as const),
        link: fc.nat(2 * hostCount - 1),
        loss: fc.double({ min: 0, max: 0.5, noNaN: true }),
        duplicate: fc.double({ min: 0, max: 0.5, noNaN: true }),
        down: fc.boolean(),
      }),
      fc.record({
        kind: fc.constant('clog' as const),
        link: fc.nat(2 * hostCount - 1),
        factor: fc.integer({ min: 1, max: 50 }),
      }),
    );
    const timed = fc.record({ atUs: fc.integer({ min: 0, max: 200 }), op });
    fc.assert(
      fc.property(fc.nat(10_000), fc.array(timed, { maxLength: 40 }), (seed, ops) => {
        const { net, ep } = scriptedNetwork({
          seed,
          hosts: uniformHosts(hostCount, 10e9, 300),
          switchBufferBytes: 8000,
          slotsMax: 64,
        });
        const sorted = [...ops].sort((x, y) => x.atUs - y.atUs);
        sorted.forEach((item, index) => {
          net.at(item.atUs * 1000, index);
        });
        for (;;) {
          const index = net.run(10_000_000);
          if (index === RUN_LIMIT_REACHED) break;
          const item = sorted[index]?.op;
          if (item === undefined) continue;
          switch (item.kind) {
            case 'send': {
              if (net.isHostCrashed(item.src)) break;
              for (let k = 0; k < item.count; k++) {
                ep(item.src).send({
                  peer: item.peer,
                  priority: item.priority,
                  length: item.length,
                  tag: index * 100 + k,
                });
              }
              net.wake(item.src, 0);
              break;
            }
            case 'partition':
              if (item.a !== item.b) net.partition(item.a, item.b);
              break;
            case 'heal':
              net.healAll();
              break;
            case 'crash':
              if (!net.isHostCrashed(item.host)) net.crashHost(item.host);
              break;
            case 'restart':
              net.restartHost(item.host);
              break;
            case 'fail-nic':
              if (item.up) net.recoverNic(item.host, 0);
              else net.failNic(item.host, 0);
              break;
            case 'faults':
              net.setLinkFaults(item.link, {
                lossProbability: item.loss,
                duplicateProbability: item.duplicate,
                down: item.down,
              });
              break;
            case 'clog':
              net.clogLink(item.link, { factor: item.factor, durationNs: 20_000 });
              break;
          }
          const { lhs, rhs } = conservation(net);
          expect(rhs).toBe(lhs);
        }
        const { lhs, rhs } = conservation(net);
        expect(rhs).toBe(lhs);
        expect(net.stats().inFlightDatagrams).toBe(0);
        expect(net.stats().links.queueBytes).toBe(0);
        expect(net.nextInstantNs()).toBe(Number.POSITIVE_INFINITY);
      }),
      { numRuns: 150 },
    );
  });
});

describe('SimNetwork throughput', () => {
  it('reports simulated datagrams per wall-clock second beside the core TestNetwork', () => {
    const long = process.env.DCQ_LONG_TESTS !== undefined;
    const hostCount = 16;
    const simulatedUs = long ? 20_000 : 1_000;
    const peersOf = (h: number): number[] => Array.from({ length: hostCount - 1 }, (_, k) => (h + 1 + k) % hostCount);
    // 100 Gb/s NICs, 1200-byte datagrams: about 10 per µs per host at line rate.
    const blasters: BlastEndpoint[] = [];
    const net = new SimNetwork({
      seed: 1,
      hosts: uniformHosts(hostCount, 100e9, 500),
      peersMax: hostCount,
      createEndpoint: ({ host }) => {
        const endpoint = new BlastEndpoint({ peers: peersOf(host), length: 1200, perUs: 9 });
        blasters.push(endpoint);
        return endpoint;
      },
    });
    let started = performance.now();
    net.run(simulatedUs * 1000);
    const simSeconds = (performance.now() - started) / 1000;
    const simDelivered = net.stats().nics.deliveredDatagrams;
    const simHops = net.stats().hopEvents;

    const baselineBlasters = Array.from(
      { length: hostCount },
      (_, h) => new BlastEndpoint({ peers: peersOf(h), length: 1200, perUs: 9 }),
    );
    const baseline = new TestNetwork({
      endpoints: baselineBlasters,
      seed: 1,
      inFlightMax: 8192,
      link: { delayUs: 1, bytesPerSecond: 12.5e9 / (hostCount - 1), queueBytesMax: 1 << 20 },
    });
    started = performance.now();
    baseline.runUntil(simulatedUs);
    const baseSeconds = (performance.now() - started) / 1000;
    const baseDelivered = baseline.stats().deliveredDatagrams;

    const simRate = simDelivered / simSeconds;
    const baseRate = baseDelivered / baseSeconds;
    console.log(
      `sim-network: ${simDelivered} datagrams (${simHops} hop events) in ${simulatedUs} µs simulated, ` +
        `${(simRate / 1e6).toFixed(3)} M datagrams/s wall (${(simHops / simSeconds / 1e6).toFixed(2)} M hops/s); ` +
        `baseline core TestNetwork: ${(baseRate / 1e6).toFixed(3)} M datagrams/s wall`,
    );
    expect(simDelivered).toBeGreaterThan(hostCount * 9 * simulatedUs * 0.8);
    expect(net.stats().links.droppedQueue).toBe(0);
    expect(blasters.reduce((a, b) => a + b.receivedDatagrams, 0)).toBe(simDelivered);
  });
});
