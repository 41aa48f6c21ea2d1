/**
 * Never-throws and canonical-encoding properties over untrusted bytes: random bytes and random
 * mutations of the checked-in vectors go through the datagram decoders, the message iterator and
 * every body decoder. Every result must be a known reason; nothing may throw; decoding a window of
 * a larger buffer must equal decoding a copy of the window (no reads outside it); and whatever a
 * decoder accepts must re-encode to the very same bytes (decoder and encoder enforce the same rules).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ControlHeaderView,
  DataChunkView,
  DataDatagramView,
  DatagramKind,
  DECODE_REASON_COUNT,
  DecodeReason,
  decodeControlHeader,
  decodeDataChunk,
  decodeDataDatagram,
  decodeMessageBody,
  decodeNotifyEntry,
  decodeUnknownPathSecret,
  MessageIterator,
  MessageViews,
  NotifyEntryView,
  peekDatagramKind,
  UnknownPathSecretView,
  validateControlBody,
} from '../src/index.js';
import {
  type DatagramName,
  decodeBody,
  decodeDatagram,
  encodeDatagram,
  encodeToBytes,
  type Fields,
  FRAMED_TYPES,
  fromHex,
  type MessageName,
  toHex,
} from './wire-fixtures.js';

const RUNS = process.env.DCQ_LONG_TESTS ? 20_000 : 400;

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
const framedVectors = messageVectors.filter((v) => FRAMED_TYPES[v.message as MessageName] !== undefined);

const NAME_OF_TYPE = new Map<number, MessageName>();
for (const [name, type] of Object.entries(FRAMED_TYPES)) NAME_OF_TYPE.set(type as number, name as MessageName);

const iterator = new MessageIterator();
const views = new MessageViews();
const controlHeader = new ControlHeaderView();
const dataDatagram = new DataDatagramView();
const dataChunk = new DataChunkView();
const unknownPathSecret = new UnknownPathSecretView();
const notifyEntry = new NotifyEntryView();

function isReason(reason: number): boolean {
  return Number.isInteger(reason) && reason >= 0 && reason < DECODE_REASON_COUNT;
}

/**
 * Runs `bytes[offset..offset+length)` through every decoder and returns a transcript of the
 * results (reasons and decoded numbers), so two windows with equal content can be compared.
 */
function decodeEverything(bytes: Uint8Array, offset: number, length: number): string {
  const out: number[] = [];
  const kind = peekDatagramKind(bytes, offset, length);
  expect(Number.isInteger(kind) && kind >= -DECODE_REASON_COUNT && kind <= 4).toBe(true);
  out.push(kind);
  const header = decodeControlHeader(bytes, offset, length, controlHeader);
  out.push(header);
  if (header === DecodeReason.Ok) {
    out.push(controlHeader.workerId, controlHeader.keyId, controlHeader.packetNumber, controlHeader.bodyLength);
  }
  const data = decodeDataDatagram(bytes, offset, length, dataDatagram);
  out.push(data);
  if (data === DecodeReason.Ok) {
    let count = 0;
    for (let at = dataDatagram.chunksOffset; at < dataDatagram.chunksEnd; ) {
      const consumed = decodeDataChunk(bytes, at, dataDatagram.chunksEnd, dataChunk);
      expect(consumed).toBeGreaterThan(0);
      out.push(dataChunk.pullId, dataChunk.sealedOffset, dataChunk.length);
      at += consumed;
      count++;
    }
    expect(count).toBe(dataDatagram.chunkCount);
  }
  out.push(decodeUnknownPathSecret(bytes, offset, length, unknownPathSecret));
  for (const datagramKind of [DatagramKind.Control, DatagramKind.SecretControl]) {
    out.push(validateControlBody(bytes, offset, length, datagramKind, iterator, views));
  }
  for (let type = 0; type < 0x24; type++) out.push(decodeMessageBody(type, bytes, offset, length, views));
  const entry = decodeNotifyEntry(bytes, offset, offset + length, notifyEntry);
  out.push(entry);
  for (const value of out) expect(Number.isFinite(value)).toBe(true);
  for (let i = 1; i < out.length; i++) {
    const value = out[i] as number;
    if (value < 0) expect(isReason(-value)).toBe(true);
  }
  return out.join(',');
}

/** If a control body is accepted, every message in it re-encodes to exactly its bytes. */
function checkCanonicalBody(bytes: Uint8Array, datagramKind: number): void {
  if (validateControlBody(bytes, 0, bytes.length, datagramKind, iterator, views) !== DecodeReason.Ok) return;
  iterator.reset(bytes, 0, bytes.length, datagramKind);
  while (iterator.hasNext()) {
    expect(iterator.next()).toBe(DecodeReason.Ok);
    const name = NAME_OF_TYPE.get(iterator.type) as MessageName;
    const decoded = decodeBody(name, bytes, iterator.bodyOffset, iterator.bodyLength);
    expect(decoded.reason).toBe(DecodeReason.Ok);
    const framed = toHex(bytes, iterator.bodyOffset - 3, iterator.bodyLength + 3);
    expect(toHex(encodeToBytes(name, decoded.fields as Fields))).toBe(framed);
  }
}

/** If a datagram is accepted by its decoder, it re-encodes to exactly its bytes. */
function checkCanonicalDatagram(bytes: Uint8Array): void {
  for (const name of ['CONTROL', 'SECRET_CONTROL', 'DATA', 'UNKNOWN_PATH_SECRET'] as DatagramName[]) {
    const decoded = decodeDatagram(name, bytes);
    if (decoded.reason !== DecodeReason.Ok) continue;
    expect(toHex(encodeDatagram(name, decoded.fields as Fields))).toBe(toHex(bytes));
  }
}

type Mutation =
  | { readonly op: 'set'; readonly at: number; readonly value: number }
  | { readonly op: 'flip'; readonly at: number; readonly bit: number }
  | { readonly op: 'insert'; readonly at: number; readonly value: number }
  | { readonly op: 'delete'; readonly at: number }
  | { readonly op: 'truncate'; readonly at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    op: fc.constant('set' as const),
    at: fc.nat(),
    value: fc.oneof(fc.constantFrom(0, 1, 0xff), fc.nat(255)),
  }),
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), value: fc.nat(255) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);

function mutate(original: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let bytes = Array.from(original);
  for (const m of mutations) {
    const at = bytes.length === 0 ? 0 : m.at % (bytes.length + (m.op === 'insert' ? 1 : 0));
    switch (m.op) {
      case 'set':
        if (bytes.length > 0) bytes[at] = m.value;
        break;
      case 'flip':
        if (bytes.length > 0) bytes[at] = (bytes[at] as number) ^ (1 << m.bit);
        break;
      case 'insert':
        bytes.splice(at, 0, m.value);
        break;
      case 'delete':
        if (bytes.length > 0) bytes.splice(at, 1);
        break;
      case 'truncate':
        bytes = bytes.slice(0, at);
        break;
    }
  }
  return new Uint8Array(bytes);
}

describe('wire decoders over untrusted bytes', () => {
  it('random bytes never throw, always give a known reason, and respect the window', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          { weight: 4, arbitrary: fc.uint8Array({ maxLength: 120 }) },
          { weight: 1, arbitrary: fc.uint8Array({ minLength: 8990, maxLength: 9010 }) },
        ),
        fc.uint8Array({ maxLength: 8 }),
        fc.uint8Array({ maxLength: 8 }),
        (input, prefix, suffix) => {
          const exact = decodeEverything(input, 0, input.length);
          const embedded = new Uint8Array(prefix.length + input.length + suffix.length);
          embedded.set(prefix);
          embedded.set(input, prefix.length);
          embedded.set(suffix, prefix.length + input.length);
          expect(decodeEverything(embedded, prefix.length, input.length)).toBe(exact);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('random bytes that look like framed messages never throw; accepted bodies are canonical', () => {
    const framedLike = fc
      .tuple(fc.constantFrom(...Object.values(FRAMED_TYPES)), fc.uint8Array({ maxLength: 200 }))
      .map(([type, body]) => new Uint8Array([type as number, body.length >>> 8, body.length & 0xff, ...body]));
    fc.assert(
      fc.property(framedLike, (bytes) => {
        decodeEverything(bytes, 0, bytes.length);
        checkCanonicalBody(bytes, DatagramKind.Control);
        checkCanonicalBody(bytes, DatagramKind.SecretControl);
      }),
      { numRuns: RUNS },
    );
  });

  it('mutated message vectors never throw; whatever is accepted re-encodes byte-exact', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...framedVectors),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (vector, mutations) => {
          const bytes = mutate(fromHex(vector.hex), mutations);
          decodeEverything(bytes, 0, bytes.length);
          checkCanonicalBody(bytes, DatagramKind.Control);
          checkCanonicalBody(bytes, DatagramKind.SecretControl);
          if (bytes.length >= 3) decodeEverything(bytes, 3, bytes.length - 3);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('mutated datagram vectors never throw; whatever is accepted re-encodes byte-exact', () => {
    const datagrams = [...headerVectors, ...messageVectors.filter((v) => v.message === 'UNKNOWN_PATH_SECRET')];
    fc.assert(
      fc.property(
        fc.constantFrom(...datagrams),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (vector, mutations) => {
          const bytes = mutate(fromHex(vector.hex), mutations);
          decodeEverything(bytes, 0, bytes.length);
          checkCanonicalDatagram(bytes);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('decoded views can be reused: a rejected decode after an accepted one leaves no stale count', () => {
    const notify = fromHex((messageVectors.find((v) => v.message === 'TRANSFER_NOTIFY') as Vector).hex);
    expect(decodeMessageBody(0x01, notify, 3, notify.length - 3, views)).toBe(DecodeReason.Ok);
    expect(views.transferNotify.count).toBe(1);
    expect(decodeMessageBody(0x01, notify, 3, notify.length - 4, views)).toBe(DecodeReason.Truncated);
    expect(views.transferNotify.count).toBe(0);
  });
});
