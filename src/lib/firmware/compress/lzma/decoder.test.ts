import { describe, expect, it } from 'vitest';
import { Budget } from '../../budget';
import { FirmwareError } from '../../errors';
import { haveFixtures, noFixturesReason, readFixture } from '../../../../../tests/helpers/fixtures';
import { lzmaDecompress, lzmaDecompressIntelLegacy } from './decoder';
import {
  findLzmaSections,
  haveXz,
  noise,
  noXzReason,
  text,
  xzCompress,
  xzDecompress,
} from './test-support';

function withKnownSize(stream: Uint8Array, size: number): Uint8Array {
  const s = stream.slice();
  new DataView(s.buffer).setBigUint64(5, BigInt(size), true);
  return s;
}

function mixed(): Uint8Array {
  const parts = [text(40_000), new Uint8Array(30_000).fill(0xff), noise(20_000, 7), text(10_000)];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

describe.skipIf(!haveXz)(`lzmaDecompress against xz ${haveXz ? '' : noXzReason}`, () => {
  const inputs: Record<string, Uint8Array> = {
    empty: new Uint8Array(0),
    'one byte': Uint8Array.of(0x42),
    zeros: new Uint8Array(100_000),
    random: noise(50_000),
    text: text(100_000),
    mixed: mixed(),
  };
  for (const [name, data] of Object.entries(inputs)) {
    for (const args of [
      ['-0'],
      ['-6'],
      ['-9e'],
      ['--lzma1=preset=6,lc=0,lp=2,pb=0'],
      ['--lzma1=preset=1,lc=4,pb=4'],
    ]) {
      it(`${name}, xz ${args.join(' ')} (end marker)`, () => {
        const stream = xzCompress(data, args);
        expect(Array.from(lzmaDecompress(stream))).toEqual(Array.from(data));
      });
    }
    it(`${name}, declared size`, () => {
      const stream = withKnownSize(xzCompress(data), data.length);
      expect(Buffer.from(lzmaDecompress(stream)).equals(Buffer.from(data))).toBe(true);
    });
  }

  it('Intel legacy: 4 bytes before the header', () => {
    const data = text(5000);
    const stream = xzCompress(data);
    const legacy = new Uint8Array(stream.length + 4);
    legacy.set([1, 2, 3, 4]);
    legacy.set(stream, 4);
    expect(Buffer.from(lzmaDecompressIntelLegacy(legacy)).equals(Buffer.from(data))).toBe(true);
  });

  it('refuses a declared size over maxOutput and over the budget', () => {
    const data = text(20_000);
    const stream = withKnownSize(xzCompress(data), data.length);
    expect(() => lzmaDecompress(stream, { maxOutput: 10_000 })).toThrow(FirmwareError);
    const budget = new Budget({ maxDecompressed: 30_000 });
    expect(lzmaDecompress(stream, { budget }).length).toBe(20_000);
    expect(budget.decompressed).toBe(20_000);
    try {
      lzmaDecompress(stream, { budget });
      expect.unreachable();
    } catch (e) {
      expect((e as FirmwareError).code).toBe('budget');
    }
  });

  it('unknown size: stops at maxOutput', () => {
    const data = new Uint8Array(1 << 20).fill(7);
    const stream = xzCompress(data);
    expect(() => lzmaDecompress(stream, { maxOutput: 100_000 })).toThrow(/limit/);
  });

  it('truncated streams throw FirmwareError(decompress) with an offset', () => {
    const data = mixed();
    const unknown = xzCompress(data);
    // With a declared size the end marker (the last few bytes) is not needed, so do not cut there.
    const cases: [Uint8Array, number[]][] = [
      [unknown, [0, 5, 12, 13, 17, 100, unknown.length >> 1, unknown.length - 1]],
      [
        withKnownSize(unknown, data.length),
        [0, 12, 13, 17, 100, unknown.length >> 1, unknown.length - 20],
      ],
    ];
    for (const [stream, cuts] of cases) {
      for (const cut of cuts) {
        let err: unknown;
        try {
          lzmaDecompress(stream.subarray(0, cut), { offset: 0x1000 });
        } catch (e) {
          err = e;
        }
        expect(err, `cut at ${cut}`).toBeInstanceOf(FirmwareError);
        expect((err as FirmwareError).code).toBe('decompress');
        expect((err as FirmwareError).offset).toBeGreaterThanOrEqual(0x1000);
      }
    }
  });

  it('corrupted streams throw FirmwareError or return the declared size, never anything else', () => {
    const data = mixed();
    const good = withKnownSize(xzCompress(data), data.length);
    const rnd = noise(400, 99);
    let errors = 0;
    for (let k = 0; k < 100; k++) {
      const bad = good.slice();
      const at = 13 + ((rnd[k * 2] | (rnd[k * 2 + 1] << 8)) % (bad.length - 13));
      bad[at] ^= 1 << (k & 7);
      try {
        expect(lzmaDecompress(bad).length).toBe(data.length);
      } catch (e) {
        expect(e).toBeInstanceOf(FirmwareError);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(0);
    // Unknown size with garbage after the header: bounded by maxOutput.
    const garbage = xzCompress(data).slice();
    garbage.set(noise(garbage.length - 14, 5), 14);
    expect(() => lzmaDecompress(garbage, { maxOutput: 1 << 20 })).toThrow(FirmwareError);
  });

  it('rejects a bad properties byte and a short header', () => {
    const s = xzCompress(text(100)).slice();
    s[0] = 225;
    expect(() => lzmaDecompress(s)).toThrow(FirmwareError);
    expect(() => lzmaDecompress(s.subarray(0, 12))).toThrow(FirmwareError);
  });
});

describe('lzmaDecompress on garbage', () => {
  it('random streams only ever throw FirmwareError, quickly', () => {
    const r = noise(3000 * 320, 77);
    let errors = 0;
    for (let k = 0; k < 3000; k++) {
      const n = 13 + (r[k * 320] % 300);
      const a = r.slice(k * 320 + 1, k * 320 + 1 + n);
      a[0] %= 225;
      a[13] = 0; // a valid range coder start, so decoding really runs
      if (k % 2) {
        a[7] &= 0x0f; // a declared size below 1 MiB
        a.fill(0, 8, 13);
      } else a.fill(0xff, 5, 13); // unknown size: runs to an end marker or the limit
      try {
        lzmaDecompress(a, { maxOutput: 1 << 26 });
      } catch (e) {
        expect(e).toBeInstanceOf(FirmwareError);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(2900);
  });
});

/** The first EFI_SECTION_FIRMWARE_VOLUME_IMAGE (0x17) among the leaf sections at the start. */
function firstVolumeOffset(out: Uint8Array): number {
  let at = 0;
  while (at + 4 <= out.length) {
    const size = out[at] | (out[at + 1] << 8) | (out[at + 2] << 16);
    if (out[at + 3] === 0x17) return at + 4;
    if (size < 4) return -1;
    at = (at + size + 3) & ~3;
  }
  return -1;
}

describe.skipIf(!haveFixtures)(`OVMF LZMA sections ${haveFixtures ? '' : noFixturesReason}`, () => {
  const files = [
    'ovmf/debian-bookworm/OVMF_CODE.fd',
    'ovmf/debian-bookworm/OVMF_CODE_4M.fd',
    'ovmf/debian-bookworm/OVMF_CODE_4M.secboot.fd',
    'ovmf/gk41-pve-ovmf/OVMF_CODE.fd',
    'ovmf/kholia-osx-kvm/OVMF_CODE.fd',
  ];
  for (const rel of files) {
    it(rel, () => {
      const sections = findLzmaSections(readFixture(rel));
      expect(sections.length).toBeGreaterThan(0);
      for (const { stream, offset } of sections) {
        const declared = Number(
          new DataView(stream.buffer, stream.byteOffset).getBigUint64(5, true),
        );
        const out = lzmaDecompress(stream, { offset });
        expect(out.length).toBe(declared);
        const fv = firstVolumeOffset(out);
        expect(fv).toBeGreaterThan(0);
        expect(String.fromCharCode(...out.subarray(fv + 0x28, fv + 0x2c))).toBe('_FVH');
        if (haveXz) expect(Buffer.from(out).equals(Buffer.from(xzDecompress(stream)))).toBe(true);
      }
    });
  }
});

describe('lzmaDecompress progress', () => {
  it('reports growing output sizes, soon at first, then every 256 KiB, and decodes the same bytes', async () => {
    const { lzmaCompress } = await import('./encoder');
    const plain = new Uint8Array(5 << 20);
    for (let i = 0; i < plain.length; i++) plain[i] = (i % 251) ^ (i >>> 14); // quick to encode
    const stream = lzmaCompress(plain, { preset: 'fast' });
    const seen: number[] = [];
    const out = lzmaDecompress(stream, { onProgress: (n) => seen.push(n) });
    expect(Buffer.compare(out, plain)).toBe(0);
    // The first after 32 KiB, then steps doubling up to 256 KiB.
    expect(seen[0]).toBeGreaterThanOrEqual(1 << 15);
    expect(seen[0]).toBeLessThan((1 << 15) + 273);
    const steps = seen.slice(1).map((n, i) => n - seen[i]);
    const expected = [1 << 16, 1 << 17, 1 << 18];
    steps.forEach((d, i) => {
      const want = expected[Math.min(i, 2)];
      expect(d).toBeGreaterThanOrEqual(want);
      expect(d).toBeLessThan(want + 273);
    });
    expect(seen.length).toBeGreaterThanOrEqual(20);
    expect(seen.at(-1)!).toBeLessThanOrEqual(plain.length);
  });
});
