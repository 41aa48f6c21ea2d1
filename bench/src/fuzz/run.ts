#!/usr/bin/env node
/**
 * Fuzz runner: `npm run fuzz -- wire [--cases N] [--seed S] [--provider node|noble]`.
 *
 * Runs the core's wire fuzzer (`runWireFuzz`: hostile and semi-valid datagrams through the
 * DatagramOpener, message decoding and notify admission) with the node:crypto provider by default,
 * prints progress, the rejection tables, the slowest case and the heap delta (measured after a
 * forced GC), and exits non-zero on any failure, printing how to reproduce it.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  type CryptoProvider,
  createSeededRandom,
  NobleCryptoProvider,
  runWireFuzz,
  type WireFuzzReport,
} from '@dcq/core';
import { NodeCryptoProvider } from '@dcq/node';

const CASES_DEFAULT = 100_000;

interface Args {
  readonly target: string;
  readonly cases: number;
  readonly seed: number;
  readonly provider: 'node' | 'noble';
}

function usage(): string {
  return (
    'usage: npm run fuzz -- wire [--cases N] [--seed S] [--provider node|noble]\n\n' +
    `  wire        datagram opener + message decoding + notify admission (default ${CASES_DEFAULT} cases)\n`
  );
}

function parseArgs(argv: readonly string[]): Args | string {
  let target = '';
  let cases = CASES_DEFAULT;
  let seed = 1;
  let provider: 'node' | 'noble' = 'node';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const value = argv[i + 1];
    if (arg === '--cases' || arg === '--seed') {
      const n = Number(value);
      if (value === undefined || !Number.isSafeInteger(n) || n < (arg === '--cases' ? 1 : 0)) {
        return `${arg} needs a ${arg === '--cases' ? 'positive' : 'non-negative'} integer`;
      }
      if (arg === '--cases') cases = n;
      else seed = n;
      i++;
    } else if (arg === '--provider') {
      if (value !== 'node' && value !== 'noble') return '--provider is node or noble';
      provider = value;
      i++;
    } else if (arg.startsWith('-')) {
      return `unknown option ${arg}`;
    } else if (target === '') {
      target = arg;
    } else {
      return `unexpected argument ${arg}`;
    }
  }
  if (target !== 'wire') return target === '' ? 'which fuzzer? (wire)' : `unknown fuzzer "${target}"`;
  return { target, cases, seed, provider };
}

/** `global.gc` without `--expose-gc` on the command line. */
function forceGc(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  return gc;
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(2)} MiB`;
}

function table(title: string, counts: Record<string, number>, total: number): string {
  const rows = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  const width = Math.max(...rows.map(([name]) => name.length), 10);
  const lines = rows.map(
    ([name, count]) =>
      `  ${name.padEnd(width)} ${String(count).padStart(10)}  ${((100 * count) / Math.max(total, 1)).toFixed(2).padStart(6)} %`,
  );
  return `${title}\n${lines.join('\n')}`;
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

function print(report: WireFuzzReport, args: Args): void {
  console.log('');
  console.log(table('datagrams by open result:', report.openResults, report.cases));
  console.log('');
  console.log(table('codec reasons behind the rejections:', report.decodeReasons, sum(report.decodeReasons)));
  console.log('');
  console.log(table('notify admission:', report.admission, sum(report.admission)));
  console.log('');
  console.log(table('inputs by strategy:', report.strategies, report.cases));
  console.log('');
  console.log('open results by strategy:');
  for (const [strategy, counts] of Object.entries(report.openResultsByStrategy)) {
    const cells = Object.entries(counts)
      .sort((a, b) => b[1] - a[1])
      .map(([name, n]) => `${name} ${n}`)
      .join(', ');
    console.log(`  ${strategy.padEnd(20)} ${cells}`);
  }
  console.log('');
  console.log(
    `UNKNOWN_PATH_SECRET replies: ${report.replies.written} written, ${report.replies.rateLimited} refused by the rate limit`,
  );
  for (const [name, bound] of Object.entries(report.bounds)) {
    console.log(`bound ${name}: peak ${bound.peak} of ${bound.max}`);
  }
  console.log(
    `slowest case: #${report.slowestCaseIndex} (${report.slowestStrategy}) ${report.slowestCaseMs.toFixed(3)} ms; ` +
      `${report.cases} cases in ${(report.elapsedMs / 1000).toFixed(1)} s ` +
      `(${Math.round(report.cases / (report.elapsedMs / 1000)).toLocaleString('en-US')} cases/s, provider ${args.provider})`,
  );
  console.log(
    `heap after GC: ${mib(report.heapBeforeBytes)} before the run, ${mib(report.heapWarmBytes)} after the warm-up, ` +
      `${mib(report.heapAfterBytes)} at the end (growth after warm-up ${mib(report.heapAfterBytes - report.heapWarmBytes)}, ` +
      `whole run ${mib(report.heapAfterBytes - report.heapBeforeBytes)})`,
  );
}

function main(argv: readonly string[]): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage());
    return 0;
  }
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`${args}\n\n${usage()}`);
    return 2;
  }
  const random = createSeededRandom(args.seed);
  const provider: CryptoProvider =
    args.provider === 'node' ? new NodeCryptoProvider({ random }) : new NobleCryptoProvider({ random });
  const gc = forceGc();
  console.log(
    `dcq wire fuzz: ${args.cases} cases, seed ${args.seed}, provider ${args.provider}, Node ${process.version}`,
  );
  const report = runWireFuzz({
    provider,
    cases: args.cases,
    seed: args.seed,
    clockMs: () => performance.now(),
    heapUsedBytes: () => {
      gc();
      return process.memoryUsage().heapUsed;
    },
    onProgress: (p) => {
      const rate = p.elapsedMs > 0 ? Math.round(p.done / (p.elapsedMs / 1000)) : 0;
      console.log(
        `  ${String(p.done).padStart(String(p.total).length)}/${p.total} (${Math.round((100 * p.done) / p.total)} %) ` +
          `${(p.elapsedMs / 1000).toFixed(1)} s, ${rate.toLocaleString('en-US')} cases/s`,
      );
    },
  });
  print(report, args);
  if (report.failure !== null) {
    const f = report.failure;
    console.error('');
    console.error(`FAIL at case #${f.index} (case seed ${f.caseSeed}, strategy ${f.strategy}): ${f.message}`);
    console.error(`input (${f.inputHex.length / 2} bytes): ${f.inputHex}`);
    console.error(
      `reproduce: npm run fuzz -- wire --seed ${args.seed} --cases ${f.index + 1} --provider ${args.provider}`,
    );
    return 1;
  }
  console.log(`\nOK: ${report.cases} cases, no failure`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
