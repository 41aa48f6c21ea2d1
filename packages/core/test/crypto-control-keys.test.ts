/**
 * Control-key senders and receivers: rotation exactly at and one past the packet and byte
 * thresholds, lazy derivation, key-id exhaustion, configuration bounds (M ≤ 2^23), the receiver's
 * key window (ahead/behind at the bound), retirement, the LRU cache bound, the worker bound, the
 * integrity limit, and a model-based test: random interleavings of sends from several workers,
 * reordering, loss, duplication, tampering, forgeries and retirements, checked against a naive
 * reference of the window rules (which ignores the cache: the cache must never change outcomes).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { patternBytes, toHex } from '../src/crypto/vectors.js';
import {
  CONTROL_KEY_BYTES_LIMIT,
  CONTROL_KEY_PACKETS_LIMIT,
  ControlKeyReceiver,
  type ControlKeyReceiverOptions,
  ControlKeySender,
  type ControlKeySenderOptions,
  ControlOpenResult,
  type CryptoProvider,
  controlOpenResultName,
  createSeededRandom,
  DIRECTION_CLIENT,
  DIRECTION_SERVER,
  InvalidArgumentError,
  KEY_ID_MAX,
  KEY_KIND_CONTROL,
  KEY_KIND_SECRET_CONTROL,
  KEY_MATERIAL_BYTES,
  type KeyKind,
  NobleCryptoProvider,
  PathKeySchedule,
  RESERVE_EXHAUSTED,
  writeControlNonce,
} from '../src/index.js';

const LONG = process.env.DCQ_LONG_TESTS !== undefined;
const HEADER_BYTES = 28;

/** A provider that counts HKDF-Expand calls (= key derivations). */
class CountingProvider extends NobleCryptoProvider {
  expands = 0;
  override hkdfExpand(prk: Uint8Array, info: Uint8Array, out: Uint8Array, outOffset: number, length: number): void {
    this.expands += 1;
    super.hkdfExpand(prk, info, out, outOffset, length);
  }
}

function newSchedule(provider: CryptoProvider = new NobleCryptoProvider({ random: createSeededRandom(1) })) {
  return new PathKeySchedule(provider, patternBytes(32, 7, 11));
}

/** A datagram as the codec would build it: 28-byte header (the AAD) | payload | tag. */
interface Datagram {
  readonly workerId: number;
  readonly keyId: number;
  readonly packetNumber: number;
  readonly bytes: Uint8Array;
  readonly payloadBytes: number;
}

function writeHeader(bytes: Uint8Array, kind: KeyKind, workerId: number, keyId: number, packetNumber: number) {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  view.setUint8(0, kind === KEY_KIND_CONTROL ? 0x10 : 0x20);
  view.setUint8(1, 1);
  bytes.fill(0x5a, 2, 18);
  view.setUint16(18, workerId);
  view.setUint32(20, keyId);
  view.setUint32(24, packetNumber);
}

function payloadOf(length: number, seed: number): Uint8Array {
  return patternBytes(length, 13, seed);
}

/** Seals through a sender, exactly like the codec: reserve, write header, seal. */
function sendVia(sender: ControlKeySender, payloadBytes: number, seed = 0): Datagram | null {
  const packetNumber = sender.reserve(payloadBytes);
  if (packetNumber === RESERVE_EXHAUSTED) return null;
  const bytes = new Uint8Array(HEADER_BYTES + payloadBytes + 16);
  writeHeader(bytes, sender.kind, sender.workerId, sender.keyId, packetNumber);
  bytes.set(payloadOf(payloadBytes, seed), HEADER_BYTES);
  sender.seal(bytes, HEADER_BYTES, payloadBytes, bytes, 0, HEADER_BYTES);
  return { workerId: sender.workerId, keyId: sender.keyId, packetNumber, bytes, payloadBytes };
}

/** Seals a datagram for an arbitrary (worker, key id, packet number), bypassing the sender. */
function sealDirect(
  schedule: PathKeySchedule,
  options: { workerId: number; keyId: number; packetNumber?: number; direction?: 0 | 1; kind?: KeyKind },
): Datagram {
  const { workerId, keyId } = options;
  const packetNumber = options.packetNumber ?? 0;
  const kind = options.kind ?? KEY_KIND_CONTROL;
  const material = new Uint8Array(KEY_MATERIAL_BYTES);
  schedule.deriveKeyMaterial(material, 0, { kind, workerId, direction: options.direction ?? DIRECTION_CLIENT, keyId });
  const key = schedule.provider.prepareAeadKey(material.subarray(0, 32));
  const nonce = new Uint8Array(12);
  writeControlNonce(material, 32, packetNumber, nonce);
  const payloadBytes = 40;
  const bytes = new Uint8Array(HEADER_BYTES + payloadBytes + 16);
  writeHeader(bytes, kind, workerId, keyId, packetNumber);
  bytes.set(payloadOf(payloadBytes, keyId), HEADER_BYTES);
  schedule.provider.seal(key, nonce, bytes, HEADER_BYTES, payloadBytes, bytes, 0, HEADER_BYTES);
  return { workerId, keyId, packetNumber, bytes, payloadBytes };
}

function receive(receiver: ControlKeyReceiver, datagram: Datagram): ControlOpenResult {
  const copy = datagram.bytes.slice();
  const result = receiver.open(
    datagram.workerId,
    datagram.keyId,
    datagram.packetNumber,
    copy,
    HEADER_BYTES,
    datagram.payloadBytes,
    copy,
    0,
    HEADER_BYTES,
  );
  if (result === ControlOpenResult.Ok) {
    expect(toHex(copy.subarray(HEADER_BYTES, HEADER_BYTES + datagram.payloadBytes))).toBe(
      toHex(payloadOf(datagram.payloadBytes, seedOf(datagram))),
    );
  } else {
    expect(toHex(copy)).toBe(toHex(datagram.bytes));
  }
  return result;
}

const seeds = new WeakMap<Datagram, number>();
function seedOf(datagram: Datagram): number {
  return seeds.get(datagram) ?? datagram.keyId;
}

function senderOptions(
  schedule: PathKeySchedule,
  extra: Partial<ControlKeySenderOptions> = {},
): ControlKeySenderOptions {
  return { schedule, workerId: 0, direction: DIRECTION_CLIENT, ...extra };
}

function receiverOptions(
  schedule: PathKeySchedule,
  extra: Partial<ControlKeyReceiverOptions> = {},
): ControlKeyReceiverOptions {
  return { schedule, direction: DIRECTION_CLIENT, ...extra };
}

describe('ControlKeySender rotation', () => {
  it('rotates exactly after M packets (M-th on the old key, M+1-th on the next)', () => {
    const sender = new ControlKeySender(senderOptions(newSchedule(), { rotateAfterPackets: 3 }));
    const seen: [number, number][] = [];
    for (let i = 0; i < 7; i++) {
      const pn = sender.reserve(10);
      seen.push([sender.keyId, pn]);
      sender.seal(new Uint8Array(26), 0, 10, new Uint8Array(0), 0, 0);
    }
    expect(seen).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
      [1, 1],
      [1, 2],
      [2, 0],
    ]);
    expect(sender.rotations).toBe(2);
  });

  it('rotates before a key would exceed N bytes (exactly N stays, N + 1 rotates)', () => {
    const sender = new ControlKeySender(senderOptions(newSchedule(), { rotateAfterBytes: 3000 }));
    expect(sender.reserve(1500)).toBe(0);
    expect(sender.reserve(1500)).toBe(1);
    expect(sender.keyId).toBe(0);
    expect(sender.bytesOnCurrentKey).toBe(3000);
    expect(sender.reserve(1)).toBe(0);
    expect(sender.keyId).toBe(1);
    expect(sender.bytesOnCurrentKey).toBe(1);
    expect(sender.reserve(2999)).toBe(1);
    expect(sender.keyId).toBe(1);
    expect(sender.reserve(0)).toBe(2); // zero bytes never trips the byte threshold
    expect(sender.reserve(3000)).toBe(0);
    expect(sender.keyId).toBe(2);
    expect(() => sender.reserve(3001)).toThrow(InvalidArgumentError);
    expect(() => sender.reserve(-1)).toThrow(InvalidArgumentError);
    expect(() => sender.reserve(1.5)).toThrow(InvalidArgumentError);
  });

  it('whichever threshold comes first wins', () => {
    const sender = new ControlKeySender(senderOptions(newSchedule(), { rotateAfterPackets: 4, rotateAfterBytes: 100 }));
    for (let i = 0; i < 4; i++) sender.reserve(10);
    expect(sender.keyId).toBe(0);
    sender.reserve(10);
    expect(sender.keyId).toBe(1); // packets first
    sender.reserve(95);
    expect(sender.keyId).toBe(2); // 10 + 95 > 100: bytes first
  });

  it('derives keys lazily: none at construction, one per key id used', () => {
    const counting = new CountingProvider({ random: createSeededRandom(1) });
    const schedule = newSchedule(counting);
    const sender = new ControlKeySender(senderOptions(schedule, { rotateAfterPackets: 2 }));
    expect(counting.expands).toBe(0);
    sender.reserve(1);
    expect(counting.expands).toBe(1);
    sender.reserve(1);
    expect(counting.expands).toBe(1);
    sender.reserve(1);
    expect(counting.expands).toBe(2);
  });

  it('validates M ≤ 2^23 (RFC 9001 §6.6) and N ≤ 2^39 at the bound', () => {
    const schedule = newSchedule();
    expect(
      () => new ControlKeySender(senderOptions(schedule, { rotateAfterPackets: CONTROL_KEY_PACKETS_LIMIT })),
    ).not.toThrow();
    expect(() => new ControlKeySender(senderOptions(schedule, { rotateAfterPackets: 2 ** 23 + 1 }))).toThrow(
      InvalidArgumentError,
    );
    expect(() => new ControlKeySender(senderOptions(schedule, { rotateAfterPackets: 0 }))).toThrow(
      InvalidArgumentError,
    );
    expect(
      () => new ControlKeySender(senderOptions(schedule, { rotateAfterBytes: CONTROL_KEY_BYTES_LIMIT })),
    ).not.toThrow();
    expect(() => new ControlKeySender(senderOptions(schedule, { rotateAfterBytes: 2 ** 39 + 1 }))).toThrow(
      InvalidArgumentError,
    );
    expect(() => new ControlKeySender(senderOptions(schedule, { workerId: 65536 }))).toThrow(InvalidArgumentError);
    expect(() => new ControlKeySender(senderOptions(schedule, { firstKeyId: KEY_ID_MAX + 1 }))).toThrow(
      InvalidArgumentError,
    );
  });

  it('reports exhaustion after the last key id instead of wrapping', () => {
    const sender = new ControlKeySender(
      senderOptions(newSchedule(), { rotateAfterPackets: 2, firstKeyId: KEY_ID_MAX }),
    );
    expect(sender.reserve(1)).toBe(0);
    expect(sender.reserve(1)).toBe(1);
    expect(sender.keyId).toBe(KEY_ID_MAX);
    expect(sender.exhausted).toBe(false);
    expect(sender.reserve(1)).toBe(RESERVE_EXHAUSTED);
    expect(sender.exhausted).toBe(true);
    expect(sender.reserve(1)).toBe(RESERVE_EXHAUSTED);
    expect(() => sender.seal(new Uint8Array(17), 0, 1, new Uint8Array(0), 0, 0)).toThrow(InvalidArgumentError);
  });

  it('seal requires exactly one matching reservation', () => {
    const sender = new ControlKeySender(senderOptions(newSchedule()));
    const buffer = new Uint8Array(64);
    expect(() => sender.seal(buffer, 0, 8, buffer, 40, 4)).toThrow(InvalidArgumentError);
    sender.reserve(8);
    expect(() => sender.seal(buffer, 0, 9, buffer, 40, 4)).toThrow(InvalidArgumentError);
    sender.seal(buffer, 0, 8, buffer, 40, 4);
    expect(() => sender.seal(buffer, 0, 8, buffer, 40, 4)).toThrow(InvalidArgumentError);
  });

  it('round-trips through a receiver across many rotations, with secret-control keys kept apart', () => {
    for (const kind of [KEY_KIND_CONTROL, KEY_KIND_SECRET_CONTROL] as const) {
      const schedule = newSchedule();
      const sender = new ControlKeySender(senderOptions(schedule, { kind, workerId: 3, rotateAfterPackets: 5 }));
      const receiver = new ControlKeyReceiver(receiverOptions(schedule, { kind, cacheCapacity: 2 }));
      const other = new ControlKeyReceiver(
        receiverOptions(schedule, {
          kind: kind === KEY_KIND_CONTROL ? KEY_KIND_SECRET_CONTROL : KEY_KIND_CONTROL,
          keyWindowAhead: 100,
        }),
      );
      for (let i = 0; i < 40; i++) {
        const datagram = sendVia(sender, 1 + (i % 7)) as Datagram;
        seeds.set(datagram, 0);
        expect(receive(receiver, datagram)).toBe(ControlOpenResult.Ok);
        expect(receive(other, datagram)).toBe(ControlOpenResult.AuthenticationFailed);
        expect(receiver.newestKeyId(3)).toBe(sender.keyId);
      }
      expect(sender.keyId).toBe(7);
      expect(receiver.cachedKeys).toBeLessThanOrEqual(2);
    }
  });

  it("a receiver expecting the other direction's keys refuses the datagrams", () => {
    const schedule = newSchedule();
    const sender = new ControlKeySender(senderOptions(schedule, { direction: DIRECTION_SERVER }));
    const datagram = sendVia(sender, 5) as Datagram;
    seeds.set(datagram, 0);
    expect(receive(new ControlKeyReceiver(receiverOptions(schedule)), datagram)).toBe(
      ControlOpenResult.AuthenticationFailed,
    );
    expect(receive(new ControlKeyReceiver(receiverOptions(schedule, { direction: DIRECTION_SERVER })), datagram)).toBe(
      ControlOpenResult.Ok,
    );
  });
});

describe('ControlKeyReceiver window, retirement and bounds', () => {
  it('accepts key ids up to newest + ahead and down to newest − behind, exactly at the bound', () => {
    const schedule = newSchedule();
    const receiver = new ControlKeyReceiver(receiverOptions(schedule, { keyWindowAhead: 4, keyWindowBehind: 2 }));
    // Fresh worker: newest = −1, so 0 … 3 are acceptable and 4 is one past.
    expect(receive(receiver, sealDirect(schedule, { workerId: 0, keyId: 4 }))).toBe(ControlOpenResult.KeyTooNew);
    expect(receive(receiver, sealDirect(schedule, { workerId: 0, keyId: 3 }))).toBe(ControlOpenResult.Ok);
    expect(receiver.newestKeyId(0)).toBe(3);
    expect(receive(receiver, sealDirect(schedule, { workerId: 0, keyId: 7 }))).toBe(ControlOpenResult.Ok);
    expect(receive(receiver, sealDirect(schedule, { workerId: 0, keyId: 12 }))).toBe(ControlOpenResult.KeyTooNew);
    expect(receive(receiver, sealDirect(schedule, { workerId: 0, keyId: 11 }))).toBe(ControlOpenResult.Ok);
    // newest = 11: 9 is exactly at the lower bound, 8 one past.
    expect(receive(receiver, sealDirect(schedule, { workerId: 0, keyId: 9 }))).toBe(ControlOpenResult.Ok);
    expect(receive(receiver, sealDirect(schedule, { workerId: 0, keyId: 8 }))).toBe(ControlOpenResult.KeyTooOld);
    expect(receiver.newestKeyId(0)).toBe(11);
    // Other workers have their own windows.
    expect(receive(receiver, sealDirect(schedule, { workerId: 1, keyId: 0 }))).toBe(ControlOpenResult.Ok);
    expect(receive(receiver, sealDirect(schedule, { workerId: 1, keyId: 11 }))).toBe(ControlOpenResult.KeyTooNew);
    expect(controlOpenResultName(ControlOpenResult.KeyTooOld)).toBe('key-too-old');
  });

  it('drops cached keys that fall out of the window', () => {
    const schedule = newSchedule();
    const receiver = new ControlKeyReceiver(receiverOptions(schedule, { keyWindowAhead: 4, keyWindowBehind: 1 }));
    receive(receiver, sealDirect(schedule, { workerId: 0, keyId: 0 }));
    receive(receiver, sealDirect(schedule, { workerId: 0, keyId: 1 }));
    expect(receiver.isCached(0, 0)).toBe(true);
    receive(receiver, sealDirect(schedule, { workerId: 0, keyId: 2 }));
    expect(receiver.isCached(0, 0)).toBe(false);
    expect(receiver.isCached(0, 1)).toBe(true);
    expect(receiver.cachedKeys).toBe(2);
  });

  it('retired key ids fail cleanly with KeyRetired; bounds only rise and move the window', () => {
    const schedule = newSchedule();
    const receiver = new ControlKeyReceiver(receiverOptions(schedule, { keyWindowAhead: 4, keyWindowBehind: 2 }));
    for (let k = 0; k <= 3; k++) expect(receive(receiver, sealDirect(schedule, { workerId: 5, keyId: k }))).toBe(0);
    expect(receiver.retire(5, 3)).toBe(ControlOpenResult.Ok);
    expect(receiver.isCached(5, 2)).toBe(false);
    expect(receiver.isCached(5, 3)).toBe(true);
    expect(receive(receiver, sealDirect(schedule, { workerId: 5, keyId: 2 }))).toBe(ControlOpenResult.KeyRetired);
    expect(receive(receiver, sealDirect(schedule, { workerId: 5, keyId: 3 }))).toBe(ControlOpenResult.Ok);
    expect(receiver.retire(5, 1)).toBe(ControlOpenResult.Ok);
    expect(receiver.retiredBelow(5)).toBe(3);
    // Retiring far ahead moves the window base to bound − 1.
    expect(receiver.retire(5, 100)).toBe(ControlOpenResult.Ok);
    expect(receiver.cachedKeys).toBe(0);
    expect(receive(receiver, sealDirect(schedule, { workerId: 5, keyId: 99 }))).toBe(ControlOpenResult.KeyRetired);
    expect(receive(receiver, sealDirect(schedule, { workerId: 5, keyId: 104 }))).toBe(ControlOpenResult.KeyTooNew);
    expect(receive(receiver, sealDirect(schedule, { workerId: 5, keyId: 103 }))).toBe(ControlOpenResult.Ok);
    // Retirement of a worker never seen registers it.
    expect(receiver.retire(6, 10)).toBe(ControlOpenResult.Ok);
    expect(receive(receiver, sealDirect(schedule, { workerId: 6, keyId: 0 }))).toBe(ControlOpenResult.KeyRetired);
    expect(() => receiver.retire(65536, 1)).toThrow(InvalidArgumentError);
  });

  it('keeps at most cacheCapacity keys, evicting the least recently used, and re-derives on demand', () => {
    const counting = new CountingProvider({ random: createSeededRandom(1) });
    const schedule = newSchedule(counting);
    const receiver = new ControlKeyReceiver(receiverOptions(schedule, { cacheCapacity: 3 }));
    const datagrams = [0, 1, 2, 3].map((workerId) => sealDirect(schedule, { workerId, keyId: 0 }));
    const base = counting.expands;
    for (const datagram of datagrams.slice(0, 3)) expect(receive(receiver, datagram)).toBe(ControlOpenResult.Ok);
    expect(receiver.cachedKeys).toBe(3);
    expect(counting.expands - base).toBe(3);
    receive(receiver, datagrams[0] as Datagram); // touch worker 0: worker 1 is now least recently used
    expect(counting.expands - base).toBe(3);
    expect(receive(receiver, datagrams[3] as Datagram)).toBe(ControlOpenResult.Ok);
    expect(receiver.cachedKeys).toBe(3);
    expect(receiver.isCached(1, 0)).toBe(false);
    expect(receiver.isCached(0, 0) && receiver.isCached(2, 0) && receiver.isCached(3, 0)).toBe(true);
    expect(receive(receiver, datagrams[1] as Datagram)).toBe(ControlOpenResult.Ok);
    expect(counting.expands - base).toBe(5);
    expect(receiver.cachedKeys).toBe(3);
  });

  it('forged datagrams never evict good keys, register workers or move windows', () => {
    const schedule = newSchedule();
    const receiver = new ControlKeyReceiver(receiverOptions(schedule, { cacheCapacity: 2, workerCapacity: 4 }));
    receive(receiver, sealDirect(schedule, { workerId: 0, keyId: 0 }));
    receive(receiver, sealDirect(schedule, { workerId: 1, keyId: 0 }));
    const attacker = newScheduleFrom(patternBytes(32, 1, 200));
    for (let workerId = 0; workerId < 10; workerId++) {
      for (let keyId = 0; keyId < 4; keyId++) {
        const result = receive(receiver, sealDirect(attacker, { workerId, keyId }));
        expect(result).toBe(ControlOpenResult.AuthenticationFailed);
      }
    }
    expect(receiver.isCached(0, 0) && receiver.isCached(1, 0)).toBe(true);
    expect(receiver.trackedWorkers).toBe(2);
    expect(receiver.newestKeyId(0)).toBe(0);
    expect(receiver.newestKeyId(7)).toBe(-1);
    expect(receiver.failedOpens).toBe(40);
    expect(receiver.failedOpensOf(0, 0)).toBe(1);
    expect(receiver.failedOpensOf(1, 3)).toBe(-1);
  });

  it('tracks at most workerCapacity sender workers', () => {
    const schedule = newSchedule();
    const receiver = new ControlKeyReceiver(receiverOptions(schedule, { workerCapacity: 2 }));
    expect(receive(receiver, sealDirect(schedule, { workerId: 10, keyId: 0 }))).toBe(ControlOpenResult.Ok);
    expect(receive(receiver, sealDirect(schedule, { workerId: 11, keyId: 0 }))).toBe(ControlOpenResult.Ok);
    expect(receive(receiver, sealDirect(schedule, { workerId: 12, keyId: 0 }))).toBe(
      ControlOpenResult.WorkerLimitReached,
    );
    expect(receiver.retire(12, 1)).toBe(ControlOpenResult.WorkerLimitReached);
    expect(receiver.retire(11, 1)).toBe(ControlOpenResult.Ok);
    expect(receive(receiver, sealDirect(schedule, { workerId: 10, keyId: 1 }))).toBe(ControlOpenResult.Ok);
    expect(receiver.trackedWorkers).toBe(2);
  });

  it('stops using the path once failed opens reach the integrity limit', () => {
    const schedule = newSchedule();
    const receiver = new ControlKeyReceiver(receiverOptions(schedule, { integrityLimit: 3 }));
    const good = sealDirect(schedule, { workerId: 0, keyId: 0 });
    expect(receive(receiver, good)).toBe(ControlOpenResult.Ok);
    const bad = { ...good, bytes: good.bytes.slice() };
    bad.bytes[HEADER_BYTES] = (bad.bytes[HEADER_BYTES] as number) ^ 0x80;
    expect(receive(receiver, bad)).toBe(ControlOpenResult.AuthenticationFailed);
    expect(receive(receiver, bad)).toBe(ControlOpenResult.AuthenticationFailed);
    expect(receiver.failedOpensOf(0, 0)).toBe(2);
    expect(receiver.integrityLimitReached).toBe(false);
    expect(receive(receiver, good)).toBe(ControlOpenResult.Ok);
    expect(receive(receiver, bad)).toBe(ControlOpenResult.AuthenticationFailed);
    expect(receiver.integrityLimitReached).toBe(true);
    expect(receive(receiver, good)).toBe(ControlOpenResult.IntegrityLimitReached);
    expect(receiver.failedOpens).toBe(3);
  });

  it('validates its options at the bounds', () => {
    const schedule = newSchedule();
    const make = (extra: Partial<ControlKeyReceiverOptions>) => () =>
      new ControlKeyReceiver(receiverOptions(schedule, extra));
    expect(make({ keyWindowAhead: 0 })).toThrow(InvalidArgumentError);
    expect(make({ keyWindowAhead: 65536 })).not.toThrow();
    expect(make({ keyWindowAhead: 65537 })).toThrow(InvalidArgumentError);
    expect(make({ keyWindowBehind: 0 })).not.toThrow();
    expect(make({ keyWindowBehind: -1 })).toThrow(InvalidArgumentError);
    expect(make({ cacheCapacity: 0 })).toThrow(InvalidArgumentError);
    expect(make({ workerCapacity: 65536 })).not.toThrow();
    expect(make({ workerCapacity: 65537 })).toThrow(InvalidArgumentError);
    expect(make({ integrityLimit: 2 ** 52 })).not.toThrow();
    expect(make({ integrityLimit: 2 ** 52 + 1 })).toThrow(InvalidArgumentError);
    expect(make({ direction: 2 as 0 })).toThrow(InvalidArgumentError);
  });
});

function newScheduleFrom(secret: Uint8Array): PathKeySchedule {
  return new PathKeySchedule(new NobleCryptoProvider({ random: createSeededRandom(2) }), secret);
}

/** Naive reference of the receiver's rules: no cache, per-worker state in plain objects. */
class ReceiverModel {
  readonly workers = new Map<number, { newest: number; retired: number }>();
  failures = 0;
  constructor(
    readonly ahead: number,
    readonly behind: number,
    readonly workerCapacity: number,
    readonly integrityLimit: number,
  ) {}

  open(workerId: number, keyId: number, authentic: boolean): ControlOpenResult {
    if (this.failures >= this.integrityLimit) return ControlOpenResult.IntegrityLimitReached;
    const state = this.workers.get(workerId);
    if (state === undefined && this.workers.size >= this.workerCapacity) return ControlOpenResult.WorkerLimitReached;
    const newest = state?.newest ?? -1;
    const retired = state?.retired ?? 0;
    if (keyId < retired) return ControlOpenResult.KeyRetired;
    const base = Math.max(newest, retired - 1);
    if (keyId < base - this.behind) return ControlOpenResult.KeyTooOld;
    if (keyId > base + this.ahead) return ControlOpenResult.KeyTooNew;
    if (!authentic) {
      this.failures += 1;
      return ControlOpenResult.AuthenticationFailed;
    }
    const entry = state ?? { newest: -1, retired: 0 };
    entry.newest = Math.max(entry.newest, keyId);
    this.workers.set(workerId, entry);
    return ControlOpenResult.Ok;
  }

  retire(workerId: number, below: number): ControlOpenResult {
    const state = this.workers.get(workerId);
    if (state === undefined && this.workers.size >= this.workerCapacity) return ControlOpenResult.WorkerLimitReached;
    const entry = state ?? { newest: -1, retired: 0 };
    entry.retired = Math.max(entry.retired, below);
    this.workers.set(workerId, entry);
    return ControlOpenResult.Ok;
  }
}

type Op =
  | { kind: 'send'; worker: number; bytes: number }
  | { kind: 'deliver'; pick: number; mode: 'intact' | 'tamper' | 'duplicate' }
  | { kind: 'drop'; pick: number }
  | { kind: 'retire'; worker: number; delta: number }
  | { kind: 'forge'; worker: number; keyId: number };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('send' as const), worker: fc.nat(3), bytes: fc.nat(60) }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('deliver' as const),
      pick: fc.nat(),
      mode: fc.constantFrom('intact' as const, 'intact' as const, 'tamper' as const, 'duplicate' as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('retire' as const),
      worker: fc.nat(3),
      delta: fc.integer({ min: -2, max: 6 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('forge' as const), worker: fc.nat(4), keyId: fc.nat(12) }) },
);

describe('ControlKeyReceiver model-based', () => {
  it('matches the reference rules under reordering, loss, duplication, tampering, forgery and retirement', () => {
    const schedule = newSchedule();
    const attacker = newScheduleFrom(patternBytes(32, 3, 99));
    fc.assert(
      fc.property(
        fc.array(opArbitrary, { minLength: 60, maxLength: LONG ? 400 : 150 }),
        fc.record({
          ahead: fc.integer({ min: 1, max: 3 }),
          behind: fc.integer({ min: 0, max: 2 }),
          cacheCapacity: fc.integer({ min: 1, max: 4 }),
          workerCapacity: fc.integer({ min: 2, max: 5 }),
          integrityLimit: fc.integer({ min: 3, max: 60 }),
          rotateAfterPackets: fc.integer({ min: 1, max: 4 }),
          rotateAfterBytes: fc.integer({ min: 60, max: 200 }),
        }),
        (ops, config) => {
          const receiver = new ControlKeyReceiver(
            receiverOptions(schedule, {
              keyWindowAhead: config.ahead,
              keyWindowBehind: config.behind,
              cacheCapacity: config.cacheCapacity,
              workerCapacity: config.workerCapacity,
              integrityLimit: config.integrityLimit,
            }),
          );
          const model = new ReceiverModel(config.ahead, config.behind, config.workerCapacity, config.integrityLimit);
          const senders = [0, 1, 2, 3].map(
            (workerId) =>
              new ControlKeySender(
                senderOptions(schedule, {
                  workerId,
                  rotateAfterPackets: config.rotateAfterPackets,
                  rotateAfterBytes: config.rotateAfterBytes,
                }),
              ),
          );
          const inFlight: Datagram[] = [];
          let sent = 0;
          for (const op of ops) {
            if (op.kind === 'send') {
              const datagram = sendVia(senders[op.worker] as ControlKeySender, op.bytes, sent) as Datagram;
              seeds.set(datagram, sent);
              sent += 1;
              inFlight.push(datagram);
            } else if (op.kind === 'deliver' || op.kind === 'drop') {
              if (inFlight.length === 0) continue;
              const index = op.pick % inFlight.length;
              const datagram = inFlight[index] as Datagram;
              if (op.kind === 'drop' || op.mode !== 'duplicate') {
                inFlight[index] = inFlight[inFlight.length - 1] as Datagram;
                inFlight.pop();
              }
              if (op.kind === 'drop') continue;
              let delivered = datagram;
              if (op.mode === 'tamper') {
                const bytes = datagram.bytes.slice();
                const bit = (op.pick >>> 3) % (bytes.length * 8);
                // Keep the header's worker/key/packet fields as the receiver is told them (the codec
                // would read the tampered values; here the flip may hit them and must still fail).
                bytes[bit >>> 3] = (bytes[bit >>> 3] as number) ^ (1 << (bit & 7));
                delivered = { ...datagram, bytes };
                seeds.set(delivered, seedOf(datagram));
              }
              const expected = model.open(delivered.workerId, delivered.keyId, op.mode !== 'tamper');
              expect(receive(receiver, delivered)).toBe(expected);
            } else if (op.kind === 'retire') {
              const below = Math.max(0, (senders[op.worker] as ControlKeySender).keyId + op.delta);
              expect(receiver.retire(op.worker, below)).toBe(model.retire(op.worker, below));
            } else {
              const forged = sealDirect(attacker, { workerId: op.worker, keyId: op.keyId, packetNumber: op.keyId });
              expect(receive(receiver, forged)).toBe(model.open(op.worker, op.keyId, false));
            }
            expect(receiver.cachedKeys).toBeLessThanOrEqual(config.cacheCapacity);
            expect(receiver.trackedWorkers).toBeLessThanOrEqual(config.workerCapacity);
            expect(receiver.failedOpens).toBe(model.failures);
            for (const [workerId, state] of model.workers) {
              expect(receiver.newestKeyId(workerId)).toBe(state.newest);
              expect(receiver.retiredBelow(workerId)).toBe(state.retired);
            }
          }
        },
      ),
      { numRuns: LONG ? 300 : 60 },
    );
  });
});
