/**
 * The APU VBIOS out of an ACPI VFCT table (containers/acpi-vfct.ts reads the table): the record
 * for the asked device ID, or the only one when no ID is asked for. Used when the vendor BIOS file
 * holds no VBIOS and the user copied /sys/firmware/acpi/tables/VFCT from the host instead.
 */
import { pciId } from '../bytes/hex';
import { asciiAt } from '../containers/util';
import {
  readVfct,
  VFCT_IMAGE_HEADER_SIZE,
  VFCT_SIGNATURE,
  vfctPciAddress,
  type VfctRecord,
} from '../containers/acpi-vfct';
import { FirmwareError, hex } from '../errors';
import { readPcir } from '../oprom/read';
import { vbiosInfo, type VbiosInfo } from './vbios';

export { vfctPciAddress, type VfctRecord } from '../containers/acpi-vfct';

/** Whether the bytes are a VFCT table (its signature), rather than a VBIOS file. */
export const isVfct = (bytes: Uint8Array) => asciiAt(bytes, 0, VFCT_SIGNATURE);

export interface VfctVbios {
  /** The VBIOS image, as the record holds it. */
  image: Uint8Array;
  info: VbiosInfo;
  record: VfctRecord;
  /** What is wrong with the table but did not stop the read (a bad checksum). */
  warnings: string[];
}

const describe = (r: VfctRecord) =>
  `${vfctPciAddress(r)} [${pciId(r.vendorId)}:${pciId(r.deviceId)}]`;

/** A PCI address (bus, device, function), as lspci and a VFCT record give it. */
export interface PciAddress {
  bus: number;
  device: number;
  function: number;
}

const AMD_VENDOR_ID = 0x1002;

const at = (r: VfctRecord, a: PciAddress) =>
  r.bus === a.bus && r.device === a.device && r.function === a.function;

/**
 * The VBIOS of `deviceId` from a VFCT table; without `deviceId`, the only record whose device is
 * `among` the IDs the GOP is marked for (one GOP serves several APUs), else the table's only
 * VBIOS. As amdgpu (amdgpu_acpi_vfct_bios) matches a record on its PCI address, vendor and
 * device ID, only AMD records (vendor 1002) count, and with `address` the record at that address
 * is taken before others of the same device ID. Typed errors: no record for the ID (naming the
 * ones there are), several records and no ID, a record whose image is not an AMD VBIOS (with its
 * offset).
 */
export function vbiosFromVfct(
  bytes: Uint8Array,
  deviceId?: number,
  address?: PciAddress,
  among: readonly number[] = [],
): VfctVbios {
  const table = readVfct(bytes);
  const records = table.records.filter((r) => r.imageLength > 0);
  const there = records.map(describe).join(', ') || 'none';
  const warnings = [...table.warnings];
  const amd = records.filter((r) => r.vendorId === AMD_VENDOR_ID);
  const named = amd.filter((r) => among.includes(r.deviceId));
  const ofDevice =
    deviceId !== undefined
      ? amd.filter((r) => r.deviceId === deviceId)
      : named.length === 1
        ? named
        : amd;
  const atAddress = address && ofDevice.filter((r) => at(r, address));
  const matching = atAddress?.length ? atAddress : ofDevice;
  if (!matching.length)
    throw new FirmwareError(
      'not-found',
      deviceId === undefined
        ? `the VFCT table holds no AMD VBIOS image (it holds: ${there})`
        : `the VFCT table holds no VBIOS for device 1002:${pciId(deviceId)} (it holds: ${there})`,
    );
  if (matching.length > 1)
    throw new FirmwareError(
      'bad-input',
      `the VFCT table holds several VBIOS images (${there}); say which device with its ID`,
    );
  const record = matching[0];
  if (address && !atAddress?.length)
    warnings.push(
      `no VBIOS record in the table is at ${vfctPciAddress(address)}; the one for ${describe(record)} is used: check that it is this iGPU`,
    );
  const imageAt = record.offset + VFCT_IMAGE_HEADER_SIZE;
  const pcir = readPcir(record.image, 0);
  const info = pcir && vbiosInfo(record.image, pcir);
  if (!info)
    throw new FirmwareError(
      'bad-format',
      `the VFCT image for ${describe(record)} at ${hex(imageAt)} is not an AMD VBIOS (a legacy option ROM image, vendor 1002, display class, ATOM BIOS)`,
      { offset: imageAt },
    );
  return { image: record.image, info, record, warnings };
}
