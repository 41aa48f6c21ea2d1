/**
 * Random sources for the portable provider: a seeded, deterministic ChaCha20 keystream (the
 * simulator and tests: same seed ⇒ same bytes, on every platform) and the platform's WebCrypto
 * CSPRNG (`globalThis.crypto.getRandomValues`, a standard API — no `node:*` import).
 *
 * The core never picks one on its own: whoever builds a provider chooses its random source.
 *
 * spec: security.md#providers
 */
import { chacha20 } from '@noble/ciphers/chacha.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { InvalidArgumentError } from '../errors.js';
import { asciiBytes, type RandomSource } from './provider.js';

/** Bytes of keystream produced per refill of a {@link SeededRandom} (64 ChaCha20 blocks). */
export const SEEDED_RANDOM_REFILL_BYTES = 4096;

const SEED_LABEL = 'dcq seeded random v1';

/**
 * A deterministic random source: the ChaCha20 (RFC 8439) keystream under a key derived from a
 * seed. Refill `i` (0-based) is the keystream of nonce `0x00000000 || u64be(i)` from block counter
 * 0, {@link SEEDED_RANDOM_REFILL_BYTES} bytes long; bytes are handed out in order. With a secret
 * 32-byte seed it is a sound DRBG; with a small numeric seed it is predictable by design — use it
 * for simulation and tests, never for production keys.
 */
export class SeededRandom implements RandomSource {
  private readonly key: Uint8Array;
  private readonly nonce: Uint8Array;
  private readonly nonceView: DataView;
  private readonly zeros: Uint8Array;
  private readonly pool: Uint8Array;
  private poolPosition: number;
  private refillIndex: number;

  /** @param key - the 32-byte ChaCha20 key; see {@link createSeededRandom} to derive it from a seed. */
  constructor(key: Uint8Array) {
    if (key.length !== 32) throw new InvalidArgumentError(`seeded random key must be 32 bytes, got ${key.length}`);
    this.key = key.slice();
    this.nonce = new Uint8Array(12);
    this.nonceView = new DataView(this.nonce.buffer);
    this.zeros = new Uint8Array(SEEDED_RANDOM_REFILL_BYTES);
    this.pool = new Uint8Array(SEEDED_RANDOM_REFILL_BYTES);
    this.poolPosition = SEEDED_RANDOM_REFILL_BYTES;
    this.refillIndex = 0;
  }

  /** Fills `out` with the next bytes of the keystream. */
  fill(out: Uint8Array): void {
    let written = 0;
    while (written < out.length) {
      if (this.poolPosition === SEEDED_RANDOM_REFILL_BYTES) this.refill();
      const take = Math.min(out.length - written, SEEDED_RANDOM_REFILL_BYTES - this.poolPosition);
      out.set(this.pool.subarray(this.poolPosition, this.poolPosition + take), written);
      this.poolPosition += take;
      written += take;
    }
  }

  private refill(): void {
    const index = this.refillIndex;
    this.nonceView.setUint32(4, Math.floor(index / 4294967296), false);
    this.nonceView.setUint32(8, index % 4294967296, false);
    chacha20(this.key, this.nonce, this.zeros, this.pool, 0);
    this.refillIndex = index + 1;
    this.poolPosition = 0;
  }
}

/**
 * Creates a deterministic random source. A numeric seed (a safe non-negative integer) is turned into
 * the key `SHA-256("dcq seeded random v1" || u64be(seed))`; a 32-byte array is used as the key as is.
 */
export function createSeededRandom(seed: number | Uint8Array): SeededRandom {
  if (typeof seed !== 'number') return new SeededRandom(seed);
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new InvalidArgumentError(`random seed must be a safe non-negative integer, got ${seed}`);
  }
  const label = asciiBytes(SEED_LABEL);
  const input = new Uint8Array(label.length + 8);
  input.set(label, 0);
  const view = new DataView(input.buffer);
  view.setUint32(label.length, Math.floor(seed / 4294967296), false);
  view.setUint32(label.length + 4, seed % 4294967296, false);
  return new SeededRandom(sha256(input));
}

interface WebCryptoLike {
  getRandomValues(array: Uint8Array): Uint8Array;
}

/** WebCrypto limits one `getRandomValues` call to 65536 bytes. */
const WEB_CRYPTO_CHUNK_BYTES = 65536;

/**
 * The platform CSPRNG through the standard WebCrypto `globalThis.crypto.getRandomValues` (Node ≥ 19,
 * Deno, Bun, browsers). Throws `InvalidArgumentError` when the platform has none.
 */
export function createSystemRandom(): RandomSource {
  const webCrypto = (globalThis as unknown as { crypto?: WebCryptoLike }).crypto;
  if (webCrypto === undefined || typeof webCrypto.getRandomValues !== 'function') {
    throw new InvalidArgumentError(
      'no WebCrypto getRandomValues on this platform: pass an explicit random source to the crypto provider',
    );
  }
  return {
    fill(out: Uint8Array): void {
      for (let offset = 0; offset < out.length; offset += WEB_CRYPTO_CHUNK_BYTES) {
        webCrypto.getRandomValues(out.subarray(offset, Math.min(out.length, offset + WEB_CRYPTO_CHUNK_BYTES)));
      }
    },
  };
}
