// Shrinking a counterexample (issue #6 §5): after a failure, search for a failing execution of the
// same program that needs fewer threads, then fewer preemptions and steps. Threads are removed by
// deferring them: a deferred thread runs only when no other thread can, so a failure that still
// happens shows that the thread does not matter to it. Every result is a real execution of the
// program, so it has its own replay token.

import { runCheck } from './runner.js';
import type { Program, Step } from './program.js';
import type { CheckFail } from './result.js';
import { decodeSchedule } from './schedule.js';
import type { ExecutionView, Scheduler } from './scheduler.js';
import { DfsScheduler } from './scheduler/dfs.js';
import { ReplayScheduler } from './scheduler/replay.js';
import type { CheckLimit } from './result.js';

/** Options of {@link shrinkFailure}; every field is optional. */
export interface ShrinkOptions {
  /** Executions each search (one thread set, all preemption bounds) may run. Default 5,000. */
  readonly budget?: number;
  /** Highest preemption bound tried. Default 3. */
  readonly maxPreemptions?: number;
  /** Honour symmetry classes while searching (as the run that failed). Default true. */
  readonly symmetry?: boolean;
}

/** A failure's size: the threads that took a step, steps, preemptions. */
export interface FailureSize {
  readonly threads: number;
  readonly steps: number;
  readonly preemptions: number;
}

/** The outcome of shrinking: the smaller failure (or the original) and both sizes. */
export interface ShrinkResult {
  readonly fail: CheckFail;
  /** The replay token of the failure before shrinking. */
  readonly originalSchedule: string;
  readonly original: FailureSize;
  readonly shrunk: FailureSize;
  /** Executions run by the searches. */
  readonly executions: number;
}

/**
 * Searches for a smaller failing execution with the same violation kind at the same step label.
 * Greedy: each thread that stepped (other than the failing one) is deferred in turn and kept
 * deferred when the failure survives; then, with that set, preemption bounds 0, 1, ... are tried
 * and the shortest matching execution at the first bound that has one is kept.
 * @example
 * const { fail, original, shrunk } = shrinkFailure(program, result);
 */
export function shrinkFailure(
  program: Program,
  fail: CheckFail,
  options: ShrinkOptions = {},
): ShrinkResult {
  const budget = options.budget ?? 5_000;
  const maxBound = options.maxPreemptions ?? 3;
  const symmetry = options.symmetry ?? true;
  const original = failureSize(program, fail, symmetry);
  const target = siteOf(fail);
  let executions = 0;

  const search = (deferred: number, stopAtFirst: boolean): CheckFail | undefined => {
    let left = budget;
    for (let bound = 0; bound <= maxBound && left > 0; bound++) {
      let best: CheckFail | undefined;
      const r = runCheck(program, {
        scheduler: new DeferringScheduler(
          new DfsScheduler({ dpor: false, maxPreemptions: bound }),
          deferred,
        ),
        symmetry,
        maxIterations: left,
        keepGoing: true,
        onFailure: (f) => {
          if (siteOf(f) !== target) return false;
          if (best === undefined || f.trace.length < best.trace.length) best = f;
          return stopAtFirst;
        },
      });
      executions += r.stats.executions + r.stats.redundant + r.stats.pruned;
      left -= r.stats.executions + r.stats.redundant + r.stats.pruned;
      if (best !== undefined) return best;
    }
    return undefined;
  };

  const failing = fail.failedStep !== null ? fail.trace[fail.failedStep].thread : -1;
  const stepped = new Set(fail.trace.map((s) => s.thread));
  // Threads that took no step did not matter to this failure: defer them from the start.
  let deferred = 0;
  for (let t = 0; t < fail.threads.length; t++) if (!stepped.has(t)) deferred |= 1 << t;
  for (const t of stepped) {
    if (t === failing) continue;
    if (search(deferred | (1 << t), true) !== undefined) deferred |= 1 << t;
  }
  const found = search(deferred, false);
  let best = fail;
  if (found !== undefined) {
    const size = failureSize(program, found, symmetry);
    if (smaller(size, original)) best = found;
  }
  const shrunk = best === fail ? original : failureSize(program, best, symmetry);
  return {
    fail: { ...best, stats: fail.stats },
    originalSchedule: fail.schedule,
    original,
    shrunk,
    executions,
  };
}

/** The violation kind plus the label of the step that raised it: what must survive shrinking. */
function siteOf(f: CheckFail): string {
  const at = f.failedStep !== null ? f.trace[f.failedStep].label : '(after the steps)';
  return `${f.violation.kind} @ ${at}`;
}

function smaller(a: FailureSize, b: FailureSize): boolean {
  if (a.threads !== b.threads) return a.threads < b.threads;
  if (a.steps !== b.steps) return a.steps < b.steps;
  return a.preemptions < b.preemptions;
}

/** Threads that stepped, steps, and preemptions (counted by replaying the schedule). */
export function failureSize(program: Program, fail: CheckFail, symmetry = true): FailureSize {
  const counter = new PreemptionCounter(new ReplayScheduler(decodeSchedule(fail.schedule)));
  runCheck(program, { scheduler: counter, symmetry });
  return {
    threads: new Set(fail.trace.map((s) => s.thread)).size,
    steps: fail.trace.length,
    preemptions: counter.preemptions,
  };
}

/** Runs deferred threads only when no other thread can run. */
class DeferringScheduler implements Scheduler {
  readonly strategy: string;

  constructor(
    private readonly inner: Scheduler,
    private readonly deferred: number,
  ) {
    this.strategy = `shrink(${inner.strategy})`;
  }

  newExecution(): boolean {
    return this.inner.newExecution();
  }

  nextTask(view: ExecutionView, enabled: number): number | null {
    const preferred = enabled & ~this.deferred;
    return this.inner.nextTask(view, preferred !== 0 ? preferred : enabled);
  }

  stepped(view: ExecutionView, t: number, step: Step): void {
    this.inner.stepped?.(view, t, step);
  }

  violated(view: ExecutionView, step: number): void {
    this.inner.violated?.(view, step);
  }

  exhaustive(): boolean {
    return this.inner.exhaustive();
  }

  boundsHit(): readonly CheckLimit[] {
    return this.inner.boundsHit();
  }
}

/** Counts switches away from a thread that could have gone on. */
class PreemptionCounter implements Scheduler {
  readonly strategy = 'replay';
  preemptions = 0;

  constructor(private readonly inner: Scheduler) {}

  newExecution(): boolean {
    return this.inner.newExecution();
  }

  nextTask(view: ExecutionView, enabled: number): number | null {
    const t = this.inner.nextTask(view, enabled);
    const cur = view.current;
    if (t !== null && cur >= 0 && t !== cur && (enabled & (1 << cur)) !== 0) this.preemptions++;
    return t;
  }

  exhaustive(): boolean {
    return false;
  }

  boundsHit(): readonly CheckLimit[] {
    return ['replay'];
  }
}
