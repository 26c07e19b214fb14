// atomic_t: each operation is one sequentially consistent read-modify-write step.

import type { Cpu } from './cpu.js';
import { Shared } from './shared.js';
import type { AccessCheck } from './spinlock.js';
import { step, type Gen } from './step.js';

/** An atomic counter; `check` runs on each access (a counter inside a freed page is a UAF). */
export class Atomic {
  private readonly cell: Shared<number>;

  constructor(
    readonly obj: string,
    value: number,
    private readonly check?: AccessCheck,
  ) {
    this.cell = new Shared(obj, value);
  }

  /** The value without an access: setup, final checks and state dumps only. */
  get value(): number {
    return this.cell.peek();
  }

  /** Sets the value before the threads start. */
  set value(v: number) {
    this.cell.init(v);
  }

  /** atomic_read(). */
  *atomic_read(cpu: Cpu, label: string): Gen<number> {
    yield step(label);
    this.check?.(cpu, label, this.obj);
    return this.cell.get();
  }

  /** atomic_add_return(); a negative `n` subtracts. */
  *atomic_add_return(cpu: Cpu, n: number, label: string): Gen<number> {
    yield step(label);
    this.check?.(cpu, label, this.obj);
    const v = this.cell.get() + n;
    this.cell.set(v);
    return v;
  }

  /** atomic_dec_and_test(): true when the counter reached zero. */
  *atomic_dec_and_test(cpu: Cpu, label: string): Gen<boolean> {
    return (yield* this.atomic_add_return(cpu, -1, label)) === 0;
  }

  /** atomic_inc_not_zero(): increments unless the counter is zero; true when it did. */
  *atomic_inc_not_zero(cpu: Cpu, label: string): Gen<boolean> {
    yield step(label);
    this.check?.(cpu, label, this.obj);
    const v = this.cell.get();
    if (v === 0) return false;
    this.cell.set(v + 1);
    return true;
  }
}
