// Reclaim of clean lazy-free pages (MADV_FREE'd, not written since): the PTE becomes none and the
// page is freed, as shrink_folio_list/try_to_unmap_one do; without swap nothing else is
// reclaimable. Mirrors the lazy-free part of mm/vmscan.c and mm/rmap.c
// (see docs/kernel-version.md).

import { popcount32, wordMask } from './pgtable-pool.js';
import type { MmStruct } from './mm_types.js';
import { PMD_HUGE_LAZY } from './mm_types.js';
import { __split_huge_pmd, zap_huge_pmd } from './huge_memory.js';
import { free_pte, walk_pmd_entries } from './zap.js';

/**
 * Discards the clean lazy-free pages of [start, end) (pages): a fully covered lazy-free THP goes
 * whole with its deposit (`unmap_huge_pmd_locked`, 6.12+), a partly covered one is split first.
 * Tables stay unless the policy frees emptied ones (the refcount design does).
 */
export function reclaim_lazyfree_range(mm: MmStruct, start: number, end: number): void {
  const g = mm.geometry;
  const pmdPool = mm.dirs[mm.dirs.length - 1];
  walk_pmd_entries(mm, start, end, (pmd, idx, addr, next) => {
    const entry = pmdPool.get(pmd, idx);
    if (entry < 0) {
      if (entry !== PMD_HUGE_LAZY) return;
      if (next - addr === g.PMD_SIZE) {
        zap_huge_pmd(mm, pmd, idx);
        return;
      }
      __split_huge_pmd(mm, pmd, idx);
    }
    const pte = pmdPool.get(pmd, idx);
    const ptes = mm.ptes;
    const planes = ptes.planeWords(pte);
    if (!planes) return;
    const { words, base } = ptes.presentWords(pte);
    const slot = addr - (addr % g.PMD_SIZE);
    const lo = addr - slot;
    const hi = next - slot;
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
    const empty = ptes.count(pte) === 0;
    if (empty && mm.policy.freeAfterReclaim({ mm, empty })) free_pte(mm, pmd, idx);
  });
}

/** The `pressure` op: reclaim discards every clean lazy-free page of the mm. */
export function shrink_lazyfree(mm: MmStruct): void {
  for (const vma of [...mm.mmap.vmas]) reclaim_lazyfree_range(mm, vma.vm_start, vma.vm_end);
}
