// Accesses a program reports while one of its steps runs: the step's footprint, which the
// partial-order reduction uses instead of trusting a declaration. Reporting goes through a scoped
// collector, as loom's `rt::execution` context: the engine points it at the running step (or guard)
// and a world object calls `reportAccess` from inside its getters and setters, so a path cannot
// touch shared state without the engine seeing it.

/**
 * How an access touches its object: reads commute with reads, adds with adds (a counter update
 * whose result the step does not use: two increments give the same state in either order, but a
 * read of the counter tells them apart), writes with nothing.
 */
export type AccessKind = 'read' | 'add' | 'write';

/** Kind bits of a footprint entry: a step that both reads and adds an object wrote it (READ|ADD). */
export const READ = 1;
export const ADD = 2;
export const WRITE = 3;

/** The kind bits of an access kind. */
export function kindBits(kind: AccessKind): number {
  return kind === 'read' ? READ : kind === 'add' ? ADD : WRITE;
}

/** The access kind of kind bits. */
export function kindName(bits: number): AccessKind {
  return bits === READ ? 'read' : bits === ADD ? 'add' : 'write';
}

/** True when accesses of kind bits `a` and `b` to one object do not commute. */
export function kindsConflict(a: number, b: number): boolean {
  return (a | b) === WRITE;
}

/**
 * The accesses of one step (or one guard evaluation): each object once, with the union of the
 * kinds of its accesses (a read and an add make a write). Entries are `key * 4 + kind bits`
 * ({@link READ}, {@link ADD}, {@link WRITE}); keys are `obj * 2` for program objects and
 * `k * 2 + 1` for the k-th object named by a declared step.
 */
export class Footprint {
  entries = new Int32Array(8);
  /** Per entry, the amount of a pure add when every add to it stated one, else NaN. */
  deltas = new Float64Array(8);
  size = 0;
  /**
   * For a step that awaits a counter (Step.awaits): the counter's key, the awaited value and the
   * counter's start value (NaN when not given); awaitKey is -1 otherwise.
   */
  awaitKey = -1;
  awaitValue = NaN;
  awaitStart = NaN;

  clear(): void {
    this.size = 0;
    this.awaitKey = -1;
  }

  /** Adds an access of program object `obj` (a non-negative integer chosen by the program). */
  add(obj: number, bits: number, delta = NaN): void {
    this.addKey(obj * 2, bits, delta);
  }

  /**
   * Adds an access (kind bits) under an internal key (program object or declared name); `delta`
   * is the amount of an add, NaN when unknown.
   */
  addKey(key: number, bits: number, delta = NaN): void {
    const e = this.entries;
    for (let i = 0; i < this.size; i++) {
      if (e[i] >>> 2 === key) {
        // Two adds sum; anything else makes the entry no pure add.
        this.deltas[i] = (e[i] & 3) === ADD && bits === ADD ? this.deltas[i] + delta : NaN;
        e[i] |= bits;
        return;
      }
    }
    if (this.size === e.length) {
      const grown = new Int32Array(e.length * 2);
      grown.set(e);
      this.entries = grown;
      const d = new Float64Array(e.length * 2);
      d.set(this.deltas);
      this.deltas = d;
    }
    this.deltas[this.size] = bits === ADD ? delta : NaN;
    this.entries[this.size++] = key * 4 + bits;
  }

  /** Adds every access of `other`. */
  addAll(other: Footprint): void {
    for (let i = 0; i < other.size; i++) {
      this.addKey(other.entries[i] >>> 2, other.entries[i] & 3, other.deltas[i]);
    }
  }

  /** A copy holding only the entries (for keeping past the next step). */
  snapshot(): Int32Array {
    return this.entries.slice(0, this.size);
  }
}

/** True when two footprints (entry lists) touch a common object with kinds that do not commute. */
export function conflicts(a: Int32Array, aLen: number, b: Int32Array, bLen: number): boolean {
  for (let i = 0; i < aLen; i++) {
    const ka = a[i] >>> 2;
    for (let j = 0; j < bLen; j++) {
      if (b[j] >>> 2 === ka && ((a[i] | b[j]) & 3) === WRITE) return true;
    }
  }
  return false;
}

/** The objects a program instance registered, by id (their names in traces). */
export type ObjectNames = string[];

interface Scope {
  current: Footprint | null;
  names: ObjectNames;
}

// Kept on globalThis under a registered symbol, so that a scenario module bundled with its own
// copy of ptlab still reports to the engine that runs it.
const KEY = Symbol.for('ptlab.check.accessScope');
const holder = globalThis as unknown as Record<symbol, Scope | undefined>;
const scope: Scope = (holder[KEY] ??= { current: null, names: [] });

/**
 * Registers a shared object of the running execution and returns its id: 0, 1, 2, ... in
 * registration order, restarting with every execution (as loom's objects register with the
 * running execution), so that a deterministic program gives every object the same id each time it
 * reaches the same state. Outside an execution (a path run by hand in a unit test) ids still count
 * up, but nothing is checked.
 */
export function registerObject(name: string): number {
  return scope.names.push(name) - 1;
}

/**
 * The names registered in the running execution (or the last one, once it ended), by id. Traces
 * name objects, so a test comparing executions by their traces needs these names to be unique.
 */
export function registeredNames(): readonly string[] {
  return scope.names;
}

/**
 * Reports an access of object `obj` by the running step. Programs call it from the code that
 * performs the access (a world object's getter or setter); outside a step (setup in `create()`,
 * `finalCheck()`, `describeState()`, or a path run by hand in a unit test) it does nothing.
 * @param obj an id from {@link registerObject}.
 * @param delta for an `add`, the amount added, when the object is a counter whose every add
 *   states it (lets DPOR judge guards on it without replay); ignored for reads and writes.
 */
export function reportAccess(obj: number, kind: AccessKind, delta?: number): void {
  const into = scope.current;
  if (into !== null) {
    into.add(obj, kind === 'read' ? READ : kind === 'add' ? ADD : WRITE, delta ?? NaN);
  }
}

/** {@link reportAccess} of a `read`, without the kind lookup (world objects' hot path). */
export function reportRead(obj: number): void {
  const into = scope.current;
  if (into !== null) into.addKey(obj * 2, READ, NaN);
}

/** {@link reportAccess} of a `write`, without the kind lookup (world objects' hot path). */
export function reportWrite(obj: number): void {
  const into = scope.current;
  if (into !== null) into.addKey(obj * 2, WRITE, NaN);
}

/**
 * Points reporting at `into` and registration at `table` until the next call (the engine's fast
 * path around each step; nothing is restored).
 */
export function setAccessScope(table: ObjectNames, into: Footprint | null): void {
  scope.current = into;
  scope.names = table;
}

/**
 * Runs `f` with objects registered into `table` and accesses reported into `into` (the engine's
 * side of {@link registerObject} and {@link reportAccess}); `into` null ignores accesses.
 */
export function collectAccesses<T>(table: ObjectNames, into: Footprint | null, f: () => T): T {
  const prevFp = scope.current;
  const prevNames = scope.names;
  scope.current = into;
  scope.names = table;
  try {
    return f();
  } finally {
    scope.current = prevFp;
    scope.names = prevNames;
  }
}
