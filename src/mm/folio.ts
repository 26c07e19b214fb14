// Anonymous THP folios beyond their PMD: per mm and PMD slot, records of which subpages of a
// large folio the slot maps and which were ever written, and which mms share the folio. An mremap
// may scatter one folio over several slots and offsets (records with a `shift`); the folio stays
// one (its `share` object). Splitting and dirtying folios is in folio-split.ts.

import { wordMask } from './pgtable-pool.js';
import type { MmStruct } from './mm_types.js';

/**
 * One mm's record of the pages of one PMD-order anonymous folio that it maps in one PMD slot.
 * A folio mapped where it was faulted has one record, in its own slot. An mremap that moves it to
 * another offset in a slot, or moves part of it, leaves several records of the one folio (their
 * `share` and `pieces` objects are the same), and a slot may then hold pages of two folios
 * (`next`).
 */
export interface LargeFolio {
  /** Subpages still mapped from this folio here (bit i = page i of the slot). */
  readonly member: Uint32Array;
  /** Of those, the ones written since the folio was allocated (their content is not zero). */
  readonly written: Uint32Array;
  /**
   * The folio itself, shared by every record of it: `mms` counts the mms mapping part of it
   * (fork adds one, the last record of an mm going takes one). More than one: the folio is
   * COW-shared, a write copies instead of reusing it (`do_huge_pmd_wp_page`, `do_wp_page`).
   * `mlocked`: the folio stays mlocked though no VM_LOCKED VMA may map it (mlocked.ts).
   */
  readonly share: { mms: number; mlocked?: boolean };
  /** Page i of the slot maps subpage i - shift of the folio (0 where it was faulted). */
  readonly shift: number;
  /** How many records of the folio this mm holds (shared by them): 1 unless mremap moved part. */
  readonly pieces: { n: number };
  /** The record of another folio with pages in the same slot (after an mremap), if any. */
  next: LargeFolio | undefined;
  /**
   * Pages a fork write-protected for COW here (`copy_present_ptes` in a VMA the child copied):
   * only a write to one of them faults and copies. A page in a VMA fork did not copy
   * (MADV_DONTFORK) stays writable, and a write just stores to the shared folio.
   */
  cow?: Uint32Array;
}

/** Slot number (page number / PMD_SIZE) of a page. */
function slotOf(mm: MmStruct, addr: number): number {
  return Math.floor(addr / mm.geometry.PMD_SIZE);
}

/** Mask of the pages [lo, hi) of a slot that fall in bitmap word `w`. */
function rangeMask(w: number, lo: number, hi: number): number {
  const from = Math.max(lo - w * 32, 0);
  const to = Math.min(hi - w * 32, 32);
  return from < to ? wordMask(from, to) : 0;
}

/** Records a fresh THP folio in the slot of `addr`; pages [lo, hi) of the slot are written. */
export function folio_alloc_thp(mm: MmStruct, addr: number, lo: number, hi: number): void {
  const words = mm.ptes.words;
  const member = new Uint32Array(words).fill(0xffffffff);
  const written = new Uint32Array(words);
  const f: LargeFolio = {
    member,
    written,
    share: { mms: 1 },
    shift: 0,
    pieces: { n: 1 },
    next: mm.folios.get(slotOf(mm, addr)),
  };
  mm.folios.set(slotOf(mm, addr), f);
  folio_mark_written(mm, addr, lo, hi);
}

/**
 * Adds a record to `slot` for folio `like` (another record of it, in `mm` when `sameMm`), with
 * page i of the slot mapping subpage i - `shift`. A new record in the same mm counts one more
 * piece; in another mm (fork), one more mm unless that mm already holds a piece (`pieces`).
 */
export function folio_add_record(
  mm: MmStruct,
  slot: number,
  like: LargeFolio,
  shift: number,
  pieces: { n: number } | null,
): LargeFolio {
  const words = mm.ptes.words;
  const f: LargeFolio = {
    member: new Uint32Array(words),
    written: new Uint32Array(words),
    share: like.share,
    shift,
    pieces: pieces ?? { n: 0 },
    next: mm.folios.get(slot),
  };
  if (f.pieces.n === 0) like.share.mms++;
  f.pieces.n++;
  mm.folios.set(slot, f);
  return f;
}

/** The record of folio `share` in `slot` with shift `shift`, if `mm` has one. */
export function folio_find_record(
  mm: MmStruct,
  slot: number,
  share: object,
  shift: number,
): LargeFolio | undefined {
  for (let f = mm.folios.get(slot); f; f = f.next) {
    if (f.share === share && f.shift === shift) return f;
  }
  return undefined;
}

/** Every record `mm` holds of folio `share`, with its slot. */
export function folio_records(mm: MmStruct, share: object): [number, LargeFolio][] {
  const out: [number, LargeFolio][] = [];
  for (const [slot, head] of mm.folios) {
    for (let f: LargeFolio | undefined = head; f; f = f.next) {
      if (f.share === share) out.push([slot, f]);
    }
  }
  return out;
}

/** The records of `f` (in `slot`) in its mm: just it, unless an mremap scattered the folio. */
export function records_of(mm: MmStruct, slot: number, f: LargeFolio): [number, LargeFolio][] {
  return f.pieces.n === 1 ? [[slot, f]] : folio_records(mm, f.share);
}

/** Marks pages [lo, hi) of the slot of `addr` written, where a large folio maps them. */
export function folio_mark_written(mm: MmStruct, addr: number, lo: number, hi: number): void {
  for (let f = mm.folios.get(slotOf(mm, addr)); f; f = f.next) {
    for (let w = lo >>> 5; w < (hi + 31) >>> 5; w++) {
      f.written[w] = (f.written[w] | (rangeMask(w, lo, hi) & f.member[w])) >>> 0;
    }
  }
}

/** Pages [lo, hi) of the slot of `addr` stop mapping their folio (zapped or discarded). */
export function folio_remove_pages(mm: MmStruct, addr: number, lo: number, hi: number): void {
  const slot = slotOf(mm, addr);
  for (let f = mm.folios.get(slot); f;) {
    const next = f.next;
    let left = 0;
    for (let w = 0; w < f.member.length; w++) {
      if (w * 32 < hi && (w + 1) * 32 > lo) {
        const mask = rangeMask(w, lo, hi);
        f.member[w] = (f.member[w] & ~mask) >>> 0;
        f.written[w] = (f.written[w] & ~mask) >>> 0;
      }
      left |= f.member[w];
    }
    if (left === 0) folio_drop_record(mm, slot, f);
    f = next;
  }
}

/** The record `f` of `slot` goes (its folio is no longer mapped there by this mm). */
export function folio_drop_record(mm: MmStruct, slot: number, f: LargeFolio): void {
  const head = mm.folios.get(slot);
  if (head === f) {
    if (f.next) mm.folios.set(slot, f.next);
    else mm.folios.delete(slot);
  } else {
    for (let p = head; p; p = p.next) {
      if (p.next === f) {
        p.next = f.next;
        break;
      }
    }
  }
  f.next = undefined;
  if (--f.pieces.n === 0) f.share.mms--;
}

/** The mm stops mapping anything of a large folio in PMD slot `slot` (every record there goes). */
export function folio_drop(mm: MmStruct, slot: number): void {
  for (let f = mm.folios.get(slot); f; f = mm.folios.get(slot)) folio_drop_record(mm, slot, f);
}

/** Whether a large folio with pages in the slot of `addr` is also mapped by another mm. */
export function folio_shared(mm: MmStruct, addr: number): boolean {
  for (let f = mm.folios.get(slotOf(mm, addr)); f; f = f.next) if (f.share.mms > 1) return true;
  return false;
}

/** Pages of the slot of `addr` mapping a large folio another mm maps too, or null if none. */
export function folio_shared_pages(mm: MmStruct, addr: number): Uint32Array | null {
  let out: Uint32Array | null = null;
  for (let f = mm.folios.get(slotOf(mm, addr)); f; f = f.next) {
    if (f.share.mms <= 1) continue;
    out ??= new Uint32Array(f.member.length);
    for (let w = 0; w < out.length; w++) out[w] = (out[w] | f.member[w]) >>> 0;
  }
  return out;
}

/**
 * A write fault over pages [lo, hi) of the slot of `addr` (pages [lo, end) faulted, `hi` <= `end`
 * stored to). An exclusive folio is reused: its pages [lo, hi) are written. In a COW-shared one
 * each page a fork write-protected gets a copy and leaves the folio in this mm (`wp_page_copy`);
 * a page fork left writable is just written.
 */
export function folio_write_fault(
  mm: MmStruct,
  addr: number,
  lo: number,
  hi: number,
  end: number,
): void {
  if (folio_shared(mm, addr)) {
    const slot = slotOf(mm, addr);
    for (let f = mm.folios.get(slot); f;) {
      const next = f.next;
      for (let w = lo >>> 5; w < (hi + 31) >>> 5; w++) mark_record_written(f, w, lo, hi);
      if (f.share.mms > 1 && f.cow) remove_record_pages(mm, slot, f, lo, end, f.cow);
      f = next;
    }
  } else folio_mark_written(mm, addr, lo, hi);
}

function mark_record_written(f: LargeFolio, w: number, lo: number, hi: number): void {
  f.written[w] = (f.written[w] | (rangeMask(w, lo, hi) & f.member[w])) >>> 0;
}

function remove_record_pages(
  mm: MmStruct,
  slot: number,
  f: LargeFolio,
  lo: number,
  hi: number,
  only: Uint32Array,
): void {
  let left = 0;
  for (let w = 0; w < f.member.length; w++) {
    const gone = rangeMask(w, lo, hi) & only[w];
    f.member[w] = (f.member[w] & ~gone) >>> 0;
    f.written[w] = (f.written[w] & ~gone) >>> 0;
    only[w] = (only[w] & ~gone) >>> 0;
    left |= f.member[w];
  }
  if (left === 0) folio_drop_record(mm, slot, f);
}

/** Whether pages [lo, hi) of the slot of `addr` hold part of a large folio. */
export function folio_in_range(mm: MmStruct, addr: number, lo: number, hi: number): boolean {
  for (let f = mm.folios.get(slotOf(mm, addr)); f; f = f.next) {
    if (record_in_range(f, lo, hi)) return true;
  }
  return false;
}

function record_in_range(f: LargeFolio, lo: number, hi: number): boolean {
  for (let w = lo >>> 5; w < (hi + 31) >>> 5; w++)
    if (f.member[w] & rangeMask(w, lo, hi)) return true;
  return false;
}

/** Whether [lo, hi) covers the whole folio of the slot and the folio is fully mapped there. */
export function folio_fully_covered(mm: MmStruct, addr: number, lo: number, hi: number): boolean {
  const f = mm.folios.get(slotOf(mm, addr));
  if (!f || f.next || f.shift !== 0 || f.pieces.n !== 1) return false;
  return lo === 0 && hi === mm.ptes.entries && f.member.every((m) => m === 0xffffffff);
}
