// madvise on anonymous memory: the VMA walk with its ENOMEM-for-holes rule (MADV-1), DONTNEED
// zaps with reclaim_pt, FREE marks pages lazy-free (MADV-2), PAGEOUT discards clean lazy-free
// pages (MADV-3), HUGEPAGE/NOHUGEPAGE change flags. Mirrors mm/madvise.c
// (see docs/kernel-version.md).

import { pagesRoundUp } from '../arch/index.js';
import type { Errno } from '../util/errors.js';
import { wordMask } from './pgtable-pool.js';
import type { MmStruct, VmAreaStruct } from './mm_types.js';
import {
  PMD_HUGE_ZERO,
  VM_DONTCOPY,
  VM_HUGEPAGE,
  VM_LOCKED,
  VM_NOHUGEPAGE,
  VM_WIPEONFORK,
} from './mm_types.js';
import { __split_huge_pmd, madvise_free_huge_pmd } from './huge_memory.js';
import { vma_modify_flags } from './mprotect.js';
import { reclaim_range } from './vmscan.js';
import { folio_in_range, folio_shared, folio_shared_pages } from './folio.js';
import { split_folio } from './folio-split.js';
import { mlocked_pages } from './mlocked.js';
import { cow_free_skip, type CowCache } from './cow-share.js';
import { unmap_single_vma, walk_pmd_entries } from './zap.js';
import { madvise_populate } from './gup.js';
import { madvise_remove } from './filemap.js';
import { pageout_file_range } from './filemap-reclaim.js';
import { force_page_cache_ra } from './readahead.js';
import { madvise_guard_install, madvise_guard_remove } from './guard.js';
import { madvise_collapse } from './khugepaged.js';
import { madvise_collapse_file } from './khugepaged-file.js';

/** madvise behaviours the model implements, by their `MADV_*` names in lower case. */
export type Advice =
  | 'dontneed'
  | 'dontneed_locked'
  | 'free'
  | 'pageout'
  | 'cold'
  | 'willneed'
  | 'hugepage'
  | 'nohugepage'
  | 'populate_read'
  | 'populate_write'
  | 'remove'
  | 'guard_install'
  | 'guard_remove'
  | 'collapse'
  | 'dontfork'
  | 'dofork'
  | 'wipeonfork'
  | 'keeponfork';

/**
 * `do_madvise`: EINVAL for an unaligned start or an overflowing range, success for a zero
 * length. Applies the advice to every VMA part of the range; returns ENOMEM if the range had a
 * hole (after applying to the mapped parts), or the first per-VMA error.
 */
export function do_madvise(
  mm: MmStruct,
  startBytes: bigint,
  len: bigint,
  advice: Advice,
): Errno | null {
  const g = mm.geometry;
  const page = BigInt(g.PAGE_SIZE);
  if (startBytes % page !== 0n) return 'EINVAL';
  const pages = pagesRoundUp(g, len);
  if (len !== 0n && startBytes + BigInt(pages) * page >= 1n << 64n) return 'EINVAL';
  if (pages === 0) return null;
  let start = Number(startBytes / page);
  const end = start + pages;
  // MADV_POPULATE_* walk the range themselves and stop at the first hole.
  if (advice === 'populate_read' || advice === 'populate_write') {
    return madvise_populate(mm, start, end, advice === 'populate_write');
  }
  let unmapped: Errno | null = null;
  let vma = mm.mmap.find_vma(start);
  for (;;) {
    if (!vma) return 'ENOMEM';
    if (start < vma.vm_start) {
      unmapped = 'ENOMEM';
      start = vma.vm_start;
      if (start >= end) break;
    }
    const tmp = Math.min(vma.vm_end, end);
    const result = madvise_vma_behavior(mm, vma, start, tmp, advice);
    if (result.errno) return result.errno;
    start = Math.max(tmp, result.prev.vm_end);
    if (start >= end) break;
    vma = mm.mmap.find_vma(start);
  }
  return unmapped;
}

/** One VMA's share of a madvise call; `prev` is the VMA holding the range afterwards. */
function madvise_vma_behavior(
  mm: MmStruct,
  vma: VmAreaStruct,
  start: number,
  end: number,
  advice: Advice,
): { readonly errno?: Errno; readonly prev: VmAreaStruct } {
  switch (advice) {
    case 'dontneed':
    case 'dontneed_locked':
      if (advice === 'dontneed' && vma.vm_flags & VM_LOCKED) return { errno: 'EINVAL', prev: vma };
      unmap_single_vma(mm, vma, start, end, { reclaim_pt: true });
      return { prev: vma };
    case 'free':
      // MADV_FREE is for anonymous private memory only.
      if (vma.vm_flags & VM_LOCKED || vma.vm_file) return { errno: 'EINVAL', prev: vma };
      madvise_free_range(mm, start, end);
      return { prev: vma };
    case 'pageout':
    case 'cold':
      if (vma.vm_flags & VM_LOCKED) return { errno: 'EINVAL', prev: vma };
      reclaim_range(mm, start, end, advice);
      if (advice === 'pageout') pageout_file_range(mm, vma, start, end);
      return { prev: vma };
    case 'guard_install':
    case 'guard_remove': {
      const errno =
        advice === 'guard_install'
          ? madvise_guard_install(mm, vma, start, end)
          : madvise_guard_remove(mm, start, end);
      return errno ? { errno, prev: vma } : { prev: vma };
    }
    case 'collapse': {
      const errno = vma.vm_file
        ? madvise_collapse_file(mm, vma, start, end)
        : madvise_collapse(mm, vma, start, end);
      return errno ? { errno, prev: vma } : { prev: vma };
    }
    case 'remove': {
      const errno = madvise_remove(mm, vma, start, end);
      return errno ? { errno, prev: vma } : { prev: vma };
    }
    case 'willneed':
      if (vma.vm_file?.ra) {
        const first = (vma.vm_pgoff ?? 0) + (start - vma.vm_start);
        force_page_cache_ra(vma.vm_file, first, first + (end - start));
      }
      return { prev: vma };
    case 'populate_read':
    case 'populate_write':
      return { prev: vma };
    case 'dontfork':
    case 'dofork':
    case 'wipeonfork':
    case 'keeponfork': {
      // MADV_WIPEONFORK is for private anonymous memory only (shared anon has a shmem file).
      if (advice === 'wipeonfork' && vma.vm_file) return { errno: 'EINVAL', prev: vma };
      const flag = advice === 'dontfork' || advice === 'dofork' ? VM_DONTCOPY : VM_WIPEONFORK;
      const set = advice === 'dontfork' || advice === 'wipeonfork';
      const newflags = set ? vma.vm_flags | flag : vma.vm_flags & ~flag;
      if (newflags === vma.vm_flags) return { prev: vma };
      return { prev: vma_modify_flags(mm, vma, start, end, newflags) };
    }
    case 'hugepage':
    case 'nohugepage': {
      const set = advice === 'hugepage' ? VM_HUGEPAGE : VM_NOHUGEPAGE;
      const clear = advice === 'hugepage' ? VM_NOHUGEPAGE : VM_HUGEPAGE;
      const newflags = (vma.vm_flags & ~clear) | set;
      if (newflags === vma.vm_flags) return { prev: vma };
      return { prev: vma_modify_flags(mm, vma, start, end, newflags) };
    }
  }
}

/**
 * `madvise_free_single_vma` over [start, end): present anon pages become clean lazy-free; the
 * zero page (small or huge) is left alone; a fully covered THP is marked whole, a partly covered
 * one is split.
 * Never allocates or frees tables (MADV-2).
 */
export function madvise_free_range(mm: MmStruct, start: number, end: number): void {
  const g = mm.geometry;
  const pmdPool = mm.dirs[mm.dirs.length - 1];
  const cow: CowCache = {};
  walk_pmd_entries(mm, start, end, (pmd, idx, addr, next) => {
    const entry = pmdPool.get(pmd, idx);
    // The huge zero page is left alone, whole or in part (madvise_free_huge_pmd skips it and
    // the PTE walk cannot split it): a later write still allocates a whole THP (issue #7 b).
    if (entry === PMD_HUGE_ZERO) return;
    // A THP another process maps is skipped ("we couldn't discard the folio unless they all do
    // MADV_FREE"): neither marked nor split, PMD-mapped or not.
    const shared = folio_shared(mm, addr);
    if (entry < 0 && shared) return;
    if (entry < 0) {
      if (next - addr === g.PMD_SIZE) {
        // An mlocked folio is unevictable: folio_mark_lazyfree leaves it as it is.
        if (!mm.folios.get(addr / g.PMD_SIZE)?.share.mlocked) madvise_free_huge_pmd(mm, pmd, idx);
        return;
      }
      __split_huge_pmd(mm, pmd, idx);
    }
    const pte = pmdPool.get(pmd, idx);
    const ptes = mm.ptes;
    const { words, base } = ptes.presentWords(pte);
    const slot = addr - (addr % g.PMD_SIZE);
    const lo = addr - slot;
    const hi = next - slot;
    // A large folio the range does not cover whole is split first (madvise_free_pte_range).
    if (folio_in_range(mm, addr, lo, hi)) {
      split_folio(mm, addr, pte, { lo, hi, whole: false });
    }
    // Pages of folios another process maps, and mlocked ones (mlocked.ts), stay as they are.
    const skip = shared ? folio_shared_pages(mm, addr) : null;
    const locked =
      mm.mlocked.size + mm.folios.size !== 0 ? mlocked_pages(mm, slot / g.PMD_SIZE) : null;
    let planes = ptes.planeWords(pte);
    for (let w = lo >>> 5; w < (hi + 31) >>> 5; w++) {
      const present =
        words[base + w] &
        wordMask(Math.max(lo - w * 32, 0), Math.min(hi - w * 32, 32)) &
        ~(skip ? skip[w] : 0) &
        ~(locked ? locked[w] : 0);
      if (present === 0) continue;
      // A PG_dirty small folio another process maps stays as it is (cow-share.ts).
      const marked = (present & ~cow_free_skip(mm, slot / g.PMD_SIZE, w, present, cow)) >>> 0;
      if (marked === 0) continue;
      planes ??= ptes.ensurePlanes(pte);
      const zero = planes.words[planes.base + w];
      const l = planes.base + ptes.words + w;
      planes.words[l] = (planes.words[l] | (marked & ~zero)) >>> 0;
    }
  });
}
