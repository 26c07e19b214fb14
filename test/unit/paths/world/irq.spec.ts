import { describe, expect, it } from 'vitest';
import {
  local_irq_disable,
  local_irq_enable,
  smp_call_function_wait,
} from '../../../../src/paths/world/irq.js';
import { World } from '../../../../src/paths/world/world.js';
import { Stepper, caught } from '../../../helpers/step-thread.js';

function world(): World {
  const w = new World();
  w.spawn('irqoff', function* (cpu) {
    yield* local_irq_disable(cpu);
    yield* local_irq_enable(cpu);
  });
  w.spawn('reader', function* (cpu) {
    yield* w.rcu.rcu_read_lock(cpu);
    yield* w.rcu.rcu_read_unlock(cpu);
  });
  w.spawn('sender', (cpu) =>
    smp_call_function_wait(cpu, w.cpus, w.stats, 'tlb_remove_table_sync_one'),
  );
  return w;
}

describe('smp_call_function_wait', () => {
  it('waits until a CPU with IRQs off re-enables them (WALK-1)', () => {
    const w = world();
    const s = new Stepper(w.instance());
    s.run('irqoff').run('sender');
    expect(s.enabled('sender')).toBe(false);
    s.finish('irqoff').finish('sender');
    expect(w.stats.ipi_broadcasts).toBe(1);
  });

  it('does not wait for a CPU inside rcu_read_lock with IRQs on (RECL-7, seed 001)', () => {
    const w = world();
    const s = new Stepper(w.instance());
    s.run('reader').finish('sender');
    expect(s.done('sender')).toBe(true);
    expect(s.done('reader')).toBe(false);
  });

  it('does not wait for a CPU that disabled IRQs after the IPI was sent', () => {
    const w = world();
    const s = new Stepper(w.instance());
    s.run('sender').run('irqoff').finish('sender');
    expect(s.done('sender')).toBe(true);
  });
});

describe('local_irq_disable', () => {
  it('reports disabling IRQs twice as an assertion', () => {
    const w = new World();
    w.spawn('t', function* (cpu) {
      yield* local_irq_disable(cpu);
      yield* local_irq_disable(cpu);
    });
    const s = new Stepper(w.instance());
    expect(caught(() => s.run('t', 2))?.kind).toBe('assertion');
  });
});
