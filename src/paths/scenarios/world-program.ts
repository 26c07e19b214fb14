// The set-up the built-in scenarios share (and users' modules may use): a program whose every
// execution builds a fresh World with the build's mutations, takes PMD slot 0, optionally links an
// initial PTE table into it, lets the scenario add its state and threads, and freezes the world.

import type { Program } from '../../check/program.js';
import type { PmdSlot } from '../world/mm.js';
import type { PteTable } from '../world/page-alloc.js';
import { World, type WorldOptions } from '../world/world.js';
import { programName, type BuildOptions, type Scenario, type VariantValues } from './scenario.js';

/** The world's shape, plus the PTE table linked into PMD slot 0 before the threads start. */
export interface ScenarioWorldOptions extends Omit<WorldOptions, 'mutations'> {
  /**
   * Entries of a PTE table linked into slot 0 at setup (entry `i` maps folio `table[i]`, 0 none;
   * `[]` an empty table). Default: no table, slot 0 is pmd_none.
   */
  readonly table?: readonly number[];
}

/**
 * Adds a scenario's own state and threads to a world built for one execution.
 * @param pmd PMD slot 0; `table` the initial table linked into it (when `shape.table` asks for one).
 */
export type ScenarioSetup<T = undefined> = (w: World, pmd: PmdSlot, table: T) => void;

/**
 * The program of one variant combination of a scenario over the kernel world: named
 * `scenario[k=v,...]`, each execution a World of `shape` with `build.mutations`, set up by `setup`.
 * @example
 * build: (v, o) =>
 *   worldProgram(myScenario, v, o, { ptrs_per_pte: 2, table: [1] }, (w, pmd) => {
 *     w.spawn('gup_fast', (cpu) => gup_fast(w, cpu, pmd, 0));
 *   }),
 */
export function worldProgram(
  scenario: Scenario,
  values: VariantValues,
  build: BuildOptions | undefined,
  shape: ScenarioWorldOptions & { readonly table: readonly number[] },
  setup: ScenarioSetup<PteTable>,
): Program;
export function worldProgram(
  scenario: Scenario,
  values: VariantValues,
  build: BuildOptions | undefined,
  shape: ScenarioWorldOptions,
  setup: ScenarioSetup,
): Program;
export function worldProgram(
  scenario: Scenario,
  values: VariantValues,
  build: BuildOptions | undefined,
  shape: ScenarioWorldOptions,
  setup: ScenarioSetup<never>,
): Program {
  const { table: entries, ...worldShape } = shape;
  const options: WorldOptions = { ...worldShape, mutations: build?.mutations };
  return {
    name: programName(scenario, values),
    create: () => {
      const w = new World(options);
      const pmd = w.pmd();
      const table = entries === undefined ? undefined : w.initTable(pmd, entries);
      setup(w, pmd, table as never);
      return w.instance();
    },
  };
}
