/**
 * Windowed maximum and minimum filters over integer *epochs* (BBR's bandwidth and min-RTT filters):
 * the estimate is the largest (smallest) sample taken in the last `windowLength` epochs, where an
 * epoch is whatever the owner counts — packet-timed round trips for the bandwidth filter, buckets of
 * wall time (`⌊nowUs / bucketUs⌋`) for the min-RTT filter.
 *
 * This module owns only the filter. It keeps one best sample per epoch in a ring of `windowLength`
 * slots (a Float64Array), so the answer is *exact* for that definition of the window — unlike the
 * three-sample Kathleen Nichols filter of Linux's `win_minmax.c`, whose answer is an approximation
 * that is hard to state, and so hard to test. The price is O(windowLength) work once per new epoch
 * (recomputing the best over the ring); a sample within the current epoch is O(1). Nothing
 * allocates after construction.
 *
 * Epochs are non-negative integers that should not decrease; a sample with an epoch older than the
 * newest one seen is counted in the newest epoch (time that goes backwards is treated as no time
 * passing, as everywhere in the core).
 *
 * spec: congestion.md#windowed-filters
 */
import { InvalidArgumentError } from '../errors.js';

/** Largest `windowLength` a windowed filter accepts. */
export const WINDOWED_FILTER_LENGTH_MAX = 1024;

/** Options of a {@link WindowedMaxFilter} or {@link WindowedMinFilter}. */
export interface WindowedFilterOptions {
  /** Number of epochs the window spans, the current one included: an integer 1 .. 1024. */
  readonly windowLength: number;
}

/** Epoch marker before the first sample. */
const EPOCH_NONE = -1;

/**
 * The shared machinery: a windowed *maximum* of `sign × sample`. The min filter stores negated
 * samples (min(x) = −max(−x)), so both filters run the same code.
 */
class WindowedExtremumFilter {
  /** Number of epochs in the window. */
  readonly windowLength: number;
  /** +1 for a max filter, −1 for a min filter. */
  private readonly sign: number;
  /** Best `sign × sample` of each epoch, at `epoch mod windowLength`; −Infinity when none. */
  private readonly slots: Float64Array;
  /** Newest epoch seen, or {@link EPOCH_NONE}. */
  private epoch: number;
  /** Best `sign × sample` over the window; −Infinity when the window holds no sample. */
  private best: number;

  constructor(options: WindowedFilterOptions, sign: number) {
    const length = options.windowLength;
    if (!(Number.isInteger(length) && length >= 1 && length <= WINDOWED_FILTER_LENGTH_MAX)) {
      throw new InvalidArgumentError(`windowLength must be an integer in [1, 1024], got ${length}`);
    }
    this.windowLength = length;
    this.sign = sign;
    this.slots = new Float64Array(length).fill(Number.NEGATIVE_INFINITY);
    this.epoch = EPOCH_NONE;
    this.best = Number.NEGATIVE_INFINITY;
  }

  /** Whether the window holds at least one sample. */
  get hasValue(): boolean {
    return this.best !== Number.NEGATIVE_INFINITY;
  }

  /** The newest epoch seen (−1 before the first sample or advance). */
  get currentEpoch(): number {
    return this.epoch;
  }

  /** The estimate; −Infinity (max filter) or +Infinity (min filter) when the window is empty. */
  get value(): number {
    return this.sign * this.best;
  }

  /** Takes a sample in `epoch` (an older epoch counts as the newest one). NaN samples are ignored. */
  update(epoch: number, sample: number): void {
    if (epoch > this.epoch) this.advance(epoch);
    const signed = this.sign * sample;
    if (!(signed > Number.NEGATIVE_INFINITY)) return;
    const index = this.epoch % this.windowLength;
    if (signed > (this.slots[index] as number)) this.slots[index] = signed;
    if (signed > this.best) this.best = signed;
  }

  /** Moves the window to end at `epoch` without a sample, expiring older epochs. */
  advance(epoch: number): void {
    if (!(epoch > this.epoch)) return;
    const slots = this.slots;
    const length = this.windowLength;
    const steps = epoch - this.epoch;
    if (this.epoch === EPOCH_NONE || steps >= length) {
      slots.fill(Number.NEGATIVE_INFINITY);
    } else {
      // Epochs epoch−length+1 … epoch stay; the slots of the `steps` newly entered epochs are
      // those of expired ones and are cleared.
      for (let k = 1; k <= steps; k++) slots[(this.epoch + k) % length] = Number.NEGATIVE_INFINITY;
    }
    this.epoch = epoch;
    let best = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < length; i++) {
      const slot = slots[i] as number;
      if (slot > best) best = slot;
    }
    this.best = best;
  }

  /** Forgets every sample (the next sample starts a new window). */
  reset(): void {
    this.slots.fill(Number.NEGATIVE_INFINITY);
    this.epoch = EPOCH_NONE;
    this.best = Number.NEGATIVE_INFINITY;
  }
}

/**
 * Windowed maximum: {@link WindowedMaxFilter.value} is the largest sample whose epoch is within
 * the last `windowLength` epochs (`e > currentEpoch − windowLength`), −Infinity when there is none.
 */
export class WindowedMaxFilter extends WindowedExtremumFilter {
  constructor(options: WindowedFilterOptions) {
    super(options, 1);
  }
}

/**
 * Windowed minimum: {@link WindowedMinFilter.value} is the smallest sample whose epoch is within
 * the last `windowLength` epochs (`e > currentEpoch − windowLength`), +Infinity when there is none.
 */
export class WindowedMinFilter extends WindowedExtremumFilter {
  constructor(options: WindowedFilterOptions) {
    super(options, -1);
  }
}
