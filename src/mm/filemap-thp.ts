// PMD-sized shmem folios in the page cache (made by MADV_COLLAPSE, khugepaged-file.ts) as faults
// and zaps see them: the PMD mapping of a whole folio in a suitably aligned VMA (`do_set_pmd`, no
// deposited table on x86-64), the whole-folio PTE mapping a fault makes where the folio fits the
// VMA and one PTE table (6.18 `filemap_map_folio_range`, `finish_fault`), and the split of such a
// PMD, which for a file VMA only clears it. Mirrors do_set_pmd (mm/memory.c) and
// __split_huge_pmd_locked (mm/huge_memory.c) (see docs/kernel-version.md).

import type { MmStruct, VmAreaStruct } from './mm_types.js';
import { PMD_HUGE_SHMEM, VM_NOHUGEPAGE } from './mm_types.js';
import { pmd_lookup } from './pgtable.js';

/** Whether page `p` of file VMA `vma` lies in a PMD-sized folio of its file's page cache. */
export function in_huge_folio(mm: MmStruct, vma: VmAreaStruct, p: number): boolean {
  const file = vma.vm_file;
  if (!file || file.huge.size === 0) return false;
  const off = (vma.vm_pgoff ?? 0) + (p - vma.vm_start);
  return file.huge.has(Math.floor(off / mm.geometry.PTRS_PER_PTE));
}

/**
 * The first page of the virtual range the PMD-sized folio of page `p` would occupy in `vma` when
 * it fits: inside the VMA and inside one PMD slot (so PMD-aligned); else -1.
 */
export function huge_folio_fit(mm: MmStruct, vma: VmAreaStruct, p: number): number {
  const nr = mm.geometry.PTRS_PER_PTE;
  const off = (vma.vm_pgoff ?? 0) + (p - vma.vm_start);
  const a0 = p - (off % nr);
  if (a0 % mm.geometry.PMD_SIZE !== 0) return -1;
  return a0 >= vma.vm_start && a0 + nr <= vma.vm_end ? a0 : -1;
}

/**
 * Whether a fault at page `p` may map its PMD-sized folio with a PMD (`do_set_pmd`): the folio
 * fits (`thp_vma_suitable_order`: the VMA covers the slot, its start and page offset agree modulo
 * 2 MiB) and the VMA is not advised nohugepage (`vma_thp_disabled`). The THP mode and
 * `shmem_enabled` do not matter: the folio exists already.
 */
export function shmem_pmd_mappable(mm: MmStruct, vma: VmAreaStruct, p: number): boolean {
  if (vma.vm_flags & VM_NOHUGEPAGE) return false;
  return in_huge_folio(mm, vma, p) && huge_folio_fit(mm, vma, p) >= 0;
}

/** `do_set_pmd`: PMD entry `idx` of table `pmd`, none, maps the whole folio (RssShmem +512). */
export function do_set_pmd(mm: MmStruct, pmd: number, idx: number): void {
  mm.dirs[mm.dirs.length - 1].set(pmd, idx, PMD_HUGE_SHMEM);
  mm.rss_shmem += mm.geometry.PTRS_PER_PTE;
}

/**
 * A zap or a split of a PMD mapping a shmem folio, whole or in part: the entry is cleared and the
 * whole folio unmapped (RssShmem -512); no PTE table takes its place (`__split_huge_pmd_locked`
 * of a file VMA without a deposit), so a later fault there maps it again.
 */
export function zap_huge_pmd_shmem(mm: MmStruct, pmd: number, idx: number): void {
  mm.dirs[mm.dirs.length - 1].set(pmd, idx, 0);
  mm.rss_shmem -= mm.geometry.PTRS_PER_PTE;
}

/** Whether a PMD slot meeting [start, end) (pages) holds a PMD-mapped shmem folio. */
export function huge_shmem_in(mm: MmStruct, start: number, end: number): boolean {
  const g = mm.geometry;
  const pool = mm.dirs[mm.dirs.length - 1];
  for (let a = start - (start % g.PMD_SIZE); a < end; a += g.PMD_SIZE) {
    const pmd = pmd_lookup(mm, a);
    if (
      pmd !== 0 &&
      pool.raw(pmd, Math.floor(a / g.PMD_SIZE) % g.PTRS_PER_PMD) === PMD_HUGE_SHMEM
    ) {
      return true;
    }
  }
  return false;
}
