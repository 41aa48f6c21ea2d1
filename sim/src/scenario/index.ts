/**
 * Scenarios: the {@link SimTransport} contract, the scenario API and runner, the invariant
 * checkers, the transport and scenario registries, and the `dcq-sim` command line.
 *
 * @packageDocumentation
 */
export {
  CLI_USAGE,
  type CliOptions,
  type CliRequest,
  formatSeeds,
  parseCliArguments,
  parseSeedRange,
  reproduceCommand,
  type SeedRange,
  SWEEP_SEEDS_MAX,
} from './cli-args.js';
export { type CliIo, EXIT_OK, EXIT_USAGE, EXIT_VIOLATION, runCli } from './cli-run.js';
export {
  checkAtMostOnce,
  checkByteExact,
  checkCompleteness,
  checkInvariants,
  checkMemoryLimit,
  checkNoLeakedState,
  INVARIANT_NAMES,
  type InvariantContext,
  type InvariantName,
  type InvariantReport,
  type InvariantVerdict,
  isRpcRow,
  measurePriorityInversions,
  type PriorityInversionMeasurement,
  type Violation,
} from './invariants.js';
export { DeliveryFlaw, RunObservations, STATUS_SENDER_CRASHED, STATUS_SENDER_DOWN } from './observations.js';
export {
  buildScenario,
  FANOUT_SCENARIO,
  FAULTS_SCENARIO,
  INCAST_SCENARIO,
  registerScenario,
  resolveParameters,
  type ScenarioBuildContext,
  type ScenarioDefinition,
  type ScenarioParameterSpec,
  type ScenarioParameters,
  SMOKE_SCENARIO,
  scenarioDefinition,
  scenarioNames,
} from './registry.js';
export { FANOUT_SIZES_SCENARIO, RESULT_SCENARIOS, W4_LOAD_SCENARIO } from './result-scenarios.js';
export {
  type RunError,
  runResultToJson,
  SWEEP_SCHEMA,
  type SweepSummary,
  summarizeSweep,
  sweepToJson,
} from './run-json.js';
export { QUIESCENCE_CHECK_NS, QUIESCENCE_CHECK_NS_MAX, ScenarioRunner } from './runner.js';
export {
  DRAIN_NS_DEFAULT,
  type FaultAction,
  type FaultEvent,
  HELD_BYTES_PER_HOST_MAX_DEFAULT,
  RETRY_INTERVAL_NS_DEFAULT,
  type RunResult,
  type RunScenarioOptions,
  runScenario,
  type Scenario,
  type ScenarioLimits,
  type ScenarioNetworkOptions,
  type SimTransportContext,
  type SimTransportFactory,
  VIOLATIONS_KEPT_MAX_DEFAULT,
} from './scenario.js';
export {
  fillPayload,
  payloadMatches,
  SimDelivery,
  SimOutcome,
  SimStateCounters,
  SimTransferRequest,
  type SimTransport,
} from './transport.js';
export {
  DCQ_TRANSPORT_NAME,
  defaultTransportName,
  registerTransport,
  senderDrivenChunkBytesFor,
  senderDrivenTransportFactory,
  transportFactory,
  transportNames,
} from './transport-registry.js';
