/**
 * FFS sections (PI vol. 3, EFI_COMMON_SECTION_HEADER and its typed headers): leaf sections
 * keep their bytes, encapsulating ones (compression, GUID-defined, disposable, volume image)
 * get children, decoded when needed.
 */
import { guidAt } from '../bytes/guid';
import { crc32 } from '../bytes/checksum';
import { ByteView } from '../bytes/view';
import { FirmwareError, hex } from '../errors';
import { SECTION_GUIDS, guidName } from '../guids';
import type { DecodedBody, ParseContext } from '../tree/context';
import type { SectionData } from '../tree/data';
import type { FirmwareNode } from '../tree/node';
import {
  COMPRESSION_TYPE,
  GUIDED_SECTION_ATTRIB,
  SECTION_SIZE_IN_HEADER2,
  SECTION_TYPE,
  SECTION_TYPE_NAMES,
} from '../spec';
import * as codecs from './codecs';
import { lzmaDeclaredSize } from '../compress/lzma/decoder';
import { decodeDepex } from './depex';
import {
  absAt,
  align,
  allBytes,
  child,
  inputPosition,
  messageOf,
  opaque,
  rethrowBudget,
} from './nodes';
import { looksLikeVolume } from './volume-header';
import { looksLikeOptionRom } from '../oprom/read';

const LZMA_GUIDS = new Set<string>([
  SECTION_GUIDS.lzma,
  SECTION_GUIDS.lzmaHp,
  SECTION_GUIDS.lzmaMs,
]);

/** Size of one section at `off` (HEADER2 when Size is 0xFFFFFF); undefined when unreadable. */
function sectionExtent(b: Uint8Array, off: number): { size: number; header: number } | undefined {
  if (off + 4 > b.length) return undefined;
  const size = b[off] | (b[off + 1] << 8) | (b[off + 2] << 16);
  if (size === SECTION_SIZE_IN_HEADER2) {
    if (off + 8 > b.length) return undefined;
    const ext = (b[off + 4] | (b[off + 5] << 8) | (b[off + 6] << 16) | (b[off + 7] << 24)) >>> 0;
    return { size: ext, header: 8 };
  }
  return { size, header: 4 };
}

/** Whether `b` reads as a complete stream of sections (used to choose between EFI and Tiano). */
export function looksLikeSections(b: Uint8Array): boolean {
  let off = 0;
  let count = 0;
  while (off < b.length) {
    if (b.length - off < 4) return allBytes(b, 0, off) || allBytes(b, 0xff, off);
    const ext = sectionExtent(b, off);
    if (!ext || ext.size < ext.header || off + ext.size > b.length) return false;
    const type = b[off + 3];
    if (SECTION_TYPE_NAMES[type] === undefined) return false;
    count++;
    off = align(off + ext.size, 4);
  }
  return count > 0;
}

/**
 * Parse the sections in `bytes` (4-byte aligned) under `parent`. Damage ends the walk with an
 * opaque node holding the rest, with a warning.
 */
export async function parseSections(
  parent: FirmwareNode,
  bytes: Uint8Array,
  absOffset: number | undefined,
  ctx: ParseContext,
): Promise<void> {
  let off = 0;
  while (off < bytes.length) {
    const left = bytes.length - off;
    if (left < 4) {
      // Alignment slack at the end of a stream is harmless.
      if (!allBytes(bytes, 0, off) && !allBytes(bytes, 0xff, off)) {
        opaque(parent, bytes, off, absOffset, ctx, 'data', 'data after the last section');
      }
      return;
    }
    const ext = sectionExtent(bytes, off);
    if (!ext || ext.size < ext.header || ext.size > left) {
      const why = !ext
        ? 'a section header is cut short'
        : `section at ${hex(off)} declares size ${hex(ext.size)}, but ${hex(left)} bytes remain`;
      opaque(parent, bytes, off, absOffset, ctx, 'data', why);
      return;
    }
    await parseSection(
      parent,
      bytes.subarray(off, off + ext.size),
      off,
      ext.header,
      absOffset,
      ctx,
    );
    off = align(off + ext.size, 4);
  }
}

async function parseSection(
  parent: FirmwareNode,
  raw: Uint8Array,
  offset: number,
  common: number,
  parentAbs: number | undefined,
  ctx: ParseContext,
): Promise<void> {
  const typeCode = raw[3];
  const typeName = SECTION_TYPE_NAMES[typeCode] ?? `section type ${hex(typeCode, 2)}`;
  const abs = absAt(parentAbs, offset);
  const data: SectionData = { is: 'section', sectionType: typeCode, header2: common === 8 };
  const node = child(
    parent,
    {
      kind: 'section',
      type: typeName,
      offset,
      raw,
      headerSize: common,
      absOffset: abs,
      data,
    },
    ctx,
  );
  try {
    await parseSectionBody(node, data, raw, common, abs, ctx);
  } catch (e) {
    rethrowBudget(e);
    // The section's bytes stay as they are; only its interpretation failed.
    node.children = [];
    node.decoded = undefined;
    node.warnings.push(messageOf(e));
  }
}

async function parseSectionBody(
  node: FirmwareNode,
  data: SectionData,
  raw: Uint8Array,
  common: number,
  abs: number | undefined,
  ctx: ParseContext,
): Promise<void> {
  const v = new ByteView(raw, abs ?? 0);
  const bodyAbs = (h: number) => absAt(abs, h);
  switch (data.sectionType) {
    case SECTION_TYPE.compression: {
      const uncompressed = v.u32(common, 'UncompressedLength');
      const method = v.u8(common + 4, 'CompressionType');
      node.headerSize = common + 5;
      data.uncompressedLength = uncompressed;
      data.compressionType = method;
      const body = raw.subarray(node.headerSize);
      if (method === COMPRESSION_TYPE.none) {
        await parseSections(node, body, bodyAbs(node.headerSize), ctx);
        return;
      }
      if (method !== COMPRESSION_TYPE.standard && method !== COMPRESSION_TYPE.customized) {
        throw new FirmwareError('unsupported', `unknown compression type ${method}`, {
          offset: abs,
        });
      }
      const { out, name } = await decode(ctx, `compression ${method}`, body, () =>
        method === COMPRESSION_TYPE.standard
          ? pickEfiOrTiano(body, ctx)
          : { out: codecs.lzma(body, ctx.budget, decodeProgress(node, body, ctx)), name: 'LZMA' },
      );
      data.compression = name;
      if (out.length !== uncompressed) {
        node.warnings.push(`decompressed ${out.length} bytes, header says ${uncompressed}`);
      }
      node.decoded = { method: name, bytes: out };
      await parseSections(node, out, undefined, ctx);
      return;
    }
    case SECTION_TYPE.guidDefined:
      await parseGuidDefined(node, data, v, raw, common, abs, ctx);
      return;
    case SECTION_TYPE.disposable:
      await parseSections(node, raw.subarray(common), bodyAbs(common), ctx);
      return;
    case SECTION_TYPE.dxeDepex:
    case SECTION_TYPE.peiDepex:
    case SECTION_TYPE.mmDepex:
      node.text = decodeDepex(raw.subarray(common), (abs ?? 0) + common);
      return;
    case SECTION_TYPE.version:
      data.buildNumber = v.u16(common, 'BuildNumber');
      node.text = v.utf16z(common + 2);
      return;
    case SECTION_TYPE.userInterface:
      node.text = v.utf16z(common);
      // The UI names the file it is in, however deeply encapsulated (as UEFITool shows it).
      for (let p = node.parent; p && node.text; p = p.parent) {
        if (p.kind === 'file') {
          p.name = node.text;
          break;
        }
      }
      return;
    case SECTION_TYPE.firmwareVolumeImage:
      await ctx.parseBody(node, raw.subarray(common), bodyAbs(common));
      return;
    case SECTION_TYPE.freeformSubtypeGuid:
      node.guid = guidAt(raw, common);
      data.subtypeGuid = node.guid;
      node.headerSize = common + 16;
      // AMI's CSM option-ROM file keeps each PCI option ROM (legacy VBIOS, EFI GOP) in one.
      if (looksLikeOptionRom(raw, node.headerSize))
        await ctx.parseBody(node, raw.subarray(node.headerSize), bodyAbs(node.headerSize));
      return;
    case SECTION_TYPE.raw: {
      // Raw sections sometimes hold a whole volume (OVMF's PEIFV/DXEFV wrappers, vendors) or a
      // PCI option ROM (vendors' VBIOS files).
      const body = raw.subarray(common);
      if (looksLikeVolume(body, 0) || looksLikeOptionRom(body, 0))
        await ctx.parseBody(node, body, bodyAbs(common));
      return;
    }
    case SECTION_TYPE.insydePostcode:
    case SECTION_TYPE.sctPostcode:
      data.postcode = v.u32(common, 'Postcode');
      return;
    case SECTION_TYPE.pe32:
    case SECTION_TYPE.pic:
    case SECTION_TYPE.te:
    case SECTION_TYPE.compatibility16:
      return;
    default:
      node.warnings.push(`unknown section type ${hex(data.sectionType, 2)}`);
  }
}

/** Two 32-bit FNV-1a hashes (different offsets) of `b`, as one key part. */
function hashOf(b: Uint8Array): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ b.length;
  for (let i = 0; i < b.length; i++) {
    h1 = Math.imul(h1 ^ b[i], 0x01000193);
    h2 = Math.imul(h2 ^ b[i], 0x5bd1e995);
  }
  return `${(h1 >>> 0).toString(36)}.${(h2 >>> 0).toString(36)}`;
}

/** Run a decoder, or take its output from the context's cache (the budget is charged either way). */
async function decode(
  ctx: ParseContext,
  kind: string,
  input: Uint8Array,
  f: () => DecodedBody | Promise<DecodedBody>,
): Promise<DecodedBody> {
  const cache = ctx.decodeCache;
  if (!cache) return f();
  const key = `${kind}:${input.length}:${hashOf(input)}`;
  const hit = cache.get(key);
  if (hit) {
    ctx.budget.takeDecompressed(hit.out.length);
    return hit;
  }
  const r = await f();
  cache.set(key, r);
  return r;
}

/**
 * Progress through a long LZMA decode, as a position in the input: the share of the declared
 * output done, applied to the first half of the encoded bytes of `node` (inputPosition gives
 * the second half to parsing the output). Undefined when nobody listens.
 */
function decodeProgress(
  node: FirmwareNode,
  body: Uint8Array,
  ctx: ParseContext,
): ((outBytes: number) => void) | undefined {
  const report = ctx.progress;
  const start = report && inputPosition(node);
  if (!report || start === undefined) return undefined;
  const declared = lzmaDeclaredSize(body);
  const total = declared > 0 ? declared : body.length * 4;
  const first = start + node.raw.length - body.length;
  return (out) => report(first + Math.floor((Math.min(1, out / total) * body.length) / 2));
}

/**
 * EFI 1.1 and Tiano share a header: decode both and keep the variant whose output is a section
 * stream (as UEFITool does), else the one that decoded at all. Only the kept output is charged
 * to the budget.
 */
function pickEfiOrTiano(body: Uint8Array, ctx: ParseContext): { out: Uint8Array; name: string } {
  let fallback: { out: Uint8Array; name: string } | undefined;
  let firstError: unknown;
  const room = ctx.budget.limits.maxDecompressed - ctx.budget.decompressed;
  const keep = (r: { out: Uint8Array; name: string }) => {
    ctx.budget.takeDecompressed(r.out.length);
    return r;
  };
  for (const variant of ['tiano', 'efi'] as const) {
    try {
      const out = codecs.efiOrTiano(body, variant, room);
      const name = variant === 'efi' ? 'EFI 1.1' : 'Tiano';
      if (looksLikeSections(out)) return keep({ out, name });
      fallback ??= { out, name };
    } catch (e) {
      rethrowBudget(e);
      firstError ??= e;
    }
  }
  if (fallback) return keep(fallback);
  throw firstError instanceof FirmwareError
    ? firstError
    : new FirmwareError('decompress', 'neither EFI 1.1 nor Tiano decoding worked');
}

async function parseGuidDefined(
  node: FirmwareNode,
  data: SectionData,
  v: ByteView,
  raw: Uint8Array,
  common: number,
  abs: number | undefined,
  ctx: ParseContext,
): Promise<void> {
  const guid = guidAt(raw, common);
  const dataOffset = v.u16(common + 16, 'DataOffset');
  const attributes = v.u16(common + 18, 'Attributes');
  node.guid = guid;
  node.name = guidName(guid);
  data.definitionGuid = guid;
  data.dataOffset = dataOffset;
  data.attributes = attributes;
  if (dataOffset < common + 20 || dataOffset > raw.length) {
    throw new FirmwareError(
      'bad-format',
      `GUID-defined section DataOffset ${hex(dataOffset)} is out of range`,
      {
        offset: abs,
      },
    );
  }
  node.headerSize = dataOffset;
  const body = raw.subarray(dataOffset);
  const bodyAbs = absAt(abs, dataOffset);
  const decodeWith = async (method: string, f: () => Uint8Array | Promise<Uint8Array>) => {
    const { out } = await decode(ctx, method, body, async () => ({ out: await f(), name: method }));
    node.decoded = { method, bytes: out };
    await parseSections(node, out, undefined, ctx);
  };

  const progress = decodeProgress(node, body, ctx);
  if (LZMA_GUIDS.has(guid))
    return decodeWith('LZMA', () => codecs.lzma(body, ctx.budget, progress));
  if (guid === SECTION_GUIDS.lzmaF86)
    return decodeWith('LZMA-F86', () => codecs.lzmaF86(body, ctx.budget, progress));
  if (guid === SECTION_GUIDS.tiano) {
    const { out, name } = await decode(ctx, 'Tiano GUID', body, () => pickEfiOrTiano(body, ctx));
    node.decoded = { method: name, bytes: out };
    await parseSections(node, out, undefined, ctx);
    return;
  }
  if (guid === SECTION_GUIDS.brotli)
    return decodeWith('Brotli', () => codecs.brotliSection(body, ctx.budget));
  if (guid === SECTION_GUIDS.gzip)
    return decodeWith('GZip', () => codecs.gzipSection(body, ctx.budget));
  if (guid === SECTION_GUIDS.amdZlib || guid === SECTION_GUIDS.amdZlib2)
    return decodeWith('AMD zlib', () => codecs.amdZlibSection(body, ctx.budget));
  if (guid === SECTION_GUIDS.crc32) {
    const stored = v.u32(common + 20, 'CRC32');
    const actual = crc32(body);
    node.checks.push({
      name: 'CRC32',
      ok: stored === actual,
      detail:
        stored === actual ? undefined : `stored ${hex(stored, 8)}, computed ${hex(actual, 8)}`,
    });
    if ((attributes & GUIDED_SECTION_ATTRIB.authStatusValid) === 0)
      node.warnings.push('CRC32 section without AUTH_STATUS_VALID');
    await parseSections(node, body, bodyAbs, ctx);
    return;
  }
  if (guid === SECTION_GUIDS.signed) {
    // WIN_CERTIFICATE first (dwLength covers it), then the signed sections.
    const certLength = new ByteView(body, bodyAbs ?? 0).u32(0, 'WIN_CERTIFICATE length');
    if (certLength < 8 || certLength > body.length) {
      throw new FirmwareError(
        'bad-format',
        `certificate length ${hex(certLength)} is out of range`,
        {
          offset: bodyAbs,
        },
      );
    }
    data.certificateLength = certLength;
    node.decoded = { method: 'signed', bytes: body.subarray(certLength) };
    await parseSections(node, node.decoded.bytes, absAt(bodyAbs, certLength), ctx);
    return;
  }
  if (
    guid === SECTION_GUIDS.rsa2048Sha256 ||
    (attributes & GUIDED_SECTION_ATTRIB.processingRequired) === 0
  ) {
    // The body is plain sections (a signature block, if any, sits before DataOffset).
    if (looksLikeSections(body)) await parseSections(node, body, bodyAbs, ctx);
    else if (body.length) opaque(node, body, 0, bodyAbs, ctx, 'data');
    return;
  }
  opaque(node, body, 0, bodyAbs, ctx, 'data', `unknown GUID-defined section encoding ${guid}`);
}
