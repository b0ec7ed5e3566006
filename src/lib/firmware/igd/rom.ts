/**
 * The option ROM for a passed-through Intel iGPU under stock OVMF: our IgdAssignment and
 * PlatformGopPolicy drivers around the user's GOP (variants full / assignment / gop), with the
 * VBT optionally embedded in the policy driver. Written by the generic PCI ROM writer (oprom/).
 */
import { sha256Hex } from '../bytes/sha256';
import { igdAssignment, platformGopPolicy } from '../drivers/generated';
import { FirmwareError } from '../errors';
import { gopLabel } from '../gop/gop-info';
import { checkDeviceIdVendor } from '../graphics-vendor';
import { parseVbt } from '../gop/vbt';
import { efiDriverImage, type PcirIds } from '../oprom/efi-driver';
import { layoutOptionRom } from '../oprom/layout';
import { verifyOptionRom } from '../oprom/verify';
import { writeLaidOut } from '../oprom/write';
import { appendPeSection } from '../pe/append-section';
import { checkGop, ourDriver } from './drivers';

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
  /** Take a `deviceId` only AMD's APU table holds all the same (the user said Intel). */
  anyDeviceId?: boolean;
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
  if (!opts.anyDeviceId) checkDeviceIdVendor(opts.deviceId, 'intel');
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

  const ids: PcirIds = { vendorId: 0x8086, deviceId: opts.deviceId ?? 0xffff, classCode: 0x030000 };
  const model = {
    images: parts.map((p, i) => efiDriverImage({ pe: p.pe, name: ROLE_NAMES[p.role] }, ids, i)),
  };
  const layout = layoutOptionRom(model);
  const rom = writeLaidOut(model, layout);
  const verified = await verifyOptionRom(rom, model, layout);
  return {
    rom,
    sha256: await sha256Hex(rom),
    variant,
    vendorId: model.images[0].pcir.vendorId,
    deviceId: model.images[0].pcir.deviceId,
    images: verified.map(({ layout: l, sha256 }, i) => ({
      role: parts[i].role,
      name: ROLE_NAMES[parts[i].role],
      offset: l.offset,
      length: l.blocks * 512,
      peOffset: l.offset + l.payloadOffset,
      peSize: l.payloadLength,
      sha256,
      version: parts[i].version,
    })),
    vbt,
  };
}
