/**
 * What the `sim-*` benchmarks share: running one registered scenario with dcq and with the
 * sender-driven baseline on the same seed, observing each run through a wrapping transport factory
 * (per-transfer outcome times and per-host received bytes over time, which the run report does not
 * keep), and summarising a run for the result JSON. Simulated time makes the measured values
 * deterministic in (scenario, parameters, seed); only the wall-clock rates vary.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TransmitInfo } from '@dcq/core';
import {
  buildScenario,
  type RunResult,
  runScenario,
  type Scenario,
  type SimDelivery,
  type SimOutcome,
  type SimStateCounters,
  type SimTransferRequest,
  type SimTransport,
  type SimTransportContext,
  type SimTransportFactory,
  transportFactory,
} from '@dcq/sim';
import { resultsDir } from '../harness.js';

/** Name of the baseline every `sim-*` benchmark compares against. */
export const SIM_BASELINE_TRANSPORT = 'sender-driven';

/** Crypto provider the benchmarks run dcq with (OpenSSL through node:crypto: the runtime's default). */
export const SIM_CRYPTO_PROVIDER = 'node';

/** What the observer records for one run. */
export class RunObserver {
  /** Virtual time of each tag's first outcome, ns (NaN: none yet). */
  readonly outcomeNs: Float64Array;
  /** Status of each tag's first outcome. */
  readonly outcomeStatus: Int32Array;
  /** Width of the received-bytes bins, ns. */
  readonly binNs: number;
  /** Datagram bytes (payload, without network headers) delivered to `watchedHost`, per bin. */
  readonly receivedBytes: Float64Array;
  /** Datagrams delivered to `watchedHost`, per bin. */
  readonly receivedCount: Float64Array;
  /** The host whose received bytes are binned (-1: none). */
  readonly watchedHost: number;

  constructor(options: {
    readonly tags: number;
    readonly watchedHost: number;
    readonly binNs: number;
    readonly bins: number;
  }) {
    this.outcomeNs = new Float64Array(options.tags).fill(Number.NaN);
    this.outcomeStatus = new Int32Array(options.tags);
    this.binNs = options.binNs;
    this.receivedBytes = new Float64Array(options.bins);
    this.receivedCount = new Float64Array(options.bins);
    this.watchedHost = options.watchedHost;
  }
}

/** A transport that forwards everything to the real one and tells the observer what it saw. */
class ObservedTransport implements SimTransport {
  readonly name: string;
  readonly cryptoProviderName: string | undefined;
  private lastNowUs: number;

  constructor(
    private readonly inner: SimTransport,
    private readonly observer: RunObserver,
    private readonly watched: boolean,
  ) {
    this.name = inner.name;
    const reported = (inner as { readonly cryptoProviderName?: unknown }).cryptoProviderName;
    this.cryptoProviderName = typeof reported === 'string' ? reported : undefined;
    this.lastNowUs = 0;
  }

  handleDatagram(nowUs: number, bytes: Uint8Array, offset: number, length: number, peer: number): void {
    this.lastNowUs = nowUs;
    if (this.watched) {
      const observer = this.observer;
      const bin = Math.min(observer.receivedBytes.length - 1, Math.floor((nowUs * 1000) / observer.binNs));
      observer.receivedBytes[bin] = (observer.receivedBytes[bin] as number) + length;
      observer.receivedCount[bin] = (observer.receivedCount[bin] as number) + 1;
    }
    this.inner.handleDatagram(nowUs, bytes, offset, length, peer);
  }

  handleTimeout(nowUs: number): void {
    this.lastNowUs = nowUs;
    this.inner.handleTimeout(nowUs);
  }

  pollTransmit(nowUs: number, out: Uint8Array, offset: number, info: TransmitInfo): number {
    this.lastNowUs = nowUs;
    return this.inner.pollTransmit(nowUs, out, offset, info);
  }

  pollTimeoutUs(): number {
    return this.inner.pollTimeoutUs();
  }

  submit(nowUs: number, request: SimTransferRequest): number {
    this.lastNowUs = nowUs;
    return this.inner.submit(nowUs, request);
  }

  pollOutcome(out: SimOutcome): boolean {
    if (!this.inner.pollOutcome(out)) return false;
    // The runner drains outcomes right after the driver call that produced them, at that instant.
    const observer = this.observer;
    if (out.tag >= 0 && out.tag < observer.outcomeNs.length && Number.isNaN(observer.outcomeNs[out.tag] as number)) {
      observer.outcomeNs[out.tag] = Math.round(this.lastNowUs * 1000);
      observer.outcomeStatus[out.tag] = out.status;
    }
    return true;
  }

  pollDelivery(out: SimDelivery): boolean {
    return this.inner.pollDelivery(out);
  }

  stateCounters(out: SimStateCounters): void {
    this.inner.stateCounters(out);
  }
}

/** Wraps `factory` so every transport it creates reports to `observer`. */
export function observedFactory(factory: SimTransportFactory, observer: RunObserver): SimTransportFactory {
  return {
    name: factory.name,
    description: factory.description,
    cryptoProviders: factory.cryptoProviders,
    supportsRestart: factory.supportsRestart,
    ...(factory.statusNames === undefined ? {} : { statusNames: factory.statusNames }),
    ...(factory.stateLingerNs === undefined ? {} : { stateLingerNs: factory.stateLingerNs }),
    create(context: SimTransportContext): SimTransport {
      return new ObservedTransport(factory.create(context), observer, context.host === observer.watchedHost);
    },
  };
}

/** One observed run. */
export interface ObservedRun {
  readonly transport: string;
  readonly scenario: Scenario;
  readonly result: RunResult;
  readonly observer: RunObserver;
  /** Wall-clock time of the run, ms. */
  readonly wallMs: number;
}

/** Options of {@link runObserved}. */
export interface RunObservedOptions {
  readonly scenario: string;
  readonly transport: string;
  /** The factory to run with (default: the registered one named `transport`). */
  readonly factory?: SimTransportFactory;
  readonly seed: number;
  readonly parameters: Readonly<Record<string, number>>;
  /** Host whose received bytes are binned (default -1: none). */
  readonly watchedHost?: number;
  /** Bin width, ns (default 10 µs). */
  readonly binNs?: number;
  /** Bins (default 4096; later datagrams land in the last). */
  readonly bins?: number;
}

/** Builds registered scenario `options.scenario` and runs it with `options.transport`, observed. */
export function runObserved(options: RunObservedOptions): ObservedRun {
  const factory = options.factory ?? transportFactory(options.transport);
  const scenario = buildScenario(options.scenario, {
    seed: options.seed,
    transport: factory,
    parameters: options.parameters,
  });
  const observer = new RunObserver({
    tags: scenario.workload.count,
    watchedHost: options.watchedHost ?? -1,
    binNs: options.binNs ?? 10_000,
    bins: options.bins ?? 4096,
  });
  const cryptoProvider = factory.cryptoProviders.includes(SIM_CRYPTO_PROVIDER)
    ? SIM_CRYPTO_PROVIDER
    : (factory.cryptoProviders[0] ?? 'none');
  const start = performance.now();
  const result = runScenario(scenario, {
    seed: options.seed,
    transport: observedFactory(factory, observer),
    cryptoProvider,
  });
  return { transport: options.transport, scenario, result, observer, wallMs: performance.now() - start };
}

/**
 * Completion time of every tag that completed, ns, in tag order; NaN for the others. Homa's
 * definition (the runner's `completionNs`): a one-way message completes when its receiver delivers
 * it, an RPC when its response is delivered. {@link senderOutcomeTimesOf} is the sender's view.
 */
export function completionTimesOf(run: ObservedRun): Float64Array {
  return run.result.completionNs;
}

/**
 * Time until the SENDER learned each tag completed (its outcome: for a one-way message that is
 * one acknowledgement after the delivery), ns from the workload time; NaN for the others.
 */
export function senderOutcomeTimesOf(run: ObservedRun): Float64Array {
  const list = run.scenario.workload;
  const out = new Float64Array(list.count).fill(Number.NaN);
  for (let tag = 0; tag < list.count; tag++) {
    const at = run.observer.outcomeNs[tag] as number;
    if (run.observer.outcomeStatus[tag] === 0 && !Number.isNaN(at)) {
      out[tag] = Math.max(0, at - (list.timeNs[tag] as number));
    }
  }
  return out;
}

/** Last completion time of the completed tags, ns (makespan when everything starts at 0). */
export function lastCompletionNs(run: ObservedRun): number {
  let last = 0;
  const observer = run.observer;
  for (let tag = 0; tag < observer.outcomeNs.length; tag++) {
    const at = observer.outcomeNs[tag] as number;
    if (observer.outcomeStatus[tag] === 0 && at > last) last = at;
  }
  return last;
}

/** Simulated datagrams (sent by endpoints) per wall-clock second of a run. */
export function datagramsPerWallSecond(run: ObservedRun): number {
  return run.wallMs > 0 ? (run.result.datagrams.sent * 1000) / run.wallMs : 0;
}

/** The JSON-safe summary of one run that goes into a benchmark's `details`. */
export function runSummary(run: ObservedRun): Record<string, unknown> {
  const result = run.result;
  const report = result.report;
  return {
    transport: result.transport,
    cryptoProvider: result.cryptoProvider,
    seed: result.seed,
    failed: result.failed,
    invariants: result.invariants.verdicts,
    quiescent: result.quiescent,
    endNs: result.endNs,
    transfers: result.transfers,
    outcomes: result.outcomes,
    datagrams: result.datagrams,
    bytes: report.bytes,
    goodput: (report.bytes as { goodput: number | null } | null)?.goodput ?? null,
    retransmissions: report.retransmissions,
    queueDrops: report.queueDrops,
    completionTimeNs: report.completionTimeNs,
    slowdown: report.slowdown,
    lastCompletionNs: lastCompletionNs(run),
    wallMs: Math.round(run.wallMs),
    simulatedDatagramsPerWallSecond: Math.round(datagramsPerWallSecond(run)),
  };
}

/** Writes an SVG next to the JSON results and returns its path. */
export function writePlot(name: string, svg: string): string {
  mkdirSync(resultsDir, { recursive: true });
  const path = join(resultsDir, `${name}.svg`);
  writeFileSync(path, svg);
  return path;
}
