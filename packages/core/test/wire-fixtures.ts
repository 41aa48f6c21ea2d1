/**
 * Test-side mapping between the JSON "fields" of spec/test-vectors (ids and u64 sequences as 16 hex
 * digits, byte strings as hex, everything else as numbers) and the codec's views: encode a message
 * from fields, decode bytes back into fields, estimate sizes. Used by the vector, round-trip,
 * rejection and fuzz tests so all of them agree on one representation.
 */
import {
  AEAD_TAG_SIZE,
  CANCEL_PULL_SIZE,
  CancelPullView,
  CONTROL_HEADER_SIZE,
  ControlHeaderView,
  DATA_HEADER_SIZE,
  DataChunkView,
  DataDatagramView,
  DatagramKind,
  DecodeReason,
  dataChunkSize,
  decodeCancelPull,
  decodeControlHeader,
  decodeDataChunk,
  decodeDataDatagram,
  decodeFlowReset,
  decodePadding,
  decodeProbe,
  decodePullRequest,
  decodeRangeAck,
  decodeRetireControlKey,
  decodeRetireDataKey,
  decodeStreamClose,
  decodeStreamCloseAck,
  decodeTransferAccept,
  decodeTransferChallenge,
  decodeTransferNotify,
  decodeUnknownPathSecret,
  encodeCancelPull,
  encodeControlHeader,
  encodeDataChunk,
  encodeDataDatagramHeader,
  encodeFlowReset,
  encodePadding,
  encodeProbe,
  encodeProbeResponse,
  encodePullRequest,
  encodeRangeAck,
  encodeRetireControlKey,
  encodeRetireDataKey,
  encodeStreamClose,
  encodeStreamCloseAck,
  encodeTransferAccept,
  encodeTransferChallenge,
  encodeTransferChallengeResponse,
  encodeTransferNotify,
  encodeUnknownPathSecret,
  FLOW_RESET_SIZE,
  FlowResetView,
  MessageIterator,
  MessageType,
  type NotifyEntryView,
  NotifyFlag,
  PROBE_SIZE,
  ProbeView,
  PullRequestView,
  pullRequestSize,
  RangeAckView,
  RETIRE_CONTROL_KEY_SIZE,
  RetireControlKeyView,
  RetireDataKeyView,
  rangeAckSize,
  retireDataKeySize,
  STREAM_CLOSE_ACK_SIZE,
  STREAM_CLOSE_SIZE,
  StreamCloseAckView,
  StreamCloseView,
  TRANSFER_ACCEPT_SIZE,
  TRANSFER_CHALLENGE_SIZE,
  TransferAcceptView,
  TransferChallengeView,
  TransferNotifyView,
  transferNotifySize,
  UNKNOWN_PATH_SECRET_SIZE,
  UnknownPathSecretView,
} from '../src/index.js';

/** JSON-compatible field values. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
/** A message's fields as in the vector files. */
export type Fields = { [key: string]: Json };

/** Names of every message with vectors, as the `message` key of messages.json spells them. */
export const MESSAGE_NAMES = [
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
] as const;

/** A message name. */
export type MessageName = (typeof MESSAGE_NAMES)[number];

/** Names of the datagram forms in headers.json. */
export const DATAGRAM_NAMES = ['CONTROL', 'SECRET_CONTROL', 'DATA', 'UNKNOWN_PATH_SECRET'] as const;

/** A datagram name. */
export type DatagramName = (typeof DATAGRAM_NAMES)[number];

/** The message type code of each framed message (DATA_CHUNKS and UNKNOWN_PATH_SECRET are not framed). */
export const FRAMED_TYPES: Partial<Record<MessageName, number>> = {
  PADDING: MessageType.Padding,
  TRANSFER_NOTIFY: MessageType.TransferNotify,
  TRANSFER_ACCEPT: MessageType.TransferAccept,
  PULL_REQUEST: MessageType.PullRequest,
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
};

/** The datagram kind that carries a framed message. */
export function datagramKindOf(name: MessageName): number {
  return name === 'RETIRE_CONTROL_KEY' || name === 'RETIRE_DATA_KEY'
    ? DatagramKind.SecretControl
    : DatagramKind.Control;
}

// ---------------------------------------------------------------------------------------------
// Hex helpers.
// ---------------------------------------------------------------------------------------------

/** Lower-case hex of `bytes[offset..offset+length)`. */
export function toHex(bytes: Uint8Array, offset = 0, length = bytes.length - offset): string {
  let text = '';
  for (let i = 0; i < length; i++) text += (bytes[offset + i] as number).toString(16).padStart(2, '0');
  return text;
}

/** Bytes of a hex string. */
export function fromHex(text: string): Uint8Array {
  if (text.length % 2 !== 0 || !/^[0-9a-f]*$/.test(text)) throw new Error(`bad hex: ${text}`);
  const bytes = new Uint8Array(text.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** 16-hex-digit form of a 64-bit value given as (hi, lo). */
export function idHex(hi: number, lo: number): string {
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

function idHi(text: Json | undefined): number {
  return Number.parseInt(str(text).slice(0, 8), 16);
}

function idLo(text: Json | undefined): number {
  return Number.parseInt(str(text).slice(8, 16), 16);
}

function str(value: Json | undefined): string {
  if (typeof value !== 'string') throw new Error(`expected a string, got ${JSON.stringify(value)}`);
  return value;
}

function num(value: Json | undefined): number {
  if (typeof value !== 'number') throw new Error(`expected a number, got ${JSON.stringify(value)}`);
  return value;
}

function arr(value: Json | undefined): Json[] {
  if (!Array.isArray(value)) throw new Error(`expected an array, got ${JSON.stringify(value)}`);
  return value;
}

function obj(value: Json | undefined): Fields {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('expected an object');
  return value;
}

// ---------------------------------------------------------------------------------------------
// Fields → views.
// ---------------------------------------------------------------------------------------------

function fillEntry(entry: NotifyEntryView, f: Fields): void {
  entry.clear();
  entry.notifySequenceHi = idHi(f.notifySequence);
  entry.notifySequenceLo = idLo(f.notifySequence);
  entry.senderTransferIdHi = idHi(f.senderTransferId);
  entry.senderTransferIdLo = idLo(f.senderTransferId);
  entry.kind = num(f.kind);
  entry.priority = num(f.priority);
  entry.flags = num(f.flags);
  entry.payloadSize = num(f.payloadSize);
  entry.replyToTransferIdHi = idHi(f.replyToTransferId);
  entry.replyToTransferIdLo = idLo(f.replyToTransferId);
  entry.streamIdHi = idHi(f.streamId);
  entry.streamIdLo = idLo(f.streamId);
  entry.streamItemIndex = num(f.streamItemIndex);
  entry.metadata = num(f.metadata);
  entry.headerBytes = fromHex(str(f.header));
  entry.headerLength = entry.headerBytes.length;
  entry.inlineBytes = fromHex(str(f.inline));
  entry.bufferIdHi = idHi(f.bufferId);
  entry.bufferIdLo = idLo(f.bufferId);
  entry.recordSizeLog2 = num(f.recordSizeLog2);
  entry.dataKeyBytes = fromHex(str(f.dataKey));
  entry.dataIvBytes = fromHex(str(f.dataIv));
}

function fillRanges(offsets: Float64Array, lengths: Float64Array, ranges: Json[]): number {
  ranges.forEach((range, i) => {
    const r = obj(range);
    offsets[i] = num(r.offset);
    lengths[i] = num(r.length);
  });
  return ranges.length;
}

function fillChunk(chunk: DataChunkView, f: Fields): void {
  chunk.receiverTransferIdHi = idHi(f.receiverTransferId);
  chunk.receiverTransferIdLo = idLo(f.receiverTransferId);
  chunk.pullId = num(f.pullId);
  chunk.sealedOffset = num(f.sealedOffset);
  chunk.bytes = fromHex(str(f.bytes));
  chunk.bytesOffset = 0;
  chunk.length = chunk.bytes.length;
}

/**
 * Encodes a message from its fields into `out[offset..end)` (framed for framed messages; chunk
 * sequence for DATA_CHUNKS; the whole datagram for UNKNOWN_PATH_SECRET). Returns the encoder's result.
 */
export function encodeMessage(name: MessageName, f: Fields, out: Uint8Array, offset: number, end: number): number {
  switch (name) {
    case 'PADDING':
      return encodePadding(out, offset, end, num(f.length));
    case 'TRANSFER_NOTIFY': {
      const view = new TransferNotifyView();
      const entries = arr(f.entries);
      view.count = entries.length;
      entries.forEach((e, i) => {
        fillEntry(view.entries[i] as NotifyEntryView, obj(e));
      });
      return encodeTransferNotify(out, offset, end, view);
    }
    case 'TRANSFER_ACCEPT': {
      const v = new TransferAcceptView();
      v.senderTransferIdHi = idHi(f.senderTransferId);
      v.senderTransferIdLo = idLo(f.senderTransferId);
      v.receiverTransferIdHi = idHi(f.receiverTransferId);
      v.receiverTransferIdLo = idLo(f.receiverTransferId);
      v.notifyCredit = num(f.notifyCredit);
      v.status = num(f.status);
      v.reasonCode = num(f.reasonCode);
      return encodeTransferAccept(out, offset, end, v);
    }
    case 'PULL_REQUEST': {
      const v = new PullRequestView();
      v.senderTransferIdHi = idHi(f.senderTransferId);
      v.senderTransferIdLo = idLo(f.senderTransferId);
      v.receiverTransferIdHi = idHi(f.receiverTransferId);
      v.receiverTransferIdLo = idLo(f.receiverTransferId);
      v.pullId = num(f.pullId);
      v.flags = num(f.flags);
      v.desiredRateKiBps = num(f.desiredRateKiBps);
      v.rangeCount = fillRanges(v.rangeOffsets, v.rangeLengths, arr(f.ranges));
      return encodePullRequest(out, offset, end, v);
    }
    case 'DATA_CHUNKS': {
      const chunk = new DataChunkView();
      let at = offset;
      for (const c of arr(f.chunks)) {
        fillChunk(chunk, obj(c));
        const written = encodeDataChunk(out, at, end, chunk);
        if (written < 0) return written;
        at += written;
      }
      return at - offset;
    }
    case 'RANGE_ACK': {
      const v = new RangeAckView();
      v.senderTransferIdHi = idHi(f.senderTransferId);
      v.senderTransferIdLo = idLo(f.senderTransferId);
      v.flags = num(f.flags);
      v.rangeCount = fillRanges(v.rangeOffsets, v.rangeLengths, arr(f.ranges));
      return encodeRangeAck(out, offset, end, v);
    }
    case 'CANCEL_PULL': {
      const v = new CancelPullView();
      v.senderTransferIdHi = idHi(f.senderTransferId);
      v.senderTransferIdLo = idLo(f.senderTransferId);
      v.pullId = num(f.pullId);
      return encodeCancelPull(out, offset, end, v);
    }
    case 'FLOW_RESET': {
      const v = new FlowResetView();
      v.senderTransferIdHi = idHi(f.senderTransferId);
      v.senderTransferIdLo = idLo(f.senderTransferId);
      v.receiverTransferIdHi = idHi(f.receiverTransferId);
      v.receiverTransferIdLo = idLo(f.receiverTransferId);
      v.statusCode = num(f.statusCode);
      return encodeFlowReset(out, offset, end, v);
    }
    case 'TRANSFER_CHALLENGE':
    case 'TRANSFER_CHALLENGE_RESPONSE': {
      const v = new TransferChallengeView();
      v.senderTransferIdHi = idHi(f.senderTransferId);
      v.senderTransferIdLo = idLo(f.senderTransferId);
      v.notifySequenceHi = idHi(f.notifySequence);
      v.notifySequenceLo = idLo(f.notifySequence);
      v.nonceBytes = fromHex(str(f.nonce));
      return name === 'TRANSFER_CHALLENGE'
        ? encodeTransferChallenge(out, offset, end, v)
        : encodeTransferChallengeResponse(out, offset, end, v);
    }
    case 'PROBE':
    case 'PROBE_RESPONSE': {
      const v = new ProbeView();
      v.probeId = num(f.probeId);
      v.timestampUs = num(f.timestampUs);
      return name === 'PROBE' ? encodeProbe(out, offset, end, v) : encodeProbeResponse(out, offset, end, v);
    }
    case 'STREAM_CLOSE': {
      const v = new StreamCloseView();
      v.streamIdHi = idHi(f.streamId);
      v.streamIdLo = idLo(f.streamId);
      v.flags = num(f.flags);
      v.statusCode = num(f.statusCode);
      v.finalItemCount = num(f.finalItemCount);
      return encodeStreamClose(out, offset, end, v);
    }
    case 'STREAM_CLOSE_ACK': {
      const v = new StreamCloseAckView();
      v.streamIdHi = idHi(f.streamId);
      v.streamIdLo = idLo(f.streamId);
      v.flags = num(f.flags);
      return encodeStreamCloseAck(out, offset, end, v);
    }
    case 'RETIRE_CONTROL_KEY': {
      const v = new RetireControlKeyView();
      v.workerId = num(f.workerId);
      v.keyIdBelow = num(f.keyIdBelow);
      return encodeRetireControlKey(out, offset, end, v);
    }
    case 'RETIRE_DATA_KEY': {
      const v = new RetireDataKeyView();
      const ids = arr(f.bufferIds);
      v.count = ids.length;
      ids.forEach((id, i) => {
        v.bufferIdHi[i] = idHi(id);
        v.bufferIdLo[i] = idLo(id);
      });
      return encodeRetireDataKey(out, offset, end, v);
    }
    case 'UNKNOWN_PATH_SECRET': {
      const v = new UnknownPathSecretView();
      v.version = num(f.version);
      v.pathSecretIdBytes = fromHex(str(f.pathSecretId));
      v.resetTagBytes = fromHex(str(f.resetTag));
      return encodeUnknownPathSecret(out, offset, end, v);
    }
  }
}

/** Encoded size of a message computed with the codec's estimators (not by encoding). */
export function estimateSize(name: MessageName, f: Fields): number {
  switch (name) {
    case 'PADDING':
      return 3 + num(f.length);
    case 'TRANSFER_NOTIFY': {
      const view = new TransferNotifyView();
      const entries = arr(f.entries);
      view.count = entries.length;
      entries.forEach((e, i) => {
        fillEntry(view.entries[i] as NotifyEntryView, obj(e));
      });
      return transferNotifySize(view);
    }
    case 'TRANSFER_ACCEPT':
      return TRANSFER_ACCEPT_SIZE;
    case 'PULL_REQUEST':
      return pullRequestSize(arr(f.ranges).length);
    case 'DATA_CHUNKS':
      return arr(f.chunks).reduce<number>((sum, c) => sum + dataChunkSize(str(obj(c).bytes).length / 2), 0);
    case 'RANGE_ACK':
      return rangeAckSize(arr(f.ranges).length);
    case 'CANCEL_PULL':
      return CANCEL_PULL_SIZE;
    case 'FLOW_RESET':
      return FLOW_RESET_SIZE;
    case 'TRANSFER_CHALLENGE':
    case 'TRANSFER_CHALLENGE_RESPONSE':
      return TRANSFER_CHALLENGE_SIZE;
    case 'PROBE':
    case 'PROBE_RESPONSE':
      return PROBE_SIZE;
    case 'STREAM_CLOSE':
      return STREAM_CLOSE_SIZE;
    case 'STREAM_CLOSE_ACK':
      return STREAM_CLOSE_ACK_SIZE;
    case 'RETIRE_CONTROL_KEY':
      return RETIRE_CONTROL_KEY_SIZE;
    case 'RETIRE_DATA_KEY':
      return retireDataKeySize(arr(f.bufferIds).length);
    case 'UNKNOWN_PATH_SECRET':
      return UNKNOWN_PATH_SECRET_SIZE;
  }
}

/** Encodes into a fresh exactly-sized buffer; throws if the encoder reports no room. */
export function encodeToBytes(name: MessageName, f: Fields): Uint8Array {
  const out = new Uint8Array(estimateSize(name, f));
  const written = encodeMessage(name, f, out, 0, out.length);
  if (written !== out.length) throw new Error(`${name}: encoder wrote ${written}, estimated ${out.length}`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Views → fields.
// ---------------------------------------------------------------------------------------------

function entryFields(e: NotifyEntryView): Fields {
  return {
    notifySequence: idHex(e.notifySequenceHi, e.notifySequenceLo),
    senderTransferId: idHex(e.senderTransferIdHi, e.senderTransferIdLo),
    kind: e.kind,
    priority: e.priority,
    flags: e.flags,
    payloadSize: e.payloadSize,
    replyToTransferId: idHex(e.replyToTransferIdHi, e.replyToTransferIdLo),
    streamId: idHex(e.streamIdHi, e.streamIdLo),
    streamItemIndex: e.streamItemIndex,
    metadata: e.metadata,
    header: toHex(e.headerBytes, e.headerOffset, e.headerLength),
    inline: (e.flags & NotifyFlag.Inline) !== 0 ? toHex(e.inlineBytes, e.inlineOffset, e.payloadSize) : '',
    bufferId: idHex(e.bufferIdHi, e.bufferIdLo),
    recordSizeLog2: e.recordSizeLog2,
    dataKey: (e.flags & NotifyFlag.Inline) === 0 ? toHex(e.dataKeyBytes, e.dataKeyOffset, 32) : '',
    dataIv: (e.flags & NotifyFlag.Inline) === 0 ? toHex(e.dataIvBytes, e.dataIvOffset, 12) : '',
  };
}

function rangeFields(offsets: Float64Array, lengths: Float64Array, count: number): Json[] {
  const ranges: Json[] = [];
  for (let i = 0; i < count; i++) ranges.push({ offset: offsets[i] as number, length: lengths[i] as number });
  return ranges;
}

/** Result of decoding: a reason and, when Ok, the fields. */
export interface Decoded {
  readonly reason: number;
  readonly fields?: Fields;
}

/**
 * Decodes the encoding of one message occupying all of `bytes[offset..offset+length)` (framed
 * messages go through a MessageIterator of their datagram kind first and must be the only message).
 */
export function decodeMessage(
  name: MessageName,
  bytes: Uint8Array,
  offset = 0,
  length = bytes.length - offset,
): Decoded {
  if (name === 'DATA_CHUNKS') {
    const chunk = new DataChunkView();
    const chunks: Json[] = [];
    const end = offset + length;
    let at = offset;
    if (length === 0) return { reason: DecodeReason.EmptyBody };
    while (at < end) {
      const consumed = decodeDataChunk(bytes, at, end, chunk);
      if (consumed < 0) return { reason: -consumed };
      chunks.push({
        receiverTransferId: idHex(chunk.receiverTransferIdHi, chunk.receiverTransferIdLo),
        pullId: chunk.pullId,
        sealedOffset: chunk.sealedOffset,
        bytes: toHex(chunk.bytes, chunk.bytesOffset, chunk.length),
      });
      at += consumed;
    }
    return { reason: DecodeReason.Ok, fields: { chunks } };
  }
  if (name === 'UNKNOWN_PATH_SECRET') {
    const v = new UnknownPathSecretView();
    const reason = decodeUnknownPathSecret(bytes, offset, length, v);
    if (reason !== DecodeReason.Ok) return { reason };
    return {
      reason,
      fields: {
        version: v.version,
        pathSecretId: toHex(v.pathSecretIdBytes, v.pathSecretIdOffset, 16),
        resetTag: toHex(v.resetTagBytes, v.resetTagOffset, 16),
      },
    };
  }
  const it = new MessageIterator();
  let reason: number = it.reset(bytes, offset, length, datagramKindOf(name));
  if (reason !== DecodeReason.Ok) return { reason };
  reason = it.next();
  if (reason !== DecodeReason.Ok) return { reason };
  if (it.type !== FRAMED_TYPES[name]) throw new Error(`${name}: framed type is ${it.type}`);
  if (it.hasNext()) throw new Error(`${name}: more than one message`);
  const body = it.bodyOffset;
  const bodyLength = it.bodyLength;
  return decodeBody(name, bytes, body, bodyLength);
}

/** Decodes a message body (framing stripped) into fields. */
export function decodeBody(name: MessageName, bytes: Uint8Array, body: number, bodyLength: number): Decoded {
  switch (name) {
    case 'PADDING': {
      const reason = decodePadding(bytes, body, bodyLength);
      return reason === DecodeReason.Ok ? { reason, fields: { length: bodyLength } } : { reason };
    }
    case 'TRANSFER_NOTIFY': {
      const v = new TransferNotifyView();
      const reason = decodeTransferNotify(bytes, body, bodyLength, v);
      if (reason !== DecodeReason.Ok) return { reason };
      const entries: Json[] = [];
      for (let i = 0; i < v.count; i++) entries.push(entryFields(v.entries[i] as NotifyEntryView));
      return { reason, fields: { entries } };
    }
    case 'TRANSFER_ACCEPT': {
      const v = new TransferAcceptView();
      const reason = decodeTransferAccept(bytes, body, bodyLength, v);
      if (reason !== DecodeReason.Ok) return { reason };
      return {
        reason,
        fields: {
          senderTransferId: idHex(v.senderTransferIdHi, v.senderTransferIdLo),
          receiverTransferId: idHex(v.receiverTransferIdHi, v.receiverTransferIdLo),
          notifyCredit: v.notifyCredit,
          status: v.status,
          reasonCode: v.reasonCode,
        },
      };
    }
    case 'PULL_REQUEST': {
      const v = new PullRequestView();
      const reason = decodePullRequest(bytes, body, bodyLength, v);
      if (reason !== DecodeReason.Ok) return { reason };
      return {
        reason,
        fields: {
          senderTransferId: idHex(v.senderTransferIdHi, v.senderTransferIdLo),
          receiverTransferId: idHex(v.receiverTransferIdHi, v.receiverTransferIdLo),
          pullId: v.pullId,
          flags: v.flags,
          desiredRateKiBps: v.desiredRateKiBps,
          ranges: rangeFields(v.rangeOffsets, v.rangeLengths, v.rangeCount),
        },
      };
    }
    case 'RANGE_ACK': {
      const v = new RangeAckView();
      const reason = decodeRangeAck(bytes, body, bodyLength, v);
      if (reason !== DecodeReason.Ok) return { reason };
      return {
        reason,
        fields: {
          senderTransferId: idHex(v.senderTransferIdHi, v.senderTransferIdLo),
          flags: v.flags,
          ranges: rangeFields(v.rangeOffsets, v.rangeLengths, v.rangeCount),
        },
      };
    }
    case 'CANCEL_PULL': {
      const v = new CancelPullView();
      const reason = decodeCancelPull(bytes, body, bodyLength, v);
      if (reason !== DecodeReason.Ok) return { reason };
      return {
        reason,
        fields: { senderTransferId: idHex(v.senderTransferIdHi, v.senderTransferIdLo), pullId: v.pullId },
      };
    }
    case 'FLOW_RESET': {
      const v = new FlowResetView();
      const reason = decodeFlowReset(bytes, body, bodyLength, v);
      if (reason !== DecodeReason.Ok) return { reason };
      return {
        reason,
        fields: {
          senderTransferId: idHex(v.senderTransferIdHi, v.senderTransferIdLo),
          receiverTransferId: idHex(v.receiverTransferIdHi, v.receiverTransferIdLo),
          statusCode: v.statusCode,
        },
      };
    }
    case 'TRANSFER_CHALLENGE':
    case 'TRANSFER_CHALLENGE_RESPONSE': {
      const v = new TransferChallengeView();
      const reason = decodeTransferChallenge(bytes, body, bodyLength, v);
      if (reason !== DecodeReason.Ok) return { reason };
      return {
        reason,
        fields: {
          senderTransferId: idHex(v.senderTransferIdHi, v.senderTransferIdLo),
          notifySequence: idHex(v.notifySequenceHi, v.notifySequenceLo),
          nonce: toHex(v.nonceBytes, v.nonceOffset, 16),
        },
      };
    }
    case 'PROBE':
    case 'PROBE_RESPONSE': {
      const v = new ProbeView();
      const reason = decodeProbe(bytes, body, bodyLength, v);
      if (reason !== DecodeReason.Ok) return { reason };
      return { reason, fields: { probeId: v.probeId, timestampUs: v.timestampUs } };
    }
    case 'STREAM_CLOSE': {
      const v = new StreamCloseView();
      const reason = decodeStreamClose(bytes, body, bodyLength, v);
      if (reason !== DecodeReason.Ok) return { reason };
      return {
        reason,
        fields: {
          streamId: idHex(v.streamIdHi, v.streamIdLo),
          flags: v.flags,
          statusCode: v.statusCode,
          finalItemCount: v.finalItemCount,
        },
      };
    }
    case 'STREAM_CLOSE_ACK': {
      const v = new StreamCloseAckView();
      const reason = decodeStreamCloseAck(bytes, body, bodyLength, v);
      if (reason !== DecodeReason.Ok) return { reason };
      return { reason, fields: { streamId: idHex(v.streamIdHi, v.streamIdLo), flags: v.flags } };
    }
    case 'RETIRE_CONTROL_KEY': {
      const v = new RetireControlKeyView();
      const reason = decodeRetireControlKey(bytes, body, bodyLength, v);
      if (reason !== DecodeReason.Ok) return { reason };
      return { reason, fields: { workerId: v.workerId, keyIdBelow: v.keyIdBelow } };
    }
    case 'RETIRE_DATA_KEY': {
      const v = new RetireDataKeyView();
      const reason = decodeRetireDataKey(bytes, body, bodyLength, v);
      if (reason !== DecodeReason.Ok) return { reason };
      const bufferIds: Json[] = [];
      for (let i = 0; i < v.count; i++) bufferIds.push(idHex(v.bufferIdHi[i] as number, v.bufferIdLo[i] as number));
      return { reason, fields: { bufferIds } };
    }
    default:
      throw new Error(`${name} has no framed body`);
  }
}

// ---------------------------------------------------------------------------------------------
// Datagrams (headers.json).
// ---------------------------------------------------------------------------------------------

/** Encodes a whole datagram from its fields into a fresh buffer. */
export function encodeDatagram(name: DatagramName, f: Fields): Uint8Array {
  switch (name) {
    case 'CONTROL':
    case 'SECRET_CONTROL': {
      const sealed = fromHex(str(f.sealed));
      const out = new Uint8Array(CONTROL_HEADER_SIZE + sealed.length);
      const v = new ControlHeaderView();
      v.kind = name === 'CONTROL' ? DatagramKind.Control : DatagramKind.SecretControl;
      v.version = num(f.version);
      v.pathSecretIdBytes = fromHex(str(f.pathSecretId));
      v.workerId = num(f.workerId);
      v.keyId = num(f.keyId);
      v.packetNumber = num(f.packetNumber);
      const written = encodeControlHeader(out, 0, out.length, v);
      if (written !== CONTROL_HEADER_SIZE) throw new Error('control header did not fit');
      out.set(sealed, CONTROL_HEADER_SIZE);
      return out;
    }
    case 'DATA': {
      const chunksFields: Fields = { chunks: arr(f.chunks) };
      const size = DATA_HEADER_SIZE + estimateSize('DATA_CHUNKS', chunksFields);
      const out = new Uint8Array(size);
      if (encodeDataDatagramHeader(out, 0, size, num(f.version)) !== DATA_HEADER_SIZE) throw new Error('no room');
      const written = encodeMessage('DATA_CHUNKS', chunksFields, out, DATA_HEADER_SIZE, size);
      if (written !== size - DATA_HEADER_SIZE) throw new Error('DATA chunks did not fit');
      return out;
    }
    case 'UNKNOWN_PATH_SECRET':
      return encodeToBytes('UNKNOWN_PATH_SECRET', f);
  }
}

/** Decodes a whole datagram into fields (or a reason). */
export function decodeDatagram(name: DatagramName, bytes: Uint8Array): Decoded {
  switch (name) {
    case 'CONTROL':
    case 'SECRET_CONTROL': {
      const v = new ControlHeaderView();
      const reason = decodeControlHeader(bytes, 0, bytes.length, v);
      if (reason !== DecodeReason.Ok) return { reason };
      const expectedKind = name === 'CONTROL' ? DatagramKind.Control : DatagramKind.SecretControl;
      if (v.kind !== expectedKind) return { reason: DecodeReason.UnexpectedDatagramKind };
      if (v.tagOffset !== bytes.length - AEAD_TAG_SIZE || v.bodyOffset !== CONTROL_HEADER_SIZE) {
        throw new Error('control header offsets wrong');
      }
      return {
        reason,
        fields: {
          version: v.version,
          pathSecretId: toHex(v.pathSecretIdBytes, v.pathSecretIdOffset, 16),
          workerId: v.workerId,
          keyId: v.keyId,
          packetNumber: v.packetNumber,
          sealed: toHex(bytes, v.bodyOffset, v.bodyLength + AEAD_TAG_SIZE),
        },
      };
    }
    case 'DATA': {
      const v = new DataDatagramView();
      const reason = decodeDataDatagram(bytes, 0, bytes.length, v);
      if (reason !== DecodeReason.Ok) return { reason };
      const chunks = decodeMessage('DATA_CHUNKS', bytes, v.chunksOffset, v.chunksEnd - v.chunksOffset);
      if (chunks.reason !== DecodeReason.Ok || chunks.fields === undefined) return { reason: chunks.reason };
      const chunkList = arr(chunks.fields.chunks);
      if (chunkList.length !== v.chunkCount) throw new Error('chunk count mismatch');
      return { reason, fields: { version: v.version, chunks: chunkList } };
    }
    case 'UNKNOWN_PATH_SECRET':
      return decodeMessage('UNKNOWN_PATH_SECRET', bytes);
  }
}
