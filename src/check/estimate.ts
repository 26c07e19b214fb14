// An estimate of an exhaustive DPOR run before it starts (issue #6 §4, as GenMC prints one): random
// probes of the exploration tree and Knuth's estimator (D. E. Knuth, "Estimating the efficiency of
// backtrack programs", Math. Comp. 29, 1975). A probe is one execution down a uniformly random
// branch; at every state the number of branches DPOR would take is the size of its backtrack set,
// as the races of the probe's own execution fill it; the product of those sizes along the probe is
// an unbiased estimate of the number of leaves when the branch sizes are exact, and their mean over
// probes is the estimate. Races found only in other executions are missed, sleep sets are not
// applied, and symmetry is (the held threads are never enabled), so it is a rough figure: the
// tests and docs/checker.md say how rough on the built-in scenarios.

import { Path } from './path.js';
import type { Program } from './program.js';
import type { CheckLimit } from './result.js';
import { runCheck } from './runner.js';
import { countThreads, nthThread, type ExecutionView, type Scheduler } from './scheduler.js';
import { RaceAnalysis } from './scheduler/dpor.js';
import { Prng } from '../util/prng.js';

/** What {@link estimateRun} found. */
export interface RunEstimate {
  /** Estimated executions of the exhaustive DPOR run (sleep-set blocked ones not included). */
  readonly executions: number;
  /** Estimated seconds, from the probes' time per execution; undefined without a clock. */
  readonly seconds: number | undefined;
  /** Probes run. */
  readonly probes: number;
  /** Relative standard error of the mean over the probes (0.5 = +-50%). */
  readonly relativeError: number;
}

/** Options of {@link estimateRun}. */
export interface EstimateOptions {
  /** Probes to run (default 40). */
  readonly probes?: number;
  /** Seed of the random branch choices (default 1). */
  readonly seed?: number;
  /** A clock in milliseconds, for the time estimate. */
  readonly now?: () => number;
  /** Honour symmetry classes, as the run will (default true). */
  readonly symmetry?: boolean;
}

/**
 * Estimates the executions (and time) of an exhaustive `dfs+dpor` check of `program`.
 * @example
 * const est = estimateRun(program, { now: () => performance.now() });
 * console.log(`~${Math.round(est.executions)} executions, ~${est.seconds?.toFixed(1)} s`);
 */
export function estimateRun(program: Program, options: EstimateOptions = {}): RunEstimate {
  const probes = options.probes ?? 40;
  const scheduler = new ProbeScheduler(Math.ceil((probes * 3) / 4), options.seed ?? 1);
  const run = (): void => {
    runCheck(program, {
      scheduler,
      keepGoing: true,
      symmetry: options.symmetry ?? true,
      maxIterations: probes + 1,
    });
    scheduler.finish();
  };
  // The first three quarters warm the JIT up; the time per execution is measured on the rest.
  run();
  const warm = scheduler.samples.length;
  scheduler.limit = probes;
  const now = options.now;
  const start = now?.();
  run();
  const s = scheduler.samples;
  const n = s.length;
  const mean = n === 0 ? 1 : s.reduce((a, b) => a + b, 0) / n;
  const variance = n < 2 ? 0 : s.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  const relativeError = n < 2 || mean === 0 ? 0 : Math.sqrt(variance / n) / mean;
  const elapsed = now !== undefined && start !== undefined ? now() - start : undefined;
  // A DPOR execution costs about what a probe's does; DPOR also runs sleep-set blocked ones, which
  // stop early: the time estimate counts them at half an execution each for a third of the total.
  const timed = n - warm;
  const perExecutionMs = elapsed !== undefined && timed > 0 ? elapsed / timed : undefined;
  return {
    executions: Math.max(1, Math.round(mean)),
    seconds: perExecutionMs !== undefined ? (mean * perExecutionMs * 1.5) / 1000 : undefined,
    probes: n,
    relativeError,
  };
}

/** One random execution per probe, with DPOR's race analysis filling the backtrack sets. */
class ProbeScheduler implements Scheduler {
  readonly strategy = 'estimate';
  readonly samples: number[] = [];
  private readonly path = new Path();
  private readonly races = new RaceAnalysis(/* pruneInfeasible = */ false);
  private readonly prng: Prng;
  private started = false;

  constructor(
    /** Probes to run in all. */
    public limit: number,
    seed: number,
  ) {
    this.prng = new Prng(seed);
  }

  newExecution(): boolean {
    if (this.started) this.finish();
    this.started = true;
    this.path.len = 0;
    return this.samples.length < this.limit;
  }

  /** Records the probe just run: the product of the backtrack set sizes along it. */
  finish(): void {
    const path = this.path;
    if (path.len === 0) return;
    let product = 1;
    for (let i = 0; i < path.len; i++) {
      product *= Math.max(1, countThreads(path.backtrack[i] & path.enabled[i]));
    }
    this.samples.push(product);
    path.len = 0;
  }

  nextTask(view: ExecutionView, enabled: number): number | null {
    const path = this.path;
    if (path.len === 0) this.races.reset(view.threadCount, view.symmetryPredecessor?.bind(view));
    for (let q = 0; q < view.threadCount; q++) {
      if ((enabled & (1 << q)) !== 0 || view.pending(q) === null) continue;
      this.races.recordBlocked(q, view.guardReads(q), path);
    }
    if (enabled === 0) return null;
    const t = nthThread(enabled, this.prng.below(countThreads(enabled)));
    const i = path.push(enabled, 0, 0);
    path.chosen[i] = t;
    path.backtrack[i] = 1 << t;
    path.done[i] = 1 << t;
    return t;
  }

  stepped(view: ExecutionView, t: number): void {
    this.races.record(t, view.footprint(), this.path);
  }

  exhaustive(): boolean {
    return false;
  }

  boundsHit(): readonly CheckLimit[] {
    return ['sampling'];
  }
}
