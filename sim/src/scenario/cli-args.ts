/**
 * The `dcq-sim` command line: argument parsing ({@link parseCliArguments}) and the exact command
 * that reproduces one run ({@link reproduceCommand}), printed on every invariant failure.
 *
 * ```
 * npx dcq-sim <scenario> [--seed N | --seeds A..B] [--transport NAME] [--crypto NAME]
 *                        [--param key=value]... [--json] [--pcap out.pcap]
 * npx dcq-sim --list | --help
 * ```
 */
import { InvalidArgumentError } from '@dcq/core';

/** Most seeds one sweep may run. */
export const SWEEP_SEEDS_MAX = 1_000_000;

/** An inclusive seed range. */
export interface SeedRange {
  /** First seed. */
  readonly from: number;
  /** Last seed (≥ from). */
  readonly to: number;
}

/** Options of a run request. */
export interface CliOptions {
  /** Scenario name. */
  readonly scenario: string;
  /** Seeds to run (one seed: from = to). */
  readonly seeds: SeedRange;
  /** Whether a range was asked for (`--seeds`): a sweep. */
  readonly sweep: boolean;
  /** Transport name (undefined: the default). */
  readonly transport: string | undefined;
  /** Crypto provider (undefined: the transport's default). */
  readonly cryptoProvider: string | undefined;
  /** `--param` values in the order given (later ones win). */
  readonly parameters: Readonly<Record<string, string>>;
  /** Print JSON to stdout. */
  readonly json: boolean;
  /** Capture file. */
  readonly pcapPath: string | undefined;
}

/** What the command line asks for. */
export type CliRequest =
  | { readonly kind: 'help' }
  | { readonly kind: 'list' }
  | { readonly kind: 'run'; readonly options: CliOptions };

function parseSeed(text: string, flag: string): number {
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError(`${flag} needs a non-negative integer seed, got '${text}'`);
  const seed = Number(text);
  if (!Number.isSafeInteger(seed)) throw new InvalidArgumentError(`${flag}: seed ${text} is above 2^53`);
  return seed;
}

/** Parses `A..B` (inclusive, A ≤ B). */
export function parseSeedRange(text: string): SeedRange {
  const match = /^(\d+)\.\.(\d+)$/.exec(text);
  if (match === null) throw new InvalidArgumentError(`--seeds needs a range A..B, got '${text}'`);
  const from = parseSeed(match[1] as string, '--seeds');
  const to = parseSeed(match[2] as string, '--seeds');
  if (to < from) throw new InvalidArgumentError(`--seeds ${text}: the range is empty`);
  if (to - from + 1 > SWEEP_SEEDS_MAX) throw new InvalidArgumentError(`--seeds: at most ${SWEEP_SEEDS_MAX} seeds`);
  return { from, to };
}

/** `7` or `1..200`. */
export function formatSeeds(seeds: SeedRange): string {
  return seeds.from === seeds.to ? `${seeds.from}` : `${seeds.from}..${seeds.to}`;
}

/**
 * Parses the arguments after the program name. Flags take their value as the next argument or
 * after `=` (`--seed=7`). Throws an {@link InvalidArgumentError} with a usage hint on any mistake.
 */
export function parseCliArguments(argv: readonly string[]): CliRequest {
  let scenario: string | undefined;
  let seeds: SeedRange | undefined;
  let sweep = false;
  let transport: string | undefined;
  let cryptoProvider: string | undefined;
  let json = false;
  let pcapPath: string | undefined;
  const parameters: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i] as string;
    if (argument === '--help' || argument === '-h') return { kind: 'help' };
    if (argument === '--list') return { kind: 'list' };
    if (argument === '--json') {
      json = true;
      continue;
    }
    if (!argument.startsWith('--')) {
      if (scenario !== undefined) {
        throw new InvalidArgumentError(`unexpected argument '${argument}' (the scenario is already '${scenario}')`);
      }
      scenario = argument;
      continue;
    }
    const equals = argument.indexOf('=');
    const flag = equals < 0 ? argument : argument.slice(0, equals);
    let value: string;
    if (equals >= 0) {
      value = argument.slice(equals + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined) throw new InvalidArgumentError(`${flag} needs a value`);
      value = next;
      i++;
    }
    switch (flag) {
      case '--seed':
        if (seeds !== undefined) throw new InvalidArgumentError('give one of --seed or --seeds, once');
        seeds = { from: parseSeed(value, '--seed'), to: parseSeed(value, '--seed') };
        break;
      case '--seeds':
        if (seeds !== undefined) throw new InvalidArgumentError('give one of --seed or --seeds, once');
        seeds = parseSeedRange(value);
        sweep = true;
        break;
      case '--transport':
        transport = value;
        break;
      case '--crypto':
        cryptoProvider = value;
        break;
      case '--pcap':
        if (value === '') throw new InvalidArgumentError('--pcap needs a file name');
        pcapPath = value;
        break;
      case '--param': {
        const at = value.indexOf('=');
        if (at <= 0) throw new InvalidArgumentError(`--param needs key=value, got '${value}'`);
        parameters[value.slice(0, at)] = value.slice(at + 1);
        break;
      }
      default:
        throw new InvalidArgumentError(`unknown option ${flag}; see dcq-sim --help`);
    }
  }
  if (scenario === undefined) throw new InvalidArgumentError('name a scenario (dcq-sim --list shows them)');
  return {
    kind: 'run',
    options: {
      scenario,
      seeds: seeds ?? { from: 1, to: 1 },
      sweep,
      transport,
      cryptoProvider,
      parameters,
      json,
      pcapPath,
    },
  };
}

function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:=@+-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

/**
 * The command that reruns exactly one run: scenario, seed, transport (always explicit, so a change
 * of default cannot change what it runs), crypto provider when it is not the transport's default,
 * and every `--param` given, sorted by name.
 */
export function reproduceCommand(run: {
  readonly scenario: string;
  readonly seed: number;
  readonly transport: string;
  readonly cryptoProvider?: string | undefined;
  readonly parameters?: Readonly<Record<string, string>>;
}): string {
  const parts = [
    'npx',
    'dcq-sim',
    shellQuote(run.scenario),
    '--seed',
    `${run.seed}`,
    '--transport',
    shellQuote(run.transport),
  ];
  if (run.cryptoProvider !== undefined) parts.push('--crypto', shellQuote(run.cryptoProvider));
  const parameters = run.parameters ?? {};
  for (const name of Object.keys(parameters).sort()) {
    parts.push('--param', shellQuote(`${name}=${parameters[name]}`));
  }
  return parts.join(' ');
}

/** The `--help` text. */
export const CLI_USAGE = `usage: npx dcq-sim <scenario> [options]
       npx dcq-sim --list

Runs a built-in scenario on the deterministic network simulator and checks every invariant
(byte-exact delivery, at-most-once delivery, completeness, no leaked state, memory limit).

options:
  --seed N            run seed N (default 1)
  --seeds A..B        run seeds A to B inclusive (a sweep; progress on stderr)
  --transport NAME    transport to run (see --list)
  --crypto NAME       crypto provider (default: the transport's first; results name it)
  --param key=value   set a scenario parameter (repeatable; see --list)
  --json              print the result (or the sweep summary) as canonical JSON on stdout
  --pcap FILE         write every datagram to a pcap capture (a sweep writes FILE-seedN.pcap)
  --list              list scenarios, their parameters and the transports
  --help              this text

exit status: 0 when every invariant held, 1 on any violation (the reproduce command is printed),
2 on a usage error.
`;
