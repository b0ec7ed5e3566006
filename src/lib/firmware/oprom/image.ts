/**
 * The model of a PCI expansion ROM that the reader produces and the writer consumes, and the
 * layout values both use (PCI Firmware Specification 3.x "PCI Expansion ROMs"; UEFI 2.x "EFI PCI
 * Expansion ROM Header"; edk2 IndustryStandard/Pci22.h and Pci30.h). Code types, the indicator
 * bit, the EFI signature and compression types are named once, in ../spec.ts.
 *
 * A ROM is a chain of images, each a whole number of 512-byte blocks starting 0x55 0xAA, with a
 * pointer at 0x18 to its PCI data structure ('PCIR'); the last image has bit 7 of the PCIR
 * indicator set. Legacy images (x86 code and anything else that is not EFI) are opaque code the
 * writer only stamps its fields into; EFI images are built from their parts.
 */
import type { EFI_ROM_COMPRESSION } from '../spec';

export const ROM_SIGNATURE = 0xaa55;
export const ROM_BLOCK = 512;
export const PCIR_SIGNATURE = 'PCIR';
/** Where every image keeps the 16-bit offset of its PCIR. */
export const PCIR_POINTER_AT = 0x18;
/** EFI_PCI_EXPANSION_ROM_HEADER ends here; EfiRom pads it with zeros to 0x1C. */
export const EFI_HEADER_SIZE = 0x1a;
export const EFI_PCIR_AT = 0x1c;
/** PCI 3.0 data structure (revision 3) and the PCI 2.2 one (revision 0). */
export const PCIR_LENGTH_V3 = 0x1c;
export const PCIR_LENGTH_V22 = 0x18;
export const PCIR_REVISION_3 = 3;
/** Up to and including the indicator byte: the fields every PCIR revision has. */
export const PCIR_MIN_LENGTH = 0x16;

// Size limits, each from the field that holds it:
/** PCIR ImageLength is 16 bits of 512-byte blocks (PCI Firmware Spec 3.x): 32 MiB - 512 per image. */
export const MAX_IMAGE_BLOCKS = 0xffff;
/**
 * A legacy image's initialization size is the one byte at offset 2 (PCI Firmware Spec 3.x), so
 * at most 255 blocks (127.5 KiB) are copied to the legacy option ROM area; that area
 * (0xC0000-0xDFFFF) is 128 KiB in all, shared by every legacy ROM in the machine.
 */
export const MAX_LEGACY_INIT_BLOCKS = 0xff;
/**
 * The whole ROM: PCI Local Bus Spec 3.0, section 6.3, allows expansion ROMs of up to 16 MB, and
 * edk2's EfiRom refuses larger ones (MAX_OPTION_ROM_SIZE). Real cards' flash chips are often
 * 64-256 KiB; a caller with a smaller target passes its own `maxSize` (and why) to the writer.
 */
export const MAX_OPTION_ROM_SIZE = 16 << 20;

/** The PCI data structure of one image. */
export interface Pcir {
  vendorId: number;
  deviceId: number;
  /** base << 16 | sub << 8 | interface. */
  classCode: number;
  codeRevision: number;
  /** Data structure revision: 3 (PCI 3.0) by default, 0 for the PCI 2.2 form. */
  revision?: number;
  /** Structure length as stored; 0x1C for revision 3, 0x18 otherwise by default. */
  length?: number;
  /** PCI 3.0 device list pointer (0: none). */
  deviceListOffset?: number;
  /** The u16 at 0x16: MaxRuntimeImageLength in PCI 3.0, reserved in 2.2. */
  maxRuntimeImageLength?: number;
  /** PCI 3.0 only (length 0x1C): ConfigUtilityCodeHeaderOffset, DMTFCLPEntryPointOffset. */
  configUtilityOffset?: number;
  dmtfClpOffset?: number;
  /** Indicator bits 0-6 (reserved); bit 7, last image, is the writer's. */
  indicatorReserved?: number;
}

/** Bytes no field describes (reserved fields, gaps, tails), kept as read. */
export interface KeptBytes {
  offset: number;
  bytes: Uint8Array;
}

interface ImageBase {
  pcir: Pcir;
  /** Where the PCIR sits in the image; EFI images: 0x1C by default. */
  pcirOffset?: number;
  /** Image length in blocks; by default the fewest that hold the content. */
  blocks?: number;
  /** Initialization size in blocks; by default the whole image. */
  initBlocks?: number;
  /** Laid over the writer's fill bytes, so an image read from a file writes back unchanged. */
  kept?: KeptBytes[];
}

/**
 * A legacy (x86, or any non-EFI code type) image: its code is opaque. The writer stamps into it
 * the signature, the initialization size byte, the PCIR pointer and PCIR, and the checksum byte.
 */
export interface LegacyImage extends ImageBase {
  type: 'legacy';
  /** PCIR code type; 0 (x86) by default. */
  codeType?: number;
  /** The image from its first byte; a multiple of 512 bytes unless `blocks` pads it. */
  code: Uint8Array;
  /** The PCIR offset is the one the code's pointer at 0x18 names, by default. */
  pcirOffset: number;
  /**
   * The byte that makes the initialization area sum to 0 (the PCI spec names no place for it);
   * null: leave every code byte as it is.
   */
  checksumOffset: number | null;
}

/** The driver of an EFI image: a PE as is, or a compressed stream (with the PE it decodes to). */
export type EfiPayload =
  | { compression: typeof EFI_ROM_COMPRESSION.none; pe: Uint8Array }
  | { compression: number; data: Uint8Array; pe?: Uint8Array };

export interface EfiImage extends ImageBase {
  type: 'efi';
  /** PE subsystem (11 boot service driver, 12 runtime driver) and machine (0x8664 x64). */
  subsystem: number;
  machine: number;
  payload: EfiPayload;
  /**
   * EfiImageHeaderOffset. By default EfiRom's choice: an uncompressed PE ends the image (the
   * 0xFF fill goes in front of it); a compressed stream follows the PCIR.
   */
  payloadOffset?: number;
}

export type RomImage = LegacyImage | EfiImage;

export interface OptionRom {
  images: RomImage[];
  /** Bytes after the last image (vendors pad or sign there), kept as read. */
  trailing?: Uint8Array;
}

/** The stored bytes of an EFI payload. */
export function payloadBytes(p: EfiPayload): Uint8Array {
  return 'data' in p ? p.data : p.pe;
}
