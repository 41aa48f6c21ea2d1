/**
 * Every number the dcq v1 wire format defines: datagram kinds, message types, fixed sizes, limits,
 * flag bits (with their reserved masks), transfer kinds, accept statuses, status codes and the
 * encoders' negative return codes. protocol.md is the source of truth; each group cites its section.
 */

/** The only wire version this implementation speaks (ALPN "dcq/1"). spec: protocol.md#versioning */
export const WIRE_VERSION = 1;

/** What the high nibble of a datagram's first byte says. spec: protocol.md#datagram */
export const DatagramKind = {
  /** Sealed with a per-(worker, direction, key id) control key; carries framed control messages. */
  Control: 0x1,
  /** Sealed with the per-direction secret-control key; carries RETIRE_* messages. */
  SecretControl: 0x2,
  /** Unsealed; carries DATA_CHUNKS (pieces of sealed payload records). */
  Data: 0x3,
  /** Unsealed; a host that does not know a path secret says so, authenticated by a reset tag. */
  UnknownPathSecret: 0x4,
} as const;

/** A datagram kind value. */
export type DatagramKind = (typeof DatagramKind)[keyof typeof DatagramKind];

/** Message type codes. spec: protocol.md#messages */
export const MessageType = {
  Padding: 0x00,
  TransferNotify: 0x01,
  TransferAccept: 0x02,
  PullRequest: 0x03,
  /** Never framed: DATA_CHUNKS is the layout of a DATA datagram (the code names it in events). */
  DataChunks: 0x04,
  RangeAck: 0x05,
  CancelPull: 0x06,
  FlowReset: 0x07,
  TransferChallenge: 0x08,
  TransferChallengeResponse: 0x09,
  Probe: 0x0a,
  ProbeResponse: 0x0b,
  StreamClose: 0x0c,
  StreamCloseAck: 0x0d,
  RetireControlKey: 0x20,
  RetireDataKey: 0x21,
  /** Never framed: UNKNOWN_PATH_SECRET is its own datagram kind (the code names it in events). */
  UnknownPathSecret: 0x22,
} as const;

/** A message type value. */
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

const MESSAGE_TYPE_NAMES: readonly (readonly [number, string])[] = [
  [MessageType.Padding, 'PADDING'],
  [MessageType.TransferNotify, 'TRANSFER_NOTIFY'],
  [MessageType.TransferAccept, 'TRANSFER_ACCEPT'],
  [MessageType.PullRequest, 'PULL_REQUEST'],
  [MessageType.DataChunks, 'DATA_CHUNKS'],
  [MessageType.RangeAck, 'RANGE_ACK'],
  [MessageType.CancelPull, 'CANCEL_PULL'],
  [MessageType.FlowReset, 'FLOW_RESET'],
  [MessageType.TransferChallenge, 'TRANSFER_CHALLENGE'],
  [MessageType.TransferChallengeResponse, 'TRANSFER_CHALLENGE_RESPONSE'],
  [MessageType.Probe, 'PROBE'],
  [MessageType.ProbeResponse, 'PROBE_RESPONSE'],
  [MessageType.StreamClose, 'STREAM_CLOSE'],
  [MessageType.StreamCloseAck, 'STREAM_CLOSE_ACK'],
  [MessageType.RetireControlKey, 'RETIRE_CONTROL_KEY'],
  [MessageType.RetireDataKey, 'RETIRE_DATA_KEY'],
  [MessageType.UnknownPathSecret, 'UNKNOWN_PATH_SECRET'],
];

/** The spec name of a message type (`PULL_REQUEST`), or `UNKNOWN(0x..)` for other codes. */
export function messageTypeName(type: number): string {
  for (const [code, name] of MESSAGE_TYPE_NAMES) if (code === type) return name;
  return `UNKNOWN(0x${(type >>> 0).toString(16).padStart(2, '0')})`;
}

// ---------------------------------------------------------------------------------------------
// Fixed sizes. spec: protocol.md#datagram, protocol.md#message-framing
// ---------------------------------------------------------------------------------------------

/** Bytes of a path secret id. */
export const PATH_SECRET_ID_SIZE = 16;
/** Bytes of a control / secret-control datagram header (also the AEAD's associated data). */
export const CONTROL_HEADER_SIZE = 28;
/** Bytes of an AES-256-GCM tag. */
export const AEAD_TAG_SIZE = 16;
/** Header + tag of a control datagram. */
export const CONTROL_OVERHEAD = CONTROL_HEADER_SIZE + AEAD_TAG_SIZE;
/** Bytes of a message's framing: type u8 + length u16. */
export const MESSAGE_HEADER_SIZE = 3;
/** Smallest control datagram: header, one empty message, tag. */
export const CONTROL_DATAGRAM_SIZE_MIN = CONTROL_OVERHEAD + MESSAGE_HEADER_SIZE;
/** Bytes of a DATA datagram's header (kind, version). */
export const DATA_HEADER_SIZE = 2;
/** Bytes of a DATA chunk's header. */
export const DATA_CHUNK_HEADER_SIZE = 20;
/** Smallest DATA datagram: header plus one chunk of one byte. */
export const DATA_DATAGRAM_SIZE_MIN = DATA_HEADER_SIZE + DATA_CHUNK_HEADER_SIZE + 1;
/** Bytes of a stateless reset tag. */
export const RESET_TAG_SIZE = 16;
/** Bytes of an UNKNOWN_PATH_SECRET datagram (it has exactly this size). */
export const UNKNOWN_PATH_SECRET_SIZE = 2 + PATH_SECRET_ID_SIZE + RESET_TAG_SIZE;
/** Bytes of a data key (AES-256). */
export const DATA_KEY_SIZE = 32;
/** Bytes of a data IV. */
export const DATA_IV_SIZE = 12;
/** Bytes of a transfer challenge nonce. */
export const CHALLENGE_NONCE_SIZE = 16;
/** Bytes of an encoded range: sealed offset u48 + length u32. */
export const RANGE_SIZE = 10;

// ---------------------------------------------------------------------------------------------
// Limits. spec: protocol.md#limits
// ---------------------------------------------------------------------------------------------

/** Largest datagram (UDP payload) any dcq v1 host sends or accepts. */
export const DATAGRAM_SIZE_MAX = 9000;
/** Default datagram size: a 1500-byte MTU minus IPv4 and UDP headers. */
export const DATAGRAM_SIZE_DEFAULT = 1472;
/** Smallest datagram size a deployment may configure. */
export const DATAGRAM_SIZE_MIN = 1200;
/** Largest body of one framed message (it must fit a DATAGRAM_SIZE_MAX control datagram). */
export const MESSAGE_BODY_SIZE_MAX = DATAGRAM_SIZE_MAX - CONTROL_OVERHEAD - MESSAGE_HEADER_SIZE;
/** Entries in one TRANSFER_NOTIFY. */
export const NOTIFY_ENTRIES_MAX = 64;
/** Ranges in one PULL_REQUEST. */
export const PULL_RANGES_MAX = 32;
/** Ranges in one RANGE_ACK. */
export const ACK_RANGES_MAX = 32;
/** Buffer ids in one RETIRE_DATA_KEY. */
export const RETIRE_DATA_KEYS_MAX = 128;
/** Largest inline payload (a deployment may configure a lower one). */
export const INLINE_SIZE_MAX = 1024;
/** Largest application header carried in a notify entry. */
export const HEADER_SIZE_MAX = 4096;
/** Smallest record size log2 (1 KiB records). */
export const RECORD_SIZE_LOG2_MIN = 10;
/** Largest record size log2 (1 MiB records). */
export const RECORD_SIZE_LOG2_MAX = 20;
/** Default record size log2 (64 KiB records). */
export const RECORD_SIZE_LOG2_DEFAULT = 16;
/** Largest sealed size of a buffer: every sealed offset and range end fits a u48. */
export const SEALED_SIZE_MAX = 2 ** 48 - 1;
/** Largest transfer priority (0 is the highest priority, 7 the lowest). */
export const NOTIFY_PRIORITY_MAX = 7;

// ---------------------------------------------------------------------------------------------
// Transfer kinds and notify flags. spec: protocol.md#transfer-notify
// ---------------------------------------------------------------------------------------------

/** What a TRANSFER_NOTIFY entry announces. spec: protocol.md#transfer-kinds */
export const TransferKind = {
  /** A request that expects exactly one RESPONSE. */
  UnaryRequest: 1,
  /** The response to a request (HAS_REPLY_TO is required). */
  Response: 2,
  /** An item the stream's opener sends on the stream (HAS_STREAM is required). */
  StreamRequestItem: 3,
  /** An item the stream's other side sends on the stream (HAS_STREAM is required). */
  StreamResponseItem: 4,
  /** A raw bulk transfer, outside any stream. */
  Bulk: 5,
} as const;

/** A transfer kind value. */
export type TransferKind = (typeof TransferKind)[keyof typeof TransferKind];

/** Largest known transfer kind. */
export const TRANSFER_KIND_MAX = 5;

/** Bits of a notify entry's `flags` (u16). spec: protocol.md#notify-flags */
export const NotifyFlag = {
  /** The payload travels inline in the entry (payload size bytes); otherwise a buffer reference follows. */
  Inline: 0x0001,
  /** The buffer's records are authenticated but not encrypted (buffer references only). */
  AuthOnly: 0x0002,
  /** The last item of the sender's side of the stream (requires HAS_STREAM). */
  EndOfStream: 0x0004,
  /** A retry of an earlier notify of the same sender transfer id. */
  Retry: 0x0008,
  /** The reply-to transfer id is present. */
  HasReplyTo: 0x0010,
  /** The stream id and stream item index are present. */
  HasStream: 0x0020,
  /** The metadata u32 is present. */
  HasMetadata: 0x0040,
  /** The header (length u16 + bytes) is present. */
  HasHeader: 0x0080,
  /**
   * The whole sealed stream follows as unscheduled chunks (pull id 0); buffer references only, sealed
   * size ≤ {@link UNSCHEDULED_SIZE_MAX}. spec: protocol.md#unscheduled
   */
  Unscheduled: 0x0100,
} as const;

/** Bits of a notify entry's flags that must be zero. */
export const NOTIFY_FLAGS_RESERVED = 0xfe00;

/** Largest sealed size of a buffer whose notify carries UNSCHEDULED, bytes. spec: protocol.md#limits */
export const UNSCHEDULED_SIZE_MAX = 65536;

/** The pull id of an unscheduled DATA chunk (named by the sender's transfer id). spec: protocol.md#unscheduled */
export const UNSCHEDULED_PULL_ID = 0;

// ---------------------------------------------------------------------------------------------
// Other flags and statuses.
// ---------------------------------------------------------------------------------------------

/** TRANSFER_ACCEPT status. spec: protocol.md#transfer-accept */
export const AcceptStatus = {
  /** The receiver holds the transfer and will pull it. */
  Accepted: 0,
  /** The receiver refuses the transfer; the reason code says why. */
  Rejected: 1,
  /** The receiver holds the notify but will decide later (it sends another ACCEPT). */
  Queued: 2,
  /**
   * Accepted, and the unscheduled chunks that follow an UNSCHEDULED notify are taken as a pull of the
   * whole sealed stream. spec: protocol.md#unscheduled
   */
  AcceptedUnscheduled: 3,
} as const;

/** A TRANSFER_ACCEPT status value. */
export type AcceptStatus = (typeof AcceptStatus)[keyof typeof AcceptStatus];

/** Largest known accept status. */
export const ACCEPT_STATUS_MAX = 3;

/** PULL_REQUEST flags. spec: protocol.md#pull-request */
export const PullFlag = {
  /** Every range was requested before (loss recovery). */
  Retransmission: 0x01,
} as const;

/** Bits of PULL_REQUEST flags that must be zero. */
export const PULL_FLAGS_RESERVED = 0xfe;

/** RANGE_ACK flags. spec: protocol.md#range-ack */
export const RangeAckFlag = {
  /** The receiver has verified and delivered the whole payload. */
  Complete: 0x01,
} as const;

/** Bits of RANGE_ACK flags that must be zero. */
export const RANGE_ACK_FLAGS_RESERVED = 0xfe;

/** STREAM_CLOSE / STREAM_CLOSE_ACK flags. spec: protocol.md#stream-close */
export const StreamFlag = {
  /** The sender of this message opened the stream (so the stream id is in its namespace). */
  Opener: 0x01,
} as const;

/** Bits of STREAM_CLOSE / STREAM_CLOSE_ACK flags that must be zero. */
export const STREAM_FLAGS_RESERVED = 0xfe;

/** Status and error codes (u16). spec: protocol.md#status-codes */
export const StatusCode = {
  Ok: 0,
  Cancelled: 1,
  Rejected: 2,
  UnknownTransfer: 3,
  Timeout: 4,
  PeerReset: 5,
  LimitExceeded: 6,
  IntegrityFailure: 7,
  ApplicationError: 8,
  Shutdown: 9,
  ProtocolViolation: 10,
  Overloaded: 11,
  UnknownStream: 12,
} as const;

/** A status code value. */
export type StatusCode = (typeof StatusCode)[keyof typeof StatusCode];

/** Largest known status code. */
export const STATUS_CODE_MAX = 12;

const STATUS_CODE_NAMES: readonly string[] = [
  'OK',
  'CANCELLED',
  'REJECTED',
  'UNKNOWN_TRANSFER',
  'TIMEOUT',
  'PEER_RESET',
  'LIMIT_EXCEEDED',
  'INTEGRITY_FAILURE',
  'APPLICATION_ERROR',
  'SHUTDOWN',
  'PROTOCOL_VIOLATION',
  'OVERLOADED',
  'UNKNOWN_STREAM',
];

/** The spec name of a status code (`TIMEOUT`), or `UNKNOWN(n)`. */
export function statusCodeName(code: number): string {
  return STATUS_CODE_NAMES[code] ?? `UNKNOWN(${code})`;
}

// ---------------------------------------------------------------------------------------------
// Encoder results.
// ---------------------------------------------------------------------------------------------

/** Returned by an encoder when the message does not fit before `end`; nothing was written. */
export const ENCODE_NO_ROOM = -1;
/** Returned by `appendNotifyEntry` when the message already holds NOTIFY_ENTRIES_MAX entries. */
export const ENCODE_FULL = -2;
