// Exhaustive depth-first exploration (shuttle's dfs.rs, loom's path), optionally reduced by
// source-DPOR with sleep sets (see dpor.ts) or bounded by a number of preemptions.

import { InvariantError } from '../../util/assert.js';
import { Footprint, conflicts } from '../access.js';
import { Path } from '../path.js';
import type { CheckLimit } from '../result.js';
import { PRUNED, lowestThread, type ExecutionView, type Scheduler } from '../scheduler.js';
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
  /**
   * The wakeup sequence being followed (thread ids; entry 0 was taken at `followFrame`), or null.
   * A tentative branch is confirmed once its sequence ran to the end, and pruned when a step of it
   * is disabled on the way (see dpor.ts and docs/checker.md).
   */
  private follow: Int32Array | null = null;
  private followIdx = 0;
  private followFrame = -1;

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
    // The last execution ended (finished, failed, sleep-set blocked) inside its wakeup sequence:
    // its branch was explored like any other.
    if (this.follow !== null) this.confirm();
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
    const seq = path.takeWakeup(i, t);
    if (seq !== undefined && seq.length > 1) {
      this.follow = seq;
      this.followIdx = 1;
      this.followFrame = i;
    } else {
      path.tentative[i] &= ~(1 << t);
    }
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
    let follow = this.follow;
    if (follow !== null && enabled !== 0) {
      // The blocked races above still count: this prefix is feasible, and the write that disables
      // a sequence's step is the one whose reversal matters (a lock's earlier acquisition).
      const fi = this.followFrame;
      while ((enabled & (1 << follow[this.followIdx])) === 0) {
        const next = path.switchWakeup(fi, path.chosen[fi], follow, this.followIdx, enabled);
        if (next === undefined) return this.prune();
        follow = next;
        this.follow = next;
      }
    }
    if (enabled === 0) return null;
    const cur = view.current;
    const curEnabled = cur >= 0 && (enabled & (1 << cur)) !== 0;
    const preemptions = pos === 0 ? 0 : path.preemptions[pos - 1] + this.preempted(pos - 1);
    const sleep = this.races !== null && pos > 0 ? this.sleepAfter(view, pos - 1) : 0;
    const i = path.push(enabled, sleep, preemptions);
    if (this.races !== null) this.pushFootprints(i, sleep, view.threadCount);
    const awake = enabled & ~sleep;
    if (awake === 0) return null;
    if (follow !== null) {
      const w = follow[this.followIdx];
      if ((awake & (1 << w)) !== 0) {
        if (++this.followIdx === follow.length) this.confirm();
        path.backtrack[i] = 1 << w;
        path.chosen[i] = w;
        path.done[i] = 1 << w;
        return w;
      }
      // Asleep: v cannot be followed here; explore the branch as plain source-DPOR does.
      this.confirm();
    }
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
    const path = this.path;
    if (this.races !== null && step >= this.branch && step < path.len) {
      path.backtrack[step] |= path.enabled[step];
      path.tentative[step] = 0;
      path.done[step] &= ~path.pruned[step];
      path.pruned[step] = 0;
    }
  }

  /** The wakeup sequence ran to its end (or cannot be followed further): its branch is real. */
  private confirm(): void {
    const i = this.followFrame;
    this.path.tentative[i] &= ~(1 << this.path.chosen[i]);
    this.follow = null;
  }

  /**
   * A step of the wakeup sequence is disabled: the reversal it stands for is infeasible (no
   * execution puts its last step there), so the partial execution is dropped with the frames it
   * pushed. The branch is tried again with its next queued sequence, or marked pruned.
   */
  private prune(): typeof PRUNED {
    const path = this.path;
    const i = this.followFrame;
    const t = path.chosen[i];
    const bit = 1 << t;
    path.len = i + 1;
    if (path.hasWakeup(i, t)) {
      path.done[i] &= ~bit;
    } else {
      path.tentative[i] &= ~bit;
      path.pruned[i] |= bit;
    }
    this.follow = null;
    return PRUNED;
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
    // A pruned thread explored nothing from frame i, so it cannot sleep.
    let m = (path.sleep[i] | path.done[i]) & ~path.pruned[i] & ~(1 << p);
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
