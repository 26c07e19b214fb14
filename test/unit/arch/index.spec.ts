import { describe, expect, it } from 'vitest';
import { ARCH_NAMES, getArch, worstCasePgtables } from '../../../src/arch/index.js';
import { UsageError } from '../../../src/util/errors.js';

describe('getArch', () => {
  it('lists x86_64 first as the default', () => {
    expect(ARCH_NAMES[0]).toBe('x86_64');
  });

  it('throws unknown-name listing the valid names', () => {
    let caught: unknown;
    try {
      getArch('sparc');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as UsageError).code).toBe('unknown-name');
    for (const n of ARCH_NAMES) expect((caught as UsageError).message).toContain(n);
  });

  it.each([
    // GEO-2: 4-level x86-64, 4 KiB tables covering 2 MiB / 1 GiB / 512 GiB, 128 TiB - 4 KiB.
    ['x86_64', 512, 512 * 512, 512 * 512 * 512, 2 ** 35 - 1, 4096],
    // 5-level: P4D covers 512 GiB, PGD entries 256 TiB, 56-bit user space.
    ['x86_64-la57', 512, 2 ** 18, 2 ** 27, 2 ** 44 - 1, 4096],
    // GEO-3: i386 2-level, a PTE table covers 4 MiB and PMD/PUD are folded.
    ['i386', 1024, 1024, 1024, 0xc0000, 4096],
    // GEO-5: arm64 16K granule, a PTE table covers 32 MiB, a PMD table 64 GiB.
    ['arm64-16k', 2048, 2048 * 2048, 2048 ** 3, 2 ** 34, 16384],
  ])('%s has the kernel geometry (GEO-2..5)', (name, pmd, pud, p4d, task, pte) => {
    const g = getArch(name);
    expect(g.PMD_SIZE).toBe(pmd);
    expect(g.PUD_SIZE).toBe(pud);
    expect(g.P4D_SIZE).toBe(p4d);
    expect(g.TASK_SIZE).toBe(task);
    expect(g.nominalBytes.pte).toBe(pte);
  });

  it('counts no PMD or PUD on i386 and 4 preallocated PMDs on PAE (ACC-2, ACC-6)', () => {
    expect(getArch('i386').nominalBytes.pmd).toBe(0);
    expect(getArch('i386-pae').baselinePgtablesBytes).toBe(16384);
  });
});

describe('worstCasePgtables', () => {
  it('gives 256 GiB of PTE tables for 128 TiB on x86-64 plus PMD and PUD tables', () => {
    const w = worstCasePgtables(getArch('x86_64'), 2 ** 35);
    expect(w.pteTables).toBe(2 ** 26);
    expect(w.pmdTables).toBe(2 ** 17);
    expect(w.pudTables).toBe(256);
    expect(w.pgtablesBytes).toBe((2 ** 26 + 2 ** 17 + 256) * 4096);
  });
});
