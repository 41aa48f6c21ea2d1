/**
 * The HKDF-SHA256 key schedule of one path secret: the path PRK, the control and secret-control key
 * material (AES-256 key + 12-byte IV) per (kind, worker, direction, key id), and the per-packet
 * nonce (IV XOR packet number). Owns the exact label/info encodings; `spec/security.md` writes the
 * same bytes down and `spec/test-vectors/key-schedule.json` pins them.
 *
 * spec: security.md#key-schedule
 */
import { InvalidArgumentError } from '../errors.js';
import { AEAD_KEY_BYTES, AEAD_NONCE_BYTES, asciiBytes, type CryptoProvider, HASH_BYTES } from './provider.js';

/** Length of a path secret in bytes (the TLS exporter output, or the PSK). */
export const PATH_SECRET_BYTES = 32;

/** Length of derived key material: AES-256 key (32 bytes) followed by the IV (12 bytes). */
export const KEY_MATERIAL_BYTES = AEAD_KEY_BYTES + AEAD_NONCE_BYTES;

/** Direction 0: keys of the endpoint that was the TLS client (PSK mode: the peer whose id sorts lower). */
export const DIRECTION_CLIENT = 0;

/** Direction 1: keys of the endpoint that was the TLS server (PSK mode: the peer whose id sorts higher). */
export const DIRECTION_SERVER = 1;

/** A key direction: {@link DIRECTION_CLIENT} or {@link DIRECTION_SERVER}. */
export type Direction = typeof DIRECTION_CLIENT | typeof DIRECTION_SERVER;

/** Control keys: seal CONTROL datagrams (kind 0x1); rotate by key id. */
export const KEY_KIND_CONTROL = 0;

/** Secret-control keys: seal SECRET_CONTROL datagrams (kind 0x2: RETIRE_CONTROL_KEY, RETIRE_DATA_KEY). */
export const KEY_KIND_SECRET_CONTROL = 1;

/** Which key family: {@link KEY_KIND_CONTROL} or {@link KEY_KIND_SECRET_CONTROL}. */
export type KeyKind = typeof KEY_KIND_CONTROL | typeof KEY_KIND_SECRET_CONTROL;

/** Largest sender worker id on the wire (u16). */
export const KEY_WORKER_ID_MAX = 0xffff;

/** Largest key id on the wire (u32). */
export const KEY_ID_MAX = 0xffffffff;

/** Largest packet number on the wire (u32). */
export const PACKET_NUMBER_MAX = 0xffffffff;

/** HKDF-Extract salt of the path PRK: ASCII "dcq v1 path". */
export const PATH_PRK_SALT = /* @__PURE__ */ asciiBytes('dcq v1 path');

/** HKDF-Expand info prefix of control keys: ASCII "dcq ctl". */
export const CONTROL_KEY_LABEL = /* @__PURE__ */ asciiBytes('dcq ctl');

/** HKDF-Expand info prefix of secret-control keys: ASCII "dcq secret ctl". */
export const SECRET_CONTROL_KEY_LABEL = /* @__PURE__ */ asciiBytes('dcq secret ctl');

/** Bytes after the label in the info: u16 worker | u8 direction | u32 key id. */
const INFO_SUFFIX_BYTES = 7;

/** Identifies one key of a path: the input of {@link PathKeySchedule.deriveKeyMaterial}. */
export interface KeyLabel {
  /** Control or secret-control. */
  readonly kind: KeyKind;
  /** The sending NIC worker's id (u16). */
  readonly workerId: number;
  /** The sending endpoint's direction. */
  readonly direction: Direction;
  /** Key id (u32): the rotation generation; secret-control keys normally use 0. */
  readonly keyId: number;
}

/** Throws unless `label` is within the wire ranges. */
export function validateKeyLabel(label: KeyLabel): void {
  if (label.kind !== KEY_KIND_CONTROL && label.kind !== KEY_KIND_SECRET_CONTROL) {
    throw new InvalidArgumentError(`key kind must be 0 (control) or 1 (secret-control), got ${label.kind}`);
  }
  if (!(Number.isInteger(label.workerId) && label.workerId >= 0 && label.workerId <= KEY_WORKER_ID_MAX)) {
    throw new InvalidArgumentError(`worker id must be an integer in [0, ${KEY_WORKER_ID_MAX}], got ${label.workerId}`);
  }
  if (label.direction !== DIRECTION_CLIENT && label.direction !== DIRECTION_SERVER) {
    throw new InvalidArgumentError(`direction must be 0 (client) or 1 (server), got ${label.direction}`);
  }
  if (!(Number.isInteger(label.keyId) && label.keyId >= 0 && label.keyId <= KEY_ID_MAX)) {
    throw new InvalidArgumentError(`key id must be an integer in [0, ${KEY_ID_MAX}], got ${label.keyId}`);
  }
}

/**
 * The key schedule of one path secret. Holds the 32-byte path PRK (computed once) and a scratch
 * info buffer; derivations write into caller memory. One instance per path secret.
 */
export class PathKeySchedule {
  /** The provider every derivation (and the keys derived from it) uses. */
  readonly provider: CryptoProvider;
  private readonly prk: Uint8Array;
  private readonly controlInfo: Uint8Array;
  private readonly controlInfoView: DataView;
  private readonly secretInfo: Uint8Array;
  private readonly secretInfoView: DataView;
  private destroyed: boolean;

  constructor(provider: CryptoProvider, pathSecret: Uint8Array) {
    if (pathSecret.length !== PATH_SECRET_BYTES) {
      throw new InvalidArgumentError(`path secrets are ${PATH_SECRET_BYTES} bytes, got ${pathSecret.length}`);
    }
    this.provider = provider;
    this.prk = new Uint8Array(HASH_BYTES);
    // spec: security.md#key-schedule — PRK = HKDF-Extract(salt = "dcq v1 path", IKM = path secret)
    provider.hkdfExtract(PATH_PRK_SALT, pathSecret, this.prk);
    this.controlInfo = new Uint8Array(CONTROL_KEY_LABEL.length + INFO_SUFFIX_BYTES);
    this.controlInfo.set(CONTROL_KEY_LABEL, 0);
    this.controlInfoView = new DataView(this.controlInfo.buffer);
    this.secretInfo = new Uint8Array(SECRET_CONTROL_KEY_LABEL.length + INFO_SUFFIX_BYTES);
    this.secretInfo.set(SECRET_CONTROL_KEY_LABEL, 0);
    this.secretInfoView = new DataView(this.secretInfo.buffer);
    this.destroyed = false;
  }

  /** A copy of the path PRK (for test vectors and diagnostics; never put it on the wire). */
  copyPrk(): Uint8Array {
    return this.prk.slice();
  }

  /**
   * Derives the 44 bytes of key material (key 32 || IV 12) of one key into
   * `out[outOffset, outOffset + 44)`:
   * `HKDF-Expand(PRK, label || u16 workerId || u8 direction || u32 keyId, 44)` with label
   * "dcq ctl" or "dcq secret ctl".
   */
  deriveKeyMaterial(out: Uint8Array, outOffset: number, label: KeyLabel): void {
    if (this.destroyed) throw new InvalidArgumentError('key schedule was destroyed (its path secret is gone)');
    validateKeyLabel(label);
    const secret = label.kind === KEY_KIND_SECRET_CONTROL;
    const info = secret ? this.secretInfo : this.controlInfo;
    const view = secret ? this.secretInfoView : this.controlInfoView;
    const at = info.length - INFO_SUFFIX_BYTES;
    view.setUint16(at, label.workerId, false);
    view.setUint8(at + 2, label.direction);
    view.setUint32(at + 3, label.keyId, false);
    // spec: security.md#key-schedule
    this.provider.hkdfExpand(this.prk, info, out, outOffset, KEY_MATERIAL_BYTES);
  }

  /** Zeroes the PRK; later derivations throw. Call when the path secret is dropped. */
  destroy(): void {
    this.prk.fill(0);
    this.destroyed = true;
  }
}

/**
 * Writes the 12-byte AEAD nonce of a control or secret-control datagram into `nonceOut`: the IV
 * (`iv[ivOffset, ivOffset + 12)`) with the u32 packet number XORed into its last four bytes.
 *
 * spec: security.md#control-aead
 */
export function writeControlNonce(iv: Uint8Array, ivOffset: number, packetNumber: number, nonceOut: Uint8Array): void {
  for (let i = 0; i < 8; i++) nonceOut[i] = iv[ivOffset + i] as number;
  // Byte shifts of a u32 below 2^32 are exact; `>>>` keeps the top byte unsigned.
  nonceOut[8] = (iv[ivOffset + 8] as number) ^ (packetNumber >>> 24);
  nonceOut[9] = (iv[ivOffset + 9] as number) ^ ((packetNumber >>> 16) & 0xff);
  nonceOut[10] = (iv[ivOffset + 10] as number) ^ ((packetNumber >>> 8) & 0xff);
  nonceOut[11] = (iv[ivOffset + 11] as number) ^ (packetNumber & 0xff);
}
