/**
 * Transfer-lifecycle messages besides NOTIFY: TRANSFER_ACCEPT (receiver's verdict + notify credit),
 * FLOW_RESET (either side ends a transfer with a status), TRANSFER_CHALLENGE and
 * TRANSFER_CHALLENGE_RESPONSE (replay check of a notify below the replay window; same layout).
 */
import { assert } from '../assert.js';
import {
  copyBytes,
  EMPTY_BYTES,
  isByteRange,
  isU8,
  isU16,
  isU32Value,
  readU16,
  readU32,
  writeU16,
  writeU32,
} from './bytes.js';
import {
  ACCEPT_STATUS_MAX,
  AcceptStatus,
  CHALLENGE_NONCE_SIZE,
  ENCODE_NO_ROOM,
  MESSAGE_HEADER_SIZE,
  MessageType,
  STATUS_CODE_MAX,
  StatusCode,
} from './constants.js';
import { assertEncodable, DecodeReason } from './decode-result.js';

/** Body bytes of a TRANSFER_ACCEPT. */
export const TRANSFER_ACCEPT_BODY_SIZE = 23;
/** Wire size of a TRANSFER_ACCEPT (framing included). */
export const TRANSFER_ACCEPT_SIZE = MESSAGE_HEADER_SIZE + TRANSFER_ACCEPT_BODY_SIZE;
/** Body bytes of a FLOW_RESET. */
export const FLOW_RESET_BODY_SIZE = 18;
/** Wire size of a FLOW_RESET (framing included). */
export const FLOW_RESET_SIZE = MESSAGE_HEADER_SIZE + FLOW_RESET_BODY_SIZE;
/** Body bytes of a TRANSFER_CHALLENGE or TRANSFER_CHALLENGE_RESPONSE. */
export const TRANSFER_CHALLENGE_BODY_SIZE = 16 + CHALLENGE_NONCE_SIZE;
/** Wire size of a TRANSFER_CHALLENGE or TRANSFER_CHALLENGE_RESPONSE (framing included). */
export const TRANSFER_CHALLENGE_SIZE = MESSAGE_HEADER_SIZE + TRANSFER_CHALLENGE_BODY_SIZE;

function checkWindow(out: Uint8Array, offset: number, end: number): void {
  assert(offset >= 0 && offset <= end && end <= out.length, 'encode window out of bounds');
}

/** Whether `code` is a status code v1 defines. spec: protocol.md#status-codes */
export function isKnownStatusCode(code: number): boolean {
  return Number.isInteger(code) && code >= StatusCode.Ok && code <= STATUS_CODE_MAX;
}

// ---------------------------------------------------------------------------------------------
// TRANSFER_ACCEPT. spec: protocol.md#transfer-accept
// ---------------------------------------------------------------------------------------------

/** A TRANSFER_ACCEPT: receiver → sender, its verdict on one notify entry, plus notify credit. */
export class TransferAcceptView {
  /** The sender's transfer id (echoed), high half. */
  senderTransferIdHi: number;
  /** Low half. */
  senderTransferIdLo: number;
  /** The receiver's transfer id (0 only when REJECTED), high half. */
  receiverTransferIdHi: number;
  /** Low half. */
  receiverTransferIdLo: number;
  /** Further notify entries the sender may send on top of what it may already send (u32). */
  notifyCredit: number;
  /** An {@link AcceptStatus}. */
  status: number;
  /** A {@link StatusCode}: OK unless REJECTED, never OK when REJECTED. */
  reasonCode: number;

  constructor() {
    this.senderTransferIdHi = 0;
    this.senderTransferIdLo = 0;
    this.receiverTransferIdHi = 0;
    this.receiverTransferIdLo = 0;
    this.notifyCredit = 0;
    this.status = AcceptStatus.Accepted;
    this.reasonCode = StatusCode.Ok;
  }
}

/** Returns the first rule the fields break, or Ok. */
export function transferAcceptReason(view: TransferAcceptView): DecodeReason {
  if (
    !isU32Value(view.senderTransferIdHi) ||
    !isU32Value(view.senderTransferIdLo) ||
    !isU32Value(view.receiverTransferIdHi) ||
    !isU32Value(view.receiverTransferIdLo) ||
    !isU32Value(view.notifyCredit) ||
    !isU8(view.status) ||
    !isU16(view.reasonCode)
  ) {
    return DecodeReason.ValueOutOfRange;
  }
  if (view.senderTransferIdHi === 0 && view.senderTransferIdLo === 0) return DecodeReason.ZeroValue;
  if (view.status > ACCEPT_STATUS_MAX) return DecodeReason.UnknownAcceptStatus;
  if (!isKnownStatusCode(view.reasonCode)) return DecodeReason.UnknownStatusCode;
  if (view.status === AcceptStatus.Rejected) {
    if (view.reasonCode === StatusCode.Ok) return DecodeReason.InvalidStatus;
  } else {
    if (view.reasonCode !== StatusCode.Ok) return DecodeReason.InvalidStatus;
    if (view.receiverTransferIdHi === 0 && view.receiverTransferIdLo === 0) return DecodeReason.ZeroValue;
  }
  return DecodeReason.Ok;
}

/** Encodes a TRANSFER_ACCEPT (framing included). Returns 26 or {@link ENCODE_NO_ROOM}. */
export function encodeTransferAccept(out: Uint8Array, offset: number, end: number, view: TransferAcceptView): number {
  checkWindow(out, offset, end);
  assertEncodable(transferAcceptReason(view), 'TRANSFER_ACCEPT');
  if (offset + TRANSFER_ACCEPT_SIZE > end) return ENCODE_NO_ROOM;
  out[offset] = MessageType.TransferAccept;
  writeU16(out, offset + 1, TRANSFER_ACCEPT_BODY_SIZE);
  const at = offset + MESSAGE_HEADER_SIZE;
  writeU32(out, at, view.senderTransferIdHi);
  writeU32(out, at + 4, view.senderTransferIdLo);
  writeU32(out, at + 8, view.receiverTransferIdHi);
  writeU32(out, at + 12, view.receiverTransferIdLo);
  writeU32(out, at + 16, view.notifyCredit);
  out[at + 20] = view.status;
  writeU16(out, at + 21, view.reasonCode);
  return TRANSFER_ACCEPT_SIZE;
}

/** Decodes a TRANSFER_ACCEPT body (framing stripped) into `view`. */
export function decodeTransferAccept(
  bytes: Uint8Array,
  offset: number,
  length: number,
  view: TransferAcceptView,
): DecodeReason {
  if (length < TRANSFER_ACCEPT_BODY_SIZE) return DecodeReason.Truncated;
  if (length > TRANSFER_ACCEPT_BODY_SIZE) return DecodeReason.TrailingBytes;
  view.senderTransferIdHi = readU32(bytes, offset);
  view.senderTransferIdLo = readU32(bytes, offset + 4);
  view.receiverTransferIdHi = readU32(bytes, offset + 8);
  view.receiverTransferIdLo = readU32(bytes, offset + 12);
  view.notifyCredit = readU32(bytes, offset + 16);
  view.status = bytes[offset + 20] as number;
  view.reasonCode = readU16(bytes, offset + 21);
  return transferAcceptReason(view);
}

// ---------------------------------------------------------------------------------------------
// FLOW_RESET. spec: protocol.md#flow-reset
// ---------------------------------------------------------------------------------------------

/**
 * A FLOW_RESET: either side ends a transfer with a non-OK status. It names the transfer by both
 * sides' ids, each 0 when the resetting side does not know it (e.g. the sender answering a challenge
 * for a transfer it no longer holds knows only its own id); at least one is non-zero.
 */
export class FlowResetView {
  /** The sender's transfer id or 0, high half. */
  senderTransferIdHi: number;
  /** Low half. */
  senderTransferIdLo: number;
  /** The receiver's transfer id or 0, high half. */
  receiverTransferIdHi: number;
  /** Low half. */
  receiverTransferIdLo: number;
  /** A {@link StatusCode} other than OK. */
  statusCode: number;

  constructor() {
    this.senderTransferIdHi = 0;
    this.senderTransferIdLo = 0;
    this.receiverTransferIdHi = 0;
    this.receiverTransferIdLo = 0;
    this.statusCode = StatusCode.Cancelled;
  }
}

/** Returns the first rule the fields break, or Ok. */
export function flowResetReason(view: FlowResetView): DecodeReason {
  if (
    !isU32Value(view.senderTransferIdHi) ||
    !isU32Value(view.senderTransferIdLo) ||
    !isU32Value(view.receiverTransferIdHi) ||
    !isU32Value(view.receiverTransferIdLo) ||
    !isU16(view.statusCode)
  ) {
    return DecodeReason.ValueOutOfRange;
  }
  if (
    view.senderTransferIdHi === 0 &&
    view.senderTransferIdLo === 0 &&
    view.receiverTransferIdHi === 0 &&
    view.receiverTransferIdLo === 0
  ) {
    return DecodeReason.ZeroValue;
  }
  if (!isKnownStatusCode(view.statusCode)) return DecodeReason.UnknownStatusCode;
  if (view.statusCode === StatusCode.Ok) return DecodeReason.InvalidStatus;
  return DecodeReason.Ok;
}

/** Encodes a FLOW_RESET (framing included). Returns 21 or {@link ENCODE_NO_ROOM}. */
export function encodeFlowReset(out: Uint8Array, offset: number, end: number, view: FlowResetView): number {
  checkWindow(out, offset, end);
  assertEncodable(flowResetReason(view), 'FLOW_RESET');
  if (offset + FLOW_RESET_SIZE > end) return ENCODE_NO_ROOM;
  out[offset] = MessageType.FlowReset;
  writeU16(out, offset + 1, FLOW_RESET_BODY_SIZE);
  const at = offset + MESSAGE_HEADER_SIZE;
  writeU32(out, at, view.senderTransferIdHi);
  writeU32(out, at + 4, view.senderTransferIdLo);
  writeU32(out, at + 8, view.receiverTransferIdHi);
  writeU32(out, at + 12, view.receiverTransferIdLo);
  writeU16(out, at + 16, view.statusCode);
  return FLOW_RESET_SIZE;
}

/** Decodes a FLOW_RESET body (framing stripped) into `view`. */
export function decodeFlowReset(bytes: Uint8Array, offset: number, length: number, view: FlowResetView): DecodeReason {
  if (length < FLOW_RESET_BODY_SIZE) return DecodeReason.Truncated;
  if (length > FLOW_RESET_BODY_SIZE) return DecodeReason.TrailingBytes;
  view.senderTransferIdHi = readU32(bytes, offset);
  view.senderTransferIdLo = readU32(bytes, offset + 4);
  view.receiverTransferIdHi = readU32(bytes, offset + 8);
  view.receiverTransferIdLo = readU32(bytes, offset + 12);
  view.statusCode = readU16(bytes, offset + 16);
  return flowResetReason(view);
}

// ---------------------------------------------------------------------------------------------
// TRANSFER_CHALLENGE / TRANSFER_CHALLENGE_RESPONSE.
// spec: protocol.md#transfer-challenge, protocol.md#transfer-challenge-response
// ---------------------------------------------------------------------------------------------

/**
 * A TRANSFER_CHALLENGE (receiver → sender: "prove you still hold this transfer with this notify
 * sequence") or a TRANSFER_CHALLENGE_RESPONSE (sender → receiver, echoing all three fields).
 */
export class TransferChallengeView {
  /** The sender's transfer id, high half. */
  senderTransferIdHi: number;
  /** Low half. */
  senderTransferIdLo: number;
  /** The challenged notify sequence, high half. */
  notifySequenceHi: number;
  /** Low half. */
  notifySequenceLo: number;
  /** Bytes holding the 16-byte nonce at `nonceOffset`. */
  nonceBytes: Uint8Array;
  /** Offset of the nonce. */
  nonceOffset: number;

  constructor() {
    this.senderTransferIdHi = 0;
    this.senderTransferIdLo = 0;
    this.notifySequenceHi = 0;
    this.notifySequenceLo = 0;
    this.nonceBytes = EMPTY_BYTES;
    this.nonceOffset = 0;
  }
}

/** Returns the first rule the fields break, or Ok. */
export function transferChallengeReason(view: TransferChallengeView): DecodeReason {
  if (
    !isU32Value(view.senderTransferIdHi) ||
    !isU32Value(view.senderTransferIdLo) ||
    !isU32Value(view.notifySequenceHi) ||
    !isU32Value(view.notifySequenceLo)
  ) {
    return DecodeReason.ValueOutOfRange;
  }
  if (view.senderTransferIdHi === 0 && view.senderTransferIdLo === 0) return DecodeReason.ZeroValue;
  if (!isByteRange(view.nonceBytes, view.nonceOffset, CHALLENGE_NONCE_SIZE)) return DecodeReason.Truncated;
  return DecodeReason.Ok;
}

function encodeChallengeOf(
  type: number,
  out: Uint8Array,
  offset: number,
  end: number,
  view: TransferChallengeView,
): number {
  checkWindow(out, offset, end);
  assertEncodable(
    transferChallengeReason(view),
    type === MessageType.TransferChallenge ? 'TRANSFER_CHALLENGE' : 'TRANSFER_CHALLENGE_RESPONSE',
  );
  if (offset + TRANSFER_CHALLENGE_SIZE > end) return ENCODE_NO_ROOM;
  out[offset] = type;
  writeU16(out, offset + 1, TRANSFER_CHALLENGE_BODY_SIZE);
  const at = offset + MESSAGE_HEADER_SIZE;
  writeU32(out, at, view.senderTransferIdHi);
  writeU32(out, at + 4, view.senderTransferIdLo);
  writeU32(out, at + 8, view.notifySequenceHi);
  writeU32(out, at + 12, view.notifySequenceLo);
  copyBytes(view.nonceBytes, view.nonceOffset, out, at + 16, CHALLENGE_NONCE_SIZE);
  return TRANSFER_CHALLENGE_SIZE;
}

/** Encodes a TRANSFER_CHALLENGE (framing included). Returns 35 or {@link ENCODE_NO_ROOM}. */
export function encodeTransferChallenge(
  out: Uint8Array,
  offset: number,
  end: number,
  view: TransferChallengeView,
): number {
  return encodeChallengeOf(MessageType.TransferChallenge, out, offset, end, view);
}

/** Encodes a TRANSFER_CHALLENGE_RESPONSE (framing included). Returns 35 or {@link ENCODE_NO_ROOM}. */
export function encodeTransferChallengeResponse(
  out: Uint8Array,
  offset: number,
  end: number,
  view: TransferChallengeView,
): number {
  return encodeChallengeOf(MessageType.TransferChallengeResponse, out, offset, end, view);
}

/** Decodes a TRANSFER_CHALLENGE or TRANSFER_CHALLENGE_RESPONSE body (framing stripped) into `view`. */
export function decodeTransferChallenge(
  bytes: Uint8Array,
  offset: number,
  length: number,
  view: TransferChallengeView,
): DecodeReason {
  if (length < TRANSFER_CHALLENGE_BODY_SIZE) return DecodeReason.Truncated;
  if (length > TRANSFER_CHALLENGE_BODY_SIZE) return DecodeReason.TrailingBytes;
  view.senderTransferIdHi = readU32(bytes, offset);
  view.senderTransferIdLo = readU32(bytes, offset + 4);
  view.notifySequenceHi = readU32(bytes, offset + 8);
  view.notifySequenceLo = readU32(bytes, offset + 12);
  view.nonceBytes = bytes;
  view.nonceOffset = offset + 16;
  return transferChallengeReason(view);
}
