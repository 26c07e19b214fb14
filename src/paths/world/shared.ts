// Shared memory of the kernel world: every location registers with the checker's execution and
// reports each read and write, so a step's footprint is what it touched (issue #6 §1). World
// classes keep their state in these cells behind kernel-named getters and setters; a path cannot
// reach the value without the access being seen.

import { registerObject, reportRead, reportWrite } from '../../check/access.js';

/** One shared location (a PMD entry, a lock word, a page's state), reported on every access. */
export class Shared<T> {
  /** The checker's id of the location (registration order within the execution). */
  readonly id: number;

  constructor(
    /** How traces name it, e.g. `pmd[0]`, `ptl(pg1)`, `state(pg1)`. */
    readonly name: string,
    private value: T,
  ) {
    this.id = registerObject(name);
  }

  /** Reads the value (a `read` of this location). */
  get(): T {
    reportRead(this.id);
    return this.value;
  }

  /** Writes the value (a `write` of this location). */
  set(v: T): void {
    reportWrite(this.id);
    this.value = v;
  }

  /**
   * The value without an access: only for setup in `create()`, final checks and state dumps,
   * which run outside every step.
   */
  peek(): T {
    return this.value;
  }

  /** Sets the value without an access: setup before the threads start. */
  init(v: T): void {
    this.value = v;
  }
}
