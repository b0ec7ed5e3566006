/**
 * Brotli, as edk2's BrotliCustomDecompress sections carry it (GUID
 * 3D532050-5CDA-4FD0-879E-0F7F630D5AFB): a header of u64 original size and u64 scratch size
 * (BrotliDecompress.c), then a plain Brotli stream.
 *
 * Decoded with the pure-JS `brotli` package (the same code in the browser and in Node, so both
 * give the same bytes); the output buffer is sized from the declared length, never beyond it.
 */
import { decompress as brotliDecode } from 'brotli/decompress.js';
import { dataViewOf } from '../bytes/view';
import { FirmwareError } from '../errors';

/** GUID of edk2's Brotli-compressed GUID-defined sections. */
export const BROTLI_SECTION_GUID = '3D532050-5CDA-4FD0-879E-0F7F630D5AFB';

export interface BrotliOptions {
  /** Refuse to produce more than this (default: outSize). */
  maxOutput?: number;
}

/** Decode a raw Brotli stream that should expand to exactly `outSize` bytes. */
export async function brotliDecompress(
  input: Uint8Array,
  outSize: number,
  opts: BrotliOptions = {},
): Promise<Uint8Array> {
  const max = opts.maxOutput ?? outSize;
  if (outSize > max) {
    throw new FirmwareError(
      'budget',
      `Brotli data declares ${outSize} bytes, over the limit of ${max}`,
      {
        offset: 0,
      },
    );
  }
  let out: Uint8Array;
  try {
    out = brotliDecode(input, outSize);
  } catch (e) {
    throw new FirmwareError(
      'decompress',
      `Brotli data is damaged (${e instanceof Error ? e.message : String(e)})`,
      { offset: 0 },
    );
  }
  if (out.length !== outSize) {
    throw new FirmwareError(
      'decompress',
      `Brotli data gave ${out.length} bytes, expected ${outSize}`,
      {
        offset: 0,
      },
    );
  }
  return out;
}

/** The two sizes at the head of an edk2 Brotli section body. */
export function brotliSectionHeader(body: Uint8Array): {
  originalSize: number;
  scratchSize: number;
} {
  if (body.length < 16) {
    throw new FirmwareError('truncated', 'Brotli section is shorter than its 16-byte header', {
      offset: 0,
    });
  }
  const dv = dataViewOf(body);
  const u64 = (o: number): number => {
    const hi = dv.getUint32(o + 4, true);
    if (hi > 0x1fffff)
      throw new FirmwareError('bad-format', 'Brotli section size is too large', { offset: o });
    return hi * 0x100000000 + dv.getUint32(o, true);
  };
  return { originalSize: u64(0), scratchSize: u64(8) };
}

/** Decode an edk2 Brotli section body (header + stream). */
export async function brotliSectionDecompress(
  body: Uint8Array,
  maxOutput: number,
): Promise<Uint8Array> {
  const { originalSize } = brotliSectionHeader(body);
  return brotliDecompress(body.subarray(16), originalSize, { maxOutput });
}
