/**
 * PcapWriter, its sinks and the synthetic addresses: the exact global-header bytes, one record
 * byte for byte against a hand-built frame (IPv4 checksum computed by hand), the RFC 1071
 * checksum on a textbook header, every argument bound, sinks at their limits, and a model-based
 * test: random packet sequences through random buffer sizes, read back by an independent naive
 * pcap reader (its own checksum code), must equal the packets written.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackpressureError, InvalidArgumentError } from '@dcq/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DCQ_PCAP_UDP_PORT,
  FilePcapSink,
  internetChecksum,
  MemoryPcapSink,
  PCAP_PACKET_DECRYPTED,
  PCAP_RECORD_BYTES_MAX,
  PcapPacketRecord,
  PcapWriter,
  syntheticIpv4String,
  syntheticMacString,
  UDP_PAYLOAD_BYTES_MAX,
} from '../src/index.js';

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function packetOf(fields: Partial<PcapPacketRecord>): PcapPacketRecord {
  const p = new PcapPacketRecord();
  Object.assign(p, fields);
  if (fields.bytes !== undefined && fields.length === undefined) p.length = fields.bytes.length - p.offset;
  return p;
}

describe('PcapWriter: exact bytes', () => {
  it('writes the nanosecond global header (little-endian) on the first flush', () => {
    const sink = new MemoryPcapSink();
    const writer = new PcapWriter({ sink });
    expect(sink.byteLength).toBe(0);
    writer.close();
    // magic a1b23c4d, 2.4, thiszone 0, sigfigs 0, snaplen 262144, linktype 1
    expect(hex(sink.toBytes())).toBe(
      ['4d3cb2a1', '0200', '0400', '00000000', '00000000', '00000400', '01000000'].join(''),
    );
  });

  it('encodes one record byte for byte (hand-computed IPv4 checksum 0x23cc)', () => {
    const sink = new MemoryPcapSink();
    const writer = new PcapWriter({ sink });
    const payload = Uint8Array.from([0xde, 0xad, 0xbe, 0xef]);
    // Host 1 nic 0 → host 2 nic 0, at 5 s + 7 ns.
    writer.writeDatagram(packetOf({ timeNs: 5_000_000_007, sourceHost: 1, destinationHost: 2, bytes: payload }));
    writer.close();
    const bytes = sink.toBytes();
    const record = hex(bytes.subarray(24));
    const frameLength = 14 + 20 + 8 + 4; // 46 = 0x2e
    const expected = [
      '05000000', // ts_sec 5
      '07000000', // ts_nsec 7
      '2e000000', // incl_len 46
      '2e000000', // orig_len 46
      '02dc00020000', // dst MAC (host 2 nic 0)
      '02dc00010000', // src MAC (host 1 nic 0)
      '0800', // IPv4
      // IPv4: 45 00 | total 0x0020 | id 0 | DF | TTL 64, UDP | checksum | 10.0.1.1 | 10.0.2.1
      // words 4500+0020+0000+4000+4011+0a00+0101+0a00+0201 = 0xdc33 → checksum ~0xdc33 = 0x23cc
      '45000020000040004011',
      '23cc',
      '0a000101',
      '0a000201',
      // UDP: 7741 → 7741, length 12, checksum 0
      '1e3d1e3d000c0000',
      'deadbeef',
    ].join('');
    expect(frameLength).toBe(46);
    expect(record).toBe(expected);
    expect(writer.recordsWritten).toBe(1);
    expect(writer.bytesFlushed).toBe(24 + 16 + 46);
  });

  it('puts decrypted datagrams on the decrypted port (default dcq port + 1) and honours custom ports', () => {
    const sink = new MemoryPcapSink();
    const writer = new PcapWriter({ sink, udpPort: 9000, decryptedUdpPort: 9100 });
    const bytes = Uint8Array.from([1, 2, 3]);
    writer.writeDatagram(packetOf({ bytes }));
    writer.writeDatagram(packetOf({ bytes, flags: PCAP_PACKET_DECRYPTED }));
    writer.close();
    const all = sink.toBytes();
    const ports = (recordAt: number) => {
      const udp = recordAt + 16 + 14 + 20;
      return [
        (all[udp] as number) * 256 + (all[udp + 1] as number),
        (all[udp + 2] as number) * 256 + (all[udp + 3] as number),
      ];
    };
    expect(ports(24)).toEqual([9000, 9000]);
    expect(ports(24 + 16 + 45)).toEqual([9100, 9100]);
    expect(new PcapWriter({ sink: new MemoryPcapSink() }).decryptedUdpPort).toBe(DCQ_PCAP_UDP_PORT + 1);
  });

  it('internetChecksum: the textbook header 4500 0073 0000 4000 4011 …, c0a8 0001 → c0a8 00c7 is 0xb861', () => {
    const header = Buffer.from('450000730000400040110000c0a80001c0a800c7', 'hex');
    expect(internetChecksum(header, 0, 20)).toBe(0xb861);
    header.writeUInt16BE(0xb861, 10);
    expect(internetChecksum(header, 0, 20)).toBe(0);
    // End-around carry: 0xffff + 0x0001 folds to 0x0001, checksum 0xfffe.
    expect(internetChecksum(Uint8Array.from([0xff, 0xff, 0x00, 0x01]), 0, 4)).toBe(0xfffe);
  });

  it('synthetic addresses name host and NIC', () => {
    expect(syntheticIpv4String(0, 0)).toBe('10.0.0.1');
    expect(syntheticIpv4String(0x1234, 253)).toBe('10.18.52.254');
    expect(syntheticMacString(0x1234, 7)).toBe('02:dc:12:34:00:07');
    expect(() => syntheticIpv4String(65536, 0)).toThrow(InvalidArgumentError);
    expect(() => syntheticIpv4String(0, 254)).toThrow(InvalidArgumentError);
  });
});

describe('PcapWriter: limits', () => {
  it('rejects packets outside the documented ranges without writing anything', () => {
    const sink = new MemoryPcapSink();
    const writer = new PcapWriter({ sink });
    const bytes = new Uint8Array(8);
    const bad: Partial<PcapPacketRecord>[] = [
      { timeNs: -1 },
      { timeNs: 1.5 },
      { timeNs: 2 ** 53 },
      { sourceHost: 65536 },
      { destinationHost: -1 },
      { sourceNic: 254 },
      { destinationNic: 1.5 },
      { offset: 4, length: 5 },
      { offset: -1, length: 1 },
      { length: UDP_PAYLOAD_BYTES_MAX + 1, bytes: new Uint8Array(UDP_PAYLOAD_BYTES_MAX + 1) },
    ];
    for (const fields of bad) {
      expect(() => writer.writeDatagram(packetOf({ bytes, length: 8, ...fields }))).toThrow(InvalidArgumentError);
    }
    expect(writer.recordsWritten).toBe(0);
    expect(writer.bufferedBytes).toBe(24);
    // The largest payload and the largest time that fit are accepted.
    writer.writeDatagram(packetOf({ bytes: new Uint8Array(UDP_PAYLOAD_BYTES_MAX) }));
    writer.writeDatagram(packetOf({ bytes, timeNs: Number.MAX_SAFE_INTEGER }));
    expect(writer.recordsWritten).toBe(2);
    // Seconds beyond the u32 field (reachable through epochSeconds) are refused.
    const late = new PcapWriter({ sink: new MemoryPcapSink(), epochSeconds: 2 ** 32 - 1 });
    late.writeDatagram(packetOf({ bytes, timeNs: 999_999_999 }));
    expect(() => late.writeDatagram(packetOf({ bytes, timeNs: 1e9 }))).toThrow(InvalidArgumentError);
  });

  it('rejects bad options and writes after close', () => {
    const sink = new MemoryPcapSink();
    expect(() => new PcapWriter({ sink, bufferBytes: PCAP_RECORD_BYTES_MAX - 1 })).toThrow(InvalidArgumentError);
    expect(() => new PcapWriter({ sink, udpPort: 0 })).toThrow(InvalidArgumentError);
    expect(() => new PcapWriter({ sink, udpPort: 65535 })).toThrow(InvalidArgumentError); // decrypted port 65536
    expect(() => new PcapWriter({ sink, udpPort: 100, decryptedUdpPort: 100 })).toThrow(InvalidArgumentError);
    expect(() => new PcapWriter({ sink, epochSeconds: -1 })).toThrow(InvalidArgumentError);
    const writer = new PcapWriter({ sink, bufferBytes: PCAP_RECORD_BYTES_MAX });
    writer.close();
    writer.close();
    expect(() => writer.writeDatagram(packetOf({ bytes: new Uint8Array(1) }))).toThrow(InvalidArgumentError);
  });

  it('a full buffer flushes before the record that does not fit; the largest record fits the smallest buffer', () => {
    const sink = new MemoryPcapSink();
    const writer = new PcapWriter({ sink, bufferBytes: PCAP_RECORD_BYTES_MAX });
    writer.writeDatagram(packetOf({ bytes: new Uint8Array(1) }));
    expect(sink.byteLength).toBe(0);
    // The largest record does not fit behind the small one: the buffer is flushed first.
    writer.writeDatagram(packetOf({ bytes: new Uint8Array(UDP_PAYLOAD_BYTES_MAX) }));
    expect(sink.byteLength).toBe(24 + 16 + 42 + 1);
    expect(writer.bufferedBytes).toBe(PCAP_RECORD_BYTES_MAX);
    writer.writeDatagram(packetOf({ bytes: new Uint8Array(1) }));
    expect(sink.byteLength).toBe(24 + 16 + 42 + 1 + PCAP_RECORD_BYTES_MAX);
    expect(writer.bufferedBytes).toBe(16 + 42 + 1);
  });

  it('MemoryPcapSink throws BackpressureError at its capacity and keeps what it had', () => {
    const sink = new MemoryPcapSink({ capacityBytes: 100 });
    sink.write(new Uint8Array(60).fill(1), 0, 60);
    let error: unknown;
    try {
      sink.write(new Uint8Array(41), 0, 41);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BackpressureError);
    expect((error as BackpressureError).limit).toBe('pcap.memoryCapacityBytes');
    expect(sink.byteLength).toBe(60);
    sink.write(new Uint8Array(40).fill(2), 0, 40);
    expect(sink.toBytes()).toEqual(Uint8Array.from([...new Array(60).fill(1), ...new Array(40).fill(2)]));
    expect(() => new MemoryPcapSink({ capacityBytes: 0 })).toThrow(InvalidArgumentError);
  });

  it('FilePcapSink writes the same bytes as the memory sink', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcq-pcap-'));
    try {
      const path = join(dir, 'out.pcap');
      const fileSink = new FilePcapSink(path);
      const memorySink = new MemoryPcapSink();
      for (const sink of [fileSink, memorySink]) {
        const writer = new PcapWriter({ sink, bufferBytes: PCAP_RECORD_BYTES_MAX });
        for (let i = 0; i < 50; i++) {
          writer.writeDatagram(packetOf({ timeNs: i * 1000, sourceHost: i, bytes: new Uint8Array(3000).fill(i) }));
        }
        writer.close();
      }
      expect(fileSink.bytesWritten).toBe(memorySink.byteLength);
      expect(new Uint8Array(readFileSync(path))).toEqual(memorySink.toBytes());
      expect(() => fileSink.write(new Uint8Array(1), 0, 1)).toThrow(InvalidArgumentError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Model-based: an independent reader.
// ---------------------------------------------------------------------------------------------

interface ReadRecord {
  timeNs: number;
  source: [number, number];
  destination: [number, number];
  port: number;
  payload: Uint8Array;
}

/** Naive checksum: sum every 16-bit word with BigInt, fold, complement. */
function naiveChecksumValid(header: Uint8Array): boolean {
  let sum = 0n;
  for (let i = 0; i < header.length; i += 2) sum += BigInt((header[i] as number) * 256 + (header[i + 1] as number));
  while (sum > 0xffffn) sum = (sum & 0xffffn) + (sum >> 16n);
  return sum === 0xffffn;
}

/** Reads a capture written by PcapWriter, checking every invariant of the format on the way. */
function readCapture(bytes: Uint8Array, epochSeconds: number): ReadRecord[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  expect(view.getUint32(0, true)).toBe(0xa1b23c4d);
  expect(view.getUint32(20, true)).toBe(1);
  const records: ReadRecord[] = [];
  let at = 24;
  while (at < bytes.length) {
    const seconds = view.getUint32(at, true);
    const nanos = view.getUint32(at + 4, true);
    const included = view.getUint32(at + 8, true);
    expect(view.getUint32(at + 12, true)).toBe(included);
    expect(nanos).toBeLessThan(1e9);
    const frame = bytes.subarray(at + 16, at + 16 + included);
    expect(frame.length).toBe(included);
    const dst = frame.subarray(0, 6);
    const src = frame.subarray(6, 12);
    expect(view.getUint16(at + 16 + 12)).toBe(0x0800);
    const ip = frame.subarray(14, 34);
    expect(ip[0]).toBe(0x45);
    expect(naiveChecksumValid(ip)).toBe(true);
    const ipLength = (ip[2] as number) * 256 + (ip[3] as number);
    expect(ipLength).toBe(included - 14);
    expect(ip[9]).toBe(17);
    const udp = frame.subarray(34, 42);
    const udpLength = (udp[4] as number) * 256 + (udp[5] as number);
    expect(udpLength).toBe(ipLength - 20);
    const sourcePort = (udp[0] as number) * 256 + (udp[1] as number);
    expect((udp[2] as number) * 256 + (udp[3] as number)).toBe(sourcePort);
    // Addresses: MAC and IPv4 must name the same (host, nic).
    const host = (mac: Uint8Array) => (mac[2] as number) * 256 + (mac[3] as number);
    expect([ip[12], ip[13] as number, ip[14] as number, (ip[15] as number) - 1]).toEqual([10, src[2], src[3], src[5]]);
    expect([ip[16], ip[17] as number, ip[18] as number, (ip[19] as number) - 1]).toEqual([10, dst[2], dst[3], dst[5]]);
    records.push({
      timeNs: (seconds - epochSeconds) * 1e9 + nanos,
      source: [host(src), src[5] as number],
      destination: [host(dst), dst[5] as number],
      port: sourcePort,
      payload: frame.slice(42),
    });
    at += 16 + included;
  }
  expect(at).toBe(bytes.length);
  return records;
}

describe('PcapWriter: model', () => {
  it('random packets through random buffer sizes read back exactly', () => {
    const packetArb = fc.record({
      timeNs: fc.integer({ min: 0, max: 2 ** 50 }),
      sourceHost: fc.integer({ min: 0, max: 65535 }),
      sourceNic: fc.integer({ min: 0, max: 253 }),
      destinationHost: fc.integer({ min: 0, max: 65535 }),
      destinationNic: fc.integer({ min: 0, max: 253 }),
      decrypted: fc.boolean(),
      payload: fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ minLength: 1000, maxLength: 9000 })),
      prefix: fc.integer({ min: 0, max: 3 }),
    });
    fc.assert(
      fc.property(
        fc.array(packetArb, { maxLength: 40 }),
        fc.integer({ min: PCAP_RECORD_BYTES_MAX, max: PCAP_RECORD_BYTES_MAX + 20_000 }),
        fc.integer({ min: 0, max: 2 ** 20 }),
        (packets, bufferBytes, epochSeconds) => {
          const sink = new MemoryPcapSink();
          const writer = new PcapWriter({ sink, bufferBytes, epochSeconds, udpPort: 5000 });
          const record = new PcapPacketRecord();
          for (const p of packets) {
            // The payload sits at an offset inside a larger array (the copy-by-window path).
            const holder = new Uint8Array(p.prefix + p.payload.length + 2);
            holder.set(p.payload, p.prefix);
            record.timeNs = p.timeNs;
            record.sourceHost = p.sourceHost;
            record.sourceNic = p.sourceNic;
            record.destinationHost = p.destinationHost;
            record.destinationNic = p.destinationNic;
            record.flags = p.decrypted ? PCAP_PACKET_DECRYPTED : 0;
            record.bytes = p.prefix === 0 && p.payload.length > 0 ? p.payload : holder;
            record.offset = p.prefix === 0 && p.payload.length > 0 ? 0 : p.prefix;
            record.length = p.payload.length;
            writer.writeDatagram(record);
          }
          writer.close();
          const read = readCapture(sink.toBytes(), epochSeconds);
          expect(read.length).toBe(packets.length);
          read.forEach((r, i) => {
            const p = packets[i];
            if (p === undefined) throw new Error('unreachable');
            expect(r.timeNs).toBe(p.timeNs);
            expect(r.source).toEqual([p.sourceHost, p.sourceNic]);
            expect(r.destination).toEqual([p.destinationHost, p.destinationNic]);
            expect(r.port).toBe(p.decrypted ? 5001 : 5000);
            expect(hex(r.payload)).toBe(hex(p.payload));
          });
        },
      ),
      { numRuns: 60 },
    );
  });
});
