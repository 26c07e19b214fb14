// The explicit, re-playable exploration path of the DFS strategies (loom's rt/path.rs, shuttle's
// dfs levels): one frame per step position holding the choice made and the choices left.

/**
 * A DPOR wakeup sequence: the threads of its steps in order and each step's footprint as the
 * race analysis stored it (entries `dense object * 4 + kind bits`; -1 for a step that never ran,
 * which conflicts with everything). Step j's entries are data[starts[j]..starts[j + 1]).
 */
export interface WakeupSeq {
  readonly threads: Int32Array;
  readonly starts: Int32Array;
  readonly data: Int32Array;
}

/** A wakeup sequence from its step `at` on (the steps before it were taken). */
export interface Wakeup {
  readonly seq: WakeupSeq;
  readonly at: number;
}

/** Whether step `i` of `a` and step `j` of `b` do not commute. */
export function wakeupStepsConflict(a: WakeupSeq, i: number, b: WakeupSeq, j: number): boolean {
  for (let x = a.starts[i]; x < a.starts[i + 1]; x++) {
    const u = a.data[x];
    if (u < 0) return true;
    for (let y = b.starts[j]; y < b.starts[j + 1]; y++) {
      const w = b.data[y];
      if (w < 0 || (u >>> 2 === w >>> 2 && ((u | w) & 3) === 3)) return true;
    }
  }
  return false;
}

/**
 * `s` started by thread `c`'s step when `c` is a weak initial of it (JACM 2017): `c`'s first step
 * in `s` moved to the front when no earlier step of `s` conflicts with it; or, when `c` takes no
 * step in `s` and its next step (step `cStep.at` of `cStep.seq`) conflicts with none, that step
 * put in front. Else null. With `known`, `c` is already known to be an initial of `s` (by
 * happens-before, which also sees what footprints cannot: a blocked step that never ran).
 */
export function weakInitialFirst(
  s: Wakeup,
  c: number,
  cStep: Wakeup | null,
  known = false,
): Wakeup | null {
  const { threads } = s.seq;
  if (threads[s.at] === c) return s;
  let ci = s.at + 1;
  while (ci < threads.length && threads[ci] !== c) ci++;
  if (ci === threads.length) {
    if (cStep === null) return null;
    for (let j = s.at; j < threads.length; j++) {
      if (wakeupStepsConflict(cStep.seq, cStep.at, s.seq, j)) return null;
    }
    return spliceFirst(s, cStep.seq, cStep.at, -1);
  }
  if (!known)
    for (let j = s.at; j < ci; j++) if (wakeupStepsConflict(s.seq, j, s.seq, ci)) return null;
  return spliceFirst(s, s.seq, ci, ci);
}

/** `s` from `at` on with step `i` of `from` in front (`skip`: the index of s it came from). */
function spliceFirst(s: Wakeup, from: WakeupSeq, i: number, skip: number): Wakeup {
  const { threads, starts, data } = s.seq;
  const head = from.starts[i + 1] - from.starts[i];
  let len = 1;
  let size = head;
  for (let j = s.at; j < threads.length; j++) {
    if (j === skip) continue;
    len++;
    size += starts[j + 1] - starts[j];
  }
  const t2 = new Int32Array(len);
  const st2 = new Int32Array(len + 1);
  const d2 = new Int32Array(size);
  t2[0] = from.threads[i];
  d2.set(from.data.subarray(from.starts[i], from.starts[i + 1]), 0);
  st2[1] = head;
  let n = 1;
  let at = head;
  for (let j = s.at; j < threads.length; j++) {
    if (j === skip) continue;
    t2[n] = threads[j];
    d2.set(data.subarray(starts[j], starts[j + 1]), at);
    at += starts[j + 1] - starts[j];
    st2[++n] = at;
  }
  return { seq: { threads: t2, starts: st2, data: d2 }, at: 0 };
}

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
  /**
   * Threads whose step from the state raised a violation, or asleep with such a step (DPOR
   * only): the footprint it reported stops where it failed, so it never stands for the whole
   * step (no weak initial).
   */
  cut = new Int32Array(64);
  /** Queued wakeup sequences per frame and thread, valid while the thread's tentative bit is set. */
  private readonly wakeup: Wakeup[][][] = [];
  /**
   * When each backtrack thread of a frame was added (slot `i * 32 + t`): DPOR explores a frame's
   * branches in that order (see {@link firstTodo}).
   */
  private rank = new Int32Array(64 * 32);
  private ranks = 0;

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
    this.cut[i] = 0;
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
  queueWakeup(i: number, t: number, seq: Wakeup): void {
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

  /**
   * Takes every queued wakeup sequence of tentative thread `t` at frame `i` (its wakeup subtree),
   * leaving `t` tentative until an execution through it ends ({@link confirm}).
   */
  takeWakeups(i: number, t: number): Wakeup[] {
    if ((this.tentative[i] & (1 << t)) === 0) {
      this.tentative[i] |= 1 << t;
      return [];
    }
    const q = this.wakeup[i]?.[t];
    if (q === undefined || q.length === 0) return [];
    const out = q.slice();
    q.length = 0;
    return out;
  }

  /** The first queued sequence of tentative thread `t` at frame `i` (its next step), or null. */
  firstWakeup(i: number, t: number): Wakeup | null {
    if ((this.tentative[i] & (1 << t)) === 0) return null;
    return this.wakeup[i]?.[t]?.[0] ?? null;
  }

  /** The threads of `mask` in the order they were added to frame `i`'s backtrack set. */
  inAddedOrder(i: number, mask: number): number[] {
    const out: number[] = [];
    for (let m = mask; m !== 0; m &= m - 1) out.push(31 - Math.clz32(m & -m));
    return out.sort((a, b) => this.rank[i * 32 + a] - this.rank[i * 32 + b]);
  }

  /** Adds `t` to frame `i`'s backtrack set, last in exploration order (also when reopened). */
  addBacktrack(i: number, t: number): void {
    this.backtrack[i] |= 1 << t;
    this.rank[i * 32 + t] = ++this.ranks;
  }

  /** Exploration rank of backtrack thread `t` at frame `i` (lower goes first). */
  rankOf(i: number, t: number): number {
    return this.rank[i * 32 + t];
  }

  /** The thread of `mask` added first to frame `i`'s backtrack set. */
  firstAdded(i: number, mask: number): number {
    let best = -1;
    let m = mask;
    while (m !== 0) {
      const t = 31 - Math.clz32(m & -m);
      m &= m - 1;
      if (best < 0 || this.rank[i * 32 + t] < this.rank[i * 32 + best]) best = t;
    }
    return best;
  }

  /** An execution through frame `i` ended: its chosen thread explored something. */
  confirm(i: number): void {
    this.tentative[i] &= ~(1 << this.chosen[i]);
  }

  /** Marks frame `i`'s previous choice pruned when no execution through it ended. */
  pruneUnconfirmed(i: number): void {
    const t = this.chosen[i];
    if (t < 0) return;
    const bit = 1 << t;
    if ((this.tentative[i] & this.done[i] & bit) === 0) return;
    this.tentative[i] &= ~bit;
    this.pruned[i] |= bit;
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
    this.cut = grow(this.cut);
    const rank = new Int32Array(n * 32);
    rank.set(this.rank);
    this.rank = rank;
  }
}
