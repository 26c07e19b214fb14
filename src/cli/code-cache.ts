// Loading the bundled CLI with V8's code cache. Node 20 caches no compiled code for ES modules
// (module.enableCompileCache came in Node 22), so every start parsed ~330 kB of bundle and
// compiled each function it called again. The CLI is therefore bundled once more as one
// CommonJS-shaped script (dist/cli/ptlab-HASH.cjs) that this module compiles with vm.Script and
// the cached data written at build time (dist/cli/ptlab-HASH.cache): V8 then skips parsing, and
// every function the build's training run compiled starts as bytecode.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';

/** What the bundle exports (src/cli/run.ts). */
export interface CliBundle {
  readonly run: (args: readonly string[]) => Promise<number>;
}

/** A loaded bundle and the compiled script behind it (for writing a cache). */
export interface LoadedBundle {
  readonly exports: CliBundle;
  readonly script: vm.Script;
  /** True when cached data was given and V8 used it. */
  readonly cacheUsed: boolean;
}

/**
 * Compiles and runs the CommonJS-shaped bundle at `file`, with the code cache at `cacheFile` when
 * there is one. V8 refuses a cache made by another V8 version or other flags (the script then
 * compiles as usual); the file names carry the bundle's content hash, so a cache never meets a
 * bundle it was not made from.
 */
export function loadBundle(path: string, cacheFile?: string): LoadedBundle {
  const file = resolve(path);
  const source = readFileSync(file, 'utf8');
  // One line of wrapper, so line numbers in stack traces stay the bundle's.
  const wrapped = `(function (exports, require, module, __filename, __dirname, __ptlabImportMetaUrl) {${source}\n})`;
  const cachedData =
    cacheFile !== undefined && existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;
  const script = new vm.Script(wrapped, {
    filename: file,
    ...(cachedData !== undefined ? { cachedData } : {}),
  });
  const module = { exports: {} as CliBundle };
  const init = script.runInThisContext() as (...args: unknown[]) => void;
  init(module.exports, createRequire(file), module, file, dirname(file), pathToFileURL(file).href);
  return {
    exports: module.exports,
    script,
    cacheUsed: cachedData !== undefined && !script.cachedDataRejected,
  };
}

/** Writes the code cache of `script` as it is now (every function compiled so far included). */
export function writeCodeCache(script: vm.Script, cacheFile: string): void {
  writeFileSync(cacheFile, script.createCachedData());
}
