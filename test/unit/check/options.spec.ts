import { describe, expect, it } from 'vitest';
import { resolveCheckOptions } from '../../../src/check/options.js';
import { UsageError } from '../../../src/util/errors.js';

describe('resolveCheckOptions', () => {
  it('defaults to exhaustive DFS with DPOR', () => {
    const o = resolveCheckOptions();
    expect(o.strategy).toBe('dfs');
    expect(o.dpor).toBe(true);
    expect(o.maxPreemptions).toBeUndefined();
    expect(o.maxTime).toBeUndefined();
  });

  it('picks replay when a schedule is given', () => {
    expect(resolveCheckOptions({ schedule: 's1.AAA' }).strategy).toBe('replay');
  });

  it('turns DPOR off under a preemption bound', () => {
    expect(resolveCheckOptions({ maxPreemptions: 2 }).dpor).toBe(false);
  });

  it('gives samplers a smaller execution budget than DFS', () => {
    expect(resolveCheckOptions({ strategy: 'random' }).maxIterations).toBeLessThan(
      resolveCheckOptions({ strategy: 'dfs' }).maxIterations,
    );
  });

  it.each([
    [{ maxSteps: 0 }, 'maxSteps'],
    [{ maxIterations: 1.5 }, 'maxIterations'],
    [{ maxPreemptions: -1 }, 'maxPreemptions'],
    [{ maxTime: 100 }, 'clock'],
    [{ strategy: 'replay' as const }, 'schedule'],
    [{ strategy: 'bfs' as never }, "unknown strategy 'bfs'"],
  ])('rejects %o with a UsageError', (options, message) => {
    expect(() => resolveCheckOptions(options)).toThrow(UsageError);
    expect(() => resolveCheckOptions(options)).toThrow(message);
  });
});
