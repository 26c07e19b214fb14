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

/**
 * `make` memoised by its string argument: the labels and object names a path or world object
 * composes from a caller's label or an owner's name (`${label}: rcu_read_lock`, `state(pg1)`) are
 * built once and shared, instead of a fresh string per step or per execution (issue #6 §4). One
 * Map lookup per use: build every name of an owner in one `make`.
 */
export function memo<T>(make: (key: string) => T): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    let v = cache.get(key);
    if (v === undefined) {
      v = make(key);
      cache.set(key, v);
    }
    return v;
  };
}

const byNumber = new Map<string, string[]>();

/** `${prefix}${n}` for a non-negative integer `n` (`pg1`, `tbl2`), shared like {@link concat}. */
export function numbered(prefix: string, n: number): string {
  let names = byNumber.get(prefix);
  if (names === undefined) {
    names = [];
    byNumber.set(prefix, names);
  }
  return (names[n] ??= `${prefix}${n}`);
}
