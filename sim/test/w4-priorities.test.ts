/**
 * w4-load's priority cut-offs split each message's first `priorityCapBytes` (Homa §3.4), not whole
 * messages: small messages get the top levels and large ones share the bottom. Counting whole
 * messages put everything up to 190 KB in level 0.
 */
import { describe, expect, it } from 'vitest';
import { buildScenario, transportFactory } from '../src/index.js';

function levelsBySize(parameters: Record<string, number>): Map<string, Set<number>> {
  const scenario = buildScenario('w4-load', {
    seed: 1,
    transport: transportFactory('dcq'),
    parameters: { durationUs: 5_000, ...parameters },
  });
  const list = scenario.workload;
  if (list === undefined) throw new Error('w4-load has a workload');
  const out = new Map<string, Set<number>>();
  for (let tag = 0; tag < list.count; tag++) {
    const size = list.sizeBytes[tag] as number;
    const bucket = size < 1000 ? 'small' : size > 400_000 ? 'large' : size >= 100_000 && size <= 180_000 ? 'mid' : '';
    if (bucket === '') continue;
    const set = out.get(bucket) ?? new Set<number>();
    set.add(list.priority[tag] as number);
    out.set(bucket, set);
  }
  return out;
}

describe('w4-load priorities', () => {
  it('by default (RTTbytes = rateGbps × 1000) small messages are level 0, large ones the lowest level', () => {
    const levels = levelsBySize({});
    expect([...(levels.get('small') ?? [])]).toEqual([0]);
    expect([...(levels.get('large') ?? [])]).toEqual([7]);
    for (const level of levels.get('mid') ?? []) expect(level).toBeGreaterThan(0);
  });

  it('a cap of whole messages (10 MB) puts 100–180 KB messages in level 0 with the small ones', () => {
    const levels = levelsBySize({ priorityCapBytes: 10_000_000 });
    expect([...(levels.get('mid') ?? [])]).toEqual([0]);
  });
});
