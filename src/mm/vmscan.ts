// Reclaim without swap: clean lazy-free pages (MADV_FREE'd, not written since) are discarded
// (the PTE becomes none), swap-backed anon pages stay; MADV_COLD/PAGEOUT split THP folios they
// do not cover whole, and PAGEOUT splits swap-backed THPs it cannot swap out. Mirrors
// madvise_cold_or_pageout_pte_range (mm/madvise.c) and the lazy-free part of shrink_folio_list /
// try_to_unmap_one (mm/vmscan.c, mm/rmap.c) (see docs/kernel-version.md).

import { popcount32, wordMask } from './pgtable-pool.js';
import type { MmStruct } from './mm_types.js';
import { PMD_HUGE_ANON, PMD_HUGE_LAZY, PMD_HUGE_ZERO, VM_LOCKED } from './mm_types.js';
import { __split_huge_pmd, zap_huge_pmd } from './huge_memory.js';
import { folio_fully_covered, folio_in_range, folio_remove_pages, split_folio } from './folio.js';
import { free_pte, walk_pmd_entries } from './zap.js';

/** What a reclaim walk does: `pressure` only discards; the madvise advices also split folios. */
export type ReclaimMode = 'pressure' | 'pageout' | 'cold';

/**
 * Reclaims [start, end) (pages) in `mode`. A fully covered clean lazy-free THP goes whole with its
 * deposit (`unmap_huge_pmd_locked`, 6.12+). Tables stay unless the policy frees emptied ones
 * (the refcount design does).
 */
export function reclaim_range(mm: MmStruct, start: number, end: number, mode: ReclaimMode): void {
  const g = mm.geometry;
  const pmdPool = mm.dirs[mm.dirs.length - 1];
  walk_pmd_entries(mm, start, end, (pmd, idx, addr, next) => {
    const entry = pmdPool.get(pmd, idx);
    const slot = addr - (addr % g.PMD_SIZE);
    const lo = addr - slot;
    const hi = next - slot;
    const full = next - addr === g.PMD_SIZE;
    if (entry < 0) {
      if (entry === PMD_HUGE_ZERO) return;
      if (full) {
        if (entry === PMD_HUGE_LAZY && mode !== 'cold') zap_huge_pmd(mm, pmd, idx, addr);
        else if (entry === PMD_HUGE_ANON && mode === 'pageout') {
          split_folio(mm, addr, __split_huge_pmd(mm, pmd, idx));
        }
        return;
      }
      if (mode === 'pressure' && entry !== PMD_HUGE_LAZY) return;
      split_folio(mm, addr, __split_huge_pmd(mm, pmd, idx));
    } else if (mode !== 'pressure' && folio_in_range(mm, addr, lo, hi)) {
      const whole = folio_fully_covered(mm, addr, lo, hi);
      if (!whole || (mode === 'pageout' && !folio_all_lazy(mm, entry)))
        split_folio(mm, addr, entry);
    }
    if (mode === 'cold') return;
    discard_lazy(mm, pmd, idx, addr, lo, hi);
  });
}

/** Whether every present page of PTE table `pte` is clean lazy-free. */
function folio_all_lazy(mm: MmStruct, pte: number): boolean {
  const ptes = mm.ptes;
  const planes = ptes.planeWords(pte);
  if (!planes) return false;
  const { words, base } = ptes.presentWords(pte);
  for (let w = 0; w < ptes.words; w++) {
    if (words[base + w] !== planes.words[planes.base + ptes.words + w]) return false;
  }
  return true;
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

/** The `pressure` op: reclaim discards every clean lazy-free page of the mm. */
export function shrink_lazyfree(mm: MmStruct): void {
  for (const vma of [...mm.mmap.vmas]) {
    // Pages of a VM_LOCKED VMA are unevictable: reclaim never sees them.
    if (vma.vm_flags & VM_LOCKED) continue;
    reclaim_range(mm, vma.vm_start, vma.vm_end, 'pressure');
  }
}
