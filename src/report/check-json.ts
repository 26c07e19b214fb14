// A model-checking result as a plain JSON object (`ptlab check --format json`): one shape for
// every verdict (absent parts are null or empty arrays), snake_case keys, inside the document
// of docs/schemas/check.schema.json.

import type { CheckResult, FailureSize, RunEstimate, ShrinkResult } from '../check/index.js';
import { meetsExpectation, type ExpectedVerdict, type VariantValues } from '../paths/index.js';
import { SCHEMA_VERSION } from './json.js';

/** @deprecated use SCHEMA_VERSION from report/json.ts; kept for callers of the first shape. */
export const CHECK_JSON_VERSION = SCHEMA_VERSION;

/** One step of a trace (performed or pending) in JSON. */
export interface CheckStepJson {
  readonly index: number | null;
  readonly thread: number;
  readonly thread_name: string;
  readonly label: string;
  readonly obj: string;
  readonly access: string;
  readonly blocked: boolean | null;
}

/** Size of a failing execution in JSON. */
export interface FailureSizeJson {
  readonly threads: number;
  readonly steps: number;
  readonly preemptions: number;
}

/** One checked program (one variant combination) in JSON. */
export interface CheckJson {
  readonly variants: Readonly<Record<string, string>>;
  readonly verdict: 'pass' | 'bounded' | 'fail';
  readonly program: string;
  readonly exhaustive: boolean;
  readonly limits: readonly string[];
  readonly violation: {
    readonly kind: string;
    readonly message: string;
    readonly details: Readonly<Record<string, string>>;
  } | null;
  readonly schedule: string | null;
  readonly replay_command: string | null;
  readonly threads: readonly string[];
  readonly trace: readonly CheckStepJson[];
  readonly failed_step: number | null;
  readonly pending: readonly CheckStepJson[];
  readonly state: string | null;
  /** The verdict the scenario expects for these variants, or null when it states none. */
  readonly expected: {
    readonly verdict: 'pass' | 'fail';
    readonly kinds: readonly string[] | null;
    readonly why: string;
  } | null;
  /** Whether the result meets `expected` (null without an expectation). */
  readonly as_expected: boolean | null;
  /** How the failure was shrunk (trace, schedule and replay command are the shrunk ones). */
  readonly shrink: {
    readonly original: FailureSizeJson;
    readonly shrunk: FailureSizeJson;
    readonly original_schedule: string;
    readonly executions: number;
  } | null;
  /** The estimate printed before the run (random probes, Knuth's estimator), or null. */
  readonly estimate: {
    readonly executions: number;
    readonly seconds: number | null;
    readonly probes: number;
    readonly relative_error: number;
  } | null;
  readonly stats: {
    readonly executions: number;
    readonly redundant: number;
    readonly pruned: number;
    readonly steps: number;
    readonly max_depth: number;
    readonly strategy: string;
    readonly seed: number;
    readonly preemption_bound: number | null;
    readonly elapsed_ms: number | null;
  };
}

/** Turns a result into its JSON object, ready for `JSON.stringify`. */
export function checkResultJson(
  result: CheckResult,
  options: {
    readonly replayCommand?: string;
    readonly variants?: VariantValues;
    readonly expected?: ExpectedVerdict;
    readonly shrink?: ShrinkResult;
    readonly estimate?: RunEstimate;
  } = {},
): CheckJson {
  const est = options.estimate;
  const size = (f: FailureSize): FailureSizeJson => ({
    threads: f.threads,
    steps: f.steps,
    preemptions: f.preemptions,
  });
  const e = options.expected;
  const sh = options.shrink;
  const s = result.stats;
  const fail = result.verdict === 'fail' ? result : undefined;
  return {
    variants: { ...(options.variants ?? {}) },
    verdict: result.verdict,
    program: result.program,
    exhaustive: result.verdict === 'pass',
    limits: result.verdict === 'bounded' ? [...result.limits] : [],
    violation: fail
      ? {
          kind: fail.violation.kind,
          message: fail.violation.message,
          details: { ...(fail.violation.details ?? {}) },
        }
      : null,
    schedule: fail ? fail.schedule : null,
    replay_command: fail && options.replayCommand ? options.replayCommand : null,
    threads: fail ? [...fail.threads] : [],
    trace: fail
      ? fail.trace.map((t) => ({
          index: t.index,
          thread: t.thread,
          thread_name: t.threadName,
          label: t.label,
          obj: t.obj,
          access: t.access,
          blocked: null,
        }))
      : [],
    failed_step: fail ? fail.failedStep : null,
    pending: fail
      ? fail.pending.map((p) => ({
          index: null,
          thread: p.thread,
          thread_name: p.threadName,
          label: p.label,
          obj: p.obj,
          access: p.access,
          blocked: p.blocked,
        }))
      : [],
    state: fail?.state ?? null,
    expected: e ? { verdict: e.verdict, kinds: e.kinds ? [...e.kinds] : null, why: e.why } : null,
    as_expected: e ? meetsExpectation(result, e) : null,
    shrink: sh
      ? {
          original: size(sh.original),
          shrunk: size(sh.shrunk),
          original_schedule: sh.originalSchedule,
          executions: sh.executions,
        }
      : null,
    estimate: est
      ? {
          executions: est.executions,
          seconds: est.seconds ?? null,
          probes: est.probes,
          relative_error: est.relativeError,
        }
      : null,
    stats: {
      executions: s.executions,
      redundant: s.redundant,
      pruned: s.pruned,
      steps: s.steps,
      max_depth: s.maxDepth,
      strategy: s.strategy,
      seed: s.seed,
      preemption_bound: s.preemptionBound ?? null,
      elapsed_ms: s.elapsedMs ?? null,
    },
  };
}

/**
 * The `ptlab check --format json` document: `results` holds one entry per variant combination;
 * `all_as_expected` is false when some result is not as its scenario expects (null when none
 * states an expectation, and for a mutant); with `mutations`, `mutation_caught` says whether some
 * result departs from the unmutated expectation (null without mutations).
 */
export function checkDocument(
  target: string,
  mutations: readonly string[],
  results: readonly CheckJson[],
): {
  schema_version: number;
  command: 'check';
  target: string;
  mutations: string[];
  all_as_expected: boolean | null;
  mutation_caught: boolean | null;
  results: CheckJson[];
} {
  const judged = results.filter((r) => r.as_expected !== null);
  const mutant = mutations.length > 0;
  return {
    schema_version: SCHEMA_VERSION,
    command: 'check',
    target,
    mutations: [...mutations],
    all_as_expected:
      mutant || judged.length === 0 ? null : judged.every((r) => r.as_expected === true),
    mutation_caught: !mutant || judged.length === 0 ? null : judged.some((r) => !r.as_expected),
    results: [...results],
  };
}
