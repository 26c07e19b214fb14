// Users' own scenarios (issue #2 §4): a JavaScript or TypeScript module whose default export (or
// export named `scenario`) is a Scenario built from the path library. The CLI imports the file;
// this checks what it got, so a wrong module is a clear UsageError and never a crash.

import { UsageError } from '../../util/errors.js';
import { defineScenario, type Scenario } from './scenario.js';

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/**
 * The scenario a user's module exports: its `default` export, else its `scenario` export.
 * @param file shown in errors, e.g. `./my-race.js`.
 * @example
 * const scenario = scenarioFromModule(await import(url), './my-race.js');
 */
export function scenarioFromModule(mod: unknown, file: string): Scenario {
  const exports = (typeof mod === 'object' && mod !== null ? mod : {}) as Record<string, unknown>;
  const candidate = exports.default ?? exports.scenario;
  const bad = (why: string): UsageError =>
    new UsageError(
      'parse',
      `${file}: not a ptlab scenario module: ${why}; export default defineScenario({ name, description, variants, build }) (see docs/check-scenarios.md)`,
    );
  if (typeof candidate !== 'object' || candidate === null) {
    throw bad(`its default export is ${describeValue(candidate)}`);
  }
  const s = candidate as Partial<Scenario>;
  if (typeof s.name !== 'string' || s.name === '') throw bad('`name` must be a non-empty string');
  if (typeof s.description !== 'string') throw bad('`description` must be a string');
  if (typeof s.build !== 'function')
    throw bad('`build(values)` must be a function returning a Program');
  if (s.expected !== undefined && typeof s.expected !== 'function')
    throw bad('`expected` must be a function');
  const variants: unknown = s.variants ?? {};
  if (typeof variants !== 'object' || variants === null) throw bad('`variants` must be an object');
  for (const [k, v] of Object.entries(variants)) {
    const spec = v as { values?: unknown; default?: unknown; doc?: unknown };
    if (
      !Array.isArray(spec.values) ||
      spec.values.length === 0 ||
      !spec.values.every((x) => typeof x === 'string')
    ) {
      throw bad(`variant ${k}: \`values\` must be a non-empty array of strings`);
    }
    if (typeof spec.default !== 'string' || !spec.values.includes(spec.default)) {
      throw bad(`variant ${k}: \`default\` must be one of its values`);
    }
    if (typeof spec.doc !== 'string')
      throw bad(`variant ${k}: \`doc\` must say what the variant stands for`);
  }
  return defineScenario({ ...(s as Scenario), variants: variants as Scenario['variants'] });
}
