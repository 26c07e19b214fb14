// Helpers of the fidelity suite: oracle availability and the corpus with its `# expect`
// annotations (the [V6.18] values of the spec, checked against the kernel alone).

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  diskAvailability,
  oracleAvailability,
  pressureAvailability,
} from '../../src/cli/oracle.js';
import { hostSimOptions } from '../../src/cli/verify.js';
import type { SimOptions } from '../../src/workload/run.js';
import { parseWorkload } from '../../src/workload/parse.js';
import type { Workload } from '../../src/workload/types.js';

/** Whether the kernel oracle runs here, computed once per test file. */
export const oracle = oracleAvailability();

/** The name of the skipped test that makes a missing oracle visible. */
export const SKIP_REASON = oracle.ok ? '' : `needs a C compiler and Linux /proc: ${oracle.reason}`;

/** The simulator options that make it see this host's limits (mmap_min_addr, overcommit). */
export const HOST_SIM: SimOptions = hostSimOptions();

/** Whether the oracle can run `pressure` (root and a memory cgroup controller). */
export const pressure = pressureAvailability();

/** Why workloads with `pressure` are skipped here ('' when they run). */
export const PRESSURE_SKIP = pressure.ok ? '' : `skipped: ${pressure.reason}`;

/** Whether the oracle can create disk files (`file … disk` needs an ext4 directory). */
export const disk = diskAvailability();

/** Why workloads with disk files are skipped here ('' when they run). */
export const DISK_SKIP = disk.ok ? '' : `skipped: ${disk.reason}`;

/**
 * Whether the oracle can run `workload` here (`pressure` needs a memory cgroup, `file … disk` an
 * ext4 directory).
 */
export function kernelCanRun(workload: Workload): boolean {
  return (
    (pressure.ok || !workload.ops.some((op) => op.kind === 'pressure')) &&
    (disk.ok || !workload.ops.some((op) => op.kind === 'file' && op.disk))
  );
}

/** Counters an annotation expects. */
export interface Expected {
  readonly vmpte_kb: number;
  readonly rss_anon_kb: number;
  /** RssFile and RssShmem, checked only when the annotation gives `file=N` / `shmem=N`. */
  readonly rss_file_kb?: number;
  readonly rss_shmem_kb?: number;
}

/** What a corpus file's comments say the kernel shows (spec [V6.18] values). */
export interface Expectations {
  /** By report line. */
  readonly reports: ReadonlyMap<number, Expected>;
  readonly error?: { readonly line: number; readonly errno: string };
  readonly final?: Expected;
}

/** One corpus workload. */
export interface CorpusEntry {
  readonly name: string;
  readonly text: string;
  readonly workload: Workload;
  readonly expect: Expectations;
  /** The rule ids named in the header comment. */
  readonly rules: readonly string[];
}

const CORPUS = fileURLToPath(new URL('../fidelity/corpus/', import.meta.url));

function counters(text: string): Expected | undefined {
  const m = /vmpte=(\d+)\s+rss=(\d+)/.exec(text);
  if (!m) return undefined;
  const file = /\bfile=(\d+)/.exec(text);
  const shmem = /\bshmem=(\d+)/.exec(text);
  return {
    vmpte_kb: Number(m[1]),
    rss_anon_kb: Number(m[2]),
    ...(file ? { rss_file_kb: Number(file[1]) } : {}),
    ...(shmem ? { rss_shmem_kb: Number(shmem[1]) } : {}),
  };
}

/** Reads `# expect vmpte=N rss=N [file=N] [shmem=N]`, `# expect-error ERRNO` and `# expect-final ...`. */
export function parseExpectations(text: string): Expectations {
  const reports = new Map<number, Expected>();
  let error: Expectations['error'];
  let final: Expected | undefined;
  text.split('\n').forEach((line, i) => {
    const comment = line.slice(line.indexOf('#') + 1).trim();
    if (!line.includes('#')) return;
    if (comment.startsWith('expect-error '))
      error = { line: i + 1, errno: comment.split(/\s+/)[1] };
    else if (comment.startsWith('expect-final ')) final = counters(comment);
    else if (comment.startsWith('expect ')) {
      const c = counters(comment);
      if (c) reports.set(i + 1, c);
    }
  });
  return { reports, ...(error ? { error } : {}), ...(final ? { final } : {}) };
}

/** Every `.ptw` file of test/fidelity/corpus, parsed, sorted by name. */
export function loadCorpus(): CorpusEntry[] {
  return readdirSync(CORPUS)
    .filter((f) => f.endsWith('.ptw'))
    .sort()
    .map((name) => {
      const text = readFileSync(join(CORPUS, name), 'utf8');
      const header = text.split('\n').filter((l) => l.startsWith('#'));
      const rules = [...new Set(header.join(' ').match(/\b[A-Z]+-\d+\b/g) ?? [])];
      return {
        name,
        text,
        workload: parseWorkload(text, name),
        expect: parseExpectations(text),
        rules,
      };
    });
}
