/**
 * PullQueue against a naive reference model: random push / pop / remove sequences, every pop must
 * return exactly what the model picks (lowest level, then fewest remaining bytes, then oldest; every
 * N-th contended pop the oldest of all), and sizes and membership must agree.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PullQueue } from '../src/endpoint/pull-queue.js';
import { InvalidArgumentError } from '../src/errors.js';

interface Entry {
  readonly id: number;
  readonly level: number;
  readonly remaining: number;
  readonly age: number;
}

class Model {
  entries: Entry[] = [];
  age = 0;
  contended = 0;
  constructor(readonly every: number) {}
  push(id: number, level: number, remaining: number): void {
    this.entries.push({ id, level, remaining, age: this.age++ });
  }
  pop(): number {
    if (this.entries.length === 0) return -1;
    const byAge = [...this.entries].sort((a, b) => a.age - b.age);
    const bySize = [...this.entries].sort((a, b) => a.level - b.level || a.remaining - b.remaining || a.age - b.age);
    const turn = this.every !== 0 && this.entries.length >= 2 && (this.contended + 1) % this.every === 0;
    const chosen = (turn ? byAge[0] : bySize[0]) as Entry;
    if (this.entries.length >= 2) this.contended++;
    this.entries = this.entries.filter((e) => e.id !== chosen.id);
    return chosen.id;
  }
  remove(id: number): boolean {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.id !== id);
    return this.entries.length !== before;
  }
}

type Op =
  | { kind: 'push'; id: number; level: number; remaining: number }
  | { kind: 'pop' }
  | { kind: 'remove'; id: number };

const CAPACITY = 24;
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('push' as const),
    id: fc.integer({ min: 0, max: CAPACITY - 1 }),
    level: fc.integer({ min: 0, max: 7 }),
    remaining: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 2 ** 48 - 1 })),
  }),
  fc.constant({ kind: 'pop' as const }),
  fc.record({ kind: fc.constant('remove' as const), id: fc.integer({ min: 0, max: CAPACITY - 1 }) }),
);

describe('PullQueue', () => {
  it('matches the reference model under random operations', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 2, 3, 16), fc.array(opArb, { maxLength: 300 }), (every, ops) => {
        const q = new PullQueue({ capacity: CAPACITY, antiStarvationEvery: every });
        const m = new Model(every);
        for (const op of ops) {
          if (op.kind === 'push') {
            if (q.has(op.id)) continue;
            q.push(op.id, op.level, op.remaining);
            m.push(op.id, op.level, op.remaining);
          } else if (op.kind === 'pop') {
            const peeked = q.peek();
            const got = q.pop();
            expect(got).toBe(peeked);
            expect(got).toBe(m.pop());
          } else {
            expect(q.remove(op.id)).toBe(m.remove(op.id));
          }
          expect(q.size).toBe(m.entries.length);
          for (let id = 0; id < CAPACITY; id++) expect(q.has(id)).toBe(m.entries.some((e) => e.id === id));
        }
        while (m.entries.length > 0) expect(q.pop()).toBe(m.pop());
        expect(q.pop()).toBe(-1);
        expect(q.peek()).toBe(-1);
      }),
      { numRuns: 300 },
    );
  });

  it('serves a level before the next, the shortest remaining first, and the oldest every N-th contended pop', () => {
    const q = new PullQueue({ capacity: 8, antiStarvationEvery: 4 });
    q.push(0, 7, 10); // oldest, lowest level
    q.push(1, 0, 900);
    q.push(2, 0, 100);
    q.push(3, 1, 1);
    expect([q.pop(), q.pop(), q.pop()]).toEqual([2, 1, 3]);
    // Three contended pops so far; a pop of the last entry is not contended.
    expect(q.pop()).toBe(0);
    for (let i = 0; i < 5; i++) q.push(i, 0, 100 - i);
    // The 4th contended pop is the age turn: the oldest (id 0, the longest) goes first, then SRPT.
    expect([q.pop(), q.pop(), q.pop(), q.pop()]).toEqual([0, 4, 3, 2]);
  });

  it('rejects bad options and ignores unknown removes', () => {
    expect(() => new PullQueue({ capacity: 0 })).toThrow(InvalidArgumentError);
    expect(() => new PullQueue({ capacity: 4, antiStarvationEvery: 1 })).toThrow(InvalidArgumentError);
    const q = new PullQueue({ capacity: 4 });
    expect(q.remove(3)).toBe(false);
    expect(q.remove(-1)).toBe(false);
    expect(q.remove(9)).toBe(false);
  });
});
