// powerpc PTE fragments: several PTE tables share one page, one pt_frag_refcount and one
// rcu_head. Mirrors arch/powerpc/mm/pgtable-frag.c (pte_fragment_alloc and the per-mm cache,
// pte_frag_destroy, pte_fragment_free, pte_free_defer) with the designs argued in seed 002 (see
// docs/kernel-version.md).

import { violate } from '../check/program.js';
import type { Cpu } from './world/cpu.js';
import type { PtDesc, PteTable } from './world/page-alloc.js';
import type { RcuCallback } from './world/rcu.js';
import { guarded } from './world/config.js';
import { Shared } from './world/shared.js';
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

/** What mm->context.pte_frag names: the page fragments are carved from and the next one's index. */
export interface PteFrag {
  readonly page: PtDesc;
  readonly next: number;
}

/**
 * The per-mm fragment cache (mm->context.pte_frag). While a page is cached, its pt_frag_refcount
 * already counts every fragment not yet handed out, so carving one costs no atomic.
 */
export class PteFragCache {
  readonly pte_frag: Shared<PteFrag | null>;

  constructor(
    /** PTE_FRAG_NR: fragments per page. */
    readonly frag_nr: number,
    /** Setup only: a page already cached, with `next` fragments carved. */
    initial: PteFrag | null = null,
  ) {
    this.pte_frag = new Shared<PteFrag | null>('pte_frag(mm)', initial);
  }
}

/**
 * pte_fragment_alloc() with the cache: the next fragment of the cached page, or a fresh page whose
 * count is charged for all its fragments and whose remainder becomes the cache. One step: the
 * kernel does the cache update under page_table_lock (our model folds the lock into the step).
 */
export function* pte_fragment_alloc_cached(
  w: World,
  _cpu: Cpu,
  cache: PteFragCache,
): Gen<PteTable> {
  yield step('pte_fragment_alloc: page_table_lock, take mm->context.pte_frag');
  const cur = cache.pte_frag.get();
  if (cur !== null) {
    const next = cur.next + 1;
    cache.pte_frag.set(next === cache.frag_nr ? null : { page: cur.page, next });
    return cur.page.tables[cur.next];
  }
  const page = w.alloc.newPage(cache.frag_nr);
  page.pt_frag_refcount.value = cache.frag_nr;
  cache.pte_frag.set(cache.frag_nr > 1 ? { page, next: 1 } : null);
  return page.tables[0];
}

/**
 * pte_frag_destroy() at mm teardown: drops the references of the fragments never carved from the
 * cached page and frees the page if that was the last. `clearActive` is the 2026 fix: PG_active,
 * left by a pte_free_defer() of a carved fragment whose reference was not the last, is cleared
 * before the free; without it the allocator sees the flag (Bad page state).
 */
export function* pte_frag_destroy(
  w: World,
  cpu: Cpu,
  cache: PteFragCache,
  clearActive: boolean,
): Gen {
  yield step('pte_frag_destroy: read mm->context.pte_frag');
  const cur = cache.pte_frag.get();
  if (cur === null) return;
  const page = cur.page;
  const left = yield* page.pt_frag_refcount.atomic_add_return(
    cpu,
    -(cache.frag_nr - cur.next),
    'pte_frag_destroy: atomic_sub_and_test(uncarved, pt_frag_refcount)',
  );
  if (left !== 0) return;
  if (clearActive) {
    yield step('pte_frag_destroy: folio_clear_active');
    w.alloc.checkPage(cpu, page, 'folio_clear_active');
    page.active = false;
  }
  yield* w.alloc.free_page(cpu, page, 'pte_frag_destroy: pagetable_free');
}
