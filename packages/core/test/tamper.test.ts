/**
 * Tampering with sealed datagrams: every single-bit flip, at every bit position, of every sealed
 * vector (CONTROL, SECRET_CONTROL, UNKNOWN_PATH_SECRET) must be rejected by `DatagramOpener.open`
 * — counted and asserted at 100 % — and each flip must be rejected for the reason its field
 * implies (header fields before any decryption, everything else by the AEAD). For the DATA vector,
 * which is not sealed per datagram: any flip of the record bytes makes the record fail to open; a
 * flip of the DATA header is either rejected by the codec or routes the chunk to an unknown
 * transfer, an unknown pull, outside the transfer's sealed size, or leaves the record incomplete —
 * in no case does a record open with other bytes (a mini receiver models the routing).
 */
import { describe, expect, it } from 'vitest';
import {
  buildSealedDatagramVectors,
  CONTROL_HEADER_SIZE,
  createSeededRandom,
  DataChunkView,
  type DatagramKeyOptions,
  DatagramOpener,
  decodeDataChunk,
  insertSealedVectorSecret,
  NobleCryptoProvider,
  OpenResult,
  openResultName,
  PayloadKey,
  PayloadRecordCipher,
  SEALED_VECTOR_PULL_ID,
  SEALED_VECTOR_RECEIVER_TRANSFER_ID,
  type SealedDatagramVector,
} from '../src/index.js';

const provider = new NobleCryptoProvider({ random: createSeededRandom(3) });
const set = buildSealedDatagramVectors(provider);

function makeOpener(keys: DatagramKeyOptions = {}): DatagramOpener {
  const opener = new DatagramOpener({
    provider,
    keys,
    pathSecrets: {
      capacity: 4,
      peerSlotCapacity: 4,
      maxSecretsPerPeer: 2,
      minAgeUs: 0,
      graceUs: 0,
      replayWindowBits: 64,
      replayWindowCapacity: 4,
      replayWindowsPerSecretMax: 4,
    },
  });
  insertSealedVectorSecret(opener.pathSecrets, set, 1, 0);
  return opener;
}

/** Which header field a byte offset of a control datagram belongs to. */
function controlField(offset: number, length: number): string {
  if (offset === 0) return 'kind';
  if (offset === 1) return 'version';
  if (offset < 18) return 'pathSecretId';
  if (offset < 20) return 'workerId';
  if (offset < 24) return 'keyId';
  if (offset < CONTROL_HEADER_SIZE) return 'packetNumber';
  return offset < length - 16 ? 'ciphertext' : 'tag';
}

/** The results each field's flips may produce. */
const CONTROL_EXPECTED: Record<string, readonly number[]> = {
  // Kind flips give an undefined kind / reserved bits (BAD_HEADER), the other control kind (its key
  // family differs: AUTHENTICATION_FAILED), or DATA / UNKNOWN_PATH_SECRET layouts that do not parse.
  kind: [OpenResult.BadHeader, OpenResult.AuthenticationFailed, OpenResult.DataInvalid, OpenResult.UnsupportedVersion],
  version: [OpenResult.UnsupportedVersion],
  pathSecretId: [OpenResult.UnknownPathSecret],
  workerId: [OpenResult.AuthenticationFailed],
  keyId: [OpenResult.KeyTooNew, OpenResult.KeyTooOld, OpenResult.AuthenticationFailed],
  packetNumber: [OpenResult.AuthenticationFailed],
  ciphertext: [OpenResult.AuthenticationFailed],
  tag: [OpenResult.AuthenticationFailed],
};

describe('single-bit flips of sealed datagrams', () => {
  const sealed = set.vectors.filter((v) => v.datagram === 'CONTROL' || v.datagram === 'SECRET_CONTROL');

  it('the unmodified vectors open (the baseline of this test)', () => {
    const opener = makeOpener();
    for (const v of set.vectors) {
      const bytes = v.bytes.slice();
      const result = opener.open(bytes, 0, bytes.length, 0);
      expect([OpenResult.Ok, OpenResult.PeerLostPathSecret, OpenResult.Data], v.name).toContain(result);
    }
  });

  for (const vector of sealed) {
    it(`every bit flip of "${vector.name}" is rejected, for its field's reason`, () => {
      const opener = makeOpener();
      const original = vector.bytes;
      const input = new Uint8Array(original.length);
      let flips = 0;
      let rejected = 0;
      const byReason = new Map<string, number>();
      for (let offset = 0; offset < original.length; offset++) {
        const field = controlField(offset, original.length);
        for (let bit = 0; bit < 8; bit++) {
          input.set(original);
          input[offset] = (input[offset] as number) ^ (1 << bit);
          const result = opener.open(input, 0, input.length, 0);
          flips++;
          if (result !== OpenResult.Ok && result !== OpenResult.PeerLostPathSecret && result !== OpenResult.Data) {
            rejected++;
          }
          const key = `${field}:${openResultName(result)}`;
          byReason.set(key, (byReason.get(key) ?? 0) + 1);
          expect(CONTROL_EXPECTED[field], `${field} byte ${offset} bit ${bit}: ${openResultName(result)}`).toContain(
            result,
          );
        }
      }
      expect(flips).toBe(original.length * 8);
      expect(rejected / flips).toBe(1);
      // Body, tag, worker id and packet number flips all reach the AEAD, which refuses every one.
      const aeadFlips = (original.length - CONTROL_HEADER_SIZE) * 8 + 16 + 32;
      expect(opener.counters[OpenResult.AuthenticationFailed]).toBeGreaterThanOrEqual(aeadFlips);
      expect(opener.counters[OpenResult.Ok]).toBe(0);
    });
  }

  it('every bit flip of the UNKNOWN_PATH_SECRET vector is rejected (the peer is never reset by a forgery)', () => {
    const vector = set.vectors.find((v) => v.datagram === 'UNKNOWN_PATH_SECRET') as SealedDatagramVector;
    const opener = makeOpener();
    const expected: Record<string, readonly number[]> = {
      kind: [OpenResult.BadHeader],
      version: [OpenResult.UnsupportedVersion],
      pathSecretId: [OpenResult.ResetUnknownPathSecret],
      resetTag: [OpenResult.ResetForged],
    };
    let rejected = 0;
    let flips = 0;
    const input = new Uint8Array(34);
    for (let offset = 0; offset < 34; offset++) {
      const field = offset === 0 ? 'kind' : offset === 1 ? 'version' : offset < 18 ? 'pathSecretId' : 'resetTag';
      for (let bit = 0; bit < 8; bit++) {
        input.set(vector.bytes);
        input[offset] = (input[offset] as number) ^ (1 << bit);
        const result = opener.open(input, 0, 34, 0);
        flips++;
        if (result !== OpenResult.PeerLostPathSecret) rejected++;
        expect(expected[field], `${field} byte ${offset} bit ${bit}: ${openResultName(result)}`).toContain(result);
      }
    }
    expect(flips).toBe(272);
    expect(rejected).toBe(272);
    expect(opener.counters[OpenResult.PeerLostPathSecret]).toBe(0);
  });
});

/** Outcome of a DATA datagram at a receiver holding exactly the vector's transfer and pull. */
const DataOutcome = {
  Rejected: 'rejected by the codec',
  UnknownTransfer: 'routed to an unknown receiver transfer (dropped)',
  UnknownPull: 'routed to an unknown pull (dropped)',
  OutOfRange: 'outside the transfer sealed size (dropped)',
  Incomplete: 'record incomplete (not verified, not delivered)',
  RecordFailed: 'record failed to open (re-pulled, never delivered)',
  Delivered: 'record opened',
} as const;

describe('DATA datagrams (integrity per record, not per datagram)', () => {
  const vector = set.vectors.find((v) => v.datagram === 'DATA') as SealedDatagramVector;
  const sealedBytes = set.sealedPayload.length;
  const cipher = new PayloadRecordCipher({ provider });
  const key = new PayloadKey({
    provider,
    keyMaterial: set.dataKeyMaterial,
    bufferIdHi: set.bufferIdHi,
    bufferIdLo: set.bufferIdLo,
    payloadBytes: set.payload.length,
    recordSizeLog2: set.recordSizeLog2,
    authenticateOnly: false,
  });
  const opener = makeOpener();
  const chunk = new DataChunkView();
  const reassembly = new Uint8Array(sealedBytes);
  const present = new Uint8Array(sealedBytes);

  /** A minimal receiver: one transfer (the vector's), one pull, a reassembly buffer of S bytes. */
  function receive(input: Uint8Array): string {
    const result = opener.open(input, 0, input.length, 0);
    if (result !== OpenResult.Data) return DataOutcome.Rejected;
    present.fill(0);
    const o = opener.opened;
    const end = o.bodyOffset + o.bodyLength;
    let outcome: string = DataOutcome.Incomplete;
    for (let at = o.bodyOffset; at < end; ) {
      const size = decodeDataChunk(input, at, end, chunk);
      expect(size).toBeGreaterThan(0);
      at += size;
      if (
        chunk.receiverTransferIdHi !== SEALED_VECTOR_RECEIVER_TRANSFER_ID[0] ||
        chunk.receiverTransferIdLo !== SEALED_VECTOR_RECEIVER_TRANSFER_ID[1]
      ) {
        outcome = outcome === DataOutcome.Incomplete ? DataOutcome.UnknownTransfer : outcome;
        continue;
      }
      if (chunk.pullId !== SEALED_VECTOR_PULL_ID) {
        outcome = DataOutcome.UnknownPull;
        continue;
      }
      if (chunk.sealedOffset + chunk.length > sealedBytes) {
        outcome = DataOutcome.OutOfRange;
        continue;
      }
      reassembly.set(input.subarray(chunk.bytesOffset, chunk.bytesOffset + chunk.length), chunk.sealedOffset);
      present.fill(1, chunk.sealedOffset, chunk.sealedOffset + chunk.length);
    }
    if (!present.every((b) => b === 1)) return outcome;
    if (!cipher.openRecord(key, 0, reassembly, 0)) return DataOutcome.RecordFailed;
    expect(reassembly.subarray(0, set.payload.length)).toEqual(set.payload);
    return DataOutcome.Delivered;
  }

  it('the unmodified DATA vector delivers the payload', () => {
    expect(receive(vector.bytes.slice())).toBe(DataOutcome.Delivered);
  });

  it('every bit flip of the record bytes makes the record fail to open', () => {
    const input = new Uint8Array(vector.bytes.length);
    const recordStart = vector.bytes.length - sealedBytes;
    let failed = 0;
    for (let offset = recordStart; offset < vector.bytes.length; offset++) {
      for (let bit = 0; bit < 8; bit++) {
        input.set(vector.bytes);
        input[offset] = (input[offset] as number) ^ (1 << bit);
        const outcome = receive(input);
        expect(outcome, `record byte ${offset - recordStart} bit ${bit}`).toBe(DataOutcome.RecordFailed);
        failed++;
      }
    }
    expect(failed).toBe(sealedBytes * 8);
  });

  it('every bit flip of the DATA header is rejected or misrouted — never delivered', () => {
    // offset → field: 0 kind, 1 version, 2..9 receiver transfer id, 10..13 pull id, 14..19 sealed
    // offset, 20..21 length.
    const expected: Record<string, readonly string[]> = {
      kind: [DataOutcome.Rejected],
      version: [DataOutcome.Rejected],
      receiverTransferId: [DataOutcome.UnknownTransfer],
      pullId: [DataOutcome.UnknownPull],
      sealedOffset: [DataOutcome.OutOfRange],
      length: [DataOutcome.Rejected, DataOutcome.Incomplete, DataOutcome.UnknownTransfer],
    };
    const input = new Uint8Array(vector.bytes.length);
    const tally = new Map<string, number>();
    let flips = 0;
    for (let offset = 0; offset < 22; offset++) {
      const field =
        offset === 0
          ? 'kind'
          : offset === 1
            ? 'version'
            : offset < 10
              ? 'receiverTransferId'
              : offset < 14
                ? 'pullId'
                : offset < 20
                  ? 'sealedOffset'
                  : 'length';
      for (let bit = 0; bit < 8; bit++) {
        input.set(vector.bytes);
        input[offset] = (input[offset] as number) ^ (1 << bit);
        const outcome = receive(input);
        expect(expected[field], `${field} byte ${offset} bit ${bit}: ${outcome}`).toContain(outcome);
        tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
        flips++;
      }
    }
    expect(flips).toBe(176);
    expect(tally.get(DataOutcome.Delivered) ?? 0).toBe(0);
    expect(tally.get(DataOutcome.RecordFailed) ?? 0).toBe(0);
  });
});
