/**
 * SimNetwork leaf–spine fabric: exact timing across four hops, per-flow ECMP by the documented
 * hash (deterministic, salted), and per-datagram spraying from the leaf's own generator stream.
 */
import { describe, expect, it } from 'vitest';
import { ecmpSpine, type FabricConfig, SimTraceKind } from '../src/index.js';
import { deliveryTimes, entriesOf, runTo, scriptedNetwork, uniformHosts } from './network-fakes.js';

const BARE = { headerBytes: 0, framingBytes: 0, mtuBytes: 9000 } as const;

function fabric(overrides: Partial<Extract<FabricConfig, { kind: 'leaf-spine' }>> = {}): FabricConfig {
  return {
    kind: 'leaf-spine',
    leafCount: 2,
    spineCount: 4,
    uplinkRateBitsPerSecond: 100e9,
    uplinkPropagationDelayNs: 1000,
    ...overrides,
  };
}

/** Every host of leaf 0 (hosts 0–3) sends `perFlow` datagrams to every host of leaf 1 (hosts 4–7). */
function crossTraffic(options: { readonly seed: number; readonly fabric: FabricConfig; readonly perFlow: number }) {
  const made = scriptedNetwork({
    seed: options.seed,
    hosts: uniformHosts(8, 100e9, 500),
    fabric: options.fabric,
    ...BARE,
    traceCapacity: 50_000,
  });
  for (let src = 0; src < 4; src++) {
    for (let k = 0; k < options.perFlow; k++) {
      for (let dst = 4; dst < 8; dst++)
        made.ep(src).send({ peer: dst, priority: 0, length: 500, tag: src * 100 + dst });
    }
  }
  runTo(made.net, 10_000_000);
  return made;
}

/** For each (src NIC, dst NIC) flow, the set of spines its datagrams went up to. */
function spinesByFlow(net: ReturnType<typeof crossTraffic>['net']): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  for (let spine = 0; spine < 4; spine++) {
    const link = net.fabricUplink({ leaf: 0, spine });
    for (const e of entriesOf(net, SimTraceKind.Depart)) {
      if (e.where !== link) continue;
      const key = `${e.src}->${e.dst}`;
      const set = out.get(key) ?? new Set<number>();
      set.add(spine);
      out.set(key, set);
    }
  }
  return out;
}

describe('SimNetwork leaf–spine', () => {
  it('routes across leaves through a spine with serialization at every hop (exact ns)', () => {
    const { net, ep } = scriptedNetwork({
      seed: 1,
      hosts: uniformHosts(8, 100e9, 500),
      fabric: fabric(),
      ...BARE,
      traceCapacity: 100,
    });
    ep(0).send({ peer: 4, priority: 0, length: 1000, tag: 1 }, { peer: 1, priority: 0, length: 1000, tag: 2 });
    runTo(net, 100_000);
    // To host 4: NIC [0, 80) +500, leaf0→spine [580, 660) +1000, spine→leaf1 [1660, 1740) +1000,
    // leaf1→host4 [2740, 2820) +500 = 3320. To host 1 (same leaf): NIC [80, 160) +500, [660, 740) +500.
    expect([...deliveryTimes(net).values()].sort((a, b) => a - b)).toEqual([1240, 3320]);
    const spine = ecmpSpine(net.nicId(0, 0), net.nicId(4, 0), 0, 4);
    const path = entriesOf(net, SimTraceKind.Depart)
      .filter((e) => e.dst === net.nicId(4, 0))
      .map((e) => net.linkName(e.where));
    expect(path).toEqual(['h0.n0->leaf0', `leaf0->spine${spine}`, `spine${spine}->leaf1`, 'leaf1->h4.n0']);
    expect(net.topology.hostLeaf[3]).toBe(0);
    expect(net.topology.hostLeaf[4]).toBe(1);
  });

  it('pins each flow to the spine of its documented hash, deterministically', () => {
    const first = crossTraffic({ seed: 1, fabric: fabric(), perFlow: 10 });
    const byFlow = spinesByFlow(first.net);
    expect(byFlow.size).toBe(16);
    const used = new Set<number>();
    for (const [key, spines] of byFlow) {
      const [src, dst] = key.split('->').map(Number) as [number, number];
      expect([...spines]).toEqual([ecmpSpine(src, dst, 0, 4)]);
      used.add(ecmpSpine(src, dst, 0, 4));
    }
    expect(used.size).toBeGreaterThan(1);
    // Every datagram arrived, in order per flow (one path per flow).
    for (let dst = 4; dst < 8; dst++) {
      const received = first.ep(dst).received;
      expect(received.length).toBe(40);
    }
    const again = crossTraffic({ seed: 1, fabric: fabric(), perFlow: 10 });
    expect(again.net.traceHash()).toBe(first.net.traceHash());
    // A different salt gives a different, equally deterministic map.
    const salted = crossTraffic({ seed: 1, fabric: fabric({ ecmpSalt: 7 }), perFlow: 10 });
    let moved = 0;
    for (const [key, spines] of spinesByFlow(salted.net)) {
      const [src, dst] = key.split('->').map(Number) as [number, number];
      expect([...spines]).toEqual([ecmpSpine(src, dst, 7, 4)]);
      if (ecmpSpine(src, dst, 7, 4) !== ecmpSpine(src, dst, 0, 4)) moved++;
    }
    expect(moved).toBeGreaterThan(0);
  });

  it('sprays datagrams across spines per packet from the leaf’s seeded stream', () => {
    const sprayed = crossTraffic({ seed: 5, fabric: fabric({ ecmp: 'packet' }), perFlow: 40 });
    const byFlow = spinesByFlow(sprayed.net);
    for (const spines of byFlow.values()) expect(spines.size).toBeGreaterThan(1);
    const perSpine = [0, 1, 2, 3].map(
      (spine) => sprayed.net.linkStats(sprayed.net.fabricUplink({ leaf: 0, spine })).txDatagrams,
    );
    expect(perSpine.reduce((a, b) => a + b, 0)).toBe(640);
    for (const count of perSpine) expect(Math.abs(count - 160)).toBeLessThan(60);
    const again = crossTraffic({ seed: 5, fabric: fabric({ ecmp: 'packet' }), perFlow: 40 });
    expect(again.net.traceHash()).toBe(sprayed.net.traceHash());
    const other = crossTraffic({ seed: 6, fabric: fabric({ ecmp: 'packet' }), perFlow: 40 });
    expect(other.net.traceHash()).not.toBe(sprayed.net.traceHash());
  });

  it('validates the fabric', () => {
    const hosts = uniformHosts(4, 100e9);
    expect(() => scriptedNetwork({ seed: 1, hosts, fabric: fabric({ spineCount: 0 }) })).toThrow(/spineCount/);
    expect(() =>
      scriptedNetwork({ seed: 1, hosts: [{ nics: [{ rateBitsPerSecond: 1e9 }], leaf: 2 }], fabric: fabric() }),
    ).toThrow(/leaf of host 0/);
    const { net } = scriptedNetwork({ seed: 1, hosts });
    expect(() => net.fabricUplink({ leaf: 0, spine: 0 })).toThrow(/single-switch/);
  });
});
