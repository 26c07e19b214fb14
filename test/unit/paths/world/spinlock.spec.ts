import { describe, expect, it } from 'vitest';
import { SpinLock } from '../../../../src/paths/world/spinlock.js';
import { World } from '../../../../src/paths/world/world.js';
import { Stepper, caught } from '../../../helpers/step-thread.js';

describe('SpinLock', () => {
  it('blocks spin_lock while another CPU holds the lock', () => {
    const w = new World();
    const l = new SpinLock('pml');
    w.spawn('a', function* (cpu) {
      yield* l.spin_lock(cpu, 'lock');
      yield* l.spin_unlock(cpu, 'unlock');
    });
    w.spawn('b', function* (cpu) {
      yield* l.spin_lock(cpu, 'lock');
      yield* l.spin_unlock(cpu, 'unlock');
    });
    const s = new Stepper(w.instance());
    s.run('a');
    expect(s.enabled('b')).toBe(false);
    s.finish('a').finish('b');
  });

  it('fails spin_trylock without waiting when the lock is held', () => {
    const w = new World();
    const l = new SpinLock('pml');
    let got: boolean | undefined;
    w.spawn('a', function* (cpu) {
      yield* l.spin_lock(cpu, 'lock');
      yield* l.spin_unlock(cpu, 'unlock');
    });
    w.spawn('b', function* (cpu) {
      got = yield* l.spin_trylock(cpu, 'trylock');
    });
    const s = new Stepper(w.instance());
    s.run('a').finish('b');
    expect(got).toBe(false);
  });

  it('reports an unlock by a CPU that does not hold the lock', () => {
    const w = new World();
    const l = new SpinLock('pml');
    w.spawn('a', (cpu) => l.spin_unlock(cpu, 'unlock'));
    const s = new Stepper(w.instance());
    expect(caught(() => s.run('a'))?.kind).toBe('assertion');
  });

  it('runs its access check, so a lock inside a freed page is a use-after-free', () => {
    const w = new World();
    const page = w.alloc.newPage();
    w.alloc.__free_page(
      w.spawn('setup', function* () {}),
      page,
      'setup',
    );
    w.spawn('a', (cpu) => page.ptl.spin_lock(cpu, 'spin_lock(ptl)'));
    const s = new Stepper(w.instance());
    expect(caught(() => s.run('a'))?.kind).toBe('use-after-free');
  });
});
