/**
 * The simulator's network model: topology, link faults, the {@link SimNetwork} driver, its trace
 * and its counters. Re-exported from `@dcq/sim`.
 */
export { type DatagramTap, TappedDatagram } from './datagram-tap.js';
export { DEADLINE_HEAP_CAPACITY_MAX, DeadlineHeap } from './deadline-heap.js';
export {
  checkNanos,
  checkProbability,
  type LinkFaults,
  type LinkFaultsUpdate,
  type LinkJitterKind,
  NO_LINK_FAULTS,
  REORDER_DELAY_NS_DEFAULT,
  validateLinkFaults,
} from './link-faults.js';
export {
  type EndpointAddress,
  FRAMING_BYTES_DEFAULT,
  HEADER_BYTES_DEFAULT,
  MTU_BYTES_DEFAULT,
  NetworkNotification,
  NIC_QUEUE_BYTES_DEFAULT,
  NOTIFICATIONS_MAX_DEFAULT,
  NotificationKind,
  RUN_LIMIT_REACHED,
  SCENARIO_EVENTS_MAX_DEFAULT,
  SIM_ARENA_BYTES_LIMIT,
  SIM_DATAGRAM_BYTES_MAX_DEFAULT,
  SIM_ROUNDS_PER_INSTANT_DEFAULT,
  SIM_SLOTS_LIMIT,
  SIM_SLOTS_MAX_DEFAULT,
  SIM_TRANSMITS_PER_INSTANT_DEFAULT,
  SimNetwork,
  type SimNetworkOptions,
  SWITCH_BUFFER_BYTES_DEFAULT,
  type UtilizationOptions,
} from './sim-network.js';
export {
  type ClassStats,
  type HostStats,
  type LinkStats,
  type NicStats,
  PRIORITY_CLASSES,
  type SimNetworkStats,
} from './stats.js';
export {
  ecmpSpine,
  FABRIC_PROPAGATION_DELAY_NS_DEFAULT,
  type FabricConfig,
  type HostConfig,
  type LeafSpineFabric,
  NIC_PROPAGATION_DELAY_NS_DEFAULT,
  type NicConfig,
  SIM_HOSTS_MAX,
  SIM_NICS_MAX,
  SIM_NICS_PER_HOST_MAX,
  SIM_RATE_BITS_PER_SECOND_MAX,
  SIM_SWITCHES_MAX,
  SIM_TRANSFERS_MAX_DEFAULT,
  SimTopology,
  type SingleSwitchFabric,
} from './topology.js';
export {
  hashDatagram,
  SimTrace,
  type SimTraceEntry,
  SimTraceKind,
  simTraceKindName,
  TRACE_CAPACITY_MAX,
} from './trace.js';
