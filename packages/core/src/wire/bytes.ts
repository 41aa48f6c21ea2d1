/**
 * Big-endian integer readers and writers over plain `Uint8Array`s, the u48 helpers and a bounded
 * byte copy: the primitives every wire encoder and decoder is built from. No DataView (creating
 * one per datagram would allocate), no BigInt. Readers do not check bounds: callers check the
 * remaining length first (decoders) or have sized the write (encoders).
 *
 * spec: protocol.md#conventions, protocol.md#ids
 */

/** Largest u48 value: 2^48 - 1. Offsets and sizes on the wire are u48. */
export const U48_MAX = 2 ** 48 - 1;

/** 2^32, the weight of a u48's high 16 bits (or of a u64's high 32 bits). */
export const TWO_POW_32 = 2 ** 32;

/** An empty byte array, the initial value of every byte reference in a view. */
export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

/** Copies at most this many bytes with a plain loop; longer copies use `set` on a subarray. */
const COPY_LOOP_MAX = 64;

/** Whether `value` is an integer in [0, 255]. */
export function isU8(value: number): boolean {
  return (value & 0xff) === value;
}

/** Whether `value` is an integer in [0, 65535]. */
export function isU16(value: number): boolean {
  return (value & 0xffff) === value;
}

/** Whether `value` is an integer in [0, 2^32). */
export function isU32Value(value: number): boolean {
  return value >>> 0 === value;
}

/** Whether `value` is an integer in [0, 2^48). */
export function isU48(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= U48_MAX;
}

/** Reads a big-endian u16 at `offset`. */
export function readU16(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] as number) << 8) | (bytes[offset + 1] as number);
}

/** Reads a big-endian u32 at `offset` (always non-negative). */
export function readU32(bytes: Uint8Array, offset: number): number {
  // `>>> 0` is intended: it reinterprets the signed 32-bit result as unsigned.
  return (
    (((bytes[offset] as number) << 24) |
      ((bytes[offset + 1] as number) << 16) |
      ((bytes[offset + 2] as number) << 8) |
      (bytes[offset + 3] as number)) >>>
    0
  );
}

/** Reads a big-endian u48 at `offset` as an exact double: hi16 * 2^32 + lo32. */
export function readU48(bytes: Uint8Array, offset: number): number {
  return readU16(bytes, offset) * TWO_POW_32 + readU32(bytes, offset + 2);
}

/** Writes `value` (an integer in [0, 65535]) big-endian at `offset`. */
export function writeU16(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value >>> 8;
  bytes[offset + 1] = value;
}

/** Writes `value` (an integer in [0, 2^32)) big-endian at `offset`. */
export function writeU32(bytes: Uint8Array, offset: number, value: number): void {
  // Uint8Array stores each value modulo 256, so only the shifts are needed.
  bytes[offset] = value >>> 24;
  bytes[offset + 1] = value >>> 16;
  bytes[offset + 2] = value >>> 8;
  bytes[offset + 3] = value;
}

/** Writes `value` (an integer in [0, 2^48)) big-endian at `offset` as hi16 | lo32. */
export function writeU48(bytes: Uint8Array, offset: number, value: number): void {
  // ToUint32 of an integral double below 2^53 is exactly value mod 2^32: intended.
  const lo = value >>> 0;
  writeU16(bytes, offset, (value - lo) / TWO_POW_32);
  writeU32(bytes, offset + 2, lo);
}

/** The high 16 bits of a u48 value. */
export function u48Hi(value: number): number {
  return (value - (value >>> 0)) / TWO_POW_32;
}

/** The low 32 bits of a u48 value. */
export function u48Lo(value: number): number {
  return value >>> 0;
}

/** Builds a u48 value from its high 16 and low 32 bits. */
export function u48FromParts(hi16: number, lo32: number): number {
  return hi16 * TWO_POW_32 + lo32;
}

/**
 * Copies `length` bytes from `source[sourceOffset..]` to `target[targetOffset..]`. Short copies
 * use a loop (no allocation); longer ones use `set` over a `subarray` (one short-lived view
 * object, but a memcpy). The ranges must be in bounds and must not overlap within one buffer.
 */
export function copyBytes(
  source: Uint8Array,
  sourceOffset: number,
  target: Uint8Array,
  targetOffset: number,
  length: number,
): void {
  if (length <= COPY_LOOP_MAX) {
    for (let i = 0; i < length; i++) target[targetOffset + i] = source[sourceOffset + i] as number;
    return;
  }
  target.set(source.subarray(sourceOffset, sourceOffset + length), targetOffset);
}

/** Writes `length` zero bytes at `offset`. */
export function zeroBytes(target: Uint8Array, offset: number, length: number): void {
  target.fill(0, offset, offset + length);
}

/** Whether `bytes[offset..offset+length)` are all zero. */
export function allZero(bytes: Uint8Array, offset: number, length: number): boolean {
  const end = offset + length;
  for (let i = offset; i < end; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** Whether a byte reference `(bytes, offset, length)` lies within `bytes`. */
export function isByteRange(bytes: Uint8Array, offset: number, length: number): boolean {
  return (
    Number.isInteger(offset) &&
    Number.isInteger(length) &&
    offset >= 0 &&
    length >= 0 &&
    offset + length <= bytes.length
  );
}
