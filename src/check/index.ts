// Public API of the generic model checker (src/check): what paths, the CLI and users import.

export type {
  Access,
  Program,
  ProgramInstance,
  Step,
  ThreadBody,
  ThreadSpec,
  Violation,
  ViolationKind,
} from './program.js';
export { ViolationSignal, violate } from './program.js';
export {
  Footprint,
  collectAccesses,
  conflicts,
  registerObject,
  registeredNames,
  reportAccess,
  type AccessKind,
  type ObjectNames,
} from './access.js';
export { runCheck } from './runner.js';
export {
  failureSize,
  shrinkFailure,
  type FailureSize,
  type ShrinkOptions,
  type ShrinkResult,
} from './shrink.js';
export {
  resolveCheckOptions,
  type CheckOptions,
  type CheckProgress,
  type ExecutionRecord,
  type ResolvedCheckOptions,
  type StrategyName,
} from './options.js';
export type {
  CheckBounded,
  CheckFail,
  CheckLimit,
  CheckPass,
  CheckResult,
  CheckStats,
  PendingStep,
  TraceAccess,
  TraceStep,
} from './result.js';
export { decodeSchedule, encodeSchedule, type Schedule } from './schedule.js';
export { MAX_THREADS, type ExecutionView, type Scheduler } from './scheduler.js';
export {
  DfsScheduler,
  PctScheduler,
  RandomScheduler,
  ReplayScheduler,
  createScheduler,
  type DfsOptions,
} from './scheduler/index.js';
export { estimateRun, type EstimateOptions, type RunEstimate } from './estimate.js';
