// The public API of ptlab (package entry `ptlab`): the model checker, the kernel world with its
// paths and scenarios, and the simulator's workload entry points once they exist.

export * from './check/index.js';
export * from './paths/index.js';
export { UsageError, type UsageErrorCode, type SourcePos, type Errno } from './util/errors.js';
export { parseWorkload } from './workload/parse.js';
