// Validates ptlab's JSON outputs against the published schemas in docs/schemas (ajv, draft
// 2020-12), so the documented contract and the code cannot drift apart.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

const DIR = new URL('../../docs/schemas/', import.meta.url).pathname;

let ajv: Ajv2020 | undefined;

function load(): Ajv2020 {
  if (ajv) return ajv;
  ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  for (const f of readdirSync(DIR).filter((n) => n.endsWith('.schema.json'))) {
    ajv.addSchema(JSON.parse(readFileSync(join(DIR, f), 'utf8')) as object, f);
  }
  return ajv;
}

/** The names of the published schemas (`sim`, `check`, `error`, ...). */
export function schemaNames(): string[] {
  return readdirSync(DIR)
    .filter((n) => n.endsWith('.schema.json'))
    .map((n) => n.replace(/\.schema\.json$/, ''));
}

/** Throws, listing every violation, unless `value` conforms to docs/schemas/NAME.schema.json. */
export function expectSchema(name: string, value: unknown): void {
  const validate = load().getSchema(`${name}.schema.json`) as ValidateFunction | undefined;
  if (!validate) throw new Error(`no schema docs/schemas/${name}.schema.json`);
  if (!validate(value)) {
    const why = (validate.errors ?? [])
      .map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`)
      .join('\n');
    throw new Error(`output does not conform to ${name}.schema.json:\n${why}`);
  }
}
