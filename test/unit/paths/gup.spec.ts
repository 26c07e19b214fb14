import { describe, expect, it } from 'vitest';
import { gup_fast, type GupResult } from '../../../src/paths/gup.js';
import { pmd_clear } from '../../../src/paths/pgtable.js';
import { World } from '../../../src/paths/world/world.js';
import { Stepper } from '../../helpers/step-thread.js';

function world(): { w: World; result: { r?: GupResult } } {
  const w = new World();
  const t = w.alloc.newPage().tables[0];
  t.initEntry(0, 9);
  w.linkInitial(w.pmd(), t);
  const result: { r?: GupResult } = {};
  w.spawn('gup', function* (cpu) {
    result.r = yield* gup_fast(w, cpu, w.pmd(), 0);
  });
  return { w, result };
}

describe('gup_fast', () => {
  it('pins a present entry whose PMD and PTE are unchanged', () => {
    const { w, result } = world();
    new Stepper(w.instance()).finish('gup');
    expect(result.r).toBe('pinned');
  });

  it('falls back when the PMD changed after the PTE was read (WALK-1)', () => {
    const { w, result } = world();
    w.spawn('clear', function* (cpu) {
      yield* pmd_clear(w, cpu, w.pmd(), 'pmd_clear');
    });
    const s = new Stepper(w.instance());
    s.runUntil('gup', 'recheck pmd').finish('clear').finish('gup');
    expect(result.r).toBe('fallback');
  });

  it('runs with IRQs disabled from the PMD read to the rechecks', () => {
    const { w } = world();
    const s = new Stepper(w.instance());
    s.runUntil('gup', 'pmdp_get_lockless');
    expect(w.cpus[0].irqs_disabled).toBe(true);
    s.finish('gup');
    expect(w.cpus[0].irqs_disabled).toBe(false);
  });
});
