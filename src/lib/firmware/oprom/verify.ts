/**
 * Re-reads a ROM we wrote with the reader (containers/option-rom.ts), which shares no code with
 * the writer, and compares what it sees with what was planned: every header field, the image
 * chain, and the SHA-256 of each PE image. Only a ROM that passes leaves the builder.
 */
import { Budget } from '../budget';
import { sha256Hex } from '../bytes/sha256';
import { openOptionRom } from '../containers/option-rom';
import { FirmwareError, hex } from '../errors';
import { EFI_ROM_COMPRESSION, EFI_ROM_SIGNATURE, PCI_CODE_TYPE } from '../spec';
import type { RomImageData } from '../tree/data';
import { imageNode, type FirmwareNode } from '../tree/node';
import type { ParseContext } from '../tree/context';
import type { OptionRomImageInput, OptionRomImagePlan } from './build';

// The layout EfiRom writes, kept apart from the writer's own constants on purpose.
const PCIR_AT = 0x1c; // EfiRom: the 0x1A-byte EFI ROM header padded to 4
const PCIR_LENGTH = 0x1c; // PCI 3.0 data structure
const PCIR_REVISION = 3;

export interface VerifiedImage {
  plan: OptionRomImagePlan;
  /** SHA-256 of the PE image as the reader found it (equal to the input's). */
  sha256: string;
}

/** What the reader must find for an image we planned. */
function expectedData(p: OptionRomImagePlan): RomImageData {
  return {
    is: 'rom-image',
    vendorId: p.vendorId,
    deviceId: p.deviceId,
    classCode: p.classCode,
    pcirOffset: PCIR_AT,
    pcirLength: PCIR_LENGTH,
    pcirRevision: PCIR_REVISION,
    imageLength: p.length,
    codeRevision: p.codeRevision,
    codeType: PCI_CODE_TYPE.efi,
    last: p.last,
    efi: {
      initializationSize: p.length,
      signature: EFI_ROM_SIGNATURE,
      subsystem: p.subsystem,
      machine: p.machine,
      compression: EFI_ROM_COMPRESSION.none,
      imageOffset: p.peOffset,
    },
  };
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

/**
 * Throws FirmwareError `verify` unless the reader sees exactly the planned images, with every
 * field as planned, no warnings, nothing after the last image, and each input PE byte-identical.
 */
export async function verifyOptionRom(
  rom: Uint8Array,
  images: readonly OptionRomImageInput[],
  plans: readonly OptionRomImagePlan[],
): Promise<VerifiedImage[]> {
  const total = plans.reduce((n, p) => n + p.length, 0);
  if (rom.length !== total) fail(`${rom.length} bytes written, ${total} planned`);
  const root = await readOptionRomTree(rom);
  if (root.warnings.length) fail(root.warnings.join('; '));
  const found = root.children;
  if (found.length !== plans.length) {
    fail(`the reader sees ${found.length} node(s) where ${plans.length} image(s) were written`);
  }
  const out: VerifiedImage[] = [];
  for (let i = 0; i < plans.length; i++) {
    const p = plans[i];
    const node = found[i];
    if (node.kind !== 'rom-image' || node.offset !== p.offset) {
      fail(
        `${p.name}: expected an image at ${hex(p.offset)}, found ${node.kind} at ${hex(node.offset)}`,
        node.offset,
      );
    }
    if (node.warnings.length) fail(`${p.name}: ${node.warnings.join('; ')}`, p.offset);
    if (node.data.is !== 'rom-image') fail(`${p.name}: the reader finds no PCIR`, p.offset);
    for (const [key, got, want] of differences(node.data, expectedData(p)))
      fail(`${p.name}: ${key} reads back as ${String(got)}, expected ${String(want)}`, p.offset);
    const pe = node.children.length === 1 ? node.children[0] : undefined;
    if (!pe || pe.kind !== 'pe') fail(`${p.name}: the reader finds no PE image`, p.offset);
    if (pe.warnings.length) fail(`${p.name}: ${pe.warnings.join('; ')}`, p.offset + p.peOffset);
    if (pe.data.is !== 'pe' || pe.data.subsystem !== p.subsystem || pe.data.machine !== p.machine) {
      fail(`${p.name}: the PE header disagrees with the ROM header`, p.offset + p.peOffset);
    }
    const [got, want] = await Promise.all([sha256Hex(pe.raw), sha256Hex(images[i].pe)]);
    if (pe.raw.length !== images[i].pe.length || got !== want) {
      fail(
        `${p.name}: the PE image reads back different (${pe.raw.length} bytes, SHA-256 ${got})`,
        p.offset + p.peOffset,
      );
    }
    out.push({ plan: p, sha256: got });
  }
  return out;
}
