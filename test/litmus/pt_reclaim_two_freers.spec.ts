// Two freers of one PTE table (issue #6 §3): two MADV_DONTNEED, or MADV_DONTNEED and munmap.

import { describe, expect, it } from 'vitest';
import { checkScenario, getScenario } from '../../src/paths/index.js';

const scenario = getScenario('pt_reclaim_two_freers');
const heavy = process.env.PTLAB_HEAVY === '1';

describe('pt_reclaim_two_freers', () => {
  it.each([
    { second: 'madvise', faults: '0' },
    { second: 'munmap', faults: '0' },
    { second: 'munmap', faults: '1' },
    { second: 'munmap_per_vma', faults: '0' },
    { second: 'munmap_per_vma', faults: '1' },
  ])('passes exhaustively with second=$second, faults=$faults', (v) => {
    const { result, asExpected } = checkScenario(scenario, v);
    expect(result.verdict).toBe('pass');
    expect(asExpected).toBe(true);
  });

  it('finds no violation in two MADV_DONTNEED and a fault with up to 1 preemption', () => {
    const { result } = checkScenario(
      scenario,
      { second: 'madvise', faults: '1' },
      { maxPreemptions: 1 },
    );
    expect(result.verdict).toBe('bounded');
  });

  it.skipIf(!heavy)(
    'passes exhaustively with two MADV_DONTNEED and a fault (PTLAB_HEAVY=1, ~130k executions)',
    () => {
      const { result } = checkScenario(scenario, { second: 'madvise', faults: '1' });
      expect(result.verdict).toBe('pass');
    },
  );
});
