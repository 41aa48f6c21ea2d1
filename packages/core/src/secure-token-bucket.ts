/**
 * A token-bucket rate limiter over the caller's clock (µs). Owns one bucket's token count and refill
 * time. It bounds what a host sends in answer to unauthenticated input, e.g. UNKNOWN_PATH_SECRET
 * replies (default 1000/s with a burst of 100 per worker), so garbage cannot make a host a traffic
 * source. No allocation after construction; time is always passed in.
 *
 * spec: replay-and-secrets.md#unknown-path-secret
 */
import { InvalidArgumentError } from './errors.js';

/** Default UNKNOWN_PATH_SECRET replies per second per worker. spec: replay-and-secrets.md#limits */
export const UNKNOWN_PATH_SECRET_RATE_DEFAULT = 1000;

/** Default UNKNOWN_PATH_SECRET reply burst per worker. spec: replay-and-secrets.md#limits */
export const UNKNOWN_PATH_SECRET_BURST_DEFAULT = 100;

/** Largest rate a bucket accepts (tokens per second). */
export const TOKEN_BUCKET_RATE_MAX = 1e9;

/** Largest burst a bucket accepts (tokens). */
export const TOKEN_BUCKET_BURST_MAX = 1e9;

/** Options of {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Tokens added per second (> 0, ≤ {@link TOKEN_BUCKET_RATE_MAX}). */
  readonly ratePerSecond: number;
  /** Bucket size: the most tokens that can be taken at once after a quiet period (integer ≥ 1). */
  readonly burst: number;
  /** Time of construction (µs); the bucket starts full. Default 0. */
  readonly nowUs?: number;
}

/**
 * A token bucket: starts full (`burst` tokens), refills continuously at `ratePerSecond`, never holds
 * more than `burst`. {@link tryTake} takes one token if available. Time going backwards adds
 * nothing (the refill clock only moves forward).
 */
export class TokenBucket {
  /** Refill rate, tokens per second. */
  readonly ratePerSecond: number;
  /** Bucket size in tokens. */
  readonly burst: number;
  /** Takes refused because the bucket was empty. */
  refusedTotal: number;
  /** Takes granted. */
  grantedTotal: number;
  private tokenCount: number;
  private refilledAtUs: number;

  constructor(options: TokenBucketOptions) {
    const { ratePerSecond, burst } = options;
    if (!(ratePerSecond > 0 && ratePerSecond <= TOKEN_BUCKET_RATE_MAX)) {
      throw new InvalidArgumentError(
        `token bucket rate must be in (0, ${TOKEN_BUCKET_RATE_MAX}], got ${ratePerSecond}`,
      );
    }
    if (!(Number.isInteger(burst) && burst >= 1 && burst <= TOKEN_BUCKET_BURST_MAX)) {
      throw new InvalidArgumentError(
        `token bucket burst must be an integer in [1, ${TOKEN_BUCKET_BURST_MAX}], got ${burst}`,
      );
    }
    const nowUs = options.nowUs ?? 0;
    if (!Number.isFinite(nowUs)) throw new InvalidArgumentError('token bucket nowUs must be a finite number');
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.refusedTotal = 0;
    this.grantedTotal = 0;
    this.tokenCount = burst;
    this.refilledAtUs = nowUs;
  }

  /** Tokens available at `nowUs` (fractional), without taking any. */
  available(nowUs: number): number {
    this.refill(nowUs);
    return this.tokenCount;
  }

  /** Takes one token if at least one is available at `nowUs`; returns whether it did. */
  tryTake(nowUs: number): boolean {
    this.refill(nowUs);
    if (this.tokenCount < 1) {
      this.refusedTotal++;
      return false;
    }
    this.tokenCount -= 1;
    this.grantedTotal++;
    return true;
  }

  private refill(nowUs: number): void {
    const elapsedUs = nowUs - this.refilledAtUs;
    if (!(elapsedUs > 0)) return;
    this.refilledAtUs = nowUs;
    const tokens = this.tokenCount + (elapsedUs * this.ratePerSecond) / 1e6;
    this.tokenCount = tokens > this.burst ? this.burst : tokens;
  }
}
