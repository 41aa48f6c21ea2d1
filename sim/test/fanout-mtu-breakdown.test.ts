/**
 * The `fanout-sizes` scenario's `mtu` parameter and dcq's wire-byte breakdown: at `mtu=9000` both
 * transports really put 9,000-byte-MTU datagrams on the wire (measured at the transports' output,
 * not taken from their configuration), at the default MTU 1,472-byte ones; and the breakdown's
 * categories add up to the wire bytes the network measured, with each category checked against
 * what the workload implies (payload and record tags per request, notifies and accepts per RPC).
 */
import type { TransmitInfo } from '@dcq/core';
import { describe, expect, it } from 'vitest';
import {
  buildScenario,
  createDcqTransportFactory,
  DcqWireBreakdown,
  dcqPullBytesFor,
  FRAMING_BYTES_DEFAULT,
  HEADER_BYTES_DEFAULT,
  type RunResult,
  runScenario,
  type SimDelivery,
  type SimOutcome,
  type SimStateCounters,
  type SimTransferRequest,
  type SimTransport,
  type SimTransportContext,
  type SimTransportFactory,
  senderDrivenChunkBytesFor,
  transportFactory,
} from '../src/index.js';

/** A small fan-out: every request goes by reference (> 1 KiB inline limit), responses inline. */
const SMALL = { peers: 4, rpcs: 12, sizeMinBytes: 20_000, sizeMaxBytes: 200_000, responseBytes: 256 };

/** Records the largest datagram and the datagram count each transport emits. */
class DatagramSizes {
  largest = 0;
  count = 0;
  bytes = 0;
  /** Bytes in datagrams longer than 8,000 (only jumbo frames have them). */
  jumboBytes = 0;
}

/** Forwards to the real transport and measures what it emits. */
class MeasuredTransport implements SimTransport {
  readonly name: string;
  constructor(
    private readonly inner: SimTransport,
    private readonly sizes: DatagramSizes,
  ) {
    this.name = inner.name;
  }
  handleDatagram(nowUs: number, bytes: Uint8Array, offset: number, length: number, peer: number): void {
    this.inner.handleDatagram(nowUs, bytes, offset, length, peer);
  }
  handleTimeout(nowUs: number): void {
    this.inner.handleTimeout(nowUs);
  }
  pollTransmit(nowUs: number, out: Uint8Array, offset: number, info: TransmitInfo): number {
    const length = this.inner.pollTransmit(nowUs, out, offset, info);
    if (length > 0) {
      this.sizes.count++;
      this.sizes.bytes += length;
      if (length > this.sizes.largest) this.sizes.largest = length;
      if (length > 8000) this.sizes.jumboBytes += length;
    }
    return length;
  }
  pollTimeoutUs(): number {
    return this.inner.pollTimeoutUs();
  }
  submit(nowUs: number, request: SimTransferRequest): number {
    return this.inner.submit(nowUs, request);
  }
  pollOutcome(out: SimOutcome): boolean {
    return this.inner.pollOutcome(out);
  }
  pollDelivery(out: SimDelivery): boolean {
    return this.inner.pollDelivery(out);
  }
  stateCounters(out: SimStateCounters): void {
    this.inner.stateCounters(out);
  }
}

function measured(factory: SimTransportFactory, sizes: DatagramSizes): SimTransportFactory {
  return {
    ...factory,
    create: (context: SimTransportContext) => new MeasuredTransport(factory.create(context), sizes),
  };
}

function run(factory: SimTransportFactory, parameters: Record<string, number>): RunResult {
  const scenario = buildScenario('fanout-sizes', { seed: 5, transport: factory, parameters });
  return runScenario(scenario, { seed: 5, transport: factory });
}

function wireOf(result: RunResult): { delivered: number; wire: number } {
  return result.report.bytes as { delivered: number; wire: number };
}

describe('fanout-sizes mtu parameter', () => {
  it('sets the network MTU and a slot size of mtu − 28', () => {
    const scenario = buildScenario('fanout-sizes', {
      seed: 1,
      transport: transportFactory('dcq'),
      parameters: { ...SMALL, mtu: 9000 },
    });
    expect(scenario.network?.mtuBytes).toBe(9000);
    expect(scenario.network?.datagramBytesMax).toBe(9000 - HEADER_BYTES_DEFAULT);
    expect(() =>
      buildScenario('fanout-sizes', { seed: 1, transport: transportFactory('dcq'), parameters: { mtu: 9100 } }),
    ).toThrow(/mtu/);
  });

  it.each([
    ['dcq', 1500, 1472],
    ['dcq', 9000, 8972],
    ['sender-driven', 1500, senderDrivenChunkBytesFor(1472) + 32],
    ['sender-driven', 9000, senderDrivenChunkBytesFor(8972) + 32],
  ])('%s at mtu %i puts datagrams of up to %i bytes on the wire', (name, mtu, largest) => {
    const sizes = new DatagramSizes();
    const result = run(measured(transportFactory(name), sizes), { ...SMALL, mtu });
    expect(result.failed).toBe(false);
    expect(result.outcomes).toEqual({ completed: SMALL.rpcs });
    expect(result.datagrams.dropped).toBe(0);
    expect(sizes.largest).toBe(largest);
    // What the transports emitted is what the network counted on the wire.
    expect(sizes.count).toBe(result.datagrams.sent);
    expect(wireOf(result).wire).toBe(sizes.bytes + sizes.count * (HEADER_BYTES_DEFAULT + FRAMING_BYTES_DEFAULT));
    // Most bytes travel in full datagrams: jumbo ones at mtu 9000.
    if (mtu === 9000) expect(sizes.jumboBytes / sizes.bytes).toBeGreaterThan(0.8);
    else expect(sizes.jumboBytes).toBe(0);
  });

  it('jumbo frames raise both transports’ goodput', () => {
    for (const name of ['dcq', 'sender-driven']) {
      const goodput = (mtu: number) =>
        (run(transportFactory(name), { ...SMALL, mtu }).report.bytes as { goodput: number }).goodput;
      expect(goodput(9000)).toBeGreaterThan(goodput(1500) + 0.02);
    }
  });

  it('pulls whole DATA chunks', () => {
    expect(dcqPullBytesFor(1472)).toBe(11 * 1450);
    expect(dcqPullBytesFor(8972)).toBe(2 * 8950);
    expect(dcqPullBytesFor(1200)).toBe(14 * 1178);
  });
});

describe('dcq wire breakdown', () => {
  it.each([1500, 9000])('adds up to the wire bytes the network measured (mtu %i)', (mtu) => {
    const breakdown = new DcqWireBreakdown();
    const scenario = buildScenario('fanout-sizes', {
      seed: 5,
      transport: createDcqTransportFactory(),
      parameters: { ...SMALL, mtu },
    });
    const factory = createDcqTransportFactory({ wireBreakdown: breakdown });
    const result = runScenario(scenario, { seed: 5, transport: factory });
    expect(result.outcomes).toEqual({ completed: SMALL.rpcs });
    const { delivered, wire } = wireOf(result);
    const report = breakdown.report({
      networkBytesPerDatagram: HEADER_BYTES_DEFAULT + FRAMING_BYTES_DEFAULT,
      applicationBytesDelivered: delivered,
    });
    expect(report.wireBytes).toBe(wire);
    expect(report.data.unexplained.bytes).toBe(0);
    expect(report.control.unexplained.bytes).toBe(0);
    let leaves =
      report.data.payloadFirstSend.bytes +
      report.data.payloadRetransmitted.bytes +
      report.data.chunkHeaders.bytes +
      report.data.datagramHeaders.bytes +
      report.data.network.bytes +
      report.control.notifyFraming.bytes +
      report.control.seal.bytes +
      report.control.network.bytes +
      report.other.bytes.bytes +
      report.other.network.bytes;
    for (const message of Object.values(report.control.messages)) leaves += message.bytes;
    expect(leaves).toBe(wire);
    expect(report.data.datagrams + report.control.datagrams + report.other.datagrams).toBe(result.datagrams.sent);
    // Each category against the workload: every request by reference, sealed in 64 KiB records.
    const list = scenario.workload;
    let requestBytes = 0;
    let records = 0;
    for (let row = 0; row < list.count; row++) {
      const size = list.sizeBytes[row] as number;
      requestBytes += size;
      records += Math.ceil(size / 65536);
    }
    expect(report.data.recordTags.bytes).toBe(16 * records);
    expect(report.data.payloadFirstSend.bytes).toBe(requestBytes + 16 * records);
    expect(report.notifyInlineApplicationBytes).toBe(SMALL.rpcs * SMALL.responseBytes);
    expect(report.control.messages.TRANSFER_NOTIFY?.count).toBe(2 * SMALL.rpcs);
    expect(report.control.messages.TRANSFER_ACCEPT?.count).toBe(2 * SMALL.rpcs);
    expect(report.control.seal.bytes).toBe(44 * report.control.datagrams);
    expect(report.data.chunkHeaders.bytes).toBe(20 * report.data.chunks);
    // A full DATA datagram is the MTU's datagram; the mean stays close to it.
    expect(report.data.meanDatagramBytes).toBeLessThanOrEqual(mtu - HEADER_BYTES_DEFAULT);
    expect(report.data.meanDatagramBytes).toBeGreaterThan(0.75 * (mtu - HEADER_BYTES_DEFAULT));
    const shares = Object.values(report.control.messages).reduce((sum, message) => sum + message.share, 0);
    expect(shares).toBeGreaterThan(0);
    expect(shares).toBeLessThan(0.1);
  });
});
