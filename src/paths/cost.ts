// The cost of a freeing design, measured over the executions the checker explores: grace periods
// waited, callbacks run, IPIs and pages freed (issue #2 §3: compare designs on more than verdicts).

import type { CheckOptions, CheckResult } from '../check/index.js';
import { runCheck } from '../check/index.js';
import type { Program, ProgramInstance } from '../check/program.js';
import type { KernelProgramInstance } from './world/world.js';

/** Spread of one counter over the completed executions. */
export interface MetricSpread {
  readonly min: number;
  readonly max: number;
  readonly mean: number;
}

/** A check result together with the cost counters of its completed executions. */
export interface CostReport {
  readonly result: CheckResult;
  /** Executions whose threads all finished (the ones the counters describe). */
  readonly completed: number;
  readonly metrics: Readonly<Record<string, MetricSpread>>;
}

function isKernelInstance(i: ProgramInstance): i is KernelProgramInstance {
  return typeof (i as Partial<KernelProgramInstance>).metrics === 'function';
}

/** Runs the checker on `program` and summarises the `metrics()` of every completed execution. */
export function measureCost(program: Program, options: CheckOptions = {}): CostReport {
  const instances: KernelProgramInstance[] = [];
  const recording: Program = {
    name: program.name,
    create: () => {
      const inst = program.create();
      if (isKernelInstance(inst)) instances.push(inst);
      return inst;
    },
  };
  const result = runCheck(recording, options);
  const sums = new Map<string, { min: number; max: number; total: number }>();
  let completed = 0;
  for (const inst of instances) {
    if (!inst.complete()) continue;
    completed++;
    for (const [k, v] of Object.entries(inst.metrics())) {
      const s = sums.get(k);
      if (!s) sums.set(k, { min: v, max: v, total: v });
      else {
        s.min = Math.min(s.min, v);
        s.max = Math.max(s.max, v);
        s.total += v;
      }
    }
  }
  const metrics: Record<string, MetricSpread> = {};
  for (const [k, s] of sums) metrics[k] = { min: s.min, max: s.max, mean: s.total / completed };
  return { result, completed, metrics };
}
