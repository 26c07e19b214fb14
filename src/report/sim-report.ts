// Simulator results as printable data: table rows for the text printer and plain objects for JSON.
// Rendering (box drawing, colours) is the CLI's job; this module only shapes the data.

import type { SimReport, SimResult } from '../workload/run.js';
import { MAIN_PROCESS } from '../workload/types.js';
import { SCHEMA_VERSION, usageErrorJson, type ErrorJson } from './json.js';
import { groupDigits } from '../util/format.js';

/** A table: a header row and body rows of cells, all strings, numbers right-aligned by the renderer. */
export interface TextTable {
  readonly head: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Indices of columns holding numbers. */
  readonly numeric: readonly number[];
}

const kb = (n: number): string => groupDigits(n);

/** Label of the last row of text tables: the counters after the last operation run. */
export const FINAL_LABEL = '(end)';

/**
 * One row per report: label, VmPTE, table counts, empty PTE tables, RSS; then a last `(end)` row
 * with the final state, so text output shows it as JSON does. RssFile and RssShmem columns appear
 * when some row has such pages (JSON always has them).
 */
export function simTable(result: SimResult): TextTable {
  const rows = [...result.reports.map(withProcess), { ...result.final, label: FINAL_LABEL }];
  const iter = result.reports.some((r) => r.iteration !== undefined);
  const file = rows.some((r) => r.rss_file_kb !== 0 || r.rss_shmem_kb !== 0);
  const head = [
    'report',
    ...(iter ? ['iter'] : []),
    'VmPTE kB',
    'PTE',
    'PMD',
    'PUD',
    'empty PTE',
    'RssAnon kB',
    ...(file ? ['RssFile kB', 'RssShmem kB'] : []),
  ];
  return {
    head,
    rows: rows.map((r) => [
      r.label,
      ...(iter ? [r.iteration === undefined ? '' : String(r.iteration)] : []),
      kb(r.vmpte_kb),
      kb(r.tables.pte),
      kb(r.tables.pmd),
      kb(r.tables.pud),
      kb(r.empty_pte_tables),
      kb(r.rss_anon_kb),
      ...(file ? [kb(r.rss_file_kb), kb(r.rss_shmem_kb)] : []),
    ]),
    numeric: head.map((_, i) => i).filter((i) => i > 0),
  };
}

/** A report of a process other than main is labelled `@NAME LABEL` in text. */
function withProcess(r: SimReport): SimReport {
  return r.process === MAIN_PROCESS ? r : { ...r, label: `@${r.process} ${r.label}` };
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
  const rows = first.reports.map(withProcess).map((rep, i) => [
    rep.iteration === undefined ? rep.label : `${rep.label} #${rep.iteration}`,
    ...results.map((r) => {
      const other = r.reports[i];
      return other ? kb(other.vmpte_kb) : '-';
    }),
  ]);
  rows.push([FINAL_LABEL, ...results.map((r) => kb(r.final.vmpte_kb))]);
  return { head, rows, numeric: results.map((_, i) => i + 1) };
}

/** The column name of a result in a comparison: the policy, with the kernel when it decided it. */
export function columnName(r: SimResult): string {
  return r.policy === 'refcount' ? 'refcount (RFC 2022)' : `${r.kernel} (${r.policy})`;
}

/** A report as the JSON object scripts read (snake_case, kernel vocabulary). */
export function reportJson(r: SimReport): SimReportJson {
  return {
    label: r.label,
    process: r.process,
    line: r.line,
    iteration: r.iteration ?? null,
    vmpte_kb: r.vmpte_kb,
    pgtables_bytes: r.pgtables_bytes,
    tables: { pte: r.tables.pte, pmd: r.tables.pmd, pud: r.tables.pud },
    empty_pte_tables: r.empty_pte_tables,
    rss_anon_kb: r.rss_anon_kb,
    rss_file_kb: r.rss_file_kb,
    rss_shmem_kb: r.rss_shmem_kb,
  };
}

/** One report in JSON (docs/schemas/sim.schema.json `$defs.report`). */
export interface SimReportJson {
  readonly label: string;
  /** The process reported: `main` (the workload's own) or a `fork` child's name. */
  readonly process: string;
  readonly line: number;
  /** Iteration of the innermost `repeat` block the report is in (from 0), null outside one. */
  readonly iteration: number | null;
  readonly vmpte_kb: number;
  readonly pgtables_bytes: number;
  readonly tables: { readonly pte: number; readonly pmd: number; readonly pud: number };
  readonly empty_pte_tables: number;
  readonly rss_anon_kb: number;
  /** Page-cache pages of regular files mapped (RssFile). */
  readonly rss_file_kb: number;
  /** Shmem pages mapped: tmpfs files, memfd, anonymous shared memory (RssShmem). */
  readonly rss_shmem_kb: number;
}

/** One simulation (one kernel/policy) in JSON. */
export interface SimResultJson {
  readonly kernel: string;
  readonly policy: string;
  readonly arch: string;
  readonly reports: readonly SimReportJson[];
  readonly final: SimReportJson;
  readonly error: ErrorJson | null;
}

/** One simulation as one JSON-able object. */
export function simJson(result: SimResult): SimResultJson {
  return {
    kernel: result.kernel,
    policy: result.policy,
    arch: result.arch,
    reports: result.reports.map(reportJson),
    final: reportJson(result.final),
    error: result.error ? usageErrorJson(result.error) : null,
  };
}

/**
 * The `ptlab sim --format json` document: always `results`, an array of one simulation, or three
 * with `--compare` (docs/schemas/sim.schema.json).
 */
export function simDocument(
  file: string,
  results: readonly SimResult[],
): {
  schema_version: number;
  command: 'sim';
  file: string;
  results: SimResultJson[];
} {
  return { schema_version: SCHEMA_VERSION, command: 'sim', file, results: results.map(simJson) };
}

/** One `--format ndjson` line: a report with the simulation it belongs to. */
export function ndjsonReport(result: SimResult, r: SimReport): Record<string, unknown> {
  return {
    schema_version: SCHEMA_VERSION,
    kernel: result.kernel,
    policy: result.policy,
    arch: result.arch,
    ...reportJson(r),
  };
}
