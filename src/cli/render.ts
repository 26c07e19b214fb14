// Terminal rendering of report/ tables (linear in the rows, fitted to the output width), the
// progress bar (cli-progress) and point charts where no series hides another.

import cliProgress from 'cli-progress';
import type { TextTable } from '../report/sim-report.js';
import { colorOn, outputWidth } from './terminal.js';
import { groupDigits } from '../util/format.js';

/** A cell as shown: control characters (escape sequences, newlines, tabs) escaped as `\xNN`. */
export function cellText(text: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[\x00-\x1f\x7f-\x9f]/.test(text)) return text;
  let out = '';
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    out += c < 0x20 || (c >= 0x7f && c <= 0x9f) ? `\\x${c.toString(16).padStart(2, '0')}` : ch;
  }
  return out;
}

/** Cuts `text` to `w` characters, marking the cut with `~`. */
function cut(text: string, w: number): string {
  return text.length > w ? `${text.slice(0, Math.max(0, w - 1))}~` : text;
}

/** Splits `text` at spaces into lines of at most `w` characters (a longer word stays whole). */
function wrapWords(text: string, w: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const word of text.split(' ')) {
    if (cur !== '' && cur.length + 1 + word.length > w) {
      lines.push(cur);
      cur = word;
    } else cur = cur === '' ? word : `${cur} ${word}`;
  }
  lines.push(cur);
  return lines;
}

/**
 * Column widths that fit `maxWidth` (borders included): first headers wider than their column's
 * values wrap onto more lines (widest first), then text columns are cut (widest first, to at least
 * 8). Numbers are never cut: a table that still does not fit stays wider than `maxWidth`.
 */
function fitWidths(
  head: readonly string[],
  bodyMax: readonly number[],
  numeric: readonly number[],
  maxWidth: number,
): number[] {
  const w = head.map((h, i) => Math.max(h.length, bodyMax[i]));
  const total = (): number => w.reduce((a, b) => a + b, 0) + 3 * w.length + 1;
  const floor = head.map((h, i) =>
    Math.max(bodyMax[i], ...h.split(' ').map((x) => x.length), Math.ceil(h.length / 3)),
  );
  for (;;) {
    if (total() <= maxWidth) return w;
    let widest = -1;
    for (let i = 0; i < w.length; i++)
      if (w[i] > floor[i] && (widest < 0 || w[i] > w[widest])) widest = i;
    if (widest < 0) break;
    w[widest] = Math.max(floor[widest], w[widest] - (total() - maxWidth));
  }
  for (;;) {
    if (total() <= maxWidth) return w;
    let widest = -1;
    for (let i = 0; i < w.length; i++)
      if (!numeric.includes(i) && w[i] > 8 && (widest < 0 || w[i] > w[widest])) widest = i;
    if (widest < 0) return w;
    w[widest] = Math.max(8, w[widest] - (total() - maxWidth));
  }
}

/**
 * The lines of a table with light borders, a rule under the header, numbers right-aligned, fitted
 * to `maxWidth` columns (default: the output width). Linear in the number of cells.
 */
export function tableLines(t: TextTable, maxWidth = outputWidth()): string[] {
  const head = t.head.map(cellText);
  const rows = t.rows.map((r) => r.map(cellText));
  const bodyMax = head.map(() => 0);
  for (const r of rows)
    for (let i = 0; i < r.length; i++) bodyMax[i] = Math.max(bodyMax[i], r[i].length);
  const w = fitWidths(head, bodyMax, t.numeric, maxWidth);
  const right = head.map((_, i) => t.numeric.includes(i));
  const line = (cells: readonly string[]): string =>
    `│ ${w
      .map((wi, i) => {
        const c = cut(cells[i] ?? '', wi);
        return right[i] ? c.padStart(wi) : c.padEnd(wi);
      })
      .join(' │ ')} │`;
  const rule = (l: string, m: string, r: string): string =>
    `${l}${w.map((wi) => '─'.repeat(wi + 2)).join(m)}${r}`;
  const wrapped = head.map((h, i) => (h.length > w[i] ? wrapWords(h, w[i]) : [h]));
  const headLines = Math.max(...wrapped.map((x) => x.length));
  const lines = [rule('┌', '┬', '┐')];
  for (let k = 0; k < headLines; k++) lines.push(line(wrapped.map((x) => x[k] ?? '')));
  lines.push(rule('├', '┼', '┤'));
  for (const r of rows) lines.push(line(r));
  lines.push(rule('└', '┴', '┘'));
  return lines;
}

/**
 * One status line fitted to `width` columns: `head` (a name) is cut with `~` so that `tail` (the
 * counters) always shows whole.
 */
export function fitLine(head: string, tail: string, width = outputWidth(process.stderr)): string {
  const room = width - 1 - tail.length;
  const h = cellText(head);
  return `${h.length > room ? cut(h, Math.max(1, room)) : h}${tail}`;
}

/** Renders a table as one string (see {@link tableLines}). */
export function renderTable(t: TextTable, maxWidth?: number): string {
  return tableLines(t, maxWidth).join('\n');
}

/** A progress reporter: a bar on a TTY stderr, nothing otherwise (so pipes and CI stay clean). */
export interface Progress {
  /** `done` of the total work; `index` feeds the bar's `unit` label (e.g. the op running). */
  update(done: number, index?: number): void;
  stop(): void;
}

/** Options of {@link progressBar}. */
export interface ProgressOptions {
  /** Totals below this show no bar (default 2000). */
  readonly minTotal?: number;
  /** A label for the position, e.g. `line 12` (default: `done/total`). */
  readonly unit?: (index: number) => string;
}

/**
 * Creates a progress bar on stderr when it is a terminal and the run is long enough to need one,
 * fitted to the terminal width.
 */
export function progressBar(label: string, total: number, options: ProgressOptions = {}): Progress {
  if (!process.stderr.isTTY || total < (options.minTotal ?? 2000))
    return { update() {}, stop() {} };
  const unit = options.unit;
  const barSize = Math.max(10, Math.min(40, outputWidth(process.stderr) - label.length - 40));
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | ${unit ? '{where}' : '{value}/{total}'} | eta {eta_formatted}`,
      barsize: barSize,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let where = unit ? unit(0) : '';
  bar.start(total, 0, { where });
  return {
    update(done: number, index = 0) {
      const next = unit ? unit(index) : '';
      bar.update(done, { where: next });
      // A new position (the op about to run) is drawn now: the run may stay there a long time,
      // and cli-progress would otherwise wait for its throttle.
      if (next !== where) (bar as unknown as { render(): void }).render();
      where = next;
    },
    stop() {
      bar.stop();
    },
  };
}

/** One line of a chart: a name and a value per report. */
export interface ChartSeries {
  readonly name: string;
  readonly values: readonly number[];
}

/** Options of {@link renderChart}. */
export interface ChartOptions {
  /** Plot log10(1 + value), so small series stay visible beside large ones (default false). */
  readonly log?: boolean;
  /** Rows of the plot area (default 12). */
  readonly height?: number;
  /** Total width in columns, axis included (default: the output width). */
  readonly width?: number;
  /** Colour each series (default: when the terminal allows it). */
  readonly color?: boolean;
}

/** Marks of the series, in order; a cell where several series meet shows {@link SHARED}. */
const MARKS = ['*', 'o', '+', 'x', '@', '%'];
const SHARED = '#';
const COLORS = ['\x1b[34m', '\x1b[31m', '\x1b[32m', '\x1b[35m', '\x1b[36m', '\x1b[33m'];
const RESET = '\x1b[0m';

/**
 * Plots series as a terminal point chart. Every series gets its own mark (and colour on a
 * terminal), and a cell where several series meet is drawn `#`, so no series hides another; series
 * identical to an earlier one are named together in the legend. Long series are reduced to one
 * point per column, the maximum of its bucket, so peaks stay visible.
 */
export function renderChart(
  series: readonly ChartSeries[],
  title: string,
  options: ChartOptions = {},
): string {
  const height = options.height ?? 12;
  const width = options.width ?? outputWidth();
  const useColor = options.color ?? colorOn();
  const log = options.log ?? false;
  const axis = 12;
  const cols = Math.max(10, width - axis - 1);
  const n = series[0]?.values.length ?? 0;
  if (n === 0) return `${title}: no reports to plot`;
  // Identical series are drawn once, under the first one's mark.
  const drawn: { marks: number[]; values: number[] }[] = [];
  const mapTo = series.map((s, i) => {
    const same = series.findIndex(
      (o, j) =>
        j < i && o.values.length === s.values.length && o.values.every((v, k) => v === s.values[k]),
    );
    if (same >= 0) return same;
    drawn.push({ marks: [i], values: bucketMax(s.values, cols) });
    return i;
  });
  const scale = (v: number): number => (log ? Math.log10(1 + Math.max(0, v)) : v);
  let lo = Infinity;
  let hi = -Infinity;
  for (const d of drawn)
    for (const v of d.values) {
      lo = Math.min(lo, scale(v));
      hi = Math.max(hi, scale(v));
    }
  if (hi === lo) hi = lo + 1;
  const rowOf = (v: number): number => Math.round(((scale(v) - lo) / (hi - lo)) * (height - 1));
  const grid: number[][][] = Array.from({ length: height }, () =>
    Array.from({ length: cols }, () => [] as number[]),
  );
  for (const d of drawn) d.values.forEach((v, x) => grid[rowOf(v)][x].push(d.marks[0]));
  const unscale = (y: number): number => (log ? 10 ** y - 1 : y);
  const fmtY = (r: number): string =>
    groupDigits(Math.round(unscale(lo + ((hi - lo) * r) / (height - 1)))).padStart(axis - 2);
  const paint = (ids: number[]): string => {
    if (ids.length === 0) return ' ';
    if (ids.length > 1) return SHARED;
    const mark = MARKS[ids[0] % MARKS.length];
    return useColor ? `${COLORS[ids[0] % COLORS.length]}${mark}${RESET}` : mark;
  };
  const lines = [`${title}${log ? ' (log scale)' : ''}`];
  for (let r = height - 1; r >= 0; r--) {
    const label = r === height - 1 || r === 0 || r === Math.floor((height - 1) / 2) ? fmtY(r) : '';
    lines.push(`${label.padStart(axis - 2)} ┤${grid[r].map(paint).join('')}`.trimEnd());
  }
  const per = Math.ceil(n / cols);
  lines.push(`${' '.repeat(axis - 2)} └${'─'.repeat(Math.min(cols, Math.ceil(n / per)))}`);
  lines.push(`  reports 1..${n}${per > 1 ? ` (max per bucket of ${per})` : ''}`);
  for (let i = 0; i < series.length; i++) {
    if (mapTo[i] !== i) continue;
    const same = series.filter((_, j) => j !== i && mapTo[j] === i).map((s) => s.name);
    const mark = useColor
      ? `${COLORS[i % COLORS.length]}${MARKS[i % MARKS.length]}${RESET}`
      : MARKS[i % MARKS.length];
    lines.push(`  ${mark} ${[series[i].name, ...same].join(' = ')}`);
  }
  if (drawn.length > 1) lines.push(`  ${SHARED} several series at the same point`);
  return lines.join('\n');
}

function bucketMax(values: readonly number[], width: number): number[] {
  if (values.length <= width) return [...values];
  const per = Math.ceil(values.length / width);
  const out: number[] = [];
  for (let i = 0; i < values.length; i += per) {
    let m = -Infinity;
    for (let j = i; j < Math.min(values.length, i + per); j++) m = Math.max(m, values[j]);
    out.push(m);
  }
  return out;
}
