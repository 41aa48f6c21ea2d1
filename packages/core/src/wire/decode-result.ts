/**
 * Why a decoder rejected its input: a small integer per reason (0 = accepted), so rejections can be
 * counted in a typed array per reason and logged by name without allocating on the hot path.
 * Decoders never throw; they return one of these. Encoders validate their inputs with the same
 * rules and treat a rejection as a programming error (see {@link assertEncodable}).
 *
 * spec: protocol.md#validation, protocol.md#rejection-reasons
 */
import { AssertionError } from '../errors.js';

/** Decoder verdicts. Values are stable (they index counters); new reasons are appended. */
export const DecodeReason = {
  /** The input is valid. */
  Ok: 0,
  /** Fewer bytes than the layout needs (a field, a counted item or a length-prefixed value is cut). */
  Truncated: 1,
  /** Bytes are left over after the last field of a fixed-layout body. */
  TrailingBytes: 2,
  /** The datagram kind nibble is not one v1 defines. */
  UnknownDatagramKind: 3,
  /** A known datagram kind, but not the one this decoder handles. */
  UnexpectedDatagramKind: 4,
  /** A reserved bit (kind byte low nibble, a flags field) is set. */
  ReservedBitsSet: 5,
  /** The datagram's version byte is not a supported version. */
  UnsupportedVersion: 6,
  /** The datagram is longer than DATAGRAM_SIZE_MAX. */
  DatagramTooLong: 7,
  /** A control body with no message, or a DATA datagram with no chunk. */
  EmptyBody: 8,
  /** A message type code v1 does not define. */
  UnknownMessageType: 9,
  /** A defined message type this datagram kind may not carry. */
  MessageNotAllowed: 10,
  /** A count field is 0 or above its limit. */
  CountOutOfRange: 11,
  /** A length field is out of its limits (header, inline payload, zero-length range or chunk). */
  LengthOutOfRange: 12,
  /** A range or chunk ends beyond SEALED_SIZE_MAX (or beyond the transfer's sealed size). */
  RangeOutOfBounds: 13,
  /** Ranges are not in ascending order or overlap. */
  RangesNotAscending: 14,
  /** A record size log2 outside RECORD_SIZE_LOG2_MIN..RECORD_SIZE_LOG2_MAX. */
  RecordSizeOutOfRange: 15,
  /** A transfer kind v1 does not define. */
  UnknownTransferKind: 16,
  /** An accept status v1 does not define. */
  UnknownAcceptStatus: 17,
  /** A status code v1 does not define. */
  UnknownStatusCode: 18,
  /** A status code not allowed in this place (e.g. OK in FLOW_RESET). */
  InvalidStatus: 19,
  /** A priority above NOTIFY_PRIORITY_MAX. */
  PriorityOutOfRange: 20,
  /** Flags contradict each other or the transfer kind. */
  FlagConflict: 21,
  /** A field that must be non-zero (an id, a pull id, a retire bound) is zero. */
  ZeroValue: 22,
  /** A notify entry's extension length is not 0 (v1 defines no extension). */
  ExtensionNotSupported: 23,
  /** A PADDING body holds a non-zero byte. */
  PaddingNotZero: 24,
  /** A payload whose sealed size exceeds SEALED_SIZE_MAX. */
  PayloadTooLarge: 25,
  /** A field is outside its width or allowed range (only encoders meet this: decoded widths always fit). */
  ValueOutOfRange: 26,
} as const;

/** A decoder verdict value. */
export type DecodeReason = (typeof DecodeReason)[keyof typeof DecodeReason];

/** Number of distinct reasons: size a per-reason counter array with this. */
export const DECODE_REASON_COUNT = 27;

const REASON_NAMES: readonly string[] = [
  'OK',
  'TRUNCATED',
  'TRAILING_BYTES',
  'UNKNOWN_DATAGRAM_KIND',
  'UNEXPECTED_DATAGRAM_KIND',
  'RESERVED_BITS_SET',
  'UNSUPPORTED_VERSION',
  'DATAGRAM_TOO_LONG',
  'EMPTY_BODY',
  'UNKNOWN_MESSAGE_TYPE',
  'MESSAGE_NOT_ALLOWED',
  'COUNT_OUT_OF_RANGE',
  'LENGTH_OUT_OF_RANGE',
  'RANGE_OUT_OF_BOUNDS',
  'RANGES_NOT_ASCENDING',
  'RECORD_SIZE_OUT_OF_RANGE',
  'UNKNOWN_TRANSFER_KIND',
  'UNKNOWN_ACCEPT_STATUS',
  'UNKNOWN_STATUS_CODE',
  'INVALID_STATUS',
  'PRIORITY_OUT_OF_RANGE',
  'FLAG_CONFLICT',
  'ZERO_VALUE',
  'EXTENSION_NOT_SUPPORTED',
  'PADDING_NOT_ZERO',
  'PAYLOAD_TOO_LARGE',
  'VALUE_OUT_OF_RANGE',
];

/** The log name of a reason (`TRUNCATED`), or `UNKNOWN(n)`. */
export function reasonName(reason: number): string {
  return REASON_NAMES[reason] ?? `UNKNOWN(${reason})`;
}

/**
 * Throws an {@link AssertionError} naming the message and the reason when `reason` is not Ok.
 * Encoders call it on their input: fields a decoder would reject are a programming error. The
 * message is only formatted on failure.
 */
export function assertEncodable(reason: number, message: string): void {
  if (reason !== DecodeReason.Ok) {
    throw new AssertionError(`cannot encode ${message}: its fields are invalid (${reasonName(reason)})`);
  }
}
