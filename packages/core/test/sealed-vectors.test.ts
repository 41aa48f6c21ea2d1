/**
 * spec/test-vectors/sealed-datagrams.json: whole sealed datagrams (CONTROL with one and several
 * messages, after a key rotation, with padding; SECRET_CONTROL; UNKNOWN_PATH_SECRET; DATA carrying a
 * sealed record). The file is regenerated from `buildSealedDatagramVectors` with the noble provider
 * and compared byte for byte (`DCQ_UPDATE_VECTORS=1` rewrites it). Independently of the builder,
 * every committed vector is checked both ways: sealing its fields (messages encoded from their
 * fields, the key derived from the path secret by hand, AEAD with the header as AAD) gives its hex,
 * and opening its hex with a DatagramOpener gives back its fields. The node:crypto cross-check
 * lives in packages/node/test/wire-fuzz.test.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { asciiBytes, type CryptoProvider } from '../src/crypto/provider.js';
import {
  buildSealedDatagramVectors,
  CONTROL_HEADER_SIZE,
  ControlHeaderView,
  createSeededRandom,
  DatagramKind,
  DatagramOpener,
  derivePskPathSecret,
  encodeControlHeader,
  insertSealedVectorSecret,
  KEY_KIND_CONTROL,
  KEY_KIND_SECRET_CONTROL,
  MessageIterator,
  MessageType,
  NobleCryptoProvider,
  OpenResult,
  PathKeySchedule,
  PayloadKey,
  PayloadRecordCipher,
  type SealedDatagramVectorSet,
  writeControlNonce,
} from '../src/index.js';
import {
  decodeBody,
  decodeDatagram,
  encodeDatagram,
  encodeToBytes,
  type Fields,
  FRAMED_TYPES,
  fromHex,
  idHex,
  type Json,
  type MessageName,
  toHex,
} from './wire-fixtures.js';

const UPDATE = process.env.DCQ_UPDATE_VECTORS === '1';
const FILE = fileURLToPath(new URL('../../../spec/test-vectors/sealed-datagrams.json', import.meta.url));
const provider = new NobleCryptoProvider({ random: createSeededRandom(11) });

const NAME_OF_TYPE = new Map<number, MessageName>();
for (const [name, type] of Object.entries(FRAMED_TYPES)) NAME_OF_TYPE.set(type as number, name as MessageName);

const MAP_OPTIONS = {
  capacity: 4,
  peerSlotCapacity: 4,
  maxSecretsPerPeer: 2,
  minAgeUs: 0,
  graceUs: 0,
  replayWindowBits: 64,
  replayWindowCapacity: 4,
  replayWindowsPerSecretMax: 4,
} as const;

interface VectorJson {
  readonly name: string;
  readonly datagram: string;
  readonly fields: Fields;
  readonly hex: string;
}

interface VectorFileJson {
  readonly description: string;
  readonly pathSecret: Fields;
  readonly buffer: Fields;
  readonly vectors: VectorJson[];
}

/** The framed messages of a plaintext body, as (message, fields) in the messages.json format. */
function messagesOf(body: Uint8Array, kind: number): Json[] {
  const it = new MessageIterator();
  expect(it.reset(body, 0, body.length, kind)).toBe(0);
  const messages: Json[] = [];
  while (it.hasNext()) {
    expect(it.next()).toBe(0);
    const name = NAME_OF_TYPE.get(it.type) as MessageName;
    const decoded = decodeBody(name, body, it.bodyOffset, it.bodyLength);
    expect(decoded.reason).toBe(0);
    messages.push({ message: name, fields: decoded.fields as Fields });
  }
  return messages;
}

function text(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

/** The vector file as generated from the builder's output. */
function generate(set: SealedDatagramVectorSet): VectorFileJson {
  const vectors: VectorJson[] = set.vectors.map((v) => {
    let fields: Fields;
    if (v.datagram === 'CONTROL' || v.datagram === 'SECRET_CONTROL') {
      const kind = v.datagram === 'CONTROL' ? DatagramKind.Control : DatagramKind.SecretControl;
      fields = {
        version: set.version,
        pathSecretId: toHex(set.pathSecretId),
        workerId: v.workerId,
        direction: set.senderDirection,
        keyId: v.keyId,
        packetNumber: v.packetNumber,
        messages: messagesOf(v.body, kind),
        body: toHex(v.body),
      };
    } else {
      const decoded = decodeDatagram(v.datagram, v.bytes);
      expect(decoded.reason).toBe(0);
      fields = decoded.fields as Fields;
    }
    return { name: v.name, datagram: v.datagram, fields, hex: toHex(v.bytes) };
  });
  return {
    description:
      'dcq wire v1 sealed-datagram test vectors (spec/security.md#control-aead, spec/protocol.md#datagram). ' +
      'The path secret is derived in PSK mode (replay-and-secrets.md#psk) between "beta" (the sender, which seals every ' +
      'vector) and "alpha" (the receiver). CONTROL / SECRET_CONTROL: fields give the header, the plaintext messages ' +
      '(messages.json format) and the plaintext body; hex is the whole sealed datagram: header || AES-256-GCM(body) || tag, ' +
      'with the key and IV of (kind, workerId, direction, keyId) from security.md#key-schedule, nonce = IV XOR packet number, ' +
      "AAD = the 28-byte header. UNKNOWN_PATH_SECRET: the reset tag is the sender's PSK reset tag for the id. DATA: one " +
      'chunk carrying the whole sealed record of `buffer` (security.md#payload-records). Ids are 16 hex digits. Generated by ' +
      'packages/core/test/sealed-vectors.test.ts (npm run vectors).',
    pathSecret: {
      psk: toHex(set.psk),
      senderIdentity: text(set.senderIdentity),
      receiverIdentity: text(set.receiverIdentity),
      epoch: set.epoch,
      version: set.version,
      secret: toHex(set.pathSecret),
      id: toHex(set.pathSecretId),
      senderDirection: set.senderDirection,
      senderResetKey: toHex(set.senderResetKey),
      senderResetTag: toHex(set.senderResetTag),
      rotateAfterPackets: set.rotateAfterPackets,
    },
    buffer: {
      bufferId: idHex(set.bufferIdHi, set.bufferIdLo),
      recordSizeLog2: set.recordSizeLog2,
      dataKey: toHex(set.dataKeyMaterial.subarray(0, 32)),
      dataIv: toHex(set.dataKeyMaterial.subarray(32, 44)),
      payload: toHex(set.payload),
      sealed: toHex(set.sealedPayload),
    },
    vectors,
  };
}

function str(value: Json | undefined): string {
  if (typeof value !== 'string') throw new Error('expected a string');
  return value;
}

function num(value: Json | undefined): number {
  if (typeof value !== 'number') throw new Error('expected a number');
  return value;
}

/** Seals a control vector from its fields, without the sealer: hand-derived key, header, AEAD. */
function sealFromFields(p: CryptoProvider, secret: Uint8Array, datagram: string, f: Fields): Uint8Array {
  const messages = f.messages as { message: MessageName; fields: Fields }[];
  const parts = messages.map((m) => encodeToBytes(m.message, m.fields));
  const bodyLength = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(CONTROL_HEADER_SIZE + bodyLength + 16);
  let at = CONTROL_HEADER_SIZE;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  expect(toHex(out, CONTROL_HEADER_SIZE, bodyLength)).toBe(str(f.body));
  const header = new ControlHeaderView();
  header.kind = datagram === 'CONTROL' ? DatagramKind.Control : DatagramKind.SecretControl;
  header.version = num(f.version);
  header.pathSecretIdBytes = fromHex(str(f.pathSecretId));
  header.workerId = num(f.workerId);
  header.keyId = num(f.keyId);
  header.packetNumber = num(f.packetNumber);
  expect(encodeControlHeader(out, 0, out.length, header)).toBe(CONTROL_HEADER_SIZE);
  const schedule = new PathKeySchedule(p, secret);
  const material = new Uint8Array(44);
  schedule.deriveKeyMaterial(material, 0, {
    kind: datagram === 'CONTROL' ? KEY_KIND_CONTROL : KEY_KIND_SECRET_CONTROL,
    workerId: header.workerId,
    direction: num(f.direction) === 0 ? 0 : 1,
    keyId: header.keyId,
  });
  const nonce = new Uint8Array(12);
  writeControlNonce(material, 32, header.packetNumber, nonce);
  p.seal(
    p.prepareAeadKey(material.subarray(0, 32)),
    nonce,
    out,
    CONTROL_HEADER_SIZE,
    bodyLength,
    out,
    0,
    CONTROL_HEADER_SIZE,
  );
  return out;
}

function receiverFor(p: CryptoProvider, file: VectorFileJson): DatagramOpener {
  const opener = new DatagramOpener({
    provider: p,
    pathSecrets: MAP_OPTIONS,
  });
  // The receiver derives the secret from the PSK itself (alpha's side), not from the file's secret.
  const ps = file.pathSecret;
  const derived = derivePskPathSecret(p, {
    psk: fromHex(str(ps.psk)),
    localIdentity: asciiBytes(str(ps.receiverIdentity)),
    peerIdentity: asciiBytes(str(ps.senderIdentity)),
    epoch: num(ps.epoch),
    version: num(ps.version),
  });
  expect(toHex(derived.secret)).toBe(str(ps.secret));
  expect(toHex(derived.id)).toBe(str(ps.id));
  expect(toHex(derived.peerResetTag)).toBe(str(ps.senderResetTag));
  opener.pathSecrets.insert({
    id: derived.id,
    secret: derived.secret,
    peerSlot: 1,
    localDirection: derived.localDirection,
    version: num(ps.version),
    peerResetTag: derived.peerResetTag,
    nowUs: 0,
  });
  return opener;
}

describe('spec/test-vectors/sealed-datagrams.json', () => {
  const set = buildSealedDatagramVectors(provider);
  const content = `${JSON.stringify(generate(set), null, 2)}\n`;
  if (UPDATE) writeFileSync(FILE, content);

  it('matches the builder byte for byte (DCQ_UPDATE_VECTORS=1 rewrites it)', () => {
    expect(readFileSync(FILE, 'utf8')).toBe(content);
  });

  const file = JSON.parse(readFileSync(FILE, 'utf8')) as VectorFileJson;

  it('holds the required kinds of vectors', () => {
    const kinds = file.vectors.map((v) => v.datagram);
    expect(file.vectors.length).toBeGreaterThanOrEqual(6);
    for (const kind of ['CONTROL', 'SECRET_CONTROL', 'UNKNOWN_PATH_SECRET', 'DATA']) expect(kinds).toContain(kind);
    const control = file.vectors.filter((v) => v.datagram === 'CONTROL');
    expect(control.some((v) => (v.fields.messages as Json[]).length === 1)).toBe(true);
    expect(control.some((v) => v.fields.keyId === 1)).toBe(true);
    const several = control.find((v) => (v.fields.messages as Json[]).length >= 3) as VectorJson;
    const names = (several.fields.messages as { message: string; fields: Fields }[]).map((m) => m.message);
    expect(names).toEqual(['TRANSFER_NOTIFY', 'PULL_REQUEST', 'RANGE_ACK']);
    const notify = (several.fields.messages as { fields: { entries: Fields[] } }[])[0]?.fields.entries ?? [];
    expect(notify.some((e) => str(e.inline).length > 0)).toBe(true);
    const secret = file.vectors.find((v) => v.datagram === 'SECRET_CONTROL') as VectorJson;
    expect((secret.fields.messages as { message: string }[])[0]?.message).toBe('RETIRE_CONTROL_KEY');
  });

  it('seal(fields) == hex for every CONTROL / SECRET_CONTROL vector (independent of the sealer)', () => {
    const secret = fromHex(str(file.pathSecret.secret));
    let checked = 0;
    for (const v of file.vectors) {
      if (v.datagram !== 'CONTROL' && v.datagram !== 'SECRET_CONTROL') continue;
      expect(toHex(sealFromFields(provider, secret, v.datagram, v.fields)), v.name).toBe(v.hex);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(5);
  });

  it('UNKNOWN_PATH_SECRET and DATA vectors encode from their fields', () => {
    for (const v of file.vectors) {
      if (v.datagram === 'UNKNOWN_PATH_SECRET' || v.datagram === 'DATA') {
        expect(toHex(encodeDatagram(v.datagram, v.fields)), v.name).toBe(v.hex);
      }
    }
  });

  it('open(hex) == fields for every vector, in file order, with one receiver', () => {
    const opener = receiverFor(provider, file);
    for (const v of file.vectors) {
      const bytes = fromHex(v.hex);
      const result = opener.open(bytes, 0, bytes.length, 1000);
      const o = opener.opened;
      if (v.datagram === 'CONTROL' || v.datagram === 'SECRET_CONTROL') {
        expect(result, v.name).toBe(OpenResult.Ok);
        expect(o.kind).toBe(v.datagram === 'CONTROL' ? DatagramKind.Control : DatagramKind.SecretControl);
        expect(o.senderWorkerId).toBe(v.fields.workerId);
        expect(o.keyId).toBe(v.fields.keyId);
        expect(o.packetNumber).toBe(v.fields.packetNumber);
        expect(o.peerSlot).toBe(1);
        const body = bytes.slice(o.bodyOffset, o.bodyOffset + o.bodyLength);
        expect(toHex(body)).toBe(v.fields.body);
        expect(messagesOf(body, o.kind)).toEqual(v.fields.messages);
      } else if (v.datagram === 'UNKNOWN_PATH_SECRET') {
        expect(result, v.name).toBe(OpenResult.PeerLostPathSecret);
        expect(o.entry).toBe(opener.pathSecrets.find(fromHex(str(file.pathSecret.id)), 0));
        expect(o.entryIsCurrent).toBe(true);
      } else {
        expect(result, v.name).toBe(OpenResult.Data);
        expect(o.chunkCount).toBe(1);
        expect(decodeDatagram('DATA', bytes).fields).toEqual(v.fields);
      }
    }
    // The SECRET_CONTROL vector retired key ids below 1 of worker 3: key-0 vectors no longer open.
    const first = fromHex((file.vectors[0] as VectorJson).hex);
    expect(opener.open(first, 0, first.length, 2000)).toBe(OpenResult.KeyRetired);
  });

  it('the DATA vector carries a record that opens to the buffer payload under the NOTIFY data key', () => {
    const notifyVector = file.vectors.find(
      (v) => (v.fields.messages as Json[] | undefined)?.length === 3,
    ) as VectorJson;
    const entries = (notifyVector.fields.messages as { fields: { entries: Fields[] } }[])[0]?.fields.entries ?? [];
    const bufferEntry = entries.find((e) => str(e.bufferId) !== '0000000000000000') as Fields;
    expect(bufferEntry.bufferId).toBe(file.buffer.bufferId);
    const dataVector = file.vectors.find((v) => v.datagram === 'DATA') as VectorJson;
    const chunk = (dataVector.fields.chunks as Fields[])[0] as Fields;
    const record = fromHex(str(chunk.bytes));
    const key = new PayloadKey({
      provider,
      keyMaterial: fromHex(str(bufferEntry.dataKey) + str(bufferEntry.dataIv)),
      bufferIdHi: Number.parseInt(str(bufferEntry.bufferId).slice(0, 8), 16),
      bufferIdLo: Number.parseInt(str(bufferEntry.bufferId).slice(8), 16),
      payloadBytes: num(bufferEntry.payloadSize),
      recordSizeLog2: num(bufferEntry.recordSizeLog2),
      authenticateOnly: false,
    });
    expect(key.sealedBytes).toBe(record.length);
    expect(new PayloadRecordCipher({ provider }).openRecord(key, 0, record, 0)).toBe(true);
    expect(toHex(record.subarray(0, key.payloadBytes))).toBe(file.buffer.payload);
  });

  it('the receiver applies RETIRE_CONTROL_KEY from the SECRET_CONTROL vector', () => {
    const opener = receiverFor(provider, file);
    const secretVector = file.vectors.find((v) => v.datagram === 'SECRET_CONTROL') as VectorJson;
    const bytes = fromHex(secretVector.hex);
    expect(opener.open(bytes, 0, bytes.length, 0)).toBe(OpenResult.Ok);
    expect(opener.opened.retiredControlKeys).toBe(1);
    const entry = opener.opened.entry;
    expect(opener.receiverOf(entry, KEY_KIND_CONTROL)?.retiredBelow(3)).toBe(1);
    const it2 = new MessageIterator();
    it2.reset(bytes, opener.opened.bodyOffset, opener.opened.bodyLength, DatagramKind.SecretControl);
    it2.next();
    expect(it2.type).toBe(MessageType.RetireControlKey);
  });

  it('insertSealedVectorSecret installs the same entry as the PSK derivation', () => {
    const other = new DatagramOpener({ provider, pathSecrets: MAP_OPTIONS });
    const entry = insertSealedVectorSecret(other.pathSecrets, set, 1, 0);
    const bytes = fromHex((file.vectors[0] as VectorJson).hex);
    expect(other.open(bytes, 0, bytes.length, 0)).toBe(OpenResult.Ok);
    expect(other.opened.entry).toBe(entry);
  });
});
