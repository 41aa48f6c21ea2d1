/**
 * Retransmission-timeout arithmetic for the per-phase timers (notify, liveness, pull, data, tail,
 * close, probe) and the between-attempt backoff: the exact timeout formula, the backoff-exponent
 * step on expiry, the retry-budget check, and a per-peer "backoff reset epoch" that lets ANY
 * authenticated packet from a peer reset the backoff of every timer armed for that peer without
 * touching those timers.
 *
 * What this module does not own: the exponent `k` and the retransmission / silent-expiry counters
 * of each (transfer, phase) live in the engine's transfer tables; the smoothed RTT comes from the
 * peer's `RttEstimator.smoothedRttUs` (which reports the initial RTT, 1 ms by default,
 * before the first sample).
 *
 * Formulas (all integer µs; exact because multiplying by a power of two is exact in IEEE-754):
 * ```
 * base(srtt)     = max(phaseTimeoutRttMultiplier × srtt, phaseTimeoutMinUs)
 * timeout(srtt,k)= min(base(srtt) × 2^k, phaseTimeoutMaxUs)          0 ≤ k ≤ BACKOFF_EXPONENT_MAX
 * next k         = heardSinceArmed ? kStart : min(k + 1, BACKOFF_EXPONENT_MAX)
 * ```
 * spec: state-machines.md#timers-and-backoff, state-machines.md#backoff-arithmetic
 */
import { assert } from './assert.js';
import { InvalidArgumentError } from './errors.js';

/** Default floor of the phase-timeout base, in µs (spec `phaseTimeoutMinUs`). */
export const PHASE_TIMEOUT_MIN_US_DEFAULT = 300;

/** Default cap of any phase timeout, in µs (spec `phaseTimeoutMaxUs`, 1 s). */
export const PHASE_TIMEOUT_MAX_US_DEFAULT = 1_000_000;

/** Default RTT multiplier of the phase-timeout base (the brief's "3 × RTT"). */
export const PHASE_TIMEOUT_RTT_MULTIPLIER_DEFAULT = 3;

/**
 * Largest backoff exponent. 2^31 × the smallest base (1 µs) already exceeds any accepted cap, so
 * growing further would change nothing; the bound keeps exponents in small-integer arrays.
 */
export const BACKOFF_EXPONENT_MAX = 31;

/** Largest accepted `phaseTimeoutMaxUs` (2^40 µs ≈ 12.7 days): keeps every deadline far below 2^53. */
export const PHASE_TIMEOUT_US_LIMIT = 2 ** 40;

/** Largest accepted `phaseTimeoutRttMultiplier`. */
export const PHASE_TIMEOUT_RTT_MULTIPLIER_MAX = 64;

/** Largest accepted smoothed RTT, in µs (2^40): anything above is a caller bug. */
export const BACKOFF_RTT_US_LIMIT = 2 ** 40;

/** Largest number of peers a {@link BackoffEpochTable} holds. */
export const BACKOFF_EPOCH_CAPACITY_MAX = 1 << 24;

/** Options of a {@link BackoffPolicy}; every field has the spec's default. */
export interface BackoffPolicyOptions {
  /** Floor of the base, in µs: integer 1 ..= `phaseTimeoutMaxUs` (default 300). */
  readonly phaseTimeoutMinUs?: number;
  /** Cap of every timeout, in µs: integer 1 ..= {@link PHASE_TIMEOUT_US_LIMIT} (default 1 s). */
  readonly phaseTimeoutMaxUs?: number;
  /** Base = this × smoothed RTT (before the floor): integer 1 ..= 64 (default 3). */
  readonly phaseTimeoutRttMultiplier?: number;
}

function integerIn(name: string, value: number, min: number, max: number): number {
  if (!(Number.isInteger(value) && value >= min && value <= max)) {
    throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

/**
 * `min(baseUs × 2^exponent, timeoutMaxUs)`: the pure timeout formula. `baseUs` and `timeoutMaxUs`
 * are positive integers; `exponent` an integer in 0 ..= {@link BACKOFF_EXPONENT_MAX}. The result is
 * exact (a product with a power of two never rounds below 2^1024).
 */
export function phaseTimeoutUs(baseUs: number, exponent: number, timeoutMaxUs: number): number {
  assert(exponent >= 0 && exponent <= BACKOFF_EXPONENT_MAX && Number.isInteger(exponent), 'backoff exponent range');
  const timeoutUs = baseUs * 2 ** exponent;
  return timeoutUs < timeoutMaxUs ? timeoutUs : timeoutMaxUs;
}

/**
 * The backoff exponent after one expiry of a phase timer: back to `exponentStart` when the peer
 * was heard since the timer was armed (the peer is alive: a packet was lost, not the peer),
 * otherwise one more, saturating at {@link BACKOFF_EXPONENT_MAX}. `exponentStart` is 0, or 1 while
 * the peer is DEGRADED (`PeerHealthTable.timeoutExponentStartOf`).
 */
export function nextBackoffExponent(exponent: number, heardSinceArmed: boolean, exponentStart: number): number {
  if (heardSinceArmed) return exponentStart;
  return exponent < BACKOFF_EXPONENT_MAX ? exponent + 1 : BACKOFF_EXPONENT_MAX;
}

/**
 * Whether a retry budget is spent: `used` retries (retransmissions, silent expiries or attempts,
 * counted by the engine) against a budget of `retriesMax`. When it returns true the transient
 * failure at hand becomes permanent (e.g. FAILED (TIMEOUT)); otherwise the caller retries and
 * counts one more. A budget of 0 means "never retry".
 */
export function retryBudgetExhausted(used: number, retriesMax: number): boolean {
  return used >= retriesMax;
}

/** Retries still allowed by a budget of `retriesMax` after `used` (never negative). */
export function retriesLeft(used: number, retriesMax: number): number {
  return used >= retriesMax ? 0 : retriesMax - used;
}

/**
 * The validated timeout configuration of one worker (or one peer class). Methods are pure and
 * allocate nothing; arguments are positional because they run per timer.
 */
export class BackoffPolicy {
  /** Floor of the base, in µs. */
  readonly phaseTimeoutMinUs: number;
  /** Cap of every timeout, in µs. */
  readonly phaseTimeoutMaxUs: number;
  /** Base = this × smoothed RTT, before the floor. */
  readonly phaseTimeoutRttMultiplier: number;

  constructor(options: BackoffPolicyOptions = {}) {
    const timeoutMaxUs = integerIn(
      'phaseTimeoutMaxUs',
      options.phaseTimeoutMaxUs ?? PHASE_TIMEOUT_MAX_US_DEFAULT,
      1,
      PHASE_TIMEOUT_US_LIMIT,
    );
    this.phaseTimeoutMinUs = integerIn(
      'phaseTimeoutMinUs',
      options.phaseTimeoutMinUs ?? PHASE_TIMEOUT_MIN_US_DEFAULT,
      1,
      timeoutMaxUs,
    );
    this.phaseTimeoutMaxUs = timeoutMaxUs;
    this.phaseTimeoutRttMultiplier = integerIn(
      'phaseTimeoutRttMultiplier',
      options.phaseTimeoutRttMultiplier ?? PHASE_TIMEOUT_RTT_MULTIPLIER_DEFAULT,
      1,
      PHASE_TIMEOUT_RTT_MULTIPLIER_MAX,
    );
  }

  /** `max(multiplier × smoothedRttUs, phaseTimeoutMinUs)`, in µs (not capped). */
  baseUs(smoothedRttUs: number): number {
    assert(
      smoothedRttUs >= 0 && smoothedRttUs <= BACKOFF_RTT_US_LIMIT && Number.isInteger(smoothedRttUs),
      'smoothed RTT must be an integer of µs',
    );
    const baseUs = this.phaseTimeoutRttMultiplier * smoothedRttUs;
    return baseUs > this.phaseTimeoutMinUs ? baseUs : this.phaseTimeoutMinUs;
  }

  /** The phase timeout for backoff exponent `exponent`: `min(baseUs(srtt) × 2^k, phaseTimeoutMaxUs)`. */
  timeoutUs(smoothedRttUs: number, exponent: number): number {
    return phaseTimeoutUs(this.baseUs(smoothedRttUs), exponent, this.phaseTimeoutMaxUs);
  }
}

/**
 * One 32-bit "backoff reset epoch" per peer slot. The engine bumps a peer's epoch for every
 * authenticated datagram from it (`PeerHealthTable.onPacketReceived` does this for the table
 * it owns), stores the epoch beside each phase timer when arming it, and on expiry asks
 * {@link BackoffEpochTable.heardSince}: a changed epoch means the peer was heard, so the exponent
 * restarts ({@link nextBackoffExponent}). One store per packet resets the backoff of every timer of
 * the peer, with no list of timers to walk.
 *
 * Epochs wrap modulo 2^32; a false "not heard" needs exactly a multiple of 2^32 packets between
 * arming and expiry (timers are capped at `phaseTimeoutMaxUs`), which no link delivers. Never
 * reset an epoch to a previous value: a reused peer slot keeps counting, so timers armed for the
 * slot's previous owner see a change.
 */
export class BackoffEpochTable {
  /** Number of peer slots. */
  readonly capacity: number;
  private readonly epochs: Uint32Array;

  constructor(capacity: number) {
    this.capacity = integerIn('backoff epoch capacity', capacity, 1, BACKOFF_EPOCH_CAPACITY_MAX);
    this.epochs = new Uint32Array(capacity);
  }

  /** The peer's current epoch (store it when arming a timer). */
  epochOf(peer: number): number {
    assert(peer >= 0 && peer < this.capacity && Number.isInteger(peer), 'peer slot out of range');
    return this.epochs[peer] as number;
  }

  /** Records that the peer was heard: advances its epoch (mod 2^32) and returns the new one. */
  bump(peer: number): number {
    assert(peer >= 0 && peer < this.capacity && Number.isInteger(peer), 'peer slot out of range');
    const epoch = ((this.epochs[peer] as number) + 1) >>> 0;
    this.epochs[peer] = epoch;
    return epoch;
  }

  /** Whether the peer was heard since `armedEpoch` was read from {@link BackoffEpochTable.epochOf}. */
  heardSince(peer: number, armedEpoch: number): boolean {
    return this.epochOf(peer) !== armedEpoch;
  }
}
