/**
 * The causality map: opt-in dependency tracking between transfers, shared by every thread of a
 * process (application threads and NIC workers) through SharedArrayBuffers.
 *
 * A transfer that opts in gets a token (slot + generation). A later transfer may depend on earlier
 * tokens with one of four {@link DependencyKind}s: wait for the dependency's request to be sent or
 * for its response, and cascade its failure or not. The entry of a transfer goes
 * PENDING → READY (all dependency conditions hold) → REQUEST_SENT → COMPLETED, or to FAILED from
 * any non-terminal state. The map tells each entry's owner, through a per-owner inbox drained by
 * {@link CausalityMap.poll}, when the entry became READY or was FAILED by a cascading dependency.
 *
 * The graph is acyclic by construction: dependencies are declared only when an entry is created and
 * must name entries that already exist, so creation order is a topological order (asserted with a
 * creation serial number on every edge). No cycle detection is needed.
 *
 * Concurrency (details and the correctness argument in docs/causality.md): every entry has a state
 * word `generation << 5 | sent << 4 | lock << 3 | state`. A thread locks an entry with one
 * compareExchange that also checks the generation, so a stale token can never lock (or act on) a
 * reused slot. Only O(1) work happens under an entry lock and no thread ever holds two locks, so
 * there is no deadlock; transitions that do not touch the lists (PENDING → READY) are a single
 * compareExchange on the unlocked word. Dependents are notified outside the lock, in O(their count);
 * failure cascades use an explicit work stack threaded through the failed entries (no recursion).
 * Slot and edge allocation take a small futex-style mutex in the header. A hold word per entry
 * (references + unprocessed edges) keeps a slot from being reused while anything still names it.
 *
 * The REQUEST_SENT / RESPONSE_RECEIVED signals and the cascade rule are the sender transfer's
 * causality signals. // spec: state-machines.md#sender-transfer
 */
import { assert } from './assert.js';
import {
  CAUSALITY_LAYOUT_VERSION,
  CAUSALITY_MAGIC,
  DEPENDENCIES_PER_ENTRY_LIMIT,
  E_CAUSE_GENERATION,
  E_CAUSE_SLOT,
  E_DONE_HEAD,
  E_FLAGS,
  E_HOLD,
  E_LINK,
  E_SENT_HEAD,
  E_SERIAL,
  E_STATE,
  E_WORK_NEXT,
  EDGE_BYTES,
  EDGE_CAPACITY_LIMIT,
  EDGE_SHIFT,
  EDGE_WORDS,
  ENTRY_BYTES,
  ENTRY_CAPACITY_LIMIT,
  ENTRY_SHIFT,
  ENTRY_WORDS,
  FLAG_DEPENDENCY_FAILED,
  FLAG_NOTIFY_FAILED,
  G_DEPENDENT,
  G_DEPENDENT_GENERATION,
  G_KIND,
  G_NEXT,
  GENERATION_MAX,
  GENERATION_SHIFT,
  H_ALLOC_LOCK,
  H_DEPENDENCIES_MAX,
  H_EDGE_CAPACITY,
  H_EDGE_CAPACITY_MAX,
  H_EDGE_FREE_COUNT,
  H_EDGE_FREE_HEAD,
  H_EDGE_HWM,
  H_EDGES_LIVE,
  H_ENTRIES_LIVE,
  H_ENTRY_CAPACITY,
  H_ENTRY_CAPACITY_MAX,
  H_ENTRY_FREE_HEAD,
  H_ENTRY_HWM,
  H_MAGIC,
  H_OWNERS_MAX,
  H_SERIAL,
  H_VERSION,
  HEADER_GLOBAL_WORDS,
  HOLD_EDGE_MASK,
  HOLD_REF,
  KIND_CASCADE,
  KIND_WAIT_RESPONSE,
  LOCK_BIT,
  NIL,
  O_INBOX,
  O_TAKEN,
  OWNER_MASK,
  OWNER_WORDS,
  OWNERS_LIMIT,
  SENT_BIT,
  STATE_COMPLETED,
  STATE_FAILED,
  STATE_FREE,
  STATE_MASK,
  STATE_PENDING,
  STATE_READY,
  STATE_RELEASED,
  STATE_REQUEST_SENT,
  TOKEN_SLOT_RADIX,
} from './causality-layout.js';
import { BackpressureError, InvalidArgumentError, StaleHandleError } from './errors.js';

/**
 * How a dependent waits on one dependency. Bit 0: wait for the response (else for the request to
 * be sent); bit 1: the dependency's failure fails the dependent (else the dependent proceeds and
 * {@link CausalityMap.dependencyFailed} says a dependency failed).
 */
export const DependencyKind = {
  /** Proceed once the dependency's request is sent; proceed anyway if it fails first. */
  RequestSent: 0,
  /** Proceed once the dependency completes; proceed anyway if it fails. */
  ResponseReceived: 1,
  /** Proceed once the dependency's request is sent; fail if it fails before that. */
  RequestSentCascade: 2,
  /** Proceed once the dependency completes; fail if it fails. */
  ResponseReceivedCascade: 3,
} as const;

/** One of the four {@link DependencyKind} values. */
export type DependencyKind = (typeof DependencyKind)[keyof typeof DependencyKind];

/** The state of an entry as seen through a token. */
export const CausalityState = {
  /** The token's entry was released (and its slot possibly reused): the token is stale. */
  Stale: 0,
  /** Waiting for at least one dependency condition. */
  Pending: 1,
  /** Every dependency condition holds: the transfer may be scheduled. */
  Ready: 2,
  /** The transfer's request was sent. */
  RequestSent: 3,
  /** The transfer completed (terminal). */
  Completed: 4,
  /** The transfer failed, by its owner or through a cascading dependency (terminal). */
  Failed: 5,
} as const;

/** One of the {@link CausalityState} values. */
export type CausalityState = (typeof CausalityState)[keyof typeof CausalityState];

/** What {@link CausalityMap.poll} reports about an entry. */
export const CausalityOutcome = {
  /** Every dependency condition holds and no dependency failed. */
  Ready: 1,
  /** Every dependency condition holds, but at least one non-cascading dependency failed. */
  ReadyDependencyFailed: 2,
  /** A cascading dependency failed, so the entry failed (see {@link CausalityMap.failureCause}). */
  Failed: 3,
} as const;

/** One of the {@link CausalityOutcome} values. */
export type CausalityOutcome = (typeof CausalityOutcome)[keyof typeof CausalityOutcome];

/** Sizing of a new causality map (every field has a default). */
export interface CausalityMapOptions {
  /** Entry slots backed by memory at start (default 1024). */
  readonly entryCapacityInitial?: number;
  /** Most entry slots ever (default 2^20, limit 2^24); then `create` throws {@link BackpressureError}. */
  readonly entryCapacityMax?: number;
  /** Dependency edges backed by memory at start (default 4096). */
  readonly edgeCapacityInitial?: number;
  /** Most dependency edges ever (default 2^22, limit 2^26); then `create` throws {@link BackpressureError}. */
  readonly edgeCapacityMax?: number;
  /** Most dependencies one entry may declare (default 4096, limit 2^20). */
  readonly dependenciesPerEntryMax?: number;
  /** Number of owners (threads or workers with their own inbox), default 64, limit 65536. */
  readonly ownersMax?: number;
  /** Owner id of this instance: entries it creates notify this owner's inbox (default 0). */
  readonly ownerId?: number;
}

/**
 * A structured-clone-able description of a map's shared memory: post it to another thread and call
 * {@link CausalityMap.attach} there.
 */
export interface CausalityMapHandle {
  /** Always `'dcq.causality-map'`. */
  readonly kind: 'dcq.causality-map';
  /** Layout version of the buffers. */
  readonly version: number;
  /** Fixed-size header: allocator state, counters, per-owner inboxes. */
  readonly header: SharedArrayBuffer;
  /** Growable buffer of entry records. */
  readonly entries: SharedArrayBuffer;
  /** Growable buffer of edge records. */
  readonly edges: SharedArrayBuffer;
}

// Node 20 has growable SharedArrayBuffers, but TypeScript's ES2022 lib does not describe them.
interface GrowableSharedArrayBuffer extends SharedArrayBuffer {
  readonly growable: boolean;
  readonly maxByteLength: number;
  grow(newByteLength: number): void;
}
type GrowableSharedArrayBufferConstructor = new (
  byteLength: number,
  options: { maxByteLength: number },
) => GrowableSharedArrayBuffer;
const GrowableSharedArrayBuffer = SharedArrayBuffer as unknown as GrowableSharedArrayBufferConstructor;

/** Default {@link CausalityMapOptions.entryCapacityInitial}. */
export const CAUSALITY_ENTRY_CAPACITY_INITIAL_DEFAULT = 1024;
/** Default {@link CausalityMapOptions.entryCapacityMax}. */
export const CAUSALITY_ENTRY_CAPACITY_MAX_DEFAULT = 2 ** 20;
/** Default {@link CausalityMapOptions.edgeCapacityInitial}. */
export const CAUSALITY_EDGE_CAPACITY_INITIAL_DEFAULT = 4096;
/** Default {@link CausalityMapOptions.edgeCapacityMax}. */
export const CAUSALITY_EDGE_CAPACITY_MAX_DEFAULT = 2 ** 22;
/** Default {@link CausalityMapOptions.dependenciesPerEntryMax}. */
export const CAUSALITY_DEPENDENCIES_PER_ENTRY_MAX_DEFAULT = 4096;
/** Default {@link CausalityMapOptions.ownersMax}. */
export const CAUSALITY_OWNERS_MAX_DEFAULT = 64;
/** Largest entry capacity a map accepts (2^24: the slot bits of a token). */
export const CAUSALITY_ENTRY_CAPACITY_LIMIT = ENTRY_CAPACITY_LIMIT;
/** Largest edge capacity a map accepts (2^26). */
export const CAUSALITY_EDGE_CAPACITY_LIMIT = EDGE_CAPACITY_LIMIT;
/** Largest number of owners (2^16). */
export const CAUSALITY_OWNERS_LIMIT = OWNERS_LIMIT;
/** Never a live token: usable as "no token" in tables. */
export const CAUSALITY_TOKEN_NONE = 0;

// An entry lock is held for a handful of instructions, so spinning almost always wins at once. If
// the holder's thread was descheduled, sleep briefly (no notify needed: waiters time out); a lock
// still held after ~10 s means a thread died holding it, which is reported instead of hanging.
const LOCK_SPINS = 64;
const LOCK_SLEEP_MS = 0.05;
const LOCK_SLEEPS_MAX = 200_000;
const ALLOC_SPINS = 64;
const HANDLE_KIND = 'dcq.causality-map';

function isIntegerIn(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

function optionInteger(value: number | undefined, fallback: number, name: string, min: number, max: number): number {
  const chosen = value ?? fallback;
  if (!isIntegerIn(chosen, min, max)) {
    throw new InvalidArgumentError(
      `causality map option ${name} must be an integer in [${min}, ${max}], got ${chosen}`,
    );
  }
  return chosen;
}

// Errors are built in these cold functions, never inline in the hot methods: with the template
// literals inline, V8 optimised `create` markedly worse (measured ~35% fewer cycles/s in the bench).

const STATE_NAMES = ['free', 'pending', 'ready', 'request-sent', 'completed', 'failed', 'released'];

function notATokenError(token: number): InvalidArgumentError {
  return new InvalidArgumentError(`${token} is not a token of this causality map`);
}

function staleTokenError(token: number): StaleHandleError {
  return new StaleHandleError(`causality token ${token} was released`);
}

function staleDependencyError(token: number, duringCreate: boolean): StaleHandleError {
  return new StaleHandleError(
    duringCreate
      ? `dependency token ${token} was released while its dependent was being created`
      : `dependency token ${token} was released: keep a dependency unreleased until its dependents are created`,
  );
}

function wrongStateError(what: string, token: number, state: number): InvalidArgumentError {
  return new InvalidArgumentError(`${what}; token ${token} is ${STATE_NAMES[state] ?? state}`);
}

function dependencyCountError(count: number, max: number): InvalidArgumentError {
  return new InvalidArgumentError(
    `dependency count must be an integer in [0, ${max}] (causality.dependenciesPerEntryMax), got ${count}`,
  );
}

function ownerIdError(ownerId: number, ownersMax: number): InvalidArgumentError {
  return new InvalidArgumentError(`owner id must be an integer in [0, ${ownersMax - 1}], got ${ownerId}`);
}

function kindError(kind: number): InvalidArgumentError {
  return new InvalidArgumentError(`dependency kind must be 0..3 (a DependencyKind), got ${kind}`);
}

function entryCapacityError(max: number): BackpressureError {
  return new BackpressureError(
    'causality.entryCapacityMax',
    max,
    `causality map is full (${max} entries): complete, fail and release entries, or raise entryCapacityMax`,
  );
}

function edgeCapacityError(count: number, max: number): BackpressureError {
  return new BackpressureError(
    'causality.edgeCapacityMax',
    max,
    `causality map has no room for ${count} more dependency edges (maximum ${max}): resolve dependencies first, or raise edgeCapacityMax`,
  );
}

function word(view: Int32Array, index: number): number {
  return view[index] as number;
}

/**
 * A causality map usable from several threads at once (see the module comment). No method allocates
 * JS objects in steady state (growth happens under the allocation mutex); the one cost V8 adds is
 * boxing: tokens exceed 2^31 (they keep 26 generation bits), so passing one through a call V8 does
 * not inline makes a 16-byte heap number (measured ~32 bytes per create/complete/release cycle).
 *
 * Lifecycle of an entry: `create` → (poll reports READY) → `markRequestSent` → `complete` or
 * `fail` (allowed at any non-terminal point) → `release`. The slot is reused once the entry is
 * released AND every edge from it has been processed AND its queued notification (if any) has been
 * polled. A token names one entry forever: after release every method taking it throws
 * {@link StaleHandleError} (queries report {@link CausalityState.Stale}), even once the slot holds
 * another entry.
 *
 * Typical owner loop: `create` entries as transfers are submitted; regularly `poll` the inbox and
 * schedule READY transfers (or fail the transfers reported FAILED); call `markRequestSent`,
 * `complete`/`fail` as the transfer progresses; `release` when the application no longer needs
 * the outcome.
 */
export class CausalityMap {
  /** Owner id of this instance: `create` names it as owner by default and `poll` drains its inbox. */
  readonly ownerId: number;
  private readonly headerBuffer: SharedArrayBuffer;
  private readonly entryBuffer: GrowableSharedArrayBuffer;
  private readonly edgeBuffer: GrowableSharedArrayBuffer;
  private readonly header: Int32Array;
  /** Fixed-length view over the entry buffer, replaced when another thread grew it. */
  private entryWords: Int32Array;
  private entryCapacityLocal: number;
  /** Fixed-length view over the edge buffer, replaced when another thread grew it. */
  private edgeWords: Int32Array;
  private edgeCapacityLocal: number;
  private readonly entryCapacityMax: number;
  private readonly edgeCapacityMax: number;
  private readonly dependenciesPerEntryMax: number;
  private readonly ownersMax: number;
  /** Result slots of `allocate` (fields, not a returned tuple, so allocation stays allocation-free). */
  private allocatedSlot: number;
  private allocatedEdges: number;

  /**
   * Creates a new map with its own shared memory.
   * @param options sizing and this instance's owner id.
   * @param attachTo internal: use {@link CausalityMap.attach} to attach to an existing map.
   */
  constructor(options: CausalityMapOptions = {}, attachTo?: CausalityMapHandle) {
    this.allocatedSlot = NIL;
    this.allocatedEdges = NIL;
    if (attachTo === undefined) {
      const entryCapacityMax = optionInteger(
        options.entryCapacityMax,
        CAUSALITY_ENTRY_CAPACITY_MAX_DEFAULT,
        'entryCapacityMax',
        1,
        ENTRY_CAPACITY_LIMIT,
      );
      const entryCapacityInitial = optionInteger(
        options.entryCapacityInitial,
        Math.min(CAUSALITY_ENTRY_CAPACITY_INITIAL_DEFAULT, entryCapacityMax),
        'entryCapacityInitial',
        1,
        entryCapacityMax,
      );
      const edgeCapacityMax = optionInteger(
        options.edgeCapacityMax,
        CAUSALITY_EDGE_CAPACITY_MAX_DEFAULT,
        'edgeCapacityMax',
        1,
        EDGE_CAPACITY_LIMIT,
      );
      const edgeCapacityInitial = optionInteger(
        options.edgeCapacityInitial,
        Math.min(CAUSALITY_EDGE_CAPACITY_INITIAL_DEFAULT, edgeCapacityMax),
        'edgeCapacityInitial',
        1,
        edgeCapacityMax,
      );
      const dependenciesPerEntryMax = optionInteger(
        options.dependenciesPerEntryMax,
        Math.min(CAUSALITY_DEPENDENCIES_PER_ENTRY_MAX_DEFAULT, edgeCapacityMax),
        'dependenciesPerEntryMax',
        0,
        Math.min(edgeCapacityMax, DEPENDENCIES_PER_ENTRY_LIMIT),
      );
      const ownersMax = optionInteger(options.ownersMax, CAUSALITY_OWNERS_MAX_DEFAULT, 'ownersMax', 1, OWNERS_LIMIT);
      this.headerBuffer = new SharedArrayBuffer((HEADER_GLOBAL_WORDS + ownersMax * OWNER_WORDS) * 4);
      this.entryBuffer = new GrowableSharedArrayBuffer(entryCapacityInitial * ENTRY_BYTES, {
        maxByteLength: entryCapacityMax * ENTRY_BYTES,
      });
      this.edgeBuffer = new GrowableSharedArrayBuffer(edgeCapacityInitial * EDGE_BYTES, {
        maxByteLength: edgeCapacityMax * EDGE_BYTES,
      });
      const header = new Int32Array(this.headerBuffer);
      header[H_VERSION] = CAUSALITY_LAYOUT_VERSION;
      header[H_ENTRY_CAPACITY] = entryCapacityInitial;
      header[H_ENTRY_CAPACITY_MAX] = entryCapacityMax;
      header[H_ENTRY_FREE_HEAD] = NIL;
      header[H_EDGE_CAPACITY] = edgeCapacityInitial;
      header[H_EDGE_CAPACITY_MAX] = edgeCapacityMax;
      header[H_EDGE_FREE_HEAD] = NIL;
      header[H_OWNERS_MAX] = ownersMax;
      header[H_DEPENDENCIES_MAX] = dependenciesPerEntryMax;
      for (let owner = 0; owner < ownersMax; owner++) {
        header[HEADER_GLOBAL_WORDS + owner * OWNER_WORDS + O_INBOX] = NIL;
        header[HEADER_GLOBAL_WORDS + owner * OWNER_WORDS + O_TAKEN] = NIL;
      }
      // Published last: an attacher that sees the magic sees an initialised header.
      Atomics.store(header, H_MAGIC, CAUSALITY_MAGIC);
      this.header = header;
    } else {
      const { header, entries, edges } = attachTo;
      if (
        attachTo.kind !== HANDLE_KIND ||
        attachTo.version !== CAUSALITY_LAYOUT_VERSION ||
        !(header instanceof SharedArrayBuffer) ||
        !(entries instanceof SharedArrayBuffer) ||
        !(edges instanceof SharedArrayBuffer) ||
        !(entries as GrowableSharedArrayBuffer).growable ||
        !(edges as GrowableSharedArrayBuffer).growable ||
        header.byteLength < HEADER_GLOBAL_WORDS * 4
      ) {
        throw new InvalidArgumentError('not a causality map handle: pass the value of map.handle() unchanged');
      }
      this.headerBuffer = header;
      this.entryBuffer = entries as GrowableSharedArrayBuffer;
      this.edgeBuffer = edges as GrowableSharedArrayBuffer;
      this.header = new Int32Array(header);
      if (
        Atomics.load(this.header, H_MAGIC) !== CAUSALITY_MAGIC ||
        Atomics.load(this.header, H_VERSION) !== CAUSALITY_LAYOUT_VERSION
      ) {
        throw new InvalidArgumentError('causality map handle has an unknown layout: attach with the same dcq version');
      }
    }
    this.entryCapacityMax = Atomics.load(this.header, H_ENTRY_CAPACITY_MAX);
    this.edgeCapacityMax = Atomics.load(this.header, H_EDGE_CAPACITY_MAX);
    this.dependenciesPerEntryMax = Atomics.load(this.header, H_DEPENDENCIES_MAX);
    this.ownersMax = Atomics.load(this.header, H_OWNERS_MAX);
    this.ownerId = optionInteger(options.ownerId, 0, 'ownerId', 0, this.ownersMax - 1);
    this.entryCapacityLocal = this.entryBuffer.byteLength / ENTRY_BYTES;
    this.entryWords = new Int32Array(this.entryBuffer, 0, this.entryCapacityLocal * ENTRY_WORDS);
    this.edgeCapacityLocal = this.edgeBuffer.byteLength / EDGE_BYTES;
    this.edgeWords = new Int32Array(this.edgeBuffer, 0, this.edgeCapacityLocal * EDGE_WORDS);
  }

  /**
   * Attaches to a map created in another thread (or this one) from its {@link CausalityMap.handle}.
   * Each thread that polls needs its own `ownerId`: an owner's inbox has exactly one consumer.
   */
  static attach(handle: CausalityMapHandle, ownerId: number): CausalityMap {
    return new CausalityMap({ ownerId }, handle);
  }

  /** A structured-clone-able descriptor of this map's shared memory (for `postMessage`). */
  handle(): CausalityMapHandle {
    return {
      kind: HANDLE_KIND,
      version: CAUSALITY_LAYOUT_VERSION,
      header: this.headerBuffer,
      entries: this.entryBuffer,
      edges: this.edgeBuffer,
    };
  }

  /** Allocated entry slots, including released entries still referenced by unprocessed edges. */
  get entriesLive(): number {
    return Atomics.load(this.header, H_ENTRIES_LIVE);
  }

  /** Allocated dependency edges (linked and not yet processed). */
  get edgesLive(): number {
    return Atomics.load(this.header, H_EDGES_LIVE);
  }

  /** Entry slots currently backed by memory. */
  get entryCapacity(): number {
    return Atomics.load(this.header, H_ENTRY_CAPACITY);
  }

  /** Edges currently backed by memory. */
  get edgeCapacity(): number {
    return Atomics.load(this.header, H_EDGE_CAPACITY);
  }

  // -------------------------------------------------------------------------------------------
  // Commands

  /**
   * Creates an entry that depends on the first `dependencyCount` tokens of `dependencies`, and
   * returns its token. Dependencies must be live (created and not released) for the whole call;
   * a dependency already past its wait condition is satisfied (or failed) at once. The entry will
   * be reported exactly once by the owner's {@link CausalityMap.poll} — as READY or, if a cascading
   * dependency failed, as FAILED — unless its owner fails it first.
   *
   * @param dependencies tokens of the entries this one depends on (duplicates are allowed).
   * @param kinds one {@link DependencyKind} for all, or one per dependency (default: ResponseReceivedCascade).
   * @param dependencyCount how many of `dependencies` to use (default: all).
   * @param ownerId owner whose inbox reports this entry (default: this instance's owner).
   * @throws {BackpressureError} when the entry or edge capacity maximum is reached; nothing changed.
   * @throws {StaleHandleError} when a dependency token was released; nothing changed (unless another
   *   thread released it during the call: then the new entry is discarded before the error).
   * @throws {InvalidArgumentError} for a malformed token or kind, or too many dependencies.
   */
  create(
    dependencies?: ArrayLike<number>,
    kinds: ArrayLike<number> | number = DependencyKind.ResponseReceivedCascade,
    dependencyCount: number = dependencies === undefined ? 0 : dependencies.length,
    ownerId: number = this.ownerId,
  ): number {
    if (!isIntegerIn(dependencyCount, 0, this.dependenciesPerEntryMax)) {
      throw dependencyCountError(dependencyCount, this.dependenciesPerEntryMax);
    }
    if (dependencyCount > 0 && (dependencies === undefined || dependencies.length < dependencyCount)) {
      throw new InvalidArgumentError('dependencyCount exceeds the length of the dependencies array');
    }
    if (typeof kinds !== 'number' && kinds.length < dependencyCount) {
      throw new InvalidArgumentError('kinds must be one DependencyKind or one per dependency');
    }
    if (!isIntegerIn(ownerId, 0, this.ownersMax - 1)) {
      throw ownerIdError(ownerId, this.ownersMax);
    }
    // Pass 1, no side effects: every kind valid, every dependency live right now. (Plain reads: a
    // dependency released during the call is caught again under its lock in pass 2.)
    for (let i = 0; i < dependencyCount; i++) {
      const kind = typeof kinds === 'number' ? kinds : (kinds[i] as number);
      if (!(kind >= 0 && kind <= 3 && (kind | 0) === kind)) {
        throw kindError(kind);
      }
      const token = (dependencies as ArrayLike<number>)[i] as number;
      const generation = this.generationOf(token);
      const slot = token - generation * TOKEN_SLOT_RADIX;
      const stateWord = word(this.entries(slot), slot << ENTRY_SHIFT);
      const state = stateWord & STATE_MASK;
      if (stateWord >>> GENERATION_SHIFT !== generation || state === STATE_FREE || state === STATE_RELEASED) {
        throw staleDependencyError(token, false);
      }
    }

    this.allocate(dependencyCount);
    const slot = this.allocatedSlot;
    let edge = this.allocatedEdges;
    const e = this.entries(slot);
    const base = slot << ENTRY_SHIFT;
    // The slot came off the free list under the allocation mutex, which ordered its last writes.
    const freeWord = word(e, base + E_STATE);
    assert((freeWord & (STATE_MASK | LOCK_BIT)) === STATE_FREE, 'allocated causality slot is not free');
    const generation = freeWord >>> GENERATION_SHIFT === 0 ? 1 : freeWord >>> GENERATION_SHIFT;
    const serial = (Atomics.add(this.header, H_SERIAL, 1) + 1) | 0;
    e[base + E_HOLD] = HOLD_REF + 1; // the owner's reference + the creation guard
    e[base + E_FLAGS] = ownerId;
    e[base + E_SENT_HEAD] = NIL;
    e[base + E_DONE_HEAD] = NIL;
    e[base + E_LINK] = NIL;
    e[base + E_WORK_NEXT] = NIL;
    e[base + E_SERIAL] = serial;
    e[base + E_CAUSE_GENERATION] = 0;
    e[base + E_CAUSE_SLOT] = 0;
    Atomics.store(e, base + E_STATE, (generation << GENERATION_SHIFT) | STATE_PENDING);
    const token = generation * TOKEN_SLOT_RADIX + slot;

    // Pass 2: link one edge onto each dependency that has not yet reached the wait condition.
    for (let i = 0; i < dependencyCount; i++) {
      const kind = typeof kinds === 'number' ? kinds : (kinds[i] as number);
      const dependencyToken = (dependencies as ArrayLike<number>)[i] as number;
      const dependencyGeneration = Math.floor(dependencyToken / TOKEN_SLOT_RADIX);
      const dependency = dependencyToken - dependencyGeneration * TOKEN_SLOT_RADIX;
      const d = this.entries(dependency);
      const dependencyBase = dependency << ENTRY_SHIFT;
      const lockedWord = this.lockEntry(d, dependencyBase, dependencyGeneration);
      const dependencyState = lockedWord & STATE_MASK;
      if (lockedWord < 0 || dependencyState === STATE_RELEASED) {
        // Another thread released the dependency between pass 1 and now: discard the new entry.
        if (lockedWord >= 0) Atomics.store(d, dependencyBase, lockedWord);
        this.discardCreated(slot, generation, edge);
        throw staleDependencyError(dependencyToken, true);
      }
      assert(dependency !== slot, 'causality entry depends on itself');
      // Acyclicity: the dependency was created before this entry (serials wrap: compare the difference).
      assert(((serial - word(d, dependencyBase + E_SERIAL)) | 0) > 0, 'causality edge to a newer entry');
      const waitResponse = (kind & KIND_WAIT_RESPONSE) !== 0;
      if (
        dependencyState === STATE_COMPLETED ||
        (!waitResponse && (dependencyState === STATE_REQUEST_SENT || (lockedWord & SENT_BIT) !== 0))
      ) {
        Atomics.store(d, dependencyBase, lockedWord); // the condition already held: satisfied at once
        continue;
      }
      if (dependencyState === STATE_FAILED) {
        Atomics.store(d, dependencyBase, lockedWord);
        if ((kind & KIND_CASCADE) !== 0) {
          // Nobody else holds the new token yet, so the entry has no dependents to cascade to.
          const workTop = this.failDependent(slot, dependencyGeneration, dependency, NIL);
          assert(workTop === NIL, 'entry being created already has dependents');
          break; // failed: the remaining dependencies do not matter
        }
        Atomics.or(e, base + E_FLAGS, FLAG_DEPENDENCY_FAILED);
        continue;
      }
      // Link under the dependency's lock, so resolving it (which takes the same lock) sees the edge.
      // The dependent's hold counts the edge before the edge becomes visible.
      const g = this.edges(edge);
      const edgeBase = edge << EDGE_SHIFT;
      const nextEdge = word(g, edgeBase + G_NEXT);
      const headIndex = dependencyBase + (waitResponse ? E_DONE_HEAD : E_SENT_HEAD);
      g[edgeBase + G_NEXT] = word(d, headIndex);
      g[edgeBase + G_DEPENDENT] = slot;
      g[edgeBase + G_KIND] = kind;
      g[edgeBase + G_DEPENDENT_GENERATION] = generation;
      Atomics.add(e, base + E_HOLD, 1);
      d[headIndex] = edge;
      Atomics.store(d, dependencyBase, lockedWord);
      edge = nextEdge;
    }
    if (edge !== NIL) this.freeEdgeChain(edge);
    // Drop the creation guard like a processed edge: if every edge is already satisfied, READY now.
    this.edgeProcessed(slot);
    return token;
  }

  /**
   * Marks a READY entry's request as sent: dependents waiting for "request sent" are satisfied.
   * Returns false if the entry has already failed (e.g. its owner failed it on another thread).
   * @throws {StaleHandleError} for a released token; {@link InvalidArgumentError} if the entry is
   *   not READY (still pending, or already sent).
   */
  markRequestSent(token: number): boolean {
    const generation = this.generationOf(token);
    const slot = token - generation * TOKEN_SLOT_RADIX;
    const e = this.entries(slot);
    const base = slot << ENTRY_SHIFT;
    const lockedWord = this.lockLive(e, base, generation, token);
    const state = lockedWord & STATE_MASK;
    if (state !== STATE_READY) {
      Atomics.store(e, base, lockedWord);
      if (state === STATE_FAILED) return false;
      throw wrongStateError('markRequestSent needs a READY entry', token, state);
    }
    const sentHead = word(e, base + E_SENT_HEAD);
    e[base + E_SENT_HEAD] = NIL;
    Atomics.store(e, base, (lockedWord & ~STATE_MASK) | SENT_BIT | STATE_REQUEST_SENT);
    if (sentHead !== NIL) this.satisfyList(sentHead, NIL);
    return true;
  }

  /**
   * Completes an entry whose request was sent (a READY entry is taken to have sent it too): all
   * dependents waiting on it are satisfied. Returns false if it already failed or completed.
   * @throws {StaleHandleError} for a released token; {@link InvalidArgumentError} if still PENDING.
   */
  complete(token: number): boolean {
    const generation = this.generationOf(token);
    const slot = token - generation * TOKEN_SLOT_RADIX;
    const e = this.entries(slot);
    const base = slot << ENTRY_SHIFT;
    const lockedWord = this.lockLive(e, base, generation, token);
    const state = lockedWord & STATE_MASK;
    if (state !== STATE_REQUEST_SENT && state !== STATE_READY) {
      Atomics.store(e, base, lockedWord);
      if (state === STATE_FAILED || state === STATE_COMPLETED) return false;
      throw wrongStateError('complete needs a READY or sent entry', token, state);
    }
    const sentHead = word(e, base + E_SENT_HEAD);
    const doneHead = word(e, base + E_DONE_HEAD);
    e[base + E_SENT_HEAD] = NIL;
    e[base + E_DONE_HEAD] = NIL;
    Atomics.store(e, base, (lockedWord & ~STATE_MASK) | SENT_BIT | STATE_COMPLETED);
    if (sentHead !== NIL) this.satisfyList(sentHead, doneHead);
    else if (doneHead !== NIL) this.satisfyList(doneHead, NIL);
    return true;
  }

  /**
   * Fails a non-terminal entry. Dependents on cascading edges that were still waiting fail too (and
   * theirs, transitively, without recursion); dependents on non-cascading edges proceed with
   * {@link CausalityMap.dependencyFailed} set. Returns false if it already failed or completed.
   * @throws {StaleHandleError} for a released token.
   */
  fail(token: number): boolean {
    const generation = this.generationOf(token);
    const slot = token - generation * TOKEN_SLOT_RADIX;
    const e = this.entries(slot);
    const base = slot << ENTRY_SHIFT;
    const lockedWord = this.lockLive(e, base, generation, token);
    const state = lockedWord & STATE_MASK;
    if (state === STATE_FAILED || state === STATE_COMPLETED) {
      Atomics.store(e, base, lockedWord);
      return false;
    }
    // The work-stack reference keeps the slot (and its lists) ours even if the owner releases it now.
    Atomics.add(e, base + E_HOLD, HOLD_REF);
    e[base + E_WORK_NEXT] = NIL;
    Atomics.store(e, base, (lockedWord & ~STATE_MASK) | STATE_FAILED);
    this.runFailures(slot);
    return true;
  }

  /**
   * Releases a terminal (COMPLETED or FAILED) entry: its token becomes stale at once, and the slot is
   * reused once nothing holds it any more (its own dependency edges processed, its queued
   * notification polled).
   * @throws {StaleHandleError} if already released; {@link InvalidArgumentError} if not terminal
   *   (fail it first to abandon it).
   */
  release(token: number): void {
    const generation = this.generationOf(token);
    const slot = token - generation * TOKEN_SLOT_RADIX;
    const e = this.entries(slot);
    const base = slot << ENTRY_SHIFT;
    const lockedWord = this.lockLive(e, base, generation, token);
    const state = lockedWord & STATE_MASK;
    if (state !== STATE_COMPLETED && state !== STATE_FAILED) {
      Atomics.store(e, base, lockedWord);
      throw wrongStateError('release needs a completed or failed entry (fail() it first to abandon it)', token, state);
    }
    Atomics.store(e, base, (lockedWord & ~STATE_MASK) | STATE_RELEASED);
    this.unref(slot);
  }

  /**
   * Moves up to `outTokens.length` (and `outOutcomes.length`) notifications of this owner into the
   * arrays, oldest first, and returns how many: tokens of entries that became READY, or FAILED
   * through a cascading dependency, since they were created. Entries already released are skipped.
   */
  poll(outTokens: Float64Array, outOutcomes: Uint8Array): number {
    const h = this.header;
    const ownerBase = HEADER_GLOBAL_WORDS + this.ownerId * OWNER_WORDS;
    const limit = Math.min(outTokens.length, outOutcomes.length);
    let taken = word(h, ownerBase + O_TAKEN);
    let count = 0;
    while (count < limit) {
      if (taken === NIL) {
        taken = this.takeInbox(ownerBase);
        if (taken === NIL) break;
      }
      const slot = taken;
      const e = this.entries(slot);
      const base = slot << ENTRY_SHIFT;
      taken = word(e, base + E_LINK);
      e[base + E_LINK] = NIL;
      // The notification's reference keeps the generation; the flags were set before the push.
      const stateWord = word(e, base);
      if ((stateWord & STATE_MASK) !== STATE_RELEASED) {
        const flags = word(e, base + E_FLAGS);
        outTokens[count] = (stateWord >>> GENERATION_SHIFT) * TOKEN_SLOT_RADIX + slot;
        outOutcomes[count] =
          (flags & FLAG_NOTIFY_FAILED) !== 0
            ? CausalityOutcome.Failed
            : (flags & FLAG_DEPENDENCY_FAILED) !== 0
              ? CausalityOutcome.ReadyDependencyFailed
              : CausalityOutcome.Ready;
        count++;
      }
      this.unref(slot); // the notification's reference
    }
    h[ownerBase + O_TAKEN] = taken;
    return count;
  }

  // -------------------------------------------------------------------------------------------
  // Queries

  /** The entry's state, or {@link CausalityState.Stale} if the token was released. */
  stateOf(token: number): CausalityState {
    const generation = this.generationOf(token);
    const slot = token - generation * TOKEN_SLOT_RADIX;
    const stateWord = Atomics.load(this.entries(slot), slot << ENTRY_SHIFT);
    const state = stateWord & STATE_MASK;
    if (stateWord >>> GENERATION_SHIFT !== generation || state === STATE_FREE || state === STATE_RELEASED) {
      return CausalityState.Stale;
    }
    return state as CausalityState;
  }

  /** Whether a non-cascading dependency of the entry failed (it still proceeds). */
  dependencyFailed(token: number): boolean {
    return (this.readLiveWord(token, E_FLAGS) & FLAG_DEPENDENCY_FAILED) !== 0;
  }

  /**
   * The token of the dependency whose failure cascaded to this entry, or {@link CAUSALITY_TOKEN_NONE}
   * if the entry did not fail through a dependency. That token may itself be stale by now.
   */
  failureCause(token: number): number {
    const causeGeneration = this.readLiveWord(token, E_CAUSE_GENERATION);
    const causeSlot = this.readLiveWord(token, E_CAUSE_SLOT);
    return causeGeneration === 0 ? CAUSALITY_TOKEN_NONE : causeGeneration * TOKEN_SLOT_RADIX + causeSlot;
  }

  // -------------------------------------------------------------------------------------------
  // Internals

  /** Decodes a token's generation, validating the token's form and slot range. */
  private generationOf(token: number): number {
    const generation = Math.floor(token / TOKEN_SLOT_RADIX);
    const slot = token - generation * TOKEN_SLOT_RADIX;
    if (
      !(generation >= 1 && generation <= GENERATION_MAX && slot >= 0 && (slot | 0) === slot) ||
      slot >= this.entryCapacityMax ||
      (slot >= this.entryCapacityLocal && slot >= this.entryBuffer.byteLength / ENTRY_BYTES)
    ) {
      throw notATokenError(token);
    }
    return generation;
  }

  /** The entry view covering `slot`, re-created if another thread grew the buffer. */
  private entries(slot: number): Int32Array {
    if (slot >= this.entryCapacityLocal) this.refreshEntries(slot);
    return this.entryWords;
  }

  private refreshEntries(slot: number): void {
    // The slot index was published after the growth that created it, so byteLength covers it.
    const capacity = this.entryBuffer.byteLength / ENTRY_BYTES;
    assert(slot < capacity, 'causality entry slot beyond the shared entry buffer');
    this.entryWords = new Int32Array(this.entryBuffer, 0, capacity * ENTRY_WORDS);
    this.entryCapacityLocal = capacity;
  }

  /** The edge view covering `edge`, re-created if another thread grew the buffer. */
  private edges(edge: number): Int32Array {
    if (edge >= this.edgeCapacityLocal) this.refreshEdges(edge);
    return this.edgeWords;
  }

  private refreshEdges(edge: number): void {
    const capacity = this.edgeBuffer.byteLength / EDGE_BYTES;
    assert(edge < capacity, 'causality edge beyond the shared edge buffer');
    this.edgeWords = new Int32Array(this.edgeBuffer, 0, capacity * EDGE_WORDS);
    this.edgeCapacityLocal = capacity;
  }

  /**
   * Reads one word of a live entry without locking: the generation is checked before and after
   * the read (a slot's generation changes on every reuse), so a reused slot is never reported.
   */
  private readLiveWord(token: number, offset: number): number {
    const generation = this.generationOf(token);
    const slot = token - generation * TOKEN_SLOT_RADIX;
    const e = this.entries(slot);
    const base = slot << ENTRY_SHIFT;
    const before = Atomics.load(e, base);
    const value = Atomics.load(e, base + offset);
    const after = Atomics.load(e, base);
    const state = after & STATE_MASK;
    if (
      before >>> GENERATION_SHIFT !== generation ||
      after >>> GENERATION_SHIFT !== generation ||
      state === STATE_FREE ||
      state === STATE_RELEASED
    ) {
      throw staleTokenError(token);
    }
    return value;
  }

  /**
   * Locks an entry if its state word still carries `generation`; returns the (unlocked) word seen,
   * or -1 if the generation differs (stale token). Unlock with `Atomics.store(e, base, newWord)`.
   */
  private lockEntry(e: Int32Array, base: number, generation: number): number {
    // A plain read is enough to pick the expected value: the compareExchange validates it.
    let stateWord = word(e, base);
    for (let attempt = 0; ; attempt++) {
      if (stateWord >>> GENERATION_SHIFT !== generation) {
        // Maybe only a stale plain read: confirm with an atomic one before calling the token stale.
        stateWord = Atomics.load(e, base);
        if (stateWord >>> GENERATION_SHIFT !== generation) return -1;
      }
      if ((stateWord & LOCK_BIT) === 0) {
        const seen = Atomics.compareExchange(e, base, stateWord, stateWord | LOCK_BIT);
        if (seen === stateWord) return stateWord;
        stateWord = seen;
        continue;
      }
      if (attempt >= LOCK_SPINS) {
        assert(attempt < LOCK_SPINS + LOCK_SLEEPS_MAX, 'causality entry lock held for seconds (a thread died?)');
        Atomics.wait(e, base, stateWord, LOCK_SLEEP_MS);
      }
      stateWord = Atomics.load(e, base);
    }
  }

  /** Locks the live entry of a token from the API, throwing StaleHandleError if it was released. */
  private lockLive(e: Int32Array, base: number, generation: number, token: number): number {
    const lockedWord = this.lockEntry(e, base, generation);
    if (lockedWord >= 0) {
      const state = lockedWord & STATE_MASK;
      if (state !== STATE_RELEASED && state !== STATE_FREE) return lockedWord;
      Atomics.store(e, base, lockedWord);
    }
    throw staleTokenError(token);
  }

  /** Locks an entry this thread holds (its generation cannot change meanwhile). */
  private lockHeld(e: Int32Array, base: number): number {
    const lockedWord = this.lockEntry(e, base, word(e, base) >>> GENERATION_SHIFT);
    assert(lockedWord >= 0, 'held causality entry changed generation');
    return lockedWord;
  }

  /**
   * One of the entry's dependency edges (or its creation guard) is done. The edge's unit is turned
   * into a temporary reference in the same atomic step when it was the last one, so the entry
   * cannot be freed under the caller; that reference becomes the READY notification's, or is dropped.
   */
  private edgeProcessed(slot: number): void {
    const e = this.entries(slot);
    const holdIndex = (slot << ENTRY_SHIFT) + E_HOLD;
    let hold = word(e, holdIndex);
    for (;;) {
      assert((hold & HOLD_EDGE_MASK) !== 0, 'causality entry edge count underflow');
      const last = (hold & HOLD_EDGE_MASK) === 1;
      const next = last ? hold - 1 + HOLD_REF : hold - 1;
      const seen = Atomics.compareExchange(e, holdIndex, hold, next);
      if (seen === hold) {
        if (last) this.makeReady(slot);
        return;
      }
      hold = seen;
    }
  }

  /**
   * PENDING → READY once every edge is done, holding a temporary reference that becomes the
   * notification's. One compareExchange on the unlocked word: this transition touches no list.
   */
  private makeReady(slot: number): void {
    const e = this.entries(slot);
    const base = slot << ENTRY_SHIFT;
    let stateWord = word(e, base);
    for (let attempt = 0; ; attempt++) {
      const state = stateWord & STATE_MASK;
      if (state !== STATE_PENDING) {
        // Failed by its owner or a cascade (and maybe released): no READY, drop the reference.
        assert(state === STATE_FAILED || state === STATE_RELEASED, 'causality entry became ready twice');
        this.unref(slot);
        return;
      }
      if ((stateWord & LOCK_BIT) === 0) {
        const seen = Atomics.compareExchange(e, base, stateWord, (stateWord & ~STATE_MASK) | STATE_READY);
        if (seen === stateWord) break;
        stateWord = seen;
        continue;
      }
      if (attempt >= LOCK_SPINS) {
        assert(attempt < LOCK_SPINS + LOCK_SLEEPS_MAX, 'causality entry lock held for seconds (a thread died?)');
        Atomics.wait(e, base, stateWord, LOCK_SLEEP_MS);
      }
      stateWord = Atomics.load(e, base);
    }
    this.pushInbox(slot, word(e, base + E_FLAGS) & OWNER_MASK);
  }

  /**
   * Fails a PENDING dependent because a cascading dependency failed (the caller holds the edge, so
   * the slot stays); returns the new top of the failure work stack (the dependent is pushed on it
   * when it has dependents of its own).
   */
  private failDependent(slot: number, causeGeneration: number, causeSlot: number, workTop: number): number {
    const e = this.entries(slot);
    const base = slot << ENTRY_SHIFT;
    const lockedWord = this.lockHeld(e, base);
    const state = lockedWord & STATE_MASK;
    if (state !== STATE_PENDING) {
      // Already failed (by its owner or another cascade). It cannot be READY or beyond: this
      // cascading edge was not yet satisfied.
      assert(state === STATE_FAILED || state === STATE_RELEASED, 'cascading failure reached a non-pending entry');
      Atomics.store(e, base, lockedWord);
      return workTop;
    }
    e[base + E_CAUSE_GENERATION] = causeGeneration;
    e[base + E_CAUSE_SLOT] = causeSlot;
    Atomics.or(e, base + E_FLAGS, FLAG_NOTIFY_FAILED);
    const hasDependents = word(e, base + E_SENT_HEAD) !== NIL || word(e, base + E_DONE_HEAD) !== NIL;
    Atomics.add(e, base + E_HOLD, hasDependents ? 2 * HOLD_REF : HOLD_REF); // notification (+ work stack)
    if (hasDependents) e[base + E_WORK_NEXT] = workTop;
    Atomics.store(e, base, (lockedWord & ~STATE_MASK) | STATE_FAILED);
    this.pushInbox(slot, word(e, base + E_FLAGS) & OWNER_MASK);
    return hasDependents ? slot : workTop;
  }

  /**
   * Processes the failure work stack starting at `top` (an entry this thread just moved to FAILED,
   * holding a work reference): each failed entry's waiting dependents are failed (cascading edges)
   * or proceed with the dependency-failed flag (other edges). Iterative: the stack is threaded
   * through E_WORK_NEXT of the failed entries, so a 10,000-deep chain uses no call stack.
   */
  private runFailures(top: number): void {
    let workTop = top;
    while (workTop !== NIL) {
      const failed = workTop;
      const e = this.entries(failed);
      const base = failed << ENTRY_SHIFT;
      workTop = word(e, base + E_WORK_NEXT);
      e[base + E_WORK_NEXT] = NIL;
      // FAILED is terminal and linkers check the state under the lock, so these lists are ours now.
      const sentHead = word(e, base + E_SENT_HEAD);
      const doneHead = word(e, base + E_DONE_HEAD);
      e[base + E_SENT_HEAD] = NIL;
      e[base + E_DONE_HEAD] = NIL;
      const failedGeneration = word(e, base) >>> GENERATION_SHIFT;
      if (sentHead !== NIL) workTop = this.failList(sentHead, failedGeneration, failed, workTop);
      if (doneHead !== NIL) workTop = this.failList(doneHead, failedGeneration, failed, workTop);
      this.unref(failed); // the work-stack reference
    }
  }

  /** Resolves every edge of a failed entry's list; returns the new work-stack top. */
  private failList(head: number, failedGeneration: number, failed: number, workTop: number): number {
    let top = workTop;
    let edge = head;
    let tail = NIL;
    let count = 0;
    while (edge !== NIL) {
      const g = this.edges(edge);
      const edgeBase = edge << EDGE_SHIFT;
      const dependent = word(g, edgeBase + G_DEPENDENT);
      this.checkEdgeDependent(g, edgeBase, dependent);
      if ((word(g, edgeBase + G_KIND) & KIND_CASCADE) !== 0) {
        top = this.failDependent(dependent, failedGeneration, failed, top);
      } else {
        // Set before the edge is counted done, so whoever makes the entry READY sees the flag.
        Atomics.or(this.entries(dependent), (dependent << ENTRY_SHIFT) + E_FLAGS, FLAG_DEPENDENCY_FAILED);
      }
      this.edgeProcessed(dependent);
      tail = edge;
      count++;
      edge = word(g, edgeBase + G_NEXT);
    }
    this.freeEdgeList(head, tail, count);
    return top;
  }

  /** Satisfies every edge of one or two lists taken from a resolved entry, and frees the edges. */
  private satisfyList(head: number, secondHead: number): void {
    let edge = head;
    let tail = NIL;
    let count = 0;
    let second = secondHead;
    for (;;) {
      const g = this.edges(edge);
      const edgeBase = edge << EDGE_SHIFT;
      const dependent = word(g, edgeBase + G_DEPENDENT);
      this.checkEdgeDependent(g, edgeBase, dependent);
      this.edgeProcessed(dependent);
      tail = edge;
      count++;
      edge = word(g, edgeBase + G_NEXT);
      if (edge === NIL) {
        if (second === NIL) break;
        g[edgeBase + G_NEXT] = second; // splice the second list on, to free both in one go
        edge = second;
        second = NIL;
      }
    }
    this.freeEdgeList(head, tail, count);
  }

  private checkEdgeDependent(g: Int32Array, edgeBase: number, dependent: number): void {
    // The edge's unit in the dependent's hold keeps its generation unchanged until it is processed.
    assert(
      word(this.entries(dependent), dependent << ENTRY_SHIFT) >>> GENERATION_SHIFT ===
        word(g, edgeBase + G_DEPENDENT_GENERATION),
      'causality edge names a reused dependent slot',
    );
  }

  /** Pushes an entry (holding a notification reference) onto an owner's inbox. */
  private pushInbox(slot: number, ownerId: number): void {
    const h = this.header;
    const inbox = HEADER_GLOBAL_WORDS + ownerId * OWNER_WORDS + O_INBOX;
    const e = this.entries(slot);
    const linkIndex = (slot << ENTRY_SHIFT) + E_LINK;
    // Lock-free push (retries only when another producer pushed first); the consumer takes the whole
    // stack with one exchange, so there is no ABA problem.
    let head = word(h, inbox);
    for (;;) {
      e[linkIndex] = head;
      const seen = Atomics.compareExchange(h, inbox, head, slot);
      if (seen === head) return;
      head = seen;
    }
  }

  /**
   * Takes this owner's whole inbox with one exchange (no ABA: producers only push, and only this
   * owner takes) and returns it reversed into FIFO order.
   */
  private takeInbox(ownerBase: number): number {
    let chain = Atomics.exchange(this.header, ownerBase + O_INBOX, NIL);
    let reversed = NIL;
    while (chain !== NIL) {
      const e = this.entries(chain);
      const linkIndex = (chain << ENTRY_SHIFT) + E_LINK;
      const next = word(e, linkIndex);
      e[linkIndex] = reversed;
      reversed = chain;
      chain = next;
    }
    return reversed;
  }

  /** Drops one reference; whoever empties the hold frees the slot (its generation advances). */
  private unref(slot: number): void {
    const e = this.entries(slot);
    const base = slot << ENTRY_SHIFT;
    const previous = Atomics.sub(e, base + E_HOLD, HOLD_REF);
    assert(previous >= HOLD_REF, 'causality entry reference count underflow');
    if (previous !== HOLD_REF) return;
    // Nothing holds the entry: only a stale-token caller may still lock it briefly (and will find it
    // RELEASED), so one compareExchange from the unlocked word frees it.
    let stateWord = word(e, base);
    for (let attempt = 0; ; attempt++) {
      assert((stateWord & STATE_MASK) === STATE_RELEASED, 'causality entry freed before its release');
      if ((stateWord & LOCK_BIT) === 0) {
        const generation = stateWord >>> GENERATION_SHIFT;
        const nextGeneration = generation >= GENERATION_MAX ? 1 : generation + 1;
        const seen = Atomics.compareExchange(e, base, stateWord, (nextGeneration << GENERATION_SHIFT) | STATE_FREE);
        if (seen === stateWord) break;
        stateWord = seen;
        continue;
      }
      if (attempt >= LOCK_SPINS) {
        assert(attempt < LOCK_SPINS + LOCK_SLEEPS_MAX, 'causality entry lock held for seconds (a thread died?)');
        Atomics.wait(e, base, stateWord, LOCK_SLEEP_MS);
      }
      stateWord = Atomics.load(e, base);
    }
    assert(
      word(e, base + E_SENT_HEAD) === NIL && word(e, base + E_DONE_HEAD) === NIL,
      'causality entry freed with dependents linked',
    );
    const h = this.header;
    this.lockAlloc();
    e[base + E_LINK] = word(h, H_ENTRY_FREE_HEAD);
    h[H_ENTRY_FREE_HEAD] = slot;
    h[H_ENTRIES_LIVE] = word(h, H_ENTRIES_LIVE) - 1;
    this.unlockAlloc();
  }

  /**
   * Discards an entry whose creation failed half-way (a dependency was released by another thread
   * during `create`): it becomes released, its linked edges are processed as their dependencies
   * resolve, and the unused edges go back to the pool.
   */
  private discardCreated(slot: number, generation: number, unusedEdges: number): void {
    if (unusedEdges !== NIL) this.freeEdgeChain(unusedEdges);
    const e = this.entries(slot);
    const base = slot << ENTRY_SHIFT;
    const lockedWord = this.lockEntry(e, base, generation);
    assert(lockedWord >= 0, 'entry being created changed generation');
    Atomics.store(e, base, (lockedWord & ~STATE_MASK) | STATE_RELEASED);
    this.edgeProcessed(slot); // the creation guard (it cannot become READY: it is released)
    this.unref(slot); // the owner's reference
  }

  // -------------------------------------------------------------------------------------------
  // Allocation (under the header's allocation mutex)

  private lockAlloc(): void {
    const h = this.header;
    if (Atomics.compareExchange(h, H_ALLOC_LOCK, 0, 1) === 0) return;
    for (let spin = 0; spin < ALLOC_SPINS; spin++) {
      if (Atomics.load(h, H_ALLOC_LOCK) === 0 && Atomics.compareExchange(h, H_ALLOC_LOCK, 0, 1) === 0) return;
    }
    // Futex mutex (Drepper, "Futexes are tricky", mutex 2): 2 = locked with possible waiters.
    while (Atomics.exchange(h, H_ALLOC_LOCK, 2) !== 0) Atomics.wait(h, H_ALLOC_LOCK, 2);
  }

  private unlockAlloc(): void {
    if (Atomics.exchange(this.header, H_ALLOC_LOCK, 0) === 2) Atomics.notify(this.header, H_ALLOC_LOCK, 1);
  }

  /**
   * Allocates one entry slot and a chain of `edgeCount` edges, all or nothing; results in
   * `allocatedSlot` and `allocatedEdges` (NIL when `edgeCount` is 0).
   */
  private allocate(edgeCount: number): void {
    const h = this.header;
    this.lockAlloc();
    const entryHwm = word(h, H_ENTRY_HWM);
    let slot = word(h, H_ENTRY_FREE_HEAD);
    if (slot === NIL && entryHwm >= this.entryCapacityMax) {
      this.unlockAlloc();
      throw entryCapacityError(this.entryCapacityMax);
    }
    const edgeFreeCount = word(h, H_EDGE_FREE_COUNT);
    const edgeHwm = word(h, H_EDGE_HWM);
    if (edgeFreeCount + this.edgeCapacityMax - edgeHwm < edgeCount) {
      this.unlockAlloc();
      throw edgeCapacityError(edgeCount, this.edgeCapacityMax);
    }
    const fromFree = Math.min(edgeCount, edgeFreeCount);
    const fresh = edgeCount - fromFree;
    // Grow first (growth may fail and throw); nothing is taken until every part is available.
    if (slot === NIL && entryHwm >= word(h, H_ENTRY_CAPACITY)) this.growEntries();
    if (edgeHwm + fresh > word(h, H_EDGE_CAPACITY)) this.growEdges(edgeHwm + fresh);
    // Entry slot: the free list first (LIFO keeps hot slots in cache), then fresh memory.
    if (slot !== NIL) {
      h[H_ENTRY_FREE_HEAD] = word(this.entries(slot), (slot << ENTRY_SHIFT) + E_LINK);
    } else {
      slot = entryHwm;
      h[H_ENTRY_HWM] = entryHwm + 1;
    }
    h[H_ENTRIES_LIVE] = word(h, H_ENTRIES_LIVE) + 1;
    // Edges: pop from the free list, then take fresh ones above the high-water mark.
    let head = NIL;
    if (edgeCount > 0) {
      let tail = NIL;
      if (fromFree > 0) {
        head = word(h, H_EDGE_FREE_HEAD);
        tail = head;
        for (let i = 1; i < fromFree; i++) tail = word(this.edges(tail), (tail << EDGE_SHIFT) + G_NEXT);
        h[H_EDGE_FREE_HEAD] = word(this.edges(tail), (tail << EDGE_SHIFT) + G_NEXT);
        h[H_EDGE_FREE_COUNT] = edgeFreeCount - fromFree;
      }
      if (fresh > 0) {
        const g = this.edges(edgeHwm + fresh - 1);
        for (let edge = edgeHwm; edge < edgeHwm + fresh; edge++) {
          if (tail === NIL) head = edge;
          else g[(tail << EDGE_SHIFT) + G_NEXT] = edge;
          tail = edge;
        }
        h[H_EDGE_HWM] = edgeHwm + fresh;
      }
      this.edges(tail)[(tail << EDGE_SHIFT) + G_NEXT] = NIL;
      h[H_EDGES_LIVE] = word(h, H_EDGES_LIVE) + edgeCount;
    }
    this.unlockAlloc();
    this.allocatedSlot = slot;
    this.allocatedEdges = head;
  }

  private growEntries(): void {
    const h = this.header;
    const capacity = word(h, H_ENTRY_CAPACITY);
    const grown = Math.min(this.entryCapacityMax, capacity * 2);
    assert(grown > capacity, 'causality entry growth past the maximum');
    this.growBuffer(this.entryBuffer, grown * ENTRY_BYTES, 'causality.entryCapacityMax', this.entryCapacityMax);
    Atomics.store(h, H_ENTRY_CAPACITY, grown);
    this.refreshEntries(grown - 1);
  }

  private growEdges(needed: number): void {
    const h = this.header;
    const capacity = word(h, H_EDGE_CAPACITY);
    const grown = Math.min(this.edgeCapacityMax, Math.max(capacity * 2, needed));
    assert(grown >= needed, 'causality edge growth past the maximum');
    this.growBuffer(this.edgeBuffer, grown * EDGE_BYTES, 'causality.edgeCapacityMax', this.edgeCapacityMax);
    Atomics.store(h, H_EDGE_CAPACITY, grown);
    this.refreshEdges(grown - 1);
  }

  private growBuffer(buffer: GrowableSharedArrayBuffer, byteLength: number, limit: string, limitValue: number): void {
    try {
      buffer.grow(byteLength);
    } catch {
      // The maximum was reserved up front; failing to commit it means the host is out of memory.
      this.unlockAlloc();
      throw new BackpressureError(limit, limitValue, `could not grow the causality map to ${byteLength} bytes`);
    }
  }

  /** Returns a chain of edges (terminated by NIL) to the free list. */
  private freeEdgeChain(head: number): void {
    let tail = head;
    let count = 1;
    for (;;) {
      const next = word(this.edges(tail), (tail << EDGE_SHIFT) + G_NEXT);
      if (next === NIL) break;
      tail = next;
      count++;
    }
    this.freeEdgeList(head, tail, count);
  }

  /** Returns the `count` edges head … tail (linked through G_NEXT) to the free list. */
  private freeEdgeList(head: number, tail: number, count: number): void {
    const h = this.header;
    this.lockAlloc();
    this.edges(tail)[(tail << EDGE_SHIFT) + G_NEXT] = word(h, H_EDGE_FREE_HEAD);
    h[H_EDGE_FREE_HEAD] = head;
    h[H_EDGE_FREE_COUNT] = word(h, H_EDGE_FREE_COUNT) + count;
    h[H_EDGES_LIVE] = word(h, H_EDGES_LIVE) - count;
    this.unlockAlloc();
  }
}
