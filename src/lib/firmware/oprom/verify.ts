/**
 * Re-reads a ROM we wrote with the explorer's reader (containers/option-rom.ts), which shares
 * only the PCIR/EFI header field reads with the writer, and compares what it sees with the
 * model and its layout: every header field, the image chain, each legacy image's checksum and
 * the SHA-256 of each EFI driver. Only a ROM that passes leaves the builder.
 */
import { Budget } from '../budget';
import { sum8 } from '../bytes/checksum';
import { sha256Hex } from '../bytes/sha256';
import { openOptionRom } from '../containers/option-rom';
import { FirmwareError, hex } from '../errors';
import { EFI_ROM_SIGNATURE, PCI_CODE_TYPE } from '../spec';
import type { RomImageData } from '../tree/data';
import { imageNode, type FirmwareNode } from '../tree/node';
import type { ParseContext } from '../tree/context';
import type { ImageLayout } from './layout';
import type { OptionRom, RomImage } from './image';

// The PCIR revision the writer uses, restated here so the check does not just echo the writer.
const PCIR_REVISION_3 = 3;

export interface VerifiedImage {
  layout: ImageLayout;
  /** SHA-256 of the EFI driver's PE as the reader found it, or of a legacy image's bytes. */
  sha256: string;
}

/** What the reader must find for an image we laid out. */
function expectedData(img: RomImage, l: ImageLayout): RomImageData {
  const data: RomImageData = {
    is: 'rom-image',
    vendorId: img.pcir.vendorId,
    deviceId: img.pcir.deviceId,
    classCode: img.pcir.classCode,
    pcirOffset: l.pcirOffset,
    pcirLength: l.pcirLength,
    pcirRevision: img.pcir.revision ?? PCIR_REVISION_3,
    imageLength: l.blocks * 512,
    codeRevision: img.pcir.codeRevision,
    codeType: img.type === 'legacy' ? (img.codeType ?? PCI_CODE_TYPE.x86) : PCI_CODE_TYPE.efi,
    last: l.last,
  };
  if (img.type === 'efi') {
    data.efi = {
      initializationSize: l.initBlocks * 512,
      signature: EFI_ROM_SIGNATURE,
      subsystem: img.subsystem,
      machine: img.machine,
      compression: img.payload.compression,
      imageOffset: l.payloadOffset,
    };
  }
  return data;
}

/** Each header field of `want` that `got` reads differently, as [name, got, want]. */
function differences(got: RomImageData, want: RomImageData): [string, unknown, unknown][] {
  const out: [string, unknown, unknown][] = [];
  const compare = (prefix: string, a: object | undefined, b: object) => {
    for (const [key, value] of Object.entries(b)) {
      if (typeof value === 'object') continue;
      const found = a ? (a as Record<string, unknown>)[key] : undefined;
      if (found !== value) out.push([prefix + key, found, value]);
    }
  };
  compare('', got, want);
  if (want.efi) compare('EFI header ', got.efi, want.efi);
  else if (got.efi) out.push(['EFI header', 'present', 'absent']);
  return out;
}

function fail(message: string, offset?: number): never {
  throw new FirmwareError('verify', `option ROM self-check failed: ${message}`, { offset });
}

/** Parse `rom` with the option ROM reader alone (no other container is tried). */
export async function readOptionRomTree(rom: Uint8Array): Promise<FirmwareNode> {
  const root = imageNode(rom);
  const ctx: ParseContext = { budget: new Budget(), depth: 0, parseBody: async () => {} };
  if (!(await openOptionRom(root, rom, 0, 0, ctx)))
    fail('the reader does not recognise it as an option ROM', 0);
  return root;
}

/** The PE the reader found in an EFI image, checked against the model's. */
async function verifyDriver(img: RomImage, node: FirmwareNode, l: ImageLayout, name: string) {
  if (img.type !== 'efi') return undefined;
  const at = l.offset + l.payloadOffset;
  const pe = node.children.length === 1 ? node.children[0] : undefined;
  if (!pe || pe.kind !== 'pe') fail(`${name}: the reader finds no PE image`, at);
  if (pe.warnings.length) fail(`${name}: ${pe.warnings.join('; ')}`, at);
  if (pe.data.is !== 'pe' || pe.data.subsystem !== img.subsystem || pe.data.machine !== img.machine)
    fail(`${name}: the PE header disagrees with the ROM header`, at);
  const got = await sha256Hex(pe.raw);
  const want = img.payload.pe;
  if (want && (pe.raw.length !== want.length || got !== (await sha256Hex(want)))) {
    fail(`${name}: the PE image reads back different (${pe.raw.length} bytes, SHA-256 ${got})`, at);
  }
  return got;
}

/**
 * Throws FirmwareError `verify` unless the reader sees exactly the laid-out images, with every
 * field as planned, no warnings, each legacy checksum right and each EFI driver byte-identical.
 */
export async function verifyOptionRom(
  rom: Uint8Array,
  model: OptionRom,
  layout: readonly ImageLayout[],
): Promise<VerifiedImage[]> {
  const end = layout.reduce((n, l) => n + l.blocks * 512, 0);
  const total = end + (model.trailing?.length ?? 0);
  if (rom.length !== total) fail(`${rom.length} bytes written, ${total} planned`);
  const root = await readOptionRomTree(rom);
  if (root.warnings.length) fail(root.warnings.join('; '));
  const found = root.children.filter((n) => n.offset < end);
  if (found.length !== layout.length) {
    fail(`the reader sees ${found.length} node(s) where ${layout.length} image(s) were written`);
  }
  const out: VerifiedImage[] = [];
  for (const [i, l] of layout.entries()) {
    const img = model.images[i];
    const name = `image ${i}`;
    const node = found[i];
    if (node.kind !== 'rom-image' || node.offset !== l.offset) {
      fail(
        `${name}: expected an image at ${hex(l.offset)}, found ${node.kind} at ${hex(node.offset)}`,
        node.offset,
      );
    }
    if (node.warnings.length) fail(`${name}: ${node.warnings.join('; ')}`, l.offset);
    if (node.data.is !== 'rom-image') fail(`${name}: the reader finds no PCIR`, l.offset);
    for (const [key, got, want] of differences(node.data, expectedData(img, l)))
      fail(`${name}: ${key} reads back as ${String(got)}, expected ${String(want)}`, l.offset);
    if (img.type === 'legacy' && img.checksumOffset !== null) {
      if (sum8(node.raw, 0, l.initBlocks * 512) !== 0)
        fail(`${name}: the 8-bit checksum of the initialization area is not 0`, l.offset);
    }
    const sha256 = (await verifyDriver(img, node, l, name)) ?? (await sha256Hex(node.raw));
    out.push({ layout: l, sha256 });
  }
  return out;
}
