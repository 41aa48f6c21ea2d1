import { describe, expect, it } from 'vitest';
import {
  buildScenario,
  INVARIANT_NAMES,
  type RunResult,
  runScenario,
  senderDrivenTransportFactory,
  transportFactory,
} from '../src/index.js';

function runBuiltIn(name: string, seed: number, parameters: Record<string, number> = {}): RunResult {
  const transport = transportFactory('sender-driven');
  const scenario = buildScenario(name, { seed, transport, parameters });
  return runScenario(scenario, { seed, transport });
}

function failing(result: RunResult): string[] {
  return INVARIANT_NAMES.filter((name) => result.invariants.verdicts[name].violationCount > 0);
}

describe('built-in scenarios with the sender-driven baseline', () => {
  it('is registered under its name and reports no crypto', () => {
    expect(transportFactory('sender-driven')).toBe(senderDrivenTransportFactory);
    expect(senderDrivenTransportFactory.cryptoProviders).toEqual(['none']);
  });

  it.each(['smoke', 'incast', 'fanout'])('%s passes every invariant', (name) => {
    const result = runBuiltIn(name, 3);
    expect(failing(result)).toEqual([]);
    expect(result.quiescent).toBe(true);
    expect(result.outcomes).toEqual({ completed: result.transfers.total });
    expect(result.cryptoProvider).toBe('none');
    expect(result.report.transport).toBe('sender-driven');
  });

  it('smoke runs 100 RPCs between 2 hosts', () => {
    const result = runBuiltIn('smoke', 1);
    expect(result.transfers.total).toBe(100);
    expect(result.datagrams.dropped).toBe(0);
  });

  it('incast overflows the shallow buffer and still completes through retransmissions', () => {
    const result = runBuiltIn('incast', 2, { senders: 12 });
    expect(result.datagrams.dropped).toBeGreaterThan(0);
    expect(result.outcomes).toEqual({ completed: 12 });
  });

  it('passes faults with and without corruption: its checksum trailer drops corrupted datagrams', () => {
    const clean = runBuiltIn('faults', 4, { corrupt: 0 });
    expect(failing(clean)).toEqual([]);
    const corrupted = runBuiltIn('faults', 4, { corrupt: 0.02 });
    expect(failing(corrupted)).toEqual([]);
    // The corruption really happened: the corrupted run differs from the clean one (same seed).
    expect(corrupted.traceHash).not.toBe(clean.traceHash);
  });
});
