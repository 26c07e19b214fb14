// `ptlab top`: every process's VmPTE ranked (no privilege), and the wasted kB of the top N
// (same user or root), refreshed like top(1) or once (issue #8).

import type { Command } from 'commander';
import { listProcesses } from '../../host/proc.js';
import { scanProcess } from '../../host/scan.js';
import { predictTables } from '../../trace/predict.js';
import type { TopReport, TopRow } from '../../report/top.js';
import { topDocument, topHeader, topTable } from '../../report/top.js';
import { UsageError } from '../../util/errors.js';
import { out } from '../io.js';
import { parseFormat, parsePositiveInt } from '../options.js';
import { renderTable } from '../render.js';

interface TopFlags {
  once?: boolean;
  count: string;
  scan: string;
  interval: string;
  iterations?: string;
  freeze?: boolean;
  format: string;
}

function parseCount(value: string, flag: string): number {
  return value === '0' ? 0 : parsePositiveInt(value, flag);
}

/** One refresh: every process ranked, the first `scan` of them scanned. */
export function topOnce(count: number, scan: number, freeze: boolean): TopReport {
  const all = listProcesses().sort((a, b) => b.vmpteKb - a.vmpteKb || a.pid - b.pid);
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  const rows = all.slice(0, count).map((p, i): TopRow => {
    const base = {
      pid: p.pid,
      command: p.name,
      uid: p.uid,
      threads: p.threads,
      rss_kb: p.rssKb,
      vmpte_kb: p.vmpteKb,
    };
    if (i >= scan) return { ...base, needed_kb: null, wasted_kb: null, note: null };
    if (uid !== 0 && uid !== p.uid) {
      return { ...base, needed_kb: null, wasted_kb: null, note: 'other user' };
    }
    if (freeze && (p.pid === 1 || p.pid === process.pid)) {
      return { ...base, needed_kb: null, wasted_kb: null, note: 'not frozen' };
    }
    try {
      const snap = scanProcess(p.pid, { freeze, maxFreezeMs: 1000 });
      const needed = predictTables(snap).neededKb;
      return {
        ...base,
        vmpte_kb: snap.vmpteBeforeKb,
        needed_kb: needed,
        wasted_kb: Math.max(0, snap.vmpteBeforeKb - needed),
        note: null,
      };
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      const code = /^(\w+):/.exec(e.message)?.[1] ?? 'error';
      return { ...base, needed_kb: null, wasted_kb: null, note: code };
    }
  });
  return {
    processes: all.length,
    total_vmpte_kb: all.reduce((s, p) => s + p.vmpteKb, 0),
    frozen: freeze,
    rows,
  };
}

/** Registers `top`. */
export function registerTop(program: Command): void {
  program
    .command('top')
    .description('processes ranked by page-table memory (VmPTE), with wasted kB of the top ones')
    .option('--once', 'print one refresh and exit')
    .option('-n, --count <n>', 'processes listed', '20')
    .option('-s, --scan <n>', 'of those, scan the top N for wasted kB (0: none)', '5')
    .option('-d, --interval <seconds>', 'seconds between refreshes', '2')
    .option('--iterations <k>', 'stop after K refreshes')
    .option(
      '--freeze',
      'stop each scanned process during its scan (exact; default: scan it running)',
    )
    .option(
      '-f, --format <format>',
      'output: text, json (one refresh) or ndjson (one per line)',
      'text',
    )
    .addHelpText(
      'after',
      `
VmPTE comes from /proc/PID/status and needs no privilege. The wasted column scans the process
(smaps and pagemap, as \`ptlab inspect\` does): the same user or root. Without --freeze the
process keeps running during its scan, so a busy process may show a small error; \`ptlab
inspect PID\` freezes it and gives the per-mapping detail.

Examples:
  ptlab top
  ptlab top --once --count 10 --scan 3
  ptlab top --format ndjson --interval 5 | jq '.rows[0]'`,
    )
    .action(async (flags: TopFlags) => {
      const format = parseFormat(flags.format, ['text', 'json', 'ndjson']);
      const count = parsePositiveInt(flags.count, '--count');
      const scan = parseCount(flags.scan, '--scan');
      const interval = Number(flags.interval);
      if (!Number.isFinite(interval) || interval <= 0) {
        throw new UsageError('option', `--interval: '${flags.interval}' is not a positive number`);
      }
      const once = flags.once === true || format === 'json';
      const limit = once
        ? 1
        : flags.iterations !== undefined
          ? parsePositiveInt(flags.iterations, '--iterations')
          : Infinity;
      const tty = process.stdout.isTTY && format === 'text';
      for (let i = 0; i < limit; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, interval * 1000));
        const report = topOnce(count, scan, flags.freeze === true);
        if (format !== 'text') {
          out(JSON.stringify(topDocument(report), null, format === 'json' ? 2 : undefined));
          continue;
        }
        const text = `${topHeader(report, new Date().toLocaleTimeString())}\n${renderTable(topTable(report))}`;
        out(tty && !once ? `\x1b[H\x1b[2J${text}` : text);
      }
    });
}
