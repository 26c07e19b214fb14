import { runCheck } from '../../../../src/check/index.js';
import {
  SCHEDULER_TESTS as T,
  runSchedulerConformance,
} from '../../../conformance/scheduler.case.js';

runSchedulerConformance({
  make: ({ program }) => {
    const found = runCheck(program);
    return found.verdict === 'fail' ? { schedule: found.schedule } : { strategy: 'dfs' };
  },
  skip: [{ reason: 'replay runs the one execution its token names', tests: [T.outcomes] }],
});
