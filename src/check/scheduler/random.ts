// Seeded uniform random scheduling (shuttle's random.rs): each step picks one enabled thread at
// random. Samples executions; it never proves absence of bugs.

import { Prng } from '../../util/prng.js';
import type { CheckLimit } from '../result.js';
import { countThreads, nthThread, type ExecutionView, type Scheduler } from '../scheduler.js';

/** Picks a uniformly random enabled thread at every step, from a seeded generator. */
export class RandomScheduler implements Scheduler {
  readonly strategy = 'random';
  private readonly prng: Prng;

  constructor(seed: number) {
    this.prng = new Prng(seed);
  }

  newExecution(): boolean {
    return true;
  }

  nextTask(_view: ExecutionView, enabled: number): number | null {
    if (enabled === 0) return null;
    return nthThread(enabled, this.prng.below(countThreads(enabled)));
  }

  exhaustive(): boolean {
    return false;
  }

  boundsHit(): readonly CheckLimit[] {
    return ['sampling'];
  }
}
