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
import { makeNode, type FieldValue, type FirmwareNode } from '../tree/node';
import type { ParseContext } from '../tree/context';
import type { ImageLayout } from './layout';
import type { OptionRom, RomImage } from './image';

// Spec values, kept apart from the writer's own constants on purpose.
const CODE_TYPE_EFI = 3;
const PCIR_REVISION_3 = 3;
const EFI_ROM_SIGNATURE = 0x0ef1;

export interface VerifiedImage {
  layout: ImageLayout;
  /** SHA-256 of the EFI driver's PE as the reader found it, or of a legacy image's bytes. */
  sha256: string;
}

/** The reader's field values for an image we laid out (its own formatting rules). */
function expectedFields(img: RomImage, l: ImageLayout): Record<string, FieldValue> {
  const fields: Record<string, FieldValue> = {
    'vendor ID': hex(img.pcir.vendorId, 4),
    'device ID': hex(img.pcir.deviceId, 4),
    'class code': hex(img.pcir.classCode, 6),
    'PCIR offset': hex(l.pcirOffset),
    'PCIR length': l.pcirLength,
    'image length': l.blocks * 512,
    'PCIR revision': img.pcir.revision ?? PCIR_REVISION_3,
    'code revision': hex(img.pcir.codeRevision, 4),
    last: l.last,
  };
  if (img.type === 'legacy') return { ...fields, 'code type': img.codeType ?? 0 };
  return {
    ...fields,
    'code type': CODE_TYPE_EFI,
    'initialization size': l.initBlocks * 512,
    'EFI signature': hex(EFI_ROM_SIGNATURE),
    subsystem: img.subsystem,
    machine: hex(img.machine),
    compression: img.payload.compression,
    'image offset': hex(l.payloadOffset),
  };
}

function fail(message: string, offset?: number): never {
  throw new FirmwareError('verify', `option ROM self-check failed: ${message}`, { offset });
}

/** Parse `rom` with the option ROM reader alone (no other container is tried). */
export async function readOptionRomTree(rom: Uint8Array): Promise<FirmwareNode> {
  const root = makeNode({ kind: 'image', type: 'image', offset: 0, raw: rom, absOffset: 0 });
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
  if (pe.fields.subsystem !== img.subsystem || pe.fields.machine !== hex(img.machine))
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
    for (const [key, want] of Object.entries(expectedFields(img, l))) {
      const got = node.fields[key];
      if (got !== want)
        fail(`${name}: ${key} reads back as ${String(got)}, expected ${String(want)}`, l.offset);
    }
    if (img.type === 'legacy' && img.checksumOffset !== null) {
      if (sum8(node.raw, 0, l.initBlocks * 512) !== 0)
        fail(`${name}: the 8-bit checksum of the initialization area is not 0`, l.offset);
    }
    const sha256 = (await verifyDriver(img, node, l, name)) ?? (await sha256Hex(node.raw));
    out.push({ layout: l, sha256 });
  }
  return out;
}
