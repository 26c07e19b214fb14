// What the terminal allows: colour (only on a TTY, never with NO_COLOR, forced by --color) and the
// width text output is fitted to (at most 100 columns, narrower terminals respected down to 40).

import { UsageError } from '../util/errors.js';

/** `--color` values. */
export type ColorMode = 'auto' | 'always' | 'never';

let mode: ColorMode = 'auto';

/** Sets the colour mode from `--color` (undefined keeps `auto`). */
export function setColorMode(value: string | undefined): void {
  if (value === undefined) return;
  if (value !== 'auto' && value !== 'always' && value !== 'never') {
    throw new UsageError(
      'option',
      `--color: unknown value '${value}' (expected auto, always or never)`,
    );
  }
  mode = value;
}

/**
 * Whether to colour output written to `stream`: `--color always|never` decides; in `auto`, a
 * terminal without NO_COLOR set (any value, https://no-color.org) gets colour.
 */
export function colorOn(stream: NodeJS.WriteStream = process.stdout): boolean {
  if (mode !== 'auto') return mode === 'always';
  const noColor = process.env.NO_COLOR;
  if (noColor !== undefined && noColor !== '') return false;
  return stream.isTTY === true;
}

/** Widest text output lines may be: 100, or the terminal's width when narrower (at least 40). */
export function outputWidth(stream: NodeJS.WriteStream = process.stdout): number {
  const cols = stream.isTTY ? stream.columns : Number(process.env.COLUMNS);
  if (!Number.isFinite(cols) || cols <= 0) return 100;
  return Math.max(40, Math.min(100, Math.floor(cols)));
}
