/**
 * Round-trip properties of the wire codec: for every message, arbitrary valid fields encode to
 * exactly the estimated size and decode back to the same fields; the incremental NOTIFY builder
 * produces the same bytes as the one-shot encoder; whole control bodies of mixed messages iterate
 * back in order; DATA datagrams and control headers round-trip.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  appendNotifyEntry,
  beginTransferNotify,
  CONTROL_HEADER_SIZE,
  ControlHeaderView,
  DatagramKind,
  DecodeReason,
  decodeControlHeader,
  decodeTransferNotify,
  ENCODE_FULL,
  encodeControlHeader,
  MessageIterator,
  MessageViews,
  NOTIFY_ENTRIES_MAX,
  type NotifyEntryView,
  notifyEntrySize,
  notifyEntrySizeFor,
  reasonName,
  TRANSFER_NOTIFY_OVERHEAD,
  TransferNotifyView,
  validateControlBody,
} from '../src/index.js';
import { hexBytes, messageArbitraries, notifyEntry, SMALL_ENTRY, u16, u32 } from './wire-arbitraries.js';
import {
  datagramKindOf,
  decodeBody,
  decodeDatagram,
  decodeMessage,
  encodeDatagram,
  encodeMessage,
  encodeToBytes,
  estimateSize,
  type Fields,
  FRAMED_TYPES,
  fromHex,
  MESSAGE_NAMES,
  type MessageName,
  toHex,
} from './wire-fixtures.js';

const RUNS = process.env.DCQ_LONG_TESTS ? 2000 : 150;

describe('wire round trip', () => {
  for (const name of MESSAGE_NAMES) {
    it(`${name}: encode → decode gives the same fields; size == estimator`, () => {
      fc.assert(
        fc.property(messageArbitraries[name], fc.integer({ min: 0, max: 40 }), (fields, offset) => {
          const size = estimateSize(name, fields);
          // Encode at an offset into a larger buffer: the encoder returns exactly the estimate.
          const out = new Uint8Array(offset + size + 7);
          expect(encodeMessage(name, fields, out, offset, out.length)).toBe(size);
          const decoded = decodeMessage(name, out, offset, size);
          expect(reasonName(decoded.reason)).toBe('OK');
          expect(decoded.fields).toEqual(fields);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('notifyEntrySizeFor agrees with the encoded entry length', () => {
    fc.assert(
      fc.property(notifyEntry(SMALL_ENTRY), (fields) => {
        const bytes = encodeToBytes('TRANSFER_NOTIFY', { entries: [fields] });
        const flags = fields.flags as number;
        const headerLength = (fields.header as string).length / 2;
        expect(notifyEntrySizeFor(flags, headerLength, fields.payloadSize as number)).toBe(
          bytes.length - TRANSFER_NOTIFY_OVERHEAD,
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('beginTransferNotify + appendNotifyEntry produce the one-shot encoding; ENCODE_FULL after 64 entries', () => {
    fc.assert(
      fc.property(fc.array(notifyEntry(SMALL_ENTRY), { minLength: 1, maxLength: 64 }), (entries) => {
        const expected = encodeToBytes('TRANSFER_NOTIFY', { entries });
        // Decode the expected bytes to obtain filled entry views to append.
        const view = new TransferNotifyView();
        expect(decodeTransferNotify(expected, 3, expected.length - 3, view)).toBe(DecodeReason.Ok);
        const out = new Uint8Array(expected.length + 200);
        const start = 5;
        expect(beginTransferNotify(out, start, out.length)).toBe(TRANSFER_NOTIFY_OVERHEAD);
        for (let i = 0; i < view.count; i++) {
          const entry = view.entries[i] as NotifyEntryView;
          expect(appendNotifyEntry(out, start, out.length, entry)).toBe(notifyEntrySize(entry));
        }
        expect(toHex(out, start, expected.length)).toBe(toHex(expected));
        if (view.count === NOTIFY_ENTRIES_MAX) {
          const before = toHex(out);
          expect(appendNotifyEntry(out, start, out.length, view.entries[0] as NotifyEntryView)).toBe(ENCODE_FULL);
          expect(toHex(out)).toBe(before);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('a body of mixed messages validates and iterates back in order', () => {
    const controlNames = MESSAGE_NAMES.filter(
      (n) => FRAMED_TYPES[n] !== undefined && datagramKindOf(n) === DatagramKind.Control,
    );
    const secretNames = MESSAGE_NAMES.filter((n) => datagramKindOf(n) === DatagramKind.SecretControl);
    const bodyOf = (names: readonly MessageName[]) =>
      fc.array(
        fc.constantFrom(...names).chain((name) => messageArbitraries[name].map((fields) => ({ name, fields }))),
        { minLength: 1, maxLength: 6 },
      );
    const iterator = new MessageIterator();
    const views = new MessageViews();
    for (const [kind, names] of [
      [DatagramKind.Control, controlNames],
      [DatagramKind.SecretControl, secretNames],
    ] as const) {
      fc.assert(
        fc.property(bodyOf(names), (messages) => {
          const parts = messages.map((m) => encodeToBytes(m.name, m.fields));
          const body = fromHex(parts.map((p) => toHex(p)).join(''));
          expect(reasonName(validateControlBody(body, 0, body.length, kind, iterator, views))).toBe('OK');
          expect(iterator.reset(body, 0, body.length, kind)).toBe(DecodeReason.Ok);
          let index = 0;
          while (iterator.hasNext()) {
            expect(iterator.next()).toBe(DecodeReason.Ok);
            const expected = messages[index] as { name: MessageName; fields: Fields };
            expect(iterator.type).toBe(FRAMED_TYPES[expected.name]);
            const decoded = decodeBody(expected.name, body, iterator.bodyOffset, iterator.bodyLength);
            expect(decoded.fields).toEqual(expected.fields);
            index++;
          }
          expect(index).toBe(messages.length);
        }),
        { numRuns: 60 },
      );
    }
  });

  it('control and secret-control headers round-trip and locate body and tag', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('CONTROL', 'SECRET_CONTROL'),
        hexBytes(16, 16),
        u16,
        u32,
        u32,
        hexBytes(19, 300),
        (name, pathSecretId, workerId, keyId, packetNumber, sealed) => {
          const fields: Fields = { version: 1, pathSecretId, workerId, keyId, packetNumber, sealed };
          const bytes = encodeDatagram(name, fields);
          expect(bytes.length).toBe(CONTROL_HEADER_SIZE + sealed.length / 2);
          const decoded = decodeDatagram(name, bytes);
          expect(reasonName(decoded.reason)).toBe('OK');
          expect(decoded.fields).toEqual(fields);
          // The same header decoded through the view directly.
          const view = new ControlHeaderView();
          expect(decodeControlHeader(bytes, 0, bytes.length, view)).toBe(DecodeReason.Ok);
          const again = new Uint8Array(CONTROL_HEADER_SIZE);
          expect(encodeControlHeader(again, 0, again.length, view)).toBe(CONTROL_HEADER_SIZE);
          expect(toHex(again)).toBe(toHex(bytes, 0, CONTROL_HEADER_SIZE));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('DATA datagrams round-trip', () => {
    fc.assert(
      fc.property(messageArbitraries.DATA_CHUNKS, (chunks) => {
        const fields: Fields = { version: 1, chunks: chunks.chunks as Fields[] };
        const decoded = decodeDatagram('DATA', encodeDatagram('DATA', fields));
        expect(reasonName(decoded.reason)).toBe('OK');
        expect(decoded.fields).toEqual(fields);
      }),
      { numRuns: RUNS },
    );
  });
});
