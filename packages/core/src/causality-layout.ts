/**
 * Shared-memory layout of the causality map (see `causality-map.ts` and docs/causality.md): the
 * word offsets of the header, entry and edge records, the packing of an entry's state word, and the
 * token encoding. Every thread that attaches to a map must agree on these numbers, so they live in
 * one place and the header carries {@link CAUSALITY_LAYOUT_VERSION}.
 *
 * All records are arrays of 32-bit words in SharedArrayBuffers (array-of-structs, so one growable
 * buffer per record kind keeps every record at a fixed offset when the buffer grows).
 */

/** Magic number in header word 0 ("dcqC"), checked by `CausalityMap.attach`. */
export const CAUSALITY_MAGIC = 0x64637143;

/** Version of this layout; a handle from another layout version is rejected. */
export const CAUSALITY_LAYOUT_VERSION = 1;

/** "No slot / no edge" in every link word. */
export const NIL = -1;

// ---------------------------------------------------------------------------------------------
// Tokens: generation * 2^24 + slot, a non-negative integer below 2^50 (always a safe integer).

/** Bits of a token that hold the slot index. */
export const TOKEN_SLOT_BITS = 24;

/** 2^24: a token is `generation * TOKEN_SLOT_RADIX + slot`. */
export const TOKEN_SLOT_RADIX = 2 ** TOKEN_SLOT_BITS;

/** Bits of generation in an entry's state word (and in a token). */
export const GENERATION_BITS = 26;

/** Largest generation; after it a slot's generation wraps to 1 (0 is never live). */
export const GENERATION_MAX = 2 ** GENERATION_BITS - 1;

// ---------------------------------------------------------------------------------------------
// Entry state word: generation << 5 | sent << 4 | lock << 3 | state. Always in [0, 2^31), so `>>>`
// is exact and the word is a small integer for V8.

/** Bits of the state word below the generation. */
export const GENERATION_SHIFT = 5;

/** The entry reached REQUEST_SENT at some point (so "request sent" waits on it hold forever). */
export const SENT_BIT = 1 << 4;

/** Per-entry lock bit, held for a few instructions while the entry's state or lists change. */
export const LOCK_BIT = 1 << 3;

/** Mask of the state in the state word. */
export const STATE_MASK = 7;

// Internal entry states: the public ones are the same numbers, see `CausalityState`.
/** The slot is free (on the free list). */
export const STATE_FREE = 0;
/** Allocated, some dependency edge still unsatisfied. */
export const STATE_PENDING = 1;
/** Every dependency satisfied: the owner may send the request. */
export const STATE_READY = 2;
/** The request was sent (dependents waiting for "request sent" are satisfied). */
export const STATE_REQUEST_SENT = 3;
/** Completed: the response arrived (every dependent edge is satisfied). */
export const STATE_COMPLETED = 4;
/** Failed: cascading dependents fail, the others are released. */
export const STATE_FAILED = 5;
/** Terminal and released by its owner; the slot waits for its last hold to be dropped. */
export const STATE_RELEASED = 6;

// ---------------------------------------------------------------------------------------------
// Entry record: 16 words = 64 bytes, one cache line per entry (no false sharing between entries).

/** Words per entry record. */
export const ENTRY_WORDS = 16;
/** log2(ENTRY_WORDS). */
export const ENTRY_SHIFT = 4;
/** Bytes per entry record. */
export const ENTRY_BYTES = ENTRY_WORDS * 4;

/** generation << 5 | sent << 4 | lock << 3 | state (CAS-locked). */
export const E_STATE = 0;
/**
 * What keeps the slot allocated, in one word so one atomic operation decides who frees it:
 * references << {@link HOLD_REF_SHIFT} (owner until release, queued notification, failure work
 * stack) + unprocessed dependency edges of this entry + 1 while it is being created (the guard).
 */
export const E_HOLD = 1;
/** Owner id in the low 16 bits, FLAG_* bits above. Changed with Atomics.or only. */
export const E_FLAGS = 2;
/** Head of the edges of dependents waiting for this entry's request to be sent. */
export const E_SENT_HEAD = 3;
/** Head of the edges of dependents waiting for this entry's response. */
export const E_DONE_HEAD = 4;
/** Free-list link while free; owner-inbox link while a notification is queued. */
export const E_LINK = 5;
/** Link of the failure work stack of the thread that failed this entry (exclusive to that thread). */
export const E_WORK_NEXT = 6;
/** Creation serial number (wraps at 2^32): every edge goes from a larger serial to a smaller one. */
export const E_SERIAL = 7;
/** Generation of the dependency whose failure cascaded here (0 if none). */
export const E_CAUSE_GENERATION = 8;
/** Slot of the dependency whose failure cascaded here. */
export const E_CAUSE_SLOT = 9;

/** E_HOLD: references are counted above this bit, unprocessed edges (+ guard) below it. */
export const HOLD_REF_SHIFT = 21;
/** E_HOLD: one reference. */
export const HOLD_REF = 1 << HOLD_REF_SHIFT;
/** E_HOLD: mask of the unprocessed-edge count. */
export const HOLD_EDGE_MASK = HOLD_REF - 1;

/** Mask of the owner id in E_FLAGS. */
export const OWNER_MASK = 0xffff;
/** A non-cascading dependency failed (the entry may still proceed). */
export const FLAG_DEPENDENCY_FAILED = 1 << 16;
/** The queued notification is a failure (else readiness). */
export const FLAG_NOTIFY_FAILED = 1 << 17;

// ---------------------------------------------------------------------------------------------
// Edge record: 4 words = 16 bytes. An edge lives in its dependency's SENT or DONE list and names
// the dependent waiting on it.

/** Words per edge record. */
export const EDGE_WORDS = 4;
/** log2(EDGE_WORDS). */
export const EDGE_SHIFT = 2;
/** Bytes per edge record. */
export const EDGE_BYTES = EDGE_WORDS * 4;

/** Next edge in the same list (or in the free list). */
export const G_NEXT = 0;
/** Slot of the dependent entry. */
export const G_DEPENDENT = 1;
/** Dependency kind (bit 0: wait for the response, bit 1: cascade failure). */
export const G_KIND = 2;
/** Generation of the dependent when the edge was linked (checked by assertions). */
export const G_DEPENDENT_GENERATION = 3;

/** Kind bit: wait for the response (else for the request to be sent). */
export const KIND_WAIT_RESPONSE = 1;
/** Kind bit: the dependency's failure fails the dependent. */
export const KIND_CASCADE = 2;

// ---------------------------------------------------------------------------------------------
// Header: 32 words of global state, then 16 words (one cache line) per owner.

/** Magic ({@link CAUSALITY_MAGIC}). */
export const H_MAGIC = 0;
/** Layout version. */
export const H_VERSION = 1;
/** Allocation mutex: 0 free, 1 locked, 2 locked with waiters. */
export const H_ALLOC_LOCK = 2;
/** Current entry capacity (slots backed by memory). */
export const H_ENTRY_CAPACITY = 3;
/** Configured maximum entry capacity. */
export const H_ENTRY_CAPACITY_MAX = 4;
/** Entry high-water mark: slots at or above it were never used. */
export const H_ENTRY_HWM = 5;
/** Head of the free entry list. */
export const H_ENTRY_FREE_HEAD = 6;
/** Allocated entry slots (live, terminal and released-but-referenced). */
export const H_ENTRIES_LIVE = 7;
/** Current edge capacity. */
export const H_EDGE_CAPACITY = 8;
/** Configured maximum edge capacity. */
export const H_EDGE_CAPACITY_MAX = 9;
/** Edge high-water mark. */
export const H_EDGE_HWM = 10;
/** Head of the free edge list. */
export const H_EDGE_FREE_HEAD = 11;
/** Length of the free edge list. */
export const H_EDGE_FREE_COUNT = 12;
/** Allocated edges (linked and not yet processed, or handed to a creator). */
export const H_EDGES_LIVE = 13;
/** Creation serial counter. */
export const H_SERIAL = 14;
/** Configured number of owners. */
export const H_OWNERS_MAX = 15;
/** Configured maximum dependencies per entry. */
export const H_DEPENDENCIES_MAX = 16;
/** Words of global header state. */
export const HEADER_GLOBAL_WORDS = 32;

/** Words per owner record. */
export const OWNER_WORDS = 16;
/** Owner record: head of the multi-producer notification inbox (a push-only stack). */
export const O_INBOX = 0;
/** Owner record: head of notifications taken from the inbox, in FIFO order, not yet polled. */
export const O_TAKEN = 1;

/** Largest entry capacity (the slot must fit in the token's 24 slot bits). */
export const ENTRY_CAPACITY_LIMIT = TOKEN_SLOT_RADIX;
/** Largest edge capacity (1 GiB of edge records). */
export const EDGE_CAPACITY_LIMIT = 2 ** 26;
/** Largest number of dependencies of one entry (their edges are counted below HOLD_REF). */
export const DEPENDENCIES_PER_ENTRY_LIMIT = 2 ** 20;
/** Largest number of owners (the owner id has 16 bits in E_FLAGS). */
export const OWNERS_LIMIT = OWNER_MASK + 1;
