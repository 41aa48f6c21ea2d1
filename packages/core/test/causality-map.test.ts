import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CAUSALITY_TOKEN_NONE,
  CausalityMap,
  type CausalityMapHandle,
  CausalityOutcome,
  CausalityState,
  DependencyKind,
} from '../src/causality-map.js';
import { BackpressureError, InvalidArgumentError, StaleHandleError } from '../src/errors.js';

const SLOT_RADIX = 2 ** 24;
const slotOf = (token: number): number => token % SLOT_RADIX;

// ---------------------------------------------------------------------------------------------
// Reference model: an explicit graph (adjacency lists + states), resolved eagerly and naively.

type ModelState = 'pending' | 'ready' | 'sent' | 'completed' | 'failed';

interface ModelEdge {
  readonly dependent: ModelEntry;
  readonly kind: number;
}

interface ModelEntry {
  readonly token: number;
  state: ModelState;
  sentReached: boolean;
  dependencyFailed: boolean;
  /**
   * Dependencies whose failure could be the recorded cause: the first cascading failure to reach the
   * entry wins, and within one fail() the order edges are processed in is the map's business.
   */
  causes: Set<number>;
  /** The operation number in which a cascade failed this entry (-1 if none). */
  causeOperation: number;
  /** Unprocessed edges from this entry to its dependencies. */
  unsatisfied: number;
  /** Edges of dependents waiting for this entry's request / response. */
  sentList: ModelEdge[];
  doneList: ModelEdge[];
  released: boolean;
  /** A notification is queued (not yet polled): READY or cascade FAILED. */
  inInbox: boolean;
  notifiedFailed: boolean;
}

class CausalityModel {
  /** Allocated entries (not freed), by token. */
  readonly entries = new Map<number, ModelEntry>();
  edgesLive = 0;
  /** Number of the current operation (see ModelEntry.causeOperation). */
  operation = 0;

  constructor(
    readonly entryCapacityMax: number,
    readonly edgeCapacityMax: number,
  ) {}

  /** Returns the expected Backpressure limit, or null if creation fits. */
  admits(dependencyCount: number): string | null {
    if (this.entries.size >= this.entryCapacityMax) return 'causality.entryCapacityMax';
    if (this.edgesLive + dependencyCount > this.edgeCapacityMax) return 'causality.edgeCapacityMax';
    return null;
  }

  create(token: number, dependencies: readonly ModelEntry[], kinds: readonly number[]): ModelEntry {
    const entry: ModelEntry = {
      token,
      state: 'pending',
      sentReached: false,
      dependencyFailed: false,
      causes: new Set(),
      causeOperation: -1,
      unsatisfied: 0,
      sentList: [],
      doneList: [],
      released: false,
      inInbox: false,
      notifiedFailed: false,
    };
    this.entries.set(token, entry);
    for (let i = 0; i < dependencies.length; i++) {
      const dependency = dependencies[i] as ModelEntry;
      const kind = kinds[i] as number;
      const waitResponse = (kind & 1) !== 0;
      const satisfied =
        dependency.state === 'completed' ||
        (!waitResponse && (dependency.state === 'sent' || (dependency.state === 'failed' && dependency.sentReached)));
      if (satisfied) continue;
      if (dependency.state === 'failed') {
        if ((kind & 2) !== 0) {
          this.failByCascade(entry, dependency.token);
          break;
        }
        entry.dependencyFailed = true;
        continue;
      }
      (waitResponse ? dependency.doneList : dependency.sentList).push({ dependent: entry, kind });
      entry.unsatisfied++;
      this.edgesLive++;
    }
    if (entry.state === 'pending' && entry.unsatisfied === 0) this.notify(entry, false);
    return entry;
  }

  markRequestSent(entry: ModelEntry): void {
    entry.state = 'sent';
    entry.sentReached = true;
    this.satisfy(entry.sentList.splice(0));
  }

  complete(entry: ModelEntry): void {
    entry.state = 'completed';
    entry.sentReached = true;
    this.satisfy(entry.sentList.splice(0));
    this.satisfy(entry.doneList.splice(0));
  }

  fail(entry: ModelEntry): void {
    entry.state = 'failed';
    const work: ModelEntry[] = [entry];
    for (let failed = work.pop(); failed !== undefined; failed = work.pop()) {
      for (const edge of [...failed.sentList.splice(0), ...failed.doneList.splice(0)]) {
        const dependent = edge.dependent;
        this.edgesLive--;
        dependent.unsatisfied--;
        if ((edge.kind & 2) !== 0) {
          if (dependent.state === 'pending') {
            this.failByCascade(dependent, failed.token);
            work.push(dependent);
          } else if (dependent.causeOperation === this.operation) {
            dependent.causes.add(failed.token);
          }
        } else {
          dependent.dependencyFailed = true;
          if (dependent.unsatisfied === 0 && dependent.state === 'pending') this.notify(dependent, false);
        }
        this.maybeFree(dependent);
      }
    }
  }

  release(entry: ModelEntry): void {
    entry.released = true;
    this.maybeFree(entry);
  }

  /** What a full poll reports (as sorted "token:outcome" strings); frees what it unreferences. */
  poll(): string[] {
    const reported: string[] = [];
    for (const entry of [...this.entries.values()]) {
      if (!entry.inInbox) continue;
      entry.inInbox = false;
      if (!entry.released) {
        const outcome = entry.notifiedFailed
          ? CausalityOutcome.Failed
          : entry.dependencyFailed
            ? CausalityOutcome.ReadyDependencyFailed
            : CausalityOutcome.Ready;
        reported.push(`${entry.token}:${outcome}`);
      }
      this.maybeFree(entry);
    }
    return reported.sort();
  }

  private failByCascade(entry: ModelEntry, cause: number): void {
    entry.state = 'failed';
    entry.causes.add(cause);
    entry.causeOperation = this.operation;
    this.notify(entry, true);
  }

  private notify(entry: ModelEntry, failed: boolean): void {
    if (!failed) entry.state = 'ready';
    entry.inInbox = true;
    entry.notifiedFailed = failed;
  }

  private satisfy(edges: readonly ModelEdge[]): void {
    for (const edge of edges) {
      const dependent = edge.dependent;
      this.edgesLive--;
      dependent.unsatisfied--;
      if (dependent.unsatisfied === 0 && dependent.state === 'pending') this.notify(dependent, false);
      this.maybeFree(dependent);
    }
  }

  private maybeFree(entry: ModelEntry): void {
    if (entry.released && entry.unsatisfied === 0 && !entry.inInbox) this.entries.delete(entry.token);
  }
}

const STATE_OF: Record<ModelState, CausalityState> = {
  pending: CausalityState.Pending,
  ready: CausalityState.Ready,
  sent: CausalityState.RequestSent,
  completed: CausalityState.Completed,
  failed: CausalityState.Failed,
};

type Op =
  | { readonly type: 'create'; readonly picks: readonly number[]; readonly kinds: readonly number[] }
  | { readonly type: 'send' | 'complete' | 'fail' | 'release' | 'stale'; readonly pick: number }
  | { readonly type: 'poll' };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      type: fc.constant('create' as const),
      picks: fc.array(fc.nat(), { maxLength: 6, size: 'max' }),
      kinds: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 6, maxLength: 6 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('send' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('complete' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('fail' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('release' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('stale' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('poll' as const) }) },
);

function expectThrows(fn: () => unknown, errorClass: new (...args: never[]) => Error): void {
  expect(fn).toThrow(errorClass);
}

const POLL_CAPACITY = 256;

function pollAll(map: CausalityMap): string[] {
  const tokens = new Float64Array(POLL_CAPACITY);
  const outcomes = new Uint8Array(POLL_CAPACITY);
  const reported: string[] = [];
  for (let n = map.poll(tokens, outcomes); n > 0; n = map.poll(tokens, outcomes)) {
    for (let i = 0; i < n; i++) reported.push(`${tokens[i]}:${outcomes[i]}`);
  }
  return reported.sort();
}

/** A cheap check for the hot loop of the model test (expect() per entry per step is slow). */
function same(actual: unknown, expected: unknown, what: string): void {
  if (actual !== expected) throw new Error(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}

function checkAgainstModel(map: CausalityMap, model: CausalityModel, releasedTokens: readonly number[]): void {
  same(map.entriesLive, model.entries.size, 'entriesLive');
  same(map.edgesLive, model.edgesLive, 'edgesLive');
  for (const entry of model.entries.values()) {
    if (entry.released) {
      same(map.stateOf(entry.token), CausalityState.Stale, `state of released ${entry.token}`);
      continue;
    }
    same(map.stateOf(entry.token), STATE_OF[entry.state], `state of ${entry.token}`);
    same(map.dependencyFailed(entry.token), entry.dependencyFailed, `dependencyFailed of ${entry.token}`);
    const cause = map.failureCause(entry.token);
    if (entry.causes.size === 0) same(cause, CAUSALITY_TOKEN_NONE, `failureCause of ${entry.token}`);
    else same(entry.causes.has(cause), true, `failureCause ${cause} of ${entry.token}`);
  }
  // Released tokens stay stale forever, also once their slot holds a new entry (sample the latest).
  for (let i = Math.max(0, releasedTokens.length - 8); i < releasedTokens.length; i++) {
    same(map.stateOf(releasedTokens[i] as number), CausalityState.Stale, 'state of a released token');
  }
}

function runModel(ops: readonly Op[]): void {
  const entryCapacityMax = 24;
  const edgeCapacityMax = 40;
  const map = new CausalityMap({
    entryCapacityInitial: 2,
    entryCapacityMax,
    edgeCapacityInitial: 2,
    edgeCapacityMax,
    dependenciesPerEntryMax: 6,
  });
  const model = new CausalityModel(entryCapacityMax, edgeCapacityMax);
  const issued = new Set<number>();
  const released: number[] = [];
  const slotsSeen = new Set<number>();
  const liveUnreleased = (): ModelEntry[] => [...model.entries.values()].filter((e) => !e.released);

  for (const op of ops) {
    model.operation++;
    const live = liveUnreleased();
    switch (op.type) {
      case 'create': {
        const dependencies = live.length === 0 ? [] : op.picks.map((p) => live[p % live.length] as ModelEntry);
        const tokens = dependencies.map((d) => d.token);
        const kinds = op.kinds.slice(0, tokens.length);
        const limit = model.admits(tokens.length);
        if (limit !== null) {
          let caught: unknown;
          try {
            map.create(tokens, kinds);
          } catch (error) {
            caught = error;
          }
          expect(caught).toBeInstanceOf(BackpressureError);
          expect((caught as BackpressureError).limit).toBe(limit);
          break;
        }
        const token = map.create(tokens, kinds);
        expect(issued.has(token)).toBe(false); // a token is never issued twice
        issued.add(token);
        expect(slotOf(token)).toBeLessThan(entryCapacityMax);
        slotsSeen.add(slotOf(token));
        model.create(token, dependencies, kinds);
        break;
      }
      case 'send': {
        if (live.length === 0) break;
        const entry = live[op.pick % live.length] as ModelEntry;
        if (entry.state === 'ready') {
          expect(map.markRequestSent(entry.token)).toBe(true);
          model.markRequestSent(entry);
        } else if (entry.state === 'failed') {
          expect(map.markRequestSent(entry.token)).toBe(false);
        } else {
          expectThrows(() => map.markRequestSent(entry.token), InvalidArgumentError);
        }
        break;
      }
      case 'complete': {
        if (live.length === 0) break;
        const entry = live[op.pick % live.length] as ModelEntry;
        if (entry.state === 'ready' || entry.state === 'sent') {
          expect(map.complete(entry.token)).toBe(true);
          model.complete(entry);
        } else if (entry.state === 'failed' || entry.state === 'completed') {
          expect(map.complete(entry.token)).toBe(false);
        } else {
          expectThrows(() => map.complete(entry.token), InvalidArgumentError);
        }
        break;
      }
      case 'fail': {
        if (live.length === 0) break;
        const entry = live[op.pick % live.length] as ModelEntry;
        const terminal = entry.state === 'failed' || entry.state === 'completed';
        expect(map.fail(entry.token)).toBe(!terminal);
        if (!terminal) model.fail(entry);
        break;
      }
      case 'release': {
        if (live.length === 0) break;
        const entry = live[op.pick % live.length] as ModelEntry;
        if (entry.state === 'failed' || entry.state === 'completed') {
          map.release(entry.token);
          model.release(entry);
          released.push(entry.token);
        } else {
          expectThrows(() => map.release(entry.token), InvalidArgumentError);
        }
        break;
      }
      case 'stale': {
        if (released.length === 0) break;
        const token = released[op.pick % released.length] as number;
        expect(map.stateOf(token)).toBe(CausalityState.Stale);
        expectThrows(() => map.markRequestSent(token), StaleHandleError);
        expectThrows(() => map.complete(token), StaleHandleError);
        expectThrows(() => map.fail(token), StaleHandleError);
        expectThrows(() => map.release(token), StaleHandleError);
        expectThrows(() => map.dependencyFailed(token), StaleHandleError);
        expectThrows(() => map.failureCause(token), StaleHandleError);
        const before = map.entriesLive;
        expectThrows(() => map.create([token]), StaleHandleError);
        expect(map.entriesLive).toBe(before); // nothing allocated
        break;
      }
      case 'poll': {
        expect(pollAll(map)).toEqual(model.poll());
        break;
      }
    }
    checkAgainstModel(map, model, released);
  }

  // Resolve and release everything: the map must return to empty.
  for (const entry of liveUnreleased()) {
    if (entry.state !== 'failed' && entry.state !== 'completed') {
      expect(map.fail(entry.token)).toBe(true);
      model.fail(entry);
    }
  }
  for (const entry of liveUnreleased()) {
    map.release(entry.token);
    model.release(entry);
    released.push(entry.token);
  }
  expect(pollAll(map)).toEqual(model.poll());
  checkAgainstModel(map, model, released);
  expect(map.entriesLive).toBe(0);
  expect(map.edgesLive).toBe(0);
  expect(slotsSeen.size).toBeLessThanOrEqual(entryCapacityMax);
}

describe('CausalityMap vs an explicit graph model', () => {
  it('matches the model on random create/send/complete/fail/release/poll sequences', () => {
    fc.assert(
      fc.property(fc.array(opArbitrary, { minLength: 1, maxLength: 200, size: 'max' }), (ops) => runModel(ops)),
      { numRuns: 150 },
    );
  });

  it('reuses slots (with new generations) once entries are released', () => {
    // 200 create/complete/release cycles through a 4-slot map.
    const map = new CausalityMap({ entryCapacityInitial: 1, entryCapacityMax: 4, edgeCapacityMax: 4 });
    const tokens = new Set<number>();
    const slots = new Set<number>();
    const out = new Float64Array(4);
    const outcomes = new Uint8Array(4);
    let previous = CAUSALITY_TOKEN_NONE;
    for (let i = 0; i < 200; i++) {
      const token = previous === CAUSALITY_TOKEN_NONE ? map.create() : map.create([previous]);
      expect(tokens.has(token)).toBe(false);
      tokens.add(token);
      slots.add(slotOf(token));
      if (previous !== CAUSALITY_TOKEN_NONE) {
        map.release(previous);
        expect(map.stateOf(previous)).toBe(CausalityState.Stale);
      }
      expect(map.poll(out, outcomes)).toBe(1);
      expect(out[0]).toBe(token);
      expect(map.complete(token)).toBe(true);
      previous = token;
    }
    map.release(previous);
    expect(slots.size).toBeLessThanOrEqual(4);
    expect(map.entriesLive).toBe(0);
    expect(map.edgesLive).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Edge cases

function drain(map: CausalityMap): Array<[number, number]> {
  const tokens = new Float64Array(1024);
  const outcomes = new Uint8Array(1024);
  const out: Array<[number, number]> = [];
  for (let n = map.poll(tokens, outcomes); n > 0; n = map.poll(tokens, outcomes)) {
    for (let i = 0; i < n; i++) out.push([tokens[i] as number, outcomes[i] as number]);
  }
  return out;
}

function finish(map: CausalityMap, tokens: readonly number[]): void {
  for (const token of tokens) {
    const state = map.stateOf(token);
    if (state !== CausalityState.Completed && state !== CausalityState.Failed) map.fail(token);
  }
  for (const token of tokens) map.release(token);
  drain(map);
  expect(map.entriesLive).toBe(0);
  expect(map.edgesLive).toBe(0);
}

describe('CausalityMap edge cases', () => {
  it('throws BackpressureError at the entry maximum and recovers after a release', () => {
    const map = new CausalityMap({ entryCapacityInitial: 2, entryCapacityMax: 8 });
    const tokens = Array.from({ length: 8 }, () => map.create());
    expect(map.entryCapacity).toBe(8);
    let caught: unknown;
    try {
      map.create();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BackpressureError);
    expect((caught as BackpressureError).limit).toBe('causality.entryCapacityMax');
    expect((caught as BackpressureError).limitValue).toBe(8);
    expect(map.entriesLive).toBe(8);
    const first = tokens[0] as number;
    expect(map.complete(first)).toBe(true);
    map.release(first);
    expect(() => map.create()).toThrow(BackpressureError); // its READY notification still holds the slot
    expect(drain(map).length).toBe(7); // polling drops that reference (the released entry is skipped)
    const reused = map.create();
    expect(slotOf(reused)).toBe(slotOf(first)); // LIFO reuse of the freed slot …
    expect(reused).not.toBe(first); // … with a new generation
    expect(map.stateOf(first)).toBe(CausalityState.Stale);
    expect(() => map.fail(first)).toThrow(StaleHandleError);
    expect(map.stateOf(reused)).toBe(CausalityState.Ready); // no dependencies: READY at once
    finish(map, [...tokens.slice(1), reused]);
  });

  it('throws BackpressureError at the edge maximum without leaking the entry', () => {
    const map = new CausalityMap({ edgeCapacityInitial: 1, edgeCapacityMax: 10, dependenciesPerEntryMax: 10 });
    const root = map.create();
    const wide = map.create(Array.from({ length: 10 }, () => root));
    expect(map.edgesLive).toBe(10);
    expect(map.edgeCapacity).toBe(10);
    let caught: unknown;
    try {
      map.create([root]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BackpressureError);
    expect((caught as BackpressureError).limit).toBe('causality.edgeCapacityMax');
    expect(map.entriesLive).toBe(2);
    // No edge is needed for a dependency already satisfied, but creation reserves one per dependency.
    expect(map.complete(root)).toBe(true);
    expect(map.edgesLive).toBe(0);
    const after = map.create([root, root]);
    expect(map.edgesLive).toBe(0);
    expect(drain(map).map(([t]) => t)).toEqual([root, wide, after]);
    finish(map, [root, wide, after]);
  });

  it('grows from the initial to the maximum capacity while keeping every entry intact', () => {
    const map = new CausalityMap({
      entryCapacityInitial: 1,
      entryCapacityMax: 1000,
      edgeCapacityInitial: 1,
      edgeCapacityMax: 3000,
    });
    expect(map.entryCapacity).toBe(1);
    const tokens: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const deps = tokens.slice(Math.max(0, i - 3));
      tokens.push(map.create(deps, DependencyKind.ResponseReceived));
    }
    expect(map.entryCapacity).toBe(1000); // 1, 2, 4, … 512, then clamped to the maximum
    expect(map.edgeCapacity).toBeLessThanOrEqual(3000);
    expect(map.edgesLive).toBe(3 * 997 + 3);
    expect(() => map.create()).toThrow(BackpressureError);
    // Resolve in creation order: each completion readies the next.
    expect(drain(map)).toEqual([[tokens[0], CausalityOutcome.Ready]]);
    for (let i = 0; i < 1000; i++) {
      const token = tokens[i] as number;
      expect(map.stateOf(token)).toBe(CausalityState.Ready);
      expect(map.markRequestSent(token)).toBe(true);
      expect(map.complete(token)).toBe(true);
      const next = drain(map);
      if (i < 999) expect(next).toEqual([[tokens[i + 1], CausalityOutcome.Ready]]);
    }
    finish(map, tokens);
  });

  it('detects stale and malformed tokens on every API and never acts on the new occupant', () => {
    const map = new CausalityMap({ entryCapacityMax: 1 });
    const old = map.create();
    drain(map);
    expect(map.fail(old)).toBe(true);
    map.release(old);
    const occupant = map.create();
    expect(slotOf(occupant)).toBe(slotOf(old));
    for (const call of [
      () => map.markRequestSent(old),
      () => map.complete(old),
      () => map.fail(old),
      () => map.release(old),
      () => map.dependencyFailed(old),
      () => map.failureCause(old),
      () => map.create([old]),
    ]) {
      expect(call).toThrow(StaleHandleError);
    }
    expect(map.stateOf(old)).toBe(CausalityState.Stale);
    expect(map.stateOf(occupant)).toBe(CausalityState.Ready);
    expect(drain(map)).toEqual([[occupant, CausalityOutcome.Ready]]);
    for (const bad of [0, -1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, SLOT_RADIX + 5, 2 ** 60]) {
      expect(() => map.stateOf(bad)).toThrow(InvalidArgumentError);
      expect(() => map.fail(bad)).toThrow(InvalidArgumentError);
    }
    finish(map, [occupant]);
  });

  it('validates arguments without allocating anything', () => {
    const map = new CausalityMap({ dependenciesPerEntryMax: 3 });
    const a = map.create();
    expect(() => map.create([a, a, a, a])).toThrow(InvalidArgumentError);
    expect(() => map.create([a], 4)).toThrow(InvalidArgumentError);
    expect(() => map.create([a], [1, 2], 2)).toThrow(InvalidArgumentError);
    expect(() => map.create([a, a], [1])).toThrow(InvalidArgumentError);
    expect(() => map.create([], 0, 0, 64)).toThrow(InvalidArgumentError);
    expect(map.entriesLive).toBe(1);
    expect(map.edgesLive).toBe(0);
    expect(() => map.markRequestSent(map.create([a]))).toThrow(InvalidArgumentError); // still pending
    expect(() => map.release(a)).toThrow(InvalidArgumentError); // not terminal
    expect(() => new CausalityMap({ entryCapacityMax: 0 })).toThrow(InvalidArgumentError);
    expect(() => new CausalityMap({ entryCapacityMax: 2 ** 24 + 1 })).toThrow(InvalidArgumentError);
    expect(() => new CausalityMap({ entryCapacityInitial: 9, entryCapacityMax: 8 })).toThrow(InvalidArgumentError);
    expect(() => new CausalityMap({ ownerId: 64 })).toThrow(InvalidArgumentError);
  });

  it('handles an entry with 500 dependencies (ready only after the last)', () => {
    const map = new CausalityMap({ entryCapacityInitial: 16, edgeCapacityInitial: 16 });
    const deps = Array.from({ length: 500 }, () => map.create());
    const kinds = deps.map((_, i) => i % 4);
    const wide = map.create(deps, kinds);
    expect(map.edgesLive).toBe(500);
    drain(map);
    for (let i = 0; i < 499; i++) {
      const dep = deps[i] as number;
      expect(map.markRequestSent(dep)).toBe(true);
      expect(map.complete(dep)).toBe(true);
    }
    expect(map.stateOf(wide)).toBe(CausalityState.Pending);
    expect(drain(map)).toEqual([]);
    expect(map.complete(deps[499] as number)).toBe(true);
    expect(drain(map)).toEqual([[wide, CausalityOutcome.Ready]]);
    expect(map.edgesLive).toBe(0);
    finish(map, [...deps, wide]);
  });

  it('fails a 500-dependency entry when one cascading dependency fails, and processes the rest later', () => {
    const map = new CausalityMap();
    const deps = Array.from({ length: 500 }, () => map.create());
    const wide = map.create(deps, DependencyKind.ResponseReceivedCascade);
    drain(map);
    expect(map.fail(deps[250] as number)).toBe(true);
    expect(drain(map)).toEqual([[wide, CausalityOutcome.Failed]]);
    expect(map.failureCause(wide)).toBe(deps[250]);
    expect(map.edgesLive).toBe(499); // the other edges wait for their dependencies
    map.release(wide);
    expect(map.entriesLive).toBe(501); // released but still referenced by 499 edges
    for (const dep of deps) if (dep !== deps[250]) map.complete(dep);
    expect(map.edgesLive).toBe(0);
    finish(map, deps);
  });

  it('resolves dependencies that were already resolved when the dependent is created', () => {
    const map = new CausalityMap();
    const completed = map.create();
    map.complete(completed);
    const failedEarly = map.create();
    map.fail(failedEarly);
    const sent = map.create();
    map.markRequestSent(sent);
    const sentThenFailed = map.create();
    map.markRequestSent(sentThenFailed);
    map.fail(sentThenFailed);
    drain(map);

    const k = DependencyKind;
    const onCompleted = map.create([completed], k.ResponseReceivedCascade);
    const onFailedCascade = map.create([failedEarly], k.RequestSentCascade);
    const onFailedSoft = map.create([failedEarly], k.ResponseReceived);
    const onSentForSend = map.create([sent], k.RequestSentCascade);
    const onSentForResponse = map.create([sent], k.ResponseReceivedCascade);
    const onSentFailedForSend = map.create([sentThenFailed], k.RequestSentCascade);
    const onSentFailedForResponse = map.create([sentThenFailed], k.ResponseReceivedCascade);
    // A failed cascading dependency stops the rest: the later, unresolved dependency gets no edge.
    const stopsEarly = map.create([failedEarly, sent], [k.RequestSentCascade, k.ResponseReceived]);
    expect(drain(map)).toEqual([
      [onCompleted, CausalityOutcome.Ready],
      [onFailedCascade, CausalityOutcome.Failed],
      [onFailedSoft, CausalityOutcome.ReadyDependencyFailed],
      [onSentForSend, CausalityOutcome.Ready],
      [onSentFailedForSend, CausalityOutcome.Ready],
      [onSentFailedForResponse, CausalityOutcome.Failed],
      [stopsEarly, CausalityOutcome.Failed],
    ]);
    expect(map.failureCause(onFailedCascade)).toBe(failedEarly);
    expect(map.failureCause(onSentFailedForResponse)).toBe(sentThenFailed);
    expect(map.dependencyFailed(onFailedSoft)).toBe(true);
    expect(map.dependencyFailed(onSentFailedForSend)).toBe(false);
    expect(map.stateOf(onSentForResponse)).toBe(CausalityState.Pending);
    expect(map.edgesLive).toBe(1);
    map.complete(sent);
    expect(drain(map)).toEqual([[onSentForResponse, CausalityOutcome.Ready]]);
    finish(map, [
      completed,
      failedEarly,
      sent,
      sentThenFailed,
      onCompleted,
      onFailedCascade,
      onFailedSoft,
      onSentForSend,
      onSentForResponse,
      onSentFailedForSend,
      onSentFailedForResponse,
      stopsEarly,
    ]);
  });

  it('cascades a failure down a 10,000-deep chain without recursion', () => {
    const depth = 10_000;
    const map = new CausalityMap({ entryCapacityInitial: 64, entryCapacityMax: depth + 1 });
    const chain = [map.create()];
    for (let i = 0; i < depth; i++) {
      chain.push(map.create([chain[i] as number], i % 2 === 0 ? 3 : 2));
    }
    drain(map);
    expect(map.fail(chain[0] as number)).toBe(true);
    const reported = drain(map);
    expect(reported.length).toBe(depth);
    expect(reported.every(([, outcome]) => outcome === CausalityOutcome.Failed)).toBe(true);
    expect(new Set(reported.map(([t]) => t))).toEqual(new Set(chain.slice(1)));
    for (let i = 1; i <= depth; i++) expect(map.failureCause(chain[i] as number)).toBe(chain[i - 1]);
    expect(map.edgesLive).toBe(0);
    finish(map, chain);
  });

  it('readies a 10,000-deep chain of non-cascading edges when its root fails', () => {
    const depth = 10_000;
    const map = new CausalityMap({ entryCapacityMax: depth + 1 });
    const chain = [map.create()];
    for (let i = 0; i < depth; i++) chain.push(map.create([chain[i] as number], DependencyKind.ResponseReceived));
    drain(map);
    map.fail(chain[0] as number);
    // Only the direct dependent proceeds (with the flag); it must itself resolve before the next.
    expect(drain(map)).toEqual([[chain[1], CausalityOutcome.ReadyDependencyFailed]]);
    for (let i = 1; i < depth; i++) map.complete(chain[i] as number);
    expect(drain(map).length).toBe(depth - 1);
    finish(map, chain);
  });

  it('polls into small buffers, oldest first, and skips released entries', () => {
    const map = new CausalityMap();
    const tokens = Array.from({ length: 10 }, () => map.create());
    const out = new Float64Array(3);
    const outcomes = new Uint8Array(3);
    expect(map.poll(out, outcomes)).toBe(3);
    expect([...out]).toEqual(tokens.slice(0, 3));
    map.fail(tokens[4] as number);
    map.release(tokens[4] as number);
    expect(map.entriesLive).toBe(10); // the queued notification still references it
    expect(map.poll(out, outcomes)).toBe(3);
    expect([...out]).toEqual([tokens[3], tokens[5], tokens[6]]);
    expect(map.entriesLive).toBe(9);
    expect(map.poll(out, outcomes)).toBe(3);
    expect(map.poll(out, outcomes)).toBe(0);
    expect(map.poll(new Float64Array(0), new Uint8Array(0))).toBe(0);
    finish(
      map,
      tokens.filter((_, i) => i !== 4),
    );
  });

  it('notifies the owner named at creation, through an attached instance', () => {
    const map = new CausalityMap({ ownersMax: 4 });
    const other = CausalityMap.attach(map.handle(), 2);
    expect(other.ownerId).toBe(2);
    const root = map.create();
    const forOther = map.create([root], DependencyKind.RequestSentCascade, 1, 2);
    expect(drain(map)).toEqual([[root, CausalityOutcome.Ready]]);
    expect(other.markRequestSent(root)).toBe(true); // any instance can act on any token
    expect(drain(map)).toEqual([]);
    expect(drain(other)).toEqual([[forOther, CausalityOutcome.Ready]]);
    expect(other.entriesLive).toBe(2);
    map.complete(root);
    other.complete(forOther);
    finish(other, [root, forOther]);
    expect(map.entriesLive).toBe(0);
  });

  it('rejects handles that are not causality map handles', () => {
    const handle = new CausalityMap().handle();
    expect(() => CausalityMap.attach({ ...handle, kind: 'x' } as unknown as CausalityMapHandle, 1)).toThrow(
      InvalidArgumentError,
    );
    expect(() => CausalityMap.attach({ ...handle, entries: new SharedArrayBuffer(64) }, 1)).toThrow(
      InvalidArgumentError,
    );
    expect(() => CausalityMap.attach({ ...handle, header: new SharedArrayBuffer(4096) }, 1)).toThrow(
      InvalidArgumentError,
    );
    expect(() => CausalityMap.attach(handle, 64)).toThrow(InvalidArgumentError);
    expect(structuredClone(handle).header).toBeInstanceOf(SharedArrayBuffer);
  });
});
