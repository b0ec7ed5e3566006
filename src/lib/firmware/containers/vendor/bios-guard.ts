/**
 * Intel BIOS Guard (PFAT) blocks, as Dell PFS and AMI BIOS Guard updates carry the BIOS: each
 * block is a 0x30-byte header (version, 16-byte platform ID, attributes, script and data sizes),
 * a script of 8-byte opcodes that writes the data to flash, the data, and (when the SFAM
 * attribute is set) an RSA signature. Layout as platomav/BIOSUtilities documents it.
 */
import { ByteView } from '../../bytes/view';

export const BG_HEADER_SIZE = 0x30;
const SFAM = 0x01;
/** Signature blocks: an 8-byte header, then modulus, exponent and signature (RSA-2048/3072). */
const SIG_2K = 8 + 256 + 4 + 256;
const SIG_3K = 8 + 384 + 4 + 384;

export interface BgBlock {
  /** Where the header starts in the data it was read from. */
  at: number;
  platformId: string;
  attributes: number;
  scriptSize: number;
  dataSize: number;
  /** The script's flash offset (set-I0 operand) and length (set-I2 operand) for the data. */
  flashOffset: number;
  flashLength: number;
  /** The block's data. */
  data: Uint8Array;
  /** Bytes from the header to the end of the signature (when there is one). */
  size: number;
}

function printable(b: Uint8Array): string {
  let s = '';
  for (const c of b) if (c > 0x20 && c < 0x7f) s += String.fromCharCode(c);
  return s;
}

/**
 * The block whose header is at `at`, or undefined when the bytes there are not one: the script
 * must be whole opcodes that begin with 'begin' (01) and end with 'end' (FF), and the data must fit.
 */
export function readBgBlock(b: Uint8Array, at: number): BgBlock | undefined {
  if (at < 0 || at + BG_HEADER_SIZE > b.length) return undefined;
  const v = new ByteView(b);
  const major = v.u16(at);
  const attributes = v.u32(at + 0x14);
  const scriptSize = v.u32(at + 0x1c);
  const dataSize = v.u32(at + 0x20);
  const script = at + BG_HEADER_SIZE;
  const dataAt = script + scriptSize;
  if (major === 0 || major > 0x10 || scriptSize < 16 || scriptSize % 8 !== 0) return undefined;
  if (dataAt + dataSize > b.length) return undefined;
  if (b[script] !== 0x01 || b[dataAt - 8] !== 0xff) return undefined;
  let size = BG_HEADER_SIZE + scriptSize + dataSize;
  if (attributes & SFAM) {
    const kind = dataAt + dataSize + 4 <= b.length ? v.u32(dataAt + dataSize) : 0;
    size += kind === 1 ? SIG_2K : SIG_3K;
  }
  return {
    at,
    platformId: printable(b.subarray(at + 4, at + 0x14)),
    attributes,
    scriptSize,
    dataSize,
    flashOffset: scriptSize >= 0x10 ? v.u32(script + 0x0c) : 0,
    flashLength: scriptSize >= 0x20 ? v.u32(script + 0x1c) : dataSize,
    data: b.subarray(dataAt, dataAt + dataSize),
    size,
  };
}

/** Flash parts hold at most 64 MiB; block offsets beyond that are not flash offsets. */
export const MAX_FLASH = 64 << 20;

/**
 * Blocks placed at their flash offsets, gaps filled with 0xFF (erased flash), as the update would
 * write them. Returns undefined when blocks overlap or reach past MAX_FLASH (the offsets are then
 * not flash offsets).
 */
export function assembleBlocks(
  blocks: { offset: number; data: Uint8Array }[],
): Uint8Array | undefined {
  const sorted = [...blocks].sort((a, b) => a.offset - b.offset);
  let end = 0;
  for (const blk of sorted) {
    if (blk.offset < end) return undefined;
    end = blk.offset + blk.data.length;
  }
  if (end > MAX_FLASH) return undefined;
  const out = new Uint8Array(end).fill(0xff);
  for (const blk of sorted) out.set(blk.data, blk.offset);
  return out;
}
