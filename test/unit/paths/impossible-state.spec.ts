// A path run on state it cannot be in ends with a named violation, never an internal error
// (issue #6 §3): the report says what was impossible, in the model's terms.

import { describe, expect, it } from 'vitest';
import { runCheck, type CheckFail } from '../../../src/check/index.js';
import { do_vmi_munmap, retract_page_tables, type World as W } from '../../../src/paths/index.js';
import { pte_offset_map_lock } from '../../../src/paths/pgtable.js';
import { World } from '../../../src/paths/world/world.js';

function failOf(setup: (w: W) => void): CheckFail {
  const r = runCheck({
    name: 'impossible',
    create: () => {
      const w = new World();
      setup(w);
      return w.instance();
    },
  });
  expect(r.verdict).toBe('fail');
  return r as CheckFail;
}

describe('impossible states', () => {
  it('names a PTE-table walk on a PMD that maps a THP', () => {
    const fail = failOf((w) => {
      w.pmd().init(-10);
      w.spawn('khugepaged', (cpu) => retract_page_tables(w, cpu, w.pmd()));
    });
    expect(fail.violation.kind).toBe('assertion');
    expect(fail.violation.message).toMatch(
      /^impossible state: a PTE-table walk on a PMD that maps THP folio10 \(value -10\)$/,
    );
  });

  it('names a PMD value no allocation gave', () => {
    const fail = failOf((w) => {
      w.pmd().init(42);
      w.spawn('munmap', (cpu) => do_vmi_munmap(w, cpu));
    });
    expect(fail.violation.message).toMatch(/impossible state: .* points to no table \(value 42\)/);
    expect(fail.violation.details?.stack).toBeUndefined();
  });

  it('reports pte_offset_map_lock on a table freed before the walk as a use-after-free', () => {
    const fail = failOf((w) => {
      const page = w.alloc.newPage();
      w.linkInitial(w.pmd(), page.tables[0]);
      page.state = 'freed';
      w.spawn('walker', function* (cpu) {
        const m = yield* pte_offset_map_lock(w, cpu, w.pmd());
        if (m) yield* m.table.page.ptl.spin_unlock(cpu, 'unlock');
      });
    });
    expect(fail.violation.kind).toBe('use-after-free');
    expect(fail.violation.message).toMatch(/walker: pte_offset_map_lock/);
  });
});
