// PT_RECLAIM eligibility: a PTE table emptied by a zap is freed only if the zap had reclaim_pt
// (MADV_DONTNEED[_LOCKED], RECL-2) and covered its whole PMD slot (RECL-3); the emptiness scan of
// try_to_free_pte is the zap's own count (RECL-4). Mirrors mm/pt_reclaim.c
// (see docs/kernel-version.md).

import type { MmStruct, ZapDetails } from './mm_types.js';

/**
 * `reclaim_pt_is_enabled(start, end, details)`: the zap asked for it and spans a whole PMD slot.
 * zap_pte_range is called per slot with the range already clipped to the VMA and the call.
 */
export function reclaim_pt_is_enabled(
  PMD_SIZE: number,
  start: number,
  end: number,
  details: ZapDetails | null,
): boolean {
  return details !== null && details.reclaim_pt && end - start >= PMD_SIZE;
}

/**
 * Whether PT_RECLAIM frees the table a zap of [start, end) just emptied: `try_to_free_pte` finds
 * it empty, so only eligibility decides.
 */
export function try_to_free_pte(
  mm: MmStruct,
  start: number,
  end: number,
  details: ZapDetails | null,
): boolean {
  return reclaim_pt_is_enabled(mm.geometry.PMD_SIZE, start, end, details);
}
