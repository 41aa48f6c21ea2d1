import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BBR_DEFAULTS,
  BBR_PACING_MARGIN,
  BBR_STARTUP_PACING_GAIN,
  BbrController,
  type BbrOptions,
  CONGESTION_ACTION_COUNT,
  CongestionAction,
  type CongestionController,
  CongestionState,
  congestionActionName,
  congestionStateName,
  DELIVERY_RECORD_FIELDS,
  DeliveryRecordField,
  InvalidArgumentError,
  ProbeBwPhase,
  senderPacingRateBytesPerSec,
} from '../src/index.js';
import { runModel } from './congestion-bottleneck.js';

const MSS = BBR_DEFAULTS.mssBytes;

/**
 * A scripted path without a bottleneck: each round sends a window of packets at once and
 * acknowledges (or loses) them one RTT later in one event.
 */
class ScriptedPath {
  readonly records = new Float64Array(4096 * DELIVERY_RECORD_FIELDS);
  nowUs = 0;
  bytesInFlight = 0;
  next = 0;

  constructor(
    readonly cc: BbrController,
    readonly rttUs: number,
  ) {}

  /** One round: send `packets`, then after the RTT ack all but the `lost` first ones. */
  round(packets: number, lost = 0): void {
    const first = this.next;
    for (let i = 0; i < packets; i++) {
      const offset = ((this.next++ % 4096) * DELIVERY_RECORD_FIELDS) as number;
      this.cc.onPacketSent(this.nowUs, MSS, this.bytesInFlight, this.records, offset);
      this.bytesInFlight += MSS;
    }
    this.nowUs += this.rttUs;
    for (let i = 0; i < packets; i++) {
      const offset = (((first + i) % 4096) * DELIVERY_RECORD_FIELDS) as number;
      this.bytesInFlight -= MSS;
      if (i < lost) this.cc.onLoss(this.nowUs, this.records, offset);
      else this.cc.onPacketAcked(this.nowUs, this.records, offset);
    }
    this.cc.onAckEnd(this.nowUs, this.bytesInFlight);
  }
}

describe('BbrController basics', () => {
  it('starts in STARTUP with the documented defaults', () => {
    const cc = new BbrController();
    expect(cc.state).toBe(CongestionState.Startup);
    expect(cc.congestionWindowBytes).toBe(10 * MSS);
    expect(cc.minCwndBytes).toBe(4 * MSS);
    expect(cc.cwndMaxBytes).toBe(64 * 1024 * 1024);
    expect(cc.rateMaxBytesPerSec).toBe(12.5e9);
    expect(cc.minRttUs).toBe(100);
    // Initial rate: startup gain × initial window / initial RTT, less the pacing margin.
    expect(cc.pacingRateBytesPerSec).toBeCloseTo(
      BBR_STARTUP_PACING_GAIN * ((10 * MSS) / 100e-6) * (1 - BBR_PACING_MARGIN),
      3,
    );
    expect(cc.lastAction).toBe(CongestionAction.EnterStartup);
    expect(cc.actionSequence).toBe(1);
    expect(cc.actionCounts.length).toBe(CONGESTION_ACTION_COUNT);
    expect(cc.canSend(0)).toBe(true);
    expect(cc.canSend(10 * MSS - 1)).toBe(true);
    expect(cc.canSend(10 * MSS)).toBe(false);
    expect(cc.sendAllowanceBytes(4 * MSS)).toBe(6 * MSS);
    expect(cc.sendAllowanceBytes(20 * MSS)).toBe(0);
    expect(cc.inflightHiBytes).toBe(Number.POSITIVE_INFINITY);
    const asInterface: CongestionController = cc;
    expect(asInterface.congestionWindowBytes).toBe(cc.congestionWindowBytes);
  });

  it('rejects options outside their domain', () => {
    const bad: BbrOptions[] = [
      { mssBytes: 0 },
      { mssBytes: 1.5 },
      { minCwndBytes: 0 },
      { minCwndBytes: 10_000, cwndMaxBytes: 5_000 },
      { initialCwndBytes: 100, minCwndBytes: 1_000 },
      { rateMaxBytesPerSec: 0 },
      { rateMaxBytesPerSec: Number.POSITIVE_INFINITY },
      { rateMinBytesPerSec: 2e9, rateMaxBytesPerSec: 1e9 },
      { initialRttUs: 0 },
      { bwWindowRounds: 1 },
      { minRttWindowUs: 5 },
      { minRttWindowUs: 1_000_000, probeRttIntervalUs: 2_000_000 },
      { probeRttDurationUs: -1 },
      { lossThreshold: 1.5 },
      { ecnThreshold: Number.NaN },
      { lossEventsMin: 0 },
      { beta: 0 },
      { headroom: 0.95 },
      { queueDelayFactor: -1 },
      { cruiseRoundsMin: 0 },
      { cruiseRoundsMin: 5, cruiseRoundsMax: 4 },
      { randomSeed: -1 },
      { randomSeed: 2 ** 32 },
    ];
    for (const options of bad) {
      expect(() => new BbrController(options), JSON.stringify(options)).toThrow(InvalidArgumentError);
    }
  });

  it('derives defaults from the packet size and clamps the initial window', () => {
    const cc = new BbrController({ mssBytes: 9000 });
    expect(cc.minCwndBytes).toBe(36_000);
    expect(cc.congestionWindowBytes).toBe(90_000);
    const small = new BbrController({ cwndMaxBytes: 8 * MSS });
    expect(small.congestionWindowBytes).toBe(8 * MSS);
  });

  it('sender rate = min(controller, receiver-requested KiB/s); 0 means no receiver limit', () => {
    expect(senderPacingRateBytesPerSec(1e9, 0)).toBe(1e9);
    expect(senderPacingRateBytesPerSec(1e9, 1024)).toBe(1024 * 1024);
    expect(senderPacingRateBytesPerSec(1e6, 4_000_000)).toBe(1e6);
    expect(senderPacingRateBytesPerSec(5e9, 2 ** 32 - 1)).toBe(5e9);
  });

  it('names actions and states', () => {
    expect(congestionActionName(CongestionAction.LossBound)).toBe('loss_bound');
    expect(congestionActionName(CongestionAction.TimeoutCollapse)).toBe('timeout_collapse');
    expect(congestionActionName(99)).toBe('unknown');
    expect(congestionStateName(CongestionState.ProbeRtt)).toBe('probe_rtt');
    for (let action = 0; action < CONGESTION_ACTION_COUNT; action++) {
      expect(congestionActionName(action)).not.toBe('unknown');
    }
  });

  it('doubles delivery per round in STARTUP and leaves on a bandwidth plateau', () => {
    const cc = new BbrController();
    const path = new ScriptedPath(cc, 100);
    let packets = 10;
    let previousCwnd = cc.congestionWindowBytes;
    // The window grows by what is acknowledged: 10 → 20 → 40 packets.
    for (let round = 0; round < 3; round++) {
      path.round(packets);
      expect(cc.congestionWindowBytes).toBe(previousCwnd + packets * MSS);
      previousCwnd = cc.congestionWindowBytes;
      packets *= 2;
    }
    expect(cc.state).toBe(CongestionState.Startup);
    // The path stops delivering more: three rounds without 25 % growth end STARTUP.
    for (let round = 0; round < 4 && cc.state === CongestionState.Startup; round++) path.round(40);
    expect(cc.actionCounts[CongestionAction.ExitStartupBandwidth]).toBe(1);
    expect(cc.pipeFilled).toBe(true);
    expect(cc.state).not.toBe(CongestionState.Startup);
  });

  it('leaves STARTUP on a lossy round and remembers the in-flight level (inflightHi)', () => {
    const cc = new BbrController();
    const path = new ScriptedPath(cc, 100);
    path.round(10);
    path.round(20, 1); // one loss: below lossEventsMin
    expect(cc.state).toBe(CongestionState.Startup);
    path.round(40, 4); // 10 % of the round lost
    path.round(10); // the round with the losses ends on this ack
    expect(cc.actionCounts[CongestionAction.ExitStartupLoss]).toBe(1);
    expect(cc.pipeFilled).toBe(true);
    expect(cc.inflightHiBytes).toBeLessThan(Number.POSITIVE_INFINITY);
    expect(cc.inflightHiBytes).toBeGreaterThanOrEqual(cc.minCwndBytes);
    expect(cc.lostBytes).toBe(5 * MSS);
  });

  it('collapses the window on a timeout and counts the action', () => {
    const cc = new BbrController();
    const path = new ScriptedPath(cc, 100);
    path.round(10);
    path.round(20);
    expect(cc.congestionWindowBytes).toBeGreaterThan(cc.minCwndBytes);
    const sequence = cc.actionSequence;
    cc.onTimeout(path.nowUs);
    expect(cc.congestionWindowBytes).toBe(cc.minCwndBytes);
    expect(cc.lastAction).toBe(CongestionAction.TimeoutCollapse);
    expect(cc.actionSequence).toBe(sequence + 1);
    expect(cc.actionCounts[CongestionAction.TimeoutCollapse]).toBe(1);
    // It regrows by what is acknowledged.
    path.round(4);
    expect(cc.congestionWindowBytes).toBe(8 * MSS);
  });

  it('ignores duplicate acknowledgements and losses of settled packets', () => {
    const cc = new BbrController();
    const records = new Float64Array(2 * DELIVERY_RECORD_FIELDS);
    cc.onPacketSent(0, MSS, 0, records, 0);
    cc.onAck(100, records, 0, 0);
    const cwnd = cc.congestionWindowBytes;
    const delivered = cc.deliveredBytes;
    cc.onAck(150, records, 0, 0);
    cc.onLoss(150, records, 0);
    expect(cc.congestionWindowBytes).toBe(cwnd);
    expect(cc.deliveredBytes).toBe(delivered);
    expect(cc.lostBytes).toBe(0);
    expect(records[DeliveryRecordField.Bytes]).toBe(MSS);
  });

  it('reset returns to the state of a fresh controller, and replays identically', () => {
    const script = (cc: BbrController): number[] => {
      const path = new ScriptedPath(cc, 80);
      const out: number[] = [];
      for (let round = 0; round < 30; round++) {
        path.round(Math.min(10 * 2 ** round, 60), round % 7 === 3 ? 3 : 0);
        out.push(cc.pacingRateBytesPerSec, cc.congestionWindowBytes, cc.state, cc.actionSequence);
      }
      return out;
    };
    const fresh = new BbrController({ randomSeed: 42 });
    const reused = new BbrController({ randomSeed: 42 });
    script(reused);
    reused.onTimeout(1);
    reused.reset(0);
    expect(reused.state).toBe(CongestionState.Startup);
    expect(reused.congestionWindowBytes).toBe(fresh.congestionWindowBytes);
    expect(reused.pacingRateBytesPerSec).toBe(fresh.pacingRateBytesPerSec);
    expect(Array.from(reused.actionCounts)).toEqual(Array.from(fresh.actionCounts));
    expect(script(reused)).toEqual(script(fresh));
  });

  it('only takes transitions listed in spec/congestion.md#transitions', () => {
    // (state, phase) pairs observed after each event time in a model run with loss, a rate change
    // and frequent PROBE_RTT; several transitions may happen within one event.
    const key = (cc: BbrController): string =>
      cc.state === CongestionState.ProbeBw
        ? `probe_bw/${['down', 'cruise', 'up'][cc.probeBwPhase]}`
        : congestionStateName(cc.state);
    const allowed = new Set([
      'startup>drain',
      'startup>probe_bw/cruise', // DRAIN already done within the same event
      'drain>probe_bw/cruise',
      'probe_bw/cruise>probe_bw/up',
      'probe_bw/up>probe_bw/down',
      'probe_bw/down>probe_bw/cruise',
      'probe_bw/down>probe_bw/up', // DOWN → CRUISE → UP when the cruise is over at once
      'startup>probe_rtt',
      'drain>probe_rtt',
      'probe_bw/cruise>probe_rtt',
      'probe_bw/up>probe_rtt',
      'probe_bw/down>probe_rtt',
      'probe_rtt>probe_bw/cruise',
      'probe_rtt>startup',
    ]);
    const seen = new Set<string>();
    for (const seed of [1, 2]) {
      let last = 'startup';
      runModel({
        linkBytesPerSec: 1.25e9,
        bufferBytes: 128_000,
        oneWayDelayUs: 50,
        bucketUs: 100,
        randomLoss: 0.005,
        seed,
        rateChanges: [{ atUs: 15_000, bytesPerSec: 0.4e9 }],
        delayChanges: [{ atUs: 25_000, oneWayDelayUs: 80 }],
        flows: [{ startUs: 0, options: { randomSeed: seed, probeRttIntervalUs: 3_000, probeRttDurationUs: 300 } }],
        durationUs: 40_000,
        onTick: (_nowUs, flows) => {
          const cc = flows[0]?.cc;
          if (cc === undefined) return;
          const now = key(cc);
          if (now !== last) seen.add(`${last}>${now}`);
          last = now;
        },
      });
    }
    for (const transition of seen) expect(allowed.has(transition), transition).toBe(true);
    for (const expected of [
      'probe_bw/cruise>probe_bw/up',
      'probe_bw/up>probe_bw/down',
      'probe_bw/down>probe_bw/cruise',
    ]) {
      expect(seen.has(expected), expected).toBe(true);
    }
    expect([...seen].some((t) => t.endsWith('>probe_rtt'))).toBe(true);
    expect([...seen].some((t) => t.startsWith('probe_rtt>'))).toBe(true);
  });
});

// ------------------------------------------------------------------ properties

type Op =
  | { readonly kind: 'send'; readonly bytes: number; readonly dtUs: number }
  | { readonly kind: 'ack'; readonly count: number; readonly skip: number; readonly dtUs: number }
  | { readonly kind: 'lose'; readonly index: number; readonly dtUs: number }
  | { readonly kind: 'duplicate'; readonly index: number }
  | { readonly kind: 'ecn'; readonly bytes: number }
  | { readonly kind: 'appLimited' }
  | { readonly kind: 'timeout'; readonly dtUs: number }
  | { readonly kind: 'reset' };

const dtArb = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 300 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 12_000_000 }) },
);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({ kind: fc.constant('send' as const), bytes: fc.integer({ min: 1, max: 9000 }), dtUs: dtArb }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('ack' as const),
      count: fc.integer({ min: 1, max: 16 }),
      skip: fc.integer({ min: 0, max: 3 }),
      dtUs: dtArb,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('lose' as const), index: fc.nat(), dtUs: dtArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), index: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('ecn' as const), bytes: fc.integer({ min: 0, max: 20_000 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('appLimited' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('timeout' as const), dtUs: dtArb }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reset' as const }) },
);

const optionsArb: fc.Arbitrary<BbrOptions> = fc
  .record({
    mssBytes: fc.integer({ min: 200, max: 9000 }),
    minPackets: fc.integer({ min: 1, max: 8 }),
    maxPackets: fc.integer({ min: 8, max: 100_000 }),
    rateMin: fc.integer({ min: 1, max: 10_000_000 }),
    rateSpan: fc.double({ min: 1, max: 1e5, noNaN: true }),
    initialRttUs: fc.integer({ min: 1, max: 100_000 }),
    probeRttIntervalUs: fc.integer({ min: 1, max: 10_000_000 }),
    probeRttDurationUs: fc.integer({ min: 0, max: 50_000 }),
    lossThreshold: fc.double({ min: 0, max: 1, noNaN: true }),
    lossEventsMin: fc.integer({ min: 1, max: 5 }),
    queueDelayThresholdUs: fc.integer({ min: 0, max: 1000 }),
    randomSeed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  })
  .map((o) => ({
    mssBytes: o.mssBytes,
    minCwndBytes: o.minPackets * o.mssBytes,
    cwndMaxBytes: o.maxPackets * o.mssBytes,
    rateMinBytesPerSec: o.rateMin,
    rateMaxBytesPerSec: Math.min(o.rateMin * o.rateSpan, 2 ** 48),
    initialRttUs: o.initialRttUs,
    probeRttIntervalUs: o.probeRttIntervalUs,
    probeRttDurationUs: o.probeRttDurationUs,
    lossThreshold: o.lossThreshold,
    lossEventsMin: o.lossEventsMin,
    queueDelayThresholdUs: o.queueDelayThresholdUs,
    randomSeed: o.randomSeed,
  }));

function checkOutputs(cc: BbrController): void {
  const rate = cc.pacingRateBytesPerSec;
  const cwnd = cc.congestionWindowBytes;
  if (!(Number.isFinite(rate) && rate >= cc.rateMinBytesPerSec && rate <= cc.rateMaxBytesPerSec)) {
    throw new Error(`pacing rate ${rate} outside [${cc.rateMinBytesPerSec}, ${cc.rateMaxBytesPerSec}]`);
  }
  if (!(Number.isInteger(cwnd) && cwnd >= cc.minCwndBytes && cwnd <= cc.cwndMaxBytes)) {
    throw new Error(`cwnd ${cwnd} outside [${cc.minCwndBytes}, ${cc.cwndMaxBytes}]`);
  }
  if (!(cc.state >= 0 && cc.state <= 3 && cc.probeBwPhase >= 0 && cc.probeBwPhase <= 2)) {
    throw new Error('state out of range');
  }
  if (!(Number.isFinite(cc.minRttUs) && cc.minRttUs > 0 && Number.isFinite(cc.bdpBytes) && cc.bdpBytes >= 0)) {
    throw new Error(`model not finite: minRtt ${cc.minRttUs}, bdp ${cc.bdpBytes}`);
  }
  let total = 0;
  for (const count of cc.actionCounts) total += count;
  if (total !== cc.actionSequence) throw new Error('actionCounts do not add up to actionSequence');
  if (cc.canSend(cwnd - 1) !== true || cc.canSend(cwnd) !== false) throw new Error('canSend disagrees with cwnd');
}

describe('BbrController properties', () => {
  it('keeps pacing rate and cwnd finite, positive and within bounds over random event sequences', () => {
    fc.assert(
      fc.property(optionsArb, fc.array(opArb, { minLength: 1, maxLength: 250 }), (options, ops) => {
        const cc = new BbrController(options);
        const capacity = 64;
        const records = new Float64Array(capacity * DELIVERY_RECORD_FIELDS);
        const outstanding: number[] = []; // slots in send order
        const free: number[] = Array.from({ length: capacity }, (_, i) => i);
        const settled: number[] = [];
        let nowUs = 0;
        let bytesInFlight = 0;
        const release = (slot: number): void => {
          bytesInFlight -= records[slot * DELIVERY_RECORD_FIELDS + DeliveryRecordField.Bytes] as number;
          settled.push(slot);
          if (settled.length > 8) free.push(settled.shift() as number);
        };
        checkOutputs(cc);
        for (const op of ops) {
          switch (op.kind) {
            case 'send': {
              nowUs += op.dtUs;
              const slot = free.pop();
              if (slot === undefined) break;
              cc.onPacketSent(nowUs, op.bytes, bytesInFlight, records, slot * DELIVERY_RECORD_FIELDS);
              bytesInFlight += op.bytes;
              outstanding.push(slot);
              break;
            }
            case 'ack': {
              nowUs += op.dtUs;
              // Acks the oldest `count` outstanding packets except every (skip+1)-th (reordering).
              let acked = 0;
              for (let i = 0; i < outstanding.length && acked < op.count; ) {
                if (op.skip > 0 && i % (op.skip + 1) === op.skip) {
                  i++;
                  continue;
                }
                const slot = outstanding.splice(i, 1)[0] as number;
                cc.onPacketAcked(nowUs, records, slot * DELIVERY_RECORD_FIELDS);
                release(slot);
                acked++;
              }
              cc.onAckEnd(nowUs, bytesInFlight);
              break;
            }
            case 'lose': {
              nowUs += op.dtUs;
              if (outstanding.length === 0) break;
              const slot = outstanding.splice(op.index % outstanding.length, 1)[0] as number;
              cc.onLoss(nowUs, records, slot * DELIVERY_RECORD_FIELDS);
              release(slot);
              break;
            }
            case 'duplicate': {
              if (settled.length === 0) break;
              const slot = settled[op.index % settled.length] as number;
              cc.onPacketAcked(nowUs, records, slot * DELIVERY_RECORD_FIELDS);
              cc.onLoss(nowUs, records, slot * DELIVERY_RECORD_FIELDS);
              cc.onAckEnd(nowUs, bytesInFlight);
              break;
            }
            case 'ecn':
              cc.onEcnCe(nowUs, op.bytes);
              break;
            case 'appLimited':
              cc.onAppLimited(bytesInFlight);
              break;
            case 'timeout':
              nowUs += op.dtUs;
              cc.onTimeout(nowUs);
              break;
            case 'reset':
              cc.reset(nowUs);
              break;
          }
          checkOutputs(cc);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps outputs within bounds in a model run with extreme rate limits', () => {
    // A tiny rate cap below the link rate and a low cwnd cap: the bounds hold while acks stream in.
    const run = runModel({
      linkBytesPerSec: 1.25e9,
      bufferBytes: 64_000,
      oneWayDelayUs: 20,
      bucketUs: 100,
      randomLoss: 0.02,
      seed: 3,
      flows: [{ startUs: 0, options: { rateMaxBytesPerSec: 2e8, cwndMaxBytes: 30 * MSS, rateMinBytesPerSec: 5e7 } }],
      durationUs: 10_000,
      onTick: (_nowUs, flows) => {
        const cc = flows[0]?.cc;
        if (cc !== undefined) checkOutputs(cc);
      },
    });
    expect(run.throughput(0, 2_000, 10_000)).toBeLessThanOrEqual(2e8 * 1.05);
    expect(run.flows[0]?.cc.state).not.toBe(CongestionState.Startup);
    expect(run.flows[0]?.cc.probeBwPhase).toBeGreaterThanOrEqual(ProbeBwPhase.Down);
  });
});
