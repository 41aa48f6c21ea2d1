/**
 * Message framing inside a decrypted CONTROL or SECRET_CONTROL body: `type u8 | length u16 |
 * body[length]`, repeated to the end of the body. The iterator checks the framing and which types
 * the datagram kind may carry; the per-message decoders check the bodies. One iterator is
 * allocated per worker and reset per datagram.
 *
 * spec: protocol.md#message-framing
 */
import { assert } from '../assert.js';
import { EMPTY_BYTES, readU16, writeU16 } from './bytes.js';
import { DatagramKind, ENCODE_NO_ROOM, MESSAGE_BODY_SIZE_MAX, MESSAGE_HEADER_SIZE, MessageType } from './constants.js';
import { DecodeReason } from './decode-result.js';

/** Whether `type` is a message type code v1 defines (framed or not). spec: protocol.md#messages */
export function isKnownMessageType(type: number): boolean {
  return (type >= MessageType.Padding && type <= MessageType.StreamCloseAck) || (type >= 0x20 && type <= 0x22);
}

/**
 * Whether a datagram of kind `datagramKind` may carry a framed message of type `type`.
 * CONTROL: PADDING, 0x01-0x03, 0x05-0x0D. SECRET_CONTROL: PADDING, RETIRE_CONTROL_KEY,
 * RETIRE_DATA_KEY. DATA_CHUNKS (0x04) and UNKNOWN_PATH_SECRET (0x22) are never framed.
 *
 * spec: protocol.md#message-placement
 */
export function isMessageAllowed(datagramKind: number, type: number): boolean {
  if (type === MessageType.Padding)
    return datagramKind === DatagramKind.Control || datagramKind === DatagramKind.SecretControl;
  if (datagramKind === DatagramKind.Control) {
    return type >= MessageType.TransferNotify && type <= MessageType.StreamCloseAck && type !== MessageType.DataChunks;
  }
  if (datagramKind === DatagramKind.SecretControl) {
    return type === MessageType.RetireControlKey || type === MessageType.RetireDataKey;
  }
  return false;
}

/**
 * Walks the framed messages of a decrypted body. Usage:
 * ```
 * if (it.reset(body, offset, length, DatagramKind.Control) !== DecodeReason.Ok) reject(...);
 * while (it.hasNext()) {
 *   const reason = it.next();
 *   if (reason !== DecodeReason.Ok) { reject(reason); break; }
 *   switch (it.type) { ... decode body it.bodyOffset / it.bodyLength ... }
 * }
 * ```
 * After a rejection `hasNext()` is false. A body must hold at least one message.
 */
export class MessageIterator {
  /** Type of the message `next()` produced. */
  type: number;
  /** Offset of that message's body in the bytes passed to `reset`. */
  bodyOffset: number;
  /** Length of that message's body. */
  bodyLength: number;
  private bytes: Uint8Array;
  private cursor: number;
  private end: number;
  private datagramKind: number;

  constructor() {
    this.type = 0;
    this.bodyOffset = 0;
    this.bodyLength = 0;
    this.bytes = EMPTY_BYTES;
    this.cursor = 0;
    this.end = 0;
    this.datagramKind = DatagramKind.Control;
  }

  /**
   * Starts iterating over `bytes[offset..offset+length)`, the decrypted body of a datagram of kind
   * `datagramKind` (CONTROL or SECRET_CONTROL). Returns EmptyBody when `length` is 0.
   */
  reset(bytes: Uint8Array, offset: number, length: number, datagramKind: number): DecodeReason {
    assert(
      datagramKind === DatagramKind.Control || datagramKind === DatagramKind.SecretControl,
      'message iterator needs a control datagram kind',
    );
    assert(offset >= 0 && length >= 0 && offset + length <= bytes.length, 'message body out of bounds');
    this.bytes = bytes;
    this.datagramKind = datagramKind;
    this.type = 0;
    this.bodyOffset = offset;
    this.bodyLength = 0;
    this.cursor = offset;
    this.end = offset + length;
    return length === 0 ? DecodeReason.EmptyBody : DecodeReason.Ok;
  }

  /** Whether another message (or a rejection) is pending. */
  hasNext(): boolean {
    return this.cursor < this.end;
  }

  /**
   * Reads the next message's framing: on Ok, `type`, `bodyOffset` and `bodyLength` describe it.
   * Rejects: Truncated (fewer than 3 bytes left, or the length runs past the body),
   * UnknownMessageType, MessageNotAllowed (a known type this datagram kind may not carry).
   */
  next(): DecodeReason {
    const bytes = this.bytes;
    const at = this.cursor;
    const remaining = this.end - at;
    if (remaining < MESSAGE_HEADER_SIZE) return this.fail(DecodeReason.Truncated);
    const type = bytes[at] as number;
    if (!isKnownMessageType(type)) return this.fail(DecodeReason.UnknownMessageType);
    if (!isMessageAllowed(this.datagramKind, type)) return this.fail(DecodeReason.MessageNotAllowed);
    const length = readU16(bytes, at + 1);
    if (length > remaining - MESSAGE_HEADER_SIZE) return this.fail(DecodeReason.Truncated);
    this.type = type;
    this.bodyOffset = at + MESSAGE_HEADER_SIZE;
    this.bodyLength = length;
    this.cursor = at + MESSAGE_HEADER_SIZE + length;
    return DecodeReason.Ok;
  }

  private fail(reason: DecodeReason): DecodeReason {
    this.cursor = this.end;
    return reason;
  }
}

/**
 * Writes a message's framing (type, body length) at `offset`. Returns 3, or {@link ENCODE_NO_ROOM}
 * when the framing plus `bodyLength` bytes do not fit before `end`. Message encoders use it; it is
 * exported for packers that write a body themselves.
 */
export function encodeMessageHeader(
  out: Uint8Array,
  offset: number,
  end: number,
  type: number,
  bodyLength: number,
): number {
  assert(offset >= 0 && offset <= end && end <= out.length, 'encode window out of bounds');
  assert(isKnownMessageType(type), 'unknown message type');
  assert(
    bodyLength >= 0 && bodyLength <= MESSAGE_BODY_SIZE_MAX && Number.isInteger(bodyLength),
    'message body too long',
  );
  if (offset + MESSAGE_HEADER_SIZE + bodyLength > end) return ENCODE_NO_ROOM;
  out[offset] = type;
  writeU16(out, offset + 1, bodyLength);
  return MESSAGE_HEADER_SIZE;
}
