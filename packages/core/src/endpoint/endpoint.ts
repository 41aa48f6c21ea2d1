/**
 * The sans-IO endpoint of @dcq/core: one NIC worker's protocol engine. It owns the transfer table
 * (sender transfers, receiver transfers, time-wait records), the peer table, the timing wheel, the
 * receiver's pull scheduler, notify admission (replay window + challenges) and the event queue,
 * and runs the sender- and receiver-transfer machines of spec/state-machines.md over the secure
 * datagram layer (secure-datagram.ts) and the wire codec.
 *
 * spec: state-machines.md#sender-transfer, state-machines.md#receiver-transfer
 */
import { assert } from '../assert.js';
import { BackoffPolicy } from '../backoff.js';
import { CAUSALITY_TOKEN_NONE, CausalityMap, CausalityOutcome, CausalityState } from '../causality-map.js';
import { ControlKeySender } from '../crypto/control-keys.js';
import { PathKeySchedule } from '../crypto/key-schedule.js';
import {
  DATA_KEY_MATERIAL_BYTES,
  generateDataKeyMaterial,
  PayloadKey,
  PayloadRecordCipher,
  sealedSize,
} from '../crypto/payload-records.js';
import type { DatagramEndpoint, TransmitInfo } from '../endpoint-io.js';
import { BackpressureError, InvalidArgumentError, StaleHandleError } from '../errors.js';
import { IntrusiveLists, LIST_NONE } from '../intrusive-lists.js';
import { AdmissionResult, NotifyAdmission } from '../notify-admission.js';
import { Pacer } from '../pacer.js';
import { derivePskPathSecret } from '../path-secret-map.js';
import { PEER_HEALTH_TIME_NONE, PeerHealthTable, PeerState, TRANSITION_NONE } from '../peer-health.js';
import { FRAGMENT_LIMIT } from '../range-set.js';
import { ControlDatagramSealer, DatagramOpener, OpenResult, SEAL_NO_ROOM } from '../secure-datagram.js';
import { TIMER_NONE, TimingWheel } from '../timing-wheel.js';
import { copyBytes, EMPTY_BYTES, readU16 } from '../wire/bytes.js';
import {
  ACK_RANGES_MAX,
  AcceptStatus,
  CONTROL_OVERHEAD,
  DATA_CHUNK_HEADER_SIZE,
  DATA_HEADER_SIZE,
  DatagramKind,
  ENCODE_FULL,
  ENCODE_NO_ROOM,
  MESSAGE_HEADER_SIZE,
  MessageType,
  NOTIFY_PRIORITY_MAX,
  NotifyFlag,
  PULL_RANGES_MAX,
  PullFlag,
  RangeAckFlag,
  STATUS_CODE_MAX,
  StatusCode,
  StreamFlag,
  TransferKind,
  UNKNOWN_PATH_SECRET_SIZE,
  UNSCHEDULED_PULL_ID,
  WIRE_VERSION,
} from '../wire/constants.js';
import { decodeMessageBody, MessageViews } from '../wire/control-body.js';
import {
  DataChunkView,
  decodeDataChunk,
  encodeDataChunkHeader,
  encodeDataDatagramHeader,
} from '../wire/data-chunks.js';
import { DecodeReason } from '../wire/decode-result.js';
import { MessageIterator } from '../wire/message-iterator.js';
import { encodeProbe, encodeProbeResponse, ProbeView } from '../wire/probe-messages.js';
import {
  CancelPullView,
  encodeCancelPull,
  encodePullRequest,
  encodeRangeAck,
  PullRequestView,
  RangeAckView,
} from '../wire/pull-messages.js';
import { encodeStreamCloseAck, StreamCloseAckView } from '../wire/stream-messages.js';
import {
  encodeFlowReset,
  encodeTransferAccept,
  encodeTransferChallengeResponse,
  FlowResetView,
  TransferAcceptView,
  TransferChallengeView,
} from '../wire/transfer-messages.js';
import {
  appendNotifyEntry,
  beginTransferNotify,
  NotifyEntryView,
  notifyEntrySize,
  notifyEntrySizeFor,
  TRANSFER_NOTIFY_OVERHEAD,
} from '../wire/transfer-notify.js';
import { BlockCause, SubmitPressure } from './backpressure.js';
import { BUFFER_NONE } from './buffer-registry.js';
import { type EndpointConfig, type EndpointOptions, resolveEndpointConfig } from './config.js';
import { SenderCongestion } from './congestion-glue.js';
import { ARENA_FULL, EventKind, EventQueue, type EventView } from './events.js';
import { FlowDecision, HeldFlows, HeldMark } from './flow-acceptor.js';
import { isTransientStatus, peerResetPolicyFlags, retryAfterPeerReset, senderNeverDelivered } from './peer-reset.js';
import { PeerTable, REPLY_NONCE_BYTES, ReplyKind } from './peer-table.js';
import { PullQueue } from './pull-queue.js';
import { STREAM_TABLE_FULL, StreamEngine } from './streams.js';
import { TimerKind } from './timer-kinds.js';
import { type EndpointTracer, TraceError, TraceKind, TraceState } from './trace.js';
import {
  NONE,
  Pending,
  ReceiverState,
  Role,
  SEND_RANGES_MAX,
  SenderState,
  TransferFlag,
  TransferTable,
} from './transfer-table.js';

/** Negative results of the `submit…` / `respond` commands (a handle is ≥ 0). */
export const SubmitError = {
  /** The transfer table is full: retry after transfers finish (backpressure). */
  WouldBlock: -1,
  /**
   * The peer index has no path secret (call addPeer first). A RESETTING peer takes unary requests
   * and BULK transfers (they wait for its new secret); streams and responses need a live one.
   */
  UnknownPeer: -2,
  /** The payload exceeds `payloadBytesMax`, or the header does not fit one datagram. */
  TooLarge: -3,
  /** The buffer registry is full: retry after buffers are released (backpressure). */
  BufferFull: -4,
  /** The handle names no transfer that can take this command (stale, wrong kind, answered twice). */
  BadHandle: -5,
  /** Peer health declared the peer FAILED moments ago: submissions fail fast (`failedHoldUs`). */
  PeerUnreachable: -6,
} as const;

/**
 * Statuses of FAILED events that never travel on the wire (state-machines.md#conventions): they
 * sit above the wire's status codes (0 … 12).
 */
export const LocalStatus = {
  /** Peer health declared the peer FAILED (its probes went unanswered). */
  PeerUnreachable: 256,
  /** A cascading causality dependency failed while the transfer waited for it: the transfer is failed before anything is sent. */
  DependencyFailed: 257,
} as const;

/** Timer kinds (timer-kinds.ts: one armed timer per transfer slot, peer and stream). */
const Timer = TimerKind;

/** Counters exported by {@link Endpoint.counters} (index = position). */
export const ENDPOINT_COUNTER_NAMES = [
  'datagramsReceived',
  'datagramsRejected',
  'controlDatagramsSent',
  'dataDatagramsSent',
  'notifyEntriesSent',
  'notifyRetransmits',
  'pullsSent',
  'pullRetransmits',
  'chunksReceived',
  'chunksDropped',
  'chunkBytesReceived',
  'chunkBytesDuplicate',
  'recordsFailed',
  'deliveriesRefused',
  'tailProbes',
  'sendRangesDropped',
  'notifiesRejected',
  'payloadBytesSent',
  'wireBytesSent',
  'eventsIgnored',
  'acceptsQueued',
  'creditStalls',
  'pacingStalls',
  'probesSent',
  'peersFailed',
  'peersReset',
  'attemptsRetried',
  'peerResetRetries',
  'peerResetFailures',
  'flowResetRetries',
  'verdictsSuppressed',
  'unscheduledSent',
  'unscheduledTaken',
] as const;

const C = {
  datagramsReceived: 0,
  datagramsRejected: 1,
  controlDatagramsSent: 2,
  dataDatagramsSent: 3,
  notifyEntriesSent: 4,
  notifyRetransmits: 5,
  pullsSent: 6,
  pullRetransmits: 7,
  chunksReceived: 8,
  chunksDropped: 9,
  chunkBytesReceived: 10,
  chunkBytesDuplicate: 11,
  recordsFailed: 12,
  deliveriesRefused: 13,
  tailProbes: 14,
  sendRangesDropped: 15,
  notifiesRejected: 16,
  payloadBytesSent: 17,
  wireBytesSent: 18,
  eventsIgnored: 19,
  acceptsQueued: 20,
  creditStalls: 21,
  pacingStalls: 22,
  probesSent: 23,
  peersFailed: 24,
  peersReset: 25,
  attemptsRetried: 26,
  peerResetRetries: 27,
  peerResetFailures: 28,
  flowResetRetries: 29,
  verdictsSuppressed: 30,
  unscheduledSent: 31,
  unscheduledTaken: 32,
} as const;

/** PSK material of a peer for {@link Endpoint.addPeer}. */
export interface PeerPsk {
  /** The pre-shared secret (≥ 16 bytes). */
  readonly psk: Uint8Array;
  /** This host's identity. */
  readonly localIdentity: Uint8Array;
  /** The peer's identity. */
  readonly peerIdentity: Uint8Array;
  /** Session epoch both sides agreed on (default 0). */
  readonly epoch?: number;
}

/** Per-transfer options of the `submit…` commands. */
export interface SubmitOptions {
  /** 0 (highest) … 7 (default 3). */
  readonly priority?: number;
  /** Application metadata (u32), e.g. a method id. */
  readonly metadata?: number;
  /** Application header (≤ what fits one datagram with the notify entry); copied. */
  readonly header?: Uint8Array;
  /**
   * Causality (opt-in): give the transfer a token others may depend on (`tokenOf(handle)`).
   * Implied by `dependsOn`. Each copy of a broadcast gets its own token and waits for `dependsOn`.
   */
  readonly causal?: boolean;
  /** Tokens of live transfers this one waits for (CausalityMap tokens; see `dependencyKinds`). */
  readonly dependsOn?: ArrayLike<number>;
  /** One DependencyKind for all dependencies or one per dependency (default ResponseReceivedCascade). */
  readonly dependencyKinds?: ArrayLike<number> | number;
  /**
   * Attempts at most (default 1 = no retries; 16 for a response, whose requester waits for it). A
   * notify answered ACCEPT REJECTED(OVERLOADED or LIMIT_EXCEEDED), or a terminal
   * FLOW_RESET(OVERLOADED or LIMIT_EXCEEDED) from the receiver before the transfer was delivered, is
   * re-attempted under the same transfer id after timeout(attempt) while attempts are left; so is a
   * transfer frozen by a peer reset (see `retryOnPeerReset`). Other statuses fail at once with that
   * status. A response that fails for good fails its request at the requester too (FLOW_RESET
   * naming the request).
   */
  readonly attemptsMax?: number;
  /**
   * What happens to this transfer when its peer loses our path secret (a restart: PEER_RESET event)
   * and the application installs a new one with `addPeer` within `peerResetHoldUs`. With attempts
   * left (`attemptsMax` ≥ 2; the new attempt counts as one):
   * - `undefined` (default): re-attempted under the new secret only if the peer's application
   *   provably never received it — not yet notified, or buffer-backed and not every byte sent yet;
   *   an inline payload already notified, a buffer whose every byte was sent, or a request already
   *   delivered fails PEER_RESET (it may have been delivered — at-most-once delivery);
   * - `true`: the application declares the transfer idempotent: re-attempted whatever its progress,
   *   even a request that may already have executed (except a buffer-backed request already
   *   delivered, whose buffer is released: it fails PEER_RESET);
   * - `false`: never re-attempted; fails PEER_RESET.
   * Responses are never re-attempted (their request died with the peer's state).
   */
  readonly retryOnPeerReset?: boolean;
  /**
   * Absolute deadline in the engine's clock (µs, as passed to handleTimeout): when it passes in any
   * non-terminal state the transfer FAILS with TIMEOUT (FLOW_RESET to the peer if anything was sent,
   * so the receiver releases it too). Default none. Every copy of a broadcast has it.
   */
  readonly deadlineUs?: number;
}

/** Options of {@link Endpoint.submitStreamItem}. */
export interface StreamItemOptions extends SubmitOptions {
  /**
   * The last item of our direction (END_OF_STREAM): our direction ends with it (STREAM_CLOSE(OK, n)
   * follows, as with closeStream(stream, OK)).
   */
  readonly endOfStream?: boolean;
}

/**
 * Attempts of a stream item when `attemptsMax` is not given: an item the receiver refuses for its
 * stream's queue limits (ACCEPT REJECTED LIMIT_EXCEEDED) is retried after timeout(attempt).
 */
export const STREAM_ITEM_ATTEMPTS_DEFAULT = 255;

const TWO_POW_32 = 2 ** 32;
/** Notifies remembered per peer for fast retransmit (a ring; the oldest are forgotten). */
const SENT_NOTIFIES_PER_PEER = 256;
/** UNKNOWN_PATH_SECRET replies waiting for pollTransmit. */
const RESET_REPLIES_MAX = 16;
const PRIORITY_DEFAULT = 3;
/** Attempts of a RESPONSE when `attemptsMax` is not given (see submit). */
const RESPONSE_ATTEMPTS_DEFAULT = 16;
/** Transfer priority levels (0 highest … NOTIFY_PRIORITY_MAX). */
const PRIORITY_LEVELS = NOTIFY_PRIORITY_MAX + 1;
/** Network class of CONTROL datagrams (and UNKNOWN_PATH_SECRET replies): the highest. */
const CONTROL_CLASS = 0;
/**
 * Network class of a DATA datagram by the priority of its first chunk's transfer: below every
 * control datagram, in the transfer's priority order (6 and 7 share the lowest class).
 * spec: congestion.md#network-priority
 */
const DATA_CLASS_OF_PRIORITY: readonly number[] = [1, 2, 3, 4, 5, 6, 7, 7];

/**
 * One worker's sans-IO protocol engine (quinn-proto style, STYLE.md).
 *
 * **Polling order** (the driver's loop; see endpoint-io.ts):
 * 1. `handleDatagram(now, …)` for every received datagram;
 * 2. `handleTimeout(now)` when `now ≥ pollTimeoutUs()`;
 * 3. application commands (`submitRequest`, `submitBulk`, `respond`) at any time between calls;
 * 4. `pollTransmit(now, out, off, info)` until it returns 0 — each call writes at most one
 *    datagram; peers are served round-robin, at most `transmitsPerPeerRoundMax` datagrams per peer
 *    per round; control datagrams (replies, verdicts, pulls, notifies) go before DATA;
 * 5. `pollEvent(view)` until it returns false (events are also produced by steps 1–2);
 * 6. sleep until `pollTimeoutUs()`, a datagram, or new application work.
 *
 * Time is always passed in (µs); output buffers belong to the caller; no input from the network
 * ever throws out of the engine.
 */
export class Endpoint implements DatagramEndpoint {
  /** The resolved configuration. */
  readonly config: EndpointConfig;
  /** The transfer table (read-only use outside the engine). */
  readonly transfers: TransferTable;
  /** The peer table (read-only use outside the engine). */
  readonly peers: PeerTable;
  /** Counters by {@link ENDPOINT_COUNTER_NAMES}. */
  readonly counters: Float64Array;
  /** The datagram opener (owns the path-secret map). */
  readonly opener: DatagramOpener;
  /** Notify admission (replay window, challenges). */
  readonly admission: NotifyAdmission;
  /** Pending events. */
  readonly events: EventQueue;
  /** Peer health (state-machines.md#peer-health). */
  readonly health: PeerHealthTable;
  /** The causality map transfers with `causal` / `dependsOn` use (injected or private). */
  readonly causality: CausalityMap;
  /** Streams (state-machines.md#stream): the stream table and its machine (read-only use outside). */
  readonly streams: StreamEngine;
  private readonly closeAckView: StreamCloseAckView;

  private readonly wheel: TimingWheel;
  private readonly backoff: BackoffPolicy;
  private readonly pullQueue: PullQueue;
  private readonly cipher: PayloadRecordCipher;
  private readonly iterator: MessageIterator;
  private readonly views: MessageViews;
  private readonly entry: NotifyEntryView;
  private readonly acceptView: TransferAcceptView;
  private readonly pullView: PullRequestView;
  private readonly ackView: RangeAckView;
  private readonly resetView: FlowResetView;
  private readonly challengeView: TransferChallengeView;
  private readonly chunk: DataChunkView;
  private readonly missingScratch: Float64Array;
  private readonly keyScratch: Uint8Array;
  private readonly blocked: Int32Array;
  private blockedCount: number;
  private nextPullId: number;
  private pullOutstandingTotal: number;
  private reassemblyInUse: number;
  private nowUs: number;
  private readonly chunkMax: number;
  private readonly cancelView: CancelPullView;
  private readonly workCounted: Uint8Array;
  private receiversLive: number;
  private readonly resetReplies: Uint8Array;
  private readonly resetReplyPeers: Int32Array;
  private resetReplyCount: number;
  private readonly healthDirty: Uint8Array;
  private readonly dirtyPeers: Int32Array;
  private dirtyCount: number;
  private readonly causalToken: Float64Array;
  private readonly depsWaiting: Uint8Array;
  private readonly tokenSlot: Map<number, number>;
  private readonly causalityTokens: Float64Array;
  private readonly causalityOutcomes: Uint8Array;
  private readonly peerTimer: Int32Array;
  private nextProbeId: number;
  private readonly probeView: ProbeView;
  private activeReceivers: number;
  /** Per-peer list of transfers with control messages pending (spec: protocol.md#control-datagram). */
  private readonly ctrlList: IntrusiveLists;
  /** Per-peer list of senders waiting to (re)send a notify; retransmissions at the front. */
  private readonly waitList: IntrusiveLists;
  /**
   * Senders with DATA chunks queued: one FIFO per (peer, priority), list `peer × 8 + priority`;
   * `dataClasses[peer]` has bit `priority` set while that list is non-empty. DATA is served from
   * the highest priority first (spec: congestion.md#network-priority).
   */
  private readonly dataList: IntrusiveLists;
  private readonly dataClasses: Uint8Array;
  /** Network class of the DATA datagram packData wrote last. */
  private dataPriority: number;
  /** One list (0): receivers QUEUED for an active slot, FIFO. */
  private readonly queuedList: IntrusiveLists;
  /**
   * One list (0): accepted receivers whose first pull waits for reassembly memory
   * (`reassemblyBytesMax`), FIFO — off the pull queue, so transfers that already hold their memory
   * keep being pulled (they are the ones that will free it).
   */
  private readonly memoryWaitList: IntrusiveLists;
  private reassemblyPeak: number;
  private readonly pullPacer: Pacer;
  private readonly sendPacers: Pacer[];
  private readonly peerDesiredKiBps: Float64Array;
  private readonly pacedPeers: Int32Array;
  private pacedCount: number;
  private pacingWakeUs: number;
  private readonly desiredRateKiBps: number;
  /** Per transfer slot: the deadline's wheel entry, or NONE. */
  private readonly deadlineTimer: Int32Array;
  // Fast retransmit: per peer, a ring of (slot, generation, notify sequence) in sending order.
  private readonly sentSlot: Int32Array;
  private readonly sentGeneration: Uint32Array;
  private readonly sentSeq: Float64Array;
  private readonly sentHead: Int32Array;
  private readonly sentCount: Int32Array;
  /** Per transfer slot: when it was last fast-retransmitted (at most once per RTT), µs. */
  private readonly fastRetransmitAtUs: Float64Array;
  /** Notifies re-sent by fast retransmit (also counted in notifyRetransmits). */
  notifyFastRetransmits: number;
  /** Per transfer slot: when it last re-sent its verdict (µs) and the id (hi half) it did it for. */
  private readonly verdictResentAtUs: Float64Array;
  private readonly verdictResentHi: Uint32Array;
  /** Per slot index: when a FLOW_RESET(UNKNOWN_TRANSFER) last answered an id with that index, µs. */
  private readonly unknownResetAtUs: Float64Array;
  /** Per-peer congestion control of the DATA this endpoint sends (congestion-glue.ts). */
  readonly congestion: SenderCongestion;
  /** acceptor hook: flows the application's acceptor queued, its view and counters (flow-acceptor.ts). */
  readonly flows: HeldFlows;
  /** backpressure hook: priority throttle, WRITABLE edge, inline switch (backpressure.ts). */
  readonly pressure: SubmitPressure;
  /** Trace subscriber (trace.ts), or null: every trace site is one null check. */
  private tracer: EndpointTracer | null;
  /** Per peer: sender transfers frozen while the peer is RESETTING (peer-reset.ts). */
  private readonly frozenSenders: Int32Array;

  constructor(options: EndpointOptions) {
    const config = resolveEndpointConfig(options);
    this.config = config;
    this.transfers = new TransferTable(config.transfersMax, config.workerId);
    this.peers = new PeerTable(config.peersMax, config.repliesPerPeerMax);
    this.counters = new Float64Array(ENDPOINT_COUNTER_NAMES.length);
    this.opener = new DatagramOpener({
      provider: config.provider,
      pathSecrets: {
        capacity: Math.max(4, config.peersMax * 2),
        peerSlotCapacity: config.peersMax,
        maxSecretsPerPeer: 2,
        minAgeUs: 0,
        graceUs: 5_000_000,
        replayWindowBits: 4096,
        replayWindowCapacity: Math.max(4, config.peersMax * 4),
        replayWindowsPerSecretMax: 4,
      },
      ...(config.statelessResetKey === undefined ? {} : { statelessResetKey: config.statelessResetKey }),
    });
    this.admission = new NotifyAdmission({
      pathSecrets: this.opener.pathSecrets,
      random: config.provider,
      challengeCapacity: config.challengeCapacity,
      challengesPerPeerMax: Math.min(64, config.challengeCapacity),
      rtt: { smoothedRttUs: (peer: number) => this.srttUs(peer) },
      knownTransfers: {
        isKnownTransfer: (peer: number, hi: number, lo: number) => this.transfers.findReceiver(peer, hi, lo) !== NONE,
      },
    });
    // Terminal events are never refused: room for one per transfer slot twice over beyond eventsMax.
    // Stream events: at most STREAM_OPENED, STREAM_ENDED and STREAM_CLOSED per stream record.
    this.events = new EventQueue(
      config.eventsMax + 2 * config.transfersMax + 3 * config.streamsMax,
      config.eventArenaBytes,
    );
    // One phase timer and one deadline per transfer slot, one health timer per peer, stream timers.
    this.wheel = new TimingWheel({
      timerCapacity: 2 * config.transfersMax + config.peersMax + config.streamsMax,
    });
    this.deadlineTimer = new Int32Array(config.transfersMax).fill(NONE);
    this.sentSlot = new Int32Array(config.peersMax * SENT_NOTIFIES_PER_PEER);
    this.sentGeneration = new Uint32Array(config.peersMax * SENT_NOTIFIES_PER_PEER);
    this.sentSeq = new Float64Array(config.peersMax * SENT_NOTIFIES_PER_PEER);
    this.sentHead = new Int32Array(config.peersMax);
    this.sentCount = new Int32Array(config.peersMax);
    this.fastRetransmitAtUs = new Float64Array(config.transfersMax).fill(-1);
    this.notifyFastRetransmits = 0;
    this.frozenSenders = new Int32Array(config.peersMax);
    this.verdictResentAtUs = new Float64Array(config.transfersMax);
    this.verdictResentHi = new Uint32Array(config.transfersMax);
    this.unknownResetAtUs = new Float64Array(config.transfersMax).fill(Number.NEGATIVE_INFINITY);
    this.health = new PeerHealthTable({ capacity: config.peersMax, ...config.peerHealth });
    this.workCounted = new Uint8Array(config.transfersMax);
    this.receiversLive = 0;
    this.resetReplies = new Uint8Array(RESET_REPLIES_MAX * UNKNOWN_PATH_SECRET_SIZE);
    this.resetReplyPeers = new Int32Array(RESET_REPLIES_MAX);
    this.resetReplyCount = 0;
    this.healthDirty = new Uint8Array(config.peersMax);
    this.dirtyPeers = new Int32Array(config.peersMax);
    this.dirtyCount = 0;
    this.causality = config.causality ?? new CausalityMap();
    this.causalToken = new Float64Array(config.transfersMax);
    this.depsWaiting = new Uint8Array(config.transfersMax);
    this.tokenSlot = new Map<number, number>();
    this.causalityTokens = new Float64Array(64);
    this.causalityOutcomes = new Uint8Array(64);
    this.peerTimer = new Int32Array(config.peersMax).fill(NONE);
    this.nextProbeId = 1;
    this.backoff = new BackoffPolicy({
      phaseTimeoutMinUs: config.phaseTimeoutMinUs,
      phaseTimeoutMaxUs: config.phaseTimeoutMaxUs,
    });
    this.pullQueue = new PullQueue({ capacity: config.transfersMax });
    this.cipher = new PayloadRecordCipher({ provider: config.provider });
    this.iterator = new MessageIterator();
    this.views = new MessageViews();
    this.entry = new NotifyEntryView();
    this.acceptView = new TransferAcceptView();
    this.pullView = new PullRequestView();
    this.ackView = new RangeAckView();
    this.resetView = new FlowResetView();
    this.challengeView = new TransferChallengeView();
    this.chunk = new DataChunkView();
    this.missingScratch = new Float64Array(2 * PULL_RANGES_MAX);
    this.keyScratch = new Uint8Array(DATA_KEY_MATERIAL_BYTES);
    this.blocked = new Int32Array(config.transfersMax);
    this.blockedCount = 0;
    this.nextPullId = 1;
    this.pullOutstandingTotal = 0;
    this.reassemblyInUse = 0;
    this.nowUs = 0;
    this.chunkMax = config.datagramSizeMax - DATA_HEADER_SIZE - DATA_CHUNK_HEADER_SIZE;
    this.activeReceivers = 0;
    this.cancelView = new CancelPullView();
    this.probeView = new ProbeView();
    this.ctrlList = new IntrusiveLists(config.transfersMax, config.peersMax);
    this.waitList = new IntrusiveLists(config.transfersMax, config.peersMax);
    this.dataList = new IntrusiveLists(config.transfersMax, config.peersMax * PRIORITY_LEVELS);
    this.dataClasses = new Uint8Array(config.peersMax);
    this.dataPriority = DATA_CLASS_OF_PRIORITY[PRIORITY_DEFAULT] as number;
    this.queuedList = new IntrusiveLists(config.transfersMax, 1);
    this.memoryWaitList = new IntrusiveLists(config.transfersMax, 1);
    this.reassemblyPeak = 0;
    this.pullPacer = new Pacer({ burstBytesMax: config.pullBytes, bytesPerSecond: config.receiveRateBytesPerSecond });
    this.sendPacers = [];
    for (let i = 0; i < config.peersMax; i++) {
      // congestion: a controller-paced sender bursts less (a shallow bottleneck queue would drop a 64 KiB burst)
      const burstBytesMax = config.congestionControl ? 16384 : 65536;
      this.sendPacers.push(new Pacer({ burstBytesMax, bytesPerSecond: config.sendRateBytesPerSecond }));
    }
    this.peerDesiredKiBps = new Float64Array(config.peersMax);
    this.pacedPeers = new Int32Array(config.peersMax);
    this.pacedCount = 0;
    this.pacingWakeUs = Number.POSITIVE_INFINITY;
    this.desiredRateKiBps = Number.isFinite(config.receiveRateBytesPerSecond)
      ? Math.min(0xffffffff, Math.floor(config.receiveRateBytesPerSecond / 1024))
      : 0;
    this.congestion = new SenderCongestion({ config, pacers: this.sendPacers, desiredKiBps: this.peerDesiredKiBps });
    this.tracer = config.tracer;
    this.congestion.setTracer(config.tracer);
    // ---- streams hook: the stream machine (streams.ts) and what it needs from the engine ----
    this.closeAckView = new StreamCloseAckView();
    this.streams = new StreamEngine({
      limits: {
        streamsMax: config.streamsMax,
        streamsPerPeerMax: config.streamsPerPeerMax,
        streamQueueDepthMax: config.streamQueueDepthMax,
        streamQueueBytesMax: config.streamQueueBytesMax,
        streamCloseRetransmitsMax: config.streamCloseRetransmitsMax,
        timeWaitUs: config.timeWaitUs,
      },
      workerId: config.workerId,
      peersMax: config.peersMax,
      transfersMax: config.transfersMax,
      wheel: this.wheel,
      backoff: this.backoff,
      events: this.events,
      timers: { close: Timer.StreamClose, timeWait: Timer.StreamTimeWait },
      host: {
        cancelItem: (slot: number, status: number, sendReset: boolean) =>
          this.cancelStreamItem(slot, status, sendReset),
        deliverItem: (slot: number, streamHandle: number, index: number) =>
          this.deliverStreamItem(slot, streamHandle, index),
        addWork: (peer: number, delta: number) => {
          this.health.addOutstandingWork(peer, delta, this.nowUs);
          this.markHealthDirty(peer);
        },
        failureSample: (peer: number, nowUs: number) => {
          this.health.onTimeout(peer, nowUs);
          this.afterHealthInput(peer, nowUs);
        },
        srttUs: (peer: number) => this.srttUs(peer),
        exponentStart: (peer: number) => this.health.timeoutExponentStartOf(peer),
        timersSuspended: (peer: number) => this.health.phaseTimersSuspended(peer),
        lastHeardUs: (peer: number) => this.peers.lastHeardUs[peer] as number,
        schedulePeer: (peer: number) => this.peers.schedule(peer),
      },
    });
    // A HELD sender asks again after this long (well inside the peer's time-wait, configured alike).
    const heldPokeUs = Math.max(config.phaseTimeoutMinUs, Math.min(config.phaseTimeoutMaxUs, config.timeWaitUs / 4));
    this.flows = new HeldFlows(config.acceptor, config.transfersMax, heldPokeUs);
    this.pressure = new SubmitPressure({
      transfersMax: config.transfersMax,
      peersMax: config.peersMax,
      priorityReserveShare: config.priorityReserveShare,
      inlineBacklogMax: config.inlineBacklogMax,
      inlineOverloadHoldUs: config.inlineOverloadHoldUs,
      buffers: config.buffers,
    });
  }

  // -------------------------------------------------------------------------------------------
  // Getters (state sizes; all return to zero at quiescence)

  /** Live transfer slots (senders, receivers, time-wait records). */
  get transfersLive(): number {
    return this.transfers.liveCount;
  }
  /** Receiver index entries. */
  get receiversIndexed(): number {
    return this.transfers.indexedCount;
  }
  /** Active timers. */
  get timersActive(): number {
    return this.wheel.size;
  }
  /** Transfers waiting in the pull scheduler. */
  get pullsQueued(): number {
    return this.pullQueue.size + this.memoryWaitList.size(0);
  }
  /** Bytes pulled and not yet received. */
  get pullBytesOutstanding(): number {
    return this.pullOutstandingTotal;
  }
  /** Reassembly bytes held by receiver transfers in flight. */
  get reassemblyBytesInUse(): number {
    return this.reassemblyInUse;
  }
  /** Buffer receivers accepted, pulling or reassembling (not QUEUED, not finished). */
  get receiversActive(): number {
    return this.activeReceivers;
  }
  /** Largest reassembly memory held at once. */
  get reassemblyBytesPeak(): number {
    return this.reassemblyPeak;
  }
  /** Held (challenged) notifies. */
  get heldNotifies(): number {
    return this.admission.heldCount;
  }
  /** Stream records (open, closing, time-wait). */
  get streamsLive(): number {
    return this.streams.liveCount;
  }
  /** Payload bytes of received stream items not yet polled (in progress included). */
  get streamBytesQueued(): number {
    return this.streams.queuedBytes;
  }
  /** Received stream items held for their turn (reorder hold). */
  get streamItemsHeld(): number {
    return this.streams.held;
  }
  /** New flows held by the application (queued by the acceptor, not yet admitted and running). */
  get flowsHeld(): number {
    return this.flows.count;
  }
  /** Sender transfers of `peer` frozen while it is RESETTING (waiting for `addPeer` with a new secret). */
  sendersFrozenOf(peer: number): number {
    return this.frozenSenders[peer] ?? 0;
  }
  /** A counter by name. */
  counter(name: (typeof ENDPOINT_COUNTER_NAMES)[number]): number {
    return this.counters[ENDPOINT_COUNTER_NAMES.indexOf(name)] as number;
  }

  // -------------------------------------------------------------------------------------------
  // Commands

  /**
   * Installs the PSK path secret shared with peer `peer` (spec: replay-and-secrets.md#psk) and
   * creates its control-key sender. The peer index is what the driver uses for addresses.
   */
  addPeer(peer: number, material: PeerPsk, nowUs: number): void {
    if (!(Number.isInteger(peer) && peer >= 0 && peer < this.config.peersMax)) {
      throw new InvalidArgumentError(`peer must be an integer in [0, ${this.config.peersMax}), got ${peer}`);
    }
    if (this.peers.active[peer] === 1) throw new InvalidArgumentError(`peer ${peer} already added`);
    const provider = this.config.provider;
    const derived = derivePskPathSecret(provider, {
      psk: material.psk,
      localIdentity: material.localIdentity,
      peerIdentity: material.peerIdentity,
      epoch: material.epoch ?? 0,
      version: WIRE_VERSION,
    });
    this.opener.pathSecrets.insert({
      id: derived.id,
      secret: derived.secret,
      peerSlot: peer,
      localDirection: derived.localDirection,
      version: WIRE_VERSION,
      peerResetTag: derived.peerResetTag,
      nowUs,
    });
    const schedule = new PathKeySchedule(provider, derived.secret);
    derived.secret.fill(0);
    const keys = new ControlKeySender({ schedule, workerId: this.config.workerId, direction: derived.localDirection });
    this.peers.sealers[peer] = new ControlDatagramSealer({ keys, pathSecretId: derived.id });
    this.peers.active[peer] = 1;
    this.peers.nextNotifySeq[peer] = 1;
    this.peers.notifyCredit[peer] = this.config.notifyCreditInitial;
    this.peers.lastHeardUs[peer] = -1;
    this.peers.rtt[peer]?.reset();
    this.peerDesiredKiBps[peer] = 0;
    this.sendPacers[peer]?.setRate(nowUs, this.config.sendRateBytesPerSecond);
    // congestion: a fresh controller per peer (spec: congestion.md#engine-interface)
    this.congestion.resetPeer(nowUs, peer);
    this.congestion.updatePacing(nowUs, peer);
    this.health.reset(peer, nowUs);
    // peer reset hook: the new secret is the "re-handshake confirmed" of a RESETTING peer.
    if ((this.frozenSenders[peer] as number) > 0) this.confirmPeerReset(peer, nowUs);
  }

  /**
   * Submits a unary request to `peer`: `payload[offset, offset + length)` is copied (inline) or
   * sealed once into a buffer. Returns the request's handle (≥ 0) or a {@link SubmitError}. The
   * outcome arrives as a RESPONSE_RECEIVED or FAILED event naming the handle. To a RESETTING peer
   * the request waits, frozen, until `addPeer` installs its new secret (FAILED PEER_RESET after
   * `peerResetHoldUs` without one).
   */
  submitRequest(peer: number, payload: Uint8Array, offset: number, length: number, options?: SubmitOptions): number {
    return this.submit(peer, TransferKind.UnaryRequest, payload, offset, length, options, 0, 0);
  }

  /** Submits a one-way BULK transfer; COMPLETED or FAILED follows. */
  submitBulk(peer: number, payload: Uint8Array, offset: number, length: number, options?: SubmitOptions): number {
    return this.submit(peer, TransferKind.Bulk, payload, offset, length, options, 0, 0);
  }

  /**
   * Answers the request `requestHandle` (from a REQUEST_RECEIVED event) with a RESPONSE transfer.
   * Returns the response's handle or a {@link SubmitError} (BadHandle when the request is unknown,
   * already answered, or was reset by the requester).
   */
  respond(requestHandle: number, payload: Uint8Array, offset: number, length: number, options?: SubmitOptions): number {
    const t = this.transfers;
    const request = t.slotOfHandle(requestHandle);
    if (
      request === NONE ||
      t.role[request] !== Role.Receiver ||
      t.kind[request] !== TransferKind.UnaryRequest ||
      ((t.flags[request] as number) & TransferFlag.AwaitingRespond) === 0
    ) {
      return SubmitError.BadHandle;
    }
    const handle = this.submit(
      t.peer[request] as number,
      TransferKind.Response,
      payload,
      offset,
      length,
      options,
      t.peerIdHi[request] as number,
      t.peerIdLo[request] as number,
    );
    if (handle < 0) return handle;
    t.flags[request] = ((t.flags[request] as number) & ~TransferFlag.AwaitingRespond) | TransferFlag.Responded;
    this.arm(request, Timer.TimeWait, this.nowUs, this.config.timeWaitUs);
    return handle;
  }

  /**
   * Broadcast: one payload, sealed once into one buffer, sent as an independent BULK transfer to
   * each of `peers` (the buffer is reference counted, one reference per transfer; a slow or failed
   * peer never blocks the others). Writes one handle per peer into `handlesOut` and returns the
   * number of peers, or a {@link SubmitError} (all or nothing: on an error nothing was submitted).
   *
   * Every option applies to every copy: each copy has the `deadlineUs`, and with `causal` /
   * `dependsOn` each copy gets its own causality token (`tokenOf(handlesOut[i])`) and waits for the
   * same dependencies, so no copy is notified before they are satisfied, and a failed cascading
   * dependency fails every copy (DEPENDENCY_FAILED). To wait for the whole broadcast, depend on
   * every copy's token; to keep per-peer order, on the copy to that peer (docs/engine.md#broadcast).
   */
  submitBroadcast(
    peers: ArrayLike<number>,
    payload: Uint8Array,
    offset: number,
    length: number,
    handlesOut: Float64Array,
    options?: SubmitOptions,
  ): number {
    const count = peers.length;
    if (handlesOut.length < count) throw new InvalidArgumentError('handlesOut must hold one handle per peer');
    if (count === 0) return 0;
    // backpressure hook: the whole broadcast must fit, within its priority's share.
    const priority = options?.priority ?? PRIORITY_DEFAULT;
    if (!(Number.isInteger(priority) && priority >= 0 && priority <= 7)) {
      throw new InvalidArgumentError(`priority must be an integer in [0, 7], got ${priority}`);
    }
    const live = this.transfers.liveCount;
    if (this.transfers.capacity - live < count || !this.pressure.tableAllows(live, count, priority)) {
      return this.submitBlocked(SubmitError.WouldBlock, priority, count, 0);
    }
    for (let i = 0; i < count; i++) {
      const peer = peers[i] as number;
      if (!(Number.isInteger(peer) && peer >= 0 && peer < this.config.peersMax) || this.peers.active[peer] !== 1) {
        return SubmitError.UnknownPeer;
      }
    }
    const first = this.submit(peers[0] as number, TransferKind.Bulk, payload, offset, length, options, 0, 0);
    if (first < 0) return first;
    handlesOut[0] = first;
    const t = this.transfers;
    const source = t.slotOfHandle(first);
    const causal = options !== undefined && (options.causal === true || options.dependsOn !== undefined);
    const deadlineUs = options?.deadlineUs;
    for (let i = 1; i < count; i++) {
      const peer = peers[i] as number;
      const slot = t.allocate(Role.Sender, peer);
      assert(slot !== NONE, 'broadcast slots were checked');
      if (causal) {
        // spec: state-machines.md#sender-transfer (IDLE × submit, dependencies pending) — per copy
        const registered = this.registerCausality(slot, options as SubmitOptions);
        if (registered < 0) {
          t.free(slot);
          this.abandonBroadcast(handlesOut, i);
          // backpressure hook: WRITABLE once an entry or edge of the map is freed.
          if (registered === SubmitError.WouldBlock) {
            this.pressure.refuseCausality(this.causality.entriesLive, this.causality.edgesLive);
          }
          return registered;
        }
      }
      this.copySender(source, slot);
      const buffer = t.buffer[source] as number;
      if (buffer !== NONE) this.config.buffers.retain(buffer);
      handlesOut[i] = t.handleOf(slot);
      // spec: state-machines.md#timers-and-backoff (per-transfer deadline) — every copy has it
      if (deadlineUs !== undefined) this.armDeadline(slot, deadlineUs);
      if (causal && this.depsWaiting[slot] === 1) continue;
      this.waitPush(peer, slot, false);
    }
    return count;
  }

  /** Schedules a sender's deadline (its own wheel entry; the wheel holds one per transfer slot). */
  private armDeadline(slot: number, deadlineUs: number): void {
    const at = Math.max(Math.ceil(deadlineUs), this.nowUs);
    const handle = this.wheel.schedule(at, Timer.Deadline, slot);
    assert(handle !== TIMER_NONE, 'timing wheel sized for a deadline per transfer is full');
    this.deadlineTimer[slot] = handle;
  }

  /**
   * Undoes the first `count` copies of a broadcast refused part-way (the causality map was full):
   * the application never got their handles, so no event; the buffer's references go with them.
   */
  private abandonBroadcast(handles: Float64Array, count: number): void {
    const t = this.transfers;
    for (let i = 0; i < count; i++) {
      const slot = t.slotOfHandle(handles[i] as number);
      assert(slot !== NONE && t.role[slot] === Role.Sender, 'abandoned broadcast copy is live');
      if (this.tracer !== null) this.traceState(slot, TraceState.SenderCancelled, StatusCode.Cancelled);
      this.finishSender(slot);
    }
  }

  /** Copies a fresh (QUEUED) sender's description into another slot (same buffer or inline bytes). */
  private copySender(from: number, to: number): void {
    const t = this.transfers;
    t.flags[to] = t.flags[from] as number;
    t.inlineRef[to] = t.inlineRef[from] ?? null;
    t.buffer[to] = t.buffer[from] as number;
    t.sealedBytes[to] = t.sealedBytes[from] as number;
    t.recordSizeLog2[to] = t.recordSizeLog2[from] as number;
    t.kind[to] = t.kind[from] as number;
    t.priority[to] = t.priority[from] as number;
    t.payloadBytes[to] = t.payloadBytes[from] as number;
    t.metadata[to] = t.metadata[from] as number;
    t.hasMetadata[to] = t.hasMetadata[from] as number;
    t.headerRef[to] = t.headerRef[from] ?? null;
    t.attemptsLeft[to] = t.attemptsLeft[from] as number;
    if (this.tracer !== null) this.traceState(to, SenderState.Queued, 0);
    t.state[to] = SenderState.Queued;
    t.pending[to] = Pending.Notify;
  }

  // ---- streams hook: commands (spec: state-machines.md#stream) ----

  /**
   * Opens a stream to `peer` (this side is the opener; the stream id is ours). Returns the stream
   * handle (≥ 0) or a {@link SubmitError}: WouldBlock when the stream table (`streamsMax`) or the
   * peer's share (`streamsPerPeerMax`) is full. Nothing travels until the first item.
   */
  openStream(peer: number): number {
    if (!(Number.isInteger(peer) && peer >= 0 && peer < this.config.peersMax) || this.peers.active[peer] !== 1) {
      return SubmitError.UnknownPeer;
    }
    if (this.health.rejectsSubmissions(peer, this.nowUs)) return SubmitError.PeerUnreachable;
    const s = this.streams.open(peer);
    if (s !== STREAM_TABLE_FULL) return this.streams.handleOf(s);
    // backpressure hook: WRITABLE when the table (or the peer's share) has room again.
    this.pressure.refuseStreamOpen(this.streams.liveCount >= this.config.streamsMax ? NONE : peer);
    return SubmitError.WouldBlock;
  }

  /**
   * Sends an item on `stream` (a handle from openStream or a STREAM_OPENED event): a
   * STREAM_REQUEST_ITEM from the opener, a STREAM_RESPONSE_ITEM from the other side, inline or
   * buffer-backed like any transfer, numbered 0, 1, 2, … per direction. Returns the item's transfer
   * handle (COMPLETED / FAILED follow) or a {@link SubmitError}: WouldBlock when
   * `streamQueueDepthMax` of our items on this stream are still in flight (backpressure),
   * BadHandle when the stream is unknown or our direction has ended.
   */
  submitStreamItem(
    stream: number,
    payload: Uint8Array,
    offset: number,
    length: number,
    options?: StreamItemOptions,
  ): number {
    const streams = this.streams;
    const s = streams.slotOfHandle(stream);
    if (s === NONE || !streams.canSend(s)) return SubmitError.BadHandle;
    if ((streams.sendLive[s] as number) >= this.config.streamQueueDepthMax) {
      this.pressure.refuseStreamItem(stream, streams.peer[s] as number); // backpressure hook
      return SubmitError.WouldBlock;
    }
    const kind = streams.isOpener(s) ? TransferKind.StreamRequestItem : TransferKind.StreamResponseItem;
    const handle = this.submit(streams.peer[s] as number, kind, payload, offset, length, options, 0, 0);
    if (handle < 0) return handle;
    const slot = this.transfers.slotOfHandle(handle);
    if (options?.attemptsMax === undefined) this.transfers.attemptsLeft[slot] = STREAM_ITEM_ATTEMPTS_DEFAULT - 1;
    const end = options?.endOfStream === true;
    streams.attachSender(s, slot, end);
    if (end) streams.close(s, StatusCode.Ok, this.nowUs);
    return handle;
  }

  /**
   * Ends our direction of `stream` (status OK: STREAM_CLOSE(OK, items sent), retransmitted until
   * acknowledged) or aborts the whole stream (any other status: every active item of the stream is
   * cancelled on both sides). A STREAM_CLOSED event ends every stream. Returns false when the
   * stream is unknown, closed, already aborted, or (OK) our direction already ended.
   */
  closeStream(stream: number, status: number = StatusCode.Ok): boolean {
    if (!(Number.isInteger(status) && status >= StatusCode.Ok && status <= 12)) {
      throw new InvalidArgumentError(`closeStream status must be a status code, got ${status}`);
    }
    const s = this.streams.slotOfHandle(stream);
    return s !== NONE && this.streams.close(s, status, this.nowUs);
  }

  /** Host for streams.ts: ends an item transfer of an aborted / closed stream. */
  private cancelStreamItem(slot: number, status: number, sendReset: boolean): void {
    const t = this.transfers;
    if (t.role[slot] === Role.Sender) this.failSender(slot, status, sendReset && t.state[slot] !== SenderState.Queued);
    else if (t.role[slot] === Role.Receiver) this.failReceiver(slot, status, sendReset, this.nowUs);
  }

  /** Host for streams.ts: a held item's turn came: STREAM_ITEM, then time-wait like any delivery. */
  private deliverStreamItem(slot: number, streamHandle: number, index: number): void {
    const t = this.transfers;
    let payload: Uint8Array;
    let payloadOffset = 0;
    if (((t.flags[slot] as number) & TransferFlag.Inline) !== 0) {
      payload = t.inlineRef[slot] ?? EMPTY_BYTES;
    } else {
      payload = t.reassembly[slot] as Uint8Array;
      payloadOffset = t.reassemblyOffset[slot] as number;
      this.reassemblyInUse -= t.reassemblyBytesHeld[slot] as number;
      t.reassemblyBytesHeld[slot] = 0;
      this.receiverInactive();
    }
    if (this.tracer !== null) this.traceState(slot, ReceiverState.Delivered, 0);
    t.state[slot] = ReceiverState.Delivered;
    const header = t.headerRef[slot] ?? null;
    assert(this.events.hasRoom, 'event queue full for a stream item');
    this.events.push(
      EventKind.StreamItem,
      streamHandle,
      t.peer[slot] as number,
      t.kind[slot] as number,
      0,
      t.metadata[slot] as number,
      header,
      0,
      header?.length ?? 0,
      payload,
      payloadOffset,
      t.payloadBytes[slot] as number,
      index,
    );
    t.inlineRef[slot] = null;
    t.reassembly[slot] = null;
    t.recordDone[slot] = null;
    t.headerRef[slot] = null;
    t.payloadKey[slot]?.destroy();
    t.payloadKey[slot] = null;
    this.arm(slot, Timer.TimeWait, this.nowUs, this.config.timeWaitUs);
  }

  /**
   * Cancels a transfer by handle: a sender transfer (request, response, bulk) ends CANCELLED
   * (FLOW_RESET to the peer if anything was sent; a FAILED event with status CANCELLED follows);
   * a delivered request not yet answered is refused with `status` (default CANCELLED; e.g.
   * APPLICATION_ERROR), which fails the requester's request with that status. Returns false when
   * the handle names nothing cancellable.
   *
   * spec: state-machines.md#sender-transfer (any non-terminal × app cancel)
   */
  cancel(handle: number, status: number = StatusCode.Cancelled): boolean {
    if (!(Number.isInteger(status) && status > StatusCode.Ok && status <= 12)) {
      throw new InvalidArgumentError(`cancel status must be a non-OK status code, got ${status}`);
    }
    const t = this.transfers;
    const slot = t.slotOfHandle(handle);
    if (slot === NONE) return false;
    if (t.role[slot] === Role.Sender) {
      this.failSender(slot, status, t.state[slot] !== SenderState.Queued);
      return true;
    }
    if (this.flows.held[slot] !== HeldMark.None && t.role[slot] === Role.Receiver) {
      // acceptor hook: the application refuses a flow it queued: no event (it asked), the sender
      // fails with `status`.
      this.flows.counters.cancelled++;
      t.flags[slot] = (t.flags[slot] as number) & ~TransferFlag.Visible;
      this.failReceiver(slot, status, true, this.nowUs);
      return true;
    }
    if (t.state[slot] === ReceiverState.Offered) {
      // The application refuses the offer: no event (it asked), the sender fails with `status`.
      t.flags[slot] = (t.flags[slot] as number) & ~TransferFlag.Visible;
      this.failReceiver(slot, status, true, this.nowUs);
      return true;
    }
    if (((t.flags[slot] as number) & TransferFlag.AwaitingRespond) === 0) return false;
    t.flags[slot] = (t.flags[slot] as number) & ~TransferFlag.AwaitingRespond;
    if (this.tracer !== null) this.traceState(slot, ReceiverState.Cancelled, status);
    t.state[slot] = ReceiverState.Cancelled;
    t.resetStatus[slot] = status;
    this.replyFlowReset(
      t.peer[slot] as number,
      t.peerIdHi[slot] as number,
      t.peerIdLo[slot] as number,
      t.ids.idHi(slot),
      t.ids.idLo(slot),
      status,
    );
    this.arm(slot, Timer.TimeWait, this.nowUs, this.config.timeWaitUs);
    return true;
  }

  private submit(
    peer: number,
    kind: number,
    payload: Uint8Array,
    offset: number,
    length: number,
    options: SubmitOptions | undefined,
    replyToHi: number,
    replyToLo: number,
  ): number {
    const config = this.config;
    if (!(Number.isInteger(peer) && peer >= 0 && peer < config.peersMax)) return SubmitError.UnknownPeer;
    // peer reset hook: a unary request or bulk transfer to a RESETTING peer waits, frozen and never
    // notified, for its new secret (spec: state-machines.md#engine-decisions, peer reset).
    const awaitingReset =
      this.peers.active[peer] !== 1 &&
      this.health.stateOf(peer) === PeerState.Resetting &&
      (kind === TransferKind.UnaryRequest || kind === TransferKind.Bulk);
    if (this.peers.active[peer] !== 1 && !awaitingReset) return SubmitError.UnknownPeer;
    if (!(Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length >= 0)) {
      throw new InvalidArgumentError('payload offset and length must be non-negative integers');
    }
    if (offset + length > payload.length) throw new InvalidArgumentError('payload region out of bounds');
    const priority = options?.priority ?? PRIORITY_DEFAULT;
    if (!(Number.isInteger(priority) && priority >= 0 && priority <= 7)) {
      throw new InvalidArgumentError(`priority must be an integer in [0, 7], got ${priority}`);
    }
    const metadata = options?.metadata;
    if (metadata !== undefined && !(Number.isInteger(metadata) && metadata >= 0 && metadata <= 0xffffffff)) {
      throw new InvalidArgumentError('metadata must be a u32');
    }
    const header = options?.header;
    const attemptsMax = options?.attemptsMax ?? 1;
    if (!(Number.isInteger(attemptsMax) && attemptsMax >= 1 && attemptsMax <= 255)) {
      throw new InvalidArgumentError(`attemptsMax must be an integer in [1, 255], got ${attemptsMax}`);
    }
    const retryOnPeerReset = options?.retryOnPeerReset;
    if (retryOnPeerReset !== undefined && typeof retryOnPeerReset !== 'boolean') {
      throw new InvalidArgumentError(`retryOnPeerReset must be a boolean, got ${String(retryOnPeerReset)}`);
    }
    const deadline = options?.deadlineUs;
    if (deadline !== undefined && !(deadline >= 0 && deadline <= 2 ** 52)) {
      throw new InvalidArgumentError(`deadlineUs must be a time in µs in [0, 2^52], got ${deadline}`);
    }
    if (length > config.payloadBytesMax) return SubmitError.TooLarge;
    let flags = 0;
    if (kind === TransferKind.Response) flags |= NotifyFlag.HasReplyTo;
    if (kind === TransferKind.StreamRequestItem || kind === TransferKind.StreamResponseItem)
      flags |= NotifyFlag.HasStream;
    if (metadata !== undefined) flags |= NotifyFlag.HasMetadata;
    if (header !== undefined) flags |= NotifyFlag.HasHeader;
    const headerLength = header?.length ?? 0;
    const room = config.datagramSizeMax - CONTROL_OVERHEAD - TRANSFER_NOTIFY_OVERHEAD;
    let inline =
      length <= config.inlineSizeMax && notifyEntrySizeFor(flags | NotifyFlag.Inline, headerLength, length) <= room;
    if (!inline && (length === 0 || notifyEntrySizeFor(flags, headerLength, length) > room))
      return SubmitError.TooLarge;
    if (this.health.rejectsSubmissions(peer, this.nowUs)) return SubmitError.PeerUnreachable;
    // backpressure hook: small payloads go by reference (the receiver pulls them) while the peer
    // signals overload or our notify backlog to it is long.
    if (
      inline &&
      length > 0 &&
      notifyEntrySizeFor(flags, headerLength, length) <= room &&
      !this.pressure.inlineAllowed(peer, this.waitList.size(peer), this.nowUs)
    ) {
      inline = false;
    }
    const t = this.transfers;
    // Backpressure also when the application does not poll its events.
    if (this.events.size >= config.eventsMax) return this.submitBlocked(SubmitError.WouldBlock, priority, 1, 0);
    // backpressure hook: lower priorities are refused first (priorityReserveShare); responses answer
    // requests already admitted and are exempt (receiversMax keeps room for them).
    const throttle = kind !== TransferKind.Response;
    if (throttle && !this.pressure.tableAllows(t.liveCount, 1, priority)) {
      this.pressure.throttled++;
      return this.submitBlocked(SubmitError.WouldBlock, priority, 1, 0);
    }
    const slot = t.allocate(Role.Sender, peer);
    if (slot === NONE) return this.submitBlocked(SubmitError.WouldBlock, priority, 1, 0);
    if (inline) {
      t.flags[slot] = TransferFlag.Inline;
      t.inlineRef[slot] = payload.slice(offset, offset + length);
    } else {
      const recordSizeLog2 = config.recordSizeLog2;
      const sealed = sealedSize(length, 2 ** recordSizeLog2);
      const buffers = config.buffers;
      // backpressure hook: a payload above the registry's whole budget can never fit.
      if (sealed > this.pressure.bufferBytesMax) {
        t.free(slot);
        return SubmitError.TooLarge;
      }
      if (throttle && !this.pressure.buffersAllow(buffers, sealed, priority)) {
        t.free(slot);
        this.pressure.throttled++;
        return this.submitBlocked(SubmitError.BufferFull, priority, 1, sealed);
      }
      const buffer = buffers.allocate(sealed);
      if (buffer === BUFFER_NONE) {
        t.free(slot);
        return this.submitBlocked(SubmitError.BufferFull, priority, 1, sealed);
      }
      const material = buffers.keyMaterial(buffer);
      const materialOffset = buffers.keyMaterialOffset(buffer);
      generateDataKeyMaterial(config.provider, material, materialOffset);
      const key = new PayloadKey({
        provider: config.provider,
        keyMaterial: material,
        keyMaterialOffset: materialOffset,
        bufferIdHi: buffers.idHi(buffer),
        bufferIdLo: buffers.idLo(buffer),
        payloadBytes: length,
        recordSizeLog2,
        authenticateOnly: false,
      });
      this.cipher.sealPayload(key, payload, offset, buffers.bytes(buffer), buffers.bytesOffset(buffer));
      key.destroy();
      t.buffer[slot] = buffer;
      t.sealedBytes[slot] = sealed;
      t.recordSizeLog2[slot] = recordSizeLog2;
    }
    t.kind[slot] = kind;
    t.priority[slot] = priority;
    t.payloadBytes[slot] = length;
    // A response retries a refusal (OVERLOADED / LIMIT_EXCEEDED: the requester's table was full)
    // RESPONSE_ATTEMPTS_DEFAULT times unless told otherwise: its requester has nothing else to wait for.
    t.attemptsLeft[slot] =
      kind === TransferKind.Response && options?.attemptsMax === undefined
        ? RESPONSE_ATTEMPTS_DEFAULT - 1
        : attemptsMax - 1;
    const deadlineUs = options?.deadlineUs;
    if (deadlineUs !== undefined) {
      // spec: state-machines.md#timers-and-backoff (per-transfer deadline)
      const at = Math.max(Math.ceil(deadlineUs), this.nowUs);
      const handle = this.wheel.schedule(at, Timer.Deadline, slot);
      assert(handle !== TIMER_NONE, 'timing wheel sized for a deadline per transfer is full');
      this.deadlineTimer[slot] = handle;
    }
    if (metadata !== undefined) {
      t.metadata[slot] = metadata;
      t.hasMetadata[slot] = 1;
    }
    if (header !== undefined) t.headerRef[slot] = header.slice();
    if (kind === TransferKind.UnaryRequest) t.flags[slot] = (t.flags[slot] as number) | TransferFlag.ExpectsResponse;
    t.flags[slot] = (t.flags[slot] as number) | peerResetPolicyFlags(retryOnPeerReset);
    t.replyToHi[slot] = replyToHi;
    t.replyToLo[slot] = replyToLo;
    t.state[slot] = SenderState.Queued;
    t.pending[slot] = Pending.Notify;
    this.flows.pokeAtUs[slot] = -1; // acceptor hook
    if (awaitingReset) this.freezeSender(slot, this.nowUs); // sends nothing until addPeer (waitPush skips it)
    if (options?.causal === true || options?.dependsOn !== undefined) {
      const registered = this.registerCausality(slot, options);
      if (registered < 0) {
        this.finishSender(slot);
        // backpressure hook: WRITABLE once an entry or edge of the map is freed.
        if (registered === SubmitError.WouldBlock) {
          this.pressure.refuseCausality(this.causality.entriesLive, this.causality.edgesLive);
        }
        return registered;
      }
      if (this.tracer !== null) this.traceTransition(slot, TraceState.SenderIdle, SenderState.Queued, 0);
      if (this.depsWaiting[slot] === 1) return t.handleOf(slot);
    }
    if (this.tracer !== null && this.causalToken[slot] === CAUSALITY_TOKEN_NONE) {
      this.traceTransition(slot, TraceState.SenderIdle, SenderState.Queued, 0);
    }
    // spec: state-machines.md#sender-transfer (IDLE × submit, no dependencies → QUEUED (turn))
    this.waitPush(peer, slot, false);
    return t.handleOf(slot);
  }

  /** backpressure hook: a submission refused WouldBlock / BufferFull arms WRITABLE; returns `code`. */
  private submitBlocked(code: number, priority: number, slots: number, bufferBytes: number): number {
    const buffers = this.config.buffers;
    this.pressure.refuseSubmit(priority, slots, bufferBytes, buffers.liveCount, buffers.bytesInUse);
    return code;
  }

  /**
   * backpressure hook (pollEvent): pushes WRITABLE once when a refused kind of submission would
   * now find room (and the event ring is under `eventsMax`, so it always fits).
   */
  private checkWritable(): boolean {
    const p = this.pressure;
    if (p.outstanding || this.events.size >= this.config.eventsMax) return false;
    const causes = p.causes;
    let ready = false;
    if ((causes & BlockCause.Submit) !== 0) {
      ready =
        this.pressure.tableAllows(this.transfers.liveCount, p.needSlots, p.needPriority) &&
        this.transfers.capacity - this.transfers.liveCount >= p.needSlots &&
        (p.needBufferBytes === 0 || this.bufferRoomFor(p.needBufferBytes, p.needPriority));
    }
    if (!ready && (causes & BlockCause.StreamOpen) !== 0) {
      const streams = this.streams;
      ready =
        streams.liveCount < this.config.streamsMax &&
        (p.openPeer < 0 || (streams.streamsOfPeer[p.openPeer] as number) < this.config.streamsPerPeerMax);
    }
    if (!ready && (causes & BlockCause.StreamItem) !== 0) {
      const s = this.streams.slotOfHandle(p.itemStream);
      ready = s === NONE || (this.streams.sendLive[s] as number) < this.config.streamQueueDepthMax;
    }
    if (!ready && (causes & BlockCause.Causality) !== 0) {
      ready = this.causality.entriesLive < p.causalityEntries || this.causality.edgesLive < p.causalityEdges;
    }
    if (!ready) return false;
    this.events.push(EventKind.Writable, 0, p.writablePeer, 0, 0, 0, null, 0, 0, null, 0, 0);
    p.fired();
    return true;
  }

  /** Whether a buffer of `sealedBytes` at `priority` would be taken now (throttle and registry). */
  private bufferRoomFor(sealedBytes: number, priority: number): boolean {
    const buffers = this.config.buffers;
    const p = this.pressure;
    // A registry that does not declare its budget: room once any buffer was released.
    const declared = Number.isFinite(p.bufferCapacity) && Number.isFinite(p.bufferBytesMax);
    return (
      p.buffersAllow(buffers, sealedBytes, priority) &&
      buffers.liveCount < p.bufferCapacity &&
      buffers.bytesInUse + sealedBytes <= p.bufferBytesMax &&
      (declared || buffers.liveCount < p.bufferLiveAtBlock || buffers.bytesInUse < p.bufferBytesAtBlock)
    );
  }

  // -------------------------------------------------------------------------------------------
  // Input

  /** Processes one received datagram; never throws on its contents. */
  handleDatagram(nowUs: number, bytes: Uint8Array, offset: number, length: number, peer: number): void {
    this.nowUs = nowUs;
    this.bump(C.datagramsReceived, 1);
    const result = this.opener.open(bytes, offset, length, nowUs);
    if (this.tracer !== null) this.traceDatagramReceived(peer, bytes, offset, length, result);
    if (result === OpenResult.Ok) {
      if (this.opener.opened.kind === DatagramKind.Control) this.onControl(nowUs);
    } else if (result === OpenResult.Data) {
      this.onData(nowUs, bytes, peer);
    } else if (result === OpenResult.UnknownPathSecret) {
      // spec: replay-and-secrets.md#unknown-path-secret — answer (rate-limited) so the peer re-keys.
      this.bump(C.datagramsRejected, 1);
      if (this.resetReplyCount < RESET_REPLIES_MAX && peer >= 0 && peer < this.config.peersMax) {
        const at = this.resetReplyCount * UNKNOWN_PATH_SECRET_SIZE;
        const written = this.opener.writeUnknownPathSecretReply(
          this.resetReplies,
          at,
          at + UNKNOWN_PATH_SECRET_SIZE,
          nowUs,
        );
        if (written === UNKNOWN_PATH_SECRET_SIZE) this.resetReplyPeers[this.resetReplyCount++] = peer;
      }
    } else if (result === OpenResult.PeerLostPathSecret) {
      const opened = this.opener.opened;
      if (opened.entryIsCurrent) this.resetPeer(opened.peerSlot, nowUs);
    } else {
      this.bump(C.datagramsRejected, 1);
    }
    if (this.dirtyCount > 0) this.flushHealth(nowUs);
  }

  private onControl(nowUs: number): void {
    const opened = this.opener.opened;
    const peer = opened.peerSlot;
    if (!(peer >= 0 && peer < this.config.peersMax) || this.peers.active[peer] !== 1) return;
    this.peers.lastHeardUs[peer] = nowUs;
    // spec: state-machines.md#peer-health (any × authenticated datagram)
    this.health.onPacketReceived(peer, nowUs);
    const it = this.iterator;
    const views = this.views;
    const bytes = opened.bytes;
    if (it.reset(bytes, opened.bodyOffset, opened.bodyLength, DatagramKind.Control) !== DecodeReason.Ok) return;
    while (it.hasNext()) {
      if (it.next() !== DecodeReason.Ok) return;
      const type = it.type;
      if (type === MessageType.TransferNotify) {
        this.onNotifyMessage(nowUs, peer, it.bodyOffset, it.bodyLength);
        continue;
      }
      if (decodeMessageBody(type, bytes, it.bodyOffset, it.bodyLength, views) !== DecodeReason.Ok) return;
      if (this.tracer !== null) this.traceMessageReceived(peer, type, MESSAGE_HEADER_SIZE + it.bodyLength);
      switch (type) {
        case MessageType.TransferAccept:
          this.onAccept(nowUs, peer, views.transferAccept);
          break;
        case MessageType.PullRequest:
          this.onPull(nowUs, peer, views.pullRequest);
          break;
        case MessageType.RangeAck:
          this.onRangeAck(nowUs, peer, views.rangeAck);
          break;
        case MessageType.FlowReset:
          this.onFlowReset(nowUs, peer, views.flowReset);
          break;
        case MessageType.ProbeResponse:
          this.health.onProbeResponse(peer, nowUs);
          break;
        case MessageType.Probe: {
          // spec: state-machines.md#peer-health (any × PROBE from the peer → PROBE_RESPONSE, promptly)
          const index = this.peers.pushReply(peer, ReplyKind.ProbeResponse);
          if (index !== NONE) {
            this.peers.replyAHi[index] = views.probe.probeId;
            this.peers.replyALo[index] = views.probe.timestampUs;
          }
          break;
        }
        case MessageType.CancelPull: {
          const v = views.cancelPull;
          this.onCancelPull(peer, v.senderTransferIdHi, v.senderTransferIdLo, v.pullId);
          break;
        }
        case MessageType.TransferChallenge:
          this.onChallenge(peer, views.transferChallenge);
          break;
        case MessageType.StreamClose: {
          // streams hook — spec: state-machines.md#stream (every STREAM_CLOSE is acknowledged,
          // duplicates and closes of forgotten streams included)
          const v = views.streamClose;
          const peerOpened = (v.flags & StreamFlag.Opener) !== 0;
          const index = this.peers.pushReply(peer, ReplyKind.StreamCloseAck);
          if (index !== NONE) {
            this.peers.replyAHi[index] = v.streamIdHi;
            this.peers.replyALo[index] = v.streamIdLo;
            this.peers.replyStatus[index] = peerOpened ? 0 : StreamFlag.Opener;
          }
          this.streams.onClose(peer, v.streamIdHi, v.streamIdLo, peerOpened, v.statusCode, v.finalItemCount, nowUs);
          break;
        }
        case MessageType.StreamCloseAck:
          this.streams.onCloseAck(peer, views.streamCloseAck, nowUs);
          break;
        case MessageType.TransferChallengeResponse: {
          const released = this.admission.handleChallengeResponse(opened, views.transferChallenge);
          if (released === AdmissionResult.Released) {
            const entry = this.admission.released;
            const known = this.transfers.findReceiver(peer, entry.senderTransferIdHi, entry.senderTransferIdLo);
            if (known !== NONE) this.onKnownNotify(known);
            else this.onNewNotify(nowUs, peer, entry);
          }
          break;
        }
        default:
          this.bump(C.eventsIgnored, 1);
      }
    }
    this.markHealthDirty(peer);
  }

  // spec: replay-and-secrets.md#replay-window, state-machines.md#receiver-transfer ((none) × notify)
  private onNotifyMessage(nowUs: number, peer: number, bodyOffset: number, bodyLength: number): void {
    const admission = this.admission;
    admission.admitNotify(this.opener.opened, bodyOffset, bodyLength, nowUs);
    const entries = admission.notify.entries;
    for (let i = 0; i < admission.count; i++) {
      const entry = entries[i] as NotifyEntryView;
      const result = admission.results[i] as number;
      if (result === AdmissionResult.Admit) {
        const known = this.transfers.findReceiver(peer, entry.senderTransferIdHi, entry.senderTransferIdLo);
        if (known !== NONE) this.onKnownNotify(known);
        else this.onNewNotify(nowUs, peer, entry);
      } else if (result === AdmissionResult.KnownTransfer) {
        const known = this.transfers.findReceiver(peer, entry.senderTransferIdHi, entry.senderTransferIdLo);
        if (known !== NONE) this.onKnownNotify(known);
      } else if (result === AdmissionResult.Challenged) {
        const index = this.peers.pushReply(peer, ReplyKind.Challenge);
        if (index !== NONE) this.peers.replyStatus[index] = admission.heldSlots[i] as number;
      }
      if (this.tracer !== null) this.traceNotifyReceived(peer, entry, result);
    }
  }

  /**
   * A retransmitted (or replayed) notify of a transfer we hold: re-send the verdict (at most once
   * per RTT: {@link mayResendVerdict}), never deliver twice.
   */
  private onKnownNotify(slot: number): void {
    const t = this.transfers;
    const state = t.state[slot] as number;
    if (!this.mayResendVerdict(slot)) return;
    if (state === ReceiverState.Failed || state === ReceiverState.Cancelled) {
      this.replyFlowReset(
        t.peer[slot] as number,
        t.peerIdHi[slot] as number,
        t.peerIdLo[slot] as number,
        t.ids.idHi(slot),
        t.ids.idLo(slot),
        t.resetStatus[slot] as number,
      );
      return;
    }
    let pending = Pending.Accept;
    if (state === ReceiverState.Delivered && ((t.flags[slot] as number) & TransferFlag.Inline) === 0)
      pending |= Pending.RangeAckComplete;
    this.ctrlMark(slot, pending);
  }

  // spec: state-machines.md#receiver-transfer ((none) × notify ACCEPT_NEW, NOTIFIED × decide)
  private onNewNotify(nowUs: number, peer: number, entry: NotifyEntryView): void {
    const t = this.transfers;
    const config = this.config;
    const kind = entry.kind;
    const inline = (entry.flags & NotifyFlag.Inline) !== 0;
    let reason: number = StatusCode.Ok;
    let request = NONE;
    let stream = NONE;
    if (entry.payloadSize > config.payloadBytesMax || (!inline && (entry.flags & NotifyFlag.AuthOnly) !== 0)) {
      reason = StatusCode.LimitExceeded;
    } else if (kind === TransferKind.StreamRequestItem || kind === TransferKind.StreamResponseItem) {
      // streams hook — spec: state-machines.md#stream ((none) × item notify)
      reason = this.streams.admitItem(peer, entry);
      stream = this.streams.admitted;
    } else if (kind === TransferKind.Response) {
      request = t.ids.resolve(entry.replyToTransferIdHi, entry.replyToTransferIdLo);
      if (
        request < 0 ||
        t.role[request] !== Role.Sender ||
        t.peer[request] !== peer ||
        t.kind[request] !== TransferKind.UnaryRequest ||
        t.state[request] === SenderState.Queued ||
        t.link[request] !== NONE
      ) {
        reason = StatusCode.UnknownTransfer;
        request = NONE;
      }
    }
    if (
      reason === StatusCode.Ok &&
      (inline || (kind === TransferKind.Bulk && config.applicationBulkDestination)) &&
      this.events.size >= this.config.eventsMax
    ) {
      // Delivery refused before any state exists: the sender retransmits later.
      this.bump(C.deliveriesRefused, 1);
      if (this.tracer !== null) this.tracePeer(TraceKind.Error, peer, TraceError.DeliveryRefused, 0, 0);
      return;
    }
    // Receivers (time-wait records included) may take at most receiversMax slots, so that answers
    // (responses) always find room in the table; a response to our own live request is exempt.
    const slot =
      reason === StatusCode.Ok && (request !== NONE || this.receiversLive < config.receiversMax)
        ? t.allocate(Role.Receiver, peer)
        : NONE;
    if (slot !== NONE) this.receiversLive++;
    if (reason === StatusCode.Ok && slot === NONE) reason = StatusCode.Overloaded;
    // acceptor hook: the application decides the new flow (Accept / Reject(status) / Queue).
    if (reason === StatusCode.Ok) reason = this.askAcceptor(slot, peer, entry, stream, nowUs);
    if (reason !== StatusCode.Ok) {
      this.bump(C.notifiesRejected, 1);
      if (this.tracer !== null) this.tracePeer(TraceKind.Error, peer, TraceError.NotifyRejected, reason, 0);
      const index = this.peers.pushReply(peer, ReplyKind.Reject);
      if (index !== NONE) {
        this.peers.replyAHi[index] = entry.senderTransferIdHi;
        this.peers.replyALo[index] = entry.senderTransferIdLo;
        this.peers.replyStatus[index] = reason;
      }
      return;
    }
    t.kind[slot] = kind;
    t.priority[slot] = entry.priority;
    t.peerIdHi[slot] = entry.senderTransferIdHi;
    t.peerIdLo[slot] = entry.senderTransferIdLo;
    t.payloadBytes[slot] = entry.payloadSize;
    if ((entry.flags & NotifyFlag.HasMetadata) !== 0) {
      t.metadata[slot] = entry.metadata;
      t.hasMetadata[slot] = 1;
    }
    if (request !== NONE) {
      // The response proves the request was delivered; its ACCEPT (and credit) may be lost.
      if (t.state[request] === SenderState.Notifying) this.addCredit(peer);
      t.link[slot] = request;
      t.linkGeneration[slot] = t.ids.slots.generationOf(request);
      t.link[request] = slot;
      t.linkGeneration[request] = t.ids.slots.generationOf(slot);
      this.requestDelivered(request, nowUs);
    }
    t.indexReceiver(slot);
    if (stream !== NONE) {
      // streams hook: the item joins its stream; an inline item is held (copied) until its turn.
      this.streams.attachReceiver(stream, slot, entry.streamItemIndex, entry.payloadSize);
      if (inline) {
        t.flags[slot] = TransferFlag.Inline;
        t.inlineRef[slot] = entry.inlineBytes.slice(entry.inlineOffset, entry.inlineOffset + entry.payloadSize);
        if ((entry.flags & NotifyFlag.HasHeader) !== 0) {
          t.headerRef[slot] = entry.headerBytes.slice(entry.headerOffset, entry.headerOffset + entry.headerLength);
        }
        if (this.flows.held[slot] !== HeldMark.None) {
          this.holdFlow(slot); // acceptor hook: held (copied) until admit
          return;
        }
        if (this.tracer !== null) this.traceState(slot, ReceiverState.Reassembling, 0);
        t.state[slot] = ReceiverState.Reassembling;
        this.ctrlMark(slot, Pending.Accept);
        this.streams.itemReady(slot, nowUs);
        return;
      }
    }
    if (inline) {
      t.flags[slot] = TransferFlag.Inline;
      if (this.flows.held[slot] !== HeldMark.None) {
        // acceptor hook: the payload is held (copied; bounded by receiversMax) until admit.
        t.inlineRef[slot] = entry.inlineBytes.slice(entry.inlineOffset, entry.inlineOffset + entry.payloadSize);
        if ((entry.flags & NotifyFlag.HasHeader) !== 0) {
          t.headerRef[slot] = entry.headerBytes.slice(entry.headerOffset, entry.headerOffset + entry.headerLength);
        }
        this.holdFlow(slot);
        return;
      }
      const headerLength = (entry.flags & NotifyFlag.HasHeader) !== 0 ? entry.headerLength : 0;
      const total = headerLength + entry.payloadSize;
      const at = this.events.reserveArena(total);
      if (at === ARENA_FULL) {
        // No room for the bytes: undo and let the sender retransmit.
        this.bump(C.deliveriesRefused, 1);
        if (this.tracer !== null) this.tracePeer(TraceKind.Error, peer, TraceError.DeliveryRefused, 1, 0);
        if (request !== NONE) t.link[request] = NONE;
        t.unindexReceiver(slot);
        t.free(slot);
        this.receiversLive--;
        return;
      }
      const arena = this.events.arena;
      if (headerLength > 0)
        arena.set(entry.headerBytes.subarray(entry.headerOffset, entry.headerOffset + headerLength), at);
      arena.set(
        entry.inlineBytes.subarray(entry.inlineOffset, entry.inlineOffset + entry.payloadSize),
        at + headerLength,
      );
      if (this.tracer !== null) this.traceState(slot, ReceiverState.Delivered, 0);
      t.state[slot] = ReceiverState.Delivered;
      this.ctrlMark(slot, Pending.Accept);
      this.deliver(slot, nowUs, arena, at, headerLength, arena, at + headerLength);
      return;
    }
    if ((entry.flags & NotifyFlag.HasHeader) !== 0) {
      t.headerRef[slot] = entry.headerBytes.slice(entry.headerOffset, entry.headerOffset + entry.headerLength);
    }
    t.recordSizeLog2[slot] = entry.recordSizeLog2;
    t.sealedBytes[slot] = sealedSize(entry.payloadSize, 2 ** entry.recordSizeLog2);
    // Data key and IV are contiguous in the entry (key at +9, IV at +41 of the buffer reference).
    const keyMaterial = this.keyScratch;
    keyMaterial.set(entry.dataKeyBytes.subarray(entry.dataKeyOffset, entry.dataKeyOffset + 32), 0);
    keyMaterial.set(entry.dataIvBytes.subarray(entry.dataIvOffset, entry.dataIvOffset + 12), 32);
    t.payloadKey[slot] = new PayloadKey({
      provider: config.provider,
      keyMaterial,
      bufferIdHi: entry.bufferIdHi,
      bufferIdLo: entry.bufferIdLo,
      payloadBytes: entry.payloadSize,
      recordSizeLog2: entry.recordSizeLog2,
      authenticateOnly: false,
    });
    keyMaterial.fill(0);
    if (this.flows.held[slot] !== HeldMark.None) {
      this.holdFlow(slot); // acceptor hook: ACCEPT QUEUED, nothing pulled until admit
      return;
    }
    if (kind === TransferKind.Bulk && config.applicationBulkDestination) {
      // The application places this payload: offer it (ACCEPT QUEUED until acceptBulk).
      if (this.events.size >= config.eventsMax) {
        this.bump(C.deliveriesRefused, 1);
        if (this.tracer !== null) this.tracePeer(TraceKind.Error, peer, TraceError.DeliveryRefused, 0, 0);
        t.unindexReceiver(slot);
        t.free(slot);
        this.receiversLive--;
        return;
      }
      if (this.tracer !== null) this.traceState(slot, ReceiverState.Offered, 0);
      t.state[slot] = ReceiverState.Offered;
      t.flags[slot] = (t.flags[slot] as number) | TransferFlag.Visible;
      this.ctrlMark(slot, Pending.Accept);
      const header = t.headerRef[slot] ?? null;
      this.events.push(
        EventKind.BulkOffered,
        t.handleOf(slot),
        peer,
        kind,
        0,
        t.metadata[slot] as number,
        header,
        0,
        header?.length ?? 0,
        null,
        0,
        entry.payloadSize,
      );
      return;
    }
    this.ctrlMark(slot, Pending.Accept);
    if ((entry.flags & NotifyFlag.Unscheduled) !== 0 && stream === NONE && this.takeUnscheduled(slot, nowUs)) return;
    this.queueOrActivate(slot);
  }

  /**
   * An UNSCHEDULED notify just accepted: when a receive slot and reassembly memory allow the whole
   * sealed stream, take the unscheduled chunks as an implicit pull of `[0, S)` (ACCEPT
   * ACCEPTED_UNSCHEDULED, pull timer armed; gaps are re-pulled as usual) and return true; otherwise
   * false (ACCEPTED or QUEUED, the chunks are dropped, pulled later). The window and the receive
   * pacer do not refuse them — the bytes are on the wire already, dropping them saves nothing — but
   * are charged, so the pulls that follow wait for them.
   * spec: protocol.md#unscheduled, state-machines.md#receiver-transfer (NOTIFIED × decide, UNSCHEDULED)
   */
  private takeUnscheduled(slot: number, nowUs: number): boolean {
    const t = this.transfers;
    const config = this.config;
    const sealed = t.sealedBytes[slot] as number;
    if (
      sealed > config.unscheduledBytesMax ||
      this.activeReceivers >= config.receiversActiveMax ||
      this.reassemblyInUse + sealed > config.reassemblyBytesMax
    ) {
      return false;
    }
    this.pullPacer.onSend(nowUs, sealed);
    this.activeReceivers++;
    t.reassembly[slot] = new Uint8Array(sealed);
    t.recordDone[slot] = new Uint8Array((t.payloadKey[slot] as PayloadKey).recordCount);
    t.reassemblyBytesHeld[slot] = sealed;
    this.reassemblyInUse += sealed;
    if (this.reassemblyInUse > this.reassemblyPeak) this.reassemblyPeak = this.reassemblyInUse;
    t.rangeSetOf(slot).clear();
    t.requestedEnd[slot] = sealed;
    t.outstandingBytes[slot] = sealed;
    this.pullOutstandingTotal += sealed;
    t.flags[slot] = (t.flags[slot] as number) | TransferFlag.Unscheduled;
    if (this.tracer !== null) this.traceState(slot, ReceiverState.Pulling, 0);
    t.state[slot] = ReceiverState.Pulling;
    this.setWork(slot, true);
    t.exponent[slot] = 0;
    this.arm(slot, Timer.Pull, nowUs, -1);
    this.bump(C.unscheduledTaken, 1);
    return true;
  }

  /**
   * acceptor hook: asks the application's acceptor about a new flow in `slot` (allocated, nothing
   * committed). Returns OK (accepted or queued: the slot is marked) or the reject status (a
   * transient one frees the slot again; a final one keeps it as a time-wait record). Responses to
   * our own requests are never asked.
   */
  private askAcceptor(slot: number, peer: number, entry: NotifyEntryView, stream: number, nowUs: number): number {
    const flows = this.flows;
    const acceptor = flows.acceptor;
    if (acceptor === null || entry.kind === TransferKind.Response) {
      flows.mark(slot, false);
      return StatusCode.Ok;
    }
    const t = this.transfers;
    const v = flows.view;
    v.handle = t.handleOf(slot);
    v.peer = peer;
    v.kind = entry.kind;
    v.priority = entry.priority;
    v.payloadBytes = entry.payloadSize;
    v.inline = (entry.flags & NotifyFlag.Inline) !== 0;
    v.hasMetadata = (entry.flags & NotifyFlag.HasMetadata) !== 0;
    v.metadata = v.hasMetadata ? entry.metadata : 0;
    const hasHeader = (entry.flags & NotifyFlag.HasHeader) !== 0;
    v.header = hasHeader ? entry.headerBytes : EMPTY_BYTES;
    v.headerOffset = hasHeader ? entry.headerOffset : 0;
    v.headerLength = hasHeader ? entry.headerLength : 0;
    v.stream = stream === NONE ? -1 : this.streams.handleOf(stream);
    v.itemIndex = stream === NONE ? 0 : entry.streamItemIndex;
    v.rejectStatus = StatusCode.Rejected;
    flows.counters.asked++;
    let decision: number;
    try {
      decision = flows.validate(acceptor(v));
    } catch (error) {
      // Nothing of the flow is kept: the sender retransmits its notify.
      v.header = EMPTY_BYTES;
      t.free(slot);
      this.receiversLive--;
      throw error;
    }
    v.header = EMPTY_BYTES; // the datagram's bytes are not kept alive
    if (decision === FlowDecision.Reject) {
      flows.counters.rejected++;
      flows.mark(slot, false);
      const status = v.rejectStatus;
      if (status === StatusCode.Overloaded || status === StatusCode.LimitExceeded) {
        // Transient: nothing kept, so the sender's retry (same id) is a new flow, asked again.
        t.free(slot);
        this.receiversLive--;
        return status;
      }
      // Final: a time-wait record answers the sender's retransmissions (FLOW_RESET(status))
      // without asking the acceptor again.
      t.kind[slot] = entry.kind;
      t.priority[slot] = entry.priority;
      t.peerIdHi[slot] = entry.senderTransferIdHi;
      t.peerIdLo[slot] = entry.senderTransferIdLo;
      t.payloadBytes[slot] = entry.payloadSize;
      t.indexReceiver(slot);
      t.state[slot] = ReceiverState.Failed;
      t.resetStatus[slot] = status;
      this.arm(slot, Timer.TimeWait, nowUs, this.config.timeWaitUs);
      return status;
    }
    const queued = decision === FlowDecision.Queue;
    if (queued) flows.counters.queued++;
    else flows.counters.accepted++;
    flows.mark(slot, queued);
    return StatusCode.Ok;
  }

  /**
   * acceptor hook (sender, HELD × liveness timer): once HELD for `heldPokeUs`, the notify goes again
   * (a new notify taking credit like a first one, so the answer's credit keeps it balanced): the
   * receiver re-sends its verdict — ACCEPT QUEUED while it still holds the flow, FLOW_RESET(status)
   * from the time-wait record of a flow it refused while held (that FLOW_RESET is sent once and
   * may be lost). Returns true when the notify was queued (no liveness timer meanwhile).
   */
  private pokeHeld(slot: number, peer: number, nowUs: number): boolean {
    const t = this.transfers;
    const since = this.flows.pokeAtUs[slot] as number;
    if (since < 0) {
      this.flows.pokeAtUs[slot] = nowUs;
      return false;
    }
    if (nowUs - since < this.flows.heldPokeUs) return false;
    this.flows.pokeAtUs[slot] = -1;
    this.flows.pokes++;
    t.flags[slot] = (t.flags[slot] as number) & ~TransferFlag.Retransmitted;
    t.retransmits[slot] = 0;
    t.silentExpiries[slot] = 0;
    t.exponent[slot] = 0;
    t.pending[slot] = (t.pending[slot] as number) | Pending.Notify;
    this.disarm(slot);
    this.waitPush(peer, slot, false);
    return true;
  }

  /** acceptor hook: a queued flow waits in QUEUED (ACCEPT QUEUED), visible: its failure is reported. */
  private holdFlow(slot: number): void {
    const t = this.transfers;
    t.state[slot] = ReceiverState.Queued;
    t.flags[slot] = (t.flags[slot] as number) | TransferFlag.Visible;
    this.ctrlMark(slot, Pending.Accept);
  }

  /**
   * Admits a flow the acceptor queued ({@link FlowDecision.Queue}): from now on it runs like an
   * accepted flow — a buffer transfer competes for `receiversActiveMax` (ACCEPT ACCEPTED when it
   * starts, pulls, delivery), an inline payload is delivered (at once when the event ring is under
   * `eventsMax`, else from a later `pollEvent`), a BULK for an application destination is offered
   * (BULK_OFFERED). Its failures are reported (FAILED with the handle). Returns false when the handle
   * names no queued flow (stale, admitted already, cancelled or failed).
   */
  admit(handle: number): boolean {
    const t = this.transfers;
    const flows = this.flows;
    const slot = t.slotOfHandle(handle);
    if (
      slot === NONE ||
      t.role[slot] !== Role.Receiver ||
      flows.held[slot] !== HeldMark.Queued ||
      t.state[slot] !== ReceiverState.Queued
    ) {
      return false;
    }
    flows.counters.admitted++;
    const inline = ((t.flags[slot] as number) & TransferFlag.Inline) !== 0;
    if (this.streams.streamOf[slot] !== NONE) {
      flows.release(slot);
      this.ctrlMark(slot, Pending.Accept);
      if (inline) {
        t.state[slot] = ReceiverState.Reassembling;
        this.streams.itemReady(slot, this.nowUs);
      } else {
        this.queueOrActivate(slot);
      }
      return true;
    }
    if (inline || (t.kind[slot] === TransferKind.Bulk && this.config.applicationBulkDestination)) {
      if (this.events.size < this.config.eventsMax) this.deliverAdmitted(slot);
      else flows.wait(slot);
      return true;
    }
    flows.release(slot);
    this.ctrlMark(slot, Pending.Accept);
    this.queueOrActivate(slot);
    return true;
  }

  /** acceptor hook: an admitted inline flow is delivered, an admitted application-destination BULK offered. */
  private deliverAdmitted(slot: number): void {
    const t = this.transfers;
    this.flows.release(slot);
    const header = t.headerRef[slot] ?? null;
    if (((t.flags[slot] as number) & TransferFlag.Inline) !== 0) {
      const payload = t.inlineRef[slot] ?? EMPTY_BYTES;
      t.state[slot] = ReceiverState.Delivered;
      this.ctrlMark(slot, Pending.Accept);
      this.deliver(slot, this.nowUs, header ?? EMPTY_BYTES, 0, header?.length ?? 0, payload, 0);
      t.inlineRef[slot] = null;
      t.headerRef[slot] = null;
      return;
    }
    // It was answered ACCEPT QUEUED already; OFFERED keeps answering QUEUED until acceptBulk.
    t.state[slot] = ReceiverState.Offered;
    this.events.push(
      EventKind.BulkOffered,
      t.handleOf(slot),
      t.peer[slot] as number,
      t.kind[slot] as number,
      0,
      t.metadata[slot] as number,
      header,
      0,
      header?.length ?? 0,
      null,
      0,
      t.payloadBytes[slot] as number,
    );
  }

  /** acceptor hook (pollEvent): admitted flows waiting for event-ring room, FIFO. */
  private retryAdmitted(): void {
    const waiting = this.flows.waiting;
    while (!waiting.isEmpty(0) && this.events.size < this.config.eventsMax) this.deliverAdmitted(waiting.first(0));
  }

  private queueOrActivate(slot: number): void {
    const t = this.transfers;
    if (this.activeReceivers >= this.config.receiversActiveMax) {
      // spec: state-machines.md#receiver-transfer (NOTIFIED × decide, no capacity now → ACCEPT QUEUED)
      if (this.tracer !== null) this.traceState(slot, ReceiverState.Queued, 0);
      t.state[slot] = ReceiverState.Queued;
      this.bump(C.acceptsQueued, 1);
      this.queuedList.pushBack(0, slot);
      return;
    }
    this.activateReceiver(slot);
  }

  /**
   * Bytes the destination of an offered BULK transfer must provide (its sealed size: the payload
   * ends up compacted at the start of that region), or -1 when the handle names no offer.
   */
  destinationBytesFor(handle: number): number {
    const t = this.transfers;
    const slot = t.slotOfHandle(handle);
    if (slot === NONE || t.state[slot] !== ReceiverState.Offered) return -1;
    return t.sealedBytes[slot] as number;
  }

  /**
   * Accepts an offered BULK transfer (BULK_OFFERED event) into `destination[offset, offset +
   * destinationBytesFor(handle))`: the payload is reassembled and verified there and delivered at
   * `destination[offset, offset + payloadLength)` with TRANSFER_RECEIVED. Returns false when the
   * handle is not an open offer or the region is too small. Refuse an offer with `cancel(handle)`.
   */
  acceptBulk(handle: number, destination: Uint8Array, offset: number): boolean {
    const t = this.transfers;
    const slot = t.slotOfHandle(handle);
    if (slot === NONE || t.state[slot] !== ReceiverState.Offered) return false;
    const sealed = t.sealedBytes[slot] as number;
    if (!(Number.isInteger(offset) && offset >= 0 && offset + sealed <= destination.length)) return false;
    t.reassembly[slot] = destination;
    t.reassemblyOffset[slot] = offset;
    t.recordDone[slot] = new Uint8Array((t.payloadKey[slot] as PayloadKey).recordCount);
    t.rangeSetOf(slot).clear();
    this.ctrlMark(slot, Pending.Accept);
    this.queueOrActivate(slot);
    return true;
  }

  // spec: state-machines.md#receiver-transfer (NOTIFIED × decide / QUEUED × capacity freed → ACCEPTED)
  private activateReceiver(slot: number): void {
    const t = this.transfers;
    this.activeReceivers++;
    if (this.tracer !== null) this.traceState(slot, ReceiverState.Accepted, 0);
    t.state[slot] = ReceiverState.Accepted;
    this.queuePull(slot);
  }

  /** A buffer receiver stopped being active: promote the oldest QUEUED one (another ACCEPT follows). */
  private receiverInactive(): void {
    this.activeReceivers--;
    while (!this.queuedList.isEmpty(0) && this.activeReceivers < this.config.receiversActiveMax) {
      const slot = this.queuedList.popFront(0);
      this.activateReceiver(slot);
      this.ctrlMark(slot, Pending.Accept);
    }
  }

  /** A request's response arrived: the request was certainly delivered (its ACCEPT / COMPLETE may be lost). */
  private requestDelivered(request: number, nowUs: number): void {
    const t = this.transfers;
    const state = t.state[request] as number;
    if (state === SenderState.AwaitingResponse) return;
    this.causalSent(request);
    this.dataDrop(request);
    this.congestion.onTransferAcked(nowUs, t.peer[request] as number, request);
    this.releaseBuffer(request);
    this.waitRemove(request);
    if (this.tracer !== null) this.traceState(request, SenderState.AwaitingResponse, 0);
    t.state[request] = SenderState.AwaitingResponse;
    this.disarm(request);
    if (Number.isFinite(this.config.responseTimeoutUs)) {
      this.arm(request, Timer.Response, nowUs, this.config.responseTimeoutUs);
    }
  }

  // spec: state-machines.md#sender-transfer (NOTIFYING / HELD × TRANSFER_ACCEPT)
  private onAccept(nowUs: number, peer: number, view: TransferAcceptView): void {
    const t = this.transfers;
    const slot = t.ids.resolve(view.senderTransferIdHi, view.senderTransferIdLo);
    if (slot < 0 || t.role[slot] !== Role.Sender || t.peer[slot] !== peer) {
      if (view.status !== AcceptStatus.Rejected && this.mayReplyUnknown(peer, view.senderTransferIdLo)) {
        this.replyFlowReset(
          peer,
          view.senderTransferIdHi,
          view.senderTransferIdLo,
          view.receiverTransferIdHi,
          view.receiverTransferIdLo,
          StatusCode.UnknownTransfer,
        );
      }
      return;
    }
    const state = t.state[slot] as number;
    if (state !== SenderState.Notifying && state !== SenderState.Held) return;
    if (view.status === AcceptStatus.Rejected) {
      const reason = view.reasonCode;
      if (reason === StatusCode.Overloaded) this.pressure.peerOverloaded(peer, nowUs); // backpressure hook
      if (
        (reason === StatusCode.Overloaded || reason === StatusCode.LimitExceeded) &&
        (t.attemptsLeft[slot] as number) > 0
      ) {
        // spec: state-machines.md#sender-transfer (NOTIFYING × ACCEPT REJECTED, retryable → QUEUED (backoff))
        this.retryLater(slot, nowUs);
        return;
      }
      // failSender gives the notify's credit back when the transfer is still NOTIFYING.
      this.failSender(slot, reason, false);
      return;
    }
    // A retransmission still waiting to be packed is obsolete now.
    this.waitRemove(slot);
    this.causalSent(slot);
    this.health.onSuccess(peer, nowUs);
    if (state === SenderState.Notifying) {
      this.addCredit(peer);
      if (((t.flags[slot] as number) & TransferFlag.Retransmitted) === 0) {
        this.rttSample(peer, nowUs, nowUs - (t.sentAtUs[slot] as number));
      }
      this.fastRetransmit(peer, t.lastSeq[slot] as number, nowUs);
    }
    t.peerIdHi[slot] = view.receiverTransferIdHi;
    t.peerIdLo[slot] = view.receiverTransferIdLo;
    const unscheduled = ((t.flags[slot] as number) & TransferFlag.Unscheduled) !== 0;
    // spec: protocol.md#unscheduled — not taken (ACCEPTED or QUEUED): what is still queued of the
    // unscheduled chunks would be dropped there; the receiver pulls.
    if (unscheduled && view.status !== AcceptStatus.AcceptedUnscheduled) this.dataDrop(slot);
    if (view.status === AcceptStatus.Queued) {
      if (this.tracer !== null) this.traceState(slot, SenderState.Held, 0);
      t.state[slot] = SenderState.Held;
      t.exponent[slot] = 0;
      this.arm(slot, Timer.Liveness, nowUs, -1);
      return;
    }
    if (((t.flags[slot] as number) & TransferFlag.Inline) !== 0) {
      this.senderDelivered(slot, nowUs);
      return;
    }
    if (unscheduled && view.status === AcceptStatus.AcceptedUnscheduled) {
      // spec: protocol.md#unscheduled — taken: as if a pull of [0, S) had been served.
      const draining =
        (t.sendCount[slot] as number) === 0 && (t.sentEnd[slot] as number) >= (t.sealedBytes[slot] as number);
      const next = draining ? SenderState.Draining : SenderState.ServingPulls;
      if (this.tracer !== null) this.traceState(slot, next, 0);
      t.state[slot] = next;
      t.exponent[slot] = 0;
      t.silentExpiries[slot] = 0;
      this.arm(slot, Timer.Data, nowUs, -1);
      return;
    }
    if (this.tracer !== null) this.traceState(slot, SenderState.Accepted, 0);
    t.state[slot] = SenderState.Accepted;
    t.exponent[slot] = 0;
    t.silentExpiries[slot] = 0;
    this.arm(slot, Timer.Liveness, nowUs, -1);
  }

  /**
   * An ACCEPT answered notify sequence `acceptedSeq`: every notify sent at least
   * `fastRetransmitThreshold` (configuration) sequences earlier and still unanswered (NOTIFYING,
   * that sequence is still its last) is re-sent now, at most once per RTT per transfer.
   * spec: state-machines.md#sender-transfer (NOTIFYING × fast retransmit)
   */
  private fastRetransmit(peer: number, acceptedSeq: number, nowUs: number): void {
    const t = this.transfers;
    const ring = peer * SENT_NOTIFIES_PER_PEER;
    const srtt = this.srttUs(peer);
    const threshold = this.config.fastRetransmitThreshold;
    while ((this.sentCount[peer] as number) > 0) {
      const at = ring + (this.sentHead[peer] as number);
      const seq = this.sentSeq[at] as number;
      if (seq > acceptedSeq - threshold) break;
      this.sentHead[peer] = ((this.sentHead[peer] as number) + 1) % SENT_NOTIFIES_PER_PEER;
      this.sentCount[peer] = (this.sentCount[peer] as number) - 1;
      const slot = this.sentSlot[at] as number;
      if (
        !t.ids.slots.isLive(slot, this.sentGeneration[at] as number) ||
        t.role[slot] !== Role.Sender ||
        t.state[slot] !== SenderState.Notifying ||
        t.lastSeq[slot] !== seq ||
        this.waitList.has(slot) ||
        nowUs - (this.fastRetransmitAtUs[slot] as number) < srtt
      ) {
        continue;
      }
      const retransmits = (t.retransmits[slot] as number) + 1;
      if (retransmits > this.config.notifyRetransmitsMax) continue; // its notify timer ends it
      t.retransmits[slot] = retransmits;
      this.fastRetransmitAtUs[slot] = nowUs;
      t.flags[slot] = (t.flags[slot] as number) | TransferFlag.Retransmitted;
      t.pending[slot] = (t.pending[slot] as number) | Pending.Notify;
      this.bump(C.notifyRetransmits, 1);
      this.notifyFastRetransmits++;
      this.waitPush(peer, slot, true);
    }
  }

  /** A new attempt under the same id after a backoff: the notify goes again (RETRY flag, new credit). */
  private retryLater(slot: number, nowUs: number): void {
    const t = this.transfers;
    if (t.state[slot] === SenderState.Notifying) this.addCredit(t.peer[slot] as number);
    this.waitRemove(slot);
    this.setWork(slot, false);
    this.newAttempt(slot);
    t.exponent[slot] = Math.min(t.attempt[slot] as number, 31);
    this.bump(C.attemptsRetried, 1);
    this.arm(slot, Timer.Backoff, nowUs, -1);
  }

  /**
   * Starts a new attempt of a sender transfer under the same id (QUEUED, RETRY flag): what the
   * previous attempt's receiver held — its transfer id, the pulls it asked for, DATA in flight — is
   * forgotten (a FLOW_RESET or a peer reset ended that receiver record).
   */
  private newAttempt(slot: number): void {
    const t = this.transfers;
    t.attemptsLeft[slot] = (t.attemptsLeft[slot] as number) - 1;
    t.attempt[slot] = (t.attempt[slot] as number) + 1;
    if (this.tracer !== null) this.traceState(slot, SenderState.Queued, 0);
    t.state[slot] = SenderState.Queued;
    t.flags[slot] =
      ((t.flags[slot] as number) & ~(TransferFlag.Retransmitted | TransferFlag.Unscheduled)) |
      TransferFlag.RetryAttempt;
    t.retransmits[slot] = 0;
    t.silentExpiries[slot] = 0;
    this.dataDrop(slot);
    this.congestion.releaseTransfer(slot);
    t.peerIdHi[slot] = 0;
    t.peerIdLo[slot] = 0;
    t.sentEnd[slot] = 0;
    t.tailProbes[slot] = 0;
    t.lastPullId[slot] = 0;
  }

  /** The receiver holds the whole payload: complete, or wait for the response. */
  private senderDelivered(slot: number, nowUs: number): void {
    const t = this.transfers;
    if (((t.flags[slot] as number) & TransferFlag.ExpectsResponse) !== 0) {
      this.requestDelivered(slot, nowUs);
      return;
    }
    if (this.tracer !== null) this.traceState(slot, TraceState.SenderCompleted, 0);
    this.pushEvent(EventKind.Completed, slot, StatusCode.Ok);
    this.causalEnd(slot, true);
    this.finishSender(slot);
  }

  // spec: state-machines.md#sender-transfer (ACCEPTED … DRAINING × PULL_REQUEST)
  private onPull(nowUs: number, peer: number, view: PullRequestView): void {
    const t = this.transfers;
    const slot = t.ids.resolve(view.senderTransferIdHi, view.senderTransferIdLo);
    if (slot < 0 || t.role[slot] !== Role.Sender || t.peer[slot] !== peer) {
      if (!this.mayReplyUnknown(peer, view.senderTransferIdLo)) return;
      this.replyFlowReset(
        peer,
        view.senderTransferIdHi,
        view.senderTransferIdLo,
        view.receiverTransferIdHi,
        view.receiverTransferIdLo,
        StatusCode.UnknownTransfer,
      );
      return;
    }
    const state = t.state[slot] as number;
    if (
      ((t.flags[slot] as number) & TransferFlag.Inline) !== 0 ||
      state === SenderState.Queued ||
      state === SenderState.AwaitingResponse
    ) {
      return;
    }
    if (this.isDuplicatePull(slot, view.pullId)) {
      // A duplicated or replayed PULL_REQUEST (a receiver never sends one pull id twice): its ranges
      // were queued already; queueing them again would re-send their DATA once per copy.
      this.bump(C.verdictsSuppressed, 1);
      return;
    }
    if (state === SenderState.Notifying || state === SenderState.Held) {
      // The ACCEPT was lost or is late: a pull implies acceptance.
      this.waitRemove(slot);
      this.causalSent(slot);
      if (state === SenderState.Notifying) this.addCredit(peer);
      t.peerIdHi[slot] = view.receiverTransferIdHi;
      t.peerIdLo[slot] = view.receiverTransferIdLo;
    }
    const sealed = t.sealedBytes[slot] as number;
    const n = view.rangeCount;
    const lastEnd = (view.rangeOffsets[n - 1] as number) + (view.rangeLengths[n - 1] as number);
    if (lastEnd > sealed) {
      this.failSender(slot, StatusCode.ProtocolViolation, true);
      return;
    }
    for (let i = 0; i < n; i++) {
      const start = view.rangeOffsets[i] as number;
      this.sendRangePush(slot, start, start + (view.rangeLengths[i] as number), view.pullId);
      // congestion: a re-pull declares the chunks it covers lost (spec: congestion.md#protocol-inputs)
      if ((view.flags & PullFlag.Retransmission) !== 0) {
        this.congestion.onRepull(nowUs, peer, slot, start, start + (view.rangeLengths[i] as number));
      }
    }
    t.lastPullId[slot] = view.pullId;
    t.tailProbes[slot] = 0;
    this.health.onSuccess(peer, nowUs);
    if (view.desiredRateKiBps !== this.peerDesiredKiBps[peer]) {
      // spec: congestion.md#sender-rate — min(own cap, controller rate, the receiver's desired rate)
      this.peerDesiredKiBps[peer] = view.desiredRateKiBps;
      this.congestion.updatePacing(nowUs, peer);
    }
    if (this.tracer !== null && state !== SenderState.Draining) this.traceState(slot, SenderState.ServingPulls, 0);
    if (state !== SenderState.Draining) t.state[slot] = SenderState.ServingPulls;
    t.exponent[slot] = 0;
    t.silentExpiries[slot] = 0;
    this.arm(slot, Timer.Data, nowUs, -1);
    this.dataPush(peer, slot);
  }

  /**
   * Whether pull `pullId` was seen already: it is the last pull received, or ranges of it are still
   * queued. (An older pull whose ranges were all sent is not recognised: it is served again.)
   */
  private isDuplicatePull(slot: number, pullId: number): boolean {
    const t = this.transfers;
    if (pullId === t.lastPullId[slot]) return true;
    const count = t.sendCount[slot] as number;
    const base = slot * SEND_RANGES_MAX;
    const head = t.sendHead[slot] as number;
    for (let i = 0; i < count; i++) if (t.sendPull[base + ((head + i) % SEND_RANGES_MAX)] === pullId) return true;
    return false;
  }

  // spec: state-machines.md#sender-transfer (SERVING_PULLS, DRAINING × RANGE_ACK)
  private onRangeAck(nowUs: number, peer: number, view: RangeAckView): void {
    const t = this.transfers;
    const slot = t.ids.resolve(view.senderTransferIdHi, view.senderTransferIdLo);
    if (slot < 0 || t.role[slot] !== Role.Sender || t.peer[slot] !== peer) return;
    if ((view.flags & RangeAckFlag.Complete) === 0) {
      // Progress: the receiver is alive and receiving (no per-range bookkeeping: pulls drive sending).
      t.exponent[slot] = 0;
      t.silentExpiries[slot] = 0;
      t.tailProbes[slot] = 0;
      this.health.onSuccess(peer, nowUs);
      // congestion: the ranges acknowledge chunks; the window may have opened
      if (this.congestion.onRangeAck(nowUs, peer, slot, view)) this.scheduleData(peer);
      return;
    }
    const state = t.state[slot] as number;
    if (state === SenderState.Queued || state === SenderState.AwaitingResponse) return;
    if (state === SenderState.Notifying) this.addCredit(peer);
    this.congestion.onTransferAcked(nowUs, peer, slot);
    this.scheduleData(peer);
    this.senderDelivered(slot, nowUs);
  }

  // spec: state-machines.md#sender-transfer (SERVING_PULLS, DRAINING × CANCEL_PULL(p))
  private onCancelPull(peer: number, hi: number, lo: number, pullId: number): void {
    const t = this.transfers;
    const slot = t.ids.resolve(hi, lo);
    if (slot < 0 || t.role[slot] !== Role.Sender || t.peer[slot] !== peer) return;
    if (pullId === 0) {
      this.dataDrop(slot);
      return;
    }
    // Keep the queued ranges of other pulls, in order.
    const count = t.sendCount[slot] as number;
    const base = slot * SEND_RANGES_MAX;
    const head = t.sendHead[slot] as number;
    let kept = 0;
    for (let i = 0; i < count; i++) {
      const from = base + ((head + i) % SEND_RANGES_MAX);
      if (t.sendPull[from] === pullId) continue;
      const to = base + ((head + kept) % SEND_RANGES_MAX);
      t.sendStart[to] = t.sendStart[from] as number;
      t.sendEnd[to] = t.sendEnd[from] as number;
      t.sendPull[to] = t.sendPull[from] as number;
      kept++;
    }
    t.sendCount[slot] = kept;
  }

  // spec: protocol.md#flow-reset (lookup rule), state-machines.md (FLOW_RESET rows)
  private onFlowReset(nowUs: number, peer: number, view: FlowResetView): void {
    const t = this.transfers;
    this.admission.handleFlowReset(peer, view);
    const status = view.statusCode;
    const rHi = view.receiverTransferIdHi;
    const rLo = view.receiverTransferIdLo;
    const sHi = view.senderTransferIdHi;
    const sLo = view.senderTransferIdLo;
    if (rHi !== 0 || rLo !== 0) {
      const receiver = t.ids.resolve(rHi, rLo);
      if (
        receiver >= 0 &&
        t.role[receiver] === Role.Receiver &&
        t.peer[receiver] === peer &&
        t.peerIdHi[receiver] === sHi &&
        t.peerIdLo[receiver] === sLo
      ) {
        // streams hook: a held item has every byte; its sender's late reset changes nothing (an
        // abort of the stream arrives as STREAM_CLOSE).
        if (this.streams.itemHeld[receiver] !== 1) this.failReceiver(receiver, status, false, nowUs);
        return;
      }
      const sender = t.ids.resolve(sHi, sLo);
      if (
        sender >= 0 &&
        t.role[sender] === Role.Sender &&
        t.peer[sender] === peer &&
        ((t.peerIdHi[sender] === rHi && t.peerIdLo[sender] === rLo) ||
          (t.peerIdHi[sender] === 0 && t.peerIdLo[sender] === 0))
      ) {
        if (this.flowResetRetryable(sender, status)) {
          // spec: state-machines.md#sender-transfer (NOTIFYING … DRAINING × FLOW_RESET, transient, attempts left → QUEUED (backoff))
          this.bump(C.flowResetRetries, 1);
          this.retryLater(sender, nowUs);
        } else {
          this.failSender(sender, status, false);
        }
      }
      return;
    }
    const receiver = t.findReceiver(peer, sHi, sLo);
    if (receiver !== NONE) {
      if (this.streams.itemHeld[receiver] !== 1) this.failReceiver(receiver, status, false, nowUs);
      return;
    }
    // The responder's response to our request failed for good: the request fails with its status.
    const request = t.ids.resolve(sHi, sLo);
    if (
      request >= 0 &&
      t.role[request] === Role.Sender &&
      t.peer[request] === peer &&
      t.kind[request] === TransferKind.UnaryRequest &&
      t.state[request] === SenderState.AwaitingResponse &&
      t.link[request] === NONE
    ) {
      this.failSender(request, status, false);
    }
  }

  // spec: state-machines.md#sender-transfer (NOTIFYING × TRANSFER_CHALLENGE)
  private onChallenge(peer: number, view: TransferChallengeView): void {
    const t = this.transfers;
    const slot = t.ids.resolve(view.senderTransferIdHi, view.senderTransferIdLo);
    const seq = view.notifySequenceHi * TWO_POW_32 + view.notifySequenceLo;
    if (
      slot >= 0 &&
      t.role[slot] === Role.Sender &&
      t.peer[slot] === peer &&
      (t.firstSeq[slot] as number) > 0 &&
      seq >= (t.firstSeq[slot] as number) &&
      seq <= (t.lastSeq[slot] as number)
    ) {
      const index = this.peers.pushReply(peer, ReplyKind.ChallengeResponse);
      if (index === NONE) return;
      const p = this.peers;
      p.replyAHi[index] = view.senderTransferIdHi;
      p.replyALo[index] = view.senderTransferIdLo;
      p.replyBHi[index] = view.notifySequenceHi;
      p.replyBLo[index] = view.notifySequenceLo;
      p.replyNonce.set(
        view.nonceBytes.subarray(view.nonceOffset, view.nonceOffset + REPLY_NONCE_BYTES),
        index * REPLY_NONCE_BYTES,
      );
      return;
    }
    if (!this.mayReplyUnknown(peer, view.senderTransferIdLo)) return;
    this.replyFlowReset(peer, view.senderTransferIdHi, view.senderTransferIdLo, 0, 0, StatusCode.UnknownTransfer);
  }

  // spec: state-machines.md#receiver-transfer (PULLING × DATA chunk)
  private onData(nowUs: number, bytes: Uint8Array, peer: number): void {
    const opened = this.opener.opened;
    const end = opened.bodyOffset + opened.bodyLength;
    const chunk = this.chunk;
    const t = this.transfers;
    for (let at = opened.bodyOffset; at < end; ) {
      const size = decodeDataChunk(bytes, at, end, chunk);
      if (size <= 0) return;
      at += size;
      this.bump(C.chunksReceived, 1);
      const slot =
        chunk.pullId === UNSCHEDULED_PULL_ID
          ? t.findReceiver(peer, chunk.receiverTransferIdHi, chunk.receiverTransferIdLo)
          : t.ids.resolve(chunk.receiverTransferIdHi, chunk.receiverTransferIdLo);
      if (this.tracer !== null) this.traceChunkReceived(slot, peer, chunk);
      // DATA is unauthenticated: the chunk must name our receiver transfer AND come from its peer.
      if (slot < 0 || t.role[slot] !== Role.Receiver || t.peer[slot] !== peer) {
        this.bump(C.chunksDropped, 1);
        continue;
      }
      const state = t.state[slot] as number;
      if (state === ReceiverState.Delivered || this.streams.itemHeld[slot] === 1) {
        // A tail probe (or a late duplicate): re-send the final acknowledgement (at most once per RTT).
        if (((t.flags[slot] as number) & TransferFlag.Inline) === 0 && this.mayResendVerdict(slot)) {
          this.ctrlMark(slot, Pending.RangeAckComplete);
        }
        continue;
      }
      if (state !== ReceiverState.Pulling) {
        this.bump(C.chunksDropped, 1);
        continue;
      }
      this.onChunk(nowUs, slot, chunk);
    }
  }

  private onChunk(nowUs: number, slot: number, chunk: DataChunkView): void {
    const t = this.transfers;
    const start = chunk.sealedOffset;
    const stop = start + chunk.length;
    const pullId = chunk.pullId;
    if (
      (pullId === UNSCHEDULED_PULL_ID
        ? ((t.flags[slot] as number) & TransferFlag.Unscheduled) === 0
        : pullId < (t.pullIdFirst[slot] as number) || pullId > (t.pullIdLast[slot] as number)) ||
      stop > (t.requestedEnd[slot] as number)
    ) {
      this.bump(C.chunksDropped, 1);
      if (this.tracer !== null) this.traceSlot(TraceKind.Error, slot, TraceError.ChunkDropped, 2, start);
      return;
    }
    const reassembly = t.reassembly[slot] as Uint8Array;
    const received = t.rangeSetOf(slot);
    // The end of the sealed stream (the last chunk, or a sender's tail probe): answer with a
    // RANGE_ACK so a live receiver's sender sees progress (state-machines.md#sender-transfer, tail probe).
    if (stop === t.sealedBytes[slot]) this.ctrlMark(slot, Pending.RangeAck);
    if (received.covers(start, stop)) {
      this.bump(C.chunkBytesDuplicate, chunk.length);
      return;
    }
    // Copy only the bytes not received yet: verified records are decrypted in place and must not
    // be overwritten by a late duplicate or a tail probe that overlaps them.
    const gaps = this.missingScratch;
    const gapCount = received.missingIn(start, stop, gaps, PULL_RANGES_MAX);
    const added = received.add(start, stop);
    if (added === FRAGMENT_LIMIT) {
      this.bump(C.chunksDropped, 1);
      if (this.tracer !== null) this.traceSlot(TraceKind.Error, slot, TraceError.ChunkDropped, 3, start);
      return;
    }
    const source = chunk.bytes;
    const delta = chunk.bytesOffset - start;
    const base = t.reassemblyOffset[slot] as number;
    for (let i = 0; i < gapCount; i++) {
      const gapStart = gaps[2 * i] as number;
      const gapEnd = gaps[2 * i + 1] as number;
      copyBytes(source, gapStart + delta, reassembly, base + gapStart, gapEnd - gapStart);
    }
    this.bump(C.chunkBytesReceived, added);
    if (added > 0) {
      this.congestion.noteReceived(slot, start);
      this.congestion.lastDataUs[t.peer[slot] as number] = nowUs;
    }
    const sinceAck = (t.bytesSinceAck[slot] as number) + added;
    if (sinceAck >= this.config.ackEveryBytes) {
      t.bytesSinceAck[slot] = 0;
      this.ctrlMark(slot, Pending.RangeAck);
    } else {
      t.bytesSinceAck[slot] = sinceAck;
    }
    this.bump(C.chunkBytesDuplicate, chunk.length - added);
    t.outstandingBytes[slot] = (t.outstandingBytes[slot] as number) - added;
    this.pullOutstandingTotal -= added;
    // congestion: a pull fully answered is acknowledged at once (its last chunks must not wait)
    if (added > 0 && (t.outstandingBytes[slot] as number) <= 0) this.ctrlMark(slot, Pending.RangeAck);
    const peer = t.peer[slot] as number;
    if (
      chunk.pullId === t.pullIdLast[slot] &&
      ((t.flags[slot] as number) & TransferFlag.PullRetransmission) === 0 &&
      (t.sentAtUs[slot] as number) > 0
    ) {
      this.rttSample(peer, nowUs, nowUs - (t.sentAtUs[slot] as number));
      t.sentAtUs[slot] = 0;
    }
    // Progress: the pull phase restarts its backoff. The pull timer runs only while bytes are
    // outstanding: a transfer waiting for the local scheduler (window, pacing) waits on us.
    t.exponent[slot] = 0;
    t.retransmits[slot] = 0;
    t.silentExpiries[slot] = 0;
    if ((t.outstandingBytes[slot] as number) > 0) this.arm(slot, Timer.Pull, nowUs, -1);
    else this.disarm(slot);
    // Verify every record this chunk completed.
    const key = t.payloadKey[slot] as PayloadKey;
    const done = t.recordDone[slot] as Uint8Array;
    const first = key.recordIndexOf(start);
    const last = key.recordIndexOf(stop - 1);
    for (let r = first; r <= last; r++) {
      if (done[r] === 1) continue;
      const recordStart = key.recordSealedOffset(r);
      const recordEnd = recordStart + key.recordSealedLength(r);
      if (!received.covers(recordStart, recordEnd)) continue;
      if (this.cipher.openRecord(key, r, reassembly, base + recordStart)) {
        done[r] = 1;
        t.recordsVerified[slot] = (t.recordsVerified[slot] as number) + 1;
        continue;
      }
      // spec: state-machines.md#receiver-transfer (record failed to open)
      this.bump(C.recordsFailed, 1);
      const failures = (t.integrityFailures[slot] as number) + 1;
      t.integrityFailures[slot] = failures;
      if (this.tracer !== null) this.traceSlot(TraceKind.Error, slot, TraceError.RecordFailed, r, failures);
      if (failures >= this.config.integrityFailuresMax) {
        this.failReceiver(slot, StatusCode.IntegrityFailure, true, nowUs);
        return;
      }
      const removed = received.remove(recordStart, recordEnd);
      if (removed > 0) {
        t.outstandingBytes[slot] = (t.outstandingBytes[slot] as number) + removed;
        this.pullOutstandingTotal += removed;
      }
      this.gapPull(slot, nowUs);
    }
    if ((t.recordsVerified[slot] as number) === key.recordCount) {
      this.completeReceiver(slot, nowUs);
      return;
    }
    this.maybeQueuePull(slot);
  }

  /** Every record verified: compact the plaintext and deliver. */
  private completeReceiver(slot: number, nowUs: number): void {
    const t = this.transfers;
    this.disarm(slot);
    const key = t.payloadKey[slot] as PayloadKey;
    const reassembly = t.reassembly[slot] as Uint8Array;
    // Records sit R + 16 apart; move plaintexts down so the payload is contiguous (dest ≤ src).
    const base = t.reassemblyOffset[slot] as number;
    for (let r = 1; r < key.recordCount; r++) {
      const from = base + key.recordSealedOffset(r);
      reassembly.copyWithin(base + key.recordPayloadOffset(r), from, from + key.recordLength(r));
    }
    this.pullQueue.remove(slot);
    this.memoryWaitList.remove(slot);
    this.pullOutstandingTotal -= t.outstandingBytes[slot] as number;
    t.outstandingBytes[slot] = 0;
    if (this.tracer !== null) this.traceState(slot, ReceiverState.Reassembling, 0);
    t.state[slot] = ReceiverState.Reassembling;
    this.setWork(slot, false);
    this.tryDeliverBuffered(slot, nowUs);
  }

  private tryDeliverBuffered(slot: number, nowUs: number): boolean {
    const t = this.transfers;
    if (this.streams.streamOf[slot] !== NONE) {
      // streams hook: acknowledge the item (its sender completes) and hold it for its turn.
      this.ctrlMark(slot, Pending.RangeAckComplete);
      this.streams.itemReady(slot, nowUs);
      return true;
    }
    if (this.events.size >= this.config.eventsMax) {
      // spec: state-machines.md#receiver-transfer (REASSEMBLING × delivery not allowed yet: wait)
      this.blocked[this.blockedCount++] = slot;
      return false;
    }
    const header = t.headerRef[slot] ?? null;
    const reassembly = t.reassembly[slot] as Uint8Array;
    if (this.tracer !== null) this.traceState(slot, ReceiverState.Delivered, 0);
    t.state[slot] = ReceiverState.Delivered;
    this.reassemblyInUse -= t.reassemblyBytesHeld[slot] as number;
    t.reassemblyBytesHeld[slot] = 0;
    this.receiverInactive();
    this.ctrlMark(slot, Pending.RangeAckComplete);
    this.deliver(
      slot,
      nowUs,
      header ?? EMPTY_BYTES,
      0,
      header?.length ?? 0,
      reassembly,
      t.reassemblyOffset[slot] as number,
    );
    t.reassembly[slot] = null;
    t.recordDone[slot] = null;
    t.headerRef[slot] = null;
    t.payloadKey[slot]?.destroy();
    t.payloadKey[slot] = null;
    return true;
  }

  /** Hands a delivered transfer to the application and starts its time-wait (or waits for respond). */
  private deliver(
    slot: number,
    nowUs: number,
    header: Uint8Array,
    headerOffset: number,
    headerLength: number,
    payload: Uint8Array,
    payloadOffset: number,
  ): void {
    const t = this.transfers;
    const kind = t.kind[slot] as number;
    const length = t.payloadBytes[slot] as number;
    const peer = t.peer[slot] as number;
    const metadata = t.metadata[slot] as number;
    if (kind === TransferKind.Response) {
      const request = t.link[slot] as number;
      t.link[slot] = NONE;
      if (
        request !== NONE &&
        t.ids.slots.isLive(request, t.linkGeneration[slot] as number) &&
        t.role[request] === Role.Sender &&
        t.link[request] === slot
      ) {
        // spec: state-machines.md#sender-transfer (AWAITING_RESPONSE × response delivered → COMPLETED)
        this.events.push(
          EventKind.ResponseReceived,
          t.handleOf(request),
          peer,
          kind,
          0,
          metadata,
          header,
          headerOffset,
          headerLength,
          payload,
          payloadOffset,
          length,
        );
        t.link[request] = NONE;
        if (this.tracer !== null) this.traceState(request, TraceState.SenderCompleted, 0);
        // spec: state-machines.md#sender-transfer (RESPONSE_RECEIVED on entering COMPLETED)
        this.causalEnd(request, true);
        this.finishSender(request);
      } else {
        this.events.cancelReservation();
        this.bump(C.eventsIgnored, 1);
      }
      this.arm(slot, Timer.TimeWait, nowUs, this.config.timeWaitUs);
      return;
    }
    const eventKind = kind === TransferKind.UnaryRequest ? EventKind.RequestReceived : EventKind.TransferReceived;
    t.flags[slot] = (t.flags[slot] as number) | TransferFlag.Visible;
    this.events.push(
      eventKind,
      t.handleOf(slot),
      peer,
      kind,
      0,
      metadata,
      header,
      headerOffset,
      headerLength,
      payload,
      payloadOffset,
      length,
    );
    if (kind === TransferKind.UnaryRequest) {
      t.flags[slot] = (t.flags[slot] as number) | TransferFlag.AwaitingRespond;
    } else {
      this.arm(slot, Timer.TimeWait, nowUs, this.config.timeWaitUs);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Timers

  /** Runs every timer due at or before `nowUs`. */
  /**
   * The driver's report of an ICMP destination-unreachable (or the platform's equivalent, e.g. a
   * libfabric error completion) for `peer`'s address. Peer health takes it as an unanswered probe
   * (PROBING at once) or, with `peerHealth.icmpPolicy = IcmpPolicy.Fail`, fails the peer: its
   * transfers end with `LocalStatus.PeerUnreachable`. Without work outstanding to the peer it only
   * becomes DEGRADED; an unknown peer is ignored. spec: state-machines.md#peer-health
   */
  handleUnreachable(nowUs: number, peer: number): void {
    if (!(Number.isInteger(peer) && peer >= 0 && peer < this.config.peersMax) || this.peers.active[peer] !== 1) return;
    this.nowUs = nowUs;
    this.health.onIcmpUnreachable(peer, nowUs);
    this.afterHealthInput(peer, nowUs);
  }

  handleTimeout(nowUs: number): void {
    this.nowUs = nowUs;
    const wheel = this.wheel;
    wheel.advanceTo(nowUs);
    const t = this.transfers;
    for (;;) {
      const handle = wheel.pollExpired();
      if (handle === TIMER_NONE) break;
      const kind = wheel.kindOf(handle);
      const slot = wheel.targetOf(handle);
      if (kind === Timer.Health) {
        const peer = ~slot;
        if (this.peerTimer[peer] !== handle) continue;
        this.peerTimer[peer] = NONE;
        if (this.tracer !== null) this.tracePeer(TraceKind.TimerExpired, peer, Timer.Health, 0, 0);
        this.onHealthTimer(peer, nowUs);
        continue;
      }
      if (kind === Timer.StreamClose || kind === Timer.StreamTimeWait) {
        if (this.tracer !== null) this.traceStreamTimer(kind, slot);
        this.streams.onTimer(kind, slot, handle, nowUs);
        continue;
      }
      if (kind === Timer.Deadline) {
        if (this.deadlineTimer[slot] !== handle) continue;
        this.deadlineTimer[slot] = NONE;
        if (this.tracer !== null) this.traceSlot(TraceKind.TimerExpired, slot, Timer.Deadline, 0, 0);
        // spec: state-machines.md#sender-transfer (any non-terminal × deadline → FAILED (TIMEOUT))
        if (t.role[slot] === Role.Sender) this.failSender(slot, StatusCode.Timeout, true);
        continue;
      }
      if (t.timer[slot] !== handle) continue;
      t.timer[slot] = NONE;
      if (this.tracer !== null) this.traceTimer(kind, slot);
      this.onTimer(kind, slot, nowUs);
    }
    this.admission.expire(nowUs);
    if (this.dirtyCount > 0) this.flushHealth(nowUs);
  }

  private onTimer(kind: number, slot: number, nowUs: number): void {
    const t = this.transfers;
    const config = this.config;
    const peer = t.peer[slot] as number;
    const heard = (this.peers.lastHeardUs[peer] as number) > (t.armedAtUs[slot] as number);
    if (kind === Timer.TimeWait) {
      this.freeReceiver(slot);
      return;
    }
    if (kind === Timer.ResetHold) {
      // spec: replay-and-secrets.md#unknown-path-secret (no new secret within peerResetHoldUs)
      this.bump(C.peerResetFailures, 1);
      this.failSender(slot, StatusCode.PeerReset, false);
      return;
    }
    if (kind === Timer.Response) {
      this.failSender(slot, StatusCode.Timeout, true);
      return;
    }
    if (kind === Timer.Backoff) {
      // spec: state-machines.md#sender-transfer (QUEUED × backoff timer → QUEUED (turn))
      t.pending[slot] = (t.pending[slot] as number) | Pending.Notify;
      this.waitPush(peer, slot, false);
      return;
    }
    const health = this.health;
    // Karn: a pull whose timer expired no longer gives an RTT sample (a late answer — or a sender's
    // tail probe after an outage — would measure the outage, not the path).
    if (kind === Timer.Pull) {
      t.sentAtUs[slot] = 0;
      if (this.congestion.enabled && this.congestion.peerSentDataSince(peer, t.armedAtUs[slot] as number)) {
        // The peer is sending us DATA: our pull waits behind its window and pacing, it is not lost.
        t.exponent[slot] = 0;
        this.arm(slot, Timer.Pull, nowUs, -1);
        return;
      }
    }
    // congestion: chunks unacknowledged for a whole timeout are lost (spec: congestion.md#engine-glue)
    if (kind === Timer.Data && this.congestion.onDataTimer(nowUs, peer, slot, t.armedAtUs[slot] as number)) {
      this.scheduleData(peer);
    }
    if (kind === Timer.Data && (t.sendCount[slot] as number) > 0) {
      // Chunks still queued here (pacing): the wait is ours, not the receiver's silence.
      t.exponent[slot] = 0;
      this.arm(slot, kind, nowUs, -1);
      return;
    }
    if (health.phaseTimersSuspended(peer)) {
      // spec: state-machines.md#peer-health (PROBING: phase timers suspended; probes decide)
      this.arm(slot, kind, nowUs, -1);
      return;
    }
    if (heard) {
      // Silent expiries count consecutive silence: hearing the peer restarts them (retransmission
      // counters are not reset, except the pull's: see Timer.Pull; they bound the work spent on one message).
      t.exponent[slot] = health.timeoutExponentStartOf(peer);
      t.silentExpiries[slot] = 0;
    } else {
      t.exponent[slot] = Math.min((t.exponent[slot] as number) + 1, 31);
      t.silentExpiries[slot] = (t.silentExpiries[slot] as number) + 1;
      // spec: state-machines.md#peer-health (failure sample: a silent expiry)
      health.onTimeout(peer, nowUs);
      this.afterHealthInput(peer, nowUs);
      // The peer may just have been declared FAILED, ending this transfer.
      if (t.role[slot] === 0 || t.state[slot] === ReceiverState.Failed) return;
    }
    switch (kind) {
      case Timer.Notify: {
        // spec: state-machines.md#sender-transfer (NOTIFYING × notify timer)
        const retransmits = (t.retransmits[slot] as number) + 1;
        if (retransmits > config.notifyRetransmitsMax) {
          this.failSender(slot, StatusCode.Timeout, true);
          return;
        }
        t.retransmits[slot] = retransmits;
        t.flags[slot] = (t.flags[slot] as number) | TransferFlag.Retransmitted;
        t.pending[slot] = (t.pending[slot] as number) | Pending.Notify;
        this.bump(C.notifyRetransmits, 1);
        this.waitPush(peer, slot, true);
        return;
      }
      case Timer.Liveness: {
        // spec: state-machines.md#sender-transfer (HELD, ACCEPTED × liveness timer)
        if ((t.silentExpiries[slot] as number) >= config.silentExpiriesMax) {
          this.failSender(slot, StatusCode.Timeout, true);
          return;
        }
        // acceptor hook: a long HELD sender asks for the verdict again (a refusal may have been lost).
        if (t.state[slot] === SenderState.Held && this.pokeHeld(slot, peer, nowUs)) return;
        this.arm(slot, Timer.Liveness, nowUs, -1);
        return;
      }
      case Timer.Data: {
        // spec: state-machines.md#sender-transfer (SERVING_PULLS × data timer, DRAINING × tail timer)
        if ((t.silentExpiries[slot] as number) >= config.silentExpiriesMax) {
          this.failSender(slot, StatusCode.Timeout, true);
          return;
        }
        // congestion: silence is persistent congestion (spec: congestion.md#timeout)
        if (!heard) this.congestion.onTimeout(nowUs, peer);
        if (t.state[slot] === SenderState.Draining && t.sendCount[slot] === 0) {
          const probes = (t.tailProbes[slot] as number) + 1;
          if (probes > config.tailProbesMax) {
            this.failSender(slot, StatusCode.Timeout, true);
            return;
          }
          t.tailProbes[slot] = probes;
          this.bump(C.tailProbes, 1);
          this.congestion.allowProbe(peer);
          const sealed = t.sealedBytes[slot] as number;
          this.sendRangePush(slot, Math.max(0, sealed - this.chunkMax), sealed, t.lastPullId[slot] as number);
          this.dataPush(peer, slot);
        }
        this.arm(slot, Timer.Data, nowUs, -1);
        return;
      }
      case Timer.Pull: {
        // spec: state-machines.md#receiver-transfer (PULLING × pull timer)
        if ((t.outstandingBytes[slot] as number) <= 0) {
          this.maybeQueuePull(slot);
          return;
        }
        // Only consecutive silent re-pulls count: hearing the peer restarts the count. A live sender
        // serves its pulls late, not never — behind its window (congestion control) or behind
        // higher-priority DATA in strict-priority NIC and switch queues, where an overloaded link
        // holds a low-priority pull's DATA for tens of ms (spec: state-machines.md#engine-decisions).
        const retransmits = heard ? 0 : (t.retransmits[slot] as number) + 1;
        if (retransmits > config.pullRetransmitsMax || (t.silentExpiries[slot] as number) >= config.silentExpiriesMax) {
          this.failReceiver(slot, StatusCode.Timeout, true, nowUs);
          return;
        }
        t.retransmits[slot] = retransmits;
        if (!this.gapPull(slot, nowUs)) this.maybeQueuePull(slot);
        return;
      }
      default:
        assert(false, 'unknown timer kind');
    }
  }

  // spec: state-machines.md#peer-health (probe timer)
  private onHealthTimer(peer: number, nowUs: number): void {
    const health = this.health;
    health.handleTimeout(peer, nowUs);
    if (health.shouldProbe(peer, nowUs)) {
      const index = this.peers.pushReply(peer, ReplyKind.Probe);
      if (index !== NONE) {
        const p = this.peers;
        p.replyAHi[index] = this.nextProbeId;
        p.replyALo[index] = nowUs % TWO_POW_32;
        this.nextProbeId = this.nextProbeId >= 0xffffffff ? 1 : this.nextProbeId + 1;
        this.bump(C.probesSent, 1);
        health.onProbeSent(peer, nowUs);
      }
    }
    this.afterHealthInput(peer, nowUs);
  }

  /** Re-arms the peer's health timer and acts on health transitions (FAILED fails the peer's work). */
  private afterHealthInput(peer: number, nowUs: number): void {
    const health = this.health;
    for (;;) {
      const changed = health.pollTransition();
      if (changed === TRANSITION_NONE) break;
      if (this.tracer !== null) this.traceHealthChange(changed);
      if (health.lastTo === PeerState.Failed) this.failPeer(changed);
      else if (health.lastFrom === PeerState.Probing && health.lastTo !== PeerState.Resetting) {
        this.resumePeer(changed, nowUs);
      }
    }
    const at = health.nextProbeAtUs(peer);
    const handle = this.peerTimer[peer] as number;
    if (at === PEER_HEALTH_TIME_NONE) {
      if (handle !== NONE) {
        this.wheel.cancel(handle);
        this.peerTimer[peer] = NONE;
      }
      return;
    }
    const deadline = Math.max(at, nowUs);
    if (handle !== NONE && this.wheel.reschedule(handle, deadline)) return;
    const fresh = this.wheel.schedule(deadline, Timer.Health, ~peer);
    assert(fresh !== TIMER_NONE, 'timing wheel sized for one timer per transfer and per peer is full');
    this.peerTimer[peer] = fresh;
  }

  /**
   * The peer lost our path secret (a verified UNKNOWN_PATH_SECRET for the current secret): the peer
   * is RESETTING. Its streams close PEER_RESET, every receiver record of it (time-wait included: its
   * next incarnation reuses ids) is dropped, every sender transfer to it is frozen (nothing is sent,
   * no phase timer; `peerResetHoldUs` hold), its secrets are removed and a PEER_RESET event asks the
   * application to install a new secret (`addPeer` with a new epoch, or a new handshake), which
   * re-attempts or fails each frozen transfer (confirmPeerReset).
   *
   * spec: state-machines.md#peer-health (any × UNKNOWN_PATH_SECRET → RESETTING), replay-and-secrets.md#unknown-path-secret
   */
  private resetPeer(peer: number, nowUs: number): void {
    if (!(peer >= 0 && peer < this.config.peersMax) || this.peers.active[peer] !== 1) return;
    const t = this.transfers;
    const status = StatusCode.PeerReset;
    // streams hook: every stream record of the peer goes (the restarted peer reuses stream ids).
    this.streams.closePeer(peer, status, true, nowUs);
    for (let slot = 0; slot < t.capacity; slot++) {
      if (t.peer[slot] !== peer) continue;
      if (t.role[slot] === Role.Sender) this.freezeSender(slot, nowUs);
    }
    // The remembered notify sequences belong to the lost secret (fast retransmit must not match them).
    this.sentCount[peer] = 0;
    this.sentHead[peer] = 0;
    for (let slot = 0; slot < t.capacity; slot++) {
      if (t.peer[slot] !== peer || t.role[slot] !== Role.Receiver) continue;
      this.failReceiver(slot, status, false, nowUs);
      if (((t.flags[slot] as number) & TransferFlag.AwaitingRespond) !== 0) {
        t.flags[slot] = (t.flags[slot] as number) & ~TransferFlag.AwaitingRespond;
      }
      this.disarm(slot);
      this.freeReceiver(slot);
    }
    this.admission.cancelPeer(peer);
    this.opener.pathSecrets.removePeer(peer);
    const p = this.peers;
    p.active[peer] = 0;
    p.sealers[peer] = null;
    this.congestion.resetPeer(nowUs, peer);
    p.replyCount[peer] = 0;
    p.replyHead[peer] = 0;
    this.health.onResetStarted(peer, nowUs);
    this.markHealthDirty(peer);
    this.bump(C.peersReset, 1);
    if (this.events.hasRoom) this.events.push(EventKind.PeerReset, 0, peer, 0, status, 0, null, 0, 0, null, 0, 0);
  }

  /**
   * Freezes a sender transfer of a RESETTING peer: it leaves every list, its phase timer becomes
   * the reset hold, it no longer counts as work, its link to a response receiver (dropped with the
   * peer's records) is cut, and whether the peer's application provably never received it is
   * recorded now, from the progress it had made (peer-reset.ts). It sits in QUEUED with the Frozen
   * flag, so a cancel or deadline ends it without a FLOW_RESET.
   *
   * spec: state-machines.md#sender-transfer (any non-terminal × peer RESETTING → freeze)
   */
  private freezeSender(slot: number, nowUs: number): void {
    const t = this.transfers;
    let flags = t.flags[slot] as number;
    if ((flags & TransferFlag.Frozen) !== 0) return;
    if (
      senderNeverDelivered(t.state[slot] as number, flags, t.sentEnd[slot] as number, t.sealedBytes[slot] as number)
    ) {
      flags |= TransferFlag.ResetNeverDelivered;
    }
    t.flags[slot] = flags | TransferFlag.Frozen;
    this.setWork(slot, false);
    this.waitRemove(slot);
    this.dataDrop(slot);
    this.congestion.releaseTransfer(slot);
    const link = t.link[slot] as number;
    if (link !== NONE && t.ids.slots.isLive(link, t.linkGeneration[slot] as number) && t.link[link] === slot) {
      t.link[link] = NONE;
    }
    t.link[slot] = NONE;
    t.state[slot] = SenderState.Queued;
    t.pending[slot] = 0;
    const peer = t.peer[slot] as number;
    this.frozenSenders[peer] = (this.frozenSenders[peer] as number) + 1;
    this.arm(slot, Timer.ResetHold, nowUs, this.config.peerResetHoldUs);
  }

  /**
   * A new path secret is in place for a RESETTING peer (addPeer: the PSK "re-handshake"): each
   * frozen sender transfer starts a new attempt under it or fails PEER_RESET (peer-reset.ts).
   *
   * spec: state-machines.md#peer-health (RESETTING × re-handshake confirmed), state-machines.md#sender-transfer (peer reset confirmed)
   */
  private confirmPeerReset(peer: number, nowUs: number): void {
    const t = this.transfers;
    for (let slot = 0; slot < t.capacity && (this.frozenSenders[peer] as number) > 0; slot++) {
      if (t.peer[slot] !== peer || t.role[slot] !== Role.Sender) continue;
      const flags = t.flags[slot] as number;
      if ((flags & TransferFlag.Frozen) === 0) continue;
      if (this.neverNotified(slot)) {
        this.restartAfterPeerReset(slot, nowUs, false);
        continue;
      }
      const hasPayload =
        (flags & TransferFlag.Inline) !== 0
          ? t.inlineRef[slot] !== null && t.inlineRef[slot] !== undefined
          : t.buffer[slot] !== NONE;
      if (
        retryAfterPeerReset(flags, t.attemptsLeft[slot] as number, t.kind[slot] === TransferKind.Response, hasPayload)
      ) {
        this.restartAfterPeerReset(slot, nowUs, true);
      } else {
        this.bump(C.peerResetFailures, 1);
        this.failSender(slot, StatusCode.PeerReset, false);
      }
    }
  }

  /** A frozen sender's new attempt under the new secret: a fresh notify (new sequence space), due now. */
  /**
   * Whether a frozen sender never sent a notify in its current attempt (and is no response or stream
   * item): nothing of it reached the peer, so the new secret starts it as it is — no attempt is
   * used, whatever `retryOnPeerReset` says.
   */
  private neverNotified(slot: number): boolean {
    const t = this.transfers;
    const kind = t.kind[slot] as number;
    return (
      t.firstSeq[slot] === 0 &&
      t.state[slot] === SenderState.Queued &&
      ((t.flags[slot] as number) & TransferFlag.ResetNeverDelivered) !== 0 &&
      (kind === TransferKind.UnaryRequest || kind === TransferKind.Bulk)
    );
  }

  /**
   * A frozen sender goes on under the peer's new secret: as a new attempt (`newAttempt`), or — one
   * that never sent a notify in its attempt ({@link neverNotified}) — as it is, using no attempt.
   */
  private restartAfterPeerReset(slot: number, nowUs: number, newAttempt: boolean): void {
    const t = this.transfers;
    const peer = t.peer[slot] as number;
    t.flags[slot] = (t.flags[slot] as number) & ~(TransferFlag.Frozen | TransferFlag.ResetNeverDelivered);
    this.frozenSenders[peer] = (this.frozenSenders[peer] as number) - 1;
    this.disarm(slot);
    if (newAttempt) {
      this.newAttempt(slot);
      // A new path secret starts a new notify-sequence space: the old range proves nothing any more.
      t.firstSeq[slot] = 0;
      t.lastSeq[slot] = 0;
      this.fastRetransmitAtUs[slot] = -1;
      this.bump(C.attemptsRetried, 1);
    }
    t.exponent[slot] = 0;
    t.armedAtUs[slot] = nowUs;
    t.pending[slot] = Pending.Notify;
    this.bump(C.peerResetRetries, 1);
    // A transfer still waiting for its causality dependencies is queued when they are ready.
    if (this.depsWaiting[slot] !== 1) this.waitPush(peer, slot, false);
  }

  /**
   * Whether a FLOW_RESET from the receiver starts a new attempt: a transient status (the receiver
   * refused before delivering and freed its record), attempts left, a state in which the receiver
   * cannot have delivered a response (NOTIFYING … DRAINING) and not a stream item (a stream's items
   * are reset when the stream aborts).
   */
  private flowResetRetryable(slot: number, status: number): boolean {
    const t = this.transfers;
    const state = t.state[slot] as number;
    return (
      isTransientStatus(status) &&
      (t.attemptsLeft[slot] as number) > 0 &&
      state >= SenderState.Notifying &&
      state <= SenderState.Draining &&
      this.streams.streamOf[slot] === NONE
    );
  }

  // spec: state-machines.md#peer-health (PROBING × PROBE_RESPONSE: resume phase timers (k = 0), release notifies)
  private resumePeer(peer: number, nowUs: number): void {
    const t = this.transfers;
    const start = this.health.timeoutExponentStartOf(peer);
    for (let slot = 0; slot < t.capacity; slot++) {
      if (t.peer[slot] !== peer || t.timer[slot] === NONE) continue;
      const kind = t.timerKind[slot] as number;
      if (kind === Timer.TimeWait || kind === Timer.Response || kind === Timer.Backoff || kind === Timer.ResetHold)
        continue;
      // The peer just answered: a fresh phase (k = start, no silence yet).
      t.exponent[slot] = start;
      t.silentExpiries[slot] = 0;
      this.arm(slot, kind, nowUs, -1);
    }
    if (!this.waitList.isEmpty(peer)) this.peers.schedule(peer);
  }

  // spec: state-machines.md#peer-health (PROBING × probe timer, probes exhausted → FAILED)
  private failPeer(peer: number): void {
    this.bump(C.peersFailed, 1);
    const t = this.transfers;
    const status = LocalStatus.PeerUnreachable;
    // streams hook — spec: state-machines.md#stream (any but CLOSED × peer FAILED → CLOSED, PEER_UNREACHABLE)
    this.streams.closePeer(peer, status, false, this.nowUs);
    for (let slot = 0; slot < t.capacity; slot++) {
      if (t.peer[slot] !== peer) continue;
      const role = t.role[slot];
      if (role === Role.Sender) this.failSender(slot, status, false);
      else if (role === Role.Receiver) this.failReceiver(slot, status, false, this.nowUs);
    }
  }

  private rttSample(peer: number, nowUs: number, sampleUs: number): void {
    const rtt = this.peers.rtt[peer];
    if (rtt === undefined || !rtt.onSample(nowUs, sampleUs, 0)) return;
    this.health.setSmoothedRttUs(peer, Math.max(1, Math.ceil(rtt.smoothedRttUs)));
  }

  private setWork(slot: number, on: boolean): void {
    const counted = this.workCounted[slot] === 1;
    if (counted === on) return;
    this.workCounted[slot] = on ? 1 : 0;
    const peer = this.transfers.peer[slot] as number;
    this.health.addOutstandingWork(peer, on ? 1 : -1, this.nowUs);
    this.markHealthDirty(peer);
  }

  /** Defers re-reading a peer's health (timer, transitions) to the end of the current input or poll. */
  private markHealthDirty(peer: number): void {
    if (this.healthDirty[peer] === 1) return;
    this.healthDirty[peer] = 1;
    this.dirtyPeers[this.dirtyCount++] = peer;
  }

  private flushHealth(nowUs: number): void {
    for (let i = 0; i < this.dirtyCount; i++) {
      const peer = this.dirtyPeers[i] as number;
      this.healthDirty[peer] = 0;
      this.afterHealthInput(peer, nowUs);
    }
    this.dirtyCount = 0;
  }

  // spec: state-machines.md#sender-transfer (IDLE × submit, dependencies pending → QUEUED (deps))
  private registerCausality(slot: number, options: SubmitOptions): number {
    const map = this.causality;
    let token: number;
    try {
      token = map.create(options.dependsOn, options.dependencyKinds ?? undefined);
    } catch (error) {
      if (error instanceof BackpressureError) return SubmitError.WouldBlock;
      if (error instanceof StaleHandleError) return SubmitError.BadHandle;
      throw error;
    }
    this.causalToken[slot] = token;
    this.tokenSlot.set(token, slot);
    const state = map.stateOf(token);
    if (state === CausalityState.Pending) {
      this.depsWaiting[slot] = 1;
    } else if (state === CausalityState.Failed) {
      // A cascading dependency had already failed: poll() reports it; fail through that path.
      this.depsWaiting[slot] = 1;
    }
    return 0;
  }

  /** The causality token of a transfer submitted with `causal` / `dependsOn`, or 0. */
  tokenOf(handle: number): number {
    const slot = this.transfers.slotOfHandle(handle);
    return slot === NONE ? CAUSALITY_TOKEN_NONE : (this.causalToken[slot] as number);
  }

  // spec: state-machines.md#sender-transfer (QUEUED × deps ready / dependency failed)
  private pollCausality(): void {
    if (this.tokenSlot.size === 0) return;
    const map = this.causality;
    const tokens = this.causalityTokens;
    const outcomes = this.causalityOutcomes;
    for (;;) {
      const n = map.poll(tokens, outcomes);
      for (let i = 0; i < n; i++) {
        const slot = this.tokenSlot.get(tokens[i] as number);
        if (slot === undefined || this.depsWaiting[slot] !== 1) continue;
        this.depsWaiting[slot] = 0;
        if (outcomes[i] === CausalityOutcome.Failed) {
          this.failSender(slot, LocalStatus.DependencyFailed, false);
        } else {
          this.waitPush(this.transfers.peer[slot] as number, slot, false);
        }
      }
      if (n < tokens.length) break;
    }
  }

  /** REQUEST_SENT: the receiver holds the transfer. */
  private causalSent(slot: number): void {
    const token = this.causalToken[slot] as number;
    if (token === CAUSALITY_TOKEN_NONE) return;
    if (this.causality.stateOf(token) === CausalityState.Ready) this.causality.markRequestSent(token);
  }

  /** Terminal: complete or fail the entry, then release the token. */
  private causalEnd(slot: number, completed: boolean): void {
    const token = this.causalToken[slot] as number;
    if (token === CAUSALITY_TOKEN_NONE) return;
    const map = this.causality;
    const state = map.stateOf(token);
    if (completed && (state === CausalityState.Ready || state === CausalityState.RequestSent)) map.complete(token);
    else if (state !== CausalityState.Completed && state !== CausalityState.Failed && state !== CausalityState.Stale) {
      map.fail(token);
    }
    if (map.stateOf(token) !== CausalityState.Stale) map.release(token);
    this.tokenSlot.delete(token);
    this.causalToken[slot] = CAUSALITY_TOKEN_NONE;
    this.depsWaiting[slot] = 0;
  }

  /** Re-pulls the gaps of the requested area; returns false when there is none. */
  private gapPull(slot: number, nowUs: number): boolean {
    const t = this.transfers;
    const scratch = this.missingScratch;
    const count = t.rangeSetOf(slot).missing(t.requestedEnd[slot] as number, scratch, PULL_RANGES_MAX);
    if (count === 0) return false;
    const base = slot * 2 * PULL_RANGES_MAX;
    for (let i = 0; i < 2 * count; i++) t.pullRanges[base + i] = scratch[i] as number;
    t.pullRangeCount[slot] = count;
    t.flags[slot] = (t.flags[slot] as number) | TransferFlag.PullRetransmission;
    this.bump(C.pullRetransmits, 1);
    // The re-pull carries the received ranges too: they settle the sender's delivery records
    // (a sender whose window is full of delivered but unacknowledged chunks may wait on them).
    this.ctrlMark(slot, Pending.RangeAck);
    // spec: state-machines.md#receiver-transfer (PULLING × pull timer: CANCEL_PULL(old p), then the re-pull)
    const oldPull = t.pullIdLast[slot] as number;
    if (oldPull !== 0) {
      const index = this.peers.pushReply(t.peer[slot] as number, ReplyKind.CancelPull);
      if (index !== NONE) {
        this.peers.replyAHi[index] = t.peerIdHi[slot] as number;
        this.peers.replyALo[index] = t.peerIdLo[slot] as number;
        this.peers.replyBLo[index] = oldPull;
      }
    }
    this.issuePull(slot, nowUs);
    return true;
  }

  /** The next time `handleTimeout` must run (µs), or Infinity. */
  pollTimeoutUs(): number {
    return Math.min(this.wheel.nextDeadlineUs(), this.admission.nextDeadlineUs(), this.pacingWakeUs);
  }

  private bump(counter: number, amount: number): void {
    this.counters[counter] = (this.counters[counter] as number) + amount;
  }

  private srttUs(peer: number): number {
    const rtt = this.peers.rtt[peer];
    return rtt === undefined ? 1000 : Math.ceil(rtt.smoothedRttUs);
  }

  /** Arms (or re-arms) the slot's single phase timer: `durationUs` < 0 means timeout(k). */
  private arm(slot: number, kind: number, nowUs: number, durationUs: number): void {
    const t = this.transfers;
    let duration =
      durationUs >= 0
        ? durationUs
        : this.backoff.timeoutUs(this.srttUs(t.peer[slot] as number), t.exponent[slot] as number);
    // A receiver that asked for a rate waits one datagram's time at that rate beyond the timeout:
    // the sender paces to it (spec: congestion.md#sender-rate), a chunk is not late before then.
    const receiveRate = this.config.receiveRateBytesPerSecond;
    if (kind === Timer.Pull && durationUs < 0 && receiveRate < Number.POSITIVE_INFINITY) {
      duration += Math.ceil((this.config.datagramSizeMax * 1_000_000) / receiveRate);
    }
    const deadline = nowUs + duration;
    t.armedAtUs[slot] = nowUs;
    t.timerKind[slot] = kind;
    const handle = t.timer[slot] as number;
    if (handle !== NONE && this.wheel.kindOf(handle) === kind && this.wheel.reschedule(handle, deadline)) return;
    if (handle !== NONE) this.wheel.cancel(handle);
    const fresh = this.wheel.schedule(deadline, kind, slot);
    assert(fresh !== TIMER_NONE, 'timing wheel sized to the transfer table is full');
    t.timer[slot] = fresh;
  }

  private disarm(slot: number): void {
    const t = this.transfers;
    const handle = t.timer[slot] as number;
    if (handle !== NONE) {
      this.wheel.cancel(handle);
      t.timer[slot] = NONE;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Terminal transitions

  private finishSender(slot: number): void {
    const t = this.transfers;
    // peer reset hook: a frozen transfer ended (cancel, deadline, hold, failed dependency).
    if (((t.flags[slot] as number) & TransferFlag.Frozen) !== 0) {
      t.flags[slot] = (t.flags[slot] as number) & ~TransferFlag.Frozen;
      const peer = t.peer[slot] as number;
      this.frozenSenders[peer] = (this.frozenSenders[peer] as number) - 1;
    }
    // streams hook: a completed item may let its stream send its close or reach CLOSED.
    if (this.streams.streamOf[slot] !== NONE) this.streams.senderEnded(slot, StatusCode.Ok, this.nowUs);
    this.causalEnd(slot, false);
    this.setWork(slot, false);
    this.disarm(slot);
    const deadline = this.deadlineTimer[slot] as number;
    if (deadline !== NONE) {
      this.wheel.cancel(deadline);
      this.deadlineTimer[slot] = NONE;
    }
    this.waitRemove(slot);
    this.dataDrop(slot);
    this.congestion.releaseTransfer(slot);
    this.releaseBuffer(slot);
    const link = t.link[slot] as number;
    if (link !== NONE && t.ids.slots.isLive(link, t.linkGeneration[slot] as number) && t.link[link] === slot) {
      t.link[link] = NONE;
    }
    t.link[slot] = NONE;
    t.free(slot);
  }

  private failSender(slot: number, status: number, sendReset: boolean): void {
    const t = this.transfers;
    // streams hook: a failed item aborts its stream (order is broken).
    if (this.streams.streamOf[slot] !== NONE) this.streams.senderEnded(slot, status, this.nowUs);
    const state = t.state[slot] as number;
    if (sendReset && state !== SenderState.Queued) {
      this.replyFlowReset(
        t.peer[slot] as number,
        t.ids.idHi(slot),
        t.ids.idLo(slot),
        t.peerIdHi[slot] as number,
        t.peerIdLo[slot] as number,
        status,
      );
    }
    if (state === SenderState.Notifying) this.addCredit(t.peer[slot] as number);
    if (t.kind[slot] === TransferKind.Response) {
      // spec: state-machines.md#sender-transfer — a response that failed fails its request at the
      // requester (FLOW_RESET naming the request), which would otherwise wait for it forever.
      this.replyFlowReset(
        t.peer[slot] as number,
        t.replyToHi[slot] as number,
        t.replyToLo[slot] as number,
        0,
        0,
        status,
      );
    }
    if (this.tracer !== null) this.traceSenderFailed(slot, status);
    this.pushEvent(EventKind.Failed, slot, status);
    const link = t.link[slot] as number;
    if (link !== NONE && t.ids.slots.isLive(link, t.linkGeneration[slot] as number) && t.link[link] === slot) {
      // The response receiver of a failed request: no one wants it any more.
      t.link[link] = NONE;
      this.failReceiver(link, StatusCode.Cancelled, true, this.nowUs);
    }
    this.finishSender(slot);
  }

  private failReceiver(slot: number, status: number, sendReset: boolean, nowUs: number): void {
    const t = this.transfers;
    const state = t.state[slot] as number;
    if (state === ReceiverState.Failed || state === ReceiverState.Cancelled) return;
    if (state === ReceiverState.Delivered) {
      // A delivered request the requester gave up on: it can no longer be answered.
      if (((t.flags[slot] as number) & TransferFlag.AwaitingRespond) !== 0) {
        t.flags[slot] = (t.flags[slot] as number) & ~TransferFlag.AwaitingRespond;
        if (this.tracer !== null) this.traceState(slot, ReceiverState.Failed, status);
        t.state[slot] = ReceiverState.Failed;
        t.resetStatus[slot] = status;
        this.pushEvent(EventKind.Failed, slot, status);
        this.arm(slot, Timer.TimeWait, nowUs, this.config.timeWaitUs);
      }
      return;
    }
    const inStream = this.streams.streamOf[slot] !== NONE;
    // streams hook: a failed item aborts its stream (order is broken).
    if (inStream) this.streams.receiverFailed(slot, status, nowUs);
    if (sendReset) {
      if (state === ReceiverState.Pulling) {
        // spec: state-machines.md#receiver-transfer (CANCEL_PULL(0) if pulls are outstanding)
        const index = this.peers.pushReply(t.peer[slot] as number, ReplyKind.CancelPull);
        if (index !== NONE) {
          this.peers.replyAHi[index] = t.peerIdHi[slot] as number;
          this.peers.replyALo[index] = t.peerIdLo[slot] as number;
          this.peers.replyBLo[index] = 0;
        }
      }
      this.replyFlowReset(
        t.peer[slot] as number,
        t.peerIdHi[slot] as number,
        t.peerIdLo[slot] as number,
        t.ids.idHi(slot),
        t.ids.idLo(slot),
        status,
      );
    }
    this.pullQueue.remove(slot);
    this.memoryWaitList.remove(slot);
    if (this.flows.held[slot] !== HeldMark.None) this.flows.release(slot); // acceptor hook
    if (state === ReceiverState.Queued) this.queuedList.remove(slot);
    else if (state !== ReceiverState.Offered && ((t.flags[slot] as number) & TransferFlag.Inline) === 0) {
      this.receiverInactive();
    }
    if (this.blockedCount > 0) this.unblock(slot);
    this.pullOutstandingTotal -= t.outstandingBytes[slot] as number;
    t.outstandingBytes[slot] = 0;
    this.reassemblyInUse -= t.reassemblyBytesHeld[slot] as number;
    t.reassemblyBytesHeld[slot] = 0;
    t.reassembly[slot] = null;
    t.recordDone[slot] = null;
    t.payloadKey[slot]?.destroy();
    t.payloadKey[slot] = null;
    if (this.tracer !== null) this.traceState(slot, ReceiverState.Failed, status);
    t.state[slot] = ReceiverState.Failed;
    this.setWork(slot, false);
    t.resetStatus[slot] = status;
    t.pending[slot] = (t.pending[slot] as number) & ~(Pending.Pull | Pending.Accept | Pending.RangeAck);
    if (((t.flags[slot] as number) & TransferFlag.Visible) !== 0) this.pushEvent(EventKind.Failed, slot, status);
    const request = t.link[slot] as number;
    if (request !== NONE && t.ids.slots.isLive(request, t.linkGeneration[slot] as number) && t.link[request] === slot) {
      // The response failed: so does its request.
      t.link[request] = NONE;
      t.link[slot] = NONE;
      this.failSender(request, status, false);
    }
    t.link[slot] = NONE;
    if (sendReset && isTransientStatus(status) && !inStream) {
      // A transient refusal of a transfer never delivered: no time-wait, so the sender's next attempt
      // (same id, new notify sequence) is a new transfer here. At most once still holds: nothing was
      // delivered, and a delivery always leaves a time-wait record.
      // spec: state-machines.md#engine-decisions (attempts)
      this.disarm(slot);
      this.freeReceiver(slot);
      return;
    }
    this.arm(slot, Timer.TimeWait, nowUs, this.config.timeWaitUs);
  }

  private freeReceiver(slot: number): void {
    const t = this.transfers;
    if (((t.flags[slot] as number) & TransferFlag.AwaitingRespond) !== 0) return;
    if (this.streams.streamOf[slot] !== NONE) this.streams.receiverFreed(slot); // streams hook
    this.ctrlRemove(slot);
    for (let i = 0; i < this.blockedCount; i++) assert(this.blocked[i] !== slot, 'freeing a blocked receiver');
    if (this.tracer !== null) this.traceState(slot, TraceState.None, 0);
    t.unindexReceiver(slot);
    t.received[slot]?.clear();
    t.free(slot);
    this.receiversLive--;
  }

  private releaseBuffer(slot: number): void {
    const t = this.transfers;
    const buffer = t.buffer[slot] as number;
    if (buffer !== NONE) {
      this.config.buffers.release(buffer);
      t.buffer[slot] = NONE;
    }
  }

  private addCredit(peer: number): void {
    this.peers.notifyCredit[peer] = (this.peers.notifyCredit[peer] as number) + this.config.notifyCreditPerAccept;
    if (!this.waitList.isEmpty(peer)) this.peers.schedule(peer);
  }

  private pushEvent(kind: number, slot: number, status: number): void {
    const t = this.transfers;
    if (!this.events.hasRoom) {
      // Terminal outcomes must not be lost; the queue is sized above the transfer table, so this is a bug.
      assert(false, 'event queue full for a terminal event (eventsMax must exceed transfersMax)');
    }
    this.events.push(
      kind,
      t.handleOf(slot),
      t.peer[slot] as number,
      t.kind[slot] as number,
      status,
      t.metadata[slot] as number,
      null,
      0,
      0,
      null,
      0,
      0,
    );
  }

  // -------------------------------------------------------------------------------------------
  // Receiver pull scheduling

  /**
   * Queues a receiver for the pull scheduler: by priority, then fewest bytes left to request (SRPT).
   * spec: congestion.md#pull-order
   */
  private queuePull(slot: number): void {
    const t = this.transfers;
    const remaining = (t.sealedBytes[slot] as number) - (t.requestedEnd[slot] as number);
    this.pullQueue.push(slot, t.priority[slot] as number, remaining);
  }

  private maybeQueuePull(slot: number): void {
    const t = this.transfers;
    if (
      (t.requestedEnd[slot] as number) < (t.sealedBytes[slot] as number) &&
      (t.outstandingBytes[slot] as number) * 2 <= this.config.pullBytes &&
      !this.pullQueue.has(slot) &&
      !this.memoryWaitList.has(slot)
    ) {
      this.queuePull(slot);
    }
  }

  // spec: state-machines.md#receiver-transfer (ACCEPTED × pull scheduler picks it)
  private schedulePulls(nowUs: number): void {
    const t = this.transfers;
    const config = this.config;
    const queue = this.pullQueue;
    // Transfers waiting for reassembly memory go back to the pull queue, oldest first, as it frees.
    const waiting = this.memoryWaitList;
    while (!waiting.isEmpty(0)) {
      const slot = waiting.first(0);
      if (
        this.reassemblyInUse + (t.sealedBytes[slot] as number) > config.reassemblyBytesMax &&
        this.reassemblyInUse > 0
      )
        break;
      waiting.popFront(0);
      this.queuePull(slot);
    }
    while (queue.size > 0 && this.pullOutstandingTotal < config.receiveWindowBytes + config.pullPreemptBytes) {
      const slot = queue.peek();
      const sealed = t.sealedBytes[slot] as number;
      // spec: congestion.md#network-priority — beyond the window only a preemptive pull: the
      // transfer's rest fits one pull and it is not of the lowest priority.
      if (
        this.pullOutstandingTotal >= config.receiveWindowBytes &&
        (sealed - (t.requestedEnd[slot] as number) > config.pullBytes ||
          (t.priority[slot] as number) >= PRIORITY_LEVELS - 1)
      ) {
        break;
      }
      if (t.reassembly[slot] === null || t.reassembly[slot] === undefined) {
        if (this.reassemblyInUse + sealed > config.reassemblyBytesMax && this.reassemblyInUse > 0) {
          // No memory for it yet: it waits aside, so the transfers behind it that hold theirs (and
          // will free it) keep being pulled — breaking here deadlocked a tight reassembly budget.
          queue.pop();
          this.memoryWaitList.pushBack(0, slot);
          continue;
        }
        t.reassembly[slot] = new Uint8Array(sealed);
        t.recordDone[slot] = new Uint8Array((t.payloadKey[slot] as PayloadKey).recordCount);
        t.reassemblyBytesHeld[slot] = sealed;
        this.reassemblyInUse += sealed;
        t.rangeSetOf(slot).clear();
      }
      if (this.reassemblyInUse > this.reassemblyPeak) this.reassemblyPeak = this.reassemblyInUse;
      const start = t.requestedEnd[slot] as number;
      const end = Math.min(sealed, start + config.pullBytes);
      // spec: state-machines.md#receiver-transfer (pull scheduler: paced at the receiver's rate)
      if (!this.pullPacer.canSend(nowUs, end - start)) {
        const wake = this.pullPacer.nextSendTimeUs(nowUs, end - start);
        if (wake < this.pacingWakeUs) this.pacingWakeUs = wake;
        this.bump(C.pacingStalls, 1);
        break;
      }
      queue.pop();
      if (end <= start) continue;
      this.pullPacer.onSend(nowUs, end - start);
      const base = slot * 2 * PULL_RANGES_MAX;
      t.pullRanges[base] = start;
      t.pullRanges[base + 1] = end;
      t.pullRangeCount[slot] = 1;
      t.requestedEnd[slot] = end;
      t.outstandingBytes[slot] = (t.outstandingBytes[slot] as number) + (end - start);
      this.pullOutstandingTotal += end - start;
      t.flags[slot] = (t.flags[slot] as number) & ~TransferFlag.PullRetransmission;
      if (t.state[slot] === ReceiverState.Accepted) {
        if (this.tracer !== null) this.traceState(slot, ReceiverState.Pulling, 0);
        t.state[slot] = ReceiverState.Pulling;
        this.setWork(slot, true);
        t.exponent[slot] = 0;
      }
      this.issuePull(slot, nowUs);
    }
  }

  private issuePull(slot: number, nowUs: number): void {
    const t = this.transfers;
    const pullId = this.nextPullId;
    this.nextPullId = pullId >= 0xffffffff ? 1 : pullId + 1;
    if (t.pullIdFirst[slot] === 0) t.pullIdFirst[slot] = pullId;
    t.pullIdLast[slot] = pullId;
    t.sentAtUs[slot] = 0;
    this.ctrlMark(slot, Pending.Pull);
    this.arm(slot, Timer.Pull, nowUs, -1);
  }

  // -------------------------------------------------------------------------------------------
  // Output

  /**
   * Writes the next datagram into `out[offset, …)` (at most `datagramSizeMax` bytes), fills `info`
   * and returns its length, or 0 when nothing is due.
   */
  pollTransmit(nowUs: number, out: Uint8Array, offset: number, info: TransmitInfo): number {
    this.nowUs = nowUs;
    this.pacingWakeUs = Number.POSITIVE_INFINITY;
    const peers = this.peers;
    if (this.resetReplyCount > 0) {
      // UNKNOWN_PATH_SECRET replies first (34 bytes each, unsealed).
      const index = --this.resetReplyCount;
      copyBytes(this.resetReplies, index * UNKNOWN_PATH_SECRET_SIZE, out, offset, UNKNOWN_PATH_SECRET_SIZE);
      info.peer = this.resetReplyPeers[index] as number;
      info.priority = CONTROL_CLASS;
      if (this.tracer !== null)
        this.tracePeer(TraceKind.DatagramSent, info.peer, DatagramKind.UnknownPathSecret, UNKNOWN_PATH_SECRET_SIZE, 0);
      return UNKNOWN_PATH_SECRET_SIZE;
    }
    for (let i = 0; i < this.pacedCount; i++) this.scheduleData(this.pacedPeers[i] as number);
    this.pacedCount = 0;
    this.retryBlocked(nowUs);
    this.pollCausality();
    this.schedulePulls(nowUs);
    const roundMax = this.config.transmitsPerPeerRoundMax;
    for (;;) {
      const peer = peers.peekRing();
      if (peer === NONE) {
        if (this.dirtyCount > 0) this.flushHealth(nowUs);
        return 0;
      }
      if ((peers.roundCount[peer] as number) >= roundMax) {
        peers.rotate(true);
        continue;
      }
      // spec: congestion.md#network-priority — the highest transmit class first: CONTROL (class
      // 0), then DATA by class; round-robin among the peers of one class.
      const transmitClass = peers.ringClass;
      let length = 0;
      let priority = CONTROL_CLASS;
      let dataDue = false;
      if (transmitClass === CONTROL_CLASS) {
        if (this.hasControlWork(peer)) length = this.packControl(nowUs, peer, out, offset);
        // DATA waits in its own class, behind every peer's control.
        if (length === 0) this.scheduleData(peer);
      } else if (this.dataClasses[peer] !== 0) {
        // A peer whose best DATA is now of a lower class moves there.
        if (this.dataClassOf(peer) > transmitClass) this.scheduleData(peer);
        else dataDue = true;
      }
      // congestion: DATA only while the window is open (spec: congestion.md#sender-rate); a full
      // window wakes when its oldest chunk reaches the loss time (or when an ack opens it)
      if (dataDue && !this.congestion.windowOpenAt(nowUs, peer, this.srttUs(peer))) {
        const wake = this.congestion.lossDeadlineUs(peer, this.srttUs(peer));
        if (wake < this.pacingWakeUs) this.pacingWakeUs = wake;
        if (this.pacedCount < this.pacedPeers.length) this.pacedPeers[this.pacedCount++] = peer;
      } else if (dataDue) {
        const pacer = this.sendPacers[peer] as Pacer;
        if (pacer.canSend(nowUs, this.config.datagramSizeMax)) {
          length = this.packData(nowUs, peer, out, offset);
          priority = this.dataPriority;
          if (length > 0) {
            pacer.onSend(nowUs, length);
            this.congestion.onDatagramSent(peer);
          }
        } else {
          const wake = pacer.nextSendTimeUs(nowUs, this.config.datagramSizeMax);
          if (wake < this.pacingWakeUs) this.pacingWakeUs = wake;
          if (this.pacedCount < this.pacedPeers.length) this.pacedPeers[this.pacedCount++] = peer;
          this.bump(C.pacingStalls, 1);
        }
      }
      if (length > 0) {
        if (this.dirtyCount > 0) this.flushHealth(nowUs);
        peers.roundCount[peer] = (peers.roundCount[peer] as number) + 1;
        info.peer = peer;
        info.priority = priority;
        this.bump(C.wireBytesSent, length);
        if (this.tracer !== null) this.tracePeer(TraceKind.DatagramSent, peer, (out[offset] as number) >> 4, length, 0);
        return length;
      }
      peers.rotate(false);
    }
  }

  private hasControlWork(peer: number): boolean {
    const p = this.peers;
    if ((p.replyCount[peer] as number) > 0 || !this.ctrlList.isEmpty(peer) || this.streams.hasControl(peer))
      return true;
    const head = this.waitList.first(peer);
    return (
      head !== NONE &&
      (((this.transfers.flags[head] as number) & TransferFlag.Retransmitted) !== 0 ||
        (p.notifyCredit[peer] as number) > 0)
    );
  }

  // spec: protocol.md#control-datagram — many messages per datagram: notify entries first (one
  // TRANSFER_NOTIFY), then stateless replies, then per-transfer verdicts, pulls and acks.
  private packControl(nowUs: number, peer: number, out: Uint8Array, offset: number): number {
    const p = this.peers;
    const t = this.transfers;
    const sealer = p.sealers[peer] as ControlDatagramSealer;
    let at = sealer.begin(out, offset, Math.min(out.length, offset + this.config.datagramSizeMax));
    if (at === SEAL_NO_ROOM) return 0;
    const end = sealer.bodyEnd;
    // 1. Notify entries.
    if (!this.waitList.isEmpty(peer)) {
      const messageOffset = at;
      if (beginTransferNotify(out, at, end) > 0) {
        let entries = 0;
        for (;;) {
          const slot = this.waitList.first(peer);
          if (slot === NONE) break;
          const retransmit = ((t.flags[slot] as number) & TransferFlag.Retransmitted) !== 0;
          if (
            !retransmit &&
            ((p.notifyCredit[peer] as number) <= 0 ||
              this.config.notifyCreditInitial - (p.notifyCredit[peer] as number) >=
                this.health.notifyInFlightLimitOf(peer))
          ) {
            this.bump(C.creditStalls, 1);
            break;
          }
          const size = this.appendNotify(slot, peer, out, messageOffset, end, retransmit);
          if (size < 0) break;
          entries++;
          if (this.tracer !== null)
            this.traceSlot(TraceKind.MessageSent, slot, MessageType.TransferNotify, size, retransmit ? 1 : 0);
          if (!retransmit) p.notifyCredit[peer] = (p.notifyCredit[peer] as number) - 1;
          this.waitRemove(slot);
          t.pending[slot] = (t.pending[slot] as number) & ~Pending.Notify;
          // spec: state-machines.md#sender-transfer (QUEUED × dequeued → NOTIFYING; notify timer k = 0 / k per expiry)
          if (this.tracer !== null) this.traceState(slot, SenderState.Notifying, 0);
          t.state[slot] = SenderState.Notifying;
          this.setWork(slot, true);
          t.sentAtUs[slot] = nowUs;
          this.arm(slot, Timer.Notify, nowUs, -1);
        }
        at = entries > 0 ? messageOffset + MESSAGE_HEADER_SIZE + readU16(out, messageOffset + 1) : messageOffset;
        this.bump(C.notifyEntriesSent, entries);
      }
    }
    // 2. Stateless replies.
    while ((p.replyCount[peer] as number) > 0) {
      const written = this.writeReply(peer, p.firstReply(peer), out, at, end);
      if (written === ENCODE_NO_ROOM) break;
      if (this.tracer !== null && written > 0) this.traceReplySent(peer, p.firstReply(peer), out, at, written);
      p.popReply(peer);
      if (written > 0) at += written;
    }
    // 2b. streams hook: STREAM_CLOSEs owed to the peer.
    const streamsFrom = at;
    if (this.streams.hasControl(peer)) at = this.streams.writeControl(peer, out, at, end);
    if (this.tracer !== null && at > streamsFrom) this.traceMessagesSent(peer, NONE, out, streamsFrom, at, 0);
    // 3. Per-transfer control messages.
    for (;;) {
      const slot = this.ctrlList.first(peer);
      if (slot === NONE) break;
      const written = this.writeTransferControl(slot, out, at, end);
      if (this.tracer !== null && written > 0) this.traceMessagesSent(peer, slot, out, at, at + written, 0);
      at += written;
      if (t.pending[slot] !== 0) break;
      this.ctrlRemove(slot);
    }
    if (at === sealer.bodyOffset) return 0;
    const length = sealer.seal(at);
    if (length <= 0) return 0;
    this.bump(C.controlDatagramsSent, 1);
    return length;
  }

  private appendNotify(
    slot: number,
    peer: number,
    out: Uint8Array,
    messageOffset: number,
    end: number,
    retransmit: boolean,
  ): number {
    const t = this.transfers;
    const e = this.entry;
    e.clear();
    const seq = this.peers.nextNotifySeq[peer] as number;
    e.notifySequenceHi = Math.floor(seq / TWO_POW_32);
    e.notifySequenceLo = seq % TWO_POW_32;
    e.senderTransferIdHi = t.ids.idHi(slot);
    e.senderTransferIdLo = t.ids.idLo(slot);
    e.kind = t.kind[slot] as number;
    e.priority = t.priority[slot] as number;
    e.payloadSize = t.payloadBytes[slot] as number;
    let flags = retransmit || ((t.flags[slot] as number) & TransferFlag.RetryAttempt) !== 0 ? NotifyFlag.Retry : 0;
    if (t.kind[slot] === TransferKind.Response) {
      flags |= NotifyFlag.HasReplyTo;
      e.replyToTransferIdHi = t.replyToHi[slot] as number;
      e.replyToTransferIdLo = t.replyToLo[slot] as number;
    }
    const stream = this.streams.streamOf[slot] as number;
    if (stream !== NONE) {
      // streams hook — spec: protocol.md#notify-entry (stream id in the opener's namespace, item index)
      flags |= NotifyFlag.HasStream;
      e.streamIdHi = this.streams.wireIdHi[stream] as number;
      e.streamIdLo = this.streams.wireIdLo[stream] as number;
      e.streamItemIndex = this.streams.itemIndex[slot] as number;
      if (this.streams.itemEnd[slot] === 1) flags |= NotifyFlag.EndOfStream;
    }
    if (t.hasMetadata[slot] === 1) {
      flags |= NotifyFlag.HasMetadata;
      e.metadata = t.metadata[slot] as number;
    }
    const header = t.headerRef[slot] ?? null;
    if (header !== null) {
      flags |= NotifyFlag.HasHeader;
      e.headerBytes = header;
      e.headerOffset = 0;
      e.headerLength = header.length;
    }
    // spec: protocol.md#unscheduled — only a first transmission, never to an overloaded peer
    const unscheduled =
      !retransmit &&
      ((t.flags[slot] as number) &
        (TransferFlag.Inline | TransferFlag.RetryAttempt | TransferFlag.Retransmitted | TransferFlag.Unscheduled)) ===
        0 &&
      stream === NONE &&
      (t.sealedBytes[slot] as number) <= this.config.unscheduledBytesMax &&
      this.pressure.inlineAllowed(peer, this.waitList.size(peer), this.nowUs);
    if (unscheduled) flags |= NotifyFlag.Unscheduled;
    if (((t.flags[slot] as number) & TransferFlag.Inline) !== 0) {
      flags |= NotifyFlag.Inline;
      e.inlineBytes = t.inlineRef[slot] as Uint8Array;
      e.inlineOffset = 0;
    } else {
      const buffers = this.config.buffers;
      const buffer = t.buffer[slot] as number;
      e.bufferIdHi = buffers.idHi(buffer);
      e.bufferIdLo = buffers.idLo(buffer);
      e.recordSizeLog2 = t.recordSizeLog2[slot] as number;
      const material = buffers.keyMaterial(buffer);
      const materialOffset = buffers.keyMaterialOffset(buffer);
      e.dataKeyBytes = material;
      e.dataKeyOffset = materialOffset;
      e.dataIvBytes = material;
      e.dataIvOffset = materialOffset + 32;
    }
    e.flags = flags;
    const size = appendNotifyEntry(out, messageOffset, end, e);
    if (size === ENCODE_FULL || size === ENCODE_NO_ROOM) return -1;
    this.peers.nextNotifySeq[peer] = seq + 1;
    // Remember it for fast retransmit (the ring forgets the oldest when full).
    const ring = peer * SENT_NOTIFIES_PER_PEER;
    let count = this.sentCount[peer] as number;
    if (count === SENT_NOTIFIES_PER_PEER) {
      this.sentHead[peer] = ((this.sentHead[peer] as number) + 1) % SENT_NOTIFIES_PER_PEER;
      count--;
    }
    const at = ring + (((this.sentHead[peer] as number) + count) % SENT_NOTIFIES_PER_PEER);
    this.sentSlot[at] = slot;
    this.sentGeneration[at] = t.ids.slots.generationOf(slot);
    this.sentSeq[at] = seq;
    this.sentCount[peer] = count + 1;
    if (t.firstSeq[slot] === 0) t.firstSeq[slot] = seq;
    t.lastSeq[slot] = seq;
    if (unscheduled) {
      // The whole sealed stream follows the notify in the transfer's DATA class (behind CONTROL).
      t.flags[slot] = (t.flags[slot] as number) | TransferFlag.Unscheduled;
      this.sendRangePush(slot, 0, t.sealedBytes[slot] as number, UNSCHEDULED_PULL_ID);
      this.dataPush(peer, slot);
      this.bump(C.unscheduledSent, 1);
    }
    return size;
  }

  /** Writes a reply; returns its size, 0 when it is obsolete (dropped), or ENCODE_NO_ROOM. */
  private writeReply(peer: number, index: number, out: Uint8Array, at: number, end: number): number {
    const p = this.peers;
    switch (p.replyKind[index]) {
      case ReplyKind.FlowReset: {
        const v = this.resetView;
        v.senderTransferIdHi = p.replyAHi[index] as number;
        v.senderTransferIdLo = p.replyALo[index] as number;
        v.receiverTransferIdHi = p.replyBHi[index] as number;
        v.receiverTransferIdLo = p.replyBLo[index] as number;
        v.statusCode = p.replyStatus[index] as number;
        return encodeFlowReset(out, at, end, v);
      }
      case ReplyKind.Reject: {
        const v = this.acceptView;
        v.senderTransferIdHi = p.replyAHi[index] as number;
        v.senderTransferIdLo = p.replyALo[index] as number;
        v.receiverTransferIdHi = 0;
        v.receiverTransferIdLo = 0;
        v.notifyCredit = this.config.notifyCreditPerAccept;
        v.status = AcceptStatus.Rejected;
        v.reasonCode = p.replyStatus[index] as number;
        return encodeTransferAccept(out, at, end, v);
      }
      case ReplyKind.Challenge: {
        const written = this.admission.encodeChallenge(p.replyStatus[index] as number, out, at, end);
        return written < 0 && written !== ENCODE_NO_ROOM ? 0 : written;
      }
      case ReplyKind.Probe: {
        const v = this.probeView;
        v.probeId = p.replyAHi[index] as number;
        v.timestampUs = p.replyALo[index] as number;
        return encodeProbe(out, at, end, v);
      }
      case ReplyKind.ProbeResponse: {
        const v = this.probeView;
        v.probeId = p.replyAHi[index] as number;
        v.timestampUs = p.replyALo[index] as number;
        return encodeProbeResponse(out, at, end, v);
      }
      case ReplyKind.CancelPull: {
        const v = this.cancelView;
        v.senderTransferIdHi = p.replyAHi[index] as number;
        v.senderTransferIdLo = p.replyALo[index] as number;
        v.pullId = p.replyBLo[index] as number;
        return encodeCancelPull(out, at, end, v);
      }
      case ReplyKind.ChallengeResponse: {
        const v = this.challengeView;
        v.senderTransferIdHi = p.replyAHi[index] as number;
        v.senderTransferIdLo = p.replyALo[index] as number;
        v.notifySequenceHi = p.replyBHi[index] as number;
        v.notifySequenceLo = p.replyBLo[index] as number;
        v.nonceBytes = p.replyNonce;
        v.nonceOffset = index * REPLY_NONCE_BYTES;
        return encodeTransferChallengeResponse(out, at, end, v);
      }
      case ReplyKind.StreamCloseAck: {
        const v = this.closeAckView;
        v.streamIdHi = p.replyAHi[index] as number;
        v.streamIdLo = p.replyALo[index] as number;
        v.flags = p.replyStatus[index] as number;
        return encodeStreamCloseAck(out, at, end, v);
      }
      default:
        assert(false, `unknown reply kind for peer ${peer}`);
        return 0;
    }
  }

  /** Writes as many of the slot's pending messages as fit; clears the flags of those written. */
  private writeTransferControl(slot: number, out: Uint8Array, start: number, end: number): number {
    const t = this.transfers;
    let at = start;
    let pending = t.pending[slot] as number;
    if ((pending & Pending.Accept) !== 0) {
      const v = this.acceptView;
      v.senderTransferIdHi = t.peerIdHi[slot] as number;
      v.senderTransferIdLo = t.peerIdLo[slot] as number;
      v.receiverTransferIdHi = t.ids.idHi(slot);
      v.receiverTransferIdLo = t.ids.idLo(slot);
      v.notifyCredit = this.config.notifyCreditPerAccept;
      const state = t.state[slot];
      v.status =
        state === ReceiverState.Queued || state === ReceiverState.Offered
          ? AcceptStatus.Queued
          : ((t.flags[slot] as number) & TransferFlag.Unscheduled) !== 0
            ? AcceptStatus.AcceptedUnscheduled
            : AcceptStatus.Accepted;
      v.reasonCode = StatusCode.Ok;
      const n = encodeTransferAccept(out, at, end, v);
      if (n < 0) return at - start;
      at += n;
      pending &= ~Pending.Accept;
      t.pending[slot] = pending;
    }
    if ((pending & Pending.Pull) !== 0) {
      const v = this.pullView;
      v.senderTransferIdHi = t.peerIdHi[slot] as number;
      v.senderTransferIdLo = t.peerIdLo[slot] as number;
      v.receiverTransferIdHi = t.ids.idHi(slot);
      v.receiverTransferIdLo = t.ids.idLo(slot);
      v.pullId = t.pullIdLast[slot] as number;
      v.flags = ((t.flags[slot] as number) & TransferFlag.PullRetransmission) !== 0 ? PullFlag.Retransmission : 0;
      v.desiredRateKiBps = this.desiredRateKiBps;
      const count = t.pullRangeCount[slot] as number;
      const base = slot * 2 * PULL_RANGES_MAX;
      for (let i = 0; i < count; i++) {
        const s = t.pullRanges[base + 2 * i] as number;
        v.rangeOffsets[i] = s;
        v.rangeLengths[i] = (t.pullRanges[base + 2 * i + 1] as number) - s;
      }
      v.rangeCount = count;
      const n = encodePullRequest(out, at, end, v);
      if (n < 0) return at - start;
      at += n;
      pending &= ~Pending.Pull;
      t.pending[slot] = pending;
      t.sentAtUs[slot] = this.nowUs;
      this.bump(C.pullsSent, 1);
    }
    if ((pending & Pending.RangeAckComplete) !== 0) {
      const v = this.ackView;
      v.senderTransferIdHi = t.peerIdHi[slot] as number;
      v.senderTransferIdLo = t.peerIdLo[slot] as number;
      v.flags = RangeAckFlag.Complete;
      v.rangeCount = 0;
      const n = encodeRangeAck(out, at, end, v);
      if (n < 0) return at - start;
      at += n;
      pending &= ~(Pending.RangeAckComplete | Pending.RangeAck);
      t.pending[slot] = pending;
    }
    if ((pending & Pending.RangeAck) !== 0) {
      // spec: state-machines.md#receiver-transfer (PULLING × record verified: RANGE_ACK of received ranges)
      const v = this.ackView;
      const received = t.rangeSetOf(slot);
      // congestion: start at the ranges holding what arrived since the last RANGE_ACK (spec: congestion.md#engine-glue)
      const first = this.congestion.ackFirstRange(slot, received, ACK_RANGES_MAX);
      const count = Math.min(received.count - first, ACK_RANGES_MAX);
      v.senderTransferIdHi = t.peerIdHi[slot] as number;
      v.senderTransferIdLo = t.peerIdLo[slot] as number;
      v.flags = 0;
      for (let i = 0; i < count; i++) {
        const s = received.startAt(first + i);
        v.rangeOffsets[i] = s;
        v.rangeLengths[i] = Math.min(received.endAt(first + i) - s, 0xffffffff);
      }
      v.rangeCount = count;
      if (count > 0) {
        const n = encodeRangeAck(out, at, end, v);
        if (n < 0) return at - start;
        at += n;
      }
      pending &= ~Pending.RangeAck;
      t.pending[slot] = pending;
    }
    return at - start;
  }

  // spec: protocol.md#data-datagram — chunks of one or more transfers back to back.
  private packData(nowUs: number, peer: number, out: Uint8Array, offset: number): number {
    const t = this.transfers;
    const buffers = this.config.buffers;
    const end = Math.min(out.length, offset + this.config.datagramSizeMax);
    if (encodeDataDatagramHeader(out, offset, end) < 0) return 0;
    let at = offset + DATA_HEADER_SIZE;
    const chunk = this.chunk;
    for (;;) {
      const slot = this.dataFirst(peer);
      if (slot === NONE) break;
      if (t.sendCount[slot] === 0 || t.buffer[slot] === NONE) {
        this.dataRemove(slot);
        continue;
      }
      // The datagram's network class: that of its first (highest-priority) chunk.
      if (at === offset + DATA_HEADER_SIZE)
        this.dataPriority = DATA_CLASS_OF_PRIORITY[t.priority[slot] as number] as number;
      const room = end - at - DATA_CHUNK_HEADER_SIZE;
      if (room < 64) break;
      if (at !== offset + DATA_HEADER_SIZE && !this.congestion.windowOpen(peer)) break;
      const index = slot * SEND_RANGES_MAX + (t.sendHead[slot] as number);
      const start = t.sendStart[index] as number;
      const stop = t.sendEnd[index] as number;
      const length = Math.min(stop - start, room);
      const buffer = t.buffer[slot] as number;
      const pullId = t.sendPull[index] as number;
      // spec: protocol.md#unscheduled — an unscheduled chunk names the sender's transfer id
      chunk.receiverTransferIdHi = pullId === UNSCHEDULED_PULL_ID ? t.ids.idHi(slot) : (t.peerIdHi[slot] as number);
      chunk.receiverTransferIdLo = pullId === UNSCHEDULED_PULL_ID ? t.ids.idLo(slot) : (t.peerIdLo[slot] as number);
      chunk.pullId = pullId;
      chunk.sealedOffset = start;
      chunk.length = length;
      encodeDataChunkHeader(out, at, end, chunk);
      copyBytes(buffers.bytes(buffer), buffers.bytesOffset(buffer) + start, out, at + DATA_CHUNK_HEADER_SIZE, length);
      at += DATA_CHUNK_HEADER_SIZE + length;
      this.bump(C.payloadBytesSent, length);
      if (this.tracer !== null) this.traceSlot(TraceKind.MessageSent, slot, MessageType.DataChunks, length, start);
      // congestion: one delivery record per chunk (Karn: bytes sent before are a retransmission)
      this.congestion.onChunkSent(nowUs, peer, slot, start, start + length, start < (t.sentEnd[slot] as number));
      if (start + length > (t.sentEnd[slot] as number)) t.sentEnd[slot] = start + length;
      if (start + length >= stop) {
        t.sendHead[slot] = ((t.sendHead[slot] as number) + 1) % SEND_RANGES_MAX;
        t.sendCount[slot] = (t.sendCount[slot] as number) - 1;
      } else {
        t.sendStart[index] = start + length;
      }
      if (
        t.state[slot] === SenderState.ServingPulls &&
        (t.sentEnd[slot] as number) >= (t.sealedBytes[slot] as number)
      ) {
        // spec: state-machines.md#sender-transfer (SERVING_PULLS × chunks sent → DRAINING, tail timer k = 0)
        if (this.tracer !== null) this.traceState(slot, SenderState.Draining, 0);
        t.state[slot] = SenderState.Draining;
        t.exponent[slot] = 0;
        this.arm(slot, Timer.Data, nowUs, -1);
      }
    }
    if (this.dataClasses[peer] === 0) this.congestion.onAppLimited(peer);
    if (at === offset + DATA_HEADER_SIZE) return 0;
    this.bump(C.dataDatagramsSent, 1);
    return at - offset;
  }

  /** Moves the oldest event into `view`; returns false when none is waiting. */
  pollEvent(view: EventView): boolean {
    let got = this.events.pop(view);
    // backpressure hook: with nothing else waiting, a due WRITABLE is returned at once.
    if (!got && this.pressure.causes !== 0 && this.checkWritable()) got = this.events.pop(view);
    // streams hook: a polled item frees room in its stream's receive queue.
    if (got && view.event === EventKind.StreamItem) this.streams.itemPolled(view.handle, view.payloadLength);
    if (got && view.event === EventKind.Writable) this.pressure.outstanding = false; // backpressure hook
    if (this.blockedCount > 0) this.retryBlocked(this.nowUs);
    if (!this.flows.waiting.isEmpty(0)) this.retryAdmitted(); // acceptor hook
    if (this.pressure.causes !== 0) this.checkWritable(); // backpressure hook
    return got;
  }

  private unblock(slot: number): void {
    let w = 0;
    for (let i = 0; i < this.blockedCount; i++) {
      const s = this.blocked[i] as number;
      if (s !== slot) this.blocked[w++] = s;
    }
    this.blockedCount = w;
  }

  private retryBlocked(nowUs: number): void {
    const count = this.blockedCount;
    if (count === 0) return;
    this.blockedCount = 0;
    for (let i = 0; i < count; i++) {
      const slot = this.blocked[i] as number;
      if (this.transfers.state[slot] === ReceiverState.Reassembling) this.tryDeliverBuffered(slot, nowUs);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Lists and queues

  /**
   * Rate limit of re-sent verdicts — spec: state-machines.md#receiver-transfer ("at most once per
   * RTT"): true (and recorded) when the transfer in `slot` may re-send its verdict now; false, and
   * counted in `verdictsSuppressed`, when it re-sent one less than {@link resendIntervalUs} ago.
   * The first verdict never comes through here; a new occupant of the slot starts afresh.
   */
  private mayResendVerdict(slot: number): boolean {
    const hi = this.transfers.ids.idHi(slot);
    const nowUs = this.nowUs;
    if (
      this.verdictResentHi[slot] === hi &&
      nowUs - (this.verdictResentAtUs[slot] as number) < this.resendIntervalUs(this.transfers.peer[slot] as number)
    ) {
      this.bump(C.verdictsSuppressed, 1);
      return false;
    }
    this.verdictResentHi[slot] = hi;
    this.verdictResentAtUs[slot] = nowUs;
    return true;
  }

  /**
   * The same limit for FLOW_RESET(UNKNOWN_TRANSFER) answers to messages naming a sender id we no
   * longer hold (TRANSFER_ACCEPT, PULL_REQUEST, TRANSFER_CHALLENGE): at most one per slot index of
   * the named id per interval (any peer; the index of a garbage id is reduced into the table).
   */
  private mayReplyUnknown(peer: number, idLo: number): boolean {
    const index = idLo % this.config.transfersMax;
    const nowUs = this.nowUs;
    if (nowUs - (this.unknownResetAtUs[index] as number) < this.resendIntervalUs(peer)) {
      this.bump(C.verdictsSuppressed, 1);
      return false;
    }
    this.unknownResetAtUs[index] = nowUs;
    return true;
  }

  /**
   * Shortest gap between two re-sent verdicts of one transfer: the peer's smoothed RTT, capped at
   * `phaseTimeoutMinUs` — the sender's own retransmissions are never closer than that (its timers
   * start there, configured alike on both sides), so a legitimate retransmission is never left
   * unanswered, even while our RTT estimate of the peer is still its initial 1 ms.
   */
  private resendIntervalUs(peer: number): number {
    return Math.min(this.srttUs(peer), this.config.phaseTimeoutMinUs);
  }

  private replyFlowReset(peer: number, sHi: number, sLo: number, rHi: number, rLo: number, status: number): void {
    if (sHi === 0 && sLo === 0 && rHi === 0 && rLo === 0) return;
    const p = this.peers;
    const index = p.pushReply(peer, ReplyKind.FlowReset);
    if (index === NONE) return;
    p.replyAHi[index] = sHi;
    p.replyALo[index] = sLo;
    p.replyBHi[index] = rHi;
    p.replyBLo[index] = rLo;
    // A LocalStatus (PeerUnreachable, DependencyFailed, …) never travels: the peer sees CANCELLED.
    p.replyStatus[index] = status <= STATUS_CODE_MAX ? status : StatusCode.Cancelled;
  }

  private sendRangePush(slot: number, start: number, stop: number, pullId: number): void {
    const t = this.transfers;
    const count = t.sendCount[slot] as number;
    if (count >= SEND_RANGES_MAX || stop <= start) {
      this.bump(C.sendRangesDropped, 1);
      if (this.tracer !== null) this.traceSlot(TraceKind.Error, slot, TraceError.SendRangeDropped, pullId, 0);
      return;
    }
    const index = slot * SEND_RANGES_MAX + (((t.sendHead[slot] as number) + count) % SEND_RANGES_MAX);
    t.sendStart[index] = start;
    t.sendEnd[index] = stop;
    t.sendPull[index] = pullId;
    t.sendCount[slot] = count + 1;
  }

  /** Marks control messages pending for a transfer and queues it on its peer's control list. */
  private ctrlMark(slot: number, pending: number): void {
    const t = this.transfers;
    t.pending[slot] = (t.pending[slot] as number) | pending;
    if (this.ctrlList.has(slot)) return;
    const peer = t.peer[slot] as number;
    this.ctrlList.pushBack(peer, slot);
    this.peers.schedule(peer);
  }

  private ctrlRemove(slot: number): void {
    if (this.ctrlList.remove(slot)) this.transfers.pending[slot] = 0;
  }

  /** Queues a sender for a notify; retransmissions go to the front (they hold no new credit). */
  private waitPush(peer: number, slot: number, front: boolean): void {
    // peer reset hook: a frozen transfer sends nothing until its peer has a new secret.
    if (this.waitList.has(slot) || ((this.transfers.flags[slot] as number) & TransferFlag.Frozen) !== 0) return;
    if (front) this.waitList.pushFront(peer, slot);
    else this.waitList.pushBack(peer, slot);
    this.peers.schedule(peer);
  }

  private waitRemove(slot: number): void {
    this.waitList.remove(slot);
  }

  private dataPush(peer: number, slot: number): void {
    if (!this.dataList.has(slot)) {
      const priority = this.transfers.priority[slot] as number;
      this.dataList.pushBack(peer * PRIORITY_LEVELS + priority, slot);
      this.dataClasses[peer] = (this.dataClasses[peer] as number) | (1 << priority);
    }
    this.scheduleData(peer);
  }

  /** Queues the peer in the transmit class of its best queued DATA (no-op without DATA). */
  private scheduleData(peer: number): void {
    if (this.dataClasses[peer] !== 0) this.peers.schedule(peer, this.dataClassOf(peer));
  }

  /** The network class of the peer's best queued DATA (requires some). */
  private dataClassOf(peer: number): number {
    const mask = this.dataClasses[peer] as number;
    return DATA_CLASS_OF_PRIORITY[31 - Math.clz32(mask & -mask)] as number;
  }

  /** The first sender of the peer's highest-priority non-empty data list, or NONE. */
  private dataFirst(peer: number): number {
    const mask = this.dataClasses[peer] as number;
    if (mask === 0) return NONE;
    return this.dataList.first(peer * PRIORITY_LEVELS + (31 - Math.clz32(mask & -mask)));
  }

  private dataRemove(slot: number): void {
    const list = this.dataList.listOf(slot);
    if (list === LIST_NONE) return;
    this.dataList.remove(slot);
    if (this.dataList.isEmpty(list)) {
      const peer = (list / PRIORITY_LEVELS) | 0;
      this.dataClasses[peer] = (this.dataClasses[peer] as number) & ~(1 << (list % PRIORITY_LEVELS));
    }
  }

  /** Drops a sender's queued chunks and takes it off its peer's data list. */
  private dataDrop(slot: number): void {
    this.transfers.sendCount[slot] = 0;
    this.dataRemove(slot);
  }

  // -------------------------------------------------------------------------------------------
  // Tracing (trace.ts): every helper below is called only behind `if (this.tracer !== null)`.

  /**
   * Sets (or, with null, removes) the trace subscriber: from now on every transfer transition,
   * message, datagram, congestion action, health change, error and timer expiry is handed to
   * `tracer.onTrace` synchronously (trace.ts, TRACE_KINDS). Without one the engine pays a null
   * check per site and allocates nothing.
   */
  setTracer(tracer: EndpointTracer | null): void {
    this.tracer = tracer;
    this.congestion.setTracer(tracer);
  }

  /** The correlation id of a slot's records: its causality token, else its handle. */
  private correlationOf(slot: number, handle: number): number {
    const token = this.causalToken[slot] as number;
    return token !== CAUSALITY_TOKEN_NONE ? token : handle;
  }

  /** A record about a transfer slot. */
  private traceSlot(kind: number, slot: number, a: number, b: number, c: number): void {
    const t = this.transfers;
    const handle = t.handleOf(slot);
    (this.tracer as EndpointTracer).onTrace(
      kind,
      this.nowUs,
      handle,
      t.peer[slot] as number,
      a,
      b,
      c,
      this.correlationOf(slot, handle),
    );
  }

  /** A record about a peer (no transfer). */
  private tracePeer(kind: number, peer: number, a: number, b: number, c: number): void {
    (this.tracer as EndpointTracer).onTrace(kind, this.nowUs, -1, peer, a, b, c, -1);
  }

  /** TRANSFER_STATE from `from` to `to` (TraceState values; the engine's states are among them). */
  private traceTransition(slot: number, from: number, to: number, status: number): void {
    if (from !== to) this.traceSlot(TraceKind.TransferState, slot, from, to, status);
  }

  /**
   * TRANSFER_STATE from the slot's current state (call before assigning the new one); a fresh slot
   * (state 0) is IDLE for a sender and NOTIFIED for a receiver. Self-transitions are not traced.
   * spec: state-machines.md#sender-transfer, state-machines.md#receiver-transfer
   */
  private traceState(slot: number, to: number, status: number): void {
    const t = this.transfers;
    let from = t.state[slot] as number;
    if (from === 0) from = t.role[slot] === Role.Sender ? TraceState.SenderIdle : TraceState.ReceiverNotified;
    this.traceTransition(slot, from, to, status);
  }

  /** A sender's terminal failure: CANCELLED for status CANCELLED, else FAILED. */
  private traceSenderFailed(slot: number, status: number): void {
    this.traceState(
      slot,
      status === StatusCode.Cancelled ? TraceState.SenderCancelled : TraceState.SenderFailed,
      status,
    );
  }

  /** DATAGRAM_RECEIVED, then an ERROR when the opener refused it. */
  private traceDatagramReceived(peer: number, bytes: Uint8Array, offset: number, length: number, result: number): void {
    const kind = length > 0 ? (bytes[offset] as number) >> 4 : 0;
    this.tracePeer(TraceKind.DatagramReceived, peer, kind, length, result);
    switch (result) {
      case OpenResult.Ok:
      case OpenResult.Data:
        return;
      case OpenResult.UnknownPathSecret:
        this.tracePeer(TraceKind.Error, peer, TraceError.UnknownPathSecret, 0, 0);
        return;
      case OpenResult.PeerLostPathSecret:
        this.tracePeer(TraceKind.Error, peer, TraceError.PeerLostPathSecret, 0, 0);
        return;
      case OpenResult.BadHeader:
      case OpenResult.UnsupportedVersion:
      case OpenResult.BodyInvalid:
      case OpenResult.DataInvalid:
        this.tracePeer(TraceKind.Error, peer, TraceError.DecodeRejected, result, this.opener.lastDecodeReason);
        return;
      default:
        this.tracePeer(TraceKind.Error, peer, TraceError.AuthenticationFailed, result, 0);
    }
  }

  /** A sender slot of `peer` named by our id, or NONE. */
  private ownSender(peer: number, hi: number, lo: number): number {
    const t = this.transfers;
    const slot = t.ids.resolve(hi, lo);
    return slot >= 0 && t.role[slot] === Role.Sender && t.peer[slot] === peer ? slot : NONE;
  }

  /** MESSAGE_RECEIVED for a decoded control message (not TRANSFER_NOTIFY): the transfer it names, if ours. */
  private traceMessageReceived(peer: number, type: number, bytes: number): void {
    const v = this.views;
    const t = this.transfers;
    let slot = NONE;
    let detail = 0;
    switch (type) {
      case MessageType.TransferAccept:
        slot = this.ownSender(peer, v.transferAccept.senderTransferIdHi, v.transferAccept.senderTransferIdLo);
        detail = v.transferAccept.status;
        break;
      case MessageType.PullRequest:
        slot = this.ownSender(peer, v.pullRequest.senderTransferIdHi, v.pullRequest.senderTransferIdLo);
        detail = v.pullRequest.flags;
        break;
      case MessageType.RangeAck:
        slot = this.ownSender(peer, v.rangeAck.senderTransferIdHi, v.rangeAck.senderTransferIdLo);
        detail = v.rangeAck.flags;
        break;
      case MessageType.CancelPull:
        slot = this.ownSender(peer, v.cancelPull.senderTransferIdHi, v.cancelPull.senderTransferIdLo);
        break;
      case MessageType.TransferChallenge:
        slot = this.ownSender(peer, v.transferChallenge.senderTransferIdHi, v.transferChallenge.senderTransferIdLo);
        break;
      case MessageType.FlowReset: {
        const r = v.flowReset;
        detail = r.statusCode;
        const receiver =
          r.receiverTransferIdHi !== 0 || r.receiverTransferIdLo !== 0
            ? t.ids.resolve(r.receiverTransferIdHi, r.receiverTransferIdLo)
            : NONE;
        if (receiver >= 0 && t.role[receiver] === Role.Receiver && t.peer[receiver] === peer) slot = receiver;
        else slot = this.ownSender(peer, r.senderTransferIdHi, r.senderTransferIdLo);
        if (slot === NONE) slot = t.findReceiver(peer, r.senderTransferIdHi, r.senderTransferIdLo);
        break;
      }
      default:
        break;
    }
    if (slot !== NONE) this.traceSlot(TraceKind.MessageReceived, slot, type, bytes, detail);
    else this.tracePeer(TraceKind.MessageReceived, peer, type, bytes, detail);
  }

  /** MESSAGE_RECEIVED for one notify entry (after it was acted on), and an ERROR if admission dropped it. */
  private traceNotifyReceived(peer: number, entry: NotifyEntryView, result: number): void {
    const slot = this.transfers.findReceiver(peer, entry.senderTransferIdHi, entry.senderTransferIdLo);
    const bytes = notifyEntrySize(entry);
    if (slot !== NONE) this.traceSlot(TraceKind.MessageReceived, slot, MessageType.TransferNotify, bytes, result);
    else this.tracePeer(TraceKind.MessageReceived, peer, MessageType.TransferNotify, bytes, result);
    if (
      result !== AdmissionResult.Admit &&
      result !== AdmissionResult.KnownTransfer &&
      result !== AdmissionResult.Challenged
    ) {
      this.tracePeer(TraceKind.Error, peer, TraceError.NotifyDropped, result, 0);
    }
  }

  /** MESSAGE_RECEIVED for one DATA chunk, and an ERROR when it names nothing that takes it. */
  private traceChunkReceived(slot: number, peer: number, chunk: DataChunkView): void {
    const t = this.transfers;
    const offset = chunk.sealedOffset;
    if (slot < 0 || t.role[slot] !== Role.Receiver || t.peer[slot] !== peer) {
      this.tracePeer(TraceKind.MessageReceived, peer, MessageType.DataChunks, chunk.length, offset);
      this.tracePeer(TraceKind.Error, peer, TraceError.ChunkDropped, 0, offset);
      return;
    }
    this.traceSlot(TraceKind.MessageReceived, slot, MessageType.DataChunks, chunk.length, offset);
    const state = t.state[slot] as number;
    if (state !== ReceiverState.Pulling && state !== ReceiverState.Delivered && this.streams.itemHeld[slot] !== 1) {
      this.traceSlot(TraceKind.Error, slot, TraceError.ChunkDropped, 1, offset);
    }
  }

  /** MESSAGE_SENT for each message framed in `out[from, to)` (one record each; `slot` NONE: no transfer). */
  private traceMessagesSent(
    peer: number,
    slot: number,
    out: Uint8Array,
    from: number,
    to: number,
    detail: number,
  ): void {
    for (let at = from; at + MESSAGE_HEADER_SIZE <= to; ) {
      const type = out[at] as number;
      const bytes = MESSAGE_HEADER_SIZE + readU16(out, at + 1);
      if (slot !== NONE) this.traceSlot(TraceKind.MessageSent, slot, type, bytes, detail);
      else this.tracePeer(TraceKind.MessageSent, peer, type, bytes, detail);
      at += bytes;
    }
  }

  /** MESSAGE_SENT for a stateless reply (detail: the status of a FLOW_RESET or ACCEPT REJECTED). */
  private traceReplySent(peer: number, index: number, out: Uint8Array, at: number, written: number): void {
    const kind = this.peers.replyKind[index];
    const detail =
      kind === ReplyKind.FlowReset || kind === ReplyKind.Reject ? (this.peers.replyStatus[index] as number) : 0;
    this.traceMessagesSent(peer, NONE, out, at, at + written, detail);
  }

  /** TIMER_EXPIRED of a transfer's phase timer (exponent and retransmits before the engine acts). */
  private traceTimer(kind: number, slot: number): void {
    const t = this.transfers;
    this.traceSlot(TraceKind.TimerExpired, slot, kind, t.exponent[slot] as number, t.retransmits[slot] as number);
  }

  /** TIMER_EXPIRED of a stream timer (handle = the stream handle). */
  private traceStreamTimer(kind: number, stream: number): void {
    const handle = this.streams.handleOf(stream);
    (this.tracer as EndpointTracer).onTrace(
      TraceKind.TimerExpired,
      this.nowUs,
      handle,
      this.streams.peer[stream] as number,
      kind,
      0,
      0,
      handle,
    );
  }

  /** HEALTH_CHANGE for the transition just polled from the health table. */
  private traceHealthChange(peer: number): void {
    const h = this.health;
    (this.tracer as EndpointTracer).onTrace(
      TraceKind.HealthChange,
      h.lastAtUs,
      -1,
      peer,
      h.lastFrom,
      h.lastTo,
      h.lastCause,
      -1,
    );
  }
}
