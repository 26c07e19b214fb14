// MADV_COLLAPSE of shmem mappings (tmpfs files, memfd, anonymous shared memory): per PMD slot the
// page cache's pages become one PMD-sized folio (`collapse_file`), every mapping of the old pages
// in every process goes, the PTE tables of the other suitably aligned mappings without an
// anon_vma are freed (`retract_page_tables`), and the caller's slot is mapped by a PMD
// (`collapse_pte_mapped_thp` with install_pmd). Mirrors mm/khugepaged.c (see
// docs/kernel-version.md); THP-5 in docs/sim-model.md.

import type { Errno } from '../util/errors.js';
import type { MmStruct, SimFile, VmAreaStruct } from './mm_types.js';
import { PMD_HUGE_SHMEM, VM_NOHUGEPAGE } from './mm_types.js';
import { mm_dec_nr_ptes, pmd_alloc, pmd_lookup } from './pgtable.js';
import { pgoff_of, unmap_file_page } from './filemap.js';
import { do_set_pmd, huge_shmem_in, in_huge_folio } from './filemap-thp.js';

/** Outcome of one slot (the kernel's `enum scan_result`, reduced to what the model reaches). */
const enum Scan {
  /** Collapsed, or mapped by a PMD already (SCAN_SUCCEED, SCAN_PMD_MAPPED). */
  Succeed,
  /**
   * Stops the call with EINVAL: nothing of the slot is in the page cache (SCAN_TRUNCATED), or
   * the caller's table maps a page that is not the folio's, a private COW copy (SCAN_FAIL).
   */
  Abort,
}

/**
 * `thp_vma_allowable_order(..., TVA_FORCED_COLLAPSE, PMD_ORDER)` for a file VMA: shmem only (a
 * disk file needs CONFIG_READ_ONLY_THP_FOR_FS, off on this kernel), not advised nohugepage, its
 * start and page offset agreeing modulo 2 MiB (`thp_vma_suitable_order`) and a whole slot inside.
 * `shmem_enabled` other than `deny` and the mount's huge= option do not matter to a forced
 * collapse (`shmem_huge_global_enabled`).
 */
export function file_collapse_allowed(mm: MmStruct, vma: VmAreaStruct): boolean {
  const file = vma.vm_file;
  if (!file?.shmem || vma.vm_flags & VM_NOHUGEPAGE) return false;
  const PMD_SIZE = mm.geometry.PMD_SIZE;
  if ((vma.vm_start - (vma.vm_pgoff ?? 0)) % PMD_SIZE !== 0) return false;
  const last = vma.vm_end - PMD_SIZE;
  return last >= vma.vm_start && last - (last % PMD_SIZE) >= vma.vm_start;
}

/**
 * `madvise_collapse` over [start, end) (pages) of one shmem VMA: each whole PMD slot in address
 * order. EINVAL when the VMA cannot hold a THP or a slot stops the call; `hstart > hend` is EINVAL
 * as for anonymous memory.
 */
export function madvise_collapse_file(
  mm: MmStruct,
  vma: VmAreaStruct,
  start: number,
  end: number,
): Errno | null {
  if (!file_collapse_allowed(mm, vma)) return 'EINVAL';
  const PMD_SIZE = mm.geometry.PMD_SIZE;
  const hstart = Math.ceil(start / PMD_SIZE) * PMD_SIZE;
  const hend = end - (end % PMD_SIZE);
  if (hstart > hend) return 'EINVAL';
  for (let addr = hstart; addr < hend; addr += PMD_SIZE) {
    if (collapse_file_slot(mm, vma, addr) === Scan.Abort) return 'EINVAL';
  }
  return null;
}

/** One slot: `hpage_collapse_scan_file` (+ `collapse_file`), then `collapse_pte_mapped_thp`. */
function collapse_file_slot(mm: MmStruct, vma: VmAreaStruct, addr: number): Scan {
  const file = vma.vm_file as SimFile;
  const nr = mm.geometry.PTRS_PER_PTE;
  const first = pgoff_of(vma, addr);
  const index = first / nr;
  if (!file.huge.has(index)) {
    let cached = false;
    for (let off = first; off < first + nr && !cached; off++) cached = file.cache.has(off);
    if (!cached) return Scan.Abort;
    collapse_file(mm, file, first);
  }
  return collapse_pte_mapped_thp(mm, vma, addr);
}

/**
 * `collapse_file` of a shmem file at page offset `first`: holes are filled, the pages become one
 * folio; each old page is unmapped from every mapping of every process of the fork family
 * (`try_to_unmap`; private COW copies stay), then `retract_page_tables`.
 */
function collapse_file(mm: MmStruct, file: SimFile, first: number): void {
  const nr = mm.geometry.PTRS_PER_PTE;
  for (let off = first; off < first + nr; off++) file.cache.add(off);
  file.huge.add(first / nr);
  for (const m of mm.family) {
    for (const v of m.mmap.vmas) {
      if (v.vm_file !== file) continue;
      const pgoff = v.vm_pgoff ?? 0;
      const lo = Math.max(v.vm_start, v.vm_start + (first - pgoff));
      const hi = Math.min(v.vm_end, v.vm_start + (first + nr - pgoff));
      for (let p = lo; p < hi; p++) unmap_file_page(m, v, p);
    }
  }
  retract_page_tables(mm, file, first);
}

/**
 * Frees the PTE table at the folio's slot in every mapping of the file (every process of the
 * family) that has no anon_vma and maps the whole folio PMD-aligned; the table holds nothing now.
 * A VMA with an anon_vma (a private mapping written to) keeps its table.
 */
function retract_page_tables(mm: MmStruct, file: SimFile, first: number): void {
  const g = mm.geometry;
  for (const m of mm.family) {
    const pool = m.dirs[m.dirs.length - 1];
    for (const v of m.mmap.vmas) {
      if (v.vm_file !== file || v.anon_vma) continue;
      const a = v.vm_start + (first - (v.vm_pgoff ?? 0));
      if (a < v.vm_start || a % g.PMD_SIZE !== 0 || a + g.PMD_SIZE > v.vm_end) continue;
      const pmd = pmd_lookup(m, a);
      if (pmd === 0) continue;
      const idx = Math.floor(a / g.PMD_SIZE) % g.PTRS_PER_PMD;
      const pte = pool.get(pmd, idx);
      if (pte <= 0) continue;
      free_empty_pte(m, pmd, idx, pte);
    }
  }
}

/** Unlinks and frees PTE table `pte` (empty) at entry `idx` of PMD table `pmd`. */
function free_empty_pte(mm: MmStruct, pmd: number, idx: number, pte: number): void {
  mm.dirs[mm.dirs.length - 1].set(pmd, idx, 0);
  mm.ptes.free(pte);
  mm_dec_nr_ptes(mm);
}

/**
 * The caller's slot once the folio is PMD-sized: a PMD mapping stays; a PTE table whose present
 * entries all map the folio's pages (page-cache entries) is cleared and freed; one holding any
 * other page (a private COW copy) stops the call; then the PMD maps the folio (`set_huge_pmd`).
 */
function collapse_pte_mapped_thp(mm: MmStruct, vma: VmAreaStruct, addr: number): Scan {
  const g = mm.geometry;
  // Without a PMD table the upper tables are allocated for the PMD (6.18 reaches set_huge_pmd
  // through the none case with the tables allocated; measured: VmPTE +8 at a fresh 512 GiB slot).
  const pmd = pmd_alloc(mm, addr);
  const idx = Math.floor(addr / g.PMD_SIZE) % g.PTRS_PER_PMD;
  const pte = mm.dirs[mm.dirs.length - 1].get(pmd, idx);
  if (pte === PMD_HUGE_SHMEM) return Scan.Succeed;
  if (pte > 0) {
    const bits = mm.filePages.get(addr / g.PMD_SIZE);
    let file = 0;
    if (bits) for (const w of bits) for (let x = w; x !== 0; x &= x - 1) file++;
    if (file !== mm.ptes.count(pte)) return Scan.Abort;
    if (file > 0) for (let p = addr; p < addr + g.PMD_SIZE; p++) unmap_file_page(mm, vma, p);
    free_empty_pte(mm, pmd, idx, pte);
  }
  do_set_pmd(mm, pmd, idx);
  return Scan.Succeed;
}

/**
 * Why an op over [start, end) (pages) meets shmem THP state the model does not follow, or null:
 * `collapse` of a slot reaching past its file's end (the kernel maps the folio whole, beyond the
 * end too) or while a guard marker exists in the family (`retract_page_tables` and the marker);
 * `mremap` of a PMD-mapped folio (`move_huge_pmd` of a file PMD); `pageout`, `cold` and `remove`
 * over a PMD-sized folio (a folio split unmaps it everywhere; reclaim unmaps shmem without swap).
 */
export function shmem_thp_unsupported(
  mm: MmStruct,
  what: 'collapse' | 'mremap' | 'reclaim' | 'remove',
  start: number,
  end: number,
): string | null {
  const g = mm.geometry;
  if (what === 'mremap') {
    return huge_shmem_in(mm, start, end) ? 'mremap of a PMD-mapped shmem folio' : null;
  }
  for (const vma of mm.mmap.range(start, end)) {
    const file = vma.vm_file;
    if (!file?.shmem) continue;
    if (what !== 'collapse') {
      if (file.huge.size === 0) continue;
      const lo = Math.max(start, vma.vm_start);
      const hi = Math.min(end, vma.vm_end);
      for (let p = lo; p < hi; p++) {
        if (in_huge_folio(mm, vma, p)) return `madvise ${what} of a PMD-sized shmem folio`;
      }
      continue;
    }
    if (!file_collapse_allowed(mm, vma)) continue;
    const lo = Math.ceil(Math.max(start, vma.vm_start) / g.PMD_SIZE) * g.PMD_SIZE;
    const hi = Math.min(end, vma.vm_end);
    for (let a = lo; a + g.PMD_SIZE <= hi; a += g.PMD_SIZE) {
      if (pgoff_of(vma, a) + g.PTRS_PER_PTE > file.pages) {
        return 'madvise collapse of a shmem slot reaching past the end of its file';
      }
    }
    for (const m of mm.family) {
      for (const bits of m.guardPages.values()) {
        if (bits.some((w) => w !== 0)) return 'madvise collapse of shmem while guard markers exist';
      }
    }
  }
  return null;
}
