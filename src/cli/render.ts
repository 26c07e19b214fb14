// Terminal rendering of inspect/ tables with cli-table3, and the progress bar with cli-progress.

import Table from 'cli-table3';
import cliProgress from 'cli-progress';
import type { TextTable } from '../inspect/sim-report.js';

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
