/**
 * Sealed payload buffers, by buffer id, reference counted. A buffer holds one payload sealed once
 * into payload records (security.md#payload-records) plus its data key material (key || IV); every
 * sender transfer that serves it (one for a request, N for a broadcast) holds one reference, and
 * the buffer is freed when the last reference goes.
 *
 * {@link BufferRegistry} is the interface the engine uses; {@link LocalBufferRegistry} is the
 * in-memory implementation for tests and the simulator (the runtime provides a SharedArrayBuffer
 * one so application threads can seal without copies).
 */
import { assert } from '../assert.js';
import { DATA_KEY_MATERIAL_BYTES } from '../crypto/payload-records.js';
import { InvalidArgumentError } from '../errors.js';
import { BufferIdAllocator, SLOT_NONE } from '../slot-allocator.js';

/** {@link BufferRegistry.allocate}: no slot or not enough bytes left. */
export const BUFFER_NONE = -1;

/** What the engine needs from a buffer store. Slots are small integers; ids are (hi, lo) pairs. */
export interface BufferRegistry {
  /** Live buffers. */
  readonly liveCount: number;
  /** Sealed bytes held by live buffers. */
  readonly bytesInUse: number;
  /**
   * Allocates a buffer of `sealedBytes` bytes with reference count 1, or returns {@link BUFFER_NONE}
   * when the registry is at its slot or byte limit.
   */
  allocate(sealedBytes: number): number;
  /** The bytes of a live buffer's sealed stream start at `bytesOffset(slot)` of `bytes(slot)`. */
  bytes(slot: number): Uint8Array;
  /** Offset of the sealed stream in {@link bytes}. */
  bytesOffset(slot: number): number;
  /** Length of the sealed stream. */
  sealedLength(slot: number): number;
  /** 44 bytes of data key material (key || IV) at `keyMaterialOffset(slot)` of the returned array. */
  keyMaterial(slot: number): Uint8Array;
  /** Offset of a slot's key material in {@link keyMaterial}. */
  keyMaterialOffset(slot: number): number;
  /** Buffer id, high half. */
  idHi(slot: number): number;
  /** Buffer id, low half. */
  idLo(slot: number): number;
  /** Adds a reference. */
  retain(slot: number): void;
  /** Drops a reference; frees the buffer (its id becomes stale) at zero. Returns the references left. */
  release(slot: number): number;
}

/** Options of {@link LocalBufferRegistry}. */
export interface LocalBufferRegistryOptions {
  /** Live buffers at most (default 4096). */
  readonly capacity?: number;
  /** Sealed bytes at most, over all live buffers (default 1 GiB). */
  readonly bytesMax?: number;
}

/** In-memory {@link BufferRegistry}: one Uint8Array per buffer, allocated when the buffer is. */
export class LocalBufferRegistry implements BufferRegistry {
  /** Slot capacity. */
  readonly capacity: number;
  /** Byte limit. */
  readonly bytesMax: number;
  /** Allocations refused at a limit. */
  refusedTotal: number;
  private readonly ids: BufferIdAllocator;
  private readonly arrays: (Uint8Array | null)[];
  private readonly refs: Int32Array;
  private readonly keys: Uint8Array;
  private bytesUsed: number;

  constructor(options: LocalBufferRegistryOptions = {}) {
    const capacity = options.capacity ?? 4096;
    const bytesMax = options.bytesMax ?? 2 ** 30;
    if (!(Number.isInteger(capacity) && capacity >= 1 && capacity <= 1 << 24)) {
      throw new InvalidArgumentError(`buffer registry capacity must be in [1, 2^24], got ${capacity}`);
    }
    if (!(Number.isInteger(bytesMax) && bytesMax >= 0)) {
      throw new InvalidArgumentError(`buffer registry bytesMax must be a non-negative integer, got ${bytesMax}`);
    }
    this.capacity = capacity;
    this.bytesMax = bytesMax;
    this.refusedTotal = 0;
    this.ids = new BufferIdAllocator({ capacity });
    this.arrays = new Array<Uint8Array | null>(capacity).fill(null);
    this.refs = new Int32Array(capacity);
    this.keys = new Uint8Array(capacity * DATA_KEY_MATERIAL_BYTES);
    this.bytesUsed = 0;
  }

  get liveCount(): number {
    return this.ids.liveCount;
  }

  get bytesInUse(): number {
    return this.bytesUsed;
  }

  allocate(sealedBytes: number): number {
    assert(Number.isInteger(sealedBytes) && sealedBytes >= 0, 'buffer size must be a non-negative integer');
    if (this.bytesUsed + sealedBytes > this.bytesMax) {
      this.refusedTotal++;
      return BUFFER_NONE;
    }
    const slot = this.ids.allocate();
    if (slot === SLOT_NONE) {
      this.refusedTotal++;
      return BUFFER_NONE;
    }
    this.arrays[slot] = new Uint8Array(sealedBytes);
    this.refs[slot] = 1;
    this.bytesUsed += sealedBytes;
    return slot;
  }

  bytes(slot: number): Uint8Array {
    const array = this.arrays[slot];
    assert(array !== null && array !== undefined, 'bytes of a free buffer');
    return array;
  }

  bytesOffset(_slot: number): number {
    return 0;
  }

  sealedLength(slot: number): number {
    return this.bytes(slot).length;
  }

  keyMaterial(_slot: number): Uint8Array {
    return this.keys;
  }

  keyMaterialOffset(slot: number): number {
    return slot * DATA_KEY_MATERIAL_BYTES;
  }

  idHi(slot: number): number {
    return this.ids.idHi(slot);
  }

  idLo(slot: number): number {
    return this.ids.idLo(slot);
  }

  retain(slot: number): void {
    assert((this.refs[slot] as number) > 0, 'retain of a free buffer');
    this.refs[slot] = (this.refs[slot] as number) + 1;
  }

  release(slot: number): number {
    const left = (this.refs[slot] as number) - 1;
    assert(left >= 0, 'release of a free buffer');
    this.refs[slot] = left;
    if (left === 0) {
      this.bytesUsed -= (this.arrays[slot] as Uint8Array).length;
      this.arrays[slot] = null;
      this.keys.fill(0, slot * DATA_KEY_MATERIAL_BYTES, (slot + 1) * DATA_KEY_MATERIAL_BYTES);
      this.ids.free(slot);
    }
    return left;
  }
}
