// `ptlab demo` (what `npm start` runs): the PT_RECLAIM series' own benchmark under 6.13, 6.18 and
// the 2022 refcount design, set against the numbers its cover letter measured on real kernels.

import type { Command } from 'commander';
import { parseWorkload } from '../../workload/parse.js';
import type { SimResult } from '../../workload/run.js';
import { columnName, compareTable } from '../../report/sim-report.js';
import { readUserFile, out } from '../io.js';
import { renderTable } from '../render.js';
import { packagePath } from '../../host/package-path.js';
import { COMPARE_SET, simulate } from './sim.js';
import { getImage, imageTables } from '../../workload/image.js';
import { groupDigits } from '../../util/format.js';

/** The benchmark workload shipped with ptlab. */
export const DEMO_WORKLOAD = packagePath('examples', '001-pt-reclaim-benchmark', 'workload.ptw');

/** VmPTE after the benchmark as the v4 cover letter reports it (kB): without and with PT_RECLAIM. */
const COVER_LETTER = { withoutReclaim: 102_640, withReclaim: 240 } as const;

/** Registers `demo`. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description("run the PT_RECLAIM series' benchmark under 6.13, 6.18 and the refcount design")
    .action(() => {
      const workload = parseWorkload(readUserFile(DEMO_WORKLOAD), DEMO_WORKLOAD);
      const results = COMPARE_SET.map((o) => simulate(workload, { ...o, image: 'dynamic' }));
      out(
        'mmap 50 GiB; 25,600 rounds of "touch 2 MiB, MADV_DONTNEED those 2 MiB" (the benchmark of\n' +
          'every posting of the PT_RECLAIM series), in a process image of a dynamically linked\n' +
          'program (`ptlab sim --image dynamic`). VmPTE of the whole process, in kB:\n',
      );
      out(renderTable(compareTable(results)));
      out('');
      out(explain(results));
    });
}

/** Sets the simulated figures against the cover letter's and says where each kB comes from. */
export function explain(results: readonly SimResult[]): string {
  const at = (r: SimResult | undefined, label: string): number =>
    r?.reports.find((x) => x.label === label)?.vmpte_kb ?? Number.NaN;
  const tablesAt = (r: SimResult | undefined, label: string) =>
    r?.reports.find((x) => x.label === label)?.tables ?? { pte: NaN, pmd: NaN, pud: NaN };
  const old = results.find((r) => r.policy === 'none');
  const recl = results.find((r) => r.policy === 'pt_reclaim');
  const base = at(recl, 'before');
  const before = tablesAt(recl, 'before');
  const afterOld = tablesAt(old, 'after');
  const afterNew = tablesAt(recl, 'after');
  const region = imageTables(getImage('dynamic'))
    .filter((t) => t.pte + t.pmd + t.pud > 0)
    .map((t) => `${t.region} ${4 * (t.pte + t.pmd + t.pud)}`)
    .join(', ');
  const match = (sim: number, paper: number): string => (sim === paper ? 'as' : 'NOT as');
  return [
    `Cover letter (real process): ${fmt(COVER_LETTER.withoutReclaim)} kB without PT_RECLAIM, ` +
      `${fmt(COVER_LETTER.withReclaim)} kB with it.`,
    `ptlab: ${fmt(at(old, 'after'))} kB as ${old ? columnName(old) : '?'} ` +
      `(${match(at(old, 'after'), COVER_LETTER.withoutReclaim)} the cover letter), ` +
      `${fmt(at(recl, 'after'))} kB as ${recl ? columnName(recl) : '?'} ` +
      `(${match(at(recl, 'after'), COVER_LETTER.withReclaim)} the cover letter).`,
    '',
    'Where each kB comes from (4 kB per table; PGD and P4D are not counted):',
    `  ${fmt(base)} kB  the process at main: ${before.pte} PTE, ${before.pmd} PMD, ${before.pud} PUD tables ` +
      `(${region} kB)`,
    `  ${fmt(4 * (afterNew.pmd - before.pmd))} kB  ${afterNew.pmd - before.pmd} PMD tables for the 50 GiB map: ` +
      'no hint, so it lands right under the libraries, 2 MiB aligned,',
    "          across 51 GiB slots; the top one shares the libraries' PMD table, and all share",
    '          their PUD table (a map crossing a 512 GiB boundary adds one PUD: +4 kB)',
    `  ${fmt(4 * (afterOld.pte - before.pte))} kB  without PT_RECLAIM (6.13): the ${fmt(afterOld.pte - before.pte)} emptied PTE ` +
      'tables of the 25,600 rounds stay; with it (6.14+) each is freed by its MADV_DONTNEED',
    '',
    'The baseline is one measured ASLR layout (40 kB). Across runs it is 36-52 kB on this host',
    "(the stack in the libraries' GiB or 512 GiB slot or not, the executable across a 2 MiB",
    'boundary), so a real run shows 236-252 kB with PT_RECLAIM. `--image none` simulates an',
    'empty address space: then the map needs its own PMD table for the top GiB and a PUD',
    'table (+8 kB) and the baseline is 0.',
  ].join('\n');
}

const fmt = (n: number): string => groupDigits(n);
