// Runs a scenario under the checker and compares the verdict with the one its author expects.

import { runCheck, type CheckOptions, type CheckResult } from '../../check/index.js';
import type { Program } from '../../check/program.js';
import { resolveVariants } from './index.js';
import type { BuildOptions, ExpectedVerdict, Scenario, VariantValues } from './scenario.js';

/** A scenario run: the program checked, its variant values, the result and the expectation. */
export interface ScenarioCheck {
  readonly program: Program;
  readonly values: VariantValues;
  readonly result: CheckResult;
  readonly expected: ExpectedVerdict | undefined;
  /** Whether the result agrees with `expected` (undefined when the scenario states none). */
  readonly asExpected: boolean | undefined;
}

/** True when `result` reaches `expected`: an exhaustive pass, or a failure of an expected kind. */
export function meetsExpectation(result: CheckResult, expected: ExpectedVerdict): boolean {
  if (expected.verdict === 'pass') return result.verdict === 'pass';
  if (result.verdict !== 'fail') return false;
  return expected.kinds === undefined || expected.kinds.includes(result.violation.kind);
}

/**
 * Checks `scenario` with the variant values `given` (defaults for the rest).
 * @example
 * const { result, asExpected } = checkScenario(getScenario('munmap_vs_gup_fast'), { table_free: 'none' });
 */
export function checkScenario(
  scenario: Scenario,
  given: Readonly<Record<string, string>> = {},
  options?: CheckOptions,
  build?: BuildOptions,
): ScenarioCheck {
  const values = resolveVariants(scenario, given);
  const program = scenario.build(values, build);
  const result = runCheck(program, options);
  const expected = scenario.expected?.(values);
  return {
    program,
    values,
    result,
    expected,
    asExpected: expected === undefined ? undefined : meetsExpectation(result, expected),
  };
}
