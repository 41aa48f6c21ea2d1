/**
 * The spec's crypto test vectors (`spec/test-vectors/key-schedule.json`, `payload-records.json`):
 * regenerated with the noble provider and compared byte-exact with the committed files
 * (`DCQ_UPDATE_VECTORS=1` rewrites them instead). The vectors are also checked against the
 * definitions by hand-built inputs (independent of `vectors.ts`), and every sealed vector must open.
 * The node:crypto cross-check lives in `packages/node/test/node-provider.test.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../src/crypto/vectors.js';
import {
  createSeededRandom,
  generateKeyScheduleVectors,
  generatePayloadRecordVectors,
  NobleCryptoProvider,
  PayloadKey,
  PayloadRecordCipher,
} from '../src/index.js';

const provider = new NobleCryptoProvider({ random: createSeededRandom(1) });
const UPDATE = process.env.DCQ_UPDATE_VECTORS === '1';

function vectorPath(name: string): string {
  return fileURLToPath(new URL(`../../../spec/test-vectors/${name}`, import.meta.url));
}

function checkOrUpdate(name: string, generated: unknown): void {
  const text = `${JSON.stringify(generated, null, 2)}\n`;
  if (UPDATE) {
    writeFileSync(vectorPath(name), text);
    return;
  }
  const committed = readFileSync(vectorPath(name), 'utf8');
  expect(committed).toBe(text);
}

describe('spec/test-vectors (noble provider)', () => {
  it('key-schedule.json matches the implementation byte for byte', () => {
    checkOrUpdate('key-schedule.json', generateKeyScheduleVectors(provider));
  });

  it('payload-records.json matches the implementation byte for byte', () => {
    checkOrUpdate('payload-records.json', generatePayloadRecordVectors(provider));
  });

  it('key-schedule vectors follow the written definition (HKDF with hand-built labels)', () => {
    const vectors = generateKeyScheduleVectors(provider);
    expect(vectors.cases.length).toBeGreaterThanOrEqual(3);
    for (const vectorCase of vectors.cases) {
      const prk = new Uint8Array(32);
      provider.hkdfExtract(
        new Uint8Array([...'dcq v1 path'].map((c) => c.charCodeAt(0))),
        fromHex(vectorCase.pathSecret),
        prk,
      );
      expect(toHex(prk)).toBe(vectorCase.prk);
      for (const [label, keys] of [
        ['dcq ctl', vectorCase.controlKeys],
        ['dcq secret ctl', vectorCase.secretControlKeys],
      ] as const) {
        for (const key of keys) {
          const info = new Uint8Array(label.length + 7);
          info.set([...label].map((c) => c.charCodeAt(0)));
          const view = new DataView(info.buffer);
          view.setUint16(label.length, key.workerId);
          view.setUint8(label.length + 2, key.direction);
          view.setUint32(label.length + 3, key.keyId);
          const okm = new Uint8Array(44);
          provider.hkdfExpand(prk, info, okm, 0, 44);
          expect(toHex(okm)).toBe(key.key + key.iv);
          for (const { packetNumber, nonce } of key.nonces) {
            const expected = fromHex(key.iv);
            const pn = BigInt(packetNumber);
            for (let i = 0; i < 4; i++)
              expected[11 - i] = (expected[11 - i] as number) ^ Number((pn >> BigInt(8 * i)) & 0xffn);
            expect(nonce).toBe(toHex(expected));
          }
        }
      }
    }
  });

  it('every sealed payload vector opens to its payload and has the documented size', () => {
    const vectors = generatePayloadRecordVectors(provider);
    const cipher = new PayloadRecordCipher({ provider });
    const names = vectors.cases.map((c) => c.payloadBytes);
    expect(names).toEqual(expect.arrayContaining([0, 1, 1024, 2048, 2049]));
    expect(vectors.cases.some((c) => c.authenticateOnly)).toBe(true);
    for (const vectorCase of vectors.cases) {
      const key = new PayloadKey({
        provider,
        keyMaterial: fromHex(vectorCase.keyMaterial),
        bufferIdHi: vectorCase.bufferIdHi,
        bufferIdLo: vectorCase.bufferIdLo,
        payloadBytes: vectorCase.payloadBytes,
        recordSizeLog2: vectorCase.recordSizeLog2,
        authenticateOnly: vectorCase.authenticateOnly,
      });
      const sealed = fromHex(vectorCase.sealed);
      const recordBytes = 2 ** vectorCase.recordSizeLog2;
      expect(sealed.length).toBe(vectorCase.payloadBytes + 16 * Math.ceil(vectorCase.payloadBytes / recordBytes));
      const payload = fromHex(vectorCase.payload);
      for (let index = 0; index < key.recordCount; index++) {
        const at = key.recordSealedOffset(index);
        expect(cipher.openRecord(key, index, sealed, at)).toBe(true);
        const plain = sealed.subarray(at, at + key.recordLength(index));
        expect(toHex(plain)).toBe(toHex(payload.subarray(index * recordBytes, index * recordBytes + plain.length)));
      }
    }
  });
});
