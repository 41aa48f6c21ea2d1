/**
 * Intrusive doubly linked lists over integer elements: a family of `listCount` lists (e.g. one per
 * peer) sharing one set of `next` / `prev` / `owner` index arrays sized for `elementCount` elements
 * (e.g. the transfer table's slots). An element is on at most one list of a family at a time; a
 * structure that needs an element on several lists at once keeps one family per list kind.
 *
 * Every operation is O(1) (remove from the middle included) and allocates nothing: the arrays are
 * preallocated in the constructor. Misuse (pushing an element that is already on a list, removing
 * one that is not) is a caller bug and fails an assertion.
 */
import { assert } from './assert.js';
import { InvalidArgumentError } from './errors.js';

/** "No element" / "not on a list". */
export const LIST_NONE = -1;

/** A family of intrusive doubly linked lists (see the module comment). */
export class IntrusiveLists {
  /** Number of elements (valid elements are 0 … elementCount − 1). */
  readonly elementCount: number;
  /** Number of lists (valid lists are 0 … listCount − 1). */
  readonly listCount: number;
  private readonly nextOf: Int32Array;
  private readonly prevOf: Int32Array;
  private readonly ownerOf: Int32Array;
  private readonly heads: Int32Array;
  private readonly tails: Int32Array;
  private readonly lengths: Int32Array;

  /**
   * @param elementCount - how many elements may be linked (≥ 1).
   * @param listCount - how many lists the family has (≥ 1).
   */
  constructor(elementCount: number, listCount: number) {
    if (!Number.isSafeInteger(elementCount) || elementCount < 1 || elementCount > 0x7fffffff) {
      throw new InvalidArgumentError(
        `IntrusiveLists: elementCount must be an integer in [1, 2^31), got ${elementCount}`,
      );
    }
    if (!Number.isSafeInteger(listCount) || listCount < 1 || listCount > 0x7fffffff) {
      throw new InvalidArgumentError(`IntrusiveLists: listCount must be an integer in [1, 2^31), got ${listCount}`);
    }
    this.elementCount = elementCount;
    this.listCount = listCount;
    this.nextOf = new Int32Array(elementCount).fill(LIST_NONE);
    this.prevOf = new Int32Array(elementCount).fill(LIST_NONE);
    this.ownerOf = new Int32Array(elementCount).fill(LIST_NONE);
    this.heads = new Int32Array(listCount).fill(LIST_NONE);
    this.tails = new Int32Array(listCount).fill(LIST_NONE);
    this.lengths = new Int32Array(listCount);
  }

  /** The list `element` is on, or {@link LIST_NONE}. */
  listOf(element: number): number {
    return this.ownerOf[element] as number;
  }

  /** Whether `element` is on some list of the family. */
  has(element: number): boolean {
    return this.ownerOf[element] !== LIST_NONE;
  }

  /** The first element of `list`, or {@link LIST_NONE} when it is empty. */
  first(list: number): number {
    return this.heads[list] as number;
  }

  /** The last element of `list`, or {@link LIST_NONE} when it is empty. */
  last(list: number): number {
    return this.tails[list] as number;
  }

  /** The element after `element` on its list, or {@link LIST_NONE}. */
  next(element: number): number {
    return this.nextOf[element] as number;
  }

  /** The element before `element` on its list, or {@link LIST_NONE}. */
  prev(element: number): number {
    return this.prevOf[element] as number;
  }

  /** Whether `list` is empty. */
  isEmpty(list: number): boolean {
    return this.heads[list] === LIST_NONE;
  }

  /** Number of elements on `list`. */
  size(list: number): number {
    return this.lengths[list] as number;
  }

  /** Appends `element` (not on any list) to `list`. */
  pushBack(list: number, element: number): void {
    assert(this.ownerOf[element] === LIST_NONE, 'IntrusiveLists.pushBack: element already linked');
    const tail = this.tails[list] as number;
    this.ownerOf[element] = list;
    this.prevOf[element] = tail;
    this.nextOf[element] = LIST_NONE;
    if (tail === LIST_NONE) this.heads[list] = element;
    else this.nextOf[tail] = element;
    this.tails[list] = element;
    this.lengths[list] = (this.lengths[list] as number) + 1;
  }

  /** Prepends `element` (not on any list) to `list`. */
  pushFront(list: number, element: number): void {
    assert(this.ownerOf[element] === LIST_NONE, 'IntrusiveLists.pushFront: element already linked');
    const head = this.heads[list] as number;
    this.ownerOf[element] = list;
    this.prevOf[element] = LIST_NONE;
    this.nextOf[element] = head;
    if (head === LIST_NONE) this.tails[list] = element;
    else this.prevOf[head] = element;
    this.heads[list] = element;
    this.lengths[list] = (this.lengths[list] as number) + 1;
  }

  /** Unlinks `element` from its list; returns false (and does nothing) if it is on none. */
  remove(element: number): boolean {
    const list = this.ownerOf[element] as number;
    if (list === LIST_NONE) return false;
    const prev = this.prevOf[element] as number;
    const next = this.nextOf[element] as number;
    if (prev === LIST_NONE) this.heads[list] = next;
    else this.nextOf[prev] = next;
    if (next === LIST_NONE) this.tails[list] = prev;
    else this.prevOf[next] = prev;
    this.ownerOf[element] = LIST_NONE;
    this.prevOf[element] = LIST_NONE;
    this.nextOf[element] = LIST_NONE;
    this.lengths[list] = (this.lengths[list] as number) - 1;
    return true;
  }

  /** Unlinks and returns the first element of `list`, or {@link LIST_NONE} when it is empty. */
  popFront(list: number): number {
    const head = this.heads[list] as number;
    if (head !== LIST_NONE) this.remove(head);
    return head;
  }
}
