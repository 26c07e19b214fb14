// GUP-fast pins against khugepaged's anonymous collapse: folio references, the PMD re-check after
// pinning and collapse's refcount check (issue #6 §2).

import { describe, expect, it } from 'vitest';
import { endStates, expectScenarioFails, expectScenarioPasses } from './scenario-checks.js';

const NAME = 'gup_fast_vs_collapse';

describe('gup_fast_vs_collapse', () => {
  it.each([
    { gup: 'fixed', flush: 'no_ipi' },
    { gup: 'fixed', flush: 'ipi' },
    { gup: 'pte_recheck_only', flush: 'ipi' },
  ])('passes exhaustively with gup=$gup, flush=$flush', (v) => {
    expectScenarioPasses(NAME, v);
  });

  it('loses the write through a pin taken after the refcount check when only the PTE is re-checked', () => {
    const fail = expectScenarioFails(
      NAME,
      { gup: 'pte_recheck_only', flush: 'no_ipi' },
      'lost-mapping',
      'gup_fast',
    );
    expect(fail.violation.message).toMatch(/folio1 was copied into folio10/);
  });

  it('counts references: collapse backs off from a pinned folio and the unpin restores one per mapping', () => {
    // Every complete execution passed the final check, which compares each folio's references
    // with its mappings; make sure both endings (collapsed, backed off) were reached.
    expect(endStates(NAME, { gup: 'fixed', flush: 'no_ipi' })).toEqual([
      'pmd = THP folio10 (deposited tbl1)',
      'pmd = tbl1',
    ]);
  });
});
