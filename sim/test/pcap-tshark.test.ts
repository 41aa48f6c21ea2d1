/**
 * End to end: a capture built from ALL sealed-datagram vectors (as captured and decrypted by the
 * CaptureDecryptor), one sealed datagram per messages.json vector (decrypted), the DATA and
 * UNKNOWN_PATH_SECRET vectors and malformed datagrams is read by tshark with sim/dissector/dcq.lua.
 * For every frame, every dcq field tshark reports must equal what the vector says — the exact list
 * of occurrences per field, and no field a frame should not have — and the outer layers must decode
 * (IPv4 checksum verified by tshark, UDP ports, synthetic addresses, nanosecond timestamps).
 * Display filters on dcq.* fields must select exactly the expected frames.
 *
 * Needs tshark. Without it the suite is skipped locally and FAILS under CI (.ci/run installs it).
 * tshark runs three times (≈ 0.3–1 s each).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticIpv4String } from '../src/index.js';
import {
  buildVectorCapture,
  DISSECTOR_PATH,
  type FrameExpectation,
  type MessageVector,
  messageTypeOf,
  type SealedVector,
  type VectorCapture,
} from './pcap-fixture.js';

const TSHARK_AVAILABLE = spawnSync('tshark', ['--version'], { encoding: 'utf8' }).status === 0;
const IN_CI = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
const SKIP = !TSHARK_AVAILABLE && !IN_CI;

/** Every dcq field the dissector defines and the test reads (order = tshark column order). */
const DCQ_FIELDS = [
  'dcq.kind',
  'dcq.kind_reserved',
  'dcq.version',
  'dcq.path_secret_id',
  'dcq.worker_id',
  'dcq.key_id',
  'dcq.packet_number',
  'dcq.decrypted',
  'dcq.body',
  'dcq.encrypted_body',
  'dcq.tag',
  'dcq.reset_tag',
  'dcq.msg_count',
  'dcq.msg_type',
  'dcq.msg_length',
  'dcq.padding',
  'dcq.sender_transfer_id',
  'dcq.receiver_transfer_id',
  'dcq.notify_sequence',
  'dcq.stream_id',
  'dcq.buffer_id',
  'dcq.pull_id',
  'dcq.status_code',
  'dcq.notify.count',
  'dcq.transfer_kind',
  'dcq.priority',
  'dcq.notify.flags',
  'dcq.notify.flags.inline',
  'dcq.notify.flags.auth_only',
  'dcq.notify.flags.end_of_stream',
  'dcq.notify.flags.retry',
  'dcq.notify.flags.has_reply_to',
  'dcq.notify.flags.has_stream',
  'dcq.notify.flags.has_metadata',
  'dcq.notify.flags.has_header',
  'dcq.payload_size',
  'dcq.reply_to_transfer_id',
  'dcq.stream_item_index',
  'dcq.metadata',
  'dcq.header_length',
  'dcq.header',
  'dcq.inline_payload',
  'dcq.record_size_log2',
  'dcq.data_key',
  'dcq.data_iv',
  'dcq.extension_length',
  'dcq.notify_credit',
  'dcq.accept_status',
  'dcq.reason_code',
  'dcq.pull.flags',
  'dcq.pull.flags.retransmission',
  'dcq.desired_rate',
  'dcq.range_count',
  'dcq.range.offset',
  'dcq.range.length',
  'dcq.ack.flags',
  'dcq.ack.flags.complete',
  'dcq.nonce',
  'dcq.probe_id',
  'dcq.timestamp_us',
  'dcq.stream.flags',
  'dcq.stream.flags.opener',
  'dcq.final_item_count',
  'dcq.retire.worker_id',
  'dcq.retire.key_id_below',
  'dcq.retire.count',
  'dcq.chunk_count',
  'dcq.chunk.sealed_offset',
  'dcq.chunk.length',
  'dcq.chunk.bytes',
] as const;

/** Expert infos (read separately: present or not). */
const EXPERT_FIELDS = ['dcq.malformed', 'dcq.encrypted', 'dcq.reserved_bits', 'dcq.unsupported_version'] as const;

const OUTER_FIELDS = [
  'frame.number',
  'frame.time_epoch',
  'ip.src',
  'ip.dst',
  'ip.checksum.status',
  'udp.srcport',
  'udp.dstport',
  'udp.length',
  '_ws.col.Info',
  '_ws.expert.message',
] as const;

type Row = Map<string, string[]>;

// ---------------------------------------------------------------------------------------------
// Expected fields, derived from the vectors.
// ---------------------------------------------------------------------------------------------

class Expected {
  readonly fields = new Map<string, string[]>();

  add(name: string, value: string | number): void {
    if (!(DCQ_FIELDS as readonly string[]).includes(name)) throw new Error(`test reads no field ${name}`);
    const list = this.fields.get(name) ?? [];
    list.push(String(value));
    this.fields.set(name, list);
  }

  /** A byte-string field: absent when empty (the dissector adds no zero-length items). */
  bytes(name: string, hexValue: string): void {
    if (hexValue.length > 0) this.add(name, hexValue);
  }
}

const id = (value: unknown): string => `0x${String(value)}`;
const h8 = (value: number): string => `0x${value.toString(16).padStart(2, '0')}`;
const h16 = (value: number): string => `0x${value.toString(16).padStart(4, '0')}`;
const bit = (value: number, mask: number): number => ((value & mask) !== 0 ? 1 : 0);

interface Range {
  readonly offset: number;
  readonly length: number;
}

function addRanges(e: Expected, ranges: readonly Range[]): void {
  e.add('dcq.range_count', ranges.length);
  for (const r of ranges) {
    e.add('dcq.range.offset', r.offset);
    e.add('dcq.range.length', r.length);
  }
}

/** Adds the fields of one framed message (type, length and body) in the dissector's order. */
function addMessage(e: Expected, message: string, f: Record<string, unknown>, bodyLength: number): void {
  e.add('dcq.msg_type', h8(messageTypeOf(message)));
  e.add('dcq.msg_length', bodyLength);
  const n = (key: string): number => f[key] as number;
  const s = (key: string): string => f[key] as string;
  switch (message) {
    case 'PADDING':
      e.bytes('dcq.padding', '00'.repeat(n('length')));
      break;
    case 'TRANSFER_NOTIFY': {
      const entries = f.entries as Record<string, unknown>[];
      e.add('dcq.notify.count', entries.length);
      for (const entry of entries) {
        const v = (key: string) => entry[key] as number;
        const t = (key: string) => entry[key] as string;
        const flags = v('flags');
        e.add('dcq.notify_sequence', id(t('notifySequence')));
        e.add('dcq.sender_transfer_id', id(t('senderTransferId')));
        e.add('dcq.transfer_kind', v('kind'));
        e.add('dcq.priority', v('priority'));
        e.add('dcq.notify.flags', h16(flags));
        e.add('dcq.notify.flags.inline', bit(flags, 0x01));
        e.add('dcq.notify.flags.auth_only', bit(flags, 0x02));
        e.add('dcq.notify.flags.end_of_stream', bit(flags, 0x04));
        e.add('dcq.notify.flags.retry', bit(flags, 0x08));
        e.add('dcq.notify.flags.has_reply_to', bit(flags, 0x10));
        e.add('dcq.notify.flags.has_stream', bit(flags, 0x20));
        e.add('dcq.notify.flags.has_metadata', bit(flags, 0x40));
        e.add('dcq.notify.flags.has_header', bit(flags, 0x80));
        e.add('dcq.payload_size', v('payloadSize'));
        if (flags & 0x10) e.add('dcq.reply_to_transfer_id', id(t('replyToTransferId')));
        if (flags & 0x20) {
          e.add('dcq.stream_id', id(t('streamId')));
          e.add('dcq.stream_item_index', v('streamItemIndex'));
        }
        if (flags & 0x40) e.add('dcq.metadata', v('metadata'));
        if (flags & 0x80) {
          e.add('dcq.header_length', t('header').length / 2);
          e.bytes('dcq.header', t('header'));
        }
        if (flags & 0x01) {
          e.bytes('dcq.inline_payload', t('inline'));
        } else {
          e.add('dcq.buffer_id', id(t('bufferId')));
          e.add('dcq.record_size_log2', v('recordSizeLog2'));
          e.add('dcq.data_key', t('dataKey'));
          e.add('dcq.data_iv', t('dataIv'));
          e.add('dcq.extension_length', 0);
        }
      }
      break;
    }
    case 'TRANSFER_ACCEPT':
      e.add('dcq.sender_transfer_id', id(s('senderTransferId')));
      e.add('dcq.receiver_transfer_id', id(s('receiverTransferId')));
      e.add('dcq.notify_credit', n('notifyCredit'));
      e.add('dcq.accept_status', n('status'));
      e.add('dcq.reason_code', n('reasonCode'));
      break;
    case 'PULL_REQUEST':
      e.add('dcq.sender_transfer_id', id(s('senderTransferId')));
      e.add('dcq.receiver_transfer_id', id(s('receiverTransferId')));
      e.add('dcq.pull_id', n('pullId'));
      e.add('dcq.pull.flags', h8(n('flags')));
      e.add('dcq.pull.flags.retransmission', bit(n('flags'), 1));
      e.add('dcq.desired_rate', n('desiredRateKiBps'));
      addRanges(e, f.ranges as Range[]);
      break;
    case 'RANGE_ACK':
      e.add('dcq.sender_transfer_id', id(s('senderTransferId')));
      e.add('dcq.ack.flags', h8(n('flags')));
      e.add('dcq.ack.flags.complete', bit(n('flags'), 1));
      addRanges(e, f.ranges as Range[]);
      break;
    case 'CANCEL_PULL':
      e.add('dcq.sender_transfer_id', id(s('senderTransferId')));
      e.add('dcq.pull_id', n('pullId'));
      break;
    case 'FLOW_RESET':
      e.add('dcq.sender_transfer_id', id(s('senderTransferId')));
      e.add('dcq.receiver_transfer_id', id(s('receiverTransferId')));
      e.add('dcq.status_code', n('statusCode'));
      break;
    case 'TRANSFER_CHALLENGE':
    case 'TRANSFER_CHALLENGE_RESPONSE':
      e.add('dcq.sender_transfer_id', id(s('senderTransferId')));
      e.add('dcq.notify_sequence', id(s('notifySequence')));
      e.add('dcq.nonce', s('nonce'));
      break;
    case 'PROBE':
    case 'PROBE_RESPONSE':
      e.add('dcq.probe_id', n('probeId'));
      e.add('dcq.timestamp_us', n('timestampUs'));
      break;
    case 'STREAM_CLOSE':
      e.add('dcq.stream_id', id(s('streamId')));
      e.add('dcq.stream.flags', h8(n('flags')));
      e.add('dcq.stream.flags.opener', bit(n('flags'), 1));
      e.add('dcq.status_code', n('statusCode'));
      e.add('dcq.final_item_count', n('finalItemCount'));
      break;
    case 'STREAM_CLOSE_ACK':
      e.add('dcq.stream_id', id(s('streamId')));
      e.add('dcq.stream.flags', h8(n('flags')));
      e.add('dcq.stream.flags.opener', bit(n('flags'), 1));
      break;
    case 'RETIRE_CONTROL_KEY':
      e.add('dcq.retire.worker_id', n('workerId'));
      e.add('dcq.retire.key_id_below', n('keyIdBelow'));
      break;
    case 'RETIRE_DATA_KEY': {
      const ids = f.bufferIds as string[];
      e.add('dcq.retire.count', ids.length);
      for (const bufferId of ids) e.add('dcq.buffer_id', id(bufferId));
      break;
    }
    default:
      throw new Error(`no expectation for ${message}`);
  }
}

function addControlHeader(e: Expected, hex: string, decrypted: boolean): void {
  const bytes = Buffer.from(hex, 'hex');
  e.add('dcq.kind', h8((bytes[0] as number) >> 4));
  e.add('dcq.kind_reserved', h8(0));
  e.add('dcq.version', bytes[1] as number);
  e.add('dcq.path_secret_id', bytes.subarray(2, 18).toString('hex'));
  e.add('dcq.worker_id', bytes.readUInt16BE(18));
  e.add('dcq.key_id', bytes.readUInt32BE(20));
  e.add('dcq.packet_number', bytes.readUInt32BE(24));
  e.add('dcq.decrypted', decrypted ? 1 : 0);
  e.add('dcq.tag', bytes.subarray(bytes.length - 16).toString('hex'));
}

function addChunks(e: Expected, chunks: readonly Record<string, unknown>[]): void {
  e.add('dcq.kind', h8(3));
  e.add('dcq.kind_reserved', h8(0));
  e.add('dcq.version', 1);
  for (const chunk of chunks) {
    e.add('dcq.receiver_transfer_id', id(chunk.receiverTransferId));
    e.add('dcq.pull_id', chunk.pullId as number);
    e.add('dcq.chunk.sealed_offset', chunk.sealedOffset as number);
    e.add('dcq.chunk.length', (chunk.bytes as string).length / 2);
    e.add('dcq.chunk.bytes', chunk.bytes as string);
  }
  e.add('dcq.chunk_count', chunks.length);
}

function addUnknownPathSecret(e: Expected, f: Record<string, unknown>): void {
  e.add('dcq.kind', h8(4));
  e.add('dcq.kind_reserved', h8(0));
  e.add('dcq.version', f.version as number);
  e.add('dcq.path_secret_id', f.pathSecretId as string);
  e.add('dcq.reset_tag', f.resetTag as string);
}

/** Splits a plaintext body into its framed messages' body lengths. */
function framedLengths(bodyHex: string): number[] {
  const body = Buffer.from(bodyHex, 'hex');
  const lengths: number[] = [];
  for (let at = 0; at < body.length; at += 3 + body.readUInt16BE(at + 1)) lengths.push(body.readUInt16BE(at + 1));
  return lengths;
}

function expectedOfSealed(vector: SealedVector, decrypted: boolean): Expected {
  const e = new Expected();
  const f = vector.fields;
  if (vector.datagram === 'DATA') {
    addChunks(e, f.chunks as Record<string, unknown>[]);
    return e;
  }
  if (vector.datagram === 'UNKNOWN_PATH_SECRET') {
    addUnknownPathSecret(e, f);
    return e;
  }
  addControlHeader(e, vector.hex, decrypted);
  const body = f.body as string;
  if (!decrypted) {
    e.add('dcq.encrypted_body', vector.hex.slice(56, vector.hex.length - 32));
    return e;
  }
  e.add('dcq.body', body);
  const messages = f.messages ?? [];
  const lengths = framedLengths(body);
  expect(lengths.length).toBe(messages.length);
  messages.forEach((m, i) => {
    addMessage(e, m.message, m.fields, lengths[i] as number);
  });
  e.add('dcq.msg_count', messages.length);
  return e;
}

function expectedOfMessage(vector: MessageVector, row: Row): Expected {
  const e = new Expected();
  if (vector.message === 'DATA_CHUNKS') {
    addChunks(e, vector.fields.chunks as Record<string, unknown>[]);
    return e;
  }
  if (vector.message === 'UNKNOWN_PATH_SECRET') {
    addUnknownPathSecret(e, vector.fields);
    return e;
  }
  // The header's worker, key id, packet number and tag come from the fixture's sealer: taken from
  // tshark (one occurrence each); kind, version, body and every message field from the vector.
  const secret = vector.message.startsWith('RETIRE_');
  e.add('dcq.kind', h8(secret ? 2 : 1));
  e.add('dcq.kind_reserved', h8(0));
  e.add('dcq.version', 1);
  for (const name of ['dcq.path_secret_id', 'dcq.worker_id', 'dcq.key_id', 'dcq.packet_number', 'dcq.tag']) {
    const values = row.get(name) ?? [];
    expect(values.length, name).toBe(1);
    e.add(name, values[0] as string);
  }
  e.add('dcq.decrypted', 1);
  e.add('dcq.body', vector.hex);
  addMessage(e, vector.message, vector.fields, vector.hex.length / 2 - 3);
  e.add('dcq.msg_count', 1);
  return e;
}

// ---------------------------------------------------------------------------------------------
// tshark.
// ---------------------------------------------------------------------------------------------

let workDir = '';
let capturePath = '';
let capture: VectorCapture;

function tshark(args: readonly string[]): { stdout: string; stderr: string } {
  const result = spawnSync('tshark', ['-n', '-X', `lua_script:${DISSECTOR_PATH}`, '-r', capturePath, ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: 60_000,
    // Isolated from the developer's Wireshark preferences (ports, disabled protocols).
    env: { ...process.env, WIRESHARK_CONFIG_DIR: join(workDir, 'wireshark-config') },
  });
  if (result.status !== 0) throw new Error(`tshark failed (${result.status}): ${result.stderr}`);
  return { stdout: result.stdout, stderr: result.stderr };
}

function readRows(fields: readonly string[], extraArgs: readonly string[] = []): Row[] {
  const args = ['-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', '-E', 'separator=/t', ...extraArgs];
  for (const field of fields) args.push('-e', field);
  const { stdout, stderr } = tshark(args);
  expect(stderr).not.toMatch(/lua|error/i);
  return stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const columns = line.split('\t');
      const row: Row = new Map();
      fields.forEach((field, i) => {
        const text = columns[i] ?? '';
        // The Info column and expert messages may contain commas: keep them whole.
        row.set(field, text === '' ? [] : field.startsWith('_ws.') ? [text] : text.split(','));
      });
      return row;
    });
}

function only(row: Row, field: string): string {
  const values = row.get(field) ?? [];
  expect(values.length, field).toBe(1);
  return values[0] as string;
}

function frameName(frame: FrameExpectation): string {
  const what =
    'vector' in frame
      ? `${frame.vector.name} (${'message' in frame.vector ? frame.vector.message : frame.vector.datagram})`
      : frame.name;
  return `${frame.source}: ${what}${frame.decrypted ? ' [decrypted]' : ''}`;
}

const suiteName = TSHARK_AVAILABLE
  ? 'tshark reads the capture with dcq.lua'
  : IN_CI
    ? 'tshark reads the capture with dcq.lua (FAILS: CI is set but tshark is not installed; .ci/run installs it)'
    : 'tshark reads the capture with dcq.lua (SKIPPED: tshark is not installed; apt-get install tshark)';

describe.skipIf(SKIP)(suiteName, () => {
  let rows: Row[] = [];

  beforeAll(() => {
    if (!TSHARK_AVAILABLE) {
      throw new Error(
        'tshark is not installed but CI is set: .ci/run installs tshark (apt-get install tshark) — check that block',
      );
    }
    workDir = mkdtempSync(join(tmpdir(), 'dcq-tshark-'));
    capturePath = join(workDir, 'vectors.pcap');
    capture = buildVectorCapture();
    writeFileSync(capturePath, capture.pcap);
    rows = readRows([...OUTER_FIELDS, ...DCQ_FIELDS, ...EXPERT_FIELDS], ['-o', 'ip.check_checksum:TRUE']);
  });

  afterAll(() => {
    if (workDir !== '') rmSync(workDir, { recursive: true, force: true });
  });

  it('reads every frame; outer layers decode with valid IPv4 checksums, ports and nanosecond times', () => {
    expect(rows.length).toBe(capture.frames.length);
    rows.forEach((row, i) => {
      const frame = capture.frames[i] as FrameExpectation;
      const name = frameName(frame);
      expect(only(row, 'frame.number'), name).toBe(String(i + 1));
      expect(only(row, 'ip.checksum.status'), name).toBe('1'); // 1 = good (verified)
      const port = frame.decrypted ? '7742' : '7741';
      expect(only(row, 'udp.srcport'), name).toBe(port);
      expect(only(row, 'udp.dstport'), name).toBe(port);
      const timeNs = capture.timesNs[i] as number;
      const expectedTime = `${1_700_000_000 + Math.floor(timeNs / 1e9)}.${String(timeNs % 1e9).padStart(9, '0')}`;
      expect(only(row, 'frame.time_epoch'), name).toBe(expectedTime);
    });
    // Host/NIC addressing of the fixture: sealed vectors 2/1 → 1/0, message vectors alternate.
    expect(only(rows[0] as Row, 'ip.src')).toBe(syntheticIpv4String(2, 1));
    expect(only(rows[0] as Row, 'ip.dst')).toBe(syntheticIpv4String(1, 0));
  });

  it('shows every field of every sealed-datagram vector, as captured (encrypted) and decrypted', () => {
    let checked = 0;
    rows.forEach((row, i) => {
      const frame = capture.frames[i] as FrameExpectation;
      if (frame.source !== 'sealed') return;
      const expected = expectedOfSealed(frame.vector, frame.decrypted);
      compareRow(row, expected, frameName(frame));
      const encrypted = frame.vector.datagram.endsWith('CONTROL') && !frame.decrypted;
      expect((row.get('dcq.encrypted') ?? []).length > 0, frameName(frame)).toBe(encrypted);
      expect(row.get('dcq.malformed') ?? [], frameName(frame)).toEqual([]);
      checked++;
    });
    expect(checked).toBe(12); // 7 vectors + decrypted copies of the 5 sealed ones
  });

  it('shows every field of every messages.json vector (every message type), decrypted', () => {
    const seenTypes = new Set<string>();
    let checked = 0;
    rows.forEach((row, i) => {
      const frame = capture.frames[i] as FrameExpectation;
      if (frame.source !== 'message') return;
      compareRow(row, expectedOfMessage(frame.vector, row), frameName(frame));
      expect(row.get('dcq.malformed') ?? [], frameName(frame)).toEqual([]);
      seenTypes.add(frame.vector.message);
      checked++;
    });
    expect(checked).toBe(56);
    expect([...seenTypes].sort()).toEqual(
      [
        'CANCEL_PULL',
        'DATA_CHUNKS',
        'FLOW_RESET',
        'PADDING',
        'PROBE',
        'PROBE_RESPONSE',
        'PULL_REQUEST',
        'RANGE_ACK',
        'RETIRE_CONTROL_KEY',
        'RETIRE_DATA_KEY',
        'STREAM_CLOSE',
        'STREAM_CLOSE_ACK',
        'TRANSFER_ACCEPT',
        'TRANSFER_CHALLENGE',
        'TRANSFER_CHALLENGE_RESPONSE',
        'TRANSFER_NOTIFY',
        'UNKNOWN_PATH_SECRET',
      ].sort(),
    );
  });

  it('summarises each datagram in the Info column', () => {
    const info = (i: number) => only(rows[i] as Row, '_ws.col.Info');
    expect(info(0)).toBe('CONTROL w3 k0 pn0 [encrypted, 11 bytes]');
    expect(info(1)).toBe('CONTROL w3 k0 pn0: PROBE');
    expect(info(3)).toBe('CONTROL w3 k0 pn1: NOTIFY×2 PULL_REQUEST RANGE_ACK');
    expect(info(5)).toBe('CONTROL w3 k1 pn0: ACCEPT CHALLENGE_RESPONSE');
    expect(info(7)).toBe('CONTROL w3 k1 pn1: NOTIFY FLOW_RESET PADDING');
    expect(info(9)).toBe('SECRET_CONTROL w3 k0 pn0: RETIRE_CONTROL_KEY RETIRE_DATA_KEY');
    expect(info(10)).toBe('UNKNOWN_PATH_SECRET id 5f481fc4fcc394b8eaede144400b0901');
    expect(info(11)).toBe('DATA 1 chunk: 0001000200000077/9@0+216');
    const notify64 = rows.findIndex((_, i) => {
      const f = capture.frames[i] as FrameExpectation;
      return f.source === 'message' && f.vector.name.startsWith('64 entries');
    });
    // Vectors alternate between the two sides' sealers (worker 0, or worker 5 from key 0xfffffff0).
    expect(info(notify64)).toMatch(/^CONTROL w(0 k0|5 k\d+) pn\d+: NOTIFY×64$/);
  });

  it('shows undecryptable and malformed datagrams without failing, marking each', () => {
    let checked = 0;
    rows.forEach((row, i) => {
      const frame = capture.frames[i] as FrameExpectation;
      const name = frameName(frame);
      const experts = row.get('_ws.expert.message') ?? [];
      expect(experts.join(' '), name).not.toMatch(/dissector error|Lua/);
      if (frame.source === 'undecryptable') {
        expect((row.get('dcq.encrypted') ?? []).length, name).toBe(1);
        expect(row.get('dcq.encrypted_body'), name).toHaveLength(1);
        expect(row.get('dcq.msg_type') ?? [], name).toEqual([]);
        checked++;
      }
      if (frame.source !== 'malformed') return;
      const flagged =
        frame.name === 'reserved kind bits'
          ? 'dcq.reserved_bits'
          : frame.name === 'version 2'
            ? 'dcq.unsupported_version'
            : 'dcq.malformed';
      expect((row.get(flagged) ?? []).length, `${name}: ${flagged}`).toBeGreaterThan(0);
      if (flagged === 'dcq.malformed') expect(only(row, '_ws.col.Info'), name).toMatch(/\[malformed\]$/);
      expect(row.get('dcq.kind') ?? [], name).toHaveLength(1);
      checked++;
    });
    expect(checked).toBe(21);
    // Spot checks of what the dissector still shows of malformed datagrams.
    const byName = (name: string) =>
      rows[capture.frames.findIndex((f) => f.source === 'malformed' && f.name === name)] as Row;
    expect(byName('DATA chunk cut').get('dcq.chunk.length')).toEqual(['16']);
    expect(byName('DATA chunk cut').get('dcq.chunk.bytes')).toEqual(['aabb']);
    expect(byName('NOTIFY inline payload past the body').get('dcq.payload_size')).toEqual(['255']);
    expect(byName('NOTIFY inline payload past the body').get('dcq.inline_payload')).toEqual(['aabb']);
    expect(byName('PULL_REQUEST range count beyond the body').get('dcq.range_count')).toEqual(['5']);
    expect(byName('undefined message type 0x0e').get('dcq.msg_type')).toEqual(['0x0e']);
    expect(byName('framing cut (2 bytes left)').get('dcq.probe_id')).toEqual(['17']);
  });

  it('display filters on dcq.* fields select exactly the expected frames', () => {
    const framesWhere = (predicate: (frame: FrameExpectation) => boolean) =>
      capture.frames.flatMap((frame, i) => (predicate(frame) ? [String(i + 1)] : []));
    const filtered = (filter: string) =>
      readRows(['frame.number'], ['-Y', filter]).map((row) => only(row, 'frame.number'));
    // The one malformed datagram that still carries a PULL_REQUEST of that transfer.
    const malformedPull = (frame: FrameExpectation) =>
      frame.source === 'malformed' && frame.name === 'PULL_REQUEST range count beyond the body';
    const hasMessage = (frame: FrameExpectation, type: string) =>
      frame.decrypted &&
      ((frame.source === 'message' && frame.vector.message === type) ||
        (frame.source === 'sealed' && (frame.vector.fields.messages ?? []).some((m) => m.message === type)));
    // PULL_REQUEST messages, and one transfer id across NOTIFY / ACCEPT / PULL / ACK / RESET / challenges.
    expect(filtered('dcq.msg_type == 0x03')).toEqual(
      framesWhere((f) => hasMessage(f, 'PULL_REQUEST') || malformedPull(f)),
    );
    const transfer = '0100000200000005';
    expect(filtered(`dcq.sender_transfer_id == 0x${transfer} && dcq.decrypted`)).toEqual(
      framesWhere(
        (f) =>
          (f.source === 'message' &&
            f.decrypted &&
            JSON.stringify(f.vector.fields).includes(`"senderTransferId":"${transfer}"`)) ||
          malformedPull(f),
      ),
    );
  });
});

/** Every requested dcq field of the row equals the expectation exactly (absent fields: no value). */
function compareRow(row: Row, expected: Expected, name: string): void {
  for (const field of DCQ_FIELDS) {
    expect(row.get(field) ?? [], `${name}: ${field}`).toEqual(expected.fields.get(field) ?? []);
  }
}
