/**
 * @dcq/core — the sans-IO protocol engine. No `node:*` imports, no clock and no randomness of its
 * own: time, randomness and crypto are passed in, so the same code runs in NIC workers, in the
 * simulator and in tests.
 *
 * @packageDocumentation
 */
export { assert, unreachable } from './assert.js';
export {
  AssertionError,
  BackpressureError,
  DcqError,
  ErrorCode,
  InvalidArgumentError,
  StaleHandleError,
} from './errors.js';
