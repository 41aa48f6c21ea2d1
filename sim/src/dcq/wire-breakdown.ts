/**
 * Where dcq's wire bytes go in a simulated run: a byte breakdown of everything the engines sent,
 * built from the engine's own trace (`EndpointTracer`: MESSAGE_SENT and DATAGRAM_SENT records), so
 * it needs no decryption and no change to the engine. {@link DcqWireBreakdown} hands one
 * {@link DcqWireTracer} to each engine of a run (the dcq transport factory installs them when given
 * a breakdown) and sums their tallies; {@link DcqWireBreakdown.report} turns the sums into a
 * JSON-safe {@link DcqWireReport} whose categories add up to the run's wire bytes exactly:
 *
 * - DATA: sealed payload sent for the first time (application bytes plus the 16-byte AEAD tag of
 *   each payload record), payload sent again (retransmissions, tail probes), the 20-byte chunk
 *   header of every chunk, the 2-byte DATA header of every datagram;
 * - control: the bytes of every framed message by type (TRANSFER_NOTIFY entries carry inline
 *   payloads, the simulator's metadata and the RPC's response-size header), the 4 bytes framing
 *   each TRANSFER_NOTIFY's entries, and the 44-byte seal (header 28 + AEAD tag 16) of every
 *   control datagram;
 * - the network's per-datagram bytes (IP/UDP headers and link framing) of both.
 *
 * Allocation: one map entry per sender transfer while it is in flight (simulation bookkeeping
 * outside the engine; the engine's hot paths stay allocation-free).
 */
import {
  CONTROL_OVERHEAD,
  DATA_CHUNK_HEADER_SIZE,
  DATA_HEADER_SIZE,
  DatagramKind,
  type EndpointTracer,
  MessageType,
  messageTypeName,
  RECORD_TAG_BYTES,
  TRANSFER_NOTIFY_OVERHEAD,
  TraceKind,
  TraceState,
} from '@dcq/core';

/** Message-type space of the tally (every u8 code). */
const MESSAGE_TYPES = 256;
/** Datagram-kind space of the tally (the high nibble of the first byte). */
const DATAGRAM_KINDS = 16;

/** The sums of every tracer of one run (plain counters; read them through {@link DcqWireBreakdown.report}). */
export class DcqWireTally {
  /** Datagrams sent per datagram kind (`DatagramKind`). */
  readonly datagrams = new Float64Array(DATAGRAM_KINDS);
  /** UDP payload bytes sent per datagram kind. */
  readonly datagramBytes = new Float64Array(DATAGRAM_KINDS);
  /** Control messages sent per type (TRANSFER_NOTIFY: entries). */
  readonly messages = new Float64Array(MESSAGE_TYPES);
  /** Bytes of the control messages sent per type (framing included; TRANSFER_NOTIFY: entry bytes only). */
  readonly messageBytes = new Float64Array(MESSAGE_TYPES);
  /** TRANSFER_NOTIFY entries that were retransmissions. */
  notifyEntriesRetransmitted = 0;
  /** Bytes of those entries. */
  notifyBytesRetransmitted = 0;
  /** TRANSFER_NOTIFY messages (control datagrams holding at least one entry). */
  notifyMessages = 0;
  /** DATA chunks sent. */
  chunks = 0;
  /** Sealed payload bytes sent for the first time. */
  chunkBytesFirst = 0;
  /** Sealed payload bytes sent again (below what the transfer had already sent). */
  chunkBytesRetransmitted = 0;
  /** Record AEAD tag bytes within the first sends (16 per record of every finished sender transfer). */
  recordTagBytes = 0;
}

/** The tracer of one engine: counts what it sends into a shared {@link DcqWireTally}. */
export class DcqWireTracer implements EndpointTracer {
  /** Sealed bytes sent so far per sender transfer handle (entries leave when the transfer ends). */
  private readonly sentEnd = new Map<number, number>();
  /** Whether a TRANSFER_NOTIFY entry was written into the datagram being built. */
  private notifyInDatagram = false;

  /**
   * @param tally - where the counts go (shared by the run's tracers).
   * @param recordSealedBytes - bytes of one sealed payload record: record size + its 16-byte tag.
   */
  constructor(
    private readonly tally: DcqWireTally,
    private readonly recordSealedBytes: number,
  ) {}

  onTrace(
    kind: number,
    _nowUs: number,
    handle: number,
    _peer: number,
    a: number,
    b: number,
    c: number,
    _correlation: number,
  ): void {
    const tally = this.tally;
    if (kind === TraceKind.MessageSent) {
      if (a === MessageType.DataChunks) {
        // b: chunk length, c: its sealed offset. Bytes below the transfer's sent end are resent.
        const end = c + b;
        const before = this.sentEnd.get(handle) ?? 0;
        const again = Math.max(0, Math.min(end, before) - c);
        tally.chunks++;
        tally.chunkBytesRetransmitted += again;
        tally.chunkBytesFirst += b - again;
        if (end > before) this.sentEnd.set(handle, end);
        return;
      }
      tally.messages[a & 0xff] = (tally.messages[a & 0xff] as number) + 1;
      tally.messageBytes[a & 0xff] = (tally.messageBytes[a & 0xff] as number) + b;
      if (a === MessageType.TransferNotify) {
        this.notifyInDatagram = true;
        if (c === 1) {
          tally.notifyEntriesRetransmitted++;
          tally.notifyBytesRetransmitted += b;
        }
      }
    } else if (kind === TraceKind.DatagramSent) {
      tally.datagrams[a & 0xf] = (tally.datagrams[a & 0xf] as number) + 1;
      tally.datagramBytes[a & 0xf] = (tally.datagramBytes[a & 0xf] as number) + b;
      if (a === DatagramKind.Control && this.notifyInDatagram) tally.notifyMessages++;
      this.notifyInDatagram = false;
    } else if (
      kind === TraceKind.TransferState &&
      (b === TraceState.SenderCompleted || b === TraceState.SenderFailed || b === TraceState.SenderCancelled)
    ) {
      this.finishTransfer(handle);
    }
  }

  /** Counts the record tags of every transfer still in flight (call once, after the run). */
  finish(): void {
    for (const handle of [...this.sentEnd.keys()]) this.finishTransfer(handle);
  }

  private finishTransfer(handle: number): void {
    const end = this.sentEnd.get(handle);
    if (end === undefined) return;
    this.sentEnd.delete(handle);
    // A sealed buffer of r records is payload + 16·r bytes, so r = ⌈sealed / (record + 16)⌉.
    this.tally.recordTagBytes += RECORD_TAG_BYTES * Math.ceil(end / this.recordSealedBytes);
  }
}

/** Bytes and their share of the wire. */
export interface WireShare {
  /** Bytes. */
  readonly bytes: number;
  /** Fraction of all wire bytes: the goodput it costs (or, for application bytes, the goodput). */
  readonly share: number;
}

/** The JSON-safe breakdown of one run's wire bytes (every byte falls in exactly one leaf). */
export interface DcqWireReport {
  /** Sum of every category below: all bytes the engines put on the wire. */
  readonly wireBytes: number;
  /** Network bytes per datagram the report used (IP/UDP headers + link framing). */
  readonly networkBytesPerDatagram: number;
  /** Application bytes delivered (the goodput numerator), when given. */
  readonly applicationBytesDelivered: number | null;
  /** The DATA datagrams. */
  readonly data: {
    readonly datagrams: number;
    readonly chunks: number;
    /** Mean UDP payload of a DATA datagram, bytes. */
    readonly meanDatagramBytes: number;
    /** Sealed payload sent for the first time (application bytes + record tags). */
    readonly payloadFirstSend: WireShare;
    /** Of the first sends: the 16-byte AEAD tags of the payload records. */
    readonly recordTags: WireShare;
    /** Payload sent again (retransmissions, duplicates, tail probes). */
    readonly payloadRetransmitted: WireShare;
    /** 20 bytes per chunk. */
    readonly chunkHeaders: WireShare;
    /** 2 bytes per DATA datagram. */
    readonly datagramHeaders: WireShare;
    /** DATA bytes no category above explains (0 unless the format changed). */
    readonly unexplained: WireShare;
    /** IP/UDP headers and link framing of the DATA datagrams. */
    readonly network: WireShare;
  };
  /** The control datagrams. */
  readonly control: {
    readonly datagrams: number;
    /** Mean UDP payload of a control datagram, bytes. */
    readonly meanDatagramBytes: number;
    /** Per message type: messages (TRANSFER_NOTIFY: entries), bytes, share. */
    readonly messages: Readonly<
      Record<string, { readonly count: number; readonly bytes: number; readonly share: number }>
    >;
    /** TRANSFER_NOTIFY entries that were retransmissions, and their bytes. */
    readonly notifyRetransmitted: { readonly entries: number; readonly bytes: number };
    /** Framing of the TRANSFER_NOTIFY messages (type, length, entry count: 4 bytes each). */
    readonly notifyFraming: WireShare;
    /** Control datagram seal: header 28 + AEAD tag 16 bytes each. */
    readonly seal: WireShare;
    /** Control bytes no category above explains (0 unless the format changed). */
    readonly unexplained: WireShare;
    /** IP/UDP headers and link framing of the control datagrams. */
    readonly network: WireShare;
  };
  /** Secret-control and UNKNOWN_PATH_SECRET datagrams (UDP payload and network bytes). */
  readonly other: { readonly datagrams: number; readonly bytes: WireShare; readonly network: WireShare };
  /**
   * Application bytes carried inline in TRANSFER_NOTIFY entries (responses, small requests):
   * delivered − (first-send payload − record tags); null without `applicationBytesDelivered`.
   */
  readonly notifyInlineApplicationBytes: number | null;
}

/** Options of {@link DcqWireBreakdown.report}. */
export interface DcqWireReportOptions {
  /** Network bytes per datagram: IP/UDP headers + link framing (the simulator's 28 + 38 by default). */
  readonly networkBytesPerDatagram: number;
  /** Application bytes delivered in the run (the goodput numerator), to split the notify bytes. */
  readonly applicationBytesDelivered?: number;
}

/**
 * A byte breakdown of every dcq engine of one run. Give it to the dcq transport factory
 * (`createDcqTransportFactory({ wireBreakdown })`), run the scenario, then read {@link report}.
 */
export class DcqWireBreakdown {
  /** The sums. */
  readonly tally = new DcqWireTally();
  private readonly tracers: DcqWireTracer[] = [];

  /** A tracer for one more engine whose payload records are `recordBytes` long. */
  tracerFor(recordBytes: number): DcqWireTracer {
    const tracer = new DcqWireTracer(this.tally, recordBytes + RECORD_TAG_BYTES);
    this.tracers.push(tracer);
    return tracer;
  }

  /** The breakdown so far (finishes the record-tag count of transfers still in flight). */
  report(options: DcqWireReportOptions): DcqWireReport {
    for (const tracer of this.tracers) tracer.finish();
    const t = this.tally;
    const perDatagram = options.networkBytesPerDatagram;
    const dataDatagrams = t.datagrams[DatagramKind.Data] as number;
    const dataBytes = t.datagramBytes[DatagramKind.Data] as number;
    const controlDatagrams = t.datagrams[DatagramKind.Control] as number;
    const controlBytes = t.datagramBytes[DatagramKind.Control] as number;
    let allDatagrams = 0;
    let allBytes = 0;
    for (let k = 0; k < DATAGRAM_KINDS; k++) {
      allDatagrams += t.datagrams[k] as number;
      allBytes += t.datagramBytes[k] as number;
    }
    const otherDatagrams = allDatagrams - dataDatagrams - controlDatagrams;
    const otherBytes = allBytes - dataBytes - controlBytes;
    const wire = allBytes + allDatagrams * perDatagram;
    const share = (bytes: number): WireShare => ({ bytes, share: wire > 0 ? bytes / wire : 0 });
    let messageBytes = 0;
    const messages: Record<string, { count: number; bytes: number; share: number }> = {};
    for (let type = 0; type < MESSAGE_TYPES; type++) {
      const count = t.messages[type] as number;
      if (count === 0) continue;
      const bytes = t.messageBytes[type] as number;
      messageBytes += bytes;
      messages[messageTypeName(type)] = { count, bytes, share: wire > 0 ? bytes / wire : 0 };
    }
    const notifyFraming = t.notifyMessages * TRANSFER_NOTIFY_OVERHEAD;
    const seal = controlDatagrams * CONTROL_OVERHEAD;
    const delivered = options.applicationBytesDelivered;
    return {
      wireBytes: wire,
      networkBytesPerDatagram: perDatagram,
      applicationBytesDelivered: delivered ?? null,
      data: {
        datagrams: dataDatagrams,
        chunks: t.chunks,
        meanDatagramBytes: dataDatagrams > 0 ? dataBytes / dataDatagrams : 0,
        payloadFirstSend: share(t.chunkBytesFirst),
        recordTags: share(t.recordTagBytes),
        payloadRetransmitted: share(t.chunkBytesRetransmitted),
        chunkHeaders: share(t.chunks * DATA_CHUNK_HEADER_SIZE),
        datagramHeaders: share(dataDatagrams * DATA_HEADER_SIZE),
        unexplained: share(
          dataBytes -
            t.chunkBytesFirst -
            t.chunkBytesRetransmitted -
            t.chunks * DATA_CHUNK_HEADER_SIZE -
            dataDatagrams * DATA_HEADER_SIZE,
        ),
        network: share(dataDatagrams * perDatagram),
      },
      control: {
        datagrams: controlDatagrams,
        meanDatagramBytes: controlDatagrams > 0 ? controlBytes / controlDatagrams : 0,
        messages,
        notifyRetransmitted: { entries: t.notifyEntriesRetransmitted, bytes: t.notifyBytesRetransmitted },
        notifyFraming: share(notifyFraming),
        seal: share(seal),
        unexplained: share(controlBytes - messageBytes - notifyFraming - seal),
        network: share(controlDatagrams * perDatagram),
      },
      other: { datagrams: otherDatagrams, bytes: share(otherBytes), network: share(otherDatagrams * perDatagram) },
      notifyInlineApplicationBytes: delivered === undefined ? null : delivered - (t.chunkBytesFirst - t.recordTagBytes),
    };
  }
}

/**
 * Sum of the report's leaves (record tags are inside the first sends and not added again): equals
 * {@link DcqWireReport.wireBytes} when every byte is accounted for.
 */
export function wireReportLeafSum(report: DcqWireReport): number {
  const d = report.data;
  const c = report.control;
  let sum =
    d.payloadFirstSend.bytes +
    d.payloadRetransmitted.bytes +
    d.chunkHeaders.bytes +
    d.datagramHeaders.bytes +
    d.unexplained.bytes +
    d.network.bytes +
    c.notifyFraming.bytes +
    c.seal.bytes +
    c.unexplained.bytes +
    c.network.bytes +
    report.other.bytes.bytes +
    report.other.network.bytes;
  for (const message of Object.values(c.messages)) sum += message.bytes;
  return sum;
}
