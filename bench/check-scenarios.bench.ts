// Speed of the checker on the built-in scenarios (issue #2 section 6): time to verdict, executions
// per second, and DPOR's reduction against plain DFS, measured in one run and printed as a table.

import { afterAll, bench, describe } from 'vitest';
import { runCheck, type CheckResult } from '../src/check/index.js';
import { listScenarios, programName, variantCombinations } from '../src/paths/index.js';

/** Plain DFS gets this many executions; past it the reduction is reported as "more than". */
const DFS_BUDGET = 100_000;

interface Row {
  name: string;
  verdict: string;
  expected: string;
  executions: number;
  ms: number;
  dfs: string;
}

const rows: Row[] = [];

function timed(fn: () => CheckResult): { result: CheckResult; ms: number } {
  const start = performance.now();
  const result = fn();
  return { result, ms: performance.now() - start };
}

for (const s of listScenarios()) {
  describe(s.name, () => {
    for (const v of variantCombinations(s)) {
      const program = s.build(v);
      const name = programName(s, v);
      const { result, ms } = timed(() => runCheck(program));
      const dfs = runCheck(program, { dpor: false, maxIterations: DFS_BUDGET });
      const dfsText =
        dfs.verdict === 'bounded'
          ? `>${DFS_BUDGET} (>${(DFS_BUDGET / result.stats.executions).toFixed(0)}x)`
          : `${dfs.stats.executions} (${(dfs.stats.executions / result.stats.executions).toFixed(1)}x)`;
      rows.push({
        name,
        verdict: result.verdict === 'fail' ? `fail ${result.violation.kind}` : result.verdict,
        expected: s.expected?.(v).verdict ?? '?',
        executions: result.stats.executions,
        ms,
        dfs: dfsText,
      });
      bench(name, () => {
        runCheck(program);
      });
    }
  });
}

afterAll(() => {
  const lines = [
    '| scenario | expected | verdict | executions (dfs+dpor) | time ms | executions/s | plain DFS executions (reduction) |',
    '| --- | --- | --- | ---: | ---: | ---: | --- |',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.expected} | ${r.verdict} | ${r.executions} | ${r.ms.toFixed(1)} | ${Math.round((r.executions / r.ms) * 1000)} | ${r.dfs} |`,
    ),
  ];
  console.log(`\nchecker on built-in scenarios (one run)\n${lines.join('\n')}`);
});
