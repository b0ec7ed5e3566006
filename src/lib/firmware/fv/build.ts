/**
 * New FFS sections and files, laid out as edk2's GenSec and GenFfs write them: 4-byte section
 * headers (HEADER2 above 16 MiB), sections 4-byte aligned inside a file, both integrity checks
 * and the state byte of a finished file.
 */
import { checksum8 } from '../bytes/checksum';
import { guidBytes } from '../bytes/guid';
import { ByteWriter } from '../bytes/view';
import { FirmwareError, hex } from '../errors';
import { fileHeaderChecksum } from '../tree/serialize';
import {
  FFS_ATTRIB,
  FFS_FIXED_CHECKSUM,
  FILE_HEADER_SIZE,
  FILE_STATE_VALID,
  SECTION_SIZE_IN_HEADER2,
  SECTION_TYPE,
} from '../spec';

const SMALL_SIZE_LIMIT = SECTION_SIZE_IN_HEADER2;

/** A leaf section: common header (HEADER2 when the size needs it), then `data`. */
export function buildSection(type: number, data: Uint8Array): Uint8Array {
  const w = new ByteWriter(data.length + 8);
  if (data.length + 4 < SMALL_SIZE_LIMIT) w.u24(data.length + 4).u8(type);
  else
    w.u24(SMALL_SIZE_LIMIT)
      .u8(type)
      .u32(data.length + 8);
  return w.bytes(data).finish();
}

/** NUL-terminated UCS-2, as UI and VERSION sections hold their text. */
export function utf16z(text: string): Uint8Array {
  const w = new ByteWriter(text.length * 2 + 2);
  for (let i = 0; i < text.length; i++) w.u16(text.charCodeAt(i));
  return w.u16(0).finish();
}

export function uiSection(name: string): Uint8Array {
  return buildSection(SECTION_TYPE.userInterface, utf16z(name));
}

export function versionSection(buildNumber: number, text: string): Uint8Array {
  return buildSection(
    SECTION_TYPE.version,
    new ByteWriter().u16(buildNumber).bytes(utf16z(text)).finish(),
  );
}

/** DEPEX opcodes (PI vol. 2): the expression `TRUE END` lets a driver run as soon as DXE can. */
const DEPEX_TRUE = 0x06;
const DEPEX_END = 0x08;

export function depexTrueSection(): Uint8Array {
  return buildSection(SECTION_TYPE.dxeDepex, Uint8Array.of(DEPEX_TRUE, DEPEX_END));
}

/** Sections back to back, each starting 4-byte aligned (zero fill between, as GenFfs does). */
export function joinSections(sections: Uint8Array[]): Uint8Array {
  const w = new ByteWriter();
  for (const s of sections) w.align(4).bytes(s);
  return w.finish();
}

export interface FfsFileInit {
  guid: string;
  type: number;
  /** FFS attributes; FFS_ATTRIB_CHECKSUM asks for a real data checksum. */
  attributes?: number;
  /** The target volume's erase byte (0xFF for erase polarity 1): state bits are stored inverted. */
  emptyByte: number;
}

/** A complete FFS file (24-byte header: GOP drivers and VBTs never need a large file). */
export function buildFfsFile(init: FfsFileInit, body: Uint8Array): Uint8Array {
  const attributes = (init.attributes ?? 0) & ~FFS_ATTRIB.largeFile;
  const size = FILE_HEADER_SIZE + body.length;
  if (size > SMALL_SIZE_LIMIT) {
    throw new FirmwareError('bad-input', `an FFS file of ${hex(size)} bytes is too large here`, {
      guid: init.guid,
    });
  }
  const file = new ByteWriter(size)
    .bytes(guidBytes(init.guid))
    .u16(0) // IntegrityCheck, set below
    .u8(init.type)
    .u8(attributes)
    .u24(size)
    .u8(0) // State, set below
    .bytes(body)
    .finish();
  file[0x10] = fileHeaderChecksum(file.subarray(0, FILE_HEADER_SIZE));
  file[0x11] = attributes & FFS_ATTRIB.checksum ? checksum8(body) : FFS_FIXED_CHECKSUM;
  file[0x17] = init.emptyByte === 0xff ? ~FILE_STATE_VALID & 0xff : FILE_STATE_VALID;
  return file;
}
