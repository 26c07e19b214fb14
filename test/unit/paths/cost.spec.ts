import { describe, expect, it } from 'vitest';
import { measureCost } from '../../../src/paths/cost.js';
import { getScenario, resolveVariants } from '../../../src/paths/scenarios/index.js';

describe('measureCost', () => {
  it('reports more grace periods for the re-deferring hugh design than for jason', () => {
    const s = getScenario('ppc_pte_free_defer');
    const hugh = measureCost(s.build(resolveVariants(s, { ppc_defer: 'hugh' })));
    const jason = measureCost(s.build(resolveVariants(s, { ppc_defer: 'jason' })));
    expect(hugh.result.verdict).toBe('pass');
    expect(hugh.completed).toBeGreaterThan(0);
    expect(hugh.metrics.grace_periods.max).toBe(2);
    expect(jason.metrics.grace_periods.max).toBe(1);
    expect(jason.metrics.pages_freed.min).toBe(1);
  });
});
