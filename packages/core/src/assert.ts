/**
 * Invariant assertions (TigerBeetle style): cheap, always on, used densely in the engine. A failed
 * assertion is a dcq bug, never a reaction to untrusted input — decoders return typed rejections
 * instead of asserting.
 */
import { AssertionError } from './errors.js';

/** Throws an {@link AssertionError} when `condition` is false. Pass a constant string, not a template. */
export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/** Marks a branch as unreachable (e.g. the default of an exhaustive switch). */
export function unreachable(message: string): never {
  throw new AssertionError(message);
}
