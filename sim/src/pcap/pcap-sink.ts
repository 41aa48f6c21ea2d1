/**
 * Where a {@link PcapWriter} sends its bytes: a sink receives whole flushed buffers (many records
 * at a time), never single packets. Two sinks: a file (synchronous writes: the simulator is a
 * single-threaded loop and the capture must be complete when the run ends) and bounded memory
 * (tests, tools that post-process a capture).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { BackpressureError, InvalidArgumentError } from '@dcq/core';

/** Receives the bytes of a capture, in order. */
export interface PcapSink {
  /** Appends `bytes[offset, offset + length)`. The sink must not keep a reference to `bytes`. */
  write(bytes: Uint8Array, offset: number, length: number): void;
  /** Releases the sink's resources; no write follows. */
  close(): void;
}

/** Writes a capture to a file (created or truncated), synchronously. */
export class FilePcapSink implements PcapSink {
  /** The file's path. */
  readonly path: string;
  /** Bytes written so far. */
  bytesWritten: number;
  private fd: number;

  constructor(path: string) {
    this.path = path;
    this.bytesWritten = 0;
    this.fd = openSync(path, 'w');
  }

  write(bytes: Uint8Array, offset: number, length: number): void {
    if (this.fd < 0) throw new InvalidArgumentError(`pcap file ${this.path} is closed`);
    let done = 0;
    while (done < length) done += writeSync(this.fd, bytes, offset + done, length - done);
    this.bytesWritten += length;
  }

  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }
}

/** Default limit of a {@link MemoryPcapSink}: 64 MiB. */
export const MEMORY_PCAP_SINK_CAPACITY_DEFAULT = 64 * 1024 * 1024;

/** Options of {@link MemoryPcapSink}. */
export interface MemoryPcapSinkOptions {
  /** Most bytes the sink holds (default {@link MEMORY_PCAP_SINK_CAPACITY_DEFAULT}); a write beyond it throws. */
  readonly capacityBytes?: number;
}

/**
 * Keeps a capture in memory, up to a configured size. Storage grows by doubling (per flush, never
 * per packet). At the limit, `write` throws a {@link BackpressureError} (limit
 * `pcap.memoryCapacityBytes`) and keeps nothing of that write.
 */
export class MemoryPcapSink implements PcapSink {
  /** The configured limit in bytes. */
  readonly capacityBytes: number;
  /** Bytes held. */
  byteLength: number;
  private storage: Uint8Array;

  constructor(options: MemoryPcapSinkOptions = {}) {
    const capacity = options.capacityBytes ?? MEMORY_PCAP_SINK_CAPACITY_DEFAULT;
    if (!(Number.isInteger(capacity) && capacity >= 1 && capacity <= 2 ** 31)) {
      throw new InvalidArgumentError(`capacityBytes must be an integer in [1, 2^31], got ${capacity}`);
    }
    this.capacityBytes = capacity;
    this.byteLength = 0;
    this.storage = new Uint8Array(Math.min(capacity, 64 * 1024));
  }

  write(bytes: Uint8Array, offset: number, length: number): void {
    const needed = this.byteLength + length;
    if (needed > this.capacityBytes) {
      throw new BackpressureError(
        'pcap.memoryCapacityBytes',
        this.capacityBytes,
        `in-memory capture is full (${this.capacityBytes} bytes): raise capacityBytes or capture to a file`,
      );
    }
    if (needed > this.storage.length) {
      let size = this.storage.length;
      while (size < needed) size *= 2;
      const grown = new Uint8Array(Math.min(size, this.capacityBytes));
      grown.set(this.storage.subarray(0, this.byteLength), 0);
      this.storage = grown;
    }
    this.storage.set(bytes.subarray(offset, offset + length), this.byteLength);
    this.byteLength = needed;
  }

  /** A copy of the bytes held (a complete pcap file once the writer flushed). */
  toBytes(): Uint8Array {
    return this.storage.slice(0, this.byteLength);
  }

  close(): void {}
}
