// `ptlab record` + `ptlab replay` on more real programs than the allocator churns (issue #8): a
// compiler driver and make (posix_spawn/vfork children), shared and file mappings across fork,
// sqlite's mmap of a growing database file, glibc realloc (mremap), a JVM and a Go program. Each
// replay is compared with its own recording: every sample within 1%, every process exact at exit.
// Needs root (tracefs), a C compiler and the programs; the CI installs the Debian ones.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';
import { hasCommand } from '../helpers/host.js';
import { recordAndReplay, recordUnavailable } from '../helpers/record.js';
import type { Replay } from '../helpers/record.js';

const why = recordUnavailable();
const dir = mkdtempSync(join(tmpdir(), 'ptlab-record-programs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fixture = (name: string): string => join(REPO_ROOT, 'test/fixtures/host', name);
const missing = (cmd: string, pkg: string): string =>
  hasCommand(cmd) ? '' : ` (skipped: no ${cmd}; apt-get install ${pkg})`;

/** Every process of the recording ends where its kernel ended (the last sample of each). */
function expectEveryProcessExact(j: Replay, atLeast: number): void {
  expect(j.processes.length).toBeGreaterThanOrEqual(atLeast);
  for (const p of j.processes) expect(p.final?.model_vmpte_kb).toBe(p.final?.measured_vmpte_kb);
}

describe.skipIf(why !== undefined)(
  `ptlab record + replay of more programs${why ? ` (skipped: ${why})` : ''}`,
  () => {
    it('gcc compiling a file: the driver and its vfork children (cc1, as) each exact', () => {
      const j = recordAndReplay(dir, 'gcc', [
        'gcc',
        '-O2',
        '-c',
        '-o',
        join(dir, 'churn.o'),
        fixture('churn.c'),
      ]);
      expectEveryProcessExact(j, 3);
    });

    it.skipIf(!hasCommand('make'))(
      `make -j2 running gcc twice: every process exact${missing('make', 'make')}`,
      () => {
        writeFileSync(
          join(dir, 'Makefile'),
          `all: a.o b.o\na.o: ${fixture('realloc.c')}\n\tgcc -O1 -c -o $@ $<\nb.o: ${fixture('churn.c')}\n\tgcc -O1 -c -o $@ $<\n`,
        );
        const j = recordAndReplay(dir, 'make', ['make', '-s', '-j2', '-C', dir]);
        expectEveryProcessExact(j, 5);
      },
    );

    it('python3 with shared anonymous, shared file and private mappings across fork', () => {
      const j = recordAndReplay(dir, 'shared-fork', [
        '/usr/bin/python3',
        fixture('shared-fork.py'),
        join(dir, 'shared.bin'),
      ]);
      expectEveryProcessExact(j, 3);
      expect(Object.keys(j.approximated)).toEqual([
        'mmap of a file, lowered onto a file of its own',
      ]);
    });

    it('python3 attaching a SysV shared memory segment (shmget, shmat, fork, shmdt)', () => {
      const j = recordAndReplay(dir, 'sysv-shm', ['/usr/bin/python3', fixture('sysv-shm.py')]);
      expectEveryProcessExact(j, 2);
    });

    it('dd with O_DIRECT reads (GUP faults the buffer in, with no fault event): exact', () => {
      // A disk filesystem: tmpfs serves O_DIRECT through the page cache (a copy, not GUP).
      const disk = mkdtempSync(join(process.env.PTLAB_DISK_DIR ?? '/var/tmp', 'ptlab-dio-'));
      try {
        const file = join(disk, 'in.bin');
        writeFileSync(file, Buffer.alloc(24 << 20, 7));
        recordAndReplay(dir, 'dd-direct', [
          'dd',
          `if=${file}`,
          'of=/dev/null',
          'bs=8M',
          'iflag=direct',
          'status=none',
        ]);
      } finally {
        rmSync(disk, { recursive: true, force: true });
      }
    });

    it.skipIf(!hasCommand('sqlite3'))(
      `sqlite3 on a disk database with mmap I/O (the mapping grows by mremap): exact${missing('sqlite3', 'sqlite3')}`,
      () => {
        const db = join(dir, 'test.db');
        recordAndReplay(dir, 'sqlite', [
          'sqlite3',
          db,
          'PRAGMA mmap_size=268435456; CREATE TABLE t(a, b); ' +
            'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 60000) ' +
            'INSERT INTO t SELECT x, randomblob(100) FROM c; SELECT count(*) FROM t; ' +
            'DELETE FROM t WHERE a % 2 = 0; VACUUM; SELECT count(*) FROM t;',
        ]);
      },
    );

    it('glibc realloc of big blocks (mremap grows, shrinks and moves them): exact', () => {
      const bin = join(dir, 'realloc');
      execFileSync('cc', ['-O1', '-o', bin, fixture('realloc.c')]);
      const j = recordAndReplay(dir, 'realloc', [bin]);
      expect(j.samples.length).toBeGreaterThan(2);
    });

    it.skipIf(!hasCommand('java'))(
      `java (a JVM: heap reserved and committed by mmap/mprotect/madvise, ~20 threads)${missing('java', 'openjdk-17-jre-headless')}`,
      () => {
        recordAndReplay(dir, 'java', ['java', '-Xmx128m', '-Xshare:auto', fixture('Churn.java')]);
      },
      60_000,
    );

    it.skipIf(!hasCommand('go'))(
      `a Go program (runtime arenas, MADV_DONTNEED scavenging, threads)${missing('go', 'golang-go')}`,
      () => {
        const bin = join(dir, 'gochurn');
        execFileSync('go', ['build', '-o', bin, fixture('gochurn/main.go')], {
          env: { ...process.env, GOCACHE: join(dir, 'gocache'), GOPATH: join(dir, 'gopath') },
        });
        expect(existsSync(bin)).toBe(true);
        recordAndReplay(dir, 'go', [bin]);
      },
      60_000,
    );
  },
);
