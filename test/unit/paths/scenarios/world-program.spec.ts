import { describe, expect, it } from 'vitest';
import { runCheck } from '../../../../src/check/runner.js';
import { gup_fast } from '../../../../src/paths/gup.js';
import { defineScenario, type Scenario } from '../../../../src/paths/scenarios/scenario.js';
import { worldProgram } from '../../../../src/paths/scenarios/world-program.js';
import type { KernelProgramInstance } from '../../../../src/paths/world/world.js';

let seen: readonly string[] = [];

const probe: Scenario = defineScenario({
  name: 'probe',
  description: 'a GUP-fast walk of entry 0',
  variants: { mapped: { values: ['yes', 'no'], default: 'yes', doc: 'an initial table or none' } },
  build: (v, o) =>
    v.mapped === 'yes'
      ? worldProgram(probe, v, o, { ptrs_per_pte: 2, table: [5, 0] }, (w, pmd, t) => {
          expect(t.peekEntries()).toEqual([5, 0]);
          expect(pmd.peek()).toBe(t.id);
          seen = w.config.mutations;
          w.spawn('gup_fast', (cpu) => gup_fast(w, cpu, pmd, 0));
        })
      : worldProgram(probe, v, o, { ptrs_per_pte: 2 }, (w, pmd) => {
          expect(pmd.peek()).toBe(0);
          w.spawn('gup_fast', (cpu) => gup_fast(w, cpu, pmd, 0));
        }),
});

describe('worldProgram', () => {
  it('names the program after the scenario and its variants', () => {
    expect(probe.build({ mapped: 'no' }).name).toBe('probe[mapped=no]');
  });

  it('builds a fresh world per execution with PMD slot 0 and the initial table linked', () => {
    const p = probe.build({ mapped: 'yes' });
    const a = p.create() as KernelProgramInstance;
    const b = p.create() as KernelProgramInstance;
    expect(a).not.toBe(b);
    expect(a.describeState?.()).toContain('pmd = tbl1');
    expect(a.describeState?.()).toContain('nr_ptes = 1');
    expect(runCheck(p).verdict).toBe('pass');
  });

  it('leaves slot 0 empty without a table, and passes the build mutations to the world', () => {
    expect(probe.build({ mapped: 'no' }).create().describeState?.()).toContain('pmd = none');
    const mutated = probe.build({ mapped: 'yes' }, { mutations: ['gup_fast_recheck'] });
    const inst = mutated.create() as KernelProgramInstance;
    expect(seen).toEqual(['gup_fast_recheck']);
    expect(inst.threads.map((t) => t.name)).toEqual(['gup_fast', 'rcu_gp']);
  });
});
