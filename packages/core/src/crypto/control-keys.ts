/**
 * Control-key lifecycle of one path (one path secret, one direction): the sending side hands out
 * (key id, packet number) pairs and rotates keys by volume; the receiving side keeps a bounded cache
 * of prepared keys per (sender worker, key id), accepts key ids only within a window around the
 * newest one that authenticated, honours RETIRE_CONTROL_KEY and enforces the AEAD integrity limit.
 * The same classes serve secret-control keys (`kind: KEY_KIND_SECRET_CONTROL`).
 *
 * Nothing here parses datagrams: the wire codec reads (worker id, key id, packet number) from the
 * header and passes the header as AAD.
 *
 * spec: security.md#key-rotation
 */
import { assert } from '../assert.js';
import { InvalidArgumentError } from '../errors.js';
import {
  type Direction,
  KEY_ID_MAX,
  KEY_KIND_CONTROL,
  KEY_MATERIAL_BYTES,
  KEY_WORKER_ID_MAX,
  type KeyKind,
  PACKET_NUMBER_MAX,
  type PathKeySchedule,
  validateKeyLabel,
  writeControlNonce,
} from './key-schedule.js';
import { AEAD_KEY_BYTES, AEAD_NONCE_BYTES, type AeadKey } from './provider.js';

/**
 * Most packets one key may seal: the AES-GCM confidentiality limit of RFC 9001 §6.6 (2^23 packets
 * of up to 2^16 bytes each for an attacker advantage of at most 2^-57).
 *
 * spec: security.md#aead-limits
 */
export const CONTROL_KEY_PACKETS_LIMIT = 2 ** 23;

/**
 * Most plaintext bytes one key may seal: the same bound expressed in volume (2^35 AES blocks =
 * 2^39 bytes). With datagrams below 2^16 bytes the packet limit is reached first.
 *
 * spec: security.md#aead-limits
 */
export const CONTROL_KEY_BYTES_LIMIT = 2 ** 39;

/**
 * Most packets that may fail authentication per path and direction before the receiver stops
 * using the path's keys: the AES-GCM integrity limit of RFC 9001 §6.6 (2^52).
 *
 * spec: security.md#aead-limits
 */
export const CONTROL_INTEGRITY_LIMIT = 2 ** 52;

/** Default packets per control key before rotation (2^20: ~5 s at 200k datagrams/s). */
export const ROTATE_AFTER_PACKETS_DEFAULT = 2 ** 20;

/** Default plaintext bytes per control key before rotation (1 GiB). */
export const ROTATE_AFTER_BYTES_DEFAULT = 2 ** 30;

/** Returned by {@link ControlKeySender.reserve} when the key ids of this path are used up. */
export const RESERVE_EXHAUSTED = -1;

/** Default number of key ids accepted beyond the newest authenticated one. */
export const KEY_WINDOW_AHEAD_DEFAULT = 4;

/** Default number of key ids accepted below the newest authenticated one (reordering across a rotation). */
export const KEY_WINDOW_BEHIND_DEFAULT = 2;

/** Default number of prepared keys a receiver caches. */
export const KEY_CACHE_CAPACITY_DEFAULT = 16;

/** Default number of distinct sender workers a receiver tracks. */
export const KEY_WORKER_CAPACITY_DEFAULT = 64;

/** Upper bound of the key window sizes and cache capacity options. */
export const KEY_WINDOW_MAX = 65536;

/** Outcome of {@link ControlKeyReceiver.open} (and of {@link ControlKeyReceiver.retire}). */
export const ControlOpenResult = {
  /** The datagram authenticated; its payload is now plaintext in place. */
  Ok: 0,
  /** The tag did not verify (forged, corrupted, or wrong key material). Counted toward the integrity limit. */
  AuthenticationFailed: 1,
  /** The key id is below the sender worker's RETIRE_CONTROL_KEY bound. */
  KeyRetired: 2,
  /** The key id is further below the newest authenticated key id than the window allows. */
  KeyTooOld: 3,
  /** The key id is further above the newest authenticated key id than the window allows. */
  KeyTooNew: 4,
  /** Too many datagrams failed authentication on this path: its keys are no longer used. Re-handshake. */
  IntegrityLimitReached: 5,
  /** The datagram comes from a sender worker beyond the configured worker capacity. */
  WorkerLimitReached: 6,
} as const;

/** A {@link ControlOpenResult} value. */
export type ControlOpenResult = (typeof ControlOpenResult)[keyof typeof ControlOpenResult];

const OPEN_RESULT_NAMES = [
  'ok',
  'authentication-failed',
  'key-retired',
  'key-too-old',
  'key-too-new',
  'integrity-limit-reached',
  'worker-limit-reached',
] as const;

/** A stable lowercase name of an open result, for logs and metrics labels. */
export function controlOpenResultName(result: ControlOpenResult): string {
  return OPEN_RESULT_NAMES[result];
}

function checkIntegerOption(name: string, value: number, min: number, max: number): number {
  if (!(Number.isInteger(value) && value >= min && value <= max)) {
    throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

/** Options of {@link ControlKeySender}. */
export interface ControlKeySenderOptions {
  /** Key schedule of the path secret. */
  readonly schedule: PathKeySchedule;
  /** Control (default) or secret-control keys. */
  readonly kind?: KeyKind;
  /** This NIC worker's id (u16). */
  readonly workerId: number;
  /** This endpoint's direction on the path. */
  readonly direction: Direction;
  /** Rotate after this many packets on one key (1 … {@link CONTROL_KEY_PACKETS_LIMIT}). */
  readonly rotateAfterPackets?: number;
  /** Rotate before a key would exceed this many sealed plaintext bytes (1 … {@link CONTROL_KEY_BYTES_LIMIT}). */
  readonly rotateAfterBytes?: number;
  /**
   * First key id to use (default 0). A worker that restarts while the path secret lives must resume
   * above every key id it used before (nonce reuse otherwise), e.g. from state kept by the pool.
   */
  readonly firstKeyId?: number;
}

/**
 * The sending side of one (path, worker, direction, kind): the current key, its packet-number
 * counter and its volume. Call {@link reserve} with the datagram's plaintext length, write the
 * header with {@link keyId} and the returned packet number, then {@link seal}. A key seals at most
 * `rotateAfterPackets` packets and `rotateAfterBytes` bytes; the next key (id + 1) is derived lazily
 * by the reservation that needs it. Packet numbers restart at 0 on every key and are never reused.
 */
export class ControlKeySender {
  /** Packets per key before rotation. */
  readonly rotateAfterPackets: number;
  /** Plaintext bytes per key before rotation. */
  readonly rotateAfterBytes: number;
  /** Key family. */
  readonly kind: KeyKind;
  /** This worker's id. */
  readonly workerId: number;
  /** This endpoint's direction. */
  readonly direction: Direction;
  private readonly schedule: PathKeySchedule;
  private readonly material: Uint8Array;
  private readonly nonce: Uint8Array;
  private aeadKey: AeadKey | null;
  private currentKeyId: number;
  private packetsOnKey: number;
  private bytesOnKey: number;
  private reservedBytes: number;
  private lastPacketNumber: number;
  private rotationCount: number;
  private isExhausted: boolean;

  constructor(options: ControlKeySenderOptions) {
    this.rotateAfterPackets = checkIntegerOption(
      'rotateAfterPackets',
      options.rotateAfterPackets ?? ROTATE_AFTER_PACKETS_DEFAULT,
      1,
      CONTROL_KEY_PACKETS_LIMIT,
    );
    this.rotateAfterBytes = checkIntegerOption(
      'rotateAfterBytes',
      options.rotateAfterBytes ?? ROTATE_AFTER_BYTES_DEFAULT,
      1,
      CONTROL_KEY_BYTES_LIMIT,
    );
    this.kind = options.kind ?? KEY_KIND_CONTROL;
    this.workerId = options.workerId;
    this.direction = options.direction;
    const firstKeyId = options.firstKeyId ?? 0;
    validateKeyLabel({ kind: this.kind, workerId: this.workerId, direction: this.direction, keyId: firstKeyId });
    this.schedule = options.schedule;
    this.material = new Uint8Array(KEY_MATERIAL_BYTES);
    this.nonce = new Uint8Array(AEAD_NONCE_BYTES);
    this.aeadKey = null;
    this.currentKeyId = firstKeyId;
    this.packetsOnKey = 0;
    this.bytesOnKey = 0;
    this.reservedBytes = -1;
    this.lastPacketNumber = -1;
    this.rotationCount = 0;
    this.isExhausted = false;
  }

  /** Key id of the current key (the one the last reservation used). */
  get keyId(): number {
    return this.currentKeyId;
  }

  /** Packet number handed out by the last successful {@link reserve} (-1 before the first). */
  get packetNumber(): number {
    return this.lastPacketNumber;
  }

  /** Packets sealed (reserved) on the current key. */
  get packetsOnCurrentKey(): number {
    return this.packetsOnKey;
  }

  /** Plaintext bytes reserved on the current key. */
  get bytesOnCurrentKey(): number {
    return this.bytesOnKey;
  }

  /** How many times this sender rotated to a new key id. */
  get rotations(): number {
    return this.rotationCount;
  }

  /** True once key id {@link KEY_ID_MAX} is used up: the path needs a new path secret. */
  get exhausted(): boolean {
    return this.isExhausted;
  }

  /**
   * Reserves the next packet number for a datagram with `payloadBytes` bytes of plaintext (the part
   * that is encrypted, excluding header and tag), rotating first if the current key would exceed
   * either threshold. Returns the packet number (use it with {@link keyId} in the header), or
   * {@link RESERVE_EXHAUSTED} when every key id of the path is used up.
   *
   * spec: security.md#key-rotation
   */
  reserve(payloadBytes: number): number {
    if (!(Number.isInteger(payloadBytes) && payloadBytes >= 0 && payloadBytes <= this.rotateAfterBytes)) {
      throw new InvalidArgumentError(
        `datagram payload must be an integer in [0, rotateAfterBytes = ${this.rotateAfterBytes}], got ${payloadBytes}`,
      );
    }
    if (this.isExhausted) return RESERVE_EXHAUSTED;
    if (this.aeadKey === null) {
      this.deriveCurrentKey();
    } else if (
      this.packetsOnKey + 1 > this.rotateAfterPackets ||
      this.bytesOnKey + payloadBytes > this.rotateAfterBytes
    ) {
      if (this.currentKeyId === KEY_ID_MAX) {
        this.isExhausted = true;
        this.aeadKey = null;
        return RESERVE_EXHAUSTED;
      }
      this.currentKeyId += 1;
      this.packetsOnKey = 0;
      this.bytesOnKey = 0;
      this.rotationCount += 1;
      this.deriveCurrentKey();
    }
    const packetNumber = this.packetsOnKey;
    assert(packetNumber <= PACKET_NUMBER_MAX, 'control packet number exceeds u32');
    this.packetsOnKey = packetNumber + 1;
    this.bytesOnKey += payloadBytes;
    this.reservedBytes = payloadBytes;
    this.lastPacketNumber = packetNumber;
    // spec: security.md#control-aead — nonce = IV XOR (0^64 || u32 packet number)
    writeControlNonce(this.material, AEAD_KEY_BYTES, packetNumber, this.nonce);
    return packetNumber;
  }

  /**
   * Seals the reserved datagram in place: `data[dataOffset, +dataLength)` becomes ciphertext and the
   * tag is written right after it; `aad[aadOffset, +aadLength)` (the datagram header, which carries
   * key id and packet number) is authenticated. `dataLength` must equal the reserved length.
   */
  seal(
    data: Uint8Array,
    dataOffset: number,
    dataLength: number,
    aad: Uint8Array,
    aadOffset: number,
    aadLength: number,
  ): void {
    if (this.reservedBytes < 0 || this.aeadKey === null) {
      throw new InvalidArgumentError('seal without a reservation: call reserve() once per datagram first');
    }
    if (dataLength !== this.reservedBytes) {
      throw new InvalidArgumentError(`seal length ${dataLength} differs from the reserved ${this.reservedBytes}`);
    }
    this.reservedBytes = -1;
    this.schedule.provider.seal(this.aeadKey, this.nonce, data, dataOffset, dataLength, aad, aadOffset, aadLength);
  }

  private deriveCurrentKey(): void {
    this.schedule.deriveKeyMaterial(this.material, 0, {
      kind: this.kind,
      workerId: this.workerId,
      direction: this.direction,
      keyId: this.currentKeyId,
    });
    this.aeadKey = this.schedule.provider.prepareAeadKey(this.material.subarray(0, AEAD_KEY_BYTES));
  }
}

/** Options of {@link ControlKeyReceiver}. */
export interface ControlKeyReceiverOptions {
  /** Key schedule of the path secret. */
  readonly schedule: PathKeySchedule;
  /** Control (default) or secret-control keys. */
  readonly kind?: KeyKind;
  /** The PEER's direction: the direction its keys were derived for. */
  readonly direction: Direction;
  /** Key ids accepted above the newest authenticated one (1 … {@link KEY_WINDOW_MAX}). */
  readonly keyWindowAhead?: number;
  /** Key ids accepted below the newest authenticated one (0 … {@link KEY_WINDOW_MAX}). */
  readonly keyWindowBehind?: number;
  /** Prepared keys kept (1 … {@link KEY_WINDOW_MAX}); the least recently used is evicted. */
  readonly cacheCapacity?: number;
  /** Distinct sender workers tracked (1 … 65536). */
  readonly workerCapacity?: number;
  /** Failed authentications tolerated on this path (1 … {@link CONTROL_INTEGRITY_LIMIT}). */
  readonly integrityLimit?: number;
}

const NO_SLOT = -1;
const TWO_POW_32 = 4294967296;

/**
 * The receiving side of one (path, peer direction, kind): opens datagrams from any of the peer's
 * workers. State per sender worker: the newest key id that authenticated and the retirement bound.
 * A key id `k` from worker `w` is tried only if `k ≥ retiredBelow(w)` and
 * `base − keyWindowBehind ≤ k ≤ base + keyWindowAhead` with `base = max(newest(w), retiredBelow(w) − 1)`
 * (`newest = −1` before the first datagram). Keys are derived on demand; a derived key enters the
 * cache only after a datagram authenticated with it, so forgeries never evict good keys. Only
 * authenticated datagrams (or RETIRE_CONTROL_KEY) move the window or register a worker.
 */
export class ControlKeyReceiver {
  /** Key family. */
  readonly kind: KeyKind;
  /** The peer's direction. */
  readonly direction: Direction;
  /** Window above the newest key id. */
  readonly keyWindowAhead: number;
  /** Window below the newest key id. */
  readonly keyWindowBehind: number;
  /** Cache capacity in keys. */
  readonly cacheCapacity: number;
  /** Sender-worker capacity. */
  readonly workerCapacity: number;
  /** Failed authentications tolerated before every open returns IntegrityLimitReached. */
  readonly integrityLimit: number;
  private readonly schedule: PathKeySchedule;
  // Sender workers: dense slots, never removed (bounded by workerCapacity).
  private readonly workerSlots: Map<number, number>;
  private readonly workerNewestKeyId: Float64Array;
  private readonly workerRetiredBelow: Float64Array;
  private workerCount: number;
  // Key cache: slot arrays + (worker * 2^32 + key id) → slot.
  private readonly cacheSlots: Map<number, number>;
  private readonly slotWorkerId: Int32Array;
  private readonly slotKeyId: Float64Array;
  private readonly slotLastUse: Float64Array;
  private readonly slotFailedOpens: Float64Array;
  private readonly slotIv: Uint8Array;
  private readonly slotKey: (AeadKey | null)[];
  private cachedCount: number;
  private useTick: number;
  // Scratch for on-demand derivation and nonces.
  private readonly material: Uint8Array;
  private readonly nonce: Uint8Array;
  private failedOpenCount: number;
  private limitReached: boolean;

  constructor(options: ControlKeyReceiverOptions) {
    this.kind = options.kind ?? KEY_KIND_CONTROL;
    this.direction = options.direction;
    validateKeyLabel({ kind: this.kind, workerId: 0, direction: this.direction, keyId: 0 });
    this.keyWindowAhead = checkIntegerOption(
      'keyWindowAhead',
      options.keyWindowAhead ?? KEY_WINDOW_AHEAD_DEFAULT,
      1,
      KEY_WINDOW_MAX,
    );
    this.keyWindowBehind = checkIntegerOption(
      'keyWindowBehind',
      options.keyWindowBehind ?? KEY_WINDOW_BEHIND_DEFAULT,
      0,
      KEY_WINDOW_MAX,
    );
    this.cacheCapacity = checkIntegerOption(
      'cacheCapacity',
      options.cacheCapacity ?? KEY_CACHE_CAPACITY_DEFAULT,
      1,
      KEY_WINDOW_MAX,
    );
    this.workerCapacity = checkIntegerOption(
      'workerCapacity',
      options.workerCapacity ?? KEY_WORKER_CAPACITY_DEFAULT,
      1,
      KEY_WORKER_ID_MAX + 1,
    );
    this.integrityLimit = checkIntegerOption(
      'integrityLimit',
      options.integrityLimit ?? CONTROL_INTEGRITY_LIMIT,
      1,
      CONTROL_INTEGRITY_LIMIT,
    );
    this.schedule = options.schedule;
    this.workerSlots = new Map();
    this.workerNewestKeyId = new Float64Array(this.workerCapacity).fill(-1);
    this.workerRetiredBelow = new Float64Array(this.workerCapacity);
    this.workerCount = 0;
    this.cacheSlots = new Map();
    this.slotWorkerId = new Int32Array(this.cacheCapacity).fill(NO_SLOT);
    this.slotKeyId = new Float64Array(this.cacheCapacity);
    this.slotLastUse = new Float64Array(this.cacheCapacity);
    this.slotFailedOpens = new Float64Array(this.cacheCapacity);
    this.slotIv = new Uint8Array(this.cacheCapacity * AEAD_NONCE_BYTES);
    this.slotKey = new Array<AeadKey | null>(this.cacheCapacity).fill(null);
    this.cachedCount = 0;
    this.useTick = 0;
    this.material = new Uint8Array(KEY_MATERIAL_BYTES);
    this.nonce = new Uint8Array(AEAD_NONCE_BYTES);
    this.failedOpenCount = 0;
    this.limitReached = false;
  }

  /** Datagrams that failed authentication on this path (all workers, all key ids). */
  get failedOpens(): number {
    return this.failedOpenCount;
  }

  /** True once {@link failedOpens} reached {@link integrityLimit}: every open now fails. */
  get integrityLimitReached(): boolean {
    return this.limitReached;
  }

  /** Prepared keys currently cached. */
  get cachedKeys(): number {
    return this.cachedCount;
  }

  /** Sender workers currently tracked. */
  get trackedWorkers(): number {
    return this.workerCount;
  }

  /** Newest key id that authenticated from `workerId`, or -1. */
  newestKeyId(workerId: number): number {
    const slot = this.workerSlots.get(workerId);
    return slot === undefined ? -1 : (this.workerNewestKeyId[slot] as number);
  }

  /** Key ids below this bound are retired for `workerId` (0 if none). */
  retiredBelow(workerId: number): number {
    const slot = this.workerSlots.get(workerId);
    return slot === undefined ? 0 : (this.workerRetiredBelow[slot] as number);
  }

  /** Whether the key (worker, key id) is in the cache. */
  isCached(workerId: number, keyId: number): boolean {
    return this.cacheSlots.has(workerId * TWO_POW_32 + keyId);
  }

  /** Failed authentications against the cached key (worker, key id), or -1 if it is not cached. */
  failedOpensOf(workerId: number, keyId: number): number {
    const slot = this.cacheSlots.get(workerId * TWO_POW_32 + keyId);
    return slot === undefined ? -1 : (this.slotFailedOpens[slot] as number);
  }

  /**
   * Authenticates and decrypts one datagram in place. `workerId`, `keyId` and `packetNumber` come
   * from the (not yet authenticated) header; `aad` is the header itself. The ciphertext is
   * `data[dataOffset, +dataLength)` with the tag right after it. Never throws on untrusted input:
   * the result says why a datagram was refused. On anything but Ok the data is unchanged.
   *
   * spec: security.md#key-rotation
   */
  open(
    workerId: number,
    keyId: number,
    packetNumber: number,
    data: Uint8Array,
    dataOffset: number,
    dataLength: number,
    aad: Uint8Array,
    aadOffset: number,
    aadLength: number,
  ): ControlOpenResult {
    assert(workerId >>> 0 === workerId && workerId <= KEY_WORKER_ID_MAX, 'worker id is not a u16');
    assert(keyId >>> 0 === keyId, 'key id is not a u32');
    assert(packetNumber >>> 0 === packetNumber, 'packet number is not a u32');
    if (this.limitReached) return ControlOpenResult.IntegrityLimitReached;
    const workerSlot = this.workerSlots.get(workerId) ?? NO_SLOT;
    if (workerSlot === NO_SLOT && this.workerCount === this.workerCapacity) {
      return ControlOpenResult.WorkerLimitReached;
    }
    const newest = workerSlot === NO_SLOT ? -1 : (this.workerNewestKeyId[workerSlot] as number);
    const retired = workerSlot === NO_SLOT ? 0 : (this.workerRetiredBelow[workerSlot] as number);
    if (keyId < retired) return ControlOpenResult.KeyRetired;
    const base = Math.max(newest, retired - 1);
    if (keyId < base - this.keyWindowBehind) return ControlOpenResult.KeyTooOld;
    if (keyId > base + this.keyWindowAhead) return ControlOpenResult.KeyTooNew;

    const cacheKey = workerId * TWO_POW_32 + keyId;
    const cacheSlot = this.cacheSlots.get(cacheKey) ?? NO_SLOT;
    const provider = this.schedule.provider;
    if (cacheSlot !== NO_SLOT) {
      const key = this.slotKey[cacheSlot] as AeadKey;
      writeControlNonce(this.slotIv, cacheSlot * AEAD_NONCE_BYTES, packetNumber, this.nonce);
      if (!provider.open(key, this.nonce, data, dataOffset, dataLength, aad, aadOffset, aadLength)) {
        this.slotFailedOpens[cacheSlot] = (this.slotFailedOpens[cacheSlot] as number) + 1;
        return this.countFailure();
      }
      this.useTick += 1;
      this.slotLastUse[cacheSlot] = this.useTick;
    } else {
      // Derive on demand; the key is cached only once it has authenticated a datagram.
      this.schedule.deriveKeyMaterial(this.material, 0, {
        kind: this.kind,
        workerId,
        direction: this.direction,
        keyId,
      });
      const key = provider.prepareAeadKey(this.material.subarray(0, AEAD_KEY_BYTES));
      writeControlNonce(this.material, AEAD_KEY_BYTES, packetNumber, this.nonce);
      if (!provider.open(key, this.nonce, data, dataOffset, dataLength, aad, aadOffset, aadLength)) {
        return this.countFailure();
      }
      this.insertKey(workerId, keyId, key);
    }
    const slot = workerSlot === NO_SLOT ? this.addWorker(workerId) : workerSlot;
    if (keyId > newest) {
      this.workerNewestKeyId[slot] = keyId;
      this.evictBelow(workerId, keyId - this.keyWindowBehind);
    }
    return ControlOpenResult.Ok;
  }

  /**
   * Applies an authenticated RETIRE_CONTROL_KEY: key ids of `workerId` below `belowKeyId` are
   * refused from now on and dropped from the cache. Bounds only ever rise. Returns Ok, or
   * WorkerLimitReached if the worker is new and the worker table is full.
   *
   * spec: security.md#key-rotation
   */
  retire(workerId: number, belowKeyId: number): ControlOpenResult {
    if (!(workerId >>> 0 === workerId && workerId <= KEY_WORKER_ID_MAX) || belowKeyId >>> 0 !== belowKeyId) {
      throw new InvalidArgumentError('retire: worker id must be a u16 and the key id bound a u32');
    }
    let slot = this.workerSlots.get(workerId) ?? NO_SLOT;
    if (slot === NO_SLOT) {
      if (this.workerCount === this.workerCapacity) return ControlOpenResult.WorkerLimitReached;
      slot = this.addWorker(workerId);
    }
    if (belowKeyId > (this.workerRetiredBelow[slot] as number)) {
      this.workerRetiredBelow[slot] = belowKeyId;
      this.evictBelow(workerId, belowKeyId);
    }
    return ControlOpenResult.Ok;
  }

  private countFailure(): ControlOpenResult {
    this.failedOpenCount += 1;
    if (this.failedOpenCount >= this.integrityLimit) this.limitReached = true;
    return ControlOpenResult.AuthenticationFailed;
  }

  private addWorker(workerId: number): number {
    assert(this.workerCount < this.workerCapacity, 'worker table overflow');
    const slot = this.workerCount;
    this.workerCount = slot + 1;
    this.workerSlots.set(workerId, slot);
    this.workerNewestKeyId[slot] = -1;
    this.workerRetiredBelow[slot] = 0;
    return slot;
  }

  private insertKey(workerId: number, keyId: number, key: AeadKey): void {
    let slot = NO_SLOT;
    if (this.cachedCount < this.cacheCapacity) {
      for (let i = 0; i < this.cacheCapacity; i++) {
        if (this.slotWorkerId[i] === NO_SLOT) {
          slot = i;
          break;
        }
      }
    } else {
      // Evict the least recently used key (O(capacity), only on a cache miss that authenticated).
      let oldest = Number.POSITIVE_INFINITY;
      for (let i = 0; i < this.cacheCapacity; i++) {
        const lastUse = this.slotLastUse[i] as number;
        if (lastUse < oldest) {
          oldest = lastUse;
          slot = i;
        }
      }
      this.freeSlot(slot);
    }
    assert(slot !== NO_SLOT, 'no free key cache slot');
    this.slotWorkerId[slot] = workerId;
    this.slotKeyId[slot] = keyId;
    this.useTick += 1;
    this.slotLastUse[slot] = this.useTick;
    this.slotFailedOpens[slot] = 0;
    this.slotIv.set(this.material.subarray(AEAD_KEY_BYTES, KEY_MATERIAL_BYTES), slot * AEAD_NONCE_BYTES);
    this.slotKey[slot] = key;
    this.cacheSlots.set(workerId * TWO_POW_32 + keyId, slot);
    this.cachedCount += 1;
  }

  private freeSlot(slot: number): void {
    const workerId = this.slotWorkerId[slot] as number;
    assert(workerId !== NO_SLOT, 'freeing an empty key cache slot');
    this.cacheSlots.delete(workerId * TWO_POW_32 + (this.slotKeyId[slot] as number));
    this.slotWorkerId[slot] = NO_SLOT;
    this.slotKey[slot] = null;
    this.slotIv.fill(0, slot * AEAD_NONCE_BYTES, (slot + 1) * AEAD_NONCE_BYTES);
    this.cachedCount -= 1;
  }

  /** Drops cached keys of `workerId` with key id below `bound` (no longer acceptable). */
  private evictBelow(workerId: number, bound: number): void {
    for (let i = 0; i < this.cacheCapacity; i++) {
      if (this.slotWorkerId[i] === workerId && (this.slotKeyId[i] as number) < bound) this.freeSlot(i);
    }
  }
}
