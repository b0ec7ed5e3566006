/** Build FFS sections and files the way edk2's GenSec/GenFfs lay them out. */
import { guidBytes } from '../bytes/guid';
import { checksum8 } from '../bytes/checksum';
import { FirmwareError } from '../errors';

export const SECTION_PE32 = 0x10;
export const SECTION_VERSION = 0x14;
export const SECTION_UI = 0x15;
export const SECTION_DXE_DEPEX = 0x13;
export const SECTION_RAW = 0x19;

export const FILE_FREEFORM = 0x02;
export const FILE_DRIVER = 0x07;
export const FILE_PAD = 0xf0;

const FFS_ATTRIB_CHECKSUM = 0x40;
const MAX_SMALL = 0xffffff;

/** One leaf section: 4-byte common header, then the data (sizes above 16 MiB are not needed here). */
export function buildSection(type: number, data: Uint8Array): Uint8Array {
  const size = 4 + data.length;
  if (size > MAX_SMALL)
    throw new FirmwareError('unsupported', `section of ${size} bytes is too large`);
  const out = new Uint8Array(size);
  out[0] = size & 0xff;
  out[1] = (size >> 8) & 0xff;
  out[2] = (size >> 16) & 0xff;
  out[3] = type;
  out.set(data, 4);
  return out;
}

/** UCS-2, NUL-terminated, as UI and VERSION sections hold. */
export function ucs2z(text: string): Uint8Array {
  const out = new Uint8Array((text.length + 1) * 2);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[i * 2] = c & 0xff;
    out[i * 2 + 1] = c >> 8;
  }
  return out;
}

export const uiSection = (name: string): Uint8Array => buildSection(SECTION_UI, ucs2z(name));

export function versionSection(build: number, text: string): Uint8Array {
  const s = ucs2z(text);
  const d = new Uint8Array(2 + s.length);
  d[0] = build & 0xff;
  d[1] = build >> 8;
  d.set(s, 2);
  return buildSection(SECTION_VERSION, d);
}

/** DEPEX "TRUE END": the driver may run as soon as DXE dispatches. */
export const depexTrueSection = (): Uint8Array =>
  buildSection(SECTION_DXE_DEPEX, Uint8Array.of(0x06, 0x08));

/** Concatenate sections, each starting on a 4-byte boundary (zero fill, as GenFfs does). */
export function joinSections(sections: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const s of sections) n = ((n + 3) & ~3) + s.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const s of sections) {
    at = (at + 3) & ~3;
    out.set(s, at);
    at += s.length;
  }
  return out;
}

export interface FfsFileInit {
  guid: string;
  type: number;
  attributes?: number;
  /** Erase polarity of the target volume: state bits are inverted when 1. */
  erasePolarity: 0 | 1;
}

/** A complete FFS (v2, 24-byte header) file with valid header/data checksums and state. */
export function buildFfsFile(init: FfsFileInit, body: Uint8Array): Uint8Array {
  const attributes = init.attributes ?? 0;
  const size = 24 + body.length;
  if (size > MAX_SMALL)
    throw new FirmwareError('unsupported', `FFS file of ${size} bytes is too large`);
  const out = new Uint8Array(size);
  out.set(guidBytes(init.guid), 0);
  out[18] = init.type;
  out[19] = attributes;
  out[20] = size & 0xff;
  out[21] = (size >> 8) & 0xff;
  out[22] = (size >> 16) & 0xff;
  out.set(body, 24);
  finishFfsHeader(out, 24, init.erasePolarity);
  return out;
}

/** Recompute IntegrityCheck and State of a file in `f` whose header is `hdr` bytes long. */
export function finishFfsHeader(f: Uint8Array, hdr: number, erasePolarity: 0 | 1): void {
  f[16] = 0;
  f[17] = 0;
  f[23] = 0;
  f[16] = checksum8(f, 0, hdr);
  f[17] = f[19] & FFS_ATTRIB_CHECKSUM ? checksum8(f, hdr, f.length) : 0xaa;
  // EFI_FILE_HEADER_CONSTRUCTION | EFI_FILE_HEADER_VALID | EFI_FILE_DATA_VALID
  f[23] = erasePolarity ? 0xf8 : 0x07;
}

/** A pad file whose whole size is `size` (>= 24), body filled with the erase byte. */
export function buildPadFile(size: number, erasePolarity: 0 | 1): Uint8Array {
  const body = new Uint8Array(size - 24).fill(erasePolarity ? 0xff : 0);
  const f = buildFfsFile(
    { guid: 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', type: FILE_PAD, erasePolarity },
    body,
  );
  return f;
}
