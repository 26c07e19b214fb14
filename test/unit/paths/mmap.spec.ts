import { describe, expect, it } from 'vitest';
import { do_vmi_munmap } from '../../../src/paths/mmap.js';
import { World } from '../../../src/paths/world/world.js';
import { Stepper } from '../../helpers/step-thread.js';

describe('do_vmi_munmap', () => {
  it('detaches the VMA, zaps, unlinks every table and frees it after a grace period (FREE-1, FREE-4, GATHER-2)', () => {
    const w = new World({ pmd_slots: 2 });
    for (const i of [0, 1]) {
      const t = w.alloc.newPage().tables[0];
      t.initEntry(0, i + 1);
      w.linkInitial(w.pmd(i), t);
    }
    w.spawn('munmap', (cpu) => do_vmi_munmap(w, cpu));
    const s = new Stepper(w.instance());
    s.finish('munmap');
    expect(w.mm.vma.detached).toBe(true);
    expect(w.mm.pmds.map((p) => p.val)).toEqual([0, 0]);
    expect(w.mm.nr_ptes).toBe(0);
    expect(w.alloc.tables.map((t) => t.life)).toEqual(['queued', 'queued']);
    s.finish('rcu_gp');
    expect(w.alloc.pages.map((p) => p.state)).toEqual(['freed', 'freed']);
    expect(w.stats.grace_periods).toBe(1);
  });

  it('holds mmap_lock for write until after the detach, then only for read', () => {
    const w = new World();
    w.spawn('munmap', (cpu) => do_vmi_munmap(w, cpu));
    const s = new Stepper(w.instance());
    s.runUntil('munmap', 'vma_mark_detached');
    expect(w.mm.mmap_lock.writer).not.toBeNull();
    s.runUntil('munmap', 'mmap_read_unlock');
    expect(w.mm.mmap_lock.writer).toBeNull();
    expect(w.mm.mmap_lock.readers).toBe(1);
  });
});
