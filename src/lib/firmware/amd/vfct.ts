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

/**
 * The VBIOS of `deviceId` from a VFCT table; without `deviceId`, the only record whose device is
 * `among` the IDs the GOP is marked for (one GOP serves several APUs), else the table's only
 * VBIOS. Typed errors: no record for the ID (naming the ones there are), several records and no
 * ID, a record whose image is not an AMD VBIOS (with its offset).
 */
export function vbiosFromVfct(
  bytes: Uint8Array,
  deviceId?: number,
  among: readonly number[] = [],
): VfctVbios {
  const table = readVfct(bytes);
  const records = table.records.filter((r) => r.imageLength > 0);
  const there = records.map(describe).join(', ') || 'none';
  const named = records.filter((r) => among.includes(r.deviceId));
  const matching =
    deviceId !== undefined
      ? records.filter((r) => r.deviceId === deviceId)
      : named.length === 1
        ? named
        : records;
  if (!matching.length)
    throw new FirmwareError(
      'not-found',
      deviceId === undefined
        ? 'the VFCT table holds no VBIOS image'
        : `the VFCT table holds no VBIOS for device 1002:${pciId(deviceId)} (it holds: ${there})`,
    );
  if (matching.length > 1)
    throw new FirmwareError(
      'bad-input',
      `the VFCT table holds several VBIOS images (${there}); say which device with its ID`,
    );
  const record = matching[0];
  const at = record.offset + VFCT_IMAGE_HEADER_SIZE;
  const pcir = readPcir(record.image, 0);
  const info = pcir && vbiosInfo(record.image, pcir);
  if (!info)
    throw new FirmwareError(
      'bad-format',
      `the VFCT image for ${describe(record)} at ${hex(at)} is not an AMD VBIOS (a legacy option ROM image, vendor 1002, display class, ATOM BIOS)`,
      { offset: at },
    );
  return { image: record.image, info, record, warnings: table.warnings };
}
