/**
 * What a scenario run saw, column-wise per transfer tag (tag = workload row), filled by the runner
 * as transports report outcomes and deliveries and read by the invariant checkers. Byte checks
 * happen when a delivery is observed (its bytes are only valid until the next poll); everything
 * else is stored as counts, times and flags so the checkers are plain passes over typed arrays.
 */
import type { TransferList } from '../workloads/transfer-list.js';
import { payloadMatches, type SimDelivery } from './transport.js';

/** Outcome status the runner writes for transfers whose sending host crashed before their outcome. */
export const STATUS_SENDER_CRASHED = -1;
/** Outcome status the runner writes for transfers due while their sending host was down (never submitted). */
export const STATUS_SENDER_DOWN = -2;

/** Delivery problem flags (per tag and direction). */
export const DeliveryFlaw = {
  /** The delivered length differs from the transfer's size. */
  WrongSize: 1,
  /** The delivered bytes are not the transfer's payload. */
  WrongBytes: 2,
  /** Delivered at a host other than the one it was sent to. */
  WrongHost: 4,
  /** Delivered with a peer index other than the sender's host. */
  WrongPeer: 8,
} as const;

/** Per-tag observations of one run (see the module comment). Columns are public for the checkers. */
export class RunObservations {
  /** Transfers (rows of the workload). */
  readonly count: number;
  /** Time the transport accepted the transfer, ns (NaN: never). */
  readonly submitNs: Float64Array;
  /** Outcomes reported (saturates at 255). */
  readonly outcomeCount: Uint8Array;
  /** Status of the first outcome. */
  readonly outcomeStatus: Int32Array;
  /** Time of the first outcome, ns (NaN: none). */
  readonly outcomeNs: Float64Array;
  /** Retransmissions the first outcome reported. */
  readonly retransmissions: Uint32Array;
  /** Deliveries of the request / message at its receiver (saturates at 255). */
  readonly requestDeliveries: Uint8Array;
  /** Time of the first request delivery, ns (NaN: none). */
  readonly requestDeliveryNs: Float64Array;
  /** Receiver incarnation of the first request delivery. */
  readonly requestIncarnation: Int32Array;
  /** Deliveries of the response at the RPC's sender (saturates at 255). */
  readonly responseDeliveries: Uint8Array;
  /** Time of the first response delivery, ns (NaN: none). */
  readonly responseDeliveryNs: Float64Array;
  /** {@link DeliveryFlaw} bits of request deliveries. */
  readonly requestFlaws: Uint8Array;
  /** {@link DeliveryFlaw} bits of response deliveries. */
  readonly responseFlaws: Uint8Array;
  /** Time of the first flawed delivery (either direction), ns. */
  readonly flawNs: Float64Array;
  /** Time of the first duplicate delivery (either direction), ns. */
  readonly duplicateNs: Float64Array;
  /** Requests delivered again by a restarted receiver (a new incarnation: not an at-most-once violation). */
  redeliveredAfterRestart: number;
  /** Deliveries and outcomes with a tag outside the workload. */
  unknownTags: number;
  /** First unknown tag seen and when (−1 / NaN: none). */
  unknownTagFirst: number;
  /** See {@link unknownTagFirst}. */
  unknownTagFirstNs: number;
  /** Bytes currently held per host (sum of its NICs' last samples). */
  readonly hostHeldBytes: Float64Array;
  /** Peak of {@link hostHeldBytes} per host. */
  readonly hostHeldPeakBytes: Float64Array;
  /** When each host first went above the limit, ns (NaN: never). */
  readonly hostHeldExceededNs: Float64Array;
  /** Last held-bytes sample per NIC id. */
  readonly nicHeldBytes: Float64Array;
  /** State left per NIC id after the drain: transfers, buffers, timers, heldBytes (4 per NIC; NaN: host down). */
  readonly finalState: Float64Array;
  /** The per-host limit the run was checked against. */
  readonly heldBytesPerHostMax: number;

  private readonly list: TransferList;

  constructor(list: TransferList, hostCount: number, nicCount: number, heldBytesPerHostMax: number) {
    const n = list.count;
    this.list = list;
    this.count = n;
    this.submitNs = new Float64Array(n).fill(Number.NaN);
    this.outcomeCount = new Uint8Array(n);
    this.outcomeStatus = new Int32Array(n);
    this.outcomeNs = new Float64Array(n).fill(Number.NaN);
    this.retransmissions = new Uint32Array(n);
    this.requestDeliveries = new Uint8Array(n);
    this.requestDeliveryNs = new Float64Array(n).fill(Number.NaN);
    this.requestIncarnation = new Int32Array(n);
    this.responseDeliveries = new Uint8Array(n);
    this.responseDeliveryNs = new Float64Array(n).fill(Number.NaN);
    this.requestFlaws = new Uint8Array(n);
    this.responseFlaws = new Uint8Array(n);
    this.flawNs = new Float64Array(n).fill(Number.NaN);
    this.duplicateNs = new Float64Array(n).fill(Number.NaN);
    this.redeliveredAfterRestart = 0;
    this.unknownTags = 0;
    this.unknownTagFirst = -1;
    this.unknownTagFirstNs = Number.NaN;
    this.hostHeldBytes = new Float64Array(hostCount);
    this.hostHeldPeakBytes = new Float64Array(hostCount);
    this.hostHeldExceededNs = new Float64Array(hostCount).fill(Number.NaN);
    this.nicHeldBytes = new Float64Array(nicCount);
    this.finalState = new Float64Array(nicCount * 4).fill(Number.NaN);
    this.heldBytesPerHostMax = heldBytesPerHostMax;
  }

  /** The transport accepted transfer `tag` at `nowNs`. */
  submitted(tag: number, nowNs: number): void {
    this.submitNs[tag] = nowNs;
  }

  /** An outcome was reported (by a transport, or by the runner for a crashed sender). */
  outcome(tag: number, status: number, retransmissions: number, nowNs: number): void {
    if (!this.known(tag, nowNs)) return;
    const seen = this.outcomeCount[tag] as number;
    if (seen === 0) {
      this.outcomeStatus[tag] = status;
      this.outcomeNs[tag] = nowNs;
      this.retransmissions[tag] = retransmissions >>> 0;
    }
    if (seen < 255) this.outcomeCount[tag] = seen + 1;
  }

  /** A delivery at host `host` (incarnation `incarnation`) at `nowNs`; checks its bytes now. */
  delivery(delivery: SimDelivery, host: number, incarnation: number, nowNs: number): void {
    const tag = delivery.tag;
    if (!this.known(tag, nowNs)) return;
    const list = this.list;
    const src = list.srcHost[tag] as number;
    const dst = list.dstHost[tag] as number;
    const isResponse = delivery.isResponse;
    const expectedSize = isResponse ? (list.responseSizeBytes[tag] as number) : (list.sizeBytes[tag] as number);
    let flaws = 0;
    if (delivery.length !== expectedSize) flaws |= DeliveryFlaw.WrongSize;
    else if (!payloadMatches(tag, isResponse, delivery.bytes, delivery.offset, delivery.length)) {
      flaws |= DeliveryFlaw.WrongBytes;
    }
    if (host !== (isResponse ? src : dst)) flaws |= DeliveryFlaw.WrongHost;
    if (delivery.peer !== (isResponse ? dst : src)) flaws |= DeliveryFlaw.WrongPeer;
    if (flaws !== 0 && Number.isNaN(this.flawNs[tag] as number)) this.flawNs[tag] = nowNs;
    if (isResponse) {
      this.responseFlaws[tag] = (this.responseFlaws[tag] as number) | flaws;
      const seen = this.responseDeliveries[tag] as number;
      if (seen === 0) this.responseDeliveryNs[tag] = nowNs;
      else this.markDuplicate(tag, nowNs);
      if (seen < 255) this.responseDeliveries[tag] = seen + 1;
      return;
    }
    this.requestFlaws[tag] = (this.requestFlaws[tag] as number) | flaws;
    const seen = this.requestDeliveries[tag] as number;
    if (seen === 0) {
      this.requestDeliveryNs[tag] = nowNs;
      this.requestIncarnation[tag] = incarnation;
    } else if (this.requestIncarnation[tag] !== incarnation) {
      // A restarted receiver lost its memory of the first delivery: counted, not a violation.
      this.redeliveredAfterRestart++;
      this.requestIncarnation[tag] = incarnation;
      return;
    } else {
      this.markDuplicate(tag, nowNs);
    }
    if (seen < 255) this.requestDeliveries[tag] = seen + 1;
  }

  /** Records a held-bytes sample of NIC `nic` (of host `host`) at `nowNs`. */
  heldSample(host: number, nic: number, heldBytes: number, nowNs: number): void {
    const previous = this.nicHeldBytes[nic] as number;
    if (previous === heldBytes) return;
    this.nicHeldBytes[nic] = heldBytes;
    const total = (this.hostHeldBytes[host] as number) + heldBytes - previous;
    this.hostHeldBytes[host] = total;
    if (total > (this.hostHeldPeakBytes[host] as number)) this.hostHeldPeakBytes[host] = total;
    if (total > this.heldBytesPerHostMax && Number.isNaN(this.hostHeldExceededNs[host] as number)) {
      this.hostHeldExceededNs[host] = nowNs;
    }
  }

  private markDuplicate(tag: number, nowNs: number): void {
    if (Number.isNaN(this.duplicateNs[tag] as number)) this.duplicateNs[tag] = nowNs;
  }

  private known(tag: number, nowNs: number): boolean {
    if (Number.isInteger(tag) && tag >= 0 && tag < this.count) return true;
    if (this.unknownTags === 0) {
      this.unknownTagFirst = tag;
      this.unknownTagFirstNs = nowNs;
    }
    this.unknownTags++;
    return false;
  }
}
