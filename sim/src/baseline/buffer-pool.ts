/**
 * Message buffers of the sender-driven baseline, recycled by power-of-two size class so a steady
 * workload allocates nothing after warm-up. It owns the byte budget: `acquire` fails (returns null)
 * when the bytes lent out would exceed `bytesMax`, and free buffers kept for reuse are capped at
 * `cachedBytesMax` (beyond it a released buffer is left to the garbage collector).
 */
import { assert, InvalidArgumentError } from '@dcq/core';

const CLASS_MIN_LOG2 = 12;
const CLASS_COUNT = 20; // 4 KiB … 2 GiB

/** Size class (log2 of the capacity, at least 12) of a buffer holding `bytes`. */
function classOf(bytes: number): number {
  let c = CLASS_MIN_LOG2;
  while (2 ** c < bytes) c++;
  return c;
}

/** Power-of-two buffer recycling under a byte budget. */
export class BufferPool {
  /** Largest number of bytes lent out at once (buffer capacities). */
  readonly bytesMax: number;
  /** Largest number of bytes kept in free lists. */
  readonly cachedBytesMax: number;
  private readonly free: Uint8Array[][];
  private lentBytes: number;
  private cachedBytes: number;
  private lentCount: number;

  constructor(options: { readonly bytesMax: number; readonly cachedBytesMax: number }) {
    if (!Number.isSafeInteger(options.bytesMax) || options.bytesMax < 1) {
      throw new InvalidArgumentError(`buffer pool bytesMax must be a positive integer, got ${options.bytesMax}`);
    }
    if (!Number.isSafeInteger(options.cachedBytesMax) || options.cachedBytesMax < 0) {
      throw new InvalidArgumentError(`buffer pool cachedBytesMax must be >= 0, got ${options.cachedBytesMax}`);
    }
    this.bytesMax = options.bytesMax;
    this.cachedBytesMax = options.cachedBytesMax;
    this.free = [];
    for (let c = 0; c < CLASS_MIN_LOG2 + CLASS_COUNT; c++) this.free.push([]);
    this.lentBytes = 0;
    this.cachedBytes = 0;
    this.lentCount = 0;
  }

  /** Bytes (capacities) lent out now. */
  get bytesLent(): number {
    return this.lentBytes;
  }

  /** Buffers lent out now. */
  get buffersLent(): number {
    return this.lentCount;
  }

  /** Whether a buffer for `bytes` could ever be lent (its size class is within the budget). */
  fits(bytes: number): boolean {
    const c = classOf(bytes);
    return c < CLASS_MIN_LOG2 + CLASS_COUNT && 2 ** c <= this.bytesMax;
  }

  /** A buffer of at least `bytes` bytes (contents unspecified), or null when the budget is exhausted. */
  acquire(bytes: number): Uint8Array | null {
    const c = classOf(bytes);
    assert(c < CLASS_MIN_LOG2 + CLASS_COUNT, 'buffer pool request too large');
    const capacity = 2 ** c;
    if (this.lentBytes + capacity > this.bytesMax) return null;
    const list = this.free[c] as Uint8Array[];
    let buffer = list.pop();
    if (buffer === undefined) buffer = new Uint8Array(capacity);
    else this.cachedBytes -= capacity;
    this.lentBytes += capacity;
    this.lentCount++;
    return buffer;
  }

  /** Returns a buffer obtained from {@link BufferPool.acquire}. */
  release(buffer: Uint8Array): void {
    const capacity = buffer.length;
    const c = classOf(capacity);
    assert(2 ** c === capacity, 'buffer pool release of a foreign buffer');
    assert(this.lentBytes >= capacity && this.lentCount > 0, 'buffer pool double release');
    this.lentBytes -= capacity;
    this.lentCount--;
    if (this.cachedBytes + capacity <= this.cachedBytesMax) {
      (this.free[c] as Uint8Array[]).push(buffer);
      this.cachedBytes += capacity;
    }
  }
}
