/**
 * Test fixture of the pcap tests: loads the spec's test vectors and builds a capture from them —
 * every sealed-datagram vector (as captured and decrypted), one sealed CONTROL / SECRET_CONTROL
 * datagram per messages.json vector (sealed here with core's ControlDatagramSealer under a PSK path
 * secret, then decrypted by the CaptureDecryptor), the DATA_CHUNKS and UNKNOWN_PATH_SECRET vectors
 * as datagrams, and malformed datagrams. Each frame's expectation is returned beside it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  ControlDatagramSealer,
  ControlKeySender,
  createSeededRandom,
  DatagramKind,
  derivePskPathSecret,
  KEY_KIND_CONTROL,
  KEY_KIND_SECRET_CONTROL,
  MessageType,
  NobleCryptoProvider,
  PathKeySchedule,
} from '@dcq/core';
import {
  CaptureDecryptor,
  CaptureDecryptResult,
  MemoryPcapSink,
  PcapCapture,
  PcapPacketRecord,
  PcapWriter,
} from '../src/index.js';

const VECTORS_DIR = fileURLToPath(new URL('../../spec/test-vectors/', import.meta.url));

/** Absolute path of the dissector. */
export const DISSECTOR_PATH = fileURLToPath(new URL('../dissector/dcq.lua', import.meta.url));

/** A messages.json vector. */
export interface MessageVector {
  readonly name: string;
  readonly message: string;
  readonly fields: Record<string, unknown>;
  readonly hex: string;
}

/** A sealed-datagrams.json vector. */
export interface SealedVector {
  readonly name: string;
  readonly datagram: 'CONTROL' | 'SECRET_CONTROL' | 'UNKNOWN_PATH_SECRET' | 'DATA';
  readonly fields: Record<string, unknown> & {
    readonly messages?: readonly { readonly message: string; readonly fields: Record<string, unknown> }[];
  };
  readonly hex: string;
}

/** sealed-datagrams.json. */
export interface SealedVectorFile {
  readonly pathSecret: {
    readonly secret: string;
    readonly id: string;
    readonly senderDirection: 0 | 1;
  };
  readonly vectors: readonly SealedVector[];
}

/** messages.json. */
export interface MessageVectorFile {
  readonly vectors: readonly MessageVector[];
}

/** Parses lower-case hex. */
export function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** Loads spec/test-vectors/messages.json. */
export function loadMessageVectors(): MessageVectorFile {
  return JSON.parse(readFileSync(`${VECTORS_DIR}messages.json`, 'utf8')) as MessageVectorFile;
}

/** Loads spec/test-vectors/sealed-datagrams.json. */
export function loadSealedVectors(): SealedVectorFile {
  return JSON.parse(readFileSync(`${VECTORS_DIR}sealed-datagrams.json`, 'utf8')) as SealedVectorFile;
}

/** What one frame of the capture is. */
export type FrameExpectation =
  | { readonly source: 'sealed'; readonly vector: SealedVector; readonly decrypted: boolean }
  | { readonly source: 'message'; readonly vector: MessageVector; readonly decrypted: boolean }
  | { readonly source: 'malformed'; readonly name: string; readonly decrypted: boolean }
  | { readonly source: 'undecryptable'; readonly name: string; readonly decrypted: false };

/** The built capture. */
export interface VectorCapture {
  /** The pcap file's bytes. */
  readonly pcap: Uint8Array;
  /** Frame i + 1 (tshark numbers from 1) is `frames[i]`. */
  readonly frames: readonly FrameExpectation[];
  /** Timestamp of frame i + 1 in ns. */
  readonly timesNs: readonly number[];
  /** The decryptor's result counters. */
  readonly decryptCounters: Float64Array;
}

const MESSAGE_TYPE_OF_NAME: Record<string, number> = {
  PADDING: MessageType.Padding,
  TRANSFER_NOTIFY: MessageType.TransferNotify,
  TRANSFER_ACCEPT: MessageType.TransferAccept,
  PULL_REQUEST: MessageType.PullRequest,
  DATA_CHUNKS: MessageType.DataChunks,
  RANGE_ACK: MessageType.RangeAck,
  CANCEL_PULL: MessageType.CancelPull,
  FLOW_RESET: MessageType.FlowReset,
  TRANSFER_CHALLENGE: MessageType.TransferChallenge,
  TRANSFER_CHALLENGE_RESPONSE: MessageType.TransferChallengeResponse,
  PROBE: MessageType.Probe,
  PROBE_RESPONSE: MessageType.ProbeResponse,
  STREAM_CLOSE: MessageType.StreamClose,
  STREAM_CLOSE_ACK: MessageType.StreamCloseAck,
  RETIRE_CONTROL_KEY: MessageType.RetireControlKey,
  RETIRE_DATA_KEY: MessageType.RetireDataKey,
  UNKNOWN_PATH_SECRET: MessageType.UnknownPathSecret,
};

/** The wire code of a message name from the vectors. */
export function messageTypeOf(name: string): number {
  const code = MESSAGE_TYPE_OF_NAME[name];
  if (code === undefined) throw new Error(`unknown message name ${name}`);
  return code;
}

/** Key options of {@link PskPath.sealer}. */
export interface SealerKeyOptions {
  readonly firstKeyId?: number;
  readonly rotateAfterPackets?: number;
}

/** Both directions' sealers of one PSK path secret between hosts "alpha" (lower) and "beta". */
export interface PskPath {
  readonly id: Uint8Array;
  readonly secret: Uint8Array;
  /** A fresh sealer of one side (direction bit) for a key kind and worker. */
  sealer(side: 0 | 1, kind: 0 | 1, workerId: number, keys?: SealerKeyOptions): ControlDatagramSealer;
}

/** Derives the PSK path secret between alpha and beta and hands out sealers of either side. */
export function pskPath(provider: NobleCryptoProvider, epoch = 1): PskPath {
  const derived = derivePskPathSecret(provider, {
    psk: new TextEncoder().encode('dcq pcap test pre-shared secret!'),
    localIdentity: new TextEncoder().encode('alpha'),
    peerIdentity: new TextEncoder().encode('beta'),
    epoch,
    version: 1,
  });
  const schedule = new PathKeySchedule(provider, derived.secret);
  return {
    id: derived.id,
    secret: derived.secret,
    sealer(side, kind, workerId, keys = {}) {
      return new ControlDatagramSealer({
        keys: new ControlKeySender({ ...keys, schedule, kind, workerId, direction: side }),
        pathSecretId: derived.id,
      });
    },
  };
}

/** Seals `body` (framed messages) into a fresh datagram with `sealer`. */
export function sealBody(sealer: ControlDatagramSealer, body: Uint8Array): Uint8Array {
  const buffer = new Uint8Array(9000);
  const start = sealer.begin(buffer, 0, buffer.length);
  if (start < 0) throw new Error('no room');
  buffer.set(body, start);
  const length = sealer.seal(start + body.length);
  if (length < 0) throw new Error(`seal failed: ${length}`);
  return buffer.slice(0, length);
}

const FRAME_STEP_NS = 1_000_003;

/**
 * Builds the capture. Hosts: the sealed vectors go from host 2 nic 1 to host 1 nic 0; message
 * vectors between hosts 1 and 2 (nic 0, alternating sides); unsealed malformed datagrams from host 3;
 * malformed sealed bodies from host 1.
 */
export function buildVectorCapture(): VectorCapture {
  const provider = new NobleCryptoProvider({ random: createSeededRandom(7) });
  const sealedFile = loadSealedVectors();
  const messageFile = loadMessageVectors();
  const sink = new MemoryPcapSink();
  // A small buffer so the capture flushes several times on the way.
  const writer = new PcapWriter({ sink, bufferBytes: 70_000, epochSeconds: 1_700_000_000 });
  const decryptor = new CaptureDecryptor({ provider, keyCacheCapacity: 4 });
  const frames: FrameExpectation[] = [];
  const timesNs: number[] = [];
  const packet = new PcapPacketRecord();
  let timeNs = 123;

  const record = (capture: PcapCapture, bytes: Uint8Array, from: number, to: number, expect: FrameExpectation[]) => {
    packet.timeNs = timeNs;
    packet.sourceHost = from;
    packet.sourceNic = from === 2 ? 1 : 0;
    packet.destinationHost = to;
    packet.destinationNic = 0;
    packet.flags = 0;
    packet.bytes = bytes;
    packet.offset = 0;
    packet.length = bytes.length;
    const before = writer.recordsWritten;
    capture.record(packet);
    const written = writer.recordsWritten - before;
    if (written !== expect.length) {
      throw new Error(`expected ${expect.length} records for one datagram, wrote ${written}`);
    }
    for (const e of expect) {
      frames.push(e);
      timesNs.push(timeNs);
    }
    timeNs += FRAME_STEP_NS;
  };

  // 1. Sealed vectors, ciphertext kept: a registration without a fixed direction (the decryptor tries both).
  decryptor.register({
    pathSecretId: hexBytes(sealedFile.pathSecret.id),
    pathSecret: hexBytes(sealedFile.pathSecret.secret),
  });
  const both = new PcapCapture({ writer, decryptor, keepCiphertext: true });
  for (const vector of sealedFile.vectors) {
    const sealed = vector.datagram === 'CONTROL' || vector.datagram === 'SECRET_CONTROL';
    const expect: FrameExpectation[] = [{ source: 'sealed', vector, decrypted: false }];
    if (sealed) expect.push({ source: 'sealed', vector, decrypted: true });
    record(both, hexBytes(vector.hex), 2, 1, expect);
  }

  // 2. messages.json: one datagram per vector, sealed by alternating sides and workers.
  const path = pskPath(provider);
  decryptor.register({ pathSecretId: path.id, pathSecret: path.secret });
  const sealers = [
    [path.sealer(0, KEY_KIND_CONTROL, 0), path.sealer(0, KEY_KIND_SECRET_CONTROL, 0)],
    [path.sealer(1, KEY_KIND_CONTROL, 5, { firstKeyId: 0xfffffff0 }), path.sealer(1, KEY_KIND_SECRET_CONTROL, 5)],
  ] as const;
  const decryptedOnly = new PcapCapture({ writer, decryptor });
  messageFile.vectors.forEach((vector, index) => {
    const bytes = hexBytes(vector.hex);
    if (vector.message === 'DATA_CHUNKS') {
      const datagram = new Uint8Array(2 + bytes.length);
      datagram[0] = DatagramKind.Data << 4;
      datagram[1] = 1;
      datagram.set(bytes, 2);
      record(decryptedOnly, datagram, 1, 2, [{ source: 'message', vector, decrypted: false }]);
      return;
    }
    if (vector.message === 'UNKNOWN_PATH_SECRET') {
      record(decryptedOnly, bytes, 1, 2, [{ source: 'message', vector, decrypted: false }]);
      return;
    }
    const secret = vector.message === 'RETIRE_CONTROL_KEY' || vector.message === 'RETIRE_DATA_KEY';
    const side = (index % 2) as 0 | 1;
    const sealer = sealers[side][secret ? 1 : 0];
    record(decryptedOnly, sealBody(sealer, bytes), side === 0 ? 1 : 2, side === 0 ? 2 : 1, [
      { source: 'message', vector, decrypted: true },
    ]);
  });

  // 3. A datagram under a path secret the capture does not hold: written as captured.
  const stranger = pskPath(provider, 99);
  record(decryptedOnly, sealBody(stranger.sealer(0, KEY_KIND_CONTROL, 1), hexBytes('0a000800000011075bcd15')), 1, 2, [
    { source: 'undecryptable', name: 'unknown path secret', decrypted: false },
  ]);

  // 4. Malformed datagrams: the dissector must mark them and never fail. Decrypted ones are sealed
  // bodies that authenticate but break the framing (the sealer does not validate bodies).
  const malformedPlain: [string, Uint8Array][] = [
    ['one byte', hexBytes('10')],
    ['control header cut', hexBytes('1001'.padEnd(40, 'ab'))],
    ['undefined kind', hexBytes('5001aabbcc')],
    ['reserved kind bits', hexBytes('3101000100020000007700000009000000000000000101')],
    ['DATA chunk cut', hexBytes('30010001000200000077000000090000000000000010aabb')],
    ['DATA chunk header cut', hexBytes('300100010002000000770000')],
    ['DATA without chunks', hexBytes('3001')],
    ['UNKNOWN_PATH_SECRET too short', hexBytes('4001aabbccdd')],
    ['version 2', hexBytes('3002000100020000007700000009000000000000000101')],
  ];
  for (const [name, bytes] of malformedPlain) {
    record(decryptedOnly, bytes, 3, 1, [{ source: 'malformed', name, decrypted: false }]);
  }
  const malformedBodies: [string, string][] = [
    ['message length past the body', '0a00ff00000011'],
    ['framing cut (2 bytes left)', '0a000800000011075bcd150a00'],
    ['undefined message type 0x0e', '0e0000'],
    ['RETIRE_DATA_KEY in CONTROL', '210009010000000100000001'],
    ['PROBE body too short', '0a0003000000'],
    ['PROBE body too long', '0a000a00000011075bcd15ffff'],
    ['NOTIFY count 0', '01000100'],
    ['NOTIFY entry cut', '01000a01000000000000000000'],
    ['NOTIFY inline payload past the body', '01001d0100000000000000000000000100000001010000010000000000ffaabb'],
    ['PULL_REQUEST range count beyond the body', '03001a0100000200000005030000010000004200000001000000000005'],
    ['PADDING not zero', '0000020001'],
  ];
  for (const [name, body] of malformedBodies) {
    record(decryptedOnly, sealBody(sealers[0][0], hexBytes(body)), 1, 2, [
      { source: 'malformed', name, decrypted: true },
    ]);
  }

  writer.close();
  if (decryptor.counters[CaptureDecryptResult.AuthenticationFailed] !== 0) {
    throw new Error('a fixture datagram failed to decrypt');
  }
  return { pcap: sink.toBytes(), frames, timesNs, decryptCounters: decryptor.counters };
}
