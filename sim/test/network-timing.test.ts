/**
 * SimNetwork timing: exact delivery times through NIC → switch → NIC with serialization at every
 * hop, exact busy-period serialization (no rounding drift), the ns ↔ µs conversion, timers,
 * the transmit cap, NIC backpressure, MTU/route/peer drops, utilisation buckets and clogging.
 */
import { describe, expect, it } from 'vitest';
import { SimTraceKind } from '../src/index.js';
import { deliveryTimes, entriesOf, runTo, scriptedNetwork, uniformHosts } from './network-fakes.js';

/** Zero header/framing so wire bytes = datagram bytes and the arithmetic below stays readable. */
const BARE = { headerBytes: 0, framingBytes: 0, mtuBytes: 9000, traceCapacity: 10_000 } as const;

describe('SimNetwork timing', () => {
  it('delivers through NIC → switch → NIC with serialization at each hop (exact ns)', () => {
    const { net, ep } = scriptedNetwork({ seed: 1, hosts: uniformHosts(2, 100e9, 500), ...BARE });
    ep(0).send({ peer: 1, priority: 0, length: 1000, tag: 1 }, { peer: 1, priority: 0, length: 1000, tag: 2 });
    runTo(net, 10_000);
    // 1000 B at 100 Gb/s = 80 ns. d0: NIC [0, 80), switch [580, 660), arrives 1160.
    // d1: NIC [80, 160), reaches the switch at 660 as d0 finishes: [660, 740), arrives 1240.
    expect([...deliveryTimes(net).values()]).toEqual([1160, 1240]);
    const departs = entriesOf(net, SimTraceKind.Depart).map((e) => [e.where, e.timeNs]);
    expect(departs).toEqual([
      [net.nicUplink(0, 0), 80],
      [net.nicUplink(0, 0), 160],
      [net.nicDownlink(1, 0), 660],
      [net.nicDownlink(1, 0), 740],
    ]);
    // Endpoints see floor(ns / 1000) µs.
    expect(ep(1).received.map((r) => [r.nowUs, r.peer, r.tag])).toEqual([
      [1, 0, 1],
      [1, 0, 2],
    ]);
    expect(net.nicStats(1, 0).deliveredBytes).toBe(2000);
    expect(net.hostStats(1).deliveredDatagrams).toBe(2);
  });

  it('queues at a slower receiver port (100 Gb/s sender, 25 Gb/s receiver)', () => {
    const hosts = [
      { nics: [{ rateBitsPerSecond: 100e9, propagationDelayNs: 500 }] },
      { nics: [{ rateBitsPerSecond: 25e9, propagationDelayNs: 700 }] },
    ];
    const { net, ep } = scriptedNetwork({ seed: 1, hosts, ...BARE });
    ep(0).send({ peer: 1, priority: 0, length: 1000, tag: 1 }, { peer: 1, priority: 0, length: 1000, tag: 2 });
    runTo(net, 10_000);
    // Switch → receiver at 25 Gb/s: 320 ns each. d0 [580, 900) + 700; d1 waits: [900, 1220) + 700.
    expect([...deliveryTimes(net).values()]).toEqual([1600, 1920]);
    expect(net.linkStats(net.nicDownlink(1, 0)).queueDatagramsPeak).toBe(2);
  });

  it('counts header and framing bytes on the wire and never accumulates rounding', () => {
    const hosts = uniformHosts(2, 100e9, 0);
    const { net, ep } = scriptedNetwork({ seed: 1, hosts, mtuBytes: 1500, traceCapacity: 1000 });
    for (let k = 0; k < 10; k++) ep(0).send({ peer: 1, priority: 0, length: 1000, tag: k });
    runTo(net, 100_000);
    // Wire bytes = 1000 + 28 + 38 = 1066 = 8528 bits = 85.28 ns: datagram k ends at ceil(85.28 k).
    const uplink = net.nicUplink(0, 0);
    const ends = entriesOf(net, SimTraceKind.Depart)
      .filter((e) => e.where === uplink)
      .map((e) => e.timeNs);
    expect(ends).toEqual(Array.from({ length: 10 }, (_, i) => Math.ceil(((i + 1) * 8528) / 100)));
    expect(ends[9]).toBe(853); // per-datagram ceilings would give 860
  });

  it('serializes exactly at a rate that does not divide (3 Gb/s)', () => {
    const { net, ep } = scriptedNetwork({ seed: 1, hosts: uniformHosts(2, 3e9, 0), ...BARE });
    for (let k = 0; k < 50; k++) ep(0).send({ peer: 1, priority: 0, length: 1000, tag: k });
    runTo(net, 1_000_000);
    const uplink = net.nicUplink(0, 0);
    const ends = entriesOf(net, SimTraceKind.Depart)
      .filter((e) => e.where === uplink)
      .map((e) => e.timeNs);
    expect(ends).toEqual(Array.from({ length: 50 }, (_, i) => Math.ceil(((i + 1) * 8000 * 1e9) / 3e9)));
    // The switch port at the same rate stays in one busy period from the first arrival (2667 ns)
    // on, so its ends are exact too: 2667 + ceil(k · 8000 / 3).
    const down = entriesOf(net, SimTraceKind.Depart)
      .filter((e) => e.where === net.nicDownlink(1, 0))
      .map((e) => e.timeNs);
    expect(down).toEqual(ends.map((end) => 2667 + end));
    expect(net.linkStats(uplink).busyNs).toBe(ends[49]);
  });

  it('fires endpoint deadlines at whole µs and polls at the deadline', () => {
    const { net, ep } = scriptedNetwork({ seed: 1, hosts: uniformHosts(2, 100e9, 500), ...BARE });
    ep(0).send({ peer: 1, priority: 0, length: 100, tag: 7, notBeforeUs: 5 });
    runTo(net, 20_000);
    expect(entriesOf(net, SimTraceKind.Send).map((e) => e.timeNs)).toEqual([5000]);
    expect(ep(0).timeoutCalls).toBe(1);
    expect(net.nicStats(0, 0).timeoutCalls).toBe(1);
    expect(ep(1).received[0]?.nowUs).toBe(6); // 5000 + 8 + 500 + 8 + 500 = 6016 ns
  });

  it('caps transmits per instant and polls again 1 ns later', () => {
    const { net, ep } = scriptedNetwork({
      seed: 1,
      hosts: uniformHosts(2, 100e9, 500),
      ...BARE,
      transmitsPerInstantMax: 4,
    });
    for (let k = 0; k < 10; k++) ep(0).send({ peer: 1, priority: 0, length: 100, tag: k });
    runTo(net, 20_000);
    expect(entriesOf(net, SimTraceKind.Send).map((e) => e.timeNs)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2]);
    expect(net.nicStats(0, 0).transmitCapHits).toBe(2);
    expect(ep(1).received.length).toBe(10);
  });

  it('stops polling while the NIC queue is full (backpressure, no drops)', () => {
    const { net, ep } = scriptedNetwork({
      seed: 1,
      hosts: uniformHosts(2, 100e9, 500),
      ...BARE,
      datagramBytesMax: 1000,
      nicQueueBytes: 4000,
    });
    for (let k = 0; k < 10; k++) ep(0).send({ peer: 1, priority: 0, length: 1000, tag: k });
    runTo(net, 20_000);
    // Polled while at most 3000 B are queued: 4 at once, then one per 80 ns serialization.
    expect(entriesOf(net, SimTraceKind.Send).map((e) => e.timeNs)).toEqual([0, 0, 0, 0, 80, 160, 240, 320, 400, 480]);
    expect(net.nicStats(0, 0).backpressureStalls).toBe(7);
    expect(net.linkStats(net.nicUplink(0, 0)).droppedQueue).toBe(0);
    expect(net.linkStats(net.nicUplink(0, 0)).queueBytesPeak).toBe(4000);
    expect(ep(1).received.map((r) => r.tag)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('drops datagrams above the MTU, to unmapped peers and from unknown addresses, counted', () => {
    const { net, ep } = scriptedNetwork({
      seed: 1,
      hosts: uniformHosts(3, 100e9, 500),
      mtuBytes: 1500,
      peerTable: 'empty',
      traceCapacity: 100,
    });
    net.setPeer({ host: 0, nic: 0, peer: 0, peerHost: 1, peerNic: 0 });
    ep(0).send(
      { peer: 0, priority: 0, length: 1472, tag: 1 }, // 1472 + 28 = 1500: fits
      { peer: 0, priority: 0, length: 1473, tag: 2 }, // too big
      { peer: 1, priority: 0, length: 100, tag: 3 }, // peer 1 unmapped
    );
    runTo(net, 20_000);
    expect(net.nicStats(0, 0).droppedMtu).toBe(1);
    expect(net.nicStats(0, 0).droppedNoRoute).toBe(1);
    // Host 1 has no peer index for host 0's address.
    expect(net.nicStats(1, 0).droppedUnknownPeer).toBe(1);
    expect(ep(1).received.length).toBe(0);
    net.setPeer({ host: 1, nic: 0, peer: 2, peerHost: 0, peerNic: 0 });
    ep(0).send({ peer: 0, priority: 0, length: 100, tag: 4 });
    net.wake(0, 0);
    runTo(net, 40_000);
    expect(ep(1).received.map((r) => [r.peer, r.tag])).toEqual([[2, 4]]);
    expect(net.peerAddressOf(1, 0, 2)).toEqual({ host: 0, nic: 0 });
    expect(net.stats().inFlightDatagrams).toBe(0);
  });

  it('drops and counts datagrams when every slot is in use (senders and duplicates)', () => {
    const { net, ep } = scriptedNetwork({ seed: 1, hosts: uniformHosts(2, 1e9, 500), ...BARE, slotsMax: 4 });
    for (let k = 0; k < 10; k++) ep(0).send({ peer: 1, priority: 0, length: 1000, tag: k });
    runTo(net, 1_000_000);
    expect(net.nicStats(0, 0).droppedNoSlot).toBe(6);
    expect(ep(1).received.map((r) => r.tag)).toEqual([0, 1, 2, 3]);
    expect(net.stats().slotsPeak).toBe(4);

    const single = scriptedNetwork({ seed: 1, hosts: uniformHosts(2, 1e9, 500), ...BARE, slotsMax: 1 });
    single.net.setLinkFaults(single.net.nicUplink(0, 0), { duplicateProbability: 1 });
    single.ep(0).send({ peer: 1, priority: 0, length: 1000, tag: 1 });
    runTo(single.net, 1_000_000);
    const link = single.net.linkStats(single.net.nicUplink(0, 0));
    expect([link.duplicated, link.droppedNoSlot]).toEqual([1, 1]);
    expect(single.ep(1).received.length).toBe(1);
  });

  it('records link utilisation per bucket', () => {
    const { net, ep } = scriptedNetwork({
      seed: 1,
      hosts: uniformHosts(2, 100e9, 500),
      ...BARE,
      utilization: { bucketNs: 100, bucketCount: 20 },
    });
    ep(0).send({ peer: 1, priority: 0, length: 1000, tag: 1 }, { peer: 1, priority: 0, length: 1000, tag: 2 });
    runTo(net, 10_000);
    const up = Array.from(net.linkUtilization(net.nicUplink(0, 0)));
    expect(up.slice(0, 3)).toEqual([1, 0.6, 0]); // busy [0, 160)
    const down = Array.from(net.linkUtilization(net.nicDownlink(1, 0)));
    expect(down.slice(5, 9)).toEqual([0.2, 1, 0.4, 0]); // busy [580, 740)
  });

  it('clogs a link for a period: rate ÷ factor, then back to the configured rate', () => {
    const { net, ep } = scriptedNetwork({ seed: 1, hosts: uniformHosts(2, 100e9, 500), ...BARE });
    const uplink = net.nicUplink(0, 0);
    net.clogLink(uplink, { factor: 4, durationNs: 1000 });
    expect(net.linkRateBitsPerSecond(uplink)).toBe(25e9);
    ep(0).send(
      { peer: 1, priority: 0, length: 1000, tag: 1 },
      { peer: 1, priority: 0, length: 1000, tag: 2 },
      { peer: 1, priority: 0, length: 1000, tag: 3, notBeforeUs: 2 },
    );
    runTo(net, 10_000);
    expect(net.linkRateBitsPerSecond(uplink)).toBe(100e9);
    const ends = entriesOf(net, SimTraceKind.Depart)
      .filter((e) => e.where === uplink)
      .map((e) => e.timeNs);
    expect(ends).toEqual([320, 640, 2080]);
    expect(entriesOf(net, SimTraceKind.Clog).map((e) => [e.timeNs, e.length])).toEqual([
      [0, 4000],
      [1000, 1000],
    ]);
  });

  it('rejects invalid endpoint output and options', () => {
    const { net, ep } = scriptedNetwork({ seed: 1, hosts: uniformHosts(2, 100e9, 500), ...BARE });
    ep(0).send({ peer: 9, priority: 0, length: 100, tag: 1 });
    net.wake(0, 0);
    expect(() => runTo(net, 1000)).toThrow(/peer 9/);
    expect(() => scriptedNetwork({ seed: 1, hosts: [{ nics: [] }] })).toThrow(/NICs of host 0/);
    expect(() => scriptedNetwork({ seed: 1, hosts: uniformHosts(1, 0) })).toThrow(/rateBitsPerSecond/);
    expect(() =>
      scriptedNetwork({
        seed: 1,
        hosts: [{ nics: Array.from({ length: 9 }, () => ({ rateBitsPerSecond: 1e9 })) }],
      }),
    ).toThrow(/NICs of host 0/);
    expect(() => scriptedNetwork({ seed: -1, hosts: uniformHosts(1, 1e9) })).toThrow(/seed/);
  });
});
