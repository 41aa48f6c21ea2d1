/**
 * TRANSFER_NOTIFY: a batch of 1..64 entries, each announcing one transfer (its ids, kind, priority,
 * flags, payload size, optional reply-to / stream / metadata / header, and either the inline payload
 * or a reference to a sealed buffer with its data key). Packers build a message entry by entry with
 * {@link beginTransferNotify} + {@link appendNotifyEntry}, sizing with {@link notifyEntrySize} first.
 *
 * spec: protocol.md#transfer-notify
 */
import { assert } from '../assert.js';
import {
  copyBytes,
  EMPTY_BYTES,
  isByteRange,
  isU8,
  isU16,
  isU32Value,
  isU48,
  readU16,
  readU32,
  readU48,
  writeU16,
  writeU32,
  writeU48,
} from './bytes.js';
import {
  DATA_IV_SIZE,
  DATA_KEY_SIZE,
  ENCODE_FULL,
  ENCODE_NO_ROOM,
  HEADER_SIZE_MAX,
  INLINE_SIZE_MAX,
  MESSAGE_BODY_SIZE_MAX,
  MESSAGE_HEADER_SIZE,
  MessageType,
  NOTIFY_ENTRIES_MAX,
  NOTIFY_FLAGS_RESERVED,
  NOTIFY_PRIORITY_MAX,
  NotifyFlag,
  RECORD_SIZE_LOG2_MAX,
  RECORD_SIZE_LOG2_MIN,
  SEALED_SIZE_MAX,
  TRANSFER_KIND_MAX,
  TransferKind,
  UNSCHEDULED_SIZE_MAX,
} from './constants.js';
import { assertEncodable, DecodeReason } from './decode-result.js';
import { sealedSizeOf } from './ranges.js';

/** Bytes of the fields every notify entry has (sequence, sender id, kind, priority, flags, size). */
export const NOTIFY_ENTRY_FIXED_SIZE = 26;
/** Bytes of the optional reply-to transfer id. */
export const NOTIFY_REPLY_TO_SIZE = 8;
/** Bytes of the optional stream id + stream item index. */
export const NOTIFY_STREAM_SIZE = 14;
/** Bytes of the optional metadata. */
export const NOTIFY_METADATA_SIZE = 4;
/** Bytes of a buffer reference: buffer id, record size log2, data key, data IV, extension length. */
export const NOTIFY_BUFFER_REFERENCE_SIZE = 8 + 1 + DATA_KEY_SIZE + DATA_IV_SIZE + 2;
/** Bytes of a TRANSFER_NOTIFY before its entries: framing (3) + count (1). */
export const TRANSFER_NOTIFY_OVERHEAD = MESSAGE_HEADER_SIZE + 1;

/**
 * One notify entry. As decoder output, the byte references (`headerBytes`, `inlineBytes`,
 * `dataKeyBytes`, `dataIvBytes`) point into the datagram and fields that the flags say are absent
 * are zero / empty. As encoder input the same rules hold (absent fields must be zero).
 */
export class NotifyEntryView {
  /** Notify sequence, high 32 bits (per path secret and sending worker; the replay-window key). */
  notifySequenceHi: number;
  /** Notify sequence, low 32 bits. */
  notifySequenceLo: number;
  /** The sender's local transfer id, high half (never 0 as a whole). */
  senderTransferIdHi: number;
  /** The sender's local transfer id, low half. */
  senderTransferIdLo: number;
  /** A {@link TransferKind}. */
  kind: number;
  /** 0 (highest) .. 7 (lowest). */
  priority: number;
  /** {@link NotifyFlag} bits. */
  flags: number;
  /** Total payload size P in bytes (u48); for inline payloads also the inline length. */
  payloadSize: number;
  /** With HAS_REPLY_TO: the peer's transfer id this transfer answers, high half. */
  replyToTransferIdHi: number;
  /** With HAS_REPLY_TO: low half. */
  replyToTransferIdLo: number;
  /** With HAS_STREAM: the stream id (in the opener's namespace), high half. */
  streamIdHi: number;
  /** With HAS_STREAM: low half. */
  streamIdLo: number;
  /** With HAS_STREAM: index of this item among the sender's items on the stream (u48, from 0). */
  streamItemIndex: number;
  /** With HAS_METADATA: application metadata (u32, e.g. a method id). */
  metadata: number;
  /** With HAS_HEADER: bytes holding the application header. */
  headerBytes: Uint8Array;
  /** With HAS_HEADER: offset of the header in `headerBytes`. */
  headerOffset: number;
  /** With HAS_HEADER: header length (0..HEADER_SIZE_MAX; 0 = present but empty). */
  headerLength: number;
  /** With INLINE: bytes holding the payload (`payloadSize` bytes). */
  inlineBytes: Uint8Array;
  /** With INLINE: offset of the payload in `inlineBytes`. */
  inlineOffset: number;
  /** Without INLINE: the sender's buffer id, high half (never 0 as a whole). */
  bufferIdHi: number;
  /** Without INLINE: low half. */
  bufferIdLo: number;
  /** Without INLINE: log2 of the record size (10..20). */
  recordSizeLog2: number;
  /** Without INLINE: bytes holding the 32-byte data key. */
  dataKeyBytes: Uint8Array;
  /** Without INLINE: offset of the data key. */
  dataKeyOffset: number;
  /** Without INLINE: bytes holding the 12-byte data IV. */
  dataIvBytes: Uint8Array;
  /** Without INLINE: offset of the data IV. */
  dataIvOffset: number;

  constructor() {
    this.notifySequenceHi = 0;
    this.notifySequenceLo = 0;
    this.senderTransferIdHi = 0;
    this.senderTransferIdLo = 0;
    this.kind = TransferKind.UnaryRequest;
    this.priority = 0;
    this.flags = 0;
    this.payloadSize = 0;
    this.replyToTransferIdHi = 0;
    this.replyToTransferIdLo = 0;
    this.streamIdHi = 0;
    this.streamIdLo = 0;
    this.streamItemIndex = 0;
    this.metadata = 0;
    this.headerBytes = EMPTY_BYTES;
    this.headerOffset = 0;
    this.headerLength = 0;
    this.inlineBytes = EMPTY_BYTES;
    this.inlineOffset = 0;
    this.bufferIdHi = 0;
    this.bufferIdLo = 0;
    this.recordSizeLog2 = 0;
    this.dataKeyBytes = EMPTY_BYTES;
    this.dataKeyOffset = 0;
    this.dataIvBytes = EMPTY_BYTES;
    this.dataIvOffset = 0;
  }

  /** Resets every field to its initial value (zero / empty), e.g. before filling it for encoding. */
  clear(): void {
    this.notifySequenceHi = 0;
    this.notifySequenceLo = 0;
    this.senderTransferIdHi = 0;
    this.senderTransferIdLo = 0;
    this.kind = TransferKind.UnaryRequest;
    this.priority = 0;
    this.flags = 0;
    this.payloadSize = 0;
    clearOptional(this);
  }
}

function clearOptional(entry: NotifyEntryView): void {
  entry.replyToTransferIdHi = 0;
  entry.replyToTransferIdLo = 0;
  entry.streamIdHi = 0;
  entry.streamIdLo = 0;
  entry.streamItemIndex = 0;
  entry.metadata = 0;
  entry.headerBytes = EMPTY_BYTES;
  entry.headerOffset = 0;
  entry.headerLength = 0;
  entry.inlineBytes = EMPTY_BYTES;
  entry.inlineOffset = 0;
  entry.bufferIdHi = 0;
  entry.bufferIdLo = 0;
  entry.recordSizeLog2 = 0;
  entry.dataKeyBytes = EMPTY_BYTES;
  entry.dataKeyOffset = 0;
  entry.dataIvBytes = EMPTY_BYTES;
  entry.dataIvOffset = 0;
}

/** A TRANSFER_NOTIFY: `count` entries in `entries[0..count)` (all 64 views are preallocated). */
export class TransferNotifyView {
  /** Number of valid entries (1..NOTIFY_ENTRIES_MAX once decoded). */
  count: number;
  /** NOTIFY_ENTRIES_MAX reusable entry views. */
  readonly entries: readonly NotifyEntryView[];

  constructor() {
    this.count = 0;
    const entries: NotifyEntryView[] = [];
    for (let i = 0; i < NOTIFY_ENTRIES_MAX; i++) entries.push(new NotifyEntryView());
    this.entries = entries;
  }
}

/**
 * Wire size of a notify entry with these flags, header length and payload size — what a packer
 * needs to decide whether the entry fits before building it.
 */
export function notifyEntrySizeFor(flags: number, headerLength: number, payloadSize: number): number {
  let size = NOTIFY_ENTRY_FIXED_SIZE;
  if ((flags & NotifyFlag.HasReplyTo) !== 0) size += NOTIFY_REPLY_TO_SIZE;
  if ((flags & NotifyFlag.HasStream) !== 0) size += NOTIFY_STREAM_SIZE;
  if ((flags & NotifyFlag.HasMetadata) !== 0) size += NOTIFY_METADATA_SIZE;
  if ((flags & NotifyFlag.HasHeader) !== 0) size += 2 + headerLength;
  size += (flags & NotifyFlag.Inline) !== 0 ? payloadSize : NOTIFY_BUFFER_REFERENCE_SIZE;
  return size;
}

/** Wire size of `entry`. */
export function notifyEntrySize(entry: NotifyEntryView): number {
  return notifyEntrySizeFor(entry.flags, entry.headerLength, entry.payloadSize);
}

/** Wire size of a whole TRANSFER_NOTIFY (framing included). */
export function transferNotifySize(view: TransferNotifyView): number {
  let size = TRANSFER_NOTIFY_OVERHEAD;
  for (let i = 0; i < view.count; i++) size += notifyEntrySize(view.entries[i] as NotifyEntryView);
  return size;
}

/**
 * The kind/flag combinations v1 allows: INLINE excludes AUTH_ONLY; END_OF_STREAM needs HAS_STREAM;
 * UNARY_REQUEST has neither stream nor reply-to; RESPONSE has a reply-to; STREAM_REQUEST_ITEM has a
 * stream and no reply-to; STREAM_RESPONSE_ITEM has a stream; BULK has no stream.
 * spec: protocol.md#transfer-kinds
 */
function flagsFitKind(kind: number, flags: number): boolean {
  if ((flags & (NotifyFlag.Inline | NotifyFlag.AuthOnly)) === (NotifyFlag.Inline | NotifyFlag.AuthOnly)) return false;
  const hasStream = (flags & NotifyFlag.HasStream) !== 0;
  const hasReplyTo = (flags & NotifyFlag.HasReplyTo) !== 0;
  if ((flags & NotifyFlag.EndOfStream) !== 0 && !hasStream) return false;
  switch (kind) {
    case TransferKind.UnaryRequest:
      return !hasStream && !hasReplyTo;
    case TransferKind.Response:
      return hasReplyTo;
    case TransferKind.StreamRequestItem:
      return hasStream && !hasReplyTo;
    case TransferKind.StreamResponseItem:
      return hasStream;
    default:
      return !hasStream;
  }
}

/**
 * The wire rules of protocol.md#validation for a notify entry's numeric fields, assuming every
 * field already fits its width (true for anything a decoder read): non-zero ids, known kind,
 * priority, reserved flag bits, kind/flag combinations, header and payload limits, record size,
 * sealed size. Returns the first rule broken, or Ok. The decoder applies exactly this.
 */
export function notifyEntryRulesReason(entry: NotifyEntryView): DecodeReason {
  const flags = entry.flags;
  if (entry.senderTransferIdHi === 0 && entry.senderTransferIdLo === 0) return DecodeReason.ZeroValue;
  if (entry.kind < TransferKind.UnaryRequest || entry.kind > TRANSFER_KIND_MAX) return DecodeReason.UnknownTransferKind;
  if (entry.priority > NOTIFY_PRIORITY_MAX) return DecodeReason.PriorityOutOfRange;
  if ((flags & NOTIFY_FLAGS_RESERVED) !== 0) return DecodeReason.ReservedBitsSet;
  if (!flagsFitKind(entry.kind, flags)) return DecodeReason.FlagConflict;
  if ((flags & NotifyFlag.HasReplyTo) !== 0 && entry.replyToTransferIdHi === 0 && entry.replyToTransferIdLo === 0) {
    return DecodeReason.ZeroValue;
  }
  if ((flags & NotifyFlag.HasStream) !== 0 && entry.streamIdHi === 0 && entry.streamIdLo === 0) {
    return DecodeReason.ZeroValue;
  }
  if (entry.headerLength > HEADER_SIZE_MAX) return DecodeReason.LengthOutOfRange;
  if ((flags & NotifyFlag.Inline) !== 0) {
    if ((flags & NotifyFlag.Unscheduled) !== 0) return DecodeReason.FlagConflict;
    if (entry.payloadSize > INLINE_SIZE_MAX) return DecodeReason.LengthOutOfRange;
    return DecodeReason.Ok;
  }
  if (entry.payloadSize === 0) return DecodeReason.LengthOutOfRange;
  if (entry.bufferIdHi === 0 && entry.bufferIdLo === 0) return DecodeReason.ZeroValue;
  if (entry.recordSizeLog2 < RECORD_SIZE_LOG2_MIN || entry.recordSizeLog2 > RECORD_SIZE_LOG2_MAX) {
    return DecodeReason.RecordSizeOutOfRange;
  }
  const sealed = sealedSizeOf(entry.payloadSize, entry.recordSizeLog2);
  if (sealed > SEALED_SIZE_MAX) return DecodeReason.PayloadTooLarge;
  // spec: protocol.md#unscheduled — the unsolicited burst is bounded
  if ((flags & NotifyFlag.Unscheduled) !== 0 && sealed > UNSCHEDULED_SIZE_MAX) return DecodeReason.LengthOutOfRange;
  return DecodeReason.Ok;
}

/**
 * Everything an encoder requires of `entry`: each field fits its width, fields the flags mark
 * absent are zero / empty, byte references lie within their arrays, and then
 * {@link notifyEntryRulesReason}. Returns the first problem, or Ok.
 */
export function notifyEntryReason(entry: NotifyEntryView): DecodeReason {
  const flags = entry.flags;
  if (
    !isU32Value(entry.notifySequenceHi) ||
    !isU32Value(entry.notifySequenceLo) ||
    !isU32Value(entry.senderTransferIdHi) ||
    !isU32Value(entry.senderTransferIdLo) ||
    !isU8(entry.kind) ||
    !isU8(entry.priority) ||
    !isU16(flags) ||
    !isU48(entry.payloadSize) ||
    !isU32Value(entry.replyToTransferIdHi) ||
    !isU32Value(entry.replyToTransferIdLo) ||
    !isU32Value(entry.streamIdHi) ||
    !isU32Value(entry.streamIdLo) ||
    !isU48(entry.streamItemIndex) ||
    !isU32Value(entry.metadata) ||
    !isU16(entry.headerLength) ||
    !isU32Value(entry.bufferIdHi) ||
    !isU32Value(entry.bufferIdLo) ||
    !isU8(entry.recordSizeLog2)
  ) {
    return DecodeReason.ValueOutOfRange;
  }
  if ((flags & NotifyFlag.HasReplyTo) === 0 && (entry.replyToTransferIdHi !== 0 || entry.replyToTransferIdLo !== 0)) {
    return DecodeReason.ValueOutOfRange;
  }
  if (
    (flags & NotifyFlag.HasStream) === 0 &&
    (entry.streamIdHi !== 0 || entry.streamIdLo !== 0 || entry.streamItemIndex !== 0)
  ) {
    return DecodeReason.ValueOutOfRange;
  }
  if ((flags & NotifyFlag.HasMetadata) === 0 && entry.metadata !== 0) return DecodeReason.ValueOutOfRange;
  if ((flags & NotifyFlag.HasHeader) === 0 && entry.headerLength !== 0) return DecodeReason.ValueOutOfRange;
  if ((flags & NotifyFlag.HasHeader) !== 0 && !isByteRange(entry.headerBytes, entry.headerOffset, entry.headerLength)) {
    return DecodeReason.Truncated;
  }
  if ((flags & NotifyFlag.Inline) !== 0) {
    if (entry.bufferIdHi !== 0 || entry.bufferIdLo !== 0 || entry.recordSizeLog2 !== 0)
      return DecodeReason.ValueOutOfRange;
    if (
      entry.payloadSize <= INLINE_SIZE_MAX &&
      !isByteRange(entry.inlineBytes, entry.inlineOffset, entry.payloadSize)
    ) {
      return DecodeReason.Truncated;
    }
  } else {
    if (!isByteRange(entry.dataKeyBytes, entry.dataKeyOffset, DATA_KEY_SIZE)) return DecodeReason.Truncated;
    if (!isByteRange(entry.dataIvBytes, entry.dataIvOffset, DATA_IV_SIZE)) return DecodeReason.Truncated;
  }
  return notifyEntryRulesReason(entry);
}

/** Writes a validated entry at `at`; returns the bytes written. */
function writeNotifyEntry(out: Uint8Array, at: number, entry: NotifyEntryView): number {
  const start = at;
  const flags = entry.flags;
  writeU32(out, at, entry.notifySequenceHi);
  writeU32(out, at + 4, entry.notifySequenceLo);
  writeU32(out, at + 8, entry.senderTransferIdHi);
  writeU32(out, at + 12, entry.senderTransferIdLo);
  out[at + 16] = entry.kind;
  out[at + 17] = entry.priority;
  writeU16(out, at + 18, flags);
  writeU48(out, at + 20, entry.payloadSize);
  at += NOTIFY_ENTRY_FIXED_SIZE;
  if ((flags & NotifyFlag.HasReplyTo) !== 0) {
    writeU32(out, at, entry.replyToTransferIdHi);
    writeU32(out, at + 4, entry.replyToTransferIdLo);
    at += NOTIFY_REPLY_TO_SIZE;
  }
  if ((flags & NotifyFlag.HasStream) !== 0) {
    writeU32(out, at, entry.streamIdHi);
    writeU32(out, at + 4, entry.streamIdLo);
    writeU48(out, at + 8, entry.streamItemIndex);
    at += NOTIFY_STREAM_SIZE;
  }
  if ((flags & NotifyFlag.HasMetadata) !== 0) {
    writeU32(out, at, entry.metadata);
    at += NOTIFY_METADATA_SIZE;
  }
  if ((flags & NotifyFlag.HasHeader) !== 0) {
    writeU16(out, at, entry.headerLength);
    copyBytes(entry.headerBytes, entry.headerOffset, out, at + 2, entry.headerLength);
    at += 2 + entry.headerLength;
  }
  if ((flags & NotifyFlag.Inline) !== 0) {
    copyBytes(entry.inlineBytes, entry.inlineOffset, out, at, entry.payloadSize);
    at += entry.payloadSize;
  } else {
    writeU32(out, at, entry.bufferIdHi);
    writeU32(out, at + 4, entry.bufferIdLo);
    out[at + 8] = entry.recordSizeLog2;
    copyBytes(entry.dataKeyBytes, entry.dataKeyOffset, out, at + 9, DATA_KEY_SIZE);
    copyBytes(entry.dataIvBytes, entry.dataIvOffset, out, at + 9 + DATA_KEY_SIZE, DATA_IV_SIZE);
    writeU16(out, at + 9 + DATA_KEY_SIZE + DATA_IV_SIZE, 0); // extension length: none in v1
    at += NOTIFY_BUFFER_REFERENCE_SIZE;
  }
  return at - start;
}

/**
 * Starts an empty TRANSFER_NOTIFY at `offset` (framing + count 0; 4 bytes). Returns 4 or
 * {@link ENCODE_NO_ROOM}. A message with no entry is invalid on the wire: append at least one
 * entry, or discard the 4 bytes (move the write cursor back to `offset`).
 */
export function beginTransferNotify(out: Uint8Array, offset: number, end: number): number {
  assert(offset >= 0 && offset <= end && end <= out.length, 'encode window out of bounds');
  if (offset + TRANSFER_NOTIFY_OVERHEAD > end) return ENCODE_NO_ROOM;
  out[offset] = MessageType.TransferNotify;
  writeU16(out, offset + 1, 1);
  out[offset + 3] = 0;
  return TRANSFER_NOTIFY_OVERHEAD;
}

/**
 * Appends `entry` to the TRANSFER_NOTIFY begun at `messageOffset` (the entry goes right after the
 * message's current end; the message's length and count are updated). Returns the entry's size,
 * {@link ENCODE_FULL} when the message already holds NOTIFY_ENTRIES_MAX entries, or
 * {@link ENCODE_NO_ROOM} when the entry does not fit before `end` (or would make the body exceed
 * MESSAGE_BODY_SIZE_MAX). On a negative return nothing was written.
 */
export function appendNotifyEntry(out: Uint8Array, messageOffset: number, end: number, entry: NotifyEntryView): number {
  assert(
    messageOffset >= 0 && messageOffset + TRANSFER_NOTIFY_OVERHEAD <= end && end <= out.length,
    'encode window out of bounds',
  );
  assert(out[messageOffset] === MessageType.TransferNotify, 'not a TRANSFER_NOTIFY begun with beginTransferNotify');
  const bodyLength = readU16(out, messageOffset + 1);
  const count = out[messageOffset + 3] as number;
  assert(bodyLength >= 1 && messageOffset + MESSAGE_HEADER_SIZE + bodyLength <= end, 'TRANSFER_NOTIFY length corrupt');
  if (count >= NOTIFY_ENTRIES_MAX) return ENCODE_FULL;
  assertEncodable(notifyEntryReason(entry), 'TRANSFER_NOTIFY entry');
  const size = notifyEntrySize(entry);
  const at = messageOffset + MESSAGE_HEADER_SIZE + bodyLength;
  if (at + size > end || bodyLength + size > MESSAGE_BODY_SIZE_MAX) return ENCODE_NO_ROOM;
  const written = writeNotifyEntry(out, at, entry);
  assert(written === size, 'notify entry size estimate wrong');
  writeU16(out, messageOffset + 1, bodyLength + size);
  out[messageOffset + 3] = count + 1;
  return size;
}

/**
 * Encodes a whole TRANSFER_NOTIFY (framing included) from `view.entries[0..count)`. Returns the
 * bytes written or {@link ENCODE_NO_ROOM} (nothing written).
 */
export function encodeTransferNotify(out: Uint8Array, offset: number, end: number, view: TransferNotifyView): number {
  assert(offset >= 0 && offset <= end && end <= out.length, 'encode window out of bounds');
  assert(
    view.count >= 1 && view.count <= NOTIFY_ENTRIES_MAX && Number.isInteger(view.count),
    'notify count out of range',
  );
  for (let i = 0; i < view.count; i++)
    assertEncodable(notifyEntryReason(view.entries[i] as NotifyEntryView), 'TRANSFER_NOTIFY entry');
  const size = transferNotifySize(view);
  if (offset + size > end || size - MESSAGE_HEADER_SIZE > MESSAGE_BODY_SIZE_MAX) return ENCODE_NO_ROOM;
  out[offset] = MessageType.TransferNotify;
  writeU16(out, offset + 1, size - MESSAGE_HEADER_SIZE);
  out[offset + 3] = view.count;
  let at = offset + TRANSFER_NOTIFY_OVERHEAD;
  for (let i = 0; i < view.count; i++) at += writeNotifyEntry(out, at, view.entries[i] as NotifyEntryView);
  assert(at - offset === size, 'notify size estimate wrong');
  return size;
}

// spec: protocol.md#notify-entry
/**
 * Decodes one notify entry from `bytes[offset..end)` into `entry`. Returns the entry's length (> 0)
 * or a negated {@link DecodeReason}.
 */
export function decodeNotifyEntry(bytes: Uint8Array, offset: number, end: number, entry: NotifyEntryView): number {
  let at = offset;
  if (end - at < NOTIFY_ENTRY_FIXED_SIZE) return -DecodeReason.Truncated;
  entry.notifySequenceHi = readU32(bytes, at);
  entry.notifySequenceLo = readU32(bytes, at + 4);
  entry.senderTransferIdHi = readU32(bytes, at + 8);
  entry.senderTransferIdLo = readU32(bytes, at + 12);
  entry.kind = bytes[at + 16] as number;
  entry.priority = bytes[at + 17] as number;
  const flags = readU16(bytes, at + 18);
  entry.flags = flags;
  const payloadSize = readU48(bytes, at + 20);
  entry.payloadSize = payloadSize;
  at += NOTIFY_ENTRY_FIXED_SIZE;
  clearOptional(entry);
  if ((flags & NotifyFlag.HasReplyTo) !== 0) {
    if (end - at < NOTIFY_REPLY_TO_SIZE) return -DecodeReason.Truncated;
    entry.replyToTransferIdHi = readU32(bytes, at);
    entry.replyToTransferIdLo = readU32(bytes, at + 4);
    at += NOTIFY_REPLY_TO_SIZE;
  }
  if ((flags & NotifyFlag.HasStream) !== 0) {
    if (end - at < NOTIFY_STREAM_SIZE) return -DecodeReason.Truncated;
    entry.streamIdHi = readU32(bytes, at);
    entry.streamIdLo = readU32(bytes, at + 4);
    entry.streamItemIndex = readU48(bytes, at + 8);
    at += NOTIFY_STREAM_SIZE;
  }
  if ((flags & NotifyFlag.HasMetadata) !== 0) {
    if (end - at < NOTIFY_METADATA_SIZE) return -DecodeReason.Truncated;
    entry.metadata = readU32(bytes, at);
    at += NOTIFY_METADATA_SIZE;
  }
  if ((flags & NotifyFlag.HasHeader) !== 0) {
    if (end - at < 2) return -DecodeReason.Truncated;
    const headerLength = readU16(bytes, at);
    if (headerLength > HEADER_SIZE_MAX) return -DecodeReason.LengthOutOfRange;
    if (end - at - 2 < headerLength) return -DecodeReason.Truncated;
    entry.headerBytes = bytes;
    entry.headerOffset = at + 2;
    entry.headerLength = headerLength;
    at += 2 + headerLength;
  }
  if ((flags & NotifyFlag.Inline) !== 0) {
    if (payloadSize > INLINE_SIZE_MAX) return -DecodeReason.LengthOutOfRange;
    if (end - at < payloadSize) return -DecodeReason.Truncated;
    entry.inlineBytes = bytes;
    entry.inlineOffset = at;
    at += payloadSize;
  } else {
    if (end - at < NOTIFY_BUFFER_REFERENCE_SIZE) return -DecodeReason.Truncated;
    entry.bufferIdHi = readU32(bytes, at);
    entry.bufferIdLo = readU32(bytes, at + 4);
    entry.recordSizeLog2 = bytes[at + 8] as number;
    entry.dataKeyBytes = bytes;
    entry.dataKeyOffset = at + 9;
    entry.dataIvBytes = bytes;
    entry.dataIvOffset = at + 9 + DATA_KEY_SIZE;
    if (readU16(bytes, at + 9 + DATA_KEY_SIZE + DATA_IV_SIZE) !== 0) return -DecodeReason.ExtensionNotSupported;
    at += NOTIFY_BUFFER_REFERENCE_SIZE;
  }
  const reason = notifyEntryRulesReason(entry);
  if (reason !== DecodeReason.Ok) return -reason;
  return at - offset;
}

/**
 * Decodes a TRANSFER_NOTIFY body (`bytes[offset..offset+length)`, framing already stripped) into
 * `view`: all entries are validated before Ok is returned, so a caller never acts on half a message.
 * On rejection `view.count` is 0.
 */
export function decodeTransferNotify(
  bytes: Uint8Array,
  offset: number,
  length: number,
  view: TransferNotifyView,
): DecodeReason {
  view.count = 0;
  if (length < 1) return DecodeReason.Truncated;
  const count = bytes[offset] as number;
  if (count < 1 || count > NOTIFY_ENTRIES_MAX) return DecodeReason.CountOutOfRange;
  const end = offset + length;
  let at = offset + 1;
  const entries = view.entries;
  for (let i = 0; i < count; i++) {
    const consumed = decodeNotifyEntry(bytes, at, end, entries[i] as NotifyEntryView);
    if (consumed < 0) return -consumed as DecodeReason;
    at += consumed;
  }
  if (at !== end) return DecodeReason.TrailingBytes;
  view.count = count;
  return DecodeReason.Ok;
}
