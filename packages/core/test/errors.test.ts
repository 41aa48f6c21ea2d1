import { describe, expect, it } from 'vitest';
import { AssertionError, assert, BackpressureError, DcqError, ErrorCode, unreachable } from '../src/index.js';

describe('errors', () => {
  it('carry stable codes and are DcqErrors', () => {
    const error = new BackpressureError('queue.depth', 16, 'queue full; wait for the ready event');
    expect(error).toBeInstanceOf(DcqError);
    expect(error.code).toBe('DCQ_BACKPRESSURE');
    expect(error.limit).toBe('queue.depth');
    expect(error.limitValue).toBe(16);
  });

  it('assert throws an AssertionError only when the condition is false', () => {
    expect(() => assert(true, 'fine')).not.toThrow();
    expect(() => assert(false, 'broken')).toThrow(AssertionError);
    try {
      unreachable('never');
    } catch (error) {
      expect((error as DcqError).code).toBe(ErrorCode.Assertion);
      expect((error as Error).message).toContain('never');
    }
  });
});
