import { runArchConformance } from '../../conformance/arch.case.js';
import { ARM64_16K, ARM64_4K, ARM64_64K } from '../../../src/arch/index.js';

runArchConformance({ make: () => ARM64_4K });
runArchConformance({ make: () => ARM64_16K });
runArchConformance({ make: () => ARM64_64K });
