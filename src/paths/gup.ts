// GUP-fast: the lockless page-table walk of get_user_pages_fast. Mirrors mm/gup.c (gup_fast,
// gup_fast_pte_range) (see docs/kernel-version.md).

import { pmdp_get_lockless, ptep_get } from './pgtable.js';
import type { Cpu } from './world/cpu.js';
import { local_irq_disable, local_irq_enable } from './world/irq.js';
import type { PmdSlot } from './world/mm.js';
import type { Gen } from './world/step.js';
import type { World } from './world/world.js';

/** What gup_fast achieved for one page: pinned it, or left it to the slow path. */
export type GupResult = 'pinned' | 'fallback';

/**
 * gup_fast_pte_range(): maps the table through the PMD value already read (pte_offset_map on the
 * local copy), reads the PTE, takes a speculative folio reference, then rechecks the PMD and the
 * PTE (WALK-1). Folio lifetimes are not modelled, so the reference is not a shared step.
 */
function* gup_fast_pte_range(
  w: World,
  cpu: Cpu,
  pmd: PmdSlot,
  pmdval: number,
  i: number,
): Gen<GupResult> {
  // Nested in the IRQs-off section: not a shared step, the CPU is already a reader.
  yield* w.rcu.rcu_read_lock(cpu);
  const table = w.alloc.table(pmdval);
  const pte = yield* ptep_get(w, cpu, table, i, 'gup_fast_pte_range: ptep_get_lockless');
  let result: GupResult = 'fallback';
  if (pte !== 0) {
    const pmdNow = yield* pmdp_get_lockless(w, cpu, pmd, 'gup_fast_pte_range: recheck pmd');
    if (pmdNow === pmdval) {
      const pteNow = yield* ptep_get(w, cpu, table, i, 'gup_fast_pte_range: recheck pte');
      if (pteNow === pte) result = 'pinned';
    }
  }
  yield* w.rcu.rcu_read_unlock(cpu);
  return result;
}

/** gup_fast() for entry `i` of `pmd`: the whole walk runs with local IRQs disabled. */
export function* gup_fast(w: World, cpu: Cpu, pmd: PmdSlot, i: number): Gen<GupResult> {
  yield* local_irq_disable(cpu, 'gup_fast: local_irq_save');
  const pmdval = yield* pmdp_get_lockless(w, cpu, pmd, 'gup_fast_pmd_range: pmdp_get_lockless');
  const result = pmdval === 0 ? 'fallback' : yield* gup_fast_pte_range(w, cpu, pmd, pmdval, i);
  yield* local_irq_enable(cpu, 'gup_fast: local_irq_restore');
  return result;
}
