/**
 * DATA datagrams: `kind | version | chunk+`, each chunk a piece of a buffer's sealed stream sent in
 * answer to a PULL_REQUEST. Not sealed per datagram: integrity is checked per payload record
 * (security.md#payload-records), so a forged chunk can only make a record fail and be pulled again.
 *
 * spec: protocol.md#data-datagram, protocol.md#data-chunks
 */
import { assert } from '../assert.js';
import {
  copyBytes,
  EMPTY_BYTES,
  isByteRange,
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
  DATA_CHUNK_HEADER_SIZE,
  DATA_DATAGRAM_SIZE_MIN,
  DATA_HEADER_SIZE,
  DATAGRAM_SIZE_MAX,
  DatagramKind,
  ENCODE_NO_ROOM,
  SEALED_SIZE_MAX,
  WIRE_VERSION,
} from './constants.js';
import { assertEncodable, DecodeReason } from './decode-result.js';
import { checkDatagramKindAndVersion, isSupportedVersion } from './header.js';

/** Largest chunk length: what fits a DATAGRAM_SIZE_MAX datagram with one chunk. */
export const DATA_CHUNK_LENGTH_MAX = DATAGRAM_SIZE_MAX - DATA_HEADER_SIZE - DATA_CHUNK_HEADER_SIZE;

/** One DATA chunk. As decoder output `bytes` is the datagram and `bytesOffset` locates the piece. */
export class DataChunkView {
  /**
   * The receiver's transfer id (echoed from PULL_REQUEST), high half; in an unscheduled chunk (pull
   * id 0) the sender's transfer id (spec: protocol.md#unscheduled).
   */
  receiverTransferIdHi: number;
  /** Low half. */
  receiverTransferIdLo: number;
  /** The pull id this chunk answers, or 0 (UNSCHEDULED_PULL_ID) for an unscheduled chunk. */
  pullId: number;
  /** Offset of the piece in the buffer's sealed stream (u48). */
  sealedOffset: number;
  /** Length of the piece (1..DATA_CHUNK_LENGTH_MAX). */
  length: number;
  /** Bytes holding the piece at `bytesOffset`. */
  bytes: Uint8Array;
  /** Offset of the piece in `bytes`. */
  bytesOffset: number;

  constructor() {
    this.receiverTransferIdHi = 0;
    this.receiverTransferIdLo = 0;
    this.pullId = 0;
    this.sealedOffset = 0;
    this.length = 0;
    this.bytes = EMPTY_BYTES;
    this.bytesOffset = 0;
  }
}

/** A DATA datagram's header as validated by {@link decodeDataDatagram}. */
export class DataDatagramView {
  /** Wire version. */
  version: number;
  /** Number of chunks (≥ 1). */
  chunkCount: number;
  /** Offset of the first chunk. */
  chunksOffset: number;
  /** End of the last chunk (= end of the datagram). */
  chunksEnd: number;

  constructor() {
    this.version = WIRE_VERSION;
    this.chunkCount = 0;
    this.chunksOffset = 0;
    this.chunksEnd = 0;
  }
}

/** Wire size of a chunk carrying `length` bytes. */
export function dataChunkSize(length: number): number {
  return DATA_CHUNK_HEADER_SIZE + length;
}

/** Returns the first rule the chunk's fields break (its bytes reference is not checked), or Ok. */
export function dataChunkReason(view: DataChunkView): DecodeReason {
  if (
    !isU32Value(view.receiverTransferIdHi) ||
    !isU32Value(view.receiverTransferIdLo) ||
    !isU32Value(view.pullId) ||
    !isU48(view.sealedOffset) ||
    !Number.isInteger(view.length)
  ) {
    return DecodeReason.ValueOutOfRange;
  }
  if (view.receiverTransferIdHi === 0 && view.receiverTransferIdLo === 0) return DecodeReason.ZeroValue;
  if (view.length < 1 || view.length > DATA_CHUNK_LENGTH_MAX) return DecodeReason.LengthOutOfRange;
  if (view.sealedOffset + view.length > SEALED_SIZE_MAX) return DecodeReason.RangeOutOfBounds;
  return DecodeReason.Ok;
}

/** Writes a DATA datagram's 2-byte header. Returns 2 or {@link ENCODE_NO_ROOM}. */
export function encodeDataDatagramHeader(
  out: Uint8Array,
  offset: number,
  end: number,
  version: number = WIRE_VERSION,
): number {
  assert(offset >= 0 && offset <= end && end <= out.length, 'encode window out of bounds');
  assert(isSupportedVersion(version), 'unsupported wire version');
  if (offset + DATA_HEADER_SIZE > end) return ENCODE_NO_ROOM;
  out[offset] = DatagramKind.Data << 4;
  out[offset + 1] = version;
  return DATA_HEADER_SIZE;
}

/**
 * Writes a chunk's 20-byte header at `offset`; the caller writes the `length` payload bytes right
 * after it. Room is checked for the whole chunk (header + length). Returns 20 or
 * {@link ENCODE_NO_ROOM}.
 */
export function encodeDataChunkHeader(out: Uint8Array, offset: number, end: number, chunk: DataChunkView): number {
  assert(offset >= 0 && offset <= end && end <= out.length, 'encode window out of bounds');
  assertEncodable(dataChunkReason(chunk), 'DATA chunk');
  if (offset + DATA_CHUNK_HEADER_SIZE + chunk.length > end) return ENCODE_NO_ROOM;
  writeU32(out, offset, chunk.receiverTransferIdHi);
  writeU32(out, offset + 4, chunk.receiverTransferIdLo);
  writeU32(out, offset + 8, chunk.pullId);
  writeU48(out, offset + 12, chunk.sealedOffset);
  writeU16(out, offset + 18, chunk.length);
  return DATA_CHUNK_HEADER_SIZE;
}

/** Writes a whole chunk (header + the bytes `chunk.bytes` references). Returns 20 + length or {@link ENCODE_NO_ROOM}. */
export function encodeDataChunk(out: Uint8Array, offset: number, end: number, chunk: DataChunkView): number {
  assert(isByteRange(chunk.bytes, chunk.bytesOffset, chunk.length), 'DATA chunk bytes out of bounds');
  const header = encodeDataChunkHeader(out, offset, end, chunk);
  if (header < 0) return header;
  copyBytes(chunk.bytes, chunk.bytesOffset, out, offset + DATA_CHUNK_HEADER_SIZE, chunk.length);
  return DATA_CHUNK_HEADER_SIZE + chunk.length;
}

/**
 * Checks the chunk at `bytes[offset..end)` without storing it. Returns its wire length or a negated
 * {@link DecodeReason}.
 */
function checkDataChunk(bytes: Uint8Array, offset: number, end: number): number {
  if (end - offset < DATA_CHUNK_HEADER_SIZE) return -DecodeReason.Truncated;
  if (readU32(bytes, offset) === 0 && readU32(bytes, offset + 4) === 0) return -DecodeReason.ZeroValue;
  const length = readU16(bytes, offset + 18);
  if (length === 0) return -DecodeReason.LengthOutOfRange;
  if (end - offset - DATA_CHUNK_HEADER_SIZE < length) return -DecodeReason.Truncated;
  if (readU48(bytes, offset + 12) + length > SEALED_SIZE_MAX) return -DecodeReason.RangeOutOfBounds;
  return DATA_CHUNK_HEADER_SIZE + length;
}

/**
 * Decodes the chunk at `bytes[offset..end)` into `chunk`. Returns the chunk's wire length (> 0) or a
 * negated {@link DecodeReason}. Iterate a validated datagram with
 * `for (let at = view.chunksOffset; at < view.chunksEnd; ) at += decodeDataChunk(bytes, at, view.chunksEnd, chunk);`
 */
export function decodeDataChunk(bytes: Uint8Array, offset: number, end: number, chunk: DataChunkView): number {
  const size = checkDataChunk(bytes, offset, end);
  if (size < 0) return size;
  chunk.receiverTransferIdHi = readU32(bytes, offset);
  chunk.receiverTransferIdLo = readU32(bytes, offset + 4);
  chunk.pullId = readU32(bytes, offset + 8);
  chunk.sealedOffset = readU48(bytes, offset + 12);
  chunk.length = size - DATA_CHUNK_HEADER_SIZE;
  chunk.bytes = bytes;
  chunk.bytesOffset = offset + DATA_CHUNK_HEADER_SIZE;
  return size;
}

/**
 * Validates a whole DATA datagram (`bytes[offset..offset+length)`): kind, version, size, and every
 * chunk; on Ok `view` locates the chunks. Whether the receiver transfer id, pull id and range make
 * sense is transfer state, checked by the caller.
 */
export function decodeDataDatagram(
  bytes: Uint8Array,
  offset: number,
  length: number,
  view: DataDatagramView,
): DecodeReason {
  const reason = checkDatagramKindAndVersion(bytes, offset, length, DatagramKind.Data);
  if (reason !== DecodeReason.Ok) return reason;
  if (length < DATA_DATAGRAM_SIZE_MIN)
    return length === DATA_HEADER_SIZE ? DecodeReason.EmptyBody : DecodeReason.Truncated;
  const end = offset + length;
  let at = offset + DATA_HEADER_SIZE;
  let count = 0;
  while (at < end) {
    const size = checkDataChunk(bytes, at, end);
    if (size < 0) return -size as DecodeReason;
    at += size;
    count++;
  }
  view.version = bytes[offset + 1] as number;
  view.chunkCount = count;
  view.chunksOffset = offset + DATA_HEADER_SIZE;
  view.chunksEnd = end;
  return DecodeReason.Ok;
}
