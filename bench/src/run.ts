#!/usr/bin/env node
/**
 * Benchmark runner: `npm run bench -- <name> [--quick]`, `npm run bench -- --list`,
 * `npm run bench -- --summary <group>` (runs every benchmark of a group and prints a table).
 */
import { benchmarks } from './benchmarks/index.js';
import { type Benchmark, type BenchResult, summaryLine, toResult, writeResult } from './harness.js';

function usage(): string {
  const names = benchmarks.map((b) => `  ${b.name.padEnd(14)} [${b.group}] ${b.description}`).join('\n');
  return `usage: npm run bench -- <name>... [--quick] | --summary <group> | --list\n\nbenchmarks:\n${names}\n`;
}

async function runOne(benchmark: Benchmark, quick: boolean): Promise<BenchResult> {
  const outcome = await benchmark.run({ quick });
  const result = toResult(benchmark.name, outcome);
  writeResult(result);
  console.log(summaryLine(result));
  return result;
}

async function main(argv: readonly string[]): Promise<number> {
  const quick = argv.includes('--quick');
  const args = argv.filter((a) => a !== '--quick');
  if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
    process.stdout.write(usage());
    return args.length === 0 ? 2 : 0;
  }
  if (args[0] === '--list') {
    process.stdout.write(usage());
    return 0;
  }
  let selected: Benchmark[];
  if (args[0] === '--summary') {
    const group = args[1] ?? 'core';
    selected = benchmarks.filter((b) => b.group === group);
    if (selected.length === 0) {
      console.error(`no benchmarks in group "${group}"`);
      return 2;
    }
    console.log(
      `dcq ${group} benchmarks (${quick ? 'quick' : 'full'} run, Node ${process.version}); each line: candidate vs baseline measured in the same run\n`,
    );
  } else {
    selected = [];
    for (const name of args) {
      const found = benchmarks.find((b) => b.name === name);
      if (!found) {
        console.error(`unknown benchmark "${name}"\n`);
        process.stderr.write(usage());
        return 2;
      }
      selected.push(found);
    }
  }
  const results: BenchResult[] = [];
  for (const benchmark of selected) results.push(await runOne(benchmark, quick));
  if (args[0] === '--summary') {
    console.log('\nresults written to bench/results/<name>.json');
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
