// Conformance suite for architecture geometries: helper semantics every ArchGeometry must satisfy
// (in the spirit of the kernel's mm/debug_vm_pgtable.c). Never collected directly.

import { describe, expect, it } from 'vitest';
import type { ArchGeometry } from '../../src/arch/index.js';
import {
  addr_end,
  pgd_index,
  pmd_addr_end,
  pmd_index,
  pte_index,
  pud_addr_end,
  round_down,
  round_up,
  worstCasePgtables,
} from '../../src/arch/index.js';

/** Tests to skip, with the reason shown in the report (style T7). */
export interface SkipEntry {
  readonly reason: string;
  readonly tests: readonly string[];
}

/** Runs the arch conformance suite on the geometry `make()` returns. */
export function runArchConformance(opts: {
  readonly make: () => ArchGeometry;
  readonly skip?: readonly SkipEntry[];
}): void {
  const g = opts.make();
  const skipped = new Set((opts.skip ?? []).flatMap((s) => s.tests));
  const test = (name: string, fn: () => void): void => {
    if (skipped.has(name)) it.skip(name, fn);
    else it(name, fn);
  };

  describe(`arch conformance: ${g.name}`, () => {
    test('slot sizes multiply entry counts level by level (GEO-1)', () => {
      expect(g.PMD_SIZE).toBe(g.PTRS_PER_PTE);
      expect(g.PUD_SIZE).toBe(g.PMD_SIZE * g.PTRS_PER_PMD);
      expect(g.P4D_SIZE).toBe(g.PUD_SIZE * g.PTRS_PER_PUD);
      expect(g.PGDIR_SIZE).toBe(g.P4D_SIZE * g.PTRS_PER_P4D);
    });

    test('the user address space fits in the PGD', () => {
      expect(g.TASK_SIZE).toBeLessThanOrEqual(g.PGDIR_SIZE * g.PTRS_PER_PGD);
      expect(Number.isSafeInteger(g.PGDIR_SIZE * g.PTRS_PER_PGD)).toBe(true);
    });

    test('folded levels and PGD/P4D are never accounted (ACC-2, EXACT-2)', () => {
      expect(g.nominalBytes.pgd).toBe(0);
      expect(g.nominalBytes.p4d).toBe(0);
      if (g.folded.pmd) expect(g.nominalBytes.pmd).toBe(0);
      if (g.folded.pud) expect(g.nominalBytes.pud).toBe(0);
      expect(g.nominalBytes.pte).toBe(g.PTRS_PER_PTE * g.entryBytes);
    });

    test('round_down and round_up bracket a value by the slot size', () => {
      const x = g.PMD_SIZE * 3 + 1;
      expect(round_down(x, g.PMD_SIZE)).toBe(g.PMD_SIZE * 3);
      expect(round_up(x, g.PMD_SIZE)).toBe(g.PMD_SIZE * 4);
      expect(round_up(g.PMD_SIZE * 2, g.PMD_SIZE)).toBe(g.PMD_SIZE * 2);
    });

    test('pmd_addr_end stops at the next slot boundary or at end', () => {
      expect(pmd_addr_end(g, 1, g.PMD_SIZE * 5)).toBe(g.PMD_SIZE);
      expect(pmd_addr_end(g, 1, 7)).toBe(7);
      expect(pud_addr_end(g, g.PUD_SIZE - 1, g.PUD_SIZE * 2)).toBe(g.PUD_SIZE);
    });

    test('an end of 0 means the top of the address space', () => {
      expect(addr_end(5, 0, g.PMD_SIZE)).toBe(g.PMD_SIZE);
    });

    test('indices wrap at the table size and stay exact at the top of user space', () => {
      const top = g.TASK_SIZE - 1;
      expect(pte_index(g, top)).toBe(top % g.PTRS_PER_PTE);
      expect(pmd_index(g, g.PUD_SIZE)).toBe(0);
      expect(pgd_index(g, top)).toBeLessThan(g.PTRS_PER_PGD);
      expect(Number.isInteger(pgd_index(g, top))).toBe(true);
    });

    test('the worst case counts one PTE table per PMD slot of user space', () => {
      const w = worstCasePgtables(g);
      expect(w.pteTables).toBe(Math.ceil(g.TASK_SIZE / g.PMD_SIZE));
      expect(w.pgtablesBytes).toBeGreaterThanOrEqual(w.pteTables * g.nominalBytes.pte);
    });
  });
}
