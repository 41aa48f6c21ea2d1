/**
 * The generated workload: a bounded, time-ordered list of transfers stored column-wise in typed
 * arrays ({@link TransferList}), the builder the generators fill ({@link TransferListBuilder}) and
 * the merge of several lists into one scenario ({@link mergeTransferLists}).
 *
 * Invariants of every finished list (checked by {@link TransferListBuilder.finish}): times are
 * integer nanoseconds, non-decreasing; source ≠ destination; priorities 0..7; a dependency always
 * points to an earlier row that is not submitted later than its dependent (so the rows are a
 * topological order and dependencies are acyclic by construction); group ids are dense from 0.
 */
import { BackpressureError, DependencyKind, InvalidArgumentError } from '@dcq/core';

/** What kind of operation a row is. */
export const TransferKind = {
  /** A one-way message (or bulk transfer) of `sizeBytes` from source to destination. */
  Message: 0,
  /** An RPC: a request of `sizeBytes`, answered by a response of `responseSizeBytes`. */
  Rpc: 1,
  /** One destination of a broadcast: rows of one broadcast share a group, a time and one payload. */
  Broadcast: 2,
} as const;

/** One of the {@link TransferKind} values. */
export type TransferKind = (typeof TransferKind)[keyof typeof TransferKind];

/** Lowest (least urgent) priority level; 0 is the highest (BRIEF "Priorities"). */
export const PRIORITY_LOWEST = 7;

/** Priority of generated transfers when no rule is given: the endpoint's default level. */
export const WORKLOAD_PRIORITY_DEFAULT = 3;

/** Most rows one list may hold (2^24 ≈ 16.8 M rows, ≈ 750 MB of columns). */
export const TRANSFER_LIST_CAPACITY_LIMIT = 1 << 24;

/** A finished workload: `count` rows, every column exactly `count` long. Treat as read-only. */
export interface TransferList {
  /** Number of rows. */
  readonly count: number;
  /** Submission time, integer nanoseconds of virtual time; non-decreasing. */
  readonly timeNs: Float64Array;
  /** Sending host index. */
  readonly srcHost: Int32Array;
  /** Receiving host index (≠ srcHost). */
  readonly dstHost: Int32Array;
  /** Payload (request) size, bytes. */
  readonly sizeBytes: Float64Array;
  /** Response size for {@link TransferKind.Rpc} rows, bytes (0 otherwise). */
  readonly responseSizeBytes: Float64Array;
  /** Priority, 0 (highest) … 7 (lowest). */
  readonly priority: Uint8Array;
  /** A {@link TransferKind}. */
  readonly kind: Uint8Array;
  /** Index of the row this one depends on, or -1; always below the row's own index. */
  readonly dependency: Int32Array;
  /** A core `DependencyKind` (0..3) for rows with a dependency, 0 otherwise. */
  readonly dependencyKind: Uint8Array;
  /** Group id (a broadcast, a fan-out burst, a causality chain), or -1; ids are 0..groupCount-1. */
  readonly group: Int32Array;
  /** Number of distinct groups. */
  readonly groupCount: number;
}

/**
 * Accumulates rows into preallocated columns. `append()` returns the new row's index with defaults
 * in every column (priority {@link WORKLOAD_PRIORITY_DEFAULT}, kind Message, no dependency, no
 * group, response 0); the caller then writes the columns it needs directly. Nothing is validated
 * until {@link finish}, which checks every invariant and returns exact-length copies.
 */
export class TransferListBuilder {
  /** Rows appended so far. */
  count: number;
  /** Rows this builder can hold. */
  readonly capacity: number;
  /** See {@link TransferList.timeNs}. */
  readonly timeNs: Float64Array;
  /** See {@link TransferList.srcHost}. */
  readonly srcHost: Int32Array;
  /** See {@link TransferList.dstHost}. */
  readonly dstHost: Int32Array;
  /** See {@link TransferList.sizeBytes}. */
  readonly sizeBytes: Float64Array;
  /** See {@link TransferList.responseSizeBytes}. */
  readonly responseSizeBytes: Float64Array;
  /** See {@link TransferList.priority}. */
  readonly priority: Uint8Array;
  /** See {@link TransferList.kind}. */
  readonly kind: Uint8Array;
  /** See {@link TransferList.dependency}. */
  readonly dependency: Int32Array;
  /** See {@link TransferList.dependencyKind}. */
  readonly dependencyKind: Uint8Array;
  /** See {@link TransferList.group}. */
  readonly group: Int32Array;

  /** A builder for up to `capacity` rows (an integer in [0, {@link TRANSFER_LIST_CAPACITY_LIMIT}]). */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0 || capacity > TRANSFER_LIST_CAPACITY_LIMIT) {
      throw new InvalidArgumentError(
        `transfer list capacity must be an integer in [0, ${TRANSFER_LIST_CAPACITY_LIMIT}], got ${capacity}`,
      );
    }
    this.count = 0;
    this.capacity = capacity;
    this.timeNs = new Float64Array(capacity);
    this.srcHost = new Int32Array(capacity);
    this.dstHost = new Int32Array(capacity);
    this.sizeBytes = new Float64Array(capacity);
    this.responseSizeBytes = new Float64Array(capacity);
    this.priority = new Uint8Array(capacity);
    this.kind = new Uint8Array(capacity);
    this.dependency = new Int32Array(capacity);
    this.dependencyKind = new Uint8Array(capacity);
    this.group = new Int32Array(capacity);
  }

  /**
   * Adds a row with default columns and returns its index. Throws a {@link BackpressureError}
   * (limit `transferList.capacity`) when the builder is full: raise the generator's `transfersMax`
   * or shorten the scenario.
   */
  append(): number {
    const index = this.count;
    if (index === this.capacity) {
      throw new BackpressureError(
        'transferList.capacity',
        this.capacity,
        `transfer list is full at ${this.capacity} rows: raise transfersMax or shorten the scenario`,
      );
    }
    this.count = index + 1;
    this.timeNs[index] = 0;
    this.srcHost[index] = 0;
    this.dstHost[index] = 0;
    this.sizeBytes[index] = 0;
    this.responseSizeBytes[index] = 0;
    this.priority[index] = WORKLOAD_PRIORITY_DEFAULT;
    this.kind[index] = TransferKind.Message;
    this.dependency[index] = -1;
    this.dependencyKind[index] = 0;
    this.group[index] = -1;
    return index;
  }

  /**
   * Validates the rows and returns the finished list. With `sortByTime`, rows are first ordered by
   * (time, append order) and dependencies renumbered; without it, times must already be
   * non-decreasing. Group ids are renumbered densely in order of first appearance. Throws an
   * {@link InvalidArgumentError} naming the first bad row.
   */
  finish(options?: { readonly sortByTime?: boolean }): TransferList {
    const count = this.count;
    const order = new Int32Array(count);
    for (let i = 0; i < count; i++) order[i] = i;
    if (options?.sortByTime === true) {
      const times = this.timeNs;
      order.sort((a, b) => (times[a] as number) - (times[b] as number) || a - b);
    }
    const newIndexOf = new Int32Array(count);
    for (let i = 0; i < count; i++) newIndexOf[order[i] as number] = i;

    const list = {
      count,
      timeNs: new Float64Array(count),
      srcHost: new Int32Array(count),
      dstHost: new Int32Array(count),
      sizeBytes: new Float64Array(count),
      responseSizeBytes: new Float64Array(count),
      priority: new Uint8Array(count),
      kind: new Uint8Array(count),
      dependency: new Int32Array(count),
      dependencyKind: new Uint8Array(count),
      group: new Int32Array(count),
      groupCount: 0,
    };
    const groupIds = new Map<number, number>();
    for (let i = 0; i < count; i++) {
      const from = order[i] as number;
      const time = this.timeNs[from] as number;
      const src = this.srcHost[from] as number;
      const dst = this.dstHost[from] as number;
      const size = this.sizeBytes[from] as number;
      const response = this.responseSizeBytes[from] as number;
      const kind = this.kind[from] as number;
      const oldDependency = this.dependency[from] as number;
      const oldGroup = this.group[from] as number;
      if (!Number.isSafeInteger(time) || time < 0) rowError(from, `time ${time} is not a non-negative integer ns`);
      if (i > 0 && time < (list.timeNs[i - 1] as number)) rowError(from, 'times are not non-decreasing');
      if (src < 0 || dst < 0 || src === dst) rowError(from, `hosts ${src} -> ${dst} must be distinct and >= 0`);
      if (!Number.isSafeInteger(size) || size < 0) rowError(from, `size ${size} is not a non-negative integer`);
      if (!Number.isSafeInteger(response) || response < 0) rowError(from, `response size ${response} is invalid`);
      if ((this.priority[from] as number) > PRIORITY_LOWEST) rowError(from, 'priority is above 7');
      if (kind > TransferKind.Broadcast) rowError(from, `kind ${kind} is not a TransferKind`);
      if (kind !== TransferKind.Rpc && response !== 0) rowError(from, 'only RPC rows have a response size');
      let dependency = -1;
      if (oldDependency !== -1) {
        if (oldDependency < 0 || oldDependency >= from) rowError(from, 'a dependency must be an earlier row');
        dependency = newIndexOf[oldDependency] as number;
        if (dependency >= i) rowError(from, 'a dependency must not be submitted after its dependent');
        if ((this.dependencyKind[from] as number) > DependencyKind.ResponseReceivedCascade) {
          rowError(from, 'dependency kind is not a DependencyKind');
        }
      } else if ((this.dependencyKind[from] as number) !== 0) {
        rowError(from, 'dependency kind set without a dependency');
      }
      let group = -1;
      if (oldGroup !== -1) {
        if (oldGroup < 0) rowError(from, `group ${oldGroup} is negative`);
        const known = groupIds.get(oldGroup);
        if (known === undefined) {
          group = groupIds.size;
          groupIds.set(oldGroup, group);
        } else {
          group = known;
        }
      }
      list.timeNs[i] = time;
      list.srcHost[i] = src;
      list.dstHost[i] = dst;
      list.sizeBytes[i] = size;
      list.responseSizeBytes[i] = response;
      list.priority[i] = this.priority[from] as number;
      list.kind[i] = kind;
      list.dependency[i] = dependency;
      list.dependencyKind[i] = this.dependencyKind[from] as number;
      list.group[i] = group;
    }
    list.groupCount = groupIds.size;
    return list;
  }
}

function rowError(row: number, problem: string): never {
  throw new InvalidArgumentError(`transfer row ${row}: ${problem}`);
}

/**
 * Concatenates lists into one scenario ordered by (time, list order, row order); dependencies and
 * groups are renumbered so each stays within its own list. `timeOffsetsNs[k]` (integers ≥ 0,
 * default 0) shifts every time of list k, e.g. to start an incast 1 ms into a background load.
 */
export function mergeTransferLists(
  lists: readonly TransferList[],
  options?: { readonly timeOffsetsNs?: ArrayLike<number> },
): TransferList {
  let total = 0;
  for (const list of lists) total += list.count;
  const builder = new TransferListBuilder(total);
  let groupBase = 0;
  for (let k = 0; k < lists.length; k++) {
    const list = lists[k] as TransferList;
    const offset = options?.timeOffsetsNs?.[k] ?? 0;
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new InvalidArgumentError(`time offset ${k} must be a non-negative integer ns, got ${offset}`);
    }
    const rowBase = builder.count;
    for (let i = 0; i < list.count; i++) {
      const row = builder.append();
      builder.timeNs[row] = (list.timeNs[i] as number) + offset;
      builder.srcHost[row] = list.srcHost[i] as number;
      builder.dstHost[row] = list.dstHost[i] as number;
      builder.sizeBytes[row] = list.sizeBytes[i] as number;
      builder.responseSizeBytes[row] = list.responseSizeBytes[i] as number;
      builder.priority[row] = list.priority[i] as number;
      builder.kind[row] = list.kind[i] as number;
      const dependency = list.dependency[i] as number;
      builder.dependency[row] = dependency < 0 ? -1 : rowBase + dependency;
      builder.dependencyKind[row] = list.dependencyKind[i] as number;
      const group = list.group[i] as number;
      builder.group[row] = group < 0 ? -1 : groupBase + group;
    }
    groupBase += list.groupCount;
  }
  return builder.finish({ sortByTime: true });
}
