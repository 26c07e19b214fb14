// The registry of built-in checker scenarios and the variant resolution the CLI uses.

import { UsageError } from '../../util/errors.js';
import { collapseVsPtReclaim } from './collapse_vs_pt_reclaim.js';
import { exitVsWalkers } from './exit_vs_walkers.js';
import { forkVsGupFast } from './fork_vs_gup_fast.js';
import { forkVsPtReclaim } from './fork_vs_pt_reclaim.js';
import { gupFastVsCollapse } from './gup_fast_vs_collapse.js';
import { mremapMovePtes } from './mremap_move_ptes.js';
import { mremapVsRetract } from './mremap_vs_retract.js';
import { munmapVsGupFast } from './munmap_vs_gup_fast.js';
import { ppcFragDestroy } from './ppc_frag_destroy.js';
import { ppcFragGather } from './ppc_frag_gather.js';
import { ppcPteFreeDefer } from './ppc_pte_free_defer.js';
import { ptReclaimNonempty } from './pt_reclaim_nonempty.js';
import { ptReclaimNonsplit } from './pt_reclaim_nonsplit.js';
import { ptReclaimTwoFreers } from './pt_reclaim_two_freers.js';
import { ptReclaimVsWalkers } from './pt_reclaim_vs_walkers.js';
import { pteAllocRace } from './pte_alloc_race.js';
import { pteRefRevive } from './pte_ref_revive.js';
import { retractVsFault } from './retract_vs_fault.js';
import { rmapVsTableFree } from './rmap_vs_table_free.js';
import type { Scenario, VariantValues } from './scenario.js';
import { twoVmaSharedTable } from './two_vma_shared_table.js';
import { zapRace } from './zap_race.js';

const BUILT_IN: readonly Scenario[] = [
  ptReclaimVsWalkers,
  ptReclaimNonempty,
  ptReclaimTwoFreers,
  munmapVsGupFast,
  gupFastVsCollapse,
  ptReclaimNonsplit,
  rmapVsTableFree,
  ppcPteFreeDefer,
  ppcFragGather,
  ppcFragDestroy,
  pteRefRevive,
  retractVsFault,
  pteAllocRace,
  zapRace,
  collapseVsPtReclaim,
  mremapVsRetract,
  forkVsPtReclaim,
  forkVsGupFast,
  twoVmaSharedTable,
  exitVsWalkers,
  mremapMovePtes,
];

/** The built-in scenarios, in documentation order. */
export function listScenarios(): readonly Scenario[] {
  return BUILT_IN;
}

/** The built-in scenario called `name`; a UsageError listing the names if there is none. */
export function getScenario(name: string): Scenario {
  const s = BUILT_IN.find((x) => x.name === name);
  if (!s) {
    throw new UsageError(
      'unknown-name',
      `unknown scenario '${name}': built-in scenarios are ${BUILT_IN.map((x) => x.name).join(', ')} (or pass a .js file exporting a scenario)`,
    );
  }
  return s;
}

/**
 * Every variant of `scenario` set: the given values, defaults for the rest. A UsageError names an
 * unknown variant or value and lists the valid ones.
 */
export function resolveVariants(
  scenario: Scenario,
  given: Readonly<Record<string, string>> = {},
): VariantValues {
  const names = Object.keys(scenario.variants);
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(given)) {
    const spec = scenario.variants[k];
    if (!Object.hasOwn(scenario.variants, k)) {
      const known =
        names.length === 0 ? 'it has no variants' : `its variants are ${names.join(', ')}`;
      throw new UsageError(
        'unknown-name',
        `scenario ${scenario.name} has no variant '${k}': ${known}`,
      );
    }
    if (!spec.values.includes(value)) {
      throw new UsageError(
        'unknown-name',
        `variant ${k} of scenario ${scenario.name} has no value '${value}': expected one of ${spec.values.join(', ')}`,
      );
    }
    out[k] = value;
  }
  for (const k of names) out[k] ??= scenario.variants[k].default;
  return out;
}

/** Every combination of variant values of `scenario` (the cross product), defaults first. */
export function variantCombinations(scenario: Scenario): VariantValues[] {
  let acc: Record<string, string>[] = [{}];
  for (const [k, spec] of Object.entries(scenario.variants)) {
    const ordered = [spec.default, ...spec.values.filter((x) => x !== spec.default)];
    acc = acc.flatMap((partial) => ordered.map((value) => ({ ...partial, [k]: value })));
  }
  return acc;
}
