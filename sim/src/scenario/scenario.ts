/**
 * The scenario API: what a simulation is (a topology, a workload {@link TransferList}, a fault
 * schedule, limits and a duration), how a transport plugs in (a {@link SimTransportFactory}, one
 * {@link SimTransport} per NIC), and what a run returns ({@link RunResult}). Users write their own
 * simulations by building a {@link Scenario} and calling {@link runScenario} with any factory; the
 * built-in scenarios (`registry.ts`) and the `dcq-sim` CLI use exactly the same path.
 *
 * ```ts
 * import { FixedSize, incast, runScenario, transportFactory } from '@dcq/sim';
 *
 * const hosts = Array.from({ length: 17 }, () => ({ nics: [{ rateBitsPerSecond: 25e9 }] }));
 * const workload = incast({ receiverHost: 0, senderHosts: [...Array(16).keys()].map((h) => h + 1),
 *                           sizes: new FixedSize(256_000), seed: 7 });
 * const result = runScenario(
 *   { name: 'my-incast', hosts, workload, durationNs: 1_000_000,
 *     network: { switchBufferBytes: 128 * 1024 },
 *     faults: [{ atNs: 200_000, action: { kind: 'partition', hostA: 0, hostB: 3 } },
 *              { atNs: 400_000, action: { kind: 'heal', hostA: 0, hostB: 3 } }] },
 *   { seed: 7, transport: transportFactory('sender-driven') },
 * );
 * if (result.failed) console.log(result.invariants.verdicts);
 * ```
 *
 * Row `i` of the workload is transfer tag `i`; its payload is `fillPayload(i, …)`, so deliveries are
 * checked byte for byte. RPC rows with a zero response size travel as one-way messages (the
 * `SimTransferRequest` contract marks a message by `responseSizeBytes = 0`).
 */

import type { RunReport } from '../metrics/run-report.js';
import type { LinkFaultsUpdate } from '../network/link-faults.js';
import type { SimNetworkOptions } from '../network/sim-network.js';
import type { FabricConfig, HostConfig } from '../network/topology.js';
import type { CapturePathSecret } from '../pcap/capture-decryptor.js';
import type { TransferList } from '../workloads/transfer-list.js';
import type { InvariantReport } from './invariants.js';
import { ScenarioRunner } from './runner.js';
import type { SimTransport } from './transport.js';

/** Where and for whom a transport is created. */
export interface SimTransportContext {
  /** Host index (also the peer index other hosts use for it). */
  readonly host: number;
  /** NIC index within the host. */
  readonly nic: number;
  /** Restarts of the host so far (0 at start). */
  readonly incarnation: number;
  /** Seed of the run (derive the transport's own randomness from it). */
  readonly seed: number;
  /** Number of hosts (peer indices are 0..hostCount−1). */
  readonly hostCount: number;
  /** Largest datagram the network carries, bytes (the slot size: a hard limit, not the MTU). */
  readonly datagramBytesMax: number;
  /**
   * Largest datagram (UDP payload) the network's MTU lets through: `mtuBytes − headerBytes` (1472
   * at the default MTU 1500), at most {@link datagramBytesMax}. Transports size their datagrams to it.
   */
  readonly mtuDatagramBytes: number;
  /**
   * Bytes this NIC's transport may hold for reassembly and retransmission: the host's limit divided
   * by its NIC count (the transport should apply backpressure to stay below it).
   */
  readonly heldBytesMax: number;
  /** Crypto provider requested for this run (one of the factory's `cryptoProviders`). */
  readonly cryptoProvider: string;
  /** Transfers the transport should be able to hold at once (the host's `transfersMax`). */
  readonly transfersMax: number;
}

/** Makes the transports of a run; registered by name (`dcq`, `sender-driven`, …). */
export interface SimTransportFactory {
  /** Name used on the command line and in reports. */
  readonly name: string;
  /** One line for `dcq-sim --list`. */
  readonly description: string;
  /** Crypto providers it can run with; the first is the default (`none` for transports without crypto). */
  readonly cryptoProviders: readonly string[];
  /** Whether its transports survive a host restart meaningfully (a fresh transport talking to old peers). */
  readonly supportsRestart: boolean;
  /** Names of its non-zero outcome statuses; when given, any other non-zero status is an untyped failure. */
  readonly statusNames?: Readonly<Record<number, string>>;
  /** Creates the transport of one NIC (at start and on every host restart). */
  create(context: SimTransportContext): SimTransport;
  /** Path secrets of the run so far (registered with the capture decryptor for `--pcap`). */
  pathSecrets?(): readonly CapturePathSecret[];
  /**
   * How long its transports legitimately keep state after their transfers end (e.g. dcq's
   * time-wait): the run drains at least this long before checking for leaked state.
   */
  readonly stateLingerNs?: number;
}

/** One scheduled change of the network. */
export type FaultAction =
  | { readonly kind: 'linkFaults'; readonly link?: number; readonly faults: LinkFaultsUpdate }
  | { readonly kind: 'partition'; readonly hostA: number; readonly hostB: number }
  | { readonly kind: 'heal'; readonly hostA: number; readonly hostB: number }
  | { readonly kind: 'healAll' }
  | { readonly kind: 'crash'; readonly host: number }
  | { readonly kind: 'restart'; readonly host: number }
  | { readonly kind: 'clog'; readonly link: number; readonly factor: number; readonly durationNs: number }
  | { readonly kind: 'failNic'; readonly host: number; readonly nic: number }
  | { readonly kind: 'recoverNic'; readonly host: number; readonly nic: number };

/** A fault at a time. */
export interface FaultEvent {
  /** When, integer ns. */
  readonly atNs: number;
  /** What. */
  readonly action: FaultAction;
}

/** Limits a run is checked against. */
export interface ScenarioLimits {
  /** Most bytes a host's transports may hold at once (the memory invariant; default 64 MiB). */
  readonly heldBytesPerHostMax?: number;
  /** How long after `durationNs` the run may continue to reach quiescence, ns (default 1 s). */
  readonly drainNs?: number;
  /** Retry interval of submissions refused by backpressure, ns (default 10 µs). */
  readonly retryIntervalNs?: number;
  /** Violation records kept per invariant (more are counted, default 20). */
  readonly violationsKeptMax?: number;
}

/** Default {@link ScenarioLimits.heldBytesPerHostMax}. */
export const HELD_BYTES_PER_HOST_MAX_DEFAULT = 64 * 1024 * 1024;
/** Default {@link ScenarioLimits.drainNs}. */
export const DRAIN_NS_DEFAULT = 1_000_000_000;
/** Default {@link ScenarioLimits.retryIntervalNs}. */
export const RETRY_INTERVAL_NS_DEFAULT = 10_000;
/** Default {@link ScenarioLimits.violationsKeptMax}. */
export const VIOLATIONS_KEPT_MAX_DEFAULT = 20;

/** Network options a scenario may set (the runner supplies seed, hosts, fabric, endpoints and tap). */
export type ScenarioNetworkOptions = Omit<SimNetworkOptions, 'seed' | 'hosts' | 'fabric' | 'createEndpoint' | 'tap'>;

/** A simulation: run it with {@link runScenario}. */
export interface Scenario {
  /** Name (the registry's name for built-ins). */
  readonly name: string;
  /** The hosts and their NICs; transfers use NIC `tag mod nics` of their source host. */
  readonly hosts: readonly HostConfig[];
  /** The fabric (default one switch). */
  readonly fabric?: FabricConfig;
  /** Further network options (buffers, MTU, initial link faults, …). */
  readonly network?: ScenarioNetworkOptions;
  /** The transfers: row i has tag i; Broadcast rows are sent as one-way messages. */
  readonly workload: TransferList;
  /** Workload name for reports (default `custom`). */
  readonly workloadName?: string;
  /** Fault schedule (any order). */
  readonly faults?: readonly FaultEvent[];
  /** Limits (defaults above). */
  readonly limits?: ScenarioLimits;
  /** The measured window, ns: the workload runs in it, then the run drains (see limits.drainNs). */
  readonly durationNs: number;
  /** Parameters the scenario was built from (go into the report). */
  readonly parameters?: Readonly<Record<string, unknown>>;
}

/** Options of {@link runScenario}. */
export interface RunScenarioOptions {
  /** Seed of the network (and of the transports). */
  readonly seed: number;
  /** The transport factory. */
  readonly transport: SimTransportFactory;
  /** Crypto provider (default the factory's first). */
  readonly cryptoProvider?: string;
  /** Write a pcap capture of every datagram here. */
  readonly pcapPath?: string;
}

/** What one run observed and concluded; JSON-safe through {@link runResultToJson}. */
export interface RunResult {
  /** Scenario name. */
  readonly scenario: string;
  /** Transport name. */
  readonly transport: string;
  /**
   * Crypto provider the transports used: the `cryptoProviderName` string a transport exposes, if it
   * has one, else the provider requested from the factory (`none` for transports without crypto).
   */
  readonly cryptoProvider: string;
  /** Seed. */
  readonly seed: number;
  /** Scenario parameters. */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** Virtual time when the run stopped, ns. */
  readonly endNs: number;
  /** Whether the run reached quiescence (every outcome known, network idle) before the drain deadline. */
  readonly quiescent: boolean;
  /** Trace hash of the network (equal for equal runs). */
  readonly traceHash: number;
  /** Transfers in the workload / accepted by the transports / refused at least once by backpressure. */
  readonly transfers: { readonly total: number; readonly submitted: number; readonly backpressured: number };
  /** Outcome counts by status (`0` = completed; names when the factory gives them). */
  readonly outcomes: Readonly<Record<string, number>>;
  /** The invariant verdicts and measurements. */
  readonly invariants: InvariantReport;
  /** The metrics report (slowdowns, goodput, priority inversions). */
  readonly report: RunReport;
  /** Datagrams: sent by endpoints, delivered to endpoints, dropped anywhere. */
  readonly datagrams: { readonly sent: number; readonly delivered: number; readonly dropped: number };
  /** Whether any invariant failed. */
  readonly failed: boolean;
  /**
   * Completion time of every transfer (tag order) that completed, ns after its workload time, NaN
   * for the others: receiver delivery for one-way messages, response delivery for RPCs (Homa's
   * definition; the slowdowns in {@link report} use it). Not part of the JSON form.
   */
  readonly completionNs: Float64Array;
}

/** Runs `scenario` once with `options.transport` and checks every invariant. Deterministic in (scenario, seed). */
export function runScenario(scenario: Scenario, options: RunScenarioOptions): RunResult {
  return new ScenarioRunner(scenario, options).run();
}
