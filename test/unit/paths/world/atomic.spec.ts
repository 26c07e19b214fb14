import { describe, expect, it } from 'vitest';
import { Atomic } from '../../../../src/paths/world/atomic.js';
import { World } from '../../../../src/paths/world/world.js';
import { Stepper } from '../../../helpers/step-thread.js';

describe('Atomic', () => {
  it('increments with atomic_inc_not_zero only from a non-zero count', () => {
    const w = new World();
    const a = new Atomic('count', 0);
    const got: boolean[] = [];
    w.spawn('t', function* (cpu) {
      got.push(yield* a.atomic_inc_not_zero(cpu, 'inc_not_zero'));
      yield* a.atomic_add_return(cpu, 2, 'add');
      got.push(yield* a.atomic_inc_not_zero(cpu, 'inc_not_zero'));
      got.push(yield* a.atomic_dec_and_test(cpu, 'dec'));
    });
    new Stepper(w.instance()).finish('t');
    expect(got).toEqual([false, true, false]);
    expect(a.value).toBe(2);
  });

  it('yields one rmw step per read-modify-write', () => {
    const w = new World();
    const a = new Atomic('count', 1);
    w.spawn('t', function* (cpu) {
      yield* a.atomic_dec_and_test(cpu, 'dec');
    });
    const s = new Stepper(w.instance());
    expect(s.pending('t')).toMatchObject({ obj: 'count', access: 'rmw', label: 'dec' });
  });
});
