/**
 * @dcq/node — the dcq runtime for Node.js: the `node:crypto` crypto provider (and, as they land, NIC
 * workers, UDP I/O, the TLS path-secret handshake and the public API) on top of the sans-IO
 * `@dcq/core` engine.
 *
 * @packageDocumentation
 */
export { createDefaultProvider, type DefaultProviderOptions } from './crypto/default-provider.js';
export { NODE_PROVIDER_NAME, NodeCryptoProvider, type NodeCryptoProviderOptions } from './crypto/node-provider.js';
