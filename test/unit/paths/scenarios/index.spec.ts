import { describe, expect, it } from 'vitest';
import {
  getScenario,
  listScenarios,
  resolveVariants,
  variantCombinations,
} from '../../../../src/paths/scenarios/index.js';
import { UsageError } from '../../../../src/util/errors.js';

describe('getScenario', () => {
  it('finds every listed scenario by name', () => {
    for (const s of listScenarios()) expect(getScenario(s.name)).toBe(s);
  });

  it('throws unknown-name listing the built-in names', () => {
    const e = (() => {
      try {
        getScenario('nope');
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).code).toBe('unknown-name');
    expect((e as UsageError).message).toContain('pt_reclaim_vs_walkers');
  });
});

describe('resolveVariants', () => {
  const s = getScenario('pt_reclaim_vs_walkers');

  it('fills defaults for variants not given', () => {
    expect(resolveVariants(s, { table_free: 'semi_rcu' })).toEqual({
      table_free: 'semi_rcu',
      batch: 'nomem',
    });
  });

  it('rejects an unknown variant, naming the known ones', () => {
    expect(() => resolveVariants(s, { tablefree: 'rcu' })).toThrow(
      /no variant 'tablefree'.*table_free, batch/,
    );
  });

  it('rejects an unknown value, naming the valid ones', () => {
    expect(() => resolveVariants(s, { table_free: 'ipi' })).toThrow(
      /expected one of rcu, semi_rcu/,
    );
  });
});

describe('listScenarios', () => {
  it('documents an expected verdict and a kernel reference for every variant', () => {
    for (const s of listScenarios()) {
      for (const v of Object.values(s.variants)) expect(v.doc.length).toBeGreaterThan(40);
      for (const combo of variantCombinations(s))
        expect(s.expected?.(combo).why.length).toBeGreaterThan(20);
    }
  });

  it('enumerates the cross product of variant values, defaults first', () => {
    const combos = variantCombinations(getScenario('pt_reclaim_vs_walkers'));
    expect(combos).toHaveLength(6);
    expect(combos[0]).toEqual({ table_free: 'rcu', batch: 'nomem' });
  });
});
