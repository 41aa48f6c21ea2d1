/**
 * The simulated datacenter's shape: hosts with 1–8 NICs, attached to one switch or to the leaves
 * of a two-tier leaf–spine fabric, and the numbering of everything the {@link SimNetwork} keeps in
 * typed arrays. This module owns the configuration types, their validation and the derived
 * tables (which host owns which NIC, which leaf serves it, each port's rate, delay and far end).
 *
 * ## Numbering
 * - NICs (addresses) are numbered host by host: NIC id = first NIC of the host + the NIC's index
 *   within the host. `N` = total NICs.
 * - A *port* is an egress interface and drives exactly one directed *link*, so a link id is its
 *   port id:
 *   - `[0, N)`: NIC `i`'s transmit port, on the link NIC `i` → its leaf (the switch);
 *   - `[N, 2N)`: the leaf's port towards NIC `i`, on the link leaf → NIC `i`;
 *   - `[2N, 2N + L·S)`: leaf `l` → spine `s` is `2N + l·S + s`;
 *   - `[2N + L·S, 2N + 2·L·S)`: spine `s` → leaf `l` is `2N + L·S + s·L + l`.
 *   A single switch is a leaf–spine fabric with one leaf and no spines.
 * - Nodes (what a link leads to): `[0, N)` NICs, `N + l` leaf `l`, `N + L + s` spine `s`.
 *
 * ## ECMP
 * A datagram between hosts on different leaves goes up to one spine: by default the spine of its
 * flow, `ecmpSpine(src, dst, salt, S)` — an FNV-1a hash of (source NIC, destination NIC, salt) —
 * so all datagrams of one NIC pair take one path and stay in order, as with a switch's 5-tuple
 * hash (the UDP ports are fixed, so the address pair is the flow). `ecmp: 'packet'` sprays each
 * datagram to a uniformly drawn spine instead (from the leaf's own generator stream).
 */
import { InvalidArgumentError } from '@dcq/core';
import { FNV1A32_OFFSET_BASIS, fnv1a32Word } from '@dcq/core/testing';

/** Most hosts in one simulated network. */
export const SIM_HOSTS_MAX = 4096;
/** Most NICs one host may have. */
export const SIM_NICS_PER_HOST_MAX = 8;
/** Most NICs in one simulated network (the reverse peer table is N² int32s: 16 MiB at the limit). */
export const SIM_NICS_MAX = 2048;
/** Most leaves or spines of a leaf–spine fabric. */
export const SIM_SWITCHES_MAX = 256;
/** Highest link rate accepted, bits/s (about 8.8 Tb/s). */
export const SIM_RATE_BITS_PER_SECOND_MAX = 2 ** 43;
/** Default propagation delay of a NIC's links to and from its switch, ns (cable plus switch forwarding latency). */
export const NIC_PROPAGATION_DELAY_NS_DEFAULT = 500;
/** Default propagation delay of a leaf–spine link, ns. */
export const FABRIC_PROPAGATION_DELAY_NS_DEFAULT = 1000;

/** One NIC of a host. */
export interface NicConfig {
  /** Line rate of the NIC and of the switch port facing it, bits/s (e.g. 25e9, 100e9). */
  readonly rateBitsPerSecond: number;
  /**
   * One-way delay of the NIC's links to and from its switch, ns: a safe non-negative integer
   * (default {@link NIC_PROPAGATION_DELAY_NS_DEFAULT}). Fold the switch's forwarding latency in here.
   */
  readonly propagationDelayNs?: number;
}

/** One host. */
export interface HostConfig {
  /** Its NICs, 1 to {@link SIM_NICS_PER_HOST_MAX}; NIC `k` of the host is `(host, k)`. */
  readonly nics: readonly NicConfig[];
  /** The leaf it hangs off in a leaf–spine fabric (default: hosts are split into contiguous racks). */
  readonly leaf?: number;
  /**
   * Transfers the host's transport must hold at once — live ones and those lingering after they
   * ended (time-wait) — e.g. a client issuing a burst of 10,000 RPCs; the network ignores it, the
   * runner passes it to the transport factory (default {@link SIM_TRANSFERS_MAX_DEFAULT}).
   */
  readonly transfersMax?: number;
}

/** Default of {@link HostConfig.transfersMax}. */
export const SIM_TRANSFERS_MAX_DEFAULT = 4096;

/** A single switch that every NIC plugs into. */
export interface SingleSwitchFabric {
  /** Discriminant. */
  readonly kind: 'switch';
}

/** A two-tier leaf–spine fabric: every leaf has one link to every spine. */
export interface LeafSpineFabric {
  /** Discriminant. */
  readonly kind: 'leaf-spine';
  /** Number of leaves (top-of-rack switches), 1 to {@link SIM_SWITCHES_MAX}. */
  readonly leafCount: number;
  /** Number of spines, 1 to {@link SIM_SWITCHES_MAX}. */
  readonly spineCount: number;
  /** Rate of every leaf–spine link (both directions), bits/s. */
  readonly uplinkRateBitsPerSecond: number;
  /** One-way delay of a leaf–spine link, ns (default {@link FABRIC_PROPAGATION_DELAY_NS_DEFAULT}). */
  readonly uplinkPropagationDelayNs?: number;
  /** Path choice: per flow by hash (default) or per datagram at random. */
  readonly ecmp?: 'flow' | 'packet';
  /** Salt of the flow hash (default 0): different salts give different flow → spine maps. */
  readonly ecmpSalt?: number;
}

/** The switching fabric. */
export type FabricConfig = SingleSwitchFabric | LeafSpineFabric;

/** The spine a flow from NIC `src` to NIC `dst` takes among `spineCount` (documented, stable hash). */
export function ecmpSpine(src: number, dst: number, salt: number, spineCount: number): number {
  let h = fnv1a32Word(FNV1A32_OFFSET_BASIS, src);
  h = fnv1a32Word(h, dst);
  h = fnv1a32Word(h, salt);
  return h % spineCount;
}

function checkRate(value: number, name: string): number {
  if (!(value > 0 && value <= SIM_RATE_BITS_PER_SECOND_MAX)) {
    throw new InvalidArgumentError(`${name} must be a rate in (0, 2^43] bits/s, got ${value}`);
  }
  return value;
}

function checkDelay(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(`${name} must be a safe non-negative integer number of ns, got ${value}`);
  }
  return value;
}

function checkCount(value: number, min: number, max: number, name: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

/** The validated topology and its derived tables; see the module comment for the numbering. */
export class SimTopology {
  /** Number of hosts. */
  readonly hostCount: number;
  /** Number of NICs (addresses), `N`. */
  readonly nicCount: number;
  /** Number of leaves, `L` (1 for a single switch). */
  readonly leafCount: number;
  /** Number of spines, `S` (0 for a single switch). */
  readonly spineCount: number;
  /** Number of ports, which is also the number of links: `2N + 2·L·S`. */
  readonly portCount: number;
  /** Number of nodes: `N + L + S`. */
  readonly nodeCount: number;
  /** Per-datagram path choice across spines. */
  readonly sprayPackets: boolean;
  /** Salt of the flow hash. */
  readonly ecmpSalt: number;
  /** First NIC id of each host; entry `hostCount` is `N`. */
  readonly hostFirstNic: Int32Array;
  /** Leaf of each host. */
  readonly hostLeaf: Int32Array;
  /** Host of each NIC. */
  readonly nicHost: Int32Array;
  /** Index of each NIC within its host. */
  readonly nicLocal: Int32Array;
  /** Leaf of each NIC. */
  readonly nicLeaf: Int32Array;
  /** Configured rate of each port, bits/s. */
  readonly portRateBitsPerSecond: Float64Array;
  /** Propagation delay of each port's link, ns. */
  readonly portPropagationDelayNs: Float64Array;
  /** The node at the far end of each port's link. */
  readonly portNextNode: Int32Array;

  constructor(hosts: readonly HostConfig[], fabric: FabricConfig) {
    const hostCount = checkCount(hosts.length, 1, SIM_HOSTS_MAX, 'number of hosts');
    let leafCount = 1;
    let spineCount = 0;
    let uplinkRate = 0;
    let uplinkDelayNs = 0;
    let spray = false;
    let salt = 0;
    if (fabric.kind === 'leaf-spine') {
      leafCount = checkCount(fabric.leafCount, 1, SIM_SWITCHES_MAX, 'leafCount');
      spineCount = checkCount(fabric.spineCount, 1, SIM_SWITCHES_MAX, 'spineCount');
      uplinkRate = checkRate(fabric.uplinkRateBitsPerSecond, 'uplinkRateBitsPerSecond');
      uplinkDelayNs = checkDelay(
        fabric.uplinkPropagationDelayNs ?? FABRIC_PROPAGATION_DELAY_NS_DEFAULT,
        'uplinkPropagationDelayNs',
      );
      const ecmp = fabric.ecmp ?? 'flow';
      if (ecmp !== 'flow' && ecmp !== 'packet') {
        throw new InvalidArgumentError(`ecmp must be 'flow' or 'packet', got ${String(ecmp)}`);
      }
      spray = ecmp === 'packet';
      salt = fabric.ecmpSalt ?? 0;
      if (!Number.isInteger(salt) || salt < 0 || salt > 0xffffffff) {
        throw new InvalidArgumentError(`ecmpSalt must be an integer in [0, 2^32), got ${salt}`);
      }
    } else if (fabric.kind !== 'switch') {
      throw new InvalidArgumentError(
        `fabric.kind must be 'switch' or 'leaf-spine', got ${String((fabric as { kind: unknown }).kind)}`,
      );
    }
    this.hostCount = hostCount;
    this.leafCount = leafCount;
    this.spineCount = spineCount;
    this.sprayPackets = spray;
    this.ecmpSalt = salt;

    this.hostFirstNic = new Int32Array(hostCount + 1);
    this.hostLeaf = new Int32Array(hostCount);
    let nicCount = 0;
    for (let h = 0; h < hostCount; h++) {
      const host = hosts[h] as HostConfig;
      checkCount(host.nics.length, 1, SIM_NICS_PER_HOST_MAX, `number of NICs of host ${h}`);
      this.hostFirstNic[h] = nicCount;
      nicCount += host.nics.length;
      const defaultLeaf = Math.floor((h * leafCount) / hostCount);
      this.hostLeaf[h] = checkCount(host.leaf ?? defaultLeaf, 0, leafCount - 1, `leaf of host ${h}`);
    }
    checkCount(nicCount, 1, SIM_NICS_MAX, 'total number of NICs');
    this.hostFirstNic[hostCount] = nicCount;
    this.nicCount = nicCount;
    this.portCount = 2 * nicCount + 2 * leafCount * spineCount;
    this.nodeCount = nicCount + leafCount + spineCount;

    this.nicHost = new Int32Array(nicCount);
    this.nicLocal = new Int32Array(nicCount);
    this.nicLeaf = new Int32Array(nicCount);
    this.portRateBitsPerSecond = new Float64Array(this.portCount);
    this.portPropagationDelayNs = new Float64Array(this.portCount);
    this.portNextNode = new Int32Array(this.portCount);
    for (let h = 0; h < hostCount; h++) {
      const host = hosts[h] as HostConfig;
      for (let k = 0; k < host.nics.length; k++) {
        const nic = (this.hostFirstNic[h] as number) + k;
        const config = host.nics[k] as NicConfig;
        const rate = checkRate(config.rateBitsPerSecond, `rateBitsPerSecond of host ${h} NIC ${k}`);
        const delayNs = checkDelay(
          config.propagationDelayNs ?? NIC_PROPAGATION_DELAY_NS_DEFAULT,
          `propagationDelayNs of host ${h} NIC ${k}`,
        );
        const leaf = this.hostLeaf[h] as number;
        this.nicHost[nic] = h;
        this.nicLocal[nic] = k;
        this.nicLeaf[nic] = leaf;
        this.portRateBitsPerSecond[nic] = rate;
        this.portPropagationDelayNs[nic] = delayNs;
        this.portNextNode[nic] = nicCount + leaf;
        this.portRateBitsPerSecond[nicCount + nic] = rate;
        this.portPropagationDelayNs[nicCount + nic] = delayNs;
        this.portNextNode[nicCount + nic] = nic;
      }
    }
    for (let l = 0; l < leafCount; l++) {
      for (let s = 0; s < spineCount; s++) {
        const up = this.leafUplink(l, s);
        const down = this.spineDownlink(s, l);
        this.portRateBitsPerSecond[up] = uplinkRate;
        this.portPropagationDelayNs[up] = uplinkDelayNs;
        this.portNextNode[up] = nicCount + leafCount + s;
        this.portRateBitsPerSecond[down] = uplinkRate;
        this.portPropagationDelayNs[down] = uplinkDelayNs;
        this.portNextNode[down] = nicCount + l;
      }
    }
  }

  /** The port (link) leaf `leaf` → spine `spine` (no range check). */
  leafUplink(leaf: number, spine: number): number {
    return 2 * this.nicCount + leaf * this.spineCount + spine;
  }

  /** The port (link) spine `spine` → leaf `leaf` (no range check). */
  spineDownlink(spine: number, leaf: number): number {
    return 2 * this.nicCount + this.leafCount * this.spineCount + spine * this.leafCount + leaf;
  }

  /** A readable name of link `link`, e.g. `h3.n1->leaf0`, `leaf0->h3.n1`, `leaf0->spine2`, `spine2->leaf1`. */
  linkName(link: number): string {
    const n = this.nicCount;
    const ls = this.leafCount * this.spineCount;
    const nicName = (nic: number): string => `h${this.nicHost[nic]}.n${this.nicLocal[nic]}`;
    if (link < n) return `${nicName(link)}->leaf${this.nicLeaf[link]}`;
    if (link < 2 * n) return `leaf${this.nicLeaf[link - n]}->${nicName(link - n)}`;
    if (link < 2 * n + ls) {
      const k = link - 2 * n;
      return `leaf${Math.floor(k / this.spineCount)}->spine${k % this.spineCount}`;
    }
    const k = link - 2 * n - ls;
    return `spine${Math.floor(k / this.leafCount)}->leaf${k % this.leafCount}`;
  }
}
