/**
 * Encoders at the edge of their buffer: for every vector and every too-small window the encoder
 * returns ENCODE_NO_ROOM and writes nothing (checked with canary bytes around and inside the
 * window); with exactly enough room it writes exactly the vector and nothing outside the window.
 * Also: encoders assert on a bad window and on invalid fields instead of writing garbage.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  AssertionError,
  appendNotifyEntry,
  beginTransferNotify,
  CONTROL_HEADER_SIZE,
  ControlHeaderView,
  DATA_CHUNK_HEADER_SIZE,
  DataChunkView,
  DecodeReason,
  decodeControlHeader,
  decodeTransferNotify,
  ENCODE_NO_ROOM,
  encodeControlHeader,
  encodeDataChunkHeader,
  encodeDataDatagramHeader,
  encodeMessageHeader,
  encodePadding,
  encodeProbe,
  MESSAGE_BODY_SIZE_MAX,
  MessageType,
  NotifyEntryView,
  ProbeView,
  TRANSFER_NOTIFY_OVERHEAD,
  TransferNotifyView,
} from '../src/index.js';
import {
  type DatagramName,
  encodeDatagram,
  encodeMessage,
  type Fields,
  fromHex,
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

const CANARY = 0xa5;
const MARGIN = 8;

function canaryBuffer(size: number): Uint8Array {
  return new Uint8Array(size + 2 * MARGIN).fill(CANARY);
}

function allCanary(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] !== CANARY) return false;
  return true;
}

/** Sizes to try: every size for small messages, a sample (all small ones, ends, strides) for big ones. */
function sizesBelow(size: number): number[] {
  if (size <= 512) return Array.from({ length: size }, (_, i) => i);
  const sizes = new Set<number>();
  for (let i = 0; i < 64; i++) sizes.add(i);
  for (let i = size - 64; i < size; i++) sizes.add(i);
  for (let i = 64; i < size - 64; i += 37) sizes.add(i);
  return [...sizes];
}

describe('wire encoders at the end of the buffer', () => {
  it('every message vector: NO_ROOM and nothing written for every too-small window; exact fit writes only the window', () => {
    for (const v of messageVectors) {
      const name = v.message as MessageName;
      const expected = fromHex(v.hex);
      const size = expected.length;
      const multiChunk = name === 'DATA_CHUNKS' && (v.fields.chunks as unknown[]).length > 1;
      for (const room of sizesBelow(size)) {
        const out = canaryBuffer(size);
        expect(encodeMessage(name, v.fields, out, MARGIN, MARGIN + room), `${v.name} room ${room}`).toBe(
          ENCODE_NO_ROOM,
        );
        // The fixture writes several chunks one by one: earlier chunks may land, but never past the end.
        const untouchedFrom = multiChunk ? MARGIN + room : 0;
        expect(allCanary(out, untouchedFrom, out.length), `${v.name} room ${room}`).toBe(true);
      }
      const out = canaryBuffer(size);
      expect(encodeMessage(name, v.fields, out, MARGIN, MARGIN + size), v.name).toBe(size);
      expect(toHex(out, MARGIN, size), v.name).toBe(v.hex);
      expect(allCanary(out, 0, MARGIN) && allCanary(out, MARGIN + size, out.length), v.name).toBe(true);
    }
  });

  it('datagram headers: NO_ROOM and nothing written for every too-small window', () => {
    for (const v of headerVectors) {
      const bytes = encodeDatagram(v.message as DatagramName, v.fields);
      expect(toHex(bytes)).toBe(v.hex);
    }
    const control = fromHex((headerVectors.find((v) => v.message === 'CONTROL') as Vector).hex);
    const view = new ControlHeaderView();
    expect(decodeControlHeader(control, 0, control.length, view)).toBe(DecodeReason.Ok);
    for (let room = 0; room < CONTROL_HEADER_SIZE; room++) {
      const out = canaryBuffer(CONTROL_HEADER_SIZE);
      expect(encodeControlHeader(out, MARGIN, MARGIN + room, view)).toBe(ENCODE_NO_ROOM);
      expect(allCanary(out, 0, out.length)).toBe(true);
    }
    for (let room = 0; room < 2; room++) {
      const out = canaryBuffer(2);
      expect(encodeDataDatagramHeader(out, MARGIN, MARGIN + room)).toBe(ENCODE_NO_ROOM);
      expect(allCanary(out, 0, out.length)).toBe(true);
    }
    // A chunk header needs room for the whole chunk, not just its 20 bytes.
    const chunk = new DataChunkView();
    chunk.receiverTransferIdLo = 1;
    chunk.pullId = 1;
    chunk.length = 100;
    for (let room = 0; room < DATA_CHUNK_HEADER_SIZE + 100; room++) {
      const out = canaryBuffer(DATA_CHUNK_HEADER_SIZE + 100);
      expect(encodeDataChunkHeader(out, MARGIN, MARGIN + room, chunk)).toBe(ENCODE_NO_ROOM);
      expect(allCanary(out, 0, out.length)).toBe(true);
    }
    const out = canaryBuffer(DATA_CHUNK_HEADER_SIZE + 100);
    expect(encodeDataChunkHeader(out, MARGIN, MARGIN + DATA_CHUNK_HEADER_SIZE + 100, chunk)).toBe(
      DATA_CHUNK_HEADER_SIZE,
    );
    expect(allCanary(out, MARGIN + DATA_CHUNK_HEADER_SIZE, out.length)).toBe(true);
  });

  it('appendNotifyEntry: NO_ROOM leaves the message and the buffer untouched', () => {
    const vector = messageVectors.find((v) => v.name.startsWith('three entries')) as Vector;
    const full = fromHex(vector.hex);
    const view = new TransferNotifyView();
    expect(decodeTransferNotify(full, 3, full.length - 3, view)).toBe(DecodeReason.Ok);
    const out = canaryBuffer(full.length);
    const end = MARGIN + full.length;
    expect(beginTransferNotify(out, MARGIN, end)).toBe(TRANSFER_NOTIFY_OVERHEAD);
    let at = MARGIN + TRANSFER_NOTIFY_OVERHEAD;
    for (let i = 0; i < view.count; i++) {
      const entry = view.entries[i] as NotifyEntryView;
      const snapshot = out.slice();
      // One byte short of this entry: refused, nothing changes.
      const size = appendNotifyEntry(out, MARGIN, end, entry);
      expect(size).toBeGreaterThan(0);
      const after = out.slice();
      out.set(snapshot);
      expect(appendNotifyEntry(out, MARGIN, at + size - 1, entry)).toBe(ENCODE_NO_ROOM);
      expect(toHex(out)).toBe(toHex(snapshot));
      out.set(after);
      at += size;
    }
    expect(toHex(out, MARGIN, full.length)).toBe(vector.hex);
    expect(allCanary(out, MARGIN + full.length, out.length)).toBe(true);
    for (let room = 0; room < TRANSFER_NOTIFY_OVERHEAD; room++) {
      const small = canaryBuffer(4);
      expect(beginTransferNotify(small, MARGIN, MARGIN + room)).toBe(ENCODE_NO_ROOM);
      expect(allCanary(small, 0, small.length)).toBe(true);
    }
  });

  it('a notify body never grows past MESSAGE_BODY_SIZE_MAX, even in a bigger buffer', () => {
    const entry = new NotifyEntryView();
    entry.senderTransferIdLo = 1;
    entry.flags = 0x0081; // INLINE | HAS_HEADER
    entry.headerBytes = new Uint8Array(4096);
    entry.headerLength = 4096;
    entry.inlineBytes = new Uint8Array(1024);
    entry.payloadSize = 1024;
    const out = new Uint8Array(65536);
    expect(beginTransferNotify(out, 0, out.length)).toBe(TRANSFER_NOTIFY_OVERHEAD);
    expect(appendNotifyEntry(out, 0, out.length, entry)).toBeGreaterThan(0);
    expect(appendNotifyEntry(out, 0, out.length, entry)).toBe(ENCODE_NO_ROOM); // 2 × 5150 > 8953
    expect(MESSAGE_BODY_SIZE_MAX).toBe(8953);
  });

  it('encoders assert a bad window or invalid fields (programming errors), without writing', () => {
    const out = canaryBuffer(16);
    const probe = new ProbeView();
    expect(() => encodeProbe(out, 10, 5, probe)).toThrow(AssertionError);
    expect(() => encodeProbe(out, 0, out.length + 1, probe)).toThrow(AssertionError);
    expect(() => encodeProbe(out, -1, 5, probe)).toThrow(AssertionError);
    probe.probeId = 2 ** 32;
    expect(() => encodeProbe(out, 0, out.length, probe)).toThrow(AssertionError);
    probe.probeId = -1;
    expect(() => encodeProbe(out, 0, out.length, probe)).toThrow(AssertionError);
    probe.probeId = 1.5;
    expect(() => encodeProbe(out, 0, out.length, probe)).toThrow(AssertionError);
    expect(() => encodePadding(out, 0, out.length, -1)).toThrow(AssertionError);
    expect(() => encodePadding(out, 0, out.length, MESSAGE_BODY_SIZE_MAX + 1)).toThrow(AssertionError);
    expect(() => encodeMessageHeader(out, 0, out.length, 0x0e, 0)).toThrow(AssertionError);
    expect(allCanary(out, 0, out.length)).toBe(true);
    const header = new ControlHeaderView();
    header.pathSecretIdBytes = new Uint8Array(15);
    expect(() => encodeControlHeader(out, 0, out.length, header)).toThrow(AssertionError);
    expect(encodeMessageHeader(out, 0, out.length, MessageType.Probe, 8)).toBe(3);
  });
});
