/**
 * The receiver's data-flow messages: PULL_REQUEST (ask for ranges of the sealed stream at a rate),
 * RANGE_ACK (what arrived; COMPLETE when the payload is verified and delivered) and CANCEL_PULL
 * (stop answering a pull). "Sender" and "receiver" name the transfer's sides throughout: the sender
 * sent the TRANSFER_NOTIFY and owns the payload; the receiver pulls it.
 */
import { assert } from '../assert.js';
import { isU8, isU32Value, readU32, writeU16, writeU32 } from './bytes.js';
import {
  ACK_RANGES_MAX,
  ENCODE_NO_ROOM,
  MESSAGE_HEADER_SIZE,
  MessageType,
  PULL_FLAGS_RESERVED,
  PULL_RANGES_MAX,
  RANGE_ACK_FLAGS_RESERVED,
  RANGE_SIZE,
  RangeAckFlag,
} from './constants.js';
import { assertEncodable, DecodeReason } from './decode-result.js';
import { rangesReason, rangesRulesReason, readRanges, writeRanges } from './ranges.js';

/** Body bytes of a PULL_REQUEST before its ranges. */
export const PULL_REQUEST_FIXED_SIZE = 26;
/** Body bytes of a RANGE_ACK before its ranges. */
export const RANGE_ACK_FIXED_SIZE = 10;
/** Body bytes of a CANCEL_PULL. */
export const CANCEL_PULL_BODY_SIZE = 12;

function checkWindow(out: Uint8Array, offset: number, end: number): void {
  assert(offset >= 0 && offset <= end && end <= out.length, 'encode window out of bounds');
}

function isZeroId(hi: number, lo: number): boolean {
  return hi === 0 && lo === 0;
}

// ---------------------------------------------------------------------------------------------
// PULL_REQUEST. spec: protocol.md#pull-request
// ---------------------------------------------------------------------------------------------

/** A PULL_REQUEST: receiver → sender, "send me these ranges of the sealed stream". */
export class PullRequestView {
  /** The sender's transfer id (echoed from TRANSFER_NOTIFY), high half. */
  senderTransferIdHi: number;
  /** Low half. */
  senderTransferIdLo: number;
  /** The receiver's transfer id (echoed back in DATA chunks), high half. */
  receiverTransferIdHi: number;
  /** Low half. */
  receiverTransferIdLo: number;
  /** Identifies this pull (non-zero); DATA chunks answering it echo it. */
  pullId: number;
  /** {@link PullFlag} bits. */
  flags: number;
  /** Rate the receiver asks the sender not to exceed for this pull, KiB/s (0 = no limit). */
  desiredRateKiBps: number;
  /** Number of ranges (1..PULL_RANGES_MAX). */
  rangeCount: number;
  /** Sealed offsets of the ranges (u48), ascending. */
  readonly rangeOffsets: Float64Array;
  /** Lengths of the ranges (u32, ≥ 1). */
  readonly rangeLengths: Float64Array;

  constructor() {
    this.senderTransferIdHi = 0;
    this.senderTransferIdLo = 0;
    this.receiverTransferIdHi = 0;
    this.receiverTransferIdLo = 0;
    this.pullId = 0;
    this.flags = 0;
    this.desiredRateKiBps = 0;
    this.rangeCount = 0;
    this.rangeOffsets = new Float64Array(PULL_RANGES_MAX);
    this.rangeLengths = new Float64Array(PULL_RANGES_MAX);
  }
}

/** Wire size (framing included) of a PULL_REQUEST with `rangeCount` ranges. */
export function pullRequestSize(rangeCount: number): number {
  return MESSAGE_HEADER_SIZE + PULL_REQUEST_FIXED_SIZE + RANGE_SIZE * rangeCount;
}

/** The wire rules for fields that fit their widths (what the decoder applies); first broken rule or Ok. */
function pullRequestRulesReason(view: PullRequestView): DecodeReason {
  if (isZeroId(view.senderTransferIdHi, view.senderTransferIdLo)) return DecodeReason.ZeroValue;
  if (isZeroId(view.receiverTransferIdHi, view.receiverTransferIdLo)) return DecodeReason.ZeroValue;
  if (view.pullId === 0) return DecodeReason.ZeroValue;
  if ((view.flags & PULL_FLAGS_RESERVED) !== 0) return DecodeReason.ReservedBitsSet;
  if (view.rangeCount < 1 || view.rangeCount > PULL_RANGES_MAX) return DecodeReason.CountOutOfRange;
  return rangesRulesReason(view.rangeOffsets, view.rangeLengths, view.rangeCount);
}

/** Returns the first problem with the fields as encoder input (widths, then the wire rules), or Ok. */
export function pullRequestReason(view: PullRequestView): DecodeReason {
  if (
    !isU32Value(view.senderTransferIdHi) ||
    !isU32Value(view.senderTransferIdLo) ||
    !isU32Value(view.receiverTransferIdHi) ||
    !isU32Value(view.receiverTransferIdLo) ||
    !isU32Value(view.pullId) ||
    !isU8(view.flags) ||
    !isU32Value(view.desiredRateKiBps) ||
    !Number.isInteger(view.rangeCount)
  ) {
    return DecodeReason.ValueOutOfRange;
  }
  if (view.rangeCount >= 1 && view.rangeCount <= PULL_RANGES_MAX) {
    const widths = rangesReason(view.rangeOffsets, view.rangeLengths, view.rangeCount);
    if (widths === DecodeReason.ValueOutOfRange) return widths;
  }
  return pullRequestRulesReason(view);
}

/** Encodes a PULL_REQUEST (framing included). Returns the bytes written or {@link ENCODE_NO_ROOM}. */
export function encodePullRequest(out: Uint8Array, offset: number, end: number, view: PullRequestView): number {
  checkWindow(out, offset, end);
  assertEncodable(pullRequestReason(view), 'PULL_REQUEST');
  const size = pullRequestSize(view.rangeCount);
  if (offset + size > end) return ENCODE_NO_ROOM;
  out[offset] = MessageType.PullRequest;
  writeU16(out, offset + 1, size - MESSAGE_HEADER_SIZE);
  const at = offset + MESSAGE_HEADER_SIZE;
  writeU32(out, at, view.senderTransferIdHi);
  writeU32(out, at + 4, view.senderTransferIdLo);
  writeU32(out, at + 8, view.receiverTransferIdHi);
  writeU32(out, at + 12, view.receiverTransferIdLo);
  writeU32(out, at + 16, view.pullId);
  out[at + 20] = view.flags;
  writeU32(out, at + 21, view.desiredRateKiBps);
  out[at + 25] = view.rangeCount;
  writeRanges(out, at + PULL_REQUEST_FIXED_SIZE, view.rangeOffsets, view.rangeLengths, view.rangeCount);
  return size;
}

/** Decodes a PULL_REQUEST body (framing stripped) into `view`. */
export function decodePullRequest(
  bytes: Uint8Array,
  offset: number,
  length: number,
  view: PullRequestView,
): DecodeReason {
  if (length < PULL_REQUEST_FIXED_SIZE) return DecodeReason.Truncated;
  const count = bytes[offset + 25] as number;
  if (count < 1 || count > PULL_RANGES_MAX) return DecodeReason.CountOutOfRange;
  const expected = PULL_REQUEST_FIXED_SIZE + RANGE_SIZE * count;
  if (length < expected) return DecodeReason.Truncated;
  if (length > expected) return DecodeReason.TrailingBytes;
  view.senderTransferIdHi = readU32(bytes, offset);
  view.senderTransferIdLo = readU32(bytes, offset + 4);
  view.receiverTransferIdHi = readU32(bytes, offset + 8);
  view.receiverTransferIdLo = readU32(bytes, offset + 12);
  view.pullId = readU32(bytes, offset + 16);
  view.flags = bytes[offset + 20] as number;
  view.desiredRateKiBps = readU32(bytes, offset + 21);
  view.rangeCount = count;
  readRanges(bytes, offset + PULL_REQUEST_FIXED_SIZE, view.rangeOffsets, view.rangeLengths, count);
  return pullRequestRulesReason(view);
}

// ---------------------------------------------------------------------------------------------
// RANGE_ACK. spec: protocol.md#range-ack
// ---------------------------------------------------------------------------------------------

/** A RANGE_ACK: receiver → sender, "these ranges of the sealed stream arrived". */
export class RangeAckView {
  /** The sender's transfer id, high half. */
  senderTransferIdHi: number;
  /** Low half. */
  senderTransferIdLo: number;
  /** {@link RangeAckFlag} bits. */
  flags: number;
  /** Number of ranges (1..ACK_RANGES_MAX; 0 only with COMPLETE). */
  rangeCount: number;
  /** Sealed offsets of the ranges (u48), ascending. */
  readonly rangeOffsets: Float64Array;
  /** Lengths of the ranges (u32, ≥ 1). */
  readonly rangeLengths: Float64Array;

  constructor() {
    this.senderTransferIdHi = 0;
    this.senderTransferIdLo = 0;
    this.flags = 0;
    this.rangeCount = 0;
    this.rangeOffsets = new Float64Array(ACK_RANGES_MAX);
    this.rangeLengths = new Float64Array(ACK_RANGES_MAX);
  }
}

/** Wire size (framing included) of a RANGE_ACK with `rangeCount` ranges. */
export function rangeAckSize(rangeCount: number): number {
  return MESSAGE_HEADER_SIZE + RANGE_ACK_FIXED_SIZE + RANGE_SIZE * rangeCount;
}

/** The wire rules for fields that fit their widths (what the decoder applies); first broken rule or Ok. */
function rangeAckRulesReason(view: RangeAckView): DecodeReason {
  if (isZeroId(view.senderTransferIdHi, view.senderTransferIdLo)) return DecodeReason.ZeroValue;
  if ((view.flags & RANGE_ACK_FLAGS_RESERVED) !== 0) return DecodeReason.ReservedBitsSet;
  const countMin = (view.flags & RangeAckFlag.Complete) !== 0 ? 0 : 1;
  if (view.rangeCount < countMin || view.rangeCount > ACK_RANGES_MAX) return DecodeReason.CountOutOfRange;
  return rangesRulesReason(view.rangeOffsets, view.rangeLengths, view.rangeCount);
}

/** Returns the first problem with the fields as encoder input (widths, then the wire rules), or Ok. */
export function rangeAckReason(view: RangeAckView): DecodeReason {
  if (
    !isU32Value(view.senderTransferIdHi) ||
    !isU32Value(view.senderTransferIdLo) ||
    !isU8(view.flags) ||
    !Number.isInteger(view.rangeCount)
  ) {
    return DecodeReason.ValueOutOfRange;
  }
  if (view.rangeCount >= 0 && view.rangeCount <= ACK_RANGES_MAX) {
    const widths = rangesReason(view.rangeOffsets, view.rangeLengths, view.rangeCount);
    if (widths === DecodeReason.ValueOutOfRange) return widths;
  }
  return rangeAckRulesReason(view);
}

/** Encodes a RANGE_ACK (framing included). Returns the bytes written or {@link ENCODE_NO_ROOM}. */
export function encodeRangeAck(out: Uint8Array, offset: number, end: number, view: RangeAckView): number {
  checkWindow(out, offset, end);
  assertEncodable(rangeAckReason(view), 'RANGE_ACK');
  const size = rangeAckSize(view.rangeCount);
  if (offset + size > end) return ENCODE_NO_ROOM;
  out[offset] = MessageType.RangeAck;
  writeU16(out, offset + 1, size - MESSAGE_HEADER_SIZE);
  const at = offset + MESSAGE_HEADER_SIZE;
  writeU32(out, at, view.senderTransferIdHi);
  writeU32(out, at + 4, view.senderTransferIdLo);
  out[at + 8] = view.flags;
  out[at + 9] = view.rangeCount;
  writeRanges(out, at + RANGE_ACK_FIXED_SIZE, view.rangeOffsets, view.rangeLengths, view.rangeCount);
  return size;
}

/** Decodes a RANGE_ACK body (framing stripped) into `view`. */
export function decodeRangeAck(bytes: Uint8Array, offset: number, length: number, view: RangeAckView): DecodeReason {
  if (length < RANGE_ACK_FIXED_SIZE) return DecodeReason.Truncated;
  const count = bytes[offset + 9] as number;
  if (count > ACK_RANGES_MAX) return DecodeReason.CountOutOfRange;
  const expected = RANGE_ACK_FIXED_SIZE + RANGE_SIZE * count;
  if (length < expected) return DecodeReason.Truncated;
  if (length > expected) return DecodeReason.TrailingBytes;
  view.senderTransferIdHi = readU32(bytes, offset);
  view.senderTransferIdLo = readU32(bytes, offset + 4);
  view.flags = bytes[offset + 8] as number;
  view.rangeCount = count;
  readRanges(bytes, offset + RANGE_ACK_FIXED_SIZE, view.rangeOffsets, view.rangeLengths, count);
  return rangeAckRulesReason(view);
}

// ---------------------------------------------------------------------------------------------
// CANCEL_PULL. spec: protocol.md#cancel-pull
// ---------------------------------------------------------------------------------------------

/** A CANCEL_PULL: receiver → sender, "stop sending data for this pull (0 = every pull)". */
export class CancelPullView {
  /** The sender's transfer id, high half. */
  senderTransferIdHi: number;
  /** Low half. */
  senderTransferIdLo: number;
  /** The pull to cancel, or 0 for every outstanding pull of the transfer. */
  pullId: number;

  constructor() {
    this.senderTransferIdHi = 0;
    this.senderTransferIdLo = 0;
    this.pullId = 0;
  }
}

/** Wire size of a CANCEL_PULL (framing included). */
export const CANCEL_PULL_SIZE = MESSAGE_HEADER_SIZE + CANCEL_PULL_BODY_SIZE;

/** Returns the first rule the fields break, or Ok. */
export function cancelPullReason(view: CancelPullView): DecodeReason {
  if (!isU32Value(view.senderTransferIdHi) || !isU32Value(view.senderTransferIdLo) || !isU32Value(view.pullId)) {
    return DecodeReason.ValueOutOfRange;
  }
  if (isZeroId(view.senderTransferIdHi, view.senderTransferIdLo)) return DecodeReason.ZeroValue;
  return DecodeReason.Ok;
}

/** Encodes a CANCEL_PULL (framing included). Returns 15 or {@link ENCODE_NO_ROOM}. */
export function encodeCancelPull(out: Uint8Array, offset: number, end: number, view: CancelPullView): number {
  checkWindow(out, offset, end);
  assertEncodable(cancelPullReason(view), 'CANCEL_PULL');
  if (offset + CANCEL_PULL_SIZE > end) return ENCODE_NO_ROOM;
  out[offset] = MessageType.CancelPull;
  writeU16(out, offset + 1, CANCEL_PULL_BODY_SIZE);
  const at = offset + MESSAGE_HEADER_SIZE;
  writeU32(out, at, view.senderTransferIdHi);
  writeU32(out, at + 4, view.senderTransferIdLo);
  writeU32(out, at + 8, view.pullId);
  return CANCEL_PULL_SIZE;
}

/** Decodes a CANCEL_PULL body (framing stripped) into `view`. */
export function decodeCancelPull(
  bytes: Uint8Array,
  offset: number,
  length: number,
  view: CancelPullView,
): DecodeReason {
  if (length < CANCEL_PULL_BODY_SIZE) return DecodeReason.Truncated;
  if (length > CANCEL_PULL_BODY_SIZE) return DecodeReason.TrailingBytes;
  view.senderTransferIdHi = readU32(bytes, offset);
  view.senderTransferIdLo = readU32(bytes, offset + 4);
  view.pullId = readU32(bytes, offset + 8);
  return cancelPullReason(view);
}
