/**
 * The decoders sections need, behind one small interface so section parsing reads as a
 * table of encodings. Every function throws a FirmwareError on bad data.
 */
import type { Budget } from '../budget';
import { bcjX86Decode } from '../compress/bcj-x86';
import { efiDecompress, efiHeader, type EfiVariant } from '../compress/efi';
import { lzmaDecompress, lzmaDecompressIntelLegacy } from '../compress/lzma/decoder';
import { dataViewOf } from '../bytes/view';
import { FirmwareError } from '../errors';

/**
 * The most one compressed section may declare: real ones hold a volume of a few to a few dozen
 * MiB (flash parts are at most 64 MiB), so anything larger is damage, not a reason to stop the
 * parse. It also bounds the time a small stream of cheap codes can take to expand.
 */
export const SECTION_MAX_OUTPUT = 128 << 20;

export function lzma(
  input: Uint8Array,
  budget: Budget,
  onProgress?: (outBytes: number) => void,
): Uint8Array {
  try {
    return lzmaDecompress(input, { budget, maxOutput: SECTION_MAX_OUTPUT, onProgress });
  } catch (e) {
    if (e instanceof FirmwareError && e.code === 'budget') throw e;
    // Intel's legacy variant has 4 extra bytes before the usual header.
    try {
      return lzmaDecompressIntelLegacy(input, {
        budget,
        maxOutput: SECTION_MAX_OUTPUT,
        onProgress,
      });
    } catch {
      throw e;
    }
  }
}

export function lzmaF86(
  input: Uint8Array,
  budget: Budget,
  onProgress?: (outBytes: number) => void,
): Uint8Array {
  return bcjX86Decode(lzma(input, budget, onProgress), 0);
}

/**
 * One variant (the caller charges the budget for the output it keeps). A declared size no section
 * could have is damage to this stream; one over the room left in the budget ends the parse.
 */
export function efiOrTiano(input: Uint8Array, variant: EfiVariant, room: number): Uint8Array {
  const { originalSize } = efiHeader(input);
  if (originalSize > SECTION_MAX_OUTPUT) {
    throw new FirmwareError(
      'decompress',
      `EFI/Tiano stream declares ${originalSize} bytes, more than a section can hold`,
      { offset: 4 },
    );
  }
  return efiDecompress(input, variant, { maxOutput: room });
}

/** edk2's Brotli sections: u64 decoded size, u64 scratch size, then the stream. */
export async function brotliSection(input: Uint8Array, budget: Budget): Promise<Uint8Array> {
  if (input.length < 16) throw new FirmwareError('truncated', 'Brotli section header is cut short');
  const dv = dataViewOf(input);
  const lo = dv.getUint32(0, true);
  const hi = dv.getUint32(4, true);
  if (hi !== 0 || lo > SECTION_MAX_OUTPUT)
    throw new FirmwareError('decompress', 'Brotli section declares an impossible size');
  budget.takeDecompressed(lo);
  // Loaded on use: Brotli and zlib sections are rare.
  const { brotliDecompress } = await import('../compress/brotli');
  return brotliDecompress(input.subarray(16), lo);
}

/**
 * The gzip GUID (1D301FE9…) in practice wraps gzip, zlib or bare DEFLATE data; the first bytes
 * say which (gzip 1F 8B; zlib: CM 8 and a header check that divides by 31).
 */
export function deflateFlavour(input: Uint8Array): 'gzip' | 'deflate' | 'deflate-raw' {
  if (input.length >= 2 && input[0] === 0x1f && input[1] === 0x8b) return 'gzip';
  if (input.length >= 2 && (input[0] & 0x0f) === 8 && ((input[0] << 8) | input[1]) % 31 === 0)
    return 'deflate';
  return 'deflate-raw';
}

export async function gzipSection(input: Uint8Array, budget: Budget): Promise<Uint8Array> {
  const { inflate } = await import('../compress/zlib');
  const room = budget.limits.maxDecompressed - budget.decompressed;
  let out: Uint8Array;
  try {
    out = await inflate(input, deflateFlavour(input), Math.min(room, SECTION_MAX_OUTPUT));
  } catch (e) {
    // Past the per-section cap the stream is damaged (or a bomb); past the budget, stop.
    if (e instanceof FirmwareError && e.code === 'budget' && room > SECTION_MAX_OUTPUT)
      throw new FirmwareError('decompress', e.message, { offset: e.offset, cause: e });
    throw e;
  }
  budget.takeDecompressed(out.length);
  return out;
}

/** AMD's zlib sections: a 0x100-byte header (u32 compressed size at 0x14), then a zlib stream. */
export const AMD_ZLIB_HEADER = 0x100;

export async function amdZlibSection(input: Uint8Array, budget: Budget): Promise<Uint8Array> {
  if (input.length < AMD_ZLIB_HEADER + 2)
    throw new FirmwareError('truncated', 'AMD zlib section header is cut short');
  const dv = dataViewOf(input);
  const declared = dv.getUint32(0x14, true);
  const stream = input.subarray(
    AMD_ZLIB_HEADER,
    declared > 0 && AMD_ZLIB_HEADER + declared <= input.length
      ? AMD_ZLIB_HEADER + declared
      : input.length,
  );
  return gzipSection(stream, budget);
}
