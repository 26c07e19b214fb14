// Probabilistic concurrency testing: Burckhardt, Kothari, Musuvathi, Nagarakatte, "A randomized
// scheduler with probabilistic guarantees of finding bugs", ASPLOS 2010 (as shuttle's pct.rs).

import { Prng } from '../../util/prng.js';
import type { CheckLimit } from '../result.js';
import type { ExecutionView, Scheduler } from '../scheduler.js';

/**
 * PCT with bug depth `d`: each execution gives the threads random distinct priorities above d,
 * picks d - 1 change points among the k steps expected, and always runs the highest-priority
 * enabled thread; at the i-th change point the running thread drops to priority d - i. A bug of
 * depth d in a program of n threads and k steps is found with probability at least 1/(n k^(d-1)).
 */
export class PctScheduler implements Scheduler {
  readonly strategy: string;
  private readonly prng: Prng;
  /** invariant: priorities are pairwise distinct within an execution. */
  private priority = new Int32Array(0);
  /** Change points, as step positions, in increasing order. */
  private readonly changes: number[] = [];
  /** Longest execution seen so far: the estimate of k. */
  private maxDepth = 0;
  private depthSeen = 0;
  private fresh = true;
  private nextChange = 0;

  constructor(
    seed: number,
    private readonly depth: number,
  ) {
    this.prng = new Prng(seed);
    this.strategy = `pct(d=${depth})`;
  }

  newExecution(): boolean {
    if (this.depthSeen > this.maxDepth) this.maxDepth = this.depthSeen;
    this.depthSeen = 0;
    this.fresh = true;
    return true;
  }

  nextTask(view: ExecutionView, enabled: number): number | null {
    if (this.fresh) this.begin(view.threadCount);
    this.depthSeen = view.depth;
    if (enabled === 0) return null;
    let best = this.highest(view.threadCount, enabled);
    while (this.nextChange < this.changes.length && this.changes[this.nextChange] <= view.depth) {
      this.nextChange++;
      this.priority[best] = this.depth - this.nextChange;
      best = this.highest(view.threadCount, enabled);
    }
    return best;
  }

  exhaustive(): boolean {
    return false;
  }

  boundsHit(): readonly CheckLimit[] {
    return ['sampling'];
  }

  private highest(n: number, enabled: number): number {
    let best = -1;
    for (let t = 0; t < n; t++) {
      if ((enabled & (1 << t)) !== 0 && (best < 0 || this.priority[t] > this.priority[best]))
        best = t;
    }
    return best;
  }

  private begin(n: number): void {
    const d = this.depth;
    this.fresh = false;
    this.nextChange = 0;
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.prng.below(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    this.priority = new Int32Array(n);
    for (let i = 0; i < n; i++) this.priority[order[i]] = d + i;
    this.changes.length = 0;
    // k is learnt from earlier executions; the first one runs without change points.
    const k = this.maxDepth;
    if (k > 0) for (let i = 0; i < d - 1; i++) this.changes.push(this.prng.below(k));
    this.changes.sort((a, b) => a - b);
  }
}
