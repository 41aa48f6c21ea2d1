/** Registry of every benchmark the runner knows. Add new benchmarks here. */
import type { Benchmark } from '../harness.js';
import { aeadBenchmark } from './aead.js';
import { causalityBenchmark } from './causality.js';
import { ccBenchmark } from './cc.js';
import { codecBenchmark } from './codec.js';
import { engineBulkBenchmark } from './engine-bulk.js';
import { engineRpcBenchmark } from './engine-rpc.js';
import { engineTraceBenchmark } from './engine-trace.js';
import { idsBenchmark } from './ids.js';
import { pathsecretBenchmark } from './pathsecret.js';
import { pqBenchmark } from './pq.js';
import { rangesetBenchmark } from './rangeset.js';
import { simFanoutBenchmark } from './sim-fanout.js';
import { simFaultsBenchmark } from './sim-faults.js';
import { simIncastBenchmark } from './sim-incast.js';
import { simW4Benchmark } from './sim-w4.js';
import { wheelBenchmark } from './wheel.js';

export const benchmarks: readonly Benchmark[] = [
  aeadBenchmark,
  causalityBenchmark,
  ccBenchmark,
  wheelBenchmark,
  idsBenchmark,
  rangesetBenchmark,
  codecBenchmark,
  pathsecretBenchmark,
  pqBenchmark,
  engineRpcBenchmark,
  engineTraceBenchmark,
  engineBulkBenchmark,
  simW4Benchmark,
  simIncastBenchmark,
  simFanoutBenchmark,
  simFaultsBenchmark,
];
