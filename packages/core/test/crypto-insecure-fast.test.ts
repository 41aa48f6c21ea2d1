/**
 * The insecure-fast provider (simulation sweeps only): in-place round trips at arbitrary offsets
 * against a copy-based reference (fast-check), sealed bytes differing from the plaintext, every
 * single-bit flip of the ciphertext, tag, AAD and nonce rejected (exhaustively, over several sizes)
 * with the data left unchanged, wrong keys and foreign key objects rejected, determinism of every
 * primitive, input sensitivity of the HKDF/HMAC stand-ins, the interface's argument checks, and its
 * speed against noble (printed, never asserted: timings are noisy).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../src/crypto/vectors.js';
import {
  AEAD_TAG_BYTES,
  createSeededRandom,
  INSECURE_FAST_PROVIDER_NAME,
  InsecureFastCryptoProvider,
  InvalidArgumentError,
  NobleCryptoProvider,
} from '../src/index.js';

const provider = new InsecureFastCryptoProvider({ random: createSeededRandom(7) });
const EMPTY = new Uint8Array(0);

function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  createSeededRandom(seed).fill(out);
  return out;
}

function flip(buffer: Uint8Array, bit: number): void {
  const at = bit >>> 3;
  buffer[at] = (buffer[at] as number) ^ (1 << (bit & 7));
}

describe('InsecureFastCryptoProvider AEAD', () => {
  it('is named insecure-fast and stamps its keys', () => {
    expect(provider.name).toBe('insecure-fast');
    expect(INSECURE_FAST_PROVIDER_NAME).toBe('insecure-fast');
    expect(provider.prepareAeadKey(new Uint8Array(32)).providerName).toBe('insecure-fast');
  });

  it('round-trips at arbitrary offsets and matches a copy-based seal of the same inputs', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.nat(17),
        fc.nat(9),
        (rawKey, nonce, plaintext, aad, dataOffset, aadOffset) => {
          const key = provider.prepareAeadKey(rawKey);
          const buffer = new Uint8Array(dataOffset + plaintext.length + AEAD_TAG_BYTES + 5).fill(0xee);
          buffer.set(plaintext, dataOffset);
          const aadBuffer = new Uint8Array(aadOffset + aad.length + 3);
          aadBuffer.set(aad, aadOffset);
          provider.seal(key, nonce, buffer, dataOffset, plaintext.length, aadBuffer, aadOffset, aad.length);
          const reference = new Uint8Array(plaintext.length + AEAD_TAG_BYTES);
          reference.set(plaintext);
          provider.seal(key, nonce, reference, 0, plaintext.length, aad.slice(), 0, aad.length);
          expect(toHex(buffer.subarray(dataOffset, dataOffset + reference.length))).toBe(toHex(reference));
          expect(buffer.subarray(0, dataOffset).every((b) => b === 0xee)).toBe(true);
          expect(buffer.subarray(dataOffset + reference.length).every((b) => b === 0xee)).toBe(true);
          expect(
            provider.open(key, nonce, buffer, dataOffset, plaintext.length, aadBuffer, aadOffset, aad.length),
          ).toBe(true);
          expect(toHex(buffer.subarray(dataOffset, dataOffset + plaintext.length))).toBe(toHex(plaintext));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('sealed bytes differ from the plaintext (a missing open is caught)', () => {
    const key = provider.prepareAeadKey(bytes(32, 1));
    for (const size of [4, 16, 64, 1200]) {
      for (const fill of [0x00, 0xff, 0x5a]) {
        const plaintext = new Uint8Array(size).fill(fill);
        const buffer = new Uint8Array(size + AEAD_TAG_BYTES);
        buffer.set(plaintext);
        provider.seal(key, new Uint8Array(12), buffer, 0, size, EMPTY, 0, 0);
        let same = 0;
        for (let i = 0; i < size; i++) if (buffer[i] === plaintext[i]) same++;
        // A keystream byte is zero with probability 1/256: far fewer than half survive.
        expect(same).toBeLessThan(Math.max(2, size / 8));
      }
    }
  });

  it('rejects every single-bit flip of the ciphertext, tag, AAD and nonce, leaving the data unchanged', () => {
    const key = provider.prepareAeadKey(bytes(32, 2));
    for (const [size, aadSize] of [
      [0, 0],
      [1, 3],
      [7, 16],
      [64, 5],
      [301, 33],
    ] as const) {
      const nonce = bytes(12, 3 + size);
      const aad = bytes(aadSize, 4 + size);
      const buffer = new Uint8Array(size + AEAD_TAG_BYTES);
      buffer.set(bytes(size, 5 + size));
      provider.seal(key, nonce, buffer, 0, size, aad, 0, aadSize);
      const sealed = buffer.slice();
      for (let bit = 0; bit < buffer.length * 8; bit++) {
        flip(buffer, bit);
        const flipped = buffer.slice();
        expect(provider.open(key, nonce, buffer, 0, size, aad, 0, aadSize)).toBe(false);
        expect(toHex(buffer)).toBe(toHex(flipped));
        flip(buffer, bit);
      }
      for (let bit = 0; bit < aadSize * 8; bit++) {
        flip(aad, bit);
        expect(provider.open(key, nonce, buffer, 0, size, aad, 0, aadSize)).toBe(false);
        flip(aad, bit);
      }
      for (let bit = 0; bit < 96; bit++) {
        flip(nonce, bit);
        expect(provider.open(key, nonce, buffer, 0, size, aad, 0, aadSize)).toBe(false);
        flip(nonce, bit);
      }
      expect(toHex(buffer)).toBe(toHex(sealed));
      expect(provider.open(key, nonce, buffer, 0, size, aad, 0, aadSize)).toBe(true);
    }
  });

  it('rejects random multi-byte corruption, other keys, other nonces and a moved AAD boundary', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        fc.uint8Array({ maxLength: 20 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (plaintext, aad, edits, otherKey) => {
          const rawKey = bytes(32, 9);
          const key = provider.prepareAeadKey(rawKey);
          const nonce = bytes(12, 10);
          const buffer = new Uint8Array(plaintext.length + AEAD_TAG_BYTES);
          buffer.set(plaintext);
          provider.seal(key, nonce, buffer, 0, plaintext.length, aad, 0, aad.length);
          const corrupted = buffer.slice();
          for (const [at, xor] of edits) {
            const i = at % corrupted.length;
            corrupted[i] = (corrupted[i] as number) ^ xor;
          }
          if (toHex(corrupted) !== toHex(buffer)) {
            expect(provider.open(key, nonce, corrupted, 0, plaintext.length, aad, 0, aad.length)).toBe(false);
          }
          if (toHex(otherKey) !== toHex(rawKey)) {
            const wrong = provider.prepareAeadKey(otherKey);
            expect(provider.open(wrong, nonce, buffer.slice(), 0, plaintext.length, aad, 0, aad.length)).toBe(false);
          }
          // The same ciphertext+tag replayed under the next nonce (a per-key counter) fails.
          const next = nonce.slice();
          next[11] = ((next[11] as number) + 1) & 0xff;
          expect(provider.open(key, next, buffer.slice(), 0, plaintext.length, aad, 0, aad.length)).toBe(false);
          // The last data byte moved into the AAD (same total bytes): lengths are bound in the tag.
          const joined = new Uint8Array(aad.length + plaintext.length + AEAD_TAG_BYTES);
          joined.set(aad);
          joined.set(buffer, aad.length);
          expect(
            provider.open(key, nonce, joined, aad.length + 1, plaintext.length - 1, joined, 0, aad.length + 1),
          ).toBe(false);
          expect(provider.open(key, nonce, buffer, 0, plaintext.length, aad, 0, aad.length)).toBe(true);
          expect(toHex(buffer.subarray(0, plaintext.length))).toBe(toHex(plaintext));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('open returns false (never throws) on bad arguments; seal throws InvalidArgumentError', () => {
    const key = provider.prepareAeadKey(new Uint8Array(32).fill(1));
    const nonce = new Uint8Array(12).fill(2);
    const aad = new Uint8Array([1, 2, 3]);
    const buffer = new Uint8Array(64 + AEAD_TAG_BYTES);
    provider.seal(key, nonce, buffer, 0, 64, aad, 0, 3);
    const sealed = buffer.slice();
    expect(provider.open(key, nonce, buffer, 1, 64, aad, 0, 3)).toBe(false);
    expect(provider.open(key, nonce, buffer, -1, 64, aad, 0, 3)).toBe(false);
    expect(provider.open(key, nonce, buffer, 0, 64, aad, 1, 3)).toBe(false);
    expect(provider.open(key, nonce, buffer, 0, 0.5, aad, 0, 3)).toBe(false);
    expect(provider.open({ providerName: 'noble' }, nonce, buffer, 0, 64, aad, 0, 3)).toBe(false);
    const nobleKey = new NobleCryptoProvider({ random: createSeededRandom(1) }).prepareAeadKey(new Uint8Array(32));
    expect(provider.open(nobleKey, nonce, buffer, 0, 64, aad, 0, 3)).toBe(false);
    expect(provider.open(key, new Uint8Array(8), buffer, 0, 64, aad, 0, 3)).toBe(false);
    expect(provider.open(key, nonce, new Uint8Array(10), 0, 0, aad, 0, 3)).toBe(false);
    expect(toHex(buffer)).toBe(toHex(sealed));
    expect(() => provider.seal(key, nonce, new Uint8Array(20), 0, 5, EMPTY, 0, 0)).toThrow(InvalidArgumentError);
    expect(() => provider.seal(key, new Uint8Array(11), new Uint8Array(20), 0, 4, EMPTY, 0, 0)).toThrow(
      InvalidArgumentError,
    );
    expect(() => provider.seal(nobleKey, nonce, new Uint8Array(20), 0, 4, EMPTY, 0, 0)).toThrow(InvalidArgumentError);
    expect(() => provider.prepareAeadKey(new Uint8Array(16))).toThrow(InvalidArgumentError);
  });

  it('is deterministic across provider instances, and prepared keys do not alias the raw key', () => {
    const other = new InsecureFastCryptoProvider({ random: createSeededRandom(8) });
    const raw = bytes(32, 11);
    const a = new Uint8Array(100 + AEAD_TAG_BYTES);
    a.set(bytes(100, 12));
    const b = a.slice();
    const key = provider.prepareAeadKey(raw);
    const otherKey = other.prepareAeadKey(raw);
    raw.fill(0);
    provider.seal(key, bytes(12, 13), a, 0, 100, bytes(7, 14), 0, 7);
    other.seal(otherKey, bytes(12, 13), b, 0, 100, bytes(7, 14), 0, 7);
    expect(toHex(a)).toBe(toHex(b));
    // Pinned: a change of the construction is noticed (it changes every insecure-fast simulation).
    expect(toHex(a.subarray(100))).toBe('42f7d1dd202d81fbad70aff0b8cc7030');
  });
});

describe('InsecureFastCryptoProvider key derivation stand-ins', () => {
  it('HKDF-Extract, HKDF-Expand and HMAC are deterministic, write exactly their output, and depend on every input', () => {
    const other = new InsecureFastCryptoProvider({ random: createSeededRandom(8) });
    const salt = bytes(13, 20);
    const ikm = bytes(22, 21);
    const prk = new Uint8Array(32);
    provider.hkdfExtract(salt, ikm, prk);
    const prk2 = new Uint8Array(32);
    other.hkdfExtract(salt, ikm, prk2);
    expect(toHex(prk)).toBe(toHex(prk2));
    const seen = new Set<string>([toHex(prk)]);
    for (let bit = 0; bit < ikm.length * 8; bit++) {
      flip(ikm, bit);
      provider.hkdfExtract(salt, ikm, prk2);
      seen.add(toHex(prk2));
      flip(ikm, bit);
    }
    for (let bit = 0; bit < salt.length * 8; bit++) {
      flip(salt, bit);
      provider.hkdfExtract(salt, ikm, prk2);
      seen.add(toHex(prk2));
      flip(salt, bit);
    }
    provider.hkdfExtract(EMPTY, ikm, prk2);
    seen.add(toHex(prk2));
    expect(seen.size).toBe(1 + ikm.length * 8 + salt.length * 8 + 1);

    const info = bytes(10, 22);
    const okm = new Uint8Array(110).fill(0xaa);
    provider.hkdfExpand(prk, info, okm, 4, 100);
    expect(toHex(okm.subarray(0, 4))).toBe('aaaaaaaa');
    expect(toHex(okm.subarray(104))).toBe('aaaaaaaaaaaa');
    // Shorter outputs are prefixes (as in RFC 5869); blocks differ from each other.
    const short = new Uint8Array(42);
    provider.hkdfExpand(prk, info, short, 0, 42);
    expect(toHex(short)).toBe(toHex(okm.subarray(4, 46)));
    expect(toHex(okm.subarray(4, 36))).not.toBe(toHex(okm.subarray(36, 68)));
    const otherInfo = info.slice();
    otherInfo[0] = (otherInfo[0] as number) ^ 1;
    provider.hkdfExpand(prk, otherInfo, short, 0, 42);
    expect(toHex(short)).not.toBe(toHex(okm.subarray(4, 46)));

    const data = new Uint8Array([0xaa, 1, 2, 3, 4, 5, 6, 7, 8, 0xbb]);
    const mac = new Uint8Array(34).fill(0xcc);
    provider.hmacSha256(bytes(20, 23), data, 1, 8, mac, 2);
    expect(toHex(mac.subarray(0, 2))).toBe('cccc');
    const mac2 = new Uint8Array(32);
    provider.hmacSha256(bytes(20, 23), data.slice(1, 9), 0, 8, mac2, 0);
    expect(toHex(mac2)).toBe(toHex(mac.subarray(2)));
    provider.hmacSha256(bytes(20, 24), data, 1, 8, mac2, 0);
    expect(toHex(mac2)).not.toBe(toHex(mac.subarray(2)));
    // HMAC and HKDF-Extract of the same (key, data) are domain-separated.
    provider.hkdfExtract(salt, ikm, prk2);
    provider.hmacSha256(salt, ikm, 0, ikm.length, mac2, 0);
    expect(toHex(mac2)).not.toBe(toHex(prk2));
  });

  it('rejects bad output regions like the real providers', () => {
    expect(() => provider.hkdfExtract(EMPTY, EMPTY, new Uint8Array(31))).toThrow(InvalidArgumentError);
    expect(() => provider.hkdfExpand(new Uint8Array(32), EMPTY, new Uint8Array(10), 0, 11)).toThrow(
      InvalidArgumentError,
    );
    expect(() => provider.hkdfExpand(new Uint8Array(32), EMPTY, new Uint8Array(9000), 0, 255 * 32 + 1)).toThrow(
      InvalidArgumentError,
    );
    expect(() => provider.hkdfExpand(new Uint8Array(16), EMPTY, new Uint8Array(10), 0, 10)).toThrow(
      InvalidArgumentError,
    );
    expect(() => provider.hmacSha256(EMPTY, new Uint8Array(4), 2, 3, new Uint8Array(32), 0)).toThrow(
      InvalidArgumentError,
    );
    expect(() => provider.hmacSha256(EMPTY, new Uint8Array(4), 0, 4, new Uint8Array(32), 1)).toThrow(
      InvalidArgumentError,
    );
  });

  it('hands out its random source bytes', () => {
    const fromProvider = new Uint8Array(100);
    new InsecureFastCryptoProvider({ random: createSeededRandom(99) }).randomFill(fromProvider);
    const direct = new Uint8Array(100);
    createSeededRandom(99).fill(direct);
    expect(toHex(fromProvider)).toBe(toHex(direct));
  });
});

describe('InsecureFastCryptoProvider speed', () => {
  it('seals and opens 1200-byte datagrams faster than noble (ratio printed, not asserted)', () => {
    const noble = new NobleCryptoProvider({ random: createSeededRandom(1) });
    const rate = (candidate: InsecureFastCryptoProvider | NobleCryptoProvider, iterations: number): number => {
      const key = candidate.prepareAeadKey(bytes(32, 30));
      const nonce = new Uint8Array(12);
      const aad = bytes(32, 31);
      const buffer = new Uint8Array(1200 + AEAD_TAG_BYTES);
      const start = performance.now();
      for (let i = 0; i < iterations; i++) {
        nonce[0] = i & 0xff;
        candidate.seal(key, nonce, buffer, 0, 1200, aad, 0, aad.length);
        if (!candidate.open(key, nonce, buffer, 0, 1200, aad, 0, aad.length)) throw new Error('open failed');
      }
      return iterations / ((performance.now() - start) / 1000);
    };
    rate(provider, 500); // warm-up
    rate(noble, 50);
    const fast = rate(provider, 5000);
    const slow = rate(noble, 500);
    console.log(
      `insecure-fast: ${Math.round(fast)} seal+open/s of 1200 B; noble: ${Math.round(slow)}/s; ratio ${(fast / slow).toFixed(1)}×`,
    );
    expect(fast).toBeGreaterThan(0);
    expect(slow).toBeGreaterThan(0);
  });
});
