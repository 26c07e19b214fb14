// Simulator results as printable data: table rows for the text printer and plain objects for JSON.
// Rendering (box drawing, colours) is the CLI's job; this module only shapes the data.

import type { SimReport, SimResult } from '../workload/run.js';

/** A table: a header row and body rows of cells, all strings, numbers right-aligned by the renderer. */
export interface TextTable {
  readonly head: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Indices of columns holding numbers. */
  readonly numeric: readonly number[];
}

const kb = (n: number): string => n.toLocaleString('en-US');

/** One row per report: label, VmPTE, table counts, empty PTE tables, RSS. */
export function simTable(result: SimResult): TextTable {
  return {
    head: ['report', 'VmPTE kB', 'PTE', 'PMD', 'PUD', 'empty PTE', 'RssAnon kB'],
    rows: result.reports.map((r) => [
      r.label,
      kb(r.vmpte_kb),
      kb(r.tables.pte),
      kb(r.tables.pmd),
      kb(r.tables.pud),
      kb(r.empty_pte_tables),
      kb(r.rss_anon_kb),
    ]),
    numeric: [1, 2, 3, 4, 5, 6],
  };
}

/** A short title naming what was simulated. */
export function simTitle(result: SimResult): string {
  return `kernel ${result.kernel}, policy ${result.policy}, arch ${result.arch}`;
}

/**
 * Side by side: one row per report label, one VmPTE column per result (policy). Reports are
 * matched by position, since every policy runs the same workload.
 */
export function compareTable(results: readonly SimResult[]): TextTable {
  const first = results[0];
  if (!first) return { head: ['report'], rows: [], numeric: [] };
  const head = ['report', ...results.map((r) => `${columnName(r)} VmPTE kB`)];
  const rows = first.reports.map((rep, i) => [
    rep.label,
    ...results.map((r) => {
      const other = r.reports[i];
      return other ? kb(other.vmpte_kb) : '-';
    }),
  ]);
  return { head, rows, numeric: results.map((_, i) => i + 1) };
}

/** The column name of a result in a comparison: the policy, with the kernel when it decided it. */
export function columnName(r: SimResult): string {
  return r.policy === 'refcount' ? 'refcount (RFC 2022)' : `${r.kernel} (${r.policy})`;
}

/** A report as the JSON object scripts read (snake_case, kernel vocabulary). */
export function reportJson(r: SimReport): Record<string, unknown> {
  return {
    label: r.label,
    line: r.line,
    vmpte_kb: r.vmpte_kb,
    pgtables_bytes: r.pgtables_bytes,
    tables: { ...r.tables },
    empty_pte_tables: r.empty_pte_tables,
    rss_anon_kb: r.rss_anon_kb,
  };
}

/** The whole result as one JSON-able object. */
export function simJson(result: SimResult): Record<string, unknown> {
  return {
    kernel: result.kernel,
    policy: result.policy,
    arch: result.arch,
    reports: result.reports.map(reportJson),
    final: reportJson(result.final),
    error: result.error
      ? {
          message: result.error.message,
          code: result.error.code,
          errno: result.error.errno ?? null,
          where: result.error.where ?? null,
        }
      : null,
  };
}
