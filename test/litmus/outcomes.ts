// What an exploration reached, as comparable data: every Mazurkiewicz trace of its executions (the
// order of each pair of conflicting steps, from the footprints the world reported), the final
// state of every complete execution, and every violation with the site that raised it. DPOR must
// reach everything plain DFS reaches (the DPOR-versus-DFS agreement suite, issue #6 §1).

import {
  registeredNames,
  runCheck,
  type CheckOptions,
  type ExecutionRecord,
  type Program,
  type TraceStep,
} from '../../src/check/index.js';

/** Distinct traces, end states and violation sites an exploration reached. */
export interface Outcomes {
  /** Canonical forms of the Mazurkiewicz traces of the maximal executions. */
  readonly traces: Set<string>;
  /** End states (`end: <describeState>`) and violations (`<kind> at <thread>: <label>: <message>`). */
  readonly results: Set<string>;
  readonly executions: number;
  readonly verdict: string;
}

/**
 * The canonical form of an execution's Mazurkiewicz trace: each thread's sequence of step labels,
 * then for every object the order of its accesses, with each run of reads between two writes
 * unordered (sorted), and likewise each run of adds (adds commute with adds, not with reads). Two
 * executions have the same form exactly when they order every pair of conflicting steps alike.
 */
export function canonicalTrace(trace: readonly TraceStep[]): string {
  const local = new Map<number, number>();
  const threads = new Map<string, string[]>();
  const objects = new Map<string, string[]>();
  for (const s of trace) {
    const n = local.get(s.thread) ?? 0;
    local.set(s.thread, n + 1);
    const ev = `${s.thread}.${n}`;
    const labels = threads.get(s.threadName) ?? [];
    labels.push(s.label);
    threads.set(s.threadName, labels);
    for (const a of s.accesses) {
      const seq = objects.get(a.obj) ?? [];
      // Runs of reads, or of adds, commute within the run; a change of kind or a write ends one.
      const kind = a.access === 'add' ? 'a' : 'r';
      if (a.access === 'write') seq.push(`w${ev}`, '|');
      else if (
        seq.length > 0 &&
        seq[seq.length - 1] !== '|' &&
        !seq[seq.length - 1].startsWith(kind)
      ) {
        seq.push('|', `${kind}${ev}`);
      } else seq.push(`${kind}${ev}`);
      objects.set(a.obj, seq);
    }
  }
  const parts: string[] = [];
  for (const [t, labels] of [...threads].sort()) parts.push(`${t}:${labels.join(';')}`);
  for (const [o, seq] of [...objects].sort()) {
    const epochs = seq
      .join(' ')
      .split('|')
      .map((e) => e.trim().split(' ').filter(Boolean).sort().join(' '));
    parts.push(`${o}:${epochs.join('|')}`);
  }
  return parts.join('\n');
}

/** Explores `program` with `options` (keepGoing) and collects every outcome. */
export function outcomes(program: Program, options: CheckOptions): Outcomes {
  const traces = new Set<string>();
  const results = new Set<string>();
  let state = '';
  const recording: Program = {
    name: program.name,
    create: () => {
      const inst = program.create();
      const describe = inst.describeState;
      const check = inst.finalCheck;
      return {
        ...inst,
        finalCheck: () => {
          state = describe?.() ?? '';
          return check?.();
        },
      };
    },
  };
  const r = runCheck(recording, {
    ...options,
    keepGoing: true,
    onExecution: (e: ExecutionRecord) => {
      // Traces name objects: two objects of one name would merge in the canonical form and make
      // independent steps look ordered (the "7 missing traces" of issue #6 were exactly that).
      const names = registeredNames();
      if (new Set(names).size !== names.length) {
        const dup = names.filter((n, i) => names.indexOf(n) !== i);
        throw new Error(`${program.name}: objects share a name: ${[...new Set(dup)].join(', ')}`);
      }
      // Only maximal executions: one cut by a violation mid-step is a prefix, and which
      // independent steps of other threads ran before the cut is not part of its trace.
      if (e.complete || e.failedStep === null) traces.add(canonicalTrace(e.trace));
      if (e.complete) results.add(`end: ${state}`);
      if (e.violation !== undefined) {
        const at = e.failedStep == null ? null : e.trace[e.failedStep];
        const site = at === null ? 'end' : `${at.threadName}: ${at.label}`;
        results.add(`${e.violation.kind} at ${site}: ${e.violation.message}`);
      }
    },
  });
  return { traces, results, executions: r.stats.executions, verdict: r.verdict };
}

/** What `b` reached that `a` did not: results first, then how many traces. */
export function missing(a: Outcomes, b: Outcomes): { results: string[]; traces: number } {
  return {
    results: [...b.results].filter((x) => !a.results.has(x)).sort(),
    traces: [...b.traces].filter((x) => !a.traces.has(x)).length,
  };
}
