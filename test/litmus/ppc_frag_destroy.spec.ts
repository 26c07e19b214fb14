// powerpc pte_frag_destroy against pte_free_defer of a carved fragment (issue #6 §3): the 2026 fix
// "powerpc/pgtable-frag: Fix bad page state in pte_frag_destroy" as two variants.

import { describe, expect, it } from 'vitest';
import { runCheck, type CheckFail } from '../../src/check/index.js';
import { checkScenario, getScenario } from '../../src/paths/index.js';

const scenario = getScenario('ppc_frag_destroy');

describe('ppc_frag_destroy', () => {
  it('finds the buggy teardown freeing the page with PG_active set, and replays it', () => {
    const { program, result, asExpected } = checkScenario(scenario, { destroy: 'buggy' });
    expect(asExpected).toBe(true);
    const fail = result as CheckFail;
    expect(fail.verdict).toBe('fail');
    expect(fail.violation.kind).toBe('bad-page-state');
    expect(fail.violation.message).toContain('pte_frag_destroy');
    const again = runCheck(program, { schedule: fail.schedule }) as CheckFail;
    expect(again.violation).toEqual(fail.violation);
  });

  it('passes exhaustively with the fix, over both orders of the two last references', () => {
    const { result, asExpected } = checkScenario(scenario, { destroy: 'fixed' });
    expect(result.verdict).toBe('pass');
    expect(asExpected).toBe(true);
    expect(result.stats.executions).toBe(2);
  });
});
