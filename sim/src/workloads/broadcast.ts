/**
 * The broadcast generator: one payload from one host to N peers (BRIEF "Broadcast": one sealed
 * buffer, N transfers with per-peer results).
 */

import { InvalidArgumentError } from '@dcq/core';
import { TransferKind, type TransferList, TransferListBuilder, WORKLOAD_PRIORITY_DEFAULT } from './transfer-list.js';
import { checkCount, checkHostList, checkTimeNs } from './workload-random.js';

/** Options of {@link broadcast}. */
export interface BroadcastOptions {
  /** The sending host. */
  readonly srcHost: number;
  /** The receiving peers (distinct, not the sender). */
  readonly peerHosts: ArrayLike<number>;
  /** Payload size, bytes (an integer ≥ 0). */
  readonly sizeBytes: number;
  /** Submission time, integer ns (default 0). */
  readonly startNs?: number;
  /** Priority 0..7 (default {@link WORKLOAD_PRIORITY_DEFAULT}). */
  readonly priority?: number;
}

/**
 * One Broadcast row per peer, in `peerHosts` order, all in group 0 with the same time, size and
 * priority: a runner submits consecutive rows of one group as one broadcast of one payload.
 * No randomness.
 */
export function broadcast(options: BroadcastOptions): TransferList {
  const peers = checkHostList(options.peerHosts, 'peerHosts', 1);
  checkCount(options.srcHost, 'srcHost', 0, 0x7fffffff);
  if (peers.includes(options.srcHost)) throw new InvalidArgumentError(`sender ${options.srcHost} is also a peer`);
  const startNs = options.startNs ?? 0;
  checkTimeNs(startNs, 'startNs');
  if (!Number.isSafeInteger(options.sizeBytes) || options.sizeBytes < 0) {
    throw new InvalidArgumentError(`broadcast sizeBytes must be an integer >= 0, got ${options.sizeBytes}`);
  }
  const priority = options.priority ?? WORKLOAD_PRIORITY_DEFAULT;
  checkCount(priority, 'priority', 0, 7);
  const builder = new TransferListBuilder(peers.length);
  for (let p = 0; p < peers.length; p++) {
    const row = builder.append();
    builder.timeNs[row] = startNs;
    builder.srcHost[row] = options.srcHost;
    builder.dstHost[row] = peers[p] as number;
    builder.sizeBytes[row] = options.sizeBytes;
    builder.priority[row] = priority;
    builder.kind[row] = TransferKind.Broadcast;
    builder.group[row] = 0;
  }
  return builder.finish();
}
