import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AssertionError,
  BufferIdAllocator,
  GENERATION_FIRST,
  ID_FOREIGN,
  ID_STALE,
  InvalidArgumentError,
  readIdHi,
  readIdLo,
  SLOT_NONE,
  SlotAllocator,
  TRANSFER_GENERATION_MASK,
  TransferIdAllocator,
  workerIdOfTransferHi,
  writeId,
} from '../src/index.js';

/** Naive reference: a JS array used as the FIFO free queue, per-slot generation and live flags. */
class SlotModel {
  readonly free: number[] = [];
  readonly generation: number[] = [];
  readonly live: boolean[] = [];

  constructor(
    readonly capacity: number,
    readonly generationMax: number,
  ) {
    for (let i = 0; i < capacity; i++) this.free.push(i);
    for (let i = 0; i < capacity; i++) {
      this.generation.push(1);
      this.live.push(false);
    }
  }

  allocate(): number {
    const slot = this.free.shift();
    if (slot === undefined) return -1;
    this.live[slot] = true;
    return slot;
  }

  release(slot: number): void {
    this.live[slot] = false;
    const g = this.generation[slot] as number;
    this.generation[slot] = g === this.generationMax ? 1 : g + 1;
    this.free.push(slot);
  }

  isLive(slot: number, generation: number): boolean {
    return slot >= 0 && slot < this.capacity && this.live[slot] === true && this.generation[slot] === generation;
  }

  liveSlots(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.capacity; i++) if (this.live[i]) out.push(i);
    return out;
  }
}

type Op = { kind: 'alloc' } | { kind: 'free'; pick: number } | { kind: 'probe'; pick: number; stale: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.constant<Op>({ kind: 'alloc' }),
  fc.record({ kind: fc.constant('free' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('probe' as const), pick: fc.nat(), stale: fc.boolean() }),
);

describe('SlotAllocator', () => {
  it('matches the reference model on random allocate/free/isLive sequences (including generation wrap)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(opArb, { maxLength: 300, size: 'max' }),
        (capacity, generationBits, ops) => {
          const allocator = new SlotAllocator({ capacity, generationBits });
          const model = new SlotModel(capacity, 2 ** generationBits - 1);
          // Every (slot, generation) pair ever handed out, live or not.
          const issued: [number, number][] = [];
          for (const op of ops) {
            if (op.kind === 'alloc') {
              const slot = allocator.allocate();
              expect(slot).toBe(model.allocate());
              if (slot !== SLOT_NONE) {
                expect(allocator.generationOf(slot)).toBe(model.generation[slot]);
                issued.push([slot, allocator.generationOf(slot)]);
              }
            } else if (op.kind === 'free') {
              const live = model.liveSlots();
              if (live.length === 0) continue;
              const slot = live[op.pick % live.length] as number;
              allocator.free(slot);
              model.release(slot);
            } else {
              let slot: number;
              let generation: number;
              if (op.stale || issued.length === 0) {
                slot = (op.pick % (capacity + 2)) - 1;
                generation = op.pick % (2 ** generationBits + 1);
              } else {
                [slot, generation] = issued[op.pick % issued.length] as [number, number];
              }
              expect(allocator.isLive(slot, generation)).toBe(model.isLive(slot, generation));
            }
            expect(allocator.liveCount).toBe(model.liveSlots().length);
            expect(allocator.freeCount).toBe(capacity - allocator.liveCount);
          }
          for (let slot = 0; slot < capacity; slot++) {
            expect(allocator.isAllocated(slot)).toBe(model.live[slot]);
            expect(allocator.generationOf(slot)).toBe(model.generation[slot]);
          }
        },
      ),
    );
  });

  it('hands out 0, 1, 2, … from a fresh allocator and returns SLOT_NONE at capacity', () => {
    const allocator = new SlotAllocator({ capacity: 3 });
    expect([allocator.allocate(), allocator.allocate(), allocator.allocate()]).toEqual([0, 1, 2]);
    expect(allocator.liveCount).toBe(3);
    expect(allocator.allocate()).toBe(SLOT_NONE);
    expect(allocator.allocate()).toBe(-1);
    expect(allocator.liveCount).toBe(3);
    allocator.free(1);
    expect(allocator.allocate()).toBe(1);
    expect(allocator.allocate()).toBe(SLOT_NONE);
  });

  it('reuses the slot freed longest ago first (FIFO), so generations advance as slowly as possible', () => {
    const allocator = new SlotAllocator({ capacity: 4 });
    for (let i = 0; i < 4; i++) allocator.allocate();
    allocator.free(2);
    allocator.free(0);
    allocator.free(3);
    expect([allocator.allocate(), allocator.allocate(), allocator.allocate()]).toEqual([2, 0, 3]);
    // One slot cycling with others free: the free slots take turns, so no single generation races ahead.
    const ring = new SlotAllocator({ capacity: 3 });
    for (let i = 0; i < 30; i++) ring.free(ring.allocate());
    expect([ring.generationOf(0), ring.generationOf(1), ring.generationOf(2)]).toEqual([11, 11, 11]);
  });

  it('makes old (slot, generation) pairs stale after free and starts at generation 1', () => {
    const allocator = new SlotAllocator({ capacity: 1 });
    const slot = allocator.allocate();
    const generation = allocator.generationOf(slot);
    expect(generation).toBe(GENERATION_FIRST);
    expect(allocator.isLive(slot, generation)).toBe(true);
    allocator.free(slot);
    expect(allocator.isLive(slot, generation)).toBe(false);
    expect(allocator.allocate()).toBe(slot);
    expect(allocator.isLive(slot, generation)).toBe(false);
    expect(allocator.isLive(slot, generation + 1)).toBe(true);
  });

  it('wraps generations within their bit width, skipping 0', () => {
    const allocator = new SlotAllocator({ capacity: 1, generationBits: 2 });
    const seen: number[] = [];
    for (let i = 0; i < 7; i++) {
      const slot = allocator.allocate();
      seen.push(allocator.generationOf(slot));
      expect(allocator.isLive(slot, 0)).toBe(false);
      allocator.free(slot);
    }
    expect(seen).toEqual([1, 2, 3, 1, 2, 3, 1]);
  });

  it('derives generationMax from the bit width (32 bits by default)', () => {
    expect(new SlotAllocator({ capacity: 1 }).generationMax).toBe(0xffffffff);
    expect(new SlotAllocator({ capacity: 1, generationBits: 24 }).generationMax).toBe(0xffffff);
    const single = new SlotAllocator({ capacity: 1, generationBits: 1 });
    expect(single.generationMax).toBe(1);
    single.allocate();
    single.free(0);
    // With one generation value a freed id is immediately reusable: documented, not useful.
    expect(single.generationOf(0)).toBe(1);
  });

  it('rejects invalid frees as dcq bugs (assertions)', () => {
    const allocator = new SlotAllocator({ capacity: 2 });
    expect(() => allocator.free(0)).toThrow(AssertionError);
    const slot = allocator.allocate();
    allocator.free(slot);
    expect(() => allocator.free(slot)).toThrow(AssertionError);
    expect(() => allocator.free(2)).toThrow(AssertionError);
    expect(() => allocator.free(-1)).toThrow(AssertionError);
    expect(() => allocator.generationOf(5)).toThrow(AssertionError);
  });

  it('answers isLive/isAllocated safely for garbage input', () => {
    const allocator = new SlotAllocator({ capacity: 4 });
    for (let i = 0; i < 4; i++) allocator.allocate();
    for (const slot of [-1, 4, 2 ** 32, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(allocator.isLive(slot, 1)).toBe(false);
      expect(allocator.isAllocated(slot)).toBe(false);
    }
    expect(allocator.isLive(0, Number.NaN)).toBe(false);
    expect(allocator.isLive(0, 0)).toBe(false);
  });

  it('clear() frees every live slot and advances their generations', () => {
    const allocator = new SlotAllocator({ capacity: 3 });
    allocator.allocate();
    allocator.allocate();
    allocator.clear();
    expect(allocator.liveCount).toBe(0);
    expect(allocator.isLive(0, 1)).toBe(false);
    expect(allocator.generationOf(0)).toBe(2);
    expect(allocator.generationOf(1)).toBe(2);
    expect(allocator.generationOf(2)).toBe(1);
    // FIFO: slot 2 was never taken, so it comes first; clear() freed the live slots in descending order.
    expect([allocator.allocate(), allocator.allocate(), allocator.allocate(), allocator.allocate()]).toEqual([
      2,
      1,
      0,
      SLOT_NONE,
    ]);
  });

  it('validates its options', () => {
    expect(() => new SlotAllocator({ capacity: 0 })).toThrow(InvalidArgumentError);
    expect(() => new SlotAllocator({ capacity: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => new SlotAllocator({ capacity: 2 ** 28 + 1 })).toThrow(InvalidArgumentError);
    expect(() => new SlotAllocator({ capacity: 1, generationBits: 0 })).toThrow(InvalidArgumentError);
    expect(() => new SlotAllocator({ capacity: 1, generationBits: 33 })).toThrow(InvalidArgumentError);
  });
});

describe('TransferIdAllocator', () => {
  it('hands out ids carrying the worker id, generation and slot, and resolves them until freed', () => {
    const ids = new TransferIdAllocator({ workerId: 200, capacity: 1 });
    const slot = ids.allocate();
    const hi = ids.idHi(slot);
    const lo = ids.idLo(slot);
    expect(lo).toBe(slot);
    expect(hi).toBe(200 * 2 ** 24 + 1);
    expect(hi).toBeGreaterThan(0);
    expect(workerIdOfTransferHi(hi)).toBe(200);
    // A retry reuses the id: it keeps resolving as long as the slot is not freed.
    for (let attempt = 0; attempt < 3; attempt++) expect(ids.resolve(hi, lo)).toBe(slot);
    ids.free(slot);
    expect(ids.resolve(hi, lo)).toBe(ID_STALE);
    const again = ids.allocate();
    expect(again).toBe(slot);
    expect(ids.resolve(hi, lo)).toBe(ID_STALE);
    expect(ids.resolve(ids.idHi(again), again)).toBe(again);
  });

  it('tells foreign ids (other worker) from stale ones', () => {
    const ids = new TransferIdAllocator({ workerId: 3, capacity: 4 });
    const slot = ids.allocate();
    const generation = ids.idHi(slot) & TRANSFER_GENERATION_MASK;
    expect(ids.resolve(4 * 2 ** 24 + generation, slot)).toBe(ID_FOREIGN);
    expect(ids.resolve(3 * 2 ** 24 + generation + 1, slot)).toBe(ID_STALE);
    expect(ids.resolve(ids.idHi(slot), 3)).toBe(ID_STALE);
    expect(ids.resolve(ids.idHi(slot), 0xffffffff)).toBe(ID_STALE);
    expect(ids.resolve(ids.idHi(slot) + 2 ** 32, slot)).toBe(ID_STALE);
    expect(ids.resolve(-1, slot)).toBe(ID_STALE);
  });

  it('returns SLOT_NONE when the transfer table is full', () => {
    const ids = new TransferIdAllocator({ workerId: 0, capacity: 2 });
    ids.allocate();
    ids.allocate();
    expect(ids.allocate()).toBe(SLOT_NONE);
    expect(ids.liveCount).toBe(2);
    expect(ids.capacity).toBe(2);
  });

  it('wraps the 24-bit generation after 2^24 - 1 frees of one slot', () => {
    const ids = new TransferIdAllocator({ workerId: 255, capacity: 1 });
    const firstHi = ids.idHi(ids.allocate());
    for (let i = 0; i < TRANSFER_GENERATION_MASK; i++) {
      ids.free(0);
      ids.allocate();
    }
    // The ABA case documented in slot-allocator.ts: the id from 2^24 - 1 reuses ago is live again.
    expect(ids.idHi(0)).toBe(firstHi);
    expect(ids.resolve(firstHi, 0)).toBe(0);
    ids.free(0);
    ids.allocate();
    expect(ids.idHi(0)).toBe(firstHi + 1);
  });

  it('resolves ids read back from the wire against a model, for random workers and operations', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 255 }),
        fc.array(opArb, { maxLength: 200, size: 'max' }),
        (workerId, otherWorker, ops) => {
          const ids = new TransferIdAllocator({ workerId, capacity: 8 });
          const view = new DataView(new ArrayBuffer(8));
          const live = new Map<number, [number, number]>();
          const dead: [number, number][] = [];
          for (const op of ops) {
            if (op.kind === 'alloc') {
              const slot = ids.allocate();
              if (slot === SLOT_NONE) {
                expect(live.size).toBe(8);
                continue;
              }
              writeId(view, 0, ids.idHi(slot), ids.idLo(slot));
              live.set(slot, [readIdHi(view, 0), readIdLo(view, 0)]);
            } else if (op.kind === 'free') {
              const slots = [...live.keys()];
              if (slots.length === 0) continue;
              const slot = slots[op.pick % slots.length] as number;
              dead.push(live.get(slot) as [number, number]);
              live.delete(slot);
              ids.free(slot);
            } else if (op.stale && dead.length > 0) {
              const [hi, lo] = dead[op.pick % dead.length] as [number, number];
              const current = live.get(lo);
              const expected = current !== undefined && current[0] === hi ? lo : ID_STALE;
              expect(ids.resolve(hi, lo)).toBe(expected);
            } else if (live.size > 0) {
              const entries = [...live.entries()];
              const [slot, [hi, lo]] = entries[op.pick % entries.length] as [number, [number, number]];
              expect(ids.resolve(hi, lo)).toBe(slot);
              const foreignHi = otherWorker * 2 ** 24 + (hi & TRANSFER_GENERATION_MASK);
              expect(ids.resolve(foreignHi, lo)).toBe(otherWorker === workerId ? slot : ID_FOREIGN);
            }
          }
          expect(ids.liveCount).toBe(live.size);
        },
      ),
    );
  });

  it('validates the worker id', () => {
    expect(() => new TransferIdAllocator({ workerId: 256, capacity: 1 })).toThrow(InvalidArgumentError);
    expect(() => new TransferIdAllocator({ workerId: -1, capacity: 1 })).toThrow(InvalidArgumentError);
    expect(() => new TransferIdAllocator({ workerId: 0.5, capacity: 1 })).toThrow(InvalidArgumentError);
  });
});

describe('BufferIdAllocator', () => {
  it('hands out (generation, sequence) ids, resolves them until freed, and never makes (0, 0) live', () => {
    const buffers = new BufferIdAllocator({ capacity: 2 });
    expect(buffers.resolve(0, 0)).toBe(ID_STALE);
    const slot = buffers.allocate();
    const hi = buffers.idHi(slot);
    const lo = buffers.idLo(slot);
    expect([hi, lo]).toEqual([1, 0]);
    expect(buffers.resolve(0, 0)).toBe(ID_STALE);
    expect(buffers.resolve(hi, lo)).toBe(slot);
    expect(buffers.liveCount).toBe(1);
    buffers.free(slot);
    expect(buffers.resolve(hi, lo)).toBe(ID_STALE);
    expect(buffers.allocate()).toBe(1);
    expect(buffers.allocate()).toBe(slot);
    expect(buffers.idHi(slot)).toBe(2);
    expect(buffers.allocate()).toBe(SLOT_NONE);
    expect(buffers.capacity).toBe(2);
    expect(buffers.resolve(2, 7)).toBe(ID_STALE);
    expect(buffers.resolve(2 + 2 ** 32, 0)).toBe(ID_STALE);
  });
});
