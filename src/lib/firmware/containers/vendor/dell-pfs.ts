/**
 * Dell PFS update packages, as platomav/BIOSUtilities (Dell PFS Extract) documents them:
 * a 'PFS.HDR.' header (tag, u32 version, u32 payload size), entries, a 'PFS.FTR.' footer.
 * Dell's .exe updaters hold the PFS as a zlib stream behind a 16-byte section header
 * (u32 compressed size, a type byte, a 10-byte magic, an XOR-8 checksum).
 */
import { guidAt } from '../../bytes/guid';
import { ByteView } from '../../bytes/view';
import { inflate } from '../../compress/zlib';
import { FirmwareError } from '../../errors';
import type { DellPfsEntryData, DellZlibData } from '../../tree/data';
import { addChild, makeNode, NO_DATA, type FirmwareNode } from '../../tree/node';
import type { ParseContext } from '../../tree/context';
import type { FirmwareFormat, KindGuess } from '../format';
import { absAt, asciiAt, hex, indexOfBytes } from '../util';
import { assembleBlocks, readBgBlock } from './bios-guard';

export const PFS_HEADER_TAG = 'PFS.HDR.';
const PFS_FOOTER_TAG = 'PFS.FTR.';
/** The magic inside Dell's zlib section header (BIOSUtilities PAT_DELL_HDR), before '?? 78 9C'. */
export const DELL_ZLIB_MAGIC = [
  0xee, 0xaa, 0x76, 0x1b, 0xec, 0xbb, 0x20, 0xf1, 0xe6, 0x51,
] as const;

const TOOL =
  'use BIOSUtilities "Dell PFS Update Extractor" (dell_pfs_extract) to unpack it, then open the BIOS image it writes';

/** Offset of a Dell zlib-compressed PFS section header's magic, or -1. */
export function findDellZlib(bytes: Uint8Array, from = 0): number {
  let i = indexOfBytes(bytes, DELL_ZLIB_MAGIC, from);
  while (i >= 0) {
    if (i >= 5 && i + 12 < bytes.length && bytes[i + 11] === 0x78 && bytes[i + 12] === 0x9c)
      return i;
    i = indexOfBytes(bytes, DELL_ZLIB_MAGIC, i + 1);
  }
  return -1;
}

export async function openDellPfs(
  parent: FirmwareNode,
  bytes: Uint8Array,
  base: number,
  abs: number | undefined,
  ctx: ParseContext,
): Promise<boolean> {
  if (asciiAt(bytes, 0, PFS_HEADER_TAG)) {
    await openPfs(parent, bytes, base, abs, ctx);
    return true;
  }
  if (asciiAt(bytes, 0, 'MZ')) {
    const first = findDellZlib(bytes);
    if (first < 0) return false;
    ctx.budget.takeNode({ offset: abs });
    const pkg = addChild(
      parent,
      makeNode({
        kind: 'capsule',
        type: 'Dell update executable',
        offset: base,
        raw: bytes,
        absOffset: abs,
        data: NO_DATA,
      }),
    );
    let sections = 0;
    for (let m = first; m >= 0; m = findDellZlib(bytes, m + 1)) {
      const at = m - 5;
      const size = new ByteView(bytes, abs ?? 0).u32(at, 'Dell zlib section size');
      if (at + 0x10 + size > bytes.length) {
        pkg.warnings.push(
          `Dell zlib section at ${hex(at)} declares ${hex(size)} bytes, past the end of the file`,
        );
        continue;
      }
      if (await openZlibSection(pkg, bytes.subarray(at, at + 0x10 + size), at, absAt(abs, at), ctx))
        sections++;
    }
    if (!sections) {
      throw new FirmwareError(
        'unsupported',
        `this Dell PFS update package holds no PFS section this reader can open; ${TOOL}`,
        {
          offset: absAt(abs, first - 5),
        },
      );
    }
    return true;
  }
  return false;
}

/** A 16-byte Dell section header, then a zlib stream that inflates to a PFS. */
async function openZlibSection(
  parent: FirmwareNode,
  raw: Uint8Array,
  offset: number,
  abs: number | undefined,
  ctx: ParseContext,
): Promise<boolean> {
  ctx.budget.takeNode({ offset: abs });
  const zlib: DellZlibData = { is: 'dell-zlib', compressedSize: raw.length - 0x10 };
  const node = addChild(
    parent,
    makeNode({
      kind: 'capsule',
      type: 'Dell zlib section',
      offset,
      raw,
      headerSize: 0x10,
      data: zlib,
      absOffset: abs,
    }),
  );
  let xor = 0;
  for (let i = 0; i < 0x0f; i++) xor ^= raw[i];
  if (xor !== raw[0x0f]) node.warnings.push('the section header checksum does not match');
  const room = ctx.budget.limits.maxDecompressed - ctx.budget.decompressed;
  let pfs: Uint8Array;
  try {
    pfs = await inflate(raw.subarray(0x10), 'deflate', Math.min(room, 512 << 20));
  } catch (e) {
    if (e instanceof FirmwareError && e.code !== 'decompress') throw e;
    node.warnings.push(`zlib data does not inflate: ${e instanceof Error ? e.message : String(e)}`);
    return false;
  }
  ctx.budget.takeDecompressed(pfs.length, { offset: abs });
  node.decoded = { method: 'zlib', bytes: pfs };
  zlib.size = pfs.length;
  if (!asciiAt(pfs, 0, PFS_HEADER_TAG)) {
    node.warnings.push('the section does not inflate to a PFS');
    return false;
  }
  await openPfs(node, pfs, 0, undefined, ctx);
  return true;
}

/** One PFS: header, entries (each: header, data, data signature, metadata, metadata signature), footer. */
async function openPfs(
  parent: FirmwareNode,
  bytes: Uint8Array,
  base: number,
  abs: number | undefined,
  ctx: ParseContext,
): Promise<void> {
  const v = new ByteView(bytes, abs ?? 0);
  const version = v.u32(8, 'PFS HeaderVersion');
  const payloadSize = v.u32(12, 'PFS PayloadSize');
  const end = 0x10 + payloadSize;
  if (end + 0x10 > bytes.length) {
    throw new FirmwareError(
      'truncated',
      `Dell PFS payload of ${hex(payloadSize)} bytes runs past the end of the data`,
      {
        offset: absAt(abs, 12),
      },
    );
  }
  ctx.budget.takeNode({ offset: abs });
  const node = addChild(
    parent,
    makeNode({
      kind: 'capsule',
      type: 'Dell PFS package',
      offset: base,
      raw: bytes.subarray(0, end + 0x10),
      headerSize: 0x10,
      data: { is: 'dell-pfs', headerVersion: version, payloadSize },
      absOffset: abs,
    }),
  );
  if (!asciiAt(bytes, end + 8, PFS_FOOTER_TAG)) node.warnings.push('the PFS footer tag is missing');
  else if (v.u32(end) !== payloadSize)
    node.warnings.push('the PFS footer payload size differs from the header');

  // A PFS whose entries are Intel BIOS Guard blocks (platform ID "DELL…") carries the BIOS in
  // pieces that the update writes to flash by offset; put them back together first.
  const firstData = end - 0x10 >= 0x48 ? 0x10 + (v.u32(0x20) === 2 ? 0x58 : 0x48) : -1;
  const pfat = readBgBlock(bytes, firstData)?.platformId.toUpperCase().startsWith('DELL') ?? false;
  const blocks: { offset: number; data: Uint8Array }[] = [];

  let at = 0x10;
  let index = 0;
  while (at < end) {
    if (end - at < 0x48) {
      node.warnings.push(`${end - at} stray bytes at the end of the PFS payload`);
      break;
    }
    const entryVersion = v.u32(at + 0x10, 'PFS entry HeaderVersion');
    // Revision 1 entries are 0x48 bytes; revision 2 adds four more reserved u32s.
    const headerSize = entryVersion === 1 ? 0x48 : entryVersion === 2 ? 0x58 : 0;
    if (!headerSize) {
      throw new FirmwareError(
        'unsupported',
        `Dell PFS entry header version ${entryVersion} is not known to this reader; ${TOOL}`,
        { offset: absAt(abs, at + 0x10) },
      );
    }
    const guid = guidAt(bytes, at);
    const versionParts: string[] = [];
    for (let i = 0; i < 4; i++) {
      const t = v.u8(at + 0x14 + i);
      const n = v.u16(at + 0x18 + i * 2);
      // 'N' parts print in decimal, 'A' (and unknown) parts in hex; 0x00/' ' are unused.
      if (t === 0x4e) versionParts.push(String(n));
      else if (t !== 0 && t !== 0x20) versionParts.push(n.toString(16).toUpperCase());
    }
    const dataSize = v.u32(at + 0x28, 'DataSize');
    const sigSize = v.u32(at + 0x2c, 'DataSigSize');
    const metSize = v.u32(at + 0x30, 'DataMetSize');
    const metSigSize = v.u32(at + 0x34, 'DataMetSigSize');
    const total = headerSize + dataSize + sigSize + metSize + metSigSize;
    if (at + total > end) {
      throw new FirmwareError(
        'bad-format',
        `Dell PFS entry ${index} (${hex(total)} bytes) runs past the PFS payload`,
        {
          offset: absAt(abs, at),
        },
      );
    }
    const entryData: DellPfsEntryData = {
      is: 'dell-pfs-entry',
      headerVersion: entryVersion,
      version: versionParts.join('.'),
      dataSize,
      signatureSize: sigSize,
      metadataSize: metSize,
      metadataSignatureSize: metSigSize,
    };
    ctx.budget.takeNode({ offset: absAt(abs, at) });
    const entry = addChild(
      node,
      makeNode({
        kind: 'capsule',
        type: 'Dell PFS entry',
        guid,
        offset: at - 0x10,
        raw: bytes.subarray(at, at + total),
        headerSize,
        data: entryData,
        absOffset: absAt(abs, at),
      }),
    );
    const data = bytes.subarray(at + headerSize, at + headerSize + dataSize);
    const dataAbs = absAt(abs, at + headerSize);
    const block = pfat ? readBgBlock(data, 0) : undefined;
    if (pfat && !block) entry.warnings.push('not an Intel BIOS Guard block like the others');
    if (block) {
      // The metadata (u32 address, u32, u32 offset, …) names the flash offset; else the script.
      const metAt = at + headerSize + dataSize + sigSize;
      const offset = metSize >= 0x19 ? v.u32(metAt + 8) : block.flashOffset;
      entryData.biosGuard = { flashOffset: offset, platform: block.platformId };
      blocks.push({ offset, data: block.data });
    } else if (asciiAt(data, 0, PFS_HEADER_TAG)) await openPfs(entry, data, 0, dataAbs, ctx);
    else if (findDellZlib(data) === 5) {
      const size = new ByteView(data, dataAbs ?? 0).u32(0, 'Dell zlib section size');
      await openZlibSection(
        entry,
        data.subarray(0, Math.min(data.length, 0x10 + size)),
        0,
        dataAbs,
        ctx,
      );
    } else if (data.length) await ctx.parseBody(entry, data, dataAbs);
    at += total;
    index++;
  }
  if (blocks.length) await openBiosGuardImage(node, bytes.subarray(0x10, end), blocks, ctx);
}

/** The BIOS a Dell BIOS Guard PFS writes, assembled from its blocks, as a decoded child. */
async function openBiosGuardImage(
  pfs: FirmwareNode,
  payload: Uint8Array,
  blocks: { offset: number; data: Uint8Array }[],
  ctx: ParseContext,
): Promise<void> {
  const image = assembleBlocks(blocks);
  if (!image) {
    pfs.warnings.push('the BIOS Guard blocks overlap or lie beyond any flash part; not assembled');
    return;
  }
  ctx.budget.takeDecompressed(image.length, { offset: pfs.absOffset });
  ctx.budget.takeNode({ offset: pfs.absOffset });
  const node = addChild(
    pfs,
    makeNode({
      kind: 'capsule',
      type: 'Dell BIOS Guard image',
      offset: 0,
      raw: payload,
      data: { is: 'bios-guard', blocks: blocks.length, size: image.length },
    }),
  );
  node.decoded = { method: 'BIOS Guard blocks', bytes: image };
  await ctx.parseBody(node, image, undefined);
}

/** A PFS at 0, or a Dell executable holding zlib-compressed PFS sections. */
function probeDellPfs(b: Uint8Array): KindGuess | undefined {
  if (asciiAt(b, 0, PFS_HEADER_TAG))
    return { kind: 'dell-pfs', label: 'Dell PFS update package', offset: 0 };
  if (!asciiAt(b, 0, 'MZ')) return undefined;
  const z = findDellZlib(b);
  if (z < 0) return undefined;
  return { kind: 'dell-pfs', label: 'Dell BIOS update executable (PFS)', offset: z - 5 };
}

export const dellPfsFormat: FirmwareFormat = {
  name: 'dell-pfs',
  probe: probeDellPfs,
  open: openDellPfs,
};
