/**
 * @dcq/core — the sans-IO protocol engine. No `node:*` imports, no clock and no randomness of its
 * own: time, randomness and crypto are passed in, so the same code runs in NIC workers, in the
 * simulator and in tests.
 *
 * @packageDocumentation
 */
export { assert, unreachable } from './assert.js';
export {
  BACKOFF_EPOCH_CAPACITY_MAX,
  BACKOFF_EXPONENT_MAX,
  BACKOFF_RTT_US_LIMIT,
  BackoffEpochTable,
  BackoffPolicy,
  type BackoffPolicyOptions,
  nextBackoffExponent,
  PHASE_TIMEOUT_MAX_US_DEFAULT,
  PHASE_TIMEOUT_MIN_US_DEFAULT,
  PHASE_TIMEOUT_RTT_MULTIPLIER_DEFAULT,
  PHASE_TIMEOUT_RTT_MULTIPLIER_MAX,
  PHASE_TIMEOUT_US_LIMIT,
  phaseTimeoutUs,
  retriesLeft,
  retryBudgetExhausted,
} from './backoff.js';
export {
  CAUSALITY_DEPENDENCIES_PER_ENTRY_MAX_DEFAULT,
  CAUSALITY_EDGE_CAPACITY_INITIAL_DEFAULT,
  CAUSALITY_EDGE_CAPACITY_LIMIT,
  CAUSALITY_EDGE_CAPACITY_MAX_DEFAULT,
  CAUSALITY_ENTRY_CAPACITY_INITIAL_DEFAULT,
  CAUSALITY_ENTRY_CAPACITY_LIMIT,
  CAUSALITY_ENTRY_CAPACITY_MAX_DEFAULT,
  CAUSALITY_OWNERS_LIMIT,
  CAUSALITY_OWNERS_MAX_DEFAULT,
  CAUSALITY_TOKEN_NONE,
  CausalityMap,
  type CausalityMapHandle,
  type CausalityMapOptions,
  CausalityOutcome,
  CausalityState,
  DependencyKind,
} from './causality-map.js';
export {
  CHALLENGE_CAPACITY_DEFAULT,
  CHALLENGE_DUPLICATE,
  CHALLENGE_FULL,
  CHALLENGE_NO_MATCH,
  CHALLENGE_NONCE_BYTES,
  CHALLENGE_PEER_FULL,
  CHALLENGE_PER_PEER_MAX_DEFAULT,
  type ChallengeKey,
  type ChallengeOpen,
  type ChallengeRandom,
  ChallengeTable,
  type ChallengeTableOptions,
} from './challenge-table.js';
export {
  BBR_CRUISE_PACING_GAIN,
  BBR_CWND_GAIN,
  BBR_DEFAULTS,
  BBR_DELAY_BETA,
  BBR_DELAY_DELIVERED_FRACTION,
  BBR_DELAY_ROUNDS_PROBE_RTT,
  BBR_DRAIN_PACING_GAIN,
  BBR_FULL_BW_GROWTH,
  BBR_FULL_BW_ROUNDS,
  BBR_PACING_MARGIN,
  BBR_PROBE_DOWN_PACING_GAIN,
  BBR_PROBE_DOWN_ROUNDS_MAX,
  BBR_PROBE_RTT_CWND_GAIN,
  BBR_PROBE_UP_CWND_GAIN,
  BBR_PROBE_UP_PACING_GAIN,
  BBR_STARTUP_CWND_GAIN,
  BBR_STARTUP_PACING_GAIN,
  BbrController,
  type BbrOptions,
} from './congestion/bbr.js';
export {
  CONGESTION_ACTION_COUNT,
  CONGESTION_STATE_COUNT,
  CongestionAction,
  type CongestionController,
  CongestionState,
  congestionActionName,
  congestionStateName,
  ProbeBwPhase,
  senderPacingRateBytesPerSec,
} from './congestion/controller.js';
export {
  DELIVERY_RECORD_FIELDS,
  DeliveryRateEstimator,
  DeliveryRecordField,
  DeliveryRecordFlag,
} from './congestion/delivery-rate.js';
export {
  WINDOWED_FILTER_LENGTH_MAX,
  type WindowedFilterOptions,
  WindowedMaxFilter,
  WindowedMinFilter,
} from './congestion/windowed-filter.js';
export {
  CONTROL_INTEGRITY_LIMIT,
  CONTROL_KEY_BYTES_LIMIT,
  CONTROL_KEY_PACKETS_LIMIT,
  ControlKeyReceiver,
  type ControlKeyReceiverOptions,
  ControlKeySender,
  type ControlKeySenderOptions,
  ControlOpenResult,
  controlOpenResultName,
  KEY_CACHE_CAPACITY_DEFAULT,
  KEY_WINDOW_AHEAD_DEFAULT,
  KEY_WINDOW_BEHIND_DEFAULT,
  KEY_WINDOW_MAX,
  KEY_WORKER_CAPACITY_DEFAULT,
  RESERVE_EXHAUSTED,
  ROTATE_AFTER_BYTES_DEFAULT,
  ROTATE_AFTER_PACKETS_DEFAULT,
} from './crypto/control-keys.js';
export {
  INSECURE_FAST_PROVIDER_NAME,
  InsecureFastCryptoProvider,
  type InsecureFastCryptoProviderOptions,
} from './crypto/insecure-fast-provider.js';
export {
  CONTROL_KEY_LABEL,
  DIRECTION_CLIENT,
  DIRECTION_SERVER,
  type Direction,
  KEY_ID_MAX,
  KEY_KIND_CONTROL,
  KEY_KIND_SECRET_CONTROL,
  KEY_MATERIAL_BYTES,
  KEY_WORKER_ID_MAX,
  type KeyKind,
  type KeyLabel,
  PACKET_NUMBER_MAX,
  PATH_PRK_SALT,
  PathKeySchedule,
  SECRET_CONTROL_KEY_LABEL,
  validateKeyLabel,
  writeControlNonce,
} from './crypto/key-schedule.js';
export {
  NOBLE_PROVIDER_NAME,
  NobleCryptoProvider,
  type NobleCryptoProviderOptions,
} from './crypto/noble-provider.js';
export {
  DATA_KEY_MATERIAL_BYTES,
  DATA_KEY_PAYLOAD_BYTES_MAX,
  generateDataKeyMaterial,
  PAYLOAD_BYTES_WIRE_MAX,
  PayloadKey,
  type PayloadKeyOptions,
  PayloadRecordCipher,
  type PayloadRecordCipherOptions,
  RECORD_AAD_BYTES,
  RECORD_AAD_LABEL,
  RECORD_FLAG_AUTHENTICATE_ONLY,
  RECORD_SIZE_LOG2_DEFAULT,
  RECORD_SIZE_LOG2_MAX,
  RECORD_SIZE_LOG2_MIN,
  RECORD_TAG_BYTES,
  type RecordAadFields,
  recordCountOf,
  recordIndexOf,
  recordSealedOffset,
  type SealRecordsOptions,
  sealedSize,
  writeRecordAad,
  writeRecordNonce,
} from './crypto/payload-records.js';
export {
  AEAD_KEY_BYTES,
  AEAD_NONCE_BYTES,
  AEAD_TAG_BYTES,
  type AeadKey,
  aeadArgumentsValid,
  type CryptoProvider,
  checkAeadKeyLength,
  checkSealArguments,
  HASH_BYTES,
  HKDF_EXPAND_BYTES_MAX,
  type RandomSource,
  regionFits,
} from './crypto/provider.js';
export {
  createSeededRandom,
  createSystemRandom,
  SEEDED_RANDOM_REFILL_BYTES,
  SeededRandom,
} from './crypto/random.js';
export {
  generateKeyScheduleVectors,
  generatePayloadRecordVectors,
  type KeyScheduleVectorCase,
  type KeyScheduleVectors,
  type KeyVector,
  type PayloadRecordVectorCase,
  type PayloadRecordVectors,
} from './crypto/vectors.js';
export {
  BlockCause,
  type BufferBudget,
  SubmitPressure,
  type SubmitPressureOptions,
} from './endpoint/backpressure.js';
export {
  BUFFER_NONE,
  type BufferRegistry,
  LocalBufferRegistry,
  type LocalBufferRegistryOptions,
} from './endpoint/buffer-registry.js';
export { type EndpointConfig, type EndpointOptions, resolveEndpointConfig } from './endpoint/config.js';
export { LOSS_REORDER_THRESHOLD, SenderCongestion, type SenderCongestionOptions } from './endpoint/congestion-glue.js';
export {
  ENDPOINT_COUNTER_NAMES,
  Endpoint,
  LocalStatus,
  type PeerPsk,
  STREAM_ITEM_ATTEMPTS_DEFAULT,
  type StreamItemOptions,
  SubmitError,
  type SubmitOptions,
} from './endpoint/endpoint.js';
export { TransferFailedError, transferError } from './endpoint/errors.js';
export {
  EVENT_KIND_COUNT,
  EVENT_KINDS,
  type EventField,
  EventKind,
  type EventKindDefinition,
  EventView,
  eventKindName,
} from './endpoint/events.js';
export {
  type FlowAcceptor,
  type FlowAcceptorCounters,
  FlowDecision,
  HeldFlows,
  HeldMark,
  NewFlowView,
} from './endpoint/flow-acceptor.js';
export { StreamEngine, StreamState } from './endpoint/streams.js';
export { type DatagramEndpoint, TransmitInfo } from './endpoint-io.js';
export {
  AssertionError,
  BackpressureError,
  DcqError,
  ErrorCode,
  InvalidArgumentError,
  StaleHandleError,
} from './errors.js';
export {
  runWireFuzz,
  type WireFuzzFailure,
  type WireFuzzOptions,
  type WireFuzzProgress,
  type WireFuzzReport,
} from './fuzz/wire-fuzz.js';
export {
  BUFFER_GENERATION_BITS,
  compareIds,
  formatId,
  generationOfTransferHi,
  ID_BYTES,
  idEquals,
  idFromBigInt,
  idToBigInt,
  isU32,
  parseId,
  readIdHi,
  readIdLo,
  TRANSFER_GENERATION_BITS,
  TRANSFER_GENERATION_MASK,
  transferIdHi,
  U32_MAX,
  WORKER_ID_BITS,
  WORKER_ID_MAX,
  workerIdOfTransferHi,
  writeId,
} from './ids.js';
export { IntrusiveLists, LIST_NONE } from './intrusive-lists.js';
export {
  ADMISSION_RESULT_COUNT,
  AdmissionResult,
  admissionResultName,
  CHALLENGE_TIMEOUT_MAX_US_DEFAULT,
  CHALLENGE_TIMEOUT_MIN_US_DEFAULT,
  HELD_ARENA_BYTES_DEFAULT,
  HELD_ARENA_BYTES_MAX,
  HELD_ARENA_BYTES_MIN,
  HELD_BLOCK_BYTES,
  HELD_NOTIFY_GONE,
  type KnownTransferLookup,
  NO_HELD_SLOT,
  NotifyAdmission,
  type NotifyAdmissionOptions,
  type NotifySource,
  type PeerRttSource,
} from './notify-admission.js';
export { PACER_BURST_BYTES_LIMIT, PACER_RATE_LIMIT, Pacer, type PacerOptions } from './pacer.js';
export {
  constantTimeEqual,
  derivePskPathSecret,
  derivePskResetKey,
  PATH_SECRET_ID_BYTES,
  PATH_SECRET_MAP_DEFAULTS,
  PATH_SECRET_NOT_FOUND,
  type PathSecretCrypto,
  type PathSecretInsert,
  PathSecretMap,
  type PathSecretMapOptions,
  PathSecretRemoval,
  type PskPathSecret,
  type PskPathSecretInput,
  STATELESS_RESET_TAG_BYTES,
  statelessResetTag,
} from './path-secret-map.js';
export {
  IcmpPolicy,
  NOTIFY_IN_FLIGHT_UNLIMITED,
  PEER_HEALTH_CAPACITY_MAX,
  PEER_HEALTH_DEFAULTS,
  PEER_HEALTH_TIME_NONE,
  PEER_HEALTH_TRANSITION_CAPACITY_MAX,
  PEER_STATE_COUNT,
  PEER_STATE_NAMES,
  PEER_WORK_MAX,
  PeerHealthCause,
  type PeerHealthOptions,
  PeerHealthTable,
  PeerState,
  TRANSITION_NONE,
} from './peer-health.js';
export {
  PRIORITY_HIGHEST,
  PRIORITY_LEVEL_COUNT,
  PRIORITY_LOWEST,
  PRIORITY_QUEUE_ANTI_STARVATION_EVERY_DEFAULT,
  PRIORITY_QUEUE_CAPACITY_MAX,
  PriorityQueue,
  type PriorityQueueOptions,
} from './priority-queue.js';
export {
  FRAGMENT_LIMIT,
  RANGE_OFFSET_MAX,
  RANGE_SET_FRAGMENTS_MAX,
  RangeSet,
  type RangeSetOptions,
} from './range-set.js';
export {
  NOTIFY_SEQUENCE_MAX,
  notifySequenceFromHiLo,
  REPLAY_NO_WINDOW,
  REPLAY_WINDOW_BITS_DEFAULT,
  REPLAY_WINDOW_BITS_MAX,
  REPLAY_WINDOW_BITS_MIN,
  ReplayResult,
  ReplayWindowTable,
  type ReplayWindowTableOptions,
} from './replay-window.js';
export {
  RTT_GRANULARITY_US_DEFAULT,
  RTT_INITIAL_US_DEFAULT,
  RTT_MAX_ACK_DELAY_US_DEFAULT,
  RttEstimator,
  type RttEstimatorOptions,
} from './rtt-estimator.js';
export {
  ControlDatagramSealer,
  type ControlDatagramSealerOptions,
  type DatagramKeyOptions,
  DatagramOpener,
  type DatagramOpenerOptions,
  isOpenRejection,
  NO_ENTRY,
  OPEN_RESULT_COUNT,
  OpenedDatagram,
  OpenResult,
  openResultName,
  REPLY_NONE,
  REPLY_RATE_LIMITED,
  SEAL_BODY_EMPTY,
  SEAL_KEYS_EXHAUSTED,
  SEAL_NO_ROOM,
} from './secure-datagram.js';
export {
  TOKEN_BUCKET_BURST_MAX,
  TOKEN_BUCKET_RATE_MAX,
  TokenBucket,
  type TokenBucketOptions,
  UNKNOWN_PATH_SECRET_BURST_DEFAULT,
  UNKNOWN_PATH_SECRET_RATE_DEFAULT,
} from './secure-token-bucket.js';
export {
  buildSealedDatagramVectors,
  insertSealedVectorSecret,
  SEALED_VECTOR_PULL_ID,
  SEALED_VECTOR_RECEIVER_TRANSFER_ID,
  SEALED_VECTOR_WORKER_ID,
  type SealedDatagramVector,
  type SealedDatagramVectorSet,
  type SealedVectorDatagram,
} from './secure-vectors.js';
export {
  BufferIdAllocator,
  type BufferIdAllocatorOptions,
  GENERATION_FIRST,
  ID_FOREIGN,
  ID_STALE,
  SLOT_CAPACITY_MAX,
  SLOT_NONE,
  SlotAllocator,
  type SlotAllocatorOptions,
  TransferIdAllocator,
  type TransferIdAllocatorOptions,
} from './slot-allocator.js';
export {
  TIMER_NONE,
  TIMING_WHEEL_CAPACITY_MAX,
  TIMING_WHEEL_LEVEL_COUNT,
  TIMING_WHEEL_SLOT_COUNT,
  TIMING_WHEEL_SPAN_TICKS,
  TIMING_WHEEL_TIME_US_MAX,
  TimingWheel,
  type TimingWheelOptions,
} from './timing-wheel.js';
export * from './wire/index.js';
