// File and stream helpers for the CLI: the only place (with src/cli/*) that touches node:fs.

import { readFileSync } from 'node:fs';
import { UsageError } from '../util/errors.js';

/** Reads a user's file as UTF-8, turning I/O failures into a {@link UsageError}. */
export function readUserFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : code;
    throw new UsageError('io', `cannot read '${path}': ${why}`);
  }
}

/** Writes text to stdout, adding a final newline when missing. */
export function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Writes a line to stderr. */
export function err(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}
