// What a checker scenario is: a named program of kernel paths with variants (kernel versions,
// designs from the mailing list) and the verdict each variant combination is expected to reach.
// Built-in scenarios and users' modules share this shape (issue #2 §4).

import type { Program, ViolationKind } from '../../check/program.js';
import type { Mutation } from '../world/config.js';

/** One variant axis of a scenario, e.g. `table_free` with values `rcu` and `semi_rcu`. */
export interface VariantSpec {
  readonly values: readonly string[];
  readonly default: string;
  /** What the axis stands for, with the kernel version or mailing-list thread of each value. */
  readonly doc: string;
}

/** Chosen values, one per variant axis of the scenario. */
export type VariantValues = Readonly<Record<string, string>>;

/** The verdict a variant combination must reach, and why. */
export interface ExpectedVerdict {
  readonly verdict: 'pass' | 'fail';
  /** For a failure: the kinds of violation the checker may report first (any one of them). */
  readonly kinds?: readonly ViolationKind[];
  /** One sentence: the kernel reason. */
  readonly why: string;
}

/** How to build a scenario's program beyond its variant values. */
export interface BuildOptions {
  /** Protocol guards to remove from the paths (mutation testing, issue #6 §2). Default none. */
  readonly mutations?: readonly Mutation[] | undefined;
}

/** A checker scenario (built-in or from a user's module). */
export interface Scenario {
  /** snake_case, after the race, e.g. `munmap_vs_gup_fast`. */
  readonly name: string;
  readonly description: string;
  readonly variants: Readonly<Record<string, VariantSpec>>;
  /**
   * The program for a full set of variant values (see resolveVariants). Built-in scenarios pass
   * `options.mutations` to their World.
   */
  build(values: VariantValues, options?: BuildOptions): Program;
  /** The verdict expected for a full set of variant values, when the author states one. */
  expected?(values: VariantValues): ExpectedVerdict;
}

/** Defines a scenario: checks at once that every variant's default is one of its values. */
export function defineScenario(s: Scenario): Scenario {
  for (const [name, v] of Object.entries(s.variants)) {
    if (!v.values.includes(v.default)) {
      throw new Error(
        `scenario ${s.name}: variant ${name} default '${v.default}' is not one of its values`,
      );
    }
  }
  return s;
}

/** The program name used in reports: `scenario[k=v,...]`. */
export function programName(s: Scenario, values: VariantValues): string {
  const parts = Object.keys(s.variants).map((k) => `${k}=${values[k]}`);
  return parts.length === 0 ? s.name : `${s.name}[${parts.join(',')}]`;
}
