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
  }
}
