/**
 * Slowdown: a transfer's completion time divided by the time the same transfer would take alone on
 * an unloaded network (the Homa paper's metric). Owns the ideal-completion model, the per-transfer
 * slowdowns, and their per-size-bucket percentiles.
 */
import { InvalidArgumentError } from '@dcq/core';
import { percentileKey, percentileOfSorted, REPORT_PERCENTS } from './percentiles.js';
import { bucketOf, type SizeBuckets } from './size-buckets.js';
import { type TransferRecords, TransferStatus } from './transfer-records.js';

/** The unloaded path a transfer's ideal completion time is computed on. */
export interface IdealPathParams {
  /** Rate of every link on the path, bits per second. */
  readonly linkRateBitsPerSecond: number;
  /** Sum of the propagation delays of the path's links, ns. */
  readonly oneWayPropagationNs: number;
  /** Store-and-forward switches between sender and receiver (default 1: one top-of-rack switch). */
  readonly switchCount?: number;
  /** Processing latency per switch, ns (default 0). */
  readonly switchLatencyNs?: number;
  /** Payload bytes per packet (default 1200). */
  readonly packetPayloadBytes?: number;
  /** Header bytes per packet on the wire (default 0: count payload only). */
  readonly packetOverheadBytes?: number;
}

/** Default payload bytes per packet of the ideal model (the datagram size the BRIEF measures with). */
export const IDEAL_PACKET_PAYLOAD_BYTES_DEFAULT = 1200;

/**
 * The ideal one-way completion time of a `sizeBytes` message on `path`, ns:
 *
 *   oneWayPropagation + wire(size)·8/rate + switches · (lastPacketWire·8/rate + switchLatency)
 *
 * where the message is ⌈size/payload⌉ packets (at least 1), wire(size) = size + packets·overhead,
 * and the last packet carries size − (packets − 1)·payload. The sender serializes the whole message;
 * with equal link rates the packets pipeline through the switches, so each store-and-forward hop
 * adds only the serialization of the last packet (and the switch latency).
 */
export function idealCompletionNs(sizeBytes: number, path: IdealPathParams): number {
  const rate = path.linkRateBitsPerSecond;
  const payload = path.packetPayloadBytes ?? IDEAL_PACKET_PAYLOAD_BYTES_DEFAULT;
  const overhead = path.packetOverheadBytes ?? 0;
  const switches = path.switchCount ?? 1;
  const switchLatency = path.switchLatencyNs ?? 0;
  if (!(rate > 0 && Number.isFinite(rate)) || !(path.oneWayPropagationNs >= 0) || !(payload >= 1)) {
    throw new InvalidArgumentError('ideal path needs rate > 0, propagation >= 0 and packet payload >= 1');
  }
  if (!(overhead >= 0) || !(switches >= 0) || !(switchLatency >= 0) || !(sizeBytes >= 0)) {
    throw new InvalidArgumentError('ideal path overhead, switches, latency and size must be >= 0');
  }
  const packets = Math.max(1, Math.ceil(sizeBytes / payload));
  const lastPacketWire = sizeBytes - (packets - 1) * payload + overhead;
  const nsPerByte = 8e9 / rate;
  return (
    path.oneWayPropagationNs +
    (sizeBytes + packets * overhead) * nsPerByte +
    switches * (lastPacketWire * nsPerByte + switchLatency)
  );
}

/** The ideal completion time of record `index`, ns (> 0). */
export type IdealCompletion = (records: TransferRecords, index: number) => number;

/** An {@link IdealCompletion} using {@link idealCompletionNs} on one path for every record. */
export function idealFromPath(path: IdealPathParams): IdealCompletion {
  idealCompletionNs(0, path); // validate once
  return (records, index) => idealCompletionNs(records.sizeBytes[index] as number, path);
}

/**
 * One slowdown per record: (endNs − startNs) / ideal for Completed records, NaN for the others
 * (they have no completion time to compare). Values below 1 mean the ideal model is pessimistic
 * for that path; they are reported as they are.
 */
export function computeSlowdowns(records: TransferRecords, ideal: IdealCompletion): Float64Array {
  const slowdowns = new Float64Array(records.count);
  for (let i = 0; i < records.count; i++) {
    if (records.status[i] !== TransferStatus.Completed) {
      slowdowns[i] = Number.NaN;
      continue;
    }
    const idealNs = ideal(records, i);
    if (!(idealNs > 0 && Number.isFinite(idealNs))) {
      throw new InvalidArgumentError(`ideal completion of record ${i} must be finite and > 0, got ${idealNs}`);
    }
    slowdowns[i] = ((records.endNs[i] as number) - (records.startNs[i] as number)) / idealNs;
  }
  return slowdowns;
}

/** Slowdown statistics of one size bucket. */
export interface BucketSlowdown {
  /** The bucket's label, e.g. `1 KB–10 KB`. */
  readonly label: string;
  /** Inclusive lower size bound, bytes. */
  readonly lowerBytes: number;
  /** Exclusive upper size bound, bytes (Infinity for the last bucket). */
  readonly upperBytes: number;
  /** Samples in the bucket. */
  readonly count: number;
  /** Smallest and largest size seen in the bucket, bytes (NaN when empty). */
  readonly sizeMinBytes: number;
  /** See {@link sizeMinBytes}. */
  readonly sizeMaxBytes: number;
  /** Mean slowdown (NaN when empty). */
  readonly mean: number;
  /** The requested percentiles, in request order (NaN when empty). */
  readonly percentiles: Float64Array;
}

/** Input of {@link slowdownByBucket}. */
export interface SlowdownByBucketInput {
  /** Message size per sample, bytes. */
  readonly sizesBytes: ArrayLike<number>;
  /** Slowdown per sample; NaN samples (unfinished transfers) are skipped. */
  readonly slowdowns: ArrayLike<number>;
  /** The buckets. */
  readonly buckets: SizeBuckets;
  /** Percentiles to compute (default {@link REPORT_PERCENTS}: 50, 99, 99.9). */
  readonly percents?: ArrayLike<number>;
}

/**
 * Per-bucket slowdown statistics: samples are grouped by bucket (counting sort), each group is
 * sorted once and its percentiles read by nearest rank (see `percentiles.ts`).
 */
export function slowdownByBucket(input: SlowdownByBucketInput): BucketSlowdown[] {
  const { sizesBytes, slowdowns, buckets } = input;
  const percents = input.percents ?? REPORT_PERCENTS;
  if (sizesBytes.length !== slowdowns.length) {
    throw new InvalidArgumentError(`${sizesBytes.length} sizes but ${slowdowns.length} slowdowns`);
  }
  const bucketCount = buckets.edgesBytes.length + 1;
  const bucketOfSample = new Int32Array(slowdowns.length);
  const starts = new Int32Array(bucketCount + 1);
  for (let i = 0; i < slowdowns.length; i++) {
    if (Number.isNaN(slowdowns[i] as number)) {
      bucketOfSample[i] = -1;
      continue;
    }
    const bucket = bucketOf(buckets, sizesBytes[i] as number);
    bucketOfSample[i] = bucket;
    starts[bucket + 1] = (starts[bucket + 1] as number) + 1;
  }
  for (let b = 0; b < bucketCount; b++) starts[b + 1] = (starts[b + 1] as number) + (starts[b] as number);
  const grouped = new Float64Array(starts[bucketCount] as number);
  const cursor = starts.slice(0, bucketCount);
  const sizeMin = new Float64Array(bucketCount).fill(Number.NaN);
  const sizeMax = new Float64Array(bucketCount).fill(Number.NaN);
  for (let i = 0; i < slowdowns.length; i++) {
    const bucket = bucketOfSample[i] as number;
    if (bucket < 0) continue;
    const at = cursor[bucket] as number;
    grouped[at] = slowdowns[i] as number;
    cursor[bucket] = at + 1;
    const size = sizesBytes[i] as number;
    if (!(size >= (sizeMin[bucket] as number))) sizeMin[bucket] = size;
    if (!(size <= (sizeMax[bucket] as number))) sizeMax[bucket] = size;
  }
  const result: BucketSlowdown[] = [];
  for (let b = 0; b < bucketCount; b++) {
    const from = starts[b] as number;
    const to = starts[b + 1] as number;
    const group = grouped.subarray(from, to).sort();
    let sum = 0;
    for (let i = 0; i < group.length; i++) sum += group[i] as number;
    const values = new Float64Array(percents.length);
    for (let p = 0; p < percents.length; p++) values[p] = percentileOfSorted(group, percents[p] as number);
    result.push({
      label: buckets.labels[b] ?? `bucket ${b}`,
      lowerBytes: b === 0 ? 0 : (buckets.edgesBytes[b - 1] as number),
      upperBytes: b === bucketCount - 1 ? Number.POSITIVE_INFINITY : (buckets.edgesBytes[b] as number),
      count: to - from,
      sizeMinBytes: sizeMin[b] as number,
      sizeMaxBytes: sizeMax[b] as number,
      mean: group.length === 0 ? Number.NaN : sum / group.length,
      percentiles: values,
    });
  }
  return result;
}

/** A plain-object view of a {@link BucketSlowdown} with `p50`, `p99`, `p99.9` keys (for reports). */
export function bucketSlowdownToObject(bucket: BucketSlowdown, percents: ArrayLike<number>): Record<string, unknown> {
  const object: Record<string, unknown> = {
    label: bucket.label,
    lowerBytes: bucket.lowerBytes,
    upperBytes: Number.isFinite(bucket.upperBytes) ? bucket.upperBytes : null,
    count: bucket.count,
    sizeMinBytes: bucket.sizeMinBytes,
    sizeMaxBytes: bucket.sizeMaxBytes,
    mean: bucket.mean,
  };
  for (let p = 0; p < percents.length; p++) object[percentileKey(percents[p] as number)] = bucket.percentiles[p];
  return object;
}
