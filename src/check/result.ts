// The outcome of a model-checking run as data (style B.10.4, E1b): pass, bounded or fail, never thrown.

import type { AccessKind } from './access.js';
import type { Access, Violation } from './program.js';

/** Counters present in every result. */
export interface CheckStats {
  /** Executions run to their end (finished, failed, deadlocked or cut by a limit). */
  readonly executions: number;
  /** Executions abandoned by DPOR's sleep sets as equivalent to explored ones. */
  readonly redundant: number;
  /**
   * Partial executions abandoned by DPOR when a step of the wakeup sequence they followed was
   * disabled (the race reversal they stood for is infeasible); their steps count in `steps`.
   */
  readonly pruned: number;
  /** Steps performed over all executions. */
  readonly steps: number;
  /** The longest execution, in steps. */
  readonly maxDepth: number;
  /** e.g. `dfs+dpor`, `dfs`, `dfs(preemptions<=2)`, `random`, `pct(d=3)`, `replay`. */
  readonly strategy: string;
  readonly seed: number;
  /** The preemption bound in force when the run ended, when bounding was used. */
  readonly preemptionBound?: number;
  /** Wall time, when a clock was given. */
  readonly elapsedMs?: number;
}

/** A limit that stopped the exploration short of exhaustive. */
export type CheckLimit =
  | 'maxIterations' // the execution budget ran out
  | 'maxSteps' // some execution was cut at maxSteps (possible livelock or unbounded loop)
  | 'maxTime' // the time budget ran out
  | 'maxPreemptions' // schedules with more preemptions were not explored
  | 'sampling' // random and pct sample executions, they never prove absence
  | 'replay'; // one replayed execution, which did not fail

/** One object a step touched. */
export interface TraceAccess {
  readonly obj: string;
  readonly access: AccessKind;
}

/** One performed step of a trace. */
export interface TraceStep {
  /** 0-based position in the execution. */
  readonly index: number;
  readonly thread: number;
  readonly threadName: string;
  readonly label: string;
  /** The declared object, else the first object written, else the first read ('' if none). */
  readonly obj: string;
  readonly access: Access;
  /** The step's footprint: every object it touched (its guard's reads included), writes first. */
  readonly accesses: readonly TraceAccess[];
}

/** A thread that had not finished when the failing execution stopped, and its next step. */
export interface PendingStep {
  readonly thread: number;
  readonly threadName: string;
  readonly label: string;
  readonly obj: string;
  readonly access: Access;
  readonly blocked: boolean;
}

/** Every execution explored, no violation: the property holds for this program. */
export interface CheckPass {
  readonly verdict: 'pass';
  readonly program: string;
  readonly exhaustive: true;
  readonly stats: CheckStats;
}

/** No violation found, but the exploration was cut short (see `limits`). */
export interface CheckBounded {
  readonly verdict: 'bounded';
  readonly program: string;
  readonly limits: readonly CheckLimit[];
  readonly stats: CheckStats;
}

/** A violation, with everything needed to read and replay it. */
export interface CheckFail {
  readonly verdict: 'fail';
  readonly program: string;
  readonly violation: Violation;
  /** Replay token of the failing execution (see schedule.ts). */
  readonly schedule: string;
  readonly threads: readonly string[];
  readonly trace: readonly TraceStep[];
  /** Index in `trace` of the step that raised the violation; null when found after the steps. */
  readonly failedStep: number | null;
  /** Unfinished threads at the failure point, with their next steps. */
  readonly pending: readonly PendingStep[];
  /** `describeState()` of the program at the failure point, when it has one. */
  readonly state?: string;
  readonly stats: CheckStats;
}

/** The result of {@link runCheck}. */
export type CheckResult = CheckPass | CheckBounded | CheckFail;
