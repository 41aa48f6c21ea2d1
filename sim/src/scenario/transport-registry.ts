/**
 * The transports a scenario can run with, by name (`dcq-sim --transport NAME`): a registry of
 * {@link SimTransportFactory}s. The sender-driven baseline is registered here; the dcq engine
 * adapter registers itself as `dcq` when it exists, and users may register their own.
 */
import { InvalidArgumentError } from '@dcq/core';
import { CHECKSUM_BYTES, DATA_HEADER_BYTES } from '../baseline/baseline-header.js';
import {
  BASELINE_STATUS_DEPENDENCY_FAILED,
  BASELINE_STATUS_TIMEOUT,
  SenderDrivenTransport,
} from '../baseline/index.js';
import { createDcqTransportFactory } from '../dcq/dcq-factory.js';
import type { SimTransportFactory } from './scenario.js';

/** Name of the dcq transport (preferred default once registered). */
export const DCQ_TRANSPORT_NAME = 'dcq';

const factories = new Map<string, SimTransportFactory>();

/** Registers `factory` under its name; throws if the name is taken. */
export function registerTransport(factory: SimTransportFactory): void {
  if (factories.has(factory.name)) throw new InvalidArgumentError(`transport '${factory.name}' is already registered`);
  if (factory.cryptoProviders.length === 0) {
    throw new InvalidArgumentError(`transport '${factory.name}' must name at least one crypto provider (or 'none')`);
  }
  factories.set(factory.name, factory);
}

/** Names of the registered transports, sorted. */
export function transportNames(): string[] {
  return [...factories.keys()].sort();
}

/** The factory named `name`; throws an {@link InvalidArgumentError} listing the registered ones. */
export function transportFactory(name: string): SimTransportFactory {
  const factory = factories.get(name);
  if (factory === undefined) {
    throw new InvalidArgumentError(
      `unknown transport '${name}'; registered: ${transportNames().join(', ')}` +
        (name === DCQ_TRANSPORT_NAME ? ' (the dcq engine adapter is not registered yet)' : ''),
    );
  }
  return factory;
}

/** The transport used when none is named: `dcq` when registered, else the first registered one. */
export function defaultTransportName(): string {
  if (factories.has(DCQ_TRANSPORT_NAME)) return DCQ_TRANSPORT_NAME;
  const first = transportNames()[0];
  if (first === undefined) throw new InvalidArgumentError('no transport is registered');
  return first;
}

/**
 * Bytes a DATA datagram of the sender-driven baseline leaves unused below the MTU: its default
 * 1,400-byte chunks (QUIC's conservative payload) plus header and checksum make 1,432 of the 1,472
 * bytes a 1,500-byte MTU lets through.
 */
const SENDER_DRIVEN_MTU_SLACK_BYTES = 40;

/**
 * The baseline's chunk size on a network whose MTU lets `mtuDatagramBytes` of UDP payload through:
 * the datagram minus header, checksum and the same slack as at MTU 1500 (1,400 there, 8,900 at 9000).
 */
export function senderDrivenChunkBytesFor(mtuDatagramBytes: number): number {
  return Math.max(1, mtuDatagramBytes - DATA_HEADER_BYTES - CHECKSUM_BYTES - SENDER_DRIVEN_MTU_SLACK_BYTES);
}

/**
 * The sender-driven baseline (`sim/src/baseline`): no crypto, no restart support (a restarted
 * host's fresh transport would accept old peers' retransmissions as new transfers). Its send and
 * reassembly budgets are each half the scenario's per-host held-bytes limit.
 */
export const senderDrivenTransportFactory: SimTransportFactory = {
  name: 'sender-driven',
  description: 'the sender-driven baseline: per-transfer fixed windows, timeout-only repair, no crypto',
  cryptoProviders: ['none'],
  supportsRestart: false,
  statusNames: { [BASELINE_STATUS_TIMEOUT]: 'timeout', [BASELINE_STATUS_DEPENDENCY_FAILED]: 'dependencyFailed' },
  create(context) {
    const half = Math.max(1, Math.floor(context.heldBytesMax / 2));
    return new SenderDrivenTransport({
      peersMax: Math.max(1, context.hostCount),
      chunkBytes: senderDrivenChunkBytesFor(context.mtuDatagramBytes),
      sendBytesMax: half,
      reassemblyBytesMax: half,
    });
  },
};

registerTransport(senderDrivenTransportFactory);
registerTransport(createDcqTransportFactory());
