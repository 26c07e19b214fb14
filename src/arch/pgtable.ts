// Kernel-named address helpers over virtual page numbers (include/linux/pgtable.h), implemented
// with division so they stay exact beyond 32 bits (style B.4). Mirrors include/linux/pgtable.h.

import type { ArchGeometry } from './types.js';

/** Rounds `x` down to a multiple of `size`. */
export function round_down(x: number, size: number): number {
  return x - (x % size);
}

/** Rounds `x` up to a multiple of `size`. */
export function round_up(x: number, size: number): number {
  const r = x % size;
  return r === 0 ? x : x - r + size;
}

/**
 * The kernel's `<level>_addr_end(addr, end)`: the end of the slot of size `size` holding `addr`,
 * or `end` if that comes first. The `- 1` comparison makes an `end` of 0 mean "top of space".
 */
export function addr_end(addr: number, end: number, size: number): number {
  const boundary = round_down(addr, size) + size;
  return boundary - 1 < end - 1 || end === 0 ? boundary : end;
}

/** End of the PMD slot holding `addr`, capped at `end` (`pmd_addr_end`). */
export function pmd_addr_end(g: ArchGeometry, addr: number, end: number): number {
  return addr_end(addr, end, g.PMD_SIZE);
}

/** End of the PUD slot holding `addr`, capped at `end` (`pud_addr_end`). */
export function pud_addr_end(g: ArchGeometry, addr: number, end: number): number {
  return addr_end(addr, end, g.PUD_SIZE);
}

/** End of the P4D slot holding `addr`, capped at `end` (`p4d_addr_end`). */
export function p4d_addr_end(g: ArchGeometry, addr: number, end: number): number {
  return addr_end(addr, end, g.P4D_SIZE);
}

/** End of the PGD slot holding `addr`, capped at `end` (`pgd_addr_end`). */
export function pgd_addr_end(g: ArchGeometry, addr: number, end: number): number {
  return addr_end(addr, end, g.PGDIR_SIZE);
}

/** Index of `addr`'s entry in its PTE table. */
export function pte_index(g: ArchGeometry, addr: number): number {
  return addr % g.PTRS_PER_PTE;
}

/** Index of `addr`'s entry in its PMD table. */
export function pmd_index(g: ArchGeometry, addr: number): number {
  return Math.floor(addr / g.PMD_SIZE) % g.PTRS_PER_PMD;
}

/** Index of `addr`'s entry in its PUD table. */
export function pud_index(g: ArchGeometry, addr: number): number {
  return Math.floor(addr / g.PUD_SIZE) % g.PTRS_PER_PUD;
}

/** Index of `addr`'s entry in its P4D table. */
export function p4d_index(g: ArchGeometry, addr: number): number {
  return Math.floor(addr / g.P4D_SIZE) % g.PTRS_PER_P4D;
}

/** Index of `addr`'s entry in the PGD. */
export function pgd_index(g: ArchGeometry, addr: number): number {
  return Math.floor(addr / g.PGDIR_SIZE) % g.PTRS_PER_PGD;
}

/** The largest unsigned long (2^64 - 1): syscall arguments wrap above it. */
export const ULONG_MAX = (1n << 64n) - 1n;

/** Page number of a byte address (which must be page-aligned for an exact result). */
export function vpnOfBytes(g: ArchGeometry, bytes: bigint): number {
  return Number(bytes / BigInt(g.PAGE_SIZE));
}

/** `PAGE_ALIGN(len)` in pages: bytes rounded up to whole pages (the caller checks overflow). */
export function pagesRoundUp(g: ArchGeometry, bytes: bigint): number {
  const p = BigInt(g.PAGE_SIZE);
  return Number((bytes + p - 1n) / p);
}

/** Whether a byte address is page-aligned (`offset_in_page(addr) == 0`). */
export function isPageAligned(g: ArchGeometry, bytes: bigint): boolean {
  return bytes % BigInt(g.PAGE_SIZE) === 0n;
}

/** Byte address of a page number, for printing. */
export function bytesOfVpn(g: ArchGeometry, vpn: number): bigint {
  return BigInt(vpn) * BigInt(g.PAGE_SIZE);
}
