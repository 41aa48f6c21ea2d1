/**
 * Shared driver of the `engine-*` benchmarks: two Endpoints in one thread, no I/O, datagrams
 * handed directly from one endpoint's `pollTransmit` to the other's `handleDatagram`, in virtual
 * time (20 µs per pump pass), with the node:crypto provider.
 */
import {
  type CryptoProvider,
  Endpoint,
  type EndpointOptions,
  EventView,
  LocalBufferRegistry,
  TransmitInfo,
} from '@dcq/core';

const PSK = new Uint8Array(32).fill(11);
const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** Two connected endpoints and a pump. Endpoint `a` sees `b` as peer 1; `b` sees `a` as peer 0. */
export class EnginePair {
  readonly a: Endpoint;
  readonly b: Endpoint;
  readonly view: EventView;
  nowUs: number;
  /** Bytes of every datagram moved (both directions). */
  wireBytes: number;
  datagrams: number;
  private readonly buffer: Uint8Array;
  private readonly info: TransmitInfo;

  constructor(provider: CryptoProvider, overrides: Partial<EndpointOptions> = {}) {
    const options = (registry: LocalBufferRegistry): EndpointOptions => ({
      provider,
      buffers: registry,
      peersMax: 2,
      transfersMax: 65536,
      timeWaitUs: 1_000,
      eventsMax: 16384,
      ...overrides,
    });
    this.a = new Endpoint(options(new LocalBufferRegistry({ capacity: 65536, bytesMax: 2 ** 31 })));
    this.b = new Endpoint(options(new LocalBufferRegistry({ capacity: 65536, bytesMax: 2 ** 31 })));
    this.a.addPeer(1, { psk: PSK, localIdentity: ascii('a'), peerIdentity: ascii('b') }, 0);
    this.b.addPeer(0, { psk: PSK, localIdentity: ascii('b'), peerIdentity: ascii('a') }, 0);
    this.view = new EventView();
    this.nowUs = 1;
    this.wireBytes = 0;
    this.datagrams = 0;
    this.buffer = new Uint8Array(9000);
    this.info = new TransmitInfo();
  }

  /** One pass: timers, then every datagram of a to b and of b to a. Returns datagrams moved. */
  pump(): number {
    const now = this.nowUs;
    const a = this.a;
    const b = this.b;
    if (a.pollTimeoutUs() <= now) a.handleTimeout(now);
    if (b.pollTimeoutUs() <= now) b.handleTimeout(now);
    let moved = 0;
    const buffer = this.buffer;
    for (;;) {
      const length = a.pollTransmit(now, buffer, 0, this.info);
      if (length === 0) break;
      this.wireBytes += length;
      b.handleDatagram(now, buffer, 0, length, 0);
      moved++;
    }
    for (;;) {
      const length = b.pollTransmit(now, buffer, 0, this.info);
      if (length === 0) break;
      this.wireBytes += length;
      a.handleDatagram(now, buffer, 0, length, 1);
      moved++;
    }
    this.datagrams += moved;
    this.nowUs = now + 20;
    return moved;
  }
}
