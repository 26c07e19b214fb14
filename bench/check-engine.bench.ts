// Speed of the generic model-checking engine (issue #2 section 6): executions and steps per second
// on generic programs, and DPOR's reduction against plain DFS (executions explored), measured in
// one run and printed as a table.

import { afterAll, bench, describe } from 'vitest';
import {
  runCheck,
  type CheckOptions,
  type CheckResult,
  type Program,
  type Step,
} from '../src/check/index.js';
import {
  Mem,
  access,
  acquire,
  independent,
  lostUpdate,
  release,
  storeBuffering,
  writeReadCausality,
} from '../test/litmus/engine/programs.js';

/**
 * A kernel-shaped program: `threads` threads of `local` private steps, every `every`-th followed
 * by a shared section (even threads: lock, write the shared slot, unlock; odd ones: a lockless read).
 */
function kernelShaped(threads: number, local: number, every: number): Program {
  return {
    name: `kernel_shaped_${threads}x${local}/${every}`,
    create() {
      const mem = new Mem();
      return {
        threads: Array.from({ length: threads }, (_, i) => ({
          name: `t${i}`,
          body: (function* (): Generator<Step, void, void> {
            for (let j = 0; j < local; j++) {
              yield access(`own${i}`, 'write');
              mem.set(`own${i}`, j);
              if (j % every !== 0) continue;
              if (i % 2 === 0) {
                yield* acquire(mem, 'ptl');
                yield access('pmd', 'write');
                mem.set('pmd', mem.get('pmd') + 1);
                yield* release(mem, 'ptl');
              } else {
                yield access('pmd', 'read');
              }
            }
          })(),
        })),
      };
    },
  };
}

const PROGRAMS: readonly (() => Program)[] = [
  () => storeBuffering().program,
  () => writeReadCausality().program,
  () => lostUpdate(3, { locked: false }).program,
  () => lostUpdate(4, { locked: true }).program,
  () => independent(3, 3).program,
  () => kernelShaped(3, 6, 3),
  () => kernelShaped(4, 30, 15),
];

function timed(program: Program, options: CheckOptions): { ms: number; r: CheckResult } {
  const start = performance.now();
  const r = runCheck(program, options);
  return { ms: performance.now() - start, r };
}

describe('check engine', () => {
  for (const make of PROGRAMS) {
    bench(`dfs+dpor exhaustive: ${make().name}`, () => void runCheck(make()), {
      iterations: 3,
      time: 0,
    });
  }

  bench(
    'random: 10,000 executions of kernel_shaped_4x30/15',
    () => {
      runCheck(kernelShaped(4, 30, 15), { strategy: 'random', maxIterations: 10_000 });
    },
    { iterations: 3, time: 0 },
  );

  bench(
    'plain dfs: 10,000 executions of kernel_shaped_4x30/15',
    () => {
      runCheck(kernelShaped(4, 30, 15), { dpor: false, maxIterations: 10_000 });
    },
    { iterations: 3, time: 0 },
  );
});

afterAll(() => {
  const rows = PROGRAMS.map((make) => {
    const d = timed(make(), { dpor: true });
    const p = runCheck(make(), { dpor: false, maxIterations: 100_000 });
    const explored = d.r.stats.executions + d.r.stats.redundant;
    const done = p.verdict === 'pass' ? '' : '>';
    return {
      program: make().name,
      'dfs+dpor': d.r.stats.executions,
      'sleep-blocked': d.r.stats.redundant,
      'plain dfs': `${done}${p.stats.executions}`,
      reduction: `${done}${(p.stats.executions / explored).toFixed(1)}x`,
      'executions/s': Math.round((explored / d.ms) * 1000),
      'steps/s': Math.round((d.r.stats.steps / d.ms) * 1000),
    };
  });
  console.log('\nDPOR reduction (executions explored to exhaustion) and speed of dfs+dpor');
  console.table(rows);
});
