/**
 * The node:crypto provider: known answers, byte-for-byte agreement with the portable noble
 * provider on random inputs (seal, open, HKDF, HMAC), the spec's test vectors regenerated with
 * node:crypto (identical to the committed files), cross-provider interop of control keys and
 * payload records, failure behaviour of open, and the default provider.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  ControlKeyReceiver,
  ControlKeySender,
  ControlOpenResult,
  createSeededRandom,
  DIRECTION_SERVER,
  generateKeyScheduleVectors,
  generatePayloadRecordVectors,
  InvalidArgumentError,
  NobleCryptoProvider,
  PathKeySchedule,
  PayloadKey,
  PayloadRecordCipher,
} from '@dcq/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDefaultProvider, NODE_PROVIDER_NAME, NodeCryptoProvider } from '../src/index.js';

const node = new NodeCryptoProvider();
const noble = new NobleCryptoProvider({ random: createSeededRandom(1) });
const EMPTY = new Uint8Array(0);

const hex = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
const unhex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));

function vectorFile(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../../../spec/test-vectors/${name}`, import.meta.url)), 'utf8');
}

describe('NodeCryptoProvider known answers', () => {
  it('AES-256-GCM test cases 13/14, HKDF RFC 5869 case 1, HMAC RFC 4231 case 1', () => {
    const key = node.prepareAeadKey(new Uint8Array(32));
    const block = new Uint8Array(32);
    node.seal(key, new Uint8Array(12), block, 0, 16, EMPTY, 0, 0);
    expect(hex(block)).toBe('cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919');
    const tag = new Uint8Array(16);
    node.seal(key, new Uint8Array(12), tag, 0, 0, EMPTY, 0, 0);
    expect(hex(tag)).toBe('530f8afbc74536b9a963b4f1c4cb738b');
    expect(node.open(key, new Uint8Array(12), tag, 0, 0, EMPTY, 0, 0)).toBe(true);
    const prk = new Uint8Array(32);
    node.hkdfExtract(unhex('000102030405060708090a0b0c'), new Uint8Array(22).fill(0x0b), prk);
    expect(hex(prk)).toBe('077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5');
    const okm = new Uint8Array(42);
    node.hkdfExpand(prk, unhex('f0f1f2f3f4f5f6f7f8f9'), okm, 0, 42);
    expect(hex(okm)).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
    const mac = new Uint8Array(32);
    node.hmacSha256(new Uint8Array(20).fill(0x0b), Buffer.from('Hi There'), 0, 8, mac, 0);
    expect(hex(mac)).toBe('b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7');
  });
});

describe('node:crypto and noble agree byte for byte', () => {
  it('seal output is identical and each opens the other', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 2000 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.nat(9),
        (rawKey, nonce, plaintext, aad, offset) => {
          const a = new Uint8Array(offset + plaintext.length + 16);
          a.set(plaintext, offset);
          const b = a.slice();
          const nodeKey = node.prepareAeadKey(rawKey);
          const nobleKey = noble.prepareAeadKey(rawKey);
          node.seal(nodeKey, nonce, a, offset, plaintext.length, aad, 0, aad.length);
          noble.seal(nobleKey, nonce, b, offset, plaintext.length, aad, 0, aad.length);
          expect(hex(a)).toBe(hex(b));
          expect(node.open(nodeKey, nonce, b, offset, plaintext.length, aad, 0, aad.length)).toBe(true);
          expect(noble.open(nobleKey, nonce, a, offset, plaintext.length, aad, 0, aad.length)).toBe(true);
          expect(hex(a.subarray(offset, offset + plaintext.length))).toBe(hex(plaintext));
          expect(hex(b.subarray(offset, offset + plaintext.length))).toBe(hex(plaintext));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('HKDF extract/expand and HMAC are identical', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 80 }),
        fc.uint8Array({ maxLength: 80 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.integer({ min: 1, max: 255 * 32 }),
        (salt, ikm, info, length) => {
          const prkNode = new Uint8Array(32);
          const prkNoble = new Uint8Array(32);
          node.hkdfExtract(salt, ikm, prkNode);
          noble.hkdfExtract(salt, ikm, prkNoble);
          expect(hex(prkNode)).toBe(hex(prkNoble));
          const okmNode = new Uint8Array(length + 2);
          const okmNoble = new Uint8Array(length + 2);
          node.hkdfExpand(prkNode, info, okmNode, 1, length);
          noble.hkdfExpand(prkNoble, info, okmNoble, 1, length);
          expect(hex(okmNode)).toBe(hex(okmNoble));
          const macNode = new Uint8Array(32);
          const macNoble = new Uint8Array(32);
          node.hmacSha256(salt, ikm, 0, ikm.length, macNode, 0);
          noble.hmacSha256(salt, ikm, 0, ikm.length, macNoble, 0);
          expect(hex(macNode)).toBe(hex(macNoble));
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('spec test vectors with node:crypto', () => {
  it('key-schedule.json is reproduced byte for byte', () => {
    expect(`${JSON.stringify(generateKeyScheduleVectors(node), null, 2)}\n`).toBe(vectorFile('key-schedule.json'));
  });

  it('payload-records.json is reproduced byte for byte', () => {
    expect(`${JSON.stringify(generatePayloadRecordVectors(node), null, 2)}\n`).toBe(vectorFile('payload-records.json'));
  });
});

describe('cross-provider interop', () => {
  it('control datagrams sealed with node:crypto open with noble and vice versa', () => {
    const secret = new Uint8Array(32).fill(4);
    for (const [sending, receiving] of [
      [node, noble],
      [noble, node],
    ] as const) {
      const sender = new ControlKeySender({
        schedule: new PathKeySchedule(sending, secret),
        workerId: 2,
        direction: DIRECTION_SERVER,
        rotateAfterPackets: 3,
      });
      const receiver = new ControlKeyReceiver({
        schedule: new PathKeySchedule(receiving, secret),
        direction: DIRECTION_SERVER,
      });
      for (let i = 0; i < 10; i++) {
        const payload = Buffer.from(`message ${i}`);
        const datagram = new Uint8Array(28 + payload.length + 16);
        const packetNumber = sender.reserve(payload.length);
        new DataView(datagram.buffer).setUint32(24, packetNumber);
        datagram.set(payload, 28);
        sender.seal(datagram, 28, payload.length, datagram, 0, 28);
        expect(receiver.open(2, sender.keyId, packetNumber, datagram, 28, payload.length, datagram, 0, 28)).toBe(
          ControlOpenResult.Ok,
        );
        expect(Buffer.from(datagram.subarray(28, 28 + payload.length)).toString()).toBe(`message ${i}`);
      }
      expect(sender.keyId).toBe(3);
    }
  });

  it('a buffer sealed once with node:crypto opens at a node and a noble receiver (both modes)', () => {
    for (const authenticateOnly of [false, true]) {
      const material = new Uint8Array(44);
      node.randomFill(material);
      const options = {
        keyMaterial: material,
        bufferIdHi: 1,
        bufferIdLo: 2,
        payloadBytes: 70_000,
        recordSizeLog2: 16,
        authenticateOnly,
      };
      const key = new PayloadKey({ provider: node, ...options });
      const payload = new Uint8Array(70_000);
      node.randomFill(payload);
      const sealed = new Uint8Array(key.sealedBytes);
      new PayloadRecordCipher({ provider: node }).sealPayload(key, payload, 0, sealed, 0);
      for (const provider of [node, noble]) {
        const receiverKey = new PayloadKey({ provider, ...options });
        const receiverCipher = new PayloadRecordCipher({ provider });
        const copy = sealed.slice();
        for (let index = 0; index < receiverKey.recordCount; index++) {
          const at = receiverKey.recordSealedOffset(index);
          expect(receiverCipher.openRecord(receiverKey, index, copy, at)).toBe(true);
          const plain = copy.subarray(at, at + receiverKey.recordLength(index));
          expect(hex(plain)).toBe(hex(payload.subarray(index * 65536, index * 65536 + plain.length)));
        }
      }
    }
  });
});

describe('NodeCryptoProvider failure behaviour', () => {
  it('open returns false without throwing and leaves the data unchanged', () => {
    const key = node.prepareAeadKey(new Uint8Array(32).fill(9));
    const nonce = new Uint8Array(12).fill(1);
    const data = new Uint8Array(100 + 16).fill(3);
    node.seal(key, nonce, data, 0, 100, data, 0, 0);
    const sealed = data.slice();
    for (let bit = 0; bit < data.length * 8; bit += 7) {
      data[bit >>> 3] = (data[bit >>> 3] as number) ^ (1 << (bit & 7));
      const tampered = data.slice();
      expect(node.open(key, nonce, data, 0, 100, EMPTY, 0, 0)).toBe(false);
      expect(hex(data)).toBe(hex(tampered));
      data[bit >>> 3] = (data[bit >>> 3] as number) ^ (1 << (bit & 7));
    }
    expect(node.open(key, nonce, data, 1, 100, EMPTY, 0, 0)).toBe(false);
    expect(node.open(key, nonce, data, 0, 100, EMPTY, 1, 0)).toBe(false);
    expect(node.open(key, new Uint8Array(16), data, 0, 100, EMPTY, 0, 0)).toBe(false);
    expect(node.open(noble.prepareAeadKey(new Uint8Array(32)), nonce, data, 0, 100, EMPTY, 0, 0)).toBe(false);
    expect(hex(data)).toBe(hex(sealed));
    expect(() => node.seal(key, nonce, data, 1, 100, EMPTY, 0, 0)).toThrow(InvalidArgumentError);
    expect(() => node.seal(noble.prepareAeadKey(new Uint8Array(32)), nonce, data, 0, 10, EMPTY, 0, 0)).toThrow(
      InvalidArgumentError,
    );
    expect(() => node.prepareAeadKey(new Uint8Array(31))).toThrow(InvalidArgumentError);
  });
});

describe('createDefaultProvider', () => {
  it('is the node:crypto provider and accepts an injected random source', () => {
    const provider = createDefaultProvider();
    expect(provider.name).toBe(NODE_PROVIDER_NAME);
    const a = new Uint8Array(64);
    const b = new Uint8Array(64);
    createDefaultProvider({ random: createSeededRandom(3) }).randomFill(a);
    createSeededRandom(3).fill(b);
    expect(hex(a)).toBe(hex(b));
    const system = new Uint8Array(64);
    provider.randomFill(system);
    expect(system.some((x) => x !== 0)).toBe(true);
  });
});
