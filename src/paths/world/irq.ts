// IRQ-disabled sections and IPIs. An IPI broadcast with wait (smp_call_function(..., wait=1), as
// tlb_remove_table_sync_one and x86 TLB-flush IPIs do) returns only after every other CPU took
// the interrupt; a CPU with IRQs off takes it when it re-enables them. It does not wait for
// rcu_read_lock() sections with IRQs on: that is the whole semi-RCU bug (seed 001).

import { violate } from '../../check/program.js';
import type { Cpu } from './cpu.js';
import type { KernelStats } from './stats.js';
import { memo, step, type Gen } from './step.js';

const ipiLabels = memo((label) => ({
  send: `${label}: send IPI`,
  wait: `${label}: wait for IPI handlers`,
}));
/** local_irq_disable() (local_irq_save in gup_fast): also an RCU read-side section. */
export function* local_irq_disable(cpu: Cpu, label = 'local_irq_disable'): Gen {
  yield step(label);
  if (cpu.irqs_disabled) violate('assertion', `${cpu.name}: ${label}: IRQs already disabled`);
  cpu.irqs_disabled = true;
}

/** local_irq_enable(): takes pending IPIs and, outside rcu_read_lock, is a quiescent state. */
export function* local_irq_enable(cpu: Cpu, label = 'local_irq_enable'): Gen {
  yield step(label);
  if (!cpu.irqs_disabled) violate('assertion', `${cpu.name}: ${label}: IRQs already enabled`);
  cpu.irqs_disabled = false;
  cpu.irq_enable_seq++;
  if (cpu.rcu_read_lock_nesting === 0) cpu.quiescent_seq++;
}

/**
 * smp_call_function() with wait: sends an IPI to every other CPU and waits until each has taken
 * it. CPUs with IRQs on take it at once; the others when they next enable IRQs.
 */
export function* smp_call_function_wait(
  cpu: Cpu,
  cpus: readonly Cpu[],
  stats: KernelStats,
  label: string,
  /** False removes the wait (mutation `ipi_wait`). */
  wait = true,
): Gen {
  yield step(ipiLabels(label).send);
  if (cpu.irqs_disabled)
    violate('assertion', `${cpu.name}: ${label}: IPI with wait sent with IRQs off`);
  stats.ipi_broadcasts++;
  const blocked = cpus.filter((c) => c !== cpu && c.irqs_disabled);
  const seqs = blocked.map((c) => c.irq_enable_seq);
  if (wait && blocked.length > 0) {
    yield step(ipiLabels(label).wait, () => blocked.every((c, i) => c.irq_enable_seq !== seqs[i]));
  }
}
