// Drives the threads of a program instance by hand, one step at a time, so unit tests can force
// the exact interleaving a kernel race needs (the checker explores them all; these tests pin one).

import type { ProgramInstance, Step, Violation } from '../../src/check/program.js';
import { ViolationSignal } from '../../src/check/program.js';

interface Slot {
  readonly name: string;
  readonly body: Generator<Step, void, void>;
  pending: Step | null;
  done: boolean;
}

/** A hand scheduler over one instance; thread names select the thread. */
export class Stepper {
  private readonly slots: Slot[];
  /** Labels of the steps performed, as `thread: label`. */
  readonly trace: string[] = [];

  constructor(readonly instance: ProgramInstance) {
    this.slots = instance.threads.map((t) => ({
      name: t.name,
      body: t.body,
      pending: null,
      done: false,
    }));
    for (const s of this.slots) this.advance(s);
  }

  private slot(name: string): Slot {
    const s = this.slots.find((x) => x.name === name);
    if (!s) throw new Error(`no thread ${name}`);
    return s;
  }

  private advance(s: Slot): void {
    const r = s.body.next();
    if (r.done) {
      s.done = true;
      s.pending = null;
    } else {
      s.pending = r.value;
    }
  }

  /** The step `name` will perform next, or null when it has finished. */
  pending(name: string): Step | null {
    return this.slot(name).pending;
  }

  /** True when `name` has a next step and may perform it now. */
  enabled(name: string): boolean {
    const p = this.slot(name).pending;
    return p !== null && (p.enabled?.() ?? true);
  }

  /** True when `name` has finished. */
  done(name: string): boolean {
    return this.slot(name).done;
  }

  /** Performs `n` steps of `name`; throws if it is blocked or finished. */
  run(name: string, n = 1): this {
    const s = this.slot(name);
    for (let i = 0; i < n; i++) {
      if (s.pending === null) throw new Error(`${name} has finished`);
      if (!this.enabled(name)) throw new Error(`${name} is blocked at ${s.pending.label}`);
      this.trace.push(`${name}: ${s.pending.label}`);
      this.advance(s);
    }
    return this;
  }

  /** Runs `name` until its next step's label contains `label` (that step is not performed). */
  runUntil(name: string, label: string): this {
    const s = this.slot(name);
    for (;;) {
      if (s.pending === null) throw new Error(`${name} finished before reaching '${label}'`);
      if (s.pending.label.includes(label)) return this;
      this.run(name);
    }
  }

  /** Runs `name` until it finishes or blocks. */
  runToBlock(name: string): this {
    while (this.enabled(name)) this.run(name);
    return this;
  }

  /** Runs `name` to its end; throws if it blocks. */
  finish(name: string): this {
    this.runToBlock(name);
    if (!this.done(name))
      throw new Error(`${name} is blocked at ${this.slot(name).pending?.label}`);
    return this;
  }

  /** Runs every thread in order, each until it finishes or blocks, until nothing can move. */
  drain(): this {
    let moved = true;
    while (moved) {
      moved = false;
      for (const s of this.slots) {
        if (this.enabled(s.name)) {
          this.run(s.name);
          moved = true;
        }
      }
    }
    return this;
  }
}

/** Runs `f` and returns the violation it raised, or undefined when it raised none. */
export function caught(f: () => unknown): Violation | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (e instanceof ViolationSignal) return e.violation;
    throw e;
  }
}
