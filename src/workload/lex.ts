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

/** Whether char code `c` separates tokens: space, \t, \v, \f, \r (a lone \r is not a line end). */
function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 11 || c === 12 || c === 13;
}

/**
 * Splits a workload into lines of tokens, dropping comments and blank lines: one pass over the
 * characters, lines yielded as they are read (a large file never holds all its tokens at once).
 */
export function* lexLines(text: string): Generator<Line> {
  const n = text.length;
  let lineNo = 0;
  let at = 0;
  while (at < n || (at === n && lineNo === 0)) {
    lineNo++;
    let eol = text.indexOf('\n', at);
    if (eol < 0) eol = n;
    // `\r\n` ends a line like `\n`; the `\r` is blank anyway.
    const lineStart = at;
    let tokens: Token[] | null = null;
    let i = at;
    // A `#` ends the line's tokens, inside a word too.
    while (i < eol) {
      let c = text.charCodeAt(i);
      while (i < eol && isBlank(c)) c = text.charCodeAt(++i);
      if (i >= eol || c === 35) break;
      const from = i;
      while (i < eol && !isBlank(c) && c !== 35) c = text.charCodeAt(++i);
      (tokens ??= []).push({ text: text.slice(from, i), col: from - lineStart + 1 });
      if (c === 35) break;
    }
    at = eol + 1;
    if (tokens === null) continue;
    const last = tokens[tokens.length - 1];
    yield { line: lineNo, tokens, endCol: last.col + last.text.length };
  }
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
