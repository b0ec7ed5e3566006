/**
 * Writes a PCI expansion ROM from its model (./image.ts): the images in order, each padded to
 * 512-byte blocks, the last-image bit on the last only, each legacy image's checksum byte set.
 *
 * EFI images are laid out as edk2's EfiRom lays them out:
 *   0x00 EFI_PCI_EXPANSION_ROM_HEADER (0x1A bytes) + 2 zero bytes so the PCIR is 4-byte aligned
 *   0x1C PCIR, PCI 3.0 form (0x1C bytes)
 *   0x38 0xFF fill, then the driver: an uncompressed PE ends exactly on the image's last block;
 *        a compressed stream comes first and the fill follows it.
 */
import { checksum8 } from '../bytes/checksum';
import { dataViewOf } from '../bytes/view';
import { layoutOptionRom, type ImageLayout, type LayoutOptions } from './layout';
import { EFI_ROM_SIGNATURE, PCI_CODE_TYPE, PCIR_LAST_IMAGE } from '../spec';
import {
  PCIR_POINTER_AT,
  PCIR_REVISION_3,
  PCIR_SIGNATURE,
  ROM_BLOCK,
  ROM_SIGNATURE,
  payloadBytes,
  type OptionRom,
  type Pcir,
  type RomImage,
} from './image';

/** Little-endian stores into one image. */
class ImageBytes {
  private readonly dv: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.dv = dataViewOf(bytes);
  }
  u8(at: number, v: number): void {
    this.bytes[at] = v;
  }
  u16(at: number, v: number): void {
    this.dv.setUint16(at, v, true);
  }
  u32(at: number, v: number): void {
    this.dv.setUint32(at, v, true);
  }
}

function writePcir(w: ImageBytes, p: Pcir, l: ImageLayout, codeType: number): void {
  const at = l.pcirOffset;
  for (let i = 0; i < PCIR_SIGNATURE.length; i++) w.u8(at + i, PCIR_SIGNATURE.charCodeAt(i));
  w.u16(at + 0x04, p.vendorId);
  w.u16(at + 0x06, p.deviceId);
  w.u16(at + 0x08, p.deviceListOffset ?? 0);
  w.u16(at + 0x0a, l.pcirLength);
  w.u8(at + 0x0c, p.revision ?? PCIR_REVISION_3);
  w.u8(at + 0x0d, p.classCode & 0xff);
  w.u16(at + 0x0e, p.classCode >>> 8);
  w.u16(at + 0x10, l.blocks); // ImageLength
  w.u16(at + 0x12, p.codeRevision);
  w.u8(at + 0x14, codeType);
  w.u8(at + 0x15, (p.indicatorReserved ?? 0) | (l.last ? PCIR_LAST_IMAGE : 0));
  // The PCI 3.0 fields, as far as the structure's length reaches.
  if (l.pcirLength >= 0x18) w.u16(at + 0x16, p.maxRuntimeImageLength ?? 0);
  if (l.pcirLength >= 0x1c) {
    w.u16(at + 0x18, p.configUtilityOffset ?? 0);
    w.u16(at + 0x1a, p.dmtfClpOffset ?? 0);
  }
}

function writeImage(out: Uint8Array, img: RomImage, l: ImageLayout): void {
  const bytes = out.subarray(l.offset, l.offset + l.blocks * ROM_BLOCK);
  const w = new ImageBytes(bytes);
  if (img.type === 'efi') {
    // Zero header and alignment bytes; 0xFF around the driver.
    bytes.fill(0xff, l.pcirOffset + l.pcirLength);
    bytes.set(payloadBytes(img.payload), l.payloadOffset);
  } else bytes.set(img.code);
  for (const k of img.kept ?? []) bytes.set(k.bytes, k.offset);
  w.u16(0, ROM_SIGNATURE);
  w.u16(PCIR_POINTER_AT, l.pcirOffset);
  if (img.type === 'efi') {
    w.u16(0x02, l.initBlocks);
    w.u32(0x04, EFI_ROM_SIGNATURE);
    w.u16(0x08, img.subsystem);
    w.u16(0x0a, img.machine);
    w.u16(0x0c, img.payload.compression);
    w.u16(0x16, l.payloadOffset);
    writePcir(w, img.pcir, l, PCI_CODE_TYPE.efi);
  } else {
    w.u8(0x02, l.initBlocks);
    writePcir(w, img.pcir, l, img.codeType ?? PCI_CODE_TYPE.x86);
    if (img.checksumOffset !== null) {
      const end = l.initBlocks * ROM_BLOCK;
      w.u8(img.checksumOffset, 0);
      w.u8(img.checksumOffset, checksum8(bytes, 0, end));
    }
  }
}

/**
 * The bytes of `rom`, laid out by `layoutOptionRom` (whose FirmwareErrors it passes on: `bad-input`
 * for impossible fields, `no-space` beyond a size limit).
 */
export function writeOptionRom(rom: OptionRom, opts: LayoutOptions = {}): Uint8Array {
  return writeLaidOut(rom, layoutOptionRom(rom, opts));
}

/** Writes `rom` by a layout made for it by `layoutOptionRom`. */
export function writeLaidOut(rom: OptionRom, layout: readonly ImageLayout[]): Uint8Array {
  const last = layout[layout.length - 1];
  const end = last.offset + last.blocks * ROM_BLOCK;
  const out = new Uint8Array(end + (rom.trailing?.length ?? 0));
  rom.images.forEach((img, i) => writeImage(out, img, layout[i]));
  if (rom.trailing) out.set(rom.trailing, end);
  return out;
}
