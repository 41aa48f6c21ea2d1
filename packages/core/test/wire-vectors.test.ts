/**
 * spec/test-vectors/messages.json and headers.json: defined here, produced by the codec, checked in.
 * With DCQ_UPDATE_VECTORS=1 (`npm run vectors`) the files are regenerated; otherwise they must equal
 * what this file generates, and every vector must round-trip byte-exact both ways (fields → encode
 * == hex; decode(hex) == fields), and every rejection vector must be rejected with its reason.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  AcceptStatus,
  ControlHeaderView,
  DataDatagramView,
  DatagramKind,
  DecodeReason,
  decodeControlHeader,
  decodeDataDatagram,
  decodeUnknownPathSecret,
  MessageIterator,
  MessageViews,
  NotifyFlag,
  PullFlag,
  peekDatagramKind,
  RangeAckFlag,
  reasonName,
  StatusCode,
  StreamFlag,
  TransferKind,
  U48_MAX,
  UnknownPathSecretView,
  validateControlBody,
} from '../src/index.js';
import {
  type DatagramName,
  decodeDatagram,
  decodeMessage,
  encodeDatagram,
  encodeToBytes,
  type Fields,
  fromHex,
  type Json,
  type MessageName,
  toHex,
} from './wire-fixtures.js';

const UPDATE = process.env.DCQ_UPDATE_VECTORS === '1';
const VECTORS_DIR = fileURLToPath(new URL('../../../spec/test-vectors/', import.meta.url));
const MESSAGES_PATH = `${VECTORS_DIR}messages.json`;
const HEADERS_PATH = `${VECTORS_DIR}headers.json`;

// ---------------------------------------------------------------------------------------------
// Building blocks.
// ---------------------------------------------------------------------------------------------

const ZERO_ID = '0000000000000000';
const MAX_ID = 'ffffffffffffffff';
const U32_MAX = 0xffffffff;
/** Largest payload whose sealed size (1 MiB records) is exactly SEALED_SIZE_MAX. */
const PAYLOAD_SIZE_MAX_1MIB = 281470681808879;

/** Deterministic filler bytes as hex: byte i = (seed + 37 i) mod 256. */
function pattern(length: number, seed: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += ((seed + 37 * i) & 0xff).toString(16).padStart(2, '0');
  return text;
}

function entry(fields: Partial<Record<string, Json>>): Fields {
  return {
    notifySequence: ZERO_ID,
    senderTransferId: '0000000100000001',
    kind: TransferKind.UnaryRequest,
    priority: 0,
    flags: NotifyFlag.Inline,
    payloadSize: 0,
    replyToTransferId: ZERO_ID,
    streamId: ZERO_ID,
    streamItemIndex: 0,
    metadata: 0,
    header: '',
    inline: '',
    bufferId: ZERO_ID,
    recordSizeLog2: 0,
    dataKey: '',
    dataIv: '',
    ...(fields as Record<string, Json>),
  };
}

function range(offset: number, length: number): Json {
  return { offset, length };
}

interface Vector {
  readonly name: string;
  readonly message: string;
  readonly fields: Fields;
  hex?: string;
}

function v(message: MessageName, name: string, fields: Fields): Vector {
  return { name, message, fields };
}

// ---------------------------------------------------------------------------------------------
// Message vectors.
// ---------------------------------------------------------------------------------------------

const FLAGS_ALL_BUT_INLINE =
  NotifyFlag.AuthOnly |
  NotifyFlag.EndOfStream |
  NotifyFlag.Retry |
  NotifyFlag.HasReplyTo |
  NotifyFlag.HasStream |
  NotifyFlag.HasMetadata |
  NotifyFlag.HasHeader;

function messageVectors(): Vector[] {
  const vectors: Vector[] = [
    v('PADDING', 'empty padding (3 bytes)', { length: 0 }),
    v('PADDING', 'one byte of padding', { length: 1 }),
    v('PADDING', '100 bytes of padding', { length: 100 }),

    v('TRANSFER_NOTIFY', 'unary request, 64-byte inline payload and metadata', {
      entries: [
        entry({
          notifySequence: '0000000000000007',
          senderTransferId: '0100000200000005',
          priority: 2,
          flags: NotifyFlag.Inline | NotifyFlag.HasMetadata,
          payloadSize: 64,
          metadata: 0x00010203,
          inline: pattern(64, 1),
        }),
      ],
    }),
    v('TRANSFER_NOTIFY', 'response with reply-to and header, buffer reference, retry', {
      entries: [
        entry({
          notifySequence: '00000001fffffffe',
          senderTransferId: '0200000300000010',
          kind: TransferKind.Response,
          priority: 4,
          flags: NotifyFlag.HasReplyTo | NotifyFlag.HasHeader | NotifyFlag.Retry,
          payloadSize: 1_000_000,
          replyToTransferId: '0100000200000005',
          header: pattern(5, 9),
          bufferId: '0000000900000002',
          recordSizeLog2: 16,
          dataKey: pattern(32, 100),
          dataIv: pattern(12, 200),
        }),
      ],
    }),
    v('TRANSFER_NOTIFY', 'unscheduled unary request: 4 KiB in 1 KiB records (sealed 4160 bytes)', {
      entries: [
        entry({
          notifySequence: '0000000000000020',
          senderTransferId: '0100000200000007',
          flags: NotifyFlag.Unscheduled,
          payloadSize: 4096,
          bufferId: '0000000100000003',
          recordSizeLog2: 10,
          dataKey: pattern(32, 13),
          dataIv: pattern(12, 14),
        }),
      ],
    }),
    v('TRANSFER_NOTIFY', 'stream request item: end of stream, empty header, zero-length inline payload', {
      entries: [
        entry({
          notifySequence: '0000000000000000',
          senderTransferId: '0000000100000000',
          kind: TransferKind.StreamRequestItem,
          priority: 0,
          flags: NotifyFlag.Inline | NotifyFlag.EndOfStream | NotifyFlag.HasStream | NotifyFlag.HasHeader,
          payloadSize: 0,
          streamId: '0000000000000001',
          streamItemIndex: 3,
        }),
      ],
    }),
    v(
      'TRANSFER_NOTIFY',
      'stream response item: every flag but INLINE and UNSCHEDULED, max ids, max u48 values, 1 MiB records',
      {
        entries: [
          entry({
            notifySequence: MAX_ID,
            senderTransferId: MAX_ID,
            kind: TransferKind.StreamResponseItem,
            priority: 7,
            flags: FLAGS_ALL_BUT_INLINE,
            payloadSize: PAYLOAD_SIZE_MAX_1MIB,
            replyToTransferId: 'fffffffe80000001',
            streamId: '8000000000000000',
            streamItemIndex: U48_MAX,
            metadata: U32_MAX,
            header: pattern(17, 3),
            bufferId: MAX_ID,
            recordSizeLog2: 20,
            dataKey: 'ff'.repeat(32),
            dataIv: 'ff'.repeat(12),
          }),
        ],
      },
    ),
    v('TRANSFER_NOTIFY', 'three entries: inline unary request, bulk with 1 KiB records, inline 1024-byte response', {
      entries: [
        entry({
          notifySequence: '0000000000000010',
          senderTransferId: '0100000100000001',
          flags: NotifyFlag.Inline,
          payloadSize: 3,
          inline: 'aabbcc',
        }),
        entry({
          notifySequence: '0000000000000011',
          senderTransferId: '0100000100000002',
          kind: TransferKind.Bulk,
          priority: 6,
          flags: 0,
          payloadSize: 1,
          bufferId: '0000000100000001',
          recordSizeLog2: 10,
          dataKey: pattern(32, 7),
          dataIv: '00'.repeat(12),
        }),
        entry({
          notifySequence: '0000000000000012',
          senderTransferId: '0100000100000003',
          kind: TransferKind.Response,
          priority: 1,
          flags: NotifyFlag.Inline | NotifyFlag.HasReplyTo,
          payloadSize: 1024,
          replyToTransferId: '0000000200000009',
          inline: pattern(1024, 77),
        }),
      ],
    }),
    v('TRANSFER_NOTIFY', '64 entries (the maximum), minimal unary requests', {
      entries: Array.from({ length: 64 }, (_, i) =>
        entry({
          notifySequence: (1000 + i).toString(16).padStart(16, '0'),
          senderTransferId: `00000001${(i + 1).toString(16).padStart(8, '0')}`,
          priority: i % 8,
        }),
      ),
    }),

    v('TRANSFER_ACCEPT', 'accepted with notify credit', {
      senderTransferId: '0100000200000005',
      receiverTransferId: '0300000100000042',
      notifyCredit: 16,
      status: AcceptStatus.Accepted,
      reasonCode: StatusCode.Ok,
    }),
    v('TRANSFER_ACCEPT', 'rejected (LIMIT_EXCEEDED) without a receiver id', {
      senderTransferId: '0100000200000006',
      receiverTransferId: ZERO_ID,
      notifyCredit: 0,
      status: AcceptStatus.Rejected,
      reasonCode: StatusCode.LimitExceeded,
    }),
    v('TRANSFER_ACCEPT', 'accepted, unscheduled chunks taken', {
      senderTransferId: '0100000200000007',
      receiverTransferId: '0300000100000043',
      notifyCredit: 1,
      status: AcceptStatus.AcceptedUnscheduled,
      reasonCode: StatusCode.Ok,
    }),
    v('TRANSFER_ACCEPT', 'queued, max credit and ids', {
      senderTransferId: MAX_ID,
      receiverTransferId: MAX_ID,
      notifyCredit: U32_MAX,
      status: AcceptStatus.Queued,
      reasonCode: StatusCode.Ok,
    }),

    v('PULL_REQUEST', 'one range, no rate limit', {
      senderTransferId: '0100000200000005',
      receiverTransferId: '0300000100000042',
      pullId: 1,
      flags: 0,
      desiredRateKiBps: 0,
      ranges: [range(0, 65552)],
    }),
    v('PULL_REQUEST', 'retransmission, 32 ranges (the maximum), max rate', {
      senderTransferId: '8000000000000001',
      receiverTransferId: '0000000180000000',
      pullId: U32_MAX,
      flags: PullFlag.Retransmission,
      desiredRateKiBps: U32_MAX,
      ranges: Array.from({ length: 32 }, (_, i) => range(i * 100_000, 1 + i)),
    }),
    v('PULL_REQUEST', 'adjacent ranges ending exactly at the largest sealed size', {
      senderTransferId: '0100000200000005',
      receiverTransferId: '0300000100000042',
      pullId: 7,
      flags: 0,
      desiredRateKiBps: 125_000,
      ranges: [range(U48_MAX - 2 * U32_MAX, U32_MAX), range(U48_MAX - U32_MAX, U32_MAX)],
    }),

    v('DATA_CHUNKS', 'one chunk of one byte', {
      chunks: [{ receiverTransferId: '0300000100000042', pullId: 1, sealedOffset: 0, bytes: 'ab' }],
    }),
    v('DATA_CHUNKS', 'chunk ending exactly at the largest sealed size, max ids', {
      chunks: [{ receiverTransferId: MAX_ID, pullId: U32_MAX, sealedOffset: U48_MAX - 16, bytes: pattern(16, 5) }],
    }),
    v('DATA_CHUNKS', 'two chunks of different transfers', {
      chunks: [
        { receiverTransferId: '0300000100000042', pullId: 9, sealedOffset: 65552, bytes: pattern(40, 11) },
        { receiverTransferId: '0300000100000043', pullId: 2, sealedOffset: 1, bytes: pattern(3, 12) },
      ],
    }),

    v('RANGE_ACK', 'one range', {
      senderTransferId: '0100000200000005',
      flags: 0,
      ranges: [range(0, 1400)],
    }),
    v('RANGE_ACK', 'complete without ranges', {
      senderTransferId: '0100000200000005',
      flags: RangeAckFlag.Complete,
      ranges: [],
    }),
    v('RANGE_ACK', 'complete with 32 ranges (the maximum), max id', {
      senderTransferId: MAX_ID,
      flags: RangeAckFlag.Complete,
      ranges: Array.from({ length: 32 }, (_, i) => range(i * 3000, 1400 + i)),
    }),

    v('CANCEL_PULL', 'every pull of the transfer (pull id 0)', { senderTransferId: '0100000200000005', pullId: 0 }),
    v('CANCEL_PULL', 'one pull', { senderTransferId: '0100000200000005', pullId: 3 }),
    v('CANCEL_PULL', 'max id and pull id', { senderTransferId: MAX_ID, pullId: U32_MAX }),

    v('FLOW_RESET', 'both ids, CANCELLED', {
      senderTransferId: '0100000200000005',
      receiverTransferId: '0300000100000042',
      statusCode: StatusCode.Cancelled,
    }),
    v('FLOW_RESET', 'sender id only (answer to a challenge), UNKNOWN_TRANSFER', {
      senderTransferId: '0100000200000005',
      receiverTransferId: ZERO_ID,
      statusCode: StatusCode.UnknownTransfer,
    }),
    v('FLOW_RESET', 'receiver id only, highest status code', {
      senderTransferId: ZERO_ID,
      receiverTransferId: MAX_ID,
      statusCode: StatusCode.UnknownStream,
    }),

    v('TRANSFER_CHALLENGE', 'typical', {
      senderTransferId: '0100000200000005',
      notifySequence: '0000000000000007',
      nonce: pattern(16, 21),
    }),
    v('TRANSFER_CHALLENGE', 'zero notify sequence, zero nonce', {
      senderTransferId: '0000000000000001',
      notifySequence: ZERO_ID,
      nonce: '00'.repeat(16),
    }),
    v('TRANSFER_CHALLENGE', 'max values', { senderTransferId: MAX_ID, notifySequence: MAX_ID, nonce: 'ff'.repeat(16) }),

    v('TRANSFER_CHALLENGE_RESPONSE', 'typical', {
      senderTransferId: '0100000200000005',
      notifySequence: '0000000000000007',
      nonce: pattern(16, 21),
    }),
    v('TRANSFER_CHALLENGE_RESPONSE', 'high bits set', {
      senderTransferId: '8000000180000001',
      notifySequence: '8000000000000000',
      nonce: pattern(16, 250),
    }),
    v('TRANSFER_CHALLENGE_RESPONSE', 'max values', {
      senderTransferId: MAX_ID,
      notifySequence: MAX_ID,
      nonce: 'ff'.repeat(16),
    }),

    v('PROBE', 'zero', { probeId: 0, timestampUs: 0 }),
    v('PROBE', 'typical', { probeId: 17, timestampUs: 123_456_789 }),
    v('PROBE', 'max values', { probeId: U32_MAX, timestampUs: U32_MAX }),
    v('PROBE_RESPONSE', 'zero', { probeId: 0, timestampUs: 0 }),
    v('PROBE_RESPONSE', 'typical', { probeId: 17, timestampUs: 123_456_789 }),
    v('PROBE_RESPONSE', 'max values', { probeId: U32_MAX, timestampUs: U32_MAX }),

    v('STREAM_CLOSE', 'graceful end by the opener', {
      streamId: '0000000000000001',
      flags: StreamFlag.Opener,
      statusCode: StatusCode.Ok,
      finalItemCount: 12,
    }),
    v('STREAM_CLOSE', 'abort by the other side, no items', {
      streamId: '0100000000000002',
      flags: 0,
      statusCode: StatusCode.Cancelled,
      finalItemCount: 0,
    }),
    v('STREAM_CLOSE', 'max values', {
      streamId: MAX_ID,
      flags: StreamFlag.Opener,
      statusCode: StatusCode.UnknownStream,
      finalItemCount: U48_MAX,
    }),

    v('STREAM_CLOSE_ACK', 'ack by the other side', { streamId: '0000000000000001', flags: 0 }),
    v('STREAM_CLOSE_ACK', 'ack by the opener', { streamId: '0100000000000002', flags: StreamFlag.Opener }),
    v('STREAM_CLOSE_ACK', 'max id', { streamId: MAX_ID, flags: StreamFlag.Opener }),

    v('RETIRE_CONTROL_KEY', 'worker 0, retire key 0', { workerId: 0, keyIdBelow: 1 }),
    v('RETIRE_CONTROL_KEY', 'typical', { workerId: 3, keyIdBelow: 42 }),
    v('RETIRE_CONTROL_KEY', 'max values', { workerId: 0xffff, keyIdBelow: U32_MAX }),

    v('RETIRE_DATA_KEY', 'one buffer', { bufferIds: ['0000000100000001'] }),
    v('RETIRE_DATA_KEY', 'high bits set', { bufferIds: [MAX_ID, '8000000000000000', '0000000080000000'] }),
    v('RETIRE_DATA_KEY', '128 buffers (the maximum)', {
      bufferIds: Array.from(
        { length: 128 },
        (_, i) => `${(i + 1).toString(16).padStart(8, '0')}0000${i.toString(16).padStart(4, '0')}`,
      ),
    }),

    v('UNKNOWN_PATH_SECRET', 'typical', { version: 1, pathSecretId: pattern(16, 40), resetTag: pattern(16, 140) }),
    v('UNKNOWN_PATH_SECRET', 'zero id and tag', {
      version: 1,
      pathSecretId: '00'.repeat(16),
      resetTag: '00'.repeat(16),
    }),
    v('UNKNOWN_PATH_SECRET', 'max bytes', { version: 1, pathSecretId: 'ff'.repeat(16), resetTag: 'ff'.repeat(16) }),
  ];
  for (const vector of vectors) vector.hex = toHex(encodeToBytes(vector.message as MessageName, vector.fields));
  return vectors;
}

// ---------------------------------------------------------------------------------------------
// Header (datagram) vectors.
// ---------------------------------------------------------------------------------------------

function headerVectors(): Vector[] {
  const vectors: Vector[] = [
    {
      name: 'smallest control datagram (sealed body of 3 bytes + tag)',
      message: 'CONTROL',
      fields: {
        version: 1,
        pathSecretId: pattern(16, 1),
        workerId: 0,
        keyId: 0,
        packetNumber: 0,
        sealed: pattern(19, 2),
      },
    },
    {
      name: 'typical control datagram',
      message: 'CONTROL',
      fields: {
        version: 1,
        pathSecretId: pattern(16, 3),
        workerId: 2,
        keyId: 5,
        packetNumber: 1234,
        sealed: pattern(60, 4),
      },
    },
    {
      name: 'control datagram with max worker, key id and packet number',
      message: 'CONTROL',
      fields: {
        version: 1,
        pathSecretId: 'ff'.repeat(16),
        workerId: 0xffff,
        keyId: U32_MAX,
        packetNumber: U32_MAX,
        sealed: pattern(40, 5),
      },
    },
    {
      name: 'secret-control datagram, key id 0',
      message: 'SECRET_CONTROL',
      fields: {
        version: 1,
        pathSecretId: pattern(16, 6),
        workerId: 1,
        keyId: 0,
        packetNumber: 9,
        sealed: pattern(25, 7),
      },
    },
    {
      name: 'smallest secret-control datagram',
      message: 'SECRET_CONTROL',
      fields: {
        version: 1,
        pathSecretId: '00'.repeat(16),
        workerId: 0,
        keyId: 0,
        packetNumber: 0,
        sealed: '00'.repeat(19),
      },
    },
    {
      name: 'secret-control datagram with max values',
      message: 'SECRET_CONTROL',
      fields: {
        version: 1,
        pathSecretId: 'ff'.repeat(16),
        workerId: 0xffff,
        keyId: U32_MAX,
        packetNumber: U32_MAX,
        sealed: pattern(33, 8),
      },
    },
    {
      name: 'smallest DATA datagram (one 1-byte chunk)',
      message: 'DATA',
      fields: {
        version: 1,
        chunks: [{ receiverTransferId: '0000000000000001', pullId: 1, sealedOffset: 0, bytes: '00' }],
      },
    },
    {
      name: 'unscheduled DATA chunk (pull id 0, the sender transfer id)',
      message: 'DATA',
      fields: {
        version: 1,
        chunks: [{ receiverTransferId: '0100000200000007', pullId: 0, sealedOffset: 1040, bytes: pattern(16, 12) }],
      },
    },
    {
      name: 'DATA datagram with one 1400-byte chunk',
      message: 'DATA',
      fields: {
        version: 1,
        chunks: [
          { receiverTransferId: '0300000100000042', pullId: 4, sealedOffset: 65552 * 3, bytes: pattern(1400, 9) },
        ],
      },
    },
    {
      name: 'DATA datagram with three chunks, max values in the last',
      message: 'DATA',
      fields: {
        version: 1,
        chunks: [
          { receiverTransferId: '0300000100000042', pullId: 4, sealedOffset: 0, bytes: pattern(10, 10) },
          { receiverTransferId: '0300000100000042', pullId: 5, sealedOffset: 10, bytes: pattern(20, 11) },
          { receiverTransferId: MAX_ID, pullId: U32_MAX, sealedOffset: U48_MAX - 1, bytes: 'ee' },
        ],
      },
    },
    {
      name: 'UNKNOWN_PATH_SECRET datagram',
      message: 'UNKNOWN_PATH_SECRET',
      fields: { version: 1, pathSecretId: pattern(16, 40), resetTag: pattern(16, 140) },
    },
    {
      name: 'UNKNOWN_PATH_SECRET datagram, zero bytes',
      message: 'UNKNOWN_PATH_SECRET',
      fields: { version: 1, pathSecretId: '00'.repeat(16), resetTag: '00'.repeat(16) },
    },
    {
      name: 'UNKNOWN_PATH_SECRET datagram, max bytes',
      message: 'UNKNOWN_PATH_SECRET',
      fields: { version: 1, pathSecretId: 'ff'.repeat(16), resetTag: 'ff'.repeat(16) },
    },
  ];
  for (const vector of vectors) vector.hex = toHex(encodeDatagram(vector.message as DatagramName, vector.fields));
  return vectors;
}

// ---------------------------------------------------------------------------------------------
// Rejection vectors: a decrypted body (messages.json) or a datagram (headers.json) and the reason.
// ---------------------------------------------------------------------------------------------

interface Rejection {
  readonly name: string;
  /** CONTROL or SECRET_CONTROL: `hex` is a decrypted body; DATA / UNKNOWN_PATH_SECRET / ANY: a datagram. */
  readonly datagram: string;
  readonly hex: string;
  readonly reason: string;
}

function patched(message: MessageName, fields: Fields, patch: (bytes: Uint8Array) => void): string {
  const bytes = encodeToBytes(message, fields);
  patch(bytes);
  return toHex(bytes);
}

function bodyRejections(): Rejection[] {
  const vectors = messageVectors();
  const fieldsOf = (name: string): Fields => {
    const found = vectors.find((x) => x.name === name);
    if (found === undefined) throw new Error(`no vector ${name}`);
    return found.fields;
  };
  const unary = fieldsOf('unary request, 64-byte inline payload and metadata');
  const response = fieldsOf('response with reply-to and header, buffer reference, retry');
  const pull = fieldsOf('one range, no rate limit');
  const accept = fieldsOf('accepted with notify credit');
  // Offsets below are into the framed message: 3 bytes of framing, then the body.
  const r = (name: string, datagram: string, hex: string, reason: number): Rejection => ({
    name,
    datagram,
    hex,
    reason: reasonName(reason),
  });
  return [
    r('empty body', 'CONTROL', '', DecodeReason.EmptyBody),
    r('two bytes: no room for framing', 'CONTROL', '0000', DecodeReason.Truncated),
    r('unknown message type 0x0e', 'CONTROL', '0e0000', DecodeReason.UnknownMessageType),
    r('DATA_CHUNKS type is never framed', 'CONTROL', '040000', DecodeReason.MessageNotAllowed),
    r('UNKNOWN_PATH_SECRET type is never framed', 'SECRET_CONTROL', '220000', DecodeReason.MessageNotAllowed),
    r(
      'RETIRE_CONTROL_KEY outside a secret-control datagram',
      'CONTROL',
      '2000060000000000' + '01',
      DecodeReason.MessageNotAllowed,
    ),
    r(
      'PROBE inside a secret-control datagram',
      'SECRET_CONTROL',
      '0a00080000000000000000',
      DecodeReason.MessageNotAllowed,
    ),
    r('message length past the end of the body', 'CONTROL', `0a0009${'00'.repeat(8)}`, DecodeReason.Truncated),
    r('non-zero padding', 'CONTROL', '00000200' + '01', DecodeReason.PaddingNotZero),
    r('PROBE with a trailing byte', 'CONTROL', `0a0009${'00'.repeat(9)}`, DecodeReason.TrailingBytes),
    r('TRANSFER_NOTIFY with count 0', 'CONTROL', '01000100', DecodeReason.CountOutOfRange),
    r(
      'TRANSFER_NOTIFY with count 65',
      'CONTROL',
      patched('TRANSFER_NOTIFY', unary, (b) => {
        b[3] = 65;
      }),
      DecodeReason.CountOutOfRange,
    ),
    r(
      'notify entry with reserved flag bit 9',
      'CONTROL',
      patched('TRANSFER_NOTIFY', unary, (b) => {
        b[4 + 18] = 0x02;
      }),
      DecodeReason.ReservedBitsSet,
    ),
    r(
      'notify entry with INLINE and UNSCHEDULED',
      'CONTROL',
      patched('TRANSFER_NOTIFY', unary, (b) => {
        b[4 + 18] = 0x01;
      }),
      DecodeReason.FlagConflict,
    ),
    r(
      'notify entry with UNSCHEDULED on a sealed size over 64 KiB',
      'CONTROL',
      patched('TRANSFER_NOTIFY', response, (b) => {
        b[4 + 18] = 0x01;
      }),
      DecodeReason.LengthOutOfRange,
    ),
    r(
      'notify entry with INLINE and AUTH_ONLY',
      'CONTROL',
      patched('TRANSFER_NOTIFY', unary, (b) => {
        b[4 + 19] = (b[4 + 19] as number) | NotifyFlag.AuthOnly;
      }),
      DecodeReason.FlagConflict,
    ),
    r(
      'notify entry with unknown kind 6',
      'CONTROL',
      patched('TRANSFER_NOTIFY', unary, (b) => {
        b[4 + 16] = 6;
      }),
      DecodeReason.UnknownTransferKind,
    ),
    r(
      'notify entry with priority 8',
      'CONTROL',
      patched('TRANSFER_NOTIFY', unary, (b) => {
        b[4 + 17] = 8;
      }),
      DecodeReason.PriorityOutOfRange,
    ),
    r(
      'notify entry with sender transfer id 0',
      'CONTROL',
      patched('TRANSFER_NOTIFY', unary, (b) => {
        b.fill(0, 4 + 8, 4 + 16);
      }),
      DecodeReason.ZeroValue,
    ),
    r(
      'notify entry: inline payload cut short',
      'CONTROL',
      patched('TRANSFER_NOTIFY', unary, (b) => {
        b[4 + 25] = 65;
      }),
      DecodeReason.Truncated,
    ),
    r(
      'notify entry: record size log2 9',
      'CONTROL',
      patched('TRANSFER_NOTIFY', response, (b) => {
        b[b.length - 55 + 8] = 9;
      }),
      DecodeReason.RecordSizeOutOfRange,
    ),
    r(
      'notify entry: record size log2 21',
      'CONTROL',
      patched('TRANSFER_NOTIFY', response, (b) => {
        b[b.length - 55 + 8] = 21;
      }),
      DecodeReason.RecordSizeOutOfRange,
    ),
    r(
      'notify entry: extension length 1',
      'CONTROL',
      patched('TRANSFER_NOTIFY', response, (b) => {
        b[b.length - 1] = 1;
      }),
      DecodeReason.ExtensionNotSupported,
    ),
    r(
      'PULL_REQUEST with pull id 0',
      'CONTROL',
      patched('PULL_REQUEST', pull, (b) => {
        b.fill(0, 3 + 16, 3 + 20);
      }),
      DecodeReason.ZeroValue,
    ),
    r(
      'PULL_REQUEST with a reserved flag',
      'CONTROL',
      patched('PULL_REQUEST', pull, (b) => {
        b[3 + 20] = 0x80;
      }),
      DecodeReason.ReservedBitsSet,
    ),
    r(
      'PULL_REQUEST with a zero-length range',
      'CONTROL',
      patched('PULL_REQUEST', pull, (b) => {
        b.fill(0, b.length - 4);
      }),
      DecodeReason.LengthOutOfRange,
    ),
    r(
      'PULL_REQUEST with a range ending past 2^48 - 1',
      'CONTROL',
      patched('PULL_REQUEST', pull, (b) => {
        b.fill(0xff, b.length - 10, b.length - 4);
      }),
      DecodeReason.RangeOutOfBounds,
    ),
    r(
      'TRANSFER_ACCEPT with unknown status 4',
      'CONTROL',
      patched('TRANSFER_ACCEPT', accept, (b) => {
        b[3 + 20] = 4;
      }),
      DecodeReason.UnknownAcceptStatus,
    ),
    r(
      'TRANSFER_ACCEPT accepted with a non-OK reason',
      'CONTROL',
      patched('TRANSFER_ACCEPT', accept, (b) => {
        b[3 + 22] = 2;
      }),
      DecodeReason.InvalidStatus,
    ),
    r(
      'TRANSFER_ACCEPT with unknown reason code 13',
      'CONTROL',
      patched('TRANSFER_ACCEPT', accept, (b) => {
        b[3 + 22] = 13;
      }),
      DecodeReason.UnknownStatusCode,
    ),
    r(
      'TRANSFER_ACCEPT cut by one byte',
      'CONTROL',
      patched('TRANSFER_ACCEPT', accept, (b) => {
        b[2] = 22;
      }),
      DecodeReason.Truncated,
    ),
    r(
      'FLOW_RESET with status OK',
      'CONTROL',
      '070012' + '0000000000000001' + '0000000000000000' + '0000',
      DecodeReason.InvalidStatus,
    ),
    r('FLOW_RESET without any id', 'CONTROL', `070012${'00'.repeat(16)}0001`, DecodeReason.ZeroValue),
    r(
      'RANGE_ACK without ranges and without COMPLETE',
      'CONTROL',
      '05000a' + '0000000000000001' + '0000',
      DecodeReason.CountOutOfRange,
    ),
    r(
      'RANGE_ACK with overlapping ranges',
      'CONTROL',
      '05001e' + '0000000000000001' + '0002' + '000000000000' + '0000000a' + '000000000005' + '0000000a',
      DecodeReason.RangesNotAscending,
    ),
    r('RETIRE_DATA_KEY with a zero buffer id', 'SECRET_CONTROL', `21000901${'00'.repeat(8)}`, DecodeReason.ZeroValue),
    r(
      'RETIRE_CONTROL_KEY retiring below key 0',
      'SECRET_CONTROL',
      '200006' + '0001' + '00000000',
      DecodeReason.ZeroValue,
    ),
    r('STREAM_CLOSE with stream id 0', 'CONTROL', `0c0011${'00'.repeat(8)}000000000000000000`, DecodeReason.ZeroValue),
  ];
}

function datagramRejections(): Rejection[] {
  const r = (name: string, datagram: string, hex: string, reason: number): Rejection => ({
    name,
    datagram,
    hex,
    reason: reasonName(reason),
  });
  const control = `1001${'00'.repeat(26)}${'00'.repeat(19)}`;
  return [
    r('empty datagram', 'ANY', '', DecodeReason.Truncated),
    r('kind 0', 'ANY', `0001${'00'.repeat(45)}`, DecodeReason.UnknownDatagramKind),
    r('kind 5', 'ANY', `5001${'00'.repeat(45)}`, DecodeReason.UnknownDatagramKind),
    r('reserved bit in the kind byte', 'ANY', `1101${'00'.repeat(45)}`, DecodeReason.ReservedBitsSet),
    r('control datagram of version 2', 'CONTROL', `1002${control.slice(4)}`, DecodeReason.UnsupportedVersion),
    r('control datagram one byte too short', 'CONTROL', control.slice(0, -2), DecodeReason.Truncated),
    r('DATA datagram without chunks', 'DATA', '3001', DecodeReason.EmptyBody),
    r(
      'DATA chunk with receiver transfer id 0',
      'DATA',
      `3001${'00'.repeat(8)}00000001000000000000000100`,
      DecodeReason.ZeroValue,
    ),
    r(
      'DATA chunk of length 0',
      'DATA',
      `3001000000000000000100000001000000000000000000`,
      DecodeReason.LengthOutOfRange,
    ),
    r('DATA chunk cut short', 'DATA', `3001000000000000000100000001000000000000000200`, DecodeReason.Truncated),
    r(
      'DATA chunk past 2^48 - 1',
      'DATA',
      `3001000000000000000100000001ffffffffffff000100`,
      DecodeReason.RangeOutOfBounds,
    ),
    r(
      'UNKNOWN_PATH_SECRET with a trailing byte',
      'UNKNOWN_PATH_SECRET',
      `4001${'00'.repeat(33)}`,
      DecodeReason.TrailingBytes,
    ),
    r('UNKNOWN_PATH_SECRET one byte short', 'UNKNOWN_PATH_SECRET', `4001${'00'.repeat(31)}`, DecodeReason.Truncated),
  ];
}

/** Runs a body rejection (messages.json) through validateControlBody and returns the reason's name. */
function bodyRejectionReason(rejection: Rejection): string {
  const bytes = fromHex(rejection.hex);
  const kind = rejection.datagram === 'SECRET_CONTROL' ? DatagramKind.SecretControl : DatagramKind.Control;
  return reasonName(validateControlBody(bytes, 0, bytes.length, kind, new MessageIterator(), new MessageViews()));
}

/** Runs a datagram rejection (headers.json) through the datagram's decoder and returns the reason's name. */
function datagramRejectionReason(rejection: Rejection): string {
  const bytes = fromHex(rejection.hex);
  switch (rejection.datagram) {
    case 'DATA':
      return reasonName(decodeDataDatagram(bytes, 0, bytes.length, new DataDatagramView()));
    case 'UNKNOWN_PATH_SECRET':
      return reasonName(decodeUnknownPathSecret(bytes, 0, bytes.length, new UnknownPathSecretView()));
    case 'ANY': {
      const kind = peekDatagramKind(bytes, 0, bytes.length);
      return reasonName(kind < 0 ? -kind : DecodeReason.Ok);
    }
    default:
      return reasonName(decodeControlHeader(bytes, 0, bytes.length, new ControlHeaderView()));
  }
}

// ---------------------------------------------------------------------------------------------
// Files.
// ---------------------------------------------------------------------------------------------

function messagesFile(): Json {
  return {
    description:
      'dcq wire v1 message test vectors (spec/protocol.md). Framed messages: hex = type u8 | length u16 | body. ' +
      'DATA_CHUNKS: hex = the chunk sequence of a DATA datagram (after its 2-byte header). UNKNOWN_PATH_SECRET: hex = ' +
      'the whole datagram. Ids and u64 sequences are 16 hex digits (hi first); byte strings are hex; fields a flag ' +
      'marks absent are zero / empty. Rejections: hex is a decrypted CONTROL or SECRET_CONTROL body that a decoder ' +
      'must reject with the given reason. Generated by packages/core/test/wire-vectors.test.ts (npm run vectors).',
    vectors: messageVectors() as unknown as Json[],
    rejections: bodyRejections() as unknown as Json[],
  };
}

function headersFile(): Json {
  return {
    description:
      'dcq wire v1 datagram test vectors (spec/protocol.md#datagram). hex = the whole datagram. CONTROL / ' +
      'SECRET_CONTROL: sealed = ciphertext || tag, opaque here (see security.md for sealing vectors). DATA: the ' +
      'chunks as in messages.json. Rejections: datagrams a decoder must reject with the given reason (ANY: the ' +
      'first-byte dispatch). Generated by packages/core/test/wire-vectors.test.ts (npm run vectors).',
    vectors: headerVectors() as unknown as Json[],
    rejections: datagramRejections() as unknown as Json[],
  };
}

function writeJson(path: string, value: Json): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

interface VectorFile {
  readonly description: string;
  readonly vectors: Vector[];
  readonly rejections: Rejection[];
}

function load(path: string, generated: Json): VectorFile {
  if (UPDATE) writeJson(path, generated);
  return JSON.parse(readFileSync(path, 'utf8')) as VectorFile;
}

describe('wire test vectors', () => {
  const messages = load(MESSAGES_PATH, messagesFile());
  const headers = load(HEADERS_PATH, headersFile());

  it('the checked-in files equal what the code generates (run `npm run vectors` after a change)', () => {
    expect(messages).toEqual(messagesFile());
    expect(headers).toEqual(headersFile());
  });

  it('every message has at least 3 vectors', () => {
    const counts = new Map<string, number>();
    for (const vector of messages.vectors) counts.set(vector.message, (counts.get(vector.message) ?? 0) + 1);
    for (const name of [
      'PADDING',
      'TRANSFER_NOTIFY',
      'TRANSFER_ACCEPT',
      'PULL_REQUEST',
      'DATA_CHUNKS',
      'RANGE_ACK',
      'CANCEL_PULL',
      'FLOW_RESET',
      'TRANSFER_CHALLENGE',
      'TRANSFER_CHALLENGE_RESPONSE',
      'PROBE',
      'PROBE_RESPONSE',
      'STREAM_CLOSE',
      'STREAM_CLOSE_ACK',
      'RETIRE_CONTROL_KEY',
      'RETIRE_DATA_KEY',
      'UNKNOWN_PATH_SECRET',
    ]) {
      expect(counts.get(name) ?? 0, name).toBeGreaterThanOrEqual(3);
    }
  });

  it('message vectors: fields → encode == hex and decode(hex) == fields', () => {
    for (const vector of messages.vectors) {
      const name = vector.message as MessageName;
      expect(toHex(encodeToBytes(name, vector.fields)), vector.name).toBe(vector.hex);
      const decoded = decodeMessage(name, fromHex(vector.hex ?? ''));
      expect(reasonName(decoded.reason), vector.name).toBe('OK');
      expect(decoded.fields, vector.name).toEqual(vector.fields);
    }
  });

  it('datagram vectors: fields → encode == hex and decode(hex) == fields', () => {
    for (const vector of headers.vectors) {
      const name = vector.message as DatagramName;
      expect(toHex(encodeDatagram(name, vector.fields)), vector.name).toBe(vector.hex);
      const decoded = decodeDatagram(name, fromHex(vector.hex ?? ''));
      expect(reasonName(decoded.reason), vector.name).toBe('OK');
      expect(decoded.fields, vector.name).toEqual(vector.fields);
    }
  });

  it('rejection vectors are rejected with their reason', () => {
    for (const rejection of messages.rejections) {
      expect(bodyRejectionReason(rejection), rejection.name).toBe(rejection.reason);
    }
    for (const rejection of headers.rejections) {
      expect(datagramRejectionReason(rejection), rejection.name).toBe(rejection.reason);
    }
  });
});
