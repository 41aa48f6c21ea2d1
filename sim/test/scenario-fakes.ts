/**
 * A tiny fake {@link SimTransport} for the scenario tests: one datagram per message (no
 * segmentation, no retransmission — it assumes a lossless network), an ACK for one-way messages,
 * an automatic response for RPCs, and switches that inject exactly one kind of bug each, so every
 * invariant checker can be shown to catch its violation and to pass when the transport is correct.
 */
import type { TransmitInfo } from '@dcq/core';
import {
  fillPayload,
  type SimDelivery,
  type SimOutcome,
  type SimStateCounters,
  type SimTransferRequest,
  type SimTransport,
  type SimTransportFactory,
  TransferKind,
  type TransferList,
  TransferListBuilder,
} from '../src/index.js';

/** Bugs the fake can be told to have (each names the tag it hits, or is a flag). */
export interface FakeBugs {
  /** Flip one payload byte of this tag's request delivery. */
  readonly corruptTag?: number;
  /** Deliver this tag's request twice. */
  readonly deliverTwiceTag?: number;
  /** Never report this tag's outcome. */
  readonly loseOutcomeTag?: number;
  /** Report this tag's outcome twice. */
  readonly duplicateOutcomeTag?: number;
  /** Report completion of this tag at submit, without ever sending it. */
  readonly completeUnsentTag?: number;
  /** Fail this tag with an undeclared status. */
  readonly untypedFailureTag?: number;
  /** Deliver this tag's request with a wrong peer index. */
  readonly wrongPeerTag?: number;
  /** Report one transfer and one timer forever (leaked state). */
  readonly leak?: boolean;
  /** Add this many bytes to heldBytes while any transfer is open. */
  readonly heldBytesExtra?: number;
  /** Refuse every n-th submit (backpressure; default never). */
  readonly refuseEvery?: number;
}

const KIND_MESSAGE = 0;
const KIND_REQUEST = 1;
const KIND_RESPONSE = 2;
const KIND_ACK = 3;
const HEADER_BYTES = 13; // kind u8, tag u32, response size u32, priority u8 … padded

/** Status of the fake's one declared failure. */
export const FAKE_STATUS_FAILED = 9;

interface Outgoing {
  readonly peer: number;
  readonly priority: number;
  readonly bytes: Uint8Array;
}

interface Pending {
  readonly peer: number;
  readonly tag: number;
  readonly isResponse: boolean;
  readonly bytes: Uint8Array;
}

function writeU32(out: Uint8Array, at: number, value: number): void {
  out[at] = value & 0xff;
  out[at + 1] = (value >>> 8) & 0xff;
  out[at + 2] = (value >>> 16) & 0xff;
  out[at + 3] = (value >>> 24) & 0xff;
}

function readU32(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at] as number) |
      ((bytes[at + 1] as number) << 8) |
      ((bytes[at + 2] as number) << 16) |
      ((bytes[at + 3] as number) << 24)) >>>
    0
  );
}

/** The fake transport of one NIC. */
export class FakeTransport implements SimTransport {
  readonly name = 'fake';
  private readonly bugs: FakeBugs;
  private readonly outbox: Outgoing[] = [];
  private outboxHead = 0;
  private readonly outcomes: { tag: number; status: number }[] = [];
  private outcomesHead = 0;
  private readonly deliveries: Pending[] = [];
  private deliveriesHead = 0;
  private readonly open = new Map<number, number>();
  private heldBytes = 0;
  private submits = 0;

  constructor(bugs: FakeBugs) {
    this.bugs = bugs;
  }

  submit(_nowUs: number, request: SimTransferRequest): number {
    this.submits++;
    const every = this.bugs.refuseEvery ?? 0;
    if (every > 0 && this.submits % every === 0) return -1;
    const tag = request.tag;
    if (tag === this.bugs.completeUnsentTag) {
      this.outcomes.push({ tag, status: 0 });
      return 0;
    }
    const isRpc = request.responseSizeBytes > 0 || false;
    this.send(
      request.peer,
      request.priority,
      isRpc ? KIND_REQUEST : KIND_MESSAGE,
      tag,
      request.sizeBytes,
      request.responseSizeBytes,
    );
    this.open.set(tag, request.sizeBytes);
    this.heldBytes += request.sizeBytes;
    return 0;
  }

  private send(
    peer: number,
    priority: number,
    kind: number,
    tag: number,
    sizeBytes: number,
    responseBytes: number,
  ): void {
    const bytes = new Uint8Array(HEADER_BYTES + sizeBytes);
    bytes[0] = kind;
    writeU32(bytes, 1, tag);
    writeU32(bytes, 5, responseBytes);
    bytes[9] = priority;
    if (kind !== KIND_ACK) fillPayload(tag, kind === KIND_RESPONSE, bytes, HEADER_BYTES, sizeBytes);
    this.outbox.push({ peer, priority, bytes });
  }

  private deliver(peer: number, tag: number, isResponse: boolean, bytes: Uint8Array): void {
    this.deliveries.push({ peer, tag, isResponse, bytes });
  }

  private finish(tag: number): void {
    const size = this.open.get(tag);
    if (size === undefined) return;
    this.open.delete(tag);
    this.heldBytes -= size;
    if (tag === this.bugs.loseOutcomeTag) return;
    const status = tag === this.bugs.untypedFailureTag ? 77 : 0;
    this.outcomes.push({ tag, status });
    if (tag === this.bugs.duplicateOutcomeTag) this.outcomes.push({ tag, status });
  }

  handleDatagram(_nowUs: number, bytes: Uint8Array, offset: number, length: number, peer: number): void {
    const kind = bytes[offset] as number;
    const tag = readU32(bytes, offset + 1);
    const responseBytes = readU32(bytes, offset + 5);
    const priority = bytes[offset + 9] as number;
    const payload = bytes.slice(offset + HEADER_BYTES, offset + length);
    if (kind === KIND_MESSAGE || kind === KIND_REQUEST) {
      if (tag === this.bugs.corruptTag && payload.length > 0) payload[0] = (payload[0] as number) ^ 0x40;
      const from = tag === this.bugs.wrongPeerTag ? peer + 1 : peer;
      this.deliver(from, tag, false, payload);
      if (tag === this.bugs.deliverTwiceTag) this.deliver(from, tag, false, payload);
      if (kind === KIND_MESSAGE) this.send(peer, priority, KIND_ACK, tag, 0, 0);
      else this.send(peer, priority, KIND_RESPONSE, tag, responseBytes, 0);
      return;
    }
    if (kind === KIND_RESPONSE) {
      if (!this.open.has(tag)) return;
      this.deliver(peer, tag, true, payload);
      this.finish(tag);
      return;
    }
    if (kind === KIND_ACK) this.finish(tag);
  }

  handleTimeout(_nowUs: number): void {}

  pollTransmit(_nowUs: number, out: Uint8Array, offset: number, info: TransmitInfo): number {
    const next = this.outbox[this.outboxHead];
    if (next === undefined) return 0;
    this.outboxHead++;
    out.set(next.bytes, offset);
    info.peer = next.peer;
    info.priority = next.priority;
    return next.bytes.length;
  }

  pollTimeoutUs(): number {
    return Number.POSITIVE_INFINITY;
  }

  pollOutcome(out: SimOutcome): boolean {
    const next = this.outcomes[this.outcomesHead];
    if (next === undefined) return false;
    this.outcomesHead++;
    out.tag = next.tag;
    out.status = next.status;
    out.retransmissions = 0;
    return true;
  }

  pollDelivery(out: SimDelivery): boolean {
    const next = this.deliveries[this.deliveriesHead];
    if (next === undefined) return false;
    this.deliveriesHead++;
    out.peer = next.peer;
    out.tag = next.tag;
    out.isResponse = next.isResponse;
    out.bytes = next.bytes;
    out.offset = 0;
    out.length = next.bytes.length;
    return true;
  }

  stateCounters(out: SimStateCounters): void {
    const leak = this.bugs.leak === true ? 1 : 0;
    out.transfers = this.open.size + leak;
    out.buffers = this.open.size;
    out.timers = leak;
    out.heldBytes = this.heldBytes + (this.open.size > 0 ? (this.bugs.heldBytesExtra ?? 0) : 0);
  }
}

/** A factory of {@link FakeTransport}s with `bugs`, named `name`. */
export function fakeFactory(bugs: FakeBugs = {}, name = 'fake'): SimTransportFactory {
  return {
    name,
    description: 'lossless one-datagram-per-message test transport',
    cryptoProviders: ['none', 'fake-fast'],
    supportsRestart: false,
    statusNames: { [FAKE_STATUS_FAILED]: 'failed' },
    create: () => new FakeTransport(bugs),
  };
}

/**
 * A small mixed workload on `hostCount` hosts: `count` rows, alternating one-way messages and RPCs
 * between host pairs, sizes up to 1200 bytes, priorities 0..7, a few microseconds apart.
 */
export function mixedWorkload(count: number, hostCount: number): TransferList {
  const builder = new TransferListBuilder(count);
  for (let i = 0; i < count; i++) {
    const row = builder.append();
    const src = i % hostCount;
    builder.timeNs[row] = Math.floor(i / 4) * 2_000;
    builder.srcHost[row] = src;
    builder.dstHost[row] = (src + 1 + (i % (hostCount - 1))) % hostCount;
    builder.sizeBytes[row] = (i * 97) % 1201;
    builder.priority[row] = (i * 5) % 8;
    if (i % 2 === 1) {
      builder.kind[row] = TransferKind.Rpc;
      builder.responseSizeBytes[row] = (i * 53) % 900;
    }
  }
  return builder.finish();
}
