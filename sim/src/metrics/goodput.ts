/**
 * Goodput and utilisation: how many of the bytes put on the wire carried application data that was
 * delivered, and how busy the links were — as totals over a run and as time series in fixed bins
 * ({@link ByteTimeSeries}, allocated once, fed without allocating).
 */
import { InvalidArgumentError } from '@dcq/core';
import { type TransferRecords, TransferStatus } from './transfer-records.js';

/**
 * Goodput ratio: application bytes delivered / all bytes put on the wire (0..1 for a transport
 * that sends each byte at least once). NaN when nothing was sent.
 */
export function goodputRatio(deliveredBytes: number, wireBytes: number): number {
  if (!(deliveredBytes >= 0) || !(wireBytes >= 0)) {
    throw new InvalidArgumentError('delivered and wire bytes must be >= 0');
  }
  return wireBytes === 0 ? Number.NaN : deliveredBytes / wireBytes;
}

/** Parameters of {@link linkUtilisation}. */
export interface LinkUtilisationParams {
  /** Bytes sent over the links in the window (all of them together). */
  readonly wireBytes: number;
  /** Rate of each link, bits per second. */
  readonly linkRateBitsPerSecond: number;
  /** Length of the window, ns. */
  readonly durationNs: number;
  /** Number of links the bytes were spread over (default 1). */
  readonly linkCount?: number;
}

/** Fraction of the links' capacity used: wireBytes·8 / (linkCount · rate · duration). */
export function linkUtilisation(params: LinkUtilisationParams): number {
  const links = params.linkCount ?? 1;
  if (!(params.linkRateBitsPerSecond > 0) || !(params.durationNs > 0) || !(links >= 1) || !(params.wireBytes >= 0)) {
    throw new InvalidArgumentError('utilisation needs rate > 0, duration > 0, links >= 1 and bytes >= 0');
  }
  return (params.wireBytes * 8e9) / (links * params.linkRateBitsPerSecond * params.durationNs);
}

/** Totals over a table of {@link TransferRecords}. */
export interface TransferTotals {
  /** Records in the table. */
  readonly transfers: number;
  /** Records per {@link TransferStatus}: pending, completed, failed, cancelled, timedOut. */
  readonly pending: number;
  /** See {@link pending}. */
  readonly completed: number;
  /** See {@link pending}. */
  readonly failed: number;
  /** See {@link pending}. */
  readonly cancelled: number;
  /** See {@link pending}. */
  readonly timedOut: number;
  /** Σ sizeBytes of completed records. */
  readonly deliveredBytes: number;
  /** Σ wireBytes of all records + the unattributed wire bytes. */
  readonly wireBytes: number;
  /** deliveredBytes / wireBytes (NaN when nothing was sent). */
  readonly goodput: number;
  /** Σ retransmissions. */
  readonly retransmissions: number;
}

/**
 * Totals of `records`. Wire bytes of failed and unfinished transfers count (they used the network
 * but delivered nothing), and so do `unattributedWireBytes` (probes, handshakes, anything the
 * simulator could not attribute to one transfer; default 0).
 */
export function transferTotals(records: TransferRecords, unattributedWireBytes = 0): TransferTotals {
  if (!(unattributedWireBytes >= 0)) throw new InvalidArgumentError('unattributed wire bytes must be >= 0');
  const byStatus = new Float64Array(TransferStatus.TimedOut + 1);
  let delivered = 0;
  let wire = unattributedWireBytes;
  let retransmissions = 0;
  for (let i = 0; i < records.count; i++) {
    const status = records.status[i] as number;
    byStatus[status] = (byStatus[status] as number) + 1;
    if (status === TransferStatus.Completed) delivered += records.sizeBytes[i] as number;
    wire += records.wireBytes[i] as number;
    retransmissions += records.retransmissions[i] as number;
  }
  return {
    transfers: records.count,
    pending: byStatus[TransferStatus.Pending] as number,
    completed: byStatus[TransferStatus.Completed] as number,
    failed: byStatus[TransferStatus.Failed] as number,
    cancelled: byStatus[TransferStatus.Cancelled] as number,
    timedOut: byStatus[TransferStatus.TimedOut] as number,
    deliveredBytes: delivered,
    wireBytes: wire,
    goodput: goodputRatio(delivered, wire),
    retransmissions,
  };
}

/** Most bins of one {@link ByteTimeSeries}. */
export const BYTE_TIME_SERIES_BINS_MAX = 1 << 22;

/**
 * Bytes per fixed-width time bin over [startNs, startNs + binCount·binNs). Bytes outside the range
 * are not dropped silently: they add to {@link bytesBefore} / {@link bytesAfter}.
 */
export class ByteTimeSeries {
  /** Start of bin 0, ns. */
  readonly startNs: number;
  /** Width of a bin, ns. */
  readonly binNs: number;
  /** Number of bins. */
  readonly binCount: number;
  /** Bytes per bin. */
  readonly bytes: Float64Array;
  /** Bytes added before startNs. */
  bytesBefore: number;
  /** Bytes added at or after the end of the last bin. */
  bytesAfter: number;

  /** Bins of `binNs` (> 0) from `startNs`, `binCount` of them (1..{@link BYTE_TIME_SERIES_BINS_MAX}). */
  constructor(options: { readonly startNs?: number; readonly binNs: number; readonly binCount: number }) {
    const startNs = options.startNs ?? 0;
    if (!Number.isFinite(startNs) || !(options.binNs > 0 && Number.isFinite(options.binNs))) {
      throw new InvalidArgumentError('time series needs a finite start and a bin width > 0');
    }
    if (!Number.isInteger(options.binCount) || options.binCount < 1 || options.binCount > BYTE_TIME_SERIES_BINS_MAX) {
      throw new InvalidArgumentError(`bin count must be in [1, ${BYTE_TIME_SERIES_BINS_MAX}], got ${options.binCount}`);
    }
    this.startNs = startNs;
    this.binNs = options.binNs;
    this.binCount = options.binCount;
    this.bytes = new Float64Array(options.binCount);
    this.bytesBefore = 0;
    this.bytesAfter = 0;
  }

  /** Adds `bytes` at time `timeNs` (to the bin containing it). */
  add(timeNs: number, bytes: number): void {
    const bin = Math.floor((timeNs - this.startNs) / this.binNs);
    if (bin < 0) this.bytesBefore += bytes;
    else if (bin >= this.binCount || Number.isNaN(bin)) this.bytesAfter += bytes;
    else this.bytes[bin] = (this.bytes[bin] as number) + bytes;
  }

  /** Mid-point time of each bin, ns (for plotting). */
  binCentresNs(): Float64Array {
    const centres = new Float64Array(this.binCount);
    for (let i = 0; i < this.binCount; i++) centres[i] = this.startNs + (i + 0.5) * this.binNs;
    return centres;
  }

  /** Utilisation per bin of `linkCount` (default 1) links of `linkRateBitsPerSecond`. */
  utilisation(linkRateBitsPerSecond: number, linkCount = 1): Float64Array {
    const result = new Float64Array(this.binCount);
    for (let i = 0; i < this.binCount; i++) {
      result[i] = linkUtilisation({
        wireBytes: this.bytes[i] as number,
        linkRateBitsPerSecond,
        durationNs: this.binNs,
        linkCount,
      });
    }
    return result;
  }
}

/**
 * Goodput per bin: delivered application bytes / wire bytes of the same bin (NaN for bins with no
 * wire bytes). Both series must have the same bins.
 */
export function goodputSeries(delivered: ByteTimeSeries, wire: ByteTimeSeries): Float64Array {
  if (delivered.binCount !== wire.binCount || delivered.binNs !== wire.binNs || delivered.startNs !== wire.startNs) {
    throw new InvalidArgumentError('goodput series need the same bins for delivered and wire bytes');
  }
  const result = new Float64Array(wire.binCount);
  for (let i = 0; i < wire.binCount; i++) {
    result[i] = goodputRatio(delivered.bytes[i] as number, wire.bytes[i] as number);
  }
  return result;
}
