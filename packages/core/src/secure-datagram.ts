/**
 * The secure datagram layer: joins the wire codec, the control-key lifecycle and the path-secret
 * map into the two operations a NIC worker performs per control datagram.
 *
 * - {@link ControlDatagramSealer} (sender side, one per path secret × local worker × key kind):
 *   the caller writes framed messages into its own buffer after {@link ControlDatagramSealer.begin};
 *   {@link ControlDatagramSealer.seal} reserves (key id, packet number), writes the 28-byte header
 *   and seals the body in place with the header as AAD. No allocation per datagram.
 * - {@link DatagramOpener} (receiver side, one per worker): owns the worker's {@link PathSecretMap}
 *   and, per path-secret entry, its key schedule and one {@link ControlKeyReceiver} per key kind
 *   (created on the entry's first datagram, released when the entry leaves the map). `open` runs the
 *   receive pipeline of spec/security.md#datagram-receive-pipeline and returns a small-int
 *   {@link OpenResult}; nothing from a datagram is acted on before it authenticated and its whole
 *   body validated. It also authenticates UNKNOWN_PATH_SECRET datagrams by their reset tag and
 *   writes (rate-limited) UNKNOWN_PATH_SECRET replies.
 *
 * spec: security.md#datagram-receive-pipeline, security.md#control-aead, protocol.md#control-datagram
 */
import { assert } from './assert.js';
import {
  ControlKeyReceiver,
  type ControlKeyReceiverOptions,
  type ControlKeySender,
  ControlOpenResult,
  RESERVE_EXHAUSTED,
} from './crypto/control-keys.js';
import { KEY_KIND_CONTROL, KEY_KIND_SECRET_CONTROL, PathKeySchedule } from './crypto/key-schedule.js';
import type { CryptoProvider } from './crypto/provider.js';
import { InvalidArgumentError } from './errors.js';
import { PATH_SECRET_NOT_FOUND, PathSecretMap, type PathSecretMapOptions } from './path-secret-map.js';
import {
  TokenBucket,
  UNKNOWN_PATH_SECRET_BURST_DEFAULT,
  UNKNOWN_PATH_SECRET_RATE_DEFAULT,
} from './secure-token-bucket.js';
import { EMPTY_BYTES } from './wire/bytes.js';
import {
  AEAD_TAG_SIZE,
  CONTROL_DATAGRAM_SIZE_MIN,
  CONTROL_HEADER_SIZE,
  DATAGRAM_SIZE_MAX,
  DatagramKind,
  ENCODE_NO_ROOM,
  MESSAGE_HEADER_SIZE,
  MessageType,
  PATH_SECRET_ID_SIZE,
  UNKNOWN_PATH_SECRET_SIZE,
  WIRE_VERSION,
} from './wire/constants.js';
import { decodeMessageBody, MessageViews, validateControlBody } from './wire/control-body.js';
import { DataDatagramView, decodeDataDatagram } from './wire/data-chunks.js';
import { DECODE_REASON_COUNT, DecodeReason } from './wire/decode-result.js';
import {
  ControlHeaderView,
  decodeControlHeader,
  decodeUnknownPathSecret,
  encodeControlHeader,
  encodeUnknownPathSecret,
  isSupportedVersion,
  peekDatagramKind,
  UnknownPathSecretView,
} from './wire/header.js';
import { MessageIterator } from './wire/message-iterator.js';

// ---------------------------------------------------------------------------------------------
// Sender side.
// ---------------------------------------------------------------------------------------------

/** {@link ControlDatagramSealer.begin} / `seal`: the datagram does not fit (same value as ENCODE_NO_ROOM). */
export const SEAL_NO_ROOM = ENCODE_NO_ROOM;
/** {@link ControlDatagramSealer.seal}: every key id of the path is used up; the path needs a new path secret. */
export const SEAL_KEYS_EXHAUSTED = -2;
/** {@link ControlDatagramSealer.seal}: the body is shorter than one message framing (3 bytes); nothing sealed. */
export const SEAL_BODY_EMPTY = -3;

const PATH_SECRET_ID_OFFSET = 2;
const RESET_TAG_OFFSET = PATH_SECRET_ID_OFFSET + PATH_SECRET_ID_SIZE;

/** Options of {@link ControlDatagramSealer}. */
export interface ControlDatagramSealerOptions {
  /**
   * The key sender of this (path secret, local worker, direction, kind). Its kind decides the
   * datagram kind (CONTROL or SECRET_CONTROL) and its worker id goes in the header.
   */
  readonly keys: ControlKeySender;
  /** Bytes holding the 16-byte path secret id (copied). */
  readonly pathSecretId: Uint8Array;
  /** Offset of the id in `pathSecretId` (default 0). */
  readonly pathSecretIdOffset?: number;
  /** Wire version the path secret is bound to (default {@link WIRE_VERSION}). */
  readonly version?: number;
}

/**
 * Seals CONTROL or SECRET_CONTROL datagrams of one (path secret, local worker, key kind) in the
 * caller's buffer. Usage:
 * ```
 * let at = sealer.begin(out, 0, datagramSizeMax);          // body start, or SEAL_NO_ROOM
 * at += encodeProbe(out, at, sealer.bodyEnd, probe);       // any encoders, up to bodyEnd
 * const length = sealer.seal(at);                          // datagram length, or a SEAL_* code
 * ```
 * `seal` reserves the packet number only then, so an abandoned datagram burns nothing. The body is
 * not validated here: writing valid messages is the caller's job (the fuzzer relies on sealing
 * arbitrary bodies).
 *
 * spec: security.md#control-aead, protocol.md#control-datagram
 */
export class ControlDatagramSealer {
  /** The key sender. */
  readonly keys: ControlKeySender;
  /** DatagramKind.Control or DatagramKind.SecretControl. */
  readonly datagramKind: number;
  /** Datagrams sealed. */
  sealedTotal: number;
  private readonly header: ControlHeaderView;
  private out: Uint8Array;
  private startOffset: number;
  private endOffset: number;
  private inProgress: boolean;

  constructor(options: ControlDatagramSealerOptions) {
    const idOffset = options.pathSecretIdOffset ?? 0;
    if (
      !(Number.isInteger(idOffset) && idOffset >= 0 && idOffset + PATH_SECRET_ID_SIZE <= options.pathSecretId.length)
    ) {
      throw new InvalidArgumentError('pathSecretId must hold 16 bytes at pathSecretIdOffset');
    }
    const version = options.version ?? WIRE_VERSION;
    if (!isSupportedVersion(version)) throw new InvalidArgumentError(`unsupported wire version ${version}`);
    this.keys = options.keys;
    this.datagramKind =
      options.keys.kind === KEY_KIND_SECRET_CONTROL ? DatagramKind.SecretControl : DatagramKind.Control;
    this.sealedTotal = 0;
    this.header = new ControlHeaderView();
    this.header.kind = this.datagramKind;
    this.header.version = version;
    this.header.pathSecretIdBytes = options.pathSecretId.slice(idOffset, idOffset + PATH_SECRET_ID_SIZE);
    this.header.pathSecretIdOffset = 0;
    this.header.workerId = options.keys.workerId;
    this.out = EMPTY_BYTES;
    this.startOffset = 0;
    this.endOffset = 0;
    this.inProgress = false;
  }

  /**
   * Starts a datagram at `out[offset]` that must end by `end` (clamped to offset + 9000). Returns
   * the offset where the first message goes (offset + 28), or {@link SEAL_NO_ROOM} when not even
   * the smallest datagram (47 bytes) fits. A datagram begun and never sealed is simply abandoned.
   */
  begin(out: Uint8Array, offset: number, end: number): number {
    assert(Number.isInteger(offset) && Number.isInteger(end), 'sealer window must be integers');
    assert(offset >= 0 && offset <= end && end <= out.length, 'sealer window out of bounds');
    const limit = Math.min(end, offset + DATAGRAM_SIZE_MAX);
    this.inProgress = false;
    if (limit - offset < CONTROL_DATAGRAM_SIZE_MIN) return SEAL_NO_ROOM;
    this.out = out;
    this.startOffset = offset;
    this.endOffset = limit;
    this.inProgress = true;
    return offset + CONTROL_HEADER_SIZE;
  }

  /** Offset of the first message of the datagram begun last. */
  get bodyOffset(): number {
    return this.startOffset + CONTROL_HEADER_SIZE;
  }

  /** Where message encoders must stop (the tag follows the body): pass it as their `end`. */
  get bodyEnd(): number {
    return this.endOffset - AEAD_TAG_SIZE;
  }

  /**
   * Seals the datagram begun last, whose messages end at `messagesEnd`: reserves the packet number
   * (rotating the key if due), writes the header and encrypts the body in place, tag after it.
   * Returns the datagram's length (44 + body), or {@link SEAL_BODY_EMPTY} / {@link SEAL_KEYS_EXHAUSTED}
   * (nothing sealed; the datagram is abandoned).
   */
  seal(messagesEnd: number): number {
    assert(this.inProgress, 'seal without begin');
    this.inProgress = false;
    const bodyOffset = this.startOffset + CONTROL_HEADER_SIZE;
    assert(
      Number.isInteger(messagesEnd) && messagesEnd >= bodyOffset && messagesEnd <= this.endOffset - AEAD_TAG_SIZE,
      'sealed body out of the begun window',
    );
    const bodyLength = messagesEnd - bodyOffset;
    if (bodyLength < MESSAGE_HEADER_SIZE) return SEAL_BODY_EMPTY;
    const packetNumber = this.keys.reserve(bodyLength);
    if (packetNumber === RESERVE_EXHAUSTED) return SEAL_KEYS_EXHAUSTED;
    const header = this.header;
    header.keyId = this.keys.keyId;
    header.packetNumber = packetNumber;
    const out = this.out;
    const written = encodeControlHeader(out, this.startOffset, this.endOffset, header);
    assert(written === CONTROL_HEADER_SIZE, 'control header did not fit a begun datagram');
    // spec: security.md#aad — the whole 28-byte header is the associated data
    this.keys.seal(out, bodyOffset, bodyLength, out, this.startOffset, CONTROL_HEADER_SIZE);
    this.sealedTotal++;
    this.out = EMPTY_BYTES;
    return CONTROL_HEADER_SIZE + bodyLength + AEAD_TAG_SIZE;
  }
}

// ---------------------------------------------------------------------------------------------
// Receiver side.
// ---------------------------------------------------------------------------------------------

/**
 * Outcome of {@link DatagramOpener.open}. Values are stable (they index {@link DatagramOpener.counters});
 * new results are appended. Values below {@link OpenResult.BadHeader} are accepted datagrams.
 *
 * spec: security.md#datagram-receive-pipeline
 */
export const OpenResult = {
  /** A CONTROL or SECRET_CONTROL datagram authenticated and its whole body is valid; body plaintext in place. */
  Ok: 0,
  /** A well-formed DATA datagram (unauthenticated by design): route its chunks; records verify integrity. */
  Data: 1,
  /** An UNKNOWN_PATH_SECRET whose reset tag verified: the peer lost this path secret (see `opened.entry`). */
  PeerLostPathSecret: 2,
  /** Kind nibble undefined, reserved bits set, too short / too long for its kind (see `lastDecodeReason`). */
  BadHeader: 3,
  /** Version byte not supported. Never answered. */
  UnsupportedVersion: 4,
  /** A CONTROL / SECRET_CONTROL datagram naming a path secret id this host does not hold: may be answered. */
  UnknownPathSecret: 5,
  /** A supported version that differs from the version the path secret is bound to. */
  VersionMismatch: 6,
  /** Key id below the sender worker's RETIRE_CONTROL_KEY bound. */
  KeyRetired: 7,
  /** Key id further below the newest authenticated one than the window allows. */
  KeyTooOld: 8,
  /** Key id further above the newest authenticated one than the window allows. */
  KeyTooNew: 9,
  /** A sender worker beyond the receiver's worker capacity. */
  WorkerLimit: 10,
  /** The AEAD tag did not verify (forged, corrupted, replayed under another header). */
  AuthenticationFailed: 11,
  /** Too many failed authentications on this path: its keys are no longer used (re-handshake). */
  IntegrityLimit: 12,
  /** Authenticated, but the decrypted body fails framing or message validation (see `lastDecodeReason`). */
  BodyInvalid: 13,
  /** A DATA datagram whose chunks fail the codec (see `lastDecodeReason`). */
  DataInvalid: 14,
  /** An UNKNOWN_PATH_SECRET naming an id this host does not hold: dropped. */
  ResetUnknownPathSecret: 15,
  /** An UNKNOWN_PATH_SECRET whose reset tag does not verify: dropped (forgedUnknownPathSecret). */
  ResetForged: 16,
} as const;

/** An {@link OpenResult} value. */
export type OpenResult = (typeof OpenResult)[keyof typeof OpenResult];

/** Number of distinct {@link OpenResult}s: size a per-result counter array with this. */
export const OPEN_RESULT_COUNT = 17;

const OPEN_RESULT_NAMES: readonly string[] = [
  'OK',
  'DATA',
  'PEER_LOST_PATH_SECRET',
  'BAD_HEADER',
  'UNSUPPORTED_VERSION',
  'UNKNOWN_PATH_SECRET',
  'VERSION_MISMATCH',
  'KEY_RETIRED',
  'KEY_TOO_OLD',
  'KEY_TOO_NEW',
  'WORKER_LIMIT',
  'AUTHENTICATION_FAILED',
  'INTEGRITY_LIMIT',
  'BODY_INVALID',
  'DATA_INVALID',
  'RESET_UNKNOWN_PATH_SECRET',
  'RESET_FORGED',
];

/** The log / metrics name of an open result (`AUTHENTICATION_FAILED`), or `UNKNOWN(n)`. */
export function openResultName(result: number): string {
  return OPEN_RESULT_NAMES[result] ?? `UNKNOWN(${result})`;
}

/** Whether an open result means the datagram was dropped. */
export function isOpenRejection(result: number): boolean {
  return result >= OpenResult.BadHeader;
}

/** {@link DatagramOpener.writeUnknownPathSecretReply}: the last datagram does not call for a reply (or replies are disabled). */
export const REPLY_NONE = -2;
/** {@link DatagramOpener.writeUnknownPathSecretReply}: the reply rate limit is reached; send nothing. */
export const REPLY_RATE_LIMITED = -3;

/** Sentinel of {@link OpenedDatagram.entry} when no path secret is involved. */
export const NO_ENTRY = -1;

/**
 * What {@link DatagramOpener.open} found, valid until the next `open`. Fields a result does not
 * concern keep their reset values (`entry` = {@link NO_ENTRY}, lengths 0).
 */
export class OpenedDatagram {
  /** DatagramKind of the datagram (0 when its first byte could not be read). */
  kind: number;
  /** Wire version byte. */
  version: number;
  /** Path-secret entry (Ok, PeerLostPathSecret), else {@link NO_ENTRY}. */
  entry: number;
  /** Generation of that entry slot (PathSecretMap.generation) at open time. */
  entryGeneration: number;
  /** The entry's peer slot (Ok, PeerLostPathSecret), else -1. */
  peerSlot: number;
  /** Sending worker id from the authenticated header (Ok). */
  senderWorkerId: number;
  /** Key id from the authenticated header (Ok). */
  keyId: number;
  /** Packet number from the authenticated header (Ok). */
  packetNumber: number;
  /** The datagram's bytes (as passed to `open`). */
  bytes: Uint8Array;
  /** Ok: offset of the plaintext body (framed messages). Data: offset of the first chunk. */
  bodyOffset: number;
  /** Ok: body length. Data: bytes of chunks. */
  bodyLength: number;
  /** Data: number of chunks. */
  chunkCount: number;
  /** PeerLostPathSecret: whether the entry is the peer's current (sending) secret. */
  entryIsCurrent: boolean;
  /** Ok on SECRET_CONTROL: RETIRE_CONTROL_KEY messages the opener applied to the entry's control keys. */
  retiredControlKeys: number;

  constructor() {
    this.kind = 0;
    this.version = 0;
    this.entry = NO_ENTRY;
    this.entryGeneration = 0;
    this.peerSlot = -1;
    this.senderWorkerId = 0;
    this.keyId = 0;
    this.packetNumber = 0;
    this.bytes = EMPTY_BYTES;
    this.bodyOffset = 0;
    this.bodyLength = 0;
    this.chunkCount = 0;
    this.entryIsCurrent = false;
    this.retiredControlKeys = 0;
  }

  /** Resets every field (called by `open`). */
  reset(bytes: Uint8Array): void {
    this.kind = 0;
    this.version = 0;
    this.entry = NO_ENTRY;
    this.entryGeneration = 0;
    this.peerSlot = -1;
    this.senderWorkerId = 0;
    this.keyId = 0;
    this.packetNumber = 0;
    this.bytes = bytes;
    this.bodyOffset = 0;
    this.bodyLength = 0;
    this.chunkCount = 0;
    this.entryIsCurrent = false;
    this.retiredControlKeys = 0;
  }
}

/** The receive-key options of a {@link DatagramOpener}, applied to every ControlKeyReceiver it creates. */
export type DatagramKeyOptions = Omit<ControlKeyReceiverOptions, 'schedule' | 'kind' | 'direction'>;

/** Options of {@link DatagramOpener}. */
export interface DatagramOpenerOptions {
  /** The worker's crypto provider (AEAD, HKDF, HMAC). */
  readonly provider: CryptoProvider;
  /**
   * The path-secret map to build (the opener owns it: `opener.pathSecrets`). Its `onRemove`, if
   * any, is called after the opener has released the entry's keys.
   */
  readonly pathSecrets: PathSecretMapOptions;
  /** Key window, cache, worker and integrity-limit options of every ControlKeyReceiver. */
  readonly keys?: DatagramKeyOptions;
  /**
   * This host's 32-byte stateless-reset key (replay-and-secrets.md#unknown-path-secret), used to tag
   * UNKNOWN_PATH_SECRET replies. Without it the opener never writes a reply.
   */
  readonly statelessResetKey?: Uint8Array;
  /** UNKNOWN_PATH_SECRET replies per second (default 1000). */
  readonly unknownPathSecretRatePerSecond?: number;
  /** UNKNOWN_PATH_SECRET reply burst (default 100). */
  readonly unknownPathSecretBurst?: number;
  /** Current time (µs) at construction, for the reply limiter (default 0). */
  readonly nowUs?: number;
}

const RESET_LABEL_BYTES = [0x64, 0x63, 0x71, 0x20, 0x72, 0x65, 0x73, 0x65, 0x74]; // "dcq reset"

/**
 * Opens every datagram a worker receives. One per worker; single-threaded. Per path-secret entry it
 * creates (on the entry's first CONTROL / SECRET_CONTROL datagram) the entry's key schedule and a
 * ControlKeyReceiver per key kind — at most two per entry, so bounded by the map's capacity — and
 * drops them (zeroing the PRK) when the entry leaves the map.
 *
 * Call order per datagram: `open(bytes, offset, length, nowUs)`; on {@link OpenResult.Ok} walk
 * `opened` (messages of `opened.kind` in `opened.bytes[bodyOffset, +bodyLength)`, all already
 * validated); on {@link OpenResult.UnknownPathSecret} optionally `writeUnknownPathSecretReply`.
 *
 * spec: security.md#datagram-receive-pipeline
 */
export class DatagramOpener {
  /** The worker's path secrets (owned). Insert, activate and remove secrets here. */
  readonly pathSecrets: PathSecretMap;
  /** The provider. */
  readonly provider: CryptoProvider;
  /** What the last `open` found. */
  readonly opened: OpenedDatagram;
  /** Datagrams per {@link OpenResult} (index = result). */
  readonly counters: Float64Array;
  /** Codec rejections behind BadHeader / UnsupportedVersion / BodyInvalid / DataInvalid (index = DecodeReason). */
  readonly decodeReasonCounters: Float64Array;
  /** Message views of the last validated body (the views hold whatever was decoded last). */
  readonly views: MessageViews;
  /** The UNKNOWN_PATH_SECRET reply limiter. */
  readonly replyLimiter: TokenBucket;
  /** The codec reason behind the last BadHeader / UnsupportedVersion / BodyInvalid / DataInvalid (else Ok). */
  lastDecodeReason: number;
  /** UNKNOWN_PATH_SECRET replies written. */
  repliesWritten: number;
  /** Entries whose keys were released (the entry left the map). */
  entriesReleased: number;

  private readonly keyOptions: DatagramKeyOptions;
  private readonly header: ControlHeaderView;
  private readonly unknownView: UnknownPathSecretView;
  private readonly dataView: DataDatagramView;
  private readonly iterator: MessageIterator;
  private readonly schedules: (PathKeySchedule | null)[];
  private readonly controlReceivers: (ControlKeyReceiver | null)[];
  private readonly secretReceivers: (ControlKeyReceiver | null)[];
  private readonly scheduleGenerations: Uint32Array;
  private readonly secretScratch: Uint8Array;
  private readonly resetKey: Uint8Array | null;
  private readonly resetInput: Uint8Array;
  private readonly resetMac: Uint8Array;
  private readonly replyView: UnknownPathSecretView;
  private replyPending: boolean;
  private replyVersion: number;

  constructor(options: DatagramOpenerOptions) {
    const userOnRemove = options.pathSecrets.onRemove;
    this.provider = options.provider;
    this.opened = new OpenedDatagram();
    this.counters = new Float64Array(OPEN_RESULT_COUNT);
    this.decodeReasonCounters = new Float64Array(DECODE_REASON_COUNT);
    this.views = new MessageViews();
    const nowUs = options.nowUs ?? 0;
    this.replyLimiter = new TokenBucket({
      ratePerSecond: options.unknownPathSecretRatePerSecond ?? UNKNOWN_PATH_SECRET_RATE_DEFAULT,
      burst: options.unknownPathSecretBurst ?? UNKNOWN_PATH_SECRET_BURST_DEFAULT,
      nowUs,
    });
    this.lastDecodeReason = DecodeReason.Ok;
    this.repliesWritten = 0;
    this.entriesReleased = 0;
    this.keyOptions = options.keys ?? {};
    this.header = new ControlHeaderView();
    this.unknownView = new UnknownPathSecretView();
    this.dataView = new DataDatagramView();
    this.iterator = new MessageIterator();
    const resetKey = options.statelessResetKey;
    if (resetKey !== undefined && resetKey.length !== 32) {
      throw new InvalidArgumentError(`statelessResetKey must be 32 bytes, got ${resetKey.length}`);
    }
    this.resetKey = resetKey === undefined ? null : resetKey.slice();
    this.resetInput = new Uint8Array(RESET_LABEL_BYTES.length + PATH_SECRET_ID_SIZE);
    this.resetInput.set(RESET_LABEL_BYTES, 0);
    this.resetMac = new Uint8Array(32);
    this.replyView = new UnknownPathSecretView();
    this.replyView.pathSecretIdBytes = this.resetInput;
    this.replyView.pathSecretIdOffset = RESET_LABEL_BYTES.length;
    this.replyView.resetTagBytes = this.resetMac;
    this.replyView.resetTagOffset = 0;
    this.replyPending = false;
    this.replyVersion = WIRE_VERSION;
    this.secretScratch = new Uint8Array(32);
    // The opener owns the map so that keys are released with their entry, whoever removes it.
    this.pathSecrets = new PathSecretMap({
      ...options.pathSecrets,
      onRemove: (entry, reason) => {
        this.releaseEntry(entry);
        if (userOnRemove !== undefined) userOnRemove(entry, reason);
      },
    });
    const capacity = this.pathSecrets.capacity;
    this.schedules = new Array<PathKeySchedule | null>(capacity).fill(null);
    this.controlReceivers = new Array<ControlKeyReceiver | null>(capacity).fill(null);
    this.secretReceivers = new Array<ControlKeyReceiver | null>(capacity).fill(null);
    this.scheduleGenerations = new Uint32Array(capacity);
  }

  /** Entries that currently hold derived keys (a key schedule). */
  get keyedEntries(): number {
    let count = 0;
    for (let i = 0; i < this.schedules.length; i++) if (this.schedules[i] !== null) count++;
    return count;
  }

  /**
   * The ControlKeyReceiver of an entry for a key kind if it exists (diagnostics and tests), else null.
   * `kind` is KEY_KIND_CONTROL or KEY_KIND_SECRET_CONTROL.
   */
  receiverOf(entry: number, kind: number): ControlKeyReceiver | null {
    if (!(entry >= 0 && entry < this.schedules.length)) return null;
    return (kind === KEY_KIND_SECRET_CONTROL ? this.secretReceivers[entry] : this.controlReceivers[entry]) ?? null;
  }

  /**
   * Runs the receive pipeline on `bytes[offset, offset + length)` (one UDP payload) and returns what
   * happened. Never throws on untrusted input. On {@link OpenResult.Ok} the body has been decrypted
   * in place; on every other result the datagram must be dropped (it is counted) — except
   * {@link OpenResult.Data} (route the chunks) and {@link OpenResult.PeerLostPathSecret} (start the
   * peer-reset procedure of replay-and-secrets.md#unknown-path-secret).
   *
   * spec: security.md#datagram-receive-pipeline
   */
  open(bytes: Uint8Array, offset: number, length: number, nowUs: number): OpenResult {
    assert(Number.isInteger(offset) && Number.isInteger(length), 'datagram window must be integers');
    assert(offset >= 0 && length >= 0 && offset + length <= bytes.length, 'datagram window out of bounds');
    this.opened.reset(bytes);
    this.replyPending = false;
    this.lastDecodeReason = DecodeReason.Ok;
    // 1. Cheap header checks: first byte (kind, reserved bits, overall length).
    const kind = peekDatagramKind(bytes, offset, length);
    if (kind < 0) return this.reject(OpenResult.BadHeader, -kind);
    this.opened.kind = kind;
    if (length >= 2) this.opened.version = bytes[offset + 1] as number;
    if (kind === DatagramKind.Data) return this.openData(bytes, offset, length);
    if (kind === DatagramKind.UnknownPathSecret) return this.openUnknownPathSecret(bytes, offset, length);
    return this.openControl(bytes, offset, length, nowUs);
  }

  /**
   * After `open` returned {@link OpenResult.UnknownPathSecret}: writes the 34-byte UNKNOWN_PATH_SECRET
   * reply (the unknown id, the triggering version, this host's reset tag for that id) into
   * `out[offset, end)`, at most once per triggering datagram and within the reply rate limit.
   * Returns 34, {@link REPLY_NONE} (no reply due, or no reset key configured),
   * {@link REPLY_RATE_LIMITED}, or {@link SEAL_NO_ROOM}.
   *
   * spec: replay-and-secrets.md#unknown-path-secret
   */
  writeUnknownPathSecretReply(out: Uint8Array, offset: number, end: number, nowUs: number): number {
    assert(offset >= 0 && offset <= end && end <= out.length, 'reply window out of bounds');
    if (!this.replyPending || this.resetKey === null) return REPLY_NONE;
    if (end - offset < UNKNOWN_PATH_SECRET_SIZE) return SEAL_NO_ROOM;
    this.replyPending = false;
    if (!this.replyLimiter.tryTake(nowUs)) return REPLY_RATE_LIMITED;
    // tag = HMAC-SHA256(reset key, "dcq reset" || id)[0, 16); resetInput already holds label || id.
    this.provider.hmacSha256(this.resetKey, this.resetInput, 0, this.resetInput.length, this.resetMac, 0);
    this.replyView.version = this.replyVersion;
    const written = encodeUnknownPathSecret(out, offset, end, this.replyView);
    assert(written === UNKNOWN_PATH_SECRET_SIZE, 'UNKNOWN_PATH_SECRET reply did not fit a checked window');
    this.repliesWritten++;
    return written;
  }

  private reject(result: OpenResult, reason: number): OpenResult {
    this.counters[result] = (this.counters[result] as number) + 1;
    this.lastDecodeReason = reason;
    if (reason !== DecodeReason.Ok) {
      this.decodeReasonCounters[reason] = (this.decodeReasonCounters[reason] as number) + 1;
    }
    return result;
  }

  private accept(result: OpenResult): OpenResult {
    this.counters[result] = (this.counters[result] as number) + 1;
    return result;
  }

  private openData(bytes: Uint8Array, offset: number, length: number): OpenResult {
    const view = this.dataView;
    const reason = decodeDataDatagram(bytes, offset, length, view);
    if (reason === DecodeReason.UnsupportedVersion) return this.reject(OpenResult.UnsupportedVersion, reason);
    if (reason !== DecodeReason.Ok) return this.reject(OpenResult.DataInvalid, reason);
    const o = this.opened;
    o.bodyOffset = view.chunksOffset;
    o.bodyLength = view.chunksEnd - view.chunksOffset;
    o.chunkCount = view.chunkCount;
    return this.accept(OpenResult.Data);
  }

  // spec: replay-and-secrets.md#unknown-path-secret ("What the receiver of UNKNOWN_PATH_SECRET does", 1–2)
  private openUnknownPathSecret(bytes: Uint8Array, offset: number, length: number): OpenResult {
    const view = this.unknownView;
    const reason = decodeUnknownPathSecret(bytes, offset, length, view);
    if (reason === DecodeReason.UnsupportedVersion) return this.reject(OpenResult.UnsupportedVersion, reason);
    if (reason !== DecodeReason.Ok) return this.reject(OpenResult.BadHeader, reason);
    const map = this.pathSecrets;
    const entry = map.find(bytes, offset + PATH_SECRET_ID_OFFSET);
    if (entry === PATH_SECRET_NOT_FOUND) return this.reject(OpenResult.ResetUnknownPathSecret, DecodeReason.Ok);
    if (!map.verifyPeerResetTag(entry, bytes, offset + RESET_TAG_OFFSET)) {
      return this.reject(OpenResult.ResetForged, DecodeReason.Ok);
    }
    // The tag authenticates the id only; a genuine reply echoes the version of our datagram.
    if (map.versionOf(entry) !== view.version) return this.reject(OpenResult.VersionMismatch, DecodeReason.Ok);
    const o = this.opened;
    o.entry = entry;
    o.entryGeneration = map.generation(entry);
    o.peerSlot = map.peerSlotOf(entry);
    o.entryIsCurrent = map.currentForPeer(o.peerSlot) === entry;
    return this.accept(OpenResult.PeerLostPathSecret);
  }

  private openControl(bytes: Uint8Array, offset: number, length: number, nowUs: number): OpenResult {
    const header = this.header;
    const reason = decodeControlHeader(bytes, offset, length, header);
    if (reason === DecodeReason.UnsupportedVersion) return this.reject(OpenResult.UnsupportedVersion, reason);
    if (reason !== DecodeReason.Ok) return this.reject(OpenResult.BadHeader, reason);
    // 2. Path-secret lookup. `find` has no side effects: an unauthenticated datagram must not
    // refresh the entry's LRU position; only a superseded entry past its grace period goes here.
    const map = this.pathSecrets;
    const idOffset = offset + PATH_SECRET_ID_OFFSET;
    let entry = map.find(bytes, idOffset);
    if (entry !== PATH_SECRET_NOT_FOUND && map.retireAtUs(entry) <= nowUs) entry = map.lookup(bytes, idOffset, nowUs);
    if (entry === PATH_SECRET_NOT_FOUND) {
      for (let i = 0; i < PATH_SECRET_ID_SIZE; i++) {
        this.resetInput[RESET_LABEL_BYTES.length + i] = bytes[idOffset + i] as number;
      }
      this.replyVersion = header.version;
      this.replyPending = true;
      return this.reject(OpenResult.UnknownPathSecret, DecodeReason.Ok);
    }
    if (map.versionOf(entry) !== header.version) return this.reject(OpenResult.VersionMismatch, DecodeReason.Ok);
    // 3 + 4. Key window, then AEAD open (the receiver checks the window before any decryption).
    const kind = header.kind;
    const receiver = this.receiverFor(entry, kind === DatagramKind.SecretControl);
    const opened = receiver.open(
      header.workerId,
      header.keyId,
      header.packetNumber,
      bytes,
      header.bodyOffset,
      header.bodyLength,
      bytes,
      offset,
      CONTROL_HEADER_SIZE,
    );
    if (opened !== ControlOpenResult.Ok) return this.reject(KEY_RESULT[opened] as OpenResult, DecodeReason.Ok);
    map.touch(entry, nowUs);
    // 5. Whole-body validation: a datagram is accepted or rejected as a whole.
    const bodyReason = validateControlBody(
      bytes,
      header.bodyOffset,
      header.bodyLength,
      kind,
      this.iterator,
      this.views,
    );
    if (bodyReason !== DecodeReason.Ok) return this.reject(OpenResult.BodyInvalid, bodyReason);
    const o = this.opened;
    o.version = header.version;
    o.entry = entry;
    o.entryGeneration = map.generation(entry);
    o.peerSlot = map.peerSlotOf(entry);
    o.senderWorkerId = header.workerId;
    o.keyId = header.keyId;
    o.packetNumber = header.packetNumber;
    o.bodyOffset = header.bodyOffset;
    o.bodyLength = header.bodyLength;
    // 6. Per-message handling that belongs to the key layer: RETIRE_CONTROL_KEY.
    if (kind === DatagramKind.SecretControl) this.applyRetirements(entry);
    return this.accept(OpenResult.Ok);
  }

  // spec: security.md#key-rotation (Retirement)
  private applyRetirements(entry: number): void {
    const o = this.opened;
    const iterator = this.iterator;
    const view = this.views.retireControlKey;
    iterator.reset(o.bytes, o.bodyOffset, o.bodyLength, DatagramKind.SecretControl);
    while (iterator.hasNext()) {
      const reason = iterator.next();
      assert(reason === DecodeReason.Ok, 'validated secret-control body failed to iterate');
      if (iterator.type !== MessageType.RetireControlKey) continue;
      const decoded = decodeMessageBody(iterator.type, o.bytes, iterator.bodyOffset, iterator.bodyLength, this.views);
      assert(decoded === DecodeReason.Ok, 'validated RETIRE_CONTROL_KEY failed to decode');
      // A new worker at the worker limit cannot be tracked; its keys then simply stay unretired.
      if (this.receiverFor(entry, false).retire(view.workerId, view.keyIdBelow) === ControlOpenResult.Ok) {
        o.retiredControlKeys++;
      }
    }
  }

  private receiverFor(entry: number, secret: boolean): ControlKeyReceiver {
    const map = this.pathSecrets;
    const generation = map.generation(entry);
    let schedule = this.schedules[entry] ?? null;
    if (schedule !== null && this.scheduleGenerations[entry] !== generation) {
      // Defensive: keys of an earlier occupant of the slot (onRemove normally released them).
      this.releaseEntry(entry);
      schedule = null;
    }
    if (schedule === null) {
      map.copySecret(entry, this.secretScratch, 0);
      schedule = new PathKeySchedule(this.provider, this.secretScratch);
      this.secretScratch.fill(0);
      this.schedules[entry] = schedule;
      this.scheduleGenerations[entry] = generation;
    }
    const receivers = secret ? this.secretReceivers : this.controlReceivers;
    let receiver = receivers[entry] ?? null;
    if (receiver === null) {
      // The receiver opens what the PEER sealed: keys of the peer's direction.
      const peerDirection = map.localDirectionOf(entry) === 0 ? 1 : 0;
      receiver = new ControlKeyReceiver({
        ...this.keyOptions,
        schedule,
        kind: secret ? KEY_KIND_SECRET_CONTROL : KEY_KIND_CONTROL,
        direction: peerDirection,
      });
      receivers[entry] = receiver;
    }
    return receiver;
  }

  private releaseEntry(entry: number): void {
    const schedule = this.schedules[entry] ?? null;
    if (schedule === null) return;
    schedule.destroy();
    this.schedules[entry] = null;
    this.controlReceivers[entry] = null;
    this.secretReceivers[entry] = null;
    this.entriesReleased++;
  }
}

/** ControlOpenResult → OpenResult. */
const KEY_RESULT: readonly number[] = [
  OpenResult.Ok,
  OpenResult.AuthenticationFailed,
  OpenResult.KeyRetired,
  OpenResult.KeyTooOld,
  OpenResult.KeyTooNew,
  OpenResult.IntegrityLimit,
  OpenResult.WorkerLimit,
];
