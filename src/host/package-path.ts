// Files shipped with ptlab (native/, examples/), found from the package root so they resolve the
// same from src/ under Vitest, from tsc's dist/ and from the bundled dist/cli chunks.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The directory holding ptlab's package.json. */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  root = dir;
  return dir;
}

/** A path inside the package, e.g. `packagePath('native', 'ptw-oracle.c')`. */
export function packagePath(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}
