/**
 * The Homa-style slowdown plot: slowdown (log y) against message size (log x), with the p50 and
 * p99 of each size bucket as two lines per transport (solid p50, dashed p99), the transport under
 * test in blue and an optional baseline in orange.
 */
import { InvalidArgumentError } from '@dcq/core';
import { formatBytes } from '../metrics/size-buckets.js';
import type { BucketSlowdown } from '../metrics/slowdown.js';
import { type LineSeries, PLOT_PALETTE, renderLineChart } from './line-chart.js';

/** One transport's per-bucket slowdowns, ready to plot. */
export interface SlowdownSeries {
  /** Transport name for the legend, e.g. `dcq` or `TCP baseline`. */
  readonly name: string;
  /** X position of each bucket: the largest message size in it, bytes. */
  readonly sizesBytes: ArrayLike<number>;
  /** Median slowdown per bucket (NaN for an empty bucket: a gap). */
  readonly p50: ArrayLike<number>;
  /** 99th percentile slowdown per bucket. */
  readonly p99: ArrayLike<number>;
}

/**
 * A {@link SlowdownSeries} from per-bucket statistics computed with `percents` (which must contain
 * 50 and 99). Each bucket is placed at its largest observed size, like the x axis of the Homa
 * paper's figures; empty buckets become gaps.
 */
export function slowdownSeriesFromBuckets(
  name: string,
  buckets: readonly BucketSlowdown[],
  percents: ArrayLike<number>,
): SlowdownSeries {
  const p50Index = Array.prototype.indexOf.call(percents, 50);
  const p99Index = Array.prototype.indexOf.call(percents, 99);
  if (p50Index < 0 || p99Index < 0) throw new InvalidArgumentError('slowdown plot needs the 50th and 99th percentiles');
  const sizes = new Float64Array(buckets.length);
  const p50 = new Float64Array(buckets.length);
  const p99 = new Float64Array(buckets.length);
  buckets.forEach((bucket, i) => {
    sizes[i] = bucket.sizeMaxBytes;
    p50[i] = bucket.percentiles[p50Index] as number;
    p99[i] = bucket.percentiles[p99Index] as number;
  });
  return { name, sizesBytes: sizes, p50, p99 };
}

/** What the slowdown plot shows. */
export interface SlowdownPlotSpec {
  /** Title, e.g. `W4 at 80% load, 16 hosts, 25 Gbps`. */
  readonly title: string;
  /** The transport under test. */
  readonly candidate: SlowdownSeries;
  /** The baseline transport, if any. */
  readonly baseline?: SlowdownSeries;
  /** Size in pixels (default 800 × 480). */
  readonly width?: number;
  /** See {@link width}. */
  readonly height?: number;
}

/** Renders the slowdown-vs-size plot as an SVG document. */
export function renderSlowdownPlot(spec: SlowdownPlotSpec): string {
  const series: LineSeries[] = [];
  const add = (line: SlowdownSeries, color: string): void => {
    series.push({ name: `${line.name} p50`, xs: line.sizesBytes, ys: line.p50, color });
    series.push({ name: `${line.name} p99`, xs: line.sizesBytes, ys: line.p99, color, dash: '7 4' });
  };
  add(spec.candidate, PLOT_PALETTE[0] as string);
  if (spec.baseline !== undefined) add(spec.baseline, PLOT_PALETTE[1] as string);
  return renderLineChart({
    title: spec.title,
    xLabel: 'Message size (bytes, log scale)',
    yLabel: 'Slowdown (log scale)',
    xScale: 'log',
    yScale: 'log',
    series,
    formatX: formatBytes,
    ...(spec.width === undefined ? {} : { width: spec.width }),
    ...(spec.height === undefined ? {} : { height: spec.height }),
  });
}
