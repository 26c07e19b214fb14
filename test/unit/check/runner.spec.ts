import { describe, expect, it } from 'vitest';
import {
  encodeSchedule,
  runCheck,
  type CheckFail,
  type CheckOptions,
  type CheckResult,
  type Program,
  type Step,
  type ThreadSpec,
} from '../../../src/check/index.js';
import { InvariantError } from '../../../src/util/assert.js';
import { UsageError } from '../../../src/util/errors.js';
import {
  Mem,
  abbaDeadlock,
  access,
  freeVsReader,
  independent,
  racyCounter,
} from '../../litmus/engine/programs.js';

function program(name: string, make: (mem: Mem) => ThreadSpec[], extra = {}): Program {
  return {
    name,
    create() {
      const mem = new Mem();
      return { threads: make(mem), describeState: () => `x=${mem.get('x')}`, ...extra };
    },
  };
}

function thread(name: string, body: () => Generator<Step, void, void>): ThreadSpec {
  return { name, body: body() };
}

function fail(result: CheckResult): CheckFail {
  if (result.verdict !== 'fail') throw new Error(`expected a failure, got ${result.verdict}`);
  return result;
}

/** Preemptions of a trace: switches away from a thread that still had steps to take. */
function preemptions(f: CheckFail): number {
  let n = 0;
  for (let i = 1; i < f.trace.length; i++) {
    const prev = f.trace[i - 1].thread;
    if (f.trace[i].thread === prev) continue;
    const later = f.trace.slice(i).some((s) => s.thread === prev);
    if (later || f.pending.some((p) => p.thread === prev)) n++;
  }
  return n;
}

describe('runCheck', () => {
  describe('deadlock detection', () => {
    it('reports a deadlock naming each blocked thread and its pending step', () => {
      const f = fail(runCheck(abbaDeadlock().program));
      expect(f.violation.kind).toBe('deadlock');
      expect(f.violation.details).toEqual({
        ab: "blocked at 'lock b' on b",
        ba: "blocked at 'lock a' on a",
      });
      expect(f.pending.map((p) => [p.threadName, p.label, p.blocked])).toEqual([
        ['ab', 'lock b', true],
        ['ba', 'lock a', true],
      ]);
      expect(f.failedStep).toBeNull();
    });

    it('reports a thread that waits forever once the others have finished', () => {
      const p = program('wait_forever', (mem) => [
        thread('waiter', function* () {
          yield {
            obj: 'x',
            access: 'read',
            label: 'wait x == 2',
            enabled: () => mem.get('x') === 2,
          };
        }),
        thread('setter', function* () {
          yield access('x', 'write', 'x = 1');
          mem.set('x', 1);
        }),
      ]);
      const f = fail(runCheck(p));
      expect(f.violation.kind).toBe('deadlock');
      expect(f.violation.message).toContain("waiter at 'wait x == 2'");
      expect(f.pending).toHaveLength(1);
    });

    it('does not report a blocked thread that another thread later releases', () => {
      const p = program('handoff', (mem) => [
        thread('waiter', function* () {
          yield { obj: 'x', access: 'read', label: 'wait x', enabled: () => mem.get('x') === 1 };
        }),
        thread('setter', function* () {
          yield access('x', 'write', 'x = 1');
          mem.set('x', 1);
        }),
      ]);
      expect(runCheck(p).verdict).toBe('pass');
    });
  });

  describe('step limit', () => {
    const spinner = program('spinner', (mem) => [
      thread('spin', function* () {
        for (;;) {
          yield access('x', 'read', 'spin on x');
          if (mem.get('x') === 1) return;
        }
      }),
    ]);

    it('reports an execution cut at maxSteps as bounded by default', () => {
      const r = runCheck(spinner, { maxSteps: 50 });
      expect(r.verdict).toBe('bounded');
      if (r.verdict === 'bounded') expect(r.limits).toContain('maxSteps');
      expect(r.stats.maxDepth).toBe(50);
    });

    it('reports it as a step-limit failure with failOnStepLimit', () => {
      const f = fail(runCheck(spinner, { maxSteps: 50, failOnStepLimit: true }));
      expect(f.violation.kind).toBe('step-limit');
      expect(f.trace).toHaveLength(50);
      expect(f.violation.details).toEqual({ spin: "next: 'spin on x' on x" });
    });
  });

  describe('violation reporting', () => {
    it('returns a ViolationSignal raised inside a step, marking that step', () => {
      const f = fail(runCheck(freeVsReader()));
      expect(f.violation).toEqual({
        kind: 'use-after-free',
        message: 'reader used a freed table',
        details: { table: 'freed' },
      });
      expect(f.failedStep).toBe(f.trace.length - 1);
      expect(f.trace[f.trace.length - 1]).toMatchObject({
        threadName: 'reader',
        label: 'use table',
      });
      expect(f.state).toBe('ptr cleared=1 freed=1');
      expect(f.trace.map((s) => s.label)).toEqual([
        'load ptr',
        'clear ptr',
        'free table',
        'use table',
      ]);
    });

    it('reports any other exception of a thread as an assertion with its stack', () => {
      const p = program('throws', () => [
        thread('bad', function* () {
          yield access('x', 'write', 'boom');
          throw new RangeError('index 7 out of range');
        }),
      ]);
      const f = fail(runCheck(p));
      expect(f.violation.kind).toBe('assertion');
      expect(f.violation.message).toContain('RangeError: index 7 out of range');
      expect(f.violation.details?.stack).toContain('RangeError');
      expect(f.failedStep).toBe(0);
    });

    it('reports exceptions of create(), of a guard and of the final check without throwing', () => {
      const create: Program = {
        name: 'bad_create',
        create() {
          throw new Error('no memory');
        },
      };
      expect(fail(runCheck(create)).violation.message).toContain('no memory');
      const guard = program('bad_guard', () => [
        thread('t', function* () {
          yield {
            obj: 'x',
            access: 'read',
            label: 'guarded',
            enabled: () => {
              throw new Error('guard broke');
            },
          };
        }),
      ]);
      expect(fail(runCheck(guard)).violation.message).toContain('guard broke');
      const check: Program = {
        name: 'bad_final',
        create() {
          return {
            threads: [thread('t', function* () {})],
            finalCheck: () => {
              throw new Error('check broke');
            },
          };
        },
      };
      expect(fail(runCheck(check)).violation.message).toContain('check broke');
    });

    it('reports a final-check violation after the steps, with no step marked', () => {
      const f = fail(runCheck(racyCounter(2)));
      expect(f.violation.kind).toBe('assertion');
      expect(f.violation.message).toBe('x = 1 after 2 increments');
      expect(f.failedStep).toBeNull();
      expect(f.pending).toEqual([]);
    });
  });

  it('reports a thread that yields something other than a step, without crashing', () => {
    const p = program('bad_yield', () => [
      {
        name: 'sloppy',
        body: (function* () {
          yield { obj: 'x', access: 'load', label: 'typo' } as unknown as Step;
        })(),
      },
    ]);
    const f = fail(runCheck(p));
    expect(f.violation.kind).toBe('assertion');
    expect(f.violation.message).toContain('thread sloppy yielded {"obj":"x","access":"load"');
  });

  describe('limits', () => {
    it('passes when the last execution exactly meets maxIterations', () => {
      const r = runCheck(independent(2, 1).program, { dpor: false, maxIterations: 2 });
      expect(r.verdict).toBe('pass');
      expect(r.stats.executions).toBe(2);
    });

    it('stops at maxIterations and says so', () => {
      const r = runCheck(independent(3, 3).program, { dpor: false, maxIterations: 10 });
      expect(r.verdict).toBe('bounded');
      if (r.verdict === 'bounded') expect(r.limits).toEqual(['maxIterations']);
      expect(r.stats.executions).toBe(10);
    });

    it('stops at maxTime on the clock it is given', () => {
      let t = 0;
      const r = runCheck(independent(3, 3).program, { dpor: false, maxTime: 5, now: () => t++ });
      expect(r.verdict).toBe('bounded');
      if (r.verdict === 'bounded') expect(r.limits).toEqual(['maxTime']);
      expect(r.stats.elapsedMs).toBeGreaterThanOrEqual(5);
    });

    it('calls onProgress every progressInterval executions', () => {
      const seen: number[] = [];
      const options: CheckOptions = {
        dpor: false,
        progressInterval: 100,
        onProgress: (p) => seen.push(p.executions),
      };
      const r = runCheck(independent(3, 3).program, options);
      expect(seen).toEqual(
        Array.from({ length: Math.floor(r.stats.executions / 100) }, (_, i) => (i + 1) * 100),
      );
    });

    it('keeps going after a failure with keepGoing, reporting every failing execution', () => {
      const failures: string[] = [];
      const r = runCheck(racyCounter(2), {
        keepGoing: true,
        onFailure: (f) => failures.push(f.schedule),
      });
      expect(r.verdict).toBe('fail');
      expect(failures.length).toBeGreaterThan(1);
      expect(new Set(failures).size).toBe(failures.length);
      if (r.verdict === 'fail') expect(r.schedule).toBe(failures[0]);
    });
  });

  describe('preemption bounding', () => {
    it('finds the lost update at bound 1 first, with exactly one preemption', () => {
      const f = fail(runCheck(racyCounter(2), { maxPreemptions: 3 }));
      expect(f.stats.preemptionBound).toBe(1);
      expect(preemptions(f)).toBe(1);
    });

    it('is bounded when schedules beyond the bound exist, and passes when none do', () => {
      const r = runCheck(independent(2, 2).program, { maxPreemptions: 1 });
      expect(r.verdict).toBe('bounded');
      if (r.verdict === 'bounded') expect(r.limits).toContain('maxPreemptions');
      const all = runCheck(independent(2, 2).program, { maxPreemptions: 5 });
      expect(all.verdict).toBe('pass');
      expect(all.stats.preemptionBound).toBeLessThan(5);
    });
  });

  describe('replay', () => {
    it('rejects a token recorded for a different number of threads', () => {
      const token = encodeSchedule({ threadCount: 3, steps: [0, 1, 2] });
      expect(() => runCheck(racyCounter(2), { schedule: token })).toThrow(UsageError);
    });

    it('rejects a token that runs a finished thread', () => {
      const token = encodeSchedule({ threadCount: 2, steps: [0, 0, 0] });
      expect(() => runCheck(racyCounter(2), { schedule: token })).toThrow(/has finished/);
    });

    it('reports a replayed execution that does not fail as bounded by the replay', () => {
      const token = encodeSchedule({ threadCount: 2, steps: [0, 0, 1, 1] });
      const r = runCheck(racyCounter(2), { schedule: token });
      expect(r.verdict).toBe('bounded');
      if (r.verdict === 'bounded') expect(r.limits).toEqual(['replay']);
    });
  });

  it('detects a program whose executions are not reproducible', () => {
    let runs = 0;
    const p: Program = {
      name: 'leaky',
      create() {
        runs++;
        const first = runs === 1;
        return {
          threads: [
            thread('a', function* () {
              yield access('x', 'write');
              yield access('x', 'write');
            }),
            thread('b', function* () {
              yield { obj: 'y', access: 'read', label: 'b', enabled: () => first };
            }),
          ],
        };
      },
    };
    let error: unknown;
    try {
      runCheck(p, { dpor: false });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvariantError);
    expect((error as Error).message).toMatch(/nondeterministic program: replaying step 0/);
  });
});
