/**
 * The offered-load generator, as in the Homa and pHost evaluations: every host sends one-way
 * messages to uniformly chosen other hosts, with Poisson arrivals at a rate such that the mean
 * offered payload per host is `loadFraction × linkRate` (e.g. "W4 at 80% on 16 hosts, 25 Gbps").
 */
import { InvalidArgumentError } from '@dcq/core';
import { PriorityAssigner, type PriorityRule } from './priority-rules.js';
import type { SizeSampler } from './size-samplers.js';
import {
  TRANSFER_LIST_CAPACITY_LIMIT,
  type TransferList,
  TransferListBuilder,
  WORKLOAD_PRIORITY_DEFAULT,
} from './transfer-list.js';
import { checkCount, checkTimeNs, WorkloadDecision, WorkloadStreamBase, workloadPrng } from './workload-random.js';

/** Largest load fraction accepted (overload experiments go above 1). */
export const OFFERED_LOAD_FRACTION_MAX = 4;

/** Options of {@link offeredLoad}. */
export interface OfferedLoadOptions {
  /** Message sizes, e.g. `loadHomaWorkload('w4')`. */
  readonly sizes: SizeSampler;
  /** Hosts 0..hostCount−1 (at least 2). */
  readonly hostCount: number;
  /** Offered payload per host as a fraction of its link rate, in (0, {@link OFFERED_LOAD_FRACTION_MAX}]. */
  readonly loadFraction: number;
  /** Host link rate, bits per second (e.g. 25e9). */
  readonly linkRateBitsPerSecond: number;
  /** Length of the arrival window, integer ns > 0. */
  readonly durationNs: number;
  /** Start of the window, integer ns (default 0). */
  readonly startNs?: number;
  /** Seed of the arrival, size, destination and priority streams. */
  readonly seed: number;
  /** Priority rule (default: fixed {@link WORKLOAD_PRIORITY_DEFAULT}). */
  readonly priority?: PriorityRule;
  /**
   * Row limit (default: the expected count + 10 standard deviations + 100, which a Poisson count
   * exceeds with probability far below 10^-20); generation throws a BackpressureError beyond it.
   */
  readonly transfersMax?: number;
}

/** The generated list and the numbers it was generated from. */
export interface OfferedLoadWorkload {
  /** One Message row per arrival, time-ordered. */
  readonly list: TransferList;
  /** Poisson rate of each host, messages per second. */
  readonly arrivalsPerHostPerSecond: number;
  /** Expected number of rows (all hosts, whole window). */
  readonly expectedCount: number;
  /** Σ sizeBytes of the rows. */
  readonly offeredBytes: number;
  /** The load actually offered: offeredBytes·8 / (hostCount · linkRate · duration). */
  readonly offeredLoadFraction: number;
}

/**
 * Generates Poisson message arrivals at every host over [startNs, startNs + durationNs).
 *
 * Each host's arrivals are a Poisson process of rate λ = loadFraction · linkRate / (8 · meanBytes);
 * they are generated as their superposition (one Poisson process of rate hostCount·λ, each
 * arrival's source uniform over the hosts), which has exactly the same distribution and comes out
 * time-ordered. Destinations are uniform over the other hosts. Arrival times are floored to whole
 * nanoseconds; the load counts payload bytes only (no headers).
 */
export function offeredLoad(options: OfferedLoadOptions): OfferedLoadWorkload {
  const hostCount = options.hostCount;
  checkCount(hostCount, 'hostCount', 2, 1 << 24);
  const load = options.loadFraction;
  if (!(load > 0 && load <= OFFERED_LOAD_FRACTION_MAX)) {
    throw new InvalidArgumentError(`loadFraction must be in (0, ${OFFERED_LOAD_FRACTION_MAX}], got ${load}`);
  }
  const rate = options.linkRateBitsPerSecond;
  if (!(rate > 0 && Number.isFinite(rate))) {
    throw new InvalidArgumentError(`linkRateBitsPerSecond must be finite and > 0, got ${rate}`);
  }
  checkTimeNs(options.durationNs, 'durationNs');
  if (options.durationNs === 0) throw new InvalidArgumentError('durationNs must be > 0');
  const startNs = options.startNs ?? 0;
  checkTimeNs(startNs, 'startNs');
  const endNs = startNs + options.durationNs;
  if (!Number.isSafeInteger(endNs)) throw new InvalidArgumentError('startNs + durationNs must stay below 2^53');
  const meanBytes = options.sizes.meanBytes;
  if (!(meanBytes > 0)) throw new InvalidArgumentError(`size sampler ${options.sizes.name} has mean 0`);

  const arrivalsPerHostPerSecond = (load * rate) / (8 * meanBytes);
  const expectedCount = (hostCount * arrivalsPerHostPerSecond * options.durationNs) / 1e9;
  const transfersMax = options.transfersMax ?? Math.ceil(expectedCount + 10 * Math.sqrt(expectedCount) + 100);
  if (!Number.isInteger(transfersMax) || transfersMax < 0 || transfersMax > TRANSFER_LIST_CAPACITY_LIMIT) {
    throw new InvalidArgumentError(
      `offered load needs ~${Math.round(expectedCount)} rows, limit ${TRANSFER_LIST_CAPACITY_LIMIT}: ` +
        'shorten durationNs or split the scenario',
    );
  }

  const base = WorkloadStreamBase.OfferedLoad;
  const arrivals = workloadPrng(options.seed, base, WorkloadDecision.Arrival);
  const sizes = workloadPrng(options.seed, base, WorkloadDecision.Size);
  const endpoints = workloadPrng(options.seed, base, WorkloadDecision.Endpoint);
  const priorities = workloadPrng(options.seed, base, WorkloadDecision.Priority);
  const assigner = new PriorityAssigner(options.priority ?? { kind: 'fixed', priority: WORKLOAD_PRIORITY_DEFAULT });
  const builder = new TransferListBuilder(transfersMax);
  const meanGapNs = 1e9 / (hostCount * arrivalsPerHostPerSecond);

  let offeredBytes = 0;
  let clockNs = startNs;
  for (;;) {
    clockNs += arrivals.exponential(meanGapNs);
    if (clockNs >= endNs) break;
    const row = builder.append();
    const src = endpoints.intBelow(hostCount);
    const other = endpoints.intBelow(hostCount - 1);
    const size = options.sizes.sample(sizes);
    builder.timeNs[row] = Math.floor(clockNs);
    builder.srcHost[row] = src;
    builder.dstHost[row] = other >= src ? other + 1 : other;
    builder.sizeBytes[row] = size;
    builder.priority[row] = assigner.priorityOf(size, priorities);
    offeredBytes += size;
  }
  const list = builder.finish();
  return {
    list,
    arrivalsPerHostPerSecond,
    expectedCount,
    offeredBytes,
    offeredLoadFraction: (offeredBytes * 8 * 1e9) / (hostCount * rate * options.durationNs),
  };
}
