// The `repeat COUNT [shift=SIZE] ... end` extension of the `.ptw` format: expanded at parse time
// into plain operations, each keeping its source position.

import { UsageError } from '../util/errors.js';
import type { SourcePos } from '../util/errors.js';
import type { WorkloadOp } from './types.js';

/** A parsed statement: one operation, or a repeat block with its body. */
export type Stmt =
  | { readonly kind: 'op'; readonly op: WorkloadOp }
  | {
      readonly kind: 'repeat';
      readonly pos: SourcePos;
      readonly count: bigint;
      readonly shift: bigint;
      readonly body: Stmt[];
    };

/** Most operations a workload may expand to; beyond it the parse stops with an error. */
export const MAX_EXPANDED_OPS = 10_000_000;

function shifted(op: WorkloadOp, by: bigint): WorkloadOp {
  if (by === 0n || !('offset' in op)) return op;
  return { ...op, offset: op.offset + by };
}

function opsIn(stmts: readonly Stmt[]): bigint {
  let n = 0n;
  for (const s of stmts) n += s.kind === 'op' ? 1n : s.count * opsIn(s.body);
  return n;
}

/**
 * Expands repeat blocks: in iteration `i` (from 0) every `+OFF` of the body is shifted by
 * `i * shift`, and nested blocks add their own shifts.
 */
export function expandRepeats(stmts: readonly Stmt[]): WorkloadOp[] {
  const total = opsIn(stmts);
  if (total > BigInt(MAX_EXPANDED_OPS)) {
    const first = stmts.find((s) => s.kind === 'repeat' && s.count * opsIn(s.body) > 0n);
    throw new UsageError(
      'parse',
      `repeat expands to ${total} operations (at most ${MAX_EXPANDED_OPS}; use fewer iterations or a larger stride)`,
      first?.kind === 'repeat' ? first.pos : undefined,
    );
  }
  const out: WorkloadOp[] = [];
  const walk = (list: readonly Stmt[], base: bigint, iteration: number | undefined): void => {
    for (const s of list) {
      if (s.kind === 'op') {
        const op = shifted(s.op, base);
        out.push(op.kind === 'report' && iteration !== undefined ? { ...op, iteration } : op);
        continue;
      }
      for (let i = 0n; i < s.count; i++) walk(s.body, base + i * s.shift, Number(i));
    }
  };
  walk(stmts, 0n, undefined);
  return out;
}
