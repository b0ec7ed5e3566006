/**
 * Firmware volumes (PI vol. 3, EFI_FIRMWARE_VOLUME_HEADER): header, ext header, block map,
 * then the files of FFSv2/FFSv3 file systems and the free space after them. Other file
 * systems (NVRAM stores, …) keep their body as one opaque node.
 */
import { FirmwareError, hex } from '../errors';
import { FFS2_GUIDS, FFS3_GUID, NVRAM_GUIDS, guidName } from '../guids';
import { erasedByte, FVB2 } from '../spec';
import type { ParseContext } from '../tree/context';
import type { VolumeData } from '../tree/data';
import { makeNode, type FirmwareNode } from '../tree/node';
import { FILE_ALIGNMENT, fileExtent, parseFile, type FileSystemInfo } from './ffs-file';
import { absAt, align, allBytes, child, depthOf, opaque, reportPosition } from './nodes';
import { checkVolumeHeader, looksLikeVolume } from './volume-header';

export { looksLikeVolume };

function fileSystemName(fsGuid: string): VolumeData['fileSystem'] {
  if (fsGuid === FFS3_GUID) return 'FFSv3';
  if (FFS2_GUIDS.includes(fsGuid)) return 'FFSv2';
  if (NVRAM_GUIDS.includes(fsGuid)) return 'NVRAM';
  return 'unknown';
}

/**
 * Parse the volume at `offset` of `bytes` into a node (not attached: the caller adds it).
 * A volume longer than the data is parsed as far as it goes, with a warning.
 */
export async function parseVolume(
  bytes: Uint8Array,
  offset: number,
  absOffset: number | undefined,
  ctx: ParseContext,
  parent?: FirmwareNode,
): Promise<FirmwareNode> {
  const abs = absAt(absOffset, offset);
  const check = checkVolumeHeader(bytes, offset, abs ?? 0);
  if (check.verdict === 'unusable') throw check.error;
  if (check.verdict === 'none') {
    throw new FirmwareError('bad-format', 'no firmware volume header here', { offset: abs });
  }
  const h = check.header;
  const available = bytes.length - offset;
  const length = Math.min(h.fvLength, available);
  const raw = bytes.subarray(offset, offset + length);
  const fs = fileSystemName(h.fileSystemGuid);
  const erasePolarity = (h.attributes & FVB2.erasePolarity) !== 0;
  const guid = h.fvName ?? h.fileSystemGuid;
  const data: VolumeData = {
    is: 'volume',
    fileSystemGuid: h.fileSystemGuid,
    fileSystem: fs,
    fvLength: h.fvLength,
    attributes: h.attributes,
    erasePolarity,
    headerLength: h.headerLength,
    checksum: h.checksum,
    extHeaderOffset: h.extHeaderOffset,
    revision: h.revision,
    blockMap: h.blockMap,
    fvName: h.fvName,
    alignment:
      h.revision > 1
        ? 2 ** ((h.attributes & FVB2.alignmentMask) >> FVB2.alignmentShift)
        : undefined,
  };
  const node = makeNode({
    kind: 'volume',
    type: fs === 'unknown' ? 'volume' : `${fs} volume`,
    offset,
    raw,
    headerSize: Math.min(h.dataOffset, length),
    guid,
    name: guidName(guid),
    absOffset: abs,
    data,
  });
  // Linked upwards (not yet attached: the caller adds it) so nested nodes know their depth.
  node.parent = parent;
  ctx.budget.takeNode({ offset: abs });
  ctx.budget.checkDepth(parent ? depthOf(node) : ctx.depth, { offset: abs });
  reportPosition(ctx, node, abs);

  const sum = check.headerSum;
  node.checks.push({
    name: 'header checksum',
    ok: sum === 0,
    detail: sum === 0 ? undefined : `header sums to ${hex(sum, 4)}`,
  });
  node.warnings.push(...check.warnings);
  if (h.dataOffset > length) return node;

  const body = raw.subarray(node.headerSize);
  const bodyAbs = absAt(abs, node.headerSize);
  if (fs === 'FFSv2' || fs === 'FFSv3') {
    const info: FileSystemInfo = {
      ffsV3: fs === 'FFSv3',
      emptyByte: erasedByte(erasePolarity),
      revision: h.revision,
    };
    await parseFiles(node, body, bodyAbs, info, ctx);
  } else if (body.length) {
    opaque(node, body, 0, bodyAbs, ctx, fs === 'NVRAM' ? 'NVRAM' : 'data');
  }
  return node;
}

/** Walk the files of a volume body; empty bytes end it as free space. */
async function parseFiles(
  volume: FirmwareNode,
  body: Uint8Array,
  bodyAbs: number | undefined,
  fs: FileSystemInfo,
  ctx: ParseContext,
): Promise<void> {
  let off = 0;
  while (off < body.length) {
    const left = body.length - off;
    const headerEmpty = allBytes(body, fs.emptyByte, off, Math.min(body.length, off + 0x18));
    if (headerEmpty) {
      addFreeSpace(volume, body, off, bodyAbs, fs, ctx);
      return;
    }
    const ext = fileExtent(body, off, fs);
    if (!ext || ext.size < ext.header || ext.size > left) {
      const why = !ext
        ? `a file header is cut short at ${hex(off)}`
        : `file at ${hex(off)} declares size ${hex(ext.size)}, but ${hex(left)} bytes remain`;
      const pad = child(
        volume,
        {
          kind: 'padding',
          type: 'data',
          offset: off,
          raw: body.subarray(off),
          absOffset: absAt(bodyAbs, off),
        },
        ctx,
      );
      pad.warnings.push(why);
      return;
    }
    await parseFile(volume, body.subarray(off, off + ext.size), off, ext.header, bodyAbs, fs, ctx);
    const next = align(off + ext.size, FILE_ALIGNMENT);
    // Alignment slack after the last file is part of the volume, not a file.
    if (next > body.length) return;
    off = next;
  }
}

function addFreeSpace(
  volume: FirmwareNode,
  body: Uint8Array,
  off: number,
  bodyAbs: number | undefined,
  fs: FileSystemInfo,
  ctx: ParseContext,
): void {
  let end = off;
  while (end < body.length && body[end] === fs.emptyByte) end++;
  child(
    volume,
    {
      kind: 'free-space',
      type: 'free space',
      offset: off,
      raw: body.subarray(off, end),
      absOffset: absAt(bodyAbs, off),
    },
    ctx,
  );
  if (end < body.length) {
    const pad = child(
      volume,
      {
        kind: 'padding',
        type: 'data',
        offset: end,
        raw: body.subarray(end),
        absOffset: absAt(bodyAbs, end),
      },
      ctx,
    );
    pad.warnings.push(`${hex(body.length - end)} bytes of data after the free space`);
  }
}
