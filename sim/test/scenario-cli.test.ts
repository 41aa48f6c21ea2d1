import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliIo, parseCliArguments, registerTransport, reproduceCommand, runCli } from '../src/index.js';
import { fakeFactory } from './scenario-fakes.js';

registerTransport(fakeFactory({ corruptTag: 3 }, 'fake-buggy'));
const throwing = fakeFactory({}, 'fake-throwing');
registerTransport({
  ...throwing,
  create: (context) => {
    const transport = throwing.create(context);
    transport.handleDatagram = () => {
      throw new Error('engine assertion: boom');
    };
    return transport;
  },
});

interface Captured {
  readonly io: CliIo;
  readonly out: string[];
  readonly err: string[];
}

function capture(tty = false): Captured {
  const out: string[] = [];
  const err: string[] = [];
  let ms = 0;
  return {
    io: {
      stdout: (text) => out.push(text),
      stderr: (text) => err.push(text),
      stderrIsTty: tty,
      nowMs: () => (ms += 10),
    },
    out,
    err,
  };
}

const directory = mkdtempSync(join(tmpdir(), 'dcq-sim-cli-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('dcq-sim arguments', () => {
  it('parses a single run with every option', () => {
    const request = parseCliArguments([
      'incast',
      '--seed',
      '7',
      '--transport=sender-driven',
      '--param',
      'senders=4',
      '--param=sizeBytes=1000',
      '--json',
      '--pcap',
      'out.pcap',
      '--crypto',
      'none',
    ]);
    expect(request).toEqual({
      kind: 'run',
      options: {
        scenario: 'incast',
        seeds: { from: 7, to: 7 },
        sweep: false,
        transport: 'sender-driven',
        cryptoProvider: 'none',
        parameters: { senders: '4', sizeBytes: '1000' },
        json: true,
        pcapPath: 'out.pcap',
      },
    });
  });

  it('parses a seed range as a sweep and defaults to seed 1', () => {
    const sweep = parseCliArguments(['smoke', '--seeds', '3..200']);
    expect(sweep.kind === 'run' && sweep.options.seeds).toEqual({ from: 3, to: 200 });
    expect(sweep.kind === 'run' && sweep.options.sweep).toBe(true);
    const plain = parseCliArguments(['smoke']);
    expect(plain.kind === 'run' && plain.options.seeds).toEqual({ from: 1, to: 1 });
    expect(parseCliArguments(['--help'])).toEqual({ kind: 'help' });
    expect(parseCliArguments(['--list'])).toEqual({ kind: 'list' });
  });

  it.each([
    [['--seed', '1'], /name a scenario/],
    [['smoke', '--seed', 'x'], /non-negative integer/],
    [['smoke', '--seeds', '5..2'], /empty/],
    [['smoke', '--seeds', '5'], /A\.\.B/],
    [['smoke', '--seed', '1', '--seeds', '1..2'], /once/],
    [['smoke', '--param', 'novalue'], /key=value/],
    [['smoke', '--frobnicate', '1'], /unknown option/],
    [['smoke', 'incast'], /unexpected argument/],
    [['smoke', '--seed'], /needs a value/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCliArguments(argv)).toThrow(message);
  });

  it('prints the exact reproduce command', () => {
    expect(
      reproduceCommand({
        scenario: 'faults',
        seed: 42,
        transport: 'sender-driven',
        parameters: { loss: '0.05', hosts: '6' },
      }),
    ).toBe('npx dcq-sim faults --seed 42 --transport sender-driven --param hosts=6 --param loss=0.05');
    expect(reproduceCommand({ scenario: 'smoke', seed: 1, transport: 'dcq', cryptoProvider: 'fast insecure' })).toBe(
      "npx dcq-sim smoke --seed 1 --transport dcq --crypto 'fast insecure'",
    );
  });
});

describe('dcq-sim runs', () => {
  it('runs one seed and exits 0 when every invariant holds', () => {
    const { io, out } = capture();
    expect(runCli(['smoke', '--seed', '2', '--transport', 'sender-driven', '--param', 'rpcs=20'], io)).toBe(0);
    expect(out.join('')).toMatch(/seed 2: ok .*20 transfers \(completed 20\)/);
    expect(out.join('')).toMatch(/crypto none/);
  });

  it('prints canonical JSON with --json', () => {
    const { io, out } = capture();
    expect(runCli(['fanout', '--seed', '1', '--transport', 'sender-driven', '--param', 'rpcs=16', '--json'], io)).toBe(
      0,
    );
    const result = JSON.parse(out.join(''));
    expect(result.scenario).toBe('fanout');
    expect(result.cryptoProvider).toBe('none');
    expect(result.report.schema).toBe('dcq-sim-run/1');
    expect(result.invariants.passed).toBe(true);
    expect(Object.keys(result)).toEqual([...Object.keys(result)].sort());
  });

  it('on a violation prints the violations and the reproduce command and exits 1', () => {
    const { io, err } = capture();
    const argv = [
      'smoke',
      '--seed',
      '5',
      '--transport',
      'fake-buggy',
      '--param',
      'rpcs=10',
      '--param',
      'requestBytes=900',
    ];
    expect(runCli(argv, io)).toBe(1);
    const text = err.join('');
    expect(text).toMatch(/byteExact: 1 violation/);
    expect(text).toMatch(/tag 3 at \d+ ns: request delivered with wrong bytes/);
    expect(text).not.toMatch(/completeness/);
    expect(text).toContain(
      'reproduce: npx dcq-sim smoke --seed 5 --transport fake-buggy --param requestBytes=900 --param rpcs=10\n',
    );
  });

  it('sweeps with plain lines when stderr is not a terminal, and a progress bar when it is', () => {
    const plain = capture(false);
    expect(runCli(['smoke', '--seeds', '1..3', '--transport', 'sender-driven', '--param', 'rpcs=10'], plain.io)).toBe(
      0,
    );
    expect(plain.err.join('').match(/^seed \d: ok/gm)).toHaveLength(3);
    expect(plain.out.join('')).toMatch(/seeds 1\.\.3: 3\/3 passed/);

    const tty = capture(true);
    expect(runCli(['smoke', '--seeds', '1..3', '--transport', 'sender-driven', '--param', 'rpcs=10'], tty.io)).toBe(0);
    expect(tty.err[0]).toMatch(/^\r\[#+-*\] 1\/3 seeds, 0 failing, ~\d+ s left$/);
    expect(tty.err.at(-1)).toBe('\n');
  });

  it('a sweep with a failing seed exits 1 and reproduces each failing seed', () => {
    const { io, out, err } = capture();
    const argv = ['smoke', '--seeds', '1..2', '--transport', 'fake-buggy', '--param', 'requestBytes=900', '--json'];
    expect(runCli(argv, io)).toBe(1);
    const summary = JSON.parse(out.join(''));
    expect(summary.failedSeeds).toEqual([1, 2]);
    expect(summary.violations.byteExact).toBe(2);
    expect(summary.violations.completeness).toBe(0);
    expect(err.join('')).toContain(
      'reproduce: npx dcq-sim smoke --seed 2 --transport fake-buggy --param requestBytes=900',
    );
  });

  it('a run that throws is reported with its reproduce command and exit status 1', () => {
    const single = capture();
    const argv = ['smoke', '--seed', '4', '--transport', 'fake-throwing', '--param', 'requestBytes=100'];
    expect(runCli(argv, single.io)).toBe(1);
    expect(single.err.join('')).toMatch(/seed 4 threw:\nError: engine assertion: boom/);
    expect(single.err.join('')).toContain('reproduce: npx dcq-sim smoke --seed 4 --transport fake-throwing');

    const sweep = capture();
    const sweepArgv = [
      'smoke',
      '--seeds',
      '1..2',
      '--transport',
      'fake-throwing',
      '--param',
      'requestBytes=100',
      '--json',
    ];
    expect(runCli(sweepArgv, sweep.io)).toBe(1);
    const summary = JSON.parse(sweep.out.join(''));
    expect(summary.failedSeeds).toEqual([1, 2]);
    expect(summary.errors).toHaveLength(2);
  });

  it('writes a pcap capture', () => {
    const path = join(directory, 'smoke.pcap');
    const { io } = capture();
    expect(runCli(['smoke', '--transport', 'sender-driven', '--param', 'rpcs=4', '--pcap', path], io)).toBe(0);
    expect(existsSync(path)).toBe(true);
    const bytes = readFileSync(path);
    expect(bytes.readUInt32LE(0)).toBe(0xa1b23c4d);
    expect(bytes.length).toBeGreaterThan(24 + 4 * 2 * (16 + 42));
  });

  it('reports usage errors with exit status 2', () => {
    const cases = [
      ['nosuch'],
      ['smoke', '--transport', 'nosuch'],
      ['smoke', '--param', 'bogus=1', '--transport', 'sender-driven'],
      ['smoke', '--param', 'rpcs=abc', '--transport', 'sender-driven'],
      ['smoke', '--crypto', 'aes', '--transport', 'sender-driven'],
    ];
    for (const argv of cases) {
      const { io, err } = capture();
      expect(runCli(argv, io)).toBe(2);
      expect(err.join('')).toMatch(/^dcq-sim: /);
    }
  });

  it('lists scenarios, parameters and transports', () => {
    const { io, out } = capture();
    expect(runCli(['--list'], io)).toBe(0);
    const text = out.join('');
    for (const name of ['smoke', 'incast', 'fanout', 'faults', 'sender-driven', 'rpcs=100'])
      expect(text).toContain(name);
  });
});
