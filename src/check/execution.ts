// One execution of a program: a fresh instance whose thread generators are stepped one shared step
// at a time in the order a scheduler chooses (loom's `Execution`, re-created for every iteration).

import { UsageError } from '../util/errors.js';
import {
  ADD,
  Footprint,
  READ,
  WRITE,
  collectAccesses,
  kindName,
  setAccessScope,
  type ObjectNames,
} from './access.js';
import type { Access, ProgramInstance, Program, Step, ThreadBody, Violation } from './program.js';
import type { PendingStep, TraceAccess, TraceStep } from './result.js';
import { MAX_THREADS, type ExecutionView } from './scheduler.js';

/**
 * Names of objects that steps declare (`Step.obj`), numbered once per run so that every execution
 * gives a name the same footprint key.
 */
export class DeclaredObjects {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];

  /** The footprint key of declared object `name`. */
  key(name: string): number {
    let k = this.ids.get(name);
    if (k === undefined) {
      k = this.names.length;
      this.ids.set(name, k);
      this.names.push(name);
    }
    return k * 2 + 1;
  }

  /** The declared name of a key, or undefined for a program object. */
  name(key: number): string | undefined {
    return (key & 1) === 1 ? this.names[key >>> 1] : undefined;
  }
}

/**
 * Footprint storage reused from one execution to the next (one execution runs at a time), so an
 * execution allocates no typed arrays of its own.
 */
export class FootprintBuffers {
  /** The footprint of the last step performed. */
  readonly fp = new Footprint();
  /** Scratch for Execution.pendingFootprint. */
  readonly predicted = new Footprint();
  /** Reads of each thread's guard at the last enabledMask. */
  readonly guards: Footprint[] = [];
  /** Footprints of all steps, concatenated; step k's entries start at starts[k]. */
  data = new Int32Array(1024);
  /**
   * Entry k < startsLen. A typed array with its own length: shrinking a JS array by `.length`
   * each execution trimmed its backing store, which the next execution's pushes reallocated.
   */
  starts = new Int32Array(256);
  startsLen = 1;

  reset(threads: number): void {
    while (this.guards.length < threads) this.guards.push(new Footprint());
    for (let t = 0; t < threads; t++) this.guards[t].clear();
    this.fp.clear();
    this.startsLen = 1;
  }
}

/** A running program instance plus the record of the steps it took. */
export class Execution implements ExecutionView {
  readonly threadCount: number;
  readonly names: readonly string[];
  depth = 0;
  current = -1;
  /** Threads not yet finished. */
  live: number;
  /** The violation that ended the execution, once one occurred. */
  violation: Violation | undefined;
  /** Index of the step that raised `violation`, or null when it arose outside a step. */
  failedStep: number | null = null;
  /** Thread chosen at each step: the schedule. */
  readonly schedule: number[] = [];
  /** Step performed at each position. */
  readonly steps: Step[] = [];

  private readonly bodies: ThreadBody[];
  private readonly next: (Step | null)[];
  private readonly fp: Footprint;
  private readonly guards: Footprint[];
  /** Names of the objects the instance registered (registerObject), by id. */
  private objects: ObjectNames = [];
  /** The previous thread of the same symmetry class, or -1 (see ThreadSpec.symmetry). */
  private readonly symPred: Int32Array;
  /** Threads that took a step or finished: a thread of a class may start once its predecessor has. */
  private begun = 0;
  /** Threads held back by symmetry: their class predecessor has not begun. */
  private symHeld = 0;
  /**
   * Value of each declared counter (ProgramInstance.counters) by key, as the declared adds
   * leave it; NaN once anything else changed it.
   */
  private readonly counterValue = new Map<number, number>();

  private constructor(
    readonly instance: ProgramInstance,
    private readonly declared: DeclaredObjects,
    private readonly buffers: FootprintBuffers,
    symmetry: boolean,
  ) {
    const threads = instance.threads;
    if (threads.length === 0 || threads.length > MAX_THREADS) {
      throw new UsageError(
        'option',
        `a checked program needs 1 to ${MAX_THREADS} threads, got ${threads.length}`,
      );
    }
    this.threadCount = threads.length;
    this.names = threads.map((t) => t.name);
    this.bodies = threads.map((t) => t.body);
    this.next = new Array<Step | null>(threads.length).fill(null);
    buffers.reset(threads.length);
    this.fp = buffers.fp;
    this.guards = buffers.guards;
    this.live = threads.length;
    for (const [name, v] of Object.entries(instance.counters ?? {})) {
      this.counterValue.set(declared.key(name), v);
    }
    this.symPred = new Int32Array(threads.length).fill(-1);
    if (symmetry) {
      const last = new Map<string, number>();
      threads.forEach((th, t) => {
        if (th.symmetry === undefined) return;
        const prev = last.get(th.symmetry);
        if (prev !== undefined) {
          this.symPred[t] = prev;
          this.symHeld |= 1 << t;
        }
        last.set(th.symmetry, t);
      });
    }
  }

  /**
   * Creates a fresh instance of `program` and runs each thread up to its first step.
   * @param symmetry honour the threads' symmetry classes (default true).
   */
  static start(
    program: Program,
    declared = new DeclaredObjects(),
    buffers = new FootprintBuffers(),
    symmetry = true,
  ): Execution {
    let instance: ProgramInstance;
    const objects: ObjectNames = [];
    try {
      instance = collectAccesses(objects, null, () => program.create());
    } catch (err) {
      const ex = new Execution(
        { threads: [{ name: 'create', body: emptyBody() }] },
        declared,
        buffers,
        false,
      );
      ex.violation = toViolation(err, 'create()', 'program.create()');
      return ex;
    }
    const ex = new Execution(instance, declared, buffers, symmetry);
    ex.objects = objects;
    for (let t = 0; t < ex.threadCount && ex.violation === undefined; t++) {
      ex.fp.clear();
      if (ex.resume(t) && ex.fp.size > 0) {
        ex.violation = {
          kind: 'assertion',
          message:
            `thread ${ex.names[t]} touched ${ex.objectName(ex.fp.entries[0] >>> 2)} before its ` +
            'first step: code before the first yield runs outside any step and must be thread-local',
          details: { thread: ex.names[t] },
        };
      }
    }
    return ex;
  }

  pending(t: number): Step | null {
    return this.next[t];
  }

  footprint(): Footprint {
    return this.fp;
  }

  symmetryPredecessor(t: number): number {
    return this.symPred[t];
  }

  pendingFootprint(t: number): Footprint | null {
    const s = this.next[t];
    if (s === null || s.obj === undefined) return null;
    const fp = this.buffers.predicted;
    fp.clear();
    fp.addKey(this.declared.key(s.obj), declaredBits(s.access), s.delta ?? NaN);
    fp.addAll(this.guards[t]);
    this.noteAwait(fp, s);
    return fp;
  }

  /** Marks `t` as begun and releases the next thread of its class. */
  private begin(t: number): void {
    if ((this.begun & (1 << t)) !== 0) return;
    this.begun |= 1 << t;
    if (this.symHeld === 0) return;
    for (let u = t + 1; u < this.threadCount; u++) {
      if (this.symPred[u] === t) this.symHeld &= ~(1 << u);
    }
  }

  guardReads(t: number): Footprint {
    return this.guards[t];
  }

  /**
   * The mask of threads whose next step can run now; sets `violation` if a guard throws. Records
   * what each guard read (its footprint joins the step's, and DPOR races blocked guards with it).
   */
  enabledMask(): number {
    let mask = 0;
    for (let t = 0; t < this.threadCount; t++) {
      const s = this.next[t];
      const g = this.guards[t];
      g.clear();
      if (s === null || (this.symHeld & (1 << t)) !== 0) continue;
      const guard = s.enabled;
      if (guard === undefined) {
        mask |= 1 << t;
        continue;
      }
      if (s.obj !== undefined) g.addKey(this.declared.key(s.obj), READ);
      try {
        setAccessScope(this.objects, g);
        const on = guard();
        setAccessScope(this.objects, null);
        if (on) mask |= 1 << t;
        if (s.awaits !== undefined && !this.awaitHolds(t, s, on)) return 0;
      } catch (err) {
        setAccessScope(this.objects, null);
        this.violation = toViolation(err, this.names[t], s.label);
        return 0;
      }
    }
    return mask;
  }

  /**
   * Whether an awaiting step's guard result `on` agrees with its declared counter's value (the
   * promise DPOR relies on); sets an `assertion` violation when it does not.
   */
  private awaitHolds(t: number, s: Step, on: boolean): boolean {
    const value = this.counterValue.get(this.declared.key(s.obj as string));
    if (value === undefined || Number.isNaN(value) || on === (value === s.awaits)) return true;
    this.violation = {
      kind: 'assertion',
      message:
        `thread ${this.names[t]}: step '${s.label}' awaits ${s.obj ?? ''} == ${s.awaits} but ` +
        `its guard returned ${on} where the declared adds give ${value}: the counter changed ` +
        'other than by declared adds with a delta, or its start value in counters is wrong',
      details: { thread: this.names[t], step: s.label },
    };
    return false;
  }

  /** Like {@link enabledMask} but a throwing guard counts as blocked and is not recorded. */
  enabledMaskQuiet(): number {
    let mask = 0;
    for (let t = 0; t < this.threadCount; t++) {
      const s = this.next[t];
      if (s === null || (this.symHeld & (1 << t)) !== 0) continue;
      try {
        if (s.enabled === undefined || collectAccesses(this.objects, null, s.enabled))
          mask |= 1 << t;
      } catch {
        continue;
      }
    }
    return mask;
  }

  /**
   * Performs the pending step of thread `t`; false when it raised a violation. Its footprint is
   * its declared object (if any), the reads of its guard at the last {@link enabledMask}, and the
   * accesses reported while it ran.
   */
  step(t: number): boolean {
    const s = this.next[t];
    if (s === null) throw new Error(`thread ${t} has finished`);
    this.schedule.push(t);
    this.steps.push(s);
    this.depth++;
    this.current = t;
    this.begin(t);
    const fp = this.fp;
    fp.clear();
    let declared = -1;
    if (s.obj !== undefined) {
      declared = this.declared.key(s.obj);
      fp.addKey(declared, declaredBits(s.access), s.delta ?? NaN);
    }
    const guard = this.guards[t];
    fp.addAll(guard);
    const guardEnd = fp.size;
    this.noteAwait(fp, s);
    if (declared >= 0) this.countDeclared(declared, s);
    const ok = this.resume(t);
    this.saveFootprint();
    if (ok && declared >= 0) this.checkDeclared(t, s, declared, guardEnd);
    else if (ok && fp.size === 0) this.emptyStep(t, s);
    return ok && this.violation === undefined;
  }

  /** Marks footprint `fp` of step `s` as an await on its counter (Step.awaits). */
  private noteAwait(fp: Footprint, s: Step): void {
    if (s.awaits === undefined || s.obj === undefined) return;
    fp.awaitKey = this.declared.key(s.obj);
    fp.awaitValue = s.awaits;
    fp.awaitStart = this.instance.counters?.[s.obj] ?? NaN;
  }

  /** Applies a declared access to a declared counter's tracked value. */
  private countDeclared(key: number, s: Step): void {
    const v = this.counterValue.get(key);
    if (v === undefined || s.access === 'read') return;
    this.counterValue.set(key, s.access === 'add' && s.delta !== undefined ? v + s.delta : NaN);
  }

  /**
   * A step that declares its object must not report accesses beyond it (the guard's reads aside):
   * the debug check of a declared footprint, always on since it costs a few comparisons.
   */
  private checkDeclared(t: number, s: Step, declared: number, guardEnd: number): void {
    const fp = this.fp;
    // A guarded step's guard reads its declared object (see enabledMask).
    const bits = declaredBits(s.access) | (s.enabled !== undefined ? READ : 0);
    for (let i = 0; i < fp.size; i++) {
      const key = fp.entries[i] >>> 2;
      const kind = fp.entries[i] & 3;
      if (key === declared ? (kind | bits) !== bits : i >= guardEnd) {
        const what = kind === READ ? 'read' : kind === ADD ? 'added to' : 'wrote';
        this.outside(t, s, key, what);
        return;
      }
    }
  }

  private outside(t: number, s: Step, key: number, what: string): void {
    this.violation = {
      kind: 'assertion',
      message:
        `thread ${this.names[t]}: step '${s.label}' declares ${s.access ?? ''} ${s.obj ?? ''} ` +
        `but ${what} ${this.objectName(key)}: an access outside the declared footprint makes ` +
        'partial-order reduction unsound (declare nothing and report every access instead)',
      details: { thread: this.names[t], step: s.label },
    };
    this.failedStep = this.depth - 1;
  }

  private emptyStep(t: number, s: Step): void {
    this.violation = {
      kind: 'assertion',
      message:
        `thread ${this.names[t]}: step '${s.label}' declared no object and reported no access: ` +
        'every step must touch shared state (is the world reporting through reportAccess?)',
      details: { thread: this.names[t], step: s.label },
    };
    this.failedStep = this.depth - 1;
  }

  private saveFootprint(): void {
    const fp = this.fp;
    const b = this.buffers;
    const start = b.starts[b.startsLen - 1];
    const end = start + fp.size;
    if (end > b.data.length) {
      const grown = new Int32Array(Math.max(end, b.data.length * 2));
      grown.set(b.data);
      b.data = grown;
    }
    for (let i = 0; i < fp.size; i++) b.data[start + i] = fp.entries[i];
    if (b.startsLen === b.starts.length) {
      const grown = new Int32Array(b.starts.length * 2);
      grown.set(b.starts);
      b.starts = grown;
    }
    b.starts[b.startsLen++] = end;
  }

  /** The printable name of a footprint key. */
  objectName(key: number): string {
    const declared = this.declared.name(key);
    if (declared !== undefined) return declared;
    const obj = key >>> 1;
    return this.objects[obj] ?? `#${obj}`;
  }

  /** What step `k` touched, writes first. */
  accessesOf(k: number): TraceAccess[] {
    const out: TraceAccess[] = [];
    const starts = this.buffers.starts;
    for (let i = starts[k]; i < starts[k + 1]; i++) {
      const e = this.buffers.data[i];
      out.push({ obj: this.objectName(e >>> 2), access: kindName(e & 3) });
    }
    const rank = (a: TraceAccess): number =>
      a.access === 'write' ? 0 : a.access === 'add' ? 1 : 2;
    return out.sort((a, b) => rank(a) - rank(b));
  }

  /** Runs the program's final check (all threads finished); false when it reports a violation. */
  finalCheck(): boolean {
    const check = this.instance.finalCheck;
    if (check === undefined) return true;
    try {
      this.violation = check();
    } catch (err) {
      this.violation = toViolation(err, 'finalCheck', 'finalCheck()');
    }
    return this.violation === undefined;
  }

  /** The program's `describeState()`, guarded so a throwing dump cannot hide the finding. */
  describeState(): string | undefined {
    const describe = this.instance.describeState;
    if (describe === undefined) return undefined;
    try {
      return describe();
    } catch (err) {
      return `describeState() threw: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  /** The steps performed, as data. */
  trace(): TraceStep[] {
    return this.steps.map((s, index) => {
      const thread = this.schedule[index];
      const accesses = index + 1 < this.buffers.startsLen ? this.accessesOf(index) : [];
      const main = accesses[0];
      return {
        index,
        thread,
        threadName: this.names[thread],
        label: s.label,
        obj: s.obj ?? main?.obj ?? '',
        access: s.access ?? main?.access ?? 'read',
        accesses,
      };
    });
  }

  /** The unfinished threads with their next steps; `enabled` is the mask at the end. */
  pendingSteps(enabled: number): PendingStep[] {
    const out: PendingStep[] = [];
    for (let t = 0; t < this.threadCount; t++) {
      const s = this.next[t];
      if (s === null) continue;
      const g = this.guards[t];
      out.push({
        thread: t,
        threadName: this.names[t],
        label: s.label,
        obj: s.obj ?? (g.size > 0 ? this.objectName(g.entries[0] >>> 2) : ''),
        access: s.access ?? 'read',
        blocked: (enabled & (1 << t)) === 0,
      });
    }
    return out;
  }

  private resume(t: number): boolean {
    const label = this.next[t]?.label ?? '(start)';
    try {
      setAccessScope(this.objects, this.fp);
      const r = this.bodies[t].next();
      setAccessScope(this.objects, null);
      if (r.done === true) {
        this.next[t] = null;
        this.live--;
        this.begin(t);
      } else {
        const s = r.value as unknown;
        if (!isStep(s)) {
          this.next[t] = null;
          this.live--;
          this.violation = badStep(this.names[t], this.depth, s);
          this.failedStep = this.depth > 0 && this.current === t ? this.depth - 1 : null;
          return false;
        }
        this.next[t] = s;
      }
      return true;
    } catch (err) {
      setAccessScope(this.objects, null);
      // A generator that threw is finished: the thread has no next step.
      this.next[t] = null;
      this.live--;
      this.violation = toViolation(err, this.names[t], label);
      this.failedStep = this.depth > 0 && this.current === t ? this.depth - 1 : null;
      return false;
    }
  }
}

/** A thread's exception as a violation: its own when it is a ViolationSignal, else an assertion. */
export function toViolation(err: unknown, thread: string, label: string): Violation {
  if (isViolationSignal(err)) return err.violation;
  const e = err instanceof Error ? err : new Error(String(err));
  return {
    kind: 'assertion',
    message: `${thread} threw ${e.name}: ${e.message}`,
    details: { thread, step: label, stack: e.stack ?? `${e.name}: ${e.message}` },
  };
}

// Duck-typed so a scenario bundled with its own copy of ptlab still reports violations.
function isViolationSignal(err: unknown): err is { violation: Violation } {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as { name?: unknown }).name === 'ViolationSignal' &&
    typeof (err as { violation?: unknown }).violation === 'object'
  );
}

function* emptyBody(): ThreadBody {}

const ACCESSES: ReadonlySet<unknown> = new Set([
  'read',
  'write',
  'rmw',
  'add',
  'acquire',
  'release',
]);

/** Kind bits of a declared access: only `read` and `add` commute with anything. */
function declaredBits(access: Access | undefined): number {
  return access === 'read' ? READ : access === 'add' ? ADD : WRITE;
}

function isStep(s: unknown): s is Step {
  if (typeof s !== 'object' || s === null) return false;
  const { obj, access, label, enabled, delta, awaits } = s as Record<string, unknown>;
  return (
    (obj === undefined ? access === undefined : typeof obj === 'string' && ACCESSES.has(access)) &&
    (delta === undefined || (access === 'add' && typeof delta === 'number' && isFinite(delta))) &&
    (awaits === undefined ||
      (access === 'read' &&
        typeof enabled === 'function' &&
        typeof awaits === 'number' &&
        isFinite(awaits))) &&
    typeof label === 'string' &&
    (enabled === undefined || typeof enabled === 'function')
  );
}

// A scenario written in JavaScript can yield anything; say what was wrong instead of misbehaving.
function badStep(thread: string, depth: number, value: unknown): Violation {
  let shown: string;
  try {
    shown = JSON.stringify(value) ?? String(value);
  } catch {
    shown = String(value);
  }
  return {
    kind: 'assertion',
    message:
      `thread ${thread} yielded ${shown.length > 120 ? `${shown.slice(0, 120)}...` : shown} ` +
      `after step ${depth}: a thread must yield a Step { label: string, obj?: string, access?: ` +
      `'read' | 'write' | 'rmw' | 'add' | 'acquire' | 'release', enabled?: () => boolean, delta?: ` +
      'number, awaits?: number } (obj and access together; delta, a finite number, only with ' +
      "access 'add'; awaits, a finite number, only with access 'read' and enabled)",
    details: { thread },
  };
}
