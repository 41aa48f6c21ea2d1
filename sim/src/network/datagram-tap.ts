/**
 * The network's capture point: an optional {@link DatagramTap} sees every datagram that reaches a
 * final outcome with a known destination — delivered to an endpoint, or dropped for any reason
 * after its destination was resolved — with its bytes in place, before the endpoint may decrypt
 * them. The record it gets is reused and has the fields of the pcap writer's `PcapPacket`, so a
 * `PcapCapture` can record it as is. Off by default; one null check per outcome when off.
 */
import type { SimTraceKind } from './trace.js';

/** One tapped datagram; the network refills the same object for every call (copy what you keep). */
export class TappedDatagram {
  /** What happened to it: {@link SimTraceKind.Deliver} or one of the drop kinds. */
  kind: SimTraceKind | 0;
  /** When, ns. */
  timeNs: number;
  /** Sending host. */
  sourceHost: number;
  /** Sending NIC index within its host. */
  sourceNic: number;
  /** Destination host. */
  destinationHost: number;
  /** Destination NIC index within its host. */
  destinationNic: number;
  /** Always 0 from the network (the pcap writer's flag bits). */
  flags: number;
  /** Holds the datagram; valid only during the call. */
  bytes: Uint8Array;
  /** Offset of the datagram in `bytes`. */
  offset: number;
  /** Length of the datagram. */
  length: number;
  /** Where it happened: the link of a link or queue drop, else the NIC concerned. */
  where: number;
  /** Network-wide number of the datagram (shared by duplicates). */
  datagramId: number;

  constructor() {
    this.kind = 0;
    this.timeNs = 0;
    this.sourceHost = 0;
    this.sourceNic = 0;
    this.destinationHost = 0;
    this.destinationNic = 0;
    this.flags = 0;
    this.bytes = new Uint8Array(0);
    this.offset = 0;
    this.length = 0;
    this.where = -1;
    this.datagramId = -1;
  }
}

/** Receives tapped datagrams; must not call back into the network. */
export interface DatagramTap {
  /** One datagram reached its outcome; `datagram` and its bytes are only valid during the call. */
  onDatagram(datagram: TappedDatagram): void;
}
