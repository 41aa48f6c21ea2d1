import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  INVARIANT_NAMES,
  type InvariantName,
  measurePriorityInversions,
  RunObservations,
  type RunResult,
  runScenario,
  type Scenario,
  type SimTransportContext,
  STATUS_SENDER_CRASHED,
  TransferListBuilder,
} from '../src/index.js';
import { type FakeBugs, fakeFactory, mixedWorkload } from './scenario-fakes.js';

const HOSTS = 3;
const ROWS = 40;

function scenario(overrides: Partial<Scenario> = {}): Scenario {
  const hosts = [];
  for (let h = 0; h < HOSTS; h++) hosts.push({ nics: [{ rateBitsPerSecond: 10e9 }] });
  return {
    name: 'fake-mix',
    hosts,
    workload: mixedWorkload(ROWS, HOSTS),
    durationNs: 50_000,
    limits: { heldBytesPerHostMax: 1 << 20, drainNs: 1_000_000 },
    ...overrides,
  };
}

function run(bugs: FakeBugs, overrides: Partial<Scenario> = {}, seed = 1): RunResult {
  return runScenario(scenario(overrides), { seed, transport: fakeFactory(bugs) });
}

function failing(result: RunResult): InvariantName[] {
  return INVARIANT_NAMES.filter((name) => result.invariants.verdicts[name].violationCount > 0);
}

describe('invariant checkers on a fake transport', () => {
  it('a correct transport passes every invariant and completes every transfer', () => {
    const result = run({});
    expect(failing(result)).toEqual([]);
    expect(result.failed).toBe(false);
    expect(result.quiescent).toBe(true);
    expect(result.outcomes).toEqual({ completed: ROWS });
    expect(result.transfers).toEqual({ total: ROWS, submitted: ROWS, backpressured: 0 });
    expect(result.cryptoProvider).toBe('none');
  });

  it('spreads the transfers of a host over its NICs and still checks every delivery', () => {
    const hosts = [];
    for (let h = 0; h < HOSTS; h++) hosts.push({ nics: [{ rateBitsPerSecond: 10e9 }, { rateBitsPerSecond: 10e9 }] });
    const contexts: string[] = [];
    const base = fakeFactory();
    const transport = {
      ...base,
      create: (context: SimTransportContext) => {
        contexts.push(`${context.host}.${context.nic}:${context.heldBytesMax}`);
        return base.create(context);
      },
    };
    const result = runScenario(scenario({ hosts }), { seed: 2, transport });
    expect(contexts).toEqual(['0.0:524288', '0.1:524288', '1.0:524288', '1.1:524288', '2.0:524288', '2.1:524288']);
    expect(failing(result)).toEqual([]);
    expect(result.outcomes).toEqual({ completed: ROWS });
  });

  it.each<[string, FakeBugs, InvariantName, number, RegExp]>([
    ['a corrupted byte', { corruptTag: 6 }, 'byteExact', 6, /wrong bytes/],
    ['a wrong peer index', { wrongPeerTag: 5 }, 'byteExact', 5, /wrong peer/],
    ['a double delivery', { deliverTwiceTag: 7 }, 'atMostOnce', 7, /delivered 2 times/],
    ['a lost outcome', { loseOutcomeTag: 9 }, 'completeness', 9, /no outcome/],
    ['a duplicate outcome', { duplicateOutcomeTag: 3 }, 'completeness', 3, /2 outcomes/],
    ['completion without delivery', { completeUnsentTag: 4 }, 'completeness', 4, /never delivered/],
    ['an undeclared failure status', { untypedFailureTag: 8 }, 'completeness', 8, /does not declare/],
  ])('%s is caught', (_name, bugs, invariant, tag, detail) => {
    const result = run(bugs);
    expect(failing(result)).toEqual([invariant]);
    const verdict = result.invariants.verdicts[invariant];
    expect(verdict.violationCount).toBe(1);
    expect(verdict.violations[0]?.tag).toBe(tag);
    expect(verdict.violations[0]?.detail).toMatch(detail);
    expect(result.failed).toBe(true);
  });

  it('leaked state at quiescence is caught', () => {
    const result = run({ leak: true });
    expect(failing(result)).toEqual(['noLeakedState']);
    expect(result.invariants.verdicts.noLeakedState.violationCount).toBe(HOSTS);
    expect(result.invariants.verdicts.noLeakedState.violations[0]?.detail).toMatch(/transfers=1, timers=1/);
    expect(result.quiescent).toBe(true); // the network went idle: the drain did not hide the leak
  });

  it('held bytes above the limit are caught, and not below it', () => {
    const over = run({ heldBytesExtra: 2 << 20 });
    expect(failing(over)).toEqual(['memoryLimit']);
    expect(over.invariants.measurements.heldBytesPeakMax).toBeGreaterThan(2 << 20);
    const under = run({ heldBytesExtra: 1000 });
    expect(failing(under)).toEqual([]);
  });

  it('backpressured submissions are retried in order and all complete', () => {
    const result = run({ refuseEvery: 3 });
    expect(failing(result)).toEqual([]);
    expect(result.transfers.backpressured).toBeGreaterThan(0);
    expect(result.outcomes).toEqual({ completed: ROWS });
  });

  it('refused submissions: a higher priority goes ahead of refused lower ones, never the reverse', () => {
    // Host 0 → 1: row 0 (priority 7) at 0 ns, row 1 (priority 0) at 1 µs, row 2 (priority 7) at
    // 2 µs, row 3 (priority 0) at 3 µs. The transport refuses priority 7 until 10 µs, and row 3
    // until 20 µs. Row 1 overtakes the refused row 0; rows 0 and 2 (in order) wait for the refused
    // higher-priority row 3 even after 10 µs. Accepted order: 1, 3, 0, 2.
    const builder = new TransferListBuilder(4);
    for (let i = 0; i < 4; i++) {
      const row = builder.append();
      builder.timeNs[row] = i * 1_000;
      builder.srcHost[row] = 0;
      builder.dstHost[row] = 1;
      builder.sizeBytes[row] = 100;
      builder.priority[row] = i % 2 === 0 ? 7 : 0;
    }
    const accepted: number[] = [];
    const base = fakeFactory();
    const transport = {
      ...base,
      create: (context: SimTransportContext) => {
        const inner = base.create(context);
        const wrapped = Object.create(inner) as typeof inner;
        wrapped.submit = (nowUs, request) => {
          if (request.priority === 7 && nowUs < 10) return -1;
          if (request.tag === 3 && nowUs < 20) return -1;
          const handle = inner.submit(nowUs, request);
          if (handle >= 0) accepted.push(request.tag);
          return handle;
        };
        return wrapped;
      },
    };
    const result = runScenario(scenario({ workload: builder.finish() }), { seed: 1, transport });
    expect(result.outcomes).toEqual({ completed: 4 });
    expect(accepted).toEqual([1, 3, 0, 2]);
    expect(result.transfers.backpressured).toBe(2); // rows 0 and 3; row 2 queued behind row 0 untried
  });

  it('a crashed sender ends its open transfers with senderCrashed and later ones with senderDown', () => {
    const result = run({}, { faults: [{ atNs: 1_000, action: { kind: 'crash', host: 2 } }] });
    expect(result.outcomes.senderDown).toBeGreaterThan(0);
    expect(result.outcomes.senderCrashed).toBeGreaterThan(0);
    // Transfers to the crashed host never complete: the fake has no timeout, so they stay open
    // (no outcome) and their senders still hold them at the end (state).
    expect(failing(result)).toEqual(['completeness', 'noLeakedState']);
    for (const violation of result.invariants.verdicts.completeness.violations) {
      expect(violation.detail).toMatch(/no outcome/);
    }
    expect(STATUS_SENDER_CRASHED).toBe(-1);
  });

  it('a restart gives the host fresh transports of the next incarnation that carry later transfers', () => {
    const incarnations: number[] = [];
    const base = fakeFactory();
    const transport = {
      ...base,
      supportsRestart: true,
      create: (context: SimTransportContext) => {
        if (context.host === 2) incarnations.push(context.incarnation);
        return base.create(context);
      },
    };
    const faults = [
      { atNs: 1_000, action: { kind: 'crash' as const, host: 2 } },
      { atNs: 3_000, action: { kind: 'restart' as const, host: 2 } },
    ];
    const result = runScenario(scenario({ faults }), { seed: 1, transport });
    expect(incarnations).toEqual([0, 1]);
    expect(result.outcomes.senderCrashed).toBeGreaterThan(0);
    expect(result.outcomes.senderDown).toBeGreaterThan(0);
    // Rows from host 2 due after the restart (t ≥ 4 µs) complete on the new incarnation.
    const list = mixedWorkload(ROWS, HOSTS);
    let laterRowsOfHost2 = 0;
    for (let row = 0; row < list.count; row++) {
      if (list.srcHost[row] === 2 && (list.timeNs[row] as number) >= 4_000) laterRowsOfHost2++;
    }
    expect(laterRowsOfHost2).toBeGreaterThan(0);
    expect(result.outcomes.completed).toBeGreaterThanOrEqual(laterRowsOfHost2);
    expect(result.invariants.verdicts.byteExact.violationCount).toBe(0);
    expect(result.invariants.verdicts.atMostOnce.violationCount).toBe(0);
  });

  it('refuses a restart for a transport that does not support it', () => {
    expect(() => run({}, { faults: [{ atNs: 1_000, action: { kind: 'restart', host: 1 } }] })).toThrow(/restart/);
  });

  it('refuses a crypto provider the transport does not offer, and reports the one used', () => {
    expect(() => runScenario(scenario(), { seed: 1, transport: fakeFactory(), cryptoProvider: 'aes' })).toThrow(
      /crypto provider/,
    );
    const result = runScenario(scenario(), { seed: 1, transport: fakeFactory(), cryptoProvider: 'fake-fast' });
    expect(result.cryptoProvider).toBe('fake-fast');
    expect(result.report.parameters).toEqual({ cryptoProvider: 'fake-fast' });
    // A transport that names its provider is believed over the request.
    const base = fakeFactory();
    const naming = {
      ...base,
      create: (context: SimTransportContext) => Object.assign(base.create(context), { cryptoProviderName: 'noble' }),
    };
    expect(runScenario(scenario(), { seed: 1, transport: naming }).cryptoProvider).toBe('noble');
  });
});

/**
 * The naive definition: b counts when some a to the same receiver has higher priority, was
 * submitted before it (earlier time, or the same time and an earlier row) and was delivered later.
 */
function naiveInversions(submit: number[], delivered: number[], priority: number[], dst: number[]): number {
  let count = 0;
  for (let b = 0; b < submit.length; b++) {
    if (Number.isNaN(delivered[b] as number)) continue;
    for (let a = 0; a < submit.length; a++) {
      if (
        dst[a] === dst[b] &&
        (priority[a] as number) < (priority[b] as number) &&
        ((submit[a] as number) < (submit[b] as number) || (submit[a] === submit[b] && a < b)) &&
        (delivered[a] as number) > (delivered[b] as number)
      ) {
        count++;
        break;
      }
    }
  }
  return count;
}

describe('priority inversion measurement', () => {
  it('matches the naive O(n²) definition on random observations', () => {
    const row = fc.record({
      submit: fc.integer({ min: 0, max: 20 }),
      delay: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
      priority: fc.integer({ min: 0, max: 7 }),
      dst: fc.integer({ min: 1, max: 3 }),
    });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 60 }), (rows) => {
        const builder = new TransferListBuilder(rows.length);
        for (const r of rows) {
          const i = builder.append();
          builder.srcHost[i] = 0;
          builder.dstHost[i] = r.dst;
          builder.priority[i] = r.priority;
        }
        const list = builder.finish();
        const observations = new RunObservations(list, 4, 4, 1 << 30);
        const delivered: number[] = [];
        rows.forEach((r, i) => {
          observations.submitNs[i] = r.submit;
          const at = r.delay === undefined ? Number.NaN : r.submit + r.delay;
          observations.requestDeliveryNs[i] = at;
          delivered.push(at);
        });
        const measured = measurePriorityInversions(observations, list);
        const expected = naiveInversions(
          rows.map((r) => r.submit),
          delivered,
          rows.map((r) => r.priority),
          rows.map((r) => r.dst),
        );
        expect(measured.deliveries).toBe(expected);
        expect(measured.log.total).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('counts low-priority deliveries that overtook, including within one instant, not same-priority ones', () => {
    const builder = new TransferListBuilder(4);
    for (let i = 0; i < 4; i++) {
      const r = builder.append();
      builder.srcHost[r] = 0;
      builder.dstHost[r] = 1;
    }
    builder.priority[0] = 0; // submitted first, delivered last
    builder.priority[1] = 5; // later, lower priority, delivered before 0: an inversion
    builder.priority[2] = 0; // later, same priority as 0: not one
    builder.priority[3] = 6; // same time as 0 but a later row, delivered before it: an inversion
    const list = builder.finish();
    const observations = new RunObservations(list, 2, 2, 1 << 30);
    observations.submitNs.set([10, 20, 20, 10]);
    observations.requestDeliveryNs.set([100, 50, 60, 40]);
    const measured = measurePriorityInversions(observations, list);
    expect(measured.deliveries).toBe(2);
    expect(Array.from(measured.log.servedPriority.subarray(0, 2)).sort()).toEqual([5, 6]);
    expect(Array.from(measured.log.waitingPriority.subarray(0, 2))).toEqual([0, 0]);
    // Delivered in priority order instead: none.
    observations.requestDeliveryNs.set([10, 50, 60, 40]);
    expect(measurePriorityInversions(observations, list).deliveries).toBe(0);
  });
});
