/**
 * The path-secret map: every path secret this host shares with a peer, found by its 16-byte id (on
 * every received datagram) or by the peer's slot (to send). Owns the entries' bytes and metadata,
 * their LRU order and eviction, re-handshake replacement with a grace period, the replay windows
 * of each (secret, sending worker) pair, pre-shared-secret (PSK) derivation and stateless-reset
 * tags. Everything lives in typed arrays allocated at construction; a lookup builds no strings.
 *
 * spec: replay-and-secrets.md#path-secret-map
 */
import { assert } from './assert.js';
import { BackpressureError, InvalidArgumentError } from './errors.js';
import { REPLAY_NO_WINDOW, REPLAY_WINDOW_BITS_DEFAULT, ReplayWindowTable } from './replay-window.js';

/** Length of a path secret id in bytes. */
export const PATH_SECRET_ID_BYTES = 16;
/** Length of a path secret in bytes. */
export const PATH_SECRET_BYTES = 32;
/** Length of a stateless-reset tag in bytes. */
export const STATELESS_RESET_TAG_BYTES = 16;
/** Returned by lookups that find nothing. */
export const PATH_SECRET_NOT_FOUND = -1;

/**
 * The few crypto primitives this module needs, injected. The signatures are those of the same
 * methods of `CryptoProvider` (`crypto/provider.ts`), so a provider can be passed as is. They run
 * on handshakes and on UNKNOWN_PATH_SECRET, never per datagram.
 */
export interface PathSecretCrypto {
  /** HKDF-Extract with SHA-256: writes the 32-byte PRK into `out[0, 32)`. */
  hkdfExtract(salt: Uint8Array, ikm: Uint8Array, out: Uint8Array): void;
  /** HKDF-Expand with SHA-256: writes `length` bytes into `out[outOffset, outOffset + length)`. */
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
}

/** Why an entry left the map (passed to {@link PathSecretMapOptions.onRemove}). */
export const PathSecretRemoval = {
  /** Evicted (least recently used, older than `minAgeUs`) to make room for a new secret. */
  Evicted: 0,
  /** The peer got a newer secret and already had `maxSecretsPerPeer`: its oldest one went. */
  Superseded: 1,
  /** A superseded secret's grace period ended. */
  Expired: 2,
  /** Removed on request ({@link PathSecretMap.remove} / {@link PathSecretMap.removePeer}). */
  Removed: 3,
} as const;

/** Union of the {@link PathSecretRemoval} values. */
export type PathSecretRemoval = (typeof PathSecretRemoval)[keyof typeof PathSecretRemoval];

/** Configuration of a {@link PathSecretMap}. */
export interface PathSecretMapOptions {
  /** Maximum path secrets held; 1 ..= 2^20. */
  readonly capacity: number;
  /** Peer slots are integers in [0, peerSlotCapacity); 1 ..= 2^24. */
  readonly peerSlotCapacity: number;
  /** Secrets kept per peer across re-handshakes (the newest plus older ones in their grace period); 1 ..= 8. */
  readonly maxSecretsPerPeer: number;
  /** Entries created less than this long ago are never evicted (µs, >= 0). */
  readonly minAgeUs: number;
  /** How long a superseded secret still opens datagrams (µs, >= 0). */
  readonly graceUs: number;
  /** Replay window size W in notify sequence numbers (power of two, 64 ..= 2^20). */
  readonly replayWindowBits: number;
  /** Replay windows in total, shared by all entries; 1 ..= 2^20. */
  readonly replayWindowCapacity: number;
  /** Distinct sending workers tracked per secret; 1 ..= 64. Further workers are always challenged. */
  readonly replayWindowsPerSecretMax: number;
  /**
   * Called synchronously whenever an entry leaves the map, before its slot is cleared (its fields
   * are still readable), so the engine can drop derived keys and per-secret state. Must not call
   * back into the map.
   */
  readonly onRemove?: (entry: number, reason: PathSecretRemoval) => void;
}

/** Recommended defaults for everything but the peer slot capacity (spec: replay-and-secrets.md#limits). */
export const PATH_SECRET_MAP_DEFAULTS = {
  capacity: 4096,
  maxSecretsPerPeer: 2,
  minAgeUs: 10_000_000,
  graceUs: 5_000_000,
  replayWindowBits: REPLAY_WINDOW_BITS_DEFAULT,
  replayWindowCapacity: 16384,
  replayWindowsPerSecretMax: 16,
} as const satisfies Omit<PathSecretMapOptions, 'peerSlotCapacity' | 'onRemove'>;

/** A path secret to insert. */
export interface PathSecretInsert {
  /** The 16-byte path secret id. */
  readonly id: Uint8Array;
  /** The 32-byte path secret. */
  readonly secret: Uint8Array;
  /** Engine slot of the peer this secret is shared with. */
  readonly peerSlot: number;
  /** Direction bit of datagrams this host seals with it (0 = TLS client side / lower PSK identity). */
  readonly localDirection: 0 | 1;
  /** Protocol version the secret is bound to (1 ..= 255). */
  readonly version: number;
  /** The 16-byte stateless-reset tag the peer will put in UNKNOWN_PATH_SECRET for this id. */
  readonly peerResetTag: Uint8Array;
  /** Current time (µs). */
  readonly nowUs: number;
  /**
   * Whether the secret may be used for sending right away (default true). A re-handshake inserts
   * the new secret inactive — it already opens the peer's datagrams — and calls
   * {@link PathSecretMap.activate} once the peer confirmed it installed the secret too.
   */
  readonly active?: boolean;
}

const NONE = -1;
const ID_WORDS = PATH_SECRET_ID_BYTES / 4;

function readU32(bytes: Uint8Array, offset: number): number {
  return (
    (((bytes[offset] as number) << 24) |
      ((bytes[offset + 1] as number) << 16) |
      ((bytes[offset + 2] as number) << 8) |
      (bytes[offset + 3] as number)) >>>
    0
  );
}

/**
 * Compares `length` bytes of `a` at `aOffset` with `b` at `bOffset` in time independent of where
 * they differ. Returns false (without reading) when either range runs past its array.
 */
export function constantTimeEqual(
  a: Uint8Array,
  aOffset: number,
  b: Uint8Array,
  bOffset: number,
  length: number,
): boolean {
  if (aOffset < 0 || bOffset < 0 || length < 0 || aOffset + length > a.length || bOffset + length > b.length) {
    return false;
  }
  let difference = 0;
  for (let i = 0; i < length; i++) difference |= (a[aOffset + i] as number) ^ (b[bOffset + i] as number);
  return difference === 0;
}

const RESET_LABEL = [0x64, 0x63, 0x71, 0x20, 0x72, 0x65, 0x73, 0x65, 0x74]; // "dcq reset"

/**
 * The stateless-reset tag a host puts in UNKNOWN_PATH_SECRET for a path secret id it does not
 * know: the first 16 bytes of HMAC-SHA256(hostResetKey, "dcq reset" || id). Only the host holding
 * `hostResetKey` can compute it; its peer learnt it during the handshake and compares.
 *
 * spec: replay-and-secrets.md#unknown-path-secret
 */
export function statelessResetTag(
  crypto: PathSecretCrypto,
  hostResetKey: Uint8Array,
  id: Uint8Array,
  idOffset = 0,
): Uint8Array {
  if (idOffset < 0 || idOffset + PATH_SECRET_ID_BYTES > id.length) {
    throw new InvalidArgumentError('statelessResetTag needs 16 id bytes at idOffset');
  }
  const data = new Uint8Array(RESET_LABEL.length + PATH_SECRET_ID_BYTES);
  data.set(RESET_LABEL, 0);
  data.set(id.subarray(idOffset, idOffset + PATH_SECRET_ID_BYTES), RESET_LABEL.length);
  const mac = new Uint8Array(32);
  crypto.hmacSha256(hostResetKey, data, 0, data.length, mac, 0);
  return mac.slice(0, STATELESS_RESET_TAG_BYTES);
}

/** Inputs of {@link derivePskPathSecret}. */
export interface PskPathSecretInput {
  /** The pre-shared secret (at least 16 bytes). */
  readonly psk: Uint8Array;
  /** This host's identity (1 ..= 255 bytes, e.g. UTF-8 of its name). */
  readonly localIdentity: Uint8Array;
  /** The peer's identity (1 ..= 255 bytes, different from ours). */
  readonly peerIdentity: Uint8Array;
  /** Session epoch (u32) both sides agreed on; a new epoch gives a new secret and id (never reuse one after a restart). */
  readonly epoch: number;
  /** Protocol version the secret is bound to (1 ..= 255). */
  readonly version: number;
}

/** What PSK mode derives for one (host, peer, epoch): everything {@link PathSecretMap.insert} needs. */
export interface PskPathSecret {
  /** The 32-byte path secret (identical on both sides). */
  readonly secret: Uint8Array;
  /** The 16-byte path secret id (identical on both sides). */
  readonly id: Uint8Array;
  /** 0 when our identity sorts lower (bytewise), else 1; the peer gets the opposite bit. */
  readonly localDirection: 0 | 1;
  /** The tag the peer sends in UNKNOWN_PATH_SECRET for this id (derived from its PSK reset key). */
  readonly peerResetTag: Uint8Array;
}

const ASCII = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const PSK_SALT = ASCII('dcq v1 psk');
const PSK_PATH_LABEL = ASCII('dcq psk path');
const PSK_RESET_LABEL = ASCII('dcq psk reset');

function hkdf(crypto: PathSecretCrypto, ikm: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const prk = new Uint8Array(32);
  crypto.hkdfExtract(PSK_SALT, ikm, prk);
  const out = new Uint8Array(length);
  crypto.hkdfExpand(prk, info, out, 0, length);
  prk.fill(0);
  return out;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function checkIdentity(name: string, identity: Uint8Array): void {
  if (identity.length < 1 || identity.length > 255) {
    throw new InvalidArgumentError(`PSK ${name} must be 1..255 bytes, got ${identity.length}`);
  }
}

/**
 * PSK mode's stateless-reset key of a host: HKDF-SHA256(IKM = psk, salt = "dcq v1 psk",
 * info = "dcq psk reset" || u8 len || identity, 32). Every PSK holder can compute every host's
 * key, which is fine: they are all trusted with the PSK anyway.
 *
 * spec: replay-and-secrets.md#psk
 */
export function derivePskResetKey(crypto: PathSecretCrypto, psk: Uint8Array, identity: Uint8Array): Uint8Array {
  checkIdentity('identity', identity);
  const info = new Uint8Array(PSK_RESET_LABEL.length + 1 + identity.length);
  info.set(PSK_RESET_LABEL, 0);
  info[PSK_RESET_LABEL.length] = identity.length;
  info.set(identity, PSK_RESET_LABEL.length + 1);
  return hkdf(crypto, psk, info, 32);
}

/**
 * Derives the path secret, its id, the direction bit and the peer's reset tag for PSK mode (tests
 * and the simulator). Both hosts get the same secret and id and opposite direction bits:
 * HKDF-SHA256(IKM = psk, salt = "dcq v1 psk", info = "dcq psk path" || u8 version || u8 len(low) ||
 * low || u8 len(high) || high || u32 epoch, 48) → secret = bytes 0..31, id = bytes 32..47, where
 * low/high are the two identities in bytewise order.
 *
 * spec: replay-and-secrets.md#psk
 */
export function derivePskPathSecret(crypto: PathSecretCrypto, input: PskPathSecretInput): PskPathSecret {
  const { psk, localIdentity, peerIdentity, epoch, version } = input;
  if (psk.length < 16) throw new InvalidArgumentError('PSK must be at least 16 bytes');
  checkIdentity('localIdentity', localIdentity);
  checkIdentity('peerIdentity', peerIdentity);
  if (!Number.isInteger(epoch) || epoch < 0 || epoch > 0xffffffff) {
    throw new InvalidArgumentError(`PSK epoch must be a u32, got ${epoch}`);
  }
  if (!Number.isInteger(version) || version < 1 || version > 255) {
    throw new InvalidArgumentError(`version must be in 1..255, got ${version}`);
  }
  const order = compareBytes(localIdentity, peerIdentity);
  if (order === 0) throw new InvalidArgumentError('PSK local and peer identities must differ');
  const low = order < 0 ? localIdentity : peerIdentity;
  const high = order < 0 ? peerIdentity : localIdentity;
  const info = new Uint8Array(PSK_PATH_LABEL.length + 1 + 1 + low.length + 1 + high.length + 4);
  let o = 0;
  info.set(PSK_PATH_LABEL, o);
  o += PSK_PATH_LABEL.length;
  info[o++] = version;
  info[o++] = low.length;
  info.set(low, o);
  o += low.length;
  info[o++] = high.length;
  info.set(high, o);
  o += high.length;
  info[o++] = (epoch >>> 24) & 0xff;
  info[o++] = (epoch >>> 16) & 0xff;
  info[o++] = (epoch >>> 8) & 0xff;
  info[o++] = epoch & 0xff;
  const okm = hkdf(crypto, psk, info, PATH_SECRET_BYTES + PATH_SECRET_ID_BYTES);
  const secret = okm.slice(0, PATH_SECRET_BYTES);
  const id = okm.slice(PATH_SECRET_BYTES, PATH_SECRET_BYTES + PATH_SECRET_ID_BYTES);
  const peerResetTag = statelessResetTag(crypto, derivePskResetKey(crypto, psk, peerIdentity), id);
  return { secret, id, localDirection: order < 0 ? 0 : 1, peerResetTag };
}

/**
 * Bounded map of path secrets.
 *
 * - Lookup by id ({@link lookup}, per datagram): open addressing with linear probing over a
 *   power-of-two Int32Array at most half full, hashed from the id's first four bytes (ids are
 *   random); deletion shifts entries back, so there are no tombstones.
 * - Lookup by peer ({@link currentForPeer}, to send): a per-peer list, newest first.
 * - Full map: {@link insert} evicts the least recently used entry created at least `minAgeUs`
 *   ago; when every entry is younger it throws a {@link BackpressureError} and changes nothing.
 *   Finding the victim walks the LRU list from its cold end (O(capacity) worst case; inserts run
 *   at handshake rate).
 * - Re-handshake: activating a secret (at insertion or later with {@link activate}) makes it the
 *   peer's current one, the one to send with; the previous current one keeps opening datagrams for
 *   `graceUs`. Inactive (pending) secrets open datagrams but are not sent with. A peer never holds
 *   more than `maxSecretsPerPeer` secrets: inserting one more removes the peer's oldest at once.
 *
 * Entries are small integers (slots); a slot is reused after removal, so holders that keep one
 * across calls compare {@link generation}.
 */
export class PathSecretMap {
  /** Maximum entries. */
  readonly capacity: number;
  /** Peer slots must be below this. */
  readonly peerSlotCapacity: number;
  /** Secrets kept per peer. */
  readonly maxSecretsPerPeer: number;
  /** Eviction protection age (µs). */
  readonly minAgeUs: number;
  /** Grace period of a superseded secret (µs). */
  readonly graceUs: number;
  /** Distinct sending workers tracked per secret. */
  readonly replayWindowsPerSecretMax: number;
  /** The replay windows of all entries (check/commit notify sequences here). */
  readonly replayWindows: ReplayWindowTable;
  /** Entries evicted for room. */
  evictedTotal: number;
  /** Entries removed because their peer exceeded `maxSecretsPerPeer`. */
  supersededTotal: number;
  /** Superseded entries removed after their grace period. */
  expiredTotal: number;
  /** Inserts refused with a BackpressureError. */
  refusedTotal: number;
  /** Lookups by id that found nothing usable. */
  missesTotal: number;

  private readonly onRemove: ((entry: number, reason: PathSecretRemoval) => void) | undefined;
  private readonly idWords: Uint32Array;
  private readonly secrets: Uint8Array;
  private readonly peerResetTags: Uint8Array;
  private readonly peerOf: Int32Array;
  private readonly direction: Uint8Array;
  private readonly versions: Uint8Array;
  private readonly createdUs: Float64Array;
  private readonly lastUsedUsArray: Float64Array;
  private readonly retireUs: Float64Array;
  private readonly live: Uint8Array;
  private readonly active: Uint8Array;
  private readonly generations: Uint32Array;
  private readonly freeSlots: Int32Array;
  private freeCount: number;
  // Open-addressing index: table[i] is an entry or NONE.
  private readonly table: Int32Array;
  private readonly tableMask: number;
  private readonly tableShift: number;
  // LRU list: head = most recently used.
  private readonly lruPrev: Int32Array;
  private readonly lruNext: Int32Array;
  private lruHead: number;
  private lruTail: number;
  // Per-peer lists: head = newest.
  private readonly peerHead: Int32Array;
  private readonly peerTail: Int32Array;
  private readonly peerCounts: Int32Array;
  private readonly peerPrev: Int32Array;
  private readonly peerNext: Int32Array;
  // Superseded entries in the order they were superseded (= retirement order when time is monotonic).
  private readonly retirePrev: Int32Array;
  private readonly retireNext: Int32Array;
  private retireHead: number;
  private retireTail: number;
  // Replay windows per entry: (worker id, window slot) pairs; worker NONE = unused pair.
  private readonly windowWorker: Int32Array;
  private readonly windowSlot: Int32Array;

  constructor(options: PathSecretMapOptions) {
    const { capacity, peerSlotCapacity, maxSecretsPerPeer, minAgeUs, graceUs, replayWindowsPerSecretMax } = options;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1 << 20) {
      throw new InvalidArgumentError(`path secret capacity must be an integer in [1, 2^20], got ${capacity}`);
    }
    if (!Number.isInteger(peerSlotCapacity) || peerSlotCapacity < 1 || peerSlotCapacity > 1 << 24) {
      throw new InvalidArgumentError(`peerSlotCapacity must be an integer in [1, 2^24], got ${peerSlotCapacity}`);
    }
    if (!Number.isInteger(maxSecretsPerPeer) || maxSecretsPerPeer < 1 || maxSecretsPerPeer > 8) {
      throw new InvalidArgumentError(`maxSecretsPerPeer must be an integer in [1, 8], got ${maxSecretsPerPeer}`);
    }
    if (!(minAgeUs >= 0) || !(graceUs >= 0)) {
      throw new InvalidArgumentError('minAgeUs and graceUs must be non-negative numbers');
    }
    if (
      !Number.isInteger(replayWindowsPerSecretMax) ||
      replayWindowsPerSecretMax < 1 ||
      replayWindowsPerSecretMax > 64
    ) {
      throw new InvalidArgumentError(
        `replayWindowsPerSecretMax must be an integer in [1, 64], got ${replayWindowsPerSecretMax}`,
      );
    }
    this.capacity = capacity;
    this.peerSlotCapacity = peerSlotCapacity;
    this.maxSecretsPerPeer = maxSecretsPerPeer;
    this.minAgeUs = minAgeUs;
    this.graceUs = graceUs;
    this.replayWindowsPerSecretMax = replayWindowsPerSecretMax;
    this.replayWindows = new ReplayWindowTable({
      capacity: options.replayWindowCapacity,
      windowBits: options.replayWindowBits,
    });
    this.evictedTotal = 0;
    this.supersededTotal = 0;
    this.expiredTotal = 0;
    this.refusedTotal = 0;
    this.missesTotal = 0;
    this.onRemove = options.onRemove;
    this.idWords = new Uint32Array(capacity * ID_WORDS);
    this.secrets = new Uint8Array(capacity * PATH_SECRET_BYTES);
    this.peerResetTags = new Uint8Array(capacity * STATELESS_RESET_TAG_BYTES);
    this.peerOf = new Int32Array(capacity).fill(NONE);
    this.direction = new Uint8Array(capacity);
    this.versions = new Uint8Array(capacity);
    this.createdUs = new Float64Array(capacity);
    this.lastUsedUsArray = new Float64Array(capacity);
    this.retireUs = new Float64Array(capacity).fill(Number.POSITIVE_INFINITY);
    this.live = new Uint8Array(capacity);
    this.active = new Uint8Array(capacity);
    this.generations = new Uint32Array(capacity);
    this.freeSlots = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.freeSlots[i] = capacity - 1 - i;
    this.freeCount = capacity;
    let tableBits = 1;
    while (1 << tableBits < capacity * 2) tableBits++;
    this.table = new Int32Array(1 << tableBits).fill(NONE);
    this.tableMask = (1 << tableBits) - 1;
    this.tableShift = 32 - tableBits;
    this.lruPrev = new Int32Array(capacity).fill(NONE);
    this.lruNext = new Int32Array(capacity).fill(NONE);
    this.lruHead = NONE;
    this.lruTail = NONE;
    this.peerHead = new Int32Array(peerSlotCapacity).fill(NONE);
    this.peerTail = new Int32Array(peerSlotCapacity).fill(NONE);
    this.peerCounts = new Int32Array(peerSlotCapacity);
    this.peerPrev = new Int32Array(capacity).fill(NONE);
    this.peerNext = new Int32Array(capacity).fill(NONE);
    this.retirePrev = new Int32Array(capacity).fill(NONE);
    this.retireNext = new Int32Array(capacity).fill(NONE);
    this.retireHead = NONE;
    this.retireTail = NONE;
    this.windowWorker = new Int32Array(capacity * replayWindowsPerSecretMax).fill(NONE);
    this.windowSlot = new Int32Array(capacity * replayWindowsPerSecretMax).fill(REPLAY_NO_WINDOW);
  }

  /** Entries held. */
  get size(): number {
    return this.capacity - this.freeCount;
  }

  /** Whether `entry` is a live entry. */
  isLive(entry: number): boolean {
    return entry >= 0 && entry < this.capacity && this.live[entry] === 1;
  }

  /** Generation of an entry slot; it changes every time the slot's entry is removed. */
  generation(entry: number): number {
    assert(entry >= 0 && entry < this.capacity, 'path secret entry out of range');
    return this.generations[entry] as number;
  }

  /**
   * Inserts a path secret and makes it its peer's current one. Returns the entry. Throws
   * {@link BackpressureError} (changing nothing) when the map is full and every entry was created
   * less than `minAgeUs` ago; {@link InvalidArgumentError} on malformed input or a duplicate id.
   */
  insert(input: PathSecretInsert): number {
    const { id, secret, peerSlot, localDirection, version, peerResetTag, nowUs } = input;
    if (id.length !== PATH_SECRET_ID_BYTES) throw new InvalidArgumentError('path secret id must be 16 bytes');
    if (secret.length !== PATH_SECRET_BYTES) throw new InvalidArgumentError('path secret must be 32 bytes');
    if (peerResetTag.length !== STATELESS_RESET_TAG_BYTES) {
      throw new InvalidArgumentError('peer stateless-reset tag must be 16 bytes');
    }
    if (!Number.isInteger(peerSlot) || peerSlot < 0 || peerSlot >= this.peerSlotCapacity) {
      throw new InvalidArgumentError(`peerSlot must be an integer in [0, ${this.peerSlotCapacity})`);
    }
    if (localDirection !== 0 && localDirection !== 1) throw new InvalidArgumentError('localDirection must be 0 or 1');
    if (!Number.isInteger(version) || version < 1 || version > 255) {
      throw new InvalidArgumentError(`version must be in 1..255, got ${version}`);
    }
    if (Number.isNaN(nowUs)) throw new InvalidArgumentError('nowUs must be a number');
    if (this.find(id, 0) !== NONE) throw new InvalidArgumentError('path secret id already present');

    // Room: a peer at its limit gives up its oldest secret; otherwise a full map evicts (or refuses)
    // before anything changes.
    const peerFull = (this.peerCounts[peerSlot] as number) >= this.maxSecretsPerPeer;
    let victim = NONE;
    if (!peerFull && this.freeCount === 0) {
      victim = this.evictionCandidate(nowUs);
      if (victim === NONE) {
        this.refusedTotal++;
        throw new BackpressureError(
          'pathSecrets.capacity',
          this.capacity,
          `path-secret map full (${this.capacity}) and every secret is younger than minAgeUs (${this.minAgeUs} µs); retry the handshake later or raise the capacity`,
        );
      }
    }
    if (peerFull) {
      this.supersededTotal++;
      this.removeEntry(this.peerTail[peerSlot] as number, PathSecretRemoval.Superseded);
    } else if (victim !== NONE) {
      this.evictedTotal++;
      this.removeEntry(victim, PathSecretRemoval.Evicted);
    }
    assert(this.freeCount > 0, 'path secret map has no free slot after making room');
    this.freeCount--;
    const entry = this.freeSlots[this.freeCount] as number;
    assert(this.live[entry] === 0, 'path secret slot handed out twice');
    this.live[entry] = 1;
    const w = entry * ID_WORDS;
    this.idWords[w] = readU32(id, 0);
    this.idWords[w + 1] = readU32(id, 4);
    this.idWords[w + 2] = readU32(id, 8);
    this.idWords[w + 3] = readU32(id, 12);
    this.secrets.set(secret, entry * PATH_SECRET_BYTES);
    this.peerResetTags.set(peerResetTag, entry * STATELESS_RESET_TAG_BYTES);
    this.peerOf[entry] = peerSlot;
    this.direction[entry] = localDirection;
    this.versions[entry] = version;
    this.createdUs[entry] = nowUs;
    this.lastUsedUsArray[entry] = nowUs;
    this.retireUs[entry] = Number.POSITIVE_INFINITY;
    this.active[entry] = 0;
    // Index by id.
    let i = this.home(this.idWords[w] as number);
    while (this.table[i] !== NONE) i = (i + 1) & this.tableMask;
    this.table[i] = entry;
    // Most recently used.
    this.lruPushHead(entry);
    // Newest secret of its peer.
    const head = this.peerHead[peerSlot] as number;
    this.peerPrev[entry] = NONE;
    this.peerNext[entry] = head;
    if (head !== NONE) this.peerPrev[head] = entry;
    else this.peerTail[peerSlot] = entry;
    this.peerHead[peerSlot] = entry;
    this.peerCounts[peerSlot] = (this.peerCounts[peerSlot] as number) + 1;
    if (input.active !== false) this.activate(entry, nowUs);
    return entry;
  }

  /**
   * Makes an inactive entry its peer's current secret (the one {@link currentForPeer} returns);
   * the peer's previous current secret enters its grace period. No effect on an active entry.
   */
  activate(entry: number, nowUs: number): void {
    assert(this.isLive(entry), 'activate of a dead path secret');
    if (this.active[entry] === 1) return;
    this.active[entry] = 1;
    const peerSlot = this.peerOf[entry] as number;
    for (let e = this.peerHead[peerSlot] as number; e !== NONE; e = this.peerNext[e] as number) {
      if (e !== entry && this.active[e] === 1 && (this.retireUs[e] as number) === Number.POSITIVE_INFINITY) {
        this.retireUs[e] = nowUs + this.graceUs;
        this.retireAppend(e);
      }
    }
  }

  /** Whether the entry may be sent with (see {@link activate}). */
  isActive(entry: number): boolean {
    assert(this.isLive(entry), 'isActive of a dead path secret');
    return this.active[entry] === 1;
  }

  /**
   * Finds the entry whose id is the 16 bytes at `bytes[offset]`, without side effects. Returns
   * {@link PATH_SECRET_NOT_FOUND} when there is none (or the range runs past `bytes`).
   */
  find(bytes: Uint8Array, offset: number): number {
    if (offset < 0 || offset + PATH_SECRET_ID_BYTES > bytes.length) return NONE;
    const w0 = readU32(bytes, offset);
    const mask = this.tableMask;
    const table = this.table;
    const idWords = this.idWords;
    let i = this.home(w0);
    for (;;) {
      const entry = table[i] as number;
      if (entry === NONE) return NONE;
      const w = entry * ID_WORDS;
      if (
        idWords[w] === w0 &&
        idWords[w + 1] === readU32(bytes, offset + 4) &&
        idWords[w + 2] === readU32(bytes, offset + 8) &&
        idWords[w + 3] === readU32(bytes, offset + 12)
      ) {
        return entry;
      }
      i = (i + 1) & mask;
    }
  }

  /**
   * Per-datagram lookup: like {@link find}, but a superseded entry whose grace period has ended is
   * removed and not returned, and a usable entry becomes the most recently used.
   */
  lookup(bytes: Uint8Array, offset: number, nowUs: number): number {
    const entry = this.find(bytes, offset);
    if (entry === NONE) {
      this.missesTotal++;
      return NONE;
    }
    if ((this.retireUs[entry] as number) <= nowUs) {
      this.expiredTotal++;
      this.removeEntry(entry, PathSecretRemoval.Expired);
      this.missesTotal++;
      return NONE;
    }
    this.touch(entry, nowUs);
    return entry;
  }

  /** Marks an entry used now (most recently used). */
  touch(entry: number, nowUs: number): void {
    assert(this.isLive(entry), 'touch of a dead path secret');
    this.lastUsedUsArray[entry] = nowUs;
    if (this.lruHead === entry) return;
    this.lruUnlink(entry);
    this.lruPushHead(entry);
  }

  /**
   * The secret to send to a peer with: its newest active entry (normally the current one; a
   * superseded one still in its grace period if the current one was removed), or
   * {@link PATH_SECRET_NOT_FOUND} when the peer needs a handshake.
   */
  currentForPeer(peerSlot: number): number {
    if (!(peerSlot >= 0 && peerSlot < this.peerSlotCapacity)) return NONE;
    let e = this.peerHead[peerSlot] as number;
    while (e !== NONE && this.active[e] === 0) e = this.peerNext[e] as number;
    return e;
  }

  /** Writes the peer's entries, newest first, to `out`; returns how many were written. */
  entriesOfPeer(peerSlot: number, out: Int32Array): number {
    if (!(peerSlot >= 0 && peerSlot < this.peerSlotCapacity)) return 0;
    let count = 0;
    for (let e = this.peerHead[peerSlot] as number; e !== NONE && count < out.length; e = this.peerNext[e] as number) {
      out[count++] = e;
    }
    return count;
  }

  /** Number of secrets held for a peer. */
  peerSecretCount(peerSlot: number): number {
    if (!(peerSlot >= 0 && peerSlot < this.peerSlotCapacity)) return 0;
    return this.peerCounts[peerSlot] as number;
  }

  /** Peer slot of an entry. */
  peerSlotOf(entry: number): number {
    assert(this.isLive(entry), 'peerSlotOf a dead path secret');
    return this.peerOf[entry] as number;
  }

  /** Direction bit this host seals with under this secret (the peer uses the other one). */
  localDirectionOf(entry: number): 0 | 1 {
    assert(this.isLive(entry), 'localDirectionOf a dead path secret');
    return this.direction[entry] === 1 ? 1 : 0;
  }

  /** Protocol version the secret is bound to. */
  versionOf(entry: number): number {
    assert(this.isLive(entry), 'versionOf a dead path secret');
    return this.versions[entry] as number;
  }

  /** When the entry was inserted (µs). */
  createdAtUs(entry: number): number {
    assert(this.isLive(entry), 'createdAtUs of a dead path secret');
    return this.createdUs[entry] as number;
  }

  /** When the entry was last looked up or touched (µs). */
  lastUsedAtUs(entry: number): number {
    assert(this.isLive(entry), 'lastUsedAtUs of a dead path secret');
    return this.lastUsedUsArray[entry] as number;
  }

  /** When a superseded entry stops opening datagrams (µs); +Infinity for a peer's current secret. */
  retireAtUs(entry: number): number {
    assert(this.isLive(entry), 'retireAtUs of a dead path secret');
    return this.retireUs[entry] as number;
  }

  /** Copies the 16-byte id of an entry into `out` at `offset`. */
  copyId(entry: number, out: Uint8Array, offset: number): void {
    assert(this.isLive(entry), 'copyId of a dead path secret');
    assert(offset >= 0 && offset + PATH_SECRET_ID_BYTES <= out.length, 'copyId output too small');
    for (let k = 0; k < ID_WORDS; k++) {
      const word = this.idWords[entry * ID_WORDS + k] as number;
      out[offset + 4 * k] = word >>> 24;
      out[offset + 4 * k + 1] = (word >>> 16) & 0xff;
      out[offset + 4 * k + 2] = (word >>> 8) & 0xff;
      out[offset + 4 * k + 3] = word & 0xff;
    }
  }

  /** Copies the 32-byte secret of an entry into `out` at `offset` (for key derivation). */
  copySecret(entry: number, out: Uint8Array, offset: number): void {
    assert(this.isLive(entry), 'copySecret of a dead path secret');
    const start = entry * PATH_SECRET_BYTES;
    out.set(this.secrets.subarray(start, start + PATH_SECRET_BYTES), offset);
  }

  /** Copies the peer's 16-byte stateless-reset tag for this secret into `out` at `offset`. */
  copyPeerResetTag(entry: number, out: Uint8Array, offset: number): void {
    assert(this.isLive(entry), 'copyPeerResetTag of a dead path secret');
    const start = entry * STATELESS_RESET_TAG_BYTES;
    out.set(this.peerResetTags.subarray(start, start + STATELESS_RESET_TAG_BYTES), offset);
  }

  /**
   * Whether the 16 bytes at `tag[tagOffset]` equal the peer's stateless-reset tag for this entry
   * (constant time): authenticates an UNKNOWN_PATH_SECRET naming this entry's id.
   */
  verifyPeerResetTag(entry: number, tag: Uint8Array, tagOffset: number): boolean {
    assert(this.isLive(entry), 'verifyPeerResetTag of a dead path secret');
    return constantTimeEqual(
      this.peerResetTags,
      entry * STATELESS_RESET_TAG_BYTES,
      tag,
      tagOffset,
      STATELESS_RESET_TAG_BYTES,
    );
  }

  /**
   * Replay window slot for notifies sealed by `workerId` (u16) under this secret. Allocates an empty
   * window the first time a worker is seen. Returns {@link REPLAY_NO_WINDOW} when the secret
   * already tracks `replayWindowsPerSecretMax` workers or no window is free — and then keeps
   * returning it for that worker for the secret's whole life (a window created later would accept
   * replays of notifies seen meanwhile), so every notify of that worker is challenged.
   *
   * spec: replay-and-secrets.md#replay-window (which windows exist)
   */
  replayWindowSlot(entry: number, workerId: number): number {
    assert(this.isLive(entry), 'replayWindowSlot of a dead path secret');
    const k = this.replayWindowsPerSecretMax;
    const base = entry * k;
    for (let i = 0; i < k; i++) {
      const worker = this.windowWorker[base + i] as number;
      if (worker === workerId) return this.windowSlot[base + i] as number;
      if (worker === NONE) {
        const slot = this.replayWindows.allocate();
        this.windowWorker[base + i] = workerId;
        this.windowSlot[base + i] = slot;
        return slot;
      }
    }
    return REPLAY_NO_WINDOW;
  }

  /** Removes an entry (e.g. the peer reported it unknown, or the peer is gone). */
  remove(entry: number): void {
    assert(this.isLive(entry), 'remove of a dead path secret');
    this.removeEntry(entry, PathSecretRemoval.Removed);
  }

  /** Removes every secret of a peer; returns how many were removed. */
  removePeer(peerSlot: number): number {
    let count = 0;
    while (peerSlot >= 0 && peerSlot < this.peerSlotCapacity && this.peerHead[peerSlot] !== NONE) {
      this.removeEntry(this.peerHead[peerSlot] as number, PathSecretRemoval.Removed);
      count++;
    }
    return count;
  }

  /**
   * Earliest end of a grace period (µs), or +Infinity when no secret is superseded. Superseded
   * entries are kept in supersede order, which is retirement order as long as `nowUs` never goes
   * backwards (with a non-monotonic caller retirement may run late here, but {@link lookup} still
   * refuses an entry from its exact retirement time).
   */
  nextRetireAtUs(): number {
    return this.retireHead === NONE ? Number.POSITIVE_INFINITY : (this.retireUs[this.retireHead] as number);
  }

  /** Removes superseded entries whose grace period ended at or before `nowUs`; returns how many. */
  removeRetired(nowUs: number): number {
    let count = 0;
    while (this.retireHead !== NONE && (this.retireUs[this.retireHead] as number) <= nowUs) {
      this.expiredTotal++;
      this.removeEntry(this.retireHead, PathSecretRemoval.Expired);
      count++;
    }
    return count;
  }

  private home(firstWord: number): number {
    // Fibonacci hashing of the id's first four bytes (random for real ids); intentionally modulo 2^32.
    return Math.imul(firstWord, 0x9e3779b1) >>> this.tableShift;
  }

  private evictionCandidate(nowUs: number): number {
    const oldestAllowedUs = nowUs - this.minAgeUs;
    for (let e = this.lruTail; e !== NONE; e = this.lruPrev[e] as number) {
      if ((this.createdUs[e] as number) <= oldestAllowedUs) return e;
    }
    return NONE;
  }

  private removeEntry(entry: number, reason: PathSecretRemoval): void {
    assert(this.isLive(entry), 'removal of a dead path secret');
    if (this.onRemove !== undefined) this.onRemove(entry, reason);
    // Id index: backward-shift deletion keeps every probe sequence intact without tombstones.
    const mask = this.tableMask;
    const w = entry * ID_WORDS;
    let hole = this.home(this.idWords[w] as number);
    while (this.table[hole] !== entry) {
      assert(this.table[hole] !== NONE, 'path secret missing from its index');
      hole = (hole + 1) & mask;
    }
    let j = (hole + 1) & mask;
    for (;;) {
      const moved = this.table[j] as number;
      if (moved === NONE) break;
      const movedHome = this.home(this.idWords[moved * ID_WORDS] as number);
      // `moved` may fill the hole when the hole lies cyclically within [movedHome, j).
      if (((j - movedHome) & mask) >= ((j - hole) & mask)) {
        this.table[hole] = moved;
        hole = j;
      }
      j = (j + 1) & mask;
    }
    this.table[hole] = NONE;
    this.lruUnlink(entry);
    // Peer list.
    const peerSlot = this.peerOf[entry] as number;
    const prev = this.peerPrev[entry] as number;
    const next = this.peerNext[entry] as number;
    if (prev === NONE) this.peerHead[peerSlot] = next;
    else this.peerNext[prev] = next;
    if (next === NONE) this.peerTail[peerSlot] = prev;
    else this.peerPrev[next] = prev;
    this.peerPrev[entry] = NONE;
    this.peerNext[entry] = NONE;
    this.peerCounts[peerSlot] = (this.peerCounts[peerSlot] as number) - 1;
    // Retirement list.
    if ((this.retireUs[entry] as number) !== Number.POSITIVE_INFINITY) this.retireUnlink(entry);
    // Replay windows.
    const k = this.replayWindowsPerSecretMax;
    for (let i = entry * k; i < (entry + 1) * k; i++) {
      const slot = this.windowSlot[i] as number;
      if (slot !== REPLAY_NO_WINDOW) this.replayWindows.release(slot);
      this.windowWorker[i] = NONE;
      this.windowSlot[i] = REPLAY_NO_WINDOW;
    }
    this.secrets.fill(0, entry * PATH_SECRET_BYTES, (entry + 1) * PATH_SECRET_BYTES);
    this.peerResetTags.fill(0, entry * STATELESS_RESET_TAG_BYTES, (entry + 1) * STATELESS_RESET_TAG_BYTES);
    this.idWords.fill(0, w, w + ID_WORDS);
    this.peerOf[entry] = NONE;
    this.retireUs[entry] = Number.POSITIVE_INFINITY;
    this.live[entry] = 0;
    this.active[entry] = 0;
    this.generations[entry] = ((this.generations[entry] as number) + 1) >>> 0;
    this.freeSlots[this.freeCount] = entry;
    this.freeCount++;
  }

  private lruPushHead(entry: number): void {
    this.lruPrev[entry] = NONE;
    this.lruNext[entry] = this.lruHead;
    if (this.lruHead !== NONE) this.lruPrev[this.lruHead] = entry;
    else this.lruTail = entry;
    this.lruHead = entry;
  }

  private lruUnlink(entry: number): void {
    const prev = this.lruPrev[entry] as number;
    const next = this.lruNext[entry] as number;
    if (prev === NONE) this.lruHead = next;
    else this.lruNext[prev] = next;
    if (next === NONE) this.lruTail = prev;
    else this.lruPrev[next] = prev;
    this.lruPrev[entry] = NONE;
    this.lruNext[entry] = NONE;
  }

  private retireAppend(entry: number): void {
    this.retireNext[entry] = NONE;
    this.retirePrev[entry] = this.retireTail;
    if (this.retireTail !== NONE) this.retireNext[this.retireTail] = entry;
    else this.retireHead = entry;
    this.retireTail = entry;
  }

  private retireUnlink(entry: number): void {
    const prev = this.retirePrev[entry] as number;
    const next = this.retireNext[entry] as number;
    if (prev === NONE) this.retireHead = next;
    else this.retireNext[prev] = next;
    if (next === NONE) this.retireTail = prev;
    else this.retirePrev[next] = prev;
    this.retirePrev[entry] = NONE;
    this.retireNext[entry] = NONE;
  }
}
