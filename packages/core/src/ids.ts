/**
 * 64-bit identifiers as two unsigned 32-bit halves (hi, lo), never as BigInt on hot paths: the bit
 * layout of transfer ids and buffer ids, reading and writing them in network byte order, comparing
 * them, and (off the hot path only) formatting and BigInt conversion for logs and tests.
 *
 * Layouts (hi is the first four bytes on the wire, big-endian):
 * - transfer id: hi = worker id (top {@link WORKER_ID_BITS} bits) | generation (low
 *   {@link TRANSFER_GENERATION_BITS} bits); lo = slot index in the worker's transfer table.
 * - buffer id: hi = generation (all 32 bits); lo = sequence, i.e. the slot index in the buffer
 *   registry. Buffer ids carry no worker bits: the registry belongs to the pool, not a worker.
 *
 * Generation 0 is never handed out by the allocators, so the all-zero id is never live and can be
 * used on the wire and in tables as "no id".
 *
 * Ids are deliberately NOT packed into a single double: a transfer id of any worker other than 0
 * has hi ≥ 2^24 and so never fits in 53 bits, and a representation that works for some ids only
 * invites bugs. Tables store the halves in two Uint32Arrays; lookups go through the slot (lo) and
 * check the generation (hi), see `slot-allocator.ts`.
 */
import { InvalidArgumentError } from './errors.js';

/** Bits of a transfer id's hi half that hold the NIC worker id (the top bits). */
export const WORKER_ID_BITS = 8;

/** Bits of a transfer id's hi half that hold the slot generation (the low bits). */
export const TRANSFER_GENERATION_BITS = 32 - WORKER_ID_BITS;

/** Largest NIC worker id a transfer id can carry (255). */
export const WORKER_ID_MAX = 2 ** WORKER_ID_BITS - 1;

/** Mask of the generation bits in a transfer id's hi half (0x00ffffff). */
export const TRANSFER_GENERATION_MASK = 2 ** TRANSFER_GENERATION_BITS - 1;

/** Bits of generation in a buffer id (its whole hi half). */
export const BUFFER_GENERATION_BITS = 32;

/** Size of an encoded 64-bit id in bytes. */
export const ID_BYTES = 8;

/** Largest value of an unsigned 32-bit half. */
export const U32_MAX = 0xffffffff;

const TWO_POW_GENERATION = 2 ** TRANSFER_GENERATION_BITS;

/** Whether `value` is an integer in [0, 2^32). */
export function isU32(value: number): boolean {
  return value >>> 0 === value;
}

/**
 * Builds a transfer id's hi half from a worker id and a generation. Arithmetic, not `<<`, so worker
 * ids ≥ 128 do not turn the result negative.
 */
export function transferIdHi(workerId: number, generation: number): number {
  if (!(workerId >>> 0 === workerId && workerId <= WORKER_ID_MAX)) {
    throw new InvalidArgumentError(`worker id must be an integer in [0, ${WORKER_ID_MAX}], got ${workerId}`);
  }
  if (!(generation >>> 0 === generation && generation <= TRANSFER_GENERATION_MASK)) {
    throw new InvalidArgumentError(
      `transfer generation must be an integer in [0, ${TRANSFER_GENERATION_MASK}], got ${generation}`,
    );
  }
  return workerId * TWO_POW_GENERATION + generation;
}

/** The NIC worker id carried in a transfer id's hi half. */
export function workerIdOfTransferHi(hi: number): number {
  return hi >>> TRANSFER_GENERATION_BITS;
}

/** The slot generation carried in a transfer id's hi half. */
export function generationOfTransferHi(hi: number): number {
  // The mask is below 2^31, so `&` yields a non-negative result for any u32 input.
  return hi & TRANSFER_GENERATION_MASK;
}

/** Writes a 64-bit id big-endian (network order) at `offset`: hi in bytes 0..3, lo in bytes 4..7. */
export function writeId(view: DataView, offset: number, hi: number, lo: number): void {
  view.setUint32(offset, hi, false);
  view.setUint32(offset + 4, lo, false);
}

/** Reads the hi half of a big-endian 64-bit id at `offset`. */
export function readIdHi(view: DataView, offset: number): number {
  return view.getUint32(offset, false);
}

/** Reads the lo half of a big-endian 64-bit id at `offset`. */
export function readIdLo(view: DataView, offset: number): number {
  return view.getUint32(offset + 4, false);
}

/** Whether two ids are equal. */
export function idEquals(aHi: number, aLo: number, bHi: number, bLo: number): boolean {
  return aHi === bHi && aLo === bLo;
}

/** Orders two ids as unsigned 64-bit integers: -1 if a < b, 0 if equal, 1 if a > b. */
export function compareIds(aHi: number, aLo: number, bHi: number, bLo: number): -1 | 0 | 1 {
  if (aHi !== bHi) return aHi < bHi ? -1 : 1;
  if (aLo !== bLo) return aLo < bLo ? -1 : 1;
  return 0;
}

/** Formats an id as 16 lower-case hex digits, hi first. Allocates: logs and errors only. */
export function formatId(hi: number, lo: number): string {
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

/**
 * Parses the 16-hex-digit form written by {@link formatId} into `out` ([hi, lo]); returns false
 * (leaving `out` untouched) when `text` is not exactly 16 hex digits. Not for hot paths.
 */
export function parseId(text: string, out: Uint32Array): boolean {
  if (!/^[0-9a-fA-F]{16}$/.test(text)) return false;
  out[0] = Number.parseInt(text.slice(0, 8), 16);
  out[1] = Number.parseInt(text.slice(8), 16);
  return true;
}

/** The id as a BigInt. Allocates: logs and tests only, never on a hot path. */
export function idToBigInt(hi: number, lo: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** Splits a BigInt in [0, 2^64) into `out` ([hi, lo]). Logs and tests only. */
export function idFromBigInt(value: bigint, out: Uint32Array): void {
  if (value < 0n || value > 0xffffffffffffffffn) {
    throw new InvalidArgumentError(`a 64-bit id must be in [0, 2^64), got ${value}`);
  }
  out[0] = Number(value >> 32n);
  out[1] = Number(value & 0xffffffffn);
}
