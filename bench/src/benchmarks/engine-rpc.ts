/**
 * `engine-rpc`: unary RPCs per second through two Endpoints in one thread (no I/O, node:crypto,
 * every control datagram sealed and opened), 64 B request and 64 B response, with 1 and 1,000
 * RPCs in flight. Headline value: 1,000 in flight. Baseline: the same RPCs as length-prefixed
 * frames (u32 length, u32 id, payload) through an in-memory byte stream, without encryption — what
 * an application would get from a TCP-like stream with no transport work at all.
 */
import { EventKind } from '@dcq/core';
import { NodeCryptoProvider } from '@dcq/node';
import {
  type Benchmark,
  type BenchOptions,
  type BenchOutcome,
  type Body,
  compareRates,
  rateOptions,
} from '../harness.js';
import { EnginePair } from './engine-pair.js';

const PAYLOAD_BYTES = 64;

/** A body that completes `batch` RPCs keeping `inFlight` outstanding; returns RPCs completed. */
function engineBody(inFlight: number, batch: number): Body {
  const pair = new EnginePair(new NodeCryptoProvider());
  const { a, b, view } = pair;
  const request = new Uint8Array(PAYLOAD_BYTES).fill(1);
  const response = new Uint8Array(PAYLOAD_BYTES).fill(2);
  let outstanding = 0;
  return () => {
    let done = 0;
    let stalls = 0;
    while (done < batch) {
      while (outstanding < inFlight) {
        if (a.submitRequest(1, request, 0, PAYLOAD_BYTES) < 0) break;
        outstanding++;
      }
      const moved = pair.pump();
      while (b.pollEvent(view)) {
        if (view.event === EventKind.RequestReceived) b.respond(view.handle, response, 0, PAYLOAD_BYTES);
      }
      while (a.pollEvent(view)) {
        if (view.event === EventKind.ResponseReceived) done++;
        else if (view.event === EventKind.Failed) throw new Error(`engine-rpc: RPC failed with status ${view.status}`);
        outstanding--;
      }
      stalls = moved === 0 ? stalls + 1 : 0;
      if (stalls > 1_000_000) throw new Error('engine-rpc: the pair stalled');
    }
    return done;
  };
}

/** A growable in-memory byte stream (one direction). */
class ByteStream {
  bytes = new Uint8Array(1 << 16);
  view = new DataView(this.bytes.buffer);
  read = 0;
  write = 0;

  reserve(n: number): void {
    if (this.write + n <= this.bytes.length) return;
    const live = this.write - this.read;
    if (live + n <= this.bytes.length / 2) {
      this.bytes.copyWithin(0, this.read, this.write);
    } else {
      const next = new Uint8Array(Math.max(this.bytes.length * 2, live + n));
      next.set(this.bytes.subarray(this.read, this.write));
      this.bytes = next;
      this.view = new DataView(next.buffer);
    }
    this.write = live;
    this.read = 0;
  }

  writeFrame(id: number, payload: Uint8Array): void {
    this.reserve(8 + payload.length);
    this.view.setUint32(this.write, payload.length);
    this.view.setUint32(this.write + 4, id);
    this.bytes.set(payload, this.write + 8);
    this.write += 8 + payload.length;
  }
}

/** Baseline: length-prefixed frames, client → server → client, same in-flight discipline. */
function streamBody(inFlight: number, batch: number): Body {
  const up = new ByteStream();
  const down = new ByteStream();
  const request = new Uint8Array(PAYLOAD_BYTES).fill(1);
  const response = new Uint8Array(PAYLOAD_BYTES).fill(2);
  const received = new Uint8Array(PAYLOAD_BYTES);
  let outstanding = 0;
  let nextId = 1;
  return () => {
    let done = 0;
    while (done < batch) {
      while (outstanding < inFlight) {
        up.writeFrame(nextId++, request);
        outstanding++;
      }
      // Server: parse every complete frame, answer it.
      while (up.write - up.read >= 8) {
        const length = up.view.getUint32(up.read);
        if (up.write - up.read < 8 + length) break;
        const id = up.view.getUint32(up.read + 4);
        received.set(up.bytes.subarray(up.read + 8, up.read + 8 + length));
        up.read += 8 + length;
        down.writeFrame(id, response);
      }
      // Client: parse responses.
      while (down.write - down.read >= 8) {
        const length = down.view.getUint32(down.read);
        if (down.write - down.read < 8 + length) break;
        received.set(down.bytes.subarray(down.read + 8, down.read + 8 + length));
        down.read += 8 + length;
        outstanding--;
        done++;
      }
    }
    return done;
  };
}

export const engineRpcBenchmark: Benchmark = {
  name: 'engine-rpc',
  group: 'engine',
  description:
    'unary 64 B RPCs/s through two Endpoints (sealed control datagrams, node:crypto) vs length-prefixed frames through an in-memory stream',
  run(options: BenchOptions): BenchOutcome {
    const rate = rateOptions(options);
    const batch = options.quick ? 200 : 2000;
    const one = compareRates(engineBody(1, options.quick ? 50 : 500), streamBody(1, options.quick ? 50 : 500), rate);
    const many = compareRates(engineBody(1000, batch), streamBody(1000, batch), rate);
    return {
      metric: 'unary RPCs/s, 64 B each way, 1,000 in flight',
      unit: 'RPCs/s',
      value: many.value,
      baseline: 'length-prefixed frames through an in-memory stream, no encryption',
      baselineValue: many.baselineValue,
      params: { payloadBytes: PAYLOAD_BYTES, inFlight: 1000, provider: 'node', target: 100_000 },
      details: {
        inFlight1: { value: one.value, baselineValue: one.baselineValue },
        inFlight1000: { value: many.value, baselineValue: many.baselineValue },
      },
    };
  },
};
