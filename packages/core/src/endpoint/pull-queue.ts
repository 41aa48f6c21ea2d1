/**
 * The receiver's pull queue: which transfer the pull scheduler asks its sender for next
 * (spec: congestion.md#pull-order). Strict priority between the 8 levels; within a level the
 * transfer with the **fewest bytes left to request** first (SRPT, as Homa's receivers grant), ties
 * in arrival order; and every `antiStarvationEvery`-th contended pop the entry that has waited
 * longest, whatever its level and size, so a long transfer behind a stream of shorter ones still
 * moves (Homa keeps a 5–10 % FIFO share for the same reason).
 *
 * Intrusive over the owner's slot ids `0 .. capacity-1`: two {@link IndexedMinHeap}s (by (level,
 * remaining, age) and by age), no allocation after construction; push, pop and remove are
 * O(log n), peek and has O(1).
 */
import { assert } from '../assert.js';
import { InvalidArgumentError } from '../errors.js';
import { IndexedMinHeap } from '../indexed-min-heap.js';

/** Default anti-starvation period: one contended pop in 16 serves the oldest entry (6.25 %). */
export const PULL_QUEUE_ANTI_STARVATION_EVERY_DEFAULT = 16;

/** Levels × 2^49 keeps level-major order: remaining bytes are below 2^48 (u48 sealed sizes). */
const LEVEL_WEIGHT = 2 ** 49;
/** Largest remaining-bytes key. */
const REMAINING_MAX = 2 ** 48;
const NONE = -1;

/** Options of a {@link PullQueue}. */
export interface PullQueueOptions {
  /** Ids the queue can hold: `0 .. capacity-1` (each queued at most once). 1 .. 2^26. */
  readonly capacity: number;
  /**
   * Every N-th contended pop (made while two or more entries are queued) serves the entry queued
   * longest ago instead of the SRPT head: 0 = pure priority + SRPT, else an integer 2 .. 2^30
   * (default {@link PULL_QUEUE_ANTI_STARVATION_EVERY_DEFAULT}).
   */
  readonly antiStarvationEvery?: number;
}

/** Priority levels, then shortest remaining first, with an age share; see the module comment. */
export class PullQueue {
  /** Most ids. */
  readonly capacity: number;
  /** Anti-starvation period (0: none). */
  readonly antiStarvationEvery: number;
  private readonly bySize: IndexedMinHeap;
  private readonly byAge: IndexedMinHeap;
  private sequence = 0;
  private contendedPops = 0;

  constructor(options: PullQueueOptions) {
    const capacity = options.capacity;
    if (!(Number.isInteger(capacity) && capacity >= 1 && capacity <= 2 ** 26)) {
      throw new InvalidArgumentError(`pull queue capacity must be an integer in [1, 2^26], got ${capacity}`);
    }
    const every = options.antiStarvationEvery ?? PULL_QUEUE_ANTI_STARVATION_EVERY_DEFAULT;
    if (!(every === 0 || (Number.isInteger(every) && every >= 2 && every <= 2 ** 30))) {
      throw new InvalidArgumentError(`antiStarvationEvery must be 0 or an integer in [2, 2^30], got ${every}`);
    }
    this.capacity = capacity;
    this.antiStarvationEvery = every;
    this.bySize = new IndexedMinHeap(capacity);
    this.byAge = new IndexedMinHeap(capacity);
  }

  /** Queued ids. */
  get size(): number {
    return this.bySize.size;
  }

  /** Whether `id` is queued. */
  has(id: number): boolean {
    return this.bySize.has(id);
  }

  /**
   * Queues `id` (not queued yet) at priority `level` (0 first … 7) with `remainingBytes` still to
   * request (its SRPT key, fixed until it is popped or removed).
   */
  push(id: number, level: number, remainingBytes: number): void {
    assert(Number.isInteger(id) && id >= 0 && id < this.capacity, 'pull queue id out of range');
    assert(!this.bySize.has(id), 'pull queue id already queued');
    assert(Number.isInteger(level) && level >= 0 && level <= 7, 'pull queue level out of range');
    const remaining = Math.min(Math.max(remainingBytes, 0), REMAINING_MAX - 1);
    const age = this.sequence++;
    this.bySize.set(id, level * LEVEL_WEIGHT + remaining, age);
    this.byAge.set(id, age, 0);
  }

  /** The id the next {@link pop} returns, or -1 when empty (no state changes). */
  peek(): number {
    const head = this.bySize.first();
    if (head === NONE || !this.ageTurn()) return head;
    return this.byAge.first();
  }

  /** Removes and returns the next id (see {@link peek}), or -1 when empty. */
  pop(): number {
    const id = this.peek();
    if (id === NONE) return NONE;
    if (this.bySize.size >= 2) this.contendedPops++;
    this.bySize.remove(id);
    this.byAge.remove(id);
    return id;
  }

  /** Removes `id` if queued; returns whether it was. */
  remove(id: number): boolean {
    if (!this.bySize.remove(id)) return false;
    this.byAge.remove(id);
    return true;
  }

  /** Whether the next contended pop is the age turn. */
  private ageTurn(): boolean {
    const every = this.antiStarvationEvery;
    return every !== 0 && this.bySize.size >= 2 && (this.contendedPops + 1) % every === 0;
  }
}
