/**
 * Homa-style size-based priority cut-offs. Homa (Montazeri et al., SIGCOMM 2018, §3.4) gives the
 * smallest messages the highest priorities and places the boundaries between levels so that each
 * level carries about the same share of the (unscheduled) bytes. {@link homaPriorityCutoffs}
 * computes such boundaries from a {@link SizeDistribution}, splitting either bytes or messages
 * evenly, for use with the `sizeCutoffs` {@link PriorityRule}.
 */
import { InvalidArgumentError } from '@dcq/core';
import type { SizeDistribution } from './size-distribution.js';
import { PRIORITY_LOWEST } from './transfer-list.js';

/** What each priority level should carry an equal share of. */
export type PriorityShareBasis = 'bytes' | 'messages';

/** Options of {@link homaPriorityCutoffs}. */
export interface HomaPriorityCutoffsOptions {
  /** Number of levels, 1..8 (default 8). */
  readonly levels?: number;
  /** Split bytes (Homa's choice, default) or message counts evenly. */
  readonly basis?: PriorityShareBasis;
  /**
   * With `basis: 'bytes'`, count at most this many bytes per message (default: all of them).
   * Homa counts only the unscheduled prefix (RTTbytes) of each message, since scheduled bytes get
   * their priorities from the receiver: pass RTTbytes here to reproduce that.
   */
  readonly bytesPerMessageCap?: number;
}

/** Result of {@link homaPriorityCutoffs}. */
export interface PriorityCutoffs {
  /**
   * `levels` non-decreasing sizes: level i holds the sizes in (cutoffsBytes[i−1], cutoffsBytes[i]]
   * (level 0: ≤ cutoffsBytes[0]); the last is the distribution's largest size. Equal neighbouring
   * values leave a level empty: this happens when one size alone carries more than 1/levels of the
   * mass (W1's 8-byte messages are 31% of all messages).
   */
  readonly cutoffsBytes: Float64Array;
  /** The share (0..1) of the basis that each level actually carries; they sum to 1. */
  readonly shares: Float64Array;
}

/**
 * Cut-offs splitting `distribution` into `levels` levels of equal share, smallest sizes first:
 * cutoffsBytes[k] is the smallest size s with share(size ≤ s) ≥ (k + 1)/levels (within 1e-12, so a
 * boundary that falls exactly on a step is not pushed to the next size by rounding).
 */
export function homaPriorityCutoffs(
  distribution: SizeDistribution,
  options?: HomaPriorityCutoffsOptions,
): PriorityCutoffs {
  const levels = options?.levels ?? PRIORITY_LOWEST + 1;
  if (!Number.isInteger(levels) || levels < 1 || levels > PRIORITY_LOWEST + 1) {
    throw new InvalidArgumentError(`priority levels must be an integer in 1..8, got ${levels}`);
  }
  const basis = options?.basis ?? 'bytes';
  if (basis !== 'bytes' && basis !== 'messages') {
    throw new InvalidArgumentError(`priority share basis must be 'bytes' or 'messages', got ${basis}`);
  }
  const cap = options?.bytesPerMessageCap ?? Number.POSITIVE_INFINITY;
  if (!(cap > 0)) throw new InvalidArgumentError(`bytesPerMessageCap must be > 0, got ${cap}`);

  const count = distribution.pointCount;
  const cumulativeMass = new Float64Array(count);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const probability = distribution.probabilityAt(i);
    const size = distribution.sizesBytes[i] as number;
    total += basis === 'bytes' ? probability * Math.min(size, cap) : probability;
    cumulativeMass[i] = total;
  }
  if (!(total > 0)) throw new InvalidArgumentError(`distribution ${distribution.name} has no bytes to split`);

  const cutoffs = new Float64Array(levels);
  const shares = new Float64Array(levels);
  let point = 0;
  let massBelow = 0;
  for (let level = 0; level < levels; level++) {
    if (level === levels - 1) {
      cutoffs[level] = distribution.maxBytes;
      shares[level] = (total - massBelow) / total;
      break;
    }
    const target = ((level + 1) / levels - 1e-12) * total;
    while (point < count - 1 && (cumulativeMass[point] as number) < target) point++;
    const cutoff = Math.min(distribution.sizesBytes[point] as number, distribution.maxBytes);
    cutoffs[level] = cutoff;
    const massUpTo = (cumulativeMass[point] as number) < target ? total : (cumulativeMass[point] as number);
    shares[level] = (massUpTo - massBelow) / total;
    massBelow = massUpTo;
  }
  return { cutoffsBytes: cutoffs, shares };
}
