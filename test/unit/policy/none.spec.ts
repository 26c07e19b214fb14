import { runFreePolicyConformance } from '../../conformance/free-policy.case.js';
import { nonePolicy } from '../../../src/policy/index.js';

runFreePolicyConformance({
  make: () => nonePolicy,
  expect: { afterFullSlotDontneed: 12, afterHalfSlotDontneed: 12, afterFreeAndPressure: 12 },
});
