/**
 * Goodput or utilisation over time: one line for the transport under test and an optional
 * baseline, time on the x axis in a unit chosen from the span (ns, µs, ms or s), the fraction on
 * a linear y axis from 0.
 */
import { type LineSeries, PLOT_PALETTE, renderLineChart } from './line-chart.js';

/** One transport's series over time. */
export interface TimeSeriesLine {
  /** Legend name. */
  readonly name: string;
  /** Sample times, ns (e.g. `ByteTimeSeries.binCentresNs()`). */
  readonly timesNs: ArrayLike<number>;
  /** Values (a fraction such as goodput or utilisation; NaN leaves a gap). */
  readonly values: ArrayLike<number>;
}

/** What the time-series plot shows. */
export interface TimeSeriesPlotSpec {
  /** Title. */
  readonly title: string;
  /** Y axis label, e.g. `Goodput` or `Link utilisation`. */
  readonly yLabel: string;
  /** The transport under test. */
  readonly candidate: TimeSeriesLine;
  /** The baseline, if any. */
  readonly baseline?: TimeSeriesLine;
  /** Size in pixels (default 800 × 480). */
  readonly width?: number;
  /** See {@link width}. */
  readonly height?: number;
}

const TIME_UNITS: readonly [number, string][] = [
  [1e9, 's'],
  [1e6, 'ms'],
  [1e3, 'µs'],
  [1, 'ns'],
];

function largestTime(lines: readonly TimeSeriesLine[]): number {
  let largest = 0;
  for (const line of lines) {
    for (let i = 0; i < line.timesNs.length; i++) {
      const time = Math.abs(line.timesNs[i] as number);
      if (Number.isFinite(time) && time > largest) largest = time;
    }
  }
  return largest;
}

/** Renders the time-series plot as an SVG document. */
export function renderTimeSeriesPlot(spec: TimeSeriesPlotSpec): string {
  const lines = spec.baseline === undefined ? [spec.candidate] : [spec.candidate, spec.baseline];
  const largest = largestTime(lines);
  const [divisor, unit] = TIME_UNITS.find(([scale]) => largest >= scale) ?? [1, 'ns'];
  let yMax = 1;
  const series: LineSeries[] = lines.map((line, index) => {
    const xs = new Float64Array(line.timesNs.length);
    for (let i = 0; i < xs.length; i++) xs[i] = (line.timesNs[i] as number) / divisor;
    for (let i = 0; i < line.values.length; i++) {
      const value = line.values[i] as number;
      if (Number.isFinite(value) && value > yMax) yMax = value;
    }
    return {
      name: line.name,
      xs,
      ys: line.values,
      color: PLOT_PALETTE[index] as string,
      markers: xs.length <= 60,
    };
  });
  let xMin = Number.POSITIVE_INFINITY;
  let xMax = Number.NEGATIVE_INFINITY;
  for (const line of series) {
    for (let i = 0; i < line.xs.length; i++) {
      const value = line.xs[i] as number;
      if (!Number.isFinite(value)) continue;
      xMin = Math.min(xMin, value);
      xMax = Math.max(xMax, value);
    }
  }
  return renderLineChart({
    title: spec.title,
    xLabel: `Time (${unit})`,
    yLabel: spec.yLabel,
    series,
    yDomain: [0, yMax],
    ...(xMin <= xMax ? { xDomain: [xMin, xMax] as const } : {}),
    ...(spec.width === undefined ? {} : { width: spec.width }),
    ...(spec.height === undefined ? {} : { height: spec.height }),
  });
}
