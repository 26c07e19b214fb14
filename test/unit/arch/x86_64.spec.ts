import { runArchConformance } from '../../conformance/arch.case.js';
import { I386, I386_PAE, X86_64, X86_64_LA57 } from '../../../src/arch/index.js';

runArchConformance({ make: () => X86_64 });
runArchConformance({ make: () => X86_64_LA57 });
runArchConformance({ make: () => I386 });
runArchConformance({ make: () => I386_PAE });
