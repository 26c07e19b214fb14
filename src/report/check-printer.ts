// Plain-text report of a model-checking result: a verdict line and, for a failure, the
// interleaving as a swimlane (one column per thread), the violation, the state, the replay line.

import type { CheckFail, CheckResult, CheckStats, ShrinkResult } from '../check/index.js';
import { meetsExpectation, type ExpectedVerdict } from '../paths/index.js';
import { groupDigits } from '../util/format.js';

/** Options of {@link formatCheckResult}. */
export interface CheckPrintOptions {
  /** The command that replays the failure, printed as the last line (the CLI builds it). */
  readonly replayCommand?: string;
  /**
   * Widest a thread's column in the swimlane may be, in characters; each column is as wide as its
   * longest entry up to this, longer labels are cut. Default 36.
   */
  readonly columnWidth?: number;
  /** Widest a swimlane row may be (see {@link SwimlaneOptions}). Default 100. */
  readonly width?: number;
  /** How the failure was shrunk, printed under the swimlane. */
  readonly shrink?: ShrinkResult;
  /** The verdict the scenario expects, printed with whether the result meets it. */
  readonly expected?: ExpectedVerdict;
}

/**
 * Formats a result as text: `PASS`, `BOUNDED` or `FAIL` with the program name and counters; for a
 * failure, the swimlane, the violation with its details and the state dump.
 */
export function formatCheckResult(result: CheckResult, options: CheckPrintOptions = {}): string {
  const width = options.width ?? 100;
  const lines = wrapLine(verdictLine(result), width);
  if (result.verdict === 'fail') {
    lines.push(
      '',
      ...swimlane(result, {
        ...(options.columnWidth !== undefined ? { columnWidth: options.columnWidth } : {}),
        ...(options.width !== undefined ? { width: options.width } : {}),
      }),
    );
    if (options.shrink !== undefined) lines.push(shrinkLine(options.shrink));
    lines.push('', ...violationLines(result));
    if (result.state !== undefined && result.state !== '') {
      lines.push('', 'state at the failure:', ...indent(result.state));
    }
  }
  if (options.expected !== undefined) {
    lines.push('', ...wrapLine(expectationLine(result, options.expected), width));
  }
  if (options.replayCommand !== undefined && result.verdict === 'fail') {
    lines.push('', `replay: ${options.replayCommand}`);
  }
  return lines.join('\n');
}

/**
 * Breaks a line at spaces so that no piece is wider than `width`; continuation lines are indented
 * by 9 columns, under the text after the verdict word. A single word wider than that stays whole.
 */
export function wrapLine(text: string, width: number): string[] {
  const pad = ' '.repeat(9);
  const out: string[] = [];
  let rest = text;
  while (rest.length > width) {
    let cut = rest.lastIndexOf(' ', width);
    if (cut <= pad.length) cut = rest.indexOf(' ', width);
    if (cut < 0) break;
    out.push(rest.slice(0, cut).trimEnd());
    rest = pad + rest.slice(cut).trimStart();
  }
  out.push(rest);
  return out;
}

/** `shrunk: 34 -> 19 steps, 4 -> 2 threads, 2 -> 1 preemptions (original schedule s1...)`. */
export function shrinkLine(s: ShrinkResult): string {
  const a = s.original;
  const b = s.shrunk;
  if (a.steps === b.steps && a.threads === b.threads && a.preemptions === b.preemptions) {
    return `shrinking found nothing smaller (${plural(s.executions, 'execution')} tried)`;
  }
  return (
    `shrunk: ${a.steps} -> ${b.steps} steps, ${a.threads} -> ${b.threads} threads, ` +
    `${a.preemptions} -> ${b.preemptions} preemptions (${plural(s.executions, 'execution')} tried)`
  );
}

/** `expected: FAIL use-after-free -- as expected` or `... -- NOT as expected`. */
export function expectationLine(result: CheckResult, expected: ExpectedVerdict): string {
  const want =
    expected.verdict === 'fail'
      ? `FAIL ${(expected.kinds ?? ['any violation']).join(' or ')}`
      : 'PASS (exhaustive)';
  const ok = meetsExpectation(result, expected);
  return `expected: ${want}: ${ok ? 'as expected' : 'NOT as expected'} (${expected.why})`;
}

/** The one-line verdict, e.g. `PASS  sb  exhaustive, 3 executions (dfs+dpor)  0.01 s`. */
export function verdictLine(result: CheckResult): string {
  const s = result.stats;
  const n = plural(s.executions, 'execution');
  switch (result.verdict) {
    case 'pass':
      return `PASS     ${result.program}  exhaustive: ${n}${how(s)}${time(s)}`;
    case 'bounded':
      return (
        `BOUNDED  ${result.program}  no violation in ${n}, not exhaustive ` +
        `(limits: ${result.limits.join(', ')})${how(s)}${time(s)}`
      );
    case 'fail':
      return `FAIL     ${result.program}  ${result.violation.kind} found after ${n}${how(s)}${time(s)}`;
  }
}

/** Layout of the swimlane. */
export interface SwimlaneOptions {
  /** Widest a column may be; longer labels are cut with `~`. Default 60. */
  readonly columnWidth?: number;
  /**
   * Widest a row may be, in characters: columns are narrowed (the widest first) until the rows fit,
   * but the column of the step that raised the violation keeps that step's label whole. Default 100.
   */
  readonly width?: number;
}

/**
 * The failing execution, one row per step: the step number on the left and the step's label in
 * its thread's column; `>>` marks the step that raised the violation, and a last `next` row shows
 * what each unfinished thread was about to do (blocked ones say so). Threads that took no step are
 * left out (named on a last line), except the blocked threads of a deadlock.
 */
export function swimlane(fail: CheckFail, options: number | SwimlaneOptions = {}): string[] {
  const o = typeof options === 'number' ? { columnWidth: options, width: Infinity } : options;
  const columnWidth = Math.max(o.columnWidth ?? 60, 8);
  const width = o.width ?? 100;
  const deadlock = fail.failedStep === null && fail.pending.length > 0;
  const stepped = new Set(fail.trace.map((s) => s.thread));
  const shown = fail.threads
    .map((_, t) => t)
    .filter((t) => stepped.has(t) || (deadlock && fail.pending.some((p) => p.thread === t)));
  const col = new Map(shown.map((t, i) => [t, i]));
  const n = shown.length;
  const head = shown.map((t) => `T${t} ${fail.threads[t]}`);
  const pending = new Array<string>(n).fill('');
  for (const p of fail.pending) {
    const c = col.get(p.thread);
    if (c !== undefined) pending[c] = `${p.blocked ? 'blocked: ' : 'next: '}${p.label}`;
  }
  // Each column fits its longest entry, within [8, columnWidth].
  const widths = head.map((h, c) => Math.max(h.length, pending[c].length));
  for (const s of fail.trace) {
    const c = col.get(s.thread) ?? 0;
    widths[c] = Math.max(widths[c], s.label.length);
  }
  for (let c = 0; c < n; c++) widths[c] = Math.min(Math.max(widths[c], 8), columnWidth);
  const num = Math.max(7, String(fail.trace.length).length + 3);
  const decisive = fail.failedStep !== null ? fail.trace[fail.failedStep] : undefined;
  const floor = widths.map(() => 8);
  if (decisive !== undefined) {
    const c = col.get(decisive.thread) ?? 0;
    const room = width - num - 3 * n - 8 * (n - 1);
    floor[c] = Math.min(Math.max(decisive.label.length, 8), Math.max(room, 8));
    widths[c] = Math.max(widths[c], floor[c]);
  }
  const total = (): number => num + widths.reduce((a, w) => a + w + 3, 0);
  while (total() > width) {
    let widest = -1;
    for (let c = 0; c < n; c++) {
      if (widths[c] > floor[c] && (widest < 0 || widths[c] > widths[widest])) widest = c;
    }
    if (widest < 0) break;
    widths[widest]--;
  }
  const row = (left: string, cells: readonly string[], note = '', mark = false): string => {
    const l = mark ? `>>${left.padStart(num - 2)}` : left.padStart(num);
    const text = `${l} | ${cells.map((c, i) => fit(c, widths[i])).join(' | ')}`;
    return (text.trimEnd().length + note.length <= width ? text + note : text).trimEnd();
  };
  const empty = (): string[] => new Array<string>(n).fill('');
  const out = [
    row('step', head),
    `${'-'.repeat(num)}-+-${widths.map((w) => '-'.repeat(w)).join('-+-')}`,
  ];
  for (const s of fail.trace) {
    const cells = empty();
    cells[col.get(s.thread) ?? 0] = s.label;
    const marked = s.index === fail.failedStep;
    out.push(
      row(String(s.index + 1), cells, marked ? `   <== ${fail.violation.kind}` : '', marked),
    );
  }
  if (pending.some((p) => p !== '')) {
    const mark = fail.failedStep === null;
    out.push(row('next', pending, mark ? `   <== ${fail.violation.kind}` : '', mark));
  } else if (fail.failedStep === null) {
    out.push(row('end', empty(), `   <== ${fail.violation.kind} (final check)`, true));
  }
  const hidden = fail.threads.map((name, t) => `T${t} ${name}`).filter((_, t) => !col.has(t));
  if (hidden.length > 0) out.push(`(took no step: ${hidden.join(', ')})`);
  return out;
}

function violationLines(fail: CheckFail): string[] {
  const v = fail.violation;
  const at =
    fail.failedStep !== null
      ? ` at step ${fail.failedStep + 1} (${fail.trace[fail.failedStep].threadName}: ${fail.trace[fail.failedStep].label})`
      : '';
  const lines = [`violation: ${v.kind}${at}`, ...indent(v.message)];
  const details = v.details ?? {};
  const keys = Object.keys(details);
  if (keys.length > 0) {
    const kw = Math.max(...keys.map((k) => k.length));
    for (const k of keys) {
      const [first, ...rest] = details[k].split('\n');
      lines.push(`  ${k.padEnd(kw)}  ${first}`, ...rest.map((l) => `  ${' '.repeat(kw)}  ${l}`));
    }
  }
  lines.push(`schedule: ${fail.schedule}`);
  return lines;
}

function how(s: CheckStats): string {
  const parts = [s.strategy];
  if (s.strategy.startsWith('random') || s.strategy.startsWith('pct')) parts.push(`seed ${s.seed}`);
  if (s.redundant > 0) parts.push(`${s.redundant} sleep-set blocked`);
  if (s.pruned > 0) parts.push(`${s.pruned} infeasible reversals pruned`);
  if (s.preemptionBound !== undefined) parts.push(`preemption bound ${s.preemptionBound}`);
  parts.push(`max depth ${s.maxDepth}`);
  return `  (${parts.join(', ')})`;
}

function time(s: CheckStats): string {
  return s.elapsedMs === undefined ? '' : `  ${(s.elapsedMs / 1000).toFixed(2)} s`;
}

function plural(n: number, word: string): string {
  return `${groupDigits(n)} ${word}${n === 1 ? '' : 's'}`;
}

function fit(text: string, w: number): string {
  return text.length > w ? `${text.slice(0, w - 1)}~` : text.padEnd(w);
}

function indent(text: string): string[] {
  return text.split('\n').map((l) => `  ${l}`);
}
