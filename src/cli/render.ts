// Terminal rendering of report/ tables with cli-table3, and the progress bar with cli-progress.

import Table from 'cli-table3';
import cliProgress from 'cli-progress';
import * as asciichart from 'asciichart';
import type { TextTable } from '../report/sim-report.js';

/** Renders a table with aligned columns and light borders. */
export function renderTable(t: TextTable): string {
  const table = new Table({
    head: [...t.head],
    style: { head: [], border: [], compact: true },
    colAligns: t.head.map((_, i) => (t.numeric.includes(i) ? 'right' : 'left')),
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const row of t.rows) table.push([...row]);
  return table.toString();
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
  const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
  const data = series.map((s) => bucketMax(s.values, width));
  if (data.every((d) => d.length === 0)) return `${title}: no reports to plot`;
  const chart = asciichart.plot(data, {
    height: 12,
    format: (x) => Math.round(x).toLocaleString('en-US').padStart(10),
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
