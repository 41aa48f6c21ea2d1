/**
 * The contract between a simulation scenario and a transport running on one simulated NIC. The same
 * scenario drives dcq (the real `@dcq/core` Endpoint behind an adapter) and the sender-driven
 * baseline, so their results can be compared side by side and checked by the same invariants.
 *
 * A transport is a {@link DatagramEndpoint} (the network drives its I/O in virtual time) plus an
 * application face: submit messages and RPCs, and poll what happened. Payload bytes are a pure
 * function of (tag, size) — {@link fillPayload} — so receivers' deliveries are checked byte for byte
 * without the scenario storing payloads.
 */
import type { DatagramEndpoint } from '@dcq/core';

/** A transfer a scenario asks a transport to make. Reused by the caller: copy what you keep. */
export class SimTransferRequest {
  /** Destination peer index (as the network's peer table maps it). */
  peer = -1;
  /** Scenario-wide unique tag of this transfer (< 2^32); carried to the receiver with the payload. */
  tag = 0;
  /** Payload bytes of the message (the request, for RPCs). */
  sizeBytes = 0;
  /** 0 for a one-way message; otherwise the size of the response the receiver sends back (an RPC). */
  responseSizeBytes = 0;
  /** Priority 0 (highest) … 7 (lowest). */
  priority = 0;
  /**
   * Tag of an earlier transfer of the same host this one depends on (causality), or -1. Transports
   * without causality tracking may start it only after that transfer's outcome is known.
   */
  dependsOnTag = -1;
  /** Whether a failure of the dependency fails this transfer too (a cascading edge). */
  dependencyCascades = false;
}

/** Outcome of a submitted transfer, reported to its sender once. */
export class SimOutcome {
  /** Tag of the transfer. */
  tag = 0;
  /** 0 = completed (for an RPC: the response arrived and was byte-exact), otherwise a status code. */
  status = 0;
  /** Retransmitted datagrams attributable to this transfer (0 if the transport cannot tell). */
  retransmissions = 0;
}

/** A message delivered to the receiving application (a request, a one-way message or a response). */
export class SimDelivery {
  /** Peer index the message came from. */
  peer = -1;
  /** Tag of the transfer. */
  tag = 0;
  /** True for the response of an RPC (delivered at the RPC's sender). */
  isResponse = false;
  /** The delivered payload: `bytes[offset, offset + length)`, valid until the next poll. */
  bytes: Uint8Array = new Uint8Array(0);
  offset = 0;
  length = 0;
}

/** Live state a transport holds; all zero at quiescence, or state leaked. */
export class SimStateCounters {
  transfers = 0;
  buffers = 0;
  timers = 0;
  /** Bytes held for reassembly or retransmission. */
  heldBytes = 0;
}

/** A transport on one simulated NIC, as a scenario sees it. */
export interface SimTransport extends DatagramEndpoint {
  /** Short name used in reports, e.g. `dcq` or `sender-driven`. */
  readonly name: string;
  /**
   * Submits a transfer at `nowUs`. Returns ≥ 0 on acceptance, or a negative code when the transport
   * would block (backpressure): the scenario retries later. Responses to RPCs are sent by the
   * receiving transport itself (an echo server with the requested response size).
   */
  submit(nowUs: number, request: SimTransferRequest): number;
  /** Writes the next sender-side outcome into `out`; false when there is none. */
  pollOutcome(out: SimOutcome): boolean;
  /** Writes the next delivery into `out`; false when there is none. */
  pollDelivery(out: SimDelivery): boolean;
  /** Writes the transport's live state into `out`. */
  stateCounters(out: SimStateCounters): void;
}

/** Fills `out[offset, offset + length)` with the payload of transfer `tag` (a pure function of the tag). */
export function fillPayload(tag: number, isResponse: boolean, out: Uint8Array, offset: number, length: number): void {
  // xorshift32 seeded from the tag: cheap, deterministic, and different for requests and responses.
  let x = (Math.imul(tag >>> 0, 0x9e3779b1) ^ (isResponse ? 0x5bd1e995 : 0x1b873593)) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[offset + i] = x & 0xff;
  }
}

/** Whether `bytes[offset, offset + length)` is exactly the payload of transfer `tag`. */
export function payloadMatches(
  tag: number,
  isResponse: boolean,
  bytes: Uint8Array,
  offset: number,
  length: number,
): boolean {
  let x = (Math.imul(tag >>> 0, 0x9e3779b1) ^ (isResponse ? 0x5bd1e995 : 0x1b873593)) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    if (bytes[offset + i] !== (x & 0xff)) return false;
  }
  return true;
}
