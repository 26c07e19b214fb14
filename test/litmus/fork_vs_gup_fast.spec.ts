// GUP-fast against fork's COW copy: mm->write_protect_seq (issue #6 §3; 57efa1fe5957).

import { describe, expect, it } from 'vitest';
import { expectScenarioFails, expectScenarioPasses } from './scenario-checks.js';

const NAME = 'fork_vs_gup_fast';

describe(NAME, () => {
  it('passes exhaustively with write_protect_seq (5.11+)', () => {
    expectScenarioPasses(NAME, { gup: 'write_protect_seq' });
  });

  it("loses the write through a pin taken between fork's pinned check and its wrprotect, and replays it", () => {
    const fail = expectScenarioFails(NAME, { gup: 'pte_recheck_only' }, 'lost-mapping', 'gup_fast');
    const labels = fail.trace.map((s) => `${s.threadName}: ${s.label}`);
    const checked = labels.indexOf(
      'parent: copy_present_ptes: folio_try_dup_anon_rmap_pte (folio_maybe_dma_pinned)',
    );
    const grabbed = labels.indexOf('gup_fast: gup_fast: try_grab_folio_fast');
    const wrprotect = labels.indexOf('parent: copy_present_ptes: ptep_set_wrprotect(src)');
    expect(checked).toBeLessThan(grabbed);
    expect(grabbed).toBeLessThan(wrprotect);
  });
});
