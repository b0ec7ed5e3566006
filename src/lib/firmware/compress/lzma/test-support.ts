// Helpers for the LZMA tests only: run the system `xz` as the independent reference.
import { execFileSync, spawnSync } from 'node:child_process';

export const haveXz: boolean = spawnSync('xz', ['--version']).status === 0;
export const noXzReason = 'xz is not installed: the LZMA reference tests need `xz --format=lzma`';
if (!haveXz) console.warn(`[skip] ${noXzReason}`);

export function xzCompress(data: Uint8Array, args: string[] = ['-6']): Uint8Array {
  return new Uint8Array(
    execFileSync('xz', ['--format=lzma', '-c', ...args], { input: data, maxBuffer: 1 << 30 }),
  );
}

export function xzDecompress(data: Uint8Array): Uint8Array {
  return new Uint8Array(
    execFileSync('xz', ['--format=lzma', '-dc'], { input: data, maxBuffer: 1 << 30 }),
  );
}

/** Deterministic pseudo-random bytes (xorshift32). */
export function noise(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed | 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Text-like data with repeats at many distances. */
export function text(n: number): Uint8Array {
  const words = [
    'firmware',
    'volume',
    'section',
    'GUID',
    'LZMA',
    'the',
    'of',
    'driver',
    'EFI',
    'x86',
    '\n',
  ];
  const out = new Uint8Array(n);
  let x = 12345;
  let i = 0;
  while (i < n) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    const w = words[(x >>> 16) % words.length] + ' ';
    for (let k = 0; k < w.length && i < n; k++) out[i++] = w.charCodeAt(k);
  }
  return out;
}

export interface LzmaSection {
  /** Offset of the section's stream in the file. */
  offset: number;
  stream: Uint8Array;
}

/** Finds edk2 LZMA GUIDed sections (EE4E5898-…) by their GUID bytes, without the tree parser. */
export function findLzmaSections(file: Uint8Array): LzmaSection[] {
  const g = [
    0x98, 0x58, 0x4e, 0xee, 0x14, 0x39, 0x59, 0x42, 0x9d, 0x6e, 0xdc, 0x7b, 0xd7, 0x94, 0x03, 0xcf,
  ];
  const found: LzmaSection[] = [];
  outer: for (let at = 4; at + 20 <= file.length; at++) {
    for (let k = 0; k < 16; k++) if (file[at + k] !== g[k]) continue outer;
    const sec = at - 4;
    if (file[sec + 3] !== 0x02) continue; // EFI_SECTION_GUID_DEFINED
    const size = file[sec] | (file[sec + 1] << 8) | (file[sec + 2] << 16);
    const dataOffset = file[at + 16] | (file[at + 17] << 8);
    if (size <= dataOffset || sec + size > file.length) continue;
    found.push({ offset: sec + dataOffset, stream: file.subarray(sec + dataOffset, sec + size) });
  }
  return found;
}
