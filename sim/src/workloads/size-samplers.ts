/**
 * Message-size sources for the workload generators: the {@link SizeSampler} contract and the simple
 * parametric samplers (fixed, uniform, log-uniform). Empirical distributions (the Homa W1–W5 CSVs)
 * implement the same contract in `size-distribution.ts`. Samplers are pure: all randomness comes
 * from the {@link Prng} passed in, so a seed gives the same sizes on every platform.
 */
import { InvalidArgumentError } from '@dcq/core';
import { type Prng, portableExp, portableLog } from '@dcq/core/testing';

/** Largest message size any sampler may produce: 2^48 bytes (sizes stay exact in doubles and sums of millions of them too). */
export const SIZE_BYTES_LIMIT = 2 ** 48;

/** A source of message sizes (integers, in bytes) with a known mean. */
export interface SizeSampler {
  /** A short name for reports, e.g. `W4` or `logUniform(4096..1048576)`. */
  readonly name: string;
  /** Expected value of {@link SizeSampler.sample}, in bytes. */
  readonly meanBytes: number;
  /** Smallest size that can be drawn. */
  readonly minBytes: number;
  /** Largest size that can be drawn. */
  readonly maxBytes: number;
  /** Draws one size, an integer in [{@link minBytes}, {@link maxBytes}]. */
  sample(prng: Prng): number;
}

function checkSizeBytes(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > SIZE_BYTES_LIMIT) {
    throw new InvalidArgumentError(`${what} must be an integer in [0, 2^48] bytes, got ${value}`);
  }
}

/** Always the same size. Consumes no generator output. */
export class FixedSize implements SizeSampler {
  /** @inheritdoc */
  readonly name: string;
  /** @inheritdoc */
  readonly meanBytes: number;
  /** @inheritdoc */
  readonly minBytes: number;
  /** @inheritdoc */
  readonly maxBytes: number;

  /** Every draw returns `sizeBytes` (an integer in [0, 2^48]). */
  constructor(sizeBytes: number) {
    checkSizeBytes(sizeBytes, 'fixed size');
    this.name = `fixed(${sizeBytes})`;
    this.meanBytes = sizeBytes;
    this.minBytes = sizeBytes;
    this.maxBytes = sizeBytes;
  }

  /** Returns the fixed size. */
  sample(_prng: Prng): number {
    return this.maxBytes;
  }
}

/** Sizes uniform over the integers [min, max]. One generator output per draw (`Prng.intBetween`, below 2^32 values). */
export class UniformSize implements SizeSampler {
  /** @inheritdoc */
  readonly name: string;
  /** @inheritdoc */
  readonly meanBytes: number;
  /** @inheritdoc */
  readonly minBytes: number;
  /** @inheritdoc */
  readonly maxBytes: number;

  /** Sizes uniform over [`minBytes`, `maxBytes`] (integers, 0 ≤ min ≤ max ≤ 2^48). */
  constructor(options: { readonly minBytes: number; readonly maxBytes: number }) {
    checkSizeBytes(options.minBytes, 'uniform minBytes');
    checkSizeBytes(options.maxBytes, 'uniform maxBytes');
    if (options.maxBytes < options.minBytes) {
      throw new InvalidArgumentError(`uniform size range is empty: [${options.minBytes}, ${options.maxBytes}]`);
    }
    this.name = `uniform(${options.minBytes}..${options.maxBytes})`;
    this.minBytes = options.minBytes;
    this.maxBytes = options.maxBytes;
    this.meanBytes = (options.minBytes + options.maxBytes) / 2;
  }

  /** Draws a size. */
  sample(prng: Prng): number {
    return prng.intBetween(this.minBytes, this.maxBytes);
  }
}

/** Sizes of a {@link LogUniformSize} whose probabilities its mean sums one by one. */
export const LOG_UNIFORM_EXACT_TERMS = 4096;

function logUniformMeanBytes(min: number, max: number): number {
  const exactLast = Math.min(max, min + LOG_UNIFORM_EXACT_TERMS - 1);
  let weighted = 0;
  let logK = portableLog(min);
  for (let k = min; k <= exactLast; k++) {
    const logNext = portableLog(k + 1);
    weighted += k * (logNext - logK);
    logK = logNext;
  }
  if (exactLast < max) {
    const a = exactLast + 1;
    weighted += max + 1 - a - portableLog((max + 1) / a) / 2 + (1 / a - 1 / (max + 1)) / 12;
  }
  return weighted / portableLog((max + 1) / min);
}

/**
 * Log-uniform sizes over the integers [min, max] (e.g. 4 KiB–1 MiB): `floor(exp(U))` with `U`
 * uniform on [ln min, ln(max + 1)), so P(size = k) = ln((k + 1)/k) / ln((max + 1)/min) and every
 * factor-of-two range of sizes is about equally likely. Two generator outputs per draw; the
 * logarithm and exponential are the portable ones of `@dcq/core/testing`, so draws are identical on
 * every engine.
 *
 * {@link meanBytes} is Σ k·P(k): summed term by term over the first {@link LOG_UNIFORM_EXACT_TERMS}
 * sizes, and in closed form above them, where k·ln(1 + 1/k) = 1 − 1/(2k) + 1/(3k²) − … gives
 * Σ_{a..b} = (b + 1 − a) − ln((b + 1)/a)/2 + (1/a − 1/(b + 1))/12 with an error below 1/(8a²) <
 * 10^-8 for a > 4096.
 */
export class LogUniformSize implements SizeSampler {
  /** @inheritdoc */
  readonly name: string;
  /** @inheritdoc */
  readonly meanBytes: number;
  /** @inheritdoc */
  readonly minBytes: number;
  /** @inheritdoc */
  readonly maxBytes: number;
  private readonly logMin: number;
  private readonly logSpan: number;

  /** Log-uniform sizes over [`minBytes`, `maxBytes`] (integers, 1 ≤ min ≤ max ≤ 2^48). */
  constructor(options: { readonly minBytes: number; readonly maxBytes: number }) {
    checkSizeBytes(options.minBytes, 'log-uniform minBytes');
    checkSizeBytes(options.maxBytes, 'log-uniform maxBytes');
    if (options.minBytes < 1 || options.maxBytes < options.minBytes) {
      throw new InvalidArgumentError(
        `log-uniform size range must satisfy 1 <= min <= max, got [${options.minBytes}, ${options.maxBytes}]`,
      );
    }
    const min = options.minBytes;
    const max = options.maxBytes;
    this.name = `logUniform(${min}..${max})`;
    this.minBytes = min;
    this.maxBytes = max;
    this.logMin = portableLog(min);
    this.logSpan = portableLog(max + 1) - this.logMin;
    this.meanBytes = logUniformMeanBytes(min, max);
  }

  /** Draws a size. */
  sample(prng: Prng): number {
    const size = Math.floor(portableExp(this.logMin + prng.nextFloat() * this.logSpan));
    // exp/log rounding can land one past either end of the range.
    if (size < this.minBytes) return this.minBytes;
    return size > this.maxBytes ? this.maxBytes : size;
  }
}
