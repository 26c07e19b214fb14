// The PT_RECLAIM benchmark example: VmPTE after the loop, derived from the table geometry.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseWorkload } from '../../src/workload/parse.js';
import { runWorkload } from '../../src/workload/run.js';

const load = (name: string) => {
  const file = new URL(name, import.meta.url).pathname;
  return parseWorkload(readFileSync(file, 'utf8'), file);
};

describe('examples/001-pt-reclaim-benchmark', () => {
  const workload = load('./workload.ptw');
  const after = (kernel: string, policy?: string) =>
    runWorkload(workload, { kernel, ...(policy ? { policy } : {}) }).reports.find(
      (r) => r.label === 'after',
    )!;

  it('keeps one 4 kB PTE table per 2 MiB round on 6.13 (25,600 tables)', () => {
    const r = after('6.13');
    expect(r.tables.pte).toBe(25_600);
    // 50 GiB placed 2 MiB (not 1 GiB) aligned straddles 51 PUD slots, one PGD slot.
    expect(r.tables.pmd).toBe(51);
    expect(r.tables.pud).toBe(1);
    expect(r.vmpte_kb).toBe((25_600 + 51 + 1) * 4);
  });

  it('frees every PTE table under PT_RECLAIM and the refcount design, keeping PMD and PUD tables', () => {
    for (const r of [after('6.18'), after('6.18', 'refcount')]) {
      expect(r.tables.pte).toBe(0);
      expect(r.vmpte_kb).toBe((51 + 1) * 4);
    }
  });

  it('at a fixed 1 GiB address spans exactly 50 PUD slots', () => {
    const r = runWorkload(load('./workload-fixed.ptw')).reports.find((x) => x.label === 'after')!;
    expect(r.vmpte_kb).toBe((50 + 1) * 4);
  });
});
