import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAUSALITY_TOKEN_NONE, CausalityMap, CausalityOutcome, CausalityState } from '../src/causality-map.js';

// A worker thread cannot load TypeScript, and vitest's transform does not reach into workers. So
// the test transpiles the causality map and the modules it imports (type-stripping only, via the
// TypeScript compiler API) into a temporary directory and the workers import that: the workers
// always run the current sources, whether or not `npm run build` ran since the last edit.
const here = dirname(fileURLToPath(import.meta.url));
const sourceDir = join(here, '..', 'src');
const workerScript = join(here, 'fixtures', 'causality-worker.mjs');

function transpileClosure(entry: string, outDir: string): string {
  const pending = [entry];
  const done = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (done.has(file)) continue;
    done.add(file);
    const source = readFileSync(join(sourceDir, file), 'utf8');
    for (const match of source.matchAll(/from '\.\/([\w/-]+)\.js'/g)) pending.push(`${match[1]}.ts`);
    const output = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
      fileName: file,
    });
    const target = join(outDir, file.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, output.outputText);
  }
  return pathToFileURL(join(outDir, entry.replace(/\.ts$/, '.js'))).href;
}

interface WorkerRecord {
  token: number;
  dependencies: number[];
  kinds: number[];
  plan: number;
  notified: number;
  outcome: number;
  failEarlyResult: boolean | null;
  sent: boolean;
  completed: boolean;
  finalState: number;
  cause: number;
  dependencyFailed: boolean;
}

interface WorkerResult {
  records: WorkerRecord[];
  leaks: Array<{ round: number; entriesLive: number; edgesLive: number }>;
}

const PLAN_FAIL_EARLY = 2;
const TIMEOUT_MS = 15_000;

function runWorker(workerData: Record<string, unknown>): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerScript, { workerData });
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error('causality worker timed out'));
    }, TIMEOUT_MS + 5_000);
    worker.once('message', (result: WorkerResult) => {
      clearTimeout(timer);
      resolve(result);
    });
    worker.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    worker.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`causality worker exited with code ${code}`));
    });
  });
}

/** Whether a dependency edge ended in failure: its dependency failed before the awaited event. */
function edgeFailed(dependency: WorkerRecord, kind: number): boolean {
  return !dependency.completed && ((kind & 1) !== 0 || !dependency.sent);
}

describe('CausalityMap shared by two worker threads', () => {
  let outDir = '';
  let moduleUrl = '';

  beforeAll(() => {
    outDir = mkdtempSync(join(tmpdir(), 'dcq-causality-'));
    moduleUrl = transpileClosure('causality-map.ts', outDir);
  });

  afterAll(() => {
    if (outDir !== '') rmSync(outDir, { recursive: true, force: true });
  });

  it('reports every cross-thread dependent exactly once, consistently with its dependencies, without leaks', async () => {
    const rounds = process.env.DCQ_LONG_TESTS ? 60 : 4;
    const perRound = 400;
    // Tiny initial capacities: both threads grow the shared buffers while the other one is using them.
    const map = new CausalityMap({
      entryCapacityInitial: 4,
      entryCapacityMax: 2 * perRound + 16,
      edgeCapacityInitial: 4,
      edgeCapacityMax: 8 * perRound,
      ownersMax: 3,
    });
    const sync = new SharedArrayBuffer(4 * (2 + rounds * 2));
    const published = new SharedArrayBuffer(8 * rounds * 2 * perRound);
    const common = {
      moduleUrl,
      handle: map.handle(),
      rounds,
      perRound,
      sync,
      published,
      timeoutMs: TIMEOUT_MS,
      mode: 'mixed',
    };
    const results = await Promise.all([
      runWorker({ ...common, index: 0, ownerId: 1, seed: 0x5eed0001 }),
      runWorker({ ...common, index: 1, ownerId: 2, seed: 0x5eed0002 }),
    ]);

    for (const leak of results[0]?.leaks ?? [])
      expect(leak).toEqual({ round: leak.round, entriesLive: 0, edgesLive: 0 });
    expect(results[0]?.leaks.length).toBe(rounds);
    expect(map.entriesLive).toBe(0);
    expect(map.edgesLive).toBe(0);
    expect(map.entryCapacity).toBeGreaterThan(4); // grew concurrently

    const byToken = new Map<number, WorkerRecord>();
    const threadOf = new Map<number, number>();
    results.forEach((result, thread) => {
      for (const record of result.records) {
        expect(byToken.has(record.token)).toBe(false); // tokens are never reused, slots are
        byToken.set(record.token, record);
        threadOf.set(record.token, thread);
      }
    });
    expect(byToken.size).toBe(2 * rounds * perRound);
    const slots = new Set([...byToken.keys()].map((token) => token % 2 ** 24));
    expect(slots.size).toBeLessThan(byToken.size);

    let crossThreadEdges = 0;
    let cascaded = 0;
    let softFailures = 0;
    let ownerWon = 0;
    for (const record of byToken.values()) {
      let cascadingFailure = false;
      let softFailure = false;
      const causes = new Set<number>();
      record.dependencies.forEach((token, i) => {
        const dependency = byToken.get(token);
        if (dependency === undefined) throw new Error('dependency of an unknown token');
        const kind = record.kinds[i] as number;
        if (edgeFailed(dependency, kind)) {
          if ((kind & 2) !== 0) {
            cascadingFailure = true;
            causes.add(token);
          } else {
            softFailure = true;
          }
        }
        if (threadOf.get(token) !== threadOf.get(record.token)) crossThreadEdges++;
      });
      // Exactly once: reported once, unless its owner failed it before it was ready or failed.
      expect(record.notified).toBeLessThanOrEqual(1);
      if (record.notified === 0) {
        expect(record.plan).toBe(PLAN_FAIL_EARLY);
        expect(record.failEarlyResult).toBe(true);
        ownerWon++;
        continue;
      }
      expect(record.finalState === CausalityState.Completed || record.finalState === CausalityState.Failed).toBe(true);
      if (record.outcome === CausalityOutcome.Failed) {
        expect(cascadingFailure).toBe(true);
        expect(causes.has(record.cause)).toBe(true);
        expect(record.finalState).toBe(CausalityState.Failed);
        expect(record.completed).toBe(false);
        if (record.plan === PLAN_FAIL_EARLY) expect(record.failEarlyResult).not.toBe(true); // lost the race, or never tried
        cascaded++;
      } else {
        expect(cascadingFailure).toBe(false);
        expect(record.cause).toBe(CAUSALITY_TOKEN_NONE);
        expect(record.outcome).toBe(softFailure ? CausalityOutcome.ReadyDependencyFailed : CausalityOutcome.Ready);
        expect(record.dependencyFailed).toBe(softFailure);
        if (softFailure) softFailures++;
      }
    }
    // The run exercised what it claims to: edges, cascades, soft failures and owner/cascade races.
    expect(crossThreadEdges).toBeGreaterThan(1000);
    expect(cascaded).toBeGreaterThan(50);
    expect(softFailures).toBeGreaterThan(20);
    expect(ownerWon).toBeGreaterThan(0);
  });

  it('links edges while the other thread resolves their dependency, without losing or repeating one', async () => {
    const iterations = process.env.DCQ_LONG_TESTS ? 20_000 : 1_000;
    const dependentsPerIteration = 8;
    const map = new CausalityMap({ entryCapacityInitial: 2, edgeCapacityInitial: 2, ownersMax: 3 });
    const common = {
      moduleUrl,
      handle: map.handle(),
      rounds: iterations,
      perRound: dependentsPerIteration,
      sync: new SharedArrayBuffer(4 * 4),
      published: new SharedArrayBuffer(8),
      timeoutMs: TIMEOUT_MS,
      mode: 'race',
    };
    // Each worker throws (failing the test) on a missing, repeated or wrong notification.
    const results = await Promise.all([
      runWorker({ ...common, index: 0, ownerId: 1, seed: 0x5eed0003 }),
      runWorker({ ...common, index: 1, ownerId: 2, seed: 0x5eed0004 }),
    ]);
    expect(results[0]?.leaks).toEqual([{ round: iterations, entriesLive: 0, edgesLive: 0 }]);
    expect((results[0]?.records.length ?? 0) + (results[1]?.records.length ?? 0)).toBe(iterations);
    expect(map.entriesLive).toBe(0);
    expect(map.edgesLive).toBe(0);
  });
});
