/**
 * Random streams of the workload generators. Each generator draws each kind of decision (arrival
 * times, sizes, endpoints, priorities, jitter) from its own {@link Prng} stream of the caller's
 * seed, so changing one parameter moves only the decisions it governs: the same seed at 50% and
 * 80% load gives the same sequence of sizes and destinations, only spaced differently; two
 * generators given the same seed still draw unrelated numbers.
 */
import { InvalidArgumentError } from '@dcq/core';
import { Prng } from '@dcq/core/testing';

/** Stream bases, one per generator (each generator adds a {@link WorkloadDecision}). */
export const WorkloadStreamBase = {
  OfferedLoad: 0x100,
  Incast: 0x200,
  FanOut: 0x300,
  CausalityChains: 0x400,
} as const;

/** The decisions a generator draws, each from its own stream. */
export const WorkloadDecision = {
  Arrival: 0,
  Size: 1,
  Endpoint: 2,
  Priority: 3,
  Jitter: 4,
  ResponseSize: 5,
} as const;

/** The generator for one decision of one generator under `seed` (a safe non-negative integer). */
export function workloadPrng(seed: number, base: number, decision: number): Prng {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new InvalidArgumentError(`workload seed must be a safe non-negative integer, got ${seed}`);
  }
  return Prng.fromSeed({ seed, stream: base + decision });
}

/** Checks that every entry of `hosts` is a distinct non-negative integer host index; returns a copy. */
export function checkHostList(hosts: ArrayLike<number>, what: string, countMin: number): Int32Array {
  if (hosts.length < countMin || hosts.length > 1 << 24) {
    throw new InvalidArgumentError(`${what} needs ${countMin}..${1 << 24} hosts, got ${hosts.length}`);
  }
  const copy = new Int32Array(hosts.length);
  const seen = new Set<number>();
  for (let i = 0; i < hosts.length; i++) {
    const host = hosts[i] as number;
    if (!Number.isInteger(host) || host < 0 || host > 0x7fffffff) {
      throw new InvalidArgumentError(`${what}[${i}] must be a host index >= 0, got ${host}`);
    }
    if (seen.has(host)) throw new InvalidArgumentError(`${what} lists host ${host} twice`);
    seen.add(host);
    copy[i] = host;
  }
  return copy;
}

/** Checks an integer-nanosecond time ≥ 0. */
export function checkTimeNs(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(`${what} must be a non-negative integer ns, got ${value}`);
  }
}

/** Checks an integer count in [min, max]. */
export function checkCount(value: number, what: string, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${what} must be an integer in [${min}, ${max}], got ${value}`);
  }
}
