import { describe, expect, it } from 'vitest';
import { FirmwareError } from '../../errors';
import { lzmaDecompress } from './decoder';
import { lzmaCompress, lzmaCompressMemory } from './encoder';
import { haveXz, noise, noXzReason, text, xzCompress, xzDecompress } from './test-support';

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

/** Round trip through our decoder and, when present, through xz. */
function roundTrip(data: Uint8Array, preset: 'default' | 'fast'): Uint8Array {
  const packed = lzmaCompress(data, { preset });
  expect(same(lzmaDecompress(packed), data)).toBe(true);
  if (haveXz) expect(same(xzDecompress(packed), data)).toBe(true);
  return packed;
}

const inputs: [string, () => Uint8Array][] = [
  ['empty', () => new Uint8Array(0)],
  ['one byte', () => Uint8Array.of(0xa5)],
  ['two bytes', () => Uint8Array.of(1, 1)],
  ['zeros', () => new Uint8Array(300_000)],
  ['all 0xFF', () => new Uint8Array(1 << 20).fill(0xff)],
  ['random', () => noise(65_536, 42)],
  ['text', () => text(200_000)],
  [
    'period 3 then noise then the same again',
    () => {
      const a = new Uint8Array(50_000);
      for (let i = 0; i < 20_000; i++) a[i] = i % 3;
      a.set(noise(10_000, 5), 20_000);
      a.copyWithin(30_000, 0, 20_000);
      return a;
    },
  ],
];

if (!haveXz) console.warn(`[skip] xz checks in the encoder round trips: ${noXzReason}`);

describe('lzmaCompress', () => {
  for (const preset of ['default', 'fast'] as const) {
    for (const [name, make] of inputs) {
      it(`${preset}: ${name}`, () => {
        const data = make();
        const packed = roundTrip(data, preset);
        // Runs of one byte cost next to nothing: no more than xz's own stream (which adds an end marker).
        if (name === 'all 0xFF' || name === 'zeros') {
          expect(packed.length).toBeLessThanOrEqual(haveXz ? xzCompress(data).length : 400);
        }
        if (name === 'random') expect(packed.length).toBeLessThan(data.length * 1.02 + 64);
      });
    }
  }

  it('writes the edk2 header: 5D, 16 MiB dictionary, 64-bit size, no end marker', () => {
    const data = text(1000);
    const packed = lzmaCompress(data);
    expect(Array.from(packed.subarray(0, 13))).toEqual([
      0x5d, 0, 0, 0, 1, 0xe8, 3, 0, 0, 0, 0, 0, 0,
    ]);
    // Without an end marker, a decoder told the size is unknown must report a truncated stream.
    const unknown = packed.slice();
    unknown.fill(0xff, 5, 13);
    expect(() => lzmaDecompress(unknown)).toThrow(FirmwareError);
    const small = lzmaCompress(data, { dictSize: 1 << 16 });
    expect(Array.from(small.subarray(1, 5))).toEqual([0, 0, 1, 0]);
    expect(same(lzmaDecompress(small), data)).toBe(true);
  });

  it('is deterministic', () => {
    const data = text(50_000);
    expect(same(lzmaCompress(data), lzmaCompress(data))).toBe(true);
    expect(
      same(lzmaCompress(data, { preset: 'fast' }), lzmaCompress(data, { preset: 'fast' })),
    ).toBe(true);
  });

  it('a small dictionary still round-trips data with far repeats', () => {
    const block = noise(20_000, 9);
    const data = new Uint8Array(60_000);
    data.set(block, 0);
    data.set(block, 40_000);
    for (const preset of ['default', 'fast'] as const) {
      const near = lzmaCompress(data, { preset, dictSize: 4096 });
      const far = lzmaCompress(data, { preset });
      expect(same(lzmaDecompress(near), data)).toBe(true);
      if (haveXz) expect(same(xzDecompress(near), data)).toBe(true);
      // With 16 MiB the repeat is found; with 4 KiB it cannot be.
      expect(far.length).toBeLessThan(near.length - 15_000);
    }
  });

  it('reports progress and can be cancelled', () => {
    const data = text(400_000);
    const seen: number[] = [];
    lzmaCompress(data, { preset: 'fast', onProgress: (n) => seen.push(n) });
    expect(seen.length).toBeGreaterThan(3);
    expect(seen[seen.length - 1]).toBe(data.length);
    let calls = 0;
    try {
      lzmaCompress(data, { shouldCancel: () => ++calls > 2 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(FirmwareError);
      expect((e as FirmwareError).code).toBe('cancelled');
    }
  });

  it('finds a repeat of an incompressible block (searching with a stride in between)', () => {
    const block = noise(200_000, 77);
    const data = new Uint8Array(500_000);
    data.set(block, 0);
    data.set(noise(100_000, 78), 200_000);
    data.set(block, 300_000);
    for (const preset of ['default', 'fast'] as const) {
      const packed = roundTrip(data, preset);
      // 300 kB of noise to code as literals; the second copy of the block costs next to nothing.
      expect(packed.length).toBeLessThan(306_000);
    }
  });

  it('every tuning knob still gives a valid stream', () => {
    const data = new Uint8Array(120_000);
    data.set(text(60_000), 0);
    data.set(noise(20_000, 4), 60_000);
    data.copyWithin(80_000, 10_000, 50_000);
    const tunings = [
      { accelStart: 8, accelShift: 0 },
      { headKeep: 0, tailKeep: 0 },
      { niceLen: 273, depth: 1 },
      { finder: 'hc', parser: 'optimal', hashBytes: 4 },
      { finder: 'bt', parser: 'greedy', hashBytes: 4 },
      { finder: 'bt', hashBytes: 4 },
    ] as const;
    for (const tuning of tunings) {
      const packed = lzmaCompress(data, { tuning });
      expect(same(lzmaDecompress(packed), data)).toBe(true);
      if (haveXz) expect(same(xzDecompress(packed), data)).toBe(true);
    }
  });

  it('states its memory: under 10 (default) and 6 (fast) bytes per input byte, capped by the dictionary', () => {
    const n = 13_500_560; // the OVMF DXE payload
    expect(lzmaCompressMemory(n) / n).toBeLessThan(10);
    expect(lzmaCompressMemory(n, { preset: 'fast' }) / n).toBeLessThan(6);
    // Beyond the dictionary the tree stops growing: 64 MiB of input with a 1 MiB dictionary.
    expect(lzmaCompressMemory(64 << 20, { dictSize: 1 << 20 })).toBeLessThan(40 << 20);
  });

  it('rejects a bad dictionary size', () => {
    expect(() => lzmaCompress(new Uint8Array(10), { dictSize: 100 })).toThrow(FirmwareError);
  });
});
