/**
 * The sealed-datagram test vectors (spec/test-vectors/sealed-datagrams.json), built
 * deterministically from fixed inputs: a PSK-mode path secret between the identities "alpha"
 * (receiver) and "beta" (sender), fixed ids, fixed data key material and packet numbers following
 * from the order of sealing. Owns the vector definitions so the vector test, the node:crypto
 * cross-check and the wire fuzzer (which mutates these datagrams) all use the very same bytes.
 *
 * spec: security.md#control-aead, protocol.md#datagram
 */
import { assert } from './assert.js';
import { ControlKeySender } from './crypto/control-keys.js';
import { KEY_KIND_CONTROL, KEY_KIND_SECRET_CONTROL, PathKeySchedule } from './crypto/key-schedule.js';
import { PayloadKey, PayloadRecordCipher } from './crypto/payload-records.js';
import { asciiBytes, type CryptoProvider } from './crypto/provider.js';
import { derivePskPathSecret, derivePskResetKey, type PathSecretMap, statelessResetTag } from './path-secret-map.js';
import { ControlDatagramSealer } from './secure-datagram.js';
import { AcceptStatus, DatagramKind, NotifyFlag, StatusCode, TransferKind, WIRE_VERSION } from './wire/constants.js';
import { DataChunkView, encodeDataChunk, encodeDataDatagramHeader } from './wire/data-chunks.js';
import { encodeUnknownPathSecret, UnknownPathSecretView } from './wire/header.js';
import { encodePadding, encodeProbe, ProbeView } from './wire/probe-messages.js';
import { encodePullRequest, encodeRangeAck, PullRequestView, RangeAckView } from './wire/pull-messages.js';
import {
  encodeRetireControlKey,
  encodeRetireDataKey,
  RetireControlKeyView,
  RetireDataKeyView,
} from './wire/retire-messages.js';
import {
  encodeFlowReset,
  encodeTransferAccept,
  encodeTransferChallengeResponse,
  FlowResetView,
  TransferAcceptView,
  TransferChallengeView,
} from './wire/transfer-messages.js';
import { appendNotifyEntry, beginTransferNotify, NotifyEntryView } from './wire/transfer-notify.js';

/** Datagram forms of the vectors. */
export type SealedVectorDatagram = 'CONTROL' | 'SECRET_CONTROL' | 'UNKNOWN_PATH_SECRET' | 'DATA';

/** One vector datagram. */
export interface SealedDatagramVector {
  /** What it shows. */
  readonly name: string;
  /** Its form. */
  readonly datagram: SealedVectorDatagram;
  /** CONTROL / SECRET_CONTROL: sending worker id (else 0). */
  readonly workerId: number;
  /** CONTROL / SECRET_CONTROL: key id (secret-control generation) (else 0). */
  readonly keyId: number;
  /** CONTROL / SECRET_CONTROL: packet number (else 0). */
  readonly packetNumber: number;
  /** CONTROL / SECRET_CONTROL: the plaintext body (framed messages); empty otherwise. */
  readonly body: Uint8Array;
  /** The whole datagram as sent. */
  readonly bytes: Uint8Array;
}

/** Everything the vectors are built from, and the vectors. */
export interface SealedDatagramVectorSet {
  /** The pre-shared secret of PSK mode. */
  readonly psk: Uint8Array;
  /** Identity of the sealing host. */
  readonly senderIdentity: Uint8Array;
  /** Identity of the receiving host. */
  readonly receiverIdentity: Uint8Array;
  /** PSK epoch. */
  readonly epoch: number;
  /** Wire version the path secret is bound to. */
  readonly version: number;
  /** The derived path secret (32 bytes). */
  readonly pathSecret: Uint8Array;
  /** The derived path secret id (16 bytes). */
  readonly pathSecretId: Uint8Array;
  /** Direction bit the sender seals with. */
  readonly senderDirection: 0 | 1;
  /** Direction bit of the receiver (the other one). */
  readonly receiverDirection: 0 | 1;
  /** The sender's stateless-reset key (PSK-derived). */
  readonly senderResetKey: Uint8Array;
  /** The sender's reset tag for the path secret id: what the receiver stores as its peer's tag. */
  readonly senderResetTag: Uint8Array;
  /** Key rotation threshold of the sender's control keys (packets per key). */
  readonly rotateAfterPackets: number;
  /** The buffer of the DATA vector: id (hi, lo). */
  readonly bufferIdHi: number;
  /** Low half of the buffer id. */
  readonly bufferIdLo: number;
  /** Data key material (key 32 || IV 12) of that buffer. */
  readonly dataKeyMaterial: Uint8Array;
  /** Record size log2 of that buffer. */
  readonly recordSizeLog2: number;
  /** Its plaintext payload. */
  readonly payload: Uint8Array;
  /** Its sealed stream. */
  readonly sealedPayload: Uint8Array;
  /** The vectors. */
  readonly vectors: readonly SealedDatagramVector[];
}

/** Sending worker of the control vectors. */
export const SEALED_VECTOR_WORKER_ID = 3;
/** Receiver transfer id of the DATA vector's chunk (hi, lo). */
export const SEALED_VECTOR_RECEIVER_TRANSFER_ID = [0x00010002, 0x00000077] as const;
/** Pull id of the DATA vector's chunk. */
export const SEALED_VECTOR_PULL_ID = 9;

function pattern(length: number, multiplier: number, add: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * multiplier + add) & 0xff;
  return out;
}

/**
 * Builds the sealed-datagram vectors with `provider` (both providers must give identical bytes:
 * nothing random is involved).
 */
export function buildSealedDatagramVectors(provider: CryptoProvider): SealedDatagramVectorSet {
  const psk = asciiBytes('dcq sealed-datagram vectors, v1!');
  const senderIdentity = asciiBytes('beta');
  const receiverIdentity = asciiBytes('alpha');
  const epoch = 7;
  const version = WIRE_VERSION;
  const derived = derivePskPathSecret(provider, {
    psk,
    localIdentity: senderIdentity,
    peerIdentity: receiverIdentity,
    epoch,
    version,
  });
  const senderResetKey = derivePskResetKey(provider, psk, senderIdentity);
  const senderResetTag = statelessResetTag(provider, senderResetKey, derived.id);
  const rotateAfterPackets = 2;
  const schedule = new PathKeySchedule(provider, derived.secret);
  const control = new ControlDatagramSealer({
    keys: new ControlKeySender({
      schedule,
      kind: KEY_KIND_CONTROL,
      workerId: SEALED_VECTOR_WORKER_ID,
      direction: derived.localDirection,
      rotateAfterPackets,
    }),
    pathSecretId: derived.id,
  });
  const secretControl = new ControlDatagramSealer({
    keys: new ControlKeySender({
      schedule,
      kind: KEY_KIND_SECRET_CONTROL,
      workerId: SEALED_VECTOR_WORKER_ID,
      direction: derived.localDirection,
    }),
    pathSecretId: derived.id,
  });

  // The buffer behind the NOTIFY buffer reference and the DATA vector: 200 bytes, 1 KiB records.
  const bufferIdHi = 0x00000001;
  const bufferIdLo = 0x00000042;
  const recordSizeLog2 = 10;
  const payload = pattern(200, 13, 5);
  const dataKeyMaterial = pattern(44, 1, 0xa0);
  const payloadKey = new PayloadKey({
    provider,
    keyMaterial: dataKeyMaterial,
    bufferIdHi,
    bufferIdLo,
    payloadBytes: payload.length,
    recordSizeLog2,
    authenticateOnly: false,
  });
  const sealedPayload = new Uint8Array(payloadKey.sealedBytes);
  new PayloadRecordCipher({ provider }).sealPayload(payloadKey, payload, 0, sealedPayload, 0);

  const vectors: SealedDatagramVector[] = [];
  const buffer = new Uint8Array(1500);
  const sealWith = (
    sealer: ControlDatagramSealer,
    name: string,
    datagram: 'CONTROL' | 'SECRET_CONTROL',
    write: (out: Uint8Array, at: number, end: number) => number,
    datagramBytes = 1472,
  ): void => {
    buffer.fill(0);
    const start = sealer.begin(buffer, 0, datagramBytes);
    assert(start > 0, 'vector datagram does not fit');
    const end = write(buffer, start, sealer.bodyEnd);
    const body = buffer.slice(start, end);
    const length = sealer.seal(end);
    assert(length > 0, 'vector datagram failed to seal');
    vectors.push({
      name,
      datagram,
      workerId: sealer.keys.workerId,
      keyId: sealer.keys.keyId,
      packetNumber: sealer.keys.packetNumber,
      body,
      bytes: buffer.slice(0, length),
    });
  };
  const written = (n: number): number => {
    assert(n > 0, 'vector message does not fit');
    return n;
  };

  // 1. One message.
  sealWith(control, 'control datagram with one message (PROBE)', 'CONTROL', (out, at, end) => {
    const probe = new ProbeView();
    probe.probeId = 0x01020304;
    probe.timestampUs = 123_456_789;
    return at + written(encodeProbe(out, at, end, probe));
  });

  // 2. Several messages: a NOTIFY with an inline entry and a buffer reference, a PULL_REQUEST, a RANGE_ACK.
  sealWith(
    control,
    'control datagram with TRANSFER_NOTIFY (inline + buffer), PULL_REQUEST, RANGE_ACK',
    'CONTROL',
    (out, at, end) => {
      const notifyAt = at;
      at += written(beginTransferNotify(out, at, end));
      const entry = new NotifyEntryView();
      entry.clear();
      entry.notifySequenceHi = 0;
      entry.notifySequenceLo = 0;
      entry.senderTransferIdHi = 0x00030001;
      entry.senderTransferIdLo = 0x00000011;
      entry.kind = TransferKind.UnaryRequest;
      entry.priority = 2;
      entry.flags = NotifyFlag.Inline | NotifyFlag.HasMetadata;
      entry.metadata = 7;
      entry.inlineBytes = pattern(48, 7, 3);
      entry.payloadSize = 48;
      at += written(appendNotifyEntry(out, notifyAt, end, entry));
      entry.clear();
      entry.notifySequenceHi = 0;
      entry.notifySequenceLo = 1;
      entry.senderTransferIdHi = 0x00030001;
      entry.senderTransferIdLo = 0x00000012;
      entry.kind = TransferKind.Bulk;
      entry.priority = 5;
      entry.flags = 0;
      entry.payloadSize = payload.length;
      entry.bufferIdHi = bufferIdHi;
      entry.bufferIdLo = bufferIdLo;
      entry.recordSizeLog2 = recordSizeLog2;
      entry.dataKeyBytes = dataKeyMaterial;
      entry.dataKeyOffset = 0;
      entry.dataIvBytes = dataKeyMaterial;
      entry.dataIvOffset = 32;
      at += written(appendNotifyEntry(out, notifyAt, end, entry));
      const pull = new PullRequestView();
      pull.senderTransferIdHi = 0x00020001;
      pull.senderTransferIdLo = 0x00000031;
      pull.receiverTransferIdHi = SEALED_VECTOR_RECEIVER_TRANSFER_ID[0];
      pull.receiverTransferIdLo = SEALED_VECTOR_RECEIVER_TRANSFER_ID[1];
      pull.pullId = SEALED_VECTOR_PULL_ID;
      pull.flags = 0;
      pull.desiredRateKiBps = 100_000;
      pull.rangeCount = 1;
      pull.rangeOffsets[0] = 0;
      pull.rangeLengths[0] = sealedPayload.length;
      at += written(encodePullRequest(out, at, end, pull));
      const ack = new RangeAckView();
      ack.senderTransferIdHi = 0x00020001;
      ack.senderTransferIdLo = 0x00000030;
      ack.flags = 0;
      ack.rangeCount = 2;
      ack.rangeOffsets[0] = 0;
      ack.rangeLengths[0] = 1040;
      ack.rangeOffsets[1] = 2080;
      ack.rangeLengths[1] = 520;
      return at + written(encodeRangeAck(out, at, end, ack));
    },
  );

  // 3. The third datagram rotates the key (rotateAfterPackets = 2): key id 1, packet number 0.
  sealWith(
    control,
    'control datagram after a key rotation (key id 1): TRANSFER_ACCEPT, TRANSFER_CHALLENGE_RESPONSE',
    'CONTROL',
    (out, at, end) => {
      const accept = new TransferAcceptView();
      accept.senderTransferIdHi = 0x00020001;
      accept.senderTransferIdLo = 0x00000031;
      accept.receiverTransferIdHi = 0x00030001;
      accept.receiverTransferIdLo = 0x00000055;
      accept.notifyCredit = 32;
      accept.status = AcceptStatus.Accepted;
      accept.reasonCode = StatusCode.Ok;
      at += written(encodeTransferAccept(out, at, end, accept));
      const response = new TransferChallengeView();
      response.senderTransferIdHi = 0x00030001;
      response.senderTransferIdLo = 0x00000010;
      response.notifySequenceHi = 0;
      response.notifySequenceLo = 0xfffff;
      response.nonceBytes = pattern(16, 29, 0x11);
      response.nonceOffset = 0;
      return at + written(encodeTransferChallengeResponse(out, at, end, response));
    },
  );

  // 4. A stream item with a header, a FLOW_RESET, and PADDING up to a 256-byte datagram.
  sealWith(
    control,
    'control datagram with a stream-item NOTIFY (header, empty inline payload), FLOW_RESET, PADDING to 256 bytes',
    'CONTROL',
    (out, at, end) => {
      const notifyAt = at;
      at += written(beginTransferNotify(out, at, end));
      const entry = new NotifyEntryView();
      entry.clear();
      entry.notifySequenceHi = 0;
      entry.notifySequenceLo = 2;
      entry.senderTransferIdHi = 0x00030001;
      entry.senderTransferIdLo = 0x00000013;
      entry.kind = TransferKind.StreamRequestItem;
      entry.priority = 0;
      entry.flags = NotifyFlag.Inline | NotifyFlag.HasStream | NotifyFlag.EndOfStream | NotifyFlag.HasHeader;
      entry.streamIdHi = 0x00030000;
      entry.streamIdLo = 0x00000004;
      entry.streamItemIndex = 17;
      entry.headerBytes = pattern(16, 31, 0x40);
      entry.headerOffset = 0;
      entry.headerLength = 16;
      entry.payloadSize = 0;
      at += written(appendNotifyEntry(out, notifyAt, end, entry));
      const reset = new FlowResetView();
      reset.senderTransferIdHi = 0x00030001;
      reset.senderTransferIdLo = 0x00000009;
      reset.receiverTransferIdHi = 0;
      reset.receiverTransferIdLo = 0;
      reset.statusCode = StatusCode.UnknownTransfer;
      at += written(encodeFlowReset(out, at, end, reset));
      // PADDING fills the body so that the datagram is exactly 256 bytes.
      return at + written(encodePadding(out, at, end, end - at - 3));
    },
    256,
  );

  // 5. SECRET_CONTROL: RETIRE_CONTROL_KEY (key ids below 1 of worker 3) and RETIRE_DATA_KEY.
  sealWith(
    secretControl,
    'secret-control datagram: RETIRE_CONTROL_KEY, RETIRE_DATA_KEY',
    'SECRET_CONTROL',
    (out, at, end) => {
      const retire = new RetireControlKeyView();
      retire.workerId = SEALED_VECTOR_WORKER_ID;
      retire.keyIdBelow = 1;
      at += written(encodeRetireControlKey(out, at, end, retire));
      const retireData = new RetireDataKeyView();
      retireData.count = 1;
      retireData.bufferIdHi[0] = bufferIdHi;
      retireData.bufferIdLo[0] = bufferIdLo;
      return at + written(encodeRetireDataKey(out, at, end, retireData));
    },
  );

  // 6. UNKNOWN_PATH_SECRET: the sender lost the secret and says so with its reset tag.
  {
    const view = new UnknownPathSecretView();
    view.version = version;
    view.pathSecretIdBytes = derived.id;
    view.pathSecretIdOffset = 0;
    view.resetTagBytes = senderResetTag;
    view.resetTagOffset = 0;
    const bytes = new Uint8Array(34);
    assert(encodeUnknownPathSecret(bytes, 0, bytes.length, view) === 34, 'UNKNOWN_PATH_SECRET vector');
    vectors.push({
      name: 'UNKNOWN_PATH_SECRET datagram (PSK reset tag of the sender)',
      datagram: 'UNKNOWN_PATH_SECRET',
      workerId: 0,
      keyId: 0,
      packetNumber: 0,
      body: new Uint8Array(0),
      bytes,
    });
  }

  // 7. DATA: one chunk carrying the whole sealed record of the buffer (216 bytes).
  {
    const bytes = new Uint8Array(2 + 20 + sealedPayload.length);
    let at = encodeDataDatagramHeader(bytes, 0, bytes.length);
    const chunk = new DataChunkView();
    chunk.receiverTransferIdHi = SEALED_VECTOR_RECEIVER_TRANSFER_ID[0];
    chunk.receiverTransferIdLo = SEALED_VECTOR_RECEIVER_TRANSFER_ID[1];
    chunk.pullId = SEALED_VECTOR_PULL_ID;
    chunk.sealedOffset = 0;
    chunk.length = sealedPayload.length;
    chunk.bytes = sealedPayload;
    chunk.bytesOffset = 0;
    at += encodeDataChunk(bytes, at, bytes.length, chunk);
    assert(at === bytes.length, 'DATA vector size');
    vectors.push({
      name: 'DATA datagram carrying a sealed payload record (200-byte payload, 1 KiB records)',
      datagram: 'DATA',
      workerId: 0,
      keyId: 0,
      packetNumber: 0,
      body: new Uint8Array(0),
      bytes,
    });
  }
  schedule.destroy();
  assert(
    vectors.every((v) => v.datagram !== 'CONTROL' || v.bytes[0] === DatagramKind.Control << 4),
    'control vector kind byte',
  );

  return {
    psk,
    senderIdentity,
    receiverIdentity,
    epoch,
    version,
    pathSecret: derived.secret,
    pathSecretId: derived.id,
    senderDirection: derived.localDirection,
    receiverDirection: derived.localDirection === 0 ? 1 : 0,
    senderResetKey,
    senderResetTag,
    rotateAfterPackets,
    bufferIdHi,
    bufferIdLo,
    dataKeyMaterial,
    recordSizeLog2,
    payload,
    sealedPayload,
    vectors,
  };
}

/**
 * Installs the vectors' path secret in a receiver's map as the receiving host ("alpha") holds it:
 * active, the receiver's direction, the sender's reset tag. Returns the entry.
 */
export function insertSealedVectorSecret(
  map: PathSecretMap,
  set: SealedDatagramVectorSet,
  peerSlot: number,
  nowUs: number,
): number {
  return map.insert({
    id: set.pathSecretId,
    secret: set.pathSecret,
    peerSlot,
    localDirection: set.receiverDirection,
    version: set.version,
    peerResetTag: set.senderResetTag,
    nowUs,
  });
}
