/**
 * `ids`: the @dcq/core TransferIdAllocator (typed-array slot allocator with generations, ids as two
 * u32 halves) against the allocator a JavaScript developer would write first: a Map from a
 * monotonically increasing numeric id to a small per-transfer record object.
 *
 * Workload, per step, with L live transfers: one transfer completes (a random live one is freed),
 * a new one starts (allocate), and four packets arrive that name a transfer by id: three name a
 * random live transfer and one names a transfer that completed earlier (stale). Ops counted:
 * allocate, free and each resolve (6 per step). Positions come from a seeded xorshift32,
 * precomputed, so both contenders see the same sequence and PRNG cost is excluded.
 */
import { ID_STALE, SLOT_NONE, TransferIdAllocator } from '@dcq/core';
import { type Benchmark, type BenchOptions, type BenchOutcome, compareRates, rateOptions } from '../harness.js';

const SEQUENCE_LENGTH = 1 << 18;
const SEQUENCE_MASK = SEQUENCE_LENGTH - 1;
const STEPS_PER_CALL = 4096;
const LIVE_RESOLVES_PER_STEP = 3;
const SEED = 0x2545_f491;
const WORKER_ID = 7;

function makeRandoms(seed: number): Uint32Array {
  let x = seed >>> 0 || 1;
  const out = new Uint32Array(SEQUENCE_LENGTH);
  for (let i = 0; i < SEQUENCE_LENGTH; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x;
  }
  return out;
}

/** Baseline: ids from a counter (never reused, so no generation), state in a Map of records. */
interface TransferRecord {
  readonly id: number;
  state: number;
}

class MapIdAllocator {
  private nextId = 1;
  private readonly records = new Map<number, TransferRecord>();
  private readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  allocate(): number {
    if (this.records.size >= this.capacity) return -1;
    const id = this.nextId++;
    this.records.set(id, { id, state: 1 });
    return id;
  }

  free(id: number): void {
    this.records.delete(id);
  }

  resolve(id: number): TransferRecord | undefined {
    return this.records.get(id);
  }
}

interface DriverState {
  readonly liveCount: number;
  readonly positions: Uint32Array;
  cursor: number;
  /** Resolve results that disagreed with expectations (must stay 0). */
  errors: number;
}

// Separate drivers keep each contender's call sites monomorphic.

function driveSlots(
  state: DriverState,
  ids: TransferIdAllocator,
  liveHi: Uint32Array,
  liveLo: Uint32Array,
  stale: Uint32Array,
): number {
  const { positions, liveCount } = state;
  let cursor = state.cursor;
  let errors = 0;
  for (let step = 0; step < STEPS_PER_CALL; step++) {
    const victim = (positions[cursor++ & SEQUENCE_MASK] as number) % liveCount;
    stale[0] = liveHi[victim] as number;
    stale[1] = liveLo[victim] as number;
    ids.free(liveLo[victim] as number);
    const slot = ids.allocate();
    if (slot === SLOT_NONE) errors++;
    liveHi[victim] = ids.idHi(slot);
    liveLo[victim] = ids.idLo(slot);
    for (let k = 0; k < LIVE_RESOLVES_PER_STEP; k++) {
      const at = (positions[cursor++ & SEQUENCE_MASK] as number) % liveCount;
      if (ids.resolve(liveHi[at] as number, liveLo[at] as number) < 0) errors++;
    }
    if (ids.resolve(stale[0] as number, stale[1] as number) !== ID_STALE) errors++;
  }
  state.cursor = cursor;
  state.errors += errors;
  return STEPS_PER_CALL * (2 + LIVE_RESOLVES_PER_STEP + 1);
}

function driveMap(state: DriverState, ids: MapIdAllocator, live: Float64Array): number {
  const { positions, liveCount } = state;
  let cursor = state.cursor;
  let errors = 0;
  for (let step = 0; step < STEPS_PER_CALL; step++) {
    const victim = (positions[cursor++ & SEQUENCE_MASK] as number) % liveCount;
    const staleId = live[victim] as number;
    ids.free(staleId);
    const id = ids.allocate();
    if (id < 0) errors++;
    live[victim] = id;
    for (let k = 0; k < LIVE_RESOLVES_PER_STEP; k++) {
      const at = (positions[cursor++ & SEQUENCE_MASK] as number) % liveCount;
      if (ids.resolve(live[at] as number) === undefined) errors++;
    }
    if (ids.resolve(staleId) !== undefined) errors++;
  }
  state.cursor = cursor;
  state.errors += errors;
  return STEPS_PER_CALL * (2 + LIVE_RESOLVES_PER_STEP + 1);
}

interface SizeResult {
  readonly liveTransfers: number;
  readonly slotOpsPerSecond: number;
  readonly mapOpsPerSecond: number;
  readonly ratio: number;
}

function measureSize(positions: Uint32Array, liveCount: number, options: BenchOptions): SizeResult {
  const ids = new TransferIdAllocator({ workerId: WORKER_ID, capacity: liveCount });
  const liveHi = new Uint32Array(liveCount);
  const liveLo = new Uint32Array(liveCount);
  const stale = new Uint32Array(2);
  for (let i = 0; i < liveCount; i++) {
    const slot = ids.allocate();
    liveHi[i] = ids.idHi(slot);
    liveLo[i] = ids.idLo(slot);
  }
  const map = new MapIdAllocator(liveCount);
  const live = new Float64Array(liveCount);
  for (let i = 0; i < liveCount; i++) live[i] = map.allocate();
  const slotState: DriverState = { liveCount, positions, cursor: 0, errors: 0 };
  const mapState: DriverState = { liveCount, positions, cursor: 0, errors: 0 };
  const rates = compareRates(
    () => driveSlots(slotState, ids, liveHi, liveLo, stale),
    () => driveMap(mapState, map, live),
    rateOptions(options),
  );
  if (slotState.errors !== 0 || mapState.errors !== 0 || ids.liveCount !== liveCount) {
    throw new Error(`ids benchmark invariant broken at L=${liveCount}: ${slotState.errors}/${mapState.errors} errors`);
  }
  return {
    liveTransfers: liveCount,
    slotOpsPerSecond: Math.round(rates.value),
    mapOpsPerSecond: Math.round(rates.baselineValue),
    ratio: Number((rates.value / rates.baselineValue).toFixed(2)),
  };
}

/** The `ids` benchmark. */
export const idsBenchmark: Benchmark = {
  name: 'ids',
  group: 'core',
  description: 'transfer-id slot allocator vs Map<id, record>: allocate/free/resolve (live and stale) mix',
  run(options: BenchOptions): BenchOutcome {
    const sizes = options.quick ? [1_000, 10_000] : [1_000, 10_000, 100_000, 1_000_000];
    const headline = 10_000;
    const positions = makeRandoms(SEED);
    const results: SizeResult[] = [];
    for (const size of sizes) results.push(measureSize(positions, size, options));
    const main = results.find((r) => r.liveTransfers === headline) as SizeResult;
    return {
      metric: `id ops/s at ${headline / 1000}k live transfers`,
      unit: 'ops/s',
      value: main.slotOpsPerSecond,
      baseline: 'Map<counter id, record>',
      baselineValue: main.mapOpsPerSecond,
      params: {
        liveTransfers: sizes,
        stepMix: 'free a random live id, allocate, resolve 3 live ids and 1 stale id',
        opsCounted: 'allocate, free, resolve',
        seed: SEED,
      },
      details: { sizes: results },
    };
  },
};
