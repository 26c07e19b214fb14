// Recording and replaying real programs for the e2e tests of `ptlab record` / `ptlab replay`
// (issue #8): whether this host can record at all, and one record + replay + compare step.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ptlab } from './cli.js';
import { hostUnavailable } from './host.js';
import { expectSchema } from './schema.js';

/** Why `ptlab record` cannot run here (not root, no tracefs), or undefined when it can. */
export function recordUnavailable(): string | undefined {
  const host = hostUnavailable();
  if (host) return host;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root (tracefs)';
  // ptlab record mounts tracefs itself when it is missing; if even root cannot (a container
  // without CAP_SYS_ADMIN), say so instead of failing.
  if (!existsSync('/sys/kernel/tracing/instances')) {
    const m = spawnSync('mount', ['-t', 'tracefs', 'nodev', '/sys/kernel/tracing'], {
      encoding: 'utf8',
    });
    if (!existsSync('/sys/kernel/tracing/instances')) {
      return `no tracefs at /sys/kernel/tracing and mounting it failed (${m.stderr.trim() || m.status})`;
    }
  }
  return undefined;
}

/** The parts of `ptlab replay --format json` the tests read. */
export interface Replay {
  samples: { pid: number; deviation_pct: number; measured_kb: number; model_kb: number }[];
  max_deviation_pct: number;
  final: { model_vmpte_kb: number; measured_vmpte_kb: number };
  not_lowered: Record<string, number>;
  approximated: Record<string, number>;
  samples_skipped: number;
  processes: { pid: number; final: { model_vmpte_kb: number; measured_vmpte_kb: number } | null }[];
  policy: string;
  kernel: string;
}

/**
 * Records `cmd` into `dir/name.trace`, replays it under 6.18, and checks every sample within 1%,
 * the command's exit exactly, and nothing left unlowered.
 */
export function recordAndReplay(dir: string, name: string, cmd: string[]): Replay {
  const file = join(dir, `${name}.trace`);
  const rec = ptlab(['record', '-o', file, '--', ...cmd]);
  expect(rec.status, rec.stderr).toBe(0);
  const rep = ptlab(['replay', '--format', 'json', file]);
  expect(rep.status, rep.stderr).toBe(0);
  const j = JSON.parse(rep.stdout) as Replay;
  expectSchema('replay', j);
  expect(j.samples.length).toBeGreaterThan(1);
  for (const s of j.samples) expect(s.deviation_pct).toBeLessThanOrEqual(1);
  expect(j.final.model_vmpte_kb).toBe(j.final.measured_vmpte_kb);
  expect(j.not_lowered).toEqual({});
  return j;
}
