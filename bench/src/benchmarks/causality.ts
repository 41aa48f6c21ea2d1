/**
 * `causality`: the @dcq/core causality map (shared-memory, usable from several threads) against the
 * naive graph a user would write — a JS `Map<number, {state, dependents: Set<number>}>` — doing the
 * same operations, single-threaded.
 *
 * Workload, steady state: a rolling window of W live entries (W = 10,000; 1,000 in quick runs).
 * One cycle = take the oldest entry (READY: all its dependencies are older and completed),
 * mark its request sent, complete it (which satisfies its waiting dependents) and release it;
 * then create a new entry with 4 dependencies on random live entries of the window (random kinds,
 * precomputed from a seeded xorshift32 so both contenders see the same sequence). Readiness
 * notifications are drained every 16 cycles (the owner's poll), so the map holds ~W entries and
 * ~4·W edges throughout. Metric: cycles per second.
 */
import { CausalityMap, DependencyKind } from '@dcq/core';
import { type Benchmark, type BenchOptions, type BenchOutcome, compareRates, rateOptions } from '../harness.js';

const DEPENDENCIES = 4;
const SEQUENCE_LENGTH = 1 << 16;
const SEQUENCE_MASK = SEQUENCE_LENGTH - 1;
const CYCLES_PER_CALL = 4096;
const POLL_EVERY = 16;
const POLL_CAPACITY = 256;
const SEED = 0x2545_f491;

interface Sequence {
  /** Offsets 1 … W−1 from the oldest entry's ring position, DEPENDENCIES per cycle. */
  readonly offsets: Int32Array;
  /** Dependency kinds 0 … 3, DEPENDENCIES per cycle. */
  readonly kinds: Uint8Array;
}

function makeSequence(window: number): Sequence {
  let x = SEED;
  const next = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  const offsets = new Int32Array(SEQUENCE_LENGTH * DEPENDENCIES);
  const kinds = new Uint8Array(SEQUENCE_LENGTH * DEPENDENCIES);
  for (let i = 0; i < offsets.length; i++) {
    offsets[i] = 1 + Math.floor((next() / 2 ** 32) * (window - 1));
    kinds[i] = next() & 3;
  }
  return { offsets, kinds };
}

// ---------------------------------------------------------------------------------------------
// Candidate: CausalityMap.

interface MapDriver {
  readonly map: CausalityMap;
  readonly window: number;
  readonly ring: Float64Array;
  readonly dependencies: Float64Array;
  readonly kinds: Uint8Array;
  readonly pollTokens: Float64Array;
  readonly pollOutcomes: Uint8Array;
  readonly sequence: Sequence;
  head: number;
  cursor: number;
  cycles: number;
  notified: number;
}

function makeMapDriver(window: number, sequence: Sequence): MapDriver {
  const map = new CausalityMap({
    entryCapacityInitial: 1024,
    entryCapacityMax: 2 * window + POLL_CAPACITY,
    edgeCapacityInitial: 4096,
    edgeCapacityMax: 2 * DEPENDENCIES * window,
  });
  const ring = new Float64Array(window);
  const driver: MapDriver = {
    map,
    window,
    ring,
    dependencies: new Float64Array(DEPENDENCIES),
    kinds: new Uint8Array(DEPENDENCIES),
    pollTokens: new Float64Array(POLL_CAPACITY),
    pollOutcomes: new Uint8Array(POLL_CAPACITY),
    sequence,
    head: 0,
    cursor: 0,
    cycles: 0,
    notified: 0,
  };
  // Fill the window in creation order; every entry depends on up to 4 older ones.
  for (let i = 0; i < window; i++) {
    let count = 0;
    for (let d = 0; d < DEPENDENCIES && d < i; d++) {
      driver.dependencies[count] = ring[i - 1 - ((sequence.offsets[i * DEPENDENCIES + d] as number) % i)] as number;
      driver.kinds[count] = DependencyKind.ResponseReceivedCascade;
      count++;
    }
    ring[i] = map.create(driver.dependencies, driver.kinds, count);
  }
  pollMap(driver);
  return driver;
}

function pollMap(driver: MapDriver): void {
  const { map, pollTokens, pollOutcomes } = driver;
  for (let n = map.poll(pollTokens, pollOutcomes); n > 0; n = map.poll(pollTokens, pollOutcomes)) driver.notified += n;
}

function driveMap(driver: MapDriver): number {
  const { map, window, ring, dependencies, kinds } = driver;
  const { offsets, kinds: kindSequence } = driver.sequence;
  let head = driver.head;
  let cursor = driver.cursor;
  for (let cycle = 0; cycle < CYCLES_PER_CALL; cycle++) {
    const oldest = ring[head] as number;
    map.markRequestSent(oldest);
    map.complete(oldest);
    map.release(oldest);
    const at = (cursor++ & SEQUENCE_MASK) * DEPENDENCIES;
    for (let d = 0; d < DEPENDENCIES; d++) {
      let position = head + (offsets[at + d] as number);
      if (position >= window) position -= window;
      dependencies[d] = ring[position] as number;
      kinds[d] = kindSequence[at + d] as number;
    }
    ring[head] = map.create(dependencies, kinds, DEPENDENCIES);
    head = head + 1 === window ? 0 : head + 1;
    if ((cycle & (POLL_EVERY - 1)) === POLL_EVERY - 1) pollMap(driver);
  }
  driver.head = head;
  driver.cursor = cursor;
  driver.cycles += CYCLES_PER_CALL;
  return CYCLES_PER_CALL;
}

// ---------------------------------------------------------------------------------------------
// Baseline: the graph a user would write with a Map of nodes and Sets of dependents.

const NAIVE_PENDING = 1;
const NAIVE_READY = 2;
const NAIVE_SENT = 3;
const NAIVE_COMPLETED = 4;
const NAIVE_FAILED = 5;

interface NaiveNode {
  state: number;
  /** Unsatisfied dependencies. */
  pending: number;
  dependencyFailed: boolean;
  /** Dependents waiting for the request to be sent, as `id * 4 + kind`. */
  readonly sentDependents: Set<number>;
  /** Dependents waiting for the response, as `id * 4 + kind`. */
  readonly doneDependents: Set<number>;
}

/** The naive causality graph: same semantics as CausalityMap (single-threaded only). */
class NaiveCausalityGraph {
  readonly nodes = new Map<number, NaiveNode>();
  readonly ready: number[] = [];
  private nextId = 1;

  create(dependencies: Float64Array, kinds: Uint8Array, count: number): number {
    const id = this.nextId++;
    const node: NaiveNode = {
      state: NAIVE_PENDING,
      pending: 0,
      dependencyFailed: false,
      sentDependents: new Set(),
      doneDependents: new Set(),
    };
    this.nodes.set(id, node);
    for (let i = 0; i < count; i++) {
      const dependency = this.nodes.get(dependencies[i] as number);
      if (dependency === undefined) throw new Error('unknown dependency');
      const kind = kinds[i] as number;
      const waitResponse = (kind & 1) !== 0;
      if (dependency.state === NAIVE_COMPLETED || (!waitResponse && dependency.state === NAIVE_SENT)) continue;
      if (dependency.state === NAIVE_FAILED) {
        if ((kind & 2) !== 0) node.state = NAIVE_FAILED;
        else node.dependencyFailed = true;
        continue;
      }
      const set = waitResponse ? dependency.doneDependents : dependency.sentDependents;
      const key = id * 4 + kind;
      if (!set.has(key)) {
        set.add(key);
        node.pending++;
      }
    }
    if (node.state === NAIVE_PENDING && node.pending === 0) {
      node.state = NAIVE_READY;
      this.ready.push(id);
    }
    return id;
  }

  markRequestSent(id: number): void {
    const node = this.nodes.get(id);
    if (node === undefined || node.state !== NAIVE_READY) throw new Error('not ready');
    node.state = NAIVE_SENT;
    this.satisfy(node.sentDependents);
  }

  complete(id: number): void {
    const node = this.nodes.get(id);
    if (node === undefined || node.state !== NAIVE_SENT) throw new Error('not sent');
    node.state = NAIVE_COMPLETED;
    this.satisfy(node.doneDependents);
  }

  release(id: number): void {
    this.nodes.delete(id);
  }

  private satisfy(dependents: Set<number>): void {
    for (const key of dependents) {
      const id = Math.floor(key / 4);
      const node = this.nodes.get(id);
      if (node !== undefined && --node.pending === 0 && node.state === NAIVE_PENDING) {
        node.state = NAIVE_READY;
        this.ready.push(id);
      }
    }
    dependents.clear();
  }
}

interface NaiveDriver {
  readonly graph: NaiveCausalityGraph;
  readonly window: number;
  readonly ring: Float64Array;
  readonly dependencies: Float64Array;
  readonly kinds: Uint8Array;
  readonly sequence: Sequence;
  head: number;
  cursor: number;
  cycles: number;
  notified: number;
}

function makeNaiveDriver(window: number, sequence: Sequence): NaiveDriver {
  const graph = new NaiveCausalityGraph();
  const ring = new Float64Array(window);
  const driver: NaiveDriver = {
    graph,
    window,
    ring,
    dependencies: new Float64Array(DEPENDENCIES),
    kinds: new Uint8Array(DEPENDENCIES),
    sequence,
    head: 0,
    cursor: 0,
    cycles: 0,
    notified: 0,
  };
  for (let i = 0; i < window; i++) {
    let count = 0;
    for (let d = 0; d < DEPENDENCIES && d < i; d++) {
      driver.dependencies[count] = ring[i - 1 - ((sequence.offsets[i * DEPENDENCIES + d] as number) % i)] as number;
      driver.kinds[count] = DependencyKind.ResponseReceivedCascade;
      count++;
    }
    ring[i] = graph.create(driver.dependencies, driver.kinds, count);
  }
  pollNaive(driver);
  return driver;
}

function pollNaive(driver: NaiveDriver): void {
  driver.notified += driver.graph.ready.length;
  driver.graph.ready.length = 0;
}

function driveNaive(driver: NaiveDriver): number {
  const { graph, window, ring, dependencies, kinds } = driver;
  const { offsets, kinds: kindSequence } = driver.sequence;
  let head = driver.head;
  let cursor = driver.cursor;
  for (let cycle = 0; cycle < CYCLES_PER_CALL; cycle++) {
    const oldest = ring[head] as number;
    graph.markRequestSent(oldest);
    graph.complete(oldest);
    graph.release(oldest);
    const at = (cursor++ & SEQUENCE_MASK) * DEPENDENCIES;
    for (let d = 0; d < DEPENDENCIES; d++) {
      let position = head + (offsets[at + d] as number);
      if (position >= window) position -= window;
      dependencies[d] = ring[position] as number;
      kinds[d] = kindSequence[at + d] as number;
    }
    ring[head] = graph.create(dependencies, kinds, DEPENDENCIES);
    head = head + 1 === window ? 0 : head + 1;
    if ((cycle & (POLL_EVERY - 1)) === POLL_EVERY - 1) pollNaive(driver);
  }
  driver.head = head;
  driver.cursor = cursor;
  driver.cycles += CYCLES_PER_CALL;
  return CYCLES_PER_CALL;
}

// ---------------------------------------------------------------------------------------------

interface WindowResult {
  readonly window: number;
  readonly mapCyclesPerSecond: number;
  readonly baselineCyclesPerSecond: number;
  readonly ratio: number;
  /** Readiness notifications per cycle (1 in steady state, for both contenders). */
  readonly mapNotificationsPerCycle: number;
  readonly baselineNotificationsPerCycle: number;
  readonly entriesLive: number;
  readonly edgesLive: number;
  readonly entryCapacity: number;
  readonly edgeCapacity: number;
}

function measureWindow(window: number, options: BenchOptions): WindowResult {
  const sequence = makeSequence(window);
  const mapDriver = makeMapDriver(window, sequence);
  const naiveDriver = makeNaiveDriver(window, sequence);
  const mapNotifiedAtStart = mapDriver.notified;
  const naiveNotifiedAtStart = naiveDriver.notified;
  const rates = compareRates(
    () => driveMap(mapDriver),
    () => driveNaive(naiveDriver),
    rateOptions(options),
  );
  const { map } = mapDriver;
  return {
    window,
    mapCyclesPerSecond: rates.value,
    baselineCyclesPerSecond: rates.baselineValue,
    ratio: rates.value / rates.baselineValue,
    mapNotificationsPerCycle: (mapDriver.notified - mapNotifiedAtStart) / mapDriver.cycles,
    baselineNotificationsPerCycle: (naiveDriver.notified - naiveNotifiedAtStart) / naiveDriver.cycles,
    entriesLive: map.entriesLive,
    edgesLive: map.edgesLive,
    entryCapacity: map.entryCapacity,
    edgeCapacity: map.edgeCapacity,
  };
}

/** The `causality` benchmark. */
export const causalityBenchmark: Benchmark = {
  name: 'causality',
  group: 'core',
  description: 'causality map: create + 4 deps + send + complete + release cycles/s vs a Map+Set graph',
  run(options: BenchOptions): BenchOutcome {
    const window = options.quick ? 1_000 : 10_000;
    const main = measureWindow(window, options);
    const small = options.quick ? null : measureWindow(1_000, options);
    return {
      metric: `causality cycles/s (create + ${DEPENDENCIES} deps + send + complete + release) at ${window} live entries`,
      unit: 'cycles/s',
      value: main.mapCyclesPerSecond,
      baseline: 'Map<number, {state, dependents: Set}> graph',
      baselineValue: main.baselineCyclesPerSecond,
      params: { window, dependencies: DEPENDENCIES, pollEvery: POLL_EVERY, quick: options.quick },
      details: small === null ? { main } : { main, window1000: small },
    };
  },
};
