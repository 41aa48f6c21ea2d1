/**
 * `pq`: the @dcq/core 8-level priority queue (bitmap + intrusive FIFO lists, O(1)) against a
 * binary heap keyed by (priority, sequence) on typed arrays, the usual scheduler queue.
 *
 * Workload: N ids stay queued (one per "ready transfer slot"); each step pushes the id freed by
 * the previous step at a priority drawn from a skewed distribution (most work at high priority,
 * a tail at low priority; see PRIORITY_WEIGHTS) and pops one id. The priorities come from a
 * seeded xorshift32, precomputed into a Uint8Array, so both contenders see the same sequence and
 * PRNG cost is excluded. Ops counted: each push and each pop. The candidate runs with its default
 * anti-starvation share (1 contended pop in 16 serves the oldest lower-priority entry); a strict
 * run is reported in `details`. Before timing, a strict queue and the heap are checked to pop the
 * same ids in the same order (the heap's order is exactly strict priority + FIFO).
 */
import { PRIORITY_QUEUE_ANTI_STARVATION_EVERY_DEFAULT, PriorityQueue } from '@dcq/core';
import { BinaryHeapPriorityQueue } from '../baselines/binary-heap.js';
import { type Benchmark, type BenchOptions, type BenchOutcome, compareRates, rateOptions } from '../harness.js';

const SEQUENCE_LENGTH = 1 << 20;
const SEQUENCE_MASK = SEQUENCE_LENGTH - 1;
/** Steps (one push + one pop each) per timed body call. */
const STEPS_PER_CALL = 4096;
const SEED = 0x2545_f491;
/** Relative frequency of priorities 0..7: skewed towards high priority (≈ 40 % level 0, 2 % level 7). */
const PRIORITY_WEIGHTS = [40, 22, 14, 9, 6, 4, 3, 2] as const;
const VERIFY_STEPS = 20_000;

function makePriorities(seed: number): Uint8Array {
  let x = seed >>> 0 || 1;
  const total = PRIORITY_WEIGHTS.reduce((sum, weight) => sum + weight, 0);
  const priorities = new Uint8Array(SEQUENCE_LENGTH);
  for (let i = 0; i < SEQUENCE_LENGTH; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    let draw = (x / 2 ** 32) * total;
    let level = 0;
    while (level < PRIORITY_WEIGHTS.length - 1 && draw >= (PRIORITY_WEIGHTS[level] as number)) {
      draw -= PRIORITY_WEIGHTS[level] as number;
      level++;
    }
    priorities[i] = level;
  }
  return priorities;
}

/** One contender's running state: the free id and the position in the priority sequence. */
interface DriverState {
  readonly priorities: Uint8Array;
  freeId: number;
  cursor: number;
}

// The two drivers are identical except for the queue's type: separate functions keep every call
// site monomorphic, so neither contender pays for the other's shape.

function fillQueue(state: DriverState, queue: PriorityQueue, queued: number): void {
  for (let id = 0; id < queued; id++) queue.push(id, state.priorities[state.cursor++ & SEQUENCE_MASK] as number);
  state.freeId = queued;
}

function driveQueue(state: DriverState, queue: PriorityQueue, steps: number): number {
  const priorities = state.priorities;
  let cursor = state.cursor;
  let freeId = state.freeId;
  for (let step = 0; step < steps; step++) {
    queue.push(freeId, priorities[cursor++ & SEQUENCE_MASK] as number);
    freeId = queue.pop();
  }
  state.cursor = cursor;
  state.freeId = freeId;
  return 2 * steps;
}

function fillHeap(state: DriverState, heap: BinaryHeapPriorityQueue, queued: number): void {
  for (let id = 0; id < queued; id++) heap.push(id, state.priorities[state.cursor++ & SEQUENCE_MASK] as number);
  state.freeId = queued;
}

function driveHeap(state: DriverState, heap: BinaryHeapPriorityQueue, steps: number): number {
  const priorities = state.priorities;
  let cursor = state.cursor;
  let freeId = state.freeId;
  for (let step = 0; step < steps; step++) {
    heap.push(freeId, priorities[cursor++ & SEQUENCE_MASK] as number);
    freeId = heap.pop();
  }
  state.cursor = cursor;
  state.freeId = freeId;
  return 2 * steps;
}

/** Throws unless a strict queue and the heap pop the same ids in the same order. */
function verifySameOrder(priorities: Uint8Array, queued: number): void {
  const queue = new PriorityQueue({ capacity: queued + 1, antiStarvationEvery: 0 });
  const heap = new BinaryHeapPriorityQueue({ capacity: queued + 1 });
  const queueState: DriverState = { priorities, freeId: 0, cursor: 0 };
  const heapState: DriverState = { priorities, freeId: 0, cursor: 0 };
  fillQueue(queueState, queue, queued);
  fillHeap(heapState, heap, queued);
  for (let step = 0; step < VERIFY_STEPS; step++) {
    driveQueue(queueState, queue, 1);
    driveHeap(heapState, heap, 1);
    if (queueState.freeId !== heapState.freeId) {
      throw new Error(
        `pq: priority queue and heap disagree at step ${step} (${queueState.freeId} vs ${heapState.freeId})`,
      );
    }
  }
}

interface SizeResult {
  readonly queued: number;
  readonly pqOpsPerSecond: number;
  readonly heapOpsPerSecond: number;
  readonly ratio: number;
  /** Fraction of pops the anti-starvation rule served (candidate run). */
  readonly antiStarvationPopFraction: number;
}

function measureSize(
  priorities: Uint8Array,
  queued: number,
  antiStarvationEvery: number,
  options: BenchOptions,
): SizeResult {
  const queue = new PriorityQueue({ capacity: queued + 1, antiStarvationEvery });
  const heap = new BinaryHeapPriorityQueue({ capacity: queued + 1 });
  const queueState: DriverState = { priorities, freeId: 0, cursor: 0 };
  const heapState: DriverState = { priorities, freeId: 0, cursor: 0 };
  fillQueue(queueState, queue, queued);
  fillHeap(heapState, heap, queued);
  let pops = 0;
  const rates = compareRates(
    () => {
      pops += STEPS_PER_CALL;
      return driveQueue(queueState, queue, STEPS_PER_CALL);
    },
    () => driveHeap(heapState, heap, STEPS_PER_CALL),
    rateOptions(options),
  );
  if (queue.size !== queued || heap.size !== queued) throw new Error('pq: queue size drifted during the run');
  return {
    queued,
    pqOpsPerSecond: Math.round(rates.value),
    heapOpsPerSecond: Math.round(rates.baselineValue),
    ratio: Number((rates.value / rates.baselineValue).toFixed(3)),
    antiStarvationPopFraction: Number((queue.antiStarvationPops / pops).toFixed(4)),
  };
}

/** The `pq` benchmark. */
export const pqBenchmark: Benchmark = {
  name: 'pq',
  group: 'core',
  description: '8-level bitmap priority queue vs a typed-array binary heap keyed by (priority, sequence)',
  run(options: BenchOptions): BenchOutcome {
    const priorities = makePriorities(SEED);
    const mainQueued = options.quick ? 1_000 : 10_000;
    const otherQueued = options.quick ? [100] : [100, 1_000_000];
    verifySameOrder(priorities, options.quick ? 100 : 1_000);
    const every = PRIORITY_QUEUE_ANTI_STARVATION_EVERY_DEFAULT;
    const main = measureSize(priorities, mainQueued, every, options);
    const strict = measureSize(priorities, mainQueued, 0, options);
    const others = otherQueued.map((queued) => measureSize(priorities, queued, every, options));
    return {
      metric: `push+pop ops/s with ${mainQueued} queued ids, skewed priorities`,
      unit: 'ops/s',
      value: main.pqOpsPerSecond,
      baseline: 'typed-array binary heap keyed by (priority, sequence)',
      baselineValue: main.heapOpsPerSecond,
      params: {
        queued: mainQueued,
        priorityWeights: PRIORITY_WEIGHTS,
        antiStarvationEvery: every,
        stepsPerCall: STEPS_PER_CALL,
        opsPerStep: 2,
        seed: SEED,
        quick: options.quick,
      },
      details: {
        sizes: [...others.filter((r) => r.queued < mainQueued), main, ...others.filter((r) => r.queued > mainQueued)],
        strictPriority: strict,
        orderVerifiedSteps: VERIFY_STEPS,
      },
    };
  },
};
