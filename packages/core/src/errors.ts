/**
 * Typed errors. Every error dcq raises carries a stable `code` that callers can switch on, and a
 * message that says what to do about it.
 */

/** Every error code dcq raises. New codes are appended, never renamed. */
export const ErrorCode = {
  /** A caller passed an argument outside its documented domain (a programming error). */
  InvalidArgument: 'DCQ_INVALID_ARGUMENT',
  /** A configured limit (capacity, fragments, queue depth) is reached; retry after releasing something. */
  Backpressure: 'DCQ_BACKPRESSURE',
  /** A token, handle or id refers to a slot that has since been released and reused. */
  StaleHandle: 'DCQ_STALE_HANDLE',
  /** An internal invariant was violated: a bug in dcq. Please report it with the message. */
  Assertion: 'DCQ_ASSERTION',
  /** A transfer ended with a non-OK status (see `TransferFailedError.status`). */
  TransferFailed: 'DCQ_TRANSFER_FAILED',
} as const;

/** Union of all error code strings. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Base class of every error dcq throws or reports. */
export class DcqError extends Error {
  /** Stable machine-readable code, e.g. `DCQ_BACKPRESSURE`. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'DcqError';
    this.code = code;
  }
}

/** Thrown when an argument is outside its documented domain. */
export class InvalidArgumentError extends DcqError {
  constructor(message: string) {
    super(ErrorCode.InvalidArgument, message);
    this.name = 'InvalidArgumentError';
  }
}

/** Thrown (or returned) when a configured limit is reached; the caller should back off and retry. */
export class BackpressureError extends DcqError {
  /** Name of the limit that was reached, e.g. `causality.maxCapacity`. */
  readonly limit: string;
  /** The configured value of that limit. */
  readonly limitValue: number;

  constructor(limit: string, limitValue: number, message: string) {
    super(ErrorCode.Backpressure, message);
    this.name = 'BackpressureError';
    this.limit = limit;
    this.limitValue = limitValue;
  }
}

/** Thrown when a handle or token refers to a released (and possibly reused) slot. */
export class StaleHandleError extends DcqError {
  constructor(message: string) {
    super(ErrorCode.StaleHandle, message);
    this.name = 'StaleHandleError';
  }
}

/** Thrown when an internal invariant does not hold: always a dcq bug. */
export class AssertionError extends DcqError {
  constructor(message: string) {
    super(ErrorCode.Assertion, `dcq invariant violated: ${message} (this is a bug in dcq; please report it)`);
    this.name = 'AssertionError';
  }
}
