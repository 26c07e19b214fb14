// spinlock_t with spin_trylock: a thread blocked in spin_lock() is a disabled step, so lock
// cycles show up as checker deadlocks.

import { violate } from '../../check/program.js';
import type { Cpu } from './cpu.js';
import { Shared } from './shared.js';
import { step, type Gen } from './step.js';

/**
 * Called on every operation on a lock or counter that lives inside a page (the ptl of a table):
 * reads the page's state and reports a use-after-free when it is no longer allocated.
 */
export type AccessCheck = (cpu: Cpu, label: string, obj: string) => void;

/** A spinlock; `obj` names it in traces, e.g. `ptl(tbl1)` or `pml`. */
export class SpinLock {
  private readonly word: Shared<Cpu | null>;

  constructor(
    readonly obj: string,
    private readonly check?: AccessCheck,
  ) {
    this.word = new Shared<Cpu | null>(obj, null);
  }

  /** The CPU holding the lock, or null. */
  get owner(): Cpu | null {
    return this.word.get();
  }

  /** {@link owner} without an access, for state dumps. */
  peekOwner(): Cpu | null {
    return this.word.peek();
  }

  /** spin_lock(): waits until the lock is free, then owns it. */
  *spin_lock(cpu: Cpu, label: string): Gen {
    yield step(label, () => this.word.get() === null);
    this.check?.(cpu, label, this.obj);
    this.word.set(cpu);
  }

  /** spin_trylock(): takes the lock only if it is free; never waits. */
  *spin_trylock(cpu: Cpu, label: string): Gen<boolean> {
    yield step(label);
    this.check?.(cpu, label, this.obj);
    if (this.word.get() !== null) return false;
    this.word.set(cpu);
    return true;
  }

  /** spin_unlock(). */
  *spin_unlock(cpu: Cpu, label: string): Gen {
    yield step(label);
    this.check?.(cpu, label, this.obj);
    const owner = this.word.get();
    if (owner !== cpu) {
      violate(
        'assertion',
        `${cpu.name}: ${label}: unlocking ${this.obj} held by ${owner?.name ?? 'nobody'}`,
      );
    }
    this.word.set(null);
  }
}
