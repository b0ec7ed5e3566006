/**
 * The registry: every format the reader knows, one line each, in the order they are tried.
 * `detectKind` names a file by the first probe that matches; the parse reads each body with
 * the first format whose probe matches and whose opener accepts (containers/format.ts). See
 * README.md for adding a format.
 */
import { firmwareVolumeFormat, volumesInsideFormat } from '../fv/volumes';
import type { ParseContext } from '../tree/context';
import type { FirmwareNode } from '../tree/node';
import { acpiVfctFormat } from './acpi-vfct';
import { bareImageFormat } from './bare-image';
import { capsuleFormat } from './capsule';
import { carvedFormat } from './carve';
import { descriptorFormat } from './descriptor';
import { openFirstFormat, type FirmwareFormat } from './format';
import { ifwiFormat } from './ifwi';
import { optionRomFormat } from './option-rom';
import { fatFormat } from './archive/fat';
import { isoFormat } from './archive/iso9660';
import { sevenZipFormat } from './archive/sevenzip';
import { zipFormat } from './archive/zip';
import { amiPfatFormat } from './vendor/ami-pfat';
import { dellPfsFormat } from './vendor/dell-pfs';
import { insydeFormat } from './vendor/insyde';
import { installerFormat } from './vendor/installers';
import { knownPackageFormat } from './vendor/packages';

/**
 * Most specific first. Signatures at fixed places come before searches through the data;
 * vendor packages are executables, so they go before the bare PE check; scans for volumes
 * anywhere come after every container had its turn, and names-only entries last.
 */
export const FIRMWARE_FORMATS: readonly FirmwareFormat[] = [
  firmwareVolumeFormat, // `_FVH` at 0x28: a body that starts with a volume is volumes
  descriptorFormat, // 0x0FF0A55A at 0x10: Intel SPI image, regions
  capsuleFormat, // capsule GUID at 0: UEFI, FMP and vendor capsules
  optionRomFormat, // 55 AA with a PCIR structure: PCI option ROM images
  acpiVfctFormat, // `VFCT` at 0: AMD's ACPI table of VBIOS images
  zipFormat, // `PK` at 0, or an executable whose end holds a ZIP directory (self-extractor)
  sevenZipFormat, // 7z signature at 0, or after a self-extractor's stub (Insyde SFX too)
  isoFormat, // `CD001` at 0x8001: CD images, with their El Torito boot image
  fatFormat, // FAT12/16 boot sector at 0, or an MBR whose first FAT partition holds one
  insydeFormat, // `$_IFLASH` at 0, or an executable holding such blocks
  dellPfsFormat, // `PFS.HDR.` at 0, or an executable holding zlib-packed PFS
  amiPfatFormat, // `_AMIPFAT` at 8, or inside a flasher executable
  carvedFormat, // a descriptor, capsule or option ROM inside an executable or unknown wrapper
  installerFormat, // NSIS, Inno Setup, InstallShield, RAR/cabinet SFX: named, not read as a PE
  bareImageFormat, // MZ/VZ/$VBT at 0 (after the packages that are executables too)
  ifwiFormat, // BPDT signature at 0; volumes found by scanning
  volumesInsideFormat, // whole volumes anywhere in otherwise unknown data
  knownPackageFormat, // named only: packages a vendor tool or an archiver unpacks
];

/** Reads a body with the registry; false, adding nothing, when no format reads it. */
export async function openContainer(
  parent: FirmwareNode,
  bytes: Uint8Array,
  absOffset: number | undefined,
  ctx: ParseContext,
): Promise<boolean> {
  return (await openFirstFormat(FIRMWARE_FORMATS, parent, bytes, absOffset, ctx)) !== undefined;
}
