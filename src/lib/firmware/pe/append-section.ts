/**
 * Appending one section to a PE32/PE32+ image — how we embed a VBT (`.vbt`) in our
 * PlatformGopPolicy driver, which finds it again by walking its own section table.
 * The new section goes after every existing one (file and memory), so nothing already in the
 * image moves: only NumberOfSections, SizeOfImage, SizeOfInitializedData, one new section-table
 * entry and the optional-header CheckSum change.
 */
import { FirmwareError } from '../errors';
import { peChecksum, readPe, type PeInfo } from './headers';

/** IMAGE_SCN_CNT_INITIALIZED_DATA | IMAGE_SCN_MEM_READ: plain read-only data. */
export const SECTION_READONLY_DATA = 0x40000040;

const SECTION_HEADER_SIZE = 40;
const SECURITY_DIRECTORY = 4;

export interface AppendSectionOptions {
  /** Section flags; read-only initialized data by default. */
  characteristics?: number;
}

export interface AppendedSection {
  image: Uint8Array;
  /** Where the data landed: RVA in memory and offset in the file. */
  virtualAddress: number;
  rawOffset: number;
}

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}
function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
}
function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}

/** Section names are at most 8 ASCII bytes, NUL-padded (no long-name `/n` form in images). */
function encodeName(name: string): Uint8Array {
  if (!/^[\x21-\x7e]{1,8}$/.test(name)) {
    throw new FirmwareError(
      'bad-input',
      `section name "${name}" must be 1–8 printable ASCII characters`,
    );
  }
  const out = new Uint8Array(8);
  for (let i = 0; i < name.length; i++) out[i] = name.charCodeAt(i);
  return out;
}

function pointerSize(info: PeInfo): number {
  return info.format === 'PE32+' ? 8 : 4;
}

/**
 * Returns a new image with `data` appended as section `name`. Throws FirmwareError:
 * `unsupported` for TE or signed images, `no-space` when the headers have no room for
 * another section-table entry, `bad-input` for a bad or duplicate name or empty data.
 */
export function appendPeSection(
  image: Uint8Array,
  name: string,
  data: Uint8Array,
  opts: AppendSectionOptions = {},
): AppendedSection {
  const nameBytes = encodeName(name);
  if (data.length === 0)
    throw new FirmwareError('bad-input', 'refusing to append an empty section');
  const info = readPe(image);
  if (info.format === 'TE')
    throw new FirmwareError('unsupported', 'cannot append a section to a TE image');
  if (info.sections.some((s) => s.name === name)) {
    throw new FirmwareError('bad-input', `the image already has a ${name} section`);
  }
  const opt = info.optionalHeaderOffset;
  const sectionAlignment = u32(image, opt + 32);
  const fileAlignment = u32(image, opt + 36);
  if (!sectionAlignment || !fileAlignment || fileAlignment > sectionAlignment) {
    throw new FirmwareError('bad-format', 'section/file alignment fields are inconsistent', {
      offset: opt + 32,
    });
  }
  // Data directories follow the fixed part: 96 bytes (PE32) or 112 (PE32+), each 8 bytes.
  const dirCountOffset = opt + (pointerSize(info) === 8 ? 108 : 92);
  const dirCount = u32(image, dirCountOffset);
  if (dirCount > SECURITY_DIRECTORY) {
    const sec = dirCountOffset + 4 + SECURITY_DIRECTORY * 8;
    if (u32(image, sec + 4) !== 0) {
      throw new FirmwareError(
        'unsupported',
        'the image is signed (Authenticode); appending would break it',
        {
          offset: sec,
        },
      );
    }
  }

  // Room check: the new table entry must fit inside SizeOfHeaders and before any section data.
  const entry = info.sectionTableOffset + info.numberOfSections * SECTION_HEADER_SIZE;
  let firstRaw = info.sizeOfHeaders;
  for (const s of info.sections) if (s.rawSize > 0) firstRaw = Math.min(firstRaw, s.rawOffset);
  if (entry + SECTION_HEADER_SIZE > firstRaw) {
    throw new FirmwareError(
      'no-space',
      `no room for another section header: the table would end at 0x${(entry + SECTION_HEADER_SIZE).toString(16)}, ` +
        `headers end at 0x${firstRaw.toString(16)}`,
      { offset: entry },
    );
  }
  for (let i = entry; i < entry + SECTION_HEADER_SIZE; i++) {
    if (image[i] !== 0) {
      throw new FirmwareError('no-space', 'the bytes after the section table are in use', {
        offset: i,
      });
    }
  }

  let virtualEnd = info.sizeOfImage;
  for (const s of info.sections)
    virtualEnd = Math.max(virtualEnd, s.virtualAddress + Math.max(s.virtualSize, s.rawSize));
  const virtualAddress = alignUp(virtualEnd, sectionAlignment);
  // Keep anything past the last section (an unsigned overlay) where it is.
  const rawOffset = alignUp(Math.max(info.fileSize, image.length), fileAlignment);
  const rawSize = alignUp(data.length, fileAlignment);
  const sizeOfImage = alignUp(virtualAddress + data.length, sectionAlignment);
  if (sizeOfImage > 0xffffffff || rawOffset + rawSize > 0x7fffffff) {
    throw new FirmwareError('no-space', 'the image would exceed the PE size limits');
  }

  const out = new Uint8Array(rawOffset + rawSize);
  out.set(image);
  out.set(data, rawOffset);
  out.set(nameBytes, entry);
  put32(out, entry + 8, data.length); // VirtualSize: exactly the data, so the driver knows its length
  put32(out, entry + 12, virtualAddress);
  put32(out, entry + 16, rawSize);
  put32(out, entry + 20, rawOffset);
  put32(out, entry + 36, opts.characteristics ?? SECTION_READONLY_DATA);

  put16(out, info.peHeaderOffset + 6, info.numberOfSections + 1);
  put32(out, opt + 8, (u32(out, opt + 8) + rawSize) >>> 0); // SizeOfInitializedData
  put32(out, opt + 56, sizeOfImage);
  put32(out, opt + 64, 0);
  put32(out, opt + 64, peChecksum(out, opt + 64));
  return { image: out, virtualAddress, rawOffset };
}

/** The bytes of section `name` as the file holds them (VirtualSize bytes, capped at the raw size). */
export function peSectionData(image: Uint8Array, name: string): Uint8Array | undefined {
  const info = readPe(image);
  const s = info.sections.find((x) => x.name === name);
  if (!s) return undefined;
  const n = Math.min(s.virtualSize || s.rawSize, s.rawSize);
  return image.subarray(s.rawOffset, s.rawOffset + n);
}
