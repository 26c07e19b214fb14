// A model-checking result as a plain JSON object (`ptlab check --format json`): one shape for
// every verdict (absent parts are null or empty arrays), snake_case keys, inside the document
// of docs/schemas/check.schema.json.

import type { CheckResult } from '../check/index.js';
import type { VariantValues } from '../paths/index.js';
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
  readonly stats: {
    readonly executions: number;
    readonly redundant: number;
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
  options: { readonly replayCommand?: string; readonly variants?: VariantValues } = {},
): CheckJson {
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
    stats: {
      executions: s.executions,
      redundant: s.redundant,
      steps: s.steps,
      max_depth: s.maxDepth,
      strategy: s.strategy,
      seed: s.seed,
      preemption_bound: s.preemptionBound ?? null,
      elapsed_ms: s.elapsedMs ?? null,
    },
  };
}

/** The `ptlab check --format json` document: `results` holds one entry per variant combination. */
export function checkDocument(
  target: string,
  results: readonly CheckJson[],
): { schema_version: number; command: 'check'; target: string; results: CheckJson[] } {
  return { schema_version: SCHEMA_VERSION, command: 'check', target, results: [...results] };
}
