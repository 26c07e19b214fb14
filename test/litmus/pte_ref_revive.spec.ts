// The 2022 percpu_ref design (issue #2 §3, seed 000; HIST-2).

import { describe, expect, it } from 'vitest';
import { runCheck, type CheckFail } from '../../src/check/index.js';
import { checkScenario, getScenario } from '../../src/paths/index.js';

const scenario = getScenario('pte_ref_revive');

describe('pte_ref_revive', () => {
  it('passes exhaustively with pte_tryget, which fails on a count of zero', () => {
    const { result, asExpected } = checkScenario(scenario, { refcount: 'tryget' });
    expect(result.verdict).toBe('pass');
    expect(asExpected).toBe(true);
  });

  it('finds the naive get reviving a table at zero, and replays it', () => {
    const { program, result, asExpected } = checkScenario(scenario, { refcount: 'naive' });
    expect(asExpected).toBe(true);
    const fail = result as CheckFail;
    expect(fail.trace.some((t) => t.label === 'pte_get: percpu_ref_get')).toBe(true);
    const again = runCheck(program, { schedule: fail.schedule }) as CheckFail;
    expect(again.violation).toEqual(fail.violation);
  });

  it('includes the walker reading the revived table after it was freed', () => {
    const { program } = checkScenario(scenario, { refcount: 'naive' }, { maxIterations: 1 });
    const walkerUaf: string[] = [];
    runCheck(program, {
      keepGoing: true,
      onFailure: (f) => {
        const at = f.failedStep === null ? undefined : f.trace[f.failedStep];
        if (f.violation.kind === 'use-after-free' && at?.threadName === 'walker')
          walkerUaf.push(f.schedule);
      },
    });
    expect(walkerUaf.length).toBeGreaterThan(0);
    const replayed = runCheck(program, { schedule: walkerUaf[0] }) as CheckFail;
    expect(replayed.violation.kind).toBe('use-after-free');
  });
});
