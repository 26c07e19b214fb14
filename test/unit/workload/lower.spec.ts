// Tests of lowering a workload to the kernel oracle's resolved op list.

import { describe, expect, it } from 'vitest';
import { lowerBatch, lowerWorkload, ORACLE_MOVE_TOP } from '../../../src/workload/lower.js';
import { parseWorkload } from '../../../src/workload/parse.js';
import { UsageError } from '../../../src/util/errors.js';

const lower = (text: string) => lowerWorkload(parseWorkload(text, 'w.ptw'));

describe('lowerWorkload', () => {
  it('resolves names to absolute addresses and adds offsets from the original start', () => {
    const { lines, sourceOp } = lower(
      [
        'map a 4M at=0x40000000 prot=r',
        'map b 2M at=2G',
        'munmap a +0 1M',
        'touch a +3M 1M stride=64K read',
        'touch b +4K 8K',
        'madvise a +2M 2M dontneed',
        'madvise b +0 2M dontneed_locked',
        'madvise a +1M 4K free',
        'mprotect b +0 1M rwx',
        'pressure',
        'report done',
      ].join('\n'),
    );
    expect(lines).toEqual([
      'map 0x40000000 4194304 1',
      'map 0x80000000 2097152 3',
      'munmap 0x40000000 1048576',
      'touch 0x40300000 1048576 65536 r',
      'touch 0x80001000 8192 4096 w',
      'madvise 0x40200000 2097152 4',
      'madvise 0x80000000 2097152 24',
      'madvise 0x40100000 4096 8',
      'mprotect 0x80000000 1048576 7',
      'pressure',
      'report done',
    ]);
    expect(sourceOp).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('refuses a map without at= with a host error at the map', () => {
    let error: unknown;
    try {
      lower('map a 2M at=1G\nmap b 2M\ntouch b +0 1');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe('host');
    expect((error as UsageError).where).toEqual({ file: 'w.ptw', line: 2, col: 1 });
    expect((error as UsageError).message).toContain(`map 'b' (add at=ADDR`);
  });

  it('gives a move the kernel places the address the model chose below ORACLE_MOVE_TOP', () => {
    const l = lower(
      'map a 4M at=1G\nmap x 4K at=0x40400000\nmremap a +0 4M 8M maymove as=b\ntouch b +0 4K\n' +
        'mremap b +0 4K 4K maymove dontunmap as=c\ntouch c +0 1',
    );
    expect(l.top).toBe(ORACLE_MOVE_TOP);
    // 8 MiB (a 2 MiB multiple) goes right below the top, 2 MiB aligned; 4 KiB right below it.
    const b = ORACLE_MOVE_TOP - 8n * 2n ** 20n;
    const c = b - 4096n;
    expect(l.lines.slice(2)).toEqual([
      `mremap 0x40000000 4194304 8388608 1 0x0 0x${b.toString(16)}`,
      `touch 0x${b.toString(16)} 4096 4096 w`,
      `mremap 0x${b.toString(16)} 4096 4096 5 0x0 0x${c.toString(16)}`,
      `touch 0x${c.toString(16)} 1 4096 w`,
    ]);
    expect(lower('map a 4M at=1G\nmremap a +0 4M 4M maymove fixed at=2G').top).toBeUndefined();
  });
});

describe('lowerBatch', () => {
  it('frames each workload with its id and run count', () => {
    const w = parseWorkload('map a 2M at=1G\nreport r', 'w.ptw');
    const { text, lowered } = lowerBatch([
      { id: 'x', workload: w, runs: 3 },
      { id: 'y', workload: w, runs: 1 },
    ]);
    expect(text).toBe(
      'workload x 3\nmap 0x40000000 2097152 3\nreport r\ndone\n' +
        'workload y 1\nmap 0x40000000 2097152 3\nreport r\ndone\n',
    );
    expect(lowered).toHaveLength(2);
  });

  it('lowers file kinds (0 tmpfs, 1 memfd, 2 disk) and refuses a disk file above 1G', () => {
    const { lines } = lower('file a 4K\nfile b 4K memfd\nfile c 40000 disk');
    expect(lines.filter((l) => l.startsWith('file'))).toEqual([
      'file 0 4096 0',
      'file 1 4096 1',
      'file 2 40000 2',
    ]);
    let error: unknown;
    try {
      lower('file big 2G disk');
    } catch (e) {
      error = e;
    }
    expect((error as UsageError).code).toBe('host');
    expect((error as UsageError).where).toEqual({ file: 'w.ptw', line: 1, col: 10 });
    expect((error as UsageError).message).toContain('at most 1G');
  });
});
