// The JSON contract shared by every command's `--format json` (and ndjson) output: a
// `schema_version`, snake_case keys, `null` for absent values, one shape whatever the flags.
// The schemas are docs/schemas/*.schema.json; test/helpers/schema.ts validates outputs against them.

import type { UsageError } from '../util/errors.js';

/** Version of every JSON document ptlab prints; bumped on any incompatible change. */
export const SCHEMA_VERSION = 1;

/** Where in a user's input, as JSON. */
export interface WhereJson {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** An error as JSON: what kind, the message, the errno the kernel would give, where. */
export interface ErrorJson {
  /** `UsageError` codes (`parse`, `option`, `io`, ...), or `internal` for a bug in ptlab. */
  readonly code: string;
  readonly message: string;
  readonly errno: string | null;
  readonly where: WhereJson | null;
}

/** A user error as JSON. */
export function usageErrorJson(e: UsageError): ErrorJson {
  return {
    code: e.code,
    message: e.message,
    errno: e.errno ?? null,
    where: e.where ? { file: e.where.file, line: e.where.line, col: e.where.col } : null,
  };
}

/**
 * The document printed in `--format json` mode when a command fails before producing its result
 * (see docs/schemas/error.schema.json).
 */
export function errorDocument(
  command: string | null,
  error: ErrorJson,
): {
  schema_version: number;
  command: string | null;
  error: ErrorJson;
} {
  return { schema_version: SCHEMA_VERSION, command, error };
}

/** `camelCase` to `snake_case` (`failedStep` → `failed_step`); snake_case names are unchanged. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * A deep copy with object keys in snake_case and `undefined` fields dropped, for turning model
 * data into JSON. Keys listed in `keepKeysUnder` keep their names below them (user-chosen names such
 * as variant names or violation detail labels).
 */
export function toSnakeJson(
  value: unknown,
  keepKeysUnder: ReadonlySet<string> = new Set(),
): unknown {
  if (Array.isArray(value)) return value.map((v) => toSnakeJson(v, keepKeysUnder));
  if (value === null || typeof value !== 'object') return value;
  const outObj: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined) continue;
    const key = snakeCase(k);
    outObj[key] = keepKeysUnder.has(key) ? structuredCopy(v) : toSnakeJson(v, keepKeysUnder);
  }
  return outObj;
}

function structuredCopy(v: unknown): unknown {
  return v === undefined ? null : (JSON.parse(JSON.stringify(v)) as unknown);
}
