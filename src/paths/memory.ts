// Page-table allocation in the fault path, the anonymous fault and PTE zapping. Mirrors
// mm/memory.c (pte_alloc, __pte_alloc, pmd_install, do_anonymous_page, zap_pte_range,
// free_pte_range of free_pgtables) (see docs/kernel-version.md).

import type { MmuGather } from './mmu_gather.js';
import { pte_free_tlb } from './mmu_gather.js';
import {
  pmd_clear,
  pmd_populate,
  pmdp_get_lockless,
  pte_offset_map_lock,
  pte_unmap_unlock,
  ptep_get,
  ptep_get_and_clear,
  set_pte_at,
} from './pgtable.js';
import { free_pte, try_get_and_clear_pmd, try_to_free_pte } from './pt_reclaim.js';
import type { Cpu } from './world/cpu.js';
import { mm_dec_nr_ptes, mm_inc_nr_ptes, type PmdSlot } from './world/mm.js';
import type { PteTable } from './world/page-alloc.js';
import type { Gen } from './world/step.js';
import { guarded } from './world/config.js';
import type { World } from './world/world.js';

/**
 * pmd_install(): under the PMD lock, links `table` if the slot is still empty (ALLOC-2).
 * Returns true when it did; the caller then must not free it.
 */
export function* pmd_install(w: World, cpu: Cpu, pmd: PmdSlot, table: PteTable): Gen<boolean> {
  const locked = guarded(w.config, 'pmd_install_lock');
  if (locked) yield* w.mm.pml.spin_lock(cpu, 'pmd_install: pmd_lock');
  const val = yield* pmdp_get_lockless(w, cpu, pmd, 'pmd_install: pmd_none');
  let installed = false;
  if (val === 0) {
    mm_inc_nr_ptes(w.mm);
    yield* pmd_populate(w, cpu, pmd, table, 'pmd_install: pmd_populate');
    installed = true;
  }
  if (locked) yield* w.mm.pml.spin_unlock(cpu, 'pmd_install: spin_unlock(pml)');
  return installed;
}

/** __pte_alloc(): allocates outside any lock, installs, and frees the table if it lost the race. */
export function* __pte_alloc(w: World, cpu: Cpu, pmd: PmdSlot): Gen {
  const table = yield* w.alloc.pte_alloc_one(cpu, '__pte_alloc: pte_alloc_one');
  if (!(yield* pmd_install(w, cpu, pmd, table))) {
    yield* w.alloc.free_page(cpu, table.page, '__pte_alloc: pte_free (lost the race)');
  }
}

/** pte_alloc(): __pte_alloc only when the PMD reads none. */
export function* pte_alloc(w: World, cpu: Cpu, pmd: PmdSlot): Gen {
  if ((yield* pmdp_get_lockless(w, cpu, pmd, 'pte_alloc: pmd_none')) === 0) {
    yield* __pte_alloc(w, cpu, pmd);
  }
}

/** What do_anonymous_page achieved. */
export type FaultResult = 'mapped' | 'raced';

/**
 * do_anonymous_page(): a write fault on entry `i`: allocates the PTE table if needed, maps and
 * locks it (pte_offset_map_lock revalidates the PMD), maps `folio` if the entry is still none.
 * A failed map (the table vanished) returns to the fault entry, which refaults: modelled as a
 * retry from the top.
 */
export function* do_anonymous_page(
  w: World,
  cpu: Cpu,
  pmd: PmdSlot,
  i: number,
  folio: number,
): Gen<FaultResult> {
  for (;;) {
    yield* pte_alloc(w, cpu, pmd);
    const m = yield* pte_offset_map_lock(w, cpu, pmd);
    if (!m) continue;
    if ((yield* ptep_get(w, cpu, m.table, i, 'do_anonymous_page: vmf_pte_changed')) !== 0) {
      yield* pte_unmap_unlock(w, cpu, m, 'do_anonymous_page');
      return 'raced';
    }
    yield* set_pte_at(w, cpu, m.table, i, folio, 'do_anonymous_page: set_pte_at');
    yield* pte_unmap_unlock(w, cpu, m, 'do_anonymous_page');
    return 'mapped';
  }
}

/** struct zap_details, reduced to the PT_RECLAIM request (RECL-2). */
export interface ZapDetails {
  /** Set by MADV_DONTNEED: try to free the PTE table once it is empty. */
  readonly reclaim_pt: boolean;
  /** Drop the PTE lock after this many entries (need_resched); default the config's. */
  readonly resched_after?: number;
}

/** The entries [start, end) of one table that a zap covers (its addr and end, in entries). */
export interface ZapRange {
  readonly start: number;
  readonly end: number;
}

/**
 * reclaim_pt_is_enabled() (RECL-3): PT_RECLAIM only when the zap covers the whole table (end -
 * start >= PMD_SIZE), so a table another VMA shares is never freed by this VMA's MADV_DONTNEED.
 */
export function reclaim_pt_is_enabled(
  w: World,
  range: ZapRange,
  details: ZapDetails | null,
): boolean {
  if (!(details?.reclaim_pt ?? false)) return false;
  const whole = range.start === 0 && range.end === w.alloc.ptrs_per_pte;
  return whole || !guarded(w.config, 'pt_reclaim_whole_range');
}

/**
 * zap_pte_range() over entries [range.start, range.end) of a PMD slot, by default all (RECL-4): zaps every entry under the PTE lock; with
 * reclaim_pt, unlinks the emptied table by the try_get_and_clear_pmd fast path when the lock was
 * held throughout, else by the rescanning try_to_free_pte slow path; frees via the mmu_gather.
 */
export function* zap_pte_range(
  w: World,
  cpu: Cpu,
  tlb: MmuGather,
  pmd: PmdSlot,
  details: ZapDetails | null,
  range: ZapRange = { start: 0, end: w.alloc.ptrs_per_pte },
): Gen {
  const can_reclaim = reclaim_pt_is_enabled(w, range, details);
  let direct = true;
  let start = range.start;
  const n = range.end;
  const resched = details?.resched_after ?? w.config.zap_resched_after;
  for (;;) {
    const m = yield* pte_offset_map_lock(w, cpu, pmd);
    if (!m) return;
    let i = start;
    for (; i < n; i++) {
      yield* ptep_get_and_clear(w, cpu, m.table, i, 'zap_pte_range: ptep_get_and_clear_full');
      if (resched > 0 && i + 1 < n && (i + 1 - start) % resched === 0) break;
    }
    if (i < n) {
      // need_resched(): drop the lock and restart at the next entry; an entry may be refilled.
      if (w.config.pt_reclaim_direct_fix) direct = false;
      yield* pte_unmap_unlock(w, cpu, m, 'zap_pte_range: cond_resched');
      start = i + 1;
      continue;
    }
    let pmdval = 0;
    if (can_reclaim && direct) {
      pmdval = yield* try_get_and_clear_pmd(w, cpu, pmd, m.table.page.ptl);
      direct = pmdval !== 0;
    }
    yield* pte_unmap_unlock(w, cpu, m, 'zap_pte_range');
    if (!can_reclaim) return;
    if (direct) yield* free_pte(w, cpu, tlb, w.alloc.table(pmdval));
    else yield* try_to_free_pte(w, cpu, pmd, tlb);
    return;
  }
}

/**
 * free_pte_range() of free_pgtables(): after the VMA is detached, clears the PMD with no
 * page-table lock (WALK-3) and queues the table in the mmu_gather.
 */
export function* free_pte_range(w: World, cpu: Cpu, tlb: MmuGather, pmd: PmdSlot): Gen {
  const old = yield* pmd_clear(w, cpu, pmd, 'free_pte_range: pmd_clear');
  if (old === 0) return;
  mm_dec_nr_ptes(w.mm, cpu, 'free_pte_range');
  yield* pte_free_tlb(w, cpu, tlb, w.alloc.table(old));
}
