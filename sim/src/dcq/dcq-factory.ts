/**
 * The `dcq` entry of the simulator's transport registry: every simulated NIC runs the real engine
 * through {@link DcqTransport}, with a run-wide pre-shared key from which each pair of hosts derives
 * its path secret (PSK mode), so `--pcap` captures can be decrypted.
 */
import {
  type CryptoProvider,
  createSeededRandom,
  derivePskPathSecret,
  LocalStatus,
  NobleCryptoProvider,
  StatusCode,
  WIRE_VERSION,
} from '@dcq/core';
import type { CapturePathSecret } from '../pcap/index.js';
import type { SimTransportContext, SimTransportFactory } from '../scenario/scenario.js';
import { DcqTransport, simHostIdentity } from './dcq-transport.js';

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

/** Creates the dcq transport factory (one per registry; it remembers the run's hosts for `pathSecrets`). */
export function createDcqTransportFactory(): SimTransportFactory {
  let hostCount = 0;
  let seed = 0;
  let deriver: CryptoProvider | null = null;
  return {
    name: 'dcq',
    description: 'the dcq engine (@dcq/core Endpoint): receiver-driven, AES-256-GCM, PSK path secrets',
    cryptoProviders: ['noble'],
    supportsRestart: true,
    statusNames: statusNamesOf(),
    stateLingerNs: DCQ_STATE_LINGER_NS,
    create(context: SimTransportContext) {
      hostCount = context.hostCount;
      seed = context.seed;
      return new DcqTransport({
        host: context.host,
        hostCount: context.hostCount,
        seed: context.seed * 4096 + context.host * 64 + context.nic + context.incarnation * 7919,
        incarnation: context.incarnation,
        psk: simPsk(context.seed),
      });
    },
    pathSecrets(): readonly CapturePathSecret[] {
      deriver ??= new NobleCryptoProvider({ random: createSeededRandom(1) });
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
