/**
 * Notify admission: the one gate through which TRANSFER_NOTIFY entries pass into the engine. Owns
 * the replay decision for each entry of an authenticated, validated CONTROL datagram (replay window
 * check + commit per (path secret, sending worker)), the transfer challenges of entries below the
 * window (a {@link ChallengeTable}), and a bounded held-notify store where challenged entries wait,
 * undelivered, until the real sender answers (released exactly once), the challenge expires, the
 * sender refuses with FLOW_RESET, or the peer is reset. The property "replayed or forged notifies
 * never reach the application" lives here: only {@link AdmissionResult.Admit} entries and
 * {@link AdmissionResult.Released} held entries may be acted on as new notifies.
 *
 * Results are small integers per entry ({@link NotifyAdmission.results}) plus accessors; nothing
 * allocates after construction and no closure is created per entry.
 *
 * spec: replay-and-secrets.md#replay-window, replay-and-secrets.md#challenge
 */
import { assert } from './assert.js';
import {
  CHALLENGE_CAPACITY_DEFAULT,
  CHALLENGE_DUPLICATE,
  CHALLENGE_NO_MATCH,
  CHALLENGE_NONCE_BYTES,
  CHALLENGE_PER_PEER_MAX_DEFAULT,
  type ChallengeRandom,
  ChallengeTable,
} from './challenge-table.js';
import { InvalidArgumentError } from './errors.js';
import type { PathSecretMap } from './path-secret-map.js';
import { notifySequenceFromHiLo, ReplayResult } from './replay-window.js';
import { MESSAGE_BODY_SIZE_MAX, NOTIFY_ENTRIES_MAX } from './wire/constants.js';
import { DecodeReason } from './wire/decode-result.js';
import { encodeTransferChallenge, type FlowResetView, TransferChallengeView } from './wire/transfer-messages.js';
import {
  decodeNotifyEntry,
  decodeTransferNotify,
  NotifyEntryView,
  notifyEntrySize,
  TransferNotifyView,
} from './wire/transfer-notify.js';

/**
 * What admission decided, per notify entry or per event. Values are stable (they index
 * {@link NotifyAdmission.counters}); new values are appended.
 */
export const AdmissionResult = {
  /** Inside the replay window and unseen: committed; the entry may be acted on (exactly once). */
  Admit: 0,
  /** Inside the window and already seen: dropped silently. */
  Duplicate: 1,
  /** Notify sequence ≥ 2^53: a protocol violation by an authenticated peer; dropped. */
  Invalid: 2,
  /** Below the window (or no window): held, and a TRANSFER_CHALLENGE must be sent ({@link NotifyAdmission.encodeChallenge}). */
  Challenged: 3,
  /** Below the window and this very notify is already being challenged: this copy is dropped. */
  ChallengeDuplicate: 4,
  /** Below the window and the challenge table (or the peer's share) is full: dropped unanswered. */
  ChallengeFull: 5,
  /** Below the window and the held-notify store has no slot or arena space: dropped unanswered. */
  HeldFull: 6,
  /** Below the window but the engine still knows (peer, sender transfer id): a retransmission; nothing new to deliver. */
  KnownTransfer: 7,
  /** A TRANSFER_CHALLENGE_RESPONSE matched: the held entry is released ({@link NotifyAdmission.released}), exactly once. */
  Released: 8,
  /** A response matched, but the engine meanwhile knows the transfer: treat as a retransmission, deliver nothing. */
  ReleasedKnown: 9,
  /** A response that matches no open challenge (replayed, forged nonce, late): dropped. */
  ResponseUnmatched: 10,
  /** A held entry discarded at its challenge deadline. */
  Expired: 11,
  /** A held entry discarded because the sender answered FLOW_RESET for its transfer. */
  Reset: 12,
  /** A held entry discarded because its peer was reset or removed. */
  PeerCancelled: 13,
} as const;

/** An {@link AdmissionResult} value. */
export type AdmissionResult = (typeof AdmissionResult)[keyof typeof AdmissionResult];

/** Number of distinct {@link AdmissionResult}s. */
export const ADMISSION_RESULT_COUNT = 14;

const ADMISSION_RESULT_NAMES: readonly string[] = [
  'ADMIT',
  'DUPLICATE',
  'INVALID',
  'CHALLENGED',
  'CHALLENGE_DUPLICATE',
  'CHALLENGE_FULL',
  'HELD_FULL',
  'KNOWN_TRANSFER',
  'RELEASED',
  'RELEASED_KNOWN',
  'RESPONSE_UNMATCHED',
  'EXPIRED',
  'RESET',
  'PEER_CANCELLED',
];

/** The log name of an admission result (`CHALLENGED`), or `UNKNOWN(n)`. */
export function admissionResultName(result: number): string {
  return ADMISSION_RESULT_NAMES[result] ?? `UNKNOWN(${result})`;
}

/** Bytes of one held-notify arena block; a held entry takes ⌈entry size / 128⌉ blocks. */
export const HELD_BLOCK_BYTES = 128;
/** Default held-notify arena size (2048 blocks: ≈ 2000 typical entries, or 50 with 4 KiB headers). */
export const HELD_ARENA_BYTES_DEFAULT = 256 * 1024;
/** Smallest arena: must hold the largest possible entry. */
export const HELD_ARENA_BYTES_MIN = Math.ceil(MESSAGE_BODY_SIZE_MAX / HELD_BLOCK_BYTES) * HELD_BLOCK_BYTES;
/** Largest arena. */
export const HELD_ARENA_BYTES_MAX = 1 << 30;
/** Default lower bound of a challenge timeout (spec: 1 ms). */
export const CHALLENGE_TIMEOUT_MIN_US_DEFAULT = 1000;
/** Default upper bound of a challenge timeout (spec: 1 s); also the timeout without an RTT source. */
export const CHALLENGE_TIMEOUT_MAX_US_DEFAULT = 1_000_000;
/** {@link NotifyAdmission.encodeChallenge}: the held entry is gone (released, expired, reset). */
export const HELD_NOTIFY_GONE = -3;
/** {@link NotifyAdmission.heldSlots} of an entry that is not held. */
export const NO_HELD_SLOT = -1;

/** Lets admission ask the engine whether it still holds a transfer (live or time-wait). */
export interface KnownTransferLookup {
  /** Whether the engine has receiver state (live or time-wait) for (peer, sender transfer id). */
  isKnownTransfer(peerSlot: number, senderTransferIdHi: number, senderTransferIdLo: number): boolean;
}

/** Lets admission size challenge timeouts from the peer's RTT (max(3 × RTT, min) ≤ max). */
export interface PeerRttSource {
  /** The peer's smoothed RTT in µs. */
  smoothedRttUs(peerSlot: number): number;
}

/** Where an opened CONTROL datagram came from; {@link OpenedDatagram} fits as is. */
export interface NotifySource {
  /** The datagram's bytes (the body is plaintext in place). */
  readonly bytes: Uint8Array;
  /** Path-secret entry that authenticated it. */
  readonly entry: number;
  /** The entry's peer slot. */
  readonly peerSlot: number;
  /** Sending worker id from the authenticated header. */
  readonly senderWorkerId: number;
}

/** Options of {@link NotifyAdmission}. */
export interface NotifyAdmissionOptions {
  /** The worker's path-secret map (its replay windows are used). */
  readonly pathSecrets: PathSecretMap;
  /** Random source of challenge nonces (a CryptoProvider fits). */
  readonly random: ChallengeRandom;
  /** Open challenges (and held notifies) in total (default 1024). */
  readonly challengeCapacity?: number;
  /** Open challenges per peer (default 64). */
  readonly challengesPerPeerMax?: number;
  /** Bytes of the held-notify arena ({@link HELD_ARENA_BYTES_MIN} … {@link HELD_ARENA_BYTES_MAX}, default 256 KiB). */
  readonly heldArenaBytes?: number;
  /** Lower bound of a challenge timeout, µs (default 1 ms). */
  readonly challengeTimeoutMinUs?: number;
  /** Upper bound of a challenge timeout, µs (default 1 s). */
  readonly challengeTimeoutMaxUs?: number;
  /** Peer RTTs; without it every challenge uses `challengeTimeoutMaxUs`. */
  readonly rtt?: PeerRttSource;
  /** The engine's transfer lookup; without it no entry is classified KnownTransfer / ReleasedKnown. */
  readonly knownTransfers?: KnownTransferLookup;
}

/** A mutable ChallengeOpen / ChallengeKey reused for every call into the challenge table. */
class ChallengeScratch {
  peerSlot: number;
  senderTransferIdHi: number;
  senderTransferIdLo: number;
  notifySequence: number;
  deadlineUs: number;
  cookie: number;

  constructor() {
    this.peerSlot = 0;
    this.senderTransferIdHi = 0;
    this.senderTransferIdLo = 0;
    this.notifySequence = 0;
    this.deadlineUs = 0;
    this.cookie = 0;
  }
}

const NONE = -1;
const COOKIE_BATCH = 64;

/**
 * The notify gate of one worker. Per opened CONTROL datagram, for each TRANSFER_NOTIFY message:
 * ```
 * const admitted = admission.admitNotify(opened, it.bodyOffset, it.bodyLength, nowUs);
 * for (let i = 0; i < admission.count; i++) {
 *   switch (admission.results[i]) {
 *     case AdmissionResult.Admit: engine.notify(admission.notify.entries[i]); break;
 *     case AdmissionResult.Challenged: admission.encodeChallenge(admission.heldSlots[i], out, at, end); break;
 *     case AdmissionResult.KnownTransfer: engine.retransmission(admission.notify.entries[i]); break;
 *     default: // dropped and counted
 *   }
 * }
 * ```
 * On TRANSFER_CHALLENGE_RESPONSE: `handleChallengeResponse` (Released → act on `released`); on
 * FLOW_RESET: `handleFlowReset`; on the challenge timer (`nextDeadlineUs`): `expire`; on peer reset:
 * `cancelPeer`. The challenge table is owned here: do not close its challenges directly.
 */
export class NotifyAdmission {
  /** The outstanding challenges (read-only use: sizes and counters). */
  readonly challenges: ChallengeTable;
  /** The entries of the last {@link admitNotify} (views into that datagram). */
  readonly notify: TransferNotifyView;
  /** Per entry of the last {@link admitNotify}: its {@link AdmissionResult}. */
  readonly results: Uint8Array;
  /** Per entry of the last {@link admitNotify}: its held slot when Challenged, else {@link NO_HELD_SLOT}. */
  readonly heldSlots: Int32Array;
  /** Entries (and events) per {@link AdmissionResult}. */
  readonly counters: Float64Array;
  /** The entry released by the last {@link handleChallengeResponse} that returned Released; valid until the next call. */
  readonly released: NotifyEntryView;
  /** Held slots = challenge capacity. */
  readonly heldCapacity: number;
  /** Arena blocks. */
  readonly heldBlockCount: number;
  /** Entries of the last {@link admitNotify} (0 if its body did not decode). */
  count: number;
  /** Peer slot of the released entry. */
  releasedPeerSlot: number;
  /** Path-secret entry the released notify arrived under. */
  releasedPathSecretEntry: number;
  /** Sending worker of the released notify. */
  releasedSenderWorkerId: number;
  /** Notify sequence of the released notify. */
  releasedNotifySequence: number;
  /** TRANSFER_NOTIFY bodies handed to {@link admitNotify} that did not decode (callers should only pass validated bodies). */
  bodyInvalidTotal: number;
  /** Codec reason of the last body that did not decode. */
  lastDecodeReason: number;

  private readonly pathSecrets: PathSecretMap;
  private readonly knownTransfers: KnownTransferLookup | null;
  private readonly rtt: PeerRttSource | null;
  private readonly timeoutMinUs: number;
  private readonly timeoutMaxUs: number;
  private readonly scratch: ChallengeScratch;
  private readonly cookies: Float64Array;
  private readonly challengeView: TransferChallengeView;
  private readonly nonceScratch: Uint8Array;
  private readonly releaseScratch: Uint8Array;
  // Held notifies: fixed slots; the entry's wire bytes live in a chain of arena blocks.
  private readonly heldLive: Uint8Array;
  private readonly heldFirstBlock: Int32Array;
  private readonly heldLength: Int32Array;
  private readonly heldPeer: Int32Array;
  private readonly heldPathEntry: Int32Array;
  private readonly heldWorker: Int32Array;
  private readonly heldSequence: Float64Array;
  private readonly heldSequenceHi: Uint32Array;
  private readonly heldSequenceLo: Uint32Array;
  private readonly heldSenderHi: Uint32Array;
  private readonly heldSenderLo: Uint32Array;
  private readonly heldChallenge: Int32Array;
  private readonly heldFree: Int32Array;
  private heldFreeCount: number;
  private readonly arena: Uint8Array;
  private readonly blockNext: Int32Array;
  private readonly blockFree: Int32Array;
  private blockFreeCount: number;

  constructor(options: NotifyAdmissionOptions) {
    const capacity = options.challengeCapacity ?? CHALLENGE_CAPACITY_DEFAULT;
    const arenaBytes = options.heldArenaBytes ?? HELD_ARENA_BYTES_DEFAULT;
    if (!(Number.isInteger(arenaBytes) && arenaBytes >= HELD_ARENA_BYTES_MIN && arenaBytes <= HELD_ARENA_BYTES_MAX)) {
      throw new InvalidArgumentError(
        `heldArenaBytes must be an integer in [${HELD_ARENA_BYTES_MIN}, ${HELD_ARENA_BYTES_MAX}], got ${arenaBytes}`,
      );
    }
    const timeoutMinUs = options.challengeTimeoutMinUs ?? CHALLENGE_TIMEOUT_MIN_US_DEFAULT;
    const timeoutMaxUs = options.challengeTimeoutMaxUs ?? CHALLENGE_TIMEOUT_MAX_US_DEFAULT;
    if (!(timeoutMinUs > 0 && timeoutMaxUs >= timeoutMinUs && Number.isFinite(timeoutMaxUs))) {
      throw new InvalidArgumentError(
        'challenge timeouts must satisfy 0 < challengeTimeoutMinUs ≤ challengeTimeoutMaxUs',
      );
    }
    this.pathSecrets = options.pathSecrets;
    this.challenges = new ChallengeTable({
      capacity,
      peerSlotCapacity: options.pathSecrets.peerSlotCapacity,
      perPeerMax: options.challengesPerPeerMax ?? Math.min(CHALLENGE_PER_PEER_MAX_DEFAULT, capacity),
      random: options.random,
    });
    this.notify = new TransferNotifyView();
    this.results = new Uint8Array(NOTIFY_ENTRIES_MAX);
    this.heldSlots = new Int32Array(NOTIFY_ENTRIES_MAX).fill(NO_HELD_SLOT);
    this.counters = new Float64Array(ADMISSION_RESULT_COUNT);
    this.released = new NotifyEntryView();
    this.heldCapacity = capacity;
    this.heldBlockCount = Math.floor(arenaBytes / HELD_BLOCK_BYTES);
    this.count = 0;
    this.releasedPeerSlot = NONE;
    this.releasedPathSecretEntry = NONE;
    this.releasedSenderWorkerId = 0;
    this.releasedNotifySequence = NONE;
    this.bodyInvalidTotal = 0;
    this.lastDecodeReason = DecodeReason.Ok;
    this.knownTransfers = options.knownTransfers ?? null;
    this.rtt = options.rtt ?? null;
    this.timeoutMinUs = timeoutMinUs;
    this.timeoutMaxUs = timeoutMaxUs;
    this.scratch = new ChallengeScratch();
    this.cookies = new Float64Array(COOKIE_BATCH);
    this.challengeView = new TransferChallengeView();
    this.nonceScratch = new Uint8Array(CHALLENGE_NONCE_BYTES);
    this.challengeView.nonceBytes = this.nonceScratch;
    this.releaseScratch = new Uint8Array(MESSAGE_BODY_SIZE_MAX);
    this.heldLive = new Uint8Array(capacity);
    this.heldFirstBlock = new Int32Array(capacity).fill(NONE);
    this.heldLength = new Int32Array(capacity);
    this.heldPeer = new Int32Array(capacity).fill(NONE);
    this.heldPathEntry = new Int32Array(capacity).fill(NONE);
    this.heldWorker = new Int32Array(capacity);
    this.heldSequence = new Float64Array(capacity);
    this.heldSequenceHi = new Uint32Array(capacity);
    this.heldSequenceLo = new Uint32Array(capacity);
    this.heldSenderHi = new Uint32Array(capacity);
    this.heldSenderLo = new Uint32Array(capacity);
    this.heldChallenge = new Int32Array(capacity).fill(NONE);
    this.heldFree = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.heldFree[i] = capacity - 1 - i;
    this.heldFreeCount = capacity;
    this.arena = new Uint8Array(this.heldBlockCount * HELD_BLOCK_BYTES);
    this.blockNext = new Int32Array(this.heldBlockCount).fill(NONE);
    this.blockFree = new Int32Array(this.heldBlockCount);
    for (let i = 0; i < this.heldBlockCount; i++) this.blockFree[i] = this.heldBlockCount - 1 - i;
    this.blockFreeCount = this.heldBlockCount;
  }

  /** Notifies currently held (= open challenges). */
  get heldCount(): number {
    return this.heldCapacity - this.heldFreeCount;
  }

  /** Arena blocks in use by held notifies. */
  get heldBlocksInUse(): number {
    return this.heldBlockCount - this.blockFreeCount;
  }

  /** Earliest challenge deadline (µs), or +Infinity: arm the engine timer with it and call {@link expire}. */
  nextDeadlineUs(): number {
    return this.challenges.nextDeadlineUs();
  }

  /** Whether held slot `slot` holds a notify. */
  isHeld(slot: number): boolean {
    return slot >= 0 && slot < this.heldCapacity && this.heldLive[slot] === 1;
  }

  /** Peer slot of a held notify (where its TRANSFER_CHALLENGE goes). */
  heldPeerSlotOf(slot: number): number {
    assert(this.isHeld(slot), 'heldPeerSlotOf a free held slot');
    return this.heldPeer[slot] as number;
  }

  /**
   * Classifies every entry of one TRANSFER_NOTIFY (body `source.bytes[bodyOffset, +bodyLength)`,
   * framing stripped) of an opened, validated CONTROL datagram, in order: replay-window `check`,
   * then `commit` and {@link AdmissionResult.Admit} when accepted (each entry is committed before
   * the next is checked, so one sequence twice in a datagram passes once); Duplicate / Invalid
   * dropped; TooOld → known transfer, or held and challenged. Results in {@link results} /
   * {@link heldSlots} for `notify.entries[0, count)`. Returns the number of admitted entries.
   *
   * spec: replay-and-secrets.md#replay-window ("Check, then commit"), replay-and-secrets.md#challenge
   */
  admitNotify(source: NotifySource, bodyOffset: number, bodyLength: number, nowUs: number): number {
    const notify = this.notify;
    const bytes = source.bytes;
    const reason = decodeTransferNotify(bytes, bodyOffset, bodyLength, notify);
    if (reason !== DecodeReason.Ok) {
      this.count = 0;
      this.bodyInvalidTotal++;
      this.lastDecodeReason = reason;
      return 0;
    }
    const count = notify.count;
    this.count = count;
    const map = this.pathSecrets;
    const windows = map.replayWindows;
    const windowSlot = map.replayWindowSlot(source.entry, source.senderWorkerId);
    let at = bodyOffset + 1;
    let admitted = 0;
    for (let i = 0; i < count; i++) {
      const entry = this.notify.entries[i] as NotifyEntryView;
      const size = notifyEntrySize(entry);
      const sequence = notifySequenceFromHiLo(entry.notifySequenceHi, entry.notifySequenceLo);
      let result: AdmissionResult;
      let held = NO_HELD_SLOT;
      switch (windows.check(windowSlot, sequence)) {
        case ReplayResult.AcceptNew:
        case ReplayResult.Accept: {
          const committed = windows.commit(windowSlot, sequence);
          assert(committed, 'accepted notify sequence failed to commit');
          result = AdmissionResult.Admit;
          admitted++;
          break;
        }
        case ReplayResult.Duplicate:
          result = AdmissionResult.Duplicate;
          break;
        case ReplayResult.TooOld:
          result = this.challengeEntry(source, entry, sequence, at, size, nowUs);
          if (result === AdmissionResult.Challenged) held = this.scratch.cookie;
          break;
        default:
          result = AdmissionResult.Invalid;
          break;
      }
      this.results[i] = result;
      this.heldSlots[i] = held;
      this.counters[result] = (this.counters[result] as number) + 1;
      at += size;
    }
    assert(at === bodyOffset + bodyLength, 'notify entry sizes disagree with the decoded body');
    return admitted;
  }

  /**
   * Writes the TRANSFER_CHALLENGE of held slot `slot` (sender transfer id, notify sequence, nonce)
   * at `out[offset, end)`. Returns the bytes written (35), ENCODE_NO_ROOM, or {@link HELD_NOTIFY_GONE}.
   * May be called again (e.g. when a datagram had no room); the nonce stays the same.
   *
   * spec: protocol.md#transfer-challenge
   */
  encodeChallenge(slot: number, out: Uint8Array, offset: number, end: number): number {
    if (!this.isHeld(slot)) return HELD_NOTIFY_GONE;
    const view = this.challengeView;
    view.senderTransferIdHi = this.heldSenderHi[slot] as number;
    view.senderTransferIdLo = this.heldSenderLo[slot] as number;
    view.notifySequenceHi = this.heldSequenceHi[slot] as number;
    view.notifySequenceLo = this.heldSequenceLo[slot] as number;
    this.challenges.writeNonce(this.heldChallenge[slot] as number, this.nonceScratch, 0);
    view.nonceOffset = 0;
    return encodeTransferChallenge(out, offset, end, view);
  }

  /**
   * Handles an authenticated TRANSFER_CHALLENGE_RESPONSE from `source`'s peer (under any of its path
   * secrets). A match closes the challenge — so a response matches exactly once — and releases the
   * held notify: {@link AdmissionResult.Released} with the entry in {@link released} (the sequence
   * is not committed: it is below the window), or {@link AdmissionResult.ReleasedKnown} when the
   * engine meanwhile holds the transfer. Otherwise {@link AdmissionResult.ResponseUnmatched}.
   *
   * spec: replay-and-secrets.md#challenge (Receiver, step 4)
   */
  handleChallengeResponse(source: NotifySource, view: TransferChallengeView): AdmissionResult {
    const sequence = notifySequenceFromHiLo(view.notifySequenceHi, view.notifySequenceLo);
    let cookie = CHALLENGE_NO_MATCH;
    if (sequence >= 0) {
      const key = this.scratch;
      key.peerSlot = source.peerSlot;
      key.senderTransferIdHi = view.senderTransferIdHi;
      key.senderTransferIdLo = view.senderTransferIdLo;
      key.notifySequence = sequence;
      cookie = this.challenges.match(key, view.nonceBytes, view.nonceOffset);
    }
    if (cookie === CHALLENGE_NO_MATCH) return this.count1(AdmissionResult.ResponseUnmatched);
    const slot = cookie;
    assert(this.isHeld(slot), 'matched challenge has no held notify');
    const known = this.knownTransfers;
    if (known?.isKnownTransfer(source.peerSlot, this.heldSenderHi[slot] as number, this.heldSenderLo[slot] as number)) {
      this.freeHeld(slot);
      return this.count1(AdmissionResult.ReleasedKnown);
    }
    const length = this.heldLength[slot] as number;
    this.copyOut(slot, this.releaseScratch);
    const decoded = decodeNotifyEntry(this.releaseScratch, 0, length, this.released);
    assert(decoded === length, 'held notify entry failed to decode');
    this.releasedPeerSlot = this.heldPeer[slot] as number;
    this.releasedPathSecretEntry = this.heldPathEntry[slot] as number;
    this.releasedSenderWorkerId = this.heldWorker[slot] as number;
    this.releasedNotifySequence = this.heldSequence[slot] as number;
    this.freeHeld(slot);
    return this.count1(AdmissionResult.Released);
  }

  /**
   * Handles an authenticated FLOW_RESET from `peerSlot`: when it names a sender transfer id, every
   * challenge of (peer, that id) closes and its held notify is discarded (the sender refused to
   * confirm it). Returns the number discarded.
   *
   * spec: replay-and-secrets.md#challenge (Receiver, step 5)
   */
  handleFlowReset(peerSlot: number, view: FlowResetView): number {
    if (view.senderTransferIdHi === 0 && view.senderTransferIdLo === 0) return 0;
    if (!(peerSlot >= 0 && peerSlot < this.challenges.peerSlotCapacity) || this.challenges.peerCount(peerSlot) === 0) {
      return 0;
    }
    const key = this.scratch;
    key.peerSlot = peerSlot;
    key.senderTransferIdHi = view.senderTransferIdHi;
    key.senderTransferIdLo = view.senderTransferIdLo;
    let total = 0;
    for (;;) {
      const n = this.challenges.cancelTransfer(key, this.cookies);
      this.discard(n, AdmissionResult.Reset);
      total += n;
      if (n < this.cookies.length) return total;
    }
  }

  /** Discards every held notify of a peer (peer reset, failed or removed). Returns how many. */
  cancelPeer(peerSlot: number): number {
    let total = 0;
    for (;;) {
      const n = this.challenges.cancelPeer(peerSlot, this.cookies);
      this.discard(n, AdmissionResult.PeerCancelled);
      total += n;
      if (n < this.cookies.length) return total;
    }
  }

  /**
   * Discards held notifies whose challenge deadline is at or before `nowUs` (their sender never
   * answered — e.g. a replay). Returns how many.
   *
   * spec: replay-and-secrets.md#challenge (Receiver, step 6)
   */
  expire(nowUs: number): number {
    let total = 0;
    for (;;) {
      const n = this.challenges.expire(nowUs, this.cookies);
      this.discard(n, AdmissionResult.Expired);
      total += n;
      if (n < this.cookies.length) return total;
    }
  }

  private count1(result: AdmissionResult): AdmissionResult {
    this.counters[result] = (this.counters[result] as number) + 1;
    return result;
  }

  private discard(count: number, result: AdmissionResult): void {
    for (let i = 0; i < count; i++) this.freeHeld(this.cookies[i] as number);
    this.counters[result] = (this.counters[result] as number) + count;
  }

  private challengeTimeoutUs(peerSlot: number): number {
    if (this.rtt === null) return this.timeoutMaxUs;
    const timeoutUs = 3 * this.rtt.smoothedRttUs(peerSlot);
    if (!(timeoutUs >= this.timeoutMinUs)) return this.timeoutMinUs;
    return timeoutUs > this.timeoutMaxUs ? this.timeoutMaxUs : timeoutUs;
  }

  // spec: replay-and-secrets.md#challenge (Receiver, steps 2–3)
  private challengeEntry(
    source: NotifySource,
    entry: NotifyEntryView,
    sequence: number,
    at: number,
    size: number,
    nowUs: number,
  ): AdmissionResult {
    const peerSlot = source.peerSlot;
    const known = this.knownTransfers;
    if (known?.isKnownTransfer(peerSlot, entry.senderTransferIdHi, entry.senderTransferIdLo)) {
      return AdmissionResult.KnownTransfer;
    }
    const slot = this.allocateHeld(size);
    if (slot === NONE) return AdmissionResult.HeldFull;
    const open = this.scratch;
    open.peerSlot = peerSlot;
    open.senderTransferIdHi = entry.senderTransferIdHi;
    open.senderTransferIdLo = entry.senderTransferIdLo;
    open.notifySequence = sequence;
    open.deadlineUs = nowUs + this.challengeTimeoutUs(peerSlot);
    open.cookie = slot;
    const challenge = this.challenges.open(open);
    if (challenge < 0) {
      this.freeHeld(slot);
      return challenge === CHALLENGE_DUPLICATE ? AdmissionResult.ChallengeDuplicate : AdmissionResult.ChallengeFull;
    }
    this.copyIn(slot, source.bytes, at, size);
    this.heldPeer[slot] = peerSlot;
    this.heldPathEntry[slot] = source.entry;
    this.heldWorker[slot] = source.senderWorkerId;
    this.heldSequence[slot] = sequence;
    this.heldSequenceHi[slot] = entry.notifySequenceHi;
    this.heldSequenceLo[slot] = entry.notifySequenceLo;
    this.heldSenderHi[slot] = entry.senderTransferIdHi;
    this.heldSenderLo[slot] = entry.senderTransferIdLo;
    this.heldChallenge[slot] = challenge;
    return AdmissionResult.Challenged;
  }

  /** Takes a held slot and the arena blocks for `length` bytes; NONE when either is exhausted. */
  private allocateHeld(length: number): number {
    const blocks = Math.ceil(length / HELD_BLOCK_BYTES);
    if (this.heldFreeCount === 0 || blocks > this.blockFreeCount) return NONE;
    this.heldFreeCount--;
    const slot = this.heldFree[this.heldFreeCount] as number;
    assert(this.heldLive[slot] === 0, 'held slot handed out twice');
    this.heldLive[slot] = 1;
    this.heldLength[slot] = length;
    let previous = NONE;
    for (let b = 0; b < blocks; b++) {
      this.blockFreeCount--;
      const block = this.blockFree[this.blockFreeCount] as number;
      this.blockNext[block] = NONE;
      if (previous === NONE) this.heldFirstBlock[slot] = block;
      else this.blockNext[previous] = block;
      previous = block;
    }
    if (blocks === 0) this.heldFirstBlock[slot] = NONE;
    return slot;
  }

  private freeHeld(slot: number): void {
    assert(this.isHeld(slot), 'free of a free held slot');
    let block = this.heldFirstBlock[slot] as number;
    while (block !== NONE) {
      const next = this.blockNext[block] as number;
      this.arena.fill(0, block * HELD_BLOCK_BYTES, (block + 1) * HELD_BLOCK_BYTES);
      this.blockNext[block] = NONE;
      this.blockFree[this.blockFreeCount] = block;
      this.blockFreeCount++;
      block = next;
    }
    this.heldLive[slot] = 0;
    this.heldFirstBlock[slot] = NONE;
    this.heldLength[slot] = 0;
    this.heldPeer[slot] = NONE;
    this.heldPathEntry[slot] = NONE;
    this.heldChallenge[slot] = NONE;
    this.heldFree[this.heldFreeCount] = slot;
    this.heldFreeCount++;
  }

  private copyIn(slot: number, bytes: Uint8Array, offset: number, length: number): void {
    const arena = this.arena;
    let block = this.heldFirstBlock[slot] as number;
    let done = 0;
    while (done < length) {
      assert(block !== NONE, 'held block chain too short');
      const take = Math.min(HELD_BLOCK_BYTES, length - done);
      const base = block * HELD_BLOCK_BYTES;
      for (let i = 0; i < take; i++) arena[base + i] = bytes[offset + done + i] as number;
      done += take;
      block = this.blockNext[block] as number;
    }
  }

  private copyOut(slot: number, out: Uint8Array): void {
    const arena = this.arena;
    const length = this.heldLength[slot] as number;
    let block = this.heldFirstBlock[slot] as number;
    let done = 0;
    while (done < length) {
      assert(block !== NONE, 'held block chain too short');
      const take = Math.min(HELD_BLOCK_BYTES, length - done);
      const base = block * HELD_BLOCK_BYTES;
      for (let i = 0; i < take; i++) out[done + i] = arena[base + i] as number;
      done += take;
      block = this.blockNext[block] as number;
    }
  }
}
