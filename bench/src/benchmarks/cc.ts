/**
 * `cc`: the per-acknowledgement cost of the @dcq/core BBR controller (delivery-rate sampling,
 * windowed filters, the state machine, pacing rate and cwnd) against a NewReno controller as in
 * RFC 9002 §7 — the cheapest controller a transport would ship, doing only window arithmetic.
 *
 * Workload (identical for both): a sender with a 1024-packet ring of in-flight packets driven by
 * a synthetic ack clock. Each step advances time by 1 µs and settles the oldest outstanding
 * packet — acknowledged, or (0.5 % of the time) declared lost — after an RTT of 100 µs plus a
 * precomputed jitter of 0..31 µs; acknowledgements arrive in events of 1..4 packets (like a
 * RANGE_ACK covering several chunks); after each event the sender sends while the window allows.
 * Jitter, event sizes and losses come from a seeded xorshift32, precomputed so PRNG cost is
 * excluded and both contenders see the same pattern. Ops counted: settled packets (one ack or loss
 * each, with its share of the event's end and of the sends it enables).
 */
import { BbrController, DELIVERY_RECORD_FIELDS } from '@dcq/core';
import { type Benchmark, type BenchOptions, type BenchOutcome, compareRates, rateOptions } from '../harness.js';

const RING = 1024;
const RING_MASK = RING - 1;
const PATTERN = 1 << 16;
const PATTERN_MASK = PATTERN - 1;
const SEED = 0x1234_5678;
const MSS = 1472;
const BASE_RTT_US = 100;
/** Packets settled per timed body call. */
const STEPS_PER_CALL = 4096;

/** Precomputed pattern: per step, jitter (µs, 0..31), event size (1..4) and a loss flag. */
interface Pattern {
  readonly jitterUs: Uint8Array;
  readonly eventSize: Uint8Array;
  readonly lost: Uint8Array;
}

function makePattern(seed: number): Pattern {
  let x = seed >>> 0 || 1;
  const next = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  const jitterUs = new Uint8Array(PATTERN);
  const eventSize = new Uint8Array(PATTERN);
  const lost = new Uint8Array(PATTERN);
  for (let i = 0; i < PATTERN; i++) {
    jitterUs[i] = next() & 31;
    eventSize[i] = 1 + (next() & 3);
    lost[i] = next() % 200 === 0 ? 1 : 0;
  }
  return { jitterUs, eventSize, lost };
}

/**
 * NewReno as in RFC 9002 §7 (B.5–B.8): slow start, congestion avoidance, one window reduction per
 * recovery period, persistent-congestion collapse. The baseline.
 */
class NewReno {
  cwndBytes = 10 * MSS;
  ssthreshBytes = Number.POSITIVE_INFINITY;
  recoveryStartUs = -1;
  private readonly minCwndBytes = 2 * MSS;

  canSend(bytesInFlight: number): boolean {
    return bytesInFlight < this.cwndBytes;
  }

  onAcked(sentUs: number, bytes: number): void {
    if (sentUs <= this.recoveryStartUs) return;
    if (this.cwndBytes < this.ssthreshBytes) this.cwndBytes += bytes;
    else this.cwndBytes += (MSS * bytes) / this.cwndBytes;
  }

  onLost(nowUs: number, sentUs: number): void {
    if (sentUs <= this.recoveryStartUs) return;
    this.recoveryStartUs = nowUs;
    this.ssthreshBytes = Math.max(this.cwndBytes / 2, this.minCwndBytes);
    this.cwndBytes = this.ssthreshBytes;
  }
}

/** State of one contender's sender: ring of send times, head/tail, time, bytes in flight. */
interface SenderState {
  readonly pattern: Pattern;
  readonly records: Float64Array;
  readonly sentUs: Float64Array;
  head: number;
  tail: number;
  nowUs: number;
  bytesInFlight: number;
  cursor: number;
}

function newState(pattern: Pattern): SenderState {
  return {
    pattern,
    records: new Float64Array(RING * DELIVERY_RECORD_FIELDS),
    sentUs: new Float64Array(RING),
    head: 0,
    tail: 0,
    nowUs: 0,
    bytesInFlight: 0,
    cursor: 0,
  };
}

// The two drivers differ only in the controller calls; separate functions keep call sites monomorphic.

function driveBbr(state: SenderState, cc: BbrController, steps: number): number {
  const { records, sentUs, pattern } = state;
  let settled = 0;
  while (settled < steps) {
    state.nowUs++;
    const cursor = state.cursor++ & PATTERN_MASK;
    // Acknowledge an event's worth of due packets.
    let inEvent = 0;
    const eventSize = pattern.eventSize[cursor] as number;
    while (
      state.head !== state.tail &&
      inEvent < eventSize &&
      (sentUs[state.head & RING_MASK] as number) + BASE_RTT_US + (pattern.jitterUs[cursor] as number) <= state.nowUs
    ) {
      const slot = state.head & RING_MASK;
      state.head++;
      state.bytesInFlight -= MSS;
      if (pattern.lost[(cursor + inEvent) & PATTERN_MASK] === 1) {
        cc.onLoss(state.nowUs, records, slot * DELIVERY_RECORD_FIELDS);
      } else {
        cc.onPacketAcked(state.nowUs, records, slot * DELIVERY_RECORD_FIELDS);
      }
      inEvent++;
    }
    if (inEvent > 0) cc.onAckEnd(state.nowUs, state.bytesInFlight);
    settled += inEvent;
    // Send while the window allows (the ring bounds the flight).
    while (cc.canSend(state.bytesInFlight) && state.tail - state.head < RING) {
      const slot = state.tail & RING_MASK;
      cc.onPacketSent(state.nowUs, MSS, state.bytesInFlight, records, slot * DELIVERY_RECORD_FIELDS);
      sentUs[slot] = state.nowUs;
      state.tail++;
      state.bytesInFlight += MSS;
    }
  }
  return settled;
}

function driveReno(state: SenderState, cc: NewReno, steps: number): number {
  const { sentUs, pattern } = state;
  let settled = 0;
  while (settled < steps) {
    state.nowUs++;
    const cursor = state.cursor++ & PATTERN_MASK;
    let inEvent = 0;
    const eventSize = pattern.eventSize[cursor] as number;
    while (
      state.head !== state.tail &&
      inEvent < eventSize &&
      (sentUs[state.head & RING_MASK] as number) + BASE_RTT_US + (pattern.jitterUs[cursor] as number) <= state.nowUs
    ) {
      const slot = state.head & RING_MASK;
      state.head++;
      state.bytesInFlight -= MSS;
      if (pattern.lost[(cursor + inEvent) & PATTERN_MASK] === 1) cc.onLost(state.nowUs, sentUs[slot] as number);
      else cc.onAcked(sentUs[slot] as number, MSS);
      inEvent++;
    }
    settled += inEvent;
    while (cc.canSend(state.bytesInFlight) && state.tail - state.head < RING) {
      const slot = state.tail & RING_MASK;
      sentUs[slot] = state.nowUs;
      state.tail++;
      state.bytesInFlight += MSS;
    }
  }
  return settled;
}

/** The `cc` benchmark. */
export const ccBenchmark: Benchmark = {
  name: 'cc',
  group: 'core',
  description: 'BBR controller per-ack update cost vs an RFC 9002 NewReno controller',
  run(options: BenchOptions): BenchOutcome {
    const pattern = makePattern(SEED);
    const bbr = new BbrController({ randomSeed: SEED });
    const reno = new NewReno();
    const bbrState = newState(pattern);
    const renoState = newState(pattern);
    const rates = compareRates(
      () => driveBbr(bbrState, bbr, STEPS_PER_CALL),
      () => driveReno(renoState, reno, STEPS_PER_CALL),
      rateOptions(options),
    );
    // Sanity: the BBR run reached steady state and its outputs stayed sane.
    if (!(bbr.pacingRateBytesPerSec > 0 && bbr.congestionWindowBytes >= bbr.minCwndBytes)) {
      throw new Error('cc: BBR outputs out of range after the run');
    }
    return {
      metric: 'settled packets/s (ack or loss, incl. event end and sends), events of 1-4 acks',
      unit: 'ops/s',
      value: Math.round(rates.value),
      baseline: 'RFC 9002 NewReno window arithmetic',
      baselineValue: Math.round(rates.baselineValue),
      params: {
        ringPackets: RING,
        baseRttUs: BASE_RTT_US,
        jitterUsMax: 31,
        eventSizeMax: 4,
        lossFraction: 0.005,
        mssBytes: MSS,
        stepsPerCall: STEPS_PER_CALL,
        seed: SEED,
        quick: options.quick,
      },
      details: {
        nsPerSettledPacketBbr: Number((1e9 / rates.value).toFixed(1)),
        nsPerSettledPacketNewReno: Number((1e9 / rates.baselineValue).toFixed(1)),
        bbrFinalState: bbr.state,
        bbrRoundTrips: bbr.roundTrips,
        bbrActions: Array.from(bbr.actionCounts),
      },
    };
  },
};
