import { describe, expect, it } from 'vitest';
import { pte_tryget, try_to_free_user_pte } from '../../../src/paths/pte_ref.js';
import type { PteTable } from '../../../src/paths/world/page-alloc.js';
import { World } from '../../../src/paths/world/world.js';
import { Stepper } from '../../helpers/step-thread.js';

function world(get: 'tryget' | 'naive', refs: number): { w: World; t: PteTable } {
  const w = new World({ config: { pte_refcount: true, pte_ref_get: get } });
  const t = w.alloc.newPage().tables[0];
  t.pte_ref.value = refs;
  w.linkInitial(w.pmd(), t);
  return { w, t };
}

describe('pte_tryget', () => {
  it('fails on a table whose count is zero (percpu_ref_tryget, HIST-2)', () => {
    const { w, t } = world('tryget', 0);
    let got: PteTable | null = t;
    w.spawn('walker', function* (cpu) {
      got = yield* pte_tryget(w, cpu, w.pmd());
    });
    new Stepper(w.instance()).finish('walker');
    expect(got).toBeNull();
    expect(t.pte_ref.value).toBe(0);
  });

  it('revives a table at zero in the naive design', () => {
    const { w, t } = world('naive', 0);
    let got: PteTable | null = null;
    w.spawn('walker', function* (cpu) {
      got = yield* pte_tryget(w, cpu, w.pmd());
    });
    new Stepper(w.instance()).finish('walker');
    expect(got).toBe(t);
    expect(t.pte_ref.value).toBe(1);
  });
});

describe('try_to_free_user_pte', () => {
  it('unlinks and RCU-frees a table at zero', () => {
    const { w, t } = world('tryget', 0);
    w.spawn('madvise', (cpu) => try_to_free_user_pte(w, cpu, w.pmd()));
    new Stepper(w.instance()).finish('madvise').finish('rcu_gp');
    expect(w.pmd().val).toBe(0);
    expect(t.life).toBe('freed');
  });

  it('keeps a table that still holds a reference', () => {
    const { w, t } = world('tryget', 1);
    w.spawn('madvise', (cpu) => try_to_free_user_pte(w, cpu, w.pmd()));
    new Stepper(w.instance()).finish('madvise');
    expect(t.life).toBe('linked');
  });
});
