// Input and output of the CLI: bounded reads of user files (`-` is stdin), writes to stdout and
// stderr that end quietly on a closed pipe and in one line on a full disk, and JSON documents.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { UsageError } from '../util/errors.js';

/** Largest input file ptlab reads (bytes); beyond it the read stops with a user error. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a path component is not a directory',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error',
  EFBIG: 'file too large',
};

/** A short reason for a failed file operation, e.g. `no such file (ENOENT)`. */
export function ioReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
  const text = ERRNO_TEXT[code];
  return text === undefined ? code : `${text} (${code})`;
}

/**
 * Reads a user's file (or stdin for `-`) as UTF-8, without a leading byte-order mark. Reads at most
 * `limit` bytes: a larger input (or an endless one such as /dev/zero) is a user error, raised as
 * soon as the limit is passed, never after reading it all.
 */
export function readUserFile(path: string, limit = MAX_INPUT_BYTES): string {
  const name = path === '-' ? 'stdin' : `'${path}'`;
  let fd: number;
  try {
    fd = path === '-' ? 0 : openSync(path, 'r');
  } catch (e) {
    throw new UsageError('io', `cannot read ${name}: ${ioReason(e)}`);
  }
  const tooBig = (): UsageError =>
    new UsageError(
      'io',
      `${name} is larger than the ${limit / 1024 / 1024} MiB input limit: a workload is a short text file`,
    );
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new UsageError('io', `cannot read ${name}: is a directory`);
    if (st.isFile() && st.size > limit) throw tooBig();
    const chunks: Buffer[] = [];
    let total = 0;
    const chunk = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') continue; // a non-blocking stdin: wait for more
        if (code === 'EOF') break;
        throw new UsageError('io', `cannot read ${name}: ${ioReason(e)}`);
      }
      if (n === 0) break;
      total += n;
      if (total > limit) throw tooBig();
      chunks.push(Buffer.from(chunk.subarray(0, n)));
    }
    const text = Buffer.concat(chunks, total).toString('utf8');
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } finally {
    if (fd !== 0) closeSync(fd);
  }
}

let guarded = false;

/**
 * Makes stdout and stderr failures end the process the way users expect: a closed pipe
 * (`ptlab sim w.ptw | head -1`) ends quietly with the status decided so far; any other write error
 * (a full disk, `> /dev/full`) prints one line and exits 2.
 */
export function installStreamGuards(): void {
  if (guarded) return;
  guarded = true;
  const onError =
    (stream: 'stdout' | 'stderr') =>
    (e: NodeJS.ErrnoException): void => {
      if (e.code === 'EPIPE') {
        process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
      }
      if (stream === 'stdout') {
        try {
          process.stderr.write(`ptlab: cannot write the output: ${ioReason(e)}\n`);
        } catch {
          // stderr is gone too: the exit status still says it
        }
      }
      process.exit(2);
    };
  process.stdout.on('error', onError('stdout'));
  process.stderr.on('error', onError('stderr'));
}

/** Writes text to stdout, adding a final newline when missing. */
export function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Writes lines to stdout in chunks of about 64 KiB, so huge outputs never build one string. */
export function outLines(lines: Iterable<string>): void {
  let buf = '';
  for (const line of lines) {
    buf += `${line}\n`;
    if (buf.length >= 65536) {
      process.stdout.write(buf);
      buf = '';
    }
  }
  if (buf !== '') process.stdout.write(buf);
}

/** Writes a JSON document (pretty, 2 spaces) to stdout. */
export function outJson(value: unknown): void {
  out(JSON.stringify(value, null, 2));
}

/** Writes a line to stderr. */
export function err(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}
