import { describe, expect, it } from 'vitest';
import { pte_free_tlb, tlb_finish_mmu, tlb_gather_mmu } from '../../../src/paths/mmu_gather.js';
import type { KernelConfig } from '../../../src/paths/world/config.js';
import { World } from '../../../src/paths/world/world.js';
import { Stepper } from '../../helpers/step-thread.js';

function freeOne(config: Partial<KernelConfig>): { w: World; s: Stepper } {
  const w = new World({ config });
  const t = w.alloc.newPage().tables[0];
  t.life = 'unlinked';
  w.spawn('freer', function* (cpu) {
    const tlb = tlb_gather_mmu();
    yield* pte_free_tlb(w, cpu, tlb, t);
    yield* tlb_finish_mmu(w, cpu, tlb);
  });
  return { w, s: new Stepper(w.instance()) };
}

describe('tlb_remove_table', () => {
  it('frees a batched table only from an RCU callback (GATHER-2)', () => {
    const { w, s } = freeOne({});
    s.finish('freer');
    expect(w.alloc.pages[0].state).toBe('live');
    s.finish('rcu_gp');
    expect(w.alloc.pages[0].state).toBe('freed');
    expect(w.stats.grace_periods).toBe(1);
  });

  it('falls back to call_rcu per table with PT_RECLAIM when no batch page (GATHER-3)', () => {
    const { w, s } = freeOne({ batch_alloc_fails: true });
    s.finish('freer');
    expect(s.trace.some((l) => l.includes('tlb_remove_table_one: call_rcu'))).toBe(true);
    expect(w.alloc.pages[0].state).toBe('live');
    expect(w.stats.ipi_broadcasts).toBe(0);
  });

  it('falls back to IPI and immediate free without PT_RECLAIM (semi-RCU, GATHER-3)', () => {
    const { w, s } = freeOne({ batch_alloc_fails: true, pt_reclaim: false });
    s.finish('freer');
    expect(w.alloc.pages[0].state).toBe('freed');
    expect(w.stats.ipi_broadcasts).toBe(1);
    expect(w.stats.grace_periods).toBe(0);
  });

  it('frees like a page after the TLB flush without MMU_GATHER_RCU_TABLE_FREE (GATHER-5)', () => {
    const { w, s } = freeOne({ mmu_gather_rcu_table_free: false, tlb_flush_ipi: true });
    s.finish('freer');
    expect(w.alloc.pages[0].state).toBe('freed');
    expect(w.stats.ipi_broadcasts).toBe(1);
  });
});
