// Test helper: runs a .ptw script through the simulator and returns VmPTE (kB) per report label.

import { parseWorkload } from '../../../src/workload/parse.js';
import { runWorkload } from '../../../src/workload/run.js';
import type { SimOptions, SimResult } from '../../../src/workload/run.js';

/** Runs `lines` with validate_mm after every op; throws if the run stopped with an error. */
export function sim(lines: readonly string[], options: SimOptions = {}): SimResult {
  const r = runWorkload(parseWorkload(lines.join('\n'), 'test.ptw'), { debug: true, ...options });
  if (r.error) throw new Error(r.error.format());
  return r;
}

/** VmPTE in kB at each report, by label. */
export function vmpte(lines: readonly string[], options: SimOptions = {}): Record<string, number> {
  return Object.fromEntries(sim(lines, options).reports.map((r) => [r.label, r.vmpte_kb]));
}

/** RssAnon in kB at each report, by label. */
export function rss(lines: readonly string[], options: SimOptions = {}): Record<string, number> {
  return Object.fromEntries(sim(lines, options).reports.map((r) => [r.label, r.rss_anon_kb]));
}
