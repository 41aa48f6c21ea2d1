/**
 * Small fake endpoints for the test-network tests. Every datagram they send starts with a header
 * `u32 seq | u32 sender | u32 checksum` (checksum = FNV-1a of the rest), so a receiver can tell
 * datagrams apart, spot duplicates and reordering, and detect corruption.
 */
import type { DatagramEndpoint, TransmitInfo } from '../src/endpoint-io.js';
import { fnv1a32 } from '../src/testing/fnv.js';

export const HEADER_BYTES = 12;

/** Writes a numbered datagram of `length` (≥ 12) bytes with a deterministic body. */
export function writeDatagram(out: Uint8Array, offset: number, length: number, seq: number, sender: number): void {
  const view = new DataView(out.buffer, out.byteOffset + offset, length);
  view.setUint32(0, seq);
  view.setUint32(4, sender);
  for (let i = HEADER_BYTES; i < length; i++) out[offset + i] = (seq * 31 + i * 7 + sender) & 0xff;
  view.setUint32(8, bodyChecksum(out, offset, length));
}

function bodyChecksum(bytes: Uint8Array, offset: number, length: number): number {
  // Covers seq, sender and the body, not the checksum field itself.
  const head = fnv1a32(bytes, offset, 8);
  return fnv1a32(bytes, offset + HEADER_BYTES, length - HEADER_BYTES, head);
}

/** One received datagram. */
export interface Arrival {
  readonly timeUs: number;
  readonly src: number;
  readonly seq: number;
  readonly length: number;
  readonly intact: boolean;
}

/** Records every datagram it receives; sends nothing. */
export class SinkEndpoint implements DatagramEndpoint {
  readonly arrivals: Arrival[] = [];

  handleDatagram(nowUs: number, bytes: Uint8Array, offset: number, length: number, peer: number): void {
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, length);
    const intact = length >= HEADER_BYTES && view.getUint32(8) === bodyChecksum(bytes, offset, length);
    this.arrivals.push({ timeUs: nowUs, src: peer, seq: length >= 4 ? view.getUint32(0) : -1, length, intact });
    // Endpoints may decrypt in place: scribble over the input to prove the network copes.
    bytes.fill(0xee, offset, offset + length);
  }

  handleTimeout(_nowUs: number): void {}

  pollTransmit(_nowUs: number, _out: Uint8Array, _offset: number, _info: TransmitInfo): number {
    return 0;
  }

  pollTimeoutUs(): number {
    return Number.POSITIVE_INFINITY;
  }
}

/** One scheduled send. */
export interface ScheduledSend {
  readonly timeUs: number;
  readonly dst: number;
  readonly length: number;
}

/**
 * Sends a fixed schedule (sorted by time; seq = index in the schedule) and records arrivals. Its
 * timer points at the next send that has not yet been released by a `handleTimeout`.
 */
export class ScriptedEndpoint extends SinkEndpoint {
  private readonly schedule: readonly ScheduledSend[];
  private readonly self: number;
  private cursor = 0;
  private releasedUntilUs = Number.NEGATIVE_INFINITY;
  readonly sentAtUs: number[] = [];

  constructor(self: number, schedule: readonly ScheduledSend[]) {
    super();
    this.self = self;
    this.schedule = schedule;
  }

  override handleTimeout(nowUs: number): void {
    this.releasedUntilUs = nowUs;
  }

  override pollTransmit(nowUs: number, out: Uint8Array, offset: number, info: TransmitInfo): number {
    const next = this.schedule[this.cursor];
    if (next === undefined || next.timeUs > nowUs) return 0;
    writeDatagram(out, offset, next.length, this.cursor, this.self);
    info.peer = next.dst;
    this.sentAtUs.push(nowUs);
    this.cursor++;
    return next.length;
  }

  override pollTimeoutUs(): number {
    for (let i = this.cursor; i < this.schedule.length; i++) {
      const timeUs = (this.schedule[i] as ScheduledSend).timeUs;
      if (timeUs > this.releasedUntilUs) return timeUs;
    }
    return Number.POSITIVE_INFINITY;
  }
}

/** Sends `count` numbered datagrams to `peer`, one every `intervalUs` from `startUs`. */
export class StreamEndpoint extends SinkEndpoint {
  private readonly peer: number;
  private readonly self: number;
  private readonly count: number;
  private readonly intervalUs: number;
  private readonly length: number;
  private nextSeq = 0;
  private nextSendUs: number;
  private due = false;

  constructor(options: {
    self: number;
    peer: number;
    count: number;
    intervalUs: number;
    length: number;
    startUs?: number;
  }) {
    super();
    this.self = options.self;
    this.peer = options.peer;
    this.count = options.count;
    this.intervalUs = options.intervalUs;
    this.length = options.length;
    this.nextSendUs = options.startUs ?? 0;
  }

  override handleTimeout(nowUs: number): void {
    if (nowUs >= this.nextSendUs && this.nextSeq < this.count) {
      this.due = true;
      this.nextSendUs += this.intervalUs;
    }
  }

  override pollTransmit(_nowUs: number, out: Uint8Array, offset: number, info: TransmitInfo): number {
    if (!this.due) return 0;
    this.due = false;
    writeDatagram(out, offset, this.length, this.nextSeq++, this.self);
    info.peer = this.peer;
    return this.length;
  }

  override pollTimeoutUs(): number {
    return this.nextSeq < this.count && !this.due ? this.nextSendUs : Number.POSITIVE_INFINITY;
  }
}

/** Echoes every datagram back to its sender (bounded backlog), and records arrivals. */
export class EchoEndpoint extends SinkEndpoint {
  private readonly backlog: Uint8Array[] = [];
  private readonly backlogPeers: number[] = [];
  private readonly backlogMax: number;
  echoed = 0;

  constructor(backlogMax = 1024) {
    super();
    this.backlogMax = backlogMax;
  }

  override handleDatagram(nowUs: number, bytes: Uint8Array, offset: number, length: number, peer: number): void {
    if (this.backlog.length < this.backlogMax) {
      this.backlog.push(bytes.slice(offset, offset + length));
      this.backlogPeers.push(peer);
    }
    super.handleDatagram(nowUs, bytes, offset, length, peer);
  }

  override pollTransmit(_nowUs: number, out: Uint8Array, offset: number, info: TransmitInfo): number {
    const bytes = this.backlog.shift();
    if (bytes === undefined) return 0;
    info.peer = this.backlogPeers.shift() as number;
    out.set(bytes, offset);
    this.echoed++;
    return bytes.length;
  }
}

/** Sends a numbered ping to `peer` every `intervalUs` (at most `count`), recording echoes with their RTT. */
export class PingEndpoint extends StreamEndpoint {
  readonly rttsUs: number[] = [];
  private readonly sentAt = new Map<number, number>();

  override pollTransmit(nowUs: number, out: Uint8Array, offset: number, info: TransmitInfo): number {
    const length = super.pollTransmit(nowUs, out, offset, info);
    if (length > 0) this.sentAt.set(new DataView(out.buffer, out.byteOffset + offset).getUint32(0), nowUs);
    return length;
  }

  override handleDatagram(nowUs: number, bytes: Uint8Array, offset: number, length: number, peer: number): void {
    const seq = length >= 4 ? new DataView(bytes.buffer, bytes.byteOffset + offset).getUint32(0) : -1;
    const sent = this.sentAt.get(seq);
    if (sent !== undefined) this.rttsUs.push(nowUs - sent);
    super.handleDatagram(nowUs, bytes, offset, length, peer);
  }
}

/** Always has another datagram for `peer`: exercises the per-instant transmit cap. */
export class FloodEndpoint extends SinkEndpoint {
  private readonly peer: number;
  sent = 0;

  constructor(peer: number) {
    super();
    this.peer = peer;
  }

  override pollTransmit(_nowUs: number, out: Uint8Array, offset: number, info: TransmitInfo): number {
    writeDatagram(out, offset, 64, this.sent++, 0);
    info.peer = this.peer;
    return 64;
  }
}

/** Arms the given deadlines one after another and records when `handleTimeout` runs. */
export class TimerEndpoint extends SinkEndpoint {
  private readonly deadlinesUs: readonly number[];
  private cursor = 0;
  readonly calledAtUs: number[] = [];

  constructor(deadlinesUs: readonly number[]) {
    super();
    this.deadlinesUs = deadlinesUs;
  }

  override handleTimeout(nowUs: number): void {
    this.calledAtUs.push(nowUs);
    while (this.cursor < this.deadlinesUs.length && (this.deadlinesUs[this.cursor] as number) <= nowUs) this.cursor++;
  }

  override pollTimeoutUs(): number {
    return this.deadlinesUs[this.cursor] ?? Number.POSITIVE_INFINITY;
  }
}
