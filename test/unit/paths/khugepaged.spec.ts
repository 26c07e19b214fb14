import { describe, expect, it } from 'vitest';
import { retract_page_tables } from '../../../src/paths/khugepaged.js';
import { World } from '../../../src/paths/world/world.js';
import { Stepper } from '../../helpers/step-thread.js';

describe('retract_page_tables', () => {
  it('clears the PMD under both locks and frees the table after a grace period (WALK-5, WALK-6)', () => {
    const w = new World();
    const t = w.alloc.newPage().tables[0];
    w.linkInitial(w.pmd(), t);
    w.spawn('khugepaged', (cpu) => retract_page_tables(w, cpu, w.pmd()));
    const s = new Stepper(w.instance());
    s.finish('khugepaged');
    expect(w.pmd().val).toBe(0);
    expect(w.mm.nr_ptes).toBe(0);
    expect(t.life).toBe('queued');
    s.finish('rcu_gp');
    expect(t.life).toBe('freed');
  });

  it('waits for the PMD lock held by another path', () => {
    const w = new World();
    w.linkInitial(w.pmd(), w.alloc.newPage().tables[0]);
    w.spawn('holder', (cpu) => w.mm.pml.spin_lock(cpu, 'pmd_lock'));
    w.spawn('khugepaged', (cpu) => retract_page_tables(w, cpu, w.pmd()));
    const s = new Stepper(w.instance());
    s.finish('holder');
    expect(s.enabled('khugepaged')).toBe(false);
  });
});
