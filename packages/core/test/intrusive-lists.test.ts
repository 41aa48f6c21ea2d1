import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../src/errors.js';
import { IntrusiveLists, LIST_NONE } from '../src/intrusive-lists.js';

/** Walks `list` forwards and backwards, checking the links agree. */
function contents(lists: IntrusiveLists, list: number): number[] {
  const forward: number[] = [];
  for (let e = lists.first(list); e !== LIST_NONE; e = lists.next(e)) forward.push(e);
  const backward: number[] = [];
  for (let e = lists.last(list); e !== LIST_NONE; e = lists.prev(e)) backward.push(e);
  expect(backward.reverse()).toEqual(forward);
  return forward;
}

describe('IntrusiveLists', () => {
  it('keeps order through pushBack, pushFront, remove and popFront', () => {
    const l = new IntrusiveLists(8, 2);
    l.pushBack(0, 1);
    l.pushBack(0, 2);
    l.pushFront(0, 3);
    l.pushBack(1, 4);
    expect(contents(l, 0)).toEqual([3, 1, 2]);
    expect(contents(l, 1)).toEqual([4]);
    expect(l.listOf(1)).toBe(0);
    expect(l.listOf(4)).toBe(1);
    expect(l.remove(1)).toBe(true);
    expect(l.remove(1)).toBe(false);
    expect(contents(l, 0)).toEqual([3, 2]);
    expect(l.popFront(0)).toBe(3);
    expect(l.popFront(0)).toBe(2);
    expect(l.popFront(0)).toBe(LIST_NONE);
    expect(l.isEmpty(0)).toBe(true);
    expect(l.size(1)).toBe(1);
    expect(l.has(3)).toBe(false);
  });

  it('refuses to link an element twice and rejects bad sizes', () => {
    const l = new IntrusiveLists(2, 2);
    l.pushBack(0, 0);
    expect(() => l.pushBack(1, 0)).toThrow();
    expect(() => l.pushFront(0, 0)).toThrow();
    expect(() => new IntrusiveLists(0, 1)).toThrow(InvalidArgumentError);
    expect(() => new IntrusiveLists(1, 0)).toThrow(InvalidArgumentError);
    expect(() => new IntrusiveLists(1.5, 1)).toThrow(InvalidArgumentError);
  });

  it('matches an array-of-arrays model under random operations', () => {
    const elements = 16;
    const listCount = 3;
    const op = fc.record({
      kind: fc.constantFrom('back', 'front', 'remove', 'pop'),
      list: fc.nat(listCount - 1),
      element: fc.nat(elements - 1),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const l = new IntrusiveLists(elements, listCount);
        const model: number[][] = [[], [], []];
        const owner = (e: number) => model.findIndex((m) => m.includes(e));
        for (const { kind, list, element } of ops) {
          if (kind === 'back' || kind === 'front') {
            if (owner(element) !== -1) continue;
            if (kind === 'back') {
              l.pushBack(list, element);
              model[list]?.push(element);
            } else {
              l.pushFront(list, element);
              model[list]?.unshift(element);
            }
          } else if (kind === 'remove') {
            const o = owner(element);
            expect(l.remove(element)).toBe(o !== -1);
            if (o !== -1) model[o]?.splice(model[o]?.indexOf(element) ?? 0, 1);
          } else {
            const expected = model[list]?.shift() ?? LIST_NONE;
            expect(l.popFront(list)).toBe(expected);
          }
          for (let i = 0; i < listCount; i++) {
            expect(contents(l, i)).toEqual(model[i]);
            expect(l.size(i)).toBe(model[i]?.length);
          }
          for (let e = 0; e < elements; e++) expect(l.listOf(e)).toBe(owner(e) === -1 ? LIST_NONE : owner(e));
        }
      }),
    );
  });
});
