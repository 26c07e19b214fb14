// Typed-array pools holding the simulated page tables: one pool per level, tables addressed by
// small integer ids (0 = none), entries of upper tables are ids into the next level's pool.
// Storage grows in fixed chunks (no copying of large arrays) and freed ids are reused. A PTE table
// holding at most one page may live inline in its PMD entry (no pool storage at all); reading the
// entry with `DirPool.get` turns it into a plain table first, so only the hot loops that ask for
// the raw entry (`DirPool.raw`) ever see the inline form.

import { InvariantError } from '../util/assert.js';

/** A stack of ids in a growable Int32Array (a JS array of ids hits V8's length limit first). */
export class IdStack {
  private items = new Int32Array(1024);
  length = 0;

  push(id: number): void {
    if (this.length === this.items.length) {
      const grown = new Int32Array(this.items.length * 2);
      grown.set(this.items);
      this.items = grown;
    }
    this.items[this.length++] = id;
  }

  /** The most recently pushed id, removed; 0 when empty (ids are never 0). */
  pop(): number {
    return this.length === 0 ? 0 : this.items[--this.length];
  }

  /** The ids on the stack (slow; for validation). */
  toSet(): Set<number> {
    return new Set(this.items.subarray(0, this.length));
  }
}

/**
 * Inline PTE tables: a PMD entry at or below INLINE_NONE encodes a whole PTE table that maps at
 * most one page, as `INLINE_NONE - (index * 4 + kind)`. Kinds: no page (an empty table), one anon
 * page, one zero-page entry. Huge-PMD markers are -1..-3, so the ranges never meet.
 */
export const INLINE_NONE = -16;
/** Kind of an inline table that maps no page. */
export const INLINE_EMPTY = 0;
/** Kind of an inline table mapping one anon page. */
export const INLINE_ANON = 1;
/** Kind of an inline table mapping the shared zero page once. */
export const INLINE_ZERO = 2;

/** The raw PMD entry for an inline table of `kind` with its page at `index`. */
export function inlineEntry(index: number, kind: number): number {
  return INLINE_NONE - (kind === INLINE_EMPTY ? 0 : index * 4 + kind);
}

/** Whether a raw PMD entry is an inline PTE table. */
export function isInline(raw: number): boolean {
  return raw <= INLINE_NONE;
}

/** Kind of the inline table `raw`. */
export function inlineKind(raw: number): number {
  return (INLINE_NONE - raw) & 3;
}

/** Index of the page of the inline table `raw` (meaningless for INLINE_EMPTY). */
export function inlineIndex(raw: number): number {
  return (INLINE_NONE - raw) >>> 2;
}

/** Tables per chunk of an upper-level pool (a chunk is 2^8 tables of entries). */
export const DIR_CHUNK_SHIFT = 8;
/** Tables per chunk of the PTE pool. */
export const PTE_CHUNK_SHIFT = 13;
/** Mask of a table's index inside its PTE chunk. */
export const PTE_CHUNK_MASK = (1 << PTE_CHUNK_SHIFT) - 1;

/**
 * A pool of directory tables (PGD, P4D, PUD or PMD): each entry is 0 (none), a positive id of a
 * next-level table, or, at the PMD level, a negative huge-PMD marker.
 */
export class DirPool {
  readonly chunks: Int32Array[] = [];
  /** Non-none entries per table, chunked like the entries. invariant: equals a recount. */
  readonly counts: Uint16Array[] = [];
  /**
   * Per table, `hi` is past its last entry set non-none since it was last empty, and `lo` its first:
   * walks stop there. invariant: every non-none entry lies in [lo, hi).
   */
  readonly lo: Uint16Array[] = [];
  readonly hi: Uint16Array[] = [];
  /**
   * Per PMD table, an inline entry that every non-none entry equals, or 0 when unknown; lets
   * whole-table touches and zaps run without looking at each entry. invariant: when not 0 and the
   * table has entries, each of them equals it.
   */
  readonly uniform: Int32Array[] = [];
  private readonly freeIds = new IdStack();
  private nextId = 1;
  /** Tables currently allocated. */
  live = 0;

  /** `ptes`: the PTE pool inline entries of this (PMD) pool expand into; null above the PMD. */
  constructor(
    readonly entries: number,
    private readonly ptes: PtePool | null = null,
  ) {}

  /** Allocates an all-none table and returns its id (never 0). */
  alloc(): number {
    const id = this.freeIds.pop() || this.nextId++;
    const chunk = id >>> DIR_CHUNK_SHIFT;
    while (this.chunks.length <= chunk) {
      this.chunks.push(new Int32Array(this.entries << DIR_CHUNK_SHIFT));
      this.counts.push(new Uint16Array(1 << DIR_CHUNK_SHIFT));
      this.lo.push(new Uint16Array(1 << DIR_CHUNK_SHIFT).fill(this.entries));
      this.hi.push(new Uint16Array(1 << DIR_CHUNK_SHIFT));
      this.uniform.push(new Int32Array(1 << DIR_CHUNK_SHIFT));
    }
    this.live++;
    return id;
  }

  /** Returns an all-none table to the pool. */
  free(id: number): void {
    if (this.count(id) !== 0)
      throw new InvariantError('freeing a directory table with entries', { id });
    this.freeIds.push(id);
    this.live--;
  }

  /**
   * The entry `idx` of table `id`: 0, a next-level id or a huge-PMD marker. An inline PTE table is
   * first made a plain one, so callers never see the inline form.
   */
  get(id: number, idx: number): number {
    const v = this.raw(id, idx);
    if (v > INLINE_NONE) return v;
    const pte = (this.ptes as PtePool).fromInline(v);
    const c = id >>> DIR_CHUNK_SHIFT;
    const local = id & ((1 << DIR_CHUNK_SHIFT) - 1);
    this.chunks[c][local * this.entries + idx] = pte;
    this.uniform[c][local] = 0;
    return pte;
  }

  /** The stored entry `idx` of table `id`, inline PTE tables included (hot loops only). */
  raw(id: number, idx: number): number {
    return this.chunks[id >>> DIR_CHUNK_SHIFT][
      (id & ((1 << DIR_CHUNK_SHIFT) - 1)) * this.entries + idx
    ];
  }

  /** Sets entry `idx` of table `id`, keeping the non-none count and the walk bounds. */
  set(id: number, idx: number, value: number): void {
    const c = id >>> DIR_CHUNK_SHIFT;
    const chunk = this.chunks[c];
    const local = id & ((1 << DIR_CHUNK_SHIFT) - 1);
    const at = local * this.entries + idx;
    const old = chunk[at];
    chunk[at] = value;
    const counts = this.counts[c];
    if (value !== 0 && value !== this.uniform[c][local]) {
      this.uniform[c][local] = counts[local] === 0 && value <= INLINE_NONE ? value : 0;
    }
    if (old === 0 && value !== 0) {
      counts[local] = counts[local] + 1;
      this.widen(c, local, idx, idx + 1);
    } else if (old !== 0 && value === 0) {
      counts[local] = counts[local] - 1;
      if (counts[local] === 0) {
        this.lo[c][local] = this.entries;
        this.hi[c][local] = 0;
      }
    }
  }

  /** Adds `delta` to the non-none count of `id` after raw entry writes (hot loops only). */
  addCount(id: number, delta: number): void {
    const c = id >>> DIR_CHUNK_SHIFT;
    const local = id & ((1 << DIR_CHUNK_SHIFT) - 1);
    const now = this.counts[c][local] + delta;
    if (now < 0 || now > this.entries) {
      throw new InvariantError('directory count out of range', { id, delta });
    }
    this.counts[c][local] = now;
    if (now === 0) {
      this.lo[c][local] = this.entries;
      this.hi[c][local] = 0;
    }
  }

  /** Widens the walk bounds of table `local` of chunk `c` to include [from, to). */
  widen(c: number, local: number, from: number, to: number): void {
    if (this.lo[c][local] > from) this.lo[c][local] = from;
    if (this.hi[c][local] < to) this.hi[c][local] = to;
  }

  /** First index of table `id` that may be non-none. */
  first(id: number): number {
    return this.lo[id >>> DIR_CHUNK_SHIFT][id & ((1 << DIR_CHUNK_SHIFT) - 1)];
  }

  /** One past the last index of table `id` that may be non-none. */
  end(id: number): number {
    return this.hi[id >>> DIR_CHUNK_SHIFT][id & ((1 << DIR_CHUNK_SHIFT) - 1)];
  }

  /** Non-none entries of table `id`. */
  count(id: number): number {
    return this.counts[id >>> DIR_CHUNK_SHIFT][id & ((1 << DIR_CHUNK_SHIFT) - 1)];
  }

  /** Ids of every allocated table (slow; for validate_mm). */
  liveIds(): number[] {
    const freed = this.freeIds.toSet();
    const ids: number[] = [];
    for (let id = 1; id < this.nextId; id++) if (!freed.has(id)) ids.push(id);
    return ids;
  }
}

/** Bits of one PTE table's plane: which entries are non-none, zero-page, or lazy-free. */
export interface PteWords {
  readonly words: Uint32Array;
  readonly base: number;
}

/**
 * The pool of PTE tables. Per table: a bitmap of non-none entries and their count; optional extra
 * planes (allocated on first use) mark entries mapping the shared zero page and clean lazy-free
 * (MADV_FREE'd) pages. invariant: zero and lazy bits are subsets of the present bits, disjoint.
 */
export class PtePool {
  /** 32-bit words per table bitmap. */
  readonly words: number;
  readonly present: Uint32Array[] = [];
  readonly counts: Uint16Array[] = [];
  /** Per table, 0 or 1 + index of its extra planes in `planes`. */
  readonly extra: Int32Array[] = [];
  /** Extra planes: per plane slot, `words` zero-page words then `words` lazy-free words. */
  readonly planes: Uint32Array[] = [];
  private readonly freeIds = new IdStack();
  /** Freed plane slots, each stored + 1 (the stack's 0 means empty). */
  private readonly freePlanes = new IdStack();
  private nextId = 1;
  private nextPlane = 0;
  /** Tables currently allocated, inline ones included. */
  live = 0;
  /** Allocated tables whose every entry is none, inline ones included. */
  empty = 0;
  /** Inline tables (held in PMD entries, not in this pool's storage). */
  inline = 0;

  constructor(readonly entries: number) {
    this.words = Math.ceil(entries / 32);
  }

  /** Allocates an all-none table and returns its id (never 0). */
  alloc(): number {
    const id = this.freeIds.pop() || this.nextId++;
    const chunk = id >>> PTE_CHUNK_SHIFT;
    while (this.present.length <= chunk) {
      this.present.push(new Uint32Array(this.words << PTE_CHUNK_SHIFT));
      this.counts.push(new Uint16Array(1 << PTE_CHUNK_SHIFT));
      this.extra.push(new Int32Array(1 << PTE_CHUNK_SHIFT));
    }
    this.live++;
    this.empty++;
    return id;
  }

  /** Returns an all-none table to the pool. */
  free(id: number): void {
    if (this.count(id) !== 0)
      throw new InvariantError('freeing a PTE table that maps pages', { id });
    const chunk = id >>> PTE_CHUNK_SHIFT;
    const local = id & ((1 << PTE_CHUNK_SHIFT) - 1);
    const ex = this.extra[chunk];
    const plane = ex[local];
    if (plane !== 0) {
      this.freePlanes.push(plane);
      ex[local] = 0;
    }
    this.freeIds.push(id);
    this.live--;
    this.empty--;
  }

  /** Non-none entries of table `id`. */
  count(id: number): number {
    return this.counts[id >>> PTE_CHUNK_SHIFT][id & ((1 << PTE_CHUNK_SHIFT) - 1)];
  }

  /** Adds `delta` to the non-none count of `id`, tracking empty tables. */
  addCount(id: number, delta: number): void {
    if (delta === 0) return;
    const counts = this.counts[id >>> PTE_CHUNK_SHIFT];
    const local = id & ((1 << PTE_CHUNK_SHIFT) - 1);
    const old = counts[local];
    const now = old + delta;
    if (now < 0 || now > this.entries) {
      throw new InvariantError('PTE count out of range', { id, old, delta });
    }
    counts[local] = now;
    if (old === 0) this.empty--;
    if (now === 0) this.empty++;
  }

  /** The present bitmap of table `id`: words[base .. base + this.words). */
  presentWords(id: number): PteWords {
    return {
      words: this.present[id >>> PTE_CHUNK_SHIFT],
      base: (id & ((1 << PTE_CHUNK_SHIFT) - 1)) * this.words,
    };
  }

  /** 0 if `id` has no extra planes, else 1 + its plane slot (see planeChunk/planeBase). */
  planeOf(id: number): number {
    return this.extra[id >>> PTE_CHUNK_SHIFT][id & PTE_CHUNK_MASK];
  }

  /** The words holding plane slot `plane` (as returned by planeOf, minus 1). */
  planeChunk(plane: number): Uint32Array {
    return this.planes[plane >>> PTE_CHUNK_SHIFT];
  }

  /** Offset of plane slot `plane` in its chunk: zero-page words, then lazy-free words. */
  planeBase(plane: number): number {
    return (plane & PTE_CHUNK_MASK) * 2 * this.words;
  }

  /** The extra planes of `id` (zero-page words at base, lazy-free at base + words), or null. */
  planeWords(id: number): PteWords | null {
    const plane = this.extra[id >>> PTE_CHUNK_SHIFT][id & ((1 << PTE_CHUNK_SHIFT) - 1)];
    if (plane === 0) return null;
    return this.planeAt(plane - 1);
  }

  /** The extra planes of `id`, allocating all-clear planes on first use. */
  ensurePlanes(id: number): PteWords {
    const ex = this.extra[id >>> PTE_CHUNK_SHIFT];
    const local = id & ((1 << PTE_CHUNK_SHIFT) - 1);
    const existing = ex[local];
    if (existing !== 0) return this.planeAt(existing - 1);
    const reused = this.freePlanes.pop();
    const plane = reused !== 0 ? reused - 1 : this.nextPlane++;
    const pw = this.planeAt(plane);
    if (reused !== 0) pw.words.fill(0, pw.base, pw.base + 2 * this.words);
    ex[local] = plane + 1;
    return pw;
  }

  private planeAt(plane: number): PteWords {
    const chunk = plane >>> PTE_CHUNK_SHIFT;
    while (this.planes.length <= chunk) {
      this.planes.push(new Uint32Array((2 * this.words) << PTE_CHUNK_SHIFT));
    }
    return {
      words: this.planes[chunk],
      base: (plane & ((1 << PTE_CHUNK_SHIFT) - 1)) * 2 * this.words,
    };
  }

  /** Accounts a new inline table of `kind` (its PMD entry is the caller's). */
  addInline(kind: number): void {
    this.live++;
    this.inline++;
    if (kind === INLINE_EMPTY) this.empty++;
  }

  /** Un-accounts an inline table of `kind` whose PMD entry the caller clears. */
  dropInline(kind: number): void {
    this.live--;
    this.inline--;
    if (kind === INLINE_EMPTY) this.empty--;
  }

  /** An inline table changes from `from` to `to` kind (same PMD entry, rewritten by the caller). */
  rekindInline(from: number, to: number): void {
    if (from === INLINE_EMPTY) this.empty--;
    if (to === INLINE_EMPTY) this.empty++;
  }

  /** Turns the inline table `raw` into a plain table with the same contents; returns its id. */
  fromInline(raw: number): number {
    const kind = inlineKind(raw);
    this.dropInline(kind);
    const id = this.alloc();
    if (kind === INLINE_EMPTY) return id;
    const index = inlineIndex(raw);
    const w = index >>> 5;
    const bit = (1 << (index & 31)) >>> 0;
    const chunk = this.present[id >>> PTE_CHUNK_SHIFT];
    chunk[(id & PTE_CHUNK_MASK) * this.words + w] = bit;
    this.addCount(id, 1);
    if (kind === INLINE_ZERO) {
      const planes = this.ensurePlanes(id);
      planes.words[planes.base + w] = bit;
    }
    return id;
  }

  /** Ids of every allocated table in storage (slow; for validate_mm). */
  liveIds(): number[] {
    const freed = this.freeIds.toSet();
    const ids: number[] = [];
    for (let id = 1; id < this.nextId; id++) if (!freed.has(id)) ids.push(id);
    return ids;
  }
}

/** Number of set bits in a 32-bit word. */
export function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Mask of bits [lo, hi) within one 32-bit word, 0 <= lo < hi <= 32. */
export function wordMask(lo: number, hi: number): number {
  const upper = hi === 32 ? 0xffffffff : (1 << hi) - 1;
  return (upper & ~((1 << lo) - 1)) >>> 0;
}
