/**
 * fast-check arbitraries producing valid message fields (the JSON form of wire-fixtures.ts) over the
 * whole domain of every field within the protocol's limits, biased towards edge values (0, 1, max).
 */
import fc from 'fast-check';
import {
  ACCEPT_STATUS_MAX,
  AcceptStatus,
  DATA_IV_SIZE,
  DATA_KEY_SIZE,
  HEADER_SIZE_MAX,
  INLINE_SIZE_MAX,
  NotifyFlag,
  PULL_RANGES_MAX,
  RangeAckFlag,
  RECORD_SIZE_LOG2_MAX,
  RECORD_SIZE_LOG2_MIN,
  RETIRE_DATA_KEYS_MAX,
  SEALED_SIZE_MAX,
  STATUS_CODE_MAX,
  StatusCode,
  sealedSizeOf,
  TransferKind,
  U48_MAX,
} from '../src/index.js';
import { type Fields, idHex, type Json, type MessageName, toHex } from './wire-fixtures.js';

const U32_MAX = 0xffffffff;

/** A u32, often an edge value. */
export const u32 = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, U32_MAX) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: U32_MAX }) },
);

/** A u16, often an edge value. */
export const u16 = fc.oneof(fc.constantFrom(0, 1, 0x8000, 0xffff), fc.integer({ min: 0, max: 0xffff }));

/** A u48, often an edge value. */
export const u48 = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(0, 1, 2 ** 32 - 1, 2 ** 32, U48_MAX - 1, U48_MAX) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 1_000_000 }) },
  { weight: 2, arbitrary: fc.tuple(u16, u32).map(([hi, lo]) => hi * 2 ** 32 + lo) },
);

/** A 64-bit id or sequence as 16 hex digits. */
export const id64 = fc.tuple(u32, u32).map(([hi, lo]) => idHex(hi, lo));

/** A non-zero 64-bit id. */
export const nonZeroId = fc
  .tuple(u32, u32)
  .filter(([hi, lo]) => hi !== 0 || lo !== 0)
  .map(([hi, lo]) => idHex(hi, lo));

/** Hex of `min..max` random bytes. */
export function hexBytes(min: number, max: number): fc.Arbitrary<string> {
  return fc.uint8Array({ minLength: min, maxLength: max }).map((bytes) => toHex(bytes));
}

const knownStatus = fc.integer({ min: 0, max: STATUS_CODE_MAX });
const nonOkStatus = fc.integer({ min: 1, max: STATUS_CODE_MAX });

/** Options bounding the variable parts of a notify entry. */
export interface EntryLimits {
  readonly headerMax: number;
  readonly inlineMax: number;
}

/** Small entries: 64 of them fit one message body. */
export const SMALL_ENTRY: EntryLimits = { headerMax: 16, inlineMax: 32 };
/** Entries up to the protocol limits (one per message). */
export const LARGE_ENTRY: EntryLimits = { headerMax: HEADER_SIZE_MAX, inlineMax: INLINE_SIZE_MAX };

/** A valid notify entry: kind, then flags consistent with it, then the fields the flags call for. */
export function notifyEntry(limits: EntryLimits): fc.Arbitrary<Fields> {
  return fc
    .record({
      kind: fc.integer({ min: TransferKind.UnaryRequest, max: TransferKind.Bulk }),
      inline: fc.boolean(),
      authOnly: fc.boolean(),
      endOfStream: fc.boolean(),
      retry: fc.boolean(),
      optionalStream: fc.boolean(),
      optionalReplyTo: fc.boolean(),
      hasMetadata: fc.boolean(),
      hasHeader: fc.boolean(),
    })
    .chain((c) => {
      const hasStream =
        c.kind === TransferKind.StreamRequestItem ||
        c.kind === TransferKind.StreamResponseItem ||
        (c.kind === TransferKind.Response && c.optionalStream);
      const hasReplyTo =
        c.kind === TransferKind.Response ||
        ((c.kind === TransferKind.StreamResponseItem || c.kind === TransferKind.Bulk) && c.optionalReplyTo);
      let flags = 0;
      if (c.inline) flags |= NotifyFlag.Inline;
      if (!c.inline && c.authOnly) flags |= NotifyFlag.AuthOnly;
      if (hasStream && c.endOfStream) flags |= NotifyFlag.EndOfStream;
      if (c.retry) flags |= NotifyFlag.Retry;
      if (hasReplyTo) flags |= NotifyFlag.HasReplyTo;
      if (hasStream) flags |= NotifyFlag.HasStream;
      if (c.hasMetadata) flags |= NotifyFlag.HasMetadata;
      if (c.hasHeader) flags |= NotifyFlag.HasHeader;
      const payload: fc.Arbitrary<{ payloadSize: number; inline: string; recordSizeLog2: number }> = c.inline
        ? hexBytes(0, limits.inlineMax).map((inline) => ({ payloadSize: inline.length / 2, inline, recordSizeLog2: 0 }))
        : fc
            .record({
              payloadSize: u48.filter((p) => p > 0),
              recordSizeLog2: fc.integer({ min: RECORD_SIZE_LOG2_MIN, max: RECORD_SIZE_LOG2_MAX }),
            })
            .map(({ payloadSize, recordSizeLog2 }) => ({
              // Clamp into the sealed-size limit (only matters right at the top of the u48 range).
              payloadSize:
                sealedSizeOf(payloadSize, recordSizeLog2) > SEALED_SIZE_MAX
                  ? payloadSize - 16 * Math.ceil(payloadSize / 2 ** recordSizeLog2)
                  : payloadSize,
              inline: '',
              recordSizeLog2,
            }));
      return fc.record({
        notifySequence: id64,
        senderTransferId: nonZeroId,
        kind: fc.constant(c.kind),
        priority: fc.integer({ min: 0, max: 7 }),
        flags: fc.constant(flags),
        payload,
        replyToTransferId: hasReplyTo ? nonZeroId : fc.constant('0000000000000000'),
        streamId: hasStream ? nonZeroId : fc.constant('0000000000000000'),
        streamItemIndex: hasStream ? u48 : fc.constant(0),
        metadata: c.hasMetadata ? u32 : fc.constant(0),
        header: c.hasHeader ? hexBytes(0, limits.headerMax) : fc.constant(''),
        bufferId: c.inline ? fc.constant('0000000000000000') : nonZeroId,
        dataKey: c.inline ? fc.constant('') : hexBytes(DATA_KEY_SIZE, DATA_KEY_SIZE),
        dataIv: c.inline ? fc.constant('') : hexBytes(DATA_IV_SIZE, DATA_IV_SIZE),
      });
    })
    .map(
      ({ payload, ...rest }): Fields => ({
        notifySequence: rest.notifySequence,
        senderTransferId: rest.senderTransferId,
        kind: rest.kind,
        priority: rest.priority,
        flags: rest.flags,
        payloadSize: payload.payloadSize,
        replyToTransferId: rest.replyToTransferId,
        streamId: rest.streamId,
        streamItemIndex: rest.streamItemIndex,
        metadata: rest.metadata,
        header: rest.header,
        inline: payload.inline,
        bufferId: rest.bufferId,
        recordSizeLog2: payload.recordSizeLog2,
        dataKey: rest.dataKey,
        dataIv: rest.dataIv,
      }),
    );
}

/** `min..max` ascending, non-overlapping ranges (adjacent allowed) ending at most at SEALED_SIZE_MAX. */
export function ranges(min: number, max: number): fc.Arbitrary<Json[]> {
  return fc
    .record({
      start: u48,
      parts: fc.array(
        fc.record({
          gap: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1_000_000 })),
          length: fc.oneof(fc.constantFrom(1, U32_MAX), fc.integer({ min: 1, max: U32_MAX })),
        }),
        { minLength: min, maxLength: max },
      ),
    })
    .map(({ start, parts }) => {
      const offsets: number[] = [];
      let at = start;
      for (const part of parts) {
        at += part.gap;
        offsets.push(at);
        at += part.length;
      }
      // Shift everything down if the last range ends past the limit (the span is far below 2^48).
      const excess = Math.max(0, at - SEALED_SIZE_MAX);
      return parts.map((part, i) => ({ offset: (offsets[i] as number) - excess, length: part.length }));
    });
}

/** Valid fields for every message, by name. */
export const messageArbitraries: Record<MessageName, fc.Arbitrary<Fields>> = {
  PADDING: fc.record({ length: fc.oneof(fc.constantFrom(0, 1, 2), fc.integer({ min: 0, max: 2000 })) }),
  TRANSFER_NOTIFY: fc
    .oneof(
      { weight: 4, arbitrary: fc.array(notifyEntry(SMALL_ENTRY), { minLength: 1, maxLength: 64 }) },
      { weight: 1, arbitrary: fc.array(notifyEntry(LARGE_ENTRY), { minLength: 1, maxLength: 1 }) },
    )
    .map((entries) => ({ entries })),
  TRANSFER_ACCEPT: fc.integer({ min: 0, max: ACCEPT_STATUS_MAX }).chain((status) =>
    fc.record({
      senderTransferId: nonZeroId,
      receiverTransferId: status === AcceptStatus.Rejected ? id64 : nonZeroId,
      notifyCredit: u32,
      status: fc.constant(status),
      reasonCode: status === AcceptStatus.Rejected ? nonOkStatus : fc.constant(StatusCode.Ok),
    }),
  ),
  PULL_REQUEST: fc.record({
    senderTransferId: nonZeroId,
    receiverTransferId: nonZeroId,
    pullId: u32.filter((x) => x !== 0),
    flags: fc.constantFrom(0, 1),
    desiredRateKiBps: u32,
    ranges: ranges(1, PULL_RANGES_MAX),
  }),
  DATA_CHUNKS: fc
    .array(
      fc.record({
        receiverTransferId: nonZeroId,
        pullId: u32.filter((x) => x !== 0),
        sealedOffset: u48,
        bytes: hexBytes(1, 64),
      }),
      { minLength: 1, maxLength: 4 },
    )
    .map((chunks) => ({
      chunks: chunks.map((c) => ({
        ...c,
        sealedOffset: Math.min(c.sealedOffset, SEALED_SIZE_MAX - c.bytes.length / 2),
      })),
    })),
  RANGE_ACK: fc.boolean().chain((complete) =>
    fc.record({
      senderTransferId: nonZeroId,
      flags: fc.constant(complete ? RangeAckFlag.Complete : 0),
      ranges: ranges(complete ? 0 : 1, 32),
    }),
  ),
  CANCEL_PULL: fc.record({ senderTransferId: nonZeroId, pullId: u32 }),
  FLOW_RESET: fc
    .record({ senderTransferId: id64, receiverTransferId: id64, statusCode: nonOkStatus })
    .filter((f) => f.senderTransferId !== '0000000000000000' || f.receiverTransferId !== '0000000000000000'),
  TRANSFER_CHALLENGE: fc.record({ senderTransferId: nonZeroId, notifySequence: id64, nonce: hexBytes(16, 16) }),
  TRANSFER_CHALLENGE_RESPONSE: fc.record({
    senderTransferId: nonZeroId,
    notifySequence: id64,
    nonce: hexBytes(16, 16),
  }),
  PROBE: fc.record({ probeId: u32, timestampUs: u32 }),
  PROBE_RESPONSE: fc.record({ probeId: u32, timestampUs: u32 }),
  STREAM_CLOSE: fc.record({
    streamId: nonZeroId,
    flags: fc.constantFrom(0, 1),
    statusCode: knownStatus,
    finalItemCount: u48,
  }),
  STREAM_CLOSE_ACK: fc.record({ streamId: nonZeroId, flags: fc.constantFrom(0, 1) }),
  RETIRE_CONTROL_KEY: fc.record({ workerId: u16, keyIdBelow: u32.filter((x) => x !== 0) }),
  RETIRE_DATA_KEY: fc
    .array(nonZeroId, { minLength: 1, maxLength: RETIRE_DATA_KEYS_MAX })
    .map((bufferIds) => ({ bufferIds })),
  UNKNOWN_PATH_SECRET: fc.record({
    version: fc.constant(1),
    pathSecretId: hexBytes(16, 16),
    resetTag: hexBytes(16, 16),
  }),
};
