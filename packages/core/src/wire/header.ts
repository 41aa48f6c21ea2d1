/**
 * Datagram headers: the first-byte dispatch shared by every datagram, the 28-byte header of CONTROL
 * and SECRET_CONTROL datagrams, and the whole (fixed-size) UNKNOWN_PATH_SECRET datagram. The DATA
 * datagram's header lives with its chunks in `data-chunks.ts`.
 *
 * Decoders fill a caller-owned view (allocated once) and reference byte fields by offset into the
 * datagram; they never copy, never allocate and never throw.
 */
import { assert } from '../assert.js';
import {
  copyBytes,
  EMPTY_BYTES,
  isByteRange,
  isU16,
  isU32Value,
  readU16,
  readU32,
  writeU16,
  writeU32,
} from './bytes.js';
import {
  AEAD_TAG_SIZE,
  CONTROL_DATAGRAM_SIZE_MIN,
  CONTROL_HEADER_SIZE,
  DATAGRAM_SIZE_MAX,
  DatagramKind,
  ENCODE_NO_ROOM,
  PATH_SECRET_ID_SIZE,
  RESET_TAG_SIZE,
  UNKNOWN_PATH_SECRET_SIZE,
  WIRE_VERSION,
} from './constants.js';
import { assertEncodable, DecodeReason } from './decode-result.js';

/** Offset of the path secret id in every datagram that carries one. */
const PATH_SECRET_ID_OFFSET = 2;

/** Whether `version` is a wire version this implementation speaks. spec: protocol.md#versioning */
export function isSupportedVersion(version: number): boolean {
  return version === WIRE_VERSION;
}

/**
 * Reads a datagram's kind from its first byte. Returns the {@link DatagramKind} (1..4), or a
 * negated {@link DecodeReason}: -Truncated for an empty datagram, -DatagramTooLong above
 * DATAGRAM_SIZE_MAX, -UnknownDatagramKind, -ReservedBitsSet when the low nibble is not zero.
 *
 * spec: protocol.md#datagram
 */
export function peekDatagramKind(bytes: Uint8Array, offset: number, length: number): number {
  if (length < 1) return -DecodeReason.Truncated;
  if (length > DATAGRAM_SIZE_MAX) return -DecodeReason.DatagramTooLong;
  const first = bytes[offset] as number;
  const kind = first >>> 4;
  if (kind < DatagramKind.Control || kind > DatagramKind.UnknownPathSecret) return -DecodeReason.UnknownDatagramKind;
  if ((first & 0x0f) !== 0) return -DecodeReason.ReservedBitsSet;
  return kind;
}

/**
 * Checks the kind byte and the version byte of a datagram: returns Ok when the kind is `kind` and
 * the version is supported, else the reason (as {@link peekDatagramKind}, plus
 * UnexpectedDatagramKind, Truncated, UnsupportedVersion).
 */
export function checkDatagramKindAndVersion(
  bytes: Uint8Array,
  offset: number,
  length: number,
  kind: number,
): DecodeReason {
  const peeked = peekDatagramKind(bytes, offset, length);
  if (peeked < 0) return -peeked as DecodeReason;
  if (peeked !== kind) return DecodeReason.UnexpectedDatagramKind;
  if (length < 2) return DecodeReason.Truncated;
  if (!isSupportedVersion(bytes[offset + 1] as number)) return DecodeReason.UnsupportedVersion;
  return DecodeReason.Ok;
}

/**
 * The header of a CONTROL or SECRET_CONTROL datagram. As decoder output, `pathSecretIdBytes` is the
 * datagram and the `body*`/`tagOffset` fields locate the sealed body and the tag; as encoder input
 * only the header fields are read.
 *
 * spec: protocol.md#control-datagram
 */
export class ControlHeaderView {
  /** DatagramKind.Control or DatagramKind.SecretControl. */
  kind: number;
  /** Wire version (1). */
  version: number;
  /** Bytes holding the 16-byte path secret id at `pathSecretIdOffset`. */
  pathSecretIdBytes: Uint8Array;
  /** Offset of the path secret id in `pathSecretIdBytes`. */
  pathSecretIdOffset: number;
  /** The sending NIC worker's id (u16). */
  workerId: number;
  /** Key id of the sealing key (u32). */
  keyId: number;
  /** Packet number: the per-key nonce counter (u32). */
  packetNumber: number;
  /** Decoder output: offset of the sealed body (ciphertext) in the datagram. */
  bodyOffset: number;
  /** Decoder output: length of the sealed body (datagram length - 44). */
  bodyLength: number;
  /** Decoder output: offset of the 16-byte AEAD tag. */
  tagOffset: number;

  constructor() {
    this.kind = DatagramKind.Control;
    this.version = WIRE_VERSION;
    this.pathSecretIdBytes = EMPTY_BYTES;
    this.pathSecretIdOffset = 0;
    this.workerId = 0;
    this.keyId = 0;
    this.packetNumber = 0;
    this.bodyOffset = 0;
    this.bodyLength = 0;
    this.tagOffset = 0;
  }
}

/** Returns the first rule the header fields break (as a decoder would report it), or Ok. */
export function controlHeaderReason(view: ControlHeaderView): DecodeReason {
  if (view.kind !== DatagramKind.Control && view.kind !== DatagramKind.SecretControl) {
    return DecodeReason.UnexpectedDatagramKind;
  }
  if (!isSupportedVersion(view.version)) return DecodeReason.UnsupportedVersion;
  if (!isByteRange(view.pathSecretIdBytes, view.pathSecretIdOffset, PATH_SECRET_ID_SIZE)) return DecodeReason.Truncated;
  if (!isU16(view.workerId) || !isU32Value(view.keyId) || !isU32Value(view.packetNumber)) {
    return DecodeReason.ValueOutOfRange;
  }
  return DecodeReason.Ok;
}

/**
 * Writes the 28-byte header of a CONTROL or SECRET_CONTROL datagram at `offset`. Returns 28, or
 * {@link ENCODE_NO_ROOM} (writing nothing) when `offset + 28 > end`. The sealed body follows at
 * `offset + 28`; the whole header is the AEAD's associated data (security.md#aad).
 *
 * spec: protocol.md#control-datagram
 */
export function encodeControlHeader(out: Uint8Array, offset: number, end: number, view: ControlHeaderView): number {
  assert(offset >= 0 && offset <= end && end <= out.length, 'encode window out of bounds');
  assertEncodable(controlHeaderReason(view), 'control header');
  if (offset + CONTROL_HEADER_SIZE > end) return ENCODE_NO_ROOM;
  out[offset] = view.kind << 4;
  out[offset + 1] = view.version;
  copyBytes(view.pathSecretIdBytes, view.pathSecretIdOffset, out, offset + PATH_SECRET_ID_OFFSET, PATH_SECRET_ID_SIZE);
  writeU16(out, offset + 18, view.workerId);
  writeU32(out, offset + 20, view.keyId);
  writeU32(out, offset + 24, view.packetNumber);
  return CONTROL_HEADER_SIZE;
}

/**
 * Decodes the header of a CONTROL or SECRET_CONTROL datagram occupying `bytes[offset..offset+length)`
 * into `view`. Checks, before any decryption: kind and reserved bits, version, and
 * CONTROL_DATAGRAM_SIZE_MIN ≤ length ≤ DATAGRAM_SIZE_MAX. Which path secret, worker and key id are
 * known is the caller's business (an unknown path secret id gets an UNKNOWN_PATH_SECRET reply).
 *
 * spec: protocol.md#control-datagram
 */
export function decodeControlHeader(
  bytes: Uint8Array,
  offset: number,
  length: number,
  view: ControlHeaderView,
): DecodeReason {
  const kind = peekDatagramKind(bytes, offset, length);
  if (kind < 0) return -kind as DecodeReason;
  if (kind !== DatagramKind.Control && kind !== DatagramKind.SecretControl) return DecodeReason.UnexpectedDatagramKind;
  if (length < 2) return DecodeReason.Truncated;
  const version = bytes[offset + 1] as number;
  if (!isSupportedVersion(version)) return DecodeReason.UnsupportedVersion;
  if (length < CONTROL_DATAGRAM_SIZE_MIN) return DecodeReason.Truncated;
  view.kind = kind;
  view.version = version;
  view.pathSecretIdBytes = bytes;
  view.pathSecretIdOffset = offset + PATH_SECRET_ID_OFFSET;
  view.workerId = readU16(bytes, offset + 18);
  view.keyId = readU32(bytes, offset + 20);
  view.packetNumber = readU32(bytes, offset + 24);
  view.bodyOffset = offset + CONTROL_HEADER_SIZE;
  view.bodyLength = length - CONTROL_HEADER_SIZE - AEAD_TAG_SIZE;
  view.tagOffset = offset + length - AEAD_TAG_SIZE;
  return DecodeReason.Ok;
}

/**
 * An UNKNOWN_PATH_SECRET datagram: "I do not know this path secret", authenticated by the stateless
 * reset tag the sender gave its peer for that path secret (replay-and-secrets.md#unknown-path-secret).
 *
 * spec: protocol.md#unknown-path-secret
 */
export class UnknownPathSecretView {
  /** Wire version (echoes the version of the datagram that triggered it). */
  version: number;
  /** Bytes holding the 16-byte path secret id at `pathSecretIdOffset`. */
  pathSecretIdBytes: Uint8Array;
  /** Offset of the path secret id. */
  pathSecretIdOffset: number;
  /** Bytes holding the 16-byte stateless reset tag at `resetTagOffset`. */
  resetTagBytes: Uint8Array;
  /** Offset of the reset tag. */
  resetTagOffset: number;

  constructor() {
    this.version = WIRE_VERSION;
    this.pathSecretIdBytes = EMPTY_BYTES;
    this.pathSecretIdOffset = 0;
    this.resetTagBytes = EMPTY_BYTES;
    this.resetTagOffset = 0;
  }
}

/** Returns the first rule the fields break, or Ok. */
export function unknownPathSecretReason(view: UnknownPathSecretView): DecodeReason {
  if (!isSupportedVersion(view.version)) return DecodeReason.UnsupportedVersion;
  if (!isByteRange(view.pathSecretIdBytes, view.pathSecretIdOffset, PATH_SECRET_ID_SIZE)) return DecodeReason.Truncated;
  if (!isByteRange(view.resetTagBytes, view.resetTagOffset, RESET_TAG_SIZE)) return DecodeReason.Truncated;
  return DecodeReason.Ok;
}

/**
 * Writes a whole UNKNOWN_PATH_SECRET datagram (34 bytes). Returns 34 or {@link ENCODE_NO_ROOM}.
 *
 * spec: protocol.md#unknown-path-secret-datagram
 */
export function encodeUnknownPathSecret(
  out: Uint8Array,
  offset: number,
  end: number,
  view: UnknownPathSecretView,
): number {
  assert(offset >= 0 && offset <= end && end <= out.length, 'encode window out of bounds');
  assertEncodable(unknownPathSecretReason(view), 'UNKNOWN_PATH_SECRET');
  if (offset + UNKNOWN_PATH_SECRET_SIZE > end) return ENCODE_NO_ROOM;
  out[offset] = DatagramKind.UnknownPathSecret << 4;
  out[offset + 1] = view.version;
  copyBytes(view.pathSecretIdBytes, view.pathSecretIdOffset, out, offset + PATH_SECRET_ID_OFFSET, PATH_SECRET_ID_SIZE);
  copyBytes(
    view.resetTagBytes,
    view.resetTagOffset,
    out,
    offset + PATH_SECRET_ID_OFFSET + PATH_SECRET_ID_SIZE,
    RESET_TAG_SIZE,
  );
  return UNKNOWN_PATH_SECRET_SIZE;
}

/**
 * Decodes an UNKNOWN_PATH_SECRET datagram; it must be exactly 34 bytes. Whether the tag is the one
 * the peer was given is checked by the caller (replay-and-secrets.md#unknown-path-secret).
 *
 * spec: protocol.md#unknown-path-secret-datagram
 */
export function decodeUnknownPathSecret(
  bytes: Uint8Array,
  offset: number,
  length: number,
  view: UnknownPathSecretView,
): DecodeReason {
  const reason = checkDatagramKindAndVersion(bytes, offset, length, DatagramKind.UnknownPathSecret);
  if (reason !== DecodeReason.Ok) return reason;
  if (length < UNKNOWN_PATH_SECRET_SIZE) return DecodeReason.Truncated;
  if (length > UNKNOWN_PATH_SECRET_SIZE) return DecodeReason.TrailingBytes;
  view.version = bytes[offset + 1] as number;
  view.pathSecretIdBytes = bytes;
  view.pathSecretIdOffset = offset + PATH_SECRET_ID_OFFSET;
  view.resetTagBytes = bytes;
  view.resetTagOffset = offset + PATH_SECRET_ID_OFFSET + PATH_SECRET_ID_SIZE;
  return DecodeReason.Ok;
}
