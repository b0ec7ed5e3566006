/**
 * Capsule wrappers around a BIOS image: the UEFI capsule header, the UEFI FMP capsule, and the
 * vendor variants UEFITool knows (Intel, Lenovo, Toshiba, AMI Aptio). Each unwraps to a payload
 * handed back to `ctx.parseBody`.
 */
import { guidAt } from '../bytes/guid';
import { ByteView } from '../bytes/view';
import { FirmwareError } from '../errors';
import { CAPSULE_GUIDS } from '../guids';
import type { CapsuleData, FmpImageData } from '../tree/data';
import { addChild, makeNode, type FirmwareNode } from '../tree/node';
import type { ParseContext } from '../tree/context';
import type { FileKind, FirmwareFormat, KindGuess } from './format';
import { absAt, addTrailingPadding, hex, peNode } from './util';

export { CAPSULE_GUIDS };

export type CapsuleFlavour = keyof typeof CAPSULE_GUIDS;

const NAMES: Record<CapsuleFlavour, string> = {
  efi: 'UEFI capsule',
  fmp: 'UEFI FMP capsule',
  intel: 'Intel capsule',
  lenovo: 'Lenovo capsule',
  lenovo2: 'Lenovo capsule',
  toshiba: 'Toshiba capsule',
  amiSigned: 'AMI Aptio signed capsule',
  amiUnsigned: 'AMI Aptio unsigned capsule',
};

/** Which capsule GUID (if any) starts `bytes`. */
export function capsuleFlavourAt(bytes: Uint8Array, offset = 0): CapsuleFlavour | undefined {
  if (bytes.length < offset + 16) return undefined;
  const g = guidAt(bytes, offset);
  for (const [k, v] of Object.entries(CAPSULE_GUIDS)) if (v === g) return k as CapsuleFlavour;
  return undefined;
}

export function capsuleName(f: CapsuleFlavour): string {
  return NAMES[f];
}

export const CAPSULE_KINDS: Record<CapsuleFlavour, { kind: FileKind; label: string }> = {
  efi: { kind: 'capsule-efi', label: 'UEFI capsule' },
  fmp: { kind: 'capsule-fmp', label: 'UEFI firmware-management (FMP) capsule' },
  intel: { kind: 'capsule-intel', label: 'Intel BIOS capsule' },
  lenovo: { kind: 'capsule-lenovo', label: 'Lenovo BIOS capsule' },
  lenovo2: { kind: 'capsule-lenovo', label: 'Lenovo BIOS capsule' },
  toshiba: { kind: 'capsule-toshiba', label: 'Toshiba BIOS capsule' },
  amiSigned: { kind: 'capsule-ami', label: 'AMI Aptio signed capsule (e.g. an ASUS .CAP)' },
  amiUnsigned: { kind: 'capsule-ami', label: 'AMI Aptio unsigned capsule' },
};

function probeCapsule(b: Uint8Array): KindGuess | undefined {
  const cap = capsuleFlavourAt(b);
  if (!cap) return undefined;
  const detail = b.length >= 0x1c ? `header size ${hex(new ByteView(b).u32(0x10))}` : undefined;
  return { ...CAPSULE_KINDS[cap], offset: 0, detail };
}

/** WIN_CERT_TYPE_EFI_GUID, the certificate type of EFI_FIRMWARE_IMAGE_AUTHENTICATION. */
const WIN_CERT_TYPE_EFI_GUID = 0x0ef1;
/** 'MSS1', FMP_PAYLOAD_HEADER signature (edk2 FmpDevicePkg). */
const FMP_PAYLOAD_SIGNATURE = 0x3153534d;

export async function openCapsule(
  parent: FirmwareNode,
  bytes: Uint8Array,
  base: number,
  abs: number | undefined,
  ctx: ParseContext,
): Promise<boolean> {
  const flavour = capsuleFlavourAt(bytes);
  if (!flavour) return false;
  const v = new ByteView(bytes, abs ?? 0);
  const guid = CAPSULE_GUIDS[flavour];

  // Toshiba swaps the order of the size fields: GUID, HeaderSize, FullSize, Flags.
  const headerSize = v.u32(0x10, 'capsule HeaderSize');
  let flags: number;
  let imageSize: number;
  if (flavour === 'toshiba') {
    imageSize = v.u32(0x14, 'capsule FullSize');
    flags = v.u32(0x18, 'capsule Flags');
  } else {
    flags = v.u32(0x14, 'capsule Flags');
    imageSize = v.u32(0x18, 'capsule CapsuleImageSize');
  }

  const warnings: string[] = [];
  let total = imageSize;
  if (total > bytes.length) {
    warnings.push(
      `capsule size ${hex(total)} is larger than the ${hex(bytes.length)} bytes present; using what is there`,
    );
    total = bytes.length;
  }
  // The AMI header carries the image offset separately (APTIO_CAPSULE_HEADER.RomImageOffset).
  let payloadAt = headerSize;
  const data: CapsuleData = { is: 'capsule', headerSize, flags, imageSize };
  if (flavour === 'amiSigned' || flavour === 'amiUnsigned') {
    const romImageOffset = v.u16(0x1c, 'AMI RomImageOffset');
    const romLayoutOffset = v.u16(0x1e, 'AMI RomLayoutOffset');
    data.ami = { romImageOffset, romLayoutOffset };
    payloadAt = romImageOffset;
    if (romImageOffset !== headerSize) {
      warnings.push(
        `AMI RomImageOffset ${hex(romImageOffset)} differs from the header size ${hex(headerSize)}`,
      );
    }
  }
  if (payloadAt < 0x1c || payloadAt > total) {
    throw new FirmwareError(
      'bad-format',
      `${NAMES[flavour]} header size ${hex(payloadAt)} is outside the capsule (${hex(total)} bytes)`,
      { offset: absAt(abs, 0x10), guid },
    );
  }

  ctx.budget.takeNode({ offset: abs });
  const node = addChild(
    parent,
    makeNode({
      kind: 'capsule',
      type: NAMES[flavour],
      guid,
      offset: base,
      raw: bytes.subarray(0, total),
      headerSize: payloadAt,
      data,
      absOffset: abs,
    }),
  );
  node.warnings.push(...warnings);

  // Bytes after the declared capsule are kept visible rather than silently dropped.
  addTrailingPadding(
    parent,
    bytes,
    total,
    base,
    abs,
    ctx,
    `${hex(bytes.length - total)} bytes follow the capsule`,
  );

  if (flavour === 'fmp') {
    await openFmp(node, data, bytes.subarray(payloadAt, total), absAt(abs, payloadAt), ctx);
  } else {
    const payload = bytes.subarray(payloadAt, total);
    if (payload.length) await ctx.parseBody(node, payload, absAt(abs, payloadAt));
    else node.warnings.push('the capsule holds no image');
  }
  return true;
}

/** EFI_FIRMWARE_MANAGEMENT_CAPSULE_HEADER and its items; `body` follows the capsule header. */
async function openFmp(
  capsule: FirmwareNode,
  data: CapsuleData,
  body: Uint8Array,
  abs: number | undefined,
  ctx: ParseContext,
): Promise<void> {
  const v = new ByteView(body, abs ?? 0);
  const version = v.u32(0, 'FMP capsule Version');
  const drivers = v.u16(4, 'EmbeddedDriverCount');
  const payloads = v.u16(6, 'PayloadItemCount');
  data.fmp = { version, embeddedDrivers: drivers, payloadItems: payloads };
  if (version !== 1) capsule.warnings.push(`FMP capsule header version ${version} (expected 1)`);
  const count = drivers + payloads;
  const offsets: number[] = [];
  for (let i = 0; i < count; i++) {
    const off = v.u64(8 + i * 8, `ItemOffsetList[${i}]`);
    if (off < 8 + count * 8 || off >= body.length) {
      throw new FirmwareError(
        'bad-format',
        `FMP item ${i} offset ${hex(off)} is outside the capsule`,
        {
          offset: absAt(abs, 8 + i * 8),
        },
      );
    }
    offsets.push(off);
  }
  for (let i = 0; i < count; i++) {
    const start = offsets[i];
    const end = i + 1 < count ? offsets[i + 1] : body.length;
    if (end < start) {
      throw new FirmwareError('bad-format', `FMP items ${i} and ${i + 1} are out of order`, {
        offset: absAt(abs, 8 + i * 8),
      });
    }
    if (i < drivers) {
      ctx.budget.takeNode({ offset: absAt(abs, start) });
      const pe = addChild(capsule, peNode(body.subarray(start, end), start, absAt(abs, start)));
      pe.name = `embedded driver ${i}`;
      continue;
    }
    await openFmpImage(
      capsule,
      body.subarray(start, end),
      start,
      absAt(abs, start),
      ctx,
      i - drivers,
    );
  }
}

/** One EFI_FIRMWARE_MANAGEMENT_CAPSULE_IMAGE_HEADER with its image and vendor code. */
async function openFmpImage(
  capsule: FirmwareNode,
  item: Uint8Array,
  offset: number,
  abs: number | undefined,
  ctx: ParseContext,
  index: number,
): Promise<void> {
  const v = new ByteView(item, abs ?? 0);
  const version = v.u32(0, 'FMP image header Version');
  // v1 ends after UpdateVendorCodeSize; v2 adds UpdateHardwareInstance, v3 ImageCapsuleSupport.
  const headerSize = version >= 3 ? 0x30 : version === 2 ? 0x28 : 0x20;
  const typeId = guidAt(item, 4);
  if (!v.has(0, headerSize)) v.u32(headerSize - 4, 'FMP image header');
  const imageIndex = v.u8(0x14);
  const imageSize = v.u32(0x18, 'UpdateImageSize');
  const vendorSize = v.u32(0x1c, 'UpdateVendorCodeSize');
  const data: FmpImageData = {
    is: 'fmp-image',
    headerVersion: version,
    imageType: typeId,
    imageIndex,
    imageSize,
    vendorCodeSize: vendorSize,
  };
  if (version >= 2) data.hardwareInstance = v.u64(0x20, 'UpdateHardwareInstance');
  if (version >= 3) data.capsuleSupport = v.u64(0x28, 'ImageCapsuleSupport');
  const warnings: string[] = [];
  if (version < 1 || version > 3) warnings.push(`unknown FMP image header version ${version}`);
  let size = imageSize;
  if (headerSize + size > item.length) {
    warnings.push(
      `image size ${hex(size)} runs past the item; using the ${hex(item.length - headerSize)} bytes present`,
    );
    size = item.length - headerSize;
  }
  const image = item.subarray(headerSize, headerSize + size);

  // The image may begin with EFI_FIRMWARE_IMAGE_AUTHENTICATION (u64 MonotonicCount +
  // WIN_CERTIFICATE_UEFI_GUID) and then an FMP_PAYLOAD_HEADER; both sit before the volumes.
  let skip = 0;
  const iv = new ByteView(image, absAt(abs, headerSize) ?? 0);
  if (iv.has(8, 24) && iv.u16(8 + 6) === WIN_CERT_TYPE_EFI_GUID && iv.u16(8 + 4) === 0x0200) {
    const certLen = iv.u32(8);
    if (certLen >= 24 && 8 + certLen <= image.length) {
      data.authentication = {
        monotonicCount: iv.u64(0),
        certificateType: guidAt(image, 16),
        size: 8 + certLen,
      };
      skip = 8 + certLen;
    } else {
      warnings.push(`authentication certificate length ${hex(certLen)} does not fit the image`);
    }
  }
  if (iv.has(skip, 16) && iv.u32(skip) === FMP_PAYLOAD_SIGNATURE) {
    const ph = iv.u32(skip + 4);
    if (ph >= 16 && skip + ph <= image.length) {
      data.payloadHeader = {
        firmwareVersion: iv.u32(skip + 8),
        lowestSupportedVersion: iv.u32(skip + 12),
      };
      skip += ph;
    } else {
      warnings.push(`FMP payload header size ${hex(ph)} is invalid`);
    }
  }

  ctx.budget.takeNode({ offset: abs });
  const node = addChild(
    capsule,
    makeNode({
      kind: 'capsule',
      type: 'FMP image',
      name: `payload ${index}`,
      guid: typeId,
      offset,
      raw: item.subarray(0, headerSize + size),
      headerSize: headerSize + skip,
      data,
      absOffset: abs,
    }),
  );
  node.warnings.push(...warnings);
  const payload = image.subarray(skip);
  if (payload.length) await ctx.parseBody(node, payload, absAt(abs, headerSize + skip));

  const vendorAt = headerSize + size;
  if (vendorSize > 0) {
    const vend = item.subarray(vendorAt, Math.min(item.length, vendorAt + vendorSize));
    ctx.budget.takeNode({ offset: absAt(abs, vendorAt) });
    const vn = addChild(
      capsule,
      makeNode({
        kind: 'opaque',
        type: 'FMP vendor code',
        offset: offset + vendorAt,
        raw: vend,
        absOffset: absAt(abs, vendorAt),
      }),
    );
    if (vend.length < vendorSize) vn.warnings.push('vendor code is truncated');
  }
}

export const capsuleFormat: FirmwareFormat = {
  name: 'capsule',
  probe: probeCapsule,
  open: openCapsule,
};
