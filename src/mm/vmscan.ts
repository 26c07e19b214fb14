// Reclaim without swap: clean lazy-free pages (MADV_FREE'd, not written since) are discarded
// (the PTE becomes none), swap-backed anon pages stay; a lazy-free large folio goes or stays as
// one batch; MADV_COLD/PAGEOUT split THP folios they do not cover whole, and PAGEOUT splits
// swap-backed THPs it cannot swap out; memory-cgroup reclaim (`pressure`) also runs the
// deferred-split shrinker. Mirrors madvise_cold_or_pageout_pte_range (mm/madvise.c), the lazy-free
// part of shrink_folio_list / try_to_unmap_one (mm/vmscan.c, mm/rmap.c) and deferred_split_scan
// (mm/huge_memory.c) (see docs/kernel-version.md).

import { INLINE_NONE, popcount32, wordMask } from './pgtable-pool.js';
import type { MmStruct } from './mm_types.js';
import { PMD_HUGE_ANON, PMD_HUGE_LAZY, PMD_HUGE_ZERO, VM_LOCKED } from './mm_types.js';
import { __split_huge_pmd } from './huge_memory.js';
import { pmd_lookup } from './pgtable.js';
import {
  folio_fully_covered,
  folio_in_range,
  folio_remove_pages,
  folio_mlocked,
  folio_shared,
  split_folio,
  type LargeFolio,
} from './folio.js';
import { free_pte, walk_pmd_entries } from './zap.js';

/** What a reclaim walk does: `pressure` only discards; the madvise advices also split folios. */
export type ReclaimMode = 'pressure' | 'pageout' | 'cold';

/**
 * Reclaims [start, end) (pages) in `mode`. A clean lazy-free PMD-mapped THP is not discarded
 * whole: reclaim splits its PMD (the deposit becomes a live PTE table) and discards the pages
 * through the PTEs, leaving the table empty (issue #7 a). Tables stay unless the policy frees
 * emptied ones (the refcount design does).
 */
export function reclaim_range(mm: MmStruct, start: number, end: number, mode: ReclaimMode): void {
  const g = mm.geometry;
  const pmdPool = mm.dirs[mm.dirs.length - 1];
  walk_pmd_entries(mm, start, end, (pmd, idx, addr, next) => {
    // An inline table has no lazy-free page and no large folio: nothing to reclaim.
    if (pmdPool.raw(pmd, idx) <= INLINE_NONE) return;
    const entry = pmdPool.get(pmd, idx);
    const slot = addr - (addr % g.PMD_SIZE);
    const lo = addr - slot;
    const hi = next - slot;
    const full = next - addr === g.PMD_SIZE;
    // MADV_COLD/PAGEOUT leave a large folio another process maps alone ("do not interfere with
    // other mappings of this folio"), PMD-mapped or not.
    if (mode !== 'pressure' && folio_shared(mm, addr)) return;
    if (entry < 0) {
      if (entry === PMD_HUGE_ZERO) return;
      if (full) {
        if (mode === 'cold') return;
        if (entry === PMD_HUGE_ANON) {
          if (mode === 'pageout') split_folio(mm, addr, __split_huge_pmd(mm, pmd, idx));
          return;
        }
        __split_huge_pmd(mm, pmd, idx);
      } else {
        if (mode === 'pressure' && entry !== PMD_HUGE_LAZY) return;
        split_folio(mm, addr, __split_huge_pmd(mm, pmd, idx));
      }
    } else if (mode !== 'pressure' && folio_in_range(mm, addr, lo, hi)) {
      const whole = folio_fully_covered(mm, addr, lo, hi);
      if (!whole || (mode === 'pageout' && !folio_any_lazy(mm, addr, entry))) {
        split_folio(mm, addr, entry);
      }
    }
    if (mode === 'cold') return;
    discard_lazy(mm, pmd, idx, addr, lo, hi);
  });
}

/** Whether the large folio of the slot of `addr` (PTE table `pte`) was MADV_FREE'd. */
function folio_any_lazy(mm: MmStruct, addr: number, pte: number): boolean {
  const f = mm.folios.get(Math.floor(addr / mm.geometry.PMD_SIZE));
  const planes = mm.ptes.planeWords(pte);
  if (!f || !planes) return false;
  for (let w = 0; w < mm.ptes.words; w++) {
    if (f.member[w] & planes.words[planes.base + mm.ptes.words + w]) return true;
  }
  return false;
}

/**
 * The large folio of the slot of `addr` as reclaim unmaps it (6.16+, `folio_unmap_pte_batch`):
 * its pages in [lo, hi) are one batch, so if one of them was written again after MADV_FREE the
 * whole folio is kept and becomes swap-backed (none of its pages stays lazy-free), else all its
 * pages there are discarded with the small ones (issue #7 c).
 */
function folio_keep_if_redirtied(
  mm: MmStruct,
  pte: number,
  addr: number,
  lo: number,
  hi: number,
): void {
  const f = mm.folios.get(Math.floor(addr / mm.geometry.PMD_SIZE));
  const ptes = mm.ptes;
  const planes = ptes.planeWords(pte);
  if (!f || !planes) return;
  const { words, base } = ptes.presentWords(pte);
  let lazy = false;
  let dirty = false;
  for (let w = lo >>> 5; w < (hi + 31) >>> 5; w++) {
    const mask = wordMask(Math.max(lo - w * 32, 0), Math.min(hi - w * 32, 32));
    const mine = words[base + w] & f.member[w] & mask;
    const clean = mine & planes.words[planes.base + ptes.words + w];
    if (clean !== 0) lazy = true;
    if ((mine & ~clean) !== 0) dirty = true;
  }
  if (!lazy || !dirty) return;
  for (let w = 0; w < ptes.words; w++) {
    const l = planes.base + ptes.words + w;
    planes.words[l] = (planes.words[l] & ~f.member[w]) >>> 0;
  }
}

/** Discards the clean lazy-free pages [lo, hi) of the PTE table under PMD entry `idx`. */
function discard_lazy(
  mm: MmStruct,
  pmd: number,
  idx: number,
  addr: number,
  lo: number,
  hi: number,
): void {
  const pte = mm.dirs[mm.dirs.length - 1].get(pmd, idx);
  const ptes = mm.ptes;
  const planes = ptes.planeWords(pte);
  if (!planes) return;
  if (mm.folios.size !== 0) folio_keep_if_redirtied(mm, pte, addr, lo, hi);
  const { words, base } = ptes.presentWords(pte);
  let discarded = 0;
  for (let w = lo >>> 5; w < (hi + 31) >>> 5; w++) {
    const l = planes.base + ptes.words + w;
    const lazy = planes.words[l] & wordMask(Math.max(lo - w * 32, 0), Math.min(hi - w * 32, 32));
    if (lazy === 0) continue;
    discarded += popcount32(lazy);
    planes.words[l] = planes.words[l] & ~lazy;
    words[base + w] = words[base + w] & ~lazy;
  }
  if (discarded === 0) return;
  ptes.addCount(pte, -discarded);
  mm.rss_anon -= discarded;
  folio_remove_pages(mm, addr, lo, hi);
  const empty = ptes.count(pte) === 0;
  if (empty && mm.policy.freeAfterReclaim(mm)) free_pte(mm, pmd, idx);
}

/**
 * `deferred_split_scan` over every process of a fork family: splits each partially mapped large
 * folio (some subpage mapped by no process while others are, and no process maps it by PMD),
 * in every process mapping it, mapping never-written subpages to the zero page. Returns whether
 * it split any. A fully mapped THP is split too (PMDs first) when more than `max_ptes_none` of
 * its subpages are zero-filled (`thp_underused`, off at the default 511).
 */
function deferred_split_scan(mms: readonly MmStruct[]): boolean {
  // Per folio (its `share` object): the union of the subpages the processes map through PTEs,
  // whether one maps it by PMD, and where each process's PTE table of it is.
  const folios = new Map<
    object,
    {
      mapped: Uint32Array;
      written: Uint32Array;
      pmd: boolean;
      mm: MmStruct;
      where: [MmStruct, number, number][];
      huge: [MmStruct, number, number, number][];
    }
  >();
  for (const mm of mms) {
    const g = mm.geometry;
    const pmdPool = mm.dirs[mm.dirs.length - 1];
    for (const [slot, f] of mm.folios) {
      const addr = slot * g.PMD_SIZE;
      const pmd = pmd_lookup(mm, addr);
      const entry = pmd === 0 ? 0 : pmdPool.get(pmd, slot % g.PTRS_PER_PMD);
      let info = folios.get(f.share);
      if (!info) {
        const words = f.member.length;
        info = {
          mapped: new Uint32Array(words),
          written: new Uint32Array(words),
          pmd: false,
          mm,
          where: [],
          huge: [],
        };
        folios.set(f.share, info);
      }
      for (let w = 0; w < f.member.length; w++) {
        info.written[w] = (info.written[w] | (f.member[w] & f.written[w])) >>> 0;
      }
      if (entry < 0) info.pmd = true;
      if (entry === PMD_HUGE_ANON) info.huge.push([mm, pmd, slot % g.PTRS_PER_PMD, addr]);
      if (entry <= 0) continue;
      for (let w = 0; w < f.member.length; w++)
        info.mapped[w] = (info.mapped[w] | f.member[w]) >>> 0;
      info.where.push([mm, addr, entry]);
    }
  }
  let split = false;
  for (const info of folios.values()) {
    const whole = info.pmd || info.mapped.every((m) => m === 0xffffffff);
    if (info.where.length + info.huge.length === 0) continue;
    if (whole && !thp_underused(info.mm, info.written)) continue;
    for (const [mm, pmd, idx, addr] of info.huge) {
      if (mm.dirs[mm.dirs.length - 1].get(pmd, idx) !== PMD_HUGE_ANON) continue;
      info.where.push([mm, addr, __split_huge_pmd(mm, pmd, idx)]);
    }
    // Whether the folio is mlocked is decided before any process's record of it goes.
    const [mm0, addr0] = info.where[0];
    const slot0 = Math.floor(addr0 / mm0.geometry.PMD_SIZE);
    const mlocked = folio_mlocked(mm0, slot0, mm0.folios.get(slot0) as LargeFolio);
    for (const [mm, addr, pte] of info.where) split_folio(mm, addr, pte, mlocked);
    split = true;
  }
  return split;
}

/** `thp_underused`: more than `max_ptes_none` subpages of a whole folio are zero-filled. */
function thp_underused(mm: MmStruct, written: Uint32Array): boolean {
  if (mm.max_ptes_none >= mm.geometry.PTRS_PER_PTE - 1) return false;
  let zero = 0;
  for (let w = 0; w < written.length; w++) zero += popcount32(~written[w] >>> 0);
  return zero > mm.max_ptes_none;
}

/**
 * The `pressure` op: reclaim of the memory cgroup holding `procs` (one mm, or every process of
 * the workload),
 * without swap. Every clean lazy-free page is discarded, then the deferred-split shrinker splits
 * partially mapped THPs, whose lazy-free pages the next pass discards (issue #7 f).
 */
export function shrink_lazyfree(procs: MmStruct | readonly MmStruct[]): void {
  const mms = 'geometry' in procs ? [procs] : procs;
  for (const mm of mms) reclaim_unlocked(mm);
  if (!deferred_split_scan(mms)) return;
  for (const mm of mms) reclaim_unlocked(mm);
}

/** One reclaim pass over every VMA; pages of VM_LOCKED VMAs are unevictable, never seen. */
function reclaim_unlocked(mm: MmStruct): void {
  for (const vma of [...mm.mmap.vmas]) {
    if (vma.vm_flags & VM_LOCKED) continue;
    reclaim_range(mm, vma.vm_start, vma.vm_end, 'pressure');
  }
}
