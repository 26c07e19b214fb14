// One execution of a program: a fresh instance whose thread generators are stepped one shared step
// at a time in the order a scheduler chooses (loom's `Execution`, re-created for every iteration).

import { UsageError } from '../util/errors.js';
import type { ProgramInstance, Program, Step, ThreadBody, Violation } from './program.js';
import type { PendingStep, TraceStep } from './result.js';
import { MAX_THREADS, type ExecutionView } from './scheduler.js';

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
  /** The previous thread of the same symmetry class, or -1 (see ThreadSpec.symmetry). */
  private readonly symPred: Int32Array;
  /** Threads that took a step or finished: a thread of a class may start once its predecessor has. */
  private begun = 0;
  /** Threads held back by symmetry: their class predecessor has not begun. */
  private symHeld = 0;

  private constructor(
    readonly instance: ProgramInstance,
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
    this.live = threads.length;
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
  static start(program: Program, symmetry = true): Execution {
    let instance: ProgramInstance;
    try {
      instance = program.create();
    } catch (err) {
      const ex = new Execution({ threads: [{ name: 'create', body: emptyBody() }] }, false);
      ex.violation = toViolation(err, 'create()', 'program.create()');
      return ex;
    }
    const ex = new Execution(instance, symmetry);
    for (let t = 0; t < ex.threadCount && ex.violation === undefined; t++) ex.resume(t);
    return ex;
  }

  pending(t: number): Step | null {
    return this.next[t];
  }

  symmetryPredecessor(t: number): number {
    return this.symPred[t];
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

  /** The mask of threads whose next step can run now; sets `violation` if a guard throws. */
  enabledMask(): number {
    let mask = 0;
    for (let t = 0; t < this.threadCount; t++) {
      const s = this.next[t];
      if (s === null || (this.symHeld & (1 << t)) !== 0) continue;
      if (s.enabled === undefined) {
        mask |= 1 << t;
        continue;
      }
      try {
        if (s.enabled()) mask |= 1 << t;
      } catch (err) {
        this.violation = toViolation(err, this.names[t], s.label);
        return 0;
      }
    }
    return mask;
  }

  /** Like {@link enabledMask} but a throwing guard counts as blocked and is not recorded. */
  enabledMaskQuiet(): number {
    let mask = 0;
    for (let t = 0; t < this.threadCount; t++) {
      const s = this.next[t];
      if (s === null || (this.symHeld & (1 << t)) !== 0) continue;
      try {
        if (s.enabled === undefined || s.enabled()) mask |= 1 << t;
      } catch {
        continue;
      }
    }
    return mask;
  }

  /** Performs the pending step of thread `t`; false when it raised a violation. */
  step(t: number): boolean {
    const s = this.next[t];
    if (s === null) throw new Error(`thread ${t} has finished`);
    this.schedule.push(t);
    this.steps.push(s);
    this.depth++;
    this.current = t;
    this.begin(t);
    return this.resume(t);
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
      return {
        index,
        thread,
        threadName: this.names[thread],
        label: s.label,
        obj: s.obj,
        access: s.access,
      };
    });
  }

  /** The unfinished threads with their next steps; `enabled` is the mask at the end. */
  pendingSteps(enabled: number): PendingStep[] {
    const out: PendingStep[] = [];
    for (let t = 0; t < this.threadCount; t++) {
      const s = this.next[t];
      if (s === null) continue;
      out.push({
        thread: t,
        threadName: this.names[t],
        label: s.label,
        obj: s.obj,
        access: s.access,
        blocked: (enabled & (1 << t)) === 0,
      });
    }
    return out;
  }

  private resume(t: number): boolean {
    const label = this.next[t]?.label ?? '(start)';
    try {
      const r = this.bodies[t].next();
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

function isAccess(a: unknown): boolean {
  switch (a) {
    case 'read':
    case 'write':
    case 'rmw':
    case 'add':
    case 'acquire':
    case 'release':
      return true;
    default:
      return false;
  }
}

function isStep(s: unknown): s is Step {
  if (typeof s !== 'object' || s === null) return false;
  const { obj, access, label, enabled } = s as Record<string, unknown>;
  return (
    typeof obj === 'string' &&
    isAccess(access) &&
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
      `after step ${depth}: a thread must yield a Step { obj: string, access: ` +
      `'read' | 'write' | 'rmw' | 'add' | 'acquire' | 'release', label: string, enabled?: () => boolean }`,
    details: { thread },
  };
}
