// Typed-array pools holding the simulated page tables: one pool per level, tables addressed by
// small integer ids (0 = none), entries of upper tables are ids into the next level's pool.
// Storage grows in fixed chunks (no copying of large arrays) and freed ids are reused.

import { InvariantError } from '../util/assert.js';

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
  private readonly freeIds: number[] = [];
  private nextId = 1;
  /** Tables currently allocated. */
  live = 0;

  constructor(readonly entries: number) {}

  /** Allocates an all-none table and returns its id (never 0). */
  alloc(): number {
    const reused = this.freeIds.pop();
    const id = reused ?? this.nextId++;
    const chunk = id >>> DIR_CHUNK_SHIFT;
    while (this.chunks.length <= chunk) {
      this.chunks.push(new Int32Array(this.entries << DIR_CHUNK_SHIFT));
      this.counts.push(new Uint16Array(1 << DIR_CHUNK_SHIFT));
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

  /** The entry `idx` of table `id`. */
  get(id: number, idx: number): number {
    return this.chunks[id >>> DIR_CHUNK_SHIFT][
      (id & ((1 << DIR_CHUNK_SHIFT) - 1)) * this.entries + idx
    ];
  }

  /** Sets entry `idx` of table `id`, keeping the non-none count. */
  set(id: number, idx: number, value: number): void {
    const chunk = this.chunks[id >>> DIR_CHUNK_SHIFT];
    const local = id & ((1 << DIR_CHUNK_SHIFT) - 1);
    const at = local * this.entries + idx;
    const old = chunk[at];
    chunk[at] = value;
    const counts = this.counts[id >>> DIR_CHUNK_SHIFT];
    if (old === 0 && value !== 0) counts[local] = counts[local] + 1;
    else if (old !== 0 && value === 0) counts[local] = counts[local] - 1;
  }

  /** Non-none entries of table `id`. */
  count(id: number): number {
    return this.counts[id >>> DIR_CHUNK_SHIFT][id & ((1 << DIR_CHUNK_SHIFT) - 1)];
  }

  /** Ids of every allocated table (slow; for validate_mm). */
  liveIds(): number[] {
    const freed = new Set(this.freeIds);
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
  private readonly freeIds: number[] = [];
  private readonly freePlanes: number[] = [];
  private nextId = 1;
  private nextPlane = 0;
  /** Tables currently allocated. */
  live = 0;
  /** Allocated tables whose every entry is none. */
  empty = 0;

  constructor(readonly entries: number) {
    this.words = Math.ceil(entries / 32);
  }

  /** Allocates an all-none table and returns its id (never 0). */
  alloc(): number {
    const id = this.freeIds.pop() ?? this.nextId++;
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
      this.freePlanes.push(plane - 1);
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
    const plane = reused ?? this.nextPlane++;
    const pw = this.planeAt(plane);
    if (reused !== undefined) pw.words.fill(0, pw.base, pw.base + 2 * this.words);
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

  /** Ids of every allocated table (slow; for validate_mm). */
  liveIds(): number[] {
    const freed = new Set(this.freeIds);
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
