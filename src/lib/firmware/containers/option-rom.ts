/**
 * PCI expansion ROMs: a chain of images, each starting 0x55 0xAA with a pointer (at 0x18) to its
 * PCI data structure ('PCIR'). EFI images (code type 3) carry EFI_PCI_EXPANSION_ROM_HEADER fields
 * (edk2 IndustryStandard/Pci22.h) and a PE32+ driver, optionally EFI 1.1-compressed.
 */
import { efiDecompress } from '../compress/efi';
import { FirmwareError } from '../errors';
import {
  EFI_ROM_COMPRESSION,
  EFI_ROM_SIGNATURE,
  PCI_CODE_TYPE,
  PCI_CODE_TYPE_NAMES,
  PCIR_LAST_IMAGE,
} from '../spec';
import type { RomImageData } from '../tree/data';
import { addChild, makeNode, type FirmwareNode } from '../tree/node';
import type { ParseContext } from '../tree/context';
import type { FirmwareFormat, KindGuess } from './format';
import { ROM_BLOCK } from '../oprom/image';
import { looksLikeOptionRom, readEfiHeader, readPcir } from '../oprom/read';
import { absAt, addTrailingPadding, hex, peNode } from './util';

// The field reads are shared with the generic ROM reader; other modules still take them from here.
export { looksLikeOptionRom, readPcir, type PcirInfo } from '../oprom/read';

export async function openOptionRom(
  parent: FirmwareNode,
  bytes: Uint8Array,
  base: number,
  abs: number | undefined,
  ctx: ParseContext,
): Promise<boolean> {
  if (!looksLikeOptionRom(bytes, 0)) return false;
  let at = 0;
  let index = 0;
  for (;;) {
    const pcir = readPcir(bytes, at);
    if (!pcir) {
      parent.warnings.push(`option ROM image ${index} at ${hex(at)} has no valid PCIR structure`);
      break;
    }
    let length = pcir.imageLength * ROM_BLOCK;
    const data: RomImageData = {
      is: 'rom-image',
      vendorId: pcir.vendorId,
      deviceId: pcir.deviceId,
      classCode: pcir.classCode,
      pcirOffset: pcir.offset,
      pcirLength: pcir.length,
      pcirRevision: pcir.revision,
      imageLength: length,
      codeRevision: pcir.codeRevision,
      codeType: pcir.codeType,
      last: (pcir.indicator & PCIR_LAST_IMAGE) !== 0,
    };
    const node = makeNode({
      kind: 'rom-image',
      type:
        pcir.codeType === PCI_CODE_TYPE.efi
          ? 'EFI option ROM image'
          : `${PCI_CODE_TYPE_NAMES[pcir.codeType] ?? 'unknown'} option ROM image`,
      name: `image ${index}`,
      offset: base + at,
      raw: bytes.subarray(at, at + Math.min(length, bytes.length - at)),
      absOffset: absAt(abs, at),
      data,
    });
    ctx.budget.takeNode({ offset: absAt(abs, at) });
    addChild(parent, node);
    if (pcir.imageLength === 0) {
      node.warnings.push('PCIR image length is 0; the chain stops here');
      break;
    }
    if (at + length > bytes.length) {
      node.warnings.push(`image length ${hex(length)} runs past the end of the data; clipped`);
      length = bytes.length - at;
    }
    if (pcir.codeType === PCI_CODE_TYPE.efi) await openEfiImage(node, data, ctx);
    else {
      ctx.budget.takeNode({ offset: absAt(abs, at) });
      addChild(
        node,
        makeNode({
          kind: 'opaque',
          type: 'legacy code',
          offset: 0,
          raw: node.raw,
          absOffset: absAt(abs, at),
        }),
      );
    }
    at += length;
    index++;
    if (pcir.indicator & PCIR_LAST_IMAGE || at >= bytes.length) break;
  }
  addTrailingPadding(parent, bytes, at, base, abs, ctx, 'data after the last option ROM image');
  return true;
}

/** EFI_PCI_EXPANSION_ROM_HEADER: InitializationSize, EfiSignature, subsystem, machine, compression. */
async function openEfiImage(
  node: FirmwareNode,
  rom: RomImageData,
  ctx: ParseContext,
): Promise<void> {
  const raw = node.raw;
  const header = readEfiHeader(raw, node.absOffset ?? 0);
  const { signature: sig, subsystem, machine, compression, payloadOffset: peAt } = header;
  const initSize = header.initBlocks * ROM_BLOCK;
  rom.efi = {
    initializationSize: initSize,
    signature: sig,
    subsystem,
    machine,
    compression,
    imageOffset: peAt,
  };
  if (sig !== EFI_ROM_SIGNATURE) {
    node.warnings.push(`EFI signature is ${hex(sig)}, not 0x0EF1`);
    return;
  }
  let end = initSize;
  if (end > raw.length) {
    node.warnings.push(`initialization size ${hex(end)} is larger than the image; clipped`);
    end = raw.length;
  }
  if (peAt < 0x1a || peAt >= end) {
    node.warnings.push(`EFI image offset ${hex(peAt)} is outside the initialization size`);
    return;
  }
  node.headerSize = peAt;
  const data = raw.subarray(peAt, end);
  const peAbs = absAt(node.absOffset, peAt);
  if (compression === EFI_ROM_COMPRESSION.none) {
    ctx.budget.takeNode({ offset: peAbs });
    addChild(node, peNode(data, 0, peAbs));
    return;
  }
  if (compression !== EFI_ROM_COMPRESSION.efi) {
    node.warnings.push(`unknown compression type ${compression}; the driver is kept as bytes`);
    ctx.budget.takeNode({ offset: peAbs });
    addChild(
      node,
      makeNode({
        kind: 'opaque',
        type: 'compressed driver',
        offset: 0,
        raw: data,
        absOffset: peAbs,
      }),
    );
    return;
  }
  try {
    const pe = efiDecompress(data, 'efi', { budget: ctx.budget });
    node.decoded = { method: 'EFI 1.1', bytes: pe };
    ctx.budget.takeNode({ offset: peAbs });
    addChild(node, peNode(pe, 0, undefined));
  } catch (e) {
    if (e instanceof FirmwareError && e.code === 'budget') throw e;
    node.warnings.push(
      `EFI 1.1 decompression failed: ${e instanceof Error ? e.message : String(e)}`,
    );
    ctx.budget.takeNode({ offset: peAbs });
    addChild(
      node,
      makeNode({
        kind: 'opaque',
        type: 'compressed driver',
        offset: 0,
        raw: data,
        absOffset: peAbs,
      }),
    );
  }
}

function probeOptionRom(b: Uint8Array): KindGuess | undefined {
  if (!looksLikeOptionRom(b, 0)) return undefined;
  const p = readPcir(b, 0);
  const detail = p
    ? `first image: PCI ${p.vendorId.toString(16).padStart(4, '0')}:${p.deviceId.toString(16).padStart(4, '0')}, ${p.codeType === PCI_CODE_TYPE.efi ? 'EFI' : p.codeType === PCI_CODE_TYPE.x86 ? 'legacy x86' : `code type ${p.codeType}`}`
    : undefined;
  return { kind: 'option-rom', label: 'PCI option ROM', offset: 0, detail };
}

export const optionRomFormat: FirmwareFormat = {
  name: 'option-rom',
  probe: probeOptionRom,
  open: openOptionRom,
};
