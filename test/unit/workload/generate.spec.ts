// Tests of the seeded workload generator: reproducible, valid for the parser and the oracle.

import { describe, expect, it } from 'vitest';
import { generateWorkload } from '../../../src/workload/generate.js';
import { parseWorkload } from '../../../src/workload/parse.js';
import { lowerWorkload } from '../../../src/workload/lower.js';

const GiB = 1n << 30n;
const SEEDS = Array.from({ length: 200 }, (_, i) => i + 1);

describe('generateWorkload', () => {
  it('gives the same text for the same seed and different texts for different seeds', () => {
    expect(generateWorkload(42)).toBe(generateWorkload(42));
    const texts = new Set(SEEDS.map((s) => generateWorkload(s)));
    expect(texts.size).toBe(SEEDS.length);
  });

  it('produces 10..40 parsable ops (reports aside), every map with at= at or above 1 GiB', () => {
    for (const seed of SEEDS) {
      const w = parseWorkload(generateWorkload(seed), `seed-${seed}.ptw`);
      const ops = w.ops.filter((o) => o.kind !== 'report' && o.kind !== 'file');
      expect(ops.length, `seed ${seed}`).toBeGreaterThanOrEqual(10);
      expect(ops.length, `seed ${seed}`).toBeLessThanOrEqual(41);
      for (const op of w.ops) {
        if (op.kind === 'map') expect(op.at! >= GiB, `seed ${seed}`).toBe(true);
      }
      expect(() => lowerWorkload(w)).not.toThrow();
    }
  });

  it('mixes every operation kind and both sharing and separate PMD slots over 200 seeds', () => {
    const kinds = new Set<string>();
    const advices = new Set<string>();
    const mapFlags = new Set<string>();
    let shared = 0;
    for (const seed of SEEDS) {
      const w = parseWorkload(generateWorkload(seed), 'g.ptw');
      const slots = new Map<bigint, number>();
      for (const op of w.ops) {
        kinds.add(op.kind === 'touch' && !op.write ? 'touch-read' : op.kind);
        if (op.kind === 'madvise') advices.add(op.advice);
        if (op.kind === 'map') {
          for (const f of ['fixed', 'populate', 'locked'] as const) if (op[f]) mapFlags.add(f);
          const first = op.at! / (2n << 20n);
          const last = (op.at! + op.size - 1n) / (2n << 20n);
          for (const s of [first, last]) slots.set(s, (slots.get(s) ?? 0) + 1);
        }
      }
      if ([...slots.values()].some((n) => n > 1)) shared++;
    }
    expect([...kinds].sort()).toEqual(
      [
        'brk',
        'file',
        'madvise',
        'map',
        'mlock',
        'mlockall',
        'mprotect',
        'mremap',
        'munlock',
        'munmap',
        'pressure',
        'report',
        'touch',
        'touch-read',
      ].sort(),
    );
    for (const advice of [
      'dontneed',
      'dontneed_locked',
      'free',
      'hugepage',
      'nohugepage',
      'populate_read',
      'populate_write',
      'remove',
      'guard_install',
      'guard_remove',
    ]) {
      expect(advices).toContain(advice);
    }
    expect([...mapFlags].sort()).toEqual(['fixed', 'locked', 'populate']);
    expect(shared).toBeGreaterThan(20);
  });

  it('respects minOps and maxOps', () => {
    const w = parseWorkload(generateWorkload(3, { minOps: 5, maxOps: 5, badOpRate: 0 }), 'g.ptw');
    // A `file` op belongs to the map after it.
    expect(w.ops.filter((o) => o.kind !== 'report' && o.kind !== 'file')).toHaveLength(5);
  });

  it('files mix: disk, memfd and tmpfs files, private and shared; holes and pageout in disk files', () => {
    const kinds = new Set<string>();
    let remove = 0;
    let diskRemove = 0;
    let pageout = 0;
    let pressure = 0;
    for (const seed of SEEDS) {
      const w = parseWorkload(generateWorkload(seed, { mix: 'files' }), `files-${seed}.ptw`);
      let disk = false;
      const diskFiles = new Set<string>();
      const diskMaps = new Set<string>();
      for (const op of w.ops) {
        if (op.kind === 'file') {
          kinds.add(op.disk ? 'disk' : op.memfd ? 'memfd' : 'tmpfs');
          if (op.chunkKb) kinds.add('chunk');
          disk ||= op.disk;
          if (op.disk) diskFiles.add(op.file);
        }
        if (op.kind === 'map' && op.file !== undefined) kinds.add(op.shared ? 'shared' : 'private');
        if (op.kind === 'map' && op.file !== undefined && diskFiles.has(op.file)) {
          diskMaps.add(op.name);
        }
        if (op.kind === 'madvise' && op.advice === 'remove') {
          remove++;
          if (diskMaps.has(op.name)) diskRemove++;
        }
        if (op.kind === 'madvise' && op.advice === 'pageout' && diskMaps.has(op.name)) pageout++;
        if (op.kind === 'pressure' && disk) pressure++;
      }
      expect(() => lowerWorkload(w)).not.toThrow();
    }
    expect([...kinds].sort()).toEqual(['chunk', 'disk', 'memfd', 'private', 'shared', 'tmpfs']);
    expect(remove).toBeGreaterThan(10);
    expect(diskRemove).toBeGreaterThan(0);
    expect(pageout).toBeGreaterThan(0);
    expect(pressure).toBeGreaterThan(0);
  });
});
