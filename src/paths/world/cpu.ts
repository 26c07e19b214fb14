// One CPU of the model: every checker thread runs on its own CPU, so per-CPU state (RCU nesting,
// IRQ flag) is per thread. Read-side sections and IRQ-off sections live here; rcu.ts and irq.ts
// change them.

/** The per-CPU state that grace periods and IPIs depend on. */
export class Cpu {
  /** Nesting depth of rcu_read_lock() on this CPU. */
  rcu_read_lock_nesting = 0;
  /** True between local_irq_disable() and local_irq_enable(). */
  irqs_disabled = false;
  /**
   * Bumped each time the CPU leaves its outermost read-side section (RCU or IRQs-off): a grace
   * period that saw the CPU inside a section may end once this has changed.
   */
  quiescent_seq = 0;
  /** Bumped each time IRQs are re-enabled: an IPI sent while they were off is taken then. */
  irq_enable_seq = 0;
  /** Set when the thread running on this CPU has returned. */
  done = false;

  constructor(
    readonly id: number,
    readonly name: string,
  ) {}

  /** True inside an RCU read-side section; IRQs-off counts as one since the RCU flavour merge. */
  inReadSide(): boolean {
    return this.rcu_read_lock_nesting > 0 || this.irqs_disabled;
  }
}
