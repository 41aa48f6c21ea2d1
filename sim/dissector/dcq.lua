-- dcq.lua: Wireshark / tshark dissector for the dcq wire protocol, version 1.
--
-- Decodes every datagram kind of spec/protocol.md: CONTROL (0x10) and SECRET_CONTROL (0x20)
-- headers, and their framed messages when the body is plaintext; DATA (0x30) chunks;
-- UNKNOWN_PATH_SECRET (0x40). Control bodies are AES-256-GCM ciphertext on the wire; captures
-- written by the dcq simulator (`dcq-sim --pcap`) carry decrypted copies on a second UDP port
-- (default 7742), see sim/dissector/README.md. Registered on UDP ports 7741 (datagrams as sent)
-- and 7742 (decrypted copies); both are preferences (Edit > Preferences > Protocols > DCQ).
--
-- Usage: tshark -X lua_script:sim/dissector/dcq.lua -r capture.pcap -Y 'dcq.msg_type == 0x03'
--
-- Written for Lua 5.1 .. 5.4 (Wireshark 3.x .. 4.x): no bit operators, only arithmetic. Never
-- raises on truncated or malformed input: what is missing is marked with the dcq.malformed expert.

local dcq = Proto("dcq", "dcq datagram transport")

local DEFAULT_PORT = 7741
local DEFAULT_DECRYPTED_PORT = 7742
local CONTROL_HEADER = 28
local TAG = 16

-- Value names ---------------------------------------------------------------------------------

local KIND_NAMES = { [1] = "CONTROL", [2] = "SECRET_CONTROL", [3] = "DATA", [4] = "UNKNOWN_PATH_SECRET" }

local MSG_NAMES = {
  [0x00] = "PADDING",
  [0x01] = "TRANSFER_NOTIFY",
  [0x02] = "TRANSFER_ACCEPT",
  [0x03] = "PULL_REQUEST",
  [0x04] = "DATA_CHUNKS",
  [0x05] = "RANGE_ACK",
  [0x06] = "CANCEL_PULL",
  [0x07] = "FLOW_RESET",
  [0x08] = "TRANSFER_CHALLENGE",
  [0x09] = "TRANSFER_CHALLENGE_RESPONSE",
  [0x0a] = "PROBE",
  [0x0b] = "PROBE_RESPONSE",
  [0x0c] = "STREAM_CLOSE",
  [0x0d] = "STREAM_CLOSE_ACK",
  [0x20] = "RETIRE_CONTROL_KEY",
  [0x21] = "RETIRE_DATA_KEY",
  [0x22] = "UNKNOWN_PATH_SECRET",
}

-- Short names for the Info column.
local MSG_SHORT = {
  [0x00] = "PADDING",
  [0x01] = "NOTIFY",
  [0x02] = "ACCEPT",
  [0x03] = "PULL_REQUEST",
  [0x05] = "RANGE_ACK",
  [0x06] = "CANCEL_PULL",
  [0x07] = "FLOW_RESET",
  [0x08] = "CHALLENGE",
  [0x09] = "CHALLENGE_RESPONSE",
  [0x0a] = "PROBE",
  [0x0b] = "PROBE_RESPONSE",
  [0x0c] = "STREAM_CLOSE",
  [0x0d] = "STREAM_CLOSE_ACK",
  [0x20] = "RETIRE_CONTROL_KEY",
  [0x21] = "RETIRE_DATA_KEY",
}

local TRANSFER_KIND_NAMES = {
  [1] = "UNARY_REQUEST",
  [2] = "RESPONSE",
  [3] = "STREAM_REQUEST_ITEM",
  [4] = "STREAM_RESPONSE_ITEM",
  [5] = "BULK",
}

local ACCEPT_STATUS_NAMES = { [0] = "ACCEPTED", [1] = "REJECTED", [2] = "QUEUED", [3] = "ACCEPTED_UNSCHEDULED" }

local STATUS_NAMES = {
  [0] = "OK",
  [1] = "CANCELLED",
  [2] = "REJECTED",
  [3] = "UNKNOWN_TRANSFER",
  [4] = "TIMEOUT",
  [5] = "PEER_RESET",
  [6] = "LIMIT_EXCEEDED",
  [7] = "INTEGRITY_FAILURE",
  [8] = "APPLICATION_ERROR",
  [9] = "SHUTDOWN",
  [10] = "PROTOCOL_VIOLATION",
  [11] = "OVERLOADED",
  [12] = "UNKNOWN_STREAM",
}

-- Fields --------------------------------------------------------------------------------------

local f = dcq.fields

-- Datagram header.
f.kind = ProtoField.uint8("dcq.kind", "Datagram kind", base.HEX, KIND_NAMES, 0xF0)
f.kind_reserved = ProtoField.uint8("dcq.kind_reserved", "Reserved (must be 0)", base.HEX, nil, 0x0F)
f.version = ProtoField.uint8("dcq.version", "Version", base.DEC)
f.path_secret_id = ProtoField.bytes("dcq.path_secret_id", "Path secret id")
f.worker_id = ProtoField.uint16("dcq.worker_id", "Worker id", base.DEC)
f.key_id = ProtoField.uint32("dcq.key_id", "Key id", base.DEC)
f.packet_number = ProtoField.uint32("dcq.packet_number", "Packet number", base.DEC)
f.decrypted = ProtoField.bool("dcq.decrypted", "Decrypted by the capture")
f.body = ProtoField.bytes("dcq.body", "Body (plaintext)")
f.encrypted_body = ProtoField.bytes("dcq.encrypted_body", "Encrypted body")
f.tag = ProtoField.bytes("dcq.tag", "AEAD tag")
f.reset_tag = ProtoField.bytes("dcq.reset_tag", "Stateless reset tag")
f.msg_count = ProtoField.uint16("dcq.msg_count", "Messages", base.DEC)

-- Message framing.
f.msg = ProtoField.none("dcq.msg", "Message")
f.msg_type = ProtoField.uint8("dcq.msg_type", "Type", base.HEX, MSG_NAMES)
f.msg_length = ProtoField.uint16("dcq.msg_length", "Length", base.DEC)
f.padding = ProtoField.bytes("dcq.padding", "Padding")

-- Ids shared by several messages (filter on one name across messages).
f.sender_transfer_id = ProtoField.uint64("dcq.sender_transfer_id", "Sender transfer id", base.HEX)
f.receiver_transfer_id = ProtoField.uint64("dcq.receiver_transfer_id", "Receiver transfer id", base.HEX)
f.notify_sequence = ProtoField.uint64("dcq.notify_sequence", "Notify sequence", base.HEX)
f.stream_id = ProtoField.uint64("dcq.stream_id", "Stream id", base.HEX)
f.buffer_id = ProtoField.uint64("dcq.buffer_id", "Buffer id", base.HEX)
f.pull_id = ProtoField.uint32("dcq.pull_id", "Pull id", base.DEC)
f.status_code = ProtoField.uint16("dcq.status_code", "Status code", base.DEC, STATUS_NAMES)

-- TRANSFER_NOTIFY.
f.notify_count = ProtoField.uint8("dcq.notify.count", "Entries", base.DEC)
f.notify_entry = ProtoField.none("dcq.notify.entry", "Notify entry")
f.transfer_kind = ProtoField.uint8("dcq.transfer_kind", "Transfer kind", base.DEC, TRANSFER_KIND_NAMES)
f.priority = ProtoField.uint8("dcq.priority", "Priority", base.DEC)
f.notify_flags = ProtoField.uint16("dcq.notify.flags", "Flags", base.HEX)
f.nf_inline = ProtoField.bool("dcq.notify.flags.inline", "INLINE", 16, nil, 0x0001)
f.nf_auth_only = ProtoField.bool("dcq.notify.flags.auth_only", "AUTH_ONLY", 16, nil, 0x0002)
f.nf_end_of_stream = ProtoField.bool("dcq.notify.flags.end_of_stream", "END_OF_STREAM", 16, nil, 0x0004)
f.nf_retry = ProtoField.bool("dcq.notify.flags.retry", "RETRY", 16, nil, 0x0008)
f.nf_has_reply_to = ProtoField.bool("dcq.notify.flags.has_reply_to", "HAS_REPLY_TO", 16, nil, 0x0010)
f.nf_has_stream = ProtoField.bool("dcq.notify.flags.has_stream", "HAS_STREAM", 16, nil, 0x0020)
f.nf_has_metadata = ProtoField.bool("dcq.notify.flags.has_metadata", "HAS_METADATA", 16, nil, 0x0040)
f.nf_has_header = ProtoField.bool("dcq.notify.flags.has_header", "HAS_HEADER", 16, nil, 0x0080)
f.nf_unscheduled = ProtoField.bool("dcq.notify.flags.unscheduled", "UNSCHEDULED", 16, nil, 0x0100)
f.nf_reserved = ProtoField.uint16("dcq.notify.flags.reserved", "Reserved (must be 0)", base.HEX, nil, 0xFE00)
f.payload_size = ProtoField.uint64("dcq.payload_size", "Payload size", base.DEC)
f.reply_to_transfer_id = ProtoField.uint64("dcq.reply_to_transfer_id", "Reply-to transfer id", base.HEX)
f.stream_item_index = ProtoField.uint64("dcq.stream_item_index", "Stream item index", base.DEC)
f.metadata = ProtoField.uint32("dcq.metadata", "Metadata", base.DEC)
f.header_length = ProtoField.uint16("dcq.header_length", "Header length", base.DEC)
f.header = ProtoField.bytes("dcq.header", "Header")
f.inline_payload = ProtoField.bytes("dcq.inline_payload", "Inline payload")
f.record_size_log2 = ProtoField.uint8("dcq.record_size_log2", "Record size log2", base.DEC)
f.data_key = ProtoField.bytes("dcq.data_key", "Data key")
f.data_iv = ProtoField.bytes("dcq.data_iv", "Data IV")
f.extension_length = ProtoField.uint16("dcq.extension_length", "Extension length", base.DEC)

-- TRANSFER_ACCEPT.
f.notify_credit = ProtoField.uint32("dcq.notify_credit", "Notify credit", base.DEC)
f.accept_status = ProtoField.uint8("dcq.accept_status", "Status", base.DEC, ACCEPT_STATUS_NAMES)
f.reason_code = ProtoField.uint16("dcq.reason_code", "Reason code", base.DEC, STATUS_NAMES)

-- PULL_REQUEST, RANGE_ACK and their ranges.
f.pull_flags = ProtoField.uint8("dcq.pull.flags", "Flags", base.HEX)
f.pf_retransmission = ProtoField.bool("dcq.pull.flags.retransmission", "RETRANSMISSION", 8, nil, 0x01)
f.pf_reserved = ProtoField.uint8("dcq.pull.flags.reserved", "Reserved (must be 0)", base.HEX, nil, 0xFE)
f.desired_rate = ProtoField.uint32("dcq.desired_rate", "Desired rate (KiB/s, 0 = no limit)", base.DEC)
f.range_count = ProtoField.uint8("dcq.range_count", "Range count", base.DEC)
f.range = ProtoField.none("dcq.range", "Range")
f.range_offset = ProtoField.uint64("dcq.range.offset", "Sealed offset", base.DEC)
f.range_length = ProtoField.uint32("dcq.range.length", "Length", base.DEC)
f.ack_flags = ProtoField.uint8("dcq.ack.flags", "Flags", base.HEX)
f.af_complete = ProtoField.bool("dcq.ack.flags.complete", "COMPLETE", 8, nil, 0x01)
f.af_reserved = ProtoField.uint8("dcq.ack.flags.reserved", "Reserved (must be 0)", base.HEX, nil, 0xFE)

-- TRANSFER_CHALLENGE(_RESPONSE), PROBE(_RESPONSE).
f.nonce = ProtoField.bytes("dcq.nonce", "Nonce")
f.probe_id = ProtoField.uint32("dcq.probe_id", "Probe id", base.DEC)
f.timestamp_us = ProtoField.uint32("dcq.timestamp_us", "Timestamp (us mod 2^32)", base.DEC)

-- STREAM_CLOSE(_ACK).
f.stream_flags = ProtoField.uint8("dcq.stream.flags", "Flags", base.HEX)
f.sf_opener = ProtoField.bool("dcq.stream.flags.opener", "OPENER", 8, nil, 0x01)
f.sf_reserved = ProtoField.uint8("dcq.stream.flags.reserved", "Reserved (must be 0)", base.HEX, nil, 0xFE)
f.final_item_count = ProtoField.uint64("dcq.final_item_count", "Final item count", base.DEC)

-- RETIRE_CONTROL_KEY, RETIRE_DATA_KEY.
f.retire_worker_id = ProtoField.uint16("dcq.retire.worker_id", "Worker id", base.DEC)
f.retire_key_id_below = ProtoField.uint32("dcq.retire.key_id_below", "Key id below", base.DEC)
f.retire_count = ProtoField.uint8("dcq.retire.count", "Buffer count", base.DEC)

-- DATA chunks.
f.chunk_count = ProtoField.uint16("dcq.chunk_count", "Chunks", base.DEC)
f.chunk = ProtoField.none("dcq.chunk", "Chunk")
f.chunk_offset = ProtoField.uint64("dcq.chunk.sealed_offset", "Sealed offset", base.DEC)
f.chunk_length = ProtoField.uint16("dcq.chunk.length", "Length", base.DEC)
f.chunk_bytes = ProtoField.bytes("dcq.chunk.bytes", "Sealed bytes")

-- Expert infos ---------------------------------------------------------------------------------

local ef_malformed = ProtoExpert.new("dcq.malformed", "Malformed dcq datagram", expert.group.MALFORMED, expert.severity.ERROR)
local ef_encrypted = ProtoExpert.new(
  "dcq.encrypted",
  "Encrypted body (the capture holds no path secret for it)",
  expert.group.DECRYPTION,
  expert.severity.NOTE
)
local ef_version = ProtoExpert.new("dcq.unsupported_version", "Unsupported wire version", expert.group.PROTOCOL, expert.severity.WARN)
local ef_reserved = ProtoExpert.new("dcq.reserved_bits", "Reserved bits set", expert.group.PROTOCOL, expert.severity.WARN)
dcq.experts = { ef_malformed, ef_encrypted, ef_version, ef_reserved }

-- Preferences ----------------------------------------------------------------------------------

dcq.prefs.udp_port = Pref.uint("UDP port", DEFAULT_PORT, "UDP port of dcq datagrams (as sent on the wire)")
dcq.prefs.decrypted_port = Pref.uint(
  "Decrypted UDP port",
  DEFAULT_DECRYPTED_PORT,
  "UDP port of datagrams the dcq simulator's capture decrypted (plaintext body, AEAD tag kept)"
)

-- Helpers --------------------------------------------------------------------------------------

-- A cursor over [pos, stop) of the tvb. Every read checks the bounds first; a read that does not
-- fit sets `short` and returns nil, so parsers simply stop.
local function cursor(tvb, pos, stop)
  return { tvb = tvb, pos = pos, stop = stop, short = false }
end

local function left(c)
  return c.stop - c.pos
end

-- Adds `field` over the next n bytes (n >= 1) and returns its TvbRange, or nil when truncated.
local function take(c, tree, field, n)
  if c.short or n < 1 or c.pos + n > c.stop then
    c.short = true
    return nil
  end
  local range = c.tvb(c.pos, n)
  local item = tree:add(field, range)
  c.pos = c.pos + n
  return range, item
end

-- Adds a byte-string field of n >= 0 bytes (nothing is added for n = 0).
local function take_bytes(c, tree, field, n)
  if n == 0 then
    return true
  end
  return take(c, tree, field, n) ~= nil
end

local function u48_value(range)
  -- hi16 * 2^32 + lo32, exact in a double (u48 < 2^53).
  return range:range(0, 2):uint() * 4294967296 + range:range(2, 4):uint()
end

local function bit_set(value, mask)
  return math.floor(value / mask) % 2 == 1
end

-- Set when the packet being dissected got a dcq.malformed expert (Info column marker).
local packet_malformed = false

local function malformed(tree, what)
  packet_malformed = true
  tree:add_proto_expert_info(ef_malformed, what)
end

-- Ends a parsed region: marks it malformed when cut short or followed by unexpected bytes.
local function finish(c, tree, what)
  if c.short then
    malformed(tree, what .. ": truncated")
    return false
  end
  if c.pos < c.stop then
    malformed(tree, what .. ": " .. (c.stop - c.pos) .. " trailing bytes")
    return false
  end
  return true
end

-- A flags field with its bits as a subtree.
-- Values at or above 2^#bits have a reserved bit set.
local function flags(c, tree, field, n, bits, reserved)
  local range, item = take(c, tree, field, n)
  if range == nil then
    return nil
  end
  for _, b in ipairs(bits) do
    item:add(b, range)
  end
  item:add(reserved, range)
  local value = range:uint()
  if value >= 2 ^ #bits then
    item:add_proto_expert_info(ef_reserved, "reserved flag bits set")
  end
  return value
end

local NOTIFY_FLAG_FIELDS = {
  f.nf_inline,
  f.nf_auth_only,
  f.nf_end_of_stream,
  f.nf_retry,
  f.nf_has_reply_to,
  f.nf_has_stream,
  f.nf_has_metadata,
  f.nf_has_header,
  f.nf_unscheduled,
}

local function ranges(c, tree, count)
  for i = 1, count do
    if left(c) < 10 then
      c.short = true
      return
    end
    local rt = tree:add(f.range, c.tvb(c.pos, 10))
    local off = take(c, rt, f.range_offset, 6)
    local len = take(c, rt, f.range_length, 4)
    rt:set_text(string.format("Range %d: offset %.0f, length %d", i, u48_value(off), len:uint()))
  end
end

-- Message bodies -------------------------------------------------------------------------------
-- Each parser gets a cursor over exactly the message body and the message's tree. TRANSFER_NOTIFY
-- returns its entry count as second value (the Info column counts entries, not messages).

local function notify_entry(c, tree, index)
  local start = c.pos
  local et = tree:add(f.notify_entry, c.tvb(c.pos, math.min(26, left(c))))
  take(c, et, f.notify_sequence, 8)
  local stid = take(c, et, f.sender_transfer_id, 8)
  local kind = take(c, et, f.transfer_kind, 1)
  take(c, et, f.priority, 1)
  local flag_bits = flags(c, et, f.notify_flags, 2, NOTIFY_FLAG_FIELDS, f.nf_reserved)
  local psize = take(c, et, f.payload_size, 6)
  if flag_bits == nil or psize == nil then
    et:set_text(string.format("Notify entry %d (truncated)", index))
    return
  end
  local payload = u48_value(psize)
  if bit_set(flag_bits, 0x10) then
    take(c, et, f.reply_to_transfer_id, 8)
  end
  if bit_set(flag_bits, 0x20) then
    take(c, et, f.stream_id, 8)
    take(c, et, f.stream_item_index, 6)
  end
  if bit_set(flag_bits, 0x40) then
    take(c, et, f.metadata, 4)
  end
  if bit_set(flag_bits, 0x80) then
    local hl = take(c, et, f.header_length, 2)
    if hl ~= nil then
      take_bytes(c, et, f.header, hl:uint())
    end
  end
  if bit_set(flag_bits, 0x01) then
    if payload > left(c) then
      -- Show what is there, then mark the entry cut.
      take_bytes(c, et, f.inline_payload, math.max(left(c), 0))
      c.short = true
    else
      take_bytes(c, et, f.inline_payload, payload)
    end
  else
    take(c, et, f.buffer_id, 8)
    take(c, et, f.record_size_log2, 1)
    take(c, et, f.data_key, 32)
    take(c, et, f.data_iv, 12)
    take(c, et, f.extension_length, 2)
  end
  et:set_len(c.pos - start)
  local kind_name = kind and (TRANSFER_KIND_NAMES[kind:uint()] or ("kind " .. kind:uint())) or "?"
  et:set_text(
    string.format(
      "Notify entry %d: %s, sender transfer id %s, %.0f bytes %s",
      index,
      kind_name,
      stid and stid:uint64():tohex() or "?",
      payload,
      bit_set(flag_bits, 0x01) and "inline" or "by reference"
    )
  )
end

local function msg_padding(c, tree)
  local n = left(c)
  if n > 0 then
    local range = take(c, tree, f.padding, n)
    for i = 0, n - 1 do
      if range:range(i, 1):uint() ~= 0 then
        malformed(tree, "PADDING byte not zero")
        break
      end
    end
  end
end

local function msg_notify(c, tree)
  local count_range = take(c, tree, f.notify_count, 1)
  if count_range == nil then
    return ""
  end
  local count = count_range:uint()
  if count < 1 or count > 64 then
    malformed(tree, "notify entry count " .. count .. " outside 1..64")
  end
  for i = 1, count do
    if c.short or left(c) <= 0 then
      c.short = true
      break
    end
    notify_entry(c, tree, i)
  end
  return nil, count
end

local function msg_accept(c, tree)
  take(c, tree, f.sender_transfer_id, 8)
  take(c, tree, f.receiver_transfer_id, 8)
  take(c, tree, f.notify_credit, 4)
  take(c, tree, f.accept_status, 1)
  take(c, tree, f.reason_code, 2)
end

local function msg_pull(c, tree)
  take(c, tree, f.sender_transfer_id, 8)
  take(c, tree, f.receiver_transfer_id, 8)
  take(c, tree, f.pull_id, 4)
  flags(c, tree, f.pull_flags, 1, { f.pf_retransmission }, f.pf_reserved)
  take(c, tree, f.desired_rate, 4)
  local count = take(c, tree, f.range_count, 1)
  if count ~= nil then
    ranges(c, tree, count:uint())
  end
end

local function msg_range_ack(c, tree)
  take(c, tree, f.sender_transfer_id, 8)
  flags(c, tree, f.ack_flags, 1, { f.af_complete }, f.af_reserved)
  local count = take(c, tree, f.range_count, 1)
  if count ~= nil then
    ranges(c, tree, count:uint())
  end
end

local function msg_cancel_pull(c, tree)
  take(c, tree, f.sender_transfer_id, 8)
  take(c, tree, f.pull_id, 4)
end

local function msg_flow_reset(c, tree)
  take(c, tree, f.sender_transfer_id, 8)
  take(c, tree, f.receiver_transfer_id, 8)
  take(c, tree, f.status_code, 2)
end

local function msg_challenge(c, tree)
  take(c, tree, f.sender_transfer_id, 8)
  take(c, tree, f.notify_sequence, 8)
  take(c, tree, f.nonce, 16)
end

local function msg_probe(c, tree)
  take(c, tree, f.probe_id, 4)
  take(c, tree, f.timestamp_us, 4)
end

local function msg_stream_close(c, tree)
  take(c, tree, f.stream_id, 8)
  flags(c, tree, f.stream_flags, 1, { f.sf_opener }, f.sf_reserved)
  take(c, tree, f.status_code, 2)
  take(c, tree, f.final_item_count, 6)
end

local function msg_stream_close_ack(c, tree)
  take(c, tree, f.stream_id, 8)
  flags(c, tree, f.stream_flags, 1, { f.sf_opener }, f.sf_reserved)
end

local function msg_retire_control_key(c, tree)
  take(c, tree, f.retire_worker_id, 2)
  take(c, tree, f.retire_key_id_below, 4)
end

local function msg_retire_data_key(c, tree)
  local count = take(c, tree, f.retire_count, 1)
  if count == nil then
    return
  end
  for _ = 1, count:uint() do
    if take(c, tree, f.buffer_id, 8) == nil then
      break
    end
  end
end

local MSG_PARSERS = {
  [0x00] = msg_padding,
  [0x01] = msg_notify,
  [0x02] = msg_accept,
  [0x03] = msg_pull,
  [0x05] = msg_range_ack,
  [0x06] = msg_cancel_pull,
  [0x07] = msg_flow_reset,
  [0x08] = msg_challenge,
  [0x09] = msg_challenge,
  [0x0a] = msg_probe,
  [0x0b] = msg_probe,
  [0x0c] = msg_stream_close,
  [0x0d] = msg_stream_close_ack,
  [0x20] = msg_retire_control_key,
  [0x21] = msg_retire_data_key,
}

-- Which message types each sealed kind may carry (protocol.md#message-placement).
local function allowed(kind, msg_type)
  if msg_type == 0x00 then
    return true
  end
  if kind == 1 then
    return (msg_type >= 0x01 and msg_type <= 0x0d and msg_type ~= 0x04)
  end
  return msg_type == 0x20 or msg_type == 0x21
end

-- Dissects the framed messages of a plaintext body [pos, stop); returns the Info summary.
local function messages(tvb, tree, kind, pos, stop)
  local parts = {}
  local last_name, last_count = nil, 0
  local function push(name, n)
    if name == last_name then
      last_count = last_count + n
    else
      if last_name ~= nil then
        parts[#parts + 1] = last_count ~= 1 and (last_name .. "×" .. last_count) or last_name
      end
      last_name, last_count = name, n
    end
  end
  local count = 0
  if pos >= stop then
    malformed(tree, "empty body: at least one message is required")
  end
  while pos < stop do
    if stop - pos < 3 then
      malformed(tree, "message framing truncated (" .. (stop - pos) .. " bytes left)")
      break
    end
    local msg_type = tvb(pos, 1):uint()
    local length = tvb(pos + 1, 2):uint()
    local avail = math.min(length, stop - pos - 3)
    local mt = tree:add(f.msg, tvb(pos, 3 + avail))
    mt:add(f.msg_type, tvb(pos, 1))
    mt:add(f.msg_length, tvb(pos + 1, 2))
    local name = MSG_NAMES[msg_type] or string.format("UNKNOWN(0x%02x)", msg_type)
    mt:set_text(string.format("%s (0x%02x), %d bytes", name, msg_type, length))
    count = count + 1
    if length > stop - pos - 3 then
      malformed(mt, name .. ": length " .. length .. " runs past the body")
    end
    local parser = MSG_PARSERS[msg_type]
    local entries = 1
    if parser == nil then
      malformed(mt, "message type not defined in version 1 (or never framed)")
    else
      if not allowed(kind, msg_type) then
        malformed(mt, name .. " is not allowed in a " .. (KIND_NAMES[kind] or "?") .. " datagram")
      end
      local c = cursor(tvb, pos + 3, pos + 3 + avail)
      local _, n = parser(c, mt)
      if n ~= nil then
        entries = n
      end
      finish(c, mt, name)
    end
    push(MSG_SHORT[msg_type] or name, entries)
    pos = pos + 3 + avail
  end
  push(nil, 0)
  tree:add(f.msg_count, count):set_generated()
  return table.concat(parts, " ")
end

-- Datagram kinds -------------------------------------------------------------------------------

local function control(tvb, pinfo, tree, kind, decrypted)
  local len = tvb:len()
  local kind_name = KIND_NAMES[kind]
  if len < CONTROL_HEADER then
    malformed(tree, kind_name .. " datagram shorter than its 28-byte header")
    local c = cursor(tvb, 2, len)
    take(c, tree, f.path_secret_id, 16)
    take(c, tree, f.worker_id, 2)
    take(c, tree, f.key_id, 4)
    return kind_name .. " [truncated]"
  end
  tree:add(f.path_secret_id, tvb(2, 16))
  tree:add(f.worker_id, tvb(18, 2))
  tree:add(f.key_id, tvb(20, 4))
  tree:add(f.packet_number, tvb(24, 4))
  tree:add(f.decrypted, decrypted):set_generated()
  local summary = string.format(
    "%s w%d k%d pn%d",
    kind_name,
    tvb(18, 2):uint(),
    tvb(20, 4):uint(),
    tvb(24, 4):uint()
  )
  if len < CONTROL_HEADER + 3 + TAG then
    malformed(tree, kind_name .. " datagram shorter than 47 bytes")
    if len > CONTROL_HEADER then
      tree:add(decrypted and f.body or f.encrypted_body, tvb(CONTROL_HEADER, len - CONTROL_HEADER))
    end
    return summary .. " [truncated]"
  end
  local body_stop = len - TAG
  if decrypted then
    local bt = tree:add(f.body, tvb(CONTROL_HEADER, body_stop - CONTROL_HEADER))
    bt:set_text(string.format("Body (plaintext, %d bytes)", body_stop - CONTROL_HEADER))
    local info = messages(tvb, bt, kind, CONTROL_HEADER, body_stop)
    tree:add(f.tag, tvb(body_stop, TAG))
    return summary .. ": " .. info
  end
  tree:add(f.encrypted_body, tvb(CONTROL_HEADER, body_stop - CONTROL_HEADER))
  tree:add(f.tag, tvb(body_stop, TAG))
  tree:add_proto_expert_info(ef_encrypted)
  return summary .. string.format(" [encrypted, %d bytes]", body_stop - CONTROL_HEADER)
end

local function data(tvb, pinfo, tree)
  local len = tvb:len()
  local c = cursor(tvb, 2, len)
  local count = 0
  local summary = {}
  if len <= 2 then
    malformed(tree, "DATA datagram without a chunk")
  end
  while left(c) > 0 do
    count = count + 1
    if left(c) < 20 then
      local ct = tree:add(f.chunk, tvb(c.pos, left(c)))
      ct:set_text(string.format("Chunk %d (truncated header)", count))
      malformed(ct, "DATA chunk header truncated")
      break
    end
    local chunk_len = tvb(c.pos + 18, 2):uint()
    local avail = math.min(chunk_len, left(c) - 20)
    local ct = tree:add(f.chunk, tvb(c.pos, 20 + avail))
    local rtid = take(c, ct, f.receiver_transfer_id, 8)
    local pull = take(c, ct, f.pull_id, 4)
    local off = take(c, ct, f.chunk_offset, 6)
    take(c, ct, f.chunk_length, 2)
    if chunk_len == 0 then
      malformed(ct, "DATA chunk of length 0")
    end
    take_bytes(c, ct, f.chunk_bytes, avail)
    if avail < chunk_len then
      malformed(ct, "DATA chunk cut: " .. avail .. " of " .. chunk_len .. " bytes")
    end
    ct:set_text(
      string.format(
        "Chunk %d: %s transfer id %s, pull %d, sealed offset %.0f, %d bytes",
        count,
        pull:uint() == 0 and "unscheduled, sender" or "receiver",
        rtid:uint64():tohex(),
        pull:uint(),
        u48_value(off),
        chunk_len
      )
    )
    if count <= 3 then
      summary[#summary + 1] = string.format("%s/%d@%.0f+%d", rtid:uint64():tohex(), pull:uint(), u48_value(off), chunk_len)
    end
  end
  tree:add(f.chunk_count, count):set_generated()
  local text = string.format("DATA %d chunk%s", count, count == 1 and "" or "s")
  if #summary > 0 then
    text = text .. ": " .. table.concat(summary, " ")
  end
  if count > 3 then
    text = text .. " +" .. (count - 3)
  end
  return text
end

local function unknown_path_secret(tvb, pinfo, tree)
  local len = tvb:len()
  local c = cursor(tvb, 2, len)
  local id = take(c, tree, f.path_secret_id, 16)
  take(c, tree, f.reset_tag, 16)
  if len ~= 34 then
    malformed(tree, "UNKNOWN_PATH_SECRET datagram of " .. len .. " bytes (must be 34)")
  end
  return "UNKNOWN_PATH_SECRET" .. (id and (" id " .. id:bytes():tohex():lower()) or " [truncated]")
end

local function dissect(tvb, pinfo, root, decrypted)
  local len = tvb:len()
  local kind_byte = tvb(0, 1):uint()
  local kind = math.floor(kind_byte / 16)
  root:add(f.kind, tvb(0, 1))
  root:add(f.kind_reserved, tvb(0, 1))
  if kind_byte % 16 ~= 0 then
    root:add_proto_expert_info(ef_reserved, "reserved bits of the kind byte set")
  end
  if len < 2 then
    malformed(root, "datagram shorter than 2 bytes")
    return (KIND_NAMES[kind] or "?") .. " [truncated]"
  end
  root:add(f.version, tvb(1, 1))
  if tvb(1, 1):uint() ~= 1 then
    root:add_proto_expert_info(ef_version, "version " .. tvb(1, 1):uint() .. " (this dissector knows version 1)")
  end
  if len > 9000 then
    malformed(root, "datagram longer than 9000 bytes")
  end
  if kind == 1 or kind == 2 then
    return control(tvb, pinfo, root, kind, decrypted)
  elseif kind == 3 then
    return data(tvb, pinfo, root)
  elseif kind == 4 then
    return unknown_path_secret(tvb, pinfo, root)
  end
  malformed(root, string.format("undefined datagram kind 0x%x", kind))
  return string.format("UNKNOWN KIND 0x%02x", kind_byte)
end

function dcq.dissector(tvb, pinfo, tree)
  local len = tvb:len()
  if len == 0 then
    return 0
  end
  pinfo.cols.protocol:set("DCQ")
  local decrypted_port = dcq.prefs.decrypted_port
  local decrypted = pinfo.dst_port == decrypted_port or pinfo.src_port == decrypted_port
  local root = tree:add(dcq, tvb())
  packet_malformed = false
  local ok, result = pcall(dissect, tvb, pinfo, root, decrypted)
  if not ok then
    -- A bug in this script, never the input's fault: keep the packet list readable.
    root:add_proto_expert_info(ef_malformed, "dcq dissector error: " .. tostring(result))
    result = "dcq [dissector error]"
  elseif packet_malformed then
    result = result .. " [malformed]"
  end
  pinfo.cols.info:set(result)
  root:append_text(", " .. result)
  return len
end

-- Registration ---------------------------------------------------------------------------------

local udp_table = DissectorTable.get("udp.port")
local registered = {}

local function register_ports()
  for _, port in ipairs(registered) do
    udp_table:remove(port, dcq)
  end
  registered = { dcq.prefs.udp_port, dcq.prefs.decrypted_port }
  for _, port in ipairs(registered) do
    udp_table:add(port, dcq)
  end
end

function dcq.prefs_changed()
  register_ports()
end

register_ports()
-- Offer DCQ in Analyze > Decode As… (and tshark -d udp.port==N,dcq) for other ports.
if udp_table.add_for_decode_as ~= nil then
  udp_table:add_for_decode_as(dcq)
end
