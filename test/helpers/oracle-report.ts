// Failure text of the fidelity suite: the verdict table, the first differing report and the
// numbered workload, so a disagreement can be reproduced from the test log alone.

import { formatVerify } from '../../src/cli/verify.js';
import type { VerifyResult } from '../../src/cli/verify.js';

/** The text printed for a workload that disagrees: the verdict table, then the workload itself. */
export function failureText(text: string, result: VerifyResult): string {
  const first = result.reports.find((r) => !r.equal);
  const firstLine = first
    ? `first differing report: '${first.label}' (line ${first.line}): sim VmPTE ${first.sim?.vmpte_kb ?? '-'} kB RssAnon ${first.sim?.rss_anon_kb ?? '-'} kB, kernel VmPTE ${first.kernel?.vmpte_kb ?? '-'} kB RssAnon ${first.kernel?.rss_anon_kb ?? '-'} kB`
    : 'all reports agree';
  const numbered = text
    .trimEnd()
    .split('\n')
    .map((l, i) => `${String(i + 1).padStart(4)}  ${l}`)
    .join('\n');
  return `${formatVerify(result)}\n${firstLine}\n--- workload ---\n${numbered}`;
}
