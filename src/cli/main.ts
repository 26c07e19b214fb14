#!/usr/bin/env node
// Entry point of the `ptlab` command. Kept tiny so start-up stays close to bare Node: `--version`
// is answered here; everything else loads the CLI bundle with its V8 code cache (code-cache.ts)
// and runs the command.

import { fileURLToPath } from 'node:url';
import { loadBundle, type CliBundle } from './code-cache.js';
import { IMPORT_HOOK } from './scenario-loader.js';
import { VERSION } from './version.js';

// The bundle's file name without extension (`ptlab-HASH`), set by scripts/build-cli.mjs; absent in
// tsc's own output, which then imports run.js as a module.
declare const __PTLAB_CLI_BUNDLE__: string | undefined;

const args = process.argv.slice(2);
if (args.length === 1 && args[0] === '--version') {
  process.stdout.write(`${VERSION}\n`);
} else {
  const { run } = await loadCli();
  process.exitCode = await run(args);
}

async function loadCli(): Promise<CliBundle> {
  if (typeof __PTLAB_CLI_BUNDLE__ !== 'string') return import('./run.js');
  // import() inside a vm.Script needs an experimental loader option (and loses it with cached
  // code): the bundle imports users' scenario modules through this module's import() instead.
  (globalThis as Record<symbol, unknown>)[IMPORT_HOOK] = (url: string) => import(url);
  const base = fileURLToPath(new URL(__PTLAB_CLI_BUNDLE__, import.meta.url));
  return loadBundle(`${base}.cjs`, `${base}.cache`).exports;
}
