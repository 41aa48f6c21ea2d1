/**
 * The built-in scenarios with the real dcq engine (the default transport): no invariant is violated,
 * every transfer gets a typed outcome, all engine state drains after time-wait, and runs reproduce.
 */
import { describe, expect, it } from 'vitest';
import {
  buildScenario,
  defaultTransportName,
  INVARIANT_NAMES,
  type RunResult,
  runScenario,
  transportFactory,
} from '../src/index.js';

function runDcq(name: string, seed: number, parameters: Record<string, number> = {}): RunResult {
  const transport = transportFactory('dcq');
  const scenario = buildScenario(name, { seed, transport, parameters });
  return runScenario(scenario, { seed, transport });
}

function failing(result: RunResult): string[] {
  return INVARIANT_NAMES.filter((name) => result.invariants.verdicts[name].violationCount > 0);
}

describe('built-in scenarios with dcq', () => {
  it('is the default transport and reports its crypto provider', () => {
    expect(defaultTransportName()).toBe('dcq');
    expect(runDcq('smoke', 1).cryptoProvider).toBe('noble');
  });

  it.each(['smoke', 'incast', 'fanout'])('%s: every transfer completes, no invariant violated', (name) => {
    const result = runDcq(name, 2);
    expect(failing(result)).toEqual([]);
    expect(result.quiescent).toBe(true);
    expect(Object.keys(result.outcomes)).toEqual(['completed']);
  });

  it('faults (loss, duplication, reordering, corruption, a partition, a crash and restart): no violation', () => {
    const result = runDcq('faults', 3);
    expect(failing(result)).toEqual([]);
    expect(result.outcomes.completed).toBeGreaterThan(0);
  });

  it('reproduces from its seed', () => {
    const first = runDcq('faults', 7);
    expect(runDcq('faults', 7).traceHash).toBe(first.traceHash);
    expect(runDcq('faults', 8).traceHash).not.toBe(first.traceHash);
  });
});
