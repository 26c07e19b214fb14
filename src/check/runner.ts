// The model-checking loop (loom's model.rs): run executions from scratch, as the scheduler
// directs, until a violation, exhaustion, or a limit; the outcome is returned as data.

import { DeclaredObjects, Execution, FootprintBuffers } from './execution.js';
import { resolveCheckOptions, type CheckOptions, type ResolvedCheckOptions } from './options.js';
import type { Program, Violation } from './program.js';
import type { CheckFail, CheckLimit, CheckResult, CheckStats } from './result.js';
import { encodeSchedule } from './schedule.js';
import { PRUNED, type Scheduler } from './scheduler.js';
import { DfsScheduler, createScheduler } from './scheduler/index.js';

/**
 * Checks `program` under the interleavings the chosen strategy explores.
 * @example
 * const result = runCheck(program, { strategy: 'dfs' });
 * if (result.verdict === 'fail') console.log(result.violation.message, result.schedule);
 */
export function runCheck(program: Program, options?: CheckOptions): CheckResult {
  const opts = resolveCheckOptions(options);
  const run = new Run(program, opts);
  if (opts.scheduler !== undefined) return run.explore(opts.scheduler);
  const max = opts.maxPreemptions;
  if (opts.strategy !== 'dfs' || max === undefined || !opts.iterativeBounding) {
    return run.explore(createScheduler(opts));
  }
  // Iterative bounding (as CHESS): the first failure found has the fewest preemptions.
  let result: CheckResult | undefined;
  for (let bound = 0; bound <= max; bound++) {
    result = run.explore(new DfsScheduler({ dpor: false, maxPreemptions: bound }), bound);
    if (result.verdict !== 'bounded' || !result.limits.includes('maxPreemptions')) return result;
    if (result.limits.some((l) => l !== 'maxPreemptions' && l !== 'maxSteps')) return result;
  }
  return result as CheckResult;
}

/** One run's counters and limits, shared by the successive bounds of iterative bounding. */
class Run {
  private executions = 0;
  private redundant = 0;
  private pruned = 0;
  private steps = 0;
  private maxDepth = 0;
  private stepLimitHit = false;
  private firstFail: CheckFail | undefined;
  private readonly start: number | undefined;
  private readonly declared = new DeclaredObjects();
  private readonly buffers = new FootprintBuffers();

  constructor(
    private readonly program: Program,
    private readonly opts: ResolvedCheckOptions,
  ) {
    this.start = opts.now?.();
  }

  /** Runs executions from `scheduler` until it is done, a violation, or a limit. */
  explore(scheduler: Scheduler, preemptionBound?: number): CheckResult {
    const opts = this.opts;
    const stats = (): CheckStats => this.stats(scheduler.strategy, preemptionBound);
    for (;;) {
      // Asking the scheduler first lets a run that ends exactly at a limit still count as complete.
      if (!scheduler.newExecution()) break;
      const limit = this.limitReached();
      if (limit !== undefined) {
        if (this.firstFail !== undefined) return { ...this.firstFail, stats: stats() };
        const limits = this.limits(scheduler, limit);
        return { verdict: 'bounded', program: this.program.name, limits, stats: stats() };
      }
      const fail = this.execute(scheduler, stats);
      if (fail !== undefined) {
        if (!opts.keepGoing) return fail;
        this.firstFail ??= fail;
        if (opts.onFailure?.(fail) === true) return { ...fail, stats: stats() };
      }
      if (
        opts.onProgress !== undefined &&
        (this.executions + this.redundant + this.pruned) % opts.progressInterval === 0
      ) {
        const elapsed = this.elapsed();
        opts.onProgress({
          executions: this.executions,
          depth: this.maxDepth,
          steps: this.steps,
          ...(elapsed !== undefined ? { elapsedMs: elapsed } : {}),
        });
      }
    }
    if (this.firstFail !== undefined) return { ...this.firstFail, stats: stats() };
    const limits = this.limits(scheduler);
    if (limits.length === 0 && scheduler.exhaustive()) {
      return { verdict: 'pass', program: this.program.name, exhaustive: true, stats: stats() };
    }
    return { verdict: 'bounded', program: this.program.name, limits, stats: stats() };
  }

  /** Runs one execution to its end; returns the failure when it found one. */
  private execute(scheduler: Scheduler, stats: () => CheckStats): CheckFail | undefined {
    const ex = Execution.start(this.program, this.declared, this.buffers, this.opts.symmetry);
    const maxSteps = this.opts.maxSteps;
    let violation: Violation | undefined;
    let enabled = 0;
    let redundant = false;
    let pruned = false;
    for (;;) {
      if (ex.violation !== undefined) break;
      if (ex.live === 0) {
        ex.finalCheck();
        break;
      }
      if (ex.depth >= maxSteps) {
        this.stepLimitHit = true;
        if (this.opts.failOnStepLimit) violation = stepLimit(ex, maxSteps);
        break;
      }
      enabled = ex.enabledMask();
      if (ex.violation !== undefined) break;
      const t = scheduler.nextTask(ex, enabled);
      if (enabled === 0) {
        violation = deadlock(ex);
        break;
      }
      if (t === null) {
        redundant = true;
        break;
      }
      if (t === PRUNED) {
        pruned = true;
        break;
      }
      const step = ex.pending(t);
      if (step === null || (enabled & (1 << t)) === 0) {
        throw new Error(`scheduler ${scheduler.strategy} chose thread ${t}, which cannot run`);
      }
      ex.step(t);
      scheduler.stepped?.(ex, t, step);
    }
    if (ex.failedStep !== null) scheduler.violated?.(ex, ex.failedStep);
    this.steps += ex.depth;
    if (ex.depth > this.maxDepth) this.maxDepth = ex.depth;
    if (redundant || pruned) {
      if (redundant) this.redundant++;
      else this.pruned++;
      return undefined;
    }
    this.executions++;
    violation ??= ex.violation;
    this.opts.onExecution?.({
      trace: ex.trace(),
      complete: ex.live === 0 && violation === undefined,
      ...(violation !== undefined ? { violation, failedStep: ex.failedStep } : {}),
    });
    if (violation === undefined) return undefined;
    const state = ex.describeState();
    return {
      verdict: 'fail',
      program: this.program.name,
      violation,
      schedule: encodeSchedule({ threadCount: ex.threadCount, steps: ex.schedule }),
      threads: ex.names,
      trace: ex.trace(),
      failedStep: ex.failedStep,
      pending: ex.pendingSteps(ex.live > 0 ? ex.enabledMaskQuiet() : 0),
      ...(state !== undefined ? { state } : {}),
      stats: stats(),
    };
  }

  private limits(scheduler: Scheduler, first?: CheckLimit): CheckLimit[] {
    const limits: CheckLimit[] = first !== undefined ? [first] : [];
    for (const l of scheduler.boundsHit()) if (!limits.includes(l)) limits.push(l);
    if (this.stepLimitHit) limits.push('maxSteps');
    return limits;
  }

  private limitReached(): CheckLimit | undefined {
    if (this.executions + this.redundant + this.pruned >= this.opts.maxIterations) {
      return 'maxIterations';
    }
    const maxTime = this.opts.maxTime;
    if (maxTime !== undefined && (this.elapsed() ?? 0) >= maxTime) return 'maxTime';
    return undefined;
  }

  private elapsed(): number | undefined {
    const now = this.opts.now;
    return now === undefined || this.start === undefined ? undefined : now() - this.start;
  }

  private stats(strategy: string, preemptionBound: number | undefined): CheckStats {
    const elapsedMs = this.elapsed();
    return {
      executions: this.executions,
      redundant: this.redundant,
      pruned: this.pruned,
      steps: this.steps,
      maxDepth: this.maxDepth,
      strategy,
      seed: this.opts.seed,
      ...(preemptionBound !== undefined ? { preemptionBound } : {}),
      ...(elapsedMs !== undefined ? { elapsedMs } : {}),
    };
  }
}

function deadlock(ex: Execution): Violation {
  const details: Record<string, string> = {};
  const parts: string[] = [];
  for (const p of ex.pendingSteps(0)) {
    const key = p.threadName in details ? `${p.threadName}#${p.thread}` : p.threadName;
    details[key] = `blocked at '${p.label}' on ${p.obj}`;
    parts.push(`${key} at '${p.label}' (${p.obj})`);
  }
  return {
    kind: 'deadlock',
    message: `deadlock: every unfinished thread is blocked: ${parts.join(', ')}`,
    details,
  };
}

function stepLimit(ex: Execution, maxSteps: number): Violation {
  const details: Record<string, string> = {};
  for (const p of ex.pendingSteps(0)) details[p.threadName] = `next: '${p.label}' on ${p.obj}`;
  return {
    kind: 'step-limit',
    message:
      `step limit: the execution ran ${maxSteps} steps without finishing; ` +
      'a livelock or an unbounded retry loop (raise maxSteps if the program is just long)',
    details,
  };
}
