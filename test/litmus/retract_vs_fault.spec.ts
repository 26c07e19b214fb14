// khugepaged retract_page_tables against a racing insertion (issue #6 §2 and §3).

import { describe, it } from 'vitest';
import { expectScenarioFails, expectScenarioPasses } from './scenario-checks.js';

describe('retract_vs_fault', () => {
  it('passes exhaustively with pte_free_defer: the re-check under the PTE lock skips a refilled table', () => {
    expectScenarioPasses('retract_vs_fault', { table_free: 'defer' });
  });

  it('finds the inserter locking a freed table when retract frees at once, and replays it', () => {
    expectScenarioFails('retract_vs_fault', { table_free: 'none' }, 'use-after-free', 'inserter');
  });
});
