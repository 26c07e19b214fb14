// Per-metric agreement of random workloads: how many agree on VmPTE, on RssAnon and on the error,
// so the fidelity suite and the on-demand sweep print exact/total counts per metric.

import type { VerifyResult } from '../../src/cli/verify.js';

/** Exact/total per metric over a set of workloads, and the names of those that disagree. */
export class FidelityTally {
  total = 0;
  vmpte = 0;
  rss = 0;
  /** Workloads agreeing on RssFile and RssShmem (page-cache pages) at every report. */
  file = 0;
  errors = 0;
  exact = 0;
  readonly failed: string[] = [];

  /** Counts one compared workload. */
  add(name: string, result: VerifyResult): void {
    this.total++;
    const rows = result.reports;
    const same = (key: 'vmpte_kb' | 'rss_anon_kb' | 'rss_file_kb' | 'rss_shmem_kb'): boolean =>
      rows.every(
        (r) =>
          r.sim !== undefined &&
          r.kernel !== undefined &&
          (r.sim[key] ?? 0) === (r.kernel[key] ?? 0),
      );
    if (same('vmpte_kb')) this.vmpte++;
    if (same('rss_anon_kb')) this.rss++;
    if (same('rss_file_kb') && same('rss_shmem_kb')) this.file++;
    if (result.error.equal) this.errors++;
    if (result.exact) this.exact++;
    else this.failed.push(name);
  }

  /** One line: `label: exact E/T (VmPTE v/T, RssAnon r/T, RssFile+RssShmem f/T, errors e/T)`. */
  line(label: string): string {
    const t = this.total;
    const failed = this.failed.length ? `; disagree: ${this.failed.slice(0, 20).join(', ')}` : '';
    return `${label}: ${this.exact}/${t} exact (VmPTE ${this.vmpte}/${t}, RssAnon ${this.rss}/${t}, RssFile+RssShmem ${this.file}/${t}, errors ${this.errors}/${t})${failed}`;
  }
}
