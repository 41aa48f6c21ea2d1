/**
 * `aead`: the two crypto providers side by side — `node:crypto` (OpenSSL, @dcq/node) against the
 * portable `@noble/ciphers` + `@noble/hashes` provider of @dcq/core — per operation, through the
 * same `CryptoProvider` interface the engine uses:
 *
 * - AES-256-GCM seal+open in place of a 1200-byte control datagram (28-byte header as AAD) and of
 *   a 64 KiB payload record (33-byte record AAD);
 * - HKDF-Expand of 44 bytes (one control key), and a whole control-key derivation
 *   (`PathKeySchedule.deriveKeyMaterial` + `prepareAeadKey`, the cost of a rotation or a receiver
 *   cache miss);
 * - `prepareAeadKey` alone (node: a `KeyObject`; noble: a copy of the raw key) — it dominates the
 *   derivation on node, and a key must be prepared by the provider that will use it for AEAD;
 * - HMAC-SHA256 of 16 bytes (stateless-reset tags).
 *
 * The headline value is node:crypto seal+open ops/s at 1200 B with noble at 1200 B as the
 * baseline; every pair is in `details` with `ratio = fastest / noble`. These numbers justify
 * `createDefaultProvider()` in @dcq/node (security.md#providers).
 */
import { type CryptoProvider, createSeededRandom, NobleCryptoProvider, PathKeySchedule } from '@dcq/core';
import { NodeCryptoProvider } from '@dcq/node';
import {
  type Benchmark,
  type BenchOptions,
  type BenchOutcome,
  type Body,
  compareRates,
  rateOptions,
} from '../harness.js';

const CONTROL_HEADER_BYTES = 28;
const RECORD_AAD_BYTES = 33;

/** seal+open in place of `payloadBytes`, `batch` times per call; the nonce changes every seal. */
function sealOpenBody(provider: CryptoProvider, payloadBytes: number, aadBytes: number, batch: number): Body {
  const key = provider.prepareAeadKey(new Uint8Array(32).fill(7));
  const nonce = new Uint8Array(12).fill(3);
  const aad = new Uint8Array(aadBytes).fill(1);
  const data = new Uint8Array(payloadBytes + 16).fill(9);
  let packetNumber = 0;
  return () => {
    for (let i = 0; i < batch; i++) {
      packetNumber = (packetNumber + 1) >>> 0;
      nonce[11] = packetNumber & 0xff;
      nonce[10] = (packetNumber >>> 8) & 0xff;
      provider.seal(key, nonce, data, 0, payloadBytes, aad, 0, aadBytes);
      if (!provider.open(key, nonce, data, 0, payloadBytes, aad, 0, aadBytes))
        throw new Error('aead bench: open failed');
    }
    return batch;
  };
}

function hkdfExpandBody(provider: CryptoProvider, batch: number): Body {
  const prk = new Uint8Array(32).fill(5);
  const info = new Uint8Array(14).fill(2);
  const out = new Uint8Array(44);
  return () => {
    for (let i = 0; i < batch; i++) {
      info[13] = i & 0xff;
      provider.hkdfExpand(prk, info, out, 0, 44);
    }
    return batch;
  };
}

function deriveKeyBody(provider: CryptoProvider, batch: number): Body {
  const schedule = new PathKeySchedule(provider, new Uint8Array(32).fill(4));
  const material = new Uint8Array(44);
  let keyId = 0;
  return () => {
    for (let i = 0; i < batch; i++) {
      keyId = (keyId + 1) >>> 0;
      schedule.deriveKeyMaterial(material, 0, { kind: 0, workerId: 1, direction: 0, keyId });
      provider.prepareAeadKey(material.subarray(0, 32));
    }
    return batch;
  };
}

function prepareKeyBody(provider: CryptoProvider, batch: number): Body {
  const raw = new Uint8Array(32).fill(3);
  return () => {
    for (let i = 0; i < batch; i++) {
      raw[0] = i & 0xff;
      provider.prepareAeadKey(raw);
    }
    return batch;
  };
}

function hmacBody(provider: CryptoProvider, batch: number): Body {
  const key = new Uint8Array(32).fill(8);
  const data = new Uint8Array(16).fill(6);
  const out = new Uint8Array(32);
  return () => {
    for (let i = 0; i < batch; i++) {
      data[0] = i & 0xff;
      provider.hmacSha256(key, data, 0, 16, out, 0);
    }
    return batch;
  };
}

interface Pair {
  readonly node: number;
  readonly noble: number;
  readonly fastest: 'node' | 'noble';
  /** fastest / noble. */
  readonly ratio: number;
}

function pair(value: { value: number; baselineValue: number }): Pair {
  const fastest = value.value >= value.baselineValue ? 'node' : 'noble';
  const best = Math.max(value.value, value.baselineValue);
  return {
    node: Math.round(value.value),
    noble: Math.round(value.baselineValue),
    fastest,
    ratio: value.baselineValue > 0 ? best / value.baselineValue : 0,
  };
}

export const aeadBenchmark: Benchmark = {
  name: 'aead',
  group: 'core',
  description: 'AES-256-GCM seal+open (1200 B, 64 KiB), HKDF, HMAC: node:crypto vs @noble provider',
  run(options: BenchOptions): BenchOutcome {
    const rates = rateOptions(options);
    const node = new NodeCryptoProvider();
    const noble = new NobleCryptoProvider({ random: createSeededRandom(1) });
    const smallBatch = options.quick ? 8 : 32;
    const small = compareRates(
      sealOpenBody(node, 1200, CONTROL_HEADER_BYTES, smallBatch),
      sealOpenBody(noble, 1200, CONTROL_HEADER_BYTES, smallBatch),
      rates,
    );
    const large = compareRates(
      sealOpenBody(node, 65536, RECORD_AAD_BYTES, 1),
      sealOpenBody(noble, 65536, RECORD_AAD_BYTES, 1),
      rates,
    );
    const expand = compareRates(hkdfExpandBody(node, smallBatch), hkdfExpandBody(noble, smallBatch), rates);
    const derive = compareRates(deriveKeyBody(node, smallBatch), deriveKeyBody(noble, smallBatch), rates);
    const prepare = compareRates(prepareKeyBody(node, smallBatch), prepareKeyBody(noble, smallBatch), rates);
    const hmac = compareRates(hmacBody(node, smallBatch), hmacBody(noble, smallBatch), rates);
    const largePair = pair(large);
    return {
      metric: 'AES-256-GCM seal+open of a 1200 B datagram',
      unit: 'ops/s',
      value: small.value,
      baseline: '@noble/ciphers provider',
      baselineValue: small.baselineValue,
      params: {
        controlAadBytes: CONTROL_HEADER_BYTES,
        recordAadBytes: RECORD_AAD_BYTES,
        hkdfExpandBytes: 44,
        hmacInputBytes: 16,
        rounds: rates.rounds,
        roundMs: rates.roundMs,
      },
      details: {
        sealOpen1200B: pair(small),
        sealOpen64KiB: {
          ...largePair,
          nodeMegabytesPerSecond: Math.round((largePair.node * 65536) / 1e6),
          nobleMegabytesPerSecond: Math.round((largePair.noble * 65536) / 1e6),
        },
        hkdfExpand44B: pair(expand),
        prepareAeadKey: pair(prepare),
        controlKeyDerivation: pair(derive),
        hmacSha256: pair(hmac),
        note: 'ops/s; one seal+open op = one seal and one open in place; ratio = fastest / noble',
      },
    };
  },
};
