/**
 * The per-peer BBR-style congestion controller of a dcq sender: a model of the path (bottleneck
 * bandwidth and min RTT) from delivery-rate samples, a pacing rate and a congestion window derived
 * from it, and the BBRv2/v3 reactions to loss, ECN and queueing delay.
 *
 * This module owns the model and the state machine (STARTUP → DRAIN → PROBE_BW ⇄ PROBE_RTT; see
 * spec/congestion.md for the tables). It is sans-IO and deterministic: integer µs come in as
 * arguments, the PROBE_BW cruise lengths come from a seeded xorshift32, every field is a number, and
 * no input allocates. Per-packet state lives in the engine's delivery records (`delivery-rate.ts`).
 *
 * Simplifications relative to BBRv3 (draft-ietf-ccwg-bbr), each for the datacenter and for
 * testability:
 * - PROBE_BW is round-based (a cycle is a few round trips, as in BBRv1) rather than wall-clock
 *   based (BBRv3 waits 2–3 s between probes, thousands of datacenter round trips): DOWN until in
 *   flight ≤ BDP, CRUISE for 2–6 rounds (seeded), UP until in flight ≥ 1.25 × BDP. The bandwidth
 *   filter spans 10 rounds, longer than a cycle, so an UP measurement survives until the next UP.
 * - Loss and ECN are judged per round: a round is *lossy* when it had at least `lossEventsMin`
 *   loss/CE events and lost more than `lossThreshold` of the bytes it delivered and lost, or had
 *   more than `ecnThreshold` of its delivered bytes CE-marked. A lossy round during a probe
 *   (STARTUP, UP) sets `inflightHi` (long-term bound); elsewhere it cuts the short-term bounds
 *   `bwLo` / `inflightLo` to max(what the last round delivered, β × previous), so random loss that
 *   does not reduce delivery does not reduce the rate either. On a lossy path (a loss baseline —
 *   the average loss fraction of rounds outside probing — of 10 % or more) a probing round is
 *   lossy only above twice the baseline: random loss does not stop STARTUP or cap `inflightHi`.
 * - Queueing delay is an explicit signal (BBR has none): when even the smallest RTT of a round
 *   exceeds min RTT by more than max(`queueDelayThresholdUs`, `queueDelayFactor` × min RTT), UP ends
 *   and, outside UP, `bwLo` steps down towards 0.9 × what the round delivered and `inflightLo`
 *   towards the resulting BDP. A delay that persists for 16 rounds starts PROBE_RTT at once, whose
 *   samples replace a min RTT the path no longer offers (a longer route).
 * - There is no REFILL phase and no ack-aggregation estimator (`cwndExtraBytes` is a fixed budget).
 *
 * spec: congestion.md
 */
import { InvalidArgumentError } from '../errors.js';
import {
  CONGESTION_ACTION_COUNT,
  CongestionAction,
  type CongestionController,
  CongestionState,
  ProbeBwPhase,
} from './controller.js';
import { DeliveryRateEstimator, DeliveryRecordField } from './delivery-rate.js';
import { WindowedMaxFilter, WindowedMinFilter } from './windowed-filter.js';

/** STARTUP pacing gain, 4 ln 2 ≈ 2.77 (BBRv3): doubles delivery each round. */
export const BBR_STARTUP_PACING_GAIN = 2.77;
/** STARTUP and DRAIN cwnd gain. */
export const BBR_STARTUP_CWND_GAIN = 2;
/** DRAIN pacing gain (BBRv3): empties STARTUP's queue in about one round. */
export const BBR_DRAIN_PACING_GAIN = 0.35;
/** PROBE_BW UP pacing gain. */
export const BBR_PROBE_UP_PACING_GAIN = 1.25;
/** PROBE_BW UP cwnd gain (BBRv3). */
export const BBR_PROBE_UP_CWND_GAIN = 2.25;
/** PROBE_BW DOWN pacing gain. */
export const BBR_PROBE_DOWN_PACING_GAIN = 0.9;
/** PROBE_BW CRUISE pacing gain. */
export const BBR_CRUISE_PACING_GAIN = 1;
/** PROBE_BW cwnd gain outside UP. */
export const BBR_CWND_GAIN = 2;
/** PROBE_RTT cwnd as a fraction of the BDP (BBRv3). */
export const BBR_PROBE_RTT_CWND_GAIN = 0.5;
/** Pacing margin: pace 1 % below the estimate so the bottleneck queue drains (BBRv3). */
export const BBR_PACING_MARGIN = 0.01;
/** STARTUP ends when the bandwidth estimate grew less than this factor … */
export const BBR_FULL_BW_GROWTH = 1.25;
/** … for this many consecutive rounds. */
export const BBR_FULL_BW_ROUNDS = 3;
/** DOWN ends after at most this many rounds even if in flight stays above the BDP. */
export const BBR_PROBE_DOWN_ROUNDS_MAX = 3;
/** Factor by which `bwLo` and `inflightLo` step down per round of high queueing delay. */
export const BBR_DELAY_BETA = 0.85;
/** On high queueing delay `bwLo` never drops below this fraction of the rate the round delivered. */
export const BBR_DELAY_DELIVERED_FRACTION = 0.9;
/**
 * Consecutive PROBE_BW rounds with high queueing delay after which min RTT is re-measured at once
 * (PROBE_RTT): a delay that backing off does not remove is a longer path or a queue this flow
 * cannot drain, not a reason to keep yielding.
 */
export const BBR_DELAY_ROUNDS_PROBE_RTT = 16;
/**
 * Gain of the loss baseline: each round outside probing (not STARTUP, not UP) moves
 * {@link BbrController.lossBaseline} this fraction of the way to its loss fraction (≈ 8 rounds).
 */
export const BBR_LOSS_BASELINE_GAIN = 1 / 8;
/**
 * A loss baseline at or above this is a lossy path (or a flow the others starve): from it on, a
 * probe (STARTUP, UP) is judged lossy only above {@link BBR_LOSS_BASELINE_FACTOR} × the baseline.
 * Below it loss keeps BBRv3's meaning (a flow sharing a shallow bottleneck sees a few % loss in
 * steady state; ignoring that would break fairness — measured in congestion-model.test.ts).
 */
export const BBR_LOSS_BASELINE_MIN = 0.1;
/**
 * Margin over the loss baseline above which a probe's loss is its own: random loss shows at every
 * in-flight level, a probe that overflows the bottleneck adds loss on top. The margin absorbs the
 * per-round noise of a binomial loss count over a small window.
 */
export const BBR_LOSS_BASELINE_FACTOR = 2;

/** Default option values (datacenter). spec: congestion.md#parameters */
export const BBR_DEFAULTS = {
  mssBytes: 1472,
  initialCwndPackets: 10,
  minCwndPackets: 4,
  cwndMaxBytes: 64 * 1024 * 1024,
  rateMinBytesPerSec: 1_000_000,
  rateMaxBytesPerSec: 12_500_000_000,
  initialRttUs: 100,
  bwWindowRounds: 10,
  minRttWindowUs: 10_000_000,
  minRttFilterSlots: 10,
  probeRttIntervalUs: 5_000_000,
  probeRttDurationUs: 2_000,
  lossThreshold: 0.02,
  ecnThreshold: 0.5,
  lossEventsMin: 2,
  beta: 0.7,
  headroom: 0.15,
  queueDelayFactor: 0.25,
  queueDelayThresholdUs: 25,
  cruiseRoundsMin: 2,
  cruiseRoundsMax: 6,
  cwndExtraPackets: 4,
  randomSeed: 1,
} as const;

/** Options of a {@link BbrController}; every field has a default in {@link BBR_DEFAULTS}. */
export interface BbrOptions {
  /** Bytes of one full packet / DATA datagram payload counted in flight (default 1472). */
  readonly mssBytes?: number;
  /** Initial congestion window, bytes (default 10 × mss): the BDP guess before any sample. */
  readonly initialCwndBytes?: number;
  /** Smallest congestion window, bytes (default 4 × mss). */
  readonly minCwndBytes?: number;
  /** Largest congestion window, bytes (default 64 MiB). */
  readonly cwndMaxBytes?: number;
  /** Smallest pacing rate, bytes/s (default 1 MB/s). */
  readonly rateMinBytesPerSec?: number;
  /** Largest pacing rate, bytes/s: the local link rate (default 12.5 GB/s = 100 Gb/s). */
  readonly rateMaxBytesPerSec?: number;
  /** RTT assumed before the first sample, µs (default 100): sets the initial pacing rate. */
  readonly initialRttUs?: number;
  /** Window of the bandwidth max filter, in round trips (default 10). */
  readonly bwWindowRounds?: number;
  /** Window of the min-RTT filter, µs (default 10 s). */
  readonly minRttWindowUs?: number;
  /** Min RTT not refreshed for this long ⇒ PROBE_RTT, µs (default 5 s). */
  readonly probeRttIntervalUs?: number;
  /** Time PROBE_RTT holds the reduced window (and at least one round), µs (default 2 ms). */
  readonly probeRttDurationUs?: number;
  /** Loss fraction of a round above which the round is lossy (default 0.02). */
  readonly lossThreshold?: number;
  /**
   * Fraction of a round's delivered bytes marked ECN CE above which the round is lossy (default
   * 0.5, BBRv2's datacenter ECN threshold: marks come early and often, loss late and rarely).
   */
  readonly ecnThreshold?: number;
  /** Loss/CE events a round needs before its loss or CE fraction counts (default 2). */
  readonly lossEventsMin?: number;
  /** Multiplicative decrease of the loss bounds (default 0.7, BBRv3's β). */
  readonly beta?: number;
  /** Fraction of `inflightHi` left free in CRUISE and PROBE_RTT for other flows (default 0.15). */
  readonly headroom?: number;
  /** Queueing delay threshold as a fraction of min RTT (default 0.5). */
  readonly queueDelayFactor?: number;
  /** Smallest queueing delay threshold, µs, above host jitter (default 25). */
  readonly queueDelayThresholdUs?: number;
  /** Fewest CRUISE rounds per PROBE_BW cycle (default 2). */
  readonly cruiseRoundsMin?: number;
  /** Most CRUISE rounds per PROBE_BW cycle (default 6). */
  readonly cruiseRoundsMax?: number;
  /** Bytes added to the cwnd target for send bursts and ack batching (default 4 × mss). */
  readonly cwndExtraBytes?: number;
  /** Seed of the cruise-length generator; give each peer a different one (default 1). */
  readonly randomSeed?: number;
  /** Time of creation, µs (default 0). */
  readonly nowUs?: number;
}

const MICROS_PER_SECOND = 1_000_000;

function checkNumber(name: string, value: number, min: number, max: number, integer: boolean): number {
  if (!(value >= min && value <= max) || (integer && !Number.isInteger(value))) {
    throw new InvalidArgumentError(
      `${name} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${value}`,
    );
  }
  return value;
}

/**
 * BBR-style per-peer congestion controller; see the module comment and spec/congestion.md.
 * Implements {@link CongestionController}; the engine's call order is documented there.
 */
export class BbrController implements CongestionController {
  /** Bytes of one full packet. */
  readonly mssBytes: number;
  /** Initial congestion window, bytes. */
  readonly initialCwndBytes: number;
  /** Smallest congestion window, bytes. */
  readonly minCwndBytes: number;
  /** Largest congestion window, bytes. */
  readonly cwndMaxBytes: number;
  /** Smallest pacing rate, bytes/s. */
  readonly rateMinBytesPerSec: number;
  /** Largest pacing rate, bytes/s. */
  readonly rateMaxBytesPerSec: number;
  /** RTT assumed before the first sample, µs. */
  readonly initialRttUs: number;
  /** Min RTT not refreshed for this long ⇒ PROBE_RTT, µs. */
  readonly probeRttIntervalUs: number;
  /** Time PROBE_RTT holds the reduced window, µs. */
  readonly probeRttDurationUs: number;
  /** Round loss fraction above which a round is lossy. */
  readonly lossThreshold: number;
  /** Round CE fraction above which a round is lossy. */
  readonly ecnThreshold: number;
  /** Loss/CE events a round needs before its loss fraction counts. */
  readonly lossEventsMin: number;
  /** Multiplicative decrease of the loss bounds. */
  readonly beta: number;
  /** Fraction of `inflightHi` left free in CRUISE and PROBE_RTT. */
  readonly headroom: number;
  /** Queueing delay threshold as a fraction of min RTT. */
  readonly queueDelayFactor: number;
  /** Smallest queueing delay threshold, µs. */
  readonly queueDelayThresholdUs: number;
  /** Fewest CRUISE rounds per cycle. */
  readonly cruiseRoundsMin: number;
  /** Most CRUISE rounds per cycle. */
  readonly cruiseRoundsMax: number;
  /** Bytes added to the cwnd target. */
  readonly cwndExtraBytes: number;
  /** Seed of the cruise-length generator. */
  readonly randomSeed: number;
  /** Count of each {@link CongestionAction} since construction or reset. */
  readonly actionCounts: Uint32Array;

  private readonly delivery: DeliveryRateEstimator;
  private readonly bwFilter: WindowedMaxFilter;
  private readonly minRttFilter: WindowedMinFilter;
  /** Width of one min-RTT filter epoch, µs. */
  private readonly minRttBucketUs: number;

  private mode: CongestionState;
  private phase: ProbeBwPhase;
  private pacingGain: number;
  private cwndGain: number;
  private pacingRate: number;
  private cwnd: number;
  /** Min RTT in use, µs (kept when the filter empties during silence). */
  private minRtt: number;
  private hasMinRtt: boolean;
  /** When min RTT was last matched or lowered, µs. */
  private minRttStampUs: number;
  private filledPipe: boolean;
  private fullBw: number;
  private fullBwCount: number;
  private roundCount: number;
  private nextRoundDelivered: number;
  private roundStart: boolean;
  private phaseStartRound: number;
  private phaseStartUs: number;
  private cruiseRounds: number;
  private probeUpIncrementBytes: number;
  /** Short-term bounds (Infinity = none), reset when probing up. */
  private bwLo: number;
  private inflightLo: number;
  /** Long-term bound on bytes in flight, set by loss while probing (Infinity = none). */
  private inflightHi: number;
  private priorCwnd: number;
  /** End of the PROBE_RTT hold, µs, or −1 while still draining to the PROBE_RTT window. */
  private probeRttDoneUs: number;
  /** Smallest RTT sampled during the PROBE_RTT hold, µs (Infinity: none yet). */
  private probeRttMinUs: number;
  /** Consecutive PROBE_BW rounds with high queueing delay. */
  private delayedRounds: number;
  /** Average loss fraction of recent rounds outside STARTUP and UP (the loss the path shows anyway). */
  private lossBaselineFraction: number;
  private probeRttRoundDone: boolean;
  // Accumulators of the current round.
  private roundStartDelivered: number;
  private roundLostBytes: number;
  private roundCeBytes: number;
  private roundLossEvents: number;
  private roundLossTxInFlight: number;
  private roundBwMax: number;
  private roundDeliveredMax: number;
  private roundRttMinUs: number;
  private roundCwndLimited: boolean;
  private randomState: number;
  private action: CongestionAction;
  private sequence: number;

  constructor(options: BbrOptions = {}) {
    const d = BBR_DEFAULTS;
    this.mssBytes = checkNumber('mssBytes', options.mssBytes ?? d.mssBytes, 1, 65_535, true);
    const mss = this.mssBytes;
    this.minCwndBytes = checkNumber('minCwndBytes', options.minCwndBytes ?? d.minCwndPackets * mss, 1, 2 ** 40, true);
    this.cwndMaxBytes = checkNumber(
      'cwndMaxBytes',
      options.cwndMaxBytes ?? Math.max(d.cwndMaxBytes, this.minCwndBytes),
      this.minCwndBytes,
      2 ** 40,
      true,
    );
    this.initialCwndBytes = checkNumber(
      'initialCwndBytes',
      options.initialCwndBytes ?? Math.min(Math.max(d.initialCwndPackets * mss, this.minCwndBytes), this.cwndMaxBytes),
      this.minCwndBytes,
      this.cwndMaxBytes,
      true,
    );
    this.rateMaxBytesPerSec = checkNumber(
      'rateMaxBytesPerSec',
      options.rateMaxBytesPerSec ?? d.rateMaxBytesPerSec,
      1,
      2 ** 48,
      false,
    );
    this.rateMinBytesPerSec = checkNumber(
      'rateMinBytesPerSec',
      options.rateMinBytesPerSec ?? Math.min(d.rateMinBytesPerSec, this.rateMaxBytesPerSec),
      1,
      this.rateMaxBytesPerSec,
      false,
    );
    this.initialRttUs = checkNumber('initialRttUs', options.initialRttUs ?? d.initialRttUs, 1, 60_000_000, true);
    const bwWindowRounds = checkNumber('bwWindowRounds', options.bwWindowRounds ?? d.bwWindowRounds, 2, 1024, true);
    const minRttWindowUs = checkNumber(
      'minRttWindowUs',
      options.minRttWindowUs ?? d.minRttWindowUs,
      d.minRttFilterSlots,
      2 ** 40,
      true,
    );
    this.probeRttIntervalUs = checkNumber(
      'probeRttIntervalUs',
      options.probeRttIntervalUs ?? Math.min(d.probeRttIntervalUs, minRttWindowUs),
      1,
      minRttWindowUs,
      true,
    );
    this.probeRttDurationUs = checkNumber(
      'probeRttDurationUs',
      options.probeRttDurationUs ?? d.probeRttDurationUs,
      0,
      60_000_000,
      true,
    );
    this.lossThreshold = checkNumber('lossThreshold', options.lossThreshold ?? d.lossThreshold, 0, 1, false);
    this.ecnThreshold = checkNumber('ecnThreshold', options.ecnThreshold ?? d.ecnThreshold, 0, 1, false);
    this.lossEventsMin = checkNumber('lossEventsMin', options.lossEventsMin ?? d.lossEventsMin, 1, 2 ** 20, true);
    this.beta = checkNumber('beta', options.beta ?? d.beta, 0.1, 1, false);
    this.headroom = checkNumber('headroom', options.headroom ?? d.headroom, 0, 0.9, false);
    this.queueDelayFactor = checkNumber(
      'queueDelayFactor',
      options.queueDelayFactor ?? d.queueDelayFactor,
      0,
      1_000,
      false,
    );
    this.queueDelayThresholdUs = checkNumber(
      'queueDelayThresholdUs',
      options.queueDelayThresholdUs ?? d.queueDelayThresholdUs,
      0,
      60_000_000,
      true,
    );
    this.cruiseRoundsMin = checkNumber('cruiseRoundsMin', options.cruiseRoundsMin ?? d.cruiseRoundsMin, 1, 64, true);
    this.cruiseRoundsMax = checkNumber(
      'cruiseRoundsMax',
      options.cruiseRoundsMax ?? Math.max(d.cruiseRoundsMax, this.cruiseRoundsMin),
      this.cruiseRoundsMin,
      64,
      true,
    );
    this.cwndExtraBytes = checkNumber(
      'cwndExtraBytes',
      options.cwndExtraBytes ?? d.cwndExtraPackets * mss,
      0,
      2 ** 40,
      true,
    );
    this.randomSeed = checkNumber('randomSeed', options.randomSeed ?? d.randomSeed, 0, 2 ** 32 - 1, true);
    const nowUs = options.nowUs ?? 0;
    this.actionCounts = new Uint32Array(CONGESTION_ACTION_COUNT);
    this.delivery = new DeliveryRateEstimator();
    this.bwFilter = new WindowedMaxFilter({ windowLength: bwWindowRounds });
    this.minRttFilter = new WindowedMinFilter({ windowLength: d.minRttFilterSlots });
    this.minRttBucketUs = minRttWindowUs / d.minRttFilterSlots;
    this.mode = CongestionState.Startup;
    this.phase = ProbeBwPhase.Down;
    this.pacingGain = BBR_STARTUP_PACING_GAIN;
    this.cwndGain = BBR_STARTUP_CWND_GAIN;
    this.pacingRate = 0;
    this.cwnd = 0;
    this.minRtt = 0;
    this.hasMinRtt = false;
    this.minRttStampUs = 0;
    this.filledPipe = false;
    this.fullBw = 0;
    this.fullBwCount = 0;
    this.roundCount = 0;
    this.nextRoundDelivered = 0;
    this.roundStart = false;
    this.phaseStartRound = 0;
    this.phaseStartUs = 0;
    this.cruiseRounds = 0;
    this.probeUpIncrementBytes = 0;
    this.bwLo = Number.POSITIVE_INFINITY;
    this.inflightLo = Number.POSITIVE_INFINITY;
    this.inflightHi = Number.POSITIVE_INFINITY;
    this.priorCwnd = 0;
    this.probeRttDoneUs = -1;
    this.probeRttRoundDone = false;
    this.probeRttMinUs = Number.POSITIVE_INFINITY;
    this.delayedRounds = 0;
    this.lossBaselineFraction = 0;
    this.roundStartDelivered = 0;
    this.roundLostBytes = 0;
    this.roundCeBytes = 0;
    this.roundLossEvents = 0;
    this.roundLossTxInFlight = 0;
    this.roundBwMax = 0;
    this.roundDeliveredMax = 0;
    this.roundRttMinUs = Number.POSITIVE_INFINITY;
    this.roundCwndLimited = false;
    this.randomState = 0;
    this.action = CongestionAction.None;
    this.sequence = 0;
    this.reset(nowUs);
  }

  // ---------------------------------------------------------------- outputs

  /** Pacing rate in bytes/s, within [rateMinBytesPerSec, rateMaxBytesPerSec]. */
  get pacingRateBytesPerSec(): number {
    return this.pacingRate;
  }

  /** Congestion window in bytes, within [minCwndBytes, cwndMaxBytes]. */
  get congestionWindowBytes(): number {
    return this.cwnd;
  }

  /** Current {@link CongestionState}. */
  get state(): CongestionState {
    return this.mode;
  }

  /** Current {@link ProbeBwPhase} (meaningful in PROBE_BW). */
  get probeBwPhase(): ProbeBwPhase {
    return this.phase;
  }

  /** The last {@link CongestionAction}. */
  get lastAction(): CongestionAction {
    return this.action;
  }

  /** Incremented on every action. */
  get actionSequence(): number {
    return this.sequence;
  }

  /** Windowed-max bandwidth estimate, bytes/s (0 before the first sample). */
  get maxBandwidthBytesPerSec(): number {
    return this.bwFilter.hasValue ? this.bwFilter.value : 0;
  }

  /** Bandwidth the model uses: min(max bandwidth, `bwLo`), or the initial guess before samples. */
  get bandwidthBytesPerSec(): number {
    return this.modelBw();
  }

  /** Min RTT in µs (the initial RTT before the first sample). */
  get minRttUs(): number {
    return this.hasMinRtt ? this.minRtt : this.initialRttUs;
  }

  /** Bandwidth-delay product of the model, bytes. */
  get bdpBytes(): number {
    return this.bdp();
  }

  /** Long-term in-flight bound from loss while probing, bytes (Infinity = none). */
  get inflightHiBytes(): number {
    return this.inflightHi;
  }

  /** Short-term in-flight bound from loss or delay, bytes (Infinity = none). */
  get inflightLoBytes(): number {
    return this.inflightLo;
  }

  /**
   * Loss baseline: the average loss fraction of recent rounds outside STARTUP and UP (0..1). From
   * {@link BBR_LOSS_BASELINE_MIN} on, a probing round is lossy only above
   * {@link BBR_LOSS_BASELINE_FACTOR} × this.
   * spec: congestion.md#loss
   */
  get lossBaseline(): number {
    return this.lossBaselineFraction;
  }

  /** Short-term bandwidth bound from loss, bytes/s (Infinity = none). */
  get bwLoBytesPerSec(): number {
    return this.bwLo;
  }

  /** Packet-timed round trips counted so far. */
  get roundTrips(): number {
    return this.roundCount;
  }

  /** Whether STARTUP found the pipe full (by bandwidth plateau or loss). */
  get pipeFilled(): boolean {
    return this.filledPipe;
  }

  /** Total bytes acknowledged. */
  get deliveredBytes(): number {
    return this.delivery.deliveredBytes;
  }

  /** Total bytes declared lost. */
  get lostBytes(): number {
    return this.delivery.lostBytes;
  }

  /** Current pacing gain. */
  get currentPacingGain(): number {
    return this.pacingGain;
  }

  /** Whether a packet may be sent with `bytesInFlight` bytes outstanding. */
  canSend(bytesInFlight: number): boolean {
    return bytesInFlight < this.cwnd;
  }

  /** Bytes the window still admits with `bytesInFlight` outstanding (0 when full). */
  sendAllowanceBytes(bytesInFlight: number): number {
    const room = this.cwnd - bytesInFlight;
    return room > 0 ? room : 0;
  }

  // ---------------------------------------------------------------- inputs

  /** See {@link CongestionController.onPacketSent}. spec: congestion.md#delivery-rate */
  onPacketSent(
    nowUs: number,
    bytes: number,
    bytesInFlight: number,
    records: Float64Array,
    offset: number,
    flags = 0,
  ): void {
    this.delivery.onPacketSent(nowUs, bytes, bytesInFlight, records, offset, flags);
    if (bytesInFlight + bytes >= this.cwnd) this.roundCwndLimited = true;
  }

  /** See {@link CongestionController.onPacketAcked}. */
  onPacketAcked(nowUs: number, records: Float64Array, offset: number): void {
    this.delivery.onPacketAcked(nowUs, records, offset);
  }

  /** One-packet acknowledgement event: {@link BbrController.onPacketAcked} then {@link BbrController.onAckEnd}. */
  onAck(nowUs: number, records: Float64Array, offset: number, bytesInFlight: number): void {
    this.delivery.onPacketAcked(nowUs, records, offset);
    this.onAckEnd(nowUs, bytesInFlight);
  }

  /** See {@link CongestionController.onAckEnd}. spec: congestion.md#per-ack */
  onAckEnd(nowUs: number, bytesInFlight: number): void {
    const delivery = this.delivery;
    delivery.generateSample(nowUs, this.minRttUs);
    const rttUs = delivery.sampleRttUs;
    this.minRttFilter.advance(Math.floor(nowUs / this.minRttBucketUs));
    if (rttUs >= 0) this.updateMinRtt(nowUs, rttUs);
    else if (this.minRttFilter.hasValue) this.minRtt = this.minRttFilter.value;
    if (!delivery.sampleHasData) return;

    // spec: congestion.md#rounds — a round ends when a packet sent after it began is acknowledged.
    this.roundStart = false;
    if (delivery.samplePriorDeliveredBytes >= this.nextRoundDelivered) {
      this.nextRoundDelivered = delivery.deliveredBytes;
      this.roundCount++;
      this.roundStart = true;
      this.finishRound(nowUs);
    }
    if (rttUs >= 0) {
      if (rttUs < this.roundRttMinUs) this.roundRttMinUs = rttUs;
      if (this.probeRttDoneUs >= 0 && rttUs < this.probeRttMinUs) this.probeRttMinUs = rttUs;
    }
    if (delivery.sampleValid) {
      const rate = delivery.sampleRateBytesPerSec;
      if (rate > this.roundBwMax) this.roundBwMax = rate;
      if (delivery.sampleDeliveredBytes > this.roundDeliveredMax) {
        this.roundDeliveredMax = delivery.sampleDeliveredBytes;
      }
      // spec: congestion.md#bandwidth — app-limited samples only count when they raise the max;
      // ignored ones do not age the window either (an idle application must not erase the
      // path's bandwidth, as in BBR's filter, which only moves with inserted samples).
      if (!delivery.sampleAppLimited || !this.bwFilter.hasValue || rate >= this.bwFilter.value) {
        this.bwFilter.update(this.roundCount, rate);
      }
    }

    if (this.roundStart && this.mode === CongestionState.Startup) this.checkFullBandwidth();
    this.updateState(nowUs, bytesInFlight);
    this.updatePacingRate();
    this.updateCwnd(delivery.sampleAckedBytes);
  }

  /** See {@link CongestionController.onLoss}. spec: congestion.md#loss */
  onLoss(_nowUs: number, records: Float64Array, offset: number): void {
    const bytes = this.delivery.onPacketLost(records, offset);
    if (bytes === 0) return;
    this.roundLostBytes += bytes;
    this.roundLossEvents++;
    this.roundLossTxInFlight = records[offset + DeliveryRecordField.TxInFlight] as number;
  }

  /** See {@link CongestionController.onEcnCe}: CE marks count like lost bytes. spec: congestion.md#loss */
  onEcnCe(_nowUs: number, markedBytes: number): void {
    if (!(markedBytes > 0)) return;
    this.roundCeBytes += markedBytes;
    this.roundLossEvents++;
  }

  /** See {@link CongestionController.onAppLimited}. */
  onAppLimited(bytesInFlight: number): void {
    this.delivery.onAppLimited(bytesInFlight);
  }

  /**
   * A timeout without an answer from the peer (persistent congestion): the window collapses to
   * its minimum and regrows by the acknowledged bytes (doubling per round) up to the model's
   * target; the path model (bandwidth, min RTT, bounds) is kept. spec: congestion.md#timeout
   */
  onTimeout(_nowUs: number): void {
    this.cwnd = this.minCwndBytes;
    this.priorCwnd = this.minCwndBytes;
    this.act(CongestionAction.TimeoutCollapse);
  }

  /** Back to the initial state: STARTUP, no samples, the seed's first cruise length. */
  reset(nowUs: number): void {
    this.delivery.reset();
    this.bwFilter.reset();
    this.minRttFilter.reset();
    this.minRtt = 0;
    this.hasMinRtt = false;
    this.minRttStampUs = nowUs;
    this.filledPipe = false;
    this.fullBw = 0;
    this.fullBwCount = 0;
    this.roundCount = 0;
    this.nextRoundDelivered = 0;
    this.roundStart = false;
    this.phase = ProbeBwPhase.Down;
    this.phaseStartRound = 0;
    this.phaseStartUs = nowUs;
    this.cruiseRounds = this.cruiseRoundsMin;
    this.probeUpIncrementBytes = this.mssBytes;
    this.bwLo = Number.POSITIVE_INFINITY;
    this.inflightLo = Number.POSITIVE_INFINITY;
    this.inflightHi = Number.POSITIVE_INFINITY;
    this.probeRttDoneUs = -1;
    this.probeRttRoundDone = false;
    this.probeRttMinUs = Number.POSITIVE_INFINITY;
    this.delayedRounds = 0;
    this.lossBaselineFraction = 0;
    this.resetRound();
    this.randomState = this.randomSeed === 0 ? 0x9e37_79b9 : this.randomSeed;
    this.actionCounts.fill(0);
    this.action = CongestionAction.None;
    this.sequence = 0;
    this.cwnd = this.initialCwndBytes;
    this.priorCwnd = this.initialCwndBytes;
    this.pacingRate = 0;
    this.enterStartup();
    this.updatePacingRate();
  }

  // ---------------------------------------------------------------- model

  /** Bandwidth used by the model, bytes/s. */
  private modelBw(): number {
    if (!this.bwFilter.hasValue) {
      return (this.initialCwndBytes * MICROS_PER_SECOND) / this.minRttUs;
    }
    const max = this.bwFilter.value;
    return this.bwLo < max ? this.bwLo : max;
  }

  /** Bandwidth-delay product, bytes (the initial window before any bandwidth sample). */
  private bdp(): number {
    if (!this.bwFilter.hasValue) return this.initialCwndBytes;
    return (this.modelBw() * this.minRttUs) / MICROS_PER_SECOND;
  }

  private updateMinRtt(nowUs: number, rttUs: number): void {
    const sample = rttUs > 0 ? rttUs : 1;
    if (!this.hasMinRtt || sample <= this.minRtt) this.minRttStampUs = nowUs;
    this.minRttFilter.update(Math.floor(nowUs / this.minRttBucketUs), sample);
    this.minRtt = this.minRttFilter.value;
    this.hasMinRtt = true;
  }

  /** STARTUP's full-pipe test (BBR): three rounds without 25 % growth of the bandwidth estimate. */
  private checkFullBandwidth(): void {
    if (this.filledPipe || this.delivery.sampleAppLimited) return;
    const maxBw = this.maxBandwidthBytesPerSec;
    if (maxBw >= this.fullBw * BBR_FULL_BW_GROWTH) {
      this.fullBw = maxBw;
      this.fullBwCount = 0;
      return;
    }
    this.fullBwCount++;
    if (this.fullBwCount >= BBR_FULL_BW_ROUNDS) this.filledPipe = true;
  }

  /**
   * Judges the round that just ended (loss/ECN fraction, queueing delay) and resets the round's
   * accumulators. spec: congestion.md#loss and congestion.md#delay
   */
  private finishRound(nowUs: number): void {
    const delivery = this.delivery;
    const deliveredInRound = delivery.deliveredBytes - this.roundStartDelivered;
    const lost = this.roundLostBytes;
    const sentInRound = deliveredInRound + lost;
    const probing =
      this.mode === CongestionState.Startup ||
      (this.mode === CongestionState.ProbeBw && this.phase === ProbeBwPhase.Up);
    // spec: congestion.md#loss — on a lossy path a probe is judged against the path's baseline loss.
    const baseline = this.lossBaselineFraction;
    const probeThreshold =
      baseline >= BBR_LOSS_BASELINE_MIN && BBR_LOSS_BASELINE_FACTOR * baseline > this.lossThreshold
        ? BBR_LOSS_BASELINE_FACTOR * baseline
        : this.lossThreshold;
    const enoughEvents = this.roundLossEvents >= this.lossEventsMin;
    const ceHigh = this.roundCeBytes > this.ecnThreshold * deliveredInRound;
    const lossy = enoughEvents && (lost > this.lossThreshold * sentInRound || ceHigh);
    const probeLossy = enoughEvents && (lost > probeThreshold * sentInRound || ceHigh);
    if (!probing && sentInRound > 0) {
      this.lossBaselineFraction = baseline + BBR_LOSS_BASELINE_GAIN * (lost / sentInRound - baseline);
    }
    const minRtt = this.minRttUs;
    const delayThresholdUs = this.queueDelayThresholdFor();
    const delayHigh = this.roundRttMinUs < Number.POSITIVE_INFINITY && this.roundRttMinUs - minRtt > delayThresholdUs;

    if (this.mode === CongestionState.Startup) {
      if (probeLossy && !this.filledPipe) {
        // spec: congestion.md#startup — too much loss: the pipe is full; remember what it held.
        this.filledPipe = true;
        this.inflightHi = Math.max(this.bdp(), this.roundDeliveredMax, this.minCwndBytes);
        this.enterDrain(nowUs, CongestionAction.ExitStartupLoss);
      }
    } else if (this.mode === CongestionState.ProbeBw && this.phase === ProbeBwPhase.Up) {
      if (probeLossy) {
        // spec: congestion.md#probe-bw — the probe found the in-flight level that loses packets.
        this.inflightHi = Math.max(this.roundLossTxInFlight, this.beta * this.bdp(), this.minCwndBytes);
        this.act(CongestionAction.LossBound);
        this.startDown(nowUs);
      } else if (delayHigh) {
        this.act(CongestionAction.DelayBound);
        this.startDown(nowUs);
      } else if (
        this.roundCwndLimited &&
        this.inflightHi < Number.POSITIVE_INFINITY &&
        this.cwnd >= Math.floor(this.inflightHi) // the window is whole bytes, the bound need not be
      ) {
        // Probing succeeded without loss while bounded: raise the bound, faster each round.
        this.inflightHi = Math.min(this.inflightHi + this.probeUpIncrementBytes, this.cwndMaxBytes);
        this.probeUpIncrementBytes = Math.min(2 * this.probeUpIncrementBytes, this.cwndMaxBytes);
      }
    } else if (lossy) {
      // Short-term bounds: never below what the last round actually delivered.
      const maxBw = this.maxBandwidthBytesPerSec;
      const bwLo = this.bwLo < maxBw ? this.bwLo : maxBw;
      this.bwLo = Math.max(this.roundBwMax, this.beta * bwLo, this.rateMinBytesPerSec);
      const inflightLo = this.inflightLo < this.cwnd ? this.inflightLo : this.cwnd;
      this.inflightLo = Math.max(this.roundDeliveredMax, this.beta * inflightLo, this.minCwndBytes);
      this.act(CongestionAction.LossBound);
    } else if (delayHigh && this.mode === CongestionState.ProbeBw) {
      // A standing queue: the flows' estimates add up to more than the bottleneck. Step the
      // bandwidth down towards what this flow actually got last round, and in flight towards the
      // BDP of that rate (never below either).
      const maxBw = this.maxBandwidthBytesPerSec;
      const bwLo = this.bwLo < maxBw ? this.bwLo : maxBw;
      const nextBw = Math.max(
        BBR_DELAY_DELIVERED_FRACTION * this.roundBwMax,
        BBR_DELAY_BETA * bwLo,
        this.rateMinBytesPerSec,
      );
      const current = this.inflightLo < this.cwnd ? this.inflightLo : this.cwnd;
      if (nextBw < this.bwLo) this.bwLo = nextBw;
      const nextInflight = Math.max(BBR_DELAY_BETA * current, this.bdp(), this.minCwndBytes);
      if (nextInflight < this.inflightLo) this.inflightLo = nextInflight;
      this.act(CongestionAction.DelayBound);
    }
    if (this.mode === CongestionState.ProbeBw && delayHigh) {
      this.delayedRounds++;
    } else {
      this.delayedRounds = 0;
    }
    this.resetRound();
  }

  /** Queueing delay above which a round (or a probe) counts as delayed, µs. */
  private queueDelayThresholdFor(): number {
    return Math.max(this.queueDelayThresholdUs, this.queueDelayFactor * this.minRttUs);
  }

  private resetRound(): void {
    this.roundStartDelivered = this.delivery.deliveredBytes;
    this.roundLostBytes = 0;
    this.roundCeBytes = 0;
    this.roundLossEvents = 0;
    this.roundLossTxInFlight = 0;
    this.roundBwMax = 0;
    this.roundDeliveredMax = 0;
    this.roundRttMinUs = Number.POSITIVE_INFINITY;
    this.roundCwndLimited = false;
  }

  /** The state machine's per-ack transitions. spec: congestion.md#transitions */
  private updateState(nowUs: number, bytesInFlight: number): void {
    if (this.mode === CongestionState.Startup && this.filledPipe) {
      this.enterDrain(nowUs, CongestionAction.ExitStartupBandwidth);
    }
    if (this.mode === CongestionState.Drain && bytesInFlight <= this.bdp()) {
      this.mode = CongestionState.ProbeBw;
      this.startCruise(nowUs, CongestionAction.EnterProbeBw);
    }
    if (this.mode === CongestionState.ProbeBw) this.updateProbeBwPhase(nowUs, bytesInFlight);
    if (
      this.mode !== CongestionState.ProbeRtt &&
      (nowUs - this.minRttStampUs > this.probeRttIntervalUs || this.delayedRounds >= BBR_DELAY_ROUNDS_PROBE_RTT)
    ) {
      this.enterProbeRtt();
    }
    if (this.mode === CongestionState.ProbeRtt) this.updateProbeRtt(nowUs, bytesInFlight);
  }

  /** spec: congestion.md#probe-bw */
  private updateProbeBwPhase(nowUs: number, bytesInFlight: number): void {
    const roundsInPhase = this.roundCount - this.phaseStartRound;
    switch (this.phase) {
      case ProbeBwPhase.Down:
        if (bytesInFlight <= this.bdp() || roundsInPhase >= BBR_PROBE_DOWN_ROUNDS_MAX) {
          this.startCruise(nowUs, CongestionAction.ProbeCruise);
        }
        break;
      case ProbeBwPhase.Cruise:
        if (roundsInPhase >= this.cruiseRounds) this.startUp(nowUs);
        break;
      case ProbeBwPhase.Up:
        if (nowUs - this.phaseStartUs > this.minRttUs) {
          if (bytesInFlight >= BBR_PROBE_UP_PACING_GAIN * this.bdp()) {
            this.startDown(nowUs);
          } else if (this.delivery.sampleRttUs - this.minRttUs > this.queueDelayThresholdFor()) {
            this.act(CongestionAction.DelayBound);
            this.startDown(nowUs);
          }
        }
        break;
    }
  }

  /** spec: congestion.md#probe-rtt */
  private updateProbeRtt(nowUs: number, bytesInFlight: number): void {
    if (this.probeRttDoneUs < 0) {
      if (bytesInFlight <= this.probeRttCwnd()) {
        this.probeRttDoneUs = nowUs + this.probeRttDurationUs;
        this.probeRttRoundDone = false;
        this.nextRoundDelivered = this.delivery.deliveredBytes;
      }
      return;
    }
    if (this.roundStart) this.probeRttRoundDone = true;
    if (!(this.probeRttRoundDone && nowUs >= this.probeRttDoneUs)) return;
    // The hold's samples are as queue-free as this flow can make them: if they are all above the
    // min RTT, the path got longer (or carries a queue we cannot drain) and they replace it.
    if (this.probeRttMinUs < Number.POSITIVE_INFINITY && this.probeRttMinUs > this.minRtt) {
      this.minRttFilter.reset();
      this.minRttFilter.update(Math.floor(nowUs / this.minRttBucketUs), this.probeRttMinUs);
      this.minRtt = this.probeRttMinUs;
    }
    this.probeRttDoneUs = -1;
    this.minRttStampUs = nowUs;
    this.cwnd = Math.max(this.cwnd, this.priorCwnd);
    this.bwLo = Number.POSITIVE_INFINITY;
    this.inflightLo = Number.POSITIVE_INFINITY;
    this.act(CongestionAction.ExitProbeRtt);
    if (this.filledPipe) {
      this.mode = CongestionState.ProbeBw;
      this.startCruise(nowUs, CongestionAction.ProbeCruise);
    } else {
      this.enterStartup();
    }
  }

  private probeRttCwnd(): number {
    return Math.max(this.minCwndBytes, BBR_PROBE_RTT_CWND_GAIN * this.bdp());
  }

  private enterStartup(): void {
    this.mode = CongestionState.Startup;
    this.pacingGain = BBR_STARTUP_PACING_GAIN;
    this.cwndGain = BBR_STARTUP_CWND_GAIN;
    this.act(CongestionAction.EnterStartup);
  }

  private enterDrain(nowUs: number, action: CongestionAction): void {
    this.mode = CongestionState.Drain;
    this.pacingGain = BBR_DRAIN_PACING_GAIN;
    this.cwndGain = BBR_STARTUP_CWND_GAIN;
    this.phaseStartUs = nowUs;
    this.act(action);
  }

  private enterProbeRtt(): void {
    this.mode = CongestionState.ProbeRtt;
    this.pacingGain = 1;
    this.cwndGain = BBR_PROBE_RTT_CWND_GAIN;
    this.priorCwnd = this.cwnd;
    this.probeRttDoneUs = -1;
    this.probeRttRoundDone = false;
    this.probeRttMinUs = Number.POSITIVE_INFINITY;
    this.delayedRounds = 0;
    this.act(CongestionAction.EnterProbeRtt);
  }

  private startCruise(nowUs: number, action: CongestionAction): void {
    this.phase = ProbeBwPhase.Cruise;
    this.pacingGain = BBR_CRUISE_PACING_GAIN;
    this.cwndGain = BBR_CWND_GAIN;
    this.phaseStartRound = this.roundCount;
    this.phaseStartUs = nowUs;
    const span = this.cruiseRoundsMax - this.cruiseRoundsMin + 1;
    this.cruiseRounds = this.cruiseRoundsMin + (this.nextRandom() % span);
    this.act(action);
  }

  private startUp(nowUs: number): void {
    this.phase = ProbeBwPhase.Up;
    this.pacingGain = BBR_PROBE_UP_PACING_GAIN;
    this.cwndGain = BBR_PROBE_UP_CWND_GAIN;
    this.phaseStartRound = this.roundCount;
    this.phaseStartUs = nowUs;
    this.probeUpIncrementBytes = this.mssBytes;
    // Probing: the short-term bounds are lifted so the probe can find more bandwidth.
    this.bwLo = Number.POSITIVE_INFINITY;
    this.inflightLo = Number.POSITIVE_INFINITY;
    this.act(CongestionAction.ProbeUp);
  }

  private startDown(nowUs: number): void {
    this.phase = ProbeBwPhase.Down;
    this.pacingGain = BBR_PROBE_DOWN_PACING_GAIN;
    this.cwndGain = BBR_CWND_GAIN;
    this.phaseStartRound = this.roundCount;
    this.phaseStartUs = nowUs;
    this.act(CongestionAction.ProbeDown);
  }

  /** spec: congestion.md#pacing-rate */
  private updatePacingRate(): void {
    let rate = this.pacingGain * this.modelBw() * (1 - BBR_PACING_MARGIN);
    if (!(rate >= this.rateMinBytesPerSec)) rate = this.rateMinBytesPerSec;
    if (rate > this.rateMaxBytesPerSec) rate = this.rateMaxBytesPerSec;
    // Until the pipe is found full the rate only grows (a first small sample must not stall STARTUP).
    if (this.filledPipe || rate > this.pacingRate) this.pacingRate = rate;
  }

  /** spec: congestion.md#congestion-window */
  private updateCwnd(ackedBytes: number): void {
    const target = this.bwFilter.hasValue ? this.cwndGain * this.bdp() + this.cwndExtraBytes : this.initialCwndBytes;
    let cwnd = this.cwnd;
    if (this.filledPipe) {
      cwnd = Math.min(cwnd + ackedBytes, target);
    } else if (cwnd < target || this.delivery.deliveredBytes < this.initialCwndBytes) {
      cwnd += ackedBytes;
    }
    if (this.mode === CongestionState.ProbeRtt) cwnd = Math.min(cwnd, this.probeRttCwnd());
    if (this.inflightHi < Number.POSITIVE_INFINITY) {
      const useHeadroom =
        this.mode === CongestionState.ProbeRtt ||
        (this.mode === CongestionState.ProbeBw && this.phase === ProbeBwPhase.Cruise);
      const cap = useHeadroom ? this.inflightHi * (1 - this.headroom) : this.inflightHi;
      if (cwnd > cap) cwnd = cap;
    }
    if (cwnd > this.inflightLo) cwnd = this.inflightLo;
    if (!(cwnd >= this.minCwndBytes)) cwnd = this.minCwndBytes;
    if (cwnd > this.cwndMaxBytes) cwnd = this.cwndMaxBytes;
    this.cwnd = Math.floor(cwnd);
  }

  /** xorshift32: deterministic, seeded by the caller. */
  private nextRandom(): number {
    let x = this.randomState;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.randomState = x >>> 0;
    return this.randomState;
  }

  private act(action: CongestionAction): void {
    this.action = action;
    this.sequence++;
    this.actionCounts[action] = (this.actionCounts[action] as number) + 1;
  }
}
