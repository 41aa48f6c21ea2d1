// Imports through the package's "./testing" export subpath on purpose: it is the public entry point.
import { type LinkStats, TestNetwork, TraceKind, traceKindName } from '@dcq/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DatagramEndpoint, TransmitInfo } from '../src/endpoint-io.js';
import { InvalidArgumentError } from '../src/errors.js';
import {
  EchoEndpoint,
  FloodEndpoint,
  PingEndpoint,
  type ScheduledSend,
  ScriptedEndpoint,
  SinkEndpoint,
  StreamEndpoint,
  TimerEndpoint,
} from './testing-fakes.js';

function burst(count: number, dst: number, length: number, timeUs = 0): ScheduledSend[] {
  return Array.from({ length: count }, () => ({ timeUs, dst, length }));
}

function dropped(stats: LinkStats): number {
  return (
    stats.droppedDown +
    stats.droppedLoss +
    stats.droppedBurstLoss +
    stats.droppedQueue +
    stats.droppedInFlight +
    stats.droppedCrashed
  );
}

describe('TestNetwork: delivery timing', () => {
  it('delivers at exactly delay + serialization on a rate-limited link, in FIFO order', () => {
    const sender = new ScriptedEndpoint(0, [...burst(10, 1, 1000, 0), ...burst(2, 1, 1000, 500)]);
    const sink = new SinkEndpoint();
    // 125 MB/s: 1000 bytes take exactly 8 µs.
    const net = new TestNetwork({ endpoints: [sender, sink], seed: 1, link: { delayUs: 10, bytesPerSecond: 125e6 } });
    expect(net.runUntilIdle(10_000)).toBe(true);
    const times = sink.arrivals.map((a) => a.timeUs);
    // The burst at 0 queues back to back; the pair at 500 finds the link idle again.
    expect(times).toEqual([18, 26, 34, 42, 50, 58, 66, 74, 82, 90, 518, 526]);
    expect(sink.arrivals.map((a) => a.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(sink.arrivals.every((a) => a.intact && a.src === 0 && a.length === 1000)).toBe(true);
    const stats = net.linkStats(0, 1);
    expect(stats.queueDatagramsPeak).toBe(10);
    expect(stats.queueBytesPeak).toBe(10_000);
    expect(stats.deliveredBytes).toBe(12_000);
    expect(stats.inFlightDatagrams).toBe(0);
  });

  it('never accumulates rounding on rates that do not divide a µs', () => {
    const sender = new ScriptedEndpoint(0, burst(100, 1, 1000));
    const sink = new SinkEndpoint();
    // 300 MB/s: 1000 bytes take 3.333… µs; datagram k departs at ⌈k · 10/3⌉.
    const net = new TestNetwork({ endpoints: [sender, sink], seed: 1, link: { delayUs: 7, bytesPerSecond: 3e8 } });
    net.runUntilIdle(1_000_000);
    expect(sink.arrivals.map((a) => a.timeUs)).toEqual(
      Array.from({ length: 100 }, (_, i) => Math.ceil(((i + 1) * 10) / 3) + 7),
    );
  });

  it('starts a new busy period when a datagram arrives exactly at the last departure', () => {
    // 300 MB/s: 1000 bytes take 3.33 µs, rounded up to a departure at 4; the link is idle from then.
    const sender = new ScriptedEndpoint(0, [
      { timeUs: 0, dst: 1, length: 1000 },
      { timeUs: 4, dst: 1, length: 1000 },
      { timeUs: 5, dst: 1, length: 1000 },
    ]);
    const sink = new SinkEndpoint();
    const net = new TestNetwork({ endpoints: [sender, sink], seed: 1, link: { delayUs: 0, bytesPerSecond: 3e8 } });
    net.runUntilIdle(1000);
    // 4 + ⌈3.33⌉ = 8, then still busy at 5: 4 + ⌈6.67⌉ = 11.
    expect(sink.arrivals.map((a) => a.timeUs)).toEqual([4, 8, 11]);
  });

  it('applies a rate change to datagrams queued after it', () => {
    const sender = new ScriptedEndpoint(0, [...burst(2, 1, 1000, 0), ...burst(2, 1, 1000, 1)]);
    const sink = new SinkEndpoint();
    const net = new TestNetwork({ endpoints: [sender, sink], seed: 1, link: { delayUs: 0, bytesPerSecond: 1e8 } });
    net.runUntil(0); // two datagrams queued at 10 µs each: departures 10 and 20
    net.setLink(0, 1, { bytesPerSecond: 1e9 }); // 1 µs each from the last departure on
    net.runUntilIdle(1000);
    expect(sink.arrivals.map((a) => a.timeUs)).toEqual([10, 20, 21, 22]);
  });

  it('agrees with a naive model on random traffic over random rate-limited, bounded links', () => {
    const endpointCount = 3;
    const linkArb = fc.record({
      delayUs: fc.integer({ min: 0, max: 50 }),
      bytesPerSecond: fc.oneof(
        fc.constant(Number.POSITIVE_INFINITY),
        fc.integer({ min: 1_000_000, max: 2_000_000_000 }),
        fc.double({ min: 1e6, max: 1e9, noNaN: true }),
      ),
      queueBytesMax: fc.integer({ min: 0, max: 20_000 }),
    });
    const sendArb = fc.record({
      timeUs: fc.integer({ min: 0, max: 400 }),
      src: fc.integer({ min: 0, max: endpointCount - 1 }),
      dst: fc.integer({ min: 0, max: endpointCount - 1 }),
      length: fc.integer({ min: 12, max: 3000 }),
    });
    fc.assert(
      fc.property(
        fc.array(linkArb, { minLength: endpointCount ** 2, maxLength: endpointCount ** 2 }),
        fc.array(sendArb, { maxLength: 150 }),
        (links, sends) => {
          const schedules = Array.from({ length: endpointCount }, (_, src) =>
            sends.filter((s) => s.src === src).sort((a, b) => a.timeUs - b.timeUs),
          );
          const endpoints = schedules.map((schedule, src) => new ScriptedEndpoint(src, schedule));
          const net = new TestNetwork({ endpoints, seed: 9, transmitsPerInstantMax: 1000, inFlightMax: 1000 });
          links.forEach((link, index) => {
            net.setLink(Math.floor(index / endpointCount), index % endpointCount, link);
          });
          expect(net.runUntilIdle(10_000_000)).toBe(true);

          for (let src = 0; src < endpointCount; src++) {
            for (let dst = 0; dst < endpointCount; dst++) {
              const link = links[src * endpointCount + dst] as (typeof links)[number];
              // Model: a FIFO whose occupancy at time t is every accepted datagram departing after t.
              const accepted: { departUs: number; length: number }[] = [];
              const expected: { seq: number; timeUs: number }[] = [];
              let queueDrops = 0;
              let busyStartUs = 0;
              let busyBytes = 0;
              let lastDepartureUs = Number.NEGATIVE_INFINITY;
              (schedules[src] as ScheduledSend[]).forEach((send, seq) => {
                if (send.dst !== dst) return;
                if (link.bytesPerSecond === Number.POSITIVE_INFINITY) {
                  expected.push({ seq, timeUs: send.timeUs + link.delayUs });
                  return;
                }
                const queued = accepted.filter((a) => a.departUs > send.timeUs).reduce((sum, a) => sum + a.length, 0);
                if (queued + send.length > link.queueBytesMax) {
                  queueDrops++;
                  return;
                }
                if (send.timeUs >= lastDepartureUs) {
                  busyStartUs = send.timeUs;
                  busyBytes = 0;
                }
                busyBytes += send.length;
                const departUs = busyStartUs + Math.ceil((busyBytes * 1e6) / link.bytesPerSecond);
                lastDepartureUs = departUs;
                accepted.push({ departUs, length: send.length });
                expected.push({ seq, timeUs: departUs + link.delayUs });
              });
              const received = (endpoints[dst] as ScriptedEndpoint).arrivals
                .filter((a) => a.src === src)
                .map((a) => ({ seq: a.seq, timeUs: a.timeUs }));
              expect(received).toEqual(expected);
              expect(net.linkStats(src, dst).droppedQueue).toBe(queueDrops);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('calls handleTimeout exactly at each deadline (fractional deadlines round up) and not otherwise', () => {
    const timer = new TimerEndpoint([5, 17, 17, 1000.5, 2 ** 40]);
    const net = new TestNetwork({ endpoints: [timer, new SinkEndpoint()], seed: 1, startUs: 3 });
    expect(net.runUntilIdle(2 ** 41)).toBe(true);
    expect(timer.calledAtUs).toEqual([5, 17, 1001, 2 ** 40]);
    expect(net.nowUs).toBe(2 ** 40);
    // Start, then one instant per distinct deadline: no polling in between.
    expect(net.stats().instants).toBe(5);
    expect(net.stats().timeoutCalls).toBe(4);
  });

  it('runUntil stops at the target, moves the clock there, and resumes exactly', () => {
    const timer = new TimerEndpoint([100, 250]);
    const net = new TestNetwork({ endpoints: [timer], seed: 1 });
    net.runUntil(99);
    expect(timer.calledAtUs).toEqual([]);
    expect(net.nowUs).toBe(99);
    net.runUntil(100);
    expect(timer.calledAtUs).toEqual([100]);
    expect(net.nextEventUs()).toBe(250);
    expect(net.step()).toBe(true);
    expect(net.nowUs).toBe(250);
    expect(net.step()).toBe(false);
    expect(net.nextEventUs()).toBe(Number.POSITIVE_INFINITY);
    expect(() => net.runUntil(10)).toThrow(InvalidArgumentError);
  });

  it('runUntilIdle reports work left at the horizon', () => {
    const sender = new ScriptedEndpoint(0, burst(1, 1, 100));
    const net = new TestNetwork({ endpoints: [sender, new SinkEndpoint()], seed: 1, link: { delayUs: 1000 } });
    expect(net.runUntilIdle(500)).toBe(false);
    expect(net.nowUs).toBe(500);
    expect(net.inFlightDatagrams).toBe(1);
    expect(net.runUntilIdle(5000)).toBe(true);
    expect(net.nowUs).toBe(1000);
  });

  it('completes a zero-delay round trip within one instant', () => {
    const ping = new PingEndpoint({ self: 0, peer: 1, count: 1, intervalUs: 10, length: 64, startUs: 40 });
    const echo = new EchoEndpoint();
    const net = new TestNetwork({ endpoints: [ping, echo], seed: 1, link: { delayUs: 0 } });
    net.runUntilIdle(1000);
    expect(ping.rttsUs).toEqual([0]);
    expect(ping.arrivals[0]?.timeUs).toBe(40);
  });

  it('polls a woken endpoint at the current time', () => {
    const sink = new SinkEndpoint();
    let pending = 0;
    const app: DatagramEndpoint = {
      handleDatagram() {},
      handleTimeout() {},
      pollTransmit(_now: number, out: Uint8Array, offset: number, info: TransmitInfo): number {
        if (pending === 0) return 0;
        pending--;
        out.fill(7, offset, offset + 20);
        info.peer = 1;
        return 20;
      },
      pollTimeoutUs: () => Number.POSITIVE_INFINITY,
    };
    const net = new TestNetwork({ endpoints: [app, sink], seed: 1, link: { delayUs: 5 } });
    expect(net.runUntilIdle(100)).toBe(true);
    net.runUntil(300);
    pending = 2; // new application work, no timer: only the doorbell makes the network look
    expect(net.runUntilIdle(1000)).toBe(true);
    expect(sink.arrivals).toEqual([]);
    net.wake();
    expect(net.nextEventUs()).toBe(300);
    expect(net.runUntilIdle(1000)).toBe(true);
    expect(sink.arrivals.map((a) => a.timeUs)).toEqual([305, 305]);
    // A doorbell right after an instant re-polls that same instant.
    pending = 1;
    net.wake();
    net.runUntilIdle(1000);
    expect(sink.arrivals.map((a) => a.timeUs)).toEqual([305, 305, 310]);
  });
});

describe('TestNetwork: limits', () => {
  it('tail-drops at the queue bound and counts it', () => {
    const sender = new ScriptedEndpoint(0, burst(10, 1, 1000));
    const sink = new SinkEndpoint();
    const net = new TestNetwork({
      endpoints: [sender, sink],
      seed: 1,
      traceCapacity: 100,
      link: { bytesPerSecond: 1e6, queueBytesMax: 5500, delayUs: 0 },
    });
    net.runUntilIdle(1_000_000);
    expect(sink.arrivals.map((a) => a.seq)).toEqual([0, 1, 2, 3, 4]);
    const stats = net.linkStats(0, 1);
    expect(stats.droppedQueue).toBe(5);
    expect(stats.queueBytesPeak).toBe(5000);
    expect(stats.queueDatagramsPeak).toBe(5);
    expect(net.traceEntries().filter((e) => e.kind === TraceKind.DropQueue)).toHaveLength(5);
    expect(net.stats().droppedQueue).toBe(5);
  });

  it('drops at the in-flight bound, counts it, and recovers when slots free up', () => {
    const sender = new ScriptedEndpoint(0, [...burst(10, 1, 100, 0), ...burst(3, 1, 100, 200)]);
    const sink = new SinkEndpoint();
    const net = new TestNetwork({ endpoints: [sender, sink], seed: 1, inFlightMax: 4, link: { delayUs: 100 } });
    net.runUntilIdle(10_000);
    expect(sink.arrivals.map((a) => a.seq)).toEqual([0, 1, 2, 3, 10, 11, 12]);
    const stats = net.stats();
    expect(stats.droppedInFlight).toBe(6);
    expect(stats.inFlightPeak).toBe(4);
    expect(stats.sentDatagrams).toBe(13);
  });

  it('counts a duplicate that finds no free slot as an in-flight drop', () => {
    const sender = new ScriptedEndpoint(0, burst(2, 1, 100));
    const sink = new SinkEndpoint();
    const net = new TestNetwork({
      endpoints: [sender, sink],
      seed: 1,
      inFlightMax: 2,
      link: { duplicateProbability: 1 },
    });
    net.runUntilIdle(10_000);
    const stats = net.stats();
    // Datagram 0 and its copy take both slots; datagram 1 finds none.
    expect(stats.duplicated).toBe(1);
    expect(stats.droppedInFlight).toBe(1);
    expect(sink.arrivals.map((a) => a.seq)).toEqual([0, 0]);
  });

  it('caps the datagrams polled per endpoint per instant and polls again one µs later', () => {
    const flood = new FloodEndpoint(1);
    const sink = new SinkEndpoint();
    const net = new TestNetwork({ endpoints: [flood, sink], seed: 1, transmitsPerInstantMax: 8, inFlightMax: 4096 });
    net.runUntil(9);
    expect(flood.sent).toBe(80);
    const stats = net.stats();
    expect(stats.transmitCapHits).toBe(10);
    expect(stats.instants).toBe(10);
    expect(sink.arrivals.length).toBe(0); // delay 10: the first ones arrive at 10
    net.runUntil(10);
    expect(sink.arrivals.length).toBe(8);
  });

  it('caps the rounds of an instant: an endless zero-delay ping-pong still lets time advance', () => {
    const a = new EchoEndpoint();
    const b = new EchoEndpoint();
    // Preload a with one datagram "from" b: a and b then bounce it forever over zero-delay links.
    a.handleDatagram(0, new Uint8Array(32), 0, 32, 1);
    const net = new TestNetwork({ endpoints: [a, b], seed: 1, roundsPerInstantMax: 5, link: { delayUs: 0 } });
    net.runUntil(20);
    const stats = net.stats();
    expect(net.nowUs).toBe(20);
    expect(stats.instants).toBe(21);
    expect(stats.roundCapHits).toBe(21);
    // Instant 0: a sends in round 1, then one delivery per round; later instants start with the
    // delivery left over from the previous one: 4 + 20 × 5.
    expect(stats.deliveredDatagrams).toBe(104);
    expect(stats.transmitCapHits).toBe(0);
  });

  it('polls in index order, or in a seeded per-instant permutation with shufflePollOrder', () => {
    const callOrder = (shufflePollOrder: boolean, seed: number): string => {
      const log: number[] = [];
      const endpoints = [0, 1, 2, 3].map((index) => {
        const timer = new TimerEndpoint(Array.from({ length: 30 }, (_, k) => 10 * (k + 1)));
        const handle = timer.handleTimeout.bind(timer);
        timer.handleTimeout = (nowUs: number) => {
          log.push(index);
          handle(nowUs);
        };
        return timer;
      });
      new TestNetwork({ endpoints, seed, shufflePollOrder }).runUntilIdle(1000);
      expect(log).toHaveLength(4 * 30);
      return log.join('');
    };
    expect(callOrder(false, 1)).toBe('0123'.repeat(30));
    const shuffled = callOrder(true, 1);
    expect(shuffled).not.toBe('0123'.repeat(30));
    expect(callOrder(true, 1)).toBe(shuffled);
    expect(callOrder(true, 2)).not.toBe(shuffled);
  });

  it('rejects bad endpoints output and bad options with typed errors', () => {
    const badPeer: DatagramEndpoint = {
      handleDatagram() {},
      handleTimeout() {},
      pollTransmit: (_n: number, _o: Uint8Array, _off: number, info: TransmitInfo) => {
        info.peer = 5;
        return 10;
      },
      pollTimeoutUs: () => Number.POSITIVE_INFINITY,
    };
    expect(() => new TestNetwork({ endpoints: [badPeer, new SinkEndpoint()], seed: 1 }).step()).toThrow(
      InvalidArgumentError,
    );
    const tooLong: DatagramEndpoint = { ...badPeer, pollTransmit: () => 9001 };
    expect(() => new TestNetwork({ endpoints: [tooLong], seed: 1 }).step()).toThrow(/datagramBytesMax/);
    const nanTimer: DatagramEndpoint = { ...badPeer, pollTransmit: () => 0, pollTimeoutUs: () => Number.NaN };
    expect(() => new TestNetwork({ endpoints: [nanTimer], seed: 1 }).step()).toThrow(/NaN/);

    const sink = new SinkEndpoint();
    expect(() => new TestNetwork({ endpoints: [], seed: 1 })).toThrow(InvalidArgumentError);
    expect(() => new TestNetwork({ endpoints: [sink], seed: -1 })).toThrow(InvalidArgumentError);
    expect(() => new TestNetwork({ endpoints: [sink], seed: 1, inFlightMax: 0 })).toThrow(InvalidArgumentError);
    expect(() => new TestNetwork({ endpoints: [sink], seed: 1, inFlightMax: 2 ** 20, datagramBytesMax: 9000 })).toThrow(
      /2\^30/,
    );
    const net = new TestNetwork({ endpoints: [sink, sink], seed: 1 });
    expect(() => net.setLink(0, 2, {})).toThrow(InvalidArgumentError);
    expect(() => net.setLink(0, 1, { lossProbability: 1.5 })).toThrow(/lossProbability/);
    expect(() => net.setLink(0, 1, { delayUs: 1.5 })).toThrow(/delayUs/);
    expect(() => net.setLink(0, 1, { bytesPerSecond: 0 })).toThrow(/bytesPerSecond/);
    expect(() => net.setLink(0, 1, { queueBytesMax: -1 })).toThrow(/queueBytesMax/);
    expect(() => net.setLink(0, 1, { jitter: 'gaussian' as 'none' })).toThrow(/jitter/);
    expect(() => net.setLink(0, 1, { burstLoss: { goodToBadProbability: 2, badToGoodProbability: 0.5 } })).toThrow(
      /goodToBad/,
    );
    expect(() => net.crash(3)).toThrow(InvalidArgumentError);
    // A rejected update changes nothing.
    expect(net.getLink(0, 1).lossProbability).toBe(0);
  });
});

describe('TestNetwork: partitions and restarts', () => {
  it('partition stops both directions at once (in-flight datagrams included); heal resumes', () => {
    const ping = new PingEndpoint({ self: 0, peer: 1, count: 100, intervalUs: 10, length: 64 });
    const echo = new EchoEndpoint();
    const net = new TestNetwork({ endpoints: [ping, echo], seed: 1, link: { delayUs: 3 } });
    net.runUntil(95);
    expect(ping.rttsUs.length).toBe(9); // pings at 0..80 are back (RTT 6); the one at 90 is on its way back
    net.partition(0, 1);
    expect(net.getLink(0, 1).down && net.getLink(1, 0).down).toBe(true);
    net.runUntil(495);
    expect(ping.rttsUs.length).toBe(9);
    expect(net.linkStats(0, 1).droppedDown).toBe(40); // pings at 100..490, dropped at send
    // The echo of the ping sent at 90 was in flight at 95: dropped at arrival (96).
    expect(net.linkStats(1, 0).droppedDown).toBe(1);
    expect(echo.arrivals.length).toBe(10);
    net.heal(0, 1);
    net.runUntilIdle(100_000);
    expect(ping.rttsUs.length).toBe(9 + 50);
    expect(ping.rttsUs.every((rtt) => rtt === 6)).toBe(true);
  });

  it('drops a datagram already in flight when its link goes down before it arrives', () => {
    const sender = new ScriptedEndpoint(0, burst(1, 1, 64));
    const sink = new SinkEndpoint();
    const net = new TestNetwork({ endpoints: [sender, sink], seed: 1, link: { delayUs: 100 } });
    net.runUntil(50);
    net.partitionOneWay(0, 1);
    net.runUntil(99);
    net.healOneWay(0, 1);
    net.runUntil(150);
    expect(sink.arrivals.length).toBe(1); // healed before arrival: delivered
    const again = new ScriptedEndpoint(0, burst(1, 1, 64, 200));
    net.replace(0, again);
    net.runUntil(250);
    net.isolate(1);
    net.runUntilIdle(1000);
    expect(sink.arrivals.length).toBe(1);
    expect(net.linkStats(0, 1).droppedDown).toBe(1);
    net.healAll();
    expect(net.getLink(1, 0).down).toBe(false);
  });

  it('supports asymmetric partitions', () => {
    const ping = new PingEndpoint({ self: 0, peer: 1, count: 10, intervalUs: 10, length: 64 });
    const echo = new EchoEndpoint();
    const net = new TestNetwork({ endpoints: [ping, echo], seed: 1 });
    net.partitionOneWay(1, 0);
    net.runUntilIdle(10_000);
    expect(echo.arrivals.length).toBe(10);
    expect(echo.echoed).toBe(10);
    expect(ping.rttsUs.length).toBe(0);
    expect(net.linkStats(1, 0).droppedDown).toBe(10);
  });

  it('crash silences an endpoint; replace restarts it and it receives what is still in flight', () => {
    const ping = new PingEndpoint({ self: 0, peer: 1, count: 50, intervalUs: 10, length: 64 });
    const echo = new EchoEndpoint();
    const crashedTimer = new TimerEndpoint([0, 100, 200, 300]);
    const net = new TestNetwork({ endpoints: [ping, echo, crashedTimer], seed: 1, link: { delayUs: 4 } });
    net.runUntil(99);
    expect(ping.rttsUs.length).toBe(10);
    net.crash(1);
    net.crash(2);
    expect(net.isCrashed(1)).toBe(true);
    net.runUntil(202);
    expect(ping.rttsUs.length).toBe(10);
    expect(crashedTimer.calledAtUs).toEqual([0]); // no timers while crashed
    expect(net.linkStats(0, 1).droppedCrashed).toBe(10); // pings sent at 100..190; the one at 200 is in flight
    const restarted = new EchoEndpoint();
    net.replace(1, restarted);
    expect(net.endpoint(1)).toBe(restarted);
    net.runUntilIdle(100_000);
    expect(restarted.arrivals[0]?.timeUs).toBe(204);
    expect(restarted.arrivals[0]?.seq).toBe(20);
    expect(ping.rttsUs.length).toBe(10 + 30);
    expect(echo.arrivals.length).toBe(10); // the old instance saw nothing after its crash
  });
});

describe('TestNetwork: trace', () => {
  it('keeps the latest traceCapacity events, names kinds, and counts every event', () => {
    const sender = new ScriptedEndpoint(0, burst(5, 1, 40));
    const sink = new SinkEndpoint();
    const net = new TestNetwork({ endpoints: [sender, sink], seed: 1, traceCapacity: 4 });
    net.runUntilIdle(1000);
    expect(net.traceTotal).toBe(11); // the sender's timeout at 0, 5 sends, 5 deliveries
    const entries = net.traceEntries();
    expect(entries.map((e) => traceKindName(e.kind))).toEqual(['deliver', 'deliver', 'deliver', 'deliver']);
    expect(entries.map((e) => e.datagramId)).toEqual([1, 2, 3, 4]);
    expect(entries.every((e) => e.timeUs === 10 && e.src === 0 && e.dst === 1 && e.length === 40)).toBe(true);
    expect(traceKindName(99)).toBe('unknown(99)');
  });

  it('records the bytes hash as sent and as delivered', () => {
    const sender = new ScriptedEndpoint(0, burst(3, 1, 40));
    const net = new TestNetwork({ endpoints: [sender, new SinkEndpoint()], seed: 1, traceCapacity: 16 });
    net.runUntilIdle(1000);
    const entries = net.traceEntries();
    for (let id = 0; id < 3; id++) {
      const send = entries.find((e) => e.kind === TraceKind.Send && e.datagramId === id);
      const deliver = entries.find((e) => e.kind === TraceKind.Deliver && e.datagramId === id);
      expect(send?.bytesHash).toBe(deliver?.bytesHash);
      expect(send?.bytesHash).not.toBe(0);
    }
  });

  it('hashEvents: false leaves traceHash at its initial value', () => {
    const run = (hashEvents: boolean): number => {
      const net = new TestNetwork({
        endpoints: [new ScriptedEndpoint(0, burst(3, 1, 40)), new SinkEndpoint()],
        seed: 1,
        hashEvents,
      });
      const initial = net.traceHash();
      net.runUntilIdle(1000);
      return net.traceHash() - initial;
    };
    expect(run(false)).toBe(0);
    expect(run(true)).not.toBe(0);
  });

  it('keeps datagram conservation on every link under random faults and traffic', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.record({
          lossProbability: fc.double({ min: 0, max: 0.5, noNaN: true }),
          duplicateProbability: fc.double({ min: 0, max: 0.5, noNaN: true }),
          reorderProbability: fc.double({ min: 0, max: 0.5, noNaN: true }),
          corruptProbability: fc.double({ min: 0, max: 0.5, noNaN: true }),
          bytesPerSecond: fc.oneof(fc.constant(Number.POSITIVE_INFINITY), fc.integer({ min: 1e6, max: 1e9 })),
          queueBytesMax: fc.integer({ min: 0, max: 10_000 }),
          jitter: fc.constantFrom('none' as const, 'uniform' as const, 'exponential' as const),
          jitterUs: fc.integer({ min: 0, max: 30 }),
        }),
        fc.integer({ min: 2, max: 64 }),
        (seed, link, inFlightMax) => {
          const endpoints = [
            new PingEndpoint({ self: 0, peer: 1, count: 40, intervalUs: 3, length: 200 }),
            new EchoEndpoint(),
            new StreamEndpoint({ self: 2, peer: 1, count: 40, intervalUs: 2, length: 500 }),
          ];
          const net = new TestNetwork({ endpoints, seed, link, inFlightMax, traceCapacity: 10_000 });
          net.setLink(1, 0, { down: seed % 3 === 0 });
          net.crash(seed % 2 === 0 ? 2 : 1);
          net.runUntil(50);
          net.replace(1, new EchoEndpoint());
          expect(net.runUntilIdle(1_000_000)).toBe(true);
          expect(net.traceTotal).toBeLessThanOrEqual(10_000);
          const counts = new Map<number, number>();
          for (const entry of net.traceEntries()) counts.set(entry.kind, (counts.get(entry.kind) ?? 0) + 1);
          const total = net.stats();
          expect(total.sentDatagrams + total.duplicated).toBe(total.deliveredDatagrams + dropped(total));
          expect(total.inFlightDatagrams).toBe(0);
          expect(counts.get(TraceKind.Send) ?? 0).toBe(total.sentDatagrams);
          expect(counts.get(TraceKind.Deliver) ?? 0).toBe(total.deliveredDatagrams);
          expect(counts.get(TraceKind.Corrupt) ?? 0).toBe(total.corrupted);
          expect(counts.get(TraceKind.Reorder) ?? 0).toBe(total.reordered);
          expect(counts.get(TraceKind.DropQueue) ?? 0).toBe(total.droppedQueue);
          expect(counts.get(TraceKind.DropInFlight) ?? 0).toBe(total.droppedInFlight);
          let linkSum = 0;
          for (let src = 0; src < 3; src++) {
            for (let dst = 0; dst < 3; dst++) {
              const stats = net.linkStats(src, dst);
              expect(stats.sentDatagrams + stats.duplicated).toBe(stats.deliveredDatagrams + dropped(stats));
              linkSum += stats.sentDatagrams;
            }
          }
          expect(linkSum).toBe(total.sentDatagrams);
        },
      ),
      { numRuns: 80 },
    );
  });
});
