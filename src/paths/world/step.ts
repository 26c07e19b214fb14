// How kernel paths announce shared steps to the checker: every helper in src/paths is a generator
// that yields one Step (src/check/program.ts) just before each shared access it performs. The step
// declares nothing: what it touched is reported by the world's shared objects (shared.ts) while it
// runs, and the label only documents it.

import type { Step } from '../../check/program.js';

/** A kernel path or primitive: yields steps, returns `T` when it completes. */
export type Gen<T = void> = Generator<Step, T, void>;

/**
 * Builds the step a thread yields before its next shared access.
 * @param label where in the modelled code, e.g. `zap_pte_range: pmd_clear`.
 * @param enabled when given, the thread waits while it returns false (it must only read).
 */
export function step(label: string, enabled?: () => boolean): Step {
  return enabled ? { label, enabled } : { label };
}
