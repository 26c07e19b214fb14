import { describe, expect, it } from 'vitest';
import {
  PTE_FREE_DEFERRED,
  PteFragCache,
  pte_frag_destroy,
  pte_fragment_alloc_cached,
  pte_fragment_alloc,
  pte_fragment_free,
  pte_free_defer_ppc,
} from '../../../src/paths/pgtable-frag.js';
import type { KernelConfig } from '../../../src/paths/world/config.js';
import type { PteTable } from '../../../src/paths/world/page-alloc.js';
import { World } from '../../../src/paths/world/world.js';
import { Stepper, caught } from '../../helpers/step-thread.js';

function fragWorld(ppc_defer: KernelConfig['ppc_defer']): { w: World; tables: PteTable[] } {
  const w = new World({ ptrs_per_pte: 1, config: { arch: 'powerpc', ppc_defer } });
  const page = w.alloc.newPage(2);
  page.pt_frag_refcount.value = 2;
  for (const t of page.tables) t.life = 'unlinked';
  return { w, tables: page.tables };
}

describe('pte_fragment_alloc', () => {
  it('cuts a new page into fragments, each holding one pt_frag_refcount', () => {
    const w = new World({ config: { arch: 'powerpc' } });
    let tables: PteTable[] = [];
    w.spawn('alloc', function* (cpu) {
      tables = yield* pte_fragment_alloc(w, cpu, 4);
    });
    new Stepper(w.instance()).finish('alloc');
    expect(tables).toHaveLength(4);
    expect(tables[0].page.pt_frag_refcount.value).toBe(4);
  });
});

describe('pte_fragment_free', () => {
  it('frees the page at once when the last fragment goes and no deferral marked it (6.6)', () => {
    const { w, tables } = fragWorld('merged');
    w.spawn('t', function* (cpu) {
      yield* pte_fragment_free(w, cpu, tables[0].page);
      yield* pte_fragment_free(w, cpu, tables[1].page);
    });
    new Stepper(w.instance()).finish('t');
    expect(tables[0].page.state).toBe('freed');
    expect(w.stats.grace_periods).toBe(0);
  });

  it('always waits a grace period in the jason design', () => {
    const { w, tables } = fragWorld('jason');
    w.spawn('t', function* (cpu) {
      yield* pte_fragment_free(w, cpu, tables[0].page);
      yield* pte_fragment_free(w, cpu, tables[1].page);
    });
    const s = new Stepper(w.instance());
    s.finish('t');
    expect(tables[0].page.state).toBe('live');
    s.finish('rcu_gp');
    expect(tables[0].page.state).toBe('freed');
    expect(w.stats.grace_periods).toBe(1);
  });
});

describe('pte_free_defer (powerpc)', () => {
  it('queues the one rcu_head twice in the naive design (seed 002)', () => {
    const { w, tables } = fragWorld('naive');
    w.spawn('khugepaged', function* (cpu) {
      yield* pte_free_defer_ppc(w, cpu, tables[0]);
      yield* pte_free_defer_ppc(w, cpu, tables[1]);
    });
    const s = new Stepper(w.instance());
    const v = caught(() => s.finish('khugepaged'));
    expect(v?.kind).toBe('double-free');
    expect(v?.message).toContain('rcu_head queued twice');
  });

  it('re-defers once when a second deferral arrives during the grace period (hugh)', () => {
    const { w, tables } = fragWorld('hugh');
    w.spawn('khugepaged', function* (cpu) {
      yield* pte_free_defer_ppc(w, cpu, tables[0]);
      yield* pte_free_defer_ppc(w, cpu, tables[1]);
    });
    const s = new Stepper(w.instance());
    s.finish('khugepaged');
    const ref = tables[0].page.pt_frag_refcount;
    expect(ref.value).toBe(2 * PTE_FREE_DEFERRED);
    s.finish('rcu_gp');
    expect(tables[0].page.state).toBe('freed');
    expect(w.stats.grace_periods).toBe(2);
    expect(w.stats.rcu_callbacks).toBe(2);
  });

  it('needs one grace period when the deferrals do not overlap (hugh)', () => {
    const { w, tables } = fragWorld('hugh');
    w.spawn('khugepaged', function* (cpu) {
      yield* pte_free_defer_ppc(w, cpu, tables[0]);
      yield* w.rcu.synchronize_rcu(cpu);
      yield* pte_free_defer_ppc(w, cpu, tables[1]);
    });
    new Stepper(w.instance()).drain();
    expect(tables[0].page.state).toBe('freed');
    expect(tables[0].page.pt_frag_refcount.value).toBe(0);
  });
});

describe('the per-mm fragment cache', () => {
  it('carves fragments from one pre-charged page, then starts a fresh one', () => {
    const w = new World({ config: { arch: 'powerpc' } });
    const cache = new PteFragCache(2);
    const got: PteTable[] = [];
    w.spawn('alloc', function* (cpu) {
      for (let i = 0; i < 3; i++) got.push(yield* pte_fragment_alloc_cached(w, cpu, cache));
    });
    new Stepper(w.instance()).finish('alloc');
    expect(got[1].page).toBe(got[0].page);
    expect(got[1]).toBe(got[0].page.tables[1]);
    expect(got[0].page.pt_frag_refcount.value).toBe(2);
    expect(got[2].page).not.toBe(got[0].page);
    expect(cache.pte_frag.peek()).toEqual({ page: got[2].page, next: 1 });
  });

  it('pte_frag_destroy drops the uncarved references and frees an unused page', () => {
    const w = new World({ config: { arch: 'powerpc' } });
    const cache = new PteFragCache(4);
    let page: PteTable['page'] | null = null;
    w.spawn('t', function* (cpu) {
      const t = yield* pte_fragment_alloc_cached(w, cpu, cache);
      page = t.page;
      yield* pte_frag_destroy(w, cpu, cache, true);
      expect(t.page.pt_frag_refcount.value).toBe(1);
      expect(t.page.state).toBe('live');
      yield* pte_fragment_free(w, cpu, t.page);
    });
    new Stepper(w.instance()).finish('t');
    expect(page!.state).toBe('freed');
  });

  it('without the fix, frees a page still marked PG_active: bad page state', () => {
    const w = new World({ config: { arch: 'powerpc', ppc_defer: 'merged' } });
    const cache = new PteFragCache(2);
    w.spawn('t', function* (cpu) {
      const t = yield* pte_fragment_alloc_cached(w, cpu, cache);
      t.life = 'unlinked';
      yield* pte_free_defer_ppc(w, cpu, t);
      yield* pte_frag_destroy(w, cpu, cache, false);
    });
    const v = caught(() => new Stepper(w.instance()).finish('t'));
    expect(v?.kind).toBe('bad-page-state');
    expect(v?.message).toContain('PG_active');
  });
});
