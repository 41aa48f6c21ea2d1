/**
 * Replay windows for TRANSFER_NOTIFY. Owns, for every (path secret, sending worker) pair, a sliding
 * bitmap over that sender's notify sequence numbers, the accept / duplicate / too-old decision and
 * its counters. All windows live in one preallocated Uint32Array; the path-secret map decides which
 * window slot belongs to which pair (see `path-secret-map.ts`).
 *
 * spec: replay-and-secrets.md#replay-window
 */
import { assert } from './assert.js';
import { InvalidArgumentError } from './errors.js';

/** Outcome of {@link ReplayWindowTable.check}. */
export const ReplayResult = {
  /** Above the highest sequence seen: accept; committing it slides the window forward. */
  AcceptNew: 0,
  /** Inside the window and not seen yet: accept. */
  Accept: 1,
  /** Inside the window and already seen: drop silently (counted). */
  Duplicate: 2,
  /** Below the window (or no window exists): cannot tell, so challenge the sender (counted). */
  TooOld: 3,
  /** Not an integer in [0, 2^53): a protocol violation by an authenticated peer (counted). */
  Invalid: 4,
} as const;

/** Union of the {@link ReplayResult} values. */
export type ReplayResult = (typeof ReplayResult)[keyof typeof ReplayResult];

/** Window slot meaning "no window available": every check answers {@link ReplayResult.TooOld}. */
export const REPLAY_NO_WINDOW = -1;

/** Smallest supported window, in sequence numbers. */
export const REPLAY_WINDOW_BITS_MIN = 64;

/** Largest supported window, in sequence numbers (128 KiB of bitmap per window). */
export const REPLAY_WINDOW_BITS_MAX = 1 << 20;

/** Default window size: tolerates 4096 notifies of reordering per (secret, worker), 516 bytes each. */
export const REPLAY_WINDOW_BITS_DEFAULT = 4096;

/** Largest notify sequence number dcq handles (2^53 - 1): far beyond any path secret's life. */
export const NOTIFY_SEQUENCE_MAX = Number.MAX_SAFE_INTEGER;

/** Upper bound on the total bitmap size of one table, in 32-bit words (256 MiB). */
const TABLE_WORDS_MAX = 1 << 26;

const TWO_POW_32 = 4294967296;

/**
 * Converts a notify sequence carried on the wire as (hi u32, lo u32) to a double. Returns -1 when
 * the value is 2^53 or above (the caller treats it as a protocol violation); never throws.
 */
export function notifySequenceFromHiLo(hi: number, lo: number): number {
  if (hi >= 0x200000) return -1;
  return hi * TWO_POW_32 + lo;
}

/** Configuration of a {@link ReplayWindowTable}. */
export interface ReplayWindowTableOptions {
  /** How many windows (tracked (path secret, sending worker) pairs) exist; 1 ..= 2^20. */
  readonly capacity: number;
  /** Window size W in sequence numbers: a power of two in [64, 2^20]; e.g. 4096. */
  readonly windowBits: number;
}

/**
 * A fixed set of replay windows, each a circular bitmap of W + 32 bits over notify sequence
 * numbers plus the highest sequence committed. A window accepts sequence `s` when
 * `s > highest` (new) or `highest - W < s <= highest` and `s` was not committed yet.
 *
 * Checking and committing are separate so the engine can check, then decode and validate the
 * notify entry, and only commit once it acts on it: an entry that fails validation (or is
 * dropped at a limit) must not consume its sequence number, otherwise its legitimate
 * retransmission would be reported as a duplicate. Commit each entry before checking the next
 * one of the same window so duplicates within one datagram are caught.
 *
 * Sliding costs O(words the window moves), and a jump of W or more clears the window in
 * O(W / 32). Nothing allocates after construction.
 */
export class ReplayWindowTable {
  /** Number of windows. */
  readonly capacity: number;
  /** Window size W in sequence numbers. */
  readonly windowBits: number;
  /** 32-bit words per window: W / 32 + 1 (one extra word so the window is exactly W wide). */
  readonly wordsPerWindow: number;
  /** Checks answered {@link ReplayResult.Duplicate}. */
  duplicatesTotal: number;
  /** Checks answered {@link ReplayResult.TooOld} (including checks without a window). */
  tooOldTotal: number;
  /** Checks answered {@link ReplayResult.Invalid}. */
  invalidTotal: number;
  /** Allocations refused because every window was in use. */
  exhaustedTotal: number;

  private readonly bitmap: Uint32Array;
  private readonly highest: Float64Array;
  private readonly allocated: Uint8Array;
  private readonly freeSlots: Int32Array;
  private freeCount: number;

  constructor(options: ReplayWindowTableOptions) {
    const { capacity, windowBits } = options;
    if (!Number.isInteger(windowBits) || windowBits < REPLAY_WINDOW_BITS_MIN || windowBits > REPLAY_WINDOW_BITS_MAX) {
      throw new InvalidArgumentError(
        `replay windowBits must be an integer in [${REPLAY_WINDOW_BITS_MIN}, ${REPLAY_WINDOW_BITS_MAX}], got ${windowBits}`,
      );
    }
    if ((windowBits & (windowBits - 1)) !== 0) {
      throw new InvalidArgumentError(`replay windowBits must be a power of two, got ${windowBits}`);
    }
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1 << 20) {
      throw new InvalidArgumentError(`replay window capacity must be an integer in [1, 2^20], got ${capacity}`);
    }
    const wordsPerWindow = windowBits / 32 + 1;
    if (capacity * wordsPerWindow > TABLE_WORDS_MAX) {
      throw new InvalidArgumentError(
        `replay windows need ${capacity * wordsPerWindow * 4} bytes, above the ${TABLE_WORDS_MAX * 4}-byte limit; lower capacity or windowBits`,
      );
    }
    this.capacity = capacity;
    this.windowBits = windowBits;
    this.wordsPerWindow = wordsPerWindow;
    this.duplicatesTotal = 0;
    this.tooOldTotal = 0;
    this.invalidTotal = 0;
    this.exhaustedTotal = 0;
    this.bitmap = new Uint32Array(capacity * wordsPerWindow);
    this.highest = new Float64Array(capacity).fill(-1);
    this.allocated = new Uint8Array(capacity);
    this.freeSlots = new Int32Array(capacity);
    // Lowest slot handed out first: deterministic and cache-friendly.
    for (let i = 0; i < capacity; i++) this.freeSlots[i] = capacity - 1 - i;
    this.freeCount = capacity;
  }

  /** Windows currently allocated. */
  get inUse(): number {
    return this.capacity - this.freeCount;
  }

  /**
   * Takes a fresh, empty window (nothing seen; every sequence >= 0 is new). Returns
   * {@link REPLAY_NO_WINDOW} when all windows are in use: the caller then challenges every notify
   * of that pair (a fresh window must never replace a live one, or old notifies would be accepted).
   */
  allocate(): number {
    if (this.freeCount === 0) {
      this.exhaustedTotal++;
      return REPLAY_NO_WINDOW;
    }
    this.freeCount--;
    const slot = this.freeSlots[this.freeCount] as number;
    assert(this.allocated[slot] === 0, 'replay window slot handed out twice');
    this.allocated[slot] = 1;
    const base = slot * this.wordsPerWindow;
    this.bitmap.fill(0, base, base + this.wordsPerWindow);
    this.highest[slot] = -1;
    return slot;
  }

  /** Returns a window to the free list (when its path secret is removed). */
  release(slot: number): void {
    assert(slot >= 0 && slot < this.capacity && this.allocated[slot] === 1, 'release of a free replay window');
    this.allocated[slot] = 0;
    this.freeSlots[this.freeCount] = slot;
    this.freeCount++;
  }

  /** Whether `slot` is currently allocated. */
  isAllocated(slot: number): boolean {
    return slot >= 0 && slot < this.capacity && this.allocated[slot] === 1;
  }

  /** Highest sequence committed to the window, or -1 when none was. */
  highestSequence(slot: number): number {
    assert(this.isAllocated(slot), 'highestSequence of a free replay window');
    return this.highest[slot] as number;
  }

  /**
   * Classifies `sequence` against the window without changing it (only the counters move).
   * `slot` may be {@link REPLAY_NO_WINDOW}, which always answers {@link ReplayResult.TooOld}.
   */
  check(slot: number, sequence: number): ReplayResult {
    if (!(sequence >= 0 && sequence <= NOTIFY_SEQUENCE_MAX) || Math.floor(sequence) !== sequence) {
      this.invalidTotal++;
      return ReplayResult.Invalid;
    }
    if (slot === REPLAY_NO_WINDOW) {
      this.tooOldTotal++;
      return ReplayResult.TooOld;
    }
    assert(slot >= 0 && slot < this.capacity && this.allocated[slot] === 1, 'check of a free replay window');
    const highest = this.highest[slot] as number;
    if (sequence > highest) return ReplayResult.AcceptNew;
    if (highest - sequence >= this.windowBits) {
      this.tooOldTotal++;
      return ReplayResult.TooOld;
    }
    const word = slot * this.wordsPerWindow + (Math.floor(sequence / 32) % this.wordsPerWindow);
    // `sequence & 31` intentionally goes through ToInt32: the low five bits survive for any
    // integer below 2^53.
    if (((this.bitmap[word] as number) & (1 << (sequence & 31))) !== 0) {
      this.duplicatesTotal++;
      return ReplayResult.Duplicate;
    }
    return ReplayResult.Accept;
  }

  /**
   * Records `sequence` as seen, sliding the window when it is above the highest. Returns true when
   * it was newly recorded, false when it was already recorded, is below the window, is invalid, or
   * `slot` is {@link REPLAY_NO_WINDOW} (nothing to record).
   */
  commit(slot: number, sequence: number): boolean {
    if (slot === REPLAY_NO_WINDOW) return false;
    if (!(sequence >= 0 && sequence <= NOTIFY_SEQUENCE_MAX) || Math.floor(sequence) !== sequence) return false;
    assert(slot >= 0 && slot < this.capacity && this.allocated[slot] === 1, 'commit to a free replay window');
    const words = this.wordsPerWindow;
    const base = slot * words;
    const highest = this.highest[slot] as number;
    const block = Math.floor(sequence / 32);
    if (sequence > highest) {
      // Blocks (highest's block, block] enter the window; their words still hold bits from
      // `words` blocks earlier, so clear them. A jump of a whole window clears everything.
      const oldBlock = Math.floor(highest / 32);
      let blocksEntering = block - oldBlock;
      if (blocksEntering >= words) {
        this.bitmap.fill(0, base, base + words);
      } else {
        let word = (oldBlock + 1) % words;
        for (; blocksEntering > 0; blocksEntering--) {
          this.bitmap[base + word] = 0;
          word++;
          if (word === words) word = 0;
        }
      }
      this.highest[slot] = sequence;
    } else if (highest - sequence >= this.windowBits) {
      return false;
    }
    const word = base + (block % words);
    const mask = 1 << (sequence & 31);
    const current = this.bitmap[word] as number;
    if ((current & mask) !== 0) return false;
    this.bitmap[word] = current | mask;
    return true;
  }
}
