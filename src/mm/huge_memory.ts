// Anonymous THP at the PMD level in `madvise` mode: eligibility, the fault with its deposited
// PTE table, split and zap of huge PMDs (THP-1..3, ALLOC-6/7). Mirrors mm/huge_memory.c
// (see docs/kernel-version.md).

import { assert } from '../util/assert.js';
import { wordMask } from './pgtable-pool.js';
import type { MmStruct, VmAreaStruct } from './mm_types.js';
import {
  PMD_HUGE_ANON,
  PMD_HUGE_LAZY,
  PMD_HUGE_ZERO,
  VM_HUGEPAGE,
  VM_NOHUGEPAGE,
} from './mm_types.js';
import { mm_dec_nr_ptes, mm_inc_nr_ptes } from './pgtable.js';
import { anon_vma_prepare } from './rmap.js';
import { folio_alloc_thp, folio_drop, folio_mark_written, folio_shared } from './folio.js';

/**
 * Whether a fault in anonymous private `vma` may allocate a PMD-order THP under the THP mode
 * (`thp_vma_allowable_order` in the fault path): `always` unless advised nohugepage, `madvise`
 * only where advised hugepage, `never` nowhere.
 */
export function vma_thp_enabled(mm: MmStruct, vma: VmAreaStruct): boolean {
  if (vma.vm_flags & VM_NOHUGEPAGE) return false;
  if (mm.thp_mode === 'always') return true;
  return mm.thp_mode === 'madvise' && (vma.vm_flags & VM_HUGEPAGE) !== 0;
}

/**
 * Whether an anonymous PMD-order THP may back the slot starting at `haddr` (`thp_vma_allowable_order`
 * + `thp_vma_suitable_order`): the mode allows it in the VMA and the VMA covers the whole slot
 * (ALLOC-6, THP-1).
 */
export function thp_vma_suitable(mm: MmStruct, vma: VmAreaStruct, haddr: number): boolean {
  return (
    vma_thp_enabled(mm, vma) && haddr >= vma.vm_start && haddr + mm.geometry.PMD_SIZE <= vma.vm_end
  );
}

/**
 * `do_huge_pmd_anonymous_page`: maps a THP (write) or the huge zero page (read) with a deposited
 * PTE table counted at once (ACC-5). The anon_vma is prepared before either.
 */
export function do_huge_pmd_anonymous_page(
  mm: MmStruct,
  vma: VmAreaStruct,
  pmd: number,
  idx: number,
  write: { readonly addr: number; readonly lo: number; readonly hi: number } | null,
): void {
  anon_vma_prepare(mm, vma);
  const pool = mm.dirs[mm.dirs.length - 1];
  pool.set(pmd, idx, write ? PMD_HUGE_ANON : PMD_HUGE_ZERO);
  mm_inc_nr_ptes(mm);
  if (write) {
    mm.rss_anon += mm.geometry.PTRS_PER_PTE;
    folio_alloc_thp(mm, write.addr, write.lo, write.hi);
  }
}

/**
 * A write to a huge PMD: the huge zero page is replaced by a fresh THP (`do_huge_zero_wp_pmd`,
 * since 6.12), a lazy-free THP becomes dirty again. A THP another mm maps too (after fork) is not
 * reused: the PMD is split (its deposit becomes the PTE table, VmPTE and RssAnon stay) and the
 * id of that table is returned, for the caller to retry the fault through the PTEs
 * (VM_FAULT_FALLBACK); otherwise 0.
 */
export function do_huge_pmd_wp_page(
  mm: MmStruct,
  vma: VmAreaStruct,
  pmd: number,
  idx: number,
  write: { readonly addr: number; readonly lo: number; readonly hi: number },
): number {
  const pool = mm.dirs[mm.dirs.length - 1];
  const entry = pool.get(pmd, idx);
  if (entry !== PMD_HUGE_ZERO && folio_shared(mm, write.addr)) {
    return __split_huge_pmd(mm, pmd, idx);
  }
  if (entry === PMD_HUGE_ZERO) {
    anon_vma_prepare(mm, vma);
    mm.rss_anon += mm.geometry.PTRS_PER_PTE;
    folio_alloc_thp(mm, write.addr, write.lo, write.hi);
  } else {
    folio_mark_written(mm, write.addr, write.lo, write.hi);
  }
  pool.set(pmd, idx, PMD_HUGE_ANON);
  return 0;
}

/**
 * `__split_huge_pmd`: the deposited table becomes the PMD's PTE table, every entry mapping its
 * subpage (or the small zero page); no accounting change (THP-2, ALLOC-7).
 */
export function __split_huge_pmd(mm: MmStruct, pmd: number, idx: number): number {
  const pool = mm.dirs[mm.dirs.length - 1];
  const entry = pool.get(pmd, idx);
  assert(entry < 0, 'splitting a PMD that is not huge', { pmd, idx, entry });
  const ptes = mm.ptes;
  const pte = ptes.alloc();
  const { words, base } = ptes.presentWords(pte);
  const n = ptes.entries;
  for (let w = 0; w < ptes.words; w++) words[base + w] = wordMask(0, Math.min(32, n - w * 32));
  ptes.addCount(pte, n);
  if (entry !== PMD_HUGE_ANON) {
    const planes = ptes.ensurePlanes(pte);
    const off = entry === PMD_HUGE_ZERO ? 0 : ptes.words;
    for (let w = 0; w < ptes.words; w++) planes.words[planes.base + off + w] = words[base + w];
  }
  pool.set(pmd, idx, pte);
  return pte;
}

/**
 * `zap_huge_pmd` of a whole slot: clears the PMD and frees the deposited table at once, on any
 * kernel and under any policy (THP-3).
 */
export function zap_huge_pmd(mm: MmStruct, pmd: number, idx: number, addr: number): void {
  const pool = mm.dirs[mm.dirs.length - 1];
  const entry = pool.get(pmd, idx);
  if (entry !== PMD_HUGE_ZERO) mm.rss_anon -= mm.geometry.PTRS_PER_PTE;
  pool.set(pmd, idx, 0);
  folio_drop(mm, Math.floor(addr / mm.geometry.PMD_SIZE));
  mm_dec_nr_ptes(mm);
}

/** `madvise_free_huge_pmd` on a fully covered anon THP: marks it lazy-free (MADV-2). */
export function madvise_free_huge_pmd(mm: MmStruct, pmd: number, idx: number): void {
  const pool = mm.dirs[mm.dirs.length - 1];
  if (pool.get(pmd, idx) === PMD_HUGE_ANON) pool.set(pmd, idx, PMD_HUGE_LAZY);
}
