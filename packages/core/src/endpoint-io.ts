/**
 * The I/O contract between a sans-IO endpoint and whatever moves its datagrams: a NIC worker with
 * UDP sockets, a libfabric endpoint, the simulator, or the in-memory test network. It follows
 * quinn-proto's shape (STYLE.md): `handle*` for input, `poll*` for output, time always passed in,
 * output buffers owned by the caller, peers named by small integers that the driver maps to
 * addresses.
 *
 * Polling order for a driver, once per loop iteration:
 * 1. `handleDatagram()` for every received datagram of the batch;
 * 2. `handleTimeout(now)` if `now >= pollTimeoutUs()`;
 * 3. `pollTransmit()` until it returns 0 (or the batch is full), then send the batch;
 * 4. sleep until `pollTimeoutUs()`, a datagram, or new application work.
 */

/** Where a polled datagram goes: written by {@link DatagramEndpoint.pollTransmit}. */
export class TransmitInfo {
  /** Peer index the datagram is for. */
  peer = -1;
  /** Priority class (0 highest … 7 lowest) for drivers and networks that honour it. */
  priority = 0;
}

/** A sans-IO endpoint seen from its driver. */
export interface DatagramEndpoint {
  /**
   * Processes one received datagram `bytes[offset, offset + length)` from peer `peer` at `nowUs`.
   * Never throws on any input; the bytes may be modified in place (decryption) and are not retained
   * after the call.
   */
  handleDatagram(nowUs: number, bytes: Uint8Array, offset: number, length: number, peer: number): void;
  /** Runs every timer due at or before `nowUs`. */
  handleTimeout(nowUs: number): void;
  /**
   * Writes the next datagram to send into `out[offset, …)`, fills `info`, and returns its length,
   * or 0 when there is nothing to send now (pacing, congestion window, or no work).
   */
  pollTransmit(nowUs: number, out: Uint8Array, offset: number, info: TransmitInfo): number;
  /** The next time `handleTimeout` must be called (µs), or `Infinity` when no timer is armed. */
  pollTimeoutUs(): number;
}
