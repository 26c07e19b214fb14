// A model-checking result as a plain, JSON-serialisable object (`--format json`), with a format
// version so scripts can rely on the shape.

import type { CheckResult } from '../check/index.js';

/** Version of the JSON shape; bumped on any incompatible change. */
export const CHECK_JSON_VERSION = 1;

/** The JSON form of a result: the result's own fields plus `format` and the replay command. */
export type CheckJson = CheckResult & {
  readonly format: 'ptlab-check';
  readonly formatVersion: number;
  readonly replayCommand?: string;
};

/** Turns a result into a plain object, ready for `JSON.stringify`. */
export function checkResultJson(
  result: CheckResult,
  options: { readonly replayCommand?: string } = {},
): CheckJson {
  const copy = JSON.parse(JSON.stringify(result)) as CheckResult;
  return {
    format: 'ptlab-check',
    formatVersion: CHECK_JSON_VERSION,
    ...copy,
    ...(options.replayCommand !== undefined && result.verdict === 'fail'
      ? { replayCommand: options.replayCommand }
      : {}),
  };
}
