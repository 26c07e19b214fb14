import { runSchedulerConformance } from '../../../conformance/scheduler.case.js';

runSchedulerConformance({ make: ({ seed }) => ({ strategy: 'pct', seed, pctDepth: 3 }) });
