/**
 * Reads PCI expansion ROMs: the header fields every reader needs (`readPcir`, `readEfiHeader`,
 * used by the explorer's tolerant parser too) and `readOptionRom`, which turns a whole ROM into
 * the model the writer takes, so that writing it back gives the same bytes.
 */
import { ByteView } from '../bytes/view';
import { sum8 } from '../bytes/checksum';
import { asciiAt } from '../containers/util';
import { FirmwareError, hex } from '../errors';
import { EFI_ROM_COMPRESSION, EFI_ROM_SIGNATURE, PCI_CODE_TYPE, PCIR_LAST_IMAGE } from '../spec';
import {
  EFI_HEADER_SIZE,
  PCIR_MIN_LENGTH,
  PCIR_LENGTH_V3,
  PCIR_POINTER_AT,
  PCIR_SIGNATURE,
  ROM_BLOCK,
  type EfiImage,
  type EfiPayload,
  type KeptBytes,
  type LegacyImage,
  type OptionRom,
  type Pcir,
  type RomImage,
} from './image';
import { isLegacyField } from './layout';

export interface PcirInfo {
  /** Offset of the PCIR in its image. */
  offset: number;
  vendorId: number;
  deviceId: number;
  deviceListOffset: number;
  length: number;
  revision: number;
  classCode: number;
  /** In 512-byte blocks. */
  imageLength: number;
  codeRevision: number;
  codeType: number;
  indicator: number;
  /** The u16 at 0x16 (PCI 3.0 MaxRuntimeImageLength), when the structure holds it. */
  maxRuntimeImageLength?: number;
  /** PCI 3.0 fields at 0x18 and 0x1A, when the structure holds them. */
  configUtilityOffset?: number;
  dmtfClpOffset?: number;
}

/** The PCIR structure of the image at `at`, or undefined when there is no valid one. */
export function readPcir(bytes: Uint8Array, at: number): PcirInfo | undefined {
  if (at < 0 || at + EFI_HEADER_SIZE > bytes.length || bytes[at] !== 0x55 || bytes[at + 1] !== 0xaa)
    return undefined;
  const v = new ByteView(bytes);
  const p = at + v.u16(at + PCIR_POINTER_AT);
  if (p + 0x18 > bytes.length || !asciiAt(bytes, p, PCIR_SIGNATURE)) return undefined;
  const length = v.u16(p + 0x0a);
  const has = (end: number) => length >= end && p + end <= bytes.length;
  return {
    offset: p - at,
    vendorId: v.u16(p + 4),
    deviceId: v.u16(p + 6),
    deviceListOffset: v.u16(p + 8),
    length,
    revision: v.u8(p + 0x0c),
    classCode: v.u24(p + 0x0d),
    imageLength: v.u16(p + 0x10),
    codeRevision: v.u16(p + 0x12),
    codeType: v.u8(p + 0x14),
    indicator: v.u8(p + 0x15),
    maxRuntimeImageLength: has(0x18) ? v.u16(p + 0x16) : undefined,
    configUtilityOffset: has(0x1c) ? v.u16(p + 0x18) : undefined,
    dmtfClpOffset: has(0x1c) ? v.u16(p + 0x1a) : undefined,
  };
}

export function looksLikeOptionRom(bytes: Uint8Array, at = 0): boolean {
  const p = readPcir(bytes, at);
  return p !== undefined && p.imageLength > 0;
}

/** EFI_PCI_EXPANSION_ROM_HEADER of an EFI image. */
export interface EfiHeaderInfo {
  /** InitializationSize, in blocks. */
  initBlocks: number;
  signature: number;
  subsystem: number;
  machine: number;
  compression: number;
  /** EfiImageHeaderOffset. */
  payloadOffset: number;
}

/** Throws FirmwareError `truncated` (at absolute offsets from `base`) when the header is cut. */
export function readEfiHeader(image: Uint8Array, base = 0): EfiHeaderInfo {
  const v = new ByteView(image, base);
  return {
    initBlocks: v.u16(0x02, 'InitializationSize'),
    signature: v.u32(0x04, 'EfiSignature'),
    subsystem: v.u16(0x08, 'EfiSubsystem'),
    machine: v.u16(0x0a, 'EfiMachineType'),
    compression: v.u16(0x0c, 'CompressionType'),
    payloadOffset: v.u16(0x16, 'EfiImageHeaderOffset'),
  };
}

/**
 * The byte a legacy image keeps its checksum in. The PCI spec only asks the initialization area
 * to sum to 0. ATOM BIOS images (AMD VBIOS, marked ' 761295520' at 0x30) keep it at 0x21: the
 * Renoir VBIOS+GOP fixture differs from its stand-alone VBIOS exactly there and in the
 * last-image bit. Other images: the last byte of the area, where BIOS build tools put it.
 */
export function legacyChecksumOffset(code: Uint8Array, initBlocks: number): number {
  if (asciiAt(code, 0x30, ' 761295520')) return 0x21;
  return initBlocks * ROM_BLOCK - 1;
}

function bad(message: string, offset: number): never {
  throw new FirmwareError('bad-format', message, { offset });
}

/** Keeps image[from, to) as read when any byte of it differs from the writer's fill there. */
function keepUnlessFill(
  kept: KeptBytes[],
  image: Uint8Array,
  from: number,
  to: number,
  fill: number,
) {
  for (let i = from; i < to; i++) {
    if (image[i] !== fill) {
      kept.push({ offset: from, bytes: image.slice(from, to) });
      return;
    }
  }
}

function pcirModel(p: PcirInfo): Pcir {
  return {
    vendorId: p.vendorId,
    deviceId: p.deviceId,
    classCode: p.classCode,
    codeRevision: p.codeRevision,
    revision: p.revision,
    length: p.length,
    deviceListOffset: p.deviceListOffset,
    maxRuntimeImageLength: p.maxRuntimeImageLength,
    configUtilityOffset: p.configUtilityOffset,
    dmtfClpOffset: p.dmtfClpOffset,
    indicatorReserved: p.indicator & ~PCIR_LAST_IMAGE,
  };
}

function readLegacyImage(image: Uint8Array, p: PcirInfo, at: number): LegacyImage {
  const initBlocks = image[2];
  if (initBlocks === 0 || initBlocks > p.imageLength)
    bad(`legacy image: initialization size of ${initBlocks} blocks`, at + 2);
  if (p.offset < PCIR_POINTER_AT + 2)
    bad('legacy image: the PCIR overlaps the header', at + PCIR_POINTER_AT);
  // A checksum the writer can keep right: the image sums to 0 and the byte is not a field.
  const candidate = legacyChecksumOffset(image, initBlocks);
  const checksummed =
    sum8(image, 0, initBlocks * ROM_BLOCK) === 0 && !isLegacyField(candidate, p.offset, p.length);
  return {
    type: 'legacy',
    codeType: p.codeType,
    code: image.slice(),
    pcir: pcirModel(p),
    pcirOffset: p.offset,
    blocks: p.imageLength,
    initBlocks,
    checksumOffset: checksummed ? candidate : null,
  };
}

function readEfiImage(image: Uint8Array, p: PcirInfo, at: number): EfiImage {
  const h = readEfiHeader(image, at);
  if (h.signature !== EFI_ROM_SIGNATURE)
    bad(`EFI image: signature ${hex(h.signature)}, not ${hex(EFI_ROM_SIGNATURE)}`, at + 4);
  const end = image.length;
  const initEnd = h.initBlocks * ROM_BLOCK;
  const pcirEnd = p.offset + p.length;
  if (initEnd > end || initEnd === 0) bad(`EFI image: initialization size ${hex(initEnd)}`, at + 2);
  // The writer's order: header, PCIR, payload. Anything else it cannot reproduce.
  if (p.offset < EFI_HEADER_SIZE || pcirEnd > h.payloadOffset)
    bad('EFI image: the PCIR is not between the header and the driver', at + p.offset);
  if (h.payloadOffset >= initEnd)
    bad(`EFI image: driver offset ${hex(h.payloadOffset)} is past the initialization size`, at);
  let payload: EfiPayload;
  let payloadEnd = initEnd;
  if (h.compression === EFI_ROM_COMPRESSION.none) {
    payload = { compression: EFI_ROM_COMPRESSION.none, pe: image.slice(h.payloadOffset, initEnd) };
  } else {
    // An EFI 1.1 stream states its own length; vendors pad after it.
    if (h.compression === EFI_ROM_COMPRESSION.efi && h.payloadOffset + 8 <= initEnd) {
      const streamEnd = h.payloadOffset + 8 + new ByteView(image).u32(h.payloadOffset);
      if (streamEnd <= initEnd) payloadEnd = streamEnd;
    }
    payload = { compression: h.compression, data: image.slice(h.payloadOffset, payloadEnd) };
  }
  const kept: KeptBytes[] = [];
  keepUnlessFill(kept, image, 0x0e, 0x16, 0); // Reserved
  keepUnlessFill(kept, image, EFI_HEADER_SIZE, p.offset, 0);
  const modelled = p.offset + Math.min(p.length, PCIR_LENGTH_V3);
  if (pcirEnd > modelled) kept.push({ offset: modelled, bytes: image.slice(modelled, pcirEnd) });
  keepUnlessFill(kept, image, pcirEnd, h.payloadOffset, 0xff);
  keepUnlessFill(kept, image, payloadEnd, end, 0xff);
  return {
    type: 'efi',
    subsystem: h.subsystem,
    machine: h.machine,
    payload,
    payloadOffset: h.payloadOffset,
    pcir: pcirModel(p),
    pcirOffset: p.offset,
    blocks: p.imageLength,
    initBlocks: h.initBlocks,
    kept,
  };
}

/**
 * The model of the ROM in `bytes`: every image of the chain up to the one marked last, and the
 * bytes after it. Throws FirmwareError `bad-format` / `truncated` for what the writer could not
 * reproduce (a broken chain, an EFI image laid out in another order).
 */
export function readOptionRom(bytes: Uint8Array): OptionRom {
  const images: RomImage[] = [];
  let at = 0;
  for (;;) {
    const p = readPcir(bytes, at);
    if (!p) bad(`no option ROM image with a PCIR at ${hex(at)}`, at);
    const length = p.imageLength * ROM_BLOCK;
    if (length === 0) bad('PCIR image length is 0', at + p.offset + 0x10);
    if (at + length > bytes.length) {
      throw new FirmwareError('truncated', `option ROM image at ${hex(at)} runs past the end`, {
        offset: at,
      });
    }
    // Every PCIR field up to the indicator (0x15) is the writer's; the rest depends on the length.
    if (p.length < PCIR_MIN_LENGTH || p.offset + p.length > length)
      bad(`PCIR length ${p.length} does not fit the image`, at + p.offset);
    const image = bytes.subarray(at, at + length);
    images.push(
      p.codeType === PCI_CODE_TYPE.efi ? readEfiImage(image, p, at) : readLegacyImage(image, p, at),
    );
    at += length;
    if (p.indicator & PCIR_LAST_IMAGE) break;
    if (!looksLikeOptionRom(bytes, at))
      bad(`image ${images.length - 1} is not marked last, and no image follows it`, at);
  }
  return at < bytes.length ? { images, trailing: bytes.slice(at) } : { images };
}
