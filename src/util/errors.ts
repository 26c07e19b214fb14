// User errors (bad workload, bad option): printed by the CLI with exit status 2, never a stack trace.

/** Where in a user's input something went wrong; `line` and `col` are 1-based. */
export interface SourcePos {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** Kernel errno names a workload error can carry, as the kernel would return them. */
export type Errno =
  'EINVAL' | 'ENOMEM' | 'EEXIST' | 'EACCES' | 'EPERM' | 'EFAULT' | 'SIGSEGV' | 'SIGBUS';

/** The kinds of user error; literal codes so callers and tests can match on them. */
export type UsageErrorCode =
  | 'parse' // the text of a workload or scenario is malformed
  | 'unknown-name' // a mapping, option value, scenario or variant that does not exist
  | 'errno' // the simulated kernel refused the operation (see `errno`)
  | 'option' // a command-line option is wrong
  | 'io' // a file could not be read or written
  | 'scenario' // a user's scenario module failed in its own code (build() threw, a typo in a thread)
  | 'host' // the host cannot do what was asked (no /proc, no compiler)
  | 'unsupported'; // a case the simulator does not model (refused before it runs)

/** A user error: category first, then cause, then a hint (style E4). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    readonly code: UsageErrorCode,
    message: string,
    readonly where?: SourcePos,
    readonly errno?: Errno,
  ) {
    super(message);
  }

  /** `file:line:col: message`, the form compilers use, so editors can jump to it. */
  format(): string {
    const at = this.where ? `${this.where.file}:${this.where.line}:${this.where.col}: ` : '';
    return `${at}${this.errno ? `${this.errno}: ` : ''}${printable(this.message)}`;
  }
}

/**
 * Escapes control characters (a binary file's bytes, a terminal escape sequence in a label) so a
 * message never garbles the terminal: ESC becomes `\x1b`.
 */
export function printable(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    const control = (c < 0x20 && ch !== '\t' && ch !== '\n') || (c >= 0x7f && c <= 0x9f);
    out += control ? `\\x${c.toString(16).padStart(2, '0')}` : ch;
  }
  return out;
}
