// powerpc fragments freed through the mmu_gather (issue #6 §3): freeing one fragment must not free
// the page under the other; the RCU batch waits for a walker of the freed fragment.

import { describe, expect, it } from 'vitest';
import { checkScenario, getScenario } from '../../src/paths/index.js';

const scenario = getScenario('ppc_frag_gather');

describe('ppc_frag_gather', () => {
  it.each(['other', 'same'])('passes exhaustively with walker=%s', (walker) => {
    const { result, asExpected } = checkScenario(scenario, { walker });
    expect(result.verdict).toBe('pass');
    expect(asExpected).toBe(true);
    expect(result.stats.executions).toBeGreaterThan(1);
  });
});
