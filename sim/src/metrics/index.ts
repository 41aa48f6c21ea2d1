/**
 * Measurements: per-transfer records, slowdown against an ideal unloaded network, exact percentiles
 * per message-size bucket, goodput and utilisation (totals and time series), priority inversions,
 * completion-time summaries and the JSON run report.
 *
 * @packageDocumentation
 */
export { completionTimesNs, summarizeValues, type ValueSummary } from './completion-times.js';
export {
  BYTE_TIME_SERIES_BINS_MAX,
  ByteTimeSeries,
  goodputRatio,
  goodputSeries,
  type LinkUtilisationParams,
  linkUtilisation,
  type TransferTotals,
  transferTotals,
} from './goodput.js';
export {
  percentileKey,
  percentileOfSorted,
  percentileRank,
  percentiles,
  REPORT_PERCENTS,
  sortedCopy,
} from './percentiles.js';
export {
  PRIORITY_INVERSION_LOG_CAPACITY_LIMIT,
  type PriorityInversionEvent,
  PriorityInversionLog,
  type PriorityInversionSummary,
} from './priority-inversions.js';
export {
  buildRunReport,
  canonicalJson,
  type JsonValue,
  RUN_REPORT_SCHEMA,
  type RunReport,
  type RunReportInput,
  runReportToJson,
} from './run-report.js';
export {
  bucketOf,
  FIXED_SIZE_EDGES_BYTES,
  fixedSizeBuckets,
  formatBytes,
  quantileSizeBucketsOfDistribution,
  quantileSizeBucketsOfSizes,
  type SizeBuckets,
  sizeBucketsFromEdges,
} from './size-buckets.js';
export {
  type BucketSlowdown,
  bucketSlowdownToObject,
  computeSlowdowns,
  IDEAL_PACKET_PAYLOAD_BYTES_DEFAULT,
  type IdealCompletion,
  type IdealPathParams,
  idealCompletionNs,
  idealFromPath,
  type SlowdownByBucketInput,
  slowdownByBucket,
} from './slowdown.js';
export {
  TRANSFER_RECORDS_CAPACITY_LIMIT,
  type TransferRecordStart,
  TransferRecords,
  TransferStatus,
} from './transfer-records.js';
