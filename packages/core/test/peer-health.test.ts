import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AssertionError,
  BackoffPolicy,
  IcmpPolicy,
  InvalidArgumentError,
  NOTIFY_IN_FLIGHT_UNLIMITED,
  PEER_HEALTH_DEFAULTS,
  PEER_HEALTH_TIME_NONE,
  PEER_STATE_NAMES,
  PeerHealthCause,
  type PeerHealthOptions,
  PeerHealthTable,
  PeerState,
  TRANSITION_NONE,
} from '../src/index.js';

const H = PeerState.Healthy;
const D = PeerState.Degraded;
const P = PeerState.Probing;
const F = PeerState.Failed;
const R = PeerState.Resetting;
const NONE = PEER_HEALTH_TIME_NONE;

// ------------------------------------------------------------------------------------------------
// Naive reference model: one plain object per peer, written from the spec tables (switch on the
// state per event), an Array ring with push/shift.
// ------------------------------------------------------------------------------------------------

interface Config {
  alpha: number;
  degradedEnter: number;
  degradedExit: number;
  probingEnter: number;
  probingExit: number;
  failedEnter: number;
  probeTimeoutsMax: number;
  failQuietMinUs: number;
  quietRttMultiplier: number;
  quietMinUs: number;
  probeIntervalMaxUs: number;
  failedHoldUs: number;
  degradedNotifyInFlightMax: number;
  handshakeAttemptsMax: number;
  handshakeBackoffBaseUs: number;
  handshakeBackoffMaxUs: number;
  icmpFails: boolean;
  transitionCapacity: number;
  initialRttUs: number;
  timeoutMinUs: number;
  timeoutMaxUs: number;
}

function tableOptions(config: Config, capacity: number): PeerHealthOptions {
  return {
    capacity,
    failureGain: config.alpha,
    degradedEnter: config.degradedEnter,
    degradedExit: config.degradedExit,
    probingEnter: config.probingEnter,
    probingExit: config.probingExit,
    failedEnter: config.failedEnter,
    probeTimeoutsMax: config.probeTimeoutsMax,
    failQuietMinUs: config.failQuietMinUs,
    quietRttMultiplier: config.quietRttMultiplier,
    quietMinUs: config.quietMinUs,
    probeIntervalMaxUs: config.probeIntervalMaxUs,
    failedHoldUs: config.failedHoldUs,
    degradedNotifyInFlightMax: config.degradedNotifyInFlightMax,
    handshakeAttemptsMax: config.handshakeAttemptsMax,
    handshakeBackoffBaseUs: config.handshakeBackoffBaseUs,
    handshakeBackoffMaxUs: config.handshakeBackoffMaxUs,
    icmpPolicy: config.icmpFails ? IcmpPolicy.Fail : IcmpPolicy.Probe,
    transitionCapacity: config.transitionCapacity,
    initialRttUs: config.initialRttUs,
    backoff: new BackoffPolicy({ phaseTimeoutMinUs: config.timeoutMinUs, phaseTimeoutMaxUs: config.timeoutMaxUs }),
  };
}

const DEFAULT_CONFIG: Config = {
  alpha: 0.125,
  degradedEnter: 0.25,
  degradedExit: 0.1,
  probingEnter: 0.5,
  probingExit: 0.25,
  failedEnter: 0.9,
  probeTimeoutsMax: 6,
  failQuietMinUs: 500_000,
  quietRttMultiplier: 4,
  quietMinUs: 2000,
  probeIntervalMaxUs: 250_000,
  failedHoldUs: 1_000_000,
  degradedNotifyInFlightMax: 8,
  handshakeAttemptsMax: 8,
  handshakeBackoffBaseUs: 100_000,
  handshakeBackoffMaxUs: 30_000_000,
  icmpFails: false,
  transitionCapacity: 256,
  initialRttUs: 1000,
  timeoutMinUs: 300,
  timeoutMaxUs: 1_000_000,
};

interface ModelPeer {
  state: PeerState;
  f: number;
  heardUs: number;
  workSinceUs: number;
  work: number;
  srttUs: number;
  probeDeadlineUs: number | null;
  probeK: number;
  unanswered: number;
  keepaliveJ: number;
  failedAtUs: number;
  handshakes: number;
  handshakeAtUs: number | null;
  epoch: number;
}

interface ModelTransition {
  peer: number;
  from: PeerState;
  to: PeerState;
  cause: number;
  atUs: number;
  f: number;
}

class Model {
  readonly peers: ModelPeer[] = [];
  readonly ring: ModelTransition[] = [];
  dropped = 0;

  constructor(
    readonly config: Config,
    capacity: number,
  ) {
    for (let i = 0; i < capacity; i++) {
      this.peers.push({
        state: H,
        f: 0,
        heardUs: 0,
        workSinceUs: 0,
        work: 0,
        srttUs: config.initialRttUs,
        probeDeadlineUs: null,
        probeK: 0,
        unanswered: 0,
        keepaliveJ: 0,
        failedAtUs: -1,
        handshakes: 0,
        handshakeAtUs: null,
        epoch: 0,
      });
    }
  }

  private peer(i: number): ModelPeer {
    const p = this.peers[i];
    if (p === undefined) throw new Error('model: no such peer');
    return p;
  }

  private move(i: number, to: PeerState, cause: number, nowUs: number): void {
    const p = this.peer(i);
    if (p.state === to) return;
    const from = p.state;
    p.state = to;
    if (to === F || to === R) p.probeDeadlineUs = null;
    if (to === F) p.failedAtUs = nowUs;
    this.ring.push({ peer: i, from, to, cause, atUs: nowUs, f: p.f });
    if (this.ring.length > this.config.transitionCapacity) {
      this.ring.shift();
      this.dropped++;
    }
  }

  quietUs(i: number): number {
    return Math.max(this.config.quietRttMultiplier * this.peer(i).srttUs, this.config.quietMinUs);
  }

  private probeTimeoutUs(i: number): number {
    const p = this.peer(i);
    const base = Math.max(3 * p.srttUs, this.config.timeoutMinUs);
    return Math.min(base * 2 ** p.probeK, this.config.timeoutMaxUs);
  }

  private failSample(p: ModelPeer): number {
    return p.f + this.config.alpha * (1 - p.f);
  }

  private successSample(p: ModelPeer): number {
    return p.f - this.config.alpha * p.f;
  }

  private evidenceToFail(p: ModelPeer): boolean {
    return p.unanswered >= this.config.probeTimeoutsMax || p.f >= this.config.failedEnter;
  }

  private failureRules(i: number, nowUs: number, probeUnanswered: boolean, cause: number): void {
    const p = this.peer(i);
    const canFail = p.work > 0 && this.evidenceToFail(p) && nowUs - p.heardUs >= this.config.failQuietMinUs;
    switch (p.state) {
      case F:
      case R:
        return;
      case P:
        if (canFail) this.move(i, F, cause, nowUs);
        return;
      case H:
      case D:
        if (canFail) this.move(i, F, cause, nowUs);
        else if (p.work > 0 && (probeUnanswered || p.f >= this.config.probingEnter)) this.move(i, P, cause, nowUs);
        else if (p.state === H && p.f >= this.config.degradedEnter) this.move(i, D, cause, nowUs);
        return;
    }
  }

  packet(i: number, nowUs: number): void {
    const p = this.peer(i);
    p.epoch++;
    p.heardUs = Math.max(p.heardUs, nowUs);
    p.probeK = 0;
    p.unanswered = 0;
    p.probeDeadlineUs = null;
    if (p.state === P) {
      p.f = Math.min(this.successSample(p), this.config.probingExit);
      this.move(i, p.f < this.config.degradedExit ? H : D, PeerHealthCause.PacketReceived, nowUs);
    } else if (p.state === F) {
      p.f = this.config.degradedEnter;
      this.move(i, D, PeerHealthCause.PacketReceived, nowUs);
    }
  }

  private success(i: number, nowUs: number): void {
    const p = this.peer(i);
    p.f = this.successSample(p);
    if (p.state === D && p.f < this.config.degradedExit) this.move(i, H, PeerHealthCause.Success, nowUs);
  }

  onSuccess(i: number, nowUs: number): void {
    if (this.peer(i).state === R) return;
    this.peer(i).keepaliveJ = 0;
    this.success(i, nowUs);
  }

  probeResponse(i: number, nowUs: number): void {
    this.packet(i, nowUs);
    if (this.peer(i).state === R) return;
    this.success(i, nowUs);
  }

  timeout(i: number, nowUs: number): void {
    const p = this.peer(i);
    if (p.state === R) return;
    p.f = this.failSample(p);
    this.failureRules(i, nowUs, false, PeerHealthCause.PhaseTimeout);
  }

  icmp(i: number, nowUs: number): void {
    const p = this.peer(i);
    if (p.state === F || p.state === R) return;
    p.f = this.failSample(p);
    p.unanswered++;
    if (this.config.icmpFails && p.work > 0) {
      this.move(i, F, PeerHealthCause.IcmpUnreachable, nowUs);
      return;
    }
    if (p.state !== P) p.f = Math.max(p.f, this.config.probingEnter);
    this.failureRules(i, nowUs, true, PeerHealthCause.IcmpUnreachable);
  }

  probeSent(i: number, nowUs: number): void {
    const p = this.peer(i);
    if (p.state === R) return;
    if (p.state === H || p.state === D) p.keepaliveJ = Math.min(p.keepaliveJ + 1, 31);
    if (p.state === F && p.work > 0) {
      p.probeK = 0;
      p.unanswered = 0;
      p.f = Math.min(p.f, this.config.probingEnter);
      this.move(i, P, PeerHealthCause.ProbeSent, nowUs);
    }
    p.probeDeadlineUs = nowUs + this.probeTimeoutUs(i);
  }

  handleTimeout(i: number, nowUs: number): void {
    const p = this.peer(i);
    if (p.state === R) return;
    if (p.probeDeadlineUs !== null && nowUs >= p.probeDeadlineUs) {
      p.probeDeadlineUs = null;
      p.probeK = Math.min(p.probeK + 1, 31);
      p.unanswered++;
      p.f = this.failSample(p);
      this.failureRules(i, nowUs, true, PeerHealthCause.ProbeTimeout);
    } else if (
      p.state === P &&
      p.work > 0 &&
      this.evidenceToFail(p) &&
      nowUs - p.heardUs >= this.config.failQuietMinUs
    ) {
      this.move(i, F, PeerHealthCause.QuietElapsed, nowUs);
    }
  }

  setWork(i: number, count: number, nowUs: number): void {
    const p = this.peer(i);
    const before = p.work;
    p.work = count;
    if (before === 0 && count > 0) {
      p.keepaliveJ = 0;
      if (p.state === H || p.state === D) p.workSinceUs = nowUs;
    }
    if (before > 0 && count === 0 && p.state === P) this.move(i, D, PeerHealthCause.WorkDrained, nowUs);
  }

  setRtt(i: number, rttUs: number): void {
    this.peer(i).srttUs = rttUs;
  }

  reset(i: number, nowUs: number): void {
    const p = this.peer(i);
    Object.assign(p, {
      f: 0,
      heardUs: nowUs,
      workSinceUs: nowUs,
      srttUs: this.config.initialRttUs,
      probeDeadlineUs: null,
      probeK: 0,
      unanswered: 0,
      keepaliveJ: 0,
      failedAtUs: -1,
      handshakes: 0,
      handshakeAtUs: null,
      epoch: p.epoch + 1,
    });
    this.move(i, H, PeerHealthCause.Reset, nowUs);
  }

  resetStarted(i: number, nowUs: number): void {
    const p = this.peer(i);
    if (p.state === R) return;
    p.handshakes = 0;
    p.handshakeAtUs = nowUs;
    this.move(i, R, PeerHealthCause.ResetStarted, nowUs);
  }

  handshakeFailed(i: number, nowUs: number): boolean {
    const p = this.peer(i);
    if (p.state !== R) return false;
    p.handshakes++;
    if (p.handshakes >= this.config.handshakeAttemptsMax) {
      p.handshakeAtUs = null;
      this.move(i, F, PeerHealthCause.HandshakeFailed, nowUs);
      return false;
    }
    p.handshakeAtUs =
      nowUs +
      Math.min(
        this.config.handshakeBackoffBaseUs * 2 ** Math.min(p.handshakes - 1, 31),
        this.config.handshakeBackoffMaxUs,
      );
    return true;
  }

  private dueUs(i: number): number {
    const p = this.peer(i);
    const quiet = this.quietUs(i);
    if (p.state === F) return Math.max(p.heardUs + quiet, p.failedAtUs + this.config.failedHoldUs);
    const since = Math.max(p.heardUs, p.workSinceUs);
    if (p.state === P) return since + quiet;
    return since + Math.min(quiet * 2 ** p.keepaliveJ, Math.max(quiet, this.config.probeIntervalMaxUs));
  }

  shouldProbe(i: number, nowUs: number): boolean {
    const p = this.peer(i);
    return p.work > 0 && p.probeDeadlineUs === null && p.state !== R && nowUs >= this.dueUs(i);
  }

  nextProbeAtUs(i: number): number {
    const p = this.peer(i);
    if (p.state === R) return NONE;
    let at = p.probeDeadlineUs ?? (p.work > 0 ? this.dueUs(i) : NONE);
    if (p.state === P && this.evidenceToFail(p)) {
      const quietAt = p.heardUs + this.config.failQuietMinUs;
      at = at === NONE ? quietAt : Math.min(at, quietAt);
    }
    return at;
  }

  notifyLimit(i: number): number {
    const s = this.peer(i).state;
    return s === H ? NOTIFY_IN_FLIGHT_UNLIMITED : s === D ? this.config.degradedNotifyInFlightMax : 0;
  }

  rejects(i: number, nowUs: number): boolean {
    const p = this.peer(i);
    return p.state === F && nowUs < p.failedAtUs + this.config.failedHoldUs;
  }
}

// ------------------------------------------------------------------------------------------------
// Random configurations and operations
// ------------------------------------------------------------------------------------------------

const configArbitrary: fc.Arbitrary<Config> = fc
  .record({
    alpha: fc.constantFrom(0.125, 0.25, 0.5, 1, 1 / 16),
    // Distinct sorted cut points: degradedExit < degradedEnter < probingEnter < failedEnter.
    cuts: fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { minLength: 4, maxLength: 4 }),
    probingExitPick: fc.double({ min: 0, max: 0.999, noNaN: true }),
    probeTimeoutsMax: fc.integer({ min: 1, max: 4 }),
    failQuietMinUs: fc.constantFrom(0, 1000, 20_000, 500_000),
    quietRttMultiplier: fc.integer({ min: 1, max: 5 }),
    quietMinUs: fc.constantFrom(1, 500, 2000),
    probeIntervalMaxUs: fc.constantFrom(1, 3000, 250_000),
    failedHoldUs: fc.constantFrom(0, 5000, 1_000_000),
    handshakeAttemptsMax: fc.integer({ min: 1, max: 4 }),
    icmpFails: fc.boolean(),
    transitionCapacity: fc.constantFrom(1, 4, 256),
    initialRttUs: fc.constantFrom(0, 100, 1000),
    timeoutMinUs: fc.constantFrom(1, 300),
    timeoutMaxUs: fc.constantFrom(5000, 1_000_000),
  })
  .map((r) => {
    const [exit, enter, probing, failed] = [...r.cuts].sort((a, b) => a - b).map((c) => c / 100) as [
      number,
      number,
      number,
      number,
    ];
    return {
      ...DEFAULT_CONFIG,
      alpha: r.alpha,
      degradedExit: exit,
      degradedEnter: enter,
      probingEnter: probing,
      failedEnter: failed,
      probingExit: exit + r.probingExitPick * (probing - exit),
      probeTimeoutsMax: r.probeTimeoutsMax,
      failQuietMinUs: r.failQuietMinUs,
      quietRttMultiplier: r.quietRttMultiplier,
      quietMinUs: r.quietMinUs,
      probeIntervalMaxUs: r.probeIntervalMaxUs,
      failedHoldUs: r.failedHoldUs,
      handshakeAttemptsMax: r.handshakeAttemptsMax,
      icmpFails: r.icmpFails,
      transitionCapacity: r.transitionCapacity,
      initialRttUs: r.initialRttUs,
      timeoutMinUs: r.timeoutMinUs,
      timeoutMaxUs: r.timeoutMaxUs,
    };
  });

type Op =
  | { kind: 'packet' | 'success' | 'timeout' | 'icmp' | 'probeResponse' | 'probeSent' | 'handleTimeout'; peer: number }
  | { kind: 'work'; peer: number; count: number }
  | { kind: 'addWork'; peer: number; delta: number }
  | { kind: 'rtt'; peer: number; rttUs: number }
  | { kind: 'reset' | 'resetStarted' | 'handshakeFailed'; peer: number }
  | { kind: 'advance'; us: number }
  | { kind: 'step'; peer: number; repeat: number }
  | { kind: 'poll' };

const PEERS = 3;
const peerArbitrary = fc.integer({ min: 0, max: PEERS - 1 });

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('packet' as const), peer: peerArbitrary }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('success' as const), peer: peerArbitrary }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('timeout' as const), peer: peerArbitrary }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('icmp' as const), peer: peerArbitrary }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('probeResponse' as const), peer: peerArbitrary }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('probeSent' as const), peer: peerArbitrary }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('handleTimeout' as const), peer: peerArbitrary }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('work' as const),
      peer: peerArbitrary,
      count: fc.constantFrom(0, 1, 2, 7),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('addWork' as const), peer: peerArbitrary, delta: fc.constantFrom(-1, 1) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('rtt' as const),
      peer: peerArbitrary,
      rttUs: fc.integer({ min: 0, max: 3000 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reset' as const), peer: peerArbitrary }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('resetStarted' as const), peer: peerArbitrary }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('handshakeFailed' as const), peer: peerArbitrary }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      us: fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 600_000 })),
    }),
  },
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant('step' as const),
      peer: peerArbitrary,
      repeat: fc.constantFrom(1, 1, 2, 4),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('poll' as const) }) },
);

/**
 * Every observable of every peer at time `nowUs`, from the table and from the model, as flat lists
 * (compared with one cheap check per op; `expect` only formats a difference). `epochs` holds the
 * table's and the model's epochs after the previous op, so an epoch change is checked op by op.
 */
function observe(table: PeerHealthTable, model: Model, nowUs: number, epochs: number[][]): [unknown[], unknown[]] {
  const actual: unknown[] = [];
  const expected: unknown[] = [];
  for (let i = 0; i < PEERS; i++) {
    const m = model.peers[i] as ModelPeer;
    const [tableEpoch, modelEpoch] = epochs[i] as [number, number];
    actual.push(
      `peer ${i}`,
      PEER_STATE_NAMES[table.stateOf(i)],
      table.failureEwmaOf(i),
      table.outstandingWorkOf(i),
      table.lastHeardUsOf(i),
      table.probeOutstanding(i),
      table.probesUnansweredOf(i),
      table.shouldProbe(i, nowUs),
      table.nextProbeAtUs(i),
      table.nextHandshakeAtUs(i),
      table.notifyInFlightLimitOf(i),
      table.timeoutExponentStartOf(i),
      table.phaseTimersSuspended(i),
      table.rejectsSubmissions(i, nowUs),
      table.backoffEpochs.heardSince(i, tableEpoch),
    );
    expected.push(
      `peer ${i}`,
      PEER_STATE_NAMES[m.state],
      m.f,
      m.work,
      m.heardUs,
      m.probeDeadlineUs !== null,
      m.unanswered,
      model.shouldProbe(i, nowUs),
      model.nextProbeAtUs(i),
      m.state === R ? m.handshakeAtUs : NONE,
      model.notifyLimit(i),
      m.state === D ? 1 : 0,
      m.state === P || m.state === R,
      model.rejects(i, nowUs),
      m.epoch !== modelEpoch,
    );
    epochs[i] = [table.backoffEpochs.epochOf(i), m.epoch];
    // Invariant: PROBING only with work outstanding.
    if (m.state === P && m.work === 0) expected.push('PROBING without work');
  }
  actual.push(table.transitionsPending, table.transitionsDroppedTotal);
  expected.push(model.ring.length, model.dropped);
  return [actual, expected];
}

function expectSame(table: PeerHealthTable, model: Model, nowUs: number, epochs: number[][]): void {
  const [actual, expected] = observe(table, model, nowUs, epochs);
  let same = actual.length === expected.length;
  for (let k = 0; same && k < actual.length; k++) same = Object.is(actual[k], expected[k]);
  if (!same) expect(actual, `at ${nowUs} µs`).toEqual(expected);
}

function pollAndCompare(table: PeerHealthTable, model: Model): void {
  const expected = model.ring.shift();
  const peer = table.pollTransition();
  if (expected === undefined) {
    expect(peer).toBe(TRANSITION_NONE);
    return;
  }
  expect(peer).toBe(expected.peer);
  expect([
    PEER_STATE_NAMES[table.lastFrom],
    PEER_STATE_NAMES[table.lastTo],
    table.lastCause,
    table.lastAtUs,
    table.lastFailureEwma,
  ]).toEqual([
    PEER_STATE_NAMES[expected.from],
    PEER_STATE_NAMES[expected.to],
    expected.cause,
    expected.atUs,
    expected.f,
  ]);
}

describe('PeerHealthTable vs the naive model', () => {
  it('matches the model over random event sequences (state, probe decisions, timers, transitions ring)', () => {
    fc.assert(
      fc.property(
        configArbitrary,
        fc.array(opArbitrary, { minLength: 1, maxLength: 250, size: 'max' }),
        (config, ops) => {
          const table = new PeerHealthTable(tableOptions(config, PEERS));
          const model = new Model(config, PEERS);
          // [table epoch, model epoch] per peer after the previous op.
          const epochs = [0, 1, 2].map((i) => [table.backoffEpochs.epochOf(i), (model.peers[i] as ModelPeer).epoch]);
          // Independent bookkeeping for the probe properties.
          const lastPacketUs = [0, 0, 0];
          let nowUs = 1000;
          for (let i = 0; i < PEERS; i++) {
            table.reset(i, nowUs);
            model.reset(i, nowUs);
            lastPacketUs[i] = nowUs;
          }
          for (const op of ops) {
            switch (op.kind) {
              case 'packet':
                table.onPacketReceived(op.peer, nowUs);
                model.packet(op.peer, nowUs);
                lastPacketUs[op.peer] = nowUs;
                break;
              case 'success':
                table.onSuccess(op.peer, nowUs);
                model.onSuccess(op.peer, nowUs);
                break;
              case 'timeout':
                table.onTimeout(op.peer, nowUs);
                model.timeout(op.peer, nowUs);
                break;
              case 'icmp':
                table.onIcmpUnreachable(op.peer, nowUs);
                model.icmp(op.peer, nowUs);
                break;
              case 'probeResponse':
                table.onProbeResponse(op.peer, nowUs);
                model.probeResponse(op.peer, nowUs);
                lastPacketUs[op.peer] = nowUs;
                break;
              case 'probeSent':
                table.onProbeSent(op.peer, nowUs);
                model.probeSent(op.peer, nowUs);
                break;
              case 'handleTimeout':
                table.handleTimeout(op.peer, nowUs);
                model.handleTimeout(op.peer, nowUs);
                break;
              case 'work':
                table.setOutstandingWork(op.peer, op.count, nowUs);
                model.setWork(op.peer, op.count, nowUs);
                break;
              case 'addWork': {
                const delta = table.outstandingWorkOf(op.peer) + op.delta < 0 ? 1 : op.delta;
                table.addOutstandingWork(op.peer, delta, nowUs);
                model.setWork(op.peer, (model.peers[op.peer] as ModelPeer).work + delta, nowUs);
                break;
              }
              case 'rtt':
                table.setSmoothedRttUs(op.peer, op.rttUs);
                model.setRtt(op.peer, op.rttUs);
                break;
              case 'reset':
                table.reset(op.peer, nowUs);
                model.reset(op.peer, nowUs);
                lastPacketUs[op.peer] = nowUs;
                break;
              case 'resetStarted':
                table.onResetStarted(op.peer, nowUs);
                model.resetStarted(op.peer, nowUs);
                break;
              case 'handshakeFailed':
                expect(table.onHandshakeFailed(op.peer, nowUs)).toBe(model.handshakeFailed(op.peer, nowUs));
                break;
              case 'advance':
                nowUs += op.us;
                break;
              case 'step':
                for (let r = 0; r < op.repeat; r++) {
                  // The engine's timer: jump to the peer's next deadline (if any), handle it, probe if due.
                  const atUs = table.nextProbeAtUs(op.peer);
                  if (atUs !== NONE && atUs > nowUs) nowUs = atUs;
                  table.handleTimeout(op.peer, nowUs);
                  model.handleTimeout(op.peer, nowUs);
                  if (table.shouldProbe(op.peer, nowUs)) {
                    // Property: a probe only with work outstanding, none outstanding, and the peer quiet.
                    expect(table.outstandingWorkOf(op.peer)).toBeGreaterThan(0);
                    expect(table.probeOutstanding(op.peer)).toBe(false);
                    expect(nowUs - (lastPacketUs[op.peer] as number)).toBeGreaterThanOrEqual(
                      Math.max(config.quietRttMultiplier * table.smoothedRttUsOf(op.peer), config.quietMinUs),
                    );
                    table.onProbeSent(op.peer, nowUs);
                    model.probeSent(op.peer, nowUs);
                  }
                  // Engine contract: after handle + probe, the next deadline is in the future (no busy loop).
                  if (table.stateOf(op.peer) !== R) {
                    const nextUs = table.nextProbeAtUs(op.peer);
                    expect(nextUs === NONE || nextUs > nowUs).toBe(true);
                  }
                  expectSame(table, model, nowUs, epochs);
                }
                break;
              case 'poll':
                pollAndCompare(table, model);
                break;
            }
            expectSame(table, model, nowUs, epochs);
            for (let i = 0; i < PEERS; i++) {
              // Property: never a probe to an idle peer, never to a peer heard within the quiet threshold.
              if (table.shouldProbe(i, nowUs)) {
                expect(table.outstandingWorkOf(i)).toBeGreaterThan(0);
                expect(nowUs - (lastPacketUs[i] as number)).toBeGreaterThanOrEqual(model.quietUs(i));
              }
            }
          }
          while (model.ring.length > 0 || table.transitionsPending > 0) pollAndCompare(table, model);
          expect(table.pollTransition()).toBe(TRANSITION_NONE);
        },
      ),
      { numRuns: process.env.DCQ_LONG_TESTS ? 20_000 : 1500 },
    );
  });
});

// ------------------------------------------------------------------------------------------------
// Properties and edge cases
// ------------------------------------------------------------------------------------------------

/** Runs the engine's timer loop for a peer that never answers, until FAILED or `stepsMax` steps. */
function runSilentPeer(
  table: PeerHealthTable,
  peer: number,
  startUs: number,
  stepsMax: number,
): { nowUs: number; probes: { sentUs: number; deadlineUs: number }[]; states: PeerState[] } {
  let nowUs = startUs;
  const probes: { sentUs: number; deadlineUs: number }[] = [];
  const states: PeerState[] = [];
  for (let step = 0; step < stepsMax && table.stateOf(peer) !== F; step++) {
    const atUs = table.nextProbeAtUs(peer);
    expect(atUs).not.toBe(NONE);
    nowUs = Math.max(nowUs, atUs);
    table.handleTimeout(peer, nowUs);
    if (table.shouldProbe(peer, nowUs)) {
      table.onProbeSent(peer, nowUs);
      probes.push({ sentUs: nowUs, deadlineUs: table.nextProbeAtUs(peer) });
    }
    states.push(table.stateOf(peer));
  }
  return { nowUs, probes, states };
}

describe('PeerHealthTable probing', () => {
  it('declares FAILED after exactly probeTimeoutsMax unanswered probes, with exact probe timing', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 2000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (probeTimeoutsMax, srttUs, startUs) => {
          const table = new PeerHealthTable({ capacity: 2, probeTimeoutsMax, failQuietMinUs: 0 });
          table.reset(1, startUs);
          table.setSmoothedRttUs(1, srttUs);
          table.setOutstandingWork(1, 3, startUs);
          const quietUs = Math.max(4 * srttUs, 2000);
          const { probes, states, nowUs } = runSilentPeer(table, 1, startUs, 100);
          expect(table.stateOf(1)).toBe(F);
          expect(probes.length).toBe(probeTimeoutsMax);
          expect(table.probesUnansweredOf(1)).toBe(probeTimeoutsMax);
          // First probe when the peer became quiet; each next one when the previous timed out.
          let expectedSentUs = startUs + quietUs;
          probes.forEach((probe, k) => {
            expect(probe.sentUs).toBe(expectedSentUs);
            const timeoutUs = Math.min(Math.max(3 * srttUs, 300) * 2 ** k, 1_000_000);
            expect(probe.deadlineUs).toBe(expectedSentUs + timeoutUs);
            expectedSentUs += timeoutUs;
          });
          expect(nowUs).toBe(expectedSentUs); // FAILED at the last probe's deadline
          // HEALTHY until the first probe went unanswered, then PROBING, then FAILED.
          expect(states.at(-1)).toBe(F);
          expect(states.filter((s) => s === F)).toHaveLength(1);
          expect(table.rejectsSubmissions(1, nowUs)).toBe(true);
          expect(table.rejectsSubmissions(1, nowUs + 1_000_000)).toBe(false);
          expect(table.stateOf(0)).toBe(H); // the other slot is untouched
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never declares FAILED before failQuietMinUs of silence (a GC pause is not a failure)', () => {
    const table = new PeerHealthTable({ capacity: 1 }); // defaults: 6 probes, 500 ms quiet minimum
    table.reset(0, 0);
    table.setSmoothedRttUs(0, 100);
    table.setOutstandingWork(0, 1, 0);
    let nowUs = 0;
    let probesSent = 0;
    while (table.stateOf(0) !== F) {
      nowUs = table.nextProbeAtUs(0);
      table.handleTimeout(0, nowUs);
      if (table.shouldProbe(0, nowUs)) {
        table.onProbeSent(0, nowUs);
        probesSent++;
      }
      if (table.stateOf(0) !== F) expect(nowUs).toBeLessThan(500_000);
    }
    // 6 probes time out by 2 ms + 300 × (2^6 − 1) µs = 20.9 ms; then probing continues until 500 ms.
    expect(nowUs).toBe(500_000);
    expect(table.probesUnansweredOf(0)).toBeGreaterThanOrEqual(6);
    expect(probesSent).toBeGreaterThan(6);
    expect(table.pollTransition()).toBe(0);
    expect([table.lastFrom, table.lastTo, table.lastCause]).toEqual([H, P, PeerHealthCause.ProbeTimeout]);
    expect(table.pollTransition()).toBe(0);
    expect(table.lastTo).toBe(F);

    // The same silence, but the peer answers at 400 ms: back to HEALTHY, never FAILED.
    const paused = new PeerHealthTable({ capacity: 1 });
    paused.reset(0, 0);
    paused.setSmoothedRttUs(0, 100);
    paused.setOutstandingWork(0, 1, 0);
    while (paused.nextProbeAtUs(0) < 400_000) {
      nowUs = paused.nextProbeAtUs(0);
      paused.handleTimeout(0, nowUs);
      if (paused.shouldProbe(0, nowUs)) paused.onProbeSent(0, nowUs);
      expect(paused.stateOf(0)).not.toBe(F);
    }
    expect(paused.stateOf(0)).toBe(P);
    expect(paused.probesUnansweredOf(0)).toBeGreaterThanOrEqual(6);
    paused.onProbeResponse(0, 400_000);
    // Datagram: success sample + clamp to probingExit (0.25) → DEGRADED; the response sample: 0.21875.
    expect(paused.stateOf(0)).toBe(D);
    expect(paused.failureEwmaOf(0)).toBe(0.25 * 0.875);
    expect(paused.probeOutstanding(0)).toBe(false);
    expect(paused.probesUnansweredOf(0)).toBe(0);
  });

  it('does not probe an idle peer, nor one heard within the quiet threshold', () => {
    const table = new PeerHealthTable({ capacity: 1 });
    table.reset(0, 0);
    expect(table.nextProbeAtUs(0)).toBe(NONE);
    expect(table.shouldProbe(0, 10_000_000)).toBe(false); // no work: never
    table.setOutstandingWork(0, 1, 5_000_000);
    // Work started at 5 s: the quiet clock starts then (not at the last packet, long ago).
    expect(table.shouldProbe(0, 5_000_000 + 3999)).toBe(false); // quiet = max(4 × 1 ms, 2 ms) = 4 ms
    expect(table.nextProbeAtUs(0)).toBe(5_004_000);
    table.onPacketReceived(0, 5_003_000);
    expect(table.nextProbeAtUs(0)).toBe(5_007_000);
    expect(table.shouldProbe(0, 5_006_999)).toBe(false);
    expect(table.shouldProbe(0, 5_007_000)).toBe(true);
    table.onProbeSent(0, 5_007_000);
    expect(table.shouldProbe(0, 6_000_000)).toBe(false); // one outstanding at a time
    expect(table.nextProbeAtUs(0)).toBe(5_007_000 + 3000); // probe timeout(0) = 3 × 1 ms
    table.setOutstandingWork(0, 0, 5_008_000);
    table.onPacketReceived(0, 5_008_000); // answered
    expect(table.nextProbeAtUs(0)).toBe(NONE);
    expect(table.shouldProbe(0, 9_000_000)).toBe(false);
  });

  it('spaces keepalive probes of an idle-but-alive peer exponentially, up to probeIntervalMaxUs, without transitions', () => {
    const table = new PeerHealthTable({ capacity: 1, quietMinUs: 2000, probeIntervalMaxUs: 40_000 });
    table.reset(0, 0);
    table.setSmoothedRttUs(0, 100); // quiet = max(400, 2000) = 2 ms
    table.setOutstandingWork(0, 1, 0); // e.g. a transfer HELD by the receiver
    const gapsUs: number[] = [];
    let heardUs = 0;
    for (let i = 0; i < 8; i++) {
      const atUs = table.nextProbeAtUs(0);
      table.handleTimeout(0, atUs);
      expect(table.shouldProbe(0, atUs)).toBe(true);
      table.onProbeSent(0, atUs);
      gapsUs.push(atUs - heardUs);
      heardUs = atUs + 100;
      table.onProbeResponse(0, heardUs);
    }
    expect(gapsUs).toEqual([2000, 4000, 8000, 16_000, 32_000, 40_000, 40_000, 40_000]);
    expect(table.stateOf(0)).toBe(H);
    expect(table.transitionsPending).toBe(0);
    // Progress restarts the interval.
    table.onSuccess(0, heardUs);
    expect(table.nextProbeAtUs(0)).toBe(heardUs + 2000);
  });

  it('restarts the probe backoff on any packet', () => {
    const table = new PeerHealthTable({ capacity: 1 });
    table.reset(0, 0);
    table.setSmoothedRttUs(0, 100);
    table.setOutstandingWork(0, 1, 0);
    runSilentPeer(table, 0, 0, 3); // probes at 2000 (timeout 300) and 2300 (timeout 600), third at 2900
    expect(table.probesUnansweredOf(0)).toBe(2);
    expect(table.nextProbeAtUs(0)).toBe(2900 + 1200);
    table.onPacketReceived(0, 3000); // not the probe's answer, but the peer is alive
    expect(table.stateOf(0)).toBe(D); // f = (1 − 0.875²) × 0.875 = 0.205: not below degradedExit
    expect(table.probeOutstanding(0)).toBe(false);
    expect(table.probesUnansweredOf(0)).toBe(0);
    const nextUs = table.nextProbeAtUs(0);
    expect(nextUs).toBe(3000 + 2000 * 2); // keepalive interval doubled once (one keepalive probe)
    table.onProbeSent(0, nextUs);
    expect(table.nextProbeAtUs(0)).toBe(nextUs + 300); // timeout(0) again
  });

  it('never lets time going backwards make a peer look quieter', () => {
    const table = new PeerHealthTable({ capacity: 1 });
    table.reset(0, 0);
    table.setOutstandingWork(0, 1, 0);
    table.onPacketReceived(0, 10_000);
    table.onPacketReceived(0, 5000); // a stale clock reading
    expect(table.lastHeardUsOf(0)).toBe(10_000);
    expect(table.nextProbeAtUs(0)).toBe(14_000);
    expect(table.shouldProbe(0, 9000)).toBe(false);
  });

  it('re-probes a FAILED peer only after failedHoldUs and with work outstanding, then PROBING', () => {
    const table = new PeerHealthTable({ capacity: 1, failQuietMinUs: 0, probeTimeoutsMax: 2, failedHoldUs: 100_000 });
    table.reset(0, 0);
    table.setSmoothedRttUs(0, 100);
    table.setOutstandingWork(0, 1, 0);
    const { nowUs: failedAtUs } = runSilentPeer(table, 0, 0, 50);
    expect(table.stateOf(0)).toBe(F);
    expect(failedAtUs).toBe(2000 + 300 + 600);
    table.setOutstandingWork(0, 0, failedAtUs); // the engine failed the peer's transfers
    expect(table.nextProbeAtUs(0)).toBe(NONE);
    expect(table.rejectsSubmissions(0, failedAtUs + 99_999)).toBe(true);
    expect(table.rejectsSubmissions(0, failedAtUs + 100_000)).toBe(false);
    // A submission after the hold is queued (work) and triggers a probe at once.
    table.setOutstandingWork(0, 1, failedAtUs + 150_000);
    expect(table.nextProbeAtUs(0)).toBe(failedAtUs + 100_000);
    expect(table.shouldProbe(0, failedAtUs + 150_000)).toBe(true);
    table.onProbeSent(0, failedAtUs + 150_000);
    expect(table.stateOf(0)).toBe(P);
    expect(table.probesUnansweredOf(0)).toBe(0);
    expect(table.nextProbeAtUs(0)).toBe(failedAtUs + 150_000 + 300); // k restarted at 0
    // The peer answers: DEGRADED (f was high), never straight to HEALTHY.
    table.onPacketReceived(0, failedAtUs + 150_100);
    expect(table.stateOf(0)).toBe(D);
  });

  it('goes back to DEGRADED when work drains while PROBING, and never probes the idle peer', () => {
    const table = new PeerHealthTable({ capacity: 1 });
    table.reset(0, 0);
    table.setOutstandingWork(0, 2, 0);
    table.handleTimeout(0, 4000);
    table.onProbeSent(0, 4000);
    table.handleTimeout(0, 7000);
    expect(table.stateOf(0)).toBe(P);
    table.addOutstandingWork(0, -1, 7000);
    expect(table.stateOf(0)).toBe(P);
    table.addOutstandingWork(0, -1, 7000);
    expect(table.stateOf(0)).toBe(D);
    expect(table.nextProbeAtUs(0)).toBe(NONE);
    expect(table.shouldProbe(0, 10_000_000)).toBe(false);
    table.pollTransition();
    expect(table.pollTransition()).toBe(0);
    expect([table.lastFrom, table.lastTo, table.lastCause]).toEqual([P, D, PeerHealthCause.WorkDrained]);
  });
});

describe('PeerHealthTable EWMA, recovery and hysteresis', () => {
  it('walks HEALTHY → DEGRADED → PROBING on failure samples at the default thresholds', () => {
    const table = new PeerHealthTable({ capacity: 1 });
    table.reset(0, 0);
    table.setOutstandingWork(0, 1, 0);
    const states: PeerState[] = [];
    for (let i = 0; i < 6; i++) {
      table.onTimeout(0, 100 + i);
      states.push(table.stateOf(0));
    }
    // f = 1 − (7/8)^n: 0.125, 0.234, 0.330 (≥ 0.25), 0.414, 0.487, 0.551 (≥ 0.5)
    expect(states).toEqual([H, H, D, D, D, P]);
    expect(table.failureEwmaOf(0)).toBeCloseTo(1 - 0.875 ** 6, 15);
    expect(table.notifyInFlightLimitOf(0)).toBe(0);
    expect(table.phaseTimersSuspended(0)).toBe(true);
  });

  it('without work outstanding, failures make a peer DEGRADED but never PROBING or FAILED', () => {
    const table = new PeerHealthTable({ capacity: 1, failQuietMinUs: 0 });
    table.reset(0, 0);
    for (let i = 0; i < 100; i++) table.onTimeout(0, i);
    expect(table.stateOf(0)).toBe(D);
    expect(table.failureEwmaOf(0)).toBeGreaterThan(0.99);
    expect(table.shouldProbe(0, 1_000_000)).toBe(false);
  });

  it('recovers FAILED → DEGRADED on a packet, then HEALTHY after exactly the successes the EWMA needs', () => {
    fc.assert(
      fc.property(fc.constantFrom(1 / 16, 0.125, 0.25, 0.5), (alpha) => {
        const table = new PeerHealthTable({ capacity: 1, failureGain: alpha, failQuietMinUs: 0, probeTimeoutsMax: 1 });
        table.reset(0, 0);
        table.setOutstandingWork(0, 1, 0);
        runSilentPeer(table, 0, 0, 10);
        expect(table.stateOf(0)).toBe(F);
        table.onPacketReceived(0, 1_000_000);
        expect(table.stateOf(0)).toBe(D);
        expect(table.failureEwmaOf(0)).toBe(0.25);
        // Successes needed: the least n with 0.25 (1 − α)^n < 0.10.
        const needed = Math.ceil(Math.log(0.1 / 0.25) / Math.log(1 - alpha) + 1e-12);
        for (let n = 1; n < needed; n++) {
          table.onSuccess(0, 1_000_000 + n);
          expect(table.stateOf(0)).toBe(D);
        }
        table.onSuccess(0, 2_000_000);
        expect(table.stateOf(0)).toBe(H);
        expect(table.failureEwmaOf(0)).toBeLessThan(0.1);
        expect(table.notifyInFlightLimitOf(0)).toBe(NOTIFY_IN_FLIGHT_UNLIMITED);
      }),
    );
    // Default gain: 7 successes (0.25 × 0.875^7 = 0.0982).
    expect(Math.ceil(Math.log(0.4) / Math.log(0.875))).toBe(7);
  });

  /**
   * Hysteresis, definition 1: a periodic pattern "1 failure then s successes" converges to an EWMA
   * band [fLow, fHigh] with fHigh = α / (1 − (1 − α)^(s+1)) and fLow = fHigh (1 − α)^s. When the band
   * lies strictly inside (degradedExit, degradedEnter), the state never changes: a HEALTHY peer
   * stays HEALTHY and a DEGRADED one stays DEGRADED, however long the pattern runs.
   */
  it('does not flap under a steady failure rate whose EWMA band lies between the thresholds', () => {
    const cases: { alpha: number; successes: number }[] = [];
    for (const alpha of [1 / 16, 0.125, 0.25]) {
      for (let successes = 1; successes <= 12; successes++) {
        const fHigh = alpha / (1 - (1 - alpha) ** (successes + 1));
        const fLow = fHigh * (1 - alpha) ** successes;
        if (fLow > 0.1 && fHigh < 0.25) cases.push({ alpha, successes });
      }
    }
    // The default gain has such a rate: 1 failure in 6 (band 0.116 .. 0.227).
    expect(cases).toContainEqual({ alpha: 0.125, successes: 5 });
    for (const { alpha, successes } of cases) {
      for (const startDegraded of [false, true]) {
        const table = new PeerHealthTable({ capacity: 1, failureGain: alpha });
        table.reset(0, 0);
        let nowUs = 0;
        if (startDegraded) {
          while (table.stateOf(0) !== D) table.onTimeout(0, nowUs++);
          while (table.pollTransition() !== TRANSITION_NONE) {}
        }
        const expectedState = startDegraded ? D : H;
        for (let period = 0; period < 400; period++) {
          table.onTimeout(0, nowUs++);
          for (let s = 0; s < successes; s++) table.onSuccess(0, nowUs++);
          expect(table.stateOf(0)).toBe(expectedState);
        }
        expect(table.pollTransition()).toBe(TRANSITION_NONE);
      }
    }
  });

  it('control: with (almost) no gap between the thresholds the same pattern does flap', () => {
    // Proves the no-flap test above can fail: 1 failure in 6 at α = 1/8 crosses 0.2 every period.
    const table = new PeerHealthTable({ capacity: 1, degradedEnter: 0.2, degradedExit: 0.2 - 1e-9 });
    table.reset(0, 0);
    let nowUs = 0;
    for (let period = 0; period < 100; period++) {
      table.onTimeout(0, nowUs++);
      for (let s = 0; s < 5; s++) table.onSuccess(0, nowUs++);
    }
    expect(table.transitionsTotal).toBeGreaterThan(100);
  });

  /**
   * Hysteresis, definition 2: for any sample sequence, between entering DEGRADED and returning to
   * HEALTHY there are at least ⌈ln(exit / enter) / ln(1 − α)⌉ successes, and between returning to
   * HEALTHY and entering DEGRADED again at least ⌈ln((1 − enter) / (1 − exit)) / ln(1 − α)⌉ failures:
   * one HEALTHY ↔ DEGRADED cycle costs at least 7 + 2 samples at the defaults.
   */
  it('bounds the flapping rate for any sequence of samples', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1 / 16, 0.125, 0.25),
        fc.double({ min: 0.05, max: 0.4, noNaN: true }),
        fc.double({ min: 0.1, max: 0.9, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 50, maxLength: 600 }),
        (alpha, exit, ratio, failureRate, draws) => {
          const enter = exit + ratio * (0.5 - exit);
          fc.pre(enter - exit > 1e-6);
          const table = new PeerHealthTable({
            capacity: 1,
            failureGain: alpha,
            degradedEnter: enter,
            degradedExit: exit,
            probingExit: exit,
          });
          table.reset(0, 0);
          const successesMin = Math.ceil(Math.log(exit / enter) / Math.log(1 - alpha) - 1e-9);
          const failuresMin = Math.ceil(Math.log((1 - enter) / (1 - exit)) / Math.log(1 - alpha) - 1e-9);
          let successes = 0;
          let failures = 0;
          let state: PeerState = H;
          let sawFirstEntry = false;
          draws.forEach((draw, t) => {
            if (draw < failureRate) {
              table.onTimeout(0, t);
              failures++;
            } else {
              table.onSuccess(0, t);
              successes++;
            }
            const now = table.stateOf(0);
            if (now !== state) {
              if (now === D) {
                if (sawFirstEntry) expect(failures).toBeGreaterThanOrEqual(failuresMin);
                sawFirstEntry = true;
              } else {
                expect(successes).toBeGreaterThanOrEqual(successesMin);
              }
              successes = 0;
              failures = 0;
              state = now;
            }
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('leaves PROBING with f clamped to probingExit, so re-entering needs several failures', () => {
    const table = new PeerHealthTable({ capacity: 1 });
    table.reset(0, 0);
    table.setOutstandingWork(0, 1, 0);
    for (let i = 0; i < 20; i++) table.onTimeout(0, 10);
    expect(table.stateOf(0)).toBe(P);
    table.onPacketReceived(0, 20);
    expect(table.stateOf(0)).toBe(D);
    expect(table.failureEwmaOf(0)).toBe(0.25);
    // From 0.25, ≥ 0.5 takes ⌈ln(0.5/0.75)/ln(7/8)⌉ = 4 failures.
    for (let i = 1; i <= 3; i++) {
      table.onTimeout(0, 20 + i);
      expect(table.stateOf(0)).toBe(D);
    }
    table.onTimeout(0, 30);
    expect(table.stateOf(0)).toBe(P);
  });

  it('reaches FAILED on the EWMA backstop (f ≥ failedEnter) once quiet long enough', () => {
    const table = new PeerHealthTable({ capacity: 1, probeTimeoutsMax: 1000, failQuietMinUs: 10_000 });
    table.reset(0, 0);
    table.setOutstandingWork(0, 1, 0);
    // 18 silent expiries: f = 1 − 0.875^18 = 0.9098 ≥ 0.9 — but heard recently: PROBING only.
    for (let i = 0; i < 18; i++) table.onTimeout(0, 5000);
    expect(table.failureEwmaOf(0)).toBeGreaterThanOrEqual(0.9);
    expect(table.stateOf(0)).toBe(P);
    expect(table.nextProbeAtUs(0)).toBe(5000 - 5000 + 4000); // due: quiet since reset at 0, 4 ms
    table.handleTimeout(0, 9999);
    expect(table.stateOf(0)).toBe(P);
    table.handleTimeout(0, 10_000);
    expect(table.stateOf(0)).toBe(F);
    const path: string[] = [];
    while (table.pollTransition() !== TRANSITION_NONE) path.push(PEER_STATE_NAMES[table.lastTo] as string);
    expect(path).toEqual(['DEGRADED', 'PROBING', 'FAILED']);
    expect(table.lastCause).toBe(PeerHealthCause.QuietElapsed);
  });
});

describe('PeerHealthTable ICMP, resetting and gates', () => {
  it('ICMP (probe policy): HEALTHY → PROBING with work, → DEGRADED without, and counts as an unanswered probe', () => {
    const table = new PeerHealthTable({ capacity: 2, failQuietMinUs: 0, probeTimeoutsMax: 3 });
    table.reset(0, 0);
    table.reset(1, 0);
    table.setOutstandingWork(0, 1, 0);
    table.onIcmpUnreachable(0, 10);
    expect(table.stateOf(0)).toBe(P);
    expect(table.failureEwmaOf(0)).toBe(0.5);
    expect(table.probesUnansweredOf(0)).toBe(1);
    expect(table.shouldProbe(0, 10)).toBe(false); // heard (reset) 10 µs ago: not quiet
    table.onIcmpUnreachable(1, 10);
    expect(table.stateOf(1)).toBe(D);
    table.onIcmpUnreachable(0, 20);
    expect(table.stateOf(0)).toBe(P);
    table.onIcmpUnreachable(0, 30); // third unanswered: the limit
    expect(table.stateOf(0)).toBe(F);
    table.onIcmpUnreachable(0, 40); // ignored while FAILED
    expect(table.icmpUnreachableTotal).toBe(4);
  });

  it('ICMP (fail policy): FAILED at once with work outstanding, DEGRADED without', () => {
    const table = new PeerHealthTable({ capacity: 2, icmpPolicy: IcmpPolicy.Fail });
    table.reset(0, 0);
    table.reset(1, 0);
    table.setOutstandingWork(0, 1, 0);
    table.onIcmpUnreachable(0, 10);
    expect(table.stateOf(0)).toBe(F);
    table.onIcmpUnreachable(1, 10);
    expect(table.stateOf(1)).toBe(D);
  });

  it('RESETTING: suspends everything, retries handshakes with backoff, fails after the attempts', () => {
    const table = new PeerHealthTable({ capacity: 1, handshakeAttemptsMax: 4 });
    table.reset(0, 0);
    table.setOutstandingWork(0, 1, 0);
    table.onResetStarted(0, 1000);
    expect(table.stateOf(0)).toBe(R);
    expect(table.nextHandshakeAtUs(0)).toBe(1000);
    expect(table.nextProbeAtUs(0)).toBe(NONE);
    expect(table.shouldProbe(0, 10_000_000)).toBe(false);
    expect(table.phaseTimersSuspended(0)).toBe(true);
    expect(table.notifyInFlightLimitOf(0)).toBe(0);
    table.onTimeout(0, 1000);
    table.onSuccess(0, 1000);
    expect(table.failureEwmaOf(0)).toBe(0); // samples are ignored while RESETTING
    const delays: number[] = [];
    let nowUs = 1000;
    while (table.onHandshakeFailed(0, nowUs)) {
      delays.push(table.nextHandshakeAtUs(0) - nowUs);
      nowUs = table.nextHandshakeAtUs(0);
    }
    expect(delays).toEqual([100_000, 200_000, 400_000]);
    expect(table.stateOf(0)).toBe(F);
    expect(table.nextHandshakeAtUs(0)).toBe(NONE);
    // New secret confirmed: HEALTHY from scratch.
    table.onResetStarted(0, nowUs);
    table.reset(0, nowUs + 5);
    expect(table.stateOf(0)).toBe(H);
    expect(table.failureEwmaOf(0)).toBe(0);
    const causes: number[] = [];
    while (table.pollTransition() !== TRANSITION_NONE) causes.push(table.lastCause);
    expect(causes).toEqual([
      PeerHealthCause.ResetStarted,
      PeerHealthCause.HandshakeFailed,
      PeerHealthCause.ResetStarted,
      PeerHealthCause.Reset,
    ]);
  });

  it('caps the handshake backoff at handshakeBackoffMaxUs', () => {
    const table = new PeerHealthTable({ capacity: 1, handshakeAttemptsMax: 20, handshakeBackoffMaxUs: 1_000_000 });
    table.onResetStarted(0, 0);
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      table.onHandshakeFailed(0, 0);
      delays.push(table.nextHandshakeAtUs(0));
    }
    expect(delays).toEqual([100_000, 200_000, 400_000, 800_000, 1_000_000, 1_000_000]);
  });

  it('DEGRADED gates: bounded notifies and timers start at k = 1', () => {
    const table = new PeerHealthTable({ capacity: 1, degradedNotifyInFlightMax: 3 });
    table.reset(0, 0);
    expect(table.notifyInFlightLimitOf(0)).toBe(NOTIFY_IN_FLIGHT_UNLIMITED);
    expect(table.timeoutExponentStartOf(0)).toBe(0);
    for (let i = 0; i < 3; i++) table.onTimeout(0, 0);
    expect(table.stateOf(0)).toBe(D);
    expect(table.notifyInFlightLimitOf(0)).toBe(3);
    expect(table.timeoutExponentStartOf(0)).toBe(1);
    expect(table.phaseTimersSuspended(0)).toBe(false);
  });

  it('any packet bumps the backoff epoch (phase timers restart their backoff), reset too', () => {
    const table = new PeerHealthTable({ capacity: 2 });
    const armed = table.backoffEpochs.epochOf(1);
    table.onSuccess(1, 5);
    table.onTimeout(1, 5);
    expect(table.backoffEpochs.heardSince(1, armed)).toBe(false);
    table.onPacketReceived(1, 6);
    expect(table.backoffEpochs.heardSince(1, armed)).toBe(true);
    const armed0 = table.backoffEpochs.epochOf(0);
    table.reset(0, 7);
    expect(table.backoffEpochs.heardSince(0, armed0)).toBe(true);
  });
});

describe('PeerHealthTable limits and validation', () => {
  it('keeps the newest transitions when the ring is full and counts the dropped ones', () => {
    const table = new PeerHealthTable({ capacity: 1, transitionCapacity: 4 });
    table.reset(0, 0);
    // 10 transitions: RESETTING / HEALTHY alternately.
    for (let i = 0; i < 5; i++) {
      table.onResetStarted(0, 10 * i);
      table.reset(0, 10 * i + 5);
    }
    expect(table.transitionsTotal).toBe(10);
    expect(table.transitionsPending).toBe(4);
    expect(table.transitionsDroppedTotal).toBe(6);
    const times: number[] = [];
    while (table.pollTransition() === 0) times.push(table.lastAtUs);
    expect(times).toEqual([30, 35, 40, 45]);
    expect(table.pollTransition()).toBe(TRANSITION_NONE);
    // The ring is reusable after draining.
    table.onResetStarted(0, 100);
    expect(table.pollTransition()).toBe(0);
    expect([table.lastFrom, table.lastTo, table.lastAtUs]).toEqual([H, R, 100]);
  });

  it('validates options', () => {
    const bad: Partial<PeerHealthOptions>[] = [
      { capacity: 0 },
      { capacity: 1.5 },
      { failureGain: 0 },
      { failureGain: 1.5 },
      { degradedExit: 0.3 }, // not below degradedEnter
      { degradedEnter: 0.6 }, // above probingEnter
      { probingExit: 0.05 }, // below degradedExit
      { probingExit: 0.5 }, // not below probingEnter
      { failedEnter: 0.4 }, // below probingEnter
      { failedEnter: 0.5 }, // equal to probingEnter
      { failedEnter: 1.1 },
      { probeTimeoutsMax: 0 },
      { quietMinUs: 0 },
      { quietRttMultiplier: 0 },
      { transitionCapacity: 3 },
      { transitionCapacity: 0 },
      { handshakeAttemptsMax: 0 },
      { handshakeBackoffBaseUs: 40_000_000 }, // above the max
      { icmpPolicy: 7 as IcmpPolicy },
      { degradedNotifyInFlightMax: 0 },
    ];
    for (const options of bad) {
      expect(() => new PeerHealthTable({ capacity: 4, ...options }), JSON.stringify(options)).toThrow(
        InvalidArgumentError,
      );
    }
    const table = new PeerHealthTable({ capacity: 4 });
    expect(table.probeTimeoutsMax).toBe(PEER_HEALTH_DEFAULTS.probeTimeoutsMax);
    expect(table.backoff.phaseTimeoutMinUs).toBe(300);
  });

  it('rejects out-of-range peer slots and values with assertions', () => {
    const table = new PeerHealthTable({ capacity: 2 });
    expect(() => table.stateOf(2)).toThrow(AssertionError);
    expect(() => table.onPacketReceived(-1, 0)).toThrow(AssertionError);
    expect(() => table.onTimeout(0.5, 0)).toThrow(AssertionError);
    expect(() => table.setOutstandingWork(0, -1, 0)).toThrow(AssertionError);
    expect(() => table.addOutstandingWork(0, -1, 0)).toThrow(AssertionError);
    expect(() => table.setSmoothedRttUs(0, 1.5)).toThrow(AssertionError);
  });
});
