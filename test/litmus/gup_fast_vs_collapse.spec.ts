// GUP-fast pins against khugepaged's anonymous collapse: folio references, the PMD re-check after
// pinning and collapse's refcount check (issue #6 §2).

import { describe, expect, it } from 'vitest';
import { runCheck, type CheckFail } from '../../src/check/index.js';
import { checkScenario, getScenario } from '../../src/paths/index.js';

const scenario = getScenario('gup_fast_vs_collapse');

describe('gup_fast_vs_collapse', () => {
  it.each([
    { gup: 'fixed', flush: 'no_ipi' },
    { gup: 'fixed', flush: 'ipi' },
    { gup: 'pte_recheck_only', flush: 'ipi' },
  ])('passes exhaustively with gup=$gup, flush=$flush', (v) => {
    const { result, asExpected } = checkScenario(scenario, v);
    expect(result.verdict).toBe('pass');
    expect(asExpected).toBe(true);
  });

  it('loses the write through a pin taken after the refcount check when only the PTE is re-checked', () => {
    const { program, result, asExpected } = checkScenario(scenario, {
      gup: 'pte_recheck_only',
      flush: 'no_ipi',
    });
    expect(asExpected).toBe(true);
    const fail = result as CheckFail;
    expect(fail.violation.kind).toBe('lost-mapping');
    expect(fail.violation.message).toMatch(/folio1 was copied into folio10/);
    expect(fail.trace[fail.failedStep ?? -1].threadName).toBe('gup_fast');
    const again = runCheck(program, { schedule: fail.schedule }) as CheckFail;
    expect(again.violation).toEqual(fail.violation);
  });

  it('counts references: collapse backs off from a pinned folio and the unpin restores one per mapping', () => {
    // Every complete execution passed the final check, which compares each folio's references
    // with its mappings; make sure both endings (collapsed, backed off) were reached.
    const ends = new Set<string>();
    const program = scenario.build({ gup: 'fixed', flush: 'no_ipi' });
    runCheck(
      {
        name: program.name,
        create: () => {
          const inst = program.create();
          return {
            ...inst,
            finalCheck: () => {
              ends.add((inst.describeState?.() ?? '').split('\n')[0]);
              return inst.finalCheck?.();
            },
          };
        },
      },
      {},
    );
    expect([...ends].sort()).toEqual(['pmd = THP folio10 (deposited tbl1)', 'pmd = tbl1']);
  });
});
