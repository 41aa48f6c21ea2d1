/**
 * SimNetwork host-level faults and the scenario agenda: symmetric and asymmetric partitions, host
 * crash and restart with a fresh endpoint, NIC failure with a notification and peer remapping,
 * and scenario events interleaved with network work at exact times.
 */
import { describe, expect, it } from 'vitest';
import { NetworkNotification, NotificationKind, RUN_LIMIT_REACHED } from '../src/index.js';
import { conservation, runTo, scriptedNetwork, uniformHosts } from './network-fakes.js';

describe('SimNetwork partitions', () => {
  it('cuts both directions with a symmetric partition and restores them on heal', () => {
    const { net, ep } = scriptedNetwork({ seed: 1, hosts: uniformHosts(3, 100e9, 500) });
    net.partition(0, 1);
    expect(net.isPartitioned({ fromHost: 0, toHost: 1 })).toBe(true);
    expect(net.isPartitioned({ fromHost: 1, toHost: 0 })).toBe(true);
    ep(0).send({ peer: 1, priority: 0, length: 100, tag: 1 }, { peer: 2, priority: 0, length: 100, tag: 2 });
    ep(1).send({ peer: 0, priority: 0, length: 100, tag: 3 });
    runTo(net, 100_000);
    expect(ep(1).received.length).toBe(0);
    expect(ep(0).received.length).toBe(0);
    expect(ep(2).received.map((r) => r.tag)).toEqual([2]); // other pairs unaffected
    expect(net.nicStats(1, 0).droppedPartition).toBe(1);
    expect(net.nicStats(0, 0).droppedPartition).toBe(1);
    net.heal(0, 1);
    ep(0).send({ peer: 1, priority: 0, length: 100, tag: 4 });
    ep(1).send({ peer: 0, priority: 0, length: 100, tag: 5 });
    net.wakeAll();
    runTo(net, 200_000);
    expect(ep(1).received.map((r) => r.tag)).toEqual([4]);
    expect(ep(0).received.map((r) => r.tag)).toEqual([5]);
  });

  it('cuts one direction only with an asymmetric partition', () => {
    const { net, ep } = scriptedNetwork({ seed: 1, hosts: uniformHosts(2, 100e9, 500), echoHosts: [1] });
    net.partitionOneWay({ fromHost: 1, toHost: 0 });
    ep(0).send({ peer: 1, priority: 0, length: 100, tag: 1 });
    runTo(net, 100_000);
    expect(ep(1).received.map((r) => r.tag)).toEqual([1]); // 0 → 1 works
    expect(ep(0).received.length).toBe(0); // the echo 1 → 0 is cut
    expect(net.nicStats(0, 0).droppedPartition).toBe(1);
    net.healOneWay({ fromHost: 1, toHost: 0 });
    ep(0).send({ peer: 1, priority: 0, length: 100, tag: 2 });
    net.wake(0, 0);
    runTo(net, 200_000);
    expect(ep(0).received.map((r) => r.tag)).toEqual([2]);
  });

  it('drops a datagram already past the first switch when a partition starts before it arrives', () => {
    const { net, ep } = scriptedNetwork({ seed: 1, hosts: uniformHosts(2, 100e9, 5000) });
    ep(0).send({ peer: 1, priority: 0, length: 100, tag: 1 });
    runTo(net, 6000); // at the switch at 5008, on the last link until 10016
    net.partition(0, 1);
    runTo(net, 100_000);
    expect(ep(1).received.length).toBe(0);
    expect(net.nicStats(1, 0).droppedPartition).toBe(1);
    net.healAll();
    expect(net.isPartitioned({ fromHost: 0, toHost: 1 })).toBe(false);
    expect(() => net.partition(1, 1)).toThrow(/itself/);
  });
});

describe('SimNetwork crashes and NIC failures', () => {
  it('crashes a host (state lost, arrivals dropped, queue flushed) and restarts it with a fresh endpoint', () => {
    const { net, ep, created } = scriptedNetwork({ seed: 1, hosts: uniformHosts(2, 10e9, 500) });
    const before = ep(1);
    // Host 1 has queued work when it crashes: 10 × 1000 B at 10 Gb/s take 8 µs to serialize.
    for (let k = 0; k < 10; k++) ep(1).send({ peer: 0, priority: 0, length: 1000, tag: 100 + k });
    runTo(net, 2000);
    net.crashHost(1);
    expect(net.isHostCrashed(1)).toBe(true);
    expect(net.endpoint(1, 0)).toBeNull();
    const flushed = net.linkStats(net.nicUplink(1, 0)).droppedFlushed;
    expect(flushed).toBeGreaterThan(0);
    ep(0).send({ peer: 1, priority: 0, length: 100, tag: 1 });
    net.wake(0, 0);
    runTo(net, 100_000);
    expect(net.nicStats(1, 0).droppedHostDown).toBe(1);
    // Datagrams already on the wire still arrive; the flushed ones never do.
    expect(ep(0).received.length).toBe(10 - flushed);

    net.restartHost(1);
    const after = ep(1);
    expect(after).not.toBe(before);
    expect(after.address).toEqual({ host: 1, nic: 0, incarnation: 1 });
    expect(net.incarnationOf(1)).toBe(1);
    expect(created.length).toBe(3);
    ep(0).send({ peer: 1, priority: 0, length: 100, tag: 2 });
    net.wake(0, 0);
    runTo(net, 200_000);
    expect(after.received.map((r) => r.tag)).toEqual([2]);
    expect(before.received.length).toBe(0);
    expect(net.hostStats(1).incarnation).toBe(1);

    const notification = new NetworkNotification();
    const seen: number[][] = [];
    while (net.pollNotification(notification)) seen.push([notification.kind, notification.host, notification.timeNs]);
    expect(seen).toEqual([
      [NotificationKind.HostCrashed, 1, 2000],
      [NotificationKind.HostRestarted, 1, 100_000],
    ]);
    expect(() => net.crashHost(5)).toThrow(/host/);
    const { lhs, rhs } = conservation(net);
    expect(rhs).toBe(lhs);
  });

  it('fails a NIC: traffic through it is lost, a notification fires, the router remaps peers to another NIC', () => {
    const hosts = [
      { nics: [{ rateBitsPerSecond: 100e9 }] },
      { nics: [{ rateBitsPerSecond: 100e9 }, { rateBitsPerSecond: 25e9 }] },
    ];
    const { net, ep } = scriptedNetwork({ seed: 1, hosts });
    // By-host peer tables: host 0's peer 1 is (1, 0); NIC (1, 1)'s peer 0 is (0, 0).
    expect(net.peerAddressOf(0, 0, 1)).toEqual({ host: 1, nic: 0 });
    expect(net.peerAddressOf(1, 1, 0)).toEqual({ host: 0, nic: 0 });
    net.failNic(1, 0);
    expect(net.isNicFailed(1, 0)).toBe(true);
    ep(0).send({ peer: 1, priority: 0, length: 100, tag: 1 });
    ep(1, 0).send({ peer: 0, priority: 0, length: 100, tag: 2 });
    runTo(net, 100_000);
    expect(net.nicStats(1, 0).droppedNicDown).toBe(1); // arriving at the failed NIC
    expect(net.linkStats(net.nicUplink(1, 0)).droppedDown).toBe(1); // sent through it
    expect(ep(0).received.length).toBe(0);

    const notification = new NetworkNotification();
    expect(net.pollNotification(notification)).toBe(true);
    expect([notification.kind, notification.host, notification.nic]).toEqual([NotificationKind.NicFailed, 1, 0]);
    expect(net.pollNotification(notification)).toBe(false);
    // The router's reaction: every peer entry pointing at (1, 0) now points at (1, 1).
    expect(net.remapPeers({ fromHost: 1, fromNic: 0, toHost: 1, toNic: 1 })).toBe(2); // host 0's, and (1,0)'s own peer 1
    ep(0).send({ peer: 1, priority: 0, length: 100, tag: 3 });
    ep(1, 1).send({ peer: 0, priority: 0, length: 100, tag: 4 });
    net.wakeAll();
    runTo(net, 200_000);
    expect(ep(1, 1).received.map((r) => [r.peer, r.tag])).toEqual([[0, 3]]);
    expect(ep(0).received.map((r) => [r.peer, r.tag])).toEqual([[1, 4]]);
    net.recoverNic(1, 0);
    expect(net.isNicFailed(1, 0)).toBe(false);
    expect(net.pollNotification(notification)).toBe(true);
    expect(notification.kind).toBe(NotificationKind.NicRecovered);
  });

  it('bounds the notification ring and counts what it drops', () => {
    const { net } = scriptedNetwork({ seed: 1, hosts: uniformHosts(2, 100e9), notificationsMax: 2 });
    net.failNic(0, 0);
    net.recoverNic(0, 0);
    net.failNic(0, 0);
    expect(net.notificationsPending).toBe(2);
    expect(net.notificationsDroppedTotal).toBe(1);
  });
});

describe('SimNetwork scenario events', () => {
  it('returns scenario events in time order, before the network’s own work at that time', () => {
    const { net, ep } = scriptedNetwork({ seed: 1, hosts: uniformHosts(2, 100e9, 500), traceCapacity: 100 });
    net.at(5000, 7, 42);
    net.at(2000, 3, -1);
    net.at(5000, 8, 43);
    ep(0).send({ peer: 1, priority: 0, length: 100, tag: 1, notBeforeUs: 5 });
    const seen: number[][] = [];
    for (;;) {
      const kind = net.run(1_000_000);
      if (kind === RUN_LIMIT_REACHED) break;
      seen.push([kind, net.eventArg, net.nowNs, ep(0).sentTags.length]);
    }
    expect(seen).toEqual([
      [3, -1, 2000, 0],
      [7, 42, 5000, 0], // the endpoint's 5 µs deadline has not run yet
      [8, 43, 5000, 0],
    ]);
    expect(net.nowNs).toBe(1_000_000);
    expect(ep(1).received.length).toBe(1);
    expect(() => net.at(10, 1)).toThrow(/nowNs/);
    expect(() => net.run(10)).toThrow(/nowNs/);
  });

  it('lets a scenario script faults at exact times', () => {
    const EVENT_CUT = 1;
    const EVENT_HEAL = 2;
    const { net, ep } = scriptedNetwork({ seed: 1, hosts: uniformHosts(2, 100e9, 500) });
    for (let us = 0; us < 100; us++) ep(0).send({ peer: 1, priority: 0, length: 100, tag: us, notBeforeUs: us });
    net.at(20_000, EVENT_CUT, 0);
    net.at(40_000, EVENT_HEAL, 0);
    for (;;) {
      const kind = net.run(1_000_000);
      if (kind === RUN_LIMIT_REACHED) break;
      if (kind === EVENT_CUT) net.partition(0, 1);
      if (kind === EVENT_HEAL) net.heal(0, 1);
    }
    // Sent at t µs, a datagram reaches the first switch at t µs + 508 ns and host 1 at + 1016 ns; a
    // partition is checked at both, so those sent at 19 (arriving at 20.016 µs) … 39 µs are cut.
    const tags = ep(1).received.map((r) => r.tag);
    expect(tags).toEqual([...Array.from({ length: 19 }, (_, k) => k), ...Array.from({ length: 60 }, (_, k) => 40 + k)]);
    expect(net.nicStats(1, 0).droppedPartition).toBe(21);
  });

  it('bounds the scenario agenda with a typed backpressure error', () => {
    const { net } = scriptedNetwork({ seed: 1, hosts: uniformHosts(2, 100e9), scenarioEventsMax: 2 });
    net.at(1, 1);
    net.at(2, 1);
    let code = '';
    try {
      net.at(3, 1);
    } catch (error) {
      code = (error as { code: string }).code;
    }
    expect(code).toBe('DCQ_BACKPRESSURE');
    expect(net.scenarioEventsPending).toBe(2);
  });
});
