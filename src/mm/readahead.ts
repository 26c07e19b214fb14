// The synchronous readahead of a page fault on a disk file's page that is not in the page cache:
// which pages the read brings in. Mirrors do_sync_mmap_readahead (mm/filemap.c) and the order-0
// path of page_cache_ra_order / page_cache_ra_unbounded (mm/readahead.c) (see
// docs/kernel-version.md).

import type { SimFile, VmAreaStruct } from './mm_types.js';
import { VM_EXEC } from './mm_types.js';

/**
 * The window `[from, to)` of file pages a fault on page `off` of `vma` reads (every page of it
 * not cached enters the cache as an order-0 folio; cached pages stay as they are):
 * - an executable VMA reads forward from the faulting page, `ra_pages` pages clipped to the VMA
 *   (6.16+: instruction fetch is random, so nothing before the page and no async part);
 * - any other VMA reads around it: `ra_pages` pages starting `ra_pages / 2` before it.
 * Both are clipped to the file. Differs from kernel: `mmap_miss` (readahead stops after 100 net
 * misses on the file) is not counted, and MADV_RANDOM/SEQUENTIAL are not in the format.
 */
export function sync_mmap_readahead_window(
  file: SimFile,
  vma: VmAreaStruct,
  off: number,
): { readonly from: number; readonly to: number } {
  const ra = file.readahead;
  if (vma.vm_flags & VM_EXEC) {
    const vmaFirst = vma.vm_pgoff ?? 0;
    const vmaEnd = vmaFirst + (vma.vm_end - vma.vm_start);
    const from = Math.max(off, vmaFirst);
    return { from, to: Math.min(from + ra, vmaEnd, file.pages) };
  }
  const from = Math.max(0, off - Math.floor(ra / 2));
  return { from, to: Math.min(from + ra, file.pages) };
}
