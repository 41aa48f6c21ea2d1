/**
 * The key schedule: derivations are deterministic per path secret and distinct for every label
 * component (fast-check over pairs of labels), the nonce is IV XOR packet number (checked against a
 * BigInt reference), inputs are validated, and a destroyed schedule refuses to derive.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { patternBytes, toHex } from '../src/crypto/vectors.js';
import {
  createSeededRandom,
  DIRECTION_CLIENT,
  DIRECTION_SERVER,
  type Direction,
  InvalidArgumentError,
  KEY_ID_MAX,
  KEY_KIND_CONTROL,
  KEY_KIND_SECRET_CONTROL,
  KEY_MATERIAL_BYTES,
  KEY_WORKER_ID_MAX,
  type KeyKind,
  type KeyLabel,
  NobleCryptoProvider,
  PathKeySchedule,
  writeControlNonce,
} from '../src/index.js';

const provider = new NobleCryptoProvider({ random: createSeededRandom(3) });

function derive(schedule: PathKeySchedule, label: KeyLabel): string {
  const out = new Uint8Array(KEY_MATERIAL_BYTES);
  schedule.deriveKeyMaterial(out, 0, label);
  return toHex(out);
}

const labelArbitrary = fc.record({
  kind: fc.constantFrom<KeyKind>(KEY_KIND_CONTROL, KEY_KIND_SECRET_CONTROL),
  workerId: fc.oneof(fc.constantFrom(0, 1, KEY_WORKER_ID_MAX), fc.nat(KEY_WORKER_ID_MAX)),
  direction: fc.constantFrom<Direction>(DIRECTION_CLIENT, DIRECTION_SERVER),
  keyId: fc.oneof(fc.constantFrom(0, 1, 2 ** 31, KEY_ID_MAX), fc.nat(KEY_ID_MAX)),
});

describe('PathKeySchedule', () => {
  it('is deterministic per path secret and separates every label component', () => {
    const secret = patternBytes(32, 5, 1);
    const a = new PathKeySchedule(provider, secret);
    const b = new PathKeySchedule(provider, secret.slice());
    fc.assert(
      fc.property(labelArbitrary, labelArbitrary, (x, y) => {
        const dx = derive(a, x);
        expect(derive(b, x)).toBe(dx);
        const same =
          x.kind === y.kind && x.workerId === y.workerId && x.direction === y.direction && x.keyId === y.keyId;
        expect(derive(a, y) === dx).toBe(same);
      }),
      { numRuns: 300 },
    );
  });

  it('different path secrets give different PRKs and keys', () => {
    const label: KeyLabel = { kind: KEY_KIND_CONTROL, workerId: 0, direction: DIRECTION_CLIENT, keyId: 0 };
    const one = new PathKeySchedule(provider, patternBytes(32, 1, 0));
    const two = new PathKeySchedule(provider, patternBytes(32, 1, 1));
    expect(toHex(one.copyPrk())).not.toBe(toHex(two.copyPrk()));
    expect(derive(one, label)).not.toBe(derive(two, label));
  });

  it('writes into caller memory at an offset without touching neighbours', () => {
    const schedule = new PathKeySchedule(provider, patternBytes(32, 3, 3));
    const label: KeyLabel = { kind: KEY_KIND_SECRET_CONTROL, workerId: 9, direction: DIRECTION_SERVER, keyId: 1 };
    const out = new Uint8Array(KEY_MATERIAL_BYTES + 10).fill(0xaa);
    schedule.deriveKeyMaterial(out, 5, label);
    expect(toHex(out.subarray(5, 5 + KEY_MATERIAL_BYTES))).toBe(derive(schedule, label));
    expect(out.subarray(0, 5).every((b) => b === 0xaa)).toBe(true);
    expect(out.subarray(5 + KEY_MATERIAL_BYTES).every((b) => b === 0xaa)).toBe(true);
  });

  it('validates labels and secrets at their bounds', () => {
    const schedule = new PathKeySchedule(provider, new Uint8Array(32));
    const ok: KeyLabel = { kind: KEY_KIND_CONTROL, workerId: KEY_WORKER_ID_MAX, direction: 1, keyId: KEY_ID_MAX };
    expect(() => derive(schedule, ok)).not.toThrow();
    for (const bad of [
      { ...ok, workerId: KEY_WORKER_ID_MAX + 1 },
      { ...ok, workerId: -1 },
      { ...ok, keyId: KEY_ID_MAX + 1 },
      { ...ok, keyId: 0.5 },
      { ...ok, direction: 2 },
      { ...ok, kind: 2 },
    ]) {
      expect(() => derive(schedule, bad as KeyLabel)).toThrow(InvalidArgumentError);
    }
    expect(() => new PathKeySchedule(provider, new Uint8Array(31))).toThrow(InvalidArgumentError);
    expect(() => new PathKeySchedule(provider, new Uint8Array(33))).toThrow(InvalidArgumentError);
  });

  it('destroy wipes the PRK and later derivations throw', () => {
    const schedule = new PathKeySchedule(provider, patternBytes(32, 1, 0));
    schedule.destroy();
    expect(schedule.copyPrk().every((b) => b === 0)).toBe(true);
    expect(() => derive(schedule, { kind: 0, workerId: 0, direction: 0, keyId: 0 })).toThrow(InvalidArgumentError);
  });
});

describe('writeControlNonce', () => {
  it('is IV XOR (0^64 || u32be packet number), checked against a BigInt reference', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 20, maxLength: 20 }),
        fc.nat(8),
        fc.oneof(fc.constantFrom(0, 1, 2 ** 31, 2 ** 32 - 1), fc.nat(2 ** 32 - 1)),
        (ivBuffer, ivOffset, packetNumber) => {
          const nonce = new Uint8Array(12);
          writeControlNonce(ivBuffer, ivOffset, packetNumber, nonce);
          let iv = 0n;
          for (let i = 0; i < 12; i++) iv = (iv << 8n) | BigInt(ivBuffer[ivOffset + i] as number);
          const expected = (iv ^ BigInt(packetNumber)).toString(16).padStart(24, '0');
          expect(toHex(nonce)).toBe(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
