// `ptlab check`: model-checks a built-in scenario or a user's scenario module under its variants.

import type { Command } from 'commander';
import { closeSync, existsSync, openSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  estimateRun,
  type RunEstimate,
  runCheck,
  shrinkFailure,
  type ShrinkResult,
  type Program,
  type CheckOptions,
  type CheckResult,
  type StrategyName,
} from '../../check/index.js';
import {
  MUTATIONS,
  getScenario,
  listScenarios,
  meetsExpectation,
  type Mutation,
  type ExpectedVerdict,
  programName,
  resolveVariants,
  type Scenario,
  type VariantValues,
} from '../../paths/index.js';
import { formatCheckResult } from '../../report/check-printer.js';
import { checkDocument, checkResultJson } from '../../report/check-json.js';
import { SCHEMA_VERSION } from '../../report/json.js';
import { chromeTrace } from '../../report/trace.js';
import { UsageError } from '../../util/errors.js';
import { err, ioReason, out, outJson } from '../io.js';
import { fitLine } from '../render.js';
import { outputWidth } from '../terminal.js';
import { parseFormat, parsePositiveInt } from '../options.js';
import { importUserModule, resolvePtlabFromAnywhere } from '../scenario-loader.js';
import { groupDigits } from '../../util/format.js';

interface CheckFlags {
  variant: string[];
  mutate: string[];
  strategy: string;
  dpor: boolean;
  symmetry: boolean;
  shrink: boolean;
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
  estimate?: boolean;
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
    .option(
      '--mutate <guard>',
      'remove a protocol guard from the kernel paths (repeatable; guards listed below)',
      collect,
      [],
    )
    .option('-s, --strategy <name>', 'dfs (exhaustive, DPOR), random or pct', 'dfs')
    .option('--no-dpor', 'dfs without partial-order reduction (plain DFS with sleep sets off)')
    .option('--no-symmetry', 'do not reduce by symmetry classes of identical threads')
    .option('--no-shrink', 'print the failure as found, without searching for a smaller one')
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
    .option(
      '--estimate',
      'estimate executions and time before the run and print it (dfs with DPOR)',
    )
    .option('--no-estimate', 'do not estimate the run')
    .option('-l, --list', 'list the built-in scenarios with their variants and expected verdicts')
    .addHelpText(
      'after',
      `
Exit status: 0 no violation (pass or bounded), 1 a violation was found, 2 bad input.
With --all-variants: 0 when every variant ends as its scenario expects (an expected failure
counts; a bounded run where a pass was expected does not), else 1.

An exhaustive run (dfs with DPOR) that goes on for 0.25 s is estimated by random probes
(Knuth's estimator, as GenMC does); the estimate is printed on stderr when the run looks longer
than a second, updates the progress line, and is in the JSON output. --estimate makes it before
the run and always prints it.

--mutate GUARD removes one protocol guard from the modelled kernel paths (mutation testing). The
scenario's expected verdicts are those of the intact paths: with --all-variants the table shows
them as "expected (unmutated)" and marks each variant whose result departs from it as having
caught the mutation; the exit status is then 0 when at least one variant catches it and 1 when
none does (the guard is unprotected by the scenario: a scenario is missing). Guards:
${Object.entries(MUTATIONS)
  .map(([k, v]) => `  ${k.padEnd(28)} ${v}`)
  .join('\n')}

A failure is shrunk before it is printed (fewest threads, then steps and preemptions) and
printed with its own replay token; --no-shrink prints it as found.

Examples:
  ptlab check --list
  ptlab check pt_reclaim_vs_walkers                            # exhaustive, passes
  ptlab check pt_reclaim_vs_walkers --variant table_free=semi_rcu
  ptlab check pt_reclaim_vs_walkers --all-variants --format json
  ptlab check ppc_pte_free_defer --variant ppc_defer=naive --trace-out uaf.json
  ptlab check gup_fast_vs_collapse --mutate gup_fast_recheck   # fails: lost-mapping
  ptlab check ./examples/002-check-scenario/scenario.js`,
    )
    .action(async (target: string | undefined, flags: CheckFlags) => {
      const format = parseFormat(flags.format, ['text', 'json']);
      if (flags.list) {
        if (target !== undefined) {
          throw new UsageError(
            'option',
            `--list lists every scenario: do not name one ('${target}')`,
          );
        }
        if (format === 'json') outJson(listJson(listScenarios()));
        else out(formatList(listScenarios()));
        return;
      }
      if (target === undefined) {
        throw new UsageError('option', 'name a scenario or a module (see ptlab check --list)');
      }
      refuseConflicts(flags);
      const given = parseVariants(flags.variant);
      const mutations = parseMutations(flags.mutate);
      const options = checkOptions(flags);
      const traceOut = flags.traceOut;
      if (traceOut !== undefined) probeWritable(traceOut, '--trace-out');
      const scenario = await loadScenario(target);
      const userModule = isModulePath(target);
      const combos = flags.allVariants
        ? allCombinations(scenario, given)
        : [resolveVariants(scenario, given)];
      if (flags.replay !== undefined && combos.length > 1) {
        throw new UsageError(
          'option',
          '--replay replays one execution: do not combine it with --all-variants',
        );
      }
      const results: VariantRun[] = [];
      for (const values of combos) {
        const {
          program,
          result: found,
          estimate,
        } = runOne(
          scenario,
          values,
          options,
          { progress: flags.progress, estimate: flags.estimate },
          userModule ? target : undefined,
          mutations,
        );
        let result = found;
        let shrink: ShrinkResult | undefined;
        if (found.verdict === 'fail' && flags.shrink && flags.replay === undefined) {
          shrink = shrinkFailure(program, found, { symmetry: flags.symmetry });
          result = shrink.fail;
        }
        const replay = replayCommand(target, values, result, mutations);
        // A scenario's expectations are about the intact paths: for a mutant they are the
        // baseline a variant that notices the mutation departs from.
        const expected = scenario.expected?.(values);
        results.push({ values, result, replay, expected, shrink, estimate });
      }
      if (format === 'json') {
        outJson(
          checkDocument(
            target,
            mutations,
            results.map((r) =>
              checkResultJson(r.result, {
                replayCommand: r.replay,
                variants: r.values,
                ...(r.expected !== undefined ? { expected: r.expected } : {}),
                ...(r.shrink !== undefined ? { shrink: r.shrink } : {}),
                ...(r.estimate !== undefined ? { estimate: r.estimate } : {}),
              }),
            ),
          ),
        );
      } else {
        const texts = results.map((r) =>
          formatCheckResult(r.result, {
            replayCommand: r.replay,
            width: outputWidth(),
            ...(r.expected !== undefined && mutations.length === 0 ? { expected: r.expected } : {}),
            ...(r.shrink !== undefined ? { shrink: r.shrink } : {}),
          }),
        );
        if (results.length > 1 || (flags.allVariants && mutations.length > 0)) {
          texts.push(expectationTable(results, mutations));
        }
        out(texts.join('\n\n'));
      }
      const failed = results.find((r) => r.result.verdict === 'fail');
      if (traceOut !== undefined) {
        if (failed?.result.verdict === 'fail') {
          try {
            writeFileSync(traceOut, JSON.stringify(chromeTrace(failed.result)));
          } catch (e) {
            throw new UsageError('io', `--trace-out: cannot write '${traceOut}': ${ioReason(e)}`);
          }
          err(`trace written to ${traceOut} (open it in ui.perfetto.dev or chrome://tracing)`);
        } else {
          err('no failure: no trace written');
        }
      }
      // With --all-variants the question is whether every variant ends as its scenario expects
      // (a failure that is expected is success); a single run answers whether a violation exists.
      // With --mutate it is whether some variant notices the mutation (a surviving mutant means
      // a scenario is missing).
      if (flags.allVariants && mutations.length > 0) {
        if (!results.some((r) => !asExpected(r))) process.exitCode = 1;
      } else if (flags.allVariants) {
        if (results.some((r) => !asExpected(r))) process.exitCode = 1;
      } else if (failed) process.exitCode = 1;
    });
}

interface VariantRun {
  readonly values: VariantValues;
  readonly result: CheckResult;
  readonly replay: string;
  readonly expected: ExpectedVerdict | undefined;
  readonly shrink: ShrinkResult | undefined;
  readonly estimate: RunEstimate | undefined;
}

/** A variant without a stated expectation is as expected unless it found a violation. */
function asExpected(r: VariantRun): boolean {
  return r.expected !== undefined
    ? meetsExpectation(r.result, r.expected)
    : r.result.verdict !== 'fail';
}

/**
 * Expected against found, one line per variant combination. For a mutant the expectation is the
 * unmutated one and a variant that departs from it has caught the mutation.
 */
function expectationTable(results: readonly VariantRun[], mutations: readonly Mutation[]): string {
  const mutant = mutations.length > 0;
  const rows = results.map((r) => {
    const variant =
      Object.entries(r.values)
        .map(([k, v]) => `${k}=${v}`)
        .join(',') || '(no variants)';
    const expected =
      r.expected === undefined
        ? '-'
        : r.expected.verdict === 'pass'
          ? 'pass'
          : `fail ${(r.expected.kinds ?? []).join('|')}`.trim();
    const found =
      r.result.verdict === 'fail'
        ? `fail ${r.result.violation.kind}`
        : r.result.verdict === 'bounded'
          ? `bounded (${r.result.limits.join(', ')})`
          : 'pass';
    const mark = mutant
      ? asExpected(r)
        ? '-'
        : 'caught'
      : asExpected(r)
        ? 'ok'
        : 'NOT AS EXPECTED';
    return [variant, expected, found, mark];
  });
  const head = ['variant', mutant ? 'expected (unmutated)' : 'expected', 'found', ''];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(w[i]))
      .join('  ')
      .trimEnd();
  const bad = results.filter((r) => !asExpected(r)).length;
  const guards = mutations.join(', ');
  return [
    line(head),
    ...rows.map(line),
    mutant
      ? bad === 0
        ? `no variant notices the removal of ${guards}: a scenario is missing`
        : `the removal of ${guards} is caught by ${bad} of ${results.length} variants`
      : bad === 0
        ? `all ${results.length} variants as expected`
        : `${bad} of ${results.length} variants NOT as expected`,
  ].join('\n');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseVariants(items: readonly string[]): Record<string, string> {
  const given: Record<string, string> = {};
  for (const item of items) {
    const m = /^([A-Za-z_][\w-]*)=(.+)$/.exec(item);
    if (!m) throw new UsageError('option', `--variant: '${item}' is not of the form name=value`);
    if (m[1] in given) {
      throw new UsageError(
        'option',
        `--variant: '${m[1]}' is given twice ('${given[m[1]]}' and '${m[2]}'); give each variant once`,
      );
    }
    given[m[1]] = m[2];
  }
  return given;
}

/** Options that contradict each other are refused before any work. */
function refuseConflicts(flags: CheckFlags): void {
  const strategy = flags.strategy;
  if (flags.pctDepth !== undefined && strategy !== 'pct') {
    throw new UsageError('option', `--pct-depth applies to --strategy pct, not '${strategy}'`);
  }
  if (flags.maxPreemptions !== undefined && strategy !== 'dfs') {
    throw new UsageError(
      'option',
      `--max-preemptions applies to --strategy dfs, not '${strategy}'`,
    );
  }
  if (!flags.dpor && strategy !== 'dfs') {
    throw new UsageError('option', `--no-dpor applies to --strategy dfs, not '${strategy}'`);
  }
  if (flags.replay !== undefined && flags.allVariants) {
    throw new UsageError(
      'option',
      '--replay replays one execution: do not combine it with --all-variants',
    );
  }
}

/**
 * Fails now, before a long run, when `path` cannot be written: opens it for appending (which
 * neither truncates an existing file nor leaves a new one behind).
 */
function probeWritable(path: string, flag: string): void {
  const existed = existsSync(path);
  if (existed && statSync(path).isDirectory()) {
    throw new UsageError('io', `${flag}: '${path}' is a directory`);
  }
  try {
    closeSync(openSync(path, 'a'));
  } catch (e) {
    throw new UsageError('io', `${flag}: cannot write '${path}': ${ioReason(e)}`);
  }
  if (!existed) unlinkSync(path);
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

/** Estimated runs shorter than this print no estimate unless --estimate asks for it. */
const LONG_RUN_SECONDS = 1;

/**
 * Without --estimate, the estimate is made only once the run has gone on this long: most runs end
 * sooner, and a start-up of 40 cold probes cost more than a whole short run (issue #6 §4).
 */
const ESTIMATE_AFTER_MS = 250;

function runOne(
  scenario: Scenario,
  values: VariantValues,
  options: CheckOptions,
  show: { progress: boolean; estimate: boolean | undefined },
  modulePath?: string,
  mutations: readonly Mutation[] = [],
): { program: Program; result: CheckResult; estimate?: RunEstimate } {
  let program: ReturnType<Scenario['build']>;
  try {
    program = scenario.build(values, mutations.length > 0 ? { mutations } : undefined);
  } catch (e) {
    // A built-in scenario that cannot build is a bug in ptlab; a user's module, a user error.
    if (modulePath === undefined) throw e;
    const error = e instanceof Error ? e : new Error(String(e));
    throw new UsageError(
      'scenario',
      `scenario '${scenario.name}': build() threw ${error.name}: ${error.message}`,
      userFrame(error.stack, modulePath),
    );
  }
  const showProgress = show.progress && process.stderr.isTTY;
  const name = programName(scenario, values);
  const estimable = canEstimate(options, show.estimate);
  let estimate: RunEstimate | undefined;
  const announce = (e: RunEstimate): void => {
    estimate = e;
    if (show.estimate === true || (e.seconds ?? 0) >= LONG_RUN_SECONDS) {
      if (showProgress) process.stderr.write('\r\x1b[K');
      err(`${name}: ${describeEstimate(e)}`);
    }
  };
  if (estimable && show.estimate === true) announce(estimateFor(program, options));
  const lazy = estimable && show.estimate === undefined;
  let calls = 0;
  const result = runCheck(program, {
    ...options,
    ...(showProgress || lazy
      ? {
          progressInterval: lazy ? 100 : 1000,
          onProgress: (p) => {
            const ms = p.elapsedMs ?? 0;
            // Nested in the run, between two executions: the probes are executions of their own.
            if (lazy && estimate === undefined && ms >= ESTIMATE_AFTER_MS) {
              announce(estimateFor(program, options));
            }
            if (!showProgress || (lazy && ++calls % 10 !== 0)) return;
            const secs = ms / 1000;
            const rate = secs > 0 ? Math.round(p.executions / secs) : 0;
            const of = estimate !== undefined ? ` of ~${groupDigits(estimate.executions)}` : '';
            // Time left at the live rate (the estimate's own time is from cold probes).
            const left =
              estimate !== undefined && rate > 0 && estimate.executions > p.executions
                ? `, ~${formatSeconds((estimate.executions - p.executions) / rate)} left`
                : '';
            const tail = `: ${groupDigits(p.executions)}${of} executions, ${groupDigits(rate)}/s${left}, depth ${p.depth}`;
            process.stderr.write(`\r${fitLine(name, tail)}\x1b[K`);
          },
        }
      : {}),
  });
  if (showProgress) process.stderr.write('\r\x1b[K');
  if (modulePath !== undefined) refuseCodeError(result, modulePath);
  return { program, result, ...(estimate !== undefined ? { estimate } : {}) };
}

/**
 * Whether the run gets an estimate: exhaustive DPOR only (none for sampling, bounding, replay,
 * plain DFS, or with --no-estimate); its probes cost about 40 executions.
 */
function canEstimate(options: CheckOptions, flag: boolean | undefined): boolean {
  if (flag === false) return false;
  if ((options.strategy ?? 'dfs') !== 'dfs' || options.dpor === false) return false;
  return options.maxPreemptions === undefined && options.schedule === undefined;
}

function estimateFor(program: Program, options: CheckOptions): RunEstimate {
  return estimateRun(program, {
    now: () => performance.now(),
    ...(options.symmetry !== undefined ? { symmetry: options.symmetry } : {}),
  });
}

function describeEstimate(e: RunEstimate): string {
  const secs = e.seconds === undefined ? '' : `, ~${formatSeconds(e.seconds)}`;
  const pm = Math.round(e.relativeError * 100);
  return (
    `estimate: ~${groupDigits(e.executions)} executions${secs} ` +
    `(${e.probes} random probes, +-${pm}%; a rough figure, often off by 2-5x)`
  );
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** JavaScript errors that mean the code itself is wrong (a typo, a wrong call), not the protocol. */
const CODE_ERRORS = /^(?:ReferenceError|TypeError|SyntaxError|RangeError)$/;

/**
 * A user's thread body (or create/finalCheck) that throws a ReferenceError or TypeError has a bug in
 * its code: that is a user error (exit 2), not a protocol finding with a replay token.
 */
function refuseCodeError(result: CheckResult, modulePath: string): void {
  if (result.verdict !== 'fail' || result.violation.kind !== 'assertion') return;
  const stack = result.violation.details?.stack ?? '';
  const name = /^(\w+):/.exec(stack)?.[1] ?? '';
  if (!CODE_ERRORS.test(name)) return;
  const first = stack.split('\n')[0];
  throw new UsageError(
    'scenario',
    `scenario code error in thread ${result.violation.details?.thread ?? '?'}: ${first} (a bug in the scenario's code, not a protocol violation)`,
    userFrame(stack, modulePath),
  );
}

/** The first stack frame inside the user's module, as a source position. */
function userFrame(
  stack: string | undefined,
  modulePath: string,
): { file: string; line: number; col: number } | undefined {
  const url = pathToFileURL(resolve(modulePath)).href;
  for (const line of (stack ?? '').split('\n')) {
    const i = line.indexOf(url);
    if (i < 0) continue;
    const m = /^:(\d+):(\d+)/.exec(line.slice(i + url.length));
    if (m) return { file: modulePath, line: Number(m[1]), col: Number(m[2]) };
  }
  return undefined;
}

/** The command line that replays `result`'s failure. */
function replayCommand(
  target: string,
  values: VariantValues,
  result: CheckResult,
  mutations: readonly Mutation[] = [],
): string {
  if (result.verdict !== 'fail') return '';
  const vs = Object.entries(values).map(([k, v]) => `--variant ${k}=${v}`);
  const ms = mutations.map((m) => `--mutate ${m}`);
  return ['ptlab check', shellQuote(target), ...vs, ...ms, '--replay', result.schedule].join(' ');
}

/** The guards named by --mutate, each once; a UsageError lists the guards for an unknown one. */
function parseMutations(items: readonly string[]): Mutation[] {
  const out: Mutation[] = [];
  for (const m of items) {
    if (!Object.hasOwn(MUTATIONS, m)) {
      throw new UsageError(
        'option',
        `--mutate: no guard '${m}': guards are ${Object.keys(MUTATIONS).join(', ')}`,
      );
    }
    if (!out.includes(m as Mutation)) out.push(m as Mutation);
  }
  return out;
}

function shellQuote(s: string): string {
  return /^[\w./=:-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function isModulePath(target: string): boolean {
  return /[/\\]|\.m?js$/.test(target);
}

/** Loads a built-in scenario by name, or a user's module by path. */
async function loadScenario(target: string): Promise<Scenario> {
  if (!isModulePath(target)) return getScenario(target);
  let mod: Record<string, unknown>;
  resolvePtlabFromAnywhere();
  try {
    mod = await importUserModule(pathToFileURL(resolve(target)).href);
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

function combinations(s: Scenario): VariantValues[] {
  let combos: VariantValues[] = [{}];
  for (const [k, v] of Object.entries(s.variants))
    combos = combos.flatMap((c) => v.values.map((x) => ({ ...c, [k]: x })));
  return combos;
}

/** `check --list --format json` (docs/schemas/check-list.schema.json). */
function listJson(scenarios: readonly Scenario[]): Record<string, unknown> {
  return {
    schema_version: SCHEMA_VERSION,
    command: 'check-list',
    scenarios: scenarios.map((s) => ({
      name: s.name,
      description: s.description,
      variants: Object.entries(s.variants).map(([name, v]) => ({
        name,
        values: [...v.values],
        default: v.default,
        doc: v.doc,
      })),
      expected: s.expected
        ? combinations(s).map((c) => {
            const e = s.expected?.(c);
            return { variants: c, verdict: e?.verdict ?? null, why: e?.why ?? null };
          })
        : [],
    })),
  };
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
