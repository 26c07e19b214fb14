import { describe, expect, it } from 'vitest';
import { RwSemaphore } from '../../../../src/paths/world/rwsem.js';
import { World } from '../../../../src/paths/world/world.js';
import { Stepper } from '../../../helpers/step-thread.js';

describe('RwSemaphore', () => {
  it('lets readers share it and makes a writer wait for them', () => {
    const w = new World();
    const sem = new RwSemaphore('mmap_lock');
    for (const n of ['r1', 'r2']) {
      w.spawn(n, function* (cpu) {
        yield* sem.down_read(cpu, 'down_read');
        yield* sem.up_read(cpu, 'up_read');
      });
    }
    w.spawn('wr', function* (cpu) {
      yield* sem.down_write(cpu, 'down_write');
      yield* sem.up_write(cpu, 'up_write');
    });
    const s = new Stepper(w.instance());
    s.run('r1').run('r2');
    expect(s.enabled('wr')).toBe(false);
    s.finish('r1');
    expect(s.enabled('wr')).toBe(false);
    s.finish('r2').finish('wr');
  });

  it('keeps writers out but lets readers in after downgrade_write', () => {
    const w = new World();
    const sem = new RwSemaphore('mmap_lock');
    w.spawn('wr', function* (cpu) {
      yield* sem.down_write(cpu, 'down_write');
      yield* sem.downgrade_write(cpu, 'downgrade');
      yield* sem.up_read(cpu, 'up_read');
    });
    w.spawn('r', function* (cpu) {
      yield* sem.down_read(cpu, 'down_read');
      yield* sem.up_read(cpu, 'up_read');
    });
    w.spawn('w2', function* (cpu) {
      yield* sem.down_write(cpu, 'down_write');
      yield* sem.up_write(cpu, 'up_write');
    });
    const s = new Stepper(w.instance());
    s.run('wr');
    expect(s.enabled('r')).toBe(false);
    s.run('wr');
    expect(s.enabled('r')).toBe(true);
    expect(s.enabled('w2')).toBe(false);
  });
});
