/**
 * Priority inversions observed by the network model: moments when a queue served a lower-priority
 * packet while a higher-priority one waited. The model records events into a bounded log
 * ({@link PriorityInversionLog}); the summary counts them in total and per (served, waiting) pair.
 */
import { InvalidArgumentError } from '@dcq/core';

/** Most events one log stores (events beyond it are counted, not stored). */
export const PRIORITY_INVERSION_LOG_CAPACITY_LIMIT = 1 << 22;

/** One inversion. */
export interface PriorityInversionEvent {
  /** When it happened, ns. */
  readonly timeNs: number;
  /** Where: a link, port or host index chosen by the network model. */
  readonly location: number;
  /** Priority of what was served (numerically greater = lower priority). */
  readonly servedPriority: number;
  /** Priority of what waited (numerically smaller than servedPriority). */
  readonly waitingPriority: number;
}

/** Summary of a {@link PriorityInversionLog}. */
export interface PriorityInversionSummary {
  /** All inversions recorded, stored or not. */
  readonly total: number;
  /** Inversions beyond the log's capacity (counted in `total`, not in `byPair`). */
  readonly unstored: number;
  /** `byPair[served · 8 + waiting]`: stored inversions per (served, waiting) priority pair. */
  readonly byPair: Uint32Array;
}

/** A bounded log of inversion events in typed arrays. */
export class PriorityInversionLog {
  /** Events stored. */
  count: number;
  /** All events recorded (≥ count: the excess did not fit). */
  total: number;
  /** Events the log can store. */
  readonly capacity: number;
  /** Event times, ns. */
  readonly timeNs: Float64Array;
  /** Event locations. */
  readonly location: Int32Array;
  /** Served priorities. */
  readonly servedPriority: Uint8Array;
  /** Waiting priorities. */
  readonly waitingPriority: Uint8Array;

  /** A log storing up to `capacity` events (0..{@link PRIORITY_INVERSION_LOG_CAPACITY_LIMIT}). */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0 || capacity > PRIORITY_INVERSION_LOG_CAPACITY_LIMIT) {
      throw new InvalidArgumentError(
        `inversion log capacity must be in [0, ${PRIORITY_INVERSION_LOG_CAPACITY_LIMIT}], got ${capacity}`,
      );
    }
    this.count = 0;
    this.total = 0;
    this.capacity = capacity;
    this.timeNs = new Float64Array(capacity);
    this.location = new Int32Array(capacity);
    this.servedPriority = new Uint8Array(capacity);
    this.waitingPriority = new Uint8Array(capacity);
  }

  /**
   * Records an inversion. Throws an {@link InvalidArgumentError} if it is not one (waiting must be
   * numerically below served, both 0..7). Past capacity the event is only counted.
   */
  record(event: PriorityInversionEvent): void {
    const served = event.servedPriority;
    const waiting = event.waitingPriority;
    if (!Number.isInteger(served) || !Number.isInteger(waiting) || waiting < 0 || served > 7 || waiting >= served) {
      throw new InvalidArgumentError(`not a priority inversion: served ${served} while ${waiting} waited`);
    }
    this.total++;
    const index = this.count;
    if (index === this.capacity) return;
    this.count = index + 1;
    this.timeNs[index] = event.timeNs;
    this.location[index] = event.location;
    this.servedPriority[index] = served;
    this.waitingPriority[index] = waiting;
  }

  /** Counts of the recorded inversions. */
  summarize(): PriorityInversionSummary {
    const byPair = new Uint32Array(64);
    for (let i = 0; i < this.count; i++) {
      const pair = (this.servedPriority[i] as number) * 8 + (this.waitingPriority[i] as number);
      byPair[pair] = (byPair[pair] as number) + 1;
    }
    return { total: this.total, unstored: this.total - this.count, byPair };
  }
}
