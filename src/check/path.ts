// The explicit, re-playable exploration path of the DFS strategies (loom's rt/path.rs, shuttle's
// dfs levels): one frame per step position holding the choice made and the choices left.

/**
 * The stack of branch points of a depth-first exploration. Frame `i` describes the state reached
 * after `i` steps of the current execution; all masks have bit `t` for thread `t`.
 */
export class Path {
  /** Frames in use. */
  len = 0;
  /** invariant: chosen[i] is a bit of done[i], and done[i] is a subset of backtrack[i]. */
  chosen = new Int32Array(64);
  /** Threads enabled at the state. */
  enabled = new Int32Array(64);
  /** Threads that must be explored from the state (all enabled ones for plain DFS). */
  backtrack = new Int32Array(64);
  /** Threads already explored, or being explored, from the state. */
  done = new Int32Array(64);
  /** Threads asleep on entry: their next step was explored from an earlier, equivalent state. */
  sleep = new Int32Array(64);
  /** Preemptions taken by the path before this state. */
  preemptions = new Int32Array(64);
  /**
   * Backtrack threads added by a race reversal whose wakeup sequence has not yet been run to its
   * end (DPOR only). invariant: a tentative thread has at least one queued sequence, or is being
   * explored following one; see {@link queueWakeup}.
   */
  tentative = new Int32Array(64);
  /**
   * Threads of done[i] whose every queued wakeup sequence proved infeasible: nothing was explored
   * from them, so they neither cover a race nor sleep in later siblings. invariant: a subset of
   * done[i].
   */
  pruned = new Int32Array(64);
  /** Queued wakeup sequences per frame and thread, valid while the thread's tentative bit is set. */
  private readonly wakeup: Int32Array[][][] = [];

  /** Appends a frame and returns its index. */
  push(enabled: number, sleep: number, preemptions: number): number {
    if (this.len === this.chosen.length) this.grow();
    const i = this.len++;
    this.enabled[i] = enabled;
    this.sleep[i] = sleep;
    this.preemptions[i] = preemptions;
    this.backtrack[i] = 0;
    this.done[i] = 0;
    this.chosen[i] = -1;
    this.tentative[i] = 0;
    this.pruned[i] = 0;
    return i;
  }

  /** Threads still to explore at frame `i`. */
  todo(i: number): number {
    return this.backtrack[i] & this.enabled[i] & ~this.done[i] & ~this.sleep[i];
  }

  /**
   * Pops exhausted frames and returns the deepest frame that still has a thread to explore, or -1
   * when the exploration is complete.
   */
  nextBranch(): number {
    let i = this.len - 1;
    while (i >= 0 && this.todo(i) === 0) i--;
    this.len = i + 1;
    return i;
  }

  /**
   * Queues wakeup sequence `seq` (thread ids, starting with `t`) for thread `t` at frame `i`,
   * marking `t` tentative; the first sequence of a thread not yet tentative replaces stale ones.
   */
  queueWakeup(i: number, t: number, seq: Int32Array): void {
    let row = this.wakeup[i];
    if (row === undefined) {
      row = [];
      this.wakeup[i] = row;
    }
    while (row.length <= t) row.push([]);
    const q = row[t];
    if ((this.tentative[i] & (1 << t)) === 0) {
      q.length = 0;
      this.tentative[i] |= 1 << t;
    }
    q.push(seq);
  }

  /** Takes the next queued wakeup sequence of tentative thread `t` at frame `i`, if any. */
  takeWakeup(i: number, t: number): Int32Array | undefined {
    if ((this.tentative[i] & (1 << t)) === 0) return undefined;
    const q = this.wakeup[i]?.[t];
    if (q === undefined || q.length === 0) return undefined;
    // Shortest first: it moves the fewest steps, so it is the likeliest to be feasible, and once
    // one sequence runs to its end the others are covered (measured: 10-20% fewer partial replays
    // than first-queued-first on zap_race).
    let b = 0;
    for (let j = 1; j < q.length; j++) if (q[j].length < q[b].length) b = j;
    return q.splice(b, 1)[0];
  }

  /**
   * Another queued sequence of thread `t` at frame `i` that begins with `seq[0..n)`, the steps just
   * run, and goes on with a thread of `enabled`: it can be followed from here without a replay.
   * Sequences with that beginning whose next thread is disabled are dropped (a program is
   * deterministic: they reach this same state and the same disabled step).
   */
  switchWakeup(
    i: number,
    t: number,
    seq: Int32Array,
    n: number,
    enabled: number,
  ): Int32Array | undefined {
    const q = this.wakeup[i]?.[t];
    if (q === undefined || (this.tentative[i] & (1 << t)) === 0) return undefined;
    let kept = 0;
    let found: Int32Array | undefined;
    for (const s of q) {
      let same = s.length > n;
      for (let j = 0; same && j < n; j++) same = s[j] === seq[j];
      if (same && found === undefined && (enabled & (1 << s[n])) !== 0) found = s;
      else if (!same || (enabled & (1 << s[n])) !== 0) q[kept++] = s;
    }
    q.length = kept;
    return found;
  }

  /** Whether tentative thread `t` at frame `i` has a sequence left to try. */
  hasWakeup(i: number, t: number): boolean {
    return (this.tentative[i] & (1 << t)) !== 0 && (this.wakeup[i]?.[t]?.length ?? 0) > 0;
  }

  /** The chosen thread of every frame, i.e. the schedule of the current execution. */
  schedule(): number[] {
    return Array.from(this.chosen.subarray(0, this.len));
  }

  private grow(): void {
    const n = this.chosen.length * 2;
    const grow = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.chosen = grow(this.chosen);
    this.enabled = grow(this.enabled);
    this.backtrack = grow(this.backtrack);
    this.done = grow(this.done);
    this.sleep = grow(this.sleep);
    this.preemptions = grow(this.preemptions);
    this.tentative = grow(this.tentative);
    this.pruned = grow(this.pruned);
  }
}
