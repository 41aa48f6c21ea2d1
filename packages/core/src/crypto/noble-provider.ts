/**
 * The portable crypto provider: AES-256-GCM from `@noble/ciphers`, HKDF/HMAC-SHA256 from
 * `@noble/hashes`, randomness from an injected {@link RandomSource}. Pure JavaScript, so it runs in
 * the simulator, in tests and on platforms without OpenSSL; the runtime prefers the `node:crypto`
 * provider of `@dcq/node`, which is several times faster (see the `aead` benchmark).
 *
 * Limits of noble's public API (v2): `gcm(key, nonce, aad)` expands the AES key and builds the GHASH
 * table on every call and returns a freshly allocated output, and there is no public API to keep the
 * expanded state (only `unsafe.*` internals, which may change in any release). So a prepared
 * {@link AeadKey} here is a private copy of the raw key, and seal/open copy the result back into the
 * caller's buffer. The interface stays allocation-free for callers; this provider is not.
 *
 * spec: security.md#providers
 */
import { gcm } from '@noble/ciphers/aes.js';
import { expand, extract } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { InvalidArgumentError } from '../errors.js';
import {
  AEAD_TAG_BYTES,
  type AeadKey,
  aeadArgumentsValid,
  type CryptoProvider,
  checkAeadKeyLength,
  checkSealArguments,
  HASH_BYTES,
  HKDF_EXPAND_BYTES_MAX,
  type RandomSource,
  regionFits,
} from './provider.js';

/** Name of the noble provider, also stamped on its {@link AeadKey}s. */
export const NOBLE_PROVIDER_NAME = 'noble';

/** A noble AEAD key: a private copy of the raw 32-byte key. */
interface NobleAeadKey extends AeadKey {
  readonly raw: Uint8Array;
}

/** Options of {@link NobleCryptoProvider}. */
export interface NobleCryptoProviderOptions {
  /**
   * Where random bytes come from. Required: the core never chooses on its own. Use
   * `createSeededRandom(seed)` for deterministic simulation and tests, `createSystemRandom()` for the
   * platform CSPRNG.
   */
  readonly random: RandomSource;
}

const EMPTY = new Uint8Array(0);

function asNobleKey(key: AeadKey): NobleAeadKey | undefined {
  return key.providerName === NOBLE_PROVIDER_NAME ? (key as NobleAeadKey) : undefined;
}

/** The portable, pure-JavaScript {@link CryptoProvider}. */
export class NobleCryptoProvider implements CryptoProvider {
  readonly name: string;
  private readonly random: RandomSource;

  constructor(options: NobleCryptoProviderOptions) {
    this.name = NOBLE_PROVIDER_NAME;
    this.random = options.random;
  }

  prepareAeadKey(key: Uint8Array): AeadKey {
    checkAeadKeyLength(key);
    const prepared: NobleAeadKey = { providerName: NOBLE_PROVIDER_NAME, raw: key.slice() };
    return prepared;
  }

  seal(
    key: AeadKey,
    nonce: Uint8Array,
    data: Uint8Array,
    dataOffset: number,
    dataLength: number,
    aad: Uint8Array,
    aadOffset: number,
    aadLength: number,
  ): void {
    const nobleKey = asNobleKey(key);
    if (nobleKey === undefined) throw new InvalidArgumentError('AEAD key was prepared by another crypto provider');
    checkSealArguments(nonce, data, dataOffset, dataLength, aad, aadOffset, aadLength);
    const aadView = aadLength === 0 ? undefined : aad.subarray(aadOffset, aadOffset + aadLength);
    const sealed = gcm(nobleKey.raw, nonce, aadView).encrypt(data.subarray(dataOffset, dataOffset + dataLength));
    data.set(sealed, dataOffset);
  }

  open(
    key: AeadKey,
    nonce: Uint8Array,
    data: Uint8Array,
    dataOffset: number,
    dataLength: number,
    aad: Uint8Array,
    aadOffset: number,
    aadLength: number,
  ): boolean {
    const nobleKey = asNobleKey(key);
    if (nobleKey === undefined || !aeadArgumentsValid(nonce, data, dataOffset, dataLength, aad, aadOffset, aadLength)) {
      return false;
    }
    const aadView = aadLength === 0 ? undefined : aad.subarray(aadOffset, aadOffset + aadLength);
    let plaintext: Uint8Array;
    try {
      // noble verifies the tag before decrypting and throws on a mismatch.
      plaintext = gcm(nobleKey.raw, nonce, aadView).decrypt(
        data.subarray(dataOffset, dataOffset + dataLength + AEAD_TAG_BYTES),
      );
    } catch {
      return false;
    }
    data.set(plaintext, dataOffset);
    return true;
  }

  hkdfExtract(salt: Uint8Array, ikm: Uint8Array, out: Uint8Array): void {
    if (out.length < HASH_BYTES) throw new InvalidArgumentError('hkdfExtract: output must hold 32 bytes');
    out.set(extract(sha256, ikm, salt.length === 0 ? EMPTY : salt), 0);
  }

  hkdfExpand(prk: Uint8Array, info: Uint8Array, out: Uint8Array, outOffset: number, length: number): void {
    if (!(length >= 1 && length <= HKDF_EXPAND_BYTES_MAX) || !regionFits(out, outOffset, length)) {
      throw new InvalidArgumentError(`hkdfExpand: length must be in [1, ${HKDF_EXPAND_BYTES_MAX}] and fit the output`);
    }
    if (prk.length < HASH_BYTES) throw new InvalidArgumentError('hkdfExpand: PRK must be at least 32 bytes');
    out.set(expand(sha256, prk, info, length), outOffset);
  }

  hmacSha256(
    key: Uint8Array,
    data: Uint8Array,
    dataOffset: number,
    dataLength: number,
    out: Uint8Array,
    outOffset: number,
  ): void {
    if (!regionFits(data, dataOffset, dataLength) || !regionFits(out, outOffset, HASH_BYTES)) {
      throw new InvalidArgumentError('hmacSha256: data or output region out of bounds');
    }
    out.set(hmac(sha256, key, data.subarray(dataOffset, dataOffset + dataLength)), outOffset);
  }

  randomFill(out: Uint8Array): void {
    this.random.fill(out);
  }
}
