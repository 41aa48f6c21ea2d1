/**
 * Leaky-bucket transmit pacer of a NIC worker (or of one peer): credit accrues at a configured
 * rate and is capped at one burst (`burstBytesMax`, e.g. one GSO batch), so the sender can never
 * emit more than rate × T + one burst over any interval T.
 *
 * No drift: the credit is an integer number of micro-bytes (bytes × 10^6), the rate an integer
 * number of bytes/s and time an integer number of µs, so refilling for Δt µs adds exactly
 * rate × Δt micro-bytes. The credit is capped at burstBytesMax × 10^6 ≤ 2^32 × 10^6 < 2^53, so
 * it is always an exact integer (a refill product beyond 2^53, after a long idle time, may round,
 * but then it only fills the bucket), and a long run sends exactly what the rate allows.
 *
 * Rates: `bytesPerSecond` is rounded to an integer (a positive rate below 1 becomes 1).
 * - 0 pauses: no credit accrues, `nextSendTimeUs` returns Infinity unless the credit already in the
 *   bucket (at most one burst) covers the send.
 * - Infinity disables pacing: every send is allowed now and no credit is tracked; switching back to
 *   a finite rate starts with a full bucket.
 *
 * A send larger than one burst is allowed once the bucket is full, and leaves the bucket in debt
 * that is repaid before the next send (so nothing can deadlock on an oversized batch). `onSend`
 * without a preceding successful `canSend` is also accepted and likewise puts the bucket in debt.
 *
 * Sizing: time has µs granularity, so a sender can catch up at most once per µs. `burstBytesMax`
 * must hold at least one µs of credit plus one send (rate / 10^6 + packet), or credit overflows
 * the bucket between µs ticks and throughput stays below the rate: 64 KiB suits rates up to about
 * 60 GB/s.
 *
 * Time that goes backwards is treated as no time passing. Times are integer µs and sizes integer
 * bytes; fractional values still work but lose the exactness guarantee.
 */
import { assert } from './assert.js';
import { InvalidArgumentError } from './errors.js';

/** Micro-bytes per byte: the credit's fixed-point scale (1 byte/s accrues 1 micro-byte per µs). */
const MICRO_BYTES_PER_BYTE = 1_000_000;

/** Largest `burstBytesMax` accepted (keeps the scaled credit below 2^53). */
export const PACER_BURST_BYTES_LIMIT = 2 ** 32;

/** Largest finite rate accepted, in bytes/s (well above any NIC; keeps products exact). */
export const PACER_RATE_LIMIT = 2 ** 48;

/** Options of a {@link Pacer}. */
export interface PacerOptions {
  /** Most credit the bucket holds, in bytes: the largest burst (e.g. 64 KiB, one GSO batch). */
  readonly burstBytesMax: number;
  /** Initial rate in bytes/s: 0 (paused), a positive number or Infinity (unpaced, the default). */
  readonly bytesPerSecond?: number;
  /** Time of creation in µs (default 0). The bucket starts full. */
  readonly nowUs?: number;
}

function normalizeRate(bytesPerSecond: number): number {
  if (bytesPerSecond === Number.POSITIVE_INFINITY) return bytesPerSecond;
  if (!(bytesPerSecond >= 0 && bytesPerSecond <= PACER_RATE_LIMIT)) {
    throw new InvalidArgumentError(
      `pacing rate must be 0, Infinity or a number in (0, 2^48] bytes/s, got ${bytesPerSecond}`,
    );
  }
  if (bytesPerSecond === 0) return 0;
  return Math.max(1, Math.round(bytesPerSecond));
}

/**
 * Leaky-bucket pacer; see the module comment for the exactness argument and the rate semantics.
 * Polling order per send opportunity: `canSend(now, bytes)` → send → `onSend(now, bytes)`; when it
 * cannot send, arm a timer at `nextSendTimeUs(now, bytes)`.
 */
export class Pacer {
  /** Most credit the bucket holds, in bytes. */
  readonly burstBytesMax: number;
  /** burstBytesMax in micro-bytes. */
  private readonly creditMax: number;
  /** Current credit in micro-bytes (may be negative: debt). Meaningless while unpaced. */
  private credit: number;
  /** Current rate in bytes/s (integer, 0 or Infinity). */
  private rate: number;
  /** Time up to which credit has been accrued, in µs. */
  private refilledUs: number;

  constructor(options: PacerOptions) {
    const burst = options.burstBytesMax;
    if (!(Number.isInteger(burst) && burst >= 1 && burst <= PACER_BURST_BYTES_LIMIT)) {
      throw new InvalidArgumentError(`burstBytesMax must be an integer in [1, 2^32], got ${burst}`);
    }
    this.burstBytesMax = burst;
    this.creditMax = burst * MICRO_BYTES_PER_BYTE;
    this.credit = this.creditMax;
    this.rate = normalizeRate(options.bytesPerSecond ?? Number.POSITIVE_INFINITY);
    this.refilledUs = options.nowUs ?? 0;
  }

  /** Current rate in bytes/s (an integer, 0 or Infinity). */
  get bytesPerSecond(): number {
    return this.rate;
  }

  /**
   * Changes the rate at `nowUs`. Credit earned until `nowUs` is kept (at the old rate), so rate
   * changes never create or lose credit.
   */
  setRate(nowUs: number, bytesPerSecond: number): void {
    const rate = normalizeRate(bytesPerSecond);
    this.refill(nowUs);
    if (this.rate === Number.POSITIVE_INFINITY && rate !== Number.POSITIVE_INFINITY) this.credit = this.creditMax;
    this.rate = rate;
  }

  /** Credit available at `nowUs` in whole bytes (negative while in debt); Infinity when unpaced. */
  creditBytes(nowUs: number): number {
    if (this.rate === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
    this.refill(nowUs);
    return Math.floor(this.credit / MICRO_BYTES_PER_BYTE);
  }

  /** Whether `bytes` may be sent at `nowUs` (a send above one burst needs a full bucket). */
  canSend(nowUs: number, bytes: number): boolean {
    if (this.rate === Number.POSITIVE_INFINITY) return true;
    this.refill(nowUs);
    return this.credit >= this.required(bytes);
  }

  /** Records that `bytes` were sent at `nowUs`. */
  onSend(nowUs: number, bytes: number): void {
    assert(bytes >= 0, 'pacer onSend with negative bytes');
    if (this.rate === Number.POSITIVE_INFINITY) return;
    this.refill(nowUs);
    this.credit -= bytes * MICRO_BYTES_PER_BYTE;
  }

  /**
   * Earliest time in µs (≥ nowUs) at which `canSend(time, bytes)` is true if nothing else is sent
   * meanwhile: `nowUs` if it may go now, Infinity if the rate is 0 and the credit does not cover it.
   */
  nextSendTimeUs(nowUs: number, bytes: number): number {
    if (this.rate === Number.POSITIVE_INFINITY) return nowUs;
    this.refill(nowUs);
    const shortfall = this.required(bytes) - this.credit;
    if (shortfall <= 0) return nowUs;
    if (this.rate === 0) return Number.POSITIVE_INFINITY;
    let waitUs = Math.ceil(shortfall / this.rate);
    // The division is rounded; make sure the (exact) product really covers the shortfall.
    if (waitUs * this.rate < shortfall) waitUs++;
    return Math.max(nowUs, this.refilledUs) + waitUs;
  }

  /** Credit in micro-bytes that a send of `bytes` needs. */
  private required(bytes: number): number {
    return Math.min(bytes, this.burstBytesMax) * MICRO_BYTES_PER_BYTE;
  }

  /** Accrues credit from `refilledUs` to `nowUs` at the current rate, capped at one burst. */
  private refill(nowUs: number): void {
    const elapsedUs = nowUs - this.refilledUs;
    if (!(elapsedUs > 0)) return;
    this.refilledUs = nowUs;
    const room = this.creditMax - this.credit;
    if (room <= 0) return;
    // Exact whenever it matters: a product beyond 2^53 may be rounded, but it is then far above
    // `room` (< 2^53) and only caps the bucket.
    const gain = this.rate * elapsedUs;
    this.credit = gain >= room ? this.creditMax : this.credit + gain;
  }
}
