export {
  createDcqTransportFactory,
  DCQ_CRYPTO_PROVIDERS,
  DCQ_SIM_PULL_BYTES,
  DCQ_SIM_RECEIVE_WINDOW_BYTES,
  DCQ_STATE_LINGER_NS,
  type DcqTransportFactoryOptions,
  dcqDatagramSizeFor,
  dcqPullBytesFor,
  simPsk,
} from './dcq-factory.js';
export { DcqTransport, type DcqTransportOptions, simHostIdentity } from './dcq-transport.js';
export {
  DcqWireBreakdown,
  type DcqWireReport,
  type DcqWireReportOptions,
  DcqWireTally,
  DcqWireTracer,
  type WireShare,
  wireReportLeafSum,
} from './wire-breakdown.js';
