// What the model checker runs: a program of threads written as generator functions, each `yield`
// announcing one shared step described by data (style B.10.3). The engine knows nothing of page tables.

/**
 * How a declared step touches its object. Two steps of different threads are dependent (their
 * order can matter) when they touch the same object, unless both are `read`s or both are `add`s.
 */
export type Access =
  | 'read' // a load, or a check that only observes
  | 'write' // a store
  | 'rmw' // an atomic read-modify-write (cmpxchg, atomic_dec_and_test, ...)
  | 'add' // a commutative update whose result the step does not use (atomic_inc, atomic_sub)
  | 'acquire' // takes a lock or semaphore (blocking: give `enabled`)
  | 'release'; // releases it

/**
 * One shared step, yielded by a thread just *before* it performs it. The code between this
 * `yield` and the next runs atomically, after the scheduler has chosen this thread. Its footprint
 * (what partial-order reduction orders it by) is every access the program reports while it runs
 * (`reportAccess`, see access.ts), plus the reads of its guard, plus `obj` when given.
 */
export interface Step {
  /**
   * A declared object, e.g. `x` or `lock`, for programs that do not report their accesses. With
   * `access`, it joins the footprint; reported accesses outside it are an `assertion` violation.
   */
  readonly obj?: string;
  /** How the declared `obj` is touched; required with `obj`. */
  readonly access?: Access;
  /**
   * With `access: 'add'`, the amount added (a finite number). Optional; when every add to a
   * counter states it, DPOR can tell a guard on the counter false at a reversed position without
   * replaying it (docs/checker.md, *Wakeup trees and infeasible reversals*).
   */
  readonly delta?: number;
  /** Where in the modelled code this is, e.g. `zap_pte_range: pmd_clear`. Shown in traces. */
  readonly label: string;
  /**
   * When given, the thread is blocked while it returns false (a held lock, a grace period that
   * has not ended). It must be a pure read of shared state.
   */
  readonly enabled?: () => boolean;
  /**
   * An await statement (Jonsson, Lång, Sagonas, FMCAD 2022): with `obj`, `access: 'read'` and
   * `enabled`, the promise that the guard is true exactly when the declared counter `obj` equals
   * this value. The counter starts at its value in {@link ProgramInstance.counters} and changes
   * only by declared adds that state their `delta`; the engine checks the guard against that value
   * at every evaluation (an `assertion` violation when they disagree). DPOR then knows whether the
   * step is enabled at the end of a reversed sequence without running it.
   */
  readonly awaits?: number;
}

/** A thread's body: a generator that yields before every shared step. */
export type ThreadBody = Generator<Step, void, void>;

/** One thread of a program instance. */
export interface ThreadSpec {
  /** Shown as a column title in traces, e.g. `madvise`, `gup_fast`. */
  readonly name: string;
  readonly body: ThreadBody;
  /**
   * Symmetry class. Threads with the same key must be interchangeable: the same code, and a state
   * in which exchanging them (everything they own, their ids) maps every execution to an execution
   * (two identical walkers, say). The checker then lets a thread start only after the previous
   * thread of its class started, which cuts up to k! orders of k such threads. Default: none.
   */
  readonly symmetry?: string;
}

/** One fresh instance of the program: new shared state and new thread generators. */
export interface ProgramInstance {
  readonly threads: readonly ThreadSpec[];
  /**
   * Checked after every execution ends with all threads finished (leaks, lost mappings,
   * accounting). Returns a violation to report, or undefined.
   */
  readonly finalCheck?: () => Violation | undefined;
  /** A printable snapshot of the shared state, attached to failures. */
  readonly describeState?: () => string;
  /** Start values of the declared counters that steps await ({@link Step.awaits}), by name. */
  readonly counters?: Readonly<Record<string, number>>;
}

/**
 * A program: the checker calls `create` once per execution (stateless model checking re-runs
 * every execution from scratch along a recorded path).
 */
export interface Program {
  readonly name: string;
  create(): ProgramInstance;
}

/** The kinds of findings a program can report. */
export type ViolationKind =
  | 'use-after-free'
  | 'lost-mapping'
  | 'leak'
  | 'double-free'
  | 'bad-page-state'
  | 'accounting'
  | 'assertion'
  | 'deadlock'
  | 'step-limit';

/** A property violation found in one execution. */
export interface Violation {
  readonly kind: ViolationKind;
  readonly message: string;
  /** Objects involved, with a short state description each (e.g. the table's life state). */
  readonly details?: Readonly<Record<string, string>>;
}

/**
 * Thrown by a thread body (or a primitive it calls) to report a violation in the middle of a
 * step; the engine catches it and returns it as data in the result, never rethrows it.
 */
export class ViolationSignal extends Error {
  override readonly name = 'ViolationSignal';
  constructor(readonly violation: Violation) {
    super(violation.message);
  }
}

/** Reports a violation from inside a step. */
export function violate(
  kind: ViolationKind,
  message: string,
  details?: Readonly<Record<string, string>>,
): never {
  throw new ViolationSignal(details ? { kind, message, details } : { kind, message });
}
