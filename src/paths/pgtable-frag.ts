// powerpc PTE fragments: several PTE tables share one page, one pt_frag_refcount and one
// rcu_head. Mirrors arch/powerpc/mm/pgtable-frag.c (pte_fragment_alloc, pte_fragment_free,
// pte_free_defer) with the designs argued in seed 002 (see docs/kernel-version.md).

import { violate } from '../check/program.js';
import type { Cpu } from './world/cpu.js';
import type { PtDesc, PteTable } from './world/page-alloc.js';
import type { RcuCallback } from './world/rcu.js';
import { guarded } from './world/config.js';
import { step, type Gen } from './world/step.js';
import type { World } from './world/world.js';

/** Hugh's v2 bias: above any PTE_FRAG_NR, so a count at or above it means "deferral pending". */
export const PTE_FREE_DEFERRED = 0x10000;

/** pte_fragment_alloc() without the per-mm fragment cache: a fresh page cut into `frag_nr` tables. */
export function* pte_fragment_alloc(w: World, _cpu: Cpu, frag_nr: number): Gen<PteTable[]> {
  yield step('pte_fragment_alloc: pagetable_alloc');
  const page = w.alloc.newPage(frag_nr);
  page.pt_frag_refcount.value = frag_nr;
  return page.tables;
}

/** pte_free_now(): the page's destructor and free, as an RCU callback or called directly. */
function* pte_free_now(w: World, cpu: Cpu, page: PtDesc): Gen {
  yield* w.alloc.free_page(cpu, page, 'pte_free_now: pagetable_free');
}

function pte_free_now_cb(w: World, page: PtDesc): RcuCallback {
  return (gp) => pte_free_now(w, gp, page);
}

/**
 * pte_fragment_free(): drops one fragment's reference; the last one frees the page: at once
 * (before 6.6), always after a grace period (`jason`), or after one only if a fragment was
 * deferred (`merged`, 6.6: PG_active).
 */
export function* pte_fragment_free(w: World, cpu: Cpu, page: PtDesc, kernel = false): Gen {
  const left = yield* page.pt_frag_refcount.atomic_add_return(
    cpu,
    -1,
    'pte_fragment_free: atomic_dec_and_test(pt_frag_refcount)',
  );
  // BUG_ON(pt_frag_refcount <= 0) before the decrement, checked inside the same step.
  if (left < 0) {
    violate(
      'assertion',
      `${cpu.name}: pte_fragment_free: BUG_ON(pt_frag_refcount <= 0) on ${page.name}`,
    );
  }
  if (left !== 0) return;
  const design = w.config.ppc_defer;
  let viaRcu = design === 'jason';
  if (design === 'merged' && !kernel) {
    yield step('pte_fragment_free: folio_test_clear_active');
    w.alloc.checkPage(cpu, page, 'folio_test_clear_active');
    viaRcu = page.active;
    page.active = false;
  }
  if (viaRcu) {
    yield* w.rcu.call_rcu(
      cpu,
      page.pt_rcu_head,
      pte_free_now_cb(w, page),
      'pte_fragment_free: call_rcu(pt_rcu_head)',
    );
  } else {
    yield* pte_free_now(w, cpu, page);
  }
}

/**
 * Hugh's v2 callback: takes back its own bias; with no other deferral pending it finishes with an
 * ordinary pte_fragment_free, else it folds every deferral that arrived into one and re-queues
 * for one more grace period (WALK-7.3). The arithmetic is ours: pte_free_defer converts the
 * fragment's reference into a bias (adds PTE_FREE_DEFERRED - 1), so a pending deferral costs
 * PTE_FREE_DEFERRED and the callback's subtractions total exactly that per fragment.
 */
function* pte_free_now_hugh(w: World, cpu: Cpu, page: PtDesc): Gen {
  const ref = page.pt_frag_refcount;
  let count = yield* ref.atomic_add_return(
    cpu,
    -(PTE_FREE_DEFERRED - 1),
    'pte_free_now: atomic_sub_return(bias - 1)',
  );
  if (count < PTE_FREE_DEFERRED) {
    yield* pte_fragment_free(w, cpu, page);
    return;
  }
  while (count >= 2 * PTE_FREE_DEFERRED) {
    count = yield* ref.atomic_add_return(
      cpu,
      -PTE_FREE_DEFERRED,
      'pte_free_now: fold one more deferral',
    );
  }
  yield* ref.atomic_add_return(cpu, -1, 'pte_free_now: drop the first deferred fragment');
  yield* w.rcu.call_rcu(
    cpu,
    page.pt_rcu_head,
    (gp) => pte_free_now_hugh(w, gp, page),
    'pte_free_now: re-defer call_rcu',
  );
}

/** pte_free_defer() for a fragment, by the configured design (seed 002). */
export function* pte_free_defer_ppc(w: World, cpu: Cpu, table: PteTable): Gen {
  const page = table.page;
  table.life = 'queued';
  switch (w.config.ppc_defer) {
    case 'naive':
      // v1: each fragment queues the page's single rcu_head.
      yield* w.rcu.call_rcu(
        cpu,
        page.pt_rcu_head,
        (gp) => pte_fragment_free(w, gp, page),
        'pte_free_defer: call_rcu(page rcu_head)',
      );
      return;
    case 'hugh': {
      const count = yield* page.pt_frag_refcount.atomic_add_return(
        cpu,
        PTE_FREE_DEFERRED - 1,
        'pte_free_defer: atomic_add_return(bias - 1)',
      );
      if (count < 2 * PTE_FREE_DEFERRED) {
        yield* w.rcu.call_rcu(
          cpu,
          page.pt_rcu_head,
          (gp) => pte_free_now_hugh(w, gp, page),
          'pte_free_defer: call_rcu(page rcu_head)',
        );
      }
      return;
    }
    case 'jason':
      yield* pte_fragment_free(w, cpu, page);
      return;
    case 'merged':
      yield step('pte_free_defer: folio_set_active');
      w.alloc.checkPage(cpu, page, 'folio_set_active');
      page.active = guarded(w.config, 'ppc_defer_rcu');
      yield* pte_fragment_free(w, cpu, page);
      return;
  }
}
