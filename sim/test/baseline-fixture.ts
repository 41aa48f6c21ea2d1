/**
 * Drives {@link SenderDrivenTransport}s on a {@link SimNetwork} for the baseline tests: one transport
 * per host (one NIC each), transfers submitted at given times (retried on backpressure), outcomes
 * and deliveries drained between short runs, every delivery checked byte for byte.
 */
import { type LinkFaultsUpdate, type SenderDrivenOptions, SenderDrivenTransport, SimNetwork } from '../src/index.js';
import {
  payloadMatches,
  SimDelivery,
  SimOutcome,
  SimStateCounters,
  SimTransferRequest,
} from '../src/scenario/transport.js';

/** A transfer to run: from host `from` to host `to`. */
export interface PlannedTransfer {
  readonly from: number;
  readonly to: number;
  readonly tag: number;
  readonly sizeBytes: number;
  readonly responseSizeBytes?: number;
  readonly priority?: number;
  readonly dependsOnTag?: number;
  readonly dependencyCascades?: boolean;
}

/** What a run produced. */
export interface BaselineRun {
  readonly net: SimNetwork;
  readonly transports: SenderDrivenTransport[];
  /** Outcome status by tag (first and only outcome). */
  readonly status: Map<number, number>;
  /** Retransmissions reported by the outcome, by tag. */
  readonly retransmissions: Map<number, number>;
  /** Deliveries by `${isResponse ? 'rsp' : 'req'}:${tag}` → count. */
  readonly deliveries: Map<string, number>;
  /** Deliveries whose bytes were wrong, or which came from the wrong peer. */
  readonly badDeliveries: number;
  /** Payload bytes delivered (requests, messages and responses). */
  readonly deliveredBytes: number;
  /** Bytes the hosts put on the wire (datagrams + IP/UDP header + framing). */
  readonly wireBytes: number;
  /** Sum of every transport's state counters at the end. */
  readonly state: SimStateCounters;
  /** Virtual time when the last outcome arrived, ns. */
  readonly finishNs: number;
}

/** Options of {@link runBaseline}. */
export interface BaselineRunOptions {
  readonly seed: number;
  readonly hostCount: number;
  readonly rateBitsPerSecond?: number;
  readonly propagationDelayNs?: number;
  readonly switchBufferBytes?: number;
  readonly linkFaults?: LinkFaultsUpdate;
  readonly transport?: SenderDrivenOptions;
  readonly transfers: readonly PlannedTransfer[];
  /** Give up after this much virtual time, ns (default 10 s). */
  readonly limitNs?: number;
  /** Drain period, ns (default 20 µs). */
  readonly stepNs?: number;
  /** After the last outcome, how long to wait for responders' trailing retransmissions, ns (default 2 s). */
  readonly drainNs?: number;
}

/** Runs `transfers` (all submitted at time 0, in order) to completion or `limitNs`. */
export function runBaseline(options: BaselineRunOptions): BaselineRun {
  const hosts = [];
  for (let h = 0; h < options.hostCount; h++) {
    hosts.push({
      nics: [
        {
          rateBitsPerSecond: options.rateBitsPerSecond ?? 100e9,
          propagationDelayNs: options.propagationDelayNs ?? 500,
        },
      ],
    });
  }
  const transports: SenderDrivenTransport[] = [];
  const net = new SimNetwork({
    seed: options.seed,
    hosts,
    ...(options.switchBufferBytes === undefined ? {} : { switchBufferBytes: options.switchBufferBytes }),
    ...(options.linkFaults === undefined ? {} : { linkFaults: options.linkFaults }),
    createEndpoint: (address) => {
      const t = new SenderDrivenTransport({ peersMax: options.hostCount, ...options.transport });
      transports[address.host] = t;
      return t;
    },
  });
  const status = new Map<number, number>();
  const retransmissions = new Map<number, number>();
  const deliveries = new Map<string, number>();
  const sizeOf = new Map<number, PlannedTransfer>();
  for (const t of options.transfers) sizeOf.set(t.tag, t);
  let badDeliveries = 0;
  let deliveredBytes = 0;
  let next = 0;
  let finishNs = 0;
  const request = new SimTransferRequest();
  const outcome = new SimOutcome();
  const delivery = new SimDelivery();
  const limitNs = options.limitNs ?? 10_000_000_000;
  const stepNs = options.stepNs ?? 20_000;
  while (status.size < options.transfers.length && net.nowNs < limitNs) {
    while (next < options.transfers.length) {
      const t = options.transfers[next] as PlannedTransfer;
      request.peer = t.to;
      request.tag = t.tag;
      request.sizeBytes = t.sizeBytes;
      request.responseSizeBytes = t.responseSizeBytes ?? 0;
      request.priority = t.priority ?? 0;
      request.dependsOnTag = t.dependsOnTag ?? -1;
      request.dependencyCascades = t.dependencyCascades ?? false;
      if ((transports[t.from] as SenderDrivenTransport).submit(net.nowUs, request) < 0) break;
      net.wake(t.from, 0);
      next++;
    }
    net.run(Math.min(net.nowNs + stepNs, limitNs));
    for (let h = 0; h < transports.length; h++) {
      const t = transports[h] as SenderDrivenTransport;
      while (t.pollOutcome(outcome)) {
        if (status.has(outcome.tag)) throw new Error(`second outcome for tag ${outcome.tag}`);
        status.set(outcome.tag, outcome.status);
        retransmissions.set(outcome.tag, outcome.retransmissions);
        finishNs = net.nowNs;
      }
      while (t.pollDelivery(delivery)) {
        const key = `${delivery.isResponse ? 'rsp' : 'req'}:${delivery.tag}`;
        deliveries.set(key, (deliveries.get(key) ?? 0) + 1);
        const planned = sizeOf.get(delivery.tag);
        const expectedSize = delivery.isResponse ? planned?.responseSizeBytes : planned?.sizeBytes;
        const expectedPeer = delivery.isResponse ? planned?.to : planned?.from;
        const ok =
          planned !== undefined &&
          delivery.length === expectedSize &&
          delivery.peer === expectedPeer &&
          (delivery.isResponse ? planned.from : planned.to) === h &&
          payloadMatches(delivery.tag, delivery.isResponse, delivery.bytes, delivery.offset, delivery.length);
        if (!ok) badDeliveries++;
        deliveredBytes += delivery.length;
      }
      // Leave the last delivered buffer released (pollDelivery frees it on the next call).
    }
  }
  // Let the last acks land and trailing retransmissions finish (a responder may still be resending
  // a response whose acks were lost), for at most `drainNs` more, then release everything.
  const state = new SimStateCounters();
  const one = new SimStateCounters();
  const drainUntilNs = net.nowNs + (options.drainNs ?? 2_000_000_000);
  for (;;) {
    state.transfers = 0;
    state.buffers = 0;
    state.timers = 0;
    state.heldBytes = 0;
    for (const t of transports) {
      while (t.pollDelivery(delivery)) badDeliveries++; // nothing may arrive after its outcome
      t.stateCounters(one);
      state.transfers += one.transfers;
      state.buffers += one.buffers;
      state.timers += one.timers;
      state.heldBytes += one.heldBytes;
    }
    const idle = state.transfers + state.buffers + state.timers + state.heldBytes === 0;
    if ((idle && net.inFlightDatagrams === 0) || net.nowNs >= drainUntilNs) break;
    net.run(Math.min(net.nowNs + 1_000_000, drainUntilNs));
  }
  let wireBytes = 0;
  for (let h = 0; h < options.hostCount; h++) {
    const link = net.linkStats(net.nicUplink(h, 0));
    wireBytes += link.txBytes + link.txDatagrams * (28 + 38);
  }
  return {
    net,
    transports,
    status,
    retransmissions,
    deliveries,
    badDeliveries,
    deliveredBytes,
    wireBytes,
    state,
    finishNs,
  };
}

/** Sum of a numeric field of every transport's stats. */
export function totalStat(run: BaselineRun, field: keyof SenderDrivenTransport['stats']): number {
  let sum = 0;
  for (const t of run.transports) sum += t.stats[field];
  return sum;
}
