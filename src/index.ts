// The public API of ptlab (package entry `ptlab`): the model checker, the kernel world with its
// paths and scenarios, and the simulator's workload entry points.

export * from './check/index.js';
export * from './paths/index.js';
export { UsageError, type UsageErrorCode, type SourcePos, type Errno } from './util/errors.js';
export { parseWorkload } from './workload/parse.js';
export { runWorkload, type SimOptions, type SimReport, type SimResult } from './workload/run.js';
export type { Workload } from './workload/types.js';
