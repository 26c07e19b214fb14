// Parser of the `.ptw` workload format (issue #3 section 2, docs/workload-format.md): text in, a
// validated `Workload` out, or a UsageError naming the exact offending token.

import { UsageError } from '../util/errors.js';
import type { SourcePos } from '../util/errors.js';
import type { Advice, BrkOp, MremapOp, Prot, Workload, WorkloadOp } from './types.js';
import { MAIN_PROCESS } from './types.js';
import { didYouMean, lexLines, posOf } from './lex.js';
import type { Line, Token } from './lex.js';
import { parseNumber } from './numbers.js';
import { expandRepeats } from './repeat.js';
import type { Stmt } from './repeat.js';

/** Operation keywords, in the order the format documents them. */
export const OPERATIONS = [
  'map',
  'touch',
  'madvise',
  'munmap',
  'mprotect',
  'mlock',
  'munlock',
  'mlockall',
  'munlockall',
  'mremap',
  'brk',
  'file',
  'report',
  'pressure',
  'fork',
  'exit',
  'repeat',
  'end',
] as const;

/** Protection names accepted by `prot=` and `mprotect`. */
export const PROTS: readonly Prot[] = ['none', 'r', 'rw', 'rx', 'rwx'];

/** Advice names accepted by `madvise`. */
export const ADVICES: readonly Advice[] = [
  'dontneed',
  'dontneed_locked',
  'free',
  'pageout',
  'cold',
  'willneed',
  'hugepage',
  'nohugepage',
  'populate_read',
  'populate_write',
  'remove',
  'guard_install',
  'guard_remove',
  'collapse',
  'dontfork',
  'dofork',
  'wipeonfork',
  'keeponfork',
];

/** Flags of `mlockall`, by their `MCL_*` bit. */
export const MLOCKALL_FLAGS: Readonly<Record<string, number>> = {
  current: 1,
  future: 2,
  onfault: 4,
};

const USAGE: Readonly<Record<string, string>> = {
  file: 'file NAME SIZE [memfd|disk [chunk=4K|64K]]',
  map: 'map NAME SIZE [at=ADDR] [prot=none|r|rw|rx|rwx] [shared] [file=F] [off=OFF] [fixed] [populate] [locked] [noreserve]',
  touch: 'touch NAME +OFF LEN [stride=SIZE] [read]',
  madvise: `madvise NAME +OFF LEN ADVICE`,
  munmap: 'munmap NAME +OFF LEN',
  mprotect: 'mprotect NAME +OFF LEN PROT',
  mlock: 'mlock NAME +OFF LEN [onfault]',
  munlock: 'munlock NAME +OFF LEN',
  mlockall: 'mlockall [current] [future] [onfault]',
  munlockall: 'munlockall',
  brk: 'brk SIZE|+SIZE|-SIZE [at=ADDR]',
  mremap: 'mremap NAME +OFF OLDLEN NEWLEN [maymove] [fixed] [dontunmap] [at=ADDR] [as=NEW]',
  report: 'report LABEL',
  pressure: 'pressure',
  fork: 'fork NAME',
  exit: 'exit NAME',
  repeat: 'repeat COUNT [shift=SIZE]',
  end: 'end',
};

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Reads the tokens of one line left to right, throwing positioned errors. */
class LineReader {
  private next = 1;
  readonly argPos: Record<string, SourcePos> = {};

  constructor(
    readonly file: string,
    readonly line: Line,
    readonly op: string,
  ) {}

  pos(token: Token): SourcePos {
    return posOf(this.file, this.line.line, token.col);
  }

  fail(token: Token | undefined, message: string): never {
    const col = token ? token.col : this.line.endCol;
    throw new UsageError('parse', message, posOf(this.file, this.line.line, col));
  }

  /** The next positional token, recorded in `argPos` under `key`; `key=value` ends positionals. */
  positional(key: string, what: string, opts: { anyText?: boolean } = {}): Token {
    const token = this.line.tokens[this.next];
    if (token === undefined || (!opts.anyText && token.text.includes('='))) {
      this.fail(token, `missing ${what} (usage: ${USAGE[this.op]})`);
    }
    this.next++;
    this.argPos[key] = this.pos(token);
    return token;
  }

  name(): string {
    const token = this.positional('name', 'NAME');
    if (!NAME.test(token.text)) {
      this.fail(
        token,
        `bad mapping name '${token.text}' (expected a letter or _ then letters, digits, _ . -)`,
      );
    }
    return token.text;
  }

  number(key: string, what: string, token = this.positional(key, what)): bigint {
    const text = token.text.slice(token.text.indexOf('=') + 1);
    const parsed = parseNumber(text);
    if (!parsed.ok) {
      const why =
        parsed.why === 'range'
          ? 'does not fit in 64 bits'
          : 'expected decimal or 0x hex with an optional K, M, G or T suffix';
      this.fail(token, `bad ${what} '${text}' (${why})`);
    }
    return parsed.value;
  }

  offset(): bigint {
    const token = this.positional('offset', '+OFF');
    // -OFF reaches below the start: a stack (map … growsdown) grows there.
    if (!token.text.startsWith('+') && !token.text.startsWith('-')) {
      this.fail(
        token,
        `bad offset '${token.text}' (expected +OFF from the mapping start, e.g. +0 or +2M, or -OFF below it)`,
      );
    }
    const n = this.number('offset', 'offset', { text: token.text.slice(1), col: token.col });
    return token.text.startsWith('-') ? -n : n;
  }

  word<T extends string>(key: string, what: string, allowed: readonly T[], token?: Token): T {
    const tok = token ?? this.positional(key, key.toUpperCase());
    const text = tok.text.slice(tok.text.indexOf('=') + 1);
    if (!(allowed as readonly string[]).includes(text)) {
      throw new UsageError(
        'unknown-name',
        `unknown ${what} '${text}' (expected one of: ${allowed.join(', ')})${didYouMean(text, allowed)}`,
        this.pos(tok),
      );
    }
    return text as T;
  }

  /** The remaining tokens as `key=value` options and bare flags; each at most once. */
  options(keys: readonly string[], flags: readonly string[] = []): Map<string, Token> {
    const found = new Map<string, Token>();
    for (; this.next < this.line.tokens.length; this.next++) {
      const token = this.line.tokens[this.next];
      const eq = token.text.indexOf('=');
      const key = eq < 0 ? token.text : token.text.slice(0, eq);
      const known = eq < 0 ? flags.includes(key) : keys.includes(key);
      if (!known) {
        const expected = [...keys.map((k) => `${k}=`), ...flags];
        const hint = expected.length ? `expected ${expected.join(', ')}` : 'nothing expected';
        const what = eq < 0 ? 'argument' : 'option';
        this.fail(token, `unexpected ${what} '${token.text}' (${hint}; usage: ${USAGE[this.op]})`);
      }
      if (found.has(key)) this.fail(token, `duplicate option '${key}' (given twice on this line)`);
      found.set(key, token);
      this.argPos[key] = this.pos(token);
    }
    return found;
  }
}

function parseOp(file: string, line: Line, keyword: Token): WorkloadOp {
  const r = new LineReader(file, line, keyword.text);
  const pos = r.pos(keyword);
  const argPos = r.argPos;
  switch (keyword.text) {
    case 'map': {
      const name = r.name();
      const size = r.number('size', 'SIZE');
      const opts = r.options(
        ['at', 'prot', 'file', 'off'],
        ['fixed', 'populate', 'locked', 'shared', 'noreserve', 'growsdown'],
      );
      const atTok = opts.get('at');
      const protTok = opts.get('prot');
      const at = atTok ? r.number('at', 'address', atTok) : undefined;
      const prot = protTok ? r.word('prot', 'protection', PROTS, protTok) : 'rw';
      const fixed = opts.has('fixed');
      if (fixed && at === undefined) {
        r.fail(opts.get('fixed'), `'fixed' needs at=ADDR (MAP_FIXED maps exactly there)`);
      }
      const populate = opts.has('populate');
      const locked = opts.has('locked');
      const shared = opts.has('shared');
      const fileTok = opts.get('file');
      const file = fileTok ? fileTok.text.slice('file='.length) : undefined;
      if (file !== undefined && !NAME.test(file)) {
        r.fail(
          fileTok,
          `bad file name '${file}' (expected a letter or _ then letters, digits, _ . -)`,
        );
      }
      const offTok = opts.get('off');
      const off = offTok ? r.number('off', 'offset', offTok) : 0n;
      if (offTok && file === undefined) {
        r.fail(offTok, `'off=' needs file=F (an offset into the mapped file)`);
      }
      const noreserve = opts.has('noreserve');
      const growsdown = opts.has('growsdown');
      return {
        kind: 'map',
        pos,
        argPos,
        name,
        size,
        at,
        prot,
        fixed,
        populate,
        locked,
        noreserve,
        growsdown,
        shared,
        file,
        off,
      };
    }
    case 'file': {
      const file = r.name();
      const size = r.number('size', 'SIZE');
      const kinds = r.options(['chunk'], ['memfd', 'disk']);
      const memfd = kinds.has('memfd');
      const disk = kinds.get('disk');
      if (memfd && disk) {
        r.fail(
          disk,
          `'memfd' and 'disk' exclude each other (a memfd lives in memory, not on a disk)`,
        );
      }
      const chunkTok = kinds.get('chunk');
      let chunkKb = 4;
      if (chunkTok) {
        const v = chunkTok.text.slice('chunk='.length);
        if (!disk) r.fail(chunkTok, `'chunk=' is for 'disk' files (how they were written)`);
        if (v !== '4K' && v !== '64K') {
          r.fail(
            chunkTok,
            `chunk must be 4K or 64K (2M writes make PMD-sized page-cache folios, not modelled)`,
          );
        }
        chunkKb = v === '64K' ? 64 : 4;
        if (size % BigInt(chunkKb * 1024) !== 0n) {
          r.fail(chunkTok, `a file written in ${v} chunks must be a multiple of ${v} long`);
        }
      }
      return {
        kind: 'file',
        pos,
        argPos,
        file,
        size,
        memfd,
        disk: disk !== undefined,
        ...(chunkKb === 64 ? { chunkKb } : {}),
      };
    }
    case 'touch': {
      const name = r.name();
      const offset = r.offset();
      const len = r.number('len', 'LEN');
      const opts = r.options(['stride'], ['read']);
      const strideTok = opts.get('stride');
      const stride = strideTok ? r.number('stride', 'stride', strideTok) : undefined;
      if (stride === 0n) r.fail(strideTok, `bad stride '0' (a touch needs a positive stride)`);
      return { kind: 'touch', pos, argPos, name, offset, len, stride, write: !opts.has('read') };
    }
    case 'madvise': {
      const name = r.name();
      const offset = r.offset();
      const len = r.number('len', 'LEN');
      const advice = r.word('advice', 'advice', ADVICES);
      r.options([]);
      return { kind: 'madvise', pos, argPos, name, offset, len, advice };
    }
    case 'munmap': {
      const name = r.name();
      const offset = r.offset();
      const len = r.number('len', 'LEN');
      r.options([]);
      return { kind: 'munmap', pos, argPos, name, offset, len };
    }
    case 'mprotect': {
      const name = r.name();
      const offset = r.offset();
      const len = r.number('len', 'LEN');
      const prot = r.word('prot', 'protection', PROTS);
      r.options([]);
      return { kind: 'mprotect', pos, argPos, name, offset, len, prot };
    }
    case 'mlock': {
      const name = r.name();
      const offset = r.offset();
      const len = r.number('len', 'LEN');
      const onfault = r.options([], ['onfault']).has('onfault');
      return { kind: 'mlock', pos, argPos, name, offset, len, onfault };
    }
    case 'munlock': {
      const name = r.name();
      const offset = r.offset();
      const len = r.number('len', 'LEN');
      r.options([]);
      return { kind: 'munlock', pos, argPos, name, offset, len };
    }
    case 'mlockall': {
      let flags = 0;
      for (const key of r.options([], Object.keys(MLOCKALL_FLAGS)).keys()) {
        flags |= MLOCKALL_FLAGS[key];
      }
      return { kind: 'mlockall', pos, argPos, flags };
    }
    case 'munlockall':
      r.options([]);
      return { kind: 'mlockall', pos, argPos, flags: 0 };
    case 'report': {
      const label = r.positional('label', 'LABEL', { anyText: true }).text;
      r.options([]);
      return { kind: 'report', pos, argPos, label };
    }
    case 'pressure':
      r.options([]);
      return { kind: 'pressure', pos, argPos };
    case 'mremap':
      return parseMremap(r, pos);
    case 'brk':
      return parseBrk(r, pos);
    case 'fork':
    case 'exit': {
      const child = r.name();
      r.options([]);
      return { kind: keyword.text, pos, argPos, child };
    }
    default:
      throw new UsageError(
        'parse',
        `unknown operation '${keyword.text}' (expected one of: ${OPERATIONS.join(', ')})` +
          didYouMean(keyword.text, OPERATIONS),
        pos,
      );
  }
}

/** `mremap NAME +OFF OLDLEN NEWLEN [maymove] [fixed] [dontunmap] [at=ADDR] [as=NEW]`. */
function parseMremap(r: LineReader, pos: SourcePos): MremapOp {
  const name = r.name();
  const offset = r.offset();
  const oldLen = r.number('oldLen', 'OLDLEN');
  const newLen = r.number('newLen', 'NEWLEN');
  const opts = r.options(['at', 'as'], ['maymove', 'fixed', 'dontunmap']);
  const atTok = opts.get('at');
  const at = atTok ? r.number('at', 'address', atTok) : undefined;
  const fixed = opts.has('fixed');
  if (fixed && at === undefined) {
    r.fail(opts.get('fixed'), `'fixed' needs at=ADDR (MREMAP_FIXED moves exactly there)`);
  }
  const asTok = opts.get('as');
  const as = asTok ? asTok.text.slice('as='.length) : undefined;
  if (as !== undefined && !NAME.test(as)) {
    r.fail(asTok, `bad mapping name '${as}' (expected a letter or _ then letters, digits, _ . -)`);
  }
  return {
    kind: 'mremap',
    pos,
    argPos: r.argPos,
    name,
    offset,
    oldLen,
    newLen,
    maymove: opts.has('maymove'),
    fixed,
    dontunmap: opts.has('dontunmap'),
    at,
    as,
  };
}

/** `brk SIZE|+SIZE|-SIZE [at=ADDR]`: the break set to start_brk + SIZE, or moved by ±SIZE. */
function parseBrk(r: LineReader, pos: SourcePos): BrkOp {
  const token = r.positional('size', 'SIZE');
  const sign = token.text[0];
  const rel = sign === '+' || sign === '-';
  const size = r.number(
    'size',
    'SIZE',
    rel ? { text: token.text.slice(1), col: token.col } : token,
  );
  const atTok = r.options(['at']).get('at');
  const at = atTok ? r.number('at', 'address', atTok) : undefined;
  const mode = sign === '+' ? 'grow' : sign === '-' ? 'shrink' : 'set';
  return { kind: 'brk', pos, argPos: r.argPos, mode, size, at };
}

/** Why an op takes no `@process`. */
const PROCESS_WIDE: Readonly<Record<string, string>> = {
  file: 'files are created by main; children inherit the ones created before they were forked',
  pressure: "reclaim runs over every process's memory at once",
  exit: 'exit NAME ends process NAME',
};

/** A line without its leading `@NAME` token, and that name (undefined when absent). */
function splitProcess(file: string, line: Line): { line: Line; proc: string | undefined } {
  const first = line.tokens[0];
  if (!first.text.startsWith('@')) return { line, proc: undefined };
  const proc = first.text.slice(1);
  const pos = posOf(file, line.line, first.col);
  if (!NAME.test(proc)) {
    throw new UsageError(
      'parse',
      `bad process name '${first.text}' (expected @ then a letter or _ then letters, digits, _ . -)`,
      pos,
    );
  }
  if (line.tokens.length < 2) {
    throw new UsageError('parse', `missing operation after '${first.text}'`, pos);
  }
  return { line: { ...line, tokens: line.tokens.slice(1) }, proc };
}

/** Builds the statement tree: `repeat ... end` blocks nest, everything else is one op. */
function parseStatements(file: string, text: string): Stmt[] {
  const top: Stmt[] = [];
  const open: { body: Stmt[]; pos: SourcePos }[] = [];
  let body = top;
  for (const full of lexLines(text)) {
    const { line, proc } = splitProcess(file, full);
    const keyword = line.tokens[0];
    const pos = posOf(file, line.line, keyword.col);
    if (
      proc !== undefined &&
      ['repeat', 'end', 'file', 'pressure', 'exit'].includes(keyword.text)
    ) {
      throw new UsageError(
        'parse',
        `'${keyword.text}' takes no @process (${PROCESS_WIDE[keyword.text] ?? 'it is not an op of one process'})`,
        posOf(file, full.line, full.tokens[0].col),
      );
    }
    if (keyword.text === 'repeat') {
      const r = new LineReader(file, line, 'repeat');
      const countTok = r.positional('count', 'COUNT');
      const count = r.number('count', 'repeat count', countTok);
      const shiftTok = r.options(['shift']).get('shift');
      const shift = shiftTok ? r.number('shift', 'shift', shiftTok) : 0n;
      const stmt: Stmt = { kind: 'repeat', pos, count, shift, body: [] };
      body.push(stmt);
      open.push({ body, pos });
      body = stmt.body;
    } else if (keyword.text === 'end') {
      new LineReader(file, line, 'end').options([]);
      const outer = open.pop();
      if (outer === undefined) throw new UsageError('parse', `'end' without 'repeat'`, pos);
      body = outer.body;
    } else {
      const parsed = parseOp(file, line, keyword);
      const op = proc === undefined ? parsed : { ...parsed, proc };
      if ((op.kind === 'fork' || op.kind === 'exit') && open.length > 0) {
        throw new UsageError(
          'parse',
          `${op.kind} inside repeat (every iteration would ${op.kind} '${op.child}' again)`,
          pos,
        );
      }
      if (op.kind === 'map' && open.length > 0) {
        throw new UsageError(
          'parse',
          `map inside repeat (every iteration would map '${op.name}' again; map it before the repeat)`,
          pos,
        );
      }
      if (op.kind === 'file' && open.length > 0) {
        throw new UsageError(
          'parse',
          `file inside repeat (every iteration would create '${op.file}' again; create it before the repeat)`,
          pos,
        );
      }
      body.push({ kind: 'op', op });
    }
  }
  const unclosed = open.pop();
  if (unclosed !== undefined) {
    throw new UsageError(
      'parse',
      `unterminated repeat (expected 'end' before the end of the file)`,
      unclosed.pos,
    );
  }
  return top;
}

/** Checks that every name is mapped once, before it is used; the same for file names. */
function checkNames(ops: readonly WorkloadOp[]): void {
  const mapped = new Map<string, WorkloadOp>();
  const files = new Map<string, WorkloadOp>();
  for (const op of ops) {
    if (op.kind === 'file') {
      const first = files.get(op.file);
      if (first !== undefined) {
        throw new UsageError(
          'parse',
          `duplicate file name '${op.file}' (first created at line ${first.pos.line}; use a new name)`,
          op.argPos.name,
        );
      }
      files.set(op.file, op);
      continue;
    }
    if (op.kind === 'map' && op.file !== undefined && !files.has(op.file)) {
      const known = [...files.keys()];
      const list = known.length ? `created so far: ${known.join(', ')}` : 'no file is created yet';
      throw new UsageError(
        'unknown-name',
        `unknown file '${op.file}' (${list}; create it first with 'file ${op.file} SIZE')${didYouMean(op.file, known)}`,
        op.argPos.file,
      );
    }
    if (op.kind === 'map') {
      const first = mapped.get(op.name);
      if (first !== undefined) {
        throw new UsageError(
          'parse',
          `duplicate mapping name '${op.name}' (first mapped at line ${first.pos.line}; use a new name)`,
          op.argPos.name,
        );
      }
      mapped.set(op.name, op);
    } else if ('name' in op && !mapped.has(op.name)) {
      const known = [...mapped.keys()];
      const list = known.length ? `mapped so far: ${known.join(', ')}` : 'nothing is mapped yet';
      throw new UsageError(
        'unknown-name',
        `unknown mapping '${op.name}' (${list})${didYouMean(op.name, known)}`,
        op.argPos.name,
      );
    }
    if (op.kind === 'mremap' && op.as !== undefined) defineResultName(op, mapped);
    if (op.kind === 'brk' && !mapped.has(HEAP_NAME)) mapped.set(HEAP_NAME, op);
  }
}

/** The name a workload's first `brk` gives the heap (offsets from start_brk). */
export const HEAP_NAME = 'heap';

/** `mremap … as=NEW` maps NEW like a `map` would: once, before it is used. */
function defineResultName(op: MremapOp, mapped: Map<string, WorkloadOp>): void {
  const name = op.as as string;
  const first = mapped.get(name);
  if (first !== undefined) {
    throw new UsageError(
      'parse',
      `duplicate mapping name '${name}' (first mapped at line ${first.pos.line}; use a new name)`,
      op.argPos.as,
    );
  }
  mapped.set(name, op);
}

/**
 * Parses `.ptw` text; `file` names the source in positions. Throws a UsageError (code `parse` or
 * `unknown-name`) positioned at the offending token.
 *
 * @example parseWorkload('map a 2M at=1G\ntouch a +0 2M\nreport t', 'x.ptw').ops.length // 3
 */
export function parseWorkload(text: string, file: string): Workload {
  const ops = expandRepeats(parseStatements(file, text));
  checkNames(ops);
  checkProcesses(ops);
  return { file, ops };
}

/**
 * Checks the processes: an `@NAME` op runs in a live process (forked, not exited), `fork` names a
 * new one, `exit` a live one other than main, and a process maps only files it has a descriptor
 * of (created by main before the process, or its first ancestor below main, was forked).
 */
function checkProcesses(ops: readonly WorkloadOp[]): void {
  const files = new Map<string, Set<string>>([[MAIN_PROCESS, new Set()]]);
  const ended = new Set<string>();
  const where = (op: WorkloadOp): SourcePos => op.argPos.child ?? op.pos;
  for (const op of ops) {
    const proc = op.proc ?? MAIN_PROCESS;
    const mine = files.get(proc);
    if (mine === undefined) {
      const live = [...files.keys()];
      throw new UsageError(
        'unknown-name',
        `unknown process '@${proc}' (${ended.has(proc) ? 'it has exited' : `live processes: ${live.join(', ')}`})${didYouMean(proc, live)}`,
        op.pos,
      );
    }
    if (op.kind === 'file') mine.add(op.file);
    else if (op.kind === 'map' && op.file !== undefined && !mine.has(op.file)) {
      throw new UsageError(
        'parse',
        `process '${proc}' has no descriptor of file '${op.file}' (it was created after '${proc}' was forked)`,
        op.argPos.file,
      );
    } else if (op.kind === 'fork') {
      if (files.has(op.child) || ended.has(op.child)) {
        throw new UsageError(
          'parse',
          `duplicate process name '${op.child}' (every fork needs a new name; main is the parent)`,
          where(op),
        );
      }
      files.set(op.child, new Set(mine));
    } else if (op.kind === 'exit') {
      if (op.child === MAIN_PROCESS) {
        throw new UsageError('parse', `main cannot exit (it runs the workload)`, where(op));
      }
      if (!files.delete(op.child)) {
        const live = [...files.keys()].filter((n) => n !== MAIN_PROCESS);
        throw new UsageError(
          'unknown-name',
          `unknown process '${op.child}' (${ended.has(op.child) ? 'it has exited already' : live.length ? `live children: ${live.join(', ')}` : 'no child is live'})`,
          where(op),
        );
      }
      ended.add(op.child);
    }
  }
}
