// The user-scenario example: a plain JavaScript module built from the path library, checked per
// variant. 'ptlab' is mapped to the TypeScript sources so the test needs no build.
import { describe, expect, it, vi } from 'vitest';
import { runCheck, type CheckFail } from '../../src/check/index.js';
import { checkScenario, resolveVariants, scenarioFromModule } from '../../src/paths/index.js';

vi.mock('ptlab', async () => await import('../../src/index.js'));

const file = new URL('./scenario.js', import.meta.url).href;
const scenario = scenarioFromModule(await import(file), 'scenario.js');

describe('examples/002-check-scenario', () => {
  it('exports a valid scenario with three variants', () => {
    expect(scenario.name).toBe('retract_vs_gup_fast');
    expect(scenario.variants.free.values).toEqual(['defer', 'ipi', 'none']);
  });

  it.each(['defer', 'ipi'])('passes exhaustively with free=%s', (free) => {
    const { result, asExpected } = checkScenario(scenario, { free });
    expect(result.verdict).toBe('pass');
    expect(asExpected).toBe(true);
  });

  it('finds GUP-fast reading the freed table with free=none, and replays it', () => {
    const { result, asExpected } = checkScenario(scenario, { free: 'none' });
    expect(asExpected).toBe(true);
    const fail = result as CheckFail;
    expect(fail.trace[fail.failedStep ?? -1].threadName).toBe('gup_fast');
    const program = scenario.build(resolveVariants(scenario, { free: 'none' }));
    const again = runCheck(program, { schedule: fail.schedule }) as CheckFail;
    expect(again.violation).toEqual(fail.violation);
  });
});
