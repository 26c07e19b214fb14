// Reclaim without swap: clean lazy-free pages (MADV_FREE'd, not written since) are discarded
// (the PTE becomes none), swap-backed anon pages stay; a lazy-free large folio goes or stays as
// one batch; MADV_COLD/PAGEOUT split THP folios they do not cover whole, and PAGEOUT splits
// swap-backed THPs it cannot swap out; memory-cgroup reclaim (`pressure`) also runs the
// deferred-split shrinker. Mirrors madvise_cold_or_pageout_pte_range (mm/madvise.c), the lazy-free
// part of shrink_folio_list / try_to_unmap_one (mm/vmscan.c, mm/rmap.c) and deferred_split_scan
// (mm/huge_memory.c) (see docs/kernel-version.md).

import { INLINE_NONE, popcount32, wordMask } from './pgtable-pool.js';
import type { MmStruct } from './mm_types.js';
import {
  PMD_HUGE_ANON,
  PMD_HUGE_LAZY,
  PMD_HUGE_SHMEM,
  PMD_HUGE_ZERO,
  VM_LOCKED,
} from './mm_types.js';
import { __split_huge_pmd } from './huge_memory.js';
import { pmd_lookup } from './pgtable.js';
import {
  folio_fully_covered,
  folio_in_range,
  folio_remove_pages,
  folio_shared,
  records_of,
  type LargeFolio,
} from './folio.js';
import {
  folio_mlocked,
  or_subpages,
  slot_pte,
  split_folio,
  split_folio_record,
} from './folio-split.js';
import { vma_pgoff } from './vma.js';
import { free_pte, walk_pmd_entries } from './zap.js';
import {
  cow_pageout_keep,
  cow_reclaim_begin,
  cow_reclaim_end,
  cow_reclaim_keep,
  type CowCache,
} from './cow-share.js';

/** What a reclaim walk does: `pressure` only discards; the madvise advices also split folios. */
export type ReclaimMode = 'pressure' | 'pageout' | 'cold';

/**
 * Reclaims [start, end) (pages) in `mode`. A clean lazy-free PMD-mapped THP is not discarded
 * whole: reclaim splits its PMD (the deposit becomes a live PTE table) and discards the pages
 * through the PTEs, leaving the table empty (issue #7 a). Tables stay unless the policy frees
 * emptied ones (the refcount design does).
 */
export function reclaim_range(mm: MmStruct, start: number, end: number, mode: ReclaimMode): void {
  const g = mm.geometry;
  const pmdPool = mm.dirs[mm.dirs.length - 1];
  const cow: CowCache = {};
  walk_pmd_entries(mm, start, end, (pmd, idx, addr, next) => {
    // An inline table has no lazy-free page and no large folio: nothing to reclaim.
    if (pmdPool.raw(pmd, idx) <= INLINE_NONE) return;
    const entry = pmdPool.get(pmd, idx);
    const slot = addr - (addr % g.PMD_SIZE);
    const lo = addr - slot;
    const hi = next - slot;
    const full = next - addr === g.PMD_SIZE;
    // MADV_COLD/PAGEOUT leave a large folio another process maps alone ("do not interfere with
    // other mappings of this folio"), PMD-mapped or not.
    if (mode !== 'pressure' && folio_shared(mm, addr)) return;
    // A PMD-mapped shmem folio is swap-backed: without swap reclaim keeps it.
    if (entry === PMD_HUGE_SHMEM) return;
    if (entry < 0) {
      if (entry === PMD_HUGE_ZERO) return;
      if (full) {
        if (mode === 'cold') return;
        if (entry === PMD_HUGE_ANON) {
          // An mlocked folio (mlocked.ts) is unevictable: PAGEOUT puts it back untouched.
          if (mode === 'pageout' && !mm.folios.get(addr / g.PMD_SIZE)?.share.mlocked) {
            split_folio(mm, addr, __split_huge_pmd(mm, pmd, idx));
          }
          return;
        }
        __split_huge_pmd(mm, pmd, idx);
      } else {
        if (mode === 'pressure' && entry !== PMD_HUGE_LAZY) return;
        split_folio(mm, addr, __split_huge_pmd(mm, pmd, idx));
      }
    } else if (mode !== 'pressure' && folio_in_range(mm, addr, lo, hi)) {
      const whole = folio_fully_covered(mm, addr, lo, hi);
      if (!whole) split_folio(mm, addr, entry, { lo, hi, whole: false });
      else if (
        mode === 'pageout' &&
        !folio_any_lazy(mm, addr, entry) &&
        !mm.folios.get(addr / g.PMD_SIZE)?.share.mlocked
      ) {
        split_folio(mm, addr, entry);
      }
    }
    if (mode === 'cold') return;
    // Small folios another process maps: PAGEOUT leaves them, reclaim walks them (cow-share.ts).
    const slotNo = slot / g.PMD_SIZE;
    const keep =
      mode === 'pageout' ? cow_pageout_keep(mm, slotNo, lo, hi, cow) : cow_reclaim_keep(mm, slotNo);
    discard_lazy(mm, pmd, idx, addr, lo, hi, keep);
  });
}

/** Whether the large folio of the slot of `addr` (PTE table `pte`) was MADV_FREE'd. */
function folio_any_lazy(mm: MmStruct, addr: number, pte: number): boolean {
  const f = mm.folios.get(Math.floor(addr / mm.geometry.PMD_SIZE));
  const planes = mm.ptes.planeWords(pte);
  if (!f || !planes) return false;
  for (let w = 0; w < mm.ptes.words; w++) {
    if (f.member[w] & planes.words[planes.base + mm.ptes.words + w]) return true;
  }
  return false;
}

/**
 * Reclaim's unmap of the lazy-free large folio of record `f` (slot `slot`), 6.16+:
 * `try_to_unmap_one` visits its pages in rmap order (VMAs by `vm_pgoff`, which mremap keeps, then
 * addresses) one batch at a time, a batch being a run of pages contiguous in one PTE table and one
 * VMA (`folio_unmap_pte_batch`). Clean batches are discarded; the first batch with a page written
 * again since MADV_FREE stops the walk: it and every later page are kept, and the folio is
 * swap-backed from then on (none of its pages stays lazy-free; issue #7 c, and a folio an mremap
 * moved or split). Here only the kept pages lose their lazy-free bit; the caller discards the rest.
 */
function folio_unmap_batches(mm: MmStruct, slot: number, f: LargeFolio): void {
  const PMD_SIZE = mm.geometry.PMD_SIZE;
  const ptes = mm.ptes;
  const pages: { key: number; addr: number; dirty: boolean; vma: number }[] = [];
  let lazy = false;
  let dirty = false;
  for (const [s, rec] of records_of(mm, slot, f)) {
    const pte = slot_pte(mm, s);
    if (pte === 0) continue;
    const planes = ptes.planeWords(pte);
    const start = s * PMD_SIZE;
    for (const vma of mm.mmap.range(start, start + PMD_SIZE)) {
      const lo = Math.max(vma.vm_start, start) - start;
      const hi = Math.min(vma.vm_end, start + PMD_SIZE) - start;
      for (let i = lo; i < hi; i++) {
        if (((rec.member[i >>> 5] >>> (i & 31)) & 1) === 0) continue;
        const clean = planes
          ? (planes.words[planes.base + ptes.words + (i >>> 5)] >>> (i & 31)) & 1
          : 0;
        if (clean) lazy = true;
        else dirty = true;
        const addr = start + i;
        pages.push({ key: vma_pgoff(vma), addr, dirty: !clean, vma: vma.vm_start });
      }
    }
  }
  if (!lazy || !dirty) return;
  pages.sort((a, b) => a.key - b.key || a.addr - b.addr);
  let runStart = 0;
  let stop = -1;
  for (let k = 0; k < pages.length; k++) {
    const p = pages[k];
    const q = k > 0 ? pages[k - 1] : undefined;
    if (!q || p.addr !== q.addr + 1 || p.vma !== q.vma || p.addr % PMD_SIZE === 0) runStart = k;
    if (p.dirty) {
      stop = runStart;
      break;
    }
  }
  if (stop < 0) return;
  const keep = pages.slice(stop);
  for (const [s, rec] of records_of(mm, slot, f)) {
    const pte = slot_pte(mm, s);
    const planes = pte === 0 ? null : ptes.planeWords(pte);
    if (!planes) continue;
    for (const p of keep) {
      if (Math.floor(p.addr / PMD_SIZE) !== s) continue;
      const i = p.addr - s * PMD_SIZE;
      if (((rec.member[i >>> 5] >>> (i & 31)) & 1) === 0) continue;
      const l = planes.base + ptes.words + (i >>> 5);
      planes.words[l] = (planes.words[l] & ~(1 << (i & 31))) >>> 0;
    }
  }
}

/** Discards the clean lazy-free pages [lo, hi) of the PTE table under PMD entry `idx`. */
function discard_lazy(
  mm: MmStruct,
  pmd: number,
  idx: number,
  addr: number,
  lo: number,
  hi: number,
  keep: Uint32Array | null,
): void {
  const pte = mm.dirs[mm.dirs.length - 1].get(pmd, idx);
  const ptes = mm.ptes;
  const planes = ptes.planeWords(pte);
  if (!planes) return;
  if (mm.folios.size !== 0) {
    const slot = Math.floor(addr / mm.geometry.PMD_SIZE);
    const heads: LargeFolio[] = [];
    for (let f = mm.folios.get(slot); f; f = f.next) heads.push(f);
    for (const f of heads) folio_unmap_batches(mm, slot, f);
  }
  const { words, base } = ptes.presentWords(pte);
  let discarded = 0;
  for (let w = lo >>> 5; w < (hi + 31) >>> 5; w++) {
    const l = planes.base + ptes.words + w;
    const lazy =
      planes.words[l] &
      wordMask(Math.max(lo - w * 32, 0), Math.min(hi - w * 32, 32)) &
      ~(keep ? keep[w] : 0);
    if (lazy === 0) continue;
    discarded += popcount32(lazy);
    planes.words[l] = planes.words[l] & ~lazy;
    words[base + w] = words[base + w] & ~lazy;
  }
  if (discarded === 0) return;
  ptes.addCount(pte, -discarded);
  mm.rss_anon -= discarded;
  folio_remove_pages(mm, addr, lo, hi);
  const empty = ptes.count(pte) === 0;
  if (empty && mm.policy.freeAfterReclaim(mm)) free_pte(mm, pmd, idx);
}

/**
 * `deferred_split_scan` over every process of a fork family: splits each partially mapped large
 * folio (some subpage mapped by no process while others are, and no process maps it by PMD),
 * in every process mapping it, mapping never-written subpages to the zero page. Returns whether
 * it split any. A fully mapped THP is split too (PMDs first) when more than `max_ptes_none` of
 * its subpages are zero-filled (`thp_underused`, off at the default 511).
 */
function deferred_split_scan(mms: readonly MmStruct[]): boolean {
  // Per folio (its `share` object): the union of the subpages the processes map through PTEs
  // (in subpage numbers: a record's page i is subpage i - shift), whether one maps it by PMD,
  // and every record of it with its PTE table.
  const folios = new Map<
    object,
    {
      mapped: Uint32Array;
      written: Uint32Array;
      pmd: boolean;
      mm: MmStruct;
      where: [MmStruct, number, LargeFolio][];
      huge: [MmStruct, number, number, number, LargeFolio][];
    }
  >();
  for (const mm of mms) {
    const g = mm.geometry;
    const pmdPool = mm.dirs[mm.dirs.length - 1];
    for (const [slot, head] of mm.folios) {
      const addr = slot * g.PMD_SIZE;
      const pmd = pmd_lookup(mm, addr);
      const entry = pmd === 0 ? 0 : pmdPool.get(pmd, slot % g.PTRS_PER_PMD);
      for (let f: LargeFolio | undefined = head; f; f = f.next) {
        let info = folios.get(f.share);
        if (!info) {
          const words = f.member.length;
          info = {
            mapped: new Uint32Array(words),
            written: new Uint32Array(words),
            pmd: false,
            mm,
            where: [],
            huge: [],
          };
          folios.set(f.share, info);
        }
        const written = new Uint32Array(f.member.length);
        for (let w = 0; w < f.member.length; w++) written[w] = f.member[w] & f.written[w];
        or_subpages(info.written, written, f.shift);
        if (entry < 0) info.pmd = true;
        if (entry === PMD_HUGE_ANON) info.huge.push([mm, pmd, slot % g.PTRS_PER_PMD, slot, f]);
        if (entry <= 0) continue;
        or_subpages(info.mapped, f.member, f.shift);
        info.where.push([mm, slot, f]);
      }
    }
  }
  let split = false;
  for (const info of folios.values()) {
    const whole = info.pmd || info.mapped.every((m) => m === 0xffffffff);
    if (info.where.length + info.huge.length === 0) continue;
    if (whole && !thp_underused(info.mm, info.written)) continue;
    for (const [mm, pmd, idx, slot, f] of info.huge) {
      if (mm.dirs[mm.dirs.length - 1].get(pmd, idx) !== PMD_HUGE_ANON) continue;
      __split_huge_pmd(mm, pmd, idx);
      info.where.push([mm, slot, f]);
    }
    // Whether the folio is mlocked is decided before any process's record of it goes.
    const [mm0, , f0] = info.where[0];
    const mlocked = folio_mlocked(mm0, f0);
    const keep = mlocked_on_remap(info.where);
    info.where.forEach(([mm, slot, f], k) => {
      split_folio_record(mm, slot, f, slot_pte(mm, slot), mlocked, keep[k]);
    });
    split = true;
  }
  return split;
}

/**
 * Which pages of each record keep their subpage although never written, because the split's
 * remap mlocked it first: `remove_migration_ptes` walks a subpage's mappings in rmap order (by
 * the VMA's `vm_pgoff` start, then `avc_seq`), and restoring it into a VM_LOCKED VMA mlocks the
 * new small folio (`mlock_vma_folio`), so every mapping walked after that one keeps it
 * (`try_to_map_unused_to_zeropage` refuses mlocked folios); mappings walked before it were
 * already given the zero page (docs/fidelity.md F3).
 */
function mlocked_on_remap(
  where: readonly [MmStruct, number, LargeFolio][],
): (Uint32Array | null)[] {
  type Key = [number, number];
  const before = (a: Key, b: Key): boolean => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
  const n = where.length === 0 ? 0 : where[0][0].ptes.entries;
  const first: (Key | null)[] = new Array<Key | null>(n).fill(null);
  const keys: Map<number, Key>[] = where.map(([mm, slot, f]) => {
    const out = new Map<number, Key>();
    const start = slot * mm.geometry.PMD_SIZE;
    for (const vma of mm.mmap.range(start, start + mm.geometry.PMD_SIZE)) {
      const key: Key = [vma_pgoff(vma), vma.avc_seq ?? 0];
      const lo = Math.max(vma.vm_start, start) - start;
      const hi = Math.min(vma.vm_end, start + mm.geometry.PMD_SIZE) - start;
      for (let i = lo; i < hi; i++) {
        if (((f.member[i >>> 5] >>> (i & 31)) & 1) === 0) continue;
        out.set(i, key);
        const j = i - f.shift;
        if (vma.vm_flags & VM_LOCKED && j >= 0 && j < n) {
          const cur = first[j];
          if (cur === null || before(key, cur)) first[j] = key;
        }
      }
    }
    return out;
  });
  return where.map(([, , f], k) => {
    let bits: Uint32Array | null = null;
    for (const [i, key] of keys[k]) {
      const lock = first[i - f.shift];
      if (!lock || !before(lock, key)) continue;
      bits ??= new Uint32Array(f.member.length);
      bits[i >>> 5] = (bits[i >>> 5] | (1 << (i & 31))) >>> 0;
    }
    return bits;
  });
}

/** `thp_underused`: more than `max_ptes_none` subpages of a whole folio are zero-filled. */
function thp_underused(mm: MmStruct, written: Uint32Array): boolean {
  if (mm.max_ptes_none >= mm.geometry.PTRS_PER_PTE - 1) return false;
  let zero = 0;
  for (let w = 0; w < written.length; w++) zero += popcount32(~written[w] >>> 0);
  return zero > mm.max_ptes_none;
}

/**
 * The `pressure` op: reclaim of the memory cgroup holding `procs` (one mm, or every process of
 * the workload),
 * without swap. Every clean lazy-free page is discarded, then the deferred-split shrinker splits
 * partially mapped THPs, whose lazy-free pages the next pass discards (issue #7 f).
 */
export function shrink_lazyfree(procs: MmStruct | readonly MmStruct[]): void {
  const mms = 'geometry' in procs ? [procs] : procs;
  cow_reclaim_begin(mms);
  for (const mm of mms) reclaim_unlocked(mm);
  cow_reclaim_end(mms);
  if (!deferred_split_scan(mms)) return;
  cow_reclaim_begin(mms);
  for (const mm of mms) reclaim_unlocked(mm);
  cow_reclaim_end(mms);
}

/** One reclaim pass over every VMA; pages of VM_LOCKED VMAs are unevictable, never seen. */
function reclaim_unlocked(mm: MmStruct): void {
  for (const vma of [...mm.mmap.vmas]) {
    if (vma.vm_flags & VM_LOCKED) continue;
    reclaim_range(mm, vma.vm_start, vma.vm_end, 'pressure');
  }
}
