import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError, InvalidArgumentError } from '../src/errors.js';
import { EventQueue } from '../src/testing/index.js';

type Op = { readonly op: 'push'; readonly timeUs: number; readonly kind: number } | { readonly op: 'pop' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('push' as const),
      // Few distinct times so that ties (the stability rule) are common.
      timeUs: fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 2 ** 40 })),
      kind: fc.integer({ min: -5, max: 5 }),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ op: 'pop' as const }) },
);

describe('EventQueue', () => {
  it('behaves like a stable sorted list (model-based, random push/pop sequences)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(opArb, { maxLength: 300 }), (capacity, ops) => {
        const queue = new EventQueue(capacity);
        // Model: entries kept sorted by (time, insertion number).
        const model: { timeUs: number; sequence: number; kind: number; target: number }[] = [];
        let sequence = 0;
        for (const op of ops) {
          if (op.op === 'push') {
            const target = sequence;
            const accepted = queue.push(op.timeUs, op.kind, target);
            expect(accepted).toBe(model.length < capacity);
            if (accepted) {
              model.push({ timeUs: op.timeUs, sequence, kind: op.kind, target });
              model.sort((a, b) => a.timeUs - b.timeUs || a.sequence - b.sequence);
            }
            sequence++;
          } else if (model.length > 0) {
            const head = model.shift() as (typeof model)[number];
            expect(queue.peekTimeUs()).toBe(head.timeUs);
            expect(queue.peekKind()).toBe(head.kind);
            expect(queue.peekTarget()).toBe(head.target);
            queue.pop();
          } else {
            expect(queue.peekTimeUs()).toBe(Number.POSITIVE_INFINITY);
            expect(() => queue.pop()).toThrow(AssertionError);
          }
          expect(queue.size).toBe(model.length);
          expect(queue.peekTimeUs()).toBe(model[0]?.timeUs ?? Number.POSITIVE_INFINITY);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps insertion order among equal times across heap reshuffles', () => {
    const queue = new EventQueue(1000);
    for (let i = 0; i < 1000; i++) expect(queue.push(i % 7, 0, i)).toBe(true);
    expect(queue.push(0, 0, 0)).toBe(false); // full
    let lastTime = -1;
    let lastTarget = -1;
    while (queue.size > 0) {
      const time = queue.peekTimeUs();
      const target = queue.peekTarget();
      if (time === lastTime) expect(target).toBeGreaterThan(lastTarget);
      else expect(time).toBeGreaterThan(lastTime);
      lastTime = time;
      lastTarget = target;
      queue.pop();
    }
  });

  it('clear empties it and later pushes still order stably', () => {
    const queue = new EventQueue(4);
    queue.push(5, 1, 1);
    queue.push(5, 1, 2);
    queue.clear();
    expect(queue.size).toBe(0);
    queue.push(3, 0, 10);
    queue.push(3, 0, 11);
    expect(queue.peekTarget()).toBe(10);
    queue.pop();
    expect(queue.peekTarget()).toBe(11);
  });

  it('rejects bad capacities, NaN times and peeks at an empty queue', () => {
    expect(() => new EventQueue(0)).toThrow(InvalidArgumentError);
    expect(() => new EventQueue(1.5)).toThrow(InvalidArgumentError);
    expect(() => new EventQueue(2 ** 26 + 1)).toThrow(InvalidArgumentError);
    const queue = new EventQueue(2);
    expect(() => queue.push(Number.NaN, 0, 0)).toThrow(AssertionError);
    expect(() => queue.peekKind()).toThrow(AssertionError);
    expect(() => queue.peekTarget()).toThrow(AssertionError);
  });
});
