/**
 * **INSECURE — FOR SIMULATION SWEEPS ONLY.** A deliberately non-cryptographic {@link CryptoProvider}
 * named `insecure-fast`: it keeps every observable behaviour the engine relies on (sealed bytes
 * differ from the plaintext, any corruption, AAD change, wrong key or wrong nonce makes `open`
 * fail, key derivation is deterministic and input-sensitive, randomness comes from the injected
 * source) at a small fraction of the cost of AES-256-GCM and SHA-256, so large simulator sweeps
 * are not dominated by crypto. It offers no confidentiality and no authenticity against anyone who
 * tries: its "tag" is a keyed checksum and its "encryption" an XOR with a cheap keystream, both
 * trivially forgeable. Never use it where a real peer or a real network is involved; results
 * produced with it must say so (the simulator reports the provider name of every run).
 *
 * Construction (all 32-bit integer math, `Math.imul`; bytes are read little-endian explicitly, so
 * the output is the same on every platform):
 * - AEAD: encrypt-then-checksum. The data is XORed with a keystream seeded from (key, nonce); the
 *   128-bit tag is four independent lanes over (key, nonce, AAD, AAD length, ciphertext, data
 *   length). Each lane absorbs a 32-bit word `w` as `h = imul(h ^ w, odd); h ^= h >>> s` — a
 *   bijection of `h` for a fixed `w` and of `w` for a fixed `h` — and ends with a bijective
 *   finalizer. So two inputs of the same lengths that differ in any bits (one flipped bit anywhere
 *   in the nonce, AAD or ciphertext) always give different lane values, and a different key gives
 *   a different starting state: single-bit corruption is detected with certainty, other accidental
 *   (not adversarial) changes with overwhelming probability (heuristically ≈ 1 − 2^-128).
 * - HKDF-Extract / HKDF-Expand / HMAC: an eight-lane (256-bit) keyed hash of the same kind over
 *   (domain, block counter, key, key length, data, data length), producing the interface's output
 *   lengths (32 bytes; `length` bytes for Expand, in 32-byte blocks).
 *
 * spec: security.md#providers
 */
import { InvalidArgumentError } from '../errors.js';
import {
  AEAD_KEY_BYTES,
  AEAD_NONCE_BYTES,
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

/** Name of the insecure fast provider, also stamped on its {@link AeadKey}s. */
export const INSECURE_FAST_PROVIDER_NAME = 'insecure-fast';

/** Words of a prepared key: four tag-lane seeds, two keystream seeds. */
const KEY_WORDS = 6;
const TAG_LANES = 4;
const HASH_LANES = HASH_BYTES / 4;

// Odd multipliers (from murmur3, xxhash32 and splitmix-style mixers) and shifts, one per lane.
const LANE_MULTIPLIERS = new Int32Array([
  0x85ebca6b | 0,
  0xc2b2ae35 | 0,
  0x27d4eb2f | 0,
  0x165667b1 | 0,
  0x9e3779b1 | 0,
  0x7feb352d | 0,
  0x846ca68b | 0,
  0xcc9e2d51 | 0,
]);
const LANE_SHIFTS = new Int32Array([15, 13, 16, 17, 14, 15, 16, 13]);
/** Initial lane states before the key is absorbed (distinct per lane). */
const LANE_INITIAL = new Int32Array([
  0x6a09e667 | 0,
  0xbb67ae85 | 0,
  0x3c6ef372 | 0,
  0xa54ff53a | 0,
  0x510e527f | 0,
  0x9b05688c | 0,
  0x1f83d9ab | 0,
  0x5be0cd19 | 0,
]);

// Domain separation of the keyed hash.
const DOMAIN_EXTRACT = 1;
const DOMAIN_EXPAND = 2;
const DOMAIN_HMAC = 3;
const DOMAIN_KEY = 4;

/** murmur3's fmix32: a bijection of 32-bit integers with full avalanche. */
function fmix32(value: number): number {
  let h = value ^ (value >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The little-endian 32-bit word at `bytes[at, at + 4)`, zero-padded past `end`. */
function wordAt(bytes: Uint8Array, at: number, end: number): number {
  if (at + 4 <= end) {
    return (
      (bytes[at] as number) |
      ((bytes[at + 1] as number) << 8) |
      ((bytes[at + 2] as number) << 16) |
      ((bytes[at + 3] as number) << 24)
    );
  }
  let word = 0;
  for (let i = 0; at + i < end; i++) word |= (bytes[at + i] as number) << (8 * i);
  return word;
}

/** A prepared insecure-fast key: lane seeds derived from the raw key. */
interface InsecureFastAeadKey extends AeadKey {
  readonly words: Int32Array;
}

function asFastKey(key: AeadKey): InsecureFastAeadKey | undefined {
  return key.providerName === INSECURE_FAST_PROVIDER_NAME ? (key as InsecureFastAeadKey) : undefined;
}

/** Options of {@link InsecureFastCryptoProvider}. */
export interface InsecureFastCryptoProviderOptions {
  /** Where random bytes come from (as for the noble provider: the core never chooses on its own). */
  readonly random: RandomSource;
}

/**
 * **INSECURE — FOR SIMULATION SWEEPS ONLY.** A fast, non-cryptographic stand-in for AES-256-GCM and
 * HKDF/HMAC-SHA256 that keeps the engine's observable behaviour (see the module comment). Its output
 * is deterministic but unrelated to the real algorithms: runs with it are not byte-identical to runs
 * with `noble` or `node`, and peers must all use it. Never use it outside the simulator.
 */
export class InsecureFastCryptoProvider implements CryptoProvider {
  readonly name: string;
  private readonly random: RandomSource;
  /** Lane states of the tag / keyed hash being computed (scratch, reused by every call). */
  private readonly lanes: Int32Array;

  constructor(options: InsecureFastCryptoProviderOptions) {
    this.name = INSECURE_FAST_PROVIDER_NAME;
    this.random = options.random;
    this.lanes = new Int32Array(HASH_LANES);
  }

  prepareAeadKey(key: Uint8Array): AeadKey {
    checkAeadKeyLength(key);
    // Eight key words through the keyed hash give the six seeds (a private derivation, no copy kept).
    const out = new Uint8Array(HASH_BYTES);
    this.keyedHash(DOMAIN_KEY, 0, key, 0, AEAD_KEY_BYTES, key, 0, 0, out, 0, HASH_BYTES);
    const words = new Int32Array(KEY_WORDS);
    for (let i = 0; i < KEY_WORDS; i++) words[i] = wordAt(out, 4 * i, HASH_BYTES);
    const prepared: InsecureFastAeadKey = { providerName: INSECURE_FAST_PROVIDER_NAME, words };
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
    const fastKey = asFastKey(key);
    if (fastKey === undefined) throw new InvalidArgumentError('AEAD key was prepared by another crypto provider');
    checkSealArguments(nonce, data, dataOffset, dataLength, aad, aadOffset, aadLength);
    this.applyKeystream(fastKey.words, nonce, data, dataOffset, dataLength);
    this.computeTag(fastKey.words, nonce, data, dataOffset, dataLength, aad, aadOffset, aadLength);
    const lanes = this.lanes;
    let at = dataOffset + dataLength;
    for (let lane = 0; lane < TAG_LANES; lane++, at += 4) {
      const word = lanes[lane] as number;
      data[at] = word & 0xff;
      data[at + 1] = (word >>> 8) & 0xff;
      data[at + 2] = (word >>> 16) & 0xff;
      data[at + 3] = (word >>> 24) & 0xff;
    }
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
    const fastKey = asFastKey(key);
    if (fastKey === undefined || !aeadArgumentsValid(nonce, data, dataOffset, dataLength, aad, aadOffset, aadLength)) {
      return false;
    }
    this.computeTag(fastKey.words, nonce, data, dataOffset, dataLength, aad, aadOffset, aadLength);
    const lanes = this.lanes;
    const tagAt = dataOffset + dataLength;
    let difference = 0;
    for (let lane = 0; lane < TAG_LANES; lane++) {
      difference |= (lanes[lane] as number) ^ wordAt(data, tagAt + 4 * lane, tagAt + AEAD_TAG_BYTES);
    }
    if (difference !== 0) return false;
    this.applyKeystream(fastKey.words, nonce, data, dataOffset, dataLength);
    return true;
  }

  hkdfExtract(salt: Uint8Array, ikm: Uint8Array, out: Uint8Array): void {
    if (out.length < HASH_BYTES) throw new InvalidArgumentError('hkdfExtract: output must hold 32 bytes');
    this.keyedHash(DOMAIN_EXTRACT, 0, salt, 0, salt.length, ikm, 0, ikm.length, out, 0, HASH_BYTES);
  }

  hkdfExpand(prk: Uint8Array, info: Uint8Array, out: Uint8Array, outOffset: number, length: number): void {
    if (!(length >= 1 && length <= HKDF_EXPAND_BYTES_MAX) || !regionFits(out, outOffset, length)) {
      throw new InvalidArgumentError(`hkdfExpand: length must be in [1, ${HKDF_EXPAND_BYTES_MAX}] and fit the output`);
    }
    if (prk.length < HASH_BYTES) throw new InvalidArgumentError('hkdfExpand: PRK must be at least 32 bytes');
    for (let block = 0, done = 0; done < length; block++, done += HASH_BYTES) {
      const take = Math.min(HASH_BYTES, length - done);
      this.keyedHash(DOMAIN_EXPAND, block, prk, 0, prk.length, info, 0, info.length, out, outOffset + done, take);
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
    this.keyedHash(DOMAIN_HMAC, 0, key, 0, key.length, data, dataOffset, dataLength, out, outOffset, HASH_BYTES);
  }

  randomFill(out: Uint8Array): void {
    this.random.fill(out);
  }

  /** XORs `data[offset, offset + length)` with the keystream of (key, nonce): its own inverse. */
  private applyKeystream(words: Int32Array, nonce: Uint8Array, data: Uint8Array, offset: number, length: number): void {
    // A counter-mode stream: word i is fmix32 of a (key, nonce)-seeded Weyl sequence at i.
    let state = fmix32(
      (words[4] as number) ^
        wordAt(nonce, 0, AEAD_NONCE_BYTES) ^
        Math.imul(wordAt(nonce, 8, AEAD_NONCE_BYTES), 0x9e3779b1),
    );
    const step = (fmix32((words[5] as number) ^ wordAt(nonce, 4, AEAD_NONCE_BYTES)) | 1) >>> 0;
    const end = offset + length;
    let at = offset;
    for (; at + 4 <= end; at += 4) {
      state = (state + step) | 0;
      const stream = fmix32(state);
      data[at] = (data[at] as number) ^ (stream & 0xff);
      data[at + 1] = (data[at + 1] as number) ^ ((stream >>> 8) & 0xff);
      data[at + 2] = (data[at + 2] as number) ^ ((stream >>> 16) & 0xff);
      data[at + 3] = (data[at + 3] as number) ^ ((stream >>> 24) & 0xff);
    }
    if (at < end) {
      state = (state + step) | 0;
      const stream = fmix32(state);
      for (let i = 0; at < end; at++, i++) data[at] = (data[at] as number) ^ ((stream >>> (8 * i)) & 0xff);
    }
  }

  /**
   * Leaves the 128-bit tag of (key, nonce, AAD, ciphertext) in `lanes[0, 4)`. The four lanes are
   * unrolled into locals (this runs over every sealed byte); each step is the one of `absorbWord`.
   */
  private computeTag(
    words: Int32Array,
    nonce: Uint8Array,
    data: Uint8Array,
    dataOffset: number,
    dataLength: number,
    aad: Uint8Array,
    aadOffset: number,
    aadLength: number,
  ): void {
    const lanes = this.lanes;
    for (let lane = 0; lane < TAG_LANES; lane++) lanes[lane] = words[lane] as number;
    this.absorb(TAG_LANES, nonce, 0, AEAD_NONCE_BYTES);
    this.absorb(TAG_LANES, aad, aadOffset, aadLength);
    this.absorbWord(TAG_LANES, aadLength);
    let h0 = lanes[0] as number;
    let h1 = lanes[1] as number;
    let h2 = lanes[2] as number;
    let h3 = lanes[3] as number;
    const end = dataOffset + dataLength;
    let at = dataOffset;
    for (; at + 4 <= end; at += 4) {
      const w =
        (data[at] as number) |
        ((data[at + 1] as number) << 8) |
        ((data[at + 2] as number) << 16) |
        ((data[at + 3] as number) << 24);
      h0 = Math.imul(h0 ^ w, 0x85ebca6b);
      h0 ^= h0 >>> 15;
      h1 = Math.imul(h1 ^ w, 0xc2b2ae35);
      h1 ^= h1 >>> 13;
      h2 = Math.imul(h2 ^ w, 0x27d4eb2f);
      h2 ^= h2 >>> 16;
      h3 = Math.imul(h3 ^ w, 0x165667b1);
      h3 ^= h3 >>> 17;
    }
    lanes[0] = h0;
    lanes[1] = h1;
    lanes[2] = h2;
    lanes[3] = h3;
    if (at < end) this.absorbWord(TAG_LANES, wordAt(data, at, end));
    this.absorbWord(TAG_LANES, dataLength);
    for (let lane = 0; lane < TAG_LANES; lane++) {
      lanes[lane] = fmix32((lanes[lane] as number) ^ Math.imul(lane + 1, 0x9e3779b1));
    }
  }

  /**
   * The 256-bit keyed hash of (domain, counter, key, data) written as `outLength` (≤ 32) bytes to
   * `out[outOffset, …)`. Lengths are absorbed after each field, so fields cannot shift into each other.
   */
  private keyedHash(
    domain: number,
    counter: number,
    key: Uint8Array,
    keyOffset: number,
    keyLength: number,
    data: Uint8Array,
    dataOffset: number,
    dataLength: number,
    out: Uint8Array,
    outOffset: number,
    outLength: number,
  ): void {
    const lanes = this.lanes;
    for (let lane = 0; lane < HASH_LANES; lane++) lanes[lane] = LANE_INITIAL[lane] as number;
    this.absorbWord(HASH_LANES, domain);
    this.absorbWord(HASH_LANES, counter);
    this.absorb(HASH_LANES, key, keyOffset, keyLength);
    this.absorbWord(HASH_LANES, keyLength);
    this.absorb(HASH_LANES, data, dataOffset, dataLength);
    this.absorbWord(HASH_LANES, dataLength);
    // Cross-lane finalization so every output byte depends on every lane.
    let carry = 0;
    for (let round = 0; round < 2; round++) {
      for (let lane = 0; lane < HASH_LANES; lane++) {
        carry = fmix32((lanes[lane] as number) + carry);
        lanes[lane] = carry;
      }
    }
    for (let i = 0; i < outLength; i++) {
      out[outOffset + i] = ((lanes[i >>> 2] as number) >>> (8 * (i & 3))) & 0xff;
    }
  }

  /** Absorbs `bytes[offset, offset + length)` (zero-padded to whole words) into the first `laneCount` lanes. */
  private absorb(laneCount: number, bytes: Uint8Array, offset: number, length: number): void {
    const end = offset + length;
    for (let at = offset; at < end; at += 4) this.absorbWord(laneCount, wordAt(bytes, at, end));
  }

  /** One absorption step per lane: `h = imul(h ^ word, odd); h ^= h >>> s`, a bijection in `h` and in `word`. */
  private absorbWord(laneCount: number, word: number): void {
    const lanes = this.lanes;
    for (let lane = 0; lane < laneCount; lane++) {
      const h = Math.imul((lanes[lane] as number) ^ word, LANE_MULTIPLIERS[lane] as number);
      lanes[lane] = h ^ (h >>> (LANE_SHIFTS[lane] as number));
    }
  }
}
