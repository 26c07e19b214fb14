// Follows a recorded schedule (a replay token) for exactly one execution (shuttle's replay.rs).

import { UsageError } from '../../util/errors.js';
import type { Schedule } from '../schedule.js';
import type { CheckLimit } from '../result.js';
import type { ExecutionView, Scheduler } from '../scheduler.js';

/** Runs the one execution a token describes; a token that does not fit the program is a UsageError. */
export class ReplayScheduler implements Scheduler {
  readonly strategy = 'replay';
  private ran = false;

  constructor(private readonly schedule: Schedule) {}

  newExecution(): boolean {
    if (this.ran) return false;
    this.ran = true;
    return true;
  }

  nextTask(view: ExecutionView, enabled: number): number | null {
    const { steps, threadCount } = this.schedule;
    if (view.threadCount !== threadCount) {
      throw mismatch(
        `it was recorded with ${threadCount} threads, the program has ${view.threadCount}`,
      );
    }
    if (enabled === 0) return null;
    if (view.depth >= steps.length) {
      throw mismatch(`it ends after ${steps.length} steps but the execution goes on`);
    }
    const t = steps[view.depth];
    if ((enabled & (1 << t)) === 0) {
      const why = view.pending(t) === null ? 'has finished' : 'is blocked';
      throw mismatch(`at step ${view.depth} it runs thread ${t}, which ${why}`);
    }
    return t;
  }

  exhaustive(): boolean {
    return false;
  }

  boundsHit(): readonly CheckLimit[] {
    return ['replay'];
  }
}

function mismatch(why: string): UsageError {
  return new UsageError(
    'option',
    `replay token does not fit this program: ${why}; ` +
      'replay with the same scenario, variants and options as the run that printed it',
  );
}
