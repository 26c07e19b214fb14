// An rmap walker (anon_vma lock, page_vma_mapped_walk) against a table freed under mmap_write_lock
// alone (issue #6 §3; David Hildenbrand's review of the 2022 RFC).

import { describe, it } from 'vitest';
import { expectScenarioFails, expectScenarioPasses } from './scenario-checks.js';

const NAME = 'rmap_vs_table_free';

describe(NAME, () => {
  it.each([
    { freer: 'free_pgtables', table_free: 'page' },
    { freer: 'free_pgtables', table_free: 'rcu' },
    { freer: 'mmap_lock_only', table_free: 'rcu' },
  ])('passes exhaustively with freer=$freer, table_free=$table_free', (v) => {
    expectScenarioPasses(NAME, v);
  });

  it('finds the rmap walker on a table freed under mmap_write_lock alone, and replays it', () => {
    expectScenarioFails(
      NAME,
      { freer: 'mmap_lock_only', table_free: 'page' },
      'use-after-free',
      'rmap',
    );
  });
});
