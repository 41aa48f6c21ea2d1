/**
 * The wire fuzzer: a reusable, deterministic driver that throws hostile and semi-valid datagrams at
 * a receiver built from the real pieces — {@link DatagramOpener} (header checks, path-secret lookup,
 * key window, AEAD, whole-body validation), message iteration and decoding, and
 * {@link NotifyAdmission} (replay window, challenges, held notifies) — and checks, per case, that
 * nothing throws, that no forged or modified datagram ever authenticates, that failed opens leave
 * the input untouched, that no notify sequence passes the replay window twice, and that every
 * structure stays within its bounds. Pure and sans-IO: the provider, the seed, and optionally a
 * clock and a heap probe are injected; the same (provider, seed, cases) gives the same run.
 *
 * Inputs per case (weights in STRATEGY_WEIGHTS): random bytes of any length 0..9100 (biased toward
 * plausible kind / version / path secret id bytes); mutations of the sealed test vectors and of
 * freshly sealed datagrams (bit flips, byte sets, truncation, extension, splices of two datagrams,
 * header field swaps); VALID sealed datagrams whose plaintext body is random or a mutated valid
 * body (so decoding after authentication is fuzzed too); valid bodies of random messages (notifies
 * with new, old and duplicate sequences, challenge responses with right and wrong nonces, FLOW_RESETs,
 * RETIRE_* in SECRET_CONTROL); exact replays; UNKNOWN_PATH_SECRET datagrams; DATA datagrams.
 *
 * spec: security.md#datagram-receive-pipeline, protocol.md#validation
 */
import { ControlKeySender } from '../crypto/control-keys.js';
import { KEY_KIND_CONTROL, KEY_KIND_SECRET_CONTROL, PathKeySchedule } from '../crypto/key-schedule.js';
import type { CryptoProvider } from '../crypto/provider.js';
import {
  ADMISSION_RESULT_COUNT,
  AdmissionResult,
  admissionResultName,
  HELD_ARENA_BYTES_MIN,
  NotifyAdmission,
} from '../notify-admission.js';
import { derivePskPathSecret, type PskPathSecret } from '../path-secret-map.js';
import { NOTIFY_SEQUENCE_MAX } from '../replay-window.js';
import {
  ControlDatagramSealer,
  DatagramOpener,
  OPEN_RESULT_COUNT,
  OpenResult,
  openResultName,
  REPLY_NONE,
  REPLY_RATE_LIMITED,
} from '../secure-datagram.js';
import {
  buildSealedDatagramVectors,
  insertSealedVectorSecret,
  type SealedDatagramVectorSet,
} from '../secure-vectors.js';
import {
  AcceptStatus,
  CONTROL_HEADER_SIZE,
  DATAGRAM_SIZE_MAX,
  ENCODE_FULL,
  MessageType,
  NotifyFlag,
  TransferKind,
  UNKNOWN_PATH_SECRET_SIZE,
} from '../wire/constants.js';
import { decodeMessageBody, MessageViews } from '../wire/control-body.js';
import { DataChunkView, decodeDataChunk } from '../wire/data-chunks.js';
import { DECODE_REASON_COUNT, DecodeReason, reasonName } from '../wire/decode-result.js';
import { decodeUnknownPathSecret, UnknownPathSecretView } from '../wire/header.js';
import { MessageIterator } from '../wire/message-iterator.js';
import { encodePadding, encodeProbe, encodeProbeResponse, ProbeView } from '../wire/probe-messages.js';
import {
  CancelPullView,
  encodeCancelPull,
  encodePullRequest,
  encodeRangeAck,
  PullRequestView,
  RangeAckView,
} from '../wire/pull-messages.js';
import {
  encodeRetireControlKey,
  encodeRetireDataKey,
  RetireControlKeyView,
  RetireDataKeyView,
} from '../wire/retire-messages.js';
import {
  encodeStreamClose,
  encodeStreamCloseAck,
  StreamCloseAckView,
  StreamCloseView,
} from '../wire/stream-messages.js';
import {
  decodeTransferChallenge,
  encodeFlowReset,
  encodeTransferAccept,
  encodeTransferChallenge,
  encodeTransferChallengeResponse,
  FlowResetView,
  TransferAcceptView,
  TransferChallengeView,
} from '../wire/transfer-messages.js';
import { appendNotifyEntry, beginTransferNotify, NotifyEntryView } from '../wire/transfer-notify.js';

/** Progress report passed to {@link WireFuzzOptions.onProgress}. */
export interface WireFuzzProgress {
  /** Cases run so far. */
  readonly done: number;
  /** Cases requested. */
  readonly total: number;
  /** Milliseconds since the start (0 without a clock). */
  readonly elapsedMs: number;
}

/** Options of {@link runWireFuzz}. */
export interface WireFuzzOptions {
  /** The crypto provider of sender and receiver. */
  readonly provider: CryptoProvider;
  /** Number of cases (≥ 1). */
  readonly cases: number;
  /** Seed of the whole run (a safe non-negative integer). */
  readonly seed: number;
  /** Called every `progressEvery` cases and at the end. */
  readonly onProgress?: (progress: WireFuzzProgress) => void;
  /** Progress period in cases (default: a twentieth of the run). */
  readonly progressEvery?: number;
  /** A monotonic clock in ms (e.g. `performance.now`), to find the slowest case; none by default. */
  readonly clockMs?: () => number;
  /** Heap in use in bytes (e.g. after a GC), reported before and after the run; none by default. */
  readonly heapUsedBytes?: () => number;
}

/** The first failure of a run: enough to reproduce it (`--seed seed --cases index + 1`). */
export interface WireFuzzFailure {
  /** 0-based case index. */
  readonly index: number;
  /** The case's own PRNG seed (derived from the run seed and the index). */
  readonly caseSeed: number;
  /** Input strategy of the case. */
  readonly strategy: string;
  /** What went wrong (exception or violated invariant). */
  readonly message: string;
  /** The input datagram, hex (as generated, before `open` touched it). */
  readonly inputHex: string;
}

/** Result of {@link runWireFuzz}. */
export interface WireFuzzReport {
  /** True when every case passed. */
  readonly ok: boolean;
  /** The run seed. */
  readonly seed: number;
  /** Cases run (less than requested if one failed). */
  readonly cases: number;
  /** The failure, if any. */
  readonly failure: WireFuzzFailure | null;
  /** Datagrams per open result name (OK, AUTHENTICATION_FAILED, …). */
  readonly openResults: Record<string, number>;
  /** Codec reasons behind BAD_HEADER / BODY_INVALID / DATA_INVALID / UNSUPPORTED_VERSION. */
  readonly decodeReasons: Record<string, number>;
  /** Notify admission outcomes (ADMIT, DUPLICATE, CHALLENGED, …). */
  readonly admission: Record<string, number>;
  /** Cases per input strategy. */
  readonly strategies: Record<string, number>;
  /** Open results per input strategy. */
  readonly openResultsByStrategy: Record<string, Record<string, number>>;
  /** UNKNOWN_PATH_SECRET replies written / refused by the limiter. */
  readonly replies: { readonly written: number; readonly rateLimited: number };
  /** Index of the slowest case (-1 without a clock). */
  readonly slowestCaseIndex: number;
  /** Its duration in ms. */
  readonly slowestCaseMs: number;
  /** Its strategy. */
  readonly slowestStrategy: string;
  /** Whole run in ms (0 without a clock). */
  readonly elapsedMs: number;
  /** Heap before the run (-1 without a probe). */
  readonly heapBeforeBytes: number;
  /** Heap after the warm-up (the first tenth of the run, at least 1000 cases; -1 without a probe). */
  readonly heapWarmBytes: number;
  /** Heap after the run (-1 without a probe). Compare with `heapWarmBytes`: the fuzzer's own state is preallocated. */
  readonly heapAfterBytes: number;
  /** Peak sizes of the bounded structures, with their bounds. */
  readonly bounds: Record<string, { readonly peak: number; readonly max: number }>;
}

const Strategy = {
  RandomBytes: 0,
  MutateVector: 1,
  MutateFresh: 2,
  SealedGarbage: 3,
  SealedMutated: 4,
  SealedValid: 5,
  Replay: 6,
  UnknownPathSecret: 7,
  Data: 8,
} as const;

const STRATEGY_NAMES = [
  'random-bytes',
  'mutate-vector',
  'mutate-fresh',
  'sealed-garbage-body',
  'sealed-mutated-body',
  'sealed-valid-body',
  'replay',
  'unknown-path-secret',
  'data',
] as const;

const STRATEGY_WEIGHTS = [12, 14, 14, 12, 14, 16, 8, 5, 5] as const;

const INPUT_BYTES_MAX = 9100;
const POOL_SIZE = 32;
const SENDER_WORKERS = [4, 5, 6] as const;
/** Worker of garbage and mutated bodies: mutated sequences may push its window anywhere. */
const FUZZ_BODY_WORKER = 7;
const PEER_SLOT = 1;
/** Peer slot of the second path secret, used by garbage and mutated bodies. */
const FUZZ_PEER_SLOT = 2;
/** Peer slot of the third path secret, used by mutated SECRET_CONTROL bodies. */
const RETIRE_PEER_SLOT = 3;
const CHALLENGE_CAPACITY = 64;
const PENDING_CHALLENGES = 16;
const TRANSFER_HI = 0x00040001;

/** Thrown for a violated invariant; caught at the top of the run and reported with the case. */
class FuzzInvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FuzzInvariantError';
  }
}

function invariant(condition: boolean, message: string): void {
  if (!condition) throw new FuzzInvariantError(message);
}

/** sfc32: a small, fast, well-mixed 32-bit PRNG (no Math.random in the core). */
class FuzzRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor() {
    this.a = 0;
    this.b = 0;
    this.c = 0;
    this.d = 0;
  }

  reseed(seed: number): void {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 12; i++) this.next32();
  }

  next32(): number {
    // Intentionally modulo 2^32 throughout.
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** An integer in [0, bound) (bound ≤ 2^32). */
  below(bound: number): number {
    return Math.floor((this.next32() / 4294967296) * bound);
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.below(max - min + 1);
  }

  chance(probability: number): boolean {
    return this.next32() / 4294967296 < probability;
  }

  fill(bytes: Uint8Array, offset: number, length: number): void {
    let i = 0;
    for (; i + 4 <= length; i += 4) {
      const v = this.next32();
      bytes[offset + i] = v;
      bytes[offset + i + 1] = v >>> 8;
      bytes[offset + i + 2] = v >>> 16;
      bytes[offset + i + 3] = v >>> 24;
    }
    for (; i < length; i++) bytes[offset + i] = this.next32();
  }
}

/** Derives a case's seed from the run seed and the case index (a murmur3-style finaliser). */
function caseSeedOf(seed: number, index: number): number {
  let h = (Math.imul(seed >>> 0, 0x85ebca6b) ^ Math.imul(Math.floor(seed / 4294967296), 0xc2b2ae35)) >>> 0;
  h = (h ^ Math.imul(index >>> 0, 0x27d4eb2f)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hexOf(bytes: Uint8Array, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += (bytes[i] as number).toString(16).padStart(2, '0');
  return out;
}

function bytesEqual(a: Uint8Array, aLength: number, b: Uint8Array, bLength: number): boolean {
  if (aLength !== bLength) return false;
  for (let i = 0; i < aLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Everything one fuzz run owns; preallocated at construction. */
class WireFuzzer {
  readonly set: SealedDatagramVectorSet;
  readonly opener: DatagramOpener;
  readonly admission: NotifyAdmission;
  readonly strategyCounts: Float64Array;
  /** Open results per strategy: index strategy * OPEN_RESULT_COUNT + result. */
  readonly strategyResults: Float64Array;
  readonly peaks: Float64Array;
  repliesWritten: number;
  repliesRateLimited: number;
  strategy: number;
  input: Uint8Array;
  inputLength: number;
  /** The case's input as generated, before `open` (decryption happens in place). */
  pristine: Uint8Array;
  private readonly rng: FuzzRandom;
  private readonly sealers: ControlDatagramSealer[];
  private readonly bodySealer: ControlDatagramSealer;
  private readonly bodySecretSealer: ControlDatagramSealer;
  private readonly secretSealer: ControlDatagramSealer;
  private readonly pool: Uint8Array[];
  private readonly poolLength: Int32Array;
  private poolCount: number;
  private poolNext: number;
  private lastPoolPick: number;
  private readonly iterator: MessageIterator;
  private readonly views: MessageViews;
  private readonly chunk: DataChunkView;
  private readonly unknownView: UnknownPathSecretView;
  private readonly entry: NotifyEntryView;
  private readonly scratch: Uint8Array;
  private readonly reply: Uint8Array;
  private readonly pendingTransferLo: Uint32Array;
  private readonly pendingSequence: Float64Array;
  private readonly pendingNonce: Uint8Array;
  private pendingCount: number;
  private pendingNext: number;
  private readonly nextSequence: Float64Array;
  private readonly sequenceLimit: number;
  private readonly admittedBits: Uint8Array[];
  private readonly challengeView: TransferChallengeView;
  private readonly probe: ProbeView;
  private readonly accept: TransferAcceptView;
  private readonly pull: PullRequestView;
  private readonly ack: RangeAckView;
  private readonly cancel: CancelPullView;
  private readonly reset: FlowResetView;
  private readonly streamClose: StreamCloseView;
  private readonly streamCloseAck: StreamCloseAckView;
  private readonly retire: RetireControlKeyView;
  private readonly retireData: RetireDataKeyView;
  private readonly blob: Uint8Array;
  private nowUs: number;
  private authentic: boolean;
  private sourceA: Uint8Array;
  private sourceALength: number;
  private sourceB: Uint8Array;
  private sourceBLength: number;
  private casesRun: number;

  constructor(provider: CryptoProvider, cases: number) {
    this.rng = new FuzzRandom();
    this.set = buildSealedDatagramVectors(provider);
    const set = this.set;
    const resetKey = new Uint8Array(32);
    for (let i = 0; i < 32; i++) resetKey[i] = (i * 37 + 11) & 0xff;
    this.opener = new DatagramOpener({
      provider,
      pathSecrets: {
        capacity: 8,
        peerSlotCapacity: 8,
        maxSecretsPerPeer: 2,
        minAgeUs: 0,
        graceUs: 0,
        replayWindowBits: 64,
        replayWindowCapacity: 16,
        replayWindowsPerSecretMax: 8,
      },
      keys: { workerCapacity: 16, cacheCapacity: 8 },
      statelessResetKey: resetKey,
      unknownPathSecretRatePerSecond: 200,
      unknownPathSecretBurst: 20,
    });
    insertSealedVectorSecret(this.opener.pathSecrets, set, PEER_SLOT, 0);
    this.admission = new NotifyAdmission({
      pathSecrets: this.opener.pathSecrets,
      random: provider,
      challengeCapacity: CHALLENGE_CAPACITY,
      challengesPerPeerMax: CHALLENGE_CAPACITY / 2,
      heldArenaBytes: HELD_ARENA_BYTES_MIN,
      challengeTimeoutMaxUs: 20_000,
    });
    const schedule = new PathKeySchedule(provider, set.pathSecret);
    this.sealers = SENDER_WORKERS.map(
      (workerId) =>
        new ControlDatagramSealer({
          keys: new ControlKeySender({
            schedule,
            kind: KEY_KIND_CONTROL,
            workerId,
            direction: set.senderDirection,
            rotateAfterPackets: 97,
          }),
          pathSecretId: set.pathSecretId,
        }),
    );
    this.secretSealer = new ControlDatagramSealer({
      keys: new ControlKeySender({
        schedule,
        kind: KEY_KIND_SECRET_CONTROL,
        workerId: SENDER_WORKERS[0],
        direction: set.senderDirection,
        rotateAfterPackets: 1 << 20,
      }),
      pathSecretId: set.pathSecretId,
    });
    // Garbage and mutated bodies go over a second path secret (another PSK epoch), and mutated
    // SECRET_CONTROL bodies over a third: a mutated notify sequence or RETIRE_CONTROL_KEY that still
    // validates may move windows or retire keys anywhere, and must not starve the paths that carry
    // valid traffic.
    const fuzzPath = this.installPath(provider, set, set.epoch + 1, FUZZ_PEER_SLOT);
    const retirePath = this.installPath(provider, set, set.epoch + 2, RETIRE_PEER_SLOT);
    this.bodySealer = new ControlDatagramSealer({
      keys: new ControlKeySender({
        schedule: new PathKeySchedule(provider, fuzzPath.secret),
        kind: KEY_KIND_CONTROL,
        workerId: FUZZ_BODY_WORKER,
        direction: fuzzPath.localDirection,
        rotateAfterPackets: 211,
      }),
      pathSecretId: fuzzPath.id,
    });
    this.bodySecretSealer = new ControlDatagramSealer({
      keys: new ControlKeySender({
        schedule: new PathKeySchedule(provider, retirePath.secret),
        kind: KEY_KIND_SECRET_CONTROL,
        workerId: FUZZ_BODY_WORKER,
        direction: retirePath.localDirection,
        rotateAfterPackets: 1 << 20,
      }),
      pathSecretId: retirePath.id,
    });
    this.strategyCounts = new Float64Array(STRATEGY_NAMES.length);
    this.strategyResults = new Float64Array(STRATEGY_NAMES.length * OPEN_RESULT_COUNT);
    this.peaks = new Float64Array(4);
    this.repliesWritten = 0;
    this.repliesRateLimited = 0;
    this.strategy = 0;
    this.input = new Uint8Array(INPUT_BYTES_MAX);
    this.inputLength = 0;
    this.pristine = new Uint8Array(INPUT_BYTES_MAX);
    this.pool = [];
    for (let i = 0; i < POOL_SIZE; i++) this.pool.push(new Uint8Array(DATAGRAM_SIZE_MAX));
    this.poolLength = new Int32Array(POOL_SIZE);
    this.poolCount = 0;
    this.poolNext = 0;
    this.lastPoolPick = 0;
    this.iterator = new MessageIterator();
    this.views = new MessageViews();
    this.chunk = new DataChunkView();
    this.unknownView = new UnknownPathSecretView();
    this.entry = new NotifyEntryView();
    this.scratch = new Uint8Array(64);
    this.reply = new Uint8Array(UNKNOWN_PATH_SECRET_SIZE);
    this.pendingTransferLo = new Uint32Array(PENDING_CHALLENGES);
    this.pendingSequence = new Float64Array(PENDING_CHALLENGES);
    this.pendingNonce = new Uint8Array(PENDING_CHALLENGES * 16);
    this.pendingCount = 0;
    this.pendingNext = 0;
    this.nextSequence = new Float64Array(SENDER_WORKERS.length);
    // Fresh sequences stop at this bound (then only old ones are sent), so the admitted-sequence
    // bitmaps are allocated once: at most 4 new notifies per valid case on average is far more
    // than the strategy mix produces.
    this.sequenceLimit = Math.max(1024, cases * 4);
    this.admittedBits = SENDER_WORKERS.map(() => new Uint8Array(Math.ceil(this.sequenceLimit / 8)));
    this.challengeView = new TransferChallengeView();
    this.probe = new ProbeView();
    this.accept = new TransferAcceptView();
    this.pull = new PullRequestView();
    this.ack = new RangeAckView();
    this.cancel = new CancelPullView();
    this.reset = new FlowResetView();
    this.streamClose = new StreamCloseView();
    this.streamCloseAck = new StreamCloseAckView();
    this.retire = new RetireControlKeyView();
    this.retireData = new RetireDataKeyView();
    this.blob = new Uint8Array(4096);
    this.nowUs = 1_000_000;
    this.authentic = false;
    this.sourceA = this.input;
    this.sourceALength = 0;
    this.sourceB = this.input;
    this.sourceBLength = 0;
    this.casesRun = 0;
  }

  /** Generates and runs case `index` with its own PRNG seed. */
  runCase(caseSeed: number): void {
    const rng = this.rng;
    rng.reseed(caseSeed);
    this.nowUs += rng.below(400);
    this.authentic = false;
    this.sourceALength = -1;
    this.sourceBLength = -1;
    this.strategy = this.pickStrategy();
    this.strategyCounts[this.strategy] = (this.strategyCounts[this.strategy] as number) + 1;
    this.generate();
    this.pristine.set(this.input.subarray(0, this.inputLength));
    this.process();
    this.casesRun++;
    if ((this.casesRun & 63) === 0 || rng.chance(0.02)) this.admission.expire(this.nowUs);
    this.checkBounds();
  }

  private pickStrategy(): number {
    let total = 0;
    for (const w of STRATEGY_WEIGHTS) total += w;
    let pick = this.rng.below(total);
    for (let i = 0; i < STRATEGY_WEIGHTS.length; i++) {
      pick -= STRATEGY_WEIGHTS[i] as number;
      if (pick < 0) return i;
    }
    return 0;
  }

  /** Derives another PSK path between the vectors' identities, installs the receiver's side, returns the sender's. */
  private installPath(
    provider: CryptoProvider,
    set: SealedDatagramVectorSet,
    epoch: number,
    peerSlot: number,
  ): PskPathSecret {
    const path = { psk: set.psk, epoch, version: set.version };
    const receiverSide = derivePskPathSecret(provider, {
      ...path,
      localIdentity: set.receiverIdentity,
      peerIdentity: set.senderIdentity,
    });
    this.opener.pathSecrets.insert({
      id: receiverSide.id,
      secret: receiverSide.secret,
      peerSlot,
      localDirection: receiverSide.localDirection,
      version: set.version,
      peerResetTag: receiverSide.peerResetTag,
      nowUs: 0,
    });
    return derivePskPathSecret(provider, {
      ...path,
      localIdentity: set.senderIdentity,
      peerIdentity: set.receiverIdentity,
    });
  }

  // -------------------------------------------------------------------------------------------
  // Input generation.
  // -------------------------------------------------------------------------------------------

  private generate(): void {
    const rng = this.rng;
    switch (this.strategy) {
      case Strategy.RandomBytes:
        this.randomBytes();
        return;
      case Strategy.MutateVector: {
        const vectors = this.set.vectors;
        const v = vectors[rng.below(vectors.length)];
        if (v === undefined) return;
        this.loadSource(v.bytes, v.bytes.length);
        this.mutate();
        return;
      }
      case Strategy.MutateFresh:
        if (this.poolCount === 0 || rng.chance(0.2)) this.sealValid(true);
        this.loadSource(this.pool[this.poolPick()] as Uint8Array, this.poolLength[this.lastPoolPick] as number);
        this.mutate();
        return;
      case Strategy.SealedGarbage:
        this.sealGarbage();
        return;
      case Strategy.SealedMutated:
        this.sealMutatedValid();
        return;
      case Strategy.SealedValid:
        this.sealValid(false);
        return;
      case Strategy.Replay:
        if (this.poolCount === 0) this.sealValid(true);
        this.loadSource(this.pool[this.poolPick()] as Uint8Array, this.poolLength[this.lastPoolPick] as number);
        // An exact replay, or a replay that is then tampered with (just a mutation).
        if (rng.chance(0.3)) this.mutate();
        else this.authentic = true;
        return;
      case Strategy.UnknownPathSecret:
        this.unknownPathSecret();
        return;
      default:
        this.dataDatagram();
        return;
    }
  }

  private poolPick(): number {
    this.lastPoolPick = this.rng.below(this.poolCount);
    return this.lastPoolPick;
  }

  private loadSource(bytes: Uint8Array, length: number): void {
    this.authentic = false;
    this.input.set(bytes.subarray(0, length));
    this.inputLength = length;
    this.sourceA = bytes;
    this.sourceALength = length;
  }

  private randomBytes(): void {
    const rng = this.rng;
    const input = this.input;
    const roll = rng.below(10);
    let length: number;
    if (roll === 0) length = rng.below(3);
    else if (roll <= 3) length = rng.below(64);
    else if (roll <= 7) length = rng.below(1500);
    else if (roll === 8) length = rng.below(9001);
    else length = rng.between(8990, INPUT_BYTES_MAX);
    rng.fill(input, 0, length);
    if (length >= 2 && rng.chance(0.6)) {
      input[0] = [0x10, 0x20, 0x30, 0x40][rng.below(4)] as number;
      if (rng.chance(0.8)) input[1] = 1;
    }
    if (length >= 18 && rng.chance(0.4)) input.set(this.set.pathSecretId, 2);
    this.inputLength = length;
  }

  /** Applies 1..3 random mutations to `input[0, inputLength)`. */
  private mutate(): void {
    const rng = this.rng;
    const input = this.input;
    const count = rng.between(1, 3);
    for (let m = 0; m < count; m++) {
      const length = this.inputLength;
      switch (rng.below(8)) {
        case 0:
        case 1: {
          const flips = rng.between(1, 8);
          for (let i = 0; i < flips && length > 0; i++) {
            const at = rng.below(length);
            input[at] = (input[at] as number) ^ (1 << rng.below(8));
          }
          break;
        }
        case 2:
          if (length > 0) input[rng.below(length)] = rng.below(256);
          break;
        case 3:
          this.inputLength = rng.below(length + 1);
          break;
        case 4: {
          const extra = rng.chance(0.1) ? rng.between(1, INPUT_BYTES_MAX - length) : rng.between(1, 64);
          const add = Math.min(extra, INPUT_BYTES_MAX - length);
          rng.fill(input, length, add);
          this.inputLength = length + add;
          break;
        }
        case 5: {
          // Splice: our prefix + the suffix of another datagram.
          const other = this.otherDatagram();
          if (other === null) break;
          const cut = rng.below(length + 1);
          const from = rng.below(this.sourceBLength + 1);
          const take = Math.min(this.sourceBLength - from, INPUT_BYTES_MAX - cut);
          input.set(other.subarray(from, from + take), cut);
          this.inputLength = cut + take;
          break;
        }
        case 6: {
          // Header field swap: worker id / key id / packet number / path secret id from another datagram.
          const other = this.otherDatagram();
          if (other === null || length < CONTROL_HEADER_SIZE || this.sourceBLength < CONTROL_HEADER_SIZE) break;
          const field = rng.below(4);
          const [start, end] = field === 0 ? [18, 20] : field === 1 ? [20, 24] : field === 2 ? [24, 28] : [2, 18];
          input.set(other.subarray(start, end), start);
          break;
        }
        default: {
          // Set a header field to an edge value.
          if (length < CONTROL_HEADER_SIZE) break;
          const at = [18, 20, 24][rng.below(3)] as number;
          const value = [0, 1, 0xffffffff, rng.next32(), 2, 5][rng.below(6)] as number;
          input[at] = value >>> 24;
          input[at + 1] = value >>> 16;
          if (at !== 18) {
            input[at + 2] = value >>> 8;
            input[at + 3] = value;
          }
          break;
        }
      }
    }
  }

  private otherDatagram(): Uint8Array | null {
    const rng = this.rng;
    if (this.poolCount > 0 && rng.chance(0.5)) {
      const i = rng.below(this.poolCount);
      this.sourceB = this.pool[i] as Uint8Array;
      this.sourceBLength = this.poolLength[i] as number;
      return this.sourceB;
    }
    const v = this.set.vectors[rng.below(this.set.vectors.length)];
    if (v === undefined) return null;
    this.sourceB = v.bytes;
    this.sourceBLength = v.bytes.length;
    return this.sourceB;
  }

  private unknownPathSecret(): void {
    const rng = this.rng;
    const genuine = this.set.vectors.find((v) => v.datagram === 'UNKNOWN_PATH_SECRET');
    if (genuine === undefined) return;
    this.loadSource(genuine.bytes, genuine.bytes.length);
    const roll = rng.below(4);
    if (roll === 0) {
      this.authentic = true; // the genuine signal: the peer lost the secret
    } else if (roll === 1) {
      rng.fill(this.input, 18, 16); // forged tag
    } else if (roll === 2) {
      rng.fill(this.input, 2, 16); // unknown id
    } else {
      this.mutate();
    }
  }

  private dataDatagram(): void {
    const rng = this.rng;
    const genuine = this.set.vectors.find((v) => v.datagram === 'DATA');
    if (genuine === undefined) return;
    this.loadSource(genuine.bytes, genuine.bytes.length);
    if (rng.chance(0.3)) {
      this.authentic = true; // DATA is not authenticated: any form is "authentic" for open
      return;
    }
    // Random chunk sequences after a DATA header.
    if (rng.chance(0.5)) {
      const input = this.input;
      input[0] = 0x30;
      input[1] = 1;
      let at = 2;
      const chunks = rng.between(0, 5);
      for (let c = 0; c < chunks && at + 20 < INPUT_BYTES_MAX; c++) {
        rng.fill(input, at, 20);
        const length = rng.chance(0.8) ? rng.between(1, 300) : rng.below(65536);
        input[at + 18] = length >>> 8;
        input[at + 19] = length;
        const fits = Math.min(length, INPUT_BYTES_MAX - at - 20);
        rng.fill(input, at + 20, fits);
        at += 20 + (rng.chance(0.9) ? fits : rng.below(fits + 1));
      }
      this.inputLength = at;
      return;
    }
    this.mutate();
  }

  private sealerPick(): ControlDatagramSealer {
    return this.sealers[this.rng.below(this.sealers.length)] as ControlDatagramSealer;
  }

  /** Seals whatever body `write` produced into `input`; records the datagram in the pool. */
  private sealInto(sealer: ControlDatagramSealer, bodyEnd: number): void {
    const length = sealer.seal(bodyEnd);
    invariant(length > 0, `sealer refused a body (${length})`);
    this.inputLength = length;
    this.authentic = true;
    this.sourceALength = -1;
    const slot = this.poolNext;
    (this.pool[slot] as Uint8Array).set(this.input.subarray(0, length));
    this.poolLength[slot] = length;
    this.poolNext = (slot + 1) % POOL_SIZE;
    if (this.poolCount < POOL_SIZE) this.poolCount++;
  }

  private datagramEnd(): number {
    const rng = this.rng;
    return rng.chance(0.85) ? 1472 : rng.between(47, DATAGRAM_SIZE_MAX);
  }

  private sealGarbage(): void {
    const rng = this.rng;
    const sealer = this.bodySealer;
    const start = sealer.begin(this.input, 0, this.datagramEnd());
    const room = sealer.bodyEnd - start;
    const length = rng.between(3, Math.min(room, rng.chance(0.8) ? 200 : room));
    rng.fill(this.input, start, length);
    if (rng.chance(0.7)) {
      // Plausible framing: a known type and a length that fits more often than not.
      const types = [
        0x00, 0x01, 0x02, 0x03, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x21, 0x04, 0x22, 0x0e,
      ];
      this.input[start] = types[rng.below(types.length)] as number;
      const bodyLength = rng.chance(0.6) ? length - 3 : rng.below(length);
      this.input[start + 1] = bodyLength >>> 8;
      this.input[start + 2] = bodyLength;
      if (this.input[start] === MessageType.TransferNotify && length > 3) this.input[start + 3] = rng.between(0, 3);
    }
    this.sealInto(sealer, start + length);
  }

  private sealMutatedValid(): void {
    const rng = this.rng;
    const secret = rng.chance(0.1);
    const sealer = secret ? this.bodySecretSealer : this.bodySealer;
    const start = sealer.begin(this.input, 0, this.datagramEnd());
    // Mutations may raise a RETIRE_CONTROL_KEY bound: only workers this run never seals with are named.
    let at = secret
      ? this.writeSecretMessages(start, sealer.bodyEnd, false)
      : this.writeMessages(start, sealer.bodyEnd, sealer);
    const input = this.input;
    const flips = rng.between(1, 4);
    for (let i = 0; i < flips; i++) {
      const where = start + rng.below(at - start);
      if (rng.chance(0.7)) input[where] = (input[where] as number) ^ (1 << rng.below(8));
      else input[where] = rng.below(256);
    }
    const resize = rng.below(10);
    if (resize < 2) at = Math.max(start + 3, at - rng.between(1, 20));
    else if (resize < 4) {
      const add = Math.min(rng.between(1, 20), sealer.bodyEnd - at);
      rng.fill(input, at, add);
      at += add;
    }
    this.sealInto(sealer, at);
  }

  private sealValid(forPool: boolean): void {
    const rng = this.rng;
    const secret = !forPool && rng.chance(0.08);
    const sealer = secret ? this.secretSealer : this.sealerPick();
    const start = sealer.begin(this.input, 0, this.datagramEnd());
    const end = secret
      ? this.writeSecretMessages(start, sealer.bodyEnd, true)
      : this.writeMessages(start, sealer.bodyEnd, sealer);
    this.sealInto(sealer, end);
  }

  // -------------------------------------------------------------------------------------------
  // Valid message generation.
  // -------------------------------------------------------------------------------------------

  private writeSecretMessages(start: number, end: number, retireRealWorkers: boolean): number {
    const rng = this.rng;
    let at = start;
    const count = rng.between(1, 3);
    for (let i = 0; i < count; i++) {
      let written: number;
      if (rng.chance(0.5)) {
        // Retire keys of a worker this run never seals with (keeps the real senders usable),
        // or an already passed key id of a real sender.
        const view = this.retire;
        const sender = this.sealers[rng.below(this.sealers.length)] as ControlDatagramSealer;
        if (retireRealWorkers && rng.chance(0.15) && sender.keys.keyId >= 1) {
          // What a real sender does after rotating: retire every key id below the current one.
          view.workerId = sender.keys.workerId;
          view.keyIdBelow = sender.keys.keyId;
        } else {
          // Workers that never send. On the real path only a few (retiring registers the worker,
          // and a full worker table would turn every new worker into WORKER_LIMIT before the
          // AEAD); on the fuzz path many, so its worker table does fill up.
          view.workerId = retireRealWorkers ? rng.between(100, 105) : rng.between(100, 200);
          view.keyIdBelow = rng.between(1, 0xffffffff);
        }
        written = encodeRetireControlKey(this.input, at, end, view);
      } else if (rng.chance(0.8)) {
        const view = this.retireData;
        view.count = rng.between(1, 8);
        for (let k = 0; k < view.count; k++) {
          view.bufferIdHi[k] = rng.next32();
          view.bufferIdLo[k] = rng.next32() | 1;
        }
        written = encodeRetireDataKey(this.input, at, end, view);
      } else {
        written = encodePadding(this.input, at, end, rng.below(40));
      }
      if (written < 0) break;
      at += written;
    }
    if (at === start) at += encodePadding(this.input, at, end, 0);
    return at;
  }

  private writeMessages(start: number, end: number, sealer: ControlDatagramSealer): number {
    const rng = this.rng;
    let at = start;
    const count = rng.between(1, 6);
    const worker = SENDER_WORKERS.indexOf(sealer.keys.workerId as 4 | 5 | 6);
    for (let i = 0; i < count; i++) {
      const written = this.writeMessage(at, end, worker);
      if (written < 0) break;
      at += written;
    }
    if (at === start) at += encodePadding(this.input, at, end, 0);
    return at;
  }

  private id(): number {
    return this.rng.chance(0.5) ? this.rng.between(1, 1000) : this.rng.next32() || 1;
  }

  private writeRanges(offsets: Float64Array, lengths: Float64Array, maxCount: number): number {
    const rng = this.rng;
    const count = rng.between(1, maxCount);
    let offset = rng.chance(0.9) ? rng.below(1 << 20) : rng.below(2 ** 40);
    for (let i = 0; i < count; i++) {
      const length = rng.between(1, rng.chance(0.9) ? 70000 : 0xffffffff);
      offsets[i] = offset;
      lengths[i] = length;
      offset += length + rng.below(5000);
    }
    return count;
  }

  private writeMessage(at: number, end: number, worker: number): number {
    const rng = this.rng;
    const out = this.input;
    switch (rng.below(14)) {
      case 0:
      case 1:
      case 2:
      case 3:
        return this.writeNotify(at, end, worker);
      case 4: {
        const view = this.accept;
        view.senderTransferIdHi = TRANSFER_HI;
        view.senderTransferIdLo = this.id();
        view.status = rng.below(3);
        const rejected = view.status === AcceptStatus.Rejected;
        view.receiverTransferIdHi = rejected && rng.chance(0.5) ? 0 : this.id();
        view.receiverTransferIdLo = this.id();
        view.notifyCredit = rng.next32();
        view.reasonCode = rejected ? rng.between(1, 12) : 0;
        return encodeTransferAccept(out, at, end, view);
      }
      case 5: {
        const view = this.pull;
        view.senderTransferIdHi = TRANSFER_HI;
        view.senderTransferIdLo = this.id();
        view.receiverTransferIdHi = this.id();
        view.receiverTransferIdLo = this.id();
        view.pullId = this.id();
        view.flags = rng.below(2);
        view.desiredRateKiBps = rng.next32();
        view.rangeCount = this.writeRanges(view.rangeOffsets, view.rangeLengths, 32);
        return encodePullRequest(out, at, end, view);
      }
      case 6: {
        const view = this.ack;
        view.senderTransferIdHi = TRANSFER_HI;
        view.senderTransferIdLo = this.id();
        view.flags = rng.below(2);
        view.rangeCount =
          view.flags === 1 && rng.chance(0.3) ? 0 : this.writeRanges(view.rangeOffsets, view.rangeLengths, 32);
        return encodeRangeAck(out, at, end, view);
      }
      case 7: {
        const view = this.cancel;
        view.senderTransferIdHi = TRANSFER_HI;
        view.senderTransferIdLo = this.id();
        view.pullId = rng.chance(0.3) ? 0 : this.id();
        return encodeCancelPull(out, at, end, view);
      }
      case 8:
      case 9: {
        // A challenge response: usually to a challenge the receiver really sent.
        const view = this.challengeView;
        if (this.pendingCount > 0 && rng.chance(0.8)) {
          const p = rng.below(this.pendingCount);
          view.senderTransferIdHi = TRANSFER_HI;
          view.senderTransferIdLo = this.pendingTransferLo[p] as number;
          const sequence = this.pendingSequence[p] as number;
          view.notifySequenceHi = Math.floor(sequence / 4294967296);
          view.notifySequenceLo = sequence >>> 0;
          this.scratch.set(this.pendingNonce.subarray(p * 16, p * 16 + 16));
          if (rng.chance(0.2)) {
            const k = rng.below(16);
            this.scratch[k] = (this.scratch[k] as number) ^ (1 << rng.below(8));
          }
        } else {
          view.senderTransferIdHi = TRANSFER_HI;
          view.senderTransferIdLo = this.id();
          view.notifySequenceHi = rng.chance(0.9) ? 0 : rng.next32();
          view.notifySequenceLo = rng.next32();
          rng.fill(this.scratch, 0, 16);
        }
        view.nonceBytes = this.scratch;
        view.nonceOffset = 0;
        return rng.chance(0.9)
          ? encodeTransferChallengeResponse(out, at, end, view)
          : encodeTransferChallenge(out, at, end, view);
      }
      case 10: {
        const view = this.reset;
        view.senderTransferIdHi = rng.chance(0.9) ? TRANSFER_HI : 0;
        view.senderTransferIdLo =
          this.pendingCount > 0 && rng.chance(0.5)
            ? (this.pendingTransferLo[rng.below(this.pendingCount)] as number)
            : this.id();
        view.receiverTransferIdHi = rng.chance(0.7) ? 0 : this.id();
        view.receiverTransferIdLo = view.receiverTransferIdHi === 0 ? 0 : this.id();
        view.statusCode = rng.between(1, 12);
        return encodeFlowReset(out, at, end, view);
      }
      case 11: {
        const view = this.probe;
        view.probeId = rng.next32();
        view.timestampUs = rng.next32();
        return rng.chance(0.5) ? encodeProbe(out, at, end, view) : encodeProbeResponse(out, at, end, view);
      }
      case 12: {
        if (rng.chance(0.5)) {
          const view = this.streamClose;
          view.streamIdHi = this.id();
          view.streamIdLo = this.id();
          view.flags = rng.below(2);
          view.statusCode = rng.below(13);
          view.finalItemCount = rng.below(2 ** 40);
          return encodeStreamClose(out, at, end, view);
        }
        const view = this.streamCloseAck;
        view.streamIdHi = this.id();
        view.streamIdLo = this.id();
        view.flags = rng.below(2);
        return encodeStreamCloseAck(out, at, end, view);
      }
      default:
        return encodePadding(out, at, end, rng.below(rng.chance(0.9) ? 32 : 2000));
    }
  }

  /** The next notify sequence of a sender worker: mostly new, sometimes old or repeated. */
  private sequenceFor(worker: number): number {
    const rng = this.rng;
    const next = this.nextSequence[worker] as number;
    const roll = rng.below(100);
    if (next < this.sequenceLimit && (roll < 80 || next === 0)) {
      this.nextSequence[worker] = next + 1;
      return next;
    }
    if (roll < 98 && next > 0) return Math.max(0, next - 1 - rng.below(Math.min(next, 300)));
    // Sequences ≥ 2^53 are a protocol violation (INVALID). A valid but huge sequence would move this
    // worker's window past everything it will ever send again; the fuzz-body worker gets those.
    return NOTIFY_SEQUENCE_MAX + 1 + rng.below(1000);
  }

  private writeNotify(at: number, end: number, worker: number): number {
    const rng = this.rng;
    const out = this.input;
    const begun = beginTransferNotify(out, at, end);
    if (begun < 0) return begun;
    const entries = rng.between(1, rng.chance(0.9) ? 4 : 64);
    const entry = this.entry;
    let added = 0;
    for (let i = 0; i < entries; i++) {
      entry.clear();
      const sequence = this.sequenceFor(worker < 0 ? 0 : worker);
      const hi = Math.floor(sequence / 4294967296);
      entry.notifySequenceHi = hi;
      entry.notifySequenceLo = sequence - hi * 4294967296;
      entry.senderTransferIdHi = TRANSFER_HI;
      entry.senderTransferIdLo = (sequence % 0xfffffff) + 1;
      entry.kind = rng.between(1, 5);
      entry.priority = rng.below(8);
      let flags = rng.chance(0.2) ? NotifyFlag.Retry : 0;
      const streamRequired =
        entry.kind === TransferKind.StreamRequestItem || entry.kind === TransferKind.StreamResponseItem;
      const streamAllowed = streamRequired || entry.kind === TransferKind.Response;
      const hasStream = streamRequired || (streamAllowed && rng.chance(0.3));
      const replyRequired = entry.kind === TransferKind.Response;
      const replyAllowed =
        replyRequired || entry.kind === TransferKind.StreamResponseItem || entry.kind === TransferKind.Bulk;
      if (hasStream) {
        flags |= NotifyFlag.HasStream;
        entry.streamIdHi = this.id();
        entry.streamIdLo = this.id();
        entry.streamItemIndex = rng.below(2 ** 40);
        if (rng.chance(0.2)) flags |= NotifyFlag.EndOfStream;
      }
      if (replyRequired || (replyAllowed && rng.chance(0.4))) {
        flags |= NotifyFlag.HasReplyTo;
        entry.replyToTransferIdHi = this.id();
        entry.replyToTransferIdLo = this.id();
      }
      if (rng.chance(0.3)) {
        flags |= NotifyFlag.HasMetadata;
        entry.metadata = rng.next32();
      }
      if (rng.chance(0.2)) {
        flags |= NotifyFlag.HasHeader;
        entry.headerLength = rng.chance(0.95) ? rng.below(64) : rng.below(4097);
        rng.fill(this.blob, 0, Math.min(entry.headerLength, this.blob.length));
        entry.headerBytes = this.blob;
        entry.headerOffset = 0;
        if (entry.headerLength > this.blob.length) entry.headerLength = this.blob.length;
      }
      if (rng.chance(0.7)) {
        flags |= NotifyFlag.Inline;
        entry.payloadSize = rng.chance(0.95) ? rng.below(128) : rng.below(1025);
        rng.fill(this.blob, 0, entry.payloadSize);
        entry.inlineBytes = this.blob;
        entry.inlineOffset = 0;
      } else {
        if (rng.chance(0.3)) flags |= NotifyFlag.AuthOnly;
        entry.payloadSize = rng.between(1, rng.chance(0.9) ? 1 << 24 : 2 ** 40);
        entry.bufferIdHi = this.id();
        entry.bufferIdLo = this.id();
        entry.recordSizeLog2 = rng.between(10, 20);
        entry.dataKeyBytes = this.blob;
        entry.dataKeyOffset = 0;
        entry.dataIvBytes = this.blob;
        entry.dataIvOffset = 32;
      }
      entry.flags = flags;
      const written = appendNotifyEntry(out, at, end, entry);
      if (written === ENCODE_FULL || written < 0) break;
      added += written;
    }
    if (added === 0) return -1; // an empty NOTIFY is invalid: drop the 4 bytes
    return begun + added;
  }

  // -------------------------------------------------------------------------------------------
  // Processing and invariants.
  // -------------------------------------------------------------------------------------------

  private process(): void {
    const opener = this.opener;
    const length = this.inputLength;
    const result = opener.open(this.input, 0, length, this.nowUs);
    invariant(Number.isInteger(result) && result >= 0 && result < OPEN_RESULT_COUNT, `open returned ${result}`);
    const cell = this.strategy * OPEN_RESULT_COUNT + result;
    this.strategyResults[cell] = (this.strategyResults[cell] as number) + 1;
    // A datagram is only opened in place when it authenticated; everything else leaves the bytes.
    if (result !== OpenResult.Ok && result !== OpenResult.BodyInvalid) {
      invariant(bytesEqual(this.input, length, this.pristine, length), `${openResultName(result)} modified its input`);
    }
    // Forgery: only byte-exact copies of datagrams the real sender sealed may authenticate.
    const exact =
      this.authentic ||
      (this.sourceALength >= 0 && bytesEqual(this.pristine, length, this.sourceA, this.sourceALength)) ||
      (this.sourceBLength >= 0 && bytesEqual(this.pristine, length, this.sourceB, this.sourceBLength));
    if (result === OpenResult.Ok || result === OpenResult.BodyInvalid || result === OpenResult.PeerLostPathSecret) {
      invariant(exact || this.isPoolCopy(length), `a modified datagram was accepted as ${openResultName(result)}`);
    }
    switch (result) {
      case OpenResult.Ok:
        this.dispatch();
        return;
      case OpenResult.UnknownPathSecret: {
        const written = opener.writeUnknownPathSecretReply(this.reply, 0, this.reply.length, this.nowUs);
        if (written === REPLY_RATE_LIMITED) {
          this.repliesRateLimited++;
          return;
        }
        invariant(written === UNKNOWN_PATH_SECRET_SIZE, `UNKNOWN_PATH_SECRET reply returned ${written}`);
        invariant(
          decodeUnknownPathSecret(this.reply, 0, written, this.unknownView) === DecodeReason.Ok,
          'UNKNOWN_PATH_SECRET reply does not decode',
        );
        invariant(
          opener.writeUnknownPathSecretReply(this.reply, 0, this.reply.length, this.nowUs) === REPLY_NONE,
          'a second reply to one datagram',
        );
        this.repliesWritten++;
        return;
      }
      case OpenResult.Data: {
        const o = opener.opened;
        const end = o.bodyOffset + o.bodyLength;
        let chunks = 0;
        for (let at = o.bodyOffset; at < end; ) {
          const size = decodeDataChunk(this.input, at, end, this.chunk);
          invariant(size > 0, `a DATA datagram accepted by open has a chunk that fails (${reasonName(-size)})`);
          at += size;
          chunks++;
        }
        invariant(chunks === o.chunkCount, 'DATA chunk count mismatch');
        return;
      }
      default:
        return;
    }
  }

  /** Whether the input is a byte-exact copy of a pooled datagram (e.g. a splice that rebuilt one). */
  private isPoolCopy(length: number): boolean {
    for (let i = 0; i < this.poolCount; i++) {
      if (bytesEqual(this.pristine, length, this.pool[i] as Uint8Array, this.poolLength[i] as number)) return true;
    }
    for (const v of this.set.vectors) if (bytesEqual(this.pristine, length, v.bytes, v.bytes.length)) return true;
    return false;
  }

  /** Walks an authenticated, validated body as the engine would. */
  private dispatch(): void {
    const o = this.opener.opened;
    const it = this.iterator;
    const views = this.views;
    const admission = this.admission;
    invariant(it.reset(o.bytes, o.bodyOffset, o.bodyLength, o.kind) === DecodeReason.Ok, 'validated body empty');
    while (it.hasNext()) {
      const framing = it.next();
      invariant(framing === DecodeReason.Ok, `validated body fails framing: ${reasonName(framing)}`);
      const type = it.type;
      if (type === MessageType.TransferNotify) {
        admission.admitNotify(o, it.bodyOffset, it.bodyLength, this.nowUs);
        invariant(admission.count > 0, 'validated TRANSFER_NOTIFY did not decode in admission');
        this.afterAdmission();
        continue;
      }
      const reason = decodeMessageBody(type, o.bytes, it.bodyOffset, it.bodyLength, views);
      invariant(reason === DecodeReason.Ok, `validated message fails to decode: ${reasonName(reason)}`);
      if (type === MessageType.TransferChallengeResponse) {
        const result = admission.handleChallengeResponse(o, views.transferChallenge);
        if (result === AdmissionResult.Released) {
          const released = admission.released;
          invariant(released.senderTransferIdHi === TRANSFER_HI, 'released entry is not the held one');
        }
      } else if (type === MessageType.FlowReset) {
        admission.handleFlowReset(o.peerSlot, views.flowReset);
      }
    }
  }

  private afterAdmission(): void {
    const admission = this.admission;
    const worker = SENDER_WORKERS.indexOf(this.opener.opened.senderWorkerId as 4 | 5 | 6);
    for (let i = 0; i < admission.count; i++) {
      const result = admission.results[i] as number;
      const entry = admission.notify.entries[i] as NotifyEntryView;
      if (result === AdmissionResult.Admit && worker >= 0) {
        const sequence = entry.notifySequenceHi * 4294967296 + entry.notifySequenceLo;
        if (sequence < this.sequenceLimit) {
          const bits = this.admittedBits[worker] as Uint8Array;
          const byte = Math.floor(sequence / 8);
          const mask = 1 << (sequence & 7);
          invariant(
            ((bits[byte] as number) & mask) === 0,
            `notify sequence ${sequence} passed the replay window twice`,
          );
          bits[byte] = (bits[byte] as number) | mask;
        }
      } else if (result === AdmissionResult.Challenged) {
        const slot = admission.heldSlots[i] as number;
        const written = admission.encodeChallenge(slot, this.scratch, 0, 64);
        invariant(written === 35, `TRANSFER_CHALLENGE encoding returned ${written}`);
        const view = this.challengeView;
        invariant(decodeTransferChallenge(this.scratch, 3, 32, view) === DecodeReason.Ok, 'challenge does not decode');
        // The sender learns of the challenge (sometimes the network loses it).
        if (this.rng.chance(0.7)) {
          const p = this.pendingNext;
          this.pendingTransferLo[p] = view.senderTransferIdLo;
          this.pendingSequence[p] = view.notifySequenceHi * 4294967296 + view.notifySequenceLo;
          this.pendingNonce.set(this.scratch.subarray(19, 35), p * 16);
          this.pendingNext = (p + 1) % PENDING_CHALLENGES;
          if (this.pendingCount < PENDING_CHALLENGES) this.pendingCount++;
        }
      }
    }
  }

  private checkBounds(): void {
    const admission = this.admission;
    const held = admission.heldCount;
    invariant(held <= admission.heldCapacity, 'held notifies above capacity');
    invariant(admission.challenges.size === held, 'open challenges and held notifies disagree');
    invariant(admission.heldBlocksInUse <= admission.heldBlockCount, 'held arena overflow');
    invariant(admission.heldBlocksInUse >= held, 'held notifies without arena blocks');
    invariant(this.opener.pathSecrets.size === 3, 'path-secret map changed size');
    invariant(this.opener.keyedEntries <= this.opener.pathSecrets.capacity, 'keys held for more entries than the map');
    const peaks = this.peaks;
    if (held > (peaks[0] as number)) peaks[0] = held;
    if (admission.heldBlocksInUse > (peaks[1] as number)) peaks[1] = admission.heldBlocksInUse;
    const replay = this.opener.pathSecrets.replayWindows.inUse;
    if (replay > (peaks[2] as number)) peaks[2] = replay;
    let sum = 0;
    for (const c of this.opener.counters) sum += c;
    invariant(sum === this.casesRun, 'open counters do not add up to the cases');
  }
}

function tally(names: (index: number) => string, counters: Float64Array): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < counters.length; i++) {
    const value = counters[i] as number;
    if (value > 0) out[names(i)] = value;
  }
  return out;
}

function byStrategy(cells: Float64Array): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (let s = 0; s < STRATEGY_NAMES.length; s++) {
    out[STRATEGY_NAMES[s] as string] = tally(
      openResultName,
      cells.subarray(s * OPEN_RESULT_COUNT, (s + 1) * OPEN_RESULT_COUNT),
    );
  }
  return out;
}

/**
 * Runs `cases` fuzz cases against a fresh receiver. Never throws for a failing case: the first
 * exception or violated invariant stops the run and is reported (`ok: false`) with the case index,
 * its seed and its input. Throws only for invalid options.
 */
export function runWireFuzz(options: WireFuzzOptions): WireFuzzReport {
  const { provider, cases, seed } = options;
  if (!(Number.isSafeInteger(cases) && cases >= 1))
    throw new RangeError(`cases must be a positive integer, got ${cases}`);
  if (!(Number.isSafeInteger(seed) && seed >= 0))
    throw new RangeError(`seed must be a safe non-negative integer, got ${seed}`);
  const clock = options.clockMs;
  const heap = options.heapUsedBytes;
  const progressEvery = options.progressEvery ?? Math.max(1, Math.floor(cases / 20));
  const heapBeforeBytes = heap === undefined ? -1 : heap();
  const startMs = clock === undefined ? 0 : clock();
  const fuzzer = new WireFuzzer(provider, cases);
  let failure: WireFuzzFailure | null = null;
  let slowestCaseIndex = -1;
  let slowestCaseMs = 0;
  let slowestStrategy = '';
  let index = 0;
  let caseSeed = 0;
  let heapWarmBytes = -1;
  const warmupCases = Math.min(cases, Math.max(1000, Math.floor(cases / 10)));
  try {
    for (; index < cases; index++) {
      if (index === warmupCases && heap !== undefined) heapWarmBytes = heap();
      caseSeed = caseSeedOf(seed, index);
      const before = clock === undefined ? 0 : clock();
      fuzzer.runCase(caseSeed);
      if (clock !== undefined) {
        const took = clock() - before;
        if (took > slowestCaseMs) {
          slowestCaseMs = took;
          slowestCaseIndex = index;
          slowestStrategy = STRATEGY_NAMES[fuzzer.strategy] ?? '';
        }
      }
      if (options.onProgress !== undefined && (index + 1) % progressEvery === 0) {
        options.onProgress({ done: index + 1, total: cases, elapsedMs: clock === undefined ? 0 : clock() - startMs });
      }
    }
  } catch (error) {
    failure = {
      index,
      caseSeed,
      strategy: STRATEGY_NAMES[fuzzer.strategy] ?? '',
      message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      inputHex: hexOf(fuzzer.pristine, fuzzer.inputLength),
    };
  }
  const elapsedMs = clock === undefined ? 0 : clock() - startMs;
  const heapAfterBytes = heap === undefined ? -1 : heap();
  if (heapWarmBytes < 0) heapWarmBytes = heapAfterBytes;
  const admission = fuzzer.admission;
  return {
    ok: failure === null,
    seed,
    cases: failure === null ? cases : index,
    failure,
    openResults: tally(openResultName, fuzzer.opener.counters),
    decodeReasons: tally(reasonName, fuzzer.opener.decodeReasonCounters.subarray(0, DECODE_REASON_COUNT)),
    admission: tally(admissionResultName, admission.counters.subarray(0, ADMISSION_RESULT_COUNT)),
    strategies: tally((i) => STRATEGY_NAMES[i] ?? `strategy ${i}`, fuzzer.strategyCounts),
    openResultsByStrategy: byStrategy(fuzzer.strategyResults),
    replies: { written: fuzzer.repliesWritten, rateLimited: fuzzer.repliesRateLimited },
    slowestCaseIndex,
    slowestCaseMs,
    slowestStrategy,
    elapsedMs,
    heapBeforeBytes,
    heapWarmBytes,
    heapAfterBytes,
    bounds: {
      heldNotifies: { peak: fuzzer.peaks[0] as number, max: admission.heldCapacity },
      heldArenaBlocks: { peak: fuzzer.peaks[1] as number, max: admission.heldBlockCount },
      replayWindows: { peak: fuzzer.peaks[2] as number, max: fuzzer.opener.pathSecrets.replayWindows.capacity },
    },
  };
}
