/**
 * `wheel`: the @dcq/core hierarchical timing wheel against a binary-heap timer queue (index map
 * for cancel/reschedule, typed arrays) under a transport-like timer mix.
 *
 * Workload: L live timers (one per "transfer slot"), deadlines now + 50 µs .. 200 ms,
 * log-uniform (retransmission-timer-like). Each step moves time forward, advances the queue,
 * re-arms every expired timer (poll + schedule), then an "ACK" hits a random slot: half the time
 * its timer is cancelled and a new one scheduled, half the time it is rescheduled. Time advances
 * 150 µs per L steps, which makes ~10 % of timers expire and ~90 % end by cancel/reschedule
 * (measured and reported). The op sequence (slot, delay, cancel-or-reschedule) comes from a seeded
 * xorshift32 and is precomputed into typed arrays, so PRNG cost is excluded and both contenders
 * see the same sequence. Ops counted: schedule, cancel, reschedule and each expired timer.
 */
import { TIMER_NONE, TimingWheel } from '@dcq/core';
import { HEAP_TIMER_NONE, HeapTimerQueue } from '../baselines/heap-timer-queue.js';
import { type Benchmark, type BenchOptions, type BenchOutcome, compareRates, rateOptions } from '../harness.js';

const SEQUENCE_LENGTH = 1 << 20;
const SEQUENCE_MASK = SEQUENCE_LENGTH - 1;
const DELAY_US_MIN = 50;
const DELAY_US_MAX = 200_000;
/** Time that passes while L ACKs arrive: chosen so ~10 % of the log-uniform delays expire first. */
const TURNOVER_US = 150;
/** Steps per timed body call. */
const STEPS_PER_CALL = 4096;
const KIND_RETRANSMIT = 1;
const SEED = 0x9e37_79b9;

/** The precomputed, size-independent part of the op sequence. */
interface Sequence {
  readonly delaysUs: Float64Array;
  /** 0 = cancel + schedule, 1 = reschedule. */
  readonly actions: Uint8Array;
  /** Raw 32-bit randoms, mapped to a slot per size. */
  readonly slotRandoms: Uint32Array;
}

function makeSequence(seed: number): Sequence {
  let x = seed >>> 0 || 1;
  const next = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  const delaysUs = new Float64Array(SEQUENCE_LENGTH);
  const actions = new Uint8Array(SEQUENCE_LENGTH);
  const slotRandoms = new Uint32Array(SEQUENCE_LENGTH);
  const spread = DELAY_US_MAX / DELAY_US_MIN;
  for (let i = 0; i < SEQUENCE_LENGTH; i++) {
    delaysUs[i] = DELAY_US_MIN * spread ** (next() / 2 ** 32);
    actions[i] = next() & 1;
    slotRandoms[i] = next();
  }
  return { delaysUs, actions, slotRandoms };
}

/** One contender's running state: the live handle of every slot, time, position in the sequence. */
interface DriverState {
  readonly liveCount: number;
  readonly handles: Int32Array;
  readonly slots: Int32Array;
  readonly delaysUs: Float64Array;
  readonly actions: Uint8Array;
  readonly stepUs: number;
  nowUs: number;
  cursor: number;
  expired: number;
  acks: number;
  misses: number;
}

function makeState(sequence: Sequence, slots: Int32Array, liveCount: number): DriverState {
  return {
    liveCount,
    handles: new Int32Array(liveCount),
    slots,
    delaysUs: sequence.delaysUs,
    actions: sequence.actions,
    stepUs: TURNOVER_US / liveCount,
    nowUs: 0,
    cursor: 0,
    expired: 0,
    acks: 0,
    misses: 0,
  };
}

// The two drivers are identical except for the queue's type: separate functions keep every call
// site monomorphic, so neither contender pays for the other's shape.

function fillWheel(state: DriverState, wheel: TimingWheel): void {
  for (let slot = 0; slot < state.liveCount; slot++) {
    const delayUs = state.delaysUs[state.cursor++ & SEQUENCE_MASK] as number;
    state.handles[slot] = wheel.schedule(state.nowUs + delayUs, KIND_RETRANSMIT, slot);
  }
}

function driveWheel(state: DriverState, wheel: TimingWheel): number {
  const { handles, slots, delaysUs, actions, stepUs } = state;
  let nowUs = state.nowUs;
  let cursor = state.cursor;
  let ops = 0;
  let expired = 0;
  let misses = 0;
  for (let step = 0; step < STEPS_PER_CALL; step++) {
    nowUs += stepUs;
    wheel.advanceTo(nowUs);
    for (let handle = wheel.pollExpired(); handle !== TIMER_NONE; handle = wheel.pollExpired()) {
      const slot = wheel.targetOf(handle);
      handles[slot] = wheel.schedule(nowUs + (delaysUs[cursor++ & SEQUENCE_MASK] as number), KIND_RETRANSMIT, slot);
      expired++;
    }
    const at = cursor++ & SEQUENCE_MASK;
    const slot = slots[at] as number;
    const deadlineUs = nowUs + (delaysUs[at] as number);
    if (actions[at] === 0) {
      if (!wheel.cancel(handles[slot] as number)) misses++;
      handles[slot] = wheel.schedule(deadlineUs, KIND_RETRANSMIT, slot);
      ops += 2;
    } else {
      if (!wheel.reschedule(handles[slot] as number, deadlineUs)) misses++;
      ops += 1;
    }
  }
  state.nowUs = nowUs;
  state.cursor = cursor;
  state.expired += expired;
  state.acks += STEPS_PER_CALL;
  state.misses += misses;
  return ops + 2 * expired;
}

function fillHeap(state: DriverState, heap: HeapTimerQueue): void {
  for (let slot = 0; slot < state.liveCount; slot++) {
    const delayUs = state.delaysUs[state.cursor++ & SEQUENCE_MASK] as number;
    state.handles[slot] = heap.schedule(state.nowUs + delayUs, KIND_RETRANSMIT, slot);
  }
}

function driveHeap(state: DriverState, heap: HeapTimerQueue): number {
  const { handles, slots, delaysUs, actions, stepUs } = state;
  let nowUs = state.nowUs;
  let cursor = state.cursor;
  let ops = 0;
  let expired = 0;
  let misses = 0;
  for (let step = 0; step < STEPS_PER_CALL; step++) {
    nowUs += stepUs;
    heap.advanceTo(nowUs);
    for (let handle = heap.pollExpired(); handle !== HEAP_TIMER_NONE; handle = heap.pollExpired()) {
      const slot = heap.targetOf(handle);
      handles[slot] = heap.schedule(nowUs + (delaysUs[cursor++ & SEQUENCE_MASK] as number), KIND_RETRANSMIT, slot);
      expired++;
    }
    const at = cursor++ & SEQUENCE_MASK;
    const slot = slots[at] as number;
    const deadlineUs = nowUs + (delaysUs[at] as number);
    if (actions[at] === 0) {
      if (!heap.cancel(handles[slot] as number)) misses++;
      handles[slot] = heap.schedule(deadlineUs, KIND_RETRANSMIT, slot);
      ops += 2;
    } else {
      if (!heap.reschedule(handles[slot] as number, deadlineUs)) misses++;
      ops += 1;
    }
  }
  state.nowUs = nowUs;
  state.cursor = cursor;
  state.expired += expired;
  state.acks += STEPS_PER_CALL;
  state.misses += misses;
  return ops + 2 * expired;
}

interface SizeResult {
  readonly liveTimers: number;
  readonly wheelOpsPerSecond: number;
  readonly heapOpsPerSecond: number;
  readonly ratio: number;
  /** Fraction of timer lifetimes that ended by expiry (the rest by cancel/reschedule). */
  readonly wheelExpiredFraction: number;
  readonly heapExpiredFraction: number;
}

function measureSize(sequence: Sequence, liveCount: number, options: BenchOptions): SizeResult {
  const slots = new Int32Array(SEQUENCE_LENGTH);
  for (let i = 0; i < SEQUENCE_LENGTH; i++) {
    slots[i] = Math.floor(((sequence.slotRandoms[i] as number) / 2 ** 32) * liveCount);
  }
  const wheel = new TimingWheel({ timerCapacity: liveCount, tickUs: 1 });
  const heap = new HeapTimerQueue({ timerCapacity: liveCount });
  const wheelState = makeState(sequence, slots, liveCount);
  const heapState = makeState(sequence, slots, liveCount);
  fillWheel(wheelState, wheel);
  fillHeap(heapState, heap);
  const rates = compareRates(
    () => driveWheel(wheelState, wheel),
    () => driveHeap(heapState, heap),
    rateOptions(options),
  );
  // Every slot always holds a live timer, so no ACK may miss and the queues stay full.
  if (wheelState.misses !== 0 || heapState.misses !== 0 || wheel.size !== liveCount || heap.size !== liveCount) {
    throw new Error(
      `wheel benchmark invariant broken at L=${liveCount}: misses ${wheelState.misses}/${heapState.misses}, sizes ${wheel.size}/${heap.size}`,
    );
  }
  return {
    liveTimers: liveCount,
    wheelOpsPerSecond: Math.round(rates.value),
    heapOpsPerSecond: Math.round(rates.baselineValue),
    ratio: Number((rates.value / rates.baselineValue).toFixed(2)),
    wheelExpiredFraction: Number((wheelState.expired / (wheelState.expired + wheelState.acks)).toFixed(3)),
    heapExpiredFraction: Number((heapState.expired / (heapState.expired + heapState.acks)).toFixed(3)),
  };
}

/** The `wheel` benchmark. */
export const wheelBenchmark: Benchmark = {
  name: 'wheel',
  group: 'core',
  description: 'timing wheel vs binary-heap timer queue: transport-like schedule/cancel/reschedule/expire mix',
  run(options: BenchOptions): BenchOutcome {
    const sizes = options.quick ? [1_000, 10_000] : [1_000, 100_000, 1_000_000];
    const headline = options.quick ? 10_000 : 100_000;
    const sequence = makeSequence(SEED);
    const results: SizeResult[] = [];
    for (const size of sizes) results.push(measureSize(sequence, size, options));
    const main = results.find((r) => r.liveTimers === headline) as SizeResult;
    const smallest = results[0] as SizeResult;
    const largest = results[results.length - 1] as SizeResult;
    return {
      metric: `timer ops/s at ${headline / 1000}k live timers`,
      unit: 'ops/s',
      value: main.wheelOpsPerSecond,
      baseline: 'binary-heap timer queue',
      baselineValue: main.heapOpsPerSecond,
      params: {
        liveTimers: sizes,
        delayUs: `${DELAY_US_MIN}..${DELAY_US_MAX} log-uniform`,
        ackMix: '50% cancel+schedule, 50% reschedule of a random live timer per step',
        turnoverUs: TURNOVER_US,
        tickUs: 1,
        opsCounted: 'schedule, cancel, reschedule, expiry',
        seed: SEED,
      },
      details: {
        sizes: results,
        wheelSlowdownSmallestToLargest: Number((smallest.wheelOpsPerSecond / largest.wheelOpsPerSecond).toFixed(2)),
        heapSlowdownSmallestToLargest: Number((smallest.heapOpsPerSecond / largest.heapOpsPerSecond).toFixed(2)),
      },
    };
  },
};
