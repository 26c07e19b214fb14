// Page faults of anonymous memory over a page range: upper tables on demand, the PTE table or a
// huge PMD per slot, zero page on read, RSS (ALLOC-1..8). Works per PMD slot with word-wide bit
// operations. Mirrors the fault half of mm/memory.c (see docs/kernel-version.md).

import { pmd_addr_end } from '../arch/index.js';
import {
  DIR_CHUNK_SHIFT,
  INLINE_ANON,
  INLINE_EMPTY,
  INLINE_ZERO,
  PTE_CHUNK_MASK,
  PTE_CHUNK_SHIFT,
  inlineEntry,
  popcount32,
  wordMask,
} from './pgtable-pool.js';
import type { MmStruct, VmAreaStruct } from './mm_types.js';
import {
  do_huge_pmd_anonymous_page,
  do_huge_pmd_wp_page,
  thp_vma_suitable,
  vma_thp_enabled,
} from './huge_memory.js';
import { mm_add_nr_ptes, pmd_alloc, pmd_install } from './pgtable.js';
import { anon_vma_prepare } from './rmap.js';
import { folio_write_fault } from './folio.js';
import { mark_unwritten_fault } from './unwritten.js';
import { cow_tracking, cow_write_fault, cow_write_strided } from './cow-share.js';

/**
 * Faults every page of [start, end) (pages, inside `vma`) as `__handle_mm_fault` would for one
 * access each, in address order. The caller checked permissions. With `gup` the faults come from
 * the kernel (populate, mlock): a write fault then stores nothing, so THP subpages stay zero-filled.
 */
export function handle_mm_fault_range(
  mm: MmStruct,
  vma: VmAreaStruct,
  start: number,
  end: number,
  write: boolean,
  gup = false,
): void {
  const g = mm.geometry;
  const pmdPool = mm.dirs[mm.dirs.length - 1];
  if (write) anon_vma_prepare(mm, vma);
  if (write) cow_write_fault(mm, start, end, gup);
  for (let addr = start; addr < end;) {
    const next = pmd_addr_end(g, addr, end);
    const haddr = addr - (addr % g.PMD_SIZE);
    const pmd = pmd_alloc(mm, addr);
    const idx = Math.floor(addr / g.PMD_SIZE) % g.PTRS_PER_PMD;
    let entry = pmdPool.get(pmd, idx);
    const range = { addr, lo: addr - haddr, hi: gup ? addr - haddr : next - haddr };
    if (entry === 0 && thp_vma_suitable(mm, vma, haddr)) {
      do_huge_pmd_anonymous_page(mm, vma, pmd, idx, write ? range : null);
    } else if (entry < 0) {
      // A COW-shared THP falls back to the PTEs once its PMD is split.
      const pte = write ? do_huge_pmd_wp_page(mm, vma, pmd, idx, range) : 0;
      if (pte !== 0) {
        do_anonymous_range(mm, pte, range.lo, next - haddr, true);
        folio_write_fault(mm, addr, range.lo, range.hi, next - haddr);
      }
    } else {
      if (entry === 0) entry = pmd_install(mm, pmd, idx);
      if (gup && write) mark_unwritten_fault(mm, entry, addr, range.lo, next - haddr);
      do_anonymous_range(mm, entry, range.lo, next - haddr, write);
      if (write && mm.folios.size !== 0) {
        folio_write_fault(mm, addr, range.lo, range.hi, next - haddr);
      }
    }
    addr = next;
  }
}

/**
 * Faults entries [lo, hi) of PTE table `pte`: none entries become a new anon page (write) or the
 * zero page (read); a write to a zero-page entry copies it (`do_wp_page`); a write to a lazy-free
 * page makes it dirty again, so reclaim keeps it.
 */
export function do_anonymous_range(
  mm: MmStruct,
  pte: number,
  lo: number,
  hi: number,
  write: boolean,
): void {
  const ptes = mm.ptes;
  const { words, base } = ptes.presentWords(pte);
  let planes = ptes.planeWords(pte);
  let added = 0;
  let copied = 0;
  for (let w = lo >>> 5; w < (hi + 31) >>> 5; w++) {
    const mask = wordMask(Math.max(lo - w * 32, 0), Math.min(hi - w * 32, 32));
    const old = words[base + w];
    const fresh = (mask & ~old) >>> 0;
    if (fresh === 0 && !(write && planes)) continue;
    words[base + w] = (old | mask) >>> 0;
    added += popcount32(fresh);
    if (write) {
      if (planes) {
        const z = planes.base + w;
        const zero = planes.words[z] & mask;
        copied += popcount32(zero);
        planes.words[z] = planes.words[z] & ~mask;
        planes.words[z + ptes.words] = planes.words[z + ptes.words] & ~mask;
      }
    } else if (fresh !== 0) {
      planes ??= ptes.ensurePlanes(pte);
      planes.words[planes.base + w] = (planes.words[planes.base + w] | fresh) >>> 0;
    }
  }
  ptes.addCount(pte, added);
  if (write) mm.rss_anon += added + copied;
}

/**
 * Faults `count` single pages `first`, `first + step`, … (all inside `vma`), as
 * handle_mm_fault_range would one by one, with the PMD table looked up once per PUD slot and the
 * common case (a new page in a PTE table) done in place. A new PTE table that receives one page
 * stays inline in its PMD entry (pgtable-pool.ts) until something needs it as a plain table.
 */
export function handle_mm_fault_strided(
  mm: MmStruct,
  vma: VmAreaStruct,
  first: number,
  step: number,
  count: number,
  write: boolean,
): void {
  const PMD_SIZE = mm.geometry.PMD_SIZE;
  const span = mm.dirSpan[mm.dirs.length - 2];
  const mayThp = vma_thp_enabled(mm, vma);
  if (write) anon_vma_prepare(mm, vma);
  if (write && cow_tracking(mm)) cow_write_strided(mm, first, step, count);
  // Every access of a stride that is a whole number of PMD slots lands on the same page index.
  const slots = step % PMD_SIZE === 0 && mm.inlineTables && !mayThp ? step / PMD_SIZE : 0;
  for (let k = 0, p = first; k < count;) {
    const pmd = pmd_alloc(mm, p);
    const tableLo = p - (p % span);
    const n = Math.min(count - k, Math.ceil((tableLo + span - p) / step));
    if (slots !== 0 && mm.folios.size === 0) {
      fault_inline_strided(mm, vma, pmd, p, Math.floor((p - tableLo) / PMD_SIZE), slots, n, write);
    } else {
      for (let j = 0, q = p; j < n; j++, q += step) {
        fault_one(mm, vma, pmd, Math.floor((q - tableLo) / PMD_SIZE), q, write);
      }
    }
    k += n;
    p += n * step;
  }
}

/**
 * `n` accesses to page `p`'s index in PMD entries `idx`, `idx + slots`, … of PMD table `pmd`:
 * a none entry gets an inline one-page table, counters summed over the table.
 */
function fault_inline_strided(
  mm: MmStruct,
  vma: VmAreaStruct,
  pmd: number,
  p: number,
  idx: number,
  slots: number,
  n: number,
  write: boolean,
): void {
  const PMD_SIZE = mm.geometry.PMD_SIZE;
  const pool = mm.dirs[mm.dirs.length - 1];
  const ptes = mm.ptes;
  const c = pmd >>> DIR_CHUNK_SHIFT;
  const local = pmd & ((1 << DIR_CHUNK_SHIFT) - 1);
  const row = pool.chunks[c];
  const rowBase = local * pool.entries;
  const bit = p % PMD_SIZE;
  const kind = write ? INLINE_ANON : INLINE_ZERO;
  const code = inlineEntry(bit, kind);
  const emptyCode = inlineEntry(0, INLINE_EMPTY);
  const zeroCode = inlineEntry(bit, INLINE_ZERO);
  const before = pool.counts[c][local];
  const uniform = pool.uniform[c][local];
  const lo = pool.lo[c][local];
  const hi = pool.hi[c][local];
  // Whether [idx, end) holds every entry of the table that may be non-none.
  const covers = idx <= lo && idx + (n - 1) * slots + 1 >= hi;
  let added = 0;
  let filled = 0;
  let copied = 0;
  if (before === 0 && slots === 1) {
    // An empty table: every access makes a new one-page table.
    row.fill(code, rowBase + idx, rowBase + idx + n);
    added = n;
  } else if (covers && slots === 1 && before === n && uniform === code) {
    // Every access finds its page mapped already.
  } else if (covers && slots === 1 && before === n && uniform === emptyCode) {
    row.fill(code, rowBase + idx, rowBase + idx + n);
    filled = n;
  } else {
    let same = before === 0 || uniform === code;
    for (let j = 0, i = idx; j < n; j++, i += slots) {
      const entry = row[rowBase + i];
      if (entry === 0) {
        row[rowBase + i] = code;
        added++;
      } else if (entry === emptyCode) {
        row[rowBase + i] = code;
        filled++;
      } else if (entry === code) {
        // The same page again: already mapped.
      } else if (write && entry === zeroCode) {
        row[rowBase + i] = code;
        copied++;
      } else if (!write && entry === inlineEntry(bit, INLINE_ANON)) {
        same = false;
      } else {
        same = false;
        fault_one(mm, vma, pmd, i, p + (i - idx) * PMD_SIZE, write);
      }
    }
    // Unvisited entries were all `code` already when `same` started true.
    pool.uniform[c][local] = same ? code : 0;
  }
  if (added + filled === n && slots === 1 && (before === 0 || covers))
    pool.uniform[c][local] = code;
  if (added !== 0) {
    pool.addCount(pmd, added);
    pool.widen(c, local, idx, idx + (n - 1) * slots + 1);
    ptes.live += added;
    ptes.inline += added;
    mm_add_nr_ptes(mm, added);
  }
  ptes.empty -= filled;
  if (write) mm.rss_anon += added + filled + copied;
}

/** One access to page `p` under PMD entry `idx` of `pmd`, the plain way (tables materialised). */
function fault_one(
  mm: MmStruct,
  vma: VmAreaStruct,
  pmd: number,
  idx: number,
  p: number,
  write: boolean,
): void {
  const PMD_SIZE = mm.geometry.PMD_SIZE;
  const ptes = mm.ptes;
  let entry = mm.dirs[mm.dirs.length - 1].get(pmd, idx);
  if (entry < 0 || (entry === 0 && vma_thp_enabled(mm, vma))) {
    handle_mm_fault_range(mm, vma, p, p + 1, write);
    return;
  }
  if (entry === 0) entry = pmd_install(mm, pmd, idx);
  const bit = p % PMD_SIZE;
  const words = ptes.present[entry >>> PTE_CHUNK_SHIFT];
  const at = (entry & PTE_CHUNK_MASK) * ptes.words + (bit >>> 5);
  const m = 1 << (bit & 31);
  if (write && (words[at] & m) === 0) {
    words[at] = (words[at] | m) >>> 0;
    ptes.addCount(entry, 1);
    mm.rss_anon++;
  } else {
    do_anonymous_range(mm, entry, bit, bit + 1, write);
  }
  if (write && mm.folios.size !== 0) folio_write_fault(mm, p, bit, bit + 1, bit + 1);
}
