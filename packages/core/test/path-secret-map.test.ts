import { createHmac, hkdfSync } from 'node:crypto';
import { expand, extract } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CryptoProvider } from '../src/crypto/provider.js';
import {
  BackpressureError,
  constantTimeEqual,
  derivePskPathSecret,
  derivePskResetKey,
  InvalidArgumentError,
  PATH_SECRET_NOT_FOUND,
  type PathSecretCrypto,
  PathSecretMap,
  type PathSecretMapOptions,
  PathSecretRemoval,
  REPLAY_NO_WINDOW,
  ReplayResult,
  statelessResetTag,
} from '../src/index.js';

/** The injected primitives, implemented with @noble/hashes (independent of the other crypto modules). */
const nobleCrypto: PathSecretCrypto = {
  hkdfExtract(salt, ikm, out) {
    out.set(extract(sha256, ikm, salt), 0);
  },
  hkdfExpand(prk, info, out, outOffset, length) {
    out.set(expand(sha256, prk, info, length), outOffset);
  },
  hmacSha256(key, data, dataOffset, dataLength, out, outOffset) {
    out.set(hmac(sha256, key, data.subarray(dataOffset, dataOffset + dataLength)), outOffset);
  },
};

// A CryptoProvider must fit where PathSecretCrypto is expected (compile-time check only).
const providerFits = (provider: CryptoProvider): PathSecretCrypto => provider;
void providerFits;

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const ascii = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));

function idFrom(firstWord: number, rest: number): Uint8Array {
  const id = new Uint8Array(16);
  const view = new DataView(id.buffer);
  view.setUint32(0, firstWord >>> 0);
  view.setUint32(4, rest >>> 0);
  view.setUint32(8, Math.imul(rest, 0x9e3779b1) >>> 0);
  view.setUint32(12, 0xa5a5a5a5);
  return id;
}

const baseOptions: Omit<PathSecretMapOptions, 'capacity'> = {
  peerSlotCapacity: 4,
  maxSecretsPerPeer: 2,
  minAgeUs: 100,
  graceUs: 50,
  replayWindowBits: 64,
  replayWindowCapacity: 8,
  replayWindowsPerSecretMax: 2,
};

function insertInput(id: Uint8Array, peerSlot: number, nowUs: number) {
  const secret = new Uint8Array(32).fill(id[5] as number);
  secret[0] = id[0] as number;
  const peerResetTag = new Uint8Array(16).fill((id[6] as number) ^ 0x5a);
  return { id, secret, peerSlot, localDirection: (peerSlot & 1) as 0 | 1, version: 1, peerResetTag, nowUs };
}

interface ModelEntry {
  id: string;
  entry: number;
  peerSlot: number;
  createdUs: number;
  retireAtUs: number;
  seq: number; // insertion order, for "oldest of the peer"
  retireSeq: number; // supersede order, for retirement order among equal deadlines
  active: boolean;
}

type Op =
  | {
      kind: 'insert';
      first: number;
      rest: number;
      peerSlot: number;
      reuseExisting: boolean;
      pick: number;
      active: boolean;
    }
  | { kind: 'activate'; pick: number }
  | { kind: 'lookup'; pick: number; unknown: boolean; first: number }
  | { kind: 'remove'; pick: number }
  | { kind: 'removePeer'; peerSlot: number }
  | { kind: 'removeRetired' }
  | { kind: 'advance'; deltaUs: number };

// Few distinct first words, so many ids share a home slot (long probe runs, wrap-around).
const firstWordArb = fc.constantFrom(0, 1, 0x7fffffff, 0xffffffff, 0x12345678);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('insert' as const),
      first: firstWordArb,
      rest: fc.nat(40),
      peerSlot: fc.integer({ min: 0, max: 3 }),
      reuseExisting: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
      pick: fc.nat(),
      active: fc.integer({ min: 0, max: 3 }).map((n) => n !== 0),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('activate' as const), pick: fc.nat() }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('lookup' as const),
      pick: fc.nat(),
      unknown: fc.boolean(),
      first: firstWordArb,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('removePeer' as const), peerSlot: fc.integer({ min: 0, max: 3 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('removeRetired' as const) }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), deltaUs: fc.integer({ min: 0, max: 80 }) }),
  },
);

describe('PathSecretMap', () => {
  it('validates its configuration and inserts', () => {
    expect(() => new PathSecretMap({ ...baseOptions, capacity: 0 })).toThrow(InvalidArgumentError);
    expect(() => new PathSecretMap({ ...baseOptions, capacity: 4, maxSecretsPerPeer: 0 })).toThrow(
      InvalidArgumentError,
    );
    expect(() => new PathSecretMap({ ...baseOptions, capacity: 4, minAgeUs: -1 })).toThrow(InvalidArgumentError);
    expect(() => new PathSecretMap({ ...baseOptions, capacity: 4, replayWindowBits: 100 })).toThrow(
      InvalidArgumentError,
    );
    const map = new PathSecretMap({ ...baseOptions, capacity: 4 });
    const good = insertInput(idFrom(1, 1), 0, 0);
    expect(() => map.insert({ ...good, id: new Uint8Array(15) })).toThrow(InvalidArgumentError);
    expect(() => map.insert({ ...good, secret: new Uint8Array(31) })).toThrow(InvalidArgumentError);
    expect(() => map.insert({ ...good, peerResetTag: new Uint8Array(17) })).toThrow(InvalidArgumentError);
    expect(() => map.insert({ ...good, peerSlot: 4 })).toThrow(InvalidArgumentError);
    expect(() => map.insert({ ...good, version: 0 })).toThrow(InvalidArgumentError);
    const entry = map.insert(good);
    expect(() => map.insert({ ...good, peerSlot: 1 })).toThrow(InvalidArgumentError); // duplicate id
    expect(map.size).toBe(1);
    const out = new Uint8Array(40);
    map.copyId(entry, out, 3);
    expect(hex(out.subarray(3, 19))).toBe(hex(good.id));
    map.copySecret(entry, out, 1);
    expect(hex(out.subarray(1, 33))).toBe(hex(good.secret));
    map.copyPeerResetTag(entry, out, 0);
    expect(hex(out.subarray(0, 16))).toBe(hex(good.peerResetTag));
    expect(map.localDirectionOf(entry)).toBe(0);
    expect(map.versionOf(entry)).toBe(1);
    expect(map.createdAtUs(entry)).toBe(0);
  });

  it('matches a Map + LRU-array model under random inserts, lookups, removals and time', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(opArb, { maxLength: 250, size: 'max' }),
        (capacity, maxSecretsPerPeer, ops) => {
          const removals: [number, number][] = [];
          const map = new PathSecretMap({
            ...baseOptions,
            capacity,
            maxSecretsPerPeer,
            onRemove: (entry, reason) => removals.push([entry, reason]),
          });
          const { minAgeUs, graceUs } = baseOptions;
          const model = new Map<string, ModelEntry>();
          let lru: string[] = []; // most recent first
          let nowUs = 0;
          let seq = 0;
          const expectedRemovals: [number, number][] = [];
          const drop = (id: string, reason: number): void => {
            const e = model.get(id);
            if (!e) throw new Error('model bug');
            expectedRemovals.push([e.entry, reason]);
            model.delete(id);
            lru = lru.filter((x) => x !== id);
          };
          const peerEntries = (peerSlot: number): ModelEntry[] =>
            [...model.values()].filter((e) => e.peerSlot === peerSlot).sort((a, b) => b.seq - a.seq);
          const pickExisting = (pick: number): ModelEntry | undefined => {
            const all = [...model.values()];
            return all.length === 0 ? undefined : all[pick % all.length];
          };
          let fresh = 0;
          let retireSeq = 0;
          const activateModel = (e: ModelEntry): void => {
            if (e.active) return;
            e.active = true;
            for (const other of peerEntries(e.peerSlot)) {
              if (other !== e && other.active && other.retireAtUs === Number.POSITIVE_INFINITY) {
                other.retireAtUs = nowUs + graceUs;
                other.retireSeq = retireSeq++;
              }
            }
          };

          for (const op of ops) {
            switch (op.kind) {
              case 'insert': {
                const existing = op.reuseExisting ? pickExisting(op.pick) : undefined;
                const id = existing ? Buffer.from(existing.id, 'hex') : idFrom(op.first, op.rest + 1000 * fresh++);
                const key = hex(id);
                const input = insertInput(new Uint8Array(id), op.peerSlot, nowUs);
                if (model.has(key)) {
                  expect(() => map.insert(input)).toThrow(InvalidArgumentError);
                  break;
                }
                const peerFull = peerEntries(op.peerSlot).length >= maxSecretsPerPeer;
                let victim: string | undefined;
                if (!peerFull && model.size === capacity) {
                  victim = [...lru].reverse().find((k) => (model.get(k) as ModelEntry).createdUs <= nowUs - minAgeUs);
                  if (victim === undefined) {
                    const before = map.size;
                    expect(() => map.insert(input)).toThrow(BackpressureError);
                    expect(map.size).toBe(before);
                    break;
                  }
                }
                if (peerFull) {
                  const oldest = peerEntries(op.peerSlot).at(-1) as ModelEntry;
                  drop(oldest.id, PathSecretRemoval.Superseded);
                } else if (victim !== undefined) {
                  drop(victim, PathSecretRemoval.Evicted);
                }
                const entry = map.insert({ ...input, active: op.active });
                const added: ModelEntry = {
                  id: key,
                  entry,
                  peerSlot: op.peerSlot,
                  createdUs: nowUs,
                  retireAtUs: Number.POSITIVE_INFINITY,
                  seq: seq++,
                  retireSeq: -1,
                  active: false,
                };
                model.set(key, added);
                lru.unshift(key);
                if (op.active) activateModel(added);
                expect(map.isActive(entry)).toBe(op.active);
                break;
              }
              case 'activate': {
                const e = pickExisting(op.pick);
                if (e) {
                  map.activate(e.entry, nowUs);
                  activateModel(e);
                  expect(map.isActive(e.entry)).toBe(true);
                }
                break;
              }
              case 'lookup': {
                const existing = op.unknown ? undefined : pickExisting(op.pick);
                const id = existing ? Buffer.from(existing.id, 'hex') : idFrom(op.first, 999_999 + op.pick);
                const datagram = new Uint8Array(40);
                datagram.set(id, 2);
                const result = map.lookup(datagram, 2, nowUs);
                const e = model.get(hex(id));
                if (!e) {
                  expect(result).toBe(PATH_SECRET_NOT_FOUND);
                } else if (e.retireAtUs <= nowUs) {
                  expect(result).toBe(PATH_SECRET_NOT_FOUND);
                  drop(e.id, PathSecretRemoval.Expired);
                } else {
                  expect(result).toBe(e.entry);
                  expect(map.lastUsedAtUs(result)).toBe(nowUs);
                  lru = [e.id, ...lru.filter((x) => x !== e.id)];
                }
                break;
              }
              case 'remove': {
                const e = pickExisting(op.pick);
                if (e) {
                  map.remove(e.entry);
                  drop(e.id, PathSecretRemoval.Removed);
                }
                break;
              }
              case 'removePeer': {
                const entries = peerEntries(op.peerSlot);
                expect(map.removePeer(op.peerSlot)).toBe(entries.length);
                for (const e of entries) drop(e.id, PathSecretRemoval.Removed);
                break;
              }
              case 'removeRetired': {
                const due = [...model.values()]
                  .filter((e) => e.retireAtUs <= nowUs)
                  .sort((a, b) => a.retireAtUs - b.retireAtUs || a.retireSeq - b.retireSeq);
                expect(map.nextRetireAtUs()).toBe(
                  Math.min(Number.POSITIVE_INFINITY, ...[...model.values()].map((e) => e.retireAtUs)),
                );
                expect(map.removeRetired(nowUs)).toBe(due.length);
                for (const e of due) drop(e.id, PathSecretRemoval.Expired);
                break;
              }
              case 'advance':
                nowUs += op.deltaUs;
                break;
            }
            // Whole-state agreement.
            expect(map.size).toBe(model.size);
            for (const e of model.values()) {
              const id = Buffer.from(e.id, 'hex');
              expect(map.find(id, 0)).toBe(e.entry);
              expect(map.peerSlotOf(e.entry)).toBe(e.peerSlot);
              expect(map.retireAtUs(e.entry)).toBe(e.retireAtUs);
            }
            const out = new Int32Array(8);
            for (let p = 0; p < 4; p++) {
              const entries = peerEntries(p);
              expect(map.peerSecretCount(p)).toBe(entries.length);
              expect(map.currentForPeer(p)).toBe(entries.find((e) => e.active)?.entry ?? PATH_SECRET_NOT_FOUND);
              const n = map.entriesOfPeer(p, out);
              expect([...out.subarray(0, n)]).toEqual(entries.map((e) => e.entry));
            }
            expect(removals).toEqual(expectedRemovals);
          }
        },
      ),
      { numRuns: 80 },
    );
  });

  it('never evicts young entries: a map full of them refuses with a BackpressureError', () => {
    const removed: number[] = [];
    const map = new PathSecretMap({ ...baseOptions, capacity: 3, minAgeUs: 1000, onRemove: (e) => removed.push(e) });
    const a = map.insert(insertInput(idFrom(1, 1), 0, 0));
    map.insert(insertInput(idFrom(2, 2), 1, 500));
    map.insert(insertInput(idFrom(3, 3), 2, 900));
    let error: unknown;
    try {
      map.insert(insertInput(idFrom(4, 4), 3, 999));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(BackpressureError);
    expect((error as BackpressureError).limit).toBe('pathSecrets.capacity');
    expect((error as BackpressureError).limitValue).toBe(3);
    expect(map.refusedTotal).toBe(1);
    expect(removed).toEqual([]);
    // At t = 1000 the first entry is old enough; it is the least recently used one, so it goes.
    map.insert(insertInput(idFrom(4, 4), 3, 1000));
    expect(removed).toEqual([a]);
    expect(map.find(idFrom(1, 1), 0)).toBe(PATH_SECRET_NOT_FOUND);
    expect(map.evictedTotal).toBe(1);
    // Recently used entries survive: touch the oldest one, the next least recently used goes instead.
    const b = map.find(idFrom(2, 2), 0);
    const c = map.find(idFrom(3, 3), 0);
    map.touch(b, 2000);
    map.insert(insertInput(idFrom(5, 5), 0, 2000));
    expect(removed).toEqual([a, c]);
  });

  it('keeps a superseded secret for its grace period after a re-handshake', () => {
    const map = new PathSecretMap({ ...baseOptions, capacity: 8, maxSecretsPerPeer: 2, graceUs: 100 });
    const oldId = idFrom(7, 1);
    const newId = idFrom(7, 2);
    const newerId = idFrom(7, 3);
    const oldEntry = map.insert(insertInput(oldId, 1, 0));
    expect(map.currentForPeer(1)).toBe(oldEntry);
    expect(map.nextRetireAtUs()).toBe(Number.POSITIVE_INFINITY);
    const newEntry = map.insert(insertInput(newId, 1, 10));
    expect(map.currentForPeer(1)).toBe(newEntry);
    expect(map.retireAtUs(oldEntry)).toBe(110);
    expect(map.nextRetireAtUs()).toBe(110);
    expect(map.lookup(oldId, 0, 109)).toBe(oldEntry); // in-flight datagrams still open
    expect(map.removeRetired(109)).toBe(0);
    expect(map.lookup(oldId, 0, 110)).toBe(PATH_SECRET_NOT_FOUND); // grace over
    expect(map.lookup(newId, 0, 110)).toBe(newEntry);
    expect(map.expiredTotal).toBe(1);
    // A third secret with max 2: the oldest goes at once, the previous gets its grace period.
    const second = map.insert(insertInput(idFrom(7, 4), 1, 200));
    expect(map.retireAtUs(newEntry)).toBe(300);
    map.insert(insertInput(newerId, 1, 210));
    expect(map.find(newId, 0)).toBe(PATH_SECRET_NOT_FOUND);
    expect(map.supersededTotal).toBe(1);
    expect(map.retireAtUs(second)).toBe(310);
    expect(map.removeRetired(310)).toBe(1);
    expect(map.peerSecretCount(1)).toBe(1);
    expect(map.generation(oldEntry)).toBeGreaterThan(0);
  });

  it('opens datagrams with a pending secret but sends with the current one until activation', () => {
    const map = new PathSecretMap({ ...baseOptions, capacity: 8, maxSecretsPerPeer: 3, graceUs: 100 });
    const current = map.insert(insertInput(idFrom(9, 1), 2, 0));
    const pending = map.insert({ ...insertInput(idFrom(9, 2), 2, 10), active: false });
    expect(map.currentForPeer(2)).toBe(current);
    expect(map.lookup(idFrom(9, 2), 0, 20)).toBe(pending); // the peer may already send with it
    expect(map.retireAtUs(current)).toBe(Number.POSITIVE_INFINITY);
    map.activate(pending, 30);
    expect(map.currentForPeer(2)).toBe(pending);
    expect(map.retireAtUs(current)).toBe(130);
    map.activate(pending, 40); // no effect
    expect(map.retireAtUs(current)).toBe(130);
    expect(map.removeRetired(130)).toBe(1);
    expect(map.peerSecretCount(2)).toBe(1);
  });

  it('gives each (secret, worker) its own replay window, sticky NO_WINDOW at the bounds, released on removal', () => {
    const map = new PathSecretMap({
      ...baseOptions,
      capacity: 4,
      replayWindowCapacity: 3,
      replayWindowsPerSecretMax: 2,
    });
    const a = map.insert(insertInput(idFrom(1, 1), 0, 0));
    const b = map.insert(insertInput(idFrom(2, 2), 1, 0));
    const a0 = map.replayWindowSlot(a, 0);
    const a9 = map.replayWindowSlot(a, 9);
    expect(a0).not.toBe(a9);
    expect(map.replayWindowSlot(a, 0)).toBe(a0);
    expect(map.replayWindowSlot(a, 5)).toBe(REPLAY_NO_WINDOW); // per-secret bound
    const b0 = map.replayWindowSlot(b, 0);
    expect(b0).toBeGreaterThanOrEqual(0);
    expect(map.replayWindowSlot(b, 1)).toBe(REPLAY_NO_WINDOW); // table exhausted
    expect(map.replayWindows.inUse).toBe(3);
    const windows = map.replayWindows;
    windows.commit(a0, 10);
    expect(windows.check(a0, 10)).toBe(ReplayResult.Duplicate);
    expect(windows.check(a9, 10)).toBe(ReplayResult.AcceptNew);
    map.remove(a);
    expect(windows.inUse).toBe(1);
    // Worker 1 of b stays windowless (challenged) for the secret's whole life, even now that windows are free.
    expect(map.replayWindowSlot(b, 1)).toBe(REPLAY_NO_WINDOW);
    expect(map.replayWindowSlot(b, 0)).toBe(b0);
  });

  it('authenticates UNKNOWN_PATH_SECRET tags in constant time', () => {
    const hostKey = new Uint8Array(32).fill(9);
    const id = idFrom(0xdeadbeef, 42);
    const tag = statelessResetTag(nobleCrypto, hostKey, id);
    const expected = createHmac('sha256', hostKey)
      .update(Buffer.concat([Buffer.from('dcq reset'), id]))
      .digest()
      .subarray(0, 16);
    expect(hex(tag)).toBe(hex(expected));
    const datagram = new Uint8Array(34);
    datagram.set(id, 2);
    expect(hex(statelessResetTag(nobleCrypto, hostKey, datagram, 2))).toBe(hex(tag));
    expect(() => statelessResetTag(nobleCrypto, hostKey, datagram, 20)).toThrow(InvalidArgumentError);

    const map = new PathSecretMap({ ...baseOptions, capacity: 2 });
    const entry = map.insert({ ...insertInput(id, 0, 0), peerResetTag: tag });
    datagram.set(tag, 18);
    expect(map.verifyPeerResetTag(entry, datagram, 18)).toBe(true);
    for (let i = 0; i < 16; i++) {
      const forged = datagram.slice();
      forged[18 + i] = (forged[18 + i] as number) ^ 0x80;
      expect(map.verifyPeerResetTag(entry, forged, 18)).toBe(false);
    }
    expect(map.verifyPeerResetTag(entry, datagram, 19)).toBe(false); // runs past the end
  });

  it('constantTimeEqual agrees with a naive comparison', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.nat(45),
        fc.nat(45),
        fc.integer({ min: -1, max: 40 }),
        (a, b, aOffset, bOffset, length) => {
          const inRange = length >= 0 && aOffset + length <= a.length && bOffset + length <= b.length;
          let naive = inRange;
          for (let i = 0; inRange && i < length; i++) if (a[aOffset + i] !== b[bOffset + i]) naive = false;
          expect(constantTimeEqual(a, aOffset, b, bOffset, length)).toBe(naive);
        },
      ),
      { numRuns: 500 },
    );
    const x = Uint8Array.from([1, 2, 3, 4]);
    expect(constantTimeEqual(x, 0, Uint8Array.from([9, 1, 2, 3, 4]), 1, 4)).toBe(true);
    expect(constantTimeEqual(x, 0, Uint8Array.from([9, 1, 2, 3, 5]), 1, 4)).toBe(false);
  });
});

describe('PSK mode', () => {
  const psk = new Uint8Array(32).map((_, i) => i * 7);

  it('is symmetric: same secret and id, opposite direction bits, matching reset tags', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 24 }),
        fc.uint8Array({ minLength: 1, maxLength: 24 }),
        fc.nat({ max: 0xffffffff }),
        (alice, bob, epoch) => {
          fc.pre(hex(alice) !== hex(bob));
          const a = derivePskPathSecret(nobleCrypto, {
            psk,
            localIdentity: alice,
            peerIdentity: bob,
            epoch,
            version: 1,
          });
          const b = derivePskPathSecret(nobleCrypto, {
            psk,
            localIdentity: bob,
            peerIdentity: alice,
            epoch,
            version: 1,
          });
          expect(hex(a.secret)).toBe(hex(b.secret));
          expect(hex(a.id)).toBe(hex(b.id));
          expect(a.localDirection + b.localDirection).toBe(1);
          // The tag Alice expects is the one Bob computes with his own reset key, and vice versa.
          const bobTag = statelessResetTag(nobleCrypto, derivePskResetKey(nobleCrypto, psk, bob), b.id);
          const aliceTag = statelessResetTag(nobleCrypto, derivePskResetKey(nobleCrypto, psk, alice), a.id);
          expect(hex(a.peerResetTag)).toBe(hex(bobTag));
          expect(hex(b.peerResetTag)).toBe(hex(aliceTag));
          expect(hex(a.peerResetTag)).not.toBe(hex(b.peerResetTag));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('follows the documented formula (checked with node:crypto), and epochs/versions separate secrets', () => {
    const alice = ascii('node-b');
    const bob = ascii('node-a'); // sorts lower: bob is direction 0
    const a = derivePskPathSecret(nobleCrypto, { psk, localIdentity: alice, peerIdentity: bob, epoch: 7, version: 1 });
    expect(a.localDirection).toBe(1);
    const info = Buffer.concat([
      Buffer.from('dcq psk path'),
      Buffer.from([1, bob.length]),
      bob,
      Buffer.from([alice.length]),
      alice,
      Buffer.from([0, 0, 0, 7]),
    ]);
    const okm = Buffer.from(hkdfSync('sha256', psk, Buffer.from('dcq v1 psk'), info, 48));
    expect(hex(a.secret)).toBe(hex(okm.subarray(0, 32)));
    expect(hex(a.id)).toBe(hex(okm.subarray(32, 48)));
    const bobResetKey = Buffer.from(
      hkdfSync(
        'sha256',
        psk,
        Buffer.from('dcq v1 psk'),
        Buffer.concat([Buffer.from('dcq psk reset'), Buffer.from([bob.length]), bob]),
        32,
      ),
    );
    expect(hex(derivePskResetKey(nobleCrypto, psk, bob))).toBe(hex(bobResetKey));
    const expectedTag = createHmac('sha256', bobResetKey)
      .update(Buffer.concat([Buffer.from('dcq reset'), okm.subarray(32, 48)]))
      .digest()
      .subarray(0, 16);
    expect(hex(a.peerResetTag)).toBe(hex(expectedTag));

    const nextEpoch = derivePskPathSecret(nobleCrypto, {
      psk,
      localIdentity: alice,
      peerIdentity: bob,
      epoch: 8,
      version: 1,
    });
    expect(hex(nextEpoch.secret)).not.toBe(hex(a.secret));
    expect(hex(nextEpoch.id)).not.toBe(hex(a.id));
    const otherVersion = derivePskPathSecret(nobleCrypto, {
      psk,
      localIdentity: alice,
      peerIdentity: bob,
      epoch: 7,
      version: 2,
    });
    expect(hex(otherVersion.id)).not.toBe(hex(a.id));
    // Identity framing: ("ab","c") and ("a","bc") must not collide.
    const x = derivePskPathSecret(nobleCrypto, {
      psk,
      localIdentity: ascii('ab'),
      peerIdentity: ascii('c'),
      epoch: 0,
      version: 1,
    });
    const y = derivePskPathSecret(nobleCrypto, {
      psk,
      localIdentity: ascii('a'),
      peerIdentity: ascii('bc'),
      epoch: 0,
      version: 1,
    });
    expect(hex(x.id)).not.toBe(hex(y.id));
  });

  it('rejects bad PSK inputs', () => {
    const base = { psk, localIdentity: ascii('a'), peerIdentity: ascii('b'), epoch: 0, version: 1 };
    expect(() => derivePskPathSecret(nobleCrypto, { ...base, peerIdentity: ascii('a') })).toThrow(InvalidArgumentError);
    expect(() => derivePskPathSecret(nobleCrypto, { ...base, psk: new Uint8Array(8) })).toThrow(InvalidArgumentError);
    expect(() => derivePskPathSecret(nobleCrypto, { ...base, epoch: 2 ** 32 })).toThrow(InvalidArgumentError);
    expect(() => derivePskPathSecret(nobleCrypto, { ...base, localIdentity: new Uint8Array(0) })).toThrow(
      InvalidArgumentError,
    );
    expect(() => derivePskPathSecret(nobleCrypto, { ...base, localIdentity: new Uint8Array(256) })).toThrow(
      InvalidArgumentError,
    );
  });

  it('installs into the map on both sides and interoperates end to end', () => {
    const alice = ascii('alice');
    const bob = ascii('bob');
    const aSide = derivePskPathSecret(nobleCrypto, {
      psk,
      localIdentity: alice,
      peerIdentity: bob,
      epoch: 1,
      version: 1,
    });
    const aliceMap = new PathSecretMap({ ...baseOptions, capacity: 2 });
    const entry = aliceMap.insert({ ...aSide, peerSlot: 3, version: 1, nowUs: 0 });
    // Bob lost his state: he answers Alice's datagram with UNKNOWN_PATH_SECRET carrying his tag.
    const bobTag = statelessResetTag(nobleCrypto, derivePskResetKey(nobleCrypto, psk, bob), aSide.id);
    const unknown = new Uint8Array(34);
    unknown.set(aSide.id, 2);
    unknown.set(bobTag, 18);
    const found = aliceMap.find(unknown, 2);
    expect(found).toBe(entry);
    expect(aliceMap.verifyPeerResetTag(found, unknown, 18)).toBe(true);
    // Someone without Bob's key (here: a different identity's key) cannot forge it.
    const forged = statelessResetTag(nobleCrypto, derivePskResetKey(nobleCrypto, psk, ascii('mallory')), aSide.id);
    unknown.set(forged, 18);
    expect(aliceMap.verifyPeerResetTag(found, unknown, 18)).toBe(false);
  });
});
