/**
 * @dcq/sim — the deterministic network simulator. It runs the real `@dcq/core` engine, unchanged, on a
 * modelled datacenter network in integer-nanosecond virtual time with seeded faults and workloads.
 *
 * @packageDocumentation
 */

export * from './baseline/index.js';
export * from './dcq/index.js';
export * from './metrics/index.js';
export * from './network/index.js';
export * from './pcap/index.js';
export * from './plot/index.js';
export * from './scenario/index.js';
export * from './workloads/index.js';
