/** Small raw readers for the exact byte ranges we rewrite (headers, files, sections). */
import { guidAt } from '../bytes/guid';
import { FirmwareError } from '../errors';

const rd32 = (b: Uint8Array, o: number): number =>
  (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
const rd24 = (b: Uint8Array, o: number): number => b[o] | (b[o + 1] << 8) | (b[o + 2] << 16);
const rd16 = (b: Uint8Array, o: number): number => b[o] | (b[o + 1] << 8);

export interface VolumeInfo {
  offset: number;
  length: number;
  headerLength: number;
  erasePolarity: 0 | 1;
  /** FvName from the extended header, when there is one. */
  name?: string;
}

/** Read the FV header at `offset` of `b` (the "_FVH" signature at +0x28). */
export function readVolume(b: Uint8Array, offset: number): VolumeInfo {
  if (offset + 0x48 > b.length || rd32(b, offset + 0x28) !== 0x4856465f) {
    throw new FirmwareError('bad-format', 'no firmware volume header here', { offset });
  }
  const lo = rd32(b, offset + 0x20);
  const hi = rd32(b, offset + 0x24);
  const length = hi * 0x100000000 + lo;
  const headerLength = rd16(b, offset + 0x30);
  if (length > b.length - offset || headerLength < 0x48 || headerLength > length) {
    throw new FirmwareError('bad-format', 'firmware volume length out of range', { offset });
  }
  const extOff = rd16(b, offset + 0x34);
  const name = extOff ? guidAt(b, offset + extOff) : undefined;
  return { offset, length, headerLength, erasePolarity: b[offset + 0x2d] & 0x08 ? 1 : 0, name };
}

export interface FileInfo {
  offset: number; // within the volume
  size: number;
  headerSize: number;
  guid: string;
  type: number;
  attributes: number;
}

/** All files of a volume (`vol` holds exactly the volume bytes) and where free space begins. */
export function listFiles(vol: Uint8Array, info: VolumeInfo): { files: FileInfo[]; end: number } {
  const files: FileInfo[] = [];
  const erase = info.erasePolarity ? 0xff : 0;
  let at = (info.headerLength + 7) & ~7;
  while (at + 24 <= vol.length) {
    let blank = true;
    for (let i = at; i < at + 24; i++)
      if (vol[i] !== erase) {
        blank = false;
        break;
      }
    if (blank) break;
    let size = rd24(vol, at + 20);
    let headerSize = 24;
    if (vol[at + 19] & 0x01) {
      size = rd32(vol, at + 24);
      headerSize = 32;
    }
    if (size < headerSize || at + size > vol.length) {
      throw new FirmwareError('bad-format', 'FFS file size out of range', {
        offset: info.offset + at,
      });
    }
    files.push({
      offset: at,
      size,
      headerSize,
      guid: guidAt(vol, at),
      type: vol[at + 18],
      attributes: vol[at + 19],
    });
    at = (at + size + 7) & ~7;
  }
  const last = files.at(-1);
  return { files, end: last ? last.offset + last.size : at };
}

export interface SectionInfo {
  offset: number;
  size: number;
  headerSize: number;
  type: number;
}

/** Sections laid out back to back (4-byte aligned) in `b[start, end)`. */
export function listSections(b: Uint8Array, start: number, end: number): SectionInfo[] {
  const out: SectionInfo[] = [];
  let at = start;
  while (at + 4 <= end) {
    let size = rd24(b, at);
    let headerSize = 4;
    if (size === 0xffffff) {
      size = rd32(b, at + 4);
      headerSize = 8;
    }
    if (size < headerSize || at + size > end) {
      throw new FirmwareError('bad-format', 'section size out of range', { offset: at });
    }
    out.push({ offset: at, size, headerSize, type: b[at + 3] });
    at = (at + size + 3) & ~3;
  }
  return out;
}

export { rd16, rd24, rd32 };
