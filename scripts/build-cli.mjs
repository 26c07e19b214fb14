// Bundles the `ptlab` CLI (src/cli/main.ts) with esbuild into dist/cli/main.js plus one chunk per
// lazily loaded command, so start-up reads a few files instead of ~110 modules. Runs after tsc,
// which still emits dist/ for the library API (dist/index.js, .d.ts).
import { build } from 'esbuild';
import { chmodSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(`${root}/dist/cli/chunks`, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts'],
  outdir: 'dist/cli',
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // CommonJS dependencies (commander, cli-progress) call require(): give every chunk one.
  banner: {
    js: "import { createRequire as __ptlabCreateRequire } from 'node:module'; const require = __ptlabCreateRequire(import.meta.url);",
  },
});
chmodSync(`${root}/dist/cli/main.js`, 0o755);
