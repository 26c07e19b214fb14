// The allocator-churn example: the three designs differ exactly as its README says.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseWorkload } from '../../src/workload/parse.js';
import { runWorkload } from '../../src/workload/run.js';

const FILE = new URL('./workload.ptw', import.meta.url).pathname;
const workload = parseWorkload(readFileSync(FILE, 'utf8'), FILE);
const last = (kernel: string, policy?: string) =>
  runWorkload(workload, { kernel, ...(policy ? { policy } : {}), debug: false }).reports;

describe('examples/003-allocator-churn', () => {
  // 64 rounds x 48 MiB = 3 GiB in one 4 GiB-aligned, 512 GiB-slot: 3 PMD tables + 1 PUD table.
  const upper = 3 * 4 + 4;

  it('keeps all 24 PTE tables per round on 6.13', () => {
    const r = last('6.13');
    expect(r.at(-2)?.vmpte_kb).toBe(64 * 24 * 4 + upper);
    expect(r.at(-1)?.vmpte_kb).toBe(64 * 24 * 4 + upper);
  });

  it('keeps the two edge tables per round under PT_RECLAIM, even after pressure', () => {
    const r = last('6.18');
    expect(r.at(-2)?.vmpte_kb).toBe(64 * 2 * 4 + upper);
    expect(r.at(-1)?.vmpte_kb).toBe(64 * 2 * 4 + upper);
  });

  it('frees the edge tables under the refcount design once pressure discards lazy-free pages', () => {
    const r = last('6.18', 'refcount');
    expect(r.at(-2)?.vmpte_kb).toBe(64 * 2 * 4 + upper);
    expect(r.at(-1)?.vmpte_kb).toBe(upper);
  });
});
