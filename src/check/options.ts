// Options of a model-checking run, all optional, and the one place their defaults live (style O1).

import { UsageError } from '../util/errors.js';
import type { Violation } from './program.js';
import type { CheckFail, TraceStep } from './result.js';
import type { Scheduler } from './scheduler.js';

/** The built-in exploration strategies. */
export type StrategyName = 'dfs' | 'random' | 'pct' | 'replay';

/** Progress report passed to `onProgress`. */
export interface CheckProgress {
  readonly executions: number;
  /** The deepest execution so far, in steps. */
  readonly depth: number;
  readonly steps: number;
  /** Milliseconds since the start, when a clock (`now`) was given. */
  readonly elapsedMs?: number;
}

/** One execution as `onExecution` sees it. */
export interface ExecutionRecord {
  readonly trace: readonly TraceStep[];
  /** Every thread finished and the final check passed. */
  readonly complete: boolean;
  readonly violation?: Violation;
  /** The step that raised `violation`, or null when none did (deadlock, final check). */
  readonly failedStep?: number | null;
}

/** Options of {@link runCheck}; every field is optional and documents its default. */
export interface CheckOptions {
  /** Exploration strategy. Default: `replay` when `schedule` is given, else `dfs`. */
  readonly strategy?: StrategyName;
  /**
   * dfs: prune equivalent interleavings with source-DPOR and sleep sets. Default true. Turned off
   * when `maxPreemptions` is set, since the bound would make the pruning unsound.
   */
  readonly dpor?: boolean;
  /**
   * Honour the threads' symmetry classes (ThreadSpec.symmetry): of interchangeable threads, one
   * starts only after the one before it started. Default true.
   */
  readonly symmetry?: boolean;
  /** dfs: explore only schedules with at most this many preemptions. Default: unbounded. */
  readonly maxPreemptions?: number;
  /**
   * dfs with `maxPreemptions`: run bounds 0, 1, 2, ... up to it, so the first failure found has
   * the fewest preemptions. Default true.
   */
  readonly iterativeBounding?: boolean;
  /** Executions to run at most. Default: 1,000,000 for dfs, 10,000 for random and pct. */
  readonly maxIterations?: number;
  /** Steps per execution at most; hitting it makes the result `bounded`. Default 10,000. */
  readonly maxSteps?: number;
  /** Report an execution that hits `maxSteps` as a `step-limit` failure (a livelock). Default false. */
  readonly failOnStepLimit?: boolean;
  /** Milliseconds to run at most; needs `now`. Default: no limit. */
  readonly maxTime?: number;
  /** A monotonic clock in milliseconds; the engine never reads one itself (rule R4). Default none. */
  readonly now?: () => number;
  /** Seed of random and pct. Default 0. */
  readonly seed?: number;
  /** pct: the bug depth d, i.e. d - 1 priority change points per execution. Default 3. */
  readonly pctDepth?: number;
  /** replay: the schedule token to follow (see schedule.ts). */
  readonly schedule?: string;
  /** Called every `progressInterval` executions. Default: never. */
  readonly onProgress?: (progress: CheckProgress) => void;
  /** Executions between `onProgress` calls. Default 1,000. */
  readonly progressInterval?: number;
  /**
   * Keep exploring after a failure: the result is still the first failure, with the counters of
   * the whole exploration, and `onFailure` sees every failing execution. Default false.
   */
  readonly keepGoing?: boolean;
  /**
   * Called with each failing execution when `keepGoing` is set; returning true stops the
   * exploration there (the result is then that failure). Default: none.
   */
  readonly onFailure?: (failure: CheckFail) => unknown;
  /**
   * Called after every execution that was not abandoned as redundant, with its trace and
   * footprints (slow: for tests that compare explorations, and tools). Default: none.
   */
  readonly onExecution?: (execution: ExecutionRecord) => void;
  /** A custom scheduler object, used instead of `strategy` (style O4). Default none. */
  readonly scheduler?: Scheduler;
}

/** Options with every default applied. */
export interface ResolvedCheckOptions {
  readonly strategy: StrategyName;
  readonly dpor: boolean;
  readonly symmetry: boolean;
  readonly maxPreemptions: number | undefined;
  readonly iterativeBounding: boolean;
  readonly maxIterations: number;
  readonly maxSteps: number;
  readonly failOnStepLimit: boolean;
  readonly maxTime: number | undefined;
  readonly now: (() => number) | undefined;
  readonly seed: number;
  readonly pctDepth: number;
  readonly schedule: string | undefined;
  readonly onProgress: ((progress: CheckProgress) => void) | undefined;
  readonly progressInterval: number;
  readonly keepGoing: boolean;
  readonly onFailure: ((failure: CheckFail) => unknown) | undefined;
  readonly onExecution: ((execution: ExecutionRecord) => void) | undefined;
  readonly scheduler: Scheduler | undefined;
}

const STRATEGIES: readonly StrategyName[] = ['dfs', 'random', 'pct', 'replay'];

/** Applies the defaults and validates every option, throwing a UsageError on a bad one. */
export function resolveCheckOptions(o: CheckOptions = {}): ResolvedCheckOptions {
  const strategy = o.strategy ?? (o.schedule !== undefined ? 'replay' : 'dfs');
  if (!STRATEGIES.includes(strategy)) {
    throw new UsageError(
      'unknown-name',
      `unknown strategy '${String(strategy)}': expected one of ${STRATEGIES.join(', ')}`,
    );
  }
  if (strategy === 'replay' && o.schedule === undefined) {
    throw new UsageError('option', 'strategy replay needs a schedule token (option schedule)');
  }
  const maxPreemptions = o.maxPreemptions;
  if (maxPreemptions !== undefined) nonNegativeInt('maxPreemptions', maxPreemptions);
  if (o.maxTime !== undefined) {
    positive('maxTime', o.maxTime);
    if (o.now === undefined) {
      throw new UsageError('option', 'maxTime needs a clock: pass `now` (e.g. performance.now)');
    }
  }
  const resolved = {
    strategy,
    dpor: (o.dpor ?? true) && maxPreemptions === undefined,
    symmetry: o.symmetry ?? true,
    maxPreemptions,
    iterativeBounding: o.iterativeBounding ?? true,
    maxIterations: o.maxIterations ?? (strategy === 'dfs' ? 1_000_000 : 10_000),
    maxSteps: o.maxSteps ?? 10_000,
    failOnStepLimit: o.failOnStepLimit ?? false,
    maxTime: o.maxTime,
    now: o.now,
    seed: o.seed ?? 0,
    pctDepth: o.pctDepth ?? 3,
    schedule: o.schedule,
    onProgress: o.onProgress,
    progressInterval: o.progressInterval ?? 1000,
    keepGoing: o.keepGoing ?? false,
    onFailure: o.onFailure,
    onExecution: o.onExecution,
    scheduler: o.scheduler,
  } satisfies ResolvedCheckOptions;
  positiveInt('maxIterations', resolved.maxIterations);
  positiveInt('maxSteps', resolved.maxSteps);
  nonNegativeInt('seed', resolved.seed);
  positiveInt('pctDepth', resolved.pctDepth);
  positiveInt('progressInterval', resolved.progressInterval);
  return resolved;
}

function positive(name: string, v: number): void {
  if (!(v > 0)) throw new UsageError('option', `${name} must be positive, got ${v}`);
}

function positiveInt(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 1) {
    throw new UsageError('option', `${name} must be a positive integer, got ${v}`);
  }
}

function nonNegativeInt(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new UsageError('option', `${name} must be a non-negative integer, got ${v}`);
  }
}
