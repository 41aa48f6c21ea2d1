/**
 * Stream lifecycle: STREAM_CLOSE (one side ends its direction of a stream, or aborts the stream,
 * with a status and the number of items it sent) and STREAM_CLOSE_ACK. A stream id lives in the
 * namespace of the side that opened the stream; the OPENER flag says whether that is the message's
 * sender.
 */
import { assert } from '../assert.js';
import { isU8, isU16, isU32Value, isU48, readU16, readU32, readU48, writeU16, writeU32, writeU48 } from './bytes.js';
import { ENCODE_NO_ROOM, MESSAGE_HEADER_SIZE, MessageType, STREAM_FLAGS_RESERVED } from './constants.js';
import { assertEncodable, DecodeReason } from './decode-result.js';
import { isKnownStatusCode } from './transfer-messages.js';

/** Body bytes of a STREAM_CLOSE. */
export const STREAM_CLOSE_BODY_SIZE = 17;
/** Wire size of a STREAM_CLOSE (framing included). */
export const STREAM_CLOSE_SIZE = MESSAGE_HEADER_SIZE + STREAM_CLOSE_BODY_SIZE;
/** Body bytes of a STREAM_CLOSE_ACK. */
export const STREAM_CLOSE_ACK_BODY_SIZE = 9;
/** Wire size of a STREAM_CLOSE_ACK (framing included). */
export const STREAM_CLOSE_ACK_SIZE = MESSAGE_HEADER_SIZE + STREAM_CLOSE_ACK_BODY_SIZE;

function checkWindow(out: Uint8Array, offset: number, end: number): void {
  assert(offset >= 0 && offset <= end && end <= out.length, 'encode window out of bounds');
}

/** A STREAM_CLOSE. spec: protocol.md#stream-close */
export class StreamCloseView {
  /** The stream id (non-zero), high half. */
  streamIdHi: number;
  /** Low half. */
  streamIdLo: number;
  /** {@link StreamFlag} bits. */
  flags: number;
  /** OK: the sender's direction ended normally; anything else aborts the whole stream. */
  statusCode: number;
  /** Number of items the sender sent on the stream (u48): item indexes 0..finalItemCount-1. */
  finalItemCount: number;

  constructor() {
    this.streamIdHi = 0;
    this.streamIdLo = 0;
    this.flags = 0;
    this.statusCode = 0;
    this.finalItemCount = 0;
  }
}

/** Returns the first rule the fields break, or Ok. */
export function streamCloseReason(view: StreamCloseView): DecodeReason {
  if (
    !isU32Value(view.streamIdHi) ||
    !isU32Value(view.streamIdLo) ||
    !isU8(view.flags) ||
    !isU16(view.statusCode) ||
    !isU48(view.finalItemCount)
  ) {
    return DecodeReason.ValueOutOfRange;
  }
  if (view.streamIdHi === 0 && view.streamIdLo === 0) return DecodeReason.ZeroValue;
  if ((view.flags & STREAM_FLAGS_RESERVED) !== 0) return DecodeReason.ReservedBitsSet;
  if (!isKnownStatusCode(view.statusCode)) return DecodeReason.UnknownStatusCode;
  return DecodeReason.Ok;
}

/** Encodes a STREAM_CLOSE (framing included). Returns 20 or {@link ENCODE_NO_ROOM}. */
export function encodeStreamClose(out: Uint8Array, offset: number, end: number, view: StreamCloseView): number {
  checkWindow(out, offset, end);
  assertEncodable(streamCloseReason(view), 'STREAM_CLOSE');
  if (offset + STREAM_CLOSE_SIZE > end) return ENCODE_NO_ROOM;
  out[offset] = MessageType.StreamClose;
  writeU16(out, offset + 1, STREAM_CLOSE_BODY_SIZE);
  const at = offset + MESSAGE_HEADER_SIZE;
  writeU32(out, at, view.streamIdHi);
  writeU32(out, at + 4, view.streamIdLo);
  out[at + 8] = view.flags;
  writeU16(out, at + 9, view.statusCode);
  writeU48(out, at + 11, view.finalItemCount);
  return STREAM_CLOSE_SIZE;
}

/** Decodes a STREAM_CLOSE body (framing stripped) into `view`. */
export function decodeStreamClose(
  bytes: Uint8Array,
  offset: number,
  length: number,
  view: StreamCloseView,
): DecodeReason {
  if (length < STREAM_CLOSE_BODY_SIZE) return DecodeReason.Truncated;
  if (length > STREAM_CLOSE_BODY_SIZE) return DecodeReason.TrailingBytes;
  view.streamIdHi = readU32(bytes, offset);
  view.streamIdLo = readU32(bytes, offset + 4);
  view.flags = bytes[offset + 8] as number;
  view.statusCode = readU16(bytes, offset + 9);
  view.finalItemCount = readU48(bytes, offset + 11);
  return streamCloseReason(view);
}

/** A STREAM_CLOSE_ACK. spec: protocol.md#stream-close-ack */
export class StreamCloseAckView {
  /** The stream id (non-zero), high half. */
  streamIdHi: number;
  /** Low half. */
  streamIdLo: number;
  /** {@link StreamFlag} bits (OPENER: the sender of this ACK opened the stream). */
  flags: number;

  constructor() {
    this.streamIdHi = 0;
    this.streamIdLo = 0;
    this.flags = 0;
  }
}

/** Returns the first rule the fields break, or Ok. */
export function streamCloseAckReason(view: StreamCloseAckView): DecodeReason {
  if (!isU32Value(view.streamIdHi) || !isU32Value(view.streamIdLo) || !isU8(view.flags)) {
    return DecodeReason.ValueOutOfRange;
  }
  if (view.streamIdHi === 0 && view.streamIdLo === 0) return DecodeReason.ZeroValue;
  if ((view.flags & STREAM_FLAGS_RESERVED) !== 0) return DecodeReason.ReservedBitsSet;
  return DecodeReason.Ok;
}

/** Encodes a STREAM_CLOSE_ACK (framing included). Returns 12 or {@link ENCODE_NO_ROOM}. */
export function encodeStreamCloseAck(out: Uint8Array, offset: number, end: number, view: StreamCloseAckView): number {
  checkWindow(out, offset, end);
  assertEncodable(streamCloseAckReason(view), 'STREAM_CLOSE_ACK');
  if (offset + STREAM_CLOSE_ACK_SIZE > end) return ENCODE_NO_ROOM;
  out[offset] = MessageType.StreamCloseAck;
  writeU16(out, offset + 1, STREAM_CLOSE_ACK_BODY_SIZE);
  const at = offset + MESSAGE_HEADER_SIZE;
  writeU32(out, at, view.streamIdHi);
  writeU32(out, at + 4, view.streamIdLo);
  out[at + 8] = view.flags;
  return STREAM_CLOSE_ACK_SIZE;
}

/** Decodes a STREAM_CLOSE_ACK body (framing stripped) into `view`. */
export function decodeStreamCloseAck(
  bytes: Uint8Array,
  offset: number,
  length: number,
  view: StreamCloseAckView,
): DecodeReason {
  if (length < STREAM_CLOSE_ACK_BODY_SIZE) return DecodeReason.Truncated;
  if (length > STREAM_CLOSE_ACK_BODY_SIZE) return DecodeReason.TrailingBytes;
  view.streamIdHi = readU32(bytes, offset);
  view.streamIdLo = readU32(bytes, offset + 4);
  view.flags = bytes[offset + 8] as number;
  return streamCloseAckReason(view);
}
