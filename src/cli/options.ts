// Parsing of command-line option values into typed values, with UsageErrors that name the flag.

import { UsageError } from '../util/errors.js';
import { parseNumber } from '../workload/numbers.js';

/** Output formats shared by the commands. */
export type Format = 'text' | 'json' | 'ndjson';

/** Validates `--format`. */
export function parseFormat(
  value: string,
  allowed: readonly Format[] = ['text', 'json', 'ndjson'],
): Format {
  if ((allowed as readonly string[]).includes(value)) return value as Format;
  throw new UsageError(
    'option',
    `--format: unknown format '${value}' (expected ${allowed.join(', ')})`,
  );
}

/** Parses a byte address given in decimal or 0x hex. */
export function parseAddress(value: string, flag: string): bigint {
  if (/^(0x[0-9a-f]+|[0-9]+)$/i.test(value)) return BigInt(value);
  throw new UsageError('option', `${flag}: '${value}' is not an address (decimal or 0x hex)`);
}

/** Parses a byte size in the workload format's notation (decimal or 0x hex, K/M/G/T suffix). */
export function parseSize(value: string, flag: string): bigint {
  const parsed = parseNumber(value);
  if (parsed.ok) return parsed.value;
  throw new UsageError('option', `${flag}: '${value}' is not a size (e.g. 4096, 0x10000, 24G)`);
}

/** Parses a positive integer option. */
export function parsePositiveInt(value: string, flag: string): number {
  if (/^[0-9]+$/.test(value)) {
    const n = Number(value);
    if (Number.isSafeInteger(n) && n > 0) return n;
  }
  throw new UsageError('option', `${flag}: '${value}' is not a positive integer`);
}
