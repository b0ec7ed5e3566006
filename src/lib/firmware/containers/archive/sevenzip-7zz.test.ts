/** 7z archives written by 7-Zip itself (Debian's `7zz`): encrypted ones, and BCJ2 folders. */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { haveFixtures, readFixture } from '../../../../../tests/helpers/fixtures';
import { firmwareErrorOf, openRecorded } from './testing';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const have7zz = spawnSync('7zz', ['i'], { stdio: 'ignore' }).status === 0;
if (!have7zz)
  console.warn('[skip] 7zz not found (Debian package 7zip): 7-Zip-written archive tests');

/** Code-like bytes: E8/E9/Jcc with near targets among other bytes, as BCJ2 is made for. */
function x86Like(size: number): Uint8Array {
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  let x = 7;
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
  for (let i = 0; i + 6 <= size;) {
    const r = next() % 12;
    if (r < 2) {
      out[i] = 0xe8 + r;
      dv.setInt32(i + 1, (next() % 0x8000) - 0x4000, true);
      i += 5;
    } else if (r === 2) {
      out[i] = 0x0f;
      out[i + 1] = 0x84;
      dv.setInt32(i + 2, (next() % 0x400) - 0x200, true);
      i += 6;
    } else out[i++] = (next() >>> 24) % 24; // a small alphabet, so LZMA has work to do
  }
  return out;
}

describe.skipIf(!have7zz)('7z archives written by 7-Zip', () => {
  const dir = mkdtempSync(join(tmpdir(), '7zz-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const readme = new TextEncoder().encode('Flash from the EFI shell.\r\n');
  const image = x86Like(0x30000);
  writeFileSync(join(dir, 'README.TXT'), readme);
  writeFileSync(join(dir, 'BIOS.BIN'), image);

  function pack(name: string, switches: string[], files: string[]): Uint8Array {
    execFileSync('7zz', ['a', '-bd', ...switches, name, ...files], { cwd: dir, stdio: 'ignore' });
    return new Uint8Array(readFileSync(join(dir, name)));
  }

  it('a password-protected entry: unsupported, naming the entry, nothing decoded', async () => {
    const b = pack('aes.7z', ['-pSECRET'], ['README.TXT', 'BIOS.BIN']);
    const e = await firmwareErrorOf(openRecorded(b));
    // 7-Zip orders the files itself; the first one read is named.
    const name = e.path?.replace(/^7z entry /, '');
    expect(['README.TXT', 'BIOS.BIN']).toContain(name);
    expect(e.code).toBe('unsupported');
    expect(e.message).toContain(
      `this 7z archive is password-protected: ${name} is encrypted (AES-256)`,
    );
    expect(e.message).toMatch(/7-Zip and the password/);
  });

  it('an encrypted header (-mhe=on): unsupported, naming the file list', async () => {
    const b = pack('aes-header.7z', ['-pSECRET', '-mhe=on'], ['BIOS.BIN']);
    const e = await firmwareErrorOf(openRecorded(b));
    expect(e.code).toBe('unsupported');
    expect(e.message).toMatch(/password-protected: the archive's file list is encrypted/);
  });

  const bcj2Ways: [string, string[]][] = [
    [
      'BCJ2 bound to three LZMA coders',
      [
        '-m0=BCJ2',
        '-m1=LZMA:d20',
        '-m2=LZMA:d20',
        '-m3=LZMA:d20',
        '-mb0s0:1',
        '-mb0s1:2',
        '-mb0s2:3',
      ],
    ],
    ['BCJ2 as the filter before LZMA2 (-mf=BCJ2)', ['-mf=BCJ2']],
  ];
  for (const [title, switches] of bcj2Ways) {
    it(`${title}: a synthetic x86-like file comes out byte for byte`, async () => {
      const b = pack(`${switches.length}.bcj2.7z`, switches, ['BIOS.BIN']);
      const { root, payloads } = await openRecorded(b);
      expect(root.children[0].children[0].fields.method).toMatch(/BCJ2/);
      expect(payloads.map((p) => sha(p.bytes))).toEqual([sha(image)]);
    });
  }

  it.skipIf(!haveFixtures)('BCJ2: a real GOP driver comes out byte for byte', async () => {
    const gop = readFixture('gop/12-1240p.efi');
    writeFileSync(join(dir, 'gop.efi'), gop);
    const b = pack('gop.7z', bcj2Ways[0][1], ['gop.efi']);
    const { payloads } = await openRecorded(b);
    expect(payloads.map((p) => sha(p.bytes))).toEqual([sha(gop)]);
  });

  it('BCJ2 whose jump stream is cut short: a truncated error, not garbage', async () => {
    // Stored sub-streams and a plain header, so the call stream's size can be edited.
    const b = pack(
      'bcj2-copy.7z',
      [
        '-mhc=off',
        '-m0=BCJ2',
        '-m1=Copy',
        '-m2=Copy',
        '-m3=Copy',
        '-mb0s0:1',
        '-mb0s1:2',
        '-mb0s2:3',
      ],
      ['BIOS.BIN'],
    );
    const e = await firmwareErrorOf(openRecorded(shortenPackStream(b, 3)));
    expect(e.code).toBe('truncated');
    expect(e.message).toMatch(/BCJ2 jump stream ends/);
  });
});

/**
 * Rewrites the plain header's size of pack stream `k` one 4-byte target shorter (and the size of
 * the Copy coder that reads it), then both CRCs.
 * 7-Zip orders a BCJ2 folder's pack streams main, selector, call, jump (its folder record says
 * so); the last is cut, so no other stream moves and the decoder runs out of exactly that one.
 */
function shortenPackStream(b: Uint8Array, k: number): Uint8Array {
  const out = b.slice();
  const dv = new DataView(out.buffer);
  const at = 32 + dv.getUint32(12, true);
  // 01 04 06 <packPos> <numPackStreams> 09 <sizes…>: the header, main streams, pack info.
  expect([out[at], out[at + 1], out[at + 2]]).toEqual([1, 4, 6]);
  let p = at + 3;
  /** A 7z number of up to three bytes at p: its value and width. */
  const num = (): [number, number] => {
    const first = out[p];
    if (first < 0x80) return [first, 1];
    if (first < 0xc0) return [((first & 0x3f) << 8) | out[p + 1], 2];
    if (first < 0xe0) return [((first & 0x1f) << 16) | out[p + 1] | (out[p + 2] << 8), 3];
    throw new Error('pack size too large for this test');
  };
  p += num()[1]; // packPos
  expect(num()[0]).toBe(4);
  p += num()[1];
  expect(out[p++]).toBe(9);
  for (let i = 0; i < k; i++) p += num()[1];
  const [size, width] = num();
  const v = size - 4;
  expect(v).toBeGreaterThan(0);
  const was = Buffer.from(out.subarray(p, p + width));
  const now =
    width === 1
      ? [v]
      : width === 2
        ? [0x80 | (v >> 8), v & 0xff]
        : [0xc0 | (v >> 16), v & 0xff, (v >> 8) & 0xff];
  out.set(now, p);
  // The Copy coder reading that stream declares the same size among the unpack sizes (0x0C).
  const sizes = Buffer.from(out).indexOf(0x0c, p);
  const copy = Buffer.from(out).indexOf(was, sizes);
  expect(sizes).toBeGreaterThan(p);
  expect(copy).toBeGreaterThan(sizes);
  out.set(now, copy);
  const headerSize = dv.getUint32(20, true);
  dv.setUint32(28, crc32(out.subarray(at, at + headerSize)), true);
  dv.setUint32(8, crc32(out.subarray(12, 32)), true);
  return out;
}
