/**
 * Peer health: for every peer slot of one NIC worker, the health state (HEALTHY, DEGRADED,
 * PROBING, FAILED, RESETTING), the failure EWMA, the quiet time, the outstanding-work count that
 * gates probing, the probe schedule and its backoff, the re-handshake retry schedule, the
 * admission limits the transfer machines read, and a bounded ring of state transitions.
 *
 * Sans-IO: every input carries `nowUs` (integer µs); the table never reads a clock, never sends
 * a PROBE itself (it says when one is due and the engine reports that it sent it) and never fails
 * a transfer (the engine reads FAILED from the transition ring and fails the peer's transfers
 * with PEER_UNREACHABLE). All state lives in typed arrays indexed by peer slot, sized at
 * construction; no input allocates.
 *
 * spec: state-machines.md#peer-health
 */
import { assert } from './assert.js';
import { BACKOFF_EXPONENT_MAX, BackoffEpochTable, BackoffPolicy, phaseTimeoutUs } from './backoff.js';
import { InvalidArgumentError } from './errors.js';
import { RTT_INITIAL_US_DEFAULT } from './rtt-estimator.js';

/** Health states of a peer (small integers). */
export const PeerState = {
  /** f below the degraded thresholds; no restriction. */
  Healthy: 0,
  /** Failures are frequent: bounded unanswered notifies, phase timers start at k = 1. */
  Degraded: 1,
  /** A probe went unanswered, f ≥ `probingEnter`, or an ICMP unreachable, with work outstanding. */
  Probing: 2,
  /** Probes went unanswered long enough: the engine fails the peer's work with PEER_UNREACHABLE. */
  Failed: 3,
  /** The peer lost its path secret: only the re-handshake is sent. */
  Resetting: 4,
} as const;

/** Union of the {@link PeerState} values. */
export type PeerState = (typeof PeerState)[keyof typeof PeerState];

/** Number of {@link PeerState} values. */
export const PEER_STATE_COUNT = 5;

/** Spec names of the states, indexed by {@link PeerState} value. */
export const PEER_STATE_NAMES: readonly string[] = ['HEALTHY', 'DEGRADED', 'PROBING', 'FAILED', 'RESETTING'];

/** The input that caused a transition (read with {@link PeerHealthTable.lastCause}). */
export const PeerHealthCause = {
  /** {@link PeerHealthTable.onTimeout}: a silent phase-timer expiry (failure sample). */
  PhaseTimeout: 0,
  /** {@link PeerHealthTable.onSuccess} or the sample of {@link PeerHealthTable.onProbeResponse}. */
  Success: 1,
  /** An authenticated datagram ended PROBING or FAILED. */
  PacketReceived: 2,
  /** {@link PeerHealthTable.handleTimeout}: a probe went unanswered. */
  ProbeTimeout: 3,
  /** {@link PeerHealthTable.handleTimeout}: unanswered probes at the limit and the quiet time reached `failQuietMinUs`. */
  QuietElapsed: 4,
  /** {@link PeerHealthTable.onIcmpUnreachable}. */
  IcmpUnreachable: 5,
  /** Outstanding work dropped to zero while PROBING (never probe an idle peer). */
  WorkDrained: 6,
  /** {@link PeerHealthTable.onProbeSent} in FAILED (after `failedHoldUs`, new work): probing again. */
  ProbeSent: 7,
  /** {@link PeerHealthTable.onResetStarted}. */
  ResetStarted: 8,
  /** {@link PeerHealthTable.reset}: new path secret confirmed, or the slot was (re)assigned. */
  Reset: 9,
  /** {@link PeerHealthTable.onHandshakeFailed} with the attempts exhausted. */
  HandshakeFailed: 10,
} as const;

/** Union of the {@link PeerHealthCause} values. */
export type PeerHealthCause = (typeof PeerHealthCause)[keyof typeof PeerHealthCause];

/** What an ICMP destination-unreachable does to a peer with work outstanding. */
export const IcmpPolicy = {
  /** Default: counts as one unanswered probe; HEALTHY / DEGRADED go to PROBING (f raised to `probingEnter`). */
  Probe: 0,
  /** Fail at once (for fabrics where ICMP is authoritative): HEALTHY / DEGRADED / PROBING → FAILED. */
  Fail: 1,
} as const;

/** Union of the {@link IcmpPolicy} values. */
export type IcmpPolicy = (typeof IcmpPolicy)[keyof typeof IcmpPolicy];

/** Returned by {@link PeerHealthTable.pollTransition} when the ring is empty. */
export const TRANSITION_NONE = -1;

/** A time getter's "no deadline" value. */
export const PEER_HEALTH_TIME_NONE = -1;

/** {@link PeerHealthTable.notifyInFlightLimitOf} of a HEALTHY peer: no limit from peer health. */
export const NOTIFY_IN_FLIGHT_UNLIMITED = 0x7fff_ffff;

/** Largest number of peer slots of one table. */
export const PEER_HEALTH_CAPACITY_MAX = 1 << 20;

/** Largest transition ring. */
export const PEER_HEALTH_TRANSITION_CAPACITY_MAX = 1 << 16;

/** Largest outstanding-work count per peer. */
export const PEER_WORK_MAX = 0x7fff_ffff;

/** Largest accepted duration option, in µs (2^40 ≈ 12.7 days). */
const DURATION_US_LIMIT = 2 ** 40;

/** Saturation of the unanswered-probe counter. */
const UNANSWERED_MAX = 0x3fff_ffff;

/** Configuration of a {@link PeerHealthTable}; every field but `capacity` has a default. */
export interface PeerHealthOptions {
  /** Number of peer slots: integer 1 ..= 2^20. */
  readonly capacity: number;
  /** Gain α of the failure EWMA, in (0, 1] (default 1/8). */
  readonly failureGain?: number;
  /** HEALTHY → DEGRADED when f ≥ this (default 0.25). */
  readonly degradedEnter?: number;
  /** DEGRADED → HEALTHY when f < this (default 0.10); `0 < degradedExit < degradedEnter`. */
  readonly degradedExit?: number;
  /** HEALTHY / DEGRADED → PROBING on a failure sample with f ≥ this and work outstanding (default 0.50). */
  readonly probingEnter?: number;
  /** Leaving PROBING on a datagram clamps f to at most this (default 0.25); `degradedExit ≤ it < probingEnter`. */
  readonly probingExit?: number;
  /** f ≥ this counts like exhausted probes for FAILED (default 0.90); `probingEnter < it ≤ 1`. */
  readonly failedEnter?: number;
  /** Unanswered probes (and ICMP unreachables) that make a quiet peer FAILED: 1 ..= 1000 (default 6). */
  readonly probeTimeoutsMax?: number;
  /** FAILED (except by {@link IcmpPolicy.Fail}) needs the peer quiet at least this long, µs (default 500 ms). */
  readonly failQuietMinUs?: number;
  /** Quiet threshold = max(this × smoothed RTT, `quietMinUs`): integer 1 ..= 64 (default 4). */
  readonly quietRttMultiplier?: number;
  /** Floor of the quiet threshold, µs (default 2 ms). */
  readonly quietMinUs?: number;
  /** Cap of the keepalive probe interval of a HEALTHY / DEGRADED peer, µs (default 250 ms). */
  readonly probeIntervalMaxUs?: number;
  /** New submissions to a FAILED peer fail fast for this long, µs (default 1 s). */
  readonly failedHoldUs?: number;
  /** Unanswered notifies allowed to a DEGRADED peer (default 8). */
  readonly degradedNotifyInFlightMax?: number;
  /** Failed re-handshakes before RESETTING gives up (FAILED): 1 ..= 1000 (default 8). */
  readonly handshakeAttemptsMax?: number;
  /** First re-handshake retry delay, µs (default 100 ms); doubles per failure. */
  readonly handshakeBackoffBaseUs?: number;
  /** Cap of the re-handshake retry delay, µs (default 30 s). */
  readonly handshakeBackoffMaxUs?: number;
  /** What an ICMP unreachable does (default {@link IcmpPolicy.Probe}). */
  readonly icmpPolicy?: IcmpPolicy;
  /** Transition ring size: a power of two 1 ..= 2^16 (default 256). At the bound the oldest entry is dropped. */
  readonly transitionCapacity?: number;
  /** Smoothed RTT assumed until {@link PeerHealthTable.setSmoothedRttUs}, µs (default 1 ms). */
  readonly initialRttUs?: number;
  /** Timeout policy of the probe timer (default: `new BackoffPolicy()`, the phase-timer formula). */
  readonly backoff?: BackoffPolicy;
}

/** The defaults of {@link PeerHealthOptions} (spec: state-machines.md#peer-health). */
export const PEER_HEALTH_DEFAULTS = {
  failureGain: 0.125,
  degradedEnter: 0.25,
  degradedExit: 0.1,
  probingEnter: 0.5,
  probingExit: 0.25,
  failedEnter: 0.9,
  probeTimeoutsMax: 6,
  failQuietMinUs: 500_000,
  quietRttMultiplier: 4,
  quietMinUs: 2_000,
  probeIntervalMaxUs: 250_000,
  failedHoldUs: 1_000_000,
  degradedNotifyInFlightMax: 8,
  handshakeAttemptsMax: 8,
  handshakeBackoffBaseUs: 100_000,
  handshakeBackoffMaxUs: 30_000_000,
  icmpPolicy: IcmpPolicy.Probe,
  transitionCapacity: 256,
  initialRttUs: RTT_INITIAL_US_DEFAULT,
} as const satisfies Omit<Required<PeerHealthOptions>, 'capacity' | 'backoff'>;

function integerIn(name: string, value: number, min: number, max: number): number {
  if (!(Number.isInteger(value) && value >= min && value <= max)) {
    throw new InvalidArgumentError(`peer health ${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

function fractionIn(name: string, value: number, minExclusive: number, maxInclusive: number): number {
  if (!(value > minExclusive && value <= maxInclusive)) {
    throw new InvalidArgumentError(`peer health ${name} must be in (${minExclusive}, ${maxInclusive}], got ${value}`);
  }
  return value;
}

/**
 * The health table of one NIC worker's peers (see the module header and the spec section).
 *
 * ## Inputs (engine → table)
 * - Every authenticated datagram from the peer: {@link PeerHealthTable.onPacketReceived} (resets quiet time, probe
 *   backoff and, through {@link PeerHealthTable.backoffEpochs}, the backoff of every phase timer of the peer).
 *   Then, per expected answer inside it: {@link PeerHealthTable.onSuccess}, or {@link PeerHealthTable.onProbeResponse} for a
 *   PROBE_RESPONSE. Each call is one sample; a datagram that ends PROBING is itself one success.
 * - A silent phase-timer expiry (peer not heard since the timer was armed): {@link PeerHealthTable.onTimeout}.
 * - ICMP destination-unreachable for the peer's address: {@link PeerHealthTable.onIcmpUnreachable}.
 * - Work outstanding changed: {@link PeerHealthTable.setOutstandingWork} / {@link PeerHealthTable.addOutstandingWork}.
 * - A new smoothed RTT: {@link PeerHealthTable.setSmoothedRttUs}.
 * - Verified UNKNOWN_PATH_SECRET: {@link PeerHealthTable.onResetStarted}; handshake failure: {@link PeerHealthTable.onHandshakeFailed};
 *   new path secret confirmed or slot (re)assigned: {@link PeerHealthTable.reset}.
 *
 * ## Timer (one per peer)
 * Keep one timing-wheel entry per peer at {@link PeerHealthTable.nextProbeAtUs} (re-read it after every input for the
 * peer; it may move either way). When it fires: {@link PeerHealthTable.handleTimeout}`(peer, now)`; then, if
 * {@link PeerHealthTable.shouldProbe}`(peer, now)`, send PROBE and call {@link PeerHealthTable.onProbeSent}`(peer, now)`; re-arm.
 * After that sequence `nextProbeAtUs(peer)` is later than `now` or {@link PEER_HEALTH_TIME_NONE}.
 * Handshake retries: {@link PeerHealthTable.nextHandshakeAtUs}.
 *
 * ## Outputs
 * {@link PeerHealthTable.stateOf}, {@link PeerHealthTable.pollTransition} (after every batch of inputs, until {@link TRANSITION_NONE}),
 * and the gates: {@link PeerHealthTable.notifyInFlightLimitOf}, {@link PeerHealthTable.timeoutExponentStartOf},
 * {@link PeerHealthTable.phaseTimersSuspended}, {@link PeerHealthTable.rejectsSubmissions}.
 *
 * Peer slots are integers in [0, capacity); an out-of-range slot is a caller bug (assertion).
 * Time that goes backwards never makes a peer quieter.
 */
export class PeerHealthTable {
  /** Number of peer slots. */
  readonly capacity: number;
  /** Gain α of the failure EWMA. */
  readonly failureGain: number;
  /** HEALTHY → DEGRADED threshold. */
  readonly degradedEnter: number;
  /** DEGRADED → HEALTHY threshold. */
  readonly degradedExit: number;
  /** → PROBING threshold. */
  readonly probingEnter: number;
  /** Clamp of f when PROBING ends on a datagram. */
  readonly probingExit: number;
  /** → FAILED threshold (with the quiet-time condition). */
  readonly failedEnter: number;
  /** Unanswered probes that make a quiet peer FAILED. */
  readonly probeTimeoutsMax: number;
  /** Minimum quiet time before FAILED, µs. */
  readonly failQuietMinUs: number;
  /** Quiet threshold multiplier of the smoothed RTT. */
  readonly quietRttMultiplier: number;
  /** Floor of the quiet threshold, µs. */
  readonly quietMinUs: number;
  /** Cap of the keepalive probe interval, µs. */
  readonly probeIntervalMaxUs: number;
  /** Fail-fast window of a FAILED peer, µs. */
  readonly failedHoldUs: number;
  /** Unanswered notifies allowed to a DEGRADED peer. */
  readonly degradedNotifyInFlightMax: number;
  /** Failed re-handshakes before FAILED. */
  readonly handshakeAttemptsMax: number;
  /** First re-handshake retry delay, µs. */
  readonly handshakeBackoffBaseUs: number;
  /** Cap of the re-handshake retry delay, µs. */
  readonly handshakeBackoffMaxUs: number;
  /** ICMP unreachable policy. */
  readonly icmpPolicy: IcmpPolicy;
  /** Transition ring size. */
  readonly transitionCapacity: number;
  /** Smoothed RTT assumed until set, µs. */
  readonly initialRttUs: number;
  /** The probe-timeout policy. */
  readonly backoff: BackoffPolicy;
  /**
   * Backoff reset epochs of the peers: bumped by {@link PeerHealthTable.onPacketReceived} and {@link PeerHealthTable.reset}. Store
   * `backoffEpochs.epochOf(peer)` beside a phase timer and test `heardSince` on expiry.
   */
  readonly backoffEpochs: BackoffEpochTable;

  /** State of the last transition returned by {@link PeerHealthTable.pollTransition}: before. */
  lastFrom: PeerState;
  /** State of the last transition returned by {@link PeerHealthTable.pollTransition}: after. */
  lastTo: PeerState;
  /** Cause of the last transition returned by {@link PeerHealthTable.pollTransition}. */
  lastCause: PeerHealthCause;
  /** Time of the last transition returned by {@link PeerHealthTable.pollTransition}, µs. */
  lastAtUs: number;
  /** Failure EWMA right after the last transition returned by {@link PeerHealthTable.pollTransition}. */
  lastFailureEwma: number;
  /** Transitions recorded (including dropped ones). */
  transitionsTotal: number;
  /** Transitions dropped because the ring was full (the oldest goes). */
  transitionsDroppedTotal: number;
  /** Probes reported by {@link PeerHealthTable.onProbeSent}. */
  probesSentTotal: number;
  /** Probes that timed out in {@link PeerHealthTable.handleTimeout}. */
  probesUnansweredTotal: number;
  /** ICMP unreachables that counted (not in FAILED or RESETTING). */
  icmpUnreachableTotal: number;

  private readonly state: Uint8Array;
  /** f, the failure EWMA in [0, 1]. */
  private readonly failureEwma: Float64Array;
  private readonly lastHeardUs: Float64Array;
  /** When outstanding work last went from 0 to positive while HEALTHY / DEGRADED. */
  private readonly workSinceUs: Float64Array;
  private readonly workCount: Int32Array;
  private readonly smoothedRttUs: Float64Array;
  /** Deadline of the outstanding probe, or PEER_HEALTH_TIME_NONE. */
  private readonly probeDeadlineUs: Float64Array;
  /** Probe backoff exponent: probe timeouts since the peer was last heard. */
  private readonly probeExponent: Uint8Array;
  /** Unanswered probes + counted ICMP unreachables since the peer was last heard. */
  private readonly probesUnanswered: Int32Array;
  /** Keepalive interval exponent: keepalive probes since the last progress. */
  private readonly keepaliveExponent: Uint8Array;
  private readonly failedAtUs: Float64Array;
  private readonly handshakeAttempts: Int32Array;
  private readonly handshakeAtUs: Float64Array;

  private readonly ringPeer: Int32Array;
  private readonly ringFrom: Uint8Array;
  private readonly ringTo: Uint8Array;
  private readonly ringCause: Uint8Array;
  private readonly ringAtUs: Float64Array;
  private readonly ringEwma: Float64Array;
  private readonly ringMask: number;
  private ringHead: number;
  private ringCount: number;

  constructor(options: PeerHealthOptions) {
    const d = PEER_HEALTH_DEFAULTS;
    const capacity = integerIn('capacity', options.capacity, 1, PEER_HEALTH_CAPACITY_MAX);
    this.capacity = capacity;
    this.failureGain = fractionIn('failureGain', options.failureGain ?? d.failureGain, 0, 1);
    this.degradedEnter = fractionIn('degradedEnter', options.degradedEnter ?? d.degradedEnter, 0, 1);
    this.degradedExit = fractionIn('degradedExit', options.degradedExit ?? d.degradedExit, 0, 1);
    this.probingEnter = fractionIn('probingEnter', options.probingEnter ?? d.probingEnter, 0, 1);
    this.probingExit = fractionIn('probingExit', options.probingExit ?? d.probingExit, 0, 1);
    this.failedEnter = fractionIn('failedEnter', options.failedEnter ?? d.failedEnter, 0, 1);
    if (!(this.degradedExit < this.degradedEnter && this.degradedEnter <= this.probingEnter)) {
      throw new InvalidArgumentError(
        `peer health thresholds need degradedExit < degradedEnter <= probingEnter, got ${this.degradedExit}, ${this.degradedEnter}, ${this.probingEnter}`,
      );
    }
    if (!(this.degradedExit <= this.probingExit && this.probingExit < this.probingEnter)) {
      throw new InvalidArgumentError(
        `peer health probingExit must be in [degradedExit, probingEnter) for hysteresis, got ${this.probingExit}`,
      );
    }
    if (!(this.probingEnter < this.failedEnter)) {
      throw new InvalidArgumentError(`peer health failedEnter must be above probingEnter, got ${this.failedEnter}`);
    }
    this.probeTimeoutsMax = integerIn('probeTimeoutsMax', options.probeTimeoutsMax ?? d.probeTimeoutsMax, 1, 1000);
    this.failQuietMinUs = integerIn('failQuietMinUs', options.failQuietMinUs ?? d.failQuietMinUs, 0, DURATION_US_LIMIT);
    this.quietRttMultiplier = integerIn(
      'quietRttMultiplier',
      options.quietRttMultiplier ?? d.quietRttMultiplier,
      1,
      64,
    );
    this.quietMinUs = integerIn('quietMinUs', options.quietMinUs ?? d.quietMinUs, 1, DURATION_US_LIMIT);
    this.probeIntervalMaxUs = integerIn(
      'probeIntervalMaxUs',
      options.probeIntervalMaxUs ?? d.probeIntervalMaxUs,
      1,
      DURATION_US_LIMIT,
    );
    this.failedHoldUs = integerIn('failedHoldUs', options.failedHoldUs ?? d.failedHoldUs, 0, DURATION_US_LIMIT);
    this.degradedNotifyInFlightMax = integerIn(
      'degradedNotifyInFlightMax',
      options.degradedNotifyInFlightMax ?? d.degradedNotifyInFlightMax,
      1,
      NOTIFY_IN_FLIGHT_UNLIMITED,
    );
    this.handshakeAttemptsMax = integerIn(
      'handshakeAttemptsMax',
      options.handshakeAttemptsMax ?? d.handshakeAttemptsMax,
      1,
      1000,
    );
    this.handshakeBackoffMaxUs = integerIn(
      'handshakeBackoffMaxUs',
      options.handshakeBackoffMaxUs ?? d.handshakeBackoffMaxUs,
      1,
      DURATION_US_LIMIT,
    );
    this.handshakeBackoffBaseUs = integerIn(
      'handshakeBackoffBaseUs',
      options.handshakeBackoffBaseUs ?? d.handshakeBackoffBaseUs,
      1,
      this.handshakeBackoffMaxUs,
    );
    const icmpPolicy = options.icmpPolicy ?? d.icmpPolicy;
    if (icmpPolicy !== IcmpPolicy.Probe && icmpPolicy !== IcmpPolicy.Fail) {
      throw new InvalidArgumentError(`peer health icmpPolicy must be IcmpPolicy.Probe or IcmpPolicy.Fail`);
    }
    this.icmpPolicy = icmpPolicy;
    const transitionCapacity = integerIn(
      'transitionCapacity',
      options.transitionCapacity ?? d.transitionCapacity,
      1,
      PEER_HEALTH_TRANSITION_CAPACITY_MAX,
    );
    if ((transitionCapacity & (transitionCapacity - 1)) !== 0) {
      throw new InvalidArgumentError(
        `peer health transitionCapacity must be a power of two, got ${transitionCapacity}`,
      );
    }
    this.transitionCapacity = transitionCapacity;
    this.initialRttUs = integerIn('initialRttUs', options.initialRttUs ?? d.initialRttUs, 0, DURATION_US_LIMIT);
    this.backoff = options.backoff ?? new BackoffPolicy();
    this.backoffEpochs = new BackoffEpochTable(capacity);

    this.lastFrom = PeerState.Healthy;
    this.lastTo = PeerState.Healthy;
    this.lastCause = PeerHealthCause.Reset;
    this.lastAtUs = 0;
    this.lastFailureEwma = 0;
    this.transitionsTotal = 0;
    this.transitionsDroppedTotal = 0;
    this.probesSentTotal = 0;
    this.probesUnansweredTotal = 0;
    this.icmpUnreachableTotal = 0;

    this.state = new Uint8Array(capacity);
    this.failureEwma = new Float64Array(capacity);
    this.lastHeardUs = new Float64Array(capacity);
    this.workSinceUs = new Float64Array(capacity);
    this.workCount = new Int32Array(capacity);
    this.smoothedRttUs = new Float64Array(capacity).fill(this.initialRttUs);
    this.probeDeadlineUs = new Float64Array(capacity).fill(PEER_HEALTH_TIME_NONE);
    this.probeExponent = new Uint8Array(capacity);
    this.probesUnanswered = new Int32Array(capacity);
    this.keepaliveExponent = new Uint8Array(capacity);
    this.failedAtUs = new Float64Array(capacity).fill(PEER_HEALTH_TIME_NONE);
    this.handshakeAttempts = new Int32Array(capacity);
    this.handshakeAtUs = new Float64Array(capacity).fill(PEER_HEALTH_TIME_NONE);

    this.ringPeer = new Int32Array(transitionCapacity);
    this.ringFrom = new Uint8Array(transitionCapacity);
    this.ringTo = new Uint8Array(transitionCapacity);
    this.ringCause = new Uint8Array(transitionCapacity);
    this.ringAtUs = new Float64Array(transitionCapacity);
    this.ringEwma = new Float64Array(transitionCapacity);
    this.ringMask = transitionCapacity - 1;
    this.ringHead = 0;
    this.ringCount = 0;
  }

  // ---------------------------------------------------------------- getters

  /** The peer's state. */
  stateOf(peer: number): PeerState {
    this.checkPeer(peer);
    return this.state[peer] as PeerState;
  }

  /** The peer's failure EWMA f, in [0, 1]. */
  failureEwmaOf(peer: number): number {
    this.checkPeer(peer);
    return this.failureEwma[peer] as number;
  }

  /** The peer's outstanding-work count. */
  outstandingWorkOf(peer: number): number {
    this.checkPeer(peer);
    return this.workCount[peer] as number;
  }

  /** When the peer was last heard (or reset), µs. */
  lastHeardUsOf(peer: number): number {
    this.checkPeer(peer);
    return this.lastHeardUs[peer] as number;
  }

  /** The smoothed RTT the table uses for the peer, µs. */
  smoothedRttUsOf(peer: number): number {
    this.checkPeer(peer);
    return this.smoothedRttUs[peer] as number;
  }

  /** The quiet threshold of the peer: `max(quietRttMultiplier × srtt, quietMinUs)`, µs. */
  quietThresholdUsOf(peer: number): number {
    this.checkPeer(peer);
    const quietUs = this.quietRttMultiplier * (this.smoothedRttUs[peer] as number);
    return quietUs > this.quietMinUs ? quietUs : this.quietMinUs;
  }

  /** Whether a probe is outstanding (sent, neither answered nor timed out). */
  probeOutstanding(peer: number): boolean {
    this.checkPeer(peer);
    return (this.probeDeadlineUs[peer] as number) !== PEER_HEALTH_TIME_NONE;
  }

  /** Unanswered probes plus counted ICMP unreachables since the peer was last heard. */
  probesUnansweredOf(peer: number): number {
    this.checkPeer(peer);
    return this.probesUnanswered[peer] as number;
  }

  /** Pending transitions in the ring. */
  get transitionsPending(): number {
    return this.ringCount;
  }

  /**
   * Whether the engine should send a PROBE to the peer now: work is outstanding, no probe is
   * outstanding, the state allows probing (not RESETTING; FAILED only after `failedHoldUs`) and
   * the peer has been quiet for the current probe interval (see {@link PeerHealthTable.nextProbeAtUs}).
   */
  shouldProbe(peer: number, nowUs: number): boolean {
    this.checkPeer(peer);
    if ((this.workCount[peer] as number) === 0) return false;
    if ((this.probeDeadlineUs[peer] as number) !== PEER_HEALTH_TIME_NONE) return false;
    if ((this.state[peer] as number) === PeerState.Resetting) return false;
    return nowUs >= this.probeDueUs(peer);
  }

  /**
   * The next time the engine must call {@link PeerHealthTable.handleTimeout} and {@link PeerHealthTable.shouldProbe} for the peer,
   * µs, or {@link PEER_HEALTH_TIME_NONE}: the outstanding probe's deadline, else the time a probe
   * becomes due (work outstanding only); in PROBING with the unanswered probes at the limit, no
   * later than the time the quiet time reaches `failQuietMinUs`. May be in the past (due now).
   */
  nextProbeAtUs(peer: number): number {
    this.checkPeer(peer);
    const state = this.state[peer] as number;
    if (state === PeerState.Resetting) return PEER_HEALTH_TIME_NONE;
    const work = this.workCount[peer] as number;
    let atUs = this.probeDeadlineUs[peer] as number;
    if (atUs === PEER_HEALTH_TIME_NONE && work > 0) atUs = this.probeDueUs(peer);
    if (state === PeerState.Probing && this.failureConfirmed(peer)) {
      const quietAtUs = (this.lastHeardUs[peer] as number) + this.failQuietMinUs;
      if (atUs === PEER_HEALTH_TIME_NONE || quietAtUs < atUs) atUs = quietAtUs;
    }
    return atUs;
  }

  /** When the next re-handshake attempt is due (RESETTING only), µs, or {@link PEER_HEALTH_TIME_NONE}. */
  nextHandshakeAtUs(peer: number): number {
    this.checkPeer(peer);
    return (this.state[peer] as number) === PeerState.Resetting
      ? (this.handshakeAtUs[peer] as number)
      : PEER_HEALTH_TIME_NONE;
  }

  /**
   * Most unanswered notifies the engine may have outstanding to the peer: unlimited
   * ({@link NOTIFY_IN_FLIGHT_UNLIMITED}) when HEALTHY, `degradedNotifyInFlightMax` when DEGRADED
   * (the DEGRADED back-off: new work waits for answers), 0 otherwise (no new notifies).
   */
  notifyInFlightLimitOf(peer: number): number {
    this.checkPeer(peer);
    const state = this.state[peer] as number;
    if (state === PeerState.Healthy) return NOTIFY_IN_FLIGHT_UNLIMITED;
    return state === PeerState.Degraded ? this.degradedNotifyInFlightMax : 0;
  }

  /** Backoff exponent a phase timer of the peer starts (and restarts) at: 1 when DEGRADED, else 0. */
  timeoutExponentStartOf(peer: number): number {
    this.checkPeer(peer);
    return (this.state[peer] as number) === PeerState.Degraded ? 1 : 0;
  }

  /** Whether the peer's phase timers are suspended (PROBING, RESETTING): probes and handshakes decide. */
  phaseTimersSuspended(peer: number): boolean {
    this.checkPeer(peer);
    const state = this.state[peer] as number;
    return state === PeerState.Probing || state === PeerState.Resetting;
  }

  /** Whether a new submission to the peer fails at once (PEER_UNREACHABLE): FAILED less than `failedHoldUs` ago. */
  rejectsSubmissions(peer: number, nowUs: number): boolean {
    this.checkPeer(peer);
    return (
      (this.state[peer] as number) === PeerState.Failed && nowUs < (this.failedAtUs[peer] as number) + this.failedHoldUs
    );
  }

  // ---------------------------------------------------------------- inputs

  /** A new smoothed RTT for the peer (e.g. `RttEstimator.smoothedRttUs`), integer µs. */
  setSmoothedRttUs(peer: number, smoothedRttUs: number): void {
    this.checkPeer(peer);
    assert(
      Number.isInteger(smoothedRttUs) && smoothedRttUs >= 0 && smoothedRttUs <= DURATION_US_LIMIT,
      'smoothed RTT must be an integer of µs',
    );
    this.smoothedRttUs[peer] = smoothedRttUs;
  }

  /**
   * Sets the peer's outstanding-work count (spec: any transfer with the peer in a non-terminal
   * state other than QUEUED (deps), or an unacknowledged STREAM_CLOSE). Work starting (0 → n)
   * while HEALTHY / DEGRADED restarts the quiet clock and the keepalive interval, so a long-idle
   * peer is not probed alongside its first notify; work ending (n → 0) while PROBING stops probing
   * (→ DEGRADED).
   */
  setOutstandingWork(peer: number, count: number, nowUs: number): void {
    this.checkPeer(peer);
    assert(Number.isInteger(count) && count >= 0 && count <= PEER_WORK_MAX, 'outstanding work out of range');
    const before = this.workCount[peer] as number;
    this.workCount[peer] = count;
    const state = this.state[peer] as number;
    if (before === 0 && count > 0) {
      this.keepaliveExponent[peer] = 0;
      if (state === PeerState.Healthy || state === PeerState.Degraded) this.workSinceUs[peer] = nowUs;
    } else if (before > 0 && count === 0 && state === PeerState.Probing) {
      this.transition(peer, PeerState.Degraded, PeerHealthCause.WorkDrained, nowUs);
    }
  }

  /** Adds `delta` (may be negative) to the peer's outstanding-work count; see {@link PeerHealthTable.setOutstandingWork}. */
  addOutstandingWork(peer: number, delta: number, nowUs: number): void {
    this.checkPeer(peer);
    this.setOutstandingWork(peer, (this.workCount[peer] as number) + delta, nowUs);
  }

  /**
   * An authenticated datagram from the peer: records the time heard, bumps the peer's backoff
   * epoch, resets the probe backoff and the unanswered count, settles an outstanding probe. In
   * PROBING: one success sample, f clamped to `probingExit`, then HEALTHY if f < `degradedExit`
   * else DEGRADED. In FAILED: f ← `degradedEnter`, DEGRADED.
   */
  onPacketReceived(peer: number, nowUs: number): void {
    this.checkPeer(peer);
    this.backoffEpochs.bump(peer);
    if (nowUs > (this.lastHeardUs[peer] as number)) this.lastHeardUs[peer] = nowUs;
    this.probeExponent[peer] = 0;
    this.probesUnanswered[peer] = 0;
    this.probeDeadlineUs[peer] = PEER_HEALTH_TIME_NONE;
    const state = this.state[peer] as number;
    if (state === PeerState.Probing) {
      const f = this.successSample(peer);
      const clamped = f > this.probingExit ? this.probingExit : f;
      this.failureEwma[peer] = clamped;
      const next = clamped < this.degradedExit ? PeerState.Healthy : PeerState.Degraded;
      this.transition(peer, next, PeerHealthCause.PacketReceived, nowUs);
    } else if (state === PeerState.Failed) {
      this.failureEwma[peer] = this.degradedEnter;
      this.transition(peer, PeerState.Degraded, PeerHealthCause.PacketReceived, nowUs);
    }
  }

  /**
   * A success sample (an expected answer: TRANSFER_ACCEPT, PULL_REQUEST, RANGE_ACK,
   * STREAM_CLOSE_ACK, TRANSFER_CHALLENGE_RESPONSE): f ← f − α f; DEGRADED → HEALTHY below
   * `degradedExit`. Progress also restarts the keepalive interval. Ignored while RESETTING.
   */
  onSuccess(peer: number, nowUs: number): void {
    this.checkPeer(peer);
    if ((this.state[peer] as number) === PeerState.Resetting) return;
    this.keepaliveExponent[peer] = 0;
    this.successTransition(peer, nowUs);
  }

  /**
   * A PROBE_RESPONSE: {@link PeerHealthTable.onPacketReceived} plus one success sample. It does not restart the
   * keepalive interval (only progress does), so an idle-but-alive peer holding our work is probed
   * ever less often, up to `probeIntervalMaxUs`.
   */
  onProbeResponse(peer: number, nowUs: number): void {
    this.onPacketReceived(peer, nowUs);
    if ((this.state[peer] as number) === PeerState.Resetting) return;
    this.successTransition(peer, nowUs);
  }

  /**
   * A failure sample from a silent phase-timer expiry (the peer not heard since the timer was
   * armed): f ← f + α(1 − f), then the failure rules (FAILED, PROBING, DEGRADED; see the spec).
   * Ignored while RESETTING.
   */
  onTimeout(peer: number, nowUs: number): void {
    this.checkPeer(peer);
    if ((this.state[peer] as number) === PeerState.Resetting) return;
    this.failureEwma[peer] = this.failureSample(peer);
    this.afterFailure(peer, nowUs, false, PeerHealthCause.PhaseTimeout);
  }

  /**
   * An ICMP destination-unreachable for the peer's address: a failure sample and one unanswered
   * probe. With {@link IcmpPolicy.Fail} and work outstanding: FAILED at once. Otherwise HEALTHY /
   * DEGRADED raise f to at least `probingEnter` and go PROBING (work outstanding) or DEGRADED (none);
   * PROBING may reach FAILED. Ignored while FAILED or RESETTING.
   */
  onIcmpUnreachable(peer: number, nowUs: number): void {
    this.checkPeer(peer);
    const state = this.state[peer] as number;
    if (state === PeerState.Failed || state === PeerState.Resetting) return;
    this.icmpUnreachableTotal++;
    let f = this.failureSample(peer);
    this.countUnanswered(peer);
    if (this.icmpPolicy === IcmpPolicy.Fail && (this.workCount[peer] as number) > 0) {
      this.failureEwma[peer] = f;
      this.transition(peer, PeerState.Failed, PeerHealthCause.IcmpUnreachable, nowUs);
      return;
    }
    if (state !== PeerState.Probing && f < this.probingEnter) f = this.probingEnter;
    this.failureEwma[peer] = f;
    this.afterFailure(peer, nowUs, true, PeerHealthCause.IcmpUnreachable);
  }

  /**
   * The engine sent a PROBE (normally because {@link PeerHealthTable.shouldProbe} said so): arms the probe deadline
   * at `nowUs + timeout(k)` with k the probe backoff exponent. HEALTHY / DEGRADED: a keepalive
   * probe, the next keepalive interval doubles. FAILED with work outstanding: a new probing round
   * (k and the unanswered count restart, f ← min(f, `probingEnter`)) → PROBING. Ignored while
   * RESETTING.
   */
  onProbeSent(peer: number, nowUs: number): void {
    this.checkPeer(peer);
    const state = this.state[peer] as number;
    if (state === PeerState.Resetting) return;
    this.probesSentTotal++;
    if (state === PeerState.Healthy || state === PeerState.Degraded) {
      const exponent = this.keepaliveExponent[peer] as number;
      if (exponent < BACKOFF_EXPONENT_MAX) this.keepaliveExponent[peer] = exponent + 1;
    } else if (state === PeerState.Failed && (this.workCount[peer] as number) > 0) {
      // A new round is judged on its own evidence: f starts at most at PROBING's entry level, so
      // neither the old probes nor the old EWMA make the peer FAILED again at once.
      this.probeExponent[peer] = 0;
      this.probesUnanswered[peer] = 0;
      if ((this.failureEwma[peer] as number) > this.probingEnter) this.failureEwma[peer] = this.probingEnter;
      this.transition(peer, PeerState.Probing, PeerHealthCause.ProbeSent, nowUs);
    }
    this.probeDeadlineUs[peer] =
      nowUs + this.backoff.timeoutUs(this.smoothedRttUs[peer] as number, this.probeExponent[peer] as number);
  }

  /**
   * The peer's timer fired (see {@link PeerHealthTable.nextProbeAtUs}). An outstanding probe past its deadline is
   * unanswered: probe backoff exponent + 1, unanswered + 1, a failure sample, then the failure
   * rules (an unanswered probe with work outstanding means PROBING). In PROBING, also checks the
   * FAILED rule (the quiet time may just have reached `failQuietMinUs`). Ignored while RESETTING.
   */
  handleTimeout(peer: number, nowUs: number): void {
    this.checkPeer(peer);
    const state = this.state[peer] as number;
    if (state === PeerState.Resetting) return;
    const deadlineUs = this.probeDeadlineUs[peer] as number;
    if (deadlineUs !== PEER_HEALTH_TIME_NONE && nowUs >= deadlineUs) {
      this.probeDeadlineUs[peer] = PEER_HEALTH_TIME_NONE;
      const exponent = this.probeExponent[peer] as number;
      if (exponent < BACKOFF_EXPONENT_MAX) this.probeExponent[peer] = exponent + 1;
      this.countUnanswered(peer);
      this.probesUnansweredTotal++;
      this.failureEwma[peer] = this.failureSample(peer);
      this.afterFailure(peer, nowUs, true, PeerHealthCause.ProbeTimeout);
    } else if (state === PeerState.Probing && this.failureConfirmed(peer) && this.quietEnoughToFail(peer, nowUs)) {
      this.transition(peer, PeerState.Failed, PeerHealthCause.QuietElapsed, nowUs);
    }
  }

  /**
   * The peer lost its path secret (UNKNOWN_PATH_SECRET for the current secret, tag verified):
   * RESETTING, the first handshake due now. No-op while already RESETTING.
   */
  onResetStarted(peer: number, nowUs: number): void {
    this.checkPeer(peer);
    if ((this.state[peer] as number) === PeerState.Resetting) return;
    this.handshakeAttempts[peer] = 0;
    this.handshakeAtUs[peer] = nowUs;
    this.transition(peer, PeerState.Resetting, PeerHealthCause.ResetStarted, nowUs);
  }

  /**
   * A re-handshake failed (RESETTING only). After the n-th failure the next attempt is due
   * `min(handshakeBackoffBaseUs × 2^(n−1), handshakeBackoffMaxUs)` later; the
   * `handshakeAttemptsMax`-th failure makes the peer FAILED. Returns whether to retry.
   */
  onHandshakeFailed(peer: number, nowUs: number): boolean {
    this.checkPeer(peer);
    if ((this.state[peer] as number) !== PeerState.Resetting) return false;
    const attempts = (this.handshakeAttempts[peer] as number) + 1;
    this.handshakeAttempts[peer] = attempts;
    if (attempts >= this.handshakeAttemptsMax) {
      this.handshakeAtUs[peer] = PEER_HEALTH_TIME_NONE;
      this.transition(peer, PeerState.Failed, PeerHealthCause.HandshakeFailed, nowUs);
      return false;
    }
    const exponent = attempts - 1 < BACKOFF_EXPONENT_MAX ? attempts - 1 : BACKOFF_EXPONENT_MAX;
    this.handshakeAtUs[peer] =
      nowUs + phaseTimeoutUs(this.handshakeBackoffBaseUs, exponent, this.handshakeBackoffMaxUs);
    return true;
  }

  /**
   * A fresh start for the slot: a new path secret is confirmed (RESETTING → HEALTHY), the peer
   * restarted, or the slot now holds a new peer. f, probes, keepalive, handshake counters and the
   * RTT (back to `initialRttUs`) are cleared, the peer counts as heard at `nowUs` (its backoff
   * epoch is bumped), the state is HEALTHY. The outstanding-work count is the engine's and is kept.
   */
  reset(peer: number, nowUs: number): void {
    this.checkPeer(peer);
    this.backoffEpochs.bump(peer);
    this.failureEwma[peer] = 0;
    this.lastHeardUs[peer] = nowUs;
    this.workSinceUs[peer] = nowUs;
    this.smoothedRttUs[peer] = this.initialRttUs;
    this.probeDeadlineUs[peer] = PEER_HEALTH_TIME_NONE;
    this.probeExponent[peer] = 0;
    this.probesUnanswered[peer] = 0;
    this.keepaliveExponent[peer] = 0;
    this.failedAtUs[peer] = PEER_HEALTH_TIME_NONE;
    this.handshakeAttempts[peer] = 0;
    this.handshakeAtUs[peer] = PEER_HEALTH_TIME_NONE;
    this.transition(peer, PeerState.Healthy, PeerHealthCause.Reset, nowUs);
  }

  // ---------------------------------------------------------------- outputs

  /**
   * Takes the oldest recorded transition: returns its peer slot and sets {@link PeerHealthTable.lastFrom},
   * {@link PeerHealthTable.lastTo}, {@link PeerHealthTable.lastCause}, {@link PeerHealthTable.lastAtUs}, {@link PeerHealthTable.lastFailureEwma}; or returns
   * {@link TRANSITION_NONE}. The ring holds `transitionCapacity` entries; when full, recording a
   * new one drops the oldest and counts it in {@link PeerHealthTable.transitionsDroppedTotal} (the current state
   * is always {@link PeerHealthTable.stateOf}; only history is lost).
   */
  pollTransition(): number {
    if (this.ringCount === 0) return TRANSITION_NONE;
    const index = this.ringHead;
    this.ringHead = (index + 1) & this.ringMask;
    this.ringCount--;
    this.lastFrom = this.ringFrom[index] as PeerState;
    this.lastTo = this.ringTo[index] as PeerState;
    this.lastCause = this.ringCause[index] as PeerHealthCause;
    this.lastAtUs = this.ringAtUs[index] as number;
    this.lastFailureEwma = this.ringEwma[index] as number;
    return this.ringPeer[index] as number;
  }

  // ---------------------------------------------------------------- internals

  private checkPeer(peer: number): void {
    assert(peer >= 0 && peer < this.capacity && (peer | 0) === peer, 'peer slot out of range');
  }

  private failureSample(peer: number): number {
    const f = this.failureEwma[peer] as number;
    return f + this.failureGain * (1 - f);
  }

  private successSample(peer: number): number {
    const f = this.failureEwma[peer] as number;
    return f - this.failureGain * f;
  }

  private successTransition(peer: number, nowUs: number): void {
    const f = this.successSample(peer);
    this.failureEwma[peer] = f;
    if ((this.state[peer] as number) === PeerState.Degraded && f < this.degradedExit) {
      this.transition(peer, PeerState.Healthy, PeerHealthCause.Success, nowUs);
    }
  }

  private countUnanswered(peer: number): void {
    const unanswered = this.probesUnanswered[peer] as number;
    if (unanswered < UNANSWERED_MAX) this.probesUnanswered[peer] = unanswered + 1;
  }

  /** The evidence part of the FAILED rule: probes at the limit, or f at `failedEnter`. */
  private failureConfirmed(peer: number): boolean {
    return (
      (this.probesUnanswered[peer] as number) >= this.probeTimeoutsMax ||
      (this.failureEwma[peer] as number) >= this.failedEnter
    );
  }

  /** The time part of the FAILED rule: quiet at least `failQuietMinUs` (a GC pause is not a failure). */
  private quietEnoughToFail(peer: number, nowUs: number): boolean {
    return nowUs - (this.lastHeardUs[peer] as number) >= this.failQuietMinUs;
  }

  /** The failure rules after f was updated (spec: state-machines.md#peer-health, "failure rules"). */
  private afterFailure(peer: number, nowUs: number, probeUnanswered: boolean, cause: PeerHealthCause): void {
    const state = this.state[peer] as number;
    if (state === PeerState.Failed) return;
    const work = (this.workCount[peer] as number) > 0;
    assert(work || state !== PeerState.Probing, 'PROBING without outstanding work');
    if (work && this.failureConfirmed(peer) && this.quietEnoughToFail(peer, nowUs)) {
      this.transition(peer, PeerState.Failed, cause, nowUs);
    } else if (state === PeerState.Probing) {
      // Stays PROBING.
    } else if (work && (probeUnanswered || (this.failureEwma[peer] as number) >= this.probingEnter)) {
      this.transition(peer, PeerState.Probing, cause, nowUs);
    } else if (state === PeerState.Healthy && (this.failureEwma[peer] as number) >= this.degradedEnter) {
      this.transition(peer, PeerState.Degraded, cause, nowUs);
    }
  }

  /** When a probe becomes due if none is outstanding and work is outstanding. */
  private probeDueUs(peer: number): number {
    const state = this.state[peer] as number;
    const heardUs = this.lastHeardUs[peer] as number;
    const quietUs = this.quietThresholdUsOf(peer);
    if (state === PeerState.Failed) {
      const holdEndUs = (this.failedAtUs[peer] as number) + this.failedHoldUs;
      const quietEndUs = heardUs + quietUs;
      return holdEndUs > quietEndUs ? holdEndUs : quietEndUs;
    }
    const workSinceUs = this.workSinceUs[peer] as number;
    const sinceUs = workSinceUs > heardUs ? workSinceUs : heardUs;
    if (state === PeerState.Probing) return sinceUs + quietUs;
    // HEALTHY / DEGRADED: keepalive interval = min(quiet × 2^j, max(quiet, probeIntervalMaxUs)).
    const capUs = this.probeIntervalMaxUs > quietUs ? this.probeIntervalMaxUs : quietUs;
    return sinceUs + phaseTimeoutUs(quietUs, this.keepaliveExponent[peer] as number, capUs);
  }

  private transition(peer: number, to: PeerState, cause: PeerHealthCause, nowUs: number): void {
    const from = this.state[peer] as PeerState;
    if (from === to) return;
    assert(to !== PeerState.Probing || (this.workCount[peer] as number) > 0, 'PROBING without outstanding work');
    this.state[peer] = to;
    if (to === PeerState.Failed || to === PeerState.Resetting) {
      this.probeDeadlineUs[peer] = PEER_HEALTH_TIME_NONE;
    }
    if (to === PeerState.Failed) this.failedAtUs[peer] = nowUs;
    this.transitionsTotal++;
    let index: number;
    if (this.ringCount === this.transitionCapacity) {
      // Full: overwrite the oldest entry (the state itself is never lost, only history).
      index = this.ringHead;
      this.ringHead = (index + 1) & this.ringMask;
      this.transitionsDroppedTotal++;
    } else {
      index = (this.ringHead + this.ringCount) & this.ringMask;
      this.ringCount++;
    }
    this.ringPeer[index] = peer;
    this.ringFrom[index] = from;
    this.ringTo[index] = to;
    this.ringCause[index] = cause;
    this.ringAtUs[index] = nowUs;
    this.ringEwma[index] = this.failureEwma[peer] as number;
  }
}
