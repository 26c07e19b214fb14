import { describe, expect, it } from 'vitest';
import { runCheck, type TraceStep } from '../../../../src/check/index.js';
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

  it('reports one write of the counter per read-modify-write, and a read for atomic_read', () => {
    const traces: (readonly TraceStep[])[] = [];
    runCheck(
      {
        name: 'atomic',
        create: () => {
          const w = new World();
          const a = new Atomic('count', 1);
          w.spawn('t', function* (cpu) {
            yield* a.atomic_dec_and_test(cpu, 'dec');
            yield* a.atomic_read(cpu, 'read');
          });
          return w.instance();
        },
      },
      { onExecution: (e) => traces.push(e.trace) },
    );
    const steps = traces[0].filter((s) => s.threadName === 't');
    expect(steps.map((s) => [s.label, s.accesses.filter((a) => a.obj === 'count')])).toEqual([
      ['dec', [{ obj: 'count', access: 'write' }]],
      ['read', [{ obj: 'count', access: 'read' }]],
    ]);
  });
});
