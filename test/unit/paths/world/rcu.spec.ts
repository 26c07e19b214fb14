import { describe, expect, it } from 'vitest';
import { RcuHead } from '../../../../src/paths/world/rcu.js';
import type { Gen } from '../../../../src/paths/world/step.js';
import { local_irq_disable, local_irq_enable } from '../../../../src/paths/world/irq.js';
import { World } from '../../../../src/paths/world/world.js';
import { Stepper, caught } from '../../../helpers/step-thread.js';

function freedFlag(w: World): { freed: boolean; queue: (name: string) => void } {
  const state = {
    freed: false,
    queue: (name: string) => {
      w.spawn(name, function* (cpu) {
        yield* w.rcu.call_rcu(
          cpu,
          new RcuHead('obj'),
          function* () {
            state.freed = true;
            yield* [];
          },
          'test: call_rcu',
        );
      });
    },
  };
  return state;
}

describe('rcu', () => {
  it('ends a grace period only after a reader that was inside at its start leaves', () => {
    const w = new World();
    w.spawn('reader', function* (cpu) {
      yield* w.rcu.rcu_read_lock(cpu);
      yield* w.rcu.rcu_read_unlock(cpu);
    });
    const f = freedFlag(w);
    f.queue('updater');
    const s = new Stepper(w.instance());
    s.run('reader').finish('updater');
    s.run('rcu_gp', 2);
    expect(s.enabled('rcu_gp')).toBe(false);
    expect(f.freed).toBe(false);
    s.finish('reader').runToBlock('rcu_gp');
    expect(f.freed).toBe(true);
  });

  it('does not wait for a reader that entered after the grace period started', () => {
    const w = new World();
    w.spawn('reader', function* (cpu) {
      yield* w.rcu.rcu_read_lock(cpu);
      yield* w.rcu.rcu_read_unlock(cpu);
    });
    const f = freedFlag(w);
    f.queue('updater');
    const s = new Stepper(w.instance());
    s.finish('updater').run('rcu_gp', 2).run('reader');
    s.runToBlock('rcu_gp');
    expect(f.freed).toBe(true);
  });

  it('treats an IRQs-off section as a read-side section', () => {
    const w = new World();
    w.spawn('irqoff', function* (cpu) {
      yield* local_irq_disable(cpu);
      yield* local_irq_enable(cpu);
    });
    const f = freedFlag(w);
    f.queue('updater');
    const s = new Stepper(w.instance());
    s.run('irqoff').finish('updater').run('rcu_gp', 2);
    expect(s.enabled('rcu_gp')).toBe(false);
    s.finish('irqoff').runToBlock('rcu_gp');
    expect(f.freed).toBe(true);
  });

  it('reports an rcu_head queued twice before its callback ran', () => {
    const w = new World();
    const head = new RcuHead('pg1');
    w.spawn('t', function* (cpu) {
      yield* w.rcu.call_rcu(cpu, head, function* () {}, 'first');
      yield* w.rcu.call_rcu(cpu, head, function* () {}, 'second');
    });
    const s = new Stepper(w.instance());
    s.run('t');
    const v = caught(() => s.run('t'));
    expect(v?.kind).toBe('double-free');
    expect(v?.message).toContain('rcu_head queued twice (pg1)');
  });

  it('lets a callback re-queue its own head', () => {
    const w = new World();
    const head = new RcuHead('pg1');
    let runs = 0;
    const cb = function* (): Gen {
      runs++;
      if (runs === 1) yield* w.rcu.call_rcu(w.cpus[1], head, cb, 'requeue');
    };
    w.spawn('t', function* (cpu) {
      yield* w.rcu.call_rcu(cpu, head, cb, 'first');
    });
    const s = new Stepper(w.instance());
    s.drain();
    expect(runs).toBe(2);
    expect(w.stats.grace_periods).toBe(2);
    expect(s.done('rcu_gp')).toBe(true);
  });

  it('blocks synchronize_rcu until a grace period has run its completion', () => {
    const w = new World();
    w.spawn('reader', function* (cpu) {
      yield* w.rcu.rcu_read_lock(cpu);
      yield* w.rcu.rcu_read_unlock(cpu);
    });
    w.spawn('sync', (cpu) => w.rcu.synchronize_rcu(cpu));
    const s = new Stepper(w.instance());
    s.run('reader').runToBlock('sync');
    expect(s.done('sync')).toBe(false);
    s.runToBlock('rcu_gp');
    expect(s.done('sync')).toBe(false);
    s.finish('reader').runToBlock('rcu_gp').finish('sync');
    expect(s.done('sync')).toBe(true);
  });

  it('finishes the grace-period thread once every other thread is done and nothing is queued', () => {
    const w = new World();
    w.spawn('t', function* (cpu) {
      yield* w.rcu.rcu_read_lock(cpu);
      yield* w.rcu.rcu_read_unlock(cpu);
    });
    const s = new Stepper(w.instance());
    expect(s.enabled('rcu_gp')).toBe(false);
    s.finish('t').finish('rcu_gp');
    expect(s.done('rcu_gp')).toBe(true);
  });
});
