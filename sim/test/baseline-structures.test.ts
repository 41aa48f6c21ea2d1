/**
 * The baseline's building blocks against naive models: the (peer, tag, role) hash table against a
 * `Map`, and the buffer pool's byte budget and recycling.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BufferPool } from '../src/baseline/buffer-pool.js';
import { KEY_ABSENT, KeyTable } from '../src/baseline/key-table.js';

describe('KeyTable', () => {
  it('matches a Map under random inserts, overwrites and removes, including at capacity', () => {
    const op = fc.record({
      kind: fc.constantFrom('insert', 'remove', 'get'),
      peer: fc.integer({ min: -1, max: 3 }),
      tag: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constantFrom(2 ** 31, 2 ** 32 - 1)),
      role: fc.integer({ min: 0, max: 6 }),
      value: fc.integer({ min: 0, max: 1000 }),
    });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 24 }), fc.array(op, { maxLength: 400 }), (capacity, ops) => {
        const table = new KeyTable(capacity);
        const model = new Map<string, number>();
        for (const o of ops) {
          const key = `${o.peer}/${o.tag}/${o.role}`;
          if (o.kind === 'insert') {
            const fits = model.has(key) || model.size < capacity;
            expect(table.insert(o.peer, o.tag, o.role, o.value)).toBe(fits);
            if (fits) model.set(key, o.value);
          } else if (o.kind === 'remove') {
            expect(table.remove(o.peer, o.tag, o.role)).toBe(model.delete(key));
          }
          expect(table.get(o.peer, o.tag, o.role)).toBe(model.get(key) ?? KEY_ABSENT);
          expect(table.size).toBe(model.size);
        }
        for (const [key, value] of model) {
          const [peer, tag, role] = key.split('/').map(Number) as [number, number, number];
          expect(table.get(peer, tag, role)).toBe(value);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('BufferPool', () => {
  it('enforces its byte budget, rounds to powers of two and recycles buffers', () => {
    const pool = new BufferPool({ bytesMax: 64 * 1024, cachedBytesMax: 16 * 1024 });
    const a = pool.acquire(1);
    expect(a?.length).toBe(4096);
    const b = pool.acquire(40_000);
    expect(b).toBeNull(); // 4 KiB + 64 KiB exceeds the budget
    const c = pool.acquire(32_768) as Uint8Array;
    expect(c.length).toBe(32_768);
    expect(pool.bytesLent).toBe(4096 + 32_768);
    expect(pool.buffersLent).toBe(2);
    pool.release(a as Uint8Array);
    expect(pool.acquire(4000)).toBe(a); // recycled
    pool.release(c); // larger than the cache bound: not kept
    expect(pool.acquire(20_000)).not.toBe(c);
    expect(() => pool.release(new Uint8Array(100))).toThrow();
  });
});
