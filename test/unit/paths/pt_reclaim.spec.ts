import { describe, expect, it } from 'vitest';
import { try_get_and_clear_pmd, try_to_free_pte } from '../../../src/paths/pt_reclaim.js';
import { tlb_gather_mmu } from '../../../src/paths/mmu_gather.js';
import { World } from '../../../src/paths/world/world.js';
import { Stepper, caught } from '../../helpers/step-thread.js';

function world(entries: number[]): World {
  const w = new World();
  const t = w.alloc.newPage().tables[0];
  entries.forEach((e, i) => t.initEntry(i, e));
  w.linkInitial(w.pmd(), t);
  return w;
}

describe('try_get_and_clear_pmd', () => {
  it('declines without waiting when the PMD lock is held (RECL-6)', () => {
    const w = world([0, 0]);
    let got = -1;
    w.spawn('holder', (cpu) => w.mm.pml.spin_lock(cpu, 'pmd_lock'));
    w.spawn('reclaim', function* (cpu) {
      got = yield* try_get_and_clear_pmd(w, cpu, w.pmd());
    });
    new Stepper(w.instance()).finish('holder').finish('reclaim');
    expect(got).toBe(0);
    expect(w.pmd().val).not.toBe(0);
  });

  it('reports unlinking a table that still maps a folio (P3)', () => {
    const w = world([5, 0]);
    w.spawn('reclaim', function* (cpu) {
      yield* try_get_and_clear_pmd(w, cpu, w.pmd());
    });
    const v = caught(() => new Stepper(w.instance()).finish('reclaim'));
    expect(v?.kind).toBe('lost-mapping');
  });
});

describe('try_to_free_pte', () => {
  it('keeps a table whose rescan finds a present entry', () => {
    const w = world([0, 3]);
    w.spawn('reclaim', (cpu) => try_to_free_pte(w, cpu, w.pmd(), tlb_gather_mmu()));
    new Stepper(w.instance()).finish('reclaim');
    expect(w.alloc.table(w.pmd().val).life).toBe('linked');
    expect(w.mm.nr_ptes).toBe(1);
  });

  it('unlinks an empty table under both locks and uncounts it', () => {
    const w = world([0, 0]);
    w.spawn('reclaim', (cpu) => try_to_free_pte(w, cpu, w.pmd(), tlb_gather_mmu()));
    new Stepper(w.instance()).finish('reclaim');
    expect(w.pmd().val).toBe(0);
    expect(w.alloc.tables[0].life).toBe('queued');
    expect(w.mm.nr_ptes).toBe(0);
  });
});
