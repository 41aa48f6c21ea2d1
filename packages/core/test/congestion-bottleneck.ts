/**
 * A tiny packet-level bottleneck model for congestion-control tests, in virtual integer µs:
 * senders (each a {@link BbrController} + a leaky-bucket {@link Pacer}) share one FIFO link of rate
 * R (changeable over time) and buffer B, followed by a fixed one-way propagation delay D; the
 * acknowledgement path has the same delay and no queue. Every packet is acknowledged individually
 * (acknowledgements arriving in the same µs form one ack event, as a RANGE_ACK covering several
 * chunks would). A packet dropped at the tail of the queue, or at random after the link, is
 * reported lost to its sender one round trip later — when the receiver would re-pull it.
 *
 * Senders are always backlogged (bulk transfers); lost data is simply sent again as new packets,
 * which is the same to the controller. Everything is deterministic: the random loss comes from a
 * seeded xorshift32.
 */
import { BbrController, type BbrOptions, DELIVERY_RECORD_FIELDS, DeliveryRecordField, Pacer } from '../src/index.js';

/** A change of the link rate at a time. */
export interface RateChange {
  readonly atUs: number;
  readonly bytesPerSec: number;
}

/** A change of the one-way propagation delay at a time (a route change). */
export interface DelayChange {
  readonly atUs: number;
  readonly oneWayDelayUs: number;
}

/** One sender. */
export interface FlowConfig {
  readonly startUs: number;
  readonly options?: BbrOptions;
  /** From `fromUs` on, the application supplies data at only `bytesPerSec` (before: unlimited). */
  readonly appLimit?: { readonly fromUs: number; readonly bytesPerSec: number };
  /** Whether the sender reports app-limited phases to its controller (default true). */
  readonly reportAppLimited?: boolean;
}

/** The model's parameters. */
export interface ModelConfig {
  readonly linkBytesPerSec: number;
  readonly rateChanges?: readonly RateChange[];
  readonly bufferBytes: number;
  readonly oneWayDelayUs: number;
  readonly delayChanges?: readonly DelayChange[];
  readonly randomLoss?: number;
  /** Mark ECN CE on packets that find more than this many bytes queued (default: no marking). */
  readonly ecnMarkBytes?: number;
  readonly seed?: number;
  readonly flows: readonly FlowConfig[];
  readonly durationUs: number;
  /** Width of the measurement buckets, µs. */
  readonly bucketUs: number;
  readonly packetBytes?: number;
  /** Called once per simulated event time with the flows (for scripted inputs such as timeouts). */
  readonly onTick?: (nowUs: number, flows: readonly FlowState[]) => void;
}

const RING = 1 << 15;
const RING_MASK = RING - 1;
const ACK = 0;
const LOSS = 1;
const ACK_CE = 2;

/** The state of one sender during and after a run. */
export class FlowState {
  readonly cc: BbrController;
  readonly pacer: Pacer;
  readonly records = new Float64Array(RING * DELIVERY_RECORD_FIELDS);
  /** Pending sender-side events (ack / loss) in time order. */
  readonly eventTimeUs: number[] = [];
  readonly eventSeq: number[] = [];
  readonly eventKind: number[] = [];
  eventHead = 0;
  nextSeq = 0;
  oldestOutstanding = 0;
  bytesInFlight = 0;
  /** Bytes acknowledged per bucket. */
  readonly deliveredPerBucket: Float64Array;
  /** Sum and count of RTT samples per bucket. */
  readonly rttSumPerBucket: Float64Array;
  readonly rttCountPerBucket: Float64Array;
  readonly lostPerBucket: Float64Array;
  /** Pacing rate and cwnd sampled at the end of each bucket. */
  readonly pacingPerBucket: Float64Array;
  readonly cwndPerBucket: Float64Array;
  readonly outstanding: Uint8Array = new Uint8Array(RING);
  /** Application bytes available to send (when app-limited) and when they were last accrued. */
  appBytes = 0;
  appAccruedUs = 0;
  appLimitedCalls = 0;

  constructor(
    readonly config: FlowConfig,
    buckets: number,
  ) {
    this.cc = new BbrController({ nowUs: config.startUs, ...config.options });
    this.pacer = new Pacer({ burstBytesMax: 16_384, bytesPerSecond: this.cc.pacingRateBytesPerSec, nowUs: 0 });
    this.deliveredPerBucket = new Float64Array(buckets);
    this.rttSumPerBucket = new Float64Array(buckets);
    this.rttCountPerBucket = new Float64Array(buckets);
    this.lostPerBucket = new Float64Array(buckets);
    this.pacingPerBucket = new Float64Array(buckets);
    this.cwndPerBucket = new Float64Array(buckets);
  }

  get nextEventUs(): number {
    return this.eventHead < this.eventTimeUs.length ? (this.eventTimeUs[this.eventHead] as number) : Infinity;
  }
}

/** Results of a run. */
export class ModelRun {
  constructor(
    readonly config: ModelConfig,
    readonly flows: readonly FlowState[],
    /** Largest queue (bytes) seen per bucket. */
    readonly queueMaxPerBucket: Float64Array,
    /** Time-averaged queue (bytes·µs) per bucket. */
    readonly queueAreaPerBucket: Float64Array,
    readonly baseRttUs: number,
  ) {}

  private range(fromUs: number, toUs: number): [number, number] {
    return [Math.floor(fromUs / this.config.bucketUs), Math.floor(toUs / this.config.bucketUs)];
  }

  /** Goodput of one flow over [fromUs, toUs), bytes/s. */
  throughput(flow: number, fromUs: number, toUs: number): number {
    const [a, b] = this.range(fromUs, toUs);
    const f = this.flows[flow] as FlowState;
    let sum = 0;
    for (let i = a; i < b; i++) sum += f.deliveredPerBucket[i] as number;
    return (sum * 1e6) / ((b - a) * this.config.bucketUs);
  }

  /** Mean RTT of one flow's samples over [fromUs, toUs), µs. */
  meanRttUs(flow: number, fromUs: number, toUs: number): number {
    const [a, b] = this.range(fromUs, toUs);
    const f = this.flows[flow] as FlowState;
    let sum = 0;
    let count = 0;
    for (let i = a; i < b; i++) {
      sum += f.rttSumPerBucket[i] as number;
      count += f.rttCountPerBucket[i] as number;
    }
    return sum / count;
  }

  /** Time-averaged queue over [fromUs, toUs), bytes. */
  meanQueueBytes(fromUs: number, toUs: number): number {
    const [a, b] = this.range(fromUs, toUs);
    let area = 0;
    for (let i = a; i < b; i++) area += this.queueAreaPerBucket[i] as number;
    return area / ((b - a) * this.config.bucketUs);
  }

  /** Lost bytes of one flow over [fromUs, toUs). */
  lostBytes(flow: number, fromUs: number, toUs: number): number {
    const [a, b] = this.range(fromUs, toUs);
    const f = this.flows[flow] as FlowState;
    let sum = 0;
    for (let i = a; i < b; i++) sum += f.lostPerBucket[i] as number;
    return sum;
  }

  /** Mean pacing rate of one flow sampled at bucket ends over [fromUs, toUs), bytes/s. */
  meanPacingRate(flow: number, fromUs: number, toUs: number): number {
    const [a, b] = this.range(fromUs, toUs);
    const f = this.flows[flow] as FlowState;
    let sum = 0;
    for (let i = a; i < b; i++) sum += f.pacingPerBucket[i] as number;
    return sum / (b - a);
  }

  /** First bucket start time from which the flow's goodput over `spanUs` reaches `fraction` of the link rate at that time. */
  convergenceUs(flow: number, fraction: number, spanUs: number, linkBytesPerSec: number): number {
    const bucket = this.config.bucketUs;
    for (let t = 0; t + spanUs <= this.config.durationUs; t += bucket) {
      if (this.throughput(flow, t, t + spanUs) >= fraction * linkBytesPerSec) return t;
    }
    return Infinity;
  }
}

/** Runs the model. */
export function runModel(config: ModelConfig): ModelRun {
  const packetBytes = config.packetBytes ?? 1472;
  const bucketUs = config.bucketUs;
  const buckets = Math.ceil(config.durationUs / bucketUs) + 1;
  const flows = config.flows.map((flow) => new FlowState(flow, buckets));
  const queueMax = new Float64Array(buckets);
  const queueArea = new Float64Array(buckets);
  const changes = [...(config.rateChanges ?? [])].sort((a, b) => a.atUs - b.atUs);
  let changeIndex = 0;
  const delayChanges = [...(config.delayChanges ?? [])].sort((a, b) => a.atUs - b.atUs);
  let delayChangeIndex = 0;
  let rateBytesPerUs = config.linkBytesPerSec / 1e6;
  let busyUntilUs = 0;
  let random = (config.seed ?? 1) >>> 0 || 1;
  const lossProbability = config.randomLoss ?? 0;
  let delayUs = config.oneWayDelayUs;
  const baseRttUs = 2 * delayUs + packetBytes / rateBytesPerUs;

  const nextRandom = (): number => {
    random ^= random << 13;
    random >>>= 0;
    random ^= random >>> 17;
    random ^= random << 5;
    random >>>= 0;
    return random / 2 ** 32;
  };
  const queueBytesAt = (t: number): number => (busyUntilUs > t ? (busyUntilUs - t) * rateBytesPerUs : 0);

  let nowUs = 0;
  let lastQueueUs = 0;
  while (nowUs < config.durationUs) {
    // Queue accounting (piecewise: the queue drains linearly between events).
    {
      const q0 = queueBytesAt(lastQueueUs);
      const q1 = queueBytesAt(nowUs);
      const b = Math.floor(lastQueueUs / bucketUs);
      queueArea[b] = (queueArea[b] as number) + ((q0 + q1) / 2) * (nowUs - lastQueueUs);
      lastQueueUs = nowUs;
    }
    while (changeIndex < changes.length && (changes[changeIndex] as RateChange).atUs <= nowUs) {
      rateBytesPerUs = (changes[changeIndex] as RateChange).bytesPerSec / 1e6;
      changeIndex++;
    }
    while (delayChangeIndex < delayChanges.length && (delayChanges[delayChangeIndex] as DelayChange).atUs <= nowUs) {
      delayUs = (delayChanges[delayChangeIndex] as DelayChange).oneWayDelayUs;
      delayChangeIndex++;
    }
    config.onTick?.(nowUs, flows);
    const bucket = Math.floor(nowUs / bucketUs);

    // 1. Acknowledgements and losses due now.
    for (const flow of flows) {
      let acked = false;
      while (flow.nextEventUs <= nowUs) {
        const seq = flow.eventSeq[flow.eventHead] as number;
        const kind = flow.eventKind[flow.eventHead] as number;
        flow.eventHead++;
        const offset = (seq & RING_MASK) * DELIVERY_RECORD_FIELDS;
        const bytes = flow.records[offset + DeliveryRecordField.Bytes] as number;
        flow.outstanding[seq & RING_MASK] = 0;
        flow.bytesInFlight -= bytes;
        if (kind === ACK_CE) flow.cc.onEcnCe(nowUs, bytes);
        if (kind !== LOSS) {
          const sentUs = flow.records[offset + DeliveryRecordField.SentTimeUs] as number;
          flow.cc.onPacketAcked(nowUs, flow.records, offset);
          flow.deliveredPerBucket[bucket] = (flow.deliveredPerBucket[bucket] as number) + bytes;
          flow.rttSumPerBucket[bucket] = (flow.rttSumPerBucket[bucket] as number) + (nowUs - sentUs);
          flow.rttCountPerBucket[bucket] = (flow.rttCountPerBucket[bucket] as number) + 1;
          acked = true;
        } else {
          flow.cc.onLoss(nowUs, flow.records, offset);
          flow.lostPerBucket[bucket] = (flow.lostPerBucket[bucket] as number) + bytes;
        }
      }
      if (acked) flow.cc.onAckEnd(nowUs, flow.bytesInFlight);
      while (flow.oldestOutstanding < flow.nextSeq && flow.outstanding[flow.oldestOutstanding & RING_MASK] === 0) {
        flow.oldestOutstanding++;
      }
      flow.pacer.setRate(nowUs, flow.cc.pacingRateBytesPerSec);
    }

    // 2. Sends allowed now.
    for (const flow of flows) {
      if (nowUs < flow.config.startUs) continue;
      const appLimit = flow.config.appLimit;
      const appLimited = appLimit !== undefined && nowUs >= appLimit.fromUs;
      if (appLimited) {
        const from = Math.max(flow.appAccruedUs, appLimit.fromUs);
        flow.appBytes = Math.min(flow.appBytes + ((nowUs - from) * appLimit.bytesPerSec) / 1e6, 4 * packetBytes);
        flow.appAccruedUs = nowUs;
      }
      while (
        flow.cc.canSend(flow.bytesInFlight) &&
        flow.pacer.canSend(nowUs, packetBytes) &&
        flow.nextSeq - flow.oldestOutstanding < RING
      ) {
        if (appLimited) {
          if (flow.appBytes < packetBytes) {
            // Window and pacing would allow a send but the application has nothing: app-limited.
            if (flow.config.reportAppLimited !== false) flow.cc.onAppLimited(flow.bytesInFlight);
            flow.appLimitedCalls++;
            break;
          }
          flow.appBytes -= packetBytes;
        }
        const seq = flow.nextSeq++;
        const offset = (seq & RING_MASK) * DELIVERY_RECORD_FIELDS;
        flow.cc.onPacketSent(nowUs, packetBytes, flow.bytesInFlight, flow.records, offset);
        flow.pacer.onSend(nowUs, packetBytes);
        flow.bytesInFlight += packetBytes;
        flow.outstanding[seq & RING_MASK] = 1;
        const queue = queueBytesAt(nowUs);
        let eventUs: number;
        let kind: number;
        if (queue + packetBytes > config.bufferBytes) {
          kind = LOSS; // tail drop, noticed when the following data arrives
          eventUs = Math.ceil(Math.max(nowUs, busyUntilUs) + 2 * delayUs);
        } else {
          busyUntilUs = Math.max(nowUs, busyUntilUs) + packetBytes / rateBytesPerUs;
          const q = queueBytesAt(nowUs);
          if (q > (queueMax[bucket] as number)) queueMax[bucket] = q;
          kind = lossProbability > 0 && nextRandom() < lossProbability ? LOSS : ACK;
          if (kind === ACK && config.ecnMarkBytes !== undefined && q > config.ecnMarkBytes) kind = ACK_CE;
          eventUs = Math.ceil(busyUntilUs + 2 * delayUs);
        }
        // Keep each flow's event list in time order (a tail-drop notice may not precede earlier acks).
        const last = flow.eventTimeUs.length > flow.eventHead ? (flow.eventTimeUs.at(-1) as number) : 0;
        flow.eventTimeUs.push(Math.max(eventUs, last));
        flow.eventSeq.push(seq);
        flow.eventKind.push(kind);
      }
    }

    // 3. Next event time.
    let next = config.durationUs;
    for (const flow of flows) {
      next = Math.min(next, flow.nextEventUs);
      if (nowUs < flow.config.startUs) {
        next = Math.min(next, flow.config.startUs);
      } else if (flow.cc.canSend(flow.bytesInFlight) && flow.nextSeq - flow.oldestOutstanding < RING) {
        let sendUs = flow.pacer.nextSendTimeUs(nowUs, packetBytes);
        const appLimit = flow.config.appLimit;
        if (appLimit !== undefined && sendUs >= appLimit.fromUs && flow.appBytes < packetBytes) {
          const waitUs = Math.ceil(((packetBytes - flow.appBytes) * 1e6) / appLimit.bytesPerSec);
          sendUs = Math.max(sendUs, Math.max(nowUs, appLimit.fromUs) + waitUs);
        }
        next = Math.min(next, sendUs);
      }
    }
    if (changeIndex < changes.length) next = Math.min(next, (changes[changeIndex] as RateChange).atUs);
    if (delayChangeIndex < delayChanges.length) {
      next = Math.min(next, (delayChanges[delayChangeIndex] as DelayChange).atUs);
    }
    // Sample per-bucket gauges at bucket boundaries.
    const nextBucketStart = (bucket + 1) * bucketUs;
    if (next >= nextBucketStart) {
      for (const flow of flows) {
        flow.pacingPerBucket[bucket] = flow.cc.pacingRateBytesPerSec;
        flow.cwndPerBucket[bucket] = flow.cc.congestionWindowBytes;
      }
    }
    nowUs = Math.max(nowUs + 1, Math.min(next, nextBucketStart));
  }
  return new ModelRun(config, flows, queueMax, queueArea, baseRttUs);
}
