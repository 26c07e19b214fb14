// User input never crashes ptlab: any text either parses or fails with a positioned UsageError,
// and any parsed workload runs to a result (a user error comes back as data, never thrown).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/util/errors.js';
import { generateWorkload } from '../../../src/workload/generate.js';
import { ADVICES, OPERATIONS, PROTS, parseWorkload } from '../../../src/workload/parse.js';
import { runWorkload } from '../../../src/workload/run.js';

// The grammar's own words, plus numbers, options and junk around them.
const WORDS = [
  ...OPERATIONS,
  ...PROTS,
  ...ADVICES,
  'a',
  'b',
  '+0',
  '+4K',
  '+1M',
  '+2M',
  '+0x1000',
  '+3',
  '0',
  '4K',
  '2M',
  '1G',
  '1T',
  '0x200000',
  '4095',
  '-1',
  '99999999999999999999',
  'at=1G',
  'at=0',
  'at=0x7ffffffff000',
  'at=4097',
  'prot=r',
  'prot=none',
  'prot=rwx',
  'prot=w',
  'stride=2M',
  'stride=0',
  'read',
  'shift=2M',
  '3',
  '#',
  '=',
  'x=y',
  '\t',
];

const line = fc
  .array(fc.constantFrom(...WORDS), { minLength: 0, maxLength: 6 })
  .map((w) => w.join(' '));
const text = fc.array(line, { minLength: 1, maxLength: 12 }).map((ls) => ls.join('\n'));

function runsOrFailsCleanly(src: string): void {
  let workload;
  try {
    workload = parseWorkload(src, 'fuzz.ptw');
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    const u = e as UsageError;
    expect(u.where?.line).toBeGreaterThanOrEqual(1);
    expect(u.where?.col).toBeGreaterThanOrEqual(1);
    return;
  }
  for (const kernel of ['6.13', '6.18']) {
    const r = runWorkload(workload, { kernel, debug: true });
    if (r.error) {
      expect(r.error).toBeInstanceOf(UsageError);
      expect(r.error.where?.file).toBe('fuzz.ptw');
    }
  }
  runWorkload(workload, { policy: 'refcount', debug: true });
}

describe('workload robustness', () => {
  it('parses or rejects random token soup with a positioned UsageError, never another exception', () => {
    fc.assert(
      fc.property(text, (src) => runsOrFailsCleanly(src)),
      { numRuns: 400, seed: 7 },
    );
  });

  it('runs mutated generated workloads (lines dropped, swapped, duplicated) without throwing', () => {
    const mutated = fc
      .tuple(fc.integer({ min: 1, max: 10_000 }), fc.array(fc.nat(60), { maxLength: 6 }))
      .map(([seed, cuts]) => {
        const lines = generateWorkload(seed).split('\n');
        for (const c of cuts) {
          const i = c % lines.length;
          if (c % 3 === 0) lines.splice(i, 1);
          else if (c % 3 === 1) lines.push(lines[i] ?? '');
          else lines.unshift(lines[i] ?? '');
        }
        return lines.join('\n');
      });
    fc.assert(
      fc.property(mutated, (src) => runsOrFailsCleanly(src)),
      { numRuns: 200, seed: 11 },
    );
  });
});
