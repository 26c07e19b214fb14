// Bundles the `ptlab` CLI with esbuild and gives it a V8 code cache (src/cli/code-cache.ts):
// dist/cli/ptlab-HASH.cjs holds every command (src/cli/run.ts and what it loads) as one
// CommonJS-shaped script, dist/cli/ptlab-HASH.cache the code V8 compiled for it during a training
// run of typical commands (scripts/train-code-cache.mjs), and dist/cli/main.js, the entry, loads
// the two. HASH is the bundle's content hash, so a cache only ever meets its own bundle. Runs
// after tsc, which still emits dist/ for the library API (dist/index.js, .d.ts).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}/dist/cli`;
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
};

// The commands: one script, run by code-cache.ts inside a function that receives `require` and
// the bundle's own URL in place of import.meta.url.
const cli = await build({
  ...common,
  entryPoints: ['src/cli/run.ts'],
  outfile: `${out}/ptlab-cli.cjs`,
  format: 'cjs',
  sourcemap: 'linked',
  write: false,
  define: { 'import.meta.url': '__ptlabImportMetaUrl' },
});
const js = cli.outputFiles.find((f) => f.path.endsWith('.cjs'));
const map = cli.outputFiles.find((f) => f.path.endsWith('.map'));
const name = `ptlab-${createHash('sha256').update(js.contents).digest('hex').slice(0, 12)}`;
writeFileSync(
  `${out}/${name}.cjs`,
  js.text.replace('sourceMappingURL=ptlab-cli.cjs.map', `sourceMappingURL=${name}.cjs.map`),
);
writeFileSync(`${out}/${name}.cjs.map`, map.contents);

const train = spawnSync(
  process.execPath,
  [`${root}/scripts/train-code-cache.mjs`, `${out}/${name}.cjs`, `${out}/${name}.cache`],
  { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
);
if (train.status !== 0 || !existsSync(`${out}/${name}.cache`)) {
  console.error('build-cli: training the code cache failed; ptlab runs without it');
}

await build({
  ...common,
  entryPoints: ['src/cli/main.ts'],
  outfile: `${out}/main.js`,
  format: 'esm',
  sourcemap: 'linked',
  // tsc's main.js imports run.js when no bundle is named; the bundled entry never does.
  external: ['./run.js'],
  define: { __PTLAB_CLI_BUNDLE__: JSON.stringify(`./${name}`) },
});
chmodSync(`${out}/main.js`, 0o755);

// Last, so a ptlab started during the build finds either the old files or the new ones.
rmSync(`${out}/chunks`, { recursive: true, force: true });
for (const f of readdirSync(out)) {
  if (/^ptlab-\w+\.(cjs|cjs\.map|cache)$/.test(f) && !f.startsWith(`${name}.`))
    rmSync(`${out}/${f}`);
}
