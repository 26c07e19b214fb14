// spinlock_t with spin_trylock: a thread blocked in spin_lock() is a disabled step, so lock
// cycles show up as checker deadlocks.

import { violate } from '../../check/program.js';
import type { Cpu } from './cpu.js';
import { step, type Gen } from './step.js';

/**
 * Called after every operation on a lock or counter that lives inside a page (the ptl of a
 * table): reports a use-after-free and records `obj` as touched, so the page's free conflicts with it.
 */
export type AccessCheck = (cpu: Cpu, label: string, obj: string) => void;

/** A spinlock; `obj` names it in traces, e.g. `ptl(tbl1)` or `pml`. */
export class SpinLock {
  owner: Cpu | null = null;

  constructor(
    readonly obj: string,
    private readonly check?: AccessCheck,
  ) {}

  /** spin_lock(): waits until the lock is free, then owns it. */
  *spin_lock(cpu: Cpu, label: string): Gen {
    yield step(this.obj, 'acquire', label, () => this.owner === null);
    this.check?.(cpu, label, this.obj);
    this.owner = cpu;
  }

  /** spin_trylock(): takes the lock only if it is free; never waits. */
  *spin_trylock(cpu: Cpu, label: string): Gen<boolean> {
    yield step(this.obj, 'acquire', label);
    this.check?.(cpu, label, this.obj);
    if (this.owner !== null) return false;
    this.owner = cpu;
    return true;
  }

  /** spin_unlock(). */
  *spin_unlock(cpu: Cpu, label: string): Gen {
    yield step(this.obj, 'release', label);
    this.check?.(cpu, label, this.obj);
    if (this.owner !== cpu) {
      violate(
        'assertion',
        `${cpu.name}: ${label}: unlocking ${this.obj} held by ${this.owner?.name ?? 'nobody'}`,
      );
    }
    this.owner = null;
  }
}
