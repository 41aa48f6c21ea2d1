/**
 * Tests of the hierarchical timing wheel: a model-based test against a naive reference (a sorted
 * array of pending timers plus a FIFO of due ones, with expiry order compared per tick), a
 * progress property of `nextDeadlineUs`, and edge cases: every cascade boundary, wraparound of
 * each level, deadlines beyond the wheel's span, zero/negative delays, long pauses (asserted on
 * the wheel's slot-visit counters, not on wall-clock time), capacity, stale handles, coarse ticks
 * and absolute times far above 2^32 ticks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  StaleHandleError,
  TIMER_NONE,
  TIMING_WHEEL_CAPACITY_MAX,
  TIMING_WHEEL_SPAN_TICKS,
  TIMING_WHEEL_TIME_US_MAX,
  TimingWheel,
} from '../src/index.js';

const LONG = process.env.DCQ_LONG_TESTS !== undefined;
const SPAN = TIMING_WHEEL_SPAN_TICKS;
/** Times in the random tests stay below this so deadlines never exceed the wheel's maximum. */
const TEST_TIME_US_MAX = 2 ** 53 - 2 ** 40;

interface ModelTimer {
  readonly handle: number;
  deadlineUs: number;
  readonly kind: number;
  readonly target: number;
}

/**
 * Naive reference: pending timers in an array sorted by deadline, due timers in a FIFO whose
 * entries carry a group id (one group per expiry tick of one advance, or per immediate expiry);
 * the wheel may order timers freely within a group but must keep the groups in order.
 */
class ModelWheel {
  pending: ModelTimer[] = [];
  expired: { timer: ModelTimer; group: number }[] = [];
  nowUs: number;
  groupCount = 0;

  constructor(
    readonly tickUs: number,
    startUs: number,
    readonly capacity: number,
  ) {
    this.nowUs = startUs;
  }

  get size(): number {
    return this.pending.length + this.expired.length;
  }

  fireTick(timer: ModelTimer): number {
    return Math.ceil(timer.deadlineUs / this.tickUs);
  }

  nowTick(): number {
    return Math.floor(this.nowUs / this.tickUs);
  }

  place(timer: ModelTimer): void {
    if (timer.deadlineUs <= this.nowUs) {
      this.expired.push({ timer, group: this.groupCount++ });
      return;
    }
    let i = this.pending.length;
    while (i > 0 && (this.pending[i - 1] as ModelTimer).deadlineUs > timer.deadlineUs) i--;
    this.pending.splice(i, 0, timer);
  }

  find(handle: number): ModelTimer | undefined {
    return this.pending.find((t) => t.handle === handle) ?? this.expired.find((x) => x.timer.handle === handle)?.timer;
  }

  remove(handle: number): ModelTimer | undefined {
    const p = this.pending.findIndex((t) => t.handle === handle);
    if (p >= 0) return this.pending.splice(p, 1)[0];
    const x = this.expired.findIndex((e) => e.timer.handle === handle);
    if (x >= 0) return this.expired.splice(x, 1)[0]?.timer;
    return undefined;
  }

  advanceTo(nowUs: number): void {
    if (nowUs <= this.nowUs) return;
    this.nowUs = nowUs;
    const nowTick = this.nowTick();
    let lastTick = Number.NaN;
    while (this.pending.length > 0 && this.fireTick(this.pending[0] as ModelTimer) <= nowTick) {
      const timer = this.pending.shift() as ModelTimer;
      const tick = this.fireTick(timer);
      if (tick !== lastTick) {
        this.groupCount++;
        lastTick = tick;
      }
      this.expired.push({ timer, group: this.groupCount - 1 });
    }
  }

  nextFireUs(): number {
    let best = Number.POSITIVE_INFINITY;
    for (const t of this.pending) best = Math.min(best, this.fireTick(t) * this.tickUs);
    return best;
  }
}

type Op =
  | { readonly op: 'schedule'; readonly delayTicks: number; readonly jitter: number; readonly kind: number }
  | { readonly op: 'cancel'; readonly pick: number }
  | { readonly op: 'reschedule'; readonly pick: number; readonly delayTicks: number; readonly jitter: number }
  | { readonly op: 'advance'; readonly deltaTicks: number; readonly jitter: number }
  | { readonly op: 'advanceToNext' }
  | { readonly op: 'poll'; readonly count: number };

const boundaryTicks = [
  1,
  255,
  256,
  257,
  65_535,
  65_536,
  65_537,
  2 ** 24 - 1,
  2 ** 24,
  2 ** 24 + 1,
  SPAN - 1,
  SPAN,
  SPAN + 1,
];

/** Delays from below zero to far beyond the wheel's span, with extra weight on cascade boundaries. */
const delayTicksArb = fc.oneof(
  fc.integer({ min: -3, max: 300 }),
  fc.integer({ min: 0, max: 2 ** 17 }),
  fc.integer({ min: 0, max: 2 ** 26 }),
  fc.integer({ min: 0, max: 2 ** 34 }),
  fc.integer({ min: 0, max: 2 ** 42 }),
  fc.constantFrom(...boundaryTicks),
);
const deltaTicksArb = fc.oneof(
  fc.integer({ min: 0, max: 300 }),
  fc.integer({ min: 0, max: 2 ** 17 }),
  fc.integer({ min: 0, max: 2 ** 26 }),
  fc.integer({ min: 0, max: 2 ** 34 }),
  fc.integer({ min: 0, max: 2 ** 41 }),
  fc.constantFrom(...boundaryTicks),
);
const jitterArb = fc.nat(1023);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('schedule' as const),
      delayTicks: delayTicksArb,
      jitter: jitterArb,
      kind: fc.integer({ min: 0, max: 15 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('cancel' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('reschedule' as const),
      pick: fc.nat(),
      delayTicks: delayTicksArb,
      jitter: jitterArb,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('advance' as const), deltaTicks: deltaTicksArb, jitter: jitterArb }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'advanceToNext' as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('poll' as const), count: fc.integer({ min: 1, max: 6 }) }) },
);

/** Start ticks near the interesting places: 0, just below 2^32 and 2^40 ticks, a few epochs in. */
const startTicksArb = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 0, max: 2 ** 16 }).map((k) => SPAN - k),
  fc.integer({ min: 0, max: 2 ** 20 }).map((k) => 2 ** 40 - k),
  fc.integer({ min: 0, max: 2 ** 34 }).map((k) => 3 * SPAN + k),
  fc.integer({ min: 0, max: 2 ** 42 }),
);

function checkAgainstModel(wheel: TimingWheel, model: ModelWheel): void {
  expect(wheel.size).toBe(model.size);
  expect(wheel.nowUs).toBe(model.nowUs);
  const next = wheel.nextDeadlineUs();
  if (model.expired.length > 0) {
    expect(next).toBe(model.nowUs);
    return;
  }
  const fireUs = model.nextFireUs();
  if (fireUs === Number.POSITIVE_INFINITY) {
    expect(next).toBe(Number.POSITIVE_INFINITY);
    return;
  }
  // A lower bound, in the future, exact when the earliest timer is in the current level-0 block.
  expect(next).toBeLessThanOrEqual(fireUs);
  expect(next).toBeGreaterThan(model.nowUs);
  expect(Number.isInteger(next / model.tickUs)).toBe(true);
  if (Math.floor(fireUs / model.tickUs / 256) === Math.floor(model.nowTick() / 256)) expect(next).toBe(fireUs);
}

/** Polls one timer from both and checks it belongs to the model's first due group. */
function pollOne(wheel: TimingWheel, model: ModelWheel): boolean {
  const handle = wheel.pollExpired();
  if (handle === TIMER_NONE) {
    expect(model.expired.length).toBe(0);
    return false;
  }
  expect(model.expired.length).toBeGreaterThan(0);
  const at = model.expired.findIndex((x) => x.timer.handle === handle);
  expect(at).toBeGreaterThanOrEqual(0);
  const entry = model.expired[at] as { timer: ModelTimer; group: number };
  expect(entry.group).toBe((model.expired[0] as { group: number }).group);
  model.expired.splice(at, 1);
  // Never early, readable until recycled, no longer active.
  expect(entry.timer.deadlineUs).toBeLessThanOrEqual(wheel.nowUs);
  expect(wheel.kindOf(handle)).toBe(entry.timer.kind);
  expect(wheel.targetOf(handle)).toBe(entry.timer.target);
  expect(wheel.isActive(handle)).toBe(false);
  expect(wheel.cancel(handle)).toBe(false);
  expect(wheel.reschedule(handle, Math.min(wheel.nowUs + 10, TIMING_WHEEL_TIME_US_MAX))).toBe(false);
  return true;
}

function runModel(tickUs: number, startTicks: number, startJitter: number, capacity: number, ops: readonly Op[]): void {
  const startUs = startTicks * tickUs + (startJitter % tickUs);
  const wheel = new TimingWheel({ timerCapacity: capacity, tickUs, startUs });
  const model = new ModelWheel(tickUs, startUs, capacity);
  const handles: number[] = [];
  let targetSeq = 0;
  const deadlineOf = (delayTicks: number, jitter: number) =>
    Math.min(model.nowUs + delayTicks * tickUs + (jitter % tickUs), TEST_TIME_US_MAX);
  for (const op of ops) {
    switch (op.op) {
      case 'schedule': {
        const deadlineUs = deadlineOf(op.delayTicks, op.jitter);
        const target = targetSeq++;
        const handle = wheel.schedule(deadlineUs, op.kind, target);
        if (model.size >= capacity) {
          expect(handle).toBe(TIMER_NONE);
          break;
        }
        expect(handle).toBeGreaterThanOrEqual(0);
        expect(model.find(handle)).toBeUndefined();
        handles.push(handle);
        model.place({ handle, deadlineUs, kind: op.kind, target });
        expect(wheel.isActive(handle)).toBe(true);
        break;
      }
      case 'cancel': {
        if (handles.length === 0) break;
        const handle = handles[op.pick % handles.length] as number;
        const removed = model.remove(handle);
        expect(wheel.cancel(handle)).toBe(removed !== undefined);
        expect(wheel.isActive(handle)).toBe(false);
        break;
      }
      case 'reschedule': {
        if (handles.length === 0) break;
        const handle = handles[op.pick % handles.length] as number;
        const deadlineUs = deadlineOf(op.delayTicks, op.jitter);
        const timer = model.remove(handle);
        expect(wheel.reschedule(handle, deadlineUs)).toBe(timer !== undefined);
        if (timer !== undefined) {
          timer.deadlineUs = deadlineUs;
          model.place(timer);
          expect(wheel.kindOf(handle)).toBe(timer.kind);
        }
        break;
      }
      case 'advance': {
        const nowUs = Math.min(model.nowUs + op.deltaTicks * tickUs + (op.jitter % tickUs), TEST_TIME_US_MAX);
        wheel.advanceTo(nowUs);
        model.advanceTo(nowUs);
        break;
      }
      case 'advanceToNext': {
        const nowUs = wheel.nextDeadlineUs();
        if (nowUs === Number.POSITIVE_INFINITY) break;
        wheel.advanceTo(nowUs);
        model.advanceTo(nowUs);
        break;
      }
      case 'poll': {
        for (let i = 0; i < op.count; i++) if (!pollOne(wheel, model)) break;
        break;
      }
    }
    checkAgainstModel(wheel, model);
  }
  // Drain everything: every remaining timer expires in order, nothing is lost.
  wheel.advanceTo(TIMING_WHEEL_TIME_US_MAX);
  model.advanceTo(TIMING_WHEEL_TIME_US_MAX);
  while (pollOne(wheel, model));
  expect(model.size).toBe(0);
  expect(wheel.size).toBe(0);
  expect(wheel.nextDeadlineUs()).toBe(Number.POSITIVE_INFINITY);
}

describe('TimingWheel model-based', () => {
  it('matches a naive sorted-array model under random schedule/cancel/reschedule/advance/poll', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 1, 1, 7, 1000),
        startTicksArb,
        fc.nat(1023),
        fc.integer({ min: 1, max: 24 }),
        fc.array(opArb, { minLength: 1, maxLength: 80 }),
        (tickUs, startTicks, startJitter, capacity, ops) => runModel(tickUs, startTicks, startJitter, capacity, ops),
      ),
      { numRuns: LONG ? 5000 : 400 },
    );
  });

  it('advancing to nextDeadlineUs() reaches every expiry within 5 steps and never fires early', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 1000),
        startTicksArb,
        fc.array(delayTicksArb, { minLength: 1, maxLength: 40 }),
        (tickUs, startTicks, delays) => {
          const startUs = startTicks * tickUs;
          const wheel = new TimingWheel({ timerCapacity: delays.length, tickUs, startUs });
          const deadlines = new Map<number, number>();
          for (const delay of delays) {
            // Due-at-once timers are delivered in scheduling order, so keep delays >= 0 here.
            const deadlineUs = startUs + Math.max(delay, 0) * tickUs;
            deadlines.set(wheel.schedule(deadlineUs, 0, 0), deadlineUs);
          }
          const sorted = [...deadlines.values()].sort((a, b) => a - b);
          let fired = 0;
          let steps = 0;
          let expiryTicks = 0;
          let lastDeadline = Number.NEGATIVE_INFINITY;
          while (wheel.size > 0) {
            const next = wheel.nextDeadlineUs();
            wheel.advanceTo(next);
            steps++;
            let any = false;
            for (let h = wheel.pollExpired(); h !== TIMER_NONE; h = wheel.pollExpired()) {
              const deadlineUs = deadlines.get(h) as number;
              // Exactly on time: these deadlines are tick multiples.
              expect(deadlineUs).toBe(sorted[fired]);
              expect(Math.max(deadlineUs, startUs)).toBe(wheel.nowUs);
              expect(deadlineUs).toBeGreaterThanOrEqual(lastDeadline);
              lastDeadline = deadlineUs;
              fired++;
              any = true;
            }
            if (any) expiryTicks++;
            expect(steps).toBeLessThanOrEqual(5 * (expiryTicks + 1));
          }
          expect(fired).toBe(delays.length);
        },
      ),
      { numRuns: LONG ? 3000 : 300 },
    );
  });
});

/** Schedules one timer, checks it is not due one tick before its deadline and is due at it. */
function expectFiresExactlyAt(startUs: number, deadlineUs: number, tickUs = 1): TimingWheel {
  const wheel = new TimingWheel({ timerCapacity: 4, tickUs, startUs });
  const handle = wheel.schedule(deadlineUs, 3, 42);
  expect(wheel.nextDeadlineUs()).toBeLessThanOrEqual(deadlineUs);
  wheel.advanceTo(deadlineUs - 1);
  expect(wheel.pollExpired()).toBe(TIMER_NONE);
  expect(wheel.isActive(handle)).toBe(true);
  expect(wheel.nextDeadlineUs()).toBeLessThanOrEqual(deadlineUs);
  wheel.advanceTo(deadlineUs);
  expect(wheel.pollExpired()).toBe(handle);
  expect(wheel.targetOf(handle)).toBe(42);
  expect(wheel.pollExpired()).toBe(TIMER_NONE);
  return wheel;
}

describe('TimingWheel cascade boundaries and wraparound', () => {
  const levelSpans = [256, 256 ** 2, 256 ** 3, 256 ** 4];

  it('fires exactly at every cascade boundary and ±1, from several starting points', () => {
    for (const startUs of [0, 1, 255, 0x1234_5678, 2 ** 40, 2 ** 40 + 0xfedc_ba98, 2 ** 52 + 12_345]) {
      for (const span of levelSpans) {
        for (const delta of [-1, 0, 1]) {
          expectFiresExactlyAt(startUs, startUs + span + delta);
          // Aligned to the boundary itself (absolute tick a multiple of 256^k).
          const aligned = (Math.floor(startUs / span) + 1) * span + delta;
          if (aligned > startUs) expectFiresExactlyAt(startUs, aligned);
        }
      }
    }
  });

  it('wraps every level: from 256^k − 1 (and across 2^32 ticks) in small steps, each timer on its tick', () => {
    for (const base of [0, 2 ** 40, 5 * SPAN]) {
      for (const span of levelSpans) {
        const startUs = base + span - 3;
        const wheel = new TimingWheel({ timerCapacity: 64, startUs });
        const deadlines = [1, 2, 3, 4, 5, 256, 257, 300, 65_536, 65_537].map((d) => startUs + d);
        const byHandle = new Map<number, number>();
        for (const d of deadlines) byHandle.set(wheel.schedule(d, 0, 0), d);
        const fired: number[] = [];
        for (let now = startUs; fired.length < deadlines.length; now++) {
          if (now > startUs + 65_537) throw new Error('timer lost');
          wheel.advanceTo(now);
          for (let h = wheel.pollExpired(); h !== TIMER_NONE; h = wheel.pollExpired()) {
            expect(byHandle.get(h)).toBe(now);
            fired.push(now);
          }
        }
        expect(fired).toEqual(deadlines);
      }
    }
  });

  it('expires in deadline order across all levels and the overflow list in one large advance', () => {
    const startUs = 2 ** 40 - 1000;
    const wheel = new TimingWheel({ timerCapacity: 64, startUs });
    const delays = [2 ** 33 + 7, 5, 70_000, 256, 2 ** 25, 1, 2 ** 32, 300, 2 ** 40, 65_536, 2 ** 24 - 1, 2 ** 32 - 1];
    const byHandle = new Map<number, number>();
    for (const d of delays) byHandle.set(wheel.schedule(startUs + d, 0, 0), startUs + d);
    wheel.advanceTo(startUs + 2 ** 41);
    const order: number[] = [];
    for (let h = wheel.pollExpired(); h !== TIMER_NONE; h = wheel.pollExpired()) order.push(byHandle.get(h) as number);
    expect(order).toEqual([...byHandle.values()].sort((a, b) => a - b));
  });
});

describe('TimingWheel beyond the span, long pauses, large absolute times', () => {
  it('holds deadlines beyond 2^32 ticks in the overflow list and fires them on time', () => {
    const startUs = 2 ** 40 + 17;
    const wheel = new TimingWheel({ timerCapacity: 8, startUs });
    const far = startUs + 3 * SPAN + 12_345;
    const farther = startUs + 2 ** 45;
    const h1 = wheel.schedule(far, 1, 1);
    const h2 = wheel.schedule(farther, 2, 2);
    expect(wheel.nextDeadlineUs()).toBeLessThanOrEqual(far);
    // Step through the epochs: nothing fires early, nothing is lost.
    wheel.advanceTo(far - SPAN);
    wheel.advanceTo(far - 1);
    expect(wheel.pollExpired()).toBe(TIMER_NONE);
    expect(wheel.nextDeadlineUs()).toBe(far);
    wheel.advanceTo(far);
    expect(wheel.pollExpired()).toBe(h1);
    expect(wheel.isActive(h2)).toBe(true);
    wheel.advanceTo(farther - 1);
    expect(wheel.pollExpired()).toBe(TIMER_NONE);
    wheel.advanceTo(farther);
    expect(wheel.pollExpired()).toBe(h2);
    expect(wheel.size).toBe(0);
  });

  it('a pause of 2^40 ticks visits only non-empty slots (no timer storm)', () => {
    const startUs = 2 ** 40 - 5;
    const wheel = new TimingWheel({ timerCapacity: 16, startUs });
    // An empty wheel jumps without visiting anything.
    wheel.advanceTo(startUs + 2 ** 40);
    expect(wheel.slotEventCount).toBe(0);
    expect(wheel.overflowScanCount).toBe(0);
    const now = wheel.nowUs;
    const delays = [3, 1000, 2 ** 20, 2 ** 31, 2 ** 33, 2 ** 39];
    for (const d of delays) wheel.schedule(now + d, 0, 0);
    wheel.advanceTo(now + 2 ** 40);
    let fired = 0;
    while (wheel.pollExpired() !== TIMER_NONE) fired++;
    expect(fired).toBe(delays.length);
    // Each timer is visited at most once per level; the overflow list is re-examined once per
    // distinct later epoch holding timers (now + 2^31, + 2^33 and + 2^39 are three epochs), not
    // once per epoch passed (256 of them).
    expect(wheel.slotEventCount).toBeLessThanOrEqual(4 * delays.length);
    expect(wheel.cascadedCount).toBeLessThanOrEqual(4 * delays.length);
    expect(wheel.overflowScanCount).toBe(3);
  });

  it('works across a 2^32-tick boundary and near 2^53 µs', () => {
    for (const startUs of [SPAN - 10, 2 ** 40 - 10, 2 ** 52 - 10, TIMING_WHEEL_TIME_US_MAX - 2 * SPAN]) {
      const wheel = new TimingWheel({ timerCapacity: 8, startUs });
      const a = wheel.schedule(startUs + 10, 0, 0); // exactly on the boundary for the first three
      const b = wheel.schedule(startUs + 11, 0, 0);
      const c = wheel.schedule(startUs + SPAN + 10, 0, 0);
      wheel.advanceTo(startUs + 9);
      expect(wheel.pollExpired()).toBe(TIMER_NONE);
      wheel.advanceTo(startUs + 10);
      expect(wheel.pollExpired()).toBe(a);
      expect(wheel.pollExpired()).toBe(TIMER_NONE);
      wheel.advanceTo(startUs + 11);
      expect(wheel.pollExpired()).toBe(b);
      wheel.advanceTo(startUs + SPAN + 9);
      expect(wheel.pollExpired()).toBe(TIMER_NONE);
      expect(wheel.nextDeadlineUs()).toBe(startUs + SPAN + 10);
      wheel.advanceTo(startUs + SPAN + 10);
      expect(wheel.pollExpired()).toBe(c);
    }
  });
});

describe('TimingWheel due-at-once timers and rounding', () => {
  it('zero and negative delays are due in the current pass, without advancing', () => {
    const startUs = 2 ** 40;
    const wheel = new TimingWheel({ timerCapacity: 8, startUs });
    const future = wheel.schedule(startUs + 1, 0, 0);
    const zero = wheel.schedule(startUs, 1, 10);
    const negative = wheel.schedule(startUs - 1000, 2, 20);
    const minusInfinity = wheel.schedule(Number.NEGATIVE_INFINITY, 3, 30);
    expect(wheel.nextDeadlineUs()).toBe(startUs);
    expect(wheel.pollExpired()).toBe(zero);
    expect(wheel.kindOf(zero)).toBe(1);
    expect(wheel.pollExpired()).toBe(negative);
    expect(wheel.pollExpired()).toBe(minusInfinity);
    expect(wheel.pollExpired()).toBe(TIMER_NONE);
    expect(wheel.isActive(future)).toBe(true);
    expect(wheel.nextDeadlineUs()).toBe(startUs + 1);
    // A reschedule into the past is due at once too; the same advanceTo(now) then delivers it.
    expect(wheel.reschedule(future, startUs)).toBe(true);
    wheel.advanceTo(startUs);
    expect(wheel.pollExpired()).toBe(future);
  });

  it('tickUs > 1 rounds deadlines up and now down: never early, < 1 tick late', () => {
    const wheel = new TimingWheel({ timerCapacity: 8, tickUs: 1000, startUs: 10_250 });
    const inTick = wheel.schedule(10_600, 0, 0); // after now, inside the current tick: due at 11_000
    const onTick = wheel.schedule(12_000, 0, 0);
    const justAfter = wheel.schedule(12_001, 0, 0); // due at 13_000
    expect(wheel.pollExpired()).toBe(TIMER_NONE);
    expect(wheel.nextDeadlineUs()).toBe(11_000);
    wheel.advanceTo(10_999);
    expect(wheel.pollExpired()).toBe(TIMER_NONE);
    wheel.advanceTo(11_000);
    expect(wheel.pollExpired()).toBe(inTick);
    wheel.advanceTo(11_999);
    expect(wheel.pollExpired()).toBe(TIMER_NONE);
    wheel.advanceTo(12_000);
    expect(wheel.pollExpired()).toBe(onTick);
    expect(wheel.nextDeadlineUs()).toBe(13_000);
    wheel.advanceTo(12_999);
    expect(wheel.pollExpired()).toBe(TIMER_NONE);
    wheel.advanceTo(13_000);
    expect(wheel.pollExpired()).toBe(justAfter);
    // A deadline at or before now (not only before the current tick) is due at once.
    wheel.advanceTo(13_500);
    const past = wheel.schedule(13_400, 0, 0);
    expect(wheel.pollExpired()).toBe(past);
  });

  it('with 1 µs ticks, fractional deadlines fire at the first integer tick at or after them', () => {
    const wheel = new TimingWheel({ timerCapacity: 2, startUs: 100 });
    const h = wheel.schedule(100.5, 0, 0);
    wheel.advanceTo(100.9);
    expect(wheel.pollExpired()).toBe(TIMER_NONE);
    wheel.advanceTo(101);
    expect(wheel.pollExpired()).toBe(h);
  });

  it('ignores time moving backwards', () => {
    const wheel = new TimingWheel({ timerCapacity: 2, startUs: 1000 });
    const h = wheel.schedule(1500, 0, 0);
    wheel.advanceTo(1200);
    wheel.advanceTo(900);
    expect(wheel.nowUs).toBe(1200);
    expect(wheel.isActive(h)).toBe(true);
    wheel.advanceTo(1500);
    expect(wheel.pollExpired()).toBe(h);
  });
});

describe('TimingWheel handles and limits', () => {
  it('returns TIMER_NONE at capacity; a fired-but-unrecycled handle does not count', () => {
    const wheel = new TimingWheel({ timerCapacity: 3 });
    const a = wheel.schedule(10, 0, 0);
    const b = wheel.schedule(20, 0, 0);
    wheel.schedule(30, 0, 0);
    expect(wheel.size).toBe(3);
    expect(wheel.schedule(40, 0, 0)).toBe(TIMER_NONE);
    expect(wheel.size).toBe(3);
    expect(wheel.cancel(b)).toBe(true);
    const d = wheel.schedule(40, 0, 7);
    expect(d).not.toBe(TIMER_NONE);
    expect(wheel.schedule(50, 0, 0)).toBe(TIMER_NONE);
    wheel.advanceTo(10);
    expect(wheel.pollExpired()).toBe(a);
    // a is readable until the next poll/advance, yet its capacity is already available.
    const e = wheel.schedule(60, 0, 9);
    expect(e).not.toBe(TIMER_NONE);
    expect(wheel.targetOf(a)).toBe(0);
    expect(wheel.targetOf(e)).toBe(9);
    expect(wheel.schedule(70, 0, 0)).toBe(TIMER_NONE);
  });

  it('detects stale handles: cancelled, fired, recycled and reused slots, garbage', () => {
    const wheel = new TimingWheel({ timerCapacity: 2 });
    const a = wheel.schedule(10, 1, 100);
    expect(wheel.cancel(a)).toBe(true);
    expect(wheel.cancel(a)).toBe(false);
    expect(wheel.reschedule(a, 20)).toBe(false);
    expect(() => wheel.kindOf(a)).toThrow(StaleHandleError);
    // The slot is reused with a new generation: the old handle cannot touch the new timer.
    const b = wheel.schedule(10, 2, 200);
    expect(b).not.toBe(a);
    expect(wheel.cancel(a)).toBe(false);
    expect(wheel.isActive(b)).toBe(true);
    wheel.advanceTo(10);
    expect(wheel.pollExpired()).toBe(b);
    expect(wheel.kindOf(b)).toBe(2);
    expect(wheel.cancel(b)).toBe(false);
    expect(wheel.pollExpired()).toBe(TIMER_NONE); // recycles b
    expect(() => wheel.targetOf(b)).toThrow(StaleHandleError);
    const c = wheel.schedule(30, 0, 0);
    wheel.advanceTo(30);
    expect(wheel.pollExpired()).toBe(c);
    wheel.advanceTo(31); // advanceTo recycles too
    expect(() => wheel.kindOf(c)).toThrow(StaleHandleError);
    for (const garbage of [-1, 1.5, 2 ** 31, 2 ** 40, Number.NaN, 12_345]) {
      expect(wheel.cancel(garbage)).toBe(false);
      expect(wheel.isActive(garbage)).toBe(false);
      expect(wheel.reschedule(garbage, 100)).toBe(false);
    }
  });

  it('keeps stale detection over many reuses of one slot (generation counter)', () => {
    const wheel = new TimingWheel({ timerCapacity: 1 });
    const seen = new Set<number>();
    let previous = TIMER_NONE;
    let failures = 0;
    for (let i = 0; i < 10_000; i++) {
      const h = wheel.schedule(1000, 0, i);
      if (seen.has(h) || !(h >= 0 && h < 2 ** 31)) failures++;
      seen.add(h);
      if (previous !== TIMER_NONE && wheel.cancel(previous)) failures++;
      if (!wheel.cancel(h)) failures++;
      previous = h;
    }
    expect(failures).toBe(0);
    expect(seen.size).toBe(10_000);
  });

  it('reschedule later, earlier, beyond the span and back, from every level, fires exactly on time', () => {
    for (const startUs of [0, 2 ** 40 + 77]) {
      for (const d of [100, 300, 70_000, 2 ** 25, 2 ** 33]) {
        const scenarios = [
          [d + 10, d + 5000, d + 2 ** 20], // only later, inside the epoch
          [d + 10, d + 2 ** 20, Math.ceil(d / 2)], // later, then before the original slot starts
          [d + 2 ** 34, d + 900], // beyond the span and back
          [d + 10, d + 2 ** 34 + 5], // later, beyond the span
        ];
        for (const delays of scenarios) {
          const wheel = new TimingWheel({ timerCapacity: 2, startUs });
          const h = wheel.schedule(startUs + d, 5, 6);
          for (const delay of delays) expect(wheel.reschedule(h, startUs + delay)).toBe(true);
          const deadlineUs = startUs + (delays[delays.length - 1] as number);
          expect(wheel.nextDeadlineUs()).toBeLessThanOrEqual(deadlineUs);
          // Walk with the wheel's own wake-up times: it must fire exactly at its deadline.
          let steps = 0;
          while (wheel.size > 0 && steps++ < 10) {
            wheel.advanceTo(wheel.nextDeadlineUs());
            const x = wheel.pollExpired();
            if (x !== TIMER_NONE) {
              expect(x).toBe(h);
              expect(wheel.nowUs).toBe(deadlineUs);
              expect(wheel.kindOf(h) * 10 + wheel.targetOf(h)).toBe(56);
            }
          }
          expect(wheel.size).toBe(0);
        }
      }
    }
  });

  it('cancelling or rescheduling a due, not yet delivered timer works', () => {
    const wheel = new TimingWheel({ timerCapacity: 4 });
    const a = wheel.schedule(5, 0, 0);
    const b = wheel.schedule(6, 0, 0);
    const c = wheel.schedule(7, 0, 0);
    wheel.advanceTo(10);
    expect(wheel.size).toBe(3);
    expect(wheel.nextDeadlineUs()).toBe(10);
    expect(wheel.cancel(b)).toBe(true);
    expect(wheel.reschedule(a, 20)).toBe(true);
    expect(wheel.pollExpired()).toBe(c);
    expect(wheel.pollExpired()).toBe(TIMER_NONE);
    expect(wheel.nextDeadlineUs()).toBe(20);
    wheel.advanceTo(20);
    expect(wheel.pollExpired()).toBe(a);
    expect(wheel.size).toBe(0);
  });

  it('rejects invalid options and arguments', () => {
    expect(() => new TimingWheel({ timerCapacity: 0 })).toThrow(InvalidArgumentError);
    expect(() => new TimingWheel({ timerCapacity: TIMING_WHEEL_CAPACITY_MAX + 1 })).toThrow(InvalidArgumentError);
    expect(() => new TimingWheel({ timerCapacity: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => new TimingWheel({ timerCapacity: 4, tickUs: 0 })).toThrow(InvalidArgumentError);
    expect(() => new TimingWheel({ timerCapacity: 4, tickUs: 0.5 })).toThrow(InvalidArgumentError);
    expect(() => new TimingWheel({ timerCapacity: 4, startUs: -1 })).toThrow(InvalidArgumentError);
    expect(() => new TimingWheel({ timerCapacity: 4, startUs: 2 ** 53 })).toThrow(InvalidArgumentError);
    const wheel = new TimingWheel({ timerCapacity: 4 });
    expect(() => wheel.schedule(Number.NaN, 0, 0)).toThrow(InvalidArgumentError);
    expect(() => wheel.schedule(Number.POSITIVE_INFINITY, 0, 0)).toThrow(InvalidArgumentError);
    expect(() => wheel.schedule(2 ** 53, 0, 0)).toThrow(InvalidArgumentError);
    expect(() => wheel.schedule(10, 1.5, 0)).toThrow(InvalidArgumentError);
    expect(() => wheel.schedule(10, 0, 2 ** 31)).toThrow(InvalidArgumentError);
    expect(() => wheel.advanceTo(Number.NaN)).toThrow(InvalidArgumentError);
    const h = wheel.schedule(10, 0, 0);
    expect(() => wheel.reschedule(h, Number.NaN)).toThrow(InvalidArgumentError);
    expect(wheel.size).toBe(1);
    expect(wheel.isActive(h)).toBe(true);
  });
});
