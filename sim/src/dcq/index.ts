export { DcqTransport, type DcqTransportOptions } from './dcq-transport.js';
