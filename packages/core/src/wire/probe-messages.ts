/**
 * PROBE / PROBE_RESPONSE (liveness and RTT while work is outstanding and the peer is quiet; same
 * layout, the response echoes both fields) and PADDING (zero bytes that fill a datagram, e.g. to
 * probe the path MTU).
 */
import { assert } from '../assert.js';
import { allZero, isU32Value, readU32, writeU16, writeU32, zeroBytes } from './bytes.js';
import { ENCODE_NO_ROOM, MESSAGE_BODY_SIZE_MAX, MESSAGE_HEADER_SIZE, MessageType } from './constants.js';
import { assertEncodable, DecodeReason } from './decode-result.js';

/** Body bytes of a PROBE or PROBE_RESPONSE. */
export const PROBE_BODY_SIZE = 8;
/** Wire size of a PROBE or PROBE_RESPONSE (framing included). */
export const PROBE_SIZE = MESSAGE_HEADER_SIZE + PROBE_BODY_SIZE;

function checkWindow(out: Uint8Array, offset: number, end: number): void {
  assert(offset >= 0 && offset <= end && end <= out.length, 'encode window out of bounds');
}

/** A PROBE or PROBE_RESPONSE. spec: protocol.md#probe, protocol.md#probe-response */
export class ProbeView {
  /** Chosen by the prober (u32); echoed. */
  probeId: number;
  /** The prober's clock when sending, microseconds modulo 2^32; echoed unchanged. */
  timestampUs: number;

  constructor() {
    this.probeId = 0;
    this.timestampUs = 0;
  }
}

/** Returns the first rule the fields break, or Ok. */
export function probeReason(view: ProbeView): DecodeReason {
  if (!isU32Value(view.probeId) || !isU32Value(view.timestampUs)) return DecodeReason.ValueOutOfRange;
  return DecodeReason.Ok;
}

function encodeProbeOf(type: number, out: Uint8Array, offset: number, end: number, view: ProbeView): number {
  checkWindow(out, offset, end);
  assertEncodable(probeReason(view), type === MessageType.Probe ? 'PROBE' : 'PROBE_RESPONSE');
  if (offset + PROBE_SIZE > end) return ENCODE_NO_ROOM;
  out[offset] = type;
  writeU16(out, offset + 1, PROBE_BODY_SIZE);
  writeU32(out, offset + 3, view.probeId);
  writeU32(out, offset + 7, view.timestampUs);
  return PROBE_SIZE;
}

/** Encodes a PROBE (framing included). Returns 11 or {@link ENCODE_NO_ROOM}. */
export function encodeProbe(out: Uint8Array, offset: number, end: number, view: ProbeView): number {
  return encodeProbeOf(MessageType.Probe, out, offset, end, view);
}

/** Encodes a PROBE_RESPONSE (framing included). Returns 11 or {@link ENCODE_NO_ROOM}. */
export function encodeProbeResponse(out: Uint8Array, offset: number, end: number, view: ProbeView): number {
  return encodeProbeOf(MessageType.ProbeResponse, out, offset, end, view);
}

/** Decodes a PROBE or PROBE_RESPONSE body (framing stripped) into `view`. */
export function decodeProbe(bytes: Uint8Array, offset: number, length: number, view: ProbeView): DecodeReason {
  if (length < PROBE_BODY_SIZE) return DecodeReason.Truncated;
  if (length > PROBE_BODY_SIZE) return DecodeReason.TrailingBytes;
  view.probeId = readU32(bytes, offset);
  view.timestampUs = readU32(bytes, offset + 4);
  return DecodeReason.Ok;
}

/** Wire size of a PADDING message with a body of `bodyLength` zero bytes (3 + bodyLength). */
export function paddingSize(bodyLength: number): number {
  return MESSAGE_HEADER_SIZE + bodyLength;
}

/**
 * Encodes a PADDING message whose body is `bodyLength` zero bytes (so it occupies 3 + bodyLength
 * bytes). Returns the bytes written or {@link ENCODE_NO_ROOM}. spec: protocol.md#padding
 */
export function encodePadding(out: Uint8Array, offset: number, end: number, bodyLength: number): number {
  checkWindow(out, offset, end);
  assert(
    Number.isInteger(bodyLength) && bodyLength >= 0 && bodyLength <= MESSAGE_BODY_SIZE_MAX,
    'padding length out of range',
  );
  const size = paddingSize(bodyLength);
  if (offset + size > end) return ENCODE_NO_ROOM;
  out[offset] = MessageType.Padding;
  writeU16(out, offset + 1, bodyLength);
  zeroBytes(out, offset + MESSAGE_HEADER_SIZE, bodyLength);
  return size;
}

/** Checks a PADDING body (framing stripped): every byte must be zero. spec: protocol.md#padding */
export function decodePadding(bytes: Uint8Array, offset: number, length: number): DecodeReason {
  return allZero(bytes, offset, length) ? DecodeReason.Ok : DecodeReason.PaddingNotZero;
}
