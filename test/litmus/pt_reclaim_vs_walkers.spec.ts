// PT_RECLAIM against a fault, GUP-fast and an RCU pte_offset_map walker (issue #2 §3, seed 001).

import { describe, expect, it } from 'vitest';
import { runCheck, type CheckFail } from '../../src/check/index.js';
import { checkScenario, getScenario } from '../../src/paths/index.js';

const scenario = getScenario('pt_reclaim_vs_walkers');

describe('pt_reclaim_vs_walkers', () => {
  it('passes exhaustively when the one-table fallback frees by RCU (table_free=rcu, 6.14+)', () => {
    const { result, asExpected } = checkScenario(scenario, { table_free: 'rcu' });
    expect(result.verdict).toBe('pass');
    expect(asExpected).toBe(true);
  });

  it('passes exhaustively when the batch page is available, even with semi-RCU', () => {
    const { result } = checkScenario(scenario, { table_free: 'semi_rcu', batch: 'alloc' });
    expect(result.verdict).toBe('pass');
  });

  it('finds the walker using a freed table on an arch whose __pte_free_tlb frees at once (table_free=page)', () => {
    const { result, asExpected } = checkScenario(scenario, { table_free: 'page' });
    expect(asExpected).toBe(true);
    const fail = result as CheckFail;
    expect(fail.violation.kind).toBe('use-after-free');
    expect(fail.trace[fail.failedStep ?? -1].threadName).toBe('walker');
  });

  it('finds the semi-RCU use-after-free and replays it from its token', () => {
    const { program, result, asExpected } = checkScenario(scenario, { table_free: 'semi_rcu' });
    expect(asExpected).toBe(true);
    const fail = result as CheckFail;
    expect(fail.violation.kind).toBe('use-after-free');
    const at = fail.trace[fail.failedStep ?? -1];
    expect(`${at.threadName}: ${at.label}`).toBe('walker: pte_offset_map walker: ptep_get');
    const labels = fail.trace.map((t) => `${t.threadName}: ${t.label}`);
    const read = labels.indexOf('walker: pte_offset_map: pmdp_get_lockless');
    const ipi = labels.indexOf('madvise: tlb_remove_table_sync_one: send IPI');
    const free = labels.indexOf('madvise: __tlb_remove_table: pagetable_free');
    expect(read).toBeGreaterThanOrEqual(0);
    expect(ipi).toBeGreaterThan(read);
    expect(free).toBeGreaterThan(ipi);
    const again = runCheck(program, { schedule: fail.schedule });
    expect(again.verdict).toBe('fail');
    expect((again as CheckFail).violation).toEqual(fail.violation);
    expect((again as CheckFail).trace).toEqual(fail.trace);
  });

  it('blames only rcu_read_lock walkers, the pte_offset_map walker among them, never GUP-fast', () => {
    const culprits = new Set<string>();
    const { program } = checkScenario(scenario, { table_free: 'semi_rcu' }, { maxIterations: 1 });
    const result = runCheck(program, {
      keepGoing: true,
      onFailure: (f) => {
        if (f.violation.kind === 'use-after-free' && f.failedStep !== null) {
          culprits.add(f.trace[f.failedStep].threadName);
        }
      },
    });
    expect(result.verdict).toBe('fail');
    expect(culprits.has('walker')).toBe(true);
    expect(culprits.has('gup_fast')).toBe(false);
    expect([...culprits].every((t) => t === 'walker' || t === 'fault')).toBe(true);
  });

  it('agrees with plain DFS under a preemption bound of 1 (a check on DPOR)', () => {
    for (const table_free of ['rcu', 'semi_rcu']) {
      const { program, expected } = checkScenario(scenario, { table_free }, { maxIterations: 1 });
      const r = runCheck(program, { maxPreemptions: 1 });
      expect(r.verdict).toBe(expected?.verdict === 'pass' ? 'bounded' : 'fail');
    }
  });
});
