// exit_mmap / free_pgtables against the OOM reaper, an rmap walker and khugepaged's retract
// (issue #6 §3; 64591e8605d6).

import { describe, it } from 'vitest';
import { getScenario, variantCombinations } from '../../src/paths/index.js';
import { expectScenarioFails, expectScenarioPasses } from './scenario-checks.js';

const NAME = 'exit_vs_walkers';

describe(NAME, () => {
  it.each(variantCombinations(getScenario(NAME)))('passes exhaustively: %o', (v) => {
    expectScenarioPasses(NAME, v);
  });

  it('lets the OOM reaper zap a freed table when free_pgtables runs without mmap_write_lock', () => {
    expectScenarioFails(
      NAME,
      { walker: 'oom_reaper', table_free: 'page' },
      'use-after-free',
      'oom_reaper',
      ['exit_mmap_write_lock'],
    );
  });

  it('frees a table twice when free_pgtables frees before unlinking the VMA from i_mmap', () => {
    expectScenarioFails(
      NAME,
      { walker: 'retract', table_free: 'rcu' },
      'accounting',
      'khugepaged',
      ['free_pgtables_unlink_first'],
    );
  });
});
