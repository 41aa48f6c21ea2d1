/**
 * The secure datagram layer end to end: a sender's ControlDatagramSealer and a receiver's
 * DatagramOpener over PSK-derived path secrets. Round trips (explicit and fast-check), key rotation
 * and the key window, retirement through SECRET_CONTROL, UNKNOWN_PATH_SECRET replies that the peer
 * authenticates (and forged / unknown ones it drops), the reply limiter, version and body checks,
 * the integrity and worker limits, entry release with the map, and the per-result counters.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asciiBytes } from '../src/crypto/provider.js';
import {
  CONTROL_HEADER_SIZE,
  ControlDatagramSealer,
  ControlKeySender,
  createSeededRandom,
  DatagramKind,
  DatagramOpener,
  type DatagramOpenerOptions,
  DecodeReason,
  derivePskPathSecret,
  derivePskResetKey,
  encodePadding,
  encodeProbe,
  encodeRetireControlKey,
  KEY_KIND_CONTROL,
  KEY_KIND_SECRET_CONTROL,
  MessageIterator,
  MessageType,
  NobleCryptoProvider,
  OPEN_RESULT_COUNT,
  OpenResult,
  openResultName,
  PathKeySchedule,
  PathSecretRemoval,
  ProbeView,
  REPLY_NONE,
  REPLY_RATE_LIMITED,
  RetireControlKeyView,
  SEAL_BODY_EMPTY,
  SEAL_KEYS_EXHAUSTED,
  SEAL_NO_ROOM,
  TokenBucket,
} from '../src/index.js';

const provider = new NobleCryptoProvider({ random: createSeededRandom(5) });
const PSK = asciiBytes('secure datagram tests psk 32 byt');
const ALPHA = asciiBytes('alpha');
const BETA = asciiBytes('beta');

const MAP_OPTIONS = {
  capacity: 8,
  peerSlotCapacity: 8,
  maxSecretsPerPeer: 2,
  minAgeUs: 0,
  graceUs: 1000,
  replayWindowBits: 64,
  replayWindowCapacity: 16,
  replayWindowsPerSecretMax: 4,
} as const;

/** One direction of a path: beta seals, alpha opens. */
function makePath(options: {
  epoch?: number;
  rotateAfterPackets?: number;
  firstKeyId?: number;
  workerId?: number;
  opener?: Partial<DatagramOpenerOptions>;
}) {
  const epoch = options.epoch ?? 1;
  const beta = derivePskPathSecret(provider, { psk: PSK, localIdentity: BETA, peerIdentity: ALPHA, epoch, version: 1 });
  const alpha = derivePskPathSecret(provider, {
    psk: PSK,
    localIdentity: ALPHA,
    peerIdentity: BETA,
    epoch,
    version: 1,
  });
  const schedule = new PathKeySchedule(provider, beta.secret);
  const sealerFor = (kind: 0 | 1, workerId: number, firstKeyId = 0): ControlDatagramSealer =>
    new ControlDatagramSealer({
      keys: new ControlKeySender({
        schedule,
        kind,
        workerId,
        direction: beta.localDirection,
        rotateAfterPackets: options.rotateAfterPackets ?? 1 << 20,
        firstKeyId,
      }),
      pathSecretId: beta.id,
    });
  const opener = new DatagramOpener({ provider, pathSecrets: MAP_OPTIONS, ...options.opener });
  const entry = opener.pathSecrets.insert({
    id: alpha.id,
    secret: alpha.secret,
    peerSlot: 2,
    localDirection: alpha.localDirection,
    version: 1,
    peerResetTag: alpha.peerResetTag,
    nowUs: 0,
  });
  const control = sealerFor(KEY_KIND_CONTROL, options.workerId ?? 7, options.firstKeyId ?? 0);
  return { alpha, beta, schedule, opener, entry, control, sealerFor };
}

/** Seals one datagram whose body is PROBE(probeId) + optional padding. */
function sealProbe(sealer: ControlDatagramSealer, probeId: number, padding = 0): Uint8Array {
  const out = new Uint8Array(1472);
  let at = sealer.begin(out, 0, out.length);
  const probe = new ProbeView();
  probe.probeId = probeId;
  probe.timestampUs = (probeId ^ 0x5a5a) >>> 0;
  at += encodeProbe(out, at, sealer.bodyEnd, probe);
  if (padding > 0) at += encodePadding(out, at, sealer.bodyEnd, padding);
  const length = sealer.seal(at);
  expect(length).toBeGreaterThan(0);
  return out.slice(0, length);
}

/** Seals an arbitrary body (valid or not) with the real key. */
function sealBody(sealer: ControlDatagramSealer, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(CONTROL_HEADER_SIZE + body.length + 16);
  const at = sealer.begin(out, 0, out.length);
  out.set(body, at);
  const length = sealer.seal(at + body.length);
  expect(length).toBe(out.length);
  return out;
}

function probeIdOf(opener: DatagramOpener): number {
  const o = opener.opened;
  const it = new MessageIterator();
  expect(it.reset(o.bytes, o.bodyOffset, o.bodyLength, o.kind)).toBe(DecodeReason.Ok);
  expect(it.next()).toBe(DecodeReason.Ok);
  expect(it.type).toBe(MessageType.Probe);
  return (
    (((o.bytes[it.bodyOffset] as number) << 24) |
      ((o.bytes[it.bodyOffset + 1] as number) << 16) |
      ((o.bytes[it.bodyOffset + 2] as number) << 8) |
      (o.bytes[it.bodyOffset + 3] as number)) >>>
    0
  );
}

function sum(counters: Float64Array): number {
  let total = 0;
  for (const value of counters) total += value;
  return total;
}

describe('ControlDatagramSealer + DatagramOpener round trips', () => {
  it('a sealed datagram opens, body plaintext in place, header fields reported', () => {
    const path = makePath({});
    const datagram = sealProbe(path.control, 0xdeadbeef, 20);
    expect(datagram[0]).toBe(DatagramKind.Control << 4);
    expect(datagram.length).toBe(CONTROL_HEADER_SIZE + 11 + 23 + 16);
    expect(path.opener.open(datagram, 0, datagram.length, 10)).toBe(OpenResult.Ok);
    const o = path.opener.opened;
    expect(o.kind).toBe(DatagramKind.Control);
    expect(o.entry).toBe(path.entry);
    expect(o.peerSlot).toBe(2);
    expect(o.senderWorkerId).toBe(7);
    expect(o.keyId).toBe(0);
    expect(o.packetNumber).toBe(0);
    expect(o.bodyOffset).toBe(CONTROL_HEADER_SIZE);
    expect(o.bodyLength).toBe(34);
    expect(probeIdOf(path.opener)).toBe(0xdeadbeef);
    expect(path.opener.pathSecrets.lastUsedAtUs(path.entry)).toBe(10);
  });

  it('opens a datagram at an offset inside a larger buffer', () => {
    const path = makePath({});
    const datagram = sealProbe(path.control, 42);
    const big = new Uint8Array(datagram.length + 100).fill(0xee);
    big.set(datagram, 37);
    expect(path.opener.open(big, 37, datagram.length, 0)).toBe(OpenResult.Ok);
    expect(path.opener.opened.bodyOffset).toBe(37 + CONTROL_HEADER_SIZE);
    expect(probeIdOf(path.opener)).toBe(42);
    expect(big[36]).toBe(0xee);
    expect(big[37 + datagram.length]).toBe(0xee);
  });

  it('property: any valid body from any of several workers round-trips, in any order', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ worker: fc.integer({ min: 0, max: 3 }), probeId: fc.nat(), padding: fc.nat({ max: 300 }) }),
          {
            minLength: 1,
            maxLength: 12,
          },
        ),
        fc.nat(),
        (items, shuffleSeed) => {
          const path = makePath({ rotateAfterPackets: 3 });
          const sealers = [0, 1, 2, 3].map((w) => path.sealerFor(KEY_KIND_CONTROL, 100 + w));
          const datagrams = items.map((item) => ({
            probeId: item.probeId,
            worker: 100 + item.worker,
            bytes: sealProbe(sealers[item.worker] as ControlDatagramSealer, item.probeId, item.padding),
          }));
          // A deterministic shuffle that keeps each worker's datagrams within the key window.
          let s = shuffleSeed;
          for (let i = datagrams.length - 1; i > 0; i--) {
            s = (Math.imul(s, 1103515245) + 12345) >>> 0;
            const j = s % (i + 1);
            if (Math.abs(i - j) <= 2) [datagrams[i], datagrams[j]] = [datagrams[j] as never, datagrams[i] as never];
          }
          for (const d of datagrams) {
            expect(path.opener.open(d.bytes, 0, d.bytes.length, 0)).toBe(OpenResult.Ok);
            expect(path.opener.opened.senderWorkerId).toBe(d.worker);
            expect(probeIdOf(path.opener)).toBe(d.probeId);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('begin refuses a window below 47 bytes; seal refuses an empty body without using a packet number', () => {
    const path = makePath({});
    const out = new Uint8Array(100);
    expect(path.control.begin(out, 0, 46)).toBe(SEAL_NO_ROOM);
    expect(path.control.begin(out, 0, 47)).toBe(CONTROL_HEADER_SIZE);
    expect(path.control.bodyEnd).toBe(47 - 16);
    expect(path.control.seal(CONTROL_HEADER_SIZE + 2)).toBe(SEAL_BODY_EMPTY);
    expect(path.control.keys.packetNumber).toBe(-1);
    const datagram = sealProbe(path.control, 1);
    expect(path.opener.open(datagram, 0, datagram.length, 0)).toBe(OpenResult.Ok);
    expect(path.opener.opened.packetNumber).toBe(0);
  });

  it('begin clamps the window to 9000 bytes', () => {
    const path = makePath({});
    const out = new Uint8Array(12000);
    expect(path.control.begin(out, 10, 12000)).toBe(10 + CONTROL_HEADER_SIZE);
    expect(path.control.bodyEnd).toBe(10 + 9000 - 16);
  });

  it('seal reports exhausted key ids', () => {
    const path = makePath({ rotateAfterPackets: 1, firstKeyId: 0xffffffff });
    sealProbe(path.control, 1);
    const out = new Uint8Array(200);
    const at = path.control.begin(out, 0, out.length);
    expect(path.control.seal(at + encodeProbe(out, at, path.control.bodyEnd, new ProbeView()))).toBe(
      SEAL_KEYS_EXHAUSTED,
    );
  });
});

describe('key rotation, window and retirement', () => {
  it('rotated keys open; reordering across a rotation stays within the window', () => {
    const path = makePath({ rotateAfterPackets: 3 });
    const datagrams = Array.from({ length: 12 }, (_, i) => sealProbe(path.control, i));
    const keyIds: number[] = [];
    // Deliver 0..5 in order, then 8, then the late 6 and 7 (key 2 after key 2 — and 5 after 8).
    for (const i of [0, 1, 2, 3, 4, 8, 5, 6, 7, 9, 10, 11]) {
      const d = datagrams[i] as Uint8Array;
      expect(path.opener.open(d, 0, d.length, 0), `datagram ${i}`).toBe(OpenResult.Ok);
      keyIds[i] = path.opener.opened.keyId;
      expect(probeIdOf(path.opener)).toBe(i);
    }
    expect(keyIds).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]);
  });

  it('key ids too far ahead or behind the newest authenticated one are refused before decryption', () => {
    const path = makePath({ rotateAfterPackets: 1 });
    const datagrams = Array.from({ length: 12 }, (_, i) => sealProbe(path.control, i)); // key id = i
    const far = datagrams[6] as Uint8Array;
    expect(path.opener.open(far, 0, far.length, 0)).toBe(OpenResult.KeyTooNew); // base -1, ahead 4
    for (const i of [0, 3, 7, 11]) {
      const d = datagrams[i] as Uint8Array;
      expect(path.opener.open(d, 0, d.length, 0)).toBe(OpenResult.Ok);
    }
    const old = datagrams[8] as Uint8Array; // 8 ≥ 11 - 2? no: too old
    expect(path.opener.open(old, 0, old.length, 0)).toBe(OpenResult.KeyTooOld);
    const inWindow = datagrams[9] as Uint8Array;
    expect(path.opener.open(inWindow, 0, inWindow.length, 0)).toBe(OpenResult.Ok);
    expect(path.opener.counters[OpenResult.KeyTooNew]).toBe(1);
    expect(path.opener.counters[OpenResult.KeyTooOld]).toBe(1);
  });

  it('RETIRE_CONTROL_KEY in a SECRET_CONTROL datagram retires older keys of that worker only', () => {
    const path = makePath({ rotateAfterPackets: 2 });
    const other = path.sealerFor(KEY_KIND_CONTROL, 9);
    const datagrams = Array.from({ length: 6 }, (_, i) => sealProbe(path.control, i)); // keys 0,0,1,1,2,2
    const otherDatagram = sealProbe(other, 99);
    const secret = path.sealerFor(KEY_KIND_SECRET_CONTROL, 7);
    const out = new Uint8Array(200);
    let at = secret.begin(out, 0, out.length);
    const retire = new RetireControlKeyView();
    retire.workerId = 7;
    retire.keyIdBelow = 2;
    at += encodeRetireControlKey(out, at, secret.bodyEnd, retire);
    const length = secret.seal(at);
    expect(path.opener.open(out, 0, length, 0)).toBe(OpenResult.Ok);
    expect(path.opener.opened.kind).toBe(DatagramKind.SecretControl);
    expect(path.opener.opened.retiredControlKeys).toBe(1);
    for (const i of [0, 1, 2, 3]) {
      const d = datagrams[i] as Uint8Array;
      expect(path.opener.open(d, 0, d.length, 0)).toBe(OpenResult.KeyRetired);
    }
    for (const i of [4, 5]) {
      const d = datagrams[i] as Uint8Array;
      expect(path.opener.open(d, 0, d.length, 0)).toBe(OpenResult.Ok);
    }
    expect(path.opener.open(otherDatagram, 0, otherDatagram.length, 0)).toBe(OpenResult.Ok);
  });

  it('the secret-control key family is separate: a CONTROL header cannot open a SECRET_CONTROL body', () => {
    const path = makePath({});
    const secret = path.sealerFor(KEY_KIND_SECRET_CONTROL, 7);
    const out = new Uint8Array(200);
    let at = secret.begin(out, 0, out.length);
    at += encodePadding(out, at, secret.bodyEnd, 4);
    const length = secret.seal(at);
    const forged = out.slice(0, length);
    forged[0] = DatagramKind.Control << 4;
    expect(path.opener.open(forged, 0, length, 0)).toBe(OpenResult.AuthenticationFailed);
    expect(path.opener.open(out, 0, length, 0)).toBe(OpenResult.Ok);
  });
});

describe('rejections', () => {
  it('cheap header checks: empty, too long, unknown kind, reserved bits, unsupported version, too short', () => {
    const path = makePath({});
    const opener = path.opener;
    expect(opener.open(new Uint8Array(0), 0, 0, 0)).toBe(OpenResult.BadHeader);
    expect(opener.lastDecodeReason).toBe(DecodeReason.Truncated);
    expect(opener.open(new Uint8Array(9001).fill(0x10), 0, 9001, 0)).toBe(OpenResult.BadHeader);
    expect(opener.lastDecodeReason).toBe(DecodeReason.DatagramTooLong);
    expect(opener.open(Uint8Array.of(0x50, 1), 0, 2, 0)).toBe(OpenResult.BadHeader);
    expect(opener.lastDecodeReason).toBe(DecodeReason.UnknownDatagramKind);
    const datagram = sealProbe(path.control, 3);
    const reserved = datagram.slice();
    reserved[0] = 0x11;
    expect(opener.open(reserved, 0, reserved.length, 0)).toBe(OpenResult.BadHeader);
    expect(opener.lastDecodeReason).toBe(DecodeReason.ReservedBitsSet);
    const version = datagram.slice();
    version[1] = 2;
    expect(opener.open(version, 0, version.length, 0)).toBe(OpenResult.UnsupportedVersion);
    expect(opener.open(datagram, 0, 46, 0)).toBe(OpenResult.BadHeader);
    expect(opener.lastDecodeReason).toBe(DecodeReason.Truncated);
    expect(opener.decodeReasonCounters[DecodeReason.Truncated]).toBe(2);
    // None of that touched the key window: the real datagram still opens.
    expect(opener.open(datagram, 0, datagram.length, 0)).toBe(OpenResult.Ok);
  });

  it('failed opens leave the bytes unchanged and do not refresh the entry', () => {
    const path = makePath({});
    const datagram = sealProbe(path.control, 3);
    const forged = datagram.slice();
    forged[40] = (forged[40] as number) ^ 1;
    const copy = forged.slice();
    expect(path.opener.open(forged, 0, forged.length, 500)).toBe(OpenResult.AuthenticationFailed);
    expect(forged).toEqual(copy);
    expect(path.opener.pathSecrets.lastUsedAtUs(path.entry)).toBe(0);
  });

  it('an authenticated body that fails validation is rejected whole (BODY_INVALID with the codec reason)', () => {
    const path = makePath({});
    const cases: [Uint8Array, number][] = [
      [Uint8Array.of(0x0e, 0, 0), DecodeReason.UnknownMessageType],
      [Uint8Array.of(MessageType.RetireControlKey, 0, 6, 0, 1, 0, 0, 0, 1), DecodeReason.MessageNotAllowed],
      [Uint8Array.of(MessageType.Padding, 0, 1, 7), DecodeReason.PaddingNotZero],
      [Uint8Array.of(MessageType.Padding, 0, 0, 0), DecodeReason.Truncated],
      [Uint8Array.of(MessageType.Probe, 0, 7, 0, 0, 0, 0, 0, 0, 0), DecodeReason.Truncated],
    ];
    for (const [body, reason] of cases) {
      const datagram = sealBody(path.control, body);
      expect(path.opener.open(datagram, 0, datagram.length, 0)).toBe(OpenResult.BodyInvalid);
      expect(path.opener.lastDecodeReason).toBe(reason);
    }
    expect(path.opener.counters[OpenResult.BodyInvalid]).toBe(cases.length);
  });

  it('a path secret bound to another version refuses the datagram (VERSION_MISMATCH)', () => {
    const path = makePath({});
    const opener = new DatagramOpener({ provider, pathSecrets: MAP_OPTIONS });
    opener.pathSecrets.insert({
      id: path.alpha.id,
      secret: path.alpha.secret,
      peerSlot: 1,
      localDirection: path.alpha.localDirection,
      version: 2,
      peerResetTag: path.alpha.peerResetTag,
      nowUs: 0,
    });
    const datagram = sealProbe(path.control, 1);
    expect(opener.open(datagram, 0, datagram.length, 0)).toBe(OpenResult.VersionMismatch);
  });

  it('integrity limit: after N failed authentications every open fails', () => {
    const path = makePath({ opener: { keys: { integrityLimit: 3 } } });
    const good = sealProbe(path.control, 1);
    const bad = good.slice();
    bad[good.length - 1] = (bad[good.length - 1] as number) ^ 0x80;
    for (let i = 0; i < 3; i++) expect(path.opener.open(bad, 0, bad.length, 0)).toBe(OpenResult.AuthenticationFailed);
    expect(path.opener.open(good, 0, good.length, 0)).toBe(OpenResult.IntegrityLimit);
  });

  it('worker limit: a sender worker beyond the capacity is refused', () => {
    const path = makePath({ opener: { keys: { workerCapacity: 2 } } });
    for (const worker of [1, 2]) {
      const d = sealProbe(path.sealerFor(KEY_KIND_CONTROL, worker), worker);
      expect(path.opener.open(d, 0, d.length, 0)).toBe(OpenResult.Ok);
    }
    const third = sealProbe(path.sealerFor(KEY_KIND_CONTROL, 3), 3);
    expect(path.opener.open(third, 0, third.length, 0)).toBe(OpenResult.WorkerLimit);
  });

  it('DATA datagrams are routed, not opened; malformed ones are DATA_INVALID', () => {
    const path = makePath({});
    const data = new Uint8Array(2 + 20 + 5);
    data[0] = 0x30;
    data[1] = 1;
    data[9] = 1; // receiver transfer id lo
    data[13] = 1; // pull id
    data[21] = 5; // length
    expect(path.opener.open(data, 0, data.length, 0)).toBe(OpenResult.Data);
    expect(path.opener.opened.bodyOffset).toBe(2);
    expect(path.opener.opened.bodyLength).toBe(25);
    expect(path.opener.opened.chunkCount).toBe(1);
    expect(path.opener.open(data, 0, data.length - 1, 0)).toBe(OpenResult.DataInvalid);
    expect(path.opener.lastDecodeReason).toBe(DecodeReason.Truncated);
    expect(path.opener.open(data, 0, 2, 0)).toBe(OpenResult.DataInvalid);
    expect(path.opener.lastDecodeReason).toBe(DecodeReason.EmptyBody);
  });
});

describe('UNKNOWN_PATH_SECRET', () => {
  /** Beta restarted: it no longer holds the secret, but kept its (PSK-derived) reset key. */
  function restartedBeta(options: Partial<DatagramOpenerOptions> = {}): DatagramOpener {
    return new DatagramOpener({
      provider,
      pathSecrets: MAP_OPTIONS,
      statelessResetKey: derivePskResetKey(provider, PSK, BETA),
      ...options,
    });
  }

  /** Alpha's side: seals to beta with alpha's keys, and opens what beta sends. */
  function alphaSide() {
    const path = makePath({});
    const schedule = new PathKeySchedule(provider, path.alpha.secret);
    const sealer = new ControlDatagramSealer({
      keys: new ControlKeySender({ schedule, workerId: 1, direction: path.alpha.localDirection }),
      pathSecretId: path.alpha.id,
    });
    return { path, sealer };
  }

  it('a host that lost the secret answers with a reply the peer authenticates', () => {
    const { path, sealer } = alphaSide();
    const beta = restartedBeta();
    const toBeta = sealProbe(sealer, 5);
    expect(beta.open(toBeta, 0, toBeta.length, 0)).toBe(OpenResult.UnknownPathSecret);
    const reply = new Uint8Array(64);
    expect(beta.writeUnknownPathSecretReply(reply, 3, 64, 0)).toBe(34);
    expect(beta.writeUnknownPathSecretReply(reply, 3, 64, 0)).toBe(REPLY_NONE); // once per trigger
    const datagram = reply.slice(3, 37);
    expect(datagram[0]).toBe(0x40);
    expect(datagram.subarray(2, 18)).toEqual(path.alpha.id);
    // Alpha (path.opener holds the secret with beta's tag) authenticates it.
    expect(path.opener.open(datagram, 0, 34, 0)).toBe(OpenResult.PeerLostPathSecret);
    expect(path.opener.opened.entry).toBe(path.entry);
    expect(path.opener.opened.peerSlot).toBe(2);
    expect(path.opener.opened.entryIsCurrent).toBe(true);
    expect(beta.repliesWritten).toBe(1);
  });

  it('forged tags and unknown ids are dropped and counted; wrong sizes are bad headers', () => {
    const { path, sealer } = alphaSide();
    const beta = restartedBeta();
    const toBeta = sealProbe(sealer, 5);
    beta.open(toBeta, 0, toBeta.length, 0);
    const reply = new Uint8Array(34);
    beta.writeUnknownPathSecretReply(reply, 0, 34, 0);
    const forged = reply.slice();
    forged[33] = (forged[33] as number) ^ 1;
    expect(path.opener.open(forged, 0, 34, 0)).toBe(OpenResult.ResetForged);
    const unknown = reply.slice();
    unknown[5] = (unknown[5] as number) ^ 1;
    expect(path.opener.open(unknown, 0, 34, 0)).toBe(OpenResult.ResetUnknownPathSecret);
    const longer = new Uint8Array(35);
    longer.set(reply);
    expect(path.opener.open(longer, 0, 35, 0)).toBe(OpenResult.BadHeader);
    expect(path.opener.lastDecodeReason).toBe(DecodeReason.TrailingBytes);
    expect(path.opener.counters[OpenResult.ResetForged]).toBe(1);
    expect(path.opener.counters[OpenResult.ResetUnknownPathSecret]).toBe(1);
  });

  it('a non-current secret is reported as such', () => {
    const { path, sealer } = alphaSide();
    // Alpha re-handshakes: a new secret (epoch 2) becomes current; the old one is in its grace period.
    const next = derivePskPathSecret(provider, {
      psk: PSK,
      localIdentity: ALPHA,
      peerIdentity: BETA,
      epoch: 2,
      version: 1,
    });
    path.opener.pathSecrets.insert({
      id: next.id,
      secret: next.secret,
      peerSlot: 2,
      localDirection: next.localDirection,
      version: 1,
      peerResetTag: next.peerResetTag,
      nowUs: 0,
    });
    const beta = restartedBeta();
    const toBeta = sealProbe(sealer, 5);
    beta.open(toBeta, 0, toBeta.length, 0);
    const reply = new Uint8Array(34);
    expect(beta.writeUnknownPathSecretReply(reply, 0, 34, 0)).toBe(34);
    expect(path.opener.open(reply, 0, 34, 0)).toBe(OpenResult.PeerLostPathSecret);
    expect(path.opener.opened.entryIsCurrent).toBe(false);
  });

  it('no reply without a reset key, without room, or for other results', () => {
    const { sealer } = alphaSide();
    const toBeta = sealProbe(sealer, 5);
    const noKey = new DatagramOpener({ provider, pathSecrets: MAP_OPTIONS });
    expect(noKey.open(toBeta, 0, toBeta.length, 0)).toBe(OpenResult.UnknownPathSecret);
    expect(noKey.writeUnknownPathSecretReply(new Uint8Array(34), 0, 34, 0)).toBe(REPLY_NONE);
    const beta = restartedBeta();
    expect(beta.open(toBeta, 0, toBeta.length, 0)).toBe(OpenResult.UnknownPathSecret);
    expect(beta.writeUnknownPathSecretReply(new Uint8Array(40), 0, 33, 0)).toBe(SEAL_NO_ROOM);
    expect(beta.writeUnknownPathSecretReply(new Uint8Array(40), 0, 34, 0)).toBe(34); // still due
    expect(beta.open(new Uint8Array(10).fill(0x10), 0, 10, 0)).toBe(OpenResult.UnsupportedVersion);
    expect(beta.writeUnknownPathSecretReply(new Uint8Array(40), 0, 34, 0)).toBe(REPLY_NONE);
    const data = Uint8Array.of(0x30, 1);
    expect(beta.open(data, 0, 2, 0)).toBe(OpenResult.DataInvalid);
    expect(beta.writeUnknownPathSecretReply(new Uint8Array(40), 0, 34, 0)).toBe(REPLY_NONE);
  });

  it('replies are rate limited by a token bucket', () => {
    const { sealer } = alphaSide();
    const beta = restartedBeta({ unknownPathSecretRatePerSecond: 10, unknownPathSecretBurst: 3 });
    const reply = new Uint8Array(34);
    const results: number[] = [];
    for (let i = 0; i < 5; i++) {
      const d = sealProbe(sealer, i);
      expect(beta.open(d, 0, d.length, 0)).toBe(OpenResult.UnknownPathSecret);
      results.push(beta.writeUnknownPathSecretReply(reply, 0, 34, 1000));
    }
    expect(results).toEqual([34, 34, 34, REPLY_RATE_LIMITED, REPLY_RATE_LIMITED]);
    const d = sealProbe(sealer, 9);
    beta.open(d, 0, d.length, 0);
    expect(beta.writeUnknownPathSecretReply(reply, 0, 34, 101_000)).toBe(34); // 100 ms later: 1 token
    expect(beta.replyLimiter.refusedTotal).toBe(2);
  });
});

describe('TokenBucket', () => {
  it('starts full, refills at the rate, caps at the burst, ignores time going backwards', () => {
    const bucket = new TokenBucket({ ratePerSecond: 1000, burst: 2, nowUs: 0 });
    expect(bucket.tryTake(0)).toBe(true);
    expect(bucket.tryTake(0)).toBe(true);
    expect(bucket.tryTake(0)).toBe(false);
    expect(bucket.tryTake(999)).toBe(false);
    expect(bucket.tryTake(1000)).toBe(true);
    expect(bucket.available(1_000_000)).toBe(2);
    expect(bucket.available(0)).toBe(2);
    bucket.tryTake(1_000_000);
    bucket.tryTake(1_000_000);
    expect(bucket.tryTake(500)).toBe(false);
    expect(bucket.grantedTotal).toBe(5);
    expect(bucket.refusedTotal).toBe(3);
  });

  it('property: grants within any span never exceed burst + rate × span', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 200 }),
        (rate, burst, gaps) => {
          const bucket = new TokenBucket({ ratePerSecond: rate, burst });
          let now = 0;
          let granted = 0;
          for (const gap of gaps) {
            now += gap;
            if (bucket.tryTake(now)) granted++;
          }
          expect(granted).toBeLessThanOrEqual(burst + Math.floor((rate * now) / 1e6) + 1);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('validates its options', () => {
    expect(() => new TokenBucket({ ratePerSecond: 0, burst: 1 })).toThrow(/rate/);
    expect(() => new TokenBucket({ ratePerSecond: 1, burst: 0 })).toThrow(/burst/);
    expect(() => new TokenBucket({ ratePerSecond: 1, burst: 1.5 })).toThrow(/burst/);
  });
});

describe('entries, keys and counters', () => {
  it('keys are created on the first datagram and released with the entry (onRemove still called)', () => {
    const removed: number[] = [];
    const path = makePath({
      opener: { pathSecrets: { ...MAP_OPTIONS, onRemove: (_entry: number, reason: number) => removed.push(reason) } },
    });
    expect(path.opener.keyedEntries).toBe(0);
    const pristine = sealProbe(path.control, 1);
    const d = pristine.slice(); // open decrypts in place: keep a sealed copy
    expect(path.opener.open(d, 0, d.length, 0)).toBe(OpenResult.Ok);
    expect(path.opener.keyedEntries).toBe(1);
    expect(path.opener.receiverOf(path.entry, KEY_KIND_CONTROL)).not.toBeNull();
    expect(path.opener.receiverOf(path.entry, KEY_KIND_SECRET_CONTROL)).toBeNull();
    path.opener.pathSecrets.remove(path.entry);
    expect(removed).toEqual([PathSecretRemoval.Removed]);
    expect(path.opener.keyedEntries).toBe(0);
    expect(path.opener.entriesReleased).toBe(1);
    expect(path.opener.open(d, 0, d.length, 0)).toBe(OpenResult.UnknownPathSecret);
    // Re-inserted, the secret gets fresh keys (and a fresh key window).
    path.opener.pathSecrets.insert({
      id: path.alpha.id,
      secret: path.alpha.secret,
      peerSlot: 2,
      localDirection: path.alpha.localDirection,
      version: 1,
      peerResetTag: path.alpha.peerResetTag,
      nowUs: 0,
    });
    expect(path.opener.open(pristine, 0, pristine.length, 0)).toBe(OpenResult.Ok);
  });

  it('a superseded secret opens during its grace period, then is released', () => {
    const path = makePath({});
    const d = sealProbe(path.control, 1);
    const next = derivePskPathSecret(provider, {
      psk: PSK,
      localIdentity: ALPHA,
      peerIdentity: BETA,
      epoch: 9,
      version: 1,
    });
    path.opener.pathSecrets.insert({
      id: next.id,
      secret: next.secret,
      peerSlot: 2,
      localDirection: next.localDirection,
      version: 1,
      peerResetTag: next.peerResetTag,
      nowUs: 100,
    });
    expect(path.opener.open(d, 0, d.length, 1099)).toBe(OpenResult.Ok); // grace 1000 µs
    expect(path.opener.keyedEntries).toBe(1);
    expect(path.opener.open(d, 0, d.length, 1100)).toBe(OpenResult.UnknownPathSecret);
    expect(path.opener.keyedEntries).toBe(0);
  });

  it('every datagram is counted exactly once, under its result', () => {
    const path = makePath({});
    const d = sealProbe(path.control, 1);
    const bad = d.slice();
    bad[30] = (bad[30] as number) ^ 4;
    const inputs: Uint8Array[] = [d, bad, new Uint8Array(3), Uint8Array.of(0x30, 1), d.subarray(0, 50)];
    for (const input of inputs) path.opener.open(input, 0, input.length, 0);
    expect(sum(path.opener.counters)).toBe(inputs.length);
    expect(path.opener.counters[OpenResult.Ok]).toBe(1);
    expect(path.opener.counters[OpenResult.AuthenticationFailed]).toBe(2);
    expect(path.opener.counters[OpenResult.BadHeader]).toBe(1);
    expect(path.opener.counters[OpenResult.DataInvalid]).toBe(1);
    for (let r = 0; r < OPEN_RESULT_COUNT; r++) expect(openResultName(r)).not.toMatch(/UNKNOWN\(/);
    expect(openResultName(OPEN_RESULT_COUNT)).toMatch(/UNKNOWN\(/);
  });
});
