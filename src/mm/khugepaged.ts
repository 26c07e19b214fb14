// MADV_COLLAPSE on anonymous private memory: a synchronous collapse of each PMD slot of the range
// into a PMD-mapped THP, the old PTE table kept as the THP's deposit (THP-4, docs/sim-model.md).
// Mirrors madvise_collapse / hpage_collapse_scan_pmd / collapse_huge_page of mm/khugepaged.c
// (see docs/kernel-version.md).

import type { Errno } from '../util/errors.js';
import { popcount32 } from './pgtable-pool.js';
import type { MmStruct, VmAreaStruct } from './mm_types.js';
import { PMD_HUGE_ANON, VM_NOHUGEPAGE } from './mm_types.js';
import { pmd_lookup } from './pgtable.js';
import { first_guard } from './guard.js';
import { unwritten_bits } from './unwritten.js';
import { folio_drop } from './folio.js';

/** Outcome of one slot (the kernel's `enum scan_result`, reduced to what the model reaches). */
const enum Scan {
  /** Collapsed now, or already PMD-mapped (SCAN_SUCCEED, SCAN_PMD_MAPPED). */
  Succeed,
  /** No PMD table covers the slot (SCAN_PMD_NULL): the call goes on, and fails at the end. */
  PmdNull,
  /** Stops the call: an empty PMD entry (SCAN_PMD_NONE), a guard marker (SCAN_FAIL). */
  Abort,
}

/**
 * `thp_vma_allowable_order(..., TVA_FORCED_COLLAPSE, PMD_ORDER)` for an anonymous VMA: MADV_COLLAPSE
 * ignores the THP mode (it works under `never`) and `max_ptes_none`, but not VM_NOHUGEPAGE; the
 * VMA must have an anon_vma (outside faults and smaps an anonymous VMA without one is never
 * THP-eligible) and hold at least one whole aligned PMD slot.
 */
export function collapse_allowed(mm: MmStruct, vma: VmAreaStruct): boolean {
  if (vma.vm_flags & VM_NOHUGEPAGE || !vma.anon_vma) return false;
  const PMD_SIZE = mm.geometry.PMD_SIZE;
  if (vma.vm_end - vma.vm_start < PMD_SIZE) return false;
  const last = vma.vm_end - PMD_SIZE;
  return last - (last % PMD_SIZE) >= vma.vm_start;
}

/**
 * `madvise_collapse` over [start, end) (pages) of one anonymous private VMA: every whole PMD slot
 * of the range is collapsed in address order. EINVAL when the VMA cannot hold a THP, when a slot
 * stops the call (its PMD entry is none, a guard marker), or at the
 * end when a slot had no PMD table; a range without a whole slot succeeds doing nothing if it
 * starts or ends at a slot boundary, else it is EINVAL.
 */
export function madvise_collapse(
  mm: MmStruct,
  vma: VmAreaStruct,
  start: number,
  end: number,
): Errno | null {
  if (!collapse_allowed(mm, vma)) return 'EINVAL';
  const PMD_SIZE = mm.geometry.PMD_SIZE;
  const hstart = Math.ceil(start / PMD_SIZE) * PMD_SIZE;
  const hend = end - (end % PMD_SIZE);
  // A range inside one slot touching neither of its ends rounds to hstart > hend: the kernel's
  // unsigned slot count is then never met, so the call fails having done nothing.
  if (hstart > hend) return 'EINVAL';
  let failed = false;
  for (let addr = hstart; addr < hend; addr += PMD_SIZE) {
    const r = hpage_collapse_scan_pmd(mm, addr);
    if (r === Scan.Abort) return 'EINVAL';
    if (r === Scan.PmdNull) failed = true;
  }
  return failed ? 'EINVAL' : null;
}

/**
 * One slot: a huge PMD (THP, lazy-free THP or the huge zero page) is left as it is; a PTE table
 * is replaced by a fresh THP. None and zero-page entries become zero-filled subpages (+1 RSS
 * each, whatever `max_ptes_none` says: it binds khugepaged only), present pages are copied
 * (RSS unchanged), and the table, emptied, stays counted as the THP's deposit (VmPTE unchanged).
 * Page states that make the kernel answer EAGAIN (an extra reference, a page off the LRU) or
 * ENOMEM (no free 2 MiB block) do not exist in the model.
 */
function hpage_collapse_scan_pmd(mm: MmStruct, addr: number): Scan {
  const g = mm.geometry;
  const pmd = pmd_lookup(mm, addr);
  if (pmd === 0) return Scan.PmdNull;
  const pool = mm.dirs[mm.dirs.length - 1];
  const idx = Math.floor(addr / g.PMD_SIZE) % g.PTRS_PER_PMD;
  const pte = pool.get(pmd, idx);
  if (pte === 0) return Scan.Abort;
  if (pte < 0) return Scan.Succeed;
  // A guard marker is a swap-like entry: collapse_huge_page's swap-in of it fails.
  if (first_guard(mm, addr, addr + g.PMD_SIZE) >= 0) return Scan.Abort;
  const ptes = mm.ptes;
  const { words, base } = ptes.presentWords(pte);
  const planes = ptes.planeWords(pte);
  const slot = Math.floor(addr / g.PMD_SIZE);
  // Pages of the old large folios (more than one after an mremap) and which of them were written.
  const oldMember = new Uint32Array(ptes.words);
  const oldWritten = new Uint32Array(ptes.words);
  for (let f = mm.folios.get(slot); f; f = f.next) {
    for (let w = 0; w < ptes.words; w++) {
      oldMember[w] |= f.member[w];
      oldWritten[w] |= f.member[w] & f.written[w];
    }
  }
  const zero = unwritten_bits(mm, slot);
  const member = new Uint32Array(ptes.words).fill(0xffffffff);
  const written = new Uint32Array(ptes.words);
  let anon = 0;
  for (let w = 0; w < ptes.words; w++) {
    const present = words[base + w];
    const page = (present & ~(planes ? planes.words[planes.base + w] : 0)) >>> 0;
    anon += popcount32(page);
    // Copied content: a subpage of the old large folio is zero-filled unless it was written, a
    // small page unless GUP faulted it in and the program never wrote it.
    const folio = oldMember[w];
    const kept = oldWritten[w];
    const small = page & ~folio & ~(zero ? zero[w] : 0);
    written[w] = (small | (page & folio & kept)) >>> 0;
    words[base + w] = 0;
    if (planes) {
      planes.words[planes.base + w] = 0;
      planes.words[planes.base + ptes.words + w] = 0;
    }
  }
  ptes.addCount(pte, -ptes.count(pte));
  ptes.free(pte);
  pool.set(pmd, idx, PMD_HUGE_ANON);
  mm.rss_anon += ptes.entries - anon;
  // The old folio (possibly COW-shared with another mm) is no longer mapped here.
  folio_drop(mm, slot);
  mm.folios.set(slot, {
    member,
    written,
    share: { mms: 1 },
    shift: 0,
    pieces: { n: 1 },
    next: undefined,
  });
  mm.unwritten.delete(slot);
  mm.mlocked.delete(slot);
  return Scan.Succeed;
}
