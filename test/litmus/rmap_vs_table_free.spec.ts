// An rmap walker (anon_vma lock, page_vma_mapped_walk) against a table freed under mmap_write_lock
// alone (issue #6 §3; David Hildenbrand's review of the 2022 RFC).

import { describe, expect, it } from 'vitest';
import { runCheck, type CheckFail } from '../../src/check/index.js';
import { checkScenario, getScenario } from '../../src/paths/index.js';

const scenario = getScenario('rmap_vs_table_free');

describe('rmap_vs_table_free', () => {
  it.each([
    { freer: 'free_pgtables', table_free: 'page' },
    { freer: 'free_pgtables', table_free: 'rcu' },
    { freer: 'mmap_lock_only', table_free: 'rcu' },
  ])('passes exhaustively with freer=$freer, table_free=$table_free', (v) => {
    const { result, asExpected } = checkScenario(scenario, v);
    expect(result.verdict).toBe('pass');
    expect(asExpected).toBe(true);
  });

  it('finds the rmap walker on a table freed under mmap_write_lock alone, and replays it', () => {
    const v = { freer: 'mmap_lock_only', table_free: 'page' };
    const { program, result, asExpected } = checkScenario(scenario, v);
    expect(asExpected).toBe(true);
    const fail = result as CheckFail;
    expect(fail.violation.kind).toBe('use-after-free');
    expect(fail.trace[fail.failedStep ?? -1].threadName).toBe('rmap');
    const again = runCheck(program, { schedule: fail.schedule }) as CheckFail;
    expect(again.violation).toEqual(fail.violation);
  });
});
