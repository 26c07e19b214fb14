// Replay tokens (shuttle's serialization.rs): the sequence of threads chosen at each step of an
// execution, run-length encoded into a short, shell-safe, versioned, checksummed string.

import { UsageError } from '../util/errors.js';

/** A decoded token: which thread ran at each step, for a program of `threadCount` threads. */
export interface Schedule {
  readonly threadCount: number;
  readonly steps: readonly number[];
}

const VERSION = 's1';
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Encodes a schedule as `s1.<base64url>`. The bytes are the thread count, then one varint per run
 * of consecutive steps by the same thread ((run length - 1) * 32 + thread), then a checksum byte.
 * @example encodeSchedule({ threadCount: 2, steps: [0, 0, 1] }) // 's1.AgEBZQ' (for instance)
 */
export function encodeSchedule(schedule: Schedule): string {
  const { threadCount, steps } = schedule;
  const bytes: number[] = [threadCount];
  let i = 0;
  while (i < steps.length) {
    const t = steps[i];
    let j = i + 1;
    while (j < steps.length && steps[j] === t) j++;
    let v = (j - i - 1) * 32 + t;
    while (v >= 128) {
      bytes.push((v % 128) + 128);
      v = Math.floor(v / 128);
    }
    bytes.push(v);
    i = j;
  }
  bytes.push(checksum(bytes));
  return `${VERSION}.${base64url(bytes)}`;
}

/** Decodes a token from {@link encodeSchedule}; a malformed one is a UsageError saying why. */
export function decodeSchedule(token: string): Schedule {
  const bad = (why: string): UsageError =>
    new UsageError(
      'parse',
      `malformed replay token '${token.length > 40 ? `${token.slice(0, 40)}...` : token}': ${why}; ` +
        'copy the whole token printed after --replay by the failing run',
    );
  const text = token.trim();
  const dot = text.indexOf('.');
  if (dot < 0) throw bad(`expected '${VERSION}.' followed by the encoded schedule`);
  const version = text.slice(0, dot);
  if (version !== VERSION) {
    throw bad(`unknown version '${version}' (this ptlab reads ${VERSION} tokens)`);
  }
  const bytes: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const ch of text.slice(dot + 1)) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) throw bad(`character '${ch}' is not base64url`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((acc >> bits) & 0xff);
      acc &= (1 << bits) - 1;
    }
  }
  if (bytes.length < 2) throw bad('it is too short');
  const sum = bytes.pop();
  if (sum !== checksum(bytes)) throw bad('checksum mismatch (truncated or mistyped?)');
  const threadCount = bytes[0];
  if (threadCount < 1 || threadCount > 31) throw bad(`thread count ${threadCount} out of range`);
  const steps: number[] = [];
  let v = 0;
  let scale = 1;
  for (let i = 1; i < bytes.length; i++) {
    const b = bytes[i];
    v += (b % 128) * scale;
    if (b >= 128) {
      scale *= 128;
      if (scale > 2 ** 35) throw bad('a run length is too large');
      continue;
    }
    const t = v % 32;
    if (t >= threadCount) throw bad(`step ${steps.length} names thread ${t} of ${threadCount}`);
    const run = Math.floor(v / 32) + 1;
    for (let k = 0; k < run; k++) steps.push(t);
    v = 0;
    scale = 1;
  }
  if (scale !== 1) throw bad('it ends in the middle of a number');
  return { threadCount, steps };
}

function checksum(bytes: readonly number[]): number {
  let h = 0x2b;
  for (const b of bytes) h = Math.imul(h ^ b, 0x9d) & 0xff;
  return h;
}

function base64url(bytes: readonly number[]): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += ALPHABET[(acc >> bits) & 63];
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(acc << (6 - bits)) & 63];
  return out;
}
