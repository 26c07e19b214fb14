// What every scenario litmus test asserts, written once: a variant passes exhaustively as its
// scenario expects, or fails as expected with a named violation at a named thread, and the
// failure's replay token reproduces it (style T4).

import { expect } from 'vitest';
import {
  runCheck,
  type CheckFail,
  type ExecutionRecord,
  type ViolationKind,
} from '../../src/check/index.js';
import { checkScenario, getScenario, type Mutation } from '../../src/paths/index.js';

type Variants = Readonly<Record<string, string>>;

/** Checks `name` with `variants` and requires an exhaustive pass that its scenario expects. */
export function expectScenarioPasses(name: string, variants: Variants = {}): void {
  const { result, asExpected } = checkScenario(getScenario(name), variants);
  expect(result.verdict).toBe('pass');
  expect(asExpected).toBe(true);
}

/**
 * Checks `name` with `variants` (and `mutations`, if any) and requires a failure of `kind`
 * reported by thread `at` (`end`: the final check); unmutated, the scenario must expect it. The
 * replay of the failure's schedule must report the same violation. Returns the failure.
 */
export function expectScenarioFails(
  name: string,
  variants: Variants,
  kind: ViolationKind,
  at: string,
  mutations: readonly Mutation[] = [],
): CheckFail {
  const build = mutations.length > 0 ? { mutations } : undefined;
  const { program, result, asExpected } = checkScenario(getScenario(name), variants, {}, build);
  if (mutations.length === 0) expect(asExpected).toBe(true);
  expect(result.verdict).toBe('fail');
  const fail = result as CheckFail;
  expect(fail.violation.kind).toBe(kind);
  expect(fail.failedStep === null ? 'end' : fail.trace[fail.failedStep].threadName).toBe(at);
  const again = runCheck(program, { schedule: fail.schedule }) as CheckFail;
  expect(again.violation).toEqual(fail.violation);
  return fail;
}

/** Whether some execution of `name` with `variants` has `a` before `b` (step labels `thread: label`). */
export function someExecutionOrders(
  name: string,
  variants: Variants,
  a: string,
  b: string,
): boolean {
  let seen = false;
  const program = getScenario(name).build(variants);
  runCheck(program, {
    onExecution: (e: ExecutionRecord) => {
      const labels = e.trace.map((s) => `${s.threadName}: ${s.label}`);
      const i = labels.indexOf(a);
      const j = labels.indexOf(b);
      seen ||= i >= 0 && j > i;
    },
  });
  return seen;
}

/** The first line of the final state (the PMD) of every complete execution of `name`. */
export function endStates(name: string, variants: Variants): string[] {
  const ends = new Set<string>();
  const program = getScenario(name).build(variants);
  runCheck(
    {
      name: program.name,
      create: () => {
        const inst = program.create();
        return {
          ...inst,
          finalCheck: () => {
            ends.add((inst.describeState?.() ?? '').split('\n')[0]);
            return inst.finalCheck?.();
          },
        };
      },
    },
    {},
  );
  return [...ends].sort();
}
