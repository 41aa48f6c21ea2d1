import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CHALLENGE_DUPLICATE,
  CHALLENGE_FULL,
  CHALLENGE_NO_MATCH,
  CHALLENGE_NONCE_BYTES,
  CHALLENGE_PEER_FULL,
  type ChallengeKey,
  ChallengeTable,
  InvalidArgumentError,
} from '../src/index.js';

/** Deterministic "random" source: every fill is distinct (a counter in the first bytes). */
function counterRandom(): { fill: (out: Uint8Array) => void; fills: number } {
  const source = {
    fills: 0,
    fill(out: Uint8Array): void {
      source.fills++;
      for (let i = 0; i < out.length; i++) out[i] = (source.fills * 31 + i * 7) & 0xff;
      out[0] = source.fills & 0xff;
      out[1] = (source.fills >>> 8) & 0xff;
    },
  };
  return source;
}

interface ModelEntry {
  key: ChallengeKey;
  deadlineUs: number;
  cookie: number;
  nonce: Uint8Array;
}

const sameKey = (a: ChallengeKey, b: ChallengeKey): boolean =>
  a.peerSlot === b.peerSlot &&
  a.senderTransferIdHi === b.senderTransferIdHi &&
  a.senderTransferIdLo === b.senderTransferIdLo &&
  a.notifySequence === b.notifySequence;

const keyArb = fc.record({
  peerSlot: fc.integer({ min: 0, max: 3 }),
  senderTransferIdHi: fc.constantFrom(0, 1, 0xffffffff),
  senderTransferIdLo: fc.constantFrom(0, 7, 0x80000000),
  notifySequence: fc.constantFrom(0, 1, 2 ** 40),
});

type Op =
  | { kind: 'open'; key: ChallengeKey; deadlineDeltaUs: number }
  | { kind: 'match'; key: ChallengeKey; pickOpen: number; corrupt: boolean }
  | { kind: 'cancel'; key: ChallengeKey; pickOpen: number }
  | { kind: 'cancelTransfer'; key: ChallengeKey; pickOpen: number; outSize: number }
  | { kind: 'cancelPeer'; peerSlot: number; outSize: number }
  | { kind: 'advance'; deltaUs: number; outSize: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('open' as const),
      key: keyArb,
      deadlineDeltaUs: fc.integer({ min: 0, max: 100 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('match' as const),
      key: keyArb,
      pickOpen: fc.nat(),
      corrupt: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), key: keyArb, pickOpen: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('cancelTransfer' as const),
      key: keyArb,
      pickOpen: fc.nat(),
      outSize: fc.integer({ min: 1, max: 4 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('cancelPeer' as const),
      peerSlot: fc.integer({ min: 0, max: 3 }),
      outSize: fc.integer({ min: 1, max: 8 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      deltaUs: fc.integer({ min: 0, max: 60 }),
      outSize: fc.integer({ min: 1, max: 5 }),
    }),
  },
);

describe('ChallengeTable', () => {
  it('validates its configuration and arguments', () => {
    const random = { randomFill: (): void => {} };
    expect(() => new ChallengeTable({ capacity: 0, peerSlotCapacity: 1, perPeerMax: 1, random })).toThrow(
      InvalidArgumentError,
    );
    expect(() => new ChallengeTable({ capacity: 4, peerSlotCapacity: 1, perPeerMax: 5, random })).toThrow(
      InvalidArgumentError,
    );
    const table = new ChallengeTable({ capacity: 4, peerSlotCapacity: 2, perPeerMax: 2, random });
    const key = { peerSlot: 2, senderTransferIdHi: 0, senderTransferIdLo: 0, notifySequence: 0 };
    expect(() => table.open({ ...key, deadlineUs: 1, cookie: 0 })).toThrow(InvalidArgumentError);
    expect(() => table.open({ ...key, peerSlot: 0, deadlineUs: 1, cookie: -1 })).toThrow(InvalidArgumentError);
    expect(() => table.open({ ...key, peerSlot: 0, deadlineUs: 1, cookie: 0.5 })).toThrow(InvalidArgumentError);
  });

  it.each([
    { name: 'small tables', capacityMax: 6, opsMax: 120, numRuns: 120 },
    { name: 'larger tables (deep heap, long chains)', capacityMax: 48, opsMax: 400, numRuns: 40 },
  ])('matches a model under random opens, responses, cancels and expiry: $name', ({ capacityMax, opsMax, numRuns }) => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: capacityMax }),
        fc.integer({ min: 1, max: capacityMax }),
        fc.array(opArb, { maxLength: opsMax, size: 'max' }),
        (capacity, perPeerRaw, ops) => {
          const perPeerMax = Math.min(perPeerRaw, capacity);
          const random = counterRandom();
          const table = new ChallengeTable({
            capacity,
            peerSlotCapacity: 4,
            perPeerMax,
            random: { randomFill: random.fill },
          });
          let model: ModelEntry[] = [];
          let nowUs = 0;
          let nextCookie = 0;
          const nonceOut = new Uint8Array(CHALLENGE_NONCE_BYTES + 3);
          for (const op of ops) {
            switch (op.kind) {
              case 'open': {
                const cookie = nextCookie++;
                const deadlineUs = nowUs + op.deadlineDeltaUs;
                const result = table.open({ ...op.key, deadlineUs, cookie });
                const peerOpen = model.filter((e) => e.key.peerSlot === op.key.peerSlot).length;
                if (model.some((e) => sameKey(e.key, op.key))) {
                  expect(result).toBe(CHALLENGE_DUPLICATE);
                } else if (model.length >= capacity) {
                  expect(result).toBe(CHALLENGE_FULL);
                } else if (peerOpen >= perPeerMax) {
                  expect(result).toBe(CHALLENGE_PEER_FULL);
                } else {
                  expect(result).toBeGreaterThanOrEqual(0);
                  table.writeNonce(result, nonceOut, 3);
                  const nonce = nonceOut.slice(3);
                  expect(model.some((e) => e.nonce.every((b, i) => b === nonce[i]))).toBe(false);
                  model.push({ key: op.key, deadlineUs, cookie, nonce });
                }
                break;
              }
              case 'match': {
                const target = model.length > 0 ? model[op.pickOpen % model.length] : undefined;
                const key = target && op.pickOpen % 3 !== 0 ? target.key : op.key;
                const entry = model.find((e) => sameKey(e.key, key));
                const nonce = new Uint8Array(CHALLENGE_NONCE_BYTES + 1);
                if (entry) nonce.set(entry.nonce, 1);
                if (op.corrupt) {
                  const at = 1 + (op.pickOpen % CHALLENGE_NONCE_BYTES);
                  nonce[at] = (nonce[at] as number) ^ 0x10;
                }
                const result = table.match(key, nonce, 1);
                if (entry && !op.corrupt) {
                  expect(result).toBe(entry.cookie);
                  model = model.filter((e) => e !== entry);
                  // A second identical response never matches again.
                  expect(table.match(key, nonce, 1)).toBe(CHALLENGE_NO_MATCH);
                } else {
                  expect(result).toBe(CHALLENGE_NO_MATCH);
                }
                break;
              }
              case 'cancel': {
                const target = model.length > 0 ? model[op.pickOpen % model.length] : undefined;
                const key = target && op.pickOpen % 2 === 0 ? target.key : op.key;
                const entry = model.find((e) => sameKey(e.key, key));
                expect(table.cancel(key)).toBe(entry ? entry.cookie : CHALLENGE_NO_MATCH);
                if (entry) model = model.filter((e) => e !== entry);
                break;
              }
              case 'cancelTransfer': {
                const target = model.length > 0 ? model[op.pickOpen % model.length] : undefined;
                const transferKey = (target ?? op).key;
                const matching = model.filter(
                  (e) =>
                    e.key.peerSlot === transferKey.peerSlot &&
                    e.key.senderTransferIdHi === transferKey.senderTransferIdHi &&
                    e.key.senderTransferIdLo === transferKey.senderTransferIdLo,
                );
                const out = new Float64Array(op.outSize);
                const cookies: number[] = [];
                for (;;) {
                  const n = table.cancelTransfer(transferKey, out);
                  cookies.push(...out.subarray(0, n));
                  if (n < out.length) break;
                }
                expect(cookies.sort((a, b) => a - b)).toEqual(matching.map((e) => e.cookie).sort((a, b) => a - b));
                model = model.filter((e) => !matching.includes(e));
                break;
              }
              case 'cancelPeer': {
                const matching = model.filter((e) => e.key.peerSlot === op.peerSlot);
                const out = new Float64Array(op.outSize);
                const cookies: number[] = [];
                for (;;) {
                  const n = table.cancelPeer(op.peerSlot, out);
                  cookies.push(...out.subarray(0, n));
                  if (n < out.length) break;
                }
                expect(cookies.sort((a, b) => a - b)).toEqual(matching.map((e) => e.cookie).sort((a, b) => a - b));
                model = model.filter((e) => e.key.peerSlot !== op.peerSlot);
                break;
              }
              case 'advance': {
                nowUs += op.deltaUs;
                const out = new Float64Array(op.outSize);
                const n = table.expire(nowUs, out);
                const due = model.filter((e) => e.deadlineUs <= nowUs).sort((a, b) => a.deadlineUs - b.deadlineUs);
                expect(n).toBe(Math.min(due.length, out.length));
                const expired = [...out.subarray(0, n)].map((cookie) => model.find((e) => e.cookie === cookie));
                // The earliest deadlines go first (ties in any order).
                expect(expired.map((e) => e?.deadlineUs)).toEqual(due.slice(0, n).map((e) => e.deadlineUs));
                model = model.filter((e) => !expired.includes(e));
                break;
              }
            }
            expect(table.size).toBe(model.length);
            for (let p = 0; p < 4; p++) {
              expect(table.peerCount(p)).toBe(model.filter((e) => e.key.peerSlot === p).length);
            }
            const earliest = model.reduce((m, e) => Math.min(m, e.deadlineUs), Number.POSITIVE_INFINITY);
            expect(table.nextDeadlineUs()).toBe(earliest);
          }
        },
      ),
      { numRuns },
    );
  });

  it('refuses at the bound, and frees capacity when challenges close', () => {
    const random = counterRandom();
    const table = new ChallengeTable({
      capacity: 3,
      peerSlotCapacity: 4,
      perPeerMax: 2,
      random: { randomFill: random.fill },
    });
    const key = (peerSlot: number, lo: number) => ({
      peerSlot,
      senderTransferIdHi: 0,
      senderTransferIdLo: lo,
      notifySequence: 5,
    });
    expect(table.open({ ...key(0, 1), deadlineUs: 10, cookie: 1 })).toBeGreaterThanOrEqual(0);
    expect(table.open({ ...key(0, 2), deadlineUs: 10, cookie: 2 })).toBeGreaterThanOrEqual(0);
    expect(table.open({ ...key(0, 3), deadlineUs: 10, cookie: 3 })).toBe(CHALLENGE_PEER_FULL);
    expect(table.open({ ...key(1, 1), deadlineUs: 10, cookie: 4 })).toBeGreaterThanOrEqual(0);
    expect(table.open({ ...key(2, 1), deadlineUs: 10, cookie: 5 })).toBe(CHALLENGE_FULL);
    expect(table.open({ ...key(0, 1), deadlineUs: 10, cookie: 6 })).toBe(CHALLENGE_DUPLICATE);
    expect(table.refusedTotal).toBe(2);
    expect(table.cancel(key(0, 1))).toBe(1);
    expect(table.open({ ...key(2, 1), deadlineUs: 10, cookie: 5 })).toBeGreaterThanOrEqual(0);
    expect(random.fills).toBe(4);
  });

  it('matches a response exactly once, only with the right nonce, and not after expiry', () => {
    const random = counterRandom();
    const table = new ChallengeTable({
      capacity: 8,
      peerSlotCapacity: 2,
      perPeerMax: 8,
      random: { randomFill: random.fill },
    });
    const key = {
      peerSlot: 1,
      senderTransferIdHi: 0xdeadbeef,
      senderTransferIdLo: 0x80000001,
      notifySequence: 2 ** 33,
    };
    const slot = table.open({ ...key, deadlineUs: 100, cookie: 42 });
    const nonce = new Uint8Array(CHALLENGE_NONCE_BYTES);
    table.writeNonce(slot, nonce, 0);
    expect(nonce.some((b) => b !== 0)).toBe(true);
    for (let i = 0; i < CHALLENGE_NONCE_BYTES; i++) {
      const wrong = nonce.slice();
      wrong[i] = (wrong[i] as number) ^ 1;
      expect(table.match(key, wrong, 0)).toBe(CHALLENGE_NO_MATCH);
    }
    expect(table.match({ ...key, peerSlot: 0 }, nonce, 0)).toBe(CHALLENGE_NO_MATCH);
    expect(table.match({ ...key, notifySequence: 2 ** 33 + 1 }, nonce, 0)).toBe(CHALLENGE_NO_MATCH);
    expect(table.match(key, nonce, 1)).toBe(CHALLENGE_NO_MATCH); // nonce would run past the buffer
    expect(table.match(key, nonce, 0)).toBe(42);
    expect(table.match(key, nonce, 0)).toBe(CHALLENGE_NO_MATCH);
    expect(table.matchedTotal).toBe(1);

    const slot2 = table.open({ ...key, deadlineUs: 100, cookie: 43 });
    table.writeNonce(slot2, nonce, 0);
    const out = new Float64Array(4);
    expect(table.expire(99, out)).toBe(0);
    expect(table.expire(100, out)).toBe(1);
    expect(out[0]).toBe(43);
    expect(table.match(key, nonce, 0)).toBe(CHALLENGE_NO_MATCH);
    expect(table.expiredTotal).toBe(1);
    expect(table.nextDeadlineUs()).toBe(Number.POSITIVE_INFINITY);
  });
});
