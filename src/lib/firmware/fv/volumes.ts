/**
 * Volumes back to back, and volumes found by scanning other data for `_FVH`: the readers behind
 * the registry's two volume formats (a volume at the start of the bytes, volumes inside).
 */
import { hex } from '../errors';
import type { FirmwareFormat, KindGuess } from '../containers/format';
import type { ParseContext } from '../tree/context';
import { addChild, type FirmwareNode } from '../tree/node';
import { absAt, allBytes, child, messageOf, rethrowBudget } from './nodes';
import { parseVolume } from './volume';
import { checkVolumeHeader, looksLikeVolume, type VolumeHeaderCheck } from './volume-header';

/** The next offset ≥ `from` where a volume header passes `accept`, or -1. */
function findHeader(
  bytes: Uint8Array,
  from: number,
  accept: (c: VolumeHeaderCheck) => boolean,
): number {
  // Look for the signature `_FVH` (its `_` found natively: this scans whole images) and step
  // back to the header start.
  for (
    let i = bytes.indexOf(0x5f, Math.max(from + 0x28, 0x28));
    i >= 0 && i + 4 <= bytes.length;
    i = bytes.indexOf(0x5f, i + 1)
  ) {
    if (bytes[i + 1] === 0x46 && bytes[i + 2] === 0x56 && bytes[i + 3] === 0x48) {
      if (accept(checkVolumeHeader(bytes, i - 0x28))) return i - 0x28;
    }
  }
  return -1;
}

/** The next offset ≥ `from` where a whole volume starts, or -1. */
export function findVolume(bytes: Uint8Array, from: number): number {
  return findHeader(bytes, from, (c) => c.verdict === 'ok' && c.fits);
}

/**
 * Where the first volume header lies, for naming a file: the first whole volume when there is
 * one (where the parse starts reading), else the first recognisable header; -1 when none.
 */
export function firstVolume(bytes: Uint8Array): number {
  const whole = findVolume(bytes, 0);
  return whole >= 0 ? whole : findHeader(bytes, 0, (c) => c.verdict !== 'none');
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

async function openVolumes(
  parent: FirmwareNode,
  bytes: Uint8Array,
  _base: number,
  abs: number | undefined,
  ctx: ParseContext,
): Promise<boolean> {
  await parseVolumes(parent, bytes, abs, ctx);
  return true;
}

/** A volume at the start of the bytes: read from there, whatever the header's state. */
export const firmwareVolumeFormat: FirmwareFormat = {
  name: 'firmware-volume',
  probe: (b) =>
    looksLikeVolume(b, 0)
      ? { kind: 'firmware-volume', label: 'UEFI firmware volume', offset: 0 }
      : undefined,
  open: openVolumes,
};

function probeVolumesInside(b: Uint8Array): KindGuess | undefined {
  const fv = firstVolume(b);
  if (fv < 0) return undefined;
  return {
    kind: 'firmware-volume',
    label: 'Firmware image (volumes found inside)',
    offset: fv,
    detail: `first volume at ${hex(fv)}`,
  };
}

/** Whole volumes somewhere in otherwise unknown data (after every container had its turn). */
export const volumesInsideFormat: FirmwareFormat = {
  name: 'volumes-inside',
  probe: probeVolumesInside,
  open: async (parent, bytes, base, abs, ctx) =>
    findVolume(bytes, 0) >= 0 && openVolumes(parent, bytes, base, abs, ctx),
  searches: true,
};
