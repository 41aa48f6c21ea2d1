/**
 * Ranges of a buffer's sealed stream as PULL_REQUEST and RANGE_ACK carry them (sealed offset u48 |
 * length u32, ascending, non-overlapping), and the sealed size of a payload, which bounds them.
 *
 * spec: protocol.md#ranges
 */
import { isU32Value, isU48, readU32, readU48, writeU32, writeU48 } from './bytes.js';
import { AEAD_TAG_SIZE, RANGE_SIZE, RECORD_SIZE_LOG2_MAX, RECORD_SIZE_LOG2_MIN, SEALED_SIZE_MAX } from './constants.js';
import { DecodeReason } from './decode-result.js';

/**
 * Sealed size of a payload of `payloadSize` bytes split into records of 2^`recordSizeLog2` bytes:
 * P + 16 * ceil(P / R) (each record carries a 16-byte tag; P = 0 has no records). Exact for every
 * u48 payload size (the result stays below 2^53). See security.md#payload-records.
 */
export function sealedSizeOf(payloadSize: number, recordSizeLog2: number): number {
  return payloadSize + AEAD_TAG_SIZE * Math.ceil(payloadSize / 2 ** recordSizeLog2);
}

/** Whether `log2` is a valid record size log2 (10..20, i.e. 1 KiB..1 MiB). */
export function isRecordSizeLog2(log2: number): boolean {
  return Number.isInteger(log2) && log2 >= RECORD_SIZE_LOG2_MIN && log2 <= RECORD_SIZE_LOG2_MAX;
}

/**
 * The wire rules for `count` ranges whose fields fit their widths (true for anything a decoder
 * read): each length ≥ 1, each end (offset + length) at most SEALED_SIZE_MAX, and each range
 * starting at or after the end of the previous one (adjacent ranges are allowed: one range cannot
 * cover more than 2^32 - 1 bytes).
 */
export function rangesRulesReason(offsets: Float64Array, lengths: Float64Array, count: number): DecodeReason {
  let previousEnd = 0;
  for (let i = 0; i < count; i++) {
    const offset = offsets[i] as number;
    const length = lengths[i] as number;
    if (length === 0) return DecodeReason.LengthOutOfRange;
    if (offset + length > SEALED_SIZE_MAX) return DecodeReason.RangeOutOfBounds;
    if (offset < previousEnd) return DecodeReason.RangesNotAscending;
    previousEnd = offset + length;
  }
  return DecodeReason.Ok;
}

/** Everything an encoder requires of `count` ranges: offsets are u48, lengths u32, then {@link rangesRulesReason}. */
export function rangesReason(offsets: Float64Array, lengths: Float64Array, count: number): DecodeReason {
  for (let i = 0; i < count; i++) {
    if (!isU48(offsets[i] as number) || !isU32Value(lengths[i] as number)) return DecodeReason.ValueOutOfRange;
  }
  return rangesRulesReason(offsets, lengths, count);
}

/**
 * Checks that every one of `count` ranges ends at or before `sealedSize`: a PULL_REQUEST or
 * RANGE_ACK for a transfer whose sealed size the recipient knows is rejected otherwise
 * (RangeOutOfBounds). The decoders cannot do this: the size is transfer state.
 *
 * spec: protocol.md#validation
 */
export function rangesWithinSealedSize(
  offsets: Float64Array,
  lengths: Float64Array,
  count: number,
  sealedSize: number,
): DecodeReason {
  // Ranges are ascending and non-overlapping once decoded, so the last one ends furthest.
  if (count === 0) return DecodeReason.Ok;
  const last = count - 1;
  return (offsets[last] as number) + (lengths[last] as number) <= sealedSize
    ? DecodeReason.Ok
    : DecodeReason.RangeOutOfBounds;
}

/** Writes `count` ranges at `offset` (10 bytes each); returns the bytes written. */
export function writeRanges(
  out: Uint8Array,
  offset: number,
  offsets: Float64Array,
  lengths: Float64Array,
  count: number,
): number {
  let at = offset;
  for (let i = 0; i < count; i++) {
    writeU48(out, at, offsets[i] as number);
    writeU32(out, at + 6, lengths[i] as number);
    at += RANGE_SIZE;
  }
  return at - offset;
}

/** Reads `count` ranges at `offset` into the arrays (the caller has checked the length). */
export function readRanges(
  bytes: Uint8Array,
  offset: number,
  offsets: Float64Array,
  lengths: Float64Array,
  count: number,
): void {
  let at = offset;
  for (let i = 0; i < count; i++) {
    offsets[i] = readU48(bytes, at);
    lengths[i] = readU32(bytes, at + 6);
    at += RANGE_SIZE;
  }
}
