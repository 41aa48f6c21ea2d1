/**
 * Per-transfer measurements of a run, column-wise in preallocated typed arrays: when each transfer
 * started and ended, its size, the bytes put on the wire on its behalf, how it ended, how many
 * retransmissions it needed, its priority and its endpoints. The simulator opens a record per
 * transfer, adds wire bytes and retransmissions as packets go out (no allocation), and closes it
 * with an outcome; the analyses in this folder read the columns.
 */
import { BackpressureError, InvalidArgumentError } from '@dcq/core';
import type { TransferList } from '../workloads/transfer-list.js';

/** How a transfer ended. */
export const TransferStatus = {
  /** Not closed yet (still running when the run stopped). */
  Pending: 0,
  /** Delivered completely (for an RPC: the response arrived). */
  Completed: 1,
  /** Failed (peer failure, cascade from a dependency, …). */
  Failed: 2,
  /** Cancelled by the application. */
  Cancelled: 3,
  /** Timed out. */
  TimedOut: 4,
} as const;

/** One of the {@link TransferStatus} values. */
export type TransferStatus = (typeof TransferStatus)[keyof typeof TransferStatus];

/** Most records one table may hold (2^24). */
export const TRANSFER_RECORDS_CAPACITY_LIMIT = 1 << 24;

/** What is known when a transfer starts. */
export interface TransferRecordStart {
  /** Submission time, ns. */
  readonly startNs: number;
  /** Application payload bytes (for an RPC: request + response). */
  readonly sizeBytes: number;
  /** Priority 0..7 (default 0). */
  readonly priority?: number;
  /** Sending host (default 0). */
  readonly srcHost?: number;
  /** Receiving host (default 0). */
  readonly dstHost?: number;
}

/** A table of transfer records with a fixed capacity. Columns are public for the analyses; write them only through the methods. */
export class TransferRecords {
  /** Records opened so far. */
  count: number;
  /** Records this table can hold. */
  readonly capacity: number;
  /** Submission time, ns. */
  readonly startNs: Float64Array;
  /** Completion (or failure) time, ns; NaN while pending. */
  readonly endNs: Float64Array;
  /** Application payload bytes. */
  readonly sizeBytes: Float64Array;
  /** Bytes put on the wire for this transfer (headers, control, retransmissions included). */
  readonly wireBytes: Float64Array;
  /** A {@link TransferStatus}. */
  readonly status: Uint8Array;
  /** Retransmitted packets. */
  readonly retransmissions: Uint32Array;
  /** Priority 0..7. */
  readonly priority: Uint8Array;
  /** Sending host. */
  readonly srcHost: Int32Array;
  /** Receiving host. */
  readonly dstHost: Int32Array;

  /** A table for up to `capacity` records (integer in [0, {@link TRANSFER_RECORDS_CAPACITY_LIMIT}]). */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0 || capacity > TRANSFER_RECORDS_CAPACITY_LIMIT) {
      throw new InvalidArgumentError(
        `transfer records capacity must be an integer in [0, ${TRANSFER_RECORDS_CAPACITY_LIMIT}], got ${capacity}`,
      );
    }
    this.count = 0;
    this.capacity = capacity;
    this.startNs = new Float64Array(capacity);
    this.endNs = new Float64Array(capacity);
    this.sizeBytes = new Float64Array(capacity);
    this.wireBytes = new Float64Array(capacity);
    this.status = new Uint8Array(capacity);
    this.retransmissions = new Uint32Array(capacity);
    this.priority = new Uint8Array(capacity);
    this.srcHost = new Int32Array(capacity);
    this.dstHost = new Int32Array(capacity);
  }

  /**
   * A table with one pending record per row of `list` (record i = row i, started at its submission
   * time; RPC sizes count request + response).
   */
  static fromTransferList(list: TransferList): TransferRecords {
    const records = new TransferRecords(list.count);
    for (let i = 0; i < list.count; i++) {
      records.open({
        startNs: list.timeNs[i] as number,
        sizeBytes: (list.sizeBytes[i] as number) + (list.responseSizeBytes[i] as number),
        priority: list.priority[i] as number,
        srcHost: list.srcHost[i] as number,
        dstHost: list.dstHost[i] as number,
      });
    }
    return records;
  }

  /**
   * Opens a pending record and returns its index. Throws a {@link BackpressureError} (limit
   * `transferRecords.capacity`) when the table is full.
   */
  open(start: TransferRecordStart): number {
    const index = this.count;
    if (index === this.capacity) {
      throw new BackpressureError(
        'transferRecords.capacity',
        this.capacity,
        `transfer records are full at ${this.capacity}: size the table for the scenario's transfer count`,
      );
    }
    const priority = start.priority ?? 0;
    if (!Number.isFinite(start.startNs) || !(start.sizeBytes >= 0) || !Number.isInteger(priority)) {
      throw new InvalidArgumentError(
        'a transfer record needs a finite startNs, sizeBytes >= 0 and an integer priority',
      );
    }
    if (priority < 0 || priority > 7) throw new InvalidArgumentError(`priority must be 0..7, got ${priority}`);
    this.count = index + 1;
    this.startNs[index] = start.startNs;
    this.endNs[index] = Number.NaN;
    this.sizeBytes[index] = start.sizeBytes;
    this.wireBytes[index] = 0;
    this.status[index] = TransferStatus.Pending;
    this.retransmissions[index] = 0;
    this.priority[index] = priority;
    this.srcHost[index] = start.srcHost ?? 0;
    this.dstHost[index] = start.dstHost ?? 0;
    return index;
  }

  /** Attributes `bytes` sent on the wire to record `index`. */
  addWireBytes(index: number, bytes: number): void {
    this.check(index);
    if (!(bytes >= 0 && bytes < Number.POSITIVE_INFINITY)) {
      throw new InvalidArgumentError(`wire bytes must be finite and >= 0, got ${bytes}`);
    }
    this.wireBytes[index] = (this.wireBytes[index] as number) + bytes;
  }

  /** Counts `packets` (default 1) retransmitted packets of record `index` (saturates at 2^32 − 1). */
  addRetransmissions(index: number, packets = 1): void {
    this.check(index);
    if (!Number.isInteger(packets) || packets < 0) {
      throw new InvalidArgumentError(`retransmitted packets must be an integer >= 0, got ${packets}`);
    }
    const total = (this.retransmissions[index] as number) + packets;
    this.retransmissions[index] = total > 0xffffffff ? 0xffffffff : total;
  }

  /**
   * Closes record `index` at `endNs` with a final `status` (not Pending). Closing twice is a bug in
   * the caller and throws an {@link InvalidArgumentError}.
   */
  close(index: number, endNs: number, status: TransferStatus): void {
    this.check(index);
    if (this.status[index] !== TransferStatus.Pending) {
      throw new InvalidArgumentError(`transfer record ${index} is already closed`);
    }
    if (status === TransferStatus.Pending || !(status >= 0 && status <= TransferStatus.TimedOut)) {
      throw new InvalidArgumentError(`closing status must be a final TransferStatus, got ${status}`);
    }
    if (!(endNs >= (this.startNs[index] as number))) {
      throw new InvalidArgumentError(`transfer record ${index} cannot end (${endNs}) before it started`);
    }
    this.endNs[index] = endNs;
    this.status[index] = status;
  }

  private check(index: number): void {
    if (!(index >= 0 && index < this.count) || !Number.isInteger(index)) {
      throw new InvalidArgumentError(`transfer record index ${index} is not in [0, ${this.count})`);
    }
  }
}
