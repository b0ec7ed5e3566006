import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { haveFixtures, noFixturesReason, readFixture } from '../../../../tests/helpers/fixtures';
import { bcjX86Decode, bcjX86Encode } from './bcj-x86';
import { haveXz, noise, noXzReason } from './lzma/test-support';

/** xz's own x86 filter as the reference: filter+compress raw, then decompress without the filter. */
function xzBcjEncode(data: Uint8Array): Uint8Array {
  const packed = execFileSync('xz', ['--format=raw', '--x86', '--lzma2=preset=0', '-c'], {
    input: data,
    maxBuffer: 1 << 28,
  });
  return new Uint8Array(
    execFileSync('xz', ['--format=raw', '--lzma2=preset=0', '-dc'], {
      input: packed,
      maxBuffer: 1 << 28,
    }),
  );
}

/** Random bytes dense in E8/E9 with near (00/FF) operands, to reach every mask state. */
function callHeavy(n: number): Uint8Array {
  const r = noise(n, 3);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = r[i];
    out[i] = v < 60 ? 0xe8 : v < 100 ? 0xe9 : v < 150 ? 0x00 : v < 200 ? 0xff : v;
  }
  return out;
}

describe('bcjX86', () => {
  it('leaves short buffers and the last four bytes alone', () => {
    const d = Uint8Array.of(0xe8, 0, 0, 0);
    expect(Array.from(bcjX86Encode(d.slice()))).toEqual([0xe8, 0, 0, 0]);
    const e = Uint8Array.of(0xe8, 1, 0, 0, 0, 0xe8, 1, 0, 0);
    expect(Array.from(bcjX86Encode(e.slice()))).toEqual([0xe8, 6, 0, 0, 0, 0xe8, 1, 0, 0]);
  });

  it('converts a call at IP 0x10 to its absolute target and back (spec arithmetic)', () => {
    const d = new Uint8Array(32);
    d.set([0xe8, 0xfb, 0xff, 0xff, 0xff], 0x10); // call -5: target = 0x10 + 5 - 5 = 0x10
    const enc = bcjX86Encode(d.slice());
    expect(Array.from(enc.subarray(0x10, 0x15))).toEqual([0xe8, 0x10, 0, 0, 0]);
    expect(Array.from(bcjX86Decode(enc))).toEqual(Array.from(d));
    // A start IP shifts the absolute address.
    const enc2 = bcjX86Encode(d.slice(), 0x1000);
    expect(Array.from(enc2.subarray(0x10, 0x15))).toEqual([0xe8, 0x10, 0x10, 0, 0]);
  });

  it('is in place and returns the same array', () => {
    const d = callHeavy(100);
    expect(bcjX86Encode(d)).toBe(d);
    expect(bcjX86Decode(d)).toBe(d);
  });

  for (const [name, make] of [
    ['call-heavy', () => callHeavy(200_000)],
    ['random', () => noise(100_000, 11)],
  ] as const) {
    it(`${name}: round trip`, () => {
      const d = make();
      const enc = bcjX86Encode(d.slice());
      expect(Buffer.from(enc).equals(Buffer.from(d))).toBe(false);
      expect(Buffer.from(bcjX86Decode(enc)).equals(Buffer.from(d))).toBe(true);
    });
    it.skipIf(!haveXz)(`${name}: same bytes as xz --x86 ${haveXz ? '' : noXzReason}`, () => {
      const d = make();
      expect(Buffer.from(bcjX86Encode(d.slice())).equals(Buffer.from(xzBcjEncode(d)))).toBe(true);
    });
  }

  it.skipIf(!haveFixtures || !haveXz)(
    `a real GOP driver matches xz --x86 ${haveFixtures ? '' : noFixturesReason}`,
    () => {
      const d = readFixture('gop/N2930.efi');
      const enc = bcjX86Encode(d.slice());
      expect(Buffer.from(enc).equals(Buffer.from(xzBcjEncode(d)))).toBe(true);
      expect(Buffer.from(bcjX86Decode(enc)).equals(Buffer.from(d))).toBe(true);
    },
  );
});
