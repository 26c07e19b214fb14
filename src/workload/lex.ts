// Lexing of `.ptw` lines: blank-separated tokens with 1-based columns, `#` comments, and the
// "did you mean" hint used by the parser's error messages.

import type { SourcePos } from '../util/errors.js';

/** One blank-separated word of a line, with the 1-based column of its first character. */
export interface Token {
  readonly text: string;
  readonly col: number;
}

/** The tokens of one non-empty line. `endCol` is the column just past the last token. */
export interface Line {
  readonly line: number;
  readonly tokens: readonly Token[];
  readonly endCol: number;
}

/** Splits a workload into lines of tokens, dropping comments and blank lines. */
export function lexLines(text: string): Line[] {
  const lines: Line[] = [];
  const raw = text.split(/\r?\n/);
  for (let i = 0; i < raw.length; i++) {
    const hash = raw[i].indexOf('#');
    const body = hash < 0 ? raw[i] : raw[i].slice(0, hash);
    const tokens: Token[] = [];
    for (const m of body.matchAll(/[^ \t\f\v\r]+/g)) tokens.push({ text: m[0], col: m.index + 1 });
    if (tokens.length === 0) continue;
    const last = tokens[tokens.length - 1];
    lines.push({ line: i + 1, tokens, endCol: last.col + last.text.length });
  }
  return lines;
}

/** The source position of a token of a line. */
export function posOf(file: string, line: number, col: number): SourcePos {
  return { file, line, col };
}

/** Levenshtein distance, for suggestions; inputs are short words. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min(prev[j] + 1, cur[j - 1] + 1, sub));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** `; did you mean 'x'?` when one candidate is close to `word`, else the empty string. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best === undefined ? '' : `; did you mean '${best}'?`;
}
