/**
 * Typed transfer failures: the status code a FAILED event carries (protocol.md#status-codes, plus
 * the engine's local causes) mapped to an error the application can throw, switch on or log.
 */
import { DcqError, ErrorCode } from '../errors.js';
import { StatusCode, statusCodeName } from '../wire/constants.js';

const ADVICE: readonly string[] = [
  'no error',
  'the transfer was cancelled by the application or a cascading dependency',
  'the peer declined the transfer (policy or unknown method)',
  'the peer no longer holds the transfer (it finished or restarted); retry if the operation is idempotent',
  'the peer did not answer within the phase timeouts; check connectivity or raise the retransmission limits',
  'the peer reset its state (restart or re-handshake); retry if the operation is idempotent',
  'a configured limit (size, credit, queue depth) was exceeded; send less or raise the limit',
  'records failed to verify too often: the path corrupts data or someone tampers with it',
  'the peer application failed the transfer',
  'the host is shutting down',
  'the peer broke the protocol specification (a bug or an attack)',
  'the peer is overloaded; retry later with backoff',
  'the peer holds no such stream',
];

/** A transfer that ended with a non-OK status. */
export class TransferFailedError extends DcqError {
  /** The StatusCode (e.g. StatusCode.Timeout). */
  readonly status: number;
  /** Its spec name, e.g. `TIMEOUT`. */
  readonly statusName: string;

  constructor(status: number) {
    const name = statusCodeName(status);
    super(ErrorCode.TransferFailed, `transfer failed: ${name}: ${ADVICE[status] ?? 'unknown status'}`);
    this.name = 'TransferFailedError';
    this.status = status;
    this.statusName = name;
  }
}

/** The error for a FAILED event's status. */
export function transferError(status: number): TransferFailedError {
  return new TransferFailedError(status === StatusCode.Ok ? StatusCode.ProtocolViolation : status);
}
