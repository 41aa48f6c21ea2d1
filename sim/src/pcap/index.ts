/**
 * Packet captures of simulated traffic (`dcq-sim --pcap`): a streaming libpcap writer with
 * synthetic Ethernet/IPv4/UDP encapsulation, a decryptor for control datagrams, and the capture tap
 * that joins them. The Wireshark dissector that reads these captures is sim/dissector/dcq.lua.
 */
export {
  CAPTURE_DECRYPT_RESULT_COUNT,
  CAPTURE_DIRECTION_MEMO_CAPACITY_DEFAULT,
  CAPTURE_KEY_CACHE_CAPACITY_DEFAULT,
  CAPTURE_PATH_SECRET_CAPACITY_DEFAULT,
  CaptureDecryptor,
  type CaptureDecryptorOptions,
  CaptureDecryptResult,
  type CapturePathSecret,
  captureDecryptResultName,
} from './capture-decryptor.js';
export { type OpenPcapCaptureOptions, openPcapCapture, PcapCapture, type PcapCaptureOptions } from './pcap-capture.js';
export {
  FilePcapSink,
  MEMORY_PCAP_SINK_CAPACITY_DEFAULT,
  MemoryPcapSink,
  type MemoryPcapSinkOptions,
  type PcapSink,
} from './pcap-sink.js';
export {
  DCQ_PCAP_UDP_PORT,
  ETHERNET_HEADER_BYTES,
  FRAME_OVERHEAD_BYTES,
  IPV4_HEADER_BYTES,
  internetChecksum,
  PCAP_BUFFER_BYTES_DEFAULT,
  PCAP_BUFFER_BYTES_MAX,
  PCAP_GLOBAL_HEADER_BYTES,
  PCAP_LINKTYPE_ETHERNET,
  PCAP_MAGIC_NANOSECONDS,
  PCAP_PACKET_DECRYPTED,
  PCAP_RECORD_BYTES_MAX,
  PCAP_RECORD_HEADER_BYTES,
  PCAP_SNAPLEN,
  PCAP_VERSION_MAJOR,
  PCAP_VERSION_MINOR,
  type PcapPacket,
  PcapPacketRecord,
  PcapWriter,
  type PcapWriterOptions,
  UDP_HEADER_BYTES,
  UDP_PAYLOAD_BYTES_MAX,
} from './pcap-writer.js';
export {
  CAPTURE_HOST_ID_MAX,
  CAPTURE_NIC_INDEX_MAX,
  checkCaptureEndpoint,
  IPV4_ADDRESS_BYTES,
  MAC_ADDRESS_BYTES,
  syntheticIpv4String,
  syntheticMacString,
  writeSyntheticIpv4,
  writeSyntheticMac,
} from './synthetic-address.js';
