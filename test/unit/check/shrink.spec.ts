import { describe, expect, it } from 'vitest';
import {
  decodeSchedule,
  runCheck,
  shrinkFailure,
  violate,
  type CheckFail,
  type CheckResult,
  type Program,
  type Step,
  type ThreadSpec,
} from '../../../src/check/index.js';
import { getScenario, resolveVariants } from '../../../src/paths/index.js';
import { Mem, access } from '../../litmus/engine/programs.js';

function fail(result: CheckResult): CheckFail {
  if (result.verdict !== 'fail') throw new Error(`expected a failure, got ${result.verdict}`);
  return result;
}

/**
 * A lost update (two threads add 1 to x without a lock; the checker thread asserts x = 2 after
 * both) plus `noise` threads that write cells of their own: only the two adders matter.
 */
function lostUpdate(noise: number): Program {
  return {
    name: `lost_update+${noise}`,
    create() {
      const mem = new Mem();
      const done = { n: 0 };
      const adder = (name: string): ThreadSpec => ({
        name,
        body: (function* (): Generator<Step, void, void> {
          yield access('x', 'read');
          const v = mem.get('x');
          yield access('x', 'write');
          mem.set('x', v + 1);
          yield access('done', 'rmw');
          done.n++;
        })(),
      });
      const threads: ThreadSpec[] = [];
      for (let i = 0; i < noise; i++) {
        threads.push({
          name: `noise${i}`,
          body: (function* (): Generator<Step, void, void> {
            for (let k = 0; k < 3; k++) {
              yield access(`n${i}`, 'write');
              mem.set(`n${i}`, k);
            }
          })(),
        });
      }
      threads.push(adder('a'), adder('b'), {
        name: 'checker',
        body: (function* (): Generator<Step, void, void> {
          yield { obj: 'done', access: 'read', label: 'wait both', enabled: () => done.n === 2 };
          if (mem.get('x') !== 2) violate('assertion', `x = ${mem.get('x')}`);
        })(),
      });
      return { threads };
    },
  };
}

describe('shrinkFailure', () => {
  it('drops threads that do not matter and keeps a real, replayable failure at the same site', () => {
    const program = lostUpdate(3);
    // Round-robin-ish found failure: random search steps every noise thread in.
    const found = fail(runCheck(program, { strategy: 'random', seed: 7, maxIterations: 500 }));
    const s = shrinkFailure(program, found);
    expect(s.original.threads).toBeGreaterThan(3);
    expect(s.shrunk.threads).toBe(3);
    expect(s.fail.violation.kind).toBe('assertion');
    expect(s.fail.trace[s.fail.failedStep ?? 0].label).toBe('wait both');
    const again = fail(runCheck(program, { schedule: s.fail.schedule }));
    expect(again.violation.message).toBe(s.fail.violation.message);
    expect(decodeSchedule(s.fail.schedule).steps.length).toBe(s.shrunk.steps);
  });

  it('spends no more executions than its budget, by default the search that found the failure or 200', () => {
    const program = lostUpdate(3);
    const found = fail(runCheck(program, { strategy: 'random', seed: 7, maxIterations: 500 }));
    expect(shrinkFailure(program, found).executions).toBeLessThanOrEqual(
      Math.max(200, found.stats.executions + found.stats.redundant),
    );
    const tight = shrinkFailure(program, found, { budget: 5 });
    expect(tight.executions).toBeLessThanOrEqual(5);
    expect(tight.fail.violation.kind).toBe('assertion');
  });

  it('returns the original failure when nothing smaller exists', () => {
    const program = lostUpdate(0);
    const found = fail(runCheck(program));
    const s = shrinkFailure(program, found);
    expect(s.shrunk).toEqual(s.original);
    expect(s.fail.schedule).toBe(found.schedule);
  });

  it('shrinks the semi-RCU use-after-free of pt_reclaim_vs_walkers to the walker and madvise', () => {
    const sc = getScenario('pt_reclaim_vs_walkers');
    const program = sc.build(resolveVariants(sc, { table_free: 'semi_rcu' }));
    const found = fail(runCheck(program));
    const s = shrinkFailure(program, found);
    expect(s.original).toMatchObject({ threads: 4 });
    expect(s.shrunk).toEqual({ threads: 2, steps: 16, preemptions: 1 });
    expect(new Set(s.fail.trace.map((t) => t.threadName))).toEqual(new Set(['madvise', 'walker']));
    expect(s.executions).toBeLessThanOrEqual(200);
  });
});
