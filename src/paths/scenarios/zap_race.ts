// A port of the GenMC PT_RECLAIM race model (../shared/bench/genmc-pt-reclaim.c, issue #6 §4): one
// zapper, NF faulters and NW GUP-fast-style walkers on one PTE table, step for step as the C model,
// so that ptlab and GenMC explore the same program and their speeds compare.

import type { Access, Program, Step, ThreadBody, ThreadSpec } from '../../check/program.js';
import { violate } from '../../check/program.js';
import { defineScenario, programName, type Scenario, type VariantValues } from './scenario.js';

/** The shared state of the C model: its atomics and its two mutexes (owner thread, -1 free). */
class ZapState {
  pmd = 1;
  freed = 0;
  readers = 0;
  ptl = -1;
  pml = -1;
  readonly pte: number[];
  readonly pteObj: string[];

  constructor(readonly nent: number) {
    this.pte = new Array<number>(nent).fill(1);
    this.pteObj = Array.from({ length: nent }, (_, i) => `pte[${i}]`);
  }
}

// Steps without a guard never change: allocate them once per program, not once per execution.
function fixed(obj: string, access: Access, label: string, delta?: number): Step {
  return delta === undefined ? { obj, access, label } : { obj, access, label, delta };
}

/** Takes mutex `lock`: blocked while another thread holds it; the caller then sets the owner. */
function lockStep(s: ZapState, lock: 'ptl' | 'pml', label: string): Step {
  const enabled = lock === 'ptl' ? () => s.ptl < 0 : () => s.pml < 0;
  return { obj: lock, access: 'acquire', label, enabled };
}

const S = {
  zapUnlockPtl: fixed('ptl', 'release', 'zapper: spin_unlock(ptl)'),
  zapRelockUnlock: fixed('ptl', 'release', 'zapper: need_resched: spin_unlock(ptl)'),
  trylockPml: fixed('pml', 'acquire', 'zapper: fast path: spin_trylock(pml)'),
  fastClear: fixed('pmd', 'write', 'zapper: fast path: pmd_clear'),
  fastUnlockPml: fixed('pml', 'release', 'zapper: fast path: spin_unlock(pml)'),
  slowReadPmd: fixed('pmd', 'read', 'zapper: slow path: pmd_same'),
  slowClear: fixed('pmd', 'write', 'zapper: slow path: pmd_clear'),
  slowUnlockPtl: fixed('ptl', 'release', 'zapper: slow path: spin_unlock(ptl)'),
  slowUnlockPml: fixed('pml', 'release', 'zapper: slow path: spin_unlock(pml)'),
  setFreed: fixed('freed', 'write', 'zapper: free the table'),
  fltInc: fixed('readers', 'add', 'faulter: rcu_read_lock (readers++)', 1),
  fltPmd: fixed('pmd', 'read', 'faulter: pte_offset_map: pmd'),
  fltRecheck: fixed('pmd', 'read', 'faulter: pmd_same recheck'),
  fltFreed: fixed('freed', 'read', 'faulter: use the table'),
  fltSet: fixed('pte[0]', 'write', 'faulter: set_pte_at(pte[0])'),
  fltUnlock: fixed('ptl', 'release', 'faulter: spin_unlock(ptl)'),
  fltDec: fixed('readers', 'add', 'faulter: rcu_read_unlock (readers--)', -1),
  wlkInc: fixed('readers', 'add', 'walker: local_irq_disable (readers++)', 1),
  wlkPmd: fixed('pmd', 'read', 'walker: pmdp_get_lockless'),
  wlkFreed: fixed('freed', 'read', 'walker: use the table'),
  wlkDec: fixed('readers', 'add', 'walker: local_irq_enable (readers--)', -1),
};

interface ZapKnobs {
  readonly nent: number;
  readonly nf: number;
  readonly nw: number;
  readonly bug: boolean;
}

function* zapper(s: ZapState, me: number, bug: boolean): ThreadBody {
  let direct = true;
  let unlinked = false;
  yield lockStep(s, 'ptl', 'zapper: spin_lock(ptl)');
  s.ptl = me;
  for (let i = 0; i < s.nent; i++) {
    yield { obj: s.pteObj[i], access: 'write', label: `zapper: ptep_get_and_clear(pte[${i}])` };
    s.pte[i] = 0;
    if (i === 0) {
      yield S.zapRelockUnlock;
      s.ptl = -1;
      direct = bug;
      yield lockStep(s, 'ptl', 'zapper: need_resched: spin_lock(ptl)');
      s.ptl = me;
    }
  }
  if (direct) {
    yield S.trylockPml;
    if (s.pml < 0) {
      s.pml = me;
      yield S.fastClear;
      s.pmd = 0;
      yield S.fastUnlockPml;
      s.pml = -1;
      unlinked = true;
    }
  }
  yield S.zapUnlockPtl;
  s.ptl = -1;
  if (!unlinked) {
    yield lockStep(s, 'pml', 'zapper: slow path: spin_lock(pml)');
    s.pml = me;
    yield S.slowReadPmd;
    if (s.pmd === 1) {
      yield lockStep(s, 'ptl', 'zapper: slow path: spin_lock(ptl)');
      s.ptl = me;
      let empty = true;
      for (let i = 0; i < s.nent; i++) {
        yield { obj: s.pteObj[i], access: 'read', label: `zapper: slow path: rescan pte[${i}]` };
        if (s.pte[i] !== 0) empty = false;
      }
      if (empty) {
        yield S.slowClear;
        s.pmd = 0;
        unlinked = true;
      }
      yield S.slowUnlockPtl;
      s.ptl = -1;
    }
    yield S.slowUnlockPml;
    s.pml = -1;
  }
  if (!unlinked) return;
  for (let i = 0; i < s.nent; i++) {
    yield { obj: s.pteObj[i], access: 'read', label: `zapper: check pte[${i}] before freeing` };
    if (s.pte[i] !== 0) {
      violate('lost-mapping', `zapper unlinked the table while pte[${i}] maps a page`, {
        table: `unlinked, entries [${s.pte.join(', ')}]`,
      });
    }
  }
  yield {
    obj: 'readers',
    access: 'read',
    label: 'zapper: grace period (readers == 0)',
    enabled: () => s.readers === 0,
    awaits: 0,
  };
  yield S.setFreed;
  s.freed = 1;
}

function useAfterFree(who: string): never {
  return violate('use-after-free', `${who} uses the PTE table after the zapper freed it`, {
    table: 'freed',
  });
}

function* faulter(s: ZapState, me: number): ThreadBody {
  yield S.fltInc;
  s.readers++;
  yield S.fltPmd;
  if (s.pmd === 1) {
    yield lockStep(s, 'ptl', 'faulter: spin_lock(ptl)');
    s.ptl = me;
    yield S.fltRecheck;
    if (s.pmd === 1) {
      yield S.fltFreed;
      if (s.freed !== 0) useAfterFree('faulter');
      yield S.fltSet;
      s.pte[0] = 1;
    }
    yield S.fltUnlock;
    s.ptl = -1;
  }
  yield S.fltDec;
  s.readers--;
}

function* walker(s: ZapState, wlkPte: Step): ThreadBody {
  yield S.wlkInc;
  s.readers++;
  yield S.wlkPmd;
  if (s.pmd === 1) {
    yield S.wlkFreed;
    if (s.freed !== 0) useAfterFree('walker');
    yield wlkPte;
  }
  yield S.wlkDec;
  s.readers--;
}

function zapProgram(name: string, k: ZapKnobs): Program {
  const wlkPte = fixed(`pte[${k.nent - 1}]`, 'read', `walker: ptep_get(pte[${k.nent - 1}])`);
  return {
    name,
    create() {
      const s = new ZapState(k.nent);
      const threads: ThreadSpec[] = [{ name: 'zapper', body: zapper(s, 0, k.bug) }];
      for (let i = 0; i < k.nf; i++) {
        threads.push({
          name: k.nf === 1 ? 'faulter' : `faulter${i}`,
          body: faulter(s, 1 + i),
          symmetry: 'faulter',
        });
      }
      for (let i = 0; i < k.nw; i++) {
        threads.push({
          name: k.nw === 1 ? 'walker' : `walker${i}`,
          body: walker(s, wlkPte),
          symmetry: 'walker',
        });
      }
      return {
        threads,
        counters: { readers: 0 },
        describeState: () =>
          `pmd = ${s.pmd}, pte = [${s.pte.join(', ')}], freed = ${s.freed}, readers = ${s.readers}`,
      };
    },
  };
}

const COUNTS = ['1', '2', '3', '4'];

/** The GenMC PT_RECLAIM model as a built-in scenario, with the C file's knobs as variants. */
export const zapRace: Scenario = defineScenario({
  name: 'zap_race',
  description:
    'A port of the GenMC model ../shared/bench/genmc-pt-reclaim.c: a zapper clears the entries ' +
    'under the PTE lock, drops and retakes it once (need_resched), frees the table by the fast ' +
    'path (trylock PMD lock, clear) or the slow path (PMD lock, PTE lock, rescan), then waits for ' +
    'readers (a counter standing for RCU) and marks it freed; faulters refill entry 0 under ' +
    'pte_offset_map_lock with the pmd_same recheck; walkers read the last entry as GUP-fast does. ' +
    'Same steps as the C model, for comparing speed with GenMC (bench/zap-race-vs-genmc.bench.ts).',
  variants: {
    entries: {
      values: ['2', '3', '4'],
      default: '2',
      doc: "NENT: entries per PTE table (the GenMC model's table size).",
    },
    faulters: {
      values: COUNTS,
      default: '1',
      doc: 'NF: faulting threads, each filling an entry of the table.',
    },
    walkers: {
      values: COUNTS,
      default: '1',
      doc: 'NW: GUP-fast-style lockless walker threads reading the table.',
    },
    fix: {
      values: ['fixed', 'buggy'],
      default: 'fixed',
      doc:
        'fixed = only the rescanning slow path may free once the PTE lock was dropped ("mm: ' +
        'pgtable: fix incorrect reclaim of non-empty PTE pages", Feb 2025); buggy = BUG=1, the ' +
        'fast path even after the drop (6.14-rc1).',
    },
  },
  expected: (v) =>
    v.fix === 'buggy'
      ? {
          verdict: 'fail',
          kinds: ['lost-mapping'],
          why: 'a faulter refills entry 0 while the PTE lock is dropped and the fast path unlinks the non-empty table',
        }
      : {
          verdict: 'pass',
          why: 'after the drop only the slow path frees, and it rescans under both locks',
        },
  build: (v: VariantValues): Program =>
    zapProgram(programName(zapRace, v), {
      nent: Number(v.entries),
      nf: Number(v.faulters),
      nw: Number(v.walkers),
      bug: v.fix === 'buggy',
    }),
});
