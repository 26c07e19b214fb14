import { describe, expect, it } from 'vitest';
import { pmd_clear, set_pte_at } from '../../../../src/paths/pgtable.js';
import type { Step } from '../../../../src/check/program.js';
import { World } from '../../../../src/paths/world/world.js';
import { Stepper, caught } from '../../../helpers/step-thread.js';

function linked(): World {
  const w = new World();
  w.linkInitial(w.pmd(), w.alloc.newPage().tables[0]);
  return w;
}

describe('World', () => {
  it('passes its final check when every table is linked or freed and nr_ptes agrees', () => {
    const w = linked();
    const inst = w.instance();
    new Stepper(inst).drain();
    expect(inst.finalCheck?.()).toBeUndefined();
  });

  it('reports a leak: a table unlinked but never freed (WALK-8 P1/P4)', () => {
    const w = linked();
    w.spawn('unlinker', function* (cpu) {
      yield* pmd_clear(w, cpu, w.pmd(), 'pmd_clear');
      w.mm.nr_ptes--;
    });
    const inst = w.instance();
    new Stepper(inst).drain();
    expect(inst.finalCheck?.()?.kind).toBe('leak');
  });

  it('reports an nr_ptes that disagrees with the linked tables (P4)', () => {
    const w = linked();
    w.mm.nr_ptes = 2;
    const inst = w.instance();
    new Stepper(inst).drain();
    expect(inst.finalCheck?.()?.kind).toBe('accounting');
  });

  it('reports a present entry written into an unlinked table (P2)', () => {
    const w = linked();
    const t = w.alloc.table(w.pmd().val);
    w.spawn('unlinker', function* (cpu) {
      yield* pmd_clear(w, cpu, w.pmd(), 'pmd_clear');
    });
    w.spawn('writer', (cpu) => set_pte_at(w, cpu, t, 0, 9, 'set_pte_at'));
    const s = new Stepper(w.instance());
    s.finish('unlinker');
    expect(caught(() => s.run('writer'))?.kind).toBe('lost-mapping');
  });

  it('reports at the end a freed table that still maps a folio (P3)', () => {
    const w = linked();
    const t = w.alloc.table(w.pmd().val);
    w.spawn('reclaimer', function* (cpu) {
      yield* pmd_clear(w, cpu, w.pmd(), 'pmd_clear');
      w.mm.nr_ptes--;
      yield* w.alloc.free_page(cpu, t.page, 'free');
    });
    t.initEntry(1, 9);
    const inst = w.instance();
    new Stepper(inst).drain();
    expect(inst.finalCheck?.()?.kind).toBe('lost-mapping');
  });

  it('reports a thread returning inside rcu_read_lock', () => {
    const w = new World();
    w.spawn('t', (cpu) => w.rcu.rcu_read_lock(cpu));
    const s = new Stepper(w.instance());
    expect(caught(() => s.run('t'))?.kind).toBe('assertion');
  });

  it('runs a thread whose function returns a value and marks its CPU done in its last step', () => {
    const w = linked();
    let calls = 0;
    const cpu = w.spawn('t', function* (c): Generator<Step, number, void> {
      calls++;
      yield* w.rcu.rcu_read_lock(c);
      yield* w.rcu.rcu_read_unlock(c);
      return 7;
    });
    // The body starts at the thread's first resume (as a generator's would), not at spawn.
    expect(calls).toBe(0);
    const s = new Stepper(w.instance());
    expect(calls).toBe(1);
    expect(s.pending('t')?.label).toBe('rcu_read_lock');
    s.run('t');
    expect(cpu.peekDone()).toBe(false);
    s.run('t');
    expect(s.done('t')).toBe(true);
    expect(cpu.peekDone()).toBe(true);
  });

  it('describes tables, pages and CPUs inside read-side sections', () => {
    const w = linked();
    w.spawn('reader', function* (cpu) {
      yield* w.rcu.rcu_read_lock(cpu);
      yield* w.rcu.rcu_read_unlock(cpu);
    });
    const inst = w.instance();
    new Stepper(inst).run('reader');
    const text = inst.describeState?.() ?? '';
    expect(text).toContain('pmd = tbl1');
    expect(text).toContain('tbl1: linked, entries [none, none]');
    expect(text).toContain('in read-side sections: reader (rcu_read_lock)');
  });
});
