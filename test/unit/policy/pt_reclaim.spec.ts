import { runFreePolicyConformance } from '../../conformance/free-policy.case.js';
import { ptReclaimPolicy } from '../../../src/policy/index.js';

runFreePolicyConformance({
  make: () => ptReclaimPolicy,
  expect: { afterFullSlotDontneed: 8, afterHalfSlotDontneed: 12, afterFreeAndPressure: 12 },
});
