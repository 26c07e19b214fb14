// Which page tables a process needs, predicted from a snapshot (issue #8, measured exact in 13 of
// 13 snapshots): a PMD_SIZE slot has a PTE table iff a page in it is present, swapped or a guard
// marker, or it holds a PMD-mapped anonymous THP (its deposited table, ACC-5); PMD-mapped file THP
// and hugetlb have none. PMD and PUD tables follow per PUD_SIZE / P4D_SIZE slot. VmPTE minus the
// prediction is the memory held by empty tables, which pagemap cannot see.

import type { ArchGeometry } from '../arch/index.js';
import { X86_64 } from '../arch/index.js';
import type { ProcessSnapshot, SnapshotMapping } from './snapshot.js';
import { RUN_FILE, RUN_HUGE } from './snapshot.js';

/** The prediction for one mapping. */
export interface MappingTables {
  readonly mapping: SnapshotMapping;
  /** PTE tables over slots where this mapping has pages (a slot shared with a neighbour counts for both). */
  readonly neededPte: number;
  /** PMD_SIZE slots this mapping overlaps where no page of any mapping is present. */
  readonly emptyCandidates: number;
}

/** The prediction for a whole process. */
export interface TablePrediction {
  readonly pte: number;
  readonly pmd: number;
  readonly pud: number;
  /** Bytes of the needed tables at the arch's nominal sizes, in kB. */
  readonly neededKb: number;
  readonly mappings: readonly MappingTables[];
}

const isHugetlb = (m: SnapshotMapping): boolean => m.vmFlags.includes('ht');

/** Distinct values pushed in nondecreasing order. */
class SortedSet {
  readonly values: number[] = [];
  add(v: number): void {
    const n = this.values.length;
    if (n === 0 || this.values[n - 1] !== v) {
      if (n > 0 && (this.values[n - 1] ?? 0) > v) {
        // Out of order (a PUD-level leaf after PTE slots of the same region): keep it sorted.
        const i = lowerBound(this.values, v);
        if (this.values[i] !== v) this.values.splice(i, 0, v);
        return;
      }
      this.values.push(v);
    }
  }
}

function lowerBound(a: readonly number[], v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] ?? 0) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Predicts the page tables `snap` needs, process-wide and per mapping.
 *
 * @example predictTables(snapshot).neededKb // compare with snapshot.vmpteBeforeKb
 */
export function predictTables(snap: ProcessSnapshot, g: ArchGeometry = X86_64): TablePrediction {
  const pteSlots = new SortedSet();
  const pmdLeafSlots = new SortedSet(); // PUD_SIZE slots holding PMD-level leaves
  const pudLeafSlots = new SortedSet(); // P4D_SIZE slots holding PUD-level leaves
  const maps = snap.mappings;
  const perMapNeeded = new Array<number>(maps.length).fill(0);
  // The last PTE slot counted for each mapping (its runs arrive in address order).
  const lastOwnSlot = new Float64Array(maps.length).fill(-1);
  const { start, end, flags } = snap.runs;
  let mi = 0;
  for (let r = 0; r < snap.runs.length; r++) {
    let s = start[r] ?? 0;
    const e = end[r] ?? 0;
    const f = flags[r] ?? 0;
    while (s < e) {
      while (mi < maps.length && (maps[mi]?.endVpn ?? 0) <= s) mi++;
      const m = maps[mi];
      const inMap = m !== undefined && m.startVpn <= s;
      const pieceEnd = inMap ? Math.min(e, m.endVpn) : m ? Math.min(e, m.startVpn) : e;
      if (inMap && isHugetlb(m)) {
        const leafPages = (m.kernelPageKb * 1024) / g.PAGE_SIZE;
        if (leafPages >= g.PUD_SIZE) pudLeafSlots.add(Math.floor(s / g.P4D_SIZE));
        else
          for (let a = s; a < pieceEnd; a += g.PMD_SIZE)
            pmdLeafSlots.add(Math.floor(a / g.PUD_SIZE));
      } else if ((f & RUN_HUGE) !== 0 && (f & RUN_FILE) !== 0) {
        for (let a = s; a < pieceEnd; a += g.PMD_SIZE) pmdLeafSlots.add(Math.floor(a / g.PUD_SIZE));
      } else {
        const first = Math.floor(s / g.PMD_SIZE);
        const last = Math.floor((pieceEnd - 1) / g.PMD_SIZE);
        for (let slot = first; slot <= last; slot++) pteSlots.add(slot);
        if (inMap) {
          const seen = lastOwnSlot[mi] ?? -1;
          perMapNeeded[mi] = (perMapNeeded[mi] ?? 0) + last - Math.max(first - 1, seen);
          lastOwnSlot[mi] = last;
        }
      }
      s = pieceEnd;
    }
  }
  const pmdSlots = new Set<number>(pmdLeafSlots.values);
  for (const slot of pteSlots.values) pmdSlots.add(Math.floor(slot / g.PTRS_PER_PMD));
  const pudSlots = new Set<number>(pudLeafSlots.values);
  for (const slot of pmdSlots) pudSlots.add(Math.floor(slot / g.PTRS_PER_PUD));
  const pte = pteSlots.values.length;
  const pmd = g.folded.pmd ? 0 : pmdSlots.size;
  const pud = g.folded.pud ? 0 : pudSlots.size;
  const bytes = pte * g.nominalBytes.pte + pmd * g.nominalBytes.pmd + pud * g.nominalBytes.pud;

  const slots = pteSlots.values;
  const mappings = maps.map((m, i): MappingTables => {
    if (isHugetlb(m) || m.startVpn >= g.TASK_SIZE) {
      return { mapping: m, neededPte: perMapNeeded[i] ?? 0, emptyCandidates: 0 };
    }
    const first = Math.floor(m.startVpn / g.PMD_SIZE);
    const last = Math.floor((m.endVpn - 1) / g.PMD_SIZE);
    const occupied = lowerBound(slots, last + 1) - lowerBound(slots, first);
    return {
      mapping: m,
      neededPte: perMapNeeded[i] ?? 0,
      emptyCandidates: last - first + 1 - occupied,
    };
  });
  return { pte, pmd, pud, neededKb: bytes / 1024, mappings };
}
