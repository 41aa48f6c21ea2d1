/**
 * The causality-chain generator: sequences of RPCs where step i depends on step i − 1 with a
 * chosen core `DependencyKind` (e.g. a transaction's commit after its accepts), all submitted up
 * front so the transport's causality map, not the application, enforces the order.
 */
import { DependencyKind, InvalidArgumentError } from '@dcq/core';
import { checkPeerChoice, type PeerChoice, pickPeer } from './fan-out.js';
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

/** Options of {@link causalityChains}. */
export interface CausalityChainsOptions {
  /** The host issuing every chain. */
  readonly srcHost: number;
  /** The peers the steps go to (distinct, not the source). */
  readonly peerHosts: ArrayLike<number>;
  /** Number of chains (≥ 1). */
  readonly chainCount: number;
  /** RPCs per chain (≥ 1). */
  readonly chainLength: number;
  /** How each step depends on the previous one (default ResponseReceivedCascade). */
  readonly dependencyKind?: DependencyKind;
  /** Request sizes. */
  readonly sizes: SizeSampler;
  /** Response sizes (default: empty responses). */
  readonly responseSizes?: SizeSampler;
  /** Submission time of chain 0, integer ns (default 0). */
  readonly startNs?: number;
  /** Chain c is submitted at startNs + c·chainIntervalNs, integer ns (default 0: all at once). */
  readonly chainIntervalNs?: number;
  /** Seed of the size, peer, response-size and priority streams. */
  readonly seed: number;
  /** Priority rule (default: fixed {@link WORKLOAD_PRIORITY_DEFAULT}). */
  readonly priority?: PriorityRule;
  /** Peer of each step (default `random`; `roundRobin` sends step s of chain c to peers[(c + s) mod P]). */
  readonly peerChoice?: PeerChoice;
}

/**
 * chainCount × chainLength Rpc rows, chain by chain: chain c is group c, its first step has no
 * dependency and step s > 0 depends on step s − 1 of the same chain with `dependencyKind`.
 */
export function causalityChains(options: CausalityChainsOptions): TransferList {
  const peers = checkHostList(options.peerHosts, 'peerHosts', 1);
  checkCount(options.srcHost, 'srcHost', 0, 0x7fffffff);
  if (peers.includes(options.srcHost)) throw new InvalidArgumentError(`source ${options.srcHost} is also a peer`);
  checkCount(options.chainCount, 'chainCount', 1, TRANSFER_LIST_CAPACITY_LIMIT);
  checkCount(options.chainLength, 'chainLength', 1, TRANSFER_LIST_CAPACITY_LIMIT);
  if (options.chainCount * options.chainLength > TRANSFER_LIST_CAPACITY_LIMIT) {
    throw new InvalidArgumentError(
      `${options.chainCount} chains of ${options.chainLength} RPCs exceed the list limit ${TRANSFER_LIST_CAPACITY_LIMIT}`,
    );
  }
  const dependencyKind = options.dependencyKind ?? DependencyKind.ResponseReceivedCascade;
  checkCount(dependencyKind, 'dependencyKind', 0, DependencyKind.ResponseReceivedCascade);
  const startNs = options.startNs ?? 0;
  const intervalNs = options.chainIntervalNs ?? 0;
  checkTimeNs(startNs, 'startNs');
  checkTimeNs(intervalNs, 'chainIntervalNs');
  if (!Number.isSafeInteger(startNs + intervalNs * options.chainCount)) {
    throw new InvalidArgumentError('the last chain must start below 2^53 ns');
  }
  const choice = checkPeerChoice(options.peerChoice ?? 'random');
  const responseSizes = options.responseSizes ?? new FixedSize(0);

  const base = WorkloadStreamBase.CausalityChains;
  const sizes = workloadPrng(options.seed, base, WorkloadDecision.Size);
  const endpoints = workloadPrng(options.seed, base, WorkloadDecision.Endpoint);
  const responses = workloadPrng(options.seed, base, WorkloadDecision.ResponseSize);
  const priorities = workloadPrng(options.seed, base, WorkloadDecision.Priority);
  const assigner = new PriorityAssigner(options.priority ?? { kind: 'fixed', priority: WORKLOAD_PRIORITY_DEFAULT });
  const builder = new TransferListBuilder(options.chainCount * options.chainLength);
  for (let chain = 0; chain < options.chainCount; chain++) {
    const timeNs = startNs + chain * intervalNs;
    for (let step = 0; step < options.chainLength; step++) {
      const row = builder.append();
      const size = options.sizes.sample(sizes);
      builder.timeNs[row] = timeNs;
      builder.srcHost[row] = options.srcHost;
      builder.dstHost[row] = pickPeer(peers, chain + step, choice, endpoints);
      builder.sizeBytes[row] = size;
      builder.responseSizeBytes[row] = responseSizes.sample(responses);
      builder.priority[row] = assigner.priorityOf(size, priorities);
      builder.kind[row] = TransferKind.Rpc;
      builder.group[row] = chain;
      if (step > 0) {
        builder.dependency[row] = row - 1;
        builder.dependencyKind[row] = dependencyKind;
      }
    }
  }
  return builder.finish();
}
