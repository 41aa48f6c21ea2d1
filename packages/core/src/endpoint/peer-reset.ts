/**
 * Retry decisions of sender transfers across failures that the engine may re-attempt: a peer
 * reset (the peer lost our path secret: its transfers are frozen while it is RESETTING, then
 * retried or failed once a new secret is installed) and a terminal FLOW_RESET with a transient
 * status. Pure functions over a transfer's state and flags; the engine (endpoint.ts) owns the
 * transitions. The rule they protect: a transfer whose payload may have reached the peer's
 * application is never sent again unless the application declared it idempotent (at-most-once
 * delivery, BRIEF.md).
 *
 * spec: replay-and-secrets.md#unknown-path-secret, state-machines.md#sender-transfer
 */
import { StatusCode } from '../wire/constants.js';
import { SenderState, TransferFlag } from './transfer-table.js';

/**
 * Whether a receiver's terminal status means "not now, nothing delivered": OVERLOADED and
 * LIMIT_EXCEEDED. A receiver refusing with one of them frees its record at once (a new attempt's
 * notify is new there) and the sender re-attempts after timeout(attempt) while attempts are left.
 * UNKNOWN_TRANSFER is not transient: a receiver that forgot a transfer may have delivered it.
 */
export function isTransientStatus(status: number): boolean {
  return status === StatusCode.Overloaded || status === StatusCode.LimitExceeded;
}

/**
 * Transfer flags for a `retryOnPeerReset` option: none (default policy), RetryOnResetAlways
 * (true) or RetryOnResetNever (false).
 */
export function peerResetPolicyFlags(retryOnPeerReset: boolean | undefined): number {
  if (retryOnPeerReset === undefined) return 0;
  return retryOnPeerReset ? TransferFlag.RetryOnResetAlways : TransferFlag.RetryOnResetNever;
}

/**
 * Whether the peer's application provably never received a sender transfer in `state`: the
 * receiver delivers an inline payload when its notify arrives and a buffered one only once every
 * sealed byte arrived, so
 * - QUEUED (never notified, or every earlier attempt refused before any state): never delivered;
 * - NOTIFYING: never delivered unless inline (an inline notify may have been delivered with its
 *   ACCEPT lost) or unscheduled with every sealed byte sent (protocol.md#unscheduled: the receiver
 *   may have taken them all and delivered);
 * - HELD / ACCEPTED: never delivered unless inline (a receiver that took unscheduled bytes answers
 *   ACCEPTED_UNSCHEDULED, which leads to SERVING_PULLS or DRAINING instead);
 * - SERVING_PULLS: some sealed bytes were never sent (`sentEndBytes` < `sealedBytes`): never delivered;
 * - DRAINING (every byte sent, completion unknown) and AWAITING_RESPONSE (delivered): maybe.
 */
export function senderNeverDelivered(state: number, flags: number, sentEndBytes: number, sealedBytes: number): boolean {
  const inline = (flags & TransferFlag.Inline) !== 0;
  switch (state) {
    case SenderState.Queued:
      return true;
    case SenderState.Notifying:
      return !inline && !((flags & TransferFlag.Unscheduled) !== 0 && sentEndBytes >= sealedBytes);
    case SenderState.Held:
    case SenderState.Accepted:
      return !inline;
    case SenderState.ServingPulls:
      return !inline && sentEndBytes < sealedBytes;
    default:
      return false;
  }
}

/**
 * Whether a frozen sender transfer starts a new attempt once its peer has a new path secret
 * (otherwise it fails PEER_RESET): attempts must be left, responses never retry (their request
 * died with the peer's state), `retryOnPeerReset: false` never retries, `true` retries whenever the
 * payload can still be sent (a buffer-backed request already delivered released its buffer), and
 * the default retries only transfers frozen with ResetNeverDelivered.
 */
export function retryAfterPeerReset(
  flags: number,
  attemptsLeft: number,
  isResponse: boolean,
  hasPayload: boolean,
): boolean {
  if (attemptsLeft <= 0 || isResponse || !hasPayload) return false;
  if ((flags & TransferFlag.RetryOnResetNever) !== 0) return false;
  if ((flags & TransferFlag.RetryOnResetAlways) !== 0) return true;
  return (flags & TransferFlag.ResetNeverDelivered) !== 0;
}
