import { describe, expect, it } from 'vitest';
import { do_user_addr_fault } from '../../../src/paths/fault.js';
import type { FaultResult } from '../../../src/paths/memory.js';
import { World } from '../../../src/paths/world/world.js';
import { Stepper } from '../../helpers/step-thread.js';

describe('do_user_addr_fault', () => {
  it('maps under the per-VMA lock without touching mmap_lock', () => {
    const w = new World();
    let r: FaultResult | 'SIGSEGV' | undefined;
    w.spawn('fault', function* (cpu) {
      r = yield* do_user_addr_fault(w, cpu, w.pmd(), 0, 4);
    });
    const s = new Stepper(w.instance()).finish('fault');
    expect(r).toBe('mapped');
    expect(s.trace.some((l) => l.includes('mmap_read_lock'))).toBe(false);
  });

  it('falls back to mmap_lock when munmap write-locked the VMA, and gets SIGSEGV once it is detached', () => {
    const w = new World();
    let r: FaultResult | 'SIGSEGV' | undefined;
    w.spawn('munmap', function* (cpu) {
      yield* w.mm.mmap_lock.down_write(cpu, 'mmap_write_lock');
      yield* w.mm.vma.vm_lock.down_write(cpu, 'vma_start_write');
      w.mm.vma.detached = true;
      yield* w.mm.vma.vm_lock.up_write(cpu, 'vma_end_write_all');
      yield* w.mm.mmap_lock.up_write(cpu, 'mmap_write_unlock');
    });
    w.spawn('fault', function* (cpu) {
      r = yield* do_user_addr_fault(w, cpu, w.pmd(), 0, 4);
    });
    const s = new Stepper(w.instance());
    s.run('munmap', 2).runToBlock('fault');
    expect(s.pending('fault')?.label).toContain('mmap_read_lock');
    s.finish('munmap').finish('fault');
    expect(r).toBe('SIGSEGV');
    expect(w.pmd().val).toBe(0);
  });
});
