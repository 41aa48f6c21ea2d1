/**
 * The interface between the engine and a per-peer congestion controller, and the small integers it
 * reports: controller states, PROBE_BW phases and congestion *actions* (the reasons the engine turns
 * into events). Also the rule that combines the controller's rate with the receiver's request.
 *
 * This module owns no algorithm; `bbr.ts` implements the interface. A controller is sans-IO and
 * deterministic: time is an argument (integer µs), randomness comes from a caller-given seed, and
 * no call allocates. The engine keeps the per-packet delivery records (see `delivery-rate.ts`).
 *
 * spec: congestion.md#engine-interface
 */

/** Controller states (small integers). spec: congestion.md#states */
export const CongestionState = {
  /** Exponential search for the path's bandwidth (pacing gain ≈ 2.77). */
  Startup: 0,
  /** Drains the queue STARTUP built (pacing gain 0.35) until in flight ≤ BDP. */
  Drain: 1,
  /** Steady state: cycles DOWN → CRUISE → UP around the bandwidth estimate. */
  ProbeBw: 2,
  /** Briefly cuts in flight to half a BDP so the path's queue empties and min RTT is re-measured. */
  ProbeRtt: 3,
} as const;
/** A {@link CongestionState} value. */
export type CongestionState = (typeof CongestionState)[keyof typeof CongestionState];

/** Number of {@link CongestionState} values. */
export const CONGESTION_STATE_COUNT = 4;

/** Phases of {@link CongestionState.ProbeBw}. spec: congestion.md#probe-bw */
export const ProbeBwPhase = {
  /** Pacing gain 0.9: drains the queue the last probe created, until in flight ≤ BDP. */
  Down: 0,
  /** Pacing gain 1.0 for a few (seeded random) round trips, with headroom below `inflightHi`. */
  Cruise: 1,
  /** Pacing gain 1.25: probes for more bandwidth; lower bounds are lifted. */
  Up: 2,
} as const;
/** A {@link ProbeBwPhase} value. */
export type ProbeBwPhase = (typeof ProbeBwPhase)[keyof typeof ProbeBwPhase];

/**
 * Congestion actions: why the controller changed state or bounds. The controller sets
 * `lastAction`, bumps `actionSequence` and `actionCounts[action]` on each; the engine turns them
 * into events (compare `actionSequence` with the value it saw last; `actionCounts` catches several
 * actions inside one call). spec: congestion.md#actions
 */
export const CongestionAction = {
  /** Nothing happened yet. */
  None: 0,
  /** Entered STARTUP (construction, reset, or PROBE_RTT ended before the pipe was ever full). */
  EnterStartup: 1,
  /** STARTUP ended: the bandwidth estimate stopped growing (full pipe) → DRAIN. */
  ExitStartupBandwidth: 2,
  /** STARTUP ended: a round lost more than the loss threshold → DRAIN, `inflightHi` set. */
  ExitStartupLoss: 3,
  /** DRAIN ended (in flight ≤ BDP) → PROBE_BW. */
  EnterProbeBw: 4,
  /** PROBE_BW phase UP started (probing for bandwidth; lower bounds lifted). */
  ProbeUp: 5,
  /** PROBE_BW phase DOWN started (draining the probe's queue). */
  ProbeDown: 6,
  /** PROBE_BW phase CRUISE started. */
  ProbeCruise: 7,
  /** Entered PROBE_RTT (min RTT not refreshed for `probeRttIntervalUs`). */
  EnterProbeRtt: 8,
  /** Left PROBE_RTT (min RTT re-measured). */
  ExitProbeRtt: 9,
  /** A round lost (or ECN-marked) more than the threshold: `inflightHi` or the lower bounds were cut. */
  LossBound: 10,
  /** Queueing delay above the threshold: the probe ended or `inflightLo` was cut. */
  DelayBound: 11,
  /** A timeout (persistent congestion): the window collapsed to its minimum. */
  TimeoutCollapse: 12,
} as const;
/** A {@link CongestionAction} value. */
export type CongestionAction = (typeof CongestionAction)[keyof typeof CongestionAction];

/** Number of {@link CongestionAction} values (length of `actionCounts`). */
export const CONGESTION_ACTION_COUNT = 13;

const ACTION_NAMES: readonly string[] = [
  'none',
  'enter_startup',
  'exit_startup_bandwidth',
  'exit_startup_loss',
  'enter_probe_bw',
  'probe_up',
  'probe_down',
  'probe_cruise',
  'enter_probe_rtt',
  'exit_probe_rtt',
  'loss_bound',
  'delay_bound',
  'timeout_collapse',
];

const STATE_NAMES: readonly string[] = ['startup', 'drain', 'probe_bw', 'probe_rtt'];

/** Snake-case name of a congestion action (for events and logs); `unknown` outside the range. */
export function congestionActionName(action: number): string {
  return ACTION_NAMES[action] ?? 'unknown';
}

/** Snake-case name of a congestion state; `unknown` outside the range. */
export function congestionStateName(state: number): string {
  return STATE_NAMES[state] ?? 'unknown';
}

/** Bytes per KiB: PULL_REQUEST's desired rate is in KiB/s (protocol.md#pull-request). */
const BYTES_PER_KIB = 1024;

/**
 * The rate a sender paces DATA for one pull at: the lower of its controller's pacing rate and the
 * rate the receiver asked for in the PULL_REQUEST (`desiredRateKiBPerSec`, 0 = no limit from the
 * receiver). spec: congestion.md#sender-rate
 */
export function senderPacingRateBytesPerSec(controllerRateBytesPerSec: number, desiredRateKiBPerSec: number): number {
  if (!(desiredRateKiBPerSec > 0)) return controllerRateBytesPerSec;
  const desired = desiredRateKiBPerSec * BYTES_PER_KIB;
  return desired < controllerRateBytesPerSec ? desired : controllerRateBytesPerSec;
}

/**
 * What the engine calls on a per-peer congestion controller. Inputs are `on*` methods (time first,
 * integer µs); outputs are getters read after each input.
 *
 * Delivery records: for each sent packet (or DATA chunk) the engine reserves
 * `DELIVERY_RECORD_FIELDS` numbers of a Float64Array it owns, passes them to `onPacketSent`, and
 * passes the same record back exactly once to `onPacketAcked` or `onLoss` (a second call on a
 * settled record is ignored). Acknowledgements are grouped into events: `onPacketAcked` for every
 * packet a RANGE_ACK (or an implied acknowledgement) newly covers, then one `onAckEnd`.
 *
 * Order per worker-loop iteration: inputs for received datagrams (acks, losses, ECN) → timer
 * expiries (`onTimeout`) → sending: `canSend` and the pacing rate gate each packet, `onPacketSent`
 * after each → `onAppLimited` when the peer has nothing more to send while the window is open.
 */
export interface CongestionController {
  /** Pacing rate in bytes/s: finite, within the configured [min, max]. */
  readonly pacingRateBytesPerSec: number;
  /** Congestion window in bytes: finite, within the configured [min, max]. */
  readonly congestionWindowBytes: number;
  /** Current {@link CongestionState}. */
  readonly state: CongestionState;
  /** The last {@link CongestionAction} taken. */
  readonly lastAction: CongestionAction;
  /** Incremented on every action (so equal consecutive actions are still seen). */
  readonly actionSequence: number;
  /** Count of each action since construction or reset, indexed by {@link CongestionAction}. */
  readonly actionCounts: Uint32Array;
  /** Whether a packet may be sent with `bytesInFlight` bytes outstanding (window not full). */
  canSend(bytesInFlight: number): boolean;
  /**
   * A packet of `bytes` is being sent with `bytesInFlight` bytes already outstanding (excluding it):
   * writes its delivery record at `records[offset …]`. `flags` may hold
   * `DeliveryRecordFlag.Retransmission` for a re-sent range.
   */
  onPacketSent(
    nowUs: number,
    bytes: number,
    bytesInFlight: number,
    records: Float64Array,
    offset: number,
    flags?: number,
  ): void;
  /** The packet whose record is at `records[offset …]` was acknowledged (part of the current event). */
  onPacketAcked(nowUs: number, records: Float64Array, offset: number): void;
  /** Ends an acknowledgement event; `bytesInFlight` is what remains outstanding after it. */
  onAckEnd(nowUs: number, bytesInFlight: number): void;
  /**
   * The packet whose record is at `records[offset …]` was lost (its range was re-pulled with
   * RETRANSMISSION, or declared lost by the engine's own loss detection). The engine removes it
   * from its bytes in flight.
   */
  onLoss(nowUs: number, records: Float64Array, offset: number): void;
  /** `markedBytes` arrived with ECN CE (counts toward the round's loss rate). */
  onEcnCe(nowUs: number, markedBytes: number): void;
  /** The sender has less to send than the window and rate allow. */
  onAppLimited(bytesInFlight: number): void;
  /** A timeout without any answer from the peer (persistent congestion). */
  onTimeout(nowUs: number): void;
  /** Back to the initial state (e.g. the peer's state was reset). */
  reset(nowUs: number): void;
}
