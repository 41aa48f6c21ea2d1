/**
 * The simulator's capture tap (`dcq-sim --pcap FILE`): every datagram the network delivers or drops
 * is handed to {@link PcapCapture.record}, which writes it with a {@link PcapWriter} — decrypted when
 * a {@link CaptureDecryptor} holds its path secret (marked by the decrypted UDP port), as captured
 * otherwise. Optionally the ciphertext is kept too, as its own record before the decrypted copy.
 */
import { DATAGRAM_SIZE_MAX } from '@dcq/core';
import { type CaptureDecryptor, CaptureDecryptResult } from './capture-decryptor.js';
import { FilePcapSink } from './pcap-sink.js';
import {
  PCAP_PACKET_DECRYPTED,
  type PcapPacket,
  PcapPacketRecord,
  PcapWriter,
  type PcapWriterOptions,
} from './pcap-writer.js';

/** Options of {@link PcapCapture}. */
export interface PcapCaptureOptions {
  /** Where records go. */
  readonly writer: PcapWriter;
  /** Decrypts control datagrams whose path secret it holds (default: none, everything is written as captured). */
  readonly decryptor?: CaptureDecryptor;
  /** Also write the ciphertext record before each decrypted copy (default false). */
  readonly keepCiphertext?: boolean;
}

/** Writes captured datagrams, decrypting what it can. */
export class PcapCapture {
  /** The writer records go to. */
  readonly writer: PcapWriter;
  /** The decryptor, or null. */
  readonly decryptor: CaptureDecryptor | null;
  /** Whether ciphertext records are kept next to decrypted copies. */
  readonly keepCiphertext: boolean;
  /** Datagrams recorded. */
  datagramsRecorded: number;
  /** Of those, written decrypted. */
  datagramsDecrypted: number;
  private readonly plaintext: Uint8Array;
  private readonly decryptedPacket: PcapPacketRecord;

  constructor(options: PcapCaptureOptions) {
    this.writer = options.writer;
    this.decryptor = options.decryptor ?? null;
    this.keepCiphertext = options.keepCiphertext ?? false;
    this.datagramsRecorded = 0;
    this.datagramsDecrypted = 0;
    this.plaintext = new Uint8Array(DATAGRAM_SIZE_MAX);
    this.decryptedPacket = new PcapPacketRecord();
  }

  /**
   * Records one datagram as captured (`packet.flags` as given, normally 0) and/or, when it decrypts,
   * its decrypted copy. The sending host id is the decryptor's direction-memo key. Returns the decryption result
   * ({@link CaptureDecryptResult.NotSealed} when there is no decryptor).
   */
  record(packet: PcapPacket): CaptureDecryptResult {
    this.datagramsRecorded++;
    const decryptor = this.decryptor;
    let result: CaptureDecryptResult = CaptureDecryptResult.NotSealed;
    if (decryptor !== null && packet.length <= DATAGRAM_SIZE_MAX) {
      result = decryptor.decrypt(packet.bytes, packet.offset, packet.length, this.plaintext, 0, packet.sourceHost);
    }
    if (result !== CaptureDecryptResult.Decrypted || this.keepCiphertext) this.writer.writeDatagram(packet);
    if (result === CaptureDecryptResult.Decrypted) {
      const copy = this.decryptedPacket;
      copy.timeNs = packet.timeNs;
      copy.sourceHost = packet.sourceHost;
      copy.sourceNic = packet.sourceNic;
      copy.destinationHost = packet.destinationHost;
      copy.destinationNic = packet.destinationNic;
      copy.flags = PCAP_PACKET_DECRYPTED;
      copy.bytes = this.plaintext;
      copy.offset = 0;
      copy.length = packet.length;
      this.writer.writeDatagram(copy);
      this.datagramsDecrypted++;
    }
    return result;
  }

  /** Flushes buffered records to the sink. */
  flush(): void {
    this.writer.flush();
  }

  /** Flushes and closes the writer (and its sink). */
  close(): void {
    this.writer.close();
  }
}

/** Options of {@link openPcapCapture}: the writer's options without the sink, plus the capture's. */
export interface OpenPcapCaptureOptions extends Omit<PcapWriterOptions, 'sink'> {
  /** Decryptor holding the simulation's path secrets (default: none). */
  readonly decryptor?: CaptureDecryptor;
  /** Also write ciphertext records next to decrypted copies (default false). */
  readonly keepCiphertext?: boolean;
}

/** Opens (creates or truncates) a pcap file at `path` and returns a capture writing to it. */
export function openPcapCapture(path: string, options: OpenPcapCaptureOptions = {}): PcapCapture {
  const { decryptor, keepCiphertext, ...writerOptions } = options;
  const writer = new PcapWriter({ ...writerOptions, sink: new FilePcapSink(path) });
  return new PcapCapture({
    writer,
    ...(decryptor === undefined ? {} : { decryptor }),
    ...(keepCiphertext === undefined ? {} : { keepCiphertext }),
  });
}
