/**
 * How generators give each transfer a priority (0 highest … 7 lowest): one fixed level, size
 * cut-offs (Homa-style: small messages get the high levels; see `homa-priority-cutoffs.ts` to
 * derive them from a distribution) or a random pick. {@link PriorityAssigner} validates a rule once
 * and then assigns without allocating.
 */
import { InvalidArgumentError } from '@dcq/core';
import type { Prng } from '@dcq/core/testing';
import { PRIORITY_LOWEST } from './transfer-list.js';

/** A priority assignment rule. */
export type PriorityRule =
  /** Every transfer gets `priority`. */
  | { readonly kind: 'fixed'; readonly priority: number }
  /**
   * `cutoffsBytes` (1–8 values, non-decreasing): a transfer of size s gets
   * `firstPriority + i` for the smallest i with s ≤ cutoffsBytes[i]; larger sizes get the last
   * level, `firstPriority + cutoffsBytes.length − 1`, which must be ≤ 7. `firstPriority`
   * defaults to 0; raise it to keep the top levels for other traffic.
   */
  | { readonly kind: 'sizeCutoffs'; readonly cutoffsBytes: ArrayLike<number>; readonly firstPriority?: number }
  /**
   * A uniform pick from `priorities` (1–256 levels in 0..7). Repeat a level to weight it:
   * `[0, 7, 7, 7]` gives 25% at level 0. One `Prng.intBelow` per transfer.
   */
  | { readonly kind: 'random'; readonly priorities: ArrayLike<number> };

function checkLevel(level: number, what: string): void {
  if (!Number.isInteger(level) || level < 0 || level > PRIORITY_LOWEST) {
    throw new InvalidArgumentError(`${what} must be a priority level in 0..7, got ${level}`);
  }
}

const RULE_FIXED = 0;
const RULE_CUTOFFS = 1;
const RULE_RANDOM = 2;

/** A validated {@link PriorityRule}. */
export class PriorityAssigner {
  private readonly rule: number;
  private readonly fixedPriority: number;
  private readonly firstPriority: number;
  private readonly cutoffsBytes: Float64Array;
  private readonly choices: Uint8Array;

  /** Validates `rule`; throws an {@link InvalidArgumentError} saying what is wrong. */
  constructor(rule: PriorityRule) {
    this.fixedPriority = 0;
    this.firstPriority = 0;
    this.cutoffsBytes = new Float64Array(0);
    this.choices = new Uint8Array(0);
    switch (rule.kind) {
      case 'fixed':
        checkLevel(rule.priority, 'fixed priority');
        this.rule = RULE_FIXED;
        this.fixedPriority = rule.priority;
        break;
      case 'sizeCutoffs': {
        const first = rule.firstPriority ?? 0;
        checkLevel(first, 'firstPriority');
        const count = rule.cutoffsBytes.length;
        if (count < 1 || first + count - 1 > PRIORITY_LOWEST) {
          throw new InvalidArgumentError(
            `size cut-offs need 1..${PRIORITY_LOWEST + 1 - first} values from priority ${first}, got ${count}`,
          );
        }
        const cutoffs = new Float64Array(count);
        for (let i = 0; i < count; i++) {
          const cutoff = rule.cutoffsBytes[i] as number;
          if (Number.isNaN(cutoff) || (i > 0 && cutoff < (cutoffs[i - 1] as number))) {
            throw new InvalidArgumentError(`size cut-offs must be non-decreasing numbers (index ${i}: ${cutoff})`);
          }
          cutoffs[i] = cutoff;
        }
        this.rule = RULE_CUTOFFS;
        this.firstPriority = first;
        this.cutoffsBytes = cutoffs;
        break;
      }
      case 'random': {
        const count = rule.priorities.length;
        if (count < 1 || count > 256) {
          throw new InvalidArgumentError(`random priorities need 1..256 levels, got ${count}`);
        }
        const choices = new Uint8Array(count);
        for (let i = 0; i < count; i++) {
          const level = rule.priorities[i] as number;
          checkLevel(level, `random priority ${i}`);
          choices[i] = level;
        }
        this.rule = RULE_RANDOM;
        this.choices = choices;
        break;
      }
      default:
        throw new InvalidArgumentError(`unknown priority rule ${(rule as { kind: string }).kind}`);
    }
  }

  /** The priority of a transfer of `sizeBytes`; only the random rule draws from `prng`. */
  priorityOf(sizeBytes: number, prng: Prng): number {
    if (this.rule === RULE_FIXED) return this.fixedPriority;
    if (this.rule === RULE_CUTOFFS) {
      const cutoffs = this.cutoffsBytes;
      const last = cutoffs.length - 1;
      let level = 0;
      while (level < last && sizeBytes > (cutoffs[level] as number)) level++;
      return this.firstPriority + level;
    }
    return this.choices[prng.intBelow(this.choices.length)] as number;
  }
}
