export { createDcqTransportFactory, DCQ_STATE_LINGER_NS, simPsk } from './dcq-factory.js';
export { DcqTransport, type DcqTransportOptions, simHostIdentity } from './dcq-transport.js';
