/**
 * `engine-trace`: the cost of tracing (packages/core/src/endpoint/trace.ts). The `engine-rpc`
 * workload — unary 64 B RPCs through two Endpoints in one thread, node:crypto, 1,000 in flight —
 * with a `TraceCounters` subscriber attached to both endpoints (every transfer transition, message,
 * datagram and timer counted) against the same pair without a tracer (one null check per trace
 * site). Detail: a `TraceRecorder` ring of 4,096 records instead of the counters.
 */
import { type EndpointTracer, EventKind, TraceCounters, TraceRecorder, TraceState } from '@dcq/core';
import { NodeCryptoProvider } from '@dcq/node';
import {
  type Benchmark,
  type BenchOptions,
  type BenchOutcome,
  type Body,
  compareRates,
  rateOptions,
} from '../harness.js';
import { EnginePair } from './engine-pair.js';

const PAYLOAD_BYTES = 64;
const IN_FLIGHT = 1000;

/** RPCs keeping IN_FLIGHT outstanding through a pair with `tracer` (or none); returns RPCs completed. */
function tracedBody(tracer: EndpointTracer | null, batch: number): Body {
  const pair = new EnginePair(new NodeCryptoProvider(), tracer === null ? {} : { tracer });
  const { a, b, view } = pair;
  const request = new Uint8Array(PAYLOAD_BYTES).fill(1);
  const response = new Uint8Array(PAYLOAD_BYTES).fill(2);
  let outstanding = 0;
  return () => {
    let done = 0;
    let stalls = 0;
    while (done < batch) {
      while (outstanding < IN_FLIGHT) {
        if (a.submitRequest(1, request, 0, PAYLOAD_BYTES) < 0) break;
        outstanding++;
      }
      const moved = pair.pump();
      while (b.pollEvent(view)) {
        if (view.event === EventKind.RequestReceived) b.respond(view.handle, response, 0, PAYLOAD_BYTES);
      }
      while (a.pollEvent(view)) {
        if (view.event === EventKind.ResponseReceived) done++;
        else if (view.event === EventKind.Failed)
          throw new Error(`engine-trace: RPC failed with status ${view.status}`);
        outstanding--;
      }
      stalls = moved === 0 ? stalls + 1 : 0;
      if (stalls > 1_000_000) throw new Error('engine-trace: the pair stalled');
    }
    return done;
  };
}

export const engineTraceBenchmark: Benchmark = {
  name: 'engine-trace',
  group: 'engine',
  description:
    'unary 64 B RPCs/s through two Endpoints with a TraceCounters tracer attached vs the same pair without a tracer',
  run(options: BenchOptions): BenchOutcome {
    const rate = rateOptions(options);
    const batch = options.quick ? 200 : 2000;
    const counters = new TraceCounters({ peersMax: 2 });
    const withCounters = compareRates(tracedBody(counters, batch), tracedBody(null, batch), rate);
    const recorder = compareRates(tracedBody(new TraceRecorder(4096), batch), tracedBody(null, batch), rate);
    return {
      metric: 'unary RPCs/s, 64 B each way, 1,000 in flight, TraceCounters attached',
      unit: 'RPCs/s',
      value: withCounters.value,
      baseline: 'the same endpoints without a tracer',
      baselineValue: withCounters.baselineValue,
      params: { payloadBytes: PAYLOAD_BYTES, inFlight: IN_FLIGHT, provider: 'node' },
      details: {
        counters: { value: withCounters.value, baselineValue: withCounters.baselineValue },
        recorder4096: { value: recorder.value, baselineValue: recorder.baselineValue },
        // Each RPC completes two senders (the request and its response).
        recordsPerRpc:
          counters.byKind.reduce((sum, n) => sum + n, 0) /
          Math.max(1, (counters.statesEntered[TraceState.SenderCompleted] as number) / 2),
      },
    };
  },
};
