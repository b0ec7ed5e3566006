/**
 * PE/COFF and TE image headers (Microsoft PE format; UEFI PI spec vol. 1 "TE Image").
 * Only what the patcher needs: identity, layout and size of an image, and the PE checksum.
 */
import { FirmwareError } from '../errors';
import { ByteView } from '../bytes/view';

export interface PeSection {
  name: string;
  virtualAddress: number;
  virtualSize: number;
  rawOffset: number;
  rawSize: number;
  characteristics: number;
}

export interface PeInfo {
  format: 'PE32' | 'PE32+' | 'TE';
  machine: number;
  machineName: string;
  subsystem: number;
  subsystemName: string;
  entryPoint: number;
  imageBase: number;
  sizeOfImage: number;
  sizeOfHeaders: number;
  /** 0 for TE images, which have no checksum field. */
  checksum: number;
  numberOfSections: number;
  sections: PeSection[];
  /** Offset of 'PE\0\0' (or of 'VZ' for TE). */
  peHeaderOffset: number;
  /** Offset of the optional header (TE: the end of the TE header). */
  optionalHeaderOffset: number;
  sectionTableOffset: number;
  /** Bytes the image occupies in the file: headers and every section's raw data. */
  fileSize: number;
  /** 0 for TE images. */
  timeDateStamp: number;
}

export const MACHINE_NAMES: Record<number, string> = {
  0x014c: 'IA32',
  0x8664: 'x64',
  0xaa64: 'ARM64',
  0x01c2: 'ARM Thumb',
  0x01c4: 'ARM Thumb-2',
  0x0200: 'Itanium',
  0x0ebc: 'EBC',
  0x5064: 'RISC-V 64',
  0x6264: 'LoongArch 64',
};

export const SUBSYSTEM_NAMES: Record<number, string> = {
  10: 'EFI application',
  11: 'EFI boot service driver',
  12: 'EFI runtime driver',
  13: 'EFI ROM',
};

const PE32_MAGIC = 0x10b;
const PE32PLUS_MAGIC = 0x20b;
const TE_HEADER_SIZE = 40;
const MAX_SECTIONS = 96; // the PE format's own limit

function bad(msg: string, offset: number): never {
  throw new FirmwareError('bad-format', msg, { offset });
}

/** Cheap test: an MZ header whose e_lfanew points at 'PE\0\0', or a TE 'VZ' header. */
export function isPe(bytes: Uint8Array, offset = 0): boolean {
  if (offset < 0 || offset + 2 > bytes.length) return false;
  const a = bytes[offset];
  const b = bytes[offset + 1];
  if (a === 0x56 && b === 0x5a) return offset + TE_HEADER_SIZE <= bytes.length; // 'VZ'
  if (a !== 0x4d || b !== 0x5a || offset + 0x40 > bytes.length) return false; // 'MZ'
  const lfanew =
    (bytes[offset + 0x3c] |
      (bytes[offset + 0x3d] << 8) |
      (bytes[offset + 0x3e] << 16) |
      (bytes[offset + 0x3f] << 24)) >>>
    0;
  const pe = offset + lfanew;
  return (
    lfanew >= 0x40 &&
    pe + 24 <= bytes.length &&
    bytes[pe] === 0x50 &&
    bytes[pe + 1] === 0x45 &&
    bytes[pe + 2] === 0 &&
    bytes[pe + 3] === 0
  );
}

function readSections(
  v: ByteView,
  tableOffset: number,
  count: number,
  rawAdjust: number,
): PeSection[] {
  const sections: PeSection[] = [];
  for (let i = 0; i < count; i++) {
    const o = tableOffset + i * 40;
    const nameBytes = v.slice(o, 8, 'section name');
    let name = '';
    for (const c of nameBytes) {
      if (c === 0) break;
      name += String.fromCharCode(c);
    }
    sections.push({
      name,
      virtualSize: v.u32(o + 8, 'section VirtualSize'),
      virtualAddress: v.u32(o + 12, 'section VirtualAddress'),
      rawSize: v.u32(o + 16, 'section SizeOfRawData'),
      // TE images are stripped of part of their headers; raw offsets still count them.
      rawOffset: Math.max(0, v.u32(o + 20, 'section PointerToRawData') - rawAdjust),
      characteristics: v.u32(o + 36, 'section Characteristics'),
    });
  }
  return sections;
}

function imageEnd(headersEnd: number, sections: PeSection[]): number {
  let end = headersEnd;
  for (const s of sections) if (s.rawSize > 0) end = Math.max(end, s.rawOffset + s.rawSize);
  return end;
}

function readTe(v: ByteView): PeInfo {
  const machine = v.u16(2, 'TE Machine');
  const numberOfSections = v.u8(4, 'TE NumberOfSections');
  const subsystem = v.u8(5, 'TE Subsystem');
  const strippedSize = v.u16(6, 'TE StrippedSize');
  const entryPoint = v.u32(8, 'TE AddressOfEntryPoint');
  const imageBase = v.u64(16, 'TE ImageBase');
  if (strippedSize < TE_HEADER_SIZE)
    bad(`TE StrippedSize ${strippedSize} is too small`, v.base + 6);
  const sectionTableOffset = TE_HEADER_SIZE;
  const sections = readSections(
    v,
    sectionTableOffset,
    numberOfSections,
    strippedSize - TE_HEADER_SIZE,
  );
  const headersEnd = sectionTableOffset + numberOfSections * 40;
  const fileSize = imageEnd(headersEnd, sections);
  let sizeOfImage = 0;
  for (const s of sections)
    sizeOfImage = Math.max(sizeOfImage, s.virtualAddress + Math.max(s.virtualSize, s.rawSize));
  return {
    format: 'TE',
    machine,
    machineName: MACHINE_NAMES[machine] ?? `unknown (0x${machine.toString(16)})`,
    subsystem,
    subsystemName: SUBSYSTEM_NAMES[subsystem] ?? `subsystem ${subsystem}`,
    entryPoint,
    imageBase,
    sizeOfImage,
    sizeOfHeaders: headersEnd,
    checksum: 0,
    numberOfSections,
    sections,
    peHeaderOffset: 0,
    optionalHeaderOffset: TE_HEADER_SIZE,
    sectionTableOffset,
    fileSize,
    timeDateStamp: 0,
  };
}

/**
 * Read the headers of a PE32/PE32+ or TE image starting at bytes[0].
 * Offsets in the result are relative to the start of `bytes`; sections must lie within it.
 */
export function readPe(bytes: Uint8Array): PeInfo {
  const v = new ByteView(bytes);
  if (bytes.length >= 2 && bytes[0] === 0x56 && bytes[1] === 0x5a) {
    const info = readTe(v);
    checkWithin(info, bytes.length);
    return info;
  }
  if (bytes.length < 0x40 || bytes[0] !== 0x4d || bytes[1] !== 0x5a) {
    throw new FirmwareError('unrecognized', 'not a PE image (no MZ or VZ signature)', {
      offset: 0,
    });
  }
  const pe = v.u32(0x3c, 'e_lfanew');
  if (pe < 0x40 || pe > bytes.length - 24)
    bad(`e_lfanew 0x${pe.toString(16)} points outside the image`, 0x3c);
  if (v.u32(pe, 'PE signature') !== 0x4550) bad('no PE\\0\\0 signature at e_lfanew', pe);
  const machine = v.u16(pe + 4, 'Machine');
  const numberOfSections = v.u16(pe + 6, 'NumberOfSections');
  const timeDateStamp = v.u32(pe + 8, 'TimeDateStamp');
  const optSize = v.u16(pe + 20, 'SizeOfOptionalHeader');
  if (numberOfSections > MAX_SECTIONS)
    bad(`${numberOfSections} sections is more than a PE may have`, pe + 6);
  const opt = pe + 24;
  const magic = v.u16(opt, 'optional header Magic');
  if (magic !== PE32_MAGIC && magic !== PE32PLUS_MAGIC) {
    bad(`unknown optional header magic 0x${magic.toString(16)}`, opt);
  }
  const plus = magic === PE32PLUS_MAGIC;
  if (optSize < (plus ? 112 : 96)) bad(`optional header of ${optSize} bytes is too small`, pe + 20);
  const entryPoint = v.u32(opt + 16, 'AddressOfEntryPoint');
  const imageBase = plus ? v.u64(opt + 24, 'ImageBase') : v.u32(opt + 28, 'ImageBase');
  const sizeOfImage = v.u32(opt + 56, 'SizeOfImage');
  const sizeOfHeaders = v.u32(opt + 60, 'SizeOfHeaders');
  const checksum = v.u32(opt + 64, 'CheckSum');
  const subsystem = v.u16(opt + 68, 'Subsystem');
  const sectionTableOffset = opt + optSize;
  const sections = readSections(v, sectionTableOffset, numberOfSections, 0);
  const fileSize = imageEnd(
    Math.max(sizeOfHeaders, sectionTableOffset + numberOfSections * 40),
    sections,
  );
  const info: PeInfo = {
    format: plus ? 'PE32+' : 'PE32',
    machine,
    machineName: MACHINE_NAMES[machine] ?? `unknown (0x${machine.toString(16)})`,
    subsystem,
    subsystemName: SUBSYSTEM_NAMES[subsystem] ?? `subsystem ${subsystem}`,
    entryPoint,
    imageBase,
    sizeOfImage,
    sizeOfHeaders,
    checksum,
    numberOfSections,
    sections,
    peHeaderOffset: pe,
    optionalHeaderOffset: opt,
    sectionTableOffset,
    fileSize,
    timeDateStamp,
  };
  checkWithin(info, bytes.length);
  return info;
}

function checkWithin(info: PeInfo, length: number): void {
  if (info.fileSize > length) {
    throw new FirmwareError(
      'truncated',
      `the image's sections need ${info.fileSize} bytes but only ${length} are present`,
      { offset: length },
    );
  }
}

/**
 * Length of a PE/TE image embedded at `offset` in a larger blob (headers + raw section data),
 * or undefined when no valid image starts there.
 */
export function peImageLength(bytes: Uint8Array, offset: number): number | undefined {
  if (!isPe(bytes, offset)) return undefined;
  try {
    return readPe(bytes.subarray(offset)).fileSize;
  } catch (e) {
    if (e instanceof FirmwareError) return undefined;
    throw e;
  }
}

/**
 * The PE checksum (as IMAGEHLP CheckSumMappedFile computes it): a 16-bit one's-complement-style
 * sum of all u16 words with the 4-byte CheckSum field taken as zero, plus the file length.
 */
export function peChecksum(bytes: Uint8Array, checksumOffset: number): number {
  let sum = 0;
  const n = bytes.length;
  for (let i = 0; i < n; i += 2) {
    if (i === checksumOffset || i === checksumOffset + 2) continue;
    const w = bytes[i] | (i + 1 < n ? bytes[i + 1] << 8 : 0);
    sum += w;
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  sum = (sum & 0xffff) + (sum >>> 16);
  return (sum + n) >>> 0;
}
