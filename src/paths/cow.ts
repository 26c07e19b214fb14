// A write to an anonymous page after fork: a writable entry takes the write, a write-protected one
// faults and do_wp_page reuses the folio when it is exclusive to this mm, else copies it
// (wp_page_copy). Mirrors mm/memory.c (do_wp_page, wp_can_reuse_anon_folio, wp_page_copy) (see
// docs/kernel-version.md).

import { pte_offset_map_lock, pte_unmap_unlock, ptep_get, set_pte_at } from './pgtable.js';
import type { Cpu } from './world/cpu.js';
import type { PmdSlot } from './world/mm.js';
import { Shared } from './world/shared.js';
import { step, type Gen } from './world/step.js';
import type { World } from './world/world.js';

/** The state of the entry written: its write bit, PageAnonExclusive by folio, the copy's number. */
export interface WpState {
  readonly pte_write: Shared<boolean>;
  readonly anon_exclusive: Map<number, Shared<boolean>>;
  /** The folio number wp_page_copy gives the new copy. */
  readonly copy_folio: number;
}

/**
 * A user write to entry `i`: no fault when the entry is writable; else do_wp_page under the PTE
 * lock reuses an exclusive (or singly referenced) folio, or copies it into a new folio, marks the
 * old one copied (a pin on it no longer reaches this mm) and puts the old mapping's reference.
 * Differs from kernel: the folio lock, swap cache and KSM checks of the reuse test are not modelled.
 */
export function* user_write_anon(w: World, cpu: Cpu, pmd: PmdSlot, i: number, o: WpState): Gen {
  yield step('user write: pte_write?');
  if (o.pte_write.get()) return;
  const m = yield* pte_offset_map_lock(w, cpu, pmd);
  if (!m) return;
  const pte = yield* ptep_get(w, cpu, m.table, i, 'do_wp_page: ptep_get');
  const folio = w.folios.get(pte);
  if (folio === undefined) {
    yield* pte_unmap_unlock(w, cpu, m, 'do_wp_page');
    return;
  }
  yield step('do_wp_page: wp_can_reuse_anon_folio');
  const exclusive = o.anon_exclusive.get(pte);
  if ((exclusive?.get() ?? false) || folio.folio_ref_count() === 1) {
    exclusive?.set(true);
    o.pte_write.set(true);
    yield* pte_unmap_unlock(w, cpu, m, 'do_wp_page: wp_page_reuse');
    return;
  }
  w.newFolio(o.copy_folio, 1);
  o.anon_exclusive.set(o.copy_folio, new Shared(`anon_exclusive(folio${o.copy_folio})`, true));
  folio.copiedInto(o.copy_folio);
  yield* set_pte_at(w, cpu, m.table, i, o.copy_folio, 'wp_page_copy: set_pte_at(copy)');
  o.pte_write.set(true);
  yield step('wp_page_copy: folio_put(old)');
  folio.folio_put(cpu, 'wp_page_copy: folio_put(old)');
  yield* pte_unmap_unlock(w, cpu, m, 'wp_page_copy');
}
