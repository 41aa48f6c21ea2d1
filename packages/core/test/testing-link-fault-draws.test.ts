/**
 * The shared per-link fault draws (used by TestNetwork and the simulator's SimNetwork): the draw
 * discipline against a reference that replays the documented streams by hand (six decision draws
 * per departure from stream `firstStream + 2·link` whatever the configuration, the Gilbert–Elliott
 * state machine, the duplicate's decisions, bit positions and jitter from stream
 * `firstStream + 1 + 2·link`), random operation sequences over several links (fast-check), the
 * configuration round trip and burst-restart rule, `isFaulty`, and the validation helpers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../src/errors.js';
import {
  checkDuration,
  checkGilbertElliott,
  checkProbability,
  FAULT_BURST_LOSS,
  FAULT_CORRUPT,
  FAULT_DUPLICATE,
  FAULT_LOSS,
  FAULT_REORDER,
  flipBit,
  gilbertElliottFromBurst,
  jitterCodeOf,
  LinkFaultDraws,
  type LinkFaultParameters,
  NO_LINK_FAULT_PARAMETERS,
  PRNG_STATE_WORDS,
  Prng,
  seedPrngState,
} from '../src/testing/index.js';

const TWO_POW_32 = 4294967296;

function stream(seed: number, id: number): Prng {
  const states = new Uint32Array(PRNG_STATE_WORDS);
  seedPrngState(states, 0, seed, id);
  return new Prng(states);
}

/** A naive reference of one link: its own two streams and burst state, the documented rules spelled out. */
class ReferenceLink {
  readonly decisions: Prng;
  readonly values: Prng;
  bad = false;
  parameters: LinkFaultParameters = NO_LINK_FAULT_PARAMETERS;

  constructor(seed: number, firstStream: number, link: number) {
    this.decisions = stream(seed, firstStream + 2 * link);
    this.values = stream(seed, firstStream + 1 + 2 * link);
  }

  configure(parameters: LinkFaultParameters): void {
    if (JSON.stringify(normalizedBurst(parameters)) !== JSON.stringify(normalizedBurst(this.parameters))) {
      this.bad = false;
    }
    this.parameters = parameters;
  }

  departure(): number {
    const p = this.parameters;
    const draws = Array.from({ length: 6 }, () => this.decisions.nextU32());
    const below = (draw: number, probability: number): boolean => draw < probability * TWO_POW_32;
    let mask = 0;
    if (p.burstLoss !== null) {
      const lossGood = p.burstLoss.lossProbabilityGood ?? 0;
      const lossBad = p.burstLoss.lossProbabilityBad ?? 1;
      if (below(draws[1] as number, this.bad ? lossBad : lossGood)) mask |= FAULT_BURST_LOSS;
      if (this.bad) {
        if (below(draws[2] as number, p.burstLoss.badToGoodProbability)) this.bad = false;
      } else if (below(draws[2] as number, p.burstLoss.goodToBadProbability)) {
        this.bad = true;
      }
    }
    if (below(draws[0] as number, p.lossProbability)) mask |= FAULT_LOSS;
    if (below(draws[3] as number, p.duplicateProbability)) mask |= FAULT_DUPLICATE;
    if (below(draws[4] as number, p.reorderProbability)) mask |= FAULT_REORDER;
    if (below(draws[5] as number, p.corruptProbability)) mask |= FAULT_CORRUPT;
    return mask;
  }

  copyFaults(): number {
    const reorder = this.values.nextU32();
    const corrupt = this.values.nextU32();
    return (
      (reorder < this.parameters.reorderProbability * TWO_POW_32 ? FAULT_REORDER : 0) |
      (corrupt < this.parameters.corruptProbability * TWO_POW_32 ? FAULT_CORRUPT : 0)
    );
  }

  corruptBit(length: number): number {
    return this.values.intBelow(length * 8);
  }

  delay(faults: number): number {
    const p = this.parameters;
    let delay = 0;
    if (p.jitter === 'uniform') delay += this.values.intBelow(p.jitterScale + 1);
    else if (p.jitter === 'exponential') delay += Math.round(this.values.exponential(p.jitterScale));
    if ((faults & FAULT_REORDER) !== 0) delay += p.reorderDelay;
    return delay;
  }
}

function normalizedBurst(p: LinkFaultParameters): unknown {
  const b = p.burstLoss;
  return b === null
    ? null
    : [b.goodToBadProbability, b.badToGoodProbability, b.lossProbabilityGood ?? 0, b.lossProbabilityBad ?? 1];
}

const parametersArb: fc.Arbitrary<LinkFaultParameters> = fc.record({
  lossProbability: fc.constantFrom(0, 0.1, 0.5, 1),
  burstLoss: fc.option(
    fc.record({
      goodToBadProbability: fc.constantFrom(0, 0.05, 0.5),
      badToGoodProbability: fc.constantFrom(0.2, 0.5, 1),
      lossProbabilityGood: fc.constantFrom(0, 0.01),
      lossProbabilityBad: fc.constantFrom(0.5, 1),
    }),
    { nil: null },
  ),
  duplicateProbability: fc.constantFrom(0, 0.3, 1),
  reorderProbability: fc.constantFrom(0, 0.3, 1),
  reorderDelay: fc.nat(100_000),
  jitter: fc.constantFrom('none' as const, 'uniform' as const, 'exponential' as const),
  jitterScale: fc.nat(5000),
  corruptProbability: fc.constantFrom(0, 0.3, 1),
});

type Op =
  | { readonly kind: 'configure'; readonly link: number; readonly parameters: LinkFaultParameters }
  | { readonly kind: 'depart'; readonly link: number; readonly length: number };

const opArb = (links: number): fc.Arbitrary<Op> =>
  fc.oneof(
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('configure' as const),
        link: fc.nat(links - 1),
        parameters: parametersArb,
      }),
    },
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('depart' as const),
        link: fc.nat(links - 1),
        length: fc.integer({ min: 1, max: 1500 }),
      }),
    },
  );

describe('LinkFaultDraws', () => {
  it('matches the reference draw discipline over random configurations and departures on several links', () => {
    const links = 3;
    fc.assert(
      fc.property(
        fc.nat(1 << 20),
        fc.constantFrom(1, 7),
        fc.array(opArb(links), { maxLength: 120 }),
        (seed, first, ops) => {
          const draws = new LinkFaultDraws({ linkCount: links, seed, firstStream: first });
          const reference = Array.from({ length: links }, (_, link) => new ReferenceLink(seed, first, link));
          for (const op of ops) {
            const model = reference[op.link] as ReferenceLink;
            if (op.kind === 'configure') {
              draws.configure(op.link, op.parameters);
              model.configure(op.parameters);
              expect(draws.isBurstBad(op.link)).toBe(model.bad);
              continue;
            }
            // What a network does with a departure: drop, or launch the original then a duplicate.
            const faults = draws.drawDeparture(op.link);
            expect(faults).toBe(model.departure());
            expect(draws.isBurstBad(op.link)).toBe(model.bad);
            if ((faults & (FAULT_LOSS | FAULT_BURST_LOSS)) !== 0) continue;
            const launch = (copyFaults: number): void => {
              if ((copyFaults & FAULT_CORRUPT) !== 0) {
                const bit = draws.drawCorruptBit(op.link, op.length);
                expect(bit).toBe(model.corruptBit(op.length));
                expect(bit).toBeGreaterThanOrEqual(0);
                expect(bit).toBeLessThan(op.length * 8);
              }
              expect(draws.drawDelay(op.link, copyFaults)).toBe(model.delay(copyFaults));
            };
            launch(faults);
            if ((faults & FAULT_DUPLICATE) !== 0) {
              const copy = draws.drawCopyFaults(op.link);
              expect(copy).toBe(model.copyFaults());
              expect(copy & ~(FAULT_REORDER | FAULT_CORRUPT)).toBe(0);
              launch(copy);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('draws six decisions per departure even without faults, and never touches other links', () => {
    const draws = new LinkFaultDraws({ linkCount: 4, seed: 5 });
    draws.configure(2, { ...NO_LINK_FAULT_PARAMETERS, lossProbability: 0.5 });
    for (let i = 0; i < 10; i++) expect(draws.drawDeparture(1)).toBe(0);
    // Link 2's stream is where it would be with no traffic on link 1.
    const fresh = new LinkFaultDraws({ linkCount: 4, seed: 5 });
    fresh.configure(2, { ...NO_LINK_FAULT_PARAMETERS, lossProbability: 0.5 });
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < 50; i++) {
      a.push(draws.drawDeparture(2));
      b.push(fresh.drawDeparture(2));
    }
    expect(a).toEqual(b);
    expect(a.some((mask) => mask === FAULT_LOSS)).toBe(true);
    // Link 1 really consumed six draws per departure: its next loss decision is draw 61 of stream 1 + 2.
    draws.configure(1, { ...NO_LINK_FAULT_PARAMETERS, lossProbability: 0.5 });
    const reference = stream(5, 1 + 2);
    for (let i = 0; i < 60; i++) reference.nextU32();
    const lossDraw = reference.nextU32();
    expect((draws.drawDeparture(1) & FAULT_LOSS) !== 0).toBe(lossDraw < 0.5 * TWO_POW_32);
  });

  it('jitter never changes the decision stream, and probability 1 / 0 are certain', () => {
    const plain = new LinkFaultDraws({ linkCount: 1, seed: 9 });
    const jittered = new LinkFaultDraws({ linkCount: 1, seed: 9 });
    plain.configure(0, { ...NO_LINK_FAULT_PARAMETERS, lossProbability: 0.3 });
    jittered.configure(0, {
      ...NO_LINK_FAULT_PARAMETERS,
      lossProbability: 0.3,
      jitter: 'exponential',
      jitterScale: 50,
    });
    for (let i = 0; i < 200; i++) {
      const mask = plain.drawDeparture(0);
      expect(jittered.drawDeparture(0)).toBe(mask);
      expect(plain.drawDelay(0, mask)).toBe(0);
      expect(jittered.drawDelay(0, mask)).toBeGreaterThanOrEqual(0);
    }
    const always = new LinkFaultDraws({ linkCount: 1, seed: 1 });
    always.configure(0, {
      ...NO_LINK_FAULT_PARAMETERS,
      lossProbability: 1,
      duplicateProbability: 1,
      reorderProbability: 1,
      corruptProbability: 1,
      reorderDelay: 70,
    });
    for (let i = 0; i < 100; i++) {
      expect(always.drawDeparture(0)).toBe(FAULT_LOSS | FAULT_DUPLICATE | FAULT_REORDER | FAULT_CORRUPT);
      expect(always.drawCopyFaults(0)).toBe(FAULT_REORDER | FAULT_CORRUPT);
      expect(always.drawDelay(0, FAULT_REORDER)).toBe(70);
    }
  });

  it('round-trips parameters, restarts a changed burst channel only, and reports isFaulty', () => {
    const draws = new LinkFaultDraws({ linkCount: 2, seed: 3 });
    expect(draws.parameters(0)).toEqual(NO_LINK_FAULT_PARAMETERS);
    expect(draws.isFaulty(0)).toBe(false);
    const burstLoss = { goodToBadProbability: 1, badToGoodProbability: 0 };
    const parameters: LinkFaultParameters = { ...NO_LINK_FAULT_PARAMETERS, burstLoss, reorderDelay: 12 };
    draws.configure(0, parameters);
    expect(draws.parameters(0)).toEqual({
      ...parameters,
      burstLoss: { ...burstLoss, lossProbabilityGood: 0, lossProbabilityBad: 1 },
    });
    expect(draws.isFaulty(0)).toBe(true);
    draws.drawDeparture(0); // good → bad with certainty
    expect(draws.isBurstBad(0)).toBe(true);
    expect(draws.drawDeparture(0)).toBe(FAULT_BURST_LOSS);
    draws.configure(0, { ...parameters, lossProbability: 0.1 }); // same channel: state kept
    expect(draws.isBurstBad(0)).toBe(true);
    draws.configure(0, { ...parameters, burstLoss: { ...burstLoss, lossProbabilityBad: 0.9 } }); // changed: restarts
    expect(draws.isBurstBad(0)).toBe(false);
    for (const [change, faulty] of [
      [{ jitter: 'uniform', jitterScale: 0 }, false],
      [{ jitter: 'uniform', jitterScale: 1 }, true],
      [{ jitterScale: 5 }, false],
      [{ reorderDelay: 5 }, false],
      [{ lossProbability: 0.01 }, true],
      [{ duplicateProbability: 0.01 }, true],
      [{ reorderProbability: 0.01 }, true],
      [{ corruptProbability: 0.01 }, true],
    ] as const) {
      draws.configure(1, { ...NO_LINK_FAULT_PARAMETERS, ...change });
      expect(draws.isFaulty(1)).toBe(faulty);
    }
  });

  it('validates options and helper inputs', () => {
    expect(() => new LinkFaultDraws({ linkCount: 0, seed: 1 })).toThrow(InvalidArgumentError);
    expect(() => new LinkFaultDraws({ linkCount: 1.5, seed: 1 })).toThrow(InvalidArgumentError);
    expect(() => new LinkFaultDraws({ linkCount: 1, seed: -1 })).toThrow(InvalidArgumentError);
    expect(checkProbability(0.25, 'p')).toBe(0.25);
    expect(() => checkProbability(1.01, 'p')).toThrow(/p must be a probability/);
    expect(() => checkProbability(Number.NaN, 'p')).toThrow(InvalidArgumentError);
    expect(checkDuration(7, 'd', 'ns')).toBe(7);
    expect(() => checkDuration(-1, 'delayNs', 'ns')).toThrow(
      'delayNs must be a safe non-negative integer number of ns, got -1',
    );
    expect(() => checkDuration(0.5, 'delayUs', 'µs')).toThrow(/number of µs/);
    expect(() => checkGilbertElliott({ goodToBadProbability: 0.1, badToGoodProbability: 2 })).toThrow(
      /burstLoss.badToGoodProbability/,
    );
    expect(() => checkGilbertElliott(gilbertElliottFromBurst({ lossRate: 0.1, meanBurstLength: 2 }))).not.toThrow();
    expect(jitterCodeOf('exponential')).toBe(2);
    expect(() => jitterCodeOf('gaussian' as 'none')).toThrow(InvalidArgumentError);
    const bytes = new Uint8Array(4);
    flipBit(bytes, 1, 9);
    expect(Array.from(bytes)).toEqual([0, 0, 2, 0]);
  });
});
