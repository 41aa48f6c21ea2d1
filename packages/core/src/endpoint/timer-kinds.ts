/**
 * The engine's timer kinds (one timing-wheel entry per transfer slot, per peer and per stream; the
 * kind says what an expiry means), defined once: `endpoint.ts` arms and dispatches on them,
 * `trace.ts` names them in TIMER_EXPIRED records.
 */

/** Timer kinds (values are stable: they appear in traces). */
export const TimerKind = {
  Notify: 1,
  Liveness: 2,
  Data: 3,
  Response: 4,
  Pull: 5,
  TimeWait: 6,
  /** Per-peer health timer (target = ~peer). */
  Health: 7,
  /** Between attempts (QUEUED (backoff)). */
  Backoff: 8,
  /** Stream: STREAM_CLOSE retransmit timer (target = stream slot). */
  StreamClose: 9,
  /** Stream: time-wait of a CLOSED stream record (target = stream slot). */
  StreamTimeWait: 10,
  /** Per-transfer deadline (SubmitOptions.deadlineUs; its own wheel entry, target = slot). */
  Deadline: 11,
  /** A frozen sender of a RESETTING peer: `peerResetHoldUs` without a new secret → FAILED (PEER_RESET). */
  ResetHold: 16,
} as const;

/** A {@link TimerKind} value. */
export type TimerKind = (typeof TimerKind)[keyof typeof TimerKind];

/** Timer kind names by value (`NOTIFY`, `STREAM_TIME_WAIT`, …); index 0 is `NONE`, unused values are absent. */
export const TIMER_KIND_NAMES: readonly (string | undefined)[] = (() => {
  const names: (string | undefined)[] = ['NONE'];
  for (const [key, value] of Object.entries(TimerKind)) {
    names[value] = key.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
  }
  return names;
})();
