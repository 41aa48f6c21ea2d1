/**
 * CaptureDecryptor and PcapCapture: every sealed-datagram vector decrypts to the vector's plaintext
 * body (with and without a fixed sender direction); results for every kind of input that is not
 * decryptable; single-byte tampering; the bounds (path-secret capacity, re-registration, key cache
 * invalidation when a secret is replaced); and a model-based test: random datagrams sealed by core's
 * ControlDatagramSealer from both sides, several workers, key rotations and both key kinds,
 * decrypted through a tiny key cache, must give back exactly the bodies that were sealed.
 */
import {
  BackpressureError,
  type CryptoProvider,
  createSeededRandom,
  InvalidArgumentError,
  NobleCryptoProvider,
} from '@dcq/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CaptureDecryptor,
  CaptureDecryptResult,
  captureDecryptResultName,
  MemoryPcapSink,
  PcapCapture,
  PcapPacketRecord,
  PcapWriter,
} from '../src/index.js';
import { hexBytes, loadSealedVectors, pskPath, sealBody } from './pcap-fixture.js';

const provider = new NobleCryptoProvider({ random: createSeededRandom(1) });
const sealedFile = loadSealedVectors();
const sealedVectors = sealedFile.vectors.filter((v) => v.datagram === 'CONTROL' || v.datagram === 'SECRET_CONTROL');
const vectorId = hexBytes(sealedFile.pathSecret.id);
const vectorSecret = hexBytes(sealedFile.pathSecret.secret);

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function decryptCopy(decryptor: CaptureDecryptor, datagram: Uint8Array, sourceKey = -1) {
  const out = new Uint8Array(datagram.length + 5).fill(0xee);
  const result = decryptor.decrypt(datagram, 0, datagram.length, out, 5, sourceKey);
  return { result, out: out.subarray(5) };
}

describe('CaptureDecryptor: vectors', () => {
  for (const senderDirection of [undefined, sealedFile.pathSecret.senderDirection] as const) {
    it(`decrypts every sealed-datagram vector (sender direction ${senderDirection ?? 'tried'})`, () => {
      const decryptor = new CaptureDecryptor({ provider });
      decryptor.register({
        pathSecretId: vectorId,
        pathSecret: vectorSecret,
        ...(senderDirection === undefined ? {} : { senderDirection }),
      });
      expect(sealedVectors.length).toBe(5);
      for (const vector of sealedVectors) {
        const datagram = hexBytes(vector.hex);
        const original = datagram.slice();
        const { result, out } = decryptCopy(decryptor, datagram);
        expect(captureDecryptResultName(result)).toBe('DECRYPTED');
        expect(decryptor.lastDirection).toBe(sealedFile.pathSecret.senderDirection);
        // Header and tag unchanged, body = the vector's plaintext body, input untouched.
        expect(hex(out.subarray(0, 28))).toBe(vector.hex.slice(0, 56));
        expect(hex(out.subarray(28, out.length - 16))).toBe(vector.fields.body);
        expect(hex(out.subarray(out.length - 16))).toBe(vector.hex.slice(-32));
        expect(datagram).toEqual(original);
      }
      expect(decryptor.counters[CaptureDecryptResult.Decrypted]).toBe(5);
    });
  }

  it('decrypts in place when out is the input', () => {
    const decryptor = new CaptureDecryptor({ provider });
    decryptor.register({ pathSecretId: vectorId, pathSecret: vectorSecret });
    const vector = sealedVectors[0];
    if (vector === undefined) throw new Error('no vector');
    const datagram = hexBytes(vector.hex);
    expect(decryptor.decrypt(datagram, 0, datagram.length, datagram, 0)).toBe(CaptureDecryptResult.Decrypted);
    expect(hex(datagram.subarray(28, datagram.length - 16))).toBe(vector.fields.body);
  });

  it('the wrong fixed direction fails authentication and leaves an unchanged copy', () => {
    const decryptor = new CaptureDecryptor({ provider });
    decryptor.register({ pathSecretId: vectorId, pathSecret: vectorSecret, senderDirection: 0 });
    for (const vector of sealedVectors) {
      const datagram = hexBytes(vector.hex);
      const { result, out } = decryptCopy(decryptor, datagram);
      expect(result).toBe(CaptureDecryptResult.AuthenticationFailed);
      expect(hex(out)).toBe(vector.hex);
    }
  });

  it('classifies what it cannot decrypt, copying nothing', () => {
    const decryptor = new CaptureDecryptor({ provider });
    decryptor.register({ pathSecretId: vectorId, pathSecret: vectorSecret });
    const probe = hexBytes((sealedVectors[0] as { hex: string }).hex);
    const cases: [string, Uint8Array, CaptureDecryptResult][] = [
      [
        'DATA',
        hexBytes(sealedFile.vectors.find((v) => v.datagram === 'DATA')?.hex ?? ''),
        CaptureDecryptResult.NotSealed,
      ],
      [
        'UNKNOWN_PATH_SECRET',
        hexBytes(sealedFile.vectors.find((v) => v.datagram === 'UNKNOWN_PATH_SECRET')?.hex ?? ''),
        CaptureDecryptResult.NotSealed,
      ],
      ['empty', new Uint8Array(0), CaptureDecryptResult.NotSealed],
      ['undefined kind', Uint8Array.from([0x50, 1, 2, 3]), CaptureDecryptResult.NotSealed],
      ['46 bytes', probe.slice(0, 46), CaptureDecryptResult.Malformed],
      ['longer than 9000', new Uint8Array(9001).fill(0x10, 0, 1), CaptureDecryptResult.Malformed],
      ['reserved kind bits', Uint8Array.from([0x11, ...probe.subarray(1)]), CaptureDecryptResult.Malformed],
      [
        'unknown path secret id',
        Uint8Array.from([...probe.subarray(0, 2), 0, ...probe.subarray(3)]),
        CaptureDecryptResult.UnknownPathSecret,
      ],
    ];
    for (const [name, datagram, expected] of cases) {
      const out = new Uint8Array(Math.max(datagram.length, 1)).fill(0xee);
      const result = decryptor.decrypt(datagram, 0, datagram.length, out, 0);
      expect(captureDecryptResultName(result), name).toBe(captureDecryptResultName(expected));
      expect(
        out.every((b) => b === 0xee),
        name,
      ).toBe(true);
    }
    expect(() => decryptor.decrypt(probe, 0, probe.length, new Uint8Array(10), 0)).toThrow(InvalidArgumentError);
    expect(() => decryptor.decrypt(probe, 1, probe.length, new Uint8Array(100), 0)).toThrow(InvalidArgumentError);
  });

  it('any single flipped byte fails authentication', () => {
    const decryptor = new CaptureDecryptor({ provider });
    decryptor.register({ pathSecretId: vectorId, pathSecret: vectorSecret });
    const vector = sealedVectors[1];
    if (vector === undefined) throw new Error('no vector');
    const datagram = hexBytes(vector.hex);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: datagram.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, mask) => {
        // Bytes 2..17 are the path secret id: flipping one makes the secret unknown instead.
        const copy = datagram.slice();
        copy[at] = (copy[at] as number) ^ mask;
        const { result } = decryptCopy(decryptor, copy);
        const expected =
          at === 0
            ? (copy[0] as number) >>> 4 === 1 || (copy[0] as number) >>> 4 === 2
              ? CaptureDecryptResult.Malformed
              : CaptureDecryptResult.NotSealed
            : at >= 2 && at < 18
              ? CaptureDecryptResult.UnknownPathSecret
              : CaptureDecryptResult.AuthenticationFailed;
        expect(captureDecryptResultName(result)).toBe(captureDecryptResultName(expected));
      }),
      { numRuns: 40 },
    );
  });
});

describe('CaptureDecryptor: limits', () => {
  it('holds at most pathSecretCapacity secrets; re-registering an id does not take a slot', () => {
    const decryptor = new CaptureDecryptor({ provider, pathSecretCapacity: 2 });
    const a = pskPath(provider, 1);
    const b = pskPath(provider, 2);
    const c = pskPath(provider, 3);
    decryptor.register({ pathSecretId: a.id, pathSecret: a.secret });
    decryptor.register({ pathSecretId: b.id, pathSecret: b.secret });
    decryptor.register({ pathSecretId: b.id, pathSecret: b.secret });
    expect(decryptor.pathSecretCount).toBe(2);
    let error: unknown;
    try {
      decryptor.register({ pathSecretId: c.id, pathSecret: c.secret });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BackpressureError);
    expect((error as BackpressureError).limit).toBe('capture.pathSecretCapacity');
    expect(decryptor.unregister(a.id)).toBe(true);
    expect(decryptor.unregister(a.id)).toBe(false);
    decryptor.register({ pathSecretId: c.id, pathSecret: c.secret });
    const fromC = sealBody(c.sealer(1, 0, 2), hexBytes('0a000800000011075bcd15'));
    const fromA = sealBody(a.sealer(1, 0, 2), hexBytes('0a000800000011075bcd15'));
    expect(decryptCopy(decryptor, fromC).result).toBe(CaptureDecryptResult.Decrypted);
    expect(decryptCopy(decryptor, fromA).result).toBe(CaptureDecryptResult.UnknownPathSecret);
  });

  it('rejects bad registrations and options', () => {
    const decryptor = new CaptureDecryptor({ provider });
    expect(() => decryptor.register({ pathSecretId: new Uint8Array(15), pathSecret: new Uint8Array(32) })).toThrow(
      InvalidArgumentError,
    );
    expect(() => decryptor.register({ pathSecretId: new Uint8Array(16), pathSecret: new Uint8Array(31) })).toThrow(
      InvalidArgumentError,
    );
    expect(() =>
      decryptor.register({
        pathSecretId: new Uint8Array(16),
        pathSecret: new Uint8Array(32),
        senderDirection: 2 as unknown as 0,
      }),
    ).toThrow(InvalidArgumentError);
    expect(decryptor.pathSecretCount).toBe(0);
    expect(() => new CaptureDecryptor({ pathSecretCapacity: 0 })).toThrow(InvalidArgumentError);
    expect(() => new CaptureDecryptor({ keyCacheCapacity: 2 ** 20 + 1 })).toThrow(InvalidArgumentError);
    expect(() => new CaptureDecryptor({ directionMemoCapacity: 0 })).toThrow(InvalidArgumentError);
  });

  it('replacing a secret under the same id invalidates its cached keys', () => {
    // Two different secrets registered under one id, in turn: the cache must not serve the old key.
    const decryptor = new CaptureDecryptor({ provider, keyCacheCapacity: 1 });
    const real = pskPath(provider, 5);
    const other = pskPath(provider, 6);
    const datagram = sealBody(real.sealer(0, 0, 1), hexBytes('0a000800000011075bcd15'));
    decryptor.register({ pathSecretId: real.id, pathSecret: real.secret });
    expect(decryptCopy(decryptor, datagram).result).toBe(CaptureDecryptResult.Decrypted);
    decryptor.register({ pathSecretId: real.id, pathSecret: other.secret });
    expect(decryptCopy(decryptor, datagram).result).toBe(CaptureDecryptResult.AuthenticationFailed);
    decryptor.register({ pathSecretId: real.id, pathSecret: real.secret });
    expect(decryptCopy(decryptor, datagram).result).toBe(CaptureDecryptResult.Decrypted);
  });
});

describe('CaptureDecryptor: direction memo', () => {
  it("remembers each source host's direction: alternating traffic costs one open per datagram", () => {
    let opens = 0;
    const counting: CryptoProvider = Object.assign(Object.create(provider) as CryptoProvider, {
      open: (...args: Parameters<CryptoProvider['open']>) => {
        opens++;
        return provider.open(...args);
      },
    });
    const path = pskPath(provider, 31);
    const sealers = [path.sealer(0, 0, 0), path.sealer(1, 0, 0)] as const;
    const datagrams = Array.from({ length: 20 }, (_, i) =>
      sealBody(sealers[i % 2] as (typeof sealers)[0], hexBytes('0a000800000011075bcd15')),
    );
    const run = (useSourceKey: boolean): number => {
      const decryptor = new CaptureDecryptor({ provider: counting });
      decryptor.register({ pathSecretId: path.id, pathSecret: path.secret });
      opens = 0;
      datagrams.forEach((d, i) => {
        expect(decryptCopy(decryptor, d, useSourceKey ? 100 + (i % 2) : -1).result).toBe(
          CaptureDecryptResult.Decrypted,
        );
        expect(decryptor.lastDirection).toBe(i % 2);
      });
      return opens;
    };
    // With the source: 1 open each, plus one miss the first time side 1 speaks.
    expect(run(true)).toBe(21);
    // Without: the last direction flips every time, so every datagram after the first costs two.
    expect(run(false)).toBe(39);
  });
});

describe('CaptureDecryptor: model', () => {
  it('random traffic of both sides, workers, rotations and key kinds decrypts to what was sealed', () => {
    const path = pskPath(provider, 11);
    const op = fc.record({
      side: fc.constantFrom(0 as const, 1 as const),
      worker: fc.integer({ min: 0, max: 2 }),
      secret: fc.boolean(),
      body: fc.uint8Array({ minLength: 3, maxLength: 200 }),
      tamper: fc.option(fc.nat(), { freq: 6 }),
      useSourceKey: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 3 }), (ops, rotate) => {
        const decryptor = new CaptureDecryptor({ provider, keyCacheCapacity: 2, directionMemoCapacity: 2 });
        decryptor.register({ pathSecretId: path.id, pathSecret: path.secret });
        // Fresh sender states per run (packet numbers restart): keys rotate every `rotate` packets.
        const sealers = new Map<string, ReturnType<typeof path.sealer>>();
        for (const o of ops) {
          const key = `${o.side}/${o.worker}/${o.secret}`;
          let sealer = sealers.get(key);
          if (sealer === undefined) {
            sealer = path.sealer(o.side, o.secret ? 1 : 0, o.worker, { rotateAfterPackets: rotate });
            sealers.set(key, sealer);
          }
          const datagram = sealBody(sealer, o.body);
          let expected: CaptureDecryptResult = CaptureDecryptResult.Decrypted;
          if (o.tamper !== null) {
            const at = 28 + (o.tamper % (datagram.length - 28));
            datagram[at] = (datagram[at] as number) ^ 0x40;
            expected = CaptureDecryptResult.AuthenticationFailed;
          }
          const { result, out } = decryptCopy(decryptor, datagram, o.useSourceKey ? o.side + 10 : -1);
          expect(captureDecryptResultName(result)).toBe(captureDecryptResultName(expected));
          if (expected === CaptureDecryptResult.Decrypted) {
            expect(hex(out.subarray(28, out.length - 16))).toBe(hex(o.body));
            expect(decryptor.lastDirection).toBe(o.side);
          }
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe('PcapCapture', () => {
  it('writes decrypted copies (and ciphertext when asked), and datagrams it cannot decrypt as captured', () => {
    const path = pskPath(provider, 21);
    const decryptor = new CaptureDecryptor({ provider });
    decryptor.register({ pathSecretId: path.id, pathSecret: path.secret });
    const sealed = sealBody(path.sealer(0, 0, 0), hexBytes('0a000800000011075bcd15'));
    const sealedCopy = sealed.slice();
    const foreign = sealBody(pskPath(provider, 22).sealer(0, 0, 0), hexBytes('0a000800000011075bcd15'));
    const packet = new PcapPacketRecord();
    for (const keepCiphertext of [false, true]) {
      const sink = new MemoryPcapSink();
      const capture = new PcapCapture({ writer: new PcapWriter({ sink }), decryptor, keepCiphertext });
      packet.bytes = sealed;
      packet.length = sealed.length;
      expect(capture.record(packet)).toBe(CaptureDecryptResult.Decrypted);
      packet.bytes = foreign;
      expect(capture.record(packet)).toBe(CaptureDecryptResult.UnknownPathSecret);
      capture.close();
      expect(capture.writer.recordsWritten).toBe(keepCiphertext ? 3 : 2);
      expect(capture.datagramsDecrypted).toBe(1);
      expect(capture.datagramsRecorded).toBe(2);
      // The captured datagram itself is never modified.
      expect(sealed).toEqual(sealedCopy);
      const all = sink.toBytes();
      const udpPort = (recordAt: number) =>
        (all[recordAt + 16 + 34] as number) * 256 + (all[recordAt + 16 + 35] as number);
      const second = 24 + 16 + 42 + sealed.length;
      expect(udpPort(24)).toBe(keepCiphertext ? 7741 : 7742);
      expect(udpPort(second)).toBe(keepCiphertext ? 7742 : 7741);
    }
    // Without a decryptor everything is written as captured.
    const plain = new PcapCapture({ writer: new PcapWriter({ sink: new MemoryPcapSink() }) });
    packet.bytes = sealed;
    expect(plain.record(packet)).toBe(CaptureDecryptResult.NotSealed);
    expect(plain.writer.recordsWritten).toBe(1);
  });
});
