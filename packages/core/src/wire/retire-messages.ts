/**
 * Key retirement, carried only in SECRET_CONTROL datagrams: RETIRE_CONTROL_KEY (the peer may drop
 * one worker's control keys below a key id) and RETIRE_DATA_KEY (the peer may drop cached data keys
 * of these buffers).
 */
import { assert } from '../assert.js';
import { isU16, isU32Value, readU16, readU32, writeU16, writeU32 } from './bytes.js';
import { ENCODE_NO_ROOM, MESSAGE_HEADER_SIZE, MessageType, RETIRE_DATA_KEYS_MAX } from './constants.js';
import { assertEncodable, DecodeReason } from './decode-result.js';

/** Body bytes of a RETIRE_CONTROL_KEY. */
export const RETIRE_CONTROL_KEY_BODY_SIZE = 6;
/** Wire size of a RETIRE_CONTROL_KEY (framing included). */
export const RETIRE_CONTROL_KEY_SIZE = MESSAGE_HEADER_SIZE + RETIRE_CONTROL_KEY_BODY_SIZE;

function checkWindow(out: Uint8Array, offset: number, end: number): void {
  assert(offset >= 0 && offset <= end && end <= out.length, 'encode window out of bounds');
}

/** A RETIRE_CONTROL_KEY. spec: protocol.md#retire-control-key */
export class RetireControlKeyView {
  /** The worker whose sending keys are retired (u16). */
  workerId: number;
  /** Every key id below this one (u32, ≥ 1) is retired. */
  keyIdBelow: number;

  constructor() {
    this.workerId = 0;
    this.keyIdBelow = 0;
  }
}

/** Returns the first rule the fields break, or Ok. */
export function retireControlKeyReason(view: RetireControlKeyView): DecodeReason {
  if (!isU16(view.workerId) || !isU32Value(view.keyIdBelow)) return DecodeReason.ValueOutOfRange;
  if (view.keyIdBelow === 0) return DecodeReason.ZeroValue;
  return DecodeReason.Ok;
}

/** Encodes a RETIRE_CONTROL_KEY (framing included). Returns 9 or {@link ENCODE_NO_ROOM}. */
export function encodeRetireControlKey(
  out: Uint8Array,
  offset: number,
  end: number,
  view: RetireControlKeyView,
): number {
  checkWindow(out, offset, end);
  assertEncodable(retireControlKeyReason(view), 'RETIRE_CONTROL_KEY');
  if (offset + RETIRE_CONTROL_KEY_SIZE > end) return ENCODE_NO_ROOM;
  out[offset] = MessageType.RetireControlKey;
  writeU16(out, offset + 1, RETIRE_CONTROL_KEY_BODY_SIZE);
  writeU16(out, offset + 3, view.workerId);
  writeU32(out, offset + 5, view.keyIdBelow);
  return RETIRE_CONTROL_KEY_SIZE;
}

/** Decodes a RETIRE_CONTROL_KEY body (framing stripped) into `view`. */
export function decodeRetireControlKey(
  bytes: Uint8Array,
  offset: number,
  length: number,
  view: RetireControlKeyView,
): DecodeReason {
  if (length < RETIRE_CONTROL_KEY_BODY_SIZE) return DecodeReason.Truncated;
  if (length > RETIRE_CONTROL_KEY_BODY_SIZE) return DecodeReason.TrailingBytes;
  view.workerId = readU16(bytes, offset);
  view.keyIdBelow = readU32(bytes, offset + 2);
  return retireControlKeyReason(view);
}

/** A RETIRE_DATA_KEY: the sender's buffers whose data keys the peer may drop. spec: protocol.md#retire-data-key */
export class RetireDataKeyView {
  /** Number of buffer ids (1..RETIRE_DATA_KEYS_MAX). */
  count: number;
  /** Buffer ids, high halves (each id non-zero). */
  readonly bufferIdHi: Uint32Array;
  /** Buffer ids, low halves. */
  readonly bufferIdLo: Uint32Array;

  constructor() {
    this.count = 0;
    this.bufferIdHi = new Uint32Array(RETIRE_DATA_KEYS_MAX);
    this.bufferIdLo = new Uint32Array(RETIRE_DATA_KEYS_MAX);
  }
}

/** Wire size (framing included) of a RETIRE_DATA_KEY with `count` buffer ids. */
export function retireDataKeySize(count: number): number {
  return MESSAGE_HEADER_SIZE + 1 + 8 * count;
}

/** Returns the first rule the fields break, or Ok. */
export function retireDataKeyReason(view: RetireDataKeyView): DecodeReason {
  if (!Number.isInteger(view.count) || view.count < 1 || view.count > RETIRE_DATA_KEYS_MAX) {
    return DecodeReason.CountOutOfRange;
  }
  for (let i = 0; i < view.count; i++) {
    if (view.bufferIdHi[i] === 0 && view.bufferIdLo[i] === 0) return DecodeReason.ZeroValue;
  }
  return DecodeReason.Ok;
}

/** Encodes a RETIRE_DATA_KEY (framing included). Returns the bytes written or {@link ENCODE_NO_ROOM}. */
export function encodeRetireDataKey(out: Uint8Array, offset: number, end: number, view: RetireDataKeyView): number {
  checkWindow(out, offset, end);
  assertEncodable(retireDataKeyReason(view), 'RETIRE_DATA_KEY');
  const size = retireDataKeySize(view.count);
  if (offset + size > end) return ENCODE_NO_ROOM;
  out[offset] = MessageType.RetireDataKey;
  writeU16(out, offset + 1, size - MESSAGE_HEADER_SIZE);
  out[offset + 3] = view.count;
  let at = offset + 4;
  for (let i = 0; i < view.count; i++) {
    writeU32(out, at, view.bufferIdHi[i] as number);
    writeU32(out, at + 4, view.bufferIdLo[i] as number);
    at += 8;
  }
  return size;
}

/** Decodes a RETIRE_DATA_KEY body (framing stripped) into `view`. */
export function decodeRetireDataKey(
  bytes: Uint8Array,
  offset: number,
  length: number,
  view: RetireDataKeyView,
): DecodeReason {
  if (length < 1) return DecodeReason.Truncated;
  const count = bytes[offset] as number;
  if (count < 1 || count > RETIRE_DATA_KEYS_MAX) return DecodeReason.CountOutOfRange;
  const expected = 1 + 8 * count;
  if (length < expected) return DecodeReason.Truncated;
  if (length > expected) return DecodeReason.TrailingBytes;
  view.count = count;
  let at = offset + 1;
  for (let i = 0; i < count; i++) {
    view.bufferIdHi[i] = readU32(bytes, at);
    view.bufferIdLo[i] = readU32(bytes, at + 4);
    at += 8;
  }
  return retireDataKeyReason(view);
}
