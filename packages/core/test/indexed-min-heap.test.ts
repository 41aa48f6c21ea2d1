/**
 * IndexedMinHeap against a reference model (a map id → (key, tie), minimum by scan): random set /
 * move / remove / clear sequences keep first(), size, has() and keyOf() equal to the model.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../src/errors.js';
import { IndexedMinHeap } from '../src/indexed-min-heap.js';

type Op = { kind: 'set'; id: number; key: number; tie: number } | { kind: 'remove'; id: number } | { kind: 'clear' };

const CAPACITY = 16;
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('set' as const),
      id: fc.integer({ min: 0, max: CAPACITY - 1 }),
      key: fc.integer({ min: -3, max: 3 }),
      tie: fc.integer({ min: 0, max: 3 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('remove' as const), id: fc.integer({ min: -1, max: CAPACITY }) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
);

function modelFirst(model: Map<number, [number, number]>): number {
  let best = -1;
  for (const [id, [k, t]] of model) {
    const b = model.get(best);
    if (b === undefined || k < b[0] || (k === b[0] && (t < b[1] || (t === b[1] && id < best)))) best = id;
  }
  return best;
}

describe('IndexedMinHeap', () => {
  it('matches the reference model under random set / move / remove / clear', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => {
        const heap = new IndexedMinHeap(CAPACITY);
        const model = new Map<number, [number, number]>();
        for (const op of ops) {
          if (op.kind === 'set') {
            heap.set(op.id, op.key, op.tie);
            model.set(op.id, [op.key, op.tie]);
          } else if (op.kind === 'remove') {
            expect(heap.remove(op.id)).toBe(model.delete(op.id));
          } else {
            heap.clear();
            model.clear();
          }
          expect(heap.size).toBe(model.size);
          const first = heap.first();
          const expected = modelFirst(model);
          // Equal (key, tie) pairs may come out in either order: compare the pair, not the id.
          if (expected < 0) expect(first).toBe(-1);
          else expect(model.get(first)).toEqual(model.get(expected));
          for (let id = 0; id < CAPACITY; id++) {
            expect(heap.has(id)).toBe(model.has(id));
            if (model.has(id)) expect(heap.keyOf(id)).toBe(model.get(id)?.[0]);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('validates its capacity and ignores out-of-range removes', () => {
    expect(() => new IndexedMinHeap(0)).toThrow(InvalidArgumentError);
    expect(() => new IndexedMinHeap(2 ** 26 + 1)).toThrow(InvalidArgumentError);
    const heap = new IndexedMinHeap(2);
    expect(heap.remove(-1)).toBe(false);
    expect(heap.remove(2)).toBe(false);
    expect(heap.first()).toBe(-1);
  });
});
