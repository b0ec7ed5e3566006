/**
 * Where every part of every image of a ROM goes, decided (and checked against the format's
 * limits) before a byte is written; the writer and the self-check both follow it.
 */
import { FirmwareError, hex } from '../errors';
import {
  EFI_HEADER_SIZE,
  EFI_PCIR_AT,
  MAX_IMAGE_BLOCKS,
  MAX_LEGACY_INIT_BLOCKS,
  MAX_OPTION_ROM_SIZE,
  PCIR_LENGTH_V22,
  PCIR_LENGTH_V3,
  PCIR_MIN_LENGTH,
  PCIR_POINTER_AT,
  PCIR_REVISION_3,
  ROM_BLOCK,
  payloadBytes,
  type OptionRom,
  type Pcir,
  type RomImage,
} from './image';

export interface ImageLayout {
  /** Offset of the image in the ROM. */
  offset: number;
  blocks: number;
  initBlocks: number;
  pcirOffset: number;
  pcirLength: number;
  /** EFI images: where the driver (PE or compressed stream) starts in the image, and its size. */
  payloadOffset: number;
  payloadLength: number;
  last: boolean;
}

export interface LayoutOptions {
  /**
   * The most the whole ROM may hold, when the target allows less than the format's 16 MiB
   * (the caller names the reason in `limitReason`).
   */
  maxSize?: number;
  limitReason?: string;
}

const blocksFor = (bytes: number) => Math.ceil(bytes / ROM_BLOCK);

/** Bytes of a legacy image the writer owns: signature, size byte, PCIR pointer, the PCIR. */
export function isLegacyField(at: number, pcirOffset: number, pcirLength: number): boolean {
  if (at < 3 || (at >= PCIR_POINTER_AT && at < PCIR_POINTER_AT + 2)) return true;
  return at >= pcirOffset && at < pcirOffset + pcirLength;
}

function checkRange(value: number | undefined, max: number, what: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > max))
    throw new FirmwareError('bad-input', `${what} ${value} is not in 0..${hex(max)}`);
}

/** The structure length the writer uses for a PCIR model. */
export function pcirLengthOf(p: Pcir): number {
  return (
    p.length ??
    ((p.revision ?? PCIR_REVISION_3) === PCIR_REVISION_3 ? PCIR_LENGTH_V3 : PCIR_LENGTH_V22)
  );
}

function checkPcir(p: Pcir, name: string): void {
  checkRange(p.vendorId, 0xffff, `${name}: vendor ID`);
  checkRange(p.deviceId, 0xffff, `${name}: device ID`);
  checkRange(p.classCode, 0xffffff, `${name}: class code`);
  checkRange(p.codeRevision, 0xffff, `${name}: code revision`);
  checkRange(p.revision, 0xff, `${name}: PCIR revision`);
  checkRange(p.deviceListOffset, 0xffff, `${name}: device list offset`);
  checkRange(p.maxRuntimeImageLength, 0xffff, `${name}: max runtime image length`);
  checkRange(p.configUtilityOffset, 0xffff, `${name}: config utility offset`);
  checkRange(p.dmtfClpOffset, 0xffff, `${name}: DMTF CLP offset`);
  checkRange(p.indicatorReserved, 0x7f, `${name}: indicator reserved bits`);
  checkRange(p.length, 0xffff, `${name}: PCIR length`);
  if (pcirLengthOf(p) < PCIR_MIN_LENGTH)
    throw new FirmwareError('bad-input', `${name}: a PCIR is at least ${PCIR_MIN_LENGTH} bytes`);
}

function layoutImage(img: RomImage, name: string): Omit<ImageLayout, 'offset' | 'last'> {
  checkPcir(img.pcir, name);
  const pcirLength = pcirLengthOf(img.pcir);
  let pcirOffset: number;
  let content: number;
  let payloadOffset = 0;
  let payloadLength = 0;
  if (img.type === 'legacy') {
    pcirOffset = img.pcirOffset;
    content = img.code.length;
    const inside = pcirOffset >= PCIR_POINTER_AT + 2 && pcirOffset <= 0xffff;
    if (!inside || pcirOffset + pcirLength > content)
      throw new FirmwareError(
        'bad-input',
        `${name}: the PCIR at ${hex(pcirOffset)} is not inside the code`,
      );
  } else {
    pcirOffset = img.pcirOffset ?? EFI_PCIR_AT;
    if (pcirOffset < EFI_HEADER_SIZE)
      throw new FirmwareError('bad-input', `${name}: the PCIR overlaps the EFI header`);
    payloadLength = payloadBytes(img.payload).length;
    const pcirEnd = pcirOffset + pcirLength;
    const compressed = 'data' in img.payload;
    // EfiRom's layout: an uncompressed PE ends the image, a compressed stream follows the PCIR.
    payloadOffset =
      img.payloadOffset ??
      (compressed
        ? pcirEnd
        : (img.blocks ?? blocksFor(pcirEnd + payloadLength)) * ROM_BLOCK - payloadLength);
    // EfiImageHeaderOffset is a u16.
    if (payloadOffset < pcirEnd || payloadOffset > 0xffff)
      throw new FirmwareError(
        'bad-input',
        `${name}: driver offset ${hex(payloadOffset)} is not after the PCIR or not 16-bit`,
      );
    content = payloadOffset + payloadLength;
  }
  const blocks = img.blocks ?? blocksFor(content);
  if (!Number.isInteger(blocks) || blocks < blocksFor(content) || blocks === 0)
    throw new FirmwareError(
      'bad-input',
      `${name}: ${blocks} blocks do not hold its ${content} bytes`,
    );
  if (blocks > MAX_IMAGE_BLOCKS) {
    throw new FirmwareError(
      'no-space',
      `${name} needs ${blocks} blocks of 512 bytes; the PCIR image length holds at most ${MAX_IMAGE_BLOCKS}`,
    );
  }
  const initBlocks = img.initBlocks ?? blocks;
  if (img.type === 'legacy' && initBlocks > MAX_LEGACY_INIT_BLOCKS) {
    throw new FirmwareError(
      'no-space',
      `${name}: a legacy image initializes at most ${MAX_LEGACY_INIT_BLOCKS} blocks (its size byte), not ${initBlocks}`,
    );
  }
  if (!Number.isInteger(initBlocks) || initBlocks < 1 || initBlocks > blocks)
    throw new FirmwareError('bad-input', `${name}: initialization size ${initBlocks} blocks`);
  if (img.type === 'legacy' && img.checksumOffset !== null) {
    const at = img.checksumOffset;
    const owned = isLegacyField(at, pcirOffset, pcirLength);
    if (!Number.isInteger(at) || at >= initBlocks * ROM_BLOCK || owned)
      throw new FirmwareError('bad-input', `${name}: checksum byte ${hex(at)} is not free code`);
  }
  for (const k of img.kept ?? []) {
    if (k.offset < 0 || k.offset + k.bytes.length > blocks * ROM_BLOCK)
      throw new FirmwareError(
        'bad-input',
        `${name}: kept bytes at ${hex(k.offset)} are outside it`,
      );
  }
  return { blocks, initBlocks, pcirOffset, pcirLength, payloadOffset, payloadLength };
}

/**
 * The layout of `rom`. Throws FirmwareError `bad-input` for fields out of range or parts that
 * overlap, `no-space` where a size field or `maxSize` (16 MiB by default) cannot hold it.
 */
export function layoutOptionRom(rom: OptionRom, opts: LayoutOptions = {}): ImageLayout[] {
  if (rom.images.length === 0)
    throw new FirmwareError('bad-input', 'an option ROM needs at least one image');
  let offset = 0;
  const layout = rom.images.map((img, i) => {
    const l = { ...layoutImage(img, `image ${i}`), offset, last: i === rom.images.length - 1 };
    offset += l.blocks * ROM_BLOCK;
    return l;
  });
  const total = offset + (rom.trailing?.length ?? 0);
  const max = opts.maxSize ?? MAX_OPTION_ROM_SIZE;
  if (total > max) {
    const why = opts.limitReason ?? 'the most PCI allows an expansion ROM';
    throw new FirmwareError(
      'no-space',
      `the option ROM would be ${total} bytes, more than ${max} (${why})`,
    );
  }
  return layout;
}
