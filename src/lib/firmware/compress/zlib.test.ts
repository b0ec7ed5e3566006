import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { inflate } from './zlib';
import { brotliDecompress, brotliSectionDecompress, brotliSectionHeader } from './brotli';
import { FirmwareError } from '../errors';

// Compressible but not trivial test data: a repeating text with a counter.
const sample = new TextEncoder().encode(
  Array.from({ length: 4000 }, (_, i) => `line ${i} of the firmware test data\n`).join(''),
);

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(FirmwareError);
    return (e as FirmwareError).code;
  }
  return 'none';
}

describe('inflate (checked against node:zlib as the compressor)', () => {
  const cases = [
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['deflate-raw', deflateRawSync],
  ] as const;
  for (const [format, compress] of cases) {
    it(`${format}: round-trips, enforces the output limit, rejects corrupt data`, async () => {
      const packed = new Uint8Array(compress(sample));
      expect(await inflate(packed, format, sample.length)).toEqual(sample);
      expect(await code(inflate(packed, format, sample.length - 1))).toBe('budget');
      const broken = packed.slice();
      broken.fill(0xff, 2, 40);
      expect(await code(inflate(broken, format, 1 << 20))).toBe('decompress');
      expect(await code(inflate(packed.subarray(0, packed.length >> 1), format, 1 << 20))).toBe(
        'decompress',
      );
    });
  }

  it('stops a bomb at the limit', async () => {
    const bomb = new Uint8Array(gzipSync(new Uint8Array(64 << 20)));
    expect(bomb.length).toBeLessThan(100_000);
    expect(await code(inflate(bomb, 'gzip', 1 << 20))).toBe('budget');
  });
});

describe('Brotli', () => {
  // Encoded by Node's native zlib (libbrotli): an independent encoder for our pure-JS decoder.
  const packed = new Uint8Array(brotliCompressSync(sample));

  it('decodes a stream made by libbrotli, and rejects a wrong declared size or damage', async () => {
    const out = await brotliDecompress(packed, sample.length);
    expect(out.length).toBe(sample.length);
    expect(Buffer.compare(Buffer.from(out), Buffer.from(sample))).toBe(0);
    expect(await code(brotliDecompress(packed, sample.length + 1))).toBe('decompress');
    expect(
      await code(brotliDecompress(packed.subarray(0, packed.length >> 1), sample.length)),
    ).toBe('decompress');
  });

  it('reads the edk2 section header: u64 original size, u64 scratch size', async () => {
    const body = new Uint8Array(16 + packed.length);
    const dv = new DataView(body.buffer);
    dv.setUint32(0, sample.length, true);
    dv.setUint32(8, 0x12345, true);
    body.set(packed, 16);
    expect(brotliSectionHeader(body)).toEqual({
      originalSize: sample.length,
      scratchSize: 0x12345,
    });
    expect(await code(brotliSectionDecompress(body, sample.length - 1))).toBe('budget');
    expect(await code(brotliSectionDecompress(body.subarray(0, 10), 1 << 20))).toBe('truncated');
    const out = await brotliSectionDecompress(body, 1 << 20);
    expect(Buffer.compare(Buffer.from(out), Buffer.from(sample))).toBe(0);
  });
});
