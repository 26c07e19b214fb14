// Guard regions (MADV_GUARD_INSTALL / MADV_GUARD_REMOVE): marker entries that fault with SIGSEGV,
// count no RSS, are kept by MADV_DONTNEED and keep their PTE table from PT_RECLAIM (MADV-5,
// RECL-5); munmap and exit drop them. A marker is a present entry of the zero-page plane plus a
// bit in `mm.guardPages`. Mirrors madvise_guard_install / madvise_guard_remove (mm/madvise.c)
// (see docs/kernel-version.md).

import type { Errno } from '../util/errors.js';
import type { MmStruct, VmAreaStruct } from './mm_types.js';
import { VM_LOCKED } from './mm_types.js';
import { pmd_lookup, pte_alloc, pte_set_marked, slot_bits } from './pgtable.js';
import { anon_vma_prepare } from './rmap.js';
import { guard_forget, unmap_single_vma } from './zap.js';

/** The guard bitmap of the PMD slot of page `p`, created on demand. */
function guardBits(mm: MmStruct, p: number, create: boolean): Uint32Array | undefined {
  return slot_bits(mm, mm.guardPages, p, create);
}

/** Whether page `p` holds a guard marker. */
export function is_guard_page(mm: MmStruct, p: number): boolean {
  if (mm.guardPages.size === 0) return false;
  const bits = guardBits(mm, p, false);
  const i = p % mm.geometry.PMD_SIZE;
  return bits !== undefined && ((bits[i >>> 5] >>> (i & 31)) & 1) !== 0;
}

/** The first page of [start, end) holding a guard marker, or -1. */
export function first_guard(mm: MmStruct, start: number, end: number): number {
  if (mm.guardPages.size === 0) return -1;
  const PMD_SIZE = mm.geometry.PMD_SIZE;
  for (let slot = Math.floor(start / PMD_SIZE); slot * PMD_SIZE < end; slot++) {
    const bits = mm.guardPages.get(slot);
    if (!bits) continue;
    const lo = Math.max(start - slot * PMD_SIZE, 0);
    const hi = Math.min(end - slot * PMD_SIZE, PMD_SIZE);
    for (let i = lo; i < hi; i++) if ((bits[i >>> 5] >>> (i & 31)) & 1) return slot * PMD_SIZE + i;
  }
  return -1;
}

/** Whether [start, end) has a present entry that is not a guard marker (a page to zap first). */
function any_populated(mm: MmStruct, start: number, end: number): boolean {
  const g = mm.geometry;
  const pool = mm.dirs[mm.dirs.length - 1];
  for (let p = start; p < end;) {
    const slotEnd = Math.min(end, p - (p % g.PMD_SIZE) + g.PMD_SIZE);
    const pmd = pmd_lookup(mm, p);
    const entry = pmd === 0 ? 0 : pool.get(pmd, Math.floor(p / g.PMD_SIZE) % g.PTRS_PER_PMD);
    if (entry < 0) return true;
    if (entry > 0) {
      const { words, base } = mm.ptes.presentWords(entry);
      for (let q = p; q < slotEnd; q++) {
        const i = q % g.PMD_SIZE;
        if ((words[base + (i >>> 5)] >>> (i & 31)) & 1 && !is_guard_page(mm, q)) return true;
      }
    }
    p = slotEnd;
  }
  return false;
}

/**
 * `madvise_guard_install` over [start, end) of `vma`: EINVAL on a locked VMA. Gives the VMA an
 * anon_vma, zaps the range first if anything is mapped there (a plain zap: tables stay), then puts
 * a marker in every entry, allocating the tables it needs.
 */
export function madvise_guard_install(
  mm: MmStruct,
  vma: VmAreaStruct,
  start: number,
  end: number,
): Errno | null {
  if (vma.vm_flags & VM_LOCKED) return 'EINVAL';
  anon_vma_prepare(mm, vma);
  if (any_populated(mm, start, end)) unmap_single_vma(mm, vma, start, end, { reclaim_pt: false });
  for (let p = start; p < end; p++) {
    if (is_guard_page(mm, p)) continue;
    pte_set_marked(mm, pte_alloc(mm, p), p, guardBits(mm, p, true) as Uint32Array);
  }
  return null;
}

/** `madvise_guard_remove` over [start, end): clears the markers there; tables stay. */
export function madvise_guard_remove(mm: MmStruct, start: number, end: number): Errno | null {
  for (let p = first_guard(mm, start, end); p >= 0; p = first_guard(mm, p + 1, end)) {
    const pte = pte_alloc(mm, p);
    const i = p % mm.geometry.PMD_SIZE;
    const bit = 1 << (i & 31);
    const { words, base } = mm.ptes.presentWords(pte);
    words[base + (i >>> 5)] = (words[base + (i >>> 5)] & ~bit) >>> 0;
    mm.ptes.addCount(pte, -1);
    const planes = mm.ptes.ensurePlanes(pte);
    planes.words[planes.base + (i >>> 5)] = (planes.words[planes.base + (i >>> 5)] & ~bit) >>> 0;
    guard_forget(mm, p, p + 1);
  }
  return null;
}
