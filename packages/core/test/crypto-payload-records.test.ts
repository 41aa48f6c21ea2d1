/**
 * Payload records: layout arithmetic against a naive model, seal/open round trips in both modes at
 * arbitrary sizes and offsets (fast-check), sealing in place and in record ranges (the piscina
 * split) equal to sealing whole, a tamper test that flips every single bit of a sealed record
 * (ciphertext/plaintext and tag, both modes) and of every AAD field, broadcast (one sealed stream
 * opened by two receivers with the carried key), data-key generation and validation at the bounds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { patternBytes, toHex } from '../src/crypto/vectors.js';
import {
  createSeededRandom,
  DATA_KEY_MATERIAL_BYTES,
  DATA_KEY_PAYLOAD_BYTES_MAX,
  generateDataKeyMaterial,
  InvalidArgumentError,
  NobleCryptoProvider,
  PayloadKey,
  type PayloadKeyOptions,
  PayloadRecordCipher,
  RECORD_AAD_BYTES,
  RECORD_FLAG_AUTHENTICATE_ONLY,
  recordCountOf,
  recordIndexOf,
  recordSealedOffset,
  sealedSize,
  writeRecordAad,
  writeRecordNonce,
} from '../src/index.js';

const provider = new NobleCryptoProvider({ random: createSeededRandom(11) });
const cipher = new PayloadRecordCipher({ provider });

function keyMaterial(seed: number): Uint8Array {
  return patternBytes(DATA_KEY_MATERIAL_BYTES, 29, seed);
}

function makeKey(overrides: Partial<PayloadKeyOptions> & { payloadBytes: number }): PayloadKey {
  return new PayloadKey({
    provider,
    keyMaterial: keyMaterial(1),
    bufferIdHi: 0x11223344,
    bufferIdLo: 0x55667788,
    recordSizeLog2: 10,
    authenticateOnly: false,
    ...overrides,
  });
}

function sealAll(key: PayloadKey, payload: Uint8Array): Uint8Array {
  const sealed = new Uint8Array(key.sealedBytes);
  cipher.sealPayload(key, payload, 0, sealed, 0);
  return sealed;
}

function openAll(key: PayloadKey, sealed: Uint8Array, receiver: PayloadRecordCipher = cipher): Uint8Array | null {
  const copy = sealed.slice();
  const payload = new Uint8Array(key.payloadBytes);
  for (let index = 0; index < key.recordCount; index++) {
    const at = key.recordSealedOffset(index);
    if (!receiver.openRecord(key, index, copy, at)) return null;
    payload.set(copy.subarray(at, at + key.recordLength(index)), index * key.recordBytes);
  }
  return payload;
}

describe('record layout', () => {
  it('sealedSize, recordCountOf, recordIndexOf and recordSealedOffset agree with a naive model', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10, max: 20 }),
        fc.oneof(fc.nat(5_000_000), fc.constantFrom(0, 1, 1023, 1024, 1025, 2 ** 48 - 1)),
        fc.nat(),
        (log2, payloadBytes, pick) => {
          const recordBytes = 2 ** log2;
          // Naive: the last record starts at the last byte's record; 0 bytes → 0 records.
          const records = payloadBytes === 0 ? 0 : Math.floor((payloadBytes - 1) / recordBytes) + 1;
          expect(recordCountOf(payloadBytes, recordBytes)).toBe(records);
          expect(sealedSize(payloadBytes, recordBytes)).toBe(payloadBytes + 16 * records);
          if (records === 0) return;
          const index = pick % records;
          const start = recordSealedOffset(index, recordBytes);
          const length = Math.min(recordBytes, payloadBytes - index * recordBytes) + 16;
          expect(recordIndexOf(start, recordBytes)).toBe(index);
          expect(recordIndexOf(start + length - 1, recordBytes)).toBe(index);
          if (index + 1 < records) expect(recordIndexOf(start + length, recordBytes)).toBe(index + 1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('edges: empty payload has no records, exact multiples have no short record, one byte over adds one', () => {
    expect(sealedSize(0, 1024)).toBe(0);
    expect(sealedSize(1, 1024)).toBe(17);
    expect(sealedSize(1024, 1024)).toBe(1040);
    expect(sealedSize(2048, 1024)).toBe(2080);
    expect(sealedSize(2049, 1024)).toBe(2049 + 48);
    const key = makeKey({ payloadBytes: 2049 });
    expect([key.recordLength(0), key.recordLength(1), key.recordLength(2)]).toEqual([1024, 1024, 1]);
    expect(key.recordSealedLength(2)).toBe(17);
    expect(key.recordIndexOf(2 * 1040)).toBe(2);
    expect(key.recordIndexOf(2 * 1040 - 1)).toBe(1);
  });

  it('rejects record sizes that are not powers of two in [1 KiB, 1 MiB]', () => {
    for (const bad of [512, 1000, 1536, 2 ** 21]) expect(() => sealedSize(10, bad)).toThrow(InvalidArgumentError);
    expect(() => sealedSize(-1, 1024)).toThrow(InvalidArgumentError);
    expect(() => sealedSize(2 ** 48, 1024)).toThrow(InvalidArgumentError);
    expect(() => recordIndexOf(-1, 1024)).toThrow(InvalidArgumentError);
    expect(() => makeKey({ payloadBytes: 1, recordSizeLog2: 9 })).toThrow(InvalidArgumentError);
    expect(() => makeKey({ payloadBytes: 1, recordSizeLog2: 21 })).toThrow(InvalidArgumentError);
  });
});

describe('seal and open', () => {
  it('round-trips every record in both modes at arbitrary sizes and offsets', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5000 }),
        fc.constantFrom(10, 11),
        fc.boolean(),
        fc.nat(7),
        fc.nat(7),
        fc.nat(255),
        (payloadBytes, recordSizeLog2, authenticateOnly, sourceOffset, targetOffset, seed) => {
          const key = makeKey({ payloadBytes, recordSizeLog2, authenticateOnly, keyMaterial: keyMaterial(seed) });
          const payload = patternBytes(payloadBytes, 7, seed);
          const source = new Uint8Array(sourceOffset + payloadBytes);
          source.set(payload, sourceOffset);
          const target = new Uint8Array(targetOffset + key.sealedBytes + 3).fill(0xcc);
          cipher.sealRecords({ key, source, sourceOffset, target, targetOffset });
          expect(target.subarray(0, targetOffset).every((b) => b === 0xcc)).toBe(true);
          expect(target.subarray(targetOffset + key.sealedBytes).every((b) => b === 0xcc)).toBe(true);
          const sealed = target.slice(targetOffset, targetOffset + key.sealedBytes);
          expect(toHex(sealed)).toBe(toHex(sealAll(key, payload)));
          for (let index = 0; index < key.recordCount; index++) {
            const at = key.recordSealedOffset(index);
            const record = sealed.subarray(at, at + key.recordLength(index));
            const plain = payload.subarray(index * key.recordBytes, index * key.recordBytes + key.recordLength(index));
            // Authenticate-only travels as plaintext; encryption changes the bytes (records ≥ 16 B).
            if (authenticateOnly) expect(toHex(record)).toBe(toHex(plain));
            else if (plain.length >= 16) expect(toHex(record)).not.toBe(toHex(plain));
          }
          const opened = openAll(key, sealed);
          expect(opened).not.toBeNull();
          expect(toHex(opened as Uint8Array)).toBe(toHex(payload));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('seals in place (payload at the start of a sealedBytes buffer) and in record ranges like whole', () => {
    for (const authenticateOnly of [false, true]) {
      const key = makeKey({ payloadBytes: 5 * 1024 + 77, authenticateOnly });
      const payload = patternBytes(key.payloadBytes, 3, 9);
      const whole = sealAll(key, payload);
      const inPlace = new Uint8Array(key.sealedBytes);
      inPlace.set(payload, 0);
      cipher.sealRecords({ key, source: inPlace, sourceOffset: 0, target: inPlace, targetOffset: 0 });
      expect(toHex(inPlace)).toBe(toHex(whole));
      // Three tasks sealing [0,2), [2,5), [5,6) into one target, as parallel sealing would.
      const split = new Uint8Array(key.sealedBytes);
      for (const [firstRecord, recordCount] of [
        [2, 3],
        [0, 2],
        [5, 1],
      ] as const) {
        cipher.sealRecords({
          key,
          source: payload,
          sourceOffset: key.recordPayloadOffset(firstRecord),
          target: split,
          targetOffset: key.recordSealedOffset(firstRecord),
          firstRecord,
          recordCount,
        });
      }
      expect(toHex(split)).toBe(toHex(whole));
    }
  });

  it('rejects bad ranges and a target overlapping before the source', () => {
    const key = makeKey({ payloadBytes: 3000 });
    const payload = new Uint8Array(3000);
    const target = new Uint8Array(key.sealedBytes);
    expect(() => cipher.sealRecords({ key, source: payload, sourceOffset: 0, target, targetOffset: 1 })).toThrow(
      InvalidArgumentError,
    );
    expect(() =>
      cipher.sealRecords({
        key,
        source: payload,
        sourceOffset: 0,
        target,
        targetOffset: 0,
        firstRecord: 2,
        recordCount: 2,
      }),
    ).toThrow(InvalidArgumentError);
    const shared = new Uint8Array(key.sealedBytes + 100);
    expect(() =>
      cipher.sealRecords({ key, source: shared, sourceOffset: 50, target: shared, targetOffset: 0 }),
    ).toThrow(InvalidArgumentError);
    expect(() => cipher.openRecord(key, 3, target, 0)).toThrow(InvalidArgumentError);
    expect(() => cipher.openRecord(key, -1, target, 0)).toThrow(InvalidArgumentError);
    // A record that does not fit the caller's buffer fails (counted), it does not throw.
    expect(cipher.openRecord(key, 2, target, target.length - 10)).toBe(false);
    expect(key.failedRecordOpens).toBe(1);
    const other = new PayloadRecordCipher({
      provider: { ...provider, name: 'other' } as unknown as NobleCryptoProvider,
    });
    expect(() => other.openRecord(key, 0, target, 0)).toThrow(InvalidArgumentError);
  });

  it('zero-length payloads have nothing to seal', () => {
    const key = makeKey({ payloadBytes: 0 });
    expect(key.recordCount).toBe(0);
    expect(key.sealedBytes).toBe(0);
    cipher.sealPayload(key, new Uint8Array(0), 0, new Uint8Array(0), 0);
    expect(() => cipher.openRecord(key, 0, new Uint8Array(16), 0)).toThrow(InvalidArgumentError);
  });

  it('handles the largest record size (1 MiB) and a 1-byte tail record', () => {
    const key = makeKey({ payloadBytes: 2 ** 20 + 1, recordSizeLog2: 20 });
    const payload = patternBytes(key.payloadBytes, 5, 1);
    expect(toHex(openAll(key, sealAll(key, payload)) as Uint8Array)).toBe(toHex(payload));
    const authOnly = makeKey({ payloadBytes: 2 ** 20 + 1, recordSizeLog2: 20, authenticateOnly: true });
    expect(toHex(openAll(authOnly, sealAll(authOnly, payload)) as Uint8Array)).toBe(toHex(payload));
  });
});

describe('tampering', () => {
  for (const authenticateOnly of [false, true]) {
    it(`every single-bit flip of a sealed record fails to open (${authenticateOnly ? 'authenticate-only' : 'encrypted'})`, () => {
      // Record 1 of 3 (full 1024 B) and the 5-byte tail record: 8320 + 168 positions.
      const key = makeKey({ payloadBytes: 2 * 1024 + 5, authenticateOnly });
      const sealed = sealAll(key, patternBytes(key.payloadBytes, 17, 4));
      for (const index of [1, 2]) {
        const at = key.recordSealedOffset(index);
        const length = key.recordSealedLength(index);
        const work = sealed.slice();
        let failures = 0;
        for (let bit = 0; bit < length * 8; bit++) {
          const byte = at + (bit >>> 3);
          work[byte] = (work[byte] as number) ^ (1 << (bit & 7));
          if (!cipher.openRecord(key, index, work, at)) failures++;
          work[byte] = (work[byte] as number) ^ (1 << (bit & 7));
        }
        expect(failures).toBe(length * 8);
        // Failed opens left the bytes as they were, and the untampered record still opens.
        expect(toHex(work)).toBe(toHex(sealed));
        expect(cipher.openRecord(key, index, work, at)).toBe(true);
      }
      expect(key.failedRecordOpens).toBe((1040 + 21) * 8);
    });
  }

  it('every single-bit flip of the record AAD (label, buffer id, P, log2 R, index, flags) fails', () => {
    for (const authenticateOnly of [false, true]) {
      const key = makeKey({ payloadBytes: 3000, authenticateOnly });
      const sealed = sealAll(key, patternBytes(3000, 1, 1));
      const index = 1;
      const at = key.recordSealedOffset(index);
      const length = key.recordLength(index);
      const aad = new Uint8Array(RECORD_AAD_BYTES);
      writeRecordAad(aad, 0, {
        bufferIdHi: key.bufferIdHi,
        bufferIdLo: key.bufferIdLo,
        payloadBytes: key.payloadBytes,
        recordSizeLog2: key.recordSizeLog2,
        recordIndex: index,
        flags: authenticateOnly ? RECORD_FLAG_AUTHENTICATE_ONLY : 0,
      });
      const nonce = new Uint8Array(12);
      writeRecordNonce(key.iv, index, nonce);
      // Low-level open with an explicit AAD, as the cipher does it: sanity first, then every flip.
      const tryOpen = (recordAad: Uint8Array): boolean => {
        const work = sealed.slice();
        if (!authenticateOnly)
          return provider.open(key.aeadKey, nonce, work, at, length, recordAad, 0, RECORD_AAD_BYTES);
        const input = new Uint8Array(RECORD_AAD_BYTES + length);
        input.set(recordAad, 0);
        input.set(work.subarray(at, at + length), RECORD_AAD_BYTES);
        return provider.open(key.aeadKey, nonce, work, at + length, 0, input, 0, input.length);
      };
      expect(tryOpen(aad)).toBe(true);
      for (let bit = 0; bit < RECORD_AAD_BYTES * 8; bit++) {
        const flipped = aad.slice();
        flipped[bit >>> 3] = (flipped[bit >>> 3] as number) ^ (1 << (bit & 7));
        expect(tryOpen(flipped)).toBe(false);
      }
    }
  });

  it('a key that differs in any bound field, or the wrong record index, does not open the record', () => {
    for (const authenticateOnly of [false, true]) {
      const base = { payloadBytes: 3000, authenticateOnly };
      const key = makeKey(base);
      const sealed = sealAll(key, patternBytes(3000, 1, 2));
      const variants = [
        makeKey({ ...base, bufferIdHi: 0x11223345 }),
        makeKey({ ...base, bufferIdLo: 0x55667789 }),
        makeKey({ ...base, payloadBytes: 2999 }), // record 0 is still 1024 bytes long
        makeKey({ ...base, authenticateOnly: !authenticateOnly }),
        makeKey({ ...base, keyMaterial: keyMaterial(2) }),
      ];
      for (const variant of variants) expect(cipher.openRecord(variant, 0, sealed.slice(), 0)).toBe(false);
      // Record 0's bytes presented as record 1 (same length) fail: the index is in nonce and AAD.
      const moved = new Uint8Array(key.sealedBytes);
      moved.set(sealed.subarray(0, 1040), 1040);
      expect(cipher.openRecord(key, 1, moved, 1040)).toBe(false);
      expect(cipher.openRecord(key, 0, sealed.slice(), 0)).toBe(true);
    }
  });
});

describe('broadcast and data keys', () => {
  it('one sealed stream opens at two receivers that got the key material from NOTIFY', () => {
    const material = new Uint8Array(DATA_KEY_MATERIAL_BYTES);
    generateDataKeyMaterial(provider, material, 0);
    const options = {
      bufferIdHi: 7,
      bufferIdLo: 9,
      payloadBytes: 4000,
      recordSizeLog2: 10,
      authenticateOnly: false,
    };
    const senderKey = new PayloadKey({ provider, keyMaterial: material, ...options });
    const payload = patternBytes(4000, 3, 3);
    const sealed = sealAll(senderKey, payload);
    const frozen = sealed.slice();
    // The NOTIFY carries the 44 bytes; each receiver prepares its own key with its own provider instance.
    const carried = material.slice();
    material.fill(0); // the sender may wipe its copy: PayloadKey copied what it needs
    for (const seed of [21, 22]) {
      const receiverProvider = new NobleCryptoProvider({ random: createSeededRandom(seed) });
      const receiverKey = new PayloadKey({ provider: receiverProvider, keyMaterial: carried, ...options });
      const opened = openAll(receiverKey, sealed, new PayloadRecordCipher({ provider: receiverProvider }));
      expect(toHex(opened as Uint8Array)).toBe(toHex(payload));
    }
    expect(toHex(sealed)).toBe(toHex(frozen));
  });

  it('data key material comes from the provider random source, 44 bytes per buffer', () => {
    const a = new NobleCryptoProvider({ random: createSeededRandom(5) });
    const b = new NobleCryptoProvider({ random: createSeededRandom(5) });
    const out1 = new Uint8Array(50).fill(0xee);
    const out2 = new Uint8Array(50).fill(0xee);
    generateDataKeyMaterial(a, out1, 3);
    generateDataKeyMaterial(b, out2, 3);
    expect(toHex(out1)).toBe(toHex(out2));
    expect(out1[2]).toBe(0xee);
    expect(out1.subarray(47).every((x) => x === 0xee)).toBe(true);
    const next = new Uint8Array(44);
    generateDataKeyMaterial(a, next, 0);
    expect(toHex(next)).not.toBe(toHex(out1.subarray(3, 47)));
    expect(() => generateDataKeyMaterial(a, new Uint8Array(43), 0)).toThrow(InvalidArgumentError);
  });

  it('caps one data key at 2^39 bytes of payload and validates buffer ids', () => {
    expect(makeKey({ payloadBytes: DATA_KEY_PAYLOAD_BYTES_MAX }).recordCount).toBe(2 ** 29);
    expect(() => makeKey({ payloadBytes: DATA_KEY_PAYLOAD_BYTES_MAX + 1 })).toThrow(InvalidArgumentError);
    expect(() => makeKey({ payloadBytes: 1, bufferIdHi: 2 ** 32 })).toThrow(InvalidArgumentError);
    expect(() => makeKey({ payloadBytes: 1, bufferIdLo: -1 })).toThrow(InvalidArgumentError);
    expect(() => makeKey({ payloadBytes: 1, keyMaterial: new Uint8Array(43) })).toThrow(InvalidArgumentError);
  });

  it('record nonces XOR the u64 index into the IV (indices above 2^32 included)', () => {
    const iv = patternBytes(12, 37, 1);
    for (const index of [0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 38 - 1]) {
      const nonce = new Uint8Array(12);
      writeRecordNonce(iv, index, nonce);
      let expected = 0n;
      for (const byte of iv) expected = (expected << 8n) | BigInt(byte);
      expected ^= BigInt(index);
      expect(toHex(nonce)).toBe(expected.toString(16).padStart(24, '0'));
    }
  });
});
