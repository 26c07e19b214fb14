import { runFreePolicyConformance } from '../../conformance/free-policy.case.js';
import { refcountPolicy } from '../../../src/policy/index.js';

runFreePolicyConformance({
  make: () => refcountPolicy,
  expect: { afterFullSlotDontneed: 8, afterHalfSlotDontneed: 8, afterFreeAndPressure: 8 },
});
