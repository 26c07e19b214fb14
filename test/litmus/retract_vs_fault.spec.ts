// khugepaged retract_page_tables against a racing insertion (issue #6 §2 and §3).

import { describe, expect, it } from 'vitest';
import { runCheck, type CheckFail } from '../../src/check/index.js';
import { checkScenario, getScenario } from '../../src/paths/index.js';

const scenario = getScenario('retract_vs_fault');

describe('retract_vs_fault', () => {
  it('passes exhaustively with pte_free_defer: the re-check under the PTE lock skips a refilled table', () => {
    const { result, asExpected } = checkScenario(scenario, { table_free: 'defer' });
    expect(result.verdict).toBe('pass');
    expect(asExpected).toBe(true);
  });

  it('finds the inserter locking a freed table when retract frees at once, and replays it', () => {
    const { program, result, asExpected } = checkScenario(scenario, { table_free: 'none' });
    expect(asExpected).toBe(true);
    const fail = result as CheckFail;
    expect(fail.violation.kind).toBe('use-after-free');
    expect(fail.trace[fail.failedStep ?? -1].threadName).toBe('inserter');
    const again = runCheck(program, { schedule: fail.schedule }) as CheckFail;
    expect(again.violation).toEqual(fail.violation);
  });
});
