// Zapping user pages: unmap_vmas -> unmap_single_vma -> unmap_page_range -> zap_pmd_range ->
// zap_pte_range, with the policy hook where PT_RECLAIM sits (RECL-3/4) and full-slot THP zaps
// (THP-3). Mirrors the zap half of mm/memory.c (see docs/kernel-version.md).

import { addr_end } from '../arch/index.js';
import { DIR_CHUNK_SHIFT, popcount32, wordMask } from './pgtable-pool.js';
import type { MmStruct, VmAreaStruct, ZapDetails } from './mm_types.js';
import { __split_huge_pmd, zap_huge_pmd } from './huge_memory.js';
import { mm_dec_nr_ptes } from './pgtable.js';
import { folio_remove_pages } from './folio.js';

/**
 * Calls `fn(pmd, idx, addr, next)` for every non-none PMD entry over [addr, end), walking the
 * upper levels and skipping none entries at every level (the shape of every `*_range` walker).
 */
export function walk_pmd_entries(
  mm: MmStruct,
  addr: number,
  end: number,
  fn: (pmd: number, idx: number, addr: number, next: number) => void,
): void {
  walkLevel(mm, 0, mm.pgd, addr, end, fn);
}

function walkLevel(
  mm: MmStruct,
  k: number,
  table: number,
  addr: number,
  end: number,
  fn: (pmd: number, idx: number, addr: number, next: number) => void,
): void {
  const pool = mm.dirs[k];
  const span = mm.dirSpan[k];
  const last = k === mm.dirs.length - 1;
  let idx = Math.floor(addr / span) % pool.entries;
  const chunk = pool.chunks[table >>> DIR_CHUNK_SHIFT];
  const rowBase = (table & ((1 << DIR_CHUNK_SHIFT) - 1)) * pool.entries;
  while (addr < end) {
    const next = addr_end(addr, end, span);
    const entry = chunk[rowBase + idx];
    if (entry !== 0) {
      if (last) fn(table, idx, addr, next);
      else walkLevel(mm, k + 1, entry, addr, next, fn);
    }
    addr = next;
    idx++;
  }
}

/**
 * `zap_pte_range`: clears entries [addr, end) of one PTE table (one PMD slot), drops RSS, then
 * lets the policy decide whether the emptied table goes (PT_RECLAIM's `try_to_free_pte`).
 */
export function zap_pte_range(
  mm: MmStruct,
  pmd: number,
  idx: number,
  addr: number,
  end: number,
  details: ZapDetails | null,
): void {
  const g = mm.geometry;
  const pmdPool = mm.dirs[mm.dirs.length - 1];
  const pte = pmdPool.get(pmd, idx);
  const slot = addr - (addr % g.PMD_SIZE);
  const lo = addr - slot;
  const hi = end - slot;
  const ptes = mm.ptes;
  const { words, base } = ptes.presentWords(pte);
  const planes = ptes.planeWords(pte);
  let cleared = 0;
  let zero = 0;
  for (let w = lo >>> 5; w < (hi + 31) >>> 5; w++) {
    const old = words[base + w];
    if (old === 0) continue;
    const mask = wordMask(Math.max(lo - w * 32, 0), Math.min(hi - w * 32, 32));
    const hit = old & mask;
    if (hit === 0) continue;
    cleared += popcount32(hit);
    words[base + w] = (old & ~mask) >>> 0;
    if (planes) {
      const z = planes.base + w;
      zero += popcount32(planes.words[z] & mask);
      planes.words[z] = planes.words[z] & ~mask;
      planes.words[z + ptes.words] = planes.words[z + ptes.words] & ~mask;
    }
  }
  ptes.addCount(pte, -cleared);
  mm.rss_anon -= cleared - zero;
  if (cleared !== 0) folio_remove_pages(mm, addr, lo, hi);
  const empty = ptes.count(pte) === 0;
  if (empty && mm.policy.freeAfterZap({ mm, start: addr, end, details, empty })) {
    free_pte(mm, pmd, idx);
  }
}

/** Unlinks and frees the PTE table under PMD entry `idx` (PT_RECLAIM's `free_pte`, RECL-4 step 8). */
export function free_pte(mm: MmStruct, pmd: number, idx: number): void {
  const pmdPool = mm.dirs[mm.dirs.length - 1];
  const pte = pmdPool.get(pmd, idx);
  pmdPool.set(pmd, idx, 0);
  mm.ptes.free(pte);
  mm_dec_nr_ptes(mm);
}

/**
 * `zap_pmd_range` over [addr, end): a huge PMD is zapped whole when the per-slot range is the
 * whole slot, else split first (THP-3, RECL-8); none entries are skipped.
 */
export function unmap_page_range(
  mm: MmStruct,
  addr: number,
  end: number,
  details: ZapDetails | null,
): void {
  const g = mm.geometry;
  const pmdPool = mm.dirs[mm.dirs.length - 1];
  walk_pmd_entries(mm, addr, end, (pmd, idx, a, next) => {
    const entry = pmdPool.get(pmd, idx);
    if (entry < 0) {
      if (next - a === g.PMD_SIZE) {
        zap_huge_pmd(mm, pmd, idx, a);
        return;
      }
      __split_huge_pmd(mm, pmd, idx);
    }
    zap_pte_range(mm, pmd, idx, a, next, details);
  });
}

/** `unmap_single_vma`: zaps [start, end) clipped to the VMA. */
export function unmap_single_vma(
  mm: MmStruct,
  vma: VmAreaStruct,
  start: number,
  end: number,
  details: ZapDetails | null,
): void {
  const s = Math.max(start, vma.vm_start);
  const e = Math.min(end, vma.vm_end);
  if (s >= e) return;
  unmap_page_range(mm, s, e, details);
}

/** `unmap_vmas`: zaps every VMA of `vmas` over [start, end), without reclaim_pt (FREE-1). */
export function unmap_vmas(
  mm: MmStruct,
  vmas: readonly VmAreaStruct[],
  start: number,
  end: number,
): void {
  for (const vma of vmas) unmap_single_vma(mm, vma, start, end, null);
}
