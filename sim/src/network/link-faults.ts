/**
 * The fault model of one directed simulated link (TigerBeetle's packet simulator, in ns): down,
 * uniform loss, Gilbert–Elliott bursty loss, duplication, reordering, jitter and corruption. This
 * module owns the configuration shape, its defaults and its validation in ns; {@link SimNetwork}
 * applies the faults when a datagram leaves a port, through core's `LinkFaultDraws` (the same
 * per-datagram draws as core's `TestNetwork`; see its module comment for the draw discipline).
 */
import { InvalidArgumentError } from '@dcq/core';
import {
  checkDuration,
  checkGilbertElliott,
  checkProbability,
  type GilbertElliott,
  type JitterKind,
  jitterCodeOf,
} from '@dcq/core/testing';

export { checkProbability };

/** Default extra delay of a reordered datagram copy, ns (10 µs: several datagram times at any rate). */
export const REORDER_DELAY_NS_DEFAULT = 10_000;

/** How a link's jitter is distributed: none, uniform on [0, jitterNs], or exponential with mean jitterNs. */
export type LinkJitterKind = JitterKind;

/** The faults of one directed link. Every probability is in [0, 1]; every duration a safe non-negative integer (ns). */
export interface LinkFaults {
  /** Nothing crosses the link: datagrams still serialize on the port, then vanish (default false). */
  readonly down: boolean;
  /** Independent loss probability per departing datagram (default 0). */
  readonly lossProbability: number;
  /** Bursty loss channel, or null (default). Changing it restarts the channel in the good state. */
  readonly burstLoss: GilbertElliott | null;
  /** Probability that a departing datagram is duplicated (default 0). */
  readonly duplicateProbability: number;
  /** Probability that a copy gets `reorderDelayNs` of extra delay (default 0). */
  readonly reorderProbability: number;
  /** Extra delay of a reordered copy, ns (default {@link REORDER_DELAY_NS_DEFAULT}). */
  readonly reorderDelayNs: number;
  /** Jitter distribution added to every copy's propagation delay (default 'none'). */
  readonly jitter: LinkJitterKind;
  /** Jitter scale in ns: the uniform maximum or the exponential mean (default 0). */
  readonly jitterNs: number;
  /** Probability that a copy has one uniformly chosen bit flipped (default 0). */
  readonly corruptProbability: number;
}

/** A change to some fields of a {@link LinkFaults}. */
export type LinkFaultsUpdate = Partial<LinkFaults>;

/** A link without faults. */
export const NO_LINK_FAULTS: LinkFaults = {
  down: false,
  lossProbability: 0,
  burstLoss: null,
  duplicateProbability: 0,
  reorderProbability: 0,
  reorderDelayNs: REORDER_DELAY_NS_DEFAULT,
  jitter: 'none',
  jitterNs: 0,
  corruptProbability: 0,
};

/** Throws unless `value` is a safe non-negative integer number of ns. */
export function checkNanos(value: number, name: string): number {
  return checkDuration(value, name, 'ns');
}

/** Validates a complete {@link LinkFaults}; returns its jitter code. Throws {@link InvalidArgumentError}. */
export function validateLinkFaults(faults: LinkFaults): number {
  if (typeof faults.down !== 'boolean') throw new InvalidArgumentError('link fault `down` must be a boolean');
  checkProbability(faults.lossProbability, 'lossProbability');
  checkProbability(faults.duplicateProbability, 'duplicateProbability');
  checkProbability(faults.reorderProbability, 'reorderProbability');
  checkProbability(faults.corruptProbability, 'corruptProbability');
  checkNanos(faults.reorderDelayNs, 'reorderDelayNs');
  checkNanos(faults.jitterNs, 'jitterNs');
  const jitter = jitterCodeOf(faults.jitter);
  if (faults.burstLoss !== null) checkGilbertElliott(faults.burstLoss);
  return jitter;
}
