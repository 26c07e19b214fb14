// Anonymous THP folios beyond their PMD: which subpages of the slot still belong to the large
// folio and which were ever written. Splitting the folio (not just the PMD) maps every
// never-written, hence zero-filled, subpage to the shared zero page, so RssAnon drops (6.12+,
// `remap_page(..., RMP_USE_SHARED_ZEROPAGE)`; docs/sim-model.md, spec corrections).
// Mirrors the split_folio path of mm/huge_memory.c (see docs/kernel-version.md).

import { popcount32, wordMask } from './pgtable-pool.js';
import type { MmStruct } from './mm_types.js';
import { VM_LOCKED } from './mm_types.js';
import { pmd_lookup } from './pgtable.js';
import { set_unwritten_word } from './unwritten.js';

/** One PMD-order anonymous folio, by the PMD slot it lives in. */
export interface LargeFolio {
  /** Subpages still mapped from this folio (bit i = page i of the slot). */
  readonly member: Uint32Array;
  /** Subpages written since the folio was allocated (their content is not zero). */
  readonly written: Uint32Array;
  /**
   * How many mms map part of the folio, shared by their records of it: fork copies the mapping
   * (`copy_huge_pmd`, `copy_present_ptes`), exit or unmapping drops it. More than one: the folio
   * is COW-shared, a write copies instead of reusing it (`do_huge_pmd_wp_page`, `do_wp_page`).
   */
  readonly share: { mms: number };
}

/** Slot number (page number / PMD_SIZE) of a page. */
function slotOf(mm: MmStruct, addr: number): number {
  return Math.floor(addr / mm.geometry.PMD_SIZE);
}

/** Records a fresh THP folio in the slot of `addr`; pages [lo, hi) of the slot are written. */
export function folio_alloc_thp(mm: MmStruct, addr: number, lo: number, hi: number): void {
  const words = mm.ptes.words;
  const member = new Uint32Array(words).fill(0xffffffff);
  const written = new Uint32Array(words);
  mm.folios.set(slotOf(mm, addr), { member, written, share: { mms: 1 } });
  folio_mark_written(mm, addr, lo, hi);
}

/** Marks pages [lo, hi) of the slot of `addr` written, if a large folio lives there. */
export function folio_mark_written(mm: MmStruct, addr: number, lo: number, hi: number): void {
  const f = mm.folios.get(slotOf(mm, addr));
  if (!f) return;
  for (let w = lo >>> 5; w < (hi + 31) >>> 5; w++) {
    const mask = wordMask(Math.max(lo - w * 32, 0), Math.min(hi - w * 32, 32));
    f.written[w] = (f.written[w] | (mask & f.member[w])) >>> 0;
  }
}

/** Pages [lo, hi) of the slot of `addr` stop mapping the folio (zapped or discarded). */
export function folio_remove_pages(mm: MmStruct, addr: number, lo: number, hi: number): void {
  const slot = slotOf(mm, addr);
  const f = mm.folios.get(slot);
  if (!f) return;
  let left = 0;
  for (let w = 0; w < f.member.length; w++) {
    const mask = wordMask(Math.max(lo - w * 32, 0), Math.max(Math.min(hi - w * 32, 32), 0));
    if (w * 32 < hi && (w + 1) * 32 > lo) f.member[w] = (f.member[w] & ~mask) >>> 0;
    left |= f.member[w];
  }
  if (left === 0) folio_drop(mm, slot);
}

/** The mm stops mapping the folio of PMD slot `slot` at all (its record goes). */
export function folio_drop(mm: MmStruct, slot: number): void {
  const f = mm.folios.get(slot);
  if (!f) return;
  f.share.mms--;
  mm.folios.delete(slot);
}

/** Whether the large folio of the slot of `addr` is also mapped by another mm (after fork). */
export function folio_shared(mm: MmStruct, addr: number): boolean {
  const f = mm.folios.get(slotOf(mm, addr));
  return f !== undefined && f.share.mms > 1;
}

/**
 * A write fault over pages [lo, hi) of the slot of `addr` (pages [lo, end) faulted, `hi` <= `end`
 * stored to). An exclusive folio is reused: its pages [lo, hi) are written. A COW-shared one is
 * not: each faulted page gets a copy and leaves the folio in this mm (`wp_page_copy`).
 */
export function folio_write_fault(
  mm: MmStruct,
  addr: number,
  lo: number,
  hi: number,
  end: number,
): void {
  if (folio_shared(mm, addr)) folio_remove_pages(mm, addr, lo, end);
  else folio_mark_written(mm, addr, lo, hi);
}

/** Whether pages [lo, hi) of the slot of `addr` hold part of a large folio. */
export function folio_in_range(mm: MmStruct, addr: number, lo: number, hi: number): boolean {
  const f = mm.folios.get(slotOf(mm, addr));
  if (!f) return false;
  for (let w = lo >>> 5; w < (hi + 31) >>> 5; w++) {
    const mask = wordMask(Math.max(lo - w * 32, 0), Math.min(hi - w * 32, 32));
    if (f.member[w] & mask) return true;
  }
  return false;
}

/** Whether [lo, hi) covers the whole folio of the slot and the folio is fully mapped. */
export function folio_fully_covered(mm: MmStruct, addr: number, lo: number, hi: number): boolean {
  const f = mm.folios.get(slotOf(mm, addr));
  if (!f || lo !== 0 || hi !== mm.ptes.entries) return false;
  return f.member.every((m) => m === 0xffffffff);
}

/**
 * `split_folio` of the PTE-mapped folio in PTE table `pte` (slot of `addr`): never-written member
 * pages become zero-page entries (RSS drops, lazy-free state goes with the page); the rest become
 * small folios. `mlocked` (computed when absent, see folio_mlocked) keeps every subpage.
 */
export function split_folio(mm: MmStruct, addr: number, pte: number, mlocked?: boolean): void {
  const slot = slotOf(mm, addr);
  const f = mm.folios.get(slot);
  if (!f) return;
  const mlockedElsewhere = mlocked ?? (f.share.mms > 1 && folio_mlocked(mm, slot, f));
  folio_drop(mm, slot);
  const ptes = mm.ptes;
  const { words, base } = ptes.presentWords(pte);
  let planes = ptes.planeWords(pte);
  // A folio another process maps whole inside a VM_LOCKED VMA is mlocked: no subpage of it goes
  // to the zero page anywhere (try_to_map_unused_to_zeropage refuses an mlocked folio).
  if (mlockedElsewhere) return;
  const locked = lockedPages(mm, slot);
  for (let w = 0; w < ptes.words; w++) {
    const present = words[base + w];
    const zero = planes ? planes.words[planes.base + w] : 0;
    // Pages of a VM_LOCKED VMA keep their subpage (try_to_map_unused_to_zeropage refuses).
    const unused = present & ~zero & f.member[w] & ~f.written[w] & ~(locked ? locked[w] : 0);
    if (unused === 0) continue;
    planes ??= ptes.ensurePlanes(pte);
    planes.words[planes.base + w] = (planes.words[planes.base + w] | unused) >>> 0;
    const l = planes.base + ptes.words + w;
    planes.words[l] = (planes.words[l] & ~unused) >>> 0;
    mm.rss_anon -= popcount32(unused);
  }
  // Subpages now small pages: the never-written ones left (in VM_LOCKED VMAs) still hold zeros.
  const zero = mm.unwritten.get(slot);
  for (let w = 0; w < ptes.words; w++) {
    const anon = words[base + w] & ~(planes ? planes.words[planes.base + w] : 0);
    const kept = anon & f.member[w] & ~f.written[w];
    const old = zero ? zero[w] : 0;
    if (kept !== 0 || (old & f.member[w]) !== 0) {
      set_unwritten_word(mm, slot, w, (old & ~f.member[w]) | kept);
    }
  }
}

/**
 * `folio_mark_dirty` of every large folio with a page in [start, end) (pages), as GUP's
 * FOLL_TOUCH does for a write: the flag is per folio, so every member page stops being clean
 * lazy-free, not only the pages the range covers.
 */
export function folio_mark_dirty_range(mm: MmStruct, start: number, end: number): void {
  if (mm.folios.size === 0) return;
  const PMD_SIZE = mm.geometry.PMD_SIZE;
  const pmdPool = mm.dirs[mm.dirs.length - 1];
  for (let slot = Math.floor(start / PMD_SIZE); slot * PMD_SIZE < end; slot++) {
    const f = mm.folios.get(slot);
    if (!f) continue;
    const pmd = pmd_lookup(mm, slot * PMD_SIZE);
    const pte = pmd === 0 ? 0 : pmdPool.get(pmd, slot % mm.geometry.PTRS_PER_PMD);
    if (pte <= 0) continue;
    const planes = mm.ptes.planeWords(pte);
    if (!planes) continue;
    for (let w = 0; w < mm.ptes.words; w++) {
      const l = planes.base + mm.ptes.words + w;
      planes.words[l] = (planes.words[l] & ~f.member[w]) >>> 0;
    }
  }
}

/**
 * Whether folio `f` (slot `slot`) is mlocked: some mm of `mm`'s family maps every page of it
 * inside VM_LOCKED VMAs (`mlock_vma_folio`; unmapping a page of it there munlocks it).
 */
export function folio_mlocked(mm: MmStruct, slot: number, f: LargeFolio): boolean {
  for (const other of mm.family) {
    const mine = other.folios.get(slot);
    if (mine?.share !== f.share || !mine.member.every((w) => w === 0xffffffff)) continue;
    const locked = lockedPages(other, slot);
    if (locked && locked.every((w) => w === 0xffffffff)) return true;
  }
  return false;
}

/** Bitmap of the pages of PMD slot `slot` that lie in VM_LOCKED VMAs, or null if none do. */
function lockedPages(mm: MmStruct, slot: number): Uint32Array | null {
  const PMD_SIZE = mm.geometry.PMD_SIZE;
  const start = slot * PMD_SIZE;
  let out: Uint32Array | null = null;
  for (const vma of mm.mmap.range(start, start + PMD_SIZE)) {
    if (!(vma.vm_flags & VM_LOCKED)) continue;
    out ??= new Uint32Array(mm.ptes.words);
    const lo = Math.max(vma.vm_start, start) - start;
    const hi = Math.min(vma.vm_end, start + PMD_SIZE) - start;
    for (let w = lo >>> 5; w < (hi + 31) >>> 5; w++) {
      out[w] = (out[w] | wordMask(Math.max(lo - w * 32, 0), Math.min(hi - w * 32, 32))) >>> 0;
    }
  }
  return out;
}
