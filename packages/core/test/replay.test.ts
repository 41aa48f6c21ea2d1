/**
 * Replay protection end to end: a sender ("beta") seals datagrams carrying TRANSFER_NOTIFYs with
 * inline payloads; a receiver ("alpha") opens them (DatagramOpener) and passes every entry through
 * NotifyAdmission; what admission admits or releases lands in an "application" sink the test
 * inspects. An attacker replays every datagram — same key id, after rotations (other key ids,
 * retired keys), inside the window and after it moved on, reordered, duplicated many times — and
 * can never answer a challenge. The real sender answers challenges only for notifies it still waits
 * on (not yet accepted) and refuses the others with FLOW_RESET.
 *
 * Asserted: each notify reaches the sink exactly once with its own payload; every replay is dropped
 * or challenged; unanswered challenges are discarded at expiry; a genuine late notify is admitted
 * once after its challenge is answered; and, with fast-check random schedules (send / deliver in any
 * order / lose / replay / answer / advance time) against a reference model of the window and the
 * challenges: the admitted set equals the model's (sequences delivered inside the window, or whose
 * challenge the real sender answered in time) and no sequence is ever admitted twice.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asciiBytes } from '../src/crypto/provider.js';
import {
  AdmissionResult,
  admissionResultName,
  appendNotifyEntry,
  beginTransferNotify,
  ControlDatagramSealer,
  ControlKeySender,
  createSeededRandom,
  type DatagramKeyOptions,
  DatagramOpener,
  DecodeReason,
  decodeFlowReset,
  decodeTransferChallenge,
  derivePskPathSecret,
  ENCODE_NO_ROOM,
  encodeFlowReset,
  encodeRetireControlKey,
  encodeTransferChallengeResponse,
  FlowResetView,
  HELD_ARENA_BYTES_MIN,
  HELD_NOTIFY_GONE,
  KEY_KIND_SECRET_CONTROL,
  type KnownTransferLookup,
  MessageIterator,
  MessageType,
  MessageViews,
  NobleCryptoProvider,
  NotifyAdmission,
  type NotifyAdmissionOptions,
  NotifyEntryView,
  NotifyFlag,
  OpenResult,
  openResultName,
  PathKeySchedule,
  RetireControlKeyView,
  StatusCode,
  TransferChallengeView,
  TransferKind,
} from '../src/index.js';

const PSK = asciiBytes('replay tests pre-shared secret!!');
const ALPHA = asciiBytes('alpha');
const BETA = asciiBytes('beta');
const PEER = 3;
const WORKER = 5;
const WINDOW = 64;
const TIMEOUT_US = 10_000;
const TRANSFER_HI = 0x00050001;

function payloadOf(sequence: number): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = (sequence * 31 + i * 7 + 1) & 0xff;
  return out;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

interface Delivered {
  readonly sequence: number;
  readonly transferLo: number;
  readonly payload: string;
  readonly via: 'window' | 'challenge';
}

interface Challenge {
  readonly transferLo: number;
  readonly sequence: number;
  readonly nonce: Uint8Array;
}

interface HarnessOptions {
  readonly rotateAfterPackets?: number;
  readonly keys?: DatagramKeyOptions;
  readonly knownTransfers?: boolean;
  readonly naiveSender?: boolean;
  readonly seed?: number;
  readonly admission?: Partial<Omit<NotifyAdmissionOptions, 'pathSecrets' | 'random'>>;
}

/** Per entry / event, what happened (for the model test). */
interface Observation {
  readonly kind: 'notify' | 'response' | 'reset';
  readonly sequence: number;
  readonly transferLo: number;
  readonly result: number;
  readonly nonce?: string;
}

class Harness {
  readonly provider: NobleCryptoProvider;
  readonly opener: DatagramOpener;
  readonly admission: NotifyAdmission;
  readonly sealer: ControlDatagramSealer;
  readonly secretSealer: ControlDatagramSealer;
  /** The application: what admission let through. */
  readonly sink: Delivered[] = [];
  /** Sequences the sender knows the receiver accepted (an ideal, instant TRANSFER_ACCEPT). */
  readonly accepted = new Set<number>();
  /** TRANSFER_CHALLENGEs the receiver sent, waiting for the sender. */
  readonly challengesToSender: Challenge[] = [];
  /** Every datagram result of `deliver`. */
  readonly openResults: number[] = [];
  observations: Observation[] = [];
  nowUs = 0;
  nextSequence = 0;
  private readonly naiveSender: boolean;
  private readonly iterator = new MessageIterator();
  private readonly views = new MessageViews();
  private readonly scratch = new Uint8Array(9000);

  constructor(options: HarnessOptions = {}) {
    this.provider = new NobleCryptoProvider({ random: createSeededRandom(options.seed ?? 1) });
    const provider = this.provider;
    const beta = derivePskPathSecret(provider, {
      psk: PSK,
      localIdentity: BETA,
      peerIdentity: ALPHA,
      epoch: 1,
      version: 1,
    });
    const alpha = derivePskPathSecret(provider, {
      psk: PSK,
      localIdentity: ALPHA,
      peerIdentity: BETA,
      epoch: 1,
      version: 1,
    });
    const schedule = new PathKeySchedule(provider, beta.secret);
    this.sealer = new ControlDatagramSealer({
      keys: new ControlKeySender({
        schedule,
        workerId: WORKER,
        direction: beta.localDirection,
        rotateAfterPackets: options.rotateAfterPackets ?? 1 << 20,
      }),
      pathSecretId: beta.id,
    });
    this.secretSealer = new ControlDatagramSealer({
      keys: new ControlKeySender({
        schedule,
        kind: KEY_KIND_SECRET_CONTROL,
        workerId: WORKER,
        direction: beta.localDirection,
      }),
      pathSecretId: beta.id,
    });
    this.opener = new DatagramOpener({
      provider,
      keys: options.keys ?? {},
      pathSecrets: {
        capacity: 4,
        peerSlotCapacity: 8,
        maxSecretsPerPeer: 2,
        minAgeUs: 0,
        graceUs: 0,
        replayWindowBits: WINDOW,
        replayWindowCapacity: 8,
        replayWindowsPerSecretMax: 4,
      },
    });
    this.opener.pathSecrets.insert({
      id: alpha.id,
      secret: alpha.secret,
      peerSlot: PEER,
      localDirection: alpha.localDirection,
      version: 1,
      peerResetTag: alpha.peerResetTag,
      nowUs: 0,
    });
    const delivered = this.sink;
    const known: KnownTransferLookup = {
      isKnownTransfer: (peerSlot, hi, lo) =>
        peerSlot === PEER && hi === TRANSFER_HI && delivered.some((d) => d.transferLo === lo),
    };
    this.admission = new NotifyAdmission({
      pathSecrets: this.opener.pathSecrets,
      random: provider,
      challengeCapacity: 4096,
      challengesPerPeerMax: 4096,
      heldArenaBytes: 1 << 20,
      challengeTimeoutMaxUs: TIMEOUT_US,
      ...(options.knownTransfers ? { knownTransfers: known } : {}),
      ...options.admission,
    });
    this.naiveSender = options.naiveSender ?? false;
  }

  /**
   * The sender seals one datagram with `count` new notifies (unary requests, 16-byte inline
   * payloads; with `headerBytes` > 0 also an application header of that size, jumbo datagrams).
   */
  sendNotifies(count: number, headerBytes = 0): Uint8Array {
    const out = this.scratch;
    const sealer = this.sealer;
    let at = sealer.begin(out, 0, headerBytes > 0 ? 9000 : 1472);
    const message = at;
    at += beginTransferNotify(out, at, sealer.bodyEnd);
    const entry = new NotifyEntryView();
    for (let i = 0; i < count; i++) {
      const sequence = this.nextSequence++;
      entry.clear();
      entry.notifySequenceLo = sequence;
      entry.senderTransferIdHi = TRANSFER_HI;
      entry.senderTransferIdLo = 1000 + sequence;
      entry.kind = TransferKind.UnaryRequest;
      entry.flags = NotifyFlag.Inline;
      entry.inlineBytes = payloadOf(sequence);
      entry.payloadSize = 16;
      if (headerBytes > 0) {
        entry.flags |= NotifyFlag.HasHeader;
        entry.headerBytes = new Uint8Array(headerBytes).fill(sequence & 0xff);
        entry.headerLength = headerBytes;
      }
      const written = appendNotifyEntry(out, message, sealer.bodyEnd, entry);
      expect(written).toBeGreaterThan(0);
      at += written;
    }
    return out.slice(0, sealer.seal(at));
  }

  /** The sender answers the challenges it received: a response when it still waits on the notify, else FLOW_RESET. */
  answerChallenges(max = 30): Uint8Array | null {
    if (this.challengesToSender.length === 0) return null;
    const out = this.scratch;
    const sealer = this.sealer;
    let at = sealer.begin(out, 0, 1472);
    const response = new TransferChallengeView();
    const reset = new FlowResetView();
    for (const challenge of this.challengesToSender.splice(0, max)) {
      const holds =
        challenge.sequence < this.nextSequence && (this.naiveSender || !this.accepted.has(challenge.sequence));
      if (holds) {
        response.senderTransferIdHi = TRANSFER_HI;
        response.senderTransferIdLo = challenge.transferLo;
        response.notifySequenceHi = 0;
        response.notifySequenceLo = challenge.sequence;
        response.nonceBytes = challenge.nonce;
        response.nonceOffset = 0;
        at += encodeTransferChallengeResponse(out, at, sealer.bodyEnd, response);
      } else {
        reset.senderTransferIdHi = TRANSFER_HI;
        reset.senderTransferIdLo = challenge.transferLo;
        reset.receiverTransferIdHi = 0;
        reset.receiverTransferIdLo = 0;
        reset.statusCode = StatusCode.UnknownTransfer;
        at += encodeFlowReset(out, at, sealer.bodyEnd, reset);
      }
    }
    return out.slice(0, sealer.seal(at));
  }

  /** A SECRET_CONTROL datagram retiring the sender worker's keys below `keyIdBelow`. */
  retireKeysBelow(keyIdBelow: number): Uint8Array {
    const out = this.scratch;
    let at = this.secretSealer.begin(out, 0, 200);
    const view = new RetireControlKeyView();
    view.workerId = WORKER;
    view.keyIdBelow = keyIdBelow;
    at += encodeRetireControlKey(out, at, this.secretSealer.bodyEnd, view);
    return out.slice(0, this.secretSealer.seal(at));
  }

  /** The receiver gets a copy of `datagram` (open decrypts in place; the original stays sealed). */
  deliver(datagram: Uint8Array): number {
    const bytes = datagram.slice();
    const result = this.opener.open(bytes, 0, bytes.length, this.nowUs);
    this.openResults.push(result);
    if (result !== OpenResult.Ok) return result;
    const o = this.opener.opened;
    const it = this.iterator;
    it.reset(o.bytes, o.bodyOffset, o.bodyLength, o.kind);
    while (it.hasNext()) {
      expect(it.next()).toBe(DecodeReason.Ok);
      if (it.type === MessageType.TransferNotify) this.onNotify(it.bodyOffset, it.bodyLength);
      else if (it.type === MessageType.TransferChallengeResponse) this.onResponse(it.bodyOffset, it.bodyLength);
      else if (it.type === MessageType.FlowReset) this.onFlowReset(it.bodyOffset, it.bodyLength);
    }
    return result;
  }

  advance(us: number): number {
    this.nowUs += us;
    return this.admission.expire(this.nowUs);
  }

  admittedSequences(): number[] {
    return this.sink.map((d) => d.sequence);
  }

  private onNotify(bodyOffset: number, bodyLength: number): void {
    const admission = this.admission;
    admission.admitNotify(this.opener.opened, bodyOffset, bodyLength, this.nowUs);
    for (let i = 0; i < admission.count; i++) {
      const entry = admission.notify.entries[i] as NotifyEntryView;
      const result = admission.results[i] as number;
      const sequence = entry.notifySequenceLo;
      let nonce: string | undefined;
      if (result === AdmissionResult.Admit) {
        this.toApplication(entry, sequence, 'window');
      } else if (result === AdmissionResult.Challenged) {
        const message = new Uint8Array(35);
        expect(admission.encodeChallenge(admission.heldSlots[i] as number, message, 0, 35)).toBe(35);
        expect(message[0]).toBe(MessageType.TransferChallenge);
        const view = new TransferChallengeView();
        expect(decodeTransferChallenge(message, 3, 32, view)).toBe(DecodeReason.Ok);
        expect(view.notifySequenceLo).toBe(sequence);
        const challenge = { transferLo: view.senderTransferIdLo, sequence, nonce: message.slice(19, 35) };
        nonce = hex(challenge.nonce);
        this.challengesToSender.push(challenge);
      }
      this.observations.push({
        kind: 'notify',
        sequence,
        transferLo: entry.senderTransferIdLo,
        result,
        ...(nonce === undefined ? {} : { nonce }),
      });
    }
  }

  private onResponse(bodyOffset: number, bodyLength: number): void {
    const view = this.views.transferChallenge;
    expect(decodeTransferChallenge(this.opener.opened.bytes, bodyOffset, bodyLength, view)).toBe(DecodeReason.Ok);
    const result = this.admission.handleChallengeResponse(this.opener.opened, view);
    if (result === AdmissionResult.Released) {
      const released = this.admission.released;
      expect(this.admission.releasedNotifySequence).toBe(released.notifySequenceLo);
      expect(this.admission.releasedPeerSlot).toBe(PEER);
      expect(this.admission.releasedSenderWorkerId).toBe(WORKER);
      this.toApplication(released, released.notifySequenceLo, 'challenge');
    }
    this.observations.push({
      kind: 'response',
      sequence: view.notifySequenceLo,
      transferLo: view.senderTransferIdLo,
      result,
      nonce: hex(view.nonceBytes.subarray(view.nonceOffset, view.nonceOffset + 16)),
    });
  }

  private onFlowReset(bodyOffset: number, bodyLength: number): void {
    const view = new FlowResetView();
    expect(decodeFlowReset(this.opener.opened.bytes, bodyOffset, bodyLength, view)).toBe(DecodeReason.Ok);
    const discarded = this.admission.handleFlowReset(this.opener.opened.peerSlot, view);
    this.observations.push({ kind: 'reset', sequence: -1, transferLo: view.senderTransferIdLo, result: discarded });
  }

  private toApplication(entry: NotifyEntryView, sequence: number, via: 'window' | 'challenge'): void {
    const payload = entry.inlineBytes.subarray(entry.inlineOffset, entry.inlineOffset + entry.payloadSize);
    this.sink.push({ sequence, transferLo: entry.senderTransferIdLo, payload: hex(payload), via });
    this.accepted.add(sequence);
  }
}

/** Every sink entry is a notify the sender really sent, with its own payload, at most once. */
function expectSinkSound(h: Harness): void {
  const seen = new Set<number>();
  for (const d of h.sink) {
    expect(seen.has(d.sequence), `sequence ${d.sequence} admitted twice`).toBe(false);
    seen.add(d.sequence);
    expect(d.sequence).toBeLessThan(h.nextSequence);
    expect(d.transferLo).toBe(1000 + d.sequence);
    expect(d.payload).toBe(hex(payloadOf(d.sequence)));
  }
}

function count(h: Harness, result: number): number {
  return h.admission.counters[result] as number;
}

describe('replayed notifies never reach the application', () => {
  it('in the window: each notify is admitted once; every replay (many times, any order) is a duplicate', () => {
    const h = new Harness();
    const datagrams = Array.from({ length: 20 }, () => h.sendNotifies(2));
    for (const d of datagrams) expect(h.deliver(d)).toBe(OpenResult.Ok);
    expect(h.admittedSequences()).toEqual(Array.from({ length: 40 }, (_, i) => i));
    for (let round = 0; round < 5; round++) {
      for (let i = datagrams.length - 1; i >= 0; i--)
        expect(h.deliver(datagrams[(i * 7 + round) % 20] as Uint8Array)).toBe(OpenResult.Ok);
    }
    expect(count(h, AdmissionResult.Duplicate)).toBe(5 * 40);
    expect(h.sink.length).toBe(40);
    expectSinkSound(h);
  });

  it('duplicates inside one datagram pass once', () => {
    const h = new Harness();
    const out = new Uint8Array(1472);
    let at = h.sealer.begin(out, 0, 1472);
    const message = at;
    at += beginTransferNotify(out, at, h.sealer.bodyEnd);
    const entry = new NotifyEntryView();
    for (let i = 0; i < 3; i++) {
      entry.clear();
      entry.notifySequenceLo = 0;
      entry.senderTransferIdHi = TRANSFER_HI;
      entry.senderTransferIdLo = 1000;
      entry.kind = TransferKind.UnaryRequest;
      entry.flags = NotifyFlag.Inline;
      entry.inlineBytes = payloadOf(0);
      entry.payloadSize = 16;
      at += appendNotifyEntry(out, message, h.sealer.bodyEnd, entry);
    }
    h.nextSequence = 1;
    expect(h.deliver(out.slice(0, h.sealer.seal(at)))).toBe(OpenResult.Ok);
    expect(Array.from(h.admission.results.subarray(0, 3))).toEqual([
      AdmissionResult.Admit,
      AdmissionResult.Duplicate,
      AdmissionResult.Duplicate,
    ]);
    expect(h.sink.length).toBe(1);
  });

  it('below the window: replays are challenged, never admitted, and discarded at expiry or on FLOW_RESET', () => {
    const h = new Harness();
    const datagrams = Array.from({ length: 200 }, () => h.sendNotifies(1));
    for (const d of datagrams) h.deliver(d);
    expect(h.sink.length).toBe(200);
    // Replays of 0..99 (all ≥ 64 behind the highest, 199) are challenged; the attacker cannot answer.
    for (let i = 0; i < 100; i++) h.deliver(datagrams[i] as Uint8Array);
    expect(count(h, AdmissionResult.Challenged)).toBe(100);
    expect(h.admission.heldCount).toBe(100);
    // Replaying them again while their challenges are open: dropped as challenge duplicates.
    for (let i = 0; i < 100; i++) h.deliver(datagrams[i] as Uint8Array);
    expect(count(h, AdmissionResult.ChallengeDuplicate)).toBe(100);
    // Replays inside the window are plain duplicates.
    for (let i = 150; i < 200; i++) h.deliver(datagrams[i] as Uint8Array);
    expect(count(h, AdmissionResult.Duplicate)).toBe(50);
    // Half of the challenges reach the real sender, which refuses them (it finished those transfers).
    h.challengesToSender.splice(50);
    const refusal = h.answerChallenges(100) as Uint8Array;
    h.deliver(refusal);
    expect(count(h, AdmissionResult.Reset)).toBe(50);
    // The rest expire unanswered.
    expect(h.advance(TIMEOUT_US - 1)).toBe(0);
    expect(h.advance(1)).toBe(50);
    expect(count(h, AdmissionResult.Expired)).toBe(50);
    expect(h.admission.heldCount).toBe(0);
    expect(h.admission.heldBlocksInUse).toBe(0);
    expect(h.sink.length).toBe(200);
    expectSinkSound(h);
  });

  it('after key rotations: replays under older key ids open and are dropped, or fail the key window; retired keys fail', () => {
    const h = new Harness({ rotateAfterPackets: 4 });
    const datagrams = Array.from({ length: 40 }, () => h.sendNotifies(1)); // key ids 0..9
    for (const d of datagrams) expect(h.deliver(d)).toBe(OpenResult.Ok);
    h.openResults.length = 0;
    for (const d of datagrams) h.deliver(d);
    const results = h.openResults.map(openResultName);
    // Key ids 7..9 are within keyWindowBehind (2) of the newest (9): they open and are duplicates.
    expect(results.slice(28)).toEqual(Array(12).fill('OK'));
    expect(results.slice(0, 28)).toEqual(Array(28).fill('KEY_TOO_OLD'));
    expect(count(h, AdmissionResult.Duplicate)).toBe(12);
    expect(h.deliver(h.retireKeysBelow(9))).toBe(OpenResult.Ok);
    h.openResults.length = 0;
    for (const d of datagrams) h.deliver(d);
    expect(h.openResults.slice(28, 36).map(openResultName)).toEqual(Array(8).fill('KEY_RETIRED'));
    expect(h.openResults.slice(36).map(openResultName)).toEqual(Array(4).fill('OK'));
    expect(h.sink.length).toBe(40);
    expectSinkSound(h);
  });

  it('with a wide key window, replays from every old key open and go to the window / challenge, never to the app', () => {
    const h = new Harness({ rotateAfterPackets: 4, keys: { keyWindowBehind: 1000 } });
    const datagrams = Array.from({ length: 120 }, () => h.sendNotifies(1)); // key ids 0..29
    for (const d of datagrams) h.deliver(d);
    for (const d of datagrams) expect(h.deliver(d)).toBe(OpenResult.Ok);
    expect(count(h, AdmissionResult.Duplicate)).toBe(64);
    expect(count(h, AdmissionResult.Challenged)).toBe(56);
    h.advance(TIMEOUT_US);
    expect(count(h, AdmissionResult.Expired)).toBe(56);
    expect(h.sink.length).toBe(120);
    expectSinkSound(h);
  });

  it('a genuine late notify is challenged, answered by the real sender, and admitted exactly once', () => {
    const h = new Harness();
    const late = h.sendNotifies(1); // sequence 0, held back by the network
    for (let i = 0; i < 100; i++) h.deliver(h.sendNotifies(1));
    expect(h.deliver(late)).toBe(OpenResult.Ok);
    expect(h.admission.results[0]).toBe(AdmissionResult.Challenged);
    expect(h.sink.some((d) => d.sequence === 0)).toBe(false);
    // An attacker guessing a nonce gets nowhere, and the challenge stays open.
    const guessed = h.challengesToSender[0] as Challenge;
    h.challengesToSender[0] = { ...guessed, nonce: new Uint8Array(16) };
    h.deliver(h.answerChallenges() as Uint8Array);
    expect(count(h, AdmissionResult.ResponseUnmatched)).toBe(1);
    expect(h.admission.heldCount).toBe(1);
    // The real sender answers the real challenge.
    h.challengesToSender.push(guessed);
    const response = h.answerChallenges() as Uint8Array;
    h.deliver(response);
    expect(count(h, AdmissionResult.Released)).toBe(1);
    expect(h.sink.filter((d) => d.sequence === 0)).toEqual([
      { sequence: 0, transferLo: 1000, payload: hex(payloadOf(0)), via: 'challenge' },
    ]);
    // Replaying the response: no open challenge matches.
    h.deliver(response);
    expect(count(h, AdmissionResult.ResponseUnmatched)).toBe(2);
    // Replaying the late notify: challenged again; the sender has its ACCEPT now and refuses.
    h.deliver(late);
    expect(h.admission.results[0]).toBe(AdmissionResult.Challenged);
    h.deliver(h.answerChallenges() as Uint8Array);
    expect(count(h, AdmissionResult.Reset)).toBe(1);
    expect(h.sink.filter((d) => d.sequence === 0).length).toBe(1);
    expect(h.sink.length).toBe(101);
    expectSinkSound(h);
  });

  it('a response that arrives after its challenge expired is unmatched; a fresh challenge can still be answered', () => {
    const h = new Harness();
    const late = h.sendNotifies(1);
    for (let i = 0; i < 70; i++) h.deliver(h.sendNotifies(1));
    h.deliver(late);
    const tooLate = h.answerChallenges() as Uint8Array;
    expect(h.advance(TIMEOUT_US)).toBe(1);
    h.deliver(tooLate);
    expect(count(h, AdmissionResult.ResponseUnmatched)).toBe(1);
    expect(h.sink.some((d) => d.sequence === 0)).toBe(false);
    h.deliver(late);
    h.deliver(h.answerChallenges() as Uint8Array);
    expect(count(h, AdmissionResult.Released)).toBe(1);
    expect(h.sink.filter((d) => d.sequence === 0).length).toBe(1);
  });

  it('with the engine transfer lookup, even a sender that answers everything cannot get a notify delivered twice', () => {
    const h = new Harness({ knownTransfers: true, naiveSender: true });
    const datagrams = Array.from({ length: 100 }, () => h.sendNotifies(1));
    for (const d of datagrams) h.deliver(d);
    for (let i = 0; i < 30; i++) h.deliver(datagrams[i] as Uint8Array);
    expect(count(h, AdmissionResult.KnownTransfer)).toBe(30);
    expect(count(h, AdmissionResult.Challenged)).toBe(0);
    // A late genuine notify: not known, challenged, answered, released — then known.
    const late = h.sendNotifies(1);
    for (let i = 0; i < 70; i++) h.deliver(h.sendNotifies(1));
    h.deliver(late);
    expect(h.admission.results[0]).toBe(AdmissionResult.Challenged);
    const answer = h.answerChallenges() as Uint8Array;
    h.deliver(late); // a replay while its challenge is open
    expect(h.admission.results[0]).toBe(AdmissionResult.ChallengeDuplicate);
    h.deliver(answer);
    expect(count(h, AdmissionResult.Released)).toBe(1);
    h.deliver(late);
    expect(h.admission.results[0]).toBe(AdmissionResult.KnownTransfer);
    expectSinkSound(h);
    expect(h.sink.length).toBe(171);
  });

  it('peer reset discards held notifies', () => {
    const h = new Harness();
    const datagrams = Array.from({ length: 80 }, () => h.sendNotifies(1));
    for (const d of datagrams) h.deliver(d);
    for (let i = 0; i < 10; i++) h.deliver(datagrams[i] as Uint8Array);
    expect(h.admission.heldCount).toBe(10);
    expect(h.admission.cancelPeer(PEER)).toBe(10);
    expect(count(h, AdmissionResult.PeerCancelled)).toBe(10);
    expect(h.admission.heldCount).toBe(0);
    expect(h.answerChallenges()).not.toBeNull(); // answers now find nothing
  });
});

describe('admission limits', () => {
  it('a full challenge table (or peer share) drops below-window notifies unanswered', () => {
    const h = new Harness({ admission: { challengeCapacity: 4, challengesPerPeerMax: 2 } });
    const datagrams = Array.from({ length: 70 }, () => h.sendNotifies(1));
    for (const d of datagrams) h.deliver(d);
    for (let i = 0; i < 4; i++) h.deliver(datagrams[i] as Uint8Array);
    expect(count(h, AdmissionResult.Challenged)).toBe(2);
    expect(count(h, AdmissionResult.ChallengeFull)).toBe(2);
    expect(h.admission.heldCount).toBe(2);
    expect(h.admission.challenges.refusedTotal).toBe(2);
    expect(h.sink.length).toBe(70);
  });

  it('a full held-notify arena drops the entry (HELD_FULL) and frees nothing it did not take', () => {
    // 4 KiB headers: each held entry takes 33 of the 70 blocks of the smallest arena.
    const h = new Harness({ admission: { heldArenaBytes: HELD_ARENA_BYTES_MIN } });
    const first = [h.sendNotifies(1, 4096), h.sendNotifies(1, 4096), h.sendNotifies(1, 4096)];
    for (let i = 0; i < 70; i++) h.deliver(h.sendNotifies(1));
    for (const d of first) h.deliver(d);
    expect(count(h, AdmissionResult.Challenged)).toBe(2);
    expect(count(h, AdmissionResult.HeldFull)).toBe(1);
    expect(h.admission.heldBlocksInUse).toBe(66);
    // Answered, the held entries come back whole (header included).
    h.deliver(h.answerChallenges() as Uint8Array);
    expect(count(h, AdmissionResult.Released)).toBe(2);
    expect(h.admission.heldBlocksInUse).toBe(0);
    expect(h.sink.filter((d) => d.via === 'challenge').map((d) => d.sequence)).toEqual([0, 1]);
  });

  it('encodeChallenge: no room, and a held slot that is gone', () => {
    const h = new Harness();
    const late = h.sendNotifies(1);
    for (let i = 0; i < 70; i++) h.deliver(h.sendNotifies(1));
    h.deliver(late);
    const slot = h.admission.heldSlots[0] as number;
    expect(h.admission.heldPeerSlotOf(slot)).toBe(PEER);
    expect(h.admission.encodeChallenge(slot, new Uint8Array(64), 0, 34)).toBe(ENCODE_NO_ROOM);
    h.advance(TIMEOUT_US);
    expect(h.admission.encodeChallenge(slot, new Uint8Array(64), 0, 64)).toBe(HELD_NOTIFY_GONE);
  });

  it('challenge timeouts follow 3 × RTT, clamped to [min, max]', () => {
    for (const [rttUs, expectedUs] of [
      [100, 1000],
      [2000, 6000],
      [900_000, TIMEOUT_US * 10],
    ] as const) {
      const h = new Harness({
        admission: {
          rtt: { smoothedRttUs: () => rttUs },
          challengeTimeoutMinUs: 1000,
          challengeTimeoutMaxUs: TIMEOUT_US * 10,
        },
      });
      const late = h.sendNotifies(1);
      for (let i = 0; i < 70; i++) h.deliver(h.sendNotifies(1));
      h.nowUs = 5000;
      h.deliver(late);
      expect(h.admission.nextDeadlineUs()).toBe(5000 + expectedUs);
    }
  });

  it('validates its options', () => {
    const h = new Harness();
    const base = { pathSecrets: h.opener.pathSecrets, random: h.provider };
    expect(() => new NotifyAdmission({ ...base, heldArenaBytes: HELD_ARENA_BYTES_MIN - 1 })).toThrow(/heldArenaBytes/);
    expect(() => new NotifyAdmission({ ...base, challengeTimeoutMinUs: 0 })).toThrow(/timeouts/);
    expect(() => new NotifyAdmission({ ...base, challengeTimeoutMinUs: 10, challengeTimeoutMaxUs: 5 })).toThrow(
      /timeouts/,
    );
    expect(() => new NotifyAdmission({ ...base, challengeCapacity: 0 })).toThrow(/capacity/);
  });
});

// ---------------------------------------------------------------------------------------------
// Model-based: random schedules.
// ---------------------------------------------------------------------------------------------

type Op =
  | { readonly t: 'send'; readonly n: number }
  | { readonly t: 'deliver'; readonly pick: number }
  | { readonly t: 'deliverLatest' }
  | { readonly t: 'drop'; readonly pick: number }
  | { readonly t: 'replay'; readonly pick: number; readonly times: number }
  | { readonly t: 'answer' }
  | { readonly t: 'replayAnswer'; readonly pick: number }
  | { readonly t: 'advance'; readonly us: number };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('send' as const), n: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 5, arbitrary: fc.record({ t: fc.constant('deliver' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('deliverLatest' as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('drop' as const), pick: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant('replay' as const), pick: fc.nat(), times: fc.integer({ min: 1, max: 4 }) }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('answer' as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('replayAnswer' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('advance' as const), us: fc.integer({ min: 0, max: 6000 }) }) },
);

/** Reference model of one replay window and the open challenges (a Set and a Map: obviously right). */
class Model {
  highest = -1;
  readonly seen = new Set<number>();
  /** sequence → { nonce, deadline } of the open challenge. */
  readonly challenges = new Map<number, { nonce: string; deadlineUs: number }>();
  readonly admitted = new Set<number>();

  expectNotify(o: Observation, nowUs: number): void {
    const s = o.sequence;
    let expected: number;
    if (s > this.highest) {
      this.highest = s;
      this.seen.add(s);
      expected = AdmissionResult.Admit;
    } else if (this.highest - s >= WINDOW) {
      expected = this.challenges.has(s) ? AdmissionResult.ChallengeDuplicate : AdmissionResult.Challenged;
      if (expected === AdmissionResult.Challenged) {
        this.challenges.set(s, { nonce: o.nonce as string, deadlineUs: nowUs + TIMEOUT_US });
      }
    } else if (this.seen.has(s)) {
      expected = AdmissionResult.Duplicate;
    } else {
      this.seen.add(s);
      expected = AdmissionResult.Admit;
    }
    expect(admissionResultName(o.result), `notify ${s}`).toBe(admissionResultName(expected));
    if (expected === AdmissionResult.Admit) this.admitted.add(s);
  }

  expectResponse(o: Observation): void {
    const open = this.challenges.get(o.sequence);
    const matches = open !== undefined && open.nonce === o.nonce;
    expect(admissionResultName(o.result), `response ${o.sequence}`).toBe(
      admissionResultName(matches ? AdmissionResult.Released : AdmissionResult.ResponseUnmatched),
    );
    if (matches) {
      this.challenges.delete(o.sequence);
      this.admitted.add(o.sequence);
    }
  }

  expectReset(o: Observation): void {
    const sequence = o.transferLo - 1000;
    const open = this.challenges.has(sequence) ? 1 : 0;
    this.challenges.delete(sequence);
    expect(o.result, `FLOW_RESET of ${sequence}`).toBe(open);
  }

  expire(nowUs: number): number {
    let expired = 0;
    for (const [s, c] of this.challenges) {
      if (c.deadlineUs <= nowUs) {
        this.challenges.delete(s);
        expired++;
      }
    }
    return expired;
  }
}

describe('random schedules (fast-check, model-based)', () => {
  it('admitted set == model (in-window first deliveries + answered challenges); nothing twice; payloads intact', () => {
    const totals = new Float64Array(16);
    fc.assert(
      fc.property(fc.array(opArbitrary, { minLength: 100, maxLength: 300, size: 'max' }), fc.nat(), (ops, seed) => {
        const h = new Harness({ rotateAfterPackets: 5, keys: { keyWindowAhead: 65536, keyWindowBehind: 65536 }, seed });
        const model = new Model();
        const inFlight: Uint8Array[] = [];
        const history: Uint8Array[] = [];
        const answers: Uint8Array[] = [];
        const check = (): void => {
          for (const o of h.observations) {
            if (o.kind === 'notify') model.expectNotify(o, h.nowUs);
            else if (o.kind === 'response') model.expectResponse(o);
            else model.expectReset(o);
          }
          h.observations = [];
        };
        for (const op of ops) {
          switch (op.t) {
            case 'send': {
              const d = h.sendNotifies(op.n);
              inFlight.push(d);
              history.push(d);
              break;
            }
            case 'deliver':
            case 'drop': {
              if (inFlight.length === 0) break;
              const [d] = inFlight.splice(op.pick % inFlight.length, 1);
              if (op.t === 'deliver') expect(h.deliver(d as Uint8Array)).toBe(OpenResult.Ok);
              break;
            }
            case 'deliverLatest': {
              // Newest first: what is left in flight gets ever older (deep reordering).
              const d = inFlight.pop();
              if (d !== undefined) expect(h.deliver(d)).toBe(OpenResult.Ok);
              break;
            }
            case 'replay': {
              if (history.length === 0) break;
              const d = history[op.pick % history.length] as Uint8Array;
              for (let i = 0; i < op.times; i++) expect(h.deliver(d)).toBe(OpenResult.Ok);
              break;
            }
            case 'answer': {
              const d = h.answerChallenges();
              if (d !== null) {
                inFlight.push(d);
                history.push(d);
                answers.push(d);
              }
              break;
            }
            case 'replayAnswer': {
              // The attacker replays the sender's answers (responses and refusals) specifically.
              if (answers.length > 0)
                expect(h.deliver(answers[op.pick % answers.length] as Uint8Array)).toBe(OpenResult.Ok);
              break;
            }
            case 'advance': {
              const expired = h.advance(op.us);
              check();
              expect(expired).toBe(model.expire(h.nowUs));
              break;
            }
          }
          check();
          expect(new Set(h.admittedSequences())).toEqual(model.admitted);
          expect(h.admission.heldCount).toBe(model.challenges.size);
        }
        expectSinkSound(h);
        // Every sequence ever delivered inside the window was admitted: the admitted set is exactly
        // the model's, and all of it reached the application once.
        expect(h.sink.length).toBe(model.admitted.size);
        for (let r = 0; r < h.admission.counters.length; r++)
          totals[r] = (totals[r] as number) + (h.admission.counters[r] as number);
      }),
      { numRuns: process.env.DCQ_LONG_TESTS ? 300 : 40 },
    );
    // The schedules reach every path: in-window admits, duplicates, challenges answered, refused,
    // expired, unmatched responses.
    for (const result of [
      AdmissionResult.Admit,
      AdmissionResult.Duplicate,
      AdmissionResult.Challenged,
      AdmissionResult.ChallengeDuplicate,
      AdmissionResult.Released,
      AdmissionResult.ResponseUnmatched,
      AdmissionResult.Expired,
      AdmissionResult.Reset,
    ]) {
      expect(totals[result], admissionResultName(result)).toBeGreaterThan(0);
    }
  });
});
