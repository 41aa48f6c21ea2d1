/**
 * `sim-w4`: Homa's W4 workload at 80% offered load on 16 hosts (the `w4-load` scenario), dcq
 * against the sender-driven baseline on the same seed. The metric is the p99 slowdown of messages
 * under 10 KB (completion time / ideal unloaded completion time); Homa's simulator reports 2.2 at
 * 80% load. Writes `sim-w4.svg`: p50/p99 slowdown against size (W4 deciles) for both transports.
 */
import {
  idealCompletionNs,
  loadHomaWorkload,
  NIC_PROPAGATION_DELAY_NS_DEFAULT,
  percentiles,
  quantileSizeBucketsOfDistribution,
  renderSlowdownPlot,
  slowdownByBucket,
  slowdownSeriesFromBuckets,
} from '@dcq/sim';
import type { Benchmark, BenchOptions, BenchOutcome } from '../harness.js';
import {
  completionTimesOf,
  datagramsPerWallSecond,
  type ObservedRun,
  runObserved,
  runSummary,
  SIM_BASELINE_TRANSPORT,
  senderOutcomeTimesOf,
  writePlot,
} from './sim-common.js';

/** Messages below this size are the "small" ones whose tail slowdown is the metric. */
const SMALL_BYTES_LIMIT = 10_000;
/** Homa's published p99 slowdown of small W4 messages at 80% load (its simulator). */
const HOMA_REFERENCE_P99 = 2.2;
const PERCENTS = [50, 99, 99.9];
const SEED = 1;

/** Slowdown of every completed message of a run (NaN for the others), as the runner defines it. */
function slowdownsOf(run: ObservedRun, rateBitsPerSecond: number, completion = completionTimesOf(run)): Float64Array {
  const list = run.scenario.workload;
  const path = { linkRateBitsPerSecond: rateBitsPerSecond, oneWayPropagationNs: 2 * NIC_PROPAGATION_DELAY_NS_DEFAULT };
  const out = new Float64Array(list.count);
  for (let tag = 0; tag < list.count; tag++) {
    out[tag] = (completion[tag] as number) / Math.max(1, idealCompletionNs(list.sizeBytes[tag] as number, path));
  }
  return out;
}

/** p50/p99/p99.9 slowdown of the completed messages under {@link SMALL_BYTES_LIMIT}. */
function smallMessageSlowdown(
  run: ObservedRun,
  slowdowns: Float64Array,
): { count: number; p50: number; p99: number; p999: number } {
  const list = run.scenario.workload;
  const small: number[] = [];
  for (let tag = 0; tag < list.count; tag++) {
    const value = slowdowns[tag] as number;
    if ((list.sizeBytes[tag] as number) < SMALL_BYTES_LIMIT && !Number.isNaN(value)) small.push(value);
  }
  if (small.length === 0) return { count: 0, p50: Number.NaN, p99: Number.NaN, p999: Number.NaN };
  const values = percentiles(small, PERCENTS);
  return { count: small.length, p50: values[0] as number, p99: values[1] as number, p999: values[2] as number };
}

/**
 * Load each host's link actually received and sent in the window (payload bytes / capacity): W4's
 * heavy tail (10 MB messages) makes a 16-host window of tens of ms far from uniform.
 */
function realizedLoads(run: ObservedRun, hosts: number, rateBitsPerSecond: number, durationNs: number) {
  const list = run.scenario.workload;
  const received = new Float64Array(hosts);
  const sent = new Float64Array(hosts);
  for (let row = 0; row < list.count; row++) {
    const size = list.sizeBytes[row] as number;
    received[list.dstHost[row] as number] = (received[list.dstHost[row] as number] as number) + size;
    sent[list.srcHost[row] as number] = (sent[list.srcHost[row] as number] as number) + size;
  }
  const capacityBytes = (rateBitsPerSecond * durationNs) / 8e9;
  const toLoad = (bytes: Float64Array) =>
    Array.from(bytes, (value) => Math.round((value / capacityBytes) * 1000) / 1000);
  return { received: toLoad(received), sent: toLoad(sent) };
}

export const simW4Benchmark: Benchmark = {
  name: 'sim-w4',
  group: 'sim',
  description: 'W4 at 80% load on 16 hosts (simulated): p99 slowdown of messages < 10 KB, dcq vs sender-driven',
  run(options: BenchOptions): BenchOutcome {
    const parameters = {
      hosts: 16,
      load: 0.8,
      durationUs: options.quick ? 500 : 50_000,
      priorityLevels: 8,
      rateGbps: 10,
    };
    const rate = parameters.rateGbps * 1e9;
    const runs = ['dcq', SIM_BASELINE_TRANSPORT].map((transport) =>
      runObserved({ scenario: 'w4-load', transport, seed: SEED, parameters }),
    );
    const [dcq, baseline] = runs as [ObservedRun, ObservedRun];
    const dcqSlowdowns = slowdownsOf(dcq, rate);
    const baselineSlowdowns = slowdownsOf(baseline, rate);
    const dcqSmall = smallMessageSlowdown(dcq, dcqSlowdowns);
    const baselineSmall = smallMessageSlowdown(baseline, baselineSlowdowns);

    const buckets = quantileSizeBucketsOfDistribution(loadHomaWorkload('w4'), 10);
    const bucketsOf = (run: ObservedRun, slowdowns: Float64Array) =>
      slowdownByBucket({
        sizesBytes: run.scenario.workload.sizeBytes.subarray(0, run.scenario.workload.count),
        slowdowns,
        buckets,
        percents: PERCENTS,
      });
    const dcqBuckets = bucketsOf(dcq, dcqSlowdowns);
    const baselineBuckets = bucketsOf(baseline, baselineSlowdowns);
    const plot = writePlot(
      'sim-w4',
      renderSlowdownPlot({
        title: `W4 at 80% load, ${parameters.hosts} hosts, ${parameters.rateGbps} Gbps, ${dcq.scenario.workload.count} messages`,
        candidate: slowdownSeriesFromBuckets('dcq', dcqBuckets, PERCENTS),
        baseline: slowdownSeriesFromBuckets(SIM_BASELINE_TRANSPORT, baselineBuckets, PERCENTS),
      }),
    );
    const bucketRows = (rows: typeof dcqBuckets) =>
      rows.map((row) => ({
        label: row.label,
        count: row.count,
        sizeMaxBytes: row.sizeMaxBytes,
        p50: row.percentiles[0],
        p99: row.percentiles[1],
        mean: row.mean,
      }));
    return {
      metric: `p99 slowdown of W4 messages < 10 KB at 80% load, ${parameters.hosts} hosts (simulated)`,
      unit: 'x',
      better: 'lower',
      value: dcqSmall.p99,
      baseline: `${SIM_BASELINE_TRANSPORT} baseline`,
      baselineValue: baselineSmall.p99,
      params: { scenario: 'w4-load', seed: SEED, ...parameters, messages: dcq.scenario.workload.count },
      details: {
        homaReferenceP99: HOMA_REFERENCE_P99,
        realizedLoadPerHost: realizedLoads(dcq, parameters.hosts, rate, parameters.durationUs * 1000),
        meetsHomaReference: dcqSmall.p99 <= HOMA_REFERENCE_P99,
        completion: 'delivery at the receiver (Homa); smallMessagesSenderView: until the sender learned it',
        smallMessages: { dcq: dcqSmall, [SIM_BASELINE_TRANSPORT]: baselineSmall },
        smallMessagesSenderView: {
          dcq: smallMessageSlowdown(dcq, slowdownsOf(dcq, rate, senderOutcomeTimesOf(dcq))),
          [SIM_BASELINE_TRANSPORT]: smallMessageSlowdown(
            baseline,
            slowdownsOf(baseline, rate, senderOutcomeTimesOf(baseline)),
          ),
        },
        decileBuckets: { dcq: bucketRows(dcqBuckets), [SIM_BASELINE_TRANSPORT]: bucketRows(baselineBuckets) },
        dcq: runSummary(dcq),
        [SIM_BASELINE_TRANSPORT]: runSummary(baseline),
        simulatedDatagramsPerWallSecond: {
          dcq: Math.round(datagramsPerWallSecond(dcq)),
          [SIM_BASELINE_TRANSPORT]: Math.round(datagramsPerWallSecond(baseline)),
        },
        plot,
      },
    };
  },
};
