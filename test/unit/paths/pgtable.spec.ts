import { describe, expect, it } from 'vitest';
import {
  pte_offset_map_lock,
  pte_unmap_unlock,
  pmd_clear,
  type Mapped,
} from '../../../src/paths/pgtable.js';
import { World } from '../../../src/paths/world/world.js';
import { Stepper } from '../../helpers/step-thread.js';

function twoTables(): { w: World; t1: number; t2: number } {
  const w = new World();
  const a = w.alloc.newPage().tables[0];
  const b = w.alloc.newPage().tables[0];
  w.linkInitial(w.pmd(), a);
  return { w, t1: a.id, t2: b.id };
}

describe('pte_offset_map_lock', () => {
  it('retries when the PMD changed between the read and the lock (WALK-3)', () => {
    const { w, t2 } = twoTables();
    const pmd = w.pmd();
    let got: Mapped | null = null;
    w.spawn('walker', function* (cpu) {
      got = yield* pte_offset_map_lock(w, cpu, pmd);
      if (got) yield* pte_unmap_unlock(w, cpu, got, 'test');
    });
    w.spawn('remover', function* (cpu) {
      yield* pmd_clear(w, cpu, pmd, 'pmd_clear');
      pmd.val = t2;
      w.alloc.table(t2).life = 'linked';
    });
    const s = new Stepper(w.instance());
    s.runUntil('walker', 'spin_lock').finish('remover').finish('walker');
    expect((got as Mapped | null)?.table.id).toBe(t2);
    expect(s.trace.filter((l) => l.includes('retry'))).toHaveLength(1);
  });

  it('returns null and leaves the RCU section when the PMD is none (WALK-2)', () => {
    const w = new World();
    let got: Mapped | null | undefined;
    const cpu = w.spawn('walker', function* (c) {
      got = yield* pte_offset_map_lock(w, c, w.pmd());
    });
    new Stepper(w.instance()).finish('walker');
    expect(got).toBeNull();
    expect(cpu.rcu_read_lock_nesting).toBe(0);
  });
});
