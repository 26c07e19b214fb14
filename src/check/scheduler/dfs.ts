// Exhaustive depth-first exploration (shuttle's dfs.rs, loom's path), optionally reduced by
// source-DPOR with sleep sets (see dpor.ts) or bounded by a number of preemptions.

import { InvariantError } from '../../util/assert.js';
import { Footprint, conflicts } from '../access.js';
import { Path, weakInitialFirst, type Wakeup } from '../path.js';
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
   * The wakeup subtree being followed: the queued sequences of the branch taken (thread ids), each
   * without the steps already run, or null once none is left. Together the sequences queued at a
   * frame form its wakeup tree (Abdulla et al., JACM 2017): every one of them is followed, the
   * ones that share a next thread as one subtree, the others as sibling branches at the frame
   * where they part (see docs/checker.md).
   */
  private carry: Wakeup[] | null = null;
  /** A followed sequence ran to its end in this execution: its reversal is explored. */
  private leafPassed = false;
  /** The last execution was abandoned as pruned: the branches on its path are not confirmed. */
  private lastPruned = false;
  /** A carried sequence of this execution was dropped because its next thread sleeps. */
  private coveredDrop = false;

  constructor(options: DfsOptions) {
    if (options.dpor && options.maxPreemptions !== undefined) {
      throw new InvariantError('DPOR cannot be combined with a preemption bound', options);
    }
    this.races = options.dpor ? new RaceAnalysis() : null;
    if (this.races !== null) {
      this.races.stepFootprint = (i, q) =>
        (this.known[i] & (1 << q)) !== 0 ? this.fpAt[i][q] : null;
    }
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
    // An execution that ended (finished, failed, deadlocked, sleep-set blocked) explored the
    // branch of every frame on its path.
    if (!this.lastPruned) for (let j = 0; j < path.len; j++) path.confirm(j);
    this.lastPruned = false;
    this.coveredDrop = false;
    this.carry = null;
    this.leafPassed = false;
    const i = path.nextBranch();
    if (i < 0) return false;
    // The previous branch of frame i explored nothing if no execution under it ended: all its
    // sequences proved infeasible or covered. Such a thread covers no race and never sleeps.
    path.pruneUnconfirmed(i);
    const todo = path.todo(i);
    // DPOR explores a frame's branches in the order they were added (a sequence is queued on the
    // first-added branch that can start it); plain DFS prefers the thread that ran before the
    // branch point, which costs no preemption.
    const prev = i > 0 ? path.chosen[i - 1] : -1;
    const t =
      this.races !== null
        ? path.firstAdded(i, todo)
        : prev >= 0 && (todo & (1 << prev)) !== 0
          ? prev
          : lowestThread(todo);
    path.chosen[i] = t;
    path.done[i] |= 1 << t;
    this.branch = i;
    this.descend(path.takeWakeups(i, t));
    return true;
  }

  /** Follows the sequences of the branch just taken, each past the step just taken. */
  private descend(seqs: Wakeup[]): void {
    let carry: Wakeup[] | null = null;
    for (const s of seqs) {
      if (s.at + 1 >= s.seq.threads.length) this.leafPassed = true;
      else (carry ??= []).push({ seq: s.seq, at: s.at + 1 });
    }
    this.carry = carry;
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
    const awake = enabled & ~sleep;
    if (this.carry !== null) {
      // A sequence whose next thread is disabled is infeasible, one whose next thread sleeps is
      // covered (every execution starting with it is); the blocked races above still count.
      const best = this.followable(enabled, awake);
      if (best < 0) {
        this.carry = null;
        // A sequence ended earlier on this path: go on as plain source-DPOR from here.
        if (!this.leafPassed) return this.prune(pos);
      } else {
        const i = path.push(enabled, sleep, preemptions);
        if (this.races !== null) this.pushFootprints(i, sleep, view.threadCount);
        if (i > 0) path.cut[i] = sleep & path.cut[i - 1];
        return this.branchOut(i, best);
      }
    }
    const i = path.push(enabled, sleep, preemptions);
    if (this.races !== null) this.pushFootprints(i, sleep, view.threadCount);
    if (i > 0) path.cut[i] = sleep & path.cut[i - 1];
    if (awake === 0) return null;
    let allowed = awake;
    if (curEnabled && preemptions >= this.bound) {
      allowed = awake & (1 << cur);
      if (awake !== allowed) this.cut = true;
    }
    const t = curEnabled && (allowed & (1 << cur)) !== 0 ? cur : lowestThread(allowed);
    if (this.races !== null) path.addBacktrack(i, t);
    else path.backtrack[i] = allowed;
    path.chosen[i] = t;
    path.done[i] = 1 << t;
    return t;
  }

  /**
   * Drops the carried sequences whose next thread is not in `awake` (disabled: infeasible;
   * asleep: covered, noted in {@link coveredDrop}) and returns the index of the
   * shortest one left (it moves the fewest steps: 10-20% fewer partial replays than
   * first-queued-first on zap_race), or -1.
   */
  private followable(enabled: number, awake: number): number {
    const carry = this.carry as Wakeup[];
    let kept = 0;
    let best = -1;
    for (const s of carry) {
      const bit = 1 << s.seq.threads[s.at];
      if ((awake & bit) === 0) {
        if ((enabled & bit) !== 0) this.coveredDrop = true;
        continue;
      }
      if (best < 0 || s.seq.threads.length - s.at < carry[best].seq.threads.length - carry[best].at)
        best = kept;
      carry[kept++] = s;
    }
    carry.length = kept;
    return best;
  }

  /**
   * At new frame `i`, takes the next thread `w` of carried sequence `best` and shares the carried
   * sequences out among the branches of the frame, as a wakeup tree's insertion does: each goes
   * to the first branch (in exploration order: `w`, then the others as they appear) whose thread
   * is a weak initial of it (see weakInitialFirst), else to a new branch of its own first thread.
   * A branch explored later finds an earlier one asleep, so a sequence it carried that starts
   * with the earlier branch's step would end there unexplored, and one that the earlier branch's
   * step commutes with entirely would be judged covered by it (weak initials in dpor.ts).
   */
  private branchOut(i: number, best: number): number {
    const path = this.path;
    const carry = this.carry as Wakeup[];
    const w = carry[best].seq.threads[carry[best].at];
    path.addBacktrack(i, w);
    // Each branch with the sequence whose first step is its own (that step's footprint).
    const kids: Wakeup[] = [carry[best]];
    const mine: Wakeup[] = [];
    for (const s of carry) {
      let to: Wakeup | null = null;
      let kid = -1;
      for (const k of kids) {
        kid = k.seq.threads[k.at];
        to = weakInitialFirst(s, kid, k);
        if (to !== null) break;
      }
      if (to === null) {
        to = s;
        kid = s.seq.threads[s.at];
        kids.push(s);
        path.addBacktrack(i, kid);
      }
      if (kid === w) mine.push(to);
      else path.queueWakeup(i, kid, to);
    }
    path.chosen[i] = w;
    path.done[i] = 1 << w;
    path.tentative[i] |= 1 << w;
    this.descend(mine);
    return w;
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
    // Its footprint stops where it failed: the thread sleeps on it as before, but never counts
    // as a weak initial, here or where it sleeps later.
    if (this.races !== null && step < path.len) path.cut[step] |= 1 << path.chosen[step];
    if (this.races !== null && step >= this.branch && step < path.len) {
      for (let m = path.enabled[step] & ~path.backtrack[step]; m !== 0; m &= m - 1) {
        path.addBacktrack(step, lowestThread(m));
      }
      path.tentative[step] = 0;
      path.done[step] &= ~path.pruned[step];
      path.pruned[step] = 0;
    }
  }

  /**
   * No followed sequence can go on at position `pos` and none ended on the way: the reversals
   * they stand for are infeasible or covered, so the partial execution is dropped from `pos` on.
   * Sibling branches queued at the frames it pushed stay; a frame whose branch sees no execution
   * end is marked pruned when the exploration comes back to it.
   */
  private prune(pos: number): typeof PRUNED | null {
    this.path.len = pos;
    this.carry = null;
    this.lastPruned = true;
    // A sequence dropped because its next thread sleeps was redundant, not infeasible: the
    // partial execution counts as sleep-set blocked, as it would have ended there.
    return this.coveredDrop ? null : PRUNED;
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
      if (view.pending(q) !== null) {
        races.recordBlocked(q, view.guardReads(q), this.path, view.pendingFootprint?.(q) ?? null);
      }
    }
  }
}

function maskString(mask: number): string {
  const ts: number[] = [];
  for (let t = 0; t < 31; t++) if ((mask & (1 << t)) !== 0) ts.push(t);
  return `{${ts.join(',')}}`;
}
