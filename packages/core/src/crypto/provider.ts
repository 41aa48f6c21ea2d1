/**
 * The crypto provider interface: every cryptographic primitive dcq uses (AES-256-GCM, HKDF-SHA256,
 * HMAC-SHA256, randomness) goes through one injected object, so the sans-IO core never imports
 * `node:crypto` and the simulator can run the same code with a seeded random source.
 *
 * Three implementations exist: the portable {@link NobleCryptoProvider} in `@dcq/core` (pure
 * JavaScript over `@noble/ciphers` + `@noble/hashes`; simulator, tests, platforms without OpenSSL),
 * the `node:crypto` one in `@dcq/node` (the fast default of the runtime), and the deliberately
 * INSECURE {@link InsecureFastCryptoProvider} (`insecure-fast`) for large simulator sweeps only. *
 * Calling convention (hot path): regions are passed as `(buffer, offset, length)` triples, the nonce
 * is a caller-owned 12-byte scratch array and the AEAD tag always sits right after the data, so a
 * caller never allocates per packet. Key objects are prepared once per key with
 * {@link CryptoProvider.prepareAeadKey} and are only valid with the provider that made them.
 *
 * spec: security.md#providers
 */

import { InvalidArgumentError } from '../errors.js';

/** AES-256 key length in bytes. */
export const AEAD_KEY_BYTES = 32;

/** AES-GCM nonce length in bytes (96-bit nonces only). */
export const AEAD_NONCE_BYTES = 12;

/** AES-GCM tag length in bytes (full 128-bit tags only). */
export const AEAD_TAG_BYTES = 16;

/** HKDF-SHA256 pseudo-random key (and HMAC-SHA256 output) length in bytes. */
export const HASH_BYTES = 32;

/** Largest HKDF-SHA256 expand output (255 × 32 bytes, RFC 5869 §2.3). */
export const HKDF_EXPAND_BYTES_MAX = 255 * HASH_BYTES;

/**
 * A key prepared for AES-256-GCM by one provider (e.g. a `KeyObject` for node:crypto, a private
 * copy of the raw key for noble). Opaque: only the provider that created it may use it.
 */
export interface AeadKey {
  /** Name of the provider that prepared this key (a guard against mixing providers). */
  readonly providerName: string;
}

/** A source of random bytes. The runtime uses a CSPRNG; the simulator a seeded deterministic one. */
export interface RandomSource {
  /** Fills `out` entirely with random bytes. */
  fill(out: Uint8Array): void;
}

/**
 * Every cryptographic primitive dcq needs. Implementations must be stateless apart from their
 * random source, so one provider can serve a whole worker.
 */
export interface CryptoProvider {
  /** Short name, e.g. `noble` or `node`, used in logs, benchmarks and {@link AeadKey.providerName}. */
  readonly name: string;

  /**
   * Prepares a 32-byte AES-256 key once, so per-packet calls do not re-import it. The provider
   * copies what it needs; the caller may overwrite `key` afterwards.
   */
  prepareAeadKey(key: Uint8Array): AeadKey;

  /**
   * AES-256-GCM encryption in place: `data[dataOffset, dataOffset + dataLength)` is replaced by its
   * ciphertext and the 16-byte tag is written to `data[dataOffset + dataLength, … + 16)`.
   * `aad[aadOffset, aadOffset + aadLength)` is authenticated. The AAD region must not overlap the
   * data or tag regions. Throws `InvalidArgumentError` on out-of-bounds regions or a nonce that is
   * not 12 bytes (a caller bug, never input-driven).
   */
  seal(
    key: AeadKey,
    nonce: Uint8Array,
    data: Uint8Array,
    dataOffset: number,
    dataLength: number,
    aad: Uint8Array,
    aadOffset: number,
    aadLength: number,
  ): void;

  /**
   * AES-256-GCM decryption in place: verifies the tag at `data[dataOffset + dataLength, … + 16)`
   * against the ciphertext and AAD, and only then replaces the ciphertext by the plaintext. Returns
   * false — never throws — when authentication fails or a region is out of bounds; the data region
   * is left unchanged in that case.
   */
  open(
    key: AeadKey,
    nonce: Uint8Array,
    data: Uint8Array,
    dataOffset: number,
    dataLength: number,
    aad: Uint8Array,
    aadOffset: number,
    aadLength: number,
  ): boolean;

  /** HKDF-Extract with SHA-256 (RFC 5869 §2.2): writes the 32-byte PRK into `out[0, 32)`. */
  hkdfExtract(salt: Uint8Array, ikm: Uint8Array, out: Uint8Array): void;

  /**
   * HKDF-Expand with SHA-256 (RFC 5869 §2.3): writes `length` bytes (at most
   * {@link HKDF_EXPAND_BYTES_MAX}) of output keying material into `out[outOffset, outOffset + length)`.
   */
  hkdfExpand(prk: Uint8Array, info: Uint8Array, out: Uint8Array, outOffset: number, length: number): void;

  /** HMAC-SHA256 of `data[dataOffset, dataOffset + dataLength)`: writes 32 bytes into `out[outOffset, …)`. */
  hmacSha256(
    key: Uint8Array,
    data: Uint8Array,
    dataOffset: number,
    dataLength: number,
    out: Uint8Array,
    outOffset: number,
  ): void;

  /** Fills `out` with random bytes from the provider's random source. */
  randomFill(out: Uint8Array): void;
}

/**
 * Whether `[offset, offset + length)` is a valid region of `buffer` (integers, non-negative, in
 * bounds). Providers use it to validate caller regions without throwing on the open path.
 */
export function regionFits(buffer: Uint8Array, offset: number, length: number): boolean {
  return (
    Number.isInteger(offset) &&
    Number.isInteger(length) &&
    offset >= 0 &&
    length >= 0 &&
    offset + length <= buffer.length
  );
}

/** The bytes of an ASCII string (labels); core has no TextEncoder in its lib. */
export function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) throw new RangeError('asciiBytes: not an ASCII string');
    out[i] = code;
  }
  return out;
}

/** Throws `InvalidArgumentError` unless `key` is a 32-byte AES-256 key (the providers' `prepareAeadKey` check). */
export function checkAeadKeyLength(key: Uint8Array): void {
  if (key.length !== AEAD_KEY_BYTES) {
    throw new InvalidArgumentError(`AES-256-GCM keys are ${AEAD_KEY_BYTES} bytes, got ${key.length}`);
  }
}

/**
 * Whether the nonce and the data+tag and AAD regions of a seal/open call are valid. `seal` throws
 * when they are not (a caller bug); `open` returns false (it never throws).
 */
export function aeadArgumentsValid(
  nonce: Uint8Array,
  data: Uint8Array,
  dataOffset: number,
  dataLength: number,
  aad: Uint8Array,
  aadOffset: number,
  aadLength: number,
): boolean {
  return (
    nonce.length === AEAD_NONCE_BYTES &&
    regionFits(data, dataOffset, dataLength + AEAD_TAG_BYTES) &&
    regionFits(aad, aadOffset, aadLength)
  );
}

/** Throws `InvalidArgumentError` unless {@link aeadArgumentsValid} holds (the providers' `seal` check). */
export function checkSealArguments(
  nonce: Uint8Array,
  data: Uint8Array,
  dataOffset: number,
  dataLength: number,
  aad: Uint8Array,
  aadOffset: number,
  aadLength: number,
): void {
  if (!aeadArgumentsValid(nonce, data, dataOffset, dataLength, aad, aadOffset, aadLength)) {
    throw new InvalidArgumentError('seal: the nonce must be 12 bytes and the data+tag and AAD regions in bounds');
  }
}
