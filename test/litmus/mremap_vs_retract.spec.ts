// mremap's move_normal_pmd against khugepaged's retract_page_tables (issue #6 §3).

import { describe, expect, it } from 'vitest';
import { expectScenarioFails, expectScenarioPasses } from './scenario-checks.js';

const NAME = 'mremap_vs_retract';

describe('mremap_vs_retract', () => {
  it('passes exhaustively with the re-check under the PMD lock (6fa1066fc5d0)', () => {
    expectScenarioPasses(NAME, { fix: 'recheck', retract: 'no_mmap_lock' });
  });

  it('passes without the re-check while retract needs mmap_write_trylock (before 1d65b771bc08)', () => {
    expectScenarioPasses(NAME, { fix: 'before', retract: 'mmap_trylock' });
  });

  it('finds mremap moving a PMD that retract cleared after move_page_tables read it, and replays it', () => {
    const fail = expectScenarioFails(
      NAME,
      { fix: 'before', retract: 'no_mmap_lock' },
      'assertion',
      'mremap',
    );
    expect(fail.violation.message).toMatch(/pmd_pgtable\(\) of a none PMD/);
    const labels = fail.trace.map((s) => `${s.threadName}: ${s.label}`);
    const read = labels.indexOf('mremap: move_page_tables: get_old_pmd');
    const cleared = labels.indexOf('khugepaged: retract_page_tables: pmdp_collapse_flush');
    const locked = labels.indexOf('mremap: move_pgt_entry: take_rmap_locks');
    expect(read).toBeGreaterThanOrEqual(0);
    expect(read).toBeLessThan(cleared);
    expect(cleared).toBeLessThan(locked);
  });
});
