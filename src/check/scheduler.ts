// The scheduler interface (style B.10.1): a small oracle that picks the next thread at every step,
// kept apart from the mechanism that runs the threads (execution.ts, runner.ts).

import type { Footprint } from './access.js';
import type { Step } from './program.js';
import type { CheckLimit } from './result.js';

/** A read-only view of the running execution, given to schedulers at every step. */
export interface ExecutionView {
  /** Number of threads in the program (at most {@link MAX_THREADS}). */
  readonly threadCount: number;
  /** Steps performed so far in this execution. */
  readonly depth: number;
  /** The thread that performed the last step, or -1 before the first. */
  readonly current: number;
  /** The step thread `t` will perform next, or null when it has finished. */
  pending(t: number): Step | null;
  /** What the last step performed touched (valid until the next step). */
  footprint(): Footprint;
  /** What thread `t`'s guard read when the enabled threads were last computed. */
  guardReads(t: number): Footprint;
  /**
   * The thread `t` waits for under symmetry reduction (its class predecessor, whose first step
   * happens before `t`'s), or -1. Optional so that hand-written views need not give it.
   */
  symmetryPredecessor?(t: number): number;
  /**
   * The footprint thread `t`'s pending step will have when it declares one (its declared object
   * and its guard's reads: a declared step may touch nothing else), or null. Optional.
   */
  pendingFootprint?(t: number): Footprint | null;
}

/**
 * Chooses threads. The runner calls `newExecution` before each execution, then `nextTask` at every
 * state that has unfinished threads, then `stepped` after the chosen step ran.
 */
export interface Scheduler {
  /** The strategy name printed in results, e.g. `dfs+dpor`. */
  readonly strategy: string;
  /** Prepares the next execution; false when exploration is complete (or cannot continue). */
  newExecution(): boolean;
  /**
   * Picks a thread among `enabled` (bit `t` set when thread `t` can run). Called with `enabled`
   * zero at a deadlock so the scheduler can record it; the answer is then ignored. Returning null
   * abandons the execution as redundant (it is equivalent to one already explored); returning
   * {@link PRUNED} abandons it as a partial replay of an infeasible wakeup sequence.
   */
  nextTask(view: ExecutionView, enabled: number): number | null;
  /**
   * Told that thread `t` just performed `step`; `view.footprint()` is what it touched (DPOR's
   * race analysis hooks here).
   */
  stepped?(view: ExecutionView, t: number, step: Step): void;
  /**
   * Told that the step at position `step` raised a violation, which ends the execution before the
   * other threads' next steps ran (DPOR treats the violating step as conflicting with all of them).
   */
  violated?(view: ExecutionView, step: number): void;
  /** True when every execution the scheduler produced together cover all behaviours. */
  exhaustive(): boolean;
  /** Why the exploration is not exhaustive, as far as the scheduler knows (sampling, bounds). */
  boundsHit(): readonly CheckLimit[];
}

/**
 * What `nextTask` returns to abandon an execution that was following a DPOR wakeup sequence when
 * a step of the sequence turned out disabled (counted as `pruned`, not as an execution).
 */
export const PRUNED = -1;

/** Thread sets are 32-bit masks; 31 threads keeps `1 << t` positive. */
export const MAX_THREADS = 31;

/** The lowest thread index in a non-empty mask. */
export function lowestThread(mask: number): number {
  return 31 - Math.clz32(mask & -mask);
}

/** The number of threads in a mask. */
export function countThreads(mask: number): number {
  let m = mask - ((mask >>> 1) & 0x55555555);
  m = (m & 0x33333333) + ((m >>> 2) & 0x33333333);
  return (Math.imul((m + (m >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** The `k`-th (0-based) thread of a mask, in increasing index order. */
export function nthThread(mask: number, k: number): number {
  let m = mask;
  for (let i = 0; i < k; i++) m &= m - 1;
  return lowestThread(m);
}
