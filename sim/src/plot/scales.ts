/**
 * Axis scales of the plots: map data values to pixels and choose ticks. Linear scales use "nice"
 * steps (1, 2 or 5 × 10^k); log scales span whole decades with a tick per decade (plus 2× and 5×
 * ticks when the span is short).
 */
import { InvalidArgumentError } from '@dcq/core';

/** A scale from a data domain to a pixel range. */
export interface Scale {
  /** Domain ends (after niceing). */
  readonly domainMin: number;
  /** See {@link domainMin}. */
  readonly domainMax: number;
  /** Pixel position of `value`. */
  toPixel(value: number): number;
  /** Whether `value` can be drawn on this scale (finite; > 0 on a log scale). */
  accepts(value: number): boolean;
  /** Tick values, ascending, within the domain. */
  ticks(): number[];
}

/** Kind of a {@link Scale}. */
export type ScaleKind = 'linear' | 'log';

function niceStep(span: number, targetTicks: number): number {
  const raw = span / targetTicks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

/**
 * A linear scale over [min, max] extended to nice tick steps (a zero-width domain is widened).
 * Throws an {@link InvalidArgumentError} when the extent cannot be drawn (it overflows doubles once
 * niced, or its width is below the resolution of its magnitude).
 */
export class LinearScale implements Scale {
  /** @inheritdoc */
  readonly domainMin: number;
  /** @inheritdoc */
  readonly domainMax: number;
  private readonly step: number;
  private readonly pixelFrom: number;
  private readonly pixelTo: number;

  /** Maps [min, max] (niced) to pixels [pixelFrom, pixelTo] (pixelTo may be below pixelFrom for y axes). */
  constructor(options: {
    readonly min: number;
    readonly max: number;
    readonly pixelFrom: number;
    readonly pixelTo: number;
    readonly targetTicks?: number;
  }) {
    let { min, max } = options;
    if (!Number.isFinite(min) || !Number.isFinite(max) || max < min) {
      throw new InvalidArgumentError(`linear scale domain must be finite with min <= max, got [${min}, ${max}]`);
    }
    if (max === min) {
      const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
      min -= pad;
      max += pad;
    }
    const step = niceStep(max - min, options.targetTicks ?? 6);
    this.step = step;
    this.domainMin = Math.floor(min / step + 1e-9) * step;
    this.domainMax = Math.ceil(max / step - 1e-9) * step;
    const steps = (this.domainMax - this.domainMin) / step;
    if (!(step > 0) || !Number.isFinite(this.domainMin) || !Number.isFinite(this.domainMax) || !(steps <= 100)) {
      throw new InvalidArgumentError(`data extent [${min}, ${max}] cannot be drawn on a linear axis`);
    }
    this.pixelFrom = options.pixelFrom;
    this.pixelTo = options.pixelTo;
  }

  /** @inheritdoc */
  toPixel(value: number): number {
    const t = (value - this.domainMin) / (this.domainMax - this.domainMin);
    return this.pixelFrom + t * (this.pixelTo - this.pixelFrom);
  }

  /** @inheritdoc */
  accepts(value: number): boolean {
    return Number.isFinite(value);
  }

  /** @inheritdoc */
  ticks(): number[] {
    const ticks: number[] = [];
    const count = Math.round((this.domainMax - this.domainMin) / this.step);
    for (let i = 0; i <= count; i++) {
      const value = this.domainMin + i * this.step;
      ticks.push(Math.abs(value) < this.step * 1e-9 ? 0 : Number(value.toPrecision(12)));
    }
    return ticks;
  }
}

/** Smallest value a {@link LogScale} can show. */
export const LOG_SCALE_VALUE_MIN = 1e-300;
/** Largest value a {@link LogScale} can show. */
export const LOG_SCALE_VALUE_MAX = 1e300;

/**
 * A base-10 log scale over whole decades containing [min, max] (both within
 * [{@link LOG_SCALE_VALUE_MIN}, {@link LOG_SCALE_VALUE_MAX}], else an {@link InvalidArgumentError}).
 */
export class LogScale implements Scale {
  /** @inheritdoc */
  readonly domainMin: number;
  /** @inheritdoc */
  readonly domainMax: number;
  private readonly logMin: number;
  private readonly logMax: number;
  private readonly pixelFrom: number;
  private readonly pixelTo: number;

  /** Maps [min, max] (extended to decades) to pixels [pixelFrom, pixelTo]. */
  constructor(options: {
    readonly min: number;
    readonly max: number;
    readonly pixelFrom: number;
    readonly pixelTo: number;
  }) {
    const { min, max } = options;
    if (!(min > 0) || !Number.isFinite(max) || max < min) {
      throw new InvalidArgumentError(`log scale domain must satisfy 0 < min <= max, got [${min}, ${max}]`);
    }
    if (min < LOG_SCALE_VALUE_MIN || max > LOG_SCALE_VALUE_MAX) {
      throw new InvalidArgumentError(`data extent [${min}, ${max}] is outside the log axis range [1e-300, 1e300]`);
    }
    this.logMin = Math.floor(Math.log10(min) + 1e-9);
    let logMax = Math.ceil(Math.log10(max) - 1e-9);
    if (logMax <= this.logMin) logMax = this.logMin + 1;
    this.logMax = logMax;
    this.domainMin = 10 ** this.logMin;
    this.domainMax = 10 ** logMax;
    this.pixelFrom = options.pixelFrom;
    this.pixelTo = options.pixelTo;
  }

  /** @inheritdoc */
  toPixel(value: number): number {
    const t = (Math.log10(value) - this.logMin) / (this.logMax - this.logMin);
    return this.pixelFrom + t * (this.pixelTo - this.pixelFrom);
  }

  /** @inheritdoc */
  accepts(value: number): boolean {
    return value > 0 && Number.isFinite(value);
  }

  /** @inheritdoc */
  ticks(): number[] {
    const decades = this.logMax - this.logMin;
    const stride = Math.max(1, Math.ceil(decades / 10)); // at most ~10 labelled decades
    const ticks: number[] = [];
    for (let power = this.logMin; power <= this.logMax; power += stride) {
      ticks.push(Number((10 ** power).toPrecision(12)));
      if (decades <= 2 && power < this.logMax) {
        ticks.push(Number((2 * 10 ** power).toPrecision(12)), Number((5 * 10 ** power).toPrecision(12)));
      }
    }
    return ticks;
  }
}

/** A scale of `kind` over the data extent [min, max]. */
export function makeScale(
  kind: ScaleKind,
  options: { readonly min: number; readonly max: number; readonly pixelFrom: number; readonly pixelTo: number },
): Scale {
  return kind === 'log' ? new LogScale(options) : new LinearScale(options);
}
