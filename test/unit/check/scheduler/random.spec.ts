import { runSchedulerConformance } from '../../../conformance/scheduler.case.js';

runSchedulerConformance({ make: ({ seed }) => ({ strategy: 'random', seed }) });
