// Model-based tests (style T5): random op scripts on a small arena run in the simulator with
// validate_mm() after every step, against a naive page-by-page reference model (no THP) for
// RssAnon and, under the refcount policy, the number of PTE tables (ALLOC-8).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { X86_64 } from '../../../src/arch/index.js';
import type { FreePolicy, MmStruct } from '../../../src/mm/index.js';
import {
  do_madvise,
  do_mmap,
  do_mprotect,
  do_munmap,
  mm_alloc,
  mmCounters,
  shrink_lazyfree,
  touch_range,
  validate_mm,
} from '../../../src/mm/index.js';
import { nonePolicy, ptReclaimPolicy, refcountPolicy } from '../../../src/policy/index.js';

const BASE = 262144; // 1 GiB in pages
const ARENA = 2 * 512; // 4 MiB: two PMD slots
const P = 4096n;

type Op =
  | { kind: 'map'; start: number; len: number; prot: number }
  | { kind: 'touch'; start: number; len: number; write: boolean }
  | {
      kind: 'madvise';
      start: number;
      len: number;
      advice: 'dontneed' | 'free' | 'pageout' | 'cold';
    }
  | { kind: 'munmap'; start: number; len: number }
  | { kind: 'mprotect'; start: number; len: number; prot: number }
  | { kind: 'pressure' };

// Few distinct boundaries, so ranges overlap often; some unaligned ones keep slots shared.
const range = fc
  .tuple(
    fc.oneof(
      fc.integer({ min: 0, max: 7 }).map((i) => i * 128),
      fc.integer({ min: 0, max: ARENA - 1 }),
    ),
    fc.constantFrom(1, 3, 128, 256, 512, 1024),
  )
  .map(([start, len]) => ({ start, len: Math.min(len, ARENA - start) }));
const prot = fc.constantFrom(3, 3, 1, 0);
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc
      .record({ r: range, prot })
      .map(({ r, prot }) => ({ kind: 'map' as const, ...r, prot })),
    weight: 3,
  },
  {
    arbitrary: fc
      .record({ r: range, write: fc.boolean() })
      .map(({ r, write }) => ({ kind: 'touch' as const, ...r, write })),
    weight: 4,
  },
  {
    arbitrary: fc
      .record({
        r: range,
        advice: fc.constantFrom('dontneed', 'free', 'pageout', 'cold') as fc.Arbitrary<'dontneed'>,
      })
      .map(({ r, advice }) => ({ kind: 'madvise' as const, ...r, advice })),
    weight: 4,
  },
  { arbitrary: range.map((r) => ({ kind: 'munmap' as const, ...r })), weight: 1 },
  {
    arbitrary: fc
      .record({ r: range, prot })
      .map(({ r, prot }) => ({ kind: 'mprotect' as const, ...r, prot })),
    weight: 1,
  },
  { arbitrary: fc.constant({ kind: 'pressure' as const }), weight: 1 },
);

/** The naive model: protection per mapped page, state per present page. */
class Reference {
  readonly prot = new Map<number, number>();
  readonly page = new Map<number, 'anon' | 'zero' | 'lazy'>();

  apply(o: Op): void {
    if (o.kind === 'pressure') {
      for (const [p, s] of this.page) if (s === 'lazy') this.page.delete(p);
      return;
    }
    const pages = Array.from({ length: o.len }, (_, i) => o.start + i);
    switch (o.kind) {
      case 'map':
        if (pages.some((p) => this.prot.has(p))) return;
        for (const p of pages) this.prot.set(p, o.prot);
        return;
      case 'touch':
        for (const p of pages) {
          const pr = this.prot.get(p);
          if (pr === undefined || (pr & (o.write ? 2 : 1)) === 0) return;
          if (o.write) this.page.set(p, 'anon');
          else if (!this.page.has(p)) this.page.set(p, 'zero');
        }
        return;
      case 'madvise':
        for (const p of pages) {
          if (!this.prot.has(p)) continue;
          const s = this.page.get(p);
          if (o.advice === 'dontneed') this.page.delete(p);
          if (o.advice === 'free' && s === 'anon') this.page.set(p, 'lazy');
          if (o.advice === 'pageout' && s === 'lazy') this.page.delete(p);
        }
        return;
      case 'munmap':
        for (const p of pages) {
          this.prot.delete(p);
          this.page.delete(p);
        }
        return;
      case 'mprotect':
        for (const p of pages) {
          if (!this.prot.has(p)) return;
          this.prot.set(p, o.prot);
        }
        return;
    }
  }

  rssKb(): number {
    let n = 0;
    for (const s of this.page.values()) if (s !== 'zero') n++;
    return n * 4;
  }

  slotsWithPages(): number {
    return new Set([...this.page.keys()].map((p) => Math.floor(p / 512))).size;
  }
}

function apply(mm: MmStruct, o: Op): void {
  if (o.kind === 'pressure') {
    shrink_lazyfree(mm);
    return;
  }
  const start = BigInt(BASE + o.start) * P;
  const len = BigInt(o.len) * P;
  if (o.kind === 'map') do_mmap(mm, start, len, o.prot);
  if (o.kind === 'touch') touch_range(mm, start, len, P, o.write);
  if (o.kind === 'madvise') do_madvise(mm, start, len, o.advice);
  if (o.kind === 'munmap') do_munmap(mm, start, len);
  if (o.kind === 'mprotect') do_mprotect(mm, start, len, o.prot);
}

describe('the simulated mm against a naive model', () => {
  it.each([
    ['none', nonePolicy],
    ['pt_reclaim', ptReclaimPolicy],
    ['refcount', refcountPolicy],
  ] as [string, FreePolicy][])(
    'agrees on RssAnon and keeps its invariants under %s',
    (_, policy) => {
      fc.assert(
        fc.property(fc.array(op, { minLength: 10, maxLength: 40, size: 'max' }), (ops) => {
          const mm = mm_alloc(X86_64, policy, 2 ** 34);
          const ref = new Reference();
          for (const o of ops) {
            apply(mm, o);
            ref.apply(o);
            validate_mm(mm);
            const c = mmCounters(mm);
            expect(c.rss_anon_kb).toBe(ref.rssKb());
            // ALLOC-8: every slot holding a page has a table; the refcount design keeps no others.
            if (policy === refcountPolicy) expect(c.tables.pte).toBe(ref.slotsWithPages());
            else expect(c.tables.pte).toBeGreaterThanOrEqual(ref.slotsWithPages());
          }
          do_munmap(mm, BigInt(BASE) * P, BigInt(ARENA) * P);
          expect(mmCounters(mm).pgtables_bytes).toBe(0);
        }),
        { numRuns: 200, seed: 3 },
      );
    },
  );
});
