// Sizes of the random-program agreement properties (DPOR against plain DFS). CI runs the defaults;
// a change to the reduction should also pass a long sweep once, with several seeds, e.g.
//   PTLAB_AGREEMENT_RUNS=3000 PTLAB_AGREEMENT_SEED=1 npx vitest run test/litmus/engine/dpor_vs_dfs.spec.ts
// (PTLAB_AGREEMENT_SEED shifts every property's seed; the timeout grows with the run count).

const runs = Number(process.env.PTLAB_AGREEMENT_RUNS ?? '');
const shift = Number(process.env.PTLAB_AGREEMENT_SEED ?? '0');

/** fast-check parameters: `numRuns` programs from `seed`, or the sweep's when one is asked for. */
export function agreementRuns(numRuns: number, seed: number): { numRuns: number; seed: number } {
  return { numRuns: runs > 0 ? runs : numRuns, seed: seed + (Number.isFinite(shift) ? shift : 0) };
}

/** The vitest timeout of such a property: the default unless a sweep is running. */
export const agreementTimeout: number | undefined = runs > 0 ? 60 * 60 * 1000 : undefined;
