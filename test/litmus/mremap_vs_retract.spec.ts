// mremap's move_normal_pmd against khugepaged's retract_page_tables (issue #6 §3).

import { describe, expect, it } from 'vitest';
import { runCheck, type CheckFail } from '../../src/check/index.js';
import { checkScenario, getScenario } from '../../src/paths/index.js';

const scenario = getScenario('mremap_vs_retract');

describe('mremap_vs_retract', () => {
  it('passes exhaustively with the re-check under the PMD lock (6fa1066fc5d0)', () => {
    const { result, asExpected } = checkScenario(scenario, {
      fix: 'recheck',
      retract: 'no_mmap_lock',
    });
    expect(result.verdict).toBe('pass');
    expect(asExpected).toBe(true);
  });

  it('passes without the re-check while retract needs mmap_write_trylock (before 1d65b771bc08)', () => {
    const { result, asExpected } = checkScenario(scenario, {
      fix: 'before',
      retract: 'mmap_trylock',
    });
    expect(result.verdict).toBe('pass');
    expect(asExpected).toBe(true);
  });

  it('finds mremap moving a PMD that retract cleared after move_page_tables read it, and replays it', () => {
    const { program, result, asExpected } = checkScenario(scenario, {
      fix: 'before',
      retract: 'no_mmap_lock',
    });
    expect(asExpected).toBe(true);
    const fail = result as CheckFail;
    expect(fail.violation.kind).toBe('assertion');
    expect(fail.violation.message).toMatch(/pmd_pgtable\(\) of a none PMD/);
    const labels = fail.trace.map((s) => `${s.threadName}: ${s.label}`);
    const read = labels.indexOf('mremap: move_page_tables: get_old_pmd');
    const cleared = labels.indexOf('khugepaged: retract_page_tables: pmdp_collapse_flush');
    const locked = labels.indexOf('mremap: move_pgt_entry: take_rmap_locks');
    expect(read).toBeGreaterThanOrEqual(0);
    expect(read).toBeLessThan(cleared);
    expect(cleared).toBeLessThan(locked);
    const again = runCheck(program, { schedule: fail.schedule }) as CheckFail;
    expect(again.violation).toEqual(fail.violation);
  });
});
