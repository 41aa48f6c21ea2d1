/**
 * 32-bit FNV-1a: the test network's fingerprint of datagram bytes and of its event trace. Not a
 * cryptographic hash — it only has to make "two runs differ" visible.
 */

/** FNV-1a 32-bit offset basis: the hash of nothing, and the seed of a running hash. */
export const FNV1A32_OFFSET_BASIS = 0x811c9dc5;

const FNV1A32_PRIME = 0x01000193;

/**
 * Hashes `bytes[offset, offset + length)` with 32-bit FNV-1a, continuing from `hash` (default: the
 * offset basis, i.e. a fresh hash). Returns an unsigned 32-bit integer.
 */
export function fnv1a32(bytes: Uint8Array, offset: number, length: number, hash = FNV1A32_OFFSET_BASIS): number {
  let h = hash;
  const end = offset + length;
  for (let i = offset; i < end; i++) {
    h = Math.imul(h ^ (bytes[i] as number), FNV1A32_PRIME);
  }
  return h >>> 0;
}

/** Folds the four bytes of a 32-bit word (little-endian order) into a running FNV-1a hash. */
export function fnv1a32Word(hash: number, word: number): number {
  let h = Math.imul(hash ^ (word & 0xff), FNV1A32_PRIME);
  h = Math.imul(h ^ ((word >>> 8) & 0xff), FNV1A32_PRIME);
  h = Math.imul(h ^ ((word >>> 16) & 0xff), FNV1A32_PRIME);
  h = Math.imul(h ^ (word >>> 24), FNV1A32_PRIME);
  return h >>> 0;
}

/**
 * Folds a non-negative integer up to 2^53 (a time in µs, a counter) into a running FNV-1a hash as
 * two 32-bit words, low then high. The split uses division, not `>>>`, so values above 2^32 keep
 * their high bits.
 */
export function fnv1a32Uint53(hash: number, value: number): number {
  const high = Math.floor(value / 4294967296);
  return fnv1a32Word(fnv1a32Word(hash, value - high * 4294967296), high);
}
