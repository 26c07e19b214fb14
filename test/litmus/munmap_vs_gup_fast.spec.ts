// munmap under mmap_lock against GUP-fast and a fault (issue #2 §3; WALK-1, GATHER-4/5).

import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check/index.js';
import { checkScenario, getScenario } from '../../src/paths/index.js';
import { expectScenarioFails, expectScenarioPasses } from './scenario-checks.js';

const scenario = getScenario('munmap_vs_gup_fast');

describe('munmap_vs_gup_fast', () => {
  it.each(['ipi', 'rcu'])('passes exhaustively with table_free=%s', (table_free) => {
    expectScenarioPasses('munmap_vs_gup_fast', { table_free });
  });

  it('finds GUP-fast reading a freed table when neither an IPI nor RCU protects it, and replays it', () => {
    expectScenarioFails('munmap_vs_gup_fast', { table_free: 'none' }, 'use-after-free', 'gup_fast');
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
