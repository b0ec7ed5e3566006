/**
 * FFS files (PI vol. 3, EFI_FFS_FILE_HEADER / HEADER2): header fields, both integrity checks,
 * state bits (inverted under erase polarity 1), and the body as sections or raw data.
 */
import { guidAt } from '../bytes/guid';
import { sum8 } from '../bytes/checksum';
import { hex } from '../errors';
import { guidName } from '../guids';
import type { ParseContext } from '../tree/context';
import type { FirmwareNode } from '../tree/node';
import { absAt, allBytes, child, messageOf, reportPosition, rethrowBudget } from './nodes';
import { looksLikeVolume } from './volume-header';
import { parseSections } from './section';

export const FILE_TYPES: Readonly<Record<number, string>> = {
  0x00: 'ALL',
  0x01: 'RAW',
  0x02: 'FREEFORM',
  0x03: 'SECURITY_CORE',
  0x04: 'PEI_CORE',
  0x05: 'DXE_CORE',
  0x06: 'PEIM',
  0x07: 'DRIVER',
  0x08: 'COMBINED_PEIM_DRIVER',
  0x09: 'APPLICATION',
  0x0a: 'MM',
  0x0b: 'FIRMWARE_VOLUME_IMAGE',
  0x0c: 'COMBINED_MM_DXE',
  0x0d: 'MM_CORE',
  0x0e: 'MM_STANDALONE',
  0x0f: 'MM_CORE_STANDALONE',
  0xf0: 'FFS_PAD',
};

export const FFS_ATTRIB_LARGE_FILE = 0x01;
export const FFS_ATTRIB_DATA_ALIGNMENT_2 = 0x02;
export const FFS_ATTRIB_FIXED = 0x04;
export const FFS_ATTRIB_CHECKSUM = 0x40;
/** The File checksum byte when FFS_ATTRIB_CHECKSUM is clear (PI); FFSv1 volumes used 0x5A. */
export const FFS_FIXED_CHECKSUM = 0xaa;
export const FFS_FIXED_CHECKSUM_REV1 = 0x5a;

/** State bits, in the order a file goes through them; the highest set bit wins. */
const STATE_NAMES = [
  'HEADER_CONSTRUCTION',
  'HEADER_VALID',
  'DATA_VALID',
  'MARKED_FOR_UPDATE',
  'DELETED',
  'HEADER_INVALID',
];

/** Alignment in bytes from the attribute bits (PI 1.6 DATA_ALIGNMENT_2 extends the table). */
export function fileAlignment(attributes: number, revision: number): number {
  const idx = (attributes & 0x38) >> 3;
  if (revision > 1 && attributes & FFS_ATTRIB_DATA_ALIGNMENT_2) return 1 << (17 + idx);
  return 1 << [0, 4, 7, 9, 10, 12, 15, 16][idx];
}

export interface FileSystemInfo {
  /** FFSv3 volumes allow EFI_FFS_FILE_HEADER2 (large files). */
  ffsV3: boolean;
  /** The volume's erase byte: 0xFF for polarity 1, 0x00 for 0. */
  emptyByte: number;
  /** Volume header revision (1 = FFSv1-era rules: tail, 0x5A fixed checksum). */
  revision: number;
}

/** The size of the file whose header is at `off`, and its header size; undefined if unreadable. */
export function fileExtent(
  b: Uint8Array,
  off: number,
  fs: FileSystemInfo,
): { size: number; header: number } | undefined {
  if (off + 0x18 > b.length) return undefined;
  const size = b[off + 0x14] | (b[off + 0x15] << 8) | (b[off + 0x16] << 16);
  const attributes = b[off + 0x13];
  if (fs.ffsV3 && attributes & FFS_ATTRIB_LARGE_FILE) {
    if (off + 0x20 > b.length) return undefined;
    const dv = new DataView(b.buffer, b.byteOffset + off + 0x18, 8);
    return { size: dv.getUint32(0, true) + dv.getUint32(4, true) * 0x100000000, header: 0x20 };
  }
  return { size, header: 0x18 };
}

/** Parse one file whose bytes are `raw` (exactly its size) at `offset` in the volume body. */
export async function parseFile(
  parent: FirmwareNode,
  raw: Uint8Array,
  offset: number,
  headerSize: number,
  volumeAbs: number | undefined,
  fs: FileSystemInfo,
  ctx: ParseContext,
): Promise<FirmwareNode> {
  const guid = guidAt(raw, 0);
  const typeCode = raw[0x12];
  const attributes = raw[0x13];
  const stateRaw = raw[0x17];
  const state = fs.emptyByte === 0xff ? ~stateRaw & 0xff : stateRaw;
  const highest = state === 0 ? -1 : 31 - Math.clz32(state);
  const stateName = highest < 0 ? 'EMPTY' : (STATE_NAMES[highest] ?? `state ${hex(state, 2)}`);
  const abs = absAt(volumeAbs, offset);
  const node = child(
    parent,
    {
      kind: 'file',
      type: FILE_TYPES[typeCode] ?? fileTypeRange(typeCode),
      offset,
      raw,
      headerSize,
      guid,
      name: guidName(guid),
      absOffset: abs,
      fields: {
        fileType: typeCode,
        attributes,
        size: raw.length,
        state: stateRaw,
        stateName,
        alignment: fileAlignment(attributes, fs.revision),
        largeFile: headerSize === 0x20,
        headerChecksum: raw[0x10],
        dataChecksum: raw[0x11],
      },
    },
    ctx,
  );
  reportPosition(ctx, node, abs);
  if (stateName === 'DELETED' || stateName === 'HEADER_INVALID') node.fields.deleted = true;

  // Header checksum: the whole header sums to 0 with IntegrityCheck.File and State taken as 0.
  const headerSum = (sum8(raw, 0, headerSize) - raw[0x11] - raw[0x17]) & 0xff;
  node.checks.push({
    name: 'header checksum',
    ok: headerSum === 0,
    detail: headerSum === 0 ? undefined : `header sums to ${hex(headerSum, 2)}`,
  });

  // FFSv1 files may carry a 2-byte tail (~IntegrityCheck) after the data.
  const tail = fs.revision === 1 && attributes & FFS_ATTRIB_LARGE_FILE && !fs.ffsV3 ? 2 : 0;
  const body = raw.subarray(headerSize, raw.length - tail);
  if (attributes & FFS_ATTRIB_CHECKSUM) {
    const total = (sum8(body) + raw[0x11]) & 0xff;
    node.checks.push({
      name: 'data checksum',
      ok: total === 0,
      detail: total === 0 ? undefined : `data and checksum sum to ${hex(total, 2)}`,
    });
  } else {
    const fixed = fs.revision === 1 ? FFS_FIXED_CHECKSUM_REV1 : FFS_FIXED_CHECKSUM;
    const ok = raw[0x11] === fixed || raw[0x11] === FFS_FIXED_CHECKSUM;
    node.checks.push({
      name: 'data checksum',
      ok,
      detail: ok ? undefined : `fixed checksum is ${hex(raw[0x11], 2)}, expected ${hex(fixed, 2)}`,
    });
  }
  if (!node.checks.every((c) => c.ok) && !node.fields.deleted) {
    node.warnings.push(
      node.checks
        .filter((c) => !c.ok)
        .map((c) => `${c.name} failed`)
        .join(', '),
    );
  }

  const bodyAbs = absAt(abs, headerSize);
  try {
    if (typeCode === 0xf0) {
      if (body.length && !allBytes(body, fs.emptyByte)) {
        const pad = child(
          node,
          { kind: 'padding', type: 'data', offset: 0, raw: body, absOffset: bodyAbs },
          ctx,
        );
        pad.warnings.push('pad file holds data');
      }
    } else if (typeCode === 0x01 || typeCode === 0x00) {
      // Raw files are opaque, unless they wrap a volume.
      if (looksLikeVolume(body, 0)) await ctx.parseBody(node, body, bodyAbs);
    } else {
      await parseSections(node, body, bodyAbs, ctx);
    }
  } catch (e) {
    rethrowBudget(e);
    node.children = [];
    node.warnings.push(messageOf(e));
  }
  return node;
}

function fileTypeRange(t: number): string {
  if (t >= 0xc0 && t <= 0xdf) return `OEM ${hex(t, 2)}`;
  if (t >= 0xe0 && t <= 0xef) return `DEBUG ${hex(t, 2)}`;
  if (t >= 0xf1) return `FFS ${hex(t, 2)}`;
  return `type ${hex(t, 2)}`;
}

/** Files start at 8-byte boundaries of the volume. */
export const FILE_ALIGNMENT = 8;
