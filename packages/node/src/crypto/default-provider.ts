/**
 * The runtime's default crypto provider: for each operation, the implementation that measured
 * faster on Node 20 (the `aead` benchmark, `npm run bench -- aead`):
 *
 * | operation                                | node:crypto   | @noble       | faster        |
 * | ---------------------------------------- | ------------- | ------------ | ------------- |
 * | AES-256-GCM seal+open, 1200 B            | 107.6k ops/s  | 13.6k ops/s  | node, 7.9×    |
 * | AES-256-GCM seal+open, 64 KiB            | 20.4k ops/s   | 535 ops/s    | node, 38×     |
 * | HKDF-Expand, 44 B                        | 231k ops/s    | 197k ops/s   | node, 1.17×   |
 * | HMAC-SHA256, 16 B                        | 470k ops/s    | 273k ops/s   | node, 1.7×    |
 * | prepareAeadKey                           | 0.85M ops/s   | 31M ops/s    | noble (copy)  |
 *
 * node:crypto wins every per-packet and per-record operation, so the default is the node provider
 * as a whole. noble's `prepareAeadKey` is only cheaper because noble re-expands the key on every
 * seal; a key must be prepared by the provider that seals with it, and that happens once per key.
 * The portable noble provider stays for the simulator, tests and platforms without OpenSSL.
 *
 * spec: security.md#providers
 */
import type { CryptoProvider, RandomSource } from '@dcq/core';
import { NodeCryptoProvider } from './node-provider.js';

/** Options of {@link createDefaultProvider}. */
export interface DefaultProviderOptions {
  /** Random source; defaults to the OpenSSL CSPRNG. Inject a seeded one only for tests. */
  readonly random?: RandomSource;
}

/** The crypto provider the runtime uses unless configured otherwise (see the module comment). */
export function createDefaultProvider(options: DefaultProviderOptions = {}): CryptoProvider {
  return new NodeCryptoProvider(options.random === undefined ? {} : { random: options.random });
}
