// Plain-text report of a model-checking result: a verdict line and, for a failure, the
// interleaving as a swimlane (one column per thread), the violation, the state, the replay line.

import type { CheckFail, CheckResult, CheckStats } from '../check/index.js';

/** Options of {@link formatCheckResult}. */
export interface CheckPrintOptions {
  /** The command that replays the failure, printed as the last line (the CLI builds it). */
  readonly replayCommand?: string;
  /**
   * Widest a thread's column in the swimlane may be, in characters; each column is as wide as its
   * longest entry up to this, longer labels are cut. Default 36.
   */
  readonly columnWidth?: number;
  /**
   * Widest a swimlane line may be (default: no limit): the widest columns are narrowed first (to
   * 8 at least), and the `<==` note of the failing step moves to its own line when it does not fit.
   */
  readonly width?: number;
}

/**
 * Formats a result as text: `PASS`, `BOUNDED` or `FAIL` with the program name and counters; for a
 * failure, the swimlane, the violation with its details and the state dump.
 */
export function formatCheckResult(result: CheckResult, options: CheckPrintOptions = {}): string {
  const lines = [wrapParts(verdictLine(result), options.width ?? Infinity)];
  if (result.verdict === 'fail') {
    lines.push(
      '',
      ...swimlane(result, options.columnWidth ?? 36, options.width),
      '',
      ...violationLines(result),
    );
    if (result.state !== undefined && result.state !== '') {
      lines.push('', 'state at the failure:', ...indent(result.state));
    }
  }
  if (options.replayCommand !== undefined && result.verdict === 'fail') {
    lines.push('', `replay: ${options.replayCommand}`);
  }
  return lines.join('\n');
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

/**
 * The failing execution, one row per step: the step number on the left and the step's label in
 * its thread's column; `>>` marks the step that raised the violation, and a last `next` row shows
 * what each unfinished thread was about to do (blocked ones say so).
 */
export function swimlane(fail: CheckFail, columnWidth = 36, width = Infinity): string[] {
  const n = fail.threads.length;
  const head = fail.threads.map((t, i) => `T${i} ${t}`);
  const pending = new Array<string>(n).fill('');
  for (const p of fail.pending)
    pending[p.thread] = `${p.blocked ? 'blocked: ' : 'next: '}${p.label}`;
  // Each column fits its longest entry, within [8, columnWidth].
  const widths = head.map((h, t) => Math.max(h.length, pending[t].length));
  for (const s of fail.trace) widths[s.thread] = Math.max(widths[s.thread], s.label.length);
  for (let t = 0; t < n; t++)
    widths[t] = Math.min(Math.max(widths[t], 8), Math.max(columnWidth, 8));
  const num = Math.max(7, String(fail.trace.length).length + 3);
  const total = (): number => num + widths.reduce((a, b) => a + b + 3, 0);
  while (total() > width) {
    let widest = 0;
    for (let t = 1; t < n; t++) if (widths[t] > widths[widest]) widest = t;
    if (widths[widest] <= 8) break;
    widths[widest]--;
  }
  const row = (left: string, cells: readonly string[], note = '', mark = false): string => {
    const l = mark ? `>>${left.padStart(num - 2)}` : left.padStart(num);
    const body = `${l} | ${cells.map((c, t) => fit(c, widths[t])).join(' | ')}`.trimEnd();
    if (note !== '' && body.length + note.length > width) {
      return `${body}\n${' '.repeat(num)} |${note}`;
    }
    return `${body}${note}`;
  };
  const empty = (): string[] => new Array<string>(n).fill('');
  const out = [
    row('step', head),
    `${'-'.repeat(num)}-+-${widths.map((w) => '-'.repeat(w)).join('-+-')}`,
  ];
  for (const s of fail.trace) {
    const cells = empty();
    cells[s.thread] = s.label;
    const marked = s.index === fail.failedStep;
    out.push(
      row(String(s.index + 1), cells, marked ? `   <== ${fail.violation.kind}` : '', marked),
    );
  }
  if (fail.pending.length > 0) {
    const mark = fail.failedStep === null;
    out.push(row('next', pending, mark ? `   <== ${fail.violation.kind}` : '', mark));
  } else if (fail.failedStep === null) {
    out.push(row('end', empty(), `   <== ${fail.violation.kind} (final check)`, true));
  }
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

/**
 * Wraps a line made of parts separated by two spaces onto lines of at most `width` characters,
 * continuation lines indented under the program name.
 */
function wrapParts(line: string, width: number): string {
  if (line.length <= width) return line;
  const verdict = /^\S+ +/.exec(line)?.[0] ?? '';
  const parts = line.slice(verdict.length).split(/ {2,}/);
  parts[0] = `${verdict}${parts[0]}`;
  const out: string[] = [];
  let cur = '';
  for (const p of parts) {
    const next = cur === '' ? p : `${cur}  ${p}`;
    if (cur !== '' && next.length > width) {
      out.push(cur);
      cur = `         ${p}`;
    } else cur = next;
  }
  out.push(cur);
  return out.join('\n');
}

function how(s: CheckStats): string {
  const parts = [s.strategy];
  if (s.strategy.startsWith('random') || s.strategy.startsWith('pct')) parts.push(`seed ${s.seed}`);
  if (s.redundant > 0) parts.push(`${s.redundant} pruned`);
  if (s.preemptionBound !== undefined) parts.push(`preemption bound ${s.preemptionBound}`);
  parts.push(`max depth ${s.maxDepth}`);
  return `  (${parts.join(', ')})`;
}

function time(s: CheckStats): string {
  return s.elapsedMs === undefined ? '' : `  ${(s.elapsedMs / 1000).toFixed(2)} s`;
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

function fit(text: string, w: number): string {
  return text.length > w ? `${text.slice(0, w - 1)}~` : text.padEnd(w);
}

function indent(text: string): string[] {
  return text.split('\n').map((l) => `  ${l}`);
}
