// Every built-in scenario variant: DPOR's verdict agrees with plain DFS bounded to one preemption
// (a check that the paths declare every dependency: a missed one lets DPOR prune a failure).

import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check/index.js';
import { listScenarios, programName, variantCombinations } from '../../src/paths/index.js';

const cases = listScenarios().flatMap((s) =>
  variantCombinations(s).map((v) => ({ name: programName(s, v), s, v })),
);

describe('scenario_dpor_agreement', () => {
  it.each(cases)('$name: DPOR fails wherever preemption-bounded DFS fails', ({ s, v }) => {
    const program = s.build(v);
    const dpor = runCheck(program);
    const bounded = runCheck(program, { maxPreemptions: 1, maxIterations: 200_000 });
    if (bounded.verdict === 'fail') expect(dpor.verdict).toBe('fail');
    expect(dpor.verdict).toBe(s.expected?.(v).verdict);
  });
});
