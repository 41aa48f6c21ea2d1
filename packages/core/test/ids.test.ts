import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareIds,
  formatId,
  generationOfTransferHi,
  ID_BYTES,
  InvalidArgumentError,
  idEquals,
  idFromBigInt,
  idToBigInt,
  isU32,
  parseId,
  readIdHi,
  readIdLo,
  TRANSFER_GENERATION_BITS,
  TRANSFER_GENERATION_MASK,
  transferIdHi,
  WORKER_ID_BITS,
  WORKER_ID_MAX,
  workerIdOfTransferHi,
  writeId,
} from '../src/index.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.bigInt({ min: 0n, max: 0xffffffffffffffffn });

describe('id layout constants', () => {
  it('split the hi half into 8 worker bits and 24 generation bits', () => {
    expect(WORKER_ID_BITS + TRANSFER_GENERATION_BITS).toBe(32);
    expect(WORKER_ID_BITS).toBe(8);
    expect(WORKER_ID_MAX).toBe(255);
    expect(TRANSFER_GENERATION_MASK).toBe(0xffffff);
    expect(ID_BYTES).toBe(8);
  });
});

describe('transfer id hi half', () => {
  it('round-trips worker id and generation and is a non-negative u32', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 0xffffff }), (worker, generation) => {
        const hi = transferIdHi(worker, generation);
        expect(isU32(hi)).toBe(true);
        expect(hi).toBe(worker * 2 ** 24 + generation);
        expect(workerIdOfTransferHi(hi)).toBe(worker);
        expect(generationOfTransferHi(hi)).toBe(generation);
      }),
    );
  });

  it('keeps worker ids >= 128 positive (no sign bit from <<)', () => {
    const hi = transferIdHi(255, 0xffffff);
    expect(hi).toBe(0xffffffff);
    expect(workerIdOfTransferHi(hi)).toBe(255);
    expect(transferIdHi(128, 0)).toBe(0x80000000);
  });

  it('rejects worker ids and generations outside their fields', () => {
    expect(() => transferIdHi(256, 0)).toThrow(InvalidArgumentError);
    expect(() => transferIdHi(-1, 0)).toThrow(InvalidArgumentError);
    expect(() => transferIdHi(1.5, 0)).toThrow(InvalidArgumentError);
    expect(() => transferIdHi(0, 0x1000000)).toThrow(InvalidArgumentError);
    expect(() => transferIdHi(0, -1)).toThrow(InvalidArgumentError);
    expect(() => transferIdHi(0, Number.NaN)).toThrow(InvalidArgumentError);
  });
});

describe('wire encoding', () => {
  it('writes big-endian hi then lo, identical to a u64 in network order', () => {
    fc.assert(
      fc.property(u32, u32, fc.integer({ min: 0, max: 8 }), (hi, lo, offset) => {
        const view = new DataView(new ArrayBuffer(16));
        writeId(view, offset, hi, lo);
        expect(view.getBigUint64(offset, false)).toBe(idToBigInt(hi, lo));
        expect(readIdHi(view, offset)).toBe(hi);
        expect(readIdLo(view, offset)).toBe(lo);
      }),
    );
  });

  it('puts the most significant byte first', () => {
    const bytes = new Uint8Array(8);
    writeId(new DataView(bytes.buffer), 0, 0x01020304, 0x05060708);
    expect([...bytes]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe('comparison', () => {
  it('orders ids like unsigned 64-bit integers', () => {
    fc.assert(
      fc.property(u64, u64, (a, b) => {
        const ha = new Uint32Array(2);
        const hb = new Uint32Array(2);
        idFromBigInt(a, ha);
        idFromBigInt(b, hb);
        const expected = a < b ? -1 : a > b ? 1 : 0;
        expect(compareIds(ha[0] as number, ha[1] as number, hb[0] as number, hb[1] as number)).toBe(expected);
        expect(idEquals(ha[0] as number, ha[1] as number, hb[0] as number, hb[1] as number)).toBe(a === b);
      }),
    );
  });

  it('treats hi as more significant than lo', () => {
    expect(compareIds(1, 0, 0, 0xffffffff)).toBe(1);
    expect(compareIds(0, 0xffffffff, 1, 0)).toBe(-1);
    expect(compareIds(0x80000000, 0, 0x7fffffff, 0xffffffff)).toBe(1);
  });
});

describe('formatting and BigInt conversion', () => {
  it('formats 16 hex digits matching the BigInt value and parses back', () => {
    fc.assert(
      fc.property(u32, u32, (hi, lo) => {
        const text = formatId(hi, lo);
        expect(text).toHaveLength(16);
        expect(text).toBe(idToBigInt(hi, lo).toString(16).padStart(16, '0'));
        const out = new Uint32Array(2);
        expect(parseId(text, out)).toBe(true);
        expect([out[0], out[1]]).toEqual([hi, lo]);
      }),
    );
    expect(formatId(0, 1)).toBe('0000000000000001');
    expect(formatId(0xdeadbeef, 0)).toBe('deadbeef00000000');
  });

  it('rejects malformed hex', () => {
    const out = new Uint32Array([7, 9]);
    for (const bad of ['', '123', '0000000000000000a', 'g000000000000000', ' 000000000000000', '-000000000000001']) {
      expect(parseId(bad, out)).toBe(false);
    }
    expect([out[0], out[1]]).toEqual([7, 9]);
  });

  it('round-trips BigInt and rejects values outside [0, 2^64)', () => {
    fc.assert(
      fc.property(u64, (value) => {
        const out = new Uint32Array(2);
        idFromBigInt(value, out);
        expect(idToBigInt(out[0] as number, out[1] as number)).toBe(value);
      }),
    );
    const out = new Uint32Array(2);
    expect(() => idFromBigInt(-1n, out)).toThrow(InvalidArgumentError);
    expect(() => idFromBigInt(2n ** 64n, out)).toThrow(InvalidArgumentError);
  });

  it('isU32 accepts exactly the integers in [0, 2^32)', () => {
    expect(isU32(0)).toBe(true);
    expect(isU32(0xffffffff)).toBe(true);
    expect(isU32(2 ** 32)).toBe(false);
    expect(isU32(-1)).toBe(false);
    expect(isU32(1.5)).toBe(false);
    expect(isU32(Number.NaN)).toBe(false);
  });
});
