/**
 * The wire fuzzer in CI with the runtime's node:crypto provider (≥ 100,000 cases), plus the
 * node:crypto cross-check of spec/test-vectors/sealed-datagrams.json: the node provider builds the
 * very same sealed datagrams as the noble provider (which generated the file) and opens every one.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  buildSealedDatagramVectors,
  createSeededRandom,
  DatagramOpener,
  insertSealedVectorSecret,
  NobleCryptoProvider,
  OpenResult,
  openResultName,
  runWireFuzz,
  type WireFuzzReport,
} from '@dcq/core';
import { describe, expect, it } from 'vitest';
import { NodeCryptoProvider } from '../src/index.js';

const CASES = process.env.DCQ_LONG_TESTS ? 1_000_000 : 100_000;
const FILE = fileURLToPath(new URL('../../../spec/test-vectors/sealed-datagrams.json', import.meta.url));

interface VectorFile {
  readonly vectors: { readonly name: string; readonly datagram: string; readonly hex: string }[];
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function summary(report: WireFuzzReport): string {
  const open = Object.entries(report.openResults)
    .map(([name, n]) => `${name}=${n}`)
    .join(' ');
  return `${report.cases} cases in ${(report.elapsedMs / 1000).toFixed(1)} s; ${open}`;
}

describe('sealed-datagram vectors with node:crypto', () => {
  const provider = new NodeCryptoProvider({ random: createSeededRandom(2) });
  const file = JSON.parse(readFileSync(FILE, 'utf8')) as VectorFile;

  it('builds byte-identical datagrams', () => {
    const set = buildSealedDatagramVectors(provider);
    expect(set.vectors.map((v) => ({ name: v.name, datagram: v.datagram, hex: hex(v.bytes) }))).toEqual(
      file.vectors.map((v) => ({ name: v.name, datagram: v.datagram, hex: v.hex })),
    );
  });

  it('opens every committed vector', () => {
    const set = buildSealedDatagramVectors(provider);
    const opener = new DatagramOpener({
      provider,
      pathSecrets: {
        capacity: 4,
        peerSlotCapacity: 4,
        maxSecretsPerPeer: 2,
        minAgeUs: 0,
        graceUs: 0,
        replayWindowBits: 64,
        replayWindowCapacity: 4,
        replayWindowsPerSecretMax: 4,
      },
    });
    insertSealedVectorSecret(opener.pathSecrets, set, 1, 0);
    const expected: Record<string, number> = {
      CONTROL: OpenResult.Ok,
      SECRET_CONTROL: OpenResult.Ok,
      UNKNOWN_PATH_SECRET: OpenResult.PeerLostPathSecret,
      DATA: OpenResult.Data,
    };
    for (const v of file.vectors) {
      const bytes = Buffer.from(v.hex, 'hex');
      const sealed = Uint8Array.from(bytes);
      const result = opener.open(sealed, 0, sealed.length, 0);
      expect(openResultName(result), v.name).toBe(openResultName(expected[v.datagram] as number));
      if (result === OpenResult.Ok) {
        // The body decrypted in place equals the noble-built plaintext.
        const built = set.vectors.find((b) => b.name === v.name);
        expect(
          hex(sealed.subarray(opener.opened.bodyOffset, opener.opened.bodyOffset + opener.opened.bodyLength)),
        ).toBe(hex(built?.body ?? new Uint8Array(0)));
      }
    }
  });
});

describe('wire fuzz', () => {
  it(`${CASES.toLocaleString('en-US')} cases with the node:crypto provider: no failure, bounded, every path reached`, () => {
    const provider = new NodeCryptoProvider({ random: createSeededRandom(7) });
    const report = runWireFuzz({ provider, cases: CASES, seed: 20_240_601, clockMs: () => performance.now() });
    if (!report.ok) {
      throw new Error(
        `wire fuzz failed at case ${report.failure?.index} (seed ${report.seed}): ${report.failure?.message}\ninput: ${report.failure?.inputHex}`,
      );
    }
    console.log(`wire fuzz (node:crypto): ${summary(report)}; slowest case ${report.slowestCaseMs.toFixed(2)} ms`);
    expect(report.cases).toBe(CASES);
    // Every stage of the pipeline was exercised, including after authentication.
    for (const name of [
      'OK',
      'DATA',
      'PEER_LOST_PATH_SECRET',
      'BAD_HEADER',
      'UNSUPPORTED_VERSION',
      'UNKNOWN_PATH_SECRET',
      'KEY_TOO_NEW',
      'AUTHENTICATION_FAILED',
      'BODY_INVALID',
      'DATA_INVALID',
      'RESET_FORGED',
      'RESET_UNKNOWN_PATH_SECRET',
    ]) {
      expect(report.openResults[name] ?? 0, name).toBeGreaterThan(0);
    }
    for (const name of ['ADMIT', 'DUPLICATE', 'CHALLENGED', 'RELEASED', 'RESPONSE_UNMATCHED', 'EXPIRED', 'RESET']) {
      expect(report.admission[name] ?? 0, name).toBeGreaterThan(0);
    }
    expect(Object.keys(report.strategies).length).toBe(9);
    for (const bound of Object.values(report.bounds)) expect(bound.peak).toBeLessThanOrEqual(bound.max);
    expect(report.replies.written).toBeGreaterThan(0);
    expect(report.slowestCaseMs).toBeLessThan(1000);
  }, 180_000);

  it('is deterministic: same provider seed and run seed, same report', () => {
    const run = (): WireFuzzReport =>
      runWireFuzz({ provider: new NodeCryptoProvider({ random: createSeededRandom(9) }), cases: 3000, seed: 42 });
    const a = run();
    const b = run();
    expect(a.ok).toBe(true);
    expect(b).toEqual(a);
  });

  it('runs with the portable noble provider too', () => {
    const report = runWireFuzz({
      provider: new NobleCryptoProvider({ random: createSeededRandom(3) }),
      cases: 4000,
      seed: 5,
    });
    expect(report.ok, report.failure?.message).toBe(true);
    expect(report.openResults.OK ?? 0).toBeGreaterThan(0);
  });

  it('reports, rather than throws, and stops at the first failure', () => {
    // A provider whose AEAD open throws: the fuzzer must catch it at the top and report the case.
    const base = new NodeCryptoProvider({ random: createSeededRandom(4) });
    let opens = 0;
    const broken = new Proxy(base, {
      get(target, property, receiver) {
        if (property === 'open') {
          return (...args: Parameters<NodeCryptoProvider['open']>) => {
            opens++;
            if (opens === 50) throw new Error('provider exploded');
            return target.open(...args);
          };
        }
        const value = Reflect.get(target, property, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const report = runWireFuzz({ provider: broken, cases: 5000, seed: 1 });
    expect(report.ok).toBe(false);
    expect(report.failure?.message).toMatch(/provider exploded/);
    expect(report.cases).toBe(report.failure?.index);
    expect(report.failure?.inputHex.length).toBeGreaterThan(0);
  });
});
