// Readahead of a disk file's page cache on page faults: which pages a fault on a page not in the
// cache reads in, where the PG_readahead mark goes, and what a fault on a marked page reads next.
// Every folio the model lets readahead create is order 0; a read that would create a large folio
// (MADV_HUGEPAGE, async readahead) is flagged `unsupported`. Mirrors do_sync_mmap_readahead /
// do_async_mmap_readahead (mm/filemap.c), page_cache_ra_order, page_cache_ra_unbounded,
// page_cache_async_ra and force_page_cache_ra (mm/readahead.c) (see docs/kernel-version.md).

import type { FileRaState, SimFile, VmAreaStruct } from './mm_types.js';
import { PageSet, VM_EXEC, VM_HUGEPAGE } from './mm_types.js';

/** `HPAGE_PMD_NR` (x86-64): the pages of a PMD-sized folio. */
const HPAGE_PMD_NR = 512;

/**
 * A fresh `file_ra_state` for a disk file whose every page is cached and clean, in folios of
 * `chunk` pages.
 */
export function file_ra_state_init(chunk = 1): FileRaState {
  return {
    mark: new PageSet(),
    dirty: new PageSet(),
    chunk,
    start: 0,
    size: 0,
    async_size: 0,
    order: 0,
  };
}

/** `get_next_ra_size`: the next window after one of `cur` pages (at most `max`). */
function get_next_ra_size(cur: number, max: number): number {
  if (cur < max / 16) return 4 * cur;
  if (cur <= max / 2) return 2 * cur;
  return max;
}

/** Puts missing page `off` in the cache as an order-0 folio (PG_readahead when `mark`). */
function ra_add_page(file: SimFile, ra: FileRaState, off: number, mark: boolean): void {
  file.cache.add(off);
  if (mark) ra.mark.add(off);
}

/**
 * `page_cache_ra_unbounded` after `do_page_cache_ra`'s clipping to the file: reads every missing
 * page of `[index, index + nr)`, order 0; the page `nr - lookahead` into the window gets
 * PG_readahead if this read creates it.
 */
function do_page_cache_ra(file: SimFile, index: number, nr: number, lookahead: number): void {
  const ra = file.ra as FileRaState;
  if (file.pages === 0 || index >= file.pages) return;
  const n = Math.min(nr, file.pages - index);
  const mark = lookahead <= n ? n - lookahead : -1;
  for (let i = 0; i < n; i++) {
    if (!file.cache.has(index + i)) ra_add_page(file, ra, index + i, i === mark);
  }
}

/**
 * `page_cache_ra_order` for the window in `file.ra`: folios of `ra.order` (smaller where the index
 * is not aligned or the file ends) until one would overlap a cached page, then the order-0
 * fallback for the rest of the window. A large folio it would create is not modelled.
 */
function page_cache_ra_order(file: SimFile): void {
  const ra = file.ra as FileRaState;
  const start = ra.start;
  const limit = Math.min(file.pages - 1, start + ra.size - 1);
  const mark = start + ra.size - ra.async_size;
  const newOrder = Math.min(ra.order, Math.floor(Math.log2(Math.max(ra.size, 1))));
  ra.order = newOrder;
  let index = start;
  let conflict = false;
  while (index <= limit) {
    let order = newOrder;
    if (index % 2 ** order !== 0) order = Math.log2(index & -index);
    while (order > 0 && index + 2 ** order - 1 > limit) order--;
    const n = 2 ** order;
    let cached = false;
    for (let o = index; o < index + n && !cached; o++) cached = file.cache.has(o);
    if (cached) {
      conflict = true;
      break;
    }
    if (order > 0) {
      ra.unsupported = `readahead would read pages ${index}..${index + n - 1} into one large folio (order ${order})`;
      return;
    }
    ra_add_page(file, ra, index, index === mark);
    index += n;
  }
  if (!conflict) return;
  if (ra.size > index - start)
    do_page_cache_ra(file, index, ra.size - (index - start), ra.async_size);
}

/**
 * `do_sync_mmap_readahead` for a fault on page `off` (not cached) of disk file `file` in `vma`:
 * - MADV_HUGEPAGE: two PMD-sized folios from the aligned index (one async), order 9;
 * - no readahead (`read_ahead_kb` 0): the page alone;
 * - an executable VMA (6.16+): `ra_pages` pages from the page on, clipped to the VMA, no async
 *   part, order 0 (instruction fetch is random);
 * - else read-around: `ra_pages` pages from `ra_pages / 2` before the page, the last quarter
 *   async (its first page gets PG_readahead), order 0.
 * Differs from kernel: `mmap_miss` (readahead stops after 100 net misses on the file) is not
 * counted, and MADV_RANDOM/SEQUENTIAL are not in the format.
 */
export function sync_mmap_readahead(file: SimFile, vma: VmAreaStruct, off: number): void {
  const ra = file.ra as FileRaState;
  const max = file.readahead;
  if (vma.vm_flags & VM_HUGEPAGE) {
    ra.start = off - (off % HPAGE_PMD_NR);
    ra.size = 2 * HPAGE_PMD_NR;
    ra.async_size = HPAGE_PMD_NR;
    ra.order = 9;
  } else if (max === 0) {
    file.cache.add(off);
    return;
  } else if (vma.vm_flags & VM_EXEC) {
    const vmaFirst = vma.vm_pgoff ?? 0;
    const vmaEnd = vmaFirst + (vma.vm_end - vma.vm_start);
    ra.start = Math.max(off, vmaFirst);
    ra.size = Math.min(ra.start + max, vmaEnd) - ra.start;
    ra.async_size = 0;
    ra.order = 0;
  } else {
    ra.start = Math.max(0, off - Math.floor(max / 2));
    ra.size = max;
    ra.async_size = Math.floor(max / 4);
    ra.order = 0;
  }
  page_cache_ra_order(file);
}

/**
 * `do_async_mmap_readahead` + `page_cache_async_ra` for a fault (first attempt) on cached page
 * `off` with PG_readahead: the mark goes and the next window is read, order + 2: where the fault
 * hit the expected page the window after the last one, else from the first missing page after
 * `off`. Returns whether the fault dropped its lock (the caller's fault is retried).
 */
export function async_mmap_readahead(file: SimFile, off: number): boolean {
  const ra = file.ra as FileRaState;
  if (!ra.mark.has(off)) return false;
  ra.mark.delete(off);
  const max = file.readahead;
  if (max === 0) return true;
  if (off === ra.start + ra.size - ra.async_size) {
    ra.start += ra.size;
    ra.size = Math.max(ra.size, get_next_ra_size(ra.size, max));
    ra.async_size = ra.size;
  } else {
    let start = off + 1;
    while (start <= off + max && start < file.pages && file.cache.has(start)) start++;
    if (start - off > max) return true;
    ra.start = start;
    ra.size = get_next_ra_size(start - off + max, max);
    ra.async_size = ra.size;
  }
  ra.order += 2;
  page_cache_ra_order(file);
  return true;
}

/**
 * MADV_WILLNEED on file pages `[from, to)` (`force_page_cache_ra`): the missing ones are read as
 * order-0 folios without PG_readahead, at most `max(ra_pages, io_pages)` pages (`ra_pages` here).
 */
export function force_page_cache_ra(file: SimFile, from: number, to: number): void {
  if (!file.ra || file.readahead === 0) return;
  const end = Math.min(to, from + file.readahead, file.pages);
  for (let o = from; o < end; o++) file.cache.add(o);
}

/** Drops page `off` from the page cache with its readahead and dirty state. */
export function filemap_evict(file: SimFile, off: number): void {
  file.cache.delete(off);
  file.ra?.mark.delete(off);
  file.ra?.dirty.delete(off);
  file.written?.delete(off);
  file.mlocked.delete(off);
}
