import { runSchedulerConformance } from '../../../conformance/scheduler.case.js';

runSchedulerConformance({ make: () => ({ strategy: 'dfs', maxPreemptions: 3 }) });
