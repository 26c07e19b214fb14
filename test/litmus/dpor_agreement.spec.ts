// DPOR against plain DFS (issue #6 §1): on every built-in scenario variant, DPOR must reach every
// Mazurkiewicz trace of a maximal execution, every end state and every violation site that
// preemption-bounded plain DFS reaches; on random programs with derived footprints (steps touching
// several objects, guards), DPOR and unbounded DFS reach the same traces and outcomes. Footprints
// are what the world reported, so a path touching an object without reporting it, or a report
// that DPOR mishandles, shows up here as a missing trace.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listScenarios, programName, variantCombinations } from '../../src/paths/index.js';
import { arbReportedProgram, buildReportedProgram } from './engine/reported-programs.js';
import { missing, outcomes } from './outcomes.js';

const cases = listScenarios().flatMap((s) =>
  variantCombinations(s).map((v) => ({ name: programName(s, v), s, v })),
);

/** Plain DFS budget per variant: bound 2, cut at this many executions (a prefix of DFS's order). */
const DFS_EXECUTIONS = 2_500;

describe('dpor_agreement', () => {
  it.each(cases)('$name: DPOR reaches every trace and outcome bounded DFS reaches', ({ s, v }) => {
    const program = s.build(v);
    const dpor = outcomes(program, {});
    const dfs = outcomes(program, {
      maxPreemptions: 2,
      iterativeBounding: false,
      maxIterations: DFS_EXECUTIONS,
    });
    expect(missing(dpor, dfs)).toEqual({ results: [], traces: 0 });
    expect(dpor.verdict).toBe(s.expected?.(v).verdict);
  });

  it('reaches the same traces, end states and violations as plain DFS on random programs', () => {
    fc.assert(
      fc.property(arbReportedProgram(), (threads) => {
        const program = buildReportedProgram(threads);
        const dfs = outcomes(program, { dpor: false });
        const dpor = outcomes(program, {});
        expect(missing(dpor, dfs)).toEqual({ results: [], traces: 0 });
        expect(missing(dfs, dpor)).toEqual({ results: [], traces: 0 });
        expect(dpor.executions).toBeLessThanOrEqual(dfs.executions);
      }),
      { numRuns: 250, seed: 61 },
    );
  });
});
