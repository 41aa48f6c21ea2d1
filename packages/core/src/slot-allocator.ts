/**
 * Slot allocation with generations, and the transfer-id and buffer-id allocators built on it.
 *
 * A {@link SlotAllocator} hands out indices into preallocated per-slot tables. It has a fixed
 * capacity chosen at start-up (the owner preallocates its parallel per-slot arrays to the same
 * capacity, so the allocator never grows under them); at capacity `allocate()` returns
 * {@link SLOT_NONE}. Free slots wait in an Int32Array ring (FIFO: the slot freed longest ago is
 * reused first, so every slot's generation advances as slowly as possible). Each slot has a generation that advances
 * when the slot is freed, so a (slot, generation) pair taken while the slot was live is recognised
 * as stale afterwards in O(1).
 *
 * Generations cycle through 1 … generationMax and skip 0, so generation 0 never matches a live slot
 * (the all-zero id means "no id"). After exactly `generationMax` frees of the same slot its
 * generation comes back to an earlier value, and an id from that many reuses ago would look live
 * again (ABA). FIFO reuse spreads frees over all free slots: a slot comes back only after every
 * other free slot was handed out, so with F free slots a generation repeats after at least
 * F × 16,777,215 allocations for transfer ids (24-bit generations) — with 1,000 free slots, more than
 * four hours at one million transfers per second on one worker. (LIFO reuse would let one hot slot
 * wrap in 17 s.) A packet would have to be delayed that long and still pass authentication to be
 * misattributed; datacenter packet lifetimes are far below that. Buffer ids
 * use 32-bit generations (4.29 billion cycles).
 *
 * All classes here are single-threaded: they belong to one worker (or one thread) and are not
 * safe to share through a SharedArrayBuffer.
 */
import { assert } from './assert.js';
import { InvalidArgumentError } from './errors.js';
import {
  BUFFER_GENERATION_BITS,
  TRANSFER_GENERATION_BITS,
  TRANSFER_GENERATION_MASK,
  WORKER_ID_MAX,
  workerIdOfTransferHi,
} from './ids.js';

/** Returned by `allocate()` when every slot is live. */
export const SLOT_NONE = -1;

/** Largest capacity a slot allocator accepts (2^28 slots; the tables are preallocated). */
export const SLOT_CAPACITY_MAX = 2 ** 28;

/** First generation of every slot; generation 0 is never live. */
export const GENERATION_FIRST = 1;

/** Returned by `resolve()` when the id names no live slot (freed, reused, never allocated, out of range). */
export const ID_STALE = -1;

/** Returned by `TransferIdAllocator.resolve()` when the id belongs to another NIC worker. */
export const ID_FOREIGN = -2;

/** Options of a {@link SlotAllocator}. */
export interface SlotAllocatorOptions {
  /** Number of slots, fixed for the allocator's life: 1 … {@link SLOT_CAPACITY_MAX}. */
  readonly capacity: number;
  /** Width of a slot generation in bits, 1 … 32 (default 32). Generations cycle 1 … 2^bits − 1. */
  readonly generationBits?: number;
}

/**
 * Fixed-capacity slot allocator with per-slot generations (see the module comment for the reuse
 * order and what happens when a generation wraps). Every operation is O(1) and allocation-free.
 */
export class SlotAllocator {
  /** Number of slots. */
  readonly capacity: number;
  /** Largest generation; the one after it is {@link GENERATION_FIRST} again. */
  readonly generationMax: number;
  /** Free slots as a ring: `freeCount` entries starting at `freeHead` (wrapping at capacity). */
  private readonly freeRing: Int32Array;
  private freeHead: number;
  private freeSize: number;
  /** Current generation of each slot (of the live allocation, or of the next one if free). */
  private readonly generations: Uint32Array;
  /** 1 while the slot is allocated. */
  private readonly liveFlags: Uint8Array;

  constructor(options: SlotAllocatorOptions) {
    const capacity = options.capacity;
    if (!(Number.isInteger(capacity) && capacity >= 1 && capacity <= SLOT_CAPACITY_MAX)) {
      throw new InvalidArgumentError(`slot capacity must be an integer in [1, ${SLOT_CAPACITY_MAX}], got ${capacity}`);
    }
    const generationBits = options.generationBits ?? 32;
    if (!(Number.isInteger(generationBits) && generationBits >= 1 && generationBits <= 32)) {
      throw new InvalidArgumentError(`generation bits must be an integer in [1, 32], got ${generationBits}`);
    }
    this.capacity = capacity;
    this.generationMax = 2 ** generationBits - 1;
    this.freeRing = new Int32Array(capacity);
    // A fresh allocator hands out 0, 1, 2, … in order.
    for (let i = 0; i < capacity; i++) this.freeRing[i] = i;
    this.freeHead = 0;
    this.freeSize = capacity;
    this.generations = new Uint32Array(capacity).fill(GENERATION_FIRST);
    this.liveFlags = new Uint8Array(capacity);
  }

  /** Number of allocated slots. */
  get liveCount(): number {
    return this.capacity - this.freeSize;
  }

  /** Number of free slots. */
  get freeCount(): number {
    return this.freeSize;
  }

  /** Allocates a slot and returns its index, or {@link SLOT_NONE} (-1) when all slots are live. */
  allocate(): number {
    if (this.freeSize === 0) return SLOT_NONE;
    const slot = this.freeRing[this.freeHead] as number;
    this.freeHead = this.freeHead + 1 === this.capacity ? 0 : this.freeHead + 1;
    this.freeSize--;
    assert(this.liveFlags[slot] === 0, 'slot in the free ring is live');
    this.liveFlags[slot] = 1;
    return slot;
  }

  /**
   * Frees a live slot and advances its generation, so ids taken while it was live become stale.
   * Freeing a slot that is not live is a dcq bug (assertion).
   */
  free(slot: number): void {
    assert(slot >>> 0 === slot && slot < this.capacity, 'free of a slot out of range');
    assert(this.liveFlags[slot] === 1, 'free of a slot that is not live');
    this.liveFlags[slot] = 0;
    const generation = this.generations[slot] as number;
    this.generations[slot] = generation === this.generationMax ? GENERATION_FIRST : generation + 1;
    let tail = this.freeHead + this.freeSize;
    if (tail >= this.capacity) tail -= this.capacity;
    this.freeRing[tail] = slot;
    this.freeSize++;
  }

  /**
   * Generation of a slot: of its current allocation if live, otherwise the one its next allocation
   * will get. The slot must be in range.
   */
  generationOf(slot: number): number {
    assert(slot >>> 0 === slot && slot < this.capacity, 'generation of a slot out of range');
    return this.generations[slot] as number;
  }

  /** Whether the slot is allocated. Any number is accepted; out-of-range slots are not allocated. */
  isAllocated(slot: number): boolean {
    return slot >>> 0 === slot && slot < this.capacity && this.liveFlags[slot] === 1;
  }

  /**
   * Whether (slot, generation) names the slot's current live allocation. Safe on untrusted input:
   * any number is accepted and out-of-range values are simply not live.
   */
  isLive(slot: number, generation: number): boolean {
    return (
      slot >>> 0 === slot && slot < this.capacity && this.liveFlags[slot] === 1 && this.generations[slot] === generation
    );
  }

  /** Frees every live slot (advancing their generations). O(capacity): for resets, not hot paths. */
  clear(): void {
    for (let slot = this.capacity - 1; slot >= 0; slot--) {
      if (this.liveFlags[slot] === 1) this.free(slot);
    }
  }
}

/** Options of a {@link TransferIdAllocator}. */
export interface TransferIdAllocatorOptions {
  /** NIC worker id carried in the top bits of every id: 0 … {@link WORKER_ID_MAX}. */
  readonly workerId: number;
  /** Maximum number of live transfers on this worker (the transfer table's size). */
  readonly capacity: number;
}

/**
 * Hands out this worker's local transfer ids: lo = slot, hi = worker id | 24-bit generation (see
 * `ids.ts`), and resolves an incoming id (echoed by the peer) to a live slot in O(1). A retry keeps
 * its id: just don't free the slot between attempts.
 *
 * Usage: `const slot = ids.allocate(); if (slot === SLOT_NONE) backpressure; hi = ids.idHi(slot);
 * lo = ids.idLo(slot);` … later `const slot = ids.resolve(hi, lo); if (slot < 0) stale or foreign`.
 */
export class TransferIdAllocator {
  /** NIC worker id in every id this allocator hands out. */
  readonly workerId: number;
  /** The underlying slot allocator (24-bit generations). */
  readonly slots: SlotAllocator;
  /** workerId × 2^24: the hi half of an id before its generation is added. */
  private readonly hiBase: number;

  constructor(options: TransferIdAllocatorOptions) {
    const workerId = options.workerId;
    if (!(Number.isInteger(workerId) && workerId >= 0 && workerId <= WORKER_ID_MAX)) {
      throw new InvalidArgumentError(`worker id must be an integer in [0, ${WORKER_ID_MAX}], got ${workerId}`);
    }
    this.workerId = workerId;
    this.slots = new SlotAllocator({ capacity: options.capacity, generationBits: TRANSFER_GENERATION_BITS });
    this.hiBase = workerId * 2 ** TRANSFER_GENERATION_BITS;
  }

  /** Maximum number of live transfer ids. */
  get capacity(): number {
    return this.slots.capacity;
  }

  /** Number of live transfer ids. */
  get liveCount(): number {
    return this.slots.liveCount;
  }

  /** Allocates a transfer slot; returns it, or {@link SLOT_NONE} (-1) when the table is full. */
  allocate(): number {
    return this.slots.allocate();
  }

  /** Frees a live transfer slot; its id becomes stale. */
  free(slot: number): void {
    this.slots.free(slot);
  }

  /** Hi half of the id of a slot (worker id | generation). */
  idHi(slot: number): number {
    return this.hiBase + this.slots.generationOf(slot);
  }

  /** Lo half of the id of a slot (the slot itself). */
  idLo(slot: number): number {
    return slot;
  }

  /**
   * Resolves an id received from the network to its live slot (≥ 0), or {@link ID_FOREIGN} if the
   * id names another worker, or {@link ID_STALE} if it names no live transfer here. Never throws.
   */
  resolve(hi: number, lo: number): number {
    if (hi >>> 0 !== hi) return ID_STALE;
    if (workerIdOfTransferHi(hi) !== this.workerId) return ID_FOREIGN;
    return this.slots.isLive(lo, hi & TRANSFER_GENERATION_MASK) ? lo : ID_STALE;
  }
}

/** Options of a {@link BufferIdAllocator}. */
export interface BufferIdAllocatorOptions {
  /** Maximum number of live buffers (the registry's size). */
  readonly capacity: number;
}

/**
 * Hands out buffer ids: lo = sequence (the registry slot), hi = 32-bit generation, and resolves an
 * id to a live slot in O(1).
 */
export class BufferIdAllocator {
  /** The underlying slot allocator (32-bit generations). */
  readonly slots: SlotAllocator;

  constructor(options: BufferIdAllocatorOptions) {
    this.slots = new SlotAllocator({ capacity: options.capacity, generationBits: BUFFER_GENERATION_BITS });
  }

  /** Maximum number of live buffer ids. */
  get capacity(): number {
    return this.slots.capacity;
  }

  /** Number of live buffer ids. */
  get liveCount(): number {
    return this.slots.liveCount;
  }

  /** Allocates a buffer slot; returns it, or {@link SLOT_NONE} (-1) when the registry is full. */
  allocate(): number {
    return this.slots.allocate();
  }

  /** Frees a live buffer slot; its id becomes stale. */
  free(slot: number): void {
    this.slots.free(slot);
  }

  /** Hi half of the id of a slot (its generation). */
  idHi(slot: number): number {
    return this.slots.generationOf(slot);
  }

  /** Lo half of the id of a slot (its sequence, i.e. the slot itself). */
  idLo(slot: number): number {
    return slot;
  }

  /** Resolves an id to its live slot (≥ 0) or {@link ID_STALE}. Never throws. */
  resolve(hi: number, lo: number): number {
    return this.slots.isLive(lo, hi) ? lo : ID_STALE;
  }
}
