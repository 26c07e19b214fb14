// The 2022 RFC "Free user PTE page table pages" (seed 000, HIST-2): a reference count per PTE
// table held by every non-none entry and every visitor; MADV_DONTNEED frees the table when it
// drops to zero. Modelled in atomic mode (the RFC switched the percpu_ref to atomic mode before
// testing for zero); the freed table still waits a grace period, as the RFC's walkers looked the
// table up under rcu_read_lock().

import {
  pmd_clear,
  pmdp_get_lockless,
  ptep_get,
  ptep_get_and_clear,
  set_pte_at,
} from './pgtable.js';
import type { Cpu } from './world/cpu.js';
import { mm_dec_nr_ptes, type PmdSlot } from './world/mm.js';
import type { PteTable } from './world/page-alloc.js';
import type { Gen } from './world/step.js';
import type { World } from './world/world.js';

/**
 * pte_tryget(): looks the table up under RCU and takes a visitor reference, then rechecks the
 * PMD. `tryget` fails on a count of zero (percpu_ref_tryget); `naive` always increments, and so
 * can revive a table whose freeing already started. Returns the table referenced, or null.
 */
export function* pte_tryget(w: World, cpu: Cpu, pmd: PmdSlot): Gen<PteTable | null> {
  yield* w.rcu.rcu_read_lock(cpu, 'pte_tryget: rcu_read_lock');
  const pmdval = yield* pmdp_get_lockless(w, cpu, pmd, 'pte_tryget: pmdp_get_lockless');
  let table: PteTable | null = null;
  if (pmdval !== 0) {
    const t = w.alloc.table(pmdval);
    let got: boolean;
    if (w.config.pte_ref_get === 'tryget') {
      got = yield* t.pte_ref.atomic_inc_not_zero(cpu, 'pte_tryget: percpu_ref_tryget');
    } else {
      yield* t.pte_ref.atomic_add_return(cpu, 1, 'pte_get: percpu_ref_get');
      got = true;
    }
    if (got) {
      if ((yield* pmdp_get_lockless(w, cpu, pmd, 'pte_tryget: pmd_same recheck')) === pmdval)
        table = t;
      else yield* pte_put(w, cpu, t);
    }
  }
  yield* w.rcu.rcu_read_unlock(cpu, 'pte_tryget: rcu_read_unlock');
  return table;
}

/** pte_put(): drops one reference (visitor or entry). */
export function* pte_put(_w: World, cpu: Cpu, table: PteTable): Gen {
  yield* table.pte_ref.atomic_add_return(cpu, -1, 'pte_put: percpu_ref_put');
}

/** track_pte_set(): a none entry became present: the entry now holds a reference. */
export function* track_pte_set(_w: World, cpu: Cpu, table: PteTable): Gen {
  yield* table.pte_ref.atomic_add_return(cpu, 1, 'track_pte_set: percpu_ref_get');
}

/**
 * try_to_free_user_pte(): under the PMD lock, unlinks the table if its count is zero and frees it
 * after a grace period.
 */
export function* try_to_free_user_pte(w: World, cpu: Cpu, pmd: PmdSlot): Gen {
  const pml = w.mm.pml;
  yield* pml.spin_lock(cpu, 'try_to_free_user_pte: pmd_lock');
  const pmdval = yield* pmdp_get_lockless(w, cpu, pmd, 'try_to_free_user_pte: pmd_read');
  if (pmdval !== 0) {
    const t = w.alloc.table(pmdval);
    if ((yield* t.pte_ref.atomic_read(cpu, 'try_to_free_user_pte: percpu_ref_is_zero')) === 0) {
      yield* pmd_clear(w, cpu, pmd, 'try_to_free_user_pte: pmd_clear');
      mm_dec_nr_ptes(w.mm, cpu, 'try_to_free_user_pte');
      t.life = 'queued';
      yield* w.rcu.call_rcu(
        cpu,
        t.page.pt_rcu_head,
        (gp) => w.alloc.free_page(gp, t.page, 'pte_free_rcu: pte_free'),
        'try_to_free_user_pte: call_rcu(pte_free)',
      );
    }
  }
  yield* pml.spin_unlock(cpu, 'try_to_free_user_pte: spin_unlock(pml)');
}

/** MADV_DONTNEED in the RFC: zaps the slot under a visitor reference, then tries to free. */
export function* madvise_dontneed_pte_ref(w: World, cpu: Cpu, pmd: PmdSlot): Gen {
  const t = yield* pte_tryget(w, cpu, pmd);
  if (t) {
    const ptl = t.page.ptl;
    yield* ptl.spin_lock(cpu, 'zap_pte_range: spin_lock(ptl)');
    for (let i = 0; i < t.nr_entries; i++) {
      if (
        (yield* ptep_get_and_clear(w, cpu, t, i, 'zap_pte_range: ptep_get_and_clear_full')) !== 0
      ) {
        yield* t.pte_ref.atomic_add_return(cpu, -1, 'track_pte_clear: percpu_ref_put');
      }
    }
    yield* ptl.spin_unlock(cpu, 'zap_pte_range: spin_unlock(ptl)');
    yield* pte_put(w, cpu, t);
  }
  yield* try_to_free_user_pte(w, cpu, pmd);
}

/** A walker in the RFC: reads entry `i` holding a visitor reference instead of RCU. */
export function* pte_ref_walker(w: World, cpu: Cpu, pmd: PmdSlot, i: number): Gen<number | null> {
  const t = yield* pte_tryget(w, cpu, pmd);
  if (!t) return null;
  const pte = yield* ptep_get(w, cpu, t, i, 'walker: ptep_get');
  yield* pte_put(w, cpu, t);
  return pte;
}

/**
 * A write fault in the RFC: maps `folio` at entry `i` under a visitor reference and the PTE lock;
 * returns 'retry' when no table could be referenced (the kernel would allocate a new one).
 */
export function* do_anonymous_page_pte_ref(
  w: World,
  cpu: Cpu,
  pmd: PmdSlot,
  i: number,
  folio: number,
): Gen<'mapped' | 'raced' | 'retry'> {
  const t = yield* pte_tryget(w, cpu, pmd);
  if (!t) return 'retry';
  const ptl = t.page.ptl;
  yield* ptl.spin_lock(cpu, 'do_anonymous_page: spin_lock(ptl)');
  let r: 'mapped' | 'raced' = 'raced';
  if ((yield* ptep_get(w, cpu, t, i, 'do_anonymous_page: vmf_pte_changed')) === 0) {
    yield* set_pte_at(w, cpu, t, i, folio, 'do_anonymous_page: set_pte_at');
    yield* track_pte_set(w, cpu, t);
    r = 'mapped';
  }
  yield* ptl.spin_unlock(cpu, 'do_anonymous_page: spin_unlock(ptl)');
  yield* pte_put(w, cpu, t);
  return r;
}
