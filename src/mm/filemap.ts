// Shared and file-backed mappings: the page cache of a file (shmem: anonymous shared, memfd, a file
// on tmpfs; or a regular file on a disk filesystem, cached whole when created), read faults with
// fault-around, shared write faults, COW of private file pages, the RssShmem/RssFile counters,
// MADV_REMOVE, and the read-around of a fault on a disk file's page not in the cache. A PTE mapping a page-cache page is stored as a
// present entry of the zero-page plane (never counted as anon) plus a bit in `mm.filePages`.
// Mirrors do_read_fault / do_cow_fault / do_shared_fault (mm/memory.c), filemap_map_pages
// (mm/filemap.c) and shmem_fault / shmem_fallocate (mm/shmem.c) (see docs/kernel-version.md).

import type { Errno } from '../util/errors.js';
import type { FileRaState, MmStruct, SimFile, VmAreaStruct } from './mm_types.js';
import { PMD_HUGE_SHMEM, PageSet, VM_LOCKED, VM_SHARED, VM_WRITE } from './mm_types.js';
import {
  do_set_pmd,
  huge_folio_fit,
  in_huge_folio,
  shmem_pmd_mappable,
  zap_huge_pmd_shmem,
} from './filemap-thp.js';
import { pmd_alloc, pte_alloc, pte_set_marked, slot_bits } from './pgtable.js';
import {
  async_mmap_readahead,
  file_ra_state_init,
  filemap_evict,
  sync_mmap_readahead,
} from './readahead.js';
import { anon_vma_prepare } from './rmap.js';

/** `fault_around_bytes` (64 KiB) in pages: a read fault maps cached pages around it. */
export const FAULT_AROUND_PAGES = 16;

/** Creates a file of `pages` pages with an empty page cache (`shmem` for tmpfs and memfd). */
export function file_alloc(name: string, pages: number, shmem: boolean): SimFile {
  const file = {
    name,
    pages,
    shmem,
    cache: new PageSet(),
    readahead: 0,
    huge: new Set<number>(),
    mlocked: new PageSet(),
  };
  return shmem ? { ...file, written: new PageSet() } : file;
}

/**
 * A regular file on a disk filesystem just written and fsynced `chunk` pages at a time (1: 4 KiB
 * writes): every page is in the page cache, clean, in folios of `chunk` pages. `readahead` is the
 * device's read-around in pages.
 */
export function disk_file_alloc(
  name: string,
  pages: number,
  readahead: number,
  chunk = 1,
): SimFile {
  return {
    name,
    pages,
    shmem: false,
    cache: new PageSet(true),
    readahead,
    ra: file_ra_state_init(chunk),
    huge: new Set(),
    mlocked: new PageSet(),
  };
}

/**
 * The page-cache side of `filemap_fault` (`shmem_fault` for shmem), first attempt, for page `off`
 * of `file` faulted in `vma`: shmem allocates a missing page; a disk file reads it with its
 * readahead window, or, for a cached page with PG_readahead, reads the next window ahead. Returns
 * whether the fault dropped its lock for that (VM_FAULT_RETRY: a read fault's retry runs
 * fault-around again, and the retry never reads ahead asynchronously).
 */
function filemap_fault(file: SimFile, vma: VmAreaStruct, off: number): boolean {
  if (!file.ra) {
    file.cache.add(off);
    return false;
  }
  if (file.cache.has(off)) return async_mmap_readahead(file, off);
  sync_mmap_readahead(file, vma, off);
  return true;
}

/** The page offset in its file of page `p` of file VMA `vma`. */
export function pgoff_of(vma: VmAreaStruct, p: number): number {
  return (vma.vm_pgoff ?? 0) + (p - vma.vm_start);
}

/** The bitmap of file-mapped entries of the PMD slot of page `p` (created on demand). */
function fileBits(mm: MmStruct, p: number, create: boolean): Uint32Array | undefined {
  return slot_bits(mm, mm.filePages, p, create);
}

/** Adds `n` to the RSS counter of `file`'s kind (RssShmem or RssFile). */
function add_file_rss(mm: MmStruct, file: SimFile, n: number): void {
  if (file.shmem) mm.rss_shmem += n;
  else mm.rss_file += n;
}

/** What the entry of page `p` maps: 0 none, 1 anon page, 2 zero page, 3 page-cache page. */
function entry_kind(mm: MmStruct, pte: number, p: number): number {
  const i = p % mm.geometry.PMD_SIZE;
  const { words, base } = mm.ptes.presentWords(pte);
  if (((words[base + (i >>> 5)] >>> (i & 31)) & 1) === 0) return 0;
  const bits = fileBits(mm, p, false);
  if (bits && ((bits[i >>> 5] >>> (i & 31)) & 1) !== 0) return 3;
  const planes = mm.ptes.planeWords(pte);
  if (planes && ((planes.words[planes.base + (i >>> 5)] >>> (i & 31)) & 1) !== 0) return 2;
  return 1;
}

/** Maps page `p` to its page-cache page (a none entry becomes present, file-kind). */
function map_file_page(mm: MmStruct, vma: VmAreaStruct, pte: number, p: number): void {
  pte_set_marked(mm, pte, p, fileBits(mm, p, true) as Uint32Array);
  add_file_rss(mm, vma.vm_file as SimFile, 1);
}

/** Turns the page-cache entry of page `p` into a private anon copy (`wp_page_copy`). */
function cow_file_page(mm: MmStruct, vma: VmAreaStruct, pte: number, p: number): void {
  const i = p % mm.geometry.PMD_SIZE;
  const bit = 1 << (i & 31);
  const planes = mm.ptes.ensurePlanes(pte);
  planes.words[planes.base + (i >>> 5)] = (planes.words[planes.base + (i >>> 5)] & ~bit) >>> 0;
  const bits = fileBits(mm, p, true) as Uint32Array;
  bits[i >>> 5] = (bits[i >>> 5] & ~bit) >>> 0;
  add_file_rss(mm, vma.vm_file as SimFile, -1);
  mm.rss_anon++;
}

/** Maps a fresh anon page at none entry `p` (`do_cow_fault`: a private write never seen before). */
function map_anon_page(mm: MmStruct, pte: number, p: number): void {
  const i = p % mm.geometry.PMD_SIZE;
  const { words, base } = mm.ptes.presentWords(pte);
  words[base + (i >>> 5)] = (words[base + (i >>> 5)] | (1 << (i & 31))) >>> 0;
  mm.ptes.addCount(pte, 1);
  mm.rss_anon++;
}

/**
 * `do_fault_around` + `filemap_map_pages` for a read fault at `p`: every cached page of the
 * 16-page-aligned window around `p` (clipped to the VMA, the PMD slot and the file's end) whose
 * entry is none gets mapped.
 */
function do_fault_around(mm: MmStruct, vma: VmAreaStruct, p: number): void {
  const file = vma.vm_file as SimFile;
  const PTRS = mm.geometry.PTRS_PER_PTE;
  const pte_off = p % mm.geometry.PMD_SIZE;
  const vma_off = p - vma.vm_start;
  const from = Math.max(
    pte_off - (pte_off % FAULT_AROUND_PAGES),
    pte_off - Math.min(pte_off, vma_off),
  );
  const to = Math.min(from + FAULT_AROUND_PAGES, PTRS, pte_off + (vma.vm_end - p));
  // 6.18 maps a large folio of the window whole where it fits the VMA and the PTE table.
  const a0 = in_huge_folio(mm, vma, p) ? huge_folio_fit(mm, vma, p) : -1;
  if (a0 >= 0) {
    const table = pte_alloc(mm, p);
    for (let q = a0; q < a0 + PTRS; q++) {
      if (entry_kind(mm, table, q) === 0) map_file_page(mm, vma, table, q);
    }
    return;
  }
  let pte = 0;
  for (let i = from; i < to; i++) {
    const q = p - pte_off + i;
    const off = pgoff_of(vma, q);
    // A folio with PG_readahead is left to the fault on it (`next_uptodate_folio`).
    if (off >= file.pages || !file.cache.has(off) || file.ra?.mark.has(off)) continue;
    // The table is installed with the first page mapped (`filemap_map_pmd`), not before.
    pte ||= pte_alloc(mm, p);
    const a = folio_fit(mm, vma, q);
    if (a < 0) {
      if (entry_kind(mm, pte, q) === 0) map_file_page(mm, vma, pte, q);
      continue;
    }
    // A disk file's large folio that fits the VMA and the table is mapped whole (6.18).
    const nr = (file.ra as FileRaState).chunk;
    for (let r = a; r < a + nr; r++)
      if (entry_kind(mm, pte, r) === 0) map_file_page(mm, vma, pte, r);
  }
}

/**
 * The first page of the folio of page `p` (a disk file written in chunks) where the whole folio
 * fits `vma`, one PTE table and the file (`folio_within_vma`, same PMD, within `i_size`); else -1
 * (also for order-0 folios).
 */
function folio_fit(mm: MmStruct, vma: VmAreaStruct, p: number): number {
  const file = vma.vm_file as SimFile;
  const nr = file.ra?.chunk ?? 1;
  if (nr === 1) return -1;
  const off = pgoff_of(vma, p);
  const first = off - (off % nr);
  const a0 = p - (off - first);
  const PMD_SIZE = mm.geometry.PMD_SIZE;
  if (a0 < vma.vm_start || a0 + nr > vma.vm_end || first + nr > file.pages) return -1;
  return Math.floor(a0 / PMD_SIZE) === Math.floor((a0 + nr - 1) / PMD_SIZE) ? a0 : -1;
}

/**
 * Maps page `p` of file VMA `vma` to its cached page-cache page and nothing around it, as
 * `filemap_map_pages` does for each page it finds; for a state measured page by page (the process
 * image's libraries). A page not cached, beyond the file, or already mapped is left alone.
 */
export function filemap_map_one(mm: MmStruct, vma: VmAreaStruct, p: number): void {
  const file = vma.vm_file as SimFile;
  const off = pgoff_of(vma, p);
  if (off >= file.pages || !file.cache.has(off)) return;
  pmd_alloc(mm, p);
  const pte = pte_alloc(mm, p);
  if (entry_kind(mm, pte, p) === 0) map_file_page(mm, vma, pte, p);
}

/**
 * `finish_fault` of a disk file cached in large folios (written in chunks): a shared write fault
 * maps the whole folio of page `p` where it fits the VMA and one PTE table and every entry it
 * would take is none (6.18); the folio is dirtied whole. Returns whether it did.
 */
function finish_fault_folio(mm: MmStruct, vma: VmAreaStruct, pte: number, p: number): boolean {
  const file = vma.vm_file as SimFile;
  const a0 = folio_fit(mm, vma, p);
  if (a0 < 0) return false;
  const nr = (file.ra as FileRaState).chunk;
  for (let q = a0; q < a0 + nr; q++) if (entry_kind(mm, pte, q) !== 0) return false;
  const first = pgoff_of(vma, a0);
  for (let q = a0; q < a0 + nr; q++) {
    map_file_page(mm, vma, pte, q);
    file.ra?.dirty.add(first + (q - a0));
  }
  return true;
}

/**
 * One access to page `p` of file VMA `vma` (`do_read_fault`, `do_cow_fault`, `do_shared_fault`,
 * or a write-protect fault on a mapped page). A page at or beyond the file's end is SIGBUS.
 */
export function do_file_fault(
  mm: MmStruct,
  vma: VmAreaStruct,
  p: number,
  write: boolean,
): Errno | null {
  const file = vma.vm_file as SimFile;
  const off = pgoff_of(vma, p);
  // The upper tables come first (ALLOC-1); the PTE table only with a page to map. A read fault
  // maps the cached pages around first, so a SIGBUS may still leave some mapped.
  const pmd = pmd_alloc(mm, p);
  const idx = Math.floor(p / mm.geometry.PMD_SIZE) % mm.geometry.PTRS_PER_PMD;
  const existing = mm.dirs[mm.dirs.length - 1].get(pmd, idx);
  const cow = write && (vma.vm_flags & VM_SHARED) === 0;
  if (existing === PMD_HUGE_SHMEM) {
    if (!cow) return null;
    // do_huge_pmd_wp_page of a file PMD: the PMD goes, the fault falls back to a COW of the
    // page through a PTE table.
    zap_huge_pmd_shmem(mm, pmd, idx);
  } else if (existing === 0 && !cow && off < file.pages && shmem_pmd_mappable(mm, vma, p)) {
    do_set_pmd(mm, pmd, idx);
    return null;
  }
  const before = existing > 0 ? entry_kind(mm, existing, p) : 0;
  if (!write) {
    if (before !== 0) return null;
    do_fault_around(mm, vma, p);
    if (off >= file.pages) return 'SIGBUS';
    const pte = pte_alloc(mm, p);
    if (entry_kind(mm, pte, p) !== 0) return null;
    // A retried fault maps what the read brought in around it first.
    if (filemap_fault(file, vma, off)) do_fault_around(mm, vma, p);
    if (entry_kind(mm, pte, p) === 0) map_file_page(mm, vma, pte, p);
    return null;
  }
  if (off >= file.pages) return 'SIGBUS';
  const pte = pte_alloc(mm, p);
  const kind = entry_kind(mm, pte, p);
  if (vma.vm_flags & VM_SHARED) {
    // A shared write dirties the page (`page_mkwrite`), mapped already or not.
    file.ra?.dirty.add(off);
    file.written?.add(off);
    if (kind !== 0) return null;
    filemap_fault(file, vma, off);
    // finish_fault maps a whole shmem folio that fits the VMA and the table when every entry it
    // would take is none.
    const a0 = in_huge_folio(mm, vma, p) ? huge_folio_fit(mm, vma, p) : -1;
    if (a0 >= 0 && mm.ptes.count(pte) === 0) {
      for (let q = a0; q < a0 + mm.geometry.PTRS_PER_PTE; q++) map_file_page(mm, vma, pte, q);
    } else if (!finish_fault_folio(mm, vma, pte, p)) map_file_page(mm, vma, pte, p);
    return null;
  }
  if (kind === 1) return null;
  anon_vma_prepare(mm, vma);
  // The page cache page is read in (or, for shmem, allocated) before it is copied; a mapped one
  // is copied without a page-cache lookup (`wp_page_copy`).
  if (kind === 3) cow_file_page(mm, vma, pte, p);
  else {
    filemap_fault(file, vma, off);
    map_anon_page(mm, pte, p);
  }
  return null;
}

/** Accesses `count` pages `first`, `first + step`, … of file VMA `vma`; stops at SIGBUS. */
export function file_fault_pages(
  mm: MmStruct,
  vma: VmAreaStruct,
  first: number,
  step: number,
  count: number,
  write: boolean,
): Errno | null {
  for (let k = 0, p = first; k < count; k++, p += step) {
    const e = do_file_fault(mm, vma, p, write);
    if (e) return e;
  }
  return null;
}

/**
 * Before a zap of [start, end) of file VMA `vma`: the page-cache entries there go, so their RSS
 * goes with them (the zap itself clears the entries as zero-page ones).
 */
export function zap_file_rss(mm: MmStruct, vma: VmAreaStruct, start: number, end: number): void {
  const file = vma.vm_file as SimFile;
  const PMD_SIZE = mm.geometry.PMD_SIZE;
  for (let slot = Math.floor(start / PMD_SIZE); slot * PMD_SIZE < end; slot++) {
    const bits = mm.filePages.get(slot);
    if (!bits) continue;
    const lo = Math.max(start - slot * PMD_SIZE, 0);
    const hi = Math.min(end - slot * PMD_SIZE, PMD_SIZE);
    let n = 0;
    let left = 0;
    for (let w = 0; w < bits.length; w++) {
      const from = Math.max(lo - w * 32, 0);
      const to = Math.min(hi - w * 32, 32);
      if (from < to) {
        const mask = to - from === 32 ? 0xffffffff : ((1 << (to - from)) - 1) << from;
        const hit = bits[w] & mask;
        for (let x = hit; x !== 0; x &= x - 1) n++;
        bits[w] = (bits[w] & ~mask) >>> 0;
      }
      left |= bits[w];
    }
    add_file_rss(mm, file, -n);
    if (left === 0) mm.filePages.delete(slot);
  }
}

/**
 * `madvise_remove` on [start, end) of `vma` (MADV_REMOVE: punch a hole in the file). EINVAL on a
 * locked or anonymous VMA, EACCES unless shared and writable. The hole's pages leave the page
 * cache and every mapping of them in every process of the mm's fork family (private COW copies
 * stay); tables stay
 * (`unmap_mapping_range` zaps without reclaim_pt).
 */
export function madvise_remove(
  mm: MmStruct,
  vma: VmAreaStruct,
  start: number,
  end: number,
): Errno | null {
  if (vma.vm_flags & VM_LOCKED) return 'EINVAL';
  const file = vma.vm_file;
  if (!file) return 'EINVAL';
  if ((vma.vm_flags & (VM_SHARED | VM_WRITE)) !== (VM_SHARED | VM_WRITE)) return 'EACCES';
  const lo = pgoff_of(vma, start);
  const hi = Math.min(pgoff_of(vma, end), file.pages);
  for (let off = lo; off < hi; off++) filemap_evict(file, off);
  // Every process mapping the file loses its page-cache entries there (unmap_mapping_range).
  for (const m of mm.family) {
    for (const v of m.mmap.vmas) {
      if (v.vm_file !== file) continue;
      const vlo = Math.max(v.vm_start, v.vm_start + (lo - (v.vm_pgoff ?? 0)));
      const vhi = Math.min(v.vm_end, v.vm_start + (hi - (v.vm_pgoff ?? 0)));
      for (let p = vlo; p < vhi; p++) unmap_file_page(m, v, p);
    }
  }
  return null;
}

/** Whether the entry of page `p` maps a page-cache page. */
export function file_page_mapped(mm: MmStruct, p: number): boolean {
  const bits = fileBits(mm, p, false);
  const i = p % mm.geometry.PMD_SIZE;
  return bits !== undefined && ((bits[i >>> 5] >>> (i & 31)) & 1) !== 0;
}

/** Clears the entry of page `p` if it maps a page-cache page (an anon COW copy stays). */
export function unmap_file_page(mm: MmStruct, vma: VmAreaStruct, p: number): void {
  const bits = fileBits(mm, p, false);
  const i = p % mm.geometry.PMD_SIZE;
  const bit = 1 << (i & 31);
  if (!bits || (bits[i >>> 5] & bit) === 0) return;
  const pte = pte_alloc(mm, p);
  const { words, base } = mm.ptes.presentWords(pte);
  words[base + (i >>> 5)] = (words[base + (i >>> 5)] & ~bit) >>> 0;
  mm.ptes.addCount(pte, -1);
  const planes = mm.ptes.ensurePlanes(pte);
  planes.words[planes.base + (i >>> 5)] = (planes.words[planes.base + (i >>> 5)] & ~bit) >>> 0;
  bits[i >>> 5] = (bits[i >>> 5] & ~bit) >>> 0;
  add_file_rss(mm, vma.vm_file as SimFile, -1);
}
