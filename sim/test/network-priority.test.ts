/**
 * SimNetwork ports: strict priority across 8 classes, bounded shared buffers with per-class tail
 * drops under incast, and a model-based check of every port's discipline on random traffic — a
 * checker that re-derives, from the trace alone, what a work-conserving, non-preemptive,
 * strict-priority, FIFO-per-class port with exact busy-period serialization and a tail-dropping
 * byte bound must have done (ties at the same ns are accepted in either order).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type HostConfig, type SimNetwork, SimTraceKind } from '../src/index.js';
import {
  conservation,
  deliveryTimes,
  runTo,
  type ScriptedEndpoint,
  scriptedNetwork,
  uniformHosts,
} from './network-fakes.js';

const BARE = { headerBytes: 0, framingBytes: 0, mtuBytes: 9000 } as const;

describe('SimNetwork priorities', () => {
  it('serves class 0 strictly ahead of class 7 at a congested port, and drains class 7 when 0 is idle', () => {
    const hosts = [...uniformHosts(2, 100e9, 500), { nics: [{ rateBitsPerSecond: 10e9, propagationDelayNs: 500 }] }];
    const { net, ep } = scriptedNetwork({ seed: 1, hosts, ...BARE, traceCapacity: 1000 });
    for (let k = 0; k < 20; k++) {
      ep(0).send({ peer: 2, priority: 7, length: 1000, tag: 700 + k });
      ep(1).send({ peer: 2, priority: 0, length: 1000, tag: k });
    }
    runTo(net, 1_000_000);
    // Both first datagrams reach the switch at 580 ns; host 0's was forwarded first and is already
    // serializing (non-preemptive). Then every class-0 datagram, then the rest of class 7.
    const order = ep(2).received.map((r) => r.tag);
    const expected = [
      700,
      ...Array.from({ length: 20 }, (_, k) => k),
      ...Array.from({ length: 19 }, (_, k) => 701 + k),
    ];
    expect(order).toEqual(expected);
    const down = net.linkStats(net.nicDownlink(2, 0));
    expect(down.classes[0]?.txDatagrams).toBe(20);
    expect(down.classes[7]?.txDatagrams).toBe(20);
    expect(down.droppedQueue).toBe(0);
    // 1000 B at 10 Gb/s = 800 ns back to back from 580 ns: the last one ends at 580 + 40 × 800.
    expect(Math.max(...deliveryTimes(net).values())).toBe(580 + 40 * 800 + 500);
  });

  it('tail-drops at the shared buffer bound under incast, counted per class', () => {
    const senders = 8;
    const hosts = [
      ...uniformHosts(senders, 100e9, 500),
      { nics: [{ rateBitsPerSecond: 10e9, propagationDelayNs: 500 }] },
    ];
    const bufferBytes = 16_000;
    const { net, ep } = scriptedNetwork({ seed: 3, hosts, ...BARE, switchBufferBytes: bufferBytes, peersMax: 16 });
    for (let s = 0; s < senders; s++) {
      for (let k = 0; k < 40; k++) ep(s).send({ peer: senders, priority: s, length: 1000, tag: s * 1000 + k });
    }
    runTo(net, 2_000_000);
    const down = net.linkStats(net.nicDownlink(senders, 0));
    expect(down.droppedQueue).toBeGreaterThan(0);
    expect(down.queueBytesPeak).toBeLessThanOrEqual(bufferBytes);
    expect(down.queueBytesPeak).toBeGreaterThan(bufferBytes - 1000);
    let classDrops = 0;
    for (let s = 0; s < senders; s++) {
      const cls = down.classes[s];
      expect(cls).toBeDefined();
      if (cls === undefined) continue;
      classDrops += cls.droppedQueue;
      const received = ep(senders).received.filter((r) => Math.floor(r.tag / 1000) === s).length;
      expect(received).toBe(40 - cls.droppedQueue);
      expect(cls.txDatagrams).toBe(received);
      expect(cls.queueBytesPeak).toBeLessThanOrEqual(bufferBytes);
    }
    expect(classDrops).toBe(down.droppedQueue);
    expect(down.droppedQueueBytes).toBe(1000 * down.droppedQueue);
    const { lhs, rhs } = conservation(net);
    expect(rhs).toBe(lhs);
    expect(net.stats().inFlightDatagrams).toBe(0);
    // Strict priority under the same offered load: class 0 gets through first on average.
    const order = ep(senders).received.map((r) => Math.floor(r.tag / 1000));
    const meanPosition = (c: number): number => {
      const positions = order.flatMap((cls, i) => (cls === c ? [i] : []));
      return positions.reduce((a, b) => a + b, 0) / positions.length;
    };
    expect(meanPosition(0)).toBeLessThan(meanPosition(7));
  });

  it('satisfies the port discipline on random traffic (model-based)', () => {
    const send = fc.record({
      timeUs: fc.integer({ min: 0, max: 30 }),
      length: fc.integer({ min: 64, max: 1472 }),
      priority: fc.integer({ min: 0, max: 7 }),
    });
    const scenario = fc.record({
      seed: fc.nat(1000),
      senderRates: fc.array(fc.constantFrom(25e9, 40e9, 100e9), { minLength: 1, maxLength: 3 }),
      receiverRate: fc.constantFrom(3e9, 10e9, 25e9),
      delays: fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: 4, maxLength: 4 }),
      bufferBytes: fc.integer({ min: 1600, max: 30_000 }),
      sends: fc.array(fc.array(send, { maxLength: 30 }), { minLength: 3, maxLength: 3 }),
    });
    fc.assert(
      fc.property(scenario, (sc) => {
        const senders = sc.senderRates.length;
        const hosts: HostConfig[] = sc.senderRates.map((rate, s) => ({
          nics: [{ rateBitsPerSecond: rate, propagationDelayNs: sc.delays[s] as number }],
        }));
        hosts.push({ nics: [{ rateBitsPerSecond: sc.receiverRate, propagationDelayNs: sc.delays[3] as number }] });
        const { net, ep } = scriptedNetwork({
          seed: sc.seed,
          hosts,
          switchBufferBytes: sc.bufferBytes,
          nicQueueBytes: 1 << 22,
          transmitsPerInstantMax: 1 << 20,
          traceCapacity: 10_000,
        });
        const classOf = new Map<number, number>();
        for (let s = 0; s < senders; s++) {
          const list = [...(sc.sends[s] ?? [])].sort((a, b) => a.timeUs - b.timeUs);
          list.forEach((item, k) => {
            const tag = s * 1000 + k;
            classOf.set(tag, item.priority);
            ep(s).send({ peer: senders, priority: item.priority, length: item.length, tag, notBeforeUs: item.timeUs });
          });
        }
        runTo(net, 5_000_000);
        checkAllPorts(net, senders, classOf, (s) => ep(s));
        const { lhs, rhs } = conservation(net);
        expect(rhs).toBe(lhs);
        expect(net.stats().inFlightDatagrams).toBe(0);
        expect(net.stats().links.queueBytes).toBe(0);
      }),
      { numRuns: 60 },
    );
  });
});

interface PortPacket {
  readonly id: number;
  readonly arriveNs: number;
  readonly cls: number;
  readonly wire: number;
  endNs: number | null;
}

/** Rebuilds every port's packets from the trace and checks each port's discipline. */
function checkAllPorts(
  net: SimNetwork,
  senders: number,
  classOf: Map<number, number>,
  ep: (host: number) => ScriptedEndpoint,
): void {
  const entries = net.traceEntries();
  expect(entries.length).toBeLessThan(10_000); // the ring kept everything
  const wireOf = (length: number): number => length + net.headerBytes + net.framingBytes;
  const cls = new Map<number, number>();
  const sentIndex = new Array<number>(senders).fill(0);
  const nicPackets: PortPacket[][] = Array.from({ length: senders }, () => []);
  const switchPackets: PortPacket[] = [];
  const byId = new Map<number, PortPacket>();
  const downlink = net.nicDownlink(senders, 0);
  for (const e of entries) {
    if (e.kind === SimTraceKind.Send) {
      const tag = ep(e.src).sentTags[sentIndex[e.src] as number] as number;
      sentIndex[e.src] = (sentIndex[e.src] as number) + 1;
      const c = classOf.get(tag) as number;
      cls.set(e.datagramId, c);
      const packet = { id: e.datagramId, arriveNs: e.timeNs, cls: c, wire: wireOf(e.length), endNs: null };
      (nicPackets[e.src] as PortPacket[]).push(packet);
      byId.set(e.datagramId, packet);
    } else if (e.kind === SimTraceKind.Depart && e.where < senders) {
      (byId.get(e.datagramId) as PortPacket).endNs = e.timeNs;
      const delay = net.topology.portPropagationDelayNs[e.where] as number;
      switchPackets.push({
        id: e.datagramId,
        arriveNs: e.timeNs + delay,
        cls: cls.get(e.datagramId) as number,
        wire: wireOf(e.length),
        endNs: null,
      });
    } else if (e.kind === SimTraceKind.Depart && e.where === downlink) {
      const packet = switchPackets.find((p) => p.id === e.datagramId) as PortPacket;
      packet.endNs = e.timeNs;
    } else if (e.kind === SimTraceKind.DropQueue) {
      expect(e.where).toBe(downlink); // NIC queues never tail-drop (backpressure)
    }
  }
  for (let s = 0; s < senders; s++) {
    checkPort(nicPackets[s] as PortPacket[], net.linkRateBitsPerSecond(s), Number.POSITIVE_INFINITY);
  }
  checkPort(switchPackets, net.linkRateBitsPerSecond(downlink), net.linkBufferBytes(downlink));
  // Deliveries: exactly the datagrams the switch port transmitted, one propagation delay later.
  const delivered = new Map<number, number>();
  for (const e of entries) if (e.kind === SimTraceKind.Deliver) delivered.set(e.datagramId, e.timeNs);
  const receiverDelay = net.topology.portPropagationDelayNs[downlink] as number;
  for (const p of switchPackets) {
    if (p.endNs === null) expect(delivered.has(p.id)).toBe(false);
    else expect(delivered.get(p.id)).toBe(p.endNs + receiverDelay);
  }
}

/** Checks one port's packets: exact serialization, work conservation, strict priority, FIFO per class, tail drop. */
function checkPort(packets: readonly PortPacket[], rate: number, bufferBytes: number): void {
  const sent = packets.filter((p) => p.endNs !== null).sort((a, b) => (a.endNs as number) - (b.endNs as number));
  const start = new Map<number, number>();
  let previousEnd = Number.NEGATIVE_INFINITY;
  let busyStart = 0;
  let bits = 0;
  for (const p of sent) {
    const s = Math.max(p.arriveNs, previousEnd);
    if (s > previousEnd) {
      busyStart = s;
      bits = 0;
    }
    bits += 8 * p.wire;
    const end = busyStart + Math.ceil((bits * 1e9) / rate);
    if (bits * 1e9 >= 2 ** 52) {
      busyStart = end;
      bits = 0;
    }
    expect(p.endNs).toBe(end);
    start.set(p.id, s);
    previousEnd = end;
  }
  for (let k = 0; k < sent.length; k++) {
    const chosen = sent[k] as PortPacket;
    const s = start.get(chosen.id) as number;
    for (let j = k + 1; j < sent.length; j++) {
      const waiting = sent[j] as PortPacket;
      if (waiting.arriveNs >= s) continue; // arrived later (or at the same ns: either order is fine)
      expect(waiting.cls).toBeGreaterThanOrEqual(chosen.cls);
      if (waiting.cls === chosen.cls) expect(waiting.arriveNs).toBeGreaterThanOrEqual(chosen.arriveNs);
    }
  }
  if (bufferBytes === Number.POSITIVE_INFINITY) {
    expect(sent.length).toBe(packets.length);
    return;
  }
  for (const a of packets) {
    const t = a.arriveNs;
    let certain = 0;
    let maybe = 0;
    for (const b of sent) {
      if (b.id === a.id) continue;
      const end = b.endNs as number;
      if (b.arriveNs < t && end > t) certain += b.wire;
      else if ((b.arriveNs === t && end > t) || (b.arriveNs < t && end === t)) maybe += b.wire;
    }
    if (a.endNs === null) expect(certain + maybe + a.wire).toBeGreaterThan(bufferBytes);
    else expect(certain + a.wire).toBeLessThanOrEqual(bufferBytes);
  }
}
