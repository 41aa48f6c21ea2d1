/**
 * The invariant checkers run on every scenario run (the BRIEF's non-negotiables, made checkable):
 * byte-exact delivery, at-most-once delivery, completeness (exactly one outcome per submitted
 * transfer, a typed status for failures, no "completed" without the delivery it claims), no leaked
 * transport state at quiescence, and held memory within the configured limit. Each is one pass over
 * {@link RunObservations}; each returns a bounded list of {@link Violation}s and a total count.
 * Priority inversions are a measurement, not a failure ({@link measurePriorityInversions}).
 */
import { PriorityInversionLog } from '../metrics/priority-inversions.js';
import { TransferKind, type TransferList } from '../workloads/transfer-list.js';
import { DeliveryFlaw, type RunObservations, STATUS_SENDER_CRASHED, STATUS_SENDER_DOWN } from './observations.js';

/** Names of the invariants, in the order they are checked and reported. */
export const INVARIANT_NAMES = ['byteExact', 'atMostOnce', 'completeness', 'noLeakedState', 'memoryLimit'] as const;

/** One invariant's name. */
export type InvariantName = (typeof INVARIANT_NAMES)[number];

/** One violation. */
export interface Violation {
  /** The invariant broken. */
  readonly kind: InvariantName;
  /** The transfer concerned (−1 when it is about a host or NIC). */
  readonly tag: number;
  /** When it was observed, ns (the end of the run for end-of-run checks). */
  readonly timeNs: number;
  /** What went wrong, in words. */
  readonly detail: string;
}

/** Verdict of one invariant. */
export interface InvariantVerdict {
  /** Violations found in total. */
  readonly violationCount: number;
  /** The first violations found (bounded). */
  readonly violations: readonly Violation[];
}

/** Priority inversions among deliveries (see {@link measurePriorityInversions}). */
export interface PriorityInversionMeasurement {
  /** Deliveries that overtook an earlier-submitted, higher-priority transfer to the same receiver. */
  readonly deliveries: number;
  /** The same events, with (served, waiting) priorities, for the metrics report. */
  readonly log: PriorityInversionLog;
}

/** Everything the checkers concluded about a run. */
export interface InvariantReport {
  /** True when no invariant was violated. */
  readonly passed: boolean;
  /** Verdict per invariant. */
  readonly verdicts: Readonly<Record<InvariantName, InvariantVerdict>>;
  /** Measurements (not failures). */
  readonly measurements: {
    /** See {@link PriorityInversionMeasurement.deliveries}. */
    readonly priorityInversions: number;
    /** Requests delivered again by a restarted receiver. */
    readonly redeliveredAfterRestart: number;
    /** Highest held-bytes peak of any host. */
    readonly heldBytesPeakMax: number;
  };
}

/** Context the checkers need beyond the observations. */
export interface InvariantContext {
  /** The workload. */
  readonly list: TransferList;
  /** Virtual time at the end of the run, ns. */
  readonly endNs: number;
  /** Whether each NIC's host was up at the end (index: NIC id). */
  readonly nicUpAtEnd: ArrayLike<boolean>;
  /** Host of each NIC id. */
  readonly nicHost: ArrayLike<number>;
  /** Names of typed failure statuses, when the transport declares them. */
  readonly statusNames?: Readonly<Record<number, string>>;
  /** Violation records kept per invariant. */
  readonly violationsKeptMax: number;
}

/**
 * Whether row `row` is submitted as an RPC: the `SimTransferRequest` contract marks a one-way
 * message by a zero response size, so an RPC row with an empty response travels as a message.
 */
export function isRpcRow(list: TransferList, row: number): boolean {
  return list.kind[row] === TransferKind.Rpc && (list.responseSizeBytes[row] as number) > 0;
}

class VerdictBuilder {
  violationCount = 0;
  readonly violations: Violation[] = [];
  constructor(
    private readonly kind: InvariantName,
    private readonly keptMax: number,
  ) {}

  add(tag: number, timeNs: number, detail: string): void {
    this.violationCount++;
    if (this.violations.length < this.keptMax) this.violations.push({ kind: this.kind, tag, timeNs, detail });
  }

  done(): InvariantVerdict {
    return { violationCount: this.violationCount, violations: this.violations };
  }
}

function flawText(flaws: number): string {
  const parts: string[] = [];
  if ((flaws & DeliveryFlaw.WrongSize) !== 0) parts.push('wrong size');
  if ((flaws & DeliveryFlaw.WrongBytes) !== 0) parts.push('wrong bytes');
  if ((flaws & DeliveryFlaw.WrongHost) !== 0) parts.push('wrong receiving host');
  if ((flaws & DeliveryFlaw.WrongPeer) !== 0) parts.push('wrong peer index');
  return parts.join(', ');
}

/** Byte-exact delivery: every delivery had the transfer's size and payload, at the right host from the right peer. */
export function checkByteExact(observations: RunObservations, context: InvariantContext): InvariantVerdict {
  const verdict = new VerdictBuilder('byteExact', context.violationsKeptMax);
  for (let tag = 0; tag < observations.count; tag++) {
    const request = observations.requestFlaws[tag] as number;
    const response = observations.responseFlaws[tag] as number;
    if (request !== 0)
      verdict.add(tag, observations.flawNs[tag] as number, `request delivered with ${flawText(request)}`);
    if (response !== 0) {
      verdict.add(tag, observations.flawNs[tag] as number, `response delivered with ${flawText(response)}`);
    }
  }
  if (observations.unknownTags > 0) {
    verdict.add(
      observations.unknownTagFirst,
      observations.unknownTagFirstNs,
      `${observations.unknownTags} deliveries or outcomes carried tags outside the workload (first ${observations.unknownTagFirst})`,
    );
  }
  return verdict.done();
}

/** At-most-once: no (tag, direction) delivered twice by one incarnation of its receiver; no response to a one-way message. */
export function checkAtMostOnce(observations: RunObservations, context: InvariantContext): InvariantVerdict {
  const verdict = new VerdictBuilder('atMostOnce', context.violationsKeptMax);
  for (let tag = 0; tag < observations.count; tag++) {
    const requests = observations.requestDeliveries[tag] as number;
    const responses = observations.responseDeliveries[tag] as number;
    const at = observations.duplicateNs[tag] as number;
    if (requests > 1) verdict.add(tag, at, `request delivered ${requests} times`);
    if (responses > 1) verdict.add(tag, at, `response delivered ${responses} times`);
    if (responses > 0 && !isRpcRow(context.list, tag)) {
      verdict.add(
        tag,
        observations.responseDeliveryNs[tag] as number,
        'a response was delivered for a one-way message',
      );
    }
  }
  return verdict.done();
}

/**
 * Completeness: every submitted transfer got exactly one outcome; a failure has a declared status;
 * status 0 means the request (and for an RPC the response) was delivered.
 */
export function checkCompleteness(observations: RunObservations, context: InvariantContext): InvariantVerdict {
  const verdict = new VerdictBuilder('completeness', context.violationsKeptMax);
  const list = context.list;
  const names = context.statusNames;
  for (let tag = 0; tag < observations.count; tag++) {
    const outcomes = observations.outcomeCount[tag] as number;
    const submitted = !Number.isNaN(observations.submitNs[tag] as number);
    const status = observations.outcomeStatus[tag] as number;
    const at = observations.outcomeNs[tag] as number;
    if (outcomes === 0) {
      verdict.add(tag, context.endNs, submitted ? 'no outcome by the end of the run' : 'never submitted');
      continue;
    }
    if (outcomes > 1) verdict.add(tag, at, `${outcomes} outcomes reported`);
    if (status === 0) {
      if ((observations.requestDeliveries[tag] as number) === 0) {
        verdict.add(tag, at, 'completed, but the request was never delivered');
      } else if (isRpcRow(list, tag) && (observations.responseDeliveries[tag] as number) === 0) {
        verdict.add(tag, at, 'completed, but the response was never delivered');
      }
    } else if (
      names !== undefined &&
      status !== STATUS_SENDER_CRASHED &&
      status !== STATUS_SENDER_DOWN &&
      names[status] === undefined
    ) {
      verdict.add(tag, at, `failed with status ${status}, which the transport does not declare`);
    }
  }
  return verdict.done();
}

const STATE_NAMES = ['transfers', 'buffers', 'timers', 'heldBytes'];

/** No leaked state: every live transport reports all-zero state counters after the drain. */
export function checkNoLeakedState(observations: RunObservations, context: InvariantContext): InvariantVerdict {
  const verdict = new VerdictBuilder('noLeakedState', context.violationsKeptMax);
  const nics = context.nicUpAtEnd.length;
  for (let nic = 0; nic < nics; nic++) {
    if (!context.nicUpAtEnd[nic]) continue;
    const leaked: string[] = [];
    for (let k = 0; k < 4; k++) {
      const value = observations.finalState[nic * 4 + k] as number;
      if (value !== 0) leaked.push(`${STATE_NAMES[k]}=${value}`);
    }
    if (leaked.length > 0) {
      verdict.add(-1, context.endNs, `host ${context.nicHost[nic]} NIC id ${nic} still holds ${leaked.join(', ')}`);
    }
  }
  return verdict.done();
}

/** Memory: no host's sampled held bytes went above the limit. */
export function checkMemoryLimit(observations: RunObservations, context: InvariantContext): InvariantVerdict {
  const verdict = new VerdictBuilder('memoryLimit', context.violationsKeptMax);
  for (let host = 0; host < observations.hostHeldPeakBytes.length; host++) {
    const at = observations.hostHeldExceededNs[host] as number;
    if (!Number.isNaN(at)) {
      verdict.add(
        -1,
        at,
        `host ${host} held ${observations.hostHeldPeakBytes[host]} bytes at its peak, limit ${observations.heldBytesPerHostMax}`,
      );
    }
  }
  return verdict.done();
}

/**
 * Priority inversions among deliveries. "a was submitted before b" means (S(a), a) < (S(b), b):
 * accepted by its sender's transport at an earlier time, or at the same time and earlier in the
 * workload (the application's submission order within an instant, e.g. inside a fan-out burst).
 * A delivered transfer b (its request or message reached the receiving application at D(b)) is
 * counted once when some transfer a to the same receiving host with strictly higher priority,
 * P(a) < P(b), was submitted before b and delivered after it, D(a) > D(b). Only delivered transfers
 * count on either side. Each counted b becomes one log event: served = P(b), waiting = the highest
 * priority it overtook, time D(b), location the receiver. O(n log n): rows sorted by (receiver,
 * S, tag), then one running maximum of D per priority level.
 */
export function measurePriorityInversions(
  observations: RunObservations,
  list: TransferList,
  logCapacity = 4096,
): PriorityInversionMeasurement {
  const log = new PriorityInversionLog(Math.min(logCapacity, observations.count));
  const order: number[] = [];
  for (let tag = 0; tag < observations.count; tag++) {
    if (!Number.isNaN(observations.requestDeliveryNs[tag] as number)) order.push(tag);
  }
  const submit = observations.submitNs;
  const dst = list.dstHost;
  order.sort(
    (a, b) => (dst[a] as number) - (dst[b] as number) || (submit[a] as number) - (submit[b] as number) || a - b,
  );
  const maxDelivery = new Float64Array(8);
  let deliveries = 0;
  let receiver = -1;
  for (const tag of order) {
    if (dst[tag] !== receiver) {
      receiver = dst[tag] as number;
      maxDelivery.fill(Number.NEGATIVE_INFINITY);
    }
    const priority = list.priority[tag] as number;
    const deliveredNs = observations.requestDeliveryNs[tag] as number;
    for (let p = 0; p < priority; p++) {
      if ((maxDelivery[p] as number) > deliveredNs) {
        deliveries++;
        log.record({ timeNs: deliveredNs, location: receiver, servedPriority: priority, waitingPriority: p });
        break;
      }
    }
    if (deliveredNs > (maxDelivery[priority] as number)) maxDelivery[priority] = deliveredNs;
  }
  return { deliveries, log };
}

/** Runs every checker and the measurements. */
export function checkInvariants(
  observations: RunObservations,
  context: InvariantContext,
  inversions: PriorityInversionMeasurement,
): InvariantReport {
  const verdicts: Record<InvariantName, InvariantVerdict> = {
    byteExact: checkByteExact(observations, context),
    atMostOnce: checkAtMostOnce(observations, context),
    completeness: checkCompleteness(observations, context),
    noLeakedState: checkNoLeakedState(observations, context),
    memoryLimit: checkMemoryLimit(observations, context),
  };
  let passed = true;
  for (const name of INVARIANT_NAMES) if (verdicts[name].violationCount > 0) passed = false;
  let heldBytesPeakMax = 0;
  for (const peak of observations.hostHeldPeakBytes) if (peak > heldBytesPeakMax) heldBytesPeakMax = peak;
  return {
    passed,
    verdicts,
    measurements: {
      priorityInversions: inversions.deliveries,
      redeliveredAfterRestart: observations.redeliveredAfterRestart,
      heldBytesPeakMax,
    },
  };
}
