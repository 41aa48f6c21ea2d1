/**
 * The seeded pseudo-random generator of the test network and of deterministic tests:
 * xoshiro128** (Blackman & Vigna) over 4 × 32-bit words, seeded through the murmur3 finalizer.
 * Everything is 32-bit integer arithmetic (`Math.imul`, `>>>`) plus, for the continuous
 * distributions, the portable `log`/`exp` of `portable-math.ts` and `Math.sqrt` (correctly rounded
 * by IEEE-754), so a seed gives the same numbers on every platform and engine.
 *
 * States live in caller-owned `Uint32Array`s so that many independent streams (one per link of
 * the test network) cost 16 bytes each: a {@link Prng} is a cursor over one such array, moved
 * with {@link Prng.select}. Not cryptographic: never use it for keys.
 */
import { InvalidArgumentError } from '../errors.js';
import { portableExp, portableLog } from './portable-math.js';

/** 32-bit words per generator state. */
export const PRNG_STATE_WORDS = 4;

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;
const GOLDEN_GAMMA = 0x9e3779b9;

/** murmur3's 32-bit finalizer: a bijective avalanche mix. */
function mix32(value: number): number {
  let z = value | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function validateSeed(seed: number, stream: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new InvalidArgumentError(`prng seed must be a safe non-negative integer, got ${seed}`);
  }
  if (!Number.isInteger(stream) || stream < 0 || stream >= TWO_POW_32) {
    throw new InvalidArgumentError(`prng stream must be an integer in [0, 2^32), got ${stream}`);
  }
}

/**
 * Writes the initial state of generator `index` of `states` (words `4·index … 4·index + 3`) for
 * (`seed`, `stream`): different streams of one seed are independent sequences. `seed` is a safe
 * non-negative integer (all 53 bits count), `stream` an integer in [0, 2^32).
 */
export function seedPrngState(states: Uint32Array, index: number, seed: number, stream: number): void {
  validateSeed(seed, stream);
  const base = index * PRNG_STATE_WORDS;
  if (!Number.isInteger(index) || index < 0 || base + PRNG_STATE_WORDS > states.length) {
    throw new InvalidArgumentError(`prng state index ${index} is outside an array of ${states.length} words`);
  }
  const seedHigh = Math.floor(seed / TWO_POW_32);
  let x = mix32(seed - seedHigh * TWO_POW_32);
  x = mix32(x ^ seedHigh ^ GOLDEN_GAMMA);
  x = mix32(x ^ stream);
  let any = 0;
  for (let word = 0; word < PRNG_STATE_WORDS; word++) {
    x = (x + GOLDEN_GAMMA) | 0; // splitmix32 sequence
    const value = mix32(x ^ word);
    states[base + word] = value;
    any |= value;
  }
  if (any === 0) states[base] = 1; // the all-zero state is xoshiro's only fixed point
}

/**
 * A cursor drawing from one xoshiro128** state of a `Uint32Array`. Every draw advances that state;
 * how many 32-bit outputs each method consumes is part of its contract (documented per method),
 * so callers can keep independent decisions aligned across configurations.
 */
export class Prng {
  private readonly states: Uint32Array;
  private base: number;

  /**
   * A cursor over `states` (a multiple of {@link PRNG_STATE_WORDS} words, each state filled by
   * {@link seedPrngState}), positioned on state `index`. Use {@link Prng.fromSeed} for a single
   * generator.
   */
  constructor(states: Uint32Array, index = 0) {
    if (states.length === 0 || states.length % PRNG_STATE_WORDS !== 0) {
      throw new InvalidArgumentError(`prng states must be a non-empty multiple of 4 words, got ${states.length}`);
    }
    this.states = states;
    this.base = 0;
    this.select(index);
  }

  /** A generator with its own state, seeded from `seed` (safe non-negative integer) and `stream` (default 0). */
  static fromSeed(options: { readonly seed: number; readonly stream?: number }): Prng {
    const states = new Uint32Array(PRNG_STATE_WORDS);
    seedPrngState(states, 0, options.seed, options.stream ?? 0);
    return new Prng(states, 0);
  }

  /** Moves the cursor to state `index` of its array. */
  select(index: number): void {
    const base = index * PRNG_STATE_WORDS;
    if (!Number.isInteger(index) || index < 0 || base >= this.states.length) {
      throw new InvalidArgumentError(`prng state index ${index} is outside an array of ${this.states.length} words`);
    }
    this.base = base;
  }

  /** The next uniform integer in [0, 2^32) (xoshiro128**). One output. */
  nextU32(): number {
    const s = this.states;
    const b = this.base;
    const s0 = s[b] as number;
    const s1 = s[b + 1] as number;
    const s2 = s[b + 2] as number;
    const s3 = s[b + 3] as number;
    const product = Math.imul(s1, 5);
    const result = Math.imul((product << 7) | (product >>> 25), 9) >>> 0;
    const t = s1 << 9;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    s[b + 1] = s1 ^ n2;
    s[b] = s0 ^ n3;
    s[b + 2] = n2 ^ t;
    s[b + 3] = (n3 << 11) | (n3 >>> 21);
    return result;
  }

  /** A uniform double in [0, 1) with 53 random bits. Two outputs. */
  nextFloat(): number {
    const high = this.nextU32() >>> 5;
    const low = this.nextU32() >>> 6;
    return (high * 67108864 + low) / TWO_POW_53;
  }

  /**
   * True with probability `probability` (clamped to [0, 1]; resolution 2^-32). Always one output,
   * even for 0 and 1, so a decision stream stays aligned whatever the probabilities are.
   */
  chance(probability: number): boolean {
    return this.nextU32() < probability * TWO_POW_32;
  }

  /**
   * A uniform integer in [0, bound), `bound` an integer in [1, 2^53]; unbiased (rejection). One
   * output per attempt for bounds up to 2^32, two above; the expected attempts are below 2.
   */
  intBelow(bound: number): number {
    if (!Number.isInteger(bound) || bound < 1 || bound > TWO_POW_53) {
      throw new InvalidArgumentError(`prng bound must be an integer in [1, 2^53], got ${bound}`);
    }
    if (bound <= TWO_POW_32) {
      const limit = TWO_POW_32 - (TWO_POW_32 % bound);
      for (;;) {
        const value = this.nextU32();
        if (value < limit) return value % bound;
      }
    }
    const limit = TWO_POW_53 - (TWO_POW_53 % bound);
    for (;;) {
      const value = (this.nextU32() >>> 11) * TWO_POW_32 + this.nextU32();
      if (value < limit) return value % bound;
    }
  }

  /** A uniform integer in [min, max] (both integers, max − min < 2^53). */
  intBetween(min: number, max: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min) {
      throw new InvalidArgumentError(`prng range must be safe integers with min <= max, got [${min}, ${max}]`);
    }
    return min + this.intBelow(max - min + 1);
  }

  /** An exponentially distributed double with mean `mean` (≥ 0). Two outputs. */
  exponential(mean: number): number {
    const log = portableLog(1 - this.nextFloat()); // 1 − u is in (0, 1] and exact
    return log === 0 ? 0 : -log * mean;
  }

  /** A standard normal deviate (Marsaglia's polar method; the second deviate is discarded). */
  normal(): number {
    for (;;) {
      const u = 2 * this.nextFloat() - 1;
      const v = 2 * this.nextFloat() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) return u * Math.sqrt((-2 * portableLog(s)) / s);
    }
  }

  /** A log-normal deviate: `exp(mu + sigma · N(0, 1))`; its median is `exp(mu)`. */
  logNormal(mu: number, sigma: number): number {
    return portableExp(mu + sigma * this.normal());
  }

  /** Shuffles `values[0, length)` in place (Fisher–Yates; `length` defaults to the whole array). */
  shuffle(values: Int32Array, length = values.length): void {
    for (let i = length - 1; i > 0; i--) {
      const j = this.intBelow(i + 1);
      const held = values[i] as number;
      values[i] = values[j] as number;
      values[j] = held;
    }
  }
}
