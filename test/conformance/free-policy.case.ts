// Conformance suite for FreePolicy implementations: what every policy must agree on (munmap and
// exit free everything, THP full-slot zaps free the deposit, tables are never freed while they
// map pages) and where each one is allowed to differ. Never collected directly.

import { describe, expect, it } from 'vitest';
import { X86_64 } from '../../src/arch/index.js';
import type { FreePolicy, MmStruct } from '../../src/mm/index.js';
import {
  do_madvise,
  do_mmap,
  do_munmap,
  mm_alloc,
  mmCounters,
  shrink_lazyfree,
  touch_range,
  validate_mm,
} from '../../src/mm/index.js';

/** Tests to skip, with the reason shown in the report (style T7). */
export interface SkipEntry {
  readonly reason: string;
  readonly tests: readonly string[];
}

/** What a policy does after the workloads where the designs differ, in kB of VmPTE. */
export interface PolicyExpectations {
  /** After a full-slot DONTNEED of a touched 2 MiB slot (PMD + PUD are 8 kB). */
  readonly afterFullSlotDontneed: number;
  /** After a half-slot DONTNEED that emptied the table (the other half was never touched). */
  readonly afterHalfSlotDontneed: number;
  /** After MADV_FREE of a touched slot and `pressure`. */
  readonly afterFreeAndPressure: number;
}

const G = 2n ** 30n;
const M = 2n ** 20n;

function run(policy: FreePolicy, script: (mm: MmStruct) => void): number {
  const mm = mm_alloc(X86_64, policy, 2 ** 30);
  script(mm);
  validate_mm(mm);
  return mmCounters(mm).vmpte_kb;
}

/** Runs the free-policy conformance suite on the policy `make()` returns. */
export function runFreePolicyConformance(opts: {
  readonly make: () => FreePolicy;
  readonly expect: PolicyExpectations;
  readonly skip?: readonly SkipEntry[];
}): void {
  const policy = opts.make();
  const skipped = new Set((opts.skip ?? []).flatMap((s) => s.tests));
  const test = (name: string, fn: () => void): void => {
    if (skipped.has(name)) it.skip(name, fn);
    else it(name, fn);
  };

  describe(`free-policy conformance: ${policy.name}`, () => {
    test('munmap of everything frees every table (FREE-10)', () => {
      const kb = run(policy, (mm) => {
        do_mmap(mm, G, 64n * M, 3);
        touch_range(mm, G, 64n * M, 4096n, true);
        do_munmap(mm, G, 64n * M);
      });
      expect(kb).toBe(0);
    });

    test('a full-slot DONTNEED of a THP frees its deposit (THP-3)', () => {
      const kb = run(policy, (mm) => {
        do_mmap(mm, G, 2n * M, 3);
        do_madvise(mm, G, 2n * M, 'hugepage');
        touch_range(mm, G, 4096n, 4096n, true);
        do_madvise(mm, G, 2n * M, 'dontneed');
      });
      expect(kb).toBe(8);
    });

    test('a table that still maps a page is never freed', () => {
      const kb = run(policy, (mm) => {
        do_mmap(mm, G, 2n * M, 3);
        touch_range(mm, G, 2n * M, 4096n, true);
        do_madvise(mm, G, 2n * M - 4096n, 'dontneed');
      });
      expect(kb).toBe(12);
    });

    test('a full-slot DONTNEED frees the table as the design says', () => {
      const kb = run(policy, (mm) => {
        do_mmap(mm, G, 2n * M, 3);
        touch_range(mm, G, 2n * M, 4096n, true);
        do_madvise(mm, G, 2n * M, 'dontneed');
      });
      expect(kb).toBe(opts.expect.afterFullSlotDontneed);
    });

    test('a half-slot DONTNEED that empties the table frees it as the design says', () => {
      const kb = run(policy, (mm) => {
        do_mmap(mm, G, 2n * M, 3);
        touch_range(mm, G, M, 4096n, true);
        do_madvise(mm, G, M, 'dontneed');
      });
      expect(kb).toBe(opts.expect.afterHalfSlotDontneed);
    });

    test('MADV_FREE then reclaim frees the table as the design says', () => {
      const kb = run(policy, (mm) => {
        do_mmap(mm, G, 2n * M, 3);
        touch_range(mm, G, 2n * M, 4096n, true);
        do_madvise(mm, G, 2n * M, 'free');
        shrink_lazyfree(mm);
      });
      expect(kb).toBe(opts.expect.afterFreeAndPressure);
    });
  });
}
