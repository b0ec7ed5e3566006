/**
 * The ParseContext behind `parseFirmware`: what a body of bytes holds — volumes back to back,
 * a container another module recognises, volumes found by scanning for `_FVH`, or nothing known.
 */
import { Budget } from '../budget';
import { hex } from '../errors';
import type { DecodeCache, ParseContext } from '../tree/context';
import { addChild, type FirmwareNode } from '../tree/node';
import {
  absAt,
  allBytes,
  child,
  depthOf,
  looksLikeVolume,
  messageOf,
  rethrowBudget,
} from './nodes';
import { parseVolume, readVolumeHeader } from './volume';

export type OpenContainer = (
  parent: FirmwareNode,
  bytes: Uint8Array,
  absOffset: number | undefined,
  ctx: ParseContext,
) => Promise<boolean>;

export interface BodyParserOptions {
  budget?: Budget;
  progress?: (doneBytes: number) => void;
  /** Recognises containers (descriptor, capsules, option ROMs, …) at the start of a body. */
  openContainer?: OpenContainer;
  decodeCache?: DecodeCache;
}

/** Passes on only positions beyond the last one reported, so progress never goes back. */
function forwardOnly(report: (doneBytes: number) => void): (doneBytes: number) => void {
  let last = -1;
  return (n) => {
    if (n > last) {
      last = n;
      report(n);
    }
  };
}

export function createParseContext(opts: BodyParserOptions = {}): ParseContext {
  const ctx: ParseContext = {
    budget: opts.budget ?? new Budget(),
    depth: 0,
    progress: opts.progress && forwardOnly(opts.progress),
    decodeCache: opts.decodeCache,
    async parseBody(parent, bytes, absOffset) {
      const saved = ctx.depth;
      ctx.depth = depthOf(parent) + 1;
      ctx.budget.checkDepth(ctx.depth, { offset: absOffset });
      try {
        await parseBody(parent, bytes, absOffset, ctx, opts.openContainer);
      } finally {
        ctx.depth = saved;
      }
    },
  };
  return ctx;
}

/** A volume header that also fits inside `bytes` (stricter than at a known volume start). */
export function volumeFitsAt(bytes: Uint8Array, offset: number): boolean {
  if (!looksLikeVolume(bytes, offset)) return false;
  try {
    const h = readVolumeHeader(bytes, offset);
    return h.fvLength <= bytes.length - offset && h.dataOffset <= h.fvLength;
  } catch {
    return false;
  }
}

/** The next offset ≥ `from` where a whole volume starts, or -1. */
export function findVolume(bytes: Uint8Array, from: number): number {
  // Look for the signature `_FVH` and step back to the header start.
  for (let i = Math.max(from + 0x28, 0x28); i + 4 <= bytes.length; i++) {
    if (
      bytes[i] === 0x5f &&
      bytes[i + 1] === 0x46 &&
      bytes[i + 2] === 0x56 &&
      bytes[i + 3] === 0x48
    ) {
      if (volumeFitsAt(bytes, i - 0x28)) return i - 0x28;
    }
  }
  return -1;
}

async function parseBody(
  parent: FirmwareNode,
  bytes: Uint8Array,
  absOffset: number | undefined,
  ctx: ParseContext,
  openContainer: OpenContainer | undefined,
): Promise<void> {
  if (bytes.length === 0) return;
  if (!looksLikeVolume(bytes, 0)) {
    if (openContainer && (await openContainer(parent, bytes, absOffset, ctx))) return;
    if (findVolume(bytes, 0) < 0) {
      child(parent, { kind: 'opaque', type: 'data', offset: 0, raw: bytes, absOffset }, ctx);
      return;
    }
  }
  await parseVolumes(parent, bytes, absOffset, ctx);
}

/** Volumes back to back, with whatever lies between and after them as padding. */
export async function parseVolumes(
  parent: FirmwareNode,
  bytes: Uint8Array,
  absOffset: number | undefined,
  ctx: ParseContext,
): Promise<void> {
  let off = 0;
  while (off < bytes.length) {
    if (looksLikeVolume(bytes, off)) {
      try {
        const vol = await parseVolume(bytes, off, absOffset, ctx, parent);
        addChild(parent, vol);
        off += vol.raw.length;
      } catch (e) {
        rethrowBudget(e);
        // A header we cannot use: keep its declared extent as data and go on after it.
        const h = new DataView(bytes.buffer, bytes.byteOffset + off, 0x30);
        const declared = h.getUint32(0x20, true);
        const end = Math.min(bytes.length, off + Math.max(0x48, declared));
        const node = child(
          parent,
          {
            kind: 'opaque',
            type: 'volume',
            offset: off,
            raw: bytes.subarray(off, end),
            absOffset: absAt(absOffset, off),
          },
          ctx,
        );
        node.warnings.push(messageOf(e));
        off = end;
      }
      continue;
    }
    const next = findVolume(bytes, off);
    const end = next < 0 ? bytes.length : next;
    addPadding(parent, bytes, off, end, absOffset, ctx);
    off = end;
  }
}

function addPadding(
  parent: FirmwareNode,
  bytes: Uint8Array,
  start: number,
  end: number,
  absOffset: number | undefined,
  ctx: ParseContext,
): void {
  const raw = bytes.subarray(start, end);
  const empty = allBytes(raw, 0xff) || allBytes(raw, 0);
  const node = child(
    parent,
    {
      kind: 'padding',
      type: empty ? `empty (${hex(raw[0], 2)})` : 'data',
      offset: start,
      raw,
      absOffset: absAt(absOffset, start),
    },
    ctx,
  );
  if (!empty) node.warnings.push(`${hex(raw.length)} bytes of unrecognised data`);
}
