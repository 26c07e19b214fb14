// MADV_PAGEOUT of shmem pages (tmpfs, memfd, anonymous shared) on a host without swap: each
// page-cache page the range maps that no other mapping maps is isolated and unmapped
// (`shrink_folio_list`'s try_to_unmap comes before the write-out), then `shmem_writeout` finds no
// swap and the page stays in the page cache, unmapped: RssShmem drops, tables stay, a later fault
// maps it again. Pages mapped more than once are left alone (`folio_maybe_mapped_shared`).
// Mirrors madvise_cold_or_pageout_pte_range (mm/madvise.c) and shrink_folio_list (mm/vmscan.c)
// (see docs/kernel-version.md).

import type { MmStruct, SimFile, VmAreaStruct } from './mm_types.js';
import { pgoff_of, unmap_file_page } from './filemap.js';

/** Whether page `p` of `mm` maps a page-cache page (its bit in `mm.filePages`). */
function file_mapped(mm: MmStruct, p: number): boolean {
  const PMD_SIZE = mm.geometry.PMD_SIZE;
  const bits = mm.filePages.get(Math.floor(p / PMD_SIZE));
  const i = p % PMD_SIZE;
  return bits !== undefined && ((bits[i >>> 5] >>> (i & 31)) & 1) !== 0;
}

/** How many PTEs, in every process of the family, map page `off` of `file`. */
function file_mapcount(mm: MmStruct, file: SimFile, off: number): number {
  let n = 0;
  for (const m of mm.family) {
    for (const v of m.mmap.vmas) {
      if (v.vm_file !== file) continue;
      const p = v.vm_start + (off - (v.vm_pgoff ?? 0));
      if (p >= v.vm_start && p < v.vm_end && file_mapped(m, p)) n++;
    }
  }
  return n;
}

/** MADV_PAGEOUT of [start, end) (pages) of shmem VMA `vma`, without swap (see the header). */
export function madvise_pageout_shmem(
  mm: MmStruct,
  vma: VmAreaStruct,
  start: number,
  end: number,
): void {
  const file = vma.vm_file;
  if (!file?.shmem) return;
  const victims: number[] = [];
  for (let p = start; p < end; p++) {
    if (file_mapped(mm, p) && file_mapcount(mm, file, pgoff_of(vma, p)) === 1) victims.push(p);
  }
  for (const p of victims) unmap_file_page(mm, vma, p);
}
