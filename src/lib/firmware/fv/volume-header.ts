/**
 * EFI_FIRMWARE_VOLUME_HEADER (PI vol. 3): reading it and judging it, in one place for the
 * recogniser (detect/probe), the volume parser and the scan for volumes inside other data.
 *
 * `checkVolumeHeader` sorts what it finds into three verdicts; each caller takes what it needs:
 * - `none`: not a volume header at all — `_FVH` missing, HeaderLength under 0x48 or odd,
 *   Revision not 1 or 2, FvLength below HeaderLength or 4 GiB and up. Everyone passes it by.
 * - `unusable`: a volume header whose fields cannot be read — the block map or the ext header
 *   run past the data or the volume. The probe still names the file a volume, the parser keeps
 *   the declared extent as an opaque 'volume' node carrying the reason, the scan steps over it.
 * - `ok`: readable. `fits` says FvLength lies within the data (the scan needs it; at a known
 *   start a longer volume is parsed as far as it goes). `warnings` are damage shown on the
 *   volume node and never stop the parse: header checksum, block map total, truncation.
 */
import { guidAt } from '../bytes/guid';
import { sum16 } from '../bytes/checksum';
import { ByteView } from '../bytes/view';
import { FirmwareError, hex } from '../errors';
import { align } from './nodes';

/** `_FVH`, little-endian, at +0x28 of a volume header. */
export const FVH_SIGNATURE = 0x4856465f;

export interface VolumeHeader {
  fileSystemGuid: string;
  fvLength: number;
  attributes: number;
  headerLength: number;
  checksum: number;
  extHeaderOffset: number;
  revision: number;
  blockMap: { numBlocks: number; length: number }[];
  fvName?: string;
  extHeaderSize?: number;
  /** Where files start: after the header, or after the ext header when there is one. */
  dataOffset: number;
}

export type VolumeHeaderCheck =
  | { verdict: 'none' }
  | { verdict: 'unusable'; error: unknown }
  | {
      verdict: 'ok';
      header: VolumeHeader;
      /** FvLength lies within the data and the files start inside the volume. */
      fits: boolean;
      /** 16-bit sum of the header as present; 0 when the checksum is right. */
      headerSum: number;
      /** Damage the parser shows on the volume node, in this order. */
      warnings: string[];
    };

/**
 * A firmware volume header plausibly starts at `offset` (anything but the `none` verdict):
 * signature, a header length that fits the volume, revision 1 or 2. FvLength may run past the
 * data (a truncated volume is still shown, with a warning). The cheap first step of
 * `checkVolumeHeader`, for callers that only need to know whether a volume starts here.
 */
export function looksLikeVolume(bytes: Uint8Array, offset: number): boolean {
  if (offset < 0 || offset + 0x48 > bytes.length) return false;
  const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, 0x48);
  if (dv.getUint32(0x28, true) !== FVH_SIGNATURE) return false;
  const fvLength = dv.getUint32(0x20, true) + dv.getUint32(0x24, true) * 0x100000000;
  const headerLength = dv.getUint16(0x30, true);
  const revision = dv.getUint8(0x37);
  return (
    headerLength >= 0x48 &&
    headerLength % 2 === 0 &&
    fvLength >= headerLength &&
    fvLength < 0x100000000 &&
    (revision === 1 || revision === 2)
  );
}

/** Every check on the volume header at `offset` of `bytes`; see the module comment. */
export function checkVolumeHeader(bytes: Uint8Array, offset: number, abs = 0): VolumeHeaderCheck {
  if (!looksLikeVolume(bytes, offset)) return { verdict: 'none' };
  let h: VolumeHeader;
  try {
    h = readVolumeHeader(bytes, offset, abs);
  } catch (error) {
    return { verdict: 'unusable', error };
  }
  const available = bytes.length - offset;
  const length = Math.min(h.fvLength, available);
  const headerSum = sum16(bytes, offset, offset + Math.min(h.headerLength, length));
  const warnings: string[] = [];
  if (headerSum !== 0) warnings.push('volume header checksum failed');
  const mapped = h.blockMap.reduce((s, b) => s + b.numBlocks * b.length, 0);
  if (mapped !== h.fvLength) {
    warnings.push(`block map covers ${hex(mapped)} bytes, FvLength is ${hex(h.fvLength)}`);
  }
  if (h.fvLength > available) {
    warnings.push(
      `volume is truncated: FvLength ${hex(h.fvLength)}, only ${hex(available)} bytes present`,
    );
  }
  const fits = h.fvLength <= available && h.dataOffset <= h.fvLength;
  return { verdict: 'ok', header: h, fits, headerSum, warnings };
}

/** Read a volume header at `offset` of `bytes` (which must look like a volume). */
export function readVolumeHeader(bytes: Uint8Array, offset: number, abs = 0): VolumeHeader {
  const v = new ByteView(bytes.subarray(offset), abs);
  const headerLength = v.u16(0x30, 'HeaderLength');
  const h: VolumeHeader = {
    fileSystemGuid: guidAt(v.slice(0x10, 16, 'FileSystemGuid')),
    fvLength: v.u64(0x20, 'FvLength'),
    attributes: v.u32(0x2c, 'Attributes'),
    headerLength,
    checksum: v.u16(0x32, 'Checksum'),
    extHeaderOffset: v.u16(0x34, 'ExtHeaderOffset'),
    revision: v.u8(0x37, 'Revision'),
    blockMap: [],
    dataOffset: align(headerLength, 8),
  };
  for (let p = 0x38; p + 8 <= headerLength; p += 8) {
    const numBlocks = v.u32(p, 'NumBlocks');
    const length = v.u32(p + 4, 'BlockLength');
    if (numBlocks === 0 && length === 0) break;
    h.blockMap.push({ numBlocks, length });
  }
  if (h.revision > 1 && h.extHeaderOffset !== 0) {
    const e = h.extHeaderOffset;
    if (e + 20 > h.fvLength || !v.has(e, 20)) {
      throw new FirmwareError(
        'bad-format',
        `volume ext header at ${hex(e)} lies outside the volume`,
        {
          offset: abs + e,
        },
      );
    }
    h.fvName = guidAt(v.slice(e, 16, 'FvName'));
    h.extHeaderSize = v.u32(e + 16, 'ExtHeaderSize');
    if (h.extHeaderSize < 20 || e + h.extHeaderSize > h.fvLength) {
      throw new FirmwareError(
        'bad-format',
        `volume ext header size ${hex(h.extHeaderSize)} is out of range`,
        {
          offset: abs + e + 16,
        },
      );
    }
    h.dataOffset = align(e + h.extHeaderSize, 8);
  }
  return h;
}
