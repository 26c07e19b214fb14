// Zapping user pages: unmap_vmas -> unmap_single_vma -> unmap_page_range -> zap_pmd_range ->
// zap_pte_range, with the policy hook where PT_RECLAIM sits (RECL-3/4) and full-slot THP zaps
// (THP-3). Mirrors the zap half of mm/memory.c (see docs/kernel-version.md).

import {
  DIR_CHUNK_SHIFT,
  INLINE_ANON,
  INLINE_EMPTY,
  INLINE_NONE,
  PTE_CHUNK_MASK,
  PTE_CHUNK_SHIFT,
  inlineEntry,
  inlineIndex,
  inlineKind,
  popcount32,
  wordMask,
} from './pgtable-pool.js';
import type { MmStruct, VmAreaStruct, ZapDetails } from './mm_types.js';
import { PMD_HUGE_SHMEM } from './mm_types.js';
import { __split_huge_pmd, zap_huge_pmd } from './huge_memory.js';
import { zap_huge_pmd_shmem } from './filemap-thp.js';
import { mm_dec_nr_ptes, mm_sub_nr_ptes, slot_bits_forget } from './pgtable.js';
import { folio_remove_pages } from './folio.js';
import { zap_file_rss } from './filemap.js';

/**
 * Calls `fn(pmd, idx, addr, next)` for every non-none PMD entry over [addr, end), walking the
 * upper levels and skipping none entries at every level (the shape of every `*_range` walker).
 * Each table is scanned only between its first and last entry that may be non-none.
 */
export function walk_pmd_entries(
  mm: MmStruct,
  addr: number,
  end: number,
  fn: (pmd: number, idx: number, addr: number, next: number) => void,
): void {
  const pool = mm.dirs[mm.dirs.length - 1];
  const span = mm.geometry.PMD_SIZE;
  walk_pmd_tables(mm, addr, end, (pmd, a, e) => {
    const tableStart = a - (a % (span * pool.entries));
    const chunk = pool.chunks[pmd >>> DIR_CHUNK_SHIFT];
    const rowBase = (pmd & ((1 << DIR_CHUNK_SHIFT) - 1)) * pool.entries;
    const i0 = Math.floor((a - tableStart) / span);
    const i1 = Math.ceil((e - tableStart) / span);
    for (let idx = i0; idx < i1; idx++) {
      if (chunk[rowBase + idx] === 0) continue;
      const slot = tableStart + idx * span;
      fn(pmd, idx, Math.max(slot, a), Math.min(slot + span, e));
    }
  });
}

/**
 * Calls `fn(pmd, addr, end)` for every PMD table over [addr, end), with the range clipped to the
 * table and to its entries that may be non-none (none entries of upper levels are skipped).
 */
export function walk_pmd_tables(
  mm: MmStruct,
  addr: number,
  end: number,
  fn: (pmd: number, addr: number, end: number) => void,
): void {
  walkLevel(mm, 0, mm.pgd, addr, end, fn);
}

function walkLevel(
  mm: MmStruct,
  k: number,
  table: number,
  addr: number,
  end: number,
  fn: (pmd: number, addr: number, end: number) => void,
): void {
  const pool = mm.dirs[k];
  const span = mm.dirSpan[k];
  const tableStart = addr - (addr % (span * pool.entries));
  // Entries outside [first, end) of the table are none: clip the range to them.
  addr = Math.max(addr, tableStart + pool.first(table) * span);
  end = Math.min(end, tableStart + pool.end(table) * span);
  if (addr >= end) return;
  if (k === mm.dirs.length - 1) {
    fn(table, addr, end);
    return;
  }
  const chunk = pool.chunks[table >>> DIR_CHUNK_SHIFT];
  const rowBase = (table & ((1 << DIR_CHUNK_SHIFT) - 1)) * pool.entries;
  const i0 = Math.floor((addr - tableStart) / span);
  const i1 = Math.ceil((end - tableStart) / span);
  for (let idx = i0; idx < i1; idx++) {
    const entry = chunk[rowBase + idx];
    if (entry === 0) continue;
    const slot = tableStart + idx * span;
    walkLevel(mm, k + 1, entry, Math.max(slot, addr), Math.min(slot + span, end), fn);
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
  // Guard markers stay unless the zap drops them (munmap, exit).
  const keep =
    mm.guardPages.size !== 0 && !details?.drop_markers
      ? mm.guardPages.get(Math.floor(addr / PMD_SIZE))
      : undefined;
  if (lo === 0 && hi === ptes.entries && keep === undefined) {
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
      let mask =
        from <= 0 && to >= 32 ? 0xffffffff : wordMask(from < 0 ? 0 : from, to > 32 ? 32 : to);
      if (keep !== undefined) mask = (mask & ~keep[w]) >>> 0;
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
  walk_pmd_tables(mm, addr, end, (pmd, a, e) => zap_pmd_range(mm, pmd, a, e, details));
}

/**
 * `zap_pmd_range` within PMD table `pmd` over [addr, end). Inline PTE tables zapped whole are
 * done in the loop, their counters summed and applied once per table.
 */
function zap_pmd_range(
  mm: MmStruct,
  pmd: number,
  addr: number,
  end: number,
  details: ZapDetails | null,
): void {
  const PMD_SIZE = mm.geometry.PMD_SIZE;
  const pool = mm.dirs[mm.dirs.length - 1];
  const policy = mm.policy;
  const c = pmd >>> DIR_CHUNK_SHIFT;
  const local = pmd & ((1 << DIR_CHUNK_SHIFT) - 1);
  const row = pool.chunks[c];
  const rowBase = local * pool.entries;
  const tableStart = addr - (addr % (PMD_SIZE * pool.entries));
  const i0 = Math.floor((addr - tableStart) / PMD_SIZE);
  const i1 = Math.ceil((end - tableStart) / PMD_SIZE);
  const emptyCode = inlineEntry(0, INLINE_EMPTY);
  const count = pool.counts[c][local];
  const uniform = pool.uniform[c][local];
  const lo = pool.lo[c][local];
  const hi = pool.hi[c][local];
  const whole = addr <= tableStart + lo * PMD_SIZE && end >= tableStart + hi * PMD_SIZE;
  if (count !== 0 && uniform !== 0 && whole) {
    zap_uniform_pmd(mm, pmd, tableStart + lo * PMD_SIZE, details);
    return;
  }
  let freed = 0;
  let freedEmpty = 0;
  let emptied = 0;
  let anon = 0;
  for (let idx = i0; idx < i1; idx++) {
    const entry = row[rowBase + idx];
    if (entry === 0) continue;
    const slot = tableStart + idx * PMD_SIZE;
    const a = slot < addr ? addr : slot;
    const next = slot + PMD_SIZE > end ? end : slot + PMD_SIZE;
    if (entry <= INLINE_NONE) {
      if (next - a !== PMD_SIZE) {
        zap_inline_pte(mm, pmd, idx, entry, a, next, details);
        continue;
      }
      const kind = inlineKind(entry);
      if (kind === INLINE_ANON) anon++;
      if (policy.freeAfterZap(mm, a, next, details)) {
        row[rowBase + idx] = 0;
        freed++;
        if (kind === INLINE_EMPTY) freedEmpty++;
      } else if (kind !== INLINE_EMPTY) {
        row[rowBase + idx] = emptyCode;
        emptied++;
      }
      continue;
    }
    if (entry === PMD_HUGE_SHMEM) {
      zap_huge_pmd_shmem(mm, pmd, idx);
      continue;
    }
    if (entry < 0) {
      if (next - a === PMD_SIZE) {
        zap_huge_pmd(mm, pmd, idx, a);
        continue;
      }
      __split_huge_pmd(mm, pmd, idx);
    }
    zap_pte_range(mm, pmd, idx, a, next, details);
  }
  mm.rss_anon -= anon;
  if (emptied !== 0) pool.uniform[c][local] = 0;
  const ptes = mm.ptes;
  ptes.empty += emptied - freedEmpty;
  ptes.live -= freed;
  ptes.inline -= freed;
  if (freed !== 0) {
    pool.addCount(pmd, -freed);
    mm_sub_nr_ptes(mm, freed);
  }
}

/**
 * Zaps every entry of PMD table `pmd`, all equal inline tables (`DirPool.uniform`), each over its
 * whole slot: counters in one step. The policy is asked once, for the slot at `slot`: for
 * whole-slot zaps its answer depends only on the range length and `details` (FreePolicy).
 */
function zap_uniform_pmd(
  mm: MmStruct,
  pmd: number,
  slot: number,
  details: ZapDetails | null,
): void {
  const pool = mm.dirs[mm.dirs.length - 1];
  const ptes = mm.ptes;
  const c = pmd >>> DIR_CHUNK_SHIFT;
  const local = pmd & ((1 << DIR_CHUNK_SHIFT) - 1);
  const row = pool.chunks[c];
  const rowBase = local * pool.entries;
  const count = pool.counts[c][local];
  const uniform = pool.uniform[c][local];
  const lo = pool.lo[c][local];
  const hi = pool.hi[c][local];
  const kind = inlineKind(uniform);
  if (kind === INLINE_ANON) mm.rss_anon -= count;
  if (mm.policy.freeAfterZap(mm, slot, slot + mm.geometry.PMD_SIZE, details)) {
    row.fill(0, rowBase + lo, rowBase + hi);
    ptes.live -= count;
    ptes.inline -= count;
    if (kind === INLINE_EMPTY) ptes.empty -= count;
    pool.addCount(pmd, -count);
    mm_sub_nr_ptes(mm, count);
    return;
  }
  if (kind === INLINE_EMPTY) return;
  const emptyCode = inlineEntry(0, INLINE_EMPTY);
  if (count === hi - lo) {
    row.fill(emptyCode, rowBase + lo, rowBase + hi);
  } else {
    for (let i = rowBase + lo; i < rowBase + hi; i++) if (row[i] !== 0) row[i] = emptyCode;
  }
  pool.uniform[c][local] = emptyCode;
  ptes.empty += count;
}

/** `zap_pte_range` of an inline PTE table (raw PMD entry `raw`): the same rules, no bitmap. */
function zap_inline_pte(
  mm: MmStruct,
  pmd: number,
  idx: number,
  raw: number,
  addr: number,
  end: number,
  details: ZapDetails | null,
): void {
  const lo = addr % mm.geometry.PMD_SIZE;
  const kind = inlineKind(raw);
  const page = inlineIndex(raw);
  if (kind !== INLINE_EMPTY) {
    // The table keeps its page when the zap misses it (zap_pte_range returns early then).
    if (page < lo || page >= lo + (end - addr)) return;
    if (kind === INLINE_ANON) mm.rss_anon--;
    mm.ptes.rekindInline(kind, INLINE_EMPTY);
  }
  const pmdPool = mm.dirs[mm.dirs.length - 1];
  if (mm.policy.freeAfterZap(mm, addr, end, details)) {
    pmdPool.set(pmd, idx, 0);
    mm.ptes.dropInline(INLINE_EMPTY);
    mm_dec_nr_ptes(mm);
  } else if (kind !== INLINE_EMPTY) {
    pmdPool.set(pmd, idx, inlineEntry(0, INLINE_EMPTY));
  }
}

/** Forgets the guard markers of [start, end) (pages); the zap that follows clears the entries. */
export function guard_forget(mm: MmStruct, start: number, end: number): void {
  slot_bits_forget(mm, mm.guardPages, start, end);
}

/** The details of `unmap_vmas`: no table reclaim, guard markers dropped. */
const UNMAP_DETAILS: ZapDetails = { reclaim_pt: false, drop_markers: true };

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
  if (vma.vm_file) zap_file_rss(mm, vma, s, e);
  if (details?.drop_markers && mm.guardPages.size !== 0) guard_forget(mm, s, e);
  // The zapped pages' folios (mlocked or not) are gone from here.
  if (mm.mlocked.size !== 0) slot_bits_forget(mm, mm.mlocked, s, e);
  unmap_page_range(mm, s, e, details);
}

/** `unmap_vmas`: zaps every VMA of `vmas` over [start, end), without reclaim_pt (FREE-1). */
export function unmap_vmas(
  mm: MmStruct,
  vmas: readonly VmAreaStruct[],
  start: number,
  end: number,
): void {
  for (const vma of vmas) unmap_single_vma(mm, vma, start, end, UNMAP_DETAILS);
}
