// How kernel paths announce shared steps to the checker: every helper in src/paths is a generator
// that yields one Step (src/check/program.ts) just before each shared access it performs.

import type { Access, Step } from '../../check/program.js';

/** A kernel path or primitive: yields steps, returns `T` when it completes. */
export type Gen<T = void> = Generator<Step, T, void>;

/** Builds the step a thread yields before touching `obj`. */
export function step(obj: string, access: Access, label: string, enabled?: () => boolean): Step {
  return enabled ? { obj, access, label, enabled } : { obj, access, label };
}
