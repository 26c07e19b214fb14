// atomic_t: each operation is one sequentially consistent read-modify-write step.

import type { Cpu } from './cpu.js';
import type { AccessCheck } from './spinlock.js';
import { step, type Gen } from './step.js';

/** An atomic counter; `check` runs after each access (a counter inside a freed page is a UAF). */
export class Atomic {
  constructor(
    readonly obj: string,
    public value: number,
    private readonly check?: AccessCheck,
  ) {}

  /** atomic_read(). */
  *atomic_read(cpu: Cpu, label: string): Gen<number> {
    yield step(this.obj, 'read', label);
    this.check?.(cpu, label, this.obj);
    return this.value;
  }

  /** atomic_add_return(); a negative `n` subtracts. */
  *atomic_add_return(cpu: Cpu, n: number, label: string): Gen<number> {
    yield step(this.obj, 'rmw', label);
    this.check?.(cpu, label, this.obj);
    this.value += n;
    return this.value;
  }

  /** atomic_dec_and_test(): true when the counter reached zero. */
  *atomic_dec_and_test(cpu: Cpu, label: string): Gen<boolean> {
    return (yield* this.atomic_add_return(cpu, -1, label)) === 0;
  }

  /** atomic_inc_not_zero(): increments unless the counter is zero; true when it did. */
  *atomic_inc_not_zero(cpu: Cpu, label: string): Gen<boolean> {
    yield step(this.obj, 'rmw', label);
    this.check?.(cpu, label, this.obj);
    if (this.value === 0) return false;
    this.value++;
    return true;
  }
}
