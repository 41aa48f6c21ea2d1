/**
 * `codec`: the @dcq/core wire codec (encode into a preallocated datagram buffer, decode into
 * reusable views, no per-message allocation) against what a JavaScript developer would write
 * first: the same messages as plain objects through JSON.stringify + TextEncoder.encodeInto, then
 * TextDecoder + JSON.parse, with binary fields (headers, inline payloads, data keys) as base64.
 *
 * One operation = one "set": encode + decode of
 * - a TRANSFER_NOTIFY with 16 entries (8 unary requests with a 64-byte inline payload and metadata,
 *   8 responses referencing a sealed buffer, with reply-to and a 16-byte header),
 * - a PULL_REQUEST with 8 ranges,
 * - a DATA chunk header (the 20 bytes in front of each piece of payload; the payload is not copied).
 * The value is sets/s; details report each message separately (ops/s, candidate vs baseline) and
 * the encoded sizes.
 */
import {
  appendNotifyEntry,
  beginTransferNotify,
  DataChunkView,
  DatagramKind,
  DecodeReason,
  decodeDataChunk,
  decodePullRequest,
  decodeTransferNotify,
  encodeDataChunkHeader,
  encodePullRequest,
  MessageIterator,
  MessageType,
  NotifyEntryView,
  NotifyFlag,
  PullRequestView,
  TransferKind,
  TransferNotifyView,
} from '@dcq/core';
import { type Benchmark, type BenchOptions, type BenchOutcome, compareRates, rateOptions } from '../harness.js';

const NOTIFY_ENTRIES = 16;
const INLINE_BYTES = 64;
const HEADER_BYTES = 16;
const PULL_RANGES = 8;
const CHUNK_PAYLOAD_BYTES = 1400;
const DATAGRAM_BYTES = 9000;
const SETS_PER_CALL = 64;

function filled(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (seed + 31 * i) & 0xff;
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Candidate: the wire codec.
// ---------------------------------------------------------------------------------------------

class CodecContender {
  private readonly out = new Uint8Array(DATAGRAM_BYTES);
  private readonly entries: NotifyEntryView[] = [];
  private readonly pull = new PullRequestView();
  private readonly chunk = new DataChunkView();
  private readonly notifyView = new TransferNotifyView();
  private readonly pullView = new PullRequestView();
  private readonly chunkView = new DataChunkView();
  private readonly iterator = new MessageIterator();
  /** Sum of decoded fields, so no work is optimised away. */
  checksum = 0;

  constructor() {
    const inline = filled(INLINE_BYTES, 1);
    const header = filled(HEADER_BYTES, 2);
    const key = filled(32, 3);
    const iv = filled(12, 4);
    for (let i = 0; i < NOTIFY_ENTRIES; i++) {
      const entry = new NotifyEntryView();
      entry.notifySequenceHi = 0;
      entry.notifySequenceLo = 1000 + i;
      entry.senderTransferIdHi = 0x0300_0001;
      entry.senderTransferIdLo = 100 + i;
      entry.priority = i & 7;
      if (i % 2 === 0) {
        entry.kind = TransferKind.UnaryRequest;
        entry.flags = NotifyFlag.Inline | NotifyFlag.HasMetadata;
        entry.metadata = 42;
        entry.payloadSize = INLINE_BYTES;
        entry.inlineBytes = inline;
      } else {
        entry.kind = TransferKind.Response;
        entry.flags = NotifyFlag.HasReplyTo | NotifyFlag.HasHeader;
        entry.replyToTransferIdHi = 0x0100_0002;
        entry.replyToTransferIdLo = 7 + i;
        entry.headerBytes = header;
        entry.headerLength = HEADER_BYTES;
        entry.payloadSize = 1_000_000 + i;
        entry.bufferIdHi = 1;
        entry.bufferIdLo = 50 + i;
        entry.recordSizeLog2 = 16;
        entry.dataKeyBytes = key;
        entry.dataIvBytes = iv;
      }
      this.entries.push(entry);
    }
    this.pull.senderTransferIdHi = 0x0300_0001;
    this.pull.senderTransferIdLo = 101;
    this.pull.receiverTransferIdHi = 0x0100_0002;
    this.pull.receiverTransferIdLo = 9;
    this.pull.pullId = 77;
    this.pull.desiredRateKiBps = 1_250_000;
    this.pull.rangeCount = PULL_RANGES;
    for (let i = 0; i < PULL_RANGES; i++) {
      this.pull.rangeOffsets[i] = i * 200_000;
      this.pull.rangeLengths[i] = 65_552;
    }
    this.chunk.receiverTransferIdHi = 0x0100_0002;
    this.chunk.receiverTransferIdLo = 9;
    this.chunk.pullId = 77;
    this.chunk.sealedOffset = 3 * 65_552;
    this.chunk.length = CHUNK_PAYLOAD_BYTES;
  }

  notify(): number {
    const out = this.out;
    let at = beginTransferNotify(out, 0, out.length);
    for (let i = 0; i < NOTIFY_ENTRIES; i++)
      at += appendNotifyEntry(out, 0, out.length, this.entries[i] as NotifyEntryView);
    this.iterator.reset(out, 0, at, DatagramKind.Control);
    if (this.iterator.next() !== DecodeReason.Ok || this.iterator.type !== MessageType.TransferNotify) return -1;
    const reason = decodeTransferNotify(out, this.iterator.bodyOffset, this.iterator.bodyLength, this.notifyView);
    if (reason !== DecodeReason.Ok) return -1;
    const last = this.notifyView.entries[NOTIFY_ENTRIES - 1] as NotifyEntryView;
    this.checksum += this.notifyView.count + last.payloadSize + last.headerLength;
    return at;
  }

  pullRequest(): number {
    const out = this.out;
    const size = encodePullRequest(out, 0, out.length, this.pull);
    this.iterator.reset(out, 0, size, DatagramKind.Control);
    if (this.iterator.next() !== DecodeReason.Ok) return -1;
    if (decodePullRequest(out, this.iterator.bodyOffset, this.iterator.bodyLength, this.pullView) !== DecodeReason.Ok) {
      return -1;
    }
    this.checksum += this.pullView.rangeCount + (this.pullView.rangeOffsets[PULL_RANGES - 1] as number);
    return size;
  }

  chunkHeader(): number {
    const out = this.out;
    const size = encodeDataChunkHeader(out, 2, out.length, this.chunk);
    const consumed = decodeDataChunk(out, 2, out.length, this.chunkView);
    if (consumed < 0) return -1;
    this.checksum += this.chunkView.sealedOffset + this.chunkView.length;
    return size;
  }
}

// ---------------------------------------------------------------------------------------------
// Baseline: plain objects + JSON + TextEncoder/TextDecoder, binary fields as base64.
// ---------------------------------------------------------------------------------------------

interface JsonNotifyEntry {
  notifySequence: string;
  senderTransferId: string;
  kind: number;
  priority: number;
  flags: number;
  payloadSize: number;
  replyToTransferId?: string;
  metadata?: number;
  header?: Uint8Array;
  inline?: Uint8Array;
  bufferId?: string;
  recordSizeLog2?: number;
  dataKey?: Uint8Array;
  dataIv?: Uint8Array;
}

const BINARY_FIELDS = ['header', 'inline', 'dataKey', 'dataIv'] as const;

function hexId(hi: number, lo: number): string {
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function fromBase64(text: string): Uint8Array {
  const buffer = Buffer.from(text, 'base64');
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

class JsonContender {
  private readonly out = new Uint8Array(4 * DATAGRAM_BYTES);
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();
  private readonly entries: JsonNotifyEntry[] = [];
  private readonly pull: {
    type: string;
    senderTransferId: string;
    receiverTransferId: string;
    pullId: number;
    flags: number;
    desiredRateKiBps: number;
    ranges: { offset: number; length: number }[];
  };
  private readonly chunk: {
    receiverTransferId: string;
    pullId: number;
    sealedOffset: number;
    length: number;
  };
  checksum = 0;

  constructor() {
    const inline = filled(INLINE_BYTES, 1);
    const header = filled(HEADER_BYTES, 2);
    const key = filled(32, 3);
    const iv = filled(12, 4);
    for (let i = 0; i < NOTIFY_ENTRIES; i++) {
      const base = {
        notifySequence: hexId(0, 1000 + i),
        senderTransferId: hexId(0x0300_0001, 100 + i),
        priority: i & 7,
      };
      this.entries.push(
        i % 2 === 0
          ? {
              ...base,
              kind: TransferKind.UnaryRequest,
              flags: NotifyFlag.Inline | NotifyFlag.HasMetadata,
              payloadSize: INLINE_BYTES,
              metadata: 42,
              inline,
            }
          : {
              ...base,
              kind: TransferKind.Response,
              flags: NotifyFlag.HasReplyTo | NotifyFlag.HasHeader,
              payloadSize: 1_000_000 + i,
              replyToTransferId: hexId(0x0100_0002, 7 + i),
              header,
              bufferId: hexId(1, 50 + i),
              recordSizeLog2: 16,
              dataKey: key,
              dataIv: iv,
            },
      );
    }
    this.pull = {
      type: 'PULL_REQUEST',
      senderTransferId: hexId(0x0300_0001, 101),
      receiverTransferId: hexId(0x0100_0002, 9),
      pullId: 77,
      flags: 0,
      desiredRateKiBps: 1_250_000,
      ranges: Array.from({ length: PULL_RANGES }, (_, i) => ({ offset: i * 200_000, length: 65_552 })),
    };
    this.chunk = {
      receiverTransferId: hexId(0x0100_0002, 9),
      pullId: 77,
      sealedOffset: 3 * 65_552,
      length: CHUNK_PAYLOAD_BYTES,
    };
  }

  private roundTrip(value: unknown): unknown {
    const written = this.encoder.encodeInto(JSON.stringify(value), this.out).written;
    return JSON.parse(this.decoder.decode(this.out.subarray(0, written)));
  }

  notify(): number {
    // Encode: binary fields become base64 strings.
    const wireEntries = this.entries.map((entry) => {
      const copy: Record<string, unknown> = { ...entry };
      for (const field of BINARY_FIELDS) {
        const bytes = entry[field];
        if (bytes !== undefined) copy[field] = toBase64(bytes);
      }
      return copy;
    });
    const written = this.encoder.encodeInto(
      JSON.stringify({ type: 'TRANSFER_NOTIFY', entries: wireEntries }),
      this.out,
    ).written;
    // Decode: parse, then turn base64 back into bytes.
    const parsed = JSON.parse(this.decoder.decode(this.out.subarray(0, written))) as {
      type: string;
      entries: Record<string, unknown>[];
    };
    if (parsed.type !== 'TRANSFER_NOTIFY') return -1;
    for (const entry of parsed.entries) {
      for (const field of BINARY_FIELDS) {
        const text = entry[field];
        if (typeof text === 'string') entry[field] = fromBase64(text);
      }
    }
    const last = parsed.entries[NOTIFY_ENTRIES - 1] as { payloadSize: number; header: Uint8Array };
    this.checksum += parsed.entries.length + last.payloadSize + last.header.length;
    return written;
  }

  pullRequest(): number {
    const parsed = this.roundTrip(this.pull) as { ranges: { offset: number }[] };
    this.checksum += parsed.ranges.length + (parsed.ranges[PULL_RANGES - 1]?.offset ?? 0);
    return 1;
  }

  chunkHeader(): number {
    const parsed = this.roundTrip(this.chunk) as { sealedOffset: number; length: number };
    this.checksum += parsed.sealedOffset + parsed.length;
    return 1;
  }

  /** Encoded JSON size of each message (for the details). */
  sizes(): { notify: number; pull: number; chunk: number } {
    const notify = this.notify();
    const pull = this.encoder.encodeInto(JSON.stringify(this.pull), this.out).written;
    const chunk = this.encoder.encodeInto(JSON.stringify(this.chunk), this.out).written;
    return { notify, pull, chunk };
  }
}

// ---------------------------------------------------------------------------------------------
// Runner.
// ---------------------------------------------------------------------------------------------

function verify(codec: CodecContender): { notify: number; pull: number; chunk: number } {
  const notify = codec.notify();
  const pull = codec.pullRequest();
  const chunk = codec.chunkHeader();
  if (notify <= 0 || pull <= 0 || chunk <= 0) throw new Error('codec benchmark: the codec rejected its own encoding');
  return { notify, pull, chunk };
}

export const codecBenchmark: Benchmark = {
  name: 'codec',
  group: 'core',
  description: 'wire codec encode+decode (NOTIFY×16, PULL×8 ranges, DATA chunk header) vs JSON+TextEncoder+base64',
  run(options: BenchOptions): BenchOutcome {
    const codec = new CodecContender();
    const json = new JsonContender();
    const binarySizes = verify(codec);
    const jsonSizes = json.sizes();
    const rates = rateOptions(options);

    const codecSet = (): number => {
      for (let i = 0; i < SETS_PER_CALL; i++) {
        codec.notify();
        codec.pullRequest();
        codec.chunkHeader();
      }
      return SETS_PER_CALL;
    };
    const jsonSet = (): number => {
      for (let i = 0; i < SETS_PER_CALL; i++) {
        json.notify();
        json.pullRequest();
        json.chunkHeader();
      }
      return SETS_PER_CALL;
    };
    const repeat = (body: () => number): (() => number) => {
      return () => {
        for (let i = 0; i < SETS_PER_CALL; i++) body();
        return SETS_PER_CALL;
      };
    };

    const sets = compareRates(codecSet, jsonSet, rates);
    const notify = compareRates(
      repeat(() => codec.notify()),
      repeat(() => json.notify()),
      rates,
    );
    const pull = compareRates(
      repeat(() => codec.pullRequest()),
      repeat(() => json.pullRequest()),
      rates,
    );
    const chunk = compareRates(
      repeat(() => codec.chunkHeader()),
      repeat(() => json.chunkHeader()),
      rates,
    );
    if (!(codec.checksum > 0 && json.checksum > 0)) throw new Error('codec benchmark: no work done');

    return {
      metric: 'encode+decode sets/s (NOTIFY×16 + PULL×8 + DATA chunk header)',
      unit: 'sets/s',
      value: sets.value,
      baseline: 'JSON.stringify+TextEncoder / TextDecoder+JSON.parse, base64 binary fields',
      baselineValue: sets.baselineValue,
      params: {
        notifyEntries: NOTIFY_ENTRIES,
        notifyMix: '8 inline 64 B unary requests + 8 buffer-referencing responses (16 B header)',
        pullRanges: PULL_RANGES,
        chunkPayloadBytes: CHUNK_PAYLOAD_BYTES,
        quick: options.quick,
      },
      details: {
        notifyPerSecond: {
          codec: notify.value,
          json: notify.baselineValue,
          ratio: notify.value / notify.baselineValue,
        },
        notifyEntriesPerSecond: { codec: notify.value * NOTIFY_ENTRIES, json: notify.baselineValue * NOTIFY_ENTRIES },
        pullRequestPerSecond: { codec: pull.value, json: pull.baselineValue, ratio: pull.value / pull.baselineValue },
        chunkHeaderPerSecond: {
          codec: chunk.value,
          json: chunk.baselineValue,
          ratio: chunk.value / chunk.baselineValue,
        },
        encodedBytes: { codec: binarySizes, json: jsonSizes },
      },
    };
  },
};
