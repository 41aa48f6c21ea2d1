/**
 * `sim-incast`: 100 senders × 1 MiB to one receiver over 100 Gb/s links behind a shallow (64 KiB
 * per port) switch buffer — the built-in `incast` scenario — dcq against the sender-driven baseline
 * on the same seed. The metric is the receiver link's utilisation while the incast lasts: bytes on
 * its downlink (datagrams plus IP/UDP headers and Ethernet framing) over capacity × the time to the
 * last completion. Writes `sim-incast.svg`: receiver utilisation over time for both transports.
 */
import { FRAMING_BYTES_DEFAULT, HEADER_BYTES_DEFAULT, renderTimeSeriesPlot } from '@dcq/sim';
import type { Benchmark, BenchOptions, BenchOutcome } from '../harness.js';
import {
  lastCompletionNs,
  type ObservedRun,
  runObserved,
  runSummary,
  SIM_BASELINE_TRANSPORT,
  writePlot,
} from './sim-common.js';

const SEED = 1;
const RECEIVER_HOST = 0;
const BIN_NS = 100_000;
const BINS = 8192;
/** Bytes each datagram adds on the wire beyond its UDP payload (the simulator's defaults). */
const WIRE_OVERHEAD_BYTES = HEADER_BYTES_DEFAULT + FRAMING_BYTES_DEFAULT;

interface IncastMeasures {
  readonly makespanNs: number;
  /** Receiver downlink bytes (with headers) / (rate × makespan). */
  readonly receiverUtilisation: number;
  /** Application bytes delivered / (rate × makespan): the fraction of the link that carried messages. */
  readonly receiverGoodputUtilisation: number;
  readonly notCompleted: number;
  readonly timeouts: number;
  readonly series: { readonly timesNs: Float64Array; readonly utilisation: Float64Array };
}

function measure(run: ObservedRun, rateBitsPerSecond: number, messageBytes: number): IncastMeasures {
  const observer = run.observer;
  const makespanNs = lastCompletionNs(run);
  const binsUsed = Math.min(BINS, Math.max(1, Math.ceil(makespanNs / BIN_NS)));
  let wireBytes = 0;
  const timesNs = new Float64Array(binsUsed);
  const utilisation = new Float64Array(binsUsed);
  for (let bin = 0; bin < binsUsed; bin++) {
    const bytes =
      (observer.receivedBytes[bin] as number) + (observer.receivedCount[bin] as number) * WIRE_OVERHEAD_BYTES;
    wireBytes += bytes;
    timesNs[bin] = (bin + 0.5) * BIN_NS;
    utilisation[bin] = (bytes * 8e9) / (rateBitsPerSecond * BIN_NS);
  }
  const completed = run.result.outcomes.completed ?? 0;
  const capacityBytes = (rateBitsPerSecond * makespanNs) / 8e9;
  return {
    makespanNs,
    receiverUtilisation: capacityBytes > 0 ? wireBytes / capacityBytes : 0,
    receiverGoodputUtilisation: capacityBytes > 0 ? (completed * messageBytes) / capacityBytes : 0,
    notCompleted: run.result.transfers.total - completed,
    timeouts: run.result.outcomes.timeout ?? 0,
    series: { timesNs, utilisation },
  };
}

export const simIncastBenchmark: Benchmark = {
  name: 'sim-incast',
  group: 'sim',
  description:
    '100 senders × 1 MiB → 1 receiver, 100 Gb/s, shallow buffers (simulated): receiver utilisation, dcq vs sender-driven',
  run(options: BenchOptions): BenchOutcome {
    const parameters = options.quick
      ? { senders: 10, sizeBytes: 64 * 1024, rateGbps: 100, bufferBytes: 65_536 }
      : { senders: 100, sizeBytes: 1 << 20, rateGbps: 100, bufferBytes: 65_536 };
    const rate = parameters.rateGbps * 1e9;
    const runs = ['dcq', SIM_BASELINE_TRANSPORT].map((transport) =>
      runObserved({
        scenario: 'incast',
        transport,
        seed: SEED,
        parameters,
        watchedHost: RECEIVER_HOST,
        binNs: BIN_NS,
        bins: BINS,
      }),
    );
    const [dcq, baseline] = runs as [ObservedRun, ObservedRun];
    const dcqMeasures = measure(dcq, rate, parameters.sizeBytes);
    const baselineMeasures = measure(baseline, rate, parameters.sizeBytes);
    const plot = writePlot(
      'sim-incast',
      renderTimeSeriesPlot({
        title: `Incast ${parameters.senders} × ${parameters.sizeBytes} B → 1, ${parameters.rateGbps} Gb/s, ${parameters.bufferBytes} B switch buffer`,
        yLabel: `Receiver link utilisation (${BIN_NS / 1000} µs bins)`,
        candidate: { name: 'dcq', timesNs: dcqMeasures.series.timesNs, values: dcqMeasures.series.utilisation },
        baseline: {
          name: SIM_BASELINE_TRANSPORT,
          timesNs: baselineMeasures.series.timesNs,
          values: baselineMeasures.series.utilisation,
        },
      }),
    );
    const summarize = (m: IncastMeasures) => ({
      makespanNs: m.makespanNs,
      receiverUtilisation: m.receiverUtilisation,
      receiverGoodputUtilisation: m.receiverGoodputUtilisation,
      notCompleted: m.notCompleted,
      timeouts: m.timeouts,
    });
    return {
      metric: `receiver link utilisation, incast ${parameters.senders} × ${parameters.sizeBytes} B at ${parameters.rateGbps} Gb/s (simulated)`,
      unit: 'fraction',
      value: dcqMeasures.receiverUtilisation,
      baseline: `${SIM_BASELINE_TRANSPORT} baseline`,
      baselineValue: baselineMeasures.receiverUtilisation,
      params: {
        scenario: 'incast',
        seed: SEED,
        ...parameters,
        idealMakespanNs: (parameters.senders * parameters.sizeBytes * 8e9) / rate,
      },
      details: {
        target: { receiverUtilisationMin: 0.9, timeouts: 0 },
        dcqMeetsTarget: dcqMeasures.receiverUtilisation >= 0.9 && dcqMeasures.notCompleted === 0,
        incast: { dcq: summarize(dcqMeasures), [SIM_BASELINE_TRANSPORT]: summarize(baselineMeasures) },
        dcq: runSummary(dcq),
        [SIM_BASELINE_TRANSPORT]: runSummary(baseline),
        plot,
      },
    };
  },
};
