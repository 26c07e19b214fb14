import { describe, expect, it } from 'vitest';
import { Execution } from '../../../src/check/execution.js';
import { runCheck, type Program, type Step } from '../../../src/check/index.js';
import { Mem, access } from '../../litmus/engine/programs.js';

function twoThreads(log: string[]): Program {
  return {
    name: 'two',
    create() {
      const mem = new Mem();
      return {
        threads: [
          {
            name: 'a',
            body: (function* (): Generator<Step, void, void> {
              log.push('a starts');
              yield access('x', 'write', 'a: x = 1');
              log.push('a writes');
              mem.set('x', 1);
            })(),
          },
          {
            name: 'b',
            body: (function* (): Generator<Step, void, void> {
              log.push('b starts');
              yield {
                obj: 'x',
                access: 'read',
                label: 'b: wait x',
                enabled: () => mem.get('x') === 1,
              };
              log.push('b reads');
            })(),
          },
        ],
      };
    },
  };
}

describe('Execution', () => {
  it('runs every thread up to its first step when it starts, and no further', () => {
    const log: string[] = [];
    const ex = Execution.start(twoThreads(log));
    expect(log).toEqual(['a starts', 'b starts']);
    expect(ex.pending(0)?.label).toBe('a: x = 1');
    expect(ex.pending(1)?.label).toBe('b: wait x');
    expect(ex.depth).toBe(0);
  });

  it('evaluates guards for the enabled mask', () => {
    const ex = Execution.start(twoThreads([]));
    expect(ex.enabledMask()).toBe(0b01);
    ex.step(0);
    expect(ex.enabledMask()).toBe(0b10);
  });

  it('performs the chosen step and records the schedule and the trace', () => {
    const log: string[] = [];
    const ex = Execution.start(twoThreads(log));
    ex.step(0);
    ex.step(1);
    expect(log.slice(2)).toEqual(['a writes', 'b reads']);
    expect(ex.schedule).toEqual([0, 1]);
    expect(ex.live).toBe(0);
    expect(ex.trace().map((s) => [s.threadName, s.label, s.obj, s.access])).toEqual([
      ['a', 'a: x = 1', 'x', 'write'],
      ['b', 'b: wait x', 'x', 'read'],
    ]);
  });

  it('lists unfinished threads with their next steps, blocked or not', () => {
    const ex = Execution.start(twoThreads([]));
    expect(ex.pendingSteps(ex.enabledMask()).map((p) => [p.threadName, p.blocked])).toEqual([
      ['a', false],
      ['b', true],
    ]);
  });
});

/** A reader count and a thread awaiting it drained; `hidden` changes it under another object. */
function awaitProgram(hidden: boolean): Program {
  return {
    name: 'await',
    create() {
      let readers = 0;
      return {
        counters: { readers: 0 },
        threads: [
          {
            name: 'reader',
            body: (function* (): Generator<Step, void, void> {
              yield hidden
                ? access('other', 'write', 'reader: readers++ (undeclared)')
                : { obj: 'readers', access: 'add', delta: 1, label: 'reader: readers++' };
              readers++;
              yield { obj: 'readers', access: 'add', delta: -1, label: 'reader: readers--' };
              readers--;
            })(),
          },
          {
            name: 'waiter',
            body: (function* (): Generator<Step, void, void> {
              yield {
                obj: 'readers',
                access: 'read',
                label: 'waiter: readers == 0',
                enabled: () => readers === 0,
                awaits: 0,
              };
            })(),
          },
        ],
      };
    },
  };
}

describe('Step.awaits', () => {
  it('accepts a guard that agrees with the declared counter', () => {
    const r = runCheck(awaitProgram(false), {});
    expect(r.verdict).toBe('pass');
    expect(r.stats.executions).toBe(2);
  });

  it('reports an await whose guard disagrees with the declared adds', () => {
    const r = runCheck(awaitProgram(true), {});
    expect(r.verdict).toBe('fail');
    if (r.verdict !== 'fail') return;
    expect(r.violation.kind).toBe('assertion');
    expect(r.violation.message).toMatch(/awaits readers == 0 but its guard returned false/);
  });
});
