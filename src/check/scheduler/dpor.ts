// Race analysis of optimal DPOR (Abdulla, Aronis, Jonsson, Sagonas, "Source sets: a foundation for
// optimal dynamic partial order reduction", JACM 2017, Algorithm 2): happens-before vector clocks
// over the steps of one execution, the races of each new step, and the insertion of each reversed
// sequence into the wakeup tree of the state before the race (followed by dfs.ts).

import { ADD, Footprint, READ, WRITE } from '../access.js';
import { weakInitialFirst, type Path, type Wakeup } from '../path.js';
import { lowestThread } from '../scheduler.js';

/** {@link RaceAnalysis.seqEv} of a blocked step whose footprint is unknown, or declared. */
const UNKNOWN = -1;
const PREDICTED = -2;

/**
 * Happens-before tracking for one execution at a time, reused across executions. Event `k` is the
 * step at path position `k`; its clock counts, per thread, that thread's events that happen before
 * or equal it (program order plus conflicting accesses in execution order). A step touches any
 * number of objects (its footprint); two steps conflict when they share an object that one of them
 * writes.
 */
export class RaceAnalysis {
  /** Dense index of each footprint key. */
  private readonly objIds = new Map<number, number>();
  private threads = 0;
  private count = 0;
  /** Events whose per-object and per-thread state below is current (see {@link skip}). */
  private built = 0;
  private tid = new Int32Array(256);
  private local = new Int32Array(256);
  private clocks = new Int32Array(256 * 4);
  /** Footprint of each event as `dense object * 4 + kind bits`; event k's start at evStart[k]. */
  private evStart = new Int32Array(257);
  private evData = new Int32Array(1024);
  /** Per footprint entry, the amount of a pure add that stated one, else NaN. */
  private evDelta = new Float64Array(1024);
  /** Clock of each thread's last event (row per thread). */
  private threadClock = new Int32Array(16);
  private lastWrite = new Int32Array(64).fill(-1);
  /** Reads and adds of each object since its last write. */
  private reads: number[][] = [];
  private adds: number[][] = [];
  private touched: number[] = [];
  private readonly scratch = { clock: new Int32Array(4), first: new Int32Array(4) };
  /** Newest conflicting event each blocked thread was already checked against, per object. */
  private checkedWrite: Map<number, number>[] = [];
  /** Events already reversed against the current step (a step may race one event on two objects). */
  private readonly raced: number[] = [];
  /** The threads of v = notdep(e, E).p, in execution order, while a reversal is computed. */
  private seq = new Int32Array(256);
  /** The event of each entry of {@link seq}; -1 for a blocked step that never ran. */
  private seqEv = new Int32Array(256);
  private seqLen = 0;
  /**
   * While a blocked thread's races are reversed: the footprint its pending step will have (dense
   * entries), when the step declares it, else none (predLen -1 marks unknown).
   */
  private predData = new Int32Array(16);
  /** The blocked step's await (Step.awaits): dense counter and value, or -1. */
  private predAwait = -1;
  private predAwaitValue = 0;
  /** Per event, the counter its step awaited (dense object) or -1, and the awaited value. */
  private awaitObj = new Int32Array(256);
  private awaitValue = new Float64Array(256);
  /** Start value of each awaited counter (dense object). */
  private readonly counterStart = new Map<number, number>();
  private denseScratch = new Int32Array(16);
  private predLen = -1;
  /** Position of each thread's last event in the current execution, or -1. */
  private lastEv = new Int32Array(4);
  /**
   * Per guard object, while one reversal is judged: the steps from `touchLo` on that wrote or
   * added to it, as (position, kind, amount, in v) in the flat lists below; touchAt maps the
   * object to its [start, end) there.
   */
  private readonly touchAt = new Map<number, number>();
  private readonly touchPos: number[] = [];
  private readonly touchKind: number[] = [];
  private readonly touchDelta: number[] = [];
  private readonly touchInV: boolean[] = [];
  private touchLo = 0;
  /**
   * What each blocked thread's guard read at each state: slot `k * threads + q` holds thread q's
   * guard keys at the state before event k when `guardKnown` is 1 there (q was blocked by its
   * guard, not held back by symmetry). Written when the state is first reached, like the frame.
   */
  private guardAt: Footprint[] = [];
  private guardKnown = new Uint8Array(256);

  /**
   * @param pruneInfeasible skip reversals whose last step provably stays blocked (default true);
   *   the estimator's probes keep them, as its calibration against exhaustive runs assumes.
   */
  constructor(private readonly pruneInfeasible = true) {}

  /**
   * The footprint thread `q`'s step had at frame `i` when it was explored or slept there, or
   * null when unknown; given by the scheduler that keeps them (weak initials need it).
   */
  stepFootprint: ((i: number, q: number) => Footprint | null) | null = null;
  /** Event of each thread's first step, or -1; and each thread's symmetry predecessor, or -1. */
  private firstEvent = new Int32Array(4);
  private symPred = new Int32Array(4);

  /**
   * Starts a new execution of a program with `threads` threads; `symPred(t)` is the thread whose
   * first step must precede `t`'s (symmetry reduction: that order is a happens-before edge).
   */
  reset(threads: number, symPred?: (t: number) => number): void {
    if (threads !== this.firstEvent.length) {
      this.firstEvent = new Int32Array(threads);
      this.symPred = new Int32Array(threads);
      this.lastEv = new Int32Array(threads);
    }
    for (let t = 0; t < threads; t++) this.symPred[t] = symPred?.(t) ?? -1;
    if (threads !== this.threads) {
      this.threads = threads;
      this.threadClock = new Int32Array(threads * threads);
      this.clocks = new Int32Array(this.tid.length * threads);
      this.scratch.clock = new Int32Array(threads);
      this.scratch.first = new Int32Array(threads);
      this.checkedWrite = Array.from({ length: threads }, () => new Map<number, number>());
      this.built = -1;
    }
    for (const m of this.checkedWrite) m.clear();
    this.count = 0;
  }

  /**
   * Counts a replayed event: the same step, at the same position, with the same footprint as in
   * the previous execution, so its stored clock is still right. No clock work is done for a
   * replayed prefix; the per-object and per-thread state is rebuilt from the stored events once,
   * at the first new event.
   */
  skip(): void {
    this.count++;
  }

  /**
   * Records the step thread `p` just performed (event number `this.count`) with its footprint.
   * With `path`, first finds its races and adds the reversing thread to the backtrack set of each
   * race's frame.
   */
  record(p: number, fp: Footprint, path: Path | null): void {
    const T = this.threads;
    const k = this.count;
    if (this.built !== k) this.rebuild(k);
    if (k === this.tid.length) this.grow();
    const clock = this.scratch.clock;
    const tc = this.threadClock;
    for (let t = 0, base = p * T; t < T; t++) clock[t] = tc[base + t];
    const localIdx = clock[p];
    let at = this.evStart[k];
    if (at + fp.size > this.evData.length) {
      const n = Math.max(at + fp.size, this.evData.length * 2);
      const grown = new Int32Array(n);
      grown.set(this.evData);
      this.evData = grown;
      const d = new Float64Array(n);
      d.set(this.evDelta);
      this.evDelta = d;
    }
    const ev = this.evData;
    for (let i = 0; i < fp.size; i++) {
      const kind = fp.entries[i] & 3;
      const o = this.obj(fp.entries[i] >>> 2);
      ev[at + i] = o * 4 + kind;
      this.evDelta[at + i] = fp.deltas[i];
      const lw = this.lastWrite[o];
      if (lw >= 0) this.join(clock, lw);
      // An add or write follows the reads since the last write; a read or write, the adds.
      if ((kind & ADD) !== 0) for (const r of this.reads[o]) this.join(clock, r);
      if ((kind & READ) !== 0) for (const r of this.adds[o]) this.join(clock, r);
    }
    at += fp.size;
    this.evStart[k + 1] = at;
    this.awaitObj[k] = this.noteAwait(fp);
    this.awaitValue[k] = fp.awaitValue;
    if (localIdx === 0) {
      const q = this.symPred[p];
      if (q >= 0 && this.firstEvent[q] >= 0) this.join(clock, this.firstEvent[q]);
      this.firstEvent[p] = k;
    }
    clock[p] = localIdx + 1;

    if (path !== null) {
      // The conflicting predecessors since the object's last write (the write itself when there
      // are none), minus those already ordered before p.
      if (this.raced.length !== 0) this.raced.length = 0;
      for (let i = this.evStart[k]; i < at; i++) {
        const o = ev[i] >>> 2;
        const kind = ev[i] & 3;
        let any = false;
        if ((kind & ADD) !== 0 && this.reads[o].length > 0) {
          any = true;
          for (const r of this.reads[o]) this.race(r, k, p, clock, path);
        }
        if ((kind & READ) !== 0 && this.adds[o].length > 0) {
          any = true;
          for (const r of this.adds[o]) this.race(r, k, p, clock, path);
        }
        const lw = this.lastWrite[o];
        if (!any && lw >= 0) this.race(lw, k, p, clock, path);
      }
    }

    this.tid[k] = p;
    this.local[k] = localIdx;
    const clocks = this.clocks;
    for (let t = 0, kb = k * T, pb = p * T; t < T; t++) {
      clocks[kb + t] = clock[t];
      tc[pb + t] = clock[t];
    }
    for (let i = this.evStart[k]; i < at; i++) this.apply(ev[i], k);
    this.lastEv[p] = k;
    this.count = k + 1;
    this.built = k + 1;
  }

  /** A race of event `e` with the new event `k` of thread `p`, unless `e` is ordered before p. */
  private race(e: number, k: number, p: number, clock: Int32Array, path: Path): void {
    if (this.tid[e] === p || this.threadClock[p * this.threads + this.tid[e]] > this.local[e]) {
      return;
    }
    if (this.raced.includes(e)) return;
    this.raced.push(e);
    this.reverse(e, k, p, clock, path);
  }

  /** Updates the per-object state with event `k`'s access `entry` (dense object * 4 + kind). */
  private apply(entry: number, k: number): void {
    const o = entry >>> 2;
    const kind = entry & 3;
    if (this.lastWrite[o] === -1 && this.reads[o].length === 0 && this.adds[o].length === 0) {
      this.touched.push(o);
    }
    if (kind === WRITE) {
      this.lastWrite[o] = k;
      // Truncating an array is slow even when it is empty: only touch the non-empty ones.
      if (this.reads[o].length !== 0) this.reads[o].length = 0;
      if (this.adds[o].length !== 0) this.adds[o].length = 0;
    } else if (kind === READ) {
      this.reads[o].push(k);
    } else {
      this.adds[o].push(k);
    }
  }

  /** Rebuilds the per-object and per-thread state from the stored events before `k`. */
  private rebuild(k: number): void {
    for (const o of this.touched) {
      this.lastWrite[o] = -1;
      // Truncating an array is slow even when it is empty: only touch the non-empty ones.
      if (this.reads[o].length !== 0) this.reads[o].length = 0;
      if (this.adds[o].length !== 0) this.adds[o].length = 0;
    }
    this.touched.length = 0;
    const T = this.threads;
    this.threadClock.fill(0);
    this.firstEvent.fill(-1);
    this.lastEv.fill(-1);
    if (k === 0) this.evStart[0] = 0;
    for (let j = 0; j < k; j++) {
      const p = this.tid[j];
      this.lastEv[p] = j;
      for (let t = 0, jb = j * T, pb = p * T; t < T; t++)
        this.threadClock[pb + t] = this.clocks[jb + t];
      if (this.firstEvent[p] < 0) this.firstEvent[p] = j;
      for (let i = this.evStart[j]; i < this.evStart[j + 1]; i++) this.apply(this.evData[i], j);
    }
    this.built = k;
  }

  /**
   * A blocked thread `q` whose guard read `guard`: the guard is treated as a read event at the
   * current state, racing with the adds since the last write to each object it read (or with that
   * write when there are none) that are not already ordered before `q`. Reversing such a race lets
   * `q` take its step before the access that blocked it.
   */
  recordBlocked(q: number, guard: Footprint, path: Path, predicted: Footprint | null = null): void {
    this.predLen = 0;
    this.predAwait = predicted === null ? -1 : this.noteAwait(predicted);
    this.predAwaitValue = predicted === null ? 0 : predicted.awaitValue;
    if (predicted !== null) {
      for (let i = 0; i < predicted.size; i++) {
        if (this.predData.length === this.predLen) {
          const grown = new Int32Array(this.predLen * 2);
          grown.set(this.predData);
          this.predData = grown;
        }
        const entry = predicted.entries[i];
        this.predData[this.predLen++] = this.obj(entry >>> 2) * 4 + (entry & 3);
      }
    }
    if (this.built !== this.count) this.rebuild(this.count);
    this.keepGuard(this.count, q, guard);
    for (let i = 0; i < guard.size; i++) {
      const o = this.objIds.get(guard.entries[i] >>> 2);
      if (o === undefined) continue;
      const adds = this.adds[o];
      const lw = this.lastWrite[o];
      const newest = adds.length > 0 ? adds[adds.length - 1] : lw;
      const checked = this.checkedWrite[q];
      if (newest < 0 || checked.get(o) === newest) continue;
      checked.set(o, newest);
      if (adds.length > 0) for (const e of adds) this.blockedRace(q, e, path);
      else this.blockedRace(q, lw, path);
    }
  }

  private keepGuard(k: number, q: number, guard: Footprint): void {
    const slot = k * this.threads + q;
    if (slot >= this.guardKnown.length) {
      const grown = new Uint8Array(Math.max(slot + 1, this.guardKnown.length * 2));
      grown.set(this.guardKnown);
      this.guardKnown = grown;
    }
    while (this.guardAt.length <= slot) this.guardAt.push(new Footprint());
    const g = this.guardAt[slot];
    g.clear();
    g.addAll(guard);
    this.guardKnown[slot] = guard.size > 0 ? 1 : 0;
  }

  /** The dense counter footprint `fp`'s step awaits (its start value kept), or -1. */
  private noteAwait(fp: Footprint): number {
    if (fp.awaitKey < 0) return -1;
    const o = this.obj(fp.awaitKey);
    if (!this.counterStart.has(o)) this.counterStart.set(o, fp.awaitStart);
    return o;
  }

  /**
   * For a last step of v that awaits a counter (Step.awaits): 1 when the counter equals the
   * awaited value at the end of pre(E, e).v, 0 when it does not (the step is disabled there), -1
   * when that is not known. The value is the counter's start plus the stated amounts of the adds
   * in pre(E, e) and v; a write, or an add without an amount, makes it unknown. This is the await
   * statement of Jonsson, Lång, Sagonas (FMCAD 2022) for a counter: no replay is needed.
   */
  private awaitAtEnd(e: number, k: number, waiting: boolean): number {
    const o = waiting ? this.predAwait : this.awaitObj[k];
    if (o < 0) return -1;
    let sum = this.counterStart.get(o) ?? NaN;
    if (Number.isNaN(sum)) return -1;
    const T = this.threads;
    const te = this.tid[e];
    const le = this.local[e];
    for (let j = 0; j < k; j++) {
      if (j === e || (j > e && this.clocks[j * T + te] > le)) continue;
      for (let i = this.evStart[j]; i < this.evStart[j + 1]; i++) {
        if (this.evData[i] >>> 2 !== o) continue;
        const kind = this.evData[i] & 3;
        if (kind === READ) continue;
        const d = this.evDelta[i];
        if (kind === WRITE || Number.isNaN(d)) return -1;
        sum += d;
      }
    }
    return sum === (waiting ? this.predAwaitValue : this.awaitValue[k]) ? 1 : 0;
  }

  /**
   * Whether `p`'s step at the end of v = notdep(e, E).p is provably disabled, without a replay:
   * at some state `j` of this execution after p's last step (so p's pending step was the same),
   * p was blocked by its guard, and every object that guard read has the same value at the end of
   * v as at `j`. Values are compared without knowing them: both states hold the same steps on the
   * object except some adds after its last write, whose stated amounts sum to the same; a write
   * that only one state holds, or an add without an amount, gives up. A guard is a deterministic read of
   * shared state, so it reads the same and is false again. `waiting` is true for a blocked-guard
   * race (p is blocked at the current state `k`, whose guard was just kept).
   */
  private provablyBlocked(e: number, k: number, p: number, path: Path, waiting: boolean): boolean {
    const T = this.threads;
    const lastP = this.lastEv[p];
    if (this.touchPos.length !== 0 || this.touchAt.size !== 0) {
      this.touchAt.clear();
      this.touchPos.length = 0;
      this.touchKind.length = 0;
      this.touchDelta.length = 0;
      this.touchInV.length = 0;
    }
    this.touchLo = Math.min(e, lastP + 1);
    let tried = 0;
    for (let j = waiting ? k : k - 1; j > lastP && tried < 16; j--) {
      const blocked = j === k || (path.enabled[j] & (1 << p)) === 0;
      const slot = j * T + p;
      if (!blocked || slot >= this.guardKnown.length || this.guardKnown[slot] === 0) continue;
      tried++;
      if (this.sameGuardValues(e, k, j, this.guardAt[slot])) return true;
    }
    return false;
  }

  /** Whether every object guard `g` read at state `j` has the same value there as after v. */
  private sameGuardValues(e: number, k: number, j: number, g: Footprint): boolean {
    const base = Math.min(e, j);
    for (let x = 0; x < g.size; x++) {
      const o = this.objIds.get(g.entries[x] >>> 2);
      if (o === undefined) continue; // no step ever touched it
      let at = this.touchAt.get(o);
      if (at === undefined) at = this.collectTouches(e, k, o);
      const end = this.touchAt.get(-1 - o) as number;
      let diff = 0;
      let firstDiff = k;
      let lastSharedWrite = -1;
      for (let i = at; i < end; i++) {
        const y = this.touchPos[i];
        if (y < base) continue;
        const inV = this.touchInV[i];
        if (inV === y < j) {
          if (inV && this.touchKind[i] === WRITE) lastSharedWrite = y;
          continue;
        }
        const d = this.touchDelta[i];
        if (this.touchKind[i] !== ADD || Number.isNaN(d)) return false;
        if (y < firstDiff) firstDiff = y;
        diff += inV ? d : -d;
      }
      // An add that only one state holds, overwritten by a write both hold, changes nothing there;
      // before that write the comparison by amounts does not hold: give up.
      if (firstDiff < lastSharedWrite || diff !== 0) return false;
    }
    return true;
  }

  /** Lists the writes and adds to object `o` from touchLo to `k`; returns where they start. */
  private collectTouches(e: number, k: number, o: number): number {
    const T = this.threads;
    const te = this.tid[e];
    const le = this.local[e];
    const start = this.touchPos.length;
    for (let y = this.touchLo; y < k; y++) {
      for (let i = this.evStart[y]; i < this.evStart[y + 1]; i++) {
        const entry = this.evData[i];
        if (entry >>> 2 !== o || (entry & 3) === READ) continue;
        this.touchPos.push(y);
        this.touchKind.push(entry & 3);
        this.touchDelta.push(this.evDelta[i]);
        this.touchInV.push(y < e || (y > e && this.clocks[y * T + te] <= le));
      }
    }
    this.touchAt.set(o, start);
    this.touchAt.set(-1 - o, this.touchPos.length);
    return start;
  }

  private blockedRace(q: number, e: number, path: Path): void {
    const T = this.threads;
    if (this.tid[e] === q || this.threadClock[q * T + this.tid[e]] > this.local[e]) return;
    const clock = this.scratch.clock;
    const tc = this.threadClock;
    for (let t = 0, base = q * T; t < T; t++) clock[t] = tc[base + t];
    this.join(clock, e);
    this.reverse(e, this.count, q, clock, path, /* waiting = */ true);
  }

  /**
   * For the race of event `e` with a later event of thread `p` (clock `pClock`) that would sit at
   * position `k`: v = notdep(e, E).p, inserted into the wakeup tree of pre(E, e) unless an
   * explored or sleeping thread there is an initial or a weak initial of it, or its last step
   * provably stays blocked: into the subtree of the first unexplored branch whose thread is a
   * weak initial of v, else as a new branch (an initial, the racing thread when it is one).
   * Following v later tells whether `p`'s step is enabled at its end (see DfsScheduler).
   */
  private reverse(
    e: number,
    k: number,
    p: number,
    pClock: Int32Array,
    path: Path,
    waiting = false,
  ): void {
    const T = this.threads;
    const enabledAtE = path.enabled[e];
    const open = path.tentative[e] | path.pruned[e];
    if ((path.backtrack[e] & ~open & enabledAtE) === enabledAtE) return;
    const te = this.tid[e];
    const le = this.local[e];
    const first = this.scratch.first;
    first.fill(-1);
    if (this.seq.length < k - e + 1) {
      this.seq = new Int32Array(Math.max(k - e + 1, this.seq.length * 2));
      this.seqEv = new Int32Array(this.seq.length);
    }
    const seq = this.seq;
    const seqEv = this.seqEv;
    let n = 0;
    let initials = 0;
    for (let j = e + 1; j < k; j++) {
      const base = j * T;
      if (this.clocks[base + te] > le) continue;
      const q = this.tid[j];
      seqEv[n] = j;
      seq[n++] = q;
      if (first[q] >= 0) continue;
      first[q] = this.local[j];
      if (!this.after(this.clocks, base, q, first)) initials |= 1 << q;
    }
    if (first[p] < 0 && !this.after(pClock, 0, p, first)) initials |= 1 << p;
    seqEv[n] = !waiting ? k : this.predLen > 0 ? PREDICTED : UNKNOWN;
    seq[n++] = p;
    this.seqLen = n;
    const explored = path.done[e] & ~path.pruned[e] & ~path.tentative[e];
    // An explored branch that is an initial of v covers it (source-DPOR), and so does a sleeping
    // initial: it was explored from an earlier state whose executions starting with it include
    // v's; with weak initials, the sleep-set half of optimal DPOR's insertion test (JACM 2017).
    if ((initials & (explored | path.sleep[e])) !== 0) return;
    if (this.weaklyCovered(e, path)) return;
    // An await known to hold at the end of v needs no further judgement. One known not to hold is
    // still followed: the state it reaches records blocked-guard races that no other execution
    // may reach (two decrements that must both move after the await; each single reversal is
    // infeasible). Dropping it lost a deadlock of a random program (docs/checker.md).
    if (
      this.pruneInfeasible &&
      this.awaitAtEnd(e, k, waiting) !== 1 &&
      this.provablyBlocked(e, k, p, path, waiting)
    ) {
      return;
    }
    const v: Wakeup = this.wakeupSequence();
    // A branch not yet explored whose thread is a weak initial of v takes v into its wakeup
    // tree; the first one in exploration order, since a later one would find it asleep.
    for (const c of path.inAddedOrder(e, path.backtrack[e] & ~path.done[e])) {
      const w = weakInitialFirst(v, c, path.firstWakeup(e, c));
      if (w !== null) {
        path.queueWakeup(e, c, w);
        return;
      }
    }
    const pick = initials & enabledAtE;
    if (pick === 0) return;
    const c = (pick & (1 << p)) !== 0 ? p : lowestThread(pick);
    const bit = 1 << c;
    path.addBacktrack(e, c);
    if ((path.pruned[e] & bit) !== 0) {
      path.pruned[e] &= ~bit;
      path.done[e] &= ~bit;
    }
    path.queueWakeup(e, c, weakInitialFirst(v, c, null, /* known = */ true) as Wakeup);
  }

  /**
   * Whether some thread `q` explored from pre(E, e) (asleep there, or a finished sibling branch)
   * is a *weak* initial of v: it takes no step in v and its step at pre(E, e) conflicts with no
   * step of v, so every execution pre(E, e).v.w that runs that step is equivalent to one starting
   * pre(E, e).q, already explored (optimal DPOR's insertion test, JACM 2017, Algorithm 2).
   * Needs the footprint of every step of v: the last step of a blocked-guard race never ran, so
   * its footprint is the one its step declares (a declared step reports nothing else), or unknown
   * and conflicting with everything.
   */
  private weaklyCovered(e: number, path: Path): boolean {
    const fpOf = this.stepFootprint;
    if (fpOf === null) return false;
    const te = this.tid[e];
    let cand =
      (path.sleep[e] | (path.done[e] & ~path.pruned[e] & ~path.tentative[e])) &
      ~path.cut[e] &
      ~(1 << te);
    for (let i = 0; i < this.seqLen; i++) cand &= ~(1 << this.seq[i]);
    while (cand !== 0) {
      const q = lowestThread(cand);
      cand &= cand - 1;
      const fq = fpOf(e, q);
      if (fq === null) continue;
      // q's step as dense entries (an object no step touched conflicts with nothing).
      let n = 0;
      const dq = this.denseScratch.length < fq.size ? new Int32Array(fq.size) : this.denseScratch;
      this.denseScratch = dq;
      for (let x = 0; x < fq.size; x++) {
        const o = this.objIds.get(fq.entries[x] >>> 2);
        if (o !== undefined) dq[n++] = o * 4 + (fq.entries[x] & 3);
      }
      let free = true;
      for (let i = 0; free && i < this.seqLen; i++) {
        const ev = this.seqEv[i];
        if (ev === UNKNOWN) free = false;
        else if (ev === PREDICTED) free = !denseConflict(dq, n, this.predData, 0, this.predLen);
        else free = !denseConflict(dq, n, this.evData, this.evStart[ev], this.evStart[ev + 1]);
      }
      if (free) return true;
    }
    return false;
  }

  /** The sequence in {@link seq}, with each step's stored footprint. */
  private wakeupSequence(): Wakeup {
    const seq = this.seq;
    const len = this.seqLen;
    let total = 0;
    for (let i = 0; i < len; i++) {
      const ev = this.seqEv[i];
      total +=
        ev === UNKNOWN
          ? 1
          : ev === PREDICTED
            ? this.predLen
            : this.evStart[ev + 1] - this.evStart[ev];
    }
    const threads = new Int32Array(len);
    const starts = new Int32Array(len + 1);
    const data = new Int32Array(total);
    let at = 0;
    for (let i = 0; i < len; i++) {
      threads[i] = seq[i];
      const ev = this.seqEv[i];
      if (ev === UNKNOWN) data[at++] = -1;
      else if (ev === PREDICTED) {
        data.set(this.predData.subarray(0, this.predLen), at);
        at += this.predLen;
      } else {
        data.set(this.evData.subarray(this.evStart[ev], this.evStart[ev + 1]), at);
        at += this.evStart[ev + 1] - this.evStart[ev];
      }
      starts[i + 1] = at;
    }
    return { seq: { threads, starts, data }, at: 0 };
  }

  /** Whether the event with clock `c[base..]` of thread `q` follows some other thread's first event in v. */
  private after(c: Int32Array, base: number, q: number, first: Int32Array): boolean {
    for (let r = 0; r < this.threads; r++) {
      if (r !== q && first[r] >= 0 && c[base + r] > first[r]) return true;
    }
    return false;
  }

  private join(clock: Int32Array, e: number): void {
    const T = this.threads;
    const base = e * T;
    for (let t = 0; t < T; t++) {
      const v = this.clocks[base + t];
      if (v > clock[t]) clock[t] = v;
    }
  }

  private obj(key: number): number {
    let o = this.objIds.get(key);
    if (o === undefined) {
      o = this.objIds.size;
      this.objIds.set(key, o);
      if (o === this.lastWrite.length) {
        const lw = new Int32Array(o * 2).fill(-1);
        lw.set(this.lastWrite);
        this.lastWrite = lw;
      }
      this.reads.push([]);
      this.adds.push([]);
      this.lastWrite[o] = -1;
    }
    return o;
  }

  private grow(): void {
    const n = this.tid.length * 2;
    const tid = new Int32Array(n);
    tid.set(this.tid);
    this.tid = tid;
    const local = new Int32Array(n);
    local.set(this.local);
    this.local = local;
    const clocks = new Int32Array(n * this.threads);
    clocks.set(this.clocks);
    this.clocks = clocks;
    const evStart = new Int32Array(n + 1);
    evStart.set(this.evStart);
    this.evStart = evStart;
    const awaitObj = new Int32Array(n);
    awaitObj.set(this.awaitObj);
    this.awaitObj = awaitObj;
    const awaitValue = new Float64Array(n);
    awaitValue.set(this.awaitValue);
    this.awaitValue = awaitValue;
  }
}

/** Whether dense entries `a[0..n)` and `b[from..to)` hold a conflicting pair. */
function denseConflict(a: Int32Array, n: number, b: Int32Array, from: number, to: number): boolean {
  for (let x = 0; x < n; x++) {
    const u = a[x];
    for (let i = from; i < to; i++) {
      const w = b[i];
      if (w >>> 2 === u >>> 2 && ((w | u) & 3) === WRITE) return true;
    }
  }
  return false;
}
