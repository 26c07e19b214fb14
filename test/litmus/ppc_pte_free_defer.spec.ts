// powerpc pte_free_defer with PTE fragments sharing one rcu_head (issue #2 §3, seed 002).

import { describe, expect, it } from 'vitest';
import { runCheck, type CheckFail } from '../../src/check/index.js';
import { checkScenario, getScenario, measureCost, resolveVariants } from '../../src/paths/index.js';

const scenario = getScenario('ppc_pte_free_defer');

describe('ppc_pte_free_defer', () => {
  it('finds the naive design queuing the page rcu_head twice, and replays it', () => {
    const { program, result, asExpected } = checkScenario(scenario, { ppc_defer: 'naive' });
    expect(asExpected).toBe(true);
    const fail = result as CheckFail;
    expect(fail.violation.kind).toBe('double-free');
    expect(fail.violation.message).toContain('rcu_head queued twice');
    const again = runCheck(program, { schedule: fail.schedule }) as CheckFail;
    expect(again.violation).toEqual(fail.violation);
  });

  it.each(['hugh', 'jason', 'merged'])('passes exhaustively with ppc_defer=%s', (ppc_defer) => {
    const { result, asExpected } = checkScenario(scenario, { ppc_defer });
    expect(result.verdict).toBe('pass');
    expect(asExpected).toBe(true);
  });

  it('reports the cost of each design: hugh may wait two grace periods, jason and merged one', () => {
    const cost = (ppc_defer: string) =>
      measureCost(scenario.build(resolveVariants(scenario, { ppc_defer }))).metrics;
    const hugh = cost('hugh');
    const jason = cost('jason');
    const merged = cost('merged');
    expect(hugh.grace_periods.max).toBe(2);
    expect(hugh.rcu_callbacks.max).toBe(2);
    expect(jason.grace_periods.max).toBe(1);
    expect(merged.grace_periods.max).toBe(1);
    for (const m of [hugh, jason, merged]) expect(m.pages_freed.min).toBe(1);
  });
});
