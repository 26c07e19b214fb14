// Terminal rendering of report/ tables (linear in the rows, fitted to the output width), the
// progress bar (cli-progress) and charts (asciichart).

import cliProgress from 'cli-progress';
import * as asciichart from 'asciichart';
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

/** Renders a table as one string (see {@link tableLines}). */
export function renderTable(t: TextTable, maxWidth?: number): string {
  return tableLines(t, maxWidth).join('\n');
}

/** A progress reporter: a bar on a TTY stderr, nothing otherwise (so pipes and CI stay clean). */
export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

/** Creates a progress bar on stderr when it is a terminal and the run is long enough to need one. */
export function progressBar(label: string, total: number, minTotal = 2000): Progress {
  if (!process.stderr.isTTY || total < minTotal) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {value}/{total} | eta {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update(done: number) {
      bar.update(done);
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

const CHART_COLORS = [asciichart.blue, asciichart.red, asciichart.green, asciichart.magenta];

/**
 * Plots series as a terminal line chart (asciichart). Long series are reduced to at most `width`
 * points, each the maximum of its bucket, so peaks stay visible.
 */
export function renderChart(series: readonly ChartSeries[], title: string, width = 100): string {
  const useColor = colorOn();
  const data = series.map((s) => bucketMax(s.values, width));
  if (data.every((d) => d.length === 0)) return `${title}: no reports to plot`;
  const chart = asciichart.plot(data, {
    height: 12,
    format: (x) => groupDigits(Math.round(x)).padStart(10),
    ...(useColor ? { colors: series.map((_, i) => CHART_COLORS[i % CHART_COLORS.length]) } : {}),
  });
  const legend = series.map((s, i) => {
    const mark = useColor
      ? asciichart.colored('───', CHART_COLORS[i % CHART_COLORS.length])
      : `(${i + 1})`;
    return `  ${mark} ${s.name}`;
  });
  const n = series[0]?.values.length ?? 0;
  return [
    title,
    chart,
    `  reports 1..${n}${n > width ? ` (max per bucket of ${Math.ceil(n / width)})` : ''}`,
    ...(series.length > 1 ? legend : []),
  ].join('\n');
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
