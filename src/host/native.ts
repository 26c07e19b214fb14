// The C helpers in native/ (one file each), built with the system compiler on first use and cached
// by source hash, so an edited helper is rebuilt and parallel test workers never see a partial file.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from './package-path.js';

/** A built helper, or why there is none. */
export type NativeHelper = { ok: true; binary: string } | { ok: false; reason: string };

// From the package root, not import.meta.url: the bundled CLI runs this from dist/cli/chunks/.
const NATIVE = packagePath('native');
const PROJECT = join(NATIVE, '..');
const built = new Map<string, NativeHelper>();

function findCompiler(): string | undefined {
  for (const cc of [process.env.CC, 'cc', 'gcc', 'clang']) {
    if (!cc) continue;
    try {
      execFileSync(cc, ['--version'], { stdio: 'ignore' });
      return cc;
    } catch {
      // not installed: try the next one
    }
  }
  return undefined;
}

function cacheDir(): string {
  const modules = join(PROJECT, 'node_modules');
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return existsSync(modules) ? join(modules, '.cache', 'ptlab') : join(tmpdir(), `ptlab-${uid}`);
}

function build(name: string): NativeHelper {
  if (process.platform !== 'linux') return { ok: false, reason: `not Linux (${process.platform})` };
  const source = join(NATIVE, `${name}.c`);
  if (!existsSync(source)) return { ok: false, reason: `missing ${source}` };
  const cc = findCompiler();
  if (cc === undefined) return { ok: false, reason: 'no C compiler (tried $CC, cc, gcc, clang)' };
  const text = readFileSync(source);
  const hash = createHash('sha256').update(text).update(cc).digest('hex').slice(0, 16);
  const dir = cacheDir();
  const binary = join(dir, `${name}-${hash}`);
  if (existsSync(binary)) return { ok: true, binary };
  try {
    mkdirSync(dir, { recursive: true });
    const partial = `${binary}.${process.pid}.tmp`;
    execFileSync(cc, ['-O2', '-fPIE', '-pie', '-pthread', '-o', partial, source], {
      stdio: 'pipe',
    });
    renameSync(partial, binary);
  } catch (e) {
    const detail = e instanceof Error ? e.message.split('\n').slice(0, 3).join(' ') : String(e);
    return { ok: false, reason: `${cc} could not build ${source}: ${detail}` };
  }
  return { ok: true, binary };
}

/** The helper `native/<name>.c`, built on first use. */
export function nativeHelper(name: string): NativeHelper {
  let h = built.get(name);
  if (!h) {
    h = build(name);
    built.set(name, h);
  }
  return h;
}
