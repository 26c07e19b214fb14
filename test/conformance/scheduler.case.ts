// Conformance suite every scheduler passes (style T2, after hono's common.case.test.ts and
// shuttle's check_replay_roundtrip): replay round-trip, every SC outcome of the litmus programs,
// and determinism for a fixed seed. Each scheduler's spec is a three-line call.

import { describe, expect, it } from 'vitest';
import { runCheck, type CheckOptions, type Program } from '../../src/check/index.js';
import {
  abbaDeadlock,
  freeVsReader,
  lostUpdate,
  messagePassing,
  racyCounter,
  storeBuffering,
  writeReadCausality,
  type Litmus,
} from '../litmus/engine/programs.js';

/** What a scheduler under test is built from: a seed and, for replay, the program. */
export interface SchedulerContext {
  readonly seed: number;
  readonly program: Program;
}

/** Tests of the suite, by name, so a spec can skip some with a reason (style T7). */
export const SCHEDULER_TESTS = {
  replay: 'replays a failing schedule to the identical trace and violation',
  outcomes: 'finds every outcome SC allows in each litmus program',
  deadlock: 'finds the ABBA deadlock',
  seed: 'gives the same executions for the same seed',
} as const;

type TestName = (typeof SCHEDULER_TESTS)[keyof typeof SCHEDULER_TESTS];

/** Runs the suite for the scheduler that `make` selects. */
export function runSchedulerConformance(o: {
  readonly make: (ctx: SchedulerContext) => CheckOptions;
  readonly skip?: readonly { readonly reason: string; readonly tests: readonly TestName[] }[];
}): void {
  const skipped = (name: TestName): string | undefined =>
    o.skip?.find((s) => s.tests.includes(name))?.reason;
  const test = (name: TestName, fn: () => void): void => {
    const reason = skipped(name);
    if (reason === undefined) it(name, fn);
    else it.skip(`${name} (skipped: ${reason})`, fn);
  };
  // Samplers get enough executions to reach every outcome of these tiny programs.
  const options = (program: Program, seed = 1): CheckOptions => ({
    maxIterations: 3000,
    ...o.make({ seed, program }),
  });

  describe('scheduler conformance', () => {
    test(SCHEDULER_TESTS.replay, () => {
      for (const program of [racyCounter(2), freeVsReader(), abbaDeadlock().program]) {
        const found = runCheck(program, options(program));
        expect(found.verdict, program.name).toBe('fail');
        if (found.verdict !== 'fail') return;
        const again = runCheck(program, { schedule: found.schedule });
        expect(again.verdict).toBe('fail');
        if (again.verdict !== 'fail') return;
        expect(again.violation).toEqual(found.violation);
        expect(again.trace).toEqual(found.trace);
        expect(again.failedStep).toBe(found.failedStep);
        expect(again.pending).toEqual(found.pending);
        expect(again.state).toBe(found.state);
        expect(again.schedule).toBe(found.schedule);
      }
    });

    test(SCHEDULER_TESTS.outcomes, () => {
      const programs: Litmus[] = [
        storeBuffering(),
        messagePassing(),
        lostUpdate(2, { locked: false }),
        lostUpdate(2, { locked: true }),
        lostUpdate(3, { locked: false }),
        writeReadCausality(),
      ];
      for (const l of programs) {
        const r = runCheck(l.program, options(l.program));
        expect(r.verdict, l.program.name).not.toBe('fail');
        expect([...l.seen].sort(), l.program.name).toEqual([...l.expected].sort());
      }
    });

    test(SCHEDULER_TESTS.deadlock, () => {
      const l = abbaDeadlock();
      const r = runCheck(l.program, options(l.program));
      expect(r.verdict).toBe('fail');
      if (r.verdict === 'fail') expect(r.violation.kind).toBe('deadlock');
    });

    test(SCHEDULER_TESTS.seed, () => {
      // Every execution fails its final check, so keepGoing hands each schedule to onFailure.
      const run = (seed: number): string[] => {
        const l = writeReadCausality();
        const program: Program = {
          name: l.program.name,
          create() {
            const inner = l.program.create();
            return {
              threads: inner.threads,
              finalCheck: () => ({ kind: 'assertion', message: inner.describeState?.() ?? '' }),
            };
          },
        };
        const tokens: string[] = [];
        runCheck(program, {
          ...options(program, seed),
          maxIterations: 50,
          keepGoing: true,
          onFailure: (f) => tokens.push(`${f.schedule} ${f.violation.message}`),
        });
        return tokens;
      };
      const first = run(7);
      expect(first.length).toBeGreaterThan(0);
      expect(run(7)).toEqual(first);
      expect(run(8)).toEqual(run(8));
    });
  });
}
