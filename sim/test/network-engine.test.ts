/**
 * The real `@dcq/core` Endpoint on the SimNetwork: unary RPCs between two hosts across a lossy,
 * reordering leaf–spine fabric complete byte for byte, and the run is reproducible from its seed.
 */
import {
  createSeededRandom,
  Endpoint,
  EventKind,
  EventView,
  LocalBufferRegistry,
  NobleCryptoProvider,
} from '@dcq/core';
import { describe, expect, it } from 'vitest';
import { SimNetwork } from '../src/index.js';

const PSK = new Uint8Array(32).fill(7);
const identity = (host: number): Uint8Array => Uint8Array.from(`host-${host}`, (c) => c.charCodeAt(0));

function payloadOf(i: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let k = 0; k < size; k++) out[k] = (i * 31 + k * 7) & 0xff;
  return out;
}

function runRpcs(
  seed: number,
  count: number,
): { completed: number; corrupt: number; lost: number; hash: number; endNs: number } {
  const hostCount = 2;
  const net = new SimNetwork({
    seed,
    hosts: [
      { nics: [{ rateBitsPerSecond: 100e9 }], leaf: 0 },
      { nics: [{ rateBitsPerSecond: 25e9 }], leaf: 1 },
    ],
    fabric: { kind: 'leaf-spine', leafCount: 2, spineCount: 2, uplinkRateBitsPerSecond: 100e9 },
    linkFaults: { lossProbability: 0.02, reorderProbability: 0.02, jitter: 'uniform', jitterNs: 300 },
    createEndpoint: ({ host }) => {
      const endpoint = new Endpoint({
        provider: new NobleCryptoProvider({ random: createSeededRandom(seed * 16 + host) }),
        buffers: new LocalBufferRegistry({ capacity: 1024 }),
        peersMax: hostCount,
        transfersMax: 1024,
        timeWaitUs: 200_000,
      });
      for (let peer = 0; peer < hostCount; peer++) {
        if (peer !== host) {
          endpoint.addPeer(peer, { psk: PSK, localIdentity: identity(host), peerIdentity: identity(peer) }, 0);
        }
      }
      return endpoint;
    },
  });
  const client = net.endpoint(0, 0) as Endpoint;
  const server = net.endpoint(1, 0) as Endpoint;
  const indexOf = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const payload = payloadOf(i, 200 + ((i * 977) % 5000));
    const handle = client.submitRequest(1, payload, 0, payload.length, { metadata: i + 1, priority: i % 8 });
    expect(handle).toBeGreaterThanOrEqual(0);
    indexOf.set(handle, i);
  }
  net.wake(0, 0);
  const view = new EventView();
  let completed = 0;
  let corrupt = 0;
  while (completed < count && net.nowNs < 2_000_000_000) {
    if (!net.step()) break;
    let served = false;
    while (server.pollEvent(view)) {
      if (view.event !== EventKind.RequestReceived) continue;
      const i = view.metadata - 1;
      const expected = payloadOf(i, 200 + ((i * 977) % 5000));
      const got = view.payload.subarray(view.payloadOffset, view.payloadOffset + view.payloadLength);
      if (got.length !== expected.length || got.some((b, k) => b !== expected[k])) corrupt++;
      const response = payloadOf(i + 1000, 100 + (i % 3000));
      server.respond(view.handle, response, 0, response.length, { metadata: i + 1 });
      served = true;
    }
    if (served) net.wake(1, 0);
    while (client.pollEvent(view)) {
      if (view.event !== EventKind.ResponseReceived) continue;
      const i = indexOf.get(view.handle);
      if (i === undefined) {
        corrupt++;
        continue;
      }
      const expected = payloadOf(i + 1000, 100 + (i % 3000));
      const got = view.payload.subarray(view.payloadOffset, view.payloadOffset + view.payloadLength);
      if (got.length !== expected.length || got.some((b, k) => b !== expected[k])) corrupt++;
      completed++;
    }
  }
  return { completed, corrupt, lost: net.stats().links.droppedLoss, hash: net.traceHash(), endNs: net.nowNs };
}

describe('SimNetwork with the real engine', () => {
  it('completes RPCs byte for byte over a lossy fabric, reproducibly', () => {
    const first = runRpcs(3, 40);
    expect(first.corrupt).toBe(0);
    expect(first.completed).toBe(40);
    expect(first.lost).toBeGreaterThan(0);
    expect(runRpcs(3, 40)).toEqual(first);
  });
});
