/**
 * The `dcq` entry of the simulator's transport registry: every simulated NIC runs the real engine
 * through {@link DcqTransport}, with a run-wide pre-shared key from which each pair of hosts derives
 * its path secret (PSK mode), so `--pcap` captures can be decrypted. Three crypto providers: `noble`
 * (the portable default, pure JavaScript) and `node` (`node:crypto`/OpenSSL from `@dcq/node`,
 * about twice as fast for whole simulator runs) are real AES-256-GCM and give byte-identical runs;
 * `insecure-fast` ({@link InsecureFastCryptoProvider}: NOT cryptographic, a keyed checksum and an
 * XOR keystream that still reject every corrupted, replayed or misaddressed datagram) is for large
 * performance sweeps only — its runs differ byte for byte from the real ones and every result names
 * it. All draw their randomness from a seeded source, so runs stay deterministic in the seed.
 */
import {
  type CryptoProvider,
  createSeededRandom,
  DATA_CHUNK_HEADER_SIZE,
  DATA_HEADER_SIZE,
  DATAGRAM_SIZE_MAX,
  DATAGRAM_SIZE_MIN,
  derivePskPathSecret,
  type EndpointOptions,
  INSECURE_FAST_PROVIDER_NAME,
  InsecureFastCryptoProvider,
  LocalStatus,
  NobleCryptoProvider,
  StatusCode,
  WIRE_VERSION,
} from '@dcq/core';
import { NodeCryptoProvider } from '@dcq/node';
import type { CapturePathSecret } from '../pcap/index.js';
import type { SimTransportContext, SimTransportFactory } from '../scenario/scenario.js';
import { DcqTransport, simHostIdentity } from './dcq-transport.js';
import type { DcqWireBreakdown } from './wire-breakdown.js';

/**
 * How long the engine keeps state after its transfers end: the time-wait that makes late notify
 * retransmissions harmless (30 s by default) plus a margin. Leak checks wait at least this long.
 */
export const DCQ_STATE_LINGER_NS = 31_000_000_000;

/** The run-wide pre-shared key of a simulation (deterministic from the seed). */
export function simPsk(seed: number): Uint8Array {
  const psk = new Uint8Array(32);
  let x = (seed ^ 0x2545f491) >>> 0 || 1;
  for (let i = 0; i < psk.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    psk[i] = x & 0xff;
  }
  return psk;
}

function statusNamesOf(): Record<number, string> {
  const names: Record<number, string> = {};
  for (const [name, value] of Object.entries(StatusCode)) if (value !== 0) names[value] = name;
  for (const [name, value] of Object.entries(LocalStatus)) names[value] = name;
  return names;
}

/**
 * The receive window (bytes pulled but not yet received, over all of a receiver's transfers) the
 * simulated engines run with, instead of the engine's 1 MiB default. Measured on the issue-5 incast
 * (100 × 1 MiB → 1 at 100 Gb/s behind 64 KiB switch ports): with 1 MiB the receiver pulls far more
 * than the bottleneck port can queue, 3,760 datagrams are dropped and recovery stalls leave the
 * receiver link at 0.81 utilisation; with 128 KiB (≈ one bandwidth-delay product plus the port
 * buffer) 93 are dropped and it reaches 0.996 (0.967, 45 drops, with {@link DCQ_SIM_PULL_BYTES}).
 */
export const DCQ_SIM_RECEIVE_WINDOW_BYTES = 128 * 1024;

/**
 * Bytes of one pull range in the simulated engines, instead of the engine's 256 KiB default. The
 * pull scheduler is non-preemptive: with 256 KiB ranges one large transfer's pull takes the whole
 * 128 KiB window, and a small message that arrives next waits for it to drain. Measured on W4 at
 * 80% load (16 hosts, 10 Gb/s, 5 ms): p99 slowdown of 1–10 KB messages 755 with 256 KiB ranges,
 * 132 with 32 KiB, 76 with 16 KiB; the incast still reaches ≈ 0.96 and the fan-out's goodput is
 * unchanged (one pull request per 16 KiB instead of per 256 KiB). The engines use it rounded to
 * whole DATA chunks ({@link dcqPullBytesFor}).
 */
export const DCQ_SIM_PULL_BYTES = 16 * 1024;

/**
 * The pull size of the simulated engines on datagrams of `datagramSize` bytes:
 * {@link DCQ_SIM_PULL_BYTES} rounded to the nearest whole number of full DATA chunks (the datagram
 * minus the 2-byte DATA header and the 20-byte chunk header; at least one chunk): 15,950 bytes
 * (11 × 1,450) at 1,472-byte datagrams, 17,900 (2 × 8,950) at 8,972. A pull that is not a whole
 * number of chunks ends in a short DATA datagram whenever the next pull has not reached the sender
 * yet. Measured on `fanout-sizes` (2,000 RPCs, MTU 1500): 16,384-byte pulls sent 263,954 DATA
 * datagrams of 1,391 bytes on average (goodput 0.9281), 15,950-byte pulls 250,242 of 1,466 (0.9308);
 * at MTU 9000, 0.9764 → 0.9780.
 */
export function dcqPullBytesFor(datagramSize: number): number {
  const chunkBytes = datagramSize - DATA_HEADER_SIZE - DATA_CHUNK_HEADER_SIZE;
  return Math.max(1, Math.round(DCQ_SIM_PULL_BYTES / chunkBytes)) * chunkBytes;
}

/**
 * Crypto providers the dcq transport runs with; the first (`noble`) is the default. `insecure-fast`
 * is not cryptographic: it exists only so large simulator sweeps are not dominated by AES-GCM, and
 * must be asked for by name.
 */
export const DCQ_CRYPTO_PROVIDERS: readonly string[] = ['noble', 'node', INSECURE_FAST_PROVIDER_NAME];

/** The provider named `name` with a seeded random source (the runner has validated the name). */
function createProvider(name: string, seed: number): CryptoProvider {
  const random = createSeededRandom(seed);
  if (name === 'node') return new NodeCryptoProvider({ random });
  if (name === INSECURE_FAST_PROVIDER_NAME) return new InsecureFastCryptoProvider({ random });
  return new NobleCryptoProvider({ random });
}

/**
 * The engine's datagram size on a network whose MTU lets `mtuDatagramBytes` of UDP payload
 * through: that, within the protocol's 1200 … 9000 (1472 at the default MTU 1500, the engine's own
 * default; 8972 at MTU 9000).
 */
export function dcqDatagramSizeFor(mtuDatagramBytes: number): number {
  return Math.min(DATAGRAM_SIZE_MAX, Math.max(DATAGRAM_SIZE_MIN, mtuDatagramBytes));
}

/** Options of {@link createDcqTransportFactory}. */
export interface DcqTransportFactoryOptions {
  /**
   * Engine options over the simulator's own choices (receive window, pull size, datagram size from
   * the MTU, transfer table): for experiments such as `ackEveryBytes` or `pullBytes`.
   */
  readonly endpoint?: Partial<Omit<EndpointOptions, 'provider' | 'buffers'>>;
  /** Count every engine's sent bytes into this breakdown (installs a {@link DcqWireBreakdown} tracer). */
  readonly wireBreakdown?: DcqWireBreakdown;
}

/** Creates the dcq transport factory (one per registry; it remembers the run's hosts for `pathSecrets`). */
export function createDcqTransportFactory(options: DcqTransportFactoryOptions = {}): SimTransportFactory {
  let hostCount = 0;
  let seed = 0;
  let cryptoProvider = DCQ_CRYPTO_PROVIDERS[0] as string;
  let deriver: CryptoProvider | null = null;
  return {
    name: 'dcq',
    description: 'the dcq engine (@dcq/core Endpoint): receiver-driven, AES-256-GCM, PSK path secrets',
    cryptoProviders: DCQ_CRYPTO_PROVIDERS,
    supportsRestart: true,
    statusNames: statusNamesOf(),
    stateLingerNs: DCQ_STATE_LINGER_NS,
    create(context: SimTransportContext) {
      hostCount = context.hostCount;
      seed = context.seed;
      if (context.cryptoProvider !== cryptoProvider) {
        cryptoProvider = context.cryptoProvider;
        deriver = null;
      }
      const transportSeed = context.seed * 4096 + context.host * 64 + context.nic + context.incarnation * 7919;
      const datagramSize = dcqDatagramSizeFor(context.mtuDatagramBytes);
      const transport = new DcqTransport({
        host: context.host,
        hostCount: context.hostCount,
        seed: transportSeed,
        incarnation: context.incarnation,
        psk: simPsk(context.seed),
        provider: createProvider(context.cryptoProvider, transportSeed),
        buffersMax: context.transfersMax,
        heldBytesMax: context.heldBytesMax,
        endpoint: {
          receiveWindowBytes: DCQ_SIM_RECEIVE_WINDOW_BYTES,
          pullBytes: dcqPullBytesFor(datagramSize),
          transfersMax: context.transfersMax,
          datagramSizeMax: datagramSize,
          ...options.endpoint,
        },
      });
      const breakdown = options.wireBreakdown;
      if (breakdown !== undefined) {
        transport.endpoint.setTracer(breakdown.tracerFor(2 ** transport.endpoint.config.recordSizeLog2));
      }
      return transport;
    },
    pathSecrets(): readonly CapturePathSecret[] {
      // The endpoints' own key derivation: insecure-fast derives other path secrets than HKDF.
      deriver ??= createProvider(cryptoProvider, 1);
      const out: CapturePathSecret[] = [];
      const psk = simPsk(seed);
      for (let a = 0; a < hostCount; a++) {
        for (let b = a + 1; b < hostCount; b++) {
          const derived = derivePskPathSecret(deriver, {
            psk,
            localIdentity: simHostIdentity(a),
            peerIdentity: simHostIdentity(b),
            epoch: 0,
            version: WIRE_VERSION,
          });
          out.push({ pathSecretId: derived.id, pathSecret: derived.secret });
        }
      }
      return out;
    },
  };
}
