/** Small helpers shared by the volume, file and section parsers. */
import type { ParseContext } from '../tree/context';
import { absAt } from '../bytes/offsets';
import { FirmwareError } from '../errors';
import { addChild, makeNode, type FirmwareNode, type NewNode } from '../tree/node';

export function depthOf(node: FirmwareNode): number {
  let d = 0;
  for (let n = node.parent; n; n = n.parent) d++;
  return d;
}

/** Create a node under `parent`, charging the budget for it and for its depth. */
export function child(parent: FirmwareNode, n: NewNode, ctx: ParseContext): FirmwareNode {
  const where = { offset: n.absOffset };
  ctx.budget.takeNode(where);
  const node = addChild(parent, makeNode(n));
  ctx.budget.checkDepth(depthOf(node), where);
  return node;
}

/**
 * Where a node lies in the input file, for progress reports (the file's bytes are the only
 * measure of progress the caller knows). Decoding a section sweeps the first half of its
 * encoded bytes (see decodeProgress in section.ts), parsing what it decoded the second half,
 * so positions keep growing through a compressed section.
 */
export function inputPosition(node: FirmwareNode): number | undefined {
  let cur = node;
  let off = 0; // where the position lies within cur.raw
  for (;;) {
    if (cur.absOffset !== undefined) return cur.absOffset + off;
    const p = cur.parent;
    if (!p) return undefined;
    if (p.decoded) {
      const decoded = p.decoded.bytes.length || 1;
      const encoded = p.raw.length - p.headerSize;
      const half = encoded / 2;
      off = p.headerSize + Math.floor(half + ((cur.offset + off) / decoded) * half);
    } else off = p.headerSize + Math.max(0, cur.offset) + off;
    cur = p;
  }
}

/** Reports where `node` lies in the input (its absolute offset when it has one). */
export function reportPosition(ctx: ParseContext, node: FirmwareNode, abs: number | undefined) {
  if (!ctx.progress) return;
  const at = abs ?? inputPosition(node);
  if (at !== undefined) ctx.progress(at);
}

export { absAt } from '../bytes/offsets';
export { allBytes } from '../bytes/compare';

/** Budget errors end the parse; everything else is damage the caller records on a node. */
export function rethrowBudget(e: unknown): void {
  if (e instanceof FirmwareError && e.code === 'budget') throw e;
}

export function messageOf(e: unknown): string {
  if (e instanceof FirmwareError) return e.describe();
  return e instanceof Error ? e.message : String(e);
}

/** Bytes kept as they are, e.g. data after the last valid structure. */
export function opaque(
  parent: FirmwareNode,
  bytes: Uint8Array,
  offset: number,
  absOffset: number | undefined,
  ctx: ParseContext,
  type: string,
  warning?: string,
): FirmwareNode {
  const node = child(
    parent,
    {
      kind: 'opaque',
      type,
      offset,
      raw: bytes.subarray(offset),
      absOffset: absAt(absOffset, offset),
    },
    ctx,
  );
  if (warning) node.warnings.push(warning);
  return node;
}

export const align = (n: number, a: number): number => Math.ceil(n / a) * a;

/** `_FVH`, little-endian, at +0x28 of a volume header. */
export const FVH_SIGNATURE = 0x4856465f;

/**
 * A firmware volume header plausibly starts at `offset`: signature, a header length that fits
 * the volume, revision 1 or 2. FvLength may run past the data (a truncated volume is still
 * shown, with a warning).
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
