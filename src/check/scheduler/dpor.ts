// Race analysis of source-DPOR (Abdulla, Aronis, Jonsson, Sagonas, "Optimal dynamic partial order
// reduction", POPL 2014, Algorithm 1): happens-before vector clocks over the steps of one execution,
// the races of each new step, and the initials of the reversed sequence added to backtrack sets.

import type { Access, Step } from '../program.js';
import type { Path } from '../path.js';

/** How an access conflicts: reads commute with reads, adds with adds, writes with nothing. */
const READ = 0;
const ADD = 1;
const WRITE = 2;

function kindOf(access: Access): number {
  return access === 'read' ? READ : access === 'add' ? ADD : WRITE;
}

/** Two steps of different threads conflict when they touch the same object, unless both are reads or both adds. */
export function conflicts(a: Step, b: Step): boolean {
  if (a.obj !== b.obj) return false;
  const ka = kindOf(a.access);
  return ka === WRITE || ka !== kindOf(b.access);
}

/** True unless the step is a read (kept for callers that only distinguish reads). */
export function isWrite(step: Step): boolean {
  return step.access !== 'read';
}

/**
 * Happens-before tracking for one execution at a time, reused across executions. Event `k` is the
 * step at path position `k`; its clock counts, per thread, that thread's events that happen before
 * or equal it (program order plus conflicting accesses in execution order, plus, under symmetry
 * reduction, a thread's first step after its class predecessor's first step).
 *
 * Events of a replayed prefix are identical to the previous execution's, and so are their clocks:
 * {@link skip} only counts them, and the per-thread and per-object state is rebuilt from the stored
 * events once, at the first new event (no clock joins for the replayed prefix).
 */
export class RaceAnalysis {
  private readonly objIds = new Map<string, number>();
  private threads = 0;
  private count = 0;
  /** Events whose per-object and per-thread state is current (a prefix may be pending a rebuild). */
  private built = 0;
  private tid = new Int32Array(256);
  private local = new Int32Array(256);
  private objOf = new Int32Array(256);
  private kind = new Uint8Array(256);
  private clocks = new Int32Array(256 * 4);
  /** Clock of each thread's last event (row per thread). */
  private threadClock = new Int32Array(16);
  /** Event of each thread's first step, or -1. */
  private firstEvent = new Int32Array(4);
  private symPred = new Int32Array(4);
  private lastWrite = new Int32Array(64).fill(-1);
  private reads: number[][] = [];
  private adds: number[][] = [];
  private touched: number[] = [];
  private readonly cand: number[] = [];
  private readonly scratch = { clock: new Int32Array(4), first: new Int32Array(4) };
  /** Newest conflicting event each blocked thread was already checked against. */
  private checkedWrite = new Int32Array(4);

  /**
   * Starts a new execution of a program with `threads` threads; `symPred[t]` is the thread whose
   * first step must precede `t`'s (symmetry reduction) or -1.
   */
  reset(threads: number, symPred?: (t: number) => number): void {
    if (threads !== this.threads) {
      this.threads = threads;
      this.threadClock = new Int32Array(threads * threads);
      this.clocks = new Int32Array(this.tid.length * threads);
      this.scratch.clock = new Int32Array(threads);
      this.scratch.first = new Int32Array(threads);
      this.checkedWrite = new Int32Array(threads).fill(-1);
      this.firstEvent = new Int32Array(threads).fill(-1);
      this.symPred = new Int32Array(threads);
      this.built = 0;
    }
    for (let t = 0; t < threads; t++) this.symPred[t] = symPred?.(t) ?? -1;
    this.count = 0;
  }

  /** Counts a replayed event: the same step, at the same position, as in the previous execution. */
  skip(): void {
    this.count++;
  }

  /** Brings the per-thread and per-object state up to the current event count. */
  private rebuild(): void {
    const T = this.threads;
    this.threadClock.fill(0);
    this.firstEvent.fill(-1);
    this.checkedWrite.fill(-1);
    for (const o of this.touched) {
      this.lastWrite[o] = -1;
      this.reads[o].length = 0;
      this.adds[o].length = 0;
    }
    this.touched.length = 0;
    const tc = this.threadClock;
    for (let k = 0; k < this.count; k++) {
      const p = this.tid[k];
      if (this.local[k] === 0) this.firstEvent[p] = k;
      tc.set(this.clocks.subarray(k * T, k * T + T), p * T);
      this.update(this.objOf[k], this.kind[k], k);
    }
    this.built = this.count;
  }

  private update(o: number, kind: number, k: number): void {
    if (this.lastWrite[o] === -1 && this.reads[o].length === 0 && this.adds[o].length === 0) {
      this.touched.push(o);
    }
    if (kind === WRITE) {
      this.lastWrite[o] = k;
      this.reads[o].length = 0;
      this.adds[o].length = 0;
    } else if (kind === READ) {
      this.reads[o].push(k);
    } else {
      this.adds[o].push(k);
    }
  }

  /**
   * The conflicting events since the last write that a `kind` access of `o` comes right after:
   * for a read the adds, for an add the reads, for a write both (each falling back to the last
   * write when there are none), minus those ordered before another of them.
   */
  private candidates(o: number, kind: number): number[] {
    const cand = this.cand;
    cand.length = 0;
    if (kind !== READ) for (const r of this.reads[o]) cand.push(r);
    if (kind !== ADD) for (const a of this.adds[o]) cand.push(a);
    const lw = this.lastWrite[o];
    if (cand.length === 0) {
      if (lw >= 0) cand.push(lw);
      return cand;
    }
    if (cand.length > 1) {
      const T = this.threads;
      let n = 0;
      for (let i = 0; i < cand.length; i++) {
        const c = cand[i];
        let dominated = false;
        for (let j = 0; j < cand.length && !dominated; j++) {
          const d = cand[j];
          if (d !== c && this.clocks[d * T + this.tid[c]] > this.local[c]) dominated = true;
        }
        if (!dominated) cand[n++] = c;
      }
      cand.length = n;
    }
    return cand;
  }

  /**
   * Records the step thread `p` just performed (event number `this.count`). With `path`, first
   * finds its races and adds the reversing thread to the backtrack set of each race's frame.
   */
  record(p: number, step: Step, path: Path | null): void {
    const T = this.threads;
    const k = this.count;
    if (this.built !== k) this.rebuild();
    if (k === this.tid.length) this.grow();
    const o = this.obj(step.obj);
    const kind = kindOf(step.access);
    const clock = this.scratch.clock;
    const tc = this.threadClock;
    for (let t = 0, base = p * T; t < T; t++) clock[t] = tc[base + t];
    const localIdx = clock[p];
    const lw = this.lastWrite[o];
    if (lw >= 0) this.join(clock, lw);
    if (kind !== READ) for (const r of this.reads[o]) this.join(clock, r);
    if (kind !== ADD) for (const a of this.adds[o]) this.join(clock, a);
    if (localIdx === 0) {
      const q = this.symPred[p];
      if (q >= 0 && this.firstEvent[q] >= 0) this.join(clock, this.firstEvent[q]);
      this.firstEvent[p] = k;
    }
    clock[p] = localIdx + 1;

    if (path !== null) {
      // The immediate conflicting predecessors not already ordered before p.
      const before = this.threadClock;
      for (const c of this.candidates(o, kind)) {
        if (this.tid[c] !== p && before[p * T + this.tid[c]] <= this.local[c]) {
          this.reverse(c, k, p, clock, path);
        }
      }
    }

    this.tid[k] = p;
    this.local[k] = localIdx;
    this.objOf[k] = o;
    this.kind[k] = kind;
    const clocks = this.clocks;
    for (let t = 0, kb = k * T, pb = p * T; t < T; t++) {
      clocks[kb + t] = clock[t];
      tc[pb + t] = clock[t];
    }
    this.update(o, kind, k);
    this.count = k + 1;
    this.built = k + 1;
  }

  /**
   * A blocked thread `q` whose guard reads `step.obj`: its guard is treated as a read event at the
   * current state, racing with the conflicting events before it (the last write, or the adds since)
   * not already ordered before `q`. Reversing such a race lets `q` take its step before the event
   * that blocked it.
   */
  recordBlocked(q: number, step: Step, path: Path): void {
    const T = this.threads;
    if (this.built !== this.count) this.rebuild();
    const o = this.objIds.get(step.obj);
    if (o === undefined) return;
    const checked = this.checkedWrite[q];
    let newest = checked;
    for (const c of this.candidates(o, READ)) {
      if (c <= checked || this.tid[c] === q) continue;
      if (c > newest) newest = c;
      if (this.threadClock[q * T + this.tid[c]] > this.local[c]) continue;
      const clock = this.scratch.clock;
      const tc = this.threadClock;
      for (let t = 0, base = q * T; t < T; t++) clock[t] = tc[base + t];
      this.join(clock, c);
      this.reverse(c, this.count, q, clock, path);
    }
    this.checkedWrite[q] = newest;
  }

  /**
   * For the race of event `e` with a later event of thread `p` (clock `pClock`) that would sit at
   * position `k`: v = notdep(e, E).p, and unless backtrack(pre(E, e)) already holds one of v's
   * initials, adds one.
   */
  private reverse(e: number, k: number, p: number, pClock: Int32Array, path: Path): void {
    const T = this.threads;
    const enabledAtE = path.enabled[e];
    if ((path.backtrack[e] & enabledAtE) === enabledAtE) return;
    const te = this.tid[e];
    const le = this.local[e];
    const first = this.scratch.first;
    first.fill(-1);
    let initials = 0;
    for (let j = e + 1; j < k; j++) {
      const base = j * T;
      if (this.clocks[base + te] > le) continue;
      const q = this.tid[j];
      if (first[q] >= 0) continue;
      first[q] = this.local[j];
      if (!this.after(this.clocks, base, q, first)) initials |= 1 << q;
    }
    if (first[p] < 0 && !this.after(pClock, 0, p, first)) initials |= 1 << p;
    if ((initials & path.backtrack[e]) !== 0) return;
    const preferred = initials & enabledAtE & ~path.sleep[e];
    const pick = preferred !== 0 ? preferred : initials & enabledAtE;
    if (pick === 0) return;
    const chosen = (pick & (1 << p)) !== 0 ? 1 << p : pick & -pick;
    path.backtrack[e] |= chosen;
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

  private obj(name: string): number {
    let o = this.objIds.get(name);
    if (o === undefined) {
      o = this.objIds.size;
      this.objIds.set(name, o);
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
    const objOf = new Int32Array(n);
    objOf.set(this.objOf);
    this.objOf = objOf;
    const kind = new Uint8Array(n);
    kind.set(this.kind);
    this.kind = kind;
    const clocks = new Int32Array(n * this.threads);
    clocks.set(this.clocks);
    this.clocks = clocks;
  }
}
