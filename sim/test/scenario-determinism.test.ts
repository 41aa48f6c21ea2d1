import { describe, expect, it } from 'vitest';
import {
  buildScenario,
  type RunResult,
  runResultToJson,
  runScenario,
  senderDrivenTransportFactory,
  summarizeSweep,
  sweepToJson,
} from '../src/index.js';
import { fakeFactory, mixedWorkload } from './scenario-fakes.js';

function faultsRun(seed: number): RunResult {
  const transport = senderDrivenTransportFactory;
  return runScenario(buildScenario('faults', { seed, transport, parameters: { corrupt: 0 } }), { seed, transport });
}

describe('scenario determinism', () => {
  it('the same seed gives the same result JSON and trace hash; another seed does not', () => {
    const a = faultsRun(11);
    const b = faultsRun(11);
    expect(runResultToJson(a)).toBe(runResultToJson(b));
    expect(a.traceHash).toBe(b.traceHash);
    const c = faultsRun(12);
    expect(c.traceHash).not.toBe(a.traceHash);
  });

  it('a user-written scenario with a fake transport is deterministic too', () => {
    const hosts = [0, 1, 2, 3].map(() => ({ nics: [{ rateBitsPerSecond: 25e9 }] }));
    const scenario = {
      name: 'user',
      hosts,
      workload: mixedWorkload(64, 4),
      durationNs: 100_000,
      faults: [
        { atNs: 0, action: { kind: 'linkFaults' as const, faults: { jitter: 'uniform' as const, jitterNs: 300 } } },
      ],
    };
    const first = runScenario(scenario, { seed: 3, transport: fakeFactory() });
    const second = runScenario(scenario, { seed: 3, transport: fakeFactory() });
    expect(runResultToJson(first)).toBe(runResultToJson(second));
    expect(first.failed).toBe(false);
    const other = runScenario(scenario, { seed: 4, transport: fakeFactory() });
    expect(other.traceHash).not.toBe(first.traceHash);
  });

  it('a sweep over a few seeds aggregates per-seed results', () => {
    const transport = senderDrivenTransportFactory;
    const results: RunResult[] = [];
    for (let seed = 1; seed <= 4; seed++) {
      results.push(runScenario(buildScenario('smoke', { seed, transport }), { seed, transport }));
    }
    const summary = summarizeSweep(results);
    expect(summary.runs).toBe(4);
    expect(summary.failedSeeds).toEqual([]);
    expect(summary.outcomes).toEqual({ completed: 400 });
    expect(summary.seeds.map((entry) => entry.seed)).toEqual([1, 2, 3, 4]);
    expect(JSON.parse(sweepToJson(summary)).schema).toBe('dcq-sim-sweep/1');
  });
});
