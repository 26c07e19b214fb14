// Loading a user's scenario module from any folder (issue #6 §5). A scenario imports the path
// library by package name (`import { World, defineScenario } from 'ptlab'`, or the subpaths
// 'ptlab/paths' and 'ptlab/check'). Inside this repository Node resolves that by self-reference;
// outside it (a scenario in the user's own folder, ptlab run from `npx` or a global install) there
// is no node_modules/ptlab to find, so before importing the module the CLI registers a resolve hook
// (node:module `register`) that retries a failed `ptlab` import as if it came from this package.
// A project that installs ptlab itself keeps resolving to its own copy.

import { existsSync, readFileSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Runs in Node's loader thread: retries `ptlab` and `ptlab/...` from this package's root.
const HOOK = `
let root;
export function initialize(data) { root = data.root; }
export async function resolve(specifier, context, next) {
  if (specifier !== 'ptlab' && !specifier.startsWith('ptlab/')) return next(specifier, context);
  try {
    return await next(specifier, context);
  } catch (e) {
    if (!e || e.code !== 'ERR_MODULE_NOT_FOUND') throw e;
    return next(specifier, { ...context, parentURL: root });
  }
}
`;

let registered = false;

/** The package.json of the running ptlab (found upwards from this file), or undefined. */
export function ptlabPackageJson(from = fileURLToPath(import.meta.url)): string | undefined {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        if ((JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === 'ptlab') {
          return file;
        }
      } catch {
        // not a readable package.json: keep looking upwards
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** Makes `import ... from 'ptlab'` work in modules outside this package (once per process). */
export function resolvePtlabFromAnywhere(): void {
  if (registered) return;
  registered = true;
  const pkg = ptlabPackageJson();
  if (pkg === undefined || typeof register !== 'function') return;
  register(`data:text/javascript,${encodeURIComponent(HOOK)}`, {
    data: { root: pathToFileURL(pkg).href },
  });
}

/** Where the entry module (main.ts) leaves its `import()` for the code-cached bundle to use. */
export const IMPORT_HOOK = Symbol.for('ptlab.cli.import');

/**
 * Imports a user's module by URL. The CLI bundle runs as a vm.Script (code-cache.ts), where
 * `import()` has no loader unless an experimental option is given; the entry module, a real ES
 * module, lends its own.
 */
export function importUserModule(url: string): Promise<Record<string, unknown>> {
  const lent = (globalThis as Record<symbol, unknown>)[IMPORT_HOOK] as
    ((url: string) => Promise<Record<string, unknown>>) | undefined;
  return lent !== undefined ? lent(url) : (import(url) as Promise<Record<string, unknown>>);
}
