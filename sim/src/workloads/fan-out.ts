/**
 * The fan-out burst generator, modelled on a multi-Paxos transaction: one client issues K
 * concurrent RPCs (e.g. 10,000) spread over P peers (e.g. 100–500), all at the same instant,
 * optionally repeated as several bursts.
 */
import { InvalidArgumentError } from '@dcq/core';
import { PriorityAssigner, type PriorityRule } from './priority-rules.js';
import { FixedSize, type SizeSampler } from './size-samplers.js';
import {
  TRANSFER_LIST_CAPACITY_LIMIT,
  TransferKind,
  type TransferList,
  TransferListBuilder,
  WORKLOAD_PRIORITY_DEFAULT,
} from './transfer-list.js';
import {
  checkCount,
  checkHostList,
  checkTimeNs,
  WorkloadDecision,
  WorkloadStreamBase,
  workloadPrng,
} from './workload-random.js';

/**
 * How RPCs are spread over peers: `roundRobin` sends the r-th RPC of a burst (or chain step) to
 * peers[r mod P], so every peer gets ⌊K/P⌋ or ⌈K/P⌉; `random` picks a peer uniformly per RPC.
 */
export type PeerChoice = 'roundRobin' | 'random';

/** Options of {@link fanOut}. */
export interface FanOutOptions {
  /** The host issuing the RPCs. */
  readonly clientHost: number;
  /** The peers (distinct, not the client). */
  readonly peerHosts: ArrayLike<number>;
  /** RPCs per burst (K ≥ 1). */
  readonly rpcsPerBurst: number;
  /** Number of bursts (default 1). */
  readonly burstCount?: number;
  /** Time between burst starts, integer ns (default 0). */
  readonly burstIntervalNs?: number;
  /** Request sizes, e.g. `new LogUniformSize({ minBytes: 4096, maxBytes: 1 << 20 })`. */
  readonly sizes: SizeSampler;
  /** Response sizes (default: empty responses). */
  readonly responseSizes?: SizeSampler;
  /** Time of the first burst, integer ns (default 0). */
  readonly startNs?: number;
  /** Seed of the size, peer, response-size and priority streams. */
  readonly seed: number;
  /** Priority rule (default: fixed {@link WORKLOAD_PRIORITY_DEFAULT}). */
  readonly priority?: PriorityRule;
  /** Peer spreading (default `roundRobin`). */
  readonly peerChoice?: PeerChoice;
}

/** Picks the peer of the `ordinal`-th RPC of a burst or chain step. */
export function pickPeer(
  peers: Int32Array,
  ordinal: number,
  choice: PeerChoice,
  prng: { intBelow(bound: number): number },
): number {
  if (choice === 'roundRobin') return peers[ordinal % peers.length] as number;
  return peers[prng.intBelow(peers.length)] as number;
}

/** Validates a {@link PeerChoice}. */
export function checkPeerChoice(choice: string): PeerChoice {
  if (choice !== 'roundRobin' && choice !== 'random') {
    throw new InvalidArgumentError(`peerChoice must be 'roundRobin' or 'random', got ${choice}`);
  }
  return choice;
}

/**
 * burstCount × rpcsPerBurst Rpc rows; burst b is group b, all its rows at
 * startNs + b·burstIntervalNs.
 */
export function fanOut(options: FanOutOptions): TransferList {
  const peers = checkHostList(options.peerHosts, 'peerHosts', 1);
  checkCount(options.clientHost, 'clientHost', 0, 0x7fffffff);
  if (peers.includes(options.clientHost)) throw new InvalidArgumentError(`client ${options.clientHost} is also a peer`);
  const burstCount = options.burstCount ?? 1;
  checkCount(options.rpcsPerBurst, 'rpcsPerBurst', 1, TRANSFER_LIST_CAPACITY_LIMIT);
  checkCount(burstCount, 'burstCount', 1, TRANSFER_LIST_CAPACITY_LIMIT);
  if (options.rpcsPerBurst * burstCount > TRANSFER_LIST_CAPACITY_LIMIT) {
    throw new InvalidArgumentError(`fan-out of ${options.rpcsPerBurst} × ${burstCount} RPCs exceeds the list limit`);
  }
  const startNs = options.startNs ?? 0;
  const intervalNs = options.burstIntervalNs ?? 0;
  checkTimeNs(startNs, 'startNs');
  checkTimeNs(intervalNs, 'burstIntervalNs');
  if (!Number.isSafeInteger(startNs + intervalNs * burstCount)) {
    throw new InvalidArgumentError('the last burst must start below 2^53 ns');
  }
  const choice = checkPeerChoice(options.peerChoice ?? 'roundRobin');
  const responseSizes = options.responseSizes ?? new FixedSize(0);

  const base = WorkloadStreamBase.FanOut;
  const sizes = workloadPrng(options.seed, base, WorkloadDecision.Size);
  const endpoints = workloadPrng(options.seed, base, WorkloadDecision.Endpoint);
  const responses = workloadPrng(options.seed, base, WorkloadDecision.ResponseSize);
  const priorities = workloadPrng(options.seed, base, WorkloadDecision.Priority);
  const assigner = new PriorityAssigner(options.priority ?? { kind: 'fixed', priority: WORKLOAD_PRIORITY_DEFAULT });
  const builder = new TransferListBuilder(options.rpcsPerBurst * burstCount);
  for (let burst = 0; burst < burstCount; burst++) {
    const timeNs = startNs + burst * intervalNs;
    for (let r = 0; r < options.rpcsPerBurst; r++) {
      const row = builder.append();
      const size = options.sizes.sample(sizes);
      builder.timeNs[row] = timeNs;
      builder.srcHost[row] = options.clientHost;
      builder.dstHost[row] = pickPeer(peers, r, choice, endpoints);
      builder.sizeBytes[row] = size;
      builder.responseSizeBytes[row] = responseSizes.sample(responses);
      builder.priority[row] = assigner.priorityOf(size, priorities);
      builder.kind[row] = TransferKind.Rpc;
      builder.group[row] = burst;
    }
  }
  return builder.finish();
}
