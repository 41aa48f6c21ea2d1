/**
 * Decoding a whole decrypted control body: one reusable view per message type
 * ({@link MessageViews}), a dispatcher from a message type to its body decoder, and
 * {@link validateControlBody}, which checks every message of a body before the caller acts on any
 * (a datagram is accepted or rejected as a whole).
 *
 * spec: protocol.md#message-framing, protocol.md#validation
 */
import { MessageType } from './constants.js';
import { DecodeReason } from './decode-result.js';
import type { MessageIterator } from './message-iterator.js';
import { decodePadding, decodeProbe, ProbeView } from './probe-messages.js';
import {
  CancelPullView,
  decodeCancelPull,
  decodePullRequest,
  decodeRangeAck,
  PullRequestView,
  RangeAckView,
} from './pull-messages.js';
import {
  decodeRetireControlKey,
  decodeRetireDataKey,
  RetireControlKeyView,
  RetireDataKeyView,
} from './retire-messages.js';
import { decodeStreamClose, decodeStreamCloseAck, StreamCloseAckView, StreamCloseView } from './stream-messages.js';
import {
  decodeFlowReset,
  decodeTransferAccept,
  decodeTransferChallenge,
  FlowResetView,
  TransferAcceptView,
  TransferChallengeView,
} from './transfer-messages.js';
import { decodeTransferNotify, TransferNotifyView } from './transfer-notify.js';

/** One preallocated view per framed message type; allocate once per worker. */
export class MessageViews {
  readonly transferNotify: TransferNotifyView;
  readonly transferAccept: TransferAcceptView;
  readonly pullRequest: PullRequestView;
  readonly rangeAck: RangeAckView;
  readonly cancelPull: CancelPullView;
  readonly flowReset: FlowResetView;
  /** Holds TRANSFER_CHALLENGE and TRANSFER_CHALLENGE_RESPONSE (same layout). */
  readonly transferChallenge: TransferChallengeView;
  /** Holds PROBE and PROBE_RESPONSE (same layout). */
  readonly probe: ProbeView;
  readonly streamClose: StreamCloseView;
  readonly streamCloseAck: StreamCloseAckView;
  readonly retireControlKey: RetireControlKeyView;
  readonly retireDataKey: RetireDataKeyView;

  constructor() {
    this.transferNotify = new TransferNotifyView();
    this.transferAccept = new TransferAcceptView();
    this.pullRequest = new PullRequestView();
    this.rangeAck = new RangeAckView();
    this.cancelPull = new CancelPullView();
    this.flowReset = new FlowResetView();
    this.transferChallenge = new TransferChallengeView();
    this.probe = new ProbeView();
    this.streamClose = new StreamCloseView();
    this.streamCloseAck = new StreamCloseAckView();
    this.retireControlKey = new RetireControlKeyView();
    this.retireDataKey = new RetireDataKeyView();
  }
}

/**
 * Decodes the body of a framed message of type `type` into the matching view of `views` (PADDING
 * is only checked). Types that are never framed (DATA_CHUNKS, UNKNOWN_PATH_SECRET) and unknown
 * types are rejected; the iterator has normally rejected them already.
 */
export function decodeMessageBody(
  type: number,
  bytes: Uint8Array,
  offset: number,
  length: number,
  views: MessageViews,
): DecodeReason {
  switch (type) {
    case MessageType.Padding:
      return decodePadding(bytes, offset, length);
    case MessageType.TransferNotify:
      return decodeTransferNotify(bytes, offset, length, views.transferNotify);
    case MessageType.TransferAccept:
      return decodeTransferAccept(bytes, offset, length, views.transferAccept);
    case MessageType.PullRequest:
      return decodePullRequest(bytes, offset, length, views.pullRequest);
    case MessageType.RangeAck:
      return decodeRangeAck(bytes, offset, length, views.rangeAck);
    case MessageType.CancelPull:
      return decodeCancelPull(bytes, offset, length, views.cancelPull);
    case MessageType.FlowReset:
      return decodeFlowReset(bytes, offset, length, views.flowReset);
    case MessageType.TransferChallenge:
    case MessageType.TransferChallengeResponse:
      return decodeTransferChallenge(bytes, offset, length, views.transferChallenge);
    case MessageType.Probe:
    case MessageType.ProbeResponse:
      return decodeProbe(bytes, offset, length, views.probe);
    case MessageType.StreamClose:
      return decodeStreamClose(bytes, offset, length, views.streamClose);
    case MessageType.StreamCloseAck:
      return decodeStreamCloseAck(bytes, offset, length, views.streamCloseAck);
    case MessageType.RetireControlKey:
      return decodeRetireControlKey(bytes, offset, length, views.retireControlKey);
    case MessageType.RetireDataKey:
      return decodeRetireDataKey(bytes, offset, length, views.retireDataKey);
    case MessageType.DataChunks:
    case MessageType.UnknownPathSecret:
      return DecodeReason.MessageNotAllowed;
    default:
      return DecodeReason.UnknownMessageType;
  }
}

/**
 * Checks every message of a decrypted body (`bytes[offset..offset+length)` of a datagram of kind
 * `datagramKind`): framing, placement and each body. Returns Ok or the first rejection. The views
 * are left holding whatever was decoded last; a caller then walks the body again to act on it.
 */
export function validateControlBody(
  bytes: Uint8Array,
  offset: number,
  length: number,
  datagramKind: number,
  iterator: MessageIterator,
  views: MessageViews,
): DecodeReason {
  let reason = iterator.reset(bytes, offset, length, datagramKind);
  if (reason !== DecodeReason.Ok) return reason;
  while (iterator.hasNext()) {
    reason = iterator.next();
    if (reason !== DecodeReason.Ok) return reason;
    reason = decodeMessageBody(iterator.type, bytes, iterator.bodyOffset, iterator.bodyLength, views);
    if (reason !== DecodeReason.Ok) return reason;
  }
  return DecodeReason.Ok;
}
