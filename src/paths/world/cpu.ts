// One CPU of the model: every checker thread runs on its own CPU, so per-CPU state (RCU nesting,
// IRQ flag) is per thread. Read-side sections and IRQ-off sections live here; rcu.ts and irq.ts
// change them. Each CPU's RCU state, IRQ state and completion are shared locations of their own:
// the owning thread writes them, a grace period or an IPI sender reads them.

import { registerObject, reportRead, reportWrite } from '../../check/access.js';
import { memo } from './step.js';

const cpuNames = memo((name) => ({
  rcu: `rcu(${name})`,
  irq: `irq(${name})`,
  done: `done(${name})`,
}));

/** The per-CPU state that grace periods and IPIs depend on. */
export class Cpu {
  private nesting = 0;
  private qs = 0;
  private irqOff = false;
  private irqSeq = 0;
  private finished = false;
  /** Checker ids of the CPU's RCU state, IRQ state and completion (see shared.ts). */
  private readonly rcuId: number;
  private readonly irqId: number;
  private readonly doneId: number;

  constructor(
    readonly id: number,
    readonly name: string,
  ) {
    const names = cpuNames(name);
    this.rcuId = registerObject(names.rcu);
    this.irqId = registerObject(names.irq);
    this.doneId = registerObject(names.done);
  }

  /** Nesting depth of rcu_read_lock() on this CPU. */
  get rcu_read_lock_nesting(): number {
    reportRead(this.rcuId);
    return this.nesting;
  }

  set rcu_read_lock_nesting(n: number) {
    reportWrite(this.rcuId);
    this.nesting = n;
  }

  /**
   * Bumped each time the CPU leaves its outermost read-side section (RCU or IRQs-off): a grace
   * period that saw the CPU inside a section may end once this has changed.
   */
  get quiescent_seq(): number {
    reportRead(this.rcuId);
    return this.qs;
  }

  set quiescent_seq(n: number) {
    reportWrite(this.rcuId);
    this.qs = n;
  }

  /** True between local_irq_disable() and local_irq_enable(). */
  get irqs_disabled(): boolean {
    reportRead(this.irqId);
    return this.irqOff;
  }

  set irqs_disabled(v: boolean) {
    reportWrite(this.irqId);
    this.irqOff = v;
  }

  /** Bumped each time IRQs are re-enabled: an IPI sent while they were off is taken then. */
  get irq_enable_seq(): number {
    reportRead(this.irqId);
    return this.irqSeq;
  }

  set irq_enable_seq(n: number) {
    reportWrite(this.irqId);
    this.irqSeq = n;
  }

  /** Set when the thread running on this CPU has returned. */
  get done(): boolean {
    reportRead(this.doneId);
    return this.finished;
  }

  set done(v: boolean) {
    reportWrite(this.doneId);
    this.finished = v;
  }

  /** True inside an RCU read-side section; IRQs-off counts as one since the RCU flavour merge. */
  inReadSide(): boolean {
    return this.rcu_read_lock_nesting > 0 || this.irqs_disabled;
  }

  /**
   * The RCU nesting and IRQ flag without an access: for state dumps, and for the CPU's own thread
   * deciding whether an rcu_read_lock is outermost (only that thread writes them, so this is exact).
   */
  peekReadSide(): { nesting: number; irqsOff: boolean } {
    return { nesting: this.nesting, irqsOff: this.irqOff };
  }

  /** Whether the CPU is a reader, without an access (only its own thread may ask). */
  peekInReadSide(): boolean {
    return this.nesting > 0 || this.irqOff;
  }

  /** Whether the next rcu_read_unlock leaves the outermost section with IRQs on (own thread only). */
  peekOutermostRcu(): boolean {
    return this.nesting === 1 && !this.irqOff;
  }

  /** {@link done} without an access, for final checks. */
  peekDone(): boolean {
    return this.finished;
  }
}
