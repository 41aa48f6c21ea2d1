/**
 * Drives one scenario run: builds the {@link SimNetwork} with one transport per NIC, submits each
 * workload row at its time on its source host's transport (queuing rows refused by backpressure and
 * retrying them), applies the fault schedule through the network's scenario events, collects
 * outcomes and deliveries into {@link RunObservations}, drains to quiescence, then runs the
 * invariant checkers and builds the report.
 *
 * ## When transports are polled
 * Every transport sits behind an {@link ObservedEndpoint}: after each `handleDatagram`,
 * `handleTimeout`, submission, and each `pollTransmit` that returns 0 (the end of its transmit
 * batch), the runner drains the transport's outcomes and deliveries and samples its held bytes, at
 * the network's current instant. So observations carry exact virtual times, only touched
 * transports are polled, and no periodic sweep over all hosts is needed. Rows refused by
 * backpressure are retried in FIFO order after the NIC's next `handle*` call and at least every
 * `retryIntervalNs`.
 *
 * ## When the run ends
 * After the last row is due, the run continues until quiescence — every row has an outcome, no
 * fault is pending, and either the network is idle or every live transport reports zero state —
 * checked every {@link QUIESCENCE_CHECK_NS} while outcomes are missing and then at doubling
 * intervals (at most {@link QUIESCENCE_CHECK_NS_MAX}) — or until `durationNs + drainNs`.
 */
import type { DatagramEndpoint, TransmitInfo } from '@dcq/core';
import {
  createSeededRandom,
  INSECURE_FAST_PROVIDER_NAME,
  InsecureFastCryptoProvider,
  InvalidArgumentError,
} from '@dcq/core';
import { buildRunReport, canonicalJson } from '../metrics/run-report.js';
import { fixedSizeBuckets } from '../metrics/size-buckets.js';
import { idealCompletionNs } from '../metrics/slowdown.js';
import { TransferRecords, TransferStatus } from '../metrics/transfer-records.js';
import type { TappedDatagram } from '../network/datagram-tap.js';
import {
  HEADER_BYTES_DEFAULT,
  MTU_BYTES_DEFAULT,
  SIM_DATAGRAM_BYTES_MAX_DEFAULT,
  SimNetwork,
} from '../network/sim-network.js';
import { NIC_PROPAGATION_DELAY_NS_DEFAULT, SIM_TRANSFERS_MAX_DEFAULT } from '../network/topology.js';
import { CaptureDecryptor } from '../pcap/capture-decryptor.js';
import { openPcapCapture, type PcapCapture } from '../pcap/pcap-capture.js';
import { TransferKind, type TransferList } from '../workloads/transfer-list.js';
import { checkInvariants, isRpcRow, measurePriorityInversions } from './invariants.js';
import { RunObservations, STATUS_SENDER_CRASHED, STATUS_SENDER_DOWN } from './observations.js';
import {
  DRAIN_NS_DEFAULT,
  type FaultEvent,
  HELD_BYTES_PER_HOST_MAX_DEFAULT,
  RETRY_INTERVAL_NS_DEFAULT,
  type RunResult,
  type RunScenarioOptions,
  type Scenario,
  type SimTransportFactory,
  VIOLATIONS_KEPT_MAX_DEFAULT,
} from './scenario.js';
import { SimDelivery, SimOutcome, SimStateCounters, SimTransferRequest, type SimTransport } from './transport.js';

/** Interval between quiescence checks once every row is due, while outcomes are still missing, ns. */
export const QUIESCENCE_CHECK_NS = 100_000;
/** Longest interval between quiescence checks, ns. */
export const QUIESCENCE_CHECK_NS_MAX = 100_000_000;

/** Scenario-event kind of a fault (its arg is the fault's index). */
const EVENT_FAULT = 1;
/** Priority levels of workload rows (0 highest … 7). */
const PRIORITY_LEVELS = 8;
const NO_ROW = -1;

/** The network's view of a transport: forwards every call and lets the runner observe after it. */
class ObservedEndpoint implements DatagramEndpoint {
  constructor(
    private readonly runner: ScenarioRunner,
    readonly transport: SimTransport,
    readonly nic: number,
  ) {}

  handleDatagram(nowUs: number, bytes: Uint8Array, offset: number, length: number, peer: number): void {
    this.transport.handleDatagram(nowUs, bytes, offset, length, peer);
    this.runner.touched(this.nic, true);
  }

  handleTimeout(nowUs: number): void {
    this.transport.handleTimeout(nowUs);
    this.runner.touched(this.nic, true);
  }

  pollTransmit(nowUs: number, out: Uint8Array, offset: number, info: TransmitInfo): number {
    const length = this.transport.pollTransmit(nowUs, out, offset, info);
    if (length === 0) this.runner.touched(this.nic, false);
    return length;
  }

  pollTimeoutUs(): number {
    return this.transport.pollTimeoutUs();
  }
}

/** One run of one scenario with one transport (use once). */
export class ScenarioRunner {
  private readonly scenario: Scenario;
  private readonly factory: SimTransportFactory;
  private readonly seed: number;
  private readonly cryptoProvider: string;
  private readonly list: TransferList;
  private readonly faults: readonly FaultEvent[];
  private readonly hostCount: number;
  private readonly nicCount: number;
  private readonly hostFirstNic: Int32Array;
  private readonly nicHost: Int32Array;
  private readonly heldBytesPerHostMax: number;
  private readonly drainNs: number;
  private readonly retryIntervalNs: number;
  private readonly violationsKeptMax: number;
  private readonly datagramBytesMax: number;
  /** Largest datagram the MTU lets through (what transports are told to send). */
  private readonly mtuDatagramBytes: number;
  private readonly observations: RunObservations;
  private readonly transports: (SimTransport | null)[];
  private readonly incarnation: Int32Array;
  private readonly hostDown: Uint8Array;
  private readonly request: SimTransferRequest;
  private readonly outcome: SimOutcome;
  private readonly delivery: SimDelivery;
  private readonly counters: SimStateCounters;
  // Backpressured rows: one FIFO per NIC through an intrusive next array indexed by row.
  private readonly blockedHead: Int32Array;
  private readonly blockedTail: Int32Array;
  private readonly blockedNext: Int32Array;
  private readonly backpressured: Uint8Array;
  /** Per NIC: bit p set while its blocked FIFO of priority p is non-empty. */
  private readonly blockedMask: Uint8Array;
  private blockedCount: number;
  private outcomesMissing: number;
  private submittedCount: number;
  private readonly pcapPath: string | undefined;
  private capture: PcapCapture | null;
  private network: SimNetwork | null;
  /** The provider name the first transport reported (`cryptoProviderName`), if any. */
  private reportedCryptoProvider: string | null;

  constructor(scenario: Scenario, options: RunScenarioOptions) {
    const factory = options.transport;
    const cryptoProvider = options.cryptoProvider ?? factory.cryptoProviders[0] ?? 'none';
    if (!factory.cryptoProviders.includes(cryptoProvider)) {
      throw new InvalidArgumentError(
        `transport ${factory.name} cannot run with crypto provider '${cryptoProvider}'; it supports ${factory.cryptoProviders.join(', ')}`,
      );
    }
    if (!Number.isSafeInteger(scenario.durationNs) || scenario.durationNs <= 0) {
      throw new InvalidArgumentError(`scenario durationNs must be a positive integer, got ${scenario.durationNs}`);
    }
    this.scenario = scenario;
    this.factory = factory;
    this.seed = options.seed;
    this.cryptoProvider = cryptoProvider;
    this.list = scenario.workload;
    this.faults = scenario.faults ?? [];
    const hosts = scenario.hosts;
    this.hostCount = hosts.length;
    this.hostFirstNic = new Int32Array(hosts.length + 1);
    for (let h = 0; h < hosts.length; h++) {
      this.hostFirstNic[h + 1] = (this.hostFirstNic[h] as number) + (hosts[h]?.nics.length ?? 0);
    }
    this.nicCount = this.hostFirstNic[hosts.length] as number;
    this.nicHost = new Int32Array(this.nicCount);
    for (let h = 0; h < hosts.length; h++) {
      for (let n = this.hostFirstNic[h] as number; n < (this.hostFirstNic[h + 1] as number); n++) this.nicHost[n] = h;
    }
    const limits = scenario.limits ?? {};
    this.heldBytesPerHostMax = limits.heldBytesPerHostMax ?? HELD_BYTES_PER_HOST_MAX_DEFAULT;
    this.drainNs = limits.drainNs ?? DRAIN_NS_DEFAULT;
    this.retryIntervalNs = limits.retryIntervalNs ?? RETRY_INTERVAL_NS_DEFAULT;
    this.violationsKeptMax = limits.violationsKeptMax ?? VIOLATIONS_KEPT_MAX_DEFAULT;
    if (!Number.isSafeInteger(this.drainNs) || this.drainNs < 0) {
      throw new InvalidArgumentError(`limits.drainNs must be a non-negative integer, got ${this.drainNs}`);
    }
    if (!Number.isSafeInteger(this.retryIntervalNs) || this.retryIntervalNs < 1) {
      throw new InvalidArgumentError(`limits.retryIntervalNs must be a positive integer, got ${this.retryIntervalNs}`);
    }
    this.datagramBytesMax = scenario.network?.datagramBytesMax ?? SIM_DATAGRAM_BYTES_MAX_DEFAULT;
    this.mtuDatagramBytes = Math.min(
      this.datagramBytesMax,
      (scenario.network?.mtuBytes ?? MTU_BYTES_DEFAULT) - (scenario.network?.headerBytes ?? HEADER_BYTES_DEFAULT),
    );
    const list = this.list;
    for (let row = 0; row < list.count; row++) {
      const src = list.srcHost[row] as number;
      const dst = list.dstHost[row] as number;
      if (src >= this.hostCount || dst >= this.hostCount) {
        throw new InvalidArgumentError(`workload row ${row} names host ${Math.max(src, dst)} of ${this.hostCount}`);
      }
    }
    this.observations = new RunObservations(list, this.hostCount, this.nicCount, this.heldBytesPerHostMax);
    this.transports = new Array<SimTransport | null>(this.nicCount).fill(null);
    this.incarnation = new Int32Array(this.hostCount);
    this.hostDown = new Uint8Array(this.hostCount);
    this.request = new SimTransferRequest();
    this.outcome = new SimOutcome();
    this.delivery = new SimDelivery();
    this.counters = new SimStateCounters();
    this.blockedHead = new Int32Array(this.nicCount * PRIORITY_LEVELS).fill(NO_ROW);
    this.blockedTail = new Int32Array(this.nicCount * PRIORITY_LEVELS).fill(NO_ROW);
    this.blockedMask = new Uint8Array(this.nicCount);
    this.blockedNext = new Int32Array(list.count).fill(NO_ROW);
    this.backpressured = new Uint8Array(list.count);
    this.blockedCount = 0;
    this.outcomesMissing = list.count;
    this.submittedCount = 0;
    this.pcapPath = options.pcapPath;
    this.capture = null;
    this.network = null;
    this.reportedCryptoProvider = null;
  }

  /** Runs the scenario to its end and returns the checked result. */
  run(): RunResult {
    try {
      return this.runChecked();
    } finally {
      this.capture?.close();
      this.capture = null;
    }
  }

  /** Called by an {@link ObservedEndpoint} after the network called its transport. */
  touched(nic: number, handled: boolean): void {
    const network = this.network;
    if (network === null) return;
    this.drain(nic, network.nowNs);
    if (handled && this.blockedMask[nic] !== 0) this.retryBlocked(nic);
  }

  private runChecked(): RunResult {
    const scenario = this.scenario;
    const network = new SimNetwork({
      ...scenario.network,
      seed: this.seed,
      hosts: scenario.hosts,
      ...(scenario.fabric === undefined ? {} : { fabric: scenario.fabric }),
      createEndpoint: (address) => this.createEndpoint(address.host, address.nic, address.incarnation),
    });
    this.network = network;
    if (this.pcapPath !== undefined) this.openCapture(network, this.pcapPath);
    for (let i = 0; i < this.faults.length; i++) {
      const fault = this.faults[i] as FaultEvent;
      if (fault.action.kind === 'restart' && !this.factory.supportsRestart) {
        throw new InvalidArgumentError(
          `transport ${this.factory.name} does not support host restarts; drop the restart from the fault schedule`,
        );
      }
      network.at(fault.atNs, EVENT_FAULT, i);
    }

    const list = this.list;
    const endWorkNs = Math.max(scenario.durationNs, list.count > 0 ? (list.timeNs[list.count - 1] as number) : 0);
    const deadlineNs = endWorkNs + Math.max(this.drainNs, this.factory.stateLingerNs ?? 0);
    let nextRow = 0;
    let nextRetryNs = Number.POSITIVE_INFINITY;
    let quiescent = false;
    let checkNs = QUIESCENCE_CHECK_NS;
    for (;;) {
      const nowNs = network.nowNs;
      while (nextRow < list.count && (list.timeNs[nextRow] as number) <= nowNs) this.submitRow(nextRow++, nowNs);
      if (this.blockedCount > 0 && nowNs >= nextRetryNs) {
        for (let nic = 0; nic < this.nicCount; nic++) {
          if (this.blockedMask[nic] !== 0) this.retryBlocked(nic);
        }
      }
      if (this.blockedCount === 0) nextRetryNs = Number.POSITIVE_INFINITY;
      else if (nextRetryNs <= nowNs || nextRetryNs === Number.POSITIVE_INFINITY)
        nextRetryNs = nowNs + this.retryIntervalNs;
      const allDue = nextRow === list.count && this.blockedCount === 0 && network.scenarioEventsPending === 0;
      if (
        allDue &&
        this.outcomesMissing === 0 &&
        (network.nextInstantNs() === Number.POSITIVE_INFINITY || this.allIdle())
      ) {
        quiescent = true;
        break;
      }
      if (nowNs >= deadlineNs) break;
      let limitNs = deadlineNs;
      if (nextRow < list.count) limitNs = Math.min(limitNs, list.timeNs[nextRow] as number);
      limitNs = Math.min(limitNs, nextRetryNs);
      if (allDue) {
        // Every QUIESCENCE_CHECK_NS while outcomes are missing; then back off while state drains.
        limitNs = Math.min(limitNs, nowNs + checkNs);
        if (this.outcomesMissing === 0) checkNs = Math.min(checkNs * 2, QUIESCENCE_CHECK_NS_MAX);
      }
      const kind = network.run(Math.max(limitNs, nowNs));
      if (kind === EVENT_FAULT) this.applyFault(this.faults[network.eventArg] as FaultEvent);
    }
    return this.finish(network, quiescent);
  }

  private createEndpoint(host: number, nic: number, incarnation: number): DatagramEndpoint {
    const transport = this.factory.create({
      host,
      nic,
      incarnation,
      seed: this.seed,
      hostCount: this.hostCount,
      datagramBytesMax: this.datagramBytesMax,
      mtuDatagramBytes: this.mtuDatagramBytes,
      heldBytesMax: Math.floor(
        this.heldBytesPerHostMax / ((this.hostFirstNic[host + 1] as number) - (this.hostFirstNic[host] as number)),
      ),
      cryptoProvider: this.cryptoProvider,
      transfersMax: this.scenario.hosts[host]?.transfersMax ?? SIM_TRANSFERS_MAX_DEFAULT,
    });
    const id = (this.hostFirstNic[host] as number) + nic;
    this.transports[id] = transport;
    const reported = (transport as { readonly cryptoProviderName?: unknown }).cryptoProviderName;
    if (this.reportedCryptoProvider === null && typeof reported === 'string') this.reportedCryptoProvider = reported;
    return new ObservedEndpoint(this, transport, id);
  }

  private openCapture(network: SimNetwork, path: string): void {
    const secrets = this.factory.pathSecrets?.() ?? [];
    let decryptor: CaptureDecryptor | undefined;
    if (secrets.length > 0) {
      // AES-GCM bytes are the same from noble and node:crypto; insecure-fast seals differently.
      decryptor = new CaptureDecryptor(
        this.cryptoProvider === INSECURE_FAST_PROVIDER_NAME
          ? { provider: new InsecureFastCryptoProvider({ random: createSeededRandom(0) }) }
          : {},
      );
      for (const secret of secrets) decryptor.register(secret);
    }
    const capture = openPcapCapture(path, decryptor === undefined ? {} : { decryptor });
    this.capture = capture;
    network.setTap({ onDatagram: (datagram: TappedDatagram) => void capture.record(datagram) });
  }

  private nicOfRow(row: number): number {
    const src = this.list.srcHost[row] as number;
    const first = this.hostFirstNic[src] as number;
    return first + (row % ((this.hostFirstNic[src + 1] as number) - first));
  }

  private submitRow(row: number, nowNs: number): void {
    const src = this.list.srcHost[row] as number;
    if (this.hostDown[src] === 1) {
      this.recordOutcome(row, STATUS_SENDER_DOWN, 0, nowNs);
      return;
    }
    const nic = this.nicOfRow(row);
    // The application keeps order within a priority and never lets a lower priority overtake a
    // refused higher one; a higher priority may go ahead of refused lower ones (the engine throttles
    // lower priorities first, so a small urgent message is not stuck behind a refused bulk one).
    const priority = this.list.priority[row] as number;
    const atOrAbove = (this.blockedMask[nic] as number) & ((2 << priority) - 1);
    if (atOrAbove !== 0 || !this.trySubmit(row, nic, nowNs)) this.block(row, nic);
  }

  /** Submits `row` on NIC `nic`; false when the transport refused it (backpressure). */
  private trySubmit(row: number, nic: number, nowNs: number): boolean {
    const list = this.list;
    const transport = this.transports[nic] as SimTransport;
    const request = this.request;
    request.peer = list.dstHost[row] as number;
    request.tag = row;
    request.sizeBytes = list.sizeBytes[row] as number;
    request.responseSizeBytes = isRpcRow(list, row) ? (list.responseSizeBytes[row] as number) : 0;
    request.priority = list.priority[row] as number;
    request.dependsOnTag = list.dependency[row] as number;
    request.dependencyCascades = (list.dependencyKind[row] as number) >= 2;
    const nowUs = Math.floor(nowNs / 1000);
    if (transport.submit(nowUs, request) < 0) {
      this.backpressured[row] = 1;
      return false;
    }
    this.observations.submitted(row, nowNs);
    this.submittedCount++;
    this.drain(nic, nowNs);
    const network = this.network as SimNetwork;
    const host = this.nicHost[nic] as number;
    network.wake(host, nic - (this.hostFirstNic[host] as number));
    return true;
  }

  private block(row: number, nic: number): void {
    const priority = this.list.priority[row] as number;
    const queue = nic * PRIORITY_LEVELS + priority;
    this.blockedNext[row] = NO_ROW;
    const tail = this.blockedTail[queue] as number;
    if (tail === NO_ROW) this.blockedHead[queue] = row;
    else this.blockedNext[tail] = row;
    this.blockedTail[queue] = row;
    this.blockedMask[nic] = (this.blockedMask[nic] as number) | (1 << priority);
    this.blockedCount++;
  }

  /**
   * Resubmits NIC `nic`'s refused rows, highest priority first and in order within a priority,
   * until the transport refuses one again.
   */
  private retryBlocked(nic: number): void {
    const nowNs = (this.network as SimNetwork).nowNs;
    for (let priority = 0; priority < PRIORITY_LEVELS; priority++) {
      const queue = nic * PRIORITY_LEVELS + priority;
      let row = this.blockedHead[queue] as number;
      while (row !== NO_ROW && this.trySubmit(row, nic, nowNs)) {
        const next = this.blockedNext[row] as number;
        this.blockedHead[queue] = next;
        if (next === NO_ROW) this.blockedTail[queue] = NO_ROW;
        this.blockedCount--;
        row = next;
      }
      if (row !== NO_ROW) return;
      this.blockedMask[nic] = (this.blockedMask[nic] as number) & ~(1 << priority);
    }
  }

  private drain(nic: number, nowNs: number): void {
    const transport = this.transports[nic];
    if (transport === null || transport === undefined) return;
    const host = this.nicHost[nic] as number;
    const outcome = this.outcome;
    while (transport.pollOutcome(outcome)) {
      this.recordOutcome(outcome.tag, outcome.status, outcome.retransmissions, nowNs);
    }
    const delivery = this.delivery;
    while (transport.pollDelivery(delivery)) {
      this.observations.delivery(delivery, host, this.incarnation[host] as number, nowNs);
    }
    transport.stateCounters(this.counters);
    this.observations.heldSample(host, nic, this.counters.heldBytes, nowNs);
  }

  private recordOutcome(tag: number, status: number, retransmissions: number, nowNs: number): void {
    const observations = this.observations;
    if (Number.isInteger(tag) && tag >= 0 && tag < observations.count && observations.outcomeCount[tag] === 0) {
      this.outcomesMissing--;
    }
    observations.outcome(tag, status, retransmissions, nowNs);
  }

  private allIdle(): boolean {
    const counters = this.counters;
    for (let nic = 0; nic < this.nicCount; nic++) {
      const transport = this.transports[nic];
      if (transport === null || transport === undefined) continue;
      transport.stateCounters(counters);
      if (counters.transfers !== 0 || counters.buffers !== 0 || counters.timers !== 0 || counters.heldBytes !== 0) {
        return false;
      }
    }
    return true;
  }

  private applyFault(fault: FaultEvent): void {
    const network = this.network as SimNetwork;
    const action = fault.action;
    switch (action.kind) {
      case 'linkFaults':
        if (action.link === undefined) network.setAllLinkFaults(action.faults);
        else network.setLinkFaults(action.link, action.faults);
        break;
      case 'partition':
        network.partition(action.hostA, action.hostB);
        break;
      case 'heal':
        network.heal(action.hostA, action.hostB);
        break;
      case 'healAll':
        network.healAll();
        break;
      case 'crash':
        if (this.hostDown[action.host] === 0) {
          this.hostCrashed(action.host);
          network.crashHost(action.host);
        }
        break;
      case 'restart':
        if (this.hostDown[action.host] === 0) this.hostCrashed(action.host);
        this.incarnation[action.host] = (this.incarnation[action.host] as number) + 1;
        this.hostDown[action.host] = 0;
        network.restartHost(action.host);
        break;
      case 'clog':
        network.clogLink(action.link, { factor: action.factor, durationNs: action.durationNs });
        break;
      case 'failNic':
        network.failNic(action.host, action.nic);
        break;
      case 'recoverNic':
        network.recoverNic(action.host, action.nic);
        break;
    }
  }

  /** The application on `host` dies with its transports: its open transfers end with {@link STATUS_SENDER_CRASHED}. */
  private hostCrashed(host: number): void {
    const network = this.network as SimNetwork;
    const nowNs = network.nowNs;
    const first = this.hostFirstNic[host] as number;
    const end = this.hostFirstNic[host + 1] as number;
    for (let nic = first; nic < end; nic++) {
      this.drain(nic, nowNs);
      this.transports[nic] = null;
      this.observations.heldSample(host, nic, 0, nowNs);
      for (let queue = nic * PRIORITY_LEVELS; queue < (nic + 1) * PRIORITY_LEVELS; queue++) {
        let row = this.blockedHead[queue] as number;
        while (row !== NO_ROW) {
          this.recordOutcome(row, STATUS_SENDER_CRASHED, 0, nowNs);
          this.blockedCount--;
          row = this.blockedNext[row] as number;
        }
        this.blockedHead[queue] = NO_ROW;
        this.blockedTail[queue] = NO_ROW;
      }
      this.blockedMask[nic] = 0;
    }
    const list = this.list;
    const observations = this.observations;
    for (let row = 0; row < list.count; row++) {
      if (
        list.srcHost[row] === host &&
        observations.outcomeCount[row] === 0 &&
        !Number.isNaN(observations.submitNs[row] as number)
      ) {
        this.recordOutcome(row, STATUS_SENDER_CRASHED, 0, nowNs);
      }
    }
    this.hostDown[host] = 1;
  }

  private finish(network: SimNetwork, quiescent: boolean): RunResult {
    const endNs = network.nowNs;
    const observations = this.observations;
    const counters = this.counters;
    const cryptoProvider = this.reportedCryptoProvider ?? this.cryptoProvider;
    const nicUpAtEnd: boolean[] = [];
    for (let nic = 0; nic < this.nicCount; nic++) {
      const transport = this.transports[nic];
      nicUpAtEnd.push(transport !== null && transport !== undefined);
      if (transport === null || transport === undefined) continue;
      this.drain(nic, endNs);
      transport.stateCounters(counters);
      observations.finalState[nic * 4] = counters.transfers;
      observations.finalState[nic * 4 + 1] = counters.buffers;
      observations.finalState[nic * 4 + 2] = counters.timers;
      observations.finalState[nic * 4 + 3] = counters.heldBytes;
    }
    const list = this.list;
    const inversions = measurePriorityInversions(observations, list);
    const invariants = checkInvariants(
      observations,
      {
        list,
        endNs,
        nicUpAtEnd,
        nicHost: this.nicHost,
        ...(this.factory.statusNames === undefined ? {} : { statusNames: this.factory.statusNames }),
        violationsKeptMax: this.violationsKeptMax,
      },
      inversions,
    );

    const records = TransferRecords.fromTransferList(list);
    const completionNs = new Float64Array(list.count).fill(Number.NaN);
    const outcomes: Record<string, number> = {};
    for (let tag = 0; tag < list.count; tag++) {
      if (observations.outcomeCount[tag] === 0) continue;
      const status = observations.outcomeStatus[tag] as number;
      const name = this.statusName(status);
      outcomes[name] = (outcomes[name] ?? 0) + 1;
      const startNs = list.timeNs[tag] as number;
      const at = Math.max(completionNsOf(list, observations, tag), startNs);
      records.close(tag, at, status === 0 ? TransferStatus.Completed : TransferStatus.Failed);
      if (status === 0) completionNs[tag] = at - startNs;
      records.addRetransmissions(tag, observations.retransmissions[tag] as number);
    }
    const stats = network.stats();
    const wireBytes = stats.nics.sentBytes + stats.nics.sentDatagrams * (network.headerBytes + network.framingBytes);
    const firstNic = this.scenario.hosts[0]?.nics[0];
    const rate = firstNic?.rateBitsPerSecond ?? 1e9;
    const path = {
      linkRateBitsPerSecond: rate,
      oneWayPropagationNs: 2 * (firstNic?.propagationDelayNs ?? NIC_PROPAGATION_DELAY_NS_DEFAULT),
    };
    const report = buildRunReport({
      name: this.scenario.name,
      transport: this.factory.name,
      workload: this.scenario.workloadName ?? 'custom',
      seed: this.seed,
      parameters: { ...(this.scenario.parameters ?? {}), cryptoProvider },
      durationNs: Math.max(1, endNs),
      records,
      ideal: (_table, index) => {
        let ns = idealCompletionNs(list.sizeBytes[index] as number, path);
        if (isRpcRow(list, index)) ns += idealCompletionNs(list.responseSizeBytes[index] as number, path);
        return Math.max(1, ns);
      },
      buckets: fixedSizeBuckets(),
      links: { count: this.nicCount, rateBitsPerSecond: rate },
      unattributedWireBytes: wireBytes,
      queueDrops: stats.links.droppedQueue,
      inversions: inversions.log,
    });
    let backpressured = 0;
    for (let row = 0; row < list.count; row++) backpressured += this.backpressured[row] as number;
    const dropped =
      stats.links.droppedQueue +
      stats.links.droppedDown +
      stats.links.droppedLoss +
      stats.links.droppedBurstLoss +
      stats.links.droppedNoSlot +
      stats.links.droppedFlushed +
      stats.nics.droppedMtu +
      stats.nics.droppedNoSlot +
      stats.nics.droppedNoRoute +
      stats.nics.droppedNicDown +
      stats.nics.droppedHostDown +
      stats.nics.droppedPartition +
      stats.nics.droppedUnknownPeer;
    return {
      scenario: this.scenario.name,
      transport: this.factory.name,
      cryptoProvider,
      seed: this.seed,
      parameters: canonicalJson(this.scenario.parameters ?? {}) as Record<string, unknown>,
      endNs,
      quiescent,
      traceHash: network.traceHash(),
      transfers: { total: list.count, submitted: this.submittedCount, backpressured },
      outcomes: canonicalJson(outcomes) as Record<string, number>,
      invariants,
      report,
      datagrams: { sent: stats.nics.sentDatagrams, delivered: stats.nics.deliveredDatagrams, dropped },
      failed: !invariants.passed,
      completionNs,
    };
  }

  private statusName(status: number): string {
    if (status === 0) return 'completed';
    if (status === STATUS_SENDER_CRASHED) return 'senderCrashed';
    if (status === STATUS_SENDER_DOWN) return 'senderDown';
    return this.factory.statusNames?.[status] ?? `status${status}`;
  }
}

/**
 * When transfer `tag` completed, ns (Homa's definition, so slowdowns compare with its papers): a
 * one-way message or broadcast copy when its receiver delivered it (the sender learns of it an
 * acknowledgement later); an RPC when its response was delivered, i.e. its outcome. Falls back to
 * the outcome time when no delivery was observed (failures, crashed receivers).
 */
function completionNsOf(list: TransferList, observations: RunObservations, tag: number): number {
  const delivered = observations.requestDeliveryNs[tag] as number;
  if (list.kind[tag] !== TransferKind.Rpc && observations.outcomeStatus[tag] === 0 && !Number.isNaN(delivered)) {
    return delivered;
  }
  return observations.outcomeNs[tag] as number;
}
