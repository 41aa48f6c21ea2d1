/**
 * Tests of the 8-level priority queue: a model-based test against a naive reference (one array
 * scanned by (priority, sequence), with the anti-starvation rule computed independently), ordering
 * properties (strict priority, bounded wait under anti-starvation) and edge cases.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AssertionError,
  InvalidArgumentError,
  PRIORITY_LEVEL_COUNT,
  PRIORITY_QUEUE_ANTI_STARVATION_EVERY_DEFAULT,
  PriorityQueue,
  type PriorityQueueOptions,
} from '../src/index.js';

const LONG = process.env.DCQ_LONG_TESTS !== undefined;

/** Naive reference: every queued entry in one array; decisions by linear scans. */
class ModelQueue {
  readonly entries: { id: number; priority: number; sequence: number }[] = [];
  nextSequence = 0;
  countdown: number;
  antiStarvationPops = 0;

  constructor(
    readonly capacity: number,
    readonly every: number,
  ) {
    this.countdown = every;
  }

  validId(id: number): boolean {
    return Number.isInteger(id) && id >= 0 && id < this.capacity;
  }

  find(id: number): number {
    return this.entries.findIndex((e) => e.id === id);
  }

  push(id: number, priority: number): void {
    this.entries.push({ id, priority, sequence: this.nextSequence++ });
  }

  /** Which entry index the next pop serves, and whether it is an anti-starvation pop. */
  choose(): { index: number; oldest: boolean } {
    if (this.entries.length === 0) return { index: -1, oldest: false };
    const highest = Math.min(...this.entries.map((e) => e.priority));
    const contended = this.entries.some((e) => e.priority !== highest);
    const oldest = contended && this.every !== 0 && this.countdown === 1;
    let best = -1;
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i] as { priority: number; sequence: number };
      const eligible = oldest ? e.priority !== highest : e.priority === highest;
      if (eligible && (best === -1 || e.sequence < (this.entries[best] as { sequence: number }).sequence)) best = i;
    }
    return { index: best, oldest };
  }

  peek(): number {
    const { index } = this.choose();
    return index === -1 ? -1 : (this.entries[index] as { id: number }).id;
  }

  pop(): number {
    const { index, oldest } = this.choose();
    if (index === -1) return -1;
    const highest = Math.min(...this.entries.map((e) => e.priority));
    if (this.every !== 0 && this.entries.some((e) => e.priority !== highest)) {
      this.countdown = this.countdown === 1 ? this.every : this.countdown - 1;
    }
    if (oldest) this.antiStarvationPops++;
    const [entry] = this.entries.splice(index, 1);
    return (entry as { id: number }).id;
  }

  priorityOf(id: number): number {
    const index = this.find(id);
    return index === -1 ? -1 : (this.entries[index] as { priority: number }).priority;
  }

  sizeOf(level: number): number {
    return this.entries.filter((e) => e.priority === level).length;
  }

  clear(): void {
    this.entries.length = 0;
    this.nextSequence = 0;
    this.countdown = this.every;
    this.antiStarvationPops = 0;
  }
}

type Op =
  | { kind: 'push'; id: number; priority: number }
  | { kind: 'pop' }
  | { kind: 'peek' }
  | { kind: 'remove'; id: number }
  | { kind: 'change'; id: number; priority: number }
  | { kind: 'clear' };

/** Priorities skewed towards a few levels so several levels are often non-empty at once. */
const priorityArb = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 7 }) },
  { weight: 2, arbitrary: fc.constantFrom(0, 3, 7) },
);

/** Random operations on ids 0..idMax; `fill` biases towards pushes (long queues) and drops `clear`. */
function opArb(idMax: number, fill = false): fc.Arbitrary<Op> {
  const id = fc.integer({ min: 0, max: idMax });
  return fc.oneof(
    { weight: fill ? 9 : 6, arbitrary: fc.record({ kind: fc.constant('push' as const), id, priority: priorityArb }) },
    { weight: 5, arbitrary: fc.constant({ kind: 'pop' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'peek' as const }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), id }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('change' as const), id, priority: priorityArb }) },
    { weight: fill ? 0 : 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
  );
}

function expectSameState(queue: PriorityQueue, model: ModelQueue): void {
  // Gather everything first and compare once: one expect per field keeps long runs fast.
  const modelLevelSizes = new Array<number>(PRIORITY_LEVEL_COUNT).fill(0);
  const modelPriorities = new Array<number>(model.capacity).fill(-1);
  for (const entry of model.entries) {
    modelLevelSizes[entry.priority] = (modelLevelSizes[entry.priority] as number) + 1;
    modelPriorities[entry.id] = entry.priority;
  }
  let modelBitmap = 0;
  modelLevelSizes.forEach((n, level) => {
    if (n > 0) modelBitmap |= 1 << level;
  });
  const levelSizes = modelLevelSizes.map((_, level) => queue.sizeOf(level));
  const priorities = modelPriorities.map((_, id) => queue.priorityOf(id));
  const queued = modelPriorities.map((_, id) => queue.has(id));
  expect({
    size: queue.size,
    levelSizes,
    bitmap: queue.levelBitmap,
    priorities,
    queued,
    peek: queue.peek(),
    antiStarvationPops: queue.antiStarvationPops,
  }).toEqual({
    size: model.entries.length,
    levelSizes: modelLevelSizes,
    bitmap: modelBitmap,
    priorities: modelPriorities,
    queued: modelPriorities.map((p) => p !== -1),
    peek: model.peek(),
    antiStarvationPops: model.antiStarvationPops,
  });
  queue.assertInvariants();
}

function applyOp(queue: PriorityQueue, model: ModelQueue, op: Op): void {
  switch (op.kind) {
    case 'push':
      if (!model.validId(op.id) || model.find(op.id) !== -1) {
        expect(() => queue.push(op.id, op.priority)).toThrow(InvalidArgumentError);
      } else {
        queue.push(op.id, op.priority);
        model.push(op.id, op.priority);
      }
      return;
    case 'pop':
      expect(queue.pop()).toBe(model.pop());
      return;
    case 'peek':
      expect(queue.peek()).toBe(model.peek());
      return;
    case 'remove':
      if (!model.validId(op.id)) {
        expect(() => queue.remove(op.id)).toThrow(InvalidArgumentError);
      } else {
        const index = model.find(op.id);
        expect(queue.remove(op.id)).toBe(index !== -1);
        if (index !== -1) model.entries.splice(index, 1);
      }
      return;
    case 'change':
      if (!model.validId(op.id)) {
        expect(() => queue.changePriority(op.id, op.priority)).toThrow(InvalidArgumentError);
      } else {
        const index = model.find(op.id);
        expect(queue.changePriority(op.id, op.priority)).toBe(index !== -1);
        if (index !== -1 && model.priorityOf(op.id) !== op.priority) {
          model.entries.splice(index, 1);
          model.push(op.id, op.priority);
        }
      }
      return;
    case 'clear':
      queue.clear();
      model.clear();
      return;
  }
}

function runModel(capacity: number, every: number, sequenceLimit: number | undefined, ops: readonly Op[]): void {
  const options: PriorityQueueOptions =
    sequenceLimit === undefined
      ? { capacity, antiStarvationEvery: every }
      : { capacity, antiStarvationEvery: every, sequenceLimit };
  const queue = new PriorityQueue(options);
  const model = new ModelQueue(capacity, every);
  for (const op of ops) {
    applyOp(queue, model, op);
    expectSameState(queue, model);
  }
}

describe('PriorityQueue model-based', () => {
  it('matches the naive reference on random push/pop/peek/remove/changePriority/clear sequences', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.constantFrom(0, 2, 3, 5, 16),
        fc.boolean(),
        fc.array(opArb(11), { maxLength: 200, size: 'max' }),
        (capacity, every, smallSequenceLimit, ops) => {
          // A tiny sequence limit forces frequent renumbering, which must not change any order.
          runModel(capacity, every, smallSequenceLimit ? capacity + 1 : undefined, ops);
        },
      ),
      { numRuns: LONG ? 5000 : 500 },
    );
  });

  it('matches the naive reference with long queues', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0, 2, 4, 16),
        fc.boolean(),
        fc.array(opArb(63, true), { minLength: 200, maxLength: 800, size: 'max' }),
        (every, smallSequenceLimit, ops) => runModel(64, every, smallSequenceLimit ? 100 : undefined, ops),
      ),
      // Shrinking hundreds of operations is slow: report the failing seed and case unshrunk.
      { numRuns: LONG ? 1000 : 60, endOnFailure: true },
    );
  });
});

describe('PriorityQueue ordering properties', () => {
  it('with strict priority never pops an entry while a higher-priority entry waits, FIFO within a level', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), priorityArb, fc.nat(31)), { maxLength: 400, size: 'max' }),
        (steps) => {
          const capacity = 32;
          const queue = new PriorityQueue({ capacity, antiStarvationEvery: 0 });
          // Oracle kept by the test itself: per-level counts, each id's priority and push order.
          const counts = new Array<number>(PRIORITY_LEVEL_COUNT).fill(0);
          const priorityById = new Array<number>(capacity).fill(-1);
          const pushOrder = new Array<number>(capacity).fill(-1);
          const lastPoppedOrder = new Array<number>(PRIORITY_LEVEL_COUNT).fill(-1);
          let pushes = 0;
          for (const [isPush, priority, id] of steps) {
            if (isPush) {
              if (priorityById[id] !== -1) continue;
              queue.push(id, priority);
              priorityById[id] = priority;
              pushOrder[id] = pushes++;
              counts[priority] = (counts[priority] as number) + 1;
            } else {
              const popped = queue.pop();
              const highestWaiting = counts.findIndex((n) => n > 0);
              if (highestWaiting === -1) {
                expect(popped).toBe(-1);
                continue;
              }
              const level = priorityById[popped] as number;
              expect(level).toBe(highestWaiting);
              expect(pushOrder[popped]).toBeGreaterThan(lastPoppedOrder[level] as number);
              lastPoppedOrder[level] = pushOrder[popped] as number;
              counts[level] = (counts[level] as number) - 1;
              priorityById[popped] = -1;
            }
          }
        },
      ),
      { numRuns: LONG ? 2000 : 200 },
    );
  });

  /**
   * Bound: under a continuous stream of priority-0 pushes (one before every pop), level 0 is
   * never empty, so every pop while E (priority 7) waits is contended, anti-starvation pops come
   * every N pops (the first within N), and each serves the oldest entry of levels 1..7 — one of
   * the K entries of levels 1..7 already queued when E was pushed, or E itself (later pushes are
   * priority 0). Hence E is popped within (K + 1)·N pops, exactly (K + 1)·N on a fresh queue.
   */
  it('with share 1/N pops a waiting priority-7 entry within (K+1)·N pops under a priority-0 stream', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 24 }),
        fc.array(fc.integer({ min: 0, max: 7 }), { maxLength: 12, size: 'max' }),
        fc.nat(20),
        (every, initialPriorities, warmupPops) => {
          const capacity = 64;
          const queue = new PriorityQueue({ capacity, antiStarvationEvery: every });
          const free: number[] = [];
          for (let id = capacity - 1; id >= 0; id--) free.push(id);
          const take = (): number => free.pop() as number;
          for (const priority of initialPriorities) queue.push(take(), priority);
          // Warm-up pops move the anti-starvation phase away from its start.
          for (let i = 0; i < warmupPops; i++) {
            const popped = queue.pop();
            if (popped !== -1) free.push(popped);
          }
          let olderLowerEntries = 0;
          for (let level = 1; level < PRIORITY_LEVEL_COUNT; level++) olderLowerEntries += queue.sizeOf(level);
          const e = take();
          queue.push(e, 7);
          const bound = (olderLowerEntries + 1) * every;
          let pops = 0;
          for (;;) {
            queue.push(take(), 0);
            const popped = queue.pop();
            pops++;
            if (popped === e) break;
            free.push(popped);
            expect(pops).toBeLessThan(bound);
          }
          expect(pops).toBeLessThanOrEqual(bound);
          if (warmupPops === 0) expect(pops).toBe(bound);
        },
      ),
      { numRuns: LONG ? 2000 : 200 },
    );
  });

  it('anti-starvation serves the oldest entry of the non-highest levels, not the next level head', () => {
    const queue = new PriorityQueue({ capacity: 8, antiStarvationEvery: 2 });
    queue.push(0, 6); // oldest lower entry
    queue.push(1, 1);
    queue.push(2, 0);
    queue.push(3, 0);
    expect(queue.pop()).toBe(2); // contended pop 1: strict
    expect(queue.peek()).toBe(0);
    expect(queue.pop()).toBe(0); // contended pop 2: oldest of levels 1..7 is id 0 at level 6
    expect(queue.antiStarvationPops).toBe(1);
    expect(queue.pop()).toBe(3);
    expect(queue.pop()).toBe(1); // uncontended pops do not advance the phase
    expect(queue.pop()).toBe(-1);
  });

  it('uncontended pops do not consume the anti-starvation share', () => {
    const queue = new PriorityQueue({ capacity: 8, antiStarvationEvery: 3 });
    for (let i = 0; i < 5; i++) {
      queue.push(0, 0);
      expect(queue.pop()).toBe(0);
    }
    queue.push(0, 0);
    queue.push(1, 0);
    queue.push(2, 0);
    queue.push(3, 5);
    expect(queue.pop()).toBe(0);
    expect(queue.pop()).toBe(1);
    expect(queue.pop()).toBe(3); // 3rd contended pop
    expect(queue.pop()).toBe(2);
  });

  it('defaults to one contended pop in 16', () => {
    const queue = new PriorityQueue({ capacity: 32 });
    expect(queue.antiStarvationEvery).toBe(PRIORITY_QUEUE_ANTI_STARVATION_EVERY_DEFAULT);
    queue.push(31, 7);
    for (let id = 0; id < 16; id++) queue.push(id, 0);
    for (let i = 0; i < 15; i++) expect(queue.pop()).toBe(i);
    expect(queue.pop()).toBe(31);
  });
});

describe('PriorityQueue edge cases', () => {
  it('pop and peek on an empty queue return -1', () => {
    const queue = new PriorityQueue({ capacity: 4 });
    expect(queue.pop()).toBe(-1);
    expect(queue.peek()).toBe(-1);
    expect(queue.size).toBe(0);
    expect(queue.levelBitmap).toBe(0);
  });

  it('at capacity every id is queued: pushing again or out of range throws, state is unchanged', () => {
    const queue = new PriorityQueue({ capacity: 3, antiStarvationEvery: 0 });
    queue.push(0, 2);
    queue.push(1, 0);
    queue.push(2, 7);
    expect(queue.size).toBe(3);
    for (const id of [0, 1, 2]) expect(() => queue.push(id, 1)).toThrow(InvalidArgumentError);
    for (const id of [3, -1, 1.5, Number.NaN, 2 ** 32]) expect(() => queue.push(id, 1)).toThrow(InvalidArgumentError);
    expect(queue.size).toBe(3);
    queue.assertInvariants();
    expect([queue.pop(), queue.pop(), queue.pop(), queue.pop()]).toEqual([1, 0, 2, -1]);
  });

  it('rejects priorities outside 0..7', () => {
    const queue = new PriorityQueue({ capacity: 2 });
    for (const priority of [-1, 8, 1.5, Number.NaN, 2 ** 32 + 1]) {
      expect(() => queue.push(0, priority)).toThrow(InvalidArgumentError);
      expect(() => queue.sizeOf(priority)).toThrow(InvalidArgumentError);
    }
    queue.push(0, 3);
    expect(() => queue.changePriority(0, 8)).toThrow(InvalidArgumentError);
    expect(queue.priorityOf(0)).toBe(3);
    expect(queue.size).toBe(1);
  });

  it('rejects invalid options', () => {
    for (const capacity of [0, -1, 1.5, Number.NaN, 2 ** 26 + 1]) {
      expect(() => new PriorityQueue({ capacity })).toThrow(InvalidArgumentError);
    }
    for (const antiStarvationEvery of [1, -1, 2.5, Number.NaN, 2 ** 30 + 1]) {
      expect(() => new PriorityQueue({ capacity: 4, antiStarvationEvery })).toThrow(InvalidArgumentError);
    }
    for (const sequenceLimit of [4, 2.5, 2 ** 53]) {
      expect(() => new PriorityQueue({ capacity: 4, sequenceLimit })).toThrow(InvalidArgumentError);
    }
    expect(new PriorityQueue({ capacity: 4, antiStarvationEvery: 0, sequenceLimit: 5 }).capacity).toBe(4);
  });

  it('removes the head, the tail, a middle entry and the only entry of a level', () => {
    const queue = new PriorityQueue({ capacity: 8, antiStarvationEvery: 0 });
    for (let id = 0; id < 5; id++) queue.push(id, 4);
    queue.push(5, 6);
    expect(queue.remove(0)).toBe(true); // head
    expect(queue.remove(4)).toBe(true); // tail
    expect(queue.remove(2)).toBe(true); // middle
    expect(queue.sizeOf(4)).toBe(2);
    expect(queue.remove(5)).toBe(true); // only entry of level 6
    expect(queue.sizeOf(6)).toBe(0);
    expect(queue.levelBitmap).toBe(1 << 4);
    queue.assertInvariants();
    expect([queue.pop(), queue.pop(), queue.pop()]).toEqual([1, 3, -1]);
    expect(queue.levelBitmap).toBe(0);
  });

  it('remove of a non-queued id returns false; of an out-of-range id throws', () => {
    const queue = new PriorityQueue({ capacity: 4 });
    expect(queue.remove(2)).toBe(false);
    queue.push(2, 1);
    expect(queue.remove(2)).toBe(true);
    expect(queue.remove(2)).toBe(false);
    expect(() => queue.remove(4)).toThrow(InvalidArgumentError);
    expect(() => queue.has(-1)).toThrow(InvalidArgumentError);
    expect(() => queue.priorityOf(4)).toThrow(InvalidArgumentError);
    expect(queue.priorityOf(2)).toBe(-1);
    expect(queue.has(2)).toBe(false);
  });

  it('changePriority moves to the tail of the new level with a fresh age; same level is a no-op', () => {
    const queue = new PriorityQueue({ capacity: 8, antiStarvationEvery: 0 });
    queue.push(0, 2);
    queue.push(1, 2);
    queue.push(2, 5);
    queue.push(3, 5);
    expect(queue.changePriority(2, 2)).toBe(true);
    expect(queue.changePriority(0, 2)).toBe(true); // same level: keeps its place at the head
    expect(queue.changePriority(7, 1)).toBe(false); // not queued
    expect(queue.has(7)).toBe(false);
    expect(queue.priorityOf(2)).toBe(2);
    expect([queue.pop(), queue.pop(), queue.pop(), queue.pop()]).toEqual([0, 1, 2, 3]);
  });

  it('changePriority loses the age for anti-starvation', () => {
    const queue = new PriorityQueue({ capacity: 8, antiStarvationEvery: 2 });
    queue.push(0, 3); // oldest
    queue.push(1, 5);
    queue.push(2, 0);
    queue.push(3, 0);
    queue.changePriority(0, 4); // now younger than id 1
    expect(queue.pop()).toBe(2);
    expect(queue.pop()).toBe(1);
  });

  it('clear empties the queue and restarts the anti-starvation phase', () => {
    const queue = new PriorityQueue({ capacity: 8, antiStarvationEvery: 2 });
    queue.push(0, 7);
    queue.push(1, 0);
    queue.push(2, 0);
    expect(queue.pop()).toBe(1);
    queue.clear();
    expect(queue.size).toBe(0);
    expect(queue.has(0)).toBe(false);
    expect(queue.pop()).toBe(-1);
    queue.assertInvariants();
    queue.push(0, 7);
    queue.push(1, 0);
    queue.push(2, 0);
    expect(queue.pop()).toBe(1); // phase restarted: this is contended pop 1, not 2
    expect(queue.pop()).toBe(0);
  });

  it('renumbers sequences at the limit without changing the order', () => {
    const queue = new PriorityQueue({ capacity: 4, antiStarvationEvery: 2, sequenceLimit: 5 });
    queue.push(0, 6);
    queue.push(1, 6);
    queue.push(2, 3);
    for (let round = 0; round < 20; round++) {
      queue.push(3, 0); // every other push hits the limit and renumbers 0, 1, 2
      expect(queue.remove(3)).toBe(true);
      queue.assertInvariants();
    }
    queue.push(3, 0);
    expect(queue.pop()).toBe(3); // contended pop 1: strict
    expect(queue.peek()).toBe(0); // contended pop 2: id 0 is still the oldest of levels 3..7
    expect(queue.pop()).toBe(0);
    expect([queue.pop(), queue.pop(), queue.pop()]).toEqual([2, 1, -1]);
  });

  it('assertInvariants detects corruption', () => {
    const queue = new PriorityQueue({ capacity: 4 });
    queue.push(0, 1);
    queue.push(1, 1);
    // Corrupt a private link array to show the check can fail.
    (queue as unknown as { prevOf: Int32Array }).prevOf[1] = 3;
    expect(() => queue.assertInvariants()).toThrow(AssertionError);
  });

  it('holds a large queue without per-entry objects', () => {
    const capacity = 100_000;
    const queue = new PriorityQueue({ capacity, antiStarvationEvery: 0 });
    for (let id = 0; id < capacity; id++) queue.push(id, 7 - (id % 8));
    expect(queue.size).toBe(capacity);
    for (let level = 0; level < 8; level++) expect(queue.sizeOf(level)).toBe(capacity / 8);
    // Strict order: level by level, FIFO (ascending ids) within a level.
    let inOrder = true;
    let previousLevel = 0;
    let previousId = -1;
    for (let i = 0; i < capacity; i++) {
      const id = queue.pop();
      const level = 7 - (id % 8);
      if (level < previousLevel || (level === previousLevel && id <= previousId)) inOrder = false;
      previousLevel = level;
      previousId = id;
    }
    expect(inOrder).toBe(true);
    expect(queue.pop()).toBe(-1);
  });
});
