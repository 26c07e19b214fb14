// The on-demand fidelity sweep (issue #7 section 3): N seeds split over the default, harsh, fork
// and files random mixes on the host kernel and in the simulator, exact/total per metric. Skipped
// unless FIDELITY_SWEEP=N is set: `npm run fidelity:sweep` runs 2,000 (500 of each mix);
// FIDELITY_MIX=fork runs one mix only.

import { describe, expect, it } from 'vitest';
import { runOnKernelBatch } from '../../src/cli/oracle.js';
import { compareRuns } from '../../src/cli/verify.js';
import { generateWorkload } from '../../src/workload/generate.js';
import { parseWorkload } from '../../src/workload/parse.js';
import { runWorkload } from '../../src/workload/run.js';
import { FidelityTally } from '../helpers/fidelity-tally.js';
import {
  DISK_SKIP,
  HOST_SIM,
  SKIP_REASON,
  kernelCanRun,
  oracle,
  PRESSURE_SKIP,
} from '../helpers/oracle.js';
import { failureText } from '../helpers/oracle-report.js';

const N = Number(process.env.FIDELITY_SWEEP ?? '0');
const FIRST = Number(process.env.FIDELITY_FIRST_SEED ?? '1');
/** Workloads per oracle process: keeps the helper's input and output small. */
const BATCH = 250;

type Mix = 'default' | 'harsh' | 'fork' | 'files';
/** FIDELITY_MIX=fork (comma-separated) runs only the named mixes. */
const MIXES = (process.env.FIDELITY_MIX ?? 'default,harsh,fork,files').split(',') as Mix[];

function sweep(mix: Mix, count: number): FidelityTally {
  const tally = new FidelityTally();
  const shown: string[] = [];
  for (let at = 0; at < count; at += BATCH) {
    const seeds = Array.from({ length: Math.min(BATCH, count - at) }, (_, i) => FIRST + at + i);
    const cases = seeds
      .map((seed) => {
        const text = generateWorkload(seed, { mix });
        return {
          name: `${mix}-${seed}`,
          text,
          workload: parseWorkload(text, `${mix}-${seed}.ptw`),
        };
      })
      .filter((c) => kernelCanRun(c.workload));
    const kernel = runOnKernelBatch(
      cases.map((c) => c.workload),
      { runs: 2 },
    );
    cases.forEach((c, i) => {
      const sim = runWorkload(c.workload, { kernel: '6.18', debug: true, ...HOST_SIM });
      const result = compareRuns(c.workload, sim, kernel[i]);
      tally.add(c.name, result);
      if (!result.exact && shown.length < 3) shown.push(failureText(c.text, result));
    });
  }
  for (const s of shown) console.log(s);
  return tally;
}

describe.skipIf(!oracle.ok || N === 0)('fidelity sweep (FIDELITY_SWEEP)', () => {
  it.each(MIXES)(
    `%s mix, ${Math.ceil(N / MIXES.length)} seeds`,
    (mix) => {
      const tally = sweep(mix, Math.ceil(N / MIXES.length));
      console.log(tally.line(`fidelity sweep ${mix} (seeds ${FIRST}..)`));
      if (PRESSURE_SKIP) console.log(`workloads with pressure ${PRESSURE_SKIP}`);
      if (DISK_SKIP) console.log(`workloads with disk files ${DISK_SKIP}`);
      expect(tally.failed).toEqual([]);
    },
    600_000,
  );
});

describe.skipIf(oracle.ok)('fidelity sweep (unavailable)', () => {
  it.skip(SKIP_REASON, () => {});
});
