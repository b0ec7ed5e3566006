// The OpRegion→VBT lookup (opregion.h) and the `$VBT` check (util.h) that the policy driver and
// the test app compile in, exercised on the host: clang builds a tiny program around the same
// headers. Skipped without clang; the QEMU tests cover the happy paths inside OVMF. The `$VBT`
// check must accept exactly what the reader (gop/vbt.ts) accepts: a differential test over the
// fixture VBTs and mutations of their header fields.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, statSync } from 'node:fs';
import { parseVbt } from '../lib/firmware/gop/vbt';
import { fixturePath, haveFixtures, readFixture } from '../../tests/helpers/fixtures';

const haveClang = spawnSync('clang', ['--version'], { stdio: 'ignore' }).status === 0;
if (!haveClang) console.warn('[skip] opregion.h host tests: clang not found');

const HARNESS = `
#include <stdio.h>
#include <stdlib.h>
#include "opregion.h"
int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    FILE *f = fopen(argv[i], "rb");
    static UINT8 buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    UINT32 size = 0;
    UINTN off = opregion_vbt(buf, n, &size);
    if (off) vbt_fix_checksum(buf + off);
    unsigned sum = 0;
    if (off) for (UINT32 j = 0; j < rd16(buf + off + 0x18); j++) sum += buf[off + j];
    printf("%llu %u %u\\n", (unsigned long long)off, off ? size : 0, sum & 0xff);
  }
  return 0;
}
`;

/** vbt_check over whole files: prints the accepted vbt_size, or 0. */
const VBT_HARNESS = `
#include <stdio.h>
#include "util.h"
int main(int argc, char **argv) {
  static UINT8 buf[1 << 20];
  for (int i = 1; i < argc; i++) {
    FILE *f = fopen(argv[i], "rb");
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    printf("%u\\n", vbt_check(buf, n));
  }
  return 0;
}
`;

let dir = '';
let bin = '';
let vbtBin = '';
beforeAll(() => {
  if (!haveClang) return;
  dir = mkdtempSync(join(tmpdir(), 'opregion-'));
  writeFileSync(join(dir, 'harness.c'), HARNESS);
  writeFileSync(join(dir, 'vbt-harness.c'), VBT_HARNESS);
  bin = join(dir, 'harness');
  vbtBin = join(dir, 'vbt-harness');
  execFileSync('clang', ['-w', '-O1', '-I', resolve(__dirname), join(dir, 'harness.c'), '-o', bin]);
  execFileSync('clang', [
    '-w',
    '-O1',
    '-I',
    resolve(__dirname),
    join(dir, 'vbt-harness.c'),
    '-o',
    vbtBin,
  ]);
});
afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

/** Runs the lookup on each blob: [offset, size, Σ8 after the checksum fix]. */
function lookup(...blobs: Uint8Array[]): [number, number, number][] {
  const files = blobs.map((b, i) => {
    const f = join(dir, `in${i}.bin`);
    writeFileSync(f, b);
    return f;
  });
  return execFileSync(bin, files, { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => l.split(' ').map(Number) as [number, number, number]);
}

function vbt(size = 0x30 + 0x16 + 11, checksumOk = false): Uint8Array {
  const v = new Uint8Array(size);
  const dv = new DataView(v.buffer);
  v.set(new TextEncoder().encode('$VBT HOST-TEST'), 0);
  dv.setUint16(0x16, 0x30, true);
  dv.setUint16(0x18, size, true);
  dv.setUint32(0x1c, 0x30, true);
  v.set(new TextEncoder().encode('BIOS_DATA_BLOCK '), 0x30);
  dv.setUint16(0x42, 0x16, true);
  dv.setUint16(0x44, size - 0x30, true);
  v[0x1a] = 0x33;
  if (checksumOk) {
    let s = 0;
    for (const b of v) s = (s + b) & 0xff;
    v[0x1a] = (0x133 - s) & 0xff;
  }
  return v;
}

function opregion(
  major: number,
  minor: number,
  place: 'mbox4' | 'rvda',
  v: Uint8Array,
  rvda = 0x2000,
) {
  const o = new Uint8Array(Math.max(0x2000, place === 'rvda' ? rvda + v.length : 0));
  const dv = new DataView(o.buffer);
  o.set(new TextEncoder().encode('IntelGraphicsMem'), 0);
  o[0x16] = minor;
  o[0x17] = major;
  if (place === 'rvda') {
    dv.setBigUint64(0x3ba, BigInt(rvda), true);
    dv.setUint32(0x3c2, v.length, true);
    if (rvda + v.length <= o.length) o.set(v, rvda);
  } else o.set(v, 0x400);
  return o;
}

describe.skipIf(!haveClang)('opregion.h on the host', () => {
  it('finds the VBT in mailbox 4 (2.0) and at RVDA (2.1, 3.0), and fixes the checksum', () => {
    const v = vbt();
    const big = vbt(0x2400);
    expect(
      lookup(opregion(2, 0, 'mbox4', v), opregion(2, 1, 'rvda', big), opregion(3, 0, 'rvda', big)),
    ).toEqual([
      [0x400, v.length, 0],
      [0x2000, big.length, 0],
      [0x2000, big.length, 0],
    ]);
  });

  it('ignores RVDA before 2.1 and uses mailbox 4', () => {
    const o = opregion(2, 0, 'mbox4', vbt());
    new DataView(o.buffer).setBigUint64(0x3ba, 0x2000n, true);
    new DataView(o.buffer).setUint32(0x3c2, 0x100, true);
    expect(lookup(o)).toEqual([[0x400, vbt().length, 0]]);
  });

  it('rejects a bad signature, RVDA pointing into or past the OpRegion, and an invalid VBT', () => {
    const badSig = opregion(2, 0, 'mbox4', vbt());
    badSig[0] = 0x69;
    const inside = opregion(2, 1, 'rvda', vbt(), 0x1000); // RVDA inside the 8 KiB header area
    const past = opregion(2, 1, 'rvda', vbt(0x800));
    const cut = past.subarray(0, 0x2400); // RVDS runs past the data
    const noBdb = vbt();
    noBdb[0x30] = 0; // BDB signature broken
    const badVbt = opregion(2, 0, 'mbox4', noBdb);
    const tooShort = opregion(2, 0, 'mbox4', vbt()).subarray(0, 0x1fff);
    expect(lookup(badSig, inside, cut, badVbt, tooShort).map((r) => r[0])).toEqual([0, 0, 0, 0, 0]);
  });

  it.skipIf(!haveFixtures)(
    'hands over the real MTL/ARL/PTL VBTs (over 6 KiB) from RVDA in 2.1, never from mailbox 4',
    () => {
      const files = [
        'newgen/fsp-mtl-vbt/VBT_MTL.bin',
        'newgen/fsp-arl-s-vbt-s03/VbtArlsS03.dat',
        'vbt/intel-fsp/PantherLake-Vbt.dat',
      ];
      for (const f of files) {
        const raw = readFixture(f);
        const size = parseVbt(raw).size;
        expect(size, f).toBeGreaterThan(0x1800);
        const exact = raw.slice(0, size);
        // RVDS as hosts fill it: the VBT's own size. The policy copies RVDS bytes and fixes the
        // checksum (VBT_MTL.bin ships a bad one), so Σ8 is 0 afterwards.
        const [[off, got, sum]] = lookup(opregion(2, 1, 'rvda', exact));
        expect([off, got, sum], f).toEqual([0x2000, size, 0]);
        // The same VBT cut into mailbox 4 (2.0 layout) is refused rather than handed over short.
        const mbox = opregion(2, 0, 'mbox4', new Uint8Array(0));
        mbox.set(exact.subarray(0, 0x1800), 0x400);
        expect(lookup(mbox)[0][0], f).toBe(0);
      }
    },
  );

  it('keeps the VBT size honest: vbt_size larger than mailbox 4 fails there', () => {
    const v = vbt(0x1900); // claims 6.25 KiB, more than mailbox 4 holds
    const o = new Uint8Array(0x2000 + 0x200);
    o.set(opregion(2, 0, 'mbox4', new Uint8Array(0)));
    o.set(v.subarray(0, 0x1c00), 0x400);
    expect(lookup(o)[0][0]).toBe(0);
  });
});

/** The reader's verdict: vbt_size when parseVbt accepts the bytes, else 0. */
function readerSays(b: Uint8Array): number {
  try {
    return parseVbt(b).size;
  } catch {
    return 0;
  }
}

function vbtCheck(blobs: Uint8Array[]): number[] {
  const files = blobs.map((b, i) => {
    const f = join(dir, `v${i}.bin`);
    writeFileSync(f, b);
    return f;
  });
  const out: number[] = [];
  // Keep the argument list short enough for any system.
  for (let i = 0; i < files.length; i += 200)
    out.push(
      ...execFileSync(vbtBin, files.slice(i, i + 200), { encoding: 'utf8' })
        .trim()
        .split('\n')
        .map(Number),
    );
  return out;
}

function fixtureVbts(): Uint8Array[] {
  if (!haveFixtures) return [];
  const found: Uint8Array[] = [];
  const walk = (rel: string) => {
    for (const f of readdirSync(fixturePath(rel))) {
      const r = `${rel}/${f}`;
      if (statSync(fixturePath(r)).isDirectory()) walk(r);
      else if (/\.(bin|vbt|dat)$/.test(f)) found.push(readFixture(r));
    }
  };
  walk('vbt');
  walk('gop-vbt');
  walk('newgen');
  return found.filter((b) => b[0] === 0x24 && b[1] === 0x56); // "$V": VBT files only
}

describe.skipIf(!haveClang)('vbt_check (util.h) accepts what the reader accepts', () => {
  it('agrees on every fixture VBT and on mutations of each header field', () => {
    const bases = [vbt(0x30 + 0x16 + 11, true), vbt(0x400, true), ...fixtureVbts()];
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const cases: Uint8Array[] = [];
    for (const b of bases) {
      cases.push(b);
      for (let k = 0; k < 24; k++) {
        const m = b.slice();
        const dv = new DataView(m.buffer);
        const bdb = dv.getUint32(0x1c, true);
        switch (k % 8) {
          case 0: // header_size
            dv.setUint16(0x16, [0, 23, 24, 0x30, rnd(0x10000)][rnd(5)], true);
            break;
          case 1: // vbt_size: around the real one, or anything
            dv.setUint16(
              0x18,
              [m.length, m.length + 1, bdb + 21, bdb + 22, rnd(0x10000)][rnd(5)],
              true,
            );
            break;
          case 2: // bdb_offset
            dv.setUint32(0x1c, [0, 0x2f, 0x30, m.length, rnd(0x20000)][rnd(5)], true);
            break;
          case 3: // BDB signature: one of its 16 bytes
            if (bdb + 16 <= m.length) m[bdb + rnd(16)] ^= 1 + rnd(255);
            break;
          case 4: // bdb_size
            if (bdb + 22 <= m.length) dv.setUint16(bdb + 0x14, rnd(0x10000), true);
            break;
          case 5: // "$VBT"
            m[rnd(4)] ^= 0x20;
            break;
          case 6: // fewer bytes than vbt_size says
            cases.push(m.subarray(0, rnd(m.length)));
            continue;
          default: // the 16th BDB signature byte (a space in i915's) is not compared
            if (bdb + 16 <= m.length) m[bdb + 15] = rnd(256);
        }
        cases.push(m);
      }
    }
    const c = vbtCheck(cases);
    const r = cases.map(readerSays);
    expect(c).toEqual(r);
    // Both verdicts occur, so agreement means something.
    expect(r.filter((x) => x > 0).length).toBeGreaterThan(bases.length);
    expect(r.filter((x) => x === 0).length).toBeGreaterThan(bases.length);
  });
});
