/**
 * AMD APU VBIOS images: a legacy PCI option ROM image, PCIR vendor 0x1002, display class, with an
 * ATOM BIOS. Other AMD legacy ROMs (1022:xxxx SATA/RAID, PXE, …) fail one of these checks.
 *
 * Fields as Linux reads them (drivers/gpu/drm/amd/amdgpu/atom.c): the u16 at 0x48 points to the
 * ATOM ROM header, whose firmware signature at +4 is "ATOM"; the version follows
 * "ATOMBIOSBK-AMD VER" ("022.012.000.027.000001"); the part number is the first string of the
 * string table the u16 at 0x6E points to, when byte 0x2F counts at least one string — AMD part
 * numbers start "113-" (Mendocino's generic image has "102-…" there, which is not one).
 */
import { ByteView } from '../bytes/view';
import { PCI_CODE_TYPE } from '../spec';
import { lookupAmdApu, AMD_VENDOR_ID, type AmdApu } from '../igpu/amd';
import { indexOf } from '../gop/gop-info';

export interface VbiosInfo {
  vendorId: number;
  deviceId: number;
  classCode: number;
  /** "022.012.000.027.000001", when the image states it. */
  version?: string;
  /** "113-PHXGENERIC-001", when the image states one. */
  partNumber?: string;
  /** The APU the PCIR device ID names, when the table knows it. */
  apu?: AmdApu;
}

const ATOM_HEADER_POINTER = 0x48;
const STRING_COUNT_AT = 0x2f;
const STRING_TABLE_POINTER = 0x6e;
const VERSION_MARK = Uint8Array.from('ATOMBIOSBK-AMD VER', (c) => c.charCodeAt(0));
const DISPLAY_CLASS = 0x03;

function asciiz(b: Uint8Array, at: number, max = 64): string {
  let s = '';
  for (let i = at; i < b.length && s.length < max; i++) {
    if (b[i] < 0x20 || b[i] > 0x7e) break;
    s += String.fromCharCode(b[i]);
  }
  return s;
}

/** True when the image's ATOM ROM header carries the "ATOM" signature. */
function hasAtomBios(image: Uint8Array): boolean {
  if (image.length < ATOM_HEADER_POINTER + 2) return false;
  const at = new ByteView(image).u16(ATOM_HEADER_POINTER) + 4;
  return at + 4 <= image.length && asciiz(image, at, 4) === 'ATOM';
}

/**
 * The VBIOS facts of one legacy option ROM image (`image` from its 55 AA, PCIR fields as read),
 * or undefined when it is not an AMD display ROM with an ATOM BIOS.
 */
export function vbiosInfo(
  image: Uint8Array,
  pcir: { vendorId: number; deviceId: number; classCode: number; codeType: number },
): VbiosInfo | undefined {
  if (pcir.codeType === PCI_CODE_TYPE.efi) return undefined;
  if (pcir.vendorId !== AMD_VENDOR_ID || pcir.classCode >> 16 !== DISPLAY_CLASS) return undefined;
  if (!hasAtomBios(image)) return undefined;
  const info: VbiosInfo = {
    vendorId: pcir.vendorId,
    deviceId: pcir.deviceId,
    classCode: pcir.classCode,
  };
  const mark = indexOf(image, VERSION_MARK);
  if (mark >= 0) {
    const version = asciiz(image, mark + VERSION_MARK.length, 32);
    if (/^\d{3}(\.\d{3})+/.test(version)) info.version = version;
  }
  if (image[STRING_COUNT_AT] > 0 && image.length > STRING_TABLE_POINTER + 2) {
    const part = asciiz(image, new ByteView(image).u16(STRING_TABLE_POINTER));
    if (part.startsWith('113-')) info.partNumber = part;
  }
  const apu = lookupAmdApu(pcir.deviceId);
  if (apu) info.apu = apu;
  return info;
}
