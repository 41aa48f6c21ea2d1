/**
 * Round-trip time estimation as in RFC 9002 §5 (latest, min, smoothed and variance) and the probe
 * timeout of RFC 9002 §6.2.1, in integer microseconds.
 *
 * Differences from the RFC, all for the datacenter:
 * - The initial RTT defaults to {@link RTT_INITIAL_US_DEFAULT} (1 ms), not 333 ms: intra-datacenter
 *   RTTs are tens to hundreds of µs, and 333 ms would make the first timeouts (3 × RTT) useless.
 * - The timer granularity (kGranularity, 1 ms in the RFC) is configurable and defaults to
 *   {@link RTT_GRANULARITY_US_DEFAULT} (100 µs).
 * - min_rtt may optionally be a windowed minimum (`minRttWindowUs`): a sample taken more than the
 *   window after the current minimum was set replaces it, so a path that got slower is noticed.
 *   RFC 9002 §5.2 allows such aging; the default (0) keeps the RFC's all-time minimum.
 * - The ack delay is always eligible for subtraction (there is no handshake-confirmed phase here);
 *   it is capped by `maxAckDelayUs` and subtracted only if the result stays ≥ min_rtt.
 *
 * Integer microseconds at the API (samples in, estimates and the PTO out), real numbers inside:
 * smoothed_rtt and rttvar are kept unrounded, exactly as the RFC's formulas, and the getters round
 * them to the nearest µs (the PTO rounds up). An integer EWMA with gain 1/8 would have a dead band
 * of ±4 µs around a constant RTT (round((7s + a) / 8) = s whenever |s − a| < 4), a bias of 20% on a
 * 20 µs datacenter RTT. Doubles are IEEE-754 everywhere JavaScript runs, so this stays deterministic.
 */
import { InvalidArgumentError } from './errors.js';

/** Default initial RTT in µs (1 ms): a datacenter value, see the module comment. */
export const RTT_INITIAL_US_DEFAULT = 1_000;

/** Default timer granularity in µs used by the probe timeout (RFC 9002's kGranularity). */
export const RTT_GRANULARITY_US_DEFAULT = 100;

/** Default maximum ack delay of the peer in µs (capped when subtracting ack delays). */
export const RTT_MAX_ACK_DELAY_US_DEFAULT = 0;

/** Options of an {@link RttEstimator}. */
export interface RttEstimatorOptions {
  /** RTT assumed before the first sample, in µs (default {@link RTT_INITIAL_US_DEFAULT}). */
  readonly initialRttUs?: number;
  /** The peer's maximum ack delay in µs: reported ack delays are capped to it (default 0). */
  readonly maxAckDelayUs?: number;
  /** Timer granularity in µs for the probe timeout (default {@link RTT_GRANULARITY_US_DEFAULT}). */
  readonly granularityUs?: number;
  /** Window of the min_rtt filter in µs; 0 (default) keeps the all-time minimum. */
  readonly minRttWindowUs?: number;
}

function nonNegativeInteger(name: string, value: number): number {
  if (!(Number.isInteger(value) && value >= 0)) {
    throw new InvalidArgumentError(`${name} must be a non-negative integer of microseconds, got ${value}`);
  }
  return value;
}

/** RFC 9002 §5 RTT estimator in integer µs; see the module comment for the datacenter choices. */
export class RttEstimator {
  /** RTT assumed before the first sample, in µs. */
  readonly initialRttUs: number;
  /** The peer's maximum ack delay in µs. */
  readonly maxAckDelayUs: number;
  /** Timer granularity in µs used by {@link RttEstimator.ptoUs}. */
  readonly granularityUs: number;
  /** Window of the min_rtt filter in µs (0: all-time minimum). */
  readonly minRttWindowUs: number;
  private latestUs: number;
  private minUs: number;
  /** When the current min_rtt was taken, in µs (for the windowed minimum). */
  private minTakenUs: number;
  /** smoothed_rtt, unrounded. */
  private smoothedUs: number;
  /** rttvar, unrounded. */
  private variationUs: number;
  private samples: number;

  constructor(options: RttEstimatorOptions = {}) {
    this.initialRttUs = nonNegativeInteger('initialRttUs', options.initialRttUs ?? RTT_INITIAL_US_DEFAULT);
    this.maxAckDelayUs = nonNegativeInteger('maxAckDelayUs', options.maxAckDelayUs ?? RTT_MAX_ACK_DELAY_US_DEFAULT);
    this.granularityUs = nonNegativeInteger('granularityUs', options.granularityUs ?? RTT_GRANULARITY_US_DEFAULT);
    this.minRttWindowUs = nonNegativeInteger('minRttWindowUs', options.minRttWindowUs ?? 0);
    this.latestUs = 0;
    this.minUs = 0;
    this.minTakenUs = 0;
    this.smoothedUs = this.initialRttUs;
    this.variationUs = this.initialRttUs / 2;
    this.samples = 0;
  }

  /** Whether at least one sample was taken (before that the getters report the initial RTT). */
  get hasSample(): boolean {
    return this.samples > 0;
  }

  /** Number of samples taken. */
  get sampleCount(): number {
    return this.samples;
  }

  /** latest_rtt: the last sample, in µs (0 before the first sample). */
  get latestRttUs(): number {
    return this.latestUs;
  }

  /** min_rtt in µs, without ack-delay adjustment (the initial RTT before the first sample). */
  get minRttUs(): number {
    return this.samples > 0 ? this.minUs : this.initialRttUs;
  }

  /** smoothed_rtt in µs, rounded to the nearest µs. */
  get smoothedRttUs(): number {
    return Math.round(this.smoothedUs);
  }

  /** rttvar in µs, rounded to the nearest µs. */
  get rttVarianceUs(): number {
    return Math.round(this.variationUs);
  }

  /**
   * Takes one RTT sample (RFC 9002 §5.1–5.3): `latestRttUs` is the time from sending the largest
   * newly acknowledged packet to receiving its acknowledgement, `ackDelayUs` the delay the peer
   * reported. Returns false (and changes nothing) for a sample that is not a non-negative integer
   * (e.g. a clock step), true otherwise. Positional rather than an options object: it runs per
   * acknowledgement and must not allocate.
   */
  onSample(nowUs: number, latestRttUs: number, ackDelayUs: number): boolean {
    if (!(Number.isInteger(latestRttUs) && latestRttUs >= 0)) return false;
    this.latestUs = latestRttUs;
    if (this.samples === 0) {
      // RFC 9002 §5.3 — the first sample initialises every estimate.
      this.samples = 1;
      this.minUs = latestRttUs;
      this.minTakenUs = nowUs;
      this.smoothedUs = latestRttUs;
      this.variationUs = latestRttUs / 2;
      return true;
    }
    this.samples++;
    // RFC 9002 §5.2 — min_rtt uses the unadjusted sample.
    if (latestRttUs <= this.minUs || (this.minRttWindowUs > 0 && nowUs - this.minTakenUs > this.minRttWindowUs)) {
      this.minUs = latestRttUs;
      this.minTakenUs = nowUs;
    }
    // RFC 9002 §5.3 — cap the ack delay, subtract it only if that stays at or above min_rtt.
    const ackDelay = ackDelayUs > 0 ? Math.min(Math.floor(ackDelayUs), this.maxAckDelayUs) : 0;
    const adjusted = latestRttUs >= this.minUs + ackDelay ? latestRttUs - ackDelay : latestRttUs;
    this.variationUs = 0.75 * this.variationUs + 0.25 * Math.abs(this.smoothedUs - adjusted);
    this.smoothedUs = 0.875 * this.smoothedUs + 0.125 * adjusted;
    return true;
  }

  /**
   * Probe timeout in µs (RFC 9002 §6.2.1): smoothed_rtt + max(4 × rttvar, granularity) +
   * max_ack_delay, rounded up to a whole µs. Exponential backoff is the caller's.
   */
  ptoUs(maxAckDelayUs: number = this.maxAckDelayUs): number {
    return Math.ceil(this.smoothedUs + Math.max(4 * this.variationUs, this.granularityUs) + maxAckDelayUs);
  }

  /**
   * Sets min_rtt to the latest sample, as RFC 9002 §5.2 asks after persistent congestion (or on a
   * path change). No effect before the first sample.
   */
  resetMinRtt(nowUs: number): void {
    if (this.samples === 0) return;
    this.minUs = this.latestUs;
    this.minTakenUs = nowUs;
  }

  /** Forgets every sample and returns to the initial RTT (e.g. after the peer's state is reset). */
  reset(): void {
    this.latestUs = 0;
    this.minUs = 0;
    this.minTakenUs = 0;
    this.smoothedUs = this.initialRttUs;
    this.variationUs = this.initialRttUs / 2;
    this.samples = 0;
  }
}
