import { describe, expect, it } from 'vitest';
import { NobleCryptoProvider } from '../src/crypto/noble-provider.js';
import { createSeededRandom } from '../src/crypto/random.js';
import { EventKind, EventView } from '../src/endpoint/events.js';
import { derivePskResetKey } from '../src/path-secret-map.js';
import { PeerState } from '../src/peer-health.js';
import { TestNetwork } from '../src/testing/test-network.js';
import { StatusCode } from '../src/wire/constants.js';
import { makeEndpoint, quiescentState } from './endpoint-harness.js';

const PSK = new Uint8Array(32).fill(7);
const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const resetKeyOf = (name: string) =>
  derivePskResetKey(new NobleCryptoProvider({ random: createSeededRandom(1) }), PSK, enc(name));

describe('Endpoint crash-restart (UNKNOWN_PATH_SECRET)', () => {
  it('a restarted peer: in-flight RPCs are frozen, fail PEER_RESET once the app re-keys, new RPCs succeed', () => {
    const a = makeEndpoint(1, { statelessResetKey: resetKeyOf('host-0') });
    const b = makeEndpoint(2, { statelessResetKey: resetKeyOf('host-1') });
    a.addPeer(1, { psk: PSK, localIdentity: enc('host-0'), peerIdentity: enc('host-1'), epoch: 0 }, 0);
    b.addPeer(0, { psk: PSK, localIdentity: enc('host-1'), peerIdentity: enc('host-0'), epoch: 0 }, 0);
    const net = new TestNetwork({ endpoints: [a, b], seed: 21 });
    const first = new Set<number>();
    for (let i = 0; i < 5; i++)
      first.add(a.submitRequest(1, new Uint8Array(i === 0 ? 100_000 : 50), 0, i === 0 ? 100_000 : 50));
    net.wake();
    const view = new EventView();
    let received = 0;
    while (received < 5 && net.step()) {
      while (b.pollEvent(view)) if (view.event === EventKind.RequestReceived) received++;
    }
    expect(received).toBe(5);
    // b crashes and restarts with a new epoch: a still speaks the old path secret.
    const b2 = makeEndpoint(3, { statelessResetKey: resetKeyOf('host-1') });
    b2.addPeer(0, { psk: PSK, localIdentity: enc('host-1'), peerIdentity: enc('host-0'), epoch: 1 }, net.nowUs);
    net.replace(1, b2);
    const failed = new Map<number, number>();
    let peerReset = false;
    while (net.step() && !peerReset && net.nowUs < 10_000_000) {
      while (a.pollEvent(view)) {
        if (view.event === EventKind.Failed) failed.set(view.handle, view.status);
        if (view.event === EventKind.PeerReset) peerReset = true;
      }
    }
    while (a.pollEvent(view)) if (view.event === EventKind.Failed) failed.set(view.handle, view.status);
    expect(peerReset).toBe(true);
    // RESETTING: the requests (delivered, unanswered) are frozen until a new secret is in place.
    expect(failed.size).toBe(0);
    expect(a.sendersFrozenOf(1)).toBe(5);
    expect(a.health.stateOf(1)).toBe(PeerState.Resetting);
    // The application installs the new secret and carries on; the delivered requests may have
    // executed (and have no attempts left): they fail PEER_RESET.
    a.addPeer(1, { psk: PSK, localIdentity: enc('host-0'), peerIdentity: enc('host-1'), epoch: 1 }, net.nowUs);
    while (a.pollEvent(view)) if (view.event === EventKind.Failed) failed.set(view.handle, view.status);
    expect(failed.size).toBe(5);
    for (const [handle, status] of failed) {
      expect(first.has(handle)).toBe(true);
      expect(status).toBe(StatusCode.PeerReset);
    }
    expect(a.sendersFrozenOf(1)).toBe(0);
    expect(a.transfersLive).toBe(0);
    const h = a.submitRequest(1, new Uint8Array(10), 0, 10);
    net.wake();
    let answered = false;
    while (net.step() && !answered) {
      while (b2.pollEvent(view)) {
        if (view.event === EventKind.RequestReceived) {
          b2.respond(view.handle, new Uint8Array(3), 0, 3);
          net.wake();
        }
      }
      while (a.pollEvent(view)) if (view.event === EventKind.ResponseReceived && view.handle === h) answered = true;
    }
    expect(answered).toBe(true);
    net.runUntil(net.nowUs + 1_000_000);
    expect(quiescentState(a).transfers).toBe(0);
  });
});
