// powerpc pte_free_defer with PTE fragments sharing one rcu_head (issue #2 §3, seed 002).

import { describe, expect, it } from 'vitest';
import { getScenario, measureCost, resolveVariants } from '../../src/paths/index.js';
import { expectScenarioFails, expectScenarioPasses } from './scenario-checks.js';

const NAME = 'ppc_pte_free_defer';
const scenario = getScenario(NAME);

describe('ppc_pte_free_defer', () => {
  it('finds the naive design queuing the page rcu_head twice, and replays it', () => {
    const fail = expectScenarioFails(NAME, { ppc_defer: 'naive' }, 'double-free', 'khugepaged');
    expect(fail.violation.message).toContain('rcu_head queued twice');
  });

  it.each(['hugh', 'jason', 'merged'])('passes exhaustively with ppc_defer=%s', (ppc_defer) => {
    expectScenarioPasses(NAME, { ppc_defer });
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
