/**
 * Writes simulated datagrams as a classic libpcap capture (nanosecond timestamps) that tshark and
 * Wireshark read: each datagram becomes one Ethernet II + IPv4 + UDP frame between the synthetic
 * addresses of its (host, nic) endpoints. Records are encoded into one preallocated buffer and
 * flushed to a {@link PcapSink} when it fills, so writing a packet allocates nothing.
 *
 * File format (little-endian, as written by this writer):
 *   global header (24 B): magic 0xa1b23c4d (nanosecond resolution), version 2.4, thiszone 0,
 *     sigfigs 0, snaplen 262144, linktype 1 (Ethernet)
 *   per record (16 B + frame): ts_sec, ts_nsec, incl_len = orig_len = frame length
 *   frame: Ethernet II (14 B, type 0x0800) | IPv4 (20 B: no options, DF, TTL 64, protocol 17,
 *     identification = record counter mod 2^16, header checksum) | UDP (8 B, checksum 0 —
 *     allowed for IPv4, RFC 768) | dcq datagram
 *
 * Ports: every dcq datagram travels from and to {@link PcapWriterOptions.udpPort} (default
 * {@link DCQ_PCAP_UDP_PORT}); a datagram the capture decrypted (flag {@link PCAP_PACKET_DECRYPTED})
 * uses `decryptedUdpPort` (default udpPort + 1) on both sides instead, which is how the dissector
 * knows the body is plaintext. sim/dissector/README.md specifies this.
 */
import { assert, InvalidArgumentError } from '@dcq/core';
import type { PcapSink } from './pcap-sink.js';
import {
  checkCaptureEndpoint,
  IPV4_ADDRESS_BYTES,
  MAC_ADDRESS_BYTES,
  writeSyntheticIpv4,
  writeSyntheticMac,
} from './synthetic-address.js';

/** pcap magic number of nanosecond-resolution captures. */
export const PCAP_MAGIC_NANOSECONDS = 0xa1b23c4d;

/** pcap format version written (2.4, the only one in use). */
export const PCAP_VERSION_MAJOR = 2;

/** pcap minor version. */
export const PCAP_VERSION_MINOR = 4;

/** Snapshot length in the global header (Wireshark's standard maximum); records are never truncated. */
export const PCAP_SNAPLEN = 262144;

/** LINKTYPE_ETHERNET: records hold Ethernet II frames. */
export const PCAP_LINKTYPE_ETHERNET = 1;

/** Bytes of the pcap global header. */
export const PCAP_GLOBAL_HEADER_BYTES = 24;

/** Bytes of a pcap record header. */
export const PCAP_RECORD_HEADER_BYTES = 16;

/** Bytes of an Ethernet II header. */
export const ETHERNET_HEADER_BYTES = 14;

/** Bytes of an IPv4 header without options. */
export const IPV4_HEADER_BYTES = 20;

/** Bytes of a UDP header. */
export const UDP_HEADER_BYTES = 8;

/** Bytes of all encapsulation in front of a datagram: Ethernet + IPv4 + UDP. */
export const FRAME_OVERHEAD_BYTES = ETHERNET_HEADER_BYTES + IPV4_HEADER_BYTES + UDP_HEADER_BYTES;

/** Largest UDP payload over IPv4 (65535 − 20 − 8); dcq itself never exceeds 9000. */
export const UDP_PAYLOAD_BYTES_MAX = 65535 - IPV4_HEADER_BYTES - UDP_HEADER_BYTES;

/** Largest encoded record: record header + frame of the largest payload. */
export const PCAP_RECORD_BYTES_MAX = PCAP_RECORD_HEADER_BYTES + FRAME_OVERHEAD_BYTES + UDP_PAYLOAD_BYTES_MAX;

/**
 * Default UDP port of dcq datagrams in captures (and of the dissector): 7741, which neither IANA's
 * common assignments nor Wireshark's built-in dissectors use, so nothing else claims the traffic.
 */
export const DCQ_PCAP_UDP_PORT = 7741;

/** Default write buffer: 256 KiB (a few hundred records per flush). */
export const PCAP_BUFFER_BYTES_DEFAULT = 256 * 1024;

/** Largest write buffer. */
export const PCAP_BUFFER_BYTES_MAX = 64 * 1024 * 1024;

/** {@link PcapPacket.flags}: the payload is a decrypted CONTROL / SECRET_CONTROL datagram (AEAD tag left in place). */
export const PCAP_PACKET_DECRYPTED = 0x1;

const ETHERTYPE_IPV4 = 0x0800;
const IP_PROTOCOL_UDP = 17;
const IPV4_TTL = 64;
const IPV4_FLAG_DONT_FRAGMENT = 0x4000;
const NANOSECONDS_PER_SECOND = 1_000_000_000;
/** Largest timestamp: the pcap header's ts_sec is a u32. */
const TIME_NS_MAX = Number.MAX_SAFE_INTEGER;

/**
 * One datagram to capture. Callers typically keep one object and overwrite its fields per packet
 * (the writer keeps no reference to it or to `bytes`).
 */
export interface PcapPacket {
  /** Simulated time of the packet in integer nanoseconds. */
  timeNs: number;
  /** Sending host id (0 … 65535). */
  sourceHost: number;
  /** Sending NIC index on that host (0 … 253). */
  sourceNic: number;
  /** Receiving host id. */
  destinationHost: number;
  /** Receiving NIC index. */
  destinationNic: number;
  /** Bit set: {@link PCAP_PACKET_DECRYPTED}. */
  flags: number;
  /** Holds the datagram (the UDP payload). */
  bytes: Uint8Array;
  /** Offset of the datagram in `bytes`. */
  offset: number;
  /** Length of the datagram (0 … {@link UDP_PAYLOAD_BYTES_MAX}). */
  length: number;
}

/** A reusable {@link PcapPacket} with every field initialised. */
export class PcapPacketRecord implements PcapPacket {
  timeNs: number;
  sourceHost: number;
  sourceNic: number;
  destinationHost: number;
  destinationNic: number;
  flags: number;
  bytes: Uint8Array;
  offset: number;
  length: number;

  constructor() {
    this.timeNs = 0;
    this.sourceHost = 0;
    this.sourceNic = 0;
    this.destinationHost = 0;
    this.destinationNic = 0;
    this.flags = 0;
    this.bytes = new Uint8Array(0);
    this.offset = 0;
    this.length = 0;
  }
}

/** Options of {@link PcapWriter}. */
export interface PcapWriterOptions {
  /** Receives the encoded capture. */
  readonly sink: PcapSink;
  /** Write buffer size in bytes ({@link PCAP_RECORD_BYTES_MAX} … {@link PCAP_BUFFER_BYTES_MAX}; default {@link PCAP_BUFFER_BYTES_DEFAULT}). */
  readonly bufferBytes?: number;
  /** UDP port of dcq datagrams (1 … 65534; default {@link DCQ_PCAP_UDP_PORT}). */
  readonly udpPort?: number;
  /** UDP port of decrypted datagrams (1 … 65535, ≠ udpPort; default udpPort + 1). */
  readonly decryptedUdpPort?: number;
  /** Seconds added to every timestamp (default 0: simulated time 0 is the Unix epoch). */
  readonly epochSeconds?: number;
}

function checkPort(name: string, port: number): number {
  if (!(Number.isInteger(port) && port >= 1 && port <= 65535)) {
    throw new InvalidArgumentError(`${name} must be an integer in [1, 65535], got ${port}`);
  }
  return port;
}

/**
 * The RFC 791 header checksum of `bytes[offset, offset + length)` (even length): the ones'
 * complement of the ones'-complement sum of its 16-bit big-endian words. Computed over a header
 * whose checksum field is zero, it is the value to store; over a stored header it is 0 when valid.
 */
export function internetChecksum(bytes: Uint8Array, offset: number, length: number): number {
  assert(length % 2 === 0, 'internet checksum over an odd length');
  let sum = 0;
  for (let i = offset; i < offset + length; i += 2) sum += ((bytes[i] as number) << 8) | (bytes[i + 1] as number);
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/**
 * Streams datagrams into a pcap capture. The global header goes out with the first flush;
 * {@link close} flushes and closes the sink. Not thread-safe (one simulator loop).
 *
 * Format: sim/dissector/README.md#capture-format.
 */
export class PcapWriter {
  /** UDP port of dcq datagrams. */
  readonly udpPort: number;
  /** UDP port of decrypted datagrams. */
  readonly decryptedUdpPort: number;
  /** Seconds added to every timestamp. */
  readonly epochSeconds: number;
  /** Records written (including those still buffered). */
  recordsWritten: number;
  /** Bytes handed to the sink so far. */
  bytesFlushed: number;
  private readonly sink: PcapSink;
  private readonly buffer: Uint8Array;
  private readonly view: DataView;
  private used: number;
  private closed: boolean;

  constructor(options: PcapWriterOptions) {
    const bufferBytes = options.bufferBytes ?? PCAP_BUFFER_BYTES_DEFAULT;
    if (
      !(Number.isInteger(bufferBytes) && bufferBytes >= PCAP_RECORD_BYTES_MAX && bufferBytes <= PCAP_BUFFER_BYTES_MAX)
    ) {
      throw new InvalidArgumentError(
        `bufferBytes must be an integer in [${PCAP_RECORD_BYTES_MAX}, ${PCAP_BUFFER_BYTES_MAX}], got ${bufferBytes}`,
      );
    }
    this.udpPort = checkPort('udpPort', options.udpPort ?? DCQ_PCAP_UDP_PORT);
    this.decryptedUdpPort = checkPort('decryptedUdpPort', options.decryptedUdpPort ?? this.udpPort + 1);
    if (this.decryptedUdpPort === this.udpPort) {
      throw new InvalidArgumentError(
        'decryptedUdpPort must differ from udpPort (it is how decrypted records are told apart)',
      );
    }
    const epochSeconds = options.epochSeconds ?? 0;
    if (!(Number.isInteger(epochSeconds) && epochSeconds >= 0 && epochSeconds <= 0xffffffff)) {
      throw new InvalidArgumentError(`epochSeconds must be an integer in [0, 2^32 - 1], got ${epochSeconds}`);
    }
    this.epochSeconds = epochSeconds;
    this.recordsWritten = 0;
    this.bytesFlushed = 0;
    this.sink = options.sink;
    this.buffer = new Uint8Array(bufferBytes);
    this.view = new DataView(this.buffer.buffer);
    this.closed = false;
    // The global header (sim/dissector/README.md#capture-format).
    const v = this.view;
    v.setUint32(0, PCAP_MAGIC_NANOSECONDS, true);
    v.setUint16(4, PCAP_VERSION_MAJOR, true);
    v.setUint16(6, PCAP_VERSION_MINOR, true);
    v.setInt32(8, 0, true);
    v.setUint32(12, 0, true);
    v.setUint32(16, PCAP_SNAPLEN, true);
    v.setUint32(20, PCAP_LINKTYPE_ETHERNET, true);
    this.used = PCAP_GLOBAL_HEADER_BYTES;
  }

  /** Bytes encoded but not yet handed to the sink. */
  get bufferedBytes(): number {
    return this.used;
  }

  /**
   * Appends one datagram as a record. Throws {@link InvalidArgumentError} on a time, endpoint or
   * length outside the documented ranges (a caller bug) and after {@link close}.
   */
  writeDatagram(packet: PcapPacket): void {
    if (this.closed) throw new InvalidArgumentError('pcap writer is closed');
    const { timeNs, length, offset, bytes } = packet;
    if (!(Number.isInteger(timeNs) && timeNs >= 0 && timeNs <= TIME_NS_MAX)) {
      throw new InvalidArgumentError(`packet timeNs must be a non-negative safe integer, got ${timeNs}`);
    }
    if (!(Number.isInteger(length) && length >= 0 && length <= UDP_PAYLOAD_BYTES_MAX)) {
      throw new InvalidArgumentError(
        `packet length must be an integer in [0, ${UDP_PAYLOAD_BYTES_MAX}], got ${length}`,
      );
    }
    if (!(Number.isInteger(offset) && offset >= 0 && offset + length <= bytes.length)) {
      throw new InvalidArgumentError('packet offset/length lie outside its bytes');
    }
    checkCaptureEndpoint(packet.sourceHost, packet.sourceNic);
    checkCaptureEndpoint(packet.destinationHost, packet.destinationNic);
    const seconds = Math.floor(timeNs / NANOSECONDS_PER_SECOND) + this.epochSeconds;
    if (seconds > 0xffffffff) throw new InvalidArgumentError('packet time overflows the pcap u32 seconds field');
    const frameBytes = FRAME_OVERHEAD_BYTES + length;
    if (this.used + PCAP_RECORD_HEADER_BYTES + frameBytes > this.buffer.length) this.flush();

    const buf = this.buffer;
    const v = this.view;
    let at = this.used;
    // Record header.
    v.setUint32(at, seconds, true);
    v.setUint32(at + 4, timeNs % NANOSECONDS_PER_SECOND, true);
    v.setUint32(at + 8, frameBytes, true);
    v.setUint32(at + 12, frameBytes, true);
    at += PCAP_RECORD_HEADER_BYTES;
    // Ethernet II.
    writeSyntheticMac(buf, at, packet.destinationHost, packet.destinationNic);
    writeSyntheticMac(buf, at + MAC_ADDRESS_BYTES, packet.sourceHost, packet.sourceNic);
    v.setUint16(at + 2 * MAC_ADDRESS_BYTES, ETHERTYPE_IPV4, false);
    at += ETHERNET_HEADER_BYTES;
    // IPv4.
    const ip = at;
    buf[ip] = 0x45; // version 4, IHL 5 words
    buf[ip + 1] = 0; // DSCP / ECN
    v.setUint16(ip + 2, IPV4_HEADER_BYTES + UDP_HEADER_BYTES + length, false);
    v.setUint16(ip + 4, this.recordsWritten & 0xffff, false);
    v.setUint16(ip + 6, IPV4_FLAG_DONT_FRAGMENT, false);
    buf[ip + 8] = IPV4_TTL;
    buf[ip + 9] = IP_PROTOCOL_UDP;
    v.setUint16(ip + 10, 0, false);
    writeSyntheticIpv4(buf, ip + 12, packet.sourceHost, packet.sourceNic);
    writeSyntheticIpv4(buf, ip + 12 + IPV4_ADDRESS_BYTES, packet.destinationHost, packet.destinationNic);
    v.setUint16(ip + 10, internetChecksum(buf, ip, IPV4_HEADER_BYTES), false);
    at += IPV4_HEADER_BYTES;
    // UDP.
    const port = (packet.flags & PCAP_PACKET_DECRYPTED) !== 0 ? this.decryptedUdpPort : this.udpPort;
    v.setUint16(at, port, false);
    v.setUint16(at + 2, port, false);
    v.setUint16(at + 4, UDP_HEADER_BYTES + length, false);
    v.setUint16(at + 6, 0, false);
    at += UDP_HEADER_BYTES;
    // Payload: `set` of a whole array allocates nothing; a window is copied bytewise (no subarray view).
    if (offset === 0 && length === bytes.length) {
      buf.set(bytes, at);
    } else {
      for (let i = 0; i < length; i++) buf[at + i] = bytes[offset + i] as number;
    }
    at += length;
    this.used = at;
    this.recordsWritten++;
  }

  /** Hands every buffered byte to the sink. */
  flush(): void {
    if (this.used === 0) return;
    this.sink.write(this.buffer, 0, this.used);
    this.bytesFlushed += this.used;
    this.used = 0;
  }

  /** Flushes and closes the sink; later writes throw. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.sink.close();
  }
}
