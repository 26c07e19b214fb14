// DPOR's soundness, checked against plain DFS: on random programs with locks and blocking waits,
// both reach the same set of final outcomes and the same deadlocked states, and the same distinct
// violations when threads also assert.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runCheck, type CheckOptions } from '../../../src/check/index.js';
import { arbProgram, buildProgram, type Op } from './random-programs.js';
import { agreementRuns, agreementTimeout } from './sweep.js';

function outcomes(
  threads: Op[][],
  options: CheckOptions,
): { seen: Set<string>; executions: number } {
  const seen = new Set<string>();
  const r = runCheck(buildProgram(threads, seen), {
    ...options,
    keepGoing: true,
    onFailure: (f) => seen.add(`${f.violation.kind}: ${f.state ?? ''}`),
  });
  expect(r.verdict === 'bounded').toBe(false);
  return { seen, executions: r.stats.executions };
}

describe('dpor_vs_dfs', () => {
  it(
    'reaches every outcome and deadlock of plain DFS on random programs',
    () => {
      fc.assert(
        fc.property(arbProgram({ asserts: false }), (threads) => {
          const dfs = outcomes(threads, { dpor: false });
          const dpor = outcomes(threads, { dpor: true });
          expect([...dpor.seen].sort()).toEqual([...dfs.seen].sort());
          expect(dpor.executions).toBeLessThanOrEqual(dfs.executions);
        }),
        agreementRuns(300, 42),
      );
    },
    agreementTimeout,
  );

  it(
    'finds every distinct violation plain DFS finds, with keepGoing, on programs that assert',
    () => {
      fc.assert(
        fc.property(arbProgram({ asserts: true }), (threads) => {
          const violations = (dpor: boolean): string[] => {
            const seen = new Set<string>();
            runCheck(buildProgram(threads, new Set()), {
              dpor,
              keepGoing: true,
              onFailure: (f) => seen.add(`${f.violation.kind}: ${f.violation.message}`),
            });
            return [...seen].sort();
          };
          expect(violations(true)).toEqual(violations(false));
        }),
        agreementRuns(300, 43),
      );
    },
    agreementTimeout,
  );
});
