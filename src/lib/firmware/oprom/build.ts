/**
 * PCI option ROM writer: one EFI image per driver, laid out the way edk2's EfiRom lays out an
 * uncompressed image (PCI Firmware spec 3.0 data structure; UEFI spec "EFI PCI Expansion ROM
 * Header"):
 *
 *   0x00 EFI_PCI_EXPANSION_ROM_HEADER (0x1A bytes) + 2 zero bytes so the PCIR is 4-byte aligned
 *   0x1C PCIR, PCI 3.0 form (0x1C bytes)
 *   0x38 0xFF padding, so that the PE image ends exactly on a 512-byte boundary
 *   ...  the PE image, unchanged
 *
 * Putting the padding before the image (not after) is EfiRom's choice for uncompressed images;
 * InitializationSize and the PCIR ImageLength then both cover the whole image.
 */
import { ByteWriter } from '../bytes/view';
import { FirmwareError, hex } from '../errors';
import { readPe } from '../pe/headers';
import { appendPeSection } from '../pe/append-section';
import { sha256Hex } from '../bytes/sha256';
import {
  driverBytes,
  igdAssignment,
  platformGopPolicy,
  type DriverImage,
} from '../drivers/generated';
import { gopInfo, gopLabel, isIntelGop, type GopInfo } from '../gop/gop-info';
import { parseVbt } from '../gop/vbt';
import { verifyOptionRom } from './verify';

export const ROM_SIGNATURE = 0xaa55;
export const EFI_ROM_SIGNATURE = 0x0ef1;
/** EFI_PCI_EXPANSION_ROM_HEADER is 0x1A bytes; EfiRom pads it to a multiple of 4. */
export const ROM_HEADER_SIZE = 0x1c;
/** PCI 3.0 data structure (with the 3.0 runtime/CLP fields, all zero here). */
export const PCIR_SIZE = 0x1c;
export const PCIR_REVISION = 3;
export const CODE_TYPE_EFI = 3;
export const INDICATOR_LAST = 0x80;
export const ROM_BLOCK = 512;
/** EfiRom's own limit, also the most a ROM BAR is commonly given. */
export const MAX_OPTION_ROM_SIZE = 16 << 20;

const SUBSYSTEM_BOOT_SERVICE_DRIVER = 11;
const SUBSYSTEM_RUNTIME_DRIVER = 12;

export interface OptionRomImageInput {
  /** A PE32/PE32+ EFI driver, stored as given (the whole file). */
  pe: Uint8Array;
  /** For messages and reports only. */
  name?: string;
}

export interface OptionRomOptions {
  /** PCIR vendor ID; 0x8086 by default. */
  vendorId?: number;
  /** PCIR device ID; 0xFFFF by default (OVMF's PCI bus driver does not compare it). */
  deviceId?: number;
  /** PCIR class code (base << 16 | sub << 8 | interface); 0x030000 (VGA display) by default. */
  classCode?: number;
  /** PCIR code revision; 0 by default, as EfiRom writes it without -r. */
  codeRevision?: number;
}

/** Where everything of one image goes, decided before a byte is written. */
export interface OptionRomImagePlan {
  name: string;
  /** Offset of the image in the ROM. */
  offset: number;
  /** Bytes of the image (a multiple of 512). */
  length: number;
  /** Offset of the PE image inside this image (EfiImageHeaderOffset). */
  peOffset: number;
  peSize: number;
  subsystem: number;
  machine: number;
  vendorId: number;
  deviceId: number;
  classCode: number;
  codeRevision: number;
  last: boolean;
}

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

function checkId(value: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new FirmwareError('bad-input', `${what} ${value} is not in 0..${hex(max)}`);
  }
  return value;
}

/** Decide the layout of every image (and check the inputs) without writing anything. */
export function planOptionRom(
  images: readonly OptionRomImageInput[],
  opts: OptionRomOptions = {},
): OptionRomImagePlan[] {
  if (images.length === 0)
    throw new FirmwareError('bad-input', 'an option ROM needs at least one driver image');
  const vendorId = checkId(opts.vendorId ?? 0x8086, 0xffff, 'vendor ID');
  const deviceId = checkId(opts.deviceId ?? 0xffff, 0xffff, 'device ID');
  const classCode = checkId(opts.classCode ?? 0x030000, 0xffffff, 'class code');
  const codeRevision = checkId(opts.codeRevision ?? 0, 0xffff, 'code revision');
  const plans: OptionRomImagePlan[] = [];
  let offset = 0;
  images.forEach((img, i) => {
    const name = img.name ?? `image ${i}`;
    let info;
    try {
      info = readPe(img.pe);
    } catch (e) {
      const why = e instanceof FirmwareError ? e.message : String(e);
      throw new FirmwareError('bad-input', `${name} is not a usable PE image: ${why}`, {
        cause: e,
      });
    }
    // EfiRom takes MZ/PE images only; a TE image has no place in an option ROM.
    if (info.format === 'TE')
      throw new FirmwareError('bad-input', `${name} is a TE image; option ROMs hold PE images`);
    // The PCI bus driver starts only boot-service and runtime drivers from a ROM; anything else
    // would sit in the ROM and silently never run.
    if (
      info.subsystem !== SUBSYSTEM_BOOT_SERVICE_DRIVER &&
      info.subsystem !== SUBSYSTEM_RUNTIME_DRIVER
    ) {
      throw new FirmwareError(
        'bad-input',
        `${name} is an ${info.subsystemName} (subsystem ${info.subsystem}); a PCI option ROM only runs EFI drivers (11 or 12)`,
      );
    }
    const length = alignUp(ROM_HEADER_SIZE + PCIR_SIZE + img.pe.length, ROM_BLOCK);
    if (length / ROM_BLOCK > 0xffff) {
      throw new FirmwareError(
        'no-space',
        `${name} is too large for one option ROM image (${img.pe.length} bytes)`,
      );
    }
    plans.push({
      name,
      offset,
      length,
      peOffset: length - img.pe.length,
      peSize: img.pe.length,
      subsystem: info.subsystem,
      machine: info.machine,
      vendorId,
      deviceId,
      classCode,
      codeRevision,
      last: i === images.length - 1,
    });
    offset += length;
  });
  if (offset > MAX_OPTION_ROM_SIZE) {
    throw new FirmwareError(
      'no-space',
      `the option ROM would be ${offset} bytes, more than ${MAX_OPTION_ROM_SIZE}`,
    );
  }
  return plans;
}

const PCIR_SIGNATURE = new Uint8Array([0x50, 0x43, 0x49, 0x52]); // 'PCIR'

/** The 0x38 bytes in front of the padding: ROM header, alignment bytes, PCIR. */
function writeHeaders(w: ByteWriter, p: OptionRomImagePlan): void {
  const blocks = p.length / ROM_BLOCK;
  w.u16(ROM_SIGNATURE)
    .u16(blocks) // InitializationSize: the whole image is loaded
    .u32(EFI_ROM_SIGNATURE)
    .u16(p.subsystem)
    .u16(p.machine)
    .u16(0) // CompressionType: none
    .fill(0, 8) // Reserved
    .u16(p.peOffset) // EfiImageHeaderOffset
    .u16(ROM_HEADER_SIZE) // PcirOffset
    .fill(0, ROM_HEADER_SIZE - 0x1a);
  w.bytes(PCIR_SIGNATURE)
    .u16(p.vendorId)
    .u16(p.deviceId)
    .u16(0) // DeviceListOffset
    .u16(PCIR_SIZE)
    .u8(PCIR_REVISION)
    .u24(p.classCode)
    .u16(blocks) // ImageLength
    .u16(p.codeRevision)
    .u8(CODE_TYPE_EFI)
    .u8(p.last ? INDICATOR_LAST : 0)
    .u16(0) // MaxRuntimeImageLength
    .u16(0) // ConfigUtilityCodeHeaderOffset
    .u16(0); // DMTFCLPEntryPointOffset
}

/** Serialize a plan made by `planOptionRom` for the same images. */
export function writeOptionRom(
  images: readonly OptionRomImageInput[],
  plans: readonly OptionRomImagePlan[],
): Uint8Array {
  const total = plans.reduce((n, p) => n + p.length, 0);
  const w = new ByteWriter(total);
  plans.forEach((p, i) => {
    writeHeaders(w, p);
    w.fill(0xff, p.peOffset - (ROM_HEADER_SIZE + PCIR_SIZE));
    w.bytes(images[i].pe);
  });
  return w.finish();
}

/**
 * A PCI option ROM holding one uncompressed EFI image per driver, in the given order; the last
 * image carries the last-image indicator. Throws FirmwareError `bad-input` for images that are
 * not PE drivers or IDs out of range, `no-space` beyond 16 MiB.
 */
export function buildOptionRom(
  images: readonly OptionRomImageInput[],
  opts: OptionRomOptions = {},
): Uint8Array {
  return writeOptionRom(images, planOptionRom(images, opts));
}

// ---- The iGPU ROM: our drivers around the user's GOP ----------------------------------------

export type IgdRomVariant = 'full' | 'assignment' | 'gop';
export const IGD_ROM_VARIANTS: readonly IgdRomVariant[] = ['full', 'assignment', 'gop'];

export interface IgdRomOptions {
  /** full (default): IgdAssignment, PlatformGopPolicy, GOP; assignment: IgdAssignment only; gop: GOP only. */
  variant?: IgdRomVariant;
  /** The Intel GOP driver (PE32+, x64); needed by `full` and `gop`. */
  gop?: Uint8Array;
  /**
   * `full` only. A VBT to embed in PlatformGopPolicy (as its `.vbt` section), or 'opregion'
   * (default): the policy driver hands out the VBT of the host's OpRegion at run time.
   */
  vbt?: Uint8Array | 'opregion';
  /** PCIR device ID (the user's iGPU, e.g. 0x46A6); 0xFFFF by default. */
  deviceId?: number;
}

export type IgdRomRole = 'igd-assignment' | 'gop-policy' | 'gop';

export interface IgdRomImage {
  role: IgdRomRole;
  name: string;
  /** Offset and length of the option ROM image holding this driver. */
  offset: number;
  length: number;
  /** Where the PE starts inside the ROM, and its size. */
  peOffset: number;
  peSize: number;
  /** SHA-256 of the PE image as stored (for the policy driver: with the VBT section). */
  sha256: string;
  /** GOP only: name and version as the driver states them. */
  version?: string;
}

export interface IgdRom {
  rom: Uint8Array;
  sha256: string;
  variant: IgdRomVariant;
  vendorId: number;
  deviceId: number;
  images: IgdRomImage[];
  /** Where the policy driver gets its VBT; undefined without a policy driver. */
  vbt?:
    | { source: 'opregion' }
    | { source: 'embedded'; size: number; sha256: string; signature: string };
}

const ROLE_NAMES: Record<IgdRomRole, string> = {
  'igd-assignment': 'IgdAssignment',
  'gop-policy': 'PlatformGopPolicy',
  gop: 'IntelGopDriver',
};
const MACHINE_X64 = 0x8664;

/** One of our prebuilt drivers, checked against its recorded SHA-256. */
export async function ourDriver(image: DriverImage): Promise<Uint8Array> {
  const bytes = driverBytes(image);
  // The prebuilt images carry their own digest; a mismatch means a damaged bundle.
  if (bytes.length !== image.size || (await sha256Hex(bytes)) !== image.sha256) {
    throw new FirmwareError(
      'verify',
      `the bundled ${image.fileName} does not match its recorded SHA-256`,
    );
  }
  return bytes;
}

/** Accepts only an x64 Intel GOP driver; returns what it says about itself. */
export function checkGop(gop: Uint8Array): GopInfo {
  let pe;
  try {
    pe = readPe(gop);
  } catch (e) {
    throw new FirmwareError(
      'bad-input',
      `the GOP is not a PE image: ${e instanceof FirmwareError ? e.message : e}`,
      {
        cause: e,
      },
    );
  }
  if (!isIntelGop(gop))
    throw new FirmwareError('bad-input', 'this PE image is not an Intel GOP driver');
  // OVMF X64 starts only x64 (and EBC) images from a ROM; an IA32 GOP would be skipped silently.
  if (pe.machine !== MACHINE_X64) {
    throw new FirmwareError(
      'bad-input',
      `the GOP is a ${pe.machineName} image; OVMF (X64) needs an x64 GOP`,
    );
  }
  return gopInfo(gop);
}

/**
 * The option ROM for a passed-through Intel iGPU under stock OVMF. The result has been re-read
 * by the option ROM reader and matched field by field (FirmwareError `verify` otherwise).
 */
export async function buildIgdRom(opts: IgdRomOptions = {}): Promise<IgdRom> {
  const variant = opts.variant ?? 'full';
  if (!IGD_ROM_VARIANTS.includes(variant))
    throw new FirmwareError('bad-input', `unknown ROM variant "${variant}"`);
  const needsGop = variant !== 'assignment';
  if (needsGop && !opts.gop)
    throw new FirmwareError('bad-input', `the ${variant} variant needs a GOP driver`);
  if (!needsGop && opts.gop)
    throw new FirmwareError('bad-input', 'the assignment variant holds no GOP driver');
  const embed = opts.vbt instanceof Uint8Array ? opts.vbt : undefined;
  if (embed && variant !== 'full') {
    throw new FirmwareError(
      'bad-input',
      `a VBT is embedded in the policy driver, which the ${variant} variant does not hold`,
    );
  }

  const parts: { role: IgdRomRole; pe: Uint8Array; version?: string }[] = [];
  let vbt: IgdRom['vbt'];
  if (variant !== 'gop') parts.push({ role: 'igd-assignment', pe: await ourDriver(igdAssignment) });
  if (variant === 'full') {
    let policy = await ourDriver(platformGopPolicy);
    if (embed) {
      const info = parseVbt(embed); // throws bad-format for anything i915 would not accept
      policy = appendPeSection(policy, '.vbt', info.bytes).image;
      vbt = {
        source: 'embedded',
        size: info.size,
        sha256: await sha256Hex(info.bytes),
        signature: info.signature,
      };
    } else vbt = { source: 'opregion' };
    parts.push({ role: 'gop-policy', pe: policy });
  }
  if (needsGop) parts.push({ role: 'gop', pe: opts.gop!, version: gopLabel(checkGop(opts.gop!)) });

  const inputs = parts.map((p) => ({ pe: p.pe, name: ROLE_NAMES[p.role] }));
  const romOpts: OptionRomOptions = {
    vendorId: 0x8086,
    deviceId: opts.deviceId ?? 0xffff,
    classCode: 0x030000,
  };
  const plans = planOptionRom(inputs, romOpts);
  const rom = writeOptionRom(inputs, plans);
  const verified = await verifyOptionRom(rom, inputs, plans);
  return {
    rom,
    sha256: await sha256Hex(rom),
    variant,
    vendorId: plans[0].vendorId,
    deviceId: plans[0].deviceId,
    images: verified.map((v, i) => ({
      role: parts[i].role,
      name: v.plan.name,
      offset: v.plan.offset,
      length: v.plan.length,
      peOffset: v.plan.offset + v.plan.peOffset,
      peSize: v.plan.peSize,
      sha256: v.sha256,
      version: parts[i].version,
    })),
    vbt,
  };
}
