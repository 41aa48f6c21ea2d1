/**
 * A submission the engine refuses (backpressure) is retried by the runner after every `handle*`
 * call of its NIC: the dcq transport generates its payload once and keeps it for the retries
 * (generating a 10 MB W4 message on every retry made the W4 benchmark take 384 s of wall time).
 */
import { describe, expect, it } from 'vitest';
import { DcqTransport } from '../src/dcq/index.js';
import { SimNetwork } from '../src/index.js';
import { payloadMatches, SimDelivery, SimOutcome, SimTransferRequest } from '../src/scenario/transport.js';

const PSK = new Uint8Array(32).fill(5);
const SIZE_BYTES = 400_000;

describe('dcq transport: payloads of refused submissions', () => {
  it('generates a refused payload once across retries and delivers it byte-exact once accepted', () => {
    const transports: DcqTransport[] = [];
    const net = new SimNetwork({
      seed: 3,
      hosts: [{ nics: [{ rateBitsPerSecond: 25e9 }] }, { nics: [{ rateBitsPerSecond: 25e9 }] }],
      createEndpoint: ({ host }) => {
        // 1 MiB held: a 512 KiB sealed-payload budget, room for one 400 KB message at a time.
        const transport = new DcqTransport({ host, hostCount: 2, seed: 40 + host, psk: PSK, heldBytesMax: 1 << 20 });
        transports[host] = transport;
        return transport;
      },
    });
    const sender = transports[0] as DcqTransport;
    const receiver = transports[1] as DcqTransport;
    const payloadsOfTag2: Uint8Array[] = [];
    const endpoint = sender.endpoint;
    const submitBulk = endpoint.submitBulk.bind(endpoint);
    endpoint.submitBulk = (peer, payload, offset, length, options) => {
      if (options?.metadata === 2) payloadsOfTag2.push(payload);
      return submitBulk(peer, payload, offset, length, options);
    };
    const request = new SimTransferRequest();
    request.peer = 1;
    request.sizeBytes = SIZE_BYTES;
    request.priority = 7;
    request.tag = 1;
    expect(sender.submit(0, request)).toBeGreaterThanOrEqual(0);
    net.wake(0, 0);
    request.tag = 2;
    for (let retry = 0; retry < 20; retry++) expect(sender.submit(0, request)).toBe(-1);

    const outcome = new SimOutcome();
    const delivery = new SimDelivery();
    const completed = new Set<number>();
    let accepted = false;
    let delivered = 0;
    for (let t = 20_000; t <= 100_000_000 && completed.size < 2; t += 20_000) {
      net.run(t);
      while (sender.pollOutcome(outcome)) {
        expect(outcome.status).toBe(0);
        completed.add(outcome.tag);
      }
      while (receiver.pollDelivery(delivery)) {
        expect(payloadMatches(delivery.tag, false, delivery.bytes, delivery.offset, delivery.length)).toBe(true);
        delivered++;
      }
      if (!accepted && completed.has(1)) {
        accepted = sender.submit(Math.floor(t / 1000), request) >= 0;
        expect(accepted).toBe(true);
        net.wake(0, 0);
      }
    }
    expect([...completed].sort()).toEqual([1, 2]);
    expect(delivered).toBe(2);
    // 20 refusals and the accepted retry all handed the engine the same, once-generated payload.
    expect(payloadsOfTag2.length).toBe(21);
    for (const payload of payloadsOfTag2) expect(payload).toBe(payloadsOfTag2[0]);
  });
});
