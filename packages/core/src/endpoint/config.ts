/**
 * Endpoint configuration: every limit and timer of the sans-IO {@link Endpoint}, with defaults and
 * validation in one place. {@link resolveEndpointConfig} turns the caller's partial options into a
 * complete, checked {@link EndpointConfig}; nothing else in the engine reads raw options.
 *
 * spec: state-machines.md#timers-and-backoff (timer defaults), protocol.md#limits
 */

import type { CausalityMap } from '../causality-map.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { InvalidArgumentError } from '../errors.js';
import { WORKER_ID_MAX } from '../ids.js';
import type { PeerHealthOptions } from '../peer-health.js';
import {
  DATAGRAM_SIZE_DEFAULT,
  DATAGRAM_SIZE_MAX,
  DATAGRAM_SIZE_MIN,
  INLINE_SIZE_MAX,
  RECORD_SIZE_LOG2_MAX,
  RECORD_SIZE_LOG2_MIN,
  UNSCHEDULED_SIZE_MAX,
} from '../wire/constants.js';
import type { BufferRegistry } from './buffer-registry.js';
import type { FlowAcceptor } from './flow-acceptor.js';
import type { EndpointTracer } from './trace.js';

/** Options of an {@link Endpoint}; only `provider` and `buffers` are required. */
export interface EndpointOptions {
  /** Crypto provider (AEAD, HKDF, HMAC, randomness: data keys and challenge nonces come from it). */
  readonly provider: CryptoProvider;
  /** Sealed payload buffers (a {@link LocalBufferRegistry} in tests and the simulator). */
  readonly buffers: BufferRegistry;
  /** This NIC worker's id, 0 … 255 (default 0). */
  readonly workerId?: number;
  /** Peer indexes are 0 … peersMax − 1 (default 64). */
  readonly peersMax?: number;
  /** Transfers (sender, receiver and time-wait records together) (default 4096). */
  readonly transfersMax?: number;
  /** Of those, receiver transfers and time-wait records at most, so responses always find room (default ¾). */
  readonly receiversMax?: number;
  /** Largest datagram this endpoint sends, 1200 … 9000 (default 1472). */
  readonly datagramSizeMax?: number;
  /** Largest payload sent inline in the notify, 0 … 1024 (default 1024). */
  readonly inlineSizeMax?: number;
  /**
   * Largest sealed size sent (as a sender) and taken (as a receiver) unscheduled: the sealed stream
   * follows its notify at once, without waiting for a pull (spec: protocol.md#unscheduled), 0 … 65536
   * (default 16384; 0 = never).
   */
  readonly unscheduledBytesMax?: number;
  /** log2 of the record size of sealed buffers, 10 … 20 (default 16: 64 KiB records). */
  readonly recordSizeLog2?: number;
  /** Notify entries a sender may send to a peer before any TRANSFER_ACCEPT returned credit (default 256). */
  readonly notifyCreditInitial?: number;
  /** Notify credit granted back per decided transfer (default 1: credit is conserved). */
  readonly notifyCreditPerAccept?: number;
  /** Bytes of one PULL_REQUEST range (default 256 KiB). */
  readonly pullBytes?: number;
  /** Bytes pulled but not yet received, over all transfers: the receiver's window (default 1 MiB). */
  readonly receiveWindowBytes?: number;
  /**
   * Preemptive pulls: how far beyond `receiveWindowBytes` a transfer may still be pulled when what
   * it has left fits one pull and its priority is above the lowest (default a quarter of the
   * window; 0 disables). Short, urgent transfers then never wait behind the window that long
   * transfers (possibly from congested senders) hold. spec: congestion.md#network-priority
   */
  readonly pullPreemptBytes?: number;
  /** Reassembly memory of receiver transfers in flight, bytes (default 256 MiB). */
  readonly reassemblyBytesMax?: number;
  /** Largest payload accepted from a peer, bytes (default 1 GiB). */
  readonly payloadBytesMax?: number;
  /** Floor of a phase timeout, µs (default 300). */
  readonly phaseTimeoutMinUs?: number;
  /** Cap of a phase timeout, µs (default 1 s). */
  readonly phaseTimeoutMaxUs?: number;
  /** Notify retransmissions before TIMEOUT (default 8). */
  readonly notifyRetransmitsMax?: number;
  /**
   * Fast retransmit of notifies: an ACCEPT for notify sequence S re-sends at once every unanswered
   * notify whose last sequence is ≤ S − this, 1 … 255 (default 3; the engine remembers the last 256
   * notifies per peer). Lower reacts sooner to a lost notify but also re-sends notifies that were
   * only reordered. spec: state-machines.md#sender-transfer (NOTIFYING × fast retransmit)
   */
  readonly fastRetransmitThreshold?: number;
  /** Gap re-pulls per transfer before TIMEOUT (default 8, reset by progress). */
  readonly pullRetransmitsMax?: number;
  /** Silent phase-timer expiries before TIMEOUT (default 8). */
  readonly silentExpiriesMax?: number;
  /** Tail probes of a draining sender before TIMEOUT (default 8). */
  readonly tailProbesMax?: number;
  /** Records of one transfer that may fail to open before INTEGRITY_FAILURE (default 3). */
  readonly integrityFailuresMax?: number;
  /** How long finished receiver transfers stay as time-wait records, µs (default 30 s). */
  readonly timeWaitUs?: number;
  /** How long a request waits for its response once delivered, µs (default Infinity: no limit). */
  readonly responseTimeoutUs?: number;
  /** Events queued for `pollEvent` before inbound deliveries are refused (default 8192). */
  readonly eventsMax?: number;
  /** Bytes of the event arena holding inline payloads and headers until polled (default 4 MiB). */
  readonly eventArenaBytes?: number;
  /** Datagrams one peer may emit per transmit round before the next peer's turn (default 20). */
  readonly transmitsPerPeerRoundMax?: number;
  /** Stateless replies (FLOW_RESET for unknown ids, challenges, challenge responses) queued per peer (default 64). */
  readonly repliesPerPeerMax?: number;
  /** Open transfer challenges (default 1024). */
  readonly challengeCapacity?: number;
  /** Buffer transfers received at once (accepted, pulling, reassembling); beyond it ACCEPT QUEUED (default 1024). */
  readonly receiversActiveMax?: number;
  /** Rate at which this receiver pulls, bytes/s: paces PULL_REQUESTs and is sent as their desired rate (default Infinity). */
  readonly receiveRateBytesPerSecond?: number;
  /** Rate cap of DATA this sender emits per peer, bytes/s (default Infinity; the receiver's desired rate also applies). */
  readonly sendRateBytesPerSecond?: number;
  /** BULK transfers are offered to the application (BULK_OFFERED) and placed where it says (acceptBulk) (default false). */
  readonly applicationBulkDestination?: boolean;
  /** Peer-health thresholds and timers (state-machines.md#peer-health); defaults from PEER_HEALTH_DEFAULTS. */
  readonly peerHealth?: Omit<PeerHealthOptions, 'capacity'>;
  /**
   * A receiver sends a RANGE_ACK of its received ranges every this many new bytes (default 4 KiB
   * with `congestionControl`, whose controller samples delivery from them, else 256 KiB; configure
   * alike on both sides).
   */
  readonly ackEveryBytes?: number;
  /**
   * Per-peer BBR congestion control of the DATA this sender emits (congestion-glue.ts; default
   * false — see docs/engine.md#congestion-control for the measurements). false: pacing by
   * `sendRateBytesPerSecond` and the receiver's desired rate only, 256 KiB acknowledgements. Turn
   * it on for paths with congestion the receivers cannot see (oversubscribed fabrics, WAN links).
   */
  readonly congestionControl?: boolean;
  /** DATA chunks in flight (sent, not yet acknowledged or lost) over all peers; at the bound DATA waits for acks (default 8192). */
  readonly congestionRecordsMax?: number;
  /** The causality map to use (shared with application threads at runtime); default a private one. */
  readonly causality?: CausalityMap;
  /** This host's 32-byte stateless-reset key: without it UNKNOWN_PATH_SECRET is never sent (PSK: derivePskResetKey). */
  readonly statelessResetKey?: Uint8Array;
  /** Stream records (open, closing, time-wait) of all peers (default 1024). */
  readonly streamsMax?: number;
  /** Stream records per peer (default 256). */
  readonly streamsPerPeerMax?: number;
  /** Items of one stream received and not yet polled (in progress included); also our items in flight per stream (default 16). */
  readonly streamQueueDepthMax?: number;
  /** Payload bytes of one stream's received, not yet polled items (default 16 MiB; the next item in order may exceed it). */
  readonly streamQueueBytesMax?: number;
  /** STREAM_CLOSE retransmissions before the stream closes TIMEOUT (default 8). */
  readonly streamCloseRetransmitsMax?: number;
  /**
   * Decides every new flow the peer opens (accept, reject with a status, queue until `admit`);
   * called synchronously once per new transfer, never for retransmissions (default null: the
   * engine's limits alone decide). See flow-acceptor.ts.
   */
  readonly acceptor?: FlowAcceptor | null;
  /**
   * Share of the transfer table (and of the buffer registry's declared budget) that priority-7
   * submissions may not use, in [0, 0.9]; priority p may not use p/7 of it, priority 0 may use
   * everything — lower priorities get WouldBlock / BufferFull first (default 0.125).
   */
  readonly priorityReserveShare?: number;
  /**
   * Notifies waiting to be sent to one peer at or beyond which new small payloads to it go by
   * reference (the receiver pulls them) instead of inline (default 1024).
   */
  readonly inlineBacklogMax?: number;
  /**
   * How long after a peer refused a notify with OVERLOADED new small payloads to it go by reference
   * instead of inline, µs (default 100 ms; 0 = never).
   */
  readonly inlineOverloadHoldUs?: number;
  /**
   * Trace subscriber (trace.ts): every transfer transition, message, datagram, congestion action,
   * health change, error and timer expiry, synchronously (default none: zero cost; see setTracer).
   */
  readonly tracer?: EndpointTracer | null;
  /**
   * How long the sender transfers of a RESETTING peer (it lost our path secret) stay frozen waiting
   * for a new path secret (`addPeer`) before they fail PEER_RESET, µs (default 10 s).
   * spec: replay-and-secrets.md#unknown-path-secret
   */
  readonly peerResetHoldUs?: number;
}

/** A validated, complete configuration. */
export interface EndpointConfig {
  readonly provider: CryptoProvider;
  readonly buffers: BufferRegistry;
  readonly workerId: number;
  readonly peersMax: number;
  readonly transfersMax: number;
  readonly receiversMax: number;
  readonly datagramSizeMax: number;
  readonly inlineSizeMax: number;
  readonly unscheduledBytesMax: number;
  readonly recordSizeLog2: number;
  readonly notifyCreditInitial: number;
  readonly notifyCreditPerAccept: number;
  readonly pullBytes: number;
  readonly receiveWindowBytes: number;
  readonly pullPreemptBytes: number;
  readonly reassemblyBytesMax: number;
  readonly payloadBytesMax: number;
  readonly phaseTimeoutMinUs: number;
  readonly phaseTimeoutMaxUs: number;
  readonly notifyRetransmitsMax: number;
  readonly fastRetransmitThreshold: number;
  readonly pullRetransmitsMax: number;
  readonly silentExpiriesMax: number;
  readonly tailProbesMax: number;
  readonly integrityFailuresMax: number;
  readonly timeWaitUs: number;
  readonly responseTimeoutUs: number;
  readonly eventsMax: number;
  readonly eventArenaBytes: number;
  readonly transmitsPerPeerRoundMax: number;
  readonly repliesPerPeerMax: number;
  readonly challengeCapacity: number;
  readonly receiversActiveMax: number;
  readonly receiveRateBytesPerSecond: number;
  readonly sendRateBytesPerSecond: number;
  readonly applicationBulkDestination: boolean;
  readonly peerHealth: Omit<PeerHealthOptions, 'capacity'>;
  readonly ackEveryBytes: number;
  readonly congestionControl: boolean;
  readonly congestionRecordsMax: number;
  readonly causality: CausalityMap | undefined;
  readonly statelessResetKey: Uint8Array | undefined;
  readonly streamsMax: number;
  readonly streamsPerPeerMax: number;
  readonly streamQueueDepthMax: number;
  readonly streamQueueBytesMax: number;
  readonly streamCloseRetransmitsMax: number;
  readonly acceptor: FlowAcceptor | null;
  readonly priorityReserveShare: number;
  readonly inlineBacklogMax: number;
  readonly inlineOverloadHoldUs: number;
  readonly tracer: EndpointTracer | null;
  readonly peerResetHoldUs: number;
}

function rate(name: string, value: number | undefined): number {
  const v = value ?? Number.POSITIVE_INFINITY;
  if (!(v === Number.POSITIVE_INFINITY || (Number.isFinite(v) && v >= 1024 && v <= 2 ** 48))) {
    throw new InvalidArgumentError(`endpoint option ${name} must be Infinity or in [1024, 2^48] bytes/s, got ${v}`);
  }
  return v;
}

function integer(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const v = value ?? fallback;
  if (!(Number.isInteger(v) && v >= min && v <= max)) {
    throw new InvalidArgumentError(`endpoint option ${name} must be an integer in [${min}, ${max}], got ${v}`);
  }
  return v;
}

/** Validates `options` and fills in every default. Throws {@link InvalidArgumentError} on a bad value. */
export function resolveEndpointConfig(options: EndpointOptions): EndpointConfig {
  const phaseTimeoutMaxUs = integer('phaseTimeoutMaxUs', options.phaseTimeoutMaxUs, 1_000_000, 1, 2 ** 40);
  const responseTimeoutUs = options.responseTimeoutUs ?? Number.POSITIVE_INFINITY;
  if (!(responseTimeoutUs > 0)) throw new InvalidArgumentError('endpoint option responseTimeoutUs must be > 0');
  const priorityReserveShare = options.priorityReserveShare ?? 0.125;
  if (!(priorityReserveShare >= 0 && priorityReserveShare <= 0.9)) {
    throw new InvalidArgumentError(
      `endpoint option priorityReserveShare must be in [0, 0.9], got ${priorityReserveShare}`,
    );
  }
  const acceptor = options.acceptor ?? null;
  if (acceptor !== null && typeof acceptor !== 'function') {
    throw new InvalidArgumentError('endpoint option acceptor must be a function or null');
  }
  const transfersMax = integer('transfersMax', options.transfersMax, 4096, 2, 1 << 22);
  const datagramSizeMax = integer(
    'datagramSizeMax',
    options.datagramSizeMax,
    DATAGRAM_SIZE_DEFAULT,
    DATAGRAM_SIZE_MIN,
    DATAGRAM_SIZE_MAX,
  );
  return {
    provider: options.provider,
    buffers: options.buffers,
    workerId: integer('workerId', options.workerId, 0, 0, WORKER_ID_MAX),
    peersMax: integer('peersMax', options.peersMax, 64, 1, 1 << 20),
    transfersMax,
    receiversMax: integer(
      'receiversMax',
      options.receiversMax,
      Math.max(1, Math.floor((transfersMax * 3) / 4)),
      1,
      transfersMax,
    ),
    datagramSizeMax,
    inlineSizeMax: integer('inlineSizeMax', options.inlineSizeMax, INLINE_SIZE_MAX, 0, INLINE_SIZE_MAX),
    unscheduledBytesMax: integer(
      'unscheduledBytesMax',
      options.unscheduledBytesMax,
      16 * 1024,
      0,
      UNSCHEDULED_SIZE_MAX,
    ),
    recordSizeLog2: integer('recordSizeLog2', options.recordSizeLog2, 16, RECORD_SIZE_LOG2_MIN, RECORD_SIZE_LOG2_MAX),
    notifyCreditInitial: integer('notifyCreditInitial', options.notifyCreditInitial, 256, 1, 2 ** 31),
    notifyCreditPerAccept: integer('notifyCreditPerAccept', options.notifyCreditPerAccept, 1, 0, 1024),
    pullBytes: integer('pullBytes', options.pullBytes, 256 * 1024, 1024, 2 ** 31),
    receiveWindowBytes: integer('receiveWindowBytes', options.receiveWindowBytes, 1 << 20, 1024, 2 ** 40),
    pullPreemptBytes: integer(
      'pullPreemptBytes',
      options.pullPreemptBytes,
      Math.floor((options.receiveWindowBytes ?? 1 << 20) / 4),
      0,
      2 ** 40,
    ),
    reassemblyBytesMax: integer('reassemblyBytesMax', options.reassemblyBytesMax, 256 * 2 ** 20, 1024, 2 ** 48),
    payloadBytesMax: integer('payloadBytesMax', options.payloadBytesMax, 2 ** 30, 0, 2 ** 47),
    phaseTimeoutMinUs: integer('phaseTimeoutMinUs', options.phaseTimeoutMinUs, 300, 1, phaseTimeoutMaxUs),
    phaseTimeoutMaxUs,
    notifyRetransmitsMax: integer('notifyRetransmitsMax', options.notifyRetransmitsMax, 8, 0, 1000),
    fastRetransmitThreshold: integer('fastRetransmitThreshold', options.fastRetransmitThreshold, 3, 1, 255),
    pullRetransmitsMax: integer('pullRetransmitsMax', options.pullRetransmitsMax, 8, 0, 1000),
    silentExpiriesMax: integer('silentExpiriesMax', options.silentExpiriesMax, 8, 1, 1000),
    tailProbesMax: integer('tailProbesMax', options.tailProbesMax, 8, 0, 1000),
    integrityFailuresMax: integer('integrityFailuresMax', options.integrityFailuresMax, 3, 1, 1000),
    timeWaitUs: integer('timeWaitUs', options.timeWaitUs, 30_000_000, 1, 2 ** 40),
    responseTimeoutUs,
    eventsMax: integer('eventsMax', options.eventsMax, 8192, 1, 1 << 24),
    eventArenaBytes: integer('eventArenaBytes', options.eventArenaBytes, 4 << 20, 16384, 1 << 30),
    transmitsPerPeerRoundMax: integer('transmitsPerPeerRoundMax', options.transmitsPerPeerRoundMax, 20, 1, 1 << 16),
    repliesPerPeerMax: integer('repliesPerPeerMax', options.repliesPerPeerMax, 64, 1, 1 << 16),
    challengeCapacity: integer('challengeCapacity', options.challengeCapacity, 1024, 1, 1 << 20),
    receiversActiveMax: integer('receiversActiveMax', options.receiversActiveMax, 1024, 1, 1 << 22),
    receiveRateBytesPerSecond: rate('receiveRateBytesPerSecond', options.receiveRateBytesPerSecond),
    sendRateBytesPerSecond: rate('sendRateBytesPerSecond', options.sendRateBytesPerSecond),
    applicationBulkDestination: options.applicationBulkDestination ?? false,
    peerHealth: options.peerHealth ?? {},
    ackEveryBytes: integer(
      'ackEveryBytes',
      options.ackEveryBytes,
      options.congestionControl === true ? 4 * 1024 : 256 * 1024,
      1024,
      2 ** 40,
    ),
    congestionControl: options.congestionControl ?? false,
    congestionRecordsMax: integer('congestionRecordsMax', options.congestionRecordsMax, 8192, 1, 1 << 22),
    causality: options.causality,
    statelessResetKey: options.statelessResetKey,
    streamsMax: integer('streamsMax', options.streamsMax, 1024, 1, 1 << 22),
    streamsPerPeerMax: integer('streamsPerPeerMax', options.streamsPerPeerMax, 256, 1, 1 << 22),
    streamQueueDepthMax: integer('streamQueueDepthMax', options.streamQueueDepthMax, 16, 1, 1 << 16),
    streamQueueBytesMax: integer('streamQueueBytesMax', options.streamQueueBytesMax, 16 << 20, 1, 2 ** 48),
    streamCloseRetransmitsMax: integer('streamCloseRetransmitsMax', options.streamCloseRetransmitsMax, 8, 0, 1000),
    acceptor,
    priorityReserveShare,
    inlineBacklogMax: integer('inlineBacklogMax', options.inlineBacklogMax, 1024, 1, 1 << 22),
    inlineOverloadHoldUs: integer('inlineOverloadHoldUs', options.inlineOverloadHoldUs, 100_000, 0, 2 ** 40),
    tracer: options.tracer ?? null,
    peerResetHoldUs: integer('peerResetHoldUs', options.peerResetHoldUs, 10_000_000, 1, 2 ** 40),
  };
}
