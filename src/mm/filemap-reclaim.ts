// Reclaim of a disk file's page cache: MADV_PAGEOUT of the pages a range maps, and memory-cgroup
// reclaim (`pressure`) of every clean page. A clean page is unmapped and leaves the cache (its
// refault reads it back through readahead, src/mm/readahead.ts); a dirty one (written through a
// shared mapping) would stay cached with PG_reclaim and be read ahead asynchronously on its
// refault: not modelled, callers refuse it (`dirty_file_pages`). Mirrors
// madvise_cold_or_pageout_pte_range (mm/madvise.c) and shrink_folio_list / __remove_mapping
// (mm/vmscan.c) for clean file folios (see docs/kernel-version.md).

import type { MmStruct, SimFile, VmAreaStruct } from './mm_types.js';
import { VM_LOCKED } from './mm_types.js';
import { file_page_mapped, pgoff_of, unmap_file_page } from './filemap.js';
import { filemap_evict } from './readahead.js';

/** How many entries in `mm`'s fork family map page `off` of `file` (the folio's mapcount). */
function file_mapcount(mm: MmStruct, file: SimFile, off: number): number {
  let n = 0;
  for (const m of mm.family) {
    for (const v of m.mmap.vmas) {
      if (v.vm_file !== file) continue;
      const p = v.vm_start + (off - (v.vm_pgoff ?? 0));
      if (p >= v.vm_start && p < v.vm_end && file_page_mapped(m, p)) n++;
    }
  }
  return n;
}

/** Whether [start, end) (pages) of `mm` maps a dirty disk-file page PAGEOUT would reclaim. */
export function dirty_file_pages(mm: MmStruct, start: number, end: number): boolean {
  for (const vma of mm.mmap.range(start, end)) {
    const ra = vma.vm_file?.ra;
    if (!ra) continue;
    const lo = Math.max(start, vma.vm_start);
    const hi = Math.min(end, vma.vm_end);
    for (let p = lo; p < hi; p++) {
      const off = pgoff_of(vma, p);
      if (!file_page_mapped(mm, p) || !ra.dirty.has(off)) continue;
      if (file_mapcount(mm, vma.vm_file as SimFile, off) === 1) return true;
    }
  }
  return false;
}

/**
 * MADV_PAGEOUT's file part over [start, end) of `vma` (not locked): each clean disk-file page
 * mapped there and nowhere else ("do not interfere with other mappings of this folio") is
 * unmapped and leaves the page cache. A shmem page mapped only there is unmapped too; a dirty one
 * stays cached: `shrink_folio_list` unmaps before `shmem_writeout`, which finds no swap (issue #7,
 * corpus `madv-3-shmem-pageout.ptw`); a clean one leaves the cache (`madv-3-shmem-clean.ptw`). Anon COW copies are the anon reclaim's (vmscan.ts).
 */
export function pageout_file_range(
  mm: MmStruct,
  vma: VmAreaStruct,
  start: number,
  end: number,
): void {
  const file = vma.vm_file;
  if (!file?.ra && !file?.shmem) return;
  const evict: number[] = [];
  for (let p = Math.max(start, vma.vm_start); p < Math.min(end, vma.vm_end); p++) {
    if (!file_page_mapped(mm, p)) continue;
    const off = pgoff_of(vma, p);
    if (file_mapcount(mm, file, off) === 1 && !file.mlocked.has(off)) evict.push(p);
  }
  for (const p of evict) {
    unmap_file_page(mm, vma, p);
    // Shmem without swap: the write-out of a dirty page fails after the unmap, the page stays
    // cached; a clean one (only ever read: zero-filled) is dropped like a clean file page
    // (`__remove_mapping`), so its refault allocates just that page, nothing to map around it.
    const off = pgoff_of(vma, p);
    const huge = file.huge.has(Math.floor(off / mm.geometry.PTRS_PER_PTE));
    if (!file.shmem || (!file.written?.has(off) && !huge)) filemap_evict(file, off);
  }
}

/**
 * Memory-cgroup reclaim of disk files `files` (`memory.force_empty`; every page of them is
 * charged to the run's cgroup): every page leaves the page cache and every mapping in `procs`,
 * except mlocked ones (mapped by a VM_LOCKED VMA: unevictable). The caller refuses dirty pages.
 */
export function shrink_file_cache(procs: readonly MmStruct[], files: readonly SimFile[]): void {
  const locked = new Map<SimFile, Set<number>>();
  for (const mm of procs) {
    for (const vma of mm.mmap.vmas) {
      if (!(vma.vm_flags & VM_LOCKED) || !vma.vm_file || !files.includes(vma.vm_file)) continue;
      let set = locked.get(vma.vm_file);
      if (!set) locked.set(vma.vm_file, (set = new Set()));
      for (let p = vma.vm_start; p < vma.vm_end; p++) {
        if (file_page_mapped(mm, p)) set.add(pgoff_of(vma, p));
      }
    }
  }
  for (const mm of procs) {
    for (const vma of mm.mmap.vmas) {
      if (!vma.vm_file || !files.includes(vma.vm_file)) continue;
      const keep = locked.get(vma.vm_file);
      const mlocked = vma.vm_file.mlocked;
      for (let p = vma.vm_start; p < vma.vm_end; p++) {
        const off = pgoff_of(vma, p);
        if (file_page_mapped(mm, p) && !keep?.has(off) && !mlocked.has(off)) {
          unmap_file_page(mm, vma, p);
        }
      }
    }
  }
  for (const file of files) {
    const keep = locked.get(file);
    for (let off = 0; off < file.pages; off++) {
      if (!keep?.has(off) && !file.mlocked.has(off)) filemap_evict(file, off);
    }
  }
}

/** Whether disk file `file` has a dirty page. */
export function file_has_dirty(file: SimFile): boolean {
  for (let off = 0; off < file.pages; off++) if (file.ra?.dirty.has(off)) return true;
  return false;
}

/**
 * The page-cache side of `dontunmap_keep_mlocked` (mlocked.ts), before MREMAP_DONTUNMAP clears the
 * lock bits of file VMA `vma`: every page-cache page it still maps was mlocked and stays so
 * (files seed 1436: MADV_PAGEOUT, even after munlockall, left them mapped).
 */
export function dontunmap_keep_mlocked_file(mm: MmStruct, vma: VmAreaStruct): void {
  const file = vma.vm_file;
  if (!(vma.vm_flags & VM_LOCKED) || !file) return;
  for (let p = vma.vm_start; p < vma.vm_end; p++) {
    if (file_page_mapped(mm, p)) file.mlocked.add(pgoff_of(vma, p));
  }
}
