/**
 * The sender-driven baseline transport (how the previous dcQUIC moved data), for side-by-side
 * comparison with dcq in the simulator.
 */
export {
  BASELINE_STATUS_DEPENDENCY_FAILED,
  BASELINE_STATUS_OK,
  BASELINE_STATUS_TIMEOUT,
  BASELINE_SUBMIT_BACKPRESSURE,
  type SenderDrivenOptions,
  SenderDrivenStats,
  SenderDrivenTransport,
} from './sender-driven-transport.js';
