/**
 * `pathsecret`: the per-datagram path-secret lookup of @dcq/core's PathSecretMap (open addressing
 * over the id's bytes in typed arrays, LRU touch through index arrays, no string per lookup)
 * against what a JavaScript developer would write first: a `Map<string, entry>` keyed by the id's
 * hex string, used as an LRU by delete + set on every hit.
 *
 * One operation = one received datagram: find the entry of the 16-byte id at offset 2 and mark it
 * used. Ids are random, the access pattern is uniform over all live entries (so the working set
 * is the whole map). Details also report the replay-window check + commit rate of the notify path.
 */
import { PathSecretMap, ReplayResult, ReplayWindowTable } from '@dcq/core';
import {
  type Benchmark,
  type BenchOptions,
  type BenchOutcome,
  compareRates,
  measureRate,
  rateOptions,
} from '../harness.js';

const DATAGRAM_STRIDE = 64;
const DATAGRAMS = 8192;
const LOOKUPS_PER_CALL = 1024;

/** xorshift32: deterministic ids and access pattern, identical for both contenders. */
function xorshift(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

interface Fixture {
  readonly ids: Uint8Array[];
  /** DATAGRAMS datagrams of DATAGRAM_STRIDE bytes, each carrying some id at offset 2. */
  readonly datagrams: Uint8Array;
}

function fixture(entries: number): Fixture {
  const next = xorshift(0x5eed);
  const ids: Uint8Array[] = [];
  for (let i = 0; i < entries; i++) {
    const id = new Uint8Array(16);
    for (let k = 0; k < 16; k += 4) new DataView(id.buffer).setUint32(k, next());
    ids.push(id);
  }
  const datagrams = new Uint8Array(DATAGRAMS * DATAGRAM_STRIDE);
  for (let d = 0; d < DATAGRAMS; d++) {
    datagrams[d * DATAGRAM_STRIDE] = 0x10;
    datagrams[d * DATAGRAM_STRIDE + 1] = 1;
    datagrams.set(ids[next() % entries] as Uint8Array, d * DATAGRAM_STRIDE + 2);
  }
  return { ids, datagrams };
}

function candidate(f: Fixture): { lookup: () => number; checksum: () => number } {
  const map = new PathSecretMap({
    capacity: f.ids.length,
    peerSlotCapacity: f.ids.length,
    maxSecretsPerPeer: 2,
    minAgeUs: 1_000_000,
    graceUs: 1_000_000,
    replayWindowBits: 64,
    replayWindowCapacity: 1,
    replayWindowsPerSecretMax: 1,
  });
  const secret = new Uint8Array(32);
  const tag = new Uint8Array(16);
  f.ids.forEach((id, i) => {
    map.insert({ id, secret, peerSlot: i, localDirection: 0, version: 1, peerResetTag: tag, nowUs: 0 });
  });
  const datagrams = f.datagrams;
  let cursor = 0;
  let nowUs = 1;
  let sum = 0;
  return {
    lookup(): number {
      for (let i = 0; i < LOOKUPS_PER_CALL; i++) {
        const entry = map.lookup(datagrams, cursor * DATAGRAM_STRIDE + 2, nowUs);
        sum += entry;
        cursor = (cursor + 1) & (DATAGRAMS - 1);
      }
      nowUs++;
      return LOOKUPS_PER_CALL;
    },
    checksum: () => sum,
  };
}

interface BaselineEntry {
  entry: number;
  lastUsedUs: number;
}

function baseline(f: Fixture): { lookup: () => number; checksum: () => number } {
  const map = new Map<string, BaselineEntry>();
  f.ids.forEach((id, i) => {
    map.set(Buffer.from(id).toString('hex'), { entry: i, lastUsedUs: 0 });
  });
  const datagrams = Buffer.from(f.datagrams.buffer, f.datagrams.byteOffset, f.datagrams.byteLength);
  let cursor = 0;
  let nowUs = 1;
  let sum = 0;
  return {
    lookup(): number {
      for (let i = 0; i < LOOKUPS_PER_CALL; i++) {
        const start = cursor * DATAGRAM_STRIDE + 2;
        const key = datagrams.toString('hex', start, start + 16);
        const found = map.get(key);
        if (found !== undefined) {
          map.delete(key); // LRU: move to the most recent end
          map.set(key, found);
          found.lastUsedUs = nowUs;
          sum += found.entry;
        } else {
          sum -= 1;
        }
        cursor = (cursor + 1) & (DATAGRAMS - 1);
      }
      nowUs++;
      return LOOKUPS_PER_CALL;
    },
    checksum: () => sum,
  };
}

/** A second, lighter baseline: the hex-keyed Map without LRU maintenance (get only). */
function baselineGetOnly(f: Fixture): () => number {
  const map = new Map<string, number>();
  f.ids.forEach((id, i) => {
    map.set(Buffer.from(id).toString('hex'), i);
  });
  const datagrams = Buffer.from(f.datagrams.buffer, f.datagrams.byteOffset, f.datagrams.byteLength);
  let cursor = 0;
  let sum = 0;
  return () => {
    for (let i = 0; i < LOOKUPS_PER_CALL; i++) {
      const start = cursor * DATAGRAM_STRIDE + 2;
      sum += map.get(datagrams.toString('hex', start, start + 16)) ?? -1;
      cursor = (cursor + 1) & (DATAGRAMS - 1);
    }
    return LOOKUPS_PER_CALL + (sum & 0);
  };
}

function replayRate(options: BenchOptions): number {
  const windows = new ReplayWindowTable({ capacity: 64, windowBits: 4096 });
  const slots: number[] = [];
  for (let i = 0; i < 64; i++) slots.push(windows.allocate());
  const next = xorshift(7);
  let sequence = 0;
  let accepted = 0;
  return measureRate(() => {
    for (let i = 0; i < LOOKUPS_PER_CALL; i++) {
      const slot = slots[i & 63] as number;
      // Mostly in order with some reordering and duplicates, like a busy sender's notifies.
      const s = Math.max(0, sequence - (next() & 15));
      const result = windows.check(slot, s);
      if (result === ReplayResult.AcceptNew || result === ReplayResult.Accept) {
        windows.commit(slot, s);
        accepted++;
      }
      if ((i & 63) === 63) sequence += 3;
    }
    return LOOKUPS_PER_CALL + (accepted & 0);
  }, rateOptions(options));
}

export const pathsecretBenchmark: Benchmark = {
  name: 'pathsecret',
  group: 'core',
  description: 'path-secret lookup per datagram: typed-array open addressing vs Map<hex string> LRU',
  run(options: BenchOptions): BenchOutcome {
    const entries = options.quick ? 1024 : 16384;
    const f = fixture(entries);
    const a = candidate(f);
    const b = baseline(f);
    const rates = compareRates(a.lookup, b.lookup, rateOptions(options));
    if (a.checksum() < 0 || b.checksum() < 0) throw new Error('pathsecret: a lookup missed');
    return {
      metric: `path-secret lookups/s (${entries} secrets, uniform random ids)`,
      unit: 'lookups/s',
      value: rates.value,
      baseline: 'Map<hex string> LRU (delete + set per hit)',
      baselineValue: rates.baselineValue,
      params: { entries, datagrams: DATAGRAMS, lookupsPerCall: LOOKUPS_PER_CALL },
      details: {
        hexMapGetOnlyLookupsPerSecond: measureRate(baselineGetOnly(f), rateOptions(options)),
        replayCheckCommitPerSecond: replayRate(options),
      },
    };
  },
};
