import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  NOTIFY_SEQUENCE_MAX,
  notifySequenceFromHiLo,
  REPLAY_NO_WINDOW,
  ReplayResult,
  ReplayWindowTable,
} from '../src/index.js';

/** Naive reference: the set of committed sequences and the highest one. */
class ModelWindow {
  readonly seen = new Set<number>();
  highest = -1;
  constructor(readonly windowBits: number) {}

  check(sequence: number): ReplayResult {
    if (sequence > this.highest) return ReplayResult.AcceptNew;
    if (this.highest - sequence >= this.windowBits) return ReplayResult.TooOld;
    return this.seen.has(sequence) ? ReplayResult.Duplicate : ReplayResult.Accept;
  }

  commit(sequence: number): boolean {
    if (sequence <= this.highest && this.highest - sequence >= this.windowBits) return false;
    if (sequence > this.highest) this.highest = sequence;
    if (this.seen.has(sequence)) return false;
    this.seen.add(sequence);
    return true;
  }
}

/** Sequence streams that exercise in-order runs, reordering, duplicates, word boundaries and jumps. */
function sequenceStream(windowBits: number): fc.Arbitrary<number[]> {
  const step = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 1, max: 3 }) }, // in order
    { weight: 3, arbitrary: fc.integer({ min: -40, max: 40 }) }, // reorder / duplicate around the top
    { weight: 2, arbitrary: fc.integer({ min: -windowBits - 40, max: -windowBits + 40 }) }, // window edge
    { weight: 1, arbitrary: fc.integer({ min: 28, max: 36 }) }, // word boundaries
    { weight: 1, arbitrary: fc.integer({ min: windowBits - 40, max: windowBits + 100 }) }, // near-W jump
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 50 * windowBits }) }, // huge jump
    { weight: 1, arbitrary: fc.constant(0) }, // exact duplicate of the previous
  );
  return fc.array(step, { minLength: 1, maxLength: 400, size: 'max' }).map((steps) => {
    const out: number[] = [];
    let cursor = 0;
    for (const s of steps) {
      cursor = Math.max(0, cursor + s);
      out.push(cursor);
    }
    return out;
  });
}

describe('ReplayWindowTable', () => {
  it('validates its configuration', () => {
    expect(() => new ReplayWindowTable({ capacity: 1, windowBits: 100 })).toThrow(InvalidArgumentError);
    expect(() => new ReplayWindowTable({ capacity: 1, windowBits: 32 })).toThrow(InvalidArgumentError);
    expect(() => new ReplayWindowTable({ capacity: 1, windowBits: 1 << 21 })).toThrow(InvalidArgumentError);
    expect(() => new ReplayWindowTable({ capacity: 0, windowBits: 64 })).toThrow(InvalidArgumentError);
    expect(() => new ReplayWindowTable({ capacity: 1 << 20, windowBits: 1 << 20 })).toThrow(InvalidArgumentError);
    const table = new ReplayWindowTable({ capacity: 2, windowBits: 64 });
    expect(table.wordsPerWindow).toBe(3);
  });

  it('matches the set-based model for random sequences (check, then commit what was accepted)', () => {
    const scenario = fc
      .constantFrom(64, 128, 256, 4096)
      .chain((windowBits) =>
        fc.tuple(
          fc.constant(windowBits),
          sequenceStream(windowBits),
          fc.integer({ min: 0, max: 2 ** 40 }),
          fc.array(fc.boolean(), { minLength: 1, maxLength: 50 }),
        ),
      );
    fc.assert(
      fc.property(scenario, ([windowBits, stream, offset, skips]) => {
        const table = new ReplayWindowTable({ capacity: 3, windowBits });
        const neighbour = table.allocate();
        table.commit(neighbour, 7);
        const slot = table.allocate();
        const model = new ModelWindow(windowBits);
        let i = 0;
        for (const raw of stream) {
          const sequence = raw + offset;
          const result = table.check(slot, sequence);
          expect(result).toBe(model.check(sequence));
          // Sometimes the engine decides not to commit (validation failed): the sequence stays unseen.
          const skip = skips[i++ % skips.length] === true;
          if (!skip && (result === ReplayResult.AcceptNew || result === ReplayResult.Accept)) {
            expect(table.commit(slot, sequence)).toBe(true);
            expect(model.commit(sequence)).toBe(true);
          }
          expect(table.highestSequence(slot)).toBe(model.highest);
          // Probe the bottom edge of the window, where the oldest (partial) word lives.
          for (let k = 0; k < 3; k++) {
            const probe = model.highest - windowBits + 1 + k;
            if (probe >= 0) expect(table.check(slot, probe)).toBe(model.check(probe));
          }
        }
        expect(table.highestSequence(neighbour)).toBe(7);
        expect(table.check(neighbour, 7)).toBe(ReplayResult.Duplicate);
      }),
      { numRuns: 100 },
    );
  });

  it('matches the model when commits are blind (commit without check)', () => {
    fc.assert(
      fc.property(sequenceStream(128), (stream) => {
        const table = new ReplayWindowTable({ capacity: 1, windowBits: 128 });
        const slot = table.allocate();
        const model = new ModelWindow(128);
        for (const sequence of stream) {
          expect(table.commit(slot, sequence)).toBe(model.commit(sequence));
          expect(table.check(slot, sequence + 1)).toBe(model.check(sequence + 1));
          expect(table.check(slot, Math.max(0, sequence - 127))).toBe(model.check(Math.max(0, sequence - 127)));
        }
      }),
      { numRuns: 100 },
    );
  });

  it('never accepts a sequence twice: every replay is a duplicate or challenged', () => {
    fc.assert(
      fc.property(sequenceStream(64), fc.array(fc.nat(), { maxLength: 300, size: 'max' }), (stream, replayPicks) => {
        const table = new ReplayWindowTable({ capacity: 1, windowBits: 64 });
        const slot = table.allocate();
        const accepted = new Set<number>();
        const delivered: number[] = [];
        // Interleave fresh sequences with replays of any earlier sequence.
        let pick = 0;
        for (const sequence of stream) {
          const candidates = [sequence];
          if (delivered.length > 0 && pick < replayPicks.length) {
            candidates.push(delivered[(replayPicks[pick++] as number) % delivered.length] as number);
          }
          for (const s of candidates) {
            const result = table.check(slot, s);
            if (result === ReplayResult.AcceptNew || result === ReplayResult.Accept) {
              expect(accepted.has(s)).toBe(false);
              accepted.add(s);
              delivered.push(s);
              table.commit(slot, s);
            } else if (accepted.has(s)) {
              expect([ReplayResult.Duplicate, ReplayResult.TooOld]).toContain(result);
            }
          }
        }
        for (const s of accepted) {
          expect([ReplayResult.Duplicate, ReplayResult.TooOld]).toContain(table.check(slot, s));
        }
      }),
      { numRuns: 100 },
    );
  });

  it('handles the exact window edges and word boundaries', () => {
    const table = new ReplayWindowTable({ capacity: 1, windowBits: 64 });
    const slot = table.allocate();
    expect(table.check(slot, 0)).toBe(ReplayResult.AcceptNew);
    expect(table.commit(slot, 100)).toBe(true);
    expect(table.check(slot, 100)).toBe(ReplayResult.Duplicate);
    expect(table.check(slot, 37)).toBe(ReplayResult.Accept); // 100 - 63: the oldest in the window
    expect(table.check(slot, 36)).toBe(ReplayResult.TooOld); // 100 - 64: just below
    expect(table.commit(slot, 36)).toBe(false);
    expect(table.commit(slot, 37)).toBe(true);
    expect(table.check(slot, 37)).toBe(ReplayResult.Duplicate);
    for (let s = 95; s <= 99; s++) expect(table.commit(slot, s)).toBe(true); // crosses the word at 96
    expect(table.commit(slot, 101)).toBe(true); // slides by one: 37 falls out
    expect(table.check(slot, 37)).toBe(ReplayResult.TooOld);
    expect(table.check(slot, 38)).toBe(ReplayResult.Accept);
    for (let s = 95; s <= 101; s++) expect(table.check(slot, s)).toBe(ReplayResult.Duplicate);
    expect(table.commit(slot, 101 + 64)).toBe(true); // jump of exactly W clears everything else
    expect(table.check(slot, 101)).toBe(ReplayResult.TooOld);
    expect(table.check(slot, 102)).toBe(ReplayResult.Accept);
    expect(table.commit(slot, NOTIFY_SEQUENCE_MAX)).toBe(true); // the largest sequence
    expect(table.check(slot, NOTIFY_SEQUENCE_MAX)).toBe(ReplayResult.Duplicate);
    expect(table.check(slot, NOTIFY_SEQUENCE_MAX - 1)).toBe(ReplayResult.Accept);
    expect(table.check(slot, NOTIFY_SEQUENCE_MAX - 64)).toBe(ReplayResult.TooOld);
    expect(table.duplicatesTotal).toBe(10);
    expect(table.tooOldTotal).toBe(4);
  });

  it('answers Invalid for sequences that are not integers in [0, 2^53) and never records them', () => {
    const table = new ReplayWindowTable({ capacity: 1, windowBits: 64 });
    const slot = table.allocate();
    for (const bad of [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, 2 ** 60]) {
      expect(table.check(slot, bad)).toBe(ReplayResult.Invalid);
      expect(table.commit(slot, bad)).toBe(false);
    }
    expect(table.invalidTotal).toBe(6);
    expect(table.highestSequence(slot)).toBe(-1);
    expect(notifySequenceFromHiLo(0x1fffff, 0xffffffff)).toBe(NOTIFY_SEQUENCE_MAX);
    expect(notifySequenceFromHiLo(0x200000, 0)).toBe(-1);
    expect(notifySequenceFromHiLo(1, 2)).toBe(2 ** 32 + 2);
  });

  it('challenges everything when no window is available, and windows are independent', () => {
    const table = new ReplayWindowTable({ capacity: 2, windowBits: 64 });
    const a = table.allocate();
    const b = table.allocate();
    expect(table.allocate()).toBe(REPLAY_NO_WINDOW);
    expect(table.exhaustedTotal).toBe(1);
    expect(table.check(REPLAY_NO_WINDOW, 0)).toBe(ReplayResult.TooOld);
    expect(table.commit(REPLAY_NO_WINDOW, 0)).toBe(false);
    table.commit(a, 5);
    expect(table.check(b, 5)).toBe(ReplayResult.AcceptNew);
    table.commit(b, 1000);
    expect(table.check(a, 5)).toBe(ReplayResult.Duplicate);
    expect(table.check(a, 6)).toBe(ReplayResult.AcceptNew);
    // A released and reallocated window starts empty.
    table.release(a);
    expect(table.inUse).toBe(1);
    const again = table.allocate();
    expect(again).toBe(a);
    expect(table.highestSequence(again)).toBe(-1);
    expect(table.check(again, 5)).toBe(ReplayResult.AcceptNew);
    expect(() => table.release(REPLAY_NO_WINDOW)).toThrow();
  });
});
