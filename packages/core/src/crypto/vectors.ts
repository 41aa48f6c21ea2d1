/**
 * Conformance vectors of the key schedule and the payload records, computed with any
 * {@link CryptoProvider}. `spec/test-vectors/key-schedule.json` and `payload-records.json` are the
 * output of these functions; the tests regenerate them with every provider and require byte-exact
 * equality, so a new provider (or a port of dcq) can check itself against the same files.
 *
 * Off the hot path: allocates freely.
 *
 * spec: security.md#key-schedule, security.md#payload-records
 */
import {
  DIRECTION_CLIENT,
  DIRECTION_SERVER,
  type Direction,
  KEY_KIND_CONTROL,
  KEY_KIND_SECRET_CONTROL,
  KEY_MATERIAL_BYTES,
  type KeyKind,
  PathKeySchedule,
  writeControlNonce,
} from './key-schedule.js';
import {
  DATA_KEY_MATERIAL_BYTES,
  PayloadKey,
  PayloadRecordCipher,
  RECORD_AAD_BYTES,
  writeRecordAad,
  writeRecordNonce,
} from './payload-records.js';
import { AEAD_KEY_BYTES, AEAD_NONCE_BYTES, type CryptoProvider } from './provider.js';

/** Lowercase hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (bytes[i] as number).toString(16).padStart(2, '0');
  return out;
}

/** Bytes of a lowercase or uppercase hex string (throws on odd length or non-hex digits). */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new RangeError('fromHex: not a hex string');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Deterministic filler bytes for vectors: byte i = (i · multiplier + addend) mod 256. */
export function patternBytes(length: number, multiplier: number, addend: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * multiplier + addend) & 0xff;
  return out;
}

/** One derived key in the key-schedule vectors. */
export interface KeyVector {
  readonly workerId: number;
  readonly direction: Direction;
  readonly keyId: number;
  readonly key: string;
  readonly iv: string;
  readonly nonces: readonly { readonly packetNumber: number; readonly nonce: string }[];
}

/** One path secret in the key-schedule vectors. */
export interface KeyScheduleVectorCase {
  readonly pathSecret: string;
  readonly prk: string;
  readonly controlKeys: readonly KeyVector[];
  readonly secretControlKeys: readonly KeyVector[];
}

/** The content of `spec/test-vectors/key-schedule.json`. */
export interface KeyScheduleVectors {
  readonly description: string;
  readonly spec: string;
  readonly cases: readonly KeyScheduleVectorCase[];
}

const PACKET_NUMBERS = [0, 1, 2 ** 23 - 1, 0xdeadbeef, 0xffffffff] as const;

const CONTROL_LABELS: readonly (readonly [number, Direction, number])[] = [
  [0, DIRECTION_CLIENT, 0],
  [0, DIRECTION_SERVER, 0],
  [1, DIRECTION_CLIENT, 0],
  [0, DIRECTION_CLIENT, 1],
  [7, DIRECTION_SERVER, 42],
  [0xffff, DIRECTION_SERVER, 0xffffffff],
];

const SECRET_CONTROL_LABELS: readonly (readonly [number, Direction, number])[] = [
  [0, DIRECTION_CLIENT, 0],
  [0, DIRECTION_SERVER, 0],
  [3, DIRECTION_SERVER, 0],
  [3, DIRECTION_SERVER, 1],
];

const PATH_SECRETS: readonly Uint8Array[] = [
  patternBytes(32, 1, 0),
  patternBytes(32, 0, 0xff),
  patternBytes(32, 73, 19),
];

function keyVectors(
  schedule: PathKeySchedule,
  kind: KeyKind,
  labels: readonly (readonly [number, Direction, number])[],
): KeyVector[] {
  const material = new Uint8Array(KEY_MATERIAL_BYTES);
  const nonce = new Uint8Array(AEAD_NONCE_BYTES);
  return labels.map(([workerId, direction, keyId]) => {
    schedule.deriveKeyMaterial(material, 0, { kind, workerId, direction, keyId });
    const nonces = PACKET_NUMBERS.map((packetNumber) => {
      writeControlNonce(material, AEAD_KEY_BYTES, packetNumber, nonce);
      return { packetNumber, nonce: toHex(nonce) };
    });
    return {
      workerId,
      direction,
      keyId,
      key: toHex(material.subarray(0, AEAD_KEY_BYTES)),
      iv: toHex(material.subarray(AEAD_KEY_BYTES)),
      nonces,
    };
  });
}

/** Computes the key-schedule vectors with `provider`. */
export function generateKeyScheduleVectors(provider: CryptoProvider): KeyScheduleVectors {
  const cases = PATH_SECRETS.map((pathSecret) => {
    const schedule = new PathKeySchedule(provider, pathSecret);
    return {
      pathSecret: toHex(pathSecret),
      prk: toHex(schedule.copyPrk()),
      controlKeys: keyVectors(schedule, KEY_KIND_CONTROL, CONTROL_LABELS),
      secretControlKeys: keyVectors(schedule, KEY_KIND_SECRET_CONTROL, SECRET_CONTROL_LABELS),
    };
  });
  return {
    description:
      'dcq v1 key schedule: PRK = HKDF-Extract("dcq v1 path", path secret); key||IV = HKDF-Expand(PRK, label || u16 worker || u8 direction || u32 key id, 44) with label "dcq ctl" (control) or "dcq secret ctl" (secret-control); nonce = IV XOR (0^64 || u32 packet number). Hex, big-endian.',
    spec: 'spec/security.md#key-schedule',
    cases,
  };
}

/** One sealed payload in the payload-record vectors. */
export interface PayloadRecordVectorCase {
  readonly name: string;
  readonly keyMaterial: string;
  readonly bufferIdHi: number;
  readonly bufferIdLo: number;
  readonly recordSizeLog2: number;
  readonly authenticateOnly: boolean;
  readonly payloadBytes: number;
  readonly payload: string;
  readonly sealedBytes: number;
  readonly records: readonly { readonly index: number; readonly nonce: string; readonly aad: string }[];
  readonly sealed: string;
}

/** The content of `spec/test-vectors/payload-records.json`. */
export interface PayloadRecordVectors {
  readonly description: string;
  readonly spec: string;
  readonly cases: readonly PayloadRecordVectorCase[];
}

const PAYLOAD_CASES: readonly { name: string; payloadBytes: number; authenticateOnly: boolean }[] = [
  { name: 'empty payload: no records', payloadBytes: 0, authenticateOnly: false },
  { name: 'one byte: one short record', payloadBytes: 1, authenticateOnly: false },
  { name: 'exactly one record', payloadBytes: 1024, authenticateOnly: false },
  { name: 'exact multiple of R (2 records)', payloadBytes: 2048, authenticateOnly: false },
  { name: 'one byte over (3 records, last of 1 byte)', payloadBytes: 2049, authenticateOnly: false },
  { name: 'authenticate-only, one byte over', payloadBytes: 2049, authenticateOnly: true },
  { name: 'authenticate-only, one short record', payloadBytes: 100, authenticateOnly: true },
];

const VECTOR_RECORD_SIZE_LOG2 = 10;

/** Computes the payload-record vectors with `provider`. */
export function generatePayloadRecordVectors(provider: CryptoProvider): PayloadRecordVectors {
  const cipher = new PayloadRecordCipher({ provider });
  const cases = PAYLOAD_CASES.map((spec, caseIndex) => {
    const keyMaterial = patternBytes(DATA_KEY_MATERIAL_BYTES, 11, 5 + 3 * caseIndex);
    const bufferIdHi = 0x01020304 + caseIndex;
    const bufferIdLo = 0xf0e0d0c0 - caseIndex;
    const key = new PayloadKey({
      provider,
      keyMaterial,
      bufferIdHi,
      bufferIdLo,
      payloadBytes: spec.payloadBytes,
      recordSizeLog2: VECTOR_RECORD_SIZE_LOG2,
      authenticateOnly: spec.authenticateOnly,
    });
    const payload = patternBytes(spec.payloadBytes, 131, 7 + caseIndex);
    const sealed = new Uint8Array(key.sealedBytes);
    cipher.sealPayload(key, payload, 0, sealed, 0);
    const aad = new Uint8Array(RECORD_AAD_BYTES);
    const nonce = new Uint8Array(AEAD_NONCE_BYTES);
    const records = [];
    for (let index = 0; index < key.recordCount; index++) {
      writeRecordAad(aad, 0, {
        bufferIdHi,
        bufferIdLo,
        payloadBytes: spec.payloadBytes,
        recordSizeLog2: VECTOR_RECORD_SIZE_LOG2,
        recordIndex: index,
        flags: key.flags,
      });
      writeRecordNonce(key.iv, index, nonce);
      records.push({ index, nonce: toHex(nonce), aad: toHex(aad) });
    }
    return {
      name: spec.name,
      keyMaterial: toHex(keyMaterial),
      bufferIdHi,
      bufferIdLo,
      recordSizeLog2: VECTOR_RECORD_SIZE_LOG2,
      authenticateOnly: spec.authenticateOnly,
      payloadBytes: spec.payloadBytes,
      payload: toHex(payload),
      sealedBytes: key.sealedBytes,
      records,
      sealed: toHex(sealed),
    };
  });
  return {
    description:
      'dcq v1 payload records: sealed stream = records of R = 2^recordSizeLog2 plaintext bytes, each ciphertext || tag (AES-256-GCM, nonce = IV XOR u64 record index, AAD = "dcq rec" || buffer id || u64 P || u8 log2 R || u64 index || u8 flags); authenticate-only records are plaintext || GCM tag over AAD = (record AAD || plaintext) with an empty plaintext. keyMaterial = key (32) || IV (12). Hex.',
    spec: 'spec/security.md#payload-records',
    cases,
  };
}
