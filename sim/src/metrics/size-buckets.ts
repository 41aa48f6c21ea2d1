/**
 * Message-size buckets for per-size slowdown statistics, as in the Homa paper's figures. Two
 * flavours: fixed decimal edges (<1 KB, 1–10 KB, 10–100 KB, 100 KB–1 MB, ≥1 MB) and decile buckets
 * of a workload (each holding about 10% of the messages, from a distribution or from observed
 * sizes). A bucket is a half-open size range [lower, upper): bucket 0 is below edge 0, bucket i is
 * [edge i−1, edge i), the last is ≥ the last edge. Sizes are integers, so the decile bucket that
 * ends at size s uses the edge s + 1.
 */
import { InvalidArgumentError } from '@dcq/core';
import type { SizeDistribution } from '../workloads/size-distribution.js';
import { percentileOfSorted, sortedCopy } from './percentiles.js';

/** A set of size buckets. */
export interface SizeBuckets {
  /** Strictly increasing edges, bytes; there are edgesBytes.length + 1 buckets. */
  readonly edgesBytes: Float64Array;
  /** One label per bucket, e.g. `1 KB–10 KB`. */
  readonly labels: readonly string[];
}

/** The fixed edges used by default: 1 KB, 10 KB, 100 KB, 1 MB (decimal units). */
export const FIXED_SIZE_EDGES_BYTES: readonly number[] = [1_000, 10_000, 100_000, 1_000_000];

/** Formats a byte count with decimal units: `8 B`, `1 KB`, `2.5 MB`, `29.4 MB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  let text = Number.isInteger(value) ? `${value}` : value.toPrecision(3);
  if (text.includes('.')) text = text.replace(/\.?0+$/, '');
  return `${text} ${units[unit]}`;
}

/**
 * Buckets with the given edges (strictly increasing, finite), labelled with {@link formatBytes}:
 * `halfOpen` labels (default) read `<1 KB`, `1 KB–10 KB`, `≥1 MB`; `inclusive` labels, for integer
 * edges, name the sizes each bucket holds: `≤100 B`, `101 B–1.2 KB`, `≥1.2 KB`.
 */
export function sizeBucketsFromEdges(
  edgesBytes: ArrayLike<number>,
  labelStyle: 'halfOpen' | 'inclusive' = 'halfOpen',
): SizeBuckets {
  const edges = Float64Array.from(edgesBytes);
  for (let i = 0; i < edges.length; i++) {
    const edge = edges[i] as number;
    if (!Number.isFinite(edge) || (i > 0 && edge <= (edges[i - 1] as number))) {
      throw new InvalidArgumentError(`bucket edges must be finite and strictly increasing (index ${i}: ${edge})`);
    }
  }
  const labels: string[] = [];
  if (edges.length === 0) labels.push('all sizes');
  for (let b = 0; b < edges.length + 1; b++) {
    if (edges.length === 0) break;
    const lower = b === 0 ? 0 : (edges[b - 1] as number);
    const upper = b === edges.length ? Number.POSITIVE_INFINITY : (edges[b] as number);
    if (labelStyle === 'inclusive') {
      if (b === 0) labels.push(`≤${formatBytes(upper - 1)}`);
      else if (b === edges.length) labels.push(`≥${formatBytes(lower)}`);
      else if (upper - 1 === lower) labels.push(formatBytes(lower));
      else labels.push(`${formatBytes(lower)}–${formatBytes(upper - 1)}`);
    } else if (b === 0) labels.push(`<${formatBytes(upper)}`);
    else if (b === edges.length) labels.push(`≥${formatBytes(lower)}`);
    else labels.push(`${formatBytes(lower)}–${formatBytes(upper)}`);
  }
  return { edgesBytes: edges, labels };
}

/** The fixed buckets <1 KB, 1–10 KB, 10–100 KB, 100 KB–1 MB, ≥1 MB. */
export function fixedSizeBuckets(): SizeBuckets {
  return sizeBucketsFromEdges(FIXED_SIZE_EDGES_BYTES);
}

function dedupeEdges(candidates: number[], maxBytes: number): number[] {
  const edges: number[] = [];
  for (const edge of candidates) {
    if (edge > maxBytes) continue; // the bucket above would be empty
    if (edges.length === 0 || edge > (edges[edges.length - 1] as number)) edges.push(edge);
  }
  return edges;
}

/**
 * Quantile buckets of a distribution: `count` (default 10, deciles) buckets of about 1/count of the
 * messages each. Edge k is one past the k/count quantile. When one size holds more than 1/count
 * of the messages, neighbouring edges coincide and are merged, so there may be fewer buckets
 * (W1's 31% of 8-byte messages make its first bucket hold three deciles).
 */
export function quantileSizeBucketsOfDistribution(distribution: SizeDistribution, count = 10): SizeBuckets {
  checkBucketCount(count);
  const candidates: number[] = [];
  for (let k = 1; k < count; k++) candidates.push(distribution.quantileBytes(k / count) + 1);
  return sizeBucketsFromEdges(dedupeEdges(candidates, distribution.maxBytes), 'inclusive');
}

/** Like {@link quantileSizeBucketsOfDistribution}, from observed sizes (nearest-rank quantiles). */
export function quantileSizeBucketsOfSizes(sizesBytes: ArrayLike<number>, count = 10): SizeBuckets {
  checkBucketCount(count);
  if (sizesBytes.length === 0) return sizeBucketsFromEdges([]);
  const sorted = sortedCopy(sizesBytes);
  const candidates: number[] = [];
  for (let k = 1; k < count; k++) candidates.push(percentileOfSorted(sorted, (100 * k) / count) + 1);
  return sizeBucketsFromEdges(dedupeEdges(candidates, sorted[sorted.length - 1] as number), 'inclusive');
}

function checkBucketCount(count: number): void {
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    throw new InvalidArgumentError(`bucket count must be an integer in [1, 1000], got ${count}`);
  }
}

/** The bucket of a size: the number of edges ≤ `sizeBytes` (binary search). */
export function bucketOf(buckets: SizeBuckets, sizeBytes: number): number {
  const edges = buckets.edgesBytes;
  let low = 0;
  let high = edges.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((edges[middle] as number) <= sizeBytes) low = middle + 1;
    else high = middle;
  }
  return low;
}
