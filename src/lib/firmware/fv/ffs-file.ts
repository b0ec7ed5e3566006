/**
 * FFS files (PI vol. 3, EFI_FFS_FILE_HEADER / HEADER2): header fields, both integrity checks,
 * state bits (inverted under erase polarity 1), and the body as sections or raw data.
 */
import { guidAt } from '../bytes/guid';
import { sum8 } from '../bytes/checksum';
import { hex } from '../errors';
import { guidName } from '../guids';
import type { ParseContext } from '../tree/context';
import type { FileData } from '../tree/data';
import type { FirmwareNode } from '../tree/node';
import {
  FFS_ATTRIB,
  FFS_FIXED_CHECKSUM,
  FFS_FIXED_CHECKSUM_REV1,
  FILE_HEADER2_SIZE,
  FILE_HEADER_SIZE,
  FILE_STATE,
  FILE_TYPE,
  FILE_TYPE_NAMES,
  FILE_TYPE_RANGES,
} from '../spec';
import { absAt, allBytes, child, messageOf, reportPosition, rethrowBudget } from './nodes';
import { looksLikeVolume } from './volume-header';
import { looksLikeOptionRom } from '../oprom/read';
import { parseSections } from './section';

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
  const idx = (attributes & FFS_ATTRIB.dataAlignmentMask) >> FFS_ATTRIB.dataAlignmentShift;
  if (revision > 1 && attributes & FFS_ATTRIB.dataAlignment2) return 1 << (17 + idx);
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
  if (off + FILE_HEADER_SIZE > b.length) return undefined;
  const size = b[off + 0x14] | (b[off + 0x15] << 8) | (b[off + 0x16] << 16);
  const attributes = b[off + 0x13];
  if (fs.ffsV3 && attributes & FFS_ATTRIB.largeFile) {
    if (off + FILE_HEADER2_SIZE > b.length) return undefined;
    const dv = new DataView(b.buffer, b.byteOffset + off + 0x18, 8);
    return {
      size: dv.getUint32(0, true) + dv.getUint32(4, true) * 0x100000000,
      header: FILE_HEADER2_SIZE,
    };
  }
  return { size, header: FILE_HEADER_SIZE };
}

/** What a file header says; `raw` starts with the header (`headerSize` bytes). */
export function readFileData(raw: Uint8Array, headerSize: number, fs: FileSystemInfo): FileData {
  const attributes = raw[0x13];
  const stateRaw = raw[0x17];
  const state = fs.emptyByte === 0xff ? ~stateRaw & 0xff : stateRaw;
  const highest = state === 0 ? -1 : 31 - Math.clz32(state);
  const stateName = highest < 0 ? 'EMPTY' : (STATE_NAMES[highest] ?? `state ${hex(state, 2)}`);
  const top = highest < 0 ? 0 : 1 << highest;
  return {
    is: 'file',
    fileType: raw[0x12],
    attributes,
    state: stateRaw,
    stateName,
    deleted: top === FILE_STATE.deleted || top === FILE_STATE.headerInvalid,
    alignment: fileAlignment(attributes, fs.revision),
    largeFile: headerSize === FILE_HEADER2_SIZE,
    headerChecksum: raw[0x10],
    dataChecksum: raw[0x11],
  };
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
  const data = readFileData(raw, headerSize, fs);
  const { fileType, attributes } = data;
  const abs = absAt(volumeAbs, offset);
  const node = child(
    parent,
    {
      kind: 'file',
      type: FILE_TYPE_NAMES[fileType] ?? fileTypeRange(fileType),
      offset,
      raw,
      headerSize,
      guid,
      name: guidName(guid),
      absOffset: abs,
      data,
    },
    ctx,
  );
  reportPosition(ctx, node, abs);

  // Header checksum: the whole header sums to 0 with IntegrityCheck.File and State taken as 0.
  const headerSum = (sum8(raw, 0, headerSize) - raw[0x11] - raw[0x17]) & 0xff;
  node.checks.push({
    name: 'header checksum',
    ok: headerSum === 0,
    detail: headerSum === 0 ? undefined : `header sums to ${hex(headerSum, 2)}`,
  });

  // FFSv1 files may carry a 2-byte tail (~IntegrityCheck) after the data.
  const tail = fs.revision === 1 && attributes & FFS_ATTRIB.largeFile && !fs.ffsV3 ? 2 : 0;
  const body = raw.subarray(headerSize, raw.length - tail);
  if (attributes & FFS_ATTRIB.checksum) {
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
  if (!node.checks.every((c) => c.ok) && !data.deleted) {
    node.warnings.push(
      node.checks
        .filter((c) => !c.ok)
        .map((c) => `${c.name} failed`)
        .join(', '),
    );
  }

  const bodyAbs = absAt(abs, headerSize);
  try {
    if (fileType === FILE_TYPE.pad) {
      if (body.length && !allBytes(body, fs.emptyByte)) {
        const pad = child(
          node,
          { kind: 'padding', type: 'data', offset: 0, raw: body, absOffset: bodyAbs },
          ctx,
        );
        pad.warnings.push('pad file holds data');
      }
    } else if (fileType === FILE_TYPE.raw || fileType === FILE_TYPE.all) {
      // Raw files are opaque, unless they wrap a volume or a PCI option ROM (a VBIOS).
      if (looksLikeVolume(body, 0) || looksLikeOptionRom(body, 0))
        await ctx.parseBody(node, body, bodyAbs);
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
  const within = ([lo, hi]: readonly [number, number]) => t >= lo && t <= hi;
  if (within(FILE_TYPE_RANGES.oem)) return `OEM ${hex(t, 2)}`;
  if (within(FILE_TYPE_RANGES.debug)) return `DEBUG ${hex(t, 2)}`;
  if (within(FILE_TYPE_RANGES.ffs)) return `FFS ${hex(t, 2)}`;
  return `type ${hex(t, 2)}`;
}

/** Files start at 8-byte boundaries of the volume. */
export const FILE_ALIGNMENT = 8;
