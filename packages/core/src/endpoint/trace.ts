/**
 * Endpoint tracing: instrumentation records of everything the engine does — transfer lifecycle
 * transitions, protocol messages and datagrams sent and received, congestion actions, peer-health
 * changes, error conditions and timer expiries — for metrics, debugging and test oracles. Separate
 * from the application event FIFO (events.ts): a trace record is never queued or refused, it is
 * handed synchronously to one {@link EndpointTracer} (`EndpointOptions.tracer` / `setTracer`).
 *
 * Trace kinds are defined ONCE in {@link TRACE_KINDS} (name, meaning, and what each integer field
 * means, with the lookup that names its values); the numeric {@link TraceKind}, the per-kind
 * counters of {@link TraceCounters} and the formatter ({@link formatTraceRecord}) derive from it.
 * Error conditions have their own reason table ({@link TRACE_ERRORS}), as do the transfer states
 * of the trace ({@link TraceState}: the spec's state names, sender and receiver).
 *
 * The hot-path contract: one method, numbers only (`onTrace(kind, nowUs, handle, peer, a, b, c,
 * correlation)`), no object per record; an endpoint without a tracer pays one null check per site.
 * `correlation` is the transfer's causality token when it has one, else its handle (−1 when the
 * record concerns no transfer), so the records of one causal chain can be joined across transfers.
 *
 * This module also holds two ready-made subscribers: {@link TraceCounters} (metrics derived from
 * the trace, typed arrays) and {@link TraceRecorder} (a bounded ring of the last N records with a
 * formatter), plus {@link TraceFanout} to feed several subscribers.
 */
import { assert } from '../assert.js';
import { CONGESTION_ACTION_COUNT, congestionActionName } from '../congestion/controller.js';
import { admissionResultName } from '../notify-admission.js';
import { PEER_STATE_COUNT, PEER_STATE_NAMES } from '../peer-health.js';
import { openResultName } from '../secure-datagram.js';
import { messageTypeName, statusCodeName } from '../wire/constants.js';
import { reasonName } from '../wire/decode-result.js';
import { TIMER_KIND_NAMES } from './timer-kinds.js';

/**
 * The subscriber interface. `onTrace` is called synchronously from inside the engine (never
 * re-enter the endpoint from it) with numbers only; the meaning of `handle`, `a`, `b` and `c`
 * depends on `kind` ({@link TRACE_KINDS}). A tracer must not throw.
 */
export interface EndpointTracer {
  /**
   * One trace record. `kind`: a {@link TraceKind}; `nowUs`: the engine's time; `handle`: the
   * transfer handle the record concerns (−1 if none); `peer`: the peer index (−1 if none);
   * `a`, `b`, `c`: kind-specific fields; `correlation`: causality token, else the handle.
   */
  onTrace(
    kind: number,
    nowUs: number,
    handle: number,
    peer: number,
    a: number,
    b: number,
    c: number,
    correlation: number,
  ): void;
}

/** How the values of a trace field are named when formatted. */
export type TraceLookup =
  | 'number'
  | 'state'
  | 'status'
  | 'message'
  | 'datagram'
  | 'open'
  | 'admission'
  | 'congestion'
  | 'health'
  | 'healthCause'
  | 'error'
  | 'timer'
  | 'decode';

/** What one integer field of a trace kind means. */
export interface TraceField {
  /** Field name (formatter, docs). */
  readonly name: string;
  /** How its values are named. */
  readonly lookup: TraceLookup;
}

/** One row of the trace table. */
export interface TraceKindDefinition {
  /** Log / metrics name. */
  readonly name: string;
  /** What it means. */
  readonly doc: string;
  /** What `handle` holds for this kind. */
  readonly handle: string;
  /** Fields `a`, `b`, `c` (null: unused, always 0). */
  readonly a: TraceField | null;
  /** Field `b`. */
  readonly b: TraceField | null;
  /** Field `c`. */
  readonly c: TraceField | null;
}

/**
 * The trace table. The index of a row is its {@link TraceKind} value; rows are appended, never
 * reordered.
 */
export const TRACE_KINDS: readonly TraceKindDefinition[] = [
  {
    name: 'TRANSFER_STATE',
    doc: 'A sender or receiver transfer changed state (spec: state-machines.md). The first record of a sender starts at IDLE, of a receiver at NOTIFIED; senders end at COMPLETED / FAILED / CANCELLED, receivers at (none) when their time-wait record is freed.',
    handle: 'the transfer',
    a: { name: 'from', lookup: 'state' },
    b: { name: 'to', lookup: 'state' },
    c: { name: 'status', lookup: 'status' },
  },
  {
    name: 'MESSAGE_SENT',
    doc: 'A protocol message was written into a datagram. TRANSFER_NOTIFY: one record per entry; DATA_CHUNKS: one per chunk.',
    handle: 'the transfer it concerns, −1 for stateless replies and stream messages',
    a: { name: 'type', lookup: 'message' },
    b: { name: 'bytes', lookup: 'number' },
    c: { name: 'detail', lookup: 'number' },
  },
  {
    name: 'MESSAGE_RECEIVED',
    doc: 'A protocol message arrived in an authenticated datagram (DATA_CHUNKS: in a well-formed DATA datagram). TRANSFER_NOTIFY: one record per entry (detail = admission result); DATA_CHUNKS: one per chunk (detail = sealed offset).',
    handle: 'the local transfer it names, −1 if none',
    a: { name: 'type', lookup: 'message' },
    b: { name: 'bytes', lookup: 'number' },
    c: { name: 'detail', lookup: 'number' },
  },
  {
    name: 'DATAGRAM_SENT',
    doc: 'pollTransmit returned a datagram.',
    handle: '−1',
    a: { name: 'datagramKind', lookup: 'datagram' },
    b: { name: 'bytes', lookup: 'number' },
    c: null,
  },
  {
    name: 'DATAGRAM_RECEIVED',
    doc: 'handleDatagram was given a datagram (rejected ones too: see openResult, and the ERROR record that follows).',
    handle: '−1',
    a: { name: 'datagramKind', lookup: 'datagram' },
    b: { name: 'bytes', lookup: 'number' },
    c: { name: 'openResult', lookup: 'open' },
  },
  {
    name: 'CONGESTION_ACTION',
    doc: "The peer's congestion controller acted (CongestionAction; congestionControl only).",
    handle: '−1',
    a: { name: 'action', lookup: 'congestion' },
    b: { name: 'cwndBytes', lookup: 'number' },
    c: { name: 'pacingRateBytesPerSecond', lookup: 'number' },
  },
  {
    name: 'HEALTH_CHANGE',
    doc: 'The peer-health state changed (spec: state-machines.md#peer-health).',
    handle: '−1',
    a: { name: 'from', lookup: 'health' },
    b: { name: 'to', lookup: 'health' },
    c: { name: 'cause', lookup: 'healthCause' },
  },
  {
    name: 'ERROR',
    doc: 'An error condition: input refused or dropped, or a limit hit (reason: TRACE_ERRORS).',
    handle: 'the transfer, −1 if none',
    a: { name: 'reason', lookup: 'error' },
    b: { name: 'detail', lookup: 'number' },
    c: { name: 'detail2', lookup: 'number' },
  },
  {
    name: 'TIMER_EXPIRED',
    doc: 'A timer fired (before the engine acts on it).',
    handle: 'the transfer (stream timers: the stream handle; health: −1)',
    a: { name: 'timer', lookup: 'timer' },
    b: { name: 'exponent', lookup: 'number' },
    c: { name: 'retransmits', lookup: 'number' },
  },
];

/** Numeric trace kinds (indexes into {@link TRACE_KINDS}). */
export const TraceKind = {
  TransferState: 0,
  MessageSent: 1,
  MessageReceived: 2,
  DatagramSent: 3,
  DatagramReceived: 4,
  CongestionAction: 5,
  HealthChange: 6,
  Error: 7,
  TimerExpired: 8,
} as const;

/** A {@link TraceKind} value. */
export type TraceKind = (typeof TraceKind)[keyof typeof TraceKind];

/** Number of trace kinds. */
export const TRACE_KIND_COUNT = TRACE_KINDS.length;

/** The name of a trace kind (`TRANSFER_STATE`), or `UNKNOWN(n)`. */
export function traceKindName(kind: number): string {
  return TRACE_KINDS[kind]?.name ?? `UNKNOWN(${kind})`;
}

/**
 * Transfer states of TRANSFER_STATE records, sender and receiver, by their spec names
 * (state-machines.md). Values 1–7 equal the engine's `SenderState` and 9–16 its `ReceiverState`
 * (so the engine passes its states unchanged); the others are states the engine does not store
 * (IDLE and NOTIFIED are transient, a sender's terminal states free its slot at once).
 * Receiver FAILED covers the spec's CANCELLED when the status is CANCELLED and the engine keeps a
 * FAILED record (`c` says which); receiver CANCELLED is a refused delivered request (`cancel`).
 */
export const TraceState = {
  /** The spec's "(none)": no record (a receiver's time-wait record was freed). */
  None: 0,
  SenderQueued: 1,
  SenderNotifying: 2,
  SenderHeld: 3,
  SenderAccepted: 4,
  SenderServingPulls: 5,
  SenderDraining: 6,
  SenderAwaitingResponse: 7,
  SenderIdle: 8,
  /** Engine extension: a BULK transfer offered to the application (applicationBulkDestination). */
  ReceiverOffered: 9,
  ReceiverQueued: 10,
  ReceiverAccepted: 11,
  ReceiverPulling: 12,
  ReceiverReassembling: 13,
  ReceiverDelivered: 14,
  ReceiverFailed: 15,
  ReceiverCancelled: 16,
  ReceiverNotified: 17,
  SenderCompleted: 18,
  SenderFailed: 19,
  SenderCancelled: 20,
} as const;

/** A {@link TraceState} value. */
export type TraceState = (typeof TraceState)[keyof typeof TraceState];

/** Number of {@link TraceState} values. */
export const TRACE_STATE_COUNT = 21;

const TRACE_STATE_NAMES: readonly string[] = [
  '(none)',
  'QUEUED',
  'NOTIFYING',
  'HELD',
  'ACCEPTED',
  'SERVING_PULLS',
  'DRAINING',
  'AWAITING_RESPONSE',
  'IDLE',
  'OFFERED',
  'QUEUED',
  'ACCEPTED',
  'PULLING',
  'REASSEMBLING',
  'DELIVERED',
  'FAILED',
  'CANCELLED',
  'NOTIFIED',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
];

/** Role of a trace state: 1 sender, 2 receiver (as the engine's `Role`), 0 for (none). */
export function traceStateRole(state: number): number {
  if ((state >= 1 && state <= 8) || (state >= 18 && state <= 20)) return 1;
  if (state >= 9 && state <= 17) return 2;
  return 0;
}

/** The spec name of a trace state, prefixed by its role (`sender QUEUED`), or `UNKNOWN(n)`. */
export function traceStateName(state: number): string {
  const name = TRACE_STATE_NAMES[state];
  if (name === undefined) return `UNKNOWN(${state})`;
  const role = traceStateRole(state);
  return role === 1 ? `sender ${name}` : role === 2 ? `receiver ${name}` : name;
}

/** Whether a trace state is terminal (the transfer's outcome is decided). */
export function isTerminalTraceState(state: number): boolean {
  return (
    state === TraceState.SenderCompleted ||
    state === TraceState.SenderFailed ||
    state === TraceState.SenderCancelled ||
    state === TraceState.ReceiverDelivered ||
    state === TraceState.ReceiverFailed ||
    state === TraceState.ReceiverCancelled
  );
}

/** One row of the error-reason table. */
export interface TraceErrorDefinition {
  /** Log / metrics name. */
  readonly name: string;
  /** What it means. */
  readonly doc: string;
  /** Field `b` of the ERROR record. */
  readonly b: TraceField | null;
  /** Field `c` of the ERROR record. */
  readonly c: TraceField | null;
}

/** Error reasons of ERROR records (field `a`); the index of a row is its {@link TraceError} value. */
export const TRACE_ERRORS: readonly TraceErrorDefinition[] = [
  {
    name: 'AUTHENTICATION_FAILED',
    doc: 'A datagram failed authentication or key checks (forged or corrupted tag, retired / too old / too new key, version mismatch, worker limit, integrity limit).',
    b: { name: 'openResult', lookup: 'open' },
    c: null,
  },
  {
    name: 'DECODE_REJECTED',
    doc: 'A datagram failed header, version or body validation (nothing in it was acted on).',
    b: { name: 'openResult', lookup: 'open' },
    c: { name: 'decodeReason', lookup: 'decode' },
  },
  {
    name: 'UNKNOWN_PATH_SECRET',
    doc: 'A control datagram named a path secret this host does not hold (answered UNKNOWN_PATH_SECRET when a reset key is configured).',
    b: null,
    c: null,
  },
  {
    name: 'PEER_LOST_PATH_SECRET',
    doc: 'A verified UNKNOWN_PATH_SECRET: the peer lost our path secret; it is reset if the secret is current.',
    b: null,
    c: null,
  },
  {
    name: 'NOTIFY_DROPPED',
    doc: 'A notify entry dropped by admission: replay (duplicate, invalid sequence, challenge already open) or a challenge / held-notify limit.',
    b: { name: 'admissionResult', lookup: 'admission' },
    c: null,
  },
  {
    name: 'NOTIFY_REJECTED',
    doc: 'A notify answered ACCEPT REJECTED (too large, stream limits, table full, unknown request…).',
    b: { name: 'reason', lookup: 'status' },
    c: null,
  },
  {
    name: 'DELIVERY_REFUSED',
    doc: 'An inbound delivery refused before any state: eventsMax or the event arena is full (the sender retransmits).',
    b: { name: 'arena', lookup: 'number' },
    c: null,
  },
  {
    name: 'CHUNK_DROPPED',
    doc: 'A DATA chunk dropped: 0 names no receiver transfer of this peer, 1 the transfer is not pulling, 2 outside its pulls, 3 range-set fragment limit.',
    b: { name: 'why', lookup: 'number' },
    c: { name: 'sealedOffset', lookup: 'number' },
  },
  {
    name: 'RECORD_FAILED',
    doc: 'A payload record failed to open (integrity); it is re-pulled until integrityFailuresMax.',
    b: { name: 'record', lookup: 'number' },
    c: { name: 'failures', lookup: 'number' },
  },
  {
    name: 'SEND_RANGE_DROPPED',
    doc: "A pulled range was dropped: the sender's per-transfer range queue (64) is full (the receiver re-pulls).",
    b: { name: 'pullId', lookup: 'number' },
    c: null,
  },
];

/** Numeric error reasons (indexes into {@link TRACE_ERRORS}). */
export const TraceError = {
  AuthenticationFailed: 0,
  DecodeRejected: 1,
  UnknownPathSecret: 2,
  PeerLostPathSecret: 3,
  NotifyDropped: 4,
  NotifyRejected: 5,
  DeliveryRefused: 6,
  ChunkDropped: 7,
  RecordFailed: 8,
  SendRangeDropped: 9,
} as const;

/** A {@link TraceError} value. */
export type TraceError = (typeof TraceError)[keyof typeof TraceError];

/** Number of error reasons. */
export const TRACE_ERROR_COUNT = TRACE_ERRORS.length;

/** The name of an error reason (`CHUNK_DROPPED`), or `UNKNOWN(n)`. */
export function traceErrorName(reason: number): string {
  return TRACE_ERRORS[reason]?.name ?? `UNKNOWN(${reason})`;
}

/**
 * Names of the engine's timer kinds (TIMER_EXPIRED field `a`), indexed by the kind: derived from
 * `TimerKind` (timer-kinds.ts), so a new kind is named without touching this module.
 */
export const TRACE_TIMER_NAMES: readonly (string | undefined)[] = TIMER_KIND_NAMES;

const DATAGRAM_KIND_NAMES: readonly string[] = ['NONE', 'CONTROL', 'SECRET_CONTROL', 'DATA', 'UNKNOWN_PATH_SECRET'];

const HEALTH_CAUSE_NAMES: readonly string[] = [
  'PHASE_TIMEOUT',
  'SUCCESS',
  'PACKET_RECEIVED',
  'PROBE_TIMEOUT',
  'QUIET_ELAPSED',
  'ICMP_UNREACHABLE',
  'WORK_DRAINED',
  'PROBE_SENT',
  'RESET_STARTED',
  'RESET',
  'HANDSHAKE_FAILED',
];

/** The name of a field value under its lookup (numbers as decimal). */
export function traceValueName(lookup: TraceLookup, value: number): string {
  switch (lookup) {
    case 'state':
      return traceStateName(value);
    case 'status':
      return value === 256 ? 'PEER_UNREACHABLE' : value === 257 ? 'DEPENDENCY_FAILED' : statusCodeName(value);
    case 'message':
      return messageTypeName(value);
    case 'datagram':
      return DATAGRAM_KIND_NAMES[value] ?? `UNKNOWN(${value})`;
    case 'open':
      return openResultName(value);
    case 'admission':
      return admissionResultName(value);
    case 'congestion':
      return congestionActionName(value);
    case 'health':
      return PEER_STATE_NAMES[value] ?? `UNKNOWN(${value})`;
    case 'healthCause':
      return HEALTH_CAUSE_NAMES[value] ?? `UNKNOWN(${value})`;
    case 'error':
      return traceErrorName(value);
    case 'timer':
      return TRACE_TIMER_NAMES[value] ?? `UNKNOWN(${value})`;
    case 'decode':
      return reasonName(value);
    default:
      return String(value);
  }
}

function formatField(field: TraceField | null, value: number): string {
  if (field === null) return '';
  return ` ${field.name}=${traceValueName(field.lookup, value)}`;
}

/**
 * One record as a line of text, e.g.
 * `1500us TRANSFER_STATE handle=3 peer=1 from=sender QUEUED to=sender NOTIFYING status=OK corr=3`.
 * Allocates (debugging and tests only).
 */
export function formatTraceRecord(
  kind: number,
  nowUs: number,
  handle: number,
  peer: number,
  a: number,
  b: number,
  c: number,
  correlation: number,
): string {
  const def = TRACE_KINDS[kind];
  if (def === undefined) return `${nowUs}us UNKNOWN(${kind}) handle=${handle} peer=${peer} ${a} ${b} ${c}`;
  let text = `${nowUs}us ${def.name} handle=${handle} peer=${peer}`;
  if (kind === TraceKind.Error) {
    const reason = TRACE_ERRORS[a];
    text += ` reason=${traceErrorName(a)}`;
    if (reason !== undefined) text += formatField(reason.b, b) + formatField(reason.c, c);
  } else {
    text += formatField(def.a, a) + formatField(def.b, b) + formatField(def.c, c);
  }
  return `${text} corr=${correlation}`;
}

// ---------------------------------------------------------------------------------------------
// Subscribers

/** Message type codes fit below this (wire/constants.ts `MessageType`, largest 0x22). */
export const TRACE_MESSAGE_TYPE_SPACE = 64;
/** Timer kinds fit below this. */
export const TRACE_TIMER_SPACE = 16;

/** Options of a {@link TraceCounters}. */
export interface TraceCountersOptions {
  /** Peer indexes counted per peer: 0 … peersMax − 1 (others only in the totals). */
  readonly peersMax: number;
}

/**
 * Metrics derived from the trace, in typed arrays (no allocation per record): records per kind,
 * messages and message bytes per type and direction, datagrams and bytes per peer and direction,
 * transitions into each transfer state, errors per reason, congestion actions, health changes
 * (by the state entered) and timer expiries per timer kind.
 */
export class TraceCounters implements EndpointTracer {
  /** Peers counted per peer. */
  readonly peersMax: number;
  /** Records per {@link TraceKind}. */
  readonly byKind: Float64Array;
  /** MESSAGE_SENT records per message type. */
  readonly messagesSent: Float64Array;
  /** MESSAGE_RECEIVED records per message type. */
  readonly messagesReceived: Float64Array;
  /** Bytes of MESSAGE_SENT per message type. */
  readonly messageBytesSent: Float64Array;
  /** Bytes of MESSAGE_RECEIVED per message type. */
  readonly messageBytesReceived: Float64Array;
  /** Datagrams sent per peer. */
  readonly datagramsSent: Float64Array;
  /** Datagrams received per peer. */
  readonly datagramsReceived: Float64Array;
  /** Datagram bytes sent per peer. */
  readonly bytesSent: Float64Array;
  /** Datagram bytes received per peer. */
  readonly bytesReceived: Float64Array;
  /** TRANSFER_STATE records per state entered ({@link TraceState}). */
  readonly statesEntered: Float64Array;
  /** ERROR records per reason ({@link TraceError}). */
  readonly errors: Float64Array;
  /** CONGESTION_ACTION records per CongestionAction. */
  readonly congestionActions: Float64Array;
  /** HEALTH_CHANGE records per state entered (PeerState). */
  readonly healthChanges: Float64Array;
  /** TIMER_EXPIRED records per timer kind. */
  readonly timersExpired: Float64Array;

  constructor(options: TraceCountersOptions) {
    assert(Number.isInteger(options.peersMax) && options.peersMax >= 1, 'peersMax must be a positive integer');
    this.peersMax = options.peersMax;
    this.byKind = new Float64Array(TRACE_KIND_COUNT);
    this.messagesSent = new Float64Array(TRACE_MESSAGE_TYPE_SPACE);
    this.messagesReceived = new Float64Array(TRACE_MESSAGE_TYPE_SPACE);
    this.messageBytesSent = new Float64Array(TRACE_MESSAGE_TYPE_SPACE);
    this.messageBytesReceived = new Float64Array(TRACE_MESSAGE_TYPE_SPACE);
    this.datagramsSent = new Float64Array(options.peersMax);
    this.datagramsReceived = new Float64Array(options.peersMax);
    this.bytesSent = new Float64Array(options.peersMax);
    this.bytesReceived = new Float64Array(options.peersMax);
    this.statesEntered = new Float64Array(TRACE_STATE_COUNT);
    this.errors = new Float64Array(TRACE_ERROR_COUNT);
    this.congestionActions = new Float64Array(CONGESTION_ACTION_COUNT);
    this.healthChanges = new Float64Array(PEER_STATE_COUNT);
    this.timersExpired = new Float64Array(TRACE_TIMER_SPACE);
  }

  /** Records of one kind. */
  count(kind: number): number {
    return this.byKind[kind] ?? 0;
  }

  /** Sum of a per-peer array. */
  static total(perPeer: Float64Array): number {
    let sum = 0;
    for (let i = 0; i < perPeer.length; i++) sum += perPeer[i] as number;
    return sum;
  }

  /** Sets every counter to 0. */
  reset(): void {
    this.byKind.fill(0);
    this.messagesSent.fill(0);
    this.messagesReceived.fill(0);
    this.messageBytesSent.fill(0);
    this.messageBytesReceived.fill(0);
    this.datagramsSent.fill(0);
    this.datagramsReceived.fill(0);
    this.bytesSent.fill(0);
    this.bytesReceived.fill(0);
    this.statesEntered.fill(0);
    this.errors.fill(0);
    this.congestionActions.fill(0);
    this.healthChanges.fill(0);
    this.timersExpired.fill(0);
  }

  onTrace(
    kind: number,
    _nowUs: number,
    _handle: number,
    peer: number,
    a: number,
    b: number,
    _c: number,
    _correlation: number,
  ): void {
    if (!(kind >= 0 && kind < TRACE_KIND_COUNT)) return;
    this.byKind[kind] = (this.byKind[kind] as number) + 1;
    switch (kind) {
      case TraceKind.TransferState:
        if (b >= 0 && b < TRACE_STATE_COUNT) this.statesEntered[b] = (this.statesEntered[b] as number) + 1;
        return;
      case TraceKind.MessageSent:
        if (a >= 0 && a < TRACE_MESSAGE_TYPE_SPACE) {
          this.messagesSent[a] = (this.messagesSent[a] as number) + 1;
          this.messageBytesSent[a] = (this.messageBytesSent[a] as number) + b;
        }
        return;
      case TraceKind.MessageReceived:
        if (a >= 0 && a < TRACE_MESSAGE_TYPE_SPACE) {
          this.messagesReceived[a] = (this.messagesReceived[a] as number) + 1;
          this.messageBytesReceived[a] = (this.messageBytesReceived[a] as number) + b;
        }
        return;
      case TraceKind.DatagramSent:
        if (peer >= 0 && peer < this.peersMax) {
          this.datagramsSent[peer] = (this.datagramsSent[peer] as number) + 1;
          this.bytesSent[peer] = (this.bytesSent[peer] as number) + b;
        }
        return;
      case TraceKind.DatagramReceived:
        if (peer >= 0 && peer < this.peersMax) {
          this.datagramsReceived[peer] = (this.datagramsReceived[peer] as number) + 1;
          this.bytesReceived[peer] = (this.bytesReceived[peer] as number) + b;
        }
        return;
      case TraceKind.CongestionAction:
        if (a >= 0 && a < CONGESTION_ACTION_COUNT)
          this.congestionActions[a] = (this.congestionActions[a] as number) + 1;
        return;
      case TraceKind.HealthChange:
        if (b >= 0 && b < PEER_STATE_COUNT) this.healthChanges[b] = (this.healthChanges[b] as number) + 1;
        return;
      case TraceKind.Error:
        if (a >= 0 && a < TRACE_ERROR_COUNT) this.errors[a] = (this.errors[a] as number) + 1;
        return;
      case TraceKind.TimerExpired:
        if (a >= 0 && a < TRACE_TIMER_SPACE) this.timersExpired[a] = (this.timersExpired[a] as number) + 1;
        return;
      default:
        return;
    }
  }
}

/**
 * A bounded ring of the last `capacity` records (older ones are overwritten and counted in
 * {@link TraceRecorder.overwritten}), for debugging: read them oldest first by index
 * (`0 … size − 1`) through the field getters, or as text with {@link TraceRecorder.format}.
 */
export class TraceRecorder implements EndpointTracer {
  /** Records kept at most. */
  readonly capacity: number;
  /** Records seen in total. */
  total: number;
  /** Records overwritten (lost to the bound). */
  overwritten: number;
  private readonly kinds: Uint8Array;
  private readonly times: Float64Array;
  private readonly handles: Float64Array;
  private readonly peers: Int32Array;
  private readonly as: Float64Array;
  private readonly bs: Float64Array;
  private readonly cs: Float64Array;
  private readonly correlations: Float64Array;
  private head: number;
  private count: number;

  constructor(capacity: number) {
    assert(Number.isInteger(capacity) && capacity >= 1 && capacity <= 1 << 24, 'recorder capacity out of range');
    this.capacity = capacity;
    this.total = 0;
    this.overwritten = 0;
    this.kinds = new Uint8Array(capacity);
    this.times = new Float64Array(capacity);
    this.handles = new Float64Array(capacity);
    this.peers = new Int32Array(capacity);
    this.as = new Float64Array(capacity);
    this.bs = new Float64Array(capacity);
    this.cs = new Float64Array(capacity);
    this.correlations = new Float64Array(capacity);
    this.head = 0;
    this.count = 0;
  }

  /** Records held. */
  get size(): number {
    return this.count;
  }

  /** Forgets every record (totals too). */
  clear(): void {
    this.head = 0;
    this.count = 0;
    this.total = 0;
    this.overwritten = 0;
  }

  onTrace(
    kind: number,
    nowUs: number,
    handle: number,
    peer: number,
    a: number,
    b: number,
    c: number,
    correlation: number,
  ): void {
    let at: number;
    if (this.count < this.capacity) {
      at = (this.head + this.count) % this.capacity;
      this.count++;
    } else {
      at = this.head;
      this.head = (this.head + 1) % this.capacity;
      this.overwritten++;
    }
    this.total++;
    this.kinds[at] = kind;
    this.times[at] = nowUs;
    this.handles[at] = handle;
    this.peers[at] = peer;
    this.as[at] = a;
    this.bs[at] = b;
    this.cs[at] = c;
    this.correlations[at] = correlation;
  }

  private at(i: number): number {
    assert(i >= 0 && i < this.count, 'trace record index out of range');
    return (this.head + i) % this.capacity;
  }

  /** Kind of record `i` (0 = oldest held). */
  kindAt(i: number): number {
    return this.kinds[this.at(i)] as number;
  }
  /** Time of record `i`, µs. */
  timeAt(i: number): number {
    return this.times[this.at(i)] as number;
  }
  /** Handle of record `i`. */
  handleAt(i: number): number {
    return this.handles[this.at(i)] as number;
  }
  /** Peer of record `i`. */
  peerAt(i: number): number {
    return this.peers[this.at(i)] as number;
  }
  /** Field `a` of record `i`. */
  aAt(i: number): number {
    return this.as[this.at(i)] as number;
  }
  /** Field `b` of record `i`. */
  bAt(i: number): number {
    return this.bs[this.at(i)] as number;
  }
  /** Field `c` of record `i`. */
  cAt(i: number): number {
    return this.cs[this.at(i)] as number;
  }
  /** Correlation of record `i`. */
  correlationAt(i: number): number {
    return this.correlations[this.at(i)] as number;
  }

  /** Record `i` as text (names, not numbers; see {@link formatTraceRecord}). Allocates. */
  format(i: number): string {
    const at = this.at(i);
    return formatTraceRecord(
      this.kinds[at] as number,
      this.times[at] as number,
      this.handles[at] as number,
      this.peers[at] as number,
      this.as[at] as number,
      this.bs[at] as number,
      this.cs[at] as number,
      this.correlations[at] as number,
    );
  }

  /** Every record held, oldest first, one per line. Allocates. */
  dump(): string {
    const lines: string[] = [];
    for (let i = 0; i < this.count; i++) lines.push(this.format(i));
    return lines.join('\n');
  }
}

/** Feeds every record to each of a fixed list of tracers, in order. */
export class TraceFanout implements EndpointTracer {
  private readonly tracers: readonly EndpointTracer[];

  constructor(tracers: readonly EndpointTracer[]) {
    this.tracers = tracers.slice();
  }

  onTrace(
    kind: number,
    nowUs: number,
    handle: number,
    peer: number,
    a: number,
    b: number,
    c: number,
    correlation: number,
  ): void {
    const tracers = this.tracers;
    for (let i = 0; i < tracers.length; i++) {
      (tracers[i] as EndpointTracer).onTrace(kind, nowUs, handle, peer, a, b, c, correlation);
    }
  }
}
