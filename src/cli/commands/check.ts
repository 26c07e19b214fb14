// `ptlab check`: model-checks a built-in scenario or a user's scenario module under its variants.

import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  runCheck,
  type CheckOptions,
  type CheckResult,
  type StrategyName,
} from '../../check/index.js';
import {
  getScenario,
  listScenarios,
  programName,
  resolveVariants,
  type Scenario,
  type VariantValues,
} from '../../paths/index.js';
import { formatCheckResult } from '../../report/check-printer.js';
import { checkResultJson } from '../../report/check-json.js';
import { chromeTrace } from '../../report/trace.js';
import { UsageError } from '../../util/errors.js';
import { err, out } from '../io.js';
import { parseFormat, parsePositiveInt } from '../options.js';

interface CheckFlags {
  variant: string[];
  strategy: string;
  dpor: boolean;
  symmetry: boolean;
  maxPreemptions?: string;
  maxIterations?: string;
  maxSteps?: string;
  maxTime?: string;
  seed: string;
  pctDepth?: string;
  replay?: string;
  format: string;
  traceOut?: string;
  list?: boolean;
  allVariants?: boolean;
  progress: boolean;
}

const STRATEGIES: readonly StrategyName[] = ['dfs', 'random', 'pct'];

/** Registers `check`. */
export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('model-check a page-table freeing protocol against lockless walkers')
    .argument(
      '[scenario]',
      'a built-in scenario name (see --list) or a .js/.mjs module exporting `scenario`',
    )
    .option('-V, --variant <k=v>', 'set a variant (repeatable)', collect, [])
    .option('--all-variants', 'check every combination of variant values')
    .option('-s, --strategy <name>', 'dfs (exhaustive, DPOR), random or pct', 'dfs')
    .option('--no-dpor', 'dfs without partial-order reduction (plain DFS with sleep sets off)')
    .option('--no-symmetry', 'do not reduce by symmetry classes of identical threads')
    .option(
      '--max-preemptions <n>',
      'dfs: explore schedules with at most n preemptions, fewest first',
    )
    .option('--max-iterations <n>', 'stop after n executions')
    .option('--max-steps <n>', 'steps per execution at most')
    .option('--max-time <seconds>', 'stop after this many seconds')
    .option('--seed <n>', 'seed of random and pct', '0')
    .option('--pct-depth <d>', 'pct: bug depth d')
    .option('--replay <token>', 'replay the schedule of a reported failure')
    .option('-f, --format <format>', 'output: text or json', 'text')
    .option(
      '--trace-out <file>',
      'write the failing execution as Chrome trace-event JSON (Perfetto)',
    )
    .option('--no-progress', 'no progress line on stderr')
    .option('-l, --list', 'list the built-in scenarios with their variants and expected verdicts')
    .addHelpText(
      'after',
      `
Exit status: 0 no violation (pass or bounded), 1 a violation was found, 2 bad input.

Examples:
  ptlab check --list
  ptlab check pt_reclaim_vs_walkers                            # exhaustive, passes
  ptlab check pt_reclaim_vs_walkers --variant table_free=semi_rcu
  ptlab check pt_reclaim_vs_walkers --all-variants --format json
  ptlab check ppc_pte_free_defer --variant ppc_defer=naive --trace-out uaf.json
  ptlab check ./examples/002-check-scenario/scenario.js`,
    )
    .action(async (target: string | undefined, flags: CheckFlags) => {
      if (flags.list) {
        out(formatList(listScenarios()));
        return;
      }
      if (target === undefined) {
        throw new UsageError('option', 'name a scenario or a module (see ptlab check --list)');
      }
      const format = parseFormat(flags.format, ['text', 'json']);
      const scenario = await loadScenario(target);
      const given = parseVariants(flags.variant);
      const combos = flags.allVariants
        ? allCombinations(scenario, given)
        : [resolveVariants(scenario, given)];
      if (flags.replay !== undefined && combos.length > 1) {
        throw new UsageError(
          'option',
          '--replay replays one execution: do not combine it with --all-variants',
        );
      }
      const options = checkOptions(flags);
      const results: { values: VariantValues; result: CheckResult; replay: string }[] = [];
      for (const values of combos) {
        const result = runOne(scenario, values, options, flags.progress);
        const replay = replayCommand(target, values, result);
        results.push({ values, result, replay });
      }
      if (format === 'json') {
        const json = results.map((r) => ({
          variants: r.values,
          ...checkResultJson(r.result, { replayCommand: r.replay }),
        }));
        out(JSON.stringify(json.length === 1 ? json[0] : json, null, 2));
      } else {
        out(
          results.map((r) => formatCheckResult(r.result, { replayCommand: r.replay })).join('\n\n'),
        );
      }
      const failed = results.find((r) => r.result.verdict === 'fail');
      if (flags.traceOut !== undefined) {
        if (failed?.result.verdict === 'fail') {
          writeFileSync(flags.traceOut, JSON.stringify(chromeTrace(failed.result)));
          err(
            `trace written to ${flags.traceOut} (open it in ui.perfetto.dev or chrome://tracing)`,
          );
        } else {
          err('no failure: no trace written');
        }
      }
      if (failed) process.exitCode = 1;
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseVariants(items: readonly string[]): Record<string, string> {
  const given: Record<string, string> = {};
  for (const item of items) {
    const m = /^([A-Za-z_][\w-]*)=(.+)$/.exec(item);
    if (!m) throw new UsageError('option', `--variant: '${item}' is not of the form name=value`);
    given[m[1]] = m[2];
  }
  return given;
}

function allCombinations(scenario: Scenario, given: Record<string, string>): VariantValues[] {
  let acc: Record<string, string>[] = [{}];
  for (const [k, spec] of Object.entries(scenario.variants)) {
    const values = k in given ? [given[k]] : spec.values;
    acc = acc.flatMap((p) => values.map((v) => ({ ...p, [k]: v })));
  }
  return acc.map((c) => resolveVariants(scenario, c));
}

function checkOptions(flags: CheckFlags): CheckOptions {
  if (!(STRATEGIES as readonly string[]).includes(flags.strategy)) {
    throw new UsageError(
      'option',
      `--strategy: unknown strategy '${flags.strategy}' (expected ${STRATEGIES.join(', ')})`,
    );
  }
  const seed = /^[0-9]+$/.test(flags.seed) ? Number(flags.seed) : Number.NaN;
  if (!Number.isSafeInteger(seed))
    throw new UsageError('option', `--seed: '${flags.seed}' is not a non-negative integer`);
  const num = (v: string | undefined, flag: string): number | undefined =>
    v === undefined ? undefined : parsePositiveInt(v, flag);
  const maxPreemptions =
    flags.maxPreemptions === undefined
      ? undefined
      : /^[0-9]+$/.test(flags.maxPreemptions)
        ? Number(flags.maxPreemptions)
        : parsePositiveInt(flags.maxPreemptions, '--max-preemptions');
  const maxTime = num(flags.maxTime, '--max-time');
  const maxIterations = num(flags.maxIterations, '--max-iterations');
  const maxSteps = num(flags.maxSteps, '--max-steps');
  const pctDepth = num(flags.pctDepth, '--pct-depth');
  return {
    strategy: flags.replay !== undefined ? 'replay' : (flags.strategy as StrategyName),
    dpor: flags.dpor,
    symmetry: flags.symmetry,
    seed,
    now: () => performance.now(),
    ...(maxIterations !== undefined ? { maxIterations } : {}),
    ...(maxSteps !== undefined ? { maxSteps } : {}),
    ...(maxTime !== undefined ? { maxTime: maxTime * 1000 } : {}),
    ...(pctDepth !== undefined ? { pctDepth } : {}),
    ...(maxPreemptions !== undefined ? { maxPreemptions } : {}),
    ...(flags.replay !== undefined ? { schedule: flags.replay } : {}),
  };
}

function runOne(
  scenario: Scenario,
  values: VariantValues,
  options: CheckOptions,
  progress: boolean,
): CheckResult {
  const program = scenario.build(values);
  const showProgress = progress && process.stderr.isTTY;
  const name = programName(scenario, values);
  const result = runCheck(program, {
    ...options,
    ...(showProgress
      ? {
          onProgress: (p) => {
            const secs = (p.elapsedMs ?? 0) / 1000;
            const rate = secs > 0 ? Math.round(p.executions / secs) : 0;
            process.stderr.write(
              `\r${name}: ${p.executions.toLocaleString('en-US')} executions, ${rate.toLocaleString('en-US')}/s, depth ${p.depth}   `,
            );
          },
        }
      : {}),
  });
  if (showProgress) process.stderr.write('\r\x1b[K');
  return result;
}

/** The command line that replays `result`'s failure. */
function replayCommand(target: string, values: VariantValues, result: CheckResult): string {
  if (result.verdict !== 'fail') return '';
  const vs = Object.entries(values).map(([k, v]) => `--variant ${k}=${v}`);
  return ['ptlab check', shellQuote(target), ...vs, '--replay', result.schedule].join(' ');
}

function shellQuote(s: string): string {
  return /^[\w./=:-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Loads a built-in scenario by name, or a user's module by path. */
async function loadScenario(target: string): Promise<Scenario> {
  if (!/[/\\]|\.m?js$/.test(target)) return getScenario(target);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(resolve(target)).href)) as Record<string, unknown>;
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new UsageError('io', `cannot load scenario module '${target}': ${why}`);
  }
  const s = (mod.scenario ?? mod.default) as Partial<Scenario> | undefined;
  if (
    !s ||
    typeof s !== 'object' ||
    typeof s.name !== 'string' ||
    typeof s.build !== 'function' ||
    typeof s.variants !== 'object'
  ) {
    throw new UsageError(
      'parse',
      `'${target}' does not export a scenario: export \`scenario\` (or a default export) made with defineScenario({ name, description, variants, build })`,
    );
  }
  return s as Scenario;
}

function formatList(scenarios: readonly Scenario[]): string {
  const lines: string[] = [];
  for (const s of scenarios) {
    lines.push(`${s.name}`, `  ${s.description}`);
    for (const [k, v] of Object.entries(s.variants)) {
      lines.push(`  --variant ${k}=${v.values.join('|')}  (default ${v.default})`);
      for (const docLine of v.doc.split('\n')) lines.push(`      ${docLine}`);
    }
    if (s.expected) {
      let combos: VariantValues[] = [{}];
      for (const [k, v] of Object.entries(s.variants))
        combos = combos.flatMap((c) => v.values.map((x) => ({ ...c, [k]: x })));
      for (const c of combos) {
        const e = s.expected(c);
        const label =
          Object.entries(c)
            .map(([k, v]) => `${k}=${v}`)
            .join(',') || '(no variants)';
        lines.push(`  expect ${e.verdict.toUpperCase().padEnd(4)} ${label}: ${e.why}`);
      }
    }
    lines.push('');
  }
  return lines.join('\n');
}
