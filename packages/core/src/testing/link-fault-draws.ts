/**
 * The per-datagram link-fault draws shared by the in-memory {@link TestNetwork} and the simulator's
 * `SimNetwork`: uniform loss, Gilbert–Elliott bursty loss, duplication, reordering, jitter and
 * corruption (a one-bit flip). This module owns the fault parameters of every directed link, each
 * link's Gilbert–Elliott state and each link's two seeded generator streams; the networks own
 * everything else (queues, timing, `down`, statistics, trace) and decide what a draw means for
 * their datagrams.
 *
 * ## Units
 * None: the delays given (`reorderDelay`, `jitterScale`) and returned ({@link LinkFaultDraws.drawDelay})
 * are in whatever integer time unit the network uses (µs in `TestNetwork`, ns in `SimNetwork`).
 *
 * ## Draw discipline (what keeps runs reproducible)
 * Each link has a *decision* stream and a *value* stream (streams `firstStream + 2·link` and
 * `firstStream + 1 + 2·link` of the seed). {@link LinkFaultDraws.drawDeparture} draws exactly six
 * 32-bit numbers from the decision stream — uniform loss, burst loss, burst state step, duplication,
 * reordering, corruption — whatever the configuration, and steps the Gilbert–Elliott state. Every
 * other draw comes from the value stream, in the order the network calls for it: per launched copy,
 * {@link LinkFaultDraws.drawCorruptBit} (only if the copy is corrupted) then
 * {@link LinkFaultDraws.drawDelay} (jitter, only when configured); for a duplicate,
 * {@link LinkFaultDraws.drawCopyFaults} (its own reorder and corruption decisions) after the
 * original has been launched. So enabling jitter never changes which datagrams are lost, and
 * traffic on one link never shifts another link's draws. The steps are separate functions so each
 * network keeps its own order of effects (stats, trace) around them.
 */
import { InvalidArgumentError } from '../errors.js';
import { PRNG_STATE_WORDS, Prng, seedPrngState } from './prng.js';

/** How a link's jitter is distributed: none, uniform on [0, scale], or exponential with mean scale. */
export type JitterKind = 'none' | 'uniform' | 'exponential';

/** Jitter kinds by their stored code (0 none, 1 uniform, 2 exponential). */
export const JITTER_KINDS: readonly JitterKind[] = ['none', 'uniform', 'exponential'];
/** Stored code of 'none' jitter. */
export const JITTER_NONE = 0;
/** Stored code of 'uniform' jitter. */
export const JITTER_UNIFORM = 1;
/** Stored code of 'exponential' jitter. */
export const JITTER_EXPONENTIAL = 2;

/**
 * A Gilbert–Elliott two-state loss channel. The state steps once per departing datagram; the mean
 * run of datagrams in the bad state is `1 / badToGoodProbability` and the stationary bad fraction
 * `goodToBad / (goodToBad + badToGood)`.
 */
export interface GilbertElliott {
  /** Probability of moving from the good to the bad state after a datagram, in [0, 1]. */
  readonly goodToBadProbability: number;
  /** Probability of moving from the bad to the good state after a datagram, in [0, 1]. */
  readonly badToGoodProbability: number;
  /** Loss probability in the good state (default 0). */
  readonly lossProbabilityGood?: number;
  /** Loss probability in the bad state (default 1). */
  readonly lossProbabilityBad?: number;
}

/**
 * Gilbert–Elliott parameters for a target long-run loss rate and mean loss-burst length (in
 * datagrams), losing everything in the bad state and nothing in the good one.
 */
export function gilbertElliottFromBurst(options: {
  readonly lossRate: number;
  readonly meanBurstLength: number;
}): GilbertElliott {
  const { lossRate, meanBurstLength } = options;
  if (!(meanBurstLength >= 1) || !Number.isFinite(meanBurstLength)) {
    throw new InvalidArgumentError(`meanBurstLength must be a finite number >= 1, got ${meanBurstLength}`);
  }
  const badToGood = 1 / meanBurstLength;
  const goodToBad = (lossRate * badToGood) / (1 - lossRate);
  if (!(lossRate >= 0 && lossRate < 1) || goodToBad > 1) {
    throw new InvalidArgumentError(
      `lossRate ${lossRate} is not reachable with mean burst ${meanBurstLength}: need 0 <= lossRate < 1 and lossRate <= burst / (burst + 1)`,
    );
  }
  return {
    goodToBadProbability: goodToBad,
    badToGoodProbability: badToGood,
    lossProbabilityGood: 0,
    lossProbabilityBad: 1,
  };
}

/** Throws {@link InvalidArgumentError} unless `value` is a probability in [0, 1]; returns it. */
export function checkProbability(value: number, name: string): number {
  if (!(value >= 0 && value <= 1)) {
    throw new InvalidArgumentError(`${name} must be a probability in [0, 1], got ${value}`);
  }
  return value;
}

/**
 * Throws {@link InvalidArgumentError} unless `value` is a safe non-negative integer duration; the
 * message names `unit` (e.g. `µs`, `ns`). Returns it.
 */
export function checkDuration(value: number, name: string, unit: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(`${name} must be a safe non-negative integer number of ${unit}, got ${value}`);
  }
  return value;
}

/** Throws {@link InvalidArgumentError} unless every probability of `burst` is in [0, 1]. */
export function checkGilbertElliott(burst: GilbertElliott): void {
  checkProbability(burst.goodToBadProbability, 'burstLoss.goodToBadProbability');
  checkProbability(burst.badToGoodProbability, 'burstLoss.badToGoodProbability');
  checkProbability(burst.lossProbabilityGood ?? 0, 'burstLoss.lossProbabilityGood');
  checkProbability(burst.lossProbabilityBad ?? 1, 'burstLoss.lossProbabilityBad');
}

/** Returns the code of a jitter kind; throws {@link InvalidArgumentError} for anything else. */
export function jitterCodeOf(jitter: JitterKind): number {
  const code = JITTER_KINDS.indexOf(jitter);
  if (code < 0) {
    throw new InvalidArgumentError(`jitter must be 'none', 'uniform' or 'exponential', got ${String(jitter)}`);
  }
  return code;
}

/** The unit-free fault parameters of one directed link (validated by the network that owns the unit). */
export interface LinkFaultParameters {
  /** Independent loss probability per departing datagram. */
  readonly lossProbability: number;
  /** Bursty loss channel, or null. Changing it restarts the channel in the good state. */
  readonly burstLoss: GilbertElliott | null;
  /** Probability that a departing datagram is duplicated. */
  readonly duplicateProbability: number;
  /** Probability that a copy gets `reorderDelay` of extra delay. */
  readonly reorderProbability: number;
  /** Extra delay of a reordered copy, in the network's time unit (a safe non-negative integer). */
  readonly reorderDelay: number;
  /** Jitter distribution added to every copy's delay. */
  readonly jitter: JitterKind;
  /** Jitter scale in the network's time unit: the uniform maximum or the exponential mean. */
  readonly jitterScale: number;
  /** Probability that a copy has one uniformly chosen bit flipped. */
  readonly corruptProbability: number;
}

/** A link without faults. */
export const NO_LINK_FAULT_PARAMETERS: LinkFaultParameters = {
  lossProbability: 0,
  burstLoss: null,
  duplicateProbability: 0,
  reorderProbability: 0,
  reorderDelay: 0,
  jitter: 'none',
  jitterScale: 0,
  corruptProbability: 0,
};

/** Outcome bit of {@link LinkFaultDraws.drawDeparture}: lost by the uniform loss probability. */
export const FAULT_LOSS = 1;
/** Outcome bit of {@link LinkFaultDraws.drawDeparture}: lost by the Gilbert–Elliott channel. */
export const FAULT_BURST_LOSS = 2;
/** Outcome bit of {@link LinkFaultDraws.drawDeparture}: duplicated (one extra copy). */
export const FAULT_DUPLICATE = 4;
/** Outcome bit of a copy: gets the reordering delay. */
export const FAULT_REORDER = 8;
/** Outcome bit of a copy: gets one bit flipped. */
export const FAULT_CORRUPT = 16;

/** Options of {@link LinkFaultDraws}. */
export interface LinkFaultDrawsOptions {
  /** Number of directed links (1 … 2^24). */
  readonly linkCount: number;
  /** Seed of every draw: a safe non-negative integer. */
  readonly seed: number;
  /** Stream of link 0's decisions; link `l` uses `firstStream + 2l` and `firstStream + 2l + 1` (default 1). */
  readonly firstStream?: number;
}

/** Most links a {@link LinkFaultDraws} holds. */
export const LINK_FAULT_DRAWS_LINKS_MAX = 2 ** 24;

const TWO_POW_32 = 4294967296;

/**
 * The fault parameters, Gilbert–Elliott states and seeded draws of `linkCount` directed links; see
 * the module comment for the draw discipline. Allocated once; nothing allocates per draw.
 */
export class LinkFaultDraws {
  /** Number of links. */
  readonly linkCount: number;

  private readonly decisions: Prng;
  private readonly values: Prng;
  private readonly faulty: Uint8Array;
  private readonly loss: Float64Array;
  private readonly burstEnabled: Uint8Array;
  private readonly burstBad: Uint8Array;
  private readonly goodToBad: Float64Array;
  private readonly badToGood: Float64Array;
  private readonly lossGood: Float64Array;
  private readonly lossBad: Float64Array;
  private readonly duplicate: Float64Array;
  private readonly reorder: Float64Array;
  private readonly reorderDelay: Float64Array;
  private readonly jitter: Uint8Array;
  private readonly jitterScale: Float64Array;
  private readonly corrupt: Float64Array;

  constructor(options: LinkFaultDrawsOptions) {
    const linkCount = options.linkCount;
    if (!Number.isInteger(linkCount) || linkCount < 1 || linkCount > LINK_FAULT_DRAWS_LINKS_MAX) {
      throw new InvalidArgumentError(
        `linkCount must be an integer in [1, ${LINK_FAULT_DRAWS_LINKS_MAX}], got ${linkCount}`,
      );
    }
    const firstStream = options.firstStream ?? 1;
    this.linkCount = linkCount;
    const decisionStates = new Uint32Array(linkCount * PRNG_STATE_WORDS);
    const valueStates = new Uint32Array(linkCount * PRNG_STATE_WORDS);
    for (let link = 0; link < linkCount; link++) {
      // One pair of streams per link, distinct from every other link's.
      seedPrngState(decisionStates, link, options.seed, firstStream + 2 * link);
      seedPrngState(valueStates, link, options.seed, firstStream + 1 + 2 * link);
    }
    this.decisions = new Prng(decisionStates);
    this.values = new Prng(valueStates);
    this.faulty = new Uint8Array(linkCount);
    this.loss = new Float64Array(linkCount);
    this.burstEnabled = new Uint8Array(linkCount);
    this.burstBad = new Uint8Array(linkCount);
    this.goodToBad = new Float64Array(linkCount);
    this.badToGood = new Float64Array(linkCount);
    this.lossGood = new Float64Array(linkCount);
    this.lossBad = new Float64Array(linkCount).fill(1);
    this.duplicate = new Float64Array(linkCount);
    this.reorder = new Float64Array(linkCount);
    this.reorderDelay = new Float64Array(linkCount);
    this.jitter = new Uint8Array(linkCount);
    this.jitterScale = new Float64Array(linkCount);
    this.corrupt = new Float64Array(linkCount);
  }

  /**
   * Sets `link`'s parameters, which the caller has validated (probabilities in [0, 1], durations
   * safe non-negative integers, a known jitter kind). A changed burst channel restarts in the good
   * state; an unchanged one keeps its state.
   */
  configure(link: number, parameters: LinkFaultParameters): void {
    const burst = parameters.burstLoss;
    const goodToBad = burst === null ? 0 : burst.goodToBadProbability;
    const badToGood = burst === null ? 0 : burst.badToGoodProbability;
    const lossGood = burst === null ? 0 : (burst.lossProbabilityGood ?? 0);
    const lossBad = burst === null ? 1 : (burst.lossProbabilityBad ?? 1);
    const burstChanged =
      (burst !== null) !== (this.burstEnabled[link] === 1) ||
      goodToBad !== this.goodToBad[link] ||
      badToGood !== this.badToGood[link] ||
      lossGood !== this.lossGood[link] ||
      lossBad !== this.lossBad[link];
    if (burstChanged) this.burstBad[link] = 0;
    this.burstEnabled[link] = burst === null ? 0 : 1;
    this.goodToBad[link] = goodToBad;
    this.badToGood[link] = badToGood;
    this.lossGood[link] = lossGood;
    this.lossBad[link] = lossBad;
    const jitter = jitterCodeOf(parameters.jitter);
    this.loss[link] = parameters.lossProbability;
    this.duplicate[link] = parameters.duplicateProbability;
    this.reorder[link] = parameters.reorderProbability;
    this.reorderDelay[link] = parameters.reorderDelay;
    this.jitter[link] = jitter;
    this.jitterScale[link] = parameters.jitterScale;
    this.corrupt[link] = parameters.corruptProbability;
    const faulty =
      parameters.lossProbability > 0 ||
      burst !== null ||
      parameters.duplicateProbability > 0 ||
      parameters.reorderProbability > 0 ||
      parameters.corruptProbability > 0 ||
      (jitter !== JITTER_NONE && parameters.jitterScale > 0);
    this.faulty[link] = faulty ? 1 : 0;
  }

  /** The current parameters of `link` (a fresh object; not for hot paths). */
  parameters(link: number): LinkFaultParameters {
    const burstLoss: GilbertElliott | null =
      this.burstEnabled[link] === 1
        ? {
            goodToBadProbability: this.goodToBad[link] as number,
            badToGoodProbability: this.badToGood[link] as number,
            lossProbabilityGood: this.lossGood[link] as number,
            lossProbabilityBad: this.lossBad[link] as number,
          }
        : null;
    return {
      lossProbability: this.loss[link] as number,
      burstLoss,
      duplicateProbability: this.duplicate[link] as number,
      reorderProbability: this.reorder[link] as number,
      reorderDelay: this.reorderDelay[link] as number,
      jitter: JITTER_KINDS[this.jitter[link] as number] as JitterKind,
      jitterScale: this.jitterScale[link] as number,
      corruptProbability: this.corrupt[link] as number,
    };
  }

  /**
   * Whether `link` has any fault that draws (loss, a burst channel, duplication, reordering,
   * corruption or non-zero jitter). A network may skip {@link drawDeparture} on links where this is
   * false (the simulator does; the test network draws on every link).
   */
  isFaulty(link: number): boolean {
    return this.faulty[link] === 1;
  }

  /** Whether `link`'s Gilbert–Elliott channel is in its bad state. */
  isBurstBad(link: number): boolean {
    return this.burstBad[link] === 1;
  }

  /**
   * The decisions for a datagram departing on `link`: exactly six decision-stream draws, and one
   * Gilbert–Elliott step (the current state's loss probability applies, then the state steps).
   * Returns a mask of {@link FAULT_LOSS}, {@link FAULT_BURST_LOSS} (a network drops on either,
   * uniform loss taking precedence), {@link FAULT_DUPLICATE}, and the original copy's
   * {@link FAULT_REORDER} and {@link FAULT_CORRUPT}.
   */
  drawDeparture(link: number): number {
    const decisions = this.decisions;
    decisions.select(link);
    const lossDraw = decisions.nextU32();
    const burstLossDraw = decisions.nextU32();
    const burstStepDraw = decisions.nextU32();
    const duplicateDraw = decisions.nextU32();
    const reorderDraw = decisions.nextU32();
    const corruptDraw = decisions.nextU32();
    let mask = 0;
    if (this.burstEnabled[link] === 1) {
      const bad = this.burstBad[link] === 1;
      const lossProbability = bad ? (this.lossBad[link] as number) : (this.lossGood[link] as number);
      if (burstLossDraw < lossProbability * TWO_POW_32) mask |= FAULT_BURST_LOSS;
      if (bad) {
        if (burstStepDraw < (this.badToGood[link] as number) * TWO_POW_32) this.burstBad[link] = 0;
      } else if (burstStepDraw < (this.goodToBad[link] as number) * TWO_POW_32) {
        this.burstBad[link] = 1;
      }
    }
    if (lossDraw < (this.loss[link] as number) * TWO_POW_32) mask |= FAULT_LOSS;
    if (duplicateDraw < (this.duplicate[link] as number) * TWO_POW_32) mask |= FAULT_DUPLICATE;
    if (reorderDraw < (this.reorder[link] as number) * TWO_POW_32) mask |= FAULT_REORDER;
    if (corruptDraw < (this.corrupt[link] as number) * TWO_POW_32) mask |= FAULT_CORRUPT;
    return mask;
  }

  /**
   * A duplicate's own decisions (two value-stream draws): a mask of {@link FAULT_REORDER} and
   * {@link FAULT_CORRUPT}. Call it after the original copy has been launched.
   */
  drawCopyFaults(link: number): number {
    const values = this.values;
    values.select(link);
    const reorderDraw = values.nextU32();
    const corruptDraw = values.nextU32();
    let mask = 0;
    if (reorderDraw < (this.reorder[link] as number) * TWO_POW_32) mask |= FAULT_REORDER;
    if (corruptDraw < (this.corrupt[link] as number) * TWO_POW_32) mask |= FAULT_CORRUPT;
    return mask;
  }

  /** The bit (in `[0, 8 · lengthBytes)`) to flip in a corrupted copy of `lengthBytes` bytes (one value-stream draw). */
  drawCorruptBit(link: number, lengthBytes: number): number {
    const values = this.values;
    values.select(link);
    return values.intBelow(lengthBytes * 8);
  }

  /**
   * A copy's extra delay on `link` (in the network's unit): its jitter (one value-stream draw when
   * jitter is configured) plus the reordering delay when `copyFaults` has {@link FAULT_REORDER}.
   */
  drawDelay(link: number, copyFaults: number): number {
    let delay = 0;
    const jitter = this.jitter[link] as number;
    if (jitter === JITTER_UNIFORM) {
      const values = this.values;
      values.select(link);
      delay += values.intBelow((this.jitterScale[link] as number) + 1);
    } else if (jitter === JITTER_EXPONENTIAL) {
      const values = this.values;
      values.select(link);
      delay += Math.round(values.exponential(this.jitterScale[link] as number));
    }
    if ((copyFaults & FAULT_REORDER) !== 0) delay += this.reorderDelay[link] as number;
    return delay;
  }
}

/** Flips bit `bit` (0 = the least significant bit of `bytes[offset]`) of `bytes[offset, …)`. */
export function flipBit(bytes: Uint8Array, offset: number, bit: number): void {
  const at = offset + (bit >>> 3);
  bytes[at] = (bytes[at] as number) ^ (1 << (bit & 7));
}
