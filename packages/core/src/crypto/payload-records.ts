/**
 * Payload records: a buffer's payload is sealed ONCE, with a random per-buffer data key, into a
 * sealed stream of records (`ciphertext(Ri) || tag`, or `plaintext(Ri) || GMAC tag` in
 * authenticate-only mode); DATA_CHUNKS carry pieces of that stream to any number of peers, and each
 * receiver opens or verifies whole records in place. Owns the record layout arithmetic, the record
 * AAD and nonce, data-key generation, and the per-buffer {@link PayloadKey}.
 *
 * spec: security.md#payload-records
 */
import { InvalidArgumentError } from '../errors.js';
import { KEY_MATERIAL_BYTES } from './key-schedule.js';
import {
  AEAD_KEY_BYTES,
  AEAD_NONCE_BYTES,
  AEAD_TAG_BYTES,
  type AeadKey,
  asciiBytes,
  type CryptoProvider,
  regionFits,
} from './provider.js';

/** Bytes of tag after every record. */
export const RECORD_TAG_BYTES = AEAD_TAG_BYTES;

/** Smallest record size: 2^10 = 1 KiB. */
export const RECORD_SIZE_LOG2_MIN = 10;

/** Largest record size: 2^20 = 1 MiB. */
export const RECORD_SIZE_LOG2_MAX = 20;

/** Default record size: 2^16 = 64 KiB. */
export const RECORD_SIZE_LOG2_DEFAULT = 16;

/** Record flag bit 0: authenticate-only (the record travels as plaintext || GMAC tag). */
export const RECORD_FLAG_AUTHENTICATE_ONLY = 0x01;

/** Data key material length: AES-256 key (32) || IV (12), as carried in TRANSFER_NOTIFY. */
export const DATA_KEY_MATERIAL_BYTES = KEY_MATERIAL_BYTES;

/** Largest payload the wire can describe (u48). */
export const PAYLOAD_BYTES_WIRE_MAX = 2 ** 48 - 1;

/**
 * Largest payload one data key may seal: 2^39 bytes = 2^35 AES blocks, the AES-GCM confidentiality
 * bound used for control keys (RFC 9001 §6.6, advantage ≤ 2^-57).
 *
 * spec: security.md#aead-limits
 */
export const DATA_KEY_PAYLOAD_BYTES_MAX = 2 ** 39;

/** ASCII "dcq rec": the first bytes of every record AAD. */
export const RECORD_AAD_LABEL = /* @__PURE__ */ asciiBytes('dcq rec');

/** Record AAD: label (7) | buffer id (8) | payload bytes u64 | record size log2 u8 | record index u64 | flags u8. */
export const RECORD_AAD_BYTES = 7 + 8 + 8 + 1 + 8 + 1;

const TWO_POW_32 = 4294967296;
const AAD_BUFFER_ID = 7;
const AAD_PAYLOAD_BYTES = 15;
const AAD_RECORD_SIZE_LOG2 = 23;
const AAD_RECORD_INDEX = 24;
const AAD_FLAGS = 32;

function checkRecordSizeLog2(recordSizeLog2: number): void {
  if (
    !(
      Number.isInteger(recordSizeLog2) &&
      recordSizeLog2 >= RECORD_SIZE_LOG2_MIN &&
      recordSizeLog2 <= RECORD_SIZE_LOG2_MAX
    )
  ) {
    throw new InvalidArgumentError(
      `record size log2 must be an integer in [${RECORD_SIZE_LOG2_MIN}, ${RECORD_SIZE_LOG2_MAX}], got ${recordSizeLog2}`,
    );
  }
}

function checkRecordBytes(recordBytes: number): number {
  const log2 = Math.log2(recordBytes);
  checkRecordSizeLog2(log2);
  return log2;
}

function checkPayloadBytes(payloadBytes: number, max: number): void {
  if (!(Number.isInteger(payloadBytes) && payloadBytes >= 0 && payloadBytes <= max)) {
    throw new InvalidArgumentError(`payload size must be an integer in [0, ${max}], got ${payloadBytes}`);
  }
}

/** Number of records of a payload: ceil(P / R) (0 for an empty payload). */
export function recordCountOf(payloadBytes: number, recordBytes: number): number {
  checkRecordBytes(recordBytes);
  checkPayloadBytes(payloadBytes, PAYLOAD_BYTES_WIRE_MAX);
  return Math.ceil(payloadBytes / recordBytes);
}

/**
 * Size of the sealed stream of a P-byte payload in R-byte records: `P + 16 · ceil(P / R)`.
 *
 * spec: security.md#payload-records
 */
export function sealedSize(payloadBytes: number, recordBytes: number): number {
  return payloadBytes + RECORD_TAG_BYTES * recordCountOf(payloadBytes, recordBytes);
}

/** Index of the record that holds byte `sealedOffset` of the sealed stream. */
export function recordIndexOf(sealedOffset: number, recordBytes: number): number {
  checkRecordBytes(recordBytes);
  if (!(Number.isInteger(sealedOffset) && sealedOffset >= 0)) {
    throw new InvalidArgumentError(`sealed offset must be a non-negative integer, got ${sealedOffset}`);
  }
  return Math.floor(sealedOffset / (recordBytes + RECORD_TAG_BYTES));
}

/** Offset of record `recordIndex` in the sealed stream. */
export function recordSealedOffset(recordIndex: number, recordBytes: number): number {
  return recordIndex * (recordBytes + RECORD_TAG_BYTES);
}

/** Fields bound into every record's AAD. */
export interface RecordAadFields {
  /** Buffer id, high 32 bits. */
  readonly bufferIdHi: number;
  /** Buffer id, low 32 bits. */
  readonly bufferIdLo: number;
  /** Total payload size P in bytes. */
  readonly payloadBytes: number;
  /** log2 of the record size R. */
  readonly recordSizeLog2: number;
  /** Index of the record in the stream. */
  readonly recordIndex: number;
  /** Record flags ({@link RECORD_FLAG_AUTHENTICATE_ONLY}). */
  readonly flags: number;
}

/**
 * Writes the 33-byte record AAD into `out[offset, offset + 33)`.
 *
 * spec: security.md#payload-records
 */
export function writeRecordAad(out: Uint8Array, offset: number, fields: RecordAadFields): void {
  out.set(RECORD_AAD_LABEL, offset);
  encodeRecordAadFields(new DataView(out.buffer, out.byteOffset + offset, RECORD_AAD_BYTES), fields);
}

/** Writes every field after the label into a 33-byte view of the AAD. */
function encodeRecordAadFields(view: DataView, fields: RecordAadFields): void {
  view.setUint32(AAD_BUFFER_ID, fields.bufferIdHi, false);
  view.setUint32(AAD_BUFFER_ID + 4, fields.bufferIdLo, false);
  view.setUint32(AAD_PAYLOAD_BYTES, Math.floor(fields.payloadBytes / TWO_POW_32), false);
  view.setUint32(AAD_PAYLOAD_BYTES + 4, fields.payloadBytes % TWO_POW_32, false);
  view.setUint8(AAD_RECORD_SIZE_LOG2, fields.recordSizeLog2);
  view.setUint32(AAD_RECORD_INDEX, Math.floor(fields.recordIndex / TWO_POW_32), false);
  view.setUint32(AAD_RECORD_INDEX + 4, fields.recordIndex % TWO_POW_32, false);
  view.setUint8(AAD_FLAGS, fields.flags);
}

/**
 * Writes the 12-byte nonce of record `recordIndex`: the IV with the u64 record index XORed into its
 * last eight bytes.
 *
 * spec: security.md#payload-records
 */
export function writeRecordNonce(iv: Uint8Array, recordIndex: number, nonceOut: Uint8Array): void {
  const hi = Math.floor(recordIndex / TWO_POW_32);
  const lo = recordIndex % TWO_POW_32;
  for (let i = 0; i < 4; i++) nonceOut[i] = iv[i] as number;
  for (let i = 0; i < 4; i++) {
    const shift = 24 - 8 * i;
    nonceOut[4 + i] = (iv[4 + i] as number) ^ ((hi >>> shift) & 0xff);
    nonceOut[8 + i] = (iv[8 + i] as number) ^ ((lo >>> shift) & 0xff);
  }
}

/**
 * Generates fresh data key material (32-byte key || 12-byte IV) from the provider's random source
 * into `out[outOffset, outOffset + 44)`. One per buffer; never reused for another buffer.
 *
 * spec: security.md#data-keys
 */
export function generateDataKeyMaterial(provider: CryptoProvider, out: Uint8Array, outOffset: number): void {
  if (!regionFits(out, outOffset, DATA_KEY_MATERIAL_BYTES)) {
    throw new InvalidArgumentError('data key material needs 44 bytes of output');
  }
  provider.randomFill(out.subarray(outOffset, outOffset + DATA_KEY_MATERIAL_BYTES));
}

/** Options of {@link PayloadKey}. */
export interface PayloadKeyOptions {
  /** Provider that prepares the key; a {@link PayloadRecordCipher} on the same provider uses it. */
  readonly provider: CryptoProvider;
  /** Data key material: key (32) || IV (12) at `keyMaterialOffset`. Copied; the caller may wipe it. */
  readonly keyMaterial: Uint8Array;
  /** Offset of the material in `keyMaterial` (default 0). */
  readonly keyMaterialOffset?: number;
  /** Buffer id, high 32 bits. */
  readonly bufferIdHi: number;
  /** Buffer id, low 32 bits. */
  readonly bufferIdLo: number;
  /** Payload size P (0 … {@link DATA_KEY_PAYLOAD_BYTES_MAX}). */
  readonly payloadBytes: number;
  /** log2 of the record size ({@link RECORD_SIZE_LOG2_MIN} … {@link RECORD_SIZE_LOG2_MAX}). */
  readonly recordSizeLog2: number;
  /** Authenticate-only (plaintext || GMAC tag) instead of encryption. */
  readonly authenticateOnly: boolean;
}

/**
 * One buffer's data key, prepared once, plus everything its records bind: buffer id, payload
 * size, record size and mode. Immutable apart from the failure counter; holds no scratch, so
 * thousands can live in a receiver's transfer table. Operations go through a
 * {@link PayloadRecordCipher}.
 */
export class PayloadKey {
  /** Buffer id, high 32 bits. */
  readonly bufferIdHi: number;
  /** Buffer id, low 32 bits. */
  readonly bufferIdLo: number;
  /** Payload size P in bytes. */
  readonly payloadBytes: number;
  /** log2 of the record size. */
  readonly recordSizeLog2: number;
  /** Record size R in bytes. */
  readonly recordBytes: number;
  /** Number of records, ceil(P / R). */
  readonly recordCount: number;
  /** Size of the sealed stream, P + 16 · recordCount. */
  readonly sealedBytes: number;
  /** Record flags (bit 0: authenticate-only). */
  readonly flags: number;
  /** Provider that prepared {@link aeadKey}. */
  readonly providerName: string;
  /** The prepared AES-256 key. */
  readonly aeadKey: AeadKey;
  /** The 12-byte data IV. */
  readonly iv: Uint8Array;
  /** Records of this buffer that failed to open or verify (each one is re-pulled, never delivered). */
  failedRecordOpens: number;

  constructor(options: PayloadKeyOptions) {
    const materialOffset = options.keyMaterialOffset ?? 0;
    if (!regionFits(options.keyMaterial, materialOffset, DATA_KEY_MATERIAL_BYTES)) {
      throw new InvalidArgumentError('data key material must hold 44 bytes (key || IV) at the given offset');
    }
    if (options.bufferIdHi >>> 0 !== options.bufferIdHi || options.bufferIdLo >>> 0 !== options.bufferIdLo) {
      throw new InvalidArgumentError('buffer id halves must be u32 integers');
    }
    checkPayloadBytes(options.payloadBytes, DATA_KEY_PAYLOAD_BYTES_MAX);
    checkRecordSizeLog2(options.recordSizeLog2);
    this.bufferIdHi = options.bufferIdHi;
    this.bufferIdLo = options.bufferIdLo;
    this.payloadBytes = options.payloadBytes;
    this.recordSizeLog2 = options.recordSizeLog2;
    this.recordBytes = 2 ** options.recordSizeLog2;
    this.recordCount = Math.ceil(options.payloadBytes / this.recordBytes);
    this.sealedBytes = options.payloadBytes + RECORD_TAG_BYTES * this.recordCount;
    this.flags = options.authenticateOnly ? RECORD_FLAG_AUTHENTICATE_ONLY : 0;
    this.providerName = options.provider.name;
    this.aeadKey = options.provider.prepareAeadKey(
      options.keyMaterial.subarray(materialOffset, materialOffset + AEAD_KEY_BYTES),
    );
    this.iv = options.keyMaterial.slice(materialOffset + AEAD_KEY_BYTES, materialOffset + DATA_KEY_MATERIAL_BYTES);
    this.failedRecordOpens = 0;
  }

  /** Whether records are authenticated only (not encrypted). */
  get authenticateOnly(): boolean {
    return (this.flags & RECORD_FLAG_AUTHENTICATE_ONLY) !== 0;
  }

  /** Plaintext length of record `recordIndex` (R, or the remainder for the last record). */
  recordLength(recordIndex: number): number {
    return Math.min(this.recordBytes, this.payloadBytes - recordIndex * this.recordBytes);
  }

  /** Sealed length of record `recordIndex` (its plaintext length + 16). */
  recordSealedLength(recordIndex: number): number {
    return this.recordLength(recordIndex) + RECORD_TAG_BYTES;
  }

  /** Offset of record `recordIndex` in the sealed stream. */
  recordSealedOffset(recordIndex: number): number {
    return recordIndex * (this.recordBytes + RECORD_TAG_BYTES);
  }

  /** Offset of record `recordIndex`'s plaintext in the payload. */
  recordPayloadOffset(recordIndex: number): number {
    return recordIndex * this.recordBytes;
  }

  /** Index of the record holding byte `sealedOffset` of the sealed stream. */
  recordIndexOf(sealedOffset: number): number {
    return Math.floor(sealedOffset / (this.recordBytes + RECORD_TAG_BYTES));
  }

  /** Wipes the IV copy. A provider key object cannot always be wiped (see security.md#data-keys). */
  destroy(): void {
    this.iv.fill(0);
  }
}

/** Which records to seal and where: see {@link PayloadRecordCipher.sealRecords}. */
export interface SealRecordsOptions {
  /** The buffer's key. */
  readonly key: PayloadKey;
  /** Plaintext of record `firstRecord` starts at `source[sourceOffset]`. */
  readonly source: Uint8Array;
  /** Offset of record `firstRecord`'s plaintext in `source`. */
  readonly sourceOffset: number;
  /** Sealed record `firstRecord` is written at `target[targetOffset]`. */
  readonly target: Uint8Array;
  /** Offset of record `firstRecord`'s sealed bytes in `target`. */
  readonly targetOffset: number;
  /** First record to seal (default 0). */
  readonly firstRecord?: number;
  /** Number of records to seal (default: all from `firstRecord` to the end). */
  readonly recordCount?: number;
}

/** Options of {@link PayloadRecordCipher}. */
export interface PayloadRecordCipherOptions {
  /** The provider (must be the one that prepared the {@link PayloadKey}s used with this cipher). */
  readonly provider: CryptoProvider;
}

/**
 * Seals and opens payload records. Owns the per-thread scratch (record AAD, nonce and, for
 * authenticate-only records, the GMAC input `AAD || record`, grown on demand up to 1 MiB + 33 B), so
 * use one instance per thread. Sealing runs once per buffer, off the worker's hot loop for large
 * payloads; opening runs once per received record.
 */
export class PayloadRecordCipher {
  /** The provider. */
  readonly provider: CryptoProvider;
  private readonly aad: Uint8Array;
  private readonly aadView: DataView;
  private readonly nonce: Uint8Array;
  private gmacInput: Uint8Array;

  constructor(options: PayloadRecordCipherOptions) {
    this.provider = options.provider;
    this.aad = new Uint8Array(RECORD_AAD_BYTES);
    this.aad.set(RECORD_AAD_LABEL, 0);
    this.aadView = new DataView(this.aad.buffer);
    this.nonce = new Uint8Array(AEAD_NONCE_BYTES);
    this.gmacInput = new Uint8Array(0);
  }

  /**
   * Seals records `[firstRecord, firstRecord + recordCount)` of a buffer. Source and target may be
   * the same memory when the target is at or after the source (sealing in place into a buffer of
   * {@link PayloadKey.sealedBytes}): records are processed last to first so no plaintext is
   * overwritten before it is sealed. Throws `InvalidArgumentError` on bad ranges.
   *
   * spec: security.md#payload-records
   */
  sealRecords(options: SealRecordsOptions): void {
    const key = this.checkKey(options.key);
    const first = options.firstRecord ?? 0;
    const count = options.recordCount ?? key.recordCount - first;
    if (!(Number.isInteger(first) && Number.isInteger(count) && first >= 0 && count >= 0)) {
      throw new InvalidArgumentError('sealRecords: firstRecord and recordCount must be non-negative integers');
    }
    if (first + count > key.recordCount) {
      throw new InvalidArgumentError(`sealRecords: records [${first}, ${first + count}) exceed ${key.recordCount}`);
    }
    if (count === 0) return;
    const last = first + count - 1;
    const plainSpan = key.recordPayloadOffset(last) + key.recordLength(last) - key.recordPayloadOffset(first);
    const sealedSpan = key.recordSealedOffset(last) + key.recordSealedLength(last) - key.recordSealedOffset(first);
    const { source, sourceOffset, target, targetOffset } = options;
    if (!regionFits(source, sourceOffset, plainSpan) || !regionFits(target, targetOffset, sealedSpan)) {
      throw new InvalidArgumentError('sealRecords: source or target region out of bounds');
    }
    if (source.buffer === target.buffer) {
      const sourceStart = source.byteOffset + sourceOffset;
      const targetStart = target.byteOffset + targetOffset;
      if (targetStart < sourceStart && targetStart + sealedSpan > sourceStart) {
        throw new InvalidArgumentError('sealRecords: an overlapping target must start at or after the source');
      }
    }
    const sourceBase = sourceOffset - key.recordPayloadOffset(first);
    const targetBase = targetOffset - key.recordSealedOffset(first);
    for (let index = last; index >= first; index--) {
      const length = key.recordLength(index);
      const from = sourceBase + key.recordPayloadOffset(index);
      const to = targetBase + key.recordSealedOffset(index);
      // TypedArray.set copies as if through a temporary, so overlapping regions are safe.
      target.set(source.subarray(from, from + length), to);
      this.sealOne(key, index, target, to, length);
    }
  }

  /** Seals a whole payload: `source[sourceOffset, +P)` into `target[targetOffset, +sealedBytes)`. */
  sealPayload(
    key: PayloadKey,
    source: Uint8Array,
    sourceOffset: number,
    target: Uint8Array,
    targetOffset: number,
  ): void {
    this.sealRecords({ key, source, sourceOffset, target, targetOffset });
  }

  /**
   * Opens (decrypts in place) or, in authenticate-only mode, verifies one record whose sealed bytes
   * are `buffer[offset, offset + key.recordSealedLength(recordIndex))`. Returns false when the
   * record does not authenticate or does not fit in `buffer` (the bytes are then unchanged and the
   * record must be re-pulled); never throws on record contents.
   *
   * spec: security.md#payload-records
   */
  openRecord(key: PayloadKey, recordIndex: number, buffer: Uint8Array, offset: number): boolean {
    this.checkKey(key);
    if (!(Number.isInteger(recordIndex) && recordIndex >= 0 && recordIndex < key.recordCount)) {
      throw new InvalidArgumentError(`record index ${recordIndex} is outside [0, ${key.recordCount})`);
    }
    const length = key.recordLength(recordIndex);
    if (!regionFits(buffer, offset, length + RECORD_TAG_BYTES)) {
      key.failedRecordOpens += 1;
      return false;
    }
    this.prepare(key, recordIndex);
    let ok: boolean;
    if (key.authenticateOnly) {
      const input = this.gmacInputFor(length);
      input.set(buffer.subarray(offset, offset + length), RECORD_AAD_BYTES);
      ok = this.provider.open(key.aeadKey, this.nonce, buffer, offset + length, 0, input, 0, RECORD_AAD_BYTES + length);
    } else {
      ok = this.provider.open(key.aeadKey, this.nonce, buffer, offset, length, this.aad, 0, RECORD_AAD_BYTES);
    }
    if (!ok) key.failedRecordOpens += 1;
    return ok;
  }

  private checkKey(key: PayloadKey): PayloadKey {
    if (key.providerName !== this.provider.name) {
      throw new InvalidArgumentError(
        `payload key was prepared by provider "${key.providerName}", this cipher uses "${this.provider.name}"`,
      );
    }
    return key;
  }

  /** Fills the scratch AAD and nonce for one record. */
  private prepare(key: PayloadKey, recordIndex: number): void {
    const view = this.aadView;
    view.setUint32(AAD_BUFFER_ID, key.bufferIdHi, false);
    view.setUint32(AAD_BUFFER_ID + 4, key.bufferIdLo, false);
    view.setUint32(AAD_PAYLOAD_BYTES, Math.floor(key.payloadBytes / TWO_POW_32), false);
    view.setUint32(AAD_PAYLOAD_BYTES + 4, key.payloadBytes % TWO_POW_32, false);
    view.setUint8(AAD_RECORD_SIZE_LOG2, key.recordSizeLog2);
    view.setUint32(AAD_RECORD_INDEX, Math.floor(recordIndex / TWO_POW_32), false);
    view.setUint32(AAD_RECORD_INDEX + 4, recordIndex % TWO_POW_32, false);
    view.setUint8(AAD_FLAGS, key.flags);
    writeRecordNonce(key.iv, recordIndex, this.nonce);
  }

  /** The GMAC input scratch with the current AAD in front, large enough for a `length`-byte record. */
  private gmacInputFor(length: number): Uint8Array {
    if (this.gmacInput.length < RECORD_AAD_BYTES + length) {
      // Grows at most to 2^20 + 33 bytes (the largest record), once per size class.
      this.gmacInput = new Uint8Array(RECORD_AAD_BYTES + length);
    }
    this.gmacInput.set(this.aad, 0);
    return this.gmacInput;
  }

  private sealOne(key: PayloadKey, recordIndex: number, target: Uint8Array, at: number, length: number): void {
    this.prepare(key, recordIndex);
    if (key.authenticateOnly) {
      // spec: security.md#authenticate-only — tag = GCM(K, nonce, AAD = recordAad || record, P = empty)
      const input = this.gmacInputFor(length);
      input.set(target.subarray(at, at + length), RECORD_AAD_BYTES);
      this.provider.seal(key.aeadKey, this.nonce, target, at + length, 0, input, 0, RECORD_AAD_BYTES + length);
    } else {
      this.provider.seal(key.aeadKey, this.nonce, target, at, length, this.aad, 0, RECORD_AAD_BYTES);
    }
  }
}
