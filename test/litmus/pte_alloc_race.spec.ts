// Two faults racing to populate one empty PMD slot (issue #6 §2: the PMD lock of pmd_install).

import { describe, expect, it } from 'vitest';
import { checkScenario, getScenario } from '../../src/paths/index.js';

describe('pte_alloc_race', () => {
  it('passes exhaustively: one table is installed, the loser frees its own', () => {
    const { result, asExpected } = checkScenario(getScenario('pte_alloc_race'));
    expect(result.verdict).toBe('pass');
    expect(asExpected).toBe(true);
  });
});
