import { describe, expect, it } from 'vitest';
import { do_anonymous_page, zap_pte_range } from '../../../src/paths/memory.js';
import { tlb_finish_mmu, tlb_gather_mmu } from '../../../src/paths/mmu_gather.js';
import { World } from '../../../src/paths/world/world.js';
import { Stepper } from '../../helpers/step-thread.js';

describe('do_anonymous_page', () => {
  it('allocates and links a table when the PMD is none, counting it (ALLOC-1, ALLOC-2)', () => {
    const w = new World();
    w.spawn('fault', function* (cpu) {
      yield* do_anonymous_page(w, cpu, w.pmd(), 1, 7);
    });
    new Stepper(w.instance()).finish('fault');
    const t = w.alloc.table(w.pmd().val);
    expect(t.peekEntries()).toEqual([0, 7]);
    expect(t.life).toBe('linked');
    expect(w.mm.nr_ptes).toBe(1);
  });

  it('frees the loser table of a racing pmd_install uncounted (ALLOC-2)', () => {
    const w = new World();
    for (const [n, i] of [
      ['f1', 0],
      ['f2', 1],
    ] as const) {
      w.spawn(n, function* (cpu) {
        yield* do_anonymous_page(w, cpu, w.pmd(), i, i + 1);
      });
    }
    const s = new Stepper(w.instance());
    s.runUntil('f1', 'pmd_install: pmd_lock').runUntil('f2', 'pmd_install: pmd_lock');
    s.finish('f1').finish('f2');
    expect(w.alloc.pages.map((p) => p.state)).toEqual(['live', 'freed']);
    expect(w.mm.nr_ptes).toBe(1);
    expect(w.alloc.table(w.pmd().val).peekEntries()).toEqual([1, 2]);
  });
});

describe('zap_pte_range', () => {
  function zapWorld(config: ConstructorParameters<typeof World>[0] = {}): World {
    const w = new World(config);
    const t = w.alloc.newPage().tables[0];
    t.initEntry(0, 1);
    t.initEntry(1, 2);
    w.linkInitial(w.pmd(), t);
    return w;
  }

  it('takes the fast path and frees the emptied table when it held the lock throughout (RECL-4)', () => {
    const w = zapWorld();
    w.spawn('madvise', function* (cpu) {
      const tlb = tlb_gather_mmu();
      yield* zap_pte_range(w, cpu, tlb, w.pmd(), { reclaim_pt: true });
      yield* tlb_finish_mmu(w, cpu, tlb);
    });
    const s = new Stepper(w.instance());
    s.finish('madvise').finish('rcu_gp');
    expect(s.trace.some((l) => l.includes('try_get_and_clear_pmd'))).toBe(true);
    expect(s.trace.some((l) => l.includes('try_to_free_pte'))).toBe(false);
    expect(w.pmd().val).toBe(0);
    expect(w.alloc.pages[0].state).toBe('freed');
    expect(w.mm.nr_ptes).toBe(0);
  });

  it('falls back to the try_to_free_pte slow path after dropping the lock (6.14-rc fix)', () => {
    const w = zapWorld({ config: { zap_resched_after: 1 } });
    w.spawn('madvise', function* (cpu) {
      const tlb = tlb_gather_mmu();
      yield* zap_pte_range(w, cpu, tlb, w.pmd(), { reclaim_pt: true });
      yield* tlb_finish_mmu(w, cpu, tlb);
    });
    const s = new Stepper(w.instance());
    s.finish('madvise').finish('rcu_gp');
    expect(s.trace.some((l) => l.includes('try_get_and_clear_pmd'))).toBe(false);
    expect(s.trace.some((l) => l.includes('try_to_free_pte: pmd_clear'))).toBe(true);
    expect(w.alloc.pages[0].state).toBe('freed');
  });

  it('keeps the table when zapping without reclaim_pt', () => {
    const w = zapWorld();
    w.spawn('munmap-zap', function* (cpu) {
      yield* zap_pte_range(w, cpu, tlb_gather_mmu(), w.pmd(), null);
    });
    new Stepper(w.instance()).finish('munmap-zap');
    expect(w.alloc.table(w.pmd().val).peekEntries()).toEqual([0, 0]);
  });
});
