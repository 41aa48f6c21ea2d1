/**
 * Workloads: message-size distributions (the Homa W1–W5 files and parametric samplers), Homa-style
 * priority cut-offs, and the deterministic scenario generators that produce {@link TransferList}s.
 *
 * @packageDocumentation
 */
export { type BroadcastOptions, broadcast } from './broadcast.js';
export { type CausalityChainsOptions, causalityChains } from './causality-chains.js';
export { checkPeerChoice, type FanOutOptions, fanOut, type PeerChoice, pickPeer } from './fan-out.js';
export {
  type HomaPriorityCutoffsOptions,
  homaPriorityCutoffs,
  type PriorityCutoffs,
  type PriorityShareBasis,
} from './homa-priority-cutoffs.js';
export {
  checkHomaWorkload,
  HOMA_MEAN_RELATIVE_TOLERANCE,
  HOMA_WORKLOAD_FACTS,
  HOMA_WORKLOAD_NAMES,
  type HomaWorkloadFacts,
  type HomaWorkloadName,
  loadHomaWorkload,
  loadHomaWorkloads,
  simDataDirectory,
} from './homa-workloads.js';
export { INCAST_MESSAGES_PER_SENDER_MAX, type IncastOptions, incast } from './incast.js';
export {
  OFFERED_LOAD_FRACTION_MAX,
  type OfferedLoadOptions,
  type OfferedLoadWorkload,
  offeredLoad,
} from './offered-load.js';
export { PriorityAssigner, type PriorityRule } from './priority-rules.js';
export {
  parseSizeDistributionCsv,
  SIZE_DISTRIBUTION_CSV_HEADER,
  SIZE_DISTRIBUTION_POINTS_MAX,
  SizeDistribution,
  type SizeDistributionOptions,
} from './size-distribution.js';
export {
  FixedSize,
  LOG_UNIFORM_EXACT_TERMS,
  LogUniformSize,
  SIZE_BYTES_LIMIT,
  type SizeSampler,
  UniformSize,
} from './size-samplers.js';
export {
  mergeTransferLists,
  PRIORITY_LOWEST,
  TRANSFER_LIST_CAPACITY_LIMIT,
  TransferKind,
  type TransferList,
  TransferListBuilder,
  WORKLOAD_PRIORITY_DEFAULT,
} from './transfer-list.js';
export { WorkloadDecision, WorkloadStreamBase, workloadPrng } from './workload-random.js';
