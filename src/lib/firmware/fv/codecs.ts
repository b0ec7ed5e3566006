/**
 * The decoders sections need, behind one small interface so section parsing reads as a
 * table of encodings. Every function throws a FirmwareError on bad data.
 */
import type { Budget } from '../budget';
import { bcjX86Decode } from '../compress/bcj-x86';
import { efiDecompress, type EfiVariant } from '../compress/efi';
import { lzmaDecompress, lzmaDecompressIntelLegacy } from '../compress/lzma/decoder';
import { FirmwareError } from '../errors';

export function lzma(input: Uint8Array, budget: Budget): Uint8Array {
  try {
    return lzmaDecompress(input, { budget });
  } catch (e) {
    if (e instanceof FirmwareError && e.code === 'budget') throw e;
    // Intel's legacy variant has 4 extra bytes before the usual header.
    try {
      return lzmaDecompressIntelLegacy(input, { budget });
    } catch {
      throw e;
    }
  }
}

export function lzmaF86(input: Uint8Array, budget: Budget): Uint8Array {
  return bcjX86Decode(lzma(input, budget), 0);
}

export function efiOrTiano(input: Uint8Array, variant: EfiVariant, budget: Budget): Uint8Array {
  return efiDecompress(input, variant, { budget });
}

/** edk2's Brotli sections: u64 decoded size, u64 scratch size, then the stream. */
export async function brotliSection(input: Uint8Array, budget: Budget): Promise<Uint8Array> {
  if (input.length < 16) throw new FirmwareError('truncated', 'Brotli section header is cut short');
  const dv = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const lo = dv.getUint32(0, true);
  const hi = dv.getUint32(4, true);
  if (hi !== 0) throw new FirmwareError('decompress', 'Brotli section declares an impossible size');
  budget.takeDecompressed(lo);
  // Loaded on use: Brotli and zlib sections are rare.
  const { brotliDecompress } = await import('../compress/brotli');
  return brotliDecompress(input.subarray(16), lo);
}

export async function gzipSection(input: Uint8Array, budget: Budget): Promise<Uint8Array> {
  const { inflate } = await import('../compress/zlib');
  const out = await inflate(input, 'gzip', budget.limits.maxDecompressed - budget.decompressed);
  budget.takeDecompressed(out.length);
  return out;
}
