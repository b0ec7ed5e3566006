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
