/**
 * `@dcq/core/testing`: deterministic test infrastructure for sans-IO endpoints — the seeded
 * generator, the stable event queue, the per-link fault draws (shared with the simulator's
 * network), and the in-memory test network that drives `DatagramEndpoint`s in virtual time with
 * seeded faults. Not part of the main entry point:
 * production code never imports it.
 *
 * @packageDocumentation
 */
export { EVENT_QUEUE_CAPACITY_MAX, EventQueue } from './event-queue.js';
export { FNV1A32_OFFSET_BASIS, fnv1a32, fnv1a32Uint53, fnv1a32Word } from './fnv.js';
export {
  checkDuration,
  checkGilbertElliott,
  checkProbability,
  FAULT_BURST_LOSS,
  FAULT_CORRUPT,
  FAULT_DUPLICATE,
  FAULT_LOSS,
  FAULT_REORDER,
  flipBit,
  type GilbertElliott,
  gilbertElliottFromBurst,
  JITTER_EXPONENTIAL,
  JITTER_KINDS,
  JITTER_NONE,
  JITTER_UNIFORM,
  type JitterKind,
  jitterCodeOf,
  LINK_FAULT_DRAWS_LINKS_MAX,
  LinkFaultDraws,
  type LinkFaultDrawsOptions,
  type LinkFaultParameters,
  NO_LINK_FAULT_PARAMETERS,
} from './link-fault-draws.js';
export { portableExp, portableLog } from './portable-math.js';
export { PRNG_STATE_WORDS, Prng, seedPrngState } from './prng.js';
export {
  LINK_DELAY_US_DEFAULT,
  LINK_QUEUE_BYTES_MAX_DEFAULT,
  LINK_REORDER_DELAY_US_DEFAULT,
  type LinkConfig,
  type LinkStats,
  type LinkUpdate,
  TEST_NETWORK_ARENA_BYTES_LIMIT,
  TEST_NETWORK_DATAGRAM_BYTES_MAX_DEFAULT,
  TEST_NETWORK_ENDPOINTS_MAX,
  TEST_NETWORK_IN_FLIGHT_LIMIT,
  TEST_NETWORK_IN_FLIGHT_MAX_DEFAULT,
  TEST_NETWORK_ROUNDS_PER_INSTANT_DEFAULT,
  TEST_NETWORK_TRANSMITS_PER_INSTANT_DEFAULT,
  TestNetwork,
  type TestNetworkOptions,
  type TestNetworkStats,
  type TraceEntry,
  TraceKind,
  traceKindName,
} from './test-network.js';
