/**
 * The `node:crypto` (OpenSSL) crypto provider and the runtime's default provider.
 *
 * AES-256-GCM through `createCipheriv`/`createDecipheriv` with keys prepared once as `KeyObject`s,
 * HKDF-Expand and HMAC through `createHmac` (node has no expand-only HKDF: `hkdfSync` always
 * extracts first), randomness from `randomFillSync` unless a source is injected. node:crypto
 * cannot write into caller memory, so seal/open copy the result back; the calling convention stays
 * allocation-free for callers.
 *
 * spec: security.md#providers
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  type KeyObject,
  randomFillSync,
} from 'node:crypto';
import {
  AEAD_TAG_BYTES,
  type AeadKey,
  aeadArgumentsValid,
  type CryptoProvider,
  checkAeadKeyLength,
  checkSealArguments,
  HASH_BYTES,
  HKDF_EXPAND_BYTES_MAX,
  InvalidArgumentError,
  type RandomSource,
  regionFits,
} from '@dcq/core';

/** Name of the node:crypto provider, also stamped on its {@link AeadKey}s. */
export const NODE_PROVIDER_NAME = 'node';

const CIPHER = 'aes-256-gcm';
const GCM_OPTIONS = { authTagLength: AEAD_TAG_BYTES } as const;

/** A node AEAD key: an OpenSSL-side `KeyObject` created once per key. */
interface NodeAeadKey extends AeadKey {
  readonly keyObject: KeyObject;
}

/** Options of {@link NodeCryptoProvider}. */
export interface NodeCryptoProviderOptions {
  /** Random source; defaults to `crypto.randomFillSync` (the OpenSSL CSPRNG). */
  readonly random?: RandomSource;
}

const systemRandom: RandomSource = {
  fill(out: Uint8Array): void {
    randomFillSync(out);
  },
};

function asNodeKey(key: AeadKey): NodeAeadKey | undefined {
  return key.providerName === NODE_PROVIDER_NAME ? (key as NodeAeadKey) : undefined;
}

/** The {@link CryptoProvider} over `node:crypto`. */
export class NodeCryptoProvider implements CryptoProvider {
  readonly name: string;
  private readonly random: RandomSource;
  private readonly counterByte: Uint8Array;

  constructor(options: NodeCryptoProviderOptions = {}) {
    this.name = NODE_PROVIDER_NAME;
    this.random = options.random ?? systemRandom;
    this.counterByte = new Uint8Array(1);
  }

  prepareAeadKey(key: Uint8Array): AeadKey {
    checkAeadKeyLength(key);
    // createSecretKey copies the bytes; the caller may wipe `key`.
    const prepared: NodeAeadKey = { providerName: NODE_PROVIDER_NAME, keyObject: createSecretKey(key) };
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
    const nodeKey = asNodeKey(key);
    if (nodeKey === undefined) throw new InvalidArgumentError('AEAD key was prepared by another crypto provider');
    checkSealArguments(nonce, data, dataOffset, dataLength, aad, aadOffset, aadLength);
    const cipher = createCipheriv(CIPHER, nodeKey.keyObject, nonce, GCM_OPTIONS);
    if (aadLength > 0) cipher.setAAD(aad.subarray(aadOffset, aadOffset + aadLength));
    if (dataLength > 0) data.set(cipher.update(data.subarray(dataOffset, dataOffset + dataLength)), dataOffset);
    cipher.final();
    data.set(cipher.getAuthTag(), dataOffset + dataLength);
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
    const nodeKey = asNodeKey(key);
    if (nodeKey === undefined || !aeadArgumentsValid(nonce, data, dataOffset, dataLength, aad, aadOffset, aadLength)) {
      return false;
    }
    try {
      const decipher = createDecipheriv(CIPHER, nodeKey.keyObject, nonce, GCM_OPTIONS);
      decipher.setAuthTag(data.subarray(dataOffset + dataLength, dataOffset + dataLength + AEAD_TAG_BYTES));
      if (aadLength > 0) decipher.setAAD(aad.subarray(aadOffset, aadOffset + aadLength));
      // OpenSSL releases plaintext before checking the tag: keep it aside until final() verified it.
      const plaintext = dataLength > 0 ? decipher.update(data.subarray(dataOffset, dataOffset + dataLength)) : null;
      decipher.final();
      if (plaintext !== null) data.set(plaintext, dataOffset);
      return true;
    } catch {
      return false;
    }
  }

  hkdfExtract(salt: Uint8Array, ikm: Uint8Array, out: Uint8Array): void {
    if (out.length < HASH_BYTES) throw new InvalidArgumentError('hkdfExtract: output must hold 32 bytes');
    // RFC 5869 §2.2: an absent salt is HashLen zero bytes; HMAC pads a short key with zeros anyway.
    out.set(createHmac('sha256', salt).update(ikm).digest(), 0);
  }

  hkdfExpand(prk: Uint8Array, info: Uint8Array, out: Uint8Array, outOffset: number, length: number): void {
    if (!(length >= 1 && length <= HKDF_EXPAND_BYTES_MAX) || !regionFits(out, outOffset, length)) {
      throw new InvalidArgumentError(`hkdfExpand: length must be in [1, ${HKDF_EXPAND_BYTES_MAX}] and fit the output`);
    }
    if (prk.length < HASH_BYTES) throw new InvalidArgumentError('hkdfExpand: PRK must be at least 32 bytes');
    // RFC 5869 §2.3: T(i) = HMAC(PRK, T(i-1) || info || i), OKM = first `length` bytes of T(1) || T(2) || …
    let previous: Uint8Array | null = null;
    let written = 0;
    for (let i = 1; written < length; i++) {
      this.counterByte[0] = i;
      const hmac = createHmac('sha256', prk);
      if (previous !== null) hmac.update(previous);
      const block: Uint8Array = hmac.update(info).update(this.counterByte).digest();
      const take = Math.min(HASH_BYTES, length - written);
      out.set(take === HASH_BYTES ? block : block.subarray(0, take), outOffset + written);
      written += take;
      previous = block;
    }
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
    out.set(
      createHmac('sha256', key)
        .update(data.subarray(dataOffset, dataOffset + dataLength))
        .digest(),
      outOffset,
    );
  }

  randomFill(out: Uint8Array): void {
    this.random.fill(out);
  }
}
