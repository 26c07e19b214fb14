// Two VMAs sharing one PTE table, each with its own per-VMA lock (issue #6 §3).

import { describe, it } from 'vitest';
import { expectScenarioFails, expectScenarioPasses } from './scenario-checks.js';

const NAME = 'two_vma_shared_table';

describe(NAME, () => {
  it.each(['a', 'b'])('passes exhaustively with the fault in vma_%s', (fault_in) => {
    expectScenarioPasses(NAME, { fault_in });
  });

  it("frees the table under vma_a's mapping when reclaim_pt_is_enabled accepts a partial range", () => {
    expectScenarioFails(NAME, { fault_in: 'a' }, 'lost-mapping', 'madvise_b', [
      'pt_reclaim_whole_range',
    ]);
  });
});
