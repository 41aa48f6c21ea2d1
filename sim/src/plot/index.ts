/**
 * Plots: a dependency-free SVG writer and the two report plots, slowdown vs message size and
 * goodput/utilisation over time, each with an optional baseline series.
 *
 * @packageDocumentation
 */
export { formatCompact, type LineChartSpec, type LineSeries, PLOT_PALETTE, renderLineChart } from './line-chart.js';
export {
  LinearScale,
  LOG_SCALE_VALUE_MAX,
  LOG_SCALE_VALUE_MIN,
  LogScale,
  makeScale,
  type Scale,
  type ScaleKind,
} from './scales.js';
export {
  renderSlowdownPlot,
  type SlowdownPlotSpec,
  type SlowdownSeries,
  slowdownSeriesFromBuckets,
} from './slowdown-plot.js';
export { escapeXml, formatNumber, polylinePath, type SvgAttributes, SvgWriter } from './svg-writer.js';
export { renderTimeSeriesPlot, type TimeSeriesLine, type TimeSeriesPlotSpec } from './time-series-plot.js';
