import { describe, expect, it } from 'vitest';
import { getScenario } from '../../../../src/paths/scenarios/index.js';
import { scenarioFromModule } from '../../../../src/paths/scenarios/user.js';
import { UsageError } from '../../../../src/util/errors.js';

describe('scenarioFromModule', () => {
  const good = getScenario('munmap_vs_gup_fast');

  it('takes the default export, else the export named scenario', () => {
    expect(scenarioFromModule({ default: good }, 'a.js').name).toBe(good.name);
    expect(scenarioFromModule({ scenario: good }, 'a.js').name).toBe(good.name);
  });

  it.each([
    [{}, /default export is a undefined/],
    [{ default: 3 }, /default export is a number/],
    [{ default: { ...good, build: undefined } }, /build\(values\)/],
    [
      { default: { ...good, variants: { x: { values: [], default: 'a', doc: 'd' } } } },
      /variant x: `values`/,
    ],
    [
      { default: { ...good, variants: { x: { values: ['a'], default: 'b', doc: 'd' } } } },
      /variant x: `default`/,
    ],
  ])('rejects a malformed module with a UsageError naming the file (%#)', (mod, why) => {
    let err: unknown;
    try {
      scenarioFromModule(mod, './mine.js');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toMatch(/^\.\/mine\.js: not a ptlab scenario module/);
    expect((err as UsageError).message).toMatch(why);
  });
});
