/**
 * `sim-faults`: a sweep of seeds of the `faults` scenario (loss, duplication, reordering,
 * corruption, a partition and — for dcq — a host crash and restart), each seed with dcq and with
 * the sender-driven baseline (which cannot survive restarts, so its runs have no crash). The metric
 * is the simulator's speed with dcq: simulated datagrams per wall-clock second over the sweep; the
 * invariant violations of every seed go into the details (dcq must have none).
 */
import { buildScenario, type RunResult, runScenario, transportFactory } from '@dcq/sim';
import type { Benchmark, BenchOptions, BenchOutcome } from '../harness.js';
import { SIM_BASELINE_TRANSPORT, SIM_CRYPTO_PROVIDER } from './sim-common.js';

/** What a sweep of one transport observed. */
interface SweepTotals {
  readonly transport: string;
  readonly cryptoProvider: string;
  seeds: number;
  failedSeeds: number[];
  violations: Record<string, number>;
  datagramsSent: number;
  datagramsDropped: number;
  transfers: number;
  outcomes: Record<string, number>;
  wallMs: number;
}

function sweep(transport: string, seedFrom: number, seedCount: number): SweepTotals {
  const factory = transportFactory(transport);
  const cryptoProvider = factory.cryptoProviders.includes(SIM_CRYPTO_PROVIDER)
    ? SIM_CRYPTO_PROVIDER
    : (factory.cryptoProviders[0] ?? 'none');
  const totals: SweepTotals = {
    transport,
    cryptoProvider,
    seeds: 0,
    failedSeeds: [],
    violations: {},
    datagramsSent: 0,
    datagramsDropped: 0,
    transfers: 0,
    outcomes: {},
    wallMs: 0,
  };
  for (let seed = seedFrom; seed < seedFrom + seedCount; seed++) {
    const start = performance.now();
    const scenario = buildScenario('faults', { seed, transport: factory });
    const result: RunResult = runScenario(scenario, { seed, transport: factory, cryptoProvider });
    totals.wallMs += performance.now() - start;
    totals.seeds++;
    if (result.failed) totals.failedSeeds.push(seed);
    for (const [name, verdict] of Object.entries(result.invariants.verdicts)) {
      totals.violations[name] = (totals.violations[name] ?? 0) + verdict.violationCount;
    }
    totals.datagramsSent += result.datagrams.sent;
    totals.datagramsDropped += result.datagrams.dropped;
    totals.transfers += result.transfers.total;
    for (const [name, count] of Object.entries(result.outcomes))
      totals.outcomes[name] = (totals.outcomes[name] ?? 0) + count;
  }
  return totals;
}

function rateOf(totals: SweepTotals): number {
  return totals.wallMs > 0 ? (totals.datagramsSent * 1000) / totals.wallMs : 0;
}

export const simFaultsBenchmark: Benchmark = {
  name: 'sim-faults',
  group: 'sim',
  description:
    'seed sweep of the faults scenario (simulated): invariant violations and simulated datagrams per wall second, dcq vs sender-driven',
  run(options: BenchOptions): BenchOutcome {
    const seedFrom = 1;
    const seedCount = options.quick ? 5 : 200;
    const dcq = sweep('dcq', seedFrom, seedCount);
    const baseline = sweep(SIM_BASELINE_TRANSPORT, seedFrom, seedCount);
    const summarize = (totals: SweepTotals) => ({
      ...totals,
      simulatedDatagramsPerWallSecond: Math.round(rateOf(totals)),
      wallMs: Math.round(totals.wallMs),
    });
    return {
      metric: `simulated datagrams per wall-clock second, faults scenario, ${seedCount} seeds`,
      unit: 'datagrams/s',
      value: rateOf(dcq),
      baseline: `${SIM_BASELINE_TRANSPORT} baseline (no crypto, no restart)`,
      baselineValue: rateOf(baseline),
      params: { scenario: 'faults', seeds: `${seedFrom}..${seedFrom + seedCount - 1}`, parameters: 'defaults' },
      details: {
        target: { dcqViolations: 0 },
        dcqViolationFree: dcq.failedSeeds.length === 0,
        dcq: summarize(dcq),
        [SIM_BASELINE_TRANSPORT]: summarize(baseline),
      },
    };
  },
};
