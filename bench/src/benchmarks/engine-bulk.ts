/**
 * `engine-bulk`: one 64 MiB BULK transfer through two Endpoints in one thread (no I/O,
 * node:crypto): sealed once into 64 KiB records, pulled by the receiver, sent as DATA datagrams of
 * the default 1472 bytes, reassembled and verified. Reports goodput (payload bytes/s, wall time)
 * and wire efficiency (payload bytes / every byte of every datagram, both directions; the target
 * is ≥ 0.97 without loss). Baseline: the raw work without any protocol — seal the 64 MiB into the
 * same records, copy it in 1450-byte pieces, open every record.
 */
import { EventKind, PayloadKey, PayloadRecordCipher, sealedSize } from '@dcq/core';
import { NodeCryptoProvider } from '@dcq/node';
import { type Benchmark, type BenchOptions, type BenchOutcome, median, nowNs } from '../harness.js';
import { EnginePair } from './engine-pair.js';

function runEngine(payload: Uint8Array): { seconds: number; efficiency: number } {
  const pair = new EnginePair(new NodeCryptoProvider(), { reassemblyBytesMax: 2 ** 31, payloadBytesMax: 2 ** 31 });
  const { a, b, view } = pair;
  const start = nowNs();
  const handle = a.submitBulk(1, payload, 0, payload.length);
  if (handle < 0) throw new Error(`engine-bulk: submit failed (${handle})`);
  let received = false;
  let completed = false;
  let stalls = 0;
  while (!(received && completed)) {
    const moved = pair.pump();
    while (b.pollEvent(view)) {
      if (view.event === EventKind.TransferReceived) {
        if (view.payloadLength !== payload.length) throw new Error('engine-bulk: wrong length');
        received = true;
      }
    }
    while (a.pollEvent(view)) {
      if (view.event === EventKind.Completed) completed = true;
      else if (view.event === EventKind.Failed) throw new Error(`engine-bulk: failed with status ${view.status}`);
    }
    stalls = moved === 0 ? stalls + 1 : 0;
    if (stalls > 100_000) throw new Error('engine-bulk: the pair stalled');
  }
  const seconds = (nowNs() - start) / 1e9;
  return { seconds, efficiency: payload.length / pair.wireBytes };
}

function runBaseline(payload: Uint8Array): number {
  const provider = new NodeCryptoProvider();
  const cipher = new PayloadRecordCipher({ provider });
  const material = new Uint8Array(44);
  provider.randomFill(material);
  const key = new PayloadKey({
    provider,
    keyMaterial: material,
    bufferIdHi: 1,
    bufferIdLo: 1,
    payloadBytes: payload.length,
    recordSizeLog2: 16,
    authenticateOnly: false,
  });
  const start = nowNs();
  const sealed = new Uint8Array(sealedSize(payload.length, 65536));
  cipher.sealPayload(key, payload, 0, sealed, 0);
  const target = new Uint8Array(sealed.length);
  for (let at = 0; at < sealed.length; at += 1450)
    target.set(sealed.subarray(at, Math.min(sealed.length, at + 1450)), at);
  for (let r = 0; r < key.recordCount; r++) {
    if (!cipher.openRecord(key, r, target, key.recordSealedOffset(r))) throw new Error('baseline: record failed');
  }
  return (nowNs() - start) / 1e9;
}

export const engineBulkBenchmark: Benchmark = {
  name: 'engine-bulk',
  group: 'engine',
  description:
    'goodput and wire efficiency of a 64 MiB BULK transfer through two Endpoints vs sealing, copying and opening the same records without a protocol',
  run(options: BenchOptions): BenchOutcome {
    const bytes = options.quick ? 4 << 20 : 64 << 20;
    const rounds = options.quick ? 1 : 3;
    const payload = new Uint8Array(bytes);
    for (let i = 0; i < bytes; i += 4096) payload[i] = i & 0xff;
    const engine: number[] = [];
    const baseline: number[] = [];
    let efficiency = 0;
    for (let round = 0; round < rounds; round++) {
      const e = runEngine(payload);
      engine.push(bytes / e.seconds);
      efficiency = e.efficiency;
      baseline.push(bytes / runBaseline(payload));
    }
    return {
      metric: `goodput of a ${bytes >> 20} MiB BULK transfer`,
      unit: 'bytes/s',
      value: median(engine),
      baseline: 'seal + copy + open of the same records, no protocol',
      baselineValue: median(baseline),
      params: { payloadBytes: bytes, recordBytes: 65536, datagramBytes: 1472, provider: 'node' },
      details: { wireEfficiency: efficiency, wireEfficiencyTarget: 0.97 },
    };
  },
};
