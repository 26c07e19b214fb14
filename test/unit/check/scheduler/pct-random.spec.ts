import { describe, expect, it } from 'vitest';
import { runCheck, type Program } from '../../../../src/check/index.js';
import { lostUpdate, writeReadCausality } from '../../../litmus/engine/programs.js';

/** Records every execution's schedule through the trace of a final check that always fails. */
function schedules(program: Program, options: Parameters<typeof runCheck>[1]): number[][] {
  const out: number[][] = [];
  runCheck(program, {
    ...options,
    keepGoing: true,
    onFailure: (f) => out.push(f.trace.map((s) => s.thread)),
  });
  return out;
}

function alwaysFails(program: Program): Program {
  return {
    name: program.name,
    create() {
      const inner = program.create();
      return { threads: inner.threads, finalCheck: () => ({ kind: 'assertion', message: 'end' }) };
    },
  };
}

const switches = (s: number[]): number => s.filter((t, i) => i > 0 && t !== s[i - 1]).length;

describe('PctScheduler', () => {
  it('runs each thread to completion with depth 1 (no priority change points)', () => {
    const program = alwaysFails(lostUpdate(3, { locked: false }).program);
    const all = schedules(program, { strategy: 'pct', pctDepth: 1, maxIterations: 50, seed: 3 });
    expect(all).toHaveLength(50);
    for (const s of all) expect(switches(s)).toBe(2);
  });

  it('preempts with depth 2 in some executions', () => {
    const program = alwaysFails(lostUpdate(3, { locked: false }).program);
    const all = schedules(program, { strategy: 'pct', pctDepth: 2, maxIterations: 200, seed: 3 });
    expect(all.some((s) => switches(s) > 2)).toBe(true);
  });
});

describe('RandomScheduler', () => {
  it('gives different schedules for different seeds', () => {
    const program = alwaysFails(writeReadCausality().program);
    const a = schedules(program, { strategy: 'random', maxIterations: 20, seed: 1 });
    const b = schedules(program, { strategy: 'random', maxIterations: 20, seed: 2 });
    expect(a).not.toEqual(b);
  });
});
