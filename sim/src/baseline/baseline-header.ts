/**
 * The sender-driven baseline's wire format: a small plaintext header in front of each datagram. It
 * owns the layout and its encode/decode helpers, nothing else. There is no encryption and no
 * authentication (the baseline pays no crypto cost, which only favours it in comparisons); source
 * and destination are the network's (IP/UDP) business, so the header names neither.
 *
 * DATA (28 bytes + payload), all integers little-endian:
 * `type u8 = 1 | flags u8 | chunkBytes u16 | tag u32 | chunk u32 | size u32×2 (lo, hi) |
 * responseSize u32×2 (lo, hi)`; the payload is bytes `[chunk × chunkBytes, …)` of the message.
 *
 * ACK (16 bytes): `type u8 = 2 | flags u8 | priority u8 | 0 u8 | tag u32 | cumulative u32 | chunk u32`:
 * every chunk below `cumulative` arrived, and so did `chunk` (the one that triggered the ack).
 *
 * Flags: {@link FLAG_RESPONSE} (bit 0) marks the response of an RPC (on DATA, and on the ACK of its
 * data); on DATA, bits 4–6 carry the transfer's priority, which the receiver reuses for its acks and,
 * for a request, for the response.
 */

/** Datagram type of a data chunk. */
export const TYPE_DATA = 1;
/** Datagram type of an acknowledgement. */
export const TYPE_ACK = 2;
/** The data (or the data acknowledged) belongs to an RPC's response. */
export const FLAG_RESPONSE = 1;
/** Bytes of a DATA header. */
export const DATA_HEADER_BYTES = 28;
/** Bytes of an ACK datagram. */
export const ACK_BYTES = 16;
/**
 * Bytes of the checksum trailer every baseline datagram carries: FNV-1a over the rest of the
 * datagram, standing in for the UDP checksum a real sender-driven transport relies on, so corrupted
 * datagrams are dropped rather than delivered (the comparison with dcq stays fair).
 */
export const CHECKSUM_BYTES = 4;

const TWO_32 = 4294967296;

/** Writes `value` (< 2^32) little-endian at `out[at]`. */
export function writeU32(out: Uint8Array, at: number, value: number): void {
  out[at] = value & 0xff;
  out[at + 1] = (value >>> 8) & 0xff;
  out[at + 2] = (value >>> 16) & 0xff;
  out[at + 3] = (value >>> 24) & 0xff;
}

/** Reads a little-endian u32 at `bytes[at]`. */
export function readU32(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at] as number) |
      ((bytes[at + 1] as number) << 8) |
      ((bytes[at + 2] as number) << 16) |
      ((bytes[at + 3] as number) << 24)) >>>
    0
  );
}

/** Writes a safe non-negative integer as two u32 (lo, hi) at `out[at]`. */
export function writeU64(out: Uint8Array, at: number, value: number): void {
  const hi = Math.floor(value / TWO_32);
  writeU32(out, at, value - hi * TWO_32);
  writeU32(out, at + 4, hi);
}

/** Reads two u32 (lo, hi) at `bytes[at]` as one number (exact below 2^53). */
export function readU64(bytes: Uint8Array, at: number): number {
  return readU32(bytes, at) + readU32(bytes, at + 4) * TWO_32;
}

/** Writes a DATA header at `out[at]`; the payload follows at `at + DATA_HEADER_BYTES`. */
export function writeDataHeader(
  out: Uint8Array,
  at: number,
  fields: {
    flags: number;
    chunkBytes: number;
    tag: number;
    chunk: number;
    sizeBytes: number;
    responseSizeBytes: number;
  },
): void {
  out[at] = TYPE_DATA;
  out[at + 1] = fields.flags;
  out[at + 2] = fields.chunkBytes & 0xff;
  out[at + 3] = (fields.chunkBytes >>> 8) & 0xff;
  writeU32(out, at + 4, fields.tag);
  writeU32(out, at + 8, fields.chunk);
  writeU64(out, at + 12, fields.sizeBytes);
  writeU64(out, at + 20, fields.responseSizeBytes);
}

/** Writes an ACK datagram at `out[at]`. */
export function writeAck(
  out: Uint8Array,
  at: number,
  fields: { flags: number; priority: number; tag: number; cumulative: number; chunk: number },
): void {
  out[at] = TYPE_ACK;
  out[at + 1] = fields.flags;
  out[at + 2] = fields.priority;
  out[at + 3] = 0;
  writeU32(out, at + 4, fields.tag);
  writeU32(out, at + 8, fields.cumulative);
  writeU32(out, at + 12, fields.chunk);
}
