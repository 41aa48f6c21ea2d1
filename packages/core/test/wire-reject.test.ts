/**
 * Rejections: every decoder returns the expected typed reason (and never throws) for truncation at
 * every byte position, counts over their limits, reserved bits, unknown types / kinds / versions /
 * enum values, and each cross-field rule of protocol.md#validation.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ACK_RANGES_MAX,
  ControlHeaderView,
  DATA_HEADER_SIZE,
  DataDatagramView,
  DatagramKind,
  DECODE_REASON_COUNT,
  DecodeReason,
  decodeControlHeader,
  decodeDataDatagram,
  decodeMessageBody,
  decodeUnknownPathSecret,
  isKnownMessageType,
  isMessageAllowed,
  MessageIterator,
  MessageType,
  MessageViews,
  NOTIFY_ENTRIES_MAX,
  NotifyFlag,
  PULL_RANGES_MAX,
  peekDatagramKind,
  RETIRE_DATA_KEYS_MAX,
  rangesWithinSealedSize,
  reasonName,
  sealedSizeOf,
  TransferKind,
  UnknownPathSecretView,
  validateControlBody,
} from '../src/index.js';
import {
  datagramKindOf,
  decodeBody,
  decodeMessage,
  encodeToBytes,
  type Fields,
  FRAMED_TYPES,
  fromHex,
  type Json,
  type MessageName,
  toHex,
} from './wire-fixtures.js';

interface Vector {
  readonly name: string;
  readonly message: string;
  readonly fields: Fields;
  readonly hex: string;
}

const VECTORS_DIR = fileURLToPath(new URL('../../../spec/test-vectors/', import.meta.url));
const messageVectors = (JSON.parse(readFileSync(`${VECTORS_DIR}messages.json`, 'utf8')) as { vectors: Vector[] })
  .vectors;
const headerVectors = (JSON.parse(readFileSync(`${VECTORS_DIR}headers.json`, 'utf8')) as { vectors: Vector[] }).vectors;

function vector(message: string, name: string): Vector {
  const found = messageVectors.find((v) => v.message === message && v.name === name);
  if (found === undefined) throw new Error(`no vector ${message} / ${name}`);
  return found;
}

/** Validates a framed message as the only message of a body of its datagram kind. */
function bodyReason(message: MessageName, bytes: Uint8Array): string {
  return reasonName(
    validateControlBody(bytes, 0, bytes.length, datagramKindOf(message), new MessageIterator(), new MessageViews()),
  );
}

/** Encodes valid fields, then applies `patch` to the bytes (framing included). */
function patched(message: MessageName, fields: Fields, patch: (bytes: Uint8Array) => void): Uint8Array {
  const bytes = encodeToBytes(message, fields);
  patch(bytes);
  return bytes;
}

function withEntry(
  entryFields: Partial<Record<string, Json>>,
  base = vector('TRANSFER_NOTIFY', 'unary request, 64-byte inline payload and metadata'),
): Fields {
  const entries = base.fields.entries as Fields[];
  return { entries: [{ ...(entries[0] as Fields), ...(entryFields as Record<string, Json>) }] };
}

/** The notify-entry rule a decoder reports for fields written by hand (bypassing the encoder's assertion). */
function rawNotifyReason(entry: Partial<Record<string, number>>): string {
  // Layout of the fixed part; the rest follows the flags as the test sets them up.
  const flags = entry.flags ?? NotifyFlag.Inline;
  const parts: number[] = [];
  const u32 = (v: number) => parts.push(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  const u16 = (v: number) => parts.push(v >>> 8, v & 0xff);
  u32(0);
  u32(entry.notifySequenceLo ?? 1);
  u32(entry.senderHi ?? 1);
  u32(entry.senderLo ?? 1);
  parts.push(entry.kind ?? TransferKind.UnaryRequest, entry.priority ?? 0);
  u16(flags);
  const payloadSize = entry.payloadSize ?? 0;
  u16(Math.floor(payloadSize / 2 ** 32));
  u32(payloadSize >>> 0);
  if ((flags & NotifyFlag.HasReplyTo) !== 0) {
    u32(0);
    u32(entry.replyToLo ?? 1);
  }
  if ((flags & NotifyFlag.HasStream) !== 0) {
    u32(0);
    u32(entry.streamLo ?? 1);
    u16(0);
    u32(0);
  }
  if ((flags & NotifyFlag.HasMetadata) !== 0) u32(0);
  if ((flags & NotifyFlag.HasHeader) !== 0) {
    u16(entry.headerLength ?? 0);
    for (let i = 0; i < (entry.headerLength ?? 0); i++) parts.push(0);
  }
  if ((flags & NotifyFlag.Inline) !== 0) {
    for (let i = 0; i < payloadSize; i++) parts.push(0);
  } else {
    u32(0);
    u32(entry.bufferLo ?? 1);
    parts.push(entry.recordSizeLog2 ?? 16);
    for (let i = 0; i < 44; i++) parts.push(0);
    u16(entry.extensionLength ?? 0);
  }
  const body = [1, ...parts];
  const bytes = new Uint8Array([MessageType.TransferNotify, body.length >>> 8, body.length & 0xff, ...body]);
  return bodyReason('TRANSFER_NOTIFY', bytes);
}

describe('wire rejections', () => {
  it('UNSCHEDULED: sealed size up to 65,536 bytes, never with INLINE (protocol.md#unscheduled)', () => {
    const u = NotifyFlag.Unscheduled;
    // 1 KiB records: sealed = P + 16 per record. 64 records of 1,008 bytes seal to exactly 65,536.
    expect(rawNotifyReason({ flags: u, payloadSize: 64 * 1008, recordSizeLog2: 10 })).toBe('OK');
    expect(rawNotifyReason({ flags: u, payloadSize: 64 * 1008 + 1, recordSizeLog2: 10 })).toBe('LENGTH_OUT_OF_RANGE');
    expect(rawNotifyReason({ flags: 0, payloadSize: 64 * 1008 + 1, recordSizeLog2: 10 })).toBe('OK');
    expect(rawNotifyReason({ flags: u | NotifyFlag.Inline, payloadSize: 10 })).toBe('FLAG_CONFLICT');
  });

  it('every reason has a name', () => {
    for (let r = 0; r < DECODE_REASON_COUNT; r++) expect(reasonName(r)).not.toMatch(/^UNKNOWN\(/);
    expect(reasonName(DECODE_REASON_COUNT)).toMatch(/^UNKNOWN\(/);
  });

  it('framed messages truncated at every byte position are rejected', () => {
    for (const v of messageVectors) {
      const name = v.message as MessageName;
      if (FRAMED_TYPES[name] === undefined) continue;
      const bytes = fromHex(v.hex);
      for (let cut = 0; cut < bytes.length; cut++) {
        const decoded = decodeMessage(name, bytes.subarray(0, cut));
        expect(reasonName(decoded.reason), `${v.name} cut at ${cut}`).toBe(cut === 0 ? 'EMPTY_BODY' : 'TRUNCATED');
      }
    }
  });

  it('message bodies truncated at every byte position are rejected by the body decoders', () => {
    for (const v of messageVectors) {
      const name = v.message as MessageName;
      if (FRAMED_TYPES[name] === undefined || name === 'PADDING') continue;
      const bytes = fromHex(v.hex);
      for (let cut = 0; cut < bytes.length - 3; cut++) {
        const decoded = decodeBody(name, bytes, 3, cut);
        expect(reasonName(decoded.reason), `${v.name} body cut at ${cut}`).toBe('TRUNCATED');
      }
    }
  });

  it('fixed-layout bodies with extra bytes are rejected as TRAILING_BYTES', () => {
    for (const v of messageVectors) {
      const name = v.message as MessageName;
      if (FRAMED_TYPES[name] === undefined || name === 'PADDING') continue;
      const original = fromHex(v.hex);
      const bytes = new Uint8Array(original.length + 1);
      bytes.set(original);
      expect(reasonName(decodeBody(name, bytes, 3, original.length - 2).reason), v.name).toBe('TRAILING_BYTES');
    }
  });

  it('DATA chunks and datagrams truncated anywhere but at a chunk boundary are rejected', () => {
    for (const v of headerVectors) {
      if (v.message !== 'DATA') continue;
      const bytes = fromHex(v.hex);
      const boundaries = new Set<number>();
      let at = DATA_HEADER_SIZE;
      for (const chunk of v.fields.chunks as Fields[]) {
        at += 20 + (chunk.bytes as string).length / 2;
        boundaries.add(at);
      }
      const view = new DataDatagramView();
      for (let cut = 0; cut < bytes.length; cut++) {
        const reason = reasonName(decodeDataDatagram(bytes, 0, cut, view));
        const expected = boundaries.has(cut) ? 'OK' : cut === DATA_HEADER_SIZE ? 'EMPTY_BODY' : 'TRUNCATED';
        expect(reason, `${v.name} cut at ${cut}`).toBe(expected);
      }
    }
  });

  it('control datagrams shorter than 47 bytes and UNKNOWN_PATH_SECRET datagrams not exactly 34 bytes are rejected', () => {
    const control = fromHex((headerVectors.find((v) => v.message === 'CONTROL') as Vector).hex);
    const view = new ControlHeaderView();
    for (let cut = 0; cut < 47; cut++) {
      expect(reasonName(decodeControlHeader(control, 0, cut, view)), `cut ${cut}`).toBe('TRUNCATED');
    }
    expect(decodeControlHeader(control, 0, 47, view)).toBe(DecodeReason.Ok);
    const ups = fromHex((headerVectors.find((v) => v.message === 'UNKNOWN_PATH_SECRET') as Vector).hex);
    for (let cut = 0; cut < 34; cut++) {
      expect(reasonName(decodeUnknownPathSecret(ups, 0, cut, new UnknownPathSecretView()))).toBe('TRUNCATED');
    }
    const longer = new Uint8Array(35);
    longer.set(ups);
    expect(reasonName(decodeUnknownPathSecret(longer, 0, 35, new UnknownPathSecretView()))).toBe('TRAILING_BYTES');
  });

  it('datagram first bytes: unknown kinds, reserved nibble bits, unsupported versions, too long', () => {
    const control = fromHex((headerVectors.find((v) => v.message === 'CONTROL') as Vector).hex);
    for (let first = 0; first < 256; first++) {
      const kind = first >>> 4;
      const expected =
        kind < 1 || kind > 4
          ? -DecodeReason.UnknownDatagramKind
          : (first & 0x0f) !== 0
            ? -DecodeReason.ReservedBitsSet
            : kind;
      const bytes = control.slice();
      bytes[0] = first;
      expect(peekDatagramKind(bytes, 0, bytes.length)).toBe(expected);
      const reason = decodeControlHeader(bytes, 0, bytes.length, new ControlHeaderView());
      if (expected < 0) expect(reason).toBe(-expected);
      else if (kind === 1 || kind === 2) expect(reason).toBe(DecodeReason.Ok);
      else expect(reason).toBe(DecodeReason.UnexpectedDatagramKind);
    }
    for (let version = 0; version < 256; version++) {
      const bytes = control.slice();
      bytes[1] = version;
      expect(decodeControlHeader(bytes, 0, bytes.length, new ControlHeaderView())).toBe(
        version === 1 ? DecodeReason.Ok : DecodeReason.UnsupportedVersion,
      );
      const data = fromHex((headerVectors.find((v) => v.message === 'DATA') as Vector).hex);
      data[1] = version;
      expect(decodeDataDatagram(data, 0, data.length, new DataDatagramView())).toBe(
        version === 1 ? DecodeReason.Ok : DecodeReason.UnsupportedVersion,
      );
    }
    const huge = new Uint8Array(9001);
    huge.set(control);
    expect(decodeControlHeader(huge, 0, 9001, new ControlHeaderView())).toBe(DecodeReason.DatagramTooLong);
    expect(decodeControlHeader(huge, 0, 9000, new ControlHeaderView())).toBe(DecodeReason.Ok);
    expect(peekDatagramKind(huge, 0, 0)).toBe(-DecodeReason.Truncated);
  });

  it('message types: unknown codes and codes a datagram kind may not carry', () => {
    for (let type = 0; type < 256; type++) {
      for (const kind of [DatagramKind.Control, DatagramKind.SecretControl]) {
        const body = new Uint8Array([type, 0, 0]);
        const it = new MessageIterator();
        expect(it.reset(body, 0, 3, kind)).toBe(DecodeReason.Ok);
        const reason = it.next();
        const known = (type <= 0x0d || (type >= 0x20 && type <= 0x22)) as boolean;
        expect(isKnownMessageType(type)).toBe(known);
        const allowed =
          type === 0 ||
          (kind === DatagramKind.Control && type >= 1 && type <= 0x0d && type !== 4) ||
          (kind === DatagramKind.SecretControl && (type === 0x20 || type === 0x21));
        expect(isMessageAllowed(kind, type)).toBe(allowed);
        expect(reason).toBe(
          !known ? DecodeReason.UnknownMessageType : allowed ? DecodeReason.Ok : DecodeReason.MessageNotAllowed,
        );
        if (reason !== DecodeReason.Ok) expect(it.hasNext()).toBe(false);
        // The dispatcher agrees for never-framed and unknown types.
        if (!known)
          expect(decodeMessageBody(type, body, 3, 0, new MessageViews())).toBe(DecodeReason.UnknownMessageType);
      }
    }
    expect(decodeMessageBody(MessageType.DataChunks, new Uint8Array(0), 0, 0, new MessageViews())).toBe(
      DecodeReason.MessageNotAllowed,
    );
  });

  it('counts over their limits', () => {
    const notify = fromHex(vector('TRANSFER_NOTIFY', '64 entries (the maximum), minimal unary requests').hex);
    for (let count = 0; count < 256; count++) {
      const bytes = notify.slice();
      bytes[3] = count;
      const expected =
        count === 0 || count > NOTIFY_ENTRIES_MAX ? 'COUNT_OUT_OF_RANGE' : count < 64 ? 'TRAILING_BYTES' : 'OK';
      expect(bodyReason('TRANSFER_NOTIFY', bytes), `notify count ${count}`).toBe(expected);
    }
    const pull = fromHex(vector('PULL_REQUEST', 'retransmission, 32 ranges (the maximum), max rate').hex);
    for (let count = 0; count < 256; count++) {
      const bytes = pull.slice();
      bytes[3 + 25] = count;
      const expected =
        count === 0 || count > PULL_RANGES_MAX ? 'COUNT_OUT_OF_RANGE' : count < 32 ? 'TRAILING_BYTES' : 'OK';
      expect(bodyReason('PULL_REQUEST', bytes), `pull count ${count}`).toBe(expected);
    }
    const ack = fromHex(vector('RANGE_ACK', 'complete with 32 ranges (the maximum), max id').hex);
    for (let count = 0; count < 256; count++) {
      const bytes = ack.slice();
      bytes[3 + 9] = count;
      const expected = count > ACK_RANGES_MAX ? 'COUNT_OUT_OF_RANGE' : count < 32 ? 'TRAILING_BYTES' : 'OK';
      expect(bodyReason('RANGE_ACK', bytes), `ack count ${count}`).toBe(expected);
    }
    const retire = fromHex(vector('RETIRE_DATA_KEY', '128 buffers (the maximum)').hex);
    for (let count = 0; count < 256; count++) {
      const bytes = retire.slice();
      bytes[3] = count;
      const expected =
        count === 0 || count > RETIRE_DATA_KEYS_MAX ? 'COUNT_OUT_OF_RANGE' : count < 128 ? 'TRAILING_BYTES' : 'OK';
      expect(bodyReason('RETIRE_DATA_KEY', bytes), `retire count ${count}`).toBe(expected);
    }
  });

  it('reserved flag bits are rejected in every flags field', () => {
    const unary = vector('TRANSFER_NOTIFY', 'unary request, 64-byte inline payload and metadata');
    for (let bit = 9; bit < 16; bit++) {
      const bytes = patched('TRANSFER_NOTIFY', unary.fields, (b) => {
        b[4 + 18] = 1 << (bit - 8);
      });
      expect(bodyReason('TRANSFER_NOTIFY', bytes), `notify bit ${bit}`).toBe('RESERVED_BITS_SET');
    }
    const cases: [MessageName, Vector, number][] = [
      ['PULL_REQUEST', vector('PULL_REQUEST', 'one range, no rate limit'), 3 + 20],
      ['RANGE_ACK', vector('RANGE_ACK', 'one range'), 3 + 8],
      ['STREAM_CLOSE', vector('STREAM_CLOSE', 'abort by the other side, no items'), 3 + 8],
      ['STREAM_CLOSE_ACK', vector('STREAM_CLOSE_ACK', 'ack by the other side'), 3 + 8],
    ];
    for (const [name, v, at] of cases) {
      for (let bit = 1; bit < 8; bit++) {
        const bytes = fromHex(v.hex);
        bytes[at] = (bytes[at] as number) | (1 << bit);
        expect(bodyReason(name, bytes), `${name} bit ${bit}`).toBe('RESERVED_BITS_SET');
      }
    }
  });

  it('enum values outside their sets', () => {
    for (let kind = 0; kind < 256; kind++) {
      if (kind >= 1 && kind <= 5) continue;
      expect(rawNotifyReason({ kind })).toBe('UNKNOWN_TRANSFER_KIND');
    }
    for (let priority = 8; priority < 256; priority++)
      expect(rawNotifyReason({ priority })).toBe('PRIORITY_OUT_OF_RANGE');
    for (let log2 = 0; log2 < 256; log2++) {
      const expected = log2 >= 10 && log2 <= 20 ? 'OK' : 'RECORD_SIZE_OUT_OF_RANGE';
      expect(rawNotifyReason({ flags: 0, payloadSize: 1, recordSizeLog2: log2 })).toBe(expected);
    }
    const accept = vector('TRANSFER_ACCEPT', 'accepted with notify credit');
    for (let status = 4; status < 256; status++) {
      const bytes = patched('TRANSFER_ACCEPT', accept.fields, (b) => {
        b[3 + 20] = status;
      });
      expect(bodyReason('TRANSFER_ACCEPT', bytes)).toBe('UNKNOWN_ACCEPT_STATUS');
    }
    const reset = vector('FLOW_RESET', 'both ids, CANCELLED');
    for (const code of [13, 14, 255, 256, 0x7fff, 0xffff]) {
      const bytes = patched('FLOW_RESET', reset.fields, (b) => {
        b[3 + 16] = code >>> 8;
        b[3 + 17] = code & 0xff;
      });
      expect(bodyReason('FLOW_RESET', bytes), `status ${code}`).toBe('UNKNOWN_STATUS_CODE');
    }
    const close = vector('STREAM_CLOSE', 'graceful end by the opener');
    const bytes = patched('STREAM_CLOSE', close.fields, (b) => {
      b[3 + 10] = 13;
    });
    expect(bodyReason('STREAM_CLOSE', bytes)).toBe('UNKNOWN_STATUS_CODE');
  });

  it('notify entry rules: kinds vs flags, zero ids, payload and header limits, extension', () => {
    const I = NotifyFlag.Inline;
    expect(rawNotifyReason({})).toBe('OK');
    expect(rawNotifyReason({ flags: I | NotifyFlag.AuthOnly })).toBe('FLAG_CONFLICT');
    expect(rawNotifyReason({ flags: I | NotifyFlag.EndOfStream })).toBe('FLAG_CONFLICT');
    expect(rawNotifyReason({ flags: I | NotifyFlag.HasStream })).toBe('FLAG_CONFLICT'); // unary with stream
    expect(rawNotifyReason({ flags: I | NotifyFlag.HasReplyTo })).toBe('FLAG_CONFLICT'); // unary with reply-to
    expect(rawNotifyReason({ kind: TransferKind.Response, flags: I })).toBe('FLAG_CONFLICT');
    expect(rawNotifyReason({ kind: TransferKind.Response, flags: I | NotifyFlag.HasReplyTo })).toBe('OK');
    expect(rawNotifyReason({ kind: TransferKind.StreamRequestItem, flags: I })).toBe('FLAG_CONFLICT');
    expect(
      rawNotifyReason({
        kind: TransferKind.StreamRequestItem,
        flags: I | NotifyFlag.HasStream | NotifyFlag.HasReplyTo,
      }),
    ).toBe('FLAG_CONFLICT');
    expect(rawNotifyReason({ kind: TransferKind.StreamResponseItem, flags: I | NotifyFlag.HasReplyTo })).toBe(
      'FLAG_CONFLICT',
    );
    expect(
      rawNotifyReason({
        kind: TransferKind.StreamResponseItem,
        flags: I | NotifyFlag.HasReplyTo | NotifyFlag.HasStream | NotifyFlag.EndOfStream,
      }),
    ).toBe('OK');
    expect(rawNotifyReason({ kind: TransferKind.Bulk, flags: I | NotifyFlag.HasStream })).toBe('FLAG_CONFLICT');
    expect(
      rawNotifyReason({ kind: TransferKind.Bulk, flags: NotifyFlag.AuthOnly | NotifyFlag.HasReplyTo, payloadSize: 5 }),
    ).toBe('OK');
    // Zero values.
    expect(rawNotifyReason({ senderHi: 0, senderLo: 0 })).toBe('ZERO_VALUE');
    expect(rawNotifyReason({ kind: TransferKind.Response, flags: I | NotifyFlag.HasReplyTo, replyToLo: 0 })).toBe(
      'ZERO_VALUE',
    );
    expect(
      rawNotifyReason({ kind: TransferKind.StreamRequestItem, flags: I | NotifyFlag.HasStream, streamLo: 0 }),
    ).toBe('ZERO_VALUE');
    expect(rawNotifyReason({ flags: 0, payloadSize: 1, bufferLo: 0 })).toBe('ZERO_VALUE');
    // Payload and header limits.
    expect(rawNotifyReason({ payloadSize: 1024 })).toBe('OK');
    expect(rawNotifyReason({ payloadSize: 1025 })).toBe('LENGTH_OUT_OF_RANGE');
    expect(rawNotifyReason({ flags: 0, payloadSize: 0 })).toBe('LENGTH_OUT_OF_RANGE');
    expect(rawNotifyReason({ flags: I | NotifyFlag.HasHeader, headerLength: 4096 })).toBe('OK');
    expect(rawNotifyReason({ flags: I | NotifyFlag.HasHeader, headerLength: 4097 })).toBe('LENGTH_OUT_OF_RANGE');
    expect(rawNotifyReason({ flags: 0, payloadSize: 281470681808879, recordSizeLog2: 20 })).toBe('OK');
    expect(rawNotifyReason({ flags: 0, payloadSize: 281470681808880, recordSizeLog2: 20 })).toBe('PAYLOAD_TOO_LARGE');
    expect(rawNotifyReason({ flags: 0, payloadSize: 2 ** 48 - 1, recordSizeLog2: 10 })).toBe('PAYLOAD_TOO_LARGE');
    expect(rawNotifyReason({ flags: 0, payloadSize: 9, extensionLength: 1 })).toBe('EXTENSION_NOT_SUPPORTED');
    expect(rawNotifyReason({ flags: 0, payloadSize: 9, extensionLength: 0xffff })).toBe('EXTENSION_NOT_SUPPORTED');
    // Not a valid encoder input either: the encoder asserts what the decoder rejects.
    expect(() =>
      encodeToBytes(
        'TRANSFER_NOTIFY',
        withEntry({ flags: NotifyFlag.Inline | NotifyFlag.AuthOnly | NotifyFlag.HasMetadata }),
      ),
    ).toThrow(/FLAG_CONFLICT/);
    expect(() =>
      encodeToBytes('TRANSFER_NOTIFY', withEntry({ metadata: 0, flags: NotifyFlag.Inline, streamItemIndex: 1 })),
    ).toThrow(/VALUE_OUT_OF_RANGE/);
  });

  it('range rules: zero length, overlap, past the largest sealed size, past a known sealed size', () => {
    // A PULL_REQUEST written byte by byte, so the ranges can be anything.
    const rawPull = (ranges: readonly (readonly [number, number])[]): Uint8Array => {
      const body = [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, ranges.length];
      for (const [offset, length] of ranges) {
        const hi = Math.floor(offset / 2 ** 32);
        const lo = offset >>> 0;
        body.push(hi >>> 8, hi & 0xff, lo >>> 24, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff);
        body.push(length >>> 24, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff);
      }
      return new Uint8Array([MessageType.PullRequest, body.length >>> 8, body.length & 0xff, ...body]);
    };
    const max = 2 ** 48 - 1;
    expect(
      bodyReason(
        'PULL_REQUEST',
        rawPull([
          [0, 10],
          [10, 5],
        ]),
      ),
    ).toBe('OK'); // adjacent
    expect(
      bodyReason(
        'PULL_REQUEST',
        rawPull([
          [0, 10],
          [9, 5],
        ]),
      ),
    ).toBe('RANGES_NOT_ASCENDING');
    expect(
      bodyReason(
        'PULL_REQUEST',
        rawPull([
          [20, 10],
          [0, 5],
        ]),
      ),
    ).toBe('RANGES_NOT_ASCENDING');
    expect(
      bodyReason(
        'PULL_REQUEST',
        rawPull([
          [0, 10],
          [0, 10],
        ]),
      ),
    ).toBe('RANGES_NOT_ASCENDING');
    expect(bodyReason('PULL_REQUEST', rawPull([[0, 0]]))).toBe('LENGTH_OUT_OF_RANGE');
    expect(bodyReason('PULL_REQUEST', rawPull([[max - 10, 10]]))).toBe('OK');
    expect(bodyReason('PULL_REQUEST', rawPull([[max - 10, 11]]))).toBe('RANGE_OUT_OF_BOUNDS');
    expect(bodyReason('PULL_REQUEST', rawPull([[max, 0xffffffff]]))).toBe('RANGE_OUT_OF_BOUNDS');
    const base = vector('PULL_REQUEST', 'adjacent ranges ending exactly at the largest sealed size').fields;
    const ranges = base.ranges as Json[];
    expect(() => encodeToBytes('PULL_REQUEST', { ...base, ranges: [ranges[1] as Json, ranges[0] as Json] })).toThrow(
      /RANGES_NOT_ASCENDING/,
    );
    expect(() => encodeToBytes('PULL_REQUEST', { ...base, ranges: [] })).toThrow(/COUNT_OUT_OF_RANGE/);
    expect(() => encodeToBytes('PULL_REQUEST', { ...base, ranges: [{ offset: 0, length: 2 ** 32 }] })).toThrow(
      /VALUE_OUT_OF_RANGE/,
    );
    // Against a transfer's sealed size (state the decoder does not have).
    const offsets = new Float64Array([0, 100]);
    const lengths = new Float64Array([50, 28]);
    const sealed = sealedSizeOf(100, 10); // 116
    expect(rangesWithinSealedSize(offsets, lengths, 2, 128)).toBe(DecodeReason.Ok);
    expect(rangesWithinSealedSize(offsets, lengths, 2, 127)).toBe(DecodeReason.RangeOutOfBounds);
    expect(rangesWithinSealedSize(offsets, lengths, 2, sealed)).toBe(DecodeReason.RangeOutOfBounds);
    expect(rangesWithinSealedSize(offsets, lengths, 0, 0)).toBe(DecodeReason.Ok);
    expect(sealed).toBe(116);
    expect(sealedSizeOf(0, 16)).toBe(0);
    expect(sealedSizeOf(65536, 16)).toBe(65552);
    expect(sealedSizeOf(65537, 16)).toBe(65569);
  });

  it('status rules of TRANSFER_ACCEPT and FLOW_RESET', () => {
    const accept = vector('TRANSFER_ACCEPT', 'accepted with notify credit').fields;
    expect(() => encodeToBytes('TRANSFER_ACCEPT', { ...accept, reasonCode: 2 })).toThrow(/INVALID_STATUS/);
    expect(() => encodeToBytes('TRANSFER_ACCEPT', { ...accept, status: 1, reasonCode: 0 })).toThrow(/INVALID_STATUS/);
    expect(() => encodeToBytes('TRANSFER_ACCEPT', { ...accept, receiverTransferId: '0000000000000000' })).toThrow(
      /ZERO_VALUE/,
    );
    const rejected = patched('TRANSFER_ACCEPT', { ...accept, status: 1, reasonCode: 2 }, (b) => {
      b[3 + 22] = 0; // REJECTED with OK
    });
    expect(bodyReason('TRANSFER_ACCEPT', rejected)).toBe('INVALID_STATUS');
    const queuedWithoutId = patched('TRANSFER_ACCEPT', { ...accept, status: 2 }, (b) => {
      b.fill(0, 3 + 8, 3 + 16);
    });
    expect(bodyReason('TRANSFER_ACCEPT', queuedWithoutId)).toBe('ZERO_VALUE');
    const reset = vector('FLOW_RESET', 'both ids, CANCELLED').fields;
    expect(() => encodeToBytes('FLOW_RESET', { ...reset, statusCode: 0 })).toThrow(/INVALID_STATUS/);
  });

  it('zero values in the other messages', () => {
    const cases: [MessageName, string, number, number][] = [
      ['PULL_REQUEST', 'one range, no rate limit', 3, 8], // sender id
      ['PULL_REQUEST', 'one range, no rate limit', 3 + 8, 8], // receiver id
      ['RANGE_ACK', 'one range', 3, 8],
      ['CANCEL_PULL', 'one pull', 3, 8],
      ['TRANSFER_CHALLENGE', 'typical', 3, 8],
      ['TRANSFER_CHALLENGE_RESPONSE', 'typical', 3, 8],
      ['TRANSFER_ACCEPT', 'accepted with notify credit', 3, 8],
      ['STREAM_CLOSE_ACK', 'ack by the opener', 3, 8],
      ['RETIRE_CONTROL_KEY', 'typical', 3 + 2, 4],
    ];
    for (const [name, vectorName, at, length] of cases) {
      const bytes = fromHex(vector(name, vectorName).hex);
      bytes.fill(0, at, at + length);
      expect(bodyReason(name, bytes), `${name} ${at}`).toBe('ZERO_VALUE');
    }
  });

  it('decoders accept the largest datagram and many messages in one body', () => {
    const probe = fromHex(vector('PROBE', 'typical').hex);
    const count = Math.floor(8953 / probe.length);
    const body = new Uint8Array(count * probe.length);
    for (let i = 0; i < count; i++) body.set(probe, i * probe.length);
    expect(bodyReason('PROBE', body)).toBe('OK');
    expect(toHex(body, 0, probe.length)).toBe(toHex(probe));
  });
});
