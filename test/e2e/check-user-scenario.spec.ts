// A user's scenario module outside this repository (issue #6 §5): `ptlab check ./mine.js` run in a
// temporary folder with no node_modules, the module importing the path library by package name
// ('ptlab' and 'ptlab/paths'), as it would from an npx or global install.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PTLAB_MAIN, ensureBuilt } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ptlab-user-scenario-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Two threads increment a shared counter; `atomic=no` splits the increment into load and store. */
const SCENARIO = (paths: string, check: string): string => `
import { defineScenario } from '${paths}';
import { registerObject, reportAccess } from '${check}';

export const scenario = defineScenario({
  name: 'counter',
  description: 'two increments of one counter',
  variants: { atomic: { values: ['yes', 'no'], default: 'yes', doc: 'one step or two' } },
  expected: (v) => (v.atomic === 'yes' ? { verdict: 'pass', why: 'atomic' } : { verdict: 'fail', why: 'lost update' }),
  build: (v) => ({
    name: 'counter[atomic=' + v.atomic + ']',
    create() {
      const id = registerObject('count');
      let count = 0;
      function* inc() {
        if (v.atomic === 'yes') {
          yield { label: 'count++' };
          reportAccess(id, 'write');
          count++;
          return;
        }
        yield { label: 'load count' };
        reportAccess(id, 'read');
        const seen = count;
        yield { label: 'store count' };
        reportAccess(id, 'write');
        count = seen + 1;
      }
      return {
        threads: [{ name: 'a', body: inc() }, { name: 'b', body: inc() }],
        finalCheck: () => (count === 2 ? undefined : { kind: 'lost-update', message: 'count is ' + count }),
      };
    },
  }),
});
`;

function check(file: string, ...args: string[]) {
  ensureBuilt();
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.NODE_EXTRA_CA_CERTS;
  return spawnSync(process.execPath, [PTLAB_MAIN, 'check', file, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env,
  });
}

describe('ptlab check on a scenario outside the repository', () => {
  it.each([
    ['ptlab', 'ptlab'],
    ['ptlab/paths', 'ptlab/check'],
  ])('imports the path library as %s and the engine as %s', (paths, engine) => {
    const file = `./mine-${paths.replace('/', '-')}.mjs`;
    writeFileSync(join(dir, file), SCENARIO(paths, engine));
    const pass = check(file);
    expect(pass.stderr).toBe('');
    expect(pass.stdout).toMatch(/^PASS +counter\[atomic=yes\]/);
    expect(pass.status).toBe(0);
    const all = check(file, '--all-variants', '--format', 'json');
    const doc = JSON.parse(all.stdout) as {
      results: { verdict: string }[];
      all_as_expected: boolean;
    };
    expect(doc.results.map((r) => r.verdict)).toEqual(['pass', 'fail']);
    expect(doc.all_as_expected).toBe(true);
    expect(all.status).toBe(0);
  });

  it('says which package it could not find when the import is not ptlab', () => {
    writeFileSync(
      join(dir, 'other.mjs'),
      "import { x } from 'not-ptlab';\nexport const scenario = x;\n",
    );
    const r = check('./other.mjs');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /cannot load scenario module '\.\/other\.mjs': Cannot find package 'not-ptlab'/,
    );
  });
});
