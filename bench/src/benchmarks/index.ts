/** Registry of every benchmark the runner knows. Add new benchmarks here. */
import type { Benchmark } from '../harness.js';

export const benchmarks: readonly Benchmark[] = [];
