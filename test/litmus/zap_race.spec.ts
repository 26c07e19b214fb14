// The port of the GenMC PT_RECLAIM model (issue #6 §4): verdicts per variant, the refill inside
// the dropped-lock window, and the two reductions it relies on (commuting adds, symmetric threads).

import { describe, expect, it } from 'vitest';
import { runCheck, type CheckFail } from '../../src/check/index.js';
import { checkScenario, getScenario, resolveVariants } from '../../src/paths/index.js';

const scenario = getScenario('zap_race');

describe('zap_race', () => {
  it.each([
    ['2', '1', '1'],
    ['2', '2', '2'],
    ['3', '2', '2'],
  ])('passes exhaustively with the fix (entries %s, faulters %s, walkers %s)', (e, f, w) => {
    const { result, asExpected } = checkScenario(scenario, { entries: e, faulters: f, walkers: w });
    expect(result.verdict).toBe('pass');
    expect(asExpected).toBe(true);
  });

  it('finds the fast path unlinking the table a faulter refilled while the lock was dropped', () => {
    const given = { fix: 'buggy', faulters: '2', walkers: '2' };
    const { program, result, asExpected } = checkScenario(scenario, given);
    expect(asExpected).toBe(true);
    const fail = result as CheckFail;
    const labels = fail.trace.map((t) => t.label);
    const drop = labels.indexOf('zapper: need_resched: spin_unlock(ptl)');
    const refill = labels.indexOf('faulter: set_pte_at(pte[0])');
    const clear = labels.indexOf('zapper: fast path: pmd_clear');
    expect(drop).toBeGreaterThanOrEqual(0);
    expect(refill).toBeGreaterThan(drop);
    expect(clear).toBeGreaterThan(refill);
    const again = runCheck(program, { schedule: fail.schedule }) as CheckFail;
    expect(again.violation).toEqual(fail.violation);
  });

  it('explores 2/2/2 in its 251 traces with no execution sleep-set blocked (wakeup trees)', () => {
    // Optimal DPOR's promise on this program (issue #6 §4: under 5%); source-DPOR with wakeup
    // sequences ended 96 of 347 executions blocked.
    const program = scenario.build(resolveVariants(scenario, { faulters: '2', walkers: '2' }));
    const r = runCheck(program);
    expect(r.verdict).toBe('pass');
    expect(r.stats.executions).toBe(251);
    expect(r.stats.redundant).toBe(0);
  });

  it('finds the same verdicts without symmetry reduction, in more executions', () => {
    const program = scenario.build(resolveVariants(scenario, { faulters: '2', walkers: '2' }));
    const sym = runCheck(program);
    const plain = runCheck(program, { symmetry: false });
    expect(plain.verdict).toBe('pass');
    expect(sym.verdict).toBe('pass');
    expect(sym.stats.executions).toBeLessThan(plain.stats.executions);
    const buggy = scenario.build(resolveVariants(scenario, { fix: 'buggy', faulters: '2' }));
    expect(runCheck(buggy, { symmetry: false }).verdict).toBe('fail');
  });
});
