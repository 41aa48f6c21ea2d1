/**
 * Test-run setup shared by every project: fast-check runs from a fixed seed by default, so `npm test`
 * (and CI) explore the same cases every time and a failure reproduces exactly. Set
 * `DCQ_FC_SEED=<n>` to explore other cases, or `DCQ_FC_SEED=random` for a fresh seed per run
 * (fast-check prints the seed of any failure).
 */
import fc from 'fast-check';

const configured = process.env.DCQ_FC_SEED;
if (configured !== 'random') {
  const seed = configured === undefined ? 0x5eed_dc9 : Number(configured);
  if (!Number.isInteger(seed)) throw new Error(`DCQ_FC_SEED must be an integer or "random", got ${configured}`);
  fc.configureGlobal({ seed });
}
