/**
 * The ACPI VFCT table (AMD's "video firmware content table"): the host firmware publishes in it
 * the VBIOS images it used, for each GPU, and Linux shows it as /sys/firmware/acpi/tables/VFCT.
 * For an APU it is where amdgpu gets the VBIOS (amdgpu_bios.c, amdgpu_acpi_vfct_bios), so a copy
 * of it is the VBIOS source when the vendor BIOS file holds none.
 *
 * Layout as Linux reads it (UEFI_ACPI_VFCT, VFCT_IMAGE_HEADER, GOP_VBIOS_CONTENT; little endian):
 *   0x00 ACPI table header, 36 bytes: "VFCT", u32 length, u8 revision, u8 checksum (all bytes of
 *        the table sum to 0 mod 256), OEM ID[6], OEM table ID[8], u32 OEM revision, creator ID[4],
 *        u32 creator revision
 *   0x24 table UUID[16], 0x34 u32 VBIOSImageOffset (from the table start to the first record),
 *   0x38 u32 Lib1ImageOffset, 0x3C reserved u32[4] (0x4C bytes in all)
 *   then records back to back until the table length: u32 PCIBus, u32 PCIDevice, u32 PCIFunction,
 *   u16 VendorID, u16 DeviceID, u16 SSVID, u16 SSID, u32 Revision, u32 ImageLength (28 bytes),
 *   and ImageLength bytes of the VBIOS image. Linux skips records with ImageLength 0.
 *
 * A bad checksum is a warning, not an error: ACPICA only warns about it and still installs the
 * table, and amdgpu then reads the images from it; each image is an option ROM that is checked
 * on its own (its PCIR and its own checksum) when it is read. A record or an image that runs past
 * the table's end is an error, as it is for amdgpu ("ACPI VFCT image truncated").
 */
import { ByteView } from '../bytes/view';
import { hexDigits, pciId } from '../bytes/hex';
import { FirmwareError } from '../errors';
import type { ParseContext } from '../tree/context';
import type { VfctImageData, VfctTableData } from '../tree/data';
import { addChild, makeNode, type FirmwareNode } from '../tree/node';
import type { FirmwareFormat, KindGuess } from './format';
import { absAt, addTrailingPadding, asciiAt, hex } from './util';

export const VFCT_SIGNATURE = 'VFCT';
export const ACPI_HEADER_SIZE = 0x24;
/** sizeof(UEFI_ACPI_VFCT). */
export const VFCT_HEADER_SIZE = 0x4c;
/** sizeof(VFCT_IMAGE_HEADER). */
export const VFCT_IMAGE_HEADER_SIZE = 28;

export interface VfctRecord extends Omit<VfctImageData, 'is'> {
  /** Where the record's header starts in the table. */
  offset: number;
  /** The VBIOS image (a subarray of the table). */
  image: Uint8Array;
}

export interface VfctTable {
  data: VfctTableData;
  records: VfctRecord[];
  /** What is wrong but readable (the checksum, records without an image). */
  warnings: string[];
}

function text(b: Uint8Array, at: number, length: number): string {
  let s = '';
  for (let i = at; i < at + length && b[i] !== 0; i++) s += String.fromCharCode(b[i]);
  return s.trim();
}

/** `bb:dd.f` of a record, as lspci prints it. */
export function vfctPciAddress(r: { bus: number; device: number; function: number }): string {
  return `${hexDigits(r.bus, 2)}:${hexDigits(r.device, 2)}.${r.function}`;
}

/**
 * Reads a VFCT table at the start of `bytes` (`abs`: where it starts in the input file, for the
 * error offsets). Throws a FirmwareError when it is not one or a record does not fit in it.
 */
export function readVfct(bytes: Uint8Array, abs = 0): VfctTable {
  const v = new ByteView(bytes, abs);
  if (!asciiAt(bytes, 0, VFCT_SIGNATURE))
    throw new FirmwareError('bad-format', 'not an ACPI VFCT table (no "VFCT" signature)', {
      offset: abs,
    });
  const length = v.u32(4, 'VFCT table length');
  if (length < VFCT_HEADER_SIZE)
    throw new FirmwareError(
      'bad-format',
      `VFCT table length ${hex(length)} is shorter than its own header (${hex(VFCT_HEADER_SIZE)})`,
      { offset: abs + 4 },
    );
  if (length > bytes.length)
    throw new FirmwareError(
      'truncated',
      `VFCT table length ${hex(length)} runs past the end of the data (${hex(bytes.length)} bytes)`,
      { offset: abs + 4 },
    );
  let sum = 0;
  for (let i = 0; i < length; i++) sum = (sum + bytes[i]) & 0xff;
  const firstRecord = v.u32(0x34, 'VBIOSImageOffset');
  const data: VfctTableData = {
    is: 'acpi-vfct',
    length,
    revision: v.u8(8),
    checksum: v.u8(9),
    checksumOk: sum === 0,
    oemId: text(bytes, 10, 6),
    oemTableId: text(bytes, 16, 8),
    vbiosImageOffset: firstRecord,
    lib1ImageOffset: v.u32(0x38),
  };
  const warnings: string[] = [];
  if (!data.checksumOk)
    warnings.push(
      `table checksum does not add up (the bytes sum to ${hex(sum, 2)}, not 0): the file may have been edited; each VBIOS image is still checked on its own`,
    );
  // amdgpu_acpi_vfct_bios checks only that a record header fits before the table's end, not
  // that the first record starts after the 0x4C-byte header. A record inside the header would
  // read the header's own fields (UUID, these offsets) as its PCI address and image length, so
  // whatever came out of it would be a guess: it stays a typed error here.
  if (firstRecord < VFCT_HEADER_SIZE || firstRecord > length)
    throw new FirmwareError(
      'bad-format',
      `VFCT VBIOSImageOffset ${hex(firstRecord)} is outside the table (${hex(VFCT_HEADER_SIZE)}..${hex(length)})`,
      { offset: abs + 0x34 },
    );
  const records: VfctRecord[] = [];
  for (let at = firstRecord; at < length;) {
    if (at + VFCT_IMAGE_HEADER_SIZE > length)
      throw new FirmwareError(
        'truncated',
        `VFCT image header at ${hex(at)} runs past the end of the table (${hex(length)})`,
        { offset: abs + at },
      );
    const imageLength = v.u32(at + 24);
    const start = at + VFCT_IMAGE_HEADER_SIZE;
    if (imageLength > length - start)
      throw new FirmwareError(
        'truncated',
        `VFCT image at ${hex(start)} is ${hex(imageLength)} bytes long and runs past the end of the table (${hex(length)})`,
        { offset: abs + at + 24 },
      );
    const record: VfctRecord = {
      offset: at,
      bus: v.u32(at),
      device: v.u32(at + 4),
      function: v.u32(at + 8),
      vendorId: v.u16(at + 12),
      deviceId: v.u16(at + 14),
      subsystemVendorId: v.u16(at + 16),
      subsystemId: v.u16(at + 18),
      revision: v.u32(at + 20),
      imageLength,
      image: bytes.subarray(start, start + imageLength),
    };
    if (imageLength === 0)
      warnings.push(
        `the record at ${hex(at)} (${vfctPciAddress(record)}) holds no image; skipped, as amdgpu does`,
      );
    records.push(record);
    at = start + imageLength;
  }
  return { data, records, warnings };
}

async function openVfct(
  parent: FirmwareNode,
  bytes: Uint8Array,
  base: number,
  abs: number | undefined,
  ctx: ParseContext,
): Promise<boolean> {
  const table = readVfct(bytes, abs ?? 0);
  const { length, vbiosImageOffset } = table.data;
  ctx.budget.takeNode({ offset: abs });
  const node = addChild(
    parent,
    makeNode({
      kind: 'acpi-table',
      type: 'ACPI VFCT table',
      name: table.data.oemId ? `VFCT (${table.data.oemId})` : 'VFCT',
      offset: base,
      raw: bytes.subarray(0, length),
      headerSize: vbiosImageOffset,
      data: table.data,
      absOffset: abs,
    }),
  );
  node.checks.push({
    name: 'table checksum',
    ok: table.data.checksumOk,
    detail: `checksum byte ${hex(table.data.checksum, 2)}`,
  });
  node.warnings.push(...table.warnings);
  for (const r of table.records) {
    if (r.imageLength === 0) continue;
    const { offset, image: _image, ...fields } = r;
    ctx.budget.takeNode({ offset: absAt(abs, offset) });
    const record = addChild(
      node,
      makeNode({
        kind: 'vfct-image',
        type: 'VFCT VBIOS record',
        name: `VBIOS for ${vfctPciAddress(r)} [${pciId(r.vendorId)}:${pciId(r.deviceId)}]`,
        offset: offset - vbiosImageOffset,
        raw: bytes.subarray(offset, offset + VFCT_IMAGE_HEADER_SIZE + r.imageLength),
        headerSize: VFCT_IMAGE_HEADER_SIZE,
        data: { is: 'vfct-image', ...fields },
        absOffset: absAt(abs, offset),
      }),
    );
    await ctx.parseBody(record, r.image, absAt(abs, offset + VFCT_IMAGE_HEADER_SIZE));
  }
  addTrailingPadding(parent, bytes, length, base, abs, ctx, 'data after the VFCT table');
  return true;
}

function probeVfct(b: Uint8Array): KindGuess | undefined {
  if (b.length < VFCT_HEADER_SIZE || !asciiAt(b, 0, VFCT_SIGNATURE)) return undefined;
  const length = new ByteView(b).u32(4);
  return {
    kind: 'acpi-table',
    label: 'ACPI VFCT table (AMD VBIOS images)',
    offset: 0,
    detail: `table length ${hex(length)}`,
  };
}

export const acpiVfctFormat: FirmwareFormat = {
  name: 'acpi-vfct',
  probe: probeVfct,
  open: openVfct,
};
