/** Small helpers shared by the container parsers. */
import { allBytes } from '../bytes/compare';
import { absAt } from '../bytes/offsets';
import { ByteView } from '../bytes/view';
import { FirmwareError } from '../errors';
import { gopInfo, gopLabel } from '../gop/gop-info';
import { identifyGop } from '../gop/identify';
import { gopProvenance } from '../gop/provenance';
import { readPe, type PeInfo as PeHeaders } from '../pe/headers';
import type { PeData, VbtData } from '../tree/data';
import { addChild, childSource, makeNode, type FirmwareNode } from '../tree/node';
import type { ParseContext } from '../tree/context';

/**
 * Where `bytes` starts inside the parent's body, so child offsets stay relative to that body
 * even when the caller handed us a sub-range of it; 0 when `bytes` is not part of it.
 */
export function baseInParent(parent: FirmwareNode, bytes: Uint8Array): number {
  const src = childSource(parent);
  if (src.buffer !== bytes.buffer) return 0;
  const d = bytes.byteOffset - src.byteOffset;
  return d >= 0 && d + bytes.length <= src.length ? d : 0;
}

export { absAt } from '../bytes/offsets';
export { allBytes } from '../bytes/compare';

export function asciiAt(b: Uint8Array, offset: number, text: string): boolean {
  if (offset < 0 || offset + text.length > b.length) return false;
  for (let i = 0; i < text.length; i++) if (b[offset + i] !== text.charCodeAt(i)) return false;
  return true;
}

/**
 * First index of an ASCII marker at or after `from` (ending by `limit`), or -1. The first
 * character is found with the native `indexOf`, which is far quicker than a loop over every byte.
 */
export function indexOfAscii(b: Uint8Array, text: string, from = 0, limit = b.length): number {
  const first = text.charCodeAt(0);
  const end = Math.min(limit, b.length) - text.length;
  for (let i = b.indexOf(first, Math.max(0, from)); i >= 0 && i <= end; i = b.indexOf(first, i + 1))
    if (asciiAt(b, i, text)) return i;
  return -1;
}

/** First index of `pat` at or after `from`, or -1 (its first byte found natively, as above). */
export function indexOfBytes(b: Uint8Array, pat: readonly number[], from = 0): number {
  const end = b.length - pat.length;
  outer: for (
    let i = b.indexOf(pat[0], Math.max(0, from));
    i >= 0 && i <= end;
    i = b.indexOf(pat[0], i + 1)
  ) {
    for (let j = 1; j < pat.length; j++) if (b[i + j] !== pat[j]) continue outer;
    return i;
  }
  return -1;
}

export interface PeInfo {
  /** 'PE32 image', 'PE32+ image', 'TE image' or 'PE image' when the headers are damaged. */
  type: string;
  machine?: number;
  subsystem?: number;
  problem?: string;
}

/** Reads just enough of an MZ/PE or TE header to name the image. */
export function peInfo(b: Uint8Array): PeInfo {
  const v = new ByteView(b);
  try {
    if (asciiAt(b, 0, 'VZ')) {
      return { type: 'TE image', machine: v.u16(2), subsystem: v.u8(5) };
    }
    if (!asciiAt(b, 0, 'MZ')) return { type: 'PE image', problem: 'no MZ signature' };
    const pe = v.u32(0x3c, 'e_lfanew');
    if (!asciiAt(b, pe, 'PE\0\0')) return { type: 'PE image', problem: 'no PE signature' };
    const machine = v.u16(pe + 4, 'Machine');
    const magic = v.u16(pe + 0x18, 'optional header magic');
    const subsystem = v.u16(pe + 0x18 + 0x44, 'Subsystem');
    const type = magic === 0x20b ? 'PE32+ image' : magic === 0x10b ? 'PE32 image' : 'PE image';
    return { type, machine, subsystem };
  } catch (e) {
    if (e instanceof FirmwareError) return { type: 'PE image', problem: e.message };
    throw e;
  }
}

/** A 'pe' node for a whole PE/TE image held in `raw`, with the header details people check. */
export function peNode(
  raw: Uint8Array,
  offset: number,
  absOffset: number | undefined,
): FirmwareNode {
  const info = peInfo(raw);
  const data: PeData = { is: 'pe', machine: info.machine, subsystem: info.subsystem };
  const node = makeNode({ kind: 'pe', type: info.type, offset, raw, absOffset, data });
  if (info.problem) {
    node.warnings.push(`PE headers unreadable: ${info.problem}`);
    return node;
  }
  let pe: PeHeaders;
  try {
    pe = readPe(raw);
  } catch (e) {
    if (!(e instanceof FirmwareError)) throw e;
    node.warnings.push(`PE headers inconsistent: ${e.message}`);
    return node;
  }
  data.headers = {
    format: pe.format,
    machineName: pe.machineName,
    subsystemName: pe.subsystemName,
    entryPoint: pe.entryPoint,
    imageBase: pe.imageBase,
    sizeOfImage: pe.sizeOfImage,
    sectionNames: pe.sections.map((s) => s.name),
    checksum: pe.format === 'TE' ? undefined : pe.checksum,
  };
  // The finder's recogniser: a GOP without its "Intel(R) GOP Driver" string is labelled too.
  if (identifyGop(raw).gop) {
    const gop = gopInfo(raw);
    node.name = gopLabel(gop);
    const from = gopProvenance(gop);
    data.gop = {
      versionText: gop.versionText,
      deviceIdCount: gop.deviceIds.length,
      versionFrom: from.version.en,
      generation: gop.generation && `${gop.generation.label} (${from.generation!.en})`,
    };
  }
  return node;
}

/** A 'vbt' node for a `$VBT` blob; the header's own size field bounds it. */
export function vbtNode(
  raw: Uint8Array,
  offset: number,
  absOffset: number | undefined,
): FirmwareNode {
  const v = new ByteView(raw, absOffset ?? 0);
  const data: VbtData = { is: 'vbt' };
  const node = makeNode({ kind: 'vbt', type: 'VBT', offset, raw, absOffset, data });
  if (v.has(0, 0x1c)) {
    const size = v.u16(0x18);
    data.header = {
      signature: v.ascii(0, 20).trim(),
      version: v.u16(0x14),
      headerSize: v.u16(0x16),
      vbtSize: size,
    };
    if (size > raw.length)
      node.warnings.push(`VBT size ${size} is larger than the ${raw.length} bytes present`);
  } else {
    node.warnings.push('VBT header is truncated');
  }
  return node;
}

export { hex } from '../errors';

/**
 * Keeps the bytes after a container visible as a padding node, with a warning unless they are
 * erased (all 0xFF or all 0x00): vendors append signatures and tool data there.
 */
export function addTrailingPadding(
  parent: FirmwareNode,
  bytes: Uint8Array,
  from: number,
  base: number,
  abs: number | undefined,
  ctx: ParseContext,
  warning: string,
): void {
  if (from >= bytes.length) return;
  const rest = bytes.subarray(from);
  ctx.budget.takeNode({ offset: absAt(abs, from) });
  const pad = addChild(
    parent,
    makeNode({
      kind: 'padding',
      type: 'padding',
      offset: base + from,
      raw: rest,
      absOffset: absAt(abs, from),
    }),
  );
  if (!allBytes(rest, 0xff) && !allBytes(rest, 0)) pad.warnings.push(warning);
}
