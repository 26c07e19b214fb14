// munmap under mmap_lock against GUP-fast and a fault (issue #2 §3; WALK-1, GATHER-4/5).

import { describe, expect, it } from 'vitest';
import { runCheck, type CheckFail } from '../../src/check/index.js';
import { checkScenario, getScenario } from '../../src/paths/index.js';

const scenario = getScenario('munmap_vs_gup_fast');

describe('munmap_vs_gup_fast', () => {
  it.each(['ipi', 'rcu'])('passes exhaustively with table_free=%s', (table_free) => {
    const { result, asExpected } = checkScenario(scenario, { table_free });
    expect(result.verdict).toBe('pass');
    expect(asExpected).toBe(true);
  });

  it('finds GUP-fast reading a freed table when neither an IPI nor RCU protects it, and replays it', () => {
    const { program, result, asExpected } = checkScenario(scenario, { table_free: 'none' });
    expect(asExpected).toBe(true);
    const fail = result as CheckFail;
    expect(fail.violation.kind).toBe('use-after-free');
    expect(fail.trace[fail.failedStep ?? -1].threadName).toBe('gup_fast');
    const again = runCheck(program, { schedule: fail.schedule }) as CheckFail;
    expect(again.verdict).toBe('fail');
    expect(again.violation).toEqual(fail.violation);
  });

  it('reports no violation but the use-after-free in any variant (no lost mapping, leak or accounting error)', () => {
    for (const table_free of ['ipi', 'rcu', 'none']) {
      const { program } = checkScenario(scenario, { table_free }, { maxIterations: 1 });
      const r = runCheck(program, {
        keepGoing: true,
        onFailure: (f) => expect(f.violation.kind).toBe('use-after-free'),
      });
      expect(['pass', 'fail']).toContain(r.verdict);
    }
  });

  it('agrees with plain DFS under a preemption bound of 2 (a check on DPOR)', () => {
    for (const table_free of ['ipi', 'rcu', 'none']) {
      const { program, expected } = checkScenario(scenario, { table_free }, { maxIterations: 1 });
      const r = runCheck(program, { maxPreemptions: 2 });
      expect(r.verdict).toBe(expected?.verdict === 'pass' ? 'bounded' : 'fail');
    }
  });
});
