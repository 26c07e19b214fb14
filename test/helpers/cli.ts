// Runs the built `ptlab` CLI as a user would (node dist/cli/main.js), building it first if needed.
// The build is serialised across vitest workers with a lock directory.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;
const MAIN = join(ROOT, 'dist/cli/main.js');
const LOCK = join(ROOT, 'node_modules/.cache/ptlab-build.lock');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function upToDate(): boolean {
  try {
    return statSync(MAIN).mtimeMs >= newestMtime(join(ROOT, 'src'));
  } catch {
    return false;
  }
}

/** Builds dist/ (tsc, then the CLI bundle) when any source file is newer than the entry point. */
export function ensureBuilt(): void {
  if (upToDate()) return;
  mkdirSync(join(ROOT, 'node_modules/.cache'), { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error('timed out waiting for another build');
      execFileSync('sleep', ['0.2']);
    }
  }
  try {
    if (!upToDate()) {
      const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
      execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], {
        stdio: 'pipe',
      });
      // The CLI runs from the esbuild bundle (scripts/build-cli.mjs), as `npm run build` makes it.
      execFileSync(process.execPath, [join(ROOT, 'scripts/build-cli.mjs')], { stdio: 'pipe' });
    }
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** What a CLI run printed and how it exited. */
export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link ptlab}. */
export interface CliOptions {
  /** Extra environment variables (NO_COLOR=1 is set unless overridden). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Kill the run after this many ms (default: no limit). */
  readonly timeoutMs?: number;
}

/** Runs `ptlab ARGS...` in the repository root. */
export function ptlab(args: readonly string[], input?: string, options: CliOptions = {}): CliRun {
  ensureBuilt();
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, NO_COLOR: '1', ...options.env })) {
    if (v !== undefined) env[k] = v; // an undefined value removes the variable
  }
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    input: input ?? '',
    env,
    maxBuffer: 1 << 30,
    ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The built entry point, for tests that spawn it themselves (pipes, shells). */
export const PTLAB_MAIN = MAIN;

/** The repository root, for paths to examples and fixtures. */
export const REPO_ROOT = ROOT;
