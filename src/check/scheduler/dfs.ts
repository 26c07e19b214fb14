// Exhaustive depth-first exploration (shuttle's dfs.rs, loom's path), optionally reduced by
// source-DPOR with sleep sets (see dpor.ts) or bounded by a number of preemptions.

import { InvariantError } from '../../util/assert.js';
import { Footprint, conflicts } from '../access.js';
import { Path } from '../path.js';
import type { CheckLimit } from '../result.js';
import { lowestThread, type ExecutionView, type Scheduler } from '../scheduler.js';
import { RaceAnalysis } from './dpor.js';

/** Options of {@link DfsScheduler}. */
export interface DfsOptions {
  /** Prune with source-DPOR and sleep sets. Must be false when `maxPreemptions` is set. */
  readonly dpor: boolean;
  /** Explore only schedules with at most this many preemptions. Default: unbounded. */
  readonly maxPreemptions?: number;
}

/**
 * Depth-first exploration of every schedule, or with DPOR of at least one schedule per class of
 * equivalent ones (same order of every pair of conflicting steps). A preemption is a switch away
 * from a thread that could have continued; the bounded mode is plain DFS, since DPOR's pruning is
 * only sound when every schedule is allowed (Coons, Musuvathi, McKinley, OOPSLA 2013).
 */
export class DfsScheduler implements Scheduler {
  readonly strategy: string;
  private readonly path = new Path();
  private readonly races: RaceAnalysis | null;
  private readonly bound: number;
  /** Position of the next step in the current execution. */
  private pos = 0;
  /** Frames below this index are replayed; the frame at it takes its new choice. */
  private branch = -1;
  private started = false;
  private cut = false;
  /**
   * Footprint of each thread's step from frame `i`, for the threads explored there or asleep:
   * a sleeping step is not run again, so whether a later step wakes it is decided on the
   * footprint it had when it ran (unchanged while only independent steps run).
   */
  private readonly fpAt: Footprint[][] = [];
  /** Which entries of fpAt hold a footprint: bit t of known[i] for thread t at frame i. */
  private known = new Int32Array(64);

  constructor(options: DfsOptions) {
    if (options.dpor && options.maxPreemptions !== undefined) {
      throw new InvariantError('DPOR cannot be combined with a preemption bound', options);
    }
    this.races = options.dpor ? new RaceAnalysis() : null;
    this.bound = options.maxPreemptions ?? Infinity;
    this.strategy = options.dpor
      ? 'dfs+dpor'
      : options.maxPreemptions !== undefined
        ? `dfs(preemptions<=${options.maxPreemptions})`
        : 'dfs';
  }

  newExecution(): boolean {
    this.pos = 0;
    if (!this.started) {
      this.started = true;
      this.branch = -1;
      return true;
    }
    const path = this.path;
    const i = path.nextBranch();
    if (i < 0) return false;
    const todo = path.todo(i);
    // Prefer the thread that ran before the branch point: it costs no preemption.
    const prev = i > 0 ? path.chosen[i - 1] : -1;
    const t = prev >= 0 && (todo & (1 << prev)) !== 0 ? prev : lowestThread(todo);
    path.chosen[i] = t;
    path.done[i] |= 1 << t;
    this.branch = i;
    return true;
  }

  nextTask(view: ExecutionView, enabled: number): number | null {
    const path = this.path;
    const pos = this.pos;
    if (pos === 0 && this.races !== null) {
      this.races.reset(view.threadCount, view.symmetryPredecessor?.bind(view));
    }
    if (pos < path.len) {
      const t = path.chosen[pos];
      if ((enabled & (1 << t)) === 0 || enabled !== path.enabled[pos]) {
        throw new InvariantError(
          `nondeterministic program: replaying step ${pos} found enabled threads ` +
            `${maskString(enabled)} where an earlier execution had ${maskString(path.enabled[pos])}; ` +
            'create() must build fresh state and threads must not read clocks or randomness',
          { step: pos, thread: t },
        );
      }
      return t;
    }
    if (this.races !== null) this.checkBlocked(view, enabled);
    if (enabled === 0) return null;
    const cur = view.current;
    const curEnabled = cur >= 0 && (enabled & (1 << cur)) !== 0;
    const preemptions = pos === 0 ? 0 : path.preemptions[pos - 1] + this.preempted(pos - 1);
    const sleep = this.races !== null && pos > 0 ? this.sleepAfter(view, pos - 1) : 0;
    const i = path.push(enabled, sleep, preemptions);
    if (this.races !== null) this.pushFootprints(i, sleep, view.threadCount);
    const awake = enabled & ~sleep;
    if (awake === 0) return null;
    let allowed = awake;
    if (curEnabled && preemptions >= this.bound) {
      allowed = awake & (1 << cur);
      if (awake !== allowed) this.cut = true;
    }
    const t = curEnabled && (allowed & (1 << cur)) !== 0 ? cur : lowestThread(allowed);
    path.backtrack[i] = this.races !== null ? 1 << t : allowed;
    path.chosen[i] = t;
    path.done[i] = 1 << t;
    return t;
  }

  stepped(view: ExecutionView, t: number): void {
    const pos = this.pos++;
    const races = this.races;
    if (races === null) return;
    const fp = view.footprint();
    if (pos >= this.branch) {
      const slot = this.fpAt[pos][t];
      slot.clear();
      slot.addAll(fp);
      this.known[pos] |= 1 << t;
      races.record(t, fp, this.path);
    } else {
      races.skip();
    }
  }

  violated(_view: ExecutionView, step: number): void {
    // The violation cut the other threads short: their next steps might have run before the
    // violating one, and ended in a different violation (only matters under keepGoing).
    if (this.races !== null && step >= this.branch && step < this.path.len) {
      this.path.backtrack[step] |= this.path.enabled[step];
    }
  }

  exhaustive(): boolean {
    return !this.cut;
  }

  boundsHit(): readonly CheckLimit[] {
    return this.cut ? ['maxPreemptions'] : [];
  }

  /** 1 when the step at frame `i` switched away from a thread that could have continued. */
  private preempted(i: number): number {
    const path = this.path;
    const prev = i > 0 ? path.chosen[i - 1] : -1;
    return prev >= 0 && path.chosen[i] !== prev && (path.enabled[i] & (1 << prev)) !== 0 ? 1 : 0;
  }

  /**
   * The sleep set of the state after frame `i`: threads asleep or already explored at `i`, other
   * than the one chosen, whose step there is independent of the step just taken.
   */
  private sleepAfter(view: ExecutionView, i: number): number {
    const path = this.path;
    const p = path.chosen[i];
    let m = (path.sleep[i] | path.done[i]) & ~(1 << p);
    if (m === 0) return 0;
    const taken = view.footprint();
    const fps = this.fpAt[i];
    const known = this.known[i];
    let out = 0;
    while (m !== 0) {
      const q = lowestThread(m);
      m &= m - 1;
      if (view.pending(q) === null || (known & (1 << q)) === 0) continue;
      const fq = fps[q];
      if (!conflicts(fq.entries, fq.size, taken.entries, taken.size)) out |= 1 << q;
    }
    return out;
  }

  /** Starts frame `i`'s footprints: the sleeping threads keep the ones they had at `i - 1`. */
  private pushFootprints(i: number, sleep: number, threads: number): void {
    if (i === this.known.length) {
      const grown = new Int32Array(i * 2);
      grown.set(this.known);
      this.known = grown;
    }
    let row = this.fpAt[i];
    if (row === undefined) {
      row = [];
      this.fpAt[i] = row;
    }
    while (row.length < threads) row.push(new Footprint());
    this.known[i] = 0;
    if (sleep === 0) return;
    const prev = this.fpAt[i - 1];
    for (let q = 0; q < threads; q++) {
      if ((sleep & (1 << q)) === 0) continue;
      row[q].clear();
      row[q].addAll(prev[q]);
      this.known[i] |= 1 << q;
    }
  }

  private checkBlocked(view: ExecutionView, enabled: number): void {
    const races = this.races;
    if (races === null) return;
    for (let q = 0; q < view.threadCount; q++) {
      if ((enabled & (1 << q)) !== 0) continue;
      if (view.pending(q) !== null) races.recordBlocked(q, view.guardReads(q), this.path);
    }
  }
}

function maskString(mask: number): string {
  const ts: number[] = [];
  for (let t = 0; t < 31; t++) if ((mask & (1 << t)) !== 0) ts.push(t);
  return `{${ts.join(',')}}`;
}
