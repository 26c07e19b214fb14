// The registry of built-in strategies, picked by name (style O4).

import type { ResolvedCheckOptions } from '../options.js';
import { decodeSchedule } from '../schedule.js';
import type { Scheduler } from '../scheduler.js';
import { DfsScheduler } from './dfs.js';
import { PctScheduler } from './pct.js';
import { RandomScheduler } from './random.js';
import { ReplayScheduler } from './replay.js';

export { DfsScheduler, type DfsOptions } from './dfs.js';
export { PctScheduler } from './pct.js';
export { RandomScheduler } from './random.js';
export { ReplayScheduler } from './replay.js';

/** Builds the scheduler that `options.strategy` names (bounded dfs is built by the runner). */
export function createScheduler(options: ResolvedCheckOptions): Scheduler {
  switch (options.strategy) {
    case 'dfs':
      return new DfsScheduler(
        options.maxPreemptions === undefined
          ? { dpor: options.dpor }
          : { dpor: false, maxPreemptions: options.maxPreemptions },
      );
    case 'random':
      return new RandomScheduler(options.seed);
    case 'pct':
      return new PctScheduler(options.seed, options.pctDepth);
    case 'replay':
      return new ReplayScheduler(decodeSchedule(options.schedule ?? ''));
  }
}
