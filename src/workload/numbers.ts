// Numbers of the `.ptw` format: decimal or 0x hex, `_` digit separators, optional binary suffix
// K, M, G, T (KiB..TiB, either case). Byte quantities are BigInt at this edge (style B.4).

/** Binary multipliers of the size suffixes, keyed by the upper-case letter. */
const SUFFIX: Readonly<Record<string, bigint>> = {
  K: 1n << 10n,
  M: 1n << 20n,
  G: 1n << 30n,
  T: 1n << 40n,
};

/** The largest number a workload may contain: a 64-bit unsigned value, as the syscalls take. */
export const MAX_NUMBER = (1n << 64n) - 1n;

/** Why a token is not a number, or the number itself. */
export type NumberParse =
  | { readonly ok: true; readonly value: bigint }
  | { readonly ok: false; readonly why: 'syntax' | 'range' };

const DECIMAL = /^[0-9](?:_?[0-9])*$/;
const HEX = /^0[xX][0-9a-fA-F](?:_?[0-9a-fA-F])*$/;

/**
 * Parses a size or address token such as `4096`, `0x4000_0000`, `2M` or `1t`.
 *
 * @example parseNumber('2M') // { ok: true, value: 2097152n }
 */
export function parseNumber(token: string): NumberParse {
  const fast = plainDecimal(token);
  if (fast !== undefined) return { ok: true, value: fast };
  let digits = token;
  let scale = 1n;
  const last = token.slice(-1).toUpperCase();
  // A hex literal may end in a digit that looks like a suffix only for B..F, never K/M/G/T.
  if (last in SUFFIX && token.length > 1) {
    digits = token.slice(0, -1);
    scale = SUFFIX[last];
  }
  if (!DECIMAL.test(digits) && !HEX.test(digits)) return { ok: false, why: 'syntax' };
  const value = BigInt(digits.replaceAll('_', '')) * scale;
  if (value > MAX_NUMBER) return { ok: false, why: 'range' };
  return { ok: true, value };
}

/** Scales of the suffix letters by char code (upper and lower case), 0 for other chars. */
const SCALE_BY_CODE = new Map<number, bigint>(
  Object.entries(SUFFIX).flatMap(([k, v]) => [
    [k.charCodeAt(0), v],
    [k.toLowerCase().charCodeAt(0), v],
  ]),
);

/**
 * The common case without regular expressions: up to 15 decimal digits (exact as a double) and
 * an optional suffix. Anything else (hex, `_`, longer numbers) returns undefined.
 */
function plainDecimal(token: string): bigint | undefined {
  let end = token.length;
  if (end === 0 || end > 16) return undefined;
  const scale = SCALE_BY_CODE.get(token.charCodeAt(end - 1));
  if (scale !== undefined) end--;
  if (end === 0 || end > 15) return undefined;
  let value = 0;
  for (let i = 0; i < end; i++) {
    const d = token.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    value = value * 10 + d;
  }
  if (scale === undefined) return BigInt(value);
  const scaled = BigInt(value) * scale;
  return scaled > MAX_NUMBER ? undefined : scaled;
}

/** Formats a byte count the way a user would write it: the largest exact binary suffix. */
export function formatSize(bytes: bigint): string {
  for (const letter of ['T', 'G', 'M', 'K'] as const) {
    const unit = SUFFIX[letter];
    if (bytes !== 0n && bytes % unit === 0n) return `${bytes / unit}${letter}`;
  }
  return bytes.toString();
}

/** Formats an address as lower-case `0x` hex. */
export function formatAddress(addr: bigint): string {
  return `0x${addr.toString(16)}`;
}
