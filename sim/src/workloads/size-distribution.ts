/**
 * Empirical message-size distributions: a finite set of (size, weight) points held in typed arrays
 * (sizes and cumulative weights), sampled exactly by inverse CDF. Owns the pure CSV parser of the
 * `size_bytes,weight` format of `sim/data/homa-wN.csv`; reading files is `homa-workloads.ts`'s job,
 * so this module has no I/O and can run anywhere.
 */
import { InvalidArgumentError } from '@dcq/core';
import type { Prng } from '@dcq/core/testing';
import { SIZE_BYTES_LIMIT, type SizeSampler } from './size-samplers.js';

/** Most points a distribution may have (the Homa files have at most 842). */
export const SIZE_DISTRIBUTION_POINTS_MAX = 1 << 20;

/** The header line a size-distribution CSV must start with. */
export const SIZE_DISTRIBUTION_CSV_HEADER = 'size_bytes,weight';

/** Constructor options of {@link SizeDistribution}. */
export interface SizeDistributionOptions {
  /** Name for reports, e.g. `W4`. */
  readonly name: string;
  /** Point sizes in bytes: integers in [0, 2^48], strictly increasing. */
  readonly sizesBytes: ArrayLike<number>;
  /** Point weights: finite, ≥ 0, not all zero; a size occurs with probability weight / Σ weights. */
  readonly weights: ArrayLike<number>;
}

/**
 * A discrete message-size distribution. Sampling is inverse-CDF: a uniform `u` in [0, 1) maps to
 * the first point whose cumulative weight exceeds `u · totalWeight` (binary search, ≤ 20 steps),
 * so each point is drawn with probability exactly its share of the cumulative-weight line, points
 * of zero weight are never drawn, and the same generator state always gives the same size.
 */
export class SizeDistribution implements SizeSampler {
  /** @inheritdoc */
  readonly name: string;
  /** Number of points. */
  readonly pointCount: number;
  /** Point sizes in bytes, strictly increasing. Treat as read-only. */
  readonly sizesBytes: Float64Array;
  /** `cumulativeWeights[i]` = Σ weights[0..i] (summed in order). Treat as read-only. */
  readonly cumulativeWeights: Float64Array;
  /** Σ weights (= the last cumulative weight). */
  readonly totalWeight: number;
  /** @inheritdoc */
  readonly meanBytes: number;
  /** Standard deviation of the size, in bytes. */
  readonly stdDevBytes: number;
  /** Smallest size with a positive weight. */
  readonly minBytes: number;
  /** Largest size with a positive weight. */
  readonly maxBytes: number;
  /** Index of the last point with a positive weight (the search never looks past it). */
  private readonly lastDrawable: number;

  /** Validates and copies the points. */
  constructor(options: SizeDistributionOptions) {
    const count = options.sizesBytes.length;
    if (count !== options.weights.length) {
      throw new InvalidArgumentError(
        `size distribution ${options.name}: ${count} sizes but ${options.weights.length} weights`,
      );
    }
    if (count === 0 || count > SIZE_DISTRIBUTION_POINTS_MAX) {
      throw new InvalidArgumentError(
        `size distribution ${options.name} must have 1..${SIZE_DISTRIBUTION_POINTS_MAX} points, got ${count}`,
      );
    }
    const sizes = new Float64Array(count);
    const cumulative = new Float64Array(count);
    let total = 0;
    let weightedSum = 0;
    let weightedSquares = 0;
    let first = -1;
    let last = -1;
    for (let i = 0; i < count; i++) {
      const size = options.sizesBytes[i] as number;
      const weight = options.weights[i] as number;
      if (!Number.isSafeInteger(size) || size < 0 || size > SIZE_BYTES_LIMIT) {
        throw new InvalidArgumentError(
          `size distribution ${options.name}: point ${i} size must be an integer in [0, 2^48], got ${size}`,
        );
      }
      if (i > 0 && size <= (sizes[i - 1] as number)) {
        throw new InvalidArgumentError(
          `size distribution ${options.name}: sizes must be strictly increasing (point ${i}: ${size})`,
        );
      }
      if (!Number.isFinite(weight) || weight < 0) {
        throw new InvalidArgumentError(
          `size distribution ${options.name}: point ${i} weight must be finite and >= 0, got ${weight}`,
        );
      }
      sizes[i] = size;
      total += weight;
      cumulative[i] = total;
      weightedSum += weight * size;
      weightedSquares += weight * size * size;
      if (weight > 0) {
        if (first < 0) first = i;
        last = i;
      }
    }
    if (last < 0) {
      throw new InvalidArgumentError(`size distribution ${options.name}: all weights are zero`);
    }
    this.name = options.name;
    this.pointCount = count;
    this.sizesBytes = sizes;
    this.cumulativeWeights = cumulative;
    this.totalWeight = total;
    this.meanBytes = weightedSum / total;
    const variance = weightedSquares / total - this.meanBytes * this.meanBytes;
    this.stdDevBytes = Math.sqrt(variance > 0 ? variance : 0);
    this.minBytes = sizes[first] as number;
    this.maxBytes = sizes[last] as number;
    this.lastDrawable = last;
  }

  /**
   * The index of the point drawn for the uniform `u` in [0, 1): the first point whose cumulative
   * weight exceeds `u · totalWeight`. This is the whole sampler; {@link sample} feeds it one
   * `Prng.nextFloat()`.
   */
  pointAtUniform(u: number): number {
    if (!(u >= 0 && u < 1)) throw new InvalidArgumentError(`uniform variate must be in [0, 1), got ${u}`);
    const target = u * this.totalWeight;
    const cumulative = this.cumulativeWeights;
    let low = 0;
    let high = this.lastDrawable; // rounding can make target reach the total: clamp to the last drawable point
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((cumulative[middle] as number) > target) high = middle;
      else low = middle + 1;
    }
    return low;
  }

  /** The size drawn for the uniform `u` in [0, 1) (see {@link pointAtUniform}). */
  sizeAtUniform(u: number): number {
    return this.sizesBytes[this.pointAtUniform(u)] as number;
  }

  /** Draws one size. Two generator outputs (one `Prng.nextFloat()`). */
  sample(prng: Prng): number {
    return this.sizesBytes[this.pointAtUniform(prng.nextFloat())] as number;
  }

  /** Probability of point `index`. */
  probabilityAt(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.pointCount) {
      throw new InvalidArgumentError(`point index must be in [0, ${this.pointCount}), got ${index}`);
    }
    const below = index === 0 ? 0 : (this.cumulativeWeights[index - 1] as number);
    return ((this.cumulativeWeights[index] as number) - below) / this.totalWeight;
  }

  /** P(size ≤ `sizeBytes`). */
  cdfAt(sizeBytes: number): number {
    const sizes = this.sizesBytes;
    let low = 0;
    let high = this.pointCount;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((sizes[middle] as number) <= sizeBytes) low = middle + 1;
      else high = middle;
    }
    return low === 0 ? 0 : (this.cumulativeWeights[low - 1] as number) / this.totalWeight;
  }

  /**
   * The `q`-quantile (q in [0, 1]): the smallest drawable size whose CDF is ≥ q (q = 0 gives
   * {@link minBytes}). A q within 1e-12 below a CDF step counts as reaching it, so decile edges are
   * not pushed to the next point by rounding in the cumulative sums.
   */
  quantileBytes(q: number): number {
    if (!(q >= 0 && q <= 1)) throw new InvalidArgumentError(`quantile must be in [0, 1], got ${q}`);
    const target = (q - 1e-12) * this.totalWeight;
    for (let i = 0; i <= this.lastDrawable; i++) {
      if ((this.cumulativeWeights[i] as number) >= target && this.probabilityAt(i) > 0)
        return this.sizesBytes[i] as number;
    }
    return this.maxBytes;
  }
}

/**
 * Parses a size-distribution CSV: the header {@link SIZE_DISTRIBUTION_CSV_HEADER}, then one
 * `size_bytes,weight` row per point. Blank lines, surrounding spaces and CRLF line ends are accepted;
 * anything else malformed throws an {@link InvalidArgumentError} naming the line.
 */
export function parseSizeDistributionCsv(text: string, name: string): SizeDistribution {
  const lines = text.split('\n');
  const sizes: number[] = [];
  const weights: number[] = [];
  let headerSeen = false;
  for (let lineIndex = 0; lineIndex < lines.length; lineIndex++) {
    const line = (lines[lineIndex] as string).trim();
    if (line.length === 0) continue;
    if (!headerSeen) {
      if (line !== SIZE_DISTRIBUTION_CSV_HEADER) {
        throw new InvalidArgumentError(
          `size distribution ${name}: line ${lineIndex + 1} must be the header '${SIZE_DISTRIBUTION_CSV_HEADER}'`,
        );
      }
      headerSeen = true;
      continue;
    }
    const comma = line.indexOf(',');
    const sizeText = comma < 0 ? '' : line.slice(0, comma).trim();
    const weightText = comma < 0 ? '' : line.slice(comma + 1).trim();
    const size = sizeText.length === 0 ? Number.NaN : Number(sizeText);
    const weight = weightText.length === 0 ? Number.NaN : Number(weightText);
    if (!Number.isFinite(size) || !Number.isFinite(weight)) {
      throw new InvalidArgumentError(
        `size distribution ${name}: line ${lineIndex + 1} is not 'size_bytes,weight' with two numbers: '${line}'`,
      );
    }
    if (sizes.length === SIZE_DISTRIBUTION_POINTS_MAX) {
      throw new InvalidArgumentError(
        `size distribution ${name}: more than ${SIZE_DISTRIBUTION_POINTS_MAX} points (line ${lineIndex + 1})`,
      );
    }
    sizes.push(size);
    weights.push(weight);
  }
  if (!headerSeen) throw new InvalidArgumentError(`size distribution ${name}: empty file`);
  return new SizeDistribution({ name, sizesBytes: sizes, weights });
}
