import { writeFileSync } from 'node:fs';
import { InvalidArgumentError } from '@dcq/core';
import { Prng } from '@dcq/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ByteTimeSeries,
  quantileSizeBucketsOfDistribution,
  REPORT_PERCENTS,
  slowdownByBucket,
} from '../src/metrics/index.js';
import {
  escapeXml,
  LinearScale,
  LogScale,
  renderLineChart,
  renderSlowdownPlot,
  renderTimeSeriesPlot,
  SvgWriter,
  slowdownSeriesFromBuckets,
} from '../src/plot/index.js';
import { loadHomaWorkload } from '../src/workloads/index.js';

/**
 * A small XML well-formedness check: one root, every tag closed in order, attributes quoted,
 * no raw `<` or `&` in text, and every number in an attribute finite.
 */
function checkWellFormed(svg: string): { tags: Map<string, number> } {
  const tags = new Map<string, number>();
  const stack: string[] = [];
  let roots = 0;
  const body = svg.replace(/^<\?xml[^?]*\?>\s*/, '');
  const tokenPattern = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  let position = 0;
  for (let match = tokenPattern.exec(body); match !== null; match = tokenPattern.exec(body)) {
    expect(match.index, 'tokens must be contiguous').toBe(position);
    position = match.index + match[0].length;
    const [, closing, name, attributes, selfClosing, text, strayLt] = match;
    expect(strayLt, `stray '<' at ${match.index}`).toBeUndefined();
    if (text !== undefined) {
      expect(text).not.toMatch(/&(?!(amp|lt|gt|quot|apos);)/);
      if (stack.length === 0) expect(text.trim()).toBe('');
      continue;
    }
    const tag = name as string;
    if (closing === '/') {
      expect(stack.pop(), `closing </${tag}>`).toBe(tag);
      continue;
    }
    if (stack.length === 0) roots++;
    tags.set(tag, (tags.get(tag) ?? 0) + 1);
    for (const [, , value] of (attributes ?? '').matchAll(/([\w:-]+)="([^"]*)"/g)) {
      expect(value).not.toMatch(/NaN|Infinity|undefined/);
    }
    if (selfClosing !== '/') stack.push(tag);
  }
  expect(position).toBe(body.length);
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
  return { tags };
}

function pathPointCount(svg: string, seriesName: string): number {
  const group = svg.split(`data-series="${escapeXml(seriesName)}"`)[1]?.split('</g>')[0] ?? '';
  return (group.match(/<circle /g) ?? []).length;
}

function syntheticSlowdowns(seed: number, scale: number) {
  const w4 = loadHomaWorkload('w4');
  const prng = Prng.fromSeed({ seed });
  const count = 20_000;
  const sizes = new Float64Array(count);
  const slowdowns = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    sizes[i] = w4.sample(prng);
    // Small messages suffer most from queueing behind large ones.
    slowdowns[i] = 1 + (scale * prng.exponential(1)) / Math.log10(10 + (sizes[i] as number));
  }
  const buckets = quantileSizeBucketsOfDistribution(w4);
  return slowdownByBucket({ sizesBytes: sizes, slowdowns, buckets, percents: REPORT_PERCENTS });
}

describe('SVG plots', () => {
  it('render slowdown vs size with a baseline as well-formed SVG with every series', () => {
    const candidate = slowdownSeriesFromBuckets('dcq', syntheticSlowdowns(1, 2), REPORT_PERCENTS);
    const baseline = slowdownSeriesFromBuckets('TCP baseline', syntheticSlowdowns(2, 20), REPORT_PERCENTS);
    const svg = renderSlowdownPlot({ title: 'W4 at 80% load, 16 hosts, 25 Gbps', candidate, baseline });
    const { tags } = checkWellFormed(svg);
    for (const name of ['dcq p50', 'dcq p99', 'TCP baseline p50', 'TCP baseline p99']) {
      expect(svg).toContain(`data-series="${escapeXml(name)}"`);
      expect(pathPointCount(svg, name)).toBe(candidate.sizesBytes.length);
    }
    expect(tags.get('path')).toBe(4);
    expect(svg).toContain('W4 at 80% load, 16 hosts, 25 Gbps');
    expect(svg).toContain('Message size (bytes, log scale)');
    expect(svg).toContain('>1 KB</text>'); // a log tick label
    if (process.env.DCQ_PLOT_DIR !== undefined) writeFileSync(`${process.env.DCQ_PLOT_DIR}/slowdown.svg`, svg);
  });

  it('render goodput over time with a baseline, leaving gaps for NaN', () => {
    const bins = 50;
    const candidate = new Float64Array(bins);
    const baseline = new Float64Array(bins);
    for (let i = 0; i < bins; i++) {
      candidate[i] = 0.97 - 0.02 * Math.sin(i / 4);
      baseline[i] = i >= 10 && i < 30 ? 0.35 + 0.1 * Math.cos(i) : 0.9;
    }
    baseline[40] = Number.NaN;
    const times = new ByteTimeSeries({ binNs: 100_000, binCount: bins }).binCentresNs();
    const svg = renderTimeSeriesPlot({
      title: 'Incast of 500 × 64 KB: goodput',
      yLabel: 'Goodput',
      candidate: { name: 'dcq', timesNs: times, values: candidate },
      baseline: { name: 'baseline <TCP & friends>', timesNs: times, values: baseline },
    });
    const { tags } = checkWellFormed(svg);
    expect(svg).toContain('data-series="dcq"');
    expect(svg).toContain('data-series="baseline &lt;TCP &amp; friends&gt;"');
    expect(svg).toContain('Time (ms)');
    expect(pathPointCount(svg, 'dcq')).toBe(bins);
    expect(pathPointCount(svg, 'baseline <TCP & friends>')).toBe(bins - 1);
    expect(tags.get('path')).toBe(3); // the NaN splits the baseline in two
    if (process.env.DCQ_PLOT_DIR !== undefined) writeFileSync(`${process.env.DCQ_PLOT_DIR}/goodput.svg`, svg);
  });

  it('stay well-formed for arbitrary data, names and scales', () => {
    const value = fc.oneof(
      { arbitrary: fc.double({ min: -1e6, max: 1e9, noNaN: true }), weight: 4 },
      { arbitrary: fc.constantFrom(0, -1, Number.NaN, Number.POSITIVE_INFINITY, 1e300, 1e-300), weight: 1 },
      { arbitrary: fc.double(), weight: 1 },
    );
    let rendered = 0;
    let refused = 0;
    fc.assert(
      fc.property(
        fc.array(fc.record({ name: fc.string(), points: fc.array(fc.tuple(value, value), { maxLength: 20 }) }), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.constantFrom('linear' as const, 'log' as const),
        fc.constantFrom('linear' as const, 'log' as const),
        fc.string(),
        (series, xScale, yScale, title) => {
          const clean = series.map((s) => ({
            name: s.name.replace(/[^\x20-\x7e]/g, '?'),
            xs: s.points.map((p) => p[0]),
            ys: s.points.map((p) => p[1]),
          }));
          let svg = '';
          try {
            svg = renderLineChart({
              title: title.replace(/[^\x20-\x7e]/g, '?'),
              xLabel: 'x',
              yLabel: 'y',
              xScale,
              yScale,
              series: clean,
            });
          } catch (error) {
            // The only acceptable failure: a data extent too wide for a finite scale.
            expect(error).toBeInstanceOf(InvalidArgumentError);
            refused++;
            return;
          }
          checkWellFormed(svg);
          rendered++;
        },
      ),
      { numRuns: 150 },
    );
    expect(rendered).toBeGreaterThan(3 * refused);
  });

  it('choose nice ticks', () => {
    expect(new LinearScale({ min: 0, max: 0.97, pixelFrom: 0, pixelTo: 100 }).ticks()).toEqual([
      0, 0.2, 0.4, 0.6, 0.8, 1,
    ]);
    expect(new LinearScale({ min: 5, max: 5, pixelFrom: 0, pixelTo: 100 }).ticks().length).toBeGreaterThan(1);
    const log = new LogScale({ min: 8, max: 1e7, pixelFrom: 0, pixelTo: 700 });
    expect(log.ticks()).toEqual([1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7]);
    expect(log.toPixel(1)).toBe(0);
    expect(log.toPixel(1e7)).toBeCloseTo(700, 9);
    expect(new LogScale({ min: 1.2, max: 30, pixelFrom: 0, pixelTo: 1 }).ticks()).toEqual([1, 2, 5, 10, 20, 50, 100]);
    expect(() => new LogScale({ min: 0, max: 1, pixelFrom: 0, pixelTo: 1 })).toThrow(InvalidArgumentError);
    const writer = new SvgWriter({ width: 10, height: 10 });
    writer.begin('g');
    expect(() => writer.finish()).toThrow(/left open/);
    expect(() => new SvgWriter({ width: Number.NaN, height: 1 })).toThrow(InvalidArgumentError);
  });
});
