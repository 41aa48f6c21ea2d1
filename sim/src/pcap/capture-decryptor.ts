/**
 * Decrypts CONTROL and SECRET_CONTROL datagrams for captures. The simulator holds every path
 * secret, so a capture can show message bodies instead of ciphertext: register each path secret
 * (id → secret), then {@link CaptureDecryptor.decrypt} copies a datagram and opens its body in
 * place with the key the header names, using core's key schedule (`PathKeySchedule`), nonce
 * construction (`writeControlNonce`) and the provider's AES-256-GCM — nothing is reimplemented.
 *
 * Unlike a receiver (`DatagramOpener`) it enforces no key window, retirement or integrity limit: a
 * capture sees both directions of every path, in any order, and only needs the right key. It is a
 * diagnostic tool and never sits on a protocol path.
 *
 * The header does not say which side sealed a datagram (the direction bit is in the key, not on the
 * wire). When a registration does not fix the sender's direction, both are tried, the one that
 * authenticated last for (path secret, source) first, so steady traffic costs one open per datagram.
 *
 * spec: security.md#key-schedule, security.md#control-aead
 */
import {
  AEAD_KEY_BYTES,
  AEAD_NONCE_BYTES,
  AEAD_TAG_SIZE,
  type AeadKey,
  BackpressureError,
  CONTROL_DATAGRAM_SIZE_MIN,
  CONTROL_HEADER_SIZE,
  type CryptoProvider,
  createSeededRandom,
  DATAGRAM_SIZE_MAX,
  type Direction,
  InvalidArgumentError,
  KEY_KIND_CONTROL,
  KEY_KIND_SECRET_CONTROL,
  KEY_MATERIAL_BYTES,
  NobleCryptoProvider,
  PATH_SECRET_ID_SIZE,
  PathKeySchedule,
  writeControlNonce,
} from '@dcq/core';

/** Outcome of {@link CaptureDecryptor.decrypt}. */
export const CaptureDecryptResult = {
  /** The body is plaintext in the output; header and tag are unchanged. */
  Decrypted: 0,
  /** Not a sealed kind (DATA, UNKNOWN_PATH_SECRET, undefined kinds): nothing to decrypt. */
  NotSealed: 1,
  /** A CONTROL / SECRET_CONTROL datagram too short, too long or with reserved bits set: not tried. */
  Malformed: 2,
  /** No path secret with the header's id is registered. */
  UnknownPathSecret: 3,
  /** No registered key opened it (forged, corrupted, or the wrong secret was registered). */
  AuthenticationFailed: 4,
} as const;

/** A {@link CaptureDecryptResult} value. */
export type CaptureDecryptResult = (typeof CaptureDecryptResult)[keyof typeof CaptureDecryptResult];

/** Number of {@link CaptureDecryptResult} values (size counter arrays with it). */
export const CAPTURE_DECRYPT_RESULT_COUNT = 5;

const RESULT_NAMES = ['DECRYPTED', 'NOT_SEALED', 'MALFORMED', 'UNKNOWN_PATH_SECRET', 'AUTHENTICATION_FAILED'];

/** The log name of a {@link CaptureDecryptResult}. */
export function captureDecryptResultName(result: number): string {
  return RESULT_NAMES[result] ?? `UNKNOWN(${result})`;
}

/** Default number of path secrets a decryptor holds. */
export const CAPTURE_PATH_SECRET_CAPACITY_DEFAULT = 1024;

/** Default number of derived keys a decryptor caches (direct-mapped; rounded up to a power of two). */
export const CAPTURE_KEY_CACHE_CAPACITY_DEFAULT = 4096;

/** Default number of remembered (path secret, source) → direction pairs. */
export const CAPTURE_DIRECTION_MEMO_CAPACITY_DEFAULT = 65536;

/** No direction fixed / remembered. */
const DIRECTION_UNKNOWN = -1;
const NO_ENTRY = -1;
const KIND_CONTROL_NIBBLE = 0x1;
const KIND_SECRET_CONTROL_NIBBLE = 0x2;
const PATH_SECRET_ID_OFFSET = 2;
const WORKER_ID_OFFSET = 18;
const KEY_ID_OFFSET = 20;
const PACKET_NUMBER_OFFSET = 24;

/** Options of {@link CaptureDecryptor}. */
export interface CaptureDecryptorOptions {
  /** Crypto provider (default: the portable noble provider; decryption needs no randomness). */
  readonly provider?: CryptoProvider;
  /** Most path secrets registered at once (1 … 2^20; default {@link CAPTURE_PATH_SECRET_CAPACITY_DEFAULT}). */
  readonly pathSecretCapacity?: number;
  /** Derived keys cached (1 … 2^20; default {@link CAPTURE_KEY_CACHE_CAPACITY_DEFAULT}). */
  readonly keyCacheCapacity?: number;
  /**
   * Remembered (path secret, source) directions (1 … 2^24, rounded up to a power of two; default
   * {@link CAPTURE_DIRECTION_MEMO_CAPACITY_DEFAULT}). Direct-mapped: a colliding pair replaces the
   * older one, which then costs at most one extra open.
   */
  readonly directionMemoCapacity?: number;
}

/** A path secret to register. */
export interface CapturePathSecret {
  /** The 16-byte path secret id (as in the datagram header). */
  readonly pathSecretId: Uint8Array;
  /** The 32-byte path secret. */
  readonly pathSecret: Uint8Array;
  /**
   * Direction bit of the endpoint that seals every datagram under this id, when only one side's
   * traffic is captured (e.g. the test vectors). Omit for a path captured in both directions: both
   * keys are tried and the AEAD tag tells which one sealed it.
   */
  readonly senderDirection?: Direction;
}

function checkCapacity(name: string, value: number, max: number): number {
  if (!(Number.isInteger(value) && value >= 1 && value <= max)) {
    throw new InvalidArgumentError(`${name} must be an integer in [1, ${max}], got ${value}`);
  }
  return value;
}

/** Bucket key of a path secret id: its first 30 bits (ids are HKDF output; 30 bits keep it a small integer). */
function idHash(bytes: Uint8Array, at: number): number {
  return (
    (((bytes[at] as number) & 0x3f) << 24) |
    ((bytes[at + 1] as number) << 16) |
    ((bytes[at + 2] as number) << 8) |
    (bytes[at + 3] as number)
  );
}

function readU32(bytes: Uint8Array, at: number): number {
  return (
    (bytes[at] as number) * 0x1000000 +
    (((bytes[at + 1] as number) << 16) | ((bytes[at + 2] as number) << 8) | (bytes[at + 3] as number))
  );
}

/**
 * Holds the path secrets of a simulation and decrypts captured control datagrams. Bounded: at most
 * `pathSecretCapacity` secrets (registering more throws {@link BackpressureError}), a direct-mapped
 * cache of `keyCacheCapacity` derived keys (a miss derives again), and a direction memo that is
 * cleared when full. A hit allocates nothing; a key derivation allocates the provider's key object.
 */
export class CaptureDecryptor {
  /** The provider keys are derived and opened with. */
  readonly provider: CryptoProvider;
  /** Most path secrets held. */
  readonly pathSecretCapacity: number;
  /** Datagrams per {@link CaptureDecryptResult}. */
  readonly counters: Float64Array;
  /** Keys derived (cache misses). */
  keysDerived: number;
  /** Direction bit of the sender of the datagram decrypted last (valid after {@link CaptureDecryptResult.Decrypted}). */
  lastDirection: number;
  private readonly ids: Uint8Array;
  private readonly schedules: (PathKeySchedule | null)[];
  private readonly fixedDirection: Int8Array;
  private readonly lastDirectionOf: Int8Array;
  private readonly generation: Uint32Array;
  private readonly next: Int32Array;
  private readonly heads: Map<number, number>;
  private readonly freeEntries: Int32Array;
  private freeCount: number;
  private readonly keyMask: number;
  private readonly keyEntry: Int32Array;
  private readonly keyGeneration: Uint32Array;
  private readonly keyLabel: Float64Array;
  private readonly keyId: Float64Array;
  private readonly keyIv: Uint8Array;
  private readonly keys: (AeadKey | null)[];
  private readonly memoMask: number;
  private readonly memoEntry: Int32Array;
  private readonly memoGeneration: Uint32Array;
  private readonly memoSource: Float64Array;
  private readonly memoDirection: Int8Array;
  private readonly material: Uint8Array;
  private readonly keyBytes: Uint8Array;
  private readonly nonce: Uint8Array;

  constructor(options: CaptureDecryptorOptions = {}) {
    this.provider = options.provider ?? new NobleCryptoProvider({ random: createSeededRandom(0) });
    const capacity = checkCapacity(
      'pathSecretCapacity',
      options.pathSecretCapacity ?? CAPTURE_PATH_SECRET_CAPACITY_DEFAULT,
      2 ** 20,
    );
    const keyCapacity = checkCapacity(
      'keyCacheCapacity',
      options.keyCacheCapacity ?? CAPTURE_KEY_CACHE_CAPACITY_DEFAULT,
      2 ** 20,
    );
    const memoCapacity = checkCapacity(
      'directionMemoCapacity',
      options.directionMemoCapacity ?? CAPTURE_DIRECTION_MEMO_CAPACITY_DEFAULT,
      2 ** 24,
    );
    this.pathSecretCapacity = capacity;
    this.counters = new Float64Array(CAPTURE_DECRYPT_RESULT_COUNT);
    this.keysDerived = 0;
    this.lastDirection = DIRECTION_UNKNOWN;
    this.ids = new Uint8Array(capacity * PATH_SECRET_ID_SIZE);
    this.schedules = new Array<PathKeySchedule | null>(capacity).fill(null);
    this.fixedDirection = new Int8Array(capacity).fill(DIRECTION_UNKNOWN);
    this.lastDirectionOf = new Int8Array(capacity).fill(DIRECTION_UNKNOWN);
    this.generation = new Uint32Array(capacity);
    this.next = new Int32Array(capacity).fill(NO_ENTRY);
    this.heads = new Map();
    this.freeEntries = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.freeEntries[i] = capacity - 1 - i;
    this.freeCount = capacity;
    let slots = 1;
    while (slots < keyCapacity) slots *= 2;
    this.keyMask = slots - 1;
    this.keyEntry = new Int32Array(slots).fill(NO_ENTRY);
    this.keyGeneration = new Uint32Array(slots);
    this.keyLabel = new Float64Array(slots);
    this.keyId = new Float64Array(slots);
    this.keyIv = new Uint8Array(slots * AEAD_NONCE_BYTES);
    this.keys = new Array<AeadKey | null>(slots).fill(null);
    let memoSlots = 1;
    while (memoSlots < memoCapacity) memoSlots *= 2;
    this.memoMask = memoSlots - 1;
    this.memoEntry = new Int32Array(memoSlots).fill(NO_ENTRY);
    this.memoGeneration = new Uint32Array(memoSlots);
    this.memoSource = new Float64Array(memoSlots);
    this.memoDirection = new Int8Array(memoSlots);
    this.material = new Uint8Array(KEY_MATERIAL_BYTES);
    this.keyBytes = new Uint8Array(AEAD_KEY_BYTES);
    this.nonce = new Uint8Array(AEAD_NONCE_BYTES);
  }

  /** Path secrets currently registered. */
  get pathSecretCount(): number {
    return this.pathSecretCapacity - this.freeCount;
  }

  /**
   * Registers a path secret (re-registering an id replaces its secret). Throws
   * {@link InvalidArgumentError} on bad lengths and {@link BackpressureError}
   * (`capture.pathSecretCapacity`) when full: unregister secrets whose traffic is over.
   */
  register(secret: CapturePathSecret): void {
    if (secret.pathSecretId.length !== PATH_SECRET_ID_SIZE) {
      throw new InvalidArgumentError(
        `pathSecretId must be ${PATH_SECRET_ID_SIZE} bytes, got ${secret.pathSecretId.length}`,
      );
    }
    const direction = secret.senderDirection ?? DIRECTION_UNKNOWN;
    if (direction !== DIRECTION_UNKNOWN && direction !== 0 && direction !== 1) {
      throw new InvalidArgumentError(`senderDirection must be 0 or 1, got ${direction}`);
    }
    // PathKeySchedule checks the secret's length (and copies nothing but the PRK it extracts).
    const schedule = new PathKeySchedule(this.provider, secret.pathSecret);
    this.unregister(secret.pathSecretId);
    if (this.freeCount === 0) {
      schedule.destroy();
      throw new BackpressureError(
        'capture.pathSecretCapacity',
        this.pathSecretCapacity,
        `capture decryptor holds ${this.pathSecretCapacity} path secrets: unregister old ones or raise pathSecretCapacity`,
      );
    }
    const entry = this.freeEntries[--this.freeCount] as number;
    this.ids.set(secret.pathSecretId, entry * PATH_SECRET_ID_SIZE);
    this.schedules[entry] = schedule;
    this.fixedDirection[entry] = direction;
    this.lastDirectionOf[entry] = DIRECTION_UNKNOWN;
    const hash = idHash(secret.pathSecretId, 0);
    this.next[entry] = this.heads.get(hash) ?? NO_ENTRY;
    this.heads.set(hash, entry);
  }

  /** Forgets a path secret (zeroing its PRK); returns whether it was registered. */
  unregister(pathSecretId: Uint8Array): boolean {
    if (pathSecretId.length !== PATH_SECRET_ID_SIZE) return false;
    const hash = idHash(pathSecretId, 0);
    let previous = NO_ENTRY;
    let entry = this.heads.get(hash) ?? NO_ENTRY;
    while (entry !== NO_ENTRY && !this.idMatches(entry, pathSecretId, 0)) {
      previous = entry;
      entry = this.next[entry] as number;
    }
    if (entry === NO_ENTRY) return false;
    const after = this.next[entry] as number;
    if (previous === NO_ENTRY) {
      if (after === NO_ENTRY) this.heads.delete(hash);
      else this.heads.set(hash, after);
    } else {
      this.next[previous] = after;
    }
    this.schedules[entry]?.destroy();
    this.schedules[entry] = null;
    this.next[entry] = NO_ENTRY;
    this.generation[entry] = ((this.generation[entry] as number) + 1) >>> 0;
    this.freeEntries[this.freeCount++] = entry;
    return true;
  }

  /**
   * Copies the datagram `bytes[offset, offset + length)` to `out[outOffset, …)` and, for a CONTROL
   * or SECRET_CONTROL datagram whose key it holds, decrypts the body there in place (header and tag
   * unchanged, so the output has the input's length). `sourceKey` (a non-negative integer below
   * 2^32, e.g. the sending host id, or -1) lets the decryptor remember which direction a source
   * seals with. The input is never
   * modified; on any result but `Decrypted` the output holds an unchanged copy (or nothing, for
   * `Malformed` / `NotSealed`, which copy nothing).
   */
  decrypt(
    bytes: Uint8Array,
    offset: number,
    length: number,
    out: Uint8Array,
    outOffset: number,
    sourceKey = -1,
  ): CaptureDecryptResult {
    this.lastDirection = DIRECTION_UNKNOWN;
    if (!(Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length >= 0)) {
      throw new InvalidArgumentError('datagram window must be non-negative integers');
    }
    if (offset + length > bytes.length) throw new InvalidArgumentError('datagram window lies outside its bytes');
    if (length === 0) return this.count(CaptureDecryptResult.NotSealed);
    const kindByte = bytes[offset] as number;
    const nibble = kindByte >>> 4;
    if (nibble !== KIND_CONTROL_NIBBLE && nibble !== KIND_SECRET_CONTROL_NIBBLE) {
      return this.count(CaptureDecryptResult.NotSealed);
    }
    if ((kindByte & 0x0f) !== 0 || length < CONTROL_DATAGRAM_SIZE_MIN || length > DATAGRAM_SIZE_MAX) {
      return this.count(CaptureDecryptResult.Malformed);
    }
    if (!(Number.isInteger(outOffset) && outOffset >= 0 && outOffset + length <= out.length)) {
      throw new InvalidArgumentError('output window too small for the datagram');
    }
    const entry = this.find(bytes, offset + PATH_SECRET_ID_OFFSET);
    if (entry === NO_ENTRY) return this.count(CaptureDecryptResult.UnknownPathSecret);

    if (out !== bytes || outOffset !== offset) {
      for (let i = 0; i < length; i++) out[outOffset + i] = bytes[offset + i] as number;
    }
    const kind = nibble === KIND_SECRET_CONTROL_NIBBLE ? KEY_KIND_SECRET_CONTROL : KEY_KIND_CONTROL;
    const workerId =
      ((out[outOffset + WORKER_ID_OFFSET] as number) << 8) | (out[outOffset + WORKER_ID_OFFSET + 1] as number);
    const keyId = readU32(out, outOffset + KEY_ID_OFFSET);
    const packetNumber = readU32(out, outOffset + PACKET_NUMBER_OFFSET);
    const bodyLength = length - CONTROL_HEADER_SIZE - AEAD_TAG_SIZE;

    const fixed = this.fixedDirection[entry] as number;
    const memoSlot = sourceKey >= 0 ? this.memoSlot(entry, sourceKey) : -1;
    let first = fixed;
    if (first === DIRECTION_UNKNOWN) {
      if (
        memoSlot >= 0 &&
        this.memoEntry[memoSlot] === entry &&
        this.memoGeneration[memoSlot] === this.generation[entry] &&
        this.memoSource[memoSlot] === sourceKey
      ) {
        first = this.memoDirection[memoSlot] as number;
      }
      if (first === DIRECTION_UNKNOWN) first = this.lastDirectionOf[entry] as number;
      if (first === DIRECTION_UNKNOWN) first = 0;
    }
    const tries = fixed === DIRECTION_UNKNOWN ? 2 : 1;
    for (let attempt = 0; attempt < tries; attempt++) {
      const direction = (attempt === 0 ? first : 1 - first) as Direction;
      const slot = this.keySlot(entry, kind, workerId, direction, keyId);
      writeControlNonce(this.keyIv, slot * AEAD_NONCE_BYTES, packetNumber, this.nonce);
      // spec: security.md#aad — the 28-byte header is the associated data
      const opened = this.provider.open(
        this.keys[slot] as AeadKey,
        this.nonce,
        out,
        outOffset + CONTROL_HEADER_SIZE,
        bodyLength,
        out,
        outOffset,
        CONTROL_HEADER_SIZE,
      );
      if (opened) {
        this.lastDirection = direction;
        this.lastDirectionOf[entry] = direction;
        if (memoSlot >= 0 && fixed === DIRECTION_UNKNOWN) {
          this.memoEntry[memoSlot] = entry;
          this.memoGeneration[memoSlot] = this.generation[entry] as number;
          this.memoSource[memoSlot] = sourceKey;
          this.memoDirection[memoSlot] = direction;
        }
        return this.count(CaptureDecryptResult.Decrypted);
      }
    }
    return this.count(CaptureDecryptResult.AuthenticationFailed);
  }

  private count(result: CaptureDecryptResult): CaptureDecryptResult {
    this.counters[result] = (this.counters[result] as number) + 1;
    return result;
  }

  private memoSlot(entry: number, sourceKey: number): number {
    let hash = Math.imul(entry + 1, 0x9e3779b1) ^ Math.imul(sourceKey | 0, 0x85ebca6b);
    hash ^= hash >>> 15;
    return hash & this.memoMask;
  }

  private idMatches(entry: number, bytes: Uint8Array, at: number): boolean {
    const base = entry * PATH_SECRET_ID_SIZE;
    for (let i = 0; i < PATH_SECRET_ID_SIZE; i++) if (this.ids[base + i] !== bytes[at + i]) return false;
    return true;
  }

  private find(bytes: Uint8Array, at: number): number {
    let entry = this.heads.get(idHash(bytes, at)) ?? NO_ENTRY;
    while (entry !== NO_ENTRY && !this.idMatches(entry, bytes, at)) entry = this.next[entry] as number;
    return entry;
  }

  /** The cache slot holding the key of (entry, kind, worker, direction, key id), derived on a miss. */
  private keySlot(entry: number, kind: number, workerId: number, direction: Direction, keyId: number): number {
    // label packs kind (1 bit), direction (1 bit) and worker (16 bits) exactly; key id is compared apart.
    const label = kind * 4 * 65536 + direction * 65536 + workerId;
    let hash = Math.imul(entry + 1, 0x9e3779b1) ^ Math.imul(label, 0x85ebca6b) ^ Math.imul(keyId | 0, 0xc2b2ae35);
    hash ^= hash >>> 15;
    const slot = hash & this.keyMask;
    const generation = this.generation[entry] as number;
    if (
      this.keyEntry[slot] === entry &&
      this.keyGeneration[slot] === generation &&
      this.keyLabel[slot] === label &&
      this.keyId[slot] === keyId
    ) {
      return slot;
    }
    const schedule = this.schedules[entry];
    if (schedule === null || schedule === undefined)
      throw new InvalidArgumentError('capture key of an unregistered path secret');
    // spec: security.md#key-schedule
    schedule.deriveKeyMaterial(this.material, 0, { kind: kind as 0 | 1, workerId, direction, keyId });
    this.keyBytes.set(this.material.subarray(0, AEAD_KEY_BYTES), 0);
    this.keys[slot] = this.provider.prepareAeadKey(this.keyBytes);
    this.keyIv.set(this.material.subarray(AEAD_KEY_BYTES, KEY_MATERIAL_BYTES), slot * AEAD_NONCE_BYTES);
    this.material.fill(0);
    this.keyBytes.fill(0);
    this.keyEntry[slot] = entry;
    this.keyGeneration[slot] = generation;
    this.keyLabel[slot] = label;
    this.keyId[slot] = keyId;
    this.keysDerived++;
    return slot;
  }
}
