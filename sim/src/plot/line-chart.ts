/**
 * A generic line chart rendered to an SVG string: title, axes with ticks and labels, grid lines,
 * one polyline per series (broken into segments where a point cannot be drawn, e.g. an empty
 * bucket's NaN or a zero on a log axis) with point markers, and a legend in rows between the title
 * and the plot, where it never hides data. The specific plots (slowdown vs size, goodput over time)
 * are thin layers over it.
 */
import { InvalidArgumentError } from '@dcq/core';
import { makeScale, type Scale, type ScaleKind } from './scales.js';
import { escapeXml, polylinePath, SvgWriter } from './svg-writer.js';

/** One line of a chart. */
export interface LineSeries {
  /** Legend text. */
  readonly name: string;
  /** X values. */
  readonly xs: ArrayLike<number>;
  /** Y values (same length as xs); points that cannot be drawn leave a gap. */
  readonly ys: ArrayLike<number>;
  /** Stroke colour (default: from the palette by series index). */
  readonly color?: string;
  /** SVG stroke-dasharray, e.g. `6 4` (default solid). */
  readonly dash?: string;
  /** Draw a marker at each point (default true). */
  readonly markers?: boolean;
}

/** What to draw. */
export interface LineChartSpec {
  /** Title above the plot. */
  readonly title: string;
  /** X axis label. */
  readonly xLabel: string;
  /** Y axis label. */
  readonly yLabel: string;
  /** X axis kind (default linear). */
  readonly xScale?: ScaleKind;
  /** Y axis kind (default linear). */
  readonly yScale?: ScaleKind;
  /** The lines (at least one). */
  readonly series: readonly LineSeries[];
  /** Size in pixels (default 800 × 480). */
  readonly width?: number;
  /** See {@link width}. */
  readonly height?: number;
  /** Force the x data extent (default: from the data). */
  readonly xDomain?: readonly [number, number];
  /** Force the y data extent (default: from the data). */
  readonly yDomain?: readonly [number, number];
  /** Tick label of an x value (default: compact number). */
  readonly formatX?: (value: number) => string;
  /** Tick label of a y value (default: compact number). */
  readonly formatY?: (value: number) => string;
}

/** The default series colours (colour-blind-safe Okabe–Ito order). */
export const PLOT_PALETTE: readonly string[] = [
  '#0072b2',
  '#e69f00',
  '#009e73',
  '#cc79a7',
  '#56b4e9',
  '#d55e00',
  '#f0e442',
  '#000000',
];

/** Compact number label: `0.25`, `3`, `1.5k`, `20M`. */
export function formatCompact(value: number): string {
  const magnitude = Math.abs(value);
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [scale, suffix] of units) {
    if (magnitude >= scale) return `${Number((value / scale).toPrecision(3))}${suffix}`;
  }
  return `${Number(value.toPrecision(3))}`;
}

const MARGIN_LEFT = 80;
const MARGIN_RIGHT = 24;
const MARGIN_TOP = 56;
const MARGIN_BOTTOM = 64;

function extent(
  series: readonly LineSeries[],
  pick: 'xs' | 'ys',
  kind: ScaleKind,
  forced: readonly [number, number] | undefined,
): [number, number] {
  if (forced !== undefined) return [forced[0], forced[1]];
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const line of series) {
    const values = line[pick];
    const other = pick === 'xs' ? line.ys : line.xs;
    for (let i = 0; i < values.length; i++) {
      const value = values[i] as number;
      if (!Number.isFinite(value) || !Number.isFinite(other[i] as number) || (kind === 'log' && value <= 0)) continue;
      if (value < min) min = value;
      if (value > max) max = value;
    }
  }
  if (min > max) return kind === 'log' ? [1, 10] : [0, 1];
  return [min, max];
}

/** Renders `spec` as a standalone SVG document. */
export function renderLineChart(spec: LineChartSpec): string {
  if (spec.series.length === 0) throw new InvalidArgumentError('a line chart needs at least one series');
  for (const line of spec.series) {
    if (line.xs.length !== line.ys.length) {
      throw new InvalidArgumentError(
        `series ${line.name} has ${line.xs.length} x values but ${line.ys.length} y values`,
      );
    }
  }
  const width = spec.width ?? 800;
  const height = spec.height ?? 480;
  const xKind = spec.xScale ?? 'linear';
  const yKind = spec.yScale ?? 'linear';
  const formatX = spec.formatX ?? formatCompact;
  const formatY = spec.formatY ?? formatCompact;
  const left = MARGIN_LEFT;
  const right = width - MARGIN_RIGHT;
  const legend = layoutLegend(spec.series, left, right);
  const top = MARGIN_TOP + legend.height;
  const bottom = height - MARGIN_BOTTOM;
  const [xMin, xMax] = extent(spec.series, 'xs', xKind, spec.xDomain);
  const [yMin, yMax] = extent(spec.series, 'ys', yKind, spec.yDomain);
  const x = makeScale(xKind, { min: xMin, max: xMax, pixelFrom: left, pixelTo: right });
  const y = makeScale(yKind, { min: yMin, max: yMax, pixelFrom: bottom, pixelTo: top });

  const svg = new SvgWriter({ width, height });
  svg.element('rect', { x: 0, y: 0, width, height, fill: '#ffffff' });
  svg.element(
    'text',
    { x: width / 2, y: 28, 'text-anchor': 'middle', 'font-size': 18, 'font-weight': 'bold' },
    spec.title,
  );

  drawAxes(svg, { x, y, left, right, top, bottom, formatX, formatY });
  svg.element('text', { x: (left + right) / 2, y: height - 16, 'text-anchor': 'middle', 'font-size': 14 }, spec.xLabel);
  svg.element(
    'text',
    {
      x: 20,
      y: (top + bottom) / 2,
      'text-anchor': 'middle',
      'font-size': 14,
      transform: `rotate(-90 20 ${(top + bottom) / 2})`,
    },
    spec.yLabel,
  );

  svg.begin('g', { class: 'series', 'clip-path': 'url(#plot-area)' });
  spec.series.forEach((line, index) => {
    drawSeries(svg, line, index, x, y);
  });
  svg.end();
  drawLegend(svg, spec.series, legend.positions);
  return svg.finish();
}

function drawAxes(
  svg: SvgWriter,
  frame: {
    readonly x: Scale;
    readonly y: Scale;
    readonly left: number;
    readonly right: number;
    readonly top: number;
    readonly bottom: number;
    readonly formatX: (value: number) => string;
    readonly formatY: (value: number) => string;
  },
): void {
  const { x, y, left, right, top, bottom } = frame;
  svg.begin('defs');
  svg.begin('clipPath', { id: 'plot-area' });
  svg.element('rect', { x: left, y: top, width: right - left, height: bottom - top });
  svg.end();
  svg.end();
  svg.begin('g', { class: 'grid', stroke: '#dddddd', 'stroke-width': 1 });
  for (const tick of x.ticks()) svg.element('line', { x1: x.toPixel(tick), y1: top, x2: x.toPixel(tick), y2: bottom });
  for (const tick of y.ticks()) svg.element('line', { x1: left, y1: y.toPixel(tick), x2: right, y2: y.toPixel(tick) });
  svg.end();
  svg.begin('g', { class: 'axes', stroke: '#000000', 'stroke-width': 1, fill: 'none' });
  svg.element('rect', { x: left, y: top, width: right - left, height: bottom - top });
  for (const tick of x.ticks())
    svg.element('line', { x1: x.toPixel(tick), y1: bottom, x2: x.toPixel(tick), y2: bottom + 6 });
  for (const tick of y.ticks())
    svg.element('line', { x1: left - 6, y1: y.toPixel(tick), x2: left, y2: y.toPixel(tick) });
  svg.end();
  svg.begin('g', { class: 'tick-labels', 'font-size': 12, fill: '#000000' });
  for (const tick of x.ticks()) {
    svg.element('text', { x: x.toPixel(tick), y: bottom + 20, 'text-anchor': 'middle' }, frame.formatX(tick));
  }
  for (const tick of y.ticks()) {
    svg.element('text', { x: left - 10, y: y.toPixel(tick) + 4, 'text-anchor': 'end' }, frame.formatY(tick));
  }
  svg.end();
}

function drawSeries(svg: SvgWriter, line: LineSeries, index: number, x: Scale, y: Scale): void {
  const color = line.color ?? (PLOT_PALETTE[index % PLOT_PALETTE.length] as string);
  const stroke: Record<string, string | number> = { fill: 'none', stroke: color, 'stroke-width': 2 };
  if (line.dash !== undefined) stroke['stroke-dasharray'] = line.dash;
  svg.begin('g', { class: 'line', 'data-series': line.name });
  const xs: number[] = [];
  const ys: number[] = [];
  const flush = (): void => {
    if (xs.length > 1) svg.element('path', { ...stroke, d: polylinePath(xs, ys) });
    xs.length = 0;
    ys.length = 0;
  };
  for (let i = 0; i < line.xs.length; i++) {
    const xValue = line.xs[i] as number;
    const yValue = line.ys[i] as number;
    if (!x.accepts(xValue) || !y.accepts(yValue)) {
      flush();
      continue;
    }
    const px = x.toPixel(xValue);
    const py = y.toPixel(yValue);
    xs.push(px);
    ys.push(py);
    if (line.markers ?? true) svg.element('circle', { cx: px, cy: py, r: 3, fill: color });
  }
  flush();
  svg.end();
}

const LEGEND_ROW_PX = 18;
const LEGEND_CHAR_PX = 7;

/** Places legend entries in rows between the title and the plot, wrapping at the plot's width. */
function layoutLegend(
  series: readonly LineSeries[],
  left: number,
  right: number,
): { readonly height: number; readonly positions: readonly (readonly [number, number])[] } {
  const positions: [number, number][] = [];
  let x = left;
  let row = 0;
  for (const line of series) {
    const entryWidth = 40 + line.name.length * LEGEND_CHAR_PX + 16;
    if (x > left && x + entryWidth > right) {
      row++;
      x = left;
    }
    positions.push([x, MARGIN_TOP - 8 + row * LEGEND_ROW_PX]);
    x += entryWidth;
  }
  return { height: (row + 1) * LEGEND_ROW_PX, positions };
}

function drawLegend(
  svg: SvgWriter,
  series: readonly LineSeries[],
  positions: readonly (readonly [number, number])[],
): void {
  svg.begin('g', { class: 'legend', 'font-size': 12 });
  series.forEach((line, index) => {
    const color = line.color ?? (PLOT_PALETTE[index % PLOT_PALETTE.length] as string);
    const [x, y] = positions[index] as readonly [number, number];
    const sample: Record<string, string | number> = {
      x1: x,
      y1: y,
      x2: x + 30,
      y2: y,
      stroke: color,
      'stroke-width': 2,
    };
    if (line.dash !== undefined) sample['stroke-dasharray'] = line.dash;
    svg.element('line', sample);
    svg.element('text', { x: x + 36, y: y + 4 }, line.name);
  });
  svg.end();
}

/** Escapes a series name for use in an SVG attribute selector (tests look series up by name). */
export function seriesAttribute(name: string): string {
  return `data-series="${escapeXml(name)}"`;
}
