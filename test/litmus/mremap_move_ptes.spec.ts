// mremap's move_ptes against per-VMA-locked MADV_DONTNEED and rmap walkers (issue #6 §3).

import { describe, it } from 'vitest';
import { expectScenarioFails, expectScenarioPasses } from './scenario-checks.js';

const NAME = 'mremap_move_ptes';

describe(NAME, () => {
  it.each(['madvise_new', 'madvise_src', 'rmap_after', 'rmap_before'])(
    'passes exhaustively with other=%s',
    (other) => {
      expectScenarioPasses(NAME, { other });
    },
  );

  it('writes the moved entry into a reclaimed table when the new VMA is not write-locked', () => {
    expectScenarioFails(NAME, { other: 'madvise_new' }, 'lost-mapping', 'mremap', [
      'mremap_vma_start_write',
    ]);
  });

  it('lets an rmap walk visiting the new VMA first miss the entry without the rmap locks', () => {
    expectScenarioFails(NAME, { other: 'rmap_before' }, 'lost-mapping', 'end', [
      'mremap_rmap_locks',
    ]);
  });
});
