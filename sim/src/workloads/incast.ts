/**
 * The incast generator: many senders each send to one receiver at (nearly) the same instant, the
 * pattern that collapses sender-driven transports into retransmissions.
 */
import { InvalidArgumentError } from '@dcq/core';
import { PriorityAssigner, type PriorityRule } from './priority-rules.js';
import type { SizeSampler } from './size-samplers.js';
import { type TransferList, TransferListBuilder, WORKLOAD_PRIORITY_DEFAULT } from './transfer-list.js';
import {
  checkCount,
  checkHostList,
  checkTimeNs,
  WorkloadDecision,
  WorkloadStreamBase,
  workloadPrng,
} from './workload-random.js';

/** Most messages one sender may contribute to an incast. */
export const INCAST_MESSAGES_PER_SENDER_MAX = 1 << 16;

/** Options of {@link incast}. */
export interface IncastOptions {
  /** The one receiving host. */
  readonly receiverHost: number;
  /** The sending hosts (distinct, none equal to the receiver). */
  readonly senderHosts: ArrayLike<number>;
  /** Messages per sender (default 1). */
  readonly messagesPerSender?: number;
  /** Message sizes (`new FixedSize(n)` for "N senders × n bytes"). */
  readonly sizes: SizeSampler;
  /** Submission time of every message before jitter, integer ns (default 0). */
  readonly startNs?: number;
  /** Each message starts a uniform integer 0..jitterNs later (default 0: all at startNs). */
  readonly jitterNs?: number;
  /** Seed of the size, jitter and priority streams. */
  readonly seed: number;
  /** Priority rule (default: fixed {@link WORKLOAD_PRIORITY_DEFAULT}). */
  readonly priority?: PriorityRule;
}

/**
 * senderHosts.length × messagesPerSender Message rows to `receiverHost`, generated round by round
 * (every sender's first message, then every sender's second, …) and then ordered by time.
 */
export function incast(options: IncastOptions): TransferList {
  const senders = checkHostList(options.senderHosts, 'senderHosts', 1);
  checkCount(options.receiverHost, 'receiverHost', 0, 0x7fffffff);
  if (senders.includes(options.receiverHost)) {
    throw new InvalidArgumentError(`receiver host ${options.receiverHost} is also a sender`);
  }
  const messagesPerSender = options.messagesPerSender ?? 1;
  checkCount(messagesPerSender, 'messagesPerSender', 1, INCAST_MESSAGES_PER_SENDER_MAX);
  const startNs = options.startNs ?? 0;
  const jitterNs = options.jitterNs ?? 0;
  checkTimeNs(startNs, 'startNs');
  checkTimeNs(jitterNs, 'jitterNs');
  if (!Number.isSafeInteger(startNs + jitterNs))
    throw new InvalidArgumentError('startNs + jitterNs must stay below 2^53');

  const base = WorkloadStreamBase.Incast;
  const sizes = workloadPrng(options.seed, base, WorkloadDecision.Size);
  const jitter = workloadPrng(options.seed, base, WorkloadDecision.Jitter);
  const priorities = workloadPrng(options.seed, base, WorkloadDecision.Priority);
  const assigner = new PriorityAssigner(options.priority ?? { kind: 'fixed', priority: WORKLOAD_PRIORITY_DEFAULT });
  const builder = new TransferListBuilder(senders.length * messagesPerSender);
  for (let round = 0; round < messagesPerSender; round++) {
    for (let s = 0; s < senders.length; s++) {
      const row = builder.append();
      const size = options.sizes.sample(sizes);
      builder.timeNs[row] = jitterNs === 0 ? startNs : startNs + jitter.intBelow(jitterNs + 1);
      builder.srcHost[row] = senders[s] as number;
      builder.dstHost[row] = options.receiverHost;
      builder.sizeBytes[row] = size;
      builder.priority[row] = assigner.priorityOf(size, priorities);
    }
  }
  return builder.finish({ sortByTime: jitterNs !== 0 });
}
