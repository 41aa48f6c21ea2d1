/**
 * Small fake endpoints for the network-model tests: a scripted sender/receiver that emits queued
 * datagrams no earlier than their scheduled µs and records everything it receives, optionally
 * echoing it back. Each datagram carries a 4-byte little-endian tag so tests can follow it.
 */
import type { DatagramEndpoint, TransmitInfo } from '@dcq/core';
import {
  type EndpointAddress,
  type HostConfig,
  SimNetwork,
  type SimNetworkOptions,
  type SimTraceEntry,
  SimTraceKind,
} from '../src/index.js';

/** One datagram a {@link ScriptedEndpoint} will send. */
export interface Outgoing {
  readonly peer: number;
  readonly priority: number;
  readonly length: number;
  readonly tag: number;
  /** Not sent before this µs (default 0). */
  readonly notBeforeUs?: number;
}

/** One datagram a {@link ScriptedEndpoint} received. */
export interface Received {
  readonly nowUs: number;
  readonly peer: number;
  readonly length: number;
  readonly tag: number;
  /** A copy of the bytes, when the endpoint keeps them. */
  readonly bytes?: Uint8Array;
}

/** Writes `tag` into the first 4 bytes (LE) and a tag-derived pattern after it. */
export function fillDatagram(out: Uint8Array, offset: number, length: number, tag: number): void {
  for (let i = 0; i < length; i++) {
    out[offset + i] = i < 4 ? (tag >>> (8 * i)) & 0xff : (tag * 31 + i) & 0xff;
  }
}

/** Reads the tag of a datagram (0 for datagrams shorter than 4 bytes). */
export function readTag(bytes: Uint8Array, offset: number, length: number): number {
  if (length < 4) return 0;
  return (
    ((bytes[offset] as number) |
      ((bytes[offset + 1] as number) << 8) |
      ((bytes[offset + 2] as number) << 16) |
      ((bytes[offset + 3] as number) << 24)) >>>
    0
  );
}

/**
 * Sends its outbox in order (each entry no earlier than its `notBeforeUs`; an entry not yet due
 * blocks the ones behind it), records what it receives, and with `echo` answers every datagram
 * with one of the same length and tag to the same peer.
 */
export class ScriptedEndpoint implements DatagramEndpoint {
  readonly outbox: Outgoing[] = [];
  readonly received: Received[] = [];
  /** Tags in the order they were emitted. */
  readonly sentTags: number[] = [];
  readonly echo: boolean;
  readonly keepBytes: boolean;
  readonly address: EndpointAddress;
  timeoutCalls = 0;
  private head = 0;

  constructor(address: EndpointAddress, options: { readonly echo?: boolean; readonly keepBytes?: boolean } = {}) {
    this.address = address;
    this.echo = options.echo ?? false;
    this.keepBytes = options.keepBytes ?? false;
  }

  /** Queues datagrams (call `SimNetwork.wake` after adding between runs). */
  send(...items: Outgoing[]): void {
    this.outbox.push(...items);
  }

  get pending(): number {
    return this.outbox.length - this.head;
  }

  handleDatagram(nowUs: number, bytes: Uint8Array, offset: number, length: number, peer: number): void {
    const tag = readTag(bytes, offset, length);
    if (this.keepBytes) {
      this.received.push({ nowUs, peer, length, tag, bytes: bytes.slice(offset, offset + length) });
    } else {
      this.received.push({ nowUs, peer, length, tag });
    }
    if (this.echo) this.outbox.push({ peer, priority: 0, length, tag, notBeforeUs: nowUs });
  }

  handleTimeout(_nowUs: number): void {
    this.timeoutCalls++;
  }

  pollTransmit(nowUs: number, out: Uint8Array, offset: number, info: TransmitInfo): number {
    const next = this.outbox[this.head];
    if (next === undefined || (next.notBeforeUs ?? 0) > nowUs) return 0;
    this.head++;
    this.sentTags.push(next.tag);
    fillDatagram(out, offset, next.length, next.tag);
    info.peer = next.peer;
    info.priority = next.priority;
    return next.length;
  }

  pollTimeoutUs(): number {
    const next = this.outbox[this.head];
    return next === undefined ? Number.POSITIVE_INFINITY : (next.notBeforeUs ?? 0);
  }
}

/** `count` hosts with one NIC each at `rateBitsPerSecond` and `propagationDelayNs`. */
export function uniformHosts(count: number, rateBitsPerSecond: number, propagationDelayNs = 500): HostConfig[] {
  const hosts: HostConfig[] = [];
  for (let h = 0; h < count; h++) hosts.push({ nics: [{ rateBitsPerSecond, propagationDelayNs }] });
  return hosts;
}

/** A network of {@link ScriptedEndpoint}s, with every created endpoint recorded by (host, nic, incarnation). */
export function scriptedNetwork(
  options: Omit<SimNetworkOptions, 'createEndpoint'> & {
    readonly echoHosts?: readonly number[];
    readonly keepBytes?: boolean;
  },
): { net: SimNetwork; ep: (host: number, nic?: number) => ScriptedEndpoint; created: ScriptedEndpoint[] } {
  const created: ScriptedEndpoint[] = [];
  const echo = new Set(options.echoHosts ?? []);
  const net = new SimNetwork({
    ...options,
    createEndpoint: (address) => {
      const endpoint = new ScriptedEndpoint(address, {
        echo: echo.has(address.host),
        keepBytes: options.keepBytes ?? false,
      });
      created.push(endpoint);
      return endpoint;
    },
  });
  const ep = (host: number, nic = 0): ScriptedEndpoint => {
    const endpoint = net.endpoint(host, nic);
    if (!(endpoint instanceof ScriptedEndpoint)) throw new Error(`no endpoint at host ${host} NIC ${nic}`);
    return endpoint;
  };
  return { net, ep, created };
}

/** The trace entries of one kind. */
export function entriesOf(net: SimNetwork, kind: SimTraceKind): SimTraceEntry[] {
  return net.traceEntries().filter((entry) => entry.kind === kind);
}

/** Delivery times (ns) by datagram id, from the trace ring. */
export function deliveryTimes(net: SimNetwork): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of entriesOf(net, SimTraceKind.Deliver)) out.set(entry.datagramId, entry.timeNs);
  return out;
}

/** Runs to `limitNs`, failing if a scenario event interrupts. */
export function runTo(net: SimNetwork, limitNs: number): void {
  const kind = net.run(limitNs);
  if (kind !== -1) throw new Error(`unexpected scenario event ${kind}`);
}

/**
 * Checks datagram conservation: every datagram emitted plus every duplicate is delivered, dropped
 * for a counted reason, or still in the network. Returns the terms for further assertions.
 */
export function conservation(net: SimNetwork): { lhs: number; rhs: number } {
  const s = net.stats();
  const n = s.nics;
  const l = s.links;
  const lhs = n.sentDatagrams + l.duplicated;
  const rhs =
    n.deliveredDatagrams +
    n.droppedMtu +
    n.droppedNoSlot +
    n.droppedNoRoute +
    n.droppedNicDown +
    n.droppedHostDown +
    n.droppedPartition +
    n.droppedUnknownPeer +
    l.droppedQueue +
    l.droppedDown +
    l.droppedLoss +
    l.droppedBurstLoss +
    l.droppedNoSlot +
    l.droppedFlushed +
    s.inFlightDatagrams;
  return { lhs, rhs };
}

/**
 * A paced blaster for load tests: up to `perUs` datagrams of `length` bytes per µs, round-robin
 * over `peers`, each tagged with a counter (only the tag bytes are written, to keep the
 * endpoint's own cost out of network measurements). Counts what it receives.
 */
export class BlastEndpoint implements DatagramEndpoint {
  receivedDatagrams = 0;
  sentDatagrams = 0;
  private readonly peers: readonly number[];
  private readonly length: number;
  private readonly perUs: number;
  private readonly priority: number;
  private currentUs = -1;
  private sentThisUs = 0;
  private nextPeer = 0;

  constructor(options: {
    readonly peers: readonly number[];
    readonly length: number;
    readonly perUs: number;
    readonly priority?: number;
  }) {
    this.peers = options.peers;
    this.length = options.length;
    this.perUs = options.perUs;
    this.priority = options.priority ?? 0;
  }

  handleDatagram(_nowUs: number, _bytes: Uint8Array, _offset: number, _length: number, _peer: number): void {
    this.receivedDatagrams++;
  }

  handleTimeout(_nowUs: number): void {}

  pollTransmit(nowUs: number, out: Uint8Array, offset: number, info: TransmitInfo): number {
    if (nowUs !== this.currentUs) {
      this.currentUs = nowUs;
      this.sentThisUs = 0;
    }
    if (this.sentThisUs >= this.perUs || this.peers.length === 0) return 0;
    this.sentThisUs++;
    const tag = this.sentDatagrams++;
    out[offset] = tag & 0xff;
    out[offset + 1] = (tag >>> 8) & 0xff;
    out[offset + 2] = (tag >>> 16) & 0xff;
    out[offset + 3] = (tag >>> 24) & 0xff;
    info.peer = this.peers[this.nextPeer] as number;
    info.priority = this.priority;
    this.nextPeer = (this.nextPeer + 1) % this.peers.length;
    return this.length;
  }

  pollTimeoutUs(): number {
    return this.currentUs + 1;
  }
}
