// Shrinking a counterexample (issue #6 §5): after a failure, search for a failing execution of the
// same program that needs fewer threads, then fewer preemptions and steps. Threads are removed by
// deferring them: a deferred thread runs only when no other thread can, so a failure that still
// happens shows that the thread does not matter to it. Every result is a real execution of the
// program, so it has its own replay token.

import { runCheck } from './runner.js';
import type { Program, Step } from './program.js';
import type { CheckFail } from './result.js';
import { decodeSchedule } from './schedule.js';
import { lowestThread, type ExecutionView, type Scheduler } from './scheduler.js';
import { DfsScheduler } from './scheduler/dfs.js';
import { ReplayScheduler } from './scheduler/replay.js';
import type { CheckLimit } from './result.js';

/** Options of {@link shrinkFailure}; every field is optional. */
export interface ShrinkOptions {
  /**
   * Executions the whole shrink may run. Default: as many as the search that found the failure
   * ran (`fail.stats`, sleep-set blocked ones included), and at least 200.
   */
  readonly budget?: number;
  /** Highest preemption bound tried. Default 3. */
  readonly maxPreemptions?: number;
  /** Honour symmetry classes while searching (as the run that failed). Default true. */
  readonly symmetry?: boolean;
}

/** The least budget of the default: about as long as a few milliseconds. */
const MIN_BUDGET = 200;

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
 * Searches for a smaller failing execution with the same violation kind at the same step label,
 * within a budget of executions. Greedy, in three passes:
 * 1. each thread that stepped (other than the failing one) is deferred in turn by replaying the
 *    smallest failure so far with that thread held back (one execution each); it stays deferred
 *    when the failure survives;
 * 2. with that set, plain DFS tries preemption bounds 0, 1, ... up to the smallest failure's own,
 *    and keeps the shortest matching execution at the first bound that has one;
 * 3. the budget left searches the same way with each thread pass 1 could not drop deferred.
 * @example
 * const { fail, original, shrunk } = shrinkFailure(program, result);
 */
export function shrinkFailure(
  program: Program,
  fail: CheckFail,
  options: ShrinkOptions = {},
): ShrinkResult {
  const maxBound = options.maxPreemptions ?? 3;
  const symmetry = options.symmetry ?? true;
  let left =
    options.budget ??
    Math.max(MIN_BUDGET, fail.stats.executions + fail.stats.redundant + fail.stats.pruned);
  let executions = 0;
  const size = (f: CheckFail): FailureSize => {
    executions++;
    left--;
    return failureSize(program, f, symmetry);
  };
  const original = size(fail);
  const target = siteOf(fail);
  let best = fail;
  let bestSize = original;
  /** Keeps `f` if it is smaller than the best so far; true when it was. */
  const consider = (f: CheckFail | undefined): boolean => {
    if (f === undefined) return false;
    const s = size(f);
    if (!smaller(s, bestSize)) return false;
    best = f;
    bestSize = s;
    return true;
  };

  /** Runs `scheduler` for at most `max` executions; matching failures go to `seen`. */
  const run = (scheduler: Scheduler, max: number, seen: (f: CheckFail) => boolean): void => {
    if (max <= 0) return;
    const r = runCheck(program, {
      scheduler,
      symmetry,
      maxIterations: max,
      keepGoing: true,
      onFailure: (f) => siteOf(f) === target && seen(f),
    });
    executions += r.stats.executions + r.stats.redundant + r.stats.pruned;
    left -= r.stats.executions + r.stats.redundant + r.stats.pruned;
  };

  /**
   * Plain DFS with `deferred` held back, bounds 0..upTo, from at most `max` executions: the
   * shortest match at the first bound that has one.
   */
  const search = (deferred: number, max: number, upTo: number): CheckFail | undefined => {
    let found: CheckFail | undefined;
    const end = left - max;
    for (let bound = 0; bound <= upTo && left > end && found === undefined; bound++) {
      const dfs = new DfsScheduler({ dpor: false, maxPreemptions: bound });
      run(new DeferringScheduler(dfs, deferred), left - end, (f) => {
        if (found === undefined || f.trace.length < found.trace.length) found = f;
        return false;
      });
    }
    return found;
  };

  const failing = fail.failedStep !== null ? fail.trace[fail.failedStep].thread : -1;
  const stepped = new Set(fail.trace.map((s) => s.thread));
  // Threads that took no step did not matter to this failure: defer them from the start.
  let deferred = 0;
  for (let t = 0; t < fail.threads.length; t++) if (!stepped.has(t)) deferred |= 1 << t;
  const idle = deferred;
  const needed: number[] = [];
  for (const t of stepped) {
    // A guided replay, and the replay that measures what it found.
    if (t === failing || left < 2) continue;
    let found: CheckFail | undefined;
    const guide = decodeSchedule(best.schedule).steps;
    run(new GuidedScheduler(guide, deferred | (1 << t)), 1, (f) => {
      found = f;
      return true;
    });
    if (found === undefined) needed.push(t);
    else {
      deferred |= 1 << t;
      consider(found);
    }
  }
  // Each search keeps one execution back for measuring what it found. A thread the guided replay
  // dropped may be needed within the preemption bounds: then search without deferring it.
  const upTo = Math.min(maxBound, bestSize.preemptions);
  const found = search(deferred, left - 1, upTo);
  if (found !== undefined) consider(found);
  else if (deferred !== idle) consider(search(idle, left - 1, upTo));
  for (let i = 0; i < needed.length && left > 1; i++) {
    const t = needed[i];
    const found = search(
      deferred | (1 << t),
      Math.floor((left - 1) / (needed.length - i)),
      maxBound,
    );
    if (found !== undefined && consider(found)) deferred |= 1 << t;
  }
  return {
    fail: { ...best, stats: fail.stats },
    originalSchedule: fail.schedule,
    original,
    shrunk: bestSize,
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

/**
 * Replays a schedule with some threads held back: at each step the first unused entry of the
 * schedule whose thread can run (and is not deferred) is taken; deferred threads run only when no
 * other thread can. One execution.
 */
class GuidedScheduler implements Scheduler {
  readonly strategy = 'shrink(guided)';
  private ran = false;
  private readonly used: Uint8Array;
  /** Entries before this index are all used. */
  private from = 0;

  constructor(
    private readonly steps: readonly number[],
    private readonly deferred: number,
  ) {
    this.used = new Uint8Array(steps.length);
  }

  newExecution(): boolean {
    if (this.ran) return false;
    this.ran = true;
    return true;
  }

  nextTask(view: ExecutionView, enabled: number): number | null {
    if (enabled === 0) return null;
    const preferred = enabled & ~this.deferred;
    if (preferred === 0) return lowestThread(enabled);
    const steps = this.steps;
    while (this.from < steps.length && this.used[this.from] !== 0) this.from++;
    for (let j = this.from; j < steps.length; j++) {
      if (this.used[j] === 0 && (preferred & (1 << steps[j])) !== 0) {
        this.used[j] = 1;
        return steps[j];
      }
    }
    const cur = view.current;
    return cur >= 0 && (preferred & (1 << cur)) !== 0 ? cur : lowestThread(preferred);
  }

  exhaustive(): boolean {
    return false;
  }

  boundsHit(): readonly CheckLimit[] {
    return ['replay'];
  }
}
