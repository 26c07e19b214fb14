// The fast representation of page tables (inline one-page PTE tables, uniform PMD tables, walk
// bounds; src/mm/pgtable-pool.ts) against the plain one: on random workloads every report, the
// final counters and the error must be identical, with validate_mm() after every operation.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdStack } from '../../../src/mm/pgtable-pool.js';
import { generateWorkload } from '../../../src/workload/generate.js';
import { parseWorkload } from '../../../src/workload/parse.js';
import { runWorkload } from '../../../src/workload/run.js';
import type { SimOptions, SimResult } from '../../../src/workload/run.js';

/** What must not depend on the representation. */
function observable(r: SimResult): unknown {
  return { reports: r.reports, final: r.final, error: r.error?.format() };
}

function bothWays(text: string, options: SimOptions = {}): { fast: SimResult; plain: SimResult } {
  const w = parseWorkload(text, 'random.ptw');
  const fast = runWorkload(w, { ...options, debug: true });
  const plain = runWorkload(w, { ...options, debug: true, plainTables: true });
  return { fast, plain };
}

const GIB = 1024 * 1024 * 1024;
const MIB = 1024 * 1024;

/** Offsets and lengths near slot boundaries, so zaps and touches cut inline tables in parts. */
const offset = fc.oneof(
  fc.integer({ min: 0, max: 6 }).map((i) => i * 2 * MIB),
  fc.integer({ min: 0, max: 3 }).map((i) => i * GIB),
  fc.integer({ min: 0, max: 3 * 512 }).map((i) => i * 4096),
);
const length = fc.oneof(
  fc.constantFrom(4096, 2 * MIB, 6 * MIB, GIB, 2 * GIB, 4 * GIB),
  fc.integer({ min: 1, max: 2048 }).map((i) => i * 4096),
);
const name = fc.constantFrom('a', 'b');
const line = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record({
        name,
        off: offset,
        len: length,
        stride: fc.constantFrom('2M', '2M', '4M', '6M', '1G', '4K', '3M'),
        read: fc.boolean(),
      })
      .map((t) => `touch ${t.name} +${t.off} ${t.len} stride=${t.stride}${t.read ? ' read' : ''}`),
  },
  {
    weight: 4,
    arbitrary: fc
      .record({
        name,
        off: offset,
        len: length,
        advice: fc.constantFrom('dontneed', 'dontneed', 'free', 'pageout', 'cold', 'hugepage'),
      })
      .map((t) => `madvise ${t.name} +${t.off} ${t.len} ${t.advice}`),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ name, off: offset, len: length })
      .map((t) => `munmap ${t.name} +${t.off} ${t.len}`),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ name, off: offset, len: length, prot: fc.constantFrom('r', 'rw', 'none') })
      .map((t) => `mprotect ${t.name} +${t.off} ${t.len} ${t.prot}`),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ name, off: offset, len: length })
      .map((t) => `touch ${t.name} +${t.off} ${t.len}`),
  },
  { weight: 1, arbitrary: fc.constant('pressure') },
);
const script = fc
  .tuple(
    fc.constantFrom('1G', '2G', '1G+2M'),
    fc.array(line, { minLength: 1, maxLength: 14 }),
    fc.constantFrom('none', 'pt_reclaim', 'refcount'),
  )
  .map(([bAt, body, policy]) => {
    // `b` either shares PMD tables with `a` (right after it) or sits in its own PUD slot.
    const bAddr = bAt === '1G' ? 5 * GIB : bAt === '2G' ? 7 * GIB + 2 * MIB : 4 * GIB + 2 * MIB;
    const lines = [`map a 3G at=${GIB}`, `map b 2G at=${bAddr}`];
    body.forEach((l, i) => lines.push(l, `report r${i}`));
    return { text: lines.join('\n'), policy };
  });

describe('inline PTE tables and uniform PMD tables', () => {
  it('give the reports of the plain representation on random sparse workloads', () => {
    fc.assert(
      fc.property(script, ({ text, policy }) => {
        const { fast, plain } = bothWays(text, { policy });
        expect(observable(fast), text).toEqual(observable(plain));
      }),
      { numRuns: Number(process.env.PTLAB_FAST_RUNS ?? 150) },
    );
  });

  it('give the reports of the plain representation on the generated fidelity workloads', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const { fast, plain } = bothWays(generateWorkload(seed));
      expect(observable(fast), `seed ${seed}`).toEqual(observable(plain));
    }
  });

  it('keep exact counters through a sparse touch, a partial DONTNEED and a second touch', () => {
    const text = [
      'map a 64G at=1G',
      'touch a +0 64G stride=2M',
      'report touched',
      'madvise a +1G+2M 31G dontneed',
      'report half',
      'touch a +0 64G stride=2M read',
      'touch a +0 64G stride=2M',
      'report again',
      'munmap a +0 64G',
      'report gone',
    ]
      .join('\n')
      .replace('+1G+2M', `+${GIB + 2 * MIB}`);
    const { fast, plain } = bothWays(text);
    expect(observable(fast)).toEqual(observable(plain));
    // 32 Ki PTE tables (4 KiB each) and 64 PMD tables (4 KiB each) plus one PUD table.
    expect(fast.reports[0]).toMatchObject({
      tables: { pte: 32768, pmd: 64, pud: 1 },
      rss_anon_kb: 32768 * 4,
    });
    expect(fast.reports[3]).toMatchObject({ tables: { pte: 0, pmd: 0, pud: 0 }, rss_anon_kb: 0 });
  });
});

describe('IdStack', () => {
  it('pops ids in reverse order, 0 when empty, and grows past its first buffer', () => {
    const s = new IdStack();
    for (let i = 1; i <= 5000; i++) s.push(i);
    expect(s.length).toBe(5000);
    expect(s.pop()).toBe(5000);
    expect(s.toSet().has(4999)).toBe(true);
    for (let i = 0; i < 4999; i++) s.pop();
    expect(s.pop()).toBe(0);
  });
});
