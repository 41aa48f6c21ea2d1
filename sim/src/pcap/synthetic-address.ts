/**
 * Synthetic link and network addresses of simulated NICs, for captures: every (host, nic) pair gets
 * a stable, locally administered MAC address and a private IPv4 address, so tshark's Ethernet, IPv4
 * and UDP dissectors decode a simulated capture like a real one and conversations are named by
 * host and NIC.
 *
 * Mapping (documented in sim/dissector/README.md):
 *   MAC  = 02:dc:HH:HL:00:NN   (HH:HL = host id as u16 big-endian, NN = nic index)
 *   IPv4 = 10.HH.HL.(NN + 1)   (so host 0 nic 0 is 10.0.0.1; .0 and .255 are never used)
 */
import { InvalidArgumentError } from '@dcq/core';

/** Largest host id a capture address can encode (u16). */
export const CAPTURE_HOST_ID_MAX = 0xffff;

/** Largest NIC index a capture address can encode (the IPv4 last octet is nic + 1 and stays below 255). */
export const CAPTURE_NIC_INDEX_MAX = 253;

/** Bytes of a MAC address. */
export const MAC_ADDRESS_BYTES = 6;

/** Bytes of an IPv4 address. */
export const IPV4_ADDRESS_BYTES = 4;

/** Throws unless (host, nic) can be encoded in a synthetic address. */
export function checkCaptureEndpoint(hostId: number, nicIndex: number): void {
  if (!(Number.isInteger(hostId) && hostId >= 0 && hostId <= CAPTURE_HOST_ID_MAX)) {
    throw new InvalidArgumentError(`capture host id must be an integer in [0, ${CAPTURE_HOST_ID_MAX}], got ${hostId}`);
  }
  if (!(Number.isInteger(nicIndex) && nicIndex >= 0 && nicIndex <= CAPTURE_NIC_INDEX_MAX)) {
    throw new InvalidArgumentError(
      `capture NIC index must be an integer in [0, ${CAPTURE_NIC_INDEX_MAX}], got ${nicIndex}`,
    );
  }
}

/** Writes the 6-byte synthetic MAC address of (host, nic) at `out[offset]`. The caller checked the range. */
export function writeSyntheticMac(out: Uint8Array, offset: number, hostId: number, nicIndex: number): void {
  out[offset] = 0x02; // locally administered, unicast
  out[offset + 1] = 0xdc;
  out[offset + 2] = hostId >>> 8;
  out[offset + 3] = hostId & 0xff;
  out[offset + 4] = 0;
  out[offset + 5] = nicIndex;
}

/** Writes the 4-byte synthetic IPv4 address of (host, nic) at `out[offset]`. The caller checked the range. */
export function writeSyntheticIpv4(out: Uint8Array, offset: number, hostId: number, nicIndex: number): void {
  out[offset] = 10;
  out[offset + 1] = hostId >>> 8;
  out[offset + 2] = hostId & 0xff;
  out[offset + 3] = nicIndex + 1;
}

/** The dotted-quad synthetic IPv4 address of (host, nic), e.g. `10.0.3.1` (for logs, docs and display filters). */
export function syntheticIpv4String(hostId: number, nicIndex: number): string {
  checkCaptureEndpoint(hostId, nicIndex);
  return `10.${hostId >>> 8}.${hostId & 0xff}.${nicIndex + 1}`;
}

/** The colon-separated synthetic MAC address of (host, nic), e.g. `02:dc:00:03:00:00`. */
export function syntheticMacString(hostId: number, nicIndex: number): string {
  checkCaptureEndpoint(hostId, nicIndex);
  const bytes = new Uint8Array(MAC_ADDRESS_BYTES);
  writeSyntheticMac(bytes, 0, hostId, nicIndex);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}
