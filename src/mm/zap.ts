// Zapping user pages: unmap_vmas -> unmap_single_vma -> unmap_page_range -> zap_pmd_range ->
// zap_pte_range, with the policy hook where PT_RECLAIM sits (RECL-3/4) and full-slot THP zaps
// (THP-3). Mirrors the zap half of mm/memory.c (see docs/kernel-version.md).

import { addr_end } from '../arch/index.js';
import {
  DIR_CHUNK_SHIFT,
  PTE_CHUNK_MASK,
  PTE_CHUNK_SHIFT,
  popcount32,
  wordMask,
} from './pgtable-pool.js';
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
  const PMD_SIZE = mm.geometry.PMD_SIZE;
  const pte = mm.dirs[mm.dirs.length - 1].get(pmd, idx);
  const lo = addr % PMD_SIZE;
  const hi = lo + (end - addr);
  const ptes = mm.ptes;
  const words = ptes.present[pte >>> PTE_CHUNK_SHIFT];
  const base = (pte & PTE_CHUNK_MASK) * ptes.words;
  const plane = ptes.planeOf(pte);
  const pw = plane === 0 ? null : ptes.planeChunk(plane - 1);
  const pb = plane === 0 ? 0 : ptes.planeBase(plane - 1);
  let cleared = 0;
  let zero = 0;
  const wEnd = (hi + 31) >>> 5;
  if (lo === 0 && hi === ptes.entries) {
    // The whole table: everything present goes, no need to look at the bitmap word by word.
    cleared = ptes.count(pte);
    words.fill(0, base, base + ptes.words);
    if (pw) {
      for (let w = 0; w < ptes.words; w++) zero += popcount32(pw[pb + w]);
      pw.fill(0, pb, pb + 2 * ptes.words);
    }
  } else {
    for (let w = lo >>> 5; w < wEnd; w++) {
      const old = words[base + w];
      if (old === 0) continue;
      const from = lo - w * 32;
      const to = hi - w * 32;
      const mask =
        from <= 0 && to >= 32 ? 0xffffffff : wordMask(from < 0 ? 0 : from, to > 32 ? 32 : to);
      const hit = old & mask;
      if (hit === 0) continue;
      cleared += popcount32(hit);
      words[base + w] = (old & ~mask) >>> 0;
      if (pw) {
        zero += popcount32(pw[pb + w] & mask);
        pw[pb + w] = pw[pb + w] & ~mask;
        pw[pb + ptes.words + w] = pw[pb + ptes.words + w] & ~mask;
      }
    }
  }
  if (cleared === 0 && ptes.count(pte) !== 0) return;
  ptes.addCount(pte, -cleared);
  mm.rss_anon -= cleared - zero;
  if (cleared !== 0 && mm.folios.size !== 0) folio_remove_pages(mm, addr, lo, hi);
  if (ptes.count(pte) === 0 && mm.policy.freeAfterZap(mm, addr, end, details)) {
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
