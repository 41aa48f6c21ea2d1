/**
 * What `dcq-sim` does once its arguments are parsed: list, run one seed or sweep a range (with a
 * progress bar on a terminal, plain lines otherwise), print summaries or JSON, and on any
 * invariant failure print each failing run's reproduce command and return exit status 1. All
 * output goes through a {@link CliIo}, so tests run it in-process.
 */
import { DcqError, InvalidArgumentError } from '@dcq/core';
import { canonicalJson } from '../metrics/run-report.js';
import { CLI_USAGE, type CliOptions, formatSeeds, parseCliArguments, reproduceCommand } from './cli-args.js';
import { INVARIANT_NAMES } from './invariants.js';
import { buildScenario, resolveParameters, scenarioDefinition, scenarioNames } from './registry.js';
import { type RunError, runResultToJson, summarizeSweep, sweepToJson } from './run-json.js';
import { type RunResult, runScenario, type SimTransportFactory } from './scenario.js';
import { defaultTransportName, transportFactory, transportNames } from './transport-registry.js';

/** Where the CLI writes. */
export interface CliIo {
  /** Writes to standard output. */
  stdout(text: string): void;
  /** Writes to standard error. */
  stderr(text: string): void;
  /** Whether standard error is a terminal (progress bar) or not (plain lines). */
  readonly stderrIsTty: boolean;
  /** Monotonic wall clock in ms, for the progress bar's estimate (default none). */
  readonly nowMs?: () => number;
}

/** Exit status: every invariant held. */
export const EXIT_OK = 0;
/** Exit status: an invariant failed. */
export const EXIT_VIOLATION = 1;
/** Exit status: bad arguments. */
export const EXIT_USAGE = 2;

function listText(): string {
  const lines: string[] = ['scenarios:'];
  for (const name of scenarioNames()) {
    const definition = scenarioDefinition(name);
    lines.push(`  ${name.padEnd(10)} ${definition.description}`);
    for (const spec of definition.parameters) {
      lines.push(`      --param ${`${spec.name}=${spec.defaultValue}`.padEnd(24)} ${spec.description}`);
    }
  }
  lines.push('', 'transports:');
  const preferred = defaultTransportName();
  for (const name of transportNames()) {
    const factory = transportFactory(name);
    const mark = name === preferred ? ' (default)' : '';
    lines.push(`  ${name}${mark}: ${factory.description}; crypto: ${factory.cryptoProviders.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}

function summaryLine(result: RunResult): string {
  const outcomes = Object.entries(result.outcomes)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');
  const violations = INVARIANT_NAMES.map((name) => result.invariants.verdicts[name].violationCount).reduce(
    (a, b) => a + b,
    0,
  );
  return (
    `seed ${result.seed}: ${result.failed ? 'FAILED' : 'ok'} — ${result.transfers.total} transfers (${outcomes || 'no outcomes'}), ` +
    `${violations} violations, ${result.invariants.measurements.priorityInversions} priority inversions, ` +
    `end ${(result.endNs / 1e6).toFixed(3)} ms${result.quiescent ? '' : ' (drain deadline)'}, trace ${result.traceHash.toString(16).padStart(8, '0')}`
  );
}

function violationText(result: RunResult): string {
  const lines: string[] = [];
  for (const name of INVARIANT_NAMES) {
    const verdict = result.invariants.verdicts[name];
    if (verdict.violationCount === 0) continue;
    lines.push(`  ${name}: ${verdict.violationCount} violation(s)`);
    for (const violation of verdict.violations.slice(0, 5)) {
      const tag = violation.tag >= 0 ? `tag ${violation.tag}` : 'run';
      lines.push(`    ${tag} at ${violation.timeNs} ns: ${violation.detail}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function pcapPathFor(path: string, seed: number, sweep: boolean): string {
  if (!sweep) return path;
  const dot = path.lastIndexOf('.');
  return dot > 0 ? `${path.slice(0, dot)}-seed${seed}${path.slice(dot)}` : `${path}-seed${seed}`;
}

function progressBar(done: number, total: number, failed: number, etaText: string): string {
  const width = 30;
  const filled = Math.round((done / total) * width);
  return `\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} seeds, ${failed} failing${etaText}`;
}

function runOptions(options: CliOptions, io: CliIo): number {
  const factory: SimTransportFactory = transportFactory(options.transport ?? defaultTransportName());
  const definition = scenarioDefinition(options.scenario);
  resolveParameters(definition, options.parameters); // reject bad parameters before running anything
  if (options.cryptoProvider !== undefined && !factory.cryptoProviders.includes(options.cryptoProvider)) {
    throw new InvalidArgumentError(
      `transport ${factory.name} offers crypto providers ${factory.cryptoProviders.join(', ')}, not '${options.cryptoProvider}'`,
    );
  }
  const results: RunResult[] = [];
  const total = options.seeds.to - options.seeds.from + 1;
  const startedMs = io.nowMs?.();
  let failedCount = 0;
  const errors: RunError[] = [];
  for (let seed = options.seeds.from; seed <= options.seeds.to; seed++) {
    let result: RunResult | null = null;
    try {
      const scenario = buildScenario(options.scenario, { seed, transport: factory, parameters: options.parameters });
      result = runScenario(scenario, {
        seed,
        transport: factory,
        ...(options.cryptoProvider === undefined ? {} : { cryptoProvider: options.cryptoProvider }),
        ...(options.pcapPath === undefined ? {} : { pcapPath: pcapPathFor(options.pcapPath, seed, options.sweep) }),
      });
    } catch (error) {
      // A run that throws (a transport bug, an engine assertion) is deterministic too: reproduce it.
      errors.push({ seed, message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
    if (result !== null) results.push(result);
    if (result === null || result.failed) failedCount++;
    if (options.sweep) {
      const done = seed - options.seeds.from + 1;
      if (io.stderrIsTty) {
        let eta = '';
        if (startedMs !== undefined && io.nowMs !== undefined) {
          const elapsed = io.nowMs() - startedMs;
          eta = `, ~${Math.ceil(((total - done) * elapsed) / done / 1000)} s left`;
        }
        io.stderr(progressBar(done, total, failedCount, eta));
        if (done === total) io.stderr('\n');
      } else {
        io.stderr(result === null ? `seed ${seed}: THREW\n` : `${summaryLine(result)}\n`);
      }
    } else if (!options.json && result !== null) {
      io.stdout(`${options.scenario} with ${factory.name} (crypto ${result.cryptoProvider})\n${summaryLine(result)}\n`);
    }
  }

  if (options.json) {
    if (options.sweep) {
      io.stdout(sweepToJson(summarizeSweep(results, errors)));
    } else if (results[0] !== undefined) {
      io.stdout(runResultToJson(results[0]));
    } else {
      const error = errors[0] as RunError;
      const value = canonicalJson({
        scenario: options.scenario,
        transport: factory.name,
        seed: error.seed,
        error: error.message,
      });
      io.stdout(`${JSON.stringify(value, null, 2)}\n`);
    }
  } else if (options.sweep) {
    const summary = summarizeSweep(results, errors);
    io.stdout(
      `${options.scenario} with ${factory.name} (crypto ${summary.cryptoProvider}), seeds ${formatSeeds(options.seeds)}: ` +
        `${total - summary.failedSeeds.length}/${total} passed, ${summary.priorityInversions} priority inversions\n`,
    );
  }
  const reproduce = (seed: number): string =>
    `reproduce: ${reproduceCommand({
      scenario: options.scenario,
      seed,
      transport: factory.name,
      cryptoProvider: options.cryptoProvider,
      parameters: options.parameters,
    })}\n`;
  for (const error of errors) {
    io.stderr(`\nseed ${error.seed} threw:\n${error.message}\n`);
    io.stderr(reproduce(error.seed));
  }
  for (const result of results) {
    if (!result.failed) continue;
    io.stderr(`\nseed ${result.seed} violated invariants:\n${violationText(result)}`);
    io.stderr(reproduce(result.seed));
  }
  return failedCount > 0 ? EXIT_VIOLATION : EXIT_OK;
}

/** Runs the command line `argv` (without the program name) and returns the exit status. */
export function runCli(argv: readonly string[], io: CliIo): number {
  try {
    const request = parseCliArguments(argv);
    if (request.kind === 'help') {
      io.stdout(CLI_USAGE);
      return EXIT_OK;
    }
    if (request.kind === 'list') {
      io.stdout(listText());
      return EXIT_OK;
    }
    return runOptions(request.options, io);
  } catch (error) {
    if (error instanceof DcqError) {
      io.stderr(`dcq-sim: ${error.message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
}
