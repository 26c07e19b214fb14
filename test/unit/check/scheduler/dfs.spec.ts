import { runSchedulerConformance } from '../../../conformance/scheduler.case.js';

runSchedulerConformance({ make: () => ({ strategy: 'dfs', dpor: true }) });
