// Tests of the `.ptw` parser: every operation, numbers, repeat expansion and positioned errors.

import { describe, expect, it } from 'vitest';
import { parseWorkload } from '../../../src/workload/parse.js';
import { parseNumber } from '../../../src/workload/numbers.js';
import { UsageError } from '../../../src/util/errors.js';
import type { WorkloadOp } from '../../../src/workload/types.js';

const MiB = 1n << 20n;
const GiB = 1n << 30n;

function errorOf(text: string): UsageError {
  try {
    parseWorkload(text, 'w.ptw');
  } catch (e) {
    if (e instanceof UsageError) return e;
    throw e;
  }
  throw new Error(`no error for ${JSON.stringify(text)}`);
}

function offsets(ops: readonly WorkloadOp[]): (bigint | string)[] {
  return ops.map((o) => ('offset' in o ? o.offset : o.kind));
}

describe('parseNumber', () => {
  it.each([
    ['4096', 4096n],
    ['0x1000', 4096n],
    ['0X1000', 4096n],
    ['2M', 2n * MiB],
    ['2m', 2n * MiB],
    ['1G', GiB],
    ['3t', 3n << 40n],
    ['0x10K', 16n << 10n],
    ['1_000', 1000n],
    ['0x4000_0000', GiB],
  ])('reads %s as %s', (text, value) => {
    expect(parseNumber(text)).toEqual({ ok: true, value });
  });

  it.each(['', 'K', '1.5M', '-1', '0x', '1__0', '_1', '2MB', '1e3', '0xG'])(
    'rejects %j as a syntax error',
    (text) => {
      expect(parseNumber(text)).toEqual({ ok: false, why: 'syntax' });
    },
  );

  it('rejects values above 2^64 - 1 and accepts 2^64 - 1', () => {
    expect(parseNumber('0xffffffffffffffff').ok).toBe(true);
    expect(parseNumber('0x10000000000000000')).toEqual({ ok: false, why: 'range' });
    expect(parseNumber('16777216T')).toEqual({ ok: false, why: 'range' });
  });
});

describe('parseWorkload', () => {
  it('parses every operation with its arguments and defaults', () => {
    const w = parseWorkload(
      [
        '# a comment line',
        'map a 4M at=1G prot=r   # trailing comment',
        'map b 2M',
        'touch a +0 4M stride=2M read',
        'touch b +4K 8K',
        'madvise a +2M 2M dontneed_locked',
        'munmap a +0 4K',
        'mprotect b +0 2M rwx',
        'pressure',
        'report after-all',
      ].join('\n'),
      'w.ptw',
    );
    expect(w.file).toBe('w.ptw');
    expect(w.ops.map((o) => o.kind)).toEqual([
      'map',
      'map',
      'touch',
      'touch',
      'madvise',
      'munmap',
      'mprotect',
      'pressure',
      'report',
    ]);
    expect(w.ops[0]).toMatchObject({ name: 'a', size: 4n * MiB, at: GiB, prot: 'r' });
    expect(w.ops[1]).toMatchObject({ name: 'b', at: undefined, prot: 'rw' });
    expect(w.ops[2]).toMatchObject({ offset: 0n, len: 4n * MiB, stride: 2n * MiB, write: false });
    expect(w.ops[3]).toMatchObject({ offset: 4096n, len: 8192n, stride: undefined, write: true });
    expect(w.ops[4]).toMatchObject({ advice: 'dontneed_locked', offset: 2n * MiB });
    expect(w.ops[6]).toMatchObject({ prot: 'rwx' });
    expect(w.ops[8]).toMatchObject({ label: 'after-all' });
  });

  it('parses the map flags, madvise populate, mlock, munlock, mlockall and munlockall', () => {
    const w = parseWorkload(
      [
        'map a 4M at=1G fixed populate locked',
        'map b 2M',
        'file f 8M memfd',
        'map c 2M shared',
        'map d 4M file=f off=1M shared',
        'madvise a +0 2M populate_write',
        'mlock a +4K 8K onfault',
        'munlock a +0 4M',
        'mlockall current future onfault',
        'munlockall',
      ].join('\n'),
      'w.ptw',
    );
    expect(w.ops[0]).toMatchObject({ fixed: true, populate: true, locked: true, at: GiB });
    expect(w.ops[1]).toMatchObject({ fixed: false, populate: false, locked: false });
    expect(w.ops[1]).toMatchObject({ shared: false, file: undefined, off: 0n });
    expect(w.ops[2]).toMatchObject({ kind: 'file', file: 'f', size: 8n * MiB, memfd: true });
    expect(parseWorkload('file g 40000 disk', 'w.ptw').ops[0]).toMatchObject({
      kind: 'file',
      size: 40000n,
      memfd: false,
      disk: true,
    });
    expect(w.ops[3]).toMatchObject({ shared: true, file: undefined });
    expect(w.ops[4]).toMatchObject({ shared: true, file: 'f', off: MiB });
    expect(w.ops[5]).toMatchObject({ kind: 'madvise', advice: 'populate_write' });
    expect(w.ops[6]).toMatchObject({ kind: 'mlock', offset: 4096n, len: 8192n, onfault: true });
    expect(w.ops[7]).toMatchObject({ kind: 'munlock', offset: 0n, len: 4n * MiB });
    expect(w.ops[8]).toMatchObject({ kind: 'mlockall', flags: 7 });
    expect(w.ops[9]).toMatchObject({ kind: 'mlockall', flags: 0 });
  });

  it('records 1-based line and column of the keyword and of every argument', () => {
    const w = parseWorkload('\n  map  a 2M  at=1G prot=rw\ntouch a +0 1M stride=4K read', 'w.ptw');
    const [map, touch] = w.ops;
    expect(map.pos).toEqual({ file: 'w.ptw', line: 2, col: 3 });
    expect(map.argPos).toEqual({
      name: { file: 'w.ptw', line: 2, col: 8 },
      size: { file: 'w.ptw', line: 2, col: 10 },
      at: { file: 'w.ptw', line: 2, col: 14 },
      prot: { file: 'w.ptw', line: 2, col: 20 },
    });
    expect(Object.keys(touch.argPos).sort()).toEqual(['len', 'name', 'offset', 'read', 'stride']);
    expect(touch.argPos.stride.col).toBe(15);
  });

  it('expands repeat with the offsets shifted by i * shift, keeping source positions', () => {
    const w = parseWorkload(
      'map buf 50G at=1G\nrepeat 3 shift=2M\n  touch buf +0 2M\n  madvise buf +4K 2M dontneed\nend',
      'w.ptw',
    );
    expect(offsets(w.ops)).toEqual([
      'map',
      0n,
      4096n,
      2n * MiB,
      2n * MiB + 4096n,
      4n * MiB,
      4n * MiB + 4096n,
    ]);
    expect(w.ops.slice(1).map((o) => o.pos.line)).toEqual([3, 4, 3, 4, 3, 4]);
  });

  it('adds the shifts of nested repeats and accepts a zero count', () => {
    const w = parseWorkload(
      'map a 1G at=1G\nrepeat 2 shift=1M\nrepeat 2 shift=4K\ntouch a +0 1\nend\nreport r\nend\nrepeat 0\ntouch a +0 1\nend',
      'w.ptw',
    );
    expect(offsets(w.ops)).toEqual(['map', 0n, 4096n, 'report', MiB, MiB + 4096n, 'report']);
  });

  it('expands the 25600-round PT_RECLAIM benchmark loop to 51200 ops', () => {
    const w = parseWorkload(
      'map buf 50G at=1G\nrepeat 25600 shift=2M\ntouch buf +0 2M\nmadvise buf +0 2M dontneed\nend',
      'w.ptw',
    );
    expect(w.ops).toHaveLength(1 + 51200);
    expect(w.ops[w.ops.length - 1]).toMatchObject({ offset: 25599n * 2n * MiB });
  });

  it.each([
    ['mapp a 1', 1, 1, 'parse', `unknown operation 'mapp' (expected one of: map, touch,`],
    ['map a 1Q', 1, 7, 'parse', `bad SIZE '1Q'`],
    ['map a 2M at=', 1, 10, 'parse', `bad address ''`],
    ['map a 2M at=1G at=2G', 1, 16, 'parse', `duplicate option 'at'`],
    ['map a 2M foo', 1, 10, 'parse', `unexpected argument 'foo'`],
    ['map a 2M size=1', 1, 10, 'parse', `unexpected option 'size=1'`],
    ['map a', 1, 6, 'parse', 'missing SIZE (usage: map NAME SIZE'],
    ['map 1a 2M', 1, 5, 'parse', `bad mapping name '1a'`],
    [
      'map a 2M prot=wx',
      1,
      10,
      'unknown-name',
      `unknown protection 'wx' (expected one of: none, r, rw`,
    ],
    ['map a 2M\ntouch a 0 1', 2, 9, 'parse', `bad offset '0' (expected +OFF`],
    ['map a 2M\ntouch a +x 1', 2, 9, 'parse', `bad offset 'x'`],
    ['map a 2M\ntouch a +0 1 stride=0', 2, 14, 'parse', `bad stride '0'`],
    ['map a 2M\ntouch a +0 1 write', 2, 14, 'parse', `unexpected argument 'write'`],
    ['map a 2M\nmadvise a +0 2M dontned', 2, 17, 'unknown-name', `did you mean 'dontneed'?`],
    ['map a 2M\nmadvise a +0 2M', 2, 16, 'parse', 'missing ADVICE'],
    ['map a 2M\nmprotect a +0 2M', 2, 17, 'parse', 'missing PROT'],
    ['map a 2M\ntouch b +0 1', 2, 7, 'unknown-name', `unknown mapping 'b' (mapped so far: a)`],
    ['touch b +0 1', 1, 7, 'unknown-name', 'nothing is mapped yet'],
    ['map a 2M\nmap a 4M', 2, 5, 'parse', `duplicate mapping name 'a' (first mapped at line 1`],
    ['report', 1, 7, 'parse', 'missing LABEL'],
    ['report a b', 1, 10, 'parse', `unexpected argument 'b'`],
    ['pressure now', 1, 10, 'parse', `unexpected argument 'now'`],
    ['repeat 2\nmap a 1', 2, 1, 'parse', 'map inside repeat'],
    ['map a 1\n  repeat 2 shift=1M\ntouch a +0 1', 2, 3, 'parse', 'unterminated repeat'],
    ['end', 1, 1, 'parse', `'end' without 'repeat'`],
    ['map a 2M fixed', 1, 10, 'parse', `'fixed' needs at=ADDR`],
    ['map a 2M file=g', 1, 10, 'unknown-name', `unknown file 'g' (no file is created yet`],
    ['file f 4K\nmap a 2M file=g', 2, 10, 'unknown-name', `(created so far: f; create it first`],
    ['file f 4K\nfile f 8K', 2, 6, 'parse', `duplicate file name 'f' (first created at line 1`],
    ['map a 2M off=4K', 1, 10, 'parse', `'off=' needs file=F`],
    ['map a 2M file=1x', 1, 10, 'parse', `bad file name '1x'`],
    ['file f', 1, 7, 'parse', 'missing SIZE (usage: file NAME SIZE [memfd|disk [chunk=4K|64K]])'],
    ['file f 4K tmpfs', 1, 11, 'parse', `unexpected argument 'tmpfs' (expected chunk=, memfd`],
    ['file f 4M disk chunk=2M', 1, 16, 'parse', 'chunk must be 4K or 64K'],
    ['file f 4M chunk=64K', 1, 11, 'parse', `'chunk=' is for 'disk' files`],
    ['file f 8K disk chunk=64K', 1, 16, 'parse', 'must be a multiple of 64K long'],
    ['file f 4K memfd disk', 1, 17, 'parse', `'memfd' and 'disk' exclude each other`],
    ['repeat 2\nfile f 4K\nend', 2, 1, 'parse', 'file inside repeat'],
    ['map a 2M at=1G populate populate', 1, 25, 'parse', `duplicate option 'populate'`],
    ['map a 2M\nmlock a +0 2M now', 2, 15, 'parse', `unexpected argument 'now' (expected onfault`],
    ['map a 2M\nmunlock a +0', 2, 13, 'parse', 'missing LEN (usage: munlock NAME +OFF LEN)'],
    ['mlockall current later', 1, 18, 'parse', `unexpected argument 'later'`],
    ['munlockall all', 1, 12, 'parse', `unexpected argument 'all'`],
    ['map a 2M\nmadvise a +0 2M populate', 2, 17, 'unknown-name', `unknown advice 'populate'`],
    ['repeat x', 1, 8, 'parse', `bad repeat count 'x'`],
    [
      'repeat 100000 \nrepeat 1000\nreport a\nend\nend',
      1,
      1,
      'parse',
      'repeat expands to 100000000',
    ],
  ] as const)('rejects %j at %i:%i (%s)', (text, line, col, code, message) => {
    const e = errorOf(text);
    expect(e.code).toBe(code);
    expect(e.where).toEqual({ file: 'w.ptw', line, col });
    expect(e.message).toContain(message);
    expect(e.format()).toMatch(new RegExp(`^w\\.ptw:${line}:${col}: `));
  });
});
